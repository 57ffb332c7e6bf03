/* tsr_reindex: what the store derives from the package documents, rebuilt
 * from them: a list of steps, each a name and what it does for one
 * package, run over every package in turn.  The ready views (full,
 * abbreviated, dist-tags, readers and every version's) are the first
 * step; other derived data (a search index, say) is one more entry. */
#ifndef TSR_REINDEX_H
#define TSR_REINDEX_H

#include <apr_pools.h>
#include "tsr_admin.h"
#include "tsr_error.h"
#include "tsr_store.h"

typedef struct tsr_reindex_step_t {
    const char *name;               /* what "reindex NAME" takes */
    const char *what;               /* one line for --help */
    /* Before the first package and after the last (either may be
     * NULL). */
    apr_status_t (*begin)(tsr_store_t *s, apr_pool_t *p,
                          tsr_error_t **perr);
    apr_status_t (*end)(tsr_store_t *s, apr_pool_t *p, tsr_error_t **perr);
    /* Rebuild what this step derives from the package name (its
     * document may be a tombstone, or gone since it was listed:
     * TSR_ENOTFOUND is no failure). */
    apr_status_t (*package)(tsr_store_t *s, apr_pool_t *p, const char *name,
                            tsr_error_t **perr);
    /* Or, for derived data the store rebuilds in one call of its own,
     * that call, instead of a walk over the packages (package, begin and
     * end are then NULL); *pcount: the packages it covered. */
    apr_status_t (*all)(tsr_store_t *s, apr_pool_t *p, apr_uint64_t *pcount,
                        tsr_error_t **perr);
} tsr_reindex_step_t;

/* The steps, ending with an entry whose name is NULL. */
extern const tsr_reindex_step_t tsr_reindex_steps[];

/* The step called name, or NULL. */
const tsr_reindex_step_t *tsr_reindex_step(const char *name);

/* Run step (NULL: every step in order) over every package; *pcount (may
 * be NULL) gets the packages done by the last step run.  Progress names
 * the step.  Stops at the first failure (its package named in *perr). */
apr_status_t tsr_reindex_run(apr_pool_t *p, tsr_store_t *s,
                             const tsr_reindex_step_t *step,
                             tsr_admin_progress_fn *progress, void *baton,
                             apr_uint64_t *pcount, tsr_error_t **perr);

#endif
