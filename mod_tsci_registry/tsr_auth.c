/* tsr_auth: passwords (APR's bcrypt) and tokens (random, stored hashed). */
#include <apr_strings.h>
#include <apr_time.h>
#include <apr_md5.h>
#include "tsr_auth.h"
#include "tsr_integrity.h"
#include "tsr_json.h"

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

apr_status_t tsr_auth_token_new(const char **ptoken, unsigned char key[32],
                                apr_pool_t *p)
{
    unsigned char raw[TSR_TOKEN_BYTES];
    apr_status_t rv;

    if ((rv = tsr_integrity_random(raw, sizeof(raw))) != APR_SUCCESS) {
        return rv;
    }
    *ptoken = apr_pstrcat(p, TSR_TOKEN_PREFIX,
                          tsr_integrity_base64url(p, raw, sizeof(raw)), NULL);
    tsr_auth_token_key(key, *ptoken);
    return APR_SUCCESS;
}

void tsr_auth_token_key(unsigned char key[32], const char *token)
{
    tsr_integrity_sha256(key, token, strlen(token));
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

json_object *tsr_auth_token_record(apr_pool_t *p, const char *user,
                                   int readonly, const char *created)
{
    json_object *t = tsr_json_own(p, json_object_new_object());

    tsr_json_set_str(t, "user", user);
    json_object_object_add(t, "readonly", json_object_new_boolean(readonly));
    tsr_json_set_str(t, "created", created);
    return t;
}
