/* tsr_autoroute_drc: the routed copper, indexed in space, and the exact
 * design-rule checks every piece of it passes before it is written out. */
#ifndef TSR_AUTOROUTE_DRC_H
#define TSR_AUTOROUTE_DRC_H

#include <apr_pools.h>
#include <apr_tables.h>
#include "tsr_autoroute_board.h"

/* One piece of routed copper: a wire segment on one layer (half width r)
 * or a through via (a == b, radius r, every layer). */
typedef struct tsr_ar_cu_t {
    tsr_ar_pt_t a, b;
    double r;
    unsigned layers;
    int net;
    int via;
    int alive;
} tsr_ar_cu_t;

typedef struct tsr_ar_copper_t {
    const tsr_ar_board_t *board;
    apr_pool_t *p;
    apr_array_header_t *items;  /* tsr_ar_cu_t */
    apr_array_header_t **bucket;    /* bw * bh arrays of int */
    int bw, bh;
    double bx0, by0, bsize;
} tsr_ar_copper_t;

/* An empty copper store for board b, in p. */
tsr_ar_copper_t *tsr_ar_copper_create(apr_pool_t *p,
                                      const tsr_ar_board_t *b);

/* Store a copy of *cu (alive); returns its index. */
int tsr_ar_copper_add(tsr_ar_copper_t *s, const tsr_ar_cu_t *cu);

/* The item at index i. */
tsr_ar_cu_t *tsr_ar_copper_item(tsr_ar_copper_t *s, int i);

/* Fill *cu with a wire segment of net on layer l, or a via (l < 0). */
void tsr_ar_cu_seg(tsr_ar_cu_t *cu, const tsr_ar_board_t *b, int net,
                   int layer, tsr_ar_pt_t a, tsr_ar_pt_t bb, double width);
void tsr_ar_cu_via(tsr_ar_cu_t *cu, const tsr_ar_board_t *b, int net,
                   tsr_ar_pt_t at);

/* 1 if cu keeps every rule against the board: inside the outline and far
 * enough from its edges and cut-outs, and clear of every obstacle that is
 * not of cu's own net (pads, holes, keep-outs, existing copper). */
int tsr_ar_drc_static_ok(const tsr_ar_board_t *b, const tsr_ar_cu_t *cu);

/* 1 if cu keeps the rules against obstacle i of b (always, when the
 * obstacle is of cu's net or on none of its layers). */
int tsr_ar_drc_obstacle_ok(const tsr_ar_board_t *b, const tsr_ar_cu_t *cu,
                           int i);

/* 1 if the two pieces keep their clearances: copper gaps between
 * different nets, drill gaps between vias of any nets (vias of one net at
 * the very same spot share a drill). */
int tsr_ar_drc_pair_ok(const tsr_ar_board_t *b, const tsr_ar_cu_t *x,
                       const tsr_ar_cu_t *y);

/* 1 if @tscircuit/checks takes segments a1-a2 and b1-b2 to intersect
 * (its doSegmentsIntersect, operation for operation).  Its orientation
 * test has no tolerance, so two disjoint segments on one 45 degree line can
 * come out "crossing" from rounding alone; copper the router writes must
 * not be read that way either. */
int tsr_ar_checker_cross(tsr_ar_pt_t a1, tsr_ar_pt_t a2, tsr_ar_pt_t b1,
                         tsr_ar_pt_t b2);

/* Call fn(baton, j) for every alive stored item j that breaks a rule with
 * cu (nets other than skip_net only, unless skip_net < 0).  Returns how
 * many. */
int tsr_ar_copper_conflicts(tsr_ar_copper_t *s, const tsr_ar_cu_t *cu,
                            int skip_net,
                            void (*fn)(void *baton, int j), void *baton);

#endif
