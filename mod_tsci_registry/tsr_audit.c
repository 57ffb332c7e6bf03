/* tsr_audit: the audit bodies checked and the answers without advisories
 * built. */
#include <apr_hash.h>
#include <apr_strings.h>
#include "tsr_audit.h"
#include "tsr_json.h"

apr_status_t tsr_audit_bulk(json_object **pres, apr_pool_t *p,
                            json_object *doc, tsr_error_t **perr)
{
    *pres = NULL;
    if (!json_object_is_type(doc, json_type_object)) {
        return tsr_error_set(perr, p, 400, NULL, "the audit body must be an "
                             "object of package names and their versions");
    }
    json_object_object_foreach(doc, name, versions) {
        size_t i, n;

        if (*name == '\0') {
            return tsr_error_set(perr, p, 400, NULL, "the audit body names "
                                 "a package with an empty name");
        }
        if (!json_object_is_type(versions, json_type_array)) {
            return tsr_error_set(perr, p, 400, NULL, "the audit body's "
                                 "entry for %s must be an array of "
                                 "versions", name);
        }
        n = json_object_array_length(versions);
        for (i = 0; i < n; i++) {
            if (tsr_json_cstr(json_object_array_get_idx(versions, i))
                == NULL) {
                return tsr_error_set(perr, p, 400, NULL, "the audit body's "
                                     "versions of %s must be strings",
                                     name);
            }
        }
    }
    *pres = tsr_json_own(p, json_object_new_object());
    return APR_SUCCESS;
}

/* How a name@version is depended on, over every place it appears. */
#define AS_REQUIRED 1
#define AS_DEV 2
#define AS_OPTIONAL 4

/* The names from the root to a node, for a refusal that says where. */
typedef struct path_t {
    const char *name;
    const struct path_t *up;
} path_t;

static const char *path_text(apr_pool_t *p, const path_t *at)
{
    const char *s = at->name;

    for (at = at->up; at; at = at->up) {
        s = apr_pstrcat(p, at->name, " > ", s, NULL);
    }
    return s;
}

static apr_status_t bad_node(apr_pool_t *p, const path_t *at,
                             const char *what, tsr_error_t **perr)
{
    return tsr_error_set(perr, p, 400, NULL, "the audit body's dependency "
                         "%s %s", path_text(p, at), what);
}

static int flag_of(json_object *node, const char *key, int *bad)
{
    json_object *v;

    if (!json_object_object_get_ex(node, key, &v)) {
        return 0;
    }
    if (!json_object_is_type(v, json_type_boolean)) {
        *bad = 1;
        return 0;
    }
    return json_object_get_boolean(v);
}

/* A walk of the tree: refusals go to p; the name@version keys, with how
 * they are depended on, to seen, which lives in a pool of its own. */
typedef struct walk_t {
    apr_pool_t *p;
    apr_hash_t *seen;
} walk_t;

/* Check the nodes of deps (an object, below up) and, when count is set,
 * record each name@version.  json-c's depth limit bounds the
 * recursion. */
static apr_status_t walk(walk_t *w, json_object *deps, const path_t *up,
                         int count, tsr_error_t **perr)
{
    apr_pool_t *p = w->p;

    json_object_object_foreach(deps, name, node) {
        path_t here = { name, up };
        json_object *v, *sub = NULL;
        const char *version = "";
        int bad = 0, dev, optional;
        apr_status_t rv;

        if (!json_object_is_type(node, json_type_object)) {
            return bad_node(p, &here, "must be an object", perr);
        }
        if (json_object_object_get_ex(node, "version", &v)
            && (version = tsr_json_cstr(v)) == NULL) {
            return bad_node(p, &here, "has a version that is not a string",
                            perr);
        }
        dev = flag_of(node, "dev", &bad);
        optional = flag_of(node, "optional", &bad);
        if (bad) {
            return bad_node(p, &here, "has a dev or optional flag that is "
                            "not true or false", perr);
        }
        if (json_object_object_get_ex(node, "dependencies", &sub)
            && !json_object_is_type(sub, json_type_object)) {
            return bad_node(p, &here, "has dependencies that are not an "
                            "object", perr);
        }
        if (count) {
            apr_pool_t *hp = apr_hash_pool_get(w->seen);
            const char *key = apr_pstrcat(hp, name, "@", version, NULL);
            apr_uintptr_t as = (apr_uintptr_t)apr_hash_get(
                w->seen, key, APR_HASH_KEY_STRING);

            as |= dev ? AS_DEV : optional ? AS_OPTIONAL : AS_REQUIRED;
            apr_hash_set(w->seen, key, APR_HASH_KEY_STRING, (void *)as);
        }
        if (sub && (rv = walk(w, sub, &here, count, perr)) != APR_SUCCESS) {
            return rv;
        }
    }
    return APR_SUCCESS;
}

/* pnpm's root: its nodes are projects; their dependencies are counted. */
static apr_status_t walk_projects(walk_t *w, json_object *deps,
                                  tsr_error_t **perr)
{
    apr_status_t rv;

    json_object_object_foreach(deps, name, node) {
        json_object *sub = NULL;
        path_t here = { name, NULL };

        if (!json_object_is_type(node, json_type_object)) {
            return bad_node(w->p, &here, "must be an object", perr);
        }
        if (json_object_object_get_ex(node, "dependencies", &sub)
            && !json_object_is_type(sub, json_type_object)) {
            return bad_node(w->p, &here, "has dependencies that are not an "
                            "object", perr);
        }
        if (sub && (rv = walk(w, sub, &here, 1, perr)) != APR_SUCCESS) {
            return rv;
        }
    }
    return APR_SUCCESS;
}

static void set_int(json_object *o, const char *key, apr_int64_t n)
{
    json_object_object_add(o, key, json_object_new_int64((int64_t)n));
}

apr_status_t tsr_audit_quick(json_object **pres, apr_pool_t *p,
                             json_object *doc, tsr_audit_counts_t *pcounts,
                             tsr_error_t **perr)
{
    static const char *const severities[] = {
        "info", "low", "moderate", "high", "critical", NULL
    };
    tsr_audit_counts_t c = { 0, 0, 0 };
    json_object *deps = NULL, *res, *meta, *vulns;
    apr_hash_index_t *hi;
    apr_pool_t *sub;
    walk_t w;
    apr_status_t rv = APR_SUCCESS;
    int i;

    *pres = NULL;
    if (!json_object_is_type(doc, json_type_object)) {
        return tsr_error_set(perr, p, 400, NULL, "the audit body must be an "
                             "object describing the dependency tree");
    }
    if (json_object_object_get_ex(doc, "dependencies", &deps)
        && !json_object_is_type(deps, json_type_object)) {
        return tsr_error_set(perr, p, 400, NULL, "the audit body's "
                             "dependencies must be an object");
    }
    /* The keys of a large tree: gone once counted. */
    apr_pool_create(&sub, p);
    w.p = p;
    w.seen = apr_hash_make(sub);
    if (deps) {
        rv = json_object_object_get_ex(doc, "name", NULL)
                 ? walk(&w, deps, NULL, 1, perr)
                 : walk_projects(&w, deps, perr);
    }
    if (rv != APR_SUCCESS) {
        apr_pool_destroy(sub);
        return rv;
    }
    for (hi = apr_hash_first(sub, w.seen); hi; hi = apr_hash_next(hi)) {
        apr_uintptr_t as = (apr_uintptr_t)apr_hash_this_val(hi);

        if (as & AS_REQUIRED) {
            c.dependencies++;
        }
        else if (as & AS_OPTIONAL) {
            c.optional++;
        }
        else {
            c.dev++;
        }
    }
    apr_pool_destroy(sub);

    res = tsr_json_own(p, json_object_new_object());
    json_object_object_add(res, "actions", json_object_new_array());
    json_object_object_add(res, "advisories", json_object_new_object());
    json_object_object_add(res, "muted", json_object_new_array());
    meta = json_object_new_object();
    vulns = json_object_new_object();
    for (i = 0; severities[i]; i++) {
        set_int(vulns, severities[i], 0);
    }
    json_object_object_add(meta, "vulnerabilities", vulns);
    set_int(meta, "dependencies", c.dependencies);
    set_int(meta, "devDependencies", c.dev);
    set_int(meta, "optionalDependencies", c.optional);
    set_int(meta, "totalDependencies", c.dependencies + c.dev + c.optional);
    json_object_object_add(res, "metadata", meta);
    if (pcounts) {
        *pcounts = c;
    }
    *pres = res;
    return APR_SUCCESS;
}
