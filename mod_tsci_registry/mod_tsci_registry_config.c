/* mod_tsci_registry_config.c: the directives, their checks and the merge of
 * configuration records. */
#include <stdlib.h>
#include <string.h>
#include "apr_strings.h"
#include "apr_uri.h"
#include "httpd.h"
#include "ap_provider.h"
#include "http_config.h"
#include "mod_tsci_registry.h"

/* The largest TsciRegistryMaxBodySize accepted: the publish body is held
 * in memory while it is checked. */
#define MAX_BODY_CEILING ((apr_off_t)2 * 1024 * 1024 * 1024)

void *tsr_create_server_conf(apr_pool_t *p, server_rec *s)
{
    tsr_server_conf_t *c = apr_pcalloc(p, sizeof(*c));

    c->login_limit_user = -1;
    c->login_limit_addr = -1;
    c->view_cache_bytes = -1;
    c->view_lag_ms = -1;
    c->search_cache_bytes = -1;
    c->route_workers = -1;
    c->route_budget_ms = -1;
    c->route_retention_s = -1;
    c->route_max_input = -1;
    c->route_max_queued = -1;
    c->route_max_kept = -1;
    c->route_max_elements = -1;
    c->route_max_board_mm = -1;
    return c;
}

#define MERGE_SET(field) c->field = add->field != -1 ? add->field : base->field

void *tsr_merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    tsr_server_conf_t *base = basev, *add = addv;
    tsr_server_conf_t *c = apr_pcalloc(p, sizeof(*c));

    c->datadir = add->datadir ? add->datadir : base->datadir;
    c->provider = add->provider ? add->provider : base->provider;
    c->enabled_somewhere = add->enabled_somewhere || base->enabled_somewhere;
    c->login_limit_user = add->login_limit_user != -1 ? add->login_limit_user
                                                      : base->login_limit_user;
    c->login_limit_addr = add->login_limit_addr != -1 ? add->login_limit_addr
                                                      : base->login_limit_addr;
    c->view_cache_bytes = add->view_cache_bytes != -1 ? add->view_cache_bytes
                                                      : base->view_cache_bytes;
    c->view_lag_ms = add->view_lag_ms != -1 ? add->view_lag_ms
                                            : base->view_lag_ms;
    c->search_cache_bytes = add->search_cache_bytes != -1
                            ? add->search_cache_bytes
                            : base->search_cache_bytes;
    c->signing_key_path = add->signing_key_path ? add->signing_key_path
                                                : base->signing_key_path;
    c->jobs_somewhere = add->jobs_somewhere || base->jobs_somewhere;
    MERGE_SET(route_workers);
    MERGE_SET(route_budget_ms);
    MERGE_SET(route_retention_s);
    MERGE_SET(route_max_input);
    MERGE_SET(route_max_queued);
    MERGE_SET(route_max_kept);
    MERGE_SET(route_max_elements);
    MERGE_SET(route_max_board_mm);
    return c;
}

void *tsr_create_dir_conf(apr_pool_t *p, char *dir)
{
    tsr_dir_conf_t *d = apr_pcalloc(p, sizeof(*d));

    d->api = -1;
    d->max_body = -1;
    d->max_audit_body = -1;
    d->allow_signup = -1;
    d->weblogin_ttl = -1;
    return d;
}

void *tsr_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    tsr_dir_conf_t *base = basev, *add = addv;
    tsr_dir_conf_t *d = apr_pcalloc(p, sizeof(*d));

    d->api = add->api != -1 ? add->api : base->api;
    d->prefix = add->api != -1 ? add->prefix : base->prefix;
    d->base_url = add->base_url ? add->base_url : base->base_url;
    d->max_body = add->max_body != -1 ? add->max_body : base->max_body;
    d->max_audit_body = add->max_audit_body != -1 ? add->max_audit_body
                                                  : base->max_audit_body;
    d->allow_signup = add->allow_signup != -1 ? add->allow_signup
                                              : base->allow_signup;
    d->authn = add->authn ? add->authn : base->authn;
    d->admins = add->admins ? add->admins : base->admins;
    d->rules = add->rules ? add->rules : base->rules;
    d->trusted_proxies = add->trusted_proxies ? add->trusted_proxies
                                              : base->trusted_proxies;
    d->weblogin_ttl = add->weblogin_ttl != -1 ? add->weblogin_ttl
                                              : base->weblogin_ttl;
    return d;
}

tsr_api_e tsr_conf_api(const tsr_dir_conf_t *d)
{
    return d->api > 0 ? (tsr_api_e)d->api : TSR_API_NONE;
}

int tsr_conf_enabled(const tsr_dir_conf_t *d)
{
    return tsr_conf_api(d) != TSR_API_NONE;
}

apr_off_t tsr_conf_max_body(const tsr_dir_conf_t *d)
{
    return d->max_body != -1 ? d->max_body : TSR_DEFAULT_MAX_BODY;
}

apr_off_t tsr_conf_max_audit_body(const tsr_dir_conf_t *d)
{
    return d->max_audit_body != -1 ? d->max_audit_body
                                   : TSR_DEFAULT_MAX_AUDIT_BODY;
}

const char *tsr_conf_signing_key_path(apr_pool_t *p,
                                      const tsr_server_conf_t *sc)
{
    if (sc->signing_key_path) {
        return sc->signing_key_path;
    }
    return sc->datadir ? apr_pstrcat(p, sc->datadir, "/",
                                     TSR_SIGNING_KEY_FILE, NULL)
                       : NULL;
}

int tsr_conf_is_admin(const tsr_dir_conf_t *d, const char *user)
{
    int i;

    if (d->admins == NULL || user == NULL) {
        return 0;
    }
    for (i = 0; i < d->admins->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(d->admins, i, const char *), user) == 0) {
            return 1;
        }
    }
    return 0;
}

void tsr_conf_login_limits(const tsr_server_conf_t *sc, int *per_user,
                           int *per_addr)
{
    *per_user = sc->login_limit_user != -1 ? sc->login_limit_user
                                           : TSR_DEFAULT_LOGIN_LIMIT_USER;
    *per_addr = sc->login_limit_addr != -1 ? sc->login_limit_addr
                                           : TSR_DEFAULT_LOGIN_LIMIT_ADDR;
}

int tsr_conf_weblogin_ttl(const tsr_dir_conf_t *d)
{
    return d->weblogin_ttl != -1 ? d->weblogin_ttl
                                 : TSR_DEFAULT_WEBLOGIN_TTL;
}

int tsr_conf_allow_signup(const tsr_dir_conf_t *d)
{
    return d->allow_signup == 1;
}

/* TsciRegistry On|Off|npm: which API this Location serves ("On" is npm's,
 * the first one there was). */
static const char *set_api(cmd_parms *cmd, void *dv, const char *arg)
{
    tsr_dir_conf_t *d = dv;
    tsr_server_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                                 &tsci_registry_module);
    const ap_directive_t *parent = cmd->directive->parent;

    /* The URL prefix is the Location's path; a Directory or Files section
     * has no URL, and a regex Location has no single prefix. */
    if (parent == NULL || strcasecmp(parent->directive, "<Location") != 0
        || cmd->path == NULL || ap_is_matchexp(cmd->path)
        || cmd->path[0] != '/') {
        return "TsciRegistry must be inside a <Location /path> section "
               "(not <Directory>, <Files>, <LocationMatch> or a wildcard)";
    }
    if (strcasecmp(arg, "On") == 0 || strcasecmp(arg, "npm") == 0) {
        d->api = TSR_API_NPM;
    }
    else if (strcasecmp(arg, "tsci") == 0) {
        d->api = TSR_API_TSCI;
    }
    else if (strcasecmp(arg, "jobs") == 0) {
        d->api = TSR_API_JOBS;
    }
    else if (strcasecmp(arg, "Off") == 0) {
        d->api = TSR_API_NONE;
    }
    else {
        return apr_pstrcat(cmd->pool, "TsciRegistry takes On, Off or the "
                           "API to serve (npm, tsci or jobs), not '", arg,
                           "'", NULL);
    }
    d->prefix = cmd->path[strlen(cmd->path) - 1] == '/'
                    ? cmd->path : apr_pstrcat(cmd->pool, cmd->path, "/", NULL);
    if (d->api != TSR_API_NONE) {
        sc->enabled_somewhere = 1;
    }
    if (d->api == TSR_API_JOBS) {
        sc->jobs_somewhere = 1;
    }
    return NULL;
}

static const char *set_datadir(cmd_parms *cmd, void *dv, const char *arg)
{
    tsr_server_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                                 &tsci_registry_module);
    apr_size_t len = strlen(arg);

    if (!ap_os_is_path_absolute(cmd->pool, arg)) {
        return apr_pstrcat(cmd->pool, "TsciRegistryDataDir must be an "
                           "absolute path, not '", arg, "'", NULL);
    }
    while (len > 1 && arg[len - 1] == '/') {
        len--;
    }
    sc->datadir = apr_pstrmemdup(cmd->pool, arg, len);
    return NULL;
}

static const char *set_store(cmd_parms *cmd, void *dv, const char *arg)
{
    tsr_server_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                                 &tsci_registry_module);

    if ((sc->provider = tsr_store_provider_find(arg)) == NULL) {
        return apr_pstrcat(cmd->pool, "TsciRegistryStore must name a store "
                           "provider (", tsr_store_provider_names(cmd->pool),
                           "), not '", arg, "'", NULL);
    }
    return NULL;
}

static const char *set_base_url(cmd_parms *cmd, void *dv, const char *arg)
{
    tsr_dir_conf_t *d = dv;
    apr_uri_t uri;

    if (apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS
        || uri.scheme == NULL || uri.hostname == NULL
        || (strcasecmp(uri.scheme, "http") != 0
            && strcasecmp(uri.scheme, "https") != 0)
        || uri.query != NULL || uri.fragment != NULL) {
        return apr_pstrcat(cmd->pool, "TsciRegistryBaseURL must be an "
                           "absolute http:// or https:// URL without query, "
                           "not '", arg, "'", NULL);
    }
    d->base_url = arg[strlen(arg) - 1] == '/'
                      ? arg : apr_pstrcat(cmd->pool, arg, "/", NULL);
    return NULL;
}

/* TsciRegistryTrustedProxy 10.0.0.5 192.168.0.0/16 ...: addresses and
 * networks, as Require ip takes them. */
static const char *add_trusted_proxy(cmd_parms *cmd, void *dv,
                                     const char *arg)
{
    tsr_dir_conf_t *d = dv;
    apr_ipsubnet_t *net;
    char *ip = apr_pstrdup(cmd->pool, arg), *mask = strchr(ip, '/');

    if (mask) {
        *mask++ = '\0';
    }
    if (apr_ipsubnet_create(&net, ip, mask, cmd->pool) != APR_SUCCESS) {
        return apr_pstrcat(cmd->pool, "TsciRegistryTrustedProxy takes IP "
                           "addresses and networks (10.0.0.5, 10.0.0.0/8, "
                           "fd00::/8), not '", arg, "'", NULL);
    }
    if (d->trusted_proxies == NULL) {
        d->trusted_proxies = apr_array_make(cmd->pool, 2,
                                            sizeof(apr_ipsubnet_t *));
    }
    APR_ARRAY_PUSH(d->trusted_proxies, apr_ipsubnet_t *) = net;
    return NULL;
}

/* TsciRegistryViewLag ms: 0 checks each view in the database at every
 * read; at most a minute, so that no node lags far behind. */
static const char *set_view_lag(cmd_parms *cmd, void *dv, const char *arg)
{
    tsr_server_conf_t *c = ap_get_module_config(cmd->server->module_config,
                                                &tsci_registry_module);
    char *end;
    apr_int64_t n = apr_strtoi64(arg, &end, 10);

    if (*arg < '0' || *arg > '9' || *end || n > 60000) {
        return apr_pstrcat(cmd->pool, "TsciRegistryViewLag takes "
                           "milliseconds from 0 to 60000, not '", arg, "'",
                           NULL);
    }
    c->view_lag_ms = n;
    return NULL;
}

/* TsciRegistryViewCache and TsciRegistrySearchCache: bytes of a cache
 * each process keeps, 0 for none; cmd->info is the field's offset in the
 * server's configuration. */
static const char *set_cache_bytes(cmd_parms *cmd, void *dv,
                                   const char *arg)
{
    tsr_server_conf_t *c = ap_get_module_config(cmd->server->module_config,
                                                &tsci_registry_module);
    char *end;
    apr_int64_t n = apr_strtoi64(arg, &end, 10);

    if (*arg < '0' || *arg > '9' || *end || n > ((apr_int64_t)1 << 30)) {
        return apr_pstrcat(cmd->pool, cmd->directive->directive,
                           " takes a number of bytes from 0 (off) to "
                           "1073741824, not '", arg, "'", NULL);
    }
    *(apr_int64_t *)((char *)c + (apr_size_t)cmd->info) = n;
    return NULL;
}

/* A TsciRegistryRoute* number: which field, and its range. */
typedef struct route_number_t {
    apr_size_t offset;
    apr_int64_t min, max;
    const char *unit;
} route_number_t;

#define ROUTE_NUMBER(field, min, max, unit) \
    { APR_OFFSETOF(tsr_server_conf_t, field), (min), (max), (unit) }

static const route_number_t route_workers =
    ROUTE_NUMBER(route_workers, 0, 64, "jobs at once");
static const route_number_t route_budget =
    ROUTE_NUMBER(route_budget_ms, 10, 3600 * 1000, "milliseconds");
static const route_number_t route_retention =
    ROUTE_NUMBER(route_retention_s, 1, 365 * 86400, "seconds");
static const route_number_t route_max_input =
    ROUTE_NUMBER(route_max_input, 1024, (apr_int64_t)1 << 30, "bytes");
static const route_number_t route_max_queued =
    ROUTE_NUMBER(route_max_queued, 1, 1000000, "jobs");
static const route_number_t route_max_kept =
    ROUTE_NUMBER(route_max_kept, 1, 100000000, "jobs");
static const route_number_t route_max_elements =
    ROUTE_NUMBER(route_max_elements, 1, 10000000, "elements");
static const route_number_t route_max_board =
    ROUTE_NUMBER(route_max_board_mm, 1, 10000, "millimetres");

static const char *set_route_number(cmd_parms *cmd, void *dv,
                                    const char *arg)
{
    const route_number_t *rn = cmd->info;
    tsr_server_conf_t *c = ap_get_module_config(cmd->server->module_config,
                                                &tsci_registry_module);
    char *end;
    apr_int64_t n = apr_strtoi64(arg, &end, 10);

    if (*arg < '0' || *arg > '9' || *end || n < rn->min || n > rn->max) {
        return apr_psprintf(cmd->pool, "%s takes a number of %s from %"
                            APR_INT64_T_FMT " to %" APR_INT64_T_FMT
                            ", not '%s'", cmd->cmd->name, rn->unit, rn->min,
                            rn->max, arg);
    }
    *(apr_int64_t *)((char *)c + rn->offset) = n;
    return NULL;
}

static const char *set_max_body(cmd_parms *cmd, void *dv, const char *arg)
{
    tsr_dir_conf_t *d = dv;
    char *end;
    apr_int64_t n;

    if (apr_strtoff(&d->max_body, arg, &end, 10) != APR_SUCCESS
        || *end != '\0' || d->max_body <= 0
        || d->max_body > MAX_BODY_CEILING) {
        n = MAX_BODY_CEILING;
        return apr_psprintf(cmd->pool, "TsciRegistryMaxBodySize must be a "
                            "number of bytes from 1 to %" APR_INT64_T_FMT
                            ", not '%s'", n, arg);
    }
    return NULL;
}

/* The same bounds as TsciRegistryMaxBodySize: an audit body is parsed
 * whole, as a publish's document is. */
static const char *set_max_audit_body(cmd_parms *cmd, void *dv,
                                      const char *arg)
{
    tsr_dir_conf_t *d = dv;
    char *end;
    apr_int64_t n;

    if (apr_strtoff(&d->max_audit_body, arg, &end, 10) != APR_SUCCESS
        || *end != '\0' || d->max_audit_body <= 0
        || d->max_audit_body > MAX_BODY_CEILING) {
        n = MAX_BODY_CEILING;
        return apr_psprintf(cmd->pool, "TsciRegistryMaxAuditBodySize must "
                            "be a number of bytes from 1 to %"
                            APR_INT64_T_FMT ", not '%s'", n, arg);
    }
    return NULL;
}

/* TsciRegistrySigningKey: relative to ServerRoot, as Apache's own file
 * directives; whether it is a key is checked before start-up
 * (mod_tsci_registry_sign.c). */
static const char *set_signing_key(cmd_parms *cmd, void *dv, const char *arg)
{
    tsr_server_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                                 &tsci_registry_module);

    if ((sc->signing_key_path = ap_server_root_relative(cmd->pool, arg))
        == NULL) {
        return apr_pstrcat(cmd->pool, "TsciRegistrySigningKey: not a valid "
                           "path: '", arg, "'", NULL);
    }
    return NULL;
}

/* TsciRegistryLoginLimit <per user> <per address>: failures in 15
 * minutes; 0 lifts a limit. */
static const char *set_login_limit(cmd_parms *cmd, void *dv, const char *u,
                                   const char *a)
{
    tsr_server_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                                 &tsci_registry_module);
    char *end1, *end2;
    long nu = strtol(u, &end1, 10), na = strtol(a, &end2, 10);

    if (*u == '\0' || *end1 != '\0' || *a == '\0' || *end2 != '\0'
        || nu < 0 || na < 0 || nu > 1000000 || na > 1000000) {
        return apr_pstrcat(cmd->pool, "TsciRegistryLoginLimit takes two "
                           "counts of failed sign-ins (per user, per "
                           "address; 0 for no limit), not '", u, " ", a,
                           "'", NULL);
    }
    sc->login_limit_user = (int)nu;
    sc->login_limit_addr = (int)na;
    return NULL;
}

/* TsciRegistryAdmin user <name>...: who administers the registry here
 * (organisations, every scope, every package). */
static const char *add_admin(cmd_parms *cmd, void *dv, const char *kind,
                             const char *name)
{
    tsr_dir_conf_t *d = dv;

    if (strcmp(kind, "user") != 0) {
        return apr_pstrcat(cmd->pool, "TsciRegistryAdmin takes 'user' and "
                           "user names, not '", kind, "'", NULL);
    }
    if (d->admins == NULL) {
        d->admins = apr_array_make(cmd->pool, 2, sizeof(const char *));
    }
    APR_ARRAY_PUSH(d->admins, const char *) = name;
    return NULL;
}

/* TsciRegistryAuthnProvider: found now, as AuthBasicProvider does, so a
 * name without its module is a configuration error, not a failed login. */
static const char *add_authn_provider(cmd_parms *cmd, void *dv,
                                      const char *name)
{
    tsr_dir_conf_t *d = dv;
    tsr_authn_named_t *n;
    const authn_provider *prov;

    prov = ap_lookup_provider(AUTHN_PROVIDER_GROUP, name,
                              AUTHN_PROVIDER_VERSION);
    if (prov == NULL || prov->check_password == NULL) {
        return apr_pstrcat(cmd->pool, "TsciRegistryAuthnProvider: no authn "
                           "provider '", name, "' that checks passwords "
                           "(is its module, such as mod_authn_file for "
                           "'file' or mod_authnz_ldap for 'ldap', loaded "
                           "before this line?)", NULL);
    }
    if (d->authn == NULL) {
        d->authn = apr_array_make(cmd->pool, 2, sizeof(*n));
    }
    n = apr_array_push(d->authn);
    n->name = name;
    n->provider = prov;
    return NULL;
}

/* TsciRegistryWebLoginTimeout <seconds>: how long a web login waits for
 * its sign-in. */
static const char *set_weblogin_ttl(cmd_parms *cmd, void *dv,
                                    const char *arg)
{
    char *end;
    long n = strtol(arg, &end, 10);

    if (*arg == '\0' || *end != '\0' || n < 1 || n > 3600) {
        return apr_pstrcat(cmd->pool, "TsciRegistryWebLoginTimeout takes "
                           "a number of seconds from 1 to 3600, not '", arg,
                           "'", NULL);
    }
    ((tsr_dir_conf_t *)dv)->weblogin_ttl = (int)n;
    return NULL;
}

static const char *set_allow_signup(cmd_parms *cmd, void *dv, int flag)
{
    ((tsr_dir_conf_t *)dv)->allow_signup = flag;
    return NULL;
}

const command_rec tsr_cmds[] = {
    AP_INIT_TAKE1("TsciRegistry", set_api, NULL, ACCESS_CONF,
                  "npm (or On) to serve the npm registry in this "
                  "<Location>, Off to serve nothing"),
    AP_INIT_TAKE1("TsciRegistryDataDir", set_datadir, NULL, RSRC_CONF,
                  "Absolute path of the directory the registry stores "
                  "everything in"),
    AP_INIT_TAKE1("TsciRegistryStore", set_store, NULL, RSRC_CONF,
                  "Which store keeps the registry's data (default bdb: "
                  "Berkeley DB in the data directory)"),
    AP_INIT_TAKE1("TsciRegistryBaseURL", set_base_url, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "Public URL of the registry, for tarball links"),
    AP_INIT_ITERATE("TsciRegistryTrustedProxy", add_trusted_proxy, NULL,
                    RSRC_CONF | ACCESS_CONF,
                    "Addresses of proxies in front whose X-Forwarded-Host, "
                    "-Proto and -Prefix make the registry's URL"),
    AP_INIT_TAKE1("TsciRegistryMaxBodySize", set_max_body, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "Largest publish body in bytes (default 100000000)"),
    AP_INIT_TAKE1("TsciRegistryMaxAuditBodySize", set_max_audit_body, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "Largest audit body in bytes, as sent and once inflated "
                  "(default 8000000)"),
    AP_INIT_TAKE1("TsciRegistrySigningKey", set_signing_key, NULL,
                  RSRC_CONF,
                  "PEM file of the ECDSA P-256 key that signs published "
                  "versions (default: signing-key.pem in the data "
                  "directory, made at the first start)"),
    AP_INIT_FLAG("TsciRegistryAllowSignup", set_allow_signup, NULL,
                 RSRC_CONF | ACCESS_CONF,
                 "On to let npm adduser create new users (default Off)"),
    AP_INIT_ITERATE2("TsciRegistryAdmin", add_admin, NULL,
                     RSRC_CONF | ACCESS_CONF,
                     "'user' and the names of the registry's "
                     "administrators"),
    AP_INIT_RAW_ARGS("TsciRegistryPackageRule", tsr_rules_add, NULL,
                     RSRC_CONF | ACCESS_CONF,
                     "A package pattern, read, publish or unpublish, and a "
                     "requirement as Require writes it (the first rule "
                     "that matches decides)"),
    AP_INIT_TAKE1("TsciRegistryRouteWorkers", set_route_number,
                  (void *)&route_workers, RSRC_CONF,
                  "Autorouting jobs routed at once by this server's "
                  "processes (default 1; 0: none here)"),
    AP_INIT_TAKE1("TsciRegistryRouteTimeBudget", set_route_number,
                  (void *)&route_budget, RSRC_CONF,
                  "Milliseconds an autorouting job may route; then it "
                  "finishes with the nets routed so far (default 20000)"),
    AP_INIT_TAKE1("TsciRegistryRouteRetention", set_route_number,
                  (void *)&route_retention, RSRC_CONF,
                  "Seconds a finished autorouting job and its output are "
                  "kept (default 86400)"),
    AP_INIT_TAKE1("TsciRegistryRouteMaxInput", set_route_number,
                  (void *)&route_max_input, RSRC_CONF,
                  "Largest body of an autorouting request, in bytes "
                  "(default 16000000)"),
    AP_INIT_TAKE1("TsciRegistryRouteMaxQueued", set_route_number,
                  (void *)&route_max_queued, RSRC_CONF,
                  "Autorouting jobs queued or running at once before new "
                  "ones are refused with 503 (default 200)"),
    AP_INIT_TAKE1("TsciRegistryRouteMaxKept", set_route_number,
                  (void *)&route_max_kept, RSRC_CONF,
                  "Finished autorouting jobs kept at most; the oldest go "
                  "first (default 10000)"),
    AP_INIT_TAKE1("TsciRegistryRouteMaxElements", set_route_number,
                  (void *)&route_max_elements, RSRC_CONF,
                  "Most Circuit JSON elements of a board to route "
                  "(default 200000)"),
    AP_INIT_TAKE1("TsciRegistryRouteMaxBoard", set_route_number,
                  (void *)&route_max_board, RSRC_CONF,
                  "Longest side of a board to route, in mm (default 600)"),
    AP_INIT_TAKE1("TsciRegistryViewCache", set_cache_bytes,
                  (void *)APR_OFFSETOF(tsr_server_conf_t, view_cache_bytes),
                  RSRC_CONF,
                  "Bytes of hot package records each Apache process keeps "
                  "in memory (default 16777216; 67108864 on the SQL "
                  "store)"),
    AP_INIT_TAKE1("TsciRegistrySearchCache", set_cache_bytes,
                  (void *)APR_OFFSETOF(tsr_server_conf_t, search_cache_bytes),
                  RSRC_CONF,
                  "Bytes of search answers each Apache process keeps for "
                  "each store until the next package write (default "
                  "2097152; 0: none)"),
    AP_INIT_TAKE1("TsciRegistryViewLag", set_view_lag, NULL, RSRC_CONF,
                  "Milliseconds a node of the SQL store may serve a kept "
                  "package record another node changed (default 100; "
                  "0: check each read)"),
    AP_INIT_TAKE2("TsciRegistryLoginLimit", set_login_limit, NULL, RSRC_CONF,
                  "Failed sign-ins allowed per user and per client address "
                  "in 15 minutes (default 10 and 100; 0: no limit)"),
    AP_INIT_ITERATE("TsciRegistryAuthnProvider", add_authn_provider, NULL,
                    RSRC_CONF | ACCESS_CONF,
                    "Apache authn providers that check login passwords, in "
                    "order (default: tsci-registry, the registry's own "
                    "users)"),
    AP_INIT_TAKE1("TsciRegistryWebLoginTimeout", set_weblogin_ttl, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "Seconds a web login (npm login) waits for its sign-in "
                  "(default 600)"),
    { NULL }
};
