/* tsr_search_text: the words of search: how names, descriptions, keywords
 * and query texts are cut into tokens (the same way for what is indexed and
 * what is asked, so that they meet), and how a query string's parts are
 * decoded.  Pure: no store, no httpd. */
#ifndef TSR_SEARCH_TEXT_H
#define TSR_SEARCH_TEXT_H

#include <apr_pools.h>
#include <apr_tables.h>

/* Longest token, in bytes: a longer run of letters is cut there (at a
 * character boundary), so a pasted hash indexes as its first 64 bytes. */
#define TSR_SEARCH_TOKEN_MAX 64

/* The tokens of len bytes of text, in order, duplicates kept, as char *
 * in p: the runs of ASCII letters and digits and of non-ASCII bytes (the
 * letters of other scripts), ASCII lowercased.  Everything else separates:
 * white space, punctuation, and the "-", "_", ".", "/" and "@" of package
 * names, so "@acme/left-pad" gives "acme", "left", "pad". */
apr_array_header_t *tsr_search_tokens(apr_pool_t *p, const char *text,
                                      apr_size_t len);

/* The next token of text (len bytes) from *pos on, as tsr_search_tokens
 * cuts them but not lowercased and not copied: 1 with *ptok, *ptok_len
 * (pointing into text) and *pos after it; 0 at the end. */
int tsr_search_token_next(const char *text, apr_size_t len,
                          apr_size_t *pos, const char **ptok,
                          apr_size_t *ptok_len);

/* 1 if the token tok (len bytes, any case) is word (wlen bytes,
 * lowercase), or, with prefix set, begins with it. */
int tsr_search_token_is(const char *tok, apr_size_t len, const char *word,
                        apr_size_t wlen, int prefix);

/* A copy of len bytes of s with ASCII letters lowercased, in p. */
char *tsr_search_lower(apr_pool_t *p, const char *s, apr_size_t len);

/* Decode len bytes of one part of a query string ("+" is a space, "%XX" a
 * byte), in p, NUL-terminated, its length in *pout_len.  NULL for a "%"
 * not followed by two hex digits. */
char *tsr_search_unescape(apr_pool_t *p, const char *s, apr_size_t len,
                          apr_size_t *pout_len);

#endif
