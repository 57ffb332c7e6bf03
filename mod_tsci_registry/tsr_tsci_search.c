/* tsr_tsci_search: the word index of tscircuit's packages (see the
 * header), kept with each package write, and the search that reads it. */
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include "tsr_tsci_search.h"
#include "tsr_store.h"

static int word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c >= 0x80;
}

void tsr_tsci_words(apr_pool_t *p, const char *text,
                    apr_array_header_t *words, int max)
{
    const unsigned char *s = (const unsigned char *)text;

    while (s != NULL && *s && words->nelts < max) {
        const unsigned char *start;
        apr_size_t n, keep;
        char *w, *c;
        int i, dup = 0;

        while (*s && !word_byte(*s)) {
            s++;
        }
        for (start = s; *s && word_byte(*s); s++) {
        }
        if ((n = (apr_size_t)(s - start)) == 0) {
            break;
        }
        /* Keep whole UTF-8 characters: cut before a continuation byte. */
        keep = n < TSR_TSCI_WORD_MAX ? n : TSR_TSCI_WORD_MAX;
        while (keep < n && keep > 0 && (start[keep] & 0xC0) == 0x80) {
            keep--;
        }
        w = apr_pstrmemdup(p, (const char *)start, keep);
        for (c = w; *c; c++) {
            if (*c >= 'A' && *c <= 'Z') {
                *c = (char)(*c - 'A' + 'a');
            }
        }
        for (i = 0; i < words->nelts && !dup; i++) {
            dup = strcmp(APR_ARRAY_IDX(words, i, const char *), w) == 0;
        }
        if (!dup) {
            APR_ARRAY_PUSH(words, const char *) = w;
        }
    }
}

static int listed(json_object *pkg)
{
    return !tsci_bool(pkg, "is_private") && !tsci_bool(pkg, "is_unlisted");
}

/* What a package is found by: its name's words, then its description's. */
static apr_array_header_t *words_of_pkg(apr_pool_t *p, json_object *pkg)
{
    apr_array_header_t *w = apr_array_make(p, 16, sizeof(const char *));

    tsr_tsci_words(p, tsci_str(pkg, "name"), w, TSR_TSCI_WORDS_MAX);
    tsr_tsci_words(p, tsci_str(pkg, "description"), w, TSR_TSCI_WORDS_MAX);
    return w;
}

/* The words package pid is indexed under now (from its 'S' record). */
static apr_status_t indexed_words(tsci_tx_t *t, const char *pid,
                                  apr_array_header_t **pwords)
{
    apr_size_t klen, vlen, at;
    const char *k = tsci_key(t->p, 'S', pid, NULL, &klen), *v;
    apr_status_t rv = t->kv->get(t->kv, t->p, k, klen, &v, &vlen);

    *pwords = apr_array_make(t->p, 16, sizeof(const char *));
    if (rv == TSR_ENOTFOUND) {
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    for (at = 0; at < vlen; ) {
        const char *w = v + at;
        apr_size_t n = strnlen(w, vlen - at);

        APR_ARRAY_PUSH(*pwords, const char *) = apr_pstrmemdup(t->p, w, n);
        at += n + 1;
    }
    return APR_SUCCESS;
}

static int has_word(const apr_array_header_t *words, const char *w)
{
    int i;

    for (i = 0; i < words->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(words, i, const char *), w) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Move pid's postings from the words it has to the words it gets. */
static apr_status_t reindex(tsci_tx_t *t, const char *pid,
                            const apr_array_header_t *now)
{
    apr_array_header_t *was;
    apr_status_t rv;
    apr_size_t klen, vlen = 0;
    const char *k;
    char *v, *at;
    int i, changed;

    if ((rv = indexed_words(t, pid, &was)) != APR_SUCCESS) {
        return rv;
    }
    changed = was->nelts != now->nelts;
    for (i = 0; i < was->nelts; i++) {
        const char *w = APR_ARRAY_IDX(was, i, const char *);

        if (!has_word(now, w)) {
            changed = 1;
            k = tsci_key(t->p, 'W', w, pid, &klen);
            if ((rv = t->kv->del(t->kv, k, klen)) != APR_SUCCESS) {
                return rv;
            }
        }
    }
    for (i = 0; i < now->nelts; i++) {
        const char *w = APR_ARRAY_IDX(now, i, const char *);

        vlen += strlen(w) + 1;
        if (!has_word(was, w)) {
            k = tsci_key(t->p, 'W', w, pid, &klen);
            if ((rv = t->kv->put(t->kv, k, klen, "", 0)) != APR_SUCCESS) {
                return rv;
            }
        }
    }
    if (!changed) {
        return APR_SUCCESS;         /* most writes: the same words */
    }
    k = tsci_key(t->p, 'S', pid, NULL, &klen);
    if (now->nelts == 0) {
        /* Deleting what is not there is no failure of the store. */
        return was->nelts ? t->kv->del(t->kv, k, klen) : APR_SUCCESS;
    }
    at = v = apr_palloc(t->p, vlen);
    for (i = 0; i < now->nelts; i++) {
        const char *w = APR_ARRAY_IDX(now, i, const char *);
        apr_size_t n = strlen(w) + 1;

        memcpy(at, w, n);
        at += n;
    }
    return t->kv->put(t->kv, k, klen, v, vlen - 1);
}

apr_status_t tsci_search_keep(tsci_tx_t *t, json_object *pkg)
{
    return reindex(t, tsci_str(pkg, "package_id"),
                   listed(pkg) ? words_of_pkg(t->p, pkg)
                               : apr_array_make(t->p, 1,
                                                sizeof(const char *)));
}

apr_status_t tsci_search_drop(tsci_tx_t *t, const char *pid)
{
    return reindex(t, pid, apr_array_make(t->p, 1, sizeof(const char *)));
}

/* ---- the search ---- */

#define STOP APR_EOF    /* a scan callback's "enough" */

typedef struct count_t {
    int n;
} count_t;

static apr_status_t count_one(void *baton, const char *key, apr_size_t klen,
                              const char *val, apr_size_t vlen)
{
    count_t *c = baton;

    return ++c->n >= TSR_TSCI_COUNT_CAP ? STOP : APR_SUCCESS;
}

typedef struct hunt_t {
    tsci_tx_t *t;
    const apr_array_header_t *query;
    int driver, limit, read;
    apr_hash_t *seen;
    apr_array_header_t *found;
    apr_status_t failed;
} hunt_t;

static int word_starts(const apr_array_header_t *words, const char *q)
{
    apr_size_t n = strlen(q);
    int i;

    for (i = 0; i < words->nelts; i++) {
        if (strncmp(APR_ARRAY_IDX(words, i, const char *), q, n) == 0) {
            return 1;
        }
    }
    return 0;
}

/* One posting of the rarest word: read its package once, keep it when
 * every other query word starts one of its words. */
static apr_status_t hunt_one(void *baton, const char *key, apr_size_t klen,
                             const char *val, apr_size_t vlen)
{
    hunt_t *h = baton;
    const char *nul = memchr(key, '\0', klen), *pid, *k;
    apr_array_header_t *words;
    json_object *pkg;
    apr_size_t plen, pk;
    apr_status_t rv;
    int i;

    if (nul == NULL) {
        return APR_SUCCESS;         /* not a posting: nothing to find */
    }
    plen = klen - (apr_size_t)(nul + 1 - key);
    if (apr_hash_get(h->seen, nul + 1, (apr_ssize_t)plen) != NULL) {
        return APR_SUCCESS;         /* the same package by a longer word */
    }
    pid = apr_pstrmemdup(h->t->p, nul + 1, plen);
    apr_hash_set(h->seen, pid, (apr_ssize_t)plen, pid);
    if (++h->read > TSR_TSCI_CANDIDATES_MAX) {
        return STOP;
    }
    k = tsci_key(h->t->p, 'P', pid, NULL, &pk);
    rv = tsci_rec_get(h->t, k, pk, &pkg);
    if (rv == TSR_ENOTFOUND) {
        return APR_SUCCESS;         /* a posting ahead of its package */
    }
    if (rv != APR_SUCCESS) {
        h->failed = rv;
        return rv;
    }
    if (!listed(pkg)) {
        return APR_SUCCESS;
    }
    words = words_of_pkg(h->t->p, pkg);
    for (i = 0; i < h->query->nelts; i++) {
        if (i != h->driver
            && !word_starts(words, APR_ARRAY_IDX(h->query, i, const char *))) {
            return APR_SUCCESS;
        }
    }
    APR_ARRAY_PUSH(h->found, json_object *) = pkg;
    return h->found->nelts >= h->limit ? STOP : APR_SUCCESS;
}

apr_status_t tsci_search_run(tsci_tx_t *t, const char *query, int limit,
                             apr_array_header_t **ppkgs)
{
    apr_array_header_t *q = apr_array_make(t->p, 4, sizeof(const char *));
    hunt_t h;
    apr_size_t klen;
    const char *k;
    apr_status_t rv;
    int i, fewest = -1;

    *ppkgs = apr_array_make(t->p, 16, sizeof(json_object *));
    tsr_tsci_words(t->p, query, q, TSR_TSCI_QUERY_WORDS_MAX);
    if (q->nelts == 0 || limit <= 0) {
        return APR_SUCCESS;
    }
    memset(&h, 0, sizeof(h));
    /* Walk the rarest word's postings (counted up to a cap: a word past
     * it is common, and any such one will do).  A query of one word has
     * nothing to choose: its postings are walked once, not counted. */
    for (i = 0; q->nelts > 1 && i < q->nelts; i++) {
        count_t c = { 0 };

        k = tsci_key(t->p, 'W', APR_ARRAY_IDX(q, i, const char *), NULL,
                     &klen);
        rv = t->kv->scan(t->kv, t->p, k, klen, count_one, &c);
        if (rv != APR_SUCCESS && rv != STOP) {
            return rv;
        }
        if (fewest < 0 || c.n < fewest) {
            fewest = c.n;
            h.driver = i;
        }
        if (c.n == 0) {
            return APR_SUCCESS;     /* a word no package starts */
        }
    }
    h.t = t;
    h.query = q;
    h.limit = limit;
    h.seen = apr_hash_make(t->p);
    h.found = *ppkgs;
    k = tsci_key(t->p, 'W', APR_ARRAY_IDX(q, h.driver, const char *), NULL,
                 &klen);
    rv = t->kv->scan(t->kv, t->p, k, klen, hunt_one, &h);
    if (h.failed != APR_SUCCESS) {
        return h.failed;
    }
    return rv == STOP ? APR_SUCCESS : rv;
}

/* ---- rebuilding it ---- */

typedef struct rebuild_t {
    apr_pool_t *p;
    apr_array_header_t *pids;       /* packages, then postings without one */
    apr_hash_t *pkgs;
    const char *pid;                /* the one package of a write */
} rebuild_t;

static apr_status_t note_key(void *baton, const char *key, apr_size_t klen,
                             const char *val, apr_size_t vlen)
{
    rebuild_t *r = baton;
    const char *pid = apr_pstrmemdup(r->p, key + 1, klen - 1);

    if (key[0] == 'P') {
        apr_hash_set(r->pkgs, pid, APR_HASH_KEY_STRING, pid);
        APR_ARRAY_PUSH(r->pids, const char *) = pid;
    }
    else if (apr_hash_get(r->pkgs, pid, APR_HASH_KEY_STRING) == NULL) {
        APR_ARRAY_PUSH(r->pids, const char *) = pid;    /* 'S': gone */
    }
    return APR_SUCCESS;
}

static apr_status_t list_step(void *baton, apr_pool_t *p, tsr_kv_t *kv,
                              tsr_error_t **perr)
{
    rebuild_t *r = baton;
    apr_status_t rv;

    apr_array_clear(r->pids);       /* a retried attempt starts afresh */
    r->pkgs = apr_hash_make(r->p);
    if ((rv = kv->scan(kv, p, "P", 1, note_key, r)) != APR_SUCCESS) {
        return rv;
    }
    return kv->scan(kv, p, "S", 1, note_key, r);
}

static apr_status_t one_step(void *baton, apr_pool_t *p, tsr_kv_t *kv,
                             tsr_error_t **perr)
{
    rebuild_t *r = baton;
    tsr_tsci_call_t c;
    tsci_tx_t t;
    json_object *pkg;
    apr_size_t klen;
    const char *k = tsci_key(p, 'P', r->pid, NULL, &klen);
    apr_status_t rv;

    memset(&c, 0, sizeof(c));
    c.p = p;
    t.c = &c;
    t.p = p;
    t.kv = kv;
    t.now = NULL;
    rv = tsci_rec_get(&t, k, klen, &pkg);
    if (rv == TSR_ENOTFOUND) {
        return tsci_search_drop(&t, r->pid);
    }
    return rv != APR_SUCCESS ? rv : tsci_search_keep(&t, pkg);
}

apr_status_t tsr_tsci_search_rebuild(tsr_store_t *s, apr_pool_t *p,
                                     apr_uint64_t *pcount,
                                     tsr_error_t **perr)
{
    rebuild_t r;
    apr_pool_t *each;
    apr_status_t rv;
    int i;

    memset(&r, 0, sizeof(r));
    r.p = p;
    r.pids = apr_array_make(p, 64, sizeof(const char *));
    *pcount = 0;
    if ((rv = tsr_store_tsci_txn(s, p, 0, list_step, &r, perr))
        != APR_SUCCESS) {
        return rv;
    }
    apr_pool_create(&each, p);
    for (i = 0; i < r.pids->nelts; i++) {
        apr_pool_clear(each);
        r.pid = APR_ARRAY_IDX(r.pids, i, const char *);
        if ((rv = tsr_store_tsci_txn(s, each, 1, one_step, &r, perr))
            != APR_SUCCESS) {
            break;
        }
        if (apr_hash_get(r.pkgs, r.pid, APR_HASH_KEY_STRING) != NULL) {
            (*pcount)++;
        }
    }
    apr_pool_destroy(each);
    return rv;
}
