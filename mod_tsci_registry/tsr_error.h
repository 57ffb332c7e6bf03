/* tsr_error: the error record that carries a refusal from the core up to
 * whoever renders it for a client. */
#ifndef TSR_ERROR_H
#define TSR_ERROR_H

#include <apr_pools.h>
#include <apr_errno.h>

/* Returned by core functions whose failure is described by a tsr_error_t
 * (a refusal of the client's input, or a store failure already logged). */
#define TSR_EREFUSED (APR_OS_START_USERERR + 7001)

typedef struct tsr_error_t {
    int http_status;        /* e.g. 400, 403, 404, 409, 413, 500 */
    const char *code;       /* short stable word: "bad_request", ... */
    const char *message;    /* one sentence a user can act on */
    apr_status_t cause;     /* underlying library status, or APR_SUCCESS */
} tsr_error_t;

/* Fill *perr (allocated in p) and return TSR_EREFUSED.  perr may be NULL,
 * in which case only the status is returned. */
apr_status_t tsr_error_set(tsr_error_t **perr, apr_pool_t *p, int http_status,
                           const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Like tsr_error_set, for a failure inside the server (HTTP 500) whose
 * library status is cause. */
apr_status_t tsr_error_internal(tsr_error_t **perr, apr_pool_t *p,
                                apr_status_t cause, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The default code word for an HTTP status (400 -> "bad_request"). */
const char *tsr_error_code_for(int http_status);

#endif
