/* tsr_autoroute_fanout: dog-bone vias reserved, before routing, for the
 * pads inside ball grids and other dense pad fields. */
#ifndef TSR_AUTOROUTE_FANOUT_H
#define TSR_AUTOROUTE_FANOUT_H

#include <apr_pools.h>
#include "tsr_autoroute_board.h"

/* For every pad of a routed net that has pads all round it (8 or more
 * within 1.5 times its nearest neighbour's distance, as inside a ball
 * grid), reserve a via at one of the four points between it and its
 * diagonal neighbours, on a centre of the grid whose cell (0, 0) is at
 * (x0, y0) with the given pitch: the one pointing most away from the
 * middle of the pad field that keeps every rule.  The short trace and
 * the via become obstacles of the pad's net (appended to b->obs, in p)
 * and the port's fan and fan_at say where the via is.  A pad without a
 * legal spot gets none.  Returns how many were reserved. */
int tsr_ar_fanout_plan(tsr_ar_board_t *b, apr_pool_t *p, double pitch,
                       double x0, double y0);

#endif
