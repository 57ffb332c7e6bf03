/* tsr_store_bdb_jobs: the autorouting job queue in Berkeley DB.  One
 * database holds, by key:
 *   "j" id              the job's record (tsr_job_encode)
 *   "i" id, "o" id      its input (Circuit JSON) and output (traces)
 *   "q" created id      queued jobs, oldest first
 *   "l" lease id        running jobs, the first lease to end first
 *   "f" finished id     finished jobs, for the sweep
 *   "n"                 how many jobs are queued or running
 *   "d"                 how many finished jobs are kept
 * Times are 16 hex digits, so keys sort by time.  Every change of state
 * moves the job's index key in the same transaction as its record. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_store_bdb_int.h"
#include "tsr_jobs.h"

#define DBJ TSR_BDB_DB_JOBS
#define KEY_MAX (1 + 16 + TSR_JOB_ID_LEN + 1)

/* The counters' keys. */
#define ACTIVE "n"
#define DONE_KEPT "d"
static apr_size_t id_key(char *buf, char kind, const char *id)
{
    buf[0] = kind;
    memcpy(buf + 1, id, TSR_JOB_ID_LEN);
    return 1 + TSR_JOB_ID_LEN;
}

/* kind and a time: the first 17 bytes of a time key (NUL-terminated). */
static void time_prefix(char *buf, char kind, apr_time_t t)
{
    buf[0] = kind;
    apr_snprintf(buf + 1, 17, "%016" APR_UINT64_T_HEX_FMT,
                 (apr_uint64_t)(t < 0 ? 0 : t));
}

static apr_size_t time_key(char *buf, char kind, apr_time_t t,
                           const char *id)
{
    time_prefix(buf, kind, t);
    memcpy(buf + 17, id, TSR_JOB_ID_LEN);
    return 17 + TSR_JOB_ID_LEN;
}

/* The index key of job in its state. */
static apr_size_t state_key(char *buf, const tsr_job_t *job)
{
    switch (job->state) {
    case TSR_JOB_QUEUED:
        return time_key(buf, 'q', job->created, job->id);
    case TSR_JOB_RUNNING:
        return time_key(buf, 'l', job->lease, job->id);
    default:
        return time_key(buf, 'f', job->finished, job->id);
    }
}

static int put(bdb_t *b, DB_TXN *txn, const void *k, apr_size_t klen,
               const void *v, apr_size_t vlen)
{
    DB *db = tsr_bdb_db(b, DBJ);
    DBT key, data;

    tsr_bdb_dbt(&key, k, klen);
    tsr_bdb_dbt(&data, v, vlen);
    return db->put(db, txn, &key, &data, 0);
}

static int del(bdb_t *b, DB_TXN *txn, const void *k, apr_size_t klen)
{
    DB *db = tsr_bdb_db(b, DBJ);
    DBT key;
    int ret;

    tsr_bdb_dbt(&key, k, klen);
    ret = db->del(db, txn, &key, 0);
    return ret == DB_NOTFOUND ? 0 : ret;
}

/* Read k under a write lock, into p. */
static int get_rmw(bdb_t *b, DB_TXN *txn, apr_pool_t *p, const void *k,
                   apr_size_t klen, char **pval, apr_size_t *plen)
{
    DB *db = tsr_bdb_db(b, DBJ);
    DBT key, data;
    int ret;

    tsr_bdb_dbt(&key, k, klen);
    memset(&data, 0, sizeof(data));
    data.flags = DB_DBT_MALLOC;
    if ((ret = db->get(db, txn, &key, &data, DB_RMW)) != 0) {
        return ret;
    }
    *pval = apr_pmemdup(p, data.data, data.size);
    *plen = data.size;
    free(data.data);
    return 0;
}

/* Add delta to counter which (ACTIVE, DONE_KEPT); *pn (may be NULL)
 * gets its value. */
static int count(bdb_t *b, DB_TXN *txn, apr_pool_t *p, const char *which,
                 int delta, apr_uint64_t *pn)
{
    char *val;
    apr_size_t len;
    apr_uint64_t n = 0;
    char buf[32];
    int ret;

    ret = get_rmw(b, txn, p, which, 1, &val, &len);
    if (ret == 0 && len < sizeof(buf)) {
        memcpy(buf, val, len);
        buf[len] = '\0';
        n = apr_strtoi64(buf, NULL, 10);
    }
    else if (ret != 0 && ret != DB_NOTFOUND) {
        return ret;
    }
    if (delta < 0 && n < (apr_uint64_t)-delta) {
        n = 0;
    }
    else {
        n += (apr_int64_t)delta;
    }
    if (pn) {
        *pn = n;
    }
    if (delta == 0) {
        return 0;
    }
    len = (apr_size_t)apr_snprintf(buf, sizeof(buf), "%" APR_UINT64_T_FMT,
                                   n);
    return put(b, txn, which, 1, buf, len);
}

static int write_job(bdb_t *b, DB_TXN *txn, apr_pool_t *p,
                     const tsr_job_t *job)
{
    char k[KEY_MAX];
    apr_size_t len;
    const char *rec = tsr_job_encode(p, job, &len);
    int ret;

    if ((ret = put(b, txn, k, id_key(k, 'j', job->id), rec, len)) != 0) {
        return ret;
    }
    return put(b, txn, k, state_key(k, job), "", 0);
}

typedef struct create_op_t {
    apr_pool_t *p;
    const tsr_job_t *job;
    const char *input;
    apr_size_t len;
    apr_size_t max_active;
    int full;
} create_op_t;

static int create_step(bdb_t *b, DB_TXN *txn, void *baton)
{
    create_op_t *o = baton;
    apr_uint64_t n;
    char k[KEY_MAX];
    int ret;

    o->full = 0;
    if ((ret = count(b, txn, o->p, ACTIVE, 0, &n)) != 0) {
        return ret;
    }
    if (n >= o->max_active) {
        o->full = 1;
        return 0;
    }
    if ((ret = write_job(b, txn, o->p, o->job)) != 0
        || (ret = put(b, txn, k, id_key(k, 'i', o->job->id), o->input,
                      o->len)) != 0) {
        return ret;
    }
    return count(b, txn, o->p, ACTIVE, 1, NULL);
}

apr_status_t tsr_bdb_job_create(tsr_store_t *s, apr_pool_t *p,
                                const tsr_job_t *job, const char *input,
                                apr_size_t len, apr_size_t max_active)
{
    create_op_t o;
    apr_status_t rv;

    if (!tsr_job_id_valid(job->id) || job->state != TSR_JOB_QUEUED) {
        return APR_EINVAL;
    }
    memset(&o, 0, sizeof(o));
    o.p = p;
    o.job = job;
    o.input = input;
    o.len = len;
    o.max_active = max_active;
    rv = tsr_bdb_txn(tsr_bdb_of(s), create_step, &o, "job create");
    return rv == APR_SUCCESS && o.full ? TSR_EFULL : rv;
}

apr_status_t tsr_bdb_job_get(tsr_store_t *s, apr_pool_t *p, const char *id,
                             tsr_job_t **pjob)
{
    char k[KEY_MAX];
    const char *val;
    apr_size_t len;
    apr_status_t rv;

    if (!tsr_job_id_valid(id)) {
        return TSR_ENOTFOUND;
    }
    rv = tsr_bdb_get(tsr_bdb_of(s), p, DBJ, k, id_key(k, 'j', id), &val,
                     &len);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return tsr_job_decode(pjob, p, val, len) == APR_SUCCESS ? APR_SUCCESS
                                                            : APR_EGENERAL;
}

apr_status_t tsr_bdb_job_output(tsr_store_t *s, apr_pool_t *p,
                                const char *id, const char **pout,
                                apr_size_t *plen)
{
    char k[KEY_MAX];

    if (!tsr_job_id_valid(id)) {
        return TSR_ENOTFOUND;
    }
    return tsr_bdb_get(tsr_bdb_of(s), p, DBJ, k, id_key(k, 'o', id), pout,
                       plen);
}

/* Move job from the state it was read in (old) to the one it has now,
 * keeping the index and the counts with it.  A job that finishes lets go
 * of its input: only its output is read from then on. */
static int rewrite(bdb_t *b, DB_TXN *txn, apr_pool_t *p,
                   const tsr_job_t *old, const tsr_job_t *job)
{
    char k[KEY_MAX];
    int ret, was = old->state != TSR_JOB_FINISHED;
    int is = job->state != TSR_JOB_FINISHED;

    if ((ret = del(b, txn, k, state_key(k, old))) != 0
        || (ret = write_job(b, txn, p, job)) != 0) {
        return ret;
    }
    if (was == is) {
        return 0;
    }
    if ((ret = count(b, txn, p, ACTIVE, is ? 1 : -1, NULL)) != 0
        || (ret = count(b, txn, p, DONE_KEPT, is ? -1 : 1, NULL)) != 0) {
        return ret;
    }
    return is ? 0 : del(b, txn, k, id_key(k, 'i', job->id));
}

static int read_job(bdb_t *b, DB_TXN *txn, apr_pool_t *p, const char *id,
                    tsr_job_t **pjob)
{
    char k[KEY_MAX], *val;
    apr_size_t len;
    int ret;

    if ((ret = get_rmw(b, txn, p, k, id_key(k, 'j', id), &val, &len)) != 0) {
        return ret;
    }
    return tsr_job_decode(pjob, p, val, len) == APR_SUCCESS ? 0 : EINVAL;
}

typedef struct claim_op_t {
    apr_pool_t *p;
    const char *worker;
    apr_time_t now, lease;
    tsr_job_t *job;
    char *input;
    apr_size_t len;
} claim_op_t;

/* The id of the first job of index kind whose key passes take (NULL:
 * any), or NULL. */
static int first_of(bdb_t *b, DB_TXN *txn, claim_op_t *o, char kind,
                    int running, char **pid)
{
    DB *db = tsr_bdb_db(b, DBJ);
    char kbuf[KEY_MAX];
    DBT key, data;
    DBC *c;
    int ret, cret;

    *pid = NULL;
    if ((ret = db->cursor(db, txn, &c, 0)) != 0) {
        return ret;
    }
    tsr_bdb_prefix_dbt(&key, kbuf, sizeof(kbuf), kind);
    tsr_bdb_no_data(&data);
    for (ret = c->get(c, &key, &data, DB_SET_RANGE);
         ret == 0 && key.size == 17 + TSR_JOB_ID_LEN && kbuf[0] == kind;
         ret = c->get(c, &key, &data, DB_NEXT)) {
        char *id = apr_pstrmemdup(o->p, kbuf + 17, TSR_JOB_ID_LEN);
        tsr_job_t *j;

        if (!running) {
            *pid = id;
            break;
        }
        /* A running job is taken over when its lease has ended, or when
         * it was held under this worker's slot by someone else: holding
         * the slot now means that one is gone. */
        if ((ret = read_job(b, txn, o->p, id, &j)) != 0) {
            break;
        }
        if (j->lease < o->now
            || (tsr_job_worker_slot(j->worker)
                    == tsr_job_worker_slot(o->worker)
                && strcmp(j->worker ? j->worker : "", o->worker) != 0)) {
            *pid = id;
            break;
        }
    }
    cret = c->close(c);
    if (ret != 0 && ret != DB_NOTFOUND) {
        return ret;
    }
    return cret;
}

static int claim_step(bdb_t *b, DB_TXN *txn, void *baton)
{
    claim_op_t *o = baton;
    tsr_job_t *old, *j;
    char k[KEY_MAX], *id;
    int ret;

    o->job = NULL;
    if ((ret = first_of(b, txn, o, 'l', 1, &id)) != 0) {
        return ret;
    }
    if (id == NULL && (ret = first_of(b, txn, o, 'q', 0, &id)) != 0) {
        return ret;
    }
    if (id == NULL) {
        return 0;
    }
    if ((ret = read_job(b, txn, o->p, id, &old)) != 0) {
        return ret;
    }
    j = apr_pmemdup(o->p, old, sizeof(*old));
    j->state = TSR_JOB_RUNNING;
    j->worker = o->worker;
    j->lease = o->lease;
    j->started = j->started ? j->started : o->now;
    j->attempts++;
    if ((ret = rewrite(b, txn, o->p, old, j)) != 0
        || (ret = get_rmw(b, txn, o->p, k, id_key(k, 'i', id), &o->input,
                          &o->len)) != 0) {
        return ret;
    }
    o->job = j;
    return 0;
}

apr_status_t tsr_bdb_job_claim(tsr_store_t *s, apr_pool_t *p,
                               const char *worker, apr_time_t now,
                               apr_time_t lease, tsr_job_t **pjob,
                               const char **pinput, apr_size_t *plen)
{
    claim_op_t o;
    apr_status_t rv;

    if (tsr_job_worker_slot(worker) < 0) {
        return APR_EINVAL;
    }
    memset(&o, 0, sizeof(o));
    o.p = p;
    o.worker = worker;
    o.now = now;
    o.lease = lease;
    if ((rv = tsr_bdb_txn(tsr_bdb_of(s), claim_step, &o, "job claim"))
        != APR_SUCCESS) {
        return rv;
    }
    if (o.job == NULL) {
        return TSR_ENOTFOUND;
    }
    *pjob = o.job;
    *pinput = o.input;
    *plen = o.len;
    return APR_SUCCESS;
}

typedef struct update_op_t {
    apr_pool_t *p;
    const char *id;
    tsr_job_edit_fn *fn;
    void *baton;
    const char *output;
    apr_size_t outlen;
    apr_status_t refused;
} update_op_t;

static int update_step(bdb_t *b, DB_TXN *txn, void *baton)
{
    update_op_t *o = baton;
    tsr_job_t *old, *j;
    char k[KEY_MAX];
    int ret;

    o->refused = APR_SUCCESS;
    if ((ret = read_job(b, txn, o->p, o->id, &old)) != 0) {
        return ret;
    }
    j = apr_pmemdup(o->p, old, sizeof(*old));
    if ((o->refused = o->fn(o->baton, j)) != APR_SUCCESS) {
        return 0;                   /* nothing written: commits nothing */
    }
    j->id = old->id;                /* an edit cannot move a job */
    if ((ret = rewrite(b, txn, o->p, old, j)) != 0) {
        return ret;
    }
    if (o->output != NULL) {
        return put(b, txn, k, id_key(k, 'o', o->id), o->output, o->outlen);
    }
    return 0;
}

apr_status_t tsr_bdb_job_update(tsr_store_t *s, apr_pool_t *p,
                                const char *id, tsr_job_edit_fn *fn,
                                void *baton, const char *output,
                                apr_size_t outlen)
{
    update_op_t o;
    apr_status_t rv;

    if (!tsr_job_id_valid(id)) {
        return TSR_ENOTFOUND;
    }
    memset(&o, 0, sizeof(o));
    o.p = p;
    o.id = id;
    o.fn = fn;
    o.baton = baton;
    o.output = output;
    o.outlen = outlen;
    rv = tsr_bdb_txn(tsr_bdb_of(s), update_step, &o, "job update");
    return rv == APR_SUCCESS ? o.refused : rv;
}

typedef struct sweep_op_t {
    apr_pool_t *p;
    apr_time_t before;
    apr_uint64_t keep;          /* finished jobs kept at most */
    int max, n;
} sweep_op_t;

static int sweep_step(bdb_t *b, DB_TXN *txn, void *baton)
{
    sweep_op_t *o = baton;
    DB *db = tsr_bdb_db(b, DBJ);
    char kbuf[KEY_MAX], k[KEY_MAX], limit[18];
    apr_uint64_t kept;
    DBT key, data;
    DBC *c;
    int ret, cret;

    o->n = 0;
    time_prefix(limit, 'f', o->before);
    if ((ret = count(b, txn, o->p, DONE_KEPT, 0, &kept)) != 0
        || (ret = db->cursor(db, txn, &c, 0)) != 0) {
        return ret;
    }
    tsr_bdb_prefix_dbt(&key, kbuf, sizeof(kbuf), 'f');
    tsr_bdb_no_data(&data);
    for (ret = c->get(c, &key, &data, DB_SET_RANGE | DB_RMW);
         ret == 0 && o->n < o->max && key.size == 17 + TSR_JOB_ID_LEN
         && kbuf[0] == 'f'
         && (memcmp(kbuf, limit, 17) < 0
             || (kept > (apr_uint64_t)o->n
                 && kept - (apr_uint64_t)o->n > o->keep));
         ret = c->get(c, &key, &data, DB_NEXT | DB_RMW)) {
        const char *id = kbuf + 17;

        if ((ret = c->del(c, 0)) != 0
            || (ret = del(b, txn, k, id_key(k, 'j', id))) != 0
            || (ret = del(b, txn, k, id_key(k, 'i', id))) != 0
            || (ret = del(b, txn, k, id_key(k, 'o', id))) != 0) {
            break;
        }
        o->n++;
    }
    cret = c->close(c);
    if (ret != 0 && ret != DB_NOTFOUND) {
        return ret;
    }
    if (cret != 0 || o->n == 0) {
        return cret;
    }
    return count(b, txn, o->p, DONE_KEPT, -o->n, NULL);
}

apr_status_t tsr_bdb_job_sweep(tsr_store_t *s, apr_pool_t *p,
                               apr_time_t before, apr_uint64_t keep,
                               int max, int *pn)
{
    sweep_op_t o;
    apr_status_t rv;

    memset(&o, 0, sizeof(o));
    o.p = p;
    o.before = before;
    o.keep = keep;
    o.max = max;
    rv = tsr_bdb_txn(tsr_bdb_of(s), sweep_step, &o, "job sweep");
    if (pn) {
        *pn = rv == APR_SUCCESS ? o.n : 0;
    }
    return rv;
}
