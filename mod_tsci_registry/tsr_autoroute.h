/* tsr_autoroute: the autorouter: an unrouted tscircuit board (Circuit JSON)
 * in, routed pcb_trace and pcb_via elements out.  No httpd; linked into the
 * module, the unit tests and the tsci-route command. */
#ifndef TSR_AUTOROUTE_H
#define TSR_AUTOROUTE_H

#include <apr_pools.h>
#include <apr_time.h>
#include <json-c/json.h>
#include "tsr_error.h"

/* Defaults of the limits in tsr_autoroute_opts_t.  The routing grid costs
 * about 17 bytes a cell (a cell per 0.1 mm square per layer): the default
 * cell limit keeps one routing under 140 MB, and takes a 4-layer board of
 * 140 x 140 mm (the largest of tscircuit's dataset is 117 x 113 mm). */
#define TSR_AUTOROUTE_MAX_ELEMENTS 200000
#define TSR_AUTOROUTE_MAX_BOARD_MM 600.0
#define TSR_AUTOROUTE_MAX_CELLS (8u * 1000 * 1000)
/* Nets to route (each holds its routes in a pool of its own, 8 KB at
 * least): tscircuit's largest boards have about 60. */
#define TSR_AUTOROUTE_MAX_NETS 4000
#define TSR_AUTOROUTE_MAX_LAYERS 8

/* Called between nets: how many of the nets to route are routed now, of
 * how many, and how many were given up. */
typedef void tsr_autoroute_progress_fn(void *baton, int routed, int total,
                                       int failed);

typedef struct tsr_autoroute_opts_t {
    /* Routing stops after this long and the nets routed by then are the
     * result (result->timed_out says so); 0 means no budget. */
    apr_interval_time_t time_budget;
    /* Route only the nets of this subcircuit; NULL routes every net. */
    const char *subcircuit_id;
    /* Checked as often as the budget: nonzero stops routing the same way
     * (result->cancelled). */
    volatile const int *cancel;
    /* Limits: more elements, a longer board side, more grid cells (cells
     * per layer times layers) or more nets to route are refused; 0 means
     * the default. */
    apr_size_t max_elements;
    double max_board_mm;
    apr_size_t max_cells;
    int max_nets;
    /* Grid pitch in mm; 0 for the default (0.1). */
    double grid_mm;
    tsr_autoroute_progress_fn *progress;
    void *progress_baton;
} tsr_autoroute_opts_t;

typedef struct tsr_autoroute_result_t {
    json_object *traces;        /* array of new pcb_trace elements */
    json_object *vias;          /* array of pcb_via elements, one per via */
    int nets_total;             /* nets that needed routing */
    int nets_routed;            /* of them, fully connected */
    int pin_links_total;        /* ports minus one, summed over nets */
    int pin_links_routed;
    int via_count;
    double length_mm;           /* copper length of the traces */
    int timed_out;              /* the time budget ended routing */
    int cancelled;              /* opts->cancel ended routing */
    int drc_dropped;            /* branches the final check removed */
    int grid_w, grid_h, layers;
    apr_interval_time_t t_parse, t_grid, t_route, t_total;
} tsr_autoroute_result_t;

/* Fill *opts with the defaults: no budget, every subcircuit, the default
 * limits. */
void tsr_autoroute_opts_init(tsr_autoroute_opts_t *opts);

/* Route the board described by circuit, a Circuit JSON array (it is only
 * read).  On success *pres (in p) holds the traces and vias, which are
 * tied to p; elements of circuit are not referenced by them.  Malformed
 * input is a 400 and a limit exceeded a 413 in *perr (TSR_EREFUSED); a
 * time budget reached or a cancel is not an error.  Everything the router
 * allocates lives in a subpool of p that is destroyed before returning,
 * except the result.  The same input and options give the same output
 * (unless the budget or a cancel cut the run short). */
apr_status_t tsr_autoroute_run(tsr_autoroute_result_t **pres, apr_pool_t *p,
                               json_object *circuit,
                               const tsr_autoroute_opts_t *opts,
                               tsr_error_t **perr);

/* What tsr_autoroute_run would refuse, without routing: the Circuit JSON
 * is read and the limits checked (the same 400s and 413s), cheaply enough
 * for a request thread to answer a bad board at once.  *pnets (may be
 * NULL) gets the number of nets to route. */
apr_status_t tsr_autoroute_check(apr_pool_t *p, json_object *circuit,
                                 const tsr_autoroute_opts_t *opts,
                                 int *pnets, tsr_error_t **perr);

#endif
