/* tsr_disttag: dist-tag changes as package updates. */
#include <string.h>
#include "tsr_access.h"
#include "tsr_disttag.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_packument.h"
#include "tsr_semver.h"

typedef struct tag_ctx_t {
    const char *tag;
    const char *version;        /* NULL: remove the tag */
} tag_ctx_t;

static apr_status_t change_tag(void *baton, apr_pool_t *p, json_object *doc,
                               tsr_error_t **perr)
{
    const tag_ctx_t *c = baton;

    return c->version ? tsr_packument_set_tag(doc, p, c->tag, c->version,
                                              perr)
                      : tsr_packument_remove_tag(doc, p, c->tag, perr);
}

/* A tag npm can tell from a version (tsr_name_check_tag). */
static apr_status_t check_tag(apr_pool_t *p, const char *tag,
                              tsr_error_t **perr)
{
    return tsr_name_check_tag(p, tag, perr);
}

apr_status_t tsr_disttag_set(apr_pool_t *p, tsr_store_t *store,
                             const char *name, const tsr_actor_t *who,
                             const char *tag, const char *version,
                             tsr_error_t **perr)
{
    tag_ctx_t c = { tag, version };
    apr_status_t rv;

    if ((rv = check_tag(p, tag, perr)) != APR_SUCCESS) {
        return rv;
    }
    if (version == NULL || !tsr_semver_is_valid(version)) {
        return tsr_error_set(perr, p, 400, NULL, "the body must be a version "
                             "as a JSON string, such as \"1.0.0\"");
    }
    return tsr_access_change(p, store, name, who, NULL, 0, change_tag, &c,
                             NULL, perr);
}

apr_status_t tsr_disttag_remove(apr_pool_t *p, tsr_store_t *store,
                                const char *name, const tsr_actor_t *who,
                                const char *tag, tsr_error_t **perr)
{
    tag_ctx_t c = { tag, NULL };
    apr_status_t rv;

    if ((rv = check_tag(p, tag, perr)) != APR_SUCCESS) {
        return rv;
    }
    return tsr_access_change(p, store, name, who, NULL, 0, change_tag, &c,
                             NULL, perr);
}
