/* mod_tsci_registry_tokens.c: npm's token commands (npm token list,
 * create, revoke: /-/npm/v1/tokens).  A new token costs the password
 * again, checked by the same authn providers as a login; lists show each
 * token's first characters and key, never the token. */
#include <string.h>
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "mod_tsci_registry.h"
#include "tsr_integrity.h"
#include "tsr_json.h"
#include "tsr_token.h"

APLOG_USE_MODULE(tsci_registry);

/* A token request is a small JSON document. */
#define TOKEN_BODY_MAX (64 * 1024)

static int store_failed(request_rec *r, tsr_error_t *err)
{
    return tsr_io_send_error(r, err);
}

/* GET /-/npm/v1/tokens: the asking user's tokens, in one page. */
int tsr_npm_token_list(tsr_req_t *q)
{
    tsr_error_t *err = NULL;
    json_object *list, *res, *urls;

    if (tsr_token_list(&list, q->r->pool, q->store, q->who->user, &err)
        != APR_SUCCESS) {
        return store_failed(q->r, err);
    }
    res = tsr_json_own(q->r->pool, json_object_new_object());
    json_object_object_add(res, "objects", json_object_get(list));
    json_object_object_add(res, "total", json_object_new_int(
                               (int)json_object_array_length(list)));
    urls = json_object_new_object();
    /* An empty "next" ends npm's paging. */
    json_object_object_add(urls, "next", json_object_new_string(""));
    json_object_object_add(res, "urls", urls);
    apr_table_setn(q->r->headers_out, "Cache-Control", "private, no-cache");
    return tsr_io_send_json(q->r, 200, res);
}

/* POST /-/npm/v1/tokens: {"password", "name", "cidr_whitelist",
 * "readonly"} (npm 11 sends no "readonly"; older clients and scripts
 * do). */
int tsr_npm_token_create(tsr_req_t *q)
{
    request_rec *r = q->r;
    tsr_error_t *err = NULL, e;
    tsr_token_opts_t o = { 0 };
    json_object *body, *v, *res;
    const char *password, *token;
    unsigned char key[32];

    if (tsr_io_read_json(r, TOKEN_BODY_MAX, &body, &err) != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    password = tsr_json_str(body, "password");
    if (password == NULL || *password == '\0'
        || strlen(password) > TSR_PASSWORD_MAX) {
        return tsr_io_refuse(r, HTTP_BAD_REQUEST, "a new token needs your "
                             "password (1 to %d characters)",
                             TSR_PASSWORD_MAX);
    }
    if (json_object_object_get_ex(body, "name", &v) && v != NULL) {
        if ((o.name = tsr_json_str(body, "name")) == NULL
            || strlen(o.name) > TSR_TOKEN_NAME_MAX) {
            return tsr_io_refuse(r, HTTP_BAD_REQUEST, "the token's name must "
                                 "be a string of at most %d characters",
                                 TSR_TOKEN_NAME_MAX);
        }
    }
    o.readonly = json_object_object_get_ex(body, "readonly", &v)
                 && json_object_get_boolean(v);
    json_object_object_get_ex(body, "cidr_whitelist", &v);
    if (tsr_token_cidr_parse(&o.cidr, r->pool, v, &err) != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    /* The password again: a stolen token alone makes no new ones. */
    switch (tsr_password_check(r, q->who->user, password)) {
    case TSR_AUTH_GRANTED:
        break;
    case TSR_AUTH_FAILED:
        return tsr_io_refuse(r, HTTP_SERVICE_UNAVAILABLE, "the password "
                             "could not be checked, try again");
    case TSR_AUTH_THROTTLED:
        tsr_password_throttled_error(r, &e);
        return tsr_io_send_error(r, &e);
    default:
        tsr_authn_login_failed(r);
        return tsr_io_refuse(r, HTTP_UNAUTHORIZED, "incorrect password");
    }
    if (tsr_token_issue(&token, r->pool, q->store, q->who->user, &o, &err)
        != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "TSR00034: %s created a%s "
                  "token%s%s", q->who->user, o.readonly ? " read-only" : "",
                  o.cidr ? " for " : "", o.cidr ? o.cidr : "");
    tsr_token_key(key, token);
    res = tsr_json_own(r->pool, json_object_new_object());
    tsr_json_set_str(res, "token", token);
    tsr_json_set_str(res, "key", tsr_integrity_hex(r->pool, key, 32));
    json_object_object_add(res, "readonly",
                           json_object_new_boolean(o.readonly));
    json_object_object_add(res, "name", o.name
                                            ? json_object_new_string(o.name)
                                            : NULL);
    v = json_object_new_array();
    if (o.cidr) {
        char *copy = apr_pstrdup(r->pool, o.cidr), *last, *range;

        for (range = apr_strtok(copy, ",", &last); range;
             range = apr_strtok(NULL, ",", &last)) {
            json_object_array_add(v, json_object_new_string(range));
        }
    }
    json_object_object_add(res, "cidr_whitelist", v);
    tsr_json_set_str(res, "created", tsr_json_time(r->pool, apr_time_now()));
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return tsr_io_send_json(r, 201, res);
}

/* DELETE /-/npm/v1/tokens/token/<key or token>: one of the user's own. */
int tsr_npm_token_revoke(tsr_req_t *q)
{
    tsr_error_t *err = NULL;
    json_object *res;

    if (tsr_token_revoke_id(q->r->pool, q->store, q->who->user,
                            tsr_authn_url_token(q->r, tsr_route_param(
                                &q->rt, "id")), &err)
        != APR_SUCCESS) {
        return tsr_io_send_error(q->r, err);
    }
    /* Every process forgets the tokens it remembered. */
    tsr_token_generation_bump();
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r, "TSR00035: %s revoked a "
                  "token", q->who->user);
    res = tsr_json_own(q->r->pool, json_object_new_object());
    return tsr_io_send_json(q->r, 200, res);
}
