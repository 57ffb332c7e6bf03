/* check_memtrim: the count that decides when a process gives malloc's
 * free pages back: due once per TSR_MEMTRIM_AFTER bytes, to one caller,
 * counting small notes too; and the trim itself answers. */
#include <stdlib.h>
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

Suite *make_memtrim_suite(void)
{
    Suite *s = suite_create("memtrim");
    TCase *tc = fx_tcase("count");

    tcase_add_test(tc, due_once_per_megabyte);
    tcase_add_test(tc, trim_gives_back);
    suite_add_tcase(s, tc);
    return s;
}
