/* mod_tsci_registry_search.c: npm search, GET /-/v1/search.  The core
 * parses and runs the query (tsr_search); this file says who is asking:
 * a restricted package is a hit only for its readers, and a package the
 * per-package read rules keep from the asker is no hit either, so a search
 * never names a package its asker could not read. */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "mod_tsci_registry.h"
#include "tsr_access.h"
#include "tsr_search.h"

APLOG_USE_MODULE(tsci_registry);

typedef struct asker_t {
    tsr_req_t *q;
    tsr_actor_t who;
} asker_t;

static int may_read(void *baton, const char *name, const char *readers)
{
    asker_t *a = baton;

    return tsr_access_may_read(readers, &a->who)
           && tsr_rules_check(a->q->r, a->q->d, name, TSR_RULE_READ) == OK;
}

int tsr_npm_search(tsr_req_t *q)
{
    request_rec *r = q->r;
    tsr_search_query_t *query;
    tsr_error_t *err = NULL;
    json_object *res;
    asker_t a;

    if (tsr_search_parse_args(&query, r->pool, r->args, &err)
        != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    a.q = q;
    a.who.user = q->who->user;
    a.who.admin = tsr_conf_is_admin(q->d, a.who.user);
    if (tsr_search_run(&res, r->pool, q->store, query, apr_time_now(),
                       may_read, &a, &err) != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    /* The hits depend on who asks. */
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-cache");
    return tsr_io_send_json(r, 200, res);
}
