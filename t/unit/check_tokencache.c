/* check_tokencache: a process's token cache knows tokens only by their
 * SHA-256, answers within one revocation generation only, and stays
 * bounded. */
#include <string.h>
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_integrity.h"
#include "tsr_tokencache.h"

static tsr_tokencache_t *cache(apr_size_t max)
{
    tsr_tokencache_t *c = NULL;

    ck_assert_int_eq(tsr_tokencache_create(&c, fx_pool, max), APR_SUCCESS);
    return c;
}

/* The key of a token, as the registry computes it. */
static const unsigned char *key(const char *token)
{
    unsigned char *k = apr_palloc(fx_pool, 32);

    tsr_integrity_sha256(k, token, strlen(token));
    return k;
}

/* The cache's calls with a user and a read-only flag, no ranges. */
static void put(tsr_tokencache_t *c, const unsigned char *k,
                const char *user, int readonly, apr_uint32_t gen)
{
    tsr_token_owner_t o = { user, readonly, NULL };

    tsr_tokencache_put(c, k, &o, gen);
}

static int get_key(tsr_tokencache_t *c, const unsigned char *k,
                   apr_uint32_t gen, const char **puser, int *preadonly)
{
    tsr_token_owner_t o;

    if (!tsr_tokencache_get(c, fx_pool, k, gen, &o)) {
        return 0;
    }
    ck_assert_ptr_null(o.cidr);
    *puser = o.user;
    *preadonly = o.readonly;
    return 1;
}

/* The user cached for token under gen, or NULL. */
static const char *get(tsr_tokencache_t *c, const char *token,
                       apr_uint32_t gen, int *readonly)
{
    const char *user = NULL;
    int ro = -1;

    if (!get_key(c, key(token), gen, &user, &ro)) {
        return NULL;
    }
    ck_assert(ro == 0 || ro == 1);
    if (readonly) {
        *readonly = ro;
    }
    return user;
}

START_TEST(hit_within_generation)
{
    tsr_tokencache_t *c = cache(16);
    int ro = -1;

    ck_assert_ptr_null(get(c, "tsr_a", 1, NULL));
    put(c, key("tsr_a"), "alice", 0, 1);
    put(c, key("tsr_r"), "rita", 1, 1);
    ck_assert_str_eq(get(c, "tsr_a", 1, &ro), "alice");
    ck_assert_int_eq(ro, 0);
    ck_assert_str_eq(get(c, "tsr_r", 1, &ro), "rita");
    ck_assert_int_eq(ro, 1);
    ck_assert_ptr_null(get(c, "tsr_b", 1, NULL));
}
END_TEST

/* Keys that share their first bytes (the table's placement) are still
 * told apart by the rest. */
START_TEST(same_slot_different_keys)
{
    tsr_tokencache_t *c = cache(16);
    unsigned char k1[32], k2[32], k3[32];
    const char *user;
    int ro;

    memset(k1, 7, 32);
    memcpy(k2, k1, 32);
    k2[31] = 8;
    memcpy(k3, k1, 32);
    k3[5] = 9;
    put(c, k1, "one", 0, 1);
    put(c, k2, "two", 0, 1);
    ck_assert(get_key(c, k1, 1, &user, &ro));
    ck_assert_str_eq(user, "one");
    ck_assert(get_key(c, k2, 1, &user, &ro));
    ck_assert_str_eq(user, "two");
    ck_assert(!get_key(c, k3, 1, &user, &ro));
    /* A second put of a key replaces, not duplicates. */
    put(c, k1, "uno", 1, 1);
    ck_assert(get_key(c, k1, 1, &user, &ro));
    ck_assert_str_eq(user, "uno");
    ck_assert_int_eq(ro, 1);
}
END_TEST

START_TEST(revocation_forgets_everything)
{
    tsr_tokencache_t *c = cache(16);

    put(c, key("tsr_a"), "alice", 0, 1);
    put(c, key("tsr_b"), "bob", 0, 1);
    /* Someone revoked a token: generation 2. */
    ck_assert_ptr_null(get(c, "tsr_a", 2, NULL));
    ck_assert_ptr_null(get(c, "tsr_b", 2, NULL));
    put(c, key("tsr_b"), "bob", 0, 2);
    ck_assert_str_eq(get(c, "tsr_b", 2, NULL), "bob");
    ck_assert_ptr_null(get(c, "tsr_a", 2, NULL));
}
END_TEST

START_TEST(stale_put_is_ignored)
{
    tsr_tokencache_t *c = cache(16);

    /* A lookup that began before the revocation ends after a newer one
     * was cached: what it found must not come back. */
    put(c, key("tsr_b"), "bob", 0, 5);
    put(c, key("tsr_a"), "alice", 0, 4);
    ck_assert_ptr_null(get(c, "tsr_a", 5, NULL));
    ck_assert_ptr_null(get(c, "tsr_a", 4, NULL));
    ck_assert_str_eq(get(c, "tsr_b", 5, NULL), "bob");
}
END_TEST

START_TEST(bounded)
{
    tsr_tokencache_t *c = cache(3);
    int i;

    for (i = 0; i < 3; i++) {
        put(c, key(apr_psprintf(fx_pool, "tsr_%d", i)), "u",
                           0, 1);
    }
    ck_assert_str_eq(get(c, "tsr_0", 1, NULL), "u");
    /* The fourth starts over: only it is remembered. */
    put(c, key("tsr_3"), "v", 0, 1);
    ck_assert_ptr_null(get(c, "tsr_0", 1, NULL));
    ck_assert_str_eq(get(c, "tsr_3", 1, NULL), "v");
}
END_TEST

/* Many entries, well past one table's worth of placements: each one is
 * found, and none is found for another. */
START_TEST(many)
{
    tsr_tokencache_t *c = cache(1000);
    int i;

    for (i = 0; i < 1000; i++) {
        put(c, key(apr_psprintf(fx_pool, "t%d", i)),
                           apr_psprintf(fx_pool, "u%d", i), i & 1, 3);
    }
    for (i = 0; i < 1000; i++) {
        int ro;

        ck_assert_str_eq(get(c, apr_psprintf(fx_pool, "t%d", i), 3, &ro),
                         apr_psprintf(fx_pool, "u%d", i));
        ck_assert_int_eq(ro, i & 1);
    }
    ck_assert_ptr_null(get(c, "t1000", 3, NULL));
}
END_TEST

START_TEST(result_is_a_copy)
{
    tsr_tokencache_t *c = cache(2);
    const char *user;

    put(c, key("tsr_a"), "alice", 0, 1);
    user = get(c, "tsr_a", 1, NULL);
    /* Starting over frees the cache's copy, not the caller's. */
    put(c, key("tsr_a"), "alice", 0, 2);
    put(c, key("tsr_b"), "b", 0, 2);
    put(c, key("tsr_c"), "c", 0, 2);
    ck_assert_str_eq(user, "alice");
}
END_TEST

START_TEST(no_empty_cache)
{
    tsr_tokencache_t *c = NULL;

    ck_assert_int_eq(tsr_tokencache_create(&c, fx_pool, 0), APR_EINVAL);
}
END_TEST

/* A token's address ranges are cached with it, copied both ways. */
START_TEST(ranges_kept)
{
    tsr_tokencache_t *c = cache(4);
    char ranges[32];
    tsr_token_owner_t in = { "ann", 0, ranges }, out;

    strcpy(ranges, "10.0.0.0/8");
    tsr_tokencache_put(c, key("tsr_c"), &in, 1);
    strcpy(ranges, "overwritten");
    ck_assert(tsr_tokencache_get(c, fx_pool, key("tsr_c"), 1, &out));
    ck_assert_str_eq(out.user, "ann");
    ck_assert_str_eq(out.cidr, "10.0.0.0/8");
}
END_TEST

Suite *make_tokencache_suite(void)
{
    Suite *s = suite_create("tokencache");
    TCase *tc = fx_tcase("tokencache");

    tcase_add_test(tc, hit_within_generation);
    tcase_add_test(tc, ranges_kept);
    tcase_add_test(tc, same_slot_different_keys);
    tcase_add_test(tc, revocation_forgets_everything);
    tcase_add_test(tc, stale_put_is_ignored);
    tcase_add_test(tc, bounded);
    tcase_add_test(tc, many);
    tcase_add_test(tc, result_is_a_copy);
    tcase_add_test(tc, no_empty_cache);
    suite_add_tcase(s, tc);
    return s;
}
