/* tsr_deprecate: deprecation messages from a document npm sends back. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_access.h"
#include "tsr_deprecate.h"
#include "tsr_json.h"
#include "tsr_packument.h"

typedef struct dep_ctx_t {
    const char *name;
    const tsr_actor_t *who;
    json_object *body;
    int changed;
    const char *rev;
} dep_ctx_t;

static apr_status_t apply_dep(void *baton, apr_pool_t *p, const char *cur,
                              apr_size_t cur_len, tsr_package_write_t *out,
                              tsr_error_t **perr)
{
    dep_ctx_t *c = baton;
    json_object *doc, *mine, *theirs = tsr_json_obj(c->body, "versions");
    const char *rev;
    apr_status_t rv;

    c->changed = 0;
    if ((rv = tsr_access_maintained_doc(&doc, p, c->name, cur, cur_len,
                                        c->who, perr)) != APR_SUCCESS) {
        return rv;
    }
    rev = tsr_json_str(c->body, "_rev");
    if (rev && strcmp(rev, tsr_packument_rev(doc)) != 0) {
        return tsr_error_set(perr, p, 409, NULL, "%s changed since it was "
                             "read: try again", c->name);
    }
    mine = tsr_json_obj(doc, "versions");
    json_object_object_foreach(theirs, ver, m) {
        json_object *stored, *msg;
        const char *text, *old;

        if (mine == NULL || !json_object_object_get_ex(mine, ver, &stored)
            || !json_object_is_type(m, json_type_object)
            || !json_object_object_get_ex(m, "deprecated", &msg)) {
            continue;
        }
        if ((text = tsr_json_cstr(msg)) == NULL
            || strlen(text) > TSR_DEPRECATE_MAX) {
            return tsr_error_set(perr, p, 400, NULL, "the deprecation of %s "
                                 "must be a text of at most %d bytes", ver,
                                 TSR_DEPRECATE_MAX);
        }
        old = tsr_json_str(stored, "deprecated");
        if (*text == '\0') {
            if (old != NULL) {
                json_object_object_del(stored, "deprecated");
                c->changed++;
            }
        }
        else if (old == NULL || strcmp(old, text) != 0) {
            tsr_json_set_str(stored, "deprecated", text);
            c->changed++;
        }
    }
    /* The message is in every view of the versions it names. */
    if ((rv = tsr_packument_rewrite(p, doc, 1, out)) != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "could not render %s",
                                  c->name);
    }
    c->rev = apr_pstrdup(p, tsr_packument_rev(doc));
    return APR_SUCCESS;
}

apr_status_t tsr_deprecate_apply(apr_pool_t *p, tsr_store_t *store,
                                 const char *name, const tsr_actor_t *who,
                                 json_object *body, int *pchanged,
                                 const char **prev, tsr_error_t **perr)
{
    dep_ctx_t c = { name, who, body, 0, NULL };
    apr_status_t rv;

    if (!json_object_is_type(body, json_type_object)
        || !json_object_is_type(tsr_json_obj(body, "versions"),
                                json_type_object)) {
        return tsr_error_set(perr, p, 400, NULL, "a publish needs a tarball, "
                             "and any other update of %s the document's "
                             "\"versions\"", name);
    }
    rv = tsr_store_package_update(store, p, name, apply_dep, &c, perr);
    if (rv == APR_SUCCESS) {
        *pchanged = c.changed;
        *prev = apr_pstrdup(p, c.rev);
    }
    return rv;
}
