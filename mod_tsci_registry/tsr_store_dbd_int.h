/* tsr_store_dbd_int: what the SQL provider's files share among
 * themselves: statements prepared once per connection, queries whose rows
 * come back as copied strings, transactions, and bytes as hex (apr_dbd
 * gives results as text only).  tsr_store_dbd.c owns them; the other
 * tsr_store_dbd_*.c files each own one area's operations. */
#ifndef TSR_STORE_DBD_INT_H
#define TSR_STORE_DBD_INT_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_dbd.h>
#include "tsr_store.h"
#include "tsr_store_dbd.h"

/* A statement: its label (unique, a valid SQL name, "tsr_" first) and
 * its text, with apr_dbd's %s for each argument (all are passed as
 * text; casts go in the SQL). */
typedef struct tsr_dbd_sql_t {
    const char *label;
    const char *sql;
} tsr_dbd_sql_t;

/* When the process's handle was opened (stats' start time). */
apr_time_t tsr_dbd_opened(tsr_store_t *s);

/* The session's connection, or NULL (a process handle: no operation). */
tsr_dbd_conn_t *tsr_dbd_conn(tsr_store_t *s);

/* Run q with nargs text arguments (NULL: SQL NULL) and return every row
 * as an array of char ** (ncols strings each, copied into p).  prows may
 * be NULL (a statement whose rows do not matter).  Failures are logged
 * once, with the database's message, and are APR_EGENERAL. */
apr_status_t tsr_dbd_query(tsr_store_t *s, apr_pool_t *p,
                           const tsr_dbd_sql_t *q, int nargs,
                           const char *const *args,
                           apr_array_header_t **prows);

/* The first column of the first row of q's result, or TSR_ENOTFOUND. */
apr_status_t tsr_dbd_value(tsr_store_t *s, apr_pool_t *p,
                           const tsr_dbd_sql_t *q, int nargs,
                           const char *const *args, const char **pval);

/* Begin a transaction on the session's connection; end it, committing
 * when commit is set and nothing in it failed, else rolling back.  End
 * returns APR_EGENERAL when the commit did not happen. */
apr_status_t tsr_dbd_begin(tsr_store_t *s, apr_pool_t *p,
                           apr_dbd_transaction_t **ptxn);
apr_status_t tsr_dbd_end(tsr_store_t *s, apr_pool_t *p,
                         apr_dbd_transaction_t *txn, int commit);

/* Bytes as lower-case hex (NUL-terminated, in p), and back: APR_EINVAL
 * when text is not hex. */
const char *tsr_dbd_hex(apr_pool_t *p, const void *data, apr_size_t len);
apr_status_t tsr_dbd_unhex(apr_pool_t *p, const char *text,
                           const char **pdata, apr_size_t *plen);

/* The first column of q's single row, as bytes from hex. */
apr_status_t tsr_dbd_bytes(tsr_store_t *s, apr_pool_t *p,
                           const tsr_dbd_sql_t *q, int nargs,
                           const char *const *args, const char **pdata,
                           apr_size_t *plen);

/* The first column of every row, as an array of char * in p. */
apr_status_t tsr_dbd_names(tsr_store_t *s, apr_pool_t *p,
                           const tsr_dbd_sql_t *q, int nargs,
                           const char *const *args,
                           apr_array_header_t **pnames);

/* tsr_dbd_names of q whose two arguments are key and a row bound (at
 * most max names): the shape of every list that pages by name. */
apr_status_t tsr_dbd_names_upto(tsr_store_t *s, apr_pool_t *p,
                                const tsr_dbd_sql_t *q, const char *key,
                                apr_size_t max, apr_array_header_t **pnames);

/* max as the text of a statement's bigint argument, in p. */
const char *tsr_dbd_count(apr_pool_t *p, apr_size_t max);

/* The smallest string greater than every string that starts with
 * prefix, as hex (in p), or TSR_ENOTFOUND when there is none (prefix
 * empty or all 0xff bytes): the end of a prefix's range in an index of
 * bytea. */
apr_status_t tsr_dbd_key_bound(apr_pool_t *p, const void *prefix,
                               apr_size_t plen, const char **phex);

/* ---- the operations of each area's file ---- */

/* tsr_store_dbd_users.c */
apr_status_t tsr_dbd_user_get(tsr_store_t *s, apr_pool_t *p,
                              const char *name, const char **prec,
                              apr_size_t *plen);
apr_status_t tsr_dbd_user_create(tsr_store_t *s, apr_pool_t *p,
                                 const char *name, const char *rec,
                                 apr_size_t len);
apr_status_t tsr_dbd_user_update(tsr_store_t *s, apr_pool_t *p,
                                 const char *name, tsr_record_update_fn *fn,
                                 void *baton, tsr_error_t **perr);
apr_status_t tsr_dbd_token_put(tsr_store_t *s, apr_pool_t *p,
                               const unsigned char key[32],
                               const char *user, const char *rec,
                               apr_size_t len);
apr_status_t tsr_dbd_token_get(tsr_store_t *s, apr_pool_t *p,
                               const unsigned char key[32],
                               const char **prec, apr_size_t *plen);
apr_status_t tsr_dbd_token_delete(tsr_store_t *s, apr_pool_t *p,
                                  const unsigned char key[32],
                                  const char *user);
apr_status_t tsr_dbd_token_list(tsr_store_t *s, apr_pool_t *p,
                                const char *user,
                                apr_array_header_t **pkeys);
apr_status_t tsr_dbd_org_get(tsr_store_t *s, apr_pool_t *p,
                             const char *name, const char **prec,
                             apr_size_t *plen);
apr_status_t tsr_dbd_org_update(tsr_store_t *s, apr_pool_t *p,
                                const char *name, tsr_record_update_fn *fn,
                                void *baton, tsr_error_t **perr);

/* tsr_store_dbd_packages.c */
apr_status_t tsr_dbd_package_view(tsr_store_t *s, apr_pool_t *p,
                                  const char *name, tsr_view_kind_e kind,
                                  const char **pblob, apr_size_t *plen);
apr_status_t tsr_dbd_login_failures(tsr_store_t *s, apr_pool_t *p,
                                    const char *key, int delta,
                                    apr_uint32_t now, apr_uint32_t window,
                                    apr_uint32_t *pfailures,
                                    apr_uint32_t *pwait);
apr_status_t tsr_dbd_package_view_stamp(tsr_store_t *s, apr_pool_t *p,
                                        const char *name,
                                        tsr_view_kind_e kind,
                                        apr_uint64_t *pstamp);
apr_status_t tsr_dbd_package_version_view(tsr_store_t *s, apr_pool_t *p,
                                          const char *name,
                                          const char *version,
                                          const char **pblob,
                                          apr_size_t *plen);
apr_status_t tsr_dbd_package_doc(tsr_store_t *s, apr_pool_t *p,
                                 const char *name, const char **pdoc,
                                 apr_size_t *plen);
apr_status_t tsr_dbd_package_update(tsr_store_t *s, apr_pool_t *p,
                                    const char *name,
                                    tsr_package_update_fn *fn, void *baton,
                                    tsr_error_t **perr);
apr_status_t tsr_dbd_package_names(tsr_store_t *s, apr_pool_t *p,
                                   const char *prefix, apr_size_t max,
                                   apr_array_header_t **pnames);
apr_status_t tsr_dbd_user_packages(tsr_store_t *s, apr_pool_t *p,
                                   const char *user, apr_size_t max,
                                   apr_array_header_t **pnames);
apr_status_t tsr_dbd_user_stars(tsr_store_t *s, apr_pool_t *p,
                                const char *user, apr_size_t max,
                                apr_array_header_t **pnames);
apr_status_t tsr_dbd_search_entry(tsr_store_t *s, apr_pool_t *p,
                                  const char *name, const char **pblob,
                                  apr_size_t *plen);
apr_status_t tsr_dbd_stats(tsr_store_t *s, apr_pool_t *p,
                           tsr_store_stats_t *st);
apr_status_t tsr_dbd_changes(tsr_store_t *s, apr_pool_t *p,
                             apr_uint64_t after, int newest_first,
                             apr_size_t max, apr_array_header_t **prows);

/* tsr_store_dbd_admin.c: the administrator's tool's operations */
apr_status_t tsr_dbd_change_seq_floor(tsr_store_t *s, apr_pool_t *p,
                                      apr_uint64_t seq);
apr_status_t tsr_dbd_org_names(tsr_store_t *s, apr_pool_t *p,
                               const char *after, apr_size_t max,
                               apr_array_header_t **pnames);
apr_status_t tsr_dbd_user_names(tsr_store_t *s, apr_pool_t *p,
                                const char *after, apr_size_t max,
                                apr_array_header_t **pnames);
apr_status_t tsr_dbd_user_delete(tsr_store_t *s, apr_pool_t *p,
                                 const char *name, int *ptokens);
apr_status_t tsr_dbd_package_names_after(tsr_store_t *s, apr_pool_t *p,
                                         const char *after, apr_size_t max,
                                         apr_array_header_t **pnames);
apr_status_t tsr_dbd_package_reindex(tsr_store_t *s, apr_pool_t *p,
                                     const char *name,
                                     tsr_package_update_fn *fn, void *baton,
                                     tsr_error_t **perr);
long tsr_dbd_release(apr_pool_t *p, const tsr_store_config_t *cfg);
apr_status_t tsr_dbd_open_admin(tsr_store_t **ps, apr_pool_t *p,
                                const tsr_store_config_t *cfg, int *pjoined);
apr_status_t tsr_dbd_verify(tsr_store_t *s, apr_pool_t *p,
                            apr_array_header_t **pproblems);
/* tsr_store_dbd_tsci.c */
apr_status_t tsr_dbd_tsci_txn(tsr_store_t *s, apr_pool_t *p, int write,
                              tsr_kv_txn_fn *fn, void *baton,
                              tsr_error_t **perr);

/* tsr_store_dbd_jobs.c */
apr_status_t tsr_dbd_job_create(tsr_store_t *s, apr_pool_t *p,
                                const tsr_job_t *job, const char *input,
                                apr_size_t len, apr_size_t max_active);
apr_status_t tsr_dbd_job_get(tsr_store_t *s, apr_pool_t *p, const char *id,
                             tsr_job_t **pjob);
apr_status_t tsr_dbd_job_output(tsr_store_t *s, apr_pool_t *p,
                                const char *id, const char **pout,
                                apr_size_t *plen);
apr_status_t tsr_dbd_job_claim(tsr_store_t *s, apr_pool_t *p,
                               const char *worker, apr_time_t now,
                               apr_time_t lease, tsr_job_t **pjob,
                               const char **pinput, apr_size_t *plen);
apr_status_t tsr_dbd_job_update(tsr_store_t *s, apr_pool_t *p,
                                const char *id, tsr_job_edit_fn *fn,
                                void *baton, const char *output,
                                apr_size_t outlen);
apr_status_t tsr_dbd_job_sweep(tsr_store_t *s, apr_pool_t *p,
                               apr_time_t before, apr_uint64_t keep,
                               int max, int *pn);

/* tsr_store_dbd_logins.c; sweep removes expired sign-ins (nothing on a
 * handle without a connection). */
apr_status_t tsr_dbd_login_create(tsr_store_t *s, apr_pool_t *p,
                                  const char *id, const char *owner,
                                  apr_time_t expires, const char *rec,
                                  apr_size_t len, apr_size_t max_total,
                                  apr_size_t max_owner);
apr_status_t tsr_dbd_login_get(tsr_store_t *s, apr_pool_t *p,
                               const char *id, const char **prec,
                               apr_size_t *plen);
apr_status_t tsr_dbd_login_update(tsr_store_t *s, apr_pool_t *p,
                                  const char *id, tsr_record_update_fn *fn,
                                  void *baton, tsr_error_t **perr);
apr_status_t tsr_dbd_logins_sweep(tsr_store_t *s, apr_pool_t *p);

/* tsr_store_dbd_search.c; index replaces name's posting lists with the
 * terms of its entry blob (NULL: none), inside the caller's
 * transaction. */
apr_status_t tsr_dbd_search_index(tsr_store_t *s, apr_pool_t *p,
                                  const char *name, const char *blob,
                                  apr_size_t len);
apr_status_t tsr_dbd_search_postings(tsr_store_t *s, apr_pool_t *p,
                                     const char *term, int prefix,
                                     apr_array_header_t **pposts);
apr_status_t tsr_dbd_search_rebuild(tsr_store_t *s, apr_pool_t *p,
                                    apr_size_t *pcount);

#endif
