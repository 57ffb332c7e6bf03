/* tsr_autoroute_out: what the router writes out: the route points of each
 * branch, the exact check of all of it before it is written, and the
 * pcb_trace and pcb_via elements. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "tsr_json.h"
#include "tsr_autoroute_router.h"

static int final_check(tsr_ar_router_t *r, int *dropped_nets);

/* Nets the final check took out are routed again (strictly, around the
 * rest, away from where they were), and checked again. */
void tsr_ar_out_check(tsr_ar_router_t *r, tsr_autoroute_result_t *res)
{
    int *dropped = apr_palloc(r->p, (r->b->nnets + 1) * sizeof(int));
    int round, i, nd;

    for (round = 0; round < 3; round++) {
        nd = final_check(r, dropped);
        res->drc_dropped += nd;
        if (nd == 0 || round == 2) {
            break;
        }
        for (i = 0; i < nd && !tsr_ar_stop_now(r); i++) {
            int n = dropped[i];

            tsr_ar_reset_net(r, n);
            if (tsr_ar_route_net(r, n, 0, 1) > 0) {
                tsr_ar_commit(r, n, 0,
                              r->nets[n].linked == r->b->nets[n].nports
                              ? TSR_AR_NET_ROUTED : TSR_AR_NET_PARTIAL);
            }
            else {
                tsr_ar_reset_net(r, n);
                r->nets[n].state = TSR_AR_NET_FAILED;
            }
        }
    }
}

/* A point of a written route: a wire point on layer, or a via from layer
 * to to_layer. */
typedef struct rpt_t {
    tsr_ar_pt_t at;
    int layer, to_layer, via;
} rpt_t;

static void push_pt(apr_array_header_t *pts, tsr_ar_pt_t at, int layer,
                    int via, int to_layer)
{
    rpt_t *p = apr_array_push(pts);

    p->at = at;
    p->layer = layer;
    p->via = via;
    p->to_layer = to_layer;
}

/* The route of a branch: port, the corners of its path (straight runs
 * merged), vias as wire, via, wire at one point, port. */
static void branch_points(tsr_ar_router_t *r, const tsr_ar_branch_t *br,
                          apr_array_header_t *pts)
{
    const tsr_ar_grid_t *g = r->g;
    tsr_ar_pt_t last = r->b->ports[br->p0].at, q;
    int i, l = (int)tsr_ar_node_layer(r, br->nodes[0]);
    int pl = tsr_ar_via_stub(r, br->p0, br->nodes[0]);

    pts->nelts = 0;
    if (pl >= 0) {
        /* port, its reserved via, then the path's layer */
        push_pt(pts, last, pl, 0, 0);
        last = tsr_ar_grid_xy(g, br->nodes[0]);
        push_pt(pts, last, pl, 0, 0);
        push_pt(pts, last, pl, 1, l);
    }
    push_pt(pts, last, l, 0, 0);
    for (i = 0; i < br->nn; i++) {
        apr_uint32_t v = br->nodes[i];
        int nl = (int)tsr_ar_node_layer(r, v);

        q = tsr_ar_grid_xy(g, v);
        if (nl != l) {
            if (q.x != last.x || q.y != last.y) {
                push_pt(pts, q, l, 0, 0);
            }
            push_pt(pts, q, l, 1, nl);
            push_pt(pts, q, nl, 0, 0);
            l = nl;
            last = q;
            continue;
        }
        /* the middle of a straight run is no corner */
        if (i > 0 && i + 1 < br->nn
            && (int)tsr_ar_node_layer(r, br->nodes[i + 1]) == l
            && (int)tsr_ar_node_layer(r, br->nodes[i - 1]) == l
            && (long)br->nodes[i + 1] - (long)v
               == (long)v - (long)br->nodes[i - 1]) {
            continue;
        }
        if (q.x == last.x && q.y == last.y) {
            continue;
        }
        push_pt(pts, q, l, 0, 0);
        last = q;
    }
    pl = tsr_ar_via_stub(r, br->p1, br->nodes[br->nn - 1]);
    if (pl >= 0) {
        push_pt(pts, last, l, 1, pl);
        push_pt(pts, last, pl, 0, 0);
        l = pl;
    }
    q = r->b->ports[br->p1].at;
    push_pt(pts, q, l, 0, 0);
}

/* The copper of a written route, into the store s. */
static void points_copper(tsr_ar_router_t *r, int n,
                          const apr_array_header_t *pts,
                          tsr_ar_copper_t *s, apr_array_header_t *ids)
{
    const rpt_t *p = (const rpt_t *)pts->elts;
    tsr_ar_cu_t cu;
    int i;

    for (i = 0; i < pts->nelts; i++) {
        if (p[i].via) {
            tsr_ar_cu_via(&cu, r->b, n, p[i].at);
            APR_ARRAY_PUSH(ids, int) = tsr_ar_copper_add(s, &cu);
        }
        else if (i + 1 < pts->nelts && !p[i + 1].via
                 && p[i + 1].layer == p[i].layer
                 && (p[i + 1].at.x != p[i].at.x
                     || p[i + 1].at.y != p[i].at.y)) {
            tsr_ar_cu_seg(&cu, r->b, n, p[i].layer, p[i].at, p[i + 1].at,
                          r->b->nets[n].width);
            APR_ARRAY_PUSH(ids, int) = tsr_ar_copper_add(s, &cu);
        }
    }
}

/* The last word: the exact checks of everything that would be written,
 * segment by segment as written.  A net with anything wrong is taken out
 * whole (its traces repeat one another's copper); the cells it used get
 * history, so that routing it again goes elsewhere.  Returns how many
 * nets were taken out. */
static int final_check(tsr_ar_router_t *r, int *dropped_nets)
{
    tsr_ar_copper_t *s = tsr_ar_copper_create(r->p, r->b);
    apr_array_header_t *pts = apr_array_make(r->p, 64, sizeof(rpt_t));
    apr_array_header_t **ids = apr_pcalloc(r->p, (r->b->nnets + 1)
                                                     * sizeof(*ids));
    int n, i, k, dropped = 0;

    for (n = 0; n < r->b->nnets; n++) {
        tsr_ar_rnet_t *rn = &r->nets[n];

        if (rn->state != TSR_AR_NET_ROUTED
            && rn->state != TSR_AR_NET_PARTIAL) {
            continue;
        }
        ids[n] = apr_array_make(r->p, 64, sizeof(int));
        for (i = 0; i < rn->branches->nelts; i++) {
            branch_points(r, &APR_ARRAY_IDX(rn->branches, i,
                                            tsr_ar_branch_t), pts);
            points_copper(r, n, pts, s, ids[n]);
        }
    }
    for (n = 0; n < r->b->nnets; n++) {
        tsr_ar_rnet_t *rn = &r->nets[n];
        int bad = 0;

        if (ids[n] == NULL) {
            continue;
        }
        for (i = 0; i < ids[n]->nelts && !bad; i++) {
            tsr_ar_cu_t *cu = tsr_ar_copper_item(s, APR_ARRAY_IDX(ids[n], i,
                                                                  int));

            bad = !tsr_ar_drc_static_ok(r->b, cu)
                  || tsr_ar_copper_conflicts(s, cu, -1, NULL, NULL) > 0;
        }
        if (!bad) {
            continue;
        }
        for (i = 0; i < ids[n]->nelts; i++) {
            tsr_ar_copper_item(s, APR_ARRAY_IDX(ids[n], i, int))->alive = 0;
        }
        for (i = 0; i < rn->branches->nelts; i++) {
            tsr_ar_branch_t *br =
                &APR_ARRAY_IDX(rn->branches, i, tsr_ar_branch_t);

            for (k = br->jn; k < br->nn; k++) {
                tsr_ar_grid_hist(r->g, br->nodes[k], 255);
            }
        }
        tsr_ar_rip_up(r, n);
        rn->state = TSR_AR_NET_FAILED;
        dropped_nets[dropped++] = n;
    }
    return dropped;
}

/* ---------- output ---------- */

/* A number as JSON, in the fewest digits that read back exactly. */
static json_object *jnum(double v)
{
    char buf[40];
    int prec;

    if (v == 0) {
        return json_object_new_double_s(0, "0");
    }
    for (prec = 6; prec < 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, v);
        if (strtod(buf, NULL) == v) {
            break;
        }
    }
    if (prec == 17) {
        snprintf(buf, sizeof(buf), "%.17g", v);
    }
    return json_object_new_double_s(v, buf);
}

static json_object *jstr(const char *s)
{
    return json_object_new_string(s);
}

typedef struct emit_t {
    tsr_autoroute_result_t *res;
    apr_array_header_t *vias;   /* tsr_ar_pt_t of this net, written */
    apr_array_header_t *pts;
    int ntraces;
} emit_t;

static void emit_via(tsr_ar_router_t *r, emit_t *em, int n,
                     const char *trace_id,
                     tsr_ar_pt_t q)
{
    const tsr_ar_board_t *b = r->b;
    json_object *pv, *ls;
    int k;

    /* one pcb_via per spot of a net, however many traces pass it */
    for (k = 0; k < em->vias->nelts; k++) {
        tsr_ar_pt_t *o = &APR_ARRAY_IDX(em->vias, k, tsr_ar_pt_t);

        if (o->x == q.x && o->y == q.y) {
            return;
        }
    }
    *(tsr_ar_pt_t *)apr_array_push(em->vias) = q;
    pv = json_object_new_object();
    json_object_object_add(pv, "type", jstr("pcb_via"));
    json_object_object_add(pv, "pcb_via_id",
                           jstr(apr_psprintf(r->p, "pcb_via_tsr_%d",
                                             em->res->via_count++)));
    json_object_object_add(pv, "pcb_trace_id", jstr(trace_id));
    json_object_object_add(pv, "x", jnum(q.x));
    json_object_object_add(pv, "y", jnum(q.y));
    json_object_object_add(pv, "outer_diameter", jnum(b->rules.via_diameter));
    json_object_object_add(pv, "hole_diameter", jnum(b->rules.via_hole));
    /* a through via: copper on every layer, as the router assumed */
    ls = json_object_new_array();
    for (k = 0; k < b->nlayers; k++) {
        json_object_array_add(ls, jstr(b->layer_names[k]));
    }
    json_object_object_add(pv, "layers", ls);
    json_object_object_add(pv, "from_layer", jstr(b->layer_names[0]));
    json_object_object_add(pv, "to_layer",
                           jstr(b->layer_names[b->nlayers - 1]));
    if (b->nets[n].subcircuit_id != NULL) {
        json_object_object_add(pv, "subcircuit_id",
                               jstr(b->nets[n].subcircuit_id));
    }
    json_object_array_add(em->res->vias, pv);
}

static void emit_branch(tsr_ar_router_t *r, emit_t *em, int n,
                        const tsr_ar_branch_t *br)
{
    const tsr_ar_board_t *b = r->b;
    const tsr_ar_net_t *net = &b->nets[n];
    json_object *tr = json_object_new_object();
    json_object *route = json_object_new_array();
    const rpt_t *p;
    const char *stid, *id;
    int i;

    id = apr_psprintf(r->p, "pcb_trace_tsr_%d", em->ntraces++);
    stid = b->ports[br->p0].source_trace_id;
    stid = stid ? stid : b->ports[br->p1].source_trace_id;
    stid = stid ? stid : net->source_trace_id;
    branch_points(r, br, em->pts);
    p = (const rpt_t *)em->pts->elts;
    for (i = 0; i < em->pts->nelts; i++) {
        json_object *o = json_object_new_object();

        json_object_object_add(o, "route_type", jstr(p[i].via ? "via"
                                                     : "wire"));
        json_object_object_add(o, "x", jnum(p[i].at.x));
        json_object_object_add(o, "y", jnum(p[i].at.y));
        if (p[i].via) {
            json_object_object_add(o, "from_layer",
                                   jstr(b->layer_names[p[i].layer]));
            json_object_object_add(o, "to_layer",
                                   jstr(b->layer_names[p[i].to_layer]));
            emit_via(r, em, n, id, p[i].at);
        }
        else {
            json_object_object_add(o, "width", jnum(net->width));
            json_object_object_add(o, "layer",
                                   jstr(b->layer_names[p[i].layer]));
            if (i == 0) {
                json_object_object_add(o, "start_pcb_port_id",
                                       jstr(b->ports[br->p0].id));
            }
            if (i == em->pts->nelts - 1) {
                json_object_object_add(o, "end_pcb_port_id",
                                       jstr(b->ports[br->p1].id));
            }
            if (i > 0 && !p[i - 1].via && p[i - 1].layer == p[i].layer) {
                em->res->length_mm += hypot(p[i].at.x - p[i - 1].at.x,
                                            p[i].at.y - p[i - 1].at.y);
            }
        }
        json_object_array_add(route, o);
    }
    json_object_object_add(tr, "type", jstr("pcb_trace"));
    json_object_object_add(tr, "pcb_trace_id", jstr(id));
    if (stid != NULL) {
        json_object_object_add(tr, "source_trace_id", jstr(stid));
        json_object_object_add(tr, "connection_name", jstr(stid));
    }
    if (net->subcircuit_id != NULL) {
        json_object_object_add(tr, "subcircuit_id",
                               jstr(net->subcircuit_id));
    }
    json_object_object_add(tr, "route", route);
    json_object_array_add(em->res->traces, tr);
}

void tsr_ar_out_emit(tsr_ar_router_t *r, tsr_autoroute_result_t *res,
                     apr_pool_t *p)
{
    emit_t em;
    int n, i;

    res->traces = tsr_json_own(p, json_object_new_array());
    res->vias = tsr_json_own(p, json_object_new_array());
    memset(&em, 0, sizeof(em));
    em.res = res;
    em.vias = apr_array_make(r->p, 16, sizeof(tsr_ar_pt_t));
    em.pts = apr_array_make(r->p, 64, sizeof(rpt_t));
    for (n = 0; n < r->b->nnets; n++) {
        tsr_ar_rnet_t *rn = &r->nets[n];

        res->pin_links_total += r->b->nets[n].nports - 1;
        if (rn->state != TSR_AR_NET_ROUTED
            && rn->state != TSR_AR_NET_PARTIAL) {
            continue;
        }
        res->nets_routed += rn->state == TSR_AR_NET_ROUTED;
        res->pin_links_routed += rn->linked - 1;
        em.vias->nelts = 0;
        for (i = 0; i < rn->branches->nelts; i++) {
            emit_branch(r, &em, n,
                        &APR_ARRAY_IDX(rn->branches, i, tsr_ar_branch_t));
        }
    }
}

