/* tsr_store_files: tarballs as files under the data directory, whatever
 * the provider keeps the rest in: the paths Apache serves them from, and
 * the implementation of the provider table's tarball operations that every
 * provider so far points at. */
#ifndef TSR_STORE_FILES_H
#define TSR_STORE_FILES_H

#include <apr_pools.h>
#include "tsr_store.h"

/* Absolute file name of a tarball path ("<name>/-/<file>.tgz") under
 * datadir (in p).  The path must come from tsr_name_tarball_path or have
 * passed tsr_store_tarball_path_check. */
const char *tsr_store_tarball_file(apr_pool_t *p, const char *datadir,
                                   const char *path);

/* 1 if path (relative, from a URL) has the shape of a tarball path of a
 * valid package name, so that it maps to a file inside the data
 * directory and nowhere else. */
int tsr_store_tarball_path_check(const char *path);

/* The package name of a tarball path (in p), by the name's own rules (a
 * scope takes two segments); NULL when it has none. */
const char *tsr_store_tarball_name(apr_pool_t *p, const char *path);

/* 1 if name is a valid package name and file a tarball file name (1..512
 * characters of [A-Za-z0-9._+-], ending in ".tgz", not starting with
 * '.'), so that "<name>/-/<file>" stays inside the data directory. */
int tsr_store_tarball_name_check(const char *name, const char *file);

/* The tarball operations of tsr_store_provider_t on s's data directory. */

/* Write data to a new temporary file under datadir/tmp, fsync it, and
 * return its name (in p). */
apr_status_t tsr_store_files_stage(tsr_store_t *s, apr_pool_t *p,
                                   const void *data, apr_size_t len,
                                   const char **ptmp);

/* Put the staged file tmp at the tarball path's file (hard link, so tmp
 * stays for a retry), replacing a leftover of an unacknowledged publish.
 * First records, durably, the intent to do so (see
 * tsr_store_files_sweep); every directory made on the way, and the file's
 * own, are fsynced into their parents. */
apr_status_t tsr_store_files_place(tsr_store_t *s, apr_pool_t *p,
                                   const char *tmp, const char *path);

/* Remove the tarball at path, durably (undo of a place). */
void tsr_store_files_remove(tsr_store_t *s, apr_pool_t *p, const char *path);

/* Remove the staged file tmp and the intent a place recorded for it: call
 * once the transaction that placed it committed, or after its undo. */
void tsr_store_files_unstage(tsr_store_t *s, apr_pool_t *p, const char *tmp);

/* After a crash: every intent left in tmp/ whose tarball the package
 * document does not list gets that tarball removed, and what is in tmp/
 * goes.  before 0: everything, for a caller no other process can race
 * (the parent, after recovery, before any child starts).  Otherwise only
 * what was last changed before that time: with several Apache nodes on
 * one data directory, the others' publishes in flight are younger (an
 * intent lives from the tarball's placing to the commit, seconds).
 * *premoved (may be NULL) counts the tarballs removed.  An intent that
 * could not be checked stays, and the first such error is returned. */
apr_status_t tsr_store_files_sweep(tsr_store_t *s, apr_pool_t *p,
                                   apr_time_t before, int *premoved);

/* Copy the file from to a new file to (replaced if there), with from's
 * permissions, and make it durable (fsynced, and so is its directory).
 * *pbytes (may be NULL) gets the bytes copied. */
apr_status_t tsr_store_files_copy(apr_pool_t *p, const char *from,
                                  const char *to, apr_off_t *pbytes);

/* fsync the file path, then the directory it is in. */
apr_status_t tsr_store_files_sync(apr_pool_t *p, const char *path);

#endif
