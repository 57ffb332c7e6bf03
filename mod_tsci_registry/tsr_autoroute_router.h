/* tsr_autoroute_router: what the router's two halves share: the state of
 * one routing (nets, their branches, the grid and the copper), so that
 * tsr_autoroute_out can check and write what tsr_autoroute routed.  Not
 * for use outside the autorouter. */
#ifndef TSR_AUTOROUTE_ROUTER_H
#define TSR_AUTOROUTE_ROUTER_H

#include <apr_pools.h>
#include <apr_tables.h>
#include "tsr_autoroute.h"
#include "tsr_autoroute_board.h"
#include "tsr_autoroute_drc.h"
#include "tsr_autoroute_grid.h"

/* Where a net stands: waiting to be routed, routed whole, given up, or
 * routed as far as it goes. */
enum {
    TSR_AR_NET_PENDING, TSR_AR_NET_ROUTED, TSR_AR_NET_FAILED,
    TSR_AR_NET_PARTIAL
};

/* A branch of a net's tree: one trace, from port to port. */
typedef struct tsr_ar_branch_t {
    int p0, p1;                 /* start and end port */
    apr_uint32_t *nodes;        /* the whole path, prefix included */
    int nn;
    int jn;                     /* nodes[jn..] are this branch's copper;
                                 * before that it repeats the tree */
    int from_pin;               /* starts at p0, with a stub */
} tsr_ar_branch_t;

/* Where a port can be left from, for one routing of its net (other nets'
 * copper does not change meanwhile). */
typedef struct tsr_ar_access_t {
    apr_array_header_t *nodes, *costs;
} tsr_ar_access_t;

/* A net being routed. */
typedef struct tsr_ar_rnet_t {
    tsr_ar_access_t *access;    /* per port of the net, or NULL */
    int state;
    int rips;
    int linked;                 /* ports joined by the tree */
    double hpwl;
    apr_pool_t *pool;           /* what one routing of the net holds */
    apr_array_header_t *branches;   /* tsr_ar_branch_t */
    apr_array_header_t *vias;   /* tsr_ar_pt_t */
    apr_array_header_t *fresh;  /* tsr_ar_cu_t, not yet committed */
    apr_array_header_t *items;  /* int, committed copper */
} tsr_ar_rnet_t;

/* One routing: the board, its grid, the routed copper and the nets. */
typedef struct tsr_ar_router_t {
    apr_pool_t *p;
    const tsr_autoroute_opts_t *opts;
    tsr_ar_board_t *b;
    tsr_ar_grid_t *g;
    tsr_ar_copper_t *cu;
    tsr_ar_rnet_t *nets;
    apr_time_t deadline;
    int stopped;                /* 1 budget, 2 cancel */
    apr_array_header_t *src, *src_cost, *src_pin, *dst, *path;
    int *queue;
    int qhead, qtail, qcap;
    int *victims;
    int nvictims;
    void *cand;                 /* port_access scratch */
    apr_size_t ncand;
} tsr_ar_router_t;

/* The layer of grid node v. */
unsigned tsr_ar_node_layer(const tsr_ar_router_t *r, apr_uint32_t v);

/* 1 (and r->stopped set) once the time budget is spent or the caller
 * cancelled; baton is r. */
int tsr_ar_stop_now(void *baton);

/* The layer of a port's pad, when node v reaches port through the via
 * reserved for it from another layer; -1 when v reaches it directly. */
int tsr_ar_via_stub(const tsr_ar_router_t *r, int port, apr_uint32_t v);

/* Route net n as a tree into its branches and fresh copper (nothing
 * committed); soft crosses other nets at a cost, partial leaves out ports
 * it cannot reach.  1 routed (partial: something), 0 not, -1 stopped. */
int tsr_ar_route_net(tsr_ar_router_t *r, int n, int soft, int partial);

/* Forget net n's branches and fresh copper (its pool is cleared). */
void tsr_ar_reset_net(tsr_ar_router_t *r, int n);

/* Take net n's committed copper off the grid and out of the store, and
 * reset it. */
void tsr_ar_rip_up(tsr_ar_router_t *r, int n);

/* Make net n's fresh copper part of the board, in state; after a soft
 * route, rip up and queue the nets it crosses. */
void tsr_ar_commit(tsr_ar_router_t *r, int n, int soft, int state);

/* The final check of everything routed, segment by segment as it will be
 * written, with exact geometry: nets with anything wrong are routed again
 * elsewhere (strictly) or left out; res->drc_dropped counts them. */
void tsr_ar_out_check(tsr_ar_router_t *r, tsr_autoroute_result_t *res);

/* The pcb_trace and pcb_via elements of the routed nets into res (tied to
 * p), with its counts. */
void tsr_ar_out_emit(tsr_ar_router_t *r, tsr_autoroute_result_t *res,
                     apr_pool_t *p);

#endif
