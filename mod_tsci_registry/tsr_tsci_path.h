/* tsr_tsci_path: the pure rules of tscircuit's registry: package names
 * (owner/name and @tsci/owner.name), versions named with a package, file
 * paths (normalised and refused as tscircuit's service does), media types
 * by extension, and a release's fs_sha.  No I/O, no store, no httpd. */
#ifndef TSR_TSCI_PATH_H
#define TSR_TSCI_PATH_H

#include <apr_pools.h>
#include <apr_tables.h>
#include "tsr_error.h"

/* Longest normalised file path kept. */
#define TSR_TSCI_PATH_MAX 1024
/* Longest unscoped package name. */
#define TSR_TSCI_NAME_MAX 100

/* The error codes of tscircuit's API these rules refuse with. */
#define TSR_TSCI_E_PATH "invalid_file_path"
#define TSR_TSCI_E_NAME "invalid_package_name"

/* Normalise a package file path (spec 5.5): trim white space, '\' to '/',
 * repeated '/' collapsed, leading "./" and '/' and trailing '/' removed,
 * "." segments dropped.  Refused (400 invalid_file_path): empty, longer
 * than TSR_TSCI_PATH_MAX, control characters, a ".." segment, a
 * node_modules or .git segment anywhere, a dist segment below the top
 * (the build writes dist/ at the top), or no '.' at all (not a file).
 * *pout in p. */
apr_status_t tsr_tsci_path_normalize(apr_pool_t *p, const char *in,
                                     const char **pout, tsr_error_t **perr);

/* The media type of path by its extension (".ts" and ".tsx" are
 * text/typescript, unknown ones application/octet-stream); static. */
const char *tsr_tsci_mimetype(const char *path);

/* 1 when owner is a handle: 1-40 of [0-9A-Za-z_-], alphanumeric at both
 * ends. */
int tsr_tsci_handle_valid(const char *owner);

/* 1 when name is an unscoped package name: [0-9A-Za-z_-], at most
 * TSR_TSCI_NAME_MAX, not starting or ending with '-'. */
int tsr_tsci_unscoped_valid(const char *name);

/* Split a package name into owner and unscoped name.  Accepted forms:
 * "owner/name", "@owner/name" and npm's "@tsci/owner.name".  No '/' (and
 * no @tsci/ form) is 400 invalid_package_name, an empty owner 400
 * missing_owner_segment, characters outside the rules 400
 * validation_error.  Results in p. */
apr_status_t tsr_tsci_name_parse(apr_pool_t *p, const char *in,
                                 const char **powner, const char **pname,
                                 tsr_error_t **perr);

/* Split "owner/name@version" at the last '@' that is not the first
 * character: *pname the part before, *pversion the part after, NULL when
 * there is none or it is "latest" (the release flagged latest).  In p. */
void tsr_tsci_name_version_split(apr_pool_t *p, const char *in,
                                 const char **pname, const char **pversion);

/* 1 when version is a SemVer prerelease ("1.0.0-rc.1"). */
int tsr_tsci_is_prerelease(const char *version);

/* One file as fs_sha sees it. */
typedef struct tsr_tsci_fs_entry_t {
    const char *path;
    const char *text;           /* the content; NULL for a binary file */
    apr_size_t len;
    apr_uint64_t seq;           /* creation order */
} tsr_tsci_fs_entry_t;

/* "md5-" and the hex MD5 of the JSON object {path: text} of the files
 * with non-empty text, keys in creation order (seq), written as
 * JavaScript's JSON.stringify writes it (spec 5.4).  entries (of
 * tsr_tsci_fs_entry_t) is sorted in place.  In p. */
const char *tsr_tsci_fs_sha(apr_pool_t *p, apr_array_header_t *entries);

#endif
