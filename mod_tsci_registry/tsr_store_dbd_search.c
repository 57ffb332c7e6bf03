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
#include "tsr_search_posting.h"

static const tsr_dbd_sql_t postings_del_sql = {
    "tsr_postings_del",
    "DELETE FROM tsr_search_postings WHERE name = %s"
};
/* Terms and their briefs (tsr_search_posting.h) as hex, separated by
 * commas (which no hex holds), in the same order. */
static const tsr_dbd_sql_t postings_add_sql = {
    "tsr_postings_add",
    "INSERT INTO tsr_search_postings (term, name, brief) "
    "SELECT decode(t, 'hex'), %s, decode(b, 'hex') "
    "FROM unnest(string_to_array(%s, ','), string_to_array(%s, ',')) "
    "AS x(t, b) ON CONFLICT DO NOTHING"
};
/* Each row: the name, the brief as hex (NULL in a row written before
 * briefs), the length of its term (the asked one's: an exact match). */
static const tsr_dbd_sql_t term_sql = {
    "tsr_postings_term",
    "SELECT name, encode(brief, 'hex'), octet_length(term) "
    "FROM tsr_search_postings WHERE term = decode(%s, 'hex')"
};
static const tsr_dbd_sql_t range_sql = {
    "tsr_postings_range",
    "SELECT name, encode(brief, 'hex'), octet_length(term) "
    "FROM tsr_search_postings "
    "WHERE term >= decode(%s, 'hex') AND term < decode(%s, 'hex')"
};
static const tsr_dbd_sql_t from_sql = {
    "tsr_postings_from",
    "SELECT name, encode(brief, 'hex'), octet_length(term) "
    "FROM tsr_search_postings WHERE term >= decode(%s, 'hex')"
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
    const char *args[3] = { name, NULL, NULL };
    tsr_search_entry_t e;
    tsr_search_places_t *places;
    unsigned char brief[TSR_SEARCH_BRIEF_LEN];
    const char *t;
    char *terms, *briefs, *at, *bt;
    apr_size_t n = 0, k = 0;
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
        k++;
    }
    if (k == 0) {
        return APR_SUCCESS;
    }
    places = tsr_search_places_make(p, &e);
    at = terms = apr_palloc(p, n);
    bt = briefs = apr_palloc(p, k * (2 * TSR_SEARCH_BRIEF_LEN + 1));
    for (t = tsr_search_entry_next_term(&e, NULL); t;
         t = tsr_search_entry_next_term(&e, t)) {
        apr_size_t tl = strlen(t);

        if (at != terms) {
            *at++ = ',';
            *bt++ = ',';
        }
        memcpy(at, tsr_dbd_hex(p, t, tl), 2 * tl);
        at += 2 * tl;
        /* The row has the name: only the brief is kept beside it. */
        tsr_search_brief_make(brief, &e, places, t);
        memcpy(bt, tsr_dbd_hex(p, brief, TSR_SEARCH_BRIEF_LEN),
               2 * TSR_SEARCH_BRIEF_LEN);
        bt += 2 * TSR_SEARCH_BRIEF_LEN;
    }
    *at = '\0';
    *bt = '\0';
    args[1] = terms;
    args[2] = briefs;
    return tsr_dbd_query(s, p, &postings_add_sql, 3, args, NULL);
}

/* Rows of name, brief (hex or NULL) and term length as postings. */
static apr_status_t postings_of(tsr_store_t *s, apr_pool_t *p,
                                const tsr_dbd_sql_t *q, int nargs,
                                const char *const *args, apr_size_t tlen,
                                apr_array_header_t **pposts)
{
    apr_array_header_t *rows, *posts;
    apr_status_t rv = tsr_dbd_query(s, p, q, nargs, args, &rows);
    int i;

    if (rv != APR_SUCCESS) {
        return rv;
    }
    posts = apr_array_make(p, rows->nelts ? rows->nelts : 1,
                           sizeof(tsr_search_posting_t));
    for (i = 0; i < rows->nelts; i++) {
        char **row = APR_ARRAY_IDX(rows, i, char **);
        tsr_search_posting_t *o;
        const char *brief;
        apr_size_t blen;

        if (row[0] == NULL || *row[0] == '\0') {
            continue;               /* no name: names nothing */
        }
        o = apr_array_push(posts);
        memset(o, 0, sizeof(*o));
        o->name = row[0];
        if (row[1] && *row[1]
            && tsr_dbd_unhex(p, row[1], &brief, &blen) == APR_SUCCESS) {
            tsr_search_brief_decode(o, (const unsigned char *)brief, blen);
        }
        o->exact = row[2] && (apr_size_t)apr_atoi64(row[2]) == tlen;
    }
    *pposts = posts;
    return APR_SUCCESS;
}

apr_status_t tsr_dbd_search_postings(tsr_store_t *s, apr_pool_t *p,
                                     const char *term, int prefix,
                                     apr_array_header_t **pposts)
{
    const char *args[2];
    apr_size_t tlen = strlen(term);

    args[0] = tsr_dbd_hex(p, term, tlen);
    if (!prefix) {
        return postings_of(s, p, &term_sql, 1, args, tlen, pposts);
    }
    if (tsr_dbd_key_bound(p, term, tlen, &args[1]) == APR_SUCCESS) {
        return postings_of(s, p, &range_sql, 2, args, tlen, pposts);
    }
    return postings_of(s, p, &from_sql, 1, args, tlen, pposts);
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
