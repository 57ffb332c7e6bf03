/* tsr_store_dbd_admin: what the administrator's tool (tsci-registry)
 * asks of the SQL store: cursors over users and packages, deleting a user
 * with their tokens, re-rendering a package's views, the database's own
 * consistency checks, and a connection of the tool's own (mod_dbd's pool
 * belongs to Apache's processes). */
#include <string.h>
#include <apr_strings.h>
#include "tsr_store_dbd_int.h"
#include "tsr_json.h"
#include "tsr_packument.h"

/* Names compare bytewise, as Berkeley DB's keys do, so that a cursor of
 * "after the last one seen" walks each name once whatever the database's
 * collation. */
static const tsr_dbd_sql_t user_names_sql = {
    "tsr_user_names",
    "SELECT name FROM tsr_users WHERE name COLLATE \"C\" > %s "
    "ORDER BY name COLLATE \"C\" LIMIT %s::bigint"
};
static const tsr_dbd_sql_t package_names_after_sql = {
    "tsr_package_names_after",
    "SELECT name FROM tsr_packages WHERE name COLLATE \"C\" > %s "
    "ORDER BY name COLLATE \"C\" LIMIT %s::bigint"
};
static const tsr_dbd_sql_t org_names_sql = {
    "tsr_org_names",
    "SELECT name FROM tsr_orgs WHERE name COLLATE \"C\" > %s "
    "ORDER BY name COLLATE \"C\" LIMIT %s::bigint"
};
static const tsr_dbd_sql_t seq_floor_sql = {
    "tsr_seq_floor",
    "UPDATE tsr_counters SET update_seq = greatest(update_seq, "
    "%s::bigint) WHERE id = 1 RETURNING update_seq"
};
static const tsr_dbd_sql_t user_del_sql = {
    "tsr_user_del",
    "DELETE FROM tsr_users WHERE name = %s RETURNING 1"
};
static const tsr_dbd_sql_t user_tokens_del_sql = {
    "tsr_user_tokens_del",
    "DELETE FROM tsr_tokens WHERE username = %s RETURNING 1"
};
/* The lock every writer of the package takes (tsr_store_dbd_packages.c,
 * class 3), then the row's own: a reindex and a publish of one package
 * run one after the other. */
static const tsr_dbd_sql_t reindex_lock_sql = {
    "tsr_reindex_lock",
    "SELECT 1 FROM pg_advisory_xact_lock(3, hashtext(%s))"
};
static const tsr_dbd_sql_t reindex_doc_sql = {
    "tsr_reindex_doc",
    "SELECT encode(doc, 'hex') FROM tsr_packages WHERE name = %s "
    "FOR UPDATE"
};
static const tsr_dbd_sql_t reindex_views_del_sql = {
    "tsr_reindex_views_del",
    "DELETE FROM tsr_views WHERE name = %s"
};
static const tsr_dbd_sql_t reindex_versions_del_sql = {
    "tsr_reindex_versions_del",
    "DELETE FROM tsr_version_views WHERE name = %s"
};
static const tsr_dbd_sql_t reindex_view_put_sql = {
    "tsr_reindex_view_put",
    "INSERT INTO tsr_views (name, kind, blob) "
    "VALUES (%s, %s, decode(%s, 'hex'))"
};
static const tsr_dbd_sql_t reindex_version_put_sql = {
    "tsr_reindex_version_put",
    "INSERT INTO tsr_version_views (name, version, view) "
    "VALUES (%s, %s, decode(%s, 'hex'))"
};

apr_status_t tsr_dbd_user_names(tsr_store_t *s, apr_pool_t *p,
                                const char *after, apr_size_t max,
                                apr_array_header_t **pnames)
{
    return tsr_dbd_names_upto(s, p, &user_names_sql, after, max, pnames);
}

apr_status_t tsr_dbd_change_seq_floor(tsr_store_t *s, apr_pool_t *p,
                                      apr_uint64_t seq)
{
    const char *args[] = { apr_psprintf(p, "%" APR_UINT64_T_FMT, seq) };
    const char *v;

    return tsr_dbd_value(s, p, &seq_floor_sql, 1, args, &v);
}

apr_status_t tsr_dbd_org_names(tsr_store_t *s, apr_pool_t *p,
                               const char *after, apr_size_t max,
                               apr_array_header_t **pnames)
{
    return tsr_dbd_names_upto(s, p, &org_names_sql, after, max, pnames);
}

apr_status_t tsr_dbd_package_names_after(tsr_store_t *s, apr_pool_t *p,
                                         const char *after, apr_size_t max,
                                         apr_array_header_t **pnames)
{
    return tsr_dbd_names_upto(s, p, &package_names_after_sql, after, max,
                              pnames);
}

apr_status_t tsr_dbd_user_delete(tsr_store_t *s, apr_pool_t *p,
                                 const char *name, int *ptokens)
{
    apr_dbd_transaction_t *txn;
    apr_array_header_t *users, *tokens;
    const char *args[] = { name };
    apr_status_t rv;

    if ((rv = tsr_dbd_begin(s, p, &txn)) != APR_SUCCESS) {
        return rv;
    }
    rv = tsr_dbd_query(s, p, &user_del_sql, 1, args, &users);
    if (rv == APR_SUCCESS && users->nelts == 0) {
        tsr_dbd_end(s, p, txn, 0);
        return TSR_ENOTFOUND;
    }
    if (rv == APR_SUCCESS) {
        rv = tsr_dbd_query(s, p, &user_tokens_del_sql, 1, args, &tokens);
    }
    if (rv != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        return rv;
    }
    if ((rv = tsr_dbd_end(s, p, txn, 1)) != APR_SUCCESS) {
        return rv;
    }
    if (ptokens) {
        *ptokens = tokens->nelts;
    }
    return APR_SUCCESS;
}

/* One view row, unless an earlier statement failed or there is none. */
static void put(tsr_store_t *s, apr_pool_t *p, apr_status_t *prv,
                const char *name, char kind, const char *blob,
                apr_size_t len)
{
    if (*prv == APR_SUCCESS && blob) {
        const char *args[] = { name, apr_psprintf(p, "%c", kind),
                               tsr_dbd_hex(p, blob, len) };

        *prv = tsr_dbd_query(s, p, &reindex_view_put_sql, 3, args, NULL);
    }
}

/* Every view of the package goes, then those fn rendered are written, as
 * Berkeley DB's provider does: the document, its revision, the counters
 * and the changes feed are left alone. */
apr_status_t tsr_dbd_package_reindex(tsr_store_t *s, apr_pool_t *p,
                                     const char *name,
                                     tsr_package_update_fn *fn, void *baton,
                                     tsr_error_t **perr)
{
    apr_dbd_transaction_t *txn;
    tsr_package_write_t o;
    const char *args[] = { name };
    const char *doc;
    apr_size_t doc_len;
    apr_status_t rv;
    int i;

    if ((rv = tsr_dbd_begin(s, p, &txn)) != APR_SUCCESS) {
        return rv;
    }
    if ((rv = tsr_dbd_query(s, p, &reindex_lock_sql, 1, args, NULL))
            != APR_SUCCESS
        || (rv = tsr_dbd_bytes(s, p, &reindex_doc_sql, 1, args, &doc,
                               &doc_len)) != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        return rv;
    }
    memset(&o, 0, sizeof(o));
    if ((rv = fn(baton, p, doc, doc_len, &o, perr)) != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        return rv;
    }
    rv = tsr_dbd_query(s, p, &reindex_views_del_sql, 1, args, NULL);
    if (rv == APR_SUCCESS) {
        rv = tsr_dbd_query(s, p, &reindex_versions_del_sql, 1, args, NULL);
    }
    if (!o.gone) {
        put(s, p, &rv, name, TSR_VIEW_FULL, o.full, o.full_len);
        put(s, p, &rv, name, TSR_VIEW_ABBREV, o.abbrev, o.abbrev_len);
        if (o.full_gz && o.abbrev_gz) {
            put(s, p, &rv, name, TSR_VIEW_FULL_GZ, o.full_gz,
                o.full_gz_len);
            put(s, p, &rv, name, TSR_VIEW_ABBREV_GZ, o.abbrev_gz,
                o.abbrev_gz_len);
        }
        put(s, p, &rv, name, TSR_VIEW_TAGS, o.tags, o.tags_len);
        put(s, p, &rv, name, TSR_VIEW_READERS, o.readers,
            o.readers ? strlen(o.readers) : 0);
        for (i = 0; rv == APR_SUCCESS && i < o.n_more; i++) {
            const char *vargs[] = { name, o.more_versions[i],
                                    tsr_dbd_hex(p, o.more_views[i],
                                                o.more_lens[i]) };

            rv = tsr_dbd_query(s, p, &reindex_version_put_sql, 3, vargs,
                               NULL);
        }
    }
    if (rv != APR_SUCCESS) {
        tsr_dbd_end(s, p, txn, 0);
        return rv;
    }
    return tsr_dbd_end(s, p, txn, 1);
}

/* A database server keeps nothing on this machine that processes share:
 * there is nothing to let go of. */
long tsr_dbd_release(apr_pool_t *p, const tsr_store_config_t *cfg)
{
    (void)p;
    (void)cfg;
    return 0;
}

static apr_status_t close_conn(void *data)
{
    tsr_dbd_conn_t *c = data;

    if (c->handle) {
        apr_dbd_close(c->driver, c->handle);
        c->handle = NULL;
    }
    return APR_SUCCESS;
}

static void say(const tsr_store_config_t *cfg, apr_pool_t *p,
                apr_status_t rv, const char *msg)
{
    if (cfg->log) {
        cfg->log(cfg->log_baton, TSR_LOG_ERR, rv, msg);
    }
}

/* The tool's own connection (cfg->params, a libpq connection string),
 * closed with p, the schema brought up to date on it (the tool may be the
 * first to use a new database: copying a registry into it), and a session
 * on it.  Always "joined": other nodes may be serving the database. */
apr_status_t tsr_dbd_open_admin(tsr_store_t **ps, apr_pool_t *p,
                                const tsr_store_config_t *cfg, int *pjoined)
{
    tsr_dbd_conn_t *c = apr_pcalloc(p, sizeof(*c));
    tsr_store_t *proc;
    const char *msg = NULL;
    apr_finfo_t fi;
    apr_status_t rv;

    if (cfg->params == NULL || *cfg->params == '\0') {
        say(cfg, p, APR_EINVAL, "TSR00206: the SQL store needs a connection "
            "string (--dbd-params or TSCI_REGISTRY_DBD_PARAMS, as "
            "DBDParams says)");
        return APR_EINVAL;
    }
    if (apr_stat(&fi, cfg->datadir, APR_FINFO_TYPE, p) != APR_SUCCESS
        || fi.filetype != APR_DIR) {
        return TSR_ENOTFOUND;
    }
    apr_dbd_init(p);
    if ((rv = apr_dbd_get_driver(p, "pgsql", &c->driver)) != APR_SUCCESS) {
        say(cfg, p, rv, "TSR00207: APR-util's pgsql driver cannot be "
            "loaded (libaprutil1-dbd-pgsql)");
        return rv;
    }
    c->pool = p;
    if ((rv = apr_dbd_open_ex(c->driver, p, cfg->params, &c->handle, &msg))
        != APR_SUCCESS) {
        say(cfg, p, rv, apr_psprintf(p, "TSR00208: cannot connect to the "
                                     "database: %s", msg ? msg : "(no "
                                     "reason given)"));
        return rv;
    }
    apr_pool_cleanup_register(p, c, close_conn, apr_pool_cleanup_null);
    if ((rv = tsr_store_dbd_migrate(c, p, NULL, &msg)) != APR_SUCCESS) {
        say(cfg, p, rv, apr_psprintf(p, "TSR00203: %s", msg));
        return rv;
    }
    if ((rv = tsr_store_open(tsr_store_dbd_provider(), &proc, p, cfg))
            != APR_SUCCESS
        || (rv = tsr_store_session(ps, p, proc, c)) != APR_SUCCESS) {
        return rv;
    }
    *pjoined = 1;
    return APR_SUCCESS;
}

/* ---- verify: what the rows say of each other ---- */

static const tsr_dbd_sql_t verify_counts_sql = {
    "tsr_verify_counts",
    "SELECT c.doc_count + c.doc_del_count, "
    " (SELECT count(*) FROM tsr_packages), c.doc_bytes, "
    " (SELECT coalesce(sum(length(doc)), 0) FROM tsr_packages), "
    " c.update_seq, (SELECT coalesce(max(seq), 0) FROM tsr_changes), "
    " c.doc_del_count "
    "FROM tsr_counters c WHERE c.id = 1"
};
/* Rows that name a package or a user that is not there: each is one
 * problem, named by table and key. */
static const tsr_dbd_sql_t verify_orphans_sql = {
    "tsr_verify_orphans",
    "SELECT 'tsr_views', v.name || ' ' || v.kind FROM tsr_views v "
    " WHERE NOT EXISTS (SELECT 1 FROM tsr_packages p WHERE p.name = v.name)"
    " UNION ALL "
    "SELECT 'tsr_version_views', v.name || '@' || v.version "
    " FROM tsr_version_views v WHERE NOT EXISTS "
    " (SELECT 1 FROM tsr_packages p WHERE p.name = v.name)"
    " UNION ALL "
    "SELECT 'tsr_search_entries', e.name FROM tsr_search_entries e "
    " WHERE NOT EXISTS (SELECT 1 FROM tsr_packages p WHERE p.name = e.name)"
    " UNION ALL "
    "SELECT 'tsr_user_packages', u.username || ' ' || u.name "
    " FROM tsr_user_packages u WHERE NOT EXISTS "
    " (SELECT 1 FROM tsr_packages p WHERE p.name = u.name)"
    " UNION ALL "
    "SELECT 'tsr_tokens', 'a token of ' || t.username FROM tsr_tokens t "
    " WHERE NOT EXISTS (SELECT 1 FROM tsr_users u WHERE u.name = t.username)"
    " LIMIT 100"
};
static const tsr_dbd_sql_t verify_schema_sql = {
    "tsr_verify_schema",
    "SELECT coalesce(max(version), 0) FROM tsr_schema_version"
};
static const tsr_dbd_sql_t verify_docs_sql = {
    "tsr_verify_docs",
    "SELECT name, encode(doc, 'hex') FROM tsr_packages "
    "WHERE name COLLATE \"C\" > %s ORDER BY name COLLATE \"C\" LIMIT 200"
};

/* The tombstones among the documents, read a page at a time. */
static apr_status_t count_gone(tsr_store_t *s, apr_pool_t *p,
                               apr_uint64_t *pgone)
{
    apr_pool_t *page;
    const char *after = "";
    apr_status_t rv = APR_SUCCESS;

    *pgone = 0;
    apr_pool_create(&page, p);
    for (;;) {
        apr_array_header_t *rows;
        const char *args[1];
        int i;

        args[0] = after;
        if ((rv = tsr_dbd_query(s, page, &verify_docs_sql, 1, args, &rows))
                != APR_SUCCESS
            || rows->nelts == 0) {
            break;
        }
        for (i = 0; i < rows->nelts; i++) {
            char **r = APR_ARRAY_IDX(rows, i, char **);
            const char *doc;
            apr_size_t len;
            json_object *d;

            if (tsr_dbd_unhex(page, r[1], &doc, &len) == APR_SUCCESS
                && tsr_json_parse(&d, page, doc, len, TSR_JSON_MAX_DEPTH,
                                  NULL) == APR_SUCCESS
                && json_object_is_type(d, json_type_object)
                && tsr_packument_is_gone(d)) {
                (*pgone)++;
            }
        }
        after = apr_pstrdup(p, APR_ARRAY_IDX(rows, rows->nelts - 1,
                                             char **)[0]);
        apr_pool_clear(page);
    }
    apr_pool_destroy(page);
    return rv;
}

apr_status_t tsr_dbd_verify(tsr_store_t *s, apr_pool_t *p,
                            apr_array_header_t **pproblems)
{
    apr_array_header_t *problems = apr_array_make(p, 4, sizeof(char *));
    apr_array_header_t *rows;
    const char *ver;
    apr_uint64_t gone;
    apr_status_t rv;
    char **r;
    int i;

    if ((rv = tsr_dbd_value(s, p, &verify_schema_sql, 0, NULL, &ver))
        != APR_SUCCESS) {
        return rv;
    }
    if (atoi(ver) != TSR_DBD_SCHEMA_VERSION) {
        APR_ARRAY_PUSH(problems, char *) =
            apr_psprintf(p, "tsr_schema_version: at %s, this build "
                         "expects %d", ver, TSR_DBD_SCHEMA_VERSION);
    }
    if ((rv = tsr_dbd_query(s, p, &verify_counts_sql, 0, NULL, &rows))
        != APR_SUCCESS) {
        return rv;
    }
    if (rows->nelts != 1) {
        APR_ARRAY_PUSH(problems, char *) = "tsr_counters: its row is "
                                           "missing";
    }
    else {
        r = APR_ARRAY_IDX(rows, 0, char **);
        if (strcmp(r[0], r[1]) != 0) {
            APR_ARRAY_PUSH(problems, char *) =
                apr_psprintf(p, "tsr_counters: counts %s packages "
                             "(unpublished included), there are %s", r[0],
                             r[1]);
        }
        if (strcmp(r[2], r[3]) != 0) {
            APR_ARRAY_PUSH(problems, char *) =
                apr_psprintf(p, "tsr_counters: counts %s bytes of "
                             "documents, they hold %s", r[2], r[3]);
        }
        if (apr_atoi64(r[4]) < apr_atoi64(r[5])) {
            APR_ARRAY_PUSH(problems, char *) =
                apr_psprintf(p, "tsr_counters: the last change is %s, the "
                             "feed has %s", r[4], r[5]);
        }
        if ((rv = count_gone(s, p, &gone)) != APR_SUCCESS) {
            return rv;
        }
        if ((apr_uint64_t)apr_atoi64(r[6]) != gone) {
            APR_ARRAY_PUSH(problems, char *) =
                apr_psprintf(p, "tsr_counters: counts %s unpublished "
                             "packages, there are %" APR_UINT64_T_FMT,
                             r[6], gone);
        }
    }
    if ((rv = tsr_dbd_query(s, p, &verify_orphans_sql, 0, NULL, &rows))
        != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; i < rows->nelts; i++) {
        r = APR_ARRAY_IDX(rows, i, char **);
        APR_ARRAY_PUSH(problems, char *) =
            apr_psprintf(p, "%s: %s names what is not there", r[0], r[1]);
    }
    *pproblems = problems;
    return APR_SUCCESS;
}
