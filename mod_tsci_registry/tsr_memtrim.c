/* tsr_memtrim: the count of document bytes, and the trim (see header). */
#include <stdlib.h>
#include <apr_atomic.h>
#include "tsr_memtrim.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

/* Kilobytes noted since the last trim (a 32-bit count of kilobytes does
 * not wrap between two trims). */
static volatile apr_uint32_t noted_kb;

void tsr_memtrim_note(apr_size_t bytes)
{
    apr_size_t kb = bytes / 1024;

    if (kb > 0) {
        apr_atomic_add32(&noted_kb, kb > 0x7fffffff ? 0x7fffffff
                                                    : (apr_uint32_t)kb);
    }
}

int tsr_memtrim_due(void)
{
    apr_uint32_t now = apr_atomic_read32(&noted_kb);

    /* Only the caller that takes the count back to 0 is told. */
    return now >= TSR_MEMTRIM_AFTER / 1024
           && apr_atomic_cas32(&noted_kb, 0, now) == now;
}

int tsr_memtrim(void)
{
#if defined(__GLIBC__)
    return malloc_trim(0);
#else
    return 0;
#endif
}

int tsr_memtrim_map_large(void)
{
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
    if (getenv("MALLOC_MMAP_THRESHOLD_") != NULL) {
        return 0;
    }
    return mallopt(M_MMAP_THRESHOLD, TSR_MEMTRIM_MAP_FROM) == 1;
#else
    return 0;
#endif
}
