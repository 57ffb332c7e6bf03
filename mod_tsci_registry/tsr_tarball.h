/* tsr_tarball: what the registry learns from a package tarball (gzip'd tar)
 * before accepting it, within limits on its unpacked shape. */
#ifndef TSR_TARBALL_H
#define TSR_TARBALL_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"

typedef struct tsr_tarball_limits_t {
    apr_size_t max_entries;         /* entries of any kind */
    apr_uint64_t max_unpacked;      /* sum of entry sizes, bytes */
    apr_size_t max_manifest;        /* size of package/package.json */
} tsr_tarball_limits_t;

/* The defaults: 100,000 entries, 1 GiB unpacked, 4 MiB package.json. */
void tsr_tarball_default_limits(tsr_tarball_limits_t *lim);

typedef struct tsr_tarball_info_t {
    json_object *manifest;          /* package/package.json, owned by pool */
    apr_size_t file_count;          /* regular files */
    apr_uint64_t unpacked_size;     /* sum of regular file sizes */
    int has_shrinkwrap;             /* package/npm-shrinkwrap.json present */
} tsr_tarball_info_t;

/* Read the whole gzip'd tar in data (every byte is decompressed, so a
 * truncated or corrupt archive is caught), and return what it holds.  The
 * top directory is "package/" as npm packs it.  Refusals (400) say whether
 * the bytes are not gzip, not tar, corrupt, over a limit (413), or lack a
 * readable package/package.json. */
apr_status_t tsr_tarball_inspect(tsr_tarball_info_t *info, apr_pool_t *p,
                                 const void *data, apr_size_t len,
                                 const tsr_tarball_limits_t *lim,
                                 tsr_error_t **perr);

#endif
