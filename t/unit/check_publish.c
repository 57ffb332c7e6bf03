/* check_publish: the checks on an npm publish body before anything is
 * stored, and what they compute for the registry. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_publish.h"
#include "tsr_json.h"
#include "tsr_view.h"

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

/* A string with a NUL inside (json-c keeps its length). */
static json_object *nul_str(const char *before, const char *after)
{
    const char *s = apr_pstrcat(fx_pool, before, "#", after, NULL);
    char *b = apr_pstrdup(fx_pool, s);

    b[strlen(before)] = '\0';
    return json_object_new_string_len(b, (int)strlen(s));
}

/* Swap in a tarball whose package/package.json is text. */
static void set_package_json(const char *text)
{
    fx_entry_t e[] = {
        { "package/package.json", NULL, 0, 0 },
        { "package/index.js", "module.exports = 42;\n", 0, 0 },
        { NULL, NULL, 0, 0 }
    };
    apr_size_t len;
    const unsigned char *t;

    e[0].data = text;
    t = fx_tarball(fx_pool, e, &len);
    set_tarball(t, len);
}

START_TEST(nul_in_body_name)
{
    json_object_object_add(body, "name", nul_str("a", "-other"));
    refused(400, "U+0000");
}
END_TEST

START_TEST(nul_in_body_id)
{
    json_object_object_add(body, "_id", nul_str("a", "-other"));
    refused(400, "U+0000");
    /* a name that is not a string at all is no longer overlooked */
    json_object_object_add(body, "_id", json_object_new_int(1));
    refused(400, "\"_id\"");
}
END_TEST

START_TEST(nul_in_manifest_name)
{
    json_object_object_add(manifest(), "name", nul_str("a", "-other"));
    refused(400, "manifest's name");
}
END_TEST

START_TEST(nul_in_manifest_version)
{
    json_object_object_add(manifest(), "version", nul_str("1.0.0", "-evil"));
    refused(400, "manifest's version");
}
END_TEST

START_TEST(nul_in_tarball_name)
{
    set_package_json("{\"name\":\"a\\u0000-other\",\"version\":\"1.0.0\"}");
    refused(400, "\"name\"");
}
END_TEST

START_TEST(nul_in_tarball_version)
{
    set_package_json("{\"name\":\"a\",\"version\":\"1.0.0\\u0000-evil\"}");
    refused(400, "\"version\"");
}
END_TEST

START_TEST(nul_in_tarball_key)
{
    /* json-c would read this script's name as "postinstall" */
    set_package_json("{\"name\":\"a\",\"version\":\"1.0.0\","
                     "\"scripts\":{\"postinstall\\u0000x\":\"evil\"}}");
    refused(400, "U+0000");
}
END_TEST

START_TEST(nul_in_dist_tag_value)
{
    json_object_object_add(tsr_json_obj(body, "dist-tags"), "latest",
                           nul_str("1.0.0", "x"));
    refused(400, "must point at the version");
}
END_TEST

START_TEST(nul_in_body_text)
{
    /* the same attacks as the client sends them: JSON text through the
     * parser the glue uses */
    static const char *const texts[] = {
        "{\"name\":\"a\",\"versions\":{\"1.0.0\\u0000x\":{}}}",
        "{\"name\":\"a\",\"dist-tags\":{\"latest\\u0000x\":\"1.0.0\"}}",
        "{\"_attachments\":{\"a-1.0.0.tgz\\u0000\":{}}}",
        NULL
    };
    int i;

    for (i = 0; texts[i]; i++) {
        json_object *o = NULL;
        tsr_error_t *err = NULL;

        ck_assert_refusal(tsr_json_parse(&o, fx_pool, texts[i],
                                         strlen(texts[i]), TSR_JSON_MAX_DEPTH,
                                         &err), err, 400);
        ck_assert_contains(err->message, "U+0000");
    }
}
END_TEST

/* A JSON value for the body to take over (fx_json's belongs to the pool). */
static json_object *body_json(const char *text)
{
    return json_object_get(fx_json(fx_pool, text));
}

/* The body's manifest after a successful parse, and the views of a
 * document the publish was added to. */
static json_object *stored_manifest(const char *name, json_object **pabbrev)
{
    tsr_publish_t *pub;
    tsr_error_t *err;
    json_object *doc = tsr_packument_new(fx_pool, name);
    tsr_publisher_t who = { "alice", NULL };
    const char *full, *abbrev;
    apr_size_t flen, alen;
    tsr_view_t v;

    ck_assert_int_eq(parse(&pub, name, &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_packument_add_version(doc, fx_pool, pub->version,
                         tsr_json_own(fx_pool, tsr_json_copy(pub->manifest)),
                         pub->tag, &who, &pub->dist, apr_time_now(), &err),
                     APR_SUCCESS);
    if (pabbrev) {
        ck_assert_int_eq(tsr_packument_render(fx_pool, doc, &full, &flen,
                                              &abbrev, &alen), APR_SUCCESS);
        ck_assert_int_eq(tsr_view_decode(&v, abbrev, alen), APR_SUCCESS);
        *pabbrev = tsr_json_obj(tsr_json_obj(
                       fx_json(fx_pool, tsr_view_flatten(&v, fx_pool,
                                                         "http://h/")),
                       "versions"), pub->version);
        ck_assert_ptr_nonnull(*pabbrev);
    }
    return tsr_json_obj(tsr_json_obj(doc, "versions"), pub->version);
}

static const char *at(json_object *o, const char *k1, const char *k2)
{
    json_object *v;

    if (!json_object_object_get_ex(o, k1, &v)
        || (k2 && !json_object_object_get_ex(v, k2, &v))) {
        return NULL;
    }
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN
                                             | JSON_C_TO_STRING_NOSLASHESCAPE);
}

START_TEST(manifest_confusion)
{
    /* the body lists nothing; the tarball has an install script and a
     * dependency, and those are what an install would see */
    json_object *m, *abbrev;

    set_package_json("{\"name\":\"a\",\"version\":\"1.0.0\","
                     "\"scripts\":{\"postinstall\":\"node evil.js\","
                     "\"test\":\"t\"},"
                     "\"dependencies\":{\"evil\":\"^1.0.0\"},"
                     "\"optionalDependencies\":{\"o\":\"1\"},"
                     "\"engines\":{\"node\":\">=99\"},\"os\":[\"linux\"]}");
    json_object_object_del(manifest(), "scripts");
    json_object_object_del(manifest(), "dependencies");
    json_object_object_add(manifest(), "hasInstallScript",
                           json_object_new_boolean(0));
    m = stored_manifest("a", &abbrev);
    ck_assert_str_eq(at(m, "scripts", NULL),
                     "{\"postinstall\":\"node evil.js\",\"test\":\"t\"}");
    ck_assert_str_eq(at(m, "dependencies", NULL), "{\"evil\":\"^1.0.0\"}");
    ck_assert_str_eq(at(m, "hasInstallScript", NULL), "true");
    ck_assert_str_eq(at(m, "os", NULL), "[\"linux\"]");
    ck_assert_str_eq(at(abbrev, "dependencies", NULL),
                     "{\"evil\":\"^1.0.0\"}");
    ck_assert_str_eq(at(abbrev, "optionalDependencies", NULL),
                     "{\"o\":\"1\"}");
    ck_assert_str_eq(at(abbrev, "engines", "node"), "\">=99\"");
    ck_assert_str_eq(at(abbrev, "hasInstallScript", NULL), "true");
    /* what the body says about other fields stays */
    ck_assert_str_eq(tsr_json_str(m, "description"), "a test package");
}
END_TEST

START_TEST(manifest_confusion_body_claims)
{
    /* the body claims scripts and dependencies the tarball does not have */
    json_object *m, *abbrev;

    json_object_object_add(manifest(), "dependencies",
                           body_json("{\"fake\":\"1\"}"));
    json_object_object_add(manifest(), "scripts",
                           body_json("{\"install\":\"x\"}"));
    json_object_object_add(manifest(), "bin",
                           body_json("{\"a\":\"a.js\"}"));
    json_object_object_add(manifest(), "bundledDependencies",
                           body_json("[\"fake\"]"));
    m = stored_manifest("a", &abbrev);
    ck_assert_ptr_null(at(m, "dependencies", NULL));
    ck_assert_ptr_null(at(m, "scripts", NULL));
    ck_assert_ptr_null(at(m, "bin", NULL));
    ck_assert_ptr_null(at(m, "bundledDependencies", NULL));
    ck_assert_ptr_null(at(m, "hasInstallScript", NULL));
    ck_assert_ptr_null(at(abbrev, "dependencies", NULL));
    ck_assert_ptr_null(at(abbrev, "hasInstallScript", NULL));
}
END_TEST

START_TEST(install_fields_bin_string)
{
    /* npm turns a string bin into {<name without scope>: path} in the body;
     * the stored manifest says the same */
    json_object *m;
    fx_entry_t e[] = {
        { "package/package.json", "{\"name\":\"@s/p\",\"version\":\"1.0.0\","
          "\"bin\":\"./bin/cli.js\"}", 0, 0 },
        { "package/bin/cli.js", "#!/usr/bin/env node\n", 0, 0 },
        { NULL, NULL, 0, 0 }
    };

    tgz = fx_tarball(fx_pool, e, &tgz_len);
    body = fx_publish_body(fx_pool, "@s/p", "1.0.0", tgz, tgz_len);
    json_object_object_add(manifest(), "bin",
                           body_json("{\"p\":\"bin/cli.js\"}"));
    m = stored_manifest("@s/p", NULL);
    ck_assert_str_eq(at(m, "bin", NULL), "{\"p\":\"bin/cli.js\"}");
}
END_TEST

/* [package.json bin, stored bin or NULL for none] */
static const char *const bins[][2] = {
    { "\"bin\":\"cli.js\"", "{\"a\":\"cli.js\"}" },
    { "\"bin\":[\"./bin/x.js\",\"lib/y\"]",
      "{\"x.js\":\"bin/x.js\",\"y\":\"lib/y\"}" },
    { "\"bin\":{\"x\":\"./x.js\",\"../../y\":\"../../../etc/y\","
      "\"n\":1,\"e\":\"./\",\"w\":\"bin\\\\w.js\"}",
      "{\"x\":\"x.js\",\"y\":\"etc/y\",\"w\":\"bin/w.js\"}" },
    { "\"bin\":{\"n\":1}", NULL },
    { "\"bin\":{}", NULL },
    { "\"bin\":true", NULL },
    { "\"bin\":\"\"", NULL },
    { NULL, NULL }
};

START_TEST(install_fields_bin_forms)
{
    json_object *m;

    set_package_json(apr_psprintf(fx_pool, "{\"name\":\"a\","
                                  "\"version\":\"1.0.0\",%s}", bins[_i][0]));
    m = stored_manifest("a", NULL);
    if (bins[_i][1]) {
        ck_assert_str_eq(at(m, "bin", NULL), bins[_i][1]);
    }
    else {
        ck_assert_ptr_null(at(m, "bin", NULL));
    }
}
END_TEST

START_TEST(install_fields_bin_directory)
{
    /* npm lists directories.bin's files itself; the registry keeps those of
     * the body's entries that lie inside it */
    json_object *m;

    set_package_json("{\"name\":\"a\",\"version\":\"1.0.0\","
                     "\"directories\":{\"bin\":\"./tools\"}}");
    json_object_object_add(manifest(), "bin",
                           body_json("{\"t\":\"tools/t.js\","
                                     "\"u\":\"tools/sub/u\","
                                     "\"evil\":\"lib/evil.js\","
                                     "\"x\":\"toolsx/x\"}"));
    m = stored_manifest("a", NULL);
    ck_assert_str_eq(at(m, "bin", NULL),
                     "{\"t\":\"tools/t.js\",\"u\":\"tools/sub/u\"}");
    ck_assert_str_eq(at(m, "directories", NULL), "{\"bin\":\"./tools\"}");
}
END_TEST

START_TEST(install_fields_scripts_and_bundles)
{
    json_object *m;

    set_package_json("{\"name\":\"a\",\"version\":\"1.0.0\","
                     "\"scripts\":{\"build\":\"node_modules/.bin/tsc\","
                     "\"lint\":\"./node_modules/.bin/eslint .\","
                     "\"bad\":1},"
                     "\"dependencies\":{\"x\":\"1\",\"y\":2,\"z\":\"3\"},"
                     "\"devDependencies\":null,"
                     "\"bundledDependencies\":true}");
    m = stored_manifest("a", NULL);
    ck_assert_str_eq(at(m, "scripts", NULL),
                     "{\"build\":\"tsc\",\"lint\":\"eslint .\"}");
    ck_assert_str_eq(at(m, "dependencies", NULL),
                     "{\"x\":\"1\",\"z\":\"3\"}");
    ck_assert_ptr_null(at(m, "devDependencies", NULL));
    ck_assert_str_eq(at(m, "bundleDependencies", NULL), "[\"x\",\"z\"]");
    ck_assert_ptr_null(at(m, "bundledDependencies", NULL));
    ck_assert_ptr_null(at(m, "hasInstallScript", NULL));
}
END_TEST

START_TEST(install_fields_bundle_members)
{
    json_object *m;

    set_package_json("{\"name\":\"a\",\"version\":\"1.0.0\","
                     "\"dependencies\":{\"x\":\"1\"},"
                     "\"bundleDependencies\":[\"x\",1,\"\",\"w\"]}");
    m = stored_manifest("a", NULL);
    ck_assert_str_eq(at(m, "bundleDependencies", NULL), "[\"x\",\"w\"]");
    ck_assert_str_eq(at(m, "dependencies", NULL),
                     "{\"x\":\"1\",\"w\":\"*\"}");

    set_package_json("{\"name\":\"a\",\"version\":\"1.0.0\","
                     "\"bundleDependencies\":{\"v\":\"1\"}}");
    m = stored_manifest("a", NULL);
    ck_assert_str_eq(at(m, "bundleDependencies", NULL), "[\"v\"]");
    ck_assert_str_eq(at(m, "dependencies", NULL), "{\"v\":\"*\"}");

    set_package_json("{\"name\":\"a\",\"version\":\"1.0.0\","
                     "\"bundleDependencies\":false}");
    m = stored_manifest("a", NULL);
    ck_assert_str_eq(at(m, "bundleDependencies", NULL), "[]");
    ck_assert_ptr_null(at(m, "dependencies", NULL));

    set_package_json("{\"name\":\"a\",\"version\":\"1.0.0\","
                     "\"bundleDependencies\":\"x\"}");
    m = stored_manifest("a", NULL);
    ck_assert_ptr_null(at(m, "bundleDependencies", NULL));
}
END_TEST

START_TEST(install_fields_gyp)
{
    json_object *m;
    const char *gyp_body = "{\"install\":\"node-gyp rebuild\"}";

    /* npm added node-gyp for a binding.gyp the registry cannot see */
    json_object_object_add(manifest(), "scripts", body_json(gyp_body));
    json_object_object_add(manifest(), "gypfile",
                           json_object_new_boolean(1));
    m = stored_manifest("a", NULL);
    ck_assert_str_eq(at(m, "scripts", NULL), gyp_body);
    ck_assert_str_eq(at(m, "gypfile", NULL), "true");
    ck_assert_str_eq(at(m, "hasInstallScript", NULL), "true");

    /* but never over the tarball's own install or preinstall script */
    set_package_json("{\"name\":\"a\",\"version\":\"1.0.0\","
                     "\"scripts\":{\"preinstall\":\"p\"}}");
    json_object_object_add(manifest(), "scripts", body_json(gyp_body));
    json_object_object_add(manifest(), "gypfile",
                           json_object_new_boolean(1));
    m = stored_manifest("a", NULL);
    ck_assert_str_eq(at(m, "scripts", NULL), "{\"preinstall\":\"p\"}");
    ck_assert_ptr_null(at(m, "gypfile", NULL));

    /* nor against gypfile false, nor for any other install script */
    set_package_json("{\"name\":\"a\",\"version\":\"1.0.0\","
                     "\"gypfile\":false}");
    json_object_object_add(manifest(), "scripts", body_json(gyp_body));
    json_object_object_add(manifest(), "gypfile",
                           json_object_new_boolean(1));
    m = stored_manifest("a", NULL);
    ck_assert_ptr_null(at(m, "scripts", NULL));
    ck_assert_str_eq(at(m, "gypfile", NULL), "false");
    ck_assert_ptr_null(at(m, "hasInstallScript", NULL));

    set_package_json(fx_manifest_text(fx_pool, "a", "1.0.0"));
    json_object_object_add(manifest(), "scripts",
                           body_json("{\"install\":\"curl x|sh\"}"));
    json_object_object_add(manifest(), "gypfile",
                           json_object_new_boolean(1));
    m = stored_manifest("a", NULL);
    ck_assert_ptr_null(at(m, "scripts", NULL));
    ck_assert_ptr_null(at(m, "hasInstallScript", NULL));
}
END_TEST

START_TEST(install_fields_bad_dependencies)
{
    set_package_json("{\"name\":\"a\",\"version\":\"1.0.0\","
                     "\"dependencies\":\"x@1 y@2\"}");
    refused(400, "\"dependencies\" that is not an object");
    set_package_json("{\"name\":\"a\",\"version\":\"1.0.0\","
                     "\"peerDependencies\":[\"x\"]}");
    refused(400, "\"peerDependencies\"");
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

    tc = fx_tcase("install_fields");
    tcase_add_checked_fixture(tc, good_body, NULL);
    tcase_add_test(tc, manifest_confusion);
    tcase_add_test(tc, manifest_confusion_body_claims);
    tcase_add_test(tc, install_fields_bin_string);
    tcase_add_loop_test(tc, install_fields_bin_forms, 0,
                        (int)(sizeof(bins) / sizeof(bins[0])) - 1);
    tcase_add_test(tc, install_fields_bin_directory);
    tcase_add_test(tc, install_fields_scripts_and_bundles);
    tcase_add_test(tc, install_fields_bundle_members);
    tcase_add_test(tc, install_fields_gyp);
    tcase_add_test(tc, install_fields_bad_dependencies);
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
    tcase_add_test(tc, nul_in_body_name);
    tcase_add_test(tc, nul_in_body_id);
    tcase_add_test(tc, nul_in_manifest_name);
    tcase_add_test(tc, nul_in_manifest_version);
    tcase_add_test(tc, nul_in_tarball_name);
    tcase_add_test(tc, nul_in_tarball_version);
    tcase_add_test(tc, nul_in_tarball_key);
    tcase_add_test(tc, nul_in_dist_tag_value);
    tcase_add_test(tc, nul_in_body_text);
    suite_add_tcase(s, tc);
    return s;
}
