/* tsr_autoroute_drc: exact clearance checks of routed copper, with the rules
 * @tscircuit/checks applies (without its 5 micron tolerance, so what
 * passes here passes there), and a bucket index to find neighbours. */
#include <math.h>
#include <string.h>
#include "tsr_autoroute_drc.h"

/* Rounding noise allowed on a gap that must be at least a clearance. */
#define TOL 1e-9

tsr_ar_copper_t *tsr_ar_copper_create(apr_pool_t *p,
                                      const tsr_ar_board_t *b)
{
    tsr_ar_copper_t *s = apr_pcalloc(p, sizeof(*s));

    s->board = b;
    s->p = p;
    s->items = apr_array_make(p, 1024, sizeof(tsr_ar_cu_t));
    /* buckets of 1 mm: a few traces each on a dense board */
    s->bsize = 1.0;
    s->bx0 = b->minx - 2;
    s->by0 = b->miny - 2;
    s->bw = (int)ceil((b->maxx - b->minx + 4) / s->bsize) + 1;
    s->bh = (int)ceil((b->maxy - b->miny + 4) / s->bsize) + 1;
    s->bucket = apr_pcalloc(p, (apr_size_t)s->bw * s->bh
                                   * sizeof(apr_array_header_t *));
    return s;
}

void tsr_ar_cu_seg(tsr_ar_cu_t *cu, const tsr_ar_board_t *b, int net,
                   int layer, tsr_ar_pt_t a, tsr_ar_pt_t bb, double width)
{
    memset(cu, 0, sizeof(*cu));
    cu->a = a;
    cu->b = bb;
    cu->r = width / 2;
    cu->layers = 1u << layer;
    cu->net = net;
    cu->alive = 1;
    (void)b;
}

void tsr_ar_cu_via(tsr_ar_cu_t *cu, const tsr_ar_board_t *b, int net,
                   tsr_ar_pt_t at)
{
    memset(cu, 0, sizeof(*cu));
    cu->a = cu->b = at;
    cu->r = b->rules.via_diameter / 2;
    cu->layers = (1u << b->nlayers) - 1;
    cu->net = net;
    cu->via = 1;
    cu->alive = 1;
}

static void range(const tsr_ar_copper_t *s, const tsr_ar_cu_t *cu,
                  double pad, int *x0, int *y0, int *x1, int *y1)
{
    *x0 = (int)floor((fmin(cu->a.x, cu->b.x) - cu->r - pad - s->bx0)
                     / s->bsize);
    *x1 = (int)floor((fmax(cu->a.x, cu->b.x) + cu->r + pad - s->bx0)
                     / s->bsize);
    *y0 = (int)floor((fmin(cu->a.y, cu->b.y) - cu->r - pad - s->by0)
                     / s->bsize);
    *y1 = (int)floor((fmax(cu->a.y, cu->b.y) + cu->r + pad - s->by0)
                     / s->bsize);
    *x0 = *x0 < 0 ? 0 : *x0;
    *y0 = *y0 < 0 ? 0 : *y0;
    *x1 = *x1 >= s->bw ? s->bw - 1 : *x1;
    *y1 = *y1 >= s->bh ? s->bh - 1 : *y1;
}

int tsr_ar_copper_add(tsr_ar_copper_t *s, const tsr_ar_cu_t *cu)
{
    int ix = s->items->nelts, x0, y0, x1, y1, x, y;

    *(tsr_ar_cu_t *)apr_array_push(s->items) = *cu;
    range(s, cu, 0, &x0, &y0, &x1, &y1);
    for (y = y0; y <= y1; y++) {
        for (x = x0; x <= x1; x++) {
            apr_array_header_t **bk = &s->bucket[(apr_size_t)y * s->bw + x];

            if (*bk == NULL) {
                *bk = apr_array_make(s->p, 8, sizeof(int));
            }
            APR_ARRAY_PUSH(*bk, int) = ix;
        }
    }
    return ix;
}

tsr_ar_cu_t *tsr_ar_copper_item(tsr_ar_copper_t *s, int i)
{
    return &APR_ARRAY_IDX(s->items, i, tsr_ar_cu_t);
}

/* (declared in the header) */
typedef struct static_t {
    const tsr_ar_board_t *b;
    const tsr_ar_cu_t *cu;
    int ok;
} static_t;

int tsr_ar_drc_obstacle_ok(const tsr_ar_board_t *b, const tsr_ar_cu_t *cu,
                           int i)
{
    const tsr_ar_obst_t *o = &b->obs[i];
    const tsr_ar_rules_t *r = &b->rules;
    double need = cu->via ? o->clr_via : o->clr_trace, d;

    if (!(o->layers & cu->layers) || (o->net >= 0 && o->net == cu->net)) {
        return 1;
    }
    if (fmax(cu->a.x, cu->b.x) + cu->r + need < o->shape.minx
        || fmin(cu->a.x, cu->b.x) - cu->r - need > o->shape.maxx
        || fmax(cu->a.y, cu->b.y) + cu->r + need < o->shape.miny
        || fmin(cu->a.y, cu->b.y) - cu->r - need > o->shape.maxy) {
        return 1;
    }
    d = tsr_ar_seg_shape_dist(cu->a, cu->b, &o->shape) - cu->r;
    return !(d < need + TOL
             || (cu->via && o->kind == TSR_AR_OB_VIA
                 && hypot(cu->a.x - o->shape.c.x, cu->a.y - o->shape.c.y)
                    - r->via_hole / 2 - o->hole / 2
                    < r->via_hole_gap + TOL));
}

/* One obstacle against the copper: 0 (stop) on a violation. */
static int obstacle_ok(void *baton, int i)
{
    static_t *st = baton;

    if (!tsr_ar_drc_obstacle_ok(st->b, st->cu, i)) {
        st->ok = 0;
        return 0;
    }
    return 1;
}

int tsr_ar_drc_static_ok(const tsr_ar_board_t *b, const tsr_ar_cu_t *cu)
{
    const tsr_ar_rules_t *r = &b->rules;
    static_t st;
    double d;

    if (!tsr_ar_pt_in_poly(cu->a, b->outline, b->noutline)
        || !tsr_ar_pt_in_poly(cu->b, b->outline, b->noutline)) {
        return 0;
    }
    d = tsr_ar_seg_poly_edge_dist(cu->a, cu->b, b->outline, b->noutline);
    if (d - cu->r < r->edge_clearance + TOL) {
        return 0;
    }
    st.b = b;
    st.cu = cu;
    st.ok = 1;
    tsr_ar_board_near(b, fmin(cu->a.x, cu->b.x) - cu->r,
                      fmin(cu->a.y, cu->b.y) - cu->r,
                      fmax(cu->a.x, cu->b.x) + cu->r,
                      fmax(cu->a.y, cu->b.y) + cu->r, obstacle_ok, &st);
    return st.ok;
}

/* The orientation of r against p-q as the checker computes it; volatile
 * keeps the compiler from fusing the products, which would round
 * differently from JavaScript. */
static int orient(tsr_ar_pt_t p, tsr_ar_pt_t q, tsr_ar_pt_t r)
{
    volatile double a = (q.y - p.y) * (r.x - q.x);
    volatile double b = (q.x - p.x) * (r.y - q.y);
    double val = a - b;

    return val == 0 ? 0 : val > 0 ? 1 : 2;
}

static int on_seg(tsr_ar_pt_t p, tsr_ar_pt_t q, tsr_ar_pt_t r)
{
    return q.x <= fmax(p.x, r.x) && q.x >= fmin(p.x, r.x)
           && q.y <= fmax(p.y, r.y) && q.y >= fmin(p.y, r.y);
}

int tsr_ar_checker_cross(tsr_ar_pt_t p1, tsr_ar_pt_t q1, tsr_ar_pt_t p2,
                         tsr_ar_pt_t q2)
{
    int o1 = orient(p1, q1, p2), o2 = orient(p1, q1, q2);
    int o3 = orient(p2, q2, p1), o4 = orient(p2, q2, q1);

    if (o1 != o2 && o3 != o4) {
        return 1;
    }
    return (o1 == 0 && on_seg(p1, p2, q1)) || (o2 == 0 && on_seg(p1, q2, q1))
           || (o3 == 0 && on_seg(p2, p1, q2))
           || (o4 == 0 && on_seg(p2, q1, q2));
}

int tsr_ar_drc_pair_ok(const tsr_ar_board_t *b, const tsr_ar_cu_t *x,
                       const tsr_ar_cu_t *y)
{
    const tsr_ar_rules_t *r = &b->rules;
    double d;

    if (x->via && y->via) {
        d = hypot(x->a.x - y->a.x, x->a.y - y->a.y);
        if (x->net == y->net && d <= 1e-6) {
            return 1;
        }
        if (d - r->via_hole < r->via_hole_gap + TOL) {
            return 0;
        }
        if (x->net == y->net) {
            return 1;
        }
        return d - x->r - y->r >= r->via_pad_clearance + TOL;
    }
    if (x->net == y->net || !(x->layers & y->layers)) {
        return 1;
    }
    d = tsr_ar_seg_seg_dist(x->a, x->b, y->a, y->b) - x->r - y->r;
    if (d < r->clearance + TOL) {
        return 0;
    }
    /* what the checker would misread as a crossing, near enough for it to
     * compare the two */
    return x->via || y->via || d > 1.0
           || (x->a.x == x->b.x && x->a.y == x->b.y)
           || (y->a.x == y->b.x && y->a.y == y->b.y)
           || !tsr_ar_checker_cross(x->a, x->b, y->a, y->b);
}

int tsr_ar_copper_conflicts(tsr_ar_copper_t *s, const tsr_ar_cu_t *cu,
                            int skip_net,
                            void (*fn)(void *baton, int j), void *baton)
{
    const tsr_ar_rules_t *r = &s->board->rules;
    double pad = fmax(r->clearance, r->via_pad_clearance)
                 + fmax(s->board->rules.via_diameter, 1.0) + 1e-3;
    int x0, y0, x1, y1, x, y, k, hits = 0;

    range(s, cu, pad, &x0, &y0, &x1, &y1);
    for (y = y0; y <= y1; y++) {
        for (x = x0; x <= x1; x++) {
            apr_array_header_t *bk = s->bucket[(apr_size_t)y * s->bw + x];

            if (bk == NULL) {
                continue;
            }
            for (k = 0; k < bk->nelts; k++) {
                int j = APR_ARRAY_IDX(bk, k, int);
                tsr_ar_cu_t *o = tsr_ar_copper_item(s, j);
                int bx, by, bx1, by1;

                if (!o->alive || (skip_net >= 0 && o->net == skip_net)
                    || tsr_ar_drc_pair_ok(s->board, cu, o)) {
                    continue;
                }
                /* report each pair once: in the first bucket both cover */
                range(s, o, 0, &bx, &by, &bx1, &by1);
                if ((x != (bx > x0 ? bx : x0)) || (y != (by > y0 ? by : y0))) {
                    continue;
                }
                hits++;
                if (fn != NULL) {
                    fn(baton, j);
                }
            }
        }
    }
    return hits;
}
