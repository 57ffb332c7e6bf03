/* tsr_disttag: npm dist-tag add and rm.  A package's maintainers (and the
 * administrators) point a tag at one of its versions or take a tag away;
 * "latest" can be moved but not removed.  Each change is one transaction
 * that writes the document and its ready views again. */
#ifndef TSR_DISTTAG_H
#define TSR_DISTTAG_H

#include <apr_pools.h>
#include "tsr_error.h"
#include "tsr_org.h"
#include "tsr_store.h"

/* Point tag of name at version.  400 for a tag that is no valid tag name
 * or looks like a version; 404 for a package who may not read or that
 * does not exist, or a version it does not have; 403 for someone who does
 * not maintain it. */
apr_status_t tsr_disttag_set(apr_pool_t *p, tsr_store_t *store,
                             const char *name, const tsr_actor_t *who,
                             const char *tag, const char *version,
                             tsr_error_t **perr);

/* Take tag away from name: as tsr_disttag_set, and 404 for a tag it does
 * not have, 400 for "latest". */
apr_status_t tsr_disttag_remove(apr_pool_t *p, tsr_store_t *store,
                                const char *name, const tsr_actor_t *who,
                                const char *tag, tsr_error_t **perr);

#endif
