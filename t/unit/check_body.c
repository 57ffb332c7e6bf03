/* check_body: request bodies taken in pieces: the byte limit, and the
 * publish attachment found in its one right place and decoded on the way
 * while the rest of the document goes to json-c. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_body.h"
#include "tsr_json.h"
#include "tsr_publish.h"

/* Feed text in pieces of step bytes (0: whole) to a new reader. */
static apr_status_t read_body(tsr_body_t **pb, const char *text,
                              apr_size_t len, apr_size_t step, int flags,
                              apr_off_t limit, apr_off_t expect,
                              json_object **pdoc, tsr_error_t **perr)
{
    apr_size_t at = 0;
    apr_status_t rv;

    *perr = NULL;
    *pdoc = NULL;
    rv = tsr_body_create(pb, fx_pool, limit, expect, flags, perr);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    while (at < len) {
        apr_size_t n = (step == 0 || len - at < step) ? len - at : step;

        if ((rv = tsr_body_feed(*pb, text + at, n, perr)) != APR_SUCCESS) {
            return rv;
        }
        at += n;
    }
    return tsr_body_finish(*pb, pdoc, perr);
}

/* Read text (NUL-terminated) as a publish body with a roomy limit. */
static apr_status_t pub(tsr_body_t **pb, const char *text, apr_size_t step,
                        json_object **pdoc, tsr_error_t **perr)
{
    return read_body(pb, text, strlen(text), step, TSR_BODY_ATTACHMENT,
                     1000 * 1000, -1, pdoc, perr);
}

/* The attachment as a NUL-terminated string ("" when none; "(none)" when
 * nothing was taken). */
static const char *att_text(tsr_body_t *b)
{
    apr_size_t len;
    const unsigned char *a = tsr_body_attachment(b, &len);

    if (a == NULL) {
        ck_assert_uint_eq(len, 0);
        return "(none)";
    }
    return apr_pstrmemdup(fx_pool, (const char *)a, len);
}

/* The string at a path of the document ("(absent)" when not a string). */
static const char *at_path(json_object *o, const char *const *path)
{
    for (; *path; path++) {
        if (!json_object_is_type(o, json_type_object)
            || !json_object_object_get_ex(o, *path, &o)) {
            return "(absent)";
        }
    }
    return json_object_is_type(o, json_type_string)
               ? json_object_get_string(o) : "(absent)";
}

#define refused(rv, err, status, needle)                                    \
    do {                                                                    \
        ck_assert_refusal((rv), (err), (status));                           \
        ck_assert_contains((err)->message, (needle));                       \
    } while (0)

static const char *const data_path[] = { "_attachments", "a.tgz", "data",
                                         NULL };

START_TEST(limit_exact_accepted)
{
    tsr_body_t *b;
    json_object *doc;
    tsr_error_t *err;
    const char *text = "{\"pad\":\"xxxxxxxxxx\"}";    /* 20 bytes */

    /* Announced and chunked, plain and publish: exactly the limit passes. */
    ck_assert_int_eq(read_body(&b, text, 20, 0, 0, 20, 20, &doc, &err),
                     APR_SUCCESS);
    ck_assert_int_eq((int)tsr_body_length(b), 20);
    ck_assert_str_eq(tsr_json_str(doc, "pad"), "xxxxxxxxxx");
    ck_assert_int_eq(read_body(&b, text, 20, 3, 0, 20, -1, &doc, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(read_body(&b, text, 20, 1, TSR_BODY_ATTACHMENT, 20, -1,
                               &doc, &err), APR_SUCCESS);
    ck_assert_str_eq(tsr_json_str(doc, "pad"), "xxxxxxxxxx");
}
END_TEST

START_TEST(limit_plus_one_refused)
{
    tsr_body_t *b;
    json_object *doc;
    tsr_error_t *err;
    const char *text = "{\"pad\":\"xxxxxxxxxxx\"}";   /* 21 bytes */
    apr_status_t rv;

    /* Announced: refused before a byte is read. */
    rv = read_body(&b, text, 21, 0, 0, 20, 21, &doc, &err);
    refused(rv, err, 413, "of 21 bytes is larger than the limit of 20");
    ck_assert_ptr_null(b);

    /* Chunked: refused at the byte that passes the limit, and the reader
     * takes nothing after. */
    rv = tsr_body_create(&b, fx_pool, 20, -1, 0, &err);
    ck_assert_int_eq(rv, APR_SUCCESS);
    ck_assert_int_eq(tsr_body_feed(b, text, 20, &err), APR_SUCCESS);
    rv = tsr_body_feed(b, text + 20, 1, &err);
    refused(rv, err, 413, "larger than the limit of 20 bytes");
    ck_assert_int_ne(tsr_body_feed(b, "", 0, &err), APR_SUCCESS);
    ck_assert_int_ne(tsr_body_finish(b, &doc, &err), APR_SUCCESS);
    ck_assert_ptr_null(doc);

    rv = read_body(&b, text, 21, 4, TSR_BODY_ATTACHMENT, 20, -1, &doc, &err);
    refused(rv, err, 413, "larger than the limit of 20 bytes");
}
END_TEST

START_TEST(plain_errors_as_json)
{
    tsr_body_t *b;
    json_object *doc;
    tsr_error_t *err;

    refused(read_body(&b, "", 0, 0, 0, 100, 0, &doc, &err), err, 400,
            "the request body is empty");
    refused(read_body(&b, "{\"a\":", 5, 2, 0, 100, -1, &doc, &err), err,
            400, "malformed JSON");
    refused(read_body(&b, "{} {}", 5, 1, TSR_BODY_ATTACHMENT, 100, -1, &doc,
                      &err), err, 400, "malformed JSON");
    refused(read_body(&b, "{\"a\":\"\xff\"}", 9, 1, TSR_BODY_ATTACHMENT, 100,
                      -1, &doc, &err), err, 400, "invalid UTF-8");
}
END_TEST

/* Every way of cutting the body in pieces gives the same result. */
START_TEST(found_in_any_pieces)
{
    static const apr_size_t steps[] = { 0, 1, 2, 3, 5, 7, 64 };
    const char *text = "{\"name\":\"a\",\"_attachments\":{\"a.tgz\":"
                       "{\"content_type\":\"x\",\"data\":\"aGVsbG8gd29ybGQ=\","
                       "\"length\":11}},\"after\":[1,{\"k\":\"v\"}]}";
    apr_size_t i;

    for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        tsr_body_t *b;
        json_object *doc;
        tsr_error_t *err;

        ck_assert_int_eq(pub(&b, text, steps[i], &doc, &err), APR_SUCCESS);
        ck_assert_str_eq(att_text(b), "hello world");
        /* The document keeps an empty string in the data's place and
         * everything else as it was. */
        ck_assert_str_eq(at_path(doc, data_path), "");
        ck_assert_str_eq(tsr_json_str(doc, "name"), "a");
        ck_assert_int_eq((int)json_object_array_length(
                             json_object_object_get(doc, "after")), 2);
    }
}
END_TEST

START_TEST(data_elsewhere_not_taken)
{
    tsr_body_t *b;
    json_object *doc;
    tsr_error_t *err;
    static const char *const ver_data[] = { "versions", "1.0.0", "data",
                                            NULL };
    static const char *const deep_data[] = { "_attachments", "a.tgz",
                                             "inner", "data", NULL };
    const char *text =
        "{\"data\":\"QUFB\",\"versions\":{\"1.0.0\":{\"data\":\"QkJC\"}},"
        "\"other\":{\"a.tgz\":{\"data\":\"Q0ND\"}},"
        "\"list\":[{\"_attachments\":{\"a.tgz\":{\"data\":\"RERE\"}}}],"
        "\"_attachments\":{\"a.tgz\":{\"inner\":{\"data\":\"RUVF\"},"
        "\"x\":[\"data\",\"RkZG\"],\"data\":\"R0dH\",\"length\":3}}}";

    ck_assert_int_eq(pub(&b, text, 1, &doc, &err), APR_SUCCESS);
    ck_assert_str_eq(att_text(b), "GGG");
    ck_assert_str_eq(tsr_json_str(doc, "data"), "QUFB");
    ck_assert_str_eq(at_path(doc, ver_data), "QkJC");
    ck_assert_str_eq(at_path(doc, deep_data), "RUVF");
    ck_assert_str_eq(at_path(doc, data_path), "");

    /* A data that is a value, not a key, and a key "data" whose value is
     * not a string, are not taken. */
    ck_assert_int_eq(pub(&b, "{\"_attachments\":{\"a.tgz\":{\"k\":\"data\","
                              "\"data\":5}}}", 1, &doc, &err), APR_SUCCESS);
    ck_assert_str_eq(att_text(b), "(none)");

    /* Keys that only start or end like the path's. */
    ck_assert_int_eq(pub(&b, "{\"_attachmentsX\":{\"a.tgz\":{\"data\":\"QQ==\""
                              "}},\"_attachments\":{\"a.tgz\":{\"datas\":"
                              "\"QQ==\",\"dat\":\"QQ==\"}}}", 0, &doc, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(att_text(b), "(none)");

    /* The top value is an array: nothing is a member of anything. */
    ck_assert_int_eq(pub(&b, "[{\"_attachments\":{\"a.tgz\":{\"data\":"
                              "\"QQ==\"}}}]", 0, &doc, &err), APR_SUCCESS);
    ck_assert_str_eq(att_text(b), "(none)");
}
END_TEST

START_TEST(escapes)
{
    tsr_body_t *b;
    json_object *doc;
    tsr_error_t *err;

    /* Keys are compared unescaped, as json-c reads them. */
    ck_assert_int_eq(pub(&b, "{\"_attach\\u006dents\":{\"a.tgz\":{\"d\\u0061"
                              "ta\":\"QUJD\"}}}", 1, &doc, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(att_text(b), "ABC");
    ck_assert_int_eq(pub(&b, "{\"_attachments\":{\"a\\\".tgz\":{\"data\":"
                              "\"QUJD\"}}}", 0, &doc, &err), APR_SUCCESS);
    ck_assert_str_eq(att_text(b), "ABC");

    /* Strings that hold quotes, backslashes and braces do not end early. */
    ck_assert_int_eq(pub(&b, "{\"readme\":\"a \\\"}{\\\\\\\" \\u0022 [\","
                              "\"_attachments\":{\"a.tgz\":{\"data\":"
                              "\"QUJD\"}}}", 1, &doc, &err), APR_SUCCESS);
    ck_assert_str_eq(att_text(b), "ABC");
    ck_assert_str_eq(tsr_json_str(doc, "readme"), "a \"}{\\\" \" [");

    /* "\/" is legal JSON for "/" and json-c writes base64 that way. */
    ck_assert_int_eq(pub(&b, "{\"_attachments\":{\"a.tgz\":{\"data\":"
                              "\"\\/\\/\\/\\/\"}}}", 1, &doc, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(att_text(b), "\xff\xff\xff");
}
END_TEST

START_TEST(invalid_base64)
{
    static const char *const bad[] = {
        "!!!!", "QUJ", "QUJDR", "QQ=A", "Q===", "====", "QR==", "QUK=",
        "QQ==QUJD", "QUJD\\n", "\\u0041UJD", "QU JD", "QUJD\xc3\xa9",
    };
    apr_size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tsr_body_t *b;
        json_object *doc;
        tsr_error_t *err;
        const char *text = apr_psprintf(fx_pool, "{\"_attachments\":"
                                        "{\"a.tgz\":{\"data\":\"%s\"}}}",
                                        bad[i]);

        refused(pub(&b, text, 2, &doc, &err), err, 400,
                "not valid base64");
    }
}
END_TEST

START_TEST(valid_base64)
{
    static const char *const good[][2] = {
        { "", "" }, { "QQ==", "A" }, { "QUI=", "AB" }, { "QUJD", "ABC" },
        { "QUJDRA==", "ABCD" },
    };
    apr_size_t i;

    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        tsr_body_t *b;
        json_object *doc;
        tsr_error_t *err;
        const char *text = apr_psprintf(fx_pool, "{\"_attachments\":"
                                        "{\"a.tgz\":{\"data\":\"%s\"}}}",
                                        good[i][0]);

        ck_assert_int_eq(pub(&b, text, 1, &doc, &err), APR_SUCCESS);
        ck_assert_str_eq(att_text(b), good[i][1]);
    }
}
END_TEST

START_TEST(nesting)
{
    tsr_body_t *b;
    json_object *doc;
    tsr_error_t *err;
    char *deep = apr_palloc(fx_pool, 20002);
    int n;

    /* Within json-c's limit: read; past it: json-c's refusal; far past
     * it: the scanner's own, with the same words. */
    for (n = 0; n < 3; n++) {
        int levels = n == 0 ? 60 : n == 1 ? 200 : 10000;
        apr_status_t rv;

        memset(deep, '[', levels);
        memset(deep + levels, ']', levels);
        deep[2 * levels] = '\0';
        rv = pub(&b, deep, 0, &doc, &err);
        if (n == 0) {
            ck_assert_int_eq(rv, APR_SUCCESS);
        }
        else {
            refused(rv, err, 400, "nested too deeply");
        }
    }
    /* Closers out of place do not confuse what follows for json-c. */
    refused(pub(&b, "]]{\"_attachments\":{\"a.tgz\":{\"data\":\"QQ==\"}}}",
                0, &doc, &err), err, 400, "malformed JSON");
}
END_TEST

START_TEST(missing_attachment)
{
    tsr_body_t *b;
    json_object *doc;
    tsr_error_t *err;

    ck_assert_int_eq(pub(&b, "{\"name\":\"a\"}", 0, &doc, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(att_text(b), "(none)");
    ck_assert_int_eq(pub(&b, "{\"_attachments\":{}}", 0, &doc, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(att_text(b), "(none)");
    ck_assert_int_eq(pub(&b, "{\"_attachments\":{\"a.tgz\":{\"length\":0}}}",
                         0, &doc, &err), APR_SUCCESS);
    ck_assert_str_eq(att_text(b), "(none)");
}
END_TEST

START_TEST(two_attachments)
{
    tsr_body_t *b;
    json_object *doc;
    tsr_error_t *err;

    refused(pub(&b, "{\"_attachments\":{\"a.tgz\":{\"data\":\"QQ==\"},"
                    "\"b.tgz\":{\"data\":\"Qg==\"}}}", 1, &doc, &err), err,
            400, "more than one tarball");
    /* The same key twice, or a second _attachments, is no way around. */
    refused(pub(&b, "{\"_attachments\":{\"a.tgz\":{\"data\":\"QQ==\","
                    "\"data\":\"Qg==\"}}}", 0, &doc, &err), err, 400,
            "more than one tarball");
    refused(pub(&b, "{\"_attachments\":{\"a.tgz\":{\"data\":\"QQ==\"}},"
                    "\"_attachments\":{\"a.tgz\":{\"data\":\"Qg==\"}}}", 0,
                &doc, &err), err, 400, "more than one tarball");
}
END_TEST

START_TEST(sigstore_skipped)
{
    tsr_body_t *b;
    json_object *doc;
    tsr_error_t *err;
    static const char *const sig[] = { "_attachments", "a.sigstore", "data",
                                       NULL };
    static const char *const bare[] = { "_attachments", ".sigstore", "data",
                                        NULL };

    ck_assert_int_eq(pub(&b, "{\"_attachments\":{\"a.sigstore\":{\"data\":"
                              "\"{\\\"not\\\": \\\"base64\\\"}\"},"
                              "\"a.tgz\":{\"data\":\"QUJD\"}}}", 1, &doc,
                         &err), APR_SUCCESS);
    ck_assert_str_eq(att_text(b), "ABC");
    ck_assert_str_eq(at_path(doc, sig), "{\"not\": \"base64\"}");

    /* As find_attachment: a key that is only the suffix is a tarball. */
    ck_assert_int_eq(pub(&b, "{\"_attachments\":{\".sigstore\":{\"data\":"
                              "\"QUJD\"}}}", 0, &doc, &err), APR_SUCCESS);
    ck_assert_str_eq(att_text(b), "ABC");
    ck_assert_str_eq(at_path(doc, bare), "");
}
END_TEST

START_TEST(truncated)
{
    tsr_body_t *b;
    json_object *doc;
    tsr_error_t *err;

    /* Inside the data, and after it. */
    refused(pub(&b, "{\"_attachments\":{\"a.tgz\":{\"data\":\"QUJD", 1, &doc,
                &err), err, 400, "malformed JSON");
    ck_assert_str_eq(att_text(b), "(none)");
    refused(pub(&b, "{\"_attachments\":{\"a.tgz\":{\"data\":\"QUJD\"", 1,
                &doc, &err), err, 400, "malformed JSON");
    refused(pub(&b, "{\"_attachments\":{\"a.tgz\":{\"data\":\"QUJD\\", 1,
                &doc, &err), err, 400, "malformed JSON");
}
END_TEST

/* A real publish body, as json-c writes it (slashes escaped), read in odd
 * pieces, gives the publish its tarball without a second decode. */
START_TEST(publish_from_pieces)
{
    tsr_tarball_limits_t lim;
    apr_size_t tlen;
    const unsigned char *tgz = fx_package_tarball(fx_pool, "a", "1.0.0",
                                                  &tlen);
    json_object *body = fx_publish_body(fx_pool, "a", "1.0.0", tgz, tlen);
    const char *text = json_object_to_json_string(body);
    tsr_publish_attachment_t att;
    tsr_publish_t *p;
    tsr_body_t *b;
    json_object *doc;
    tsr_error_t *err;

    ck_assert_ptr_nonnull(strstr(text, "\\/"));
    ck_assert_int_eq(pub(&b, text, 333, &doc, &err), APR_SUCCESS);
    att.data = tsr_body_attachment(b, &att.len);
    ck_assert_ptr_nonnull(att.data);
    ck_assert_uint_eq(att.len, tlen);
    ck_assert(memcmp(att.data, tgz, tlen) == 0);

    tsr_tarball_default_limits(&lim);
    ck_assert_int_eq(tsr_publish_parse_decoded(&p, fx_pool, "a", doc, &att,
                                               &lim, &err), APR_SUCCESS);
    ck_assert_ptr_eq(p->tarball, att.data);
    ck_assert_str_eq(p->dist.shasum, fx_sha1_hex(fx_pool, tgz, tlen));

    /* The length the body announces is still checked against the bytes. */
    json_object_object_add(json_object_object_get(
                               json_object_object_get(doc, "_attachments"),
                               "a-1.0.0.tgz"),
                           "length", json_object_new_int(5));
    refused(tsr_publish_parse_decoded(&p, fx_pool, "a", doc, &att, &lim,
                                      &err), err, 400,
            "length says 5 bytes");

    /* Data the reader did not take belongs to another attachment. */
    json_object_object_add(json_object_object_get(
                               json_object_object_get(doc, "_attachments"),
                               "a-1.0.0.tgz"),
                           "data", json_object_new_string("QUJD"));
    refused(tsr_publish_parse_decoded(&p, fx_pool, "a", doc, &att, &lim,
                                      &err), err, 400,
            "more than one tarball");
}
END_TEST

Suite *make_body_suite(void)
{
    Suite *s = suite_create("body");
    TCase *tc = fx_tcase("limit");

    tcase_add_test(tc, limit_exact_accepted);
    tcase_add_test(tc, limit_plus_one_refused);
    tcase_add_test(tc, plain_errors_as_json);
    suite_add_tcase(s, tc);

    tc = fx_tcase("attachment");
    tcase_add_test(tc, found_in_any_pieces);
    tcase_add_test(tc, data_elsewhere_not_taken);
    tcase_add_test(tc, escapes);
    tcase_add_test(tc, invalid_base64);
    tcase_add_test(tc, valid_base64);
    tcase_add_test(tc, nesting);
    tcase_add_test(tc, missing_attachment);
    tcase_add_test(tc, two_attachments);
    tcase_add_test(tc, sigstore_skipped);
    tcase_add_test(tc, truncated);
    tcase_add_test(tc, publish_from_pieces);
    suite_add_tcase(s, tc);
    return s;
}
