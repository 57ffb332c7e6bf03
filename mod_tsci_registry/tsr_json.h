/* tsr_json: json-c documents tied to APR pools, with the parser limits every
 * client-supplied document goes through. */
#ifndef TSR_JSON_H
#define TSR_JSON_H

#include <apr_pools.h>
#include <apr_time.h>
#include <json-c/json.h>
#include "tsr_error.h"

/* Nesting deeper than this is refused; package.json files in the wild stay
 * far below it. */
#define TSR_JSON_MAX_DEPTH 64

/* Parse len bytes of buf as one JSON value.  The result is released when p
 * is cleared.  Trailing data, invalid UTF-8, nesting deeper than max_depth
 * and an object key containing \u0000 (json-c would cut the key at the NUL)
 * are refused with a 400 in *perr. */
apr_status_t tsr_json_parse(json_object **pobj, apr_pool_t *p,
                            const char *buf, apr_size_t len, int max_depth,
                            tsr_error_t **perr);

/* Tie obj (a reference the caller owns) to p: json_object_put on cleanup. */
json_object *tsr_json_own(apr_pool_t *p, json_object *obj);

/* Compact serialization of obj, copied into p; *plen gets the length. */
const char *tsr_json_serialize(apr_pool_t *p, json_object *obj,
                               apr_size_t *plen);

/* The string member key of obj, or NULL when absent, not a string, or a
 * string containing U+0000 (as a C string it would read as something
 * shorter than what the client sent). */
const char *tsr_json_str(json_object *obj, const char *key);

/* v as a C string under the same rule: NULL unless v is a string without
 * U+0000. */
const char *tsr_json_cstr(json_object *v);

/* The object member key of obj, or NULL when absent or not an object. */
json_object *tsr_json_obj(json_object *obj, const char *key);

/* Set obj[key] to a new string (obj takes the reference). */
void tsr_json_set_str(json_object *obj, const char *key, const char *val);

/* A deep copy of src, owned by the caller (attach it or tsr_json_own it). */
json_object *tsr_json_copy(json_object *src);

/* ISO 8601 UTC time with milliseconds, as npm writes times (in p). */
const char *tsr_json_time(apr_pool_t *p, apr_time_t t);

/* 1 if len bytes of s are valid UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF), the check tsr_json_parse makes. */
int tsr_json_utf8_valid(const char *s, apr_size_t len);

#endif
