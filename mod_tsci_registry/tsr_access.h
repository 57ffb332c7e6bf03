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

/* May who see name listed (in a feed of changes): *pmay 1 for a
 * package who may read, and for one that is gone unless it was
 * restricted and who was not among its readers.  Costs a lookup or two
 * of small records; the document only for a package that is gone. */
apr_status_t tsr_access_may_list(apr_pool_t *p, tsr_store_t *store,
                                 const char *name, const tsr_actor_t *who,
                                 int *pmay);

/* A change of name's document that adds no version: fn changes doc in
 * place, or refuses with a status and *perr. */
typedef apr_status_t tsr_access_change_fn(void *baton, apr_pool_t *p,
                                          json_object *doc,
                                          tsr_error_t **perr);

/* Apply fn to name's document in one transaction, for who, who must read
 * it and maintain it (or be an administrator): 404 (missing and
 * unreadable alike) or 403 otherwise; when rev is set, only at that
 * revision (409 otherwise).  Then a new _rev and every view again (every
 * version's too when every_version is set).  *pnew_rev (when not NULL):
 * the new revision, in p.  fn may be called again when the transaction
 * is retried. */
apr_status_t tsr_access_change(apr_pool_t *p, tsr_store_t *store,
                               const char *name, const tsr_actor_t *who,
                               const char *rev, int every_version,
                               tsr_access_change_fn *fn, void *baton,
                               const char **pnew_rev, tsr_error_t **perr);

/* As tsr_access_change, for a change that anyone who may read name may
 * make (a star): no maintainer needed. */
apr_status_t tsr_access_reader_change(apr_pool_t *p, tsr_store_t *store,
                                      const char *name,
                                      const tsr_actor_t *who,
                                      const char *rev,
                                      tsr_access_change_fn *fn, void *baton,
                                      const char **pnew_rev,
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
