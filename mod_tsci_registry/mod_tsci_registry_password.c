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
#include "http_log.h"
#include "http_request.h"
#include "mod_auth.h"
#include "mod_tsci_registry.h"
#include "tsr_auth.h"

APLOG_USE_MODULE(tsci_registry);

static authn_status own_users_check(request_rec *r, const char *user,
                                    const char *password)
{
    tsr_store_t *store = tsr_request_store(r);

    if (store == NULL) {
        return AUTH_GENERAL_ERROR;
    }
    switch (tsr_auth_user_check(r->pool, store, user, password)) {
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

tsr_auth_verdict_e tsr_password_check(request_rec *r, const char *user,
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
    ap_register_auth_provider(p, AUTHN_PROVIDER_GROUP,
                              TSR_OWN_USERS_PROVIDER,
                              AUTHN_PROVIDER_VERSION, &own_users,
                              AP_AUTH_INTERNAL_PER_CONF);
}
