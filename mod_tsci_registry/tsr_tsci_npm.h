/* tsr_tsci_npm: tscircuit releases as npm versions.  A release of
 * <owner>/<name> is version <version> of @tsci/<owner>.<name>: its
 * package.json is synthesized from the release's files and its tarball
 * built deterministically (tsr_tsci_npm.c), and it is published through
 * npm's own publish (tsr_publish) by a sync that works off the packages
 * the tscircuit side marked for it (tsr_tsci_sync.c).  No httpd. */
#ifndef TSR_TSCI_NPM_H
#define TSR_TSCI_NPM_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <json-c/json.h>
#include "tsr_error.h"
#include "tsr_store.h"
#include "tsr_tsci.h"

/* The fixed time of every entry of a built tarball: npm pack's own
 * (1985-10-26T08:15:00Z), so nothing of the build's moment shows. */
#define TSR_TSCI_NPM_MTIME 499162500

/* Where the tscircuit side keeps what is not a file of the package: never
 * packed. */
#define TSR_TSCI_INTERNAL_DIR ".tscircuit-internal/"

/* The npm name of tscircuit's package "owner/name" (any form
 * tsr_tsci_name_parse accepts): "@tsci/owner.name", lower case as npm
 * names are.  NULL when name is not a tscircuit name.  In p. */
const char *tsr_tsci_npm_name(apr_pool_t *p, const char *name);

/* The tscircuit name "owner/name" of npm name "@tsci/owner.name", or
 * NULL when it is not one.  In p. */
const char *tsr_tsci_npm_tsci_name(apr_pool_t *p, const char *npm_name);

/* The package.json of a release whose files (tsr_tsci_file_t, path order)
 * are files: the release's package.json when it is a JSON object (else
 * {}), with name and version forced to npm_name and version, "private"
 * dropped (the registry publishes it on purpose), main and module set to
 * dist/index.js when the release has that file and types to
 * dist/index.d.ts when it has that one, everything else (dependencies
 * included) kept.  A new object owned by p. */
apr_status_t tsr_tsci_npm_manifest(apr_pool_t *p,
                                   const apr_array_header_t *files,
                                   const char *npm_name, const char *version,
                                   json_object **pmanifest,
                                   tsr_error_t **perr);

/* The tarball of a release: manifest (as package/package.json, serialized
 * with two-space indent) and every file of files except package.json and
 * what lies under TSR_TSCI_INTERNAL_DIR, each as package/<path>, in byte
 * order of their paths, as regular files of mode 0644, owner 0:0, no
 * user or group names, mtime TSR_TSCI_NPM_MTIME; a pax (restricted) tar
 * without padding past its end marker, gzip'd by zlib at level 9 with a
 * header of time 0 and OS 255.  The same files give the same bytes.  The
 * bytes live in p. */
apr_status_t tsr_tsci_npm_tarball(apr_pool_t *p, json_object *manifest,
                                  const apr_array_header_t *files,
                                  const unsigned char **pdata,
                                  apr_size_t *plen, tsr_error_t **perr);

/* The file of files that is a release tarball pushed the old way
 * (is_release_tarball, spec 6.1), or NULL. */
const tsr_tsci_file_t *tsr_tsci_npm_release_tarball(
    const apr_array_header_t *files);

/* Bring the npm side of every package the tscircuit side marked up to
 * date, then clear the marks (a mark set again meanwhile stays): each
 * release that is ready_to_build or locked and not yet a version of its
 * npm package is published (through tsr_publish, signed with key when
 * not NULL, by the package's owner), "latest" follows the release flagged
 * is_latest when that one is published, and the npm package is
 * restricted exactly when the tscircuit one is private.  A version npm
 * already has is never changed.  Failures of one package are logged
 * through the store and leave its mark for the next sync; *pdone (may be
 * NULL) counts the versions published. */
struct tsr_sign_key_t;
apr_status_t tsr_tsci_npm_sync(tsr_store_t *s, apr_pool_t *p,
                               const struct tsr_sign_key_t *key,
                               int *pdone);

/* Mark package pid for the next sync (inside a tscircuit transaction). */
struct tsci_tx_t;
apr_status_t tsr_tsci_npm_mark(struct tsci_tx_t *t, const char *pid);

/* tscircuit's view of an npm package published under @tsci/ that the
 * tscircuit side does not have: *ppkg its package (the wire shape of
 * packages/get) and *prels (may be NULL) its versions as releases, oldest
 * first, for who (TSR_ENOTFOUND when there is no such npm package or who
 * may not read it).  Releases the tscircuit side has (by version, in
 * have, an array of char *, may be NULL) are left out of *prels. */
apr_status_t tsr_tsci_npm_view(tsr_store_t *s, apr_pool_t *p,
                               const char *name, const tsr_actor_t *who,
                               const apr_array_header_t *have,
                               json_object **ppkg, json_object **prels);

#endif
