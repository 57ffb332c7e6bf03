/* tsr_tsci: tscircuit's registry: packages <owner>/<name>, their releases
 * and each release's files, kept in the store's tscircuit table (one
 * transaction per call), and the operations of its JSON API, each taking
 * the merged parameters of a request and giving the object its answer
 * carries.  No httpd: the glue (mod_tsci_registry_tsci.c) only moves
 * parameters in and answers out. */
#ifndef TSR_TSCI_H
#define TSR_TSCI_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <json-c/json.h>
#include "tsr_error.h"
#include "tsr_org.h"
#include "tsr_store.h"

/* At most this many files in one release (and in one archive). */
#define TSR_TSCI_MAX_FILES 10000

/* tscircuit's error codes. */
#define TSR_TSCI_E_PKG_NOT_FOUND "package_not_found"
#define TSR_TSCI_E_REL_NOT_FOUND "package_release_not_found"
#define TSR_TSCI_E_FILE_NOT_FOUND "package_file_not_found"
#define TSR_TSCI_E_LOCKED "package_release_locked"

/* One call of the API. */
typedef struct tsr_tsci_call_t {
    tsr_store_t *store;
    apr_pool_t *p;              /* results live here */
    tsr_actor_t who;            /* user NULL: anonymous */
    json_object *params;        /* query and body merged */
    /* upload_archive: the most bytes its archive may inflate to. */
    apr_off_t max_inflated;
} tsr_tsci_call_t;

/* An operation: APR_SUCCESS with *pout (owned by c->p) the value of the
 * answer's one member, or a refusal with *perr (tscircuit's error code as
 * its code), the store unchanged. */
typedef apr_status_t tsr_tsci_fn(tsr_tsci_call_t *c, json_object **pout,
                                 tsr_error_t **perr);

/* /packages/...: *pout is the package ("package") or a list
 * ("packages"); delete gives NULL. */
tsr_tsci_fn tsr_tsci_packages_create;
tsr_tsci_fn tsr_tsci_packages_get;
tsr_tsci_fn tsr_tsci_packages_list;
tsr_tsci_fn tsr_tsci_packages_search;
tsr_tsci_fn tsr_tsci_packages_update;
tsr_tsci_fn tsr_tsci_packages_delete;
/* /package_releases/...: "package_release" or "package_releases";
 * update gives NULL. */
tsr_tsci_fn tsr_tsci_releases_create;
tsr_tsci_fn tsr_tsci_releases_get;
tsr_tsci_fn tsr_tsci_releases_list;
tsr_tsci_fn tsr_tsci_releases_update;
/* /package_files/...: "package_file" or "package_files"; delete gives
 * NULL; upload_archive the files it wrote. */
tsr_tsci_fn tsr_tsci_files_create;
tsr_tsci_fn tsr_tsci_files_create_or_update;
tsr_tsci_fn tsr_tsci_files_get;
tsr_tsci_fn tsr_tsci_files_list;
tsr_tsci_fn tsr_tsci_files_delete;
tsr_tsci_fn tsr_tsci_files_upload_archive;

/* A file's bytes, as download sends them and as a later step (a release
 * made an npm tarball, a build) reads them. */
typedef struct tsr_tsci_file_t {
    const char *id;
    const char *path;
    const char *mimetype;
    int is_text;
    const char *data;           /* in the caller's pool */
    apr_size_t len;
    int is_release_tarball;     /* an npm tarball pushed the old way */
} tsr_tsci_file_t;

/* /package_files/download: the file the parameters name (404 not_found,
 * 400 bad_request). */
apr_status_t tsr_tsci_files_download(tsr_tsci_call_t *c,
                                     tsr_tsci_file_t *out,
                                     tsr_error_t **perr);

/* Every file of release release_id, in path order, bytes included (an
 * array of tsr_tsci_file_t in p): one read transaction, one ordered scan
 * of the release's files.  TSR_ENOTFOUND (with *perr) when there is no
 * such release. */
apr_status_t tsr_tsci_release_files(tsr_store_t *s, apr_pool_t *p,
                                    const char *release_id,
                                    apr_array_header_t **pfiles,
                                    tsr_error_t **perr);

#endif
