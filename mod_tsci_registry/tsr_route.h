/* tsr_route: which registry operation a request is, from its method and its
 * path below the registry's URL prefix.  Pure: no I/O, no httpd. */
#ifndef TSR_ROUTE_H
#define TSR_ROUTE_H

#include <apr_pools.h>

typedef enum {
    TSR_OP_NOT_FOUND = 0,       /* no such resource */
    TSR_OP_BAD_METHOD,          /* resource exists, method does not */
    TSR_OP_META,                /* GET / */
    TSR_OP_PING,                /* GET /-/ping */
    TSR_OP_WHOAMI,              /* GET /-/whoami */
    TSR_OP_ADDUSER,             /* PUT /-/user/org.couchdb.user:<name> */
    TSR_OP_LOGOUT,              /* DELETE /-/user/token/<token> */
    TSR_OP_PACKUMENT,           /* GET /<name> */
    TSR_OP_PUBLISH,             /* PUT /<name> */
    TSR_OP_VERSION,             /* GET /<name>/<version-or-tag> */
    TSR_OP_TARBALL              /* GET /<name>/-/<file>.tgz */
} tsr_op_e;

typedef struct tsr_route_t {
    tsr_op_e op;
    const char *name;           /* package name, when the path has one */
    const char *spec;           /* version or dist-tag (TSR_OP_VERSION) */
    const char *file;           /* tarball file name (TSR_OP_TARBALL) */
    const char *user;           /* user name (TSR_OP_ADDUSER) */
    const char *token;          /* token (TSR_OP_LOGOUT) */
    const char *allow;          /* for TSR_OP_BAD_METHOD: the Allow list */
} tsr_route_t;

/* Route method ("GET", "HEAD", "PUT", ...) and path (decoded, relative to
 * the prefix, without a leading '/'; "" for the root).  Names are split
 * out but not validated: that is the operation's job.  Strings live in p. */
void tsr_route_match(tsr_route_t *rt, apr_pool_t *p, const char *method,
                     const char *path);

/* The printable name of an operation, for logs and tests. */
const char *tsr_route_op_name(tsr_op_e op);

#endif
