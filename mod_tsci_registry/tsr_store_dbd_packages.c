/* tsr_store_dbd_packages: the SQL provider's package documents, their
 * ready views, the lists of packages by creator and by star, the
 * counters and the change sequence, all written by one transaction per
 * package write. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_store_dbd_int.h"

/* ---- reads ---- */

static const tsr_dbd_sql_t view_get_sql = {
    "tsr_view_get",
    "SELECT encode(blob, 'hex') FROM tsr_views WHERE name = %s AND kind = %s"
};
static const tsr_dbd_sql_t view_stamp_sql = {
    "tsr_view_stamp",
    "SELECT stamp FROM tsr_views WHERE name = %s AND kind = %s"
};
static const tsr_dbd_sql_t version_view_get_sql = {
    "tsr_version_view_get",
    "SELECT encode(view, 'hex') FROM tsr_version_views "
    "WHERE name = %s AND version = %s"
};
static const tsr_dbd_sql_t doc_get_sql = {
    "tsr_doc_get",
    "SELECT encode(doc, 'hex') FROM tsr_packages WHERE name = %s"
};
static const tsr_dbd_sql_t names_sql = {
    "tsr_package_names",
    "SELECT name FROM tsr_packages WHERE starts_with(name, %s) "
    "ORDER BY name COLLATE \"C\" LIMIT %s::bigint"
};
static const tsr_dbd_sql_t user_packages_sql = {
    "tsr_user_packages",
    "SELECT name FROM tsr_user_packages WHERE username = %s "
    "ORDER BY name COLLATE \"C\" LIMIT %s::bigint"
};
static const tsr_dbd_sql_t user_stars_sql = {
    "tsr_user_stars",
    "SELECT name FROM tsr_user_stars WHERE username = %s "
    "ORDER BY name COLLATE \"C\" LIMIT %s::bigint"
};
static const tsr_dbd_sql_t search_entry_sql = {
    "tsr_search_entry",
    "SELECT encode(entry, 'hex') FROM tsr_search_entries WHERE name = %s"
};
static const tsr_dbd_sql_t stats_sql = {
    "tsr_stats",
    "SELECT update_seq, doc_count, doc_del_count, doc_bytes, "
    "tarball_bytes, pg_database_size(current_database()) "
    "FROM tsr_counters WHERE id = 1"
};
static const tsr_dbd_sql_t changes_sql = {
    "tsr_changes",
    "SELECT seq, name, rev, at, deleted FROM tsr_changes "
    "WHERE seq > %s::bigint ORDER BY seq LIMIT %s::bigint"
};
static const tsr_dbd_sql_t changes_newest_sql = {
    "tsr_changes_newest",
    "SELECT seq, name, rev, at, deleted FROM tsr_changes "
    "ORDER BY seq DESC LIMIT %s::bigint"
};

apr_status_t tsr_dbd_package_view(tsr_store_t *s, apr_pool_t *p,
                                  const char *name, tsr_view_kind_e kind,
                                  const char **pblob, apr_size_t *plen)
{
    const char *args[] = { name, apr_psprintf(p, "%c", (char)kind) };

    return tsr_dbd_bytes(s, p, &view_get_sql, 2, args, pblob, plen);
}

apr_status_t tsr_dbd_package_view_stamp(tsr_store_t *s, apr_pool_t *p,
                                        const char *name,
                                        tsr_view_kind_e kind,
                                        apr_uint64_t *pstamp)
{
    const char *args[] = { name, apr_psprintf(p, "%c", (char)kind) };
    const char *v;
    apr_status_t rv = tsr_dbd_value(s, p, &view_stamp_sql, 2, args, &v);

    if (rv == APR_SUCCESS) {
        *pstamp = (apr_uint64_t)apr_atoi64(v);
    }
    return rv;
}

apr_status_t tsr_dbd_package_version_view(tsr_store_t *s, apr_pool_t *p,
                                          const char *name,
                                          const char *version,
                                          const char **pblob,
                                          apr_size_t *plen)
{
    const char *args[] = { name, version };

    return tsr_dbd_bytes(s, p, &version_view_get_sql, 2, args, pblob,
                         plen);
}

apr_status_t tsr_dbd_package_doc(tsr_store_t *s, apr_pool_t *p,
                                 const char *name, const char **pdoc,
                                 apr_size_t *plen)
{
    const char *args[] = { name };

    return tsr_dbd_bytes(s, p, &doc_get_sql, 1, args, pdoc, plen);
}

apr_status_t tsr_dbd_package_names(tsr_store_t *s, apr_pool_t *p,
                                   const char *prefix, apr_size_t max,
                                   apr_array_header_t **pnames)
{
    return tsr_dbd_names_upto(s, p, &names_sql, prefix, max, pnames);
}

apr_status_t tsr_dbd_user_packages(tsr_store_t *s, apr_pool_t *p,
                                   const char *user, apr_size_t max,
                                   apr_array_header_t **pnames)
{
    return tsr_dbd_names_upto(s, p, &user_packages_sql, user, max,
                              pnames);
}

apr_status_t tsr_dbd_user_stars(tsr_store_t *s, apr_pool_t *p,
                                const char *user, apr_size_t max,
                                apr_array_header_t **pnames)
{
    return tsr_dbd_names_upto(s, p, &user_stars_sql, user, max, pnames);
}

apr_status_t tsr_dbd_search_entry(tsr_store_t *s, apr_pool_t *p,
                                  const char *name, const char **pblob,
                                  apr_size_t *plen)
{
    const char *args[] = { name };

    return tsr_dbd_bytes(s, p, &search_entry_sql, 1, args, pblob, plen);
}

static apr_uint64_t u64(const char *v)
{
    return v ? (apr_uint64_t)apr_atoi64(v) : 0;
}

apr_status_t tsr_dbd_stats(tsr_store_t *s, apr_pool_t *p,
                           tsr_store_stats_t *st)
{
    apr_array_header_t *rows;
    char **r;
    apr_status_t rv = tsr_dbd_query(s, p, &stats_sql, 0, NULL, &rows);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (rows->nelts == 0) {
        return APR_EGENERAL;
    }
    r = APR_ARRAY_IDX(rows, 0, char **);
    st->update_seq = u64(r[0]);
    st->doc_count = u64(r[1]);
    st->doc_del_count = u64(r[2]);
    st->data_size = u64(r[3]) + u64(r[4]);
    st->disk_size = u64(r[5]) + u64(r[4]);
    st->start_time = tsr_dbd_opened(s);
    return APR_SUCCESS;
}

apr_status_t tsr_dbd_changes(tsr_store_t *s, apr_pool_t *p,
                             apr_uint64_t after, int newest_first,
                             apr_size_t max, apr_array_header_t **prows)
{
    const char *args[2];
    apr_array_header_t *rows, *out;
    apr_status_t rv;
    int i;

    if (newest_first) {
        args[0] = tsr_dbd_count(p, max);
        rv = tsr_dbd_query(s, p, &changes_newest_sql, 1, args, &rows);
    }
    else {
        args[0] = apr_psprintf(p, "%" APR_UINT64_T_FMT, after);
        args[1] = tsr_dbd_count(p, max);
        rv = tsr_dbd_query(s, p, &changes_sql, 2, args, &rows);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    out = apr_array_make(p, rows->nelts ? rows->nelts : 1,
                         sizeof(tsr_change_t));
    for (i = 0; i < rows->nelts; i++) {
        char **r = APR_ARRAY_IDX(rows, i, char **);
        tsr_change_t *c = apr_array_push(out);

        memset(c, 0, sizeof(*c));
        c->seq = u64(r[0]);
        c->name = r[1];
        c->rev = r[2] && *r[2] ? r[2] : NULL;
        c->time = (apr_time_t)u64(r[3]);
        c->deleted = r[4] && *r[4] == 't';
    }
    *prows = out;
    return APR_SUCCESS;
}

/* ---- the write of a package ---- */

/* Writers of one package wait for each other here, whether its row
 * exists yet or not (class 3: packages; 2 is organisations'). */
static const tsr_dbd_sql_t package_lock_sql = {
    "tsr_package_lock",
    "SELECT 1 FROM pg_advisory_xact_lock(3, hashtext(%s))"
};
static const tsr_dbd_sql_t doc_put_sql = {
    "tsr_doc_put",
    "INSERT INTO tsr_packages (name, doc) VALUES (%s, decode(%s, 'hex')) "
    "ON CONFLICT (name) DO UPDATE SET doc = excluded.doc"
};
static const tsr_dbd_sql_t view_put_sql = {
    "tsr_view_put",
    "INSERT INTO tsr_views (name, kind, blob) "
    "VALUES (%s, %s, decode(%s, 'hex')) ON CONFLICT (name, kind) "
    "DO UPDATE SET blob = excluded.blob, stamp = excluded.stamp"
};
static const tsr_dbd_sql_t view_del_sql = {
    "tsr_view_del",
    "DELETE FROM tsr_views WHERE name = %s AND kind = %s"
};
static const tsr_dbd_sql_t views_del_sql = {
    "tsr_views_del",
    "DELETE FROM tsr_views WHERE name = %s"
};
static const tsr_dbd_sql_t version_view_put_sql = {
    "tsr_version_view_put",
    "INSERT INTO tsr_version_views (name, version, view) "
    "VALUES (%s, %s, decode(%s, 'hex')) ON CONFLICT (name, version) "
    "DO UPDATE SET view = excluded.view"
};
static const tsr_dbd_sql_t version_view_del_sql = {
    "tsr_version_view_del",
    "DELETE FROM tsr_version_views WHERE name = %s AND version = %s"
};
static const tsr_dbd_sql_t search_put_sql = {
    "tsr_search_put",
    "INSERT INTO tsr_search_entries (name, entry) "
    "VALUES (%s, decode(%s, 'hex')) ON CONFLICT (name) "
    "DO UPDATE SET entry = excluded.entry"
};
static const tsr_dbd_sql_t search_del_sql = {
    "tsr_search_del",
    "DELETE FROM tsr_search_entries WHERE name = %s"
};
static const tsr_dbd_sql_t star_add_sql = {
    "tsr_star_add",
    "INSERT INTO tsr_user_stars (username, name) VALUES (%s, %s) "
    "ON CONFLICT DO NOTHING"
};
static const tsr_dbd_sql_t star_del_sql = {
    "tsr_star_del",
    "DELETE FROM tsr_user_stars WHERE username = %s AND name = %s"
};
static const tsr_dbd_sql_t creator_sql = {
    "tsr_creator_add",
    "INSERT INTO tsr_user_packages (username, name) VALUES (%s, %s) "
    "ON CONFLICT DO NOTHING"
};
/* One row holds every counter: taking the next change number locks it,
 * so change numbers are given in the order their writes commit, and a
 * reader of the feed never sees a number before a smaller one. */
static const tsr_dbd_sql_t count_sql = {
    "tsr_count",
    "UPDATE tsr_counters SET update_seq = update_seq + 1,"
    " doc_count = greatest(doc_count + %s::bigint - %s::bigint, 0),"
    " doc_del_count = greatest(doc_del_count - %s::bigint, 0) + %s::bigint,"
    " doc_bytes = doc_bytes + %s::bigint,"
    " tarball_bytes = tarball_bytes + %s::bigint "
    "WHERE id = 1 RETURNING update_seq"
};
static const tsr_dbd_sql_t change_sql = {
    "tsr_change_add",
    "INSERT INTO tsr_changes (seq, name, rev, at, deleted) "
    "VALUES (%s::bigint, %s, %s, %s::bigint, %s::boolean)"
};

typedef struct writer_t {
    tsr_store_t *s;
    apr_pool_t *p;
    const char *name;
    apr_status_t rv;                /* the first failure */
} writer_t;

/* Run q unless an earlier statement failed: the writes read as a list. */
static void run(writer_t *w, const tsr_dbd_sql_t *q, int nargs,
                const char *const *args)
{
    if (w->rv == APR_SUCCESS) {
        w->rv = tsr_dbd_query(w->s, w->p, q, nargs, args, NULL);
    }
}

static void put_view(writer_t *w, char kind, const char *blob,
                     apr_size_t len)
{
    const char *k = apr_psprintf(w->p, "%c", kind);

    if (blob) {
        const char *args[] = { w->name, k, tsr_dbd_hex(w->p, blob, len) };

        run(w, &view_put_sql, 3, args);
    }
    else {
        const char *args[] = { w->name, k };

        run(w, &view_del_sql, 2, args);
    }
}

static void put_version(writer_t *w, const char *version, const char *view,
                        apr_size_t len)
{
    const char *args[] = { w->name, version, tsr_dbd_hex(w->p, view, len) };

    run(w, &version_view_put_sql, 3, args);
}

/* The counters and the change row, last: the counters' row lock is held
 * for the shortest time. */
static void count_change(writer_t *w, apr_size_t old_len, int existed,
                         const tsr_package_write_t *o)
{
    apr_pool_t *p = w->p;
    const char *args[] = {
        (!existed || o->revived) ? "1" : "0",
        o->gone ? "1" : "0",
        o->revived ? "1" : "0",
        o->gone ? "1" : "0",
        apr_psprintf(p, "%" APR_INT64_T_FMT,
                     (apr_int64_t)o->doc_len - (apr_int64_t)old_len),
        apr_psprintf(p, "%" APR_INT64_T_FMT, o->tarball_bytes)
    };
    const char *seq;

    if (w->rv != APR_SUCCESS) {
        return;
    }
    if ((w->rv = tsr_dbd_value(w->s, p, &count_sql, 6, args, &seq))
        == APR_SUCCESS) {
        const char *cargs[] = {
            seq, w->name, o->rev ? o->rev : "",
            apr_psprintf(p, "%" APR_TIME_T_FMT, apr_time_now()),
            o->gone ? "true" : "false"
        };

        run(w, &change_sql, 5, cargs);
    }
}

/* The writes of one package write, as Berkeley DB's provider makes them:
 * the document, its search entry, removed versions' views, a star; then
 * either every view gone (an unpublish of the whole package) or the new
 * views, the creator's list and who may read; then the counters. */
static apr_status_t write_package(writer_t *w, apr_size_t old_len,
                                  int existed, const tsr_package_write_t *o)
{
    const char *name = w->name;
    int i;

    {
        const char *args[] = { name, tsr_dbd_hex(w->p, o->doc, o->doc_len) };

        run(w, &doc_put_sql, 2, args);
    }
    if (o->search) {
        const char *args[] = { name, tsr_dbd_hex(w->p, o->search,
                                                 o->search_len) };

        run(w, &search_put_sql, 2, args);
    }
    else {
        const char *args[] = { name };

        run(w, &search_del_sql, 1, args);
    }
    /* The posting lists follow the entry in the same transaction. */
    if (w->rv == APR_SUCCESS) {
        w->rv = tsr_dbd_search_index(w->s, w->p, name, o->search,
                                     o->search_len);
    }
    for (i = 0; i < o->n_removed; i++) {
        const char *args[] = { name, o->removed_versions[i] };

        run(w, &version_view_del_sql, 2, args);
    }
    if (o->star_user) {
        const char *args[] = { o->star_user, name };

        run(w, o->star_add ? &star_add_sql : &star_del_sql, 2, args);
    }
    if (o->gone) {
        const char *args[] = { name };

        run(w, &views_del_sql, 1, args);
        count_change(w, old_len, existed, o);
        return w->rv;
    }
    put_view(w, TSR_VIEW_FULL, o->full, o->full_len);
    put_view(w, TSR_VIEW_ABBREV, o->abbrev, o->abbrev_len);
    put_view(w, TSR_VIEW_FULL_GZ, o->full_gz, o->full_gz_len);
    put_view(w, TSR_VIEW_ABBREV_GZ, o->abbrev_gz, o->abbrev_gz_len);
    if (o->tags) {
        put_view(w, TSR_VIEW_TAGS, o->tags, o->tags_len);
    }
    if (o->version && o->version_view) {
        put_version(w, o->version, o->version_view, o->version_view_len);
    }
    for (i = 0; i < o->n_more; i++) {
        put_version(w, o->more_versions[i], o->more_views[i],
                    o->more_lens[i]);
    }
    if (!existed && o->creator) {
        const char *args[] = { o->creator, name };

        run(w, &creator_sql, 2, args);
    }
    put_view(w, TSR_VIEW_READERS, o->readers,
             o->readers ? strlen(o->readers) : 0);
    count_change(w, old_len, existed, o);
    return w->rv;
}

/* fn's refusal outlives the scratch pool it was made in. */
static void keep_error(tsr_error_t **perr, apr_pool_t *p)
{
    if (perr && *perr) {
        tsr_error_t *e = apr_pmemdup(p, *perr, sizeof(**perr));

        e->message = apr_pstrdup(p, e->message);
        e->code = apr_pstrdup(p, e->code);
        *perr = e;
    }
}

apr_status_t tsr_dbd_package_update(tsr_store_t *s, apr_pool_t *p,
                                    const char *name,
                                    tsr_package_update_fn *fn, void *baton,
                                    tsr_error_t **perr)
{
    apr_dbd_transaction_t *txn;
    apr_pool_t *sub;
    tsr_package_write_t o;
    writer_t w;
    const char *args[] = { name };
    const char *doc = NULL;
    apr_size_t doc_len = 0;
    apr_status_t rv;
    int existed;

    if ((rv = tsr_dbd_begin(s, p, &txn)) != APR_SUCCESS) {
        return rv == APR_ENOTIMPL ? rv
               : tsr_error_set(perr, p, 503, NULL, "the registry store is "
                               "unavailable, try again");
    }
    apr_pool_create(&sub, p);
    rv = tsr_dbd_query(s, sub, &package_lock_sql, 1, args, NULL);
    if (rv == APR_SUCCESS) {
        rv = tsr_dbd_bytes(s, sub, &doc_get_sql, 1, args, &doc, &doc_len);
    }
    if (rv != APR_SUCCESS && rv != TSR_ENOTFOUND) {
        goto unavailable;
    }
    existed = (rv == APR_SUCCESS);
    memset(&o, 0, sizeof(o));
    rv = fn(baton, sub, existed ? doc : NULL, existed ? doc_len : 0, &o,
            perr);
    if (rv != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        keep_error(perr, p);
        apr_pool_destroy(sub);
        return rv;
    }
    w.s = s;
    w.p = sub;
    w.name = name;
    w.rv = APR_SUCCESS;
    if (write_package(&w, existed ? doc_len : 0, existed, &o)
            != APR_SUCCESS
        || tsr_dbd_end(s, p, txn, 1) != APR_SUCCESS) {
        /* Nothing of the write stays: what the callback did outside the
         * database (a placed tarball) goes too. */
        if (w.rv != APR_SUCCESS) {
            tsr_dbd_end(s, p, txn, 0);
        }
        if (o.undo) {
            o.undo(o.undo_baton);
        }
        apr_pool_destroy(sub);
        return tsr_error_set(perr, p, 503, NULL, "the registry store could "
                             "not complete the write: nothing was stored, "
                             "try again");
    }
    apr_pool_destroy(sub);
    return APR_SUCCESS;

unavailable:
    tsr_dbd_end(s, p, txn, 0);
    apr_pool_destroy(sub);
    return tsr_error_set(perr, p, 503, NULL, "the registry store is "
                         "unavailable, try again");
}
