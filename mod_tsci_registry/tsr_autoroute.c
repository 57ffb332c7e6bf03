/* tsr_autoroute: the router: which net goes when, rip-up and reroute, and
 * the pcb_trace elements it writes.
 *
 * Why a grid maze router.  tscircuit boards are small (median ~44 x 40
 * mm, a few dozen nets) but dense where it matters: 0.5 mm pitch ICs whose
 * traces must leave along the pads, through-hole headers, 2 or 4 layers.
 * A uniform 0.1 mm grid per layer resolves every gap a 0.15 mm trace with
 * 0.1 mm clearance can use at those pitches, costs a few MB, and makes
 * each question the router asks ("may net N's centre line be here?") one
 * array read: obstacles are inflated into the grid once, routed copper is
 * painted into it as counts and unpainted on rip-up.  A* with an octile
 * heuristic, bend and via costs then routes a connection in well under a
 * millisecond, so the whole board fits in tens of milliseconds, where a
 * gridless or capacity-planning router (tscircuit's own takes seconds)
 * spends its time on geometry.  The grid only decides where to search;
 * every emitted piece of copper is checked again with exact geometry
 * (tsr_autoroute_drc) and never written out if it breaks a rule.
 *
 * Nets are routed shortest first, each as a tree: the next port is the
 * unconnected one nearest to the tree, searched from the whole tree to
 * it.  A net that cannot be routed around the others is routed again
 * across them at a cost ("soft"), the nets it crossed are ripped up and
 * queued, and the cells fought over get a history cost that steers the
 * next searches elsewhere (negotiated congestion, as in PathFinder).  Each
 * trace is written port to port: a branch that joins the tree mid-way
 * repeats the tree's copper back to a port. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include "tsr_json.h"
#include "tsr_autoroute.h"
#include "tsr_autoroute_board.h"
#include "tsr_autoroute_drc.h"
#include "tsr_autoroute_fanout.h"
#include "tsr_autoroute_grid.h"
#include "tsr_autoroute_router.h"

/* How often a net may be ripped up before it no longer rips up others. */
#define MAX_RIPS 6
/* Access cells tried per port and layer. */
#define MAX_ACCESS 16
/* Passes over all nets when some fail (the first included). */
#define MAX_PASSES 4
/* Nodes one search may expand. */
#define MAX_EXPAND (6u * 1000 * 1000)

int tsr_ar_stop_now(void *baton)
{
    tsr_ar_router_t *r = baton;

    if (r->stopped) {
        return 1;
    }
    if (r->opts->cancel != NULL && *r->opts->cancel) {
        r->stopped = 2;
    }
    else if (r->deadline != 0 && apr_time_now() >= r->deadline) {
        r->stopped = 1;
    }
    return r->stopped != 0;
}

unsigned tsr_ar_node_layer(const tsr_ar_router_t *r, apr_uint32_t v)
{
    return (unsigned)(v / r->g->n);
}

/* ---------- ports: where a trace may leave one ---------- */

typedef struct cand_t {
    apr_uint32_t v;
    double d;
} cand_t;

static int cmp_cand(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;

    if (x->d != y->d) {
        return x->d < y->d ? -1 : 1;
    }
    return x->v < y->v ? -1 : x->v > y->v;
}

/* The cell of a port's reserved via. */
static apr_size_t fan_cell(const tsr_ar_grid_t *g, const tsr_ar_port_t *pt)
{
    long x = lround((pt->fan_at.x - g->x0) / g->pitch);
    long y = lround((pt->fan_at.y - g->y0) / g->pitch);

    return (apr_size_t)y * g->w + (apr_size_t)x;
}

/* The layer a port's pad is on, when node v reaches the port through its
 * reserved via from another layer; -1 when v is reached directly. */
int tsr_ar_via_stub(const tsr_ar_router_t *r, int port, apr_uint32_t v)
{
    const tsr_ar_port_t *pt = &r->b->ports[port];
    int l;

    if (!pt->fan || ((pt->layers >> (v / r->g->n)) & 1)
        || v % r->g->n != fan_cell(r->g, pt)) {
        return -1;
    }
    for (l = 0; !((pt->layers >> l) & 1); l++) {
    }
    return l;
}

/* 1 if a stub of net from the port point to a grid centre keeps every
 * rule (in a soft search, only the board's). */
static int stub_ok(tsr_ar_router_t *r, int net, tsr_ar_pt_t a, tsr_ar_pt_t b,
                   int layer, int soft)
{
    tsr_ar_cu_t cu;

    tsr_ar_cu_seg(&cu, r->b, net, layer, a, b, r->b->nets[net].width);
    if (!tsr_ar_drc_static_ok(r->b, &cu)) {
        return 0;
    }
    return soft || tsr_ar_copper_conflicts(r->cu, &cu, net, NULL, NULL) == 0;
}

/* The grid nodes through which port pi can be reached, nearest first, and
 * the cost of the stub to each. */
static void port_access(tsr_ar_router_t *r, int pi, int net, int soft,
                        apr_array_header_t *nodes, apr_array_header_t *costs)
{
    const tsr_ar_port_t *pt = &r->b->ports[pi];
    const tsr_ar_grid_t *g = r->g;
    const tsr_ar_shape_t *pad = pt->pad >= 0 ? &r->b->obs[pt->pad].shape
                                : NULL;
    double reach = 1.6 * g->pitch, minx, miny, maxx, maxy;
    long x0, x1, y0, y1, x, y;
    cand_t *cand;
    int nc = 0, l, k, got;

    nodes->nelts = costs->nelts = 0;
    minx = pt->at.x - reach;
    maxx = pt->at.x + reach;
    miny = pt->at.y - reach;
    maxy = pt->at.y + reach;
    if (pad != NULL) {
        minx = fmin(minx, pad->minx);
        maxx = fmax(maxx, pad->maxx);
        miny = fmin(miny, pad->miny);
        maxy = fmax(maxy, pad->maxy);
    }
    x0 = (long)floor((minx - g->x0) / g->pitch);
    x1 = (long)ceil((maxx - g->x0) / g->pitch);
    y0 = (long)floor((miny - g->y0) / g->pitch);
    y1 = (long)ceil((maxy - g->y0) / g->pitch);
    x0 = x0 < 1 ? 1 : x0;
    y0 = y0 < 1 ? 1 : y0;
    x1 = x1 > g->w - 2 ? g->w - 2 : x1;
    y1 = y1 > g->h - 2 ? g->h - 2 : y1;
    if (x1 < x0 || y1 < y0) {
        return;
    }
    if ((apr_size_t)(x1 - x0 + 1) * (y1 - y0 + 1) > r->ncand) {
        r->ncand = 2 * (apr_size_t)(x1 - x0 + 1) * (y1 - y0 + 1);
        r->cand = apr_palloc(r->p, r->ncand * sizeof(*cand));
    }
    cand = r->cand;
    if (pt->fan) {
        /* the reserved via, on every layer (through it on the others) */
        apr_size_t c = fan_cell(g, pt);

        for (l = 0; l < g->nl; l++) {
            apr_uint32_t v = (apr_uint32_t)(l * g->n + c);

            if (tsr_ar_grid_node_ok(g, net, v, soft)) {
                APR_ARRAY_PUSH(nodes, apr_uint32_t) = v;
                APR_ARRAY_PUSH(costs, apr_uint32_t) =
                    (apr_uint32_t)(hypot(pt->fan_at.x - pt->at.x,
                                         pt->fan_at.y - pt->at.y)
                                   / g->pitch * g->cost.step)
                    + ((pt->layers >> l) & 1 ? 0 : g->cost.via);
            }
        }
    }
    for (y = y0; y <= y1; y++) {
        for (x = x0; x <= x1; x++) {
            apr_size_t c = (apr_size_t)y * g->w + (apr_size_t)x;
            tsr_ar_pt_t q = tsr_ar_grid_xy(g, c);
            double d = hypot(q.x - pt->at.x, q.y - pt->at.y);

            if (d <= reach
                || (pad != NULL
                    && tsr_ar_pt_shape_dist(q, pad) <= g->pitch / 2)) {
                cand[nc].v = (apr_uint32_t)c;
                cand[nc].d = d;
                nc++;
            }
        }
    }
    qsort(cand, nc, sizeof(*cand), cmp_cand);
    for (l = 0; l < g->nl; l++) {
        if (!(pt->layers & (1u << l))) {
            continue;
        }
        for (k = 0, got = 0; k < nc && got < MAX_ACCESS; k++) {
            apr_uint32_t v = (apr_uint32_t)(l * g->n + cand[k].v);

            if (!tsr_ar_grid_node_ok(g, net, v, soft)
                || !stub_ok(r, net, pt->at, tsr_ar_grid_xy(g, cand[k].v), l,
                            soft)) {
                continue;
            }
            APR_ARRAY_PUSH(nodes, apr_uint32_t) = v;
            APR_ARRAY_PUSH(costs, apr_uint32_t) =
                (apr_uint32_t)(cand[k].d / g->pitch * g->cost.step);
            got++;
        }
    }
}

static int cmp_u32(const void *a, const void *b)
{
    apr_uint32_t x = *(const apr_uint32_t *)a, y = *(const apr_uint32_t *)b;

    return x < y ? -1 : x > y;
}

/* ---------- copper of a branch ---------- */

static void fresh_seg(tsr_ar_router_t *r, tsr_ar_rnet_t *rn, int net,
                      int layer,
                      tsr_ar_pt_t a, tsr_ar_pt_t b)
{
    tsr_ar_cu_t cu;

    tsr_ar_cu_seg(&cu, r->b, net, layer, a, b, r->b->nets[net].width);
    *(tsr_ar_cu_t *)apr_array_push(rn->fresh) = cu;
}

/* The copper a branch adds: its stubs, its straight runs, its vias. */
static void branch_copper(tsr_ar_router_t *r, tsr_ar_rnet_t *rn, int net,
                          const tsr_ar_branch_t *br)
{
    const tsr_ar_grid_t *g = r->g;
    const tsr_ar_port_t *ports = r->b->ports;
    int i, run = br->jn;

    if (br->from_pin) {
        int pl = tsr_ar_via_stub(r, br->p0, br->nodes[0]);
        tsr_ar_cu_t cu;

        fresh_seg(r, rn, net,
                  pl >= 0 ? pl : (int)tsr_ar_node_layer(r, br->nodes[0]),
                  ports[br->p0].at, tsr_ar_grid_xy(g, br->nodes[0]));
        if (pl >= 0) {
            tsr_ar_cu_via(&cu, r->b, net, tsr_ar_grid_xy(g, br->nodes[0]));
            *(tsr_ar_cu_t *)apr_array_push(rn->fresh) = cu;
        }
    }
    for (i = br->jn + 1; i <= br->nn; i++) {
        apr_uint32_t a = br->nodes[i - 1];
        int end = i == br->nn;

        if (!end && br->nodes[i] % g->n == a % g->n) {
            tsr_ar_cu_t cu;

            /* a layer change: close the run, place the via */
            if (run < i - 1) {
                fresh_seg(r, rn, net, (int)tsr_ar_node_layer(r, a),
                          tsr_ar_grid_xy(g, br->nodes[run]),
                          tsr_ar_grid_xy(g, a));
            }
            tsr_ar_cu_via(&cu, r->b, net, tsr_ar_grid_xy(g, a));
            *(tsr_ar_cu_t *)apr_array_push(rn->fresh) = cu;
            *(tsr_ar_pt_t *)apr_array_push(rn->vias) = cu.a;
            run = i;
            continue;
        }
        /* a bend ends a straight run */
        if (end || (i - 2 >= run
                    && (long)br->nodes[i] - (long)a
                       != (long)a - (long)br->nodes[i - 2])) {
            if (run < i - 1) {
                fresh_seg(r, rn, net, (int)tsr_ar_node_layer(r, a),
                          tsr_ar_grid_xy(g, br->nodes[run]),
                          tsr_ar_grid_xy(g, a));
            }
            run = i - 1;
        }
    }
    {
        apr_uint32_t last = br->nodes[br->nn - 1];
        int pl = tsr_ar_via_stub(r, br->p1, last);
        tsr_ar_cu_t cu;

        if (pl >= 0) {
            tsr_ar_cu_via(&cu, r->b, net, tsr_ar_grid_xy(g, last));
            *(tsr_ar_cu_t *)apr_array_push(rn->fresh) = cu;
        }
        fresh_seg(r, rn, net, pl >= 0 ? pl : (int)tsr_ar_node_layer(r, last),
                  tsr_ar_grid_xy(g, last), ports[br->p1].at);
    }
}

/* ---------- one branch: the tree to one more port ---------- */

static double port_dist(const tsr_ar_router_t *r, int a, int b)
{
    const tsr_ar_port_t *p = r->b->ports;

    return hypot(p[a].at.x - p[b].at.x, p[a].at.y - p[b].at.y);
}

/* The access of the k-th port of net n, computed once per routing. */
static const tsr_ar_access_t *net_access(tsr_ar_router_t *r, int n, int k,
                                         int soft)
{
    tsr_ar_rnet_t *rn = &r->nets[n];
    tsr_ar_access_t *a = &rn->access[k];

    if (a->nodes == NULL) {
        a->nodes = apr_array_make(rn->pool, 16, sizeof(apr_uint32_t));
        a->costs = apr_array_make(rn->pool, 16, sizeof(apr_uint32_t));
        port_access(r, r->b->nets[n].ports[k], n, soft, a->nodes, a->costs);
    }
    return a;
}

/* Route net n's tree to its port tk.  1 routed, 0 no path, -1 stopped. */
static int route_branch(tsr_ar_router_t *r, int n, const unsigned char *linked,
                        int tk, int soft)
{
    int t = r->b->nets[n].ports[tk];
    const tsr_ar_access_t *ac;
    tsr_ar_grid_t *g = r->g;
    tsr_ar_rnet_t *rn = &r->nets[n];
    const tsr_ar_net_t *net = &r->b->nets[n];
    tsr_ar_query_t q;
    tsr_ar_branch_t *br;
    apr_uint32_t s0, *path;
    int i, j, k, rv, npath, wide, bx0, by0, bx1, by1;

    r->src->nelts = r->src_cost->nelts = r->src_pin->nelts = 0;
    /* sources: the ports already joined, then every node of the tree */
    for (i = 0; i < net->nports; i++) {
        if (!linked[i]) {
            continue;
        }
        ac = net_access(r, n, i, soft);
        for (k = 0; k < ac->nodes->nelts; k++) {
            APR_ARRAY_PUSH(r->src, apr_uint32_t) =
                APR_ARRAY_IDX(ac->nodes, k, apr_uint32_t);
            APR_ARRAY_PUSH(r->src_cost, apr_uint32_t) =
                APR_ARRAY_IDX(ac->costs, k, apr_uint32_t);
            APR_ARRAY_PUSH(r->src_pin, int) = net->ports[i];
        }
    }
    for (i = 0; i < rn->branches->nelts; i++) {
        br = &APR_ARRAY_IDX(rn->branches, i, tsr_ar_branch_t);
        for (k = 0; k < br->nn; k++) {
            APR_ARRAY_PUSH(r->src, apr_uint32_t) = br->nodes[k];
            APR_ARRAY_PUSH(r->src_cost, apr_uint32_t) = 0;
            APR_ARRAY_PUSH(r->src_pin, int) = -1 - i;
        }
    }
    ac = net_access(r, n, tk, soft);
    r->dst->nelts = 0;
    for (k = 0; k < ac->nodes->nelts; k++) {
        APR_ARRAY_PUSH(r->dst, apr_uint32_t) =
            APR_ARRAY_IDX(ac->nodes, k, apr_uint32_t);
    }
    if (r->src->nelts == 0 || r->dst->nelts == 0) {
        return 0;
    }
    qsort(r->dst->elts, r->dst->nelts, sizeof(apr_uint32_t), cmp_u32);

    memset(&q, 0, sizeof(q));
    q.net = n;
    q.soft = soft;
    q.src = (apr_uint32_t *)r->src->elts;
    q.src_cost = (apr_uint32_t *)r->src_cost->elts;
    q.nsrc = r->src->nelts;
    q.dst = (apr_uint32_t *)r->dst->elts;
    q.ndst = r->dst->nelts;
    q.tx = (r->b->ports[t].at.x - g->x0) / g->pitch;
    q.ty = (r->b->ports[t].at.y - g->y0) / g->pitch;
    q.tlayers = r->b->ports[t].layers;
    q.own_vias = (tsr_ar_pt_t *)rn->vias->elts;
    q.nown_vias = rn->vias->nelts;
    q.max_expand = MAX_EXPAND;
    q.stop = tsr_ar_stop_now;
    q.baton = r;
    /* First within the box of sources and targets plus a border; then,
     * if that fails, anywhere on the board. */
    bx0 = g->w;
    by0 = g->h;
    bx1 = by1 = 0;
    for (i = 0; i < q.nsrc + q.ndst; i++) {
        apr_uint32_t c = (i < q.nsrc ? q.src[i] : q.dst[i - q.nsrc]) % g->n;
        int x = (int)(c % g->w), y = (int)(c / g->w);

        bx0 = x < bx0 ? x : bx0;
        bx1 = x > bx1 ? x : bx1;
        by0 = y < by0 ? y : by0;
        by1 = y > by1 ? y : by1;
    }
    rv = 0;
    for (wide = 0; wide < 1 + soft && rv == 0; wide++) {
        int border = wide ? g->w + g->h
                     : 30 + ((bx1 - bx0) + (by1 - by0)) / 4;

        q.wx0 = bx0 - border < 0 ? 0 : bx0 - border;
        q.wy0 = by0 - border < 0 ? 0 : by0 - border;
        q.wx1 = bx1 + border >= g->w ? g->w - 1 : bx1 + border;
        q.wy1 = by1 + border >= g->h ? g->h - 1 : by1 + border;
        r->path->nelts = 0;
        rv = tsr_ar_grid_search(g, &q, r->path);
        if (!wide && q.wx0 == 0 && q.wy0 == 0 && q.wx1 == g->w - 1
            && q.wy1 == g->h - 1) {
            break;      /* the window was the board already */
        }
    }
    if (rv <= 0) {
        return rv;
    }
    path = (apr_uint32_t *)r->path->elts;
    npath = r->path->nelts;
    s0 = path[0];

    br = apr_array_push(rn->branches);
    memset(br, 0, sizeof(*br));
    br->p1 = t;
    /* Where did it start: a tree node (then repeat the tree back to the
     * nearer port of that branch) or a joined port? */
    for (i = 0; i < rn->branches->nelts - 1; i++) {
        tsr_ar_branch_t *ob = &APR_ARRAY_IDX(rn->branches, i, tsr_ar_branch_t);

        for (k = 0; k < ob->nn; k++) {
            if (ob->nodes[k] == s0) {
                break;
            }
        }
        if (k == ob->nn) {
            continue;
        }
        br->nodes = apr_palloc(rn->pool, (ob->nn + npath)
                                             * sizeof(apr_uint32_t));
        br->nn = 0;
        if (k <= ob->nn - 1 - k) {
            br->p0 = ob->p0;
            for (j = 0; j <= k; j++) {
                br->nodes[br->nn++] = ob->nodes[j];
            }
        }
        else {
            br->p0 = ob->p1;
            for (j = ob->nn - 1; j >= k; j--) {
                br->nodes[br->nn++] = ob->nodes[j];
            }
        }
        br->jn = br->nn - 1;
        for (j = 1; j < npath; j++) {
            br->nodes[br->nn++] = path[j];
        }
        break;
    }
    if (br->nodes == NULL) {
        for (k = 0; k < r->src->nelts; k++) {
            if (APR_ARRAY_IDX(r->src, k, apr_uint32_t) == s0
                && APR_ARRAY_IDX(r->src_pin, k, int) >= 0) {
                break;
            }
        }
        br->p0 = APR_ARRAY_IDX(r->src_pin, k, int);
        br->from_pin = 1;
        br->nodes = apr_pmemdup(rn->pool, path, npath * sizeof(apr_uint32_t));
        br->nn = npath;
        br->jn = 0;
    }
    branch_copper(r, rn, n, br);
    return 1;
}

/* ---------- a whole net ---------- */

/* Route net n as a tree, into rn->branches and rn->fresh (nothing is
 * committed).  partial: ports that cannot be reached are left out.  1
 * routed (at least one branch when partial), 0 not, -1 stopped. */
int tsr_ar_route_net(tsr_ar_router_t *r, int n, int soft, int partial)
{
    tsr_ar_rnet_t *rn = &r->nets[n];
    const tsr_ar_net_t *net = &r->b->nets[n];
    unsigned char *linked = apr_pcalloc(rn->pool, net->nports);
    unsigned char *given_up = apr_pcalloc(rn->pool, net->nports);
    double *near = apr_palloc(rn->pool, net->nports * sizeof(double));
    double cx = 0, cy = 0, best = HUGE_VAL;
    int i, start = 0, left = net->nports - 1, rv, any = 0, t;

    /* start in the middle: branches then fan out instead of chaining */
    for (i = 0; i < net->nports; i++) {
        cx += r->b->ports[net->ports[i]].at.x / net->nports;
        cy += r->b->ports[net->ports[i]].at.y / net->nports;
    }
    for (i = 0; i < net->nports; i++) {
        const tsr_ar_pt_t *a = &r->b->ports[net->ports[i]].at;
        double d = hypot(a->x - cx, a->y - cy);

        if (d < best) {
            best = d;
            start = i;
        }
    }
    linked[start] = 1;
    rn->linked = 1;
    t = start;
    for (i = 0; i < net->nports; i++) {
        near[i] = HUGE_VAL;
    }
    while (left > 0) {
        /* next: the port nearest to the tree's ports (Prim's order) */
        best = HUGE_VAL;
        for (i = 0; i < net->nports; i++) {
            if (!linked[i] && !given_up[i]) {
                near[i] = fmin(near[i], port_dist(r, net->ports[i],
                                                  net->ports[t]));
            }
        }
        for (i = 0, t = -1; i < net->nports; i++) {
            if (!linked[i] && !given_up[i] && near[i] < best) {
                best = near[i];
                t = i;
            }
        }
        if (tsr_ar_stop_now(r)) {
            return -1;
        }
        rv = route_branch(r, n, linked, t, soft);
        if (rv < 0) {
            return -1;
        }
        left--;
        if (rv == 0) {
            if (!partial) {
                return 0;
            }
            given_up[t] = 1;
            t = start;      /* nothing new joined: no distances change */
            continue;
        }
        linked[t] = 1;
        rn->linked++;
        any = 1;
    }
    return partial ? any : 1;
}

void tsr_ar_reset_net(tsr_ar_router_t *r, int n)
{
    tsr_ar_rnet_t *rn = &r->nets[n];

    apr_pool_clear(rn->pool);
    rn->branches = apr_array_make(rn->pool, 8, sizeof(tsr_ar_branch_t));
    rn->vias = apr_array_make(rn->pool, 8, sizeof(tsr_ar_pt_t));
    rn->fresh = apr_array_make(rn->pool, 32, sizeof(tsr_ar_cu_t));
    rn->items = apr_array_make(rn->pool, 32, sizeof(int));
    rn->access = apr_pcalloc(rn->pool, r->b->nets[n].nports
                                           * sizeof(tsr_ar_access_t));
    {
        const tsr_ar_net_t *net = &r->b->nets[n];
        int k;

        /* reserved vias count as the net's own for drill spacing */
        for (k = 0; k < net->nports; k++) {
            if (r->b->ports[net->ports[k]].fan) {
                *(tsr_ar_pt_t *)apr_array_push(rn->vias) =
                    r->b->ports[net->ports[k]].fan_at;
            }
        }
    }
    rn->linked = 0;
}

static void paint(tsr_ar_router_t *r, const tsr_ar_cu_t *cu, int delta)
{
    int layer = -1, l;

    if (!cu->via) {
        for (l = 0; l < r->b->nlayers; l++) {
            if (cu->layers & (1u << l)) {
                layer = l;
            }
        }
    }
    tsr_ar_grid_paint(r->g, layer, cu->a, cu->b, cu->r, delta);
}

/* Take net n's copper out (it is queued again unless it failed). */
void tsr_ar_rip_up(tsr_ar_router_t *r, int n)
{
    tsr_ar_rnet_t *rn = &r->nets[n];
    int i;

    for (i = 0; i < rn->items->nelts; i++) {
        tsr_ar_cu_t *cu = tsr_ar_copper_item(r->cu,
                                             APR_ARRAY_IDX(rn->items, i, int));

        cu->alive = 0;
        paint(r, cu, -1);
    }
    tsr_ar_reset_net(r, n);
}

static void note_victim(void *baton, int j)
{
    tsr_ar_router_t *r = baton;
    int net = tsr_ar_copper_item(r->cu, j)->net, i;

    for (i = 0; i < r->nvictims; i++) {
        if (r->victims[i] == net) {
            return;
        }
    }
    r->victims[r->nvictims++] = net;
}

static void enqueue(tsr_ar_router_t *r, int n)
{
    r->queue[r->qtail++ % r->qcap] = n;
}

/* Make net n's fresh copper part of the board.  After a soft route, the
 * nets it crosses are ripped up and queued, and the cells it fought for
 * remember it. */
void tsr_ar_commit(tsr_ar_router_t *r, int n, int soft, int state)
{
    tsr_ar_rnet_t *rn = &r->nets[n];
    tsr_ar_grid_t *g = r->g;
    int i, k;

    if (soft) {
        r->nvictims = 0;
        for (i = 0; i < rn->fresh->nelts; i++) {
            tsr_ar_copper_conflicts(r->cu,
                                    &APR_ARRAY_IDX(rn->fresh, i, tsr_ar_cu_t),
                                    n, note_victim, r);
        }
        for (i = 0; i < rn->branches->nelts; i++) {
            tsr_ar_branch_t *br =
                &APR_ARRAY_IDX(rn->branches, i, tsr_ar_branch_t);

            for (k = br->jn; k < br->nn; k++) {
                apr_uint32_t v = br->nodes[k];

                if (tsr_ar_grid_used(g, v)) {
                    tsr_ar_grid_hist(g, v, 1);
                }
            }
        }
        for (i = 0; i < r->nvictims; i++) {
            int v = r->victims[i];

            tsr_ar_rip_up(r, v);
            r->nets[v].state = TSR_AR_NET_PENDING;
            r->nets[v].rips++;
            enqueue(r, v);
        }
    }
    for (i = 0; i < rn->fresh->nelts; i++) {
        tsr_ar_cu_t *cu = &APR_ARRAY_IDX(rn->fresh, i, tsr_ar_cu_t);

        APR_ARRAY_PUSH(rn->items, int) = tsr_ar_copper_add(r->cu, cu);
        paint(r, cu, 1);
    }
    rn->fresh->nelts = 0;
    rn->state = state;
}

typedef struct order_t {
    double hpwl;
    int net;
} order_t;

/* Shortest first; ties in input order, so the result never depends on
 * qsort's whims. */
static int cmp_order(const void *a, const void *b)
{
    const order_t *x = a, *y = b;

    if (x->hpwl != y->hpwl) {
        return x->hpwl < y->hpwl ? -1 : 1;
    }
    return x->net - y->net;
}

static void progress(tsr_ar_router_t *r)
{
    int i, routed = 0, failed = 0;

    if (r->opts->progress == NULL) {
        return;
    }
    for (i = 0; i < r->b->nnets; i++) {
        routed += r->nets[i].state == TSR_AR_NET_ROUTED;
        failed += r->nets[i].state == TSR_AR_NET_FAILED;
    }
    r->opts->progress(r->opts->progress_baton, routed, r->b->nnets, failed);
}

/* One pass of rip-up and reroute over the nets in order (and the nets
 * ripped up on the way).  A net ripped up too often no longer rips up
 * others; if it then finds no way round them, it has failed. */
static void rip_up_pass(tsr_ar_router_t *r, const int *order)
{
    tsr_ar_board_t *b = r->b;
    int i, rv, budget = 30 * b->nnets + 100;

    r->qhead = r->qtail = 0;
    for (i = 0; i < b->nnets; i++) {
        r->nets[order[i]].rips = 0;
        enqueue(r, order[i]);
    }
    while (r->qhead < r->qtail && !tsr_ar_stop_now(r)) {
        int n = r->queue[r->qhead++ % r->qcap];
        tsr_ar_rnet_t *rn = &r->nets[n];

        if (rn->state != TSR_AR_NET_PENDING) {
            continue;
        }
        tsr_ar_reset_net(r, n);
        rv = tsr_ar_route_net(r, n, 0, 0);
        if (rv > 0) {
            tsr_ar_commit(r, n, 0, TSR_AR_NET_ROUTED);
        }
        else if (rv == 0 && rn->rips < MAX_RIPS && budget > 0) {
            budget--;
            tsr_ar_reset_net(r, n);
            rv = tsr_ar_route_net(r, n, 1, 0);
            if (rv > 0) {
                tsr_ar_commit(r, n, 1, TSR_AR_NET_ROUTED);
            }
        }
        if (rv <= 0) {
            tsr_ar_reset_net(r, n);
            rn->state = rv < 0 ? TSR_AR_NET_PENDING : TSR_AR_NET_FAILED;
        }
        if (rv < 0) {
            break;
        }
        progress(r);
    }
}

/* A copy of every net's branches, to come back to the best pass. */
typedef struct snap_t {
    apr_pool_t *pool;
    apr_array_header_t **branches;  /* per net, tsr_ar_branch_t (nodes
                                     * copied) */
    int *state, *linked;
    int routed, links;
} snap_t;

static void score(tsr_ar_router_t *r, int *routed, int *links)
{
    int n;

    *routed = *links = 0;
    for (n = 0; n < r->b->nnets; n++) {
        if (r->nets[n].state == TSR_AR_NET_ROUTED) {
            (*routed)++;
            *links += r->nets[n].linked;
        }
    }
}

static void snapshot(tsr_ar_router_t *r, snap_t *sn)
{
    int n, i;

    apr_pool_clear(sn->pool);
    sn->branches = apr_pcalloc(sn->pool, (r->b->nnets + 1)
                                             * sizeof(*sn->branches));
    sn->state = apr_pcalloc(sn->pool, (r->b->nnets + 1) * sizeof(int));
    sn->linked = apr_pcalloc(sn->pool, (r->b->nnets + 1) * sizeof(int));
    score(r, &sn->routed, &sn->links);
    for (n = 0; n < r->b->nnets; n++) {
        tsr_ar_rnet_t *rn = &r->nets[n];

        sn->state[n] = rn->state;
        sn->linked[n] = rn->linked;
        sn->branches[n] = apr_array_make(sn->pool, rn->branches->nelts + 1,
                                         sizeof(tsr_ar_branch_t));
        if (rn->state != TSR_AR_NET_ROUTED) {
            continue;
        }
        for (i = 0; i < rn->branches->nelts; i++) {
            tsr_ar_branch_t *br = apr_array_push(sn->branches[n]);

            *br = APR_ARRAY_IDX(rn->branches, i, tsr_ar_branch_t);
            br->nodes = apr_pmemdup(sn->pool, br->nodes,
                                    br->nn * sizeof(apr_uint32_t));
        }
    }
}

/* Take every routed net out (they are pending again). */
static void rip_all(tsr_ar_router_t *r)
{
    int n;

    for (n = 0; n < r->b->nnets; n++) {
        if (r->nets[n].state == TSR_AR_NET_ROUTED
            || r->nets[n].state == TSR_AR_NET_PARTIAL) {
            tsr_ar_rip_up(r, n);
        }
        r->nets[n].state = TSR_AR_NET_PENDING;
    }
}

static void restore(tsr_ar_router_t *r, const snap_t *sn)
{
    int n, i;

    rip_all(r);
    for (n = 0; n < r->b->nnets; n++) {
        tsr_ar_rnet_t *rn = &r->nets[n];

        tsr_ar_reset_net(r, n);
        rn->state = sn->state[n] == TSR_AR_NET_ROUTED ? TSR_AR_NET_ROUTED
                    : TSR_AR_NET_PENDING;
        if (rn->state != TSR_AR_NET_ROUTED) {
            continue;
        }
        for (i = 0; i < sn->branches[n]->nelts; i++) {
            tsr_ar_branch_t *br = apr_array_push(rn->branches);

            *br = APR_ARRAY_IDX(sn->branches[n], i, tsr_ar_branch_t);
            br->nodes = apr_pmemdup(rn->pool, br->nodes,
                                    br->nn * sizeof(apr_uint32_t));
            branch_copper(r, rn, n, br);
        }
        tsr_ar_commit(r, n, 0, TSR_AR_NET_ROUTED);
        rn->linked = sn->linked[n];
    }
}

/* Nets shortest first; if some fail, again with the failed ones first
 * (what the others learnt stays in the history costs), keeping the best
 * pass; then whatever still fails is routed as far as it goes. */
static void route_all(tsr_ar_router_t *r)
{
    tsr_ar_board_t *b = r->b;
    int *order = apr_palloc(r->p, (b->nnets + 1) * sizeof(int));
    order_t *by = apr_palloc(r->p, (b->nnets + 1) * sizeof(order_t));
    snap_t best;
    int i, k, rv, pass, routed, links;

    for (i = 0; i < b->nnets; i++) {
        const tsr_ar_net_t *net = &b->nets[i];
        double minx = HUGE_VAL, miny = HUGE_VAL, maxx = -HUGE_VAL,
            maxy = -HUGE_VAL;

        for (k = 0; k < net->nports; k++) {
            const tsr_ar_pt_t *a = &b->ports[net->ports[k]].at;

            minx = fmin(minx, a->x);
            maxx = fmax(maxx, a->x);
            miny = fmin(miny, a->y);
            maxy = fmax(maxy, a->y);
        }
        r->nets[i].hpwl = (maxx - minx) + (maxy - miny);
        by[i].hpwl = r->nets[i].hpwl;
        by[i].net = i;
    }
    qsort(by, b->nnets, sizeof(*by), cmp_order);
    for (i = 0; i < b->nnets; i++) {
        order[i] = by[i].net;
    }
    memset(&best, 0, sizeof(best));
    apr_pool_create(&best.pool, r->p);
    rip_up_pass(r, order);
    for (pass = 1; pass <= MAX_PASSES && !r->stopped; pass++) {
        score(r, &routed, &links);
        if (pass == 1 || routed > best.routed
            || (routed == best.routed && links > best.links)) {
            snapshot(r, &best);
        }
        if (routed == b->nnets || pass == MAX_PASSES) {
            break;
        }
        /* the failed first, in their order, then the rest */
        for (i = 0, k = 0; i < b->nnets; i++) {
            if (r->nets[by[i].net].state != TSR_AR_NET_ROUTED) {
                order[k++] = by[i].net;
            }
        }
        for (i = 0; i < b->nnets; i++) {
            if (r->nets[by[i].net].state == TSR_AR_NET_ROUTED) {
                order[k++] = by[i].net;
            }
        }
        rip_all(r);
        rip_up_pass(r, order);
    }
    score(r, &routed, &links);
    if (best.branches != NULL
        && (routed < best.routed
            || (routed == best.routed && links < best.links))) {
        restore(r, &best);
    }
    apr_pool_destroy(best.pool);
    /* What could not be routed whole is routed as far as it goes. */
    for (i = 0; i < b->nnets && !r->stopped; i++) {
        int n = by[i].net;

        if (r->nets[n].state != TSR_AR_NET_FAILED
            && r->nets[n].state != TSR_AR_NET_PENDING) {
            continue;
        }
        tsr_ar_reset_net(r, n);
        rv = tsr_ar_route_net(r, n, 0, 1);
        if (rv > 0) {
            tsr_ar_commit(r, n, 0, r->nets[n].linked == b->nets[n].nports
                            ? TSR_AR_NET_ROUTED : TSR_AR_NET_PARTIAL);
        }
        else {
            tsr_ar_reset_net(r, n);
            r->nets[n].state = TSR_AR_NET_FAILED;
        }
    }
}

/* ---------- entry ---------- */

void tsr_autoroute_opts_init(tsr_autoroute_opts_t *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->max_elements = TSR_AUTOROUTE_MAX_ELEMENTS;
    opts->max_board_mm = TSR_AUTOROUTE_MAX_BOARD_MM;
    opts->max_cells = TSR_AUTOROUTE_MAX_CELLS;
    opts->max_nets = TSR_AUTOROUTE_MAX_NETS;
}

/* opts with every limit left at 0 made the default one, in *given. */
static const tsr_autoroute_opts_t *effective_opts(
    const tsr_autoroute_opts_t *opts, tsr_autoroute_opts_t *given)
{
    tsr_autoroute_opts_t dflt;

    tsr_autoroute_opts_init(&dflt);
    if (opts == NULL) {
        *given = dflt;
        return given;
    }
    *given = *opts;
    given->max_elements = given->max_elements ? given->max_elements
                          : dflt.max_elements;
    given->max_board_mm = given->max_board_mm > 0 ? given->max_board_mm
                          : dflt.max_board_mm;
    given->max_cells = given->max_cells ? given->max_cells : dflt.max_cells;
    given->max_nets = given->max_nets > 0 ? given->max_nets : dflt.max_nets;
    return given;
}

apr_status_t tsr_autoroute_check(apr_pool_t *p, json_object *circuit,
                                 const tsr_autoroute_opts_t *opts,
                                 int *pnets, tsr_error_t **perr)
{
    tsr_autoroute_opts_t given;
    tsr_ar_board_t *b;
    apr_pool_t *sp;
    apr_status_t rv;
    double w, h;

    opts = effective_opts(opts, &given);
    if ((rv = apr_pool_create(&sp, p)) != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "cannot create a pool");
    }
    /* Errors are made in p, not in the subpool that goes now. */
    rv = tsr_ar_board_read(&b, sp, circuit, opts, perr);
    if (rv == APR_SUCCESS) {
        rv = tsr_ar_grid_fits(b, opts->grid_mm > 0 ? opts->grid_mm : 0.1,
                              opts->max_cells, &w, &h, p, perr);
        if (pnets != NULL) {
            *pnets = b->nnets;
        }
    }
    else if (perr != NULL && *perr != NULL) {
        tsr_error_t *e = apr_pmemdup(p, *perr, sizeof(**perr));

        e->message = apr_pstrdup(p, e->message);
        e->code = e->code ? apr_pstrdup(p, e->code) : NULL;
        *perr = e;
    }
    apr_pool_destroy(sp);
    return rv;
}

apr_status_t tsr_autoroute_run(tsr_autoroute_result_t **pres, apr_pool_t *p,
                               json_object *circuit,
                               const tsr_autoroute_opts_t *opts,
                               tsr_error_t **perr)
{
    tsr_autoroute_result_t *res = apr_pcalloc(p, sizeof(*res));
    tsr_autoroute_opts_t given;
    apr_pool_t *sp;
    tsr_ar_router_t r;
    apr_time_t t0 = apr_time_now(), t1;
    apr_status_t rv;
    int i;

    opts = effective_opts(opts, &given);
    if ((rv = apr_pool_create(&sp, p)) != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "cannot create a pool");
    }
    memset(&r, 0, sizeof(r));
    r.p = sp;
    r.opts = opts;
    if (opts->time_budget > 0) {
        r.deadline = t0 + opts->time_budget;
    }
    rv = tsr_ar_board_read(&r.b, sp, circuit, opts, perr);
    if (rv != APR_SUCCESS) {
        /* the error record must outlive the subpool */
        if (perr != NULL && *perr != NULL) {
            tsr_error_t *e = apr_pmemdup(p, *perr, sizeof(**perr));

            e->message = apr_pstrdup(p, e->message);
            *perr = e;
        }
        apr_pool_destroy(sp);
        return rv;
    }
    t1 = apr_time_now();
    res->t_parse = t1 - t0;
    {
        double pitch = opts->grid_mm > 0 ? opts->grid_mm : 0.1, x0, y0;

        tsr_ar_grid_origin(r.b, pitch, &x0, &y0);
        tsr_ar_fanout_plan(r.b, sp, pitch, x0, y0);
    }
    rv = tsr_ar_grid_create(&r.g, sp, r.b,
                            opts->grid_mm > 0 ? opts->grid_mm : 0.1, 0.02,
                            opts->max_cells, perr);
    if (rv != APR_SUCCESS) {
        if (perr != NULL && *perr != NULL) {
            tsr_error_t *e = apr_pmemdup(p, *perr, sizeof(**perr));

            e->message = apr_pstrdup(p, e->message);
            *perr = e;
        }
        apr_pool_destroy(sp);
        return rv;
    }
    r.cu = tsr_ar_copper_create(sp, r.b);
    res->t_grid = apr_time_now() - t1;
    t1 = apr_time_now();
    r.nets = apr_pcalloc(sp, (r.b->nnets + 1) * sizeof(tsr_ar_rnet_t));
    for (i = 0; i < r.b->nnets; i++) {
        apr_pool_create(&r.nets[i].pool, sp);
        tsr_ar_reset_net(&r, i);
    }
    r.qcap = 64 * (r.b->nnets + 1) + 1024;
    r.queue = apr_palloc(sp, r.qcap * sizeof(int));
    r.victims = apr_palloc(sp, (r.b->nnets + 1) * sizeof(int));
    r.src = apr_array_make(sp, 1024, sizeof(apr_uint32_t));
    r.src_cost = apr_array_make(sp, 1024, sizeof(apr_uint32_t));
    r.src_pin = apr_array_make(sp, 1024, sizeof(int));
    r.dst = apr_array_make(sp, 64, sizeof(apr_uint32_t));
    r.path = apr_array_make(sp, 1024, sizeof(apr_uint32_t));

    route_all(&r);
    tsr_ar_out_check(&r, res);
    res->t_route = apr_time_now() - t1;
    res->nets_total = r.b->nnets;
    res->timed_out = r.stopped == 1;
    res->cancelled = r.stopped == 2;
    res->grid_w = r.g->w;
    res->grid_h = r.g->h;
    res->layers = r.g->nl;
    tsr_ar_out_emit(&r, res, p);
    apr_pool_destroy(sp);
    res->t_total = apr_time_now() - t0;
    *pres = res;
    return APR_SUCCESS;
}
