/* mod_tsci_registry.h: what the glue files share: configuration records,
 * the module record and the functions one glue file offers the others. */
#ifndef MOD_TSCI_REGISTRY_H
#define MOD_TSCI_REGISTRY_H

#include "httpd.h"
#include "http_config.h"
#include "mod_auth.h"
#include <json-c/json.h>
#include "tsr_auth.h"
#include "tsr_store.h"
#include "tsr_error.h"
#include "tsr_route.h"
#include "tsr_org.h"

extern module AP_MODULE_DECLARE_DATA tsci_registry_module;

/* The realm of the registry's challenges (Bearer and Basic). */
#define TSR_REALM "tsci-registry"
/* The name of the registry's own users as one of Apache's authn
 * providers (AuthBasicProvider tsci-registry, TsciRegistryAuthnProvider). */
#define TSR_OWN_USERS_PROVIDER "tsci-registry"
/* The handler name requests of the registry are given. */
#define TSR_HANDLER "tsci-registry"
/* Note set on requests for a tarball file the core handler serves, and
 * the package it belongs to. */
#define TSR_NOTE_TARBALL "tsci-registry-tarball"
#define TSR_NOTE_PACKAGE "tsci-registry-package"

#define TSR_DEFAULT_MAX_BODY ((apr_off_t)100 * 1000 * 1000)
/* An audit body lists a project's dependencies: 8 MB is pnpm's tree of
 * some 30000 packages, and anyone may send one. */
#define TSR_DEFAULT_MAX_AUDIT_BODY ((apr_off_t)8 * 1000 * 1000)
/* The signing key's file in the data directory, unless
 * TsciRegistrySigningKey names another. */
#define TSR_SIGNING_KEY_FILE "signing-key.pem"

typedef struct tsr_server_conf_t {
    const char *datadir;        /* absolute; NULL when unset */
    const tsr_store_provider_t *provider;   /* TsciRegistryStore; NULL unset */
    int enabled_somewhere;      /* some Location says TsciRegistry On */
    tsr_store_t *store;         /* this process's handle (child_init) */
    struct tsr_tokencache_t *tokens;    /* this process's token cache */
    int login_limit_user;       /* TsciRegistryLoginLimit; -1 unset */
    int login_limit_addr;
    apr_int64_t view_cache_bytes;   /* TsciRegistryViewCache; -1 unset */
    apr_int64_t view_lag_ms;        /* TsciRegistryViewLag; -1 unset */
    apr_int64_t search_cache_bytes; /* TsciRegistrySearchCache; -1 unset */
    const char *signing_key_path;   /* TsciRegistrySigningKey; NULL unset */
    /* The key itself, loaded (or made) by the parent in post_config. */
    const struct tsr_sign_key_t *signing_key;
    /* Tokens revoked by the tsci-registry tool, counted in a file of the
     * data directory this process maps (child_init); NULL: none. */
    const volatile apr_uint32_t *revocations;
    /* Some Location of this server says TsciRegistry jobs. */
    int jobs_somewhere;
    /* The autorouting jobs (TsciRegistryRoute*); -1 unset. */
    apr_int64_t route_workers;      /* jobs routed at once, server-wide */
    apr_int64_t route_budget_ms;    /* routing time of a job */
    apr_int64_t route_retention_s;  /* finished jobs are kept this long */
    apr_int64_t route_max_input;    /* bytes of a create's body */
    apr_int64_t route_max_queued;   /* jobs queued or running at once */
    apr_int64_t route_max_kept;     /* finished jobs kept at most */
    apr_int64_t route_max_elements; /* Circuit JSON elements of a board */
    apr_int64_t route_max_board_mm; /* longest board side */
} tsr_server_conf_t;

/* Defaults of the TsciRegistryRoute* directives.  tscircuit's client
 * waits 45 s at most for a job; a budget of 20 s leaves it the answer
 * with every net routed by then. */
#define TSR_DEFAULT_ROUTE_WORKERS 1
#define TSR_DEFAULT_ROUTE_BUDGET_MS 20000
#define TSR_DEFAULT_ROUTE_RETENTION_S 86400
#define TSR_DEFAULT_ROUTE_MAX_INPUT ((apr_int64_t)16 * 1000 * 1000)
#define TSR_DEFAULT_ROUTE_MAX_QUEUED 200
/* Finished jobs kept at most, whatever their age: anyone may make jobs,
 * and each keeps its output until it goes. */
#define TSR_DEFAULT_ROUTE_MAX_KEPT 10000
/* A server setting of sc, or its default when unset. */
#define TSR_ROUTE_CONF(sc, field, dflt) ((sc)->field >= 0 ? (sc)->field \
                                                           : (dflt))

/* Bytes of hot package records each process keeps unless
 * TsciRegistryViewCache says.  On Berkeley DB, enough for a couple of
 * thousand ordinary packuments and the largest ones (a record of up to a
 * quarter of it is kept): reading a 1.9 MB packument from memory took
 * half the CPU of copying it out of the store, and left less memory
 * behind (bench/viewcache_ab, docs/performance.md).  On the SQL store,
 * where a read without it is a round trip to the database, enough for
 * the hot documents, the largest a few megabytes. */
#define TSR_DEFAULT_VIEW_CACHE ((apr_size_t)16 * 1024 * 1024)
#define TSR_DEFAULT_VIEW_CACHE_DBD ((apr_size_t)64 * 1024 * 1024)
/* How long a node may serve a package view another node has changed
 * (TsciRegistryViewLag, milliseconds): far under the max-age public
 * packuments are sent with, and a poll of the changes feed that often
 * costs the database nothing. */
#define TSR_DEFAULT_VIEW_LAG_MS 100

/* Bytes of search answers each process keeps for each store unless
 * TsciRegistrySearchCache says: a broad search costs milliseconds, its
 * answer of 20 hits some 15 KB, so a hundred or so of the latest. */
#define TSR_DEFAULT_SEARCH_CACHE ((apr_size_t)2 * 1024 * 1024)

/* Failed sign-ins are counted over this many seconds. */
#define TSR_LOGIN_WINDOW 900
#define TSR_DEFAULT_LOGIN_LIMIT_USER 10
#define TSR_DEFAULT_LOGIN_LIMIT_ADDR 100
/* A web login waits this long for someone to sign in (seconds). */
#define TSR_DEFAULT_WEBLOGIN_TTL 600

typedef struct tsr_dir_conf_t {
    int api;                    /* tsr_api_e; -1 unset, TSR_API_NONE off */
    const char *prefix;         /* Location where TsciRegistry was set */
    const char *base_url;       /* NULL unset; ends in '/' */
    apr_off_t max_body;         /* -1 unset */
    apr_off_t max_audit_body;   /* -1 unset */
    int allow_signup;           /* -1 unset */
    apr_array_header_t *authn;  /* of tsr_authn_named_t; NULL unset */
    apr_array_header_t *admins; /* TsciRegistryAdmin user: names */
    apr_array_header_t *rules;  /* TsciRegistryPackageRule, in order */
    /* TsciRegistryTrustedProxy: apr_ipsubnet_t * of the proxies whose
     * X-Forwarded-Host, -Proto and -Prefix are believed; NULL unset. */
    apr_array_header_t *trusted_proxies;
    int weblogin_ttl;           /* TsciRegistryWebLoginTimeout (s); -1 unset */
} tsr_dir_conf_t;

/* One of Apache's authn providers, as TsciRegistryAuthnProvider names it. */
typedef struct tsr_authn_named_t {
    const char *name;
    const authn_provider *provider;
} tsr_authn_named_t;

/* mod_tsci_registry_config.c */
extern const command_rec tsr_cmds[];
void *tsr_create_server_conf(apr_pool_t *p, server_rec *s);
void *tsr_merge_server_conf(apr_pool_t *p, void *base, void *add);
void *tsr_create_dir_conf(apr_pool_t *p, char *dir);
void *tsr_merge_dir_conf(apr_pool_t *p, void *base, void *add);
/* The effective values, defaults applied. */
int tsr_conf_enabled(const tsr_dir_conf_t *d);
tsr_api_e tsr_conf_api(const tsr_dir_conf_t *d);
apr_off_t tsr_conf_max_body(const tsr_dir_conf_t *d);
apr_off_t tsr_conf_max_audit_body(const tsr_dir_conf_t *d);
/* The signing key's path: TsciRegistrySigningKey, else the file in the
 * data directory (in p); NULL without either. */
const char *tsr_conf_signing_key_path(apr_pool_t *p,
                                      const tsr_server_conf_t *sc);
int tsr_conf_allow_signup(const tsr_dir_conf_t *d);
/* Is user a registry administrator here (TsciRegistryAdmin user)? */
int tsr_conf_is_admin(const tsr_dir_conf_t *d, const char *user);
void tsr_conf_login_limits(const tsr_server_conf_t *sc, int *per_user,
                           int *per_addr);
/* How long a web login waits for its sign-in, in seconds. */
int tsr_conf_weblogin_ttl(const tsr_dir_conf_t *d);

/* mod_tsci_registry_startup.c: configuration checks before any store
 * is touched.  Why dir cannot be a data directory, or NULL. */
const char *tsr_startup_datadir_problem(apr_pool_t *p, const char *dir);
/* Warn (to the terminal) of registry Locations of s nested by URL, each
 * pair once (seen: the pairs told). */
void tsr_startup_warn_nested(apr_pool_t *p, server_rec *s, module *self,
                             apr_hash_t *seen);

/* mod_tsci_registry_baseurl.c: the registry's own URL for r (ends in
 * '/'): TsciRegistryBaseURL, a trusted proxy's X-Forwarded-*, the Host
 * when it names this server, else the canonical name. */
const char *tsr_base_url(request_rec *r, const tsr_dir_conf_t *d);

/* mod_tsci_registry_map.c: URL to registry path and tarball file. */
void tsr_map_register_hooks(apr_pool_t *p);
/* The request's path below the registry prefix, without a leading '/'
 * (in r->pool); NULL when r is outside the prefix. */
const char *tsr_map_relative_path(request_rec *r, const tsr_dir_conf_t *d);

/* mod_tsci_registry_store.c: the store's life in parent and children. */
void tsr_store_register_hooks(apr_pool_t *p);
/* This process's store for r's server, or NULL (logged) if unusable. */
tsr_store_t *tsr_request_store(request_rec *r);
/* The store proc (server s's) for work outside any request (upkeep,
 * route workers): proc itself, or for a store that needs a connection
 * (dbd) a session on one of mod_dbd's, given back when p is cleared;
 * NULL when none can be had now. */
tsr_store_t *tsr_background_store(server_rec *s, tsr_store_t *proc,
                                  apr_pool_t *p);
/* The token revocation generation, shared by all of Apache's processes:
 * read it before looking a token up, bump it after revoking one. */
apr_uint32_t tsr_token_generation(void);
void tsr_token_generation_bump(void);
/* The generation a token cache of s's data directory goes by: Apache's
 * own, moved on as well by revocations of the tsci-registry tool. */
apr_uint32_t tsr_token_generation_for(server_rec *s);

/* mod_tsci_registry_watch.c: the parent watches children for the store. */
void tsr_watch_register_hooks(apr_pool_t *p);
/* What the watcher asks of the stores, in the parent: has a process
 * flagged one as needing recovery; and, with no child left, recover them
 * all (giving their files to the children's user again). */
typedef struct tsr_watch_stores_t {
    int (*recovery_flagged)(apr_pool_t *p, server_rec *main);
    apr_status_t (*recover_all)(apr_pool_t *p, server_rec *main);
    /* 1 when every store's file system has room for a recovery. */
    int (*room_to_recover)(apr_pool_t *p, server_rec *main);
} tsr_watch_stores_t;
/* In post_config: the stores to recover (the functions must stay). */
void tsr_watch_set_stores(const tsr_watch_stores_t *stores);
/* In child_init, before the stores open: this child's count of store
 * operations under way (for tsr_store_t.busy), or NULL when unwatched. */
apr_uint32_t *tsr_watch_claim(apr_pool_t *pchild);
/* In child_init, before the stores open: wait while a process that died
 * inside a store awaits the parent's recovery (it stops this child). */
void tsr_watch_wait_sound(server_rec *s);
/* In child_init, once the stores are open: closing them counts too. */
void tsr_watch_stores_open(apr_pool_t *pchild);

/* mod_tsci_registry_io.c: bodies, responses and errors. */
/* Read the request body as JSON: content type, size limit, parse.  On
 * refusal returns TSR_EREFUSED with *perr set. */
apr_status_t tsr_io_read_json(request_rec *r, apr_off_t limit,
                              json_object **pbody, tsr_error_t **perr);
/* Read the request body as JSON in pieces (tsr_body) with flags (0 or
 * TSR_BODY_ATTACHMENT; or TSR_BODY_GZIP, which here means "may be gzip'd":
 * the body is inflated when Content-Encoding says gzip or x-gzip, read as
 * it is when it says nothing or identity, and refused (415) for any other
 * encoding; and TSR_BODY_DEEP): content type, size limit (413 before
 * reading when the announced length is over it, and as soon as the count
 * passes it), parse.  *pbody (may be NULL) gets the reader, whose decoded attachment
 * lives until r->pool is cleared.  Refusals as tsr_io_read_json. */
struct tsr_body_t;
apr_status_t tsr_io_read_body(request_rec *r, apr_off_t limit, int flags,
                              json_object **pdoc, struct tsr_body_t **pbody,
                              tsr_error_t **perr);
/* Send obj with status as application/json. */
int tsr_io_send_json(request_rec *r, int status, json_object *obj);
/* Pass bb, a whole response body of len bytes, and its end; small bodies
 * are pushed to the client at once.  OK or AP_FILTER_ERROR. */
int tsr_io_pass_body(request_rec *r, apr_bucket_brigade *bb,
                     apr_size_t len);
/* Pass n pieces (len bytes in all) as the body, each as it is (their
 * memory must outlive the request): ready documents go out without a
 * copy. */
struct iovec;
int tsr_io_pass_iovec(request_rec *r, const struct iovec *iov, int n,
                      apr_size_t len);
/* Send a ready text with content type (len bytes, lives in r->pool). */
int tsr_io_send_text(request_rec *r, int status, const char *ctype,
                     const char *text, apr_size_t len);
/* Send err as {"error":..., "reason":...}; 5xx are logged once here. */
int tsr_io_send_error(request_rec *r, const tsr_error_t *err);
/* err as the answer of a hook that runs before the handler (check_authn):
 * the same JSON body, as the error document Apache sends for the status
 * returned. */
int tsr_io_early_error(request_rec *r, const tsr_error_t *err);
/* Shorthand: build and send an error. */
int tsr_io_refuse(request_rec *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* mod_tsci_registry_password.c: passwords through Apache's authn
 * providers.  Registers the provider of the registry's own users. */
void tsr_password_register_hooks(apr_pool_t *p);
/* Check user's password with the providers of r's Location, in order. */
tsr_auth_verdict_e tsr_password_check(request_rec *r, const char *user,
                                      const char *password);
/* The 429 for a check that said TSR_AUTH_THROTTLED (with Retry-After). */
void tsr_password_throttled_error(request_rec *r, tsr_error_t *err);
/* May a login at r sign a new user up (TsciRegistryAllowSignup, and the
 * registry's own users among the providers)? */
int tsr_password_signup_allowed(request_rec *r);

/* mod_tsci_registry_authn.c: who a request is.  A Bearer token becomes
 * r->user (and "Bearer" its auth type) before Apache's Require is
 * evaluated; Basic credentials are left to Apache's authn providers. */
void tsr_authn_register_hooks(apr_pool_t *p);

typedef struct tsr_identity_t {
    const char *user;           /* authenticated user, or NULL */
    int readonly;               /* a read-only token: never writes */
    int bad_token;              /* a Bearer token nobody has */
    int wrong_address;          /* a token not good from this client */
    int store_failed;           /* the token could not be looked up */
} tsr_identity_t;

/* What the registry keeps about one request, shared by the glue files. */
typedef struct tsr_request_t {
    tsr_identity_t id;          /* mod_tsci_registry_authn.c's */
    int identified;             /* the token was looked at */
    int providers_asked;        /* check_authn let a provider decide */
    /* A login whose password check_authn checked (under a Require): its
     * credentials and what the check said, for the handler to finish. */
    const tsr_auth_creds_t *login;
    int in_password_chain;      /* tsr_password_check is asking */
    apr_uint32_t retry_after;   /* seconds, when sign-ins are throttled */
    /* A token the request's URL held, before it was masked for logs. */
    const char *url_token;
    tsr_auth_verdict_e login_verdict;
    tsr_store_t *store;         /* this request's store session */
    int store_tried;
} tsr_request_t;

/* mod_tsci_registry_request.c: r's record (made on first use, in
 * r->pool). */
tsr_request_t *tsr_request_of(request_rec *r);

/* Who r is, as far as the registry trusts it: a user from a token, or one
 * that one of Apache's authn providers authenticated.  Never NULL. */
const tsr_identity_t *tsr_authn_identity(request_rec *r);

/* Answer 401 with the challenge npm reads as "log in again" (a Bearer
 * one), saying whether who's token was bad or missing. */
int tsr_authn_challenge(request_rec *r, const tsr_identity_t *who);
/* The token of r's "Authorization: Bearer <token>", or NULL. */
const char *tsr_authn_bearer(request_rec *r);

/* The token a logout or revocation URL named (the URL itself now shows
 * only its first characters), or param when the URL held none. */
const char *tsr_authn_url_token(request_rec *r, const char *param);

/* Add the challenge that makes npm say "Incorrect or missing password"
 * to a refused login. */
void tsr_authn_login_failed(request_rec *r);

/* mod_tsci_registry_handler.c: routing and dispatch. */
void tsr_handler_register_hooks(apr_pool_t *p);

/* What an operation gets: the request, its Location's config, the store,
 * the matched route and who is asking. */
typedef struct tsr_req_t {
    request_rec *r;
    const tsr_dir_conf_t *d;
    tsr_store_t *store;
    tsr_route_t rt;
    const tsr_identity_t *who;
} tsr_req_t;

typedef int tsr_op_fn(tsr_req_t *q);

/* mod_tsci_registry_handler.c: who q's asker is to the core (a user, and
 * whether an administrator here). */
tsr_actor_t tsr_req_actor(const tsr_req_t *q);
/* Before a change of package name: its form, and the per-package rules
 * for action (TSR_RULE_*).  OK, or the refusal is sent and DONE says so. */
int tsr_req_may_change(tsr_req_t *q, const char *name, int action);

/* An API's operations, indexed by the op numbers of its route table. */
typedef struct tsr_api_ops_t {
    tsr_api_e api;
    int nops;
    tsr_op_fn *const *ops;
} tsr_api_ops_t;

/* mod_tsci_registry_npm.c: the npm registry's operations. */
extern const tsr_api_ops_t tsr_npm_ops;
/* mod_tsci_registry_tsci.c: tscircuit's registry API. */
extern const tsr_api_ops_t tsr_tsci_ops;
/* mod_tsci_registry_jobs.c: the autorouting jobs API. */
extern const tsr_api_ops_t tsr_jobs_ops;
/* mod_tsci_registry_jobs_worker.c: the threads that route the jobs, and
 * the router's options under sc's TsciRegistryRoute* settings. */
void tsr_jobs_register_hooks(apr_pool_t *p);
struct tsr_autoroute_opts_t;
void tsr_jobs_route_opts(const tsr_server_conf_t *sc,
                         struct tsr_autoroute_opts_t *opts);

/* mod_tsci_registry_rpc.c: the RPC-shaped APIs' parameters and answers.
 * The query and, for a POST with a body, the JSON body (at most limit
 * bytes; 0 for TsciRegistryMaxBodySize) merged: OK with *pparams, or the
 * refusal is sent and DONE (or an error status) returned. */
int tsr_rpc_params(tsr_req_t *q, apr_off_t limit, json_object **pparams);
/* Send err in the RPC shape; DONE (or an error status if the sending
 * failed), which an operation may return as it is. */
int tsr_rpc_refuse(tsr_req_t *q, tsr_error_t *err);
/* Send {"ok": true, key: value} (value's reference is taken; key NULL
 * for {"ok": true} alone) with status. */
int tsr_rpc_ok(tsr_req_t *q, int status, const char *key,
               json_object *value);
int tsr_rpc_health(tsr_req_t *q);

/* mod_tsci_registry_accounts.c: tscircuit's /accounts/get. */
int tsr_tsci_accounts_get(tsr_req_t *q);
/* mod_tsci_registry_sessions.c: tsci login, /sessions/... */
int tsr_tsci_login_page_create(tsr_req_t *q);
int tsr_tsci_login_page_get(tsr_req_t *q);
int tsr_tsci_login_page_exchange(tsr_req_t *q);
int tsr_tsci_login_page_session(tsr_req_t *q);
int tsr_tsci_sessions_delete(tsr_req_t *q);

/* mod_tsci_registry_access.c: who may read a package (restricted ones:
 * their maintainers and administrators), tarballs included. */
void tsr_access_register_hooks(apr_pool_t *p);
/* OK when r's user may read package name; HTTP_NOT_FOUND when not (the
 * package then is missing to them); HTTP_SERVICE_UNAVAILABLE. */
int tsr_access_check(request_rec *r, tsr_store_t *store, const char *name);
int tsr_npm_visibility(tsr_req_t *q);
int tsr_npm_access_set(tsr_req_t *q);
int tsr_npm_collaborators(tsr_req_t *q);
int tsr_npm_org_packages(tsr_req_t *q);
int tsr_npm_user_packages(tsr_req_t *q);
int tsr_npm_by_user(tsr_req_t *q);
/* The route's package as its asker may see it: OK with *pdoc, or the
 * refusal is sent and DONE says so. */
int tsr_access_readable_doc(tsr_req_t *q, json_object **pdoc);

/* The registry's base URL for r: TsciRegistryBaseURL, or the request's
 * own host and the Location's prefix (ends in '/'). */
const char *tsr_npm_base_url(tsr_req_t *q);

/* mod_tsci_registry_packument.c: GET /<name>, plain or gzip'd. */
int tsr_npm_packument(tsr_req_t *q);

/* mod_tsci_registry_unpublish.c: npm unpublish. */
int tsr_npm_unpublish_versions(tsr_req_t *q, json_object *body);
int tsr_npm_unpublish(tsr_req_t *q);
int tsr_npm_tarball_delete(tsr_req_t *q);

/* mod_tsci_registry_stars.c: npm star, unstar and stars. */
int tsr_npm_star(tsr_req_t *q, json_object *body);
int tsr_npm_stars(tsr_req_t *q);

/* mod_tsci_registry_profile.c: npm profile get. */
int tsr_npm_profile(tsr_req_t *q);

/* mod_tsci_registry_feeds.c: the changes feed and /-/all/since. */
int tsr_npm_changes(tsr_req_t *q);
int tsr_npm_all_since(tsr_req_t *q);

/* mod_tsci_registry_tags.c: npm dist-tag ls, add, rm. */
int tsr_npm_tags(tsr_req_t *q);
int tsr_npm_tag_set(tsr_req_t *q);
int tsr_npm_tag_remove(tsr_req_t *q);

/* mod_tsci_registry_audit.c: npm audit, pnpm audit, yarn npm audit and
 * bun audit, answered without an advisory database. */
int tsr_npm_audit_bulk(tsr_req_t *q);
int tsr_npm_audit_quick(tsr_req_t *q);

/* mod_tsci_registry_sign.c: the signing key's life in the parent, and
 * GET /-/npm/v1/keys. */
void tsr_sign_register_hooks(apr_pool_t *p);
/* The key that signs what is published through r's server, or NULL. */
const struct tsr_sign_key_t *tsr_signing_key(request_rec *r);
int tsr_npm_keys(tsr_req_t *q);

/* mod_tsci_registry_rules.c: per-package rules (TsciRegistryPackageRule):
 * a package pattern, actions, and a requirement any of Apache's authz
 * providers checks. */
#define TSR_RULE_READ 1
#define TSR_RULE_PUBLISH 2
#define TSR_RULE_UNPUBLISH 4
const char *tsr_rules_add(cmd_parms *cmd, void *dv, const char *args);
/* OK when no rule of d refuses action on package name for r's user;
 * else HTTP_UNAUTHORIZED (no user), HTTP_FORBIDDEN, or 500. */
int tsr_rules_check(request_rec *r, const tsr_dir_conf_t *d,
                    const char *name, int action);
/* Answer a refusal tsr_rules_check gave. */
int tsr_rules_refuse(request_rec *r, const char *name, int status);
/* Whether any rule of d is about action: when none is, tsr_rules_check
 * of that action says OK to everyone. */
int tsr_rules_any(const tsr_dir_conf_t *d, int action);

/* mod_tsci_registry_orgs.c: npm's org commands. */
int tsr_npm_org_list(tsr_req_t *q);
int tsr_npm_org_set(tsr_req_t *q);
int tsr_npm_org_remove(tsr_req_t *q);

/* mod_tsci_registry_weblogin.c: npm's web login (npm login and npm
 * adduser without --auth-type=legacy). */
void tsr_weblogin_register_hooks(apr_pool_t *p);
/* mod_tsci_registry_search.c: the allocator searches work with. */
void tsr_search_register_hooks(apr_pool_t *p);
int tsr_npm_weblogin_start(tsr_req_t *q);
int tsr_npm_weblogin_page(tsr_req_t *q);
int tsr_npm_weblogin_form(tsr_req_t *q);
int tsr_npm_weblogin_done(tsr_req_t *q);
/* check_authn's part for the sign-in form of rt (a TSR_RF_FORM route)
 * where a Require wants a user: OK with r->user set when the password is
 * right (the handler then finishes), or DONE with the page that says
 * why not sent. */
int tsr_weblogin_authn(request_rec *r, const tsr_route_t *rt);
/* mod_tsci_registry_search.c: npm search. */
int tsr_npm_search(tsr_req_t *q);

/* mod_tsci_registry_tokens.c: npm's token commands. */
int tsr_npm_token_list(tsr_req_t *q);
int tsr_npm_token_create(tsr_req_t *q);
int tsr_npm_token_revoke(tsr_req_t *q);

#endif
