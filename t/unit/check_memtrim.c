/* check_memtrim: the count that decides when a process gives malloc's
 * free pages back: due once per TSR_MEMTRIM_AFTER bytes, to one caller,
 * counting small notes too; and the trim itself answers. */
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include "check_core.h"
#include "fixtures.h"
#include "tsr_memtrim.h"

START_TEST(due_once_per_megabyte)
{
    int i;

    while (tsr_memtrim_due()) {
    }                                   /* start from an empty count */
    ck_assert_int_eq(tsr_memtrim_due(), 0);
    tsr_memtrim_note(TSR_MEMTRIM_AFTER - 1024);
    ck_assert_int_eq(tsr_memtrim_due(), 0);
    tsr_memtrim_note(1023);             /* less than a kilobyte: not counted */
    ck_assert_int_eq(tsr_memtrim_due(), 0);
    tsr_memtrim_note(1024);
    ck_assert_int_eq(tsr_memtrim_due(), 1);
    ck_assert_int_eq(tsr_memtrim_due(), 0);     /* told once */
    /* Many small writes add up. */
    for (i = 0; i < 1024; i++) {
        tsr_memtrim_note(1024);
    }
    ck_assert_int_eq(tsr_memtrim_due(), 1);
    ck_assert_int_eq(tsr_memtrim_due(), 0);
    /* A huge note does not wrap the count. */
    tsr_memtrim_note((apr_size_t)-1);
    ck_assert_int_eq(tsr_memtrim_due(), 1);
}
END_TEST

START_TEST(trim_gives_back)
{
    void *blocks[256];
    int i;

    /* Memory freed in the middle of the heap, kept by malloc. */
    for (i = 0; i < 256; i++) {
        blocks[i] = malloc(64 * 1024 - 64);
    }
    for (i = 0; i < 255; i++) {
        free(blocks[i]);
    }
#if defined(__GLIBC__)
    ck_assert_int_eq(tsr_memtrim(), 1);
#else
    ck_assert_int_eq(tsr_memtrim(), 0);
#endif
    free(blocks[255]);
}
END_TEST

/* After one large block was freed, a smaller large one is still mapped on
 * its own (glibc by default would take it from the heap), so that
 * freeing it gives it back at once.  Each Check test runs in a process
 * of its own: the setting does not reach the others. */
START_TEST(large_blocks_stay_mapped)
{
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
    void *first, *next;
    struct mallinfo2 mi;

    unsetenv("MALLOC_MMAP_THRESHOLD_");
    ck_assert_int_eq(tsr_memtrim_map_large(), 1);
    first = malloc(4 * 1024 * 1024);
    ck_assert_ptr_nonnull(first);
    free(first);
    next = malloc(TSR_MEMTRIM_MAP_FROM * 2);
    ck_assert_ptr_nonnull(next);
    mi = mallinfo2();
    ck_assert_uint_ge(mi.hblks, 1);         /* mapped on its own */
    free(next);
    mi = mallinfo2();
    ck_assert_uint_eq(mi.hblks, 0);         /* and given back */
    /* An administrator's MALLOC_MMAP_THRESHOLD_ stands. */
    setenv("MALLOC_MMAP_THRESHOLD_", "131072", 1);
    ck_assert_int_eq(tsr_memtrim_map_large(), 0);
    unsetenv("MALLOC_MMAP_THRESHOLD_");
#else
    ck_assert_int_eq(tsr_memtrim_map_large(), 0);
#endif
}
END_TEST

Suite *make_memtrim_suite(void)
{
    Suite *s = suite_create("memtrim");
    TCase *tc = fx_tcase("count");

    tcase_add_test(tc, due_once_per_megabyte);
    tcase_add_test(tc, trim_gives_back);
    tcase_add_test(tc, large_blocks_stay_mapped);
    suite_add_tcase(s, tc);
    return s;
}
