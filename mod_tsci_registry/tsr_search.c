/* tsr_search: running a query.  The posting list of each term is read, a
 * clause is the union of its alternatives' intersections, and the hits are
 * the intersection of the clauses, the smallest first, less the packages
 * of the excluded terms.  Each posting carries the package's brief
 * (tsr_search_posting.h), and the postings of the text's words say where
 * each word stands: a hit is scored from the lists alone.  Entries are
 * read only for the page (to show it, and to check it again), for a
 * package restricted to readers, and for a posting from before briefs.
 * Only the best from + size hits are kept in order, in a heap.  A query
 * of one term goes the cheaper way of tsr_search_stream.c first.  The
 * answer is written as text from the page's entries. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "tsr_json.h"
#include "tsr_search.h"
#include "tsr_search_entry.h"
#include "tsr_search_int.h"
#include "tsr_search_posting.h"
#include "tsr_search_text.h"

/* What an exact name match adds to its score: more than any other score
 * can be, so it comes first (the public registry's answers show the same
 * figure). */
#define EXACT_BOOST 100000.0
/* Maintenance: a release's weight halves every this many days. */
#define HALF_LIFE_DAYS 180.0
/* Popularity: this many stars make 0.5. */
#define STARS_HALF 10.0


/* ---- sets of candidates: arrays of cand_t, sorted by name, no
 * duplicates */

typedef struct cand_t {
    const tsr_search_posting_t *post;
    apr_uint64_t head;          /* the name's first 8 bytes, big-endian:
                                 * most comparisons end there */
    double rel;                 /* the words' matches met so far, summed */
} cand_t;

static apr_uint64_t head_of(const char *name)
{
    apr_uint64_t h = 0;
    int i;

    for (i = 0; i < 8; i++) {
        h = (h << 8) | (unsigned char)*name;
        name += *name != '\0';
    }
    return h;
}

/* The names' order (strcmp's). */
static int cmp_cand(const void *a, const void *b)
{
    const cand_t *x = a, *y = b;

    if (x->head != y->head) {
        return x->head < y->head ? -1 : 1;
    }
    /* The same first 8 bytes: a NUL among them ends both names. */
    if ((x->head & 0xff) == 0) {
        return 0;
    }
    return strcmp(x->post->name + 8, y->post->name + 8);
}

/* Of two candidates for one package, the one to keep: a brief if either
 * has one. */
static const tsr_search_posting_t *either(const tsr_search_posting_t *x,
                                          const tsr_search_posting_t *y)
{
    return x->brief ? x : y;
}

/* Merge the sorted runs of e (n candidates) into one, through tmp (room
 * for n): a prefix's postings come a sorted list per term, one after
 * another, so merging the runs costs far less than sorting them anew. */
static void merge_runs(cand_t *e, cand_t *tmp, int n)
{
    cand_t *from = e, *to = tmp, *t;
    int runs, i, a, b, a_end, b_end, k;

    do {
        runs = 0;
        for (i = 0, k = 0; i < n; runs++) {
            for (a = i, a_end = i + 1;
                 a_end < n && cmp_cand(&from[a_end - 1], &from[a_end]) <= 0;
                 a_end++) {
            }
            for (b = a_end, b_end = b < n ? b + 1 : b;
                 b_end < n && cmp_cand(&from[b_end - 1], &from[b_end]) <= 0;
                 b_end++) {
            }
            while (a < a_end || b < b_end) {
                to[k++] = b >= b_end || (a < a_end
                                         && cmp_cand(&from[a], &from[b]) <= 0)
                          ? from[a++] : from[b++];
            }
            i = b_end;
        }
        t = from;
        from = to;
        to = t;
    } while (runs > 1);
    if (from != e) {
        memcpy(e, from, n * sizeof(cand_t));
    }
}

/* Order a by name and merge a package's candidates into one, with the
 * best match (the postings of a prefix's terms name a package once a
 * term). */
static void make_set(apr_pool_t *p, apr_array_header_t *a)
{
    cand_t *e = (cand_t *)a->elts;
    int i, n = 0, sorted = 1;

    for (i = 1; i < a->nelts && sorted; i++) {
        sorted = cmp_cand(&e[i - 1], &e[i]) < 0;
    }
    if (!sorted) {
        merge_runs(e, apr_palloc(p, a->nelts * sizeof(cand_t)), a->nelts);
    }
    for (i = 0; i < a->nelts; i++) {
        if (n > 0 && cmp_cand(&e[n - 1], &e[i]) == 0) {
            e[n - 1].post = either(e[n - 1].post, e[i].post);
            e[n - 1].rel = e[i].rel > e[n - 1].rel ? e[i].rel
                                                   : e[n - 1].rel;
        }
        else {
            e[n++] = e[i];
        }
    }
    a->nelts = n;
}

/* A table of candidates by name (open addressing, FNV-1a): how a set is
 * made without ordering it, and how a set meets postings that come in no
 * order. */
typedef struct table_t {
    const cand_t *e;            /* the candidates the slots point at */
    int *slot;                  /* index into e, or -1 */
    apr_size_t mask;
} table_t;

static void table_make(table_t *t, apr_pool_t *p, const cand_t *e, int n)
{
    apr_size_t size = 16;

    while (size < 2 * (apr_size_t)n) {
        size *= 2;
    }
    t->e = e;
    t->mask = size - 1;
    t->slot = apr_palloc(p, size * sizeof(int));
    memset(t->slot, 0xff, size * sizeof(int));      /* -1: empty */
}

/* The slot of c's name: holding its candidate, or empty. */
static int *table_slot(const table_t *t, const cand_t *c)
{
    apr_size_t h = 2166136261u;
    const char *s;

    for (s = c->post->name; *s; s++) {
        h = (h ^ (unsigned char)*s) * 16777619u;
    }
    for (h &= t->mask; t->slot[h] >= 0 && cmp_cand(&t->e[t->slot[h]], c) != 0;
         h = (h + 1) & t->mask) {
    }
    return &t->slot[h];
}

/* Merge a package's candidates into one, with the best match, in no
 * particular order: for a query of one term, whose candidates meet no
 * other set, the table does it without the merging of make_set (a short
 * prefix's postings come in a thousand sorted lists). */
static void make_unordered_set(apr_pool_t *p, apr_array_header_t *a)
{
    cand_t *e = (cand_t *)a->elts;
    table_t t;
    int *slot, i, n = 0;

    table_make(&t, p, e, a->nelts);
    for (i = 0; i < a->nelts; i++) {
        if (*(slot = table_slot(&t, &e[i])) >= 0) {
            cand_t *k = &e[*slot];

            k->post = either(k->post, e[i].post);
            k->rel = e[i].rel > k->rel ? e[i].rel : k->rel;
        }
        else {
            /* n <= i: moving the new one down keeps every slot's index
             * pointing at a kept candidate. */
            e[n] = e[i];
            *slot = n++;
        }
    }
    a->nelts = n;
}

/* The candidates of a (a set) that are also in b (candidates in no
 * order, a package perhaps more than once), with the best of b's matches
 * added: a's order stays, and b is never ordered. */
static apr_array_header_t *meet_unordered(apr_pool_t *p,
                                          const apr_array_header_t *a,
                                          const apr_array_header_t *b)
{
    const cand_t *x = (const cand_t *)a->elts, *y = (const cand_t *)b->elts;
    apr_array_header_t *out = apr_array_make(p, a->nelts + 1,
                                             sizeof(cand_t));
    double *best = apr_palloc(p, (a->nelts + 1) * sizeof(double));
    table_t t;
    int *slot, i;

    table_make(&t, p, x, a->nelts);
    for (i = 0; i < a->nelts; i++) {
        *table_slot(&t, &x[i]) = i;
        best[i] = -1;               /* not in b */
    }
    for (i = 0; i < b->nelts; i++) {
        if (*(slot = table_slot(&t, &y[i])) >= 0 && y[i].rel > best[*slot]) {
            best[*slot] = y[i].rel;
        }
    }
    for (i = 0; i < a->nelts; i++) {
        if (best[i] >= 0) {
            cand_t *c = apr_array_push(out);

            *c = x[i];
            c->rel += best[i];
        }
    }
    return out;
}

/* The candidates in both a and b (their matches add up), or, with
 * minus set, those of a not in b. */
static apr_array_header_t *intersect(apr_pool_t *p,
                                     const apr_array_header_t *a,
                                     const apr_array_header_t *b, int minus)
{
    apr_array_header_t *out = apr_array_make(p, a->nelts + 1,
                                             sizeof(cand_t));
    const cand_t *x = (const cand_t *)a->elts, *y = (const cand_t *)b->elts;
    int i = 0, j = 0, d;

    while (i < a->nelts) {
        d = j < b->nelts ? cmp_cand(&x[i], &y[j]) : -1;
        if (d == 0) {
            if (!minus) {
                cand_t *c = apr_array_push(out);

                c->post = either(x[i].post, y[j].post);
                c->head = x[i].head;
                c->rel = x[i].rel + y[j].rel;
            }
            i++;
            j++;
        }
        else if (d < 0) {
            if (minus) {
                *(cand_t *)apr_array_push(out) = x[i];
            }
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
    make_set(p, out);
    return out;
}

/* How well a word matches where its posting says it stands: in the name
 * (1), a keyword (0.6) or the description (0.3); less when the posting's
 * term only begins with the (last, prefix) word. */
double tsr_search_word_score(const tsr_search_posting_t *o, int exact)
{
    double m = o->place & TSR_SEARCH_IN_NAME ? 1.0
               : o->place & TSR_SEARCH_IN_KEYWORDS ? 0.6
               : o->place & TSR_SEARCH_IN_DESCRIPTION ? 0.3 : 0;

    return exact ? m : m * 0.7;
}

/* What the reading of postings learnt of the store. */
typedef struct reading_t {
    tsr_store_t *store;
    int entries;                /* score from entries: some posting had no
                                 * brief, or a prefix is checked in them */
} reading_t;

/* The packages of one term, as candidates scored for its word: with
 * ordered 1 a set in order, 0 a set in no order, -1 as read (in no order,
 * a package perhaps more than once). */
static apr_status_t postings(apr_array_header_t **pset, apr_pool_t *p,
                             reading_t *rd, const tsr_search_term_t *t,
                             int ordered)
{
    apr_array_header_t *posts, *set;
    int word = strncmp(t->key, TSR_SEARCH_T_WORD,
                       sizeof(TSR_SEARCH_T_WORD) - 1) == 0;
    apr_status_t rv = tsr_store_search_postings(rd->store, p, t->key,
                                                t->prefix, &posts);
    int i;

    if (rv != APR_SUCCESS) {
        return rv;
    }
    set = apr_array_make(p, posts->nelts + 1, sizeof(cand_t));
    for (i = 0; i < posts->nelts; i++) {
        const tsr_search_posting_t *o = &APR_ARRAY_IDX(posts, i,
                                                       tsr_search_posting_t);
        cand_t *c = apr_array_push(set);

        c->post = o;
        c->head = head_of(o->name);
        c->rel = word && o->brief
                     ? tsr_search_word_score(o, o->exact || !t->prefix) : 0;
        rd->entries |= !o->brief;
    }
    if (ordered == 1) {
        make_set(p, set);
    }
    else if (ordered == 0) {
        make_unordered_set(p, set);
    }
    *pset = set;
    return APR_SUCCESS;
}

/* The packages that meet a clause: any alternative, all of its terms. */
static apr_status_t clause_set(apr_array_header_t **pset, apr_pool_t *p,
                               reading_t *rd,
                               const apr_array_header_t *alts)
{
    apr_array_header_t *out = apr_array_make(p, 1, sizeof(cand_t));
    apr_array_header_t *alt, *got;
    apr_status_t rv;
    int i, j;

    for (i = 0; i < alts->nelts; i++) {
        apr_array_header_t *terms = APR_ARRAY_IDX(alts, i,
                                                  apr_array_header_t *);

        alt = NULL;
        for (j = 0; j < terms->nelts; j++) {
            rv = postings(&got, p, rd,
                          &APR_ARRAY_IDX(terms, j, tsr_search_term_t), 1);
            if (rv != APR_SUCCESS) {
                return rv;
            }
            alt = alt ? intersect(p, alt, got, 0) : got;
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

/* The candidates that meet every clause of q and have none of its
 * excluded terms.  A prefix ("lef": every word that begins so) may stand
 * for thousands of terms and most packages: when other clauses leave few
 * candidates (or their postings carry no briefs, from a store written
 * before them: their entries are read anyway), the prefix is not read
 * from the index but checked in each candidate's entry (*pprefix), and
 * the hits are scored from their entries. */
static apr_status_t candidates(apr_array_header_t **pset,
                               const char **pprefix, apr_pool_t *p,
                               reading_t *rd, const tsr_search_query_t *q)
{
    apr_array_header_t *sets = apr_array_make(p, q->clauses->nelts,
                                              sizeof(void *));
    apr_array_header_t *out, *set;
    const apr_array_header_t *alts, *deferred = NULL;
    apr_status_t rv;
    int i;

    *pprefix = NULL;
    if (q->clauses->nelts == 1 && q->exclude->nelts == 0) {
        const apr_array_header_t *terms;

        alts = APR_ARRAY_IDX(q->clauses, 0, apr_array_header_t *);
        terms = APR_ARRAY_IDX(alts, 0, const apr_array_header_t *);
        if (alts->nelts == 1 && terms->nelts == 1) {
            /* One term (one word, most often): its candidates meet no
             * other set, so they need no order. */
            return postings(pset, p, rd,
                            &APR_ARRAY_IDX(terms, 0, tsr_search_term_t), 0);
        }
    }
    for (i = 0; i < q->clauses->nelts; i++) {
        alts = APR_ARRAY_IDX(q->clauses, i, apr_array_header_t *);
        if (q->clauses->nelts > 1 && deferred == NULL
            && lone_prefix(alts) != NULL) {
            deferred = alts;
            continue;
        }
        if ((rv = clause_set(&set, p, rd, alts)) != APR_SUCCESS) {
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
    /* The smallest set says whether the prefix is checked in entries. */
    if (deferred && (rd->entries
                     || (apr_size_t)out->nelts <= q->prefix_in_entries_max)) {
        *pprefix = lone_prefix(deferred);
        rd->entries = 1;
    }
    for (i = 1; i < sets->nelts && out->nelts > 0; i++) {
        out = intersect(p, out, APR_ARRAY_IDX(sets, i,
                                              apr_array_header_t *), 0);
    }
    if (deferred && !*pprefix && out->nelts > 0) {
        /* The prefix's postings, as read, looked up among the others'
         * candidates: a thousand lists need no merging. */
        const apr_array_header_t *terms = APR_ARRAY_IDX(
            deferred, 0, const apr_array_header_t *);

        if ((rv = postings(&set, p, rd,
                           &APR_ARRAY_IDX(terms, 0, tsr_search_term_t), -1))
            != APR_SUCCESS) {
            return rv;
        }
        out = meet_unordered(p, out, set);
    }
    for (i = 0; i < q->exclude->nelts && out->nelts > 0; i++) {
        tsr_search_term_t t = { APR_ARRAY_IDX(q->exclude, i, const char *),
                                0 };

        if ((rv = postings(&set, p, rd, &t, 1)) != APR_SUCCESS) {
            return rv;
        }
        out = intersect(p, out, set, 1);
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

/* What a hit is scored by, from its entry or from a posting's brief. */
typedef struct facts_t {
    const char *name;
    apr_int64_t released;
    apr_uint32_t stars, versions;
    double quality;
    int deprecated;
} facts_t;

int tsr_search_may_be_exact(const tsr_search_query_t *q, const char *name)
{
    /* The first byte, an ASCII capital made small (as the text is). */
    char c = *name >= 'A' && *name <= 'Z' ? (char)(*name - 'A' + 'a')
                                          : *name;

    return q->boost_exact && q->text && c == q->text[0];
}

static void score_facts(tsr_search_scores_t *sc, const tsr_search_query_t *q,
                        const facts_t *f, double relevance, apr_time_t now)
{
    double nowms = (double)apr_time_as_msec(now), days, wsum;
    double released = (double)f->released, versions = f->versions;

    sc->quality = f->quality;
    sc->popularity = f->stars / (f->stars + STARS_HALF);
    if (f->deprecated) {
        sc->maintenance = 0;
    }
    else {
        days = released > 0 && nowms > released
                   ? (nowms - released) / 86400000.0 : 0;
        sc->maintenance = (released > 0
                               ? 0.7 * exp2(-days / HALF_LIFE_DAYS) : 0)
                          + 0.3 * (versions >= 10 ? 1 : versions / 10);
    }
    wsum = q->quality + q->popularity + q->maintenance;
    sc->final = wsum > 0 ? (q->quality * sc->quality
                            + q->popularity * sc->popularity
                            + q->maintenance * sc->maintenance) / wsum
                         : 0;
    sc->relevance = relevance;
    sc->search = sc->relevance * (0.5 + 0.5 * sc->final);
    /* The first letter first: most hits of a broad query are not it. */
    if (tsr_search_may_be_exact(q, f->name)
        && tsr_search_token_is(f->name, strlen(f->name), q->text,
                               strlen(q->text), 0)) {
        sc->search += EXACT_BOOST;
    }
}

void tsr_search_score(tsr_search_scores_t *sc, const tsr_search_query_t *q,
                      const tsr_search_entry_t *e, apr_time_t now)
{
    facts_t f = { e->name, e->released, e->stars, e->versions, e->quality,
                  e->deprecated };

    score_facts(sc, q, &f, relevance(q, e), now);
}

void tsr_search_score_posting(tsr_search_scores_t *sc,
                              const tsr_search_query_t *q,
                              const tsr_search_posting_t *o, double rel,
                              apr_time_t now)
{
    facts_t f = { o->name, o->released, o->stars, o->versions, o->quality,
                  o->deprecated };

    score_facts(sc, q, &f, q->words->nelts ? rel / q->words->nelts : 1,
                now);
}

/* Score candidate c from its posting's brief, when q read only postings
 * with briefs: its words' matches are in c->rel. */
static void score_brief(tsr_search_scores_t *sc, const tsr_search_query_t *q,
                        const cand_t *c, apr_time_t now)
{
    tsr_search_score_posting(sc, q, c->post, c->rel, now);
}

/* ---- the run */

int tsr_search_cmp_hit(const void *a, const void *b)
{
    const hit_t *x = a, *y = b;

    if (x->sc.search != y->sc.search) {
        return x->sc.search > y->sc.search ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}

void tsr_search_sift_down(best_t *b, apr_size_t i)
{
    hit_t t;
    apr_size_t c;

    while ((c = 2 * i + 1) < b->n) {
        /* The worse child: tsr_search_cmp_hit orders better first. */
        if (c + 1 < b->n && tsr_search_cmp_hit(&b->h[c + 1], &b->h[c]) > 0) {
            c++;
        }
        if (tsr_search_cmp_hit(&b->h[c], &b->h[i]) <= 0) {
            break;
        }
        t = b->h[i];
        b->h[i] = b->h[c];
        b->h[c] = t;
        i = c;
    }
}

void tsr_search_keep(best_t *b, const hit_t *h)
{
    apr_size_t i, up;
    hit_t t;

    if (b->max == 0) {
        return;
    }
    if (b->n < b->max) {
        b->h[i = b->n++] = *h;
        while (i > 0
               && tsr_search_cmp_hit(&b->h[i], &b->h[up = (i - 1) / 2]) > 0) {
            t = b->h[i];
            b->h[i] = b->h[up];
            b->h[up] = t;
            i = up;
        }
    }
    else if (tsr_search_cmp_hit(h, &b->h[0]) < 0) {
        b->h[0] = *h;
        tsr_search_sift_down(b, 0);
    }
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

static apr_status_t store_failed(tsr_error_t **perr, apr_pool_t *p)
{
    return tsr_error_set(perr, p, 503, NULL, "the registry store is "
                         "unavailable, try again");
}

/* Score every candidate into best: from its brief when the query read
 * only postings with briefs (an entry only for a restricted package, to
 * know its readers), else from its entry. */
static apr_status_t score_all(best_t *best, apr_pool_t *p,
                              tsr_store_t *store, const tsr_search_query_t *q,
                              const apr_array_header_t *cands, int briefs,
                              const char *prefix, apr_time_t now,
                              tsr_search_may_read_fn *may_read, void *baton)
{
    apr_pool_t *one;
    tsr_search_entry_t e;
    apr_status_t rv = APR_SUCCESS;
    hit_t h;
    int i;

    apr_pool_create(&one, p);
    for (i = 0; i < cands->nelts && rv == APR_SUCCESS; i++) {
        const cand_t *c = &APR_ARRAY_IDX(cands, i, cand_t);

        h.name = c->post->name;
        if (briefs && !c->post->restricted) {
            if (may_read(baton, h.name, NULL)) {
                score_brief(&h.sc, q, c, now);
                best->total++;
                tsr_search_keep(best, &h);
            }
            continue;
        }
        if (hit_entry(&e, one, store, q, prefix, h.name, may_read, baton,
                      &rv)) {
            if (briefs) {
                score_brief(&h.sc, q, c, now);
            }
            else {
                tsr_search_score(&h.sc, q, &e, now);
            }
            best->total++;
            tsr_search_keep(best, &h);
        }
        apr_pool_clear(one);
    }
    apr_pool_destroy(one);
    return rv;
}

/* ---- the answer's text */

/* The answer's text grows in an array of bytes (APR doubles its room). */
static void text_add(apr_array_header_t *t, const char *s, apr_size_t n)
{
    apr_array_header_t more;

    more.pool = t->pool;
    more.elt_size = 1;
    more.nelts = more.nalloc = (int)n;
    more.elts = (char *)s;
    apr_array_cat(t, &more);
}

static void text_str(apr_array_header_t *t, const char *s)
{
    text_add(t, s, strlen(s));
}

/* A hit as npm reads it, made without parsing anything: the entry's
 * record is an object of "package" and "flags" (tsr_search_entry.c
 * writes it), so the hit is that text with the scores added before its
 * closing brace.  0 when the record is not an object (nothing added). */
static int hit_text(apr_array_header_t *t, const char *rec, apr_size_t len,
                    const tsr_search_scores_t *sc, int first)
{
    apr_size_t open = 0, close = len, k;
    int empty = 1;

    while (open < len && apr_isspace(rec[open])) {
        open++;
    }
    while (close > open && apr_isspace(rec[close - 1])) {
        close--;
    }
    if (close - open < 2 || rec[open] != '{' || rec[close - 1] != '}') {
        return 0;
    }
    for (k = open + 1; k < close - 1 && empty; k++) {
        empty = apr_isspace(rec[k]);
    }
    if (!first) {
        text_add(t, ",", 1);
    }
    text_add(t, rec + open, close - 1 - open);
    text_str(t, apr_psprintf(t->pool, "%s\"score\":{\"final\":%.4f,"
                             "\"detail\":{\"quality\":%.4f,"
                             "\"popularity\":%.4f,\"maintenance\":%.4f}},"
                             "\"searchScore\":%.4f}", empty ? "" : ",",
                             sc->final, sc->quality, sc->popularity,
                             sc->maintenance, sc->search));
    return 1;
}

apr_status_t tsr_search_run_text(const char **pbody, apr_size_t *plen,
                                 apr_pool_t *p, tsr_store_t *store,
                                 const tsr_search_query_t *q, apr_time_t now,
                                 tsr_search_may_read_fn *may_read,
                                 void *baton, tsr_error_t **perr)
{
    apr_array_header_t *cands;
    apr_pool_t *scratch;
    tsr_search_entry_t e;
    reading_t rd = { store, 0 };
    const char *prefix = NULL;
    const tsr_search_term_t *t;
    apr_status_t rv = APR_SUCCESS;
    int streamed = 0, shown = 0;
    apr_array_header_t *out = apr_array_make(p, 16384, 1);
    best_t best;
    apr_size_t i;

    memset(&best, 0, sizeof(best));
    best.max = q->from + q->size;
    apr_pool_create(&scratch, p);
    if (!q->nothing && (t = tsr_search_stream_term(q)) != NULL) {
        best.h = apr_palloc(scratch, (best.max + 1) * sizeof(hit_t));
        rv = tsr_search_stream(&best, scratch, store, q, t, now, may_read,
                               baton);
        if (rv != APR_SUCCESS && rv != TSR_ESTOPPED) {
            apr_pool_destroy(scratch);
            return store_failed(perr, p);
        }
        streamed = rv == APR_SUCCESS;
        rv = APR_SUCCESS;
    }
    if (!q->nothing && !streamed) {
        if (candidates(&cands, &prefix, scratch, &rd, q) != APR_SUCCESS) {
            apr_pool_destroy(scratch);
            return store_failed(perr, p);
        }
        if (best.max > (apr_size_t)cands->nelts) {
            best.max = (apr_size_t)cands->nelts;
        }
        best.h = apr_palloc(scratch, (best.max + 1) * sizeof(hit_t));
        if (score_all(&best, scratch, store, q, cands, !rd.entries, prefix,
                      now, may_read, baton) != APR_SUCCESS) {
            apr_pool_destroy(scratch);
            return store_failed(perr, p);
        }
    }
    if (best.n > 1) {
        qsort(best.h, best.n, sizeof(hit_t), tsr_search_cmp_hit);
    }
    text_str(out, "{\"objects\":[");
    for (i = q->from; i < best.n; i++) {
        hit_t *h = &best.h[i];

        /* Changed since it was scored: shown as it is now, or left out
         * when it is no hit any more. */
        if (hit_entry(&e, p, store, q, prefix, h->name, may_read, baton,
                      &rv)) {
            shown += hit_text(out, e.record, e.record_len, &h->sc,
                              shown == 0);
        }
        if (rv != APR_SUCCESS) {
            apr_pool_destroy(scratch);
            return store_failed(perr, p);
        }
    }
    /* The page's names live in scratch: it goes once the page is made. */
    apr_pool_destroy(scratch);
    text_str(out, apr_psprintf(p, "],\"total\":%" APR_SIZE_T_FMT
                                ",\"time\":\"%s\"}", best.total,
                                tsr_json_time(p, now)));
    *plen = (apr_size_t)out->nelts;
    *(char *)apr_array_push(out) = '\0';
    *pbody = out->elts;
    return APR_SUCCESS;
}

apr_status_t tsr_search_run(json_object **pres, apr_pool_t *p,
                            tsr_store_t *store, const tsr_search_query_t *q,
                            apr_time_t now, tsr_search_may_read_fn *may_read,
                            void *baton, tsr_error_t **perr)
{
    const char *body;
    apr_size_t len;
    apr_status_t rv;

    rv = tsr_search_run_text(&body, &len, p, store, q, now, may_read, baton,
                             perr);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (tsr_json_parse(pres, p, body, len, 32, NULL) != APR_SUCCESS) {
        return tsr_error_set(perr, p, 500, NULL, "a search answer that is "
                             "not JSON");
    }
    return APR_SUCCESS;
}
