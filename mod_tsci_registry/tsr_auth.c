/* tsr_auth: passwords (APR's bcrypt), users and logins. */
#include <string.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <apr_md5.h>
#include "tsr_auth.h"
#include "tsr_integrity.h"
#include "tsr_json.h"
#include "tsr_name.h"

/* Longest email address accepted (RFC 5321's path limit). */
#define EMAIL_MAX 254

/* bcrypt reads at most 72 bytes: feed it a digest of the whole password. */
static const char *prehash(apr_pool_t *p, const char *password)
{
    unsigned char md[32];

    tsr_integrity_sha256(md, password, strlen(password));
    return tsr_integrity_base64(p, md, sizeof(md));
}

apr_status_t tsr_auth_password_hash(const char **phash, apr_pool_t *p,
                                    const char *password)
{
    unsigned char salt[16];
    char out[128];
    apr_status_t rv;

    if ((rv = tsr_integrity_random(salt, sizeof(salt))) != APR_SUCCESS) {
        return rv;
    }
    rv = apr_bcrypt_encode(prehash(p, password), TSR_BCRYPT_COST, salt,
                           sizeof(salt), out, sizeof(out));
    if (rv == APR_SUCCESS) {
        *phash = apr_pstrdup(p, out);
    }
    return rv;
}

apr_status_t tsr_auth_password_check(apr_pool_t *p, const char *password,
                                     const char *hash)
{
    if (password == NULL || hash == NULL || strncmp(hash, "$2", 2) != 0) {
        return APR_EMISMATCH;
    }
    return apr_password_validate(prehash(p, password), hash) == APR_SUCCESS
               ? APR_SUCCESS : APR_EMISMATCH;
}

json_object *tsr_auth_user_record(apr_pool_t *p, const char *name,
                                  const char *email, const char *pwhash,
                                  const char *created)
{
    json_object *u = tsr_json_own(p, json_object_new_object());

    tsr_json_set_str(u, "name", name);
    if (email) {
        tsr_json_set_str(u, "email", email);
    }
    tsr_json_set_str(u, "password", pwhash);
    tsr_json_set_str(u, "created", created);
    return u;
}

static apr_status_t refuse_credentials(apr_pool_t *p, int allow_signup,
                                       tsr_error_t **perr)
{
    return tsr_error_set(perr, p, 401, TSR_AUTH_BAD_CREDENTIALS,
                         allow_signup
                             ? "incorrect user name or password"
                             : "incorrect user name or password (this "
                               "registry does not let new users sign up)");
}

/* A bcrypt hash of no one's password, at the cost new hashes get: an
 * unknown user is checked against it. */
#define NOBODY_HASH \
    "$2y$10$2ATZGQ2CGQAlaIZSJjJLN.2HqWkWWz.OmLhz4TcC77YMpJcRmKgPu"

tsr_auth_verdict_e tsr_auth_user_check(apr_pool_t *p, tsr_store_t *store,
                                       const char *user,
                                       const char *password)
{
    const char *stored;
    apr_size_t len;
    json_object *rec;
    apr_status_t rv;

    rv = tsr_store_user_get(store, p, user, &stored, &len);
    if (rv == TSR_ENOTFOUND) {
        (void)tsr_auth_password_check(p, password, NOBODY_HASH);
        return TSR_AUTH_NO_USER;
    }
    if (rv != APR_SUCCESS) {
        return TSR_AUTH_FAILED;
    }
    if (tsr_json_parse(&rec, p, stored, len, 8, NULL) != APR_SUCCESS) {
        return TSR_AUTH_FAILED;
    }
    return tsr_auth_password_check(p, password, tsr_json_str(rec, "password"))
                   == APR_SUCCESS
               ? TSR_AUTH_GRANTED : TSR_AUTH_DENIED;
}

apr_status_t tsr_auth_creds_parse(tsr_auth_creds_t *c, apr_pool_t *p,
                                  const char *user, json_object *body,
                                  tsr_error_t **perr)
{
    apr_status_t rv;

    memset(c, 0, sizeof(*c));
    if ((rv = tsr_name_check_user(p, user, perr)) != APR_SUCCESS) {
        return rv;
    }
    /* tsr_json_str gives no string that holds a NUL byte: a password
     * "a\u0000secret" is no password rather than the password "a". */
    c->user = tsr_json_str(body, "name");
    c->password = tsr_json_str(body, "password");
    c->email = tsr_json_str(body, "email");
    if (c->user == NULL || strcmp(c->user, user) != 0) {
        return tsr_error_set(perr, p, 400, NULL, "the body's \"name\" must "
                             "be the user named in the URL, %s", user);
    }
    if (c->password == NULL || *c->password == '\0'
        || strlen(c->password) > TSR_PASSWORD_MAX) {
        return tsr_error_set(perr, p, 400, NULL, "a password of 1 to %d "
                             "characters is required", TSR_PASSWORD_MAX);
    }
    if (c->email && strlen(c->email) > EMAIL_MAX) {
        return tsr_error_set(perr, p, 400, NULL,
                             "the email address is too long");
    }
    return APR_SUCCESS;
}

apr_status_t tsr_auth_accept(tsr_auth_login_t *out, apr_pool_t *p,
                             tsr_store_t *store, const tsr_auth_creds_t *c,
                             tsr_auth_verdict_e verdict, int allow_signup,
                             tsr_error_t **perr)
{
    apr_status_t rv;

    memset(out, 0, sizeof(*out));
    out->user = c->user;
    switch (verdict) {
    case TSR_AUTH_GRANTED:
        return APR_SUCCESS;
    case TSR_AUTH_DENIED:
        return refuse_credentials(p, allow_signup, perr);
    case TSR_AUTH_NO_USER:
        if (allow_signup) {
            break;
        }
        return refuse_credentials(p, allow_signup, perr);
    default:
        return tsr_error_set(perr, p, 503, NULL, "the password could not "
                             "be checked, try again");
    }
    if ((rv = tsr_auth_user_add(p, store, c, perr)) != APR_SUCCESS) {
        return rv;
    }
    out->created = 1;
    return APR_SUCCESS;
}

apr_status_t tsr_auth_login(tsr_auth_login_t *out, apr_pool_t *p,
                            tsr_store_t *store, const tsr_auth_creds_t *c,
                            tsr_auth_verdict_e verdict, int allow_signup,
                            tsr_error_t **perr)
{
    apr_status_t rv;

    if ((rv = tsr_auth_accept(out, p, store, c, verdict, allow_signup,
                              perr)) != APR_SUCCESS) {
        return rv;
    }
    return tsr_token_issue(&out->token, p, store, c->user, NULL, perr);
}

apr_status_t tsr_auth_user_add(apr_pool_t *p, tsr_store_t *store,
                               const tsr_auth_creds_t *c, tsr_error_t **perr)
{
    const char *stored, *hash;
    apr_size_t len;
    apr_status_t rv;

    if ((rv = tsr_auth_password_hash(&hash, p, c->password))
        != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "could not hash the password");
    }
    stored = tsr_json_serialize(p, tsr_auth_user_record(p, c->user, c->email,
                                    hash, tsr_json_time(p, apr_time_now())),
                                &len);
    rv = tsr_store_user_create(store, p, c->user, stored, len);
    if (rv == TSR_EEXISTS) {
        return tsr_error_set(perr, p, 409, NULL, "the user %s exists "
                             "already", c->user);
    }
    if (rv != APR_SUCCESS) {
        return tsr_error_set(perr, p, 503, NULL,
                             "the user store is unavailable, try again");
    }
    return APR_SUCCESS;
}
