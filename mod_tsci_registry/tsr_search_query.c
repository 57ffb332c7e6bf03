/* tsr_search_query: a search request's query string and text, turned into
 * the terms of the index it must and must not meet.  The qualifiers are the
 * public registry's: author:, maintainer:, scope:, keywords: (',' or, '+'
 * and, ',-' not), is:/not: unstable|deprecated|insecure, boost-exact:. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "tsr_json.h"
#include "tsr_search.h"
#include "tsr_search_entry.h"
#include "tsr_search_text.h"

static apr_status_t bad(tsr_error_t **perr, apr_pool_t *p, const char *fmt,
                        const char *what)
{
    return tsr_error_set(perr, p, 400, "bad_request", fmt, what);
}

static apr_array_header_t *terms_of(apr_pool_t *p)
{
    return apr_array_make(p, 2, sizeof(tsr_search_term_t));
}

static void add_term(apr_array_header_t *terms, apr_pool_t *p,
                     const char *kind, const char *value, int prefix)
{
    tsr_search_term_t *t = apr_array_push(terms);

    t->key = apr_pstrcat(p, kind, value, NULL);
    t->prefix = prefix;
}

/* A clause of one alternative of one term. */
static void must(tsr_search_query_t *q, apr_pool_t *p, const char *kind,
                 const char *value, int prefix)
{
    apr_array_header_t *alts = apr_array_make(p, 1, sizeof(void *));
    apr_array_header_t *terms = terms_of(p);

    add_term(terms, p, kind, value, prefix);
    APR_ARRAY_PUSH(alts, apr_array_header_t *) = terms;
    APR_ARRAY_PUSH(q->clauses, apr_array_header_t *) = alts;
}

/* keywords:a+b,c,-d: a and b, or c; never d. */
static apr_status_t keywords(tsr_search_query_t *q, apr_pool_t *p,
                             char *list, tsr_error_t **perr)
{
    apr_array_header_t *alts = apr_array_make(p, 2, sizeof(void *));
    char *piece, *last, *part, *plast;
    int excluded = 0;

    for (piece = apr_strtok(list, ",", &last); piece;
         piece = apr_strtok(NULL, ",", &last)) {
        int not = piece[0] == '-';
        apr_array_header_t *terms = terms_of(p);

        for (part = apr_strtok(piece + not, "+", &plast); part;
             part = apr_strtok(NULL, "+", &plast)) {
            /* "-d" excludes d, and so does every word of "-d+e"; in
             * "a+-b", only b. */
            if (not || part[0] == '-') {
                part += part[0] == '-';
                if (*part) {
                    APR_ARRAY_PUSH(q->exclude, const char *) =
                        apr_pstrcat(p, TSR_SEARCH_T_KEYWORD, part, NULL);
                    excluded = 1;
                }
            }
            else {
                add_term(terms, p, TSR_SEARCH_T_KEYWORD, part, 0);
            }
        }
        if (terms->nelts > 0) {
            APR_ARRAY_PUSH(alts, apr_array_header_t *) = terms;
        }
    }
    if (alts->nelts > 0) {
        APR_ARRAY_PUSH(q->clauses, apr_array_header_t *) = alts;
    }
    else if (!excluded) {
        return bad(perr, p, "%s needs a keyword", "keywords:");
    }
    return APR_SUCCESS;
}

/* is:x or not:x. */
static apr_status_t state(tsr_search_query_t *q, apr_pool_t *p, int is,
                          const char *value, tsr_error_t **perr)
{
    const char *term;

    if (strcmp(value, "insecure") == 0) {
        /* No advisories here: nothing is insecure. */
        q->nothing |= is;
        return APR_SUCCESS;
    }
    if (strcmp(value, "unstable") == 0) {
        term = TSR_SEARCH_T_UNSTABLE;
    }
    else if (strcmp(value, "deprecated") == 0) {
        term = TSR_SEARCH_T_DEPRECATED;
    }
    else {
        return bad(perr, p, "%s takes unstable, deprecated or insecure",
                   is ? "is:" : "not:");
    }
    if (is) {
        must(q, p, "", term, 0);
    }
    else {
        APR_ARRAY_PUSH(q->exclude, const char *) = term;
    }
    return APR_SUCCESS;
}

/* One "key:value" part of the text; *pqual 0 when key is no qualifier
 * (the part is then words). */
static apr_status_t qualifier(tsr_search_query_t *q, apr_pool_t *p,
                              char *part, int *pqual, tsr_error_t **perr)
{
    static const char *const keys[] = {
        "author", "maintainer", "scope", "keywords", "is", "not",
        "boost-exact", NULL
    };
    char *colon = strchr(part, ':'), *value;
    int i;

    *pqual = 0;
    if (colon == NULL) {
        return APR_SUCCESS;
    }
    *colon = '\0';
    for (i = 0; keys[i] && strcmp(keys[i], part) != 0; i++) {
    }
    if (keys[i] == NULL) {
        *colon = ':';
        return APR_SUCCESS;
    }
    *pqual = 1;
    value = colon + 1;
    if (*value == '\0') {
        return bad(perr, p, "%s: needs a value", part);
    }
    if (strcmp(part, "author") == 0) {
        must(q, p, TSR_SEARCH_T_AUTHOR, value, 0);
    }
    else if (strcmp(part, "maintainer") == 0) {
        must(q, p, TSR_SEARCH_T_MAINTAINER, value, 0);
    }
    else if (strcmp(part, "scope") == 0) {
        value += value[0] == '@';
        if (*value == '\0') {
            return bad(perr, p, "%s needs a value", "scope:");
        }
        must(q, p, TSR_SEARCH_T_SCOPE, value, 0);
    }
    else if (strcmp(part, "keywords") == 0) {
        return keywords(q, p, value, perr);
    }
    else if (strcmp(part, "boost-exact") == 0) {
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0) {
            return bad(perr, p, "%s takes true or false", "boost-exact:");
        }
        q->boost_exact = strcmp(value, "true") == 0;
    }
    else {
        return state(q, p, strcmp(part, "is") == 0, value, perr);
    }
    return APR_SUCCESS;
}

apr_status_t tsr_search_parse_text(tsr_search_query_t *q, apr_pool_t *p,
                                   const char *text, apr_size_t len,
                                   tsr_error_t **perr)
{
    static const char space[] = " \t\r\n\f\v";
    char *copy, *part, *last;
    const char *typed = NULL;
    int n = 0, i, qual;
    apr_status_t rv;

    if (len > TSR_SEARCH_TEXT_MAX) {
        return tsr_error_set(perr, p, 400, "bad_request", "text is longer "
                             "than %d bytes", TSR_SEARCH_TEXT_MAX);
    }
    if (memchr(text, '\0', len) != NULL) {
        return bad(perr, p, "%s holds a NUL byte", "text");
    }
    if (!tsr_json_utf8_valid(text, len)) {
        return bad(perr, p, "%s is not valid UTF-8", "text");
    }
    copy = tsr_search_lower(p, text, len);
    for (part = apr_strtok(copy, space, &last); part;
         part = apr_strtok(NULL, space, &last)) {
        if (++n > TSR_SEARCH_PARTS_MAX) {
            return tsr_error_set(perr, p, 400, "bad_request", "text has "
                                 "more than %d words and qualifiers",
                                 TSR_SEARCH_PARTS_MAX);
        }
        if ((rv = qualifier(q, p, part, &qual, perr)) != APR_SUCCESS) {
            return rv;
        }
        if (!qual) {
            apr_array_header_t *toks = tsr_search_tokens(p, part,
                                                         strlen(part));

            typed = typed ? apr_pstrcat(p, typed, " ", part, NULL) : part;
            apr_array_cat(q->words, toks);
        }
    }
    q->text = typed;
    /* Each word must be found; the last also as the start of a word. */
    for (i = 0; i < q->words->nelts; i++) {
        const char *w = APR_ARRAY_IDX(q->words, i, const char *);

        must(q, p, TSR_SEARCH_T_WORD, w,
             i == q->words->nelts - 1 && strlen(w) >= TSR_SEARCH_PREFIX_MIN);
    }
    if (q->clauses->nelts == 0 && !q->nothing) {
        return tsr_error_set(perr, p, 400, "bad_request", "text needs a "
                             "word to find, or a qualifier that selects "
                             "(author:, maintainer:, scope:, keywords:, "
                             "is:)");
    }
    return APR_SUCCESS;
}

/* A whole number from 0 to max, digits only. */
static int whole(const char *s, apr_size_t max, apr_size_t *pv)
{
    apr_size_t v = 0;

    if (*s == '\0' || strlen(s) > 9) {
        return 0;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9') {
            return 0;
        }
        v = v * 10 + (apr_size_t)(*s - '0');
    }
    *pv = v;
    return v <= max;
}

static int weight(const char *s, double *pv)
{
    char *end;
    double v;

    if (*s == '\0' || strlen(s) > 32) {
        return 0;
    }
    v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v) || v < 0 || v > 1) {
        return 0;
    }
    *pv = v;
    return 1;
}

apr_status_t tsr_search_parse_args(tsr_search_query_t **pq, apr_pool_t *p,
                                   const char *args, tsr_error_t **perr)
{
    tsr_search_query_t *q = apr_pcalloc(p, sizeof(*q));
    const char *text = NULL, *at, *amp, *eq;
    apr_size_t text_len = 0;

    q->words = apr_array_make(p, 4, sizeof(char *));
    q->clauses = apr_array_make(p, 4, sizeof(void *));
    q->exclude = apr_array_make(p, 2, sizeof(char *));
    q->boost_exact = 1;
    q->quality = 0.65;          /* npm's own defaults ("optimal") */
    q->popularity = 0.98;
    q->maintenance = 0.5;
    q->size = TSR_SEARCH_SIZE_DEFAULT;
    q->prefix_in_entries_max = TSR_SEARCH_PREFIX_IN_ENTRIES_MAX;
    q->stream_keep_max = TSR_SEARCH_STREAM_KEEP_MAX;
    if (args && strlen(args) > TSR_SEARCH_ARGS_MAX) {
        return tsr_error_set(perr, p, 400, "bad_request", "the query string "
                             "is longer than %d bytes", TSR_SEARCH_ARGS_MAX);
    }
    for (at = args; at && *at; at = amp ? amp + 1 : NULL) {
        apr_size_t klen, vlen, dlen;
        char *k, *v;

        amp = strchr(at, '&');
        klen = amp ? (apr_size_t)(amp - at) : strlen(at);
        eq = memchr(at, '=', klen);
        vlen = eq ? klen - (apr_size_t)(eq - at) - 1 : 0;
        klen = eq ? (apr_size_t)(eq - at) : klen;
        if ((k = tsr_search_unescape(p, at, klen, &dlen)) == NULL
            || (v = tsr_search_unescape(p, eq ? eq + 1 : "", vlen, &dlen))
                   == NULL) {
            return bad(perr, p, "%s has a '%%' that is not followed by two "
                       "hex digits", "the query string");
        }
        if (strcmp(k, "text") == 0) {
            text = v;
            text_len = dlen;
        }
        else if (strcmp(k, "size") == 0) {
            if (!whole(v, TSR_SEARCH_SIZE_MAX, &q->size) || q->size == 0) {
                return tsr_error_set(perr, p, 400, "bad_request", "size "
                                     "must be a whole number from 1 to %d",
                                     TSR_SEARCH_SIZE_MAX);
            }
        }
        else if (strcmp(k, "from") == 0) {
            if (!whole(v, TSR_SEARCH_FROM_MAX, &q->from)) {
                return tsr_error_set(perr, p, 400, "bad_request", "from "
                                     "must be a whole number from 0 to %d",
                                     TSR_SEARCH_FROM_MAX);
            }
        }
        else if ((strcmp(k, "quality") == 0 && !weight(v, &q->quality))
                 || (strcmp(k, "popularity") == 0
                     && !weight(v, &q->popularity))
                 || (strcmp(k, "maintenance") == 0
                     && !weight(v, &q->maintenance))) {
            return bad(perr, p, "%s must be a number from 0 to 1", k);
        }
    }
    if (text == NULL) {
        return bad(perr, p, "%s is required: the words to find, or "
                   "qualifiers such as keywords:<word>", "text");
    }
    *pq = q;
    return tsr_search_parse_text(q, p, text, text_len, perr);
}
