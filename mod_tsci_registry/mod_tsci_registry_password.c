/* mod_tsci_registry_password.c: every password the registry checks goes
 * through Apache's authn providers, so a registry joins the sign-in a
 * site already has (htpasswd or DBM files, SQL, LDAP).  The registry's own
 * users are one of those providers, "tsci-registry", which AuthBasicProvider
 * can name as well; the providers TsciRegistryAuthnProvider lists (by
 * default the registry's own users alone) are asked in order, the way
 * mod_auth_basic asks the ones AuthBasicProvider lists. */
#include <string.h>
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_request.h"
#include "mod_auth.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "mod_tsci_registry.h"
#include "tsr_auth.h"
#include "tsr_ratelimit.h"

APLOG_USE_MODULE(tsci_registry);

/* Failed sign-ins of all of Apache's processes, in shared memory made
 * once per Apache (it outlives restarts, like the counts it keeps). */
#define LIMIT_SHM_KEY "tsci-registry-login-limits"
#define LIMIT_SLOTS 16384
static tsr_ratelimit_t *limits;

static int limit_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *main)
{
    apr_pool_t *pproc = main->process->pool;
    apr_size_t size = tsr_ratelimit_size(LIMIT_SLOTS);
    apr_shm_t *shm;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    limits = NULL;
    apr_pool_userdata_get((void **)&limits, LIMIT_SHM_KEY, pproc);
    if (limits != NULL) {
        return OK;
    }
    if (apr_shm_create(&shm, size, NULL, pproc) != APR_SUCCESS
        || tsr_ratelimit_init(&limits, apr_shm_baseaddr_get(shm),
                              LIMIT_SLOTS) != APR_SUCCESS) {
        limits = NULL;
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main, "TSR00037: no "
                     "shared memory to count failed sign-ins in: they are "
                     "not limited");
        return OK;
    }
    apr_pool_userdata_set(limits, LIMIT_SHM_KEY, apr_pool_cleanup_null,
                          pproc);
    return OK;
}

static const tsr_server_conf_t *server_conf(request_rec *r)
{
    return ap_get_module_config(r->server->module_config,
                                &tsci_registry_module);
}

static apr_uint32_t now_s(void)
{
    return (apr_uint32_t)apr_time_sec(apr_time_now());
}

/* The two counts a sign-in is held to: the user's and the address's. */
static const char *user_key(request_rec *r, const char *user)
{
    return apr_pstrcat(r->pool, "u:", user, NULL);
}

static const char *addr_key(request_rec *r)
{
    return apr_pstrcat(r->pool, "a:", r->useragent_ip, NULL);
}

/* Add delta to key's failed sign-ins (1: one more; 0: none; -1: forget
 * them) and return how many it has in its window now, with the seconds
 * until that window ends in *pwait.  A store that several nodes share
 * counts them itself, so that every node refuses alike; otherwise they
 * live in this machine's shared memory.  A store that cannot count now
 * throttles nobody (the password is still checked). */
static apr_uint32_t tally(request_rec *r, const char *key, int delta,
                          apr_uint32_t now, apr_uint32_t *pwait)
{
    tsr_store_t *store = tsr_request_store(r);
    apr_uint32_t n = 0;
    apr_status_t rv = APR_ENOTIMPL;

    *pwait = 0;
    if (store != NULL) {
        rv = tsr_store_login_failures(store, r->pool, key, delta, now,
                                      TSR_LOGIN_WINDOW, &n, pwait);
        if (rv == APR_SUCCESS) {
            return n;
        }
        if (rv != APR_ENOTIMPL) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, "TSR00038: cannot "
                          "count failed sign-ins in the store");
            return 0;
        }
    }
    if (limits == NULL) {
        return 0;
    }
    if (delta > 0) {
        tsr_ratelimit_fail(limits, key, strlen(key), now, TSR_LOGIN_WINDOW);
    }
    else if (delta < 0) {
        tsr_ratelimit_clear(limits, key, strlen(key));
        return 0;
    }
    n = tsr_ratelimit_failures(limits, key, strlen(key), now,
                               TSR_LOGIN_WINDOW);
    *pwait = tsr_ratelimit_wait(limits, key, strlen(key), now,
                                TSR_LOGIN_WINDOW);
    return n;
}

/* Has user, or this client address, failed too often of late?  Then the
 * password is not checked at all. */
static int throttled(request_rec *r, const char *user)
{
    const tsr_server_conf_t *sc = server_conf(r);
    apr_uint32_t now = now_s(), uwait = 0, await = 0, wait;
    tsr_request_t *n;
    int per_user, per_addr;

    tsr_conf_login_limits(sc, &per_user, &per_addr);
    if (per_user > 0
        && tally(r, user_key(r, user), 0, now, &wait)
               >= (apr_uint32_t)per_user) {
        uwait = wait;
    }
    if (per_addr > 0
        && tally(r, addr_key(r), 0, now, &wait) >= (apr_uint32_t)per_addr) {
        await = wait;
    }
    if (uwait == 0 && await == 0) {
        return 0;
    }
    n = tsr_request_of(r);
    n->retry_after = uwait > await ? uwait : await;
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "TSR00036: sign-in of %s "
                  "not tried: too many failures of late for %s", user,
                  uwait ? "this user" : "this address");
    return 1;
}

/* Count what a password check said. */
static void count(request_rec *r, const char *user, tsr_auth_verdict_e v)
{
    apr_uint32_t now = now_s(), wait;

    if (v == TSR_AUTH_GRANTED) {
        tally(r, user_key(r, user), -1, now, &wait);
        return;
    }
    /* A name nobody has is a failure, unless it is about to sign up. */
    if (v == TSR_AUTH_DENIED
        || (v == TSR_AUTH_NO_USER && !tsr_password_signup_allowed(r))) {
        tally(r, user_key(r, user), 1, now, &wait);
        tally(r, addr_key(r), 1, now, &wait);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, "TSR00031: failed "
                      "sign-in for %s", user);
    }
}

void tsr_password_throttled_error(request_rec *r, tsr_error_t *err)
{
    apr_uint32_t wait = tsr_request_of(r)->retry_after;
    apr_uint32_t minutes = (wait + 59) / 60;

    apr_table_setn(r->err_headers_out, "Retry-After",
                   apr_psprintf(r->pool, "%u", wait ? wait : 1));
    err->http_status = HTTP_TOO_MANY_REQUESTS;
    err->code = "too_many_failures";
    err->message = apr_psprintf(r->pool, "too many failed sign-ins for this "
                                "user or from this address: try again in "
                                "%u minute%s", minutes ? minutes : 1,
                                minutes > 1 ? "s" : "");
    err->cause = APR_SUCCESS;
}

static tsr_auth_verdict_e own_users_verdict(request_rec *r, const char *user,
                                            const char *password)
{
    tsr_store_t *store = tsr_request_store(r);

    if (store == NULL) {
        return TSR_AUTH_FAILED;
    }
    return tsr_auth_user_check(r->pool, store, user, password);
}

static authn_status own_users_check(request_rec *r, const char *user,
                                    const char *password)
{
    tsr_request_t *n = tsr_request_of(r);
    tsr_auth_verdict_e v;

    /* Asked by mod_auth_basic (AuthBasicProvider tsci-registry), not by
     * the registry's own chain: the same limits apply. */
    if (!n->in_password_chain) {
        /* Other providers may follow this one there: a name it does not
         * know is no failure yet, and a throttled one is left to them. */
        if (throttled(r, user)) {
            return AUTH_USER_NOT_FOUND;
        }
        v = own_users_verdict(r, user, password);
        if (v != TSR_AUTH_NO_USER) {
            count(r, user, v);
        }
    }
    else {
        v = own_users_verdict(r, user, password);
    }
    switch (v) {
    case TSR_AUTH_GRANTED:
        return AUTH_GRANTED;
    case TSR_AUTH_DENIED:
        return AUTH_DENIED;
    case TSR_AUTH_NO_USER:
        return AUTH_USER_NOT_FOUND;
    default:
        return AUTH_GENERAL_ERROR;
    }
}

static const authn_provider own_users = { own_users_check, NULL };

/* The chain of d: TsciRegistryAuthnProvider's, or the registry's own
 * users alone. */
static const tsr_authn_named_t *chain(const tsr_dir_conf_t *d, int *n)
{
    static const tsr_authn_named_t own = { TSR_OWN_USERS_PROVIDER,
                                           &own_users };

    if (d->authn == NULL) {
        *n = 1;
        return &own;
    }
    *n = d->authn->nelts;
    return (const tsr_authn_named_t *)d->authn->elts;
}

static tsr_auth_verdict_e ask_chain(request_rec *r, const char *user,
                                    const char *password)
{
    const tsr_dir_conf_t *d = ap_get_module_config(r->per_dir_config,
                                                   &tsci_registry_module);
    const tsr_authn_named_t *c;
    authn_status st;
    int i, n;

    c = chain(d, &n);
    for (i = 0; i < n; i++) {
        /* Providers that cache answers (mod_authn_socache) read whose
         * answer it is from this note, as they do under mod_auth_basic. */
        apr_table_setn(r->notes, AUTHN_PROVIDER_NAME_NOTE, c[i].name);
        st = c[i].provider->check_password(r, user, password);
        apr_table_unset(r->notes, AUTHN_PROVIDER_NAME_NOTE);
        switch (st) {
        case AUTH_GRANTED:
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "TSR00032: "
                          "provider %s accepted the password of %s",
                          c[i].name, user);
            return TSR_AUTH_GRANTED;
        case AUTH_DENIED:
            return TSR_AUTH_DENIED;
        case AUTH_USER_NOT_FOUND:
            continue;
        default:
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "TSR00033: authn "
                          "provider %s could not check the password of %s "
                          "(status %d)", c[i].name, user, (int)st);
            return TSR_AUTH_FAILED;
        }
    }
    return TSR_AUTH_NO_USER;
}

tsr_auth_verdict_e tsr_password_check(request_rec *r, const char *user,
                                      const char *password)
{
    tsr_auth_verdict_e v;
    tsr_request_t *n = tsr_request_of(r);

    if (throttled(r, user)) {
        return TSR_AUTH_THROTTLED;
    }
    n->in_password_chain = 1;
    v = ask_chain(r, user, password);
    n->in_password_chain = 0;
    count(r, user, v);
    return v;
}

int tsr_password_signup_allowed(request_rec *r)
{
    const tsr_dir_conf_t *d = ap_get_module_config(r->per_dir_config,
                                                   &tsci_registry_module);
    const tsr_authn_named_t *c;
    int i, n;

    if (!tsr_conf_allow_signup(d)) {
        return 0;
    }
    /* A user signed up lives among the registry's own users: without
     * them in the chain, the new password could never be checked. */
    c = chain(d, &n);
    for (i = 0; i < n; i++) {
        if (c[i].provider == &own_users) {
            return 1;
        }
    }
    return 0;
}

void tsr_password_register_hooks(apr_pool_t *p)
{
    ap_hook_post_config(limit_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP,
                              TSR_OWN_USERS_PROVIDER,
                              AUTHN_PROVIDER_VERSION, &own_users,
                              AP_AUTH_INTERNAL_PER_CONF);
}
