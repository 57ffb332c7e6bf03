/* tsr_rpc: the parameters of an RPC-shaped request (tscircuit's API and
 * the jobs API).  Their clients disagree on where a parameter goes: the
 * same read is sent as GET with a query string or as POST with a JSON
 * body, so both are merged into one object (the body wins) and read back
 * with typed accessors that accept a query's "true" for true.  Pure: no
 * I/O, no httpd. */
#ifndef TSR_RPC_H
#define TSR_RPC_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"

/* The error code of a parameter refusal, as tscircuit's API names it. */
#define TSR_RPC_INVALID "validation_error"

/* Add the members of query string args ("a=1&b=x%20y", '+' a space; NULL
 * or "" adds nothing) to obj as strings; a repeated key keeps its last
 * value.  A malformed escape, a NUL or invalid UTF-8 is a 400. */
apr_status_t tsr_rpc_add_query(json_object *obj, apr_pool_t *p,
                               const char *args, tsr_error_t **perr);

/* Copy every member of body (an object) into obj, replacing what the
 * query gave.  A body that is not an object is a 400. */
apr_status_t tsr_rpc_add_body(json_object *obj, json_object *body,
                              apr_pool_t *p, tsr_error_t **perr);

/* Parameter key of params as a string (a number is taken in its JSON
 * form: ids sent as numbers still name things): APR_SUCCESS with *out
 * NULL when absent or null; a 400 when an object, array or boolean. */
apr_status_t tsr_rpc_str(json_object *params, const char *key,
                         const char **out, apr_pool_t *p,
                         tsr_error_t **perr);

/* The same, and absent is a 400 naming the parameter. */
apr_status_t tsr_rpc_need_str(json_object *params, const char *key,
                              const char **out, apr_pool_t *p,
                              tsr_error_t **perr);

/* Parameter key as a boolean: true/false, or the strings "true"/"false"
 * (a query's form); absent or null leaves *out at dflt. */
apr_status_t tsr_rpc_bool(json_object *params, const char *key, int dflt,
                          int *out, apr_pool_t *p, tsr_error_t **perr);

/* Parameter key as an integer within [min, max], from a number or a
 * decimal string; absent or null leaves *out at dflt. */
apr_status_t tsr_rpc_int(json_object *params, const char *key,
                         apr_int64_t dflt, apr_int64_t min, apr_int64_t max,
                         apr_int64_t *out, apr_pool_t *p,
                         tsr_error_t **perr);

#endif
