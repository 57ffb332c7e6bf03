/* tsr_route: the registry's URL spaces as tables.  Each API (npm today;
 * tscircuit's and the jobs API later) has one table of routes: a method
 * set, a path pattern, an operation number and flags.  Matching a method
 * and a path gives the route, its parameters, or 404 / 405 with the Allow
 * list computed from the table.  Pure: no I/O, no httpd. */
#ifndef TSR_ROUTE_H
#define TSR_ROUTE_H

#include <apr_pools.h>

/* The APIs a <Location> can serve (TsciRegistry npm|tsci|jobs).  npm's
 * is CouchDB-shaped; tscircuit's and the jobs API are RPC-shaped
 * (/<group>/<verb>, GET or POST, {"ok": ...} answers and
 * {"ok": false, "error": {"error_code", "message"}} refusals). */
typedef enum {
    TSR_API_NONE = 0,
    TSR_API_NPM = 1,
    TSR_API_TSCI = 2,
    TSR_API_JOBS = 3
} tsr_api_e;

/* 1 when api answers in the RPC shape. */
#define TSR_API_IS_RPC(api) ((api) == TSR_API_TSCI || (api) == TSR_API_JOBS)

/* Method sets.  GET always carries HEAD with it: a route that answers GET
 * answers HEAD with the same headers and no body. */
#define TSR_M_GET     0x01u
#define TSR_M_PUT     0x02u
#define TSR_M_POST    0x04u
#define TSR_M_DELETE  0x08u
#define TSR_M_PATCH   0x10u

/* Route flags. */
#define TSR_RF_USER    0x01u    /* needs an authenticated user */
#define TSR_RF_WRITE   0x02u    /* changes the store: no read-only token */
#define TSR_RF_BODY    0x04u    /* reads a request body */
#define TSR_RF_FILE    0x08u    /* a file Apache's core handler serves */
#define TSR_RF_LOGIN   0x10u    /* proves who it is by a password in its
                                 * body, not by a token */
#define TSR_RF_OPEN    0x20u    /* reached without a user even where a
                                 * Require wants one (a web login's
                                 * start, page and poll) */
#define TSR_RF_FORM    0x40u    /* its body is an HTML form
                                 * (application/x-www-form-urlencoded) */

/* A route.  The pattern is '/'-separated segments below the registry's
 * prefix ("" is the root); a segment is a literal, or a parameter:
 *   {name}   a package name: one segment, or two when the first starts
 *            with '@' (so "@scope/-" is a name and "-" never splits it);
 *   {x}      any other parameter: one non-empty segment;
 *   lit{x}   a literal prefix and a non-empty rest in one segment.
 * Parameters are captured, not validated: the operation checks them. */
typedef struct tsr_route_def_t {
    unsigned methods;
    const char *pattern;
    int op;
    unsigned flags;
} tsr_route_def_t;

#define TSR_ROUTE_MAX_PARAMS 4

typedef struct tsr_route_param_t {
    const char *key;            /* without braces */
    const char *value;          /* in the pool given to the match */
} tsr_route_param_t;

typedef struct tsr_route_t {
    int status;                 /* 0 matched; 404 no route; 405 method */
    const tsr_route_def_t *def; /* the route (status 0), else NULL */
    const char *allow;          /* 405: the methods the path has */
    int nparams;
    tsr_route_param_t params[TSR_ROUTE_MAX_PARAMS];
} tsr_route_t;

/* The npm registry's operations, the op numbers of its table. */
typedef enum {
    TSR_NPM_META = 1,           /* GET / */
    TSR_NPM_PING,               /* GET /-/ping */
    TSR_NPM_WHOAMI,             /* GET /-/whoami */
    TSR_NPM_ADDUSER,            /* PUT /-/user/org.couchdb.user:{user} */
    TSR_NPM_LOGOUT,             /* DELETE /-/user/token/{token} */
    TSR_NPM_PACKUMENT,          /* GET /{name} */
    TSR_NPM_PUBLISH,            /* PUT /{name} */
    TSR_NPM_VERSION,            /* GET /{name}/{spec} */
    TSR_NPM_TARBALL,            /* GET /{name}/-/{file} */
    TSR_NPM_TOKEN_LIST,         /* GET /-/npm/v1/tokens */
    TSR_NPM_TOKEN_CREATE,       /* POST /-/npm/v1/tokens */
    TSR_NPM_TOKEN_REVOKE,       /* DELETE /-/npm/v1/tokens/token/{id} */
    TSR_NPM_ORG_LIST,           /* GET /-/org/{org}/user */
    TSR_NPM_ORG_SET,            /* PUT /-/org/{org}/user */
    TSR_NPM_ORG_REMOVE,         /* DELETE /-/org/{org}/user */
    TSR_NPM_VISIBILITY,         /* GET /-/package/{name}/visibility */
    TSR_NPM_ACCESS_SET,         /* POST /-/package/{name}/access */
    TSR_NPM_COLLABORATORS,      /* GET /-/package/{name}/collaborators */
    TSR_NPM_ORG_PACKAGES,       /* GET /-/org/{org}/package */
    TSR_NPM_USER_PACKAGES,      /* GET /-/user/{user}/package */
    TSR_NPM_BY_USER,            /* GET /-/by-user/{users} */
    TSR_NPM_TAGS,               /* GET /-/package/{name}/dist-tags */
    TSR_NPM_TAG_SET,            /* PUT /-/package/{name}/dist-tags/{tag} */
    TSR_NPM_TAG_REMOVE,         /* DELETE the same */
    TSR_NPM_USER_DOC,           /* GET /-/user/org.couchdb.user:{user} */
    TSR_NPM_DOC_REV,            /* PUT /{name}/-rev/{rev} */
    TSR_NPM_UNPUBLISH,          /* DELETE /{name}/-rev/{rev} */
    TSR_NPM_TARBALL_DELETE,     /* DELETE /{name}/-/{file}/-rev/{rev} */
    TSR_NPM_STARS,              /* GET /-/_view/starredByUser */
    TSR_NPM_PROFILE,            /* GET /-/npm/v1/user */
    TSR_NPM_CHANGES,            /* GET /_changes */
    TSR_NPM_ALL_SINCE,          /* GET /-/all/since */
    TSR_NPM_AUDIT_BULK,         /* POST /-/npm/v1/security/advisories/bulk */
    TSR_NPM_AUDIT_QUICK,        /* POST /-/npm/v1/security/audits[/quick] */
    TSR_NPM_KEYS,               /* GET /-/npm/v1/keys */
    TSR_NPM_WEBLOGIN,           /* POST /-/v1/login */
    TSR_NPM_WEBLOGIN_PAGE,      /* GET /-/v1/login/web/{id} */
    TSR_NPM_WEBLOGIN_FORM,      /* POST the same */
    TSR_NPM_WEBLOGIN_DONE,      /* GET /-/v1/login/done/{id}/{secret} */
    TSR_NPM_SEARCH,             /* GET /-/v1/search */
    TSR_NPM_OP_COUNT
} tsr_npm_op_e;

/* tscircuit's registry API, the op numbers of its table. */
typedef enum {
    TSR_TSCI_HEALTH = 1,        /* GET|POST /health */
    TSR_TSCI_PKG_CREATE,        /* POST /packages/create */
    TSR_TSCI_PKG_GET,           /* GET|POST /packages/get */
    TSR_TSCI_PKG_LIST,          /* GET|POST /packages/list */
    TSR_TSCI_PKG_SEARCH,        /* GET|POST /packages/search */
    TSR_TSCI_PKG_UPDATE,        /* POST /packages/update */
    TSR_TSCI_PKG_DELETE,        /* POST /packages/delete */
    TSR_TSCI_REL_CREATE,        /* POST /package_releases/create */
    TSR_TSCI_REL_GET,           /* GET|POST /package_releases/get */
    TSR_TSCI_REL_LIST,          /* GET|POST /package_releases/list */
    TSR_TSCI_REL_UPDATE,        /* POST /package_releases/update */
    TSR_TSCI_FILE_CREATE,       /* POST /package_files/create */
    TSR_TSCI_FILE_UPSERT,       /* POST /package_files/create_or_update */
    TSR_TSCI_FILE_GET,          /* GET|POST /package_files/get */
    TSR_TSCI_FILE_LIST,         /* GET|POST /package_files/list */
    TSR_TSCI_FILE_DOWNLOAD,     /* GET|POST /package_files/download */
    TSR_TSCI_FILE_DELETE,       /* POST /package_files/delete */
    TSR_TSCI_FILE_ARCHIVE,      /* POST /package_files/upload_archive */
    TSR_TSCI_ACCOUNTS_GET,      /* GET|POST /accounts/get */
    TSR_TSCI_LOGIN_PAGE_CREATE, /* POST /sessions/login_page/create */
    TSR_TSCI_LOGIN_PAGE_GET,    /* GET|POST /sessions/login_page/get */
    TSR_TSCI_LOGIN_PAGE_EXCHANGE,       /* POST .../exchange_for_cli_session */
    TSR_TSCI_LOGIN_PAGE_SESSION,        /* POST .../login_with_session */
    TSR_TSCI_LOGIN_PAGE_WEB,    /* GET /sessions/login_page/web/{id} */
    TSR_TSCI_LOGIN_PAGE_FORM,   /* POST the same */
    TSR_TSCI_SESSIONS_DELETE,   /* POST|DELETE /sessions/delete */
    TSR_TSCI_OP_COUNT
} tsr_tsci_op_e;

/* The autorouting jobs API, the op numbers of its table. */
typedef enum {
    TSR_JOBS_CREATE = 1,        /* POST /autorouting/jobs/create */
    TSR_JOBS_GET,               /* GET|POST /autorouting/jobs/get */
    TSR_JOBS_GET_OUTPUT,        /* GET|POST /autorouting/jobs/get_output */
    TSR_JOBS_CANCEL,            /* POST /autorouting/jobs/cancel */
    TSR_JOBS_SOLVE,             /* POST /autorouting/solve */
    TSR_JOBS_HEALTH,            /* GET|POST /health */
    TSR_JOBS_OP_COUNT
} tsr_jobs_op_e;

/* The route table of api, ended by an entry whose pattern is NULL; NULL
 * for TSR_API_NONE. */
const tsr_route_def_t *tsr_route_table(tsr_api_e api);

/* Match method (any HTTP method name; "HEAD" counts as "GET") and path
 * (decoded, relative to the prefix, no leading '/') against table.  The
 * first route whose pattern matches and whose method set has the method
 * wins; when patterns match but no method does, status is 405 and allow
 * lists every method of every matching pattern ("GET, HEAD, PUT").  The
 * allow string is static or in p; parameters are copied into p. */
void tsr_route_match(tsr_route_t *rt, apr_pool_t *p,
                     const tsr_route_def_t *table, const char *method,
                     const char *path);

/* The value of parameter key of a matched route, or NULL. */
const char *tsr_route_param(const tsr_route_t *rt, const char *key);

/* The method bit of a method name, 0 for a method no table can have. */
unsigned tsr_route_method_bit(const char *method);

#endif
