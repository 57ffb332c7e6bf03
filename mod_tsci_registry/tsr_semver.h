/* tsr_semver: strict Semantic Versioning 2.0.0 versions, as the registry
 * accepts them on publish, and their precedence. */
#ifndef TSR_SEMVER_H
#define TSR_SEMVER_H

#include <apr_pools.h>
#include "tsr_error.h"

/* Longest version string accepted (npm's semver uses the same bound). */
#define TSR_SEMVER_MAX 256

typedef struct tsr_semver_t {
    apr_uint64_t major, minor, patch;   /* each <= 2^53 - 1 */
    const char *prerelease;             /* after '-', or NULL */
    const char *build;                  /* after '+', or NULL */
} tsr_semver_t;

/* Parse s as a canonical version ("1.2.3", "1.0.0-rc.1+b5"): no leading
 * 'v', no white space, no leading zeros in numeric parts.  The result and
 * its strings live in p.  Returns APR_SUCCESS or TSR_EREFUSED with 400. */
apr_status_t tsr_semver_parse(tsr_semver_t *v, apr_pool_t *p, const char *s,
                              tsr_error_t **perr);

/* 1 if s is a canonical version, else 0. */
int tsr_semver_is_valid(const char *s);

/* Precedence as SemVer 2.0.0 defines it (build metadata ignored): <0, 0,
 * >0.  Strings that are not valid versions sort before valid ones and
 * among themselves by strcmp. */
int tsr_semver_cmp(const char *a, const char *b);

#endif
