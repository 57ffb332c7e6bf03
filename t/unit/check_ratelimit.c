/* check_ratelimit: failed sign-ins are counted per key within a window,
 * forgotten when the window passes or the key signs in, kept apart from
 * other keys, and counted exactly by threads at once. */
#include <string.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_ratelimit.h"

#define W 900

static tsr_ratelimit_t *table(apr_uint32_t nslots)
{
    tsr_ratelimit_t *t = NULL;
    void *mem = apr_palloc(fx_pool, tsr_ratelimit_size(nslots));

    ck_assert_int_eq(tsr_ratelimit_init(&t, mem, nslots), APR_SUCCESS);
    return t;
}

static apr_uint32_t fails(tsr_ratelimit_t *t, const char *k, apr_uint32_t now)
{
    return tsr_ratelimit_failures(t, k, strlen(k), now, W);
}

static void record(tsr_ratelimit_t *t, const char *k, apr_uint32_t now)
{
    tsr_ratelimit_fail(t, k, strlen(k), now, W);
}

START_TEST(counts_within_window)
{
    tsr_ratelimit_t *t = table(64);
    int i;

    ck_assert_uint_eq(fails(t, "u:alice", 1000), 0);
    for (i = 0; i < 5; i++) {
        record(t, "u:alice", 1000 + i);
    }
    ck_assert_uint_eq(fails(t, "u:alice", 1010), 5);
    ck_assert_uint_eq(fails(t, "u:bob", 1010), 0);
    ck_assert_uint_eq(tsr_ratelimit_wait(t, "u:alice", 7, 1100, W), W - 100);
    /* the window passes: a fresh start */
    ck_assert_uint_eq(fails(t, "u:alice", 1000 + W), 0);
    ck_assert_uint_eq(tsr_ratelimit_wait(t, "u:alice", 7, 1000 + W, W), 0);
    record(t, "u:alice", 1000 + W);
    ck_assert_uint_eq(fails(t, "u:alice", 1000 + W), 1);
    /* a sign-in forgets them */
    tsr_ratelimit_clear(t, "u:alice", 7);
    ck_assert_uint_eq(fails(t, "u:alice", 1000 + W), 0);
    /* the key's bytes count, not a C string's */
    tsr_ratelimit_fail(t, "a\0b", 3, 5000, W);
    ck_assert_uint_eq(tsr_ratelimit_failures(t, "a\0b", 3, 5000, W), 1);
    ck_assert_uint_eq(tsr_ratelimit_failures(t, "a", 1, 5000, W), 0);
}
END_TEST

/* A small table full of keys: new keys take the oldest places, the
 * newest keys keep their counts. */
START_TEST(full_table_evicts_oldest)
{
    tsr_ratelimit_t *t = table(8);
    char k[32];
    int i;

    for (i = 0; i < 100; i++) {
        apr_snprintf(k, sizeof(k), "a:10.0.0.%d", i);
        record(t, k, 2000 + (apr_uint32_t)i);
    }
    ck_assert_uint_eq(fails(t, "a:10.0.0.99", 2100), 1);
    ck_assert_uint_eq(fails(t, "a:10.0.0.0", 2100), 0);
}
END_TEST

/* Two tables (two Apache starts) place the same key apart: the salt is
 * fresh each time. */
START_TEST(salted)
{
    tsr_ratelimit_t *a = table(1024), *b = table(1024);
    int i, differ = 0;
    char k[32];

    for (i = 0; i < 16; i++) {
        apr_snprintf(k, sizeof(k), "u:user%d", i);
        record(a, k, 10);
        record(b, k, 10);
        differ += memcmp(a, b, tsr_ratelimit_size(1024)) != 0;
    }
    ck_assert_int_gt(differ, 0);
}
END_TEST

typedef struct { tsr_ratelimit_t *t; int n; } hammer_t;

static void *APR_THREAD_FUNC hammer(apr_thread_t *th, void *data)
{
    hammer_t *h = data;
    int i;

    for (i = 0; i < h->n; i++) {
        record(h->t, "u:target", 3000);
    }
    return NULL;
}

START_TEST(threads_count_exactly)
{
    hammer_t h = { table(64), 20000 };
    apr_thread_t *th[4];
    apr_status_t st;
    int i;

    record(h.t, "u:target", 3000);
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(apr_thread_create(&th[i], NULL, hammer, &h,
                                           fx_pool), APR_SUCCESS);
    }
    for (i = 0; i < 4; i++) {
        apr_thread_join(&st, th[i]);
    }
    ck_assert_uint_eq(fails(h.t, "u:target", 3000), 4 * 20000 + 1);
}
END_TEST

Suite *make_ratelimit_suite(void)
{
    Suite *s = suite_create("ratelimit");
    TCase *tc = fx_tcase("ratelimit");

    tcase_add_test(tc, counts_within_window);
    tcase_add_test(tc, full_table_evicts_oldest);
    tcase_add_test(tc, salted);
    tcase_add_test(tc, threads_count_exactly);
    suite_add_tcase(s, tc);
    return s;
}
