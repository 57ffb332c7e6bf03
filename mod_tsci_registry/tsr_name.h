/* tsr_name: what a package name, a user name and a dist-tag may be, and the
 * file and URL names derived from them. */
#ifndef TSR_NAME_H
#define TSR_NAME_H

#include <apr_pools.h>
#include "tsr_error.h"

/* Longest package name npm accepts for a new package. */
#define TSR_NAME_MAX 214
/* Longest user name and dist-tag accepted. */
#define TSR_USER_MAX 214
#define TSR_TAG_MAX 128

/* Check name against npm's rules for new packages: 1..214 characters,
 * lower case, URL-safe ([a-z0-9._-]), not starting with '.' or '_', an
 * optional "@scope/" whose scope follows the same rules, not a Node core
 * module, not "node_modules" or "favicon.ico".  Returns APR_SUCCESS or
 * TSR_EREFUSED with a 400 in *perr naming the rule broken. */
apr_status_t tsr_name_check(apr_pool_t *p, const char *name,
                            tsr_error_t **perr);

/* Like tsr_name_check but as a predicate, without an error record. */
int tsr_name_is_valid(const char *name);

/* The part after "@scope/", or name itself when unscoped. */
const char *tsr_name_unscoped(const char *name);

/* Tarball file name of name@version: "<unscoped>-<version>.tgz" (in p). */
const char *tsr_name_tarball_file(apr_pool_t *p, const char *name,
                                  const char *version);

/* Path of that tarball relative to the registry root, as used in URLs and
 * under the data directory: "<name>/-/<unscoped>-<version>.tgz" (in p). */
const char *tsr_name_tarball_path(apr_pool_t *p, const char *name,
                                  const char *version);

/* A registry user name: 1..214 characters of [a-z0-9._-], starting with a
 * letter or digit.  Returns APR_SUCCESS or TSR_EREFUSED with a 400. */
apr_status_t tsr_name_check_user(apr_pool_t *p, const char *user,
                                 tsr_error_t **perr);

/* A dist-tag: 1..128 characters of [A-Za-z0-9._-], and not something npm
 * would read as a version or range (it must not start with a digit or with
 * 'v' followed by a digit).  Returns APR_SUCCESS or TSR_EREFUSED with 400. */
apr_status_t tsr_name_check_tag(apr_pool_t *p, const char *tag,
                                tsr_error_t **perr);

#endif
