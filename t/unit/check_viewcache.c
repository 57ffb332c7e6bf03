/* check_viewcache: a process's cache of package records answers only
 * under the stamp it was filled under and within its time to live,
 * remembers misses, stays within its bytes (the oldest entries going
 * first), and the store reads through
 * it: a write through the store makes the next read see the write. */
#include <string.h>
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_viewcache.h"

static tsr_viewcache_t *cache(apr_size_t bytes)
{
    tsr_viewcache_t *c = NULL;

    ck_assert_int_eq(tsr_viewcache_create(&c, fx_pool, bytes,
                                          apr_time_from_sec(2)),
                     APR_SUCCESS);
    return c;
}

static const char *get(tsr_viewcache_t *c, const char *name, char kind,
                       apr_uint32_t stamp, apr_time_t now, int *phit)
{
    const char *blob = "untouched";
    apr_size_t len = 12345;

    *phit = tsr_viewcache_get(c, fx_pool, name, kind, stamp, now, &blob,
                              &len);
    if (!*phit) {
        return NULL;
    }
    if (blob == NULL) {
        ck_assert_uint_eq(len, 0);
        return "(missing)";
    }
    return apr_pstrmemdup(fx_pool, blob, len);
}

START_TEST(hit_under_its_stamp_only)
{
    tsr_viewcache_t *c = cache(1 << 20);
    apr_time_t t = apr_time_from_sec(1000);
    int hit;

    ck_assert_ptr_null(get(c, "p", 'f', 7, t, &hit));
    ck_assert(!hit);
    tsr_viewcache_put(c, "p", 'f', 7, t, "full of p", 9);
    ck_assert_str_eq(get(c, "p", 'f', 7, t, &hit), "full of p");
    /* Another kind, another name with the same prefix: not this entry. */
    get(c, "p", 'a', 7, t, &hit);
    ck_assert(!hit);
    get(c, "pp", 'f', 7, t, &hit);
    ck_assert(!hit);
    /* A write bumped the stamp: stale, until the next read puts the new
     * record in its place. */
    get(c, "p", 'f', 8, t, &hit);
    ck_assert(!hit);
    tsr_viewcache_put(c, "p", 'f', 8, t, "new p", 5);
    ck_assert_str_eq(get(c, "p", 'f', 8, t, &hit), "new p");
    get(c, "p", 'f', 7, t, &hit);
    ck_assert(!hit);
}
END_TEST

START_TEST(time_to_live)
{
    tsr_viewcache_t *c = cache(1 << 20);
    apr_time_t t = apr_time_from_sec(1000);
    int hit;

    tsr_viewcache_put(c, "p", 'f', 1, t, "x", 1);
    ck_assert_str_eq(get(c, "p", 'f', 1, t + apr_time_from_sec(2), &hit),
                     "x");
    /* Past it, the first to ask reads the record again; the others are
     * served the entry meanwhile, up to a second time to live. */
    get(c, "p", 'f', 1, t + apr_time_from_sec(2) + 1, &hit);
    ck_assert(!hit);
    ck_assert_str_eq(get(c, "p", 'f', 1, t + apr_time_from_sec(3), &hit),
                     "x");
    ck_assert(hit);
    ck_assert_str_eq(get(c, "p", 'f', 1, t + apr_time_from_sec(4), &hit),
                     "x");
    /* The renewer never came back: nobody is served it past that. */
    get(c, "p", 'f', 1, t + apr_time_from_sec(4) + 1, &hit);
    ck_assert(!hit);
    /* Renewed: a new life, and a new renewer when it ends. */
    tsr_viewcache_put(c, "p", 'f', 1, t + apr_time_from_sec(5), "x2", 2);
    ck_assert_str_eq(get(c, "p", 'f', 1, t + apr_time_from_sec(6), &hit),
                     "x2");
    get(c, "p", 'f', 1, t + apr_time_from_sec(8), &hit);
    ck_assert(!hit);
    ck_assert_str_eq(get(c, "p", 'f', 1, t + apr_time_from_sec(8), &hit),
                     "x2");
    /* A write (another stamp) is never served the old entry. */
    get(c, "p", 'f', 2, t + apr_time_from_sec(8), &hit);
    ck_assert(!hit);
    /* A clock that went back does not make an entry live for ever. */
    tsr_viewcache_put(c, "q", 'f', 1, t, "y", 1);
    get(c, "q", 'f', 1, t - 1, &hit);
    ck_assert(!hit);
}
END_TEST

START_TEST(misses_are_remembered)
{
    tsr_viewcache_t *c = cache(1 << 20);
    apr_time_t t = apr_time_from_sec(5);
    int hit;

    tsr_viewcache_put(c, "nope", 'r', 3, t, NULL, 0);
    ck_assert_str_eq(get(c, "nope", 'r', 3, t, &hit), "(missing)");
    ck_assert(hit);
    get(c, "nope", 'r', 4, t, &hit);
    ck_assert(!hit);
}
END_TEST

START_TEST(bounded_and_oldest_first)
{
    tsr_viewcache_t *c = cache(64 * 1024);
    char blob[4000];
    apr_size_t entries, bytes;
    apr_time_t t = apr_time_from_sec(9);
    int i, hit;

    memset(blob, 'b', sizeof(blob));
    for (i = 0; i < 100; i++) {
        tsr_viewcache_put(c, apr_psprintf(fx_pool, "pkg-%d", i), 'f', 0, t,
                          blob, sizeof(blob));
        ck_assert_str_eq(get(c, apr_psprintf(fx_pool, "pkg-%d", i), 'f', 0,
                             t, &hit) ? "hit" : "miss", "hit");
    }
    tsr_viewcache_usage(c, &entries, &bytes);
    ck_assert_uint_le(bytes, 64 * 1024);
    ck_assert_uint_gt(entries, 5);
    ck_assert_uint_lt(entries, 17);
    get(c, "pkg-99", 'f', 0, t, &hit);
    ck_assert(hit);
    /* Lookups change nothing (they share the lock): the oldest went. */
    get(c, "pkg-0", 'f', 0, t, &hit);
    ck_assert(!hit);
    get(c, "pkg-1", 'f', 0, t, &hit);
    ck_assert(!hit);
    /* Over a quarter of the room: not kept at all. */
    tsr_viewcache_put(c, "huge", 'f', 0, t, apr_palloc(fx_pool, 17000),
                      17000);
    get(c, "huge", 'f', 0, t, &hit);
    ck_assert(!hit);
    /* A name put again replaces its entry. */
    tsr_viewcache_put(c, "pkg-0", 'f', 1, t, "new", 3);
    ck_assert_str_eq(get(c, "pkg-0", 'f', 1, t, &hit), "new");
}
END_TEST

START_TEST(slots_spread_and_stay)
{
    ck_assert_uint_lt(tsr_viewcache_slot("a"), TSR_VIEW_STAMPS);
    ck_assert_uint_eq(tsr_viewcache_slot("@s/p"), tsr_viewcache_slot("@s/p"));
    ck_assert_uint_ne(tsr_viewcache_slot("left-pad"),
                      tsr_viewcache_slot("right-pad"));
}
END_TEST

/* A large record is lent, not copied: each request gets the entry's own
 * bytes, still good in a pool that holds them after the entry was
 * replaced and pushed out (a record this size is mapped by malloc on its
 * own, so reading it after a free would fault); a small one is copied. */
START_TEST(large_records_are_lent)
{
    tsr_viewcache_t *c = cache(1 << 20);
    apr_size_t big = 200 * 1024, len = 0;
    char *rec = apr_palloc(fx_pool, big);
    const char *b1 = NULL, *b2 = NULL, *s1 = NULL, *s2 = NULL;
    apr_pool_t *req1, *req2;
    apr_time_t t = apr_time_from_sec(50);
    int i;

    memset(rec, 'a', big);
    tsr_viewcache_put(c, "big", 'f', 1, t, rec, big);
    apr_pool_create(&req1, fx_pool);
    apr_pool_create(&req2, fx_pool);
    ck_assert(tsr_viewcache_get(c, req1, "big", 'f', 1, t, &b1, &len));
    ck_assert(tsr_viewcache_get(c, req2, "big", 'f', 1, t, &b2, &len));
    ck_assert_uint_eq(len, big);
    ck_assert_ptr_eq(b1, b2);
    /* Replaced, then pushed out by others, while req1 holds it. */
    memset(rec, 'b', big);
    tsr_viewcache_put(c, "big", 'f', 2, t, rec, big);
    apr_pool_destroy(req2);
    for (i = 0; i < 8; i++) {
        tsr_viewcache_put(c, apr_psprintf(fx_pool, "other%d", i), 'f', 1, t,
                          rec, big);
    }
    ck_assert_int_eq(b1[0], 'a');
    ck_assert_int_eq(b1[big - 1], 'a');
    apr_pool_destroy(req1);
    /* Small records are copies. */
    tsr_viewcache_put(c, "small", 'f', 1, t, "tiny", 4);
    ck_assert(tsr_viewcache_get(c, fx_pool, "small", 'f', 1, t, &s1, &len));
    ck_assert(tsr_viewcache_get(c, fx_pool, "small", 'f', 1, t, &s2, &len));
    ck_assert_ptr_ne(s1, s2);
    ck_assert_int_eq(memcmp(s1, "tiny", 4), 0);
}
END_TEST

START_TEST(no_room_no_cache)
{
    tsr_viewcache_t *c = NULL;

    ck_assert_int_eq(tsr_viewcache_create(&c, fx_pool, 0, 1), APR_EINVAL);
}
END_TEST

Suite *make_viewcache_suite(void)
{
    Suite *s = suite_create("viewcache");
    TCase *tc = fx_tcase("cache");

    tcase_add_test(tc, hit_under_its_stamp_only);
    tcase_add_test(tc, time_to_live);
    tcase_add_test(tc, misses_are_remembered);
    tcase_add_test(tc, bounded_and_oldest_first);
    tcase_add_test(tc, slots_spread_and_stay);
    tcase_add_test(tc, large_records_are_lent);
    tcase_add_test(tc, no_room_no_cache);
    suite_add_tcase(s, tc);
    return s;
}
