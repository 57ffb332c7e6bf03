/* tsr_store: dispatch to the provider, and the tarball files. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include "tsr_store.h"
#include "tsr_name.h"
#include "tsr_integrity.h"

apr_status_t tsr_store_package_view(tsr_store_t *s, apr_pool_t *p,
                                    const char *name, tsr_view_kind_e kind,
                                    const char **pblob, apr_size_t *plen)
{
    return s->provider->package_view(s, p, name, kind, pblob, plen);
}

apr_status_t tsr_store_package_doc(tsr_store_t *s, apr_pool_t *p,
                                   const char *name, const char **pdoc,
                                   apr_size_t *plen)
{
    return s->provider->package_doc(s, p, name, pdoc, plen);
}

apr_status_t tsr_store_package_update(tsr_store_t *s, apr_pool_t *p,
                                      const char *name,
                                      tsr_package_update_fn *fn, void *baton,
                                      tsr_error_t **perr)
{
    return s->provider->package_update(s, p, name, fn, baton, perr);
}

apr_status_t tsr_store_user_get(tsr_store_t *s, apr_pool_t *p,
                                const char *name, const char **prec,
                                apr_size_t *plen)
{
    return s->provider->user_get(s, p, name, prec, plen);
}

apr_status_t tsr_store_user_create(tsr_store_t *s, apr_pool_t *p,
                                   const char *name, const char *rec,
                                   apr_size_t len)
{
    return s->provider->user_create(s, p, name, rec, len);
}

apr_status_t tsr_store_token_put(tsr_store_t *s, apr_pool_t *p,
                                 const unsigned char key[32],
                                 const char *rec, apr_size_t len)
{
    return s->provider->token_put(s, p, key, rec, len);
}

apr_status_t tsr_store_token_get(tsr_store_t *s, apr_pool_t *p,
                                 const unsigned char key[32],
                                 const char **prec, apr_size_t *plen)
{
    return s->provider->token_get(s, p, key, prec, plen);
}

apr_status_t tsr_store_token_delete(tsr_store_t *s, apr_pool_t *p,
                                    const unsigned char key[32])
{
    return s->provider->token_delete(s, p, key);
}

apr_status_t tsr_store_stats(tsr_store_t *s, apr_pool_t *p,
                             tsr_store_stats_t *st)
{
    return s->provider->stats(s, p, st);
}

void tsr_store_log(tsr_store_t *s, apr_pool_t *p, int level,
                   apr_status_t rv, const char *fmt, ...)
{
    va_list ap;
    const char *msg;

    if (s == NULL || s->log == NULL) {
        return;
    }
    va_start(ap, fmt);
    msg = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    s->log(s->log_baton, level, rv, msg);
}

const char *tsr_store_tarball_file(apr_pool_t *p, const char *datadir,
                                   const char *path)
{
    return apr_pstrcat(p, datadir, "/tarballs/", path, NULL);
}

int tsr_store_tarball_path_check(const char *path)
{
    const char *sep = strstr(path, "/-/"), *file, *c;
    char name[TSR_NAME_MAX + 1];
    apr_size_t nlen;

    if (sep == NULL || (nlen = (apr_size_t)(sep - path)) > TSR_NAME_MAX) {
        return 0;
    }
    memcpy(name, path, nlen);
    name[nlen] = '\0';
    if (!tsr_name_is_valid(name)) {
        return 0;
    }
    file = sep + 3;
    nlen = strlen(file);
    if (nlen < 5 || nlen > 512 || strcmp(file + nlen - 4, ".tgz") != 0
        || file[0] == '.') {
        return 0;
    }
    for (c = file; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
              || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'
              || *c == '_' || *c == '+')) {
            return 0;
        }
    }
    return 1;
}

static apr_status_t sync_dir(apr_pool_t *p, const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    apr_status_t rv = APR_SUCCESS;

    if (fd < 0) {
        return APR_FROM_OS_ERROR(errno);
    }
    if (fsync(fd) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    close(fd);
    return rv;
}

apr_status_t tsr_store_tarball_stage(const char **ptmp, apr_pool_t *p,
                                     const char *datadir, const void *data,
                                     apr_size_t len)
{
    const char *dir = apr_pstrcat(p, datadir, "/tmp", NULL);
    unsigned char rnd[12];
    const char *tmp;
    apr_file_t *f;
    apr_size_t written;
    apr_status_t rv;

    if ((rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, p))
        != APR_SUCCESS) {
        return rv;
    }
    if ((rv = tsr_integrity_random(rnd, sizeof(rnd))) != APR_SUCCESS) {
        return rv;
    }
    tmp = apr_pstrcat(p, dir, "/", tsr_integrity_hex(p, rnd, sizeof(rnd)),
                      ".tgz.part", NULL);
    rv = apr_file_open(&f, tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                       | APR_FOPEN_EXCL | APR_FOPEN_BINARY,
                       APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD
                       | APR_FPROT_WREAD, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_write_full(f, data, len, &written);
    if (rv == APR_SUCCESS) {
        rv = apr_file_datasync(f);
    }
    apr_file_close(f);
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, p);
        return rv;
    }
    *ptmp = tmp;
    return APR_SUCCESS;
}

apr_status_t tsr_store_tarball_place(apr_pool_t *p, const char *datadir,
                                     const char *tmp, const char *path)
{
    const char *file = tsr_store_tarball_file(p, datadir, path);
    const char *dir = apr_pstrmemdup(p, file, strrchr(file, '/') - file);
    apr_status_t rv;

    if ((rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, p))
        != APR_SUCCESS) {
        return rv;
    }
    if (link(tmp, file) != 0) {
        if (errno != EEXIST) {
            return APR_FROM_OS_ERROR(errno);
        }
        /* A file no document knows of: left by a publish that was never
         * acknowledged.  The caller holds the package's write lock. */
        if (unlink(file) != 0 || link(tmp, file) != 0) {
            return APR_FROM_OS_ERROR(errno);
        }
    }
    return sync_dir(p, dir);
}

void tsr_store_tarball_remove(apr_pool_t *p, const char *datadir,
                              const char *path)
{
    apr_file_remove(tsr_store_tarball_file(p, datadir, path), p);
}
