/* mod_tsci_registry_io.c: reading request bodies and writing responses,
 * errors included, the way npm expects them. */
#include <string.h>
#include <sys/uio.h>
#include "apr_strings.h"
#include "httpd.h"
#include "http_core.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_filter.h"
#include "mod_tsci_registry.h"
#include "tsr_json.h"
#include "tsr_body.h"

APLOG_USE_MODULE(tsci_registry);

static int is_json_type(const char *ct)
{
    apr_size_t n;

    if (ct == NULL) {
        return 0;
    }
    while (*ct == ' ') {
        ct++;
    }
    n = strcspn(ct, "; ");
    return n == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

/* What the client's Content-Encoding says of a body that may be gzip'd:
 * 1 gzip, 0 as it is, -1 an encoding the registry does not take. */
static int gzipped(request_rec *r)
{
    const char *ce = apr_table_get(r->headers_in, "Content-Encoding");
    apr_size_t n;

    if (ce == NULL) {
        return 0;
    }
    while (*ce == ' ' || *ce == '\t') {
        ce++;
    }
    n = strcspn(ce, " \t");
    if (ce[n + strspn(ce + n, " \t")] != '\0') {
        return -1;                  /* a list: nothing sends one */
    }
    if ((n == 4 && strncasecmp(ce, "gzip", 4) == 0)
        || (n == 6 && strncasecmp(ce, "x-gzip", 6) == 0)) {
        return 1;
    }
    return (n == 0 || (n == 8 && strncasecmp(ce, "identity", 8) == 0))
               ? 0 : -1;
}

/* The body is taken from the input filters in pieces and handed to the
 * core reader as it comes, so no copy of the whole body is ever made; the
 * limit is checked against the announced length before anything is read,
 * and against the count while reading a chunked body. */
apr_status_t tsr_io_read_body(request_rec *r, apr_off_t limit, int flags,
                              json_object **pdoc, tsr_body_t **pbody,
                              tsr_error_t **perr)
{
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    apr_size_t bufsize = 64 * 1024;
    tsr_body_t *b;
    char *buf;
    long n;
    int rc;
    apr_status_t rv;

    *pdoc = NULL;
    if (pbody) {
        *pbody = NULL;
    }
    if (!is_json_type(ct)) {
        return tsr_error_set(perr, r->pool, 415, NULL,
                             "the request body must be application/json, "
                             "not %s", ct ? ct : "unlabelled");
    }
    if (flags & TSR_BODY_GZIP) {
        int gz = gzipped(r);

        if (gz < 0) {
            return tsr_error_set(perr, r->pool, 415, NULL,
                                 "the request body's Content-Encoding %s is "
                                 "not one the registry takes (gzip is)",
                                 apr_table_get(r->headers_in,
                                               "Content-Encoding"));
        }
        if (gz == 0) {
            flags &= ~TSR_BODY_GZIP;
        }
    }
    if ((rc = ap_setup_client_block(r, REQUEST_CHUNKED_DECHUNK)) != OK) {
        return tsr_error_set(perr, r->pool, rc, NULL,
                             "the request body could not be read");
    }
    rv = tsr_body_create(&b, r->pool, limit,
                         r->read_chunked ? -1 : r->remaining, flags, perr);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!r->read_chunked && r->remaining < (apr_off_t)bufsize) {
        bufsize = r->remaining > 0 ? (apr_size_t)r->remaining : 1;
    }
    buf = apr_palloc(r->pool, bufsize);
    for (;;) {
        n = ap_get_client_block(r, buf, bufsize);
        if (n == 0) {
            break;
        }
        if (n < 0) {
            return tsr_error_set(perr, r->pool, 400, NULL,
                                 "the request body could not be read");
        }
        if ((rv = tsr_body_feed(b, buf, (apr_size_t)n, perr))
            != APR_SUCCESS) {
            return rv;
        }
    }
    if ((rv = tsr_body_finish(b, pdoc, perr)) != APR_SUCCESS) {
        return rv;
    }
    if (pbody) {
        *pbody = b;
    }
    return APR_SUCCESS;
}

apr_status_t tsr_io_read_json(request_rec *r, apr_off_t limit,
                              json_object **pbody, tsr_error_t **perr)
{
    return tsr_io_read_body(r, limit, 0, pbody, NULL, perr);
}

/* Below this many body bytes a response is pushed to the client as soon
 * as it is complete.  Apache's core output filter keeps a response of
 * under 4 KB (headers included) until the request has ended and then
 * hands the connection to the event MPM's listener to finish the write:
 * a round trip through epoll that cost the 2.6 KB abbreviated packument
 * a quarter of its rate (docs/performance.md).  A flush writes it from
 * the worker instead, without copying the buckets aside, and the worker
 * usually finds the client's next request already there.  Larger bodies
 * go out at once anyway and must not block a worker on a slow client. */
#define PUSH_BELOW 8192

int tsr_io_pass_body(request_rec *r, apr_bucket_brigade *bb,
                     apr_size_t len)
{
    apr_bucket_alloc_t *ba = r->connection->bucket_alloc;

    if (len < PUSH_BELOW) {
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_flush_create(ba));
    }
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(ba));
    return ap_pass_brigade(r->output_filters, bb) == APR_SUCCESS
               ? OK : AP_FILTER_ERROR;
}

/* A bucket for len bytes of a response's body, which live in r->pool or
 * longer.  Transient: when the core output filter must keep the end of a
 * body aside (a client slower than the response), it copies what it keeps
 * (at most FlushMaxThreshold, 64 KB), as Apache asks of memory that may
 * not outlive the write: a subrequest's pool (mod_include's include
 * virtual) may end before the main request's output is written.  Immortal
 * buckets would spare that copy for a main request, but a megabyte
 * packument read at 16 and 64 connections went no faster with them
 * (docs/performance.md). */
static apr_bucket *body_bucket(request_rec *r, const void *data,
                               apr_size_t len)
{
    return apr_bucket_transient_create(data, len,
                                       r->connection->bucket_alloc);
}

int tsr_io_pass_iovec(request_rec *r, const struct iovec *iov, int n,
                      apr_size_t len)
{
    apr_bucket_alloc_t *ba = r->connection->bucket_alloc;
    apr_bucket_brigade *bb = apr_brigade_create(r->pool, ba);
    int i;

    for (i = 0; i < n; i++) {
        if (iov[i].iov_len > 0) {
            APR_BRIGADE_INSERT_TAIL(bb, body_bucket(r, iov[i].iov_base,
                                                    iov[i].iov_len));
        }
    }
    return tsr_io_pass_body(r, bb, len);
}

int tsr_io_send_text(request_rec *r, int status, const char *ctype,
                     const char *text, apr_size_t len)
{
    apr_bucket_brigade *bb;

    r->status = status;
    ap_set_content_type(r, ctype);
    ap_set_content_length(r, (apr_off_t)len);
    if (r->header_only) {
        return OK;
    }
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    APR_BRIGADE_INSERT_TAIL(bb, body_bucket(r, text, len));
    return tsr_io_pass_body(r, bb, len);
}

int tsr_io_send_json(request_rec *r, int status, json_object *obj)
{
    apr_size_t len;
    const char *text = tsr_json_serialize(r->pool, obj, &len);

    return tsr_io_send_text(r, status, "application/json", text, len);
}

static const tsr_error_t unknown_error = {
    500, "internal_error", "the request failed for an unknown reason",
    APR_EGENERAL
};

/* The JSON body of err.  npm prints only "error": it carries the
 * sentence, as the public registry does; "reason" repeats it under
 * CouchDB's name, and "code" is a stable word for programs.  The RPC
 * APIs (tscircuit's, the jobs API) answer in tscircuit's shape instead,
 * whose "error_code" its CLI prints and keys on; every refusal of such a
 * Location, Apache's own auth challenges included, takes that shape. */
static json_object *error_json(request_rec *r, const tsr_error_t *err)
{
    json_object *o = tsr_json_own(r->pool, json_object_new_object());
    const tsr_dir_conf_t *d = ap_get_module_config(r->per_dir_config,
                                                   &tsci_registry_module);

    if (d != NULL && TSR_API_IS_RPC(tsr_conf_api(d))) {
        json_object *e = json_object_new_object();

        json_object_object_add(o, "ok", json_object_new_boolean(0));
        tsr_json_set_str(e, "error_code", err->code);
        tsr_json_set_str(e, "message", err->message);
        json_object_object_add(o, "error", e);
        return o;
    }
    tsr_json_set_str(o, "error", err->message);
    tsr_json_set_str(o, "reason", err->message);
    tsr_json_set_str(o, "code", err->code);
    return o;
}

int tsr_io_early_error(request_rec *r, const tsr_error_t *err)
{
    apr_size_t len;

    if (err == NULL) {
        err = &unknown_error;
    }
    ap_custom_response(r, err->http_status,
                       tsr_json_serialize(r->pool, error_json(r, err), &len));
    r->content_type = "application/json";
    return err->http_status;
}

int tsr_io_send_error(request_rec *r, const tsr_error_t *err)
{
    json_object *o;

    if (err == NULL) {
        err = &unknown_error;
    }

    if (err->http_status >= 500) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, err->cause, r,
                      "TSR00020: %s %s: %s", r->method, r->uri,
                      err->message);
    }
    else {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "TSR00021: refused %s %s with %d: %s", r->method,
                      r->uri, err->http_status, err->message);
    }
    o = error_json(r, err);
    /* The client may still be sending a body we will not read: drain a
     * small one to keep the connection, drop the connection under a large
     * one. */
    if (err->http_status == 413) {
        r->connection->keepalive = AP_CONN_CLOSE;
    }
    if (ap_discard_request_body(r) != OK) {
        r->connection->keepalive = AP_CONN_CLOSE;
    }
    return tsr_io_send_json(r, err->http_status, o);
}

int tsr_io_refuse(request_rec *r, int status, const char *fmt, ...)
{
    tsr_error_t err;
    va_list ap;

    va_start(ap, fmt);
    err.message = apr_pvsprintf(r->pool, fmt, ap);
    va_end(ap);
    err.http_status = status;
    err.code = tsr_error_code_for(status);
    err.cause = APR_SUCCESS;
    return tsr_io_send_error(r, &err);
}
