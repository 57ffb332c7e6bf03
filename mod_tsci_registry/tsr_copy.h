/* tsr_copy: moving a registry from one store to another (Berkeley DB to
 * PostgreSQL and back), through the provider interface alone, so that any
 * two providers can be the two ends. */
#ifndef TSR_COPY_H
#define TSR_COPY_H

#include <apr_pools.h>
#include "tsr_admin.h"
#include "tsr_error.h"
#include "tsr_store.h"

typedef struct tsr_copy_result_t {
    apr_uint64_t users;
    apr_uint64_t tokens;
    apr_uint64_t packages;          /* tombstones included */
    apr_uint64_t versions;
    apr_uint64_t tarballs;          /* files copied (other data directory) */
    apr_uint64_t stars;
    apr_uint64_t orgs;
} tsr_copy_result_t;

/* Copy everything from into to, which must be empty (no package, no
 * user, no organisation: 409 otherwise): users with their records, every
 * token by its hash, package documents as they are (with their
 * revisions, and their views rendered again from them), who created each
 * package, stars, every organisation, and, when the two data directories
 * differ, the tarball files the documents name.  The changes feed keeps
 * its numbers: each package is written (then starred) in the order of
 * its last change in from's feed, its last write numbered as that change
 * or after it, and to's feed goes on after from's last number; the
 * history before each package's last change is not kept.  Only
 * meaningful while nothing writes to from. */
apr_status_t tsr_copy_run(tsr_copy_result_t *res, apr_pool_t *p,
                          tsr_store_t *from, tsr_store_t *to,
                          tsr_admin_progress_fn *progress, void *baton,
                          tsr_error_t **perr);

#endif
