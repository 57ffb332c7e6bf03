/* mod_tsci_registry_handler.c: the content handler.  It routes a request
 * (tsr_route) to one operation, and each operation is a short call into
 * the core followed by one response. */
#include <string.h>
#include "apr_strings.h"
#include "apr_hash.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_tsci_registry.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_packument.h"
#include "tsr_publish.h"
#include "tsr_route.h"
#include "tsr_view.h"

APLOG_USE_MODULE(tsci_registry);

#define ABBREV_TYPE "application/vnd.npm.install-v1+json"

typedef struct req_t {
    request_rec *r;
    tsr_dir_conf_t *d;
    tsr_store_t *store;
    tsr_route_t rt;
    const char *user;           /* from the Bearer token, or NULL */
    int bad_token;
} req_t;

/* Where tarball links point: the configured public URL, else this
 * request's scheme, host, port and Location. */
static const char *base_url(req_t *q)
{
    if (q->d->base_url) {
        return q->d->base_url;
    }
    return ap_construct_url(q->r->pool,
                            ap_os_escape_path(q->r->pool, q->d->prefix, 1),
                            q->r);
}

/* Does Accept ask for the abbreviated form (named, with q > 0)? */
static int wants_abbreviated(request_rec *r)
{
    const char *accept = apr_table_get(r->headers_in, "Accept");
    const char *at, *end, *q;

    if (accept == NULL
        || (at = ap_strcasestr(accept, ABBREV_TYPE)) == NULL) {
        return 0;
    }
    end = strchr(at, ',');
    q = ap_strcasestr(at, "q=");
    if (q && (end == NULL || q < end)) {
        return strtod(q + 2, NULL) > 0.0;
    }
    return 1;
}

static int check_name(req_t *q)
{
    tsr_error_t *err = NULL;

    if (tsr_name_check(q->r->pool, q->rt.name, &err) != APR_SUCCESS) {
        return tsr_io_send_error(q->r, err);
    }
    return OK;
}

static int not_found(req_t *q, const char *what)
{
    return tsr_io_refuse(q->r, 404, "%s not found", what);
}

static int store_failed(req_t *q, apr_status_t rv)
{
    return tsr_io_refuse(q->r, 503, "the registry store is unavailable, "
                         "try again");
}

static int op_meta(req_t *q)
{
    tsr_store_stats_t st;
    json_object *o;
    apr_status_t rv;

    if ((rv = tsr_store_stats(q->store, q->r->pool, &st)) != APR_SUCCESS) {
        return store_failed(q, rv);
    }
    o = tsr_json_own(q->r->pool, json_object_new_object());
    tsr_json_set_str(o, "db_name", "registry");
    tsr_json_set_str(o, "engine", "mod_tsci_registry");
    json_object_object_add(o, "doc_count",
                           json_object_new_int64((int64_t)st.doc_count));
    json_object_object_add(o, "doc_del_count",
                           json_object_new_int64((int64_t)st.doc_del_count));
    json_object_object_add(o, "update_seq",
                           json_object_new_int64((int64_t)st.update_seq));
    json_object_object_add(o, "purge_seq", json_object_new_int64(0));
    json_object_object_add(o, "compact_running",
                           json_object_new_boolean(0));
    json_object_object_add(o, "disk_size",
                           json_object_new_int64((int64_t)st.disk_size));
    json_object_object_add(o, "data_size",
                           json_object_new_int64((int64_t)st.data_size));
    tsr_json_set_str(o, "instance_start_time",
                     apr_psprintf(q->r->pool, "%" APR_TIME_T_FMT,
                                  st.start_time));
    json_object_object_add(o, "disk_format_version",
                           json_object_new_int64(1));
    json_object_object_add(o, "committed_update_seq",
                           json_object_new_int64((int64_t)st.update_seq));
    return tsr_io_send_json(q->r, 200, o);
}

static int op_ping(req_t *q)
{
    return tsr_io_send_text(q->r, 200, "application/json", "{}", 2);
}

/* GET /<name>: one lookup, then the stored bytes with the base spliced
 * in; the revision makes the ETag. */
static int send_view(request_rec *r, const tsr_view_t *v, const char *base,
                     apr_size_t blen, const char *ctype);

static int op_packument(req_t *q)
{
    request_rec *r = q->r;
    int abbrev = wants_abbreviated(r), rc;
    const char *blob, *base;
    apr_size_t len, blen;
    apr_ssize_t hlen;
    tsr_view_t v;
    apr_status_t rv;

    if ((rc = check_name(q)) != OK) {
        return rc;
    }
    rv = tsr_store_package_view(q->store, r->pool, q->rt.name,
                                abbrev ? TSR_VIEW_ABBREV : TSR_VIEW_FULL,
                                &blob, &len);
    if (rv == TSR_ENOTFOUND) {
        return not_found(q, "package");
    }
    if (rv != APR_SUCCESS || tsr_view_decode(&v, blob, len) != APR_SUCCESS) {
        return store_failed(q, rv);
    }
    base = base_url(q);
    blen = strlen(base);
    hlen = (apr_ssize_t)blen;
    apr_table_mergen(r->headers_out, "Vary", "Accept");
    apr_table_setn(r->headers_out, "ETag",
                   apr_psprintf(r->pool, "\"%.*s-%c%08x\"", (int)v.rev_len,
                                v.rev, abbrev ? 'a' : 'f',
                                apr_hashfunc_default(base, &hlen)));
    apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
    ap_update_mtime(r, v.mtime);
    ap_set_last_modified(r);
    if ((rc = ap_meets_conditions(r)) != OK) {
        r->status = rc;
        return rc;
    }
    return send_view(r, &v, base, blen,
                     abbrev ? ABBREV_TYPE : "application/json");
}

/* Send view v with base spliced in, as a 200 of type ctype. */
static int send_view(request_rec *r, const tsr_view_t *v, const char *base,
                     apr_size_t blen, const char *ctype)
{
    struct iovec *iov;
    apr_bucket_brigade *bb;
    int i, n;

    r->status = 200;
    ap_set_content_type(r, ctype);
    ap_set_content_length(r, (apr_off_t)tsr_view_length(v, blen));
    if (r->header_only) {
        return OK;
    }
    iov = apr_palloc(r->pool, (2 * v->nsplice + 1) * sizeof(*iov));
    n = tsr_view_iovec(v, base, blen, iov);
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    for (i = 0; i < n; i++) {
        if (iov[i].iov_len > 0) {
            APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_transient_create(
                                            iov[i].iov_base, iov[i].iov_len,
                                            r->connection->bucket_alloc));
        }
    }
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(
                                    r->connection->bucket_alloc));
    return ap_pass_brigade(r->output_filters, bb) == APR_SUCCESS
               ? OK : AP_FILTER_ERROR;
}

/* GET /<name>/<version or tag>: the one manifest. */
static int op_version(req_t *q)
{
    const char *text;
    apr_size_t len;
    json_object *doc, *m;
    tsr_view_t v;
    apr_status_t rv;
    int rc;

    if ((rc = check_name(q)) != OK) {
        return rc;
    }
    /* A version's view is ready since it was published; a dist-tag, or a
     * version published before views were kept, is found in the document. */
    if (tsr_store_package_version_view(q->store, q->r->pool, q->rt.name,
                                       q->rt.spec, &text, &len)
            == APR_SUCCESS
        && tsr_view_decode(&v, text, len) == APR_SUCCESS) {
        const char *base = base_url(q);

        apr_table_setn(q->r->headers_out, "Cache-Control", "no-cache");
        return send_view(q->r, &v, base, strlen(base), "application/json");
    }
    rv = tsr_store_package_doc(q->store, q->r->pool, q->rt.name, &text,
                               &len);
    if (rv == TSR_ENOTFOUND) {
        return not_found(q, "package");
    }
    if (rv != APR_SUCCESS
        || tsr_json_parse(&doc, q->r->pool, text, len, 1000, NULL)
               != APR_SUCCESS) {
        return store_failed(q, rv);
    }
    m = tsr_packument_version(q->r->pool, doc, q->rt.spec, base_url(q));
    if (m == NULL) {
        return tsr_io_refuse(q->r, 404, "version not found: %s@%s",
                             q->rt.name, q->rt.spec);
    }
    apr_table_setn(q->r->headers_out, "Cache-Control", "no-cache");
    return tsr_io_send_json(q->r, 200, m);
}

/* PUT /<name> with a tarball: npm publish. */
static int op_publish(req_t *q)
{
    request_rec *r = q->r;
    tsr_error_t *err = NULL;
    tsr_tarball_limits_t lim;
    tsr_publish_t *pub;
    tsr_publish_result_t res = { 0 };
    tsr_publisher_t who = { 0 };
    json_object *body, *o, *urec;
    const char *rec;
    apr_size_t len;
    int rc;

    if (q->user == NULL) {
        return tsr_auth_challenge(r, q->bad_token);
    }
    if ((rc = check_name(q)) != OK) {
        return rc;
    }
    tsr_tarball_default_limits(&lim);
    if (tsr_io_read_json(r, tsr_conf_max_body(q->d), &body, &err)
            != APR_SUCCESS
        || tsr_publish_parse(&pub, r->pool, q->rt.name, body, &lim, &err)
               != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    who.name = q->user;
    if (tsr_store_user_get(q->store, r->pool, q->user, &rec, &len)
            == APR_SUCCESS
        && tsr_json_parse(&urec, r->pool, rec, len, 8, NULL) == APR_SUCCESS) {
        who.email = tsr_json_str(urec, "email");
    }
    if (tsr_publish_commit(&res, r->pool, q->store, pub, &who, &err)
        != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "TSR00040: %s published %s@%s (tag %s)", q->user,
                  pub->name, pub->version, pub->tag);
    o = tsr_json_own(r->pool, json_object_new_object());
    json_object_object_add(o, "ok", json_object_new_boolean(1));
    json_object_object_add(o, "success", json_object_new_boolean(1));
    tsr_json_set_str(o, "id", pub->name);
    tsr_json_set_str(o, "rev", res.rev);
    return tsr_io_send_json(r, 201, o);
}

static int handler(request_rec *r)
{
    req_t q;
    const char *rel;

    if (r->handler == NULL || strcmp(r->handler, TSR_HANDLER) != 0) {
        return DECLINED;
    }
    memset(&q, 0, sizeof(q));
    q.r = r;
    q.d = ap_get_module_config(r->per_dir_config, &tsci_registry_module);
    if (!tsr_conf_enabled(q.d)
        || (rel = tsr_map_relative_path(r, q.d)) == NULL) {
        return DECLINED;
    }
    tsr_route_match(&q.rt, r->pool, r->method, rel);
    if (q.rt.op == TSR_OP_NOT_FOUND) {
        return not_found(&q, "resource");
    }
    if (q.rt.op == TSR_OP_BAD_METHOD) {
        apr_table_setn(r->err_headers_out, "Allow", q.rt.allow);
        return tsr_io_refuse(r, 405, "%s is not allowed here; use %s",
                             r->method, q.rt.allow);
    }
    if ((q.store = tsr_request_store(r)) == NULL) {
        return tsr_io_refuse(r, 503, "the registry store is unavailable");
    }
    q.user = tsr_auth_request_user(r, q.store, &q.bad_token);

    switch (q.rt.op) {
    case TSR_OP_META:
        return op_meta(&q);
    case TSR_OP_PING:
        return op_ping(&q);
    case TSR_OP_WHOAMI:
        return tsr_auth_whoami(r, q.user, q.bad_token);
    case TSR_OP_ADDUSER:
        return tsr_auth_adduser(r, q.store, q.d, q.rt.user);
    case TSR_OP_LOGOUT:
        return tsr_auth_logout(r, q.store, q.rt.token);
    case TSR_OP_PACKUMENT:
        return op_packument(&q);
    case TSR_OP_VERSION:
        return op_version(&q);
    case TSR_OP_PUBLISH:
        return op_publish(&q);
    case TSR_OP_TARBALL:
        /* Existing tarballs never get here: the core handler sends them. */
        return not_found(&q, "tarball");
    default:
        return not_found(&q, "resource");
    }
}

void tsr_handler_register_hooks(apr_pool_t *p)
{
    ap_hook_handler(handler, NULL, NULL, APR_HOOK_MIDDLE);
}
