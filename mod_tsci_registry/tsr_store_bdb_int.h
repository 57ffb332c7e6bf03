/* tsr_store_bdb_int: what the Berkeley DB provider's files share among
 * themselves and nobody else: the handle, its databases, transactions
 * with deadlock retry and reads.  tsr_store_bdb.c owns them; other
 * tsr_store_bdb_*.c files each own one area's operations. */
#ifndef TSR_STORE_BDB_INT_H
#define TSR_STORE_BDB_INT_H

#include <string.h>
#include <db.h>
#include <apr_pools.h>
#include "tsr_store.h"

typedef struct bdb_t bdb_t;

/* The database of autorouting jobs (tsr_store_bdb_jobs.c) and
 * tscircuit's table (tsr_store_bdb_tsci.c). */
#define TSR_BDB_DB_PACKAGES 0
#define TSR_BDB_DB_META 4
#define TSR_BDB_DB_SEARCH 11
#define TSR_BDB_DB_SEARCH_ENTRIES 12
#define TSR_BDB_DB_JOBS 13
#define TSR_BDB_DB_TSCI 14

/* How often an operation is retried after a deadlock before it gives
 * up. */
#define TSR_BDB_MAX_RETRIES 50

/* A DBT over len bytes of data (the library's flags all clear). */
static inline void tsr_bdb_dbt(DBT *d, const void *data, apr_size_t len)
{
    memset(d, 0, sizeof(*d));
    d->data = (void *)data;
    d->size = (u_int32_t)len;
}

/* One transaction's worth of work: 0 to commit, a Berkeley DB error to
 * abort (a deadlock is retried). */
typedef int tsr_bdb_step_fn(bdb_t *b, DB_TXN *txn, void *baton);

/* A key DBT for a cursor walk from the first key that starts with kind:
 * the library writes each key it finds into buf (cap bytes). */
static inline void tsr_bdb_prefix_dbt(DBT *key, char *buf, apr_size_t cap,
                                      char kind)
{
    buf[0] = kind;
    memset(key, 0, sizeof(*key));
    key->data = buf;
    key->size = 1;
    key->ulen = (u_int32_t)cap;
    key->flags = DB_DBT_USERMEM;
}

/* A data DBT that reads nothing of the value (index keys have none). */
static inline void tsr_bdb_no_data(DBT *data)
{
    memset(data, 0, sizeof(*data));
    data->flags = DB_DBT_PARTIAL;
}

/* The provider's handle of s, and its database which. */
bdb_t *tsr_bdb_of(tsr_store_t *s);
DB *tsr_bdb_db(bdb_t *b, int which);

/* Run step until it commits, retrying deadlocks; the result mapped to an
 * APR status (TSR_ENOTFOUND, TSR_EEXISTS, TSR_EBROKEN...). */
apr_status_t tsr_bdb_txn(bdb_t *b, tsr_bdb_step_fn *step, void *baton,
                         const char *what);

/* Read key k of which outside a transaction (value freed with p). */
apr_status_t tsr_bdb_get(bdb_t *b, apr_pool_t *p, int which, const void *k,
                         apr_size_t klen, const char **pval,
                         apr_size_t *plen);

/* Map a Berkeley DB result as every operation does. */
apr_status_t tsr_bdb_status(bdb_t *b, int ret, const char *what);

/* Whether the environment is known to need a recovery (every operation
 * then fails at once), and whether ret is a deadlock worth a retry. */
int tsr_bdb_broken(bdb_t *b);
int tsr_bdb_retryable(int ret);

/* At most max keys of database which after after ("": from the first),
 * in order; one auto-committed put, retried on deadlock. */
apr_status_t tsr_bdb_keys_after(bdb_t *b, apr_pool_t *p, int which,
                                const char *after, apr_size_t max,
                                apr_array_header_t **pnames);
apr_status_t tsr_bdb_put1(bdb_t *b, int which, const void *k,
                          apr_size_t klen, const void *v, apr_size_t vlen);

/* The search index (tsr_store_bdb_search.c): the provider's functions,
 * the build at start of a store from before the index, and a package's
 * entry and postings made inside a writer's transaction. */
apr_status_t tsr_bdb_search_postings(tsr_store_t *s, apr_pool_t *p,
                                     const char *term, int prefix,
                                     apr_array_header_t **pposts);
apr_status_t tsr_bdb_search_scan(tsr_store_t *s, apr_pool_t *p,
                                 const char *term, int prefix,
                                 tsr_search_visit_t *v);
apr_status_t tsr_bdb_search_entry(tsr_store_t *s, apr_pool_t *p,
                                  const char *name, const char **pblob,
                                  apr_size_t *plen);
apr_status_t tsr_bdb_search_rebuild(tsr_store_t *s, apr_pool_t *p,
                                    apr_size_t *pcount);
struct tsr_bdb_options_t;
apr_status_t tsr_bdb_search_index_if_new(tsr_store_t *s, apr_pool_t *p,
                                         const struct tsr_bdb_options_t *o);
int tsr_bdb_search_set(bdb_t *b, DB_TXN *txn, apr_pool_t *p,
                       const char *name, const char *blob, apr_size_t len);

/* The jobs operations of the provider table (tsr_store_bdb_jobs.c). */
apr_status_t tsr_bdb_job_create(tsr_store_t *s, apr_pool_t *p,
                                const tsr_job_t *job, const char *input,
                                apr_size_t len, apr_size_t max_active);
apr_status_t tsr_bdb_job_get(tsr_store_t *s, apr_pool_t *p, const char *id,
                             tsr_job_t **pjob);
apr_status_t tsr_bdb_job_output(tsr_store_t *s, apr_pool_t *p,
                                const char *id, const char **pout,
                                apr_size_t *plen);
apr_status_t tsr_bdb_job_claim(tsr_store_t *s, apr_pool_t *p,
                               const char *worker, apr_time_t now,
                               apr_time_t lease, tsr_job_t **pjob,
                               const char **pinput, apr_size_t *plen);
apr_status_t tsr_bdb_job_update(tsr_store_t *s, apr_pool_t *p,
                                const char *id, tsr_job_edit_fn *fn,
                                void *baton, const char *output,
                                apr_size_t outlen);
apr_status_t tsr_bdb_job_sweep(tsr_store_t *s, apr_pool_t *p,
                               apr_time_t before, apr_uint64_t keep,
                               int max, int *pn);

/* tscircuit's table (tsr_store_bdb_tsci.c). */
apr_status_t tsr_bdb_tsci_txn(tsr_store_t *s, apr_pool_t *p, int write,
                              tsr_kv_txn_fn *fn, void *baton,
                              tsr_error_t **perr);

#endif
