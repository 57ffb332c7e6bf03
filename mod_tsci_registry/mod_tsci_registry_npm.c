/* mod_tsci_registry_npm.c: the npm registry's operations, one function
 * per operation of tsr_route's npm table.  Each is a short call into the
 * core followed by one response; who is asking comes from r->user (set by
 * mod_tsci_registry_authn.c), never from credentials read here. */
#include <string.h>
#include "apr_strings.h"
#include "apr_hash.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_tsci_registry.h"
#include "tsr_org.h"
#include "tsr_auth.h"
#include "tsr_body.h"
#include "tsr_deprecate.h"
#include "tsr_star.h"
#include "tsr_owner.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_packument.h"
#include "tsr_publish.h"
#include "tsr_semver.h"
#include "tsr_view.h"

APLOG_USE_MODULE(tsci_registry);

#define ABBREV_TYPE "application/vnd.npm.install-v1+json"

static const char *param(tsr_req_t *q, const char *key)
{
    return tsr_route_param(&q->rt, key);
}

/* Where tarball links point: the configured public URL, else this
 * request's scheme, host, port and Location. */
const char *tsr_npm_base_url(tsr_req_t *q)
{
    return tsr_base_url(q->r, q->d);
}

/* The per-package rules for the route's package and action. */
static int check_rules(tsr_req_t *q, int action)
{
    const char *name = param(q, "name");
    int rc = tsr_rules_check(q->r, q->d, name, action);

    if (rc != OK) {
        tsr_rules_refuse(q->r, name, rc);
        return DONE;
    }
    return OK;
}

static int check_name(tsr_req_t *q)
{
    tsr_error_t *err = NULL;

    if (tsr_name_check(q->r->pool, param(q, "name"), &err) != APR_SUCCESS) {
        tsr_io_send_error(q->r, err);
        return DONE;
    }
    return OK;
}

static int not_found(tsr_req_t *q, const char *what)
{
    return tsr_io_refuse(q->r, 404, "%s not found", what);
}

static int store_failed(tsr_req_t *q, apr_status_t rv)
{
    /* A store that does not do this yet (the SQL store, so far): no use
     * trying again. */
    if (rv == APR_ENOTIMPL) {
        return tsr_io_refuse(q->r, 501, "this registry's store does not "
                             "support this yet");
    }
    return tsr_io_refuse(q->r, 503, "the registry store is unavailable, "
                         "try again");
}

/* A stored document that does not decode is no passing failure: retrying
 * would not help, so it is a 500, logged. */
static int unreadable(tsr_req_t *q)
{
    return tsr_io_refuse(q->r, 500, "the stored document of %s is "
                         "unreadable", param(q, "name"));
}

static int op_meta(tsr_req_t *q)
{
    tsr_store_stats_t st;
    json_object *o;
    apr_status_t rv;

    if ((rv = tsr_store_stats(q->store, q->r->pool, &st)) != APR_SUCCESS) {
        return store_failed(q, rv);
    }
    o = tsr_json_own(q->r->pool, json_object_new_object());
    tsr_json_set_str(o, "db_name", "registry");
    tsr_json_set_str(o, "engine", "mod_tsci_registry");
    json_object_object_add(o, "doc_count",
                           json_object_new_int64((int64_t)st.doc_count));
    json_object_object_add(o, "doc_del_count",
                           json_object_new_int64((int64_t)st.doc_del_count));
    json_object_object_add(o, "update_seq",
                           json_object_new_int64((int64_t)st.update_seq));
    json_object_object_add(o, "purge_seq", json_object_new_int64(0));
    json_object_object_add(o, "compact_running",
                           json_object_new_boolean(0));
    json_object_object_add(o, "disk_size",
                           json_object_new_int64((int64_t)st.disk_size));
    json_object_object_add(o, "data_size",
                           json_object_new_int64((int64_t)st.data_size));
    tsr_json_set_str(o, "instance_start_time",
                     apr_psprintf(q->r->pool, "%" APR_TIME_T_FMT,
                                  st.start_time));
    json_object_object_add(o, "disk_format_version",
                           json_object_new_int64(1));
    json_object_object_add(o, "committed_update_seq",
                           json_object_new_int64((int64_t)st.update_seq));
    return tsr_io_send_json(q->r, 200, o);
}

static int op_ping(tsr_req_t *q)
{
    return tsr_io_send_text(q->r, 200, "application/json", "{}", 2);
}

/* Send view v with base spliced in, as a 200 of type ctype. */
static int send_view(request_rec *r, const tsr_view_t *v, const char *base,
                     apr_size_t blen, const char *ctype)
{
    struct iovec *iov;
    apr_size_t len = tsr_view_length(v, blen);
    int n;

    r->status = 200;
    ap_set_content_type(r, ctype);
    ap_set_content_length(r, (apr_off_t)len);
    if (r->header_only) {
        return OK;
    }
    iov = apr_palloc(r->pool, (2 * v->nsplice + 1) * sizeof(*iov));
    n = tsr_view_iovec(v, base, blen, iov);
    return tsr_io_pass_iovec(r, iov, n, len);
}

/* GET /<name>/<version or tag>: the one manifest, sent from its ready
 * view; a tag is resolved from the package's small tags record.  Only a
 * version published before views were kept needs the whole document. */
static int op_version(tsr_req_t *q)
{
    const char *name = param(q, "name"), *spec = param(q, "spec");
    const char *version = spec, *text;
    apr_size_t len;
    json_object *doc, *m, *tags;
    tsr_view_t v;
    apr_status_t rv;
    int rc;

    if ((rc = check_name(q)) != OK || (rc = check_rules(q, TSR_RULE_READ))
                                          != OK) {
        return rc;
    }
    /* Before any answer that would tell a restricted package exists. */
    if ((rc = tsr_access_check(q->r, q->store, name)) != OK) {
        return rc == HTTP_NOT_FOUND ? not_found(q, "package")
                                    : store_failed(q, APR_EGENERAL);
    }
    if (!tsr_semver_is_valid(spec)) {
        rv = tsr_store_package_view(q->store, q->r->pool, name,
                                    TSR_VIEW_TAGS, &text, &len);
        if (rv == APR_SUCCESS) {
            if (tsr_json_parse(&tags, q->r->pool, text, len, 4, NULL)
                != APR_SUCCESS) {
                return unreadable(q);
            }
            if ((version = tsr_json_str(tags, spec)) == NULL) {
                return tsr_io_refuse(q->r, 404, "version not found: %s@%s",
                                     name, spec);
            }
        }
        else if (rv != TSR_ENOTFOUND) {
            return store_failed(q, rv);
        }
    }
    if (tsr_store_package_version_view(q->store, q->r->pool, name, version,
                                       &text, &len) == APR_SUCCESS
        && tsr_view_decode(&v, text, len) == APR_SUCCESS) {
        const char *base = tsr_npm_base_url(q);

        apr_table_setn(q->r->headers_out, "Cache-Control",
                       v.readers ? "private, no-cache"
                                 : "public, max-age=300");
        return send_view(q->r, &v, base, strlen(base), "application/json");
    }
    rv = tsr_store_package_doc(q->store, q->r->pool, name, &text, &len);
    if (rv == TSR_ENOTFOUND) {
        return not_found(q, "package");
    }
    if (rv != APR_SUCCESS) {
        return store_failed(q, rv);
    }
    if (tsr_json_parse(&doc, q->r->pool, text, len, 1000, NULL)
        != APR_SUCCESS) {
        return unreadable(q);
    }
    m = tsr_packument_version(q->r->pool, doc, spec, tsr_npm_base_url(q));
    if (m == NULL) {
        return tsr_io_refuse(q->r, 404, "version not found: %s@%s", name,
                             spec);
    }
    apr_table_setn(q->r->headers_out, "Cache-Control",
                   tsr_packument_restricted(doc) ? "private, no-cache"
                                                 : "public, max-age=300");
    return tsr_io_send_json(q->r, 200, m);
}

/* Who publishes, and where (tsr_org: scopes belong to someone). */
static int publisher_rights(tsr_req_t *q, const char *name,
                            tsr_publisher_t *who)
{
    tsr_actor_t actor;
    int failed = 0;

    who->name = q->who->user;
    who->admin = tsr_conf_is_admin(q->d, who->name);
    actor.user = who->name;
    actor.admin = who->admin;
    who->no_create = tsr_org_may_create(q->r->pool, q->store, name, &actor,
                                        &failed);
    if (failed) {
        tsr_io_refuse(q->r, HTTP_SERVICE_UNAVAILABLE, "the organisation "
                      "store is unavailable, try again");
        return DONE;
    }
    return OK;
}

/* PUT /<name> without a tarball: npm deprecate and undeprecate send the
 * whole document back, and the registry takes the deprecation messages;
 * npm star and unstar send "users". */
static int document_update(tsr_req_t *q, json_object *body)
{
    const char *name = param(q, "name"), *rev = NULL;
    tsr_actor_t who;
    tsr_error_t *err = NULL;
    json_object *o;
    int changed = 0;

    if (tsr_star_is_star(body)) {
        return tsr_npm_star(q, body);
    }
    who = tsr_req_actor(q);
    if (tsr_deprecate_apply(q->r->pool, q->store, name, &who, body,
                            &changed, &rev, &err) != APR_SUCCESS) {
        return tsr_io_send_error(q->r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r, "TSR00056: %s changed "
                  "the deprecation of %d version(s) of %s", who.user,
                  changed, name);
    o = tsr_json_own(q->r->pool, json_object_new_object());
    json_object_object_add(o, "ok", json_object_new_boolean(1));
    tsr_json_set_str(o, "id", name);
    tsr_json_set_str(o, "rev", rev);
    return tsr_io_send_json(q->r, 200, o);
}

/* PUT /<name> with a tarball: npm publish. */
static int op_publish(tsr_req_t *q)
{
    request_rec *r = q->r;
    tsr_error_t *err = NULL;
    tsr_tarball_limits_t lim;
    tsr_publish_t *pub;
    tsr_publish_result_t res = { 0 };
    tsr_publisher_t who = { 0 };
    tsr_publish_attachment_t att;
    tsr_body_t *reader;
    json_object *body, *o, *urec;
    const char *rec;
    apr_size_t len;
    int rc;

    /* Before the body is read: a refused publish costs nothing more. */
    if ((rc = check_name(q)) != OK
        || (rc = check_rules(q, TSR_RULE_PUBLISH)) != OK) {
        return rc;
    }
    tsr_tarball_default_limits(&lim);
    /* The attachment is decoded while the body streams in: the request
     * holds the decoded tarball and the rest of the document, never the
     * body or its base64. */
    if (tsr_io_read_body(r, tsr_conf_max_body(q->d), TSR_BODY_ATTACHMENT,
                         &body, &reader, &err) != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    att.data = tsr_body_attachment(reader, &att.len);
    /* No tarball but the document's revision: npm sending back the
     * document it read (deprecate), or its "users" alone (star).  A
     * publish never carries a _rev, so one that lost its tarball is still
     * refused as a publish. */
    if (att.data == NULL && json_object_is_type(body, json_type_object)
        && (tsr_json_str(body, "_rev") != NULL || tsr_star_is_star(body))) {
        return document_update(q, body);
    }
    if (tsr_publish_parse_decoded(&pub, r->pool, param(q, "name"), body,
                                  att.data ? &att : NULL, &lim, &err)
        != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    if ((rc = publisher_rights(q, pub->name, &who)) != OK) {
        return rc;
    }
    /* Signed before the write, so the signature is stored with the
     * version or not at all. */
    if (tsr_signing_key(r) != NULL
        && tsr_publish_sign(pub, r->pool, tsr_signing_key(r), &err)
               != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    if (tsr_store_user_get(q->store, r->pool, who.name, &rec, &len)
            == APR_SUCCESS
        && tsr_json_parse(&urec, r->pool, rec, len, 8, NULL) == APR_SUCCESS) {
        who.email = tsr_json_str(urec, "email");
    }
    if (tsr_publish_commit(&res, r->pool, q->store, pub, &who, &err)
        != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                  "TSR00040: %s published %s@%s (tag %s)", who.name,
                  pub->name, pub->version, pub->tag);
    o = tsr_json_own(r->pool, json_object_new_object());
    json_object_object_add(o, "ok", json_object_new_boolean(1));
    json_object_object_add(o, "success", json_object_new_boolean(1));
    tsr_json_set_str(o, "id", pub->name);
    tsr_json_set_str(o, "rev", res.rev);
    return tsr_io_send_json(r, 201, o);
}

static int op_whoami(tsr_req_t *q)
{
    json_object *res = tsr_json_own(q->r->pool, json_object_new_object());

    tsr_json_set_str(res, "username", q->who->user);
    return tsr_io_send_json(q->r, 200, res);
}

/* npm's legacy login and signup: PUT /-/user/org.couchdb.user:<name>.
 * The password goes to Apache's authn providers (TsciRegistryAuthnProvider);
 * under a Require, check_authn has checked it already. */
static int op_adduser(tsr_req_t *q)
{
    request_rec *r = q->r;
    tsr_request_t *n = tsr_request_of(r);
    tsr_error_t *err = NULL;
    tsr_auth_creds_t creds;
    tsr_auth_verdict_e verdict;
    tsr_auth_login_t login;
    json_object *body, *res;

    if (n->login) {
        creds = *n->login;
        verdict = n->login_verdict;
    }
    else {
        if (tsr_io_read_json(r, TSR_LOGIN_BODY_MAX, &body, &err) != APR_SUCCESS
            || tsr_auth_creds_parse(&creds, r->pool, param(q, "user"), body,
                                    &err) != APR_SUCCESS) {
            return tsr_io_send_error(r, err);
        }
        verdict = tsr_password_check(r, creds.user, creds.password);
    }
    if (verdict == TSR_AUTH_THROTTLED) {
        tsr_error_t e;

        tsr_password_throttled_error(r, &e);
        return tsr_io_send_error(r, &e);
    }
    if (tsr_auth_login(&login, r->pool, q->store, &creds, verdict,
                       tsr_password_signup_allowed(r), &err)
        != APR_SUCCESS) {
        if (err && err->code
            && strcmp(err->code, TSR_AUTH_BAD_CREDENTIALS) == 0) {
            tsr_authn_login_failed(r);
        }
        return tsr_io_send_error(r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "TSR00030: %s %s",
                  login.user, login.created ? "signed up" : "logged in");
    r->user = (char *)login.user;
    res = tsr_json_own(r->pool, json_object_new_object());
    json_object_object_add(res, "ok", json_object_new_boolean(1));
    tsr_json_set_str(res, "id", apr_pstrcat(r->pool, "org.couchdb.user:",
                                            login.user, NULL));
    tsr_json_set_str(res, "token", login.token);
    return tsr_io_send_json(r, 201, res);
}

/* GET /-/user/org.couchdb.user:<name>: what npm owner add reads of a
 * user, its name.  Every valid name gets the same answer, so no one
 * learns from it whether a user exists (the email a maintainer has shows
 * in the packuments they maintain). */
static int op_user_doc(tsr_req_t *q)
{
    const char *user = param(q, "user");
    tsr_error_t *err = NULL;
    json_object *o;

    if (tsr_name_check_user(q->r->pool, user, &err) != APR_SUCCESS) {
        return tsr_io_send_error(q->r, err);
    }
    o = tsr_json_own(q->r->pool, json_object_new_object());
    tsr_json_set_str(o, "_id", apr_pstrcat(q->r->pool, "org.couchdb.user:",
                                           user, NULL));
    tsr_json_set_str(o, "name", user);
    tsr_json_set_str(o, "type", "user");
    return tsr_io_send_json(q->r, 200, o);
}

/* The email the registry knows for user (its own users only). */
static const char *known_email(void *baton, apr_pool_t *p, const char *user)
{
    tsr_store_t *store = baton;
    const char *rec;
    apr_size_t len;
    json_object *o;

    if (tsr_store_user_get(store, p, user, &rec, &len) != APR_SUCCESS
        || tsr_json_parse(&o, p, rec, len, 8, NULL) != APR_SUCCESS) {
        return NULL;
    }
    return tsr_json_str(o, "email");
}

/* PUT /<name>/-rev/<rev>: npm owner add and rm send the maintainers back
 * at the revision they read. */
static int op_doc_rev(tsr_req_t *q)
{
    request_rec *r = q->r;
    const char *name = param(q, "name"), *rev = NULL;
    tsr_actor_t who;
    tsr_error_t *err = NULL;
    json_object *body, *o;
    int rc;

    if ((rc = check_name(q)) != OK
        || (rc = check_rules(q, TSR_RULE_PUBLISH)) != OK) {
        return rc;
    }
    if (tsr_io_read_json(r, TSR_LOGIN_BODY_MAX, &body, &err)
        != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    /* The document without some of its versions: npm unpublish
     * <name>@<version>.  Owners are sent without versions. */
    if (json_object_is_type(body, json_type_object)
        && json_object_object_get_ex(body, "versions", NULL)) {
        return tsr_npm_unpublish_versions(q, body);
    }
    who = tsr_req_actor(q);
    if (tsr_owner_set(r->pool, q->store, name, &who, param(q, "rev"), body,
                      known_email, q->store, &rev, &err) != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "TSR00057: %s changed the "
                  "maintainers of %s", who.user, name);
    o = tsr_json_own(r->pool, json_object_new_object());
    json_object_object_add(o, "ok", json_object_new_boolean(1));
    tsr_json_set_str(o, "id", name);
    tsr_json_set_str(o, "rev", rev);
    return tsr_io_send_json(r, 200, o);
}

/* npm logout: DELETE /-/user/token/<token>.  Unknown tokens get 200 too,
 * or npm would keep them in its config. */
static int op_logout(tsr_req_t *q)
{
    tsr_error_t *err = NULL;
    json_object *res;

    if (tsr_token_revoke(q->r->pool, q->store,
                         tsr_authn_url_token(q->r, param(q, "token")), &err)
        != APR_SUCCESS) {
        return tsr_io_send_error(q->r, err);
    }
    /* Every process forgets the tokens it remembered. */
    tsr_token_generation_bump();
    res = tsr_json_own(q->r->pool, json_object_new_object());
    tsr_json_set_str(res, "ok", "Logged out");
    return tsr_io_send_json(q->r, 200, res);
}

/* Tarballs that exist never get here: Apache's core handler sends them. */
static int op_tarball(tsr_req_t *q)
{
    return not_found(q, "tarball");
}

static tsr_op_fn *const npm_ops[TSR_NPM_OP_COUNT] = {
    [TSR_NPM_META] = op_meta,
    [TSR_NPM_PING] = op_ping,
    [TSR_NPM_WHOAMI] = op_whoami,
    [TSR_NPM_ADDUSER] = op_adduser,
    [TSR_NPM_LOGOUT] = op_logout,
    [TSR_NPM_PACKUMENT] = tsr_npm_packument,
    [TSR_NPM_PUBLISH] = op_publish,
    [TSR_NPM_VERSION] = op_version,
    [TSR_NPM_TARBALL] = op_tarball,
    [TSR_NPM_TOKEN_LIST] = tsr_npm_token_list,
    [TSR_NPM_TOKEN_CREATE] = tsr_npm_token_create,
    [TSR_NPM_TOKEN_REVOKE] = tsr_npm_token_revoke,
    [TSR_NPM_ORG_LIST] = tsr_npm_org_list,
    [TSR_NPM_ORG_SET] = tsr_npm_org_set,
    [TSR_NPM_ORG_REMOVE] = tsr_npm_org_remove,
    [TSR_NPM_VISIBILITY] = tsr_npm_visibility,
    [TSR_NPM_ACCESS_SET] = tsr_npm_access_set,
    [TSR_NPM_COLLABORATORS] = tsr_npm_collaborators,
    [TSR_NPM_ORG_PACKAGES] = tsr_npm_org_packages,
    [TSR_NPM_USER_PACKAGES] = tsr_npm_user_packages,
    [TSR_NPM_BY_USER] = tsr_npm_by_user,
    [TSR_NPM_TAGS] = tsr_npm_tags,
    [TSR_NPM_TAG_SET] = tsr_npm_tag_set,
    [TSR_NPM_TAG_REMOVE] = tsr_npm_tag_remove,
    [TSR_NPM_USER_DOC] = op_user_doc,
    [TSR_NPM_DOC_REV] = op_doc_rev,
    [TSR_NPM_UNPUBLISH] = tsr_npm_unpublish,
    [TSR_NPM_TARBALL_DELETE] = tsr_npm_tarball_delete,
    [TSR_NPM_STARS] = tsr_npm_stars,
    [TSR_NPM_PROFILE] = tsr_npm_profile,
    [TSR_NPM_CHANGES] = tsr_npm_changes,
    [TSR_NPM_ALL_SINCE] = tsr_npm_all_since,
    [TSR_NPM_AUDIT_BULK] = tsr_npm_audit_bulk,
    [TSR_NPM_AUDIT_QUICK] = tsr_npm_audit_quick,
    [TSR_NPM_KEYS] = tsr_npm_keys,
    [TSR_NPM_WEBLOGIN] = tsr_npm_weblogin_start,
    [TSR_NPM_WEBLOGIN_PAGE] = tsr_npm_weblogin_page,
    [TSR_NPM_WEBLOGIN_FORM] = tsr_npm_weblogin_form,
    [TSR_NPM_WEBLOGIN_DONE] = tsr_npm_weblogin_done,
    [TSR_NPM_SEARCH] = tsr_npm_search,
};

const tsr_api_ops_t tsr_npm_ops = {
    TSR_API_NPM, TSR_NPM_OP_COUNT, npm_ops
};
