/* tsr_autoroute_fanout: a ball grid's inner balls can only leave through a
 * via between four balls, and there are fewer such spots than balls.  A
 * router that places vias as nets come finds the spots taken by nets
 * passing by and walls balls in; the usual cure, done here, is to give
 * every inner ball its via first, all of a quadrant pointing the same way
 * (outwards), so that no two balls want the same spot. */
#include <math.h>
#include <string.h>
#include "tsr_autoroute_drc.h"
#include "tsr_autoroute_fanout.h"

/* Pads this far apart (centres) or nearer may form a field. */
#define FIELD_PITCH 1.3
/* Pads larger than this are no balls. */
#define BALL_SIZE 0.8
/* Balls considered at most: fanout is a heuristic, and checking each new
 * via against the ones before is quadratic. */
#define MAX_BALLS 2048

typedef struct near_t {
    const tsr_ar_board_t *b;
    const tsr_ar_obst_t *o;
    int self;
    int *stamp, mark;           /* the index may list a pad twice */
    double pitch;               /* the nearest pad's distance */
    int count;                  /* -1: find pitch; else pads within 1.5
                                 * pitch */
} near_t;

/* Pads on o's layer: the nearest, or how many are within 1.5 pitch. */
static int near_pad(void *baton, int j)
{
    near_t *nr = baton;
    const tsr_ar_obst_t *q = &nr->b->obs[j];
    double d;

    if (j == nr->self || q->kind != TSR_AR_OB_PAD
        || !(q->layers & nr->o->layers) || nr->stamp[j] == nr->mark) {
        return 1;
    }
    nr->stamp[j] = nr->mark;
    d = sqrt((nr->o->shape.c.x - q->shape.c.x)
                 * (nr->o->shape.c.x - q->shape.c.x)
             + (nr->o->shape.c.y - q->shape.c.y)
                   * (nr->o->shape.c.y - q->shape.c.y));
    if (nr->count < 0) {
        if (d > 0 && d < nr->pitch) {
            nr->pitch = d;
        }
    }
    else if (d <= 1.5 * nr->pitch) {
        nr->count++;
    }
    return 1;
}

typedef struct ball_t {
    int port, pad, comp;
    double pitch;               /* to the nearest pad on its layer */
    int inner;
} ball_t;

static unsigned pad_layer(const tsr_ar_obst_t *o)
{
    return o->layers;
}

static double dist(tsr_ar_pt_t a, tsr_ar_pt_t b)
{
    return sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y));
}

static int is_ball(const tsr_ar_obst_t *o)
{
    unsigned l = o->layers;

    return o->kind == TSR_AR_OB_PAD && l != 0 && (l & (l - 1)) == 0
           && o->shape.maxx - o->shape.minx <= BALL_SIZE
           && o->shape.maxy - o->shape.miny <= BALL_SIZE;
}

/* Append an obstacle of net (a copy of *proto's rules) to b. */
static void append(tsr_ar_board_t *b, const tsr_ar_obst_t *o)
{
    b->obs[b->nobs++] = *o;
}

int tsr_ar_fanout_plan(tsr_ar_board_t *b, apr_pool_t *p, double pitch,
                       double x0, double y0)
{
    const tsr_ar_rules_t *r = &b->rules;
    ball_t *ball = apr_pcalloc(p, (b->nports + 1) * sizeof(*ball));
    double *cx, *cy;
    int *cn, *stack;
    int nb = 0, i, j, k, ncomp = 0, made = 0, nobs0;
    tsr_ar_obst_t *obs;
    near_t nr;

    /* the pads of routed nets that could be balls */
    for (i = 0; i < b->nports; i++) {
        const tsr_ar_port_t *pt = &b->ports[i];

        if (pt->net < 0 || pt->pad < 0 || !is_ball(&b->obs[pt->pad])
            || nb == MAX_BALLS) {
            continue;
        }
        ball[nb].port = i;
        ball[nb].pad = pt->pad;
        ball[nb].comp = -1;
        ball[nb].pitch = HUGE_VAL;
        nb++;
    }
    if (nb == 0) {
        return 0;
    }
    /* inner: 8 pads (of any net, or none) round it on its layer */
    memset(&nr, 0, sizeof(nr));
    nr.b = b;
    nr.stamp = apr_pcalloc(p, (b->nobs + 1) * sizeof(int));
    for (i = 0; i < nb; i++) {
        const tsr_ar_obst_t *o = &b->obs[ball[i].pad];
        double g = FIELD_PITCH * 1.5;

        nr.o = o;
        nr.self = ball[i].pad;
        nr.pitch = HUGE_VAL;
        nr.count = -1;
        nr.mark++;
        tsr_ar_board_near(b, o->shape.c.x - g, o->shape.c.y - g,
                          o->shape.c.x + g, o->shape.c.y + g, near_pad, &nr);
        ball[i].pitch = nr.pitch;
        if (nr.pitch > FIELD_PITCH) {
            continue;
        }
        nr.count = 0;
        nr.mark++;
        tsr_ar_board_near(b, o->shape.c.x - g, o->shape.c.y - g,
                          o->shape.c.x + g, o->shape.c.y + g, near_pad, &nr);
        ball[i].inner = nr.count >= 8;
    }
    /* fields: balls joined through neighbours; each has a middle */
    cx = apr_pcalloc(p, nb * sizeof(double));
    cy = apr_pcalloc(p, nb * sizeof(double));
    cn = apr_pcalloc(p, nb * sizeof(int));
    stack = apr_palloc(p, nb * sizeof(int));
    for (i = 0; i < nb; i++) {
        int top = 0;

        if (ball[i].comp >= 0 || ball[i].pitch > FIELD_PITCH) {
            continue;
        }
        ball[i].comp = ncomp;
        stack[top++] = i;
        while (top > 0) {
            int a = stack[--top];
            const tsr_ar_obst_t *oa = &b->obs[ball[a].pad];

            cx[ncomp] += oa->shape.c.x;
            cy[ncomp] += oa->shape.c.y;
            cn[ncomp]++;
            for (j = 0; j < nb; j++) {
                const tsr_ar_obst_t *oj = &b->obs[ball[j].pad];

                if (ball[j].comp < 0 && ball[j].pitch <= FIELD_PITCH
                    && oj->layers == oa->layers
                    && dist(oa->shape.c, oj->shape.c)
                       <= 1.5 * ball[a].pitch) {
                    ball[j].comp = ncomp;
                    stack[top++] = j;
                }
            }
        }
        cx[ncomp] /= cn[ncomp];
        cy[ncomp] /= cn[ncomp];
        ncomp++;
    }
    /* room for a trace and a via per inner ball */
    obs = apr_palloc(p, (b->nobs + 2 * nb) * sizeof(*obs));
    memcpy(obs, b->obs, b->nobs * sizeof(*obs));
    b->obs = obs;
    nobs0 = b->nobs;

    for (i = 0; i < nb; i++) {
        const tsr_ar_obst_t *o;
        tsr_ar_port_t *pt = &b->ports[ball[i].port];
        double ox, oy, half, best = -HUGE_VAL;
        tsr_ar_pt_t site, pick;
        int l, found = 0;

        if (!ball[i].inner) {
            continue;
        }
        o = &b->obs[ball[i].pad];
        ox = o->shape.c.x - cx[ball[i].comp];
        oy = o->shape.c.y - cy[ball[i].comp];
        half = ball[i].pitch / 2;
        for (l = 0; l < b->nlayers && !((pad_layer(o) >> l) & 1); l++) {
        }
        for (k = 0; k < 4; k++) {
            double sx = (k & 1) ? half : -half, sy = (k & 2) ? half : -half;
            double score = sx * ox + sy * oy;
            tsr_ar_cu_t via, bone;

            /* the spot between the four, on the nearest grid centre */
            site.x = x0 + nearbyint((o->shape.c.x + sx - x0) / pitch) * pitch;
            site.y = y0 + nearbyint((o->shape.c.y + sy - y0) / pitch) * pitch;
            site.x = nearbyint(site.x * 1e6) / 1e6;
            site.y = nearbyint(site.y * 1e6) / 1e6;
            tsr_ar_cu_via(&via, b, pt->net, site);
            tsr_ar_cu_seg(&bone, b, pt->net, l, pt->at, site,
                          b->nets[pt->net].width);
            if (score <= best || !tsr_ar_drc_static_ok(b, &via)
                || !tsr_ar_drc_static_ok(b, &bone)) {
                continue;
            }
            /* the index does not know the reservations made so far */
            for (j = nobs0; j < b->nobs; j++) {
                if (!tsr_ar_drc_obstacle_ok(b, &via, j)
                    || !tsr_ar_drc_obstacle_ok(b, &bone, j)) {
                    break;
                }
            }
            if (j < b->nobs) {
                continue;
            }
            /* no via may touch any pad, its own included */
            if (tsr_ar_pt_shape_dist(site, &o->shape)
                < via.r + r->via_pad_clearance) {
                continue;
            }
            best = score;
            pick = site;
            found = 1;
        }
        if (!found) {
            continue;
        }
        {
            tsr_ar_obst_t t;

            memset(&t, 0, sizeof(t));
            t.kind = TSR_AR_OB_TRACE;
            t.layers = o->layers;
            t.net = pt->net;
            t.clr_trace = t.clr_via = r->clearance;
            t.id = "fanout";
            tsr_ar_shape_capsule(&t.shape, pt->at, pick,
                                 b->nets[pt->net].width / 2);
            append(b, &t);
            t.kind = TSR_AR_OB_VIA;
            t.layers = (1u << b->nlayers) - 1;
            t.clr_via = r->via_pad_clearance;
            t.hole = r->via_hole;
            tsr_ar_shape_circle(&t.shape, pick.x, pick.y,
                                r->via_diameter / 2);
            append(b, &t);
        }
        pt->fan = 1;
        pt->fan_at = pick;
        made++;
    }
    if (made > 0) {
        tsr_ar_board_index(b, p);
    }
    return made;
}
