/* check_publish: the checks on an npm publish body before anything is
 * stored, and what they compute for the registry. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_publish.h"
#include "tsr_json.h"

static tsr_tarball_limits_t lim;
static const unsigned char *tgz;
static apr_size_t tgz_len;
static json_object *body;

static void good_body(void)
{
    tsr_tarball_default_limits(&lim);
    tgz = fx_package_tarball(fx_pool, "a", "1.0.0", &tgz_len);
    body = fx_publish_body(fx_pool, "a", "1.0.0", tgz, tgz_len);
}

static apr_status_t parse(tsr_publish_t **ppub, const char *url_name,
                          tsr_error_t **perr)
{
    *ppub = NULL;
    *perr = NULL;
    return tsr_publish_parse(ppub, fx_pool, url_name, body, &lim, perr);
}

/* Parse and expect a refusal with status. */
#define refused(status, needle)                                             \
    do {                                                                    \
        tsr_publish_t *pub_;                                                \
        tsr_error_t *err_;                                                  \
        ck_assert_refusal(parse(&pub_, "a", &err_), err_, (status));        \
        ck_assert_ptr_null(pub_);                                           \
        ck_assert_contains(err_->message, (needle));                        \
    } while (0)

static json_object *manifest(void)
{
    return tsr_json_obj(tsr_json_obj(body, "versions"), "1.0.0");
}

static json_object *attachment(void)
{
    return tsr_json_obj(tsr_json_obj(body, "_attachments"), "a-1.0.0.tgz");
}

/* Replace the attachment's bytes (and its length, when set). */
static void set_data(const void *data, apr_size_t len, int fix_length)
{
    json_object *att = attachment();

    tsr_json_set_str(att, "data", fx_base64(fx_pool, data, len));
    if (fix_length) {
        json_object_object_add(att, "length",
                               json_object_new_int64((int64_t)len));
    }
}

/* Swap in another tarball, keeping the body's digests consistent. */
static void set_tarball(const unsigned char *t, apr_size_t len)
{
    json_object *dist = tsr_json_obj(manifest(), "dist");

    set_data(t, len, 1);
    tsr_json_set_str(dist, "shasum", fx_sha1_hex(fx_pool, t, len));
    tsr_json_set_str(dist, "integrity", fx_sri512(fx_pool, t, len));
}

START_TEST(good)
{
    tsr_publish_t *pub;
    tsr_error_t *err;

    ck_assert_int_eq(parse(&pub, "a", &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(pub);
    ck_assert_str_eq(pub->name, "a");
    ck_assert_str_eq(pub->version, "1.0.0");
    ck_assert_str_eq(pub->tag, "latest");
    ck_assert_str_eq(tsr_json_str(pub->manifest, "description"),
                     "a test package");
    ck_assert_uint_eq(pub->tarball_len, tgz_len);
    ck_assert_mem_eq(pub->tarball, tgz, tgz_len);
    ck_assert_str_eq(pub->dist.tarball_path, "a/-/a-1.0.0.tgz");
    ck_assert_str_eq(pub->dist.shasum, fx_sha1_hex(fx_pool, tgz, tgz_len));
    ck_assert_str_eq(pub->dist.integrity, fx_sri512(fx_pool, tgz, tgz_len));
    ck_assert_uint_eq(pub->dist.file_count, 2);
    ck_assert_uint_eq(pub->dist.unpacked_size,
                      strlen(fx_manifest_text(fx_pool, "a", "1.0.0"))
                      + strlen("module.exports = 42;\n"));
    ck_assert_int_eq(pub->dist.has_shrinkwrap, 0);
}
END_TEST

START_TEST(good_scoped)
{
    tsr_publish_t *pub;
    tsr_error_t *err;

    tgz = fx_package_tarball(fx_pool, "@s/p", "2.0.0-rc.1", &tgz_len);
    body = fx_publish_body(fx_pool, "@s/p", "2.0.0-rc.1", tgz, tgz_len);
    json_object_object_del(tsr_json_obj(body, "dist-tags"), "latest");
    json_object_object_add(tsr_json_obj(body, "dist-tags"), "next",
                           json_object_new_string("2.0.0-rc.1"));
    ck_assert_int_eq(parse(&pub, "@s/p", &err), APR_SUCCESS);
    ck_assert_str_eq(pub->name, "@s/p");
    ck_assert_str_eq(pub->tag, "next");
    ck_assert_str_eq(pub->dist.tarball_path, "@s/p/-/p-2.0.0-rc.1.tgz");
}
END_TEST

START_TEST(good_without_client_digests_or_tags)
{
    tsr_publish_t *pub;
    tsr_error_t *err;

    json_object_object_del(manifest(), "dist");
    json_object_object_del(body, "dist-tags");
    json_object_object_del(body, "name");
    json_object_object_del(body, "_id");
    ck_assert_int_eq(parse(&pub, "a", &err), APR_SUCCESS);
    ck_assert_str_eq(pub->tag, "latest");
    ck_assert_str_eq(pub->dist.shasum, fx_sha1_hex(fx_pool, tgz, tgz_len));

    json_object_object_add(body, "dist-tags", json_object_new_object());
    ck_assert_int_eq(parse(&pub, "a", &err), APR_SUCCESS);
    ck_assert_str_eq(pub->tag, "latest");
}
END_TEST

START_TEST(sigstore_ignored)
{
    tsr_publish_t *pub;
    tsr_error_t *err;
    json_object *sig = json_object_new_object();

    tsr_json_set_str(sig, "content_type",
                     "application/vnd.dev.sigstore.bundle+json;version=0.2");
    tsr_json_set_str(sig, "data", "{\"not\":\"base64 or a tarball\"}");
    json_object_object_add(sig, "length", json_object_new_int(29));
    json_object_object_add(tsr_json_obj(body, "_attachments"),
                           "a@1.0.0.sigstore", sig);
    ck_assert_int_eq(parse(&pub, "a", &err), APR_SUCCESS);
    ck_assert_mem_eq(pub->tarball, tgz, tgz_len);

    /* but a provenance bundle alone is no tarball */
    json_object_object_del(tsr_json_obj(body, "_attachments"),
                           "a-1.0.0.tgz");
    refused(400, "no tarball");
}
END_TEST

START_TEST(shrinkwrap_reported)
{
    tsr_publish_t *pub;
    tsr_error_t *err;
    fx_entry_t e[] = {
        { "package/package.json", fx_manifest_text(fx_pool, "a", "1.0.0"), 0,
          0 },
        { "package/npm-shrinkwrap.json", "{}", 0, 0 },
        { NULL, NULL, 0, 0 }
    };
    apr_size_t len;
    const unsigned char *t = fx_tarball(fx_pool, e, &len);

    set_tarball(t, len);
    ck_assert_int_eq(parse(&pub, "a", &err), APR_SUCCESS);
    ck_assert_int_eq(pub->dist.has_shrinkwrap, 1);
    ck_assert_str_eq(pub->dist.shasum, fx_sha1_hex(fx_pool, t, len));
}
END_TEST

START_TEST(not_an_object)
{
    tsr_publish_t *pub;
    tsr_error_t *err = NULL;

    ck_assert_refusal(tsr_publish_parse(&pub, fx_pool, "a",
                                        fx_json(fx_pool, "[1]"), &lim, &err),
                      err, 400);
}
END_TEST

START_TEST(url_name_invalid)
{
    tsr_publish_t *pub;
    tsr_error_t *err;

    ck_assert_refusal(parse(&pub, "A", &err), err, 400);
    ck_assert_str_eq(err->code, "invalid_package_name");
    ck_assert_refusal(parse(&pub, "http", &err), err, 400);
}
END_TEST

START_TEST(name_mismatch)
{
    tsr_json_set_str(body, "name", "b");
    refused(400, "\"b\"");
}
END_TEST

START_TEST(id_mismatch)
{
    tsr_json_set_str(body, "_id", "b");
    refused(400, "names package");
}
END_TEST

START_TEST(no_attachments)
{
    json_object_object_del(body, "_attachments");
    refused(400, "_attachments");
    tsr_json_set_str(body, "_attachments", "a-1.0.0.tgz");
    refused(400, "_attachments");
    json_object_object_add(body, "_attachments", json_object_new_object());
    refused(400, "no tarball");
}
END_TEST

START_TEST(two_tarballs)
{
    json_object *atts = tsr_json_obj(body, "_attachments");

    json_object_object_add(atts, "a-1.0.1.tgz",
                           tsr_json_copy(attachment()));
    refused(400, "more than one tarball");
}
END_TEST

START_TEST(zero_versions)
{
    json_object_object_add(body, "versions", json_object_new_object());
    refused(400, "exactly one version");
    json_object_object_del(body, "versions");
    refused(400, "exactly one version");
}
END_TEST

START_TEST(two_versions)
{
    json_object *second = tsr_json_copy(manifest());

    tsr_json_set_str(second, "version", "1.0.1");
    json_object_object_add(tsr_json_obj(body, "versions"), "1.0.1", second);
    refused(400, "exactly one version");
}
END_TEST

START_TEST(manifest_not_object)
{
    json_object_object_add(tsr_json_obj(body, "versions"), "1.0.0",
                           json_object_new_string("1.0.0"));
    refused(400, "not an object");
}
END_TEST

static const char *const bad_keys[] = {
    "v1.0.0", "1.0", "01.0.0", "1.0.0-", "latest", NULL
};

START_TEST(invalid_semver_key)
{
    json_object *versions = tsr_json_obj(body, "versions");
    json_object *m = json_object_get(manifest());
    tsr_publish_t *pub;
    tsr_error_t *err;

    json_object_object_del(versions, "1.0.0");
    tsr_json_set_str(m, "version", bad_keys[_i]);
    json_object_object_add(versions, bad_keys[_i], m);
    ck_assert_refusal(parse(&pub, "a", &err), err, 400);
    ck_assert_str_eq(err->code, "invalid_version");
}
END_TEST

START_TEST(manifest_version_mismatch)
{
    tsr_json_set_str(manifest(), "version", "1.0.1");
    refused(400, "version does not match");
    json_object_object_del(manifest(), "version");
    refused(400, "version does not match");
}
END_TEST

START_TEST(manifest_name_mismatch)
{
    tsr_json_set_str(manifest(), "name", "b");
    refused(400, "name does not match");
    json_object_object_del(manifest(), "name");
    refused(400, "name does not match");
}
END_TEST

START_TEST(bad_dist_tag)
{
    tsr_publish_t *pub;
    tsr_error_t *err;
    json_object *tags = json_object_new_object();

    tsr_json_set_str(tags, "1.0.0", "1.0.0");
    json_object_object_add(body, "dist-tags", tags);
    ck_assert_refusal(parse(&pub, "a", &err), err, 400);
    ck_assert_str_eq(err->code, "invalid_tag");

    tags = json_object_new_object();
    tsr_json_set_str(tags, "v2", "1.0.0");
    json_object_object_add(body, "dist-tags", tags);
    ck_assert_refusal(parse(&pub, "a", &err), err, 400);
    ck_assert_str_eq(err->code, "invalid_tag");
}
END_TEST

START_TEST(two_dist_tags)
{
    tsr_json_set_str(tsr_json_obj(body, "dist-tags"), "next", "1.0.0");
    refused(400, "one dist-tag");
}
END_TEST

START_TEST(tag_at_other_version)
{
    tsr_json_set_str(tsr_json_obj(body, "dist-tags"), "latest", "2.0.0");
    refused(400, "must point at the version published");
    json_object_object_add(tsr_json_obj(body, "dist-tags"), "latest",
                           json_object_new_int(1));
    refused(400, "must point at the version published");
}
END_TEST

START_TEST(attachment_not_object)
{
    json_object_object_add(tsr_json_obj(body, "_attachments"), "a-1.0.0.tgz",
                           json_object_new_string("H4sI"));
    refused(400, "not an object");
}
END_TEST

START_TEST(attachment_not_base64)
{
    tsr_json_set_str(attachment(), "data", "H4sI!!!!");
    refused(400, "not valid base64");
    /* base64 with a line break, as some encoders wrap */
    tsr_json_set_str(attachment(), "data",
                     apr_pstrcat(fx_pool, "H4sI\n",
                                 fx_base64(fx_pool, tgz, tgz_len), NULL));
    refused(400, "not valid base64");
    json_object_object_del(attachment(), "data");
    refused(400, "\"data\"");
    json_object_object_add(attachment(), "data", json_object_new_int(1));
    refused(400, "\"data\"");
}
END_TEST

START_TEST(length_mismatch)
{
    json_object_object_add(attachment(), "length",
                           json_object_new_int64((int64_t)tgz_len + 1));
    refused(400, "length");
    json_object_object_add(attachment(), "length",
                           json_object_new_int64((int64_t)tgz_len - 1));
    refused(400, "length");
    json_object_object_add(attachment(), "length", json_object_new_int(-1));
    refused(400, "length");
    json_object_object_add(attachment(), "length",
                           json_object_new_string("100"));
    refused(400, "length");
    json_object_object_del(attachment(), "length");
    refused(400, "length");
}
END_TEST

START_TEST(not_gzip)
{
    static const char text[] = "package/package.json is in here, honest";

    set_tarball((const unsigned char *)text, strlen(text));
    refused(400, "not a gzip");
}
END_TEST

START_TEST(tarball_name_mismatch)
{
    apr_size_t len;
    const unsigned char *t = fx_package_tarball(fx_pool, "b", "1.0.0", &len);

    set_tarball(t, len);
    refused(400, "names \"b\"");
}
END_TEST

START_TEST(tarball_version_mismatch)
{
    apr_size_t len;
    const unsigned char *t = fx_package_tarball(fx_pool, "a", "1.0.1", &len);

    set_tarball(t, len);
    refused(400, "version \"1.0.1\"");
}
END_TEST

START_TEST(tarball_without_name)
{
    fx_entry_t e[] = {
        { "package/package.json", "{\"version\":\"1.0.0\"}", 0, 0 },
        { NULL, NULL, 0, 0 }
    };
    apr_size_t len;
    const unsigned char *t = fx_tarball(fx_pool, e, &len);

    set_tarball(t, len);
    refused(400, "package/package.json");
}
END_TEST

START_TEST(tarball_over_limit)
{
    tsr_publish_t *pub;
    tsr_error_t *err;

    lim.max_entries = 1;
    ck_assert_refusal(parse(&pub, "a", &err), err, 413);
}
END_TEST

START_TEST(client_shasum_mismatch)
{
    tsr_json_set_str(tsr_json_obj(manifest(), "dist"), "shasum",
                     "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    refused(400, "dist.shasum");
}
END_TEST

START_TEST(client_integrity_mismatch)
{
    tsr_publish_t *pub;
    tsr_error_t *err;

    tsr_json_set_str(tsr_json_obj(manifest(), "dist"), "integrity",
                     fx_sri512(fx_pool, "abc", 3));
    refused(400, "dist.integrity");

    /* only sha512 integrity is compared; others are left to the client */
    tsr_json_set_str(tsr_json_obj(manifest(), "dist"), "integrity",
                     "sha1-AAAA");
    ck_assert_int_eq(parse(&pub, "a", &err), APR_SUCCESS);
    ck_assert_str_eq(pub->dist.integrity, fx_sri512(fx_pool, tgz, tgz_len));
}
END_TEST

Suite *make_publish_suite(void)
{
    Suite *s = suite_create("publish");
    TCase *tc = fx_tcase("accepted");

    tcase_add_checked_fixture(tc, good_body, NULL);
    tcase_add_test(tc, good);
    tcase_add_test(tc, good_scoped);
    tcase_add_test(tc, good_without_client_digests_or_tags);
    tcase_add_test(tc, sigstore_ignored);
    tcase_add_test(tc, shrinkwrap_reported);
    suite_add_tcase(s, tc);

    tc = fx_tcase("refused");
    tcase_add_checked_fixture(tc, good_body, NULL);
    tcase_add_test(tc, not_an_object);
    tcase_add_test(tc, url_name_invalid);
    tcase_add_test(tc, name_mismatch);
    tcase_add_test(tc, id_mismatch);
    tcase_add_test(tc, no_attachments);
    tcase_add_test(tc, two_tarballs);
    tcase_add_test(tc, zero_versions);
    tcase_add_test(tc, two_versions);
    tcase_add_test(tc, manifest_not_object);
    tcase_add_loop_test(tc, invalid_semver_key, 0,
                        (int)(sizeof(bad_keys) / sizeof(char *)) - 1);
    tcase_add_test(tc, manifest_version_mismatch);
    tcase_add_test(tc, manifest_name_mismatch);
    tcase_add_test(tc, bad_dist_tag);
    tcase_add_test(tc, two_dist_tags);
    tcase_add_test(tc, tag_at_other_version);
    tcase_add_test(tc, attachment_not_object);
    tcase_add_test(tc, attachment_not_base64);
    tcase_add_test(tc, length_mismatch);
    tcase_add_test(tc, not_gzip);
    tcase_add_test(tc, tarball_name_mismatch);
    tcase_add_test(tc, tarball_version_mismatch);
    tcase_add_test(tc, tarball_without_name);
    tcase_add_test(tc, tarball_over_limit);
    tcase_add_test(tc, client_shasum_mismatch);
    tcase_add_test(tc, client_integrity_mismatch);
    suite_add_tcase(s, tc);
    return s;
}
