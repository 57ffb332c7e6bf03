/* mod_tsci_registry_search.c: npm search, GET /-/v1/search.  The core
 * parses and runs the query (tsr_search); this file says who is asking:
 * a restricted package is a hit only for its readers, and a package the
 * per-package read rules keep from the asker is no hit either, so a search
 * never names a package its asker could not read. */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include <apr_allocator.h>
#include <apr_thread_mutex.h>
#include "mod_tsci_registry.h"
#include "tsr_access.h"
#include "tsr_flight.h"
#include "tsr_json.h"
#include "tsr_search.h"
#include "tsr_viewcache.h"

APLOG_USE_MODULE(tsci_registry);

static apr_status_t destroy_allocator(void *a)
{
    apr_allocator_destroy(a);
    return APR_SUCCESS;
}

static apr_status_t destroy_pool(void *p)
{
    apr_pool_destroy(p);
    return APR_SUCCESS;
}

/* A search of many hits works in megabytes of scratch memory (postings,
 * candidates, a table: some 5 MB for 23,000 hits).  Each of Apache's
 * threads gives back to the system what its requests freed beyond
 * MaxMemFree (2 MB by default), so the next search would fault it all in
 * again: through Apache a query took ten times what it takes in the core
 * (docs/performance.md).  Searches work in pools of one allocator per
 * child instead, shared by its threads, which keeps up to SEARCH_KEEP
 * bytes for the next: enough for one broad search, and a bound on what
 * each child holds (prefork has many children of one thread). */
#define SEARCH_KEEP (8u << 20)
static apr_allocator_t *search_allocator;

/* The searches this process is computing to keep (tsr_flight.h): a query
 * asked by many connections at once, before its answer is kept, is
 * computed by one of its threads while the others wait for its answer.
 * They wait at most FLIGHT_WAIT, then compute it themselves. */
#define FLIGHT_WAIT apr_time_from_sec(5)
static tsr_flight_t *search_flights;

static void search_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_allocator_t *a;
    apr_thread_mutex_t *m;

    if (apr_allocator_create(&a) != APR_SUCCESS) {
        return;                     /* searches use the request's pool */
    }
    if (apr_thread_mutex_create(&m, APR_THREAD_MUTEX_DEFAULT, pchild)
        != APR_SUCCESS) {
        apr_allocator_destroy(a);
        return;
    }
    apr_allocator_mutex_set(a, m);
    apr_allocator_max_free_set(a, SEARCH_KEEP);
    /* Destroyed with the child, after every request. */
    apr_pool_cleanup_register(pchild, a, destroy_allocator,
                              apr_pool_cleanup_null);
    search_allocator = a;
    if (tsr_flight_create(&search_flights, pchild) != APR_SUCCESS) {
        search_flights = NULL;      /* every thread computes its own */
    }
}

void tsr_search_register_hooks(apr_pool_t *p)
{
    ap_hook_child_init(search_child_init, NULL, NULL, APR_HOOK_MIDDLE);
}

/* A pool of the search allocator, gone with r (or r's own pool). */
static apr_pool_t *search_pool(request_rec *r)
{
    apr_pool_t *work;

    if (search_allocator == NULL
        || apr_pool_create_unmanaged_ex(&work, NULL, search_allocator)
           != APR_SUCCESS) {
        return r->pool;
    }
    apr_pool_cleanup_register(r->pool, work, destroy_pool,
                              apr_pool_cleanup_null);
    return work;
}

typedef struct asker_t {
    tsr_req_t *q;
    tsr_actor_t who;
    int personal;               /* a decision looked at who asks */
} asker_t;

static int may_read(void *baton, const char *name, const char *readers)
{
    asker_t *a = baton;

    if (readers != NULL) {
        a->personal = 1;
    }
    return tsr_access_may_read(readers, &a->who)
           && tsr_rules_check(a->q->r, a->q->d, name, TSR_RULE_READ) == OK;
}

/* The kind of a search answer among the process's kept answers. */
#define ANSWER_KIND 's'

/* A flight this request leads, landed when its answer is kept, or with
 * the request's pool whatever happens. */
typedef struct lead_t {
    const char *key;
} lead_t;

static apr_status_t land(void *data)
{
    tsr_flight_land(search_flights, ((lead_t *)data)->key);
    return APR_SUCCESS;
}

/* The answer of key kept under stamp, if any. */
static int kept(request_rec *r, tsr_store_t *store, const char *key,
                apr_uint32_t stamp, apr_time_t now, const char **pbody,
                apr_size_t *plen)
{
    return tsr_viewcache_get(store->answers, r->pool, key, ANSWER_KIND,
                             stamp, now, pbody, plen) && *pbody != NULL;
}

/* A kept answer of key under stamp, after waiting for the thread of this
 * process that is computing it, if any; else 0, and the caller computes
 * it, leading the flight (*plead set) when nobody else was. */
static int kept_answer(request_rec *r, tsr_store_t *store, const char *key,
                       apr_uint32_t stamp, apr_time_t now, lead_t **plead,
                       const char **pbody, apr_size_t *plen)
{
    *plead = NULL;
    if (kept(r, store, key, stamp, now, pbody, plen)) {
        return 1;
    }
    if (search_flights == NULL) {
        return 0;
    }
    if (tsr_flight_board(search_flights, key, FLIGHT_WAIT)) {
        *plead = apr_palloc(r->pool, sizeof(**plead));
        (*plead)->key = key;
        apr_pool_cleanup_register(r->pool, *plead, land,
                                  apr_pool_cleanup_null);
        return 0;
    }
    return kept(r, store, key, stamp, now, pbody, plen);
}

static int send_answer(request_rec *r, const char *body, apr_size_t len)
{
    /* The hits depend on who asks. */
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-cache");
    return tsr_io_send_text(r, 200, "application/json", body, len);
}

/* A broad search costs milliseconds (every hit is counted and scored),
 * and the same query is asked again and again (a web page's search box,
 * scripts), so each process keeps its latest answers (store->answers)
 * until the next package write anywhere bumps the stamp they were made
 * under, or for a few seconds (writers outside Apache bump nothing).  An
 * answer is kept and served only when it is everyone's: when no rule of
 * the Location is about reading (rules may look at anything of the
 * request), and no hit was decided by who asks (a restricted package
 * among the candidates).  Its key is the query string as sent.  While
 * one thread computes an answer to keep, the others of its process that
 * ask the same wait for it (kept_answer). */
int tsr_npm_search(tsr_req_t *q)
{
    request_rec *r = q->r;
    tsr_search_query_t *query;
    tsr_error_t *err = NULL;
    asker_t a;
    apr_time_t now = apr_time_now();
    apr_uint32_t stamp = 0;
    const char *key = r->args ? r->args : "";
    const char *body;
    apr_size_t len;
    lead_t *lead = NULL;
    int keep;

    if (tsr_search_parse_args(&query, r->pool, r->args, &err)
        != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    /* The stamp is read before the store is: a write that commits during
     * the search makes the answer kept below stale at once. */
    keep = q->store->answers != NULL
           && !tsr_rules_any(q->d, TSR_RULE_READ)
           && tsr_store_answers_stamp(q->store, r->pool, now, &stamp)
              == APR_SUCCESS;
    if (keep && kept_answer(r, q->store, key, stamp, now, &lead, &body,
                            &len)) {
        return send_answer(r, body, len);
    }
    a.q = q;
    a.who.user = q->who->user;
    a.who.admin = tsr_conf_is_admin(q->d, a.who.user);
    a.personal = 0;
    if (tsr_search_run_text(&body, &len, search_pool(r), q->store, query,
                            now, may_read, &a, &err) != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    if (keep && !a.personal) {
        tsr_viewcache_put(q->store->answers, key, ANSWER_KIND, stamp, now,
                          body, len);
    }
    if (lead) {
        apr_pool_cleanup_run(r->pool, lead, land);
    }
    return send_answer(r, body, len);
}
