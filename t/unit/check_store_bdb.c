/* check_store_bdb: the Berkeley DB store through the tsr_store interface:
 * package updates and their counters, users, tokens, reopening with and
 * without recovery, tarball files, and publishes committed end to end. */
#include <apr_strings.h>
#include <apr_file_info.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_store_bdb.h"
#include "tsr_store_files.h"
#include "tsr_publish.h"
#include "tsr_auth.h"
#include "tsr_json.h"
#include "tsr_view.h"
#include "tsr_unpublish.h"
#include "tsr_star.h"
#include "tsr_viewcache.h"
#include "tsr_search_entry.h"
#include "tsr_search_posting.h"
#include "tsr_search.h"
#include "tsr_access.h"
#include "tsr_disttag.h"

/* The failing random source below replaces OpenSSL's through the 1.1 API,
 * still there (deprecated) in 3.x: the only way to see what the core does
 * when RAND_bytes fails. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/rand.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <db.h>

static const char *datadir;
static apr_pool_t *store_pool;
static tsr_store_t *store;
static int logged;
static char last_log[512];
static apr_status_t last_rv;

static void log_fn(void *baton, int level, apr_status_t rv, const char *msg)
{
    (void)baton;
    if (level <= TSR_LOG_ERR) {
        logged++;
    }
    apr_cpystrn(last_log, msg, sizeof(last_log));
    last_rv = rv;
}

static tsr_bdb_options_t options(int recover)
{
    tsr_bdb_options_t o;

    memset(&o, 0, sizeof(o));
    o.create = 1;
    o.recover = recover;
    o.cache_bytes = 1 << 20;
    o.log = log_fn;
    return o;
}

/* (Re)open the store in its own pool, which closing destroys. */
static void open_store(int recover)
{
    tsr_bdb_options_t o = options(recover);

    ck_assert_int_eq(apr_pool_create(&store_pool, fx_pool), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_bdb_open(&store, store_pool, datadir, &o),
                     APR_SUCCESS);
    ck_assert_ptr_nonnull(store);
    ck_assert_str_eq(store->provider->name, "bdb");
}

static void close_store(void)
{
    apr_pool_destroy(store_pool);
    store_pool = NULL;
    store = NULL;
}

static void setup(void)
{
    tsr_bdb_options_t o = options(0);

    logged = 0;
    last_log[0] = '\0';
    datadir = fx_tempdir(fx_pool);
    ck_assert_int_eq(tsr_store_bdb_prepare(fx_pool, datadir, -1, -1, &o),
                     APR_SUCCESS);
    open_store(0);
}

static void teardown(void)
{
    /* the normal paths log nothing */
    ck_assert_msg(logged == 0, "the store logged: %s", last_log);
}

static tsr_store_stats_t stats(void)
{
    tsr_store_stats_t st;

    memset(&st, 0, sizeof(st));
    ck_assert_int_eq(tsr_store_stats(store, fx_pool, &st), APR_SUCCESS);
    return st;
}

static const char *doc_of(const char *name)
{
    const char *doc = NULL;
    apr_size_t len = 0;
    apr_status_t rv = tsr_store_package_doc(store, fx_pool, name, &doc,
                                            &len);

    if (rv == TSR_ENOTFOUND) {
        return NULL;
    }
    ck_assert_int_eq(rv, APR_SUCCESS);
    return apr_pstrmemdup(fx_pool, doc, len);
}

static const char *view_of(const char *name, tsr_view_kind_e kind)
{
    const char *blob = NULL;
    apr_size_t len = 0;
    apr_status_t rv = tsr_store_package_view(store, fx_pool, name, kind,
                                             &blob, &len);

    if (rv == TSR_ENOTFOUND) {
        return NULL;
    }
    ck_assert_int_eq(rv, APR_SUCCESS);
    return apr_pstrmemdup(fx_pool, blob, len);
}

/* What a test's update callback writes or refuses. */
typedef struct upd_t {
    const char *doc;
    apr_int64_t tarball_bytes;
    int refuse;
    int calls;
    int undos;
    int saw_none;
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
    u->saw_none = (cur == NULL && cur_len == 0);
    u->saw = cur ? apr_pstrmemdup(fx_pool, cur, cur_len) : NULL;
    out->undo = undo_cb;
    out->undo_baton = u;
    if (u->refuse) {
        return tsr_error_set(perr, p, 409, NULL, "refused by the test (%d)",
                             u->refuse);
    }
    out->doc = u->doc;
    out->doc_len = strlen(u->doc);
    out->full = apr_pstrcat(p, "full of ", u->doc, NULL);
    out->full_len = strlen(out->full);
    out->abbrev = apr_pstrcat(p, "abbrev of ", u->doc, NULL);
    out->abbrev_len = strlen(out->abbrev);
    out->tarball_bytes = u->tarball_bytes;
    return APR_SUCCESS;
}

static apr_status_t update(const char *name, upd_t *u, tsr_error_t **perr)
{
    *perr = NULL;
    return tsr_store_package_update(store, fx_pool, name, update_cb, u,
                                     perr);
}

START_TEST(fresh_store)
{
    tsr_store_stats_t st = stats();
    const char *rec;
    apr_size_t len;
    unsigned char key[32];
    apr_time_t now = apr_time_now();

    ck_assert_uint_eq(st.doc_count, 0);
    ck_assert_uint_eq(st.doc_del_count, 0);
    ck_assert_uint_eq(st.update_seq, 0);
    ck_assert_uint_eq(st.data_size, 0);
    ck_assert_uint_gt(st.disk_size, 0);
    ck_assert(st.start_time <= now && st.start_time > now
                                                       - apr_time_from_sec(60));
    ck_assert_ptr_null(doc_of("a"));
    ck_assert_ptr_null(view_of("a", TSR_VIEW_FULL));
    ck_assert_ptr_null(view_of("a", TSR_VIEW_ABBREV));
    ck_assert_int_eq(tsr_store_user_get(store, fx_pool, "alice", &rec, &len),
                     TSR_ENOTFOUND);
    memset(key, 7, sizeof(key));
    ck_assert_int_eq(tsr_store_token_get(store, fx_pool, key, &rec, &len),
                     TSR_ENOTFOUND);
    ck_assert(fx_exists(apr_pstrcat(fx_pool, datadir, "/tarballs", NULL)));
    ck_assert(fx_exists(apr_pstrcat(fx_pool, datadir, "/tmp", NULL)));
    ck_assert(fx_exists(apr_pstrcat(fx_pool, datadir, "/db/packages.db",
                                    NULL)));
    ck_assert_str_eq(store->datadir, datadir);
}
END_TEST

START_TEST(package_create_and_update)
{
    upd_t u;
    tsr_error_t *err;
    tsr_store_stats_t st;
    static const char doc1[] = "{\"name\":\"a\",\"rev\":1,\"pad\":\"xxxxx\"}";
    static const char doc2[] = "{\"name\":\"a\",\"rev\":2}";

    memset(&u, 0, sizeof(u));
    u.doc = doc1;
    u.tarball_bytes = 100;
    ck_assert_int_eq(update("a", &u, &err), APR_SUCCESS);
    ck_assert_int_eq(u.calls, 1);
    ck_assert_int_eq(u.saw_none, 1);
    ck_assert_int_eq(u.undos, 0);
    ck_assert_str_eq(doc_of("a"), doc1);
    ck_assert_str_eq(view_of("a", TSR_VIEW_FULL),
                     apr_pstrcat(fx_pool, "full of ", doc1, NULL));
    ck_assert_str_eq(view_of("a", TSR_VIEW_ABBREV),
                     apr_pstrcat(fx_pool, "abbrev of ", doc1, NULL));
    st = stats();
    ck_assert_uint_eq(st.update_seq, 1);
    ck_assert_uint_eq(st.doc_count, 1);
    ck_assert_uint_eq(st.data_size, strlen(doc1) + 100);

    /* the callback sees the stored document; a shorter one shrinks */
    memset(&u, 0, sizeof(u));
    u.doc = doc2;
    u.tarball_bytes = 50;
    ck_assert_int_eq(update("a", &u, &err), APR_SUCCESS);
    ck_assert_int_eq(u.saw_none, 0);
    ck_assert_str_eq(u.saw, doc1);
    ck_assert_int_eq(u.undos, 0);
    ck_assert_str_eq(doc_of("a"), doc2);
    ck_assert_str_eq(view_of("a", TSR_VIEW_FULL),
                     apr_pstrcat(fx_pool, "full of ", doc2, NULL));
    st = stats();
    ck_assert_uint_eq(st.update_seq, 2);
    ck_assert_uint_eq(st.doc_count, 1);
    ck_assert_uint_eq(st.data_size, strlen(doc2) + 150);

    /* another package, whose name extends the first */
    memset(&u, 0, sizeof(u));
    u.doc = "{\"name\":\"@s/a\"}";
    ck_assert_int_eq(update("@s/a", &u, &err), APR_SUCCESS);
    ck_assert_int_eq(u.saw_none, 1);
    memset(&u, 0, sizeof(u));
    u.doc = "{\"name\":\"ab\"}";
    ck_assert_int_eq(update("ab", &u, &err), APR_SUCCESS);
    ck_assert_int_eq(u.saw_none, 1);
    st = stats();
    ck_assert_uint_eq(st.update_seq, 4);
    ck_assert_uint_eq(st.doc_count, 3);
    ck_assert_uint_eq(st.data_size, strlen(doc2) + 150
                                        + strlen("{\"name\":\"@s/a\"}")
                                        + strlen("{\"name\":\"ab\"}"));
    ck_assert_str_eq(doc_of("a"), doc2);
    ck_assert_str_eq(doc_of("@s/a"), "{\"name\":\"@s/a\"}");
    ck_assert_str_eq(view_of("ab", TSR_VIEW_ABBREV),
                     "abbrev of {\"name\":\"ab\"}");
    ck_assert_ptr_null(doc_of("b"));
}
END_TEST

START_TEST(refusing_callback)
{
    upd_t u;
    tsr_error_t *err;
    tsr_store_stats_t before, after;
    const char *full, *abbrev;

    memset(&u, 0, sizeof(u));
    u.doc = "{\"name\":\"a\"}";
    u.tarball_bytes = 10;
    ck_assert_int_eq(update("a", &u, &err), APR_SUCCESS);
    before = stats();
    full = view_of("a", TSR_VIEW_FULL);
    abbrev = view_of("a", TSR_VIEW_ABBREV);

    memset(&u, 0, sizeof(u));
    u.doc = "{\"name\":\"a\",\"changed\":true}";
    u.tarball_bytes = 1000;
    u.refuse = 1;
    ck_assert_refusal(update("a", &u, &err), err, 409);
    /* the record outlives the transaction's scratch pool */
    ck_assert_str_eq(err->message, "refused by the test (1)");
    ck_assert_str_eq(err->code, "conflict");
    ck_assert_int_eq(u.calls, 1);
    /* undo is for work after a callback that succeeded */
    ck_assert_int_eq(u.undos, 0);
    after = stats();
    ck_assert_uint_eq(after.update_seq, before.update_seq);
    ck_assert_uint_eq(after.doc_count, before.doc_count);
    ck_assert_uint_eq(after.data_size, before.data_size);
    ck_assert_str_eq(doc_of("a"), "{\"name\":\"a\"}");
    ck_assert_str_eq(view_of("a", TSR_VIEW_FULL), full);
    ck_assert_str_eq(view_of("a", TSR_VIEW_ABBREV), abbrev);

    /* nor does a refused create leave a package behind */
    u.refuse = 2;
    ck_assert_refusal(update("b", &u, &err), err, 409);
    ck_assert_ptr_null(doc_of("b"));
    ck_assert_ptr_null(view_of("b", TSR_VIEW_FULL));
    after = stats();
    ck_assert_uint_eq(after.update_seq, before.update_seq);
    ck_assert_uint_eq(after.doc_count, before.doc_count);
}
END_TEST

START_TEST(users)
{
    json_object *u1 = tsr_auth_user_record(fx_pool, "alice", "a@x", "$2y$h1",
                                           "t1");
    json_object *u2 = tsr_auth_user_record(fx_pool, "alice", "evil@x",
                                           "$2y$h2", "t2");
    apr_size_t l1, l2, len;
    const char *r1 = tsr_json_serialize(fx_pool, u1, &l1);
    const char *r2 = tsr_json_serialize(fx_pool, u2, &l2);
    const char *rec;

    ck_assert_int_eq(tsr_store_user_create(store, fx_pool, "alice", r1, l1),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_store_user_get(store, fx_pool, "alice", &rec, &len),
                     APR_SUCCESS);
    ck_assert_uint_eq(len, l1);
    ck_assert_mem_eq(rec, r1, l1);
    /* a second create of the same name is refused and changes nothing */
    ck_assert_int_eq(tsr_store_user_create(store, fx_pool, "alice", r2, l2),
                     TSR_EEXISTS);
    ck_assert_int_eq(tsr_store_user_get(store, fx_pool, "alice", &rec, &len),
                     APR_SUCCESS);
    ck_assert_uint_eq(len, l1);
    ck_assert_mem_eq(rec, r1, l1);
    ck_assert_int_eq(tsr_store_user_get(store, fx_pool, "alic", &rec, &len),
                     TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_store_user_get(store, fx_pool, "alice2", &rec,
                                        &len), TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_store_user_create(store, fx_pool, "bob", r2, l2),
                     APR_SUCCESS);
    /* users are not packages */
    ck_assert_uint_eq(stats().doc_count, 0);
}
END_TEST

START_TEST(tokens)
{
    const char *token, *rec;
    unsigned char key[32], other[32], k2[32];
    apr_array_header_t *keys;
    apr_size_t len;

    ck_assert_int_eq(tsr_token_new(&token, key, fx_pool), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_token_put(store, fx_pool, key, "amy", "rec1",
                                         4), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_token_get(store, fx_pool, key, &rec, &len),
                     APR_SUCCESS);
    ck_assert_uint_eq(len, 4);
    ck_assert_mem_eq(rec, "rec1", 4);
    /* the key the client's token maps to finds it */
    tsr_token_key(other, token);
    ck_assert_int_eq(tsr_store_token_get(store, fx_pool, other, &rec, &len),
                     APR_SUCCESS);
    /* a put replaces, and the user's list holds the key once */
    ck_assert_int_eq(tsr_store_token_put(store, fx_pool, key, "amy",
                                         "record2", 7), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_token_get(store, fx_pool, key, &rec, &len),
                     APR_SUCCESS);
    ck_assert_uint_eq(len, 7);
    ck_assert_mem_eq(rec, "record2", 7);
    ck_assert_int_eq(tsr_store_token_list(store, fx_pool, "amy", &keys),
                     APR_SUCCESS);
    ck_assert_int_eq(keys->nelts, 1);
    ck_assert_mem_eq(keys->elts, key, 32);
    /* a second token of amy's, one of another user (whose name amy's
     * starts with), and a user with none */
    memset(k2, 0x11, sizeof(k2));
    ck_assert_int_eq(tsr_store_token_put(store, fx_pool, k2, "amy", "r", 1),
                     APR_SUCCESS);
    memset(other, 0x22, sizeof(other));
    ck_assert_int_eq(tsr_store_token_put(store, fx_pool, other, "amyx", "r",
                                         1), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_token_list(store, fx_pool, "amy", &keys),
                     APR_SUCCESS);
    ck_assert_int_eq(keys->nelts, 2);
    ck_assert_int_eq(tsr_store_token_list(store, fx_pool, "amyx", &keys),
                     APR_SUCCESS);
    ck_assert_int_eq(keys->nelts, 1);
    ck_assert_mem_eq(keys->elts, other, 32);
    ck_assert_int_eq(tsr_store_token_list(store, fx_pool, "nobody", &keys),
                     APR_SUCCESS);
    ck_assert_int_eq(keys->nelts, 0);
    /* another key finds nothing */
    tsr_token_key(other, "tsr_guess");
    ck_assert_int_eq(tsr_store_token_get(store, fx_pool, other, &rec, &len),
                     TSR_ENOTFOUND);
    /* delete: the record and its place in the list go together; deleting
     * again is no error */
    ck_assert_int_eq(tsr_store_token_delete(store, fx_pool, key, "amy"),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_store_token_get(store, fx_pool, key, &rec, &len),
                     TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_store_token_list(store, fx_pool, "amy", &keys),
                     APR_SUCCESS);
    ck_assert_int_eq(keys->nelts, 1);
    ck_assert_mem_eq(keys->elts, k2, 32);
    ck_assert_int_eq(tsr_store_token_delete(store, fx_pool, key, "amy"),
                     APR_SUCCESS);
}
END_TEST

/* Write one of everything, for the reopen tests. */
static void fill(void)
{
    upd_t u;
    tsr_error_t *err;
    unsigned char key[32];

    memset(&u, 0, sizeof(u));
    u.doc = "{\"name\":\"a\"}";
    u.tarball_bytes = 7;
    ck_assert_int_eq(update("a", &u, &err), APR_SUCCESS);
    u.doc = "{\"name\":\"a\",\"v\":2}";
    ck_assert_int_eq(update("a", &u, &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_user_create(store, fx_pool, "alice", "u", 1),
                     APR_SUCCESS);
    memset(key, 0xab, sizeof(key));
    ck_assert_int_eq(tsr_store_token_put(store, fx_pool, key, "alice", "t",
                                         1), APR_SUCCESS);
}

static void check_filled(const tsr_store_stats_t *want)
{
    tsr_store_stats_t st = stats();
    unsigned char key[32];
    const char *rec;
    apr_size_t len;

    ck_assert_str_eq(doc_of("a"), "{\"name\":\"a\",\"v\":2}");
    ck_assert_str_eq(view_of("a", TSR_VIEW_FULL),
                     "full of {\"name\":\"a\",\"v\":2}");
    ck_assert_int_eq(tsr_store_user_get(store, fx_pool, "alice", &rec, &len),
                     APR_SUCCESS);
    ck_assert_mem_eq(rec, "u", 1);
    memset(key, 0xab, sizeof(key));
    ck_assert_int_eq(tsr_store_token_get(store, fx_pool, key, &rec, &len),
                     APR_SUCCESS);
    ck_assert_mem_eq(rec, "t", 1);
    ck_assert_uint_eq(st.update_seq, want->update_seq);
    ck_assert_uint_eq(st.doc_count, want->doc_count);
    ck_assert_uint_eq(st.data_size, want->data_size);
}

START_TEST(reopen_keeps_data)
{
    tsr_store_stats_t want;
    upd_t u;
    tsr_error_t *err;

    fill();
    want = stats();
    ck_assert_uint_eq(want.update_seq, 2);
    close_store();
    open_store(0);
    check_filled(&want);
    close_store();
    open_store(1);
    check_filled(&want);
    /* and the counters go on from there */
    memset(&u, 0, sizeof(u));
    u.doc = "{}";
    ck_assert_int_eq(update("b", &u, &err), APR_SUCCESS);
    ck_assert_uint_eq(stats().update_seq, 3);
    ck_assert_uint_eq(stats().doc_count, 2);
}
END_TEST

START_TEST(prepare_again_keeps_data)
{
    tsr_store_stats_t want;
    tsr_bdb_options_t o = options(1);

    fill();
    want = stats();
    close_store();
    /* as at a restart: prepare with recovery, then the children open */
    ck_assert_int_eq(tsr_store_bdb_prepare(fx_pool, datadir, -1, -1, &o),
                     APR_SUCCESS);
    open_store(0);
    check_filled(&want);
    ck_assert_int_eq(tsr_store_bdb_checkpoint(store), APR_SUCCESS);
}
END_TEST

START_TEST(open_missing_without_create)
{
    tsr_bdb_options_t o = options(0);
    tsr_store_t *s = NULL;
    apr_pool_t *p;
    const char *empty = apr_pstrcat(fx_pool, datadir, "/nothing-here", NULL);

    o.create = 0;
    ck_assert_int_eq(apr_pool_create(&p, fx_pool), APR_SUCCESS);
    ck_assert_int_ne(tsr_store_bdb_open(&s, p, empty, &o), APR_SUCCESS);
    ck_assert_ptr_null(s);
    apr_pool_destroy(p);
    ck_assert_int_gt(logged, 0);
    /* Berkeley DB's own words, without APR's "internal error" before
     * them in Apache's log. */
    ck_assert_msg(strstr(last_log, "TSR00101: Berkeley DB") != NULL
                  && strstr(last_log, "No such file or directory") != NULL,
                  "logged: %s", last_log);
    ck_assert_int_eq(last_rv, APR_SUCCESS);
    logged = 0;
}
END_TEST

START_TEST(recovery_flag)
{
    ck_assert_int_eq(tsr_store_bdb_recovery_flagged(fx_pool, datadir), 0);
    tsr_store_bdb_flag_recovery(fx_pool, datadir);
    ck_assert_int_eq(tsr_store_bdb_recovery_flagged(fx_pool, datadir), 1);
    ck_assert(fx_exists(apr_pstrcat(fx_pool, datadir, "/db/",
                                    TSR_BDB_RECOVERY_FLAG, NULL)));
    tsr_store_bdb_clear_recovery_flag(fx_pool, datadir);
    ck_assert_int_eq(tsr_store_bdb_recovery_flagged(fx_pool, datadir), 0);
}
END_TEST

/* ---- tarball files ---- */

static const char *const good_paths[] = {
    "a/-/a-1.0.0.tgz", "@s/p/-/p-1.0.0.tgz", "a/-/a-1.0.0-rc.1+b.5.tgz",
    "a.b_c-d/-/a.b_c-d-0.0.0.tgz", NULL
};

START_TEST(path_check_good)
{
    ck_assert_msg(tsr_store_tarball_path_check(good_paths[_i]) == 1,
                  "%s refused", good_paths[_i]);
}
END_TEST

static const char *const bad_paths[] = {
    "../x/-/a.tgz", "a/-/../../b.tgz", "a/-/b.txt", "A/-/a-1.0.0.tgz",
    "/a/-/a-1.0.0.tgz", "/etc/-/passwd.tgz", "a/-/../a.tgz", "a/-/.tgz",
    "a/-/..tgz", "a/-/x/../a.tgz", "a/-/a/b.tgz", "a/-/a\\b.tgz",
    "a/-/a%2f.tgz", "a/-/", "a/-/a.tgz/", "a", "", "-/a.tgz", "/-/a.tgz",
    "a/-/a.TGZ", "a/-/a.tgz\n", "@s/../-/x.tgz", "@s/p/q/-/x.tgz",
    "node_modules/-/x.tgz", "http/-/http-1.0.0.tgz", ".a/-/a.tgz",
    "a/-/-/a.tgz", "a/-/a b.tgz", "a/-/a:b.tgz", NULL
};

START_TEST(path_check_bad)
{
    ck_assert_msg(tsr_store_tarball_path_check(bad_paths[_i]) == 0,
                  "%s accepted", bad_paths[_i]);
}
END_TEST

START_TEST(path_check_limits)
{
    char *name = apr_palloc(fx_pool, 215 + 1);
    char *file = apr_palloc(fx_pool, 513 + 1);

    memset(name, 'n', 215);
    name[215] = '\0';
    ck_assert_int_eq(tsr_store_tarball_path_check(
                         apr_pstrcat(fx_pool, name + 1, "/-/a.tgz", NULL)),
                     1);
    ck_assert_int_eq(tsr_store_tarball_path_check(
                         apr_pstrcat(fx_pool, name, "/-/a.tgz", NULL)), 0);
    memset(file, 'f', 513);
    memcpy(file + 509, ".tgz", 5);
    ck_assert_int_eq(tsr_store_tarball_path_check(
                         apr_pstrcat(fx_pool, "a/-/", file + 1, NULL)), 1);
    ck_assert_int_eq(tsr_store_tarball_path_check(
                         apr_pstrcat(fx_pool, "a/-/", file, NULL)), 0);
}
END_TEST

START_TEST(tarball_files)
{
    const char *tmp1, *tmp2, *file;
    const unsigned char *got;
    apr_size_t len;

    ck_assert_str_eq(tsr_store_tarball_file(fx_pool, "/d", "@s/p/-/p-1.tgz"),
                     "/d/tarballs/@s/p/-/p-1.tgz");
    file = tsr_store_tarball_file(fx_pool, datadir, "@s/p/-/p-1.0.0.tgz");

    ck_assert_int_eq(tsr_store_tarball_stage(store, fx_pool, "first", 5, &tmp1), APR_SUCCESS);
    ck_assert_int_eq(strncmp(tmp1, apr_pstrcat(fx_pool, datadir, "/tmp/",
                                               NULL),
                             strlen(datadir) + 5), 0);
    got = fx_read_file(fx_pool, tmp1, &len);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(len, 5);
    ck_assert_mem_eq(got, "first", 5);

    ck_assert_int_eq(tsr_store_tarball_place(store, fx_pool, tmp1,
                                             "@s/p/-/p-1.0.0.tgz"),
                     APR_SUCCESS);
    got = fx_read_file(fx_pool, file, &len);
    ck_assert_ptr_nonnull(got);
    ck_assert_mem_eq(got, "first", 5);
    /* the staged file stays for a retry */
    ck_assert(fx_exists(tmp1));

    /* a leftover is replaced */
    ck_assert_int_eq(tsr_store_tarball_stage(store, fx_pool, "second!", 7, &tmp2), APR_SUCCESS);
    ck_assert_str_ne(tmp1, tmp2);
    ck_assert_int_eq(tsr_store_tarball_place(store, fx_pool, tmp2,
                                             "@s/p/-/p-1.0.0.tgz"),
                     APR_SUCCESS);
    got = fx_read_file(fx_pool, file, &len);
    ck_assert_uint_eq(len, 7);
    ck_assert_mem_eq(got, "second!", 7);

    tsr_store_tarball_remove(store, fx_pool, "@s/p/-/p-1.0.0.tgz");
    ck_assert(!fx_exists(file));
    /* removing what is not there is harmless */
    tsr_store_tarball_remove(store, fx_pool, "@s/p/-/p-1.0.0.tgz");
}
END_TEST

/* ---- publish, committed ---- */

static const tsr_publisher_t alice = { "alice", "alice@example.com" };
static const tsr_publisher_t bob = { "bob", NULL };

static tsr_publish_t *parsed(const char *name, const char *version,
                             const unsigned char *tgz, apr_size_t len)
{
    tsr_tarball_limits_t lim;
    tsr_publish_t *pub = NULL;
    tsr_error_t *err = NULL;

    tsr_tarball_default_limits(&lim);
    ck_assert_int_eq(tsr_publish_parse(&pub, fx_pool, name,
                                       fx_publish_body(fx_pool, name,
                                                       version, tgz, len),
                                       &lim, &err), APR_SUCCESS);
    return pub;
}

static int tmp_is_empty(void)
{
    apr_dir_t *dir;
    apr_finfo_t fi;
    int n = 0;

    ck_assert_int_eq(apr_dir_open(&dir, apr_pstrcat(fx_pool, datadir,
                                                    "/tmp", NULL), fx_pool),
                     APR_SUCCESS);
    while (apr_dir_read(&fi, APR_FINFO_NAME, dir) == APR_SUCCESS) {
        if (strcmp(fi.name, ".") != 0 && strcmp(fi.name, "..") != 0) {
            n++;
        }
    }
    apr_dir_close(dir);
    return n == 0;
}

static const char *tarball_file(const char *name, const char *version)
{
    return tsr_store_tarball_file(fx_pool, datadir,
                                  apr_pstrcat(fx_pool, name, "/-/",
                                              strchr(name, '/')
                                                  ? strchr(name, '/') + 1
                                                  : name,
                                              "-", version, ".tgz", NULL));
}

static void assert_file(const char *path, const unsigned char *bytes,
                        apr_size_t len)
{
    apr_size_t got_len = 0;
    const unsigned char *got = fx_read_file(fx_pool, path, &got_len);

    ck_assert_msg(got != NULL, "%s is missing", path);
    ck_assert_uint_eq(got_len, len);
    ck_assert_mem_eq(got, bytes, len);
}

START_TEST(publish_commit)
{
    apr_size_t len1, len2, len3;
    const unsigned char *t1 = fx_package_tarball(fx_pool, "@s/p", "1.0.0",
                                                 &len1);
    tsr_publish_t *pub = parsed("@s/p", "1.0.0", t1, len1);
    tsr_publish_result_t res;
    tsr_error_t *err = NULL;
    tsr_store_stats_t st;
    json_object *doc, *full, *dist;
    const char *blob, *text;
    apr_size_t blen;
    tsr_view_t v;

    memset(&res, 0, sizeof(res));
    ck_assert_int_eq(tsr_publish_commit(&res, fx_pool, store, pub, &alice,
                                        &err), APR_SUCCESS);
    ck_assert_int_eq(res.created, 1);
    ck_assert_int_eq(strncmp(res.rev, "1-", 2), 0);
    assert_file(tarball_file("@s/p", "1.0.0"), t1, len1);
    ck_assert(tmp_is_empty());

    text = doc_of("@s/p");
    ck_assert_ptr_nonnull(text);
    doc = fx_json(fx_pool, text);
    ck_assert_str_eq(tsr_json_str(doc, "_rev"), res.rev);
    ck_assert_str_eq(tsr_json_str(tsr_json_obj(doc, "dist-tags"), "latest"),
                     "1.0.0");
    st = stats();
    ck_assert_uint_eq(st.doc_count, 1);
    ck_assert_uint_eq(st.update_seq, 1);
    ck_assert_uint_eq(st.data_size, strlen(text) + len1);

    /* the full view is ready to send */
    ck_assert_int_eq(tsr_store_package_view(store, fx_pool, "@s/p",
                                            TSR_VIEW_FULL, &blob, &blen),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_view_decode(&v, blob, blen), APR_SUCCESS);
    ck_assert_uint_eq(v.rev_len, strlen(res.rev));
    ck_assert_int_eq(memcmp(v.rev, res.rev, v.rev_len), 0);
    full = fx_json(fx_pool, tsr_view_flatten(&v, fx_pool, "http://h/"));
    dist = tsr_json_obj(tsr_json_obj(tsr_json_obj(full, "versions"),
                                     "1.0.0"), "dist");
    ck_assert_str_eq(tsr_json_str(dist, "tarball"),
                     "http://h/@s/p/-/p-1.0.0.tgz");
    ck_assert_str_eq(tsr_json_str(dist, "shasum"),
                     fx_sha1_hex(fx_pool, t1, len1));
    ck_assert_str_eq(tsr_json_str(dist, "integrity"),
                     fx_sri512(fx_pool, t1, len1));
    ck_assert_int_eq(tsr_store_package_view(store, fx_pool, "@s/p",
                                            TSR_VIEW_ABBREV, &blob, &blen),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_view_decode(&v, blob, blen), APR_SUCCESS);

    /* a republish of 1.0.0, with other bytes: 409, first tarball intact */
    {
        fx_entry_t e[] = {
            { "package/package.json",
              fx_manifest_text(fx_pool, "@s/p", "1.0.0"), 0, 0 },
            { "package/evil.js", "evil();\n", 0, 0 },
            { NULL, NULL, 0, 0 }
        };
        const unsigned char *t2 = fx_tarball(fx_pool, e, &len2);
        tsr_publish_t *again = parsed("@s/p", "1.0.0", t2, len2);

        err = NULL;
        ck_assert_refusal(tsr_publish_commit(&res, fx_pool, store, again,
                                             &alice, &err), err, 409);
        assert_file(tarball_file("@s/p", "1.0.0"), t1, len1);
        ck_assert_str_eq(doc_of("@s/p"), text);
        ck_assert_uint_eq(stats().update_seq, 1);
        ck_assert_uint_eq(stats().data_size, st.data_size);
        ck_assert(tmp_is_empty());
    }

    /* a publisher who is not a maintainer: 403, nothing changes */
    {
        const unsigned char *t3 = fx_package_tarball(fx_pool, "@s/p",
                                                     "1.0.1", &len3);
        tsr_publish_t *other = parsed("@s/p", "1.0.1", t3, len3);

        err = NULL;
        ck_assert_refusal(tsr_publish_commit(&res, fx_pool, store, other,
                                             &bob, &err), err, 403);
        ck_assert_contains(err->message, "bob");
        ck_assert(!fx_exists(tarball_file("@s/p", "1.0.1")));
        ck_assert_str_eq(doc_of("@s/p"), text);
        ck_assert_uint_eq(stats().update_seq, 1);
        ck_assert_uint_eq(stats().data_size, st.data_size);
        ck_assert(tmp_is_empty());

        /* the maintainer may */
        memset(&res, 0, sizeof(res));
        err = NULL;
        ck_assert_int_eq(tsr_publish_commit(&res, fx_pool, store, other,
                                            &alice, &err), APR_SUCCESS);
        ck_assert_int_eq(res.created, 0);
        ck_assert_int_eq(strncmp(res.rev, "2-", 2), 0);
        assert_file(tarball_file("@s/p", "1.0.1"), t3, len3);
        assert_file(tarball_file("@s/p", "1.0.0"), t1, len1);
        doc = fx_json(fx_pool, doc_of("@s/p"));
        ck_assert_str_eq(tsr_json_str(tsr_json_obj(doc, "dist-tags"),
                                      "latest"), "1.0.1");
        st = stats();
        ck_assert_uint_eq(st.update_seq, 2);
        ck_assert_uint_eq(st.doc_count, 1);
        ck_assert_uint_eq(st.data_size,
                          strlen(doc_of("@s/p")) + len1 + len3);
    }
}
END_TEST

/* ---- random bytes refused ---- */

/* The call to RAND_bytes, counted from 0, that fails; -1: none. */
/* The rows of the changes feed after seq after, as "seq name rev d". */
static const char *feed(apr_uint64_t after, int newest_first)
{
    apr_array_header_t *rows;
    const char *out = "";
    int i;

    ck_assert_int_eq(tsr_store_changes(store, fx_pool, after, newest_first,
                                       100, &rows), APR_SUCCESS);
    for (i = 0; i < rows->nelts; i++) {
        tsr_change_t *c = &APR_ARRAY_IDX(rows, i, tsr_change_t);

        out = apr_psprintf(fx_pool, "%s%s%" APR_UINT64_T_FMT " %s %s%s",
                           out, *out ? "," : "", c->seq, c->name,
                           c->rev ? "rev" : "-", c->deleted ? " d" : "");
        ck_assert(c->time == 0 || c->time <= apr_time_now());
    }
    return out;
}

START_TEST(unpublish_stars_and_changes)
{
    static const tsr_actor_t ann = { "alice", 0 }, bo = { "bob", 0 };
    apr_size_t len;
    const unsigned char *t1 = fx_package_tarball(fx_pool, "p", "1.0.0",
                                                 &len);
    const unsigned char *t2;
    apr_size_t len2;
    tsr_publish_result_t res;
    tsr_error_t *err = NULL;
    apr_array_header_t *names;
    tsr_store_stats_t st;
    json_object *body;
    const char *rev, *nrev = NULL;

    ck_assert_int_eq(tsr_publish_commit(&res, fx_pool, store,
                                        parsed("p", "1.0.0", t1, len),
                                        &alice, &err), APR_SUCCESS);
    t2 = fx_package_tarball(fx_pool, "p", "1.1.0", &len2);
    ck_assert_int_eq(tsr_publish_commit(&res, fx_pool, store,
                                        parsed("p", "1.1.0", t2, len2),
                                        &alice, &err), APR_SUCCESS);
    ck_assert_str_eq(feed(0, 0), "1 p rev,2 p rev");
    ck_assert_str_eq(feed(1, 0), "2 p rev");
    ck_assert_str_eq(feed(0, 1), "2 p rev,1 p rev");

    /* A star by a reader: the package joins bob's stars. */
    ck_assert_int_eq(tsr_star_set(fx_pool, store, "p", &bo, NULL, 1, &nrev, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_store_user_stars(store, fx_pool, "bob", 10, &names),
                     APR_SUCCESS);
    ck_assert_int_eq(names->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(names, 0, char *), "p");
    ck_assert_int_eq(tsr_star_set(fx_pool, store, "p", &bo, nrev, 0, &nrev, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_store_user_stars(store, fx_pool, "bob", 10, &names),
                     APR_SUCCESS);
    ck_assert_int_eq(names->nelts, 0);

    /* Unpublish 1.1.0 at the current revision: its view and file go. */
    rev = res.rev;
    body = fx_json(fx_pool, "{\"versions\":{\"1.0.0\":{}}}");
    err = NULL;
    ck_assert_int_eq(tsr_unpublish_versions(fx_pool, store, "p", &ann, rev,
                                            body, &nrev, &err),
                     TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 409);    /* the stars moved it on */
    err = NULL;
    ck_assert_int_eq(tsr_unpublish_versions(fx_pool, store, "p", &bo, nrev,
                                            body, &rev, &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 403);
    err = NULL;
    ck_assert_int_eq(tsr_unpublish_versions(fx_pool, store, "p", &ann, nrev,
                                            body, &rev, &err), APR_SUCCESS);
    ck_assert(!fx_exists(tarball_file("p", "1.1.0")));
    ck_assert(fx_exists(tarball_file("p", "1.0.0")));
    ck_assert_int_eq(tsr_store_package_version_view(store, fx_pool, "p",
                                                    "1.1.0", &nrev, &len),
                     TSR_ENOTFOUND);
    ck_assert_ptr_nonnull(view_of("p", TSR_VIEW_FULL));

    /* The whole package: every view and file goes, the counts move. */
    ck_assert_int_eq(tsr_unpublish_package(fx_pool, store, "p", &ann, rev,
                                           &err), APR_SUCCESS);
    ck_assert(!fx_exists(tarball_file("p", "1.0.0")));
    ck_assert_ptr_null(view_of("p", TSR_VIEW_FULL));
    ck_assert_ptr_null(view_of("p", TSR_VIEW_ABBREV));
    ck_assert_ptr_null(view_of("p", TSR_VIEW_TAGS));
    ck_assert_ptr_nonnull(doc_of("p"));
    st = stats();
    ck_assert_uint_eq(st.doc_count, 0);
    ck_assert_uint_eq(st.doc_del_count, 1);
    ck_assert_str_eq(feed(4, 0), "5 p rev,6 p rev d");
    err = NULL;
    ck_assert_int_eq(tsr_unpublish_package(fx_pool, store, "p", &ann, NULL,
                                           &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 404);

    /* Published again by its maintainer: counted as a package again. */
    ck_assert_int_eq(tsr_publish_commit(&res, fx_pool, store,
                                        parsed("p", "1.0.0", t1, len),
                                        &alice, &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 409);
    t2 = fx_package_tarball(fx_pool, "p", "2.0.0", &len2);
    err = NULL;
    ck_assert_int_eq(tsr_publish_commit(&res, fx_pool, store,
                                        parsed("p", "2.0.0", t2, len2),
                                        &bob, &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 403);
    ck_assert_int_eq(tsr_publish_commit(&res, fx_pool, store,
                                        parsed("p", "2.0.0", t2, len2),
                                        &alice, &err), APR_SUCCESS);
    st = stats();
    ck_assert_uint_eq(st.doc_count, 1);
    ck_assert_uint_eq(st.doc_del_count, 0);
    ck_assert_ptr_nonnull(view_of("p", TSR_VIEW_FULL));
}
END_TEST

/* Views read through a process's cache: a write through the store bumps
 * the name's stamp, so the next read sees it at once. */
START_TEST(views_read_through_the_cache)
{
    static apr_uint32_t stamps[TSR_VIEW_STAMPS_LEN];
    upd_t u;
    tsr_error_t *err;
    apr_size_t entries, bytes;

    memset(&u, 0, sizeof(u));
    ck_assert_int_eq(tsr_viewcache_create(&store->views, fx_pool, 1 << 20,
                                          apr_time_from_sec(60)),
                     APR_SUCCESS);
    store->view_stamps = stamps;
    ck_assert_ptr_null(view_of("cached", TSR_VIEW_FULL));
    u.doc = "{\"v\":1}";
    ck_assert_int_eq(update("cached", &u, &err), APR_SUCCESS);
    ck_assert_str_eq(view_of("cached", TSR_VIEW_FULL), "full of {\"v\":1}");
    tsr_viewcache_usage(store->views, &entries, &bytes);
    ck_assert_uint_eq(entries, 1);
    /* Served from memory now: a write that goes around the dispatcher
     * (as one from another program would) bumps no stamp and is not
     * seen until the entry's time to live is over. */
    u.doc = "{\"v\":9}";
    err = NULL;
    ck_assert_int_eq(store->provider->package_update(store, fx_pool,
                                                     "cached", update_cb,
                                                     &u, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(view_of("cached", TSR_VIEW_FULL), "full of {\"v\":1}");
    u.doc = "{\"v\":2}";
    ck_assert_int_eq(update("cached", &u, &err), APR_SUCCESS);
    ck_assert_str_eq(view_of("cached", TSR_VIEW_FULL), "full of {\"v\":2}");
    /* A refused write bumps nothing, and changes nothing. */
    u.refuse = 1;
    ck_assert_int_ne(update("cached", &u, &err), APR_SUCCESS);
    ck_assert_str_eq(view_of("cached", TSR_VIEW_FULL), "full of {\"v\":2}");
    /* After a recovery every entry is stale. */
    tsr_store_views_forget(stamps);
    tsr_viewcache_usage(store->views, &entries, &bytes);
    ck_assert_uint_eq(entries, 1);
    ck_assert_str_eq(view_of("cached", TSR_VIEW_FULL), "full of {\"v\":2}");
    store->views = NULL;
    store->view_stamps = NULL;
}
END_TEST

/* The stamp answers that depend on every package are kept under: none
 * without shared stamps; every write that commits bumps it, whatever
 * the name, a refused one does not, and a recovery's forgetting does. */
START_TEST(answers_stamp_follows_every_write)
{
    static apr_uint32_t stamps[TSR_VIEW_STAMPS_LEN];
    upd_t u;
    tsr_error_t *err;
    apr_uint32_t s0, s1, s2, s3;
    apr_time_t now = apr_time_now();

    memset(&u, 0, sizeof(u));
    ck_assert_int_eq(tsr_store_answers_stamp(store, fx_pool, now, &s0),
                     APR_ENOTIMPL);
    store->view_stamps = stamps;
    ck_assert_int_eq(tsr_store_answers_stamp(store, fx_pool, now, &s0),
                     APR_SUCCESS);
    u.doc = "{\"v\":1}";
    ck_assert_int_eq(update("stamped-a", &u, &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_answers_stamp(store, fx_pool, now, &s1),
                     APR_SUCCESS);
    ck_assert_uint_ne(s1, s0);
    ck_assert_int_eq(update("stamped-b", &u, &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_answers_stamp(store, fx_pool, now, &s2),
                     APR_SUCCESS);
    ck_assert_uint_ne(s2, s1);
    u.refuse = 1;
    ck_assert_int_ne(update("stamped-b", &u, &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_answers_stamp(store, fx_pool, now, &s3),
                     APR_SUCCESS);
    ck_assert_uint_eq(s3, s2);
    tsr_store_views_forget(stamps);
    ck_assert_int_eq(tsr_store_answers_stamp(store, fx_pool, now, &s3),
                     APR_SUCCESS);
    ck_assert_uint_ne(s3, s2);
    store->view_stamps = NULL;
}
END_TEST

START_TEST(change_rows_decode)
{
    tsr_change_t c;
    apr_size_t len;
    const char *row = tsr_store_change_encode(fx_pool, "@s/p", "3-ab",
                                              apr_time_from_sec(5), 1, &len);

    tsr_store_change_decode(&c, fx_pool, 9, row, len);
    ck_assert_uint_eq(c.seq, 9);
    ck_assert_str_eq(c.name, "@s/p");
    ck_assert_str_eq(c.rev, "3-ab");
    ck_assert(c.time == apr_time_from_sec(5));
    ck_assert(c.deleted);
    /* Rows of stores from before: the name alone. */
    tsr_store_change_decode(&c, fx_pool, 2, "old-pkg", 7);
    ck_assert_str_eq(c.name, "old-pkg");
    ck_assert_ptr_null(c.rev);
    ck_assert(c.time == 0 && !c.deleted);
    /* Cut short anywhere: never read past the end. */
    for (len = 0; len < strlen(row); len++) {
        tsr_store_change_decode(&c, fx_pool, 1, row, len);
    }
}
END_TEST

static int rand_fail_at = -1;
static int rand_calls;

static int failing_bytes(unsigned char *buf, int num)
{
    if (rand_calls++ == rand_fail_at) {
        return 0;
    }
    memset(buf, 0x5a, (size_t)num);
    return 1;
}

static int failing_status(void)
{
    return 1;
}

static const RAND_METHOD failing_rand = {
    NULL, failing_bytes, NULL, NULL, failing_bytes, failing_status
};

/* A publish makes three draws (staging name, _rev, view marker); when any
 * one is refused the publish fails with 500, and nothing is stored: no
 * document, no tarball, nothing in tmp/.  Before random failures were
 * checked, all three publishes succeeded with unset bytes. */
START_TEST(publish_without_random_bytes)
{
    apr_size_t len;
    const unsigned char *t = fx_package_tarball(fx_pool, "r", "1.0.0", &len);
    tsr_publish_t *pub = parsed("r", "1.0.0", t, len);
    tsr_publish_result_t res;
    tsr_error_t *err = NULL;
    apr_status_t rv;

    rand_calls = 0;
    rand_fail_at = _i;
    ck_assert_int_eq(RAND_set_rand_method(&failing_rand), 1);
    memset(&res, 0, sizeof(res));
    rv = tsr_publish_commit(&res, fx_pool, store, pub, &alice, &err);
    RAND_set_rand_method(NULL);
    ck_assert_int_gt(rand_calls, _i);
    ck_assert_refusal(rv, err, 500);
    ck_assert_ptr_null(doc_of("r"));
    ck_assert_ptr_null(view_of("r", TSR_VIEW_FULL));
    ck_assert(!fx_exists(tarball_file("r", "1.0.0")));
    ck_assert(tmp_is_empty());
    ck_assert_uint_eq(stats().update_seq, 0);

    /* with random bytes back, the same publish goes through */
    err = NULL;
    ck_assert_int_eq(tsr_publish_commit(&res, fx_pool, store, pub, &alice,
                                        &err), APR_SUCCESS);
    assert_file(tarball_file("r", "1.0.0"), t, len);
}
END_TEST

/* ---- a commit that fails ---- */

static int failing_fsync(int fd)
{
    (void)fd;
    errno = EIO;
    return -1;
}

/* The log cannot be flushed, so the commit fails after the tarball was
 * placed: the placed file must go, as on every other failure, and the
 * environment (panicked) asks for recovery; after it nothing of the
 * publish remains.  The old code left the tarball served with no
 * document listing it. */
START_TEST(publish_failed_commit)
{
    apr_size_t len;
    const unsigned char *t = fx_package_tarball(fx_pool, "c", "1.0.0", &len);
    tsr_publish_t *pub = parsed("c", "1.0.0", t, len);
    tsr_publish_result_t res;
    tsr_error_t *err = NULL;
    apr_status_t rv;

    memset(&res, 0, sizeof(res));
    ck_assert_int_eq(db_env_set_func_fsync(failing_fsync), 0);
    rv = tsr_publish_commit(&res, fx_pool, store, pub, &alice, &err);
    db_env_set_func_fsync(NULL);
    ck_assert_refusal(rv, err, 500);
    ck_assert_msg(!fx_exists(tarball_file("c", "1.0.0")),
                  "the tarball of a failed commit is still there");
    ck_assert(tmp_is_empty());
    ck_assert_int_gt(logged, 0);
    logged = 0;

    close_store();
    open_store(1);
    ck_assert_ptr_null(doc_of("c"));
    ck_assert(!fx_exists(tarball_file("c", "1.0.0")));
    logged = 0;
}
END_TEST

/* ---- what a crash may leave ---- */

/* fsync, interposed for the whole test program (Berkeley DB's included):
 * while recording, the path of every descriptor synced is kept. */
static int fsync_recording;
static char fsynced[64][PATH_MAX];
static int n_fsynced;

int fsync(int fd)
{
    if (fsync_recording && n_fsynced < 64) {
        char proc[64];
        ssize_t n;

        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        n = readlink(proc, fsynced[n_fsynced], PATH_MAX - 1);
        if (n > 0) {
            fsynced[n_fsynced++][n] = '\0';
        }
    }
    return (int)syscall(SYS_fsync, fd);
}

static int was_fsynced(const char *path)
{
    char real[PATH_MAX];
    int i;

    ck_assert_ptr_nonnull(realpath(path, real));
    for (i = 0; i < n_fsynced; i++) {
        if (strcmp(fsynced[i], real) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Every directory a place makes is synced into its parent (the old code
 * synced only the last), and so is the intent, before the link. */
START_TEST(place_syncs_what_it_makes)
{
    const char *tmp, *t = apr_pstrcat(fx_pool, datadir, "/tarballs", NULL);
    static const char *const dirs[] = { "", "/@s", "/@s/p", "/@s/p/-" };
    int i;

    ck_assert_int_eq(tsr_store_tarball_stage(store, fx_pool, "x", 1, &tmp),
                     APR_SUCCESS);
    n_fsynced = 0;
    fsync_recording = 1;
    ck_assert_int_eq(tsr_store_tarball_place(store, fx_pool, tmp,
                                             "@s/p/-/p-1.0.0.tgz"),
                     APR_SUCCESS);
    fsync_recording = 0;
    for (i = 0; i < 4; i++) {
        const char *d = apr_pstrcat(fx_pool, t, dirs[i], NULL);
        ck_assert_msg(was_fsynced(d), "%s was not synced", d);
    }
    ck_assert(was_fsynced(apr_pstrcat(fx_pool, datadir, "/tmp", NULL)));

    /* a second version in the same directories syncs only its own */
    ck_assert_int_eq(tsr_store_tarball_stage(store, fx_pool, "y", 1, &tmp),
                     APR_SUCCESS);
    n_fsynced = 0;
    fsync_recording = 1;
    ck_assert_int_eq(tsr_store_tarball_place(store, fx_pool, tmp,
                                             "@s/p/-/p-1.0.1.tgz"),
                     APR_SUCCESS);
    fsync_recording = 0;
    ck_assert(was_fsynced(apr_pstrcat(fx_pool, t, "/@s/p/-", NULL)));
    ck_assert(!was_fsynced(apr_pstrcat(fx_pool, t, "/@s", NULL)));
}
END_TEST

/* Stage and place path as a publish does, and stop there: the process
 * died before its transaction committed (or before it cleaned up). */
static void crash_after_place(const char *path, const void *bytes,
                              apr_size_t len)
{
    const char *tmp;

    ck_assert_int_eq(tsr_store_tarball_stage(store, fx_pool, bytes, len, &tmp), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_tarball_place(store, fx_pool, tmp, path),
                     APR_SUCCESS);
}

static void restart(int recover)
{
    tsr_bdb_options_t o = options(recover);

    close_store();
    ck_assert_int_eq(tsr_store_bdb_prepare(fx_pool, datadir, -1, -1, &o),
                     APR_SUCCESS);
    open_store(0);
}

/* After a crash, the parent's recovery removes every tarball linked for a
 * publish that never committed, keeps those the documents list, and
 * empties tmp/; a start without recovery (children may be publishing)
 * touches nothing.  The old code left them all, served by Apache. */
START_TEST(sweep_after_crash)
{
    apr_size_t len1, len2;
    const unsigned char *t1 = fx_package_tarball(fx_pool, "k", "1.0.0",
                                                 &len1);
    const unsigned char *t2 = fx_package_tarball(fx_pool, "k", "1.0.1",
                                                 &len2);
    tsr_publish_result_t res;
    tsr_error_t *err = NULL;
    const char *doc, *tmp;

    ck_assert_int_eq(tsr_publish_commit(&res, fx_pool, store,
                                        parsed("k", "1.0.0", t1, len1),
                                        &alice, &err), APR_SUCCESS);
    doc = doc_of("k");
    /* died before the commit: a new version, a new scoped package */
    crash_after_place("k/-/k-1.0.1.tgz", t2, len2);
    crash_after_place("@s/n/-/n-1.0.0.tgz", "n", 1);
    /* died after its commit, before removing its intent */
    crash_after_place("k/-/k-1.0.0.tgz", t1, len1);
    /* died while staging */
    ck_assert_int_eq(tsr_store_tarball_stage(store, fx_pool, "s", 1, &tmp),
                     APR_SUCCESS);
    ck_assert(!tmp_is_empty());

    restart(0);
    ck_assert(fx_exists(tarball_file("k", "1.0.1")));
    ck_assert(fx_exists(tarball_file("@s/n", "1.0.0")));
    ck_assert(fx_exists(tmp));

    restart(1);
    ck_assert(!fx_exists(tarball_file("k", "1.0.1")));
    ck_assert(!fx_exists(tarball_file("@s/n", "1.0.0")));
    assert_file(tarball_file("k", "1.0.0"), t1, len1);
    ck_assert(tmp_is_empty());
    ck_assert_str_eq(doc_of("k"), doc);
    ck_assert_ptr_null(doc_of("@s/n"));

    /* and the version cut short can be published */
    ck_assert_int_eq(tsr_publish_commit(&res, fx_pool, store,
                                        parsed("k", "1.0.1", t2, len2),
                                        &alice, &err), APR_SUCCESS);
    assert_file(tarball_file("k", "1.0.1"), t2, len2);
    ck_assert(tmp_is_empty());
}
END_TEST

/* An intent is only a name in tmp/: one that points anywhere but at a
 * tarball path is removed without following it. */
START_TEST(sweep_ignores_foreign_intents)
{
    const char *victim = apr_pstrcat(fx_pool, datadir, "/victim", NULL);
    const char *intent = apr_pstrcat(fx_pool, datadir, "/tmp/x.intent",
                                     NULL);
    apr_file_t *f;
    int removed = -1;

    ck_assert_int_eq(apr_file_open(&f, victim, APR_FOPEN_WRITE
                                   | APR_FOPEN_CREATE, APR_FPROT_OS_DEFAULT,
                                   fx_pool), APR_SUCCESS);
    apr_file_close(f);
    ck_assert_int_eq(symlink("../victim", intent), 0);
    ck_assert_int_eq(symlink("../../victim", apr_pstrcat(fx_pool, datadir,
                                                         "/tmp/y.intent",
                                                         NULL)), 0);
    ck_assert_int_eq(tsr_store_files_sweep(store, fx_pool, 0, &removed),
                     APR_SUCCESS);
    ck_assert_int_eq(removed, 0);
    ck_assert(fx_exists(victim));
    ck_assert(tmp_is_empty());
}
END_TEST

static void age_tmp(void)
{
    fx_age_entries(fx_pool, apr_pstrcat(fx_pool, datadir, "/tmp", NULL),
                   3600);
}

/* With several nodes on one data directory, a sweep while others publish
 * takes only what is older than its bound: an old intent's uncommitted
 * tarball goes, a young one (a publish in flight on another node) stays
 * with its intent and staged file. */
START_TEST(sweep_by_age)
{
    apr_size_t len1, len2;
    const unsigned char *t1 = fx_package_tarball(fx_pool, "old", "1.0.0",
                                                 &len1);
    const unsigned char *t2 = fx_package_tarball(fx_pool, "young", "1.0.0",
                                                 &len2);
    int removed = -1;

    crash_after_place("old/-/old-1.0.0.tgz", t1, len1);
    age_tmp();
    crash_after_place("young/-/young-1.0.0.tgz", t2, len2);
    ck_assert_int_eq(tsr_store_files_sweep(store, fx_pool,
                                           apr_time_now()
                                           - apr_time_from_sec(600),
                                           &removed), APR_SUCCESS);
    ck_assert_int_eq(removed, 1);
    ck_assert(!fx_exists(tarball_file("old", "1.0.0")));
    assert_file(tarball_file("young", "1.0.0"), t2, len2);
    ck_assert(!tmp_is_empty());
    /* Once it is old too (the node that placed it died), it goes. */
    age_tmp();
    ck_assert_int_eq(tsr_store_files_sweep(store, fx_pool,
                                           apr_time_now()
                                           - apr_time_from_sec(600),
                                           &removed), APR_SUCCESS);
    ck_assert_int_eq(removed, 1);
    ck_assert(!fx_exists(tarball_file("young", "1.0.0")));
    ck_assert(tmp_is_empty());
}
END_TEST

/* ---- the ready view of each version ---- */

static const char *version_view_of(const char *name, const char *version,
                                   const char *base)
{
    const char *blob = NULL;
    apr_size_t len = 0;
    tsr_view_t v;
    apr_status_t rv = tsr_store_package_version_view(store, fx_pool, name,
                                                     version, &blob, &len);

    if (rv == TSR_ENOTFOUND) {
        return NULL;
    }
    ck_assert_int_eq(rv, APR_SUCCESS);
    ck_assert_int_eq(tsr_view_decode(&v, blob, len), APR_SUCCESS);
    return tsr_view_flatten(&v, fx_pool, base);
}

/* Each publish writes, in its transaction, the version's manifest as GET
 * /<name>/<version> sends it, base URL spliced in at read time: the same
 * text as made from the document.  Nothing for a refused publish.  The
 * old store had no such view. */
START_TEST(version_views)
{
    static const char *const versions[] = { "1.0.0", "1.1.0",
                                            "2.0.0-beta.1" };
    tsr_publish_result_t res;
    tsr_error_t *err = NULL;
    json_object *doc;
    int i;

    for (i = 0; i < 3; i++) {
        apr_size_t len;
        const unsigned char *t = fx_package_tarball(fx_pool, "@s/vv",
                                                    versions[i], &len);

        ck_assert_int_eq(tsr_publish_commit(&res, fx_pool, store,
                                            parsed("@s/vv", versions[i], t,
                                                   len), &alice, &err),
                         APR_SUCCESS);
    }
    doc = fx_json(fx_pool, doc_of("@s/vv"));
    for (i = 0; i < 3; i++) {
        const char *want = tsr_json_serialize(
            fx_pool, tsr_packument_version(fx_pool, doc, versions[i],
                                           "http://h:1/r/"), NULL);
        const char *got = version_view_of("@s/vv", versions[i],
                                          "http://h:1/r/");

        ck_assert_ptr_nonnull(got);
        ck_assert_str_eq(got, want);
        ck_assert_contains(got, apr_pstrcat(fx_pool, "\"tarball\":\"http://"
                                            "h:1/r/@s/vv/-/vv-", versions[i],
                                            ".tgz\"", NULL));
    }
    ck_assert_ptr_null(version_view_of("@s/vv", "3.0.0", "http://h/"));
    ck_assert_ptr_null(version_view_of("@s/v", "1.0.0", "http://h/"));
    ck_assert_ptr_null(version_view_of("@s/vv", "latest", "http://h/"));
    /* Tags are resolved from their own small record, written with the
     * document and equal to its dist-tags. */
    {
        const char *tags;
        apr_size_t tlen;

        ck_assert_int_eq(tsr_store_package_view(store, fx_pool, "@s/vv",
                                                TSR_VIEW_TAGS, &tags, &tlen),
                         APR_SUCCESS);
        ck_assert_str_eq(tsr_json_serialize(fx_pool, fx_json(fx_pool,
                             apr_pstrmemdup(fx_pool, tags, tlen)), NULL),
                         tsr_json_serialize(fx_pool,
                             tsr_json_obj(doc, "dist-tags"), NULL));
        ck_assert_int_eq(tsr_store_package_view(store, fx_pool, "@s/none",
                                                TSR_VIEW_TAGS, &tags, &tlen),
                         TSR_ENOTFOUND);
    }

    /* a refused publish writes none */
    {
        apr_size_t len;
        const unsigned char *t = fx_package_tarball(fx_pool, "@s/vv",
                                                    "3.0.0", &len);

        err = NULL;
        ck_assert_refusal(tsr_publish_commit(&res, fx_pool, store,
                                             parsed("@s/vv", "3.0.0", t,
                                                    len), &bob, &err),
                          err, 403);
        ck_assert_ptr_null(version_view_of("@s/vv", "3.0.0", "http://h/"));
    }
}
END_TEST

/* ---- the search index ---- */

/* The names under term, sorted, joined by spaces. */
static const char *posting(const char *term, int prefix)
{
    apr_array_header_t *posts = NULL, *names;
    int i, j;

    ck_assert_int_eq(tsr_store_search_postings(store, fx_pool, term, prefix,
                                               &posts), APR_SUCCESS);
    names = apr_array_make(fx_pool, 1, sizeof(char *));
    for (i = 0; i < posts->nelts; i++) {
        APR_ARRAY_PUSH(names, const char *) =
            APR_ARRAY_IDX(posts, i, tsr_search_posting_t).name;
    }
    for (i = 1; i < names->nelts; i++) {
        for (j = i; j > 0 && strcmp(APR_ARRAY_IDX(names, j - 1, char *),
                                    APR_ARRAY_IDX(names, j, char *)) > 0;
             j--) {
            char *t = APR_ARRAY_IDX(names, j, char *);

            APR_ARRAY_IDX(names, j, char *) = APR_ARRAY_IDX(names, j - 1,
                                                            char *);
            APR_ARRAY_IDX(names, j - 1, char *) = t;
        }
    }
    return apr_array_pstrcat(fx_pool, names, ' ');
}

static int has_entry(const char *name)
{
    const char *blob;
    apr_size_t len;
    apr_status_t rv = tsr_store_search_entry(store, fx_pool, name, &blob,
                                             &len);

    ck_assert(rv == APR_SUCCESS || rv == TSR_ENOTFOUND);
    return rv == APR_SUCCESS;
}

static void publish_as(const char *name, const char *version,
                       const tsr_publisher_t *who)
{
    apr_size_t len;
    const unsigned char *t = fx_package_tarball(fx_pool, name, version,
                                                &len);
    tsr_publish_result_t res;
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_publish_commit(&res, fx_pool, store,
                                        parsed(name, version, t, len), who,
                                        &err), APR_SUCCESS);
}

/* Every writer's transaction keeps the index: publish, a tag moved
 * (tsr_packument_rewrite), access changed; a refused write leaves it. */
START_TEST(search_index_follows_writes)
{
    tsr_actor_t a = { "alice", 0 };
    tsr_error_t *err = NULL;
    upd_t u;

    publish_as("@s/idx", "0.1.0", &alice);
    publish_as("@s/idx", "1.0.0", &alice);
    ck_assert_str_eq(posting("w:idx", 0), "@s/idx");
    ck_assert_str_eq(posting("s:s", 0), "@s/idx");
    ck_assert_str_eq(posting("m:alice", 0), "@s/idx");
    ck_assert_str_eq(posting("a:alice", 0), "@s/idx");
    ck_assert_str_eq(posting(TSR_SEARCH_T_UNSTABLE, 0), "");
    ck_assert_str_eq(posting("w:id", 1), "@s/idx");
    ck_assert_str_eq(posting("w:id", 0), "");
    ck_assert(has_entry("@s/idx"));
    /* latest back to 0.1.0: unstable now, in the same write */
    ck_assert_int_eq(tsr_disttag_set(fx_pool, store, "@s/idx", &a, "latest",
                                     "0.1.0", &err), APR_SUCCESS);
    ck_assert_str_eq(posting(TSR_SEARCH_T_UNSTABLE, 0), "@s/idx");
    /* a refused change (bob maintains nothing) changes nothing */
    {
        tsr_actor_t b = { "bob", 0 };

        ck_assert_refusal(tsr_disttag_set(fx_pool, store, "@s/idx", &b,
                                          "latest", "1.0.0", &err), err, 403);
        ck_assert_str_eq(posting(TSR_SEARCH_T_UNSTABLE, 0), "@s/idx");
    }
    /* a package another writer turns into a tombstone leaves the index,
     * posting lists and entry both */
    memset(&u, 0, sizeof(u));
    u.doc = "{\"name\":\"@s/idx\",\"versions\":{},"
            "\"time\":{\"unpublished\":{}}}";
    ck_assert_int_eq(update("@s/idx", &u, &err), APR_SUCCESS);
    ck_assert_str_eq(posting("w:idx", 0), "");
    ck_assert_str_eq(posting("m:alice", 0), "");
    ck_assert_str_eq(posting(TSR_SEARCH_T_UNSTABLE, 0), "");
    ck_assert_str_eq(posting("", 1), "");
    ck_assert(!has_entry("@s/idx"));
}
END_TEST

/* npm unpublish as the registry does it: of a version (latest moves
 * back, the entry with it), then of the whole package (a tombstone, which
 * the store writes without views: its entry goes too). */
START_TEST(search_index_follows_unpublish)
{
    tsr_actor_t a = { "alice", 0 };
    tsr_error_t *err = NULL;
    json_object *doc;

    publish_as("@s/gone", "1.0.0", &alice);
    publish_as("@s/gone", "2.0.0-rc.1", &alice);
    ck_assert_str_eq(posting(TSR_SEARCH_T_UNSTABLE, 0), "@s/gone");
    doc = fx_json(fx_pool, doc_of("@s/gone"));
    json_object_object_del(tsr_json_obj(doc, "versions"), "2.0.0-rc.1");
    ck_assert_int_eq(tsr_unpublish_versions(fx_pool, store, "@s/gone", &a,
                                            tsr_json_str(doc, "_rev"), doc,
                                            NULL, &err), APR_SUCCESS);
    ck_assert_str_eq(posting(TSR_SEARCH_T_UNSTABLE, 0), "");
    ck_assert_str_eq(posting("w:gone", 0), "@s/gone");
    ck_assert_int_eq(tsr_unpublish_package(fx_pool, store, "@s/gone", &a,
                                           NULL, &err), APR_SUCCESS);
    ck_assert_str_eq(posting("w:gone", 0), "");
    ck_assert_str_eq(posting("s:s", 0), "");
    ck_assert(!has_entry("@s/gone"));
    /* Published again: found again. */
    publish_as("@s/gone", "3.0.0", &alice);
    ck_assert_str_eq(posting("w:gone", 0), "@s/gone");
    ck_assert(has_entry("@s/gone"));
}
END_TEST

/* The store's environment opened with Berkeley DB itself (the store
 * closed), to change what the store would not. */
static DB_ENV *raw_env(void)
{
    DB_ENV *env;

    ck_assert_int_eq(db_env_create(&env, 0), 0);
    ck_assert_int_eq(env->open(env, apr_pstrcat(fx_pool, datadir, "/db",
                                                NULL),
                               DB_INIT_TXN | DB_INIT_LOCK | DB_INIT_LOG
                               | DB_INIT_MPOOL, 0), 0);
    return env;
}

/* Truncate the index and forget it was built, with Berkeley DB itself, as
 * a store from before the index would be (the store closed). */
static void forget_index(void)
{
    static const char *const files[] = { "search.db", "search-entries.db" };
    DB_ENV *env = raw_env();
    DB *db;
    DBT key;
    u_int32_t n;
    int i;

    for (i = 0; i < 2; i++) {
        ck_assert_int_eq(db_create(&db, env, 0), 0);
        if (i == 0) {
            db->set_flags(db, DB_DUP | DB_DUPSORT);
        }
        ck_assert_int_eq(db->open(db, NULL, files[i], NULL, DB_BTREE,
                                  DB_AUTO_COMMIT, 0), 0);
        ck_assert_int_eq(db->truncate(db, NULL, &n, DB_AUTO_COMMIT), 0);
        ck_assert_uint_gt(n, 0);
        db->close(db, 0);
    }
    ck_assert_int_eq(db_create(&db, env, 0), 0);
    ck_assert_int_eq(db->open(db, NULL, "meta.db", NULL, DB_BTREE,
                              DB_AUTO_COMMIT, 0), 0);
    memset(&key, 0, sizeof(key));
    key.data = "search-index";
    key.size = sizeof("search-index");
    ck_assert_int_eq(db->del(db, NULL, &key, DB_AUTO_COMMIT), 0);
    db->close(db, 0);
    env->close(env, 0);
}

/* A store from before the index gets it at the next start (prepare), and
 * tsci-registry-admin's rebuild drops entries whose package is gone. */
START_TEST(search_index_built_at_start)
{
    tsr_bdb_options_t o = options(1);
    apr_size_t count = 0;
    tsr_error_t *err = NULL;
    upd_t u;

    publish_as("@s/old-one", "1.0.0", &alice);
    publish_as("@s/old-two", "1.0.0", &alice);
    memset(&u, 0, sizeof(u));
    u.doc = "{\"name\":\"plain\"}";
    ck_assert_int_eq(update("plain", &u, &err), APR_SUCCESS);
    close_store();
    forget_index();
    open_store(0);
    ck_assert_str_eq(posting("w:old", 0), "");
    close_store();
    ck_assert_int_eq(tsr_store_bdb_prepare(fx_pool, datadir, -1, -1, &o),
                     APR_SUCCESS);
    ck_assert_contains(last_log, "TSR00108: search index built for 2 "
                                 "packages");
    open_store(0);
    ck_assert_str_eq(posting("w:old", 0), "@s/old-one @s/old-two");
    ck_assert_str_eq(posting("w:two", 0), "@s/old-two");
    ck_assert(has_entry("@s/old-one"));
    ck_assert(!has_entry("plain"));
    /* Once built, a start does not build again. */
    last_log[0] = '\0';
    close_store();
    ck_assert_int_eq(tsr_store_bdb_prepare(fx_pool, datadir, -1, -1, &o),
                     APR_SUCCESS);
    ck_assert_ptr_null(strstr(last_log, "TSR00107"));
    open_store(0);
    /* An entry whose package is gone (here: taken away underneath) is
     * dropped by a rebuild. */
    close_store();
    {
        DB_ENV *env = raw_env();
        DB *db;
        DBT key;

        ck_assert_int_eq(db_create(&db, env, 0), 0);
        ck_assert_int_eq(db->open(db, NULL, "packages.db", NULL, DB_BTREE,
                                  DB_AUTO_COMMIT, 0), 0);
        memset(&key, 0, sizeof(key));
        key.data = "@s/old-one";
        key.size = strlen("@s/old-one");
        ck_assert_int_eq(db->del(db, NULL, &key, DB_AUTO_COMMIT), 0);
        db->close(db, 0);
        env->close(env, 0);
    }
    open_store(0);
    ck_assert(has_entry("@s/old-one"));
    ck_assert_int_eq(tsr_store_search_rebuild(store, fx_pool, &count),
                     APR_SUCCESS);
    ck_assert_uint_eq(count, 1);
    ck_assert(!has_entry("@s/old-one"));
    ck_assert_str_eq(posting("w:old", 0), "@s/old-two");
    ck_assert_str_eq(posting("w:one", 0), "");
}
END_TEST

/* term's one posting (there must be exactly one). */
static tsr_search_posting_t only_posting(const char *term)
{
    apr_array_header_t *posts = NULL;

    ck_assert_int_eq(tsr_store_search_postings(store, fx_pool, term, 0,
                                               &posts), APR_SUCCESS);
    ck_assert_int_eq(posts->nelts, 1);
    return APR_ARRAY_IDX(posts, 0, tsr_search_posting_t);
}

/* Replace every posting under term by the bare name, as a registry from
 * before briefs wrote them (the store closed). */
static void bare_postings(const char *term, const char *name)
{
    DB_ENV *env = raw_env();
    DB *db;
    DBT key, data;

    ck_assert_int_eq(db_create(&db, env, 0), 0);
    db->set_flags(db, DB_DUP | DB_DUPSORT);
    ck_assert_int_eq(db->open(db, NULL, "search.db", NULL, DB_BTREE,
                              DB_AUTO_COMMIT, 0), 0);
    memset(&key, 0, sizeof(key));
    memset(&data, 0, sizeof(data));
    key.data = (void *)term;
    key.size = strlen(term);
    ck_assert_int_eq(db->del(db, NULL, &key, DB_AUTO_COMMIT), 0);
    data.data = (void *)name;
    data.size = strlen(name);
    ck_assert_int_eq(db->put(db, NULL, &key, &data, DB_AUTO_COMMIT), 0);
    db->close(db, 0);
    env->close(env, 0);
}

static int anyone(void *baton, const char *name, const char *readers)
{
    return readers == NULL;
}

static const char *search_page(const char *text)
{
    tsr_search_query_t *q;
    json_object *res;
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_search_parse_args(&q, fx_pool,
                                           apr_pstrcat(fx_pool, "text=",
                                                       text, NULL), &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_search_run(&res, fx_pool, store, q, apr_time_now(),
                                    anyone, NULL, &err), APR_SUCCESS);
    return json_object_to_json_string(json_object_object_get(res,
                                                             "objects"));
}

/* Each posting carries the package's brief, kept with every write: a
 * release and a star change it under every term, each package keeps one
 * posting a term.  Bare postings of an older registry still find their
 * package (the query reads its entry), and a write or a rebuild gives
 * them briefs. */
START_TEST(search_postings_carry_briefs)
{
    tsr_search_posting_t o;
    tsr_bdb_options_t opts = options(1);
    tsr_actor_t bob = { "bob", 0 };
    apr_size_t count = 0;
    tsr_error_t *err = NULL;
    const char *before, *nrev;

    publish_as("@s/brief-pkg", "1.0.0", &alice);
    o = only_posting("w:brief");
    ck_assert(o.brief);
    ck_assert_str_eq(o.name, "@s/brief-pkg");
    ck_assert_uint_eq(o.place, TSR_SEARCH_IN_NAME);
    ck_assert_uint_eq(o.versions, 1);
    ck_assert_uint_eq(o.stars, 0);
    ck_assert(o.released > 0);
    ck_assert(!o.deprecated && !o.restricted);
    ck_assert_uint_eq(only_posting("s:s").versions, 1);
    {
        apr_array_header_t *posts;

        /* Under a prefix, exact says whether the term is the one asked. */
        ck_assert_int_eq(tsr_store_search_postings(store, fx_pool, "w:bri",
                                                   1, &posts), APR_SUCCESS);
        ck_assert_int_eq(posts->nelts, 1);
        ck_assert(!APR_ARRAY_IDX(posts, 0, tsr_search_posting_t).exact);
        ck_assert_int_eq(tsr_store_search_postings(store, fx_pool,
                                                   "w:brief", 1, &posts),
                         APR_SUCCESS);
        ck_assert(APR_ARRAY_IDX(posts, 0, tsr_search_posting_t).exact);
    }
    ck_assert_uint_eq(only_posting("s:s").place, 0);
    publish_as("@s/brief-pkg", "1.1.0", &alice);
    ck_assert_uint_eq(only_posting("w:brief").versions, 2);
    ck_assert_uint_eq(only_posting("m:alice").versions, 2);
    ck_assert_int_eq(tsr_star_set(fx_pool, store, "@s/brief-pkg", &bob,
                                  NULL, 1, &nrev, &err), APR_SUCCESS);
    ck_assert_uint_eq(only_posting("w:pkg").stars, 1);
    ck_assert_uint_eq(only_posting("s:s").stars, 1);
    before = search_page("brief");
    ck_assert_ptr_nonnull(strstr(before, "brief-pkg"));

    close_store();
    bare_postings("w:brief", "@s/brief-pkg");
    /* The first posting (of "a:alice") still has its brief: no hint. */
    last_log[0] = '\0';
    ck_assert_int_eq(tsr_store_bdb_prepare(fx_pool, datadir, -1, -1, &opts),
                     APR_SUCCESS);
    ck_assert_ptr_null(strstr(last_log, "TSR00109"));
    bare_postings("a:alice", "@s/brief-pkg");
    ck_assert_int_eq(tsr_store_bdb_prepare(fx_pool, datadir, -1, -1, &opts),
                     APR_SUCCESS);
    ck_assert_contains(last_log, "TSR00109");
    open_store(0);
    o = only_posting("w:brief");
    ck_assert(!o.brief);
    ck_assert_str_eq(o.name, "@s/brief-pkg");
    /* The same page from the entry (its time aside). */
    ck_assert_str_eq(search_page("brief"), before);
    ck_assert_int_eq(tsr_store_search_rebuild(store, fx_pool, &count),
                     APR_SUCCESS);
    ck_assert(only_posting("w:brief").brief);
    ck_assert(only_posting("a:alice").brief);
    ck_assert_uint_eq(only_posting("w:brief").stars, 1);
    ck_assert_str_eq(search_page("brief"), before);
    close_store();
    last_log[0] = '\0';
    ck_assert_int_eq(tsr_store_bdb_prepare(fx_pool, datadir, -1, -1, &opts),
                     APR_SUCCESS);
    ck_assert_ptr_null(strstr(last_log, "TSR00109"));
    open_store(0);

    close_store();
    bare_postings("w:brief", "@s/brief-pkg");
    open_store(0);
    publish_as("@s/brief-pkg", "1.2.0", &alice);
    o = only_posting("w:brief");
    ck_assert(o.brief);
    ck_assert_uint_eq(o.versions, 3);
}
END_TEST

/* The provider table's life cycle, as the glue drives it: found by name,
 * prepared, opened, a session per request, upkeep, and the recovery mark
 * seen and cleared. */
START_TEST(provider_life_cycle)
{
    const tsr_store_provider_t *bdb = tsr_store_provider_find("bdb");
    const char *dir = fx_tempdir(fx_pool);
    tsr_store_config_t cfg;
    tsr_store_t *proc = NULL, *sess = NULL;
    tsr_store_stats_t st;
    const char *tmp = NULL;

    ck_assert_ptr_nonnull(bdb);
    ck_assert_ptr_eq(bdb, tsr_store_bdb_provider());
    ck_assert_str_eq(bdb->name, "bdb");
    ck_assert_ptr_null(tsr_store_provider_find("sql"));
    ck_assert_ptr_null(tsr_store_provider_find(""));
    ck_assert_str_eq(tsr_store_provider_names(fx_pool), "bdb, dbd");

    memset(&cfg, 0, sizeof(cfg));
    cfg.datadir = dir;
    cfg.log = log_fn;
    ck_assert_int_eq(tsr_store_prepare(bdb, fx_pool, &cfg, 1, -1, -1),
                     APR_SUCCESS);
    ck_assert(fx_exists(apr_pstrcat(fx_pool, dir, "/tarballs", NULL)));
    ck_assert(fx_exists(apr_pstrcat(fx_pool, dir, "/tmp", NULL)));
    ck_assert_int_eq(tsr_store_open(bdb, &proc, fx_pool, &cfg), APR_SUCCESS);
    ck_assert_ptr_eq(proc->provider, bdb);
    ck_assert_str_eq(proc->datadir, dir);
    /* Berkeley DB's handles serve every thread: the session is the
     * process's handle, and costs a request nothing. */
    ck_assert_int_eq(tsr_store_session(&sess, fx_pool, proc, NULL),
                     APR_SUCCESS);
    ck_assert_ptr_eq(sess, proc);
    ck_assert_int_eq(tsr_store_stats(sess, fx_pool, &st), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_maintain(sess, fx_pool), APR_SUCCESS);
    /* Tarballs go through the table too. */
    ck_assert_int_eq(tsr_store_tarball_stage(sess, fx_pool, "t", 1, &tmp),
                     APR_SUCCESS);
    ck_assert(fx_exists(tmp));
    tsr_store_tarball_unstage(sess, fx_pool, tmp);
    ck_assert(!fx_exists(tmp));

    ck_assert_int_eq(tsr_store_recovery_needed(bdb, fx_pool, &cfg), 0);
    tsr_store_bdb_flag_recovery(NULL, dir);
    ck_assert_int_eq(tsr_store_recovery_needed(bdb, fx_pool, &cfg), 1);
    tsr_store_recovery_clear(bdb, fx_pool, &cfg);
    ck_assert_int_eq(tsr_store_recovery_needed(bdb, fx_pool, &cfg), 0);
}
END_TEST

Suite *make_store_bdb_suite(void)
{
    Suite *s = suite_create("store_bdb");
    TCase *tc = fx_tcase("store");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, fresh_store);
    tcase_add_test(tc, package_create_and_update);
    tcase_add_test(tc, refusing_callback);
    tcase_add_test(tc, users);
    tcase_add_test(tc, tokens);
    tcase_add_test(tc, reopen_keeps_data);
    tcase_add_test(tc, prepare_again_keeps_data);
    tcase_add_test(tc, open_missing_without_create);
    tcase_add_test(tc, recovery_flag);
    tcase_add_test(tc, provider_life_cycle);
    suite_add_tcase(s, tc);

    tc = fx_tcase("tarballs");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, path_check_good, 0,
                        (int)(sizeof(good_paths) / sizeof(char *)) - 1);
    tcase_add_loop_test(tc, path_check_bad, 0,
                        (int)(sizeof(bad_paths) / sizeof(char *)) - 1);
    tcase_add_test(tc, path_check_limits);
    tcase_add_test(tc, tarball_files);
    suite_add_tcase(s, tc);

    tc = fx_tcase("publish");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, publish_commit);
    tcase_add_test(tc, unpublish_stars_and_changes);
    tcase_add_test(tc, change_rows_decode);
    tcase_add_test(tc, views_read_through_the_cache);
    tcase_add_test(tc, answers_stamp_follows_every_write);
    tcase_add_loop_test(tc, publish_without_random_bytes, 0, 3);
    tcase_add_test(tc, publish_failed_commit);
    tcase_add_test(tc, place_syncs_what_it_makes);
    tcase_add_test(tc, sweep_after_crash);
    tcase_add_test(tc, sweep_ignores_foreign_intents);
    tcase_add_test(tc, sweep_by_age);
    tcase_add_test(tc, version_views);
    tcase_add_test(tc, search_index_follows_writes);
    tcase_add_test(tc, search_index_follows_unpublish);
    tcase_add_test(tc, search_index_built_at_start);
    tcase_add_test(tc, search_postings_carry_briefs);
    suite_add_tcase(s, tc);
    return s;
}
