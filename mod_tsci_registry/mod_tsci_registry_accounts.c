/* mod_tsci_registry_accounts.c: tscircuit's /accounts/get.  The
 * registry's users are the accounts (tsr_account): the caller's own, or
 * one named by account_id or tscircuit_handle.  Nobody has a GitHub name
 * here, so github_username finds no one. */
#include <string.h>
#include "apr_strings.h"
#include "apr_lib.h"
#include "httpd.h"
#include "http_protocol.h"
#include "mod_tsci_registry.h"
#include "tsr_account.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_rpc.h"

/* The parameters are a few names. */
#define BODY_MAX 4096

/* Does the registry know user: a record of its own, a token (any user of
 * Apache's providers who ever logged in has had one) or a package they
 * created.  Users of a provider who never logged in are unknown: the
 * registry cannot ask a provider whether a name exists without a
 * password. */
static apr_status_t known(tsr_req_t *q, const char *user, int *pknown)
{
    apr_pool_t *p = q->r->pool;
    apr_array_header_t *list;
    const char *rec;
    apr_size_t len;
    apr_status_t rv;

    *pknown = 1;
    rv = tsr_store_user_get(q->store, p, user, &rec, &len);
    if (rv != TSR_ENOTFOUND) {
        return rv;
    }
    if ((rv = tsr_store_token_list(q->store, p, user, &list))
        != APR_SUCCESS) {
        return rv;
    }
    if (list->nelts > 0) {
        return APR_SUCCESS;
    }
    if ((rv = tsr_store_user_packages(q->store, p, user, 1, &list))
        != APR_SUCCESS) {
        return rv;
    }
    *pknown = list->nelts > 0;
    return APR_SUCCESS;
}

static int not_found(tsr_req_t *q)
{
    tsr_error_t *err = NULL;

    tsr_error_set(&err, q->r->pool, HTTP_NOT_FOUND, "account_not_found",
                  "no such account");
    return tsr_rpc_refuse(q, err);
}

static int store_failed(tsr_req_t *q)
{
    return tsr_io_refuse(q->r, HTTP_SERVICE_UNAVAILABLE, "the registry "
                         "store is unavailable, try again");
}

/* GET|POST /accounts/get: {account_id?, tscircuit_handle?,
 * github_username?}; none names the caller. */
int tsr_tsci_accounts_get(tsr_req_t *q)
{
    apr_pool_t *p = q->r->pool;
    tsr_error_t *err = NULL;
    json_object *params, *urec = NULL;
    const char *id, *handle, *github, *user, *rec;
    const char *created = NULL, *email = NULL;
    apr_size_t len;
    apr_status_t rv;
    int rc, self, is_known;

    if ((rc = tsr_rpc_params(q, BODY_MAX, &params)) != OK) {
        return rc;
    }
    if (tsr_rpc_str(params, "account_id", &id, p, &err) != APR_SUCCESS
        || tsr_rpc_str(params, "tscircuit_handle", &handle, p, &err)
               != APR_SUCCESS
        || tsr_rpc_str(params, "github_username", &github, p, &err)
               != APR_SUCCESS) {
        return tsr_rpc_refuse(q, err);
    }
    if (id) {
        user = tsr_account_user(p, id);
    }
    else if (handle) {
        /* Handles compare without case; user names are lower case. */
        char *lower = apr_pstrdup(p, handle), *c;

        for (c = lower; *c; c++) {
            *c = (char)apr_tolower(*c);
        }
        user = tsr_name_check_user(p, lower, NULL) == APR_SUCCESS ? lower
                                                                  : NULL;
    }
    else if (github) {
        user = NULL;
    }
    else {
        user = q->who->user;
    }
    if (user == NULL) {
        return not_found(q);
    }
    self = strcmp(user, q->who->user) == 0;
    if (!self) {
        if (known(q, user, &is_known) != APR_SUCCESS) {
            return store_failed(q);
        }
        if (!is_known) {
            return not_found(q);
        }
    }
    rv = tsr_store_user_get(q->store, p, user, &rec, &len);
    if (rv == APR_SUCCESS
        && tsr_json_parse(&urec, p, rec, len, 8, NULL) == APR_SUCCESS) {
        created = tsr_json_str(urec, "created");
        email = tsr_json_str(urec, "email");
    }
    else if (rv != APR_SUCCESS && rv != TSR_ENOTFOUND) {
        return store_failed(q);
    }
    apr_table_setn(q->r->headers_out, "Cache-Control", "private, no-cache");
    return tsr_rpc_ok(q, HTTP_OK, "account", json_object_get(
                          tsr_account_json(p, user, created, self, email)));
}
