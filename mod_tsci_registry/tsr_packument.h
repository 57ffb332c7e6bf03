/* tsr_packument: the package document ("packument"): adding a published
 * version to it, and rendering its full and abbreviated forms. */
#ifndef TSR_PACKUMENT_H
#define TSR_PACKUMENT_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"
#include "tsr_store.h"

/* What the registry itself adds to a version when it is published. */
typedef struct tsr_version_dist_t {
    const char *tarball_path;       /* "<name>/-/<file>.tgz", relative */
    const char *shasum;             /* hex SHA-1 */
    const char *integrity;          /* sha512 SRI */
    apr_size_t file_count;
    apr_uint64_t unpacked_size;
    int has_shrinkwrap;
    const char *sig_keyid;          /* the registry's signature of the */
    const char *sig;                /* version (tsr_sign), or NULL */
} tsr_version_dist_t;

typedef struct tsr_publisher_t {
    const char *name;
    const char *email;              /* may be NULL */
    int admin;                      /* publishes where others maintain */
    const char *no_create;          /* why this publisher may not create a
                                     * new package of this name (its
                                     * scope is someone else's); NULL:
                                     * it may */
} tsr_publisher_t;

/* Is doc a restricted package (npm publish --access restricted, npm
 * access set status=private): readable by its maintainers alone? */
int tsr_packument_restricted(json_object *doc);
void tsr_packument_set_restricted(json_object *doc, int restricted);

/* The users who alone may read doc ("a,b": its maintainers), or NULL when
 * everyone may. */
const char *tsr_packument_readers(apr_pool_t *p, json_object *doc);

/* The ready view of version in doc: its manifest as GET /<name>/<version>
 * sends it, with the base URL's place before dist.tarball, readable by
 * whoever may read doc. */
apr_status_t tsr_packument_render_version(apr_pool_t *p, json_object *doc,
                                          const char *version,
                                          apr_time_t when,
                                          const char **pblob,
                                          apr_size_t *plen);

/* doc changed without a new version: a new _rev and time.modified. */
apr_status_t tsr_packument_touch(json_object *doc, apr_pool_t *p,
                                 apr_time_t now);

/* Point tag at version (404 when doc has no such version); "latest" also
 * brings the version's package-level fields to the top. */
apr_status_t tsr_packument_set_tag(json_object *doc, apr_pool_t *p,
                                   const char *tag, const char *version,
                                   tsr_error_t **perr);
/* Remove tag: 404 when doc has none of that name, 400 for "latest". */
apr_status_t tsr_packument_remove_tag(json_object *doc, apr_pool_t *p,
                                      const char *tag, tsr_error_t **perr);

/* After a change of doc that adds no version: a new _rev, and every
 * ready view again (every version's too when every_version is set, for
 * changes that reach them, such as who may read), into out. */
apr_status_t tsr_packument_rewrite(apr_pool_t *p, json_object *doc,
                                   int every_version,
                                   tsr_package_write_t *out);

/* Every ready view of doc as it stands, into out (as rewrite, with every
 * version's, but doc is not changed: no new _rev; version views are dated
 * by time.modified).  For rebuilding views (tsci-registry reindex). */
apr_status_t tsr_packument_views(apr_pool_t *p, json_object *doc,
                                 tsr_package_write_t *out);

/* A new, empty document for name (owned by p). */
json_object *tsr_packument_new(apr_pool_t *p, const char *name);

/* 1 if version, or a version of equal precedence (one that differs from
 * it only in build metadata: npm strips that, so "1.0.0+b" is "1.0.0"), is
 * or ever was published in doc (time[version] is kept after an unpublish,
 * so a number is never reused). */
int tsr_packument_has_version(json_object *doc, const char *version);

/* The key under which doc holds (in versions, or in time if it was
 * unpublished) version itself or a version of equal precedence, or NULL.
 * The string belongs to doc. */
const char *tsr_packument_same_version(json_object *doc, const char *version);

/* 1 if user is among doc's maintainers (or doc has none yet). */
int tsr_packument_is_maintainer(json_object *doc, const char *user);

/* Add manifest (a package.json-like object, which doc takes over) as
 * version, tag it (tag NULL: no tag, unless it is the first version,
 * which is always "latest"), and set time, maintainers, _npmUser, readme and the
 * dist fields (dist.signatures when dist has a signature); bump _rev.  Refuses (409) a version that is or was
 * published, or one of equal precedence (see tsr_packument_has_version). */
apr_status_t tsr_packument_add_version(json_object *doc, apr_pool_t *p,
                                       const char *version,
                                       json_object *manifest, const char *tag,
                                       const tsr_publisher_t *who,
                                       const tsr_version_dist_t *dist,
                                       apr_time_t now, tsr_error_t **perr);

/* Serialize doc into its two ready views (see tsr_view.h): the full
 * document and the abbreviated install form, whose dist leaves out
 * signatures (npm reads them from the full document only).  Blobs live
 * in p. */
apr_status_t tsr_packument_render(apr_pool_t *p, json_object *doc,
                                  const char **pfull, apr_size_t *pfull_len,
                                  const char **pabbrev,
                                  apr_size_t *pabbrev_len);

/* The version manifest that spec (a version or a dist-tag) names, with
 * dist.tarball made absolute under base (ending in '/').  NULL when there
 * is none.  The result is a new object owned by p. */
json_object *tsr_packument_version(apr_pool_t *p, json_object *doc,
                                   const char *spec, const char *base);

/* Has doc been unpublished as a whole (a tombstone: no versions, and
 * time.unpublished says when and which)? */
int tsr_packument_is_gone(json_object *doc);

/* Unpublish version from doc: it leaves versions (its number stays burnt
 * in time), the dist-tags that named it go, and latest moves to the
 * highest version left (a release before a prerelease).  When no version
 * is left, doc becomes a tombstone (tsr_packument_bury).  404 when doc
 * has no such version. */
apr_status_t tsr_packument_remove_version(json_object *doc, apr_pool_t *p,
                                          const char *version,
                                          apr_time_t now,
                                          tsr_error_t **perr);

/* Make doc the tombstone of an unpublished package: its name, _rev,
 * maintainers, access and time (every version number stays burnt), and
 * time.unpublished {time, versions}; nothing else. */
void tsr_packument_bury(json_object *doc, apr_pool_t *p, apr_time_t now);

/* A tombstone published to again: forget time.unpublished. */
void tsr_packument_revive(json_object *doc);

/* doc's "_rev", or "0-0" when it has none yet. */
const char *tsr_packument_rev(json_object *doc);

#endif
