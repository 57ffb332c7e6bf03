/* mod_tsci_registry_audit.c: the audits npm, pnpm, Yarn and Bun run (npm
 * on every install), answered without an advisory database: the body is
 * read within TsciRegistryMaxAuditBodySize (as sent and once inflated:
 * npm and Bun gzip it), checked, and answered "no advisories" in the form
 * each client reads.  Anyone may ask; the Location's Require still
 * decides who reaches it. */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "mod_tsci_registry.h"
#include "tsr_audit.h"
#include "tsr_body.h"

APLOG_USE_MODULE(tsci_registry);

/* The body of an audit: gzip'd or not, nested as deep as pnpm's tree. */
static apr_status_t read_audit(tsr_req_t *q, json_object **pdoc,
                               tsr_error_t **perr)
{
    return tsr_io_read_body(q->r, tsr_conf_max_audit_body(q->d),
                            TSR_BODY_GZIP | TSR_BODY_DEEP, pdoc, NULL, perr);
}

/* POST /-/npm/v1/security/advisories/bulk: npm audit (and every npm
 * install), yarn npm audit, bun audit.  {} is "found 0 vulnerabilities";
 * a 404 would crash Yarn. */
int tsr_npm_audit_bulk(tsr_req_t *q)
{
    tsr_error_t *err = NULL;
    json_object *doc, *res;

    if (read_audit(q, &doc, &err) != APR_SUCCESS
        || tsr_audit_bulk(&res, q->r->pool, doc, &err) != APR_SUCCESS) {
        return tsr_io_send_error(q->r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, q->r, "TSR00140: audit of %d "
                  "package(s): no advisories", json_object_object_length(doc));
    return tsr_io_send_json(q->r, 200, res);
}

/* POST /-/npm/v1/security/audits/quick and /-/npm/v1/security/audits:
 * pnpm audit.  It reads the legacy report and crashes on {}. */
int tsr_npm_audit_quick(tsr_req_t *q)
{
    tsr_error_t *err = NULL;
    tsr_audit_counts_t c;
    json_object *doc, *res;

    if (read_audit(q, &doc, &err) != APR_SUCCESS
        || tsr_audit_quick(&res, q->r->pool, doc, &c, &err)
               != APR_SUCCESS) {
        return tsr_io_send_error(q->r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, q->r, "TSR00141: audit of a "
                  "tree of %" APR_INT64_T_FMT " package(s): no advisories",
                  c.dependencies + c.dev + c.optional);
    return tsr_io_send_json(q->r, 200, res);
}
