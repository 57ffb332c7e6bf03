/* tsr_search_int: what the files of the search engine share and nothing
 * else sees: a hit and the heap of the best ones (tsr_search.c), the
 * scoring of a posting, and the streamed path of a query of one term
 * (tsr_search_stream.c). */
#ifndef TSR_SEARCH_INT_H
#define TSR_SEARCH_INT_H

#include "tsr_search.h"
#include "tsr_search_posting.h"

typedef struct hit_t {
    const char *name;
    tsr_search_scores_t sc;
} hit_t;

/* The best hits so far, at most max of them, in a heap whose root is the
 * worst kept: a query of 50,000 hits orders only the page's worth. */
typedef struct best_t {
    hit_t *h;
    apr_size_t n, max;
    apr_size_t total;           /* every hit offered */
} best_t;

/* Better hits first: by search score, then by name. */
int tsr_search_cmp_hit(const void *a, const void *b);
/* Restore the heap below i, whose hit got better. */
void tsr_search_sift_down(best_t *b, apr_size_t i);
/* Keep h when it is among the best (the caller counts it in the
 * total). */
void tsr_search_keep(best_t *b, const hit_t *h);

/* How well a word matches where posting o says it stands (exact: its
 * term is the word, not one the word only begins). */
double tsr_search_word_score(const tsr_search_posting_t *o, int exact);
/* Score o from its brief, its words' matches summing to rel. */
void tsr_search_score_posting(tsr_search_scores_t *sc,
                              const tsr_search_query_t *q,
                              const tsr_search_posting_t *o, double rel,
                              apr_time_t now);
/* Whether name may be the text as typed, to come first (boost-exact):
 * its first letter says no for most hits, cheaply. */
int tsr_search_may_be_exact(const tsr_search_query_t *q, const char *name);

/* The term of q when q is one term and a page the streamed path keeps,
 * else NULL. */
const tsr_search_term_t *tsr_search_stream_term(const tsr_search_query_t *q);
/* Score t's postings into best (room for from + size): APR_SUCCESS, or
 * TSR_ESTOPPED when the general path must answer, or a store failure. */
apr_status_t tsr_search_stream(best_t *best, apr_pool_t *p,
                               tsr_store_t *store,
                               const tsr_search_query_t *q,
                               const tsr_search_term_t *t, apr_time_t now,
                               tsr_search_may_read_fn *may_read,
                               void *baton);

#endif
