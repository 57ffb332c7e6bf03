/* tsr_autoroute_grid: occupancy maps of the routing grid and the A* search
 * over (x, y, layer).  A cell is legal for a trace centre when the centre
 * is far enough from every foreign copper shape: shapes are inflated by
 * the clearance, half the widest trace and a margin, and the margin
 * covers the worst "sag" of a straight or diagonal step between two legal
 * centres past a corner (under 0.015 mm at a 0.1 mm pitch), so a path of
 * legal cells keeps its clearances everywhere, not only at the centres. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "tsr_autoroute_grid.h"

typedef struct hent_t {
    apr_uint32_t f, g, v;
} hent_t;

static const int dxs[8] = { 1, 1, 0, -1, -1, -1, 0, 1 };
static const int dys[8] = { 0, 1, 1, 1, 0, -1, -1, -1 };

#define FROM_SOURCE 15
#define FROM_VIA 8
/* Set in from[] once a node is expanded: a weighted heuristic is not
 * consistent, and re-expanding nodes costs more than the slightly longer
 * paths that not doing so can give (bounded by the weight). */
#define CLOSED 0x80

static apr_status_t free_heap(void *data)
{
    tsr_ar_grid_t *g = data;

    free(g->heap);
    g->heap = NULL;
    return APR_SUCCESS;
}

/* The big maps are anonymous mappings, unmapped with the pool: fresh pages
 * are zero already, and pages a route never touches cost nothing (a pool
 * would clear all of them).  Huge pages, where the kernel gives them on
 * request, turn thousands of page faults a board into a few dozen: the
 * faults were a third of the time of a median board. */
typedef struct mapping_t {
    void *addr;
    apr_size_t len;
} mapping_t;

static apr_status_t unmap_cleanup(void *data)
{
    mapping_t *m = data;

    munmap(m->addr, m->len);
    return APR_SUCCESS;
}

#define HUGE_PAGE ((apr_size_t)2 << 20)

static void *grid_calloc(apr_pool_t *p, apr_size_t n)
{
    mapping_t *m = apr_palloc(p, sizeof(*m));
    char *a;
    apr_size_t skip;

    /* map a huge page more, to start on a huge page boundary */
    m->len = (n ? n : 1) + HUGE_PAGE;
    m->addr = mmap(NULL, m->len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m->addr == MAP_FAILED) {
        abort();    /* as APR does when a pool cannot get memory */
    }
    a = m->addr;
    skip = (HUGE_PAGE - (apr_size_t)((apr_uintptr_t)a % HUGE_PAGE))
           % HUGE_PAGE;
#ifdef MADV_HUGEPAGE
    if (n >= HUGE_PAGE) {
        madvise(a + skip, n, MADV_HUGEPAGE);
    }
#endif
    apr_pool_cleanup_register(p, m, unmap_cleanup, apr_pool_cleanup_null);
    return a + skip;
}

static double round_nm(double v)
{
    return nearbyint(v * 1e6) / 1e6;
}

tsr_ar_pt_t tsr_ar_grid_xy(const tsr_ar_grid_t *g, apr_size_t c)
{
    tsr_ar_pt_t q;

    c %= g->n;
    q.x = round_nm(g->x0 + (double)(c % g->w) * g->pitch);
    q.y = round_nm(g->y0 + (double)(c / g->w) * g->pitch);
    return q;
}

/* ---------- rasterizing ---------- */

typedef void cell_fn(tsr_ar_grid_t *g, apr_size_t c, void *baton);

/* Squared distance from (px, py) to segment a-b. */
static double seg_d2(double px, double py, tsr_ar_pt_t a, tsr_ar_pt_t b)
{
    double dx = b.x - a.x, dy = b.y - a.y, l2 = dx * dx + dy * dy, t = 0;

    if (l2 > 0) {
        t = ((px - a.x) * dx + (py - a.y) * dy) / l2;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
    }
    dx = px - (a.x + t * dx);
    dy = py - (a.y + t * dy);
    return dx * dx + dy * dy;
}

/* Narrow [*lo, *hi] to the x where lo_c <= k * x + m <= hi_c. */
static void clip_linear(double k, double m, double lo_c, double hi_c,
                        double *lo, double *hi)
{
    double x1, x2;

    if (k == 0) {
        if (m < lo_c || m > hi_c) {
            *lo = 1;
            *hi = 0;
        }
        return;
    }
    x1 = (lo_c - m) / k;
    x2 = (hi_c - m) / k;
    if (x1 > x2) {
        double t = x1;

        x1 = x2;
        x2 = t;
    }
    *lo = fmax(*lo, x1);
    *hi = fmin(*hi, x2);
}

/* Call fn for each cell whose centre lies closer than R to shape s.  A
 * capsule is walked row by row over the exact interval it covers there
 * (a long diagonal trace would otherwise cost its whole bounding box). */
static void raster(tsr_ar_grid_t *g, const tsr_ar_shape_t *s, double R,
                   cell_fn *fn, void *baton)
{
    long x0, x1, y0 = (long)ceil((s->miny - R - g->y0) / g->pitch);
    long y1 = (long)floor((s->maxy + R - g->y0) / g->pitch);
    long x, y;
    double RR, dx, dy, L, L2;

    y0 = y0 < 0 ? 0 : y0;
    y1 = y1 >= g->h ? g->h - 1 : y1;
    if (s->kind != TSR_AR_CAPSULE) {
        x0 = (long)ceil((s->minx - R - g->x0) / g->pitch);
        x1 = (long)floor((s->maxx + R - g->x0) / g->pitch);
        x0 = x0 < 0 ? 0 : x0;
        x1 = x1 >= g->w ? g->w - 1 : x1;
        for (y = y0; y <= y1; y++) {
            for (x = x0; x <= x1; x++) {
                tsr_ar_pt_t q;

                q.x = g->x0 + (double)x * g->pitch;
                q.y = g->y0 + (double)y * g->pitch;
                if (tsr_ar_pt_shape_dist(q, s) < R) {
                    fn(g, (apr_size_t)y * g->w + (apr_size_t)x, baton);
                }
            }
        }
        return;
    }
    RR = (R + s->r) * (R + s->r);
    dx = s->b.x - s->a.x;
    dy = s->b.y - s->a.y;
    L2 = dx * dx + dy * dy;
    L = sqrt(L2);
    for (y = y0; y <= y1; y++) {
        double py = g->y0 + (double)y * g->pitch, lo = HUGE_VAL,
            hi = -HUGE_VAL, h, blo, bhi;
        int e;

        /* the two end disks */
        for (e = 0; e < 2; e++) {
            const tsr_ar_pt_t *c = e ? &s->b : &s->a;

            h = RR - (py - c->y) * (py - c->y);
            if (h > 0) {
                h = sqrt(h);
                lo = fmin(lo, c->x - h);
                hi = fmax(hi, c->x + h);
            }
        }
        /* the band between them */
        if (L2 > 0) {
            blo = -HUGE_VAL;
            bhi = HUGE_VAL;
            clip_linear(-dy, dx * (py - s->a.y) + dy * s->a.x,
                        -(R + s->r) * L, (R + s->r) * L, &blo, &bhi);
            clip_linear(dx, dy * (py - s->a.y) - dx * s->a.x, 0, L2, &blo,
                        &bhi);
            if (blo <= bhi) {
                lo = fmin(lo, blo);
                hi = fmax(hi, bhi);
            }
        }
        if (lo > hi) {
            continue;
        }
        x0 = (long)floor((lo - g->x0) / g->pitch);
        x1 = (long)ceil((hi - g->x0) / g->pitch);
        x0 = x0 < 0 ? 0 : x0;
        x1 = x1 >= g->w ? g->w - 1 : x1;
        for (x = x0; x <= x1; x++) {
            if (seg_d2(g->x0 + (double)x * g->pitch, py, s->a, s->b) < RR) {
                fn(g, (apr_size_t)y * g->w + (apr_size_t)x, baton);
            }
        }
    }
}

/* What a raster marks: the trace map on the layers in mask, or (mask 0)
 * the via map. */
typedef struct mark_t {
    unsigned mask;
    apr_uint16_t owner;
} mark_t;

/* A cell two owners claim is nobody's. */
static apr_uint16_t claim(apr_uint16_t cur, apr_uint16_t owner)
{
    return cur == TSR_AR_FREE ? owner : cur != owner ? TSR_AR_BLOCKED : cur;
}

static void mark_owner(tsr_ar_grid_t *g, apr_size_t c, void *baton)
{
    mark_t *m = baton;
    unsigned l;

    if (m->mask == 0) {
        g->st_vi[c] = claim(g->st_vi[c], m->owner);
        return;
    }
    for (l = 0; l < (unsigned)g->nl; l++) {
        if (m->mask & (1u << l)) {
            apr_uint32_t *t = &g->tr[l * g->n + c];

            *t = (*t & 0xffff0000u)
                 | claim((apr_uint16_t)(*t & 0xffff), m->owner);
        }
    }
}

/* What a paint counts: the trace map (vi 0) or the via map (vi 1) on the
 * layers in mask. */
typedef struct count_t {
    unsigned mask;
    int vi;
    int delta;
} count_t;

static void mark_count(tsr_ar_grid_t *g, apr_size_t c, void *baton)
{
    count_t *m = baton;
    unsigned l;

    for (l = 0; l < (unsigned)g->nl; l++) {
        if (!(m->mask & (1u << l))) {
            continue;
        }
        if (!m->vi) {
            apr_uint32_t *t = &g->tr[l * g->n + c];

            if (m->delta > 0) {
                *t += 0x10000u;
            }
            else if (*t >= 0x10000u) {
                *t -= 0x10000u;
            }
        }
        else {
            apr_uint16_t *v = &g->dy_vi[l * g->n + c];

            if (m->delta > 0) {
                (*v)++;
            }
            else if (*v > 0) {
                (*v)--;
            }
        }
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Outside the outline, and too near its edges, nothing may go. */
static void mark_board(tsr_ar_grid_t *g, apr_pool_t *p)
{
    const tsr_ar_board_t *b = g->board;
    const tsr_ar_rules_t *r = &b->rules;
    double *xs = apr_palloc(p, (b->noutline + 1) * sizeof(double));
    tsr_ar_shape_t edge;
    mark_t m;
    long x, y;
    int i, j, k, nx;

    for (y = 0; y < g->h; y++) {
        double yy = g->y0 + (double)y * g->pitch;

        nx = 0;
        for (i = 0, j = b->noutline - 1; i < b->noutline; j = i++) {
            const tsr_ar_pt_t *pi = &b->outline[i], *pj = &b->outline[j];

            if ((pi->y > yy) != (pj->y > yy)) {
                xs[nx++] = pi->x + (yy - pi->y) * (pj->x - pi->x)
                                   / (pj->y - pi->y);
            }
        }
        qsort(xs, nx, sizeof(double), cmp_double);
        for (x = 0; x < g->w; x++) {
            apr_size_t c = (apr_size_t)y * g->w + (apr_size_t)x;
            double xx = g->x0 + (double)x * g->pitch;
            int in = 0;

            for (k = 0; k + 1 < nx; k += 2) {
                if (xx > xs[k] && xx < xs[k + 1]) {
                    in = 1;
                    break;
                }
            }
            if (!in) {
                for (i = 0; i < g->nl; i++) {
                    g->tr[i * g->n + c] |= TSR_AR_BLOCKED;
                }
                g->st_vi[c] = TSR_AR_BLOCKED;
            }
        }
    }
    m.owner = TSR_AR_BLOCKED;
    for (i = 0; i < b->noutline; i++) {
        tsr_ar_shape_capsule(&edge, b->outline[i],
                             b->outline[(i + 1) % b->noutline], 0);
        m.mask = (1u << g->nl) - 1;
        raster(g, &edge, r->edge_clearance + g->wmax / 2 + g->margin,
               mark_owner, &m);
        m.mask = 0;
        raster(g, &edge, r->edge_clearance + r->via_diameter / 2 + 1e-3,
               mark_owner, &m);
    }
}

static void mark_pin(tsr_ar_grid_t *g, apr_size_t c, void *baton)
{
    if (g->pins[c] < 255) {
        g->pins[c]++;
    }
}

static void mark_obstacles(tsr_ar_grid_t *g)
{
    const tsr_ar_board_t *b = g->board;
    const tsr_ar_rules_t *r = &b->rules;
    mark_t m;
    double rv;
    int i;

    for (i = 0; i < b->nobs; i++) {
        const tsr_ar_obst_t *o = &b->obs[i];

        m.owner = o->net >= 0 ? (apr_uint16_t)(o->net + 1) : TSR_AR_BLOCKED;
        m.mask = o->layers & ((1u << g->nl) - 1);
        raster(g, &o->shape, o->clr_trace + g->wmax / 2 + g->margin,
               mark_owner, &m);
        /* Vias never stand on or touch a pad, not even their own net's. */
        if (o->kind == TSR_AR_OB_PAD) {
            m.owner = TSR_AR_BLOCKED;
        }
        rv = o->clr_via + r->via_diameter / 2;
        if (o->kind == TSR_AR_OB_VIA) {
            /* drill to drill, measured from the other via's copper */
            rv = fmax(rv, o->hole / 2 + r->via_hole_gap + r->via_hole / 2
                              - o->shape.r);
        }
        m.mask = 0;
        raster(g, &o->shape, rv + 1e-3, mark_owner, &m);
        if (o->kind == TSR_AR_OB_PAD) {
            raster(g, &o->shape, 0.5, mark_pin, NULL);
        }
    }
}

/* How far before the board edge the grid starts, so that as many small
 * pads as possible sit exactly on grid centres: fine-pitch rows then get
 * their escape columns and ball grids their via sites between four pads
 * on the grid.  The most common offset wins (ties: the smallest). */
static double align(const tsr_ar_board_t *b, double pitch, int ycoord)
{
    int votes[100], i, k, best = 0;
    double base = ycoord ? b->miny : b->minx;

    memset(votes, 0, sizeof(votes));
    for (i = 0; i < b->nobs; i++) {
        const tsr_ar_obst_t *o = &b->obs[i];
        double v, f;

        if (o->kind != TSR_AR_OB_PAD
            || fmin(o->shape.maxx - o->shape.minx,
                    o->shape.maxy - o->shape.miny) > 1.0) {
            continue;
        }
        v = ((ycoord ? o->shape.c.y : o->shape.c.x) - base) / pitch;
        f = v - floor(v);
        k = (int)floor(f * 100 + 0.5) % 100;
        votes[k]++;
    }
    for (k = 1; k < 100; k++) {
        if (votes[k] > votes[best]) {
            best = k;
        }
    }
    /* the offset o (0 <= o < pitch) with base - o + j * pitch = centre */
    return best == 0 ? 0 : (1.0 - best / 100.0) * pitch;
}

void tsr_ar_grid_origin(const tsr_ar_board_t *b, double pitch, double *x0,
                        double *y0)
{
    *x0 = b->minx - align(b, pitch, 0);
    *y0 = b->miny - align(b, pitch, 1);
}

apr_status_t tsr_ar_grid_fits(const tsr_ar_board_t *b, double pitch,
                              apr_size_t max_cells, double *pw, double *ph,
                              apr_pool_t *p, tsr_error_t **perr)
{
    double x0, y0, w, h;

    tsr_ar_grid_origin(b, pitch, &x0, &y0);
    w = ceil((b->maxx - x0) / pitch) + 1;
    h = ceil((b->maxy - y0) / pitch) + 1;
    if (w * h * b->nlayers > (double)max_cells) {
        return tsr_error_set(perr, p, 413, "board_too_large",
                             "a %.1f x %.1f mm board of %d layers needs "
                             "%.0f grid cells; the router takes at most %lu",
                             b->maxx - b->minx, b->maxy - b->miny,
                             b->nlayers, w * h * b->nlayers,
                             (unsigned long)max_cells);
    }
    *pw = w;
    *ph = h;
    return APR_SUCCESS;
}

apr_status_t tsr_ar_grid_create(tsr_ar_grid_t **pg, apr_pool_t *p,
                                const tsr_ar_board_t *b, double pitch,
                                double margin, apr_size_t max_cells,
                                tsr_error_t **perr)
{
    tsr_ar_grid_t *g = apr_pcalloc(p, sizeof(*g));
    double w, h;
    int i;

    g->board = b;
    g->pitch = pitch;
    g->margin = margin;
    g->nl = b->nlayers;
    g->wmax = b->rules.width;
    for (i = 0; i < b->nnets; i++) {
        g->wmax = fmax(g->wmax, b->nets[i].width);
    }
    tsr_ar_grid_origin(b, pitch, &g->x0, &g->y0);
    if (tsr_ar_grid_fits(b, pitch, max_cells, &w, &h, p, perr)
        != APR_SUCCESS) {
        return TSR_EREFUSED;
    }
    g->w = (int)w;
    g->h = (int)h;
    g->n = (apr_size_t)g->w * g->h;
    {
        /* one mapping for all maps: they share the huge pages */
        apr_size_t nn = g->n * g->nl, sz[7], off = 0;
        void **to[7];
        char *arena;
        int k;

        to[0] = (void **)&g->ns;
        sz[0] = nn * sizeof(*g->ns);
        to[1] = (void **)&g->tr;
        sz[1] = nn * sizeof(apr_uint32_t);
        to[2] = (void **)&g->dy_vi;
        sz[2] = nn * sizeof(apr_uint16_t);
        to[3] = (void **)&g->extra;
        sz[3] = nn * sizeof(apr_uint16_t);
        to[4] = (void **)&g->st_vi;
        sz[4] = g->n * sizeof(apr_uint16_t);
        to[5] = (void **)&g->hist;
        sz[5] = nn;
        to[6] = (void **)&g->pins;
        sz[6] = g->n;
        for (k = 0; k < 7; k++) {
            off += (sz[k] + 63) & ~(apr_size_t)63;
        }
        arena = grid_calloc(p, off);
        for (k = 0, off = 0; k < 7; k++) {
            *to[k] = arena + off;
            off += (sz[k] + 63) & ~(apr_size_t)63;
        }
    }
    g->cost.step = 100;
    g->cost.diag = 141;
    g->cost.via = 600;
    g->cost.bend45 = 10;
    g->cost.bend90 = 40;
    g->cost.bend135 = 200;
    g->cost.conflict = 800;
    g->cost.hist = 300;
    g->cost.weight = 1.5;
    g->cost.pin = 30;
    apr_pool_cleanup_register(p, g, free_heap, apr_pool_cleanup_null);
    mark_board(g, p);
    mark_obstacles(g);
    if (g->cost.pin > 0) {
        apr_size_t c;
        int l;

        for (c = 0; c < g->n; c++) {
            if (g->pins[c] != 0) {
                for (l = 0; l < g->nl; l++) {
                    g->extra[l * g->n + c] = (apr_uint16_t)fmin(
                        65535.0, (double)g->pins[c] * g->cost.pin);
                }
            }
        }
    }
    *pg = g;
    return APR_SUCCESS;
}

void tsr_ar_grid_paint(tsr_ar_grid_t *g, int layer, tsr_ar_pt_t a,
                       tsr_ar_pt_t b, double r, int delta)
{
    const tsr_ar_rules_t *ru = &g->board->rules;
    tsr_ar_shape_t s;
    count_t m;
    double rt, rv;

    tsr_ar_shape_capsule(&s, a, b, r);
    m.delta = delta;
    rt = ru->clearance + g->wmax / 2 + g->margin;
    if (layer >= 0) {
        rv = ru->clearance + ru->via_diameter / 2 + 1e-3;
        m.mask = 1u << layer;
    }
    else {
        rv = fmax(ru->via_pad_clearance + ru->via_diameter / 2,
                  ru->via_hole / 2 + ru->via_hole_gap + ru->via_hole / 2 - r)
             + 1e-3;
        m.mask = (1u << g->nl) - 1;
    }
    m.vi = 0;
    raster(g, &s, rt, mark_count, &m);
    m.vi = 1;
    raster(g, &s, rv, mark_count, &m);
}

unsigned tsr_ar_grid_used(const tsr_ar_grid_t *g, apr_size_t v)
{
    return g->tr[v] >> 16;
}

void tsr_ar_grid_hist(tsr_ar_grid_t *g, apr_size_t v, unsigned add)
{
    unsigned h = g->hist[v] + add;

    g->hist[v] = (unsigned char)(h > 255 ? 255 : h);
    g->extra[v] = (apr_uint16_t)fmin(
        65535.0, (double)g->hist[v] * g->cost.hist
                     + (double)g->pins[v % g->n] * g->cost.pin);
}

int tsr_ar_grid_node_ok(const tsr_ar_grid_t *g, int net, apr_size_t v,
                        int soft)
{
    apr_uint32_t t = g->tr[v];
    apr_uint16_t st = (apr_uint16_t)(t & 0xffff);

    if (st != TSR_AR_FREE && st != (apr_uint16_t)(net + 1)) {
        return 0;
    }
    return soft || t < 0x10000u;
}

int tsr_ar_grid_via_ok(const tsr_ar_grid_t *g, int net, apr_size_t c,
                       int soft)
{
    apr_uint16_t st = g->st_vi[c];
    int k;

    if (st != TSR_AR_FREE && st != (apr_uint16_t)(net + 1)) {
        return 0;
    }
    if (!soft) {
        for (k = 0; k < g->nl; k++) {
            if (g->dy_vi[k * g->n + c] != 0) {
                return 0;
            }
        }
    }
    return 1;
}

/* ---------- the search ---------- */

static void heap_push(tsr_ar_grid_t *g, apr_uint32_t f, apr_uint32_t cost,
                      apr_uint32_t v)
{
    hent_t *h;
    apr_size_t i;

    if (g->heap_len == g->heap_cap) {
        apr_size_t cap = g->heap_cap ? g->heap_cap * 2 : 4096;
        void *nh = realloc(g->heap, cap * sizeof(hent_t));

        if (nh == NULL) {
            abort();    /* as APR does when a pool runs out of memory */
        }
        g->heap = nh;
        g->heap_cap = cap;
    }
    h = g->heap;
    i = g->heap_len++;
    /* ties go to the deeper node (larger g): fewer nodes expanded */
    while (i > 0) {
        apr_size_t up = (i - 1) / 2;

        if (h[up].f < f || (h[up].f == f && h[up].g >= cost)) {
            break;
        }
        h[i] = h[up];
        i = up;
    }
    h[i].f = f;
    h[i].g = cost;
    h[i].v = v;
}

static hent_t heap_pop(tsr_ar_grid_t *g)
{
    hent_t *h = g->heap, top = h[0], last = h[--g->heap_len];
    apr_size_t i = 0, n = g->heap_len;

    for (;;) {
        apr_size_t l = 2 * i + 1, r = l + 1, m = l;

        if (l >= n) {
            break;
        }
        if (r < n && (h[r].f < h[l].f
                      || (h[r].f == h[l].f && h[r].g > h[l].g))) {
            m = r;
        }
        if (last.f < h[m].f || (last.f == h[m].f && last.g >= h[m].g)) {
            break;
        }
        h[i] = h[m];
        i = m;
    }
    h[i] = last;
    return top;
}

static int is_target(const tsr_ar_query_t *q, apr_uint32_t v)
{
    int lo = 0, hi = q->ndst - 1;

    while (lo <= hi) {
        int mid = (lo + hi) / 2;

        if (q->dst[mid] == v) {
            return 1;
        }
        if (q->dst[mid] < v) {
            lo = mid + 1;
        }
        else {
            hi = mid - 1;
        }
    }
    return 0;
}

static apr_uint32_t heur(const tsr_ar_grid_t *g, const tsr_ar_query_t *q,
                         int x, int y, int l)
{
    double dx = fabs(x - q->tx), dy = fabs(y - q->ty);
    double mx = dx > dy ? dx : dy, mn = dx > dy ? dy : dx;
    double h = (g->cost.step * mx + (g->cost.diag - g->cost.step) * mn)
               * g->cost.weight;

    if (!(q->tlayers & (1u << l))) {
        h += g->cost.via;
    }
    return (apr_uint32_t)h;
}

/* The extra cost of standing on node v: history, and in a soft search the
 * copper of other nets. */
static apr_uint32_t node_extra(const tsr_ar_grid_t *g, apr_size_t v,
                               int soft)
{
    apr_uint32_t x = g->extra[v];

    if (soft && g->tr[v] >= 0x10000u) {
        x += g->cost.conflict * (1 + g->hist[v]);
    }
    return x;
}

/* Same-net vias must keep their drills apart (or share the spot): against
 * the net's vias and those a few steps back on this path. */
static int via_spacing_ok(const tsr_ar_grid_t *g, const tsr_ar_query_t *q,
                          apr_uint32_t v)
{
    const tsr_ar_rules_t *r = &g->board->rules;
    double need = r->via_hole + r->via_hole_gap + 1e-3;
    apr_size_t c = v % g->n;
    tsr_ar_pt_t at = tsr_ar_grid_xy(g, c), o;
    int i, steps;

    for (i = 0; i < q->nown_vias; i++) {
        double d = hypot(at.x - q->own_vias[i].x, at.y - q->own_vias[i].y);

        if (d > 1e-6 && d < need) {
            return 0;
        }
    }
    for (steps = 0; steps < 8; steps++) {
        unsigned f = g->ns[v].tag & 0x7f;

        if (f == FROM_SOURCE) {
            break;
        }
        if ((f & 15) == FROM_VIA) {
            if (v % g->n != c) {
                o = tsr_ar_grid_xy(g, v % g->n);
                if (hypot(at.x - o.x, at.y - o.y) < need) {
                    return 0;
                }
            }
            v = (apr_uint32_t)((f >> 4) * g->n + v % g->n);
        }
        else {
            v -= (apr_uint32_t)(dxs[f] + dys[f] * g->w);
        }
    }
    return 1;
}

static void relax(tsr_ar_grid_t *g, const tsr_ar_query_t *q,
                  apr_uint32_t u, apr_uint32_t cost, unsigned from, int x,
                  int y, int l)
{
    struct tsr_ar_node_t *s = &g->ns[u];

    if ((s->tag >> 8) == g->gen && (s->g <= cost || (s->tag & CLOSED))) {
        return;
    }
    s->g = cost;
    s->tag = (g->gen << 8) | from;
    heap_push(g, cost + heur(g, q, x, y, l), cost, u);
}

/* The next search generation; all tags are cleared when it wraps. */
static void next_gen(tsr_ar_grid_t *g)
{
    if (++g->gen >= (1u << 24)) {
        memset(g->ns, 0, g->n * g->nl * sizeof(*g->ns));
        g->gen = 1;
    }
}

/* Flood from one side (strict legality, in the window) up to cap nodes.
 * 0 when the flood ran out without meeting the other side: no path. */
static int flood(tsr_ar_grid_t *g, const tsr_ar_query_t *q,
                 const apr_uint32_t *from, int nfrom,
                 const apr_uint32_t *to, int nto, apr_size_t cap)
{
    apr_size_t n = g->n, head = 0, tail = 0;
    apr_uint32_t *fifo;
    int i, d, m;

    next_gen(g);
    /* mark the other side, then flood until touching it */
    for (i = 0; i < nto; i++) {
        g->ns[to[i]].tag = g->gen << 8;
        g->ns[to[i]].g = 1;
    }
    if (g->heap_cap < cap + 16) {
        void *nh = realloc(g->heap, (cap + 16) * sizeof(hent_t));

        if (nh == NULL) {
            abort();
        }
        g->heap = nh;
        g->heap_cap = cap + 16;
    }
    fifo = g->heap;     /* the heap's memory is free between searches */
    for (i = 0; i < nfrom; i++) {
        apr_uint32_t v = from[i];

        if ((g->ns[v].tag >> 8) == g->gen) {
            return 1;
        }
        if (tsr_ar_grid_node_ok(g, q->net, v, 0)) {
            g->ns[v].tag = g->gen << 8;
            g->ns[v].g = 0;
            fifo[tail++] = v;
        }
    }
    while (head < tail) {
        apr_uint32_t v = fifo[head++];
        apr_size_t c = v % n;
        int x = (int)(c % g->w), y = (int)(c / g->w), l = (int)(v / n);

        for (d = 0; d < 8 + g->nl; d++) {
            apr_uint32_t u;

            if (d < 8) {
                int nx = x + dxs[d], ny = y + dys[d];

                if (nx < q->wx0 || nx > q->wx1 || ny < q->wy0
                    || ny > q->wy1) {
                    continue;
                }
                u = (apr_uint32_t)((long)v + dxs[d] + (long)dys[d] * g->w);
            }
            else {
                m = d - 8;
                if (m == l || !tsr_ar_grid_via_ok(g, q->net, c, 0)) {
                    continue;
                }
                u = (apr_uint32_t)(m * n + c);
            }
            if ((g->ns[u].tag >> 8) == g->gen) {
                if (g->ns[u].g == 1) {
                    return 1;
                }
                continue;
            }
            if (!tsr_ar_grid_node_ok(g, q->net, u, 0)) {
                continue;
            }
            if (tail >= cap) {
                return 1;   /* too big to tell */
            }
            g->ns[u].tag = g->gen << 8;
            g->ns[u].g = 0;
            fifo[tail++] = u;
        }
    }
    return 0;
}

/* A* proper: 1 found, 0 no path, -1 stopped, 2 cap expansions spent. */
static int astar(tsr_ar_grid_t *g, const tsr_ar_query_t *q,
                 apr_array_header_t *path, apr_size_t cap)
{
    const tsr_ar_costs_t *k = &g->cost;
    apr_size_t n = g->n, count = 0;
    int i, d;

    next_gen(g);
    g->heap_len = 0;
    for (i = 0; i < q->nsrc; i++) {
        apr_uint32_t v = q->src[i], cost;
        apr_size_t c = v % n;

        if (!tsr_ar_grid_node_ok(g, q->net, v, q->soft)) {
            continue;
        }
        cost = q->src_cost[i] + node_extra(g, v, q->soft);
        relax(g, q, v, cost, FROM_SOURCE, (int)(c % g->w), (int)(c / g->w),
              (int)(v / n));
    }
    while (g->heap_len > 0) {
        hent_t e = heap_pop(g);
        apr_uint32_t v = e.v;
        apr_size_t c;
        unsigned arr;
        int x, y, l;

        if (e.g != g->ns[v].g || (g->ns[v].tag & CLOSED)) {
            continue;
        }
        if (is_target(q, v)) {
            apr_size_t start = path->nelts, a, b;

            for (;;) {
                unsigned f = g->ns[v].tag & 0x7f;

                APR_ARRAY_PUSH(path, apr_uint32_t) = v;
                if (f == FROM_SOURCE) {
                    break;
                }
                if ((f & 15) == FROM_VIA) {
                    v = (apr_uint32_t)((f >> 4) * n + v % n);
                }
                else {
                    v -= (apr_uint32_t)(dxs[f] + dys[f] * g->w);
                }
            }
            for (a = start, b = path->nelts - 1; a < b; a++, b--) {
                apr_uint32_t t = APR_ARRAY_IDX(path, a, apr_uint32_t);

                APR_ARRAY_IDX(path, a, apr_uint32_t) =
                    APR_ARRAY_IDX(path, b, apr_uint32_t);
                APR_ARRAY_IDX(path, b, apr_uint32_t) = t;
            }
            return 1;
        }
        if (++count > cap) {
            return 2;
        }
        if ((count & 4095) == 0 && q->stop != NULL && q->stop(q->baton)) {
            return -1;
        }
        g->expanded++;
        l = (int)(v / n);
        c = v % n;
        x = (int)(c % g->w);
        y = (int)(c / g->w);
        arr = g->ns[v].tag & 0x7f;
        g->ns[v].tag |= CLOSED;
        for (d = 0; d < 8; d++) {
            int nx = x + dxs[d], ny = y + dys[d], turn;
            apr_uint32_t u, cost;

            if (nx < q->wx0 || nx > q->wx1 || ny < q->wy0 || ny > q->wy1) {
                continue;
            }
            cost = e.g + ((d & 1) ? k->diag : k->step);
            if (arr < 8) {
                turn = (d - (int)arr) & 7;
                turn = turn > 4 ? 8 - turn : turn;
                if (turn == 4) {
                    continue;
                }
                cost += turn == 1 ? k->bend45 : turn == 2 ? k->bend90
                        : turn == 3 ? k->bend135 : 0;
            }
            u = (apr_uint32_t)((long)v + dxs[d] + (long)dys[d] * g->w);
            if (!tsr_ar_grid_node_ok(g, q->net, u, q->soft)) {
                continue;
            }
            relax(g, q, u, cost + node_extra(g, u, q->soft), (unsigned)d,
                  nx, ny, l);
        }
        if (g->nl > 1 && tsr_ar_grid_via_ok(g, q->net, c, q->soft)
            && via_spacing_ok(g, q, v)) {
            apr_uint32_t vcost = e.g + k->via;
            int m;

            if (q->soft) {
                for (m = 0; m < g->nl; m++) {
                    if (g->dy_vi[m * n + c] != 0) {
                        vcost += k->conflict;
                        break;
                    }
                }
            }
            for (m = 0; m < g->nl; m++) {
                apr_uint32_t u = (apr_uint32_t)(m * n + c);

                if (m == l || !tsr_ar_grid_node_ok(g, q->net, u, q->soft)) {
                    continue;
                }
                relax(g, q, u, vcost + node_extra(g, u, q->soft),
                      FROM_VIA + 16u * (unsigned)l, x, y, m);
            }
        }
    }
    return 0;
}

int tsr_ar_grid_search(tsr_ar_grid_t *g, const tsr_ar_query_t *q,
                       apr_array_header_t *path)
{
    apr_size_t first = 20000;
    int rv;

    rv = astar(g, q, path, q->soft || q->max_expand <= first ? q->max_expand
                                                             : first);
    if (rv != 2 || q->soft || q->max_expand <= first) {
        return rv == 2 ? 0 : rv;
    }
    /* A strict search that cannot succeed floods everything it can reach.
     * Before going on, make sure neither end is walled in. */
    if (!flood(g, q, q->dst, q->ndst, q->src, q->nsrc, 4000)
        || !flood(g, q, q->src, q->nsrc, q->dst, q->ndst,
                  4000 + (apr_size_t)q->nsrc)) {
        return 0;
    }
    rv = astar(g, q, path, q->max_expand);
    return rv == 2 ? 0 : rv;
}
