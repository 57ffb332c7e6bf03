/* check_store_dbd: the SQL store through the tsr_store interface, on a
 * real PostgreSQL (TSCI_TEST_PG, a libpq connection string; t/bin/
 * pg-cluster starts a private one, and make check passes it): the schema
 * and its migration, users, tokens, package writes with their refusals,
 * counters and change sequence, and a second connection (another node)
 * seeing what the first wrote.  Without TSCI_TEST_PG the suite has no
 * tests and says so. */
#include <stdio.h>
#include <stdlib.h>
#include <apr_strings.h>
#include <apr_dbd.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_store_dbd.h"
#include "tsr_store_files.h"
#include "tsr_viewcache.h"
#include "tsr_auth.h"
#include "tsr_json.h"
#include "tsr_search_posting.h"

static apr_pool_t *driver_pool;
static const apr_dbd_driver_t *driver;
static const char *params;
static tsr_store_t *proc;
static tsr_store_t *store;          /* a session on conn1 */
static tsr_dbd_conn_t conn1, conn2;
static const char *datadir;
static char last_log[512];

static void log_fn(void *baton, int level, apr_status_t rv, const char *msg)
{
    (void)baton;
    (void)level;
    (void)rv;
    apr_cpystrn(last_log, msg, sizeof(last_log));
}

static void open_conn(tsr_dbd_conn_t *c)
{
    memset(c, 0, sizeof(*c));
    c->driver = driver;
    c->pool = fx_pool;
    ck_assert_int_eq(apr_dbd_open(driver, fx_pool, params, &c->handle),
                     APR_SUCCESS);
}

static void sql(tsr_dbd_conn_t *c, const char *text)
{
    int n = 0;

    ck_assert_msg(apr_dbd_query(driver, c->handle, &n, text) == 0,
                  "%s: %s", text, apr_dbd_error(driver, c->handle, 1));
}

/* The first column of the first row of text (a plain query), in fx_pool. */
static const char *sql_value(tsr_dbd_conn_t *c, const char *text)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    const char *v = NULL;

    ck_assert_int_eq(apr_dbd_select(driver, fx_pool, c->handle, &res, text,
                                    1), 0);
    if (apr_dbd_get_row(driver, fx_pool, res, &row, -1) == 0) {
        v = apr_pstrdup(fx_pool, apr_dbd_get_entry(driver, row, 0));
        while (apr_dbd_get_row(driver, fx_pool, res, &row, -1) == 0) {
        }
    }
    return v;
}

static void setup(void)
{
    tsr_store_config_t cfg;

    if (driver_pool == NULL) {
        apr_pool_create(&driver_pool, NULL);
        apr_dbd_init(driver_pool);
        ck_assert_int_eq(apr_dbd_get_driver(driver_pool, "pgsql", &driver),
                         APR_SUCCESS);
    }
    open_conn(&conn1);
    open_conn(&conn2);
    /* Every test starts from an empty database: the migration runs. */
    sql(&conn1, "DROP SCHEMA public CASCADE");
    sql(&conn1, "CREATE SCHEMA public");
    memset(&cfg, 0, sizeof(cfg));
    cfg.datadir = datadir = fx_tempdir(fx_pool);
    cfg.log = log_fn;
    ck_assert_int_eq(tsr_store_prepare(tsr_store_dbd_provider(), fx_pool,
                                       &cfg, 0, -1, -1), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_open(tsr_store_dbd_provider(), &proc,
                                    fx_pool, &cfg), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_session(&store, fx_pool, proc, &conn1),
                     APR_SUCCESS);
}

static void teardown(void)
{
    apr_dbd_close(driver, conn1.handle);
    apr_dbd_close(driver, conn2.handle);
}

static tsr_store_stats_t stats(tsr_store_t *s)
{
    tsr_store_stats_t st;

    ck_assert_int_eq(tsr_store_stats(s, fx_pool, &st), APR_SUCCESS);
    return st;
}

START_TEST(schema_made_once)
{
    tsr_store_t *again;
    const char *msg;
    int from = -1;

    ck_assert_str_eq(sql_value(&conn1, "SELECT max(version) FROM "
                               "tsr_schema_version"),
                     apr_itoa(fx_pool, TSR_DBD_SCHEMA_VERSION));
    ck_assert_str_eq(sql_value(&conn1, "SELECT count(*) FROM "
                               "tsr_schema_version"),
                     apr_itoa(fx_pool, TSR_DBD_SCHEMA_VERSION));
    /* Again, as another process's first session would: nothing to do. */
    ck_assert_int_eq(tsr_store_dbd_migrate(&conn2, fx_pool, &from, &msg),
                     APR_SUCCESS);
    ck_assert_int_eq(from, TSR_DBD_SCHEMA_VERSION);
    ck_assert_str_eq(sql_value(&conn1, "SELECT count(*) FROM "
                               "tsr_schema_version"),
                     apr_itoa(fx_pool, TSR_DBD_SCHEMA_VERSION));
    ck_assert_int_eq(tsr_store_session(&again, fx_pool, proc, &conn2),
                     APR_SUCCESS);
    ck_assert_ptr_eq(again->conn, &conn2);
    /* A newer schema than this build knows is refused, not "migrated". */
    sql(&conn1, "INSERT INTO tsr_schema_version (version) VALUES (99)");
    ck_assert_int_eq(tsr_store_dbd_migrate(&conn2, fx_pool, &from, &msg),
                     APR_EINVAL);
    ck_assert_contains(msg, "version 99");
    /* A session without a connection is refused, with a reason. */
    ck_assert_int_ne(tsr_store_session(&again, fx_pool, proc, NULL),
                     APR_SUCCESS);
    ck_assert_contains(last_log, "no database connection");
}
END_TEST

typedef struct rec_edit_t {
    const char *set;                /* NULL: remove */
    int refuse;
    const char *saw;
} rec_edit_t;

static apr_status_t edit(void *baton, apr_pool_t *p, const char *cur,
                         apr_size_t len, const char **pnext,
                         apr_size_t *pnext_len, tsr_error_t **perr)
{
    rec_edit_t *e = baton;

    e->saw = cur ? apr_pstrmemdup(fx_pool, cur, len) : NULL;
    if (e->refuse) {
        return tsr_error_set(perr, p, 409, NULL, "no");
    }
    *pnext = e->set;
    *pnext_len = e->set ? strlen(e->set) : 0;
    return APR_SUCCESS;
}

START_TEST(users)
{
    static const char rec1[] = "{\"name\":\"alice\",\"v\":1}";
    const char *rec;
    apr_size_t len;
    rec_edit_t e = { "{\"name\":\"alice\",\"v\":2}", 0, NULL };
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_store_user_get(store, fx_pool, "alice", &rec, &len),
                     TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_store_user_create(store, fx_pool, "alice", rec1,
                                           strlen(rec1)), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_user_create(store, fx_pool, "alice", "{}",
                                           2), TSR_EEXISTS);
    ck_assert_int_eq(tsr_store_user_get(store, fx_pool, "alice", &rec, &len),
                     APR_SUCCESS);
    ck_assert_uint_eq(len, strlen(rec1));
    ck_assert_str_eq(rec, rec1);        /* the taken create changed nothing */

    ck_assert_int_eq(tsr_store_user_update(store, fx_pool, "alice", edit, &e,
                                           &err), APR_SUCCESS);
    ck_assert_str_eq(e.saw, rec1);
    ck_assert_int_eq(tsr_store_user_get(store, fx_pool, "alice", &rec, &len),
                     APR_SUCCESS);
    ck_assert_str_eq(rec, "{\"name\":\"alice\",\"v\":2}");
    e.refuse = 1;
    ck_assert_refusal(tsr_store_user_update(store, fx_pool, "alice", edit,
                                            &e, &err), err, 409);
    e.refuse = 0;
    e.set = NULL;
    ck_assert_refusal(tsr_store_user_update(store, fx_pool, "alice", edit,
                                            &e, &err), err, 400);
    ck_assert_int_eq(tsr_store_user_get(store, fx_pool, "alice", &rec, &len),
                     APR_SUCCESS);
    ck_assert_str_eq(rec, "{\"name\":\"alice\",\"v\":2}");
    ck_assert_int_eq(tsr_store_user_update(store, fx_pool, "nobody", edit,
                                           &e, &err), TSR_ENOTFOUND);
    /* Bytes, not text: a record with a NUL and high bytes comes back. */
    ck_assert_int_eq(tsr_store_user_create(store, fx_pool, "bin",
                                           "a\0\xff\x80z", 5), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_user_get(store, fx_pool, "bin", &rec, &len),
                     APR_SUCCESS);
    ck_assert_uint_eq(len, 5);
    ck_assert_int_eq(memcmp(rec, "a\0\xff\x80z", 5), 0);
}
END_TEST

START_TEST(tokens)
{
    unsigned char k1[32], k2[32], k3[32];
    apr_array_header_t *keys;
    const char *rec;
    apr_size_t len;

    memset(k1, 1, 32);
    memset(k2, 2, 32);
    memset(k3, 0xee, 32);
    ck_assert_int_eq(tsr_store_token_put(store, fx_pool, k2, "alice", "r2",
                                         2), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_token_put(store, fx_pool, k1, "alice", "r1",
                                         2), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_token_put(store, fx_pool, k3, "bob", "r3", 2),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_store_token_list(store, fx_pool, "alice", &keys),
                     APR_SUCCESS);
    ck_assert_int_eq(keys->nelts, 2);
    ck_assert_int_eq(memcmp(keys->elts, k1, 32), 0);     /* in key order */
    ck_assert_int_eq(memcmp(keys->elts + 32, k2, 32), 0);
    ck_assert_int_eq(tsr_store_token_get(store, fx_pool, k3, &rec, &len),
                     APR_SUCCESS);
    ck_assert_int_eq(len, 2);
    ck_assert_int_eq(memcmp(rec, "r3", 2), 0);
    /* Only the hash is kept: the row's key is the hex of the 32 bytes. */
    ck_assert_str_eq(sql_value(&conn1, "SELECT username FROM tsr_tokens "
                               "WHERE key = repeat('ee', 32)"), "bob");

    ck_assert_int_eq(tsr_store_token_delete(store, fx_pool, k1, "alice"),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_store_token_get(store, fx_pool, k1, &rec, &len),
                     TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_store_token_list(store, fx_pool, "alice", &keys),
                     APR_SUCCESS);
    ck_assert_int_eq(keys->nelts, 1);
    ck_assert_int_eq(memcmp(keys->elts, k2, 32), 0);
    /* Deleting what is gone is no error. */
    ck_assert_int_eq(tsr_store_token_delete(store, fx_pool, k1, "alice"),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_store_token_list(store, fx_pool, "carol", &keys),
                     APR_SUCCESS);
    ck_assert_int_eq(keys->nelts, 0);
}
END_TEST

typedef struct upd_t {
    const char *doc;
    const char *rev;
    int refuse;
    int gone;
    int calls;
    int undos;
    const char *saw;
} upd_t;

static void undo_cb(void *baton)
{
    ((upd_t *)baton)->undos++;
}

static apr_status_t update_cb(void *baton, apr_pool_t *p, const char *cur,
                              apr_size_t cur_len, tsr_package_write_t *out,
                              tsr_error_t **perr)
{
    upd_t *u = baton;

    u->calls++;
    u->saw = cur ? apr_pstrmemdup(fx_pool, cur, cur_len) : NULL;
    out->undo = undo_cb;
    out->undo_baton = u;
    if (u->refuse) {
        return tsr_error_set(perr, p, 409, NULL, "conflict (%d)", u->refuse);
    }
    out->doc = u->doc;
    out->doc_len = strlen(u->doc);
    out->full = apr_pstrcat(p, "full of ", u->doc, NULL);
    out->full_len = strlen(out->full);
    out->abbrev = apr_pstrcat(p, "abbrev of ", u->doc, NULL);
    out->abbrev_len = strlen(out->abbrev);
    out->version = "1.0.0";
    out->version_view = "{\"version\":\"1.0.0\"}";
    out->version_view_len = strlen(out->version_view);
    out->tags = "{\"latest\":\"1.0.0\"}";
    out->tags_len = strlen(out->tags);
    out->creator = "alice";
    out->rev = u->rev;
    out->tarball_bytes = 100;
    out->gone = u->gone;
    return APR_SUCCESS;
}

static apr_status_t update(tsr_store_t *s, const char *name, upd_t *u,
                           tsr_error_t **perr)
{
    *perr = NULL;
    return tsr_store_package_update(s, fx_pool, name, update_cb, u, perr);
}

static const char *view_of(tsr_store_t *s, const char *name, char kind)
{
    const char *v;
    apr_size_t len;
    apr_status_t rv = tsr_store_package_view(s, fx_pool, name, kind, &v,
                                             &len);

    if (rv == TSR_ENOTFOUND) {
        return NULL;
    }
    ck_assert_int_eq(rv, APR_SUCCESS);
    return apr_pstrmemdup(fx_pool, v, len);
}

START_TEST(package_writes)
{
    upd_t u = { "{\"name\":\"a\",\"_rev\":\"1-x\"}", "1-x", 0, 0, 0, 0, 0 };
    tsr_error_t *err;
    tsr_store_stats_t st;
    apr_array_header_t *names;
    const char *v;
    apr_size_t len;

    ck_assert_int_eq(update(store, "a", &u, &err), APR_SUCCESS);
    ck_assert_ptr_null(u.saw);
    ck_assert_str_eq(view_of(store, "a", TSR_VIEW_FULL),
                     apr_pstrcat(fx_pool, "full of ", u.doc, NULL));
    ck_assert_str_eq(view_of(store, "a", TSR_VIEW_TAGS),
                     "{\"latest\":\"1.0.0\"}");
    ck_assert_int_eq(tsr_store_package_version_view(store, fx_pool, "a",
                                                    "1.0.0", &v, &len),
                     APR_SUCCESS);
    ck_assert_int_eq(memcmp(v, "{\"version\":\"1.0.0\"}", len), 0);
    ck_assert_int_eq(tsr_store_package_doc(store, fx_pool, "a", &v, &len),
                     APR_SUCCESS);
    ck_assert_str_eq(v, u.doc);
    /* A document with no "latest" version is not to be found: no search
     * entry (see the end for one that has). */
    ck_assert_int_eq(tsr_store_search_entry(store, fx_pool, "a", &v, &len),
                     TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_store_user_packages(store, fx_pool, "alice", 10,
                                             &names), APR_SUCCESS);
    ck_assert_int_eq(names->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(names, 0, const char *), "a");
    st = stats(store);
    ck_assert_uint_eq(st.update_seq, 1);
    ck_assert_uint_eq(st.doc_count, 1);
    ck_assert_uint_eq(st.data_size, strlen(u.doc) + 100);

    /* A refusal (the 409 of a stale _rev) leaves everything as it was,
     * and its record outlives the write's scratch pool. */
    u.refuse = 1;
    u.doc = "{\"name\":\"a\",\"_rev\":\"2-y\"}";
    ck_assert_refusal(update(store, "a", &u, &err), err, 409);
    ck_assert_str_eq(err->message, "conflict (1)");
    ck_assert_int_eq(u.undos, 0);
    ck_assert_str_eq(u.saw, "{\"name\":\"a\",\"_rev\":\"1-x\"}");
    st = stats(store);
    ck_assert_uint_eq(st.update_seq, 1);
    ck_assert_uint_eq(st.data_size, strlen(u.saw) + 100);
    ck_assert_str_eq(view_of(store, "a", TSR_VIEW_FULL),
                     apr_pstrcat(fx_pool, "full of ", u.saw, NULL));
    ck_assert_str_eq(sql_value(&conn1, "SELECT count(*) FROM tsr_changes"),
                     "1");

    /* The update goes through; then a second package. */
    u.refuse = 0;
    u.rev = "2-y";
    ck_assert_int_eq(update(store, "a", &u, &err), APR_SUCCESS);
    u.doc = "{\"name\":\"@s/b\"}";
    u.rev = NULL;
    ck_assert_int_eq(update(store, "@s/b", &u, &err), APR_SUCCESS);
    st = stats(store);
    ck_assert_uint_eq(st.update_seq, 3);
    ck_assert_uint_eq(st.doc_count, 2);
    ck_assert_int_eq(tsr_store_package_names(store, fx_pool, "@s/", 10,
                                             &names), APR_SUCCESS);
    ck_assert_int_eq(names->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(names, 0, const char *), "@s/b");

    /* The search entry is derived from the document in the same write. */
    u.doc = "{\"name\":\"c\",\"dist-tags\":{\"latest\":\"1.0.0\"},"
            "\"versions\":{\"1.0.0\":{\"name\":\"c\",\"version\":"
            "\"1.0.0\",\"description\":\"findable\"}}}";
    ck_assert_int_eq(update(store, "c", &u, &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_search_entry(store, fx_pool, "c", &v, &len),
                     APR_SUCCESS);
    ck_assert_uint_gt(len, 0);
}
END_TEST

START_TEST(change_sequence)
{
    upd_t u = { "{\"name\":\"a\"}", "1-a", 0, 0, 0, 0, 0 };
    tsr_error_t *err;
    apr_array_header_t *rows;
    tsr_change_t *c;
    tsr_store_t *other;
    tsr_store_stats_t st;

    ck_assert_int_eq(update(store, "a", &u, &err), APR_SUCCESS);
    u.rev = "1-b";
    ck_assert_int_eq(update(store, "b", &u, &err), APR_SUCCESS);
    /* Another connection, as another node: it sees both writes at once,
     * and its own write takes the next number. */
    ck_assert_int_eq(tsr_store_session(&other, fx_pool, proc, &conn2),
                     APR_SUCCESS);
    ck_assert_str_eq(view_of(other, "b", TSR_VIEW_ABBREV),
                     "abbrev of {\"name\":\"a\"}");
    u.rev = "2-a";
    u.gone = 1;
    ck_assert_int_eq(update(other, "a", &u, &err), APR_SUCCESS);

    ck_assert_int_eq(tsr_store_changes(store, fx_pool, 0, 0, 10, &rows),
                     APR_SUCCESS);
    ck_assert_int_eq(rows->nelts, 3);
    c = (tsr_change_t *)rows->elts;
    ck_assert_uint_eq(c[0].seq, 1);
    ck_assert_str_eq(c[0].name, "a");
    ck_assert_str_eq(c[0].rev, "1-a");
    ck_assert_int_eq(c[0].deleted, 0);
    ck_assert(c[0].time > apr_time_now() - apr_time_from_sec(60));
    ck_assert_uint_eq(c[1].seq, 2);
    ck_assert_str_eq(c[1].name, "b");
    ck_assert_uint_eq(c[2].seq, 3);
    ck_assert_int_eq(c[2].deleted, 1);
    /* since= */
    ck_assert_int_eq(tsr_store_changes(store, fx_pool, 2, 0, 10, &rows),
                     APR_SUCCESS);
    ck_assert_int_eq(rows->nelts, 1);
    ck_assert_uint_eq(((tsr_change_t *)rows->elts)[0].seq, 3);
    /* newest first, bounded */
    ck_assert_int_eq(tsr_store_changes(store, fx_pool, 0, 1, 2, &rows),
                     APR_SUCCESS);
    ck_assert_int_eq(rows->nelts, 2);
    ck_assert_uint_eq(((tsr_change_t *)rows->elts)[0].seq, 3);
    ck_assert_uint_eq(((tsr_change_t *)rows->elts)[1].seq, 2);
    /* The unpublish took every view away and counted the package gone. */
    ck_assert_ptr_null(view_of(store, "a", TSR_VIEW_FULL));
    ck_assert_ptr_null(view_of(store, "a", TSR_VIEW_TAGS));
    st = stats(store);
    ck_assert_uint_eq(st.doc_count, 1);
    ck_assert_uint_eq(st.doc_del_count, 1);
    ck_assert_uint_eq(st.update_seq, 3);
}
END_TEST

/* Each process may keep views: on the SQL store each is checked against
 * its stamp in the database, so a write through another node (another
 * connection) is seen at the next read, and an unchanged view is read
 * from memory. */
START_TEST(cached_views_follow_other_nodes)
{
    upd_t u = { "{\"name\":\"c\"}", "1-c", 0, 0, 0, 0, 0 };
    tsr_viewcache_t *cache;
    tsr_store_t *mine, *other;
    apr_uint64_t s1, s2;
    apr_uint32_t a1;
    apr_size_t entries, bytes;
    tsr_error_t *err;

    ck_assert_int_eq(tsr_viewcache_create(&cache, fx_pool, 1 << 20,
                                          apr_time_from_sec(60)),
                     APR_SUCCESS);
    proc->views = cache;
    ck_assert_int_eq(tsr_store_session(&mine, fx_pool, proc, &conn1),
                     APR_SUCCESS);
    proc->views = NULL;
    ck_assert_int_eq(tsr_store_session(&other, fx_pool, proc, &conn2),
                     APR_SUCCESS);
    ck_assert_ptr_eq(mine->views, cache);
    ck_assert_ptr_null(mine->view_stamps);
    /* Nothing tells this node of other nodes' writes in time for an
     * answer that depends on every package: none may be kept. */
    ck_assert_int_eq(tsr_store_answers_stamp(mine, fx_pool, apr_time_now(),
                                             &a1), APR_ENOTIMPL);

    ck_assert_int_eq(update(other, "c", &u, &err), APR_SUCCESS);
    ck_assert_str_eq(view_of(mine, "c", TSR_VIEW_FULL),
                     "full of {\"name\":\"c\"}");
    tsr_viewcache_usage(cache, &entries, &bytes);
    ck_assert_uint_eq(entries, 1);
    /* Unchanged: the stamp alone is read, the view comes from memory
     * (its row is changed behind the store's back to tell). */
    ck_assert_int_eq(mine->provider->package_view_stamp(mine, fx_pool, "c",
                                                TSR_VIEW_FULL, &s1),
                     APR_SUCCESS);
    sql(&conn2, "UPDATE tsr_views SET blob = 'x'::bytea "
        "WHERE name = 'c' AND kind = 'f'");
    ck_assert_str_eq(view_of(mine, "c", TSR_VIEW_FULL),
                     "full of {\"name\":\"c\"}");
    /* Written through the other node: a new stamp, the new view. */
    u.doc = "{\"name\":\"c\",\"v\":2}";
    u.rev = "2-c";
    ck_assert_int_eq(update(other, "c", &u, &err), APR_SUCCESS);
    ck_assert_int_eq(mine->provider->package_view_stamp(mine, fx_pool, "c",
                                                TSR_VIEW_FULL, &s2),
                     APR_SUCCESS);
    ck_assert(s2 != s1);
    ck_assert_str_eq(view_of(mine, "c", TSR_VIEW_FULL),
                     "full of {\"name\":\"c\",\"v\":2}");
    /* Gone through the other node: gone here at once. */
    u.gone = 1;
    u.rev = "3-c";
    ck_assert_int_eq(update(other, "c", &u, &err), APR_SUCCESS);
    ck_assert_ptr_null(view_of(mine, "c", TSR_VIEW_FULL));
    ck_assert_int_eq(mine->provider->package_view_stamp(mine, fx_pool, "c",
                                                TSR_VIEW_FULL, &s2),
                     TSR_ENOTFOUND);
}
END_TEST

/* A node that polls the changes feed (TsciRegistryViewLag): its
 * processes serve what they keep from memory, with no round trip, until
 * the next poll bumps the stamps of what other nodes wrote; its own
 * writes bump them at once. */
START_TEST(polled_views_follow_other_nodes)
{
    upd_t u = { "{\"name\":\"c\"}", "1-c", 0, 0, 0, 0, 0 };
    upd_t d = { "{\"name\":\"d\"}", "1-d", 0, 0, 0, 0, 0 };
    tsr_view_poll_t poll = { 0, 0 };
    apr_uint32_t *stamps = apr_pcalloc(fx_pool,
                                       TSR_VIEW_STAMPS_LEN * sizeof(*stamps));
    tsr_viewcache_t *cache;
    tsr_store_t *mine, *other;
    tsr_error_t *err;
    apr_uint32_t a1, a2;
    int i;

    ck_assert_int_eq(tsr_viewcache_create(&cache, fx_pool, 1 << 20,
                                          apr_time_from_sec(60)),
                     APR_SUCCESS);
    proc->views = cache;
    proc->view_stamps = stamps;
    proc->view_poll = &poll;
    proc->view_lag = apr_time_from_sec(60);
    ck_assert_int_eq(tsr_store_session(&mine, fx_pool, proc, &conn1),
                     APR_SUCCESS);
    proc->views = NULL;
    proc->view_stamps = NULL;
    proc->view_poll = NULL;
    ck_assert_int_eq(tsr_store_session(&other, fx_pool, proc, &conn2),
                     APR_SUCCESS);
    ck_assert_ptr_eq(mine->view_stamps, stamps);

    ck_assert_int_eq(update(other, "c", &u, &err), APR_SUCCESS);
    ck_assert_str_eq(view_of(mine, "c", TSR_VIEW_FULL),
                     "full of {\"name\":\"c\"}");
    /* The first poll starts at the newest change (1) and puts the next
     * one a lag away. */
    ck_assert_uint_eq(poll.seen, 2);
    ck_assert((apr_time_t)poll.due > apr_time_now() + apr_time_from_sec(30));

    /* Within the lag the node serves what it keeps: even a view changed
     * behind the store's back is not asked for. */
    u.doc = "{\"name\":\"c\",\"v\":2}";
    u.rev = "2-c";
    ck_assert_int_eq(update(other, "c", &u, &err), APR_SUCCESS);
    ck_assert_str_eq(view_of(mine, "c", TSR_VIEW_FULL),
                     "full of {\"name\":\"c\"}");
    /* The lag over, the poll reads change 2 and the view is read again. */
    poll.due = 0;
    ck_assert_str_eq(view_of(mine, "c", TSR_VIEW_FULL),
                     "full of {\"name\":\"c\",\"v\":2}");
    ck_assert_uint_eq(poll.seen, 3);

    /* Another package's write leaves c's view where it is. */
    ck_assert_int_eq(update(other, "d", &d, &err), APR_SUCCESS);
    poll.due = 0;
    sql(&conn2, "UPDATE tsr_views SET blob = 'x'::bytea "
        "WHERE name = 'c' AND kind = 'f'");
    ck_assert_str_eq(view_of(mine, "c", TSR_VIEW_FULL),
                     "full of {\"name\":\"c\",\"v\":2}");
    ck_assert_uint_eq(poll.seen, 4);

    /* The node's own write is seen at once, lag or not. */
    u.doc = "{\"name\":\"c\",\"v\":3}";
    u.rev = "3-c";
    ck_assert_int_eq(update(mine, "c", &u, &err), APR_SUCCESS);
    ck_assert_str_eq(view_of(mine, "c", TSR_VIEW_FULL),
                     "full of {\"name\":\"c\",\"v\":3}");
    /* Answers that depend on every package follow the poll: within the
     * lag another node's write leaves their stamp as it was, the poll
     * moves it. */
    ck_assert_int_eq(tsr_store_answers_stamp(mine, fx_pool, apr_time_now(),
                                             &a1), APR_SUCCESS);
    d.rev = "2-d";
    d.doc = "{\"name\":\"d\",\"v\":2}";
    ck_assert_int_eq(update(other, "d", &d, &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_answers_stamp(mine, fx_pool, apr_time_now(),
                                             &a2), APR_SUCCESS);
    ck_assert_uint_eq(a2, a1);
    poll.due = 0;
    ck_assert_int_eq(tsr_store_answers_stamp(mine, fx_pool, apr_time_now(),
                                             &a2), APR_SUCCESS);
    ck_assert_uint_ne(a2, a1);
    /* A package another node made is no longer missing at the poll. */
    ck_assert_ptr_null(view_of(mine, "e", TSR_VIEW_FULL));
    d.rev = "1-e";
    d.doc = "{\"name\":\"e\"}";
    ck_assert_int_eq(update(other, "e", &d, &err), APR_SUCCESS);
    ck_assert_ptr_null(view_of(mine, "e", TSR_VIEW_FULL));
    poll.due = 0;
    ck_assert_str_eq(view_of(mine, "e", TSR_VIEW_FULL),
                     "full of {\"name\":\"e\"}");

    /* More changes than a poll reads: every kept view is dropped, and
     * the polls that follow at once catch up. */
    sql(&conn2, "UPDATE tsr_views SET blob = 'x'::bytea "
        "WHERE name = 'c' AND kind = 'f'");
    for (i = 0; i < 520; i++) {
        upd_t m = { "{\"name\":\"m\"}", "", 0, 0, 0, 0, 0 };

        m.rev = apr_psprintf(fx_pool, "%d-m", i + 1);
        ck_assert_int_eq(update(other, "m", &m, &err), APR_SUCCESS);
    }
    poll.due = 0;
    ck_assert_str_eq(view_of(mine, "c", TSR_VIEW_FULL), "x");
    ck_assert_uint_eq(poll.due, 0);
    ck_assert_str_eq(view_of(mine, "m", TSR_VIEW_FULL),
                     "full of {\"name\":\"m\"}");
    ck_assert_uint_eq(poll.seen, 6 + 520 + 1);
}
END_TEST

/* A request's connection is promised, and taken (from mod_dbd's pool,
 * here conn1) by the first statement it needs: a read served from kept
 * views takes none. */
static int acquired;

static apr_status_t acquire_conn1(tsr_dbd_conn_t *c)
{
    acquired++;
    if (conn1.prepared == NULL) {
        conn1.prepared = apr_hash_make(conn1.pool);
    }
    c->driver = conn1.driver;
    c->handle = conn1.handle;
    c->pool = conn1.pool;
    c->prepared = conn1.prepared;
    return APR_SUCCESS;
}

static apr_status_t acquire_none(tsr_dbd_conn_t *c)
{
    (void)c;
    acquired++;
    return APR_EGENERAL;
}

static tsr_store_t *promised_session(apr_status_t (*fn)(tsr_dbd_conn_t *))
{
    tsr_dbd_conn_t *c = apr_pcalloc(fx_pool, sizeof(*c));
    tsr_store_t *s;

    c->acquire = fn;
    ck_assert_int_eq(tsr_store_session(&s, fx_pool, proc, c), APR_SUCCESS);
    return s;
}

START_TEST(connection_taken_when_needed)
{
    upd_t u = { "{\"name\":\"c\"}", "1-c", 0, 0, 0, 0, 0 };
    tsr_view_poll_t poll = { 0, 0 };
    tsr_viewcache_t *cache;
    tsr_store_t *req;
    const char *blob;
    apr_size_t len;
    tsr_error_t *err;

    ck_assert_int_eq(tsr_viewcache_create(&cache, fx_pool, 1 << 20,
                                          apr_time_from_sec(60)),
                     APR_SUCCESS);
    ck_assert_int_eq(update(store, "c", &u, &err), APR_SUCCESS);
    proc->views = cache;
    proc->view_stamps = apr_pcalloc(fx_pool,
                                    TSR_VIEW_STAMPS_LEN * sizeof(apr_uint32_t));
    proc->view_poll = &poll;
    proc->view_lag = apr_time_from_sec(60);

    acquired = 0;
    req = promised_session(acquire_conn1);
    ck_assert_int_eq(acquired, 0);
    ck_assert_str_eq(view_of(req, "c", TSR_VIEW_FULL),
                     "full of {\"name\":\"c\"}");
    ck_assert_int_eq(acquired, 1);
    ck_assert_str_eq(view_of(req, "c", TSR_VIEW_ABBREV),
                     "abbrev of {\"name\":\"c\"}");
    ck_assert_int_eq(acquired, 1);      /* taken once for the request */
    /* The next request is served from memory: no connection at all. */
    req = promised_session(acquire_conn1);
    ck_assert_str_eq(view_of(req, "c", TSR_VIEW_FULL),
                     "full of {\"name\":\"c\"}");
    ck_assert_int_eq(acquired, 1);
    /* One whose connection cannot be had fails, and only when it needs
     * one. */
    req = promised_session(acquire_none);
    ck_assert_str_eq(view_of(req, "c", TSR_VIEW_FULL),
                     "full of {\"name\":\"c\"}");
    ck_assert_int_eq(acquired, 1);
    ck_assert_int_eq(tsr_store_package_view(req, fx_pool, "d", TSR_VIEW_FULL,
                                            &blob, &len), APR_EGENERAL);
    ck_assert_int_eq(acquired, 2);
    proc->views = NULL;
    proc->view_stamps = NULL;
    proc->view_poll = NULL;
}
END_TEST

START_TEST(not_yet_supported)
{
    const char *rec;
    apr_size_t len;

    /* A process handle is no session: it has no connection to work on. */
    ck_assert_int_eq(tsr_store_user_get(proc, fx_pool, "a", &rec, &len),
                     APR_ENOTIMPL);
    ck_assert_int_eq(tsr_store_login_get(proc, fx_pool, "x", &rec, &len),
                     APR_ENOTIMPL);
    ck_assert_int_eq(tsr_store_tsci_txn(proc, fx_pool, 0, NULL, NULL,
                                        NULL), APR_ENOTIMPL);
    /* Apache's upkeep runs on the process handle: nothing to do there
     * (sign-ins are swept by the creates), and no failure. */
    ck_assert_int_eq(tsr_store_maintain(proc, fx_pool), APR_SUCCESS);
}
END_TEST

/* ---- tscircuit's table ---- */

typedef struct kv_work_t {
    const char *key, *val;          /* put (val NULL: delete) */
    int refuse;                     /* then refuse */
    tsr_dbd_conn_t *other;          /* looked at from there meanwhile */
    const char *other_saw;          /* pg_try_advisory_xact_lock's answer */
    const char *scan;               /* scan: the keys seen, "|" between */
    const char *prefix;
    apr_size_t prefix_len;
} kv_work_t;

static const char *hex_of(const char *key, apr_size_t klen)
{
    char *out = apr_palloc(fx_pool, 2 * klen + 1);
    apr_size_t i;

    for (i = 0; i < klen; i++) {
        apr_snprintf(out + 2 * i, 3, "%02x", (unsigned char)key[i]);
    }
    out[2 * klen] = '\0';
    return out;
}

static apr_status_t collect(void *baton, const char *key, apr_size_t klen,
                            const char *val, apr_size_t vlen)
{
    kv_work_t *w = baton;

    (void)val;
    (void)vlen;
    w->scan = apr_pstrcat(fx_pool, w->scan, *w->scan ? "|" : "",
                          hex_of(key, klen), NULL);
    return APR_SUCCESS;
}

static apr_status_t kv_work(void *baton, apr_pool_t *p, tsr_kv_t *kv,
                            tsr_error_t **perr)
{
    kv_work_t *w = baton;
    apr_status_t rv;

    if (w->key) {
        rv = w->val ? kv->put(kv, w->key, strlen(w->key), w->val,
                              strlen(w->val))
                    : kv->del(kv, w->key, strlen(w->key));
        ck_assert_int_eq(rv, APR_SUCCESS);
    }
    if (w->other) {
        /* Another node's writer would wait here: the table's lock is
         * held for the whole of this one's work. */
        w->other_saw = sql_value(w->other, "SELECT "
                                 "pg_try_advisory_xact_lock(4, 0)");
    }
    if (w->prefix) {
        w->scan = "";
        ck_assert_int_eq(kv->scan(kv, p, w->prefix, w->prefix_len, collect,
                                  w), APR_SUCCESS);
    }
    if (w->refuse) {
        return tsr_error_set(perr, p, 409, "conflict", "no");
    }
    return APR_SUCCESS;
}

/* key's value as another node reads it (plain SQL), or NULL. */
static const char *kv_read(tsr_store_t *s, const char *key)
{
    return sql_value(s->conn, apr_psprintf(fx_pool, "SELECT encode(value, "
                                           "'escape') FROM tsr_tsci WHERE "
                                           "key = '%s'::bytea", key));
}

static apr_status_t txn(tsr_store_t *s, int write, kv_work_t *w,
                        tsr_error_t **perr)
{
    *perr = NULL;
    return tsr_store_tsci_txn(s, fx_pool, write, kv_work, w, perr);
}

START_TEST(tsci_table)
{
    tsr_store_t *other;
    tsr_error_t *err;
    kv_work_t w;
    static const char keys[][4] = {
        "a\x01", "a\xff", "a\xff\xff", "b", "a", "a\x7f", "a\x80"
    };
    int i;

    ck_assert_int_eq(tsr_store_session(&other, fx_pool, proc, &conn2),
                     APR_SUCCESS);
    /* A write commits; another node's session sees it. */
    memset(&w, 0, sizeof(w));
    w.key = "pkg:x";
    w.val = "one";
    w.other = &conn2;
    ck_assert_int_eq(txn(store, 1, &w, &err), APR_SUCCESS);
    ck_assert_str_eq(w.other_saw, "f");
    ck_assert_str_eq(kv_read(other, "pkg:x"), "one");
    /* A refused write leaves nothing: all or nothing. */
    memset(&w, 0, sizeof(w));
    w.key = "pkg:x";
    w.val = "two";
    w.refuse = 1;
    ck_assert_int_eq(txn(store, 1, &w, &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 409);
    ck_assert_str_eq(kv_read(other, "pkg:x"), "one");
    /* A read takes no lock and may not write. */
    memset(&w, 0, sizeof(w));
    w.other = &conn2;
    ck_assert_int_eq(txn(store, 0, &w, &err), APR_SUCCESS);
    ck_assert_str_eq(w.other_saw, "t");
    /* Keys sort bytewise, and a prefix scan stops at the prefix's end,
     * 0xff bytes included. */
    for (i = 0; i < (int)(sizeof(keys) / sizeof(keys[0])); i++) {
        memset(&w, 0, sizeof(w));
        w.key = keys[i];
        w.val = "v";
        ck_assert_int_eq(txn(store, 1, &w, &err), APR_SUCCESS);
    }
    memset(&w, 0, sizeof(w));
    w.prefix = "a";
    w.prefix_len = 1;
    ck_assert_int_eq(txn(store, 0, &w, &err), APR_SUCCESS);
    ck_assert_str_eq(w.scan, "61|6101|617f|6180|61ff|61ffff");
    w.prefix = "a\xff";
    w.prefix_len = 2;
    ck_assert_int_eq(txn(store, 0, &w, &err), APR_SUCCESS);
    ck_assert_str_eq(w.scan, "61ff|61ffff");
    w.prefix = "";
    w.prefix_len = 0;
    ck_assert_int_eq(txn(store, 0, &w, &err), APR_SUCCESS);
    ck_assert_str_eq(w.scan, "61|6101|617f|6180|61ff|61ffff|62|"
                     "706b673a78");
    /* A delete, then the key is gone. */
    memset(&w, 0, sizeof(w));
    w.key = "b";
    ck_assert_int_eq(txn(store, 1, &w, &err), APR_SUCCESS);
    ck_assert_ptr_null(kv_read(other, "b"));
}
END_TEST

/* ---- the search index ---- */

static const char *search_doc(const char *name, const char *desc)
{
    return apr_psprintf(fx_pool, "{\"name\":\"%s\",\"_rev\":\"1-a\","
                        "\"dist-tags\":{\"latest\":\"1.0.0\"},"
                        "\"versions\":{\"1.0.0\":{\"name\":\"%s\","
                        "\"version\":\"1.0.0\",\"description\":\"%s\"}}}",
                        name, name, desc);
}

static const char *postings(tsr_store_t *s, const char *term, int prefix)
{
    apr_array_header_t *posts;
    const char *out = "";
    int i;

    ck_assert_int_eq(tsr_store_search_postings(s, fx_pool, term, prefix,
                                               &posts), APR_SUCCESS);
    for (i = 0; i < posts->nelts; i++) {
        out = apr_pstrcat(fx_pool, out, i ? " " : "",
                          APR_ARRAY_IDX(posts, i,
                                        tsr_search_posting_t).name, NULL);
    }
    return out;
}

/* The first posting under term. */
static tsr_search_posting_t first_posting_of(tsr_store_t *s,
                                            const char *term, int prefix)
{
    apr_array_header_t *posts;

    ck_assert_int_eq(tsr_store_search_postings(s, fx_pool, term, prefix,
                                               &posts), APR_SUCCESS);
    ck_assert_int_ge(posts->nelts, 1);
    return APR_ARRAY_IDX(posts, 0, tsr_search_posting_t);
}

/* A node that dies between placing a publish's tarball and its commit
 * leaves an intent in the shared tmp/, and no node restarts to sweep it:
 * the upkeep of any node does, once it is old enough that no publish in
 * flight can own it.  The process handle (no connection) does nothing. */
START_TEST(upkeep_sweeps_dead_publishes)
{
    const char *tmp, *dead, *live;

    ck_assert_int_eq(tsr_store_tarball_stage(store, fx_pool, "dead", 4,
                                             &tmp), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_tarball_place(store, fx_pool, tmp,
                                             "gone/-/gone-1.0.0.tgz"),
                     APR_SUCCESS);
    fx_age_entries(fx_pool, apr_pstrcat(fx_pool, datadir, "/tmp", NULL),
                   3600);
    ck_assert_int_eq(tsr_store_tarball_stage(store, fx_pool, "live", 4,
                                             &tmp), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_tarball_place(store, fx_pool, tmp,
                                             "busy/-/busy-1.0.0.tgz"),
                     APR_SUCCESS);
    dead = tsr_store_tarball_file(fx_pool, datadir, "gone/-/gone-1.0.0.tgz");
    live = tsr_store_tarball_file(fx_pool, datadir, "busy/-/busy-1.0.0.tgz");
    ck_assert_int_eq(tsr_store_maintain(proc, fx_pool), APR_SUCCESS);
    ck_assert(fx_exists(dead));
    ck_assert_int_eq(tsr_store_maintain(store, fx_pool), APR_SUCCESS);
    ck_assert(!fx_exists(dead));
    ck_assert(fx_exists(live));
    ck_assert(fx_exists(tmp));
}
END_TEST

START_TEST(search_postings_follow_writes)
{
    upd_t u = { NULL, "1-a", 0, 0, 0, 0, 0 };
    tsr_store_t *other, *proc2;
    tsr_store_config_t cfg;
    tsr_error_t *err;
    apr_size_t n = 0;

    u.doc = search_doc("zeta-widget", "frobnicates gadgets");
    ck_assert_int_eq(update(store, "zeta-widget", &u, &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_session(&other, fx_pool, proc, &conn2),
                     APR_SUCCESS);
    /* Written with the package, seen from another node. */
    ck_assert_str_eq(postings(other, "w:frobnicates", 0), "zeta-widget");
    ck_assert_str_eq(postings(other, "w:frob", 1), "zeta-widget");
    ck_assert_str_eq(postings(other, "w:frob", 0), "");
    /* A new description: the old words leave, the new ones join. */
    u.doc = search_doc("zeta-widget", "polishes sprockets");
    ck_assert_int_eq(update(store, "zeta-widget", &u, &err), APR_SUCCESS);
    ck_assert_str_eq(postings(other, "w:frobnicates", 0), "");
    ck_assert_str_eq(postings(other, "w:sprockets", 0), "zeta-widget");
    /* Unpublished: found by nothing. */
    u.gone = 1;
    u.doc = "{\"name\":\"zeta-widget\",\"versions\":{}}";
    ck_assert_int_eq(update(store, "zeta-widget", &u, &err), APR_SUCCESS);
    ck_assert_str_eq(postings(other, "w:sprockets", 0), "");
    ck_assert_str_eq(postings(other, "w:", 1), "");
    /* A rebuild makes the lists from the documents again. */
    u.gone = 0;
    u.doc = search_doc("alpha-gear", "meshes cogs");
    ck_assert_int_eq(update(store, "alpha-gear", &u, &err), APR_SUCCESS);
    sql(&conn1, "DELETE FROM tsr_search_postings");
    ck_assert_str_eq(postings(store, "w:cogs", 0), "");
    ck_assert_int_eq(tsr_store_search_rebuild(store, fx_pool, &n),
                     APR_SUCCESS);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(postings(store, "w:cogs", 0), "alpha-gear");
    ck_assert(first_posting_of(store, "w:cogs", 0).brief);
    ck_assert_uint_eq(first_posting_of(store, "w:cogs", 0).place,
                      TSR_SEARCH_IN_DESCRIPTION);
    /* Under a prefix, exact says whether the term is the one asked. */
    ck_assert(!first_posting_of(store, "w:co", 1).exact);
    ck_assert(first_posting_of(store, "w:cogs", 1).exact);
    /* Rows of before briefs (migration 8) name their package still; a
     * rebuild gives them briefs. */
    sql(&conn1, "UPDATE tsr_search_postings SET brief = NULL");
    ck_assert_str_eq(postings(store, "w:cogs", 0), "alpha-gear");
    ck_assert(!first_posting_of(store, "w:cogs", 0).brief);
    ck_assert_int_eq(tsr_store_search_rebuild(store, fx_pool, &n),
                     APR_SUCCESS);
    ck_assert(first_posting_of(store, "w:cogs", 0).brief);
    /* A database at version 1 (packages, no lists) gets its lists when
     * a process first migrates it. */
    sql(&conn1, "DELETE FROM tsr_search_postings");
    /* Every migration after the first undone (a new one adds its line). */
    sql(&conn1, "DROP TABLE tsr_tsci, tsr_jobs, tsr_job_counts, tsr_logins,"
        " tsr_search_postings");
    sql(&conn1, "ALTER TABLE tsr_views DROP COLUMN stamp");
    sql(&conn1, "DROP SEQUENCE tsr_view_stamp");
    sql(&conn1, "DROP TABLE tsr_login_failures");
    sql(&conn1, "DELETE FROM tsr_schema_version WHERE version > 1");
    memset(&cfg, 0, sizeof(cfg));
    cfg.datadir = proc->datadir;
    cfg.log = log_fn;
    ck_assert_int_eq(tsr_store_open(tsr_store_dbd_provider(), &proc2,
                                    fx_pool, &cfg), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_session(&other, fx_pool, proc2, &conn2),
                     APR_SUCCESS);
    ck_assert_contains(last_log, "search index built for 1 packages");
    ck_assert_str_eq(postings(other, "w:cogs", 0), "alpha-gear");
    ck_assert_str_eq(sql_value(&conn1, "SELECT max(version) FROM "
                               "tsr_schema_version"),
                     apr_itoa(fx_pool, TSR_DBD_SCHEMA_VERSION));
}
END_TEST

Suite *make_store_dbd_suite(void)
{
    Suite *s = suite_create("store_dbd");
    TCase *tc = fx_tcase("store_dbd");

    params = getenv("TSCI_TEST_PG");
    if (params == NULL || *params == '\0') {
        fprintf(stderr, "store_dbd: skipped: TSCI_TEST_PG (a PostgreSQL "
                "connection string) is not set; t/bin/pg-cluster run DIR "
                "CMD gives one\n");
        return s;
    }
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, schema_made_once);
    tcase_add_test(tc, users);
    tcase_add_test(tc, tokens);
    tcase_add_test(tc, package_writes);
    tcase_add_test(tc, change_sequence);
    tcase_add_test(tc, cached_views_follow_other_nodes);
    tcase_add_test(tc, polled_views_follow_other_nodes);
    tcase_add_test(tc, connection_taken_when_needed);
    tcase_add_test(tc, not_yet_supported);
    tcase_add_test(tc, tsci_table);
    tcase_add_test(tc, search_postings_follow_writes);
    tcase_add_test(tc, upkeep_sweeps_dead_publishes);
    suite_add_tcase(s, tc);
    return s;
}
