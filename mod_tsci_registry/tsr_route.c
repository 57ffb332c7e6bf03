/* tsr_route: route tables and their matcher.  A path is cut into segments
 * once; each pattern is walked segment by segment against them, so a
 * package name is found by its own rules (a scope takes two segments)
 * rather than by searching for the first "/-/". */
#include <string.h>
#include <apr_strings.h>
#include "tsr_route.h"

#define MAX_SEGMENTS 16

static const tsr_route_def_t npm_routes[] = {
    { TSR_M_GET, "", TSR_NPM_META, 0 },
    { TSR_M_GET, "-/ping", TSR_NPM_PING, 0 },
    { TSR_M_GET, "-/whoami", TSR_NPM_WHOAMI, TSR_RF_USER },
    { TSR_M_PUT, "-/user/org.couchdb.user:{user}", TSR_NPM_ADDUSER,
      TSR_RF_BODY | TSR_RF_LOGIN },
    { TSR_M_GET, "-/user/org.couchdb.user:{user}", TSR_NPM_USER_DOC, 0 },
    /* Knowing a token is the right to revoke it: no user needed. */
    { TSR_M_DELETE, "-/user/token/{token}", TSR_NPM_LOGOUT, 0 },
    { TSR_M_GET, "-/npm/v1/tokens", TSR_NPM_TOKEN_LIST, TSR_RF_USER },
    { TSR_M_POST, "-/npm/v1/tokens", TSR_NPM_TOKEN_CREATE,
      TSR_RF_USER | TSR_RF_WRITE | TSR_RF_BODY },
    { TSR_M_DELETE, "-/npm/v1/tokens/token/{id}", TSR_NPM_TOKEN_REVOKE,
      TSR_RF_USER | TSR_RF_WRITE },
    { TSR_M_GET, "-/org/{org}/user", TSR_NPM_ORG_LIST, TSR_RF_USER },
    { TSR_M_PUT, "-/org/{org}/user", TSR_NPM_ORG_SET,
      TSR_RF_USER | TSR_RF_WRITE | TSR_RF_BODY },
    /* npm sends the user to remove in a body, even on DELETE. */
    { TSR_M_DELETE, "-/org/{org}/user", TSR_NPM_ORG_REMOVE,
      TSR_RF_USER | TSR_RF_WRITE | TSR_RF_BODY },
    { TSR_M_GET, "-/package/{name}/visibility", TSR_NPM_VISIBILITY, 0 },
    { TSR_M_POST, "-/package/{name}/access", TSR_NPM_ACCESS_SET,
      TSR_RF_USER | TSR_RF_WRITE | TSR_RF_BODY },
    { TSR_M_GET, "-/package/{name}/collaborators", TSR_NPM_COLLABORATORS,
      0 },
    { TSR_M_GET, "-/package/{name}/dist-tags", TSR_NPM_TAGS, 0 },
    { TSR_M_PUT, "-/package/{name}/dist-tags/{tag}", TSR_NPM_TAG_SET,
      TSR_RF_USER | TSR_RF_WRITE | TSR_RF_BODY },
    { TSR_M_DELETE, "-/package/{name}/dist-tags/{tag}", TSR_NPM_TAG_REMOVE,
      TSR_RF_USER | TSR_RF_WRITE },
    { TSR_M_GET, "-/org/{org}/package", TSR_NPM_ORG_PACKAGES, 0 },
    { TSR_M_GET, "-/user/{user}/package", TSR_NPM_USER_PACKAGES, 0 },
    /* CouchDB's registry: "a|b|c", the packages each user created. */
    { TSR_M_GET, "-/by-user/{users}", TSR_NPM_BY_USER, TSR_RF_USER },
    { TSR_M_GET, "-/_view/starredByUser", TSR_NPM_STARS, 0 },
    { TSR_M_GET, "-/npm/v1/user", TSR_NPM_PROFILE, TSR_RF_USER },
    /* Feeds for mirrors: CouchDB's changes, and the registry's older
     * "everything since" (package names never start with '_'). */
    { TSR_M_GET, "_changes", TSR_NPM_CHANGES, 0 },
    { TSR_M_GET, "-/all/since", TSR_NPM_ALL_SINCE, 0 },
    { TSR_M_GET, "-/v1/search", TSR_NPM_SEARCH, 0 },
    { TSR_M_GET, "{name}/-/{file}", TSR_NPM_TARBALL, TSR_RF_FILE },
    { TSR_M_DELETE, "{name}/-/{file}/-rev/{rev}", TSR_NPM_TARBALL_DELETE,
      TSR_RF_USER | TSR_RF_WRITE },
    { TSR_M_GET, "{name}/{spec}", TSR_NPM_VERSION, 0 },
    { TSR_M_GET, "{name}", TSR_NPM_PACKUMENT, 0 },
    { TSR_M_PUT, "{name}", TSR_NPM_PUBLISH,
      TSR_RF_USER | TSR_RF_WRITE | TSR_RF_BODY },
    /* npm owner and a version's unpublish send the document back at
     * the revision they read; a package's unpublish deletes it there. */
    { TSR_M_PUT, "{name}/-rev/{rev}", TSR_NPM_DOC_REV,
      TSR_RF_USER | TSR_RF_WRITE | TSR_RF_BODY },
    { TSR_M_DELETE, "{name}/-rev/{rev}", TSR_NPM_UNPUBLISH,
      TSR_RF_USER | TSR_RF_WRITE },
    /* Audits are anonymous: installs without a login run them too. */
    { TSR_M_POST, "-/npm/v1/security/advisories/bulk", TSR_NPM_AUDIT_BULK,
      TSR_RF_BODY },
    /* pnpm asks the quick audit first, then the full one: one answer. */
    { TSR_M_POST, "-/npm/v1/security/audits/quick", TSR_NPM_AUDIT_QUICK,
      TSR_RF_BODY },
    { TSR_M_POST, "-/npm/v1/security/audits", TSR_NPM_AUDIT_QUICK,
      TSR_RF_BODY },
    { TSR_M_GET, "-/npm/v1/keys", TSR_NPM_KEYS, 0 },
    /* npm's web login: the client starts it and polls; a person signs in
     * on the page, whose form proves its user by the password. */
    { TSR_M_POST, "-/v1/login", TSR_NPM_WEBLOGIN,
      TSR_RF_BODY | TSR_RF_OPEN },
    { TSR_M_GET, "-/v1/login/web/{id}", TSR_NPM_WEBLOGIN_PAGE, TSR_RF_OPEN },
    { TSR_M_POST, "-/v1/login/web/{id}", TSR_NPM_WEBLOGIN_FORM,
      TSR_RF_BODY | TSR_RF_LOGIN | TSR_RF_FORM },
    { TSR_M_GET, "-/v1/login/done/{id}/{secret}", TSR_NPM_WEBLOGIN_DONE,
      TSR_RF_OPEN },
    { 0, NULL, 0, 0 }
};

/* RPC routes answer GET and POST alike: clients disagree on the method
 * of a read, and the parameters are the query and the JSON body merged. */
#define TSR_M_RPC (TSR_M_GET | TSR_M_POST)

#define TSR_RF_TSCI_W (TSR_RF_USER | TSR_RF_WRITE | TSR_RF_BODY)

static const tsr_route_def_t tsci_routes[] = {
    { TSR_M_RPC, "health", TSR_TSCI_HEALTH, 0 },
    /* Reads are anonymous (a private package is then missing); writes
     * need a user who may change the package. */
    { TSR_M_POST, "packages/create", TSR_TSCI_PKG_CREATE, TSR_RF_TSCI_W },
    { TSR_M_RPC, "packages/get", TSR_TSCI_PKG_GET, TSR_RF_BODY },
    { TSR_M_RPC, "packages/list", TSR_TSCI_PKG_LIST, TSR_RF_BODY },
    { TSR_M_RPC, "packages/search", TSR_TSCI_PKG_SEARCH, TSR_RF_BODY },
    { TSR_M_POST, "packages/update", TSR_TSCI_PKG_UPDATE, TSR_RF_TSCI_W },
    { TSR_M_POST, "packages/delete", TSR_TSCI_PKG_DELETE, TSR_RF_TSCI_W },
    { TSR_M_POST, "package_releases/create", TSR_TSCI_REL_CREATE,
      TSR_RF_TSCI_W },
    { TSR_M_RPC, "package_releases/get", TSR_TSCI_REL_GET, TSR_RF_BODY },
    { TSR_M_RPC, "package_releases/list", TSR_TSCI_REL_LIST, TSR_RF_BODY },
    { TSR_M_POST, "package_releases/update", TSR_TSCI_REL_UPDATE,
      TSR_RF_TSCI_W },
    { TSR_M_POST, "package_files/create", TSR_TSCI_FILE_CREATE,
      TSR_RF_TSCI_W },
    { TSR_M_POST, "package_files/create_or_update", TSR_TSCI_FILE_UPSERT,
      TSR_RF_TSCI_W },
    { TSR_M_RPC, "package_files/get", TSR_TSCI_FILE_GET, TSR_RF_BODY },
    { TSR_M_RPC, "package_files/list", TSR_TSCI_FILE_LIST, TSR_RF_BODY },
    { TSR_M_RPC, "package_files/download", TSR_TSCI_FILE_DOWNLOAD,
      TSR_RF_BODY },
    { TSR_M_POST, "package_files/delete", TSR_TSCI_FILE_DELETE,
      TSR_RF_TSCI_W },
    { TSR_M_POST, "package_files/upload_archive", TSR_TSCI_FILE_ARCHIVE,
      TSR_RF_TSCI_W },
    { TSR_M_RPC, "accounts/get", TSR_TSCI_ACCOUNTS_GET,
      TSR_RF_USER | TSR_RF_BODY },
    /* tsci login: the CLI starts a login page and polls it with the page's
     * own token, not a user's, so these are open where a Require wants a
     * user; the person signs in on the page (its form proves the user by
     * a password, as npm's web login does) or, holding a session, with
     * login_with_session, which gives the CLI a token that writes: no
     * read-only token may. */
    { TSR_M_POST, "sessions/login_page/create", TSR_TSCI_LOGIN_PAGE_CREATE,
      TSR_RF_BODY | TSR_RF_OPEN },
    { TSR_M_RPC, "sessions/login_page/get", TSR_TSCI_LOGIN_PAGE_GET,
      TSR_RF_BODY | TSR_RF_OPEN },
    { TSR_M_POST, "sessions/login_page/exchange_for_cli_session",
      TSR_TSCI_LOGIN_PAGE_EXCHANGE, TSR_RF_BODY | TSR_RF_OPEN },
    { TSR_M_POST, "sessions/login_page/login_with_session",
      TSR_TSCI_LOGIN_PAGE_SESSION, TSR_RF_USER | TSR_RF_WRITE | TSR_RF_BODY },
    { TSR_M_GET, "sessions/login_page/web/{id}", TSR_TSCI_LOGIN_PAGE_WEB,
      TSR_RF_OPEN },
    { TSR_M_POST, "sessions/login_page/web/{id}", TSR_TSCI_LOGIN_PAGE_FORM,
      TSR_RF_BODY | TSR_RF_LOGIN | TSR_RF_FORM },
    { TSR_M_POST | TSR_M_DELETE, "sessions/delete", TSR_TSCI_SESSIONS_DELETE,
      TSR_RF_USER | TSR_RF_BODY },
    { 0, NULL, 0, 0 }
};

/* tscircuit's client sends no token to the router: every route is
 * anonymous unless the administrator's Require says otherwise. */
static const tsr_route_def_t jobs_routes[] = {
    { TSR_M_POST, "autorouting/jobs/create", TSR_JOBS_CREATE, TSR_RF_BODY },
    { TSR_M_RPC, "autorouting/jobs/get", TSR_JOBS_GET, TSR_RF_BODY },
    { TSR_M_RPC, "autorouting/jobs/get_output", TSR_JOBS_GET_OUTPUT,
      TSR_RF_BODY },
    { TSR_M_POST, "autorouting/jobs/cancel", TSR_JOBS_CANCEL, TSR_RF_BODY },
    { TSR_M_POST, "autorouting/solve", TSR_JOBS_SOLVE, TSR_RF_BODY },
    { TSR_M_RPC, "health", TSR_JOBS_HEALTH, 0 },
    { 0, NULL, 0, 0 }
};

const tsr_route_def_t *tsr_route_table(tsr_api_e api)
{
    switch (api) {
    case TSR_API_NPM:
        return npm_routes;
    case TSR_API_TSCI:
        return tsci_routes;
    case TSR_API_JOBS:
        return jobs_routes;
    default:
        return NULL;
    }
}

unsigned tsr_route_method_bit(const char *method)
{
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
        return TSR_M_GET;
    }
    if (strcmp(method, "PUT") == 0) {
        return TSR_M_PUT;
    }
    if (strcmp(method, "POST") == 0) {
        return TSR_M_POST;
    }
    if (strcmp(method, "DELETE") == 0) {
        return TSR_M_DELETE;
    }
    if (strcmp(method, "PATCH") == 0) {
        return TSR_M_PATCH;
    }
    return 0;
}

typedef struct seg_t {
    const char *s;
    apr_size_t len;
} seg_t;

/* Cut path at '/'; "" has no segment, "a/" has two ("a" and "").
 * Returns the count, or -1 when there are too many to be any route. */
static int split(const char *path, seg_t *segs)
{
    int n = 0;
    const char *s = path, *slash;

    if (*path == '\0') {
        return 0;
    }
    for (;;) {
        if (n == MAX_SEGMENTS) {
            return -1;
        }
        slash = strchr(s, '/');
        segs[n].s = s;
        segs[n].len = slash ? (apr_size_t)(slash - s) : strlen(s);
        n++;
        if (slash == NULL) {
            return n;
        }
        s = slash + 1;
    }
}

static int seg_is(const seg_t *g, const char *lit, apr_size_t len)
{
    return g->len == len && memcmp(g->s, lit, len) == 0;
}

/* Match pattern against segs[0..n); on success record the parameters in
 * rt (copied into p; both NULL when only the answer matters) and return
 * 1. */
static int match_pattern(const char *pattern, const seg_t *segs, int n,
                         tsr_route_t *rt, apr_pool_t *p)
{
    const char *pat = pattern;
    int i = 0, np = 0;
    tsr_route_param_t params[TSR_ROUTE_MAX_PARAMS];

    while (*pat) {
        const char *end = strchr(pat, '/');
        apr_size_t plen = end ? (apr_size_t)(end - pat) : strlen(pat);
        const char *brace = memchr(pat, '{', plen);

        if (i >= n) {
            return 0;
        }
        if (brace == NULL) {
            if (!seg_is(&segs[i], pat, plen)) {
                return 0;
            }
            i++;
        }
        else {
            apr_size_t lit = (apr_size_t)(brace - pat);
            apr_size_t klen = plen - lit - 2;   /* without the braces */
            const char *value;
            apr_size_t vlen;

            if (np == TSR_ROUTE_MAX_PARAMS || segs[i].len <= lit
                || memcmp(segs[i].s, pat, lit) != 0) {
                return 0;
            }
            value = segs[i].s + lit;
            vlen = segs[i].len - lit;
            /* "-" is the registry's own separator, never a value. */
            if (vlen == 1 && value[0] == '-') {
                return 0;
            }
            if (klen == 4 && memcmp(brace + 1, "name", 4) == 0) {
                if (value[0] == '@' && i + 1 < n) {
                    i++;
                    vlen = (apr_size_t)(segs[i].s + segs[i].len - value);
                }
            }
            if (p) {
                params[np].key = apr_pstrmemdup(p, brace + 1, klen);
                params[np].value = apr_pstrmemdup(p, value, vlen);
            }
            np++;
            i++;
        }
        pat = end ? end + 1 : pat + plen;
    }
    if (i != n) {
        return 0;
    }
    if (rt) {
        memcpy(rt->params, params, sizeof(params[0]) * np);
        rt->nparams = np;
    }
    return 1;
}

/* Methods in the order Allow lists them. */
static const struct {
    unsigned bit;
    const char *names;
} method_names[] = {
    { TSR_M_GET, "GET, HEAD" },
    { TSR_M_PUT, "PUT" },
    { TSR_M_POST, "POST" },
    { TSR_M_DELETE, "DELETE" },
    { TSR_M_PATCH, "PATCH" },
};

static const char *allow_list(apr_pool_t *p, unsigned set)
{
    const char *out = NULL;
    apr_size_t i;

    for (i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++) {
        if (set & method_names[i].bit) {
            out = out ? apr_pstrcat(p, out, ", ", method_names[i].names, NULL)
                      : method_names[i].names;
        }
    }
    return out ? out : "";
}

void tsr_route_match(tsr_route_t *rt, apr_pool_t *p,
                     const tsr_route_def_t *table, const char *method,
                     const char *path)
{
    seg_t segs[MAX_SEGMENTS];
    unsigned bit = tsr_route_method_bit(method), seen = 0;
    int n = split(path, segs);
    const tsr_route_def_t *d;

    memset(rt, 0, sizeof(*rt));
    rt->status = 404;
    if (table == NULL || n < 0) {
        return;
    }
    for (d = table; d->pattern; d++) {
        if ((d->methods & bit) && match_pattern(d->pattern, segs, n, rt, p)) {
            rt->status = 0;
            rt->def = d;
            return;
        }
    }
    /* No route takes this method: does any take the path? */
    for (d = table; d->pattern; d++) {
        if (match_pattern(d->pattern, segs, n, NULL, NULL)) {
            seen |= d->methods;
        }
    }
    if (seen) {
        rt->status = 405;
        rt->allow = allow_list(p, seen);
    }
}

const char *tsr_route_param(const tsr_route_t *rt, const char *key)
{
    int i;

    for (i = 0; i < rt->nparams; i++) {
        if (strcmp(rt->params[i].key, key) == 0) {
            return rt->params[i].value;
        }
    }
    return NULL;
}
