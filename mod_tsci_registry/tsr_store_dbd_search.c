/* tsr_store_dbd_search: the search index's posting lists in PostgreSQL:
 * one row per term and package.  Terms are kept as bytea, which compares
 * bytewise, so a prefix is one index range (from the prefix to the first
 * string past all that start with it) whatever the database's collation.
 * Every package write replaces the package's rows in its own transaction
 * (tsr_store_dbd_packages.c calls tsr_dbd_search_index), so the lists are
 * always a function of the entries, as with Berkeley DB. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_store_dbd_int.h"
#include "tsr_search_entry.h"

static const tsr_dbd_sql_t postings_del_sql = {
    "tsr_postings_del",
    "DELETE FROM tsr_search_postings WHERE name = %s"
};
/* Terms as hex, separated by commas (which no hex holds). */
static const tsr_dbd_sql_t postings_add_sql = {
    "tsr_postings_add",
    "INSERT INTO tsr_search_postings (term, name) "
    "SELECT DISTINCT decode(t, 'hex'), %s "
    "FROM unnest(string_to_array(%s, ',')) AS t ON CONFLICT DO NOTHING"
};
static const tsr_dbd_sql_t term_sql = {
    "tsr_postings_term",
    "SELECT name FROM tsr_search_postings WHERE term = decode(%s, 'hex')"
};
static const tsr_dbd_sql_t range_sql = {
    "tsr_postings_range",
    "SELECT name FROM tsr_search_postings "
    "WHERE term >= decode(%s, 'hex') AND term < decode(%s, 'hex')"
};
static const tsr_dbd_sql_t from_sql = {
    "tsr_postings_from",
    "SELECT name FROM tsr_search_postings WHERE term >= decode(%s, 'hex')"
};
/* The rebuild: one package at a time under its writers' lock (class 3,
 * as tsr_store_dbd_packages.c takes it), so a publish meanwhile is
 * either before or after. */
static const tsr_dbd_sql_t package_lock_sql = {
    "tsr_search_package_lock",
    "SELECT 1 FROM pg_advisory_xact_lock(3, hashtext(%s))"
};
static const tsr_dbd_sql_t doc_sql = {
    "tsr_search_doc",
    "SELECT encode(doc, 'hex') FROM tsr_packages WHERE name = %s"
};
static const tsr_dbd_sql_t entry_put_sql = {
    "tsr_search_entry_put",
    "INSERT INTO tsr_search_entries (name, entry) "
    "VALUES (%s, decode(%s, 'hex')) ON CONFLICT (name) "
    "DO UPDATE SET entry = excluded.entry"
};
static const tsr_dbd_sql_t entry_del_sql = {
    "tsr_search_entry_del",
    "DELETE FROM tsr_search_entries WHERE name = %s"
};
static const tsr_dbd_sql_t packages_after_sql = {
    "tsr_search_packages_after",
    "SELECT name FROM tsr_packages WHERE name COLLATE \"C\" > %s "
    "ORDER BY name COLLATE \"C\" LIMIT %s::bigint"
};
/* What the index holds of packages that are gone. */
static const tsr_dbd_sql_t orphans_sql = {
    "tsr_search_orphans",
    "WITH e AS (DELETE FROM tsr_search_entries s WHERE NOT EXISTS"
    " (SELECT 1 FROM tsr_packages k WHERE k.name = s.name)),"
    " t AS (DELETE FROM tsr_search_postings s WHERE NOT EXISTS"
    " (SELECT 1 FROM tsr_packages k WHERE k.name = s.name)) SELECT 1"
};
static const tsr_dbd_sql_t indexed_sql = {
    "tsr_search_indexed",
    "SELECT count(*) FROM tsr_search_entries"
};

#define REBUILD_BATCH 256

apr_status_t tsr_dbd_search_index(tsr_store_t *s, apr_pool_t *p,
                                  const char *name, const char *blob,
                                  apr_size_t len)
{
    const char *args[2] = { name, NULL };
    tsr_search_entry_t e;
    const char *t;
    char *list, *at;
    apr_size_t n = 0;
    apr_status_t rv;

    if ((rv = tsr_dbd_query(s, p, &postings_del_sql, 1, args, NULL))
        != APR_SUCCESS) {
        return rv;
    }
    if (blob == NULL || tsr_search_entry_decode(&e, blob, len)
                        != APR_SUCCESS) {
        return APR_SUCCESS;         /* found by nothing */
    }
    for (t = tsr_search_entry_next_term(&e, NULL); t;
         t = tsr_search_entry_next_term(&e, t)) {
        n += 2 * strlen(t) + 1;
    }
    if (n == 0) {
        return APR_SUCCESS;
    }
    at = list = apr_palloc(p, n);
    for (t = tsr_search_entry_next_term(&e, NULL); t;
         t = tsr_search_entry_next_term(&e, t)) {
        apr_size_t tl = strlen(t);

        if (at != list) {
            *at++ = ',';
        }
        memcpy(at, tsr_dbd_hex(p, t, tl), 2 * tl);
        at += 2 * tl;
    }
    *at = '\0';
    args[1] = list;
    return tsr_dbd_query(s, p, &postings_add_sql, 2, args, NULL);
}

apr_status_t tsr_dbd_search_postings(tsr_store_t *s, apr_pool_t *p,
                                     const char *term, int prefix,
                                     apr_array_header_t **pnames)
{
    const char *args[2];

    args[0] = tsr_dbd_hex(p, term, strlen(term));
    if (!prefix) {
        return tsr_dbd_names(s, p, &term_sql, 1, args, pnames);
    }
    if (tsr_dbd_key_bound(p, term, strlen(term), &args[1]) == APR_SUCCESS) {
        return tsr_dbd_names(s, p, &range_sql, 2, args, pnames);
    }
    return tsr_dbd_names(s, p, &from_sql, 1, args, pnames);
}

/* name's entry and postings from its document, or none when it is gone. */
static apr_status_t reindex_one(tsr_store_t *s, apr_pool_t *p,
                                const char *name)
{
    apr_dbd_transaction_t *txn;
    const char *args[2] = { name, NULL };
    const char *doc, *blob = NULL;
    apr_size_t doc_len, len = 0;
    apr_status_t rv;

    if ((rv = tsr_dbd_begin(s, p, &txn)) != APR_SUCCESS) {
        return rv;
    }
    if ((rv = tsr_dbd_query(s, p, &package_lock_sql, 1, args, NULL))
        == APR_SUCCESS) {
        rv = tsr_dbd_bytes(s, p, &doc_sql, 1, args, &doc, &doc_len);
    }
    if (rv == APR_SUCCESS
        && tsr_search_entry_from_text(&blob, &len, p, doc, doc_len)
           != APR_SUCCESS) {
        blob = NULL;                /* unreadable: found by nothing */
    }
    if (rv == APR_SUCCESS || rv == TSR_ENOTFOUND) {
        if (blob) {
            args[1] = tsr_dbd_hex(p, blob, len);
            rv = tsr_dbd_query(s, p, &entry_put_sql, 2, args, NULL);
        }
        else {
            rv = tsr_dbd_query(s, p, &entry_del_sql, 1, args, NULL);
        }
    }
    if (rv == APR_SUCCESS) {
        rv = tsr_dbd_search_index(s, p, name, blob, len);
    }
    if (rv != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        return rv;
    }
    return tsr_dbd_end(s, p, txn, 1);
}

apr_status_t tsr_dbd_search_rebuild(tsr_store_t *s, apr_pool_t *p,
                                    apr_size_t *pcount)
{
    apr_pool_t *sub;
    apr_array_header_t *names;
    const char *after = "", *v;
    apr_status_t rv;
    int i;

    if (tsr_dbd_conn(s) == NULL) {
        return APR_ENOTIMPL;
    }
    apr_pool_create(&sub, p);
    do {
        const char *args[] = { after, apr_itoa(sub, REBUILD_BATCH) };

        if ((rv = tsr_dbd_names(s, sub, &packages_after_sql, 2, args,
                                &names)) != APR_SUCCESS) {
            break;
        }
        for (i = 0; rv == APR_SUCCESS && i < names->nelts; i++) {
            rv = reindex_one(s, sub, APR_ARRAY_IDX(names, i, const char *));
        }
        after = names->nelts ? apr_pstrdup(p, APR_ARRAY_IDX(names,
                                                            names->nelts - 1,
                                                            const char *))
                             : NULL;
        apr_pool_clear(sub);
    } while (rv == APR_SUCCESS && after != NULL);
    apr_pool_destroy(sub);
    if (rv == APR_SUCCESS) {
        rv = tsr_dbd_query(s, p, &orphans_sql, 0, NULL, NULL);
    }
    if (rv == APR_SUCCESS
        && (rv = tsr_dbd_value(s, p, &indexed_sql, 0, NULL, &v))
           == APR_SUCCESS) {
        *pcount = (apr_size_t)apr_atoi64(v);
    }
    return rv;
}
