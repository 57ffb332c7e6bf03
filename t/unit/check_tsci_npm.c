/* check_tsci_npm: tscircuit releases as npm versions.  The synthesized
 * package.json; the tarball built twice (and from files in another order)
 * to the same bytes, its gzip header free of time and machine, and read
 * back with libarchive independently of the code that wrote it (entries,
 * order, modes, owners, times, contents byte for byte); and the sync on a
 * real store: a release made ready becomes a signed-off npm version once,
 * with the integrity of the tarball built here, latest follows is_latest,
 * a private package is restricted, and the release's files are frozen. */
#include <string.h>
#include <archive.h>
#include <archive_entry.h>
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_tsci.h"
#include "tsr_tsci_npm.h"
#include "tsr_tarball.h"
#include "tsr_store.h"

static const char bin[] = { (char)0x89, 'P', 'N', 'G', 0, 0, (char)0xff,
                            (char)0xfe, '\r', '\n', 0x1a, '\n', (char)0x80,
                            0 };

static void add(apr_array_header_t *files, const char *path,
                const char *data, apr_size_t len)
{
    tsr_tsci_file_t *f = apr_array_push(files);

    memset(f, 0, sizeof(*f));
    f->path = path;
    f->data = data;
    f->len = len ? len : strlen(data);
    f->is_text = 1;
}

/* A release as tsci push leaves it, in the store's path order. */
static apr_array_header_t *release_files(apr_pool_t *p, int reversed)
{
    apr_array_header_t *files = apr_array_make(p, 8,
                                               sizeof(tsr_tsci_file_t));
    static const char *const paths[] = {
        ".tscircuit-internal/note.json", "assets/logo.png", "dist/index.d.ts",
        "dist/index.js", "index.tsx", "package.json", NULL
    };
    int i, n = 6;

    for (i = 0; i < n; i++) {
        const char *path = paths[reversed ? n - 1 - i : i];

        if (strcmp(path, "assets/logo.png") == 0) {
            add(files, path, bin, sizeof(bin));
            APR_ARRAY_IDX(files, files->nelts - 1, tsr_tsci_file_t).is_text
                = 0;
        }
        else if (strcmp(path, "package.json") == 0) {
            add(files, path, "{\"name\":\"led\",\"version\":\"0.0.0\","
                "\"private\":true,\"main\":\"index.tsx\",\"license\":\"MIT\","
                "\"dependencies\":{\"@tsci/bob.resistor\":\"^1.0.0\"}}", 0);
        }
        else if (strcmp(path, "index.tsx") == 0) {
            add(files, path, "export default () => <board />\n", 0);
        }
        else if (strcmp(path, "dist/index.js") == 0) {
            add(files, path, "export default 1;\n", 0);
        }
        else if (strcmp(path, "dist/index.d.ts") == 0) {
            add(files, path, "export default number;\n", 0);
        }
        else {
            add(files, path, "{\"internal\":true}", 0);
        }
    }
    return files;
}

static const char *s_of(json_object *o, const char *key)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) || v == NULL) {
        return NULL;
    }
    return json_object_get_string(v);
}

START_TEST(names)
{
    ck_assert_str_eq(tsr_tsci_npm_name(fx_pool, "Alice/LED-board"),
                     "@tsci/alice.led-board");
    ck_assert_str_eq(tsr_tsci_npm_name(fx_pool, "@tsci/alice.led"),
                     "@tsci/alice.led");
    ck_assert_ptr_null(tsr_tsci_npm_name(fx_pool, "noslash"));
    ck_assert_str_eq(tsr_tsci_npm_tsci_name(fx_pool, "@tsci/alice.led"),
                     "alice/led");
    ck_assert_ptr_null(tsr_tsci_npm_tsci_name(fx_pool, "@acme/led"));
    ck_assert_ptr_null(tsr_tsci_npm_tsci_name(fx_pool, "alice/led"));
}
END_TEST

START_TEST(manifest_synthesized)
{
    json_object *m, *deps;
    tsr_error_t *err = NULL;
    apr_array_header_t *files = release_files(fx_pool, 0);

    ck_assert_int_eq(tsr_tsci_npm_manifest(fx_pool, files, "@tsci/alice.led",
                                           "1.2.3", &m, &err), APR_SUCCESS);
    ck_assert_str_eq(s_of(m, "name"), "@tsci/alice.led");
    ck_assert_str_eq(s_of(m, "version"), "1.2.3");
    ck_assert_str_eq(s_of(m, "main"), "dist/index.js");
    ck_assert_str_eq(s_of(m, "module"), "dist/index.js");
    ck_assert_str_eq(s_of(m, "types"), "dist/index.d.ts");
    ck_assert_str_eq(s_of(m, "license"), "MIT");
    ck_assert(!json_object_object_get_ex(m, "private", NULL));
    ck_assert(json_object_object_get_ex(m, "dependencies", &deps));
    ck_assert_str_eq(s_of(deps, "@tsci/bob.resistor"), "^1.0.0");

    /* Sources only: the author's main stays, nothing points into dist. */
    files = apr_array_make(fx_pool, 2, sizeof(tsr_tsci_file_t));
    add(files, "index.tsx", "x", 0);
    add(files, "package.json", "{\"main\":\"index.tsx\"}", 0);
    ck_assert_int_eq(tsr_tsci_npm_manifest(fx_pool, files, "@tsci/a.b",
                                           "0.0.1", &m, &err), APR_SUCCESS);
    ck_assert_str_eq(s_of(m, "main"), "index.tsx");
    ck_assert(!json_object_object_get_ex(m, "module", NULL));
    ck_assert(!json_object_object_get_ex(m, "types", NULL));

    /* No package.json, or one that is not an object: name and version. */
    files = apr_array_make(fx_pool, 2, sizeof(tsr_tsci_file_t));
    add(files, "package.json", "[1,2", 0);
    ck_assert_int_eq(tsr_tsci_npm_manifest(fx_pool, files, "@tsci/a.b",
                                           "0.0.1", &m, &err), APR_SUCCESS);
    ck_assert_int_eq(json_object_object_length(m), 2);
    ck_assert_str_eq(s_of(m, "name"), "@tsci/a.b");
}
END_TEST

static const unsigned char *build(apr_pool_t *p, int reversed,
                                  apr_size_t *plen)
{
    apr_array_header_t *files = release_files(p, reversed);
    json_object *m;
    tsr_error_t *err = NULL;
    const unsigned char *tgz;

    ck_assert_int_eq(tsr_tsci_npm_manifest(p, files, "@tsci/alice.led",
                                           "1.0.0", &m, &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_tsci_npm_tarball(p, m, files, &tgz, plen, &err),
                     APR_SUCCESS);
    return tgz;
}

START_TEST(tarball_deterministic)
{
    apr_pool_t *p1, *p2;
    const unsigned char *a, *b, *c;
    apr_size_t alen, blen, clen;

    apr_pool_create(&p1, fx_pool);
    apr_pool_create(&p2, fx_pool);
    a = build(p1, 0, &alen);
    /* Another pool, another second, files in another order. */
    apr_sleep(apr_time_from_msec(1100));
    b = build(p2, 0, &blen);
    c = build(p2, 1, &clen);
    ck_assert_uint_eq(alen, blen);
    ck_assert(memcmp(a, b, alen) == 0);
    ck_assert_uint_eq(alen, clen);
    ck_assert(memcmp(a, c, alen) == 0);
    ck_assert_str_eq(fx_sri512(fx_pool, a, alen), fx_sri512(fx_pool, b, blen));
    /* gzip's header: magic, deflate, no flags, mtime 0, OS unknown. */
    ck_assert_int_eq(a[0], 0x1f);
    ck_assert_int_eq(a[1], 0x8b);
    ck_assert_int_eq(a[2], 8);
    ck_assert_int_eq(a[3], 0);
    ck_assert_int_eq(a[4] | a[5] | a[6] | a[7], 0);
    ck_assert_int_eq(a[9], 255);
}
END_TEST

START_TEST(tarball_read_back)
{
    apr_size_t len;
    const unsigned char *tgz = build(fx_pool, 0, &len);
    struct archive *ar = archive_read_new();
    struct archive_entry *e;
    static const char *const want[] = {
        "package/assets/logo.png", "package/dist/index.d.ts",
        "package/dist/index.js", "package/index.tsx", "package/package.json",
        NULL
    };
    tsr_tarball_info_t info;
    tsr_tarball_limits_t lim;
    tsr_error_t *err = NULL;
    char buf[4096];
    int i = 0;

    archive_read_support_filter_gzip(ar);
    archive_read_support_format_tar(ar);
    ck_assert_int_eq(archive_read_open_memory(ar, tgz, len), ARCHIVE_OK);
    while (archive_read_next_header(ar, &e) == ARCHIVE_OK) {
        la_ssize_t n = archive_read_data(ar, buf, sizeof(buf));

        ck_assert_ptr_nonnull(want[i]);
        ck_assert_str_eq(archive_entry_pathname(e), want[i]);
        ck_assert_int_eq(archive_entry_filetype(e), AE_IFREG);
        ck_assert_int_eq(archive_entry_perm(e), 0644);
        ck_assert_int_eq(archive_entry_uid(e), 0);
        ck_assert_int_eq(archive_entry_gid(e), 0);
        ck_assert_int_eq(archive_entry_mtime(e), TSR_TSCI_NPM_MTIME);
        ck_assert(archive_entry_uname(e) == NULL
                  || *archive_entry_uname(e) == '\0');
        if (i == 0) {
            ck_assert_int_eq(n, (la_ssize_t)sizeof(bin));
            ck_assert(memcmp(buf, bin, sizeof(bin)) == 0);
        }
        else if (i == 2) {
            ck_assert_int_eq(n, 18);
            ck_assert(memcmp(buf, "export default 1;\n", 18) == 0);
        }
        else if (i == 4) {
            json_object *m;

            buf[n] = '\0';
            m = fx_json(fx_pool, buf);
            ck_assert_str_eq(s_of(m, "name"), "@tsci/alice.led");
            ck_assert_str_eq(s_of(m, "version"), "1.0.0");
        }
        i++;
    }
    ck_assert_ptr_null(want[i]);
    archive_read_free(ar);
    /* And the registry's own inspection, which every publish runs. */
    tsr_tarball_default_limits(&lim);
    ck_assert_int_eq(tsr_tarball_inspect(&info, fx_pool, tgz, len, &lim,
                                         &err), APR_SUCCESS);
    ck_assert_uint_eq(info.file_count, 5);
    ck_assert_str_eq(s_of(info.manifest, "name"), "@tsci/alice.led");
}
END_TEST

/* ---- the sync, on a real store ---- */

static tsr_store_t *store;

static json_object *op(tsr_tsci_fn *fn, const char *user, const char *ps,
                       apr_status_t want, tsr_error_t **perr)
{
    json_object *out;
    tsr_error_t *err;
    apr_status_t rv = fx_tsci_call(store, fn, user, ps, &out, &err);

    ck_assert_msg(rv == want, "%s: %d (%s)", ps, rv,
                  err ? err->message : "");
    if (perr) {
        *perr = err;
    }
    return out;
}

static json_object *npm_doc(const char *name)
{
    const char *blob;
    apr_size_t len;

    if (tsr_store_package_doc(store, fx_pool, name, &blob, &len)
        != APR_SUCCESS) {
        return NULL;
    }
    return fx_json(fx_pool, apr_pstrmemdup(fx_pool, blob, len));
}

static void setup(void)
{
    store = fx_store(fx_pool);
}

START_TEST(sync_publishes_once)
{
    json_object *doc, *v, *dist;
    tsr_error_t *err;
    apr_array_header_t *files;
    json_object *m;
    const unsigned char *tgz;
    apr_size_t len;
    int done = -1;
    const char *pid = s_of(op(tsr_tsci_packages_create, "alice",
                              "{\"name\":\"alice/led\"}", APR_SUCCESS,
                              NULL), "package_id");

    op(tsr_tsci_releases_create, "alice",
       "{\"package_name_with_version\":\"alice/led@1.0.0\"}", APR_SUCCESS,
       NULL);
    op(tsr_tsci_files_create, "alice",
       "{\"package_name_with_version\":\"alice/led@1.0.0\","
       "\"file_path\":\"index.tsx\",\"content_text\":\"export {}\\n\"}",
       APR_SUCCESS, NULL);
    /* Not final yet: nothing to publish. */
    ck_assert_int_eq(tsr_tsci_npm_sync(store, fx_pool, NULL, &done),
                     APR_SUCCESS);
    ck_assert_int_eq(done, 0);
    ck_assert_ptr_null(npm_doc("@tsci/alice.led"));

    op(tsr_tsci_releases_update, "alice",
       "{\"package_name_with_version\":\"alice/led@1.0.0\","
       "\"ready_to_build\":true}", APR_SUCCESS, NULL);
    ck_assert_int_eq(tsr_tsci_npm_sync(store, fx_pool, NULL, &done),
                     APR_SUCCESS);
    ck_assert_int_eq(done, 1);
    doc = npm_doc("@tsci/alice.led");
    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq(s_of(json_object_object_get(doc, "dist-tags"),
                          "latest"), "1.0.0");
    v = json_object_object_get(json_object_object_get(doc, "versions"),
                               "1.0.0");
    ck_assert_ptr_nonnull(v);
    dist = json_object_object_get(v, "dist");
    /* The integrity of the very tarball built here from the same files. */
    ck_assert_int_eq(tsr_tsci_release_files(store, fx_pool,
        s_of(op(tsr_tsci_releases_get, "alice",
                "{\"package_name_with_version\":\"alice/led@1.0.0\"}",
                APR_SUCCESS, NULL), "package_release_id"), &files, &err),
        APR_SUCCESS);
    ck_assert_int_eq(tsr_tsci_npm_manifest(fx_pool, files, "@tsci/alice.led",
                                           "1.0.0", &m, &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_tsci_npm_tarball(fx_pool, m, files, &tgz, &len,
                                          &err), APR_SUCCESS);
    ck_assert_str_eq(s_of(dist, "integrity"), fx_sri512(fx_pool, tgz, len));
    ck_assert_str_eq(s_of(dist, "shasum"), fx_sha1_hex(fx_pool, tgz, len));
    ck_assert_int_eq(json_object_get_int(json_object_object_get(
                         dist, "fileCount")), 2);
    ck_assert_str_eq(s_of(json_object_array_get_idx(
                         json_object_object_get(doc, "maintainers"), 0),
                          "name"), "alice");

    /* The mark is gone: a second sync publishes nothing. */
    ck_assert_int_eq(tsr_tsci_npm_sync(store, fx_pool, NULL, &done),
                     APR_SUCCESS);
    ck_assert_int_eq(done, 0);
    /* Frozen: the files of a published release do not change. */
    op(tsr_tsci_files_create, "alice",
       "{\"package_name_with_version\":\"alice/led@1.0.0\","
       "\"file_path\":\"index.tsx\",\"content_text\":\"changed\"}",
       TSR_EREFUSED, &err);
    ck_assert_int_eq(err->http_status, 403);
    ck_assert_str_eq(err->code, "package_release_locked");
    op(tsr_tsci_releases_update, "alice",
       "{\"package_name_with_version\":\"alice/led@1.0.0\","
       "\"ready_to_build\":false}", TSR_EREFUSED, &err);
    ck_assert_int_eq(err->http_status, 403);

    /* A second release: latest moves; made private: restricted. */
    op(tsr_tsci_releases_create, "alice",
       "{\"package_name_with_version\":\"alice/led@1.0.1\","
       "\"ready_to_build\":true}", APR_SUCCESS, NULL);
    op(tsr_tsci_packages_update, "alice",
       apr_psprintf(fx_pool, "{\"package_id\":\"%s\",\"is_private\":true}",
                    pid), APR_SUCCESS, NULL);
    ck_assert_int_eq(tsr_tsci_npm_sync(store, fx_pool, NULL, &done),
                     APR_SUCCESS);
    ck_assert_int_eq(done, 1);
    doc = npm_doc("@tsci/alice.led");
    ck_assert_str_eq(s_of(json_object_object_get(doc, "dist-tags"),
                          "latest"), "1.0.1");
    ck_assert_ptr_nonnull(json_object_object_get(
        json_object_object_get(doc, "versions"), "1.0.0"));
    /* Back to 1.0.0 as latest: npm's latest follows. */
    op(tsr_tsci_releases_update, "alice",
       "{\"package_name_with_version\":\"alice/led@1.0.0\","
       "\"is_latest\":true}", APR_SUCCESS, NULL);
    ck_assert_int_eq(tsr_tsci_npm_sync(store, fx_pool, NULL, &done),
                     APR_SUCCESS);
    doc = npm_doc("@tsci/alice.led");
    ck_assert_str_eq(s_of(json_object_object_get(doc, "dist-tags"),
                          "latest"), "1.0.0");
    {
        const char *readers;
        apr_size_t rl;

        ck_assert_int_eq(tsr_store_package_view(store, fx_pool,
                                                "@tsci/alice.led",
                                                TSR_VIEW_READERS, &readers,
                                                &rl), APR_SUCCESS);
    }
}
END_TEST

Suite *make_tsci_npm_suite(void)
{
    Suite *s = suite_create("tsci_npm");
    TCase *tc = fx_tcase("build");
    TCase *st = fx_tcase("sync");

    tcase_add_test(tc, names);
    tcase_add_test(tc, manifest_synthesized);
    tcase_add_test(tc, tarball_deterministic);
    tcase_add_test(tc, tarball_read_back);
    suite_add_tcase(s, tc);
    tcase_add_checked_fixture(st, setup, NULL);
    tcase_add_test(st, sync_publishes_once);
    suite_add_tcase(s, st);
    return s;
}
