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

#endif
