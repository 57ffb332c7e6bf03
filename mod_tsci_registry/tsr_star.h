/* tsr_star: npm star and unstar.  npm sends PUT /<name> with the
 * document's "users" ({"alice": true}) with or without its own name;
 * only the sender's own entry is taken, and anyone who may read a
 * package may star it, at the revision npm read (when it sends one). */
#ifndef TSR_STAR_H
#define TSR_STAR_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"
#include "tsr_org.h"
#include "tsr_store.h"

/* Is body a star or unstar: an object with "users" and no "versions"? */
int tsr_star_is_star(json_object *body);

/* Does body's "users" star the package for user? */
int tsr_star_wanted(json_object *body, const char *user);

/* Star (on) or unstar name for who, at revision rev (NULL: any): 404 as
 * for a package who may not read, 409 for another revision.  *pnew_rev:
 * the new revision (in p). */
apr_status_t tsr_star_set(apr_pool_t *p, tsr_store_t *store,
                          const char *name, const tsr_actor_t *who,
                          const char *rev, int on, const char **pnew_rev,
                          tsr_error_t **perr);

#endif
