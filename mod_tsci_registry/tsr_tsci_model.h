/* tsr_tsci_model: the records of tscircuit's registry in the store's
 * tscircuit table, read and written inside one transaction (a tsr_kv_t),
 * for tsr_tsci.c.  Keys (one byte of kind, then):
 *   P id            package record (JSON)
 *   N lower(name)   package id, by "owner/name"
 *   O lower(owner) NUL id      "" (an owner's packages)
 *   R id            release record (JSON)
 *   L package NUL seq(16 hex)  release id (a package's releases in
 *                   creation order)
 *   V package NUL version      release id
 *   F release NUL path         file record (JSON, no bytes): a release's
 *                   files in path order, read without their bytes
 *   I id            release NUL path (a file by id)
 *   C id            the file's bytes
 *   #               the last sequence number given out (creation order)
 * Internal to the core. */
#ifndef TSR_TSCI_MODEL_H
#define TSR_TSCI_MODEL_H

#include "tsr_tsci.h"

/* What a transaction's work shares: the call and the table. */
typedef struct tsci_tx_t {
    tsr_tsci_call_t *c;
    apr_pool_t *p;
    tsr_kv_t *kv;
    const char *now;            /* ISO time of this call */
} tsci_tx_t;

/* A record by key: APR_SUCCESS with *pobj (owned by p), TSR_ENOTFOUND, or
 * the store's failure. */
apr_status_t tsci_rec_get(tsci_tx_t *t, const char *key, apr_size_t klen,
                          json_object **pobj);
apr_status_t tsci_rec_put(tsci_tx_t *t, const char *key, apr_size_t klen,
                          json_object *obj);
/* A key of kind and parts joined by NUL (in p). */
const char *tsci_key(apr_pool_t *p, char kind, const char *a, const char *b,
                     apr_size_t *plen);
/* The N key of owner/unscoped (lower case), and the O key of owner's
 * package id (NULL id: the prefix of all of owner's). */
const char *tsci_name_key(apr_pool_t *p, const char *owner,
                          const char *unscoped, apr_size_t *plen);
const char *tsci_owner_key(apr_pool_t *p, const char *owner,
                           const char *id, apr_size_t *plen);
/* The next sequence number. */
apr_status_t tsci_next_seq(tsci_tx_t *t, apr_uint64_t *pseq);
/* A new random id (UUID form), in p. */
const char *tsci_new_id(apr_pool_t *p);

/* String, boolean and integer members of a record (absent: NULL, 0). */
const char *tsci_str(json_object *o, const char *key);
int tsci_bool(json_object *o, const char *key);
apr_uint64_t tsci_u64(json_object *o, const char *key);
void tsci_set_str(json_object *o, const char *key, const char *v);
void tsci_set_bool(json_object *o, const char *key, int v);

/* May the caller see pkg (a private one only its owner and
 * administrators), and manage it? */
int tsci_may_see(const tsci_tx_t *t, json_object *pkg);
int tsci_may_manage(const tsci_tx_t *t, json_object *pkg);

/* Packages: by id or by name (any accepted form); TSR_ENOTFOUND also for
 * one the caller may not see.  Store failures come back as they are. */
apr_status_t tsci_pkg_by_id(tsci_tx_t *t, const char *id, json_object **ppkg);
apr_status_t tsci_pkg_by_name(tsci_tx_t *t, const char *name,
                              json_object **ppkg);

/* The release the parameters select, and its package: package_release_id,
 * or package_name_with_version ("@latest" or no version: the latest), or
 * package_name / package_id with version (none, or use_latest_version /
 * is_latest: the latest).  *pnone set when no selector was given at all
 * (the caller says what that means).  Refusals: 404 package_not_found,
 * 404 package_release_not_found. */
apr_status_t tsci_release_select(tsci_tx_t *t, json_object *params,
                                 json_object **ppkg, json_object **prel,
                                 int *pnone, tsr_error_t **perr);

/* Write the package record pkg (its updated_at now), and its words in
 * the search index (tsr_tsci_search.h): every write of a package record
 * goes through here. */
apr_status_t tsci_pkg_put(tsci_tx_t *t, json_object *pkg);
/* Write a release back, and keep its package's latest_* as the release
 * says (the release flagged latest is the package's latest). */
apr_status_t tsci_rel_put(tsci_tx_t *t, json_object *pkg, json_object *rel);
/* Make rel the one latest release of pkg (others lose the flag), or,
 * latest 0, take the flag from it (the package has none then). */
apr_status_t tsci_rel_set_latest(tsci_tx_t *t, json_object *pkg,
                                 json_object *rel, int latest);
/* Recompute rel's fs_sha from its files (and the package's copy). */
apr_status_t tsci_rel_fs_sha(tsci_tx_t *t, json_object *pkg,
                             json_object *rel);

/* The wire shapes (new objects owned by the caller's pool). */
json_object *tsci_pkg_wire(tsci_tx_t *t, json_object *pkg);
json_object *tsci_rel_wire(tsci_tx_t *t, json_object *rel);
json_object *tsci_file_wire(tsci_tx_t *t, json_object *file);

/* Every file record of release rid in path order (json_object * in p). */
apr_status_t tsci_rel_file_recs(tsci_tx_t *t, const char *rid,
                                apr_array_header_t **precs);

/* One operation's work inside its transaction (see tsr_tsci_fn): *pout
 * a new object (or NULL) on success. */
typedef apr_status_t tsci_body_fn(tsci_tx_t *t, void *baton,
                                  json_object **pout, tsr_error_t **perr);
/* Run body in one transaction (write 0: reads only) of c's store. */
apr_status_t tsci_run(tsr_tsci_call_t *c, int write, tsci_body_fn *body,
                      void *baton, json_object **pout, tsr_error_t **perr);
/* 401 unless the call has a user; a 403 "forbidden". */
apr_status_t tsci_need_user(tsci_tx_t *t, tsr_error_t **perr);
apr_status_t tsci_forbidden(tsci_tx_t *t, tsr_error_t **perr);
/* 1 when params has key (null included). */
int tsci_has(json_object *params, const char *key);
/* The values under prefix, in key order (strings in p). */
apr_status_t tsci_scan_values(tsci_tx_t *t, const char *prefix,
                              apr_size_t plen, apr_array_header_t **pvals);
/* Remove a release with its files, and a file (record, id, bytes). */
apr_status_t tsci_rel_remove(tsci_tx_t *t, json_object *rel);
apr_status_t tsci_file_remove(tsci_tx_t *t, const char *rid,
                              json_object *file);

#endif
