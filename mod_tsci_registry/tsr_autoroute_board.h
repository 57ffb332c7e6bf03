/* tsr_autoroute_board: the routing problem read out of Circuit JSON: board
 * outline and layers, design rules, obstacles, ports and the nets to
 * route. */
#ifndef TSR_AUTOROUTE_BOARD_H
#define TSR_AUTOROUTE_BOARD_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"
#include "tsr_autoroute.h"
#include "tsr_autoroute_geom.h"

/* What an obstacle is, which decides the clearances it needs. */
typedef enum {
    TSR_AR_OB_PAD,      /* SMT pad or plated hole: copper */
    TSR_AR_OB_HOLE,     /* non-plated hole: no copper near its edge */
    TSR_AR_OB_KEEPOUT,  /* no copper inside, on its layers */
    TSR_AR_OB_CUTOUT,   /* a hole in the board: edge clearance */
    TSR_AR_OB_TRACE,    /* a segment of a trace that was already there */
    TSR_AR_OB_VIA,      /* a via that was already there */
    TSR_AR_OB_POUR      /* copper pour (as its bounds) */
} tsr_ar_obkind_e;

/* The design rules, from the board's DRC fields or tscircuit's defaults
 * (the values @tscircuit/checks applies). */
typedef struct tsr_ar_rules_t {
    double width;               /* trace width (0.15) */
    double clearance;           /* trace to trace, pad and via (0.1) */
    double via_pad_clearance;   /* via copper to pads and vias (0.1) */
    double hole_clearance;      /* copper to a non-plated hole (0.2) */
    double edge_clearance;      /* copper to the board edge (0.2) */
    double via_diameter;        /* via pad (0.3) */
    double via_hole;            /* via drill (0.2) */
    double via_hole_gap;        /* drill edge to drill edge (0.1) */
} tsr_ar_rules_t;

typedef struct tsr_ar_obst_t {
    tsr_ar_shape_t shape;
    unsigned layers;            /* bit i set: present on layer i */
    int net;                    /* the routed net it belongs to, or -1 */
    tsr_ar_obkind_e kind;
    double clr_trace;           /* gap a trace's copper must keep */
    double clr_via;             /* gap a via's copper must keep */
    double hole;                /* a via's drill (TSR_AR_OB_VIA) */
    const char *id;
} tsr_ar_obst_t;

typedef struct tsr_ar_port_t {
    const char *id;             /* pcb_port_id */
    tsr_ar_pt_t at;
    unsigned layers;            /* layers a trace may end on it */
    int net;                    /* routed net, or -1 */
    int pad;                    /* an obstacle that is its pad, or -1 */
    const char *source_trace_id;    /* a source_trace naming it, or NULL */
    int fan;                    /* 1: a dog-bone via is reserved for it */
    tsr_ar_pt_t fan_at;         /* where (the via's centre) */
} tsr_ar_port_t;

typedef struct tsr_ar_net_t {
    const char *name;           /* source_net_id, else source_trace_id */
    const char *source_trace_id;    /* for traces whose ports name none */
    const char *subcircuit_id;
    int *ports;                 /* indexes into board->ports */
    int nports;
    double width;
} tsr_ar_net_t;

typedef struct tsr_ar_board_t {
    int nlayers;
    const char *layer_names[TSR_AUTOROUTE_MAX_LAYERS];
    tsr_ar_pt_t *outline;       /* closed polygon, counter-clockwise or
                                 * not; a rectangular board has 4 points */
    int noutline;
    double minx, miny, maxx, maxy;
    tsr_ar_rules_t rules;
    tsr_ar_obst_t *obs;
    int nobs;
    tsr_ar_port_t *ports;
    int nports;
    tsr_ar_net_t *nets;
    int nnets;
    int nelements;
    /* the obstacles by square of bsize mm (bw x bh squares from bx0,
     * by0): those of square k are bk_items[bk_start[k] ..
     * bk_start[k + 1] - 1] */
    int *bk_start, *bk_items;
    int bw, bh;
    double bx0, by0, bsize;
} tsr_ar_board_t;

/* Read the routing problem out of the Circuit JSON array circuit.  *pb and
 * everything in it is allocated in p (strings point into circuit, which
 * must outlive *pb).  Input that is not Circuit JSON a router can use is a
 * 400 naming the element and what is wrong with it; more elements than
 * opts->max_elements or a board side above opts->max_board_mm is a 413. */
apr_status_t tsr_ar_board_read(tsr_ar_board_t **pb, apr_pool_t *p,
                               json_object *circuit,
                               const tsr_autoroute_opts_t *opts,
                               tsr_error_t **perr);

/* (Re)build b's index of obstacles by square, in p.  tsr_ar_board_read
 * does; whoever adds obstacles afterwards calls it again. */
void tsr_ar_board_index(tsr_ar_board_t *b, apr_pool_t *p);

/* Call fn(baton, i) for each obstacle i whose bounds come within pad of
 * the box [minx, maxx] x [miny, maxy] (some more, and some more than once:
 * fn checks). */
void tsr_ar_board_near(const tsr_ar_board_t *b, double minx, double miny,
                       double maxx, double maxy,
                       int (*fn)(void *baton, int i), void *baton);

/* The index of layer name on board b, or -1 when b has no such layer. */
int tsr_ar_board_layer(const tsr_ar_board_t *b, const char *name);

#endif
