/* check_admin: what the tsci-registry tool does to a store, through the
 * core: the store's administration operations (cursors over users and
 * packages, password change, user removal, view rebuilds), users and
 * tokens, figures, verify, hot backup and restore, and the revocation
 * count Apache's processes map. */
#include <apr_strings.h>
#include <apr_file_info.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_admin.h"
#include "tsr_auth.h"
#include "tsr_integrity.h"
#include "tsr_backup.h"
#include "tsr_json.h"
#include "tsr_publish.h"
#include "tsr_reindex.h"
#include "tsr_revoke.h"
#include "tsr_store_bdb.h"
#include "tsr_store_files.h"
#include "tsr_unpublish.h"
#include "tsr_verify.h"
#include "tsr_view.h"

static const char *datadir;
static tsr_store_t *store;          /* as one of Apache's children has it */
static int logged;
static char last_log[512];

static void log_fn(void *baton, int level, apr_status_t rv, const char *msg)
{
    (void)baton;
    if (level <= TSR_LOG_ERR) {
        logged++;
    }
    apr_cpystrn(last_log, msg, sizeof(last_log));
}

/* A store made as Apache's parent makes it, joined as a child does. */
static void setup(void)
{
    tsr_bdb_options_t o;

    memset(&o, 0, sizeof(o));
    o.create = 1;
    o.cache_bytes = 1 << 20;
    o.log = log_fn;
    logged = 0;
    last_log[0] = '\0';
    datadir = fx_tempdir(fx_pool);
    ck_assert_int_eq(tsr_store_bdb_prepare(fx_pool, datadir, -1, -1, &o),
                     APR_SUCCESS);
    o.create = 0;
    ck_assert_int_eq(tsr_store_bdb_open(&store, fx_pool, datadir, &o),
                     APR_SUCCESS);
}

static void teardown(void)
{
    ck_assert_msg(logged == 0, "the store logged: %s", last_log);
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
    ck_assert_int_eq(tsr_publish_commit(&res, fx_pool, s, pub, &alice,
                                        &err), APR_SUCCESS);
}

/* "<name>/-/<base>-<version>.tgz" and its file under dir. */
static const char *tarball_path(const char *name, const char *version)
{
    const char *base = strchr(name, '/') ? strchr(name, '/') + 1 : name;

    return apr_pstrcat(fx_pool, name, "/-/", base, "-", version, ".tgz",
                       NULL);
}

static const char *tarball_at(const char *dir, const char *name,
                              const char *version)
{
    return tsr_store_tarball_file(fx_pool, dir, tarball_path(name, version));
}

static const char *joined(apr_array_header_t *names)
{
    return apr_array_pstrcat(fx_pool, names, ',');
}

static void add_user(tsr_store_t *s, const char *name, const char *pw)
{
    tsr_auth_creds_t c = { name, pw, "u@example.com" };
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

static apr_status_t owner_of(tsr_store_t *s, const char *token)
{
    tsr_token_identity_t id;

    return tsr_token_lookup(&id, fx_pool, s, NULL, 0, token, strlen(token));
}

/* The names a cursor gives after after. */
static const char *page(apr_status_t (*fn)(tsr_store_t *, apr_pool_t *,
                                           const char *, apr_size_t,
                                           apr_array_header_t **),
                        const char *after, apr_size_t max)
{
    apr_array_header_t *names = NULL;

    ck_assert_int_eq(fn(store, fx_pool, after, max, &names), APR_SUCCESS);
    return joined(names);
}

START_TEST(cursors)
{
    add_user(store, "carol", "pw-carol");
    add_user(store, "alice", "pw-alice");
    add_user(store, "bob", "pw-bob");
    ck_assert_str_eq(page(tsr_store_user_names, "", 2), "alice,bob");
    ck_assert_str_eq(page(tsr_store_user_names, "bob", 2), "carol");
    ck_assert_str_eq(page(tsr_store_user_names, "carol", 2), "");
    /* A name that is not there starts after where it would be. */
    ck_assert_str_eq(page(tsr_store_user_names, "b", 10), "bob,carol");

    publish(store, "zed", "1.0.0");
    publish(store, "@s/p", "1.0.0");
    publish(store, "a", "1.0.0");
    ck_assert_str_eq(page(tsr_store_package_names_after, "", 100),
                     "@s/p,a,zed");
    ck_assert_str_eq(page(tsr_store_package_names_after, "@s/p", 1), "a");
    ck_assert_str_eq(page(tsr_store_package_names_after, "zed", 1), "");
}
END_TEST

typedef struct seen_t {
    apr_array_header_t *names;
    int stop_at;
} seen_t;

static apr_status_t note(void *baton, apr_pool_t *p, const char *name)
{
    seen_t *s = baton;

    APR_ARRAY_PUSH(s->names, char *) = apr_pstrdup(fx_pool, name);
    return s->names->nelts == s->stop_at ? APR_EGENERAL : APR_SUCCESS;
}

START_TEST(walks_every_package)
{
    seen_t s = { apr_array_make(fx_pool, 8, sizeof(char *)), 0 };
    int i;

    /* More than one page of the walk (200 names a page). */
    for (i = 0; i < 205; i++) {
        publish(store, apr_psprintf(fx_pool, "pkg-%03d", i), "1.0.0");
    }
    ck_assert_int_eq(tsr_admin_each_package(store, fx_pool, note, &s),
                     APR_SUCCESS);
    ck_assert_int_eq(s.names->nelts, 205);
    ck_assert_str_eq(APR_ARRAY_IDX(s.names, 0, char *), "pkg-000");
    ck_assert_str_eq(APR_ARRAY_IDX(s.names, 204, char *), "pkg-204");
    /* fn's failure ends the walk with it. */
    s.names->nelts = 0;
    s.stop_at = 3;
    ck_assert_int_eq(tsr_admin_each_package(store, fx_pool, note, &s),
                     APR_EGENERAL);
    ck_assert_int_eq(s.names->nelts, 3);
}
END_TEST

START_TEST(user_passwd)
{
    tsr_error_t *err = NULL;
    const char *rec;
    apr_size_t len;
    json_object *o;

    add_user(store, "alice", "old-pass");
    ck_assert_int_eq(tsr_admin_user_passwd(fx_pool, store, "alice",
                                           "new-pass", &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_auth_user_check(fx_pool, store, "alice",
                                         "new-pass"), TSR_AUTH_GRANTED);
    ck_assert_int_eq(tsr_auth_user_check(fx_pool, store, "alice",
                                         "old-pass"), TSR_AUTH_DENIED);
    /* The rest of the record stays. */
    ck_assert_int_eq(tsr_store_user_get(store, fx_pool, "alice", &rec, &len),
                     APR_SUCCESS);
    o = fx_json(fx_pool, apr_pstrmemdup(fx_pool, rec, len));
    ck_assert_str_eq(tsr_json_str(o, "email"), "u@example.com");
    ck_assert_ptr_nonnull(tsr_json_str(o, "created"));

    ck_assert_refusal(tsr_admin_user_passwd(fx_pool, store, "nobody",
                                            "x-pass", &err), err, 404);
    err = NULL;
    ck_assert_refusal(tsr_admin_user_passwd(fx_pool, store, "alice", "",
                                            &err), err, 400);
    ck_assert_int_eq(tsr_auth_user_check(fx_pool, store, "alice",
                                         "new-pass"), TSR_AUTH_GRANTED);
}
END_TEST

START_TEST(user_del)
{
    tsr_error_t *err = NULL;
    const char *a1, *a2, *b1, *rec;
    apr_array_header_t *keys;
    apr_size_t len;
    int n = -1;

    add_user(store, "alice", "pw-alice");
    add_user(store, "bob", "pw-bob");
    a1 = token_for(store, "alice");
    a2 = token_for(store, "alice");
    b1 = token_for(store, "bob");
    ck_assert_int_eq(tsr_admin_user_del(fx_pool, store, "alice", &n, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(tsr_store_user_get(store, fx_pool, "alice", &rec, &len),
                     TSR_ENOTFOUND);
    ck_assert_int_eq(owner_of(store, a1), TSR_ENOTFOUND);
    ck_assert_int_eq(owner_of(store, a2), TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_store_token_list(store, fx_pool, "alice", &keys),
                     APR_SUCCESS);
    ck_assert_int_eq(keys->nelts, 0);
    /* Others keep theirs. */
    ck_assert_int_eq(owner_of(store, b1), APR_SUCCESS);
    ck_assert_int_eq(tsr_auth_user_check(fx_pool, store, "alice",
                                         "pw-alice"), TSR_AUTH_NO_USER);
    ck_assert_refusal(tsr_admin_user_del(fx_pool, store, "alice", &n, &err),
                      err, 404);
}
END_TEST

START_TEST(users_and_tokens)
{
    tsr_error_t *err = NULL;
    json_object *list, *t;
    const char *tok, *user = NULL, *key;
    int n = 0;

    add_user(store, "bob", "pw-bob");
    add_user(store, "alice", "pw-alice");
    tok = token_for(store, "alice");
    token_for(store, "alice");
    token_for(store, "bob");

    ck_assert_int_eq(tsr_admin_users(&list, fx_pool, store), APR_SUCCESS);
    ck_assert_int_eq(json_object_array_length(list), 2);
    t = json_object_array_get_idx(list, 0);
    ck_assert_str_eq(tsr_json_str(t, "name"), "alice");
    ck_assert_str_eq(tsr_json_str(t, "email"), "u@example.com");
    ck_assert_str_eq(json_object_to_json_string(
                         json_object_object_get(t, "tokens")), "2");

    ck_assert_int_eq(tsr_admin_tokens(&list, fx_pool, store, NULL, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(json_object_array_length(list), 3);
    ck_assert_int_eq(tsr_admin_tokens(&list, fx_pool, store, "bob", &err),
                     APR_SUCCESS);
    ck_assert_int_eq(json_object_array_length(list), 1);
    ck_assert_str_eq(tsr_json_str(json_object_array_get_idx(list, 0),
                                  "user"), "bob");
    ck_assert_refusal(tsr_admin_tokens(&list, fx_pool, store, "nobody",
                                       &err), err, 404);

    /* By the key a list shows (the store's key of alice's first token). */
    {
        unsigned char k[32];

        tsr_token_key(k, tok);
        key = tsr_integrity_hex(fx_pool, k, 32);
    }
    err = NULL;
    ck_assert_int_eq(tsr_admin_token_revoke(fx_pool, store, key, &user,
                                            &err), APR_SUCCESS);
    ck_assert_str_eq(user, "alice");
    ck_assert_int_eq(owner_of(store, tok), TSR_ENOTFOUND);
    ck_assert_refusal(tsr_admin_token_revoke(fx_pool, store, key, &user,
                                             &err), err, 404);
    /* All of a user's. */
    err = NULL;
    ck_assert_int_eq(tsr_admin_token_revoke_all(fx_pool, store, "alice", &n,
                                                &err), APR_SUCCESS);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(tsr_admin_tokens(&list, fx_pool, store, NULL, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(json_object_array_length(list), 1);
    ck_assert_refusal(tsr_admin_token_revoke_all(fx_pool, store, "nobody",
                                                 &n, &err), err, 404);
}
END_TEST

START_TEST(maintained)
{
    apr_array_header_t *names;

    publish(store, "p1", "1.0.0");
    publish(store, "@s/p2", "1.0.0");
    ck_assert_int_eq(tsr_admin_maintained(&names, fx_pool, store, "alice"),
                     APR_SUCCESS);
    ck_assert_str_eq(joined(names), "@s/p2,p1");
    ck_assert_int_eq(tsr_admin_maintained(&names, fx_pool, store, "bob"),
                     APR_SUCCESS);
    ck_assert_int_eq(names->nelts, 0);
}
END_TEST

START_TEST(stats)
{
    tsr_admin_stats_t st;
    tsr_actor_t who = { "alice", 0 };
    tsr_error_t *err = NULL;
    const char *text;
    apr_size_t len;

    publish(store, "p1", "1.0.0");
    publish(store, "p1", "1.1.0");
    publish(store, "p2", "1.0.0");
    publish(store, "gone", "1.0.0");
    ck_assert_int_eq(tsr_store_package_doc(store, fx_pool, "gone", &text,
                                           &len), APR_SUCCESS);
    ck_assert_int_eq(tsr_unpublish_package(fx_pool, store, "gone", &who,
                                           tsr_packument_rev(fx_json(
                                               fx_pool,
                                               apr_pstrmemdup(fx_pool, text,
                                                              len))),
                                           &err), APR_SUCCESS);
    add_user(store, "alice", "pw-alice");
    add_user(store, "bob", "pw-bob");
    token_for(store, "alice");
    token_for(store, "alice");
    token_for(store, "bob");
    ck_assert_int_eq(tsr_admin_stats(&st, fx_pool, store, NULL, NULL),
                     APR_SUCCESS);
    ck_assert_uint_eq(st.packages, 2);
    ck_assert_uint_eq(st.unpublished, 1);
    ck_assert_uint_eq(st.versions, 3);
    ck_assert_uint_eq(st.users, 2);
    ck_assert_uint_eq(st.tokens, 3);
    ck_assert_uint_eq(st.tarballs, 3);
    ck_assert_uint_gt(st.tarball_bytes, 100);
    ck_assert_uint_gt(st.database_bytes, 0);
    ck_assert_uint_ge(st.datadir_bytes, st.database_bytes
                                            + st.tarball_bytes);
    ck_assert_uint_eq(st.update_seq, 5);
}
END_TEST

/* ---- reindex ---- */

typedef struct damage_t {
    int phase;
} damage_t;

/* Leaves the document as it is but writes views that are not its own:
 * a full view of nothing, and a version view of a version it lacks. */
static apr_status_t damage(void *baton, apr_pool_t *p, const char *doc,
                           apr_size_t len, tsr_package_write_t *out,
                           tsr_error_t **perr)
{
    static const char *vers[] = { "9.9.9" };
    static const char *views[] = { "stale" };
    static const apr_size_t lens[] = { 5 };

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

static const char *flat_view(tsr_store_t *s, const char *name,
                             tsr_view_kind_e kind)
{
    const char *blob;
    apr_size_t len;
    tsr_view_t v;

    if (tsr_store_package_view(s, fx_pool, name, kind, &blob, &len)
        != APR_SUCCESS || tsr_view_decode(&v, blob, len) != APR_SUCCESS) {
        return NULL;
    }
    return tsr_view_flatten(&v, fx_pool, "http://r/");
}

START_TEST(reindex_views)
{
    tsr_error_t *err = NULL;
    tsr_store_stats_t st1, st2;
    const char *doc1, *doc2, *full1, *abbrev1, *blob;
    apr_size_t len1, len2, blen;
    apr_uint64_t n = 0;

    publish(store, "p", "1.0.0");
    publish(store, "p", "1.1.0");
    publish(store, "q", "1.0.0");
    full1 = flat_view(store, "p", TSR_VIEW_FULL);
    abbrev1 = flat_view(store, "p", TSR_VIEW_ABBREV);
    ck_assert_ptr_nonnull(full1);
    ck_assert_int_eq(tsr_store_package_update(store, fx_pool, "p", damage,
                                              NULL, &err), APR_SUCCESS);
    ck_assert_ptr_null(flat_view(store, "p", TSR_VIEW_FULL));
    ck_assert_int_eq(tsr_store_package_version_view(store, fx_pool, "p",
                                                    "9.9.9", &blob, &blen),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_store_package_doc(store, fx_pool, "p", &doc1,
                                           &len1), APR_SUCCESS);
    doc1 = apr_pstrmemdup(fx_pool, doc1, len1);
    memset(&st1, 0, sizeof(st1));
    ck_assert_int_eq(tsr_store_stats(store, fx_pool, &st1), APR_SUCCESS);

    ck_assert_ptr_nonnull(tsr_reindex_step("views"));
    ck_assert_ptr_null(tsr_reindex_step("nothing"));
    ck_assert_int_eq(tsr_reindex_run(fx_pool, store,
                                     tsr_reindex_step("views"), NULL, NULL,
                                     &n, &err), APR_SUCCESS);
    ck_assert_uint_eq(n, 2);
    /* Every step, in order (the last, tscircuit's words, finds no
     * tscircuit package here). */
    ck_assert_int_eq(tsr_reindex_run(fx_pool, store, NULL, NULL, NULL, &n,
                                     &err), APR_SUCCESS);
    ck_assert_uint_eq(n, 0);
    /* The views are the document's again, what a write renders... */
    ck_assert_str_eq(flat_view(store, "p", TSR_VIEW_FULL), full1);
    ck_assert_str_eq(flat_view(store, "p", TSR_VIEW_ABBREV), abbrev1);
    ck_assert_int_eq(tsr_store_package_version_view(store, fx_pool, "p",
                                                    "1.1.0", &blob, &blen),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_store_package_view(store, fx_pool, "p",
                                            TSR_VIEW_TAGS, &blob, &blen),
                     APR_SUCCESS);
    ck_assert_str_eq(apr_pstrmemdup(fx_pool, blob, blen),
                     "{\"latest\":\"1.1.0\"}");
    /* ... a stale one is gone ... */
    ck_assert_int_eq(tsr_store_package_version_view(store, fx_pool, "p",
                                                    "9.9.9", &blob, &blen),
                     TSR_ENOTFOUND);
    /* ... and nothing else moved: document, revision, changes feed. */
    ck_assert_int_eq(tsr_store_package_doc(store, fx_pool, "p", &doc2,
                                           &len2), APR_SUCCESS);
    ck_assert_str_eq(apr_pstrmemdup(fx_pool, doc2, len2), doc1);
    memset(&st2, 0, sizeof(st2));
    ck_assert_int_eq(tsr_store_stats(store, fx_pool, &st2), APR_SUCCESS);
    ck_assert_uint_eq(st2.update_seq, st1.update_seq);
    ck_assert_uint_eq(st2.doc_count, st1.doc_count);
}
END_TEST

/* ---- verify ---- */

static tsr_verify_report_t verify(tsr_store_t *s)
{
    tsr_verify_report_t rep;

    ck_assert_int_eq(tsr_verify_run(&rep, fx_pool, s, NULL, NULL),
                     APR_SUCCESS);
    return rep;
}

/* The problem of kind about path (or package), or NULL. */
static const tsr_verify_problem_t *found(const tsr_verify_report_t *rep,
                                         const char *kind, const char *what)
{
    int i;

    for (i = 0; i < rep->problems->nelts; i++) {
        const tsr_verify_problem_t *pr = &APR_ARRAY_IDX(
            rep->problems, i, tsr_verify_problem_t);

        if (strcmp(pr->kind, kind) == 0
            && ((pr->path && strcmp(pr->path, what) == 0)
                || (pr->package && strcmp(pr->package, what) == 0))) {
            return pr;
        }
    }
    return NULL;
}

static void write_bytes(const char *path, const char *bytes, off_t at)
{
    int fd = open(path, O_WRONLY | O_CREAT, 0644);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, bytes, strlen(bytes), at),
                     (ssize_t)strlen(bytes));
    close(fd);
}

START_TEST(verify_clean)
{
    tsr_verify_report_t rep;

    publish(store, "p1", "1.0.0");
    publish(store, "p1", "1.0.1");
    publish(store, "@s/p2", "1.0.0");
    rep = verify(store);
    ck_assert_int_eq(rep.problems->nelts, 0);
    ck_assert_uint_eq(rep.packages, 2);
    ck_assert_uint_eq(rep.versions, 3);
    ck_assert_uint_eq(rep.tarballs, 3);
    ck_assert_uint_gt(rep.tarball_bytes, 100);
}
END_TEST

START_TEST(verify_finds_tarball_problems)
{
    tsr_verify_report_t rep;
    const tsr_verify_problem_t *pr;
    const char *orphan = tarball_at(datadir, "ghost", "1.0.0");

    publish(store, "p1", "1.0.0");
    publish(store, "p2", "1.0.0");
    publish(store, "p3", "1.0.0");
    ck_assert_int_eq(unlink(tarball_at(datadir, "p1", "1.0.0")), 0);
    ck_assert_int_eq(apr_dir_make_recursive(
                         apr_pstrcat(fx_pool, datadir, "/tarballs/ghost/-",
                                     NULL), APR_FPROT_OS_DEFAULT, fx_pool),
                     APR_SUCCESS);
    write_bytes(orphan, "not a tarball", 0);
    /* Same length, other bytes. */
    write_bytes(tarball_at(datadir, "p2", "1.0.0"), "X", 20);

    rep = verify(store);
    ck_assert_int_eq(rep.problems->nelts, 4);
    pr = found(&rep, "missing", "p1/-/p1-1.0.0.tgz");
    ck_assert_ptr_nonnull(pr);
    ck_assert_str_eq(pr->package, "p1");
    ck_assert_str_eq(pr->version, "1.0.0");
    ck_assert_contains(pr->message, "missing tarball: p1/-/p1-1.0.0.tgz");
    pr = found(&rep, "orphan", "ghost/-/ghost-1.0.0.tgz");
    ck_assert_ptr_nonnull(pr);
    ck_assert_contains(pr->message, "tarballs/ghost/-/ghost-1.0.0.tgz");
    ck_assert_ptr_nonnull(found(&rep, "shasum", "p2/-/p2-1.0.0.tgz"));
    pr = found(&rep, "integrity", "p2/-/p2-1.0.0.tgz");
    ck_assert_ptr_nonnull(pr);
    ck_assert_contains(pr->message, "sha512-");
    /* p3 is fine. */
    ck_assert_ptr_null(found(&rep, "missing", "p3"));
    ck_assert_uint_eq(rep.tarballs, 2);
}
END_TEST

/* A document that is not JSON, as a bug or a disk could leave it. */
static apr_status_t garble(void *baton, apr_pool_t *p, const char *doc,
                           apr_size_t len, tsr_package_write_t *out,
                           tsr_error_t **perr)
{
    out->doc = "{\"name\": \"p1\", ";
    out->doc_len = strlen(out->doc);
    out->full = out->abbrev = "junk";
    out->full_len = out->abbrev_len = 4;
    return APR_SUCCESS;
}

START_TEST(verify_finds_documents_and_views)
{
    tsr_verify_report_t rep;
    tsr_error_t *err = NULL;

    publish(store, "p1", "1.0.0");
    publish(store, "p2", "1.0.0");
    /* Behind the dispatcher's back, which refuses to store a document
     * that is not JSON (it derives the search entry from it). */
    ck_assert_int_eq(store->provider->package_update(store, fx_pool, "p1",
                                                     garble, NULL, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_store_package_update(store, fx_pool, "p2", damage,
                                              NULL, &err), APR_SUCCESS);
    rep = verify(store);
    ck_assert_ptr_nonnull(found(&rep, "document", "p1"));
    ck_assert_ptr_nonnull(found(&rep, "view", "p2"));
    /* p1's tarball is no document's now. */
    ck_assert_ptr_nonnull(found(&rep, "orphan", "p1/-/p1-1.0.0.tgz"));
    ck_assert_int_eq(rep.problems->nelts, 3);
    /* reindex mends the view (not the document). */
    ck_assert_int_eq(tsr_reindex_run(fx_pool, store,
                                     tsr_reindex_step("views"), NULL, NULL,
                                     NULL, &err), TSR_EREFUSED);
    ck_assert_contains(err->message, "p1: ");
}
END_TEST

/* ---- the revocation count ---- */

START_TEST(revocation_count)
{
    const volatile apr_uint32_t *a = NULL, *b = NULL;

    ck_assert_int_eq(tsr_revoke_map(&a, fx_pool, datadir), APR_SUCCESS);
    ck_assert_uint_eq(tsr_revoke_read(a), 0);
    ck_assert_int_eq(tsr_revoke_bump(fx_pool, datadir), APR_SUCCESS);
    /* Seen through the mapping made before, with no read of the file. */
    ck_assert_uint_eq(tsr_revoke_read(a), 1);
    ck_assert_int_eq(tsr_revoke_bump(fx_pool, datadir), APR_SUCCESS);
    ck_assert_int_eq(tsr_revoke_map(&b, fx_pool, datadir), APR_SUCCESS);
    ck_assert_uint_eq(tsr_revoke_read(a), 2);
    ck_assert_uint_eq(tsr_revoke_read(b), 2);
    ck_assert_uint_eq(tsr_revoke_read(NULL), 0);
}
END_TEST

/* ---- opening for the tool, backup and restore ---- */

static int has_regions(const char *dir)
{
    return fx_exists(apr_pstrcat(fx_pool, dir, "/db/__db.001", NULL));
}

START_TEST(open_admin)
{
    tsr_store_t *s;
    apr_pool_t *p;
    const char *empty = fx_tempdir(fx_pool);
    int joined = -1;

    ck_assert_int_eq(tsr_admin_open(&s, &joined, fx_pool, empty, log_fn,
                                    NULL), TSR_ENOTFOUND);
    ck_assert(!fx_exists(apr_pstrcat(fx_pool, empty, "/db", NULL)));

    /* Apache's store: joined. */
    publish(store, "p", "1.0.0");
    apr_pool_create(&p, fx_pool);
    ck_assert_int_eq(tsr_admin_open(&s, &joined, p, datadir, log_fn, NULL),
                     APR_SUCCESS);
    ck_assert_int_eq(joined, 1);
    ck_assert_str_eq(page(tsr_store_package_names_after, "", 10), "p");
    apr_pool_destroy(p);
}
END_TEST

static tsr_backup_result_t backup(tsr_store_t *s, const char *dir)
{
    tsr_backup_result_t res;
    tsr_error_t *err = NULL;
    apr_status_t rv = tsr_backup_run(&res, fx_pool, s, dir, NULL, NULL,
                                     &err);

    ck_assert_msg(rv == APR_SUCCESS, "backup: %s", err ? err->message : "?");
    return res;
}

static tsr_backup_result_t restore(const char *from, const char *to,
                                   int force)
{
    tsr_backup_result_t res;
    tsr_error_t *err = NULL;
    apr_status_t rv = tsr_backup_restore(&res, fx_pool, from, to, force,
                                         NULL, NULL, &err);

    ck_assert_msg(rv == APR_SUCCESS, "restore: %s", err ? err->message
                                                        : "?");
    return res;
}

static const char *doc_text(tsr_store_t *s, const char *name)
{
    const char *doc;
    apr_size_t len;

    ck_assert_int_eq(tsr_store_package_doc(s, fx_pool, name, &doc, &len),
                     APR_SUCCESS);
    return apr_pstrmemdup(fx_pool, doc, len);
}

static void same_file(const char *a, const char *b)
{
    apr_size_t la = 0, lb = 0;
    const unsigned char *da = fx_read_file(fx_pool, a, &la);
    const unsigned char *db = fx_read_file(fx_pool, b, &lb);

    ck_assert_msg(da && db, "%s or %s is missing", a, b);
    ck_assert_uint_eq(la, lb);
    ck_assert_mem_eq(da, db, la);
}

START_TEST(backup_and_restore)
{
    const char *bk = apr_pstrcat(fx_pool, fx_tempdir(fx_pool), "/bk", NULL);
    const char *to = apr_pstrcat(fx_pool, fx_tempdir(fx_pool), "/data",
                                 NULL);
    const char *tok;
    tsr_backup_result_t res;
    tsr_store_stats_t st;
    tsr_store_t *s;
    tsr_verify_report_t rep;
    apr_pool_t *p;
    apr_size_t len;
    int joined = -1;

    publish(store, "p1", "1.0.0");
    publish(store, "p1", "2.0.0");
    publish(store, "@s/p2", "1.0.0");
    add_user(store, "alice", "pw-alice");
    tok = token_for(store, "alice");
    memset(&st, 0, sizeof(st));
    ck_assert_int_eq(tsr_store_stats(store, fx_pool, &st), APR_SUCCESS);

    res = backup(store, bk);
    ck_assert_uint_eq(res.packages, 2);
    ck_assert_uint_eq(res.versions, 3);
    ck_assert_uint_eq(res.tarballs, 3);
    ck_assert_uint_eq(res.update_seq, st.update_seq);
    ck_assert_int_eq(res.missing->nelts, 0);
    ck_assert(fx_exists(apr_pstrcat(fx_pool, bk, "/backup.json", NULL)));
    ck_assert(!has_regions(bk));
    same_file(tarball_at(datadir, "p1", "2.0.0"), tarball_at(bk, "p1",
                                                             "2.0.0"));
    /* Writes after the backup are not in it. */
    publish(store, "late", "1.0.0");

    res = restore(bk, to, 0);
    ck_assert_uint_eq(res.tarballs, 3);
    ck_assert_uint_eq(res.update_seq, st.update_seq);
    ck_assert(!has_regions(to));
    same_file(tarball_at(datadir, "@s/p2", "1.0.0"),
              tarball_at(to, "@s/p2", "1.0.0"));
    apr_pool_create(&p, fx_pool);
    ck_assert_int_eq(tsr_admin_open(&s, &joined, p, to, log_fn, NULL),
                     APR_SUCCESS);
    ck_assert_int_eq(joined, 0);
    ck_assert_str_eq(doc_text(s, "p1"), doc_text(store, "p1"));
    ck_assert_str_eq(doc_text(s, "@s/p2"), doc_text(store, "@s/p2"));
    ck_assert_int_eq(tsr_store_package_doc(s, fx_pool, "late", &tok, &len),
                     TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_auth_user_check(fx_pool, s, "alice", "pw-alice"),
                     TSR_AUTH_GRANTED);
    rep = verify(s);
    ck_assert_int_eq(rep.problems->nelts, 0);
    ck_assert_uint_eq(rep.tarballs, 3);
    apr_pool_destroy(p);
    /* Opened alone, it leaves nothing shared behind. */
    ck_assert(!has_regions(to));
}
END_TEST

START_TEST(backup_keeps_tokens)
{
    const char *bk = apr_pstrcat(fx_pool, fx_tempdir(fx_pool), "/bk", NULL);
    const char *to = apr_pstrcat(fx_pool, fx_tempdir(fx_pool), "/data",
                                 NULL);
    const char *tok;
    tsr_store_t *s;
    apr_pool_t *p;
    int joined;

    add_user(store, "alice", "pw-alice");
    tok = token_for(store, "alice");
    backup(store, bk);
    restore(bk, to, 0);
    apr_pool_create(&p, fx_pool);
    ck_assert_int_eq(tsr_admin_open(&s, &joined, p, to, log_fn, NULL),
                     APR_SUCCESS);
    ck_assert_int_eq(owner_of(s, tok), APR_SUCCESS);
    apr_pool_destroy(p);
}
END_TEST

START_TEST(backup_refuses)
{
    const char *bk = fx_tempdir(fx_pool);
    tsr_backup_result_t res;
    tsr_error_t *err = NULL;

    write_bytes(apr_pstrcat(fx_pool, bk, "/something", NULL), "x", 0);
    ck_assert_refusal(tsr_backup_run(&res, fx_pool, store, bk, NULL, NULL,
                                     &err), err, 409);
    ck_assert_contains(err->message, "not empty");
    ck_assert(!fx_exists(apr_pstrcat(fx_pool, bk, "/db", NULL)));
    err = NULL;
    bk = apr_pstrcat(fx_pool, datadir, "/backups/one", NULL);
    ck_assert_refusal(tsr_backup_run(&res, fx_pool, store, bk, NULL, NULL,
                                     &err), err, 400);
    ck_assert_contains(err->message, "inside the data directory");
    ck_assert(!fx_exists(bk));
}
END_TEST

START_TEST(restore_refuses)
{
    const char *bk = apr_pstrcat(fx_pool, fx_tempdir(fx_pool), "/bk", NULL);
    const char *to = apr_pstrcat(fx_pool, fx_tempdir(fx_pool), "/data",
                                 NULL);
    const char *notbk = fx_tempdir(fx_pool), *foreign;
    tsr_backup_result_t res;
    tsr_error_t *err = NULL;
    tsr_bdb_options_t o;
    tsr_store_t *s;
    apr_pool_t *p;

    publish(store, "p1", "1.0.0");
    backup(store, bk);
    /* Not a (complete) backup. */
    ck_assert_refusal(tsr_backup_restore(&res, fx_pool, notbk, to, 0, NULL,
                                         NULL, &err), err, 400);
    ck_assert_contains(err->message, "backup.json");
    ck_assert(!fx_exists(to));

    restore(bk, to, 0);
    err = NULL;
    ck_assert_refusal(tsr_backup_restore(&res, fx_pool, bk, to, 0, NULL,
                                         NULL, &err), err, 409);
    ck_assert_contains(err->message, "--force");
    /* With --force, a store no process uses is replaced. */
    restore(bk, to, 1);

    /* Not while a process has it open (this one, as Apache's child). */
    memset(&o, 0, sizeof(o));
    o.cache_bytes = 1 << 20;
    ck_assert_int_eq(tsr_store_bdb_prepare(fx_pool, to, -1, -1, &o),
                     APR_SUCCESS);
    apr_pool_create(&p, fx_pool);
    ck_assert_int_eq(tsr_store_bdb_open(&s, p, to, &o), APR_SUCCESS);
    err = NULL;
    ck_assert_refusal(tsr_backup_restore(&res, fx_pool, bk, to, 1, NULL,
                                         NULL, &err), err, 409);
    ck_assert_contains(err->message, "in use");
    ck_assert(fx_exists(apr_pstrcat(fx_pool, to, "/db/packages.db", NULL)));
    apr_pool_destroy(p);

    /* Nor over anything that is not a store. */
    foreign = apr_pstrcat(fx_pool, to, "/notes.txt", NULL);
    write_bytes(foreign, "mine", 0);
    err = NULL;
    ck_assert_refusal(tsr_backup_restore(&res, fx_pool, bk, to, 1, NULL,
                                         NULL, &err), err, 409);
    ck_assert_contains(err->message, "notes.txt");
    ck_assert(fx_exists(foreign));
    ck_assert(fx_exists(apr_pstrcat(fx_pool, to, "/db/packages.db", NULL)));
}
END_TEST

START_TEST(verify_finds_a_broken_database)
{
    const char *bk = apr_pstrcat(fx_pool, fx_tempdir(fx_pool), "/bk", NULL);
    const char *file = apr_pstrcat(fx_pool, bk, "/db/users.db", NULL);
    tsr_verify_report_t rep;
    const tsr_verify_problem_t *pr;
    tsr_store_t *s;
    apr_finfo_t fi;
    apr_pool_t *p;
    int joined;

    add_user(store, "alice", "pw-alice");
    backup(store, bk);
    /* The last page (a leaf, not the metadata page that opening reads)
     * overwritten with garbage. */
    ck_assert_int_eq(apr_stat(&fi, file, APR_FINFO_SIZE, fx_pool),
                     APR_SUCCESS);
    ck_assert_int_ge(fi.size, 8192);
    write_bytes(file, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
                "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
                fi.size - 4096);
    apr_pool_create(&p, fx_pool);
    ck_assert_int_eq(tsr_admin_open(&s, &joined, p, bk, NULL, NULL),
                     APR_SUCCESS);
    rep = verify(s);
    pr = found(&rep, "database", "users.db");
    ck_assert_ptr_nonnull(pr);
    ck_assert_contains(pr->message, "users.db");
    apr_pool_destroy(p);
}
END_TEST

/* A token record of 4 KB under key number i. */
static void put_token(tsr_store_t *s, int i)
{
    unsigned char key[32];
    char *rec = apr_palloc(fx_pool, 4096);

    memset(key, 0, sizeof(key));
    memcpy(key, &i, sizeof(i));
    memset(rec, 'x', 4096);
    ck_assert_int_eq(tsr_store_token_put(s, fx_pool, key, "someone", rec,
                                         4096), APR_SUCCESS);
}

/* While a backup holds the store, no log file from the hold on is
 * removed, at a checkpoint or when a log file fills; once it lets go,
 * they go again.  Small log files (DB_CONFIG) make a few hundred writes
 * fill several. */
START_TEST(backup_hold_keeps_logs)
{
    const char *dir = fx_tempdir(fx_pool);
    const char *first;
    apr_array_header_t *logs;
    tsr_bdb_options_t o;
    tsr_store_t *s;
    int i;

    ck_assert_int_eq(apr_dir_make_recursive(apr_pstrcat(fx_pool, dir, "/db",
                                                        NULL),
                                            APR_FPROT_OS_DEFAULT, fx_pool),
                     APR_SUCCESS);
    write_bytes(apr_pstrcat(fx_pool, dir, "/db/DB_CONFIG", NULL),
                "set_lg_max 32768\n", 0);
    memset(&o, 0, sizeof(o));
    o.create = 1;
    o.cache_bytes = 1 << 20;
    ck_assert_int_eq(tsr_store_bdb_prepare(fx_pool, dir, -1, -1, &o),
                     APR_SUCCESS);
    o.create = 0;
    ck_assert_int_eq(tsr_store_bdb_open(&s, fx_pool, dir, &o), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_backup_hold(s, fx_pool, 1), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_backup_hold(s, fx_pool, 1), APR_EBUSY);
    ck_assert_int_eq(tsr_store_backup_files(s, fx_pool, 1, &logs),
                     APR_SUCCESS);
    first = apr_pstrcat(fx_pool, dir, "/", APR_ARRAY_IDX(logs, 0, char *),
                        NULL);
    /* Past 1 MB of log, so that the checkpoints (Apache's every 30 s
     * write one only then) are real. */
    for (i = 0; i < 400; i++) {
        put_token(s, i);
        if (i % 50 == 49) {
            ck_assert_int_eq(tsr_store_bdb_checkpoint(s), APR_SUCCESS);
        }
    }
    ck_assert_int_eq(tsr_store_backup_files(s, fx_pool, 1, &logs),
                     APR_SUCCESS);
    ck_assert_int_gt(logs->nelts, 3);
    ck_assert(fx_exists(first));

    /* Letting go writes a checkpoint: the next log file to fill takes
     * the old ones away. */
    ck_assert_int_eq(tsr_store_backup_hold(s, fx_pool, 0), APR_SUCCESS);
    for (i = 400; i < 420; i++) {
        put_token(s, i);
    }
    ck_assert(!fx_exists(first));
    /* The hold's own database went with it. */
    ck_assert_int_eq(tsr_store_backup_files(s, fx_pool, 0, &logs),
                     APR_SUCCESS);
    ck_assert(!fx_exists(apr_psprintf(fx_pool, "%s/db/backup-hold-%ld.db",
                                      dir, (long)getpid())));
}
END_TEST

Suite *make_admin_suite(void)
{
    Suite *s = suite_create("admin");
    TCase *tc = fx_tcase("store operations");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, cursors);
    tcase_add_test(tc, walks_every_package);
    tcase_add_test(tc, user_passwd);
    tcase_add_test(tc, user_del);
    tcase_add_test(tc, users_and_tokens);
    tcase_add_test(tc, maintained);
    tcase_add_test(tc, stats);
    tcase_add_test(tc, reindex_views);
    tcase_add_test(tc, revocation_count);
    suite_add_tcase(s, tc);

    tc = fx_tcase("verify");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, verify_clean);
    tcase_add_test(tc, verify_finds_tarball_problems);
    tcase_add_test(tc, verify_finds_documents_and_views);
    suite_add_tcase(s, tc);

    tc = fx_tcase("backup");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, open_admin);
    tcase_add_test(tc, backup_hold_keeps_logs);
    tcase_add_test(tc, backup_and_restore);
    tcase_add_test(tc, backup_keeps_tokens);
    tcase_add_test(tc, backup_refuses);
    tcase_add_test(tc, restore_refuses);
    tcase_add_test(tc, verify_finds_a_broken_database);
    suite_add_tcase(s, tc);
    return s;
}
