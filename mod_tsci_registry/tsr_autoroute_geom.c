/* tsr_autoroute_geom: distances between segments, capsules, rectangles and
 * polygon edges, in double precision. */
#include <math.h>
#include "tsr_autoroute_geom.h"

static double cross3(tsr_ar_pt_t o, tsr_ar_pt_t a, tsr_ar_pt_t b)
{
    return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

void tsr_ar_shape_circle(tsr_ar_shape_t *s, double x, double y, double r)
{
    tsr_ar_pt_t c;

    c.x = x;
    c.y = y;
    tsr_ar_shape_capsule(s, c, c, r);
}

void tsr_ar_shape_capsule(tsr_ar_shape_t *s, tsr_ar_pt_t a, tsr_ar_pt_t b,
                          double r)
{
    s->kind = TSR_AR_CAPSULE;
    s->a = a;
    s->b = b;
    s->r = r;
    s->c.x = (a.x + b.x) / 2;
    s->c.y = (a.y + b.y) / 2;
    s->hw = s->hh = 0;
    s->cs = 1;
    s->sn = 0;
    s->minx = fmin(a.x, b.x) - r;
    s->maxx = fmax(a.x, b.x) + r;
    s->miny = fmin(a.y, b.y) - r;
    s->maxy = fmax(a.y, b.y) + r;
}

/* cos and sin of a rotation in degrees; quarter turns are exact, so an
 * axis-aligned pad stays exactly axis-aligned. */
static void turn(double deg, double *cs, double *sn)
{
    double q = fmod(deg, 360.0);

    if (q < 0) {
        q += 360.0;
    }
    if (q == 0) {
        *cs = 1;
        *sn = 0;
    }
    else if (q == 90) {
        *cs = 0;
        *sn = 1;
    }
    else if (q == 180) {
        *cs = -1;
        *sn = 0;
    }
    else if (q == 270) {
        *cs = 0;
        *sn = -1;
    }
    else {
        *cs = cos(q * M_PI / 180.0);
        *sn = sin(q * M_PI / 180.0);
    }
}

void tsr_ar_shape_rect(tsr_ar_shape_t *s, double x, double y, double w,
                       double h, double ccw_deg)
{
    double ex, ey;

    s->kind = TSR_AR_RECT;
    s->c.x = x;
    s->c.y = y;
    s->a = s->b = s->c;
    s->r = 0;
    s->hw = w / 2;
    s->hh = h / 2;
    turn(ccw_deg, &s->cs, &s->sn);
    /* half extents of the turned rectangle along x and y */
    ex = fabs(s->hw * s->cs) + fabs(s->hh * s->sn);
    ey = fabs(s->hw * s->sn) + fabs(s->hh * s->cs);
    s->minx = x - ex;
    s->maxx = x + ex;
    s->miny = y - ey;
    s->maxy = y + ey;
}

void tsr_ar_shape_pill(tsr_ar_shape_t *s, double x, double y, double w,
                       double h, double ccw_deg)
{
    double cs, sn, half, r;
    tsr_ar_pt_t a, b, d;

    turn(ccw_deg, &cs, &sn);
    if (w >= h) {
        r = h / 2;
        half = w / 2 - r;
        d.x = half * cs;
        d.y = half * sn;
    }
    else {
        r = w / 2;
        half = h / 2 - r;
        d.x = -half * sn;
        d.y = half * cs;
    }
    a.x = x - d.x;
    a.y = y - d.y;
    b.x = x + d.x;
    b.y = y + d.y;
    tsr_ar_shape_capsule(s, a, b, r);
}

void tsr_ar_shape_bounds(tsr_ar_shape_t *s, const tsr_ar_pt_t *pts, int n,
                         double dx, double dy)
{
    double minx = pts[0].x, maxx = pts[0].x, miny = pts[0].y,
        maxy = pts[0].y;
    int i;

    for (i = 1; i < n; i++) {
        minx = fmin(minx, pts[i].x);
        maxx = fmax(maxx, pts[i].x);
        miny = fmin(miny, pts[i].y);
        maxy = fmax(maxy, pts[i].y);
    }
    tsr_ar_shape_rect(s, (minx + maxx) / 2 + dx, (miny + maxy) / 2 + dy,
                      maxx - minx, maxy - miny, 0);
}

double tsr_ar_pt_seg_dist(tsr_ar_pt_t p, tsr_ar_pt_t a, tsr_ar_pt_t b)
{
    double dx = b.x - a.x, dy = b.y - a.y, l2 = dx * dx + dy * dy, t = 0;

    if (l2 > 0) {
        t = ((p.x - a.x) * dx + (p.y - a.y) * dy) / l2;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
    }
    dx = p.x - (a.x + t * dx);
    dy = p.y - (a.y + t * dy);
    /* not hypot(): it guards against overflow that mm never reach, and is
     * several times slower */
    return sqrt(dx * dx + dy * dy);
}

double tsr_ar_seg_seg_dist(tsr_ar_pt_t a1, tsr_ar_pt_t a2, tsr_ar_pt_t b1,
                           tsr_ar_pt_t b2)
{
    double d1 = cross3(b1, b2, a1), d2 = cross3(b1, b2, a2);
    double d3 = cross3(a1, a2, b1), d4 = cross3(a1, a2, b2);
    double m;

    /* A proper crossing; touching and collinear overlap come out as 0
     * from the end point distances below. */
    if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0))
        && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
        return 0;
    }
    m = tsr_ar_pt_seg_dist(a1, b1, b2);
    m = fmin(m, tsr_ar_pt_seg_dist(a2, b1, b2));
    m = fmin(m, tsr_ar_pt_seg_dist(b1, a1, a2));
    m = fmin(m, tsr_ar_pt_seg_dist(b2, a1, a2));
    return m;
}

/* p in the rectangle's own frame (centre at 0, sides along the axes). */
static tsr_ar_pt_t to_frame(tsr_ar_pt_t p, const tsr_ar_shape_t *s)
{
    tsr_ar_pt_t q;
    double dx = p.x - s->c.x, dy = p.y - s->c.y;

    q.x = dx * s->cs + dy * s->sn;
    q.y = -dx * s->sn + dy * s->cs;
    return q;
}

double tsr_ar_pt_shape_dist(tsr_ar_pt_t p, const tsr_ar_shape_t *s)
{
    tsr_ar_pt_t q;
    double dx, dy;

    if (s->kind == TSR_AR_CAPSULE) {
        return fmax(0, tsr_ar_pt_seg_dist(p, s->a, s->b) - s->r);
    }
    q = to_frame(p, s);
    dx = fmax(0, fabs(q.x) - s->hw);
    dy = fmax(0, fabs(q.y) - s->hh);
    return sqrt(dx * dx + dy * dy);
}

double tsr_ar_seg_shape_dist(tsr_ar_pt_t a, tsr_ar_pt_t b,
                             const tsr_ar_shape_t *s)
{
    tsr_ar_pt_t qa, qb, c[4];
    double m;
    int i;

    if (s->kind == TSR_AR_CAPSULE) {
        return fmax(0, tsr_ar_seg_seg_dist(a, b, s->a, s->b) - s->r);
    }
    qa = to_frame(a, s);
    qb = to_frame(b, s);
    if ((fabs(qa.x) <= s->hw && fabs(qa.y) <= s->hh)
        || (fabs(qb.x) <= s->hw && fabs(qb.y) <= s->hh)) {
        return 0;
    }
    c[0].x = -s->hw;
    c[0].y = -s->hh;
    c[1].x = s->hw;
    c[1].y = -s->hh;
    c[2].x = s->hw;
    c[2].y = s->hh;
    c[3].x = -s->hw;
    c[3].y = s->hh;
    m = HUGE_VAL;
    for (i = 0; i < 4; i++) {
        m = fmin(m, tsr_ar_seg_seg_dist(qa, qb, c[i], c[(i + 1) % 4]));
    }
    return m;
}

int tsr_ar_pt_in_poly(tsr_ar_pt_t p, const tsr_ar_pt_t *poly, int n)
{
    int i, j, in = 0;

    for (i = 0, j = n - 1; i < n; j = i++) {
        if (tsr_ar_pt_seg_dist(p, poly[j], poly[i]) == 0) {
            return 1;
        }
        if ((poly[i].y > p.y) != (poly[j].y > p.y)
            && p.x < (poly[j].x - poly[i].x) * (p.y - poly[i].y)
                     / (poly[j].y - poly[i].y) + poly[i].x) {
            in = !in;
        }
    }
    return in;
}

double tsr_ar_seg_poly_edge_dist(tsr_ar_pt_t a, tsr_ar_pt_t b,
                                 const tsr_ar_pt_t *poly, int n)
{
    double m = HUGE_VAL;
    int i;

    for (i = 0; i < n; i++) {
        m = fmin(m, tsr_ar_seg_seg_dist(a, b, poly[i], poly[(i + 1) % n]));
    }
    return m;
}
