/* tsr_semver: parsing and precedence of Semantic Versioning 2.0.0. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_semver.h"

#define MAX_SAFE_INTEGER 9007199254740991ULL

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_ident_char(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || c == '-';
}

/* A numeric part: no leading zero unless it is "0", at most 2^53-1. */
static const char *parse_num(const char *s, apr_uint64_t *out)
{
    apr_uint64_t n = 0;
    const char *start = s;

    if (!is_digit(*s)) {
        return NULL;
    }
    if (*s == '0' && is_digit(s[1])) {
        return NULL;
    }
    while (is_digit(*s)) {
        n = n * 10 + (apr_uint64_t)(*s - '0');
        if (n > MAX_SAFE_INTEGER || s - start > 16) {
            return NULL;
        }
        s++;
    }
    *out = n;
    return s;
}

/* Dot-separated identifiers up to '+' or the end; numeric ones may not have
 * leading zeros when prerelease is set. */
static const char *parse_idents(const char *s, int prerelease)
{
    for (;;) {
        const char *start = s;
        int numeric = 1;

        while (is_ident_char(*s)) {
            if (!is_digit(*s)) {
                numeric = 0;
            }
            s++;
        }
        if (s == start) {
            return NULL;
        }
        if (prerelease && numeric && *start == '0' && s - start > 1) {
            return NULL;
        }
        if (*s != '.') {
            return s;
        }
        s++;
    }
}

static int parse(tsr_semver_t *v, const char *s, const char **pre_end)
{
    const char *q, *pre = NULL, *pe = NULL, *build = NULL;

    if (s == NULL || strlen(s) > TSR_SEMVER_MAX) {
        return 0;
    }
    if (!(q = parse_num(s, &v->major)) || *q++ != '.'
        || !(q = parse_num(q, &v->minor)) || *q++ != '.'
        || !(q = parse_num(q, &v->patch))) {
        return 0;
    }
    if (*q == '-') {
        pre = q + 1;
        if (!(q = parse_idents(pre, 1))) {
            return 0;
        }
        pe = q;
    }
    if (*q == '+') {
        build = q + 1;
        if (!(q = parse_idents(build, 0))) {
            return 0;
        }
    }
    if (*q != '\0') {
        return 0;
    }
    v->prerelease = pre;
    v->build = build;
    *pre_end = pe;
    return 1;
}

apr_status_t tsr_semver_parse(tsr_semver_t *v, apr_pool_t *p, const char *s,
                              tsr_error_t **perr)
{
    const char *pe = NULL;

    if (!parse(v, s, &pe)) {
        return tsr_error_set(perr, p, 400, "invalid_version",
                             "invalid version \"%s\": it must be a "
                             "semantic version such as 1.2.3",
                             s ? (strlen(s) > 64 ? apr_pstrndup(p, s, 64)
                                                 : s)
                               : "");
    }
    if (v->prerelease) {
        v->prerelease = apr_pstrmemdup(p, v->prerelease, pe - v->prerelease);
    }
    if (v->build) {
        v->build = apr_pstrdup(p, v->build);
    }
    return APR_SUCCESS;
}

int tsr_semver_is_valid(const char *s)
{
    tsr_semver_t v;
    const char *pe;

    return parse(&v, s, &pe);
}

static int cmp_u64(apr_uint64_t a, apr_uint64_t b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

/* Compare prerelease identifier lists [a, ae) and [b, be). */
static int cmp_pre(const char *a, const char *ae, const char *b,
                   const char *be)
{
    while (a < ae && b < be) {
        const char *an = a, *bn = b;
        int anum = 1, bnum = 1, c;
        apr_size_t al, bl;

        while (an < ae && *an != '.') {
            anum &= is_digit(*an);
            an++;
        }
        while (bn < be && *bn != '.') {
            bnum &= is_digit(*bn);
            bn++;
        }
        al = an - a;
        bl = bn - b;
        if (anum && bnum) {
            c = al != bl ? (al < bl ? -1 : 1) : memcmp(a, b, al);
        }
        else if (anum != bnum) {
            c = anum ? -1 : 1;      /* numeric identifiers sort lower */
        }
        else {
            c = memcmp(a, b, al < bl ? al : bl);
            if (c == 0) {
                c = al < bl ? -1 : al > bl ? 1 : 0;
            }
        }
        if (c != 0) {
            return c < 0 ? -1 : 1;
        }
        a = an < ae ? an + 1 : an;
        b = bn < be ? bn + 1 : bn;
        if (an == ae || bn == be) {
            break;
        }
    }
    if (a >= ae && b >= be) {
        return 0;
    }
    return a >= ae ? -1 : 1;        /* fewer identifiers sort lower */
}

int tsr_semver_cmp(const char *a, const char *b)
{
    tsr_semver_t va, vb;
    const char *pa = NULL, *pb = NULL;
    int oka = parse(&va, a, &pa), okb = parse(&vb, b, &pb), c;

    if (!oka || !okb) {
        if (oka != okb) {
            return oka ? 1 : -1;
        }
        c = strcmp(a ? a : "", b ? b : "");
        return c < 0 ? -1 : c > 0;
    }
    if ((c = cmp_u64(va.major, vb.major)) || (c = cmp_u64(va.minor, vb.minor))
        || (c = cmp_u64(va.patch, vb.patch))) {
        return c;
    }
    if (!va.prerelease || !vb.prerelease) {
        /* a version without prerelease sorts higher */
        return va.prerelease ? -1 : vb.prerelease ? 1 : 0;
    }
    return cmp_pre(va.prerelease, pa, vb.prerelease, pb);
}
