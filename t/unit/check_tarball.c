/* check_tarball: what inspection of a package tarball reports and which
 * tarballs it refuses, within its limits. */
#include <stdio.h>
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
    ck_assert_uint_eq(lim.max_path, 4096);
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

/* Bombs and tricks, built with zlib a piece at a time (fixtures.h). */

#define MANIFEST "{\"name\":\"a\",\"version\":\"1.0.0\"}"
#define GiB (1024ULL * 1024 * 1024)
/* "refused early": at most this much was inflated before the verdict, for
 * bombs that declare or hold gigabytes */
#define EARLY (1024 * 1024)

/* A gzip member holding the tar of package/package.json, open for more. */
static fx_gz_t *start(void)
{
    fx_gz_t *g = fx_gz_open(fx_pool);

    fx_gz_entry(g, "package/package.json", '0', strlen(MANIFEST), MANIFEST,
                strlen(MANIFEST));
    return g;
}

/* The tar's end marker, two zero blocks, then close the member. */
static const unsigned char *finish(fx_gz_t *g, apr_size_t *plen)
{
    fx_gz_zeros(g, 1024);
    return fx_gz_close(g, plen);
}

/* plen is read only here: the tarball is often built in the call's
 * arguments, which C evaluates in no set order. */
static void refused(const unsigned char *tgz, const apr_size_t *plen,
                    int status, const char *reason)
{
    tsr_tarball_info_t info;
    tsr_error_t *err;

    ck_assert_refusal(inspect(&info, tgz, *plen, &err), err, status);
    ck_assert_contains(err->message, reason);
    ck_assert_msg(info.inflated < EARLY, "%llu bytes inflated before \"%s\"",
                  (unsigned long long)info.inflated, err->message);
}

START_TEST(handmade_ok)
{
    /* the fixtures themselves: what they build is accepted */
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    fx_gz_t *g = start();
    const unsigned char *tgz;

    fx_gz_entry(g, "package/lib", '5', 0, NULL, 0);
    fx_gz_entry(g, "./package/x.js", '\0', 2, "1;", 2);
    tgz = finish(g, &len);
    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
    ck_assert_uint_eq(info.file_count, 2);
    ck_assert_uint_eq(info.inflated, 5 * 512 + 1024);
}
END_TEST

START_TEST(zeros_after_end_marker)
{
    /* 4 MB of gzip that inflate to 4 GiB of zeros after a valid tar: refused
     * within the first few kilobytes of the zeros */
    apr_size_t len;
    fx_gz_t *g = start();

    fx_gz_zeros(g, 1024 + 64ULL * 1024 * 1024);
    refused(fx_gz_close(g, &len), &len, 400,
            "bytes of padding after the end of its tar archive");
}
END_TEST

START_TEST(padding_allowed)
{
    /* npm's two zero blocks; GNU tar's records of 10240 bytes */
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    fx_gz_t *g = start();
    const unsigned char *tgz;

    tgz = finish(g, &len);
    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
    g = start();
    fx_gz_zeros(g, 10240 - 1024);
    tgz = fx_gz_close(g, &len);
    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
    ck_assert_uint_eq(info.inflated, 10240);
    /* the most GNU tar writes after its last entry, and then some */
    g = start();
    fx_gz_zeros(g, 20480);
    tgz = fx_gz_close(g, &len);
    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
    g = start();
    fx_gz_zeros(g, 20480 + 512);
    refused(fx_gz_close(g, &len), &len, 400, "more than 20480 bytes");
    /* no end marker at all: the gzip trailer vouches for the end */
    g = start();
    tgz = fx_gz_close(g, &len);
    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
}
END_TEST

START_TEST(data_after_end_marker)
{
    static const char junk[] = "a second archive, hidden after the first";
    apr_size_t len;
    fx_gz_t *g = start();

    fx_gz_zeros(g, 1024);
    fx_gz_entry(g, "package/hidden.js", '0', strlen(junk), junk,
                strlen(junk));
    refused(fx_gz_close(g, &len), &len, 400,
            "data after the end of its tar archive");
    /* one stray byte in the padding */
    g = start();
    fx_gz_zeros(g, 4000);
    fx_gz_write(g, "x", 1);
    fx_gz_zeros(g, 1000);
    refused(fx_gz_close(g, &len), &len, 400,
            "data after the end of its tar archive");
}
END_TEST

START_TEST(after_gzip_trailer)
{
    apr_size_t len, len2, n;
    const unsigned char *tgz = finish(start(), &len);
    const unsigned char *more = finish(start(), &len2);
    unsigned char *two = apr_palloc(fx_pool, len + len2);

    memcpy(two, tgz, len);
    memcpy(two + len, more, len2);
    n = len + len2;
    refused(two, &n, 400, "more than one gzip member");
    memcpy(two + len, "\0\0\0\0", 4);
    n = len + 4;
    refused(two, &n, 400, "4 bytes after the end of its gzip data");
}
END_TEST

START_TEST(declared_file_bomb)
{
    /* a file that declares 4 GiB, with 64 MiB of zeros behind it: refused
     * at its header */
    apr_size_t len;
    fx_gz_t *g = start();

    fx_gz_entry(g, "package/big.bin", '0', 4 * GiB, NULL, 0);
    fx_gz_zeros(g, 64ULL * 1024 * 1024);
    refused(fx_gz_close(g, &len), &len, 413,
            "entry \"package/big.bin\" declares 4294967296 bytes");
    /* GNU base-256 sizes, 1 TiB */
    g = start();
    fx_gz_entry(g, "package/big.bin", '0', 1024 * GiB, NULL, 0);
    fx_gz_zeros(g, 1024 * 1024);
    refused(fx_gz_close(g, &len), &len, 413, "declares 1099511627776 bytes");
    /* many files under the limit each, over it together */
    lim.max_unpacked = 512 * 1024;
    g = start();
    {
        int i;

        for (i = 0; i < 100; i++) {
            fx_gz_entry(g, apr_psprintf(fx_pool, "package/%d.bin", i), '0',
                        100000, NULL, 0);
            fx_gz_zeros(g, 100000 + (512 - 100000 % 512));
        }
    }
    refused(finish(g, &len), &len, 413, "unpacks to more than 524288");
}
END_TEST

static const char nonfile_types[] = { '5', '1', '2', '3', '4', '6', 'S',
                                      'V', '7', 'N' };

START_TEST(declared_nonfile_bomb)
{
    /* directories, links, devices and FIFOs that declare 1.5 GiB */
    char type = nonfile_types[_i];
    apr_size_t len;
    fx_gz_t *g = start();

    fx_gz_entry(g, "package/thing", type, 3 * GiB / 2, NULL, 0);
    fx_gz_zeros(g, 8 * 1024 * 1024);
    refused(fx_gz_close(g, &len), &len, 400, "entry \"package/thing\" is ");
}
END_TEST

START_TEST(long_name_bomb)
{
    /* GNU long names of 1 MB each (the attack had 1,000; 100 make the same
     * point for a tenth of the building): refused at the first header */
    apr_size_t len;
    fx_gz_t *g = start();
    char *name = apr_palloc(fx_pool, 1 << 20);
    int i;

    memcpy(name, "package/", 8);
    memset(name + 8, 'n', (1 << 20) - 9);
    name[(1 << 20) - 1] = '\0';
    for (i = 0; i < 100; i++) {
        fx_gz_entry(g, "././@LongLink", 'L', 1 << 20, name, 1 << 20);
        fx_gz_entry(g, "package/short", '0', 0, NULL, 0);
    }
    refused(finish(g, &len), &len, 413, "path is longer than 4096 bytes");
}
END_TEST

START_TEST(path_limit)
{
    /* 4096 bytes of path are fine, 4097 are not, through a GNU long name
     * or a pax header (libarchive writes one for long paths) */
    char *path = apr_palloc(fx_pool, 4098);
    fx_entry_t e[] = {
        { "package/package.json", MANIFEST, 0, 0 },
        { path, "1;", 0, 0 },
        { NULL, NULL, 0, 0 }
    };
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    const unsigned char *tgz;
    fx_gz_t *g;

    memcpy(path, "package/", 8);
    memset(path + 8, 'p', 4096 - 8);
    path[4096] = '\0';
    tgz = fx_tarball(fx_pool, e, &len);
    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
    ck_assert_uint_eq(info.file_count, 2);
    g = start();
    fx_gz_entry(g, "././@LongLink", 'L', 4097, path, 4097);
    fx_gz_entry(g, "ignored", '0', 2, "1;", 2);
    tgz = finish(g, &len);
    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);

    path[4096] = 'p';
    path[4097] = '\0';
    tgz = fx_tarball(fx_pool, e, &len);
    refused(tgz, &len, 413, "longer than 4096 bytes (4097)");
    g = start();
    fx_gz_entry(g, "././@LongLink", 'L', 4098, path, 4098);
    fx_gz_entry(g, "ignored", '0', 2, "1;", 2);
    refused(finish(g, &len), &len, 413, "longer than 4096 bytes");
}
END_TEST

START_TEST(long_names_read)
{
    /* package.json under a GNU long name is found; the long name wins over
     * the header's own */
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    fx_gz_t *g = fx_gz_open(fx_pool);
    const unsigned char *tgz;

    fx_gz_entry(g, "././@LongLink", 'L', 21, "package/package.json", 21);
    fx_gz_entry(g, "package/other", '0', strlen(MANIFEST), MANIFEST,
                strlen(MANIFEST));
    tgz = finish(g, &len);
    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
    ck_assert_str_eq(tsr_json_str(info.manifest, "name"), "a");
    /* a long name that escapes is refused like a short one */
    g = start();
    fx_gz_entry(g, "././@LongLink", 'L', 14, "package/../../", 14);
    fx_gz_entry(g, "package/fine", '0', 2, "1;", 2);
    refused(finish(g, &len), &len, 400, "\"..\" component");
}
END_TEST

static const struct {
    const char *path;
    char type;
    const char *why;
} bad_entries[] = {
    { "../escape", '0', "\"../escape\" has a \"..\" component" },
    { "/etc/cron.d/evil", '0', "\"/etc/cron.d/evil\" has an absolute path" },
    { "package/../../x", '0', "\"..\" component" },
    { "./../x", '0', "\"./../x\" has a \"..\" component" },
    { "././package/x", '0', "\"././package/x\" is outside package/" },
    { "package/./x", '0', "\".\" component" },
    { "package//x", '0', "empty component" },
    { "package\\..\\..\\x", '0', "backslash" },
    { "other/x.js", '0', "\"other/x.js\" is outside package/" },
    { "packages/x.js", '0', "is outside package/" },
    { "package.json", '0', "is outside package/" },
    { "package", '0', "is a file that is not under package/" },
    { "package/x/", '0', "empty component" },
    { "etc", '5', "\"etc\" is outside package/" },
    { "/", '5', "absolute" },
    { "package/passwd", '2', "\"package/passwd\" is a symbolic link" },
    { "package/hard", '1', "is a hard link" },
    { "package/tty", '3', "is a character device" },
    { "package/sda", '4', "is a block device" },
    { "package/fifo", '6', "is a FIFO" },
    { "pkg/q\"\x01\xff", '0', "\"pkg/q\\x22\\x01\\xff\" is outside" },
    { "package/z\"", '2', "\"package/z\\x22\" is a symbolic link" },
};

START_TEST(bad_entry)
{
    apr_size_t len;
    fx_gz_t *g = start();

    fx_gz_entry(g, bad_entries[_i].path, bad_entries[_i].type, 2, "1;", 2);
    refused(finish(g, &len), &len, 400, bad_entries[_i].why);
}
END_TEST

START_TEST(symlink_to_passwd)
{
    /* the link target is in linkname; the entry is refused whatever it is */
    unsigned char h[512];
    unsigned int sum = 0;
    apr_size_t len;
    fx_gz_t *g = start();
    int i;

    fx_tar_header(h, "package/passwd", '2', 0);
    memcpy(h + 157, "/etc/passwd", 11);
    memset(h + 148, ' ', 8);
    for (i = 0; i < 512; i++) {
        sum += h[i];
    }
    snprintf((char *)h + 148, 8, "%06o", sum);
    fx_gz_write(g, h, 512);
    refused(finish(g, &len), &len, 400,
            "\"package/passwd\" is a symbolic link; only regular files and "
            "directories are accepted");
}
END_TEST

/* A pax extended header ('x' or 'g') of the given records. */
static void pax(fx_gz_t *g, char type, const char *records, apr_size_t len)
{
    fx_gz_entry(g, "PaxHeader/x", type, len, records, len);
}

START_TEST(pax_tricks)
{
    static const char nul_path[] = "29 path=package/a\0/../../etc\n";
    static const char sparse[] = "23 GNU.sparse.size=100\n";
    static const char gpath[] = "26 path=package/x/../y.js\n";
    static const char comment[] = "19 comment=abcdef0\n";
    static const char broken[] = "99 path=package/x\n";
    static const char size[] = "19 size=4294967296\n";
    tsr_tarball_info_t info;
    tsr_error_t *err;
    apr_size_t len;
    fx_gz_t *g;
    const unsigned char *tgz;

    ck_assert_uint_eq(strlen(comment), 19);
    ck_assert_uint_eq(sizeof(nul_path) - 1, 29);
    g = start();
    pax(g, 'x', nul_path, sizeof(nul_path) - 1);
    fx_gz_entry(g, "package/a", '0', 2, "1;", 2);
    refused(finish(g, &len), &len, 400, "contains a NUL byte");

    g = start();
    pax(g, 'x', sparse, strlen(sparse));
    fx_gz_entry(g, "package/a", '0', 2, "1;", 2);
    refused(finish(g, &len), &len, 400, "sparse file");

    g = start();
    pax(g, 'g', gpath, strlen(gpath));
    fx_gz_entry(g, "package/a", '0', 2, "1;", 2);
    refused(finish(g, &len), &len, 400, "global header that sets path");

    g = start();
    pax(g, 'x', broken, strlen(broken));
    fx_gz_entry(g, "package/a", '0', 2, "1;", 2);
    refused(finish(g, &len), &len, 400, "pax extended header is malformed");

    /* a pax size overrides the header's, and is checked at once */
    g = start();
    pax(g, 'x', size, strlen(size));
    fx_gz_entry(g, "package/a", '0', 2, "1;", 2);
    fx_gz_zeros(g, 8 * 1024 * 1024);
    refused(fx_gz_close(g, &len), &len, 413, "declares 4294967296 bytes");

    /* an extended header that is not followed by an entry */
    g = start();
    pax(g, 'x', comment, strlen(comment));
    refused(finish(g, &len), &len, 400, "not followed by an entry");

    /* git archive's global comment is harmless */
    g = fx_gz_open(fx_pool);
    pax(g, 'g', comment, strlen(comment));
    fx_gz_entry(g, "package/package.json", '0', strlen(MANIFEST), MANIFEST,
                strlen(MANIFEST));
    tgz = finish(g, &len);
    ck_assert_int_eq(inspect(&info, tgz, len, &err), APR_SUCCESS);
}
END_TEST

START_TEST(gnu_name_tricks)
{
    apr_size_t len;
    fx_gz_t *g = start();

    /* a name with more after its NUL: readers disagree on which it is */
    fx_gz_entry(g, "././@LongLink", 'L', 22, "package/a\0/../../etc/x", 22);
    fx_gz_entry(g, "package/a", '0', 2, "1;", 2);
    refused(finish(g, &len), &len, 400, "has bytes after a NUL");
    /* more extended headers than one entry has any use for */
    g = start();
    fx_gz_entry(g, "././@LongLink", 'L', 10, "package/a", 10);
    fx_gz_entry(g, "././@LongLink", 'L', 10, "package/b", 10);
    fx_gz_entry(g, "package/a", '0', 2, "1;", 2);
    refused(finish(g, &len), &len, 400, "two extended headers of one kind");
    /* a pax header body over its bound, refused at its header */
    g = start();
    fx_gz_entry(g, "PaxHeader/x", 'x', 10 << 20, NULL, 0);
    fx_gz_zeros(g, 10 << 20);
    refused(fx_gz_close(g, &len), &len, 413, "pax extended header of");
}
END_TEST

START_TEST(headers_count)
{
    /* every inflated byte counts: 200 empty files cost 200 headers */
    apr_size_t len;
    fx_gz_t *g = start();
    int i;

    for (i = 0; i < 200; i++) {
        fx_gz_entry(g, apr_psprintf(fx_pool, "package/%d", i), '0', 0, NULL,
                    0);
    }
    lim.max_unpacked = 64 * 1024;
    refused(finish(g, &len), &len, 413, "unpacks to more than 65536 bytes");
}
END_TEST

START_TEST(bad_header)
{
    /* a header whose checksum is wrong, and one cut short */
    unsigned char h[512];
    apr_size_t len;
    fx_gz_t *g = start();

    fx_tar_header(h, "package/a", '0', 0);
    h[0] = 'P';
    fx_gz_write(g, h, 512);
    refused(finish(g, &len), &len, 400, "checksum is wrong");
    g = start();
    fx_tar_header(h, "package/a", '0', 0);
    fx_gz_write(g, h, 300);
    refused(fx_gz_close(g, &len), &len, 400, "ends inside a tar header");
    g = start();
    fx_gz_entry(g, "package/a", '0', 1000, "x", 1);
    refused(fx_gz_close(g, &len), &len, 400, "\"package/a\" is truncated");
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

    tc = fx_tcase("bombs");
    tcase_add_checked_fixture(tc, default_limits, NULL);
    tcase_add_test(tc, handmade_ok);
    tcase_add_test(tc, zeros_after_end_marker);
    tcase_add_test(tc, padding_allowed);
    tcase_add_test(tc, data_after_end_marker);
    tcase_add_test(tc, after_gzip_trailer);
    tcase_add_test(tc, declared_file_bomb);
    tcase_add_loop_test(tc, declared_nonfile_bomb, 0,
                        (int)sizeof(nonfile_types));
    tcase_add_test(tc, long_name_bomb);
    tcase_add_test(tc, path_limit);
    tcase_add_test(tc, long_names_read);
    tcase_add_test(tc, headers_count);
    tcase_add_test(tc, bad_header);
    suite_add_tcase(s, tc);

    tc = fx_tcase("entries");
    tcase_add_checked_fixture(tc, default_limits, NULL);
    tcase_add_loop_test(tc, bad_entry, 0,
                        (int)(sizeof(bad_entries) / sizeof(bad_entries[0])));
    tcase_add_test(tc, symlink_to_passwd);
    tcase_add_test(tc, pax_tricks);
    tcase_add_test(tc, gnu_name_tricks);
    suite_add_tcase(s, tc);
    return s;
}
