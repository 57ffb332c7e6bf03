/* mod_tsci_registry_profile.c: npm profile get (GET /-/npm/v1/user).
 * The registry knows a user's name, and for its own users the email and
 * when they signed up; users of Apache's providers are known by name
 * alone.  Two-factor sign-in is Apache's business (a module in front),
 * so tfa is false; profile changes are not taken (405 from the route
 * table): an administrator changes users (tsci-registry-admin). */
#include "httpd.h"
#include "http_config.h"
#include "http_protocol.h"
#include "mod_tsci_registry.h"
#include "tsr_json.h"

int tsr_npm_profile(tsr_req_t *q)
{
    const char *user = q->who->user, *rec, *email = NULL, *created = NULL;
    apr_size_t len;
    json_object *o, *urec;

    if (tsr_store_user_get(q->store, q->r->pool, user, &rec, &len)
            == APR_SUCCESS
        && tsr_json_parse(&urec, q->r->pool, rec, len, 8, NULL)
               == APR_SUCCESS) {
        email = tsr_json_str(urec, "email");
        created = tsr_json_str(urec, "created");
    }
    o = tsr_json_own(q->r->pool, json_object_new_object());
    tsr_json_set_str(o, "name", user);
    json_object_object_add(o, "email",
                           email ? json_object_new_string(email) : NULL);
    json_object_object_add(o, "email_verified", json_object_new_boolean(0));
    json_object_object_add(o, "tfa", json_object_new_boolean(0));
    json_object_object_add(o, "fullname", NULL);
    json_object_object_add(o, "created",
                           created ? json_object_new_string(created) : NULL);
    json_object_object_add(o, "updated",
                           created ? json_object_new_string(created) : NULL);
    json_object_object_add(o, "cidr_whitelist", NULL);
    apr_table_setn(q->r->headers_out, "Cache-Control", "private, no-cache");
    return tsr_io_send_json(q->r, 200, o);
}
