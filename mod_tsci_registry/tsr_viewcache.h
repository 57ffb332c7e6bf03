/* tsr_viewcache: a process's memory of the small records it read most
 * recently (the ready views of packages, their dist-tags and readers
 * records), so that a hot packument costs what bytes in memory cost, not
 * a Berkeley DB lookup with its shared latches.
 *
 * Freshness: every package write bumps a counter ("stamp") in memory that
 * all of Apache's processes share, in one of TSR_VIEW_STAMPS slots chosen
 * by the package's name; an entry is good only while its slot's counter
 * is what it was read before the store lookup that filled it.  So a read
 * after a write, in any process, never sees the old record.  Writers
 * outside Apache (the admin tool) bump nothing: for them an entry also
 * expires after a short time to live (one thread then reads the record
 * again, the others are served the entry meanwhile, up to twice that). */
#ifndef TSR_VIEWCACHE_H
#define TSR_VIEWCACHE_H

#include <apr_pools.h>
#include <apr_time.h>

/* Slots of the shared stamps that package names map to (a power of
 * two).  One more stamp follows them, TSR_VIEW_STAMP_ANY, which every
 * package write bumps too: what depends on all packages (a search's
 * answer) is good while that one stays the same.  An array of stamps is
 * TSR_VIEW_STAMPS_LEN long. */
#define TSR_VIEW_STAMPS 65536
#define TSR_VIEW_STAMP_ANY TSR_VIEW_STAMPS
#define TSR_VIEW_STAMPS_LEN (TSR_VIEW_STAMPS + 1)

typedef struct tsr_viewcache_t tsr_viewcache_t;

/* A cache of at most max_bytes of records (entries included), whose
 * entries live ttl at most, safe to share between threads, freed with p.
 * max_bytes 0: APR_EINVAL (no cache is a NULL one). */
apr_status_t tsr_viewcache_create(tsr_viewcache_t **pc, apr_pool_t *p,
                                  apr_size_t max_bytes,
                                  apr_interval_time_t ttl);

/* The stamp slot of a package name. */
apr_size_t tsr_viewcache_slot(const char *name);

/* Look up the record kind of name, good under stamp at time now: 1 when
 * found, with *pblob and *plen, read-only and good while p lasts (a copy
 * in p, or a large record's entry, held until p is destroyed), or *pblob
 * NULL when the record is known not to exist; 0 when the store must be asked (and,
 * for an entry past its time to live, only the first caller is told
 * so). */
int tsr_viewcache_get(tsr_viewcache_t *c, apr_pool_t *p, const char *name,
                      char kind, apr_uint32_t stamp, apr_time_t now,
                      const char **pblob, apr_size_t *plen);

/* Remember what the store said of kind of name (blob NULL: no such
 * record), read under stamp (taken before the lookup) at time now, in
 * place of any older entry of it; the oldest entries go to make room.
 * A record larger than a quarter of the cache is not kept. */
void tsr_viewcache_put(tsr_viewcache_t *c, const char *name, char kind,
                       apr_uint32_t stamp, apr_time_t now, const char *blob,
                       apr_size_t len);

/* Entries and bytes held (for tests and figures). */
void tsr_viewcache_usage(tsr_viewcache_t *c, apr_size_t *pentries,
                         apr_size_t *pbytes);

#endif
