/* tsr_org: organisations and who owns a scope.  A scope belongs to
 * someone: @alice/... to the user alice, any other scope to the
 * organisation of that name, which only a registry administrator creates
 * (npm org set), and @tsci/<owner>.<name> to <owner> (the user, or the
 * members of the organisation <owner>).  Nobody else creates packages
 * there: the first person to publish @company/anything no longer owns
 * @company. */
#ifndef TSR_ORG_H
#define TSR_ORG_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"
#include "tsr_store.h"

/* The scope of tscircuit's packages, @tsci/<owner>.<name>. */
#define TSR_TSCI_SCOPE "tsci"

/* Who is asking. */
typedef struct tsr_actor_t {
    const char *user;
    int admin;                  /* a registry administrator */
} tsr_actor_t;

/* The members of org as {"user": "owner"|"admin"|"developer"} (in p);
 * TSR_ENOTFOUND when there is no such organisation; another status when
 * the store failed. */
apr_status_t tsr_org_members(json_object **pmembers, apr_pool_t *p,
                             tsr_store_t *store, const char *org);

/* user's role in org ("owner", "admin", "developer"), or NULL (also when
 * the store failed: *pfailed is then set). */
const char *tsr_org_role(apr_pool_t *p, tsr_store_t *store, const char *org,
                         const char *user, int *pfailed);

/* npm org set: give user the role in org.  Only a registry administrator
 * creates an organisation; in one, owners and admins add and change
 * members, and only owners (or a registry administrator) give or take the
 * owner role.  400 for a bad name or role, 403, 503.  *psize: members
 * after the change. */
apr_status_t tsr_org_set(apr_pool_t *p, tsr_store_t *store, const char *org,
                         const tsr_actor_t *who, const char *user,
                         const char *role, int *psize, tsr_error_t **perr);

/* npm org rm: take user out of org (the same rights as tsr_org_set for
 * the user's role; members may leave).  The last owner stays unless a
 * registry administrator removes it (409).  404 for a user who is not a
 * member or an organisation that does not exist. */
apr_status_t tsr_org_remove(apr_pool_t *p, tsr_store_t *store,
                            const char *org, const tsr_actor_t *who,
                            const char *user, tsr_error_t **perr);

/* May who create the new package name?  NULL when yes; else why not (in
 * p), for a 403.  *pfailed is set when the store could not be asked. */
const char *tsr_org_may_create(apr_pool_t *p, tsr_store_t *store,
                               const char *name, const tsr_actor_t *who,
                               int *pfailed);

#endif
