/* tsr_search: running a query.  The posting list of each term is read
 * (sorted, without duplicates), a clause is the union of its alternatives'
 * intersections, and the hits are the intersection of the clauses, the
 * smallest first.  Only those packages' entries are read: to leave out the
 * excluded and the unreadable, and to score.  The page is then read again,
 * so that the records of all hits are never held at once. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "tsr_json.h"
#include "tsr_search.h"
#include "tsr_search_entry.h"
#include "tsr_search_text.h"

/* What an exact name match adds to its score: more than any other score
 * can be, so it comes first (the public registry's answers show the same
 * figure). */
#define EXACT_BOOST 100000.0
/* Maintenance: a release's weight halves every this many days. */
#define HALF_LIFE_DAYS 180.0
/* Popularity: this many stars make 0.5. */
#define STARS_HALF 10.0

/* ---- sets of names: arrays of char *, sorted by strcmp, no duplicates */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void make_set(apr_array_header_t *a)
{
    char **e = (char **)a->elts;
    int i, n = 0;

    qsort(e, a->nelts, sizeof(char *), cmp_str);
    for (i = 0; i < a->nelts; i++) {
        if (n == 0 || strcmp(e[n - 1], e[i]) != 0) {
            e[n++] = e[i];
        }
    }
    a->nelts = n;
}

static apr_array_header_t *intersect(apr_pool_t *p,
                                     const apr_array_header_t *a,
                                     const apr_array_header_t *b)
{
    apr_array_header_t *out = apr_array_make(p, a->nelts < b->nelts
                                                    ? a->nelts + 1
                                                    : b->nelts + 1,
                                             sizeof(char *));
    char **x = (char **)a->elts, **y = (char **)b->elts;
    int i = 0, j = 0, d;

    while (i < a->nelts && j < b->nelts) {
        if ((d = strcmp(x[i], y[j])) == 0) {
            APR_ARRAY_PUSH(out, char *) = x[i];
            i++;
            j++;
        }
        else if (d < 0) {
            i++;
        }
        else {
            j++;
        }
    }
    return out;
}

static apr_array_header_t *unite(apr_pool_t *p, const apr_array_header_t *a,
                                 const apr_array_header_t *b)
{
    apr_array_header_t *out = apr_array_copy(p, a);

    apr_array_cat(out, b);
    make_set(out);
    return out;
}

/* The packages of one term. */
static apr_status_t postings(apr_array_header_t **pset, apr_pool_t *p,
                             tsr_store_t *store, const tsr_search_term_t *t)
{
    apr_status_t rv = tsr_store_search_postings(store, p, t->key, t->prefix,
                                                pset);

    if (rv == APR_SUCCESS) {
        make_set(*pset);
    }
    return rv;
}

/* The packages that meet a clause: any alternative, all of its terms. */
static apr_status_t clause_set(apr_array_header_t **pset, apr_pool_t *p,
                               tsr_store_t *store,
                               const apr_array_header_t *alts)
{
    apr_array_header_t *out = apr_array_make(p, 1, sizeof(char *));
    apr_array_header_t *alt, *got;
    apr_status_t rv;
    int i, j;

    for (i = 0; i < alts->nelts; i++) {
        apr_array_header_t *terms = APR_ARRAY_IDX(alts, i,
                                                  apr_array_header_t *);

        alt = NULL;
        for (j = 0; j < terms->nelts; j++) {
            rv = postings(&got, p, store,
                          &APR_ARRAY_IDX(terms, j, tsr_search_term_t));
            if (rv != APR_SUCCESS) {
                return rv;
            }
            alt = alt ? intersect(p, alt, got) : got;
            if (alt->nelts == 0) {
                break;
            }
        }
        if (alt) {
            out = unite(p, out, alt);
        }
    }
    *pset = out;
    return APR_SUCCESS;
}

static int cmp_size(const void *a, const void *b)
{
    const apr_array_header_t *x = *(const apr_array_header_t *const *)a;
    const apr_array_header_t *y = *(const apr_array_header_t *const *)b;

    return (x->nelts > y->nelts) - (x->nelts < y->nelts);
}

/* The names that meet every clause of q. */
/* The prefix term of a clause that is nothing else (the text's last
 * word), or NULL. */
static const char *lone_prefix(const apr_array_header_t *alts)
{
    const apr_array_header_t *terms;
    const tsr_search_term_t *t;

    if (alts->nelts != 1) {
        return NULL;
    }
    terms = APR_ARRAY_IDX(alts, 0, const apr_array_header_t *);
    t = &APR_ARRAY_IDX(terms, 0, tsr_search_term_t);
    return terms->nelts == 1 && t->prefix ? t->key : NULL;
}

/* The names that meet every clause of q.  A prefix ("lef": every word
 * that begins so) may stand for thousands of terms: when other clauses
 * narrow the hits, it is not read from the index but checked in each
 * candidate's entry (*pprefix), which is read anyway. */
static apr_status_t candidates(apr_array_header_t **pset,
                               const char **pprefix, apr_pool_t *p,
                               tsr_store_t *store,
                               const tsr_search_query_t *q)
{
    apr_array_header_t *sets = apr_array_make(p, q->clauses->nelts,
                                              sizeof(void *));
    apr_array_header_t *out;
    apr_status_t rv;
    int i;

    *pprefix = NULL;
    for (i = 0; i < q->clauses->nelts; i++) {
        apr_array_header_t *set;
        const apr_array_header_t *alts = APR_ARRAY_IDX(q->clauses, i,
                                                       apr_array_header_t *);

        if (q->clauses->nelts > 1 && *pprefix == NULL
            && (*pprefix = lone_prefix(alts)) != NULL) {
            continue;
        }
        rv = clause_set(&set, p, store,
                        APR_ARRAY_IDX(q->clauses, i, apr_array_header_t *));
        if (rv != APR_SUCCESS) {
            return rv;
        }
        if (set->nelts == 0) {
            *pset = set;
            return APR_SUCCESS;
        }
        APR_ARRAY_PUSH(sets, apr_array_header_t *) = set;
    }
    qsort(sets->elts, sets->nelts, sizeof(void *), cmp_size);
    out = APR_ARRAY_IDX(sets, 0, apr_array_header_t *);
    for (i = 1; i < sets->nelts && out->nelts > 0; i++) {
        out = intersect(p, out, APR_ARRAY_IDX(sets, i,
                                              apr_array_header_t *));
    }
    *pset = out;
    return APR_SUCCESS;
}

/* ---- scores */

/* How well word w (wl bytes) matches the tokens of text: full if it is
 * one of them, less if it only begins one (and may: the text's last
 * word). */
static double word_match(const char *text, const char *w, apr_size_t wl,
                         int prefix, double full)
{
    apr_size_t pos = 0, n, len = strlen(text);
    const char *tok;
    double best = 0;

    while (best < full && tsr_search_token_next(text, len, &pos, &tok, &n)) {
        if (tsr_search_token_is(tok, n, w, wl, 0)) {
            best = full;
        }
        else if (prefix && tsr_search_token_is(tok, n, w, wl, 1)) {
            best = full * 0.7;
        }
    }
    return best;
}

/* Relevance: each word's best match, in the name (1), a keyword (0.6) or
 * the description (0.3), averaged over the words. */
static double relevance(const tsr_search_query_t *q,
                        const tsr_search_entry_t *e)
{
    double sum = 0, m;
    int i;

    if (q->words->nelts == 0) {
        return 1;
    }
    for (i = 0; i < q->words->nelts; i++) {
        const char *w = APR_ARRAY_IDX(q->words, i, const char *);
        apr_size_t wl = strlen(w);
        int prefix = i == q->words->nelts - 1
                     && wl >= TSR_SEARCH_PREFIX_MIN;
        double best = word_match(e->name, w, wl, prefix, 1.0);

        if (best < 0.6) {
            m = word_match(e->keywords, w, wl, prefix, 0.6);
            best = m > best ? m : best;
        }
        if (best < 0.3) {
            m = word_match(e->description, w, wl, prefix, 0.3);
            best = m > best ? m : best;
        }
        sum += best;
    }
    return sum / q->words->nelts;
}

void tsr_search_score(tsr_search_scores_t *sc, const tsr_search_query_t *q,
                      const tsr_search_entry_t *e, apr_time_t now)
{
    double nowms = (double)apr_time_as_msec(now), days, wsum;
    double released = (double)e->released, versions = e->versions;

    sc->quality = e->quality;
    sc->popularity = e->stars / (e->stars + STARS_HALF);
    if (e->deprecated) {
        sc->maintenance = 0;
    }
    else {
        days = released > 0 && nowms > released
                   ? (nowms - released) / 86400000.0 : 0;
        sc->maintenance = (released > 0
                               ? 0.7 * pow(0.5, days / HALF_LIFE_DAYS) : 0)
                          + 0.3 * (versions >= 10 ? 1 : versions / 10);
    }
    wsum = q->quality + q->popularity + q->maintenance;
    sc->final = wsum > 0 ? (q->quality * sc->quality
                            + q->popularity * sc->popularity
                            + q->maintenance * sc->maintenance) / wsum
                         : 0;
    sc->relevance = relevance(q, e);
    sc->search = sc->relevance * (0.5 + 0.5 * sc->final);
    if (q->boost_exact && q->text
        && tsr_search_token_is(e->name, strlen(e->name), q->text,
                               strlen(q->text), 0)) {
        sc->search += EXACT_BOOST;
    }
}

/* ---- the run */

typedef struct hit_t {
    const char *name;
    tsr_search_scores_t sc;
} hit_t;

static int cmp_hit(const void *a, const void *b)
{
    const hit_t *x = a, *y = b;

    if (x->sc.search != y->sc.search) {
        return x->sc.search > y->sc.search ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}

/* name's entry (its blob in p), when it is a hit: indexed, none of the
 * excluded terms, readable by the asker.  0 otherwise; a store failure in
 * *prv. */
static int hit_entry(tsr_search_entry_t *e, apr_pool_t *p,
                     tsr_store_t *store, const tsr_search_query_t *q,
                     const char *prefix, const char *name,
                     tsr_search_may_read_fn *may_read, void *baton,
                     apr_status_t *prv)
{
    const char *blob;
    apr_size_t len;
    int i;

    *prv = tsr_store_search_entry(store, p, name, &blob, &len);
    if (*prv == TSR_ENOTFOUND) {
        *prv = APR_SUCCESS;         /* gone since the postings were read */
        return 0;
    }
    if (*prv != APR_SUCCESS
        || tsr_search_entry_decode(e, blob, len) != APR_SUCCESS) {
        return 0;
    }
    for (i = 0; i < q->exclude->nelts; i++) {
        if (tsr_search_entry_has_term(e, APR_ARRAY_IDX(q->exclude, i,
                                                       const char *))) {
            return 0;
        }
    }
    if (prefix && !tsr_search_entry_has_prefix(e, prefix)) {
        return 0;
    }
    return may_read(baton, name, e->readers);
}

static json_object *number(apr_pool_t *p, double v)
{
    return json_object_new_double_s(v, apr_psprintf(p, "%.4f", v));
}

static json_object *hit_object(apr_pool_t *p, json_object *rec,
                               const tsr_search_scores_t *sc)
{
    json_object *o = json_object_new_object(), *score, *detail, *v;

    json_object_object_get_ex(rec, "package", &v);
    json_object_object_add(o, "package", tsr_json_copy(v));
    score = json_object_new_object();
    json_object_object_add(score, "final", number(p, sc->final));
    detail = json_object_new_object();
    json_object_object_add(detail, "quality", number(p, sc->quality));
    json_object_object_add(detail, "popularity", number(p, sc->popularity));
    json_object_object_add(detail, "maintenance",
                           number(p, sc->maintenance));
    json_object_object_add(score, "detail", detail);
    json_object_object_add(o, "score", score);
    json_object_object_add(o, "searchScore", number(p, sc->search));
    json_object_object_get_ex(rec, "flags", &v);
    json_object_object_add(o, "flags", v ? tsr_json_copy(v)
                                         : json_object_new_object());
    return o;
}

static apr_status_t store_failed(tsr_error_t **perr, apr_pool_t *p)
{
    return tsr_error_set(perr, p, 503, NULL, "the registry store is "
                         "unavailable, try again");
}

apr_status_t tsr_search_run(json_object **pres, apr_pool_t *p,
                            tsr_store_t *store, const tsr_search_query_t *q,
                            apr_time_t now, tsr_search_may_read_fn *may_read,
                            void *baton, tsr_error_t **perr)
{
    json_object *res = tsr_json_own(p, json_object_new_object());
    json_object *objects = json_object_new_array(), *rec;
    apr_array_header_t *names, *hits;
    apr_pool_t *scratch, *one;
    tsr_search_entry_t e;
    const char *prefix = NULL;
    apr_status_t rv = APR_SUCCESS;
    apr_size_t i, end;

    json_object_object_add(res, "objects", objects);
    hits = apr_array_make(p, 16, sizeof(hit_t));
    scratch = NULL;
    if (!q->nothing) {
        apr_pool_create(&scratch, p);
        if (candidates(&names, &prefix, scratch, store, q)
            != APR_SUCCESS) {
            apr_pool_destroy(scratch);
            return store_failed(perr, p);
        }
        apr_pool_create(&one, scratch);
        for (i = 0; i < (apr_size_t)names->nelts; i++) {
            const char *name = APR_ARRAY_IDX(names, i, const char *);

            if (hit_entry(&e, one, store, q, prefix, name, may_read, baton,
                          &rv)) {
                hit_t *h = apr_array_push(hits);

                h->name = name;
                tsr_search_score(&h->sc, q, &e, now);
            }
            apr_pool_clear(one);
            if (rv != APR_SUCCESS) {
                apr_pool_destroy(scratch);
                return store_failed(perr, p);
            }
        }
    }
    qsort(hits->elts, hits->nelts, sizeof(hit_t), cmp_hit);
    end = q->from + q->size;
    for (i = q->from; i < end && i < (apr_size_t)hits->nelts; i++) {
        hit_t *h = &APR_ARRAY_IDX(hits, i, hit_t);

        /* Changed since it was scored: shown as it is now, or left out
         * when it is no hit any more. */
        if (hit_entry(&e, p, store, q, prefix, h->name, may_read, baton,
                      &rv)
            && tsr_json_parse(&rec, p, e.record, e.record_len, 16, NULL)
                   == APR_SUCCESS
            && json_object_is_type(rec, json_type_object)) {
            json_object_array_add(objects, hit_object(p, rec, &h->sc));
        }
        if (rv != APR_SUCCESS) {
            if (scratch) {
                apr_pool_destroy(scratch);
            }
            return store_failed(perr, p);
        }
    }
    if (scratch) {
        apr_pool_destroy(scratch);
    }
    json_object_object_add(res, "total", json_object_new_int64(hits->nelts));
    tsr_json_set_str(res, "time", tsr_json_time(p, now));
    *pres = res;
    return APR_SUCCESS;
}
