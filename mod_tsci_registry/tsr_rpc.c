/* tsr_rpc: merging a query string and a JSON body into one parameter
 * object, and reading typed parameters from it. */
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include <apr_strings.h>
#include "tsr_rpc.h"
#include "tsr_json.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* len bytes of s, form-decoded into p; NULL when an escape is malformed
 * or decodes to NUL.  *plen gets the decoded length. */
static char *form_decode(apr_pool_t *p, const char *s, apr_size_t len,
                         apr_size_t *plen)
{
    char *out = apr_palloc(p, len + 1);
    apr_size_t i, n = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == '+') {
            out[n++] = ' ';
        }
        else if (s[i] == '%') {
            int hi, lo;

            if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0
                || (lo = hexval(s[i + 2])) < 0 || (hi | lo) == 0) {
                return NULL;
            }
            out[n++] = (char)(hi * 16 + lo);
            i += 2;
        }
        else {
            out[n++] = s[i];
        }
    }
    out[n] = '\0';
    *plen = n;
    return out;
}

apr_status_t tsr_rpc_add_query(json_object *obj, apr_pool_t *p,
                               const char *args, tsr_error_t **perr)
{
    const char *s = args;

    while (s != NULL && *s != '\0') {
        apr_size_t len = strcspn(s, "&"), klen, keylen, vallen;
        const char *eq = memchr(s, '=', len);
        char *key, *val;

        if (len > 0) {
            klen = eq ? (apr_size_t)(eq - s) : len;
            key = form_decode(p, s, klen, &keylen);
            val = eq ? form_decode(p, eq + 1, len - klen - 1, &vallen)
                     : apr_pstrdup(p, "");
            if (!eq) {
                vallen = 0;
            }
            if (key == NULL || val == NULL
                || !tsr_json_utf8_valid(key, keylen)
                || !tsr_json_utf8_valid(val, vallen)) {
                return tsr_error_set(perr, p, 400, TSR_RPC_INVALID,
                                     "the query string is not valid "
                                     "(a bad %%-escape, a NUL or invalid "
                                     "UTF-8)");
            }
            if (keylen > 0) {
                json_object_object_add(obj, key,
                                       json_object_new_string_len(
                                           val, (int)vallen));
            }
        }
        s += len;
        if (*s == '&') {
            s++;
        }
    }
    return APR_SUCCESS;
}

apr_status_t tsr_rpc_add_body(json_object *obj, json_object *body,
                              apr_pool_t *p, tsr_error_t **perr)
{
    if (body == NULL) {
        return APR_SUCCESS;
    }
    if (!json_object_is_type(body, json_type_object)) {
        return tsr_error_set(perr, p, 400, TSR_RPC_INVALID,
                             "the request body must be a JSON object");
    }
    json_object_object_foreach(body, k, v) {
        json_object_object_add(obj, k, json_object_get(v));
    }
    return APR_SUCCESS;
}

static apr_status_t wrong_type(apr_pool_t *p, tsr_error_t **perr,
                               const char *key, const char *what)
{
    return tsr_error_set(perr, p, 400, TSR_RPC_INVALID,
                         "the parameter %s must be %s", key, what);
}

apr_status_t tsr_rpc_str(json_object *params, const char *key,
                         const char **out, apr_pool_t *p,
                         tsr_error_t **perr)
{
    json_object *v = NULL;

    *out = NULL;
    if (params == NULL || !json_object_object_get_ex(params, key, &v)
        || v == NULL) {
        return APR_SUCCESS;
    }
    switch (json_object_get_type(v)) {
    case json_type_string:
        if ((*out = tsr_json_cstr(v)) == NULL) {
            return wrong_type(p, perr, key, "a string without NUL");
        }
        return APR_SUCCESS;
    case json_type_int:
    case json_type_double:
        *out = apr_pstrdup(p, json_object_to_json_string(v));
        return APR_SUCCESS;
    default:
        return wrong_type(p, perr, key, "a string");
    }
}

apr_status_t tsr_rpc_need_str(json_object *params, const char *key,
                              const char **out, apr_pool_t *p,
                              tsr_error_t **perr)
{
    apr_status_t rv = tsr_rpc_str(params, key, out, p, perr);

    if (rv == APR_SUCCESS && *out == NULL) {
        return tsr_error_set(perr, p, 400, TSR_RPC_INVALID,
                             "the parameter %s is required", key);
    }
    return rv;
}

apr_status_t tsr_rpc_bool(json_object *params, const char *key, int dflt,
                          int *out, apr_pool_t *p, tsr_error_t **perr)
{
    json_object *v = NULL;
    const char *s;

    *out = dflt;
    if (params == NULL || !json_object_object_get_ex(params, key, &v)
        || v == NULL) {
        return APR_SUCCESS;
    }
    if (json_object_is_type(v, json_type_boolean)) {
        *out = json_object_get_boolean(v);
        return APR_SUCCESS;
    }
    if ((s = tsr_json_cstr(v)) != NULL) {
        if (strcmp(s, "true") == 0) {
            *out = 1;
            return APR_SUCCESS;
        }
        if (strcmp(s, "false") == 0) {
            *out = 0;
            return APR_SUCCESS;
        }
    }
    return wrong_type(p, perr, key, "true or false");
}

apr_status_t tsr_rpc_int(json_object *params, const char *key,
                         apr_int64_t dflt, apr_int64_t min, apr_int64_t max,
                         apr_int64_t *out, apr_pool_t *p,
                         tsr_error_t **perr)
{
    json_object *v = NULL;
    apr_int64_t n;
    const char *s;

    *out = dflt;
    if (params == NULL || !json_object_object_get_ex(params, key, &v)
        || v == NULL) {
        return APR_SUCCESS;
    }
    if (json_object_is_type(v, json_type_int)) {
        n = json_object_get_int64(v);
    }
    else if ((s = tsr_json_cstr(v)) != NULL && *s != '\0') {
        char *end;

        errno = 0;
        n = apr_strtoi64(s, &end, 10);
        if (*end != '\0' || errno != 0) {
            return wrong_type(p, perr, key, "an integer");
        }
    }
    else {
        return wrong_type(p, perr, key, "an integer");
    }
    if (n < min || n > max) {
        return tsr_error_set(perr, p, 400, TSR_RPC_INVALID,
                             "the parameter %s must be between %"
                             APR_INT64_T_FMT " and %" APR_INT64_T_FMT,
                             key, min, max);
    }
    *out = n;
    return APR_SUCCESS;
}
