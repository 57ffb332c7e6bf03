/* tsr_star: a user's star on a package. */
#include <apr_strings.h>
#include "tsr_star.h"
#include "tsr_access.h"
#include "tsr_json.h"

int tsr_star_is_star(json_object *body)
{
    return json_object_is_type(body, json_type_object)
           && json_object_is_type(tsr_json_obj(body, "users"),
                                  json_type_object)
           && !json_object_object_get_ex(body, "versions", NULL);
}

int tsr_star_wanted(json_object *body, const char *user)
{
    json_object *v;

    return json_object_object_get_ex(tsr_json_obj(body, "users"), user, &v)
           && json_object_is_type(v, json_type_boolean)
           && json_object_get_boolean(v);
}

typedef struct star_t {
    const char *user;
    int on;
} star_t;

static apr_status_t set_star(void *baton, apr_pool_t *p, json_object *doc,
                             tsr_error_t **perr)
{
    const star_t *s = baton;
    json_object *users = tsr_json_obj(doc, "users");

    (void)p;
    (void)perr;
    if (users == NULL || !json_object_is_type(users, json_type_object)) {
        users = json_object_new_object();
        json_object_object_add(doc, "users", users);
    }
    if (s->on) {
        json_object_object_add(users, s->user, json_object_new_boolean(1));
    }
    else {
        json_object_object_del(users, s->user);
    }
    return APR_SUCCESS;
}

apr_status_t tsr_star_set(apr_pool_t *p, tsr_store_t *store,
                          const char *name, const tsr_actor_t *who,
                          const char *rev, int on, const char **pnew_rev,
                          tsr_error_t **perr)
{
    star_t s = { who->user, on };

    return tsr_access_reader_change(p, store, name, who, rev, set_star, &s,
                                    pnew_rev, perr);
}
