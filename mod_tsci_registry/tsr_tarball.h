/* tsr_tarball: what the registry learns from a package tarball (gzip'd tar)
 * before accepting it, within limits on its unpacked shape. */
#ifndef TSR_TARBALL_H
#define TSR_TARBALL_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"

typedef struct tsr_tarball_limits_t {
    apr_size_t max_entries;         /* entries (files and directories) */
    apr_uint64_t max_unpacked;      /* the inflated tar, every byte of it:
                                     * headers, long names, data, padding */
    apr_size_t max_manifest;        /* size of package/package.json */
    apr_size_t max_path;            /* bytes in one entry's path */
} tsr_tarball_limits_t;

/* The defaults: 100,000 entries, 1 GiB unpacked, 4 MiB package.json, 4096
 * bytes of path. */
void tsr_tarball_default_limits(tsr_tarball_limits_t *lim);

typedef struct tsr_tarball_info_t {
    json_object *manifest;          /* package/package.json, owned by pool */
    apr_size_t file_count;          /* regular files */
    apr_uint64_t unpacked_size;     /* sum of regular file sizes */
    int has_shrinkwrap;             /* package/npm-shrinkwrap.json present */
    apr_uint64_t inflated;          /* bytes inflated before the verdict: the
                                     * whole tar and its padding on success,
                                     * what was inflated before a refusal */
} tsr_tarball_info_t;

/* Read the gzip'd tar in data in one pass (inflate, gzip CRC-32 and length,
 * tar headers together, so a truncated or corrupt archive is caught), and
 * return what it holds.  Only regular files and directories under
 * "package/" (as npm packs it, optionally "./package/") are accepted; links,
 * devices, FIFOs, absolute paths and ".." are refused (400, naming the
 * entry).  Declared sizes are checked at each header, before the data is
 * inflated, and every inflated byte counts against max_unpacked, so a
 * refused bomb costs little.  After the tar's end marker only a little zero
 * padding may follow, then the end of the single gzip member and of data.
 * Refusals are 400 (not gzip, not tar, corrupt, an entry not allowed, no
 * readable package/package.json) or 413 (over a limit); the manifest is
 * owned by p, and info->inflated is set in either case. */
apr_status_t tsr_tarball_inspect(tsr_tarball_info_t *info, apr_pool_t *p,
                                 const void *data, apr_size_t len,
                                 const tsr_tarball_limits_t *lim,
                                 tsr_error_t **perr);

#endif
