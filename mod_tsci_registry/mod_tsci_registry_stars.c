/* mod_tsci_registry_stars.c: npm star and unstar (PUT /<name> with the
 * document's "users") and npm stars (GET /-/_view/starredByUser?key=
 * "<user>").  Anyone who may read a package may star it. */
#include <string.h>
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "util_script.h"
#include "mod_tsci_registry.h"
#include "tsr_access.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_star.h"

APLOG_USE_MODULE(tsci_registry);

/* Most stars listed for one user. */
#define STARS_MAX 1000

int tsr_npm_star(tsr_req_t *q, json_object *body)
{
    const char *name = tsr_route_param(&q->rt, "name"), *rev = NULL;
    tsr_actor_t who;
    tsr_error_t *err = NULL;
    json_object *o;
    int on;

    who = tsr_req_actor(q);
    on = tsr_star_wanted(body, who.user);
    if (tsr_star_set(q->r->pool, q->store, name, &who,
                     tsr_json_str(body, "_rev"), on, &rev, &err)
        != APR_SUCCESS) {
        return tsr_io_send_error(q->r, err);
    }
    o = tsr_json_own(q->r->pool, json_object_new_object());
    json_object_object_add(o, "ok", json_object_new_boolean(1));
    tsr_json_set_str(o, "id", name);
    tsr_json_set_str(o, "rev", rev);
    return tsr_io_send_json(q->r, 200, o);
}

/* The user a starredByUser query names: key is a JSON string. */
static const char *key_user(tsr_req_t *q)
{
    const char *key = NULL;
    json_object *k;
    tsr_error_t *err = NULL;
    apr_table_t *args = NULL;

    ap_args_to_table(q->r, &args);
    if (args) {
        key = apr_table_get(args, "key");
    }
    if (key == NULL
        || tsr_json_parse(&k, q->r->pool, key, strlen(key), 2, NULL)
               != APR_SUCCESS
        || !json_object_is_type(k, json_type_string)
        || tsr_name_check_user(q->r->pool, json_object_get_string(k), &err)
               != APR_SUCCESS) {
        return NULL;
    }
    return json_object_get_string(k);
}

int tsr_npm_stars(tsr_req_t *q)
{
    const char *user = key_user(q);
    apr_array_header_t *names;
    json_object *out, *rows, *doc, *row;
    tsr_actor_t who;
    int i;

    if (user == NULL) {
        return tsr_io_refuse(q->r, HTTP_BAD_REQUEST, "key must be a user "
                             "name in JSON quotes: key=%%22alice%%22");
    }
    if (tsr_store_user_stars(q->store, q->r->pool, user, STARS_MAX, &names)
        != APR_SUCCESS) {
        return tsr_io_refuse(q->r, HTTP_SERVICE_UNAVAILABLE, "the registry "
                             "store is unavailable, try again");
    }
    who = tsr_req_actor(q);
    out = tsr_json_own(q->r->pool, json_object_new_object());
    rows = json_object_new_array();
    json_object_object_add(out, "rows", rows);
    /* Only what the asker may read: a restricted package's star does
     * not reveal its name, an unpublished one is no longer listed. */
    for (i = 0; i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);

        if (tsr_access_doc(&doc, q->r->pool, q->store, name, &who)
            != APR_SUCCESS) {
            continue;
        }
        row = json_object_new_object();
        tsr_json_set_str(row, "key", user);
        tsr_json_set_str(row, "value", name);
        json_object_array_add(rows, row);
    }
    apr_table_setn(q->r->headers_out, "Cache-Control", "no-cache");
    return tsr_io_send_json(q->r, 200, out);
}
