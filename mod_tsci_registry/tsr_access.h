/* tsr_access: who may read a package.  A public package is everyone's to
 * read; a restricted one (npm publish --access restricted, npm access set
 * status=private) its maintainers' and the administrators' alone, on
 * every URL that shows it.  Changing it re-renders every ready view of the
 * package, whose headers say who may read them. */
#ifndef TSR_ACCESS_H
#define TSR_ACCESS_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"
#include "tsr_org.h"
#include "tsr_store.h"

/* May who read the package whose readers record (TSR_VIEW_READERS) is
 * readers (NULL: public)? */
int tsr_access_may_read(const char *readers, const tsr_actor_t *who);

/* The package name as who may see it: its document (in p), or
 * TSR_ENOTFOUND when it does not exist or who may not read it (the same
 * answer, so a restricted package's name is not revealed); another status
 * when the store failed. */
apr_status_t tsr_access_doc(json_object **pdoc, apr_pool_t *p,
                            tsr_store_t *store, const char *name,
                            const tsr_actor_t *who);

/* In a package update (cur, cur_len: the stored document, or NULL):
 * the document in *pdoc when who may read it and maintains it (or is an
 * administrator); else 404 (missing, or not readable: the same answer)
 * or 403 in *perr. */
apr_status_t tsr_access_maintained_doc(json_object **pdoc, apr_pool_t *p,
                                       const char *name, const char *cur,
                                       apr_size_t cur_len,
                                       const tsr_actor_t *who,
                                       tsr_error_t **perr);

/* Make name restricted or public: its maintainers and administrators
 * only (403, 404 as tsr_access_doc), scoped packages only (400). */
apr_status_t tsr_access_set(apr_pool_t *p, tsr_store_t *store,
                            const char *name, const tsr_actor_t *who,
                            int restricted, tsr_error_t **perr);

/* npm access list collaborators: {"user": "write"} for each maintainer
 * of doc. */
json_object *tsr_access_collaborators(apr_pool_t *p, json_object *doc);

/* npm access list packages: of the packages names (an array of char *),
 * those who may read, as {"name": "write"} where who maintains them (or
 * is an administrator), else "read" (in p).  Packages the store cannot
 * give are left out. */
json_object *tsr_access_list(apr_pool_t *p, tsr_store_t *store,
                             const apr_array_header_t *names,
                             const tsr_actor_t *who);

#endif
