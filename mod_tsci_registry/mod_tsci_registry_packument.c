/* mod_tsci_registry_packument.c: GET /<name>, the read every install
 * makes, full or abbreviated, plain or gzip'd.
 *
 * A client that takes gzip (every npm, pnpm, yarn and bun request) gets
 * the gzip record the last write kept ready (tsr_gzip.h): one lookup and
 * one write of bytes, as for the plain view.  A record is made for the
 * base URL of the npm Location the write came through, because the tarball
 * links inside it are part of the compressed bytes; a request whose base
 * differs (another Location, another Host, a proxy's X-Forwarded-Host)
 * gets its body compressed from the plain view while it waits, so every
 * base gets its own links.  A registry has one public base in practice,
 * so that is the rare case; docs/performance.md measures both.
 *
 * mod_deflate, when an administrator turns it on, never touches these
 * responses: they are compressed already, or compressed on purpose not. */
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
#include "tsr_gzip.h"
#include "tsr_name.h"
#include "tsr_view.h"

APLOG_USE_MODULE(tsci_registry);

#define ABBREV_TYPE "application/vnd.npm.install-v1+json"

/* Caching of a public packument: what the public registry sends.  Five
 * minutes bounds how long a client or a cache in front may install from a
 * document without asking (bun honours it; npm and yarn revalidate with
 * the ETag anyway, and npm asks again when a version it needs is
 * missing).  A restricted one is private and always revalidated: who may
 * read it can change at any time. */
#define PUBLIC_CACHING "public, max-age=300"
#define PRIVATE_CACHING "private, no-cache"

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

/* The plain form's ETag: the revision, the form, and the base (whose
 * links are in the bytes).  The gzip'd form's is the same with "-gz". */
static const char *plain_etag(request_rec *r, const tsr_view_t *v,
                              int abbrev, const char *base)
{
    apr_ssize_t hlen = (apr_ssize_t)strlen(base);

    return apr_psprintf(r->pool, "\"%.*s-%c%08x\"", (int)v->rev_len, v->rev,
                        abbrev ? 'a' : 'f',
                        apr_hashfunc_default(base, &hlen));
}

static const char *gzip_etag(request_rec *r, const char *plain)
{
    return apr_pstrcat(r->pool, apr_pstrmemdup(r->pool, plain,
                                               strlen(plain) - 1),
                       "-gz\"", NULL);
}

/* Headers of either form, then the conditions: OK to send the body, or
 * the status to answer (304, 412).  A cache holding the other form of the
 * same revision gets its 304 too, with that form's ETag: the bytes it has
 * are still the document. */
static int headers_and_conditions(request_rec *r, const tsr_view_t *v,
                                  int abbrev, const char *base, int gz)
{
    const char *plain = plain_etag(r, v, abbrev, base);
    const char *mine = gz ? gzip_etag(r, plain) : plain;
    const char *other = gz ? plain : gzip_etag(r, plain);
    const char *inm = apr_table_get(r->headers_in, "If-None-Match");
    int rc;

    apr_table_setn(r->headers_out, "Vary", "Accept-Encoding, Accept");
    apr_table_setn(r->headers_out, "Cache-Control",
                   v->readers ? PRIVATE_CACHING : PUBLIC_CACHING);
    apr_table_setn(r->subprocess_env, "no-gzip", "1");
    apr_table_setn(r->headers_out, "ETag", mine);
    ap_update_mtime(r, v->mtime);
    ap_set_last_modified(r);
    if ((rc = ap_meets_conditions(r)) != OK) {
        return rc;
    }
    if (inm && ap_find_etag_weak(r->pool, inm, other)) {
        apr_table_setn(r->headers_out, "ETag", other);
        return HTTP_NOT_MODIFIED;
    }
    return OK;
}

/* A 200 of type ctype whose body is the n pieces of iov (len bytes in
 * all), gzip'd (one piece) or not. */
static int send_pieces(request_rec *r, const char *ctype, int gz,
                       const struct iovec *iov, int n, apr_size_t len)
{
    r->status = HTTP_OK;
    ap_set_content_type(r, ctype);
    if (gz) {
        apr_table_setn(r->headers_out, "Content-Encoding", "gzip");
    }
    ap_set_content_length(r, (apr_off_t)len);
    if (r->header_only) {
        return OK;
    }
    return tsr_io_pass_iovec(r, iov, n, len);
}

/* May the asker read v?  A restricted package is missing to whoever may
 * not: the same 404 as a package that does not exist. */
static int readable(tsr_req_t *q, const tsr_view_t *v)
{
    return v->readers == NULL || tsr_view_readable_by(v, q->who->user)
           || tsr_conf_is_admin(q->d, q->who->user);
}

static int not_found(tsr_req_t *q)
{
    return tsr_io_refuse(q->r, HTTP_NOT_FOUND, "package not found");
}

static int send_form(tsr_req_t *q, const tsr_view_t *v, int abbrev,
                     const char *base, int gz, const struct iovec *iov,
                     int n, apr_size_t len)
{
    int rc;

    if (!readable(q, v)) {
        return not_found(q);
    }
    if ((rc = headers_and_conditions(q->r, v, abbrev, base, gz)) != OK) {
        q->r->status = rc;
        return rc;
    }
    return send_pieces(q->r, abbrev ? ABBREV_TYPE : "application/json", gz,
                       iov, n, len);
}

/* The gzip record of name when it was made for base: sent, or DECLINED
 * when there is none for base (or the store failed: the plain view's
 * lookup then says what to answer). */
static int send_stored_gzip(tsr_req_t *q, const char *name, int abbrev,
                            const char *base)
{
    const char *rec, *rbase;
    apr_size_t len, rblen;
    struct iovec iov;
    tsr_view_t v;

    if (tsr_store_package_view(q->store, q->r->pool, name,
                               abbrev ? TSR_VIEW_ABBREV_GZ
                                      : TSR_VIEW_FULL_GZ, &rec, &len)
            != APR_SUCCESS
        || tsr_gzip_record_decode(rec, len, &rbase, &rblen, &v)
               != APR_SUCCESS
        || rblen != strlen(base) || memcmp(rbase, base, rblen) != 0) {
        return DECLINED;
    }
    iov.iov_base = (void *)v.payload;
    iov.iov_len = v.payload_len;
    return send_form(q, &v, abbrev, base, 1, &iov, 1, v.payload_len);
}

int tsr_npm_packument(tsr_req_t *q)
{
    request_rec *r = q->r;
    const char *name = tsr_route_param(&q->rt, "name"), *blob, *base;
    int abbrev = wants_abbreviated(r), rc, gz, n;
    apr_size_t len, blen;
    struct iovec *iov;
    tsr_error_t *err = NULL;
    tsr_view_t v;
    apr_status_t rv;

    if (tsr_name_check(r->pool, name, &err) != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    if ((rc = tsr_rules_check(r, q->d, name, TSR_RULE_READ)) != OK) {
        tsr_rules_refuse(r, name, rc);
        return DONE;
    }
    base = tsr_npm_base_url(q);
    blen = strlen(base);
    gz = tsr_gzip_accepted(apr_table_get(r->headers_in, "Accept-Encoding"));
    if (gz && (rc = send_stored_gzip(q, name, abbrev, base)) != DECLINED) {
        return rc;
    }
    rv = tsr_store_package_view(q->store, r->pool, name,
                                abbrev ? TSR_VIEW_ABBREV : TSR_VIEW_FULL,
                                &blob, &len);
    if (rv == TSR_ENOTFOUND) {
        return not_found(q);
    }
    if (rv != APR_SUCCESS) {
        return tsr_io_refuse(r, HTTP_SERVICE_UNAVAILABLE, "the registry "
                             "store is unavailable, try again");
    }
    if (tsr_view_decode(&v, blob, len) != APR_SUCCESS) {
        return tsr_io_refuse(r, HTTP_INTERNAL_SERVER_ERROR, "the stored "
                             "document of %s is unreadable", name);
    }
    if (gz) {
        struct iovec one;

        /* Compressed only once the conditions say a body is sent. */
        if (!readable(q, &v)) {
            return not_found(q);
        }
        if ((rc = headers_and_conditions(r, &v, abbrev, base, 1)) != OK) {
            r->status = rc;
            return rc;
        }
        rv = tsr_gzip_view(&blob, &len, r->pool, &v, base, blen,
                           TSR_GZIP_LIVE_LEVEL);
        if (rv != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, "TSR00171: cannot "
                          "gzip the document of %s", name);
            return tsr_io_refuse(r, HTTP_INTERNAL_SERVER_ERROR, "the "
                                 "document of %s could not be compressed",
                                 name);
        }
        one.iov_base = (void *)blob;
        one.iov_len = len;
        return send_pieces(r, abbrev ? ABBREV_TYPE : "application/json", 1,
                           &one, 1, len);
    }
    iov = apr_palloc(r->pool, (2 * v.nsplice + 1) * sizeof(*iov));
    n = tsr_view_iovec(&v, base, blen, iov);
    return send_form(q, &v, abbrev, base, 0, iov, n,
                     tsr_view_length(&v, blen));
}
