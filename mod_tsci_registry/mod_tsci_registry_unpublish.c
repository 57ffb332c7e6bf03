/* mod_tsci_registry_unpublish.c: npm unpublish <name>@<version> (PUT of
 * the document without it, then DELETE of its tarball) and npm unpublish
 * <name> --force (DELETE /<name>/-rev/<rev>).  The maintainers, the
 * administrators, and the per-package rules' unpublish. */
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "mod_tsci_registry.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_unpublish.h"

APLOG_USE_MODULE(tsci_registry);

static int answer(tsr_req_t *q, const char *name, const char *rev)
{
    json_object *o = tsr_json_own(q->r->pool, json_object_new_object());

    json_object_object_add(o, "ok", json_object_new_boolean(1));
    tsr_json_set_str(o, "id", name);
    if (rev) {
        tsr_json_set_str(o, "rev", rev);
    }
    return tsr_io_send_json(q->r, 200, o);
}

int tsr_npm_unpublish_versions(tsr_req_t *q, json_object *body)
{
    const char *name = tsr_route_param(&q->rt, "name"), *rev = NULL;
    tsr_actor_t who = tsr_req_actor(q);
    tsr_error_t *err = NULL;
    int rc;

    if ((rc = tsr_req_may_change(q, name, TSR_RULE_UNPUBLISH)) != OK) {
        return rc;
    }
    if (tsr_unpublish_versions(q->r->pool, q->store, name, &who,
                               tsr_route_param(&q->rt, "rev"), body, &rev,
                               &err) != APR_SUCCESS) {
        return tsr_io_send_error(q->r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, q->r, "TSR00058: %s "
                  "unpublished versions of %s", who.user, name);
    return answer(q, name, rev);
}

int tsr_npm_unpublish(tsr_req_t *q)
{
    const char *name = tsr_route_param(&q->rt, "name");
    tsr_actor_t who = tsr_req_actor(q);
    tsr_error_t *err = NULL;
    int rc;

    if ((rc = tsr_req_may_change(q, name, TSR_RULE_UNPUBLISH)) != OK) {
        return rc;
    }
    if (tsr_unpublish_package(q->r->pool, q->store, name, &who,
                              tsr_route_param(&q->rt, "rev"), &err)
        != APR_SUCCESS) {
        return tsr_io_send_error(q->r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, q->r, "TSR00059: %s "
                  "unpublished %s", who.user, name);
    return answer(q, name, NULL);
}

int tsr_npm_tarball_delete(tsr_req_t *q)
{
    const char *name = tsr_route_param(&q->rt, "name");
    tsr_actor_t who = tsr_req_actor(q);
    tsr_error_t *err = NULL;
    int rc;

    if ((rc = tsr_req_may_change(q, name, TSR_RULE_UNPUBLISH)) != OK) {
        return rc;
    }
    if (tsr_unpublish_tarball(q->r->pool, q->store, name,
                              tsr_route_param(&q->rt, "file"), &who,
                              tsr_route_param(&q->rt, "rev"), &err)
        != APR_SUCCESS) {
        return tsr_io_send_error(q->r, err);
    }
    return answer(q, name, NULL);
}
