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
    int nb = 0, i, j, k, ncomp = 0, made = 0;
    tsr_ar_obst_t *obs;

    /* the pads of routed nets that could be balls */
    for (i = 0; i < b->nports; i++) {
        const tsr_ar_port_t *pt = &b->ports[i];

        if (pt->net < 0 || pt->pad < 0 || !is_ball(&b->obs[pt->pad])) {
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
    for (i = 0; i < nb; i++) {
        const tsr_ar_obst_t *o = &b->obs[ball[i].pad];
        int around = 0;

        for (j = 0; j < b->nobs; j++) {
            double d;

            if (j == ball[i].pad || b->obs[j].kind != TSR_AR_OB_PAD
                || !(b->obs[j].layers & o->layers)) {
                continue;
            }
            d = dist(o->shape.c, b->obs[j].shape.c);
            if (d > 0 && d < ball[i].pitch) {
                ball[i].pitch = d;
            }
        }
        if (ball[i].pitch > FIELD_PITCH) {
            continue;
        }
        for (j = 0; j < b->nobs; j++) {
            if (j != ball[i].pad && b->obs[j].kind == TSR_AR_OB_PAD
                && (b->obs[j].layers & o->layers)
                && dist(o->shape.c, b->obs[j].shape.c)
                   <= 1.5 * ball[i].pitch) {
                around++;
            }
        }
        ball[i].inner = around >= 8;
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
            /* no via may touch any pad, its own included */
            for (j = 0; j < b->nobs; j++) {
                if (b->obs[j].kind == TSR_AR_OB_PAD
                    && (b->obs[j].layers & via.layers)
                    && tsr_ar_pt_shape_dist(site, &b->obs[j].shape)
                       < via.r + r->via_pad_clearance) {
                    break;
                }
            }
            if (j < b->nobs) {
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
    return made;
}
