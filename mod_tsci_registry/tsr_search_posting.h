/* tsr_search_posting: what the search index keeps of one package under
 * one term.  A posting carries, besides the package's name, a brief: the
 * facts a query scores and filters a hit by (when its latest version was
 * released, stars, versions, quality, deprecated, restricted to readers)
 * and where the term's word stands in the package (name, keywords,
 * description).  So a query scores every hit from the posting lists it
 * reads anyway, and reads the entries (tsr_search_entry.h) only of the
 * hits it shows: a broad query among 100,000 packages costs a scan of its
 * lists, not a record read per hit.
 *
 * The value is the name, a NUL, then the brief (TSR_SEARCH_BRIEF_LEN
 * bytes, big-endian numbers): it sorts by name first, as a store's
 * sorted duplicates need.  A value of a registry from before briefs is the
 * name alone: it decodes with brief unset, and a query reads that
 * package's entry instead (`tsci-registry reindex search` rewrites them).
 * Pure: no store, no httpd. */
#ifndef TSR_SEARCH_POSTING_H
#define TSR_SEARCH_POSTING_H

#include <apr_pools.h>
#include "tsr_search_entry.h"

/* Where a word ("w:" term) stands in the package; a posting of another
 * kind of term has none. */
#define TSR_SEARCH_IN_NAME 1
#define TSR_SEARCH_IN_KEYWORDS 2
#define TSR_SEARCH_IN_DESCRIPTION 4

/* Version (1), place (1), flags (1), unused (1), released (8), stars,
 * versions, quality in millionths (4 each). */
#define TSR_SEARCH_BRIEF_LEN 24

typedef struct tsr_search_posting_t {
    const char *name;
    int exact;              /* set by the store: the posting's term is the
                             * one asked, not only one that begins so */
    int brief;              /* the facts below are known */
    unsigned place;         /* TSR_SEARCH_IN_* */
    int deprecated;
    int restricted;         /* the package has readers: ask the entry */
    apr_int64_t released;   /* as in tsr_search_entry_t */
    apr_uint32_t stars, versions;
    double quality;
} tsr_search_posting_t;

/* Where each word of e stands, made once per entry for the postings of
 * all its terms. */
typedef struct tsr_search_places_t tsr_search_places_t;
tsr_search_places_t *tsr_search_places_make(apr_pool_t *p,
                                            const tsr_search_entry_t *e);

/* The value of the posting of package name, whose entry is e, under
 * term (one of e's), in p (*plen bytes, a NUL after them); pl from
 * tsr_search_places_make(e). */
const char *tsr_search_posting_make(apr_size_t *plen, apr_pool_t *p,
                                    const char *name,
                                    const tsr_search_entry_t *e,
                                    const tsr_search_places_t *pl,
                                    const char *term);

/* The brief alone (TSR_SEARCH_BRIEF_LEN bytes at b) of e's posting under
 * term: what a store that keeps the name apart stores. */
void tsr_search_brief_make(unsigned char *b, const tsr_search_entry_t *e,
                           const tsr_search_places_t *pl, const char *term);

/* Set o's facts from a brief (len bytes at b), or o->brief 0 when it is
 * not one this registry reads; o's name and exact are left alone. */
void tsr_search_brief_decode(tsr_search_posting_t *o,
                             const unsigned char *b, apr_size_t len);

/* Decode value (len bytes, followed by a NUL, as a store returns it);
 * o->name points into it; o->exact is left for the store to set.
 * APR_EINVAL when it holds no name. */
apr_status_t tsr_search_posting_decode(tsr_search_posting_t *o,
                                       const char *value, apr_size_t len);

/* The length of the name at the start of value (len bytes): what a store
 * compares to find a package's posting, of either form. */
apr_size_t tsr_search_posting_name_len(const char *value, apr_size_t len);

#endif
