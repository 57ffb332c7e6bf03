/* mod_tsci_registry_sessions.c: tsci login (tscircuit's
 * /sessions/login_page/... and /sessions/delete).  A login page is npm's
 * web login under tscircuit's names (tsr_weblogin): login_page_id is the
 * sign-in's id, login_page_auth_token its secret, and the page where a
 * person signs in is the same form, with the same password checks and
 * limits (mod_tsci_registry_weblogin.c serves it here too).  The CLI
 * collects a session token: an ordinary registry token in the JWT shape
 * it decodes (tsr_token_issue_session), good for npm as well, that
 * /sessions/delete revokes. */
#include <string.h>
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "mod_tsci_registry.h"
#include "tsr_account.h"
#include "tsr_json.h"
#include "tsr_rpc.h"
#include "tsr_token.h"
#include "tsr_weblogin.h"

APLOG_USE_MODULE(tsci_registry);

/* The CLI sends {} or {"login_page_id"}: small bodies. */
#define BODY_MAX 4096
/* How long an expired page is kept so that the CLI, which polls every
 * second, is told it expired instead of failing on a 404: as long again
 * as it lived, up to this. */
#define GRACE_MAX_SEC 300
/* Where the page is, below the Location. */
#define PAGE_PATH "sessions/login_page/web/"

/* The refusals of tsr_weblogin under tscircuit's names. */
static tsr_error_t *page_error(apr_pool_t *p, tsr_error_t *err)
{
    tsr_error_t *e;

    if (err == NULL || err->http_status >= 500
        || err->http_status == HTTP_TOO_MANY_REQUESTS) {
        return err;
    }
    e = apr_pmemdup(p, err, sizeof(*e));
    if (err->http_status == HTTP_NOT_FOUND) {
        e->code = "login_page_not_found";
        e->message = "this login page is unknown, was used already or has "
                     "expired, or its token is wrong: run tsci login again";
    }
    else if (err->code && strcmp(err->code, "login_expired") == 0) {
        e->code = "login_page_expired";
        e->message = "this login page has expired: run tsci login again";
    }
    else if (err->http_status == HTTP_CONFLICT) {
        e->code = "login_page_already_used";
        e->message = "someone has signed in on this login page already";
    }
    return e;
}

/* An error record (in p) of one of this file's own refusals. */
static tsr_error_t *error_of(apr_pool_t *p, int status, const char *code,
                             const char *message)
{
    tsr_error_t *err = NULL;

    tsr_error_set(&err, p, status, code, "%s", message);
    return err;
}

static int refuse(tsr_req_t *q, tsr_error_t *err)
{
    return tsr_rpc_refuse(q, page_error(q->r->pool, err));
}

/* The login page's token: the CLI sends it as its Bearer token; a page
 * or script may send it as login_page_auth_token.  NULL (and the 401
 * sent) when there is none. */
static const char *page_token(tsr_req_t *q, json_object *params, int *rc)
{
    const char *token = NULL;
    tsr_error_t *err = NULL;

    if (tsr_rpc_str(params, "login_page_auth_token", &token, q->r->pool,
                    &err) != APR_SUCCESS) {
        *rc = tsr_rpc_refuse(q, err);
        return NULL;
    }
    if (token == NULL && (token = tsr_authn_bearer(q->r)) == NULL) {
        apr_table_setn(q->r->err_headers_out, "WWW-Authenticate",
                       "Bearer realm=\"" TSR_REALM "\"");
        *rc = tsr_io_refuse(q->r, HTTP_UNAUTHORIZED, "a login page is read "
                            "with its login_page_auth_token");
        return NULL;
    }
    return token;
}

/* The login page as tscircuit's API shows it. */
static json_object *page_json(tsr_req_t *q, const tsr_weblogin_t *w,
                              apr_time_t now, const char *token)
{
    apr_pool_t *p = q->r->pool;
    json_object *o = tsr_json_own(p, json_object_new_object());

    tsr_json_set_str(o, "login_page_id", w->id);
    if (token) {
        tsr_json_set_str(o, "login_page_auth_token", token);
    }
    tsr_json_set_str(o, "url", apr_pstrcat(p, tsr_base_url(q->r, q->d),
                                           PAGE_PATH, w->id, NULL));
    json_object_object_add(o, "was_login_successful", json_object_new_boolean(
                               w->state == TSR_WEBLOGIN_SIGNED_IN));
    /* A page whose session was made is gone: asking about it is a 404. */
    json_object_object_add(o, "has_been_used_to_create_session",
                           json_object_new_boolean(0));
    json_object_object_add(o, "is_expired",
                           json_object_new_boolean(w->expires <= now));
    tsr_json_set_str(o, "created_at", tsr_json_time(p, w->created));
    tsr_json_set_str(o, "expires_at", tsr_json_time(p, w->expires));
    return o;
}

static int send_page(tsr_req_t *q, const tsr_weblogin_t *w, apr_time_t now,
                     const char *token)
{
    /* Every answer here is one person's secret state. */
    apr_table_setn(q->r->headers_out, "Cache-Control", "no-store");
    return tsr_rpc_ok(q, HTTP_OK, "login_page",
                      json_object_get(page_json(q, w, now, token)));
}

/* POST /sessions/login_page/create: a new page, and its token. */
int tsr_tsci_login_page_create(tsr_req_t *q)
{
    request_rec *r = q->r;
    tsr_weblogin_limits_t lim;
    tsr_weblogin_t *w;
    tsr_error_t *err = NULL;
    json_object *params;
    const char *secret;
    apr_time_t now = apr_time_now();
    int rc, ttl;

    if ((rc = tsr_rpc_params(q, BODY_MAX, &params)) != OK) {
        return rc;
    }
    ttl = tsr_conf_weblogin_ttl(q->d);
    lim.ttl = apr_time_from_sec(ttl);
    lim.max_owner = TSR_WEBLOGIN_MAX_OWNER;
    lim.max_total = TSR_WEBLOGIN_MAX_TOTAL;
    lim.grace = apr_time_from_sec(ttl < GRACE_MAX_SEC ? ttl : GRACE_MAX_SEC);
    if (tsr_weblogin_start(&w, &secret, r->pool, q->store, 0,
                           r->useragent_ip, now, &lim, &err)
        != APR_SUCCESS) {
        if (err && err->http_status == HTTP_TOO_MANY_REQUESTS) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "TSR00190: tsci "
                          "login refused: too many waiting for %s or in all",
                          r->useragent_ip);
            apr_table_setn(r->err_headers_out, "Retry-After",
                           apr_psprintf(r->pool, "%d",
                                        tsr_conf_weblogin_ttl(q->d)));
        }
        return refuse(q, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "TSR00191: tsci login "
                  "%.6s... started", w->id);
    return send_page(q, w, now, secret);
}

/* GET|POST /sessions/login_page/get: the CLI's poll. */
int tsr_tsci_login_page_get(tsr_req_t *q)
{
    tsr_weblogin_t *w;
    tsr_error_t *err = NULL;
    json_object *params;
    const char *id, *token;
    int rc;

    if ((rc = tsr_rpc_params(q, BODY_MAX, &params)) != OK) {
        return rc;
    }
    if (tsr_rpc_need_str(params, "login_page_id", &id, q->r->pool, &err)
        != APR_SUCCESS) {
        return tsr_rpc_refuse(q, err);
    }
    if ((token = page_token(q, params, &rc)) == NULL) {
        return rc;
    }
    if (tsr_weblogin_status(&w, q->r->pool, q->store, id, token, &err)
        != APR_SUCCESS) {
        return refuse(q, err);
    }
    return send_page(q, w, apr_time_now(), NULL);
}

/* POST /sessions/login_page/exchange_for_cli_session: the session of the
 * user who signed in on the page, once. */
int tsr_tsci_login_page_exchange(tsr_req_t *q)
{
    request_rec *r = q->r;
    apr_pool_t *p = r->pool;
    tsr_weblogin_t *w;
    tsr_token_claims_t c;
    tsr_error_t *err = NULL;
    json_object *params, *s;
    const char *id, *token, *user, *session;
    apr_time_t now = apr_time_now();
    int rc;

    if ((rc = tsr_rpc_params(q, BODY_MAX, &params)) != OK) {
        return rc;
    }
    if (tsr_rpc_need_str(params, "login_page_id", &id, p, &err)
        != APR_SUCCESS) {
        return tsr_rpc_refuse(q, err);
    }
    if ((token = page_token(q, params, &rc)) == NULL) {
        return rc;
    }
    /* A look first, to say why not: expired, or nobody signed in yet. */
    if (tsr_weblogin_status(&w, p, q->store, id, token, &err)
        != APR_SUCCESS) {
        return refuse(q, err);
    }
    if (w->expires <= now) {
        return refuse(q, error_of(p, HTTP_BAD_REQUEST, "login_expired",
                                        "expired"));
    }
    if (tsr_weblogin_collect(&user, p, q->store, id, token, now, &err)
        != APR_SUCCESS) {
        return refuse(q, err);
    }
    if (user == NULL) {
        return tsr_rpc_refuse(q, error_of(p, HTTP_BAD_REQUEST,
                              "login_page_not_used", "nobody has signed in "
                              "on this login page yet"));
    }
    memset(&c, 0, sizeof(c));
    c.account_id = tsr_account_id(p, user);
    c.handle = user;
    if (tsr_token_issue_session(&session, &c, p, q->store, user, &err)
        != APR_SUCCESS) {
        return tsr_rpc_refuse(q, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "TSR00192: %s logged in "
                  "through tsci login %.6s...", user, id);
    r->user = (char *)user;
    s = tsr_json_own(p, json_object_new_object());
    tsr_json_set_str(s, "session_id", c.session_id);
    tsr_json_set_str(s, "account_id", c.account_id);
    tsr_json_set_str(s, "tscircuit_handle", user);
    tsr_json_set_str(s, "token", session);
    json_object_object_add(s, "is_cli_session", json_object_new_boolean(1));
    tsr_json_set_str(s, "created_at", tsr_json_time(p, c.issued));
    /* Registry tokens last until revoked (sessions/delete, npm logout,
     * npm token revoke, the administrator). */
    json_object_object_add(s, "expires_at", NULL);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return tsr_rpc_ok(q, HTTP_OK, "session", json_object_get(s));
}

/* POST /sessions/login_page/login_with_session: someone already logged
 * in (a token, or Apache's credentials) signs in on a page by id, with
 * the page's token when it is given. */
int tsr_tsci_login_page_session(tsr_req_t *q)
{
    apr_pool_t *p = q->r->pool;
    tsr_weblogin_t *w;
    tsr_error_t *err = NULL;
    json_object *params;
    const char *id, *token = NULL;
    int rc;

    if ((rc = tsr_rpc_params(q, BODY_MAX, &params)) != OK) {
        return rc;
    }
    if (tsr_rpc_need_str(params, "login_page_id", &id, p, &err)
        != APR_SUCCESS
        || tsr_rpc_str(params, "login_page_auth_token", &token, p, &err)
               != APR_SUCCESS) {
        return tsr_rpc_refuse(q, err);
    }
    if ((token ? tsr_weblogin_status(&w, p, q->store, id, token, &err)
               : tsr_weblogin_peek(&w, p, q->store, id, &err))
        != APR_SUCCESS) {
        return refuse(q, err);
    }
    /* Kept past its expiry for the CLI's poll, but over for signing in. */
    if (w->expires <= apr_time_now()) {
        return refuse(q, error_of(p, HTTP_BAD_REQUEST, "login_expired",
                                  "expired"));
    }
    if (tsr_weblogin_sign_in(p, q->store, id, q->who->user, apr_time_now(),
                             &err) != APR_SUCCESS
        || tsr_weblogin_get(&w, p, q->store, id, apr_time_now(), &err)
               != APR_SUCCESS) {
        return refuse(q, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r, "TSR00193: %s signed in "
                  "on the tsci login page %.6s... with a session",
                  q->who->user, id);
    return send_page(q, w, apr_time_now(), NULL);
}

/* POST|DELETE /sessions/delete: end the session the request came with. */
int tsr_tsci_sessions_delete(tsr_req_t *q)
{
    const char *token = tsr_authn_bearer(q->r);
    tsr_error_t *err = NULL;
    json_object *params;
    int rc;

    if ((rc = tsr_rpc_params(q, BODY_MAX, &params)) != OK) {
        return rc;
    }
    /* A user of Apache's (Basic) credentials has no session to end. */
    if (token == NULL) {
        return tsr_rpc_refuse(q, error_of(q->r->pool,
                              HTTP_BAD_REQUEST, "no_session", "only a "
                              "request with a session token (Authorization: "
                              "Bearer) can end its session"));
    }
    if (tsr_token_revoke(q->r->pool, q->store, token, &err)
        != APR_SUCCESS) {
        return tsr_rpc_refuse(q, err);
    }
    /* Other processes may have the token cached: they look again. */
    tsr_token_generation_bump();
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r, "TSR00194: %s ended a "
                  "session", q->who->user);
    return tsr_rpc_ok(q, HTTP_OK, NULL, NULL);
}
