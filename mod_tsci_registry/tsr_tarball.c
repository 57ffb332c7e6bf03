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
    return APR_SUCCESS;
}
