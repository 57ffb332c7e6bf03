/* tsr_store_bdb_search: the search index on Berkeley DB.  search.db holds
 * each term's postings (sorted duplicates: the package's name, then its
 * brief, tsr_search_posting.h), search-entries.db each package's entry,
 * whose terms say which lists hold a posting of the package.  Every write
 * of a package document keeps both in its transaction
 * (tsr_bdb_search_set); a query reads the lists in bulk. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "tsr_store_bdb.h"
#include "tsr_store_bdb_int.h"
#include "tsr_search_entry.h"
#include "tsr_search_posting.h"

#define DB_PACKAGES TSR_BDB_DB_PACKAGES
#define DB_META TSR_BDB_DB_META
#define DB_SEARCH TSR_BDB_DB_SEARCH
#define DB_SEARCH_ENTRIES TSR_BDB_DB_SEARCH_ENTRIES

/* A DBT over buf (room bytes, the first len of them set): Berkeley DB
 * reads it, and writes what it returns there. */
static void set_user_dbt(DBT *d, void *buf, apr_size_t len, apr_size_t room)
{
    memset(d, 0, sizeof(*d));
    d->data = buf;
    d->size = (u_int32_t)len;
    d->ulen = (u_int32_t)room;
    d->flags = DB_DBT_USERMEM;
}

/* Room for a term or a package name read from the index: terms are at
 * most TSR_SEARCH_TERM_MAX bytes, names 214. */
#define INDEX_ITEM_MAX 1024

/* Bytes of postings read from Berkeley DB at once (bulk retrieval): one
 * cursor call for thousands of postings instead of one each, which is
 * most of a broad query's cost. */
#define POSTINGS_BULK (256 * 1024)

/* What a scan does with each posting it reads (value, len bytes) under a
 * key of klen bytes, asked for a term of tlen, the first of its key when
 * first is set: nonzero stops it. */
typedef int emit_fn(void *baton, const void *value, apr_size_t len,
                    apr_size_t klen, apr_size_t tlen, int first);

typedef struct gather_t {
    apr_array_header_t *posts;
    apr_pool_t *p;
} gather_t;

/* Add one posting to an array of them (a copy in the pool). */
static int gather(void *baton, const void *data, apr_size_t len,
                  apr_size_t klen, apr_size_t tlen, int first)
{
    gather_t *g = baton;
    tsr_search_posting_t *o = apr_array_push(g->posts);

    if (tsr_search_posting_decode(o, apr_pstrmemdup(g->p, data, len), len)
        != APR_SUCCESS) {
        g->posts->nelts--;          /* no name: names nothing */
        return 0;
    }
    o->exact = klen == tlen;
    return 0;
}

/* Hand one posting to a visitor, decoded where it lies in the bulk
 * buffer: a value with a brief has a NUL after its name already; one of
 * a name alone (from before briefs) is copied to put one there. */
static int visit(void *baton, const void *data, apr_size_t len,
                 apr_size_t klen, apr_size_t tlen, int first)
{
    tsr_search_visit_t *v = baton;
    tsr_search_posting_t o;
    char name[INDEX_ITEM_MAX];
    const char *value = data;

    if (first && v->term) {
        v->term(v->baton);          /* even when this one names nothing */
    }
    if (memchr(data, '\0', len) == NULL) {
        if (len >= sizeof(name)) {
            return 0;               /* no name is that long */
        }
        memcpy(name, data, len);
        name[len] = '\0';
        value = name;
    }
    if (tsr_search_posting_decode(&o, value, len) != APR_SUCCESS) {
        return 0;
    }
    o.exact = klen == tlen;
    return v->fn(v->baton, &o);
}

/* The postings under term (its duplicates), or under every term that
 * starts with it, read in bulk: DB_SET then DB_NEXT_DUP with
 * DB_MULTIPLE, or DB_SET_RANGE then DB_NEXT with DB_MULTIPLE_KEY while
 * the keys start with it; each handed to emit.  TSR_ESTOPPED when emit
 * stopped it. */
static int postings_scan(bdb_t *b, apr_pool_t *p, const char *term,
                         int prefix, emit_fn *emit, void *baton)
{
    apr_size_t tlen = strlen(term);
    char kbuf[INDEX_ITEM_MAX], last[INDEX_ITEM_MAX];
    void *bulk, *at, *k, *v;
    u_int32_t klen, vlen, last_len = 0;
    int first = 1, stop;
    DBT key, data;
    DBC *c;
    DB *db = tsr_bdb_db(b, DB_SEARCH);
    int ret, cret, done = 0, stopped = 0;

    if (tlen >= sizeof(kbuf)) {
        return 0;                   /* no term is that long */
    }
    /* From the pool, not malloc: a buffer this large would be mapped
     * and unmapped, its pages faulted in, on every query (a search's
     * pool keeps what it freed for the next one). */
    bulk = apr_palloc(p, POSTINGS_BULK);
    if ((ret = db->cursor(db, NULL, &c, 0)) != 0) {
        return ret;
    }
    memcpy(kbuf, term, tlen);
    set_user_dbt(&key, kbuf, tlen, sizeof(kbuf));
    set_user_dbt(&data, bulk, 0, POSTINGS_BULK);
    ret = c->get(c, &key, &data, prefix ? DB_SET_RANGE | DB_MULTIPLE_KEY
                                        : DB_SET | DB_MULTIPLE);
    for (; ret == 0 && !done;
         ret = done ? 0 : c->get(c, &key, &data,
                                 prefix ? DB_NEXT | DB_MULTIPLE_KEY
                                        : DB_NEXT_DUP | DB_MULTIPLE)) {
        DB_MULTIPLE_INIT(at, &data);
        while (at != NULL) {
            if (prefix) {
                DB_MULTIPLE_KEY_NEXT(at, &data, k, klen, v, vlen);
                if (at == NULL) {
                    break;
                }
                if (klen < tlen || memcmp(k, term, tlen) != 0) {
                    done = 1;       /* past the terms that start so */
                    break;
                }
                if (klen != last_len || memcmp(k, last, klen) != 0) {
                    first = 1;      /* the next term's list begins */
                    last_len = klen < sizeof(last) ? klen : 0;
                    memcpy(last, k, last_len);
                }
            }
            else {
                DB_MULTIPLE_NEXT(at, &data, v, vlen);
                if (at == NULL) {
                    break;
                }
                klen = (u_int32_t)tlen;
            }
            stop = emit(baton, v, vlen, klen, tlen, first);
            first = 0;
            if (stop) {
                done = stopped = 1;
                break;
            }
        }
    }
    cret = c->close(c);
    if (ret != 0 && ret != DB_NOTFOUND) {
        return ret;
    }
    return cret != 0 ? cret : stopped ? TSR_ESTOPPED : 0;
}

apr_status_t tsr_bdb_search_postings(tsr_store_t *s, apr_pool_t *p,
                                     const char *term, int prefix,
                                     apr_array_header_t **pposts)
{
    bdb_t *b = tsr_bdb_of(s);
    gather_t g = { apr_array_make(p, 16, sizeof(tsr_search_posting_t)), p };
    int ret, i;

    if (tsr_bdb_broken(b)) {
        return TSR_EBROKEN;
    }
    /* A read outside a transaction can still be a deadlock's victim,
     * among the writes that change these lists: it starts again. */
    for (i = 0; i < TSR_BDB_MAX_RETRIES; i++) {
        g.posts->nelts = 0;
        ret = postings_scan(b, p, term, prefix, gather, &g);
        if (!tsr_bdb_retryable(ret)) {
            break;
        }
    }
    if (ret != 0) {
        return tsr_bdb_status(b, ret, "search");
    }
    *pposts = g.posts;
    return APR_SUCCESS;
}

apr_status_t tsr_bdb_search_scan(tsr_store_t *s, apr_pool_t *p,
                                 const char *term, int prefix,
                                 tsr_search_visit_t *v)
{
    bdb_t *b = tsr_bdb_of(s);
    int ret, i;

    if (tsr_bdb_broken(b)) {
        return TSR_EBROKEN;
    }
    for (i = 0; i < TSR_BDB_MAX_RETRIES; i++) {
        if (i > 0) {
            v->restart(v->baton);   /* it saw part of the lists */
        }
        ret = postings_scan(b, p, term, prefix, visit, v);
        if (!tsr_bdb_retryable(ret)) {
            break;
        }
    }
    if (ret == TSR_ESTOPPED) {
        return TSR_ESTOPPED;
    }
    if (ret != 0) {
        return tsr_bdb_status(b, ret, "search");
    }
    return APR_SUCCESS;
}

apr_status_t tsr_bdb_search_entry(tsr_store_t *s, apr_pool_t *p,
                                  const char *name, const char **pblob,
                                  apr_size_t *plen)
{
    return tsr_bdb_get(tsr_bdb_of(s), p, DB_SEARCH_ENTRIES, name,
                       strlen(name), pblob, plen);
}

typedef struct reindex_t {
    const char *name;
    apr_pool_t *pool;
    int indexed;
} reindex_t;

/* One package's entry from its document (read under its write lock, so
 * a publish at the same time is either before or after), or no entry
 * when the package is gone. */
static int reindex_step(bdb_t *b, DB_TXN *txn, void *baton)
{
    reindex_t *r = baton;
    DB *docs = tsr_bdb_db(b, DB_PACKAGES);
    const char *blob = NULL;
    apr_size_t len = 0;
    DBT key, data;
    int ret;

    tsr_bdb_dbt(&key, r->name, strlen(r->name));
    memset(&data, 0, sizeof(data));
    data.flags = DB_DBT_MALLOC;
    ret = docs->get(docs, txn, &key, &data, DB_RMW);
    if (ret != 0 && ret != DB_NOTFOUND) {
        return ret;
    }
    if (ret == 0
        && tsr_search_entry_from_text(&blob, &len, r->pool, data.data,
                                      data.size) != APR_SUCCESS) {
        blob = NULL;                /* unreadable: found by nothing */
    }
    free(data.data);
    r->indexed = blob != NULL;
    return tsr_bdb_search_set(b, txn, r->pool, r->name, blob, len);
}

static const char search_key[] = "search-index";

#define REINDEX_BATCH 256

/* Every package of database which (packages, then the entries, to drop
 * those whose package is gone) through reindex_step. */
static apr_status_t reindex_all(bdb_t *b, apr_pool_t *p, int which,
                                apr_size_t *pcount)
{
    apr_pool_t *sub;
    const char *after = NULL;
    apr_array_header_t *names;
    apr_status_t rv = APR_SUCCESS;
    int i;

    apr_pool_create(&sub, p);
    do {
        if ((rv = tsr_bdb_keys_after(b, sub, which, after ? after : "",
                                     REINDEX_BATCH, &names))
            != APR_SUCCESS) {
            break;
        }
        for (i = 0; rv == APR_SUCCESS && i < names->nelts; i++) {
            reindex_t r = { APR_ARRAY_IDX(names, i, const char *), sub, 0 };

            rv = tsr_bdb_txn(b, reindex_step, &r, "search index");
            *pcount += r.indexed;
        }
        after = names->nelts ? apr_pstrdup(p, APR_ARRAY_IDX(names,
                                                            names->nelts - 1,
                                                            const char *))
                             : NULL;
        apr_pool_clear(sub);
    } while (rv == APR_SUCCESS && after != NULL);
    apr_pool_destroy(sub);
    return rv;
}

apr_status_t tsr_bdb_search_rebuild(tsr_store_t *s, apr_pool_t *p,
                                    apr_size_t *pcount)
{
    bdb_t *b = tsr_bdb_of(s);
    apr_size_t count = 0, gone = 0;
    apr_status_t rv;

    if (tsr_bdb_broken(b)) {
        return TSR_EBROKEN;
    }
    if ((rv = reindex_all(b, p, DB_PACKAGES, &count)) != APR_SUCCESS
        || (rv = reindex_all(b, p, DB_SEARCH_ENTRIES, &gone))
               != APR_SUCCESS) {
        return rv;
    }
    *pcount = count;
    /* Built once: a later start need not look. */
    return tsr_bdb_put1(b, DB_META, search_key, sizeof(search_key), "1", 1);
}

/* A store made before the search index (or whose first build was cut
 * short) gets it built before any child starts. */
/* Whether the first posting of the index is a bare name, as a registry
 * from before briefs wrote them all: a hint for the administrator (a
 * store a rebuild or writes partly renewed may say otherwise). */
static int bare_postings(bdb_t *b)
{
    char kbuf[INDEX_ITEM_MAX], dbuf[INDEX_ITEM_MAX + 1];
    tsr_search_posting_t o;
    DB *db = tsr_bdb_db(b, DB_SEARCH);
    DBT key, data;
    DBC *c;
    int ret, bare = 0;

    if (db->cursor(db, NULL, &c, 0) != 0) {
        return 0;
    }
    set_user_dbt(&key, kbuf, 0, sizeof(kbuf));
    set_user_dbt(&data, dbuf, 0, sizeof(dbuf) - 1);
    ret = c->get(c, &key, &data, DB_FIRST);
    if (ret == 0) {
        dbuf[data.size] = '\0';
        bare = tsr_search_posting_decode(&o, dbuf, data.size)
                   == APR_SUCCESS && !o.brief;
    }
    c->close(c);
    return bare;
}

apr_status_t tsr_bdb_search_index_if_new(tsr_store_t *s, apr_pool_t *p,
                                         const tsr_bdb_options_t *opts)
{
    bdb_t *b = tsr_bdb_of(s);
    const char *v;
    apr_size_t len, count = 0;
    apr_time_t t0 = apr_time_now();
    apr_status_t rv;

    rv = tsr_bdb_get(b, p, DB_META, search_key, sizeof(search_key), &v, &len);
    if (rv == APR_SUCCESS && opts->log && bare_postings(b)) {
        opts->log(opts->log_baton, TSR_LOG_NOTICE, 0, "TSR00109: the search "
                  "index was written before its postings carried briefs: "
                  "`tsci-registry reindex search` (while Apache runs) makes "
                  "broad searches many times faster");
    }
    if (rv != TSR_ENOTFOUND) {
        return rv;
    }
    rv = tsr_bdb_search_rebuild(s, p, &count);
    if (opts->log && (count > 0 || rv != APR_SUCCESS)) {
        opts->log(opts->log_baton, rv == APR_SUCCESS ? TSR_LOG_NOTICE
                                                     : TSR_LOG_ERR, rv,
                  apr_psprintf(p, "TSR00108: search index %s for %"
                               APR_SIZE_T_FMT " packages in %"
                               APR_TIME_T_FMT " ms", rv == APR_SUCCESS
                               ? "built" : "only partly built", count,
                               apr_time_as_msec(apr_time_now() - t0)));
    }
    return rv;
}

/* Give name, under term, the posting value (len bytes), or none when
 * value is NULL, through cursor c: the duplicates are sorted, so name's,
 * of either form (tsr_search_posting.h), are the first at or after the
 * bare name.  One that is value already stays. */
static int posting_set(DBC *c, const char *term, const char *name,
                       const char *value, apr_size_t len)
{
    char buf[INDEX_ITEM_MAX];
    apr_size_t nlen = strlen(name);
    DBT key, data;
    int ret, kept = 0;

    if (nlen >= sizeof(buf)) {
        return 0;
    }
    tsr_bdb_dbt(&key, term, strlen(term));
    memcpy(buf, name, nlen);
    set_user_dbt(&data, buf, nlen, sizeof(buf));
    for (ret = c->get(c, &key, &data, DB_GET_BOTH_RANGE | DB_RMW);
         ret == 0
         && tsr_search_posting_name_len(buf, data.size) == nlen
         && memcmp(buf, name, nlen) == 0;
         ret = c->get(c, &key, &data, DB_NEXT_DUP | DB_RMW)) {
        if (value && !kept && data.size == len
            && memcmp(buf, value, len) == 0) {
            kept = 1;
        }
        else if ((ret = c->del(c, 0)) != 0) {
            return ret;
        }
    }
    if (ret != 0 && ret != DB_NOTFOUND) {
        return ret;
    }
    if (value == NULL || kept) {
        return 0;
    }
    tsr_bdb_dbt(&key, term, strlen(term));
    tsr_bdb_dbt(&data, value, len);
    ret = c->put(c, &key, &data, DB_NODUPDATA);
    return ret == DB_KEYEXIST ? 0 : ret;
}

/* Make name's entry blob (NULL: none) inside txn: both entries' terms are
 * sorted, so one pass over them takes the package out of the lists of
 * the old terms the new entry lacks and gives it its posting under each
 * new term (a brief changes with every release, so even a term both
 * entries have may need a new one); then the entry itself is written. */
int tsr_bdb_search_set(bdb_t *b, DB_TXN *txn, apr_pool_t *p,
                       const char *name, const char *blob, apr_size_t len)
{
    DB *ents = tsr_bdb_db(b, DB_SEARCH_ENTRIES);
    DB *post = tsr_bdb_db(b, DB_SEARCH);
    tsr_search_entry_t olde, newe;
    tsr_search_places_t *places = NULL;
    const char *o = NULL, *n = NULL, *v;
    apr_size_t vlen;
    DBT key, data;
    DBC *c;
    int ret, cret;

    tsr_bdb_dbt(&key, name, strlen(name));
    memset(&data, 0, sizeof(data));
    data.flags = DB_DBT_MALLOC;
    ret = ents->get(ents, txn, &key, &data, DB_RMW);
    if (ret != 0 && ret != DB_NOTFOUND) {
        return ret;
    }
    if (ret == 0
        && tsr_search_entry_decode_terms(&olde, data.data, data.size)
               == APR_SUCCESS) {
        o = tsr_search_entry_next_term(&olde, NULL);
    }
    if (blob && tsr_search_entry_decode(&newe, blob, len) == APR_SUCCESS) {
        n = tsr_search_entry_next_term(&newe, NULL);
        places = tsr_search_places_make(p, &newe);
    }
    else {
        blob = NULL;
    }
    if ((ret = post->cursor(post, txn, &c, 0)) != 0) {
        free(data.data);
        return ret;
    }
    while (ret == 0 && (o || n)) {
        int d = o == NULL ? 1 : n == NULL ? -1 : strcmp(o, n);

        if (d < 0) {
            ret = posting_set(c, o, name, NULL, 0);
        }
        else {
            v = tsr_search_posting_make(&vlen, p, name, &newe, places, n);
            ret = posting_set(c, n, name, v, vlen);
        }
        if (d <= 0) {
            o = tsr_search_entry_next_term(&olde, o);
        }
        if (d >= 0) {
            n = tsr_search_entry_next_term(&newe, n);
        }
    }
    cret = c->close(c);
    free(data.data);
    if (ret != 0 || cret != 0) {
        return ret ? ret : cret;
    }
    tsr_bdb_dbt(&key, name, strlen(name));
    if (blob) {
        tsr_bdb_dbt(&data, blob, len);
        return ents->put(ents, txn, &key, &data, 0);
    }
    ret = ents->del(ents, txn, &key, 0);
    return ret == DB_NOTFOUND ? 0 : ret;
}
