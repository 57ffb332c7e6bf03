/* fixtures: the helpers the unit tests share (see fixtures.h). */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <time.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <zlib.h>
#include <apr_strings.h>
#include "fixtures.h"
#include "tsr_store_bdb.h"
#include "tsr_store_dbd.h"
#include "tsr_tsci.h"

apr_pool_t *fx_pool;

static void setup(void)
{
    ck_assert_int_eq(apr_pool_create(&fx_pool, NULL), APR_SUCCESS);
}

static void teardown(void)
{
    apr_pool_destroy(fx_pool);
    fx_pool = NULL;
}

TCase *fx_tcase(const char *name)
{
    TCase *tc = tcase_create(name);

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    return tc;
}

/* Room for the archive: gzip of tar headers and padding stays far below
 * this for the sizes the tests use. */
static apr_size_t room(apr_size_t data_bytes)
{
    return 2 * data_bytes + (256 << 10);
}

const unsigned char *fx_tarball(apr_pool_t *p, const fx_entry_t *entries,
                                apr_size_t *plen)
{
    struct archive *a = archive_write_new();
    apr_size_t total = 0, cap;
    size_t used = 0;
    unsigned char *buf;
    const fx_entry_t *e;

    for (e = entries; e->path; e++) {
        total += 512 + (e->len ? e->len : e->data ? strlen(e->data) : 0);
    }
    cap = room(total);
    buf = apr_palloc(p, cap);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK);
    ck_assert_int_eq(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
    ck_assert_int_eq(archive_write_open_memory(a, buf, cap, &used),
                     ARCHIVE_OK);
    for (e = entries; e->path; e++) {
        struct archive_entry *ae = archive_entry_new();
        apr_size_t len = e->dir ? 0 : e->len ? e->len : strlen(e->data);

        archive_entry_set_pathname(ae, e->path);
        archive_entry_set_filetype(ae, e->dir ? AE_IFDIR : AE_IFREG);
        archive_entry_set_perm(ae, e->dir ? 0755 : 0644);
        archive_entry_set_mtime(ae, 499162500, 0);
        archive_entry_set_size(ae, (la_int64_t)len);
        ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
        if (len > 0) {
            ck_assert_int_eq((int)archive_write_data(a, e->data, len),
                             (int)len);
        }
        archive_entry_free(ae);
    }
    ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    *plen = used;
    return buf;
}

const unsigned char *fx_gzip(apr_pool_t *p, const void *data, apr_size_t len,
                             apr_size_t *plen)
{
    struct archive *a = archive_write_new();
    struct archive_entry *ae = archive_entry_new();
    apr_size_t cap = room(len);
    unsigned char *buf = apr_palloc(p, cap);
    size_t used = 0;

    ck_assert_int_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK);
    ck_assert_int_eq(archive_write_set_format_raw(a), ARCHIVE_OK);
    /* raw output, not padded to tar's blocks */
    archive_write_set_bytes_in_last_block(a, 1);
    ck_assert_int_eq(archive_write_open_memory(a, buf, cap, &used),
                     ARCHIVE_OK);
    archive_entry_set_pathname(ae, "data");
    archive_entry_set_filetype(ae, AE_IFREG);
    archive_entry_set_size(ae, (la_int64_t)len);
    ck_assert_int_eq(archive_write_header(a, ae), ARCHIVE_OK);
    ck_assert_int_eq((int)archive_write_data(a, data, len), (int)len);
    archive_entry_free(ae);
    ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    *plen = used;
    return buf;
}

struct fx_gz_t {
    apr_pool_t *p;
    z_stream z;
    unsigned char *buf;
    apr_size_t cap, used;
};

static apr_status_t gz_cleanup(void *z)
{
    deflateEnd(z);
    return APR_SUCCESS;
}

fx_gz_t *fx_gz_open(apr_pool_t *p)
{
    fx_gz_t *g = apr_pcalloc(p, sizeof(*g));

    g->p = p;
    g->cap = 64 << 10;
    g->buf = apr_palloc(p, g->cap);
    ck_assert_int_eq(deflateInit2(&g->z, 1, Z_DEFLATED, 16 + MAX_WBITS, 9,
                                  Z_DEFAULT_STRATEGY), Z_OK);
    apr_pool_cleanup_register(p, &g->z, gz_cleanup, apr_pool_cleanup_null);
    return g;
}

static void gz_run(fx_gz_t *g, const void *data, apr_size_t len, int flush)
{
    int zr;

    g->z.next_in = (unsigned char *)data;
    g->z.avail_in = (uInt)len;
    do {
        if (g->cap - g->used < 4096) {
            unsigned char *nb = apr_palloc(g->p, g->cap * 2);

            memcpy(nb, g->buf, g->used);
            g->buf = nb;
            g->cap *= 2;
        }
        g->z.next_out = g->buf + g->used;
        g->z.avail_out = (uInt)(g->cap - g->used);
        zr = deflate(&g->z, flush);
        ck_assert(zr == Z_OK || zr == Z_STREAM_END || zr == Z_BUF_ERROR);
        g->used = g->cap - g->z.avail_out;
    } while (g->z.avail_in > 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
}

void fx_gz_write(fx_gz_t *g, const void *data, apr_size_t len)
{
    gz_run(g, data, len, Z_NO_FLUSH);
}

void fx_gz_zeros(fx_gz_t *g, apr_uint64_t n)
{
    static const unsigned char zeros[1 << 16];

    while (n > 0) {
        apr_size_t k = n > sizeof(zeros) ? sizeof(zeros) : (apr_size_t)n;

        gz_run(g, zeros, k, Z_NO_FLUSH);
        n -= k;
    }
}

void fx_tar_header(unsigned char *h, const char *path, char type,
                   apr_uint64_t size)
{
    unsigned int sum = 0;
    int i;

    memset(h, 0, 512);
    memcpy(h, path, strlen(path) > 100 ? 100 : strlen(path));
    memcpy(h + 100, "0000644", 7);
    memcpy(h + 108, "0000000", 7);
    memcpy(h + 116, "0000000", 7);
    if (size < (1ULL << 33)) {
        snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)size);
    }
    else {
        h[124] = 0x80;
        for (i = 0; i < 8; i++) {
            h[135 - i] = (unsigned char)(size >> (8 * i));
        }
    }
    memcpy(h + 136, "07340000000", 11);
    h[156] = (unsigned char)type;
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    for (i = 0; i < 512; i++) {
        sum += h[i];
    }
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
}

void fx_gz_entry(fx_gz_t *g, const char *path, char type, apr_uint64_t size,
                 const void *data, apr_size_t len)
{
    unsigned char h[512];

    fx_tar_header(h, path, type, size);
    fx_gz_write(g, h, sizeof(h));
    if (len > 0) {
        fx_gz_write(g, data, len);
        fx_gz_zeros(g, (512 - len % 512) % 512);
    }
}

const unsigned char *fx_gz_close(fx_gz_t *g, apr_size_t *plen)
{
    gz_run(g, "", 0, Z_FINISH);
    *plen = g->used;
    return g->buf;
}

const char *fx_manifest_text(apr_pool_t *p, const char *name,
                             const char *version)
{
    return apr_psprintf(p, "{\"name\":\"%s\",\"version\":\"%s\","
                        "\"description\":\"a test package\","
                        "\"main\":\"index.js\",\"license\":\"MIT\"}\n",
                        name, version);
}

const unsigned char *fx_package_tarball(apr_pool_t *p, const char *name,
                                        const char *version,
                                        apr_size_t *plen)
{
    fx_entry_t e[] = {
        { "package/package.json", fx_manifest_text(p, name, version), 0, 0 },
        { "package/index.js", "module.exports = 42;\n", 0, 0 },
        { NULL, NULL, 0, 0 }
    };

    return fx_tarball(p, e, plen);
}

const char *fx_base64(apr_pool_t *p, const void *data, apr_size_t len)
{
    unsigned char *out = apr_palloc(p, (len + 2) / 3 * 4 + 1);

    EVP_EncodeBlock(out, data, (int)len);
    return (const char *)out;
}

static const char *hex(apr_pool_t *p, const unsigned char *md,
                       unsigned int len)
{
    char *s = apr_palloc(p, 2 * len + 1);
    unsigned int i;

    for (i = 0; i < len; i++) {
        sprintf(s + 2 * i, "%02x", md[i]);
    }
    return s;
}

const char *fx_sha1_hex(apr_pool_t *p, const void *data, apr_size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    ck_assert_int_eq(EVP_Digest(data, len, md, &mdlen, EVP_sha1(), NULL), 1);
    return hex(p, md, mdlen);
}

const char *fx_sri512(apr_pool_t *p, const void *data, apr_size_t len)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    ck_assert_int_eq(EVP_Digest(data, len, md, &mdlen, EVP_sha512(), NULL),
                     1);
    return apr_pstrcat(p, "sha512-", fx_base64(p, md, mdlen), NULL);
}

static apr_status_t put_cleanup(void *obj)
{
    json_object_put(obj);
    return APR_SUCCESS;
}

static json_object *own(apr_pool_t *p, json_object *obj)
{
    apr_pool_cleanup_register(p, obj, put_cleanup, apr_pool_cleanup_null);
    return obj;
}

json_object *fx_json(apr_pool_t *p, const char *text)
{
    json_object *obj = json_tokener_parse(text);

    ck_assert_msg(obj != NULL, "not JSON: %s", text);
    return own(p, obj);
}

json_object *fx_publish_body(apr_pool_t *p, const char *name,
                             const char *version, const unsigned char *tgz,
                             apr_size_t len)
{
    const char *slash = strchr(name, '/');
    const char *file = apr_pstrcat(p, slash ? slash + 1 : name, "-", version,
                                   ".tgz", NULL);
    const char *text = apr_psprintf(p,
        "{\"_id\":\"%s\",\"name\":\"%s\",\"description\":\"a test package\","
        "\"dist-tags\":{\"latest\":\"%s\"},"
        "\"versions\":{\"%s\":{\"name\":\"%s\",\"version\":\"%s\","
        "\"description\":\"a test package\",\"main\":\"index.js\","
        "\"license\":\"MIT\",\"readme\":\"# %s\",\"_id\":\"%s@%s\","
        "\"dist\":{\"shasum\":\"%s\",\"integrity\":\"%s\","
        "\"tarball\":\"http://localhost/%s/-/%s\"}}},"
        "\"access\":null,"
        "\"_attachments\":{\"%s\":{\"content_type\":"
        "\"application/octet-stream\",\"data\":\"%s\",\"length\":%lu}}}",
        name, name, version, version, name, version, name, name, version,
        fx_sha1_hex(p, tgz, len), fx_sri512(p, tgz, len), name, file, file,
        fx_base64(p, tgz, len), (unsigned long)len);

    return fx_json(p, text);
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static apr_status_t rm_tree(void *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return APR_SUCCESS;
}

const char *fx_tempdir(apr_pool_t *p)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = apr_pstrcat(p, tmp && *tmp ? tmp : "/tmp",
                            "/tsr-unit-XXXXXX", NULL);

    ck_assert_ptr_nonnull(mkdtemp(dir));
    apr_pool_cleanup_register(p, dir, rm_tree, apr_pool_cleanup_null);
    return dir;
}

const unsigned char *fx_read_file(apr_pool_t *p, const char *path,
                                  apr_size_t *plen)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long n;

    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = apr_palloc(p, (apr_size_t)n + 1);
    if (n < 0 || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        return NULL;
    }
    fclose(f);
    *plen = (apr_size_t)n;
    return buf;
}

int fx_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

int fx_have_pg(void)
{
    const char *params = getenv("TSCI_TEST_PG");

    return params != NULL && *params != '\0';
}

static apr_status_t close_conn(void *data)
{
    tsr_dbd_conn_t *c = data;

    apr_dbd_close(c->driver, c->handle);
    return APR_SUCCESS;
}

static void dbd_exec(tsr_dbd_conn_t *c, const char *sql)
{
    int n = 0;

    ck_assert_msg(apr_dbd_query(c->driver, c->handle, &n, sql) == 0,
                  "%s: %s", sql, apr_dbd_error(c->driver, c->handle, 1));
}

struct tsr_store_t *fx_store_dbd(apr_pool_t *p)
{
    static apr_pool_t *driver_pool;
    static const apr_dbd_driver_t *driver;
    tsr_store_config_t cfg;
    tsr_dbd_conn_t *c;
    tsr_store_t *proc = NULL, *s = NULL;

    if (!fx_have_pg()) {
        return NULL;
    }
    if (driver_pool == NULL) {
        apr_pool_create(&driver_pool, NULL);
        apr_dbd_init(driver_pool);
        ck_assert_int_eq(apr_dbd_get_driver(driver_pool, "pgsql", &driver),
                         APR_SUCCESS);
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.datadir = fx_tempdir(p);
    c = apr_pcalloc(p, sizeof(*c));
    c->driver = driver;
    c->pool = p;
    ck_assert_int_eq(apr_dbd_open(driver, p, getenv("TSCI_TEST_PG"),
                                  &c->handle), APR_SUCCESS);
    apr_pool_cleanup_register(p, c, close_conn, apr_pool_cleanup_null);
    dbd_exec(c, "DROP SCHEMA public CASCADE");
    dbd_exec(c, "CREATE SCHEMA public");
    ck_assert_int_eq(tsr_store_prepare(tsr_store_dbd_provider(), p, &cfg, 0,
                                       -1, -1), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_open(tsr_store_dbd_provider(), &proc, p,
                                    &cfg), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_session(&s, p, proc, c), APR_SUCCESS);
    return s;
}

struct tsr_store_t *fx_store(apr_pool_t *p)
{
    const char *dir = fx_tempdir(p);
    tsr_bdb_options_t o;
    tsr_store_t *s = NULL;

    memset(&o, 0, sizeof(o));
    o.create = 1;
    o.cache_bytes = 1 << 20;
    ck_assert_int_eq(tsr_store_bdb_prepare(p, dir, -1, -1, &o), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_bdb_open(&s, p, dir, &o), APR_SUCCESS);
    return s;
}

void fx_age_entries(apr_pool_t *p, const char *dir, int seconds)
{
    struct timespec ts[2];
    apr_dir_t *d;
    apr_finfo_t fi;

    clock_gettime(CLOCK_REALTIME, &ts[0]);
    ts[0].tv_sec -= seconds;
    ts[1] = ts[0];
    ck_assert_int_eq(apr_dir_open(&d, dir, p), APR_SUCCESS);
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        if (strcmp(fi.name, ".") != 0 && strcmp(fi.name, "..") != 0) {
            ck_assert_int_eq(utimensat(AT_FDCWD, apr_pstrcat(p, dir, "/",
                                       fi.name, NULL), ts,
                                       AT_SYMLINK_NOFOLLOW), 0);
        }
    }
    apr_dir_close(d);
}

apr_status_t fx_tsci_call(tsr_store_t *s, tsr_tsci_fn *fn, const char *user,
                          const char *params, json_object **pout,
                          tsr_error_t **perr)
{
    tsr_tsci_call_t c;

    memset(&c, 0, sizeof(c));
    c.store = s;
    c.p = fx_pool;
    c.who.user = user;
    c.params = fx_json(fx_pool, params);
    c.max_inflated = 1 << 20;
    *pout = NULL;
    *perr = NULL;
    return fn(&c, pout, perr);
}
