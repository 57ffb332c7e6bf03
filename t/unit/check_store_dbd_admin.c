/* check_store_dbd_admin: the administrator's tool's operations on the SQL
 * store, on a real PostgreSQL (TSCI_TEST_PG, as check_store_dbd.c): the
 * tool's own connection (open_admin), cursors over users and packages, a
 * user's removal with their tokens, views rebuilt from the documents,
 * verify's findings, and a registry copied from Berkeley DB to
 * PostgreSQL and back again with verify clean on each side.  Without
 * TSCI_TEST_PG the suite has no tests and says so. */
#include <stdio.h>
#include <stdlib.h>
#include <apr_strings.h>
#include <apr_dbd.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_admin.h"
#include "tsr_auth.h"
#include "tsr_copy.h"
#include "tsr_json.h"
#include "tsr_org.h"
#include "tsr_packument.h"
#include "tsr_publish.h"
#include "tsr_reindex.h"
#include "tsr_star.h"
#include "tsr_store_bdb.h"
#include "tsr_store_dbd.h"
#include "tsr_store_files.h"
#include "tsr_unpublish.h"
#include "tsr_verify.h"
#include "tsr_view.h"

static const char *params;
static apr_pool_t *driver_pool;
static const apr_dbd_driver_t *driver;
static apr_dbd_t *sqlconn;          /* the test's own, for SQL checks */
static const char *datadir;
static tsr_store_t *store;          /* the tool's handle on the database */
static char last_log[512];

static void log_fn(void *baton, int level, apr_status_t rv, const char *msg)
{
    (void)baton;
    (void)level;
    (void)rv;
    apr_cpystrn(last_log, msg, sizeof(last_log));
}

static void sql(const char *text)
{
    int n = 0;

    ck_assert_msg(apr_dbd_query(driver, sqlconn, &n, text) == 0, "%s: %s",
                  text, apr_dbd_error(driver, sqlconn, 1));
}

static const char *sql_value(const char *text)
{
    apr_dbd_results_t *res = NULL;
    apr_dbd_row_t *row = NULL;
    const char *v = NULL;

    ck_assert_int_eq(apr_dbd_select(driver, fx_pool, sqlconn, &res, text,
                                    1), 0);
    if (apr_dbd_get_row(driver, fx_pool, res, &row, -1) == 0) {
        v = apr_pstrdup(fx_pool, apr_dbd_get_entry(driver, row, 0));
        while (apr_dbd_get_row(driver, fx_pool, res, &row, -1) == 0) {
        }
    }
    return v;
}

static tsr_store_t *open_dbd(const char *dir)
{
    tsr_store_t *s;
    int joined = 0;

    ck_assert_int_eq(tsr_admin_open_store(&s, &joined, fx_pool,
                                          tsr_store_dbd_provider(), dir,
                                          params, log_fn, NULL),
                     APR_SUCCESS);
    ck_assert_int_eq(joined, 1);
    return s;
}

static void setup(void)
{
    if (driver_pool == NULL) {
        apr_pool_create(&driver_pool, NULL);
        apr_dbd_init(driver_pool);
        ck_assert_int_eq(apr_dbd_get_driver(driver_pool, "pgsql", &driver),
                         APR_SUCCESS);
    }
    ck_assert_int_eq(apr_dbd_open(driver, fx_pool, params, &sqlconn),
                     APR_SUCCESS);
    /* Every test starts from an empty database: the tool makes the
     * schema itself. */
    sql("DROP SCHEMA public CASCADE");
    sql("CREATE SCHEMA public");
    last_log[0] = '\0';
    datadir = fx_tempdir(fx_pool);
    /* The data directory as Apache's parent makes it (tarballs/, tmp/). */
    ck_assert_int_eq(tsr_store_prepare(tsr_store_dbd_provider(), fx_pool,
                                       &(tsr_store_config_t){ datadir,
                                                              log_fn, NULL,
                                                              NULL },
                                       0, -1, -1), APR_SUCCESS);
    store = open_dbd(datadir);
}

static void teardown(void)
{
    apr_dbd_close(driver, sqlconn);
}

static const tsr_publisher_t alice = { "alice", "alice@example.com" };

static void publish(tsr_store_t *s, const char *name, const char *version)
{
    tsr_tarball_limits_t lim;
    tsr_publish_t *pub = NULL;
    tsr_publish_result_t res;
    tsr_error_t *err = NULL;
    apr_size_t len;
    const unsigned char *tgz = fx_package_tarball(fx_pool, name, version,
                                                  &len);

    tsr_tarball_default_limits(&lim);
    ck_assert_int_eq(tsr_publish_parse(&pub, fx_pool, name,
                                       fx_publish_body(fx_pool, name,
                                                       version, tgz, len),
                                       &lim, &err), APR_SUCCESS);
    ck_assert_msg(tsr_publish_commit(&res, fx_pool, s, pub, &alice, &err)
                  == APR_SUCCESS, "publish %s: %s", name,
                  err ? err->message : "?");
}

static void add_user(tsr_store_t *s, const char *name)
{
    tsr_auth_creds_t c = { name, "secret-pw", "u@example.com" };
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_auth_user_add(fx_pool, s, &c, &err), APR_SUCCESS);
}

static const char *token_for(tsr_store_t *s, const char *user)
{
    const char *token;
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_token_issue(&token, fx_pool, s, user, NULL, &err),
                     APR_SUCCESS);
    return token;
}

static const char *owner_of(tsr_store_t *s, const char *token)
{
    tsr_token_identity_t id;

    if (tsr_token_lookup(&id, fx_pool, s, NULL, 0, token, strlen(token))
        != APR_SUCCESS) {
        return NULL;
    }
    return id.user;
}

static const char *names(apr_array_header_t *a)
{
    return apr_array_pstrcat(fx_pool, a, ',');
}

static const char *doc_of(tsr_store_t *s, const char *name)
{
    const char *doc;
    apr_size_t len;

    if (tsr_store_package_doc(s, fx_pool, name, &doc, &len)
        != APR_SUCCESS) {
        return NULL;
    }
    return apr_pstrmemdup(fx_pool, doc, len);
}

static const char *rev_of(tsr_store_t *s, const char *name)
{
    return tsr_packument_rev(fx_json(fx_pool, doc_of(s, name)));
}

static tsr_verify_report_t verify(tsr_store_t *s)
{
    tsr_verify_report_t rep;

    ck_assert_int_eq(tsr_verify_run(&rep, fx_pool, s, NULL, NULL),
                     APR_SUCCESS);
    return rep;
}

static const char *problems(const tsr_verify_report_t *rep)
{
    const char *all = "";
    int i;

    for (i = 0; i < rep->problems->nelts; i++) {
        all = apr_pstrcat(fx_pool, all, APR_ARRAY_IDX(rep->problems, i,
                                                      tsr_verify_problem_t)
                                            .message, "\n", NULL);
    }
    return all;
}

START_TEST(open_admin)
{
    tsr_store_t *s;
    int joined = 0;

    /* The tool made the schema on its own connection. */
    ck_assert_str_eq(sql_value("SELECT max(version) FROM "
                               "tsr_schema_version"),
                     apr_itoa(fx_pool, TSR_DBD_SCHEMA_VERSION));
    /* No connection string: refused, saying where one comes from. */
    ck_assert_int_eq(tsr_admin_open_store(&s, &joined, fx_pool,
                                          tsr_store_dbd_provider(), datadir,
                                          NULL, log_fn, NULL), APR_EINVAL);
    ck_assert_contains(last_log, "TSR00206");
    ck_assert_contains(last_log, "TSCI_REGISTRY_DBD_PARAMS");
    /* No data directory: no store there (nothing is made). */
    ck_assert_int_eq(tsr_admin_open_store(&s, &joined, fx_pool,
                                          tsr_store_dbd_provider(),
                                          apr_pstrcat(fx_pool, datadir,
                                                      "/none", NULL),
                                          params, log_fn, NULL),
                     TSR_ENOTFOUND);
    ck_assert_int_eq(fx_exists(apr_pstrcat(fx_pool, datadir, "/none",
                                           NULL)), 0);
    /* A database that is not there: the server's reason is passed on. */
    ck_assert_int_ne(tsr_admin_open_store(&s, &joined, fx_pool,
                                          tsr_store_dbd_provider(), datadir,
                                          apr_pstrcat(fx_pool, params,
                                                      " dbname=nosuchdb",
                                                      NULL),
                                          log_fn, NULL), APR_SUCCESS);
    ck_assert_contains(last_log, "TSR00208");
    ck_assert_contains(last_log, "nosuchdb");
    /* Nothing is shared on this machine to let go of. */
    ck_assert_int_eq(tsr_store_release(tsr_store_dbd_provider(), fx_pool,
                                       NULL), 0);
}
END_TEST

static const char *page(apr_status_t (*fn)(tsr_store_t *, apr_pool_t *,
                                           const char *, apr_size_t,
                                           apr_array_header_t **),
                        const char *after, apr_size_t max)
{
    apr_array_header_t *a;

    ck_assert_int_eq(fn(store, fx_pool, after, max, &a), APR_SUCCESS);
    return names(a);
}

START_TEST(users)
{
    const char *ta1, *ta2, *tb;
    tsr_error_t *err = NULL;
    json_object *list;
    int tokens = -1;

    add_user(store, "carol");
    add_user(store, "alice");
    add_user(store, "Bob");
    /* Bytewise order, as Berkeley DB's: capitals first. */
    ck_assert_str_eq(page(tsr_store_user_names, "", 10), "Bob,alice,carol");
    ck_assert_str_eq(page(tsr_store_user_names, "", 2), "Bob,alice");
    ck_assert_str_eq(page(tsr_store_user_names, "alice", 2), "carol");
    ck_assert_str_eq(page(tsr_store_user_names, "carol", 2), "");
    ta1 = token_for(store, "alice");
    ta2 = token_for(store, "alice");
    tb = token_for(store, "carol");
    ck_assert_int_eq(tsr_admin_users(&list, fx_pool, store), APR_SUCCESS);
    ck_assert_int_eq(json_object_array_length(list), 3);
    ck_assert_int_eq(json_object_get_int(json_object_object_get(
                         json_object_array_get_idx(list, 1), "tokens")), 2);
    /* A new password: the record changes, the tokens stay. */
    ck_assert_int_eq(tsr_admin_user_passwd(fx_pool, store, "alice", "new-pw",
                                           &err), APR_SUCCESS);
    ck_assert_str_eq(owner_of(store, ta1), "alice");
    ck_assert_refusal(tsr_admin_user_passwd(fx_pool, store, "nobody", "x",
                                            &err), err, 404);
    /* Deleting alice takes both of her tokens, and only hers. */
    ck_assert_int_eq(tsr_admin_user_del(fx_pool, store, "alice", &tokens,
                                        &err), APR_SUCCESS);
    ck_assert_int_eq(tokens, 2);
    ck_assert_ptr_null(owner_of(store, ta1));
    ck_assert_ptr_null(owner_of(store, ta2));
    ck_assert_str_eq(owner_of(store, tb), "carol");
    ck_assert_str_eq(sql_value("SELECT count(*) FROM tsr_tokens"), "1");
    ck_assert_str_eq(page(tsr_store_user_names, "", 10), "Bob,carol");
    ck_assert_refusal(tsr_admin_user_del(fx_pool, store, "alice", &tokens,
                                         &err), err, 404);
}
END_TEST

/* Views that are not the document's: the reindex must replace them. */
static apr_status_t damage(void *baton, apr_pool_t *p, const char *doc,
                           apr_size_t len, tsr_package_write_t *out,
                           tsr_error_t **perr)
{
    static const char *vers[] = { "9.9.9" };
    static const char *views[] = { "stale" };
    static const apr_size_t lens[] = { 5 };

    (void)baton;
    (void)p;
    (void)perr;
    out->doc = doc;
    out->doc_len = len;
    out->full = "junk";
    out->full_len = 4;
    out->abbrev = "junk";
    out->abbrev_len = 4;
    out->n_more = 1;
    out->more_versions = vers;
    out->more_views = views;
    out->more_lens = lens;
    return APR_SUCCESS;
}

START_TEST(reindex_and_verify)
{
    tsr_verify_report_t rep;
    tsr_error_t *err = NULL;
    tsr_store_stats_t before, after;
    const char *blob, *seq;
    apr_size_t len;
    tsr_view_t v;
    apr_uint64_t n = 0;

    publish(store, "lib", "1.0.0");
    publish(store, "lib", "1.1.0");
    publish(store, "@s/other", "2.0.0");
    ck_assert_str_eq(page(tsr_store_package_names_after, "", 10),
                     "@s/other,lib");
    ck_assert_str_eq(page(tsr_store_package_names_after, "@s/other", 10),
                     "lib");
    rep = verify(store);
    ck_assert_msg(rep.problems->nelts == 0, "%s", problems(&rep));
    ck_assert_uint_eq(rep.packages, 2);
    ck_assert_uint_eq(rep.versions, 3);
    ck_assert_uint_eq(rep.tarballs, 3);

    /* Views that are not the document's: verify sees it... */
    ck_assert_int_eq(tsr_store_package_reindex(store, fx_pool, "lib",
                                               damage, NULL, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_store_package_version_view(store, fx_pool, "lib",
                                                    "9.9.9", &blob, &len),
                     APR_SUCCESS);
    rep = verify(store);
    ck_assert_int_eq(rep.problems->nelts, 1);
    ck_assert_contains(problems(&rep), "ready view of lib");
    /* ... and reindex renders them from the document again, changing
     * neither the document, nor the counters, nor the feed. */
    ck_assert_int_eq(tsr_store_stats(store, fx_pool, &before), APR_SUCCESS);
    seq = sql_value("SELECT max(seq) FROM tsr_changes");
    ck_assert_int_eq(tsr_reindex_run(fx_pool, store,
                                     tsr_reindex_step("views"), NULL, NULL,
                                     &n, &err), APR_SUCCESS);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(tsr_store_stats(store, fx_pool, &after), APR_SUCCESS);
    ck_assert_uint_eq(after.update_seq, before.update_seq);
    ck_assert_uint_eq(after.data_size, before.data_size);
    ck_assert_str_eq(sql_value("SELECT max(seq) FROM tsr_changes"), seq);
    ck_assert_int_eq(tsr_store_package_version_view(store, fx_pool, "lib",
                                                    "9.9.9", &blob, &len),
                     TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_store_package_view(store, fx_pool, "lib",
                                            TSR_VIEW_FULL, &blob, &len),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_view_decode(&v, blob, len), APR_SUCCESS);
    ck_assert_str_eq(apr_pstrmemdup(fx_pool, v.rev, v.rev_len),
                     rev_of(store, "lib"));
    rep = verify(store);
    ck_assert_msg(rep.problems->nelts == 0, "%s", problems(&rep));
    ck_assert_int_eq(tsr_store_package_reindex(store, fx_pool, "nope",
                                               damage, NULL, &err),
                     TSR_ENOTFOUND);

    /* What the rows say of each other: counters that disagree with the
     * rows, rows of packages that are not there, a tarball gone. */
    sql("UPDATE tsr_counters SET doc_count = doc_count + 5");
    sql("INSERT INTO tsr_views (name, kind, blob) VALUES ('ghost', 'f', "
        "'\\x00')");
    ck_assert_int_eq(apr_file_remove(tsr_store_tarball_file(
                         fx_pool, datadir, "lib/-/lib-1.0.0.tgz"), fx_pool),
                     APR_SUCCESS);
    rep = verify(store);
    ck_assert_int_eq(rep.problems->nelts, 3);
    ck_assert_contains(problems(&rep), "counts 7 packages");
    ck_assert_contains(problems(&rep), "tsr_views: ghost f names what is "
                       "not there");
    ck_assert_contains(problems(&rep), "missing tarball: lib/-/lib-1.0.0");
}
END_TEST

/* A Berkeley DB store as Apache makes one, in a directory of its own. */
static tsr_store_t *bdb_store(const char *dir)
{
    tsr_store_t *s;
    int joined;

    ck_assert_int_eq(tsr_store_prepare(tsr_store_bdb_provider(), fx_pool,
                                       &(tsr_store_config_t){ dir, log_fn,
                                                              NULL, NULL },
                                       0, -1, -1), APR_SUCCESS);
    ck_assert_int_eq(tsr_admin_open(&s, &joined, fx_pool, dir, log_fn,
                                    NULL), APR_SUCCESS);
    return s;
}

/* The number of name's last change in s's feed (0: none). */
static apr_uint64_t last_change(tsr_store_t *s, const char *name)
{
    apr_array_header_t *rows;
    apr_uint64_t last = 0, prev = 0;
    int i;

    ck_assert_int_eq(tsr_store_changes(s, fx_pool, 0, 0, 1000, &rows),
                     APR_SUCCESS);
    for (i = 0; i < rows->nelts; i++) {
        const tsr_change_t *c = &APR_ARRAY_IDX(rows, i, tsr_change_t);

        ck_assert_uint_gt(c->seq, prev);
        prev = c->seq;
        if (strcmp(c->name, name) == 0) {
            last = c->seq;
        }
    }
    return last;
}

/* A follower of a's changes feed that stopped at any number finds every
 * package changed after it above that number in b's too, and b's feed
 * goes on from where a's ended. */
static void feed_kept(tsr_store_t *a, tsr_store_t *b)
{
    static const char *const pkgs[] = { "lib", "@acme/kit", "gone" };
    tsr_store_stats_t sa, sb;
    int i;

    for (i = 0; i < 3; i++) {
        ck_assert_uint_gt(last_change(a, pkgs[i]), 0);
        ck_assert_uint_ge(last_change(b, pkgs[i]), last_change(a, pkgs[i]));
    }
    /* The order of the last changes is kept. */
    ck_assert_uint_lt(last_change(b, "@acme/kit"), last_change(b, "gone"));
    ck_assert_uint_lt(last_change(b, "gone"), last_change(b, "lib"));
    ck_assert_int_eq(tsr_store_stats(a, fx_pool, &sa), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_stats(b, fx_pool, &sb), APR_SUCCESS);
    ck_assert_uint_ge(sb.update_seq, sa.update_seq);
}

/* name's record, the same bytes on both sides. */
static void same_org(tsr_store_t *a, tsr_store_t *b, const char *name)
{
    const char *ra, *rb;
    apr_size_t na, nb;

    ck_assert_int_eq(tsr_store_org_get(a, fx_pool, name, &ra, &na),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_store_org_get(b, fx_pool, name, &rb, &nb),
                     APR_SUCCESS);
    ck_assert_str_eq(apr_pstrmemdup(fx_pool, rb, nb),
                     apr_pstrmemdup(fx_pool, ra, na));
}

/* What both sides of a copy must agree on. */
static void same_registry(tsr_store_t *a, tsr_store_t *b)
{
    tsr_store_stats_t sa, sb;
    apr_array_header_t *lb;
    const char *ra, *rb;
    apr_size_t na, nb;

    ck_assert_int_eq(tsr_store_stats(a, fx_pool, &sa), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_stats(b, fx_pool, &sb), APR_SUCCESS);
    ck_assert_uint_eq(sa.doc_count, sb.doc_count);
    ck_assert_uint_eq(sa.doc_del_count, sb.doc_del_count);
    ck_assert_str_eq(doc_of(a, "lib"), doc_of(b, "lib"));
    ck_assert_str_eq(doc_of(a, "@acme/kit"), doc_of(b, "@acme/kit"));
    ck_assert_str_eq(doc_of(a, "gone"), doc_of(b, "gone"));
    /* Who created each package that is still published (a package
     * unpublished entirely is written as a tombstone, which neither
     * provider lists among its creator's). */
    ck_assert_int_eq(tsr_store_user_packages(b, fx_pool, "alice", 10, &lb),
                     APR_SUCCESS);
    ck_assert_str_eq(names(lb), "@acme/kit,lib");
    ck_assert_int_eq(tsr_store_user_stars(b, fx_pool, "bob", 10, &lb),
                     APR_SUCCESS);
    ck_assert_str_eq(names(lb), "lib");
    same_org(a, b, "acme");
    /* An organisation that owns no package comes along too. */
    same_org(a, b, "lonely");
    ck_assert_int_eq(tsr_store_user_get(b, fx_pool, "alice", &rb, &nb),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_store_user_get(a, fx_pool, "alice", &ra, &na),
                     APR_SUCCESS);
    ck_assert_str_eq(apr_pstrmemdup(fx_pool, rb, nb),
                     apr_pstrmemdup(fx_pool, ra, na));
}

START_TEST(copy_both_ways)
{
    const char *bdir = fx_tempdir(fx_pool), *back_dir;
    tsr_store_t *bdb = bdb_store(bdir), *back;
    tsr_actor_t root = { "root", 1 }, bob = { "bob", 0 }, al = { "alice", 0 };
    tsr_copy_result_t res;
    tsr_verify_report_t rep;
    tsr_error_t *err = NULL;
    const char *token, *newrev;
    int size;

    /* A registry with a bit of everything, on Berkeley DB. */
    add_user(bdb, "alice");
    add_user(bdb, "bob");
    token = token_for(bdb, "alice");
    token_for(bdb, "bob");
    ck_assert_int_eq(tsr_org_set(fx_pool, bdb, "acme", &root, "alice",
                                 "owner", &size, &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_org_set(fx_pool, bdb, "lonely", &root, "bob",
                                 "owner", &size, &err), APR_SUCCESS);
    /* Published through Apache at this base: its gzip'd views are kept
     * for it, and must be on the other side too. */
    publish(tsr_store_for_base(bdb, fx_pool, "http://reg.example/npm/"),
            "lib", "1.0.0");
    publish(bdb, "lib", "1.1.0");
    publish(bdb, "@acme/kit", "0.1.0");
    publish(bdb, "gone", "1.0.0");
    ck_assert_int_eq(tsr_unpublish_package(fx_pool, bdb, "gone", &al,
                                           rev_of(bdb, "gone"), &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_star_set(fx_pool, bdb, "lib", &bob,
                                  rev_of(bdb, "lib"), 1, &newrev, &err),
                     APR_SUCCESS);
    rep = verify(bdb);
    ck_assert_msg(rep.problems->nelts == 0, "%s", problems(&rep));

    /* To PostgreSQL, tarballs into its own directory. */
    ck_assert_msg(tsr_copy_run(&res, fx_pool, bdb, store, NULL, NULL, &err)
                  == APR_SUCCESS, "%s", err ? err->message : "?");
    ck_assert_uint_eq(res.users, 2);
    ck_assert_uint_eq(res.tokens, 2);
    ck_assert_uint_eq(res.packages, 3);
    ck_assert_uint_eq(res.tarballs, 3);
    ck_assert_uint_eq(res.stars, 1);
    ck_assert_uint_eq(res.orgs, 2);
    same_registry(bdb, store);
    feed_kept(bdb, store);
    ck_assert_str_eq(tsr_store_gzip_base_of(store, fx_pool, "lib"),
                     "http://reg.example/npm/");
    ck_assert_ptr_null(tsr_store_gzip_base_of(store, fx_pool, "@acme/kit"));
    ck_assert_str_eq(owner_of(store, token), "alice");
    ck_assert_str_eq(sql_value("SELECT count(*) FROM tsr_tokens"), "2");
    rep = verify(store);
    ck_assert_msg(rep.problems->nelts == 0, "%s", problems(&rep));
    ck_assert_uint_eq(rep.tarballs, 3);
    /* A second copy into it is refused: it is not empty any more. */
    ck_assert_refusal(tsr_copy_run(&res, fx_pool, bdb, store, NULL, NULL,
                                   &err), err, 409);

    /* And back, into a new Berkeley DB store. */
    back_dir = fx_tempdir(fx_pool);
    back = bdb_store(back_dir);
    err = NULL;
    ck_assert_msg(tsr_copy_run(&res, fx_pool, store, back, NULL, NULL, &err)
                  == APR_SUCCESS, "%s", err ? err->message : "?");
    ck_assert_uint_eq(res.packages, 3);
    ck_assert_uint_eq(res.orgs, 2);
    same_registry(store, back);
    same_registry(bdb, back);
    feed_kept(bdb, back);
    ck_assert_str_eq(tsr_store_gzip_base_of(back, fx_pool, "lib"),
                     "http://reg.example/npm/");
    ck_assert_str_eq(owner_of(back, token), "alice");
    rep = verify(back);
    ck_assert_msg(rep.problems->nelts == 0, "%s", problems(&rep));
    ck_assert_uint_eq(rep.tarballs, 3);
}
END_TEST

Suite *make_store_dbd_admin_suite(void)
{
    Suite *s = suite_create("store_dbd_admin");
    TCase *tc = fx_tcase("store_dbd_admin");

    params = getenv("TSCI_TEST_PG");
    if (params == NULL || *params == '\0') {
        fprintf(stderr, "store_dbd_admin: skipped: TSCI_TEST_PG (a "
                "PostgreSQL connection string) is not set; t/bin/pg-cluster "
                "run DIR CMD gives one\n");
        return s;
    }
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, open_admin);
    tcase_add_test(tc, users);
    tcase_add_test(tc, reindex_and_verify);
    tcase_add_test(tc, copy_both_ways);
    suite_add_tcase(s, tc);
    return s;
}
