/* mod_tsci_registry_tags.c: npm dist-tag ls, add and rm
 * (/-/package/<name>/dist-tags[/<tag>]).  Moving a tag is a write: its
 * maintainers, the administrators, and the per-package rules' publish. */
#include <string.h>
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "mod_tsci_registry.h"
#include "tsr_disttag.h"
#include "tsr_json.h"
#include "tsr_name.h"

APLOG_USE_MODULE(tsci_registry);

/* The body of a tag change: a JSON string, such as "1.0.0". */
#define TAG_BODY_MAX 1024

/* GET /-/package/<name>/dist-tags: {"latest": "1.2.0", ...}. */
int tsr_npm_tags(tsr_req_t *q)
{
    json_object *doc, *tags;
    int rc;

    if ((rc = tsr_access_readable_doc(q, &doc)) != OK) {
        return rc;
    }
    tags = tsr_json_obj(doc, "dist-tags");
    apr_table_setn(q->r->headers_out, "Cache-Control", "no-cache");
    return tsr_io_send_json(q->r, 200, tags ? tags
                            : tsr_json_own(q->r->pool,
                                           json_object_new_object()));
}

/* PUT /-/package/<name>/dist-tags/<tag> with "<version>": npm dist-tag
 * add. */
int tsr_npm_tag_set(tsr_req_t *q)
{
    request_rec *r = q->r;
    const char *name = tsr_route_param(&q->rt, "name");
    const char *tag = tsr_route_param(&q->rt, "tag");
    tsr_actor_t who = tsr_req_actor(q);
    tsr_error_t *err = NULL;
    json_object *body, *res;
    int rc;

    if ((rc = tsr_req_may_change(q, name, TSR_RULE_PUBLISH)) != OK) {
        return rc;
    }
    if (tsr_io_read_json(r, TAG_BODY_MAX, &body, &err) != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    if (tsr_disttag_set(r->pool, q->store, name, &who, tag,
                        tsr_json_cstr(body), &err) != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "TSR00054: %s tagged "
                  "%s@%s %s", who.user, name, tsr_json_cstr(body), tag);
    res = tsr_json_own(r->pool, json_object_new_object());
    tsr_json_set_str(res, "ok", "package tagged");
    return tsr_io_send_json(r, 201, res);
}

/* DELETE /-/package/<name>/dist-tags/<tag>: npm dist-tag rm. */
int tsr_npm_tag_remove(tsr_req_t *q)
{
    request_rec *r = q->r;
    const char *name = tsr_route_param(&q->rt, "name");
    const char *tag = tsr_route_param(&q->rt, "tag");
    tsr_actor_t who = tsr_req_actor(q);
    tsr_error_t *err = NULL;
    json_object *res;
    int rc;

    if ((rc = tsr_req_may_change(q, name, TSR_RULE_PUBLISH)) != OK) {
        return rc;
    }
    if (tsr_disttag_remove(r->pool, q->store, name, &who, tag, &err)
        != APR_SUCCESS) {
        return tsr_io_send_error(r, err);
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, "TSR00055: %s removed the "
                  "tag %s of %s", who.user, tag, name);
    res = tsr_json_own(r->pool, json_object_new_object());
    tsr_json_set_str(res, "ok", "tag removed");
    return tsr_io_send_json(r, 200, res);
}
