/* tsr_account: account ids and the public form of an account. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_account.h"
#include "tsr_integrity.h"
#include "tsr_json.h"
#include "tsr_name.h"

const char *tsr_account_id(apr_pool_t *p, const char *user)
{
    /* Reversible rather than random: users of Apache's providers have no
     * record to keep a random id in, and accounts/get must find a user by
     * its id. */
    return apr_pstrcat(p, TSR_ACCOUNT_ID_PREFIX,
                       tsr_integrity_base64url(p, user, strlen(user)), NULL);
}

const char *tsr_account_user(apr_pool_t *p, const char *id)
{
    const apr_size_t plen = sizeof(TSR_ACCOUNT_ID_PREFIX) - 1;
    apr_size_t len;
    char *user;

    if (id == NULL || strncmp(id, TSR_ACCOUNT_ID_PREFIX, plen) != 0) {
        return NULL;
    }
    user = tsr_integrity_base64url_decode(p, id + plen, strlen(id + plen),
                                          &len);
    if (user == NULL || memchr(user, '\0', len) != NULL
        || tsr_name_check_user(p, user, NULL) != APR_SUCCESS
        /* One id per user: only the encoding tsr_account_id makes. */
        || strcmp(tsr_account_id(p, user), id) != 0) {
        return NULL;
    }
    return user;
}

json_object *tsr_account_json(apr_pool_t *p, const char *user,
                              const char *created, int self,
                              const char *email)
{
    json_object *o = tsr_json_own(p, json_object_new_object());

    tsr_json_set_str(o, "account_id", tsr_account_id(p, user));
    tsr_json_set_str(o, "tscircuit_handle", user);
    /* The registry knows nobody's GitHub name, and has no personal
     * organisations. */
    json_object_object_add(o, "github_username", NULL);
    json_object_object_add(o, "personal_org_id", NULL);
    json_object_object_add(o, "created_at", created
                           ? json_object_new_string(created) : NULL);
    if (self) {
        json_object_object_add(o, "email", email
                               ? json_object_new_string(email) : NULL);
    }
    return o;
}
