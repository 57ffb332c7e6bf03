/* tsr_error: construction of error records. */
#include <apr_strings.h>
#include "tsr_error.h"

const char *tsr_error_code_for(int http_status)
{
    switch (http_status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 422: return "unprocessable_entity";
    case 503: return "unavailable";
    case 507: return "insufficient_storage";
    default:  return http_status >= 500 ? "internal_error" : "bad_request";
    }
}

static apr_status_t fill(tsr_error_t **perr, apr_pool_t *p, int status,
                         const char *code, apr_status_t cause,
                         const char *fmt, va_list ap)
{
    tsr_error_t *e;

    if (perr == NULL) {
        return TSR_EREFUSED;
    }
    e = apr_pcalloc(p, sizeof(*e));
    e->http_status = status;
    e->code = code ? code : tsr_error_code_for(status);
    e->message = apr_pvsprintf(p, fmt, ap);
    e->cause = cause;
    *perr = e;
    return TSR_EREFUSED;
}

apr_status_t tsr_error_set(tsr_error_t **perr, apr_pool_t *p, int http_status,
                           const char *code, const char *fmt, ...)
{
    va_list ap;
    apr_status_t rv;

    va_start(ap, fmt);
    rv = fill(perr, p, http_status, code, APR_SUCCESS, fmt, ap);
    va_end(ap);
    return rv;
}

apr_status_t tsr_error_internal(tsr_error_t **perr, apr_pool_t *p,
                                apr_status_t cause, const char *fmt, ...)
{
    va_list ap;
    apr_status_t rv;

    va_start(ap, fmt);
    rv = fill(perr, p, 500, "internal_error", cause, fmt, ap);
    va_end(ap);
    return rv;
}
