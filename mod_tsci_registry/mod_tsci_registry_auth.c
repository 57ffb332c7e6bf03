/* mod_tsci_registry_auth.c: Bearer tokens to users, and the user endpoints
 * npm's legacy login, whoami and logout call. */
#include <string.h>
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "mod_tsci_registry.h"
#include "tsr_auth.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_tokencache.h"

APLOG_USE_MODULE(tsci_registry);

#define REALM "tsci-registry"

const char *tsr_auth_request_user(request_rec *r, tsr_store_t *store,
                                  int *bad_token)
{
    const char *h = apr_table_get(r->headers_in, "Authorization");
    const char *rec, *user;
    unsigned char key[32];
    apr_size_t len;
    json_object *obj;
    tsr_server_conf_t *sc = ap_get_module_config(r->server->module_config,
                                                 &tsci_registry_module);
    apr_uint32_t gen;

    *bad_token = 0;
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0) {
        return NULL;
    }
    h += 7;
    while (*h == ' ') {
        h++;
    }
    gen = tsr_token_generation();
    if (sc->tokens && gen
        && (user = tsr_tokencache_get(sc->tokens, r->pool, h, gen))) {
        r->user = (char *)user;
        r->ap_auth_type = "Bearer";
        return user;
    }
    tsr_auth_token_key(key, h);
    if (tsr_store_token_get(store, r->pool, key, &rec, &len) != APR_SUCCESS
        || tsr_json_parse(&obj, r->pool, rec, len, 8, NULL) != APR_SUCCESS
        || (user = tsr_json_str(obj, "user")) == NULL) {
        *bad_token = 1;
        return NULL;
    }
    if (sc->tokens && gen) {
        tsr_tokencache_put(sc->tokens, h, user, gen);
    }
    r->user = (char *)user;
    r->ap_auth_type = "Bearer";
    return user;
}

int tsr_auth_challenge(request_rec *r, int bad_token)
{
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   "Bearer realm=\"" REALM "\"");
    return tsr_io_refuse(r, 401, bad_token
                         ? "the token is not valid: log in again with "
                           "npm login"
                         : "this needs you to be logged in: run npm login");
}

static int refuse_login(request_rec *r, int signup)
{
    /* Basic makes npm print "Incorrect or missing password."; the same
     * answer whether or not the user exists. */
    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   "Basic realm=\"" REALM "\"");
    return tsr_io_refuse(r, 401, signup
                         ? "incorrect user name or password"
                         : "incorrect user name or password (this registry "
                           "does not let new users sign up)");
}

/* Mint a token for user and answer npm's login with it. */
static int grant_token(request_rec *r, tsr_store_t *store, const char *user,
                       int created)
{
    const char *token, *rec;
    unsigned char key[32];
    apr_size_t len;
    json_object *res;
    apr_status_t rv;

    rv = tsr_auth_token_new(&token, key, r->pool);
    if (rv == APR_SUCCESS) {
        rec = tsr_json_serialize(r->pool,
                                 tsr_auth_token_record(r->pool, user, 0,
                                     tsr_json_time(r->pool, apr_time_now())),
                                 &len);
        rv = tsr_store_token_put(store, r->pool, key, rec, len);
    }
    if (rv != APR_SUCCESS) {
        return tsr_io_refuse(r, 500, "could not store a new token");
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "TSR00030: %s %s", user,
                  created ? "signed up" : "logged in");
    r->user = (char *)user;
    res = tsr_json_own(r->pool, json_object_new_object());
    json_object_object_add(res, "ok", json_object_new_boolean(1));
    tsr_json_set_str(res, "id", apr_pstrcat(r->pool, "org.couchdb.user:",
                                            user, NULL));
    tsr_json_set_str(res, "token", token);
    return tsr_io_send_json(r, 201, res);
}

int tsr_auth_adduser(request_rec *r, tsr_store_t *store,
                     const tsr_dir_conf_t *d, const char *user)
{
    tsr_error_t *err = NULL;
    json_object *body, *rec;
    const char *name, *password, *email, *stored, *hash;
    apr_size_t len;
    apr_status_t rv;
    int signup = tsr_conf_allow_signup(d);

    if (tsr_name_check_user(r->pool, user, &err) != APR_SUCCESS
        || tsr_io_read_json(r, 64 * 1024, &body, &err) != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    name = tsr_json_str(body, "name");
    password = tsr_json_str(body, "password");
    email = tsr_json_str(body, "email");
    if (name == NULL || strcmp(name, user) != 0) {
        return tsr_io_refuse(r, 400, "the body's \"name\" must be the user "
                             "named in the URL, %s", user);
    }
    if (password == NULL || *password == '\0'
        || strlen(password) > TSR_PASSWORD_MAX) {
        return tsr_io_refuse(r, 400, "a password of 1 to %d characters is "
                             "required", TSR_PASSWORD_MAX);
    }
    if (email && strlen(email) > 254) {
        return tsr_io_refuse(r, 400, "the email address is too long");
    }

    rv = tsr_store_user_get(store, r->pool, user, &stored, &len);
    if (rv == APR_SUCCESS) {
        if (tsr_json_parse(&rec, r->pool, stored, len, 8, NULL)
                != APR_SUCCESS
            || tsr_auth_password_check(r->pool, password,
                                       tsr_json_str(rec, "password"))
                   != APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                          "TSR00031: failed login for %s", user);
            return refuse_login(r, signup);
        }
        return grant_token(r, store, user, 0);
    }
    if (rv != TSR_ENOTFOUND) {
        return tsr_io_refuse(r, 503, "the user store is unavailable");
    }
    if (!signup) {
        return refuse_login(r, signup);
    }
    if (tsr_auth_password_hash(&hash, r->pool, password) != APR_SUCCESS) {
        return tsr_io_refuse(r, 500, "could not hash the password");
    }
    rec = tsr_auth_user_record(r->pool, user, email, hash,
                               tsr_json_time(r->pool, apr_time_now()));
    stored = tsr_json_serialize(r->pool, rec, &len);
    rv = tsr_store_user_create(store, r->pool, user, stored, len);
    if (rv == TSR_EEXISTS) {
        return tsr_io_refuse(r, 409, "the user %s was created at the same "
                             "time by another request", user);
    }
    if (rv != APR_SUCCESS) {
        return tsr_io_refuse(r, 503, "the user store is unavailable");
    }
    return grant_token(r, store, user, 1);
}

int tsr_auth_whoami(request_rec *r, const char *user, int bad_token)
{
    json_object *res;

    if (user == NULL) {
        return tsr_auth_challenge(r, bad_token);
    }
    res = tsr_json_own(r->pool, json_object_new_object());
    tsr_json_set_str(res, "username", user);
    return tsr_io_send_json(r, 200, res);
}

int tsr_auth_logout(request_rec *r, tsr_store_t *store, const char *token)
{
    unsigned char key[32];
    json_object *res;

    /* Knowing the token is the right to revoke it; unknown tokens are
     * answered 200 too, or npm would keep them in its config. */
    tsr_auth_token_key(key, token);
    if (tsr_store_token_delete(store, r->pool, key) != APR_SUCCESS) {
        return tsr_io_refuse(r, 503, "the token store is unavailable");
    }
    /* Every process forgets the tokens it remembered. */
    tsr_token_generation_bump();
    res = tsr_json_own(r->pool, json_object_new_object());
    tsr_json_set_str(res, "ok", "Logged out");
    return tsr_io_send_json(r, 200, res);
}
