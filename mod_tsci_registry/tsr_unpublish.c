/* tsr_unpublish: removing versions and packages. */
#include <string.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "tsr_unpublish.h"
#include "tsr_access.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_packument.h"

typedef struct unpublish_t {
    apr_pool_t *pool;               /* the caller's: tarballs outlive the
                                     * transaction's pool */
    json_object *keep;              /* versions the body still lists, or
                                     * NULL: none (the whole package) */
    apr_array_header_t *tarballs;   /* paths of the versions removed */
} unpublish_t;

/* Note the tarball of version in doc for removal after the commit. */
static void note_tarball(unpublish_t *u, json_object *doc,
                         const char *version)
{
    json_object *m = tsr_json_obj(tsr_json_obj(doc, "versions"), version);
    const char *path = tsr_json_str(tsr_json_obj(m, "dist"), "tarball");

    if (path) {
        APR_ARRAY_PUSH(u->tarballs, const char *) =
            apr_pstrdup(u->pool, path);
    }
}

static apr_status_t remove_versions(void *baton, apr_pool_t *p,
                                    json_object *doc, tsr_error_t **perr)
{
    unpublish_t *u = baton;
    json_object *versions = tsr_json_obj(doc, "versions");
    apr_array_header_t *gone = apr_array_make(p, 4, sizeof(char *));
    apr_time_t now = apr_time_now();
    apr_status_t rv;
    int i;

    /* Called again when the transaction is retried: start afresh. */
    apr_array_clear(u->tarballs);
    if (u->keep) {
        json_object_object_foreach(u->keep, ver, m) {
            (void)m;
            if (versions == NULL
                || !json_object_object_get_ex(versions, ver, NULL)) {
                return tsr_error_set(perr, p, 400, NULL, "%s@%s is not "
                                     "published: versions are added by "
                                     "npm publish", tsr_json_str(doc, "name"),
                                     ver);
            }
        }
    }
    if (versions) {
        json_object_object_foreach(versions, ver, m) {
            (void)m;
            if (u->keep == NULL
                || !json_object_object_get_ex(u->keep, ver, NULL)) {
                APR_ARRAY_PUSH(gone, const char *) = apr_pstrdup(p, ver);
            }
        }
    }
    if (gone->nelts == 0) {
        return tsr_error_set(perr, p, 400, NULL, "the document names every "
                             "version of %s: nothing to unpublish",
                             tsr_json_str(doc, "name"));
    }
    for (i = 0; i < gone->nelts; i++) {
        const char *v = APR_ARRAY_IDX(gone, i, const char *);

        note_tarball(u, doc, v);
        if (tsr_packument_is_gone(doc)) {
            continue;
        }
        if ((rv = tsr_packument_remove_version(doc, p, v, now, perr))
            != APR_SUCCESS) {
            return rv;
        }
    }
    if (u->keep == NULL && !tsr_packument_is_gone(doc)) {
        tsr_packument_bury(doc, p, now);
    }
    return APR_SUCCESS;
}

/* After the commit: the tarballs no document lists any more. */
static void remove_tarballs(apr_pool_t *p, tsr_store_t *store,
                            const apr_array_header_t *paths)
{
    int i;

    for (i = 0; i < paths->nelts; i++) {
        tsr_store_tarball_remove(store, p,
                                 APR_ARRAY_IDX(paths, i, const char *));
    }
}

static apr_status_t unpublish(apr_pool_t *p, tsr_store_t *store,
                              const char *name, const tsr_actor_t *who,
                              const char *rev, json_object *keep,
                              const char **pnew_rev, tsr_error_t **perr)
{
    unpublish_t u;
    apr_status_t rv;

    u.pool = p;
    u.keep = keep;
    u.tarballs = apr_array_make(p, 4, sizeof(char *));
    /* Every version's view goes with the package, and a removed one's
     * with it: the access change lists them from the two documents. */
    rv = tsr_access_change(p, store, name, who, rev, 0, remove_versions, &u,
                           pnew_rev, perr);
    if (rv == APR_SUCCESS) {
        remove_tarballs(p, store, u.tarballs);
    }
    return rv;
}

apr_status_t tsr_unpublish_versions(apr_pool_t *p, tsr_store_t *store,
                                    const char *name, const tsr_actor_t *who,
                                    const char *rev, json_object *body,
                                    const char **pnew_rev,
                                    tsr_error_t **perr)
{
    json_object *keep = tsr_json_obj(body, "versions");

    if (keep == NULL) {
        return tsr_error_set(perr, p, 400, NULL, "the document has no "
                             "\"versions\" object");
    }
    return unpublish(p, store, name, who, rev, keep, pnew_rev, perr);
}

apr_status_t tsr_unpublish_package(apr_pool_t *p, tsr_store_t *store,
                                   const char *name, const tsr_actor_t *who,
                                   const char *rev, tsr_error_t **perr)
{
    return unpublish(p, store, name, who, rev, NULL, NULL, perr);
}

/* The version whose tarball file name is file, among the version numbers
 * doc's time keeps (every version ever published), or NULL. */
static const char *version_of_file(apr_pool_t *p, json_object *doc,
                                   const char *name, const char *file)
{
    json_object *time = tsr_json_obj(doc, "time");

    if (time == NULL) {
        return NULL;
    }
    json_object_object_foreach(time, ver, v) {
        (void)v;
        if (strcmp(ver, "created") != 0 && strcmp(ver, "modified") != 0
            && strcmp(ver, "unpublished") != 0
            && strcmp(tsr_name_tarball_file(p, name, ver), file) == 0) {
            return apr_pstrdup(p, ver);
        }
    }
    return NULL;
}

apr_status_t tsr_unpublish_tarball(apr_pool_t *p, tsr_store_t *store,
                                   const char *name, const char *file,
                                   const tsr_actor_t *who, const char *rev,
                                   tsr_error_t **perr)
{
    const char *text, *version;
    apr_size_t len;
    json_object *doc;
    apr_status_t rv;

    rv = tsr_store_package_doc(store, p, name, &text, &len);
    if (rv == TSR_ENOTFOUND) {
        return tsr_error_set(perr, p, 404, NULL, "package not found: %s",
                             name);
    }
    if (rv != APR_SUCCESS
        || tsr_json_parse(&doc, p, text, len, 1000, NULL) != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "the document of %s could "
                                  "not be read", name);
    }
    if (!tsr_packument_is_gone(doc)
        && !tsr_access_may_read(tsr_packument_readers(p, doc), who)) {
        return tsr_error_set(perr, p, 404, NULL, "package not found: %s",
                             name);
    }
    if (!who->admin && !tsr_packument_is_maintainer(doc, who->user)) {
        return tsr_error_set(perr, p, 403, NULL, "%s is not a maintainer of "
                             "%s", who->user, name);
    }
    if (rev && strcmp(rev, tsr_packument_rev(doc)) != 0) {
        return tsr_error_set(perr, p, 409, NULL, "%s changed since it was "
                             "read: try again", name);
    }
    if ((version = version_of_file(p, doc, name, file)) == NULL) {
        return tsr_error_set(perr, p, 404, NULL, "%s has no tarball %s",
                             name, file);
    }
    if (tsr_json_obj(tsr_json_obj(doc, "versions"), version) != NULL) {
        return tsr_error_set(perr, p, 400, NULL, "%s@%s is still published: "
                             "unpublish the version, and its tarball goes "
                             "with it", name, version);
    }
    tsr_store_tarball_remove(store, p, tsr_name_tarball_path(p, name,
                                                             version));
    return APR_SUCCESS;
}
