/* check_packument: package documents: adding versions, the full and
 * abbreviated views made from them, and looking versions up. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_packument.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_view.h"

#define BASE "http://h/r/"
#define T1 (apr_time_from_sec(1700000000) + 123000)
#define T1_TEXT "2023-11-14T22:13:20.123Z"
#define T2 (apr_time_from_sec(1700000060) + 456000)
#define T2_TEXT "2023-11-14T22:14:20.456Z"
#define T3 (apr_time_from_sec(1700000120))

static const tsr_publisher_t alice = { "alice", "alice@example.com" };
static const tsr_publisher_t bob = { "bob", NULL };

static tsr_version_dist_t dist_of(const char *name, const char *version)
{
    tsr_version_dist_t d;

    memset(&d, 0, sizeof(d));
    d.tarball_path = tsr_name_tarball_path(fx_pool, name, version);
    d.shasum = "a9993e364706816aba3e25717850c26c9cd0d89d";
    d.integrity = "sha512-abc=";
    d.file_count = 3;
    d.unpacked_size = 1234;
    d.has_shrinkwrap = 0;
    return d;
}

static apr_status_t add(json_object *doc, const char *version,
                        const char *manifest_text, const char *tag,
                        const tsr_publisher_t *who, apr_time_t now,
                        tsr_error_t **perr)
{
    const char *name = tsr_json_str(doc, "name");
    tsr_version_dist_t d = dist_of(name, version);
    json_object *m = fx_json(fx_pool, manifest_text
                                          ? manifest_text
                                          : apr_psprintf(fx_pool,
                                                "{\"name\":\"%s\","
                                                "\"version\":\"%s\"}",
                                                name, version));

    *perr = NULL;
    return tsr_packument_add_version(doc, fx_pool, version, m, tag, who, &d,
                                     now, perr);
}

/* doc.key1.key2... as a string, NULL when absent */
static const char *path_str(json_object *o, const char *k1, const char *k2,
                            const char *k3)
{
    json_object *v = o;

    if (!json_object_object_get_ex(v, k1, &v)
        || (k2 && !json_object_object_get_ex(v, k2, &v))
        || (k3 && !json_object_object_get_ex(v, k3, &v))
        || !json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    return json_object_get_string(v);
}

static json_object *version_of(json_object *doc, const char *version)
{
    json_object *v = NULL;

    ck_assert(json_object_object_get_ex(tsr_json_obj(doc, "versions"),
                                        version, &v));
    return v;
}

START_TEST(new_doc)
{
    json_object *doc = tsr_packument_new(fx_pool, "@s/p");

    ck_assert_str_eq(tsr_json_serialize(fx_pool, doc, NULL),
                     "{\"_id\":\"@s/p\",\"name\":\"@s/p\",\"dist-tags\":{},"
                     "\"versions\":{},\"time\":{},\"maintainers\":[],"
                     "\"users\":{}}");
    ck_assert_str_eq(tsr_packument_rev(doc), "0-0");
    ck_assert_int_eq(tsr_packument_has_version(doc, "1.0.0"), 0);
    /* no maintainers yet: anyone may publish the first version */
    ck_assert_int_eq(tsr_packument_is_maintainer(doc, "anyone"), 1);
}
END_TEST

START_TEST(first_version)
{
    json_object *doc = tsr_packument_new(fx_pool, "a"), *v, *d, *m, *x;
    tsr_error_t *err;
    const char *rev;
    int i;

    ck_assert_int_eq(add(doc, "1.0.0",
                         "{\"name\":\"a\",\"version\":\"1.0.0\","
                         "\"description\":\"first\",\"license\":\"MIT\","
                         "\"readme\":\"# A\",\"readmeFilename\":\"README.md\","
                         "\"scripts\":{\"test\":\"tap\"}}",
                         "latest", &alice, T1, &err), APR_SUCCESS);
    v = version_of(doc, "1.0.0");
    ck_assert_str_eq(tsr_json_str(v, "name"), "a");
    ck_assert_str_eq(tsr_json_str(v, "version"), "1.0.0");
    ck_assert_str_eq(tsr_json_str(v, "_id"), "a@1.0.0");
    ck_assert_str_eq(path_str(v, "_npmUser", "name", NULL), "alice");
    ck_assert_str_eq(path_str(v, "_npmUser", "email", NULL),
                     "alice@example.com");
    ck_assert(json_object_object_get_ex(v, "maintainers", &m));
    ck_assert_int_eq((int)json_object_array_length(m), 1);
    ck_assert_str_eq(tsr_json_str(json_object_array_get_idx(m, 0), "name"),
                     "alice");
    ck_assert(json_object_object_get_ex(v, "_hasShrinkwrap", &x));
    ck_assert_int_eq(json_object_get_boolean(x), 0);
    ck_assert(!json_object_object_get_ex(v, "hasInstallScript", NULL));
    /* the readme moves to the top level */
    ck_assert(!json_object_object_get_ex(v, "readme", NULL));
    ck_assert(!json_object_object_get_ex(v, "readmeFilename", NULL));
    ck_assert_str_eq(tsr_json_str(doc, "readme"), "# A");
    ck_assert_str_eq(tsr_json_str(doc, "readmeFilename"), "README.md");

    d = tsr_json_obj(v, "dist");
    ck_assert_str_eq(tsr_json_str(d, "tarball"), "a/-/a-1.0.0.tgz");
    ck_assert_str_eq(tsr_json_str(d, "shasum"),
                     "a9993e364706816aba3e25717850c26c9cd0d89d");
    ck_assert_str_eq(tsr_json_str(d, "integrity"), "sha512-abc=");
    ck_assert_int_eq(json_object_get_int(json_object_object_get(d,
                                                                "fileCount")),
                     3);
    ck_assert_int_eq(json_object_get_int(
                         json_object_object_get(d, "unpackedSize")), 1234);

    ck_assert_str_eq(path_str(doc, "time", "created", NULL), T1_TEXT);
    ck_assert_str_eq(path_str(doc, "time", "modified", NULL), T1_TEXT);
    ck_assert_str_eq(path_str(doc, "time", "1.0.0", NULL), T1_TEXT);
    ck_assert_str_eq(path_str(doc, "dist-tags", "latest", NULL), "1.0.0");
    ck_assert_int_eq((int)json_object_object_length(
                         tsr_json_obj(doc, "dist-tags")), 1);
    ck_assert(json_object_object_get_ex(doc, "maintainers", &m));
    ck_assert_int_eq((int)json_object_array_length(m), 1);
    ck_assert_str_eq(tsr_json_str(json_object_array_get_idx(m, 0), "email"),
                     "alice@example.com");
    /* the latest version's descriptive fields are mirrored */
    ck_assert_str_eq(tsr_json_str(doc, "description"), "first");
    ck_assert_str_eq(tsr_json_str(doc, "license"), "MIT");

    rev = tsr_packument_rev(doc);
    ck_assert_int_eq(strncmp(rev, "1-", 2), 0);
    ck_assert_uint_eq(strlen(rev), 2 + 32);
    for (i = 2; rev[i]; i++) {
        ck_assert(strchr("0123456789abcdef", rev[i]) != NULL);
    }
    ck_assert_int_eq(tsr_packument_has_version(doc, "1.0.0"), 1);
    ck_assert_int_eq(tsr_packument_has_version(doc, "1.0.1"), 0);
}
END_TEST

START_TEST(version_from_manifest_is_overridden)
{
    /* name, version and _id come from the document, not the manifest */
    json_object *doc = tsr_packument_new(fx_pool, "a"), *v;
    tsr_error_t *err;

    ck_assert_int_eq(add(doc, "1.0.0",
                         "{\"name\":\"evil\",\"version\":\"6.6.6\","
                         "\"_id\":\"evil@6.6.6\","
                         "\"_npmUser\":{\"name\":\"mallory\"},"
                         "\"dist\":{\"tarball\":\"http://evil/x.tgz\"},"
                         "\"hasInstallScript\":true}",
                         "latest", &alice, T1, &err), APR_SUCCESS);
    v = version_of(doc, "1.0.0");
    ck_assert_str_eq(tsr_json_str(v, "name"), "a");
    ck_assert_str_eq(tsr_json_str(v, "version"), "1.0.0");
    ck_assert_str_eq(tsr_json_str(v, "_id"), "a@1.0.0");
    ck_assert_str_eq(path_str(v, "_npmUser", "name", NULL), "alice");
    ck_assert_str_eq(path_str(v, "dist", "tarball", NULL),
                     "a/-/a-1.0.0.tgz");
    ck_assert(!json_object_object_get_ex(v, "hasInstallScript", NULL));
    /* no readme in the manifest: an empty one at the top */
    ck_assert_str_eq(tsr_json_str(doc, "readme"), "");
}
END_TEST

START_TEST(later_versions_and_tags)
{
    json_object *doc = tsr_packument_new(fx_pool, "a");
    tsr_error_t *err;
    const char *rev1, *rev2;

    ck_assert_int_eq(add(doc, "1.0.0",
                         "{\"description\":\"first\",\"readme\":\"# A\"}",
                         "latest", &alice, T1, &err), APR_SUCCESS);
    rev1 = apr_pstrdup(fx_pool, tsr_packument_rev(doc));

    /* --tag next: latest stays, the top level stays */
    ck_assert_int_eq(add(doc, "1.1.0-beta.1",
                         "{\"description\":\"second\",\"readme\":\"# B\"}",
                         "next", &alice, T2, &err), APR_SUCCESS);
    rev2 = apr_pstrdup(fx_pool, tsr_packument_rev(doc));
    ck_assert_str_eq(path_str(doc, "dist-tags", "latest", NULL), "1.0.0");
    ck_assert_str_eq(path_str(doc, "dist-tags", "next", NULL),
                     "1.1.0-beta.1");
    ck_assert_str_eq(tsr_json_str(doc, "readme"), "# A");
    ck_assert_str_eq(tsr_json_str(doc, "description"), "first");
    ck_assert_str_eq(path_str(doc, "time", "created", NULL), T1_TEXT);
    ck_assert_str_eq(path_str(doc, "time", "modified", NULL), T2_TEXT);
    ck_assert_str_eq(path_str(doc, "time", "1.1.0-beta.1", NULL), T2_TEXT);
    ck_assert_int_eq(strncmp(rev1, "1-", 2), 0);
    ck_assert_int_eq(strncmp(rev2, "2-", 2), 0);
    ck_assert_int_eq((int)json_object_object_length(
                         tsr_json_obj(doc, "versions")), 2);

    /* a new latest takes over the top level, and drops what it lacks */
    ck_assert_int_eq(add(doc, "1.1.0", "{\"readme\":\"# C\"}", "latest",
                         &alice, T3, &err), APR_SUCCESS);
    ck_assert_str_eq(path_str(doc, "dist-tags", "latest", NULL), "1.1.0");
    ck_assert_str_eq(path_str(doc, "dist-tags", "next", NULL),
                     "1.1.0-beta.1");
    ck_assert_str_eq(tsr_json_str(doc, "readme"), "# C");
    ck_assert(!json_object_object_get_ex(doc, "description", NULL));
    ck_assert_int_eq(strncmp(tsr_packument_rev(doc), "3-", 2), 0);
    ck_assert_str_ne(tsr_packument_rev(doc), rev2);
}
END_TEST

START_TEST(first_under_other_tag)
{
    json_object *doc = tsr_packument_new(fx_pool, "a");
    tsr_error_t *err;

    ck_assert_int_eq(add(doc, "2.0.0-rc.1", "{\"readme\":\"# RC\"}", "next",
                         &alice, T1, &err), APR_SUCCESS);
    ck_assert_str_eq(path_str(doc, "dist-tags", "next", NULL), "2.0.0-rc.1");
    ck_assert_str_eq(path_str(doc, "dist-tags", "latest", NULL),
                     "2.0.0-rc.1");
    ck_assert_str_eq(tsr_json_str(doc, "readme"), "# RC");
}
END_TEST

START_TEST(republish_refused)
{
    json_object *doc = tsr_packument_new(fx_pool, "a");
    tsr_error_t *err;
    const char *before;

    ck_assert_int_eq(add(doc, "1.0.0", NULL, "latest", &alice, T1, &err),
                     APR_SUCCESS);
    before = tsr_json_serialize(fx_pool, doc, NULL);
    ck_assert_refusal(add(doc, "1.0.0", NULL, "latest", &alice, T2, &err),
                      err, 409);
    ck_assert_contains(err->message, "1.0.0");
    ck_assert_str_eq(tsr_json_serialize(fx_pool, doc, NULL), before);
}
END_TEST

START_TEST(republish_unpublished_refused)
{
    json_object *doc = tsr_packument_new(fx_pool, "a");
    tsr_error_t *err;
    const char *before;

    ck_assert_int_eq(add(doc, "1.0.0", NULL, "latest", &alice, T1, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(add(doc, "1.0.1", NULL, "latest", &alice, T2, &err),
                     APR_SUCCESS);
    /* as an unpublish leaves it: gone from versions, kept in time */
    json_object_object_del(tsr_json_obj(doc, "versions"), "1.0.1");
    ck_assert_int_eq(tsr_packument_has_version(doc, "1.0.1"), 1);
    before = tsr_json_serialize(fx_pool, doc, NULL);
    ck_assert_refusal(add(doc, "1.0.1", NULL, "latest", &alice, T3, &err),
                      err, 409);
    ck_assert_str_eq(tsr_json_serialize(fx_pool, doc, NULL), before);
}
END_TEST

START_TEST(equal_precedence_refused)
{
    /* npm strips build metadata: these are all "1.0.0" to it */
    json_object *doc = tsr_packument_new(fx_pool, "a");
    tsr_error_t *err;
    const char *before;

    ck_assert_int_eq(add(doc, "1.0.0", NULL, "latest", &alice, T1, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_packument_has_version(doc, "1.0.0+build"), 1);
    ck_assert_str_eq(tsr_packument_same_version(doc, "1.0.0+build"),
                     "1.0.0");
    ck_assert_ptr_null(tsr_packument_same_version(doc, "1.0.0-rc.1"));
    ck_assert_ptr_null(tsr_packument_same_version(doc, "1.0.1+build"));
    before = tsr_json_serialize(fx_pool, doc, NULL);
    ck_assert_refusal(add(doc, "1.0.0+build", NULL, "latest", &alice, T2,
                          &err), err, 409);
    ck_assert_str_eq(err->code, "conflict");
    ck_assert_contains(err->message, "cannot publish over the previously "
                                     "published version 1.0.0 of a");
    ck_assert_contains(err->message, "1.0.0+build");
    ck_assert_str_eq(tsr_json_serialize(fx_pool, doc, NULL), before);

    /* and the other way round, build metadata first */
    ck_assert_int_eq(add(doc, "2.0.0+b1", NULL, "latest", &alice, T2, &err),
                     APR_SUCCESS);
    before = tsr_json_serialize(fx_pool, doc, NULL);
    ck_assert_refusal(add(doc, "2.0.0", NULL, "latest", &alice, T3, &err),
                      err, 409);
    ck_assert_contains(err->message, "version 2.0.0+b1 of a");
    ck_assert_refusal(add(doc, "2.0.0+b2", NULL, "latest", &alice, T3, &err),
                      err, 409);
    ck_assert_str_eq(tsr_json_serialize(fx_pool, doc, NULL), before);
    /* a prerelease is another version */
    ck_assert_int_eq(add(doc, "2.0.0-rc.1+b1", NULL, "next", &alice, T3,
                         &err), APR_SUCCESS);
}
END_TEST

START_TEST(equal_precedence_unpublished_refused)
{
    json_object *doc = tsr_packument_new(fx_pool, "a");
    tsr_error_t *err;
    const char *before;

    ck_assert_int_eq(add(doc, "1.0.0", NULL, "latest", &alice, T1, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(add(doc, "1.0.1+x", NULL, "latest", &alice, T2, &err),
                     APR_SUCCESS);
    /* as an unpublish leaves it: gone from versions, kept in time */
    json_object_object_del(tsr_json_obj(doc, "versions"), "1.0.1+x");
    ck_assert_int_eq(tsr_packument_has_version(doc, "1.0.1"), 1);
    ck_assert_str_eq(tsr_packument_same_version(doc, "1.0.1+y"), "1.0.1+x");
    before = tsr_json_serialize(fx_pool, doc, NULL);
    ck_assert_refusal(add(doc, "1.0.1", NULL, "latest", &alice, T3, &err),
                      err, 409);
    ck_assert_contains(err->message, "1.0.1+x");
    ck_assert_refusal(add(doc, "1.0.1+y", NULL, "latest", &alice, T3, &err),
                      err, 409);
    ck_assert_str_eq(tsr_json_serialize(fx_pool, doc, NULL), before);
}
END_TEST

START_TEST(maintainers)
{
    json_object *doc = tsr_packument_new(fx_pool, "a"), *m;
    tsr_error_t *err;

    ck_assert_int_eq(add(doc, "1.0.0", NULL, "latest", &alice, T1, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_packument_is_maintainer(doc, "alice"), 1);
    ck_assert_int_eq(tsr_packument_is_maintainer(doc, "bob"), 0);
    ck_assert_int_eq(tsr_packument_is_maintainer(doc, "alic"), 0);
    ck_assert_int_eq(tsr_packument_is_maintainer(doc, "alice2"), 0);
    /* a later publisher is recorded on the version, not added */
    ck_assert_int_eq(add(doc, "1.0.1", NULL, "latest", &bob, T2, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(path_str(version_of(doc, "1.0.1"), "_npmUser", "name",
                              NULL), "bob");
    ck_assert(!json_object_object_get_ex(
                  json_object_object_get(version_of(doc, "1.0.1"),
                                         "_npmUser"), "email", NULL));
    ck_assert(json_object_object_get_ex(doc, "maintainers", &m));
    ck_assert_int_eq((int)json_object_array_length(m), 1);
    ck_assert_int_eq(tsr_packument_is_maintainer(doc, "bob"), 0);
}
END_TEST

static const char *const install_scripts[] = {
    "preinstall", "install", "postinstall", NULL
};

START_TEST(install_script)
{
    json_object *doc = tsr_packument_new(fx_pool, "a"), *x;
    tsr_error_t *err;
    tsr_version_dist_t d = dist_of("a", "1.0.0");
    json_object *m = fx_json(fx_pool, apr_psprintf(fx_pool,
                             "{\"scripts\":{\"%s\":\"node-gyp rebuild\"}}",
                             install_scripts[_i]));

    d.has_shrinkwrap = 1;
    ck_assert_int_eq(tsr_packument_add_version(doc, fx_pool, "1.0.0", m,
                                               "latest", &alice, &d, T1,
                                               &err), APR_SUCCESS);
    ck_assert(json_object_object_get_ex(version_of(doc, "1.0.0"),
                                        "hasInstallScript", &x));
    ck_assert_int_eq(json_object_get_boolean(x), 1);
    ck_assert(json_object_object_get_ex(version_of(doc, "1.0.0"),
                                        "_hasShrinkwrap", &x));
    ck_assert_int_eq(json_object_get_boolean(x), 1);
}
END_TEST

static json_object *flat(const char *blob, apr_size_t len,
                         tsr_view_t *pv)
{
    tsr_view_t v;

    ck_assert_int_eq(tsr_view_decode(&v, blob, len), APR_SUCCESS);
    if (pv) {
        *pv = v;
    }
    return fx_json(fx_pool, tsr_view_flatten(&v, fx_pool, BASE));
}

/* A document with two versions, one with an install script. */
static json_object *sample(const char *name)
{
    json_object *doc = tsr_packument_new(fx_pool, name);
    tsr_error_t *err;

    ck_assert_int_eq(add(doc, "1.0.0",
                         "{\"description\":\"tsrBase is a word\","
                         "\"readme\":\"# R\",\"scripts\":{\"test\":\"t\"},"
                         "\"dependencies\":{\"b\":\"^1.0.0\"},"
                         "\"engines\":{\"node\":\">=18\"},"
                         "\"bin\":{\"x\":\"x.js\"},\"license\":\"MIT\","
                         "\"keywords\":[\"k\"]}",
                         "latest", &alice, T1, &err), APR_SUCCESS);
    ck_assert_int_eq(add(doc, "2.0.0-rc.1",
                         "{\"scripts\":{\"install\":\"node-gyp rebuild\"},"
                         "\"deprecated\":\"use 1\",\"gypfile\":true}",
                         "next", &alice, T2, &err), APR_SUCCESS);
    return doc;
}

START_TEST(render_full)
{
    json_object *doc = sample("a"), *full, *want;
    const char *fblob, *ablob;
    apr_size_t flen, alen;
    tsr_view_t v;

    ck_assert_int_eq(tsr_packument_render(fx_pool, doc, &fblob, &flen,
                                          &ablob, &alen), APR_SUCCESS);
    full = flat(fblob, flen, &v);
    ck_assert_uint_eq(v.nsplice, 2);
    ck_assert_int_eq(strncmp(v.rev, tsr_packument_rev(doc), v.rev_len), 0);
    ck_assert_uint_eq(v.rev_len, strlen(tsr_packument_rev(doc)));
    ck_assert(v.mtime == T2);
    ck_assert_str_eq(path_str(tsr_json_obj(full, "versions"), "1.0.0",
                              "dist", "tarball"),
                     "http://h/r/a/-/a-1.0.0.tgz");
    ck_assert_str_eq(path_str(tsr_json_obj(full, "versions"), "2.0.0-rc.1",
                              "dist", "tarball"),
                     "http://h/r/a/-/a-2.0.0-rc.1.tgz");
    /* everything else is the document itself */
    want = tsr_json_own(fx_pool, tsr_json_copy(doc));
    tsr_json_set_str(tsr_json_obj(tsr_json_obj(tsr_json_obj(want, "versions"),
                                               "1.0.0"), "dist"),
                     "tarball", "http://h/r/a/-/a-1.0.0.tgz");
    tsr_json_set_str(tsr_json_obj(tsr_json_obj(tsr_json_obj(want, "versions"),
                                               "2.0.0-rc.1"), "dist"),
                     "tarball", "http://h/r/a/-/a-2.0.0-rc.1.tgz");
    ck_assert(json_object_equal(full, want));
    ck_assert_str_eq(tsr_json_str(full, "description"), "tsrBase is a word");
    /* the stored document keeps relative paths */
    ck_assert_str_eq(path_str(tsr_json_obj(doc, "versions"), "1.0.0",
                              "dist", "tarball"), "a/-/a-1.0.0.tgz");
}
END_TEST

START_TEST(render_scoped)
{
    json_object *doc = sample("@s/p"), *full, *abbrev;
    const char *fblob, *ablob;
    apr_size_t flen, alen;

    ck_assert_int_eq(tsr_packument_render(fx_pool, doc, &fblob, &flen,
                                          &ablob, &alen), APR_SUCCESS);
    full = flat(fblob, flen, NULL);
    abbrev = flat(ablob, alen, NULL);
    ck_assert_str_eq(path_str(tsr_json_obj(full, "versions"), "1.0.0",
                              "dist", "tarball"),
                     "http://h/r/@s/p/-/p-1.0.0.tgz");
    ck_assert_str_eq(path_str(tsr_json_obj(abbrev, "versions"), "1.0.0",
                              "dist", "tarball"),
                     "http://h/r/@s/p/-/p-1.0.0.tgz");
}
END_TEST

/* Fields npm's abbreviated metadata may carry per version. */
static const char *const corgi_fields[] = {
    "name", "version", "deprecated", "dependencies", "optionalDependencies",
    "devDependencies", "bundleDependencies", "bundledDependencies",
    "peerDependencies", "peerDependenciesMeta", "bin", "directories",
    "engines", "os", "cpu", "libc", "hasInstallScript", "_hasShrinkwrap",
    "funding", "license", "acceptDependencies", "dist", NULL
};

static int is_corgi_field(const char *k)
{
    int i;

    for (i = 0; corgi_fields[i]; i++) {
        if (strcmp(k, corgi_fields[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

START_TEST(render_abbreviated)
{
    json_object *doc = sample("a"), *abbrev, *versions, *v1, *v2, *x;
    const char *fblob, *ablob;
    apr_size_t flen, alen;
    tsr_view_t v;
    int n = 0;

    ck_assert_int_eq(tsr_packument_render(fx_pool, doc, &fblob, &flen,
                                          &ablob, &alen), APR_SUCCESS);
    abbrev = flat(ablob, alen, &v);
    ck_assert_uint_eq(v.nsplice, 2);
    ck_assert(v.mtime == T2);
    {
        json_object_object_foreach(abbrev, key, val) {
            (void)val;
            ck_assert_msg(strcmp(key, "name") == 0
                          || strcmp(key, "modified") == 0
                          || strcmp(key, "dist-tags") == 0
                          || strcmp(key, "versions") == 0,
                          "top-level field %s in the abbreviated form", key);
            n++;
        }
    }
    ck_assert_int_eq(n, 4);
    ck_assert_str_eq(tsr_json_str(abbrev, "name"), "a");
    ck_assert_str_eq(tsr_json_str(abbrev, "modified"), T2_TEXT);
    ck_assert_str_eq(path_str(abbrev, "dist-tags", "latest", NULL), "1.0.0");
    ck_assert_str_eq(path_str(abbrev, "dist-tags", "next", NULL),
                     "2.0.0-rc.1");
    versions = tsr_json_obj(abbrev, "versions");
    ck_assert_int_eq((int)json_object_object_length(versions), 2);
    {
        json_object_object_foreach(versions, ver, man) {
            json_object_object_foreach(man, key, val) {
                (void)val;
                ck_assert_msg(is_corgi_field(key),
                              "field %s of %s in the abbreviated form", key,
                              ver);
            }
        }
    }
    v1 = tsr_json_obj(versions, "1.0.0");
    v2 = tsr_json_obj(versions, "2.0.0-rc.1");
    ck_assert(!json_object_object_get_ex(v1, "scripts", NULL));
    ck_assert(!json_object_object_get_ex(v1, "readme", NULL));
    ck_assert(!json_object_object_get_ex(v1, "description", NULL));
    ck_assert(!json_object_object_get_ex(v1, "hasInstallScript", NULL));
    ck_assert_str_eq(path_str(v1, "dependencies", "b", NULL), "^1.0.0");
    ck_assert_str_eq(path_str(v1, "engines", "node", NULL), ">=18");
    ck_assert_str_eq(path_str(v1, "bin", "x", NULL), "x.js");
    ck_assert_str_eq(path_str(v1, "dist", "tarball", NULL),
                     "http://h/r/a/-/a-1.0.0.tgz");
    ck_assert_str_eq(path_str(v1, "dist", "shasum", NULL),
                     "a9993e364706816aba3e25717850c26c9cd0d89d");
    ck_assert(json_object_object_get_ex(v2, "hasInstallScript", &x));
    ck_assert_int_eq(json_object_get_boolean(x), 1);
    ck_assert_str_eq(tsr_json_str(v2, "deprecated"), "use 1");
    ck_assert(!json_object_object_get_ex(v2, "scripts", NULL));
    ck_assert(!json_object_object_get_ex(v2, "gypfile", NULL));
}
END_TEST

/* A signed version: its signature in the full document's dist and the
 * version's own view, not in the abbreviated form. */
START_TEST(render_signature)
{
    json_object *doc = tsr_packument_new(fx_pool, "s"), *full, *abbrev, *sigs;
    json_object *m = fx_json(fx_pool, "{\"name\":\"s\",\"version\":\"1.0.0\"}");
    tsr_version_dist_t d = dist_of("s", "1.0.0");
    const char *fblob, *ablob, *vblob;
    apr_size_t flen, alen, vlen;
    tsr_error_t *err = NULL;
    tsr_view_t v;

    d.sig_keyid = "SHA256:kid";
    d.sig = "MEUCIQ==";
    ck_assert_int_eq(tsr_packument_add_version(doc, fx_pool, "1.0.0", m,
                                               "latest", &alice, &d, T1,
                                               &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_packument_render(fx_pool, doc, &fblob, &flen,
                                          &ablob, &alen), APR_SUCCESS);
    full = flat(fblob, flen, &v);
    ck_assert(json_object_object_get_ex(tsr_json_obj(version_of(full,
                                                                "1.0.0"),
                                                     "dist"),
                                        "signatures", &sigs));
    ck_assert_str_eq(tsr_json_serialize(fx_pool, sigs, &flen),
                     "[{\"keyid\":\"SHA256:kid\",\"sig\":\"MEUCIQ==\"}]");
    abbrev = flat(ablob, alen, &v);
    ck_assert_str_eq(path_str(version_of(abbrev, "1.0.0"), "dist",
                              "integrity", NULL), "sha512-abc=");
    ck_assert(!json_object_object_get_ex(tsr_json_obj(version_of(abbrev,
                                                                 "1.0.0"),
                                                      "dist"),
                                         "signatures", NULL));
    ck_assert_int_eq(tsr_packument_render_version(fx_pool, doc, "1.0.0", T1,
                                                  &vblob, &vlen),
                     APR_SUCCESS);
    full = flat(vblob, vlen, &v);
    ck_assert(json_object_object_get_ex(tsr_json_obj(full, "dist"),
                                        "signatures", &sigs));
    ck_assert_str_eq(tsr_json_serialize(fx_pool, sigs, &flen),
                     "[{\"keyid\":\"SHA256:kid\",\"sig\":\"MEUCIQ==\"}]");
    /* Unsigned: no signatures member at all. */
    d = dist_of("s", "1.0.1");
    m = fx_json(fx_pool, "{\"name\":\"s\",\"version\":\"1.0.1\"}");
    ck_assert_int_eq(tsr_packument_add_version(doc, fx_pool, "1.0.1", m,
                                               "latest", &alice, &d, T2,
                                               &err), APR_SUCCESS);
    ck_assert(!json_object_object_get_ex(tsr_json_obj(version_of(doc,
                                                                 "1.0.1"),
                                                      "dist"),
                                         "signatures", NULL));
}
END_TEST

START_TEST(render_empty_doc)
{
    json_object *doc = tsr_packument_new(fx_pool, "a"), *full, *abbrev;
    const char *fblob, *ablob;
    apr_size_t flen, alen;
    tsr_view_t v;

    ck_assert_int_eq(tsr_packument_render(fx_pool, doc, &fblob, &flen,
                                          &ablob, &alen), APR_SUCCESS);
    full = flat(fblob, flen, &v);
    ck_assert_uint_eq(v.nsplice, 0);
    ck_assert_uint_eq(v.rev_len, 3);
    ck_assert(v.mtime == 0);
    ck_assert(json_object_equal(full, doc));
    abbrev = flat(ablob, alen, NULL);
    ck_assert_str_eq(tsr_json_serialize(fx_pool, abbrev, NULL),
                     "{\"name\":\"a\",\"dist-tags\":{},\"versions\":{}}");
}
END_TEST

START_TEST(version_lookup)
{
    json_object *doc = sample("a"), *v;

    v = tsr_packument_version(fx_pool, doc, "1.0.0", BASE);
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(tsr_json_str(v, "version"), "1.0.0");
    ck_assert_str_eq(path_str(v, "dist", "tarball", NULL),
                     "http://h/r/a/-/a-1.0.0.tgz");
    /* a copy: the document keeps its relative path */
    ck_assert_str_eq(path_str(tsr_json_obj(doc, "versions"), "1.0.0", "dist",
                              "tarball"), "a/-/a-1.0.0.tgz");

    v = tsr_packument_version(fx_pool, doc, "latest", BASE);
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(tsr_json_str(v, "version"), "1.0.0");
    v = tsr_packument_version(fx_pool, doc, "next", "https://x/");
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(tsr_json_str(v, "version"), "2.0.0-rc.1");
    ck_assert_str_eq(path_str(v, "dist", "tarball", NULL),
                     "https://x/a/-/a-2.0.0-rc.1.tgz");
    v = tsr_packument_version(fx_pool, doc, "2.0.0-rc.1", BASE);
    ck_assert_ptr_nonnull(v);

    ck_assert_ptr_null(tsr_packument_version(fx_pool, doc, "9.9.9", BASE));
    ck_assert_ptr_null(tsr_packument_version(fx_pool, doc, "nope", BASE));
    ck_assert_ptr_null(tsr_packument_version(fx_pool, doc, "1.0", BASE));
    ck_assert_ptr_null(tsr_packument_version(
                           fx_pool, tsr_packument_new(fx_pool, "b"),
                           "latest", BASE));
}
END_TEST

START_TEST(version_lookup_dangling_tag)
{
    /* a tag naming a version that is gone finds nothing */
    json_object *doc = sample("a");

    tsr_json_set_str(tsr_json_obj(doc, "dist-tags"), "old", "0.1.0");
    ck_assert_ptr_null(tsr_packument_version(fx_pool, doc, "old", BASE));
}
END_TEST

/* ---- unpublish ---- */

START_TEST(remove_latest_moves_it)
{
    json_object *doc = tsr_packument_new(fx_pool, "p");
    tsr_error_t *err;
    apr_time_t t = apr_time_now();

    ck_assert_int_eq(add(doc, "1.0.0", NULL, "latest", &alice, t, &err), 0);
    ck_assert_int_eq(add(doc, "1.2.0", NULL, "latest", &alice, t, &err), 0);
    ck_assert_int_eq(add(doc, "3.0.0-rc.1", NULL, "next", &alice, t, &err),
                     0);
    ck_assert_int_eq(add(doc, "1.1.0", NULL, "old", &alice, t, &err), 0);
    ck_assert_int_eq(tsr_packument_remove_version(doc, fx_pool, "1.2.0", t,
                                                  &err), APR_SUCCESS);
    ck_assert_ptr_null(tsr_json_obj(tsr_json_obj(doc, "versions"), "1.2.0"));
    /* The highest release, not the higher prerelease. */
    ck_assert_str_eq(path_str(doc, "dist-tags", "latest", NULL), "1.1.0");
    ck_assert_str_eq(path_str(doc, "dist-tags", "next", NULL), "3.0.0-rc.1");
    ck_assert_ptr_nonnull(path_str(doc, "time", "1.2.0", NULL));
    ck_assert(tsr_packument_has_version(doc, "1.2.0"));
    ck_assert(!tsr_packument_is_gone(doc));
    /* A tag on the removed version goes with it. */
    ck_assert_int_eq(tsr_packument_remove_version(doc, fx_pool, "1.1.0", t,
                                                  &err), APR_SUCCESS);
    ck_assert_ptr_null(path_str(doc, "dist-tags", "old", NULL));
    ck_assert_str_eq(path_str(doc, "dist-tags", "latest", NULL), "1.0.0");
    ck_assert_int_eq(tsr_packument_remove_version(doc, fx_pool, "1.0.0", t,
                                                  &err), APR_SUCCESS);
    /* Only prereleases left: the highest of them. */
    ck_assert_str_eq(path_str(doc, "dist-tags", "latest", NULL),
                     "3.0.0-rc.1");
    ck_assert_int_eq(tsr_packument_remove_version(doc, fx_pool, "9.0.0", t,
                                                  &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 404);
}
END_TEST

START_TEST(remove_last_buries)
{
    json_object *doc = tsr_packument_new(fx_pool, "p"), *un;
    tsr_error_t *err;
    apr_time_t t = apr_time_now();
    const char *rev;

    ck_assert_int_eq(add(doc, "1.0.0", NULL, "latest", &alice, t, &err), 0);
    rev = apr_pstrdup(fx_pool, tsr_packument_rev(doc));
    ck_assert_int_eq(tsr_packument_remove_version(doc, fx_pool, "1.0.0", t,
                                                  &err), APR_SUCCESS);
    ck_assert(tsr_packument_is_gone(doc));
    ck_assert_ptr_null(tsr_json_obj(doc, "versions"));
    ck_assert_ptr_null(tsr_json_obj(doc, "dist-tags"));
    ck_assert_ptr_null(tsr_json_obj(doc, "readme"));
    ck_assert_str_eq(tsr_packument_rev(doc), rev);
    ck_assert(tsr_packument_is_maintainer(doc, "alice"));
    ck_assert(!tsr_packument_is_maintainer(doc, "bob"));
    un = tsr_json_obj(tsr_json_obj(doc, "time"), "unpublished");
    ck_assert_ptr_nonnull(un);
    ck_assert(json_object_object_get_ex(un, "versions", &un)
              && json_object_is_type(un, json_type_array));
    ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(un, 0)),
                     "1.0.0");
    /* The number stays burnt after the package came back. */
    tsr_packument_revive(doc);
    ck_assert(!tsr_packument_is_gone(doc));
    ck_assert_int_eq(add(doc, "1.0.0", NULL, "latest", &alice, t, &err),
                     TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 409);
    ck_assert_int_eq(add(doc, "1.0.1", NULL, "latest", &alice, t, &err), 0);
    ck_assert_str_eq(path_str(doc, "dist-tags", "latest", NULL), "1.0.1");
}
END_TEST

START_TEST(bury_keeps_access)
{
    json_object *doc = tsr_packument_new(fx_pool, "@s/p");
    tsr_error_t *err;
    apr_time_t t = apr_time_now();

    ck_assert_int_eq(add(doc, "1.0.0", NULL, "latest", &alice, t, &err), 0);
    tsr_packument_set_restricted(doc, 1);
    tsr_packument_bury(doc, fx_pool, t);
    ck_assert(tsr_packument_is_gone(doc));
    ck_assert_str_eq(tsr_packument_readers(fx_pool, doc), "alice");
}
END_TEST

Suite *make_packument_suite(void)
{
    Suite *s = suite_create("packument");
    TCase *tc = fx_tcase("add_version");

    tcase_add_test(tc, new_doc);
    tcase_add_test(tc, first_version);
    tcase_add_test(tc, version_from_manifest_is_overridden);
    tcase_add_test(tc, later_versions_and_tags);
    tcase_add_test(tc, first_under_other_tag);
    tcase_add_test(tc, republish_refused);
    tcase_add_test(tc, republish_unpublished_refused);
    tcase_add_test(tc, equal_precedence_refused);
    tcase_add_test(tc, equal_precedence_unpublished_refused);
    tcase_add_test(tc, maintainers);
    tcase_add_loop_test(tc, install_script, 0, 3);
    suite_add_tcase(s, tc);

    tc = fx_tcase("render");
    tcase_add_test(tc, render_full);
    tcase_add_test(tc, render_scoped);
    tcase_add_test(tc, render_abbreviated);
    tcase_add_test(tc, render_signature);
    tcase_add_test(tc, render_empty_doc);
    tcase_add_test(tc, version_lookup);
    tcase_add_test(tc, version_lookup_dangling_tag);
    suite_add_tcase(s, tc);

    tc = fx_tcase("unpublish");
    tcase_add_test(tc, remove_latest_moves_it);
    tcase_add_test(tc, remove_last_buries);
    tcase_add_test(tc, bury_keeps_access);
    suite_add_tcase(s, tc);
    return s;
}
