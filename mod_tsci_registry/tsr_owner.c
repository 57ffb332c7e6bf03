/* tsr_owner: maintainers from a document npm sends back. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_access.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_owner.h"
#include "tsr_packument.h"

typedef struct owner_ctx_t {
    const char *name;
    const tsr_actor_t *who;
    const char *rev;
    json_object *owners;        /* the new list, checked */
    const char *new_rev;
} owner_ctx_t;

static apr_status_t apply_owners(void *baton, apr_pool_t *p, const char *cur,
                                 apr_size_t cur_len,
                                 tsr_package_write_t *out,
                                 tsr_error_t **perr)
{
    owner_ctx_t *c = baton;
    json_object *doc;
    apr_status_t rv;

    if ((rv = tsr_access_maintained_doc(&doc, p, c->name, cur, cur_len,
                                        c->who, perr)) != APR_SUCCESS) {
        return rv;
    }
    if (strcmp(c->rev, tsr_packument_rev(doc)) != 0) {
        return tsr_error_set(perr, p, 409, NULL, "%s changed since it was "
                             "read: try again", c->name);
    }
    json_object_object_add(doc, "maintainers",
                           json_object_get(c->owners));
    /* Every view: a restricted package's readers are its maintainers. */
    if ((rv = tsr_packument_rewrite(p, doc, 1, out)) != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "could not render %s",
                                  c->name);
    }
    c->new_rev = apr_pstrdup(p, tsr_packument_rev(doc));
    return APR_SUCCESS;
}

apr_status_t tsr_owner_set(apr_pool_t *p, tsr_store_t *store,
                           const char *name, const tsr_actor_t *who,
                           const char *rev, json_object *body,
                           tsr_owner_email_fn *email_of, void *baton,
                           const char **pnew_rev, tsr_error_t **perr)
{
    json_object *list, *owners, *o;
    owner_ctx_t c = { name, who, rev, NULL, NULL };
    const char *user, *email;
    apr_status_t rv;
    size_t i, n;

    if (!json_object_is_type(body, json_type_object)
        || !json_object_object_get_ex(body, "maintainers", &list)) {
        list = NULL;
    }
    if (list == NULL || !json_object_is_type(list, json_type_array)
        || (n = json_object_array_length(list)) == 0) {
        return tsr_error_set(perr, p, 400, NULL, "a package keeps at least "
                             "one maintainer");
    }
    if (n > TSR_OWNERS_MAX) {
        return tsr_error_set(perr, p, 400, NULL, "a package has at most %d "
                             "maintainers", TSR_OWNERS_MAX);
    }
    owners = tsr_json_own(p, json_object_new_array());
    for (i = 0; i < n; i++) {
        user = tsr_json_str(json_object_array_get_idx(list, i), "name");
        if ((rv = tsr_name_check_user(p, user, perr)) != APR_SUCCESS) {
            return rv;
        }
        o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(user));
        if ((email = email_of(baton, p, user)) != NULL) {
            json_object_object_add(o, "email", json_object_new_string(email));
        }
        json_object_array_add(owners, o);
    }
    c.owners = owners;
    rv = tsr_store_package_update(store, p, name, apply_owners, &c, perr);
    if (rv == APR_SUCCESS && pnew_rev) {
        *pnew_rev = c.new_rev;
    }
    return rv;
}
