/* mod_tsci_registry_tsci.c: tscircuit's registry API (TsciRegistry tsci):
 * the operations of its route table.  Each moves the request's merged
 * parameters and its asker into the core (tsr_tsci.h) and the core's
 * answer out; download alone answers with the file's bytes. */
#include "apr_strings.h"
#include "httpd.h"
#include "http_protocol.h"
#include "http_log.h"
#include "mod_tsci_registry.h"
#include "tsr_tsci.h"
#include "tsr_tsci_npm.h"

APLOG_USE_MODULE(tsci_registry);

/* Start a call: parameters merged (refusal sent otherwise). */
static int call_of(tsr_req_t *q, tsr_tsci_call_t *c)
{
    json_object *params;
    int rc = tsr_rpc_params(q, 0, &params);

    if (rc != OK) {
        return rc;
    }
    c->store = q->store;
    c->p = q->r->pool;
    c->who = tsr_req_actor(q);
    c->params = params;
    /* An archive may inflate to what a body may be. */
    c->max_inflated = tsr_conf_max_body(q->d);
    return OK;
}

static int refuse(tsr_req_t *q, apr_status_t rv, tsr_error_t *err)
{
    if (err == NULL) {
        tsr_error_internal(&err, q->r->pool, rv, "the tscircuit registry "
                           "failed");
    }
    return tsr_rpc_refuse(q, err);
}

/* After a write: the npm side of what it marked (tsr_tsci_sync.c), before
 * the answer, so that once tsci push is answered npm installs what it
 * pushed.  Marks a crash or a failure left behind are taken up here too,
 * by the next write.  A failure is logged, never the writer's refusal:
 * its own change is committed. */
static void npm_sync(tsr_req_t *q)
{
    int done = 0;
    apr_status_t rv = tsr_tsci_npm_sync(q->store, q->r->pool,
                                        tsr_signing_key(q->r), &done);

    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, q->r, "TSR00242: "
                      "tscircuit to npm: some packages are left for the "
                      "next sync");
    }
    else if (done > 0) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r, "TSR00243: "
                      "tscircuit to npm: %d version(s) published", done);
    }
}

/* Run fn and answer {"ok": true, key: its value}; sync: fn writes. */
static int run_op(tsr_req_t *q, tsr_tsci_fn *fn, const char *key, int sync)
{
    tsr_tsci_call_t c;
    tsr_error_t *err = NULL;
    json_object *out = NULL;
    apr_status_t rv;
    int rc;

    if ((rc = call_of(q, &c)) != OK) {
        return rc;
    }
    if ((rv = fn(&c, &out, &err)) != APR_SUCCESS) {
        return refuse(q, rv, err);
    }
    if (sync) {
        npm_sync(q);
    }
    return tsr_rpc_ok(q, HTTP_OK, out ? key : NULL,
                      out ? json_object_get(out) : NULL);
}

#define OP(fname, core, key) \
    static int fname(tsr_req_t *q) { return run_op(q, core, key, 0); }
#define OPW(fname, core, key) \
    static int fname(tsr_req_t *q) { return run_op(q, core, key, 1); }

OPW(pkg_create, tsr_tsci_packages_create, "package")
OP(pkg_get, tsr_tsci_packages_get, "package")
OP(pkg_list, tsr_tsci_packages_list, "packages")
OP(pkg_search, tsr_tsci_packages_search, "packages")
OPW(pkg_update, tsr_tsci_packages_update, "package")
OPW(pkg_delete, tsr_tsci_packages_delete, NULL)
OPW(rel_create, tsr_tsci_releases_create, "package_release")
OP(rel_get, tsr_tsci_releases_get, "package_release")
OP(rel_list, tsr_tsci_releases_list, "package_releases")
OPW(rel_update, tsr_tsci_releases_update, NULL)
OPW(file_create, tsr_tsci_files_create, "package_file")
OPW(file_upsert, tsr_tsci_files_create_or_update, "package_file")
OP(file_get, tsr_tsci_files_get, "package_file")
OP(file_list, tsr_tsci_files_list, "package_files")
OPW(file_delete, tsr_tsci_files_delete, NULL)
OPW(file_archive, tsr_tsci_files_upload_archive, "package_files")

/* The bytes as stored, named for saving; a file anyone may read is
 * cacheable by anyone, one read with a token only by its reader. */
static int file_download(tsr_req_t *q)
{
    request_rec *r = q->r;
    tsr_tsci_call_t c;
    tsr_tsci_file_t f;
    tsr_error_t *err = NULL;
    const char *base;
    char *name, *s;
    apr_status_t rv;
    int rc;

    if ((rc = call_of(q, &c)) != OK) {
        return rc;
    }
    if ((rv = tsr_tsci_files_download(&c, &f, &err)) != APR_SUCCESS) {
        return refuse(q, rv, err);
    }
    base = strrchr(f.path, '/');
    name = apr_pstrdup(r->pool, base ? base + 1 : f.path);
    for (s = name; *s; s++) {
        if (*s == '"' || *s == '\\') {
            *s = '_';
        }
    }
    apr_table_setn(r->headers_out, "Content-Disposition",
                   apr_psprintf(r->pool, "attachment; filename=\"%s\"",
                                name));
    apr_table_setn(r->headers_out, "Cache-Control", q->who->user
                   ? "private, max-age=0"
                   : "public, max-age=86400, stale-while-revalidate=604800");
    return tsr_io_send_text(r, HTTP_OK, f.mimetype ? f.mimetype
                            : "application/octet-stream", f.data, f.len);
}

static tsr_op_fn *const tsci_ops[TSR_TSCI_OP_COUNT] = {
    [TSR_TSCI_HEALTH] = tsr_rpc_health,
    [TSR_TSCI_PKG_CREATE] = pkg_create,
    [TSR_TSCI_PKG_GET] = pkg_get,
    [TSR_TSCI_PKG_LIST] = pkg_list,
    [TSR_TSCI_PKG_SEARCH] = pkg_search,
    [TSR_TSCI_PKG_UPDATE] = pkg_update,
    [TSR_TSCI_PKG_DELETE] = pkg_delete,
    [TSR_TSCI_REL_CREATE] = rel_create,
    [TSR_TSCI_REL_GET] = rel_get,
    [TSR_TSCI_REL_LIST] = rel_list,
    [TSR_TSCI_REL_UPDATE] = rel_update,
    [TSR_TSCI_FILE_CREATE] = file_create,
    [TSR_TSCI_FILE_UPSERT] = file_upsert,
    [TSR_TSCI_FILE_GET] = file_get,
    [TSR_TSCI_FILE_LIST] = file_list,
    [TSR_TSCI_FILE_DOWNLOAD] = file_download,
    [TSR_TSCI_FILE_DELETE] = file_delete,
    [TSR_TSCI_FILE_ARCHIVE] = file_archive,
    [TSR_TSCI_ACCOUNTS_GET] = tsr_tsci_accounts_get,
    [TSR_TSCI_LOGIN_PAGE_CREATE] = tsr_tsci_login_page_create,
    [TSR_TSCI_LOGIN_PAGE_GET] = tsr_tsci_login_page_get,
    [TSR_TSCI_LOGIN_PAGE_EXCHANGE] = tsr_tsci_login_page_exchange,
    [TSR_TSCI_LOGIN_PAGE_SESSION] = tsr_tsci_login_page_session,
    /* The page and its form are npm's web login's, in tscircuit's words. */
    [TSR_TSCI_LOGIN_PAGE_WEB] = tsr_npm_weblogin_page,
    [TSR_TSCI_LOGIN_PAGE_FORM] = tsr_npm_weblogin_form,
    [TSR_TSCI_SESSIONS_DELETE] = tsr_tsci_sessions_delete,
};

const tsr_api_ops_t tsr_tsci_ops = {
    TSR_API_TSCI, TSR_TSCI_OP_COUNT, tsci_ops
};
