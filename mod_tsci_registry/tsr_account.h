/* tsr_account: tscircuit's accounts.  The registry's users are its
 * accounts: the handle (tscircuit_handle) is the user's name, and the
 * account id is made from the name and read back from it, so that every
 * user has one, whether the registry keeps a record of them or one of
 * Apache's authn providers knows them.  Pure: no I/O, no httpd. */
#ifndef TSR_ACCOUNT_H
#define TSR_ACCOUNT_H

#include <apr_pools.h>
#include <json-c/json.h>

/* What every account id starts with. */
#define TSR_ACCOUNT_ID_PREFIX "account_"

/* The account id of user (in p): the same for the same name, always. */
const char *tsr_account_id(apr_pool_t *p, const char *user);

/* The user name account id names (in p), or NULL when id is not an
 * account id of a valid user name.  Whether that user exists is the
 * caller's question. */
const char *tsr_account_user(apr_pool_t *p, const char *id);

/* The form of user's account its asker sees (json-c, owned by p):
 * {"account_id", "tscircuit_handle", "github_username": null,
 * "personal_org_id": null, "created_at"} with created (an ISO time, or
 * NULL: null), and, when self (the asker is user: nobody else is shown
 * it), "email" (email, or null when there is none). */
json_object *tsr_account_json(apr_pool_t *p, const char *user,
                              const char *created, int self,
                              const char *email);

#endif
