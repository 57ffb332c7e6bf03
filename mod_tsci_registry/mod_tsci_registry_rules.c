/* mod_tsci_registry_rules.c: per-package rules, what Verdaccio's
 * "packages:" block gives, the Apache way.  Each TsciRegistryPackageRule
 * names a package pattern, an action (read, publish, unpublish) and a
 * requirement written as a Require line is: any of Apache's authz
 * providers (valid-user, user, group, ldap-group, dbd-group, expr, all
 * ...), asked through the same interface Require uses.  The first rule
 * whose action and pattern match a request decides it; with none, the
 * registry's own rules alone apply.  Rules only narrow: they never let
 * anyone publish where the scope and maintainer rules refuse. */
#include <string.h>
#include "apr_fnmatch.h"
#include "apr_strings.h"
#include "ap_provider.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "mod_auth.h"
#include "mod_tsci_registry.h"

APLOG_USE_MODULE(tsci_registry);

typedef struct rule_t {
    const char *pattern;        /* apr_fnmatch pattern, or "**" */
    int actions;                /* TSR_RULE_* bits */
    const char *provider_name;
    const authz_provider *provider;
    const char *line;           /* the requirement's arguments */
    const void *parsed;         /* what the provider parsed of them */
} rule_t;

static int action_bit(const char *word)
{
    if (strcmp(word, "read") == 0) {
        return TSR_RULE_READ;
    }
    if (strcmp(word, "publish") == 0) {
        return TSR_RULE_PUBLISH;
    }
    if (strcmp(word, "unpublish") == 0) {
        return TSR_RULE_UNPUBLISH;
    }
    return 0;
}

/* TsciRegistryPackageRule <pattern> <read|publish|unpublish>[,...]
 *                         <authz provider> [arguments] */
const char *tsr_rules_add(cmd_parms *cmd, void *dv, const char *args)
{
    tsr_dir_conf_t *d = dv;
    rule_t *rule;
    const char *acts, *act, *err;
    char *list, *last;

    rule = apr_pcalloc(cmd->pool, sizeof(*rule));
    rule->pattern = ap_getword_conf(cmd->pool, &args);
    acts = ap_getword_conf(cmd->pool, &args);
    rule->provider_name = ap_getword_conf(cmd->pool, &args);
    rule->line = args;
    if (*rule->pattern == '\0' || *rule->provider_name == '\0') {
        return "TsciRegistryPackageRule takes a package pattern, an action "
               "(read, publish, unpublish) and a requirement as Require "
               "writes it";
    }
    list = apr_pstrdup(cmd->pool, acts);
    for (act = apr_strtok(list, ",", &last); act;
         act = apr_strtok(NULL, ",", &last)) {
        int bit = action_bit(act);

        if (bit == 0) {
            return apr_psprintf(cmd->pool, "TsciRegistryPackageRule: the "
                                "action must be read, publish or unpublish, "
                                "not '%s'", act);
        }
        rule->actions |= bit;
    }
    rule->provider = ap_lookup_provider(AUTHZ_PROVIDER_GROUP,
                                        rule->provider_name,
                                        AUTHZ_PROVIDER_VERSION);
    if (rule->provider == NULL) {
        return apr_psprintf(cmd->pool, "TsciRegistryPackageRule: no authz "
                            "provider '%s' (is its module, such as "
                            "mod_authz_user or mod_authz_groupfile, "
                            "loaded?)", rule->provider_name);
    }
    if (rule->provider->parse_require_line
        && (err = rule->provider->parse_require_line(cmd, rule->line,
                                                     &rule->parsed))) {
        return apr_psprintf(cmd->pool, "TsciRegistryPackageRule: %s", err);
    }
    if (d->rules == NULL) {
        d->rules = apr_array_make(cmd->pool, 4, sizeof(rule_t *));
    }
    APR_ARRAY_PUSH(d->rules, rule_t *) = rule;
    return NULL;
}

static int matches(const rule_t *rule, const char *name)
{
    return strcmp(rule->pattern, "**") == 0
           || apr_fnmatch(rule->pattern, name, APR_FNM_PATHNAME)
                  == APR_SUCCESS;
}

int tsr_rules_any(const tsr_dir_conf_t *d, int action)
{
    int i;

    for (i = 0; d->rules && i < d->rules->nelts; i++) {
        if (APR_ARRAY_IDX(d->rules, i, const rule_t *)->actions & action) {
            return 1;
        }
    }
    return 0;
}

int tsr_rules_check(request_rec *r, const tsr_dir_conf_t *d,
                    const char *name, int action)
{
    const tsr_identity_t *who;
    const rule_t *rule = NULL;
    authz_status st;
    char *saved;
    int i;

    if (d->rules == NULL) {
        return OK;
    }
    for (i = 0; i < d->rules->nelts; i++) {
        const rule_t *c = APR_ARRAY_IDX(d->rules, i, const rule_t *);

        if ((c->actions & action) && matches(c, name)) {
            rule = c;
            break;
        }
    }
    if (rule == NULL) {
        return OK;
    }
    /* The provider reads r->user: the user the registry trusts, only. */
    who = tsr_authn_identity(r);
    saved = r->user;
    r->user = (char *)who->user;
    st = rule->provider->check_authorization(r, rule->line, rule->parsed);
    r->user = saved;
    switch (st) {
    case AUTHZ_GRANTED:
        return OK;
    case AUTHZ_DENIED_NO_USER:
        return HTTP_UNAUTHORIZED;
    case AUTHZ_GENERAL_ERROR:
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "TSR00053: the rule "
                      "for %s (%s %s) could not be checked", name,
                      rule->provider_name, rule->line);
        return HTTP_INTERNAL_SERVER_ERROR;
    default:
        return who->user ? HTTP_FORBIDDEN : HTTP_UNAUTHORIZED;
    }
}

int tsr_rules_refuse(request_rec *r, const char *name, int status)
{
    tsr_identity_t none = { 0 };

    if (status == HTTP_UNAUTHORIZED) {
        return tsr_authn_challenge(r, &none);
    }
    return tsr_io_refuse(r, status, status == HTTP_FORBIDDEN
                         ? "the registry's rules do not let you do that "
                           "with %s"
                         : "the rules for %s could not be checked", name);
}
