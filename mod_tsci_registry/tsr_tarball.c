/* tsr_tarball: inspection of package tarballs with libarchive.  Nothing is
 * extracted; entries are only counted, measured and, for package.json,
 * read. */
#include <string.h>
#include <archive.h>
#include <archive_entry.h>
#include <apr_strings.h>
#include "tsr_tarball.h"
#include "tsr_json.h"

void tsr_tarball_default_limits(tsr_tarball_limits_t *lim)
{
    lim->max_entries = 100000;
    lim->max_unpacked = (apr_uint64_t)1 << 30;
    lim->max_manifest = 4 << 20;
}

static apr_status_t archive_cleanup(void *a)
{
    archive_read_free(a);
    return APR_SUCCESS;
}

/* Strip one leading "./" so that "./package/x" and "package/x" agree. */
static const char *entry_path(struct archive_entry *e)
{
    const char *path = archive_entry_pathname(e);

    if (path == NULL) {
        return "";
    }
    while (path[0] == '.' && path[1] == '/') {
        path += 2;
    }
    return path;
}

/* CRC-32 (IEEE, reflected) a nibble at a time: gzip's check value. */
static apr_uint32_t crc32_update(apr_uint32_t crc, const unsigned char *b,
                                 apr_size_t len)
{
    static const apr_uint32_t tab[16] = {
        0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190,
        0x6b6b51f4, 0x4db26158, 0x5005713c, 0xedb88320, 0xf00f9344,
        0xd6d6a3e8, 0xcb61b38c, 0x9b64c2b0, 0x86d3d2d4, 0xa00ae278,
        0xbdbdf21c
    };
    apr_size_t i;

    for (i = 0; i < len; i++) {
        crc ^= b[i];
        crc = (crc >> 4) ^ tab[crc & 15];
        crc = (crc >> 4) ^ tab[crc & 15];
    }
    return crc;
}

static apr_uint32_t le32(const unsigned char *b)
{
    return (apr_uint32_t)b[0] | ((apr_uint32_t)b[1] << 8)
           | ((apr_uint32_t)b[2] << 16) | ((apr_uint32_t)b[3] << 24);
}

/* libarchive leaves the gzip trailer unchecked, while npm's client checks
 * it on install: decompress the whole stream again and compare its CRC-32
 * and length with the trailer, which must end the data (one member). */
static apr_status_t check_trailer(apr_pool_t *p, const unsigned char *data,
                                  apr_size_t len, tsr_error_t **perr)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    const void *buf;
    size_t n;
    la_int64_t off;
    apr_uint32_t crc = 0xffffffff, size = 0;
    int r;

    if (a == NULL) {
        return tsr_error_internal(perr, p, APR_ENOMEM, "out of memory");
    }
    apr_pool_cleanup_register(p, a, archive_cleanup, apr_pool_cleanup_null);
    archive_read_support_filter_gzip(a);
    archive_read_support_format_raw(a);
    if ((r = archive_read_open_memory(a, data, len)) == ARCHIVE_OK
        && (r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        while ((r = archive_read_data_block(a, &buf, &n, &off))
               == ARCHIVE_OK) {
            crc = crc32_update(crc, buf, n);
            size += (apr_uint32_t)n;
        }
    }
    if (r != ARCHIVE_EOF || (crc ^ 0xffffffff) != le32(data + len - 8)
        || size != le32(data + len - 4)) {
        return tsr_error_set(perr, p, 400, "bad_tarball",
                             "the tarball is corrupt: its gzip check "
                             "value or length does not match its data");
    }
    return APR_SUCCESS;
}

static apr_status_t read_manifest(json_object **pobj, apr_pool_t *p,
                                  struct archive *a, la_int64_t size,
                                  const tsr_tarball_limits_t *lim,
                                  tsr_error_t **perr)
{
    char *buf;
    la_ssize_t n;
    apr_size_t got = 0;
    tsr_error_t *jerr = NULL;

    if (size < 0 || (apr_uint64_t)size > lim->max_manifest) {
        return tsr_error_set(perr, p, 413, NULL,
                             "package/package.json in the tarball is larger "
                             "than %" APR_SIZE_T_FMT " bytes",
                             lim->max_manifest);
    }
    buf = apr_palloc(p, (apr_size_t)size + 1);
    while (got < (apr_size_t)size
           && (n = archive_read_data(a, buf + got, (apr_size_t)size - got))
                  > 0) {
        got += (apr_size_t)n;
    }
    if (got != (apr_size_t)size) {
        return tsr_error_set(perr, p, 400, "bad_tarball",
                             "the tarball is corrupt: package/package.json "
                             "is truncated");
    }
    if (tsr_json_parse(pobj, p, buf, got, TSR_JSON_MAX_DEPTH, &jerr)
        != APR_SUCCESS || !json_object_is_type(*pobj, json_type_object)) {
        return tsr_error_set(perr, p, 400, "bad_tarball",
                             "package/package.json in the tarball is not a "
                             "JSON object%s%s", jerr ? ": " : "",
                             jerr ? jerr->message : "");
    }
    return APR_SUCCESS;
}

apr_status_t tsr_tarball_inspect(tsr_tarball_info_t *info, apr_pool_t *p,
                                 const void *data, apr_size_t len,
                                 const tsr_tarball_limits_t *lim,
                                 tsr_error_t **perr)
{
    const unsigned char *b = data;
    struct archive *a;
    struct archive_entry *e;
    apr_size_t entries = 0;
    apr_status_t rv;
    int r;

    memset(info, 0, sizeof(*info));
    if (len < 18 || b[0] != 0x1f || b[1] != 0x8b) {
        return tsr_error_set(perr, p, 400, "bad_tarball",
                             "the attachment is not a gzip file");
    }
    a = archive_read_new();
    if (a == NULL) {
        return tsr_error_internal(perr, p, APR_ENOMEM, "out of memory");
    }
    apr_pool_cleanup_register(p, a, archive_cleanup, apr_pool_cleanup_null);
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    if (archive_read_open_memory(a, data, len) != ARCHIVE_OK) {
        return tsr_error_set(perr, p, 400, "bad_tarball",
                             "the attachment is not a gzip'd tar archive: "
                             "%s", archive_error_string(a)
                                       ? archive_error_string(a) : "unknown");
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        const char *path = entry_path(e);
        la_int64_t size = archive_entry_size(e);
        int regular = archive_entry_filetype(e) == AE_IFREG;

        if (++entries > lim->max_entries) {
            return tsr_error_set(perr, p, 413, NULL,
                                 "the tarball has more than %" APR_SIZE_T_FMT
                                 " entries", lim->max_entries);
        }
        if (regular && size > 0) {
            info->unpacked_size += (apr_uint64_t)size;
            if (info->unpacked_size > lim->max_unpacked) {
                return tsr_error_set(perr, p, 413, NULL,
                                     "the tarball unpacks to more than %"
                                     APR_UINT64_T_FMT " bytes",
                                     lim->max_unpacked);
            }
        }
        if (regular) {
            info->file_count++;
        }
        if (regular && strcmp(path, "package/package.json") == 0
            && info->manifest == NULL) {
            rv = read_manifest(&info->manifest, p, a, size, lim, perr);
            if (rv != APR_SUCCESS) {
                return rv;
            }
            continue;
        }
        if (regular && strcmp(path, "package/npm-shrinkwrap.json") == 0) {
            info->has_shrinkwrap = 1;
        }
        if (archive_read_data_skip(a) != ARCHIVE_OK) {
            break;
        }
    }
    if (r != ARCHIVE_EOF) {
        return tsr_error_set(perr, p, 400, "bad_tarball",
                             entries == 0
                                 ? "the attachment is gzip but not a tar "
                                   "archive: %s"
                                 : "the tarball is corrupt: %s",
                             archive_error_string(a)
                                 ? archive_error_string(a) : "read error");
    }
    if (entries == 0) {
        return tsr_error_set(perr, p, 400, "bad_tarball",
                             "the attachment is not a tar archive, or empty");
    }
    if (info->manifest == NULL) {
        return tsr_error_set(perr, p, 400, "bad_tarball",
                             "the tarball has no package/package.json");
    }
    return check_trailer(p, b, len, perr);
}
