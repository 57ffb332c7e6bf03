/* tsr_store_dbd_logins: sign-ins under way (web logins) in PostgreSQL,
 * with the semantics of Berkeley DB's: a record by id with its owner and
 * expiry, bounded per owner and in all, missing once expired.
 *
 * Creates take one lock (so that creates on several nodes never pass a
 * bound together), remove the owner's expired records, and, when the
 * bound in all is reached, remove expired records of anyone before
 * counting again: the sweep is done by the writes that need the room.
 * Apache's upkeep runs on the process handle, which has no connection
 * under this provider, so it cannot be what sweeps; maintain on a session
 * (a tool's, a test's) sweeps all the same. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "tsr_store_dbd_int.h"

/* How many expired sign-ins one statement of the sweep removes. */
#define SWEEP_BATCH 256
/* Berkeley DB's key size: the same ids and owners are accepted. */
#define KEY_MAX 512

/* Class 5: sign-ins (2 organisations, 3 packages, 4 tscircuit). */
static const tsr_dbd_sql_t lock_sql = {
    "tsr_login_lock",
    "SELECT 1 FROM pg_advisory_xact_lock(5, 0)"
};
static const tsr_dbd_sql_t owner_sweep_sql = {
    "tsr_login_owner_sweep",
    "DELETE FROM tsr_logins WHERE owner = %s AND expires <= %s::bigint"
};
static const tsr_dbd_sql_t counts_sql = {
    "tsr_login_counts",
    "SELECT (SELECT count(*) FROM tsr_logins WHERE owner = %s),"
    " (SELECT count(*) FROM tsr_logins)"
};
static const tsr_dbd_sql_t sweep_sql = {
    "tsr_login_sweep",
    "WITH gone AS (DELETE FROM tsr_logins WHERE id IN (SELECT id"
    " FROM tsr_logins WHERE expires <= %s::bigint ORDER BY expires"
    " LIMIT %s::bigint) RETURNING 1) SELECT count(*) FROM gone"
};
static const tsr_dbd_sql_t insert_sql = {
    "tsr_login_insert",
    "INSERT INTO tsr_logins (id, owner, expires, rec) "
    "VALUES (%s, %s, %s::bigint, decode(%s, 'hex')) "
    "ON CONFLICT (id) DO NOTHING RETURNING 1"
};
static const tsr_dbd_sql_t get_sql = {
    "tsr_login_get",
    "SELECT encode(rec, 'hex') FROM tsr_logins "
    "WHERE id = %s AND expires > %s::bigint"
};
static const tsr_dbd_sql_t get_lock_sql = {
    "tsr_login_get_lock",
    "SELECT encode(rec, 'hex') FROM tsr_logins "
    "WHERE id = %s AND expires > %s::bigint FOR UPDATE"
};
static const tsr_dbd_sql_t put_sql = {
    "tsr_login_put",
    "UPDATE tsr_logins SET rec = decode(%s, 'hex') WHERE id = %s"
};
static const tsr_dbd_sql_t del_sql = {
    "tsr_login_del",
    "DELETE FROM tsr_logins WHERE id = %s"
};

static int args_ok(const char *id, const char *owner)
{
    apr_size_t n = strlen(id), olen = owner ? strlen(owner) : 0;

    return n > 0 && olen < 256 && n + olen + 2 <= KEY_MAX;
}

static const char *num(apr_pool_t *p, apr_int64_t n)
{
    return apr_psprintf(p, "%" APR_INT64_T_FMT, n);
}

/* Remove up to a batch of expired sign-ins; *pn: how many went. */
static apr_status_t sweep(tsr_store_t *s, apr_pool_t *p, apr_time_t now,
                          int *pn)
{
    const char *args[] = { num(p, now), num(p, SWEEP_BATCH) };
    const char *v;
    apr_status_t rv = tsr_dbd_value(s, p, &sweep_sql, 2, args, &v);

    if (rv == APR_SUCCESS && pn) {
        *pn = atoi(v);
    }
    return rv;
}

apr_status_t tsr_dbd_login_create(tsr_store_t *s, apr_pool_t *p,
                                  const char *id, const char *owner,
                                  apr_time_t expires, const char *rec,
                                  apr_size_t len, apr_size_t max_total,
                                  apr_size_t max_owner)
{
    apr_dbd_transaction_t *txn;
    apr_time_t now = apr_time_now();
    const char *oargs[] = { owner, num(p, now) };
    const char *cargs[] = { owner };
    apr_array_header_t *rows;
    apr_uint64_t live = 0, total = 0;
    apr_status_t rv;
    int full = 0, swept = 0;

    if (!args_ok(id, owner)) {
        return APR_EINVAL;
    }
    if ((rv = tsr_dbd_begin(s, p, &txn)) != APR_SUCCESS) {
        return rv;
    }
    if ((rv = tsr_dbd_query(s, p, &lock_sql, 0, NULL, NULL)) != APR_SUCCESS
        || (rv = tsr_dbd_query(s, p, &owner_sweep_sql, 2, oargs, NULL))
               != APR_SUCCESS) {
        goto fail;
    }
    for (;;) {
        char **r;

        if ((rv = tsr_dbd_query(s, p, &counts_sql, 1, cargs, &rows))
            != APR_SUCCESS) {
            goto fail;
        }
        r = APR_ARRAY_IDX(rows, 0, char **);
        live = (apr_uint64_t)apr_atoi64(r[0]);
        total = (apr_uint64_t)apr_atoi64(r[1]);
        if (total < max_total || swept) {
            break;
        }
        /* Full in all: make room from what expired, then count again. */
        if ((rv = sweep(s, p, now, NULL)) != APR_SUCCESS) {
            goto fail;
        }
        swept = 1;
    }
    if (live >= max_owner || total >= max_total) {
        full = 1;
    }
    else {
        const char *args[] = { id, owner, num(p, expires),
                               tsr_dbd_hex(p, rec, len) };

        if ((rv = tsr_dbd_query(s, p, &insert_sql, 4, args, &rows))
            != APR_SUCCESS) {
            goto fail;
        }
        if (rows->nelts == 0) {
            tsr_dbd_end(s, p, txn, 0);
            return TSR_EEXISTS;
        }
    }
    /* Refused or not, the expired records removed stay removed. */
    if ((rv = tsr_dbd_end(s, p, txn, 1)) != APR_SUCCESS) {
        return rv;
    }
    return full ? TSR_EFULL : APR_SUCCESS;

fail:
    tsr_dbd_end(s, p, txn, 0);
    return rv;
}

apr_status_t tsr_dbd_login_get(tsr_store_t *s, apr_pool_t *p,
                               const char *id, const char **prec,
                               apr_size_t *plen)
{
    const char *args[] = { id, num(p, apr_time_now()) };

    if (tsr_dbd_conn(s) == NULL) {
        return APR_ENOTIMPL;
    }
    if (!args_ok(id, "")) {
        return TSR_ENOTFOUND;
    }
    return tsr_dbd_bytes(s, p, &get_sql, 2, args, prec, plen);
}

apr_status_t tsr_dbd_login_update(tsr_store_t *s, apr_pool_t *p,
                                  const char *id, tsr_record_update_fn *fn,
                                  void *baton, tsr_error_t **perr)
{
    apr_dbd_transaction_t *txn;
    const char *args[] = { id, num(p, apr_time_now()) };
    const char *cur, *next = NULL;
    apr_size_t len, next_len = 0;
    apr_status_t rv;

    if (tsr_dbd_conn(s) == NULL) {
        return APR_ENOTIMPL;
    }
    if (!args_ok(id, "")) {
        return TSR_ENOTFOUND;
    }
    if ((rv = tsr_dbd_begin(s, p, &txn)) != APR_SUCCESS) {
        return rv;
    }
    /* Expired: missing, as to a read, and fn is not called. */
    if ((rv = tsr_dbd_bytes(s, p, &get_lock_sql, 2, args, &cur, &len))
        != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        return rv;
    }
    if ((rv = fn(baton, p, cur, len, &next, &next_len, perr))
        != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        return rv;
    }
    if (next == NULL) {
        rv = tsr_dbd_query(s, p, &del_sql, 1, args, NULL);
    }
    else {
        const char *pargs[] = { tsr_dbd_hex(p, next, next_len), id };

        rv = tsr_dbd_query(s, p, &put_sql, 2, pargs, NULL);
    }
    if (rv != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        return rv;
    }
    return tsr_dbd_end(s, p, txn, 1);
}

apr_status_t tsr_dbd_logins_sweep(tsr_store_t *s, apr_pool_t *p)
{
    apr_time_t now = apr_time_now();
    apr_status_t rv;
    int n = SWEEP_BATCH;

    if (tsr_dbd_conn(s) == NULL) {
        return APR_SUCCESS;         /* no connection: the creates sweep */
    }
    /* A batch a statement, so no one statement holds many rows. */
    for (rv = APR_SUCCESS; rv == APR_SUCCESS && n == SWEEP_BATCH;) {
        rv = sweep(s, p, now, &n);
    }
    return rv;
}

/* ---- failed sign-ins, counted where every node sees them ----
 * One row per key (a user, an address): when its window started and how
 * many failures it holds.  A failure is one statement that starts a new
 * window when the old one has passed and counts one more otherwise, so
 * two nodes counting at once never lose one. */

static const tsr_dbd_sql_t fail_sql = {
    "tsr_login_fail",
    "INSERT INTO tsr_login_failures (key, started, failures) "
    "VALUES (%s, %s::bigint, 1) ON CONFLICT (key) DO UPDATE SET "
    "failures = CASE WHEN tsr_login_failures.started + %s::bigint "
    "<= excluded.started THEN 1 ELSE tsr_login_failures.failures + 1 END, "
    "started = CASE WHEN tsr_login_failures.started + %s::bigint "
    "<= excluded.started THEN excluded.started "
    "ELSE tsr_login_failures.started END "
    "RETURNING failures, started"
};
static const tsr_dbd_sql_t failures_sql = {
    "tsr_login_failures",
    "SELECT failures, started FROM tsr_login_failures WHERE key = %s"
};
static const tsr_dbd_sql_t forget_sql = {
    "tsr_login_forget",
    "DELETE FROM tsr_login_failures WHERE key = %s"
};
/* Windows long passed go a few at a time with the failures that come. */
static const tsr_dbd_sql_t failures_sweep_sql = {
    "tsr_login_failures_sweep",
    "DELETE FROM tsr_login_failures WHERE key IN (SELECT key FROM"
    " tsr_login_failures WHERE started < %s::bigint LIMIT 16)"
};

apr_status_t tsr_dbd_login_failures(tsr_store_t *s, apr_pool_t *p,
                                    const char *key, int delta,
                                    apr_uint32_t now, apr_uint32_t window,
                                    apr_uint32_t *pfailures,
                                    apr_uint32_t *pwait)
{
    const char *snow = apr_psprintf(p, "%u", now);
    const char *swin = apr_psprintf(p, "%u", window);
    apr_array_header_t *rows;
    apr_uint32_t failures = 0, wait = 0;
    apr_status_t rv;

    if (delta < 0) {
        const char *args[] = { key };

        *pfailures = *pwait = 0;
        return tsr_dbd_query(s, p, &forget_sql, 1, args, NULL);
    }
    if (delta > 0) {
        const char *args[] = { key, snow, swin, swin };
        const char *old[] = {
            apr_psprintf(p, "%u", now > window ? now - window : 0)
        };

        rv = tsr_dbd_query(s, p, &fail_sql, 4, args, &rows);
        if (rv == APR_SUCCESS) {
            rv = tsr_dbd_query(s, p, &failures_sweep_sql, 1, old, NULL);
        }
    }
    else {
        const char *args[] = { key };

        rv = tsr_dbd_query(s, p, &failures_sql, 1, args, &rows);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (rows->nelts > 0) {
        char **row = APR_ARRAY_IDX(rows, 0, char **);
        apr_uint32_t started = (apr_uint32_t)apr_atoi64(row[1]);

        if (started + window > now) {
            failures = (apr_uint32_t)apr_atoi64(row[0]);
            wait = started + window - now;
        }
    }
    *pfailures = failures;
    *pwait = wait;
    return APR_SUCCESS;
}
