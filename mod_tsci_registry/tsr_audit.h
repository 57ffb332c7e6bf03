/* tsr_audit: the audit requests of npm, pnpm, Yarn and Bun, answered by a
 * registry that keeps no advisory database: each body is checked for the
 * shape its clients send, and the answer is the one that says no advisory
 * applies, in the form each client reads. */
#ifndef TSR_AUDIT_H
#define TSR_AUDIT_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"

/* POST /-/npm/v1/security/advisories/bulk (npm 11, Yarn 4, Bun 1): doc
 * must be an object mapping package names (non-empty strings) to arrays
 * of version strings; otherwise 400, naming the first entry that is not.
 * *pres gets the answer, no advisories: an empty object, owned by p. */
apr_status_t tsr_audit_bulk(json_object **pres, apr_pool_t *p,
                            json_object *doc, tsr_error_t **perr);

/* The figures of a dependency tree that a legacy audit report gives:
 * distinct name@version pairs, split by how they are depended on. */
typedef struct tsr_audit_counts_t {
    apr_int64_t dependencies;       /* neither dev nor optional */
    apr_int64_t dev;                /* only ever dev */
    apr_int64_t optional;           /* optional, never dev nor required */
} tsr_audit_counts_t;

/* POST /-/npm/v1/security/audits/quick and /-/npm/v1/security/audits
 * (pnpm 10; npm 6 before it): doc must be an object whose "dependencies",
 * where present, is an object of nodes, each an object whose "version" is
 * a string, "dev" and "optional" booleans and "dependencies" again such
 * an object, where present; otherwise 400, naming the node.  A root
 * without "name" is pnpm's: its nodes are the workspace's projects, not
 * packages, and are not counted.  *pres gets the legacy report with no
 * advisory (actions, advisories, muted, and metadata: zero
 * vulnerabilities of every severity and the tree's counts), owned by p;
 * pcounts (may be NULL) the counts. */
apr_status_t tsr_audit_quick(json_object **pres, apr_pool_t *p,
                             json_object *doc, tsr_audit_counts_t *pcounts,
                             tsr_error_t **perr);

#endif
