/* tsr_publish: a publish from npm's PUT body to a committed version: every
 * check on the body and its tarball, then the one store transaction. */
#ifndef TSR_PUBLISH_H
#define TSR_PUBLISH_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"
#include "tsr_store.h"
#include "tsr_tarball.h"
#include "tsr_packument.h"

/* A publish that passed every check that needs no store. */
typedef struct tsr_publish_t {
    const char *name;
    const char *version;
    const char *tag;                /* "latest" unless the body says */
    json_object *manifest;          /* the version's manifest from the body */
    const unsigned char *tarball;   /* decoded attachment */
    apr_size_t tarball_len;
    tsr_version_dist_t dist;        /* what the registry computed */
    int restricted;                 /* --access restricted: a new package
                                     * only its maintainers read */
} tsr_publish_t;

/* Check body (the parsed PUT of npm publish) for the package url_name:
 * names agree and are valid, exactly one version (semver) with a manifest
 * naming the same package and version, one dist-tag at most and valid,
 * exactly one tarball attachment whose base64 decodes to "length" bytes of
 * gzip'd tar, whose package/package.json names the same package and
 * version, and whose digests match those the client sent, if any.  Every
 * name, version and tag must be a string without U+0000 and equal, all
 * its bytes, to what it is compared with.  pub->manifest is a copy of the
 * body's manifest with the install fields taken from the tarball (see
 * tsr_publish_install_fields).  Refusals carry 400 (or 413 for tarball
 * limits). */
apr_status_t tsr_publish_parse(tsr_publish_t **ppub, apr_pool_t *p,
                               const char *url_name, json_object *body,
                               const tsr_tarball_limits_t *lim,
                               tsr_error_t **perr);

/* A tarball attachment already decoded while the body was read
 * (tsr_body); the bytes are not copied and must outlive the publish. */
typedef struct tsr_publish_attachment_t {
    const unsigned char *data;
    apr_size_t len;
} tsr_publish_attachment_t;

/* As tsr_publish_parse, for a body whose tarball attachment was decoded as
 * it was read: its "data" is then the empty string, and decoded holds the
 * bytes (pub->tarball points at them).  With decoded NULL it is
 * tsr_publish_parse. */
apr_status_t tsr_publish_parse_decoded(tsr_publish_t **ppub, apr_pool_t *p,
                                       const char *url_name,
                                       json_object *body,
                                       const tsr_publish_attachment_t
                                           *decoded,
                                       const tsr_tarball_limits_t *lim,
                                       tsr_error_t **perr);

/* The install fields rule, against manifest confusion: what an install
 * does is decided by the package.json inside the tarball, so the registry
 * lists that, not whatever the publish body claims.  The fields
 * dependencies, optionalDependencies, peerDependencies,
 * peerDependenciesMeta, bundleDependencies, bundledDependencies,
 * devDependencies, scripts, bin, directories, engines, os, cpu, libc and
 * gypfile of manifest (the body's version manifest, changed in place) are
 * removed and replaced by the tarball's (the package.json of the tarball,
 * read only), cleaned the way npm's client cleans them before it builds a
 * body, so that an honest npm publish stores what it sent:
 *   - dependencies, optionalDependencies, peerDependencies and
 *     devDependencies: null is dropped, anything but an object is refused
 *     (400); in dependencies and devDependencies entries that are not
 *     strings are dropped;
 *   - bundledDependencies becomes bundleDependencies (unless that is set);
 *     true becomes the list of dependencies, false an empty list, an object
 *     its keys, anything else but an array is dropped; members that are
 *     not non-empty strings are dropped, and a member missing from
 *     dependencies is added there as "*";
 *   - scripts: anything but an object is dropped, so are entries that are
 *     not strings; a leading "node_modules/.bin/" is removed;
 *   - bin: a string becomes { <name without scope>: path }, an array
 *     { <last segment>: path }; paths are cleaned ('\' and ':' as '/', no
 *     "." or "..", relative), names are their last segment; entries that
 *     are not strings or clean to nothing are dropped, as is an empty bin;
 *   - what npm derives from files the registry does not list is taken from
 *     the body only where it cannot hide anything: scripts.install
 *     "node-gyp rebuild" with gypfile true when the tarball has neither an
 *     install nor a preinstall script and no gypfile false (an installer
 *     runs node-gyp for such a package anyway), and, when the tarball has
 *     no bin but a directories.bin, the body's bin entries whose paths lie
 *     inside that directory.
 * hasInstallScript is derived later from the scripts kept here.  name is
 * the package's name.  Objects added to manifest belong to it. */
apr_status_t tsr_publish_install_fields(apr_pool_t *p, json_object *manifest,
                                        json_object *tarball,
                                        const char *name, tsr_error_t **perr);

/* Sign pub's version with key (tsr_sign_version of its name, version and
 * the integrity the registry computed): tsr_publish_commit then stores
 * the signature in the version's dist.signatures, in the same write. */
struct tsr_sign_key_t;
apr_status_t tsr_publish_sign(tsr_publish_t *pub, apr_pool_t *p,
                              const struct tsr_sign_key_t *key,
                              tsr_error_t **perr);

/* What came of a committed publish. */
typedef struct tsr_publish_result_t {
    const char *rev;                /* the document's new _rev */
    int created;                    /* the package is new */
} tsr_publish_result_t;

/* Commit pub by who: stage the tarball, then in one transaction refuse a
 * version that exists or existed (409) and a publisher who is not a
 * maintainer (403), place the tarball, and write the document and its
 * views.  The store is unchanged on any refusal. */
apr_status_t tsr_publish_commit(tsr_publish_result_t *res, apr_pool_t *p,
                                tsr_store_t *store, const tsr_publish_t *pub,
                                const tsr_publisher_t *who,
                                tsr_error_t **perr);

#endif
