/* tsr_disttag: dist-tag changes as package updates. */
#include <string.h>
#include "tsr_access.h"
#include "tsr_disttag.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_packument.h"
#include "tsr_semver.h"

typedef struct tag_ctx_t {
    const char *name;
    const tsr_actor_t *who;
    const char *tag;
    const char *version;        /* NULL: remove the tag */
} tag_ctx_t;

static apr_status_t apply_tag(void *baton, apr_pool_t *p, const char *cur,
                              apr_size_t cur_len, tsr_package_write_t *out,
                              tsr_error_t **perr)
{
    tag_ctx_t *c = baton;
    json_object *doc;
    apr_status_t rv;

    if ((rv = tsr_access_maintained_doc(&doc, p, c->name, cur, cur_len,
                                        c->who, perr)) != APR_SUCCESS) {
        return rv;
    }
    rv = c->version ? tsr_packument_set_tag(doc, p, c->tag, c->version, perr)
                    : tsr_packument_remove_tag(doc, p, c->tag, perr);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if ((rv = tsr_packument_rewrite(p, doc, 0, out)) != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "could not render %s",
                                  c->name);
    }
    return APR_SUCCESS;
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
    tag_ctx_t c = { name, who, tag, version };
    apr_status_t rv;

    if ((rv = check_tag(p, tag, perr)) != APR_SUCCESS) {
        return rv;
    }
    if (version == NULL || !tsr_semver_is_valid(version)) {
        return tsr_error_set(perr, p, 400, NULL, "the body must be a version "
                             "as a JSON string, such as \"1.0.0\"");
    }
    return tsr_store_package_update(store, p, name, apply_tag, &c, perr);
}

apr_status_t tsr_disttag_remove(apr_pool_t *p, tsr_store_t *store,
                                const char *name, const tsr_actor_t *who,
                                const char *tag, tsr_error_t **perr)
{
    tag_ctx_t c = { name, who, tag, NULL };
    apr_status_t rv;

    if ((rv = check_tag(p, tag, perr)) != APR_SUCCESS) {
        return rv;
    }
    return tsr_store_package_update(store, p, name, apply_tag, &c, perr);
}
