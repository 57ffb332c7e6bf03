/* tsr_auth: the registry's own users and logging in: password hashing,
 * user records, checking a password, and a login's end (a new token, or a
 * new user where signup is allowed).  Every API (npm's, tscircuit's) logs
 * in through these functions; tokens themselves are tsr_token's. */
#ifndef TSR_AUTH_H
#define TSR_AUTH_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"
#include "tsr_store.h"
#include "tsr_token.h"

/* Longest password accepted (it is hashed first, so length is no risk to
 * bcrypt's 72-byte window; the bound keeps hashing cheap). */
#define TSR_PASSWORD_MAX 1024
/* Largest login body: a small JSON document. */
#define TSR_LOGIN_BODY_MAX (64 * 1024)
/* bcrypt cost for new password hashes. */
#define TSR_BCRYPT_COST 10

/* Hash password for storage (bcrypt over its SHA-256, so that every byte
 * counts).  The result lives in p. */
apr_status_t tsr_auth_password_hash(const char **phash, apr_pool_t *p,
                                    const char *password);

/* APR_SUCCESS when password matches hash, APR_EMISMATCH otherwise. */
apr_status_t tsr_auth_password_check(apr_pool_t *p, const char *password,
                                     const char *hash);

/* A user record as stored: {"name","email","password","created"} (json-c,
 * owned by p). */
json_object *tsr_auth_user_record(apr_pool_t *p, const char *name,
                                  const char *email, const char *pwhash,
                                  const char *created);

/* The error code of a refused password: the glue answers it with a
 * challenge clients read as "wrong password", not "bad token". */
#define TSR_AUTH_BAD_CREDENTIALS "bad_credentials"

/* What checking a password said: the results of Apache's authn
 * providers, without httpd, so that the registry's own users and any of
 * Apache's providers answer a login alike. */
typedef enum tsr_auth_verdict_e {
    TSR_AUTH_GRANTED,           /* the password is the user's */
    TSR_AUTH_DENIED,            /* the user exists; wrong password */
    TSR_AUTH_NO_USER,           /* nobody of that name */
    TSR_AUTH_FAILED,            /* the check could not be made */
    TSR_AUTH_THROTTLED          /* not checked: too many failures of late */
} tsr_auth_verdict_e;

/* Check password against the registry's own users (bcrypt).  A user that
 * does not exist costs the same bcrypt as a wrong password, so the time
 * of an answer does not tell whether a name exists. */
tsr_auth_verdict_e tsr_auth_user_check(apr_pool_t *p, tsr_store_t *store,
                                       const char *user,
                                       const char *password);

/* Credentials from the body of npm's legacy login (CouchDB's user
 * document: name, password, email). */
typedef struct tsr_auth_creds_t {
    const char *user;
    const char *password;
    const char *email;          /* or NULL */
} tsr_auth_creds_t;

/* Take the credentials for user (named in the URL) from body: 400 for a
 * body that does not name user or lacks a password of
 * 1..TSR_PASSWORD_MAX bytes (a NUL byte included), or a bad user name or
 * email. */
apr_status_t tsr_auth_creds_parse(tsr_auth_creds_t *c, apr_pool_t *p,
                                  const char *user, json_object *body,
                                  tsr_error_t **perr);

/* Make c a registry user (password hashed; email optional): 409 when the
 * name is taken, 503 when the store fails.  The caller checks the name
 * and password (tsr_auth_creds_parse, tsr_name_check_user). */
apr_status_t tsr_auth_user_add(apr_pool_t *p, tsr_store_t *store,
                               const tsr_auth_creds_t *c,
                               tsr_error_t **perr);

/* What a login gave. */
typedef struct tsr_auth_login_t {
    const char *user;
    const char *token;          /* new, in p */
    int created;                /* the user signed up */
} tsr_auth_login_t;

/* Finish a login whose password check said verdict: GRANTED mints a
 * token; NO_USER signs the user up as a registry user when allow_signup
 * is set.  Refusals: 401 (code TSR_AUTH_BAD_CREDENTIALS) for a wrong
 * password or a refused signup, the same answer whether or not the user
 * exists; 409 for a user created at the same moment; 503 when the check
 * or the store failed. */
apr_status_t tsr_auth_login(tsr_auth_login_t *out, apr_pool_t *p,
                            tsr_store_t *store, const tsr_auth_creds_t *c,
                            tsr_auth_verdict_e verdict, int allow_signup,
                            tsr_error_t **perr);

/* tsr_auth_login without the token: the same refusals and the same
 * signup, for a login whose token is minted later (a web login's, when
 * its client collects it).  out->token stays NULL. */
apr_status_t tsr_auth_accept(tsr_auth_login_t *out, apr_pool_t *p,
                             tsr_store_t *store, const tsr_auth_creds_t *c,
                             tsr_auth_verdict_e verdict, int allow_signup,
                             tsr_error_t **perr);

#endif
