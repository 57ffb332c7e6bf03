/* tsr_tsci_search: tscircuit's /packages/search on an index of words, so
 * that a search costs what its hits cost, not the size of the catalogue.
 *
 * A package's words are the lowercased runs of letters and digits of its
 * name (owner/name) and description; bytes beyond ASCII count as letters.
 * The index lives in the tscircuit table of the store, written in the
 * same transaction as the package record:
 *   'W' word NUL package_id   -> ""        (one posting per word)
 *   'S' package_id            -> words, NUL-separated (what to remove
 *                                when the package changes or goes)
 * Private and unlisted packages have no postings: nobody finds them.
 *
 * A query matches a package when each of its words is the start of one of
 * the package's words ("led boa" finds "alice/led-board").  This is
 * narrower than a substring anywhere, and is what a user of a search
 * expects. */
#ifndef TSR_TSCI_SEARCH_H
#define TSR_TSCI_SEARCH_H

#include "tsr_tsci_model.h"

/* Bounds: the bytes of a word kept, the words a package or a query has,
 * the postings counted to choose the rarest query word, and the
 * candidates one search may read before it answers with what it has. */
#define TSR_TSCI_WORD_MAX 40
#define TSR_TSCI_WORDS_MAX 64
#define TSR_TSCI_QUERY_WORDS_MAX 8
#define TSR_TSCI_COUNT_CAP 2000
#define TSR_TSCI_CANDIDATES_MAX 5000

/* The distinct words of text (const char * in p, in order of first
 * appearance) appended to words, up to max in all. */
void tsr_tsci_words(apr_pool_t *p, const char *text,
                    apr_array_header_t *words, int max);

/* Keep pkg's postings as its record now says (call after writing it). */
apr_status_t tsci_search_keep(tsci_tx_t *t, json_object *pkg);
/* Remove the postings of package pid (it is being deleted). */
apr_status_t tsci_search_drop(tsci_tx_t *t, const char *pid);

/* The listed packages matching query (package records in t->p, at most
 * limit), in the order the index gives them. */
apr_status_t tsci_search_run(tsci_tx_t *t, const char *query, int limit,
                             apr_array_header_t **ppkgs);

/* Rebuild the index of every package of store s, a transaction per
 * package, and drop the postings of packages that are gone (for a store
 * written before the index existed; `tsci-registry reindex
 * tsci-search`).  *pcount: the packages indexed. */
apr_status_t tsr_tsci_search_rebuild(tsr_store_t *s, apr_pool_t *p,
                                     apr_uint64_t *pcount,
                                     tsr_error_t **perr);

#endif
