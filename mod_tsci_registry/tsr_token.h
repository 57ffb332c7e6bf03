/* tsr_token: the registry's tokens.  A token is what a client sends as
 * "Authorization: Bearer <token>" once it has logged in; the registry keeps
 * only its SHA-256 (the store key) and a record of who it belongs to, what
 * it may do (read only; from which addresses) and how it is shown in a
 * list.  Every API (npm's, tscircuit's) mints, finds, lists and revokes
 * tokens through these functions. */
#ifndef TSR_TOKEN_H
#define TSR_TOKEN_H

#include <apr_network_io.h>
#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"
#include "tsr_store.h"
#include "tsr_tokencache.h"

/* Bytes of randomness in a token, and its printed prefix. */
#define TSR_TOKEN_BYTES 32
#define TSR_TOKEN_PREFIX "tsr_"
/* Characters of a token that its record keeps, to show it in a list:
 * the prefix and four random ones (24 of its 256 bits). */
#define TSR_TOKEN_SHOWN (sizeof(TSR_TOKEN_PREFIX) - 1 + 4)
/* At most this many address ranges limit one token. */
#define TSR_TOKEN_CIDR_MAX 16
/* Longest token name. */
#define TSR_TOKEN_NAME_MAX 128

/* Mint a new token: *ptoken is what the client gets (in p), key[32] is
 * what the store keys it by (its SHA-256; the token itself is never
 * stored). */
apr_status_t tsr_token_new(const char **ptoken, unsigned char key[32],
                           apr_pool_t *p);

/* The store key of a token the client presented. */
void tsr_token_key(unsigned char key[32], const char *token);

/* What a new token may do. */
typedef struct tsr_token_opts_t {
    int readonly;               /* it never writes */
    const char *cidr;           /* "a/n,b/m": the only client addresses it
                                 * is good from; NULL: any */
    const char *name;           /* a label for lists, or NULL */
} tsr_token_opts_t;

/* A token record as stored: {"user","readonly","created","shown", and
 * "cidr" (an array) and "name" when set}. */
json_object *tsr_token_record(apr_pool_t *p, const char *user,
                              const tsr_token_opts_t *o, const char *shown,
                              const char *created);

/* Who a token says a request is: tsr_token_owner_t's fields. */
typedef tsr_token_owner_t tsr_token_identity_t;

/* Find the owner of token (len bytes; a token holding a NUL byte is
 * nobody's): the process's cache first when cache is not NULL and gen is
 * not 0, else the store, remembering the answer.  APR_SUCCESS with *id
 * filled (in p); TSR_ENOTFOUND for a token the store does not know (or
 * whose record is unreadable); another status when the store failed. */
apr_status_t tsr_token_lookup(tsr_token_identity_t *id, apr_pool_t *p,
                              tsr_store_t *store, tsr_tokencache_t *cache,
                              apr_uint32_t gen, const char *token,
                              apr_size_t len);

/* Mint a token for user with o (NULL: reads and writes from anywhere),
 * store its record, and return it (in p): the only time the token itself
 * exists on the server. */
apr_status_t tsr_token_issue(const char **ptoken, apr_pool_t *p,
                             tsr_store_t *store, const char *user,
                             const tsr_token_opts_t *o, tsr_error_t **perr);

/* Forget token (unknown tokens too: knowing a token is the right to
 * revoke it).  The caller tells other processes' caches. */
apr_status_t tsr_token_revoke(apr_pool_t *p, tsr_store_t *store,
                              const char *token, tsr_error_t **perr);

/* Forget one of user's tokens, named by id: its key as listed (64 hex
 * digits) or the token itself.  404 when user has no such token (another
 * user's token included).  The caller tells other processes' caches. */
apr_status_t tsr_token_revoke_id(apr_pool_t *p, tsr_store_t *store,
                                 const char *user, const char *id,
                                 tsr_error_t **perr);

/* user's tokens as npm's token list shows them: an array of {"key" (hex
 * of the store key), "token" (its first characters), "created",
 * "updated", "name", "readonly", "cidr_whitelist"}, oldest first (in
 * p).  503 when the store fails. */
apr_status_t tsr_token_list(json_object **plist, apr_pool_t *p,
                            tsr_store_t *store, const char *user,
                            tsr_error_t **perr);

/* The address ranges of a token request (npm's "cidr_whitelist": an
 * array of "a.b.c.d/n" or IPv6 ranges; absent, null or empty: none) as
 * *pcidr, "a/n,b/m" or NULL.  400 for anything else, or more than
 * TSR_TOKEN_CIDR_MAX ranges. */
apr_status_t tsr_token_cidr_parse(const char **pcidr, apr_pool_t *p,
                                  json_object *list, tsr_error_t **perr);

/* Is addr inside one of cidr's ranges ("a/n,b/m"; NULL allows every
 * address)? */
int tsr_token_cidr_allows(apr_pool_t *p, const char *cidr,
                          apr_sockaddr_t *addr);

/* ---- Session tokens: the JWT shape tscircuit's CLI decodes ----
 *
 * tscircuit's CLI reads who it is logged in as from its token, decoding
 * it as a JWT (never checking a signature).  A session token is therefore
 * written as one, base64url(header) "." base64url(claims) "."
 * base64url(secret), and is otherwise an ordinary token: stored by its
 * SHA-256, good as npm's Bearer token, listed and revoked like any other.
 * Its third part is no signature but the token's TSR_TOKEN_BYTES random
 * bytes: the registry knows a token only by the hash of all of it, so a
 * token with any claim changed is an unknown one. */

/* What a session token says of itself. */
typedef struct tsr_token_claims_t {
    const char *account_id;
    const char *session_id;     /* random, kept in the token's record */
    const char *handle;         /* tscircuit_handle: the user's name */
    const char *github_username;        /* NULL: none */
    apr_time_t issued;
} tsr_token_claims_t;

/* The JWT-shaped text of claims c with secret (len bytes), in p. */
const char *tsr_token_jwt_encode(apr_pool_t *p, const tsr_token_claims_t *c,
                                 const unsigned char *secret,
                                 apr_size_t len);

/* The claims of a JWT-shaped token as a JSON object (in p), or NULL when
 * token is not three non-empty base64url parts whose first two are JSON
 * objects.  Nothing is verified: the store decides what a token is. */
json_object *tsr_token_jwt_claims(apr_pool_t *p, const char *token);

/* Is token JWT-shaped (tsr_token_jwt_claims would read it)? */
int tsr_token_is_jwt(apr_pool_t *p, const char *token);

/* Mint a session token for user with the claims c names (account_id,
 * handle, github_username), store its record (with the session id, so a
 * list can tell sessions apart) and return it (in p), with c->session_id
 * and c->issued filled in.  Refusals as tsr_token_issue. */
apr_status_t tsr_token_issue_session(const char **ptoken,
                                     tsr_token_claims_t *c, apr_pool_t *p,
                                     tsr_store_t *store, const char *user,
                                     tsr_error_t **perr);

#endif
