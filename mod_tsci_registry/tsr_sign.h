/* tsr_sign: the registry's signing key and its signatures of published
 * versions, as npm audit signatures checks them: ECDSA P-256 over SHA-256
 * of "<name>@<version>:<integrity>", verified with the public key that
 * GET /-/npm/v1/keys lists. */
#ifndef TSR_SIGN_H
#define TSR_SIGN_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"

/* The key type and signature scheme npm's keys list names. */
#define TSR_SIGN_KEYTYPE "ecdsa-sha2-nistp256"

typedef struct tsr_sign_key_t tsr_sign_key_t;

/* Load the PEM private key at path (PKCS#8 "PRIVATE KEY" or SEC 1 "EC
 * PRIVATE KEY", not encrypted): it must be an ECDSA key on P-256.  The
 * key lives until p is cleared.  A missing file is APR_ENOENT (with *perr
 * set); anything else that is not such a key is TSR_EREFUSED, and *perr
 * says what it is instead. */
apr_status_t tsr_sign_key_load(tsr_sign_key_t **pkey, apr_pool_t *p,
                               const char *path, tsr_error_t **perr);

/* A new P-256 key, in memory only; it lives until p is cleared. */
apr_status_t tsr_sign_key_generate(tsr_sign_key_t **pkey, apr_pool_t *p,
                                   tsr_error_t **perr);

/* Store key at path as a PKCS#8 PEM file of mode 0600 (owned by uid and
 * gid unless they are -1), written beside path, synced, then linked into
 * place, so that path is never half written and never replaced: if it
 * exists, nothing is written and the result is APR_EEXIST (with *perr
 * set). */
apr_status_t tsr_sign_key_save(const tsr_sign_key_t *key, apr_pool_t *p,
                               const char *path, long uid, long gid,
                               tsr_error_t **perr);

/* The key at path, or, when there is no file there, a new one saved there
 * (tsr_sign_key_generate, tsr_sign_key_save); *pcreated (may be NULL)
 * says which.  Lives until p is cleared. */
apr_status_t tsr_sign_key_ensure(tsr_sign_key_t **pkey, int *pcreated,
                                 apr_pool_t *p, const char *path, long uid,
                                 long gid, tsr_error_t **perr);

/* "SHA256:" and the unpadded base64 of the SHA-256 of the public key's
 * DER SubjectPublicKeyInfo, the public registry's form; lives with key. */
const char *tsr_sign_key_id(const tsr_sign_key_t *key);

/* The base64 (padded, one line) of that DER SubjectPublicKeyInfo; lives
 * with key. */
const char *tsr_sign_key_public(const tsr_sign_key_t *key);

/* *psig (in p): the base64 of the DER ECDSA signature of the UTF-8 string
 * "<name>@<version>:<integrity>", SHA-256.  Safe from several threads at
 * once with one key. */
apr_status_t tsr_sign_version(const tsr_sign_key_t *key, apr_pool_t *p,
                              const char *name, const char *version,
                              const char *integrity, const char **psig,
                              tsr_error_t **perr);

/* The body of GET /-/npm/v1/keys listing key, which never expires:
 * {"keys":[{"expires":null,"keyid":...,"keytype":...,"scheme":...,
 * "key":...}]}, owned by p. */
json_object *tsr_sign_keys_doc(apr_pool_t *p, const tsr_sign_key_t *key);

#endif
