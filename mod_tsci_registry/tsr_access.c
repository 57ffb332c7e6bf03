/* tsr_access: reading rights of packages, and changing them. */
#include <string.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "tsr_access.h"
#include "tsr_json.h"
#include "tsr_packument.h"

int tsr_access_may_read(const char *readers, const tsr_actor_t *who)
{
    const char *at;
    apr_size_t ulen;

    if (readers == NULL || who->admin) {
        return 1;
    }
    if (who->user == NULL || (ulen = strlen(who->user)) == 0) {
        return 0;
    }
    for (at = readers; *at;) {
        apr_size_t n = strcspn(at, ",");

        if (n == ulen && memcmp(at, who->user, n) == 0) {
            return 1;
        }
        at += n + (at[n] == ',');
    }
    return 0;
}

apr_status_t tsr_access_doc(json_object **pdoc, apr_pool_t *p,
                            tsr_store_t *store, const char *name,
                            const tsr_actor_t *who)
{
    const char *text;
    apr_size_t len;
    apr_status_t rv;

    if ((rv = tsr_store_package_doc(store, p, name, &text, &len))
        != APR_SUCCESS) {
        return rv;
    }
    if (tsr_json_parse(pdoc, p, text, len, 1000, NULL) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    return tsr_access_may_read(tsr_packument_readers(p, *pdoc), who)
               ? APR_SUCCESS : TSR_ENOTFOUND;
}

apr_status_t tsr_access_maintained_doc(json_object **pdoc, apr_pool_t *p,
                                       const char *name, const char *cur,
                                       apr_size_t cur_len,
                                       const tsr_actor_t *who,
                                       tsr_error_t **perr)
{
    if (cur == NULL
        || tsr_json_parse(pdoc, p, cur, cur_len, 1000, NULL) != APR_SUCCESS
        || !tsr_access_may_read(tsr_packument_readers(p, *pdoc), who)) {
        return tsr_error_set(perr, p, 404, NULL, "package not found: %s",
                             name);
    }
    if (!who->admin && !tsr_packument_is_maintainer(*pdoc, who->user)) {
        return tsr_error_set(perr, p, 403, NULL, "%s is not a maintainer of "
                             "%s", who->user, name);
    }
    return APR_SUCCESS;
}

typedef struct set_ctx_t {
    const char *name;
    const tsr_actor_t *who;
    int restricted;
} set_ctx_t;

static apr_status_t apply_set(void *baton, apr_pool_t *p, const char *cur,
                              apr_size_t cur_len, tsr_package_write_t *out,
                              tsr_error_t **perr)
{
    set_ctx_t *c = baton;
    json_object *doc;
    apr_status_t rv;

    if ((rv = tsr_access_maintained_doc(&doc, p, c->name, cur, cur_len,
                                        c->who, perr)) != APR_SUCCESS) {
        return rv;
    }
    if (c->restricted && c->name[0] != '@') {
        return tsr_error_set(perr, p, 400, NULL, "only scoped packages can "
                             "be restricted");
    }
    tsr_packument_set_restricted(doc, c->restricted);
    /* Who may read is in every view's header: all of them again. */
    if ((rv = tsr_packument_rewrite(p, doc, 1, out)) != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "could not render %s",
                                  c->name);
    }
    return APR_SUCCESS;
}

apr_status_t tsr_access_set(apr_pool_t *p, tsr_store_t *store,
                            const char *name, const tsr_actor_t *who,
                            int restricted, tsr_error_t **perr)
{
    set_ctx_t c = { name, who, restricted };

    return tsr_store_package_update(store, p, name, apply_set, &c, perr);
}

json_object *tsr_access_collaborators(apr_pool_t *p, json_object *doc)
{
    json_object *out = tsr_json_own(p, json_object_new_object()), *m;
    const char *name;
    size_t i, n;

    if (json_object_object_get_ex(doc, "maintainers", &m)
        && json_object_is_type(m, json_type_array)) {
        n = json_object_array_length(m);
        for (i = 0; i < n; i++) {
            name = tsr_json_str(json_object_array_get_idx(m, i), "name");
            if (name) {
                json_object_object_add(out, name,
                                       json_object_new_string("write"));
            }
        }
    }
    return out;
}

json_object *tsr_access_list(apr_pool_t *p, tsr_store_t *store,
                             const apr_array_header_t *names,
                             const tsr_actor_t *who)
{
    json_object *out = tsr_json_own(p, json_object_new_object()), *doc;
    const char *name;
    int i;

    for (i = 0; i < names->nelts; i++) {
        name = APR_ARRAY_IDX(names, i, const char *);
        if (json_object_object_get_ex(out, name, NULL)
            || tsr_access_doc(&doc, p, store, name, who) != APR_SUCCESS) {
            continue;
        }
        json_object_object_add(out, name, json_object_new_string(
            who->admin || (who->user && tsr_packument_is_maintainer(
                                            doc, who->user))
                ? "write" : "read"));
    }
    return out;
}
