/* tsr_verify: the whole store checked against itself: every package
 * document parses, every version's tarball is there with the digests the
 * document gives, no tarball file is left that no document names, the
 * ready views are those of the documents, and the store's own check of
 * its databases passes. */
#ifndef TSR_VERIFY_H
#define TSR_VERIFY_H

#include <apr_pools.h>
#include <apr_tables.h>
#include "tsr_admin.h"
#include "tsr_store.h"

/* One thing wrong. */
typedef struct tsr_verify_problem_t {
    /* "document" (unreadable, or naming a tarball it cannot have),
     * "missing" (a version's tarball is not there), "shasum" and
     * "integrity" (its bytes are not what the document says), "orphan"
     * (a file under tarballs/ that no document names), "view" (a ready
     * view that is not the document's: reindex mends it), "database"
     * (the store's own check). */
    const char *kind;
    const char *package;            /* or NULL */
    const char *version;            /* or NULL */
    const char *path;               /* under tarballs/, or a database
                                     * file; or NULL */
    const char *message;            /* one line that names it all */
} tsr_verify_problem_t;

typedef struct tsr_verify_report_t {
    apr_uint64_t packages;          /* documents read */
    apr_uint64_t versions;
    apr_uint64_t tarballs;          /* tarballs read and hashed */
    apr_uint64_t tarball_bytes;
    apr_array_header_t *problems;   /* of tsr_verify_problem_t */
} tsr_verify_report_t;

/* Check the store s (opened with tsr_admin_open) into rep (in p).  It
 * returns APR_SUCCESS when the check ran, whatever it found; what is
 * wrong is in rep->problems.  Meaningful only while nothing writes to
 * the store: a publish under way shows as an orphan tarball. */
apr_status_t tsr_verify_run(tsr_verify_report_t *rep, apr_pool_t *p,
                            tsr_store_t *s, tsr_admin_progress_fn *progress,
                            void *baton);

#endif
