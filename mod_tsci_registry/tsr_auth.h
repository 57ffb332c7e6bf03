/* tsr_auth: the registry's own users and their tokens: password hashing,
 * token minting and the records the store keeps for both. */
#ifndef TSR_AUTH_H
#define TSR_AUTH_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"

/* Longest password accepted (it is hashed first, so length is no risk to
 * bcrypt's 72-byte window; the bound keeps hashing cheap). */
#define TSR_PASSWORD_MAX 1024
/* bcrypt cost for new password hashes. */
#define TSR_BCRYPT_COST 10
/* Bytes of randomness in a token, and its printed prefix. */
#define TSR_TOKEN_BYTES 32
#define TSR_TOKEN_PREFIX "tsr_"

/* Hash password for storage (bcrypt over its SHA-256, so that every byte
 * counts).  The result lives in p. */
apr_status_t tsr_auth_password_hash(const char **phash, apr_pool_t *p,
                                    const char *password);

/* APR_SUCCESS when password matches hash, APR_EMISMATCH otherwise. */
apr_status_t tsr_auth_password_check(apr_pool_t *p, const char *password,
                                     const char *hash);

/* Mint a new token: *ptoken is what the client gets (in p), key[32] is
 * what the store keys it by (its SHA-256; the token itself is never
 * stored). */
apr_status_t tsr_auth_token_new(const char **ptoken, unsigned char key[32],
                                apr_pool_t *p);

/* The store key of a token the client presented. */
void tsr_auth_token_key(unsigned char key[32], const char *token);

/* A user record as stored: {"name","email","password","created"} (json-c,
 * owned by p). */
json_object *tsr_auth_user_record(apr_pool_t *p, const char *name,
                                  const char *email, const char *pwhash,
                                  const char *created);

/* A token record as stored: {"user","readonly","created"}. */
json_object *tsr_auth_token_record(apr_pool_t *p, const char *user,
                                   int readonly, const char *created);

#endif
