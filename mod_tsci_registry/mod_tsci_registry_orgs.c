/* mod_tsci_registry_orgs.c: npm's org commands (npm org ls/set/rm:
 * /-/org/<org>/user).  Organisations own scopes (tsr_org); a registry
 * administrator (TsciRegistryAdmin user) creates them, their owners and
 * admins keep their member lists. */
#include <string.h>
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "mod_tsci_registry.h"
#include "tsr_json.h"
#include "tsr_org.h"

APLOG_USE_MODULE(tsci_registry);

/* An org request is a small JSON document. */
#define ORG_BODY_MAX (16 * 1024)

/* The "user" of the body, without npm's optional leading '@'. */
static const char *body_user(json_object *body)
{
    const char *u = tsr_json_str(body, "user");

    return u && *u == '@' ? u + 1 : u;
}

/* GET /-/org/<org>/user: {user: role}, for its members and
 * administrators. */
int tsr_npm_org_list(tsr_req_t *q)
{
    const char *org = tsr_route_param(&q->rt, "org");
    tsr_actor_t who = tsr_req_actor(q);
    json_object *members;
    apr_status_t rv;

    rv = tsr_org_members(&members, q->r->pool, q->store, org);
    if (rv == TSR_ENOTFOUND) {
        return tsr_io_refuse(q->r, HTTP_NOT_FOUND, "no organisation %s",
                             org);
    }
    if (rv != APR_SUCCESS) {
        return tsr_io_refuse(q->r, HTTP_SERVICE_UNAVAILABLE, "the "
                             "organisation store is unavailable, try again");
    }
    if (!who.admin && tsr_json_str(members, who.user) == NULL) {
        return tsr_io_refuse(q->r, HTTP_FORBIDDEN, "only members of %s see "
                             "its members", org);
    }
    apr_table_setn(q->r->headers_out, "Cache-Control", "private, no-cache");
    return tsr_io_send_json(q->r, 200, members);
}

/* PUT /-/org/<org>/user {"user", "role"}: npm org set. */
int tsr_npm_org_set(tsr_req_t *q)
{
    request_rec *r = q->r;
    const char *org = tsr_route_param(&q->rt, "org");
    tsr_actor_t who = tsr_req_actor(q);
    tsr_error_t *err = NULL;
    json_object *body, *res, *o;
    const char *user, *role;
    int size = 0;

    if (tsr_io_read_json(r, ORG_BODY_MAX, &body, &err) != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    user = body_user(body);
    role = tsr_json_str(body, "role");
    if (user == NULL) {
        return tsr_io_refuse(r, HTTP_BAD_REQUEST, "the body must name the "
                             "\"user\"");
    }
    if (tsr_org_set(r->pool, q->store, org, &who, user,
                    role ? role : "developer", &size, &err) != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "TSR00050: %s made %s %s of "
                  "the organisation %s", who.user, user,
                  role ? role : "developer", org);
    res = tsr_json_own(r->pool, json_object_new_object());
    o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(org));
    json_object_object_add(o, "size", json_object_new_int(size));
    json_object_object_add(res, "org", o);
    tsr_json_set_str(res, "user", user);
    tsr_json_set_str(res, "role", role ? role : "developer");
    return tsr_io_send_json(r, 200, res);
}

/* DELETE /-/org/<org>/user {"user"}: npm org rm. */
int tsr_npm_org_remove(tsr_req_t *q)
{
    request_rec *r = q->r;
    const char *org = tsr_route_param(&q->rt, "org");
    tsr_actor_t who = tsr_req_actor(q);
    tsr_error_t *err = NULL;
    json_object *body;
    const char *user;

    if (tsr_io_read_json(r, ORG_BODY_MAX, &body, &err) != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    if ((user = body_user(body)) == NULL) {
        return tsr_io_refuse(r, HTTP_BAD_REQUEST, "the body must name the "
                             "\"user\"");
    }
    if (tsr_org_remove(r->pool, q->store, org, &who, user, &err)
        != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "TSR00051: %s removed %s "
                  "from the organisation %s", who.user, user, org);
    return tsr_io_send_json(r, 200, tsr_json_own(r->pool,
                                                 json_object_new_object()));
}
