/* tsr_autoroute_grid: the routing grid: per layer, which cells a trace
 * centre line of a given net may pass and where a via may stand, and the
 * A* search over it. */
#ifndef TSR_AUTOROUTE_GRID_H
#define TSR_AUTOROUTE_GRID_H

#include <apr_pools.h>
#include <apr_tables.h>
#include "tsr_error.h"
#include "tsr_autoroute_board.h"

/* Owner values of the static maps: free, blocked for every net, or
 * (net + 1) passable only by that net. */
#define TSR_AR_FREE 0
#define TSR_AR_BLOCKED 0xffff

/* Costs, in hundredths of a cell: a straight step costs 100. */
typedef struct tsr_ar_costs_t {
    unsigned step, diag;        /* 100, 141 */
    unsigned via;               /* a layer change */
    unsigned bend45, bend90, bend135;
    unsigned conflict;          /* soft search: a cell another net uses */
    unsigned hist;              /* per unit of a cell's history */
    unsigned pin;               /* per pad nearby: keeps passing nets out of
                                 * pad fields, whose room is for escapes */
    double weight;              /* of the heuristic (>= 1: faster, longer) */
} tsr_ar_costs_t;

typedef struct tsr_ar_grid_t {
    const tsr_ar_board_t *board;
    int w, h, nl;
    apr_size_t n;               /* cells per layer */
    double x0, y0, pitch;       /* centre of cell (0, 0) */
    double margin;              /* added to every inflation: covers the
                                 * sag of a grid step between two legal
                                 * centres */
    double wmax;                /* widest trace of any net */
    apr_uint32_t *tr;           /* nl * n: low half, who may put a trace
                                 * centre here (TSR_AR_FREE, _BLOCKED or
                                 * net + 1); high half, of how many nets
                                 * routed copper forbids one */
    apr_uint16_t *st_vi;        /* n: who may put a via centre */
    apr_uint16_t *dy_vi;        /* nl * n: routed copper of how many nets
                                 * forbids a via here */
    unsigned char *hist;        /* nl * n: how often nets fought here */
    unsigned char *pins;        /* n: pads within reach of the cell */
    apr_uint16_t *extra;        /* nl * n: cost of standing here, from
                                 * history and pads around */
    tsr_ar_costs_t cost;
    /* search state, reused from one search to the next: per node the cost
     * so far and a tag: search generation << 8 | how it was reached */
    struct tsr_ar_node_t {
        apr_uint32_t g, tag;
    } *ns;
    apr_uint32_t gen;
    void *heap;
    apr_size_t heap_len, heap_cap;
    apr_size_t expanded;        /* nodes expanded, over all searches */
} tsr_ar_grid_t;

/* What one search looks for. */
typedef struct tsr_ar_query_t {
    int net;
    int soft;                   /* cross other nets' copper at a cost */
    const apr_uint32_t *src;    /* source nodes */
    const apr_uint32_t *src_cost;
    int nsrc;
    const apr_uint32_t *dst;    /* target nodes, sorted ascending */
    int ndst;
    double tx, ty;              /* target point, in cells, for the
                                 * heuristic */
    unsigned tlayers;           /* layers the target can be reached on */
    const tsr_ar_pt_t *own_vias;    /* vias the net already has (mm) */
    int nown_vias;
    int wx0, wy0, wx1, wy1;     /* window of cells the search may use */
    apr_size_t max_expand;
    int (*stop)(void *baton);   /* checked every few thousand nodes */
    void *baton;
} tsr_ar_query_t;

/* Whether a grid over board b at pitch (mm) stays within max_cells cells
 * over all layers: APR_SUCCESS with its width and height in cells, or a
 * 413 naming the board's size. */
apr_status_t tsr_ar_grid_fits(const tsr_ar_board_t *b, double pitch,
                              apr_size_t max_cells, double *pw, double *ph,
                              apr_pool_t *p, tsr_error_t **perr);

/* A grid covering board b at the given pitch (mm), with every static
 * obstacle, the board edge and its clearances marked.  margin is added to
 * each inflation.  More than max_cells cells over all layers is a 413.
 * Everything is allocated in p. */
apr_status_t tsr_ar_grid_create(tsr_ar_grid_t **pg, apr_pool_t *p,
                                const tsr_ar_board_t *b, double pitch,
                                double margin, apr_size_t max_cells,
                                tsr_error_t **perr);

/* Where the grid of board b at pitch puts the centre of cell (0, 0): a
 * little outside the board, so that small pads sit on cell centres. */
void tsr_ar_grid_origin(const tsr_ar_board_t *b, double pitch, double *x0,
                        double *y0);

/* The centre of cell c (of any layer), rounded to a nanometre so that what
 * is checked is what is written out. */
tsr_ar_pt_t tsr_ar_grid_xy(const tsr_ar_grid_t *g, apr_size_t c);

/* Add (delta = 1) or remove (-1) routed copper of one net: a segment a-b
 * of half width r on layer (layer >= 0), or a through via at a of radius
 * r (layer < 0).  Marks the cells where another net's trace centre or via
 * would break a clearance. */
void tsr_ar_grid_paint(tsr_ar_grid_t *g, int layer, tsr_ar_pt_t a,
                       tsr_ar_pt_t b, double r, int delta);

/* Of how many nets routed copper forbids a trace centre on node v. */
unsigned tsr_ar_grid_used(const tsr_ar_grid_t *g, apr_size_t v);

/* Raise the history of node v by add (saturating): searches then avoid
 * it a little more. */
void tsr_ar_grid_hist(tsr_ar_grid_t *g, apr_size_t v, unsigned add);

/* 1 if a trace centre of net may stand on node v = layer * n + cell
 * (strict: no other net's copper near). */
int tsr_ar_grid_node_ok(const tsr_ar_grid_t *g, int net, apr_size_t v,
                        int soft);

/* 1 if a through via of net may stand at cell c. */
int tsr_ar_grid_via_ok(const tsr_ar_grid_t *g, int net, apr_size_t c,
                       int soft);

/* A* from the sources to any target.  On success the nodes of the path,
 * source first, are appended to path (apr_uint32_t) and 1 is returned; 0
 * when no path exists (within the window and expansion cap); -1 when
 * q->stop said stop. */
int tsr_ar_grid_search(tsr_ar_grid_t *g, const tsr_ar_query_t *q,
                       apr_array_header_t *path);

#endif
