/* tsr_store_files: tarballs as files under the data directory, which is
 * where every provider keeps them (Apache serves them from there): staged
 * in tmp/, placed by a hard link, removed, and swept after a crash. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <apr_strings.h>
#include "tsr_store_files.h"
#include "tsr_name.h"
#include "tsr_integrity.h"
#include "tsr_json.h"

/* A publish records what it is about to link into tarballs/ as a symbolic
 * link in tmp/ named after its staged file ("<hex>.intent" beside
 * "<hex>.tgz.part") whose target is the tarball path.  It is durable before
 * the link is made and removed once the document's transaction is over, so
 * after a crash the intents left name every tarball that may have been
 * linked without a document listing it, and start-up need not walk the
 * tarballs. */
#define PART_SUFFIX ".tgz.part"
#define INTENT_SUFFIX ".intent"

const char *tsr_store_tarball_file(apr_pool_t *p, const char *datadir,
                                   const char *path)
{
    return apr_pstrcat(p, datadir, "/tarballs/", path, NULL);
}

/* Where the package name of a tarball path ends: where its own rules say
 * (a scope takes two segments), not at the first "/-/": "@s/-/-/f.tgz" is
 * a file of "@s/-".  NULL when there is no '/' where one must be. */
static const char *name_end(const char *path)
{
    const char *sep = strchr(path, '/');

    if (sep && path[0] == '@') {
        sep = strchr(sep + 1, '/');
    }
    return sep;
}

const char *tsr_store_tarball_name(apr_pool_t *p, const char *path)
{
    const char *sep = name_end(path);

    return sep ? apr_pstrmemdup(p, path, sep - path) : NULL;
}

int tsr_store_tarball_path_check(const char *path)
{
    const char *sep = name_end(path);
    char name[TSR_NAME_MAX + 1];
    apr_size_t nlen;

    if (sep == NULL || strncmp(sep, "/-/", 3) != 0
        || (nlen = (apr_size_t)(sep - path)) > TSR_NAME_MAX) {
        return 0;
    }
    memcpy(name, path, nlen);
    name[nlen] = '\0';
    return tsr_store_tarball_name_check(name, sep + 3);
}

int tsr_store_tarball_name_check(const char *name, const char *file)
{
    const char *c;
    apr_size_t nlen;

    if (!tsr_name_is_valid(name)) {
        return 0;
    }
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

apr_status_t tsr_store_files_stage(tsr_store_t *s, apr_pool_t *p,
                                   const void *data, apr_size_t len,
                                   const char **ptmp)
{
    const char *dir = apr_pstrcat(p, s->datadir, "/tmp", NULL);
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

/* The intent that goes with the staged file tmp (in p). */
static const char *intent_of(apr_pool_t *p, const char *tmp)
{
    apr_size_t n = strlen(tmp), sn = sizeof(PART_SUFFIX) - 1;

    if (n > sn && strcmp(tmp + n - sn, PART_SUFFIX) == 0) {
        n -= sn;
    }
    return apr_pstrcat(p, apr_pstrmemdup(p, tmp, n), INTENT_SUFFIX, NULL);
}

static const char *parent_of(apr_pool_t *p, const char *path)
{
    return apr_pstrmemdup(p, path, strrchr(path, '/') - path);
}

/* Make dir (under root, which exists) and whatever is missing above it;
 * each directory made is made durable in its parent, or after a crash a
 * committed document could point into a directory that is gone.  One that
 * another process made at the same moment (EEXIST) is synced too: its
 * maker may not have got there yet. */
static apr_status_t make_dirs(apr_pool_t *p, const char *root,
                              const char *dir)
{
    apr_size_t rlen = strlen(root);
    const char *missing = NULL;
    char *c;
    apr_finfo_t fi;

    if (apr_stat(&fi, dir, APR_FINFO_TYPE, p) == APR_SUCCESS
        && fi.filetype == APR_DIR) {
        return APR_SUCCESS;
    }
    /* The highest missing one: every one below it is missing too. */
    for (c = apr_pstrdup(p, dir); strlen(c) > rlen; *strrchr(c, '/') = '\0') {
        if (apr_stat(&fi, c, APR_FINFO_TYPE, p) == APR_SUCCESS) {
            break;
        }
        missing = apr_pstrdup(p, c);
    }
    if (missing == NULL) {
        return APR_ENOTDIR;
    }
    for (;;) {
        apr_status_t rv;

        if (mkdir(missing, 0777) != 0 && errno != EEXIST) {
            return APR_FROM_OS_ERROR(errno);
        }
        if ((rv = sync_dir(p, parent_of(p, missing))) != APR_SUCCESS) {
            return rv;
        }
        if (strlen(missing) == strlen(dir)) {
            return APR_SUCCESS;
        }
        c = strchr(dir + strlen(missing) + 1, '/');
        missing = c ? apr_pstrmemdup(p, dir, c - dir) : dir;
    }
}

apr_status_t tsr_store_files_place(tsr_store_t *s, apr_pool_t *p,
                                   const char *tmp, const char *path)
{
    const char *datadir = s->datadir;
    const char *file = tsr_store_tarball_file(p, datadir, path);
    const char *dir = parent_of(p, file);
    const char *intent = intent_of(p, tmp);
    apr_status_t rv;

    /* The intent first, durably: a retry of the transaction finds it. */
    if (symlink(path, intent) != 0 && errno != EEXIST) {
        return APR_FROM_OS_ERROR(errno);
    }
    if ((rv = sync_dir(p, parent_of(p, intent))) != APR_SUCCESS
        || (rv = make_dirs(p, apr_pstrcat(p, datadir, "/tarballs", NULL),
                           dir)) != APR_SUCCESS) {
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
    if ((rv = sync_dir(p, dir)) != APR_SUCCESS) {
        /* Not placed for the caller, who will not undo it: undo here. */
        unlink(file);
    }
    return rv;
}

void tsr_store_files_remove(tsr_store_t *s, apr_pool_t *p, const char *path)
{
    const char *file = tsr_store_tarball_file(p, s->datadir, path);

    /* Durably: the intent that covers it goes next. */
    if (apr_file_remove(file, p) == APR_SUCCESS) {
        sync_dir(p, parent_of(p, file));
    }
}

void tsr_store_files_unstage(tsr_store_t *s, apr_pool_t *p, const char *tmp)
{
    apr_file_remove(tmp, p);
    apr_file_remove(intent_of(p, tmp), p);
}

/* 1 if doc (a stored package document) has a version whose dist.tarball
 * is path. */
static int doc_lists(apr_pool_t *p, const char *text, apr_size_t len,
                     const char *path)
{
    json_object *doc, *versions;
    tsr_error_t *err = NULL;

    if (tsr_json_parse(&doc, p, text, len, 1000, &err) != APR_SUCCESS
        || (versions = tsr_json_obj(doc, "versions")) == NULL) {
        return 0;
    }
    json_object_object_foreach(versions, ver, manifest) {
        const char *t = tsr_json_str(tsr_json_obj(manifest, "dist"),
                                     "tarball");

        (void)ver;
        if (t && strcmp(t, path) == 0) {
            return 1;
        }
    }
    return 0;
}

/* What one intent left behind says: remove its tarball unless the package
 * document lists it (counted in *premoved).  An error means the intent
 * must stay. */
static apr_status_t sweep_intent(tsr_store_t *s, apr_pool_t *p,
                                 const char *intent, int *premoved)
{
    char target[4096];
    ssize_t n = readlink(intent, target, sizeof(target) - 1);
    const char *name, *doc, *file;
    apr_size_t len;
    apr_status_t rv;

    if (n <= 0) {
        return APR_SUCCESS;         /* not ours: just removed */
    }
    target[n] = '\0';
    if (!tsr_store_tarball_path_check(target)) {
        return APR_SUCCESS;
    }
    name = tsr_store_tarball_name(p, target);
    rv = tsr_store_package_doc(s, p, name, &doc, &len);
    if (rv == APR_SUCCESS && doc_lists(p, doc, len, target)) {
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS && rv != TSR_ENOTFOUND) {
        return rv;                  /* keep the intent for the next time */
    }
    file = tsr_store_tarball_file(p, s->datadir, target);
    if (unlink(file) == 0) {
        (*premoved)++;
        tsr_store_log(s, p, TSR_LOG_NOTICE, APR_SUCCESS, "TSR00103: removed "
                      "the tarball %s of a publish that was never "
                      "committed", target);
        return sync_dir(p, parent_of(p, file));
    }
    return errno == ENOENT ? APR_SUCCESS : APR_FROM_OS_ERROR(errno);
}

apr_status_t tsr_store_files_sweep(tsr_store_t *s, apr_pool_t *p,
                                   apr_time_t before, int *premoved)
{
    const char *dir = apr_pstrcat(p, s->datadir, "/tmp", NULL);
    apr_pool_t *sub;
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv, first = APR_SUCCESS;
    int removed = 0;

    if ((rv = apr_dir_open(&d, dir, p)) != APR_SUCCESS) {
        return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
    }
    apr_pool_create(&sub, p);
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        apr_size_t n = strlen(fi.name), sn = sizeof(INTENT_SUFFIX) - 1;
        const char *entry;
        apr_finfo_t age;

        if (strcmp(fi.name, ".") == 0 || strcmp(fi.name, "..") == 0) {
            continue;
        }
        apr_pool_clear(sub);
        entry = apr_pstrcat(sub, dir, "/", fi.name, NULL);
        /* The link's own time, not its target's: when the intent was
         * recorded.  Gone meanwhile: another sweeper's, or committed. */
        if (before != 0
            && (apr_stat(&age, entry, APR_FINFO_LINK | APR_FINFO_MTIME, sub)
                    != APR_SUCCESS
                || age.mtime >= before)) {
            continue;
        }
        if (n > sn && strcmp(fi.name + n - sn, INTENT_SUFFIX) == 0) {
            rv = sweep_intent(s, sub, entry, &removed);
            if (rv != APR_SUCCESS) {
                if (first == APR_SUCCESS) {
                    first = rv;
                }
                continue;
            }
        }
        /* Staged files, and intents dealt with. */
        apr_file_remove(entry, sub);
    }
    apr_dir_close(d);
    apr_pool_destroy(sub);
    if (premoved) {
        *premoved = removed;
    }
    return first;
}

apr_status_t tsr_store_files_sync(apr_pool_t *p, const char *path)
{
    int fd = open(path, O_RDONLY);
    apr_status_t rv = APR_SUCCESS;

    if (fd < 0) {
        return APR_FROM_OS_ERROR(errno);
    }
    if (fsync(fd) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    close(fd);
    return rv == APR_SUCCESS ? sync_dir(p, parent_of(p, path)) : rv;
}

apr_status_t tsr_store_files_copy(apr_pool_t *p, const char *from,
                                  const char *to, apr_off_t *pbytes)
{
    char buf[65536];
    struct stat st;
    apr_off_t total = 0;
    apr_status_t rv = APR_SUCCESS;
    ssize_t n;
    int in, out;

    if ((in = open(from, O_RDONLY)) < 0) {
        return APR_FROM_OS_ERROR(errno);
    }
    if (fstat(in, &st) != 0
        || (out = open(to, O_WRONLY | O_CREAT | O_TRUNC,
                       st.st_mode & 0777)) < 0) {
        rv = APR_FROM_OS_ERROR(errno);
        close(in);
        return rv;
    }
    while ((n = read(in, buf, sizeof(buf))) != 0) {
        ssize_t done = 0, w;

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            rv = APR_FROM_OS_ERROR(errno);
            break;
        }
        while (done < n) {
            if ((w = write(out, buf + done, (size_t)(n - done))) < 0) {
                if (errno == EINTR) {
                    continue;
                }
                rv = APR_FROM_OS_ERROR(errno);
                break;
            }
            done += w;
        }
        if (rv != APR_SUCCESS) {
            break;
        }
        total += n;
    }
    if (rv == APR_SUCCESS && fsync(out) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    if (close(out) != 0 && rv == APR_SUCCESS) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    close(in);
    if (rv == APR_SUCCESS) {
        rv = sync_dir(p, parent_of(p, to));
    }
    if (rv != APR_SUCCESS) {
        unlink(to);
    }
    else if (pbytes) {
        *pbytes = total;
    }
    return rv;
}
