/* tsr_store_dbd_jobs: the autorouting job queue in PostgreSQL, with the
 * semantics of Berkeley DB's (tsr_store_bdb_jobs.c).  One row per job:
 * its record (tsr_job_encode), input and output, and the columns the
 * queue is read by (state, created, lease, finished, the worker and its
 * slot), each state with a partial index in the order it is read in.
 * One counters row holds how many jobs are queued or running and how many
 * finished ones are kept: a create takes a place in it by one UPDATE that
 * checks the bound, so creates on several nodes never pass it together.
 * A claim takes its job with SKIP LOCKED, so workers of several nodes
 * each get a different one without waiting for each other. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_store_dbd_int.h"
#include "tsr_jobs.h"

/* Takes a place among the active jobs and inserts the job in one
 * statement: nothing is inserted when the bound is reached. */
static const tsr_dbd_sql_t create_sql = {
    "tsr_job_create",
    "WITH place AS (UPDATE tsr_job_counts SET active = active + 1 "
    " WHERE id = 1 AND active < %s::bigint RETURNING 1) "
    "INSERT INTO tsr_jobs (id, state, created, lease, finished, worker,"
    " worker_slot, rec, input) "
    "SELECT %s, 0, %s::bigint, 0, 0, NULL, -1, decode(%s, 'hex'),"
    " decode(%s, 'hex') FROM place RETURNING 1"
};
static const tsr_dbd_sql_t get_sql = {
    "tsr_job_get",
    "SELECT encode(rec, 'hex') FROM tsr_jobs WHERE id = %s"
};
static const tsr_dbd_sql_t output_sql = {
    "tsr_job_output",
    "SELECT encode(output, 'hex') FROM tsr_jobs WHERE id = %s"
    " AND output IS NOT NULL"
};
static const tsr_dbd_sql_t lock_sql = {
    "tsr_job_lock",
    "SELECT encode(rec, 'hex') FROM tsr_jobs WHERE id = %s FOR UPDATE"
};
/* A running job to take over: its lease ended, or its worker held the
 * claimer's slot (the slot's holder before is gone), first lease first. */
static const tsr_dbd_sql_t first_running_sql = {
    "tsr_job_first_running",
    "SELECT id, encode(rec, 'hex') FROM tsr_jobs WHERE state = 1"
    " AND (lease < %s::bigint"
    "  OR (worker_slot = %s::integer AND worker IS DISTINCT FROM %s))"
    " ORDER BY lease, id LIMIT 1 FOR UPDATE SKIP LOCKED"
};
static const tsr_dbd_sql_t first_queued_sql = {
    "tsr_job_first_queued",
    "SELECT id, encode(rec, 'hex') FROM tsr_jobs WHERE state = 0"
    " ORDER BY created, id LIMIT 1 FOR UPDATE SKIP LOCKED"
};
/* The job as fn or the claim left it: a job that finishes lets go of its
 * input; output is replaced when the flag says so.  Returns the input. */
static const tsr_dbd_sql_t write_sql = {
    "tsr_job_write",
    "UPDATE tsr_jobs SET state = %s::smallint, created = %s::bigint,"
    " lease = %s::bigint, finished = %s::bigint, worker = %s,"
    " worker_slot = %s::integer, rec = decode(%s, 'hex'),"
    " input = CASE WHEN %s::smallint = 2 THEN NULL ELSE input END,"
    " output = CASE WHEN %s::boolean THEN decode(%s, 'hex') ELSE output END"
    " WHERE id = %s RETURNING encode(input, 'hex')"
};
/* A job left the active ones for the finished (delta 1) or back. */
static const tsr_dbd_sql_t move_sql = {
    "tsr_job_move",
    "UPDATE tsr_job_counts SET active = greatest(active - %s::bigint, 0),"
    " kept = greatest(kept + %s::bigint, 0) WHERE id = 1"
};
static const tsr_dbd_sql_t kept_sql = {
    "tsr_job_kept",
    "SELECT kept FROM tsr_job_counts WHERE id = 1 FOR UPDATE"
};
static const tsr_dbd_sql_t oldest_finished_sql = {
    "tsr_job_oldest_finished",
    "SELECT id, finished FROM tsr_jobs WHERE state = 2"
    " ORDER BY finished, id LIMIT %s::bigint FOR UPDATE"
};
static const tsr_dbd_sql_t delete_sql = {
    "tsr_job_delete",
    "DELETE FROM tsr_jobs WHERE id = %s"
};
static const tsr_dbd_sql_t unkeep_sql = {
    "tsr_job_unkeep",
    "UPDATE tsr_job_counts SET kept = greatest(kept - %s::bigint, 0)"
    " WHERE id = 1"
};

static const char *num(apr_pool_t *p, apr_int64_t n)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, n);
}

/* Times as Berkeley DB's keys order them: none before 0. */
static const char *when(apr_pool_t *p, apr_time_t t)
{
    return num(p, t < 0 ? 0 : t);
}

apr_status_t tsr_dbd_job_create(tsr_store_t *s, apr_pool_t *p,
                                const tsr_job_t *job, const char *input,
                                apr_size_t len, apr_size_t max_active)
{
    apr_size_t rlen;
    const char *rec;
    const char *args[5];
    apr_array_header_t *rows;
    apr_status_t rv;

    if (!tsr_job_id_valid(job->id) || job->state != TSR_JOB_QUEUED) {
        return APR_EINVAL;
    }
    rec = tsr_job_encode(p, job, &rlen);
    args[0] = num(p, (apr_int64_t)max_active);
    args[1] = job->id;
    args[2] = when(p, job->created);
    args[3] = tsr_dbd_hex(p, rec, rlen);
    args[4] = tsr_dbd_hex(p, input, len);
    if ((rv = tsr_dbd_query(s, p, &create_sql, 5, args, &rows))
        != APR_SUCCESS) {
        return rv;
    }
    return rows->nelts ? APR_SUCCESS : TSR_EFULL;
}

apr_status_t tsr_dbd_job_get(tsr_store_t *s, apr_pool_t *p, const char *id,
                             tsr_job_t **pjob)
{
    const char *args[] = { id };
    const char *rec;
    apr_size_t len;
    apr_status_t rv;

    if (tsr_dbd_conn(s) == NULL) {
        return APR_ENOTIMPL;
    }
    if (!tsr_job_id_valid(id)) {
        return TSR_ENOTFOUND;
    }
    if ((rv = tsr_dbd_bytes(s, p, &get_sql, 1, args, &rec, &len))
        != APR_SUCCESS) {
        return rv;
    }
    return tsr_job_decode(pjob, p, rec, len) == APR_SUCCESS ? APR_SUCCESS
                                                            : APR_EGENERAL;
}

apr_status_t tsr_dbd_job_output(tsr_store_t *s, apr_pool_t *p,
                                const char *id, const char **pout,
                                apr_size_t *plen)
{
    const char *args[] = { id };

    if (tsr_dbd_conn(s) == NULL) {
        return APR_ENOTIMPL;
    }
    if (!tsr_job_id_valid(id)) {
        return TSR_ENOTFOUND;
    }
    return tsr_dbd_bytes(s, p, &output_sql, 1, args, pout, plen);
}

/* Write job (read as old in this transaction), keeping the counters with
 * its state; *pinput (may be NULL) gets its input back. */
static apr_status_t rewrite(tsr_store_t *s, apr_pool_t *p,
                            const tsr_job_t *old, const tsr_job_t *job,
                            const char *output, apr_size_t outlen,
                            const char **pinput, apr_size_t *plen)
{
    apr_size_t rlen;
    const char *rec = tsr_job_encode(p, job, &rlen);
    const char *args[] = {
        num(p, job->state), when(p, job->created), when(p, job->lease),
        when(p, job->finished), job->worker,
        num(p, job->state == TSR_JOB_RUNNING
               ? tsr_job_worker_slot(job->worker) : -1),
        tsr_dbd_hex(p, rec, rlen), num(p, job->state),
        output ? "true" : "false",
        output ? tsr_dbd_hex(p, output, outlen) : "",
        job->id
    };
    const char *hex = NULL;
    int was = old->state != TSR_JOB_FINISHED;
    int is = job->state != TSR_JOB_FINISHED;
    apr_status_t rv;

    rv = tsr_dbd_value(s, p, &write_sql, 11, args, &hex);
    if (rv == TSR_ENOTFOUND && pinput == NULL) {
        rv = APR_SUCCESS;           /* a finished job has no input */
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (pinput && (rv = tsr_dbd_unhex(p, hex, pinput, plen))
                  != APR_SUCCESS) {
        return rv;
    }
    if (was != is) {
        const char *margs[] = { is ? "-1" : "1", is ? "-1" : "1" };

        return tsr_dbd_query(s, p, &move_sql, 2, margs, NULL);
    }
    return APR_SUCCESS;
}

/* The first row of q as id and decoded job, or *pjob NULL. */
static apr_status_t first_job(tsr_store_t *s, apr_pool_t *p,
                              const tsr_dbd_sql_t *q, int nargs,
                              const char *const *args, tsr_job_t **pjob)
{
    apr_array_header_t *rows;
    const char *rec;
    apr_size_t len;
    char **r;
    apr_status_t rv;

    *pjob = NULL;
    if ((rv = tsr_dbd_query(s, p, q, nargs, args, &rows)) != APR_SUCCESS
        || rows->nelts == 0) {
        return rv;
    }
    r = APR_ARRAY_IDX(rows, 0, char **);
    if ((rv = tsr_dbd_unhex(p, r[1], &rec, &len)) != APR_SUCCESS) {
        return rv;
    }
    return tsr_job_decode(pjob, p, rec, len) == APR_SUCCESS ? APR_SUCCESS
                                                            : APR_EGENERAL;
}

apr_status_t tsr_dbd_job_claim(tsr_store_t *s, apr_pool_t *p,
                               const char *worker, apr_time_t now,
                               apr_time_t lease, tsr_job_t **pjob,
                               const char **pinput, apr_size_t *plen)
{
    apr_dbd_transaction_t *txn;
    const char *rargs[] = {
        when(p, now), num(p, tsr_job_worker_slot(worker)), worker
    };
    tsr_job_t *old = NULL, *j;
    apr_status_t rv;

    if (tsr_job_worker_slot(worker) < 0) {
        return APR_EINVAL;
    }
    if ((rv = tsr_dbd_begin(s, p, &txn)) != APR_SUCCESS) {
        return rv;
    }
    rv = first_job(s, p, &first_running_sql, 3, rargs, &old);
    if (rv == APR_SUCCESS && old == NULL) {
        rv = first_job(s, p, &first_queued_sql, 0, NULL, &old);
    }
    if (rv != APR_SUCCESS || old == NULL) {
        tsr_dbd_end(s, p, txn, 0);
        return rv == APR_SUCCESS ? TSR_ENOTFOUND : rv;
    }
    j = apr_pmemdup(p, old, sizeof(*old));
    j->state = TSR_JOB_RUNNING;
    j->worker = worker;
    j->lease = lease;
    j->started = j->started ? j->started : now;
    j->attempts++;
    if ((rv = rewrite(s, p, old, j, NULL, 0, pinput, plen))
        != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        return rv;
    }
    if ((rv = tsr_dbd_end(s, p, txn, 1)) != APR_SUCCESS) {
        return rv;
    }
    *pjob = j;
    return APR_SUCCESS;
}

apr_status_t tsr_dbd_job_update(tsr_store_t *s, apr_pool_t *p,
                                const char *id, tsr_job_edit_fn *fn,
                                void *baton, const char *output,
                                apr_size_t outlen)
{
    apr_dbd_transaction_t *txn;
    const char *args[] = { id };
    const char *rec;
    apr_size_t len;
    tsr_job_t *old, *j;
    apr_status_t rv;

    if (tsr_dbd_conn(s) == NULL) {
        return APR_ENOTIMPL;
    }
    if (!tsr_job_id_valid(id)) {
        return TSR_ENOTFOUND;
    }
    if ((rv = tsr_dbd_begin(s, p, &txn)) != APR_SUCCESS) {
        return rv;
    }
    rv = tsr_dbd_bytes(s, p, &lock_sql, 1, args, &rec, &len);
    if (rv == APR_SUCCESS && tsr_job_decode(&old, p, rec, len)
                             != APR_SUCCESS) {
        rv = APR_EGENERAL;
    }
    if (rv != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        return rv;
    }
    j = apr_pmemdup(p, old, sizeof(*old));
    if ((rv = fn(baton, j)) != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);  /* nothing written */
        return rv;
    }
    j->id = old->id;                /* an edit cannot move a job */
    if ((rv = rewrite(s, p, old, j, output, outlen, NULL, NULL))
        != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        return rv;
    }
    return tsr_dbd_end(s, p, txn, 1);
}

apr_status_t tsr_dbd_job_sweep(tsr_store_t *s, apr_pool_t *p,
                               apr_time_t before, apr_uint64_t keep,
                               int max, int *pn)
{
    apr_dbd_transaction_t *txn;
    apr_array_header_t *rows;
    const char *v, *margs[1];
    apr_uint64_t kept = 0;
    apr_time_t limit = before < 0 ? 0 : before;
    apr_status_t rv;
    int n = 0, i;

    if (pn) {
        *pn = 0;
    }
    if (tsr_dbd_conn(s) == NULL) {
        return APR_ENOTIMPL;
    }
    if (max <= 0) {
        return APR_SUCCESS;
    }
    if ((rv = tsr_dbd_begin(s, p, &txn)) != APR_SUCCESS) {
        return rv;
    }
    /* The counters' row first: sweepers on several nodes take turns. */
    rv = tsr_dbd_value(s, p, &kept_sql, 0, NULL, &v);
    margs[0] = num(p, max);
    if (rv == APR_SUCCESS) {
        kept = (apr_uint64_t)apr_atoi64(v);
        rv = tsr_dbd_query(s, p, &oldest_finished_sql, 1, margs, &rows);
    }
    /* Oldest first, while they finished before before or are more than
     * keep: the first that is neither ends the sweep. */
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts && n < max; i++) {
        char **r = APR_ARRAY_IDX(rows, i, char **);
        const char *dargs[] = { r[0] };

        if (!(apr_atoi64(r[1]) < limit
              || (kept > (apr_uint64_t)n && kept - (apr_uint64_t)n > keep))) {
            break;
        }
        if ((rv = tsr_dbd_query(s, p, &delete_sql, 1, dargs, NULL))
            == APR_SUCCESS) {
            n++;
        }
    }
    if (rv == APR_SUCCESS && n > 0) {
        margs[0] = num(p, n);
        rv = tsr_dbd_query(s, p, &unkeep_sql, 1, margs, NULL);
    }
    if (rv != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        return rv;
    }
    if ((rv = tsr_dbd_end(s, p, txn, 1)) == APR_SUCCESS && pn) {
        *pn = n;
    }
    return rv;
}
