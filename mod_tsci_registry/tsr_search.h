/* tsr_search: npm search (GET /-/v1/search) on the store's index: the
 * query string and the text's qualifiers parsed, the posting lists of its
 * terms read and intersected (a query never walks all packages), the hits
 * scored and ordered, and the response npm reads made.  Scoring and
 * qualifiers are described in docs/search.md. */
#ifndef TSR_SEARCH_H
#define TSR_SEARCH_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <json-c/json.h>
#include "tsr_error.h"
#include "tsr_store.h"

/* Limits of a query; each refused with a 400 that says which. */
#define TSR_SEARCH_ARGS_MAX 4096        /* bytes of the query string */
#define TSR_SEARCH_TEXT_MAX 1024        /* bytes of text, decoded */
#define TSR_SEARCH_PARTS_MAX 16         /* words and qualifiers in text */
#define TSR_SEARCH_SIZE_DEFAULT 20
#define TSR_SEARCH_SIZE_MAX 250         /* hits in one answer */
#define TSR_SEARCH_FROM_MAX 100000      /* first hit of an answer */
/* The last word of a text also finds the words it begins, from this many
 * bytes on ("lef" finds "left-pad"). */
#define TSR_SEARCH_PREFIX_MIN 2
/* See prefix_in_entries_max below: an entry costs some microseconds to
 * read, a short prefix's postings up to milliseconds. */
#define TSR_SEARCH_PREFIX_IN_ENTRIES_MAX 2000
/* A query of one term is scored as its postings are read when from +
 * size is at most this (tsr_search.c, "streamed"). */
#define TSR_SEARCH_STREAM_KEEP_MAX 1000

/* A term of the index (tsr_search_entry.h), and whether every term that
 * starts with it counts. */
typedef struct tsr_search_term_t {
    const char *key;
    int prefix;
} tsr_search_term_t;

/* What a hit must be, as sets of terms: each clause is met when all the
 * terms of any one of its alternatives are (keywords:a+b,c is one clause
 * of two alternatives). */
typedef struct tsr_search_query_t {
    const char *text;           /* the words as typed, lowercased, joined
                                 * by one space: a name equal to it is an
                                 * exact match */
    apr_array_header_t *words;  /* tokens of the text (char *) */
    apr_array_header_t *clauses;    /* of apr_array_header_t * (the
                                     * alternatives) of apr_array_header_t
                                     * * (the terms, tsr_search_term_t) */
    apr_array_header_t *exclude;    /* terms (char *) no hit may have */
    int nothing;                /* is:insecure: nothing can match */
    int boost_exact;            /* an exact name match comes first */
    double quality, popularity, maintenance;    /* weights, 0..1 */
    apr_size_t size, from;
    /* A prefix beside other clauses is checked in the entries of their
     * candidates when they are at most this many, else read from the
     * index (TSR_SEARCH_PREFIX_IN_ENTRIES_MAX; the answers are the same
     * either way, only their cost differs). */
    apr_size_t prefix_in_entries_max;
    /* A query of one term is streamed when from + size is at most this
     * (TSR_SEARCH_STREAM_KEEP_MAX; 0: never; the same answers either
     * way). */
    apr_size_t stream_keep_max;
} tsr_search_query_t;

/* Parse a query string (r->args: "text=...&size=..."; NULL is none):
 * text (required), size, from, quality, popularity, maintenance; other
 * parameters are ignored.  The query lives in p; a refusal is a 400 in
 * *perr. */
apr_status_t tsr_search_parse_args(tsr_search_query_t **pq, apr_pool_t *p,
                                   const char *args, tsr_error_t **perr);

/* Parse text (len bytes, decoded) into q's words and clauses. */
apr_status_t tsr_search_parse_text(tsr_search_query_t *q, apr_pool_t *p,
                                   const char *text, apr_size_t len,
                                   tsr_error_t **perr);

/* Whether q is one term whose page is scored as its postings are read
 * (tsr_search.c, "streamed"), rather than gathered first: the answers
 * are the same; the cost a hit a third. */
int tsr_search_streams(const tsr_search_query_t *q);

/* The scores of one hit. */
typedef struct tsr_search_scores_t {
    double quality, popularity, maintenance;
    double final;               /* the three, weighted by the query */
    double relevance;           /* how well the words match, 0..1 */
    double search;              /* what orders the hits */
} tsr_search_scores_t;

/* Score the package of entry e (its facts: tsr_search_entry.h) for q at
 * time now. */
struct tsr_search_entry_t;
void tsr_search_score(tsr_search_scores_t *sc, const tsr_search_query_t *q,
                      const struct tsr_search_entry_t *e, apr_time_t now);

/* May the asker see package name, whose readers are readers (NULL:
 * everyone)?  The glue answers with tsr_access_may_read and Apache's
 * per-package rules. */
typedef int tsr_search_may_read_fn(void *baton, const char *name,
                                   const char *readers);

/* Run q against store at time now for an asker whom may_read describes:
 * *pbody is the response ({"objects": [...], "total": n, "time": ...},
 * *plen bytes of JSON text in p), made from the hits' records as the
 * index keeps them, without parsing them.  A failing store is a 503 in
 * *perr. */
apr_status_t tsr_search_run_text(const char **pbody, apr_size_t *plen,
                                 apr_pool_t *p, tsr_store_t *store,
                                 const tsr_search_query_t *q, apr_time_t now,
                                 tsr_search_may_read_fn *may_read,
                                 void *baton, tsr_error_t **perr);

/* The same response parsed (*pres, in p): for callers that look into
 * it. */
apr_status_t tsr_search_run(json_object **pres, apr_pool_t *p,
                            tsr_store_t *store, const tsr_search_query_t *q,
                            apr_time_t now, tsr_search_may_read_fn *may_read,
                            void *baton, tsr_error_t **perr);

#endif
