/* check_autoroute: the autorouter's geometry (segment, pad, via and board
 * edge clearances, rotated rectangles, polygons as bounds), its reading of
 * Circuit JSON (bad input refused with a reason, limits), and routing:
 * traces that start and end on their ports, keep every clearance, go round
 * what is in the way, use vias where they must, and come out the same
 * every time. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_json.h"
#include "tsr_autoroute.h"
#include "tsr_autoroute_board.h"
#include "tsr_autoroute_drc.h"
#include "tsr_autoroute_geom.h"

#define EPS 1e-9

static tsr_ar_pt_t pt(double x, double y)
{
    tsr_ar_pt_t p;

    p.x = x;
    p.y = y;
    return p;
}

/* ---------- building boards ---------- */

/* printf into the test's pool with the C library: APR's %g writes .5 for
 * 0.5, which is not JSON. */
static const char *cfmt(const char *fmt, ...)
{
    char buf[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return apr_pstrdup(fx_pool, buf);
}

static json_object *jparse(const char *text)
{
    json_object *o = NULL;
    tsr_error_t *err = NULL;

    ck_assert_msg(tsr_json_parse(&o, fx_pool, text, strlen(text),
                                 TSR_JSON_MAX_DEPTH, &err) == APR_SUCCESS,
                  "%s: %s", text, err ? err->message : "?");
    return o;
}

static void add(json_object *cj, const char *text)
{
    json_object_array_add(cj, json_object_get(jparse(text)));
}

static json_object *board(double w, double h, int layers)
{
    json_object *cj = tsr_json_own(fx_pool, json_object_new_array());

    add(cj, cfmt("{\"type\":\"pcb_board\","
                         "\"pcb_board_id\":\"b\",\"center\":{\"x\":0,"
                         "\"y\":0},\"width\":%g,\"height\":%g,"
                         "\"num_layers\":%d}", w, h, layers));
    return cj;
}

/* A port named id at (x, y) with a w x h SMT pad on layer. */
static void smt(json_object *cj, const char *id, double x, double y,
                double w, double h, const char *layer)
{
    add(cj, cfmt("{\"type\":\"source_port\","
                         "\"source_port_id\":\"sp_%s\",\"name\":\"%s\"}",
                         id, id));
    add(cj, cfmt("{\"type\":\"pcb_port\",\"pcb_port_id\":"
                         "\"%s\",\"source_port_id\":\"sp_%s\",\"x\":%g,"
                         "\"y\":%g,\"layers\":[\"%s\"]}", id, id, x, y,
                         layer));
    add(cj, cfmt("{\"type\":\"pcb_smtpad\",\"pcb_smtpad_id\":"
                         "\"pad_%s\",\"shape\":\"rect\",\"x\":%g,\"y\":%g,"
                         "\"width\":%g,\"height\":%g,\"layer\":\"%s\","
                         "\"pcb_port_id\":\"%s\"}", id, x, y, w, h, layer,
                         id));
}

/* A through-hole port (a 1.2 mm round pad on every layer). */
static void tht(json_object *cj, const char *id, double x, double y)
{
    add(cj, cfmt("{\"type\":\"source_port\","
                         "\"source_port_id\":\"sp_%s\",\"name\":\"%s\"}",
                         id, id));
    add(cj, cfmt("{\"type\":\"pcb_port\",\"pcb_port_id\":"
                         "\"%s\",\"source_port_id\":\"sp_%s\",\"x\":%g,"
                         "\"y\":%g}", id, id, x, y));
    add(cj, cfmt("{\"type\":\"pcb_plated_hole\","
                         "\"pcb_plated_hole_id\":\"ph_%s\",\"shape\":"
                         "\"circle\",\"x\":%g,\"y\":%g,\"outer_diameter\":1.2,"
                         "\"hole_diameter\":0.7,\"pcb_port_id\":\"%s\"}", id,
                         x, y, id));
}

/* A pad with no port: in everybody's way. */
static void pad_only(json_object *cj, const char *id, double x, double y,
                     double w, double h)
{
    add(cj, cfmt("{\"type\":\"pcb_smtpad\",\"pcb_smtpad_id\":"
                         "\"%s\",\"shape\":\"rect\",\"x\":%g,\"y\":%g,"
                         "\"width\":%g,\"height\":%g,\"layer\":\"top\"}", id,
                         x, y, w, h));
}

/* A two-port connection a-b. */
static void wire(json_object *cj, const char *id, const char *a,
                 const char *b)
{
    add(cj, cfmt("{\"type\":\"source_trace\","
                         "\"source_trace_id\":\"%s\","
                         "\"connected_source_port_ids\":[\"sp_%s\",\"sp_%s\"],"
                         "\"connected_source_net_ids\":[]}", id, a, b));
}

static tsr_autoroute_result_t *route(json_object *cj,
                                     const tsr_autoroute_opts_t *opts)
{
    tsr_autoroute_result_t *res = NULL;
    tsr_error_t *err = NULL;
    apr_status_t rv = tsr_autoroute_run(&res, fx_pool, cj, opts, &err);

    ck_assert_msg(rv == APR_SUCCESS, "routing failed: %s",
                  err ? err->message : "?");
    return res;
}

static tsr_error_t *refused(json_object *cj,
                            const tsr_autoroute_opts_t *opts, int status)
{
    tsr_autoroute_result_t *res = NULL;
    tsr_error_t *err = NULL;

    ck_assert_refusal(tsr_autoroute_run(&res, fx_pool, cj, opts, &err), err,
                      status);
    ck_assert_ptr_null(res);
    return err;
}

static double num(json_object *o, const char *key)
{
    json_object *v;

    ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
    return json_object_get_double(v);
}

static const char *str(json_object *o, const char *key)
{
    const char *s = tsr_json_str(o, key);

    ck_assert_msg(s != NULL, "no %s", key);
    return s;
}

/* ---------- geometry ---------- */

START_TEST(geom_segments)
{
    /* parallel, 0.25 apart */
    ck_assert_double_eq_tol(tsr_ar_seg_seg_dist(pt(0, 0), pt(5, 0),
                                                pt(1, 0.25), pt(4, 0.25)),
                            0.25, EPS);
    /* crossing, touching at an end, and collinear with a gap */
    ck_assert_double_eq_tol(tsr_ar_seg_seg_dist(pt(0, 0), pt(2, 2),
                                                pt(0, 2), pt(2, 0)), 0, EPS);
    ck_assert_double_eq_tol(tsr_ar_seg_seg_dist(pt(0, 0), pt(1, 0),
                                                pt(1, 0), pt(1, 3)), 0, EPS);
    ck_assert_double_eq_tol(tsr_ar_seg_seg_dist(pt(0, 0), pt(1, 1),
                                                pt(1.5, 1.5), pt(3, 3)),
                            sqrt(0.5), EPS);
    /* a point against a segment: the end, then the middle */
    ck_assert_double_eq_tol(tsr_ar_seg_seg_dist(pt(3, 4), pt(3, 4),
                                                pt(0, 0), pt(0, 0)), 5, EPS);
    ck_assert_double_eq_tol(tsr_ar_pt_seg_dist(pt(1, 1), pt(0, 0),
                                               pt(2, 0)), 1, EPS);
    ck_assert_double_eq_tol(tsr_ar_pt_seg_dist(pt(-3, 4), pt(0, 0),
                                               pt(2, 0)), 5, EPS);
}
END_TEST

START_TEST(geom_pads)
{
    tsr_ar_shape_t s;

    /* a 1 x 0.5 pad: a trace centre line 0.175 above its top edge keeps
     * 0.1 with a 0.15 trace */
    tsr_ar_shape_rect(&s, 0, 0, 1, 0.5, 0);
    ck_assert_double_eq_tol(tsr_ar_seg_shape_dist(pt(-2, 0.425), pt(2, 0.425),
                                                  &s), 0.175, EPS);
    /* beside a corner: the corner counts */
    ck_assert_double_eq_tol(tsr_ar_seg_shape_dist(pt(0.8, 0.55), pt(2, 2),
                                                  &s), hypot(0.3, 0.3),
                            EPS);
    /* through it, and wholly inside it */
    ck_assert_double_eq_tol(tsr_ar_seg_shape_dist(pt(-2, 0), pt(2, 0.1), &s),
                            0, EPS);
    ck_assert_double_eq_tol(tsr_ar_seg_shape_dist(pt(-0.1, 0), pt(0.1, 0),
                                                  &s), 0, EPS);
    /* turned a quarter: now 0.5 wide and 1 tall, exactly */
    tsr_ar_shape_rect(&s, 0, 0, 1, 0.5, 90);
    ck_assert_double_eq_tol(s.maxx, 0.25, EPS);
    ck_assert_double_eq_tol(s.maxy, 0.5, EPS);
    ck_assert_double_eq_tol(tsr_ar_pt_shape_dist(pt(0.4, 0), &s), 0.15, EPS);
    /* turned 45 degrees: a 2 x 2 square's corner points along +x */
    tsr_ar_shape_rect(&s, 0, 0, 2, 2, 45);
    ck_assert_double_eq_tol(s.maxx, sqrt(2), 1e-12);
    ck_assert_double_eq_tol(tsr_ar_pt_shape_dist(pt(sqrt(2) + 0.3, 0), &s),
                            0.3, 1e-12);
    /* (1.2, 1.2) is outside the turned square: its side is x + y = sqrt2 */
    ck_assert_double_eq_tol(tsr_ar_pt_shape_dist(pt(1.2, 1.2), &s),
                            (2.4 - sqrt(2)) / sqrt(2), 1e-12);
    ck_assert_double_eq_tol(tsr_ar_pt_shape_dist(pt(0.9, 0), &s), 0, EPS);
    /* a circle, a pill (capsule along its long side) */
    tsr_ar_shape_circle(&s, 1, 1, 0.5);
    ck_assert_double_eq_tol(tsr_ar_pt_shape_dist(pt(1, 2), &s), 0.5, EPS);
    tsr_ar_shape_pill(&s, 0, 0, 2, 0.6, 0);
    ck_assert_double_eq_tol(tsr_ar_pt_shape_dist(pt(0, 0.5), &s), 0.2, EPS);
    ck_assert_double_eq_tol(tsr_ar_pt_shape_dist(pt(1.2, 0), &s), 0.2, EPS);
    tsr_ar_shape_pill(&s, 0, 0, 2, 0.6, 90);
    ck_assert_double_eq_tol(tsr_ar_pt_shape_dist(pt(0, 1.2), &s), 0.2, EPS);
}
END_TEST

START_TEST(geom_polygon_bounds)
{
    /* an L: its notch is inside the bounds, so it counts as copper */
    tsr_ar_pt_t l[6];
    tsr_ar_shape_t s;

    l[0] = pt(0, 0);
    l[1] = pt(2, 0);
    l[2] = pt(2, 1);
    l[3] = pt(1, 1);
    l[4] = pt(1, 2);
    l[5] = pt(0, 2);
    tsr_ar_shape_bounds(&s, l, 6, 10, 0);
    ck_assert_double_eq_tol(s.minx, 10, EPS);
    ck_assert_double_eq_tol(s.maxx, 12, EPS);
    ck_assert_double_eq_tol(s.maxy, 2, EPS);
    ck_assert_double_eq_tol(tsr_ar_pt_shape_dist(pt(11.5, 1.5), &s), 0, EPS);
    ck_assert_double_eq_tol(tsr_ar_pt_shape_dist(pt(12.3, 1.5), &s), 0.3,
                            EPS);
}
END_TEST

START_TEST(geom_board_edge)
{
    tsr_ar_pt_t sq[4];

    sq[0] = pt(-5, -5);
    sq[1] = pt(5, -5);
    sq[2] = pt(5, 5);
    sq[3] = pt(-5, 5);
    ck_assert(tsr_ar_pt_in_poly(pt(0, 0), sq, 4));
    ck_assert(tsr_ar_pt_in_poly(pt(5, 0), sq, 4));
    ck_assert(!tsr_ar_pt_in_poly(pt(5.01, 0), sq, 4));
    ck_assert_double_eq_tol(tsr_ar_seg_poly_edge_dist(pt(-4, 4.7),
                                                      pt(4, 4.7), sq, 4),
                            0.3, 1e-12);
    ck_assert_double_eq_tol(tsr_ar_seg_poly_edge_dist(pt(0, 0), pt(1, 1), sq,
                                                      4), 4, EPS);
}
END_TEST

/* The rules between two pieces of copper, as @tscircuit/checks states
 * them: 0.1 mm between copper of different nets, 0.1 mm between drills. */
START_TEST(drc_pairs)
{
    tsr_ar_board_t *b;
    tsr_ar_cu_t x, y;
    tsr_autoroute_opts_t opts;
    tsr_error_t *err = NULL;

    tsr_autoroute_opts_init(&opts);
    ck_assert_int_eq(tsr_ar_board_read(&b, fx_pool, board(20, 20, 2), &opts,
                                       &err), APR_SUCCESS);
    /* traces of 0.15: centre lines 0.25 apart are 0.1 apart */
    tsr_ar_cu_seg(&x, b, 0, 0, pt(0, 0), pt(5, 0), 0.15);
    tsr_ar_cu_seg(&y, b, 1, 0, pt(0, 0.25 + 1e-6), pt(5, 0.25 + 1e-6), 0.15);
    ck_assert(tsr_ar_drc_pair_ok(b, &x, &y));
    tsr_ar_cu_seg(&y, b, 1, 0, pt(0, 0.245), pt(5, 0.245), 0.15);
    ck_assert(!tsr_ar_drc_pair_ok(b, &x, &y));
    /* other layer, or the same net: no rule */
    tsr_ar_cu_seg(&y, b, 1, 1, pt(0, 0.1), pt(5, 0.1), 0.15);
    ck_assert(tsr_ar_drc_pair_ok(b, &x, &y));
    tsr_ar_cu_seg(&y, b, 0, 0, pt(0, 0.1), pt(5, 0.1), 0.15);
    ck_assert(tsr_ar_drc_pair_ok(b, &x, &y));
    /* a via (0.3) beside a trace: centre 0.325 from the centre line */
    tsr_ar_cu_via(&y, b, 1, pt(2, 0.325 + 1e-6));
    ck_assert(tsr_ar_drc_pair_ok(b, &x, &y));
    tsr_ar_cu_via(&y, b, 1, pt(2, 0.32));
    ck_assert(!tsr_ar_drc_pair_ok(b, &x, &y));
    /* and on the other layer too: vias go through */
    tsr_ar_cu_seg(&x, b, 0, 1, pt(0, 0), pt(5, 0), 0.15);
    ck_assert(!tsr_ar_drc_pair_ok(b, &x, &y));
    /* vias of two nets: 0.4 between centres; of one net 0.3 (drills), or
     * the very same spot */
    tsr_ar_cu_via(&x, b, 0, pt(0, 0));
    tsr_ar_cu_via(&y, b, 1, pt(0.4 + 1e-6, 0));
    ck_assert(tsr_ar_drc_pair_ok(b, &x, &y));
    tsr_ar_cu_via(&y, b, 1, pt(0.39, 0));
    ck_assert(!tsr_ar_drc_pair_ok(b, &x, &y));
    tsr_ar_cu_via(&y, b, 0, pt(0.3 + 1e-6, 0));
    ck_assert(tsr_ar_drc_pair_ok(b, &x, &y));
    tsr_ar_cu_via(&y, b, 0, pt(0.29, 0));
    ck_assert(!tsr_ar_drc_pair_ok(b, &x, &y));
    tsr_ar_cu_via(&y, b, 0, pt(0, 0));
    ck_assert(tsr_ar_drc_pair_ok(b, &x, &y));
}
END_TEST

/* Two disjoint segments on one 45 degree line, 0.57 mm apart, that the
 * checker's orientation test (no tolerance) takes for crossing: a real
 * case from the development set.  The router must treat them as a
 * conflict, though they are far apart. */
START_TEST(drc_checker_collinear)
{
    tsr_ar_board_t *b;
    tsr_ar_cu_t x, y;
    tsr_autoroute_opts_t opts;
    tsr_error_t *err = NULL;

    ck_assert(tsr_ar_checker_cross(pt(0, 0.4), pt(2.3, 2.7), pt(-1.8, -1.4),
                                   pt(-0.4, 0)));
    ck_assert(tsr_ar_seg_seg_dist(pt(0, 0.4), pt(2.3, 2.7), pt(-1.8, -1.4),
                                  pt(-0.4, 0)) > 0.5);
    /* axis-aligned collinear segments compute exactly: no misreading */
    ck_assert(!tsr_ar_checker_cross(pt(0, 0.4), pt(2, 0.4), pt(-2, 0.4),
                                    pt(-0.5, 0.4)));
    tsr_autoroute_opts_init(&opts);
    ck_assert_int_eq(tsr_ar_board_read(&b, fx_pool, board(20, 20, 2), &opts,
                                       &err), APR_SUCCESS);
    tsr_ar_cu_seg(&x, b, 0, 0, pt(0, 0.4), pt(2.3, 2.7), 0.15);
    tsr_ar_cu_seg(&y, b, 1, 0, pt(-1.8, -1.4), pt(-0.4, 0), 0.15);
    ck_assert(!tsr_ar_drc_pair_ok(b, &x, &y));
    tsr_ar_cu_seg(&y, b, 0, 0, pt(-1.8, -1.4), pt(-0.4, 0), 0.15);
    ck_assert(tsr_ar_drc_pair_ok(b, &x, &y));
}
END_TEST

/* Copper against the board: pads of other nets (0.1), non-plated holes
 * (0.2), keep-outs (0.1), the edge (0.2); its own pads are no obstacle. */
START_TEST(drc_static)
{
    json_object *cj = board(10, 10, 2);
    tsr_ar_board_t *b;
    tsr_ar_cu_t x;
    tsr_autoroute_opts_t opts;
    tsr_error_t *err = NULL;

    smt(cj, "a", -2, 0, 1, 1, "top");
    smt(cj, "b", 2, 0, 1, 1, "top");
    smt(cj, "c", 0, 3, 1, 1, "top");
    wire(cj, "t1", "a", "b");
    add(cj, "{\"type\":\"pcb_hole\",\"pcb_hole_id\":\"h\",\"hole_shape\":"
            "\"circle\",\"hole_diameter\":1,\"x\":0,\"y\":-3}");
    add(cj, "{\"type\":\"pcb_keepout\",\"pcb_keepout_id\":\"k\",\"shape\":"
            "\"rect\",\"center\":{\"x\":3,\"y\":3},\"width\":1,\"height\":1,"
            "\"layers\":[\"bottom\"]}");
    tsr_autoroute_opts_init(&opts);
    ck_assert_int_eq(tsr_ar_board_read(&b, fx_pool, cj, &opts, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(b->nnets, 1);
    /* net 0's trace through its own pads */
    tsr_ar_cu_seg(&x, b, 0, 0, pt(-2, 0), pt(2, 0), 0.15);
    ck_assert(tsr_ar_drc_static_ok(b, &x));
    /* under pad c (bottom edge at y = 2.5): 0.175 clear, then less */
    tsr_ar_cu_seg(&x, b, 0, 0, pt(-2, 2.325 - 1e-6), pt(2, 2.325 - 1e-6),
                  0.15);
    ck_assert(tsr_ar_drc_static_ok(b, &x));
    tsr_ar_cu_seg(&x, b, 0, 0, pt(-2, 2.33), pt(2, 2.33), 0.15);
    ck_assert(!tsr_ar_drc_static_ok(b, &x));
    /* the same line on the bottom layer is clear of the top pad */
    tsr_ar_cu_seg(&x, b, 0, 1, pt(-2, 2.33), pt(2, 2.33), 0.15);
    ck_assert(tsr_ar_drc_static_ok(b, &x));
    /* the hole (edge at y = -2.5) wants 0.2 on every layer */
    tsr_ar_cu_seg(&x, b, 0, 1, pt(-2, -2.225 + 1e-6), pt(2, -2.225 + 1e-6),
                  0.15);
    ck_assert(tsr_ar_drc_static_ok(b, &x));
    tsr_ar_cu_seg(&x, b, 0, 1, pt(-2, -2.23), pt(2, -2.23), 0.15);
    ck_assert(!tsr_ar_drc_static_ok(b, &x));
    /* the keep-out is only on the bottom */
    tsr_ar_cu_seg(&x, b, 0, 0, pt(3, 2), pt(3, 4), 0.15);
    ck_assert(tsr_ar_drc_static_ok(b, &x));
    tsr_ar_cu_seg(&x, b, 0, 1, pt(2, 3), pt(2.325 - 1e-6, 3), 0.15);
    ck_assert(tsr_ar_drc_static_ok(b, &x));
    tsr_ar_cu_seg(&x, b, 0, 1, pt(2, 3), pt(2.35, 3), 0.15);
    ck_assert(!tsr_ar_drc_static_ok(b, &x));
    /* the edge at x = 5: a centre line 0.275 in is the closest allowed */
    tsr_ar_cu_seg(&x, b, 0, 1, pt(4.725 - 1e-6, -1), pt(4.725 - 1e-6, 1),
                  0.15);
    ck_assert(tsr_ar_drc_static_ok(b, &x));
    tsr_ar_cu_seg(&x, b, 0, 1, pt(4.73, -1), pt(4.73, 1), 0.15);
    ck_assert(!tsr_ar_drc_static_ok(b, &x));
    /* a via needs 0.1 from the pad of another net */
    tsr_ar_cu_via(&x, b, 0, pt(0, 2.25 - 1e-6));
    ck_assert(tsr_ar_drc_static_ok(b, &x));
    tsr_ar_cu_via(&x, b, 0, pt(0, 2.26));
    ck_assert(!tsr_ar_drc_static_ok(b, &x));
}
END_TEST

/* ---------- reading Circuit JSON ---------- */

START_TEST(read_refusals)
{
    tsr_autoroute_opts_t opts;
    json_object *cj;
    tsr_error_t *err;

    tsr_autoroute_opts_init(&opts);
    err = refused(jparse("{\"type\":\"pcb_board\"}"), &opts, 400);
    ck_assert_contains(err->message, "array");
    err = refused(jparse("[1]"), &opts, 400);
    ck_assert_contains(err->message, "element 0");
    err = refused(jparse("[{\"x\":1}]"), &opts, 400);
    ck_assert_contains(err->message, "type");

    cj = board(10, 10, 2);
    add(cj, "{\"type\":\"pcb_smtpad\",\"pcb_smtpad_id\":\"p1\",\"shape\":"
            "\"rect\",\"y\":0,\"width\":1,\"height\":1,\"layer\":\"top\"}");
    err = refused(cj, &opts, 400);
    ck_assert_contains(err->message, "pcb_smtpad p1");
    ck_assert_contains(err->message, "x must be a finite number");

    cj = board(10, 10, 2);
    add(cj, "{\"type\":\"pcb_smtpad\",\"pcb_smtpad_id\":\"p1\",\"shape\":"
            "\"rect\",\"x\":0,\"y\":0,\"width\":-1,\"height\":1,"
            "\"layer\":\"top\"}");
    err = refused(cj, &opts, 400);
    ck_assert_contains(err->message, "width must be a positive number");

    /* a 2-layer board has no inner1 */
    cj = board(10, 10, 2);
    add(cj, "{\"type\":\"pcb_smtpad\",\"pcb_smtpad_id\":\"p1\",\"shape\":"
            "\"rect\",\"x\":0,\"y\":0,\"width\":1,\"height\":1,"
            "\"layer\":\"inner1\"}");
    err = refused(cj, &opts, 400);
    ck_assert_contains(err->message, "inner1");

    cj = board(10, 10, 9);
    err = refused(cj, &opts, 400);
    ck_assert_contains(err->message, "num_layers");

    cj = board(10, 10, 2);
    add(cj, "{\"type\":\"pcb_smtpad\",\"pcb_smtpad_id\":\"p1\",\"shape\":"
            "\"hexagon\",\"x\":0,\"y\":0,\"layer\":\"top\"}");
    err = refused(cj, &opts, 400);
    ck_assert_contains(err->message, "hexagon");

    cj = board(10, 10, 2);
    add(cj, "{\"type\":\"source_trace\",\"source_trace_id\":\"t\","
            "\"connected_source_port_ids\":\"sp_a\"}");
    err = refused(cj, &opts, 400);
    ck_assert_contains(err->message, "connected_source_port_ids");

    cj = board(10, 10, 2);
    add(cj, "{\"type\":\"pcb_port\",\"pcb_port_id\":\"p\",\"x\":0,\"y\":0}");
    add(cj, "{\"type\":\"pcb_port\",\"pcb_port_id\":\"p\",\"x\":1,\"y\":0}");
    err = refused(cj, &opts, 400);
    ck_assert_contains(err->message, "twice");
}
END_TEST

START_TEST(read_limits)
{
    tsr_autoroute_opts_t opts;
    json_object *cj = board(100, 50, 4);
    tsr_error_t *err;

    smt(cj, "a", 0, 0, 1, 1, "top");
    tsr_autoroute_opts_init(&opts);
    opts.max_elements = 3;
    err = refused(cj, &opts, 413);
    ck_assert_contains(err->message, "at most 3");

    tsr_autoroute_opts_init(&opts);
    opts.max_board_mm = 80;
    err = refused(cj, &opts, 413);
    ck_assert_contains(err->message, "100.0 x 50.0 mm");

    /* 1001 x 501 cells on 4 layers at 0.1 mm */
    tsr_autoroute_opts_init(&opts);
    opts.max_cells = 1000000;
    err = refused(cj, &opts, 413);
    ck_assert_contains(err->message, "grid cells");
    opts.max_cells = 2100000;
    ck_assert_int_eq(route(cj, &opts)->nets_total, 0);

    /* three nets where two are allowed */
    cj = board(20, 20, 2);
    smt(cj, "a", -5, 0, 1, 1, "top");
    smt(cj, "b", 5, 0, 1, 1, "top");
    smt(cj, "c", -5, 5, 1, 1, "top");
    smt(cj, "d", 5, 5, 1, 1, "top");
    smt(cj, "e", -5, -5, 1, 1, "top");
    smt(cj, "f", 5, -5, 1, 1, "top");
    wire(cj, "t1", "a", "b");
    wire(cj, "t2", "c", "d");
    wire(cj, "t3", "e", "f");
    tsr_autoroute_opts_init(&opts);
    opts.max_nets = 2;
    err = refused(cj, &opts, 413);
    ck_assert_contains(err->message, "3 nets");
    /* a zeroed limit is the default one */
    opts.max_nets = 0;
    ck_assert_int_eq(route(cj, &opts)->nets_routed, 3);
}
END_TEST

/* Which ports make nets: a source_trace joins ports and nets; a lone port,
 * a port no source_trace names, a subcircuit not asked for and a net its
 * existing traces already join are not routed. */
START_TEST(read_nets)
{
    tsr_autoroute_opts_t opts;
    tsr_ar_board_t *b;
    tsr_error_t *err = NULL;
    json_object *cj = board(20, 20, 2);

    smt(cj, "a", -5, 0, 1, 1, "top");
    smt(cj, "b", 5, 0, 1, 1, "top");
    smt(cj, "c", 0, 5, 1, 1, "bottom");
    smt(cj, "d", 0, -5, 1, 1, "top");
    smt(cj, "e", 5, 5, 1, 1, "top");
    smt(cj, "f", -5, 5, 1, 1, "top");
    smt(cj, "g", -5, -5, 1, 1, "top");
    /* a, b and c on net n1 through single-port traces */
    add(cj, "{\"type\":\"source_net\",\"source_net_id\":\"n1\"}");
    add(cj, "{\"type\":\"source_trace\",\"source_trace_id\":\"t_a\","
            "\"connected_source_port_ids\":[\"sp_a\"],"
            "\"connected_source_net_ids\":[\"n1\"]}");
    add(cj, "{\"type\":\"source_trace\",\"source_trace_id\":\"t_bc\","
            "\"connected_source_port_ids\":[\"sp_b\",\"sp_c\"],"
            "\"connected_source_net_ids\":[\"n1\"]}");
    /* d alone; e-f in subcircuit s2; f-g already joined by a trace */
    add(cj, "{\"type\":\"source_trace\",\"source_trace_id\":\"t_d\","
            "\"connected_source_port_ids\":[\"sp_d\"],"
            "\"connected_source_net_ids\":[]}");
    add(cj, "{\"type\":\"source_trace\",\"source_trace_id\":\"t_ef\","
            "\"connected_source_port_ids\":[\"sp_e\",\"sp_e2\"],"
            "\"connected_source_net_ids\":[], \"subcircuit_id\":\"s2\"}");
    smt(cj, "e2", 8, 8, 1, 1, "top");
    wire(cj, "t_fg", "f", "g");
    add(cj, "{\"type\":\"pcb_trace\",\"pcb_trace_id\":\"old\","
            "\"source_trace_id\":\"t_fg\",\"route\":["
            "{\"route_type\":\"wire\",\"x\":-5,\"y\":5,\"width\":0.15,"
            "\"layer\":\"top\",\"start_pcb_port_id\":\"f\"},"
            "{\"route_type\":\"wire\",\"x\":-5,\"y\":-5,\"width\":0.15,"
            "\"layer\":\"top\",\"end_pcb_port_id\":\"g\"}]}");
    tsr_autoroute_opts_init(&opts);
    ck_assert_int_eq(tsr_ar_board_read(&b, fx_pool, cj, &opts, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(b->nnets, 2);
    ck_assert_str_eq(b->nets[0].name, "n1");
    ck_assert_int_eq(b->nets[0].nports, 3);
    ck_assert_str_eq(b->nets[1].name, "t_ef");
    ck_assert_int_eq(b->nets[1].nports, 2);
    /* the old trace is an obstacle of no routed net */
    ck_assert_int_eq(b->obs[b->nobs - 1].kind, TSR_AR_OB_TRACE);
    ck_assert_int_eq(b->obs[b->nobs - 1].net, -1);

    opts.subcircuit_id = "s2";
    ck_assert_int_eq(tsr_ar_board_read(&b, fx_pool, cj, &opts, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(b->nnets, 1);
    ck_assert_str_eq(b->nets[0].name, "t_ef");
}
END_TEST

/* ---------- routing ---------- */

/* Each route point of trace tr on a wire, as a segment list check: the
 * trace starts on port a, ends on port b, with their ids, every wire
 * point has the width, and vias are wire-via-wire at one point. */
static void check_trace(json_object *tr, const char *a, double ax,
                        double ay, const char *b, double bx, double by)
{
    json_object *route, *p0, *pn;
    size_t i, n;

    ck_assert(json_object_object_get_ex(tr, "route", &route));
    n = json_object_array_length(route);
    ck_assert_int_ge((int)n, 2);
    p0 = json_object_array_get_idx(route, 0);
    pn = json_object_array_get_idx(route, n - 1);
    ck_assert_str_eq(str(p0, "start_pcb_port_id"), a);
    ck_assert_str_eq(str(pn, "end_pcb_port_id"), b);
    ck_assert(num(p0, "x") == ax && num(p0, "y") == ay);
    ck_assert(num(pn, "x") == bx && num(pn, "y") == by);
    for (i = 0; i < n; i++) {
        json_object *p = json_object_array_get_idx(route, i);

        if (strcmp(str(p, "route_type"), "via") == 0) {
            json_object *w0 = json_object_array_get_idx(route, i - 1);
            json_object *w1 = json_object_array_get_idx(route, i + 1);

            ck_assert(i > 0 && i + 1 < n);
            ck_assert(num(w0, "x") == num(p, "x")
                      && num(w1, "x") == num(p, "x"));
            ck_assert(num(w0, "y") == num(p, "y")
                      && num(w1, "y") == num(p, "y"));
            ck_assert_str_eq(str(w0, "layer"), str(p, "from_layer"));
            ck_assert_str_eq(str(w1, "layer"), str(p, "to_layer"));
            ck_assert_str_ne(str(w0, "layer"), str(w1, "layer"));
        }
        else {
            ck_assert_double_eq(num(p, "width"), 0.15);
        }
    }
}

/* The clearance between every wire segment of trace tr and the shape s
 * on layer (measured here, not by the router). */
static double min_gap(json_object *tr, const tsr_ar_shape_t *s,
                      const char *layer)
{
    double m = HUGE_VAL;
    size_t i;

    {
        json_object *route;

        json_object_object_get_ex(tr, "route", &route);
        for (i = 0; i + 1 < json_object_array_length(route); i++) {
            json_object *p = json_object_array_get_idx(route, i);
            json_object *q = json_object_array_get_idx(route, i + 1);

            if (strcmp(str(p, "route_type"), "wire") != 0
                || strcmp(str(q, "route_type"), "wire") != 0
                || strcmp(str(p, "layer"), layer) != 0
                || strcmp(str(q, "layer"), layer) != 0) {
                continue;
            }
            m = fmin(m, tsr_ar_seg_shape_dist(pt(num(p, "x"), num(p, "y")),
                                              pt(num(q, "x"), num(q, "y")),
                                              s) - 0.075);
        }
    }
    return m;
}

/* a to b with another net's 3 mm wide pad in the way, on one layer */
START_TEST(route_around)
{
    json_object *cj = board(12, 12, 1);
    tsr_autoroute_result_t *res;
    tsr_ar_shape_t wall;

    smt(cj, "a", -4, 0.013, 0.6, 0.6, "top");
    smt(cj, "b", 4, -0.021, 0.6, 0.6, "top");
    smt(cj, "x", 0, 0, 1, 3, "top");
    smt(cj, "y", 0, 5, 0.5, 0.5, "top");
    wire(cj, "t_ab", "a", "b");
    wire(cj, "t_xy", "x", "y");
    res = route(cj, NULL);
    ck_assert_int_eq(res->nets_total, 2);
    ck_assert_int_eq(res->nets_routed, 2);
    ck_assert_int_eq(res->via_count, 0);
    ck_assert_int_eq((int)json_object_array_length(res->traces), 2);
    check_trace(json_object_array_get_idx(res->traces, 0), "a", -4, 0.013,
                "b", 4, -0.021);
    ck_assert_str_eq(str(json_object_array_get_idx(res->traces, 0),
                         "source_trace_id"), "t_ab");
    /* it went round: longer than straight, and 0.1 clear of the pad */
    tsr_ar_shape_rect(&wall, 0, 0, 1, 3, 0);
    ck_assert(res->length_mm > 8.5);
    ck_assert(min_gap(json_object_array_get_idx(res->traces, 0), &wall,
                      "top") >= 0.1 - 1e-9);
    ck_assert_int_eq(res->timed_out, 0);
    ck_assert_int_eq(res->drc_dropped, 0);
}
END_TEST

/* Two nets that must cross on two layers: the pads are on top, so one
 * of them goes down a via and comes back up. */
START_TEST(route_crossing)
{
    json_object *cj = board(10, 10, 2), *vias, *v;
    tsr_autoroute_result_t *res;
    size_t i;

    smt(cj, "a", -3.4, 0, 0.6, 0.6, "top");
    smt(cj, "b", 3.4, 0, 0.6, 0.6, "top");
    smt(cj, "c", 0, -3.4, 0.6, 0.6, "top");
    smt(cj, "d", 0, 3.4, 0.6, 0.6, "top");
    /* a ring of other pads around them, 0.1 from them, keeps them from
     * going round each other */
    for (i = 0; i < 16; i++) {
        double t = i * M_PI / 8;

        smt(cj, cfmt("r%lu", (unsigned long)i),
            4.2 * cos(t), 4.2 * sin(t), 0.8, 0.8, "top");
    }
    wire(cj, "t_ab", "a", "b");
    wire(cj, "t_cd", "c", "d");
    res = route(cj, NULL);
    ck_assert_int_eq(res->nets_routed, 2);
    ck_assert_int_ge(res->via_count, 2);
    vias = res->vias;
    for (i = 0; i < json_object_array_length(vias); i++) {
        v = json_object_array_get_idx(vias, i);
        ck_assert_str_eq(str(v, "type"), "pcb_via");
        ck_assert_double_eq(num(v, "outer_diameter"), 0.3);
        ck_assert_double_eq(num(v, "hole_diameter"), 0.2);
    }
    check_trace(json_object_array_get_idx(res->traces, 0), "a", -3.4, 0, "b",
                3.4, 0);
    check_trace(json_object_array_get_idx(res->traces, 1), "c", 0, -3.4,
                "d", 0, 3.4);
}
END_TEST

/* A 4-layer board of through-hole ports, eight nets that all cross:
 * every net routed, through ports on any layer. */
static json_object *crossing_board(void)
{
    json_object *cj = board(24, 16, 4);
    int i;

    for (i = 0; i < 8; i++) {
        tht(cj, cfmt("t%d", i), -8.89 + 2.54 * i, 5);
        tht(cj, cfmt("u%d", i), -8.89 + 2.54 * i, -5);
    }
    for (i = 0; i < 8; i++) {
        wire(cj, cfmt("w%d", i),
             cfmt("t%d", i),
             cfmt("u%d", 7 - i));
    }
    return cj;
}

START_TEST(route_deterministic)
{
    tsr_autoroute_result_t *r1, *r2;
    const char *s1, *s2;

    r1 = route(crossing_board(), NULL);
    r2 = route(crossing_board(), NULL);
    ck_assert_int_eq(r1->nets_total, 8);
    ck_assert_int_eq(r1->nets_routed, 8);
    s1 = json_object_to_json_string_ext(r1->traces, JSON_C_TO_STRING_PLAIN);
    s2 = json_object_to_json_string_ext(r2->traces, JSON_C_TO_STRING_PLAIN);
    ck_assert_str_eq(s1, s2);
    ck_assert_str_eq(json_object_to_json_string(r1->vias),
                     json_object_to_json_string(r2->vias));
    /* the names of a 4-layer board */
    ck_assert_ptr_nonnull(strstr(s1, "\"layer\":\"top\""));
    ck_assert_ptr_null(strstr(s1, "inner3"));
}
END_TEST

/* Over budget, or cancelled: a result (with what was routed), not an
 * error. */
START_TEST(route_budget)
{
    tsr_autoroute_opts_t opts;
    tsr_autoroute_result_t *res;
    volatile int cancel = 1;

    tsr_autoroute_opts_init(&opts);
    opts.time_budget = 1;
    res = route(crossing_board(), &opts);
    ck_assert_int_eq(res->timed_out, 1);
    ck_assert_int_eq(res->nets_total, 8);
    ck_assert_int_lt(res->nets_routed, 8);
    ck_assert_int_eq((int)json_object_array_length(res->traces),
                     res->pin_links_routed);

    tsr_autoroute_opts_init(&opts);
    opts.cancel = &cancel;
    res = route(crossing_board(), &opts);
    ck_assert_int_eq(res->cancelled, 1);
    ck_assert_int_eq(res->timed_out, 0);
    ck_assert_int_eq(res->nets_routed, 0);

    /* a budget that is enough changes nothing */
    tsr_autoroute_opts_init(&opts);
    opts.time_budget = apr_time_from_sec(60);
    res = route(crossing_board(), &opts);
    ck_assert_int_eq(res->timed_out, 0);
    ck_assert_int_eq(res->nets_routed, 8);
}
END_TEST

/* An L-shaped board (outline, no width/height) with a cut-out: the trace
 * goes round the inside corner, and keeps 0.2 mm from every edge and the
 * cut-out. */
START_TEST(route_outline)
{
    json_object *cj = tsr_json_own(fx_pool, json_object_new_array());
    tsr_autoroute_result_t *res;
    json_object *rt;
    tsr_ar_pt_t l[6];
    tsr_ar_shape_t cut;
    size_t i;

    add(cj, "{\"type\":\"pcb_board\",\"pcb_board_id\":\"b\",\"num_layers\":1,"
            "\"outline\":[{\"x\":0,\"y\":0},{\"x\":10,\"y\":0},"
            "{\"x\":10,\"y\":3},{\"x\":3,\"y\":3},{\"x\":3,\"y\":10},"
            "{\"x\":0,\"y\":10}]}");
    add(cj, "{\"type\":\"pcb_cutout\",\"pcb_cutout_id\":\"c\",\"shape\":"
            "\"rect\",\"center\":{\"x\":1.5,\"y\":1.5},\"width\":1,"
            "\"height\":1}");
    smt(cj, "a", 8.5, 1.5, 0.6, 0.6, "top");
    smt(cj, "b", 1.5, 8.5, 0.6, 0.6, "top");
    wire(cj, "t_ab", "a", "b");
    res = route(cj, NULL);
    ck_assert_int_eq(res->nets_routed, 1);
    l[0] = pt(0, 0);
    l[1] = pt(10, 0);
    l[2] = pt(10, 3);
    l[3] = pt(3, 3);
    l[4] = pt(3, 10);
    l[5] = pt(0, 10);
    tsr_ar_shape_rect(&cut, 1.5, 1.5, 1, 1, 0);
    ck_assert(json_object_object_get_ex(
        json_object_array_get_idx(res->traces, 0), "route", &rt));
    for (i = 0; i + 1 < json_object_array_length(rt); i++) {
        json_object *p = json_object_array_get_idx(rt, i);
        json_object *q = json_object_array_get_idx(rt, i + 1);
        tsr_ar_pt_t a = pt(num(p, "x"), num(p, "y"));
        tsr_ar_pt_t b = pt(num(q, "x"), num(q, "y"));

        ck_assert(tsr_ar_pt_in_poly(a, l, 6));
        ck_assert(tsr_ar_seg_poly_edge_dist(a, b, l, 6) - 0.075 >= 0.2);
        ck_assert(tsr_ar_seg_shape_dist(a, b, &cut) - 0.075 >= 0.2);
    }
    /* round the corner: not the straight line through the notch */
    ck_assert(res->length_mm > hypot(7, 7) + 0.5);
}
END_TEST

/* A port no trace can reach (walled in by another net's pad ring) leaves
 * its net unrouted rather than broken; the rest is routed. */
START_TEST(route_unreachable)
{
    json_object *cj = board(20, 10, 1);
    tsr_autoroute_result_t *res;

    smt(cj, "a", -6, 0, 0.5, 0.5, "top");
    smt(cj, "b", 6, 0, 0.5, 0.5, "top");
    smt(cj, "c", -6, 3, 0.5, 0.5, "top");
    smt(cj, "d", 6, 3, 0.5, 0.5, "top");
    /* a closed box of pads round b */
    pad_only(cj, "w1", 6, 1, 2.5, 0.5);
    pad_only(cj, "w2", 6, -1, 2.5, 0.5);
    pad_only(cj, "w3", 5, 0, 0.5, 2.5);
    pad_only(cj, "w4", 7, 0, 0.5, 2.5);
    wire(cj, "t_ab", "a", "b");
    wire(cj, "t_cd", "c", "d");
    res = route(cj, NULL);
    ck_assert_int_eq(res->nets_total, 2);
    ck_assert_int_eq(res->nets_routed, 1);
    ck_assert_int_eq(res->pin_links_total, 2);
    ck_assert_int_eq(res->pin_links_routed, 1);
    ck_assert_int_eq((int)json_object_array_length(res->traces), 1);
    check_trace(json_object_array_get_idx(res->traces, 0), "c", -6, 3, "d",
                6, 3);
}
END_TEST

Suite *make_autoroute_suite(void)
{
    Suite *s = suite_create("autoroute");
    TCase *tc = fx_tcase("autoroute");

    tcase_add_test(tc, geom_segments);
    tcase_add_test(tc, geom_pads);
    tcase_add_test(tc, geom_polygon_bounds);
    tcase_add_test(tc, geom_board_edge);
    tcase_add_test(tc, drc_pairs);
    tcase_add_test(tc, drc_checker_collinear);
    tcase_add_test(tc, drc_static);
    tcase_add_test(tc, read_refusals);
    tcase_add_test(tc, read_limits);
    tcase_add_test(tc, read_nets);
    tcase_add_test(tc, route_around);
    tcase_add_test(tc, route_crossing);
    tcase_add_test(tc, route_deterministic);
    tcase_add_test(tc, route_budget);
    tcase_add_test(tc, route_unreachable);
    tcase_add_test(tc, route_outline);
    suite_add_tcase(s, tc);
    return s;
}
