/* check_tsci: tscircuit's registry in the core: file paths normalised
 * and refused, media types, names, fs_sha against an MD5 computed here
 * with libcrypto over JSON written by hand, and the store's packages,
 * releases and files through the API operations on a real Berkeley DB
 * store (is_latest, locks, byte-exact contents, refusals that change
 * nothing). */
#include <string.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_tsci.h"
#include "tsr_tsci_path.h"
#include "tsr_store.h"

static const char *norm(const char *in)
{
    const char *out = NULL;
    tsr_error_t *err = NULL;
    apr_status_t rv = tsr_tsci_path_normalize(fx_pool, in, &out, &err);

    return rv == APR_SUCCESS ? out : NULL;
}

static void refused_path(const char *in)
{
    const char *out = NULL;
    tsr_error_t *err = NULL;
    apr_status_t rv = tsr_tsci_path_normalize(fx_pool, in, &out, &err);

    ck_assert_msg(rv == TSR_EREFUSED, "\"%s\" was accepted as \"%s\"", in,
                  out ? out : "");
    ck_assert_int_eq(err->http_status, 400);
    ck_assert_str_eq(err->code, "invalid_file_path");
}

START_TEST(paths_normalised)
{
    ck_assert_str_eq(norm("index.tsx"), "index.tsx");
    ck_assert_str_eq(norm("  ./lib/a.ts \n"), "lib/a.ts");
    ck_assert_str_eq(norm("/lib//b.ts/"), "lib/b.ts");
    ck_assert_str_eq(norm("lib\\win\\c.ts"), "lib/win/c.ts");
    ck_assert_str_eq(norm("a/./b/./c.json"), "a/b/c.json");
    ck_assert_str_eq(norm("././x.md"), "x.md");
    /* The build's own outputs live in a top-level dist. */
    ck_assert_str_eq(norm("dist/index.js"), "dist/index.js");
    ck_assert_str_eq(norm("dist/index/circuit.json"),
                     "dist/index/circuit.json");
}
END_TEST

START_TEST(paths_refused)
{
    refused_path("");
    refused_path("   ");
    refused_path("/");
    refused_path("../etc/passwd.txt");
    refused_path("a/../../b.ts");
    refused_path("a/..");
    refused_path("lib/dist/x.js");
    refused_path("node_modules/x/index.js");
    refused_path("a/node_modules/x.js");
    refused_path(".git/config.x");
    refused_path("src/.git/HEAD.x");
    refused_path("Makefile");
    refused_path("lib/noext");
    refused_path("a\tb.ts");
    refused_path(apr_pstrcat(fx_pool, apr_psprintf(fx_pool, "%01100d", 0),
                             ".ts", NULL));
}
END_TEST

START_TEST(mimetypes)
{
    ck_assert_str_eq(tsr_tsci_mimetype("index.tsx"), "text/typescript");
    ck_assert_str_eq(tsr_tsci_mimetype("lib/a.ts"), "text/typescript");
    ck_assert_str_eq(tsr_tsci_mimetype("dist/index.js"),
                     "application/javascript");
    ck_assert_str_eq(tsr_tsci_mimetype("package.json"), "application/json");
    ck_assert_str_eq(tsr_tsci_mimetype("README.md"), "text/markdown");
    ck_assert_str_eq(tsr_tsci_mimetype("m/x.GLB"), "model/gltf-binary");
    ck_assert_str_eq(tsr_tsci_mimetype("a.png"), "image/png");
    ck_assert_str_eq(tsr_tsci_mimetype("a.weird"),
                     "application/octet-stream");
    /* The extension is the last name's, not a directory's. */
    ck_assert_str_eq(tsr_tsci_mimetype("a.json/b"),
                     "application/octet-stream");
}
END_TEST

START_TEST(names)
{
    const char *o, *n, *v;
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_tsci_name_parse(fx_pool, "alice/led", &o, &n, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(o, "alice");
    ck_assert_str_eq(n, "led");
    ck_assert_int_eq(tsr_tsci_name_parse(fx_pool, "@tsci/acme.usb-c_1", &o,
                                         &n, &err), APR_SUCCESS);
    ck_assert_str_eq(o, "acme");
    ck_assert_str_eq(n, "usb-c_1");
    ck_assert_int_eq(tsr_tsci_name_parse(fx_pool, "@bob/x", &o, &n, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(o, "bob");
    err = NULL;
    ck_assert_int_eq(tsr_tsci_name_parse(fx_pool, "noslash", &o, &n, &err),
                     TSR_EREFUSED);
    ck_assert_str_eq(err->code, "invalid_package_name");
    err = NULL;
    ck_assert_int_eq(tsr_tsci_name_parse(fx_pool, "/led", &o, &n, &err),
                     TSR_EREFUSED);
    ck_assert_str_eq(err->code, "missing_owner_segment");
    err = NULL;
    ck_assert_int_eq(tsr_tsci_name_parse(fx_pool, "alice/le d", &o, &n,
                                         &err), TSR_EREFUSED);
    ck_assert_str_eq(err->code, "validation_error");
    err = NULL;
    ck_assert_int_eq(tsr_tsci_name_parse(fx_pool, "alice/-led", &o, &n,
                                         &err), TSR_EREFUSED);
    tsr_tsci_name_version_split(fx_pool, "alice/led@1.2.3", &n, &v);
    ck_assert_str_eq(n, "alice/led");
    ck_assert_str_eq(v, "1.2.3");
    tsr_tsci_name_version_split(fx_pool, "@alice/led@latest", &n, &v);
    ck_assert_str_eq(n, "@alice/led");
    ck_assert_ptr_null(v);
    tsr_tsci_name_version_split(fx_pool, "@alice/led", &n, &v);
    ck_assert_str_eq(n, "@alice/led");
    ck_assert_ptr_null(v);
    ck_assert(tsr_tsci_is_prerelease("1.0.0-beta"));
    ck_assert(!tsr_tsci_is_prerelease("1.0.0+build-5"));
    ck_assert(!tsr_tsci_is_prerelease("1.0.0"));
}
END_TEST

/* "md5-" and the hex MD5 of text, straight from libcrypto. */
static const char *md5_of(const char *text)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;
    char *out = apr_palloc(fx_pool, 4 + 32 + 1);

    ck_assert(EVP_Digest(text, strlen(text), d, &n, EVP_md5(), NULL) == 1);
    memcpy(out, "md5-", 4);
    for (i = 0; i < n; i++) {
        apr_snprintf(out + 4 + 2 * i, 3, "%02x", d[i]);
    }
    return out;
}

START_TEST(fs_sha)
{
    apr_array_header_t *e = apr_array_make(fx_pool, 4,
                                           sizeof(tsr_tsci_fs_entry_t));
    tsr_tsci_fs_entry_t *x;

    /* Created in this order (seq), listed in another: creation wins;
     * empty and binary files are left out; JSON.stringify's escapes. */
    x = apr_array_push(e);
    x->path = "lib/b.ts"; x->text = "b\n\"q\"\t\\/"; x->len = 8; x->seq = 7;
    x = apr_array_push(e);
    x->path = "index.tsx"; x->text = "export {}"; x->len = 9; x->seq = 3;
    x = apr_array_push(e);
    x->path = "empty.ts"; x->text = ""; x->len = 0; x->seq = 4;
    x = apr_array_push(e);
    x->path = "m.glb"; x->text = NULL; x->len = 0; x->seq = 5;
    x = apr_array_push(e);
    x->path = "c.txt"; x->text = "\x01\xc3\xa9"; x->len = 3; x->seq = 9;
    ck_assert_str_eq(tsr_tsci_fs_sha(fx_pool, e),
                     md5_of("{\"index.tsx\":\"export {}\","
                            "\"lib/b.ts\":\"b\\n\\\"q\\\"\\t\\\\/\","
                            "\"c.txt\":\"\\u0001\xc3\xa9\"}"));
    e->nelts = 0;
    ck_assert_str_eq(tsr_tsci_fs_sha(fx_pool, e), md5_of("{}"));
}
END_TEST

/* ---- the store through the operations ---- */

static tsr_store_t *store;

static json_object *params(const char *json)
{
    return fx_json(fx_pool, json);
}

/* Call fn as user (NULL: anonymous) with params; the status. */
static apr_status_t call(tsr_tsci_fn *fn, const char *user, const char *ps,
                         json_object **pout, tsr_error_t **perr)
{
    return fx_tsci_call(store, fn, user, ps, pout, perr);
}

static json_object *ok(tsr_tsci_fn *fn, const char *user, const char *ps)
{
    json_object *out = NULL;
    tsr_error_t *err = NULL;
    apr_status_t rv = call(fn, user, ps, &out, &err);

    ck_assert_msg(rv == APR_SUCCESS, "%s refused: %d %s %s", ps,
                  err ? err->http_status : 0, err ? err->code : "",
                  err ? err->message : "");
    return out;
}

static void refused(tsr_tsci_fn *fn, const char *user, const char *ps,
                    int status, const char *code)
{
    json_object *out = NULL;
    tsr_error_t *err = NULL;
    apr_status_t rv = call(fn, user, ps, &out, &err);

    ck_assert_msg(rv == TSR_EREFUSED, "%s was not refused", ps);
    ck_assert_int_eq(err->http_status, status);
    ck_assert_str_eq(err->code, code);
}

static const char *str(json_object *o, const char *key)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) || v == NULL) {
        return NULL;
    }
    return json_object_get_string(v);
}

static int flag(json_object *o, const char *key)
{
    json_object *v;

    ck_assert(json_object_object_get_ex(o, key, &v));
    return json_object_get_boolean(v);
}

static void setup(void)
{
    store = fx_store(fx_pool);
}

/* The same operations on the SQL store: tscircuit's work is written
 * against tsr_kv_t alone, so both providers must agree. */
static void setup_dbd(void)
{
    store = fx_store_dbd(fx_pool);
}

START_TEST(packages_and_owners)
{
    json_object *pkg = ok(tsr_tsci_packages_create, "alice",
                          "{\"name\":\"alice/led\",\"description\":\"a led\"}");
    json_object *got, *list;

    ck_assert_str_eq(str(pkg, "name"), "alice/led");
    ck_assert_ptr_null(str(pkg, "latest_version"));
    got = ok(tsr_tsci_packages_get, NULL, "{\"name\":\"ALICE/Led\"}");
    ck_assert_str_eq(str(got, "package_id"), str(pkg, "package_id"));
    refused(tsr_tsci_packages_create, "alice", "{\"name\":\"alice/led\"}",
            400, "package_already_exists");
    refused(tsr_tsci_packages_create, "bob", "{\"name\":\"alice/x\"}", 403,
            "forbidden");
    refused(tsr_tsci_packages_create, NULL, "{\"name\":\"alice/y\"}", 401,
            "unauthorized");
    /* An administrator may create under another name. */
    {
        tsr_tsci_call_t c;
        json_object *out;
        tsr_error_t *err = NULL;

        memset(&c, 0, sizeof(c));
        c.store = store; c.p = fx_pool; c.who.user = "root";
        c.who.admin = 1; c.params = params("{\"name\":\"alice/admin-made\"}");
        ck_assert_int_eq(tsr_tsci_packages_create(&c, &out, &err),
                         APR_SUCCESS);
    }
    /* A private package is missing to others, there to its owner. */
    ok(tsr_tsci_packages_create, "alice",
       "{\"name\":\"alice/secret\",\"is_private\":true}");
    refused(tsr_tsci_packages_get, "bob", "{\"name\":\"alice/secret\"}",
            404, "package_not_found");
    refused(tsr_tsci_packages_get, NULL, "{\"name\":\"alice/secret\"}",
            404, "package_not_found");
    got = ok(tsr_tsci_packages_get, "alice", "{\"name\":\"alice/secret\"}");
    ck_assert(flag(got, "is_unlisted"));
    list = ok(tsr_tsci_packages_list, "alice", "{}");
    ck_assert_int_eq(json_object_array_length(list), 3);
    list = ok(tsr_tsci_packages_list, "bob",
              "{\"owner_tscircuit_handle\":\"alice\"}");
    ck_assert_int_eq(json_object_array_length(list), 2);
    refused(tsr_tsci_packages_list, NULL, "{}", 400, "invalid_request");
    list = ok(tsr_tsci_packages_search, NULL, "{\"query\":\"A LED\"}");
    ck_assert_int_eq(json_object_array_length(list), 1);
    list = ok(tsr_tsci_packages_search, NULL, "{\"query\":\"secret\"}");
    ck_assert_int_eq(json_object_array_length(list), 0);
    /* Update and delete: the owner only. */
    refused(tsr_tsci_packages_update, "bob", apr_psprintf(fx_pool,
            "{\"package_id\":\"%s\",\"description\":\"x\"}",
            str(pkg, "package_id")), 403, "forbidden");
    got = ok(tsr_tsci_packages_update, "alice", apr_psprintf(fx_pool,
             "{\"package_id\":\"%s\",\"name\":\"lamp\"}",
             str(pkg, "package_id")));
    ck_assert_str_eq(str(got, "name"), "alice/lamp");
    refused(tsr_tsci_packages_get, NULL, "{\"name\":\"alice/led\"}", 404,
            "package_not_found");
    ok(tsr_tsci_packages_delete, "alice", apr_psprintf(fx_pool,
       "{\"package_id\":\"%s\"}", str(pkg, "package_id")));
    refused(tsr_tsci_packages_get, NULL, "{\"name\":\"alice/lamp\"}", 404,
            "package_not_found");
}
END_TEST

START_TEST(latest_rules)
{
    json_object *pkg, *r1, *r2, *pre, *got, *list;

    ok(tsr_tsci_packages_create, "alice", "{\"name\":\"alice/board\"}");
    /* A first prerelease is latest (nothing else is). */
    pre = ok(tsr_tsci_releases_create, "alice",
             "{\"package_name_with_version\":\"alice/board@0.1.0-rc.1\"}");
    ck_assert(flag(pre, "is_latest"));
    r1 = ok(tsr_tsci_releases_create, "alice",
            "{\"package_name_with_version\":\"alice/board@1.0.0\"}");
    ck_assert(flag(r1, "is_latest"));
    /* A later prerelease is not latest by default. */
    ok(tsr_tsci_releases_create, "alice",
       "{\"package_name\":\"alice/board\",\"version\":\"1.1.0-beta.1\"}");
    pkg = ok(tsr_tsci_packages_get, NULL, "{\"name\":\"alice/board\"}");
    ck_assert_str_eq(str(pkg, "latest_version"), "1.0.0");
    r2 = ok(tsr_tsci_releases_create, "alice",
            "{\"package_name_with_version\":\"alice/board@1.0.1\"}");
    ck_assert(flag(r2, "is_latest"));
    got = ok(tsr_tsci_releases_get, NULL,
             "{\"package_name_with_version\":\"alice/board@1.0.0\"}");
    ck_assert(!flag(got, "is_latest"));
    pkg = ok(tsr_tsci_packages_get, NULL, "{\"name\":\"alice/board\"}");
    ck_assert_str_eq(str(pkg, "latest_version"), "1.0.1");
    ck_assert_str_eq(str(pkg, "latest_package_release_id"),
                     str(r2, "package_release_id"));
    /* Moving latest back by update: one latest, package follows. */
    ok(tsr_tsci_releases_update, "alice", apr_psprintf(fx_pool,
       "{\"package_release_id\":\"%s\",\"is_latest\":true}",
       str(r1, "package_release_id")));
    list = ok(tsr_tsci_releases_list, NULL,
              "{\"package_name\":\"alice/board\",\"is_latest\":true}");
    ck_assert_int_eq(json_object_array_length(list), 1);
    ck_assert_str_eq(str(json_object_array_get_idx(list, 0), "version"),
                     "1.0.0");
    pkg = ok(tsr_tsci_packages_get, NULL, "{\"name\":\"alice/board\"}");
    ck_assert_str_eq(str(pkg, "latest_version"), "1.0.0");
    got = ok(tsr_tsci_releases_get, NULL,
             "{\"package_name\":\"alice/board\",\"is_latest\":true}");
    ck_assert_str_eq(str(got, "version"), "1.0.0");
    /* Creation order, all four. */
    list = ok(tsr_tsci_releases_list, NULL,
              "{\"package_name\":\"alice/board\"}");
    ck_assert_int_eq(json_object_array_length(list), 4);
    ck_assert_str_eq(str(json_object_array_get_idx(list, 0), "version"),
                     "0.1.0-rc.1");
    ck_assert_str_eq(str(json_object_array_get_idx(list, 3), "version"),
                     "1.0.1");
    list = ok(tsr_tsci_releases_list, NULL,
              "{\"package_name\":\"nobody/nothing\"}");
    ck_assert_int_eq(json_object_array_length(list), 0);
    refused(tsr_tsci_releases_create, "alice",
            "{\"package_name_with_version\":\"alice/board@1.0.1\"}", 400,
            "version_already_exists");
    refused(tsr_tsci_releases_create, "alice",
            "{\"package_name\":\"alice/board\"}", 400, "missing_options");
    refused(tsr_tsci_releases_create, "alice",
            "{\"package_name_with_version\":\"alice/none@1.0.0\"}", 404,
            "package_not_found");
    refused(tsr_tsci_releases_create, "bob",
            "{\"package_name_with_version\":\"alice/board@9.0.0\"}", 403,
            "forbidden");
    refused(tsr_tsci_releases_create, "alice",
            "{\"package_name_with_version\":\"alice/board@v1\"}", 400,
            "validation_error");
    refused(tsr_tsci_releases_get, NULL,
            "{\"package_name_with_version\":\"alice/board@7.0.0\"}", 404,
            "package_release_not_found");
    refused(tsr_tsci_releases_update, "alice",
            "{\"package_name_with_version\":\"alice/board@1.0.1\"}", 400,
            "no_fields_provided");
}
END_TEST

START_TEST(files_and_locks)
{
    static const unsigned char bin[] = { 0x00, 0xff, 0x10, 0x80, 0x00, 0x7f };
    apr_array_header_t *files;
    tsr_tsci_file_t *f;
    json_object *rel, *file, *got, *list, *pkg;
    tsr_error_t *err = NULL;
    const char *sha;

    ok(tsr_tsci_packages_create, "alice", "{\"name\":\"alice/chip\"}");
    rel = ok(tsr_tsci_releases_create, "alice",
             "{\"package_name_with_version\":\"alice/chip@1.0.0\"}");
    file = ok(tsr_tsci_files_create, "alice",
              "{\"package_name_with_version\":\"alice/chip@1.0.0\","
              "\"file_path\":\"./lib/z.ts\",\"content_text\":\"z\\u0000z\"}");
    ck_assert_str_eq(str(file, "file_path"), "lib/z.ts");
    ck_assert_str_eq(str(file, "content_mimetype"), "text/typescript");
    ok(tsr_tsci_files_create, "alice", apr_psprintf(fx_pool,
       "{\"package_release_id\":\"%s\",\"file_path\":\"m.glb\","
       "\"content_base64\":\"%s\"}", str(rel, "package_release_id"),
       fx_base64(fx_pool, bin, sizeof(bin))));
    ok(tsr_tsci_files_create, "alice",
       "{\"package_name_with_version\":\"alice/chip@1.0.0\","
       "\"file_path\":\"index.tsx\",\"content_text\":\"\"}");
    /* Byte for byte, in path order. */
    ck_assert_int_eq(tsr_tsci_release_files(store, fx_pool,
                     str(rel, "package_release_id"), &files, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(files->nelts, 3);
    f = &APR_ARRAY_IDX(files, 0, tsr_tsci_file_t);
    ck_assert_str_eq(f->path, "index.tsx");
    ck_assert_int_eq(f->len, 0);
    f = &APR_ARRAY_IDX(files, 1, tsr_tsci_file_t);
    ck_assert_str_eq(f->path, "lib/z.ts");
    ck_assert_int_eq(f->len, 3);
    ck_assert(memcmp(f->data, "z\0z", 3) == 0);
    f = &APR_ARRAY_IDX(files, 2, tsr_tsci_file_t);
    ck_assert_str_eq(f->path, "m.glb");
    ck_assert(!f->is_text);
    ck_assert_int_eq(f->len, sizeof(bin));
    ck_assert(memcmp(f->data, bin, sizeof(bin)) == 0);
    /* fs_sha: only the non-empty text file, on release and package. */
    sha = md5_of("{\"lib/z.ts\":\"z\\u0000z\"}");
    got = ok(tsr_tsci_releases_get, NULL, apr_psprintf(fx_pool,
             "{\"package_release_id\":\"%s\"}",
             str(rel, "package_release_id")));
    ck_assert_str_eq(str(got, "fs_sha"), sha);
    pkg = ok(tsr_tsci_packages_get, NULL, "{\"name\":\"alice/chip\"}");
    ck_assert_str_eq(str(pkg, "latest_package_release_fs_sha"), sha);
    /* get by path after normalisation; binary has no content_text. */
    got = ok(tsr_tsci_files_get, NULL,
             "{\"package_name\":\"alice/chip\",\"file_path\":\"/lib//z.ts\"}");
    ck_assert_int_eq(json_object_get_string_len(
        json_object_object_get(got, "content_text")), 3);
    got = ok(tsr_tsci_files_get, NULL, apr_psprintf(fx_pool,
             "{\"package_file_id\":\"%s\"}", str(file, "package_file_id")));
    ck_assert_str_eq(str(got, "file_path"), "lib/z.ts");
    got = ok(tsr_tsci_files_get, NULL,
             "{\"package_name_with_version\":\"alice/chip@1.0.0\","
             "\"file_path\":\"m.glb\"}");
    ck_assert_ptr_null(json_object_object_get(got, "content_text"));
    ck_assert(!flag(got, "is_text"));
    /* create again replaces: same id, new bytes. */
    got = ok(tsr_tsci_files_create_or_update, "alice",
             "{\"package_name_with_version\":\"alice/chip@1.0.0\","
             "\"file_path\":\"lib/z.ts\",\"content_text\":\"zz\"}");
    ck_assert_str_eq(str(got, "package_file_id"),
                     str(file, "package_file_id"));
    list = ok(tsr_tsci_files_list, NULL, apr_psprintf(fx_pool,
              "{\"package_release_id\":\"%s\"}",
              str(rel, "package_release_id")));
    ck_assert_int_eq(json_object_array_length(list), 3);
    refused(tsr_tsci_files_create, "bob",
            "{\"package_name_with_version\":\"alice/chip@1.0.0\","
            "\"file_path\":\"b.ts\",\"content_text\":\"x\"}", 403,
            "forbidden");
    refused(tsr_tsci_files_create, "alice",
            "{\"package_name_with_version\":\"alice/chip@1.0.0\","
            "\"file_path\":\"../b.ts\",\"content_text\":\"x\"}", 400,
            "invalid_file_path");
    refused(tsr_tsci_files_create, "alice",
            "{\"file_path\":\"b.ts\",\"content_text\":\"x\"}", 400,
            "validation_error");
    refused(tsr_tsci_files_create, "alice",
            "{\"package_name_with_version\":\"alice/chip@1.0.0\","
            "\"file_path\":\"b.ts\",\"content_text\":\"x\","
            "\"content_base64\":\"eA==\"}", 400, "validation_error");
    refused(tsr_tsci_files_delete, "alice",
            "{\"package_name_with_version\":\"alice/chip@1.0.0\","
            "\"file_path\":\"nope.ts\"}", 404, "file_not_found");
    ok(tsr_tsci_files_delete, "alice",
       "{\"package_name_with_version\":\"alice/chip@1.0.0\","
       "\"file_path\":\"index.tsx\"}");
    /* Locked: every file change and release change refused, latest may
     * still move. */
    ok(tsr_tsci_releases_update, "alice",
       "{\"package_name_with_version\":\"alice/chip@1.0.0\","
       "\"is_locked\":true}");
    refused(tsr_tsci_files_create, "alice",
            "{\"package_name_with_version\":\"alice/chip@1.0.0\","
            "\"file_path\":\"n.ts\",\"content_text\":\"x\"}", 403,
            "package_release_locked");
    refused(tsr_tsci_files_delete, "alice",
            "{\"package_name_with_version\":\"alice/chip@1.0.0\","
            "\"file_path\":\"lib/z.ts\"}", 403, "package_release_locked");
    refused(tsr_tsci_releases_update, "alice",
            "{\"package_name_with_version\":\"alice/chip@1.0.0\","
            "\"is_locked\":false}", 403, "package_release_locked");
    refused(tsr_tsci_releases_update, "alice",
            "{\"package_name_with_version\":\"alice/chip@1.0.0\","
            "\"license\":\"MIT\"}", 403, "package_release_locked");
    ok(tsr_tsci_releases_update, "alice",
       "{\"package_name_with_version\":\"alice/chip@1.0.0\","
       "\"is_latest\":true}");
    list = ok(tsr_tsci_files_list, NULL,
              "{\"package_name\":\"alice/chip\",\"use_latest_version\":true}");
    ck_assert_int_eq(json_object_array_length(list), 2);
}
END_TEST

Suite *make_tsci_suite(void)
{
    Suite *s = suite_create("tsci");
    TCase *tc = fx_tcase("rules");
    TCase *st = fx_tcase("store");

    tcase_add_test(tc, paths_normalised);
    tcase_add_test(tc, paths_refused);
    tcase_add_test(tc, mimetypes);
    tcase_add_test(tc, names);
    tcase_add_test(tc, fs_sha);
    suite_add_tcase(s, tc);
    tcase_add_checked_fixture(st, setup, NULL);
    tcase_add_test(st, packages_and_owners);
    tcase_add_test(st, latest_rules);
    tcase_add_test(st, files_and_locks);
    suite_add_tcase(s, st);
    if (fx_have_pg()) {
        st = fx_tcase("store_dbd");
        tcase_add_checked_fixture(st, setup_dbd, NULL);
        tcase_add_test(st, packages_and_owners);
        tcase_add_test(st, latest_rules);
        tcase_add_test(st, files_and_locks);
        suite_add_tcase(s, st);
    }
    return s;
}
