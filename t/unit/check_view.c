/* check_view: ready views, from encoding with a marker to the text sent
 * with the base URL spliced in, and refusal of blobs that are not views. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_view.h"

#define MARK "tsrBaseK3y"
#define BASE "http://h/r/"

static tsr_view_t encode_decode(const char *rev, apr_time_t mtime,
                                const char *json, const char **pblob,
                                apr_size_t *plen)
{
    tsr_view_t v;

    ck_assert_int_eq(tsr_view_encode(pblob, plen, fx_pool, rev, mtime, json,
                                     strlen(json), MARK, NULL), APR_SUCCESS);
    memset(&v, 0, sizeof(v));
    ck_assert_int_eq(tsr_view_decode(&v, *pblob, *plen), APR_SUCCESS);
    ck_assert_uint_eq(v.rev_len, strlen(rev));
    ck_assert_int_eq(strncmp(v.rev, rev, v.rev_len), 0);
    ck_assert(v.mtime == mtime);
    return v;
}

/* Concatenate what tsr_view_iovec gives. */
static char *gather(const tsr_view_t *v, const char *base, int *pn)
{
    struct iovec *iov = apr_palloc(fx_pool,
                                   (2 * v->nsplice + 1) * sizeof(*iov));
    char *out = apr_palloc(fx_pool, tsr_view_length(v, strlen(base)) + 1);
    apr_size_t at = 0;
    int i, n = tsr_view_iovec(v, base, strlen(base), iov);

    for (i = 0; i < n; i++) {
        memcpy(out + at, iov[i].iov_base, iov[i].iov_len);
        at += iov[i].iov_len;
    }
    out[at] = '\0';
    *pn = n;
    return out;
}

START_TEST(no_splice)
{
    static const char json[] = "{\"name\":\"a\",\"x\":\"b" MARK "\"}";
    const char *blob;
    apr_size_t len;
    tsr_view_t v = encode_decode("1-abc", 42, json, &blob, &len);
    int n;

    ck_assert_uint_eq(v.nsplice, 0);
    ck_assert_uint_eq(v.payload_len, strlen(json));
    ck_assert_int_eq(memcmp(v.payload, json, v.payload_len), 0);
    ck_assert_uint_eq(tsr_view_length(&v, strlen(BASE)), strlen(json));
    ck_assert_str_eq(tsr_view_flatten(&v, fx_pool, BASE), json);
    ck_assert_str_eq(gather(&v, BASE, &n), json);
    ck_assert_int_eq(n, 1);
}
END_TEST

START_TEST(one_splice)
{
    static const char json[] = "{\"t\":\"" MARK "a/-/a-1.0.0.tgz\"}";
    const char *blob;
    apr_size_t len;
    tsr_view_t v = encode_decode("2-ff", 0, json, &blob, &len);
    int n;

    ck_assert_uint_eq(v.nsplice, 1);
    ck_assert_uint_eq(v.payload_len, strlen(json) - strlen(MARK));
    ck_assert_int_eq(memcmp(v.payload, "{\"t\":\"a/-/a-1.0.0.tgz\"}",
                            v.payload_len), 0);
    ck_assert_uint_eq(tsr_view_length(&v, strlen(BASE)),
                      strlen("{\"t\":\"" BASE "a/-/a-1.0.0.tgz\"}"));
    ck_assert_str_eq(tsr_view_flatten(&v, fx_pool, BASE),
                     "{\"t\":\"" BASE "a/-/a-1.0.0.tgz\"}");
    ck_assert_str_eq(gather(&v, BASE, &n),
                     "{\"t\":\"" BASE "a/-/a-1.0.0.tgz\"}");
    ck_assert_int_eq(n, 3);
    /* an empty base gives the stored relative paths */
    ck_assert_str_eq(tsr_view_flatten(&v, fx_pool, ""),
                     "{\"t\":\"a/-/a-1.0.0.tgz\"}");
}
END_TEST

START_TEST(many_splices)
{
    /* the marker also appears where no string starts with it: in the
     * middle of a word and after a space; those stay as they are */
    static const char json[] =
        "{\"versions\":{\"1.0.0\":{\"dist\":{\"tarball\":\"" MARK
        "a/-/a-1.0.0.tgz\"}},\"2.0.0\":{\"dist\":{\"tarball\":\"" MARK
        "a/-/a-2.0.0.tgz\"}}},\"description\":\"see x" MARK "y and "
        MARK "\",\"k\":\"" MARK "\"}";
    static const char want[] =
        "{\"versions\":{\"1.0.0\":{\"dist\":{\"tarball\":\"" BASE
        "a/-/a-1.0.0.tgz\"}},\"2.0.0\":{\"dist\":{\"tarball\":\"" BASE
        "a/-/a-2.0.0.tgz\"}}},\"description\":\"see x" MARK "y and "
        MARK "\",\"k\":\"" BASE "\"}";
    const char *blob;
    apr_size_t len;
    tsr_view_t v = encode_decode("3-0123", apr_time_from_sec(1700000000),
                                 json, &blob, &len);
    int n;

    ck_assert_uint_eq(v.nsplice, 3);
    ck_assert_uint_eq(v.payload_len, strlen(json) - 3 * strlen(MARK));
    ck_assert_uint_eq(tsr_view_length(&v, strlen(BASE)), strlen(want));
    ck_assert_str_eq(tsr_view_flatten(&v, fx_pool, BASE), want);
    ck_assert_str_eq(gather(&v, BASE, &n), want);
    ck_assert_int_eq(n, 7);
    /* the blob is header, offsets, rev and payload, nothing more */
    ck_assert_uint_eq(len, 20 + 4 * 3 + strlen("3-0123") + v.payload_len);
}
END_TEST

START_TEST(marker_at_end)
{
    static const char json[] = "[\"" MARK;
    const char *blob;
    apr_size_t len;
    tsr_view_t v = encode_decode("1-a", 1, json, &blob, &len);

    ck_assert_uint_eq(v.nsplice, 1);
    ck_assert_str_eq(tsr_view_flatten(&v, fx_pool, BASE), "[\"" BASE);
}
END_TEST

START_TEST(mtime_round_trip)
{
    const char *blob;
    apr_size_t len;
    apr_time_t big = (apr_time_t)0x123456789abcdefLL;
    tsr_view_t v = encode_decode("1-a", big, "{}", &blob, &len);

    ck_assert(v.mtime == big);
    v = encode_decode("1-a", -5, "{}", &blob, &len);
    ck_assert(v.mtime == -5);
}
END_TEST

START_TEST(empty_marker_refused)
{
    const char *blob;
    apr_size_t len;

    ck_assert_int_eq(tsr_view_encode(&blob, &len, fx_pool, "1-a", 0, "{}", 2,
                                     "", NULL), APR_EINVAL);
}
END_TEST

static void put32(char *b, apr_uint32_t v)
{
    b[0] = (char)(v >> 24);
    b[1] = (char)(v >> 16);
    b[2] = (char)(v >> 8);
    b[3] = (char)v;
}

START_TEST(corrupt_blobs)
{
    static const char json[] = "[\"" MARK "a\",\"" MARK "b\"]";
    const char *blob;
    char *bad;
    apr_size_t len;
    tsr_view_t v = encode_decode("1-a", 0, json, &blob, &len);

    ck_assert_uint_eq(v.nsplice, 2);
    /* too short for a header, and nothing at all */
    ck_assert_int_eq(tsr_view_decode(&v, blob, 19), APR_EINVAL);
    ck_assert_int_eq(tsr_view_decode(&v, blob, 0), APR_EINVAL);
    /* not a view: plain JSON text */
    ck_assert_int_eq(tsr_view_decode(&v, "{\"name\":\"a\",\"x\":1}", 18),
                     APR_EINVAL);
    /* wrong magic */
    bad = apr_pmemdup(fx_pool, blob, len);
    bad[3] = '2';
    ck_assert_int_eq(tsr_view_decode(&v, bad, len), APR_EINVAL);
    /* more splice points than the blob has room for */
    bad = apr_pmemdup(fx_pool, blob, len);
    put32(bad + 16, 0x40000000);
    ck_assert_int_eq(tsr_view_decode(&v, bad, len), APR_EINVAL);
    put32(bad + 16, 0xffffffff);
    ck_assert_int_eq(tsr_view_decode(&v, bad, len), APR_EINVAL);
    /* a revision longer than the blob */
    bad = apr_pmemdup(fx_pool, blob, len);
    put32(bad + 4, (apr_uint32_t)len);
    ck_assert_int_eq(tsr_view_decode(&v, bad, len), APR_EINVAL);
    put32(bad + 4, 0xffffffff);
    ck_assert_int_eq(tsr_view_decode(&v, bad, len), APR_EINVAL);
    /* an offset past the payload */
    bad = apr_pmemdup(fx_pool, blob, len);
    put32(bad + 24, 0x7fffffff);
    ck_assert_int_eq(tsr_view_decode(&v, bad, len), APR_EINVAL);
    /* offsets out of order */
    bad = apr_pmemdup(fx_pool, blob, len);
    put32(bad + 20, 5);
    put32(bad + 24, 4);
    ck_assert_int_eq(tsr_view_decode(&v, bad, len), APR_EINVAL);
    /* a truncated blob */
    ck_assert_int_eq(tsr_view_decode(&v, blob, 20 + 4), APR_EINVAL);
    /* the untouched blob still decodes */
    ck_assert_int_eq(tsr_view_decode(&v, blob, len), APR_SUCCESS);
}
END_TEST

/* A view for some readers says who they are, and nothing else changes;
 * a public view keeps the first layout byte for byte. */
START_TEST(readers)
{
    const char *json = "{\"a\":\"" MARK "/x.tgz\"}", *pub, *priv;
    apr_size_t plen, rlen;
    tsr_view_t v, w;

    ck_assert_int_eq(tsr_view_encode(&pub, &plen, fx_pool, "2-b", 7, json,
                                     strlen(json), MARK, NULL), APR_SUCCESS);
    ck_assert_int_eq(memcmp(pub, "TSV1", 4), 0);
    ck_assert_int_eq(tsr_view_encode(&priv, &rlen, fx_pool, "2-b", 7, json,
                                     strlen(json), MARK, "ann,bob"),
                     APR_SUCCESS);
    ck_assert_int_eq(memcmp(priv, "TSV2", 4), 0);
    ck_assert_int_eq(tsr_view_decode(&v, pub, plen), APR_SUCCESS);
    ck_assert_int_eq(tsr_view_decode(&w, priv, rlen), APR_SUCCESS);
    ck_assert_ptr_null(v.readers);
    ck_assert_uint_eq(w.readers_len, 7);
    ck_assert_str_eq(tsr_view_flatten(&v, fx_pool, "http://h/"),
                     tsr_view_flatten(&w, fx_pool, "http://h/"));
    ck_assert(tsr_view_readable_by(&v, NULL));
    ck_assert(tsr_view_readable_by(&v, "zed"));
    ck_assert(tsr_view_readable_by(&w, "ann"));
    ck_assert(tsr_view_readable_by(&w, "bob"));
    ck_assert(!tsr_view_readable_by(&w, "an"));
    ck_assert(!tsr_view_readable_by(&w, "bo"));
    ck_assert(!tsr_view_readable_by(&w, "ann,bob"));
    ck_assert(!tsr_view_readable_by(&w, NULL));
    ck_assert(!tsr_view_readable_by(&w, ""));
    /* a readers length past the blob is no view */
    ck_assert_int_eq(tsr_view_decode(&w, priv, 24), APR_EINVAL);
}
END_TEST

Suite *make_view_suite(void)
{
    Suite *s = suite_create("view");
    TCase *tc = fx_tcase("encode");

    tcase_add_test(tc, no_splice);
    tcase_add_test(tc, one_splice);
    tcase_add_test(tc, many_splices);
    tcase_add_test(tc, marker_at_end);
    tcase_add_test(tc, mtime_round_trip);
    tcase_add_test(tc, empty_marker_refused);
    tcase_add_test(tc, readers);
    tcase_add_test(tc, corrupt_blobs);
    suite_add_tcase(s, tc);
    return s;
}
