/* tsr_store: the storage interface.  A provider (Berkeley DB today,
 * PostgreSQL through mod_dbd later) implements named operations; each
 * process holds its own handle.  Tarballs are files under the data
 * directory whatever the provider: this file also owns their placement. */
#ifndef TSR_STORE_H
#define TSR_STORE_H

#include <apr_pools.h>
#include <apr_file_io.h>
#include "tsr_error.h"

/* An operation found nothing. */
#define TSR_ENOTFOUND (APR_OS_START_USERERR + 7002)
/* A create found the key already there. */
#define TSR_EEXISTS   (APR_OS_START_USERERR + 7003)

typedef struct tsr_store_t tsr_store_t;

/* Views of a package document (see tsr_view.h). */
typedef enum {
    TSR_VIEW_FULL = 'f',
    TSR_VIEW_ABBREV = 'a'
} tsr_view_kind_e;

typedef struct tsr_store_stats_t {
    apr_uint64_t doc_count;         /* packages */
    apr_uint64_t doc_del_count;     /* packages removed entirely */
    apr_uint64_t update_seq;        /* last change number */
    apr_uint64_t data_size;         /* bytes of documents and tarballs */
    apr_uint64_t disk_size;         /* bytes on disk, database included */
    apr_time_t start_time;          /* when this handle was opened */
} tsr_store_stats_t;

/* What an update of a package writes, all in one transaction. */
typedef struct tsr_package_write_t {
    const char *doc;                /* source document (JSON) */
    apr_size_t doc_len;
    const char *full;               /* ready views */
    apr_size_t full_len;
    const char *abbrev;
    apr_size_t abbrev_len;
    apr_int64_t tarball_bytes;      /* change in bytes of tarballs */
    /* When set, the ready view of this one version (the manifest GET
     * /<name>/<version> sends), written under it. */
    const char *version;
    const char *version_view;
    apr_size_t version_view_len;
    /* Called before the transaction is abandoned for any reason after the
     * callback succeeded (and before it is retried), to undo side effects
     * such as a placed tarball.  May be NULL. */
    void (*undo)(void *baton);
    void *undo_baton;
} tsr_package_write_t;

/* Called inside the write transaction with the current document (NULL,0
 * when the package does not exist), holding its write lock.  Fills out or
 * refuses.  It may be called again when the transaction is retried. */
typedef apr_status_t tsr_package_update_fn(void *baton, apr_pool_t *p,
                                           const char *doc,
                                           apr_size_t doc_len,
                                           tsr_package_write_t *out,
                                           tsr_error_t **perr);

/* Log hook: the core never includes httpd headers, the glue logs. */
typedef void tsr_store_log_fn(void *baton, int level, apr_status_t rv,
                              const char *msg);
/* Levels, numbered as syslog (and httpd) number them. */
#define TSR_LOG_ERR 3
#define TSR_LOG_WARNING 4
#define TSR_LOG_NOTICE 5
#define TSR_LOG_INFO 6

typedef struct tsr_store_provider_t {
    const char *name;
    apr_status_t (*package_view)(tsr_store_t *s, apr_pool_t *p,
                                 const char *name, tsr_view_kind_e kind,
                                 const char **pblob, apr_size_t *plen);
    apr_status_t (*package_doc)(tsr_store_t *s, apr_pool_t *p,
                                const char *name, const char **pdoc,
                                apr_size_t *plen);
    apr_status_t (*package_update)(tsr_store_t *s, apr_pool_t *p,
                                   const char *name,
                                   tsr_package_update_fn *fn, void *baton,
                                   tsr_error_t **perr);
    apr_status_t (*user_get)(tsr_store_t *s, apr_pool_t *p, const char *name,
                             const char **prec, apr_size_t *plen);
    apr_status_t (*user_create)(tsr_store_t *s, apr_pool_t *p,
                                const char *name, const char *rec,
                                apr_size_t len);
    apr_status_t (*token_put)(tsr_store_t *s, apr_pool_t *p,
                              const unsigned char key[32], const char *rec,
                              apr_size_t len);
    apr_status_t (*token_get)(tsr_store_t *s, apr_pool_t *p,
                              const unsigned char key[32], const char **prec,
                              apr_size_t *plen);
    apr_status_t (*token_delete)(tsr_store_t *s, apr_pool_t *p,
                                 const unsigned char key[32]);
    apr_status_t (*stats)(tsr_store_t *s, apr_pool_t *p,
                          tsr_store_stats_t *st);
    apr_status_t (*package_version_view)(tsr_store_t *s, apr_pool_t *p,
                                         const char *name,
                                         const char *version,
                                         const char **pblob,
                                         apr_size_t *plen);
} tsr_store_provider_t;

struct tsr_store_t {
    const tsr_store_provider_t *provider;
    const char *datadir;            /* absolute */
    void *impl;                     /* the provider's handle */
    tsr_store_log_fn *log;
    void *log_baton;
};

/* Dispatchers: each calls the provider's operation of the same name.
 * Reads return TSR_ENOTFOUND when there is nothing; results live in p. */
apr_status_t tsr_store_package_view(tsr_store_t *s, apr_pool_t *p,
                                    const char *name, tsr_view_kind_e kind,
                                    const char **pblob, apr_size_t *plen);
/* The ready view of one version of name (see tsr_package_write_t);
 * TSR_ENOTFOUND when there is none, which is also the case of versions
 * published before such views were kept: the document then says. */
apr_status_t tsr_store_package_version_view(tsr_store_t *s, apr_pool_t *p,
                                            const char *name,
                                            const char *version,
                                            const char **pblob,
                                            apr_size_t *plen);
apr_status_t tsr_store_package_doc(tsr_store_t *s, apr_pool_t *p,
                                   const char *name, const char **pdoc,
                                   apr_size_t *plen);
apr_status_t tsr_store_package_update(tsr_store_t *s, apr_pool_t *p,
                                      const char *name,
                                      tsr_package_update_fn *fn, void *baton,
                                      tsr_error_t **perr);
apr_status_t tsr_store_user_get(tsr_store_t *s, apr_pool_t *p,
                                const char *name, const char **prec,
                                apr_size_t *plen);
apr_status_t tsr_store_user_create(tsr_store_t *s, apr_pool_t *p,
                                   const char *name, const char *rec,
                                   apr_size_t len);
apr_status_t tsr_store_token_put(tsr_store_t *s, apr_pool_t *p,
                                 const unsigned char key[32],
                                 const char *rec, apr_size_t len);
apr_status_t tsr_store_token_get(tsr_store_t *s, apr_pool_t *p,
                                 const unsigned char key[32],
                                 const char **prec, apr_size_t *plen);
apr_status_t tsr_store_token_delete(tsr_store_t *s, apr_pool_t *p,
                                    const unsigned char key[32]);
apr_status_t tsr_store_stats(tsr_store_t *s, apr_pool_t *p,
                             tsr_store_stats_t *st);

/* Log through the store's hook (formatted in p). */
void tsr_store_log(tsr_store_t *s, apr_pool_t *p, int level,
                   apr_status_t rv, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ---- Tarball files ---- */

/* Absolute file name of a tarball path ("<name>/-/<file>.tgz") under
 * datadir (in p).  The path must come from tsr_name_tarball_path or have
 * passed tsr_store_tarball_path_check. */
const char *tsr_store_tarball_file(apr_pool_t *p, const char *datadir,
                                   const char *path);

/* 1 if path (relative, from a URL) has the shape of a tarball path of a
 * valid package name, so that it maps to a file inside the data
 * directory and nowhere else. */
int tsr_store_tarball_path_check(const char *path);

/* 1 if name is a valid package name and file a tarball file name (1..512
 * characters of [A-Za-z0-9._+-], ending in ".tgz", not starting with
 * '.'), so that "<name>/-/<file>" stays inside the data directory. */
int tsr_store_tarball_name_check(const char *name, const char *file);

/* Write data to a new temporary file under datadir/tmp, fsync it, and
 * return its name (in p). */
apr_status_t tsr_store_tarball_stage(const char **ptmp, apr_pool_t *p,
                                     const char *datadir, const void *data,
                                     apr_size_t len);

/* Put the staged file tmp at the tarball path's file (hard link, so tmp
 * stays for a retry), replacing a leftover of an unacknowledged publish.
 * First records, durably, the intent to do so (see
 * tsr_store_tarball_sweep); every directory made on the way, and the
 * file's own, are fsynced into their parents. */
apr_status_t tsr_store_tarball_place(apr_pool_t *p, const char *datadir,
                                     const char *tmp, const char *path);

/* Remove the tarball at path, durably (undo of a place). */
void tsr_store_tarball_remove(apr_pool_t *p, const char *datadir,
                              const char *path);

/* Remove the staged file tmp and the intent a place recorded for it: call
 * once the transaction that placed it committed, or after its undo. */
void tsr_store_tarball_unstage(apr_pool_t *p, const char *tmp);

/* After a crash, with no other process using the data directory (the
 * parent, after recovery, before any child starts): every intent left in
 * tmp/ whose tarball the package document does not list gets that tarball
 * removed, and everything in tmp/ goes.  *premoved (may be NULL) counts
 * the tarballs removed.  An intent that could not be checked stays, and
 * the first such error is returned. */
apr_status_t tsr_store_tarball_sweep(tsr_store_t *s, apr_pool_t *p,
                                     int *premoved);

#endif
