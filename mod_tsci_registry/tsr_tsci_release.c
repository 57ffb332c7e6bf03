/* tsr_tsci_release: the package_releases operations of tscircuit's API.
 * The server never picks a version (tsci push does, probing with get);
 * exactly one release of a package is its latest, and the package's
 * latest_* fields always say which. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_tsci.h"
#include "tsr_tsci_model.h"
#include "tsr_tsci_npm.h"
#include "tsr_tsci_path.h"
#include "tsr_json.h"
#include "tsr_rpc.h"
#include "tsr_semver.h"

typedef struct rel_create_t {
    const char *nwv, *name, *pid, *version, *commit_sha, *license;
    int has_latest, is_latest, ready_to_build;
} rel_create_t;

static apr_status_t rel_create_body(tsci_tx_t *t, void *baton,
                                    json_object **pout, tsr_error_t **perr)
{
    rel_create_t *a = baton;
    const char *version = a->version, *pname = NULL, *pid, *rid, *k, *v;
    json_object *pkg, *rel;
    apr_uint64_t seq;
    apr_size_t klen, n;
    apr_status_t rv;
    int latest;

    if ((rv = tsci_need_user(t, perr)) != APR_SUCCESS) {
        return rv;
    }
    if (a->nwv != NULL) {
        const char *nv;

        tsr_tsci_name_version_split(t->p, a->nwv, &pname, &nv);
        if (nv != NULL) {
            version = nv;
        }
    }
    else {
        pname = a->name;
    }
    if ((pname == NULL && a->pid == NULL) || version == NULL) {
        return tsr_error_set(perr, t->p, 400, "missing_options", "package_id "
                             "or package_name and version are required");
    }
    rv = pname ? tsci_pkg_by_name(t, pname, &pkg)
               : tsci_pkg_by_id(t, a->pid, &pkg);
    if (rv == TSR_ENOTFOUND) {
        return tsr_error_set(perr, t->p, 404, TSR_TSCI_E_PKG_NOT_FOUND,
                             "package not found");
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!tsci_may_manage(t, pkg)) {
        return tsci_forbidden(t, perr);
    }
    /* A release is an npm version of @tsci/<owner>.<name>: it needs a
     * version npm can install. */
    if (!tsr_semver_is_valid(version)) {
        return tsr_error_set(perr, t->p, 400, TSR_RPC_INVALID, "version "
                             "\"%.100s\" is not a semantic version", version);
    }
    pid = tsci_str(pkg, "package_id");
    k = tsci_key(t->p, 'V', pid, version, &klen);
    rv = t->kv->get(t->kv, t->p, k, klen, &v, &n);
    if (rv == APR_SUCCESS) {
        return tsr_error_set(perr, t->p, 400, "version_already_exists",
                             "version %s of %s already exists", version,
                             tsci_str(pkg, "name"));
    }
    if (rv != TSR_ENOTFOUND) {
        return rv;
    }
    /* A prerelease is not latest unless asked, except as a package's
     * first release (as npm makes its first version latest). */
    latest = a->has_latest ? a->is_latest
             : !tsr_tsci_is_prerelease(version)
                   || tsci_str(pkg, "latest_package_release_id") == NULL;
    if ((rv = tsci_next_seq(t, &seq)) != APR_SUCCESS) {
        return rv;
    }
    rid = tsci_new_id(t->p);
    rel = tsr_json_own(t->p, json_object_new_object());
    tsci_set_str(rel, "package_release_id", rid);
    tsci_set_str(rel, "package_id", pid);
    tsci_set_str(rel, "version", version);
    json_object_object_add(rel, "seq", json_object_new_int64((int64_t)seq));
    tsci_set_bool(rel, "is_latest", 0);
    tsci_set_bool(rel, "is_locked", 0);
    tsci_set_bool(rel, "ready_to_build", a->ready_to_build);
    tsci_set_str(rel, "created_at", t->now);
    tsci_set_str(rel, "commit_sha", a->commit_sha);
    tsci_set_str(rel, "license", a->license);
    tsci_set_str(rel, "fs_sha", NULL);
    json_object_object_add(rel, "file_count", json_object_new_int(0));
    if ((rv = t->kv->put(t->kv, k, klen, rid, strlen(rid))) != APR_SUCCESS) {
        return rv;
    }
    k = tsci_key(t->p, 'L', pid,
                 apr_psprintf(t->p, "%016" APR_UINT64_T_HEX_FMT, seq), &klen);
    if ((rv = t->kv->put(t->kv, k, klen, rid, strlen(rid))) != APR_SUCCESS) {
        return rv;
    }
    if (latest && (rv = tsci_rel_set_latest(t, pkg, rel, 1))) {
        return rv;
    }
    if ((rv = tsci_rel_put(t, pkg, rel)) != APR_SUCCESS) {
        return rv;
    }
    *pout = tsci_rel_wire(t, rel);
    return APR_SUCCESS;
}

apr_status_t tsr_tsci_releases_create(tsr_tsci_call_t *c, json_object **pout,
                                      tsr_error_t **perr)
{
    rel_create_t a;
    apr_status_t rv;
    json_object *ps = c->params;

    memset(&a, 0, sizeof(a));
    if ((rv = tsr_rpc_str(ps, "package_name_with_version", &a.nwv, c->p,
                          perr))
        || (rv = tsr_rpc_str(ps, "package_name", &a.name, c->p, perr))
        || (rv = tsr_rpc_str(ps, "package_id", &a.pid, c->p, perr))
        || (rv = tsr_rpc_str(ps, "version", &a.version, c->p, perr))
        || (rv = tsr_rpc_str(ps, "commit_sha", &a.commit_sha, c->p, perr))
        || (rv = tsr_rpc_str(ps, "license", &a.license, c->p, perr))
        || (rv = tsr_rpc_bool(ps, "is_latest", 1, &a.is_latest, c->p, perr))
        || (rv = tsr_rpc_bool(ps, "ready_to_build", 0, &a.ready_to_build,
                              c->p, perr))) {
        return rv;
    }
    a.has_latest = tsci_has(ps, "is_latest");
    return tsci_run(c, 1, rel_create_body, &a, pout, perr);
}

static apr_status_t rel_get_body(tsci_tx_t *t, void *baton,
                                 json_object **pout, tsr_error_t **perr)
{
    json_object *pkg, *rel;
    int none;
    apr_status_t rv = tsci_release_select(t, t->c->params, &pkg, &rel,
                                          &none, perr);

    if (rv == APR_SUCCESS) {
        *pout = tsci_rel_wire(t, rel);
    }
    return rv;
}

apr_status_t tsr_tsci_releases_get(tsr_tsci_call_t *c, json_object **pout,
                                   tsr_error_t **perr)
{
    return tsci_run(c, 0, rel_get_body, NULL, pout, perr);
}

static apr_status_t rel_list_body(tsci_tx_t *t, void *baton,
                                  json_object **pout, tsr_error_t **perr)
{
    json_object *ps = t->c->params, *pkg, *list, *rel;
    const char *pid, *name, *version, *commit, *k;
    apr_array_header_t *rids;
    apr_size_t klen;
    apr_status_t rv;
    int latest, i, by_latest = tsci_has(ps, "is_latest");

    if ((rv = tsr_rpc_str(ps, "package_id", &pid, t->p, perr))
        || (rv = tsr_rpc_str(ps, "package_name", &name, t->p, perr))
        || (rv = tsr_rpc_str(ps, "version", &version, t->p, perr))
        || (rv = tsr_rpc_str(ps, "commit_sha", &commit, t->p, perr))
        || (rv = tsr_rpc_bool(ps, "is_latest", 0, &latest, t->p, perr))) {
        return rv;
    }
    if ((pid == NULL) == (name == NULL)) {
        return tsr_error_set(perr, t->p, 400, TSR_RPC_INVALID, pid
                             ? "package_id and package_name are mutually "
                               "exclusive"
                             : "package_id or package_name is required");
    }
    list = json_object_new_array();
    *pout = list;
    rv = pid ? tsci_pkg_by_id(t, pid, &pkg) : tsci_pkg_by_name(t, name, &pkg);
    /* tsci push lists before the package exists: an empty list, not an
     * error. */
    if (rv == TSR_ENOTFOUND) {
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    k = tsci_key(t->p, 'L', tsci_str(pkg, "package_id"), "", &klen);
    if ((rv = tsci_scan_values(t, k, klen, &rids)) != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; i < rids->nelts; i++) {
        k = tsci_key(t->p, 'R', APR_ARRAY_IDX(rids, i, const char *), NULL,
                     &klen);
        if ((rv = tsci_rec_get(t, k, klen, &rel)) != APR_SUCCESS) {
            return rv;
        }
        if ((by_latest && tsci_bool(rel, "is_latest") != latest)
            || (version && strcmp(version, tsci_str(rel, "version")) != 0)
            || (commit && (tsci_str(rel, "commit_sha") == NULL
                           || strcmp(commit, tsci_str(rel, "commit_sha"))))) {
            continue;
        }
        json_object_array_add(list, tsci_rel_wire(t, rel));
    }
    return APR_SUCCESS;
}

apr_status_t tsr_tsci_releases_list(tsr_tsci_call_t *c, json_object **pout,
                                    tsr_error_t **perr)
{
    apr_status_t rv = tsci_run(c, 0, rel_list_body, NULL, pout, perr);
    const char *name = tsr_json_str(c->params, "package_name");
    apr_array_header_t *have;
    json_object *more;
    size_t i, n;

    if (rv != APR_SUCCESS || name == NULL || tsci_has(c->params, "version")
        || tsci_has(c->params, "commit_sha")
        || tsci_has(c->params, "is_latest")) {
        return rv;
    }
    /* Versions only npm has (npm publish under @tsci/) are releases too;
     * those published from here are already in the list. */
    n = json_object_array_length(*pout);
    have = apr_array_make(c->p, (int)n + 1, sizeof(const char *));
    for (i = 0; i < n; i++) {
        APR_ARRAY_PUSH(have, const char *) =
            tsci_str(json_object_array_get_idx(*pout, i), "version");
    }
    if (tsr_tsci_npm_view(c->store, c->p, name, &c->who, have, NULL, &more)
        == APR_SUCCESS) {
        n = json_object_array_length(more);
        for (i = 0; i < n; i++) {
            json_object_array_add(*pout, json_object_get(
                                             json_object_array_get_idx(more,
                                                                       i)));
        }
    }
    return APR_SUCCESS;
}

static apr_status_t rel_update_body(tsci_tx_t *t, void *baton,
                                    json_object **pout, tsr_error_t **perr)
{
    json_object *ps = t->c->params, *pkg, *rel;
    int has_lock = tsci_has(ps, "is_locked"), has_latest = tsci_has(ps,
        "is_latest"), has_license = tsci_has(ps, "license"),
        has_ready = tsci_has(ps, "ready_to_build");
    int lock, latest, ready, none;
    const char *license;
    apr_status_t rv;

    if ((rv = tsci_need_user(t, perr))
        || (rv = tsr_rpc_bool(ps, "is_locked", 0, &lock, t->p, perr))
        || (rv = tsr_rpc_bool(ps, "is_latest", 0, &latest, t->p, perr))
        || (rv = tsr_rpc_bool(ps, "ready_to_build", 0, &ready, t->p, perr))
        || (rv = tsr_rpc_str(ps, "license", &license, t->p, perr))
        || (rv = tsci_release_select(t, ps, &pkg, &rel, &none, perr))) {
        return rv;
    }
    if (!tsci_may_manage(t, pkg)) {
        return tsci_forbidden(t, perr);
    }
    if (!has_lock && !has_latest && !has_license && !has_ready) {
        return tsr_error_set(perr, t->p, 400, "no_fields_provided", "say "
                             "what to change: is_locked, is_latest, license "
                             "or ready_to_build");
    }
    /* A locked release is frozen: which one is latest may still move,
     * nothing of the release itself. */
    if (tsci_bool(rel, "is_locked")
        && ((has_lock && !lock) || has_license || has_ready)) {
        return tsr_error_set(perr, t->p, 403, TSR_TSCI_E_LOCKED, "release "
                             "%s is locked", tsci_str(rel, "version"));
    }
    /* Nor does a release that npm has: it stays final. */
    if (tsci_bool(rel, "ready_to_build") && has_ready && !ready) {
        return tsr_error_set(perr, t->p, 403, TSR_TSCI_E_LOCKED, "release "
                             "%s is published to npm: it stays "
                             "ready_to_build", tsci_str(rel, "version"));
    }
    if (has_lock && lock) {
        tsci_set_bool(rel, "is_locked", 1);
    }
    if (has_license) {
        tsci_set_str(rel, "license", license);
    }
    if (has_ready) {
        tsci_set_bool(rel, "ready_to_build", ready);
    }
    if (has_latest && (rv = tsci_rel_set_latest(t, pkg, rel, latest))) {
        return rv;
    }
    return tsci_rel_put(t, pkg, rel);
}

apr_status_t tsr_tsci_releases_update(tsr_tsci_call_t *c, json_object **pout,
                                      tsr_error_t **perr)
{
    return tsci_run(c, 1, rel_update_body, NULL, pout, perr);
}
