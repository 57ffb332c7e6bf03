/* check_gunzip: gzip'd request bodies: inflated in any pieces, never past
 * the bound (a bomb is refused after the bound, not after the bomb), cut
 * short or corrupt ones refused; and a body reader's gzip and deep
 * nesting modes. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_body.h"
#include "tsr_gunzip.h"
#include "tsr_json.h"

#define refused(rv, err, status, needle)                                    \
    do {                                                                    \
        ck_assert_refusal((rv), (err), (status));                           \
        ck_assert_contains((err)->message, (needle));                       \
    } while (0)

/* What the sink was handed, and how many times. */
typedef struct sunk_t {
    char *buf;
    apr_size_t len, cap;
    int calls;
} sunk_t;

static apr_status_t sink(void *baton, const char *data, apr_size_t len,
                         tsr_error_t **perr)
{
    sunk_t *s = baton;

    if (s->len + len > s->cap) {
        apr_size_t cap = (s->len + len) * 2;
        char *nb = apr_palloc(fx_pool, cap);

        memcpy(nb, s->buf, s->len);
        s->buf = nb;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    s->calls++;
    return APR_SUCCESS;
}

/* Feed gz in pieces of step bytes (0: whole) to a new inflater of bound
 * max; the first failure is returned, else finish's answer. */
static apr_status_t gunzip(const unsigned char *gz, apr_size_t len,
                           apr_size_t step, apr_off_t max, sunk_t *out,
                           tsr_error_t **perr)
{
    tsr_gunzip_t *g;
    apr_size_t at = 0;
    apr_status_t rv;

    memset(out, 0, sizeof(*out));
    *perr = NULL;
    rv = tsr_gunzip_create(&g, fx_pool, max, sink, out, perr);
    ck_assert_int_eq(rv, APR_SUCCESS);
    while (at < len) {
        apr_size_t n = (step == 0 || len - at < step) ? len - at : step;

        if ((rv = tsr_gunzip_feed(g, (const char *)gz + at, n, perr))
            != APR_SUCCESS) {
            return rv;
        }
        at += n;
    }
    rv = tsr_gunzip_finish(g, perr);
    if (rv == APR_SUCCESS) {
        ck_assert_int_eq((int)tsr_gunzip_inflated(g), (int)out->len);
    }
    return rv;
}

static const char *text =
    "{\"demo-pkg\":[\"1.1.0\"],\"@alice/scoped-pkg\":[\"0.1.0\",\"0.2.0\"]}";

START_TEST(inflates_in_any_pieces)
{
    apr_size_t glen, steps[] = { 0, 1, 3, 7, 100 };
    const unsigned char *gz = fx_gzip(fx_pool, text, strlen(text), &glen);
    tsr_error_t *err;
    sunk_t out;
    int i;

    for (i = 0; i < 5; i++) {
        ck_assert_int_eq(gunzip(gz, glen, steps[i], 1000, &out, &err),
                         APR_SUCCESS);
        ck_assert_uint_eq(out.len, strlen(text));
        ck_assert(memcmp(out.buf, text, out.len) == 0);
    }
}
END_TEST

START_TEST(bound_exact_and_one_under)
{
    apr_size_t glen, n = strlen(text);
    const unsigned char *gz = fx_gzip(fx_pool, text, n, &glen);
    tsr_error_t *err;
    sunk_t out;

    ck_assert_int_eq(gunzip(gz, glen, 0, (apr_off_t)n, &out, &err),
                     APR_SUCCESS);
    refused(gunzip(gz, glen, 0, (apr_off_t)n - 1, &out, &err), err, 413,
            "inflates to more than the limit of");
    ck_assert_uint_eq(out.len, 0);
}
END_TEST

/* 256 MiB of zeros gzip to about a megabyte: refused once the bound is
 * passed, having handed the sink no more than the bound. */
START_TEST(bomb_stops_at_the_bound)
{
    fx_gz_t *g = fx_gz_open(fx_pool);
    const unsigned char *gz;
    apr_size_t glen;
    tsr_error_t *err;
    sunk_t out;

    fx_gz_zeros(g, (apr_uint64_t)256 << 20);
    gz = fx_gz_close(g, &glen);
    ck_assert_uint_lt(glen * 100, (apr_size_t)256 << 20);
    refused(gunzip(gz, glen, 4096, 1 << 20, &out, &err), err, 413,
            "limit of 1048576 bytes");
    ck_assert_uint_le(out.len, 1 << 20);
}
END_TEST

START_TEST(cut_short_or_corrupt)
{
    apr_size_t glen, n = strlen(text);
    const unsigned char *gz = fx_gzip(fx_pool, text, n, &glen);
    unsigned char *bad = apr_pmemdup(fx_pool, gz, glen);
    tsr_error_t *err;
    sunk_t out;

    /* Without its trailer, or half of it: over before its end. */
    refused(gunzip(gz, glen - 8, 0, 1000, &out, &err), err, 400,
            "ends before its gzip trailer");
    refused(gunzip(gz, glen / 2, 5, 1000, &out, &err), err, 400,
            "ends before its gzip trailer");
    /* A CRC-32 that does not match. */
    bad[glen - 8] ^= 0x01;
    refused(gunzip(bad, glen, 0, 1000, &out, &err), err, 400,
            "not valid gzip");
    /* Not gzip at all. */
    refused(gunzip((const unsigned char *)text, n, 0, 1000, &out, &err),
            err, 400, "not valid gzip");
    /* Nothing. */
    refused(gunzip(gz, 0, 0, 1000, &out, &err), err, 400, "empty");
}
END_TEST

START_TEST(members_in_a_row)
{
    apr_size_t l1, l2;
    const unsigned char *a = fx_gzip(fx_pool, "{\"a\":", 5, &l1);
    const unsigned char *b = fx_gzip(fx_pool, "[\"1\"]}", 6, &l2);
    unsigned char *both = apr_palloc(fx_pool, l1 + l2 + 3);
    tsr_error_t *err;
    sunk_t out;

    memcpy(both, a, l1);
    memcpy(both + l1, b, l2);
    ck_assert_int_eq(gunzip(both, l1 + l2, 2, 100, &out, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(apr_pstrmemdup(fx_pool, out.buf, out.len),
                     "{\"a\":[\"1\"]}");
    /* Anything else after a member is not a member. */
    memcpy(both + l1, "\0\0\0", 3);
    refused(gunzip(both, l1 + 3, 0, 100, &out, &err), err, 400,
            "not valid gzip");
}
END_TEST

/* A body reader (tsr_body) over gz in pieces. */
static apr_status_t read_gz(const unsigned char *gz, apr_size_t len,
                            int flags, apr_off_t limit, json_object **pdoc,
                            tsr_error_t **perr)
{
    tsr_body_t *b;
    apr_size_t at = 0;
    apr_status_t rv;

    *perr = NULL;
    rv = tsr_body_create(&b, fx_pool, limit, (apr_off_t)len, flags, perr);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    while (at < len) {
        apr_size_t n = len - at < 11 ? len - at : 11;

        if ((rv = tsr_body_feed(b, (const char *)gz + at, n, perr))
            != APR_SUCCESS) {
            return rv;
        }
        at += n;
    }
    return tsr_body_finish(b, pdoc, perr);
}

START_TEST(body_gzip)
{
    const char *big = "{";
    apr_size_t glen, n;
    const unsigned char *gz;
    json_object *doc, *v;
    tsr_error_t *err;
    int i;

    /* Long enough that its gzip is shorter than it, as real ones are. */
    for (i = 0; i < 50; i++) {
        big = apr_psprintf(fx_pool, "%s\"package-%d\":[\"1.0.%d\"],", big,
                           i, i);
    }
    big = apr_pstrcat(fx_pool, big, "\"@alice/scoped-pkg\":[\"0.1.0\","
                      "\"0.2.0\"]}", NULL);
    n = strlen(big);
    gz = fx_gzip(fx_pool, big, n, &glen);
    ck_assert_uint_lt(glen, n);

    ck_assert_int_eq(read_gz(gz, glen, TSR_BODY_GZIP, (apr_off_t)n, &doc,
                             &err), APR_SUCCESS);
    ck_assert(json_object_object_get_ex(doc, "@alice/scoped-pkg", &v));
    ck_assert_int_eq((int)json_object_array_length(v), 2);
    /* The limit bounds the text as well as the bytes sent. */
    refused(read_gz(gz, glen, TSR_BODY_GZIP, (apr_off_t)n - 1, &doc, &err),
            err, 413, "inflates to more than the limit");
    refused(read_gz(gz, glen, TSR_BODY_GZIP, (apr_off_t)glen - 1, &doc,
                    &err), err, 413, "larger than the limit");
    /* Cut short: refused when the body ends. */
    refused(read_gz(gz, glen - 4, TSR_BODY_GZIP, 100000, &doc, &err), err,
            400, "ends before its gzip trailer");
    /* gzip'd text that is not JSON. */
    gz = fx_gzip(fx_pool, "{\"a\":", 5, &glen);
    refused(read_gz(gz, glen, TSR_BODY_GZIP, 1000, &doc, &err), err, 400,
            "malformed JSON");
}
END_TEST

/* depth arrays, each holding the next, as JSON text. */
static const unsigned char *nested(int depth, apr_size_t *plen)
{
    char *s = apr_palloc(fx_pool, 2 * depth + 1);

    memset(s, '[', depth);
    memset(s + depth, ']', depth);
    s[2 * depth] = '\0';
    *plen = 2 * depth;
    return (const unsigned char *)s;
}

START_TEST(body_deep)
{
    apr_size_t len;
    const unsigned char *t = nested(100, &len);
    json_object *doc;
    tsr_error_t *err;

    refused(read_gz(t, len, 0, 100000, &doc, &err), err, 400,
            "nested too deeply");
    ck_assert_int_eq(read_gz(t, len, TSR_BODY_DEEP, 100000, &doc, &err),
                     APR_SUCCESS);
    t = nested(TSR_BODY_DEEP_DEPTH, &len);
    ck_assert_int_eq(read_gz(t, len, TSR_BODY_DEEP, 100000, &doc, &err),
                     APR_SUCCESS);
    t = nested(2 * TSR_BODY_DEEP_DEPTH, &len);
    refused(read_gz(t, len, TSR_BODY_DEEP, 100000, &doc, &err), err, 400,
            "nested too deeply");
}
END_TEST

Suite *make_gunzip_suite(void)
{
    Suite *s = suite_create("gunzip");
    TCase *tc = fx_tcase("inflate");

    tcase_add_test(tc, inflates_in_any_pieces);
    tcase_add_test(tc, bound_exact_and_one_under);
    tcase_add_test(tc, bomb_stops_at_the_bound);
    tcase_add_test(tc, cut_short_or_corrupt);
    tcase_add_test(tc, members_in_a_row);
    suite_add_tcase(s, tc);

    tc = fx_tcase("body");
    tcase_add_test(tc, body_gzip);
    tcase_add_test(tc, body_deep);
    suite_add_tcase(s, tc);
    return s;
}
