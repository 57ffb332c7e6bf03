/* mod_tsci_registry_rpc.c: what the RPC-shaped APIs (tscircuit's and the
 * jobs API) share on the httpd side: one parameter object from the query
 * and the JSON body, and {"ok": true, ...} answers.  Refusals take the
 * RPC shape in mod_tsci_registry_io.c, by the Location's API. */
#include "apr_strings.h"
#include "httpd.h"
#include "http_protocol.h"
#include "mod_tsci_registry.h"
#include "tsr_json.h"
#include "tsr_rpc.h"

/* A POST with a body: announced by its length or sent chunked. */
static int has_body(request_rec *r)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");

    if (apr_table_get(r->headers_in, "Transfer-Encoding") != NULL) {
        return 1;
    }
    return cl != NULL && apr_atoi64(cl) > 0;
}

int tsr_rpc_params(tsr_req_t *q, apr_off_t limit, json_object **pparams)
{
    request_rec *r = q->r;
    json_object *params = tsr_json_own(r->pool, json_object_new_object());
    json_object *body = NULL;
    tsr_error_t *err = NULL;

    *pparams = NULL;
    if (tsr_rpc_add_query(params, r->pool, r->args, &err) != APR_SUCCESS) {
        return tsr_rpc_refuse(q, err);
    }
    /* A GET's body means nothing to anyone: it is drained, not read. */
    if (r->method_number == M_POST && has_body(r)) {
        if (limit <= 0) {
            limit = tsr_conf_max_body(q->d);
        }
        if (tsr_io_read_json(r, limit, &body, &err) != APR_SUCCESS
            || tsr_rpc_add_body(params, body, r->pool, &err)
                   != APR_SUCCESS) {
            return tsr_rpc_refuse(q, err);
        }
    }
    *pparams = params;
    return OK;
}

/* DONE, never the send's OK: callers tell a refusal from going on. */
int tsr_rpc_refuse(tsr_req_t *q, tsr_error_t *err)
{
    int rc = tsr_io_send_error(q->r, err);

    return rc == OK ? DONE : rc;
}

int tsr_rpc_ok(tsr_req_t *q, int status, const char *key,
               json_object *value)
{
    json_object *o = tsr_json_own(q->r->pool, json_object_new_object());

    json_object_object_add(o, "ok", json_object_new_boolean(1));
    if (key != NULL) {
        json_object_object_add(o, key, value);
    }
    return tsr_io_send_json(q->r, status, o);
}

/* GET|POST /health: a load balancer's probe, answered without the store
 * being asked anything. */
int tsr_rpc_health(tsr_req_t *q)
{
    return tsr_rpc_ok(q, HTTP_OK, NULL, NULL);
}
