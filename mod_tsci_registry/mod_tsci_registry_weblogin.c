/* mod_tsci_registry_weblogin.c: npm's web login, the way npm login and npm
 * adduser sign in unless told --auth-type=legacy (npm-protocol.md 6.2).
 * POST /-/v1/login starts a sign-in (tsr_weblogin) and answers two URLs:
 * the page where a person signs in, served here, and the one npm polls
 * until it gets a token.  The page's password goes through exactly what
 * the legacy login's goes through (Apache's authn providers, the limits
 * on failures, TsciRegistryAllowSignup), and the token is minted when npm
 * collects it, once.
 *
 * Where a Require wants a user, the start, the page and the poll are let
 * through (TSR_RF_OPEN) by a hook that runs after mod_authz_core has found
 * that only a user is missing; the form's post proves its user by its
 * password before Require is evaluated (tsr_weblogin_authn), as the
 * legacy login does, so Require still decides who signs in. */
#include <string.h>
#include "apr_strings.h"
#include "apr_lib.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "util_script.h"
#include "mod_tsci_registry.h"
#include "tsr_json.h"
#include "tsr_loginpage.h"
#include "tsr_token.h"
#include "tsr_weblogin.h"

APLOG_USE_MODULE(tsci_registry);

/* npm sends {} or {"create":true}. */
#define START_BODY_MAX 4096
/* A user name, a password of up to TSR_PASSWORD_MAX bytes (three times
 * that encoded) and an email fit well within. */
#define FORM_BODY_MAX (16 * 1024)
/* The auth type of a user who proved a password in a body, as
 * mod_tsci_registry_authn.c names it for the legacy login. */
#define PASSWORD_AUTH_TYPE "Password"
/* Where the poll URL holds the secret. */
#define DONE_PATH "/-/v1/login/done/"
/* What a request keeps aside in its pool: the poll's secret before it is
 * masked, and the form check_authn read. */
#define SECRET_KEY "tsci-registry-weblogin-secret"
#define FORM_KEY "tsci-registry-weblogin-form"
/* A 401 must name a scheme; one no browser answers with a dialog. */
#define FORM_CHALLENGE "Form realm=\"" TSR_REALM "\""

static const tsr_dir_conf_t *dir_conf(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &tsci_registry_module);
}

/* The command whose sign-in this is, for the pages' words: the same page
 * finishes tsci login where tscircuit's API serves it. */
static const char *command(request_rec *r)
{
    return tsr_conf_api(dir_conf(r)) == TSR_API_TSCI ? "tsci login"
                                                      : "npm login";
}

/* ---- the pages ---- */

/* Headers of every page (kept on error pages too): not stored by any
 * cache, nothing run or loaded, never framed, no Referer out. */
static void page_headers(request_rec *r)
{
    apr_table_t *h = r->err_headers_out;

    apr_table_setn(h, "Content-Security-Policy", tsr_loginpage_csp(r->pool));
    apr_table_setn(h, "Cache-Control", "no-store");
    apr_table_setn(h, "X-Content-Type-Options", "nosniff");
    apr_table_setn(h, "X-Frame-Options", "DENY");
    apr_table_setn(h, "Referrer-Policy", "no-referrer");
}

static int send_page(request_rec *r, int status, const char *html,
                     apr_size_t len)
{
    page_headers(r);
    /* A refused form may leave part of its body unread. */
    if (ap_discard_request_body(r) != OK) {
        r->connection->keepalive = AP_CONN_CLOSE;
    }
    return tsr_io_send_text(r, status, "text/html; charset=utf-8", html,
                            len);
}

static int send_note(request_rec *r, int status, const char *title,
                     const char *text)
{
    apr_size_t len;
    const char *html = tsr_loginpage_note(r->pool, title, text, &len);

    return send_page(r, status, html, len);
}

/* The page for a refusal of the core (404, 409, 503...). */
static int send_refusal(request_rec *r, const tsr_error_t *err)
{
    int status = err ? err->http_status : HTTP_INTERNAL_SERVER_ERROR;

    if (status == HTTP_NOT_FOUND) {
        return send_note(r, status, "Sign-in not found",
                         apr_pstrcat(r->pool, "This sign-in address is "
                                     "unknown, was used already or has "
                                     "expired.  Run ", command(r), " again "
                                     "for a new one.", NULL));
    }
    if (status == HTTP_CONFLICT) {
        return send_note(r, status, "Sign-in finished",
                         apr_pstrcat(r->pool, "Someone has signed in on "
                                     "this page already.  If that was not "
                                     "you, run ", command(r), " again.",
                                     NULL));
    }
    if (status >= 500) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, err ? err->cause : 0, r,
                      "TSR00074: web login page: %s",
                      err ? err->message : "failed");
    }
    return send_note(r, status >= 400 ? status : HTTP_INTERNAL_SERVER_ERROR,
                     "Sign-in failed", err && err->message ? err->message
                     : "The sign-in failed: try again.");
}

static int send_form(request_rec *r, int status, const tsr_weblogin_t *w,
                     int signup, const char *user, const char *error)
{
    tsr_loginpage_t pg;
    const char *html;
    apr_size_t len;

    memset(&pg, 0, sizeof(pg));
    pg.create = w->create;
    pg.signup = signup;
    pg.user = user;
    pg.error = error;
    pg.from = w->from;
    pg.started = w->created;
    if (tsr_conf_api(dir_conf(r)) == TSR_API_TSCI) {
        pg.command = command(r);
    }
    html = tsr_loginpage_form(r->pool, &pg, &len);
    if (status == HTTP_UNAUTHORIZED) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                       FORM_CHALLENGE);
    }
    return send_page(r, status, html, len);
}

/* ---- the form's sign-in ---- */

/* A posted form, its sign-in and what its password check said. */
typedef struct form_t {
    tsr_weblogin_t *w;
    tsr_auth_creds_t creds;
    tsr_auth_verdict_e verdict;
    int signup;                 /* a new name signs up */
} form_t;

/* The value of field name (with its length), or NULL. */
static const char *field(request_rec *r, apr_array_header_t *pairs,
                         const char *name, apr_size_t *plen)
{
    ap_form_pair_t *pair = (ap_form_pair_t *)pairs->elts;
    char *buf;
    int i;

    *plen = 0;
    for (i = 0; i < pairs->nelts; i++) {
        if (strcmp(pair[i].name, name) == 0) {
            if (apr_brigade_pflatten(pair[i].value, &buf, plen, r->pool)
                != APR_SUCCESS) {
                return NULL;
            }
            return buf;
        }
    }
    return NULL;
}

/* A message of the core's ("a password ... is required") as a sentence
 * on the page. */
static const char *sentence(apr_pool_t *p, const char *msg)
{
    char *s = apr_pstrcat(p, msg, ".", NULL);

    s[0] = apr_toupper(s[0]);
    return s;
}

/* Read and check the form posted to the page of id: 1 with *pf when the
 * password is right (or the name is free to sign up); 0 when the page
 * that says why not has been sent instead. */
static int read_form(request_rec *r, const char *id, form_t **pf)
{
    const char *cl = apr_table_get(r->headers_in, "Content-Length");
    const char *user, *password, *email;
    apr_size_t ulen, plen, elen;
    apr_array_header_t *pairs;
    tsr_store_t *store = tsr_request_store(r);
    tsr_error_t *err = NULL, e;
    form_t *f = apr_pcalloc(r->pool, sizeof(*f));
    int rc;

    if (cl && apr_atoi64(cl) > FORM_BODY_MAX) {
        r->connection->keepalive = AP_CONN_CLOSE;
        send_note(r, HTTP_REQUEST_ENTITY_TOO_LARGE, "Sign-in failed",
                  "The form sent more than a sign-in needs.");
        return 0;
    }
    /* At most a handful of fields are read; more is no sign-in form. */
    if ((rc = ap_parse_form_data(r, NULL, &pairs, 8, FORM_BODY_MAX)) != OK) {
        send_note(r, rc == HTTP_REQUEST_ENTITY_TOO_LARGE
                         ? rc : HTTP_BAD_REQUEST,
                  "Sign-in failed", "The form could not be read.");
        return 0;
    }
    if (store == NULL) {
        send_note(r, HTTP_SERVICE_UNAVAILABLE, "Sign-in failed",
                  "The registry store is unavailable: try again in "
                  "a moment.");
        return 0;
    }
    if (tsr_weblogin_get(&f->w, r->pool, store, id, apr_time_now(), &err)
        != APR_SUCCESS) {
        send_refusal(r, err);
        return 0;
    }
    if (f->w->state != TSR_WEBLOGIN_PENDING) {
        send_note(r, HTTP_CONFLICT, "Sign-in finished",
                  apr_pstrcat(r->pool, "Someone has signed in on this page "
                              "already.  If that was not you, run ",
                              command(r), " again.", NULL));
        return 0;
    }
    f->signup = f->w->create && tsr_password_signup_allowed(r);
    user = field(r, pairs, "user", &ulen);
    password = field(r, pairs, "password", &plen);
    email = field(r, pairs, "email", &elen);
    if (tsr_weblogin_creds(&f->creds, r->pool, user, ulen, password, plen,
                           email, elen, &err) != APR_SUCCESS) {
        send_form(r, HTTP_BAD_REQUEST, f->w, f->signup,
                  user && !memchr(user, '\0', ulen) ? user : NULL,
                  sentence(r->pool, err->message));
        return 0;
    }
    f->verdict = tsr_password_check(r, f->creds.user, f->creds.password);
    switch (f->verdict) {
    case TSR_AUTH_GRANTED:
        break;
    case TSR_AUTH_THROTTLED:
        /* The legacy login's words, and its Retry-After. */
        tsr_password_throttled_error(r, &e);
        send_form(r, HTTP_TOO_MANY_REQUESTS, f->w, f->signup,
                  f->creds.user, sentence(r->pool, e.message));
        return 0;
    case TSR_AUTH_NO_USER:
        if (f->signup) {
            break;
        }
        /* The same answer whether or not the name exists. */
        /* fall through */
    case TSR_AUTH_DENIED:
        send_form(r, HTTP_UNAUTHORIZED, f->w, f->signup,
                  f->creds.user, "Incorrect user name or password.");
        return 0;
    default:
        send_form(r, HTTP_SERVICE_UNAVAILABLE, f->w, f->signup,
                  f->creds.user, "The password could not be "
                  "checked just now: try again in a moment.");
        return 0;
    }
    *pf = f;
    return 1;
}

int tsr_weblogin_authn(request_rec *r, const tsr_route_t *rt)
{
    form_t *f = NULL;
    tsr_request_t *n = tsr_request_of(r);
    const char *html;
    apr_size_t len;

    if (!read_form(r, tsr_route_param(rt, "id"), &f)) {
        return DONE;
    }
    apr_pool_userdata_setn(f, FORM_KEY, NULL, r->pool);
    n->id.user = f->creds.user;
    r->user = (char *)f->creds.user;
    r->ap_auth_type = PASSWORD_AUTH_TYPE;
    /* A user Require then refuses sees a page saying so, not Apache's
     * page about credentials. */
    html = tsr_loginpage_note(r->pool, "Not allowed", apr_pstrcat(r->pool,
                              "The password is right, but the user ",
                              f->creds.user, " may not use this registry.",
                              NULL), &len);
    page_headers(r);
    ap_custom_response(r, HTTP_UNAUTHORIZED, html);
    ap_custom_response(r, HTTP_FORBIDDEN, html);
    return OK;
}

/* POST of the page: sign in (or up), and mark the sign-in done. */
int tsr_npm_weblogin_form(tsr_req_t *q)
{
    request_rec *r = q->r;
    const char *id = tsr_route_param(&q->rt, "id");
    form_t *f = NULL;
    tsr_auth_login_t login;
    tsr_error_t *err = NULL;

    /* Under a Require, check_authn has read and checked it. */
    apr_pool_userdata_get((void **)&f, FORM_KEY, r->pool);
    if (f == NULL && !read_form(r, id, &f)) {
        return OK;              /* the page that says why is sent */
    }
    if (tsr_auth_accept(&login, r->pool, q->store, &f->creds, f->verdict,
                        f->signup, &err) != APR_SUCCESS) {
        if (err && err->http_status == HTTP_CONFLICT) {
            return send_form(r, HTTP_CONFLICT, f->w, f->signup,
                             f->creds.user, "That name was taken a moment "
                             "ago: sign in with its password, or choose "
                             "another.");
        }
        return send_refusal(r, err);
    }
    if (tsr_weblogin_sign_in(r->pool, q->store, id, login.user,
                             apr_time_now(), &err) != APR_SUCCESS) {
        return send_refusal(r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "TSR00071: %s %s on the "
                  "web login page %.6s...", login.user,
                  login.created ? "signed up" : "signed in", id);
    r->user = (char *)login.user;
    return send_note(r, HTTP_OK, login.created ? "Account created"
                                               : "Signed in",
                     apr_pstrcat(r->pool, "You are signed in as ",
                                 login.user, ".  Return to the terminal: ",
                                 command(r), " finishes there, and this "
                                 "page can be closed.", NULL));
}

/* GET of the page: the form, while the sign-in waits for it. */
int tsr_npm_weblogin_page(tsr_req_t *q)
{
    tsr_weblogin_t *w;
    tsr_error_t *err = NULL;

    if (tsr_weblogin_get(&w, q->r->pool, q->store,
                         tsr_route_param(&q->rt, "id"), apr_time_now(), &err)
        != APR_SUCCESS) {
        return send_refusal(q->r, err);
    }
    if (w->state != TSR_WEBLOGIN_PENDING) {
        return send_note(q->r, HTTP_OK, "Sign-in finished",
                         apr_pstrcat(q->r->pool, "Someone has signed in on "
                                     "this page.  If that was you, return "
                                     "to the terminal; if not, run ",
                                     command(q->r), " again.", NULL));
    }
    return send_form(q->r, HTTP_OK, w,
                     w->create && tsr_password_signup_allowed(q->r), NULL,
                     NULL);
}

/* ---- npm's side ---- */

/* POST /-/v1/login: {} for npm login, {"create": true} for npm adduser. */
int tsr_npm_weblogin_start(tsr_req_t *q)
{
    request_rec *r = q->r;
    tsr_weblogin_limits_t lim;
    tsr_weblogin_t *w;
    tsr_error_t *err = NULL;
    json_object *body, *v, *res;
    const char *secret, *base;
    int create;

    if (tsr_io_read_json(r, START_BODY_MAX, &body, &err) != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    if (!json_object_is_type(body, json_type_object)) {
        return tsr_io_refuse(r, HTTP_BAD_REQUEST, "the body must be a JSON "
                             "object");
    }
    create = json_object_object_get_ex(body, "create", &v)
             && json_object_is_type(v, json_type_boolean)
             && json_object_get_boolean(v);
    lim.ttl = apr_time_from_sec(tsr_conf_weblogin_ttl(q->d));
    lim.max_owner = TSR_WEBLOGIN_MAX_OWNER;
    lim.grace = 0;
    lim.max_total = TSR_WEBLOGIN_MAX_TOTAL;
    if (tsr_weblogin_start(&w, &secret, r->pool, q->store, create,
                           r->useragent_ip, apr_time_now(), &lim, &err)
        != APR_SUCCESS) {
        if (err && err->http_status == HTTP_TOO_MANY_REQUESTS) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "TSR00073: web "
                          "login refused: too many waiting for %s or in "
                          "all", r->useragent_ip);
            apr_table_setn(r->err_headers_out, "Retry-After",
                           apr_psprintf(r->pool, "%d",
                                        tsr_conf_weblogin_ttl(q->d)));
        }
        return tsr_io_send_error(r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "TSR00070: web %s %.6s... "
                  "started", create ? "adduser" : "login", w->id);
    base = tsr_base_url(q->r, q->d);
    res = tsr_json_own(r->pool, json_object_new_object());
    tsr_json_set_str(res, "loginUrl", apr_pstrcat(r->pool, base,
                                                  "-/v1/login/web/", w->id,
                                                  NULL));
    tsr_json_set_str(res, "doneUrl", apr_pstrcat(r->pool, base,
                                                 "-/v1/login/done/", w->id,
                                                 "/", secret, NULL));
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return tsr_io_send_json(r, HTTP_OK, res);
}

/* GET of the poll URL: 202 {} while nobody signed in, then the token,
 * once.  HEAD looks without collecting. */
int tsr_npm_weblogin_done(tsr_req_t *q)
{
    request_rec *r = q->r;
    const char *id = tsr_route_param(&q->rt, "id");
    const char *secret = NULL, *user, *token;
    tsr_weblogin_t *w;
    tsr_error_t *err = NULL;
    json_object *res;
    apr_status_t rv;

    apr_pool_userdata_get((void **)&secret, SECRET_KEY, r->pool);
    if (secret == NULL) {
        secret = tsr_route_param(&q->rt, "secret");
    }
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (r->header_only) {
        rv = tsr_weblogin_poll(&w, r->pool, q->store, id, secret,
                               apr_time_now(), &err);
        user = rv == APR_SUCCESS && w->state == TSR_WEBLOGIN_SIGNED_IN
                   ? w->user : NULL;
    }
    else {
        rv = tsr_weblogin_collect(&user, r->pool, q->store, id, secret,
                                  apr_time_now(), &err);
    }
    if (rv != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    res = tsr_json_own(r->pool, json_object_new_object());
    if (user == NULL) {
        /* npm waits Retry-After seconds, and reads a JSON body first. */
        apr_table_setn(r->headers_out, "Retry-After", "1");
        return tsr_io_send_json(r, HTTP_ACCEPTED, res);
    }
    if (r->header_only) {
        return tsr_io_send_json(r, HTTP_OK, res);
    }
    if (tsr_token_issue(&token, r->pool, q->store, user, NULL, &err)
        != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "TSR00072: %s logged in "
                  "through the web login %.6s...", user, id);
    r->user = (char *)user;
    tsr_json_set_str(res, "token", token);
    return tsr_io_send_json(r, HTTP_OK, res);
}

/* ---- hooks ---- */

/* After mod_authz_core: it declines when only a user is missing (it
 * refuses itself what no user could pass, such as Require ip from
 * elsewhere).  A web login's start, page and poll need none. */
static int open_routes(request_rec *r)
{
    const tsr_dir_conf_t *d = dir_conf(r);
    const char *rel;
    tsr_route_t rt;

    if (!tsr_conf_enabled(d)
        || (rel = tsr_map_relative_path(r, d)) == NULL) {
        return DECLINED;
    }
    tsr_route_match(&rt, r->pool, tsr_route_table(tsr_conf_api(d)),
                    r->method, rel);
    if (rt.status != 0 || !(rt.def->flags & TSR_RF_OPEN)) {
        return DECLINED;
    }
    return OK;
}

/* The poll URL carries the secret that collects a token.  Before any
 * module logs the request line or the URI, keep the secret aside and
 * leave only its first characters in them, so that no log lets a reader
 * collect the token first. */
static int hide_secret(request_rec *r)
{
    const char *at, *slash, *secret, *masked;
    char **spots[4];
    int i;

    if (r->unparsed_uri == NULL
        || (at = strstr(r->unparsed_uri, DONE_PATH)) == NULL
        || (slash = strchr(at + strlen(DONE_PATH), '/')) == NULL) {
        return DECLINED;
    }
    secret = apr_pstrndup(r->pool, slash + 1, strcspn(slash + 1, "?#/"));
    if (!tsr_weblogin_id_valid(secret, 1)) {
        return DECLINED;
    }
    masked = apr_pstrcat(r->pool, apr_pstrndup(r->pool, secret, 4), "...",
                         NULL);
    apr_pool_userdata_setn(secret, SECRET_KEY, NULL, r->pool);
    spots[0] = (char **)&r->the_request;
    spots[1] = &r->unparsed_uri;
    spots[2] = &r->uri;
    spots[3] = &r->parsed_uri.path;
    for (i = 0; i < 4; i++) {
        char *s = *spots[i], *hit;

        while (s && (hit = strstr(s, secret)) != NULL) {
            s = apr_pstrcat(r->pool, apr_pstrndup(r->pool, s,
                                                  (apr_size_t)(hit - s)),
                            masked, hit + strlen(secret), NULL);
        }
        *spots[i] = s;
    }
    return DECLINED;
}

void tsr_weblogin_register_hooks(apr_pool_t *p)
{
    static const char *const after_authz[] = { "mod_authz_core.c", NULL };

    ap_hook_post_read_request(hide_secret, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_check_access_ex(open_routes, after_authz, NULL, APR_HOOK_LAST,
                            AP_AUTH_INTERNAL_PER_CONF);
}
