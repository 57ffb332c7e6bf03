/* check_store_logins: the Berkeley DB store's sign-ins under way (web
 * logins) through the tsr_store interface: records by id, their expiry,
 * the bounds per owner and in all, updates that keep or remove them, and
 * the sweep of expired ones by the store's upkeep. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_store_bdb.h"

#define MAX_TOTAL 1000
#define MAX_OWNER 100

static apr_time_t later(void)
{
    return apr_time_now() + apr_time_from_sec(600);
}

static apr_time_t earlier(void)
{
    return apr_time_now() - apr_time_from_sec(1);
}

static apr_status_t create(tsr_store_t *s, const char *id, const char *owner,
                           apr_time_t expires, apr_size_t max_total,
                           apr_size_t max_owner)
{
    return tsr_store_login_create(s, fx_pool, id, owner, expires, id,
                                  strlen(id), max_total, max_owner);
}

/* The record of id as text, or NULL when the store says there is none. */
static const char *get(tsr_store_t *s, const char *id)
{
    const char *rec = NULL;
    apr_size_t len = 0;
    apr_status_t rv = tsr_store_login_get(s, fx_pool, id, &rec, &len);

    if (rv == TSR_ENOTFOUND) {
        return NULL;
    }
    ck_assert_int_eq(rv, APR_SUCCESS);
    return apr_pstrmemdup(fx_pool, rec, len);
}

/* Update callbacks: replace with the baton, remove, refuse; each counts
 * its calls. */
static int calls;

static apr_status_t set_to(void *baton, apr_pool_t *p, const char *cur,
                           apr_size_t len, const char **pnext,
                           apr_size_t *pnext_len, tsr_error_t **perr)
{
    calls++;
    ck_assert_ptr_nonnull(cur);
    *pnext = apr_pstrcat(p, apr_pstrmemdup(p, cur, len), "+",
                         (const char *)baton, NULL);
    *pnext_len = strlen(*pnext);
    return APR_SUCCESS;
}

static apr_status_t remove_it(void *baton, apr_pool_t *p, const char *cur,
                              apr_size_t len, const char **pnext,
                              apr_size_t *pnext_len, tsr_error_t **perr)
{
    calls++;
    *pnext = NULL;
    return APR_SUCCESS;
}

static apr_status_t refuse(void *baton, apr_pool_t *p, const char *cur,
                           apr_size_t len, const char **pnext,
                           apr_size_t *pnext_len, tsr_error_t **perr)
{
    calls++;
    *pnext = "changed";
    *pnext_len = 7;
    return tsr_error_set(perr, p, 409, NULL, "no");
}

/* Which provider the cases run on (see make_store_logins_suite). */
static struct tsr_store_t *(*make_store)(apr_pool_t *p) = fx_store;

static void use_bdb(void)
{
    make_store = fx_store;
}

static void use_dbd(void)
{
    make_store = fx_store_dbd;
}

START_TEST(create_get_update_remove)
{
    tsr_store_t *s = make_store(fx_pool);
    tsr_error_t *err = NULL;

    ck_assert_ptr_null(get(s, "abc"));
    ck_assert_int_eq(create(s, "abc", "192.0.2.1", later(), MAX_TOTAL,
                            MAX_OWNER), APR_SUCCESS);
    ck_assert_str_eq(get(s, "abc"), "abc");
    /* an id is created once */
    ck_assert_int_eq(create(s, "abc", "192.0.2.2", later(), MAX_TOTAL,
                            MAX_OWNER), TSR_EEXISTS);
    ck_assert_str_eq(get(s, "abc"), "abc");

    calls = 0;
    ck_assert_int_eq(tsr_store_login_update(s, fx_pool, "abc", set_to, "x",
                                            &err), APR_SUCCESS);
    ck_assert_int_eq(calls, 1);
    ck_assert_str_eq(get(s, "abc"), "abc+x");

    /* a refusal leaves it as it was and comes back as it was said */
    ck_assert_int_eq(tsr_store_login_update(s, fx_pool, "abc", refuse, NULL,
                                            &err), TSR_EREFUSED);
    ck_assert_ptr_nonnull(err);
    ck_assert_int_eq(err->http_status, 409);
    ck_assert_str_eq(get(s, "abc"), "abc+x");

    ck_assert_int_eq(tsr_store_login_update(s, fx_pool, "abc", remove_it,
                                            NULL, &err), APR_SUCCESS);
    ck_assert_ptr_null(get(s, "abc"));
    /* a missing record: fn is not asked */
    calls = 0;
    ck_assert_int_eq(tsr_store_login_update(s, fx_pool, "abc", set_to, "y",
                                            &err), TSR_ENOTFOUND);
    ck_assert_int_eq(calls, 0);
    ck_assert_ptr_null(get(s, "abc"));
}
END_TEST

START_TEST(expired_is_missing)
{
    tsr_store_t *s = make_store(fx_pool);
    tsr_error_t *err = NULL;

    ck_assert_int_eq(create(s, "old", "192.0.2.1", earlier(), MAX_TOTAL,
                            MAX_OWNER), APR_SUCCESS);
    ck_assert_ptr_null(get(s, "old"));
    calls = 0;
    ck_assert_int_eq(tsr_store_login_update(s, fx_pool, "old", set_to, "x",
                                            &err), TSR_ENOTFOUND);
    ck_assert_int_eq(calls, 0);
    /* its id is taken until it is swept... */
    ck_assert_int_eq(create(s, "old", "192.0.2.2", later(), MAX_TOTAL,
                            MAX_OWNER), TSR_EEXISTS);
    /* ...which a create by its owner does on the way */
    ck_assert_int_eq(create(s, "old", "192.0.2.1", later(), MAX_TOTAL,
                            MAX_OWNER), APR_SUCCESS);
    ck_assert_str_eq(get(s, "old"), "old");
}
END_TEST

START_TEST(bound_per_owner)
{
    tsr_store_t *s = make_store(fx_pool);
    tsr_error_t *err = NULL;

    ck_assert_int_eq(create(s, "a1", "192.0.2.1", later(), MAX_TOTAL, 3),
                     APR_SUCCESS);
    ck_assert_int_eq(create(s, "a2", "192.0.2.1", later(), MAX_TOTAL, 3),
                     APR_SUCCESS);
    ck_assert_int_eq(create(s, "a3", "192.0.2.1", later(), MAX_TOTAL, 3),
                     APR_SUCCESS);
    ck_assert_int_eq(create(s, "a4", "192.0.2.1", later(), MAX_TOTAL, 3),
                     TSR_EFULL);
    ck_assert_ptr_null(get(s, "a4"));
    /* an owner whose name starts with the first's has a count of its own */
    ck_assert_int_eq(create(s, "b1", "192.0.2.10", later(), MAX_TOTAL, 3),
                     APR_SUCCESS);
    ck_assert_int_eq(create(s, "b2", "192.0.2.", later(), MAX_TOTAL, 3),
                     APR_SUCCESS);
    /* one finished (removed) makes room */
    ck_assert_int_eq(tsr_store_login_update(s, fx_pool, "a2", remove_it,
                                            NULL, &err), APR_SUCCESS);
    ck_assert_int_eq(create(s, "a4", "192.0.2.1", later(), MAX_TOTAL, 3),
                     APR_SUCCESS);
    ck_assert_int_eq(create(s, "a5", "192.0.2.1", later(), MAX_TOTAL, 3),
                     TSR_EFULL);
}
END_TEST

START_TEST(expired_do_not_count_for_owner)
{
    tsr_store_t *s = make_store(fx_pool);

    ck_assert_int_eq(create(s, "e1", "192.0.2.1", earlier(), MAX_TOTAL, 2),
                     APR_SUCCESS);
    ck_assert_int_eq(create(s, "e2", "192.0.2.1", earlier(), MAX_TOTAL, 2),
                     APR_SUCCESS);
    ck_assert_int_eq(create(s, "l1", "192.0.2.1", later(), MAX_TOTAL, 2),
                     APR_SUCCESS);
    ck_assert_int_eq(create(s, "l2", "192.0.2.1", later(), MAX_TOTAL, 2),
                     APR_SUCCESS);
    ck_assert_int_eq(create(s, "l3", "192.0.2.1", later(), MAX_TOTAL, 2),
                     TSR_EFULL);
    /* and the owner's expired ones went on the way: their ids are free */
    ck_assert_int_eq(create(s, "e1", "192.0.2.9", later(), MAX_TOTAL, 2),
                     APR_SUCCESS);
    ck_assert_str_eq(get(s, "e1"), "e1");
}
END_TEST

START_TEST(bound_in_all)
{
    tsr_store_t *s = make_store(fx_pool);
    char id[16], owner[32];
    int i;

    for (i = 0; i < 5; i++) {
        apr_snprintf(id, sizeof(id), "t%d", i);
        apr_snprintf(owner, sizeof(owner), "198.51.100.%d", i);
        ck_assert_int_eq(create(s, id, owner, later(), 5, MAX_OWNER),
                         APR_SUCCESS);
    }
    ck_assert_int_eq(create(s, "t5", "198.51.100.77", later(), 5,
                            MAX_OWNER), TSR_EFULL);
    ck_assert_ptr_null(get(s, "t5"));
    ck_assert_str_eq(get(s, "t4"), "t4");
}
END_TEST

/* The upkeep removes expired sign-ins of every owner: their ids are free
 * and they no longer count towards the bound in all. */
START_TEST(maintain_sweeps_expired)
{
    tsr_store_t *s = make_store(fx_pool);
    char id[16], owner[32];
    int i;

    /* More than one batch of the sweep, each of an owner of its own (an
     * owner's next create would remove its expired ones itself). */
    for (i = 0; i < 150; i++) {
        apr_snprintf(id, sizeof(id), "x%d", i);
        apr_snprintf(owner, sizeof(owner), "203.0.113.%d", i);
        ck_assert_int_eq(create(s, id, owner, earlier(), 151, MAX_OWNER),
                         APR_SUCCESS);
    }
    ck_assert_int_eq(create(s, "live", "203.0.113.200", later(), 151,
                            MAX_OWNER), APR_SUCCESS);
    ck_assert_int_eq(create(s, "one-more", "203.0.113.201", later(), 151,
                            MAX_OWNER), TSR_EFULL);
    ck_assert_int_eq(tsr_store_maintain(s, fx_pool), APR_SUCCESS);
    /* the live one stays */
    ck_assert_str_eq(get(s, "live"), "live");
    /* the expired ones are gone: their ids can be made again, and the
     * count has room for 150 more */
    for (i = 0; i < 150; i++) {
        apr_snprintf(id, sizeof(id), "x%d", i);
        ck_assert_int_eq(create(s, id, "203.0.113.1", later(), 151, 1000),
                         APR_SUCCESS);
    }
    ck_assert_int_eq(create(s, "one-more", "203.0.113.201", later(), 151,
                            MAX_OWNER), TSR_EFULL);
}
END_TEST

START_TEST(survives_reopen)
{
    const char *dir = fx_tempdir(fx_pool);
    tsr_bdb_options_t o;
    apr_pool_t *p1, *p2;
    tsr_store_t *s;
    const char *rec;
    apr_size_t len;

    memset(&o, 0, sizeof(o));
    o.create = 1;
    o.cache_bytes = 1 << 20;
    ck_assert_int_eq(tsr_store_bdb_prepare(fx_pool, dir, -1, -1, &o),
                     APR_SUCCESS);
    apr_pool_create(&p1, fx_pool);
    ck_assert_int_eq(tsr_store_bdb_open(&s, p1, dir, &o), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_login_create(s, p1, "kept", "192.0.2.1",
                                            later(), "rec", 3, MAX_TOTAL,
                                            MAX_OWNER), APR_SUCCESS);
    apr_pool_destroy(p1);
    apr_pool_create(&p2, fx_pool);
    ck_assert_int_eq(tsr_store_bdb_open(&s, p2, dir, &o), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_login_get(s, p2, "kept", &rec, &len),
                     APR_SUCCESS);
    ck_assert_int_eq((int)len, 3);
    ck_assert_int_eq(memcmp(rec, "rec", 3), 0);
    apr_pool_destroy(p2);
}
END_TEST

/* The SQL store: Apache's upkeep has no connection to sweep with, so a
 * create that finds the bound in all reached removes the expired ones
 * first (anyone's), and is refused only when the live ones fill it. */
START_TEST(dbd_full_create_sweeps_expired)
{
    tsr_store_t *s = make_store(fx_pool);
    char id[16], owner[32];
    int i;

    for (i = 0; i < 5; i++) {
        apr_snprintf(id, sizeof(id), "x%d", i);
        apr_snprintf(owner, sizeof(owner), "203.0.113.%d", i);
        ck_assert_int_eq(create(s, id, owner, earlier(), 6, MAX_OWNER),
                         APR_SUCCESS);
    }
    ck_assert_int_eq(create(s, "live", "203.0.113.200", later(), 6,
                            MAX_OWNER), APR_SUCCESS);
    /* Six records, five expired: room is made, the expired ones go. */
    ck_assert_int_eq(create(s, "new", "203.0.113.201", later(), 6,
                            MAX_OWNER), APR_SUCCESS);
    ck_assert_str_eq(get(s, "live"), "live");
    ck_assert_str_eq(get(s, "new"), "new");
    /* x0's id is free again: its record is gone, not only hidden. */
    ck_assert_int_eq(create(s, "x0", "203.0.113.1", later(), 6, MAX_OWNER),
                     APR_SUCCESS);
    for (i = 0; i < 3; i++) {
        apr_snprintf(id, sizeof(id), "y%d", i);
        ck_assert_int_eq(create(s, id, "203.0.113.2", later(), 6, 100),
                         APR_SUCCESS);
    }
    /* Six live ones: nothing to sweep, refused. */
    ck_assert_int_eq(create(s, "one-more", "203.0.113.3", later(), 6,
                            MAX_OWNER), TSR_EFULL);
    ck_assert_ptr_null(get(s, "one-more"));
}
END_TEST

START_TEST(bad_arguments)
{
    tsr_store_t *s = make_store(fx_pool);
    char *longid = apr_palloc(fx_pool, 600);

    memset(longid, 'a', 599);
    longid[599] = '\0';
    ck_assert_int_eq(create(s, "", "192.0.2.1", later(), MAX_TOTAL,
                            MAX_OWNER), APR_EINVAL);
    ck_assert_int_eq(create(s, longid, "192.0.2.1", later(), MAX_TOTAL,
                            MAX_OWNER), APR_EINVAL);
    ck_assert_ptr_null(get(s, longid));
    ck_assert_ptr_null(get(s, ""));
}
END_TEST

Suite *make_store_logins_suite(void)
{
    Suite *s = suite_create("store_logins");
    TCase *tc = fx_tcase("logins");

    tcase_add_test(tc, create_get_update_remove);
    tcase_add_test(tc, expired_is_missing);
    tcase_add_test(tc, bound_per_owner);
    tcase_add_test(tc, expired_do_not_count_for_owner);
    tcase_add_test(tc, bound_in_all);
    tcase_add_test(tc, maintain_sweeps_expired);
    tcase_add_test(tc, survives_reopen);
    tcase_add_test(tc, bad_arguments);
    tcase_add_checked_fixture(tc, use_bdb, NULL);
    suite_add_tcase(s, tc);
    /* Berkeley DB's own (reopening its files, its upkeep's sweep that
     * the creates leave to it) stay out of the SQL store's case. */
    if (fx_have_pg()) {
        tc = fx_tcase("logins_dbd");
        tcase_add_checked_fixture(tc, use_dbd, NULL);
        tcase_add_test(tc, create_get_update_remove);
        tcase_add_test(tc, expired_is_missing);
        tcase_add_test(tc, bound_per_owner);
        tcase_add_test(tc, expired_do_not_count_for_owner);
        tcase_add_test(tc, bound_in_all);
        tcase_add_test(tc, dbd_full_create_sweeps_expired);
        tcase_add_test(tc, bad_arguments);
        suite_add_tcase(s, tc);
    }
    return s;
}
