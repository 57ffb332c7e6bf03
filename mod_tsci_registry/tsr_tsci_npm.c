/* tsr_tsci_npm: a release's files made into what npm installs: its
 * package.json and a tarball that is the same bytes every time it is built
 * from the same files, so a version's integrity never depends on when or
 * where it was built (a sync that runs twice publishes the same thing). */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <archive.h>
#include <archive_entry.h>
#include <apr_strings.h>
#include "tsr_tsci_npm.h"
#include "tsr_tsci_path.h"
#include "tsr_json.h"

static void lower(char *s);

const char *tsr_tsci_npm_name(apr_pool_t *p, const char *name)
{
    const char *owner, *unscoped;
    char *n;

    if (tsr_tsci_name_parse(p, name, &owner, &unscoped, NULL)
        != APR_SUCCESS) {
        return NULL;
    }
    /* npm names are lower case; tscircuit's are found whatever their
     * case, so the lower-case name is the same package. */
    n = apr_pstrcat(p, "@tsci/", owner, ".", unscoped, NULL);
    lower(n);
    return n;
}

const char *tsr_tsci_npm_tsci_name(apr_pool_t *p, const char *npm_name)
{
    const char *owner, *unscoped;

    if (npm_name == NULL || strncmp(npm_name, "@tsci/", 6) != 0
        || tsr_tsci_name_parse(p, npm_name, &owner, &unscoped, NULL)
               != APR_SUCCESS) {
        return NULL;
    }
    return apr_pstrcat(p, owner, "/", unscoped, NULL);
}

static void lower(char *s)
{
    for (; *s; s++) {
        if (*s >= 'A' && *s <= 'Z') {
            *s = (char)(*s - 'A' + 'a');
        }
    }
}

static const tsr_tsci_file_t *find(const apr_array_header_t *files,
                                   const char *path)
{
    int i;

    for (i = 0; i < files->nelts; i++) {
        const tsr_tsci_file_t *f = &APR_ARRAY_IDX(files, i, tsr_tsci_file_t);

        if (strcmp(f->path, path) == 0) {
            return f;
        }
    }
    return NULL;
}

const tsr_tsci_file_t *tsr_tsci_npm_release_tarball(
    const apr_array_header_t *files)
{
    int i;

    for (i = 0; i < files->nelts; i++) {
        const tsr_tsci_file_t *f = &APR_ARRAY_IDX(files, i, tsr_tsci_file_t);

        if (f->is_release_tarball) {
            return f;
        }
    }
    return NULL;
}

apr_status_t tsr_tsci_npm_manifest(apr_pool_t *p,
                                   const apr_array_header_t *files,
                                   const char *npm_name, const char *version,
                                   json_object **pmanifest,
                                   tsr_error_t **perr)
{
    const tsr_tsci_file_t *pj = find(files, "package.json");
    json_object *m = NULL;

    /* A package.json that is not a JSON object is the author's problem on
     * the tscircuit side; npm still gets a package it can install. */
    if (pj != NULL && pj->len > 0
        && tsr_json_parse(&m, p, pj->data, pj->len, TSR_JSON_MAX_DEPTH,
                          NULL) == APR_SUCCESS
        && json_object_is_type(m, json_type_object)) {
        m = tsr_json_own(p, tsr_json_copy(m));
    }
    else {
        m = tsr_json_own(p, json_object_new_object());
    }
    if (m == NULL) {
        return tsr_error_internal(perr, p, APR_ENOMEM, "out of memory");
    }
    {
        char *n = apr_pstrdup(p, npm_name);

        lower(n);
        tsr_json_set_str(m, "name", n);
    }
    tsr_json_set_str(m, "version", version);
    json_object_object_del(m, "private");
    /* The CLI's own templates point all three into dist/, which the build
     * writes; sources alone keep whatever the author said. */
    if (find(files, "dist/index.js") != NULL) {
        tsr_json_set_str(m, "main", "dist/index.js");
        tsr_json_set_str(m, "module", "dist/index.js");
    }
    if (find(files, "dist/index.d.ts") != NULL) {
        tsr_json_set_str(m, "types", "dist/index.d.ts");
    }
    *pmanifest = m;
    return APR_SUCCESS;
}

/* ---- the tar, in memory ---- */

typedef struct membuf_t {
    apr_pool_t *p;
    char *data;
    apr_size_t len, cap;
} membuf_t;

static la_ssize_t mem_write(struct archive *a, void *baton,
                            const void *buf, size_t n)
{
    membuf_t *m = baton;

    if (m->len + n > m->cap) {
        apr_size_t cap = m->cap ? m->cap : 16384;
        char *nd;

        while (cap < m->len + n) {
            cap *= 2;
        }
        nd = apr_palloc(m->p, cap);
        if (m->len) {
            memcpy(nd, m->data, m->len);
        }
        m->data = nd;
        m->cap = cap;
    }
    memcpy(m->data + m->len, buf, n);
    m->len += n;
    return (la_ssize_t)n;
}

static apr_status_t archive_cleanup(void *a)
{
    archive_write_free(a);
    return APR_SUCCESS;
}

static apr_status_t entry_cleanup(void *e)
{
    archive_entry_free(e);
    return APR_SUCCESS;
}

typedef struct entry_t {
    const char *path;               /* without package/ */
    const char *data;
    apr_size_t len;
} entry_t;

static int by_path(const void *a, const void *b)
{
    return strcmp(((const entry_t *)a)->path, ((const entry_t *)b)->path);
}

static apr_status_t add_entry(struct archive *a, struct archive_entry *e,
                              apr_pool_t *p, const entry_t *x,
                              tsr_error_t **perr)
{
    archive_entry_clear(e);
    archive_entry_set_pathname(e, apr_pstrcat(p, "package/", x->path, NULL));
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    archive_entry_set_mtime(e, TSR_TSCI_NPM_MTIME, 0);
    archive_entry_set_size(e, (la_int64_t)x->len);
    if (archive_write_header(a, e) != ARCHIVE_OK
        || (x->len > 0
            && archive_write_data(a, x->data, x->len) != (la_ssize_t)x->len)) {
        return tsr_error_internal(perr, p, APR_EGENERAL, "could not pack "
                                  "%s: %s", x->path, archive_error_string(a));
    }
    return APR_SUCCESS;
}

/* The tar of entries (sorted already). */
static apr_status_t make_tar(apr_pool_t *p, const entry_t *ents, int n,
                             membuf_t *out, tsr_error_t **perr)
{
    struct archive *a = archive_write_new();
    struct archive_entry *e = archive_entry_new();
    apr_status_t rv = APR_SUCCESS;
    int i;

    if (a == NULL || e == NULL) {
        if (a) {
            archive_write_free(a);
        }
        if (e) {
            archive_entry_free(e);
        }
        return tsr_error_internal(perr, p, APR_ENOMEM, "out of memory");
    }
    apr_pool_cleanup_register(p, a, archive_cleanup, apr_pool_cleanup_null);
    apr_pool_cleanup_register(p, e, entry_cleanup, apr_pool_cleanup_null);
    /* pax only where ustar cannot say it (long or non-ASCII paths), and no
     * padding of the last record: the tar ends with its end marker, as
     * npm's does. */
    if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK
        || archive_write_add_filter_none(a) != ARCHIVE_OK
        || archive_write_set_bytes_per_block(a, 512) != ARCHIVE_OK
        || archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK
        || archive_write_open(a, out, NULL, mem_write, NULL) != ARCHIVE_OK) {
        return tsr_error_internal(perr, p, APR_EGENERAL, "could not start "
                                  "a tarball: %s", archive_error_string(a));
    }
    for (i = 0; i < n && rv == APR_SUCCESS; i++) {
        rv = add_entry(a, e, p, &ents[i], perr);
    }
    if (rv == APR_SUCCESS && archive_write_close(a) != ARCHIVE_OK) {
        rv = tsr_error_internal(perr, p, APR_EGENERAL, "could not finish "
                                "a tarball: %s", archive_error_string(a));
    }
    return rv;
}

static apr_status_t zcleanup(void *z)
{
    deflateEnd(z);
    return APR_SUCCESS;
}

/* gzip with a header that says nothing of the machine or the moment. */
static apr_status_t gzip_fixed(apr_pool_t *p, const char *in, apr_size_t len,
                               const unsigned char **pdata, apr_size_t *plen,
                               tsr_error_t **perr)
{
    z_stream *z = apr_pcalloc(p, sizeof(*z));
    gz_header *h = apr_pcalloc(p, sizeof(*h));
    uLong cap;
    unsigned char *buf;

    if (deflateInit2(z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        return tsr_error_internal(perr, p, APR_ENOMEM, "zlib: no memory");
    }
    apr_pool_cleanup_register(p, z, zcleanup, apr_pool_cleanup_null);
    h->time = 0;
    h->os = 255;
    if (deflateSetHeader(z, h) != Z_OK) {
        return tsr_error_internal(perr, p, APR_EGENERAL, "zlib: no header");
    }
    cap = deflateBound(z, (uLong)len) + 64;
    buf = apr_palloc(p, cap);
    z->next_in = (Bytef *)in;
    z->avail_in = (uInt)len;
    z->next_out = buf;
    z->avail_out = (uInt)cap;
    if (deflate(z, Z_FINISH) != Z_STREAM_END) {
        return tsr_error_internal(perr, p, APR_EGENERAL, "zlib: deflate "
                                  "did not finish");
    }
    *pdata = buf;
    *plen = (apr_size_t)z->total_out;
    return APR_SUCCESS;
}

apr_status_t tsr_tsci_npm_tarball(apr_pool_t *p, json_object *manifest,
                                  const apr_array_header_t *files,
                                  const unsigned char **pdata,
                                  apr_size_t *plen, tsr_error_t **perr)
{
    entry_t *ents = apr_pcalloc(p, sizeof(*ents) * (files->nelts + 1));
    membuf_t tar = { p, NULL, 0, 0 };
    apr_size_t ilen = sizeof(TSR_TSCI_INTERNAL_DIR) - 1;
    apr_status_t rv;
    int i, n = 0;

    ents[n].path = "package.json";
    ents[n].data = json_object_to_json_string_ext(manifest,
                                                  JSON_C_TO_STRING_PRETTY
                                                  | JSON_C_TO_STRING_SPACED
                                                  | JSON_C_TO_STRING_NOSLASHESCAPE);
    ents[n].data = apr_pstrcat(p, ents[n].data, "\n", NULL);
    ents[n].len = strlen(ents[n].data);
    n++;
    for (i = 0; i < files->nelts; i++) {
        const tsr_tsci_file_t *f = &APR_ARRAY_IDX(files, i, tsr_tsci_file_t);

        if (strcmp(f->path, "package.json") == 0
            || strncmp(f->path, TSR_TSCI_INTERNAL_DIR, ilen) == 0) {
            continue;
        }
        ents[n].path = f->path;
        ents[n].data = f->data;
        ents[n].len = f->len;
        n++;
    }
    /* The order files come in is the store's; the tarball's is fixed
     * here, whatever the store's collation. */
    qsort(ents, n, sizeof(*ents), by_path);
    if ((rv = make_tar(p, ents, n, &tar, perr)) != APR_SUCCESS) {
        return rv;
    }
    return gzip_fixed(p, tar.data, tar.len, pdata, plen, perr);
}
