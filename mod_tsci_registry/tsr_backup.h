/* tsr_backup: a copy of the whole store taken while Apache serves it, and
 * a store made again from such a copy.  The metadata is copied the way
 * Berkeley DB's hot backup does it (checkpoint, databases, then every log
 * written meanwhile, then a catastrophic recovery of the copy), then the
 * tarballs the copied documents name; backup.json, written last, says the
 * copy is complete. */
#ifndef TSR_BACKUP_H
#define TSR_BACKUP_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_admin.h"
#include "tsr_error.h"
#include "tsr_store.h"

/* The file that marks a complete backup, in its directory. */
#define TSR_BACKUP_MANIFEST "backup.json"

typedef struct tsr_backup_result_t {
    apr_uint64_t files;             /* metadata files copied (logs too) */
    apr_uint64_t bytes;             /* their bytes */
    apr_uint64_t tarballs;
    apr_uint64_t tarball_bytes;
    /* What the copy holds, and the number of its last change: every
     * write acknowledged before the backup began is in it. */
    apr_uint64_t packages;
    apr_uint64_t versions;
    apr_uint64_t update_seq;
    /* Tarballs a copied document names that were gone from the store
     * before they could be copied (unpublished meanwhile): char *. */
    apr_array_header_t *missing;
    json_object *manifest;          /* backup.json's content (owned by p) */
} tsr_backup_result_t;

/* Back the store s (joined or alone, see tsr_admin_open) up into dir (an
 * absolute path that does not exist yet or is an empty directory).  409
 * for a directory that is not empty; a failure or an interruption
 * (APR_EINTR) leaves dir without backup.json, which restore refuses. */
apr_status_t tsr_backup_run(tsr_backup_result_t *res, apr_pool_t *p,
                            tsr_store_t *s, const char *dir,
                            tsr_admin_progress_fn *progress, void *baton,
                            tsr_error_t **perr);

/* Make datadir (absolute; made when missing) a store again from the
 * backup in from: 400 when from holds no complete backup; 409 when
 * datadir is not empty, unless force is set: then its store (db/,
 * tarballs/, tmp/, and nothing else may be there) is replaced, unless a
 * process uses it (409 as well).  res counts what was copied; its
 * manifest is the backup's. */
apr_status_t tsr_backup_restore(tsr_backup_result_t *res, apr_pool_t *p,
                                const char *from, const char *datadir,
                                int force, tsr_admin_progress_fn *progress,
                                void *baton, tsr_error_t **perr);

#endif
