/* tsr_store_dbd: the SQL provider's life cycle (the data directory in the
 * parent, a handle per process, a session per request on the request's
 * connection), its versioned schema, the helpers its other files share
 * (tsr_store_dbd_int.h), and its provider table. */
#include <string.h>
#include <apr_strings.h>
#include <apr_atomic.h>
#include <apr_file_io.h>
#include <errno.h>
#include <unistd.h>
#include "tsr_store_dbd_int.h"
#include "tsr_store_files.h"

/* The process's handle: there is no connection of its own to keep. */
typedef struct dbd_t {
    apr_time_t opened;
    /* Set once this process has seen the schema at the version it
     * expects: every later session skips the check. */
    volatile apr_uint32_t schema_ready;
} dbd_t;

static const tsr_store_provider_t dbd_provider;

/* ---- the schema ----
 *
 * Each migration is applied once, in order, and recorded in
 * tsr_schema_version; a database at version n gets migrations n+1... at
 * the next session of any process.  Values are bytea (records are opaque
 * bytes to the store, and a document need not be valid UTF-8 to be kept
 * as it came); keys are text compared bytewise (COLLATE "C") where order
 * matters, as Berkeley DB's keys are. */
static const char *const migrations[] = {
    /* 1: users, tokens, organisations, packages and their ready views,
     * the counters and the change sequence, search entries. */
    "CREATE TABLE tsr_counters ("
    " id integer PRIMARY KEY CHECK (id = 1),"
    " update_seq bigint NOT NULL DEFAULT 0,"
    " doc_count bigint NOT NULL DEFAULT 0,"
    " doc_del_count bigint NOT NULL DEFAULT 0,"
    " doc_bytes bigint NOT NULL DEFAULT 0,"
    " tarball_bytes bigint NOT NULL DEFAULT 0);"
    "INSERT INTO tsr_counters (id) VALUES (1);"
    "CREATE TABLE tsr_users (name text PRIMARY KEY, rec bytea NOT NULL);"
    "CREATE TABLE tsr_tokens (key text PRIMARY KEY,"
    " username text NOT NULL, rec bytea NOT NULL);"
    "CREATE INDEX tsr_tokens_by_user ON tsr_tokens (username, key);"
    "CREATE TABLE tsr_orgs (name text PRIMARY KEY, rec bytea NOT NULL);"
    "CREATE TABLE tsr_packages (name text PRIMARY KEY, doc bytea NOT NULL);"
    "CREATE TABLE tsr_views (name text NOT NULL, kind text NOT NULL,"
    " blob bytea NOT NULL, PRIMARY KEY (name, kind));"
    "CREATE TABLE tsr_version_views (name text NOT NULL,"
    " version text NOT NULL, view bytea NOT NULL,"
    " PRIMARY KEY (name, version));"
    "CREATE TABLE tsr_user_packages (username text NOT NULL,"
    " name text NOT NULL, PRIMARY KEY (username, name));"
    "CREATE TABLE tsr_user_stars (username text NOT NULL,"
    " name text NOT NULL, PRIMARY KEY (username, name));"
    "CREATE TABLE tsr_changes (seq bigint PRIMARY KEY, name text NOT NULL,"
    " rev text NOT NULL, at bigint NOT NULL, deleted boolean NOT NULL);"
    "CREATE TABLE tsr_search_entries (name text PRIMARY KEY,"
    " entry bytea NOT NULL);",
    /* 2: tscircuit's table (tsr_store_dbd_tsci.c): bytea keys sort
     * bytewise, as Berkeley DB's do. */
    "CREATE TABLE tsr_tsci (key bytea PRIMARY KEY, value bytea NOT NULL);",
    /* 3: autorouting jobs (tsr_store_dbd_jobs.c): each state read in its
     * own order through a partial index; the counters in one row. */
    "CREATE TABLE tsr_jobs (id text COLLATE \"C\" PRIMARY KEY,"
    " state smallint NOT NULL, created bigint NOT NULL,"
    " lease bigint NOT NULL, finished bigint NOT NULL, worker text,"
    " worker_slot integer NOT NULL, rec bytea NOT NULL, input bytea,"
    " output bytea);"
    "CREATE INDEX tsr_jobs_queued ON tsr_jobs (created, id)"
    " WHERE state = 0;"
    "CREATE INDEX tsr_jobs_running ON tsr_jobs (lease, id)"
    " WHERE state = 1;"
    "CREATE INDEX tsr_jobs_finished ON tsr_jobs (finished, id)"
    " WHERE state = 2;"
    "CREATE TABLE tsr_job_counts (id integer PRIMARY KEY CHECK (id = 1),"
    " active bigint NOT NULL DEFAULT 0, kept bigint NOT NULL DEFAULT 0);"
    "INSERT INTO tsr_job_counts (id) VALUES (1);",
    /* 4: sign-ins under way (tsr_store_dbd_logins.c). */
    "CREATE TABLE tsr_logins (id text PRIMARY KEY, owner text NOT NULL,"
    " expires bigint NOT NULL, rec bytea NOT NULL);"
    "CREATE INDEX tsr_logins_by_owner ON tsr_logins (owner, expires);"
    "CREATE INDEX tsr_logins_by_expiry ON tsr_logins (expires);",
    /* 5: the search index's posting lists (tsr_store_dbd_search.c).  A
     * database that had packages before gets them at the first session
     * that migrates it (dbd_session). */
    "CREATE TABLE tsr_search_postings (term bytea NOT NULL,"
    " name text NOT NULL, PRIMARY KEY (term, name));"
    "CREATE INDEX tsr_search_postings_by_name"
    " ON tsr_search_postings (name);",
    /* 6: a stamp per view, new at each write of it, so that a process
     * may keep views and check only the stamp (tsr_store_package_view):
     * every insert takes the next one, an update must name it. */
    "CREATE SEQUENCE tsr_view_stamp;"
    "ALTER TABLE tsr_views ADD COLUMN stamp bigint NOT NULL"
    " DEFAULT nextval('tsr_view_stamp');",
    /* 7: failed sign-ins per user and per address, counted where every
     * node sees them (tsr_store_dbd_logins.c). */
    "CREATE TABLE tsr_login_failures (key text PRIMARY KEY,"
    " started bigint NOT NULL, failures integer NOT NULL);"
    "CREATE INDEX tsr_login_failures_by_start"
    " ON tsr_login_failures (started);",
    /* 8: each posting's brief (tsr_search_posting.h), so that a query
     * scores its hits from the lists alone; rows of before have none
     * until the package is written again or `reindex search` runs. */
    "ALTER TABLE tsr_search_postings ADD COLUMN brief bytea;"
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* Any constant: it only has to be the same in every process of every
 * node, and unlikely to be another application's. */
#define MIGRATION_LOCK "7628391602"

/* One statement outside the prepared ones (the migrations'). */
static int exec_sql(tsr_dbd_conn_t *c, const char *sql)
{
    int nrows = 0;

    return apr_dbd_query(c->driver, c->handle, &nrows, sql);
}

/* The version recorded in the schema table, or -1. */
static int schema_version(tsr_dbd_conn_t *c, apr_pool_t *p)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    const char *v;
    int n = -1;

    if (apr_dbd_select(c->driver, p, c->handle, &res,
                       "SELECT coalesce(max(version), 0) "
                       "FROM tsr_schema_version", 1) != 0) {
        return -1;
    }
    if (apr_dbd_get_row(c->driver, p, res, &row, -1) == 0
        && (v = apr_dbd_get_entry(c->driver, row, 0)) != NULL) {
        n = atoi(v);
        /* Read to the end, so the driver lets the result go. */
        while (apr_dbd_get_row(c->driver, p, res, &row, -1) == 0) {
        }
    }
    return n;
}

apr_status_t tsr_store_dbd_migrate(tsr_dbd_conn_t *c, apr_pool_t *p,
                                   int *pfrom, const char **perrmsg)
{
    apr_dbd_transaction_t *txn = NULL;
    const char *what = "begin";
    int rc, found = -1, i;

    *perrmsg = NULL;
    if ((rc = apr_dbd_transaction_start(c->driver, p, c->handle, &txn))
        != 0) {
        goto fail;
    }
    /* Every process of every node may come here at once: one at a time,
     * the later ones find the work done. */
    what = "lock";
    if ((rc = exec_sql(c, "SELECT pg_advisory_xact_lock("
                       MIGRATION_LOCK ")")) != 0) {
        goto fail;
    }
    what = "schema table";
    if ((rc = exec_sql(c, "CREATE TABLE IF NOT EXISTS tsr_schema_version ("
                       "version integer PRIMARY KEY, "
                       "applied timestamptz NOT NULL DEFAULT now())"))
        != 0) {
        goto fail;
    }
    what = "schema version";
    if ((found = schema_version(c, p)) < 0) {
        rc = -1;
        goto fail;
    }
    if (found > NMIGRATIONS) {
        apr_dbd_transaction_mode_set(c->driver, txn,
                                     APR_DBD_TRANSACTION_ROLLBACK);
        apr_dbd_transaction_end(c->driver, p, txn);
        *perrmsg = apr_psprintf(p, "the database's schema is at version "
                                "%d, newer than this module's (%d): "
                                "upgrade the module", found, NMIGRATIONS);
        return APR_EINVAL;
    }
    for (i = found; i < NMIGRATIONS; i++) {
        what = apr_psprintf(p, "migration %d", i + 1);
        if ((rc = exec_sql(c, migrations[i])) != 0
            || (rc = exec_sql(c, apr_psprintf(p, "INSERT INTO "
                                              "tsr_schema_version (version)"
                                              " VALUES (%d)", i + 1)))
                   != 0) {
            goto fail;
        }
    }
    what = "commit";
    rc = apr_dbd_transaction_end(c->driver, p, txn);
    txn = NULL;
    if (rc != 0) {
        goto fail;
    }
    if (pfrom) {
        *pfrom = found;
    }
    return APR_SUCCESS;

fail:
    *perrmsg = apr_psprintf(p, "schema %s failed: %s", what,
                            apr_dbd_error(c->driver, c->handle, rc));
    if (txn) {
        apr_dbd_transaction_mode_set(c->driver, txn,
                                     APR_DBD_TRANSACTION_ROLLBACK);
        apr_dbd_transaction_end(c->driver, p, txn);
    }
    return APR_EGENERAL;
}

/* ---- helpers for the provider's files ---- */

apr_time_t tsr_dbd_opened(tsr_store_t *s)
{
    return ((dbd_t *)s->impl)->opened;
}

/* The connection itself, taken now if it was only promised: 1, or 0
 * when it cannot be had (logged when p is given). */
static int held(tsr_store_t *s, apr_pool_t *p, tsr_dbd_conn_t *c)
{
    if (c->handle != NULL) {
        return 1;
    }
    if (c->acquire != NULL && c->acquire(c) == APR_SUCCESS
        && c->handle != NULL) {
        return 1;
    }
    if (p != NULL) {
        tsr_store_log(s, p, TSR_LOG_ERR, APR_EGENERAL, "TSR00202: no "
                      "database connection for this request (see "
                      "mod_dbd's messages)");
    }
    return 0;
}

tsr_dbd_conn_t *tsr_dbd_conn(tsr_store_t *s)
{
    tsr_dbd_conn_t *c = s->conn;

    return c && held(s, NULL, c) ? c : NULL;
}

static apr_status_t failed(tsr_store_t *s, apr_pool_t *p, int rc,
                           const char *what)
{
    tsr_dbd_conn_t *c = s->conn;

    tsr_store_log(s, p, TSR_LOG_ERR, APR_EGENERAL, "TSR00201: the SQL "
                  "store's %s failed: %s", what,
                  c && c->handle ? apr_dbd_error(c->driver, c->handle, rc)
                                 : "no connection");
    return APR_EGENERAL;
}

/* q's statement on this connection, prepared on its first use here: the
 * connection's own table keeps it for every later request. */
static apr_status_t prepared(tsr_store_t *s, apr_pool_t *p,
                             const tsr_dbd_sql_t *q,
                             apr_dbd_prepared_t **pst)
{
    tsr_dbd_conn_t *c = s->conn;
    apr_dbd_prepared_t *st = NULL;
    int rc;

    if (c->prepared
        && (st = apr_hash_get(c->prepared, q->label, APR_HASH_KEY_STRING))
               != NULL) {
        *pst = st;
        return APR_SUCCESS;
    }
    if ((rc = apr_dbd_prepare(c->driver, c->pool, c->handle, q->sql,
                              q->label, &st)) != 0) {
        return failed(s, p, rc, apr_pstrcat(p, "prepare of ", q->label,
                                            NULL));
    }
    if (c->prepared == NULL) {
        c->prepared = apr_hash_make(c->pool);
    }
    apr_hash_set(c->prepared, q->label, APR_HASH_KEY_STRING, st);
    *pst = st;
    return APR_SUCCESS;
}

apr_status_t tsr_dbd_query(tsr_store_t *s, apr_pool_t *p,
                           const tsr_dbd_sql_t *q, int nargs,
                           const char *const *args,
                           apr_array_header_t **prows)
{
    tsr_dbd_conn_t *c = s->conn;
    apr_dbd_prepared_t *st;
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    apr_array_header_t *rows;
    apr_status_t rv;
    int rc, ncols, i;

    if (c == NULL) {
        return APR_ENOTIMPL;
    }
    if (!held(s, p, c)) {
        return APR_EGENERAL;
    }
    if ((rv = prepared(s, p, q, &st)) != APR_SUCCESS) {
        return rv;
    }
    if ((rc = apr_dbd_pselect(c->driver, p, c->handle, &res, st, 1, nargs,
                              (const char **)args)) != 0) {
        return failed(s, p, rc, q->label);
    }
    ncols = apr_dbd_num_cols(c->driver, res);
    rows = apr_array_make(p, 4, sizeof(char **));
    while (apr_dbd_get_row(c->driver, p, res, &row, -1) == 0) {
        char **r = apr_pcalloc(p, sizeof(char *) * (ncols ? ncols : 1));

        for (i = 0; i < ncols; i++) {
            const char *e = apr_dbd_get_entry(c->driver, row, i);

            r[i] = e ? apr_pstrdup(p, e) : NULL;
        }
        APR_ARRAY_PUSH(rows, char **) = r;
    }
    if (prows) {
        *prows = rows;
    }
    return APR_SUCCESS;
}

apr_status_t tsr_dbd_value(tsr_store_t *s, apr_pool_t *p,
                           const tsr_dbd_sql_t *q, int nargs,
                           const char *const *args, const char **pval)
{
    apr_array_header_t *rows;
    apr_status_t rv = tsr_dbd_query(s, p, q, nargs, args, &rows);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (rows->nelts == 0) {
        return TSR_ENOTFOUND;
    }
    *pval = APR_ARRAY_IDX(rows, 0, char **)[0];
    return *pval ? APR_SUCCESS : TSR_ENOTFOUND;
}

apr_status_t tsr_dbd_bytes(tsr_store_t *s, apr_pool_t *p,
                           const tsr_dbd_sql_t *q, int nargs,
                           const char *const *args, const char **pdata,
                           apr_size_t *plen)
{
    const char *hex;
    apr_status_t rv = tsr_dbd_value(s, p, q, nargs, args, &hex);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    return tsr_dbd_unhex(p, hex, pdata, plen);
}

const char *tsr_dbd_count(apr_pool_t *p, apr_size_t max)
{
    return apr_psprintf(p, "%" APR_SIZE_T_FMT, max);
}

apr_status_t tsr_dbd_names_upto(tsr_store_t *s, apr_pool_t *p,
                                const tsr_dbd_sql_t *q, const char *key,
                                apr_size_t max, apr_array_header_t **pnames)
{
    const char *args[] = { key, tsr_dbd_count(p, max) };

    return tsr_dbd_names(s, p, q, 2, args, pnames);
}

apr_status_t tsr_dbd_names(tsr_store_t *s, apr_pool_t *p,
                           const tsr_dbd_sql_t *q, int nargs,
                           const char *const *args,
                           apr_array_header_t **pnames)
{
    apr_array_header_t *rows, *names;
    apr_status_t rv = tsr_dbd_query(s, p, q, nargs, args, &rows);
    int i;

    if (rv != APR_SUCCESS) {
        return rv;
    }
    names = apr_array_make(p, rows->nelts ? rows->nelts : 1,
                           sizeof(char *));
    for (i = 0; i < rows->nelts; i++) {
        APR_ARRAY_PUSH(names, const char *) =
            APR_ARRAY_IDX(rows, i, char **)[0];
    }
    *pnames = names;
    return APR_SUCCESS;
}

apr_status_t tsr_dbd_begin(tsr_store_t *s, apr_pool_t *p,
                           apr_dbd_transaction_t **ptxn)
{
    tsr_dbd_conn_t *c = s->conn;
    int rc;

    if (c == NULL) {
        return APR_ENOTIMPL;
    }
    if (!held(s, p, c)) {
        return APR_EGENERAL;
    }
    *ptxn = NULL;
    if ((rc = apr_dbd_transaction_start(c->driver, p, c->handle, ptxn))
        != 0) {
        return failed(s, p, rc, "begin");
    }
    return APR_SUCCESS;
}

apr_status_t tsr_dbd_end(tsr_store_t *s, apr_pool_t *p,
                         apr_dbd_transaction_t *txn, int commit)
{
    tsr_dbd_conn_t *c = s->conn;
    int rc;

    if (!commit) {
        apr_dbd_transaction_mode_set(c->driver, txn,
                                     APR_DBD_TRANSACTION_ROLLBACK);
    }
    rc = apr_dbd_transaction_end(c->driver, p, txn);
    if (commit && rc != 0) {
        return failed(s, p, rc, "commit");
    }
    return APR_SUCCESS;
}

const char *tsr_dbd_hex(apr_pool_t *p, const void *data, apr_size_t len)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *b = data;
    char *out = apr_palloc(p, 2 * len + 1);
    apr_size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * len] = '\0';
    return out;
}

static int nibble(char c)
{
    return c >= '0' && c <= '9' ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

apr_status_t tsr_dbd_unhex(apr_pool_t *p, const char *text,
                           const char **pdata, apr_size_t *plen)
{
    apr_size_t n = strlen(text), i;
    char *out;

    if (n % 2) {
        return APR_EINVAL;
    }
    /* One byte more than the data: callers may treat it as a string. */
    out = apr_palloc(p, n / 2 + 1);
    for (i = 0; i < n / 2; i++) {
        int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);

        if (hi < 0 || lo < 0) {
            return APR_EINVAL;
        }
        out[i] = (char)(hi << 4 | lo);
    }
    out[n / 2] = '\0';
    *pdata = out;
    *plen = n / 2;
    return APR_SUCCESS;
}

/* ---- the life cycle ---- */

/* In the parent: the data directory for tarballs, given to the children's
 * user.  No database work: mod_dbd keeps its parameters to itself, and a
 * connection opened in the parent would be inherited by every child; the
 * schema is brought up to date by the first session of each process
 * instead (tsr_store_dbd_migrate, safe to run from many at once). */
static apr_status_t dbd_prepare(apr_pool_t *p, const tsr_store_config_t *cfg,
                                int recover, long uid, long gid)
{
    const char *dirs[] = { "", "/tarballs", "/tmp", NULL };
    apr_status_t rv = APR_SUCCESS;
    int i;

    for (i = 0; dirs[i]; i++) {
        const char *d = apr_pstrcat(p, cfg->datadir, dirs[i], NULL);

        if ((rv = apr_dir_make_recursive(d, APR_FPROT_OS_DEFAULT, p))
            != APR_SUCCESS) {
            return rv;
        }
        if (uid != -1 && chown(d, (uid_t)uid, (gid_t)gid) != 0) {
            return APR_FROM_OS_ERROR(errno);
        }
    }
    return rv;
}

static apr_status_t dbd_open(tsr_store_t **ps, apr_pool_t *p,
                             const tsr_store_config_t *cfg)
{
    tsr_store_t *s = apr_pcalloc(p, sizeof(*s));
    dbd_t *d = apr_pcalloc(p, sizeof(*d));

    d->opened = apr_time_now();
    s->provider = &dbd_provider;
    s->datadir = apr_pstrdup(p, cfg->datadir);
    s->impl = d;
    s->log = cfg->log;
    s->log_baton = cfg->log_baton;
    *ps = s;
    return APR_SUCCESS;
}

static apr_status_t dbd_session(tsr_store_t **psess, apr_pool_t *p,
                                tsr_store_t *proc, void *conn)
{
    dbd_t *d = proc->impl;
    tsr_store_t *s;

    if (conn == NULL) {
        tsr_store_log(proc, p, TSR_LOG_ERR, APR_EGENERAL, "TSR00202: no "
                      "database connection for this request (see "
                      "mod_dbd's messages)");
        return APR_EGENERAL;
    }
    if (!apr_atomic_read32(&d->schema_ready)) {
        const char *msg;
        int from = 0;
        apr_status_t rv;

        /* The process's first session brings the schema up to date, on
         * a connection taken now. */
        if (!held(proc, p, conn)) {
            return APR_EGENERAL;
        }
        rv = tsr_store_dbd_migrate(conn, p, &from, &msg);
        if (rv != APR_SUCCESS) {
            tsr_store_log(proc, p, TSR_LOG_ERR, rv, "TSR00203: %s", msg);
            return rv;
        }
        if (from < TSR_DBD_SCHEMA_VERSION) {
            tsr_store_log(proc, p, TSR_LOG_NOTICE, APR_SUCCESS, "TSR00204: "
                          "the SQL store's schema went from version %d to "
                          "%d", from, TSR_DBD_SCHEMA_VERSION);
        }
        apr_atomic_set32(&d->schema_ready, 1);
        s = apr_pmemdup(p, proc, sizeof(*s));
        s->conn = conn;
        /* Posting lists came with version 5: a database that had
         * packages before gets them now, from the entries' documents,
         * once (only the process that migrated it sees from < 5). */
        if (from >= 1 && from < 5) {
            apr_size_t n = 0;

            rv = tsr_dbd_search_rebuild(s, p, &n);
            tsr_store_log(proc, p, rv == APR_SUCCESS ? TSR_LOG_NOTICE
                                                     : TSR_LOG_ERR, rv,
                          "TSR00209: search index %s for %" APR_SIZE_T_FMT
                          " packages", rv == APR_SUCCESS ? "built"
                          : "only partly built", n);
        }
    }
    s = apr_pmemdup(p, proc, sizeof(*s));
    s->conn = conn;
    /* The process's cache of views (when Apache gave it one) is checked
     * against each view's stamp in the database, unless the node polls
     * the changes feed for other nodes' writes (view_poll): the stamps
     * in memory then follow those too. */
    if (s->view_poll == NULL) {
        s->view_stamps = NULL;
    }
    *psess = s;
    return APR_SUCCESS;
}

/* How long an entry of the shared tmp/ must have been left before a
 * node's upkeep sweeps it: far longer than any publish takes from placing
 * its tarball to its commit (seconds), so that the others' publishes in
 * flight are never touched. */
#define SWEEP_TMP_AFTER_SEC 600

/* Upkeep, on a session with a connection (Apache's upkeep takes one of
 * mod_dbd's, a tool has its own; a handle without one does nothing):
 * expired sign-ins, and the tarballs of publishes that a dead node
 * placed and never committed (the Berkeley DB store sweeps those at its
 * recovery; here no node restarts the others). */
static apr_status_t dbd_maintain(tsr_store_t *s, apr_pool_t *p)
{
    apr_status_t rv, frv;

    if (tsr_dbd_conn(s) == NULL) {
        return APR_SUCCESS;
    }
    rv = tsr_dbd_logins_sweep(s, p);
    frv = tsr_store_files_sweep(s, p, apr_time_now()
                                      - apr_time_from_sec(SWEEP_TMP_AFTER_SEC),
                                NULL);
    return rv != APR_SUCCESS ? rv : frv;
}

static const tsr_store_provider_t dbd_provider = {
    "dbd",
    dbd_prepare,
    dbd_open,
    dbd_session,
    dbd_maintain,
    NULL,                       /* recovery_needed: the database recovers */
    NULL,                       /* recovery_clear */
    tsr_store_files_stage,
    tsr_store_files_place,
    tsr_store_files_remove,
    tsr_store_files_unstage,
    tsr_dbd_package_view,
    tsr_dbd_package_doc,
    tsr_dbd_package_update,
    tsr_dbd_user_get,
    tsr_dbd_user_create,
    tsr_dbd_token_put,
    tsr_dbd_token_get,
    tsr_dbd_token_delete,
    tsr_dbd_token_list,
    tsr_dbd_org_get,
    tsr_dbd_org_update,
    tsr_dbd_package_names,
    tsr_dbd_user_packages,
    tsr_dbd_stats,
    tsr_dbd_package_version_view,
    tsr_dbd_changes,
    tsr_dbd_user_stars,
    tsr_dbd_login_create,
    tsr_dbd_login_get,
    tsr_dbd_login_update,
    tsr_dbd_user_names,
    tsr_dbd_user_update,
    tsr_dbd_user_delete,
    tsr_dbd_package_names_after,
    tsr_dbd_package_reindex,
    NULL,                       /* backup_hold: pg_dump's business */
    NULL,                       /* backup_files */
    NULL,                       /* backup_copy */
    NULL,                       /* backup_recover */
    tsr_dbd_release,
    tsr_dbd_open_admin,
    tsr_dbd_verify,
    tsr_dbd_search_postings,
    tsr_dbd_search_entry,
    tsr_dbd_search_rebuild,
    tsr_dbd_job_create,
    tsr_dbd_job_get,
    tsr_dbd_job_output,
    tsr_dbd_job_claim,
    tsr_dbd_job_update,
    tsr_dbd_job_sweep,
    tsr_dbd_tsci_txn,
    tsr_dbd_package_view_stamp,
    tsr_dbd_login_failures,
    NULL,                       /* trim_log: PostgreSQL keeps its own */
    tsr_dbd_org_names,
    tsr_dbd_change_seq_floor
};

const tsr_store_provider_t *tsr_store_dbd_provider(void)
{
    return &dbd_provider;
}
