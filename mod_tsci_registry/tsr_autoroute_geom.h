/* tsr_autoroute_geom: the exact plane geometry of the autorouter: pad, hole
 * and copper shapes and the distances between them that design rules are
 * stated in. */
#ifndef TSR_AUTOROUTE_GEOM_H
#define TSR_AUTOROUTE_GEOM_H

/* A point, in millimetres; +x right, +y up. */
typedef struct tsr_ar_pt_t {
    double x, y;
} tsr_ar_pt_t;

typedef enum {
    TSR_AR_CAPSULE,     /* every point within r of the segment a-b; a
                         * circle is a capsule with a == b */
    TSR_AR_RECT         /* a rectangle of half extents hw, hh about c,
                         * turned counter-clockwise by (cs, sn) */
} tsr_ar_kind_e;

/* A copper or keep-out shape.  Everything Circuit JSON draws maps onto one
 * of the two kinds: circles and pills are capsules, rectangles (rotated or
 * not) are rects, and polygons are the rect of their bounds, which is never
 * smaller than the polygon. */
typedef struct tsr_ar_shape_t {
    tsr_ar_kind_e kind;
    tsr_ar_pt_t c;              /* centre */
    tsr_ar_pt_t a, b;           /* capsule: the axis */
    double r;                   /* capsule: radius */
    double hw, hh;              /* rect: half width and half height */
    double cs, sn;              /* rect: cosine and sine of the rotation */
    double minx, miny, maxx, maxy;  /* axis-aligned bounds */
} tsr_ar_shape_t;

/* Fill *s with a circle of radius r about (x, y). */
void tsr_ar_shape_circle(tsr_ar_shape_t *s, double x, double y, double r);

/* Fill *s with the capsule of radius r about the segment a-b. */
void tsr_ar_shape_capsule(tsr_ar_shape_t *s, tsr_ar_pt_t a, tsr_ar_pt_t b,
                          double r);

/* Fill *s with a w x h rectangle about (x, y) turned ccw_deg degrees
 * counter-clockwise.  Multiples of 90 degrees give an exact axis-aligned
 * rectangle (no rounding of sin and cos). */
void tsr_ar_shape_rect(tsr_ar_shape_t *s, double x, double y, double w,
                       double h, double ccw_deg);

/* Fill *s with a pill (stadium) of overall size w x h about (x, y), turned
 * ccw_deg: a capsule along the longer side. */
void tsr_ar_shape_pill(tsr_ar_shape_t *s, double x, double y, double w,
                       double h, double ccw_deg);

/* Fill *s with the bounding rectangle of the n >= 1 points pts (offset by
 * (dx, dy)): how a polygon is treated, conservatively. */
void tsr_ar_shape_bounds(tsr_ar_shape_t *s, const tsr_ar_pt_t *pts, int n,
                         double dx, double dy);

/* Distance between point p and segment a-b. */
double tsr_ar_pt_seg_dist(tsr_ar_pt_t p, tsr_ar_pt_t a, tsr_ar_pt_t b);

/* Distance between segments a1-a2 and b1-b2; 0 when they cross or touch.
 * Degenerate segments (a point) are allowed. */
double tsr_ar_seg_seg_dist(tsr_ar_pt_t a1, tsr_ar_pt_t a2, tsr_ar_pt_t b1,
                           tsr_ar_pt_t b2);

/* Distance between the segment a-b and the shape s: 0 when the segment
 * touches or enters it.  Clearance of a trace of width w to s is this
 * minus w / 2. */
double tsr_ar_seg_shape_dist(tsr_ar_pt_t a, tsr_ar_pt_t b,
                             const tsr_ar_shape_t *s);

/* Distance between point p and the shape s (0 inside). */
double tsr_ar_pt_shape_dist(tsr_ar_pt_t p, const tsr_ar_shape_t *s);

/* 1 if p lies inside (or on) the closed polygon of n points. */
int tsr_ar_pt_in_poly(tsr_ar_pt_t p, const tsr_ar_pt_t *poly, int n);

/* Smallest distance between the segment a-b and the edges of the closed
 * polygon of n points. */
double tsr_ar_seg_poly_edge_dist(tsr_ar_pt_t a, tsr_ar_pt_t b,
                                 const tsr_ar_pt_t *poly, int n);

#endif
