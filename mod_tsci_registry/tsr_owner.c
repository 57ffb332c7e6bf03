/* tsr_owner: maintainers from a document npm sends back. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_access.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_owner.h"
#include "tsr_packument.h"

static apr_status_t set_owners(void *baton, apr_pool_t *p,
                               json_object *doc, tsr_error_t **perr)
{
    /* Every view follows: a restricted package's readers are its
     * maintainers. */
    json_object_object_add(doc, "maintainers", json_object_get(baton));
    return APR_SUCCESS;
}

apr_status_t tsr_owner_set(apr_pool_t *p, tsr_store_t *store,
                           const char *name, const tsr_actor_t *who,
                           const char *rev, json_object *body,
                           tsr_owner_email_fn *email_of, void *baton,
                           const char **pnew_rev, tsr_error_t **perr)
{
    json_object *list, *owners, *o;
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
    return tsr_access_change(p, store, name, who, rev, 1, set_owners, owners,
                             pnew_rev, perr);
}
