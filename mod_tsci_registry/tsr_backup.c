/* tsr_backup: hot backup into a new directory, and restore from one. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_file_info.h>
#include <apr_file_io.h>
#include "tsr_backup.h"
#include "tsr_json.h"
#include "tsr_packument.h"
#include "tsr_revoke.h"
#include "tsr_store_bdb.h"
#include "tsr_store_files.h"

/* The entries of a data directory that make its store: what restore
 * --force may replace. */
static const char *const store_entries[] = {
    "db", "tarballs", "tmp", TSR_REVOKE_FILE, NULL
};

/* The names in dir other than . and .. (NULL when dir does not exist). */
static apr_status_t entries(apr_array_header_t **pnames, apr_pool_t *p,
                            const char *dir)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;

    *pnames = NULL;
    if ((rv = apr_dir_open(&d, dir, p)) != APR_SUCCESS) {
        return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
    }
    *pnames = apr_array_make(p, 4, sizeof(char *));
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        if (strcmp(fi.name, ".") != 0 && strcmp(fi.name, "..") != 0) {
            APR_ARRAY_PUSH(*pnames, char *) = apr_pstrdup(p, fi.name);
        }
    }
    apr_dir_close(d);
    return APR_SUCCESS;
}

static apr_status_t mkdirs(apr_pool_t *p, const char *dir)
{
    return apr_dir_make_recursive(dir, APR_UREAD | APR_UWRITE | APR_UEXECUTE
                                       | APR_GREAD | APR_GEXECUTE
                                       | APR_WREAD | APR_WEXECUTE, p);
}

static const char *strerr(apr_pool_t *p, apr_status_t rv)
{
    char buf[160];

    return apr_pstrdup(p, apr_strerror(rv, buf, sizeof(buf)));
}

static void report(tsr_admin_progress_fn *progress, void *baton,
                   const char *step, apr_uint64_t done, apr_uint64_t total)
{
    if (progress) {
        progress(baton, step, done, total);
    }
}

/* Copy the metadata files listed (logs or not) from s into dir. */
static apr_status_t copy_listed(tsr_backup_result_t *res, apr_pool_t *p,
                                tsr_store_t *s, const char *dir, int logs,
                                tsr_admin_progress_fn *progress, void *baton,
                                tsr_error_t **perr)
{
    apr_array_header_t *files;
    apr_status_t rv;
    int i;

    if ((rv = tsr_store_backup_files(s, p, logs, &files)) != APR_SUCCESS) {
        return tsr_error_set(perr, p, 503, NULL, "the store could not list "
                             "its %s", logs ? "logs" : "databases");
    }
    for (i = 0; i < files->nelts; i++) {
        const char *f = APR_ARRAY_IDX(files, i, const char *);
        apr_finfo_t fi;

        if (tsr_admin_interrupted()) {
            return APR_EINTR;
        }
        report(progress, baton, logs ? "logs" : "databases", i,
               files->nelts);
        rv = tsr_store_backup_copy(s, p, f, dir);
        /* A log removed since it was listed was no longer needed. */
        if (logs && APR_STATUS_IS_ENOENT(rv)) {
            continue;
        }
        if (rv != APR_SUCCESS) {
            return tsr_error_set(perr, p, 500, NULL, "copying %s: %s", f,
                                 strerr(p, rv));
        }
        res->files++;
        if (apr_stat(&fi, apr_pstrcat(p, dir, "/", f, NULL), APR_FINFO_SIZE,
                     p) == APR_SUCCESS) {
            res->bytes += (apr_uint64_t)fi.size;
        }
    }
    report(progress, baton, logs ? "logs" : "databases", files->nelts,
           files->nelts);
    return APR_SUCCESS;
}

typedef struct tarballs_t {
    tsr_store_t *copy;              /* the backup's store, alone */
    const char *from;               /* the live data directory */
    const char *dir;                /* the backup's */
    tsr_backup_result_t *res;
    apr_pool_t *pool;
    tsr_admin_progress_fn *progress;
    void *baton;
    apr_uint64_t done, total;
    tsr_error_t **perr;
} tarballs_t;

/* The tarballs of one copied document, from the live store. */
static apr_status_t copy_tarballs(void *baton, apr_pool_t *p,
                                  const char *name)
{
    tarballs_t *t = baton;
    const char *text;
    apr_size_t len;
    json_object *doc, *versions;
    apr_status_t rv;

    report(t->progress, t->baton, "package tarballs", t->done++, t->total);
    if ((rv = tsr_store_package_doc(t->copy, p, name, &text, &len))
        != APR_SUCCESS) {
        return rv == TSR_ENOTFOUND ? APR_SUCCESS : rv;
    }
    /* An unreadable document is copied as it is; verify names it. */
    if (tsr_json_parse(&doc, p, text, len, TSR_JSON_MAX_DEPTH, NULL)
        != APR_SUCCESS) {
        return APR_SUCCESS;
    }
    if (!tsr_packument_is_gone(doc)) {
        t->res->packages++;
    }
    if ((versions = tsr_json_obj(doc, "versions")) == NULL) {
        return APR_SUCCESS;
    }
    json_object_object_foreach(versions, ver, manifest) {
        const char *path = tsr_json_str(tsr_json_obj(manifest, "dist"),
                                        "tarball");
        const char *to, *owner;
        apr_off_t bytes = 0;

        (void)ver;
        t->res->versions++;
        owner = path ? tsr_store_tarball_name(p, path) : NULL;
        if (path == NULL || !tsr_store_tarball_path_check(path)
            || owner == NULL || strcmp(owner, name) != 0) {
            continue;               /* nothing safe to copy; verify says */
        }
        to = tsr_store_tarball_file(p, t->dir, path);
        if ((rv = mkdirs(p, apr_pstrmemdup(p, to, strrchr(to, '/') - to)))
            != APR_SUCCESS) {
            return tsr_error_set(t->perr, t->pool, 500, NULL, "making the "
                                 "directory of %s: %s", to, strerr(p, rv));
        }
        rv = tsr_store_files_copy(p, tsr_store_tarball_file(p, t->from,
                                                            path),
                                  to, &bytes);
        if (APR_STATUS_IS_ENOENT(rv)) {
            APR_ARRAY_PUSH(t->res->missing, char *) = apr_pstrdup(t->pool,
                                                                  path);
            continue;
        }
        if (rv != APR_SUCCESS) {
            return tsr_error_set(t->perr, t->pool, 500, NULL, "copying the "
                                 "tarball %s: %s", path, strerr(p, rv));
        }
        t->res->tarballs++;
        t->res->tarball_bytes += (apr_uint64_t)bytes;
    }
    return APR_SUCCESS;
}

static void set_u64(json_object *o, const char *key, apr_uint64_t v)
{
    json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

/* backup.json, written to a temporary name and renamed: it is there only
 * when the whole backup is. */
static apr_status_t write_manifest(apr_pool_t *p, const char *dir,
                                   json_object *m)
{
    const char *path = apr_pstrcat(p, dir, "/", TSR_BACKUP_MANIFEST, NULL);
    const char *tmp = apr_pstrcat(p, path, ".part", NULL);
    const char *text = json_object_to_json_string_ext(
        m, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
               | JSON_C_TO_STRING_NOSLASHESCAPE);
    apr_file_t *f;
    apr_size_t n;
    apr_status_t rv;

    rv = apr_file_open(&f, tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                       | APR_FOPEN_TRUNCATE, APR_FPROT_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_write_full(f, text, strlen(text), &n);
    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(f, "\n", 1, &n);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_file_sync(f);
    }
    apr_file_close(f);
    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(tmp, path, p);
    }
    return rv == APR_SUCCESS ? tsr_store_files_sync(p, path) : rv;
}

/* The backup's own store: recovered, then read for its tarballs. */
static apr_status_t back_up_tarballs(tsr_backup_result_t *res, apr_pool_t *p,
                                     tsr_store_t *live, const char *dir,
                                     tsr_admin_progress_fn *progress,
                                     void *baton, tsr_error_t **perr)
{
    tsr_store_config_t cfg;
    tsr_store_stats_t st;
    tarballs_t t;
    apr_pool_t *sub;
    apr_status_t rv;
    int joined = 0;

    memset(&cfg, 0, sizeof(cfg));
    cfg.datadir = dir;
    cfg.log = live->log;
    cfg.log_baton = live->log_baton;
    report(progress, baton, "recovery", 0, 1);
    if ((rv = tsr_store_backup_recover(live->provider, p, &cfg))
        != APR_SUCCESS) {
        return tsr_error_set(perr, p, 500, NULL, "the copy of the databases "
                             "could not be recovered (see above)");
    }
    report(progress, baton, "recovery", 1, 1);
    apr_pool_create(&sub, p);
    memset(&t, 0, sizeof(t));
    rv = tsr_store_open_admin(live->provider, &t.copy, sub, &cfg, &joined);
    if (rv != APR_SUCCESS) {
        apr_pool_destroy(sub);
        return tsr_error_set(perr, p, 500, NULL, "the copy of the databases "
                             "could not be opened (see above)");
    }
    memset(&st, 0, sizeof(st));
    tsr_store_stats(t.copy, sub, &st);
    res->update_seq = st.update_seq;
    t.from = live->datadir;
    t.dir = dir;
    t.res = res;
    t.pool = p;
    t.progress = progress;
    t.baton = baton;
    t.total = st.doc_count + st.doc_del_count;
    t.perr = perr;
    rv = tsr_admin_each_package(t.copy, sub, copy_tarballs, &t);
    report(progress, baton, "package tarballs", t.done, t.total);
    apr_pool_destroy(sub);          /* closes the copy */
    if (rv != APR_SUCCESS && rv != TSR_EREFUSED && rv != APR_EINTR) {
        return tsr_error_set(perr, p, 500, NULL, "the copy's documents "
                             "could not be read (see above)");
    }
    return rv;
}

apr_status_t tsr_backup_run(tsr_backup_result_t *res, apr_pool_t *p,
                            tsr_store_t *s, const char *dir,
                            tsr_admin_progress_fn *progress, void *baton,
                            tsr_error_t **perr)
{
    apr_array_header_t *names;
    const char *began = tsr_json_time(p, apr_time_now());
    json_object *m, *missing;
    apr_status_t rv;
    int i;

    memset(res, 0, sizeof(*res));
    res->missing = apr_array_make(p, 4, sizeof(char *));
    /* Inside, it would be part of what it copies, and of every later
     * backup: a disk lost takes both. */
    if (strncmp(dir, s->datadir, strlen(s->datadir)) == 0
        && (dir[strlen(s->datadir)] == '/'
            || dir[strlen(s->datadir)] == '\0')) {
        return tsr_error_set(perr, p, 400, NULL, "%s is inside the data "
                             "directory %s: a backup goes elsewhere", dir,
                             s->datadir);
    }
    if ((rv = entries(&names, p, dir)) != APR_SUCCESS) {
        return tsr_error_set(perr, p, 500, NULL, "cannot read %s: %s", dir,
                             strerr(p, rv));
    }
    if (names && names->nelts > 0) {
        return tsr_error_set(perr, p, 409, NULL, "%s is not empty: a backup "
                             "goes into a new directory", dir);
    }
    if ((rv = mkdirs(p, apr_pstrcat(p, dir, "/db", NULL))) != APR_SUCCESS
        || (rv = mkdirs(p, apr_pstrcat(p, dir, "/tarballs", NULL)))
               != APR_SUCCESS) {
        return tsr_error_set(perr, p, 500, NULL, "cannot make %s: %s", dir,
                             strerr(p, rv));
    }
    /* While held, the logs the copy needs stay: let go whatever happens,
     * or the store would keep every log until its next recovery. */
    if (tsr_store_backup_hold(s, p, 1) != APR_SUCCESS) {
        return tsr_error_set(perr, p, 503, NULL, "the store could not "
                             "start a backup (see above)");
    }
    rv = copy_listed(res, p, s, dir, 0, progress, baton, perr);
    if (rv == APR_SUCCESS) {
        rv = copy_listed(res, p, s, dir, 1, progress, baton, perr);
    }
    tsr_store_backup_hold(s, p, 0);
    if (rv == APR_SUCCESS) {
        rv = back_up_tarballs(res, p, s, dir, progress, baton, perr);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    m = tsr_json_own(p, json_object_new_object());
    json_object_object_add(m, "format", json_object_new_int(1));
    tsr_json_set_str(m, "source", s->datadir);
    tsr_json_set_str(m, "began", began);
    tsr_json_set_str(m, "finished", tsr_json_time(p, apr_time_now()));
    set_u64(m, "update_seq", res->update_seq);
    set_u64(m, "packages", res->packages);
    set_u64(m, "versions", res->versions);
    set_u64(m, "tarballs", res->tarballs);
    set_u64(m, "tarball_bytes", res->tarball_bytes);
    set_u64(m, "database_files", res->files);
    set_u64(m, "database_bytes", res->bytes);
    missing = json_object_new_array();
    for (i = 0; i < res->missing->nelts; i++) {
        json_object_array_add(missing, json_object_new_string(
                                           APR_ARRAY_IDX(res->missing, i,
                                                         const char *)));
    }
    json_object_object_add(m, "missing", missing);
    if ((rv = write_manifest(p, dir, m)) != APR_SUCCESS) {
        return tsr_error_set(perr, p, 500, NULL, "cannot write %s/%s: %s",
                             dir, TSR_BACKUP_MANIFEST, strerr(p, rv));
    }
    res->manifest = m;
    return APR_SUCCESS;
}

/* ---- restore ---- */

static apr_status_t remove_tree(apr_pool_t *p, const char *path)
{
    apr_finfo_t fi;
    apr_array_header_t *names;
    apr_status_t rv;
    int i;

    if ((rv = apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_LINK, p))
        != APR_SUCCESS) {
        return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
    }
    if (fi.filetype != APR_DIR) {
        return apr_file_remove(path, p);
    }
    if ((rv = entries(&names, p, path)) != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; names && i < names->nelts; i++) {
        rv = remove_tree(p, apr_pstrcat(p, path, "/",
                                        APR_ARRAY_IDX(names, i, char *),
                                        NULL));
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    return apr_dir_remove(path, p);
}

typedef struct restoring_t {
    tsr_backup_result_t *res;
    tsr_admin_progress_fn *progress;
    void *baton;
    apr_uint64_t total;
} restoring_t;

/* Copy the tree from into to (which exists), skipping Berkeley DB's
 * shared region files, which belong to no copy. */
static apr_status_t copy_tree(restoring_t *r, apr_pool_t *p,
                              const char *from, const char *to,
                              int tarballs)
{
    apr_array_header_t *names;
    apr_pool_t *sub;
    apr_status_t rv;
    int i;

    if ((rv = entries(&names, p, from)) != APR_SUCCESS || names == NULL) {
        return rv;
    }
    apr_pool_create(&sub, p);
    for (i = 0; rv == APR_SUCCESS && i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);
        const char *src, *dst;
        apr_finfo_t fi;
        apr_off_t bytes = 0;

        if (tsr_admin_interrupted()) {
            rv = APR_EINTR;
            break;
        }
        apr_pool_clear(sub);
        src = apr_pstrcat(sub, from, "/", name, NULL);
        dst = apr_pstrcat(sub, to, "/", name, NULL);
        if ((rv = apr_stat(&fi, src, APR_FINFO_TYPE | APR_FINFO_LINK, sub))
            != APR_SUCCESS) {
            break;
        }
        if (fi.filetype == APR_DIR) {
            if ((rv = mkdirs(sub, dst)) == APR_SUCCESS) {
                rv = copy_tree(r, sub, src, dst, tarballs);
            }
            continue;
        }
        if (fi.filetype != APR_REG || strncmp(name, "__db.", 5) == 0) {
            continue;
        }
        if ((rv = tsr_store_files_copy(sub, src, dst, &bytes))
            != APR_SUCCESS) {
            break;
        }
        if (tarballs) {
            r->res->tarballs++;
            r->res->tarball_bytes += (apr_uint64_t)bytes;
            report(r->progress, r->baton, "tarballs", r->res->tarballs,
                   r->total);
        }
        else {
            r->res->files++;
            r->res->bytes += (apr_uint64_t)bytes;
            report(r->progress, r->baton, "databases", r->res->files, 0);
        }
    }
    apr_pool_destroy(sub);
    return rv;
}

/* The target as restore may fill it: empty or made, or with force, its
 * store removed. */
static apr_status_t clear_target(apr_pool_t *p, const char *datadir,
                                 int force, tsr_error_t **perr)
{
    apr_array_header_t *names;
    tsr_store_config_t cfg;
    apr_status_t rv;
    long pid;
    int i, j;

    if ((rv = entries(&names, p, datadir)) != APR_SUCCESS) {
        return tsr_error_set(perr, p, 500, NULL, "cannot read %s: %s",
                             datadir, strerr(p, rv));
    }
    if (names == NULL || names->nelts == 0) {
        return APR_SUCCESS;
    }
    if (!force) {
        return tsr_error_set(perr, p, 409, NULL, "%s is not empty: restore "
                             "into a new directory, or add --force to "
                             "replace the store there", datadir);
    }
    for (i = 0; i < names->nelts; i++) {
        const char *n = APR_ARRAY_IDX(names, i, const char *);

        for (j = 0; store_entries[j] && strcmp(store_entries[j], n); j++) {
        }
        if (store_entries[j] == NULL) {
            return tsr_error_set(perr, p, 409, NULL, "%s holds %s, which is "
                                 "no part of a registry store: not removing "
                                 "anything there", datadir, n);
        }
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.datadir = datadir;
    if ((pid = tsr_store_release(tsr_store_bdb_provider(), p, &cfg)) != 0) {
        return tsr_error_set(perr, p, 409, NULL, "the store in %s is in use "
                             "(%s): stop Apache first, or restore into a new "
                             "directory", datadir,
                             pid > 0 ? apr_psprintf(p, "by process %ld", pid)
                                     : "by Apache, or left so by a crash: "
                                       "Apache's next start recovers it");
    }
    for (i = 0; store_entries[i]; i++) {
        /* The revocation count stays: Apache may have it mapped. */
        if (strcmp(store_entries[i], TSR_REVOKE_FILE) == 0) {
            continue;
        }
        rv = remove_tree(p, apr_pstrcat(p, datadir, "/", store_entries[i],
                                        NULL));
        if (rv != APR_SUCCESS) {
            return tsr_error_set(perr, p, 500, NULL, "cannot remove %s/%s: "
                                 "%s", datadir, store_entries[i],
                                 strerr(p, rv));
        }
    }
    return APR_SUCCESS;
}

apr_status_t tsr_backup_restore(tsr_backup_result_t *res, apr_pool_t *p,
                                const char *from, const char *datadir,
                                int force, tsr_admin_progress_fn *progress,
                                void *baton, tsr_error_t **perr)
{
    const char *mpath = apr_pstrcat(p, from, "/", TSR_BACKUP_MANIFEST, NULL);
    apr_file_t *f;
    apr_finfo_t fi;
    char *text;
    apr_size_t n;
    json_object *m, *v;
    restoring_t r;
    apr_status_t rv;
    const char *dirs[] = { "db", "tarballs", "tmp", NULL };
    int i;

    memset(res, 0, sizeof(*res));
    res->missing = apr_array_make(p, 1, sizeof(char *));
    if (apr_file_open(&f, mpath, APR_FOPEN_READ, 0, p) != APR_SUCCESS
        || apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS
        || fi.size > 1 << 20) {
        return tsr_error_set(perr, p, 400, NULL, "%s holds no complete "
                             "backup (no %s: tsci-registry backup writes it "
                             "last)", from, TSR_BACKUP_MANIFEST);
    }
    text = apr_palloc(p, (apr_size_t)fi.size + 1);
    rv = apr_file_read_full(f, text, (apr_size_t)fi.size, &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS
        || tsr_json_parse(&m, p, text, n, 8, NULL) != APR_SUCCESS
        || !json_object_object_get_ex(m, "format", &v)
        || json_object_get_int(v) != 1) {
        return tsr_error_set(perr, p, 400, NULL, "%s is not a backup this "
                             "version can restore", mpath);
    }
    res->manifest = m;
    if ((rv = clear_target(p, datadir, force, perr)) != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; dirs[i]; i++) {
        if ((rv = mkdirs(p, apr_pstrcat(p, datadir, "/", dirs[i], NULL)))
            != APR_SUCCESS) {
            return tsr_error_set(perr, p, 500, NULL, "cannot make %s/%s: %s",
                                 datadir, dirs[i], strerr(p, rv));
        }
    }
    memset(&r, 0, sizeof(r));
    r.res = res;
    r.progress = progress;
    r.baton = baton;
    if (json_object_object_get_ex(m, "tarballs", &v)) {
        r.total = (apr_uint64_t)json_object_get_int64(v);
    }
    if (json_object_object_get_ex(m, "update_seq", &v)) {
        res->update_seq = (apr_uint64_t)json_object_get_int64(v);
    }
    if (json_object_object_get_ex(m, "packages", &v)) {
        res->packages = (apr_uint64_t)json_object_get_int64(v);
    }
    if (json_object_object_get_ex(m, "versions", &v)) {
        res->versions = (apr_uint64_t)json_object_get_int64(v);
    }
    rv = copy_tree(&r, p, apr_pstrcat(p, from, "/db", NULL),
                   apr_pstrcat(p, datadir, "/db", NULL), 0);
    if (rv == APR_SUCCESS) {
        rv = copy_tree(&r, p, apr_pstrcat(p, from, "/tarballs", NULL),
                       apr_pstrcat(p, datadir, "/tarballs", NULL), 1);
    }
    if (rv == APR_EINTR) {
        return rv;
    }
    if (rv != APR_SUCCESS) {
        return tsr_error_set(perr, p, 500, NULL, "restoring into %s: %s",
                             datadir, strerr(p, rv));
    }
    return APR_SUCCESS;
}
