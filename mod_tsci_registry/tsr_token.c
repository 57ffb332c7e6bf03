/* tsr_token: tokens (random, stored by their SHA-256) and their records. */
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "tsr_integrity.h"
#include "tsr_json.h"
#include "tsr_token.h"

#define KEY_HEX 64

apr_status_t tsr_token_new(const char **ptoken, unsigned char key[32],
                           apr_pool_t *p)
{
    unsigned char raw[TSR_TOKEN_BYTES];
    apr_status_t rv;

    if ((rv = tsr_integrity_random(raw, sizeof(raw))) != APR_SUCCESS) {
        return rv;
    }
    *ptoken = apr_pstrcat(p, TSR_TOKEN_PREFIX,
                          tsr_integrity_base64url(p, raw, sizeof(raw)), NULL);
    tsr_token_key(key, *ptoken);
    return APR_SUCCESS;
}

void tsr_token_key(unsigned char key[32], const char *token)
{
    tsr_integrity_sha256(key, token, strlen(token));
}

json_object *tsr_token_record(apr_pool_t *p, const char *user,
                              const tsr_token_opts_t *o, const char *shown,
                              const char *created)
{
    json_object *t = tsr_json_own(p, json_object_new_object());
    json_object *list;
    char *cidr, *range, *last;

    tsr_json_set_str(t, "user", user);
    json_object_object_add(t, "readonly",
                           json_object_new_boolean(o && o->readonly));
    tsr_json_set_str(t, "created", created);
    if (shown) {
        tsr_json_set_str(t, "shown", shown);
    }
    if (o && o->name) {
        tsr_json_set_str(t, "name", o->name);
    }
    if (o && o->cidr) {
        list = json_object_new_array();
        cidr = apr_pstrdup(p, o->cidr);
        for (range = apr_strtok(cidr, ",", &last); range;
             range = apr_strtok(NULL, ",", &last)) {
            json_object_array_add(list, json_object_new_string(range));
        }
        json_object_object_add(t, "cidr", list);
    }
    return t;
}

/* The record's ranges as "a/n,b/m", or NULL. */
static const char *record_cidr(apr_pool_t *p, json_object *rec)
{
    json_object *list, *e;
    const char *out = NULL, *s;
    size_t i, n;

    if (!json_object_object_get_ex(rec, "cidr", &list)
        || !json_object_is_type(list, json_type_array)) {
        return NULL;
    }
    n = json_object_array_length(list);
    for (i = 0; i < n; i++) {
        e = json_object_array_get_idx(list, i);
        if (!json_object_is_type(e, json_type_string)) {
            continue;
        }
        s = json_object_get_string(e);
        out = out ? apr_pstrcat(p, out, ",", s, NULL) : apr_pstrdup(p, s);
    }
    /* A record whose every range is unreadable limits the token to no
     * address rather than to none. */
    return out ? out : (n > 0 ? "" : NULL);
}

/* The owner a stored record names, or NULL when it is unreadable. */
static const char *parse_record(json_object **prec, apr_pool_t *p,
                                const char *text, apr_size_t len)
{
    if (tsr_json_parse(prec, p, text, len, 8, NULL) != APR_SUCCESS) {
        return NULL;
    }
    return tsr_json_str(*prec, "user");
}

static int record_readonly(json_object *rec)
{
    json_object *ro;

    return json_object_object_get_ex(rec, "readonly", &ro)
           && json_object_get_boolean(ro);
}

apr_status_t tsr_token_lookup(tsr_token_identity_t *id, apr_pool_t *p,
                              tsr_store_t *store, tsr_tokencache_t *cache,
                              apr_uint32_t gen, const char *token,
                              apr_size_t len)
{
    unsigned char key[32];
    const char *text;
    apr_size_t tlen;
    json_object *rec;
    apr_status_t rv;

    memset(id, 0, sizeof(*id));
    if (len == 0 || memchr(token, '\0', len) != NULL) {
        return TSR_ENOTFOUND;
    }
    tsr_integrity_sha256(key, token, len);
    if (cache && gen && tsr_tokencache_get(cache, p, key, gen, id)) {
        return APR_SUCCESS;
    }
    rv = tsr_store_token_get(store, p, key, &text, &tlen);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if ((id->user = parse_record(&rec, p, text, tlen)) == NULL) {
        return TSR_ENOTFOUND;
    }
    id->readonly = record_readonly(rec);
    id->cidr = record_cidr(p, rec);
    if (cache && gen) {
        tsr_tokencache_put(cache, key, id, gen);
    }
    return APR_SUCCESS;
}

/* Store the record of a new token (key its SHA-256) for user: shown in
 * lists as shown, and a session's id when session is not NULL. */
static apr_status_t store_record(apr_pool_t *p, tsr_store_t *store,
                                 const unsigned char key[32],
                                 const char *user, const tsr_token_opts_t *o,
                                 const char *shown, const char *session,
                                 tsr_error_t **perr)
{
    json_object *rec = tsr_token_record(p, user, o, shown,
                                        tsr_json_time(p, apr_time_now()));
    const char *text;
    apr_size_t len;

    if (session) {
        tsr_json_set_str(rec, "session", session);
    }
    text = tsr_json_serialize(p, rec, &len);
    if (tsr_store_token_put(store, p, key, user, text, len) != APR_SUCCESS) {
        return tsr_error_set(perr, p, 503, NULL, "the token store is "
                             "unavailable, try again");
    }
    return APR_SUCCESS;
}

apr_status_t tsr_token_issue(const char **ptoken, apr_pool_t *p,
                             tsr_store_t *store, const char *user,
                             const tsr_token_opts_t *o, tsr_error_t **perr)
{
    unsigned char key[32];
    const char *token;
    apr_status_t rv;

    if ((rv = tsr_token_new(&token, key, p)) != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "could not make a new token "
                                  "(no randomness)");
    }
    rv = store_record(p, store, key, user, o,
                      apr_pstrndup(p, token, TSR_TOKEN_SHOWN), NULL, perr);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    *ptoken = token;
    return APR_SUCCESS;
}

/* Forget the token of key if its record names user (any user when user
 * is NULL): APR_SUCCESS, TSR_ENOTFOUND, or 503 in *perr. */
static apr_status_t revoke_key(apr_pool_t *p, tsr_store_t *store,
                               const unsigned char key[32], const char *user,
                               tsr_error_t **perr)
{
    const char *text, *owner;
    apr_size_t len;
    json_object *rec;
    apr_status_t rv;

    rv = tsr_store_token_get(store, p, key, &text, &len);
    if (rv == TSR_ENOTFOUND) {
        return rv;
    }
    if (rv != APR_SUCCESS) {
        return tsr_error_set(perr, p, 503, NULL, "the token store is "
                             "unavailable, try again");
    }
    /* An unreadable record still goes; its index entry, if any, stays
     * until the owner's list is read. */
    owner = parse_record(&rec, p, text, len);
    if (user && (owner == NULL || strcmp(owner, user) != 0)) {
        return TSR_ENOTFOUND;
    }
    if (tsr_store_token_delete(store, p, key, owner ? owner : "")
        != APR_SUCCESS) {
        return tsr_error_set(perr, p, 503, NULL, "the token store is "
                             "unavailable, try again");
    }
    return APR_SUCCESS;
}

apr_status_t tsr_token_revoke(apr_pool_t *p, tsr_store_t *store,
                              const char *token, tsr_error_t **perr)
{
    unsigned char key[32];
    apr_status_t rv;

    tsr_token_key(key, token);
    rv = revoke_key(p, store, key, NULL, perr);
    return rv == TSR_ENOTFOUND ? APR_SUCCESS : rv;
}

/* key[32] from 64 hex digits: 1, or 0 when id is not that. */
static int key_from_hex(unsigned char key[32], const char *id)
{
    int i, hi, lo;

    if (strlen(id) != KEY_HEX) {
        return 0;
    }
    for (i = 0; i < 32; i++) {
        hi = apr_isdigit(id[2 * i]) ? id[2 * i] - '0'
             : (id[2 * i] >= 'a' && id[2 * i] <= 'f') ? id[2 * i] - 'a' + 10
             : -1;
        lo = apr_isdigit(id[2 * i + 1]) ? id[2 * i + 1] - '0'
             : (id[2 * i + 1] >= 'a' && id[2 * i + 1] <= 'f')
                 ? id[2 * i + 1] - 'a' + 10 : -1;
        if (hi < 0 || lo < 0) {
            return 0;
        }
        key[i] = (unsigned char)(hi << 4 | lo);
    }
    return 1;
}

apr_status_t tsr_token_revoke_id(apr_pool_t *p, tsr_store_t *store,
                                 const char *user, const char *id,
                                 tsr_error_t **perr)
{
    unsigned char key[32];
    apr_status_t rv;

    if (!key_from_hex(key, id)) {
        tsr_token_key(key, id);
    }
    rv = revoke_key(p, store, key, user, perr);
    if (rv == TSR_ENOTFOUND) {
        return tsr_error_set(perr, p, 404, NULL, "no such token of yours: "
                             "see npm token list");
    }
    return rv;
}

apr_status_t tsr_token_list(json_object **plist, apr_pool_t *p,
                            tsr_store_t *store, const char *user,
                            tsr_error_t **perr)
{
    apr_array_header_t *keys;
    json_object *list, *rec, *o, *cidrs, *v;
    const char *text, *owner, *cidr;
    apr_size_t len;
    int i;

    if (tsr_store_token_list(store, p, user, &keys) != APR_SUCCESS) {
        return tsr_error_set(perr, p, 503, NULL, "the token store is "
                             "unavailable, try again");
    }
    list = tsr_json_own(p, json_object_new_array());
    for (i = 0; i < keys->nelts; i++) {
        const unsigned char *key = (const unsigned char *)keys->elts + 32 * i;

        if (tsr_store_token_get(store, p, key, &text, &len) != APR_SUCCESS
            || (owner = parse_record(&rec, p, text, len)) == NULL
            || strcmp(owner, user) != 0) {
            continue;
        }
        o = json_object_new_object();
        json_object_object_add(o, "key", json_object_new_string(
                                   tsr_integrity_hex(p, key, 32)));
        json_object_object_add(o, "token", json_object_new_string(
                                   tsr_json_str(rec, "shown")
                                       ? tsr_json_str(rec, "shown")
                                       : TSR_TOKEN_PREFIX));
        v = json_object_new_string(tsr_json_str(rec, "created")
                                       ? tsr_json_str(rec, "created") : "");
        json_object_object_add(o, "created", v);
        json_object_object_add(o, "updated", json_object_get(v));
        json_object_object_add(o, "name", tsr_json_str(rec, "name")
                                   ? json_object_new_string(
                                         tsr_json_str(rec, "name"))
                                   : NULL);
        json_object_object_add(o, "readonly",
                               json_object_new_boolean(record_readonly(rec)));
        cidrs = json_object_new_array();
        if ((cidr = record_cidr(p, rec)) != NULL && *cidr) {
            char *copy = apr_pstrdup(p, cidr), *last, *r;

            for (r = apr_strtok(copy, ",", &last); r;
                 r = apr_strtok(NULL, ",", &last)) {
                json_object_array_add(cidrs, json_object_new_string(r));
            }
        }
        json_object_object_add(o, "cidr_whitelist", cidrs);
        json_object_array_add(list, o);
    }
    *plist = list;
    return APR_SUCCESS;
}

/* One range, "address/bits" (an address alone is /32 or /128), checked
 * by APR's own parser, which also tests it against addresses. */
static int range_valid(apr_pool_t *p, const char *range)
{
    apr_ipsubnet_t *sub;
    const char *slash = strchr(range, '/');
    char *ip;

    if (slash == NULL || slash[1] == '\0' || strlen(range) > 64) {
        return 0;
    }
    ip = apr_pstrndup(p, range, (apr_size_t)(slash - range));
    return apr_ipsubnet_create(&sub, ip, slash + 1, p) == APR_SUCCESS;
}

apr_status_t tsr_token_cidr_parse(const char **pcidr, apr_pool_t *p,
                                  json_object *list, tsr_error_t **perr)
{
    const char *out = NULL, *s;
    json_object *e;
    size_t i, n;

    *pcidr = NULL;
    if (list == NULL || json_object_is_type(list, json_type_null)) {
        return APR_SUCCESS;
    }
    if (!json_object_is_type(list, json_type_array)) {
        return tsr_error_set(perr, p, 400, NULL, "cidr_whitelist must be a "
                             "list of address ranges");
    }
    n = json_object_array_length(list);
    if (n > TSR_TOKEN_CIDR_MAX) {
        return tsr_error_set(perr, p, 400, NULL, "a token takes at most %d "
                             "address ranges", TSR_TOKEN_CIDR_MAX);
    }
    for (i = 0; i < n; i++) {
        e = json_object_array_get_idx(list, i);
        s = json_object_is_type(e, json_type_string)
                ? json_object_get_string(e) : NULL;
        if (s == NULL || strlen(s) != (size_t)json_object_get_string_len(e)
            || !range_valid(p, s)) {
            return tsr_error_set(perr, p, 400, NULL, "not an address range "
                                 "(like 192.0.2.0/24): %s",
                                 s ? s : "(not a string)");
        }
        out = out ? apr_pstrcat(p, out, ",", s, NULL) : apr_pstrdup(p, s);
    }
    *pcidr = out;
    return APR_SUCCESS;
}

int tsr_token_cidr_allows(apr_pool_t *p, const char *cidr,
                          apr_sockaddr_t *addr)
{
    char *copy, *range, *last, *slash;
    apr_ipsubnet_t *sub;

    if (cidr == NULL) {
        return 1;
    }
    copy = apr_pstrdup(p, cidr);
    for (range = apr_strtok(copy, ",", &last); range;
         range = apr_strtok(NULL, ",", &last)) {
        if ((slash = strchr(range, '/')) == NULL) {
            continue;
        }
        *slash = '\0';
        if (apr_ipsubnet_create(&sub, range, slash + 1, p) == APR_SUCCESS
            && addr && apr_ipsubnet_test(sub, addr)) {
            return 1;
        }
    }
    return 0;
}

/* ---- session tokens ---- */

/* The header every session token carries.  "none": nobody can verify the
 * third part, which is the token's secret rather than a signature. */
#define JWT_HEADER "{\"alg\":\"none\",\"typ\":\"JWT\"}"
/* Random bytes in a session id. */
#define SESSION_ID_BYTES 16

const char *tsr_token_jwt_encode(apr_pool_t *p, const tsr_token_claims_t *c,
                                 const unsigned char *secret,
                                 apr_size_t len)
{
    json_object *o = tsr_json_own(p, json_object_new_object());
    const char *claims;
    apr_size_t clen;

    tsr_json_set_str(o, "account_id", c->account_id);
    tsr_json_set_str(o, "session_id", c->session_id);
    tsr_json_set_str(o, "tscircuit_handle", c->handle);
    json_object_object_add(o, "github_username", c->github_username
                           ? json_object_new_string(c->github_username)
                           : NULL);
    json_object_object_add(o, "iat", json_object_new_int64(
                               (int64_t)apr_time_sec(c->issued)));
    claims = tsr_json_serialize(p, o, &clen);
    return apr_pstrcat(p,
                       tsr_integrity_base64url(p, JWT_HEADER,
                                               sizeof(JWT_HEADER) - 1),
                       ".", tsr_integrity_base64url(p, claims, clen),
                       ".", tsr_integrity_base64url(p, secret, len), NULL);
}

/* One part of a JWT-shaped text (n characters at s) as a JSON object,
 * or NULL. */
static json_object *jwt_object(apr_pool_t *p, const char *s, apr_size_t n)
{
    json_object *o;
    apr_size_t len;
    char *text = tsr_integrity_base64url_decode(p, s, n, &len);

    if (text == NULL || memchr(text, '\0', len) != NULL
        || tsr_json_parse(&o, p, text, len, 8, NULL) != APR_SUCCESS
        || !json_object_is_type(o, json_type_object)) {
        return NULL;
    }
    return o;
}

json_object *tsr_token_jwt_claims(apr_pool_t *p, const char *token)
{
    const char *dot1, *dot2, *end;
    apr_size_t len;

    /* A token is short; the bound keeps a huge header from being parsed. */
    if (token == NULL || (len = strlen(token)) > 4096
        || (dot1 = strchr(token, '.')) == NULL
        || (dot2 = strchr(dot1 + 1, '.')) == NULL
        || strchr(dot2 + 1, '.') != NULL) {
        return NULL;
    }
    end = token + len;
    if (tsr_integrity_base64url_decode(p, dot2 + 1, (apr_size_t)(end - dot2 - 1), &len) == NULL
        || jwt_object(p, token, (apr_size_t)(dot1 - token)) == NULL) {
        return NULL;
    }
    return jwt_object(p, dot1 + 1, (apr_size_t)(dot2 - dot1 - 1));
}

int tsr_token_is_jwt(apr_pool_t *p, const char *token)
{
    return tsr_token_jwt_claims(p, token) != NULL;
}

apr_status_t tsr_token_issue_session(const char **ptoken,
                                     tsr_token_claims_t *c, apr_pool_t *p,
                                     tsr_store_t *store, const char *user,
                                     tsr_error_t **perr)
{
    unsigned char raw[TSR_TOKEN_BYTES], sid[SESSION_ID_BYTES], key[32];
    const char *token, *secret;
    apr_status_t rv;

    if (tsr_integrity_random(raw, sizeof(raw)) != APR_SUCCESS
        || tsr_integrity_random(sid, sizeof(sid)) != APR_SUCCESS) {
        return tsr_error_internal(perr, p, APR_EGENERAL, "could not make a "
                                  "new token (no randomness)");
    }
    c->session_id = tsr_integrity_base64url(p, sid, sizeof(sid));
    c->issued = apr_time_now();
    token = tsr_token_jwt_encode(p, c, raw, sizeof(raw));
    tsr_token_key(key, token);
    /* Every session token begins alike (its header): a list shows the
     * first characters of its secret instead. */
    secret = strrchr(token, '.') + 1;
    rv = store_record(p, store, key, user, NULL,
                      apr_pstrcat(p, "jwt.", apr_pstrndup(p, secret, 4),
                                  NULL), c->session_id, perr);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    *ptoken = token;
    return APR_SUCCESS;
}
