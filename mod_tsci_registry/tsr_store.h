/* tsr_store: the storage interface.  A provider (Berkeley DB today,
 * PostgreSQL through mod_dbd later) is a table with its whole life cycle
 * (prepare in Apache's parent, open in each child, a session per request,
 * upkeep from one background worker, recovery) and named operations on
 * packages, users, tokens and tarballs.  The operations take a session and
 * never know which provider or process they run in. */
#ifndef TSR_STORE_H
#define TSR_STORE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_file_io.h>
#include "tsr_error.h"
#include "tsr_jobs.h"

/* An operation found nothing. */
#define TSR_ENOTFOUND (APR_OS_START_USERERR + 7002)
/* A create found the key already there. */
#define TSR_EEXISTS   (APR_OS_START_USERERR + 7003)
/* The store is broken until Apache's parent recovers it: try again. */
#define TSR_EBROKEN   (APR_OS_START_USERERR + 7004)
/* A create refused because a bound was reached (see login_create). */
#define TSR_EFULL     (APR_OS_START_USERERR + 7009)
/* A visitor asked a scan to stop (tsr_store_search_scan). */
#define TSR_ESTOPPED  (APR_OS_START_USERERR + 7010)

typedef struct tsr_store_t tsr_store_t;
/* Of the search index (tsr_search_posting.h, and below). */
struct tsr_search_posting_t;
struct tsr_search_visit_t;

/* Views of a package document (see tsr_view.h). */
typedef enum {
    TSR_VIEW_FULL = 'f',
    TSR_VIEW_ABBREV = 'a',
    /* Not a view blob: the package's dist-tags object as JSON text, so
     * that a tag is resolved without reading the whole document. */
    TSR_VIEW_TAGS = 't',
    /* Who alone may read a restricted package ("a,b"); no record for a
     * public one, so checking a tarball's package costs a lookup that
     * finds nothing. */
    TSR_VIEW_READERS = 'r',
    /* The gzip records of the full and abbreviated views (tsr_gzip.h),
     * written in the same transaction as the views they are made from,
     * and removed with them. */
    TSR_VIEW_FULL_GZ = 'F',
    TSR_VIEW_ABBREV_GZ = 'A'
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
    /* When set, the document's dist-tags as JSON (TSR_VIEW_TAGS). */
    const char *tags;
    apr_size_t tags_len;
    /* Who alone may read the package (TSR_VIEW_READERS), or NULL: anyone
     * (the record is then removed). */
    const char *readers;
    /* Who created it, when this write creates it: the package is listed
     * among theirs (npm access list packages). */
    const char *creator;
    /* More version views to write (when who may read changed, every
     * version's): n entries of version, view and length. */
    int n_more;
    const char *const *more_versions;
    const char *const *more_views;
    const apr_size_t *more_lens;
    /* The document's revision after this write (the changes feed shows
     * it), or NULL. */
    const char *rev;
    /* This write unpublishes the whole package: doc is what is left of
     * it (a tombstone that keeps its burnt version numbers and its
     * maintainers) and every view of it is removed. */
    int gone;
    /* This write publishes again a package that was gone. */
    int revived;
    /* Versions this write removes from the document: their views go. */
    int n_removed;
    const char *const *removed_versions;
    /* When set, star_user stars (star_add 1) or unstars the package:
     * the package joins or leaves that user's starred list. */
    const char *star_user;
    int star_add;
    /* Called before the transaction is abandoned for any reason after the
     * callback succeeded (and before it is retried), to undo side effects
     * such as a placed tarball.  May be NULL. */
    void (*undo)(void *baton);
    void *undo_baton;
    /* The package's search entry (tsr_search_entry.h), as the callback
     * made it from doc; when it is NULL, tsr_store_package_update derives
     * it from doc itself.  So every write keeps the search index in its
     * own transaction, and a document that is no longer to be found (a
     * tombstone) leaves the index with it. */
    const char *search;
    apr_size_t search_len;
    /* The gzip records of full and abbrev (TSR_VIEW_FULL_GZ,
     * TSR_VIEW_ABBREV_GZ); NULL: the package has none after this write.
     * Writers leave them alone: tsr_store_package_update makes them. */
    const char *full_gz;
    apr_size_t full_gz_len;
    const char *abbrev_gz;
    apr_size_t abbrev_gz_len;
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

/* One row of the changes feed: a write of a package, in sequence. */
typedef struct tsr_change_t {
    apr_uint64_t seq;
    const char *name;
    const char *rev;                /* NULL for rows of older stores */
    apr_time_t time;                /* 0 likewise */
    int deleted;                    /* the write unpublished the package */
} tsr_change_t;

/* The row text a provider keeps for a change (see tsr_change_t), in p,
 * and the row back from that text (seq given by the provider). */
const char *tsr_store_change_encode(apr_pool_t *p, const char *name,
                                    const char *rev, apr_time_t when,
                                    int deleted, apr_size_t *plen);
void tsr_store_change_decode(tsr_change_t *c, apr_pool_t *p,
                             apr_uint64_t seq, const char *text,
                             apr_size_t len);

/* What a provider is told about its store: from TsciRegistryDataDir, and
 * how to log. */
typedef struct tsr_store_config_t {
    const char *datadir;            /* absolute */
    tsr_store_log_fn *log;
    void *log_baton;
    /* What a provider on a database server connects with when it opens
     * a connection of its own (the administrator's tool: open_admin of
     * "dbd" takes a libpq connection string), or NULL.  Apache's
     * processes leave it NULL: mod_dbd holds their connections. */
    const char *params;
} tsr_store_config_t;

/* Decide a record's next value from its current one (cur NULL: none):
 * *pnext (len *pnext_len, in p) is stored, NULL deletes it; a status
 * other than APR_SUCCESS (with *perr) leaves the record as it was. */
typedef apr_status_t tsr_record_update_fn(void *baton, apr_pool_t *p,
                                          const char *cur, apr_size_t len,
                                          const char **pnext,
                                          apr_size_t *pnext_len,
                                          tsr_error_t **perr);

/* Change a job (tsr_store's job_update): APR_SUCCESS writes job as fn
 * left it; any other status is returned and nothing is written. */
typedef apr_status_t tsr_job_edit_fn(void *baton, tsr_job_t *job);
/* tscircuit's registry (tsr_tsci.h) keeps its records in one keyed table
 * of its own, beside the npm documents: a transaction hands its function
 * these operations on that table.  Keys and values are bytes; reads
 * return TSR_ENOTFOUND when there is nothing, results live in p. */
typedef struct tsr_kv_t tsr_kv_t;
/* Called by scan for each key in order; a status other than APR_SUCCESS
 * stops the scan and is what scan returns. */
typedef apr_status_t tsr_kv_scan_fn(void *baton, const char *key,
                                    apr_size_t klen, const char *val,
                                    apr_size_t vlen);
struct tsr_kv_t {
    void *impl;
    apr_status_t (*get)(tsr_kv_t *kv, apr_pool_t *p, const void *key,
                        apr_size_t klen, const char **pval,
                        apr_size_t *plen);
    apr_status_t (*put)(tsr_kv_t *kv, const void *key, apr_size_t klen,
                        const void *val, apr_size_t vlen);
    /* Removing a key that is not there is no error. */
    apr_status_t (*del)(tsr_kv_t *kv, const void *key, apr_size_t klen);
    /* Every key that starts with prefix, in byte order. */
    apr_status_t (*scan)(tsr_kv_t *kv, apr_pool_t *p, const void *prefix,
                         apr_size_t plen, tsr_kv_scan_fn *fn, void *baton);
};
/* One transaction's work.  It may run again when the transaction is
 * retried (a deadlock), so it only reads and writes through kv and sets
 * its results last.  A refusal is a status other than APR_SUCCESS with
 * *perr set; the transaction is then abandoned. */
typedef apr_status_t tsr_kv_txn_fn(void *baton, apr_pool_t *p, tsr_kv_t *kv,
                                   tsr_error_t **perr);

typedef struct tsr_store_provider_t {
    const char *name;

    /* ---- life cycle ---- */
    /* In Apache's parent, before any child exists: create the store, or,
     * with recover set (no process can be attached), recover it and sweep
     * what crashed publishes left; then, when uid/gid are not -1, give the
     * data directory to the user the children run as. */
    apr_status_t (*prepare)(apr_pool_t *p, const tsr_store_config_t *cfg,
                            int recover, long uid, long gid);
    /* In each child: this process's handle, closed with p. */
    apr_status_t (*open)(tsr_store_t **ps, apr_pool_t *p,
                         const tsr_store_config_t *cfg);
    /* Per request: a session on the process handle proc, living in p.
     * conn is what the glue acquired for this provider (a mod_dbd
     * connection, say), NULL when it needs none.  NULL: the process
     * handle is the session. */
    apr_status_t (*session)(tsr_store_t **psess, apr_pool_t *p,
                            tsr_store_t *proc, void *conn);
    /* Upkeep, from one background worker at a time, every 30 s or so
     * (checkpoints, old logs).  May be NULL. */
    apr_status_t (*maintain)(tsr_store_t *s, apr_pool_t *p);
    /* Has a process found the store broken (so that the parent must stop
     * every child and recover)?  And forget that, once recovered. */
    int (*recovery_needed)(apr_pool_t *p, const tsr_store_config_t *cfg);
    void (*recovery_clear)(apr_pool_t *p, const tsr_store_config_t *cfg);

    /* ---- tarballs (tsr_store_files implements them for files under the
     * data directory, which Apache serves) ---- */
    apr_status_t (*tarball_stage)(tsr_store_t *s, apr_pool_t *p,
                                  const void *data, apr_size_t len,
                                  const char **ptmp);
    apr_status_t (*tarball_place)(tsr_store_t *s, apr_pool_t *p,
                                  const char *tmp, const char *path);
    void (*tarball_remove)(tsr_store_t *s, apr_pool_t *p, const char *path);
    void (*tarball_unstage)(tsr_store_t *s, apr_pool_t *p, const char *tmp);

    /* ---- operations ---- */
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
    /* Tokens are kept by key (their SHA-256) and listed by user: put and
     * delete keep both in one transaction. */
    apr_status_t (*token_put)(tsr_store_t *s, apr_pool_t *p,
                              const unsigned char key[32], const char *user,
                              const char *rec, apr_size_t len);
    apr_status_t (*token_get)(tsr_store_t *s, apr_pool_t *p,
                              const unsigned char key[32], const char **prec,
                              apr_size_t *plen);
    apr_status_t (*token_delete)(tsr_store_t *s, apr_pool_t *p,
                                 const unsigned char key[32],
                                 const char *user);
    /* The keys (32 bytes each) of user's tokens, in p. */
    apr_status_t (*token_list)(tsr_store_t *s, apr_pool_t *p,
                               const char *user, apr_array_header_t **pkeys);
    /* Organisations: a record per name, changed only by update. */
    apr_status_t (*org_get)(tsr_store_t *s, apr_pool_t *p, const char *name,
                            const char **prec, apr_size_t *plen);
    apr_status_t (*org_update)(tsr_store_t *s, apr_pool_t *p,
                               const char *name, tsr_record_update_fn *fn,
                               void *baton, tsr_error_t **perr);
    /* At most max names of packages that start with prefix ("@acme/"),
     * in order; and the packages user created. */
    apr_status_t (*package_names)(tsr_store_t *s, apr_pool_t *p,
                                  const char *prefix, apr_size_t max,
                                  apr_array_header_t **pnames);
    apr_status_t (*user_packages)(tsr_store_t *s, apr_pool_t *p,
                                  const char *user, apr_size_t max,
                                  apr_array_header_t **pnames);
    apr_status_t (*stats)(tsr_store_t *s, apr_pool_t *p,
                          tsr_store_stats_t *st);
    apr_status_t (*package_version_view)(tsr_store_t *s, apr_pool_t *p,
                                         const char *name,
                                         const char *version,
                                         const char **pblob,
                                         apr_size_t *plen);
    /* At most max rows of the changes feed: those after seq after in
     * order, or, when newest_first is set, the newest ones, newest first
     * (after is then ignored).  An array of tsr_change_t. */
    apr_status_t (*changes)(tsr_store_t *s, apr_pool_t *p,
                            apr_uint64_t after, int newest_first,
                            apr_size_t max, apr_array_header_t **prows);
    /* The packages user starred, in order. */
    apr_status_t (*user_stars)(tsr_store_t *s, apr_pool_t *p,
                               const char *user, apr_size_t max,
                               apr_array_header_t **pnames);
    /* Sign-ins under way (web logins): short-lived records by id, each
     * with the time it expires and an owner (the address that started
     * it).  Create refuses with TSR_EFULL when owner has max_owner live
     * records or the store max_total records in all; an expired record
     * is missing to get and update (TSR_ENOTFOUND, fn not called), and
     * maintain removes it.  Update keeps the expiry and owner; fn's NULL
     * removes the record.  NULL when the provider keeps none. */
    apr_status_t (*login_create)(tsr_store_t *s, apr_pool_t *p,
                                 const char *id, const char *owner,
                                 apr_time_t expires, const char *rec,
                                 apr_size_t len, apr_size_t max_total,
                                 apr_size_t max_owner);
    apr_status_t (*login_get)(tsr_store_t *s, apr_pool_t *p, const char *id,
                              const char **prec, apr_size_t *plen);
    apr_status_t (*login_update)(tsr_store_t *s, apr_pool_t *p,
                                 const char *id, tsr_record_update_fn *fn,
                                 void *baton, tsr_error_t **perr);

    /* ---- administration (the tsci-registry tool) ---- */
    /* At most max names of users after after ("": from the first), in
     * order: a cursor over every user. */
    apr_status_t (*user_names)(tsr_store_t *s, apr_pool_t *p,
                               const char *after, apr_size_t max,
                               apr_array_header_t **pnames);
    /* Change user's record through fn in one transaction (fn's NULL next
     * is refused: users go through user_delete).  TSR_ENOTFOUND when
     * there is no such user. */
    apr_status_t (*user_update)(tsr_store_t *s, apr_pool_t *p,
                                const char *name, tsr_record_update_fn *fn,
                                void *baton, tsr_error_t **perr);
    /* Remove user's record and every token of theirs, in one
     * transaction; *ptokens (may be NULL) counts the tokens.
     * TSR_ENOTFOUND when there is no such user. */
    apr_status_t (*user_delete)(tsr_store_t *s, apr_pool_t *p,
                                const char *name, int *ptokens);
    /* At most max names of packages after after ("": from the first), in
     * order, tombstones included: a cursor over every package. */
    apr_status_t (*package_names_after)(tsr_store_t *s, apr_pool_t *p,
                                        const char *after, apr_size_t max,
                                        apr_array_header_t **pnames);
    /* Replace every ready view of name with those fn renders (full,
     * abbrev, tags, readers and the n_more version views of out; none
     * when out->gone) from the document, read under its write lock.  The
     * document, its revision, the counters and the changes feed stay as
     * they are.  TSR_ENOTFOUND when there is no such package. */
    apr_status_t (*package_reindex)(tsr_store_t *s, apr_pool_t *p,
                                    const char *name,
                                    tsr_package_update_fn *fn, void *baton,
                                    tsr_error_t **perr);
    /* A hot backup, while other processes write: backup_hold(1) keeps
     * every file a copy needs (and writes a checkpoint), backup_hold(0)
     * lets go (so does closing the handle).  backup_files lists,
     * relative to the data directory, the files of the metadata (logs
     * 0) or, to be listed after those are copied, of its journal (logs
     * 1); backup_copy copies one of them to the same place under todir,
     * consistently with writers.  The copy
     * is usable once backup_recover (no process may use it) has made it
     * consistent. */
    apr_status_t (*backup_hold)(tsr_store_t *s, apr_pool_t *p, int on);
    apr_status_t (*backup_files)(tsr_store_t *s, apr_pool_t *p, int logs,
                                 apr_array_header_t **pfiles);
    apr_status_t (*backup_copy)(tsr_store_t *s, apr_pool_t *p,
                                const char *file, const char *todir);
    apr_status_t (*backup_recover)(apr_pool_t *p,
                                   const tsr_store_config_t *cfg);
    /* Let go of what processes share of the store in cfg, so that its
     * files may be replaced: 0 when no process uses it (what they share
     * is then gone, remade at the next start), else the pid of one that
     * does, -1 when which is not known (or one that crashed left it so:
     * the next start of Apache recovers it). */
    long (*release)(apr_pool_t *p, const tsr_store_config_t *cfg);
    /* For an administrator's tool: join the store that processes use
     * (*pjoined 1), or, when none does, open it for this process alone,
     * recovered first, leaving nothing shared behind when p goes (a
     * store that Apache is not running, or a backup).  TSR_ENOTFOUND
     * when cfg's directory holds no store; nothing is created. */
    apr_status_t (*open_admin)(tsr_store_t **ps, apr_pool_t *p,
                               const tsr_store_config_t *cfg, int *pjoined);
    /* The library's own check of every database (after a checkpoint);
     * one message per problem into *pproblems (char *, in p), empty when
     * all is well.  Only meaningful when nobody writes meanwhile. */
    apr_status_t (*verify)(tsr_store_t *s, apr_pool_t *p,
                           apr_array_header_t **pproblems);
    /* ---- the search index (tsr_search.h) ---- */
    /* The postings (tsr_search_posting_t, decoded by
     * tsr_search_posting_decode, exact set) of the packages indexed under
     * term, or, with prefix set, under any term that starts with it: in
     * p, in no promised order, a package perhaps more than once. */
    apr_status_t (*search_postings)(tsr_store_t *s, apr_pool_t *p,
                                    const char *term, int prefix,
                                    apr_array_header_t **pposts);
    /* The search entry of package name (TSR_ENOTFOUND: none). */
    apr_status_t (*search_entry)(tsr_store_t *s, apr_pool_t *p,
                                 const char *name, const char **pblob,
                                 apr_size_t *plen);
    /* Derive every package's entry from its document again, one
     * transaction per package, and drop entries whose package is gone;
     * *pcount: the packages now indexed. */
    apr_status_t (*search_rebuild)(tsr_store_t *s, apr_pool_t *p,
                                   apr_size_t *pcount);
    /* Autorouting jobs (tsr_jobs.h): a record by id with its input and
     * output, queued in creation order.  job_create refuses with
     * TSR_EFULL when max_active jobs are queued or running already.
     * job_claim gives worker ("<pid>/<slot>") the first running job whose
     * lease ended before now or whose worker held the same slot (the
     * holder of a slot is gone once another takes it), else the oldest
     * queued one: it runs under worker until lease, and comes with its
     * input; TSR_ENOTFOUND when there is none.  job_update changes a job
     * through fn in one transaction, and stores output with it when not
     * NULL; a job that finishes lets go of its input.  job_sweep removes
     * at most max finished jobs, oldest first, of those that finished
     * before before or beyond the newest keep (*pn: how many).  NULL
     * when the provider keeps no jobs. */
    apr_status_t (*job_create)(tsr_store_t *s, apr_pool_t *p,
                               const tsr_job_t *job, const char *input,
                               apr_size_t len, apr_size_t max_active);
    apr_status_t (*job_get)(tsr_store_t *s, apr_pool_t *p, const char *id,
                            tsr_job_t **pjob);
    apr_status_t (*job_output)(tsr_store_t *s, apr_pool_t *p,
                               const char *id, const char **pout,
                               apr_size_t *plen);
    apr_status_t (*job_claim)(tsr_store_t *s, apr_pool_t *p,
                              const char *worker, apr_time_t now,
                              apr_time_t lease, tsr_job_t **pjob,
                              const char **pinput, apr_size_t *plen);
    apr_status_t (*job_update)(tsr_store_t *s, apr_pool_t *p,
                               const char *id, tsr_job_edit_fn *fn,
                               void *baton, const char *output,
                               apr_size_t outlen);
    apr_status_t (*job_sweep)(tsr_store_t *s, apr_pool_t *p,
                              apr_time_t before, apr_uint64_t keep,
                              int max, int *pn);
    /* ---- tscircuit's registry (tsr_tsci.h) ---- */
    /* Run fn in one transaction on the tscircuit table: all of its
     * writes or none.  write 0 promises fn writes nothing (reads still
     * see one consistent state).  A refusal of fn comes back as its
     * status with *perr; a store failure as a 503 in *perr. */
    apr_status_t (*tsci_txn)(tsr_store_t *s, apr_pool_t *p, int write,
                             tsr_kv_txn_fn *fn, void *baton,
                             tsr_error_t **perr);
    /* ---- views validated by their stamp ---- */
    /* The stamp of name's view kind: a number the store changes with
     * every write of that view, so that a process may keep the view and
     * ask only for this (one small indexed read) to know it is still
     * right.  TSR_ENOTFOUND when there is no such view.  NULL: the
     * provider's views are validated otherwise (Berkeley DB's by stamps
     * in memory Apache's processes share, which only one machine's
     * writes bump). */
    apr_status_t (*package_view_stamp)(tsr_store_t *s, apr_pool_t *p,
                                       const char *name,
                                       tsr_view_kind_e kind,
                                       apr_uint64_t *pstamp);
    /* ---- failed sign-ins counted where every node sees them ---- */
    /* Failures of key within a window of window seconds that started at
     * its first failure: add delta (1: a failure; 0: only read; -1: the
     * key signed in, forget it) at now (seconds), and say how many there
     * are and how long until the window ends.  NULL: the provider leaves
     * them to Apache's shared memory (one machine). */
    apr_status_t (*login_failures)(tsr_store_t *s, apr_pool_t *p,
                                   const char *key, int delta,
                                   apr_uint32_t now, apr_uint32_t window,
                                   apr_uint32_t *pfailures,
                                   apr_uint32_t *pwait);
    /* ---- the write-ahead log ---- */
    /* Let the log go once it has grown by more than a few megabytes since
     * the last checkpoint.  The upkeep calls it every second, so that a
     * burst of large writes cannot fill the disk between two rounds of
     * maintain; it does next to nothing when little was written.  NULL
     * when the store's log is not the module's to keep. */
    apr_status_t (*trim_log)(tsr_store_t *s, apr_pool_t *p);
    /* ---- administration, continued ---- */
    /* At most max names of organisations after after ("": from the
     * first), in order: a cursor over every organisation, those that own
     * no package too. */
    apr_status_t (*org_names)(tsr_store_t *s, apr_pool_t *p,
                              const char *after, apr_size_t max,
                              apr_array_header_t **pnames);
    /* Make the next change number at least seq + 1 (never lower it): a
     * copy keeps each package's place in the changes feed it came from,
     * so that its followers miss nothing. */
    apr_status_t (*change_seq_floor)(tsr_store_t *s, apr_pool_t *p,
                                     apr_uint64_t seq);
    /* ---- the search index, continued ---- */
    /* The postings search_postings gives, handed to fn one at a time as
     * they are read, none kept: what a broad query costs is then the
     * reading, not an array of 50,000 decoded postings.  NULL when the
     * provider has no cheaper way than search_postings (tsr_store.c then
     * hands those out). */
    apr_status_t (*search_scan)(tsr_store_t *s, apr_pool_t *p,
                                const char *term, int prefix,
                                struct tsr_search_visit_t *visit);
} tsr_store_provider_t;

/* A process's handle, or a session on one: what every operation takes. */
struct tsr_store_t {
    const tsr_store_provider_t *provider;
    const char *datadir;            /* absolute */
    void *impl;                     /* the provider's process handle */
    void *conn;                     /* the session's connection, or NULL */
    /* When set (by the glue, on a process handle; sessions share it), a
     * count of this process's operations under way: every dispatcher adds
     * one while it runs, so a process that dies with a non-zero count died
     * inside the store, and one that dies at zero held nothing of it. */
    apr_uint32_t *busy;
    /* When set (by the glue), called once when the provider finds the
     * store broken beyond what the process can mend (a recovery is
     * needed). */
    void (*on_broken)(tsr_store_t *s);
    tsr_store_log_fn *log;
    void *log_baton;
    /* When set (by the glue, on a process handle; sessions share them):
     * this process's cache of package records, and the stamps all
     * processes share (tsr_viewcache.h).  Views are then read through the
     * cache, and every package write bumps its name's stamp. */
    struct tsr_viewcache_t *views;
    apr_uint32_t *view_stamps;
    /* When set (by the glue, with views and view_stamps, for a store that
     * other nodes write too): the poll through which the stamps follow
     * their writes, read from the changes feed at most every view_lag.
     * Without it such a store checks each view's stamp in the database
     * at every read (package_view_stamp). */
    struct tsr_view_poll_t *view_poll;
    apr_interval_time_t view_lag;
    /* When set (by the glue, with view_stamps): this process's answers
     * that depend on every package (searches), keyed by what was asked,
     * each good while the stamp of tsr_store_answers_stamp stays what it
     * was when the answer was made. */
    struct tsr_viewcache_t *answers;
    /* The base URL package writes through this handle make the gzip
     * records for (tsr_store_for_base), or NULL: the base the package's
     * records were made for before. */
    const char *gzip_base;
};

/* Make every cached record of every process stale (after a recovery, or
 * anything else that changed the store behind the writers' backs). */
void tsr_store_views_forget(apr_uint32_t *stamps);

/* The stamp every package write bumps (TSR_VIEW_STAMP_ANY), at time now,
 * other nodes' writes polled first when the store follows them: an answer
 * made from the store after reading it is good while it stays the same.
 * APR_ENOTIMPL when s keeps no stamps (no shared memory, or a store other
 * nodes write that this one does not poll): no answer may be kept. */
apr_status_t tsr_store_answers_stamp(tsr_store_t *s, apr_pool_t *p,
                                     apr_time_t now, apr_uint32_t *pstamp);

/* Where a node stands in the changes feed of a store other nodes write:
 * in memory all of the node's processes share, zeroed at first.  The
 * reads of the node take turns at polling the feed (one at most every
 * view_lag) and bump the stamps of the packages written since, so a view
 * a process keeps is served from memory until at most view_lag after
 * another node changed it, and the node's own writes are seen at once. */
typedef struct tsr_view_poll_t {
    volatile apr_uint64_t due;      /* apr_time_t when the next poll is */
    volatile apr_uint64_t seen;     /* 1 + the last change seen; 0: none */
} tsr_view_poll_t;

/* The poll's work, when it is due: what package views read through a
 * polled store call first (exposed for the tests, which set now). */
void tsr_store_view_poll(tsr_store_t *s, apr_pool_t *p, apr_time_t now);

/* The provider called name ("bdb"), or NULL. */
const tsr_store_provider_t *tsr_store_provider_find(const char *name);

/* The names of all providers, for messages ("bdb"), in p. */
const char *tsr_store_provider_names(apr_pool_t *p);

/* Life-cycle dispatchers (see tsr_store_provider_t). */
apr_status_t tsr_store_prepare(const tsr_store_provider_t *provider,
                               apr_pool_t *p, const tsr_store_config_t *cfg,
                               int recover, long uid, long gid);
apr_status_t tsr_store_open(const tsr_store_provider_t *provider,
                            tsr_store_t **ps, apr_pool_t *p,
                            const tsr_store_config_t *cfg);
apr_status_t tsr_store_session(tsr_store_t **psess, apr_pool_t *p,
                               tsr_store_t *proc, void *conn);
apr_status_t tsr_store_maintain(tsr_store_t *s, apr_pool_t *p);
/* The provider's trim_log (APR_SUCCESS when it has none). */
apr_status_t tsr_store_trim_log(tsr_store_t *s, apr_pool_t *p);
/* A handle (in p) that is s in every way, except that the package writes
 * made through it keep their gzip records made for base (the base URL of
 * the request that writes; see tsr_gzip.h).  Writes through a handle
 * without one (the admin tool's) keep the base the package's records
 * were made for before. */
tsr_store_t *tsr_store_for_base(tsr_store_t *s, apr_pool_t *p,
                                const char *base);
/* The base the gzip records of package name were made for, in p, or NULL
 * (none, or the store failed): a copy to another store makes its records
 * for the same base. */
const char *tsr_store_gzip_base_of(tsr_store_t *s, apr_pool_t *p,
                                   const char *name);
int tsr_store_recovery_needed(const tsr_store_provider_t *provider,
                              apr_pool_t *p, const tsr_store_config_t *cfg);
void tsr_store_recovery_clear(const tsr_store_provider_t *provider,
                              apr_pool_t *p, const tsr_store_config_t *cfg);

/* Tarball dispatchers (see tsr_store_files.h for what they do). */
apr_status_t tsr_store_tarball_stage(tsr_store_t *s, apr_pool_t *p,
                                     const void *data, apr_size_t len,
                                     const char **ptmp);
apr_status_t tsr_store_tarball_place(tsr_store_t *s, apr_pool_t *p,
                                     const char *tmp, const char *path);
void tsr_store_tarball_remove(tsr_store_t *s, apr_pool_t *p,
                              const char *path);
void tsr_store_tarball_unstage(tsr_store_t *s, apr_pool_t *p,
                               const char *tmp);

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
                                 const char *user, const char *rec,
                                 apr_size_t len);
apr_status_t tsr_store_token_get(tsr_store_t *s, apr_pool_t *p,
                                 const unsigned char key[32],
                                 const char **prec, apr_size_t *plen);
apr_status_t tsr_store_token_delete(tsr_store_t *s, apr_pool_t *p,
                                    const unsigned char key[32],
                                    const char *user);
apr_status_t tsr_store_token_list(tsr_store_t *s, apr_pool_t *p,
                                  const char *user,
                                  apr_array_header_t **pkeys);
apr_status_t tsr_store_org_get(tsr_store_t *s, apr_pool_t *p,
                               const char *name, const char **prec,
                               apr_size_t *plen);
apr_status_t tsr_store_org_update(tsr_store_t *s, apr_pool_t *p,
                                  const char *name,
                                  tsr_record_update_fn *fn, void *baton,
                                  tsr_error_t **perr);
apr_status_t tsr_store_package_names(tsr_store_t *s, apr_pool_t *p,
                                     const char *prefix, apr_size_t max,
                                     apr_array_header_t **pnames);
apr_status_t tsr_store_user_packages(tsr_store_t *s, apr_pool_t *p,
                                     const char *user, apr_size_t max,
                                     apr_array_header_t **pnames);
apr_status_t tsr_store_stats(tsr_store_t *s, apr_pool_t *p,
                             tsr_store_stats_t *st);
apr_status_t tsr_store_changes(tsr_store_t *s, apr_pool_t *p,
                               apr_uint64_t after, int newest_first,
                               apr_size_t max, apr_array_header_t **prows);
apr_status_t tsr_store_user_stars(tsr_store_t *s, apr_pool_t *p,
                                  const char *user, apr_size_t max,
                                  apr_array_header_t **pnames);
/* Autorouting jobs (see job_create in the provider table); APR_ENOTIMPL
 * when the provider keeps none. */
apr_status_t tsr_store_job_create(tsr_store_t *s, apr_pool_t *p,
                                  const tsr_job_t *job, const char *input,
                                  apr_size_t len, apr_size_t max_active);
apr_status_t tsr_store_job_get(tsr_store_t *s, apr_pool_t *p, const char *id,
                               tsr_job_t **pjob);
apr_status_t tsr_store_job_output(tsr_store_t *s, apr_pool_t *p,
                                  const char *id, const char **pout,
                                  apr_size_t *plen);
apr_status_t tsr_store_job_claim(tsr_store_t *s, apr_pool_t *p,
                                 const char *worker, apr_time_t now,
                                 apr_time_t lease, tsr_job_t **pjob,
                                 const char **pinput, apr_size_t *plen);
apr_status_t tsr_store_job_update(tsr_store_t *s, apr_pool_t *p,
                                  const char *id, tsr_job_edit_fn *fn,
                                  void *baton, const char *output,
                                  apr_size_t outlen);
apr_status_t tsr_store_job_sweep(tsr_store_t *s, apr_pool_t *p,
                                 apr_time_t before, apr_uint64_t keep,
                                 int max, int *pn);

/* Failed sign-ins counted by the store (see login_failures in the
 * provider table); APR_ENOTIMPL when the provider leaves them to Apache's
 * shared memory. */
apr_status_t tsr_store_login_failures(tsr_store_t *s, apr_pool_t *p,
                                      const char *key, int delta,
                                      apr_uint32_t now, apr_uint32_t window,
                                      apr_uint32_t *pfailures,
                                      apr_uint32_t *pwait);

/* Sign-ins under way (see login_create in the provider table); APR_ENOTIMPL
 * from a provider that keeps none. */
apr_status_t tsr_store_login_create(tsr_store_t *s, apr_pool_t *p,
                                    const char *id, const char *owner,
                                    apr_time_t expires, const char *rec,
                                    apr_size_t len, apr_size_t max_total,
                                    apr_size_t max_owner);
apr_status_t tsr_store_login_get(tsr_store_t *s, apr_pool_t *p,
                                 const char *id, const char **prec,
                                 apr_size_t *plen);
apr_status_t tsr_store_login_update(tsr_store_t *s, apr_pool_t *p,
                                    const char *id,
                                    tsr_record_update_fn *fn, void *baton,
                                    tsr_error_t **perr);

/* Administration dispatchers (see the provider table): APR_ENOTIMPL when
 * the provider lacks the operation. */
apr_status_t tsr_store_user_names(tsr_store_t *s, apr_pool_t *p,
                                  const char *after, apr_size_t max,
                                  apr_array_header_t **pnames);
apr_status_t tsr_store_user_update(tsr_store_t *s, apr_pool_t *p,
                                   const char *name,
                                   tsr_record_update_fn *fn, void *baton,
                                   tsr_error_t **perr);
apr_status_t tsr_store_user_delete(tsr_store_t *s, apr_pool_t *p,
                                   const char *name, int *ptokens);
apr_status_t tsr_store_package_names_after(tsr_store_t *s, apr_pool_t *p,
                                           const char *after,
                                           apr_size_t max,
                                           apr_array_header_t **pnames);
apr_status_t tsr_store_org_names(tsr_store_t *s, apr_pool_t *p,
                                 const char *after, apr_size_t max,
                                 apr_array_header_t **pnames);
apr_status_t tsr_store_change_seq_floor(tsr_store_t *s, apr_pool_t *p,
                                        apr_uint64_t seq);
apr_status_t tsr_store_package_reindex(tsr_store_t *s, apr_pool_t *p,
                                       const char *name,
                                       tsr_package_update_fn *fn,
                                       void *baton, tsr_error_t **perr);
apr_status_t tsr_store_backup_hold(tsr_store_t *s, apr_pool_t *p, int on);
apr_status_t tsr_store_backup_files(tsr_store_t *s, apr_pool_t *p,
                                    int logs, apr_array_header_t **pfiles);
apr_status_t tsr_store_backup_copy(tsr_store_t *s, apr_pool_t *p,
                                   const char *file, const char *todir);
apr_status_t tsr_store_backup_recover(const tsr_store_provider_t *provider,
                                      apr_pool_t *p,
                                      const tsr_store_config_t *cfg);
long tsr_store_release(const tsr_store_provider_t *provider, apr_pool_t *p,
                       const tsr_store_config_t *cfg);
apr_status_t tsr_store_open_admin(const tsr_store_provider_t *provider,
                                  tsr_store_t **ps, apr_pool_t *p,
                                  const tsr_store_config_t *cfg,
                                  int *pjoined);
apr_status_t tsr_store_verify(tsr_store_t *s, apr_pool_t *p,
                              apr_array_header_t **pproblems);

/* The search index (see tsr_store_provider_t); APR_ENOTIMPL from a
 * provider that has none. */
apr_status_t tsr_store_search_postings(tsr_store_t *s, apr_pool_t *p,
                                       const char *term, int prefix,
                                       apr_array_header_t **pposts);
apr_status_t tsr_store_search_entry(tsr_store_t *s, apr_pool_t *p,
                                    const char *name, const char **pblob,
                                    apr_size_t *plen);

/* A visitor of postings (tsr_store_search_scan).  fn gets each posting
 * (decoded, exact set; o->name and the rest good only during the call)
 * and returns nonzero to stop the scan (which then returns TSR_ESTOPPED).
 * term, when set, is called before the first posting of each term's list
 * (a list names a package once; a store that cannot tell where lists
 * begin calls it before every posting).  A store that reads again from
 * the start (after a deadlock) calls restart first, so the visitor
 * forgets what it saw. */
typedef struct tsr_search_visit_t {
    int (*fn)(void *baton, const struct tsr_search_posting_t *o);
    void (*term)(void *baton);
    void (*restart)(void *baton);
    void *baton;
} tsr_search_visit_t;

/* Visit the postings of term (or, with prefix, of every term that starts
 * with it), in no promised order, a package perhaps more than once. */
apr_status_t tsr_store_search_scan(tsr_store_t *s, apr_pool_t *p,
                                   const char *term, int prefix,
                                   tsr_search_visit_t *visit);
apr_status_t tsr_store_search_rebuild(tsr_store_t *s, apr_pool_t *p,
                                      apr_size_t *pcount);

/* tscircuit's table (see tsci_txn); APR_ENOTIMPL from a provider that
 * has none. */
apr_status_t tsr_store_tsci_txn(tsr_store_t *s, apr_pool_t *p, int write,
                                tsr_kv_txn_fn *fn, void *baton,
                                tsr_error_t **perr);

/* Log through the store's hook (formatted in p). */
void tsr_store_log(tsr_store_t *s, apr_pool_t *p, int level,
                   apr_status_t rv, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
