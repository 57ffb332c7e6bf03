/* tsr_owner: npm owner add and rm.  npm reads the document, changes its
 * "maintainers" and sends them back (PUT /<name>/-rev/<rev>).  Only the
 * maintainers' names are taken; a package keeps at least one; the
 * package's views are rendered again (a restricted package's readers are
 * its maintainers). */
#ifndef TSR_OWNER_H
#define TSR_OWNER_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"
#include "tsr_org.h"
#include "tsr_store.h"

/* Most maintainers a package has. */
#define TSR_OWNERS_MAX 100

/* Make body's "maintainers" ([{"name", "email"}...]) those of name at
 * revision rev.  400 for no maintainers, too many, or a name no user can
 * have; 404 as for a package who may not read; 403 for a non-maintainer;
 * 409 when rev is not the document's.  email_of gives the email the
 * registry knows for a user (or NULL); an email in the body is not
 * believed. */
typedef const char *tsr_owner_email_fn(void *baton, apr_pool_t *p,
                                       const char *user);
apr_status_t tsr_owner_set(apr_pool_t *p, tsr_store_t *store,
                           const char *name, const tsr_actor_t *who,
                           const char *rev, json_object *body,
                           tsr_owner_email_fn *email_of, void *baton,
                           const char **pnew_rev, tsr_error_t **perr);

#endif
