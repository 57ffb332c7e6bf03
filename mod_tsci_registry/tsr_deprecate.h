/* tsr_deprecate: npm deprecate and undeprecate.  npm reads the whole
 * document (GET /<name>?write=true), sets versions[v].deprecated on the
 * versions it means, and sends the document back (PUT /<name>, no
 * tarball).  Of that document the registry takes the deprecation messages
 * and nothing else: the rest is the registry's to keep. */
#ifndef TSR_DEPRECATE_H
#define TSR_DEPRECATE_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"
#include "tsr_org.h"
#include "tsr_store.h"

/* Longest deprecation message. */
#define TSR_DEPRECATE_MAX 4096

/* Apply the "deprecated" of each version in body's "versions" to name: a
 * message deprecates, "" undeprecates; versions the package does not have
 * and every other field are ignored.  400 for a body without "versions"
 * or a message that is not a string of at most TSR_DEPRECATE_MAX bytes;
 * 404 as for a package who may not read; 403 for a non-maintainer; 409
 * when body's "_rev" is not the document's.  *pchanged: versions changed;
 * *prev: the document's new revision (in p). */
apr_status_t tsr_deprecate_apply(apr_pool_t *p, tsr_store_t *store,
                                 const char *name, const tsr_actor_t *who,
                                 json_object *body, int *pchanged,
                                 const char **prev, tsr_error_t **perr);

#endif
