/* check_gzip: Accept-Encoding as RFC 9110 reads it, gzip'd views that
 * inflate to the plain text with the base spliced in, gzip records, and
 * the store keeping them in step with the views on every write. */
#include <zlib.h>
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_gzip.h"
#include "tsr_view.h"
#include "tsr_store_bdb.h"
#include "tsr_publish.h"
#include "tsr_disttag.h"
#include "tsr_unpublish.h"
#include "tsr_reindex.h"
#include "tsr_json.h"

START_TEST(accept_encoding)
{
    static const struct {
        const char *header;
        int gzip;
    } cases[] = {
        { "gzip", 1 },
        { "x-gzip", 1 },
        { "GZip", 1 },
        { "gzip, deflate", 1 },
        { "deflate, gzip", 1 },
        { "br;q=1.0, gzip;q=0.8, *;q=0.1", 1 },
        { "gzip;q=0.001", 1 },
        { "gzip ; q=1", 1 },
        { "gzip;Q=0.5", 1 },
        { "*", 1 },
        { "identity, *;q=0.5", 1 },
        { "gzip;q=0", 0 },
        { "gzip;q=0.000", 0 },
        { "x-gzip;q=0", 0 },
        { "gzip;q=0, *", 0 },
        { "*;q=0", 0 },
        { "identity", 0 },
        { "deflate, br", 0 },
        { "gzipx", 0 },
        { "xgzip", 0 },
        { "", 0 },
        { ",,", 0 },
        { "gzip;q=1.5", 0 },
        { "gzip;q=abc", 0 },
        { "gzip;q=0.5000", 0 },
        /* the highest weight a name is given counts */
        { "gzip;q=0, gzip", 1 },
    };
    apr_size_t i;

    ck_assert_int_eq(tsr_gzip_accepted(NULL), 0);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(tsr_gzip_accepted(cases[i].header) == cases[i].gzip,
                      "Accept-Encoding: \"%s\" should %stake gzip",
                      cases[i].header, cases[i].gzip ? "" : "not ");
    }
}
END_TEST

/* The inflated bytes of a gzip member, NUL-terminated. */
static char *inflated(const char *gz, apr_size_t len, apr_size_t *pout)
{
    z_stream z;
    apr_size_t room = 1 << 20;
    char *out = apr_palloc(fx_pool, room + 1);

    memset(&z, 0, sizeof(z));
    ck_assert_int_eq(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (Bytef *)gz;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)room;
    ck_assert_int_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
    ck_assert_uint_eq(z.avail_in, 0);
    *pout = room - z.avail_out;
    out[*pout] = '\0';
    inflateEnd(&z);
    return out;
}

static const char *doc_text =
    "{\"name\":\"p\",\"versions\":{\"1.0.0\":{\"dist\":{\"tarball\":"
    "\"MARKp/-/p-1.0.0.tgz\"}},\"1.1.0\":{\"dist\":{\"tarball\":"
    "\"MARKp/-/p-1.1.0.tgz\"}}}}";

static tsr_view_t make_view(const char *readers)
{
    const char *blob;
    apr_size_t len;
    tsr_view_t v;

    ck_assert_int_eq(tsr_view_encode(&blob, &len, fx_pool, "2-abc",
                                     apr_time_from_sec(1000), doc_text,
                                     strlen(doc_text), "MARK", readers),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_view_decode(&v, blob, len), APR_SUCCESS);
    return v;
}

START_TEST(view_gzip_inflates_to_flattened)
{
    static const char *const bases[] = { "http://h/", "", 
                                         "https://registry.example.test/"
                                         "a/long/prefix/" };
    tsr_view_t v = make_view(NULL);
    apr_size_t i;

    for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
        const char *gz, *gz2;
        apr_size_t len, len2, out;
        char *text;

        ck_assert_int_eq(tsr_gzip_view(&gz, &len, fx_pool, &v, bases[i],
                                       strlen(bases[i]), 9), APR_SUCCESS);
        /* a gzip member: magic, deflate, no name, no time */
        ck_assert_int_eq((unsigned char)gz[0], 0x1f);
        ck_assert_int_eq((unsigned char)gz[1], 0x8b);
        ck_assert_int_eq(gz[2], 8);
        ck_assert_int_eq(gz[3] & 0x08, 0);
        ck_assert_int_eq(gz[4] | gz[5] | gz[6] | gz[7], 0);
        text = inflated(gz, len, &out);
        ck_assert_str_eq(text, tsr_view_flatten(&v, fx_pool, bases[i]));
        /* the same bytes every time: ETags and Content-Length hold */
        ck_assert_int_eq(tsr_gzip_view(&gz2, &len2, fx_pool, &v, bases[i],
                                       strlen(bases[i]), 9), APR_SUCCESS);
        ck_assert_uint_eq(len2, len);
        ck_assert_mem_eq(gz2, gz, len);
    }
}
END_TEST

START_TEST(record_round_trip)
{
    tsr_view_t v = make_view("alice,bob"), g;
    const char *rec, *base;
    apr_size_t len, blen, out;
    const char *blob;
    apr_size_t bloblen;

    ck_assert_int_eq(tsr_view_encode(&blob, &bloblen, fx_pool, "2-abc",
                                     apr_time_from_sec(1000), doc_text,
                                     strlen(doc_text), "MARK", "alice,bob"),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_gzip_record_make(&rec, &len, fx_pool, blob,
                                          bloblen, "http://h/npm/"),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_gzip_record_decode(rec, len, &base, &blen, &g),
                     APR_SUCCESS);
    ck_assert_uint_eq(blen, strlen("http://h/npm/"));
    ck_assert_int_eq(memcmp(base, "http://h/npm/", blen), 0);
    /* the plain view's revision, time and readers travel with it */
    ck_assert_uint_eq(g.rev_len, 5);
    ck_assert_int_eq(memcmp(g.rev, "2-abc", 5), 0);
    ck_assert(g.mtime == v.mtime);
    ck_assert(tsr_view_readable_by(&g, "bob"));
    ck_assert(!tsr_view_readable_by(&g, "carol"));
    ck_assert(!tsr_view_readable_by(&g, NULL));
    ck_assert_uint_eq(g.nsplice, 0);
    ck_assert_str_eq(inflated(g.payload, g.payload_len, &out),
                     tsr_view_flatten(&v, fx_pool, "http://h/npm/"));

    /* not records: a plain view, truncations, a base past the end */
    ck_assert_int_eq(tsr_gzip_record_decode(blob, bloblen, &base, &blen,
                                            &g), APR_EINVAL);
    ck_assert_int_eq(tsr_gzip_record_decode(rec, 7, &base, &blen, &g),
                     APR_EINVAL);
    ck_assert_int_eq(tsr_gzip_record_decode(rec, 8 + blen + 3, &base,
                                            &blen, &g), APR_EINVAL);
    {
        char *bad = apr_pmemdup(fx_pool, rec, len);

        bad[4] = 0x7f;
        ck_assert_int_eq(tsr_gzip_record_decode(bad, len, &base, &blen,
                                                &g), APR_EINVAL);
    }
    ck_assert_int_eq(tsr_gzip_record_make(&rec, &len, fx_pool, "nope", 4,
                                          "http://h/"), APR_EINVAL);
}
END_TEST

/* ---- the store keeps the records in step with the views ---- */

static tsr_store_t *open_store(void)
{
    tsr_bdb_options_t o;
    tsr_store_t *s = NULL;
    const char *dir = fx_tempdir(fx_pool);

    memset(&o, 0, sizeof(o));
    o.create = 1;
    o.cache_bytes = 1 << 20;
    ck_assert_int_eq(tsr_store_bdb_prepare(fx_pool, dir, -1, -1, &o),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_store_bdb_open(&s, fx_pool, dir, &o), APR_SUCCESS);
    return s;
}

/* The record of kind for name: its base (NUL-terminated) and its text
 * inflated, which must be the plain view of the same revision flattened
 * for that base; NULL when there is none. */
static const char *record_base(tsr_store_t *s, const char *name,
                               tsr_view_kind_e kind, char **ptext)
{
    const char *rec, *base, *blob;
    apr_size_t len, blen, bloblen, out;
    tsr_view_t g, v;
    apr_status_t rv;
    char *b;

    rv = tsr_store_package_view(s, fx_pool, name, kind, &rec, &len);
    if (rv == TSR_ENOTFOUND) {
        return NULL;
    }
    ck_assert_int_eq(rv, APR_SUCCESS);
    ck_assert_int_eq(tsr_gzip_record_decode(rec, len, &base, &blen, &g),
                     APR_SUCCESS);
    b = apr_pstrmemdup(fx_pool, base, blen);
    ck_assert_int_eq(tsr_store_package_view(s, fx_pool, name,
                                            kind == TSR_VIEW_FULL_GZ
                                                ? TSR_VIEW_FULL
                                                : TSR_VIEW_ABBREV,
                                            &blob, &bloblen), APR_SUCCESS);
    ck_assert_int_eq(tsr_view_decode(&v, blob, bloblen), APR_SUCCESS);
    ck_assert_uint_eq(g.rev_len, v.rev_len);
    ck_assert_int_eq(memcmp(g.rev, v.rev, v.rev_len), 0);
    *ptext = inflated(g.payload, g.payload_len, &out);
    ck_assert_str_eq(*ptext, tsr_view_flatten(&v, fx_pool, b));
    return b;
}

static void publish(tsr_store_t *s, const char *name, const char *version)
{
    tsr_tarball_limits_t lim;
    tsr_publish_t *pub = NULL;
    tsr_publish_result_t res;
    tsr_error_t *err = NULL;
    static const tsr_publisher_t alice = { "alice", "alice@example.com" };
    apr_size_t len;
    const unsigned char *tgz = fx_package_tarball(fx_pool, name, version,
                                                  &len);

    tsr_tarball_default_limits(&lim);
    ck_assert_int_eq(tsr_publish_parse(&pub, fx_pool, name,
                                       fx_publish_body(fx_pool, name,
                                                       version, tgz, len),
                                       &lim, &err), APR_SUCCESS);
    memset(&res, 0, sizeof(res));
    ck_assert_int_eq(tsr_publish_commit(&res, fx_pool, s, pub, &alice,
                                        &err), APR_SUCCESS);
}

START_TEST(store_keeps_records)
{
    tsr_store_t *s = open_store();
    tsr_store_t *npm = tsr_store_for_base(s, fx_pool, "http://h/npm/");
    tsr_store_t *pub = tsr_store_for_base(s, fx_pool, "https://pub/x/");
    tsr_actor_t alice = { "alice", 0 };
    tsr_error_t *err = NULL;
    const char *rev;
    char *text;

    /* the process handle is not changed by a handle made from it */
    ck_assert_ptr_null(s->gzip_base);
    ck_assert_str_eq(npm->gzip_base, "http://h/npm/");

    /* a write without a base, and none before: no records */
    publish(s, "p", "1.0.0");
    ck_assert_ptr_null(record_base(s, "p", TSR_VIEW_FULL_GZ, &text));
    ck_assert_ptr_null(record_base(s, "p", TSR_VIEW_ABBREV_GZ, &text));

    /* a write with a base: both records, for it, of the new revision */
    publish(npm, "p", "1.1.0");
    ck_assert_str_eq(record_base(s, "p", TSR_VIEW_FULL_GZ, &text),
                     "http://h/npm/");
    ck_assert_contains(text, "\"http://h/npm/p/-/p-1.1.0.tgz\"");
    ck_assert_str_eq(record_base(s, "p", TSR_VIEW_ABBREV_GZ, &text),
                     "http://h/npm/");
    ck_assert_contains(text, "\"1.1.0\"");

    /* a write without a base keeps the base, with the new text */
    ck_assert_int_eq(tsr_disttag_set(fx_pool, s, "p", &alice, "beta",
                                     "1.0.0", &err), APR_SUCCESS);
    ck_assert_str_eq(record_base(s, "p", TSR_VIEW_ABBREV_GZ, &text),
                     "http://h/npm/");
    ck_assert_contains(text, "\"beta\":\"1.0.0\"");

    /* the last writer's base wins */
    publish(pub, "p", "1.2.0");
    ck_assert_str_eq(record_base(s, "p", TSR_VIEW_FULL_GZ, &text),
                     "https://pub/x/");
    ck_assert_contains(text, "\"https://pub/x/p/-/p-1.2.0.tgz\"");

    /* a reindex of the views keeps the records, for the same base */
    ck_assert_int_eq(tsr_reindex_run(fx_pool, s, tsr_reindex_step("views"),
                                     NULL, NULL, NULL, &err), APR_SUCCESS);
    ck_assert_str_eq(record_base(s, "p", TSR_VIEW_FULL_GZ, &text),
                     "https://pub/x/");

    /* unpublished as a whole: the records go with the views */
    {
        const char *blob;
        apr_size_t len;
        tsr_view_t v;

        ck_assert_int_eq(tsr_store_package_view(s, fx_pool, "p",
                                                TSR_VIEW_FULL, &blob, &len),
                         APR_SUCCESS);
        ck_assert_int_eq(tsr_view_decode(&v, blob, len), APR_SUCCESS);
        rev = apr_pstrmemdup(fx_pool, v.rev, v.rev_len);
    }
    ck_assert_int_eq(tsr_unpublish_package(fx_pool, npm, "p", &alice, rev,
                                           &err), APR_SUCCESS);
    ck_assert_ptr_null(record_base(s, "p", TSR_VIEW_FULL_GZ, &text));
    ck_assert_ptr_null(record_base(s, "p", TSR_VIEW_ABBREV_GZ, &text));
}
END_TEST

Suite *make_gzip_suite(void)
{
    Suite *s = suite_create("gzip");
    TCase *tc = fx_tcase("gzip");

    tcase_add_test(tc, accept_encoding);
    tcase_add_test(tc, view_gzip_inflates_to_flattened);
    tcase_add_test(tc, record_round_trip);
    tcase_add_test(tc, store_keeps_records);
    suite_add_tcase(s, tc);
    return s;
}
