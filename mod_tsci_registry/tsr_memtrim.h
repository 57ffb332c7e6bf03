/* tsr_memtrim: giving back what large documents leave behind.
 *
 * A write of a package with a megabyte document parses it into many small
 * blocks (json-c), renders views and gzips them; freed, that memory stays
 * in the free lists of glibc's malloc, one arena per thread that did such
 * work, and Apache's children grow by hundreds of megabytes that nothing
 * uses again soon (docs/performance.md, "Memory after large documents").
 * The store notes the bytes of documents each write handles; once enough
 * have passed since the last time, the next request to end trims malloc's
 * free lists (malloc_trim: the free pages of every arena go back to the
 * system).  Per process; no locks. */
#ifndef TSR_MEMTRIM_H
#define TSR_MEMTRIM_H

#include <apr.h>

/* Bytes of documents a process handles between two trims. */
#define TSR_MEMTRIM_AFTER (1024 * 1024)

/* bytes more of documents were handled in this process. */
void tsr_memtrim_note(apr_size_t bytes);

/* 1 (once, to one caller) when TSR_MEMTRIM_AFTER bytes or more were
 * noted since the last time it said so, and the count starts again. */
int tsr_memtrim_due(void);

/* Give malloc's free pages back to the system: 1 when some were, 0 when
 * none were or the C library cannot (only glibc's malloc is asked). */
int tsr_memtrim(void);

/* Blocks from this size on are mapped on their own and unmapped when
 * freed (tsr_memtrim_map_large). */
#define TSR_MEMTRIM_MAP_FROM (256 * 1024)

/* Have malloc map every block of TSR_MEMTRIM_MAP_FROM bytes or more and
 * give it back when it is freed, for the life of the process.  glibc's
 * default raises that threshold to the size of the largest mapped block
 * freed so far, so that after one 2 MB packument every later one comes
 * from the arena of the thread that reads it and stays there: Apache's
 * children grew by 100 MB and more after reads of a big packument, and
 * kept it (docs/performance.md, bench/memory_ab).  1 when set; 0 when
 * MALLOC_MMAP_THRESHOLD_ in the environment already says (the
 * administrator's choice stands), or the C library is not glibc. */
int tsr_memtrim_map_large(void);

#endif
