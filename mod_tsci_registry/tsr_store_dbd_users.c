/* tsr_store_dbd_users: the SQL provider's users, tokens (by the hex of
 * their SHA-256, listed by user through an index) and organisations. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_store_dbd_int.h"

static const tsr_dbd_sql_t user_get_sql = {
    "tsr_user_get",
    "SELECT encode(rec, 'hex') FROM tsr_users WHERE name = %s"
};
static const tsr_dbd_sql_t user_lock_sql = {
    "tsr_user_lock",
    "SELECT encode(rec, 'hex') FROM tsr_users WHERE name = %s FOR UPDATE"
};
static const tsr_dbd_sql_t user_create_sql = {
    "tsr_user_create",
    "INSERT INTO tsr_users (name, rec) VALUES (%s, decode(%s, 'hex')) "
    "ON CONFLICT (name) DO NOTHING RETURNING 1"
};
static const tsr_dbd_sql_t user_put_sql = {
    "tsr_user_put",
    "UPDATE tsr_users SET rec = decode(%s, 'hex') WHERE name = %s"
};
static const tsr_dbd_sql_t token_get_sql = {
    "tsr_token_get",
    "SELECT encode(rec, 'hex') FROM tsr_tokens WHERE key = %s"
};
static const tsr_dbd_sql_t token_put_sql = {
    "tsr_token_put",
    "INSERT INTO tsr_tokens (key, username, rec) "
    "VALUES (%s, %s, decode(%s, 'hex')) ON CONFLICT (key) "
    "DO UPDATE SET username = excluded.username, rec = excluded.rec"
};
/* The row is the token and its place in its user's list at once. */
static const tsr_dbd_sql_t token_delete_sql = {
    "tsr_token_delete",
    "DELETE FROM tsr_tokens WHERE key = %s"
};
static const tsr_dbd_sql_t token_list_sql = {
    "tsr_token_list",
    "SELECT key FROM tsr_tokens WHERE username = %s "
    "ORDER BY key COLLATE \"C\""
};
static const tsr_dbd_sql_t org_get_sql = {
    "tsr_org_get",
    "SELECT encode(rec, 'hex') FROM tsr_orgs WHERE name = %s"
};
static const tsr_dbd_sql_t org_put_sql = {
    "tsr_org_put",
    "INSERT INTO tsr_orgs (name, rec) VALUES (%s, decode(%s, 'hex')) "
    "ON CONFLICT (name) DO UPDATE SET rec = excluded.rec"
};
static const tsr_dbd_sql_t org_delete_sql = {
    "tsr_org_delete",
    "DELETE FROM tsr_orgs WHERE name = %s"
};
/* Serialises the writers of a record that may not exist yet (a row lock
 * needs a row): class 2 is organisations' (see tsr_store_dbd_packages.c
 * for packages'). */
static const tsr_dbd_sql_t org_lock_sql = {
    "tsr_org_lock",
    "SELECT 1 FROM pg_advisory_xact_lock(2, hashtext(%s))"
};

apr_status_t tsr_dbd_user_get(tsr_store_t *s, apr_pool_t *p,
                              const char *name, const char **prec,
                              apr_size_t *plen)
{
    const char *args[] = { name };

    return tsr_dbd_bytes(s, p, &user_get_sql, 1, args, prec, plen);
}

apr_status_t tsr_dbd_user_create(tsr_store_t *s, apr_pool_t *p,
                                 const char *name, const char *rec,
                                 apr_size_t len)
{
    const char *args[] = { name, tsr_dbd_hex(p, rec, len) };
    apr_array_header_t *rows;
    apr_status_t rv = tsr_dbd_query(s, p, &user_create_sql, 2, args, &rows);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    return rows->nelts ? APR_SUCCESS : TSR_EEXISTS;
}

/* Read a record under a lock, let fn decide, write what it says, in one
 * transaction, so that two updates of one record never lose each other.
 * A user must exist, and fn may not remove one. */
typedef struct record_kind_t {
    const tsr_dbd_sql_t *lock;      /* NULL: the read locks the row */
    const tsr_dbd_sql_t *get;
    const tsr_dbd_sql_t *put;       /* args: name, hex (org) */
    const tsr_dbd_sql_t *del;       /* NULL: fn may not remove */
    int is_user;
} record_kind_t;

static apr_status_t record_update(tsr_store_t *s, apr_pool_t *p,
                                  const record_kind_t *k, const char *name,
                                  tsr_record_update_fn *fn, void *baton,
                                  tsr_error_t **perr)
{
    apr_dbd_transaction_t *txn;
    const char *args[2] = { name, NULL };
    const char *cur = NULL, *next = NULL;
    apr_size_t len = 0, next_len = 0;
    apr_status_t rv;

    if ((rv = tsr_dbd_begin(s, p, &txn)) != APR_SUCCESS) {
        goto unavailable;
    }
    if (k->lock && (rv = tsr_dbd_query(s, p, k->lock, 1, args, NULL))
                       != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        goto unavailable;
    }
    rv = tsr_dbd_bytes(s, p, k->get, 1, args, &cur, &len);
    if (rv == TSR_ENOTFOUND && k->is_user) {
        tsr_dbd_end(s, p, txn, 0);
        return TSR_ENOTFOUND;
    }
    if (rv != APR_SUCCESS && rv != TSR_ENOTFOUND) {
        tsr_dbd_end(s, p, txn, 0);
        goto unavailable;
    }
    if (rv == TSR_ENOTFOUND) {
        cur = NULL;
        len = 0;
    }
    rv = fn(baton, p, cur, len, &next, &next_len, perr);
    if (rv == APR_SUCCESS && next == NULL && k->del == NULL) {
        rv = tsr_error_set(perr, p, 400, NULL, "a user is removed by "
                           "deleting it, not by updating it");
    }
    if (rv != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        return rv;
    }
    if (next == NULL) {
        rv = tsr_dbd_query(s, p, k->del, 1, args, NULL);
    }
    else if (k->is_user) {
        const char *uargs[] = { tsr_dbd_hex(p, next, next_len), name };

        rv = tsr_dbd_query(s, p, k->put, 2, uargs, NULL);
    }
    else {
        args[1] = tsr_dbd_hex(p, next, next_len);
        rv = tsr_dbd_query(s, p, k->put, 2, args, NULL);
    }
    if (rv != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        goto unavailable;
    }
    if ((rv = tsr_dbd_end(s, p, txn, 1)) == APR_SUCCESS) {
        return APR_SUCCESS;
    }

unavailable:
    if (rv == APR_ENOTIMPL) {
        return rv;
    }
    return tsr_error_set(perr, p, 503, NULL, "the registry store is "
                         "unavailable, try again");
}

static const record_kind_t users = {
    NULL, &user_lock_sql, &user_put_sql, NULL, 1
};
static const record_kind_t orgs = {
    &org_lock_sql, &org_get_sql, &org_put_sql, &org_delete_sql, 0
};

apr_status_t tsr_dbd_user_update(tsr_store_t *s, apr_pool_t *p,
                                 const char *name, tsr_record_update_fn *fn,
                                 void *baton, tsr_error_t **perr)
{
    return record_update(s, p, &users, name, fn, baton, perr);
}

apr_status_t tsr_dbd_org_get(tsr_store_t *s, apr_pool_t *p,
                             const char *name, const char **prec,
                             apr_size_t *plen)
{
    const char *args[] = { name };

    return tsr_dbd_bytes(s, p, &org_get_sql, 1, args, prec, plen);
}

apr_status_t tsr_dbd_org_update(tsr_store_t *s, apr_pool_t *p,
                                const char *name, tsr_record_update_fn *fn,
                                void *baton, tsr_error_t **perr)
{
    return record_update(s, p, &orgs, name, fn, baton, perr);
}

/* A token and its place in the user's list are one row: one statement is
 * one transaction. */
apr_status_t tsr_dbd_token_put(tsr_store_t *s, apr_pool_t *p,
                               const unsigned char key[32],
                               const char *user, const char *rec,
                               apr_size_t len)
{
    const char *args[] = { tsr_dbd_hex(p, key, 32), user,
                           tsr_dbd_hex(p, rec, len) };

    return tsr_dbd_query(s, p, &token_put_sql, 3, args, NULL);
}

apr_status_t tsr_dbd_token_get(tsr_store_t *s, apr_pool_t *p,
                               const unsigned char key[32],
                               const char **prec, apr_size_t *plen)
{
    const char *args[] = { tsr_dbd_hex(p, key, 32) };

    return tsr_dbd_bytes(s, p, &token_get_sql, 1, args, prec, plen);
}

apr_status_t tsr_dbd_token_delete(tsr_store_t *s, apr_pool_t *p,
                                  const unsigned char key[32],
                                  const char *user)
{
    const char *args[] = { tsr_dbd_hex(p, key, 32) };

    (void)user;
    return tsr_dbd_query(s, p, &token_delete_sql, 1, args, NULL);
}

apr_status_t tsr_dbd_token_list(tsr_store_t *s, apr_pool_t *p,
                                const char *user,
                                apr_array_header_t **pkeys)
{
    const char *args[] = { user };
    apr_array_header_t *hexes, *keys;
    apr_status_t rv = tsr_dbd_names(s, p, &token_list_sql, 1, args, &hexes);
    int i;

    if (rv != APR_SUCCESS) {
        return rv;
    }
    keys = apr_array_make(p, hexes->nelts ? hexes->nelts : 1, 32);
    for (i = 0; i < hexes->nelts; i++) {
        const char *k;
        apr_size_t klen;

        if (tsr_dbd_unhex(p, APR_ARRAY_IDX(hexes, i, const char *), &k,
                          &klen) == APR_SUCCESS && klen == 32) {
            memcpy(apr_array_push(keys), k, 32);
        }
    }
    *pkeys = keys;
    return APR_SUCCESS;
}
