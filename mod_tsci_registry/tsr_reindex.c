/* tsr_reindex: the steps, and one walk over the packages per step. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_reindex.h"
#include "tsr_json.h"
#include "tsr_packument.h"
#include "tsr_tsci_search.h"

/* Render every view from the document as it is (the store's callback). */
static apr_status_t render_views(void *baton, apr_pool_t *p, const char *doc,
                                 apr_size_t len, tsr_package_write_t *out,
                                 tsr_error_t **perr)
{
    json_object *d;
    apr_status_t rv;

    if ((rv = tsr_json_parse(&d, p, doc, len, TSR_JSON_MAX_DEPTH, perr))
        != APR_SUCCESS) {
        return rv;
    }
    if (!json_object_is_type(d, json_type_object)) {
        return tsr_error_set(perr, p, 500, NULL, "the document is not a "
                             "JSON object");
    }
    if ((rv = tsr_packument_views(p, d, out)) != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "the views could not be "
                                  "rendered");
    }
    return APR_SUCCESS;
}

static apr_status_t views_package(tsr_store_t *s, apr_pool_t *p,
                                  const char *name, tsr_error_t **perr)
{
    apr_status_t rv = tsr_store_package_reindex(s, p, name, render_views,
                                                NULL, perr);

    if (rv == TSR_ENOTFOUND || rv == APR_SUCCESS || rv == TSR_EREFUSED) {
        return rv == TSR_ENOTFOUND ? APR_SUCCESS : rv;
    }
    return tsr_error_set(perr, p, 503, NULL, "the store failed to write "
                         "the views");
}

/* The store rebuilds its search index in one call, a transaction per
 * package (tsr_store_search_rebuild): no walk of ours is needed. */
static apr_status_t search_all(tsr_store_t *s, apr_pool_t *p,
                               apr_uint64_t *pcount, tsr_error_t **perr)
{
    apr_size_t n = 0;
    apr_status_t rv = tsr_store_search_rebuild(s, p, &n);

    if (rv != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "the search index could not "
                                  "be rebuilt");
    }
    *pcount = n;
    return APR_SUCCESS;
}

/* Tscircuit's word index, a transaction per tscircuit package
 * (tsr_tsci_search.h); a store that keeps none has nothing to do. */
static apr_status_t tsci_search_all(tsr_store_t *s, apr_pool_t *p,
                                    apr_uint64_t *pcount, tsr_error_t **perr)
{
    apr_status_t rv = tsr_tsci_search_rebuild(s, p, pcount, perr);

    if (rv == APR_ENOTIMPL) {
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS && (perr == NULL || *perr == NULL)) {
        return tsr_error_internal(perr, p, rv, "tscircuit's search index "
                                  "could not be rebuilt");
    }
    return rv;
}

const tsr_reindex_step_t tsr_reindex_steps[] = {
    { "views", "the ready views of every document (full, abbreviated, "
      "dist-tags, readers, each version's)", NULL, NULL, views_package },
    { "search", "the search index (each package's entry from its document; "
      "entries of packages that are gone are dropped)", NULL, NULL, NULL,
      search_all },
    { "tsci-search", "the word index of tscircuit's packages (each "
      "package's words from its name and description)", NULL, NULL, NULL,
      tsci_search_all },
    /* Other derived data goes here, in the order it is rebuilt. */
    { NULL, NULL, NULL, NULL, NULL }
};

const tsr_reindex_step_t *tsr_reindex_step(const char *name)
{
    const tsr_reindex_step_t *st;

    for (st = tsr_reindex_steps; st->name; st++) {
        if (strcmp(st->name, name) == 0) {
            return st;
        }
    }
    return NULL;
}

typedef struct run_t {
    tsr_store_t *store;
    const tsr_reindex_step_t *step;
    tsr_admin_progress_fn *progress;
    void *baton;
    apr_uint64_t done;
    apr_uint64_t total;
    tsr_error_t **perr;
    apr_pool_t *pool;
} run_t;

static apr_status_t one(void *baton, apr_pool_t *p, const char *name)
{
    run_t *r = baton;
    apr_status_t rv = r->step->package(r->store, p, name, r->perr);

    if (rv != APR_SUCCESS) {
        /* Named here, in the caller's pool: p is cleared after this. */
        if (r->perr && *r->perr) {
            tsr_error_t *e = apr_pmemdup(r->pool, *r->perr, sizeof(**r->perr));

            e->message = apr_psprintf(r->pool, "%s: %s", name, e->message);
            e->code = e->code ? apr_pstrdup(r->pool, e->code) : NULL;
            *r->perr = e;
        }
        return rv;
    }
    r->done++;
    if (r->progress) {
        r->progress(r->baton, r->step->name, r->done, r->total);
    }
    return APR_SUCCESS;
}

apr_status_t tsr_reindex_run(apr_pool_t *p, tsr_store_t *s,
                             const tsr_reindex_step_t *step,
                             tsr_admin_progress_fn *progress, void *baton,
                             apr_uint64_t *pcount, tsr_error_t **perr)
{
    const tsr_reindex_step_t *st = step ? step : tsr_reindex_steps;
    tsr_store_stats_t ss;
    run_t r;
    apr_status_t rv = APR_SUCCESS;

    memset(&ss, 0, sizeof(ss));
    tsr_store_stats(s, p, &ss);
    for (; st->name; st++) {
        memset(&r, 0, sizeof(r));
        r.store = s;
        r.step = st;
        r.progress = progress;
        r.baton = baton;
        r.total = ss.doc_count + ss.doc_del_count;
        r.perr = perr;
        r.pool = p;
        if (st->all) {
            if ((rv = st->all(s, p, &r.done, perr)) != APR_SUCCESS) {
                break;
            }
        }
        else if ((st->begin && (rv = st->begin(s, p, perr)) != APR_SUCCESS)
                 || (rv = tsr_admin_each_package(s, p, one, &r))
                        != APR_SUCCESS
                 || (st->end && (rv = st->end(s, p, perr)) != APR_SUCCESS)) {
            break;
        }
        if (pcount) {
            *pcount = r.done;
        }
        if (step) {
            break;
        }
    }
    return rv;
}
