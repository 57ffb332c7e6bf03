/* tsr_tsci_npmview: npm's @tsci/ packages as tscircuit sees them.  A
 * package published with npm publish under @tsci/<owner>.<name> is read
 * from its npm document whenever tscircuit's API asks for it, so the two
 * never have to be written together: the npm document is the one truth
 * for what only npm published.  Ids are "npm:<name>" and
 * "npm:<name>@<version>", which no tscircuit id (a UUID) can be. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_tsci_npm.h"
#include "tsr_tsci_model.h"
#include "tsr_json.h"
#include "tsr_access.h"
#include "tsr_packument.h"

/* The records the wire shapes are made from, as the tscircuit table would
 * hold them. */
static json_object *pkg_record(apr_pool_t *p, json_object *doc,
                               const char *npm_name, const char *name)
{
    json_object *pkg = tsr_json_own(p, json_object_new_object());
    json_object *time = tsr_json_obj(doc, "time");
    const char *slash = strchr(name, '/');
    const char *latest = tsr_json_str(tsr_json_obj(doc, "dist-tags"),
                                      "latest");
    json_object *lm = latest ? tsr_json_obj(tsr_json_obj(doc, "versions"),
                                            latest)
                             : NULL;
    json_object *maint;
    const char *creator = NULL;

    if (json_object_object_get_ex(doc, "maintainers", &maint)
        && json_object_is_type(maint, json_type_array)
        && json_object_array_length(maint) > 0) {
        creator = tsr_json_str(json_object_array_get_idx(maint, 0), "name");
    }
    tsci_set_str(pkg, "package_id", apr_pstrcat(p, "npm:", npm_name, NULL));
    tsci_set_str(pkg, "name", name);
    tsci_set_str(pkg, "unscoped_name", slash + 1);
    tsci_set_str(pkg, "owner", apr_pstrmemdup(p, name, slash - name));
    tsci_set_str(pkg, "creator", creator);
    tsci_set_str(pkg, "description", tsr_json_str(doc, "description"));
    tsci_set_str(pkg, "created_at", tsr_json_str(time, "created"));
    tsci_set_str(pkg, "updated_at", tsr_json_str(time, "modified"));
    tsci_set_str(pkg, "latest_version", latest);
    tsci_set_str(pkg, "latest_package_release_id", latest
                 ? apr_pstrcat(p, "npm:", npm_name, "@", latest, NULL)
                 : NULL);
    tsci_set_str(pkg, "latest_package_release_fs_sha", NULL);
    tsci_set_str(pkg, "license", lm ? tsr_json_str(lm, "license") : NULL);
    tsci_set_str(pkg, "default_view", "files");
    tsci_set_bool(pkg, "is_private", tsr_packument_restricted(doc));
    tsci_set_bool(pkg, "is_unlisted", tsr_packument_restricted(doc));
    return pkg;
}

static json_object *rel_record(apr_pool_t *p, json_object *doc,
                               const char *npm_name, const char *version,
                               json_object *manifest)
{
    json_object *rel = tsr_json_own(p, json_object_new_object());
    const char *latest = tsr_json_str(tsr_json_obj(doc, "dist-tags"),
                                      "latest");

    tsci_set_str(rel, "package_release_id",
                 apr_pstrcat(p, "npm:", npm_name, "@", version, NULL));
    tsci_set_str(rel, "package_id", apr_pstrcat(p, "npm:", npm_name, NULL));
    tsci_set_str(rel, "version", version);
    tsci_set_str(rel, "created_at",
                 tsr_json_str(tsr_json_obj(doc, "time"), version));
    tsci_set_str(rel, "commit_sha", NULL);
    tsci_set_str(rel, "license", tsr_json_str(manifest, "license"));
    tsci_set_str(rel, "fs_sha", NULL);
    tsci_set_bool(rel, "is_latest", latest && strcmp(latest, version) == 0);
    /* An npm version never changes: locked, and final. */
    tsci_set_bool(rel, "is_locked", 1);
    tsci_set_bool(rel, "ready_to_build", 1);
    return rel;
}

static int had(const apr_array_header_t *have, const char *version)
{
    int i;

    for (i = 0; have && i < have->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(have, i, const char *), version) == 0) {
            return 1;
        }
    }
    return 0;
}

apr_status_t tsr_tsci_npm_view(tsr_store_t *s, apr_pool_t *p,
                               const char *name, const tsr_actor_t *who,
                               const apr_array_header_t *have,
                               json_object **ppkg, json_object **prels)
{
    const char *npm_name = tsr_tsci_npm_name(p, name), *tname;
    tsr_tsci_call_t c;
    tsci_tx_t t;
    json_object *doc, *versions, *rels;
    apr_status_t rv;

    if (npm_name == NULL
        || (tname = tsr_tsci_npm_tsci_name(p, npm_name)) == NULL) {
        return TSR_ENOTFOUND;
    }
    /* Restricted packages are missing to those who may not read them, as
     * on the npm side. */
    if ((rv = tsr_access_doc(&doc, p, s, npm_name, who)) != APR_SUCCESS) {
        return rv;
    }
    if (tsr_packument_is_gone(doc)) {
        return TSR_ENOTFOUND;
    }
    memset(&c, 0, sizeof(c));
    c.store = s;
    c.p = p;
    c.who = *who;
    memset(&t, 0, sizeof(t));
    t.c = &c;
    t.p = p;
    if (ppkg) {
        *ppkg = tsci_pkg_wire(&t, pkg_record(p, doc, npm_name, tname));
        tsr_json_own(p, *ppkg);
    }
    if (prels == NULL) {
        return APR_SUCCESS;
    }
    rels = tsr_json_own(p, json_object_new_array());
    versions = tsr_json_obj(doc, "versions");
    /* Oldest first, as tscircuit lists releases: the document keeps
     * versions in the order they were published. */
    if (versions) {
        json_object_object_foreach(versions, v, m) {
            if (!had(have, v)) {
                json_object_array_add(rels, tsci_rel_wire(
                    &t, rel_record(p, doc, npm_name, v, m)));
            }
        }
    }
    *prels = rels;
    return APR_SUCCESS;
}
