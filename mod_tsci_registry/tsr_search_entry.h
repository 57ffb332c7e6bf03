/* tsr_search_entry: what the search index knows of one package, derived
 * from its document alone: the terms it is found under (words of its name,
 * description and keywords; its keywords, author, publisher, maintainers,
 * scope; whether it is unstable or deprecated) and a small record of what
 * a hit shows and how it scores.  Every write of a package document stores
 * its entry in the same transaction (tsr_store.h), so the index is always
 * a function of the documents. */
#ifndef TSR_SEARCH_ENTRY_H
#define TSR_SEARCH_ENTRY_H

#include <apr_pools.h>
#include <json-c/json.h>

/* Most distinct terms one package is indexed under: the words at the end
 * of a long description are dropped first. */
#define TSR_SEARCH_ENTRY_TERMS_MAX 300
/* Most keywords of one package kept. */
#define TSR_SEARCH_KEYWORDS_MAX 50
/* Longest term (prefix included); a longer keyword or author name is not
 * indexed as a whole (its words still are). */
#define TSR_SEARCH_TERM_MAX 128

/* The kinds of term, a prefix each, then the lowercased value. */
#define TSR_SEARCH_T_WORD "w:"          /* a token of name, description,
                                         * keywords (tsr_search_text) */
#define TSR_SEARCH_T_KEYWORD "k:"       /* a whole keyword */
#define TSR_SEARCH_T_AUTHOR "a:"        /* the author's name and each of
                                         * its words, and the user who
                                         * published the latest version */
#define TSR_SEARCH_T_MAINTAINER "m:"    /* a maintainer's user name */
#define TSR_SEARCH_T_SCOPE "s:"         /* the scope without "@", or
                                         * "unscoped" */
#define TSR_SEARCH_T_UNSTABLE "f:unstable"      /* latest < 1.0.0, or a
                                                 * prerelease */
#define TSR_SEARCH_T_DEPRECATED "f:deprecated"  /* latest is deprecated */

/* The entry of doc (a package document): a blob in p, or *pblob NULL when
 * the package is not to be found (it has no "latest" version, or it is a
 * tombstone: no versions left, or "time.unpublished" set). */
apr_status_t tsr_search_entry_make(const char **pblob, apr_size_t *plen,
                                   apr_pool_t *p, json_object *doc);

/* The same from the document's text (len bytes); APR_EINVAL when it is
 * not JSON. */
apr_status_t tsr_search_entry_from_text(const char **pblob,
                                        apr_size_t *plen, apr_pool_t *p,
                                        const char *doc, apr_size_t len);

/* A decoded entry; every pointer points into the blob. */
typedef struct tsr_search_entry_t {
    const char *terms;          /* terms back to back, each ending in NUL, */
    apr_size_t terms_len;       /*   sorted (strcmp), no duplicates */
    /* What a query scores and filters every hit by, with no parsing: */
    apr_int64_t released;       /* when latest was published, ms since
                                 * the epoch; 0 when unknown */
    apr_uint32_t stars;         /* npm star: the document's users */
    apr_uint32_t versions;      /* how many versions it has */
    double quality;             /* 0..1 (docs/search.md) */
    int deprecated;             /* latest is deprecated */
    const char *readers;        /* who alone may read it ("a,b"), or NULL */
    const char *name;
    const char *keywords;       /* one a line */
    const char *description;    /* "" when none */
    /* What a hit shows: {"package": {...}, "flags": {...}}, JSON. */
    const char *record;
    apr_size_t record_len;
} tsr_search_entry_t;

/* Decode blob without copying; APR_EINVAL when it is not an entry. */
apr_status_t tsr_search_entry_decode(tsr_search_entry_t *e, const char *blob,
                                     apr_size_t len);

/* Decode only the terms of blob (e->terms, e->terms_len), of this format
 * or any other version of it: what the store needs to take a package out
 * of its posting lists, even from an entry an older registry wrote. */
apr_status_t tsr_search_entry_decode_terms(tsr_search_entry_t *e,
                                           const char *blob, apr_size_t len);

/* The term after prev in e (the first when prev is NULL), or NULL. */
const char *tsr_search_entry_next_term(const tsr_search_entry_t *e,
                                       const char *prev);

/* 1 if e is indexed under a term that starts with prefix. */
int tsr_search_entry_has_prefix(const tsr_search_entry_t *e,
                                const char *prefix);

/* 1 if e is indexed under term. */
int tsr_search_entry_has_term(const tsr_search_entry_t *e, const char *term);

#endif
