/* tsr_json: pool-bound json-c parsing and serialization. */
#include <limits.h>
#include <string.h>
#include <apr_strings.h>
#include "tsr_json.h"

static apr_status_t put_cleanup(void *data)
{
    json_object_put(data);
    return APR_SUCCESS;
}

json_object *tsr_json_own(apr_pool_t *p, json_object *obj)
{
    if (obj != NULL) {
        apr_pool_cleanup_register(p, obj, put_cleanup,
                                  apr_pool_cleanup_null);
    }
    return obj;
}

/* RFC 3629: json-c's own check lets overlong forms, surrogates and code
 * points above U+10FFFF through. */
static int utf8_valid(const unsigned char *s, apr_size_t len)
{
    apr_size_t i = 0, n, k;
    apr_uint32_t cp;

    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if (s[i] >= 0xc2 && s[i] <= 0xdf) {
            n = 1;
            cp = s[i] & 0x1f;
        }
        else if (s[i] >= 0xe0 && s[i] <= 0xef) {
            n = 2;
            cp = s[i] & 0x0f;
        }
        else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
            n = 3;
            cp = s[i] & 0x07;
        }
        else {
            return 0;
        }
        if (len - i <= n) {
            return 0;
        }
        for (k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000)
            || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }
        i += n + 1;
    }
    return 1;
}

/* 1 if some object key of the (well-formed) JSON text buf spells U+0000
 * with an escape.  json-c keeps keys as C strings, so such a key would
 * silently lose everything from the NUL on: "1.0.0\u0000x" would become
 * "1.0.0".  A string is a key exactly when the next thing after it, white
 * space aside, is ':'. */
static int key_has_nul(const char *buf, apr_size_t len)
{
    apr_size_t i = 0, j;
    int nul;

    while (i < len) {
        if (buf[i] != '"') {
            i++;
            continue;
        }
        nul = 0;
        for (i++; i < len && buf[i] != '"'; i++) {
            if (buf[i] == '\\' && i + 1 < len) {
                if (buf[i + 1] == 'u' && i + 5 < len
                    && memcmp(buf + i + 2, "0000", 4) == 0) {
                    nul = 1;
                }
                i++;                /* the escaped character is not '"' */
            }
        }
        i++;                        /* past the closing quote */
        if (nul) {
            for (j = i; j < len && (buf[j] == ' ' || buf[j] == '\t'
                                    || buf[j] == '\r' || buf[j] == '\n');
                 j++) {
            }
            if (j < len && buf[j] == ':') {
                return 1;
            }
        }
    }
    return 0;
}

apr_status_t tsr_json_parse(json_object **pobj, apr_pool_t *p,
                            const char *buf, apr_size_t len, int max_depth,
                            tsr_error_t **perr)
{
    json_tokener *tok;
    json_object *obj;
    enum json_tokener_error jerr;
    apr_status_t rv = APR_SUCCESS;
    apr_size_t i;

    *pobj = NULL;
    if (len == 0) {
        return tsr_error_set(perr, p, 400, NULL, "the request body is empty");
    }
    if (len > INT_MAX) {
        /* json-c counts in int; the body limits stop far below this. */
        return tsr_error_set(perr, p, 413, NULL, "the document is too large");
    }
    if (!utf8_valid((const unsigned char *)buf, len)) {
        return tsr_error_set(perr, p, 400, NULL,
                             "malformed JSON: invalid UTF-8");
    }
    /* json-c counts the value itself as a level: "{}" needs a depth of 2. */
    tok = json_tokener_new_ex(max_depth + 1);
    if (tok == NULL) {
        return tsr_error_internal(perr, p, APR_ENOMEM, "out of memory");
    }
    json_tokener_set_flags(tok,
                           JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    obj = json_tokener_parse_ex(tok, buf, (int)len);
    jerr = json_tokener_get_error(tok);
    if (jerr == json_tokener_continue) {
        /* A bare number may still be waiting for more digits: a NUL tells
         * json-c the input is over. */
        obj = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
        if (jerr == json_tokener_success) {
            json_tokener_free(tok);
            *pobj = tsr_json_own(p, obj);
            return APR_SUCCESS;
        }
        jerr = json_tokener_continue;
    }
    if (jerr == json_tokener_continue) {
        rv = tsr_error_set(perr, p, 400, NULL,
                           "malformed JSON: the document ends too early");
    }
    else if (jerr != json_tokener_success) {
        rv = tsr_error_set(perr, p, 400, NULL, "malformed JSON: %s",
                           jerr == json_tokener_error_depth
                               ? "nested too deeply"
                               : json_tokener_error_desc(jerr));
    }
    else {
        /* Whatever follows the value may only be white space. */
        for (i = json_tokener_get_parse_end(tok); i < len; i++) {
            if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r'
                && buf[i] != '\n') {
                rv = tsr_error_set(perr, p, 400, NULL,
                                   "malformed JSON: unexpected data after "
                                   "the document");
                break;
            }
        }
        if (rv == APR_SUCCESS && key_has_nul(buf, len)) {
            rv = tsr_error_set(perr, p, 400, NULL,
                               "malformed JSON: an object key contains "
                               "U+0000");
        }
    }
    json_tokener_free(tok);
    if (rv != APR_SUCCESS) {
        json_object_put(obj);
        return rv;
    }
    *pobj = tsr_json_own(p, obj);
    return APR_SUCCESS;
}

const char *tsr_json_serialize(apr_pool_t *p, json_object *obj,
                               apr_size_t *plen)
{
    size_t len = 0;
    const char *s = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

    if (plen) {
        *plen = len;
    }
    return apr_pstrmemdup(p, s, len);
}

const char *tsr_json_cstr(json_object *v)
{
    const char *s;

    if (v == NULL || !json_object_is_type(v, json_type_string)) {
        return NULL;
    }
    s = json_object_get_string(v);
    /* A string with U+0000 in it would be read only up to the NUL: whoever
     * compared or stored it would see another value than the client sent. */
    if ((size_t)json_object_get_string_len(v) != strlen(s)) {
        return NULL;
    }
    return s;
}

const char *tsr_json_str(json_object *obj, const char *key)
{
    json_object *v;

    if (obj == NULL || !json_object_is_type(obj, json_type_object)
        || !json_object_object_get_ex(obj, key, &v)) {
        return NULL;
    }
    return tsr_json_cstr(v);
}

json_object *tsr_json_obj(json_object *obj, const char *key)
{
    json_object *v;

    if (obj == NULL || !json_object_is_type(obj, json_type_object)
        || !json_object_object_get_ex(obj, key, &v)
        || !json_object_is_type(v, json_type_object)) {
        return NULL;
    }
    return v;
}

void tsr_json_set_str(json_object *obj, const char *key, const char *val)
{
    json_object_object_add(obj, key, json_object_new_string(val));
}

json_object *tsr_json_copy(json_object *src)
{
    json_object *dst = NULL;

    if (json_object_deep_copy(src, &dst, NULL) != 0) {
        return NULL;
    }
    return dst;
}

const char *tsr_json_time(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t x;

    apr_time_exp_gmt(&x, t);
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                        x.tm_year + 1900, x.tm_mon + 1, x.tm_mday, x.tm_hour,
                        x.tm_min, x.tm_sec, x.tm_usec / 1000);
}

int tsr_json_utf8_valid(const char *s, apr_size_t len)
{
    return utf8_valid((const unsigned char *)s, len);
}
