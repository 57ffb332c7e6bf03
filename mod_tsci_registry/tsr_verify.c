/* tsr_verify: one walk over the documents (hashing every tarball they
 * name), one over the tarball files, and the databases' own check. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_file_info.h>
#include "tsr_verify.h"
#include "tsr_integrity.h"
#include "tsr_json.h"
#include "tsr_packument.h"
#include "tsr_store_files.h"
#include "tsr_view.h"
#include "tsr_gzip.h"

typedef struct walk_t {
    tsr_store_t *store;
    tsr_verify_report_t *rep;
    apr_pool_t *pool;               /* the report's */
    apr_hash_t *named;              /* tarball paths the documents name */
    tsr_admin_progress_fn *progress;
    void *baton;
    apr_uint64_t total;
    apr_uint64_t files;             /* seen on the second walk */
} walk_t;

static void problem(walk_t *w, const char *kind, const char *package,
                    const char *version, const char *path,
                    const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void problem(walk_t *w, const char *kind, const char *package,
                    const char *version, const char *path, const char *fmt,
                    ...)
{
    tsr_verify_problem_t *pr = apr_array_push(w->rep->problems);
    va_list ap;

    pr->kind = kind;
    pr->package = package ? apr_pstrdup(w->pool, package) : NULL;
    pr->version = version ? apr_pstrdup(w->pool, version) : NULL;
    pr->path = path ? apr_pstrdup(w->pool, path) : NULL;
    va_start(ap, fmt);
    pr->message = apr_pvsprintf(w->pool, fmt, ap);
    va_end(ap);
}

/* SHA-1 (hex) and sha512 SRI of a file, read once in pieces: tarballs
 * may be large, and there may be many. */
static apr_status_t digests(apr_pool_t *p, const char *file,
                            const char **psha1, const char **psri,
                            apr_off_t *psize)
{
    unsigned char buf[65536], d1[EVP_MAX_MD_SIZE], d2[EVP_MAX_MD_SIZE];
    unsigned int l1 = 0, l2 = 0;
    EVP_MD_CTX *c1 = EVP_MD_CTX_new(), *c2 = EVP_MD_CTX_new();
    apr_status_t rv = APR_SUCCESS;
    apr_off_t size = 0;
    ssize_t n;
    int fd = -1;

    if (c1 == NULL || c2 == NULL
        || !EVP_DigestInit_ex(c1, EVP_sha1(), NULL)
        || !EVP_DigestInit_ex(c2, EVP_sha512(), NULL)) {
        rv = APR_ENOMEM;
        goto done;
    }
    if ((fd = open(file, O_RDONLY)) < 0) {
        rv = APR_FROM_OS_ERROR(errno);
        goto done;
    }
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            rv = APR_FROM_OS_ERROR(errno);
            goto done;
        }
        EVP_DigestUpdate(c1, buf, (size_t)n);
        EVP_DigestUpdate(c2, buf, (size_t)n);
        size += n;
    }
    EVP_DigestFinal_ex(c1, d1, &l1);
    EVP_DigestFinal_ex(c2, d2, &l2);
    *psha1 = tsr_integrity_hex(p, d1, l1);
    *psri = apr_pstrcat(p, "sha512-", tsr_integrity_base64(p, d2, l2),
                        NULL);
    *psize = size;
done:
    if (fd >= 0) {
        close(fd);
    }
    EVP_MD_CTX_free(c1);
    EVP_MD_CTX_free(c2);
    return rv;
}

static void check_version(walk_t *w, apr_pool_t *p, const char *name,
                          const char *version, json_object *manifest)
{
    json_object *dist = tsr_json_obj(manifest, "dist");
    const char *path = tsr_json_str(dist, "tarball");
    const char *shasum = tsr_json_str(dist, "shasum");
    const char *integrity = tsr_json_str(dist, "integrity");
    const char *sha1, *sri, *owner;
    apr_off_t size;
    apr_status_t rv;

    w->rep->versions++;
    if (path == NULL) {
        problem(w, "document", name, version, NULL, "%s@%s names no "
                "tarball (dist.tarball)", name, version);
        return;
    }
    owner = tsr_store_tarball_name(p, path);
    if (!tsr_store_tarball_path_check(path) || owner == NULL
        || strcmp(owner, name) != 0) {
        problem(w, "document", name, version, path, "%s@%s names the "
                "tarball %s, which is not one of its package's", name,
                version, path);
        return;
    }
    apr_hash_set(w->named, apr_pstrdup(w->pool, path), APR_HASH_KEY_STRING,
                 "");
    rv = digests(p, tsr_store_tarball_file(p, w->store->datadir, path),
                 &sha1, &sri, &size);
    if (APR_STATUS_IS_ENOENT(rv)) {
        problem(w, "missing", name, version, path, "missing tarball: %s "
                "(%s@%s)", path, name, version);
        return;
    }
    if (rv != APR_SUCCESS) {
        char err[120];

        problem(w, "missing", name, version, path, "unreadable tarball: "
                "%s (%s@%s): %s", path, name, version,
                apr_strerror(rv, err, sizeof(err)));
        return;
    }
    w->rep->tarballs++;
    w->rep->tarball_bytes += (apr_uint64_t)size;
    if (shasum == NULL || strcmp(shasum, sha1) != 0) {
        problem(w, "shasum", name, version, path, "tarball %s (%s@%s) has "
                "SHA-1 %s, the document says %s", path, name, version, sha1,
                shasum ? shasum : "nothing");
    }
    if (integrity == NULL || strcmp(integrity, sri) != 0) {
        problem(w, "integrity", name, version, path, "tarball %s (%s@%s) "
                "has integrity %s, the document says %s", path, name,
                version, sri, integrity ? integrity : "nothing");
    }
}

/* The gzip records are made with the views (tsr_gzip.h): one of another
 * revision would send clients that take gzip an older document. */
static void check_gzip(walk_t *w, apr_pool_t *p, const char *name,
                       const char *rev)
{
    static const tsr_view_kind_e kinds[] = { TSR_VIEW_FULL_GZ,
                                             TSR_VIEW_ABBREV_GZ };
    const char *blob, *base;
    apr_size_t len, blen, i;
    tsr_view_t v;

    for (i = 0; i < 2; i++) {
        if (tsr_store_package_view(w->store, p, name, kinds[i], &blob, &len)
                == APR_SUCCESS
            && (tsr_gzip_record_decode(blob, len, &base, &blen, &v)
                    != APR_SUCCESS
                || v.rev_len != strlen(rev)
                || memcmp(v.rev, rev, v.rev_len) != 0)) {
            problem(w, "view", name, NULL, NULL, "the gzip'd %s view of %s "
                    "is not its document's revision %s: run tsci-registry "
                    "reindex", i == 0 ? "full" : "abbreviated", name, rev);
        }
    }
}

/* The full view is rendered from the document on every write: another
 * revision there means the views were not rewritten with it. */
static void check_view(walk_t *w, apr_pool_t *p, const char *name,
                       json_object *doc)
{
    const char *blob, *rev = tsr_packument_rev(doc);
    apr_size_t len;
    tsr_view_t v;
    apr_status_t rv;

    rv = tsr_store_package_view(w->store, p, name, TSR_VIEW_FULL, &blob,
                                &len);
    if (tsr_packument_is_gone(doc)) {
        if (rv == APR_SUCCESS) {
            problem(w, "view", name, NULL, NULL, "%s was unpublished but "
                    "its document is still served: run tsci-registry "
                    "reindex", name);
        }
        return;
    }
    if (rv == TSR_ENOTFOUND) {
        problem(w, "view", name, NULL, NULL, "%s has no ready view (it is "
                "not served): run tsci-registry reindex", name);
    }
    else if (rv == APR_SUCCESS
             && (tsr_view_decode(&v, blob, len) != APR_SUCCESS
                 || v.rev_len != strlen(rev)
                 || memcmp(v.rev, rev, v.rev_len) != 0)) {
        problem(w, "view", name, NULL, NULL, "the ready view of %s is not "
                "its document's revision %s: run tsci-registry reindex",
                name, rev);
    }
    check_gzip(w, p, name, rev);
}

static apr_status_t check_package(void *baton, apr_pool_t *p,
                                  const char *name)
{
    walk_t *w = baton;
    const char *text, *docname;
    apr_size_t len;
    json_object *doc, *versions;
    tsr_error_t *err = NULL;
    apr_status_t rv;

    rv = tsr_store_package_doc(w->store, p, name, &text, &len);
    if (rv == TSR_ENOTFOUND) {
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    w->rep->packages++;
    if (w->progress) {
        w->progress(w->baton, "packages", w->rep->packages, w->total);
    }
    if (tsr_json_parse(&doc, p, text, len, TSR_JSON_MAX_DEPTH, &err)
            != APR_SUCCESS
        || !json_object_is_type(doc, json_type_object)) {
        problem(w, "document", name, NULL, NULL, "the document of %s does "
                "not parse: %s", name, err ? err->message : "not an object");
        return APR_SUCCESS;
    }
    docname = tsr_json_str(doc, "name");
    if (docname == NULL || strcmp(docname, name) != 0) {
        problem(w, "document", name, NULL, NULL, "the document of %s names "
                "%s", name, docname ? docname : "no package");
    }
    if ((versions = tsr_json_obj(doc, "versions")) != NULL) {
        json_object_object_foreach(versions, ver, manifest) {
            if (tsr_admin_interrupted()) {
                return APR_EINTR;
            }
            check_version(w, p, name, ver, manifest);
        }
    }
    check_view(w, p, name, doc);
    return APR_SUCCESS;
}

/* Every file under dir (rel its path below tarballs/, "" at the top)
 * that no document named. */
static apr_status_t find_orphans(walk_t *w, apr_pool_t *p, const char *dir,
                                 const char *rel)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_pool_t *sub;
    apr_status_t rv;

    if ((rv = apr_dir_open(&d, dir, p)) != APR_SUCCESS) {
        return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
    }
    apr_pool_create(&sub, p);
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)
           == APR_SUCCESS) {
        const char *path;

        if (strcmp(fi.name, ".") == 0 || strcmp(fi.name, "..") == 0) {
            continue;
        }
        if (tsr_admin_interrupted()) {
            rv = APR_EINTR;
            break;
        }
        apr_pool_clear(sub);
        path = *rel ? apr_pstrcat(sub, rel, "/", fi.name, NULL) : fi.name;
        if (fi.filetype == APR_DIR) {
            rv = find_orphans(w, sub, apr_pstrcat(sub, dir, "/", fi.name,
                                                  NULL), path);
            if (rv != APR_SUCCESS) {
                break;
            }
            continue;
        }
        if (w->progress && (++w->files % 64) == 0) {
            w->progress(w->baton, "files", w->files, 0);
        }
        if (apr_hash_get(w->named, path, APR_HASH_KEY_STRING) == NULL) {
            problem(w, "orphan", NULL, NULL, path, "orphan file: "
                    "tarballs/%s (no document names it)", path);
        }
    }
    apr_pool_destroy(sub);
    apr_dir_close(d);
    return rv;
}

apr_status_t tsr_verify_run(tsr_verify_report_t *rep, apr_pool_t *p,
                            tsr_store_t *s, tsr_admin_progress_fn *progress,
                            void *baton)
{
    walk_t w;
    tsr_store_stats_t st;
    apr_array_header_t *dbp;
    apr_status_t rv;
    int i;

    memset(rep, 0, sizeof(*rep));
    memset(&w, 0, sizeof(w));
    memset(&st, 0, sizeof(st));
    rep->problems = apr_array_make(p, 8, sizeof(tsr_verify_problem_t));
    w.store = s;
    w.rep = rep;
    w.pool = p;
    w.named = apr_hash_make(p);
    w.progress = progress;
    w.baton = baton;
    if (tsr_store_stats(s, p, &st) == APR_SUCCESS) {
        w.total = st.doc_count + st.doc_del_count;
    }
    if ((rv = tsr_store_verify(s, p, &dbp)) != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; i < dbp->nelts; i++) {
        const char *msg = APR_ARRAY_IDX(dbp, i, const char *);
        const char *colon = strchr(msg, ':');

        problem(&w, "database", NULL, NULL,
                colon ? apr_pstrmemdup(p, msg, colon - msg) : NULL,
                "database %s", msg);
    }
    if ((rv = tsr_admin_each_package(s, p, check_package, &w))
        != APR_SUCCESS) {
        return rv;
    }
    return find_orphans(&w, p, apr_pstrcat(p, s->datadir, "/tarballs",
                                           NULL), "");
}
