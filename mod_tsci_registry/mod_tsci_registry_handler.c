/* mod_tsci_registry_handler.c: the content handler.  It matches the
 * request against the route table of the API its Location serves, answers
 * 404 and 405 (with Allow) itself, enforces the route's flags (a user, no
 * read-only token for writes), and calls the API's operation. */
#include <string.h>
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_tsci_registry.h"
#include "tsr_name.h"
#include "tsr_memtrim.h"

APLOG_USE_MODULE(tsci_registry);

static const tsr_api_ops_t *api_ops(tsr_api_e api)
{
    switch (api) {
    case TSR_API_NPM:
        return &tsr_npm_ops;
    case TSR_API_TSCI:
        return &tsr_tsci_ops;
    case TSR_API_JOBS:
        return &tsr_jobs_ops;
    default:
        return NULL;
    }
}

/* The route's flags against who is asking: 1 when the request was
 * refused (the answer is sent and *rc is what the handler returns). */
static int refused_by_flags(tsr_req_t *q, int *rc)
{
    unsigned flags = q->rt.def->flags;

    if ((flags & (TSR_RF_USER | TSR_RF_WRITE)) && q->who->user == NULL) {
        if (q->who->store_failed) {
            *rc = tsr_io_refuse(q->r, HTTP_SERVICE_UNAVAILABLE,
                                "the registry store is unavailable, "
                                "try again");
        }
        else {
            *rc = tsr_authn_challenge(q->r, q->who);
        }
        return 1;
    }
    if ((flags & TSR_RF_WRITE) && q->who->readonly) {
        *rc = tsr_io_refuse(q->r, HTTP_FORBIDDEN, "this token is read-only "
                            "and cannot change the registry");
        return 1;
    }
    return 0;
}

/* At the end of a request that may have written (the store counts what
 * writes parse): malloc's free pages go back to the system once enough
 * was handled (tsr_memtrim.h). */
static apr_status_t trim_after(void *data)
{
    if (tsr_memtrim_due()) {
        tsr_memtrim();
    }
    return APR_SUCCESS;
}

static int handler(request_rec *r)
{
    tsr_req_t q;
    const tsr_api_ops_t *ops;
    const char *rel;
    int rc;

    if (r->handler == NULL || strcmp(r->handler, TSR_HANDLER) != 0) {
        return DECLINED;
    }
    memset(&q, 0, sizeof(q));
    q.r = r;
    q.d = ap_get_module_config(r->per_dir_config, &tsci_registry_module);
    if ((ops = api_ops(tsr_conf_api(q.d))) == NULL
        || (rel = tsr_map_relative_path(r, q.d)) == NULL) {
        return DECLINED;
    }
    tsr_route_match(&q.rt, r->pool, tsr_route_table(ops->api), r->method,
                    rel);
    if (q.rt.status == HTTP_NOT_FOUND) {
        return tsr_io_refuse(r, HTTP_NOT_FOUND, "not found");
    }
    if (q.rt.status == HTTP_METHOD_NOT_ALLOWED) {
        apr_table_setn(r->err_headers_out, "Allow", q.rt.allow);
        return tsr_io_refuse(r, HTTP_METHOD_NOT_ALLOWED, "%s is not allowed "
                             "here; use %s", r->method, q.rt.allow);
    }
    if (q.rt.def->op <= 0 || q.rt.def->op >= ops->nops
        || ops->ops[q.rt.def->op] == NULL) {
        return tsr_io_refuse(r, HTTP_NOT_FOUND, "not found");
    }
    q.who = tsr_authn_identity(r);
    if (refused_by_flags(&q, &rc)) {
        return rc;
    }
    if ((q.store = tsr_request_store(r)) == NULL) {
        return tsr_io_refuse(r, HTTP_SERVICE_UNAVAILABLE,
                             "the registry store is unavailable");
    }
    /* Package writes keep gzip'd views made for the links this npm
     * Location hands out; other APIs' Locations keep the base there was. */
    if (ops->api == TSR_API_NPM && r->method_number != M_GET) {
        q.store = tsr_store_for_base(q.store, r->pool, tsr_base_url(r, q.d));
    }
    /* Registered before the operation parses anything, so that it runs
     * after everything the operation frees at the request's end. */
    if (r->method_number != M_GET) {
        apr_pool_cleanup_register(r->pool, NULL, trim_after,
                                  apr_pool_cleanup_null);
    }
    return ops->ops[q.rt.def->op](&q);
}

void tsr_handler_register_hooks(apr_pool_t *p)
{
    ap_hook_handler(handler, NULL, NULL, APR_HOOK_MIDDLE);
}

tsr_actor_t tsr_req_actor(const tsr_req_t *q)
{
    tsr_actor_t a;

    a.user = q->who->user;
    a.admin = tsr_conf_is_admin(q->d, a.user);
    return a;
}

int tsr_req_may_change(tsr_req_t *q, const char *name, int action)
{
    tsr_error_t *err = NULL;
    int rc;

    if (tsr_name_check(q->r->pool, name, &err) != APR_SUCCESS) {
        tsr_io_send_error(q->r, err);
        return DONE;
    }
    if ((rc = tsr_rules_check(q->r, q->d, name, action)) != OK) {
        tsr_rules_refuse(q->r, name, rc);
        return DONE;
    }
    return OK;
}
