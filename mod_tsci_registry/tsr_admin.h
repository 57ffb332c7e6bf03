/* tsr_admin: what the administrator's tool (tsci-registry) does to a
 * store, apart from backups, checks and rebuilds (tsr_backup, tsr_verify,
 * tsr_reindex): opening it beside a running Apache or on its own, walking
 * every package or user, users and tokens, and figures. */
#ifndef TSR_ADMIN_H
#define TSR_ADMIN_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <json-c/json.h>
#include "tsr_error.h"
#include "tsr_store.h"
#include "tsr_token.h"

/* Progress of a long run: step names what is done ("tarballs"), done of
 * total (total 0: not known).  Called often; the caller decides what to
 * show. */
typedef void tsr_admin_progress_fn(void *baton, const char *step,
                                   apr_uint64_t done, apr_uint64_t total);

/* Ask every long run under way to stop at its next item (safe in a
 * signal handler); they return APR_EINTR. */
void tsr_admin_interrupt(void);
int tsr_admin_interrupted(void);

/* The store in datadir (Berkeley DB's), opened for the tool: joined when
 * Apache made it shared (*pjoined 1: Apache may be serving it), else for
 * this process alone (a stopped store, a backup).  TSR_ENOTFOUND when
 * datadir holds no store (nothing is created).  Closed with p. */
apr_status_t tsr_admin_open(tsr_store_t **ps, int *pjoined, apr_pool_t *p,
                            const char *datadir, tsr_store_log_fn *log,
                            void *log_baton);

/* The same for the store of provider: Berkeley DB's in datadir, or the
 * SQL store ("dbd") that params (a libpq connection string, as
 * DBDParams gives it) names, with its tarballs in datadir.  A database
 * is always joined (other nodes may serve it). */
apr_status_t tsr_admin_open_store(tsr_store_t **ps, int *pjoined,
                                  apr_pool_t *p,
                                  const tsr_store_provider_t *provider,
                                  const char *datadir, const char *params,
                                  tsr_store_log_fn *log, void *log_baton);

/* Call fn for every package (tombstones too), in name order, with a
 * scratch pool cleared between calls; stops at fn's first failure and
 * returns it.  A package written meanwhile is seen or not, never twice. */
typedef apr_status_t tsr_admin_package_fn(void *baton, apr_pool_t *p,
                                          const char *name);
apr_status_t tsr_admin_each_package(tsr_store_t *s, apr_pool_t *p,
                                    tsr_admin_package_fn *fn, void *baton);

/* The same for every user. */
typedef apr_status_t tsr_admin_user_fn(void *baton, apr_pool_t *p,
                                       const char *name);
apr_status_t tsr_admin_each_user(tsr_store_t *s, apr_pool_t *p,
                                 tsr_admin_user_fn *fn, void *baton);

/* And for every organisation (fn as for users). */
apr_status_t tsr_admin_each_org(tsr_store_t *s, apr_pool_t *p,
                                tsr_admin_user_fn *fn, void *baton);

/* Every user, in name order, as an array of {"name", "email" (when
 * set), "created", "tokens" (how many)} (owned by p). */
apr_status_t tsr_admin_users(json_object **plist, apr_pool_t *p,
                             tsr_store_t *s);

/* Give user a new password (1..TSR_PASSWORD_MAX bytes): 404 for no such
 * user.  Tokens stay good. */
apr_status_t tsr_admin_user_passwd(apr_pool_t *p, tsr_store_t *s,
                                   const char *user, const char *password,
                                   tsr_error_t **perr);

/* Remove user and every token of theirs (counted in *ptokens): 404 for no
 * such user.  Packages and organisations keep naming the user.  The
 * caller tells Apache's processes (tsr_revoke_bump). */
apr_status_t tsr_admin_user_del(apr_pool_t *p, tsr_store_t *s,
                                const char *user, int *ptokens,
                                tsr_error_t **perr);

/* The packages that name user among their maintainers (in p). */
apr_status_t tsr_admin_maintained(apr_array_header_t **pnames, apr_pool_t *p,
                                  tsr_store_t *s, const char *user);

/* Revoke the token that id names: its key as token lists show it (64
 * hex digits) or the token itself; *puser (in p) gets whose it was.
 * 404 when no token has that key. */
apr_status_t tsr_admin_token_revoke(apr_pool_t *p, tsr_store_t *s,
                                    const char *id, const char **puser,
                                    tsr_error_t **perr);

/* Revoke every token of user (counted in *pcount): 404 for no such
 * user. */
apr_status_t tsr_admin_token_revoke_all(apr_pool_t *p, tsr_store_t *s,
                                        const char *user, int *pcount,
                                        tsr_error_t **perr);

/* Tokens of user (NULL: of every user) as token lists show them
 * (tsr_token_list), each with "user" added. */
apr_status_t tsr_admin_tokens(json_object **plist, apr_pool_t *p,
                              tsr_store_t *s, const char *user,
                              tsr_error_t **perr);

/* The store's figures. */
typedef struct tsr_admin_stats_t {
    apr_uint64_t packages;          /* with versions */
    apr_uint64_t unpublished;       /* tombstones */
    apr_uint64_t versions;
    apr_uint64_t users;
    apr_uint64_t tokens;
    apr_uint64_t tarballs;          /* files under tarballs/ */
    apr_uint64_t tarball_bytes;
    apr_uint64_t database_bytes;    /* files of the metadata on disk */
    apr_uint64_t datadir_bytes;     /* every file of the data directory */
    apr_uint64_t update_seq;        /* the last change's number */
} tsr_admin_stats_t;

/* Count everything (every document is read: progress reports the walk). */
apr_status_t tsr_admin_stats(tsr_admin_stats_t *st, apr_pool_t *p,
                             tsr_store_t *s, tsr_admin_progress_fn *progress,
                             void *baton);

/* Files and bytes under dir, subdirectories included (regular files;
 * Berkeley DB's shared region files __db.* left out). */
apr_status_t tsr_admin_du(apr_pool_t *p, const char *dir,
                          apr_uint64_t *pfiles, apr_uint64_t *pbytes);

#endif
