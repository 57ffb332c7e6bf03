/* tsr_search_stream: a query of one term (`npm search <word>`, the most
 * common, or one qualifier) scored as its postings are read, none of
 * them kept (docs/search.md, "The index").  tsr_search.c runs it first,
 * and its general path answers when this one cannot. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_search_entry.h"
#include "tsr_search_int.h"

/* Fingerprints of the names say whether a prefix's lists named a
 * package before (for the total), and the heap keeps a package once,
 * with its best match.  The general path builds arrays of candidates and
 * a table of names first, at several times the cost a hit.  A posting
 * without a brief, or of a package restricted to readers, sends the
 * query back to the general path, which reads entries. */

/* A 64-bit fingerprint of a name: two names of one fingerprint (one
 * chance in 2^64 a pair) would count as one in the total.  Eight bytes
 * at a time (a byte at a time was a fifth of a hit's cost), each mixed
 * in by a multiply and a shift. */
static apr_uint64_t fingerprint(const char *name)
{
    apr_size_t n = strlen(name), i;
    apr_uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

    for (i = 0; i + 8 <= n; i += 8) {
        memcpy(&w, name + i, 8);    /* one load */
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    for (w = 0; i < n; i++) {
        w = (w << 8) | (unsigned char)name[i];
    }
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
    h = (h ^ (h >> 29)) * 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 32;
    return h ? h : 1;
}

/* A table of the fingerprints of a prefix's later postings (open
 * addressing, made at twice their number), each with what was learnt of
 * it: met in the first term's list, met among the later ones. */
#define MET_FIRST 1
#define MET_LATER 2

typedef struct marks_t {
    apr_uint64_t *f;
    unsigned char *state;
    apr_size_t mask;
} marks_t;

/* The slot of f: holding it, or empty. */
static apr_size_t mark_slot(const marks_t *m, apr_uint64_t f)
{
    apr_size_t i;

    for (i = (apr_size_t)(f ^ (f >> 29)) & m->mask; m->f[i] && m->f[i] != f;
         i = (i + 1) & m->mask) {
    }
    return i;
}

/* A posting of a prefix's second term's list or a later one: its
 * fingerprint, and its hit when it may be among the best. */
typedef struct later_t {
    apr_uint64_t f;
    int kept;
    hit_t h;
} later_t;

typedef struct stream_t {
    const tsr_search_query_t *q;
    const tsr_search_term_t *t;
    int word;                   /* the term is a word of the text */
    apr_time_t now;
    tsr_search_may_read_fn *may_read;
    void *baton;
    best_t *best;
    /* For a prefix: the fingerprints of the first term's postings, in
     * the order read (a list names a package once, so none of them is
     * met twice), and the postings of the later terms' lists, which may
     * name a package met before: whether they do is settled once the
     * scan is over, from a table of the later ones alone, most often
     * small (a word's own list comes first, then those of the few words
     * it begins), through one pass over the first ones. */
    int terms;
    apr_array_header_t *firsts;     /* of apr_uint64_t */
    apr_array_header_t *laters;     /* of later_t */
    apr_pool_t *p;              /* the kept hits' names */
    double wsum_inv;            /* 1 / the weights' sum, 0 if none */
} stream_t;

static void stream_restart(void *baton)
{
    stream_t *st = baton;

    st->best->n = 0;
    st->best->total = 0;
    st->terms = 0;
    st->firsts->nelts = 0;
    st->laters->nelts = 0;
}

static void stream_term_begins(void *baton)
{
    ((stream_t *)baton)->terms++;
}

/* Keep h (whose name is lent) among the best when it is one of them; a
 * package seen before (dup) is there at most once, with its better
 * match.  The caller counted it in the total. */
static void stream_offer(stream_t *st, const hit_t *h, int dup)
{
    best_t *b = st->best;
    apr_size_t i;
    hit_t kept;

    if (dup) {
        for (i = 0; i < b->n; i++) {
            if (strcmp(b->h[i].name, h->name) == 0) {
                if (tsr_search_cmp_hit(h, &b->h[i]) < 0) {
                    b->h[i].sc = h->sc;     /* better: further from the
                                             * root, the worst */
                    tsr_search_sift_down(b, i);
                }
                return;
            }
        }
    }
    if (b->n == b->max && tsr_search_cmp_hit(h, &b->h[0]) >= 0) {
        return;                     /* no better than the worst kept */
    }
    kept = *h;
    kept.name = apr_pstrdup(st->p, h->name);
    tsr_search_keep(b, &kept);
}

/* Whether o, whose words' matches sum to rel, cannot be among the best
 * kept, by a bound of its score that needs no division and no power:
 * popularity at most 1 when it has stars, recency at most 0.7 when it
 * has a release, and no exact name (its first letter tells).  Most hits
 * of a broad query are skipped so, once the heap is full. */
static int beneath_best(const stream_t *st, const tsr_search_posting_t *o,
                        double rel)
{
    const tsr_search_query_t *q = st->q;
    const best_t *b = st->best;
    double m, f;

    if (b->n < b->max || st->wsum_inv == 0
        || tsr_search_may_be_exact(q, o->name)) {
        return 0;
    }
    m = o->deprecated ? 0 : (o->released > 0 ? 0.7 : 0)
                            + (o->versions >= 10 ? 0.3 : 0.03 * o->versions);
    f = (q->quality * o->quality + q->popularity * (o->stars ? 1 : 0)
         + q->maintenance * m) * st->wsum_inv;
    rel = q->words->nelts ? rel / q->words->nelts : 1;
    /* A hair over the bound, so that rounding never skips a tie. */
    return rel * (0.5 + 0.5 * f) * (1 + 1e-9) < b->h[0].sc.search;
}

static int stream_one(void *baton, const tsr_search_posting_t *o)
{
    stream_t *st = baton;
    double rel;
    hit_t h;

    if (!o->brief || o->restricted) {
        return 1;                   /* for the general path */
    }
    if (!st->may_read(st->baton, o->name, NULL)) {
        return 0;
    }
    rel = st->word ? tsr_search_word_score(o, o->exact || !st->t->prefix)
                   : 0;
    if (st->t->prefix && st->terms > 1) {
        later_t *l = apr_array_push(st->laters);

        l->f = fingerprint(o->name);
        /* The worst kept only gets better: beneath it now, beneath it
         * when the later ones are offered. */
        l->kept = !beneath_best(st, o, rel);
        if (l->kept) {
            l->h.name = apr_pstrdup(st->p, o->name);
            tsr_search_score_posting(&l->h.sc, st->q, o, rel, st->now);
        }
        return 0;
    }
    if (st->t->prefix) {
        APR_ARRAY_PUSH(st->firsts, apr_uint64_t) = fingerprint(o->name);
    }
    st->best->total++;
    if (beneath_best(st, o, rel)) {
        return 0;
    }
    h.name = o->name;
    tsr_search_score_posting(&h.sc, st->q, o, rel, st->now);
    stream_offer(st, &h, 0);
    return 0;
}

/* Count and offer a prefix's later postings, now that all are read: a
 * package met in the first list, or before among the later ones, is
 * counted once and kept once, with its better match. */
static void stream_settle(stream_t *st)
{
    const later_t *laters = (const later_t *)st->laters->elts;
    const apr_uint64_t *firsts = (const apr_uint64_t *)st->firsts->elts;
    apr_size_t nlaters = (apr_size_t)st->laters->nelts;
    apr_size_t size = 16, i, at;
    marks_t m;
    int dup;

    if (nlaters == 0) {
        return;
    }
    while (size < 2 * nlaters) {
        size *= 2;
    }
    m.mask = size - 1;
    m.f = apr_pcalloc(st->p, size * sizeof(*m.f));
    m.state = apr_pcalloc(st->p, size);
    for (i = 0; i < nlaters; i++) {
        m.f[mark_slot(&m, laters[i].f)] = laters[i].f;
    }
    for (i = 0; i < (apr_size_t)st->firsts->nelts; i++) {
        at = mark_slot(&m, firsts[i]);
        if (m.f[at]) {
            m.state[at] |= MET_FIRST;
        }
    }
    for (i = 0; i < nlaters; i++) {
        const later_t *l = &laters[i];

        at = mark_slot(&m, l->f);
        dup = m.state[at] != 0;
        m.state[at] |= MET_LATER;
        if (!dup) {
            st->best->total++;
        }
        if (l->kept) {
            stream_offer(st, &l->h, dup);
        }
    }
}

/* A package met twice is looked for among the kept hits one by one:
 * q->stream_keep_max bounds them. */
const tsr_search_term_t *tsr_search_stream_term(const tsr_search_query_t *q)
{
    const apr_array_header_t *alts, *terms;

    if (q->clauses->nelts != 1 || q->exclude->nelts != 0
        || q->from + q->size > q->stream_keep_max) {
        return NULL;
    }
    alts = APR_ARRAY_IDX(q->clauses, 0, const apr_array_header_t *);
    if (alts->nelts != 1) {
        return NULL;
    }
    terms = APR_ARRAY_IDX(alts, 0, const apr_array_header_t *);
    return terms->nelts == 1 ? &APR_ARRAY_IDX(terms, 0, tsr_search_term_t)
                             : NULL;
}

int tsr_search_streams(const tsr_search_query_t *q)
{
    return !q->nothing && tsr_search_stream_term(q) != NULL;
}

apr_status_t tsr_search_stream(best_t *best, apr_pool_t *p,
                               tsr_store_t *store,
                               const tsr_search_query_t *q,
                               const tsr_search_term_t *t, apr_time_t now,
                               tsr_search_may_read_fn *may_read,
                               void *baton)
{
    stream_t st;
    tsr_search_visit_t v = { stream_one, stream_term_begins, stream_restart,
                             &st };
    apr_status_t rv;

    memset(&st, 0, sizeof(st));
    st.q = q;
    st.t = t;
    st.word = strncmp(t->key, TSR_SEARCH_T_WORD,
                      sizeof(TSR_SEARCH_T_WORD) - 1) == 0;
    st.now = now;
    st.may_read = may_read;
    st.baton = baton;
    st.best = best;
    st.p = p;
    st.firsts = apr_array_make(p, 4096, sizeof(apr_uint64_t));
    st.laters = apr_array_make(p, 64, sizeof(later_t));
    if (q->quality + q->popularity + q->maintenance > 0) {
        st.wsum_inv = 1 / (q->quality + q->popularity + q->maintenance);
    }
    rv = tsr_store_search_scan(store, p, t->key, t->prefix, &v);
    if (rv == TSR_ESTOPPED) {
        best->n = 0;
        best->total = 0;
        return TSR_ESTOPPED;
    }
    if (rv == APR_SUCCESS) {
        stream_settle(&st);
    }
    return rv;
}
