/* tsr_weblogin: sign-ins finished in a browser (npm login and npm adduser
 * in their web flow; later tsci login).  A client starts one and gets two
 * values: the id, which names the page where a person signs in, and a
 * secret, with which only the client collects the result.  The record
 * lives in the store (any of Apache's processes answers any step) for a
 * few minutes and goes
 *     pending --sign in--> signed in --collect--> removed
 * with the secret kept only as its SHA-256.  What a collect gives is the
 * user's name; the caller mints the token then, so no token ever rests in
 * the store. */
#ifndef TSR_WEBLOGIN_H
#define TSR_WEBLOGIN_H

#include <apr_pools.h>
#include <apr_time.h>
#include "tsr_auth.h"
#include "tsr_error.h"
#include "tsr_store.h"

/* Random bytes in an id and in a secret (base64url: 22 and 43
 * characters). */
#define TSR_WEBLOGIN_ID_BYTES 16
#define TSR_WEBLOGIN_SECRET_BYTES 32

/* Sign-ins under way: per client address (or IPv6 network), and in all;
 * npm's and tsci's count together.  Each is a few hundred bytes and lives
 * TsciRegistryWebLoginTimeout. */
#define TSR_WEBLOGIN_MAX_OWNER 30
#define TSR_WEBLOGIN_MAX_TOTAL 10000

/* The longest owner key a sign-in is counted under (see
 * tsr_weblogin_owner). */
#define TSR_WEBLOGIN_OWNER_MAX 64

typedef enum tsr_weblogin_state_e {
    TSR_WEBLOGIN_PENDING = 0,   /* waiting for someone to sign in */
    TSR_WEBLOGIN_SIGNED_IN      /* user signed in; not collected yet */
} tsr_weblogin_state_e;

/* A sign-in under way, as stored. */
typedef struct tsr_weblogin_t {
    const char *id;
    tsr_weblogin_state_e state;
    int create;                 /* npm adduser: the page may sign up */
    const char *from;           /* the address that started it */
    apr_time_t created;
    apr_time_t expires;
    const char *user;           /* once signed in */
    unsigned char secret_hash[32];
} tsr_weblogin_t;

/* How many sign-ins may be under way: from one owner, and in all. */
typedef struct tsr_weblogin_limits_t {
    apr_interval_time_t ttl;    /* how long one lives */
    apr_size_t max_owner;
    apr_size_t max_total;
    apr_interval_time_t grace;  /* how much longer the store keeps it,
                                 * expired, so that its client can be
                                 * told it expired (tsr_weblogin_status)
                                 * rather than that it is unknown; 0 for
                                 * none */
} tsr_weblogin_limits_t;

/* The key the sign-ins of a client address are counted under (in p): an
 * IPv4 address itself (also when written IPv4-mapped), the first 64 bits
 * of an IPv6 address (one site's network, which a client can change
 * addresses within at will), else the text, cut to
 * TSR_WEBLOGIN_OWNER_MAX characters. */
const char *tsr_weblogin_owner(apr_pool_t *p, const char *addr);

/* Start a sign-in for a client at address from (create for npm adduser)
 * at now: a new id (*pw, in p) and secret (*psecret, in p), stored.
 * Refusals: 429 when the address's or the store's bound is reached, 503
 * when the store fails. */
apr_status_t tsr_weblogin_start(tsr_weblogin_t **pw, const char **psecret,
                                apr_pool_t *p, tsr_store_t *store,
                                int create, const char *from,
                                apr_time_t now,
                                const tsr_weblogin_limits_t *lim,
                                tsr_error_t **perr);

/* The sign-in id (in p): 404 when id is not one, is unknown or expired by
 * now; 503 when the store fails. */
apr_status_t tsr_weblogin_get(tsr_weblogin_t **pw, apr_pool_t *p,
                              tsr_store_t *store, const char *id,
                              apr_time_t now, tsr_error_t **perr);

/* user signed in on the page of id: pending becomes signed in.  404 as
 * tsr_weblogin_get; 409 when it was signed in already. */
apr_status_t tsr_weblogin_sign_in(apr_pool_t *p, tsr_store_t *store,
                                  const char *id, const char *user,
                                  apr_time_t now, tsr_error_t **perr);

/* The client's look at id with its secret, changing nothing: the record
 * (*pw, in p), or 404 as tsr_weblogin_collect. */
apr_status_t tsr_weblogin_poll(tsr_weblogin_t **pw, apr_pool_t *p,
                               tsr_store_t *store, const char *id,
                               const char *secret, apr_time_t now,
                               tsr_error_t **perr);

/* The sign-in id as stored, also when it has expired and is still kept
 * (a grace; the caller compares (*pw)->expires with the time): 404 when
 * id is not one, unknown or gone; 503 when the store fails. */
apr_status_t tsr_weblogin_peek(tsr_weblogin_t **pw, apr_pool_t *p,
                               tsr_store_t *store, const char *id,
                               tsr_error_t **perr);

/* The client's look at id with its secret, as tsr_weblogin_poll, but
 * also at one that has expired and is still stored (the caller compares
 * (*pw)->expires with the time): 404 when id is unknown, gone or the
 * secret wrong. */
apr_status_t tsr_weblogin_status(tsr_weblogin_t **pw, apr_pool_t *p,
                                 tsr_store_t *store, const char *id,
                                 const char *secret, tsr_error_t **perr);

/* The client's collect of id with its secret: APR_SUCCESS with *puser NULL
 * while it is pending (the record stays); once signed in, *puser (in p)
 * and the record is removed, so this answers a user once.  404 for an id
 * that is not one, unknown, expired, or a wrong secret (the same answer,
 * so the page's id alone tells nothing). */
apr_status_t tsr_weblogin_collect(const char **puser, apr_pool_t *p,
                                  tsr_store_t *store, const char *id,
                                  const char *secret, apr_time_t now,
                                  tsr_error_t **perr);

/* Credentials from the sign-in form's fields, decoded, with their lengths
 * (a field may hold a NUL byte): 400 for a user name npm would not take,
 * a password not of 1..TSR_PASSWORD_MAX bytes or holding a NUL byte, an
 * email over 254 bytes.  An empty or missing email is none.  c's strings
 * live in p. */
apr_status_t tsr_weblogin_creds(tsr_auth_creds_t *c, apr_pool_t *p,
                                const char *user, apr_size_t ulen,
                                const char *password, apr_size_t plen,
                                const char *email, apr_size_t elen,
                                tsr_error_t **perr);

/* Is s an id (or, with secret set, a secret) as tsr_weblogin_start makes
 * them: base64url of the right length. */
int tsr_weblogin_id_valid(const char *s, int secret);

/* The stored form of w (JSON, in p), and back: 400 for a record that is
 * not one of this version. */
const char *tsr_weblogin_encode(apr_pool_t *p, const tsr_weblogin_t *w,
                                apr_size_t *plen);
apr_status_t tsr_weblogin_decode(tsr_weblogin_t **pw, apr_pool_t *p,
                                 const char *id, const char *rec,
                                 apr_size_t len, tsr_error_t **perr);

#endif
