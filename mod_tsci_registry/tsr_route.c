/* tsr_route: the registry's URL space.  Everything under "-/" belongs to the
 * registry itself; every other path starts with a package name, which is
 * one segment, or two when it begins with '@'. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_route.h"

#define COUCH_USER "-/user/org.couchdb.user:"
#define TOKEN_PATH "-/user/token/"

static int is(const char *method, const char *m)
{
    return strcmp(method, m) == 0;
}

static int is_get(const char *method)
{
    return is(method, "GET") || is(method, "HEAD");
}

/* Set op when method is one of the allowed, else BAD_METHOD with allow. */
static void choose(tsr_route_t *rt, const char *method, const char *allow,
                   int ok, tsr_op_e op)
{
    if (ok) {
        rt->op = op;
    }
    else {
        rt->op = TSR_OP_BAD_METHOD;
        rt->allow = allow;
    }
}

static void route_registry(tsr_route_t *rt, apr_pool_t *p,
                           const char *method, const char *path)
{
    if (strcmp(path, "-/ping") == 0) {
        choose(rt, method, "GET, HEAD", is_get(method), TSR_OP_PING);
    }
    else if (strcmp(path, "-/whoami") == 0) {
        choose(rt, method, "GET, HEAD", is_get(method), TSR_OP_WHOAMI);
    }
    else if (strncmp(path, COUCH_USER, sizeof(COUCH_USER) - 1) == 0
             && path[sizeof(COUCH_USER) - 1] != '\0'
             && strchr(path + sizeof(COUCH_USER) - 1, '/') == NULL) {
        rt->user = apr_pstrdup(p, path + sizeof(COUCH_USER) - 1);
        choose(rt, method, "PUT", is(method, "PUT"), TSR_OP_ADDUSER);
    }
    else if (strncmp(path, TOKEN_PATH, sizeof(TOKEN_PATH) - 1) == 0
             && path[sizeof(TOKEN_PATH) - 1] != '\0') {
        rt->token = apr_pstrdup(p, path + sizeof(TOKEN_PATH) - 1);
        choose(rt, method, "DELETE", is(method, "DELETE"), TSR_OP_LOGOUT);
    }
    else {
        rt->op = TSR_OP_NOT_FOUND;
    }
}

void tsr_route_match(tsr_route_t *rt, apr_pool_t *p, const char *method,
                     const char *path)
{
    const char *rest, *slash;

    memset(rt, 0, sizeof(*rt));
    if (*path == '\0') {
        choose(rt, method, "GET, HEAD", is_get(method), TSR_OP_META);
        return;
    }
    if (path[0] == '-' && (path[1] == '/' || path[1] == '\0')) {
        route_registry(rt, p, method, path);
        return;
    }
    /* The package name: "<name>" or "@<scope>/<name>". */
    slash = strchr(path, '/');
    if (path[0] == '@' && slash) {
        slash = strchr(slash + 1, '/');
    }
    if (slash == NULL) {
        rt->name = apr_pstrdup(p, path);
        if (is_get(method)) {
            rt->op = TSR_OP_PACKUMENT;
        }
        else {
            choose(rt, method, "GET, HEAD, PUT", is(method, "PUT"),
                   TSR_OP_PUBLISH);
        }
        return;
    }
    rt->name = apr_pstrmemdup(p, path, slash - path);
    rest = slash + 1;
    if (strncmp(rest, "-/", 2) == 0 && rest[2] != '\0'
        && strchr(rest + 2, '/') == NULL) {
        rt->file = apr_pstrdup(p, rest + 2);
        choose(rt, method, "GET, HEAD", is_get(method), TSR_OP_TARBALL);
        return;
    }
    if (*rest != '\0' && strchr(rest, '/') == NULL && strcmp(rest, "-") != 0) {
        rt->spec = apr_pstrdup(p, rest);
        choose(rt, method, "GET, HEAD", is_get(method), TSR_OP_VERSION);
        return;
    }
    rt->op = TSR_OP_NOT_FOUND;
}

const char *tsr_route_op_name(tsr_op_e op)
{
    static const char *const names[] = {
        "not_found", "bad_method", "meta", "ping", "whoami", "adduser",
        "logout", "packument", "publish", "version", "tarball"
    };

    return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op]
                                                           : "unknown";
}
