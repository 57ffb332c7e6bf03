/* mod_tsci_registry_access.c: who may read a package.  A restricted
 * package (npm publish --access restricted) is read by its maintainers and
 * the administrators alone: its ready views say so in their headers (the
 * packument and version handlers check them), and a small record names
 * its readers for the URLs that read no view, tarballs above all, which
 * Apache's core handler sends once this module's fixup lets it.  To anyone
 * else the package is missing, with the same 404 as one that does not
 * exist.  Also npm access get status / set status / list collaborators. */
#include <string.h>
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_tsci_registry.h"
#include "tsr_access.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_packument.h"

APLOG_USE_MODULE(tsci_registry);

/* The access body is a small JSON document. */
#define ACCESS_BODY_MAX (16 * 1024)

static tsr_actor_t actor_of(request_rec *r)
{
    const tsr_dir_conf_t *d = ap_get_module_config(r->per_dir_config,
                                                    &tsci_registry_module);
    tsr_actor_t a;

    a.user = tsr_authn_identity(r)->user;
    a.admin = tsr_conf_is_admin(d, a.user);
    return a;
}

int tsr_access_check(request_rec *r, tsr_store_t *store, const char *name)
{
    const char *text;
    apr_size_t len;
    tsr_actor_t who;
    apr_status_t rv;

    rv = tsr_store_package_view(store, r->pool, name, TSR_VIEW_READERS,
                                &text, &len);
    if (rv == TSR_ENOTFOUND) {
        return OK;
    }
    if (rv != APR_SUCCESS) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    who = actor_of(r);
    if (!tsr_access_may_read(apr_pstrmemdup(r->pool, text, len), &who)) {
        return HTTP_NOT_FOUND;
    }
    apr_table_setn(r->headers_out, "Cache-Control", "private, no-cache");
    return OK;
}

/* After authentication, before Apache's core handler sends a tarball: one
 * lookup that finds nothing for a public package.  A tarball the user may
 * not read goes to the registry's handler instead, which answers the 404
 * a missing tarball gets. */
static int fixups(request_rec *r)
{
    const char *name = apr_table_get(r->notes, TSR_NOTE_PACKAGE);
    tsr_store_t *store;
    int rc;

    if (name == NULL || apr_table_get(r->notes, TSR_NOTE_TARBALL) == NULL) {
        return DECLINED;
    }
    rc = tsr_rules_check(r, ap_get_module_config(r->per_dir_config,
                                                 &tsci_registry_module),
                         name, TSR_RULE_READ);
    if (rc != OK) {
        tsr_error_t err = { rc, NULL, NULL, APR_SUCCESS };

        err.code = tsr_error_code_for(rc);
        err.message = rc == HTTP_FORBIDDEN
                          ? "the registry's rules do not let you read this"
                          : "this needs you to be logged in: run npm login";
        if (rc == HTTP_UNAUTHORIZED) {
            apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                           "Bearer realm=\"" TSR_REALM "\"");
        }
        return tsr_io_early_error(r, &err);
    }
    if ((store = tsr_request_store(r)) == NULL) {
        return HTTP_SERVICE_UNAVAILABLE;
    }
    rc = tsr_access_check(r, store, name);
    if (rc == HTTP_NOT_FOUND) {
        apr_table_unset(r->notes, TSR_NOTE_TARBALL);
        r->handler = TSR_HANDLER;
        return OK;
    }
    /* A tarball is gzip already: mod_deflate must not wrap it again.
     * A published version's bytes never change (its number cannot be
     * published again, even after an unpublish), so caches may keep a
     * public one for a year; a restricted one was marked private above. */
    apr_table_setn(r->subprocess_env, "no-gzip", "1");
    if (rc == OK && apr_table_get(r->headers_out, "Cache-Control") == NULL) {
        apr_table_setn(r->headers_out, "Cache-Control",
                       "public, max-age=31536000, immutable");
    }
    return rc == OK ? DECLINED : rc;
}

/* The package of the route, as its user may see it: OK; or the answer
 * is sent and DONE says so. */
int tsr_access_readable_doc(tsr_req_t *q, json_object **pdoc)
{
    const char *name = tsr_route_param(&q->rt, "name");
    tsr_actor_t who = actor_of(q->r);
    tsr_error_t *err = NULL;
    apr_status_t rv;
    int rc;

    if (tsr_name_check(q->r->pool, name, &err) != APR_SUCCESS) {
        tsr_io_send_error(q->r, err);
        return DONE;
    }
    if ((rc = tsr_rules_check(q->r, q->d, name, TSR_RULE_READ)) != OK) {
        tsr_rules_refuse(q->r, name, rc);
        return DONE;
    }
    rv = tsr_access_doc(pdoc, q->r->pool, q->store, name, &who);
    if (rv == TSR_ENOTFOUND) {
        tsr_io_refuse(q->r, HTTP_NOT_FOUND, "package not found");
        return DONE;
    }
    if (rv != APR_SUCCESS) {
        tsr_io_refuse(q->r, HTTP_SERVICE_UNAVAILABLE, "the registry store "
                      "is unavailable, try again");
        return DONE;
    }
    return OK;
}

/* GET /-/package/<name>/visibility: npm access get status. */
int tsr_npm_visibility(tsr_req_t *q)
{
    json_object *doc, *res;
    int rc;

    if ((rc = tsr_access_readable_doc(q, &doc)) != OK) {
        return rc;
    }
    res = tsr_json_own(q->r->pool, json_object_new_object());
    json_object_object_add(res, "public", json_object_new_boolean(
                               !tsr_packument_restricted(doc)));
    apr_table_setn(q->r->headers_out, "Cache-Control", "private, no-cache");
    return tsr_io_send_json(q->r, 200, res);
}

/* GET /-/package/<name>/collaborators: npm access list collaborators. */
int tsr_npm_collaborators(tsr_req_t *q)
{
    json_object *doc;
    int rc;

    if ((rc = tsr_access_readable_doc(q, &doc)) != OK) {
        return rc;
    }
    apr_table_setn(q->r->headers_out, "Cache-Control", "private, no-cache");
    return tsr_io_send_json(q->r, 200,
                            tsr_access_collaborators(q->r->pool, doc));
}

/* Most packages one list answers with. */
#define LIST_MAX 10000

static int send_list(tsr_req_t *q, const apr_array_header_t *names)
{
    tsr_actor_t who = actor_of(q->r);

    apr_table_setn(q->r->headers_out, "Cache-Control", "private, no-cache");
    return tsr_io_send_json(q->r, 200, tsr_access_list(q->r->pool, q->store,
                                                       names, &who));
}

/* GET /-/org/<org>/package: npm access list packages <org>, the packages
 * in the organisation's scope that the asker may read.  404 for a name
 * that is no organisation: npm then asks /-/user/<name>/package. */
int tsr_npm_org_packages(tsr_req_t *q)
{
    const char *org = tsr_route_param(&q->rt, "org");
    apr_array_header_t *names;
    json_object *members;
    apr_status_t rv;

    rv = tsr_org_members(&members, q->r->pool, q->store, org);
    if (rv == TSR_ENOTFOUND) {
        return tsr_io_refuse(q->r, HTTP_NOT_FOUND, "no organisation %s",
                             org);
    }
    if (rv != APR_SUCCESS
        || tsr_store_package_names(q->store, q->r->pool,
                                   apr_pstrcat(q->r->pool, "@", org, "/",
                                               NULL), LIST_MAX, &names)
               != APR_SUCCESS) {
        return tsr_io_refuse(q->r, HTTP_SERVICE_UNAVAILABLE, "the registry "
                             "store is unavailable, try again");
    }
    return send_list(q, names);
}

/* GET /-/user/<user>/package: the packages user created and those in the
 * user's own scope, as far as the asker may read them. */
int tsr_npm_user_packages(tsr_req_t *q)
{
    const char *user = tsr_route_param(&q->rt, "user");
    apr_array_header_t *made, *scoped;

    if (tsr_store_user_packages(q->store, q->r->pool, user, LIST_MAX, &made)
            != APR_SUCCESS
        || tsr_store_package_names(q->store, q->r->pool,
                                   apr_pstrcat(q->r->pool, "@", user, "/",
                                               NULL), LIST_MAX, &scoped)
               != APR_SUCCESS) {
        return tsr_io_refuse(q->r, HTTP_SERVICE_UNAVAILABLE, "the registry "
                             "store is unavailable, try again");
    }
    apr_array_cat(made, scoped);
    return send_list(q, made);
}

/* Most users one /-/by-user/ asks for. */
#define BY_USER_MAX 20

/* GET /-/by-user/<a|b|c>: {"a": [names...], ...}, the packages each
 * created, as far as the asker may read them. */
int tsr_npm_by_user(tsr_req_t *q)
{
    char *users = apr_pstrdup(q->r->pool, tsr_route_param(&q->rt, "users"));
    json_object *res = tsr_json_own(q->r->pool, json_object_new_object());
    tsr_actor_t who = actor_of(q->r);
    apr_array_header_t *made;
    char *user, *last;
    int n = 0;

    for (user = apr_strtok(users, "|", &last); user;
         user = apr_strtok(NULL, "|", &last)) {
        json_object *list, *readable;

        if (++n > BY_USER_MAX) {
            return tsr_io_refuse(q->r, HTTP_BAD_REQUEST, "at most %d users "
                                 "at once", BY_USER_MAX);
        }
        if (tsr_store_user_packages(q->store, q->r->pool, user, LIST_MAX,
                                    &made) != APR_SUCCESS) {
            return tsr_io_refuse(q->r, HTTP_SERVICE_UNAVAILABLE, "the "
                                 "registry store is unavailable, try again");
        }
        readable = tsr_access_list(q->r->pool, q->store, made, &who);
        list = json_object_new_array();
        json_object_object_foreach(readable, name, v) {
            (void)v;
            json_object_array_add(list, json_object_new_string(name));
        }
        json_object_object_add(res, user, list);
    }
    apr_table_setn(q->r->headers_out, "Cache-Control", "private, no-cache");
    return tsr_io_send_json(q->r, 200, res);
}

/* POST /-/package/<name>/access {"access": "public"|"restricted"}: npm
 * access set status=public|private. */
int tsr_npm_access_set(tsr_req_t *q)
{
    request_rec *r = q->r;
    const char *name = tsr_route_param(&q->rt, "name"), *access;
    tsr_actor_t who = actor_of(r);
    tsr_error_t *err = NULL;
    json_object *body;

    if (tsr_name_check(r->pool, name, &err) != APR_SUCCESS
        || tsr_io_read_json(r, ACCESS_BODY_MAX, &body, &err)
               != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    access = tsr_json_str(body, "access");
    if (access == NULL || (strcmp(access, "public") != 0
                           && strcmp(access, "restricted") != 0)) {
        return tsr_io_refuse(r, HTTP_BAD_REQUEST, "this registry sets only "
                             "\"access\": \"public\" or \"restricted\"");
    }
    if (tsr_access_set(r->pool, q->store, name, &who,
                       strcmp(access, "restricted") == 0, &err)
        != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "TSR00052: %s made %s %s",
                  who.user, name, access);
    return tsr_io_send_json(r, 200, tsr_json_own(r->pool,
                                                 json_object_new_object()));
}

void tsr_access_register_hooks(apr_pool_t *p)
{
    ap_hook_fixups(fixups, NULL, NULL, APR_HOOK_FIRST);
}
