/* mod_tsci_registry_authn.c: who a request is.  A Bearer token becomes an
 * Apache user (r->user, auth type "Bearer") so that Require, the access
 * log's %u and every other module see registry users as they see any
 * other; Basic credentials stay with Apache's authn providers.
 *
 * Two hooks do it.  httpd runs check_authn only when a Require needs a
 * user, but a public registry must still know who publishes: the access
 * checker, which runs for every request, turns a valid token into r->user
 * first (as mod_ssl does with SSLUserName).  Require then sees the user
 * without asking for one, and check_authn is left with the requests that
 * have none: it answers them with a 401 npm understands, or lets
 * mod_auth_basic do it where an AuthType Basic is configured. */
#include <string.h>
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_auth.h"
#include "mod_tsci_registry.h"
#include "tsr_auth.h"

APLOG_USE_MODULE(tsci_registry);

#define AUTH_TYPE "Bearer"
#define CHALLENGE AUTH_TYPE " realm=\"" TSR_REALM "\""
#define BASIC_CHALLENGE "Basic realm=\"" TSR_REALM "\""
/* The auth type of a user who proved a password in a login's body. */
#define PASSWORD_AUTH_TYPE "Password"
#define BAD_TOKEN "the token is not valid: log in again with npm login"


static const tsr_dir_conf_t *dir_conf(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &tsci_registry_module);
}

const char *tsr_authn_bearer(request_rec *r)
{
    const char *h = apr_table_get(r->headers_in, "Authorization");

    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
        return NULL;
    }
    for (h += 7; *h == ' '; h++) {
    }
    return h;
}

/* Look the request's token up, once. */
static tsr_request_t *identify(request_rec *r)
{
    tsr_request_t *n = tsr_request_of(r);
    tsr_server_conf_t *sc;
    tsr_store_t *store;
    tsr_token_identity_t id;
    const char *token;
    apr_status_t rv;

    if (n->identified) {
        return n;
    }
    n->identified = 1;
    if ((token = tsr_authn_bearer(r)) == NULL) {
        return n;
    }
    if ((store = tsr_request_store(r)) == NULL) {
        n->id.store_failed = 1;
        return n;
    }
    sc = ap_get_module_config(r->server->module_config,
                              &tsci_registry_module);
    rv = tsr_token_lookup(&id, r->pool, store, sc->tokens,
                          tsr_token_generation_for(r->server), token,
                          strlen(token));
    if (rv == TSR_ENOTFOUND) {
        n->id.bad_token = 1;
        return n;
    }
    if (rv != APR_SUCCESS) {
        n->id.store_failed = 1;
        return n;
    }
    /* The client address as Apache sees it: behind a proxy, mod_remoteip
     * makes it the one the proxy reports. */
    if (!tsr_token_cidr_allows(r->pool, id.cidr, r->useragent_addr)) {
        n->id.wrong_address = 1;
        return n;
    }
    n->id.user = id.user;
    n->id.readonly = id.readonly;
    /* A user always with its auth type: httpd and other modules take a
     * user without one for a half-finished authentication. */
    r->user = (char *)id.user;
    r->ap_auth_type = AUTH_TYPE;
    return n;
}

static int access_checker(request_rec *r)
{
    tsr_request_t *n;
    tsr_error_t err = { HTTP_FORBIDDEN, "forbidden", NULL, APR_SUCCESS };

    if (tsr_conf_enabled(dir_conf(r))) {
        n = identify(r);
        /* Never served as anonymous instead: the holder should learn that
         * the token is refused here, not find its packages missing. */
        if (n->id.wrong_address) {
            err.message = apr_psprintf(r->pool, "this token may not be used "
                                       "from %s", r->useragent_ip);
            return tsr_io_early_error(r, &err);
        }
    }
    /* Otherwise no verdict: Require decides, with the user now known. */
    return DECLINED;
}

/* The refusal of a token the store does not know.  A JWT-shaped one was
 * a session token (tsci login's) that has been ended or revoked: its code
 * says so, which tscircuit's CLI answers by telling its user to log in
 * again. */
static void bad_token(request_rec *r, tsr_error_t *err)
{
    const char *token = tsr_authn_bearer(r);

    err->http_status = HTTP_UNAUTHORIZED;
    err->cause = APR_SUCCESS;
    if (token && tsr_token_is_jwt(r->pool, token)) {
        err->code = "session_expired";
        err->message = "this session has ended (logged out or revoked): "
                       "log in again";
        return;
    }
    err->code = "unauthorized";
    err->message = BAD_TOKEN;
}

int tsr_authn_challenge(request_rec *r, const tsr_identity_t *who)
{
    tsr_error_t err;

    apr_table_setn(r->err_headers_out, "WWW-Authenticate", CHALLENGE);
    if (who->bad_token) {
        bad_token(r, &err);
        return tsr_io_send_error(r, &err);
    }
    return tsr_io_refuse(r, HTTP_UNAUTHORIZED, "this needs you to be "
                         "logged in: run npm login");
}

/* Apache's own 401 page, but in JSON, for clients that print "error". */
static int unauthorized(request_rec *r, const char *challenge,
                        const char *message)
{
    tsr_error_t err = { HTTP_UNAUTHORIZED, "unauthorized", NULL,
                        APR_SUCCESS };

    err.message = message;
    apr_table_setn(r->err_headers_out, "WWW-Authenticate", challenge);
    return tsr_io_early_error(r, &err);
}

/* Is r a login (npm's PUT /-/user/org.couchdb.user:<name>, or the web
 * login's form): its route in *rt. */
static int is_login(request_rec *r, const tsr_dir_conf_t *d, tsr_route_t *rt)
{
    const char *rel = tsr_map_relative_path(r, d);

    if (rel == NULL) {
        return 0;
    }
    tsr_route_match(rt, r->pool, tsr_route_table(tsr_conf_api(d)),
                    r->method, rel);
    return rt->status == 0 && (rt->def->flags & TSR_RF_LOGIN);
}

void tsr_authn_login_failed(request_rec *r)
{
    /* Basic makes npm print "Incorrect or missing password." (the failure
     * was logged where the password was checked). */
    apr_table_setn(r->err_headers_out, "WWW-Authenticate", BASIC_CHALLENGE);
}

/* A login where a Require asks for a user: the password in its body is
 * its authentication, checked here so that logging in needs no exception
 * in the configuration; the handler then mints the token (or signs a new
 * user up) only if authorization lets the user in. */
static int login_authn(request_rec *r, tsr_request_t *n, const char *user)
{
    tsr_error_t *err = NULL;
    tsr_auth_creds_t *c = apr_pcalloc(r->pool, sizeof(*c));
    json_object *body;

    if (tsr_io_read_json(r, TSR_LOGIN_BODY_MAX, &body, &err) != APR_SUCCESS
        || tsr_auth_creds_parse(c, r->pool, user, body, &err)
               != APR_SUCCESS) {
        return tsr_io_early_error(r, err);
    }
    n->login = c;
    n->login_verdict = tsr_password_check(r, c->user, c->password);
    switch (n->login_verdict) {
    case TSR_AUTH_THROTTLED: {
        tsr_error_t e;

        tsr_password_throttled_error(r, &e);
        return tsr_io_early_error(r, &e);
    }
    case TSR_AUTH_GRANTED:
        break;
    case TSR_AUTH_NO_USER:
        /* Open signup lets anyone become a user, here too. */
        if (tsr_password_signup_allowed(r)) {
            break;
        }
        /* fall through */
    case TSR_AUTH_DENIED:
        tsr_authn_login_failed(r);
        return unauthorized(r, BASIC_CHALLENGE,
                            "incorrect user name or password");
    default:
        return HTTP_SERVICE_UNAVAILABLE;
    }
    n->id.user = c->user;
    r->user = (char *)c->user;
    r->ap_auth_type = PASSWORD_AUTH_TYPE;
    return OK;
}

/* Runs when a Require needs a user and none is known yet. */
static int check_authn(request_rec *r)
{
    const tsr_dir_conf_t *d = dir_conf(r);
    tsr_route_t rt;
    tsr_request_t *n;

    if (!tsr_conf_enabled(d)) {
        return DECLINED;
    }
    if (is_login(r, d, &rt)) {
        if (rt.def->flags & TSR_RF_FORM) {
            return tsr_weblogin_authn(r, &rt);
        }
        return login_authn(r, tsr_request_of(r),
                           tsr_route_param(&rt, "user"));
    }
    n = identify(r);
    if (n->id.user) {
        return OK;
    }
    if (n->id.bad_token) {
        tsr_error_t err;

        bad_token(r, &err);
        apr_table_setn(r->err_headers_out, "WWW-Authenticate", CHALLENGE);
        return tsr_io_early_error(r, &err);
    }
    if (n->id.store_failed) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    /* No token: an AuthType (Basic) configured here has its providers
     * check the credentials and challenge for them. */
    if (ap_auth_type(r) != NULL) {
        n->providers_asked = 1;
        return DECLINED;
    }
    return unauthorized(r, CHALLENGE, "this registry needs you to be logged "
                                      "in: run npm login");
}

const tsr_identity_t *tsr_authn_identity(request_rec *r)
{
    tsr_request_t *n = identify(r);

    /* A user the token did not give is trusted only when an authn
     * provider was asked for it in this request: r->user can also come
     * from a module that read a Basic header without checking it. */
    if (n->id.user == NULL && n->providers_asked && r->user
        && r->ap_auth_type) {
        n->id.user = r->user;
    }
    return &n->id;
}

/* Replace every copy of token in *ps with masked (in r->pool). */
static void mask_in(request_rec *r, char **ps, const char *token,
                    const char *masked)
{
    char *at;

    while (*ps && (at = strstr(*ps, token)) != NULL) {
        *ps = apr_pstrcat(r->pool, apr_pstrndup(r->pool, *ps,
                                                (apr_size_t)(at - *ps)),
                          masked, at + strlen(token), NULL);
    }
}

/* npm puts a token in the URL to log out (DELETE /-/user/token/<token>)
 * and may to revoke one (/-/npm/v1/tokens/token/<token>).  Before any
 * module logs the request line or the URI, keep the token aside and leave
 * only its first characters in them, so no access or error log ever holds
 * a working token.  Tokens need no escaping in a URL, so they are found
 * as they are. */
static int hide_url_token(request_rec *r)
{
    static const char *const spots[] = {
        "/-/user/token/", "/-/npm/v1/tokens/token/", NULL
    };
    const char *const *spot;
    const char *at, *end, *token, *masked;

    if (r->unparsed_uri == NULL || strstr(r->unparsed_uri, "/-/") == NULL) {
        return DECLINED;
    }
    for (spot = spots; *spot; spot++) {
        if ((at = strstr(r->unparsed_uri, *spot)) == NULL) {
            continue;
        }
        at += strlen(*spot);
        end = at + strcspn(at, "?#/");
        if ((apr_size_t)(end - at) <= TSR_TOKEN_SHOWN) {
            continue;
        }
        token = apr_pstrndup(r->pool, at, (apr_size_t)(end - at));
        /* A session token (tsci login's) is also npm's token: npm
         * logout sends it here too.  Its first characters are its
         * header, the same in every one. */
        if (strncmp(token, TSR_TOKEN_PREFIX, strlen(TSR_TOKEN_PREFIX)) != 0
            && !tsr_token_is_jwt(r->pool, token)) {
            continue;
        }
        masked = apr_pstrcat(r->pool, apr_pstrndup(r->pool, token,
                                                   TSR_TOKEN_SHOWN),
                             "...", NULL);
        tsr_request_of(r)->url_token = token;
        mask_in(r, (char **)&r->the_request, token, masked);
        mask_in(r, &r->unparsed_uri, token, masked);
        mask_in(r, &r->uri, token, masked);
        mask_in(r, &r->parsed_uri.path, token, masked);
        break;
    }
    return DECLINED;
}

const char *tsr_authn_url_token(request_rec *r, const char *param)
{
    const char *token = tsr_request_of(r)->url_token;

    return token ? token : param;
}

void tsr_authn_register_hooks(apr_pool_t *p)
{
    ap_hook_post_read_request(hide_url_token, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_access_checker(access_checker, NULL, NULL, APR_HOOK_FIRST);
    /* Before mod_auth_basic, which would refuse a Bearer header. */
    ap_hook_check_authn(check_authn, NULL, NULL, APR_HOOK_FIRST,
                        AP_AUTH_INTERNAL_PER_CONF);
}
