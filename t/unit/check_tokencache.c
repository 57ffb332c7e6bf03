/* check_tokencache: a process's token cache answers within one revocation
 * generation only, and stays bounded. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_tokencache.h"

static tsr_tokencache_t *cache(apr_size_t max)
{
    tsr_tokencache_t *c = NULL;

    ck_assert_int_eq(tsr_tokencache_create(&c, fx_pool, max), APR_SUCCESS);
    return c;
}

START_TEST(hit_within_generation)
{
    tsr_tokencache_t *c = cache(16);

    ck_assert_ptr_null(tsr_tokencache_get(c, fx_pool, "tsr_a", 1));
    tsr_tokencache_put(c, "tsr_a", "alice", 1);
    ck_assert_str_eq(tsr_tokencache_get(c, fx_pool, "tsr_a", 1), "alice");
    ck_assert_ptr_null(tsr_tokencache_get(c, fx_pool, "tsr_b", 1));
}
END_TEST

START_TEST(revocation_forgets_everything)
{
    tsr_tokencache_t *c = cache(16);

    tsr_tokencache_put(c, "tsr_a", "alice", 1);
    tsr_tokencache_put(c, "tsr_b", "bob", 1);
    /* Someone revoked a token: generation 2. */
    ck_assert_ptr_null(tsr_tokencache_get(c, fx_pool, "tsr_a", 2));
    ck_assert_ptr_null(tsr_tokencache_get(c, fx_pool, "tsr_b", 2));
    tsr_tokencache_put(c, "tsr_b", "bob", 2);
    ck_assert_str_eq(tsr_tokencache_get(c, fx_pool, "tsr_b", 2), "bob");
    ck_assert_ptr_null(tsr_tokencache_get(c, fx_pool, "tsr_a", 2));
}
END_TEST

START_TEST(stale_put_is_ignored)
{
    tsr_tokencache_t *c = cache(16);

    /* A lookup that began before the revocation ends after a newer one
     * was cached: what it found must not come back. */
    tsr_tokencache_put(c, "tsr_b", "bob", 5);
    tsr_tokencache_put(c, "tsr_a", "alice", 4);
    ck_assert_ptr_null(tsr_tokencache_get(c, fx_pool, "tsr_a", 5));
    ck_assert_ptr_null(tsr_tokencache_get(c, fx_pool, "tsr_a", 4));
    ck_assert_str_eq(tsr_tokencache_get(c, fx_pool, "tsr_b", 5), "bob");
}
END_TEST

START_TEST(bounded)
{
    tsr_tokencache_t *c = cache(3);
    int i;

    for (i = 0; i < 3; i++) {
        tsr_tokencache_put(c, apr_psprintf(fx_pool, "tsr_%d", i), "u", 1);
    }
    ck_assert_str_eq(tsr_tokencache_get(c, fx_pool, "tsr_0", 1), "u");
    /* The fourth starts over: only it is remembered. */
    tsr_tokencache_put(c, "tsr_3", "v", 1);
    ck_assert_ptr_null(tsr_tokencache_get(c, fx_pool, "tsr_0", 1));
    ck_assert_str_eq(tsr_tokencache_get(c, fx_pool, "tsr_3", 1), "v");
}
END_TEST

START_TEST(result_is_a_copy)
{
    tsr_tokencache_t *c = cache(2);
    const char *user;

    tsr_tokencache_put(c, "tsr_a", "alice", 1);
    user = tsr_tokencache_get(c, fx_pool, "tsr_a", 1);
    /* Starting over frees the cache's copy, not the caller's. */
    tsr_tokencache_put(c, "tsr_a", "alice", 2);
    tsr_tokencache_put(c, "tsr_b", "b", 2);
    tsr_tokencache_put(c, "tsr_c", "c", 2);
    ck_assert_str_eq(user, "alice");
}
END_TEST

Suite *make_tokencache_suite(void)
{
    Suite *s = suite_create("tokencache");
    TCase *tc = fx_tcase("tokencache");

    tcase_add_test(tc, hit_within_generation);
    tcase_add_test(tc, revocation_forgets_everything);
    tcase_add_test(tc, stale_put_is_ignored);
    tcase_add_test(tc, bounded);
    tcase_add_test(tc, result_is_a_copy);
    suite_add_tcase(s, tc);
    return s;
}
