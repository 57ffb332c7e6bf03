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
    return !tsr_packument_is_gone(*pdoc)
           && tsr_access_may_read(tsr_packument_readers(p, *pdoc), who)
               ? APR_SUCCESS : TSR_ENOTFOUND;
}

apr_status_t tsr_access_may_list(apr_pool_t *p, tsr_store_t *store,
                                 const char *name, const tsr_actor_t *who,
                                 int *pmay)
{
    const char *blob;
    apr_size_t len;
    json_object *doc;
    apr_status_t rv;

    *pmay = 0;
    rv = tsr_store_package_view(store, p, name, TSR_VIEW_READERS, &blob,
                                &len);
    if (rv == APR_SUCCESS) {
        *pmay = tsr_access_may_read(apr_pstrmemdup(p, blob, len), who);
        return APR_SUCCESS;
    }
    if (rv != TSR_ENOTFOUND) {
        return rv;
    }
    /* No readers record: public, or gone (whose records all went). */
    rv = tsr_store_package_view(store, p, name, TSR_VIEW_TAGS, &blob, &len);
    if (rv == APR_SUCCESS) {
        *pmay = 1;
        return APR_SUCCESS;
    }
    if (rv != TSR_ENOTFOUND) {
        return rv;
    }
    rv = tsr_store_package_doc(store, p, name, &blob, &len);
    if (rv == TSR_ENOTFOUND) {
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (tsr_json_parse(&doc, p, blob, len, 1000, NULL) != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    *pmay = tsr_access_may_read(tsr_packument_readers(p, doc), who);
    return APR_SUCCESS;
}

/* In a package update (cur, cur_len: the stored document, or NULL):
 * the document when who may read it and maintains it (or is an
 * administrator); else 404 (missing or not readable alike) or 403. */
static apr_status_t maintained_doc(json_object **pdoc, apr_pool_t *p,
                                   const char *name, const char *cur,
                                   apr_size_t cur_len,
                                   const tsr_actor_t *who, int readers_may,
                                   tsr_error_t **perr)
{
    if (cur == NULL
        || tsr_json_parse(pdoc, p, cur, cur_len, 1000, NULL) != APR_SUCCESS
        || tsr_packument_is_gone(*pdoc)
        || !tsr_access_may_read(tsr_packument_readers(p, *pdoc), who)) {
        return tsr_error_set(perr, p, 404, NULL, "package not found: %s",
                             name);
    }
    if (!readers_may && !who->admin
        && !tsr_packument_is_maintainer(*pdoc, who->user)) {
        return tsr_error_set(perr, p, 403, NULL, "%s is not a maintainer of "
                             "%s", who->user, name);
    }
    return APR_SUCCESS;
}

/* Has user starred doc? */
static int starred(json_object *doc, const char *user)
{
    json_object *v = tsr_json_obj(doc, "users");

    return user && v && json_object_object_get_ex(v, user, &v)
           && json_object_get_boolean(v);
}

typedef struct change_ctx_t {
    const char *name;
    const tsr_actor_t *who;
    const char *rev;
    int every_version;
    int readers_may;                /* a reader's change: no maintainer
                                     * needed */
    tsr_access_change_fn *fn;
    void *baton;
    const char *new_rev;
} change_ctx_t;

/* The versions doc has (names in p). */
static apr_array_header_t *version_keys(apr_pool_t *p, json_object *doc)
{
    json_object *versions = tsr_json_obj(doc, "versions");
    apr_array_header_t *keys = apr_array_make(p, 8, sizeof(char *));

    if (versions) {
        json_object_object_foreach(versions, ver, m) {
            (void)m;
            APR_ARRAY_PUSH(keys, char *) = apr_pstrdup(p, ver);
        }
    }
    return keys;
}

/* Those of before that doc no longer has: their views go (out). */
static void removed_versions(apr_pool_t *p, const apr_array_header_t *before,
                             json_object *doc, tsr_package_write_t *out)
{
    json_object *versions = tsr_json_obj(doc, "versions");
    apr_array_header_t *gone = apr_array_make(p, 2, sizeof(char *));
    int i;

    for (i = 0; i < before->nelts; i++) {
        const char *v = APR_ARRAY_IDX(before, i, const char *);

        if (versions == NULL
            || !json_object_object_get_ex(versions, v, NULL)) {
            APR_ARRAY_PUSH(gone, const char *) = v;
        }
    }
    out->n_removed = gone->nelts;
    out->removed_versions = (const char *const *)gone->elts;
}

static apr_status_t apply_change(void *baton, apr_pool_t *p, const char *cur,
                                 apr_size_t cur_len,
                                 tsr_package_write_t *out,
                                 tsr_error_t **perr)
{
    change_ctx_t *c = baton;
    json_object *doc;
    apr_array_header_t *before;
    apr_status_t rv;

    int was_starred;

    if ((rv = maintained_doc(&doc, p, c->name, cur, cur_len, c->who,
                             c->readers_may, perr)) != APR_SUCCESS) {
        return rv;
    }
    if (c->rev && strcmp(c->rev, tsr_packument_rev(doc)) != 0) {
        return tsr_error_set(perr, p, 409, NULL, "%s changed since it was "
                             "read: try again", c->name);
    }
    before = version_keys(p, doc);
    was_starred = starred(doc, c->who->user);
    if ((rv = c->fn(c->baton, p, doc, perr)) != APR_SUCCESS) {
        return rv;
    }
    if ((rv = tsr_packument_rewrite(p, doc, c->every_version, out))
        != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "could not render %s",
                                  c->name);
    }
    removed_versions(p, before, doc, out);
    /* The user's list of stars follows the document's. */
    if (starred(doc, c->who->user) != was_starred) {
        out->star_user = apr_pstrdup(p, c->who->user);
        out->star_add = !was_starred;
    }
    c->new_rev = apr_pstrdup(p, tsr_packument_rev(doc));
    return APR_SUCCESS;
}

apr_status_t tsr_access_change(apr_pool_t *p, tsr_store_t *store,
                               const char *name, const tsr_actor_t *who,
                               const char *rev, int every_version,
                               tsr_access_change_fn *fn, void *baton,
                               const char **pnew_rev, tsr_error_t **perr)
{
    change_ctx_t c = { name, who, rev, every_version, 0, fn, baton, NULL };
    apr_status_t rv;

    rv = tsr_store_package_update(store, p, name, apply_change, &c, perr);
    if (rv == APR_SUCCESS && pnew_rev) {
        *pnew_rev = apr_pstrdup(p, c.new_rev);
    }
    return rv;
}

apr_status_t tsr_access_reader_change(apr_pool_t *p, tsr_store_t *store,
                                      const char *name,
                                      const tsr_actor_t *who,
                                      const char *rev,
                                      tsr_access_change_fn *fn, void *baton,
                                      const char **pnew_rev,
                                      tsr_error_t **perr)
{
    change_ctx_t c = { name, who, rev, 0, 1, fn, baton, NULL };
    apr_status_t rv;

    rv = tsr_store_package_update(store, p, name, apply_change, &c, perr);
    if (rv == APR_SUCCESS && pnew_rev) {
        *pnew_rev = apr_pstrdup(p, c.new_rev);
    }
    return rv;
}

typedef struct restrict_t {
    const char *name;
    int restricted;
} restrict_t;

static apr_status_t set_restricted(void *baton, apr_pool_t *p,
                                   json_object *doc, tsr_error_t **perr)
{
    const restrict_t *c = baton;

    if (c->restricted && c->name[0] != '@') {
        return tsr_error_set(perr, p, 400, NULL, "only scoped packages can "
                             "be restricted");
    }
    tsr_packument_set_restricted(doc, c->restricted);
    return APR_SUCCESS;
}

apr_status_t tsr_access_set(apr_pool_t *p, tsr_store_t *store,
                            const char *name, const tsr_actor_t *who,
                            int restricted, tsr_error_t **perr)
{
    restrict_t c = { name, restricted };

    /* Who may read is in every view's header: all of them again. */
    return tsr_access_change(p, store, name, who, NULL, 1, set_restricted,
                             &c, NULL, perr);
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
