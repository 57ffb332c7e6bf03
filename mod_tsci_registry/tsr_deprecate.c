/* tsr_deprecate: deprecation messages from a document npm sends back. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_access.h"
#include "tsr_deprecate.h"
#include "tsr_json.h"
#include "tsr_packument.h"

typedef struct dep_ctx_t {
    json_object *body;
    int changed;
} dep_ctx_t;

/* The messages of body's versions onto doc's; the views of every version
 * follow. */
static apr_status_t set_messages(void *baton, apr_pool_t *p,
                                 json_object *doc, tsr_error_t **perr)
{
    dep_ctx_t *c = baton;
    json_object *mine, *theirs = tsr_json_obj(c->body, "versions");

    c->changed = 0;
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
    return APR_SUCCESS;
}

apr_status_t tsr_deprecate_apply(apr_pool_t *p, tsr_store_t *store,
                                 const char *name, const tsr_actor_t *who,
                                 json_object *body, int *pchanged,
                                 const char **prev, tsr_error_t **perr)
{
    dep_ctx_t c = { body, 0 };
    apr_status_t rv;

    if (!json_object_is_type(body, json_type_object)
        || !json_object_is_type(tsr_json_obj(body, "versions"),
                                json_type_object)) {
        return tsr_error_set(perr, p, 400, NULL, "a publish needs a tarball, "
                             "and any other update of %s the document's "
                             "\"versions\"", name);
    }
    /* npm sends the revision it read; without one, the latest. */
    rv = tsr_access_change(p, store, name, who, tsr_json_str(body, "_rev"),
                           1, set_messages, &c, prev, perr);
    if (rv == APR_SUCCESS) {
        *pchanged = c.changed;
    }
    return rv;
}
