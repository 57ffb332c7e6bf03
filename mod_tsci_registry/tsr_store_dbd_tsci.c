/* tsr_store_dbd_tsci: tscircuit's registry table in PostgreSQL: one table
 * of bytea keys and values (bytea compares bytewise, so keys sort as
 * Berkeley DB's do), and the transaction tsr_tsci*.c runs its whole work
 * in.  A write transaction takes one lock for the whole table first: the
 * work reads several keys (indexes, names) that may not exist yet, which
 * no row lock can hold, and it must see every other node's write that
 * committed before it.  tscircuit's writes (a push, a release) are rare
 * next to its reads, so serialising them costs nothing that matters.  A
 * read transaction is REPEATABLE READ: every read sees one snapshot. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_store_dbd_int.h"

/* Class 4: tscircuit's table (2 is organisations', 3 packages'). */
static const tsr_dbd_sql_t lock_sql = {
    "tsr_tsci_lock",
    "SELECT 1 FROM pg_advisory_xact_lock(4, 0)"
};
static const tsr_dbd_sql_t get_sql = {
    "tsr_tsci_get",
    "SELECT encode(value, 'hex') FROM tsr_tsci WHERE key = decode(%s, 'hex')"
};
static const tsr_dbd_sql_t put_sql = {
    "tsr_tsci_put",
    "INSERT INTO tsr_tsci (key, value) "
    "VALUES (decode(%s, 'hex'), decode(%s, 'hex')) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
};
static const tsr_dbd_sql_t del_sql = {
    "tsr_tsci_del",
    "DELETE FROM tsr_tsci WHERE key = decode(%s, 'hex')"
};
/* Keys from prefix up to (not including) the first key past every key
 * that starts with it: the index is read for that range alone. */
static const tsr_dbd_sql_t range_sql = {
    "tsr_tsci_range",
    "SELECT encode(key, 'hex'), encode(value, 'hex') FROM tsr_tsci "
    "WHERE key >= decode(%s, 'hex') AND key < decode(%s, 'hex') "
    "ORDER BY key"
};
/* A prefix of 0xff bytes only (or none) has no such bound. */
static const tsr_dbd_sql_t from_sql = {
    "tsr_tsci_from",
    "SELECT encode(key, 'hex'), encode(value, 'hex') FROM tsr_tsci "
    "WHERE key >= decode(%s, 'hex') ORDER BY key"
};

apr_status_t tsr_dbd_key_bound(apr_pool_t *p, const void *prefix,
                               apr_size_t plen, const char **phex)
{
    unsigned char *b = apr_pmemdup(p, prefix, plen ? plen : 1);
    apr_size_t n = plen;

    /* The smallest string greater than every one that starts with
     * prefix: drop trailing 0xff bytes, add one to the last byte. */
    while (n > 0 && b[n - 1] == 0xff) {
        n--;
    }
    if (n == 0) {
        return TSR_ENOTFOUND;
    }
    b[n - 1]++;
    *phex = tsr_dbd_hex(p, b, n);
    return APR_SUCCESS;
}

typedef struct dbd_kv_t {
    tsr_store_t *s;
    int write;
    /* A statement failed (not "nothing there"): the whole transaction is
     * the store's failure, whatever fn made of it. */
    apr_status_t failed;
} dbd_kv_t;

static apr_status_t note(dbd_kv_t *t, apr_status_t rv)
{
    if (rv != APR_SUCCESS && rv != TSR_ENOTFOUND && t->failed == APR_SUCCESS) {
        t->failed = rv;
    }
    return rv;
}

static apr_status_t kv_get(tsr_kv_t *kv, apr_pool_t *p, const void *k,
                           apr_size_t klen, const char **pval,
                           apr_size_t *plen)
{
    dbd_kv_t *t = kv->impl;
    const char *args[] = { tsr_dbd_hex(p, k, klen) };

    return note(t, tsr_dbd_bytes(t->s, p, &get_sql, 1, args, pval, plen));
}

static apr_status_t kv_put(tsr_kv_t *kv, const void *k, apr_size_t klen,
                           const void *v, apr_size_t vlen)
{
    dbd_kv_t *t = kv->impl;
    apr_pool_t *p;
    apr_status_t rv;

    if (!t->write) {
        return APR_EINVAL;
    }
    apr_pool_create(&p, NULL);
    {
        const char *args[] = { tsr_dbd_hex(p, k, klen),
                               tsr_dbd_hex(p, v, vlen) };

        rv = tsr_dbd_query(t->s, p, &put_sql, 2, args, NULL);
    }
    apr_pool_destroy(p);
    return note(t, rv);
}

static apr_status_t kv_del(tsr_kv_t *kv, const void *k, apr_size_t klen)
{
    dbd_kv_t *t = kv->impl;
    apr_pool_t *p;
    apr_status_t rv;

    if (!t->write) {
        return APR_EINVAL;
    }
    apr_pool_create(&p, NULL);
    {
        const char *args[] = { tsr_dbd_hex(p, k, klen) };

        rv = tsr_dbd_query(t->s, p, &del_sql, 1, args, NULL);
    }
    apr_pool_destroy(p);
    return note(t, rv);
}

static apr_status_t kv_scan(tsr_kv_t *kv, apr_pool_t *p, const void *prefix,
                            apr_size_t plen, tsr_kv_scan_fn *fn, void *baton)
{
    dbd_kv_t *t = kv->impl;
    const char *args[2];
    apr_array_header_t *rows;
    apr_pool_t *sub;
    apr_status_t rv;
    int i;

    apr_pool_create(&sub, p);
    args[0] = tsr_dbd_hex(sub, prefix, plen);
    if (tsr_dbd_key_bound(sub, prefix, plen, &args[1]) == APR_SUCCESS) {
        rv = tsr_dbd_query(t->s, sub, &range_sql, 2, args, &rows);
    }
    else {
        rv = tsr_dbd_query(t->s, sub, &from_sql, 1, args, &rows);
    }
    for (i = 0; rv == APR_SUCCESS && i < rows->nelts; i++) {
        char **r = APR_ARRAY_IDX(rows, i, char **);
        const char *key, *val;
        apr_size_t klen, vlen;

        if ((rv = tsr_dbd_unhex(sub, r[0], &key, &klen)) != APR_SUCCESS
            || (rv = tsr_dbd_unhex(sub, r[1], &val, &vlen)) != APR_SUCCESS) {
            note(t, rv);
            break;
        }
        /* fn's status stops the scan and is the scan's, not a failure of
         * the store. */
        if ((rv = fn(baton, key, klen, val, vlen)) != APR_SUCCESS) {
            apr_pool_destroy(sub);
            return rv;
        }
    }
    apr_pool_destroy(sub);
    return note(t, rv);
}

/* A statement apr_dbd cannot prepare (SET TRANSACTION), on the session's
 * connection. */
static apr_status_t exec(tsr_store_t *s, const char *sql)
{
    tsr_dbd_conn_t *c = tsr_dbd_conn(s);
    int n = 0;

    return c && apr_dbd_query(c->driver, c->handle, &n, sql) == 0
           ? APR_SUCCESS : APR_EGENERAL;
}

apr_status_t tsr_dbd_tsci_txn(tsr_store_t *s, apr_pool_t *p, int write,
                              tsr_kv_txn_fn *fn, void *baton,
                              tsr_error_t **perr)
{
    dbd_kv_t t = { s, write, APR_SUCCESS };
    tsr_kv_t kv = { &t, kv_get, kv_put, kv_del, kv_scan };
    apr_dbd_transaction_t *txn;
    apr_status_t rv;

    if (tsr_dbd_conn(s) == NULL) {
        return APR_ENOTIMPL;
    }
    if ((rv = tsr_dbd_begin(s, p, &txn)) != APR_SUCCESS) {
        goto unavailable;
    }
    /* First in the transaction, before any read takes its snapshot. */
    if (write) {
        rv = tsr_dbd_query(s, p, &lock_sql, 0, NULL, NULL);
    }
    else {
        rv = exec(s, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, "
                  "READ ONLY");
    }
    if (rv != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        goto unavailable;
    }
    if (perr != NULL) {
        *perr = NULL;
    }
    rv = fn(baton, p, &kv, perr);
    if (t.failed != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        goto unavailable;
    }
    if (rv != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        if (perr != NULL && *perr == NULL) {
            return tsr_error_internal(perr, p, rv, "the tscircuit "
                                      "registry could not be read");
        }
        return rv;
    }
    if ((rv = tsr_dbd_end(s, p, txn, 1)) == APR_SUCCESS) {
        return APR_SUCCESS;
    }

unavailable:
    return tsr_error_set(perr, p, 503, "store_unavailable", "the "
                         "tscircuit registry's store is unavailable, try "
                         "again");
}
