/* tsr_autoroute_board: Circuit JSON to the routing problem.  Connectivity is
 * by id, as circuit-json-to-connectivity-map and @tscircuit/checks see it:
 * a source_trace joins its ports and nets, a pcb_port joins its
 * source_port, a pad belongs to its pcb_port. */
#include <math.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include "tsr_json.h"
#include "tsr_autoroute_board.h"

typedef struct ctx_t {
    apr_pool_t *p;
    tsr_error_t **perr;
    tsr_ar_board_t *b;
    apr_hash_t *ids;            /* id string -> 1 + union-find index */
    apr_array_header_t *parent; /* int */
    apr_array_header_t *obs;    /* tsr_ar_obst_t */
    apr_array_header_t *ports;  /* tsr_ar_port_t */
    apr_hash_t *port_ix;        /* pcb_port_id -> 1 + index in ports */
    int *uf_net;                /* union-find root -> net index or -1 */
} ctx_t;

/* ---------- small readers ---------- */

static apr_status_t bad(ctx_t *c, int i, json_object *e, const char *what)
{
    const char *type = tsr_json_str(e, "type");
    const char *id = NULL;
    char key[64];

    if (type != NULL) {
        apr_snprintf(key, sizeof(key), "%s_id", type);
        id = tsr_json_str(e, key);
    }
    return tsr_error_set(c->perr, c->p, 400, "invalid_circuit_json",
                         "element %d (%s%s%s): %s", i,
                         type ? type : "no type", id ? " " : "",
                         id ? id : "", what);
}

/* 1 and *v for a finite number, 0 when absent (or null), -1 otherwise. */
static int num(json_object *o, const char *key, double *v)
{
    json_object *m;

    if (o == NULL || !json_object_object_get_ex(o, key, &m) || m == NULL) {
        return 0;
    }
    if (!json_object_is_type(m, json_type_double)
        && !json_object_is_type(m, json_type_int)) {
        return -1;
    }
    *v = json_object_get_double(m);
    return isfinite(*v) ? 1 : -1;
}

/* A required finite number; a refusal naming key otherwise. */
static apr_status_t need(ctx_t *c, int i, json_object *e, const char *key,
                         double *v)
{
    if (num(e, key, v) != 1) {
        return bad(c, i, e,
                   apr_psprintf(c->p, "%s must be a finite number", key));
    }
    return APR_SUCCESS;
}

/* A required positive size. */
static apr_status_t size(ctx_t *c, int i, json_object *e, const char *key,
                         double *v)
{
    if (num(e, key, v) != 1 || *v <= 0) {
        return bad(c, i, e,
                   apr_psprintf(c->p, "%s must be a positive number", key));
    }
    return APR_SUCCESS;
}

static double num_or(json_object *o, const char *key, double dflt)
{
    double v;

    return num(o, key, &v) == 1 ? v : dflt;
}

static apr_status_t point(ctx_t *c, int i, json_object *e, json_object *pt,
                          tsr_ar_pt_t *out)
{
    if (pt == NULL || num(pt, "x", &out->x) != 1
        || num(pt, "y", &out->y) != 1) {
        return bad(c, i, e, "a point needs finite x and y");
    }
    return APR_SUCCESS;
}

/* The points of the array member key (at least 3). */
static apr_status_t points(ctx_t *c, int i, json_object *e, const char *key,
                           tsr_ar_pt_t **pts, int *n)
{
    json_object *a;
    size_t k, len;
    apr_status_t rv;

    if (!json_object_object_get_ex(e, key, &a)
        || !json_object_is_type(a, json_type_array)
        || (len = json_object_array_length(a)) < 3 || len > 100000) {
        return bad(c, i, e,
                   apr_psprintf(c->p, "%s must be an array of 3 or more "
                                "points", key));
    }
    *pts = apr_palloc(c->p, len * sizeof(**pts));
    for (k = 0; k < len; k++) {
        rv = point(c, i, e, json_object_array_get_idx(a, k), &(*pts)[k]);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    *n = (int)len;
    return APR_SUCCESS;
}

int tsr_ar_board_layer(const tsr_ar_board_t *b, const char *name)
{
    int k;

    if (name == NULL) {
        return -1;
    }
    for (k = 0; k < b->nlayers; k++) {
        if (strcmp(b->layer_names[k], name) == 0) {
            return k;
        }
    }
    return -1;
}

static unsigned all_layers(const tsr_ar_board_t *b)
{
    return (1u << b->nlayers) - 1;
}

/* The layer mask of the string array member key; all layers when absent. */
static apr_status_t layer_list(ctx_t *c, int i, json_object *e,
                               const char *key, unsigned *mask)
{
    json_object *a;
    size_t k, len;
    int l;

    if (!json_object_object_get_ex(e, key, &a) || a == NULL) {
        *mask = all_layers(c->b);
        return APR_SUCCESS;
    }
    if (!json_object_is_type(a, json_type_array)) {
        return bad(c, i, e, apr_psprintf(c->p, "%s must be an array", key));
    }
    *mask = 0;
    len = json_object_array_length(a);
    for (k = 0; k < len; k++) {
        const char *name = tsr_json_cstr(json_object_array_get_idx(a, k));

        l = tsr_ar_board_layer(c->b, name);
        if (l < 0) {
            return bad(c, i, e,
                       apr_psprintf(c->p, "%s names layer \"%s\", which a "
                                    "%d-layer board does not have", key,
                                    name ? name : "?", c->b->nlayers));
        }
        *mask |= 1u << l;
    }
    return APR_SUCCESS;
}

static apr_status_t one_layer(ctx_t *c, int i, json_object *e,
                              const char *key, unsigned *mask)
{
    const char *name = tsr_json_str(e, key);
    int l = tsr_ar_board_layer(c->b, name);

    if (l < 0) {
        return bad(c, i, e,
                   apr_psprintf(c->p, "%s \"%s\" is not a layer of this "
                                "%d-layer board", key, name ? name : "",
                                c->b->nlayers));
    }
    *mask = 1u << l;
    return APR_SUCCESS;
}

/* ---------- union-find over ids ---------- */

static int uf_id(ctx_t *c, const char *id)
{
    int ix = (int)(apr_uintptr_t)apr_hash_get(c->ids, id,
                                              APR_HASH_KEY_STRING);

    if (ix == 0) {
        ix = c->parent->nelts;
        APR_ARRAY_PUSH(c->parent, int) = ix;
        ix++;
        apr_hash_set(c->ids, id, APR_HASH_KEY_STRING,
                     (void *)(apr_uintptr_t)ix);
    }
    return ix - 1;
}

/* The index of a known id, or -1. */
static int uf_known(ctx_t *c, const char *id)
{
    if (id == NULL) {
        return -1;
    }
    return (int)(apr_uintptr_t)apr_hash_get(c->ids, id,
                                            APR_HASH_KEY_STRING) - 1;
}

static int uf_find(ctx_t *c, int a)
{
    int *par = (int *)c->parent->elts;
    int r = a, n;

    while (par[r] != r) {
        r = par[r];
    }
    while (par[a] != r) {
        n = par[a];
        par[a] = r;
        a = n;
    }
    return r;
}

static void uf_union(ctx_t *c, int a, int b)
{
    int *par = (int *)c->parent->elts;
    int ra = uf_find(c, a), rb = uf_find(c, b);

    if (ra != rb) {
        /* the smaller index wins: the result does not depend on hashing */
        if (ra < rb) {
            par[rb] = ra;
        }
        else {
            par[ra] = rb;
        }
    }
}

/* The routed net of an id, or -1. */
static int net_of(ctx_t *c, const char *id)
{
    int ix = uf_known(c, id);

    return ix < 0 ? -1 : c->uf_net[uf_find(c, ix)];
}

/* ---------- the board ---------- */

static const char *const inner_names[] = {
    "inner1", "inner2", "inner3", "inner4", "inner5", "inner6"
};

static apr_status_t read_board(ctx_t *c, int i, json_object *e,
                               const tsr_autoroute_opts_t *opts)
{
    tsr_ar_board_t *b = c->b;
    tsr_ar_rules_t *r = &b->rules;
    json_object *ol;
    double n = 2, w, h;
    tsr_ar_pt_t ctr;
    int k, rv;

    rv = num(e, "num_layers", &n);
    if (rv < 0 || n != floor(n) || n < 1 || n > TSR_AUTOROUTE_MAX_LAYERS) {
        return bad(c, i, e,
                   apr_psprintf(c->p, "num_layers must be a whole number "
                                "from 1 to %d", TSR_AUTOROUTE_MAX_LAYERS));
    }
    b->nlayers = (int)n;
    if (json_object_object_get_ex(e, "outline", &ol) && ol != NULL
        && json_object_is_type(ol, json_type_array)
        && json_object_array_length(ol) > 0) {
        if ((rv = points(c, i, e, "outline", &b->outline, &b->noutline))) {
            return rv;
        }
    }
    else {
        if ((rv = point(c, i, e, tsr_json_obj(e, "center"), &ctr))
            || (rv = size(c, i, e, "width", &w))
            || (rv = size(c, i, e, "height", &h))) {
            return rv;
        }
        b->outline = apr_palloc(c->p, 4 * sizeof(*b->outline));
        b->noutline = 4;
        b->outline[0].x = b->outline[3].x = ctr.x - w / 2;
        b->outline[1].x = b->outline[2].x = ctr.x + w / 2;
        b->outline[0].y = b->outline[1].y = ctr.y - h / 2;
        b->outline[2].y = b->outline[3].y = ctr.y + h / 2;
    }
    b->minx = b->maxx = b->outline[0].x;
    b->miny = b->maxy = b->outline[0].y;
    for (k = 1; k < b->noutline; k++) {
        b->minx = fmin(b->minx, b->outline[k].x);
        b->maxx = fmax(b->maxx, b->outline[k].x);
        b->miny = fmin(b->miny, b->outline[k].y);
        b->maxy = fmax(b->maxy, b->outline[k].y);
    }
    if (b->maxx - b->minx > opts->max_board_mm
        || b->maxy - b->miny > opts->max_board_mm) {
        return tsr_error_set(c->perr, c->p, 413, "board_too_large",
                             "the board is %.1f x %.1f mm; the router takes "
                             "at most %.0f mm a side", b->maxx - b->minx,
                             b->maxy - b->miny, opts->max_board_mm);
    }
    /* The board's own DRC fields win over tscircuit's defaults, but never
     * make a rule looser than zero. */
    r->width = fmax(r->width, num_or(e, "min_trace_width", r->width));
    r->clearance = fmax(0, num_or(e, "min_trace_to_pad_edge_clearance",
                                  r->clearance));
    r->via_pad_clearance =
        fmax(0, num_or(e, "min_pad_edge_to_pad_edge_clearance",
                       r->via_pad_clearance));
    r->hole_clearance = fmax(0, num_or(e, "min_trace_to_hole_edge_clearance",
                                       r->hole_clearance));
    r->edge_clearance = fmax(0, num_or(e, "min_board_edge_clearance",
                                       r->edge_clearance));
    r->via_diameter = fmax(r->via_diameter,
                           num_or(e, "min_via_pad_diameter",
                                  r->via_diameter));
    r->via_hole = fmax(r->via_hole, num_or(e, "min_via_hole_diameter",
                                           r->via_hole));
    r->via_hole_gap =
        fmax(0, num_or(e, "min_via_hole_edge_to_via_hole_edge_clearance",
                       r->via_hole_gap));
    return APR_SUCCESS;
}

static void name_layers(tsr_ar_board_t *b)
{
    int k;

    b->layer_names[0] = "top";
    for (k = 1; k < b->nlayers - 1; k++) {
        b->layer_names[k] = inner_names[k - 1];
    }
    if (b->nlayers > 1) {
        b->layer_names[b->nlayers - 1] = "bottom";
    }
}

/* ---------- obstacles ---------- */

static tsr_ar_obst_t *add_obst(ctx_t *c, tsr_ar_obkind_e kind, unsigned
                               layers, const char *id)
{
    tsr_ar_obst_t *o = apr_array_push(c->obs);
    const tsr_ar_rules_t *r = &c->b->rules;

    memset(o, 0, sizeof(*o));
    o->kind = kind;
    o->layers = layers;
    o->net = -1;
    o->id = id;
    switch (kind) {
    case TSR_AR_OB_HOLE:
        o->clr_trace = o->clr_via = r->hole_clearance;
        break;
    case TSR_AR_OB_CUTOUT:
        o->clr_trace = o->clr_via = r->edge_clearance;
        break;
    case TSR_AR_OB_PAD:
    case TSR_AR_OB_VIA:
        o->clr_trace = r->clearance;
        o->clr_via = r->via_pad_clearance;
        break;
    default:
        o->clr_trace = o->clr_via = r->clearance;
        break;
    }
    return o;
}

static apr_status_t read_smtpad(ctx_t *c, int i, json_object *e)
{
    const char *shape = tsr_json_str(e, "shape");
    tsr_ar_shape_t s;
    double x = 0, y = 0, w, h, rad, rot;
    unsigned layers;
    tsr_ar_obst_t *o;
    tsr_ar_pt_t *pts;
    int n;
    apr_status_t rv;

    if ((rv = one_layer(c, i, e, "layer", &layers))) {
        return rv;
    }
    /* a polygon pad's points are absolute and it may have no x, y */
    if (shape == NULL || strcmp(shape, "polygon") != 0) {
        if ((rv = need(c, i, e, "x", &x)) || (rv = need(c, i, e, "y", &y))) {
            return rv;
        }
    }
    rot = num_or(e, "ccw_rotation", 0);
    if (shape == NULL) {
        return bad(c, i, e, "shape is missing");
    }
    if (strcmp(shape, "circle") == 0) {
        if ((rv = size(c, i, e, "radius", &rad))) {
            return rv;
        }
        tsr_ar_shape_circle(&s, x, y, rad);
    }
    else if (strcmp(shape, "rect") == 0 || strcmp(shape, "rotated_rect") == 0
             || strcmp(shape, "pill") == 0
             || strcmp(shape, "rotated_pill") == 0) {
        if ((rv = size(c, i, e, "width", &w))
            || (rv = size(c, i, e, "height", &h))) {
            return rv;
        }
        if (shape[0] == 'r' && shape[1] == 'e') {
            tsr_ar_shape_rect(&s, x, y, w, h, 0);
        }
        else if (strcmp(shape, "rotated_rect") == 0) {
            tsr_ar_shape_rect(&s, x, y, w, h, rot);
        }
        else {
            tsr_ar_shape_pill(&s, x, y, w, h, rot);
        }
    }
    else if (strcmp(shape, "polygon") == 0) {
        if ((rv = points(c, i, e, "points", &pts, &n))) {
            return rv;
        }
        tsr_ar_shape_bounds(&s, pts, n, 0, 0);
    }
    else {
        return bad(c, i, e, apr_psprintf(c->p, "unknown pad shape \"%s\"",
                                          shape));
    }
    o = add_obst(c, TSR_AR_OB_PAD, layers, tsr_json_str(e, "pcb_smtpad_id"));
    o->shape = s;
    o->net = -2 - i;    /* resolved to its port's net later */
    return APR_SUCCESS;
}

static apr_status_t read_plated_hole(ctx_t *c, int i, json_object *e)
{
    const char *shape = tsr_json_str(e, "shape");
    tsr_ar_shape_t s;
    double x, y, d, w, h;
    unsigned layers;
    tsr_ar_obst_t *o;
    tsr_ar_pt_t *pts;
    int n;
    apr_status_t rv;

    if ((rv = need(c, i, e, "x", &x)) || (rv = need(c, i, e, "y", &y))
        || (rv = layer_list(c, i, e, "layers", &layers))) {
        return rv;
    }
    if (shape == NULL) {
        return bad(c, i, e, "shape is missing");
    }
    if (strcmp(shape, "circle") == 0) {
        if ((rv = size(c, i, e, "outer_diameter", &d))) {
            return rv;
        }
        tsr_ar_shape_circle(&s, x, y, d / 2);
    }
    else if (strcmp(shape, "oval") == 0 || strcmp(shape, "pill") == 0) {
        if ((rv = size(c, i, e, "outer_width", &w))
            || (rv = size(c, i, e, "outer_height", &h))) {
            return rv;
        }
        tsr_ar_shape_pill(&s, x, y, w, h, num_or(e, "ccw_rotation", 0));
    }
    else if (strstr(shape, "_with_rect_pad") != NULL) {
        if ((rv = size(c, i, e, "rect_pad_width", &w))
            || (rv = size(c, i, e, "rect_pad_height", &h))) {
            return rv;
        }
        tsr_ar_shape_rect(&s, x, y, w, h,
                          num_or(e, "rect_ccw_rotation",
                                 num_or(e, "ccw_rotation", 0)));
    }
    else if (strcmp(shape, "hole_with_polygon_pad") == 0) {
        if ((rv = points(c, i, e, "pad_outline", &pts, &n))) {
            return rv;
        }
        tsr_ar_shape_bounds(&s, pts, n, x, y);
    }
    else {
        return bad(c, i, e,
                   apr_psprintf(c->p, "unknown plated hole shape \"%s\"",
                                shape));
    }
    o = add_obst(c, TSR_AR_OB_PAD, layers,
                 tsr_json_str(e, "pcb_plated_hole_id"));
    o->shape = s;
    o->net = -2 - i;
    return APR_SUCCESS;
}

static apr_status_t read_hole(ctx_t *c, int i, json_object *e)
{
    const char *shape = tsr_json_str(e, "hole_shape");
    double x, y, d, w, h;
    tsr_ar_obst_t *o;
    apr_status_t rv;

    if ((rv = need(c, i, e, "x", &x)) || (rv = need(c, i, e, "y", &y))) {
        return rv;
    }
    o = add_obst(c, TSR_AR_OB_HOLE, all_layers(c->b),
                 tsr_json_str(e, "pcb_hole_id"));
    if (num(e, "hole_diameter", &d) == 1 && d > 0) {
        if (shape != NULL && strcmp(shape, "square") == 0) {
            tsr_ar_shape_rect(&o->shape, x, y, d, d, 0);
        }
        else {
            tsr_ar_shape_circle(&o->shape, x, y, d / 2);
        }
        return APR_SUCCESS;
    }
    if ((rv = size(c, i, e, "hole_width", &w))
        || (rv = size(c, i, e, "hole_height", &h))) {
        return rv;
    }
    if (shape != NULL && strcmp(shape, "rect") == 0) {
        tsr_ar_shape_rect(&o->shape, x, y, w, h,
                          num_or(e, "ccw_rotation", 0));
    }
    else {
        tsr_ar_shape_pill(&o->shape, x, y, w, h,
                          num_or(e, "ccw_rotation", 0));
    }
    return APR_SUCCESS;
}

/* Keep-outs and cut-outs: rect, circle or a polygon (as its bounds).
 * Keep-outs are taken as their bounds, as @tscircuit/checks measures
 * them. */
static apr_status_t read_area(ctx_t *c, int i, json_object *e,
                              tsr_ar_obkind_e kind, const char *idkey)
{
    const char *shape = tsr_json_str(e, "shape");
    tsr_ar_pt_t ctr, *pts;
    double w, h, rad;
    unsigned layers;
    tsr_ar_obst_t *o;
    int n;
    apr_status_t rv;

    if (kind == TSR_AR_OB_KEEPOUT) {
        json_object *m;

        if ((json_object_object_get_ex(e, "warning_only", &m)
             && json_object_get_boolean(m))
            || (json_object_object_get_ex(e, "allow_traces", &m)
                && json_object_get_boolean(m))) {
            return APR_SUCCESS;
        }
        if ((rv = layer_list(c, i, e, "layers", &layers))) {
            return rv;
        }
    }
    else {
        layers = all_layers(c->b);
    }
    o = add_obst(c, kind, layers, tsr_json_str(e, idkey));
    if (shape != NULL && strcmp(shape, "circle") == 0) {
        if ((rv = point(c, i, e, tsr_json_obj(e, "center"), &ctr))
            || (rv = size(c, i, e, "radius", &rad))) {
            return rv;
        }
        if (kind == TSR_AR_OB_KEEPOUT) {
            tsr_ar_shape_rect(&o->shape, ctr.x, ctr.y, 2 * rad, 2 * rad, 0);
        }
        else {
            tsr_ar_shape_circle(&o->shape, ctr.x, ctr.y, rad);
        }
    }
    else if (shape != NULL && (strcmp(shape, "polygon") == 0
                               || strcmp(shape, "outline") == 0)) {
        if ((rv = points(c, i, e, shape[0] == 'p' ? "points" : "outline",
                         &pts, &n))) {
            return rv;
        }
        tsr_ar_shape_bounds(&o->shape, pts, n, 0, 0);
    }
    else {
        if ((rv = point(c, i, e, tsr_json_obj(e, "center"), &ctr))
            || (rv = size(c, i, e, "width", &w))
            || (rv = size(c, i, e, "height", &h))) {
            return rv;
        }
        tsr_ar_shape_rect(&o->shape, ctr.x, ctr.y, w, h,
                          kind == TSR_AR_OB_KEEPOUT ? 0
                          : num_or(e, "rotation", 0));
        if (kind == TSR_AR_OB_KEEPOUT) {
            /* bounds, whatever rotation it claims */
            tsr_ar_shape_rect(&o->shape, ctr.x, ctr.y, w, h, 0);
        }
    }
    return APR_SUCCESS;
}

static apr_status_t read_pour(ctx_t *c, int i, json_object *e)
{
    tsr_ar_pt_t *pts, ctr;
    double w, h;
    unsigned layers;
    tsr_ar_obst_t *o;
    int n;
    apr_status_t rv;

    if ((rv = one_layer(c, i, e, "layer", &layers))) {
        return rv;
    }
    o = add_obst(c, TSR_AR_OB_POUR, layers,
                 tsr_json_str(e, "pcb_copper_pour_id"));
    o->net = -2 - i;
    if (json_object_object_get_ex(e, "points", NULL)) {
        if ((rv = points(c, i, e, "points", &pts, &n))) {
            return rv;
        }
        tsr_ar_shape_bounds(&o->shape, pts, n, 0, 0);
        return APR_SUCCESS;
    }
    if ((rv = point(c, i, e, tsr_json_obj(e, "center"), &ctr))
        || (rv = size(c, i, e, "width", &w))
        || (rv = size(c, i, e, "height", &h))) {
        return rv;
    }
    tsr_ar_shape_rect(&o->shape, ctr.x, ctr.y, w, h,
                      num_or(e, "rotation", 0));
    return APR_SUCCESS;
}

/* An existing via: copper on its layers, with its drill. */
static void add_via(ctx_t *c, double x, double y, double od, double hole,
                    unsigned layers, const char *id, int mark)
{
    tsr_ar_obst_t *o = add_obst(c, TSR_AR_OB_VIA, layers, id);

    tsr_ar_shape_circle(&o->shape, x, y, od / 2);
    o->hole = hole;
    o->net = mark;
}

/* Existing traces: each wire segment and each via point is an obstacle of
 * the trace's net (resolved after the nets are known). */
static apr_status_t read_trace(ctx_t *c, int i, json_object *e)
{
    json_object *route, *pt, *nx;
    size_t k, len;
    const tsr_ar_rules_t *r = &c->b->rules;

    if (!json_object_object_get_ex(e, "route", &route)
        || !json_object_is_type(route, json_type_array)) {
        return bad(c, i, e, "route must be an array");
    }
    len = json_object_array_length(route);
    for (k = 0; k < len; k++) {
        const char *rt, *l1, *l2;
        tsr_ar_pt_t a, b;
        double w;
        unsigned m1, m2;
        apr_status_t rv;

        pt = json_object_array_get_idx(route, k);
        rt = tsr_json_str(pt, "route_type");
        if (rt == NULL) {
            return bad(c, i, e, "a route point has no route_type");
        }
        if (strcmp(rt, "via") == 0) {
            if ((rv = point(c, i, e, pt, &a))) {
                return rv;
            }
            add_via(c, a.x, a.y,
                    num_or(pt, "via_diameter",
                           num_or(pt, "outer_diameter", r->via_diameter)),
                    num_or(pt, "via_hole_diameter",
                           num_or(pt, "hole_diameter", r->via_hole)),
                    all_layers(c->b), tsr_json_str(e, "pcb_trace_id"),
                    -2 - i);
            continue;
        }
        if (strcmp(rt, "wire") != 0 || k + 1 >= len) {
            continue;
        }
        nx = json_object_array_get_idx(route, k + 1);
        if (tsr_json_str(nx, "route_type") == NULL
            || strcmp(tsr_json_str(nx, "route_type"), "wire") != 0) {
            continue;
        }
        l1 = tsr_json_str(pt, "layer");
        l2 = tsr_json_str(nx, "layer");
        if ((rv = point(c, i, e, pt, &a)) || (rv = point(c, i, e, nx, &b))
            || (rv = one_layer(c, i, pt, "layer", &m1))
            || (rv = one_layer(c, i, nx, "layer", &m2))) {
            return rv;
        }
        if (strcmp(l1, l2) != 0) {
            continue;
        }
        w = fmax(num_or(pt, "width", 0.1), num_or(nx, "width", 0.1));
        {
            tsr_ar_obst_t *o = add_obst(c, TSR_AR_OB_TRACE, m1,
                                        tsr_json_str(e, "pcb_trace_id"));

            tsr_ar_shape_capsule(&o->shape, a, b, w / 2);
            o->net = -2 - i;
        }
    }
    return APR_SUCCESS;
}

/* ---------- ports and nets ---------- */

static apr_status_t read_port(ctx_t *c, int i, json_object *e)
{
    tsr_ar_port_t *pt;
    const char *id = tsr_json_str(e, "pcb_port_id");
    apr_status_t rv;

    if (id == NULL) {
        return bad(c, i, e, "pcb_port_id is missing");
    }
    if (apr_hash_get(c->port_ix, id, APR_HASH_KEY_STRING) != NULL) {
        return bad(c, i, e, "the pcb_port_id is used twice");
    }
    pt = apr_array_push(c->ports);
    memset(pt, 0, sizeof(*pt));
    pt->id = id;
    pt->pad = -1;
    pt->net = -1;
    if ((rv = need(c, i, e, "x", &pt->at.x))
        || (rv = need(c, i, e, "y", &pt->at.y))
        || (rv = layer_list(c, i, e, "layers", &pt->layers))) {
        return rv;
    }
    apr_hash_set(c->port_ix, id, APR_HASH_KEY_STRING,
                 (void *)(apr_uintptr_t)c->ports->nelts);
    uf_id(c, id);
    if (tsr_json_str(e, "source_port_id") != NULL) {
        uf_union(c, uf_id(c, id),
                 uf_id(c, tsr_json_str(e, "source_port_id")));
    }
    return APR_SUCCESS;
}

static apr_status_t read_source_trace(ctx_t *c, int i, json_object *e)
{
    const char *id = tsr_json_str(e, "source_trace_id");
    const char *keys[2] = { "connected_source_port_ids",
                            "connected_source_net_ids" };
    json_object *a;
    size_t k, len;
    int j, me;

    if (id == NULL) {
        return bad(c, i, e, "source_trace_id is missing");
    }
    me = uf_id(c, id);
    for (j = 0; j < 2; j++) {
        if (!json_object_object_get_ex(e, keys[j], &a) || a == NULL) {
            continue;
        }
        if (!json_object_is_type(a, json_type_array)) {
            return bad(c, i, e, apr_psprintf(c->p, "%s must be an array",
                                             keys[j]));
        }
        len = json_object_array_length(a);
        for (k = 0; k < len; k++) {
            const char *s = tsr_json_cstr(json_object_array_get_idx(a, k));

            if (s == NULL) {
                return bad(c, i, e, apr_psprintf(c->p, "%s must hold "
                                                 "strings", keys[j]));
            }
            uf_union(c, me, uf_id(c, s));
        }
    }
    return APR_SUCCESS;
}

/* The union-find index of whatever an existing trace belongs to: its
 * source trace, else a port its route names; -1 when nothing. */
static int trace_root(ctx_t *c, json_object *e, unsigned char *touched)
{
    json_object *route, *pt;
    size_t k, len;
    int ix = uf_known(c, tsr_json_str(e, "source_trace_id"));
    const char *keys[2] = { "start_pcb_port_id", "end_pcb_port_id" };
    int j;

    if (!json_object_object_get_ex(e, "route", &route)
        || !json_object_is_type(route, json_type_array)) {
        return ix < 0 ? -1 : uf_find(c, ix);
    }
    len = json_object_array_length(route);
    for (k = 0; k < len; k++) {
        pt = json_object_array_get_idx(route, k);
        for (j = 0; j < 2; j++) {
            const char *pid = tsr_json_str(pt, keys[j]);
            apr_uintptr_t px;

            if (pid == NULL) {
                continue;
            }
            px = (apr_uintptr_t)apr_hash_get(c->port_ix, pid,
                                             APR_HASH_KEY_STRING);
            if (px != 0) {
                touched[px - 1] = 1;
                if (ix < 0) {
                    ix = uf_known(c, pid);
                }
            }
        }
    }
    return ix < 0 ? -1 : uf_find(c, ix);
}

/* Group the ports into nets.  A net is routed when it has two or more
 * ports, some source_trace belongs to it, it is in the subcircuit asked
 * for, and its ports are not all ends of traces that are already there. */
static apr_status_t make_nets(ctx_t *c, json_object *circuit,
                              const tsr_autoroute_opts_t *opts)
{
    tsr_ar_board_t *b = c->b;
    int nids = c->parent->nelts, nports = c->ports->nelts;
    int *count = apr_pcalloc(c->p, nids * sizeof(int));
    unsigned char *traced = apr_pcalloc(c->p, nids);
    unsigned char *insub = apr_pcalloc(c->p, nids);
    unsigned char *prerouted = apr_pcalloc(c->p, nids);
    unsigned char *touched = apr_pcalloc(c->p, nports + 1);
    unsigned char *hastrace = apr_pcalloc(c->p, nids);
    const char **name = apr_pcalloc(c->p, nids * sizeof(char *));
    const char **stid = apr_pcalloc(c->p, nids * sizeof(char *));
    tsr_ar_port_t *ports = (tsr_ar_port_t *)c->ports->elts;
    size_t k, len = json_object_array_length(circuit);
    int i, r, n;

    for (k = 0; k < len; k++) {
        json_object *e = json_object_array_get_idx(circuit, k);
        const char *type = tsr_json_str(e, "type"), *sub;
        int ix;

        if (type == NULL) {
            continue;
        }
        sub = tsr_json_str(e, "subcircuit_id");
        if (strcmp(type, "source_trace") == 0) {
            ix = uf_known(c, tsr_json_str(e, "source_trace_id"));
            r = uf_find(c, ix);
            traced[r] = 1;
            if (stid[r] == NULL) {
                stid[r] = tsr_json_str(e, "source_trace_id");
            }
            if (name[r] == NULL) {
                json_object *a;

                if (json_object_object_get_ex(e, "connected_source_net_ids",
                                              &a)
                    && json_object_is_type(a, json_type_array)
                    && json_object_array_length(a) > 0) {
                    name[r] = tsr_json_cstr(json_object_array_get_idx(a, 0));
                }
            }
        }
        else if (strcmp(type, "pcb_trace") == 0) {
            ix = trace_root(c, e, touched);
            if (ix >= 0) {
                hastrace[ix] = 1;
            }
        }
        if (sub != NULL && opts->subcircuit_id != NULL
            && strcmp(sub, opts->subcircuit_id) == 0) {
            const char *keys[4] = { "source_trace_id", "source_port_id",
                                    "pcb_port_id", "source_net_id" };
            int j;

            for (j = 0; j < 4; j++) {
                ix = uf_known(c, tsr_json_str(e, keys[j]));
                if (ix >= 0) {
                    insub[uf_find(c, ix)] = 1;
                }
            }
        }
    }
    for (i = 0; i < nports; i++) {
        r = uf_find(c, uf_known(c, ports[i].id));
        count[r]++;
        if (!touched[i]) {
            prerouted[r] = 2;   /* a port no existing trace ends on */
        }
    }
    c->uf_net = apr_palloc(c->p, nids * sizeof(int));
    for (i = 0; i < nids; i++) {
        c->uf_net[i] = -1;
    }
    b->nets = apr_pcalloc(c->p, (nports / 2 + 1) * sizeof(*b->nets));
    b->nnets = 0;
    for (i = 0; i < nports; i++) {
        tsr_ar_net_t *net;

        r = uf_find(c, uf_known(c, ports[i].id));
        if (c->uf_net[r] >= 0) {
            net = &b->nets[c->uf_net[r]];
            net->ports[net->nports++] = i;
            ports[i].net = c->uf_net[r];
            continue;
        }
        if (count[r] < 2 || !traced[r] || c->uf_net[r] == -2
            || (opts->subcircuit_id != NULL && !insub[r])
            || (hastrace[r] && prerouted[r] != 2)) {
            c->uf_net[r] = -2;      /* decided: not routed */
            continue;
        }
        n = b->nnets++;
        c->uf_net[r] = n;
        net = &b->nets[n];
        net->name = name[r] ? name[r] : stid[r];
        net->source_trace_id = stid[r];
        net->ports = apr_palloc(c->p, count[r] * sizeof(int));
        net->ports[0] = i;
        net->nports = 1;
        net->width = b->rules.width;
        ports[i].net = n;
    }
    for (i = 0; i < nids; i++) {
        if (c->uf_net[i] < -1) {
            c->uf_net[i] = -1;
        }
    }
    return APR_SUCCESS;
}

/* Per-net widths, port source traces and subcircuits from the source
 * elements; pad and trace obstacles get their nets. */
static apr_status_t finish(ctx_t *c, json_object *circuit)
{
    tsr_ar_board_t *b = c->b;
    tsr_ar_port_t *ports = (tsr_ar_port_t *)c->ports->elts;
    tsr_ar_obst_t *obs = (tsr_ar_obst_t *)c->obs->elts;
    apr_hash_t *sp_trace = apr_hash_make(c->p);
    size_t k, len = json_object_array_length(circuit);
    int i;

    for (k = 0; k < len; k++) {
        json_object *e = json_object_array_get_idx(circuit, k), *a;
        const char *type = tsr_json_str(e, "type");
        double w;
        int n;

        if (type == NULL) {
            continue;
        }
        if (strcmp(type, "source_trace") == 0) {
            n = net_of(c, tsr_json_str(e, "source_trace_id"));
            if (n >= 0 && num(e, "min_trace_thickness", &w) == 1) {
                b->nets[n].width = fmax(b->nets[n].width, w);
            }
            if (n >= 0 && b->nets[n].subcircuit_id == NULL) {
                b->nets[n].subcircuit_id = tsr_json_str(e, "subcircuit_id");
            }
            if (json_object_object_get_ex(e, "connected_source_port_ids",
                                          &a)
                && json_object_is_type(a, json_type_array)) {
                size_t q;

                for (q = 0; q < json_object_array_length(a); q++) {
                    const char *sp = tsr_json_cstr(
                        json_object_array_get_idx(a, q));

                    if (sp != NULL && apr_hash_get(sp_trace, sp,
                                                   APR_HASH_KEY_STRING)
                                      == NULL) {
                        apr_hash_set(sp_trace, sp, APR_HASH_KEY_STRING,
                                     tsr_json_str(e, "source_trace_id"));
                    }
                }
            }
        }
        else if (strcmp(type, "source_net") == 0) {
            n = net_of(c, tsr_json_str(e, "source_net_id"));
            if (n >= 0 && num(e, "trace_width", &w) == 1) {
                b->nets[n].width = fmax(b->nets[n].width, w);
            }
        }
        else if (strcmp(type, "pcb_port") == 0) {
            const char *sp = tsr_json_str(e, "source_port_id");
            apr_uintptr_t px = (apr_uintptr_t)apr_hash_get(
                c->port_ix, tsr_json_str(e, "pcb_port_id"),
                APR_HASH_KEY_STRING);

            if (sp != NULL && px != 0) {
                ports[px - 1].source_trace_id =
                    apr_hash_get(sp_trace, sp, APR_HASH_KEY_STRING);
            }
        }
    }
    /* Pads and pours: their port's (or net's) net; traces: their root's.
     * The element an obstacle came from is -2 - net. */
    for (i = 0; i < c->obs->nelts; i++) {
        json_object *e;
        const char *pid;
        apr_uintptr_t px;

        if (obs[i].net >= -1) {
            continue;
        }
        e = json_object_array_get_idx(circuit, (size_t)(-2 - obs[i].net));
        obs[i].net = -1;
        if (obs[i].kind == TSR_AR_OB_PAD) {
            pid = tsr_json_str(e, "pcb_port_id");
            px = pid ? (apr_uintptr_t)apr_hash_get(c->port_ix, pid,
                                                   APR_HASH_KEY_STRING) : 0;
            if (px != 0) {
                obs[i].net = ports[px - 1].net;
                if (ports[px - 1].pad < 0) {
                    ports[px - 1].pad = i;
                }
            }
        }
        else if (obs[i].kind == TSR_AR_OB_POUR) {
            obs[i].net = net_of(c, tsr_json_str(e, "source_net_id"));
        }
        else {
            int root = -1;

            if (tsr_json_str(e, "source_trace_id") != NULL) {
                root = uf_known(c, tsr_json_str(e, "source_trace_id"));
            }
            if (root < 0) {
                json_object *route, *pt;
                size_t q;

                if (json_object_object_get_ex(e, "route", &route)) {
                    for (q = 0; q < json_object_array_length(route)
                         && root < 0; q++) {
                        pt = json_object_array_get_idx(route, q);
                        root = uf_known(c, tsr_json_str(pt,
                                                        "start_pcb_port_id"));
                        if (root < 0) {
                            root = uf_known(c, tsr_json_str(
                                                   pt, "end_pcb_port_id"));
                        }
                    }
                }
            }
            obs[i].net = root < 0 ? -1 : c->uf_net[uf_find(c, root)];
        }
    }
    /* A port routes on the layers of its pads (what the checks test
     * against), else on the layers it names. */
    {
        unsigned *padl = apr_pcalloc(c->p, (c->ports->nelts + 1)
                                     * sizeof(unsigned));

        for (k = 0; k < len; k++) {
            json_object *e = json_object_array_get_idx(circuit, k);
            const char *type = tsr_json_str(e, "type");
            apr_uintptr_t px;

            if (type == NULL || (strcmp(type, "pcb_smtpad") != 0
                                 && strcmp(type, "pcb_plated_hole") != 0)) {
                continue;
            }
            px = tsr_json_str(e, "pcb_port_id") == NULL ? 0
                 : (apr_uintptr_t)apr_hash_get(
                       c->port_ix, tsr_json_str(e, "pcb_port_id"),
                       APR_HASH_KEY_STRING);
            if (px != 0) {
                unsigned m;

                if (strcmp(type, "pcb_smtpad") == 0) {
                    m = 1u << tsr_ar_board_layer(b, tsr_json_str(e,
                                                                 "layer"));
                }
                else {
                    m = all_layers(b);
                    if (json_object_object_get_ex(e, "layers", NULL)) {
                        (void)layer_list(c, (int)k, e, "layers", &m);
                    }
                }
                padl[px - 1] |= m;
            }
        }
        for (i = 0; i < c->ports->nelts; i++) {
            if (padl[i] != 0) {
                ports[i].layers = padl[i];
            }
        }
    }
    return APR_SUCCESS;
}

/* ---------- the index of obstacles ---------- */

/* The squares an obstacle's bounds cover (with its clearance) */
static void squares(const tsr_ar_board_t *b, double minx, double miny,
                    double maxx, double maxy, int *x0, int *y0, int *x1,
                    int *y1)
{
    *x0 = (int)floor((minx - b->bx0) / b->bsize);
    *y0 = (int)floor((miny - b->by0) / b->bsize);
    *x1 = (int)floor((maxx - b->bx0) / b->bsize);
    *y1 = (int)floor((maxy - b->by0) / b->bsize);
    *x0 = *x0 < 0 ? 0 : *x0 >= b->bw ? b->bw - 1 : *x0;
    *y0 = *y0 < 0 ? 0 : *y0 >= b->bh ? b->bh - 1 : *y0;
    *x1 = *x1 < 0 ? 0 : *x1 >= b->bw ? b->bw - 1 : *x1;
    *y1 = *y1 < 0 ? 0 : *y1 >= b->bh ? b->bh - 1 : *y1;
}

/* Obstacles are filed under the squares their bounds, grown by their own
 * largest clearance, cover; so a query of a box finds every obstacle
 * whose rule could reach into it. */
void tsr_ar_board_index(tsr_ar_board_t *b, apr_pool_t *p)
{
    int i, x, y, x0, y0, x1, y1, total = 0;
    int *fill;

    b->bsize = 2.0;
    b->bx0 = b->minx - 1;
    b->by0 = b->miny - 1;
    b->bw = (int)ceil((b->maxx - b->minx + 2) / b->bsize) + 1;
    b->bh = (int)ceil((b->maxy - b->miny + 2) / b->bsize) + 1;
    b->bk_start = apr_pcalloc(p, ((apr_size_t)b->bw * b->bh + 1)
                                     * sizeof(int));
    fill = apr_pcalloc(p, ((apr_size_t)b->bw * b->bh + 1) * sizeof(int));
    for (i = 0; i < b->nobs; i++) {
        const tsr_ar_obst_t *o = &b->obs[i];
        double g = fmax(o->clr_trace, o->clr_via) + 0.5;

        squares(b, o->shape.minx - g, o->shape.miny - g, o->shape.maxx + g,
                o->shape.maxy + g, &x0, &y0, &x1, &y1);
        for (y = y0; y <= y1; y++) {
            for (x = x0; x <= x1; x++) {
                b->bk_start[(apr_size_t)y * b->bw + x + 1]++;
                total++;
            }
        }
    }
    for (i = 1; i <= b->bw * b->bh; i++) {
        b->bk_start[i] += b->bk_start[i - 1];
    }
    b->bk_items = apr_palloc(p, (total + 1) * sizeof(int));
    for (i = 0; i < b->nobs; i++) {
        const tsr_ar_obst_t *o = &b->obs[i];
        double g = fmax(o->clr_trace, o->clr_via) + 0.5;

        squares(b, o->shape.minx - g, o->shape.miny - g, o->shape.maxx + g,
                o->shape.maxy + g, &x0, &y0, &x1, &y1);
        for (y = y0; y <= y1; y++) {
            for (x = x0; x <= x1; x++) {
                apr_size_t k = (apr_size_t)y * b->bw + x;

                b->bk_items[b->bk_start[k] + fill[k]++] = i;
            }
        }
    }
}

void tsr_ar_board_near(const tsr_ar_board_t *b, double minx, double miny,
                       double maxx, double maxy,
                       int (*fn)(void *baton, int i), void *baton)
{
    int x, y, x0, y0, x1, y1, k;

    squares(b, minx, miny, maxx, maxy, &x0, &y0, &x1, &y1);
    for (y = y0; y <= y1; y++) {
        for (x = x0; x <= x1; x++) {
            apr_size_t sq = (apr_size_t)y * b->bw + x;

            for (k = b->bk_start[sq]; k < b->bk_start[sq + 1]; k++) {
                if (!fn(baton, b->bk_items[k])) {
                    return;
                }
            }
        }
    }
}

apr_status_t tsr_ar_board_read(tsr_ar_board_t **pb, apr_pool_t *p,
                               json_object *circuit,
                               const tsr_autoroute_opts_t *opts,
                               tsr_error_t **perr)
{
    ctx_t ctx, *c = &ctx;
    tsr_ar_board_t *b;
    size_t k, len;
    int i, have_board = 0;
    apr_status_t rv;

    if (circuit == NULL || !json_object_is_type(circuit, json_type_array)) {
        return tsr_error_set(perr, p, 400, "invalid_circuit_json",
                             "the circuit must be a JSON array of elements");
    }
    len = json_object_array_length(circuit);
    if (len > opts->max_elements) {
        return tsr_error_set(perr, p, 413, "too_many_elements",
                             "the circuit has %lu elements; the router takes "
                             "at most %lu", (unsigned long)len,
                             (unsigned long)opts->max_elements);
    }
    memset(c, 0, sizeof(*c));
    c->p = p;
    c->perr = perr;
    c->b = b = apr_pcalloc(p, sizeof(*b));
    c->ids = apr_hash_make(p);
    c->parent = apr_array_make(p, 256, sizeof(int));
    c->obs = apr_array_make(p, 256, sizeof(tsr_ar_obst_t));
    c->ports = apr_array_make(p, 256, sizeof(tsr_ar_port_t));
    c->port_ix = apr_hash_make(p);
    b->nelements = (int)len;
    b->nlayers = 2;
    b->rules.width = 0.15;
    b->rules.clearance = 0.1;
    b->rules.via_pad_clearance = 0.1;
    b->rules.hole_clearance = 0.2;
    b->rules.edge_clearance = 0.2;
    b->rules.via_diameter = 0.3;
    b->rules.via_hole = 0.2;
    b->rules.via_hole_gap = 0.1;

    /* The board first: it says which layers exist. */
    for (k = 0; k < len; k++) {
        json_object *e = json_object_array_get_idx(circuit, k);
        const char *type;

        if (e == NULL || !json_object_is_type(e, json_type_object)
            || (type = tsr_json_str(e, "type")) == NULL) {
            return tsr_error_set(perr, p, 400, "invalid_circuit_json",
                                 "element %lu is not an object with a type",
                                 (unsigned long)k);
        }
        if (!have_board && strcmp(type, "pcb_board") == 0) {
            if ((rv = read_board(c, (int)k, e, opts))) {
                return rv;
            }
            have_board = 1;
        }
    }
    name_layers(b);
    for (k = 0; k < len; k++) {
        json_object *e = json_object_array_get_idx(circuit, k);
        const char *type = tsr_json_str(e, "type");

        i = (int)k;
        rv = APR_SUCCESS;
        if (strcmp(type, "pcb_port") == 0) {
            rv = read_port(c, i, e);
        }
        else if (strcmp(type, "source_trace") == 0) {
            rv = read_source_trace(c, i, e);
        }
        else if (strcmp(type, "pcb_smtpad") == 0) {
            rv = read_smtpad(c, i, e);
        }
        else if (strcmp(type, "pcb_plated_hole") == 0) {
            rv = read_plated_hole(c, i, e);
        }
        else if (strcmp(type, "pcb_hole") == 0) {
            rv = read_hole(c, i, e);
        }
        else if (strcmp(type, "pcb_keepout") == 0) {
            rv = read_area(c, i, e, TSR_AR_OB_KEEPOUT, "pcb_keepout_id");
        }
        else if (strcmp(type, "pcb_cutout") == 0) {
            rv = read_area(c, i, e, TSR_AR_OB_CUTOUT, "pcb_cutout_id");
        }
        else if (strcmp(type, "pcb_trace") == 0) {
            rv = read_trace(c, i, e);
        }
        else if (strcmp(type, "pcb_copper_pour") == 0) {
            rv = read_pour(c, i, e);
        }
        else if (strcmp(type, "pcb_via") == 0) {
            double x, y, od;
            unsigned layers;

            if ((rv = need(c, i, e, "x", &x)) == APR_SUCCESS
                && (rv = need(c, i, e, "y", &y)) == APR_SUCCESS
                && (rv = layer_list(c, i, e, "layers", &layers))
                   == APR_SUCCESS) {
                od = num_or(e, "outer_diameter", b->rules.via_diameter);
                add_via(c, x, y, od, num_or(e, "hole_diameter", od * 2 / 3),
                        layers, tsr_json_str(e, "pcb_via_id"), -1);
            }
        }
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    if ((rv = make_nets(c, circuit, opts)) || (rv = finish(c, circuit))) {
        return rv;
    }
    if (b->nnets > opts->max_nets) {
        return tsr_error_set(perr, p, 413, "too_many_nets",
                             "the circuit has %d nets to route; the router "
                             "takes at most %d", b->nnets, opts->max_nets);
    }
    b->obs = (tsr_ar_obst_t *)c->obs->elts;
    b->nobs = c->obs->nelts;
    b->ports = (tsr_ar_port_t *)c->ports->elts;
    b->nports = c->ports->nelts;

    if (!have_board) {
        /* No board: the extent of everything, plus 1 mm (as tscircuit's
         * own conversion does). */
        double minx = HUGE_VAL, miny = HUGE_VAL, maxx = -HUGE_VAL,
            maxy = -HUGE_VAL;

        for (i = 0; i < b->nobs; i++) {
            minx = fmin(minx, b->obs[i].shape.minx);
            miny = fmin(miny, b->obs[i].shape.miny);
            maxx = fmax(maxx, b->obs[i].shape.maxx);
            maxy = fmax(maxy, b->obs[i].shape.maxy);
        }
        for (i = 0; i < b->nports; i++) {
            minx = fmin(minx, b->ports[i].at.x);
            miny = fmin(miny, b->ports[i].at.y);
            maxx = fmax(maxx, b->ports[i].at.x);
            maxy = fmax(maxy, b->ports[i].at.y);
        }
        if (minx > maxx) {
            minx = miny = -1;
            maxx = maxy = 1;
        }
        b->minx = minx - 1;
        b->miny = miny - 1;
        b->maxx = maxx + 1;
        b->maxy = maxy + 1;
        if (b->maxx - b->minx > opts->max_board_mm
            || b->maxy - b->miny > opts->max_board_mm) {
            return tsr_error_set(perr, p, 413, "board_too_large",
                                 "the circuit spans %.1f x %.1f mm; the "
                                 "router takes at most %.0f mm a side",
                                 b->maxx - b->minx, b->maxy - b->miny,
                                 opts->max_board_mm);
        }
        b->outline = apr_palloc(p, 4 * sizeof(*b->outline));
        b->noutline = 4;
        b->outline[0].x = b->outline[3].x = b->minx;
        b->outline[1].x = b->outline[2].x = b->maxx;
        b->outline[0].y = b->outline[1].y = b->miny;
        b->outline[2].y = b->outline[3].y = b->maxy;
    }
    tsr_ar_board_index(b, p);
    *pb = b;
    return APR_SUCCESS;
}
