/* tsr_store_bdb_tsci: tscircuit's registry table in Berkeley DB (one
 * database, tsci.db): a key-value view of one transaction, which
 * tsr_tsci*.c runs its whole work in. */
#include <stdlib.h>
#include <string.h>
#include "tsr_store_bdb_int.h"

static apr_status_t free_cleanup(void *data)
{
    free(data);
    return APR_SUCCESS;
}

typedef struct tsci_kv_t {
    bdb_t *b;
    DB_TXN *txn;
    int write;
    /* The library's answer that ended fn's work, so that the step hands
     * a deadlock to in_txn (which retries) rather than fn's caller. */
    int ret;
} tsci_kv_t;

/* Note a library failure (not "not found") and map it. */
static apr_status_t kv_fail(tsci_kv_t *t, int ret)
{
    if (ret != DB_NOTFOUND && ret != DB_KEYEXIST) {
        t->ret = ret;
    }
    return ret == DB_LOCK_DEADLOCK ? APR_EAGAIN
                                   : tsr_bdb_status(t->b, ret, "tscircuit table");
}

static apr_status_t kv_get(tsr_kv_t *kv, apr_pool_t *p, const void *k,
                           apr_size_t klen, const char **pval,
                           apr_size_t *plen)
{
    tsci_kv_t *t = kv->impl;
    DB *db = tsr_bdb_db(t->b, TSR_BDB_DB_TSCI);
    DBT key, data;
    int ret;

    tsr_bdb_dbt(&key, k, klen);
    memset(&data, 0, sizeof(data));
    data.flags = DB_DBT_MALLOC;
    /* A write's reads lock for writing: two writers of one record then
     * queue instead of deadlocking on the upgrade. */
    ret = db->get(db, t->txn, &key, &data, t->write ? DB_RMW : 0);
    if (ret != 0) {
        return kv_fail(t, ret);
    }
    apr_pool_cleanup_register(p, data.data, free_cleanup,
                              apr_pool_cleanup_null);
    *pval = data.data;
    *plen = data.size;
    return APR_SUCCESS;
}

static apr_status_t kv_put(tsr_kv_t *kv, const void *k, apr_size_t klen,
                           const void *v, apr_size_t vlen)
{
    tsci_kv_t *t = kv->impl;
    DB *db = tsr_bdb_db(t->b, TSR_BDB_DB_TSCI);
    DBT key, data;
    int ret;

    if (!t->write) {
        return APR_EINVAL;
    }
    tsr_bdb_dbt(&key, k, klen);
    tsr_bdb_dbt(&data, v, vlen);
    ret = db->put(db, t->txn, &key, &data, 0);
    return ret == 0 ? APR_SUCCESS : kv_fail(t, ret);
}

static apr_status_t kv_del(tsr_kv_t *kv, const void *k, apr_size_t klen)
{
    tsci_kv_t *t = kv->impl;
    DB *db = tsr_bdb_db(t->b, TSR_BDB_DB_TSCI);
    DBT key;
    int ret;

    if (!t->write) {
        return APR_EINVAL;
    }
    tsr_bdb_dbt(&key, k, klen);
    ret = db->del(db, t->txn, &key, 0);
    return ret == 0 || ret == DB_NOTFOUND ? APR_SUCCESS : kv_fail(t, ret);
}

static apr_status_t kv_scan(tsr_kv_t *kv, apr_pool_t *p, const void *prefix,
                            apr_size_t plen, tsr_kv_scan_fn *fn, void *baton)
{
    tsci_kv_t *t = kv->impl;
    DB *db = tsr_bdb_db(t->b, TSR_BDB_DB_TSCI);
    DBT key, data;
    DBC *c;
    apr_status_t rv = APR_SUCCESS;
    int ret, cret, flag = DB_SET_RANGE;

    if ((ret = db->cursor(db, t->txn, &c, 0)) != 0) {
        return kv_fail(t, ret);
    }
    memset(&key, 0, sizeof(key));
    key.size = (u_int32_t)plen;
    for (;;) {
        key.flags = DB_DBT_REALLOC;
        memset(&data, 0, sizeof(data));
        data.flags = DB_DBT_MALLOC;
        if (flag == DB_SET_RANGE) {
            /* The library may write the found key back into key.data:
             * hand it memory of its own. */
            void *own = malloc(plen ? plen : 1);

            memcpy(own, prefix, plen);
            key.data = own;
        }
        ret = c->get(c, &key, &data, flag | (t->write ? DB_RMW : 0));
        flag = DB_NEXT;
        if (ret != 0) {
            free(key.data);
            break;
        }
        if (key.size < plen || memcmp(key.data, prefix, plen) != 0) {
            free(key.data);
            free(data.data);
            ret = DB_NOTFOUND;
            break;
        }
        rv = fn(baton, key.data, key.size, data.data, data.size);
        free(data.data);
        if (rv != APR_SUCCESS) {
            free(key.data);
            break;
        }
    }
    cret = c->close(c);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (ret != 0 && ret != DB_NOTFOUND) {
        return kv_fail(t, ret);
    }
    return cret == 0 ? APR_SUCCESS : kv_fail(t, cret);
}

typedef struct tsci_op_t {
    tsr_kv_txn_fn *fn;
    void *baton;
    apr_pool_t *pool;
    int write;
    tsr_error_t **perr;
    apr_status_t refused;
} tsci_op_t;

static int tsci_step(bdb_t *b, DB_TXN *txn, void *baton)
{
    tsci_op_t *o = baton;
    tsci_kv_t t = { b, txn, o->write, 0 };
    tsr_kv_t kv = { &t, kv_get, kv_put, kv_del, kv_scan };
    apr_status_t rv;

    o->refused = APR_SUCCESS;
    if (o->perr != NULL) {
        *o->perr = NULL;            /* a retried attempt starts afresh */
    }
    rv = o->fn(o->baton, o->pool, &kv, o->perr);
    if (t.ret != 0) {
        return t.ret;               /* the library's: retried or mapped */
    }
    if (rv != APR_SUCCESS) {
        o->refused = rv;
        return DB_KEYEXIST;         /* any error: the caller knows why */
    }
    return 0;
}

apr_status_t tsr_bdb_tsci_txn(tsr_store_t *s, apr_pool_t *p, int write,
                                 tsr_kv_txn_fn *fn, void *baton,
                                 tsr_error_t **perr)
{
    tsci_op_t o = { fn, baton, p, write, perr, APR_SUCCESS };
    apr_status_t rv = tsr_bdb_txn(tsr_bdb_of(s), tsci_step, &o,
                                  "tscircuit write");

    if (o.refused != APR_SUCCESS) {
        if (perr != NULL && *perr == NULL) {
            return tsr_error_internal(perr, p, o.refused, "the tscircuit "
                                      "registry could not be read");
        }
        return o.refused;
    }
    if (rv != APR_SUCCESS) {
        return tsr_error_set(perr, p, 503, "store_unavailable", "the "
                             "tscircuit registry's store is unavailable, "
                             "try again");
    }
    return APR_SUCCESS;
}
