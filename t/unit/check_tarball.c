/* check_tarball: what inspection of a package tarball reports and which
 * tarballs it refuses, within its limits. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_tarball.h"
#include "tsr_json.h"

static tsr_tarball_limits_t lim;

static apr_status_t inspect(tsr_tarball_info_t *info,
                            const unsigned char *tgz, apr_size_t len,
                            tsr_error_t **perr)
{
    *perr = NULL;
    return tsr_tarball_inspect(info, fx_pool, tgz, len, &lim, perr);
}

static void default_limits(void)
{
    tsr_tarball_default_limits(&lim);
}

START_TEST(defaults)
{
    ck_assert_uint_eq(lim.max_entries, 100000);
    ck_assert_uint_eq(lim.max_unpacked, 1024ULL * 1024 * 1024);
    ck_assert_uint_eq(lim.max_manifest, 4 * 1024 * 1024);
}
END_TEST

START_TEST(good_package)
{
    static const char manifest[] =
        "{\"name\":\"left-pad\",\"version\":\"1.3.0\",\"main\":\"index.js\"}";
    static const char index_js[] = "module.exports = leftPad;\n";
    static const char readme[] = "# left-pad\n";
    fx_entry_t e[] = {
        { "package", NULL, 0, 1 },
        { "package/package.json", manifest, 0, 0 },
        { "package/index.js", index_js, 0, 0 },
        { "package/lib", NULL, 0, 1 },
        { "package/README.md", readme, 0, 0 },
        { NULL, NULL, 0, 0 }
    };
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    const unsigned char *tgz = fx_tarball(fx_pool, e, &len);

    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(info.manifest);
    ck_assert_str_eq(tsr_json_str(info.manifest, "name"), "left-pad");
    ck_assert_str_eq(tsr_json_str(info.manifest, "version"), "1.3.0");
    ck_assert_str_eq(tsr_json_str(info.manifest, "main"), "index.js");
    /* directories are entries but not files */
    ck_assert_uint_eq(info.file_count, 3);
    ck_assert_uint_eq(info.unpacked_size,
                      strlen(manifest) + strlen(index_js) + strlen(readme));
    ck_assert_int_eq(info.has_shrinkwrap, 0);
}
END_TEST

START_TEST(fixture_package)
{
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    const unsigned char *tgz = fx_package_tarball(fx_pool, "@s/p", "2.0.0",
                                                  &len);

    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
    ck_assert_str_eq(tsr_json_str(info.manifest, "name"), "@s/p");
    ck_assert_uint_eq(info.file_count, 2);
    ck_assert_uint_eq(info.unpacked_size,
                      strlen(fx_manifest_text(fx_pool, "@s/p", "2.0.0"))
                      + strlen("module.exports = 42;\n"));
}
END_TEST

START_TEST(shrinkwrap)
{
    fx_entry_t e[] = {
        { "package/package.json", "{\"name\":\"a\",\"version\":\"1.0.0\"}",
          0, 0 },
        { "package/npm-shrinkwrap.json", "{}", 0, 0 },
        { NULL, NULL, 0, 0 }
    };
    fx_entry_t elsewhere[] = {
        { "package/package.json", "{\"name\":\"a\",\"version\":\"1.0.0\"}",
          0, 0 },
        { "package/lib/npm-shrinkwrap.json", "{}", 0, 0 },
        { NULL, NULL, 0, 0 }
    };
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    const unsigned char *tgz = fx_tarball(fx_pool, e, &len);

    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
    ck_assert_int_eq(info.has_shrinkwrap, 1);
    tgz = fx_tarball(fx_pool, elsewhere, &len);
    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
    ck_assert_int_eq(info.has_shrinkwrap, 0);
}
END_TEST

START_TEST(dot_slash_paths)
{
    fx_entry_t e[] = {
        { "./package/package.json",
          "{\"name\":\"a\",\"version\":\"1.0.0\"}", 0, 0 },
        { "./package/npm-shrinkwrap.json", "{}", 0, 0 },
        { NULL, NULL, 0, 0 }
    };
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    const unsigned char *tgz = fx_tarball(fx_pool, e, &len);

    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
    ck_assert_str_eq(tsr_json_str(info.manifest, "name"), "a");
    ck_assert_int_eq(info.has_shrinkwrap, 1);
}
END_TEST

START_TEST(not_gzip)
{
    static const char text[] = "this is not a gzip file at all, really";
    static const unsigned char magic_only[] = { 0x1f, 0x8b };
    tsr_tarball_info_t info;
    tsr_error_t *err;

    ck_assert_refusal(inspect(&info, (const unsigned char *)text,
                              strlen(text), &err), err, 400);
    ck_assert_contains(err->message, "not a gzip");
    ck_assert_refusal(inspect(&info, magic_only, sizeof(magic_only), &err),
                      err, 400);
    ck_assert_refusal(inspect(&info, magic_only, 0, &err), err, 400);
}
END_TEST

START_TEST(not_tar)
{
    static const char text[] =
        "{\"name\":\"a\",\"version\":\"1.0.0\"} -- a gzip'd file that is "
        "not a tar archive";
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    const unsigned char *gz = fx_gzip(fx_pool, text, strlen(text), &len);

    ck_assert_int_eq(gz[0], 0x1f);
    ck_assert_int_eq(gz[1], 0x8b);
    ck_assert_refusal(inspect(&info, gz, len, &err), err, 400);
    ck_assert_str_eq(err->code, "bad_tarball");
}
END_TEST

START_TEST(empty_tar)
{
    /* an empty tar: only the end-of-archive blocks */
    char zeros[1024];
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    const unsigned char *gz;

    memset(zeros, 0, sizeof(zeros));
    gz = fx_gzip(fx_pool, zeros, sizeof(zeros), &len);
    ck_assert_refusal(inspect(&info, gz, len, &err), err, 400);
    ck_assert_str_eq(err->code, "bad_tarball");
}
END_TEST

/* A package whose gzip'd bytes do not compress away: entries of varied
 * text, so that truncation lands inside the data. */
static const unsigned char *big_package(apr_size_t *plen)
{
    char *data = apr_palloc(fx_pool, 20000 + 1);
    fx_entry_t e[] = {
        { "package/package.json", "{\"name\":\"a\",\"version\":\"1.0.0\"}",
          0, 0 },
        { "package/data.txt", data, 20000, 0 },
        { NULL, NULL, 0, 0 }
    };
    apr_uint32_t x = 12345;
    int i;

    for (i = 0; i < 20000; i++) {
        x = x * 1103515245 + 12345;
        data[i] = (char)('a' + (x >> 16) % 26);
    }
    data[20000] = '\0';
    return fx_tarball(fx_pool, e, plen);
}

START_TEST(truncated_gzip)
{
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    const unsigned char *tgz = big_package(&len);

    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
    ck_assert_refusal(inspect(&info, tgz, len / 2, &err), err, 400);
    ck_assert_str_eq(err->code, "bad_tarball");
    ck_assert_refusal(inspect(&info, tgz, 100, &err), err, 400);
    ck_assert_refusal(inspect(&info, tgz, len - 1, &err), err, 400);
    ck_assert_refusal(inspect(&info, tgz, len - 8, &err), err, 400);
    ck_assert_refusal(inspect(&info, tgz, len - 20, &err), err, 400);
}
END_TEST

START_TEST(corrupt_gzip)
{
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    const unsigned char *tgz = big_package(&len);
    unsigned char *bad = apr_pmemdup(fx_pool, tgz, len);

    /* the CRC-32 and size of the gzip trailer */
    bad[len - 5] ^= 0x55;
    ck_assert_refusal(inspect(&info, bad, len, &err), err, 400);
    bad = apr_pmemdup(fx_pool, tgz, len);
    bad[len - 1] ^= 0x55;
    ck_assert_refusal(inspect(&info, bad, len, &err), err, 400);
    /* appended data after the gzip member */
    bad = apr_palloc(fx_pool, len + 4);
    memcpy(bad, tgz, len);
    memcpy(bad + len, "junk", 4);
    ck_assert_refusal(inspect(&info, bad, len + 4, &err), err, 400);
}
END_TEST

START_TEST(no_manifest)
{
    fx_entry_t e[] = {
        { "package/index.js", "1;\n", 0, 0 },
        { "package/lib/package.json", "{\"name\":\"a\"}", 0, 0 },
        { "package/package.json", NULL, 0, 1 },
        { NULL, NULL, 0, 0 }
    };
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    const unsigned char *tgz = fx_tarball(fx_pool, e, &len);

    ck_assert_refusal(inspect(&info, tgz, len, &err), err, 400);
    ck_assert_contains(err->message, "no package/package.json");
}
END_TEST

static const char *const bad_manifests[] = {
    "not json", "{\"name\":\"a\",", "[1,2]", "\"a string\"", "{} {}",
    "{\"a\":\"\xff\"}", NULL
};

START_TEST(manifest_not_json)
{
    fx_entry_t e[] = {
        { "package/package.json", bad_manifests[_i], 0, 0 },
        { NULL, NULL, 0, 0 }
    };
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    const unsigned char *tgz = fx_tarball(fx_pool, e, &len);

    ck_assert_refusal(inspect(&info, tgz, len, &err), err, 400);
    ck_assert_contains(err->message, "not a JSON object");
}
END_TEST

START_TEST(manifest_empty)
{
    fx_entry_t e[] = {
        { "package/package.json", "", 0, 0 },
        { NULL, NULL, 0, 0 }
    };
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    const unsigned char *tgz = fx_tarball(fx_pool, e, &len);

    ck_assert_refusal(inspect(&info, tgz, len, &err), err, 400);
}
END_TEST

START_TEST(limit_entries)
{
    fx_entry_t e[] = {
        { "package", NULL, 0, 1 },
        { "package/package.json", "{\"name\":\"a\",\"version\":\"1.0.0\"}",
          0, 0 },
        { "package/a.js", "1;", 0, 0 },
        { NULL, NULL, 0, 0 }
    };
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    const unsigned char *tgz = fx_tarball(fx_pool, e, &len);

    /* directories count as entries */
    lim.max_entries = 3;
    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
    lim.max_entries = 2;
    ck_assert_refusal(inspect(&info, tgz, len, &err), err, 413);
    ck_assert_contains(err->message, "more than 2 entries");
}
END_TEST

START_TEST(limit_unpacked)
{
    static const char manifest[] = "{\"name\":\"a\",\"version\":\"1.0.0\"}";
    char *blob = apr_palloc(fx_pool, 1001);
    fx_entry_t e[] = {
        { "package/package.json", manifest, 0, 0 },
        { "package/blob.bin", blob, 1000, 0 },
        { NULL, NULL, 0, 0 }
    };
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    const unsigned char *tgz;

    apr_uint64_t whole;

    memset(blob, 'x', 1000);
    blob[1000] = '\0';
    tgz = fx_tarball(fx_pool, e, &len);
    /* the limit is on the whole inflated tar, headers, padding and end
     * marker too, not on the files' sizes alone */
    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
    ck_assert_uint_eq(info.unpacked_size, 1000 + strlen(manifest));
    whole = info.inflated;
    ck_assert_uint_eq(whole, 512 + 512 + 512 + 1024 + 1024);
    lim.max_unpacked = whole;
    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
    lim.max_unpacked = whole - 1;
    ck_assert_refusal(inspect(&info, tgz, len, &err), err, 413);
    ck_assert_contains(err->message, "unpacks to more than");
}
END_TEST

START_TEST(limit_manifest)
{
    static const char manifest[] = "{\"name\":\"a\",\"version\":\"1.0.0\"}";
    fx_entry_t e[] = {
        { "package/package.json", manifest, 0, 0 },
        { NULL, NULL, 0, 0 }
    };
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    const unsigned char *tgz = fx_tarball(fx_pool, e, &len);

    lim.max_manifest = strlen(manifest);
    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
    lim.max_manifest = strlen(manifest) - 1;
    ck_assert_refusal(inspect(&info, tgz, len, &err), err, 413);
    ck_assert_contains(err->message, "package/package.json");
}
END_TEST

Suite *make_tarball_suite(void)
{
    Suite *s = suite_create("tarball");
    TCase *tc = fx_tcase("inspect");

    tcase_add_checked_fixture(tc, default_limits, NULL);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, good_package);
    tcase_add_test(tc, fixture_package);
    tcase_add_test(tc, shrinkwrap);
    tcase_add_test(tc, dot_slash_paths);
    tcase_add_test(tc, not_gzip);
    tcase_add_test(tc, not_tar);
    tcase_add_test(tc, empty_tar);
    tcase_add_test(tc, truncated_gzip);
    tcase_add_test(tc, corrupt_gzip);
    tcase_add_test(tc, no_manifest);
    tcase_add_loop_test(tc, manifest_not_json, 0,
                        (int)(sizeof(bad_manifests) / sizeof(char *)) - 1);
    tcase_add_test(tc, manifest_empty);
    suite_add_tcase(s, tc);

    tc = fx_tcase("limits");
    tcase_add_checked_fixture(tc, default_limits, NULL);
    tcase_add_test(tc, limit_entries);
    tcase_add_test(tc, limit_unpacked);
    tcase_add_test(tc, limit_manifest);
    suite_add_tcase(s, tc);
    return s;
}
