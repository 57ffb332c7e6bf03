/* search_bench: what a search costs on a large store, through the core
 * alone (no Apache): a Berkeley DB store in a scratch directory filled with
 * N generated packages (each write keeps the index, as a publish does),
 * then queries from very selective to very broad, each run many times.
 * It prints the write rate and, per query, its hits and mean time (after
 * one run that is not timed).
 *
 *   make bench/search_bench && bench/search_bench [packages] [runs] [dir]
 *                                                 [query ...]
 *
 * With dir, the store is kept there, and filled only when it is empty, so
 * that queries can be measured again without writing it again.  Queries
 * given (query strings, "text=w0") replace the usual list.
 *
 * Vocabulary: description words are drawn from 2000 with a skew (word k
 * about 1/(k+1) as often), so a few words are in many packages, as "react"
 * or "plugin" are; 200 keywords likewise; one package in five is scoped. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "tsr_search.h"
#include "tsr_store.h"
#include "tsr_store_bdb.h"

static unsigned long long rng = 88172645463325252ULL;

static unsigned long next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned long)(rng >> 11);
}

/* An index from 0 to n-1, small ones far more often. */
static int skewed(int n)
{
    double u = (double)(next_rand() % 1000000) / 1000000.0;
    int k = (int)(pow(n + 1.0, u)) - 1;

    return k < 0 ? 0 : k >= n ? n - 1 : k;
}

static apr_status_t write_doc(void *baton, apr_pool_t *p, const char *cur,
                              apr_size_t cur_len, tsr_package_write_t *out,
                              tsr_error_t **perr)
{
    out->doc = baton;
    out->doc_len = strlen(baton);
    out->full = out->abbrev = "{}";
    out->full_len = out->abbrev_len = 2;
    return APR_SUCCESS;
}

static int everyone(void *baton, const char *name, const char *readers)
{
    return readers == NULL;
}

static const char *doc_of(apr_pool_t *p, int i, const char **pname)
{
    const char *name = i % 5 == 0
        ? apr_psprintf(p, "@scope%d/pkg%d-w%d", i % 50, i, skewed(2000))
        : apr_psprintf(p, "pkg%d-w%d", i, skewed(2000));
    char *desc = "", *kw = "";
    int k;

    for (k = 0; k < 8; k++) {
        desc = apr_psprintf(p, "%s%sw%d", desc, k ? " " : "", skewed(2000));
    }
    for (k = 0; k < 3; k++) {
        kw = apr_psprintf(p, "%s%s\"kw%d\"", kw, k ? "," : "", skewed(200));
    }
    *pname = name;
    return apr_psprintf(p,
        "{\"name\":\"%s\",\"dist-tags\":{\"latest\":\"1.%d.0\"},"
        "\"versions\":{\"1.%d.0\":{\"name\":\"%s\",\"version\":\"1.%d.0\","
        "\"description\":\"%s\",\"keywords\":[%s],\"license\":\"MIT\","
        "\"_npmUser\":{\"name\":\"user%d\"}}},"
        "\"time\":{\"1.%d.0\":\"2026-10-01T00:00:00.000Z\"},"
        "\"maintainers\":[{\"name\":\"user%d\"}],\"readme\":\"# x\"}",
        name, i % 7, i % 7, name, i % 7, desc, kw, i % 100, i % 7, i % 100);
}

int main(int argc, const char *const *argv)
{
    static const char *const usual[] = {
        "text=pkg777", "text=w1500", "text=w40", "text=w1", "text=w0",
        "text=w0+w1", "text=keywords%3Akw150", "text=keywords%3Akw0",
        "text=w15", "text=maintainer%3Auser7+w3", "text=scope%3Ascope5",
        "text=scope%3Aunscoped", NULL
    };
    int n = argc > 1 ? atoi(argv[1]) : 20000, runs = argc > 2
                                                 ? atoi(argv[2]) : 50;
    apr_pool_t *p, *one;
    tsr_store_t *store;
    tsr_bdb_options_t o;
    char tmpl[] = "/tmp/search-bench.XXXXXX";
    const char *dir = argc > 3 ? argv[3] : tmpl;
    const char *const *queries = argc > 4 ? argv + 4 : usual;
    tsr_store_stats_t st;
    apr_time_t t0;
    int i, r;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&p, NULL);
    if (argc <= 3 && mkdtemp(tmpl) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    memset(&o, 0, sizeof(o));
    o.create = 1;
    o.cache_bytes = 256u << 20;
    if (tsr_store_bdb_prepare(p, dir, -1, -1, &o) != APR_SUCCESS
        || tsr_store_bdb_open(&store, p, dir, &o) != APR_SUCCESS) {
        fprintf(stderr, "search_bench: no store in %s\n", dir);
        return 1;
    }
    t0 = apr_time_now();
    if (tsr_store_stats(store, p, &st) != APR_SUCCESS) {
        return 1;
    }
    for (i = st.doc_count > 0 ? n : 0; i < n; i++) {
        const char *name, *doc;
        tsr_error_t *err = NULL;

        apr_pool_create(&one, p);
        doc = doc_of(one, i, &name);
        if (tsr_store_package_update(store, one, name, write_doc,
                                     (void *)doc, &err) != APR_SUCCESS) {
            fprintf(stderr, "search_bench: write %d failed: %s\n", i,
                    err ? err->message : "");
            return 1;
        }
        apr_pool_destroy(one);
    }
    if (st.doc_count == 0) {
        printf("%d packages written in %.1f s (%.0f writes/s, index "
               "included)\n\n", n, (apr_time_now() - t0) / 1e6,
               n / ((apr_time_now() - t0) / 1e6));
    }
    printf("| query | hits | mean ms |\n|---|--:|--:|\n");
    for (i = 0; queries[i]; i++) {
        const char *body = "", *at;
        apr_size_t len;
        int total = 0;

        /* Run 0 is not timed: it brings the query's pages into the
         * cache, as the queries a registry answers again and again. */
        for (r = -1; r < runs; r++) {
            tsr_search_query_t *q;
            tsr_error_t *err = NULL;

            if (r == 0) {
                t0 = apr_time_now();
            }

            apr_pool_create(&one, p);
            if (tsr_search_parse_args(&q, one, queries[i], &err)
                    != APR_SUCCESS
                || tsr_search_run_text(&body, &len, one, store, q,
                                       apr_time_now(), everyone, NULL, &err)
                   != APR_SUCCESS) {
                fprintf(stderr, "search_bench: %s: %s\n", queries[i],
                        err ? err->message : "");
                return 1;
            }
            /* The answer as the module sends it; its total near the
             * end. */
            at = strstr(body, "],\"total\":");
            total = at ? atoi(at + 10) : -1;
            apr_pool_destroy(one);
        }
        printf("| `%s` | %d | %.2f |\n", queries[i], total,
               (apr_time_now() - t0) / 1e3 / runs);
    }
    if (argc <= 3 && system(apr_psprintf(p, "rm -rf '%s'", dir)) != 0) {
        fprintf(stderr, "search_bench: %s left behind\n", dir);
    }
    apr_pool_destroy(p);
    apr_terminate();
    return 0;
}
