/* tsr_unpublish: npm unpublish.  Of one version, npm sends the document
 * back without it (PUT /<name>/-rev/<rev>) and then deletes its tarball
 * (DELETE /<name>/-/<file>/-rev/<rev>); of a whole package it sends
 * DELETE /<name>/-rev/<rev>.  A version number stays burnt for ever, and
 * an unpublished package's name stays its maintainers'.  The registry
 * removes a tarball itself as soon as the document no longer lists it,
 * so nothing is served that is not published even when a client never
 * sends the DELETE. */
#ifndef TSR_UNPUBLISH_H
#define TSR_UNPUBLISH_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"
#include "tsr_org.h"
#include "tsr_store.h"

/* Unpublish the versions of name at revision rev that body's "versions"
 * no longer lists; every other field of body is ignored.  When none is
 * left the package is unpublished as a whole.  400 for a body without
 * "versions", one that adds a version, or one that removes none; 404 as
 * for a package who may not read; 403 for a non-maintainer; 409 when rev
 * is not the document's.  *pnew_rev: the new revision (in p). */
apr_status_t tsr_unpublish_versions(apr_pool_t *p, tsr_store_t *store,
                                    const char *name, const tsr_actor_t *who,
                                    const char *rev, json_object *body,
                                    const char **pnew_rev,
                                    tsr_error_t **perr);

/* Unpublish name as a whole at revision rev (errors as above). */
apr_status_t tsr_unpublish_package(apr_pool_t *p, tsr_store_t *store,
                                   const char *name, const tsr_actor_t *who,
                                   const char *rev, tsr_error_t **perr);

/* DELETE of file, a tarball of name, at revision rev: the tarball of a
 * version that was unpublished is removed (again: that is harmless);
 * 400 when its version is still published, 404 when name never had
 * such a tarball or who may not read it, 403 and 409 as above.  A
 * package unpublished as a whole still takes it, at its last revision. */
apr_status_t tsr_unpublish_tarball(apr_pool_t *p, tsr_store_t *store,
                                   const char *name, const char *file,
                                   const tsr_actor_t *who, const char *rev,
                                   tsr_error_t **perr);

#endif
