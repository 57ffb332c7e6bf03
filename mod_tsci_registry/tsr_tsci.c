/* tsr_tsci: the packages and package_releases operations of tscircuit's
 * registry API, and the transaction every operation runs in.  A refusal
 * is decided inside the transaction before anything is written, or the
 * transaction is abandoned: either way the store is as it was. */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "tsr_tsci.h"
#include "tsr_tsci_model.h"
#include "tsr_tsci_npm.h"
#include "tsr_tsci_path.h"
#include "tsr_tsci_search.h"
#include "tsr_json.h"
#include "tsr_rpc.h"
#include "tsr_semver.h"

typedef struct run_t {
    tsr_tsci_call_t *c;
    tsci_body_fn *body;
    void *baton;
    const char *now;
    json_object *out;
} run_t;

static apr_status_t run_step(void *baton, apr_pool_t *p, tsr_kv_t *kv,
                             tsr_error_t **perr)
{
    run_t *r = baton;
    tsci_tx_t t = { r->c, p, kv, r->now };
    json_object *out = NULL;
    apr_status_t rv = r->body(&t, r->baton, &out, perr);

    if (rv != APR_SUCCESS) {
        if (out != NULL) {
            json_object_put(out);
        }
        /* A record that is not found here was looked for by this code,
         * not by the client: a broken store. */
        return rv == TSR_ENOTFOUND ? APR_EGENERAL : rv;
    }
    if (r->out != NULL) {
        json_object_put(r->out);    /* an attempt that was retried */
    }
    r->out = out;
    return APR_SUCCESS;
}

apr_status_t tsci_run(tsr_tsci_call_t *c, int write, tsci_body_fn *body,
                      void *baton, json_object **pout, tsr_error_t **perr)
{
    run_t r = { c, body, baton, tsr_json_time(c->p, apr_time_now()), NULL };
    apr_status_t rv;

    *pout = NULL;
    rv = tsr_store_tsci_txn(c->store, c->p, write, run_step, &r, perr);
    if (r.out != NULL) {
        tsr_json_own(c->p, r.out);
    }
    if (rv == APR_SUCCESS) {
        *pout = r.out;
    }
    else if (rv == APR_ENOTIMPL) {
        return tsr_error_set(perr, c->p, 501, "not_implemented", "this "
                             "store keeps no tscircuit packages");
    }
    return rv;
}

apr_status_t tsci_need_user(tsci_tx_t *t, tsr_error_t **perr)
{
    if (t->c->who.user == NULL) {
        return tsr_error_set(perr, t->p, 401, "unauthorized", "sign in "
                             "first: this needs a token");
    }
    return APR_SUCCESS;
}

apr_status_t tsci_forbidden(tsci_tx_t *t, tsr_error_t **perr)
{
    return tsr_error_set(perr, t->p, 403, "forbidden", "you may not change "
                         "this package: it is %s's",
                         t->c->who.user ? "someone else" : "nobody");
}

int tsci_has(json_object *params, const char *key)
{
    json_object *v;

    return json_object_object_get_ex(params, key, &v);
}

/* Collect the records under a prefix (packages, by scanning 'P'). */
typedef struct scan_t {
    tsci_tx_t *t;
    apr_array_header_t *vals;
} scan_t;

static apr_status_t collect(void *baton, const char *key, apr_size_t klen,
                            const char *val, apr_size_t vlen)
{
    scan_t *s = baton;

    APR_ARRAY_PUSH(s->vals, const char *) =
        apr_pstrmemdup(s->t->p, val, vlen);
    return APR_SUCCESS;
}

static apr_status_t collect_keys(void *baton, const char *key,
                                 apr_size_t klen, const char *val,
                                 apr_size_t vlen)
{
    scan_t *s = baton;

    APR_ARRAY_PUSH(s->vals, const char *) =
        apr_pstrmemdup(s->t->p, key, klen);
    return APR_SUCCESS;
}

apr_status_t tsci_scan_values(tsci_tx_t *t, const char *prefix,
                              apr_size_t plen, apr_array_header_t **pvals)
{
    scan_t s = { t, apr_array_make(t->p, 16, sizeof(const char *)) };

    *pvals = s.vals;
    return t->kv->scan(t->kv, t->p, prefix, plen, collect, &s);
}

/* ---- packages ---- */

typedef struct pkg_create_t {
    const char *name;
    const char *description;
    int is_private, is_unlisted;
} pkg_create_t;

static apr_status_t pkg_create_body(tsci_tx_t *t, void *baton,
                                    json_object **pout, tsr_error_t **perr)
{
    pkg_create_t *a = baton;
    const char *owner, *unscoped, *k, *v, *id, *user = t->c->who.user;
    apr_size_t klen, n;
    json_object *pkg;
    apr_status_t rv;
    int i;

    if ((rv = tsci_need_user(t, perr)) != APR_SUCCESS) {
        return rv;
    }
    if (a->name == NULL) {
        /* No name: the first free "untitled-package-<n>" of the caller. */
        for (i = 1; i <= 1000; i++) {
            unscoped = apr_psprintf(t->p, "untitled-package-%d", i);
            k = tsci_name_key(t->p, user, unscoped, &klen);
            rv = t->kv->get(t->kv, t->p, k, klen, &v, &n);
            if (rv == TSR_ENOTFOUND) {
                break;
            }
            if (rv != APR_SUCCESS) {
                return rv;
            }
        }
        owner = user;
        if (!tsr_tsci_handle_valid(owner)) {
            return tsr_error_set(perr, t->p, 400, "validation_error",
                                 "user name \"%s\" is not a handle", user);
        }
    }
    else if ((rv = tsr_tsci_name_parse(t->p, a->name, &owner, &unscoped,
                                       perr)) != APR_SUCCESS) {
        return rv;
    }
    if (strcasecmp(owner, user) != 0 && !t->c->who.admin) {
        return tsr_error_set(perr, t->p, 403, "forbidden", "you may create "
                             "packages under your own name (%s) only", user);
    }
    k = tsci_name_key(t->p, owner, unscoped, &klen);
    rv = t->kv->get(t->kv, t->p, k, klen, &v, &n);
    if (rv == APR_SUCCESS) {
        return tsr_error_set(perr, t->p, 400, "package_already_exists",
                             "package %s/%s already exists", owner,
                             unscoped);
    }
    if (rv != TSR_ENOTFOUND) {
        return rv;
    }
    id = tsci_new_id(t->p);
    pkg = tsr_json_own(t->p, json_object_new_object());
    tsci_set_str(pkg, "package_id", id);
    tsci_set_str(pkg, "name", apr_pstrcat(t->p, owner, "/", unscoped, NULL));
    tsci_set_str(pkg, "unscoped_name", unscoped);
    tsci_set_str(pkg, "owner", owner);
    tsci_set_str(pkg, "creator", user);
    tsci_set_str(pkg, "description", a->description);
    tsci_set_bool(pkg, "is_private", a->is_private);
    tsci_set_bool(pkg, "is_unlisted", a->is_private || a->is_unlisted);
    tsci_set_str(pkg, "default_view", "files");
    tsci_set_str(pkg, "created_at", t->now);
    tsci_set_str(pkg, "updated_at", t->now);
    if ((rv = t->kv->put(t->kv, k, klen, id, strlen(id))) != APR_SUCCESS) {
        return rv;
    }
    k = tsci_owner_key(t->p, owner, id, &klen);
    if ((rv = t->kv->put(t->kv, k, klen, "", 0)) != APR_SUCCESS) {
        return rv;
    }
    if ((rv = tsci_pkg_put(t, pkg)) != APR_SUCCESS) {
        return rv;
    }
    *pout = tsci_pkg_wire(t, pkg);
    return APR_SUCCESS;
}

apr_status_t tsr_tsci_packages_create(tsr_tsci_call_t *c, json_object **pout,
                                      tsr_error_t **perr)
{
    pkg_create_t a;
    apr_status_t rv;

    if ((rv = tsr_rpc_str(c->params, "name", &a.name, c->p, perr))
        || (rv = tsr_rpc_str(c->params, "description", &a.description,
                             c->p, perr))
        || (rv = tsr_rpc_bool(c->params, "is_private", 0, &a.is_private,
                              c->p, perr))
        || (rv = tsr_rpc_bool(c->params, "is_unlisted", 0, &a.is_unlisted,
                              c->p, perr))) {
        return rv;
    }
    return tsci_run(c, 1, pkg_create_body, &a, pout, perr);
}

static apr_status_t pkg_get_body(tsci_tx_t *t, void *baton,
                                 json_object **pout, tsr_error_t **perr)
{
    json_object *params = t->c->params, *pkg;
    const char *id, *name;
    apr_status_t rv;

    if ((rv = tsr_rpc_str(params, "package_id", &id, t->p, perr))
        || (rv = tsr_rpc_str(params, "name", &name, t->p, perr))) {
        return rv;
    }
    if (id == NULL && name == NULL) {
        return tsr_error_set(perr, t->p, 400, TSR_RPC_INVALID,
                             "package_id or name is required");
    }
    rv = id ? tsci_pkg_by_id(t, id, &pkg) : tsci_pkg_by_name(t, name, &pkg);
    if (rv == TSR_ENOTFOUND) {
        return tsr_error_set(perr, t->p, 404, TSR_TSCI_E_PKG_NOT_FOUND,
                             "package not found");
    }
    if (rv == APR_SUCCESS) {
        *pout = tsci_pkg_wire(t, pkg);
    }
    return rv;
}

apr_status_t tsr_tsci_packages_get(tsr_tsci_call_t *c, json_object **pout,
                                   tsr_error_t **perr)
{
    apr_status_t rv = tsci_run(c, 0, pkg_get_body, NULL, pout, perr);
    const char *name = tsr_json_str(c->params, "name");

    /* Not tscircuit's, perhaps npm's: a package published with npm
     * publish under @tsci/ (tsr_tsci_npmview.c). */
    if (rv != APR_SUCCESS && *perr && (*perr)->http_status == 404
        && name != NULL
        && tsr_tsci_npm_view(c->store, c->p, name, &c->who, NULL, pout,
                             NULL) == APR_SUCCESS) {
        *perr = NULL;
        return APR_SUCCESS;
    }
    return rv;
}

/* The package records under a prefix of 'O' keys (an owner's) or all. */
static apr_status_t pkgs_of(tsci_tx_t *t, const char *owner,
                            apr_array_header_t **ppkgs)
{
    apr_array_header_t *vals, *pkgs;
    apr_size_t klen;
    apr_status_t rv;
    const char *k;
    int i;

    pkgs = apr_array_make(t->p, 16, sizeof(json_object *));
    *ppkgs = pkgs;
    if (owner != NULL) {
        scan_t s = { t, apr_array_make(t->p, 16, sizeof(const char *)) };

        k = tsci_owner_key(t->p, owner, "", &klen);
        if ((rv = t->kv->scan(t->kv, t->p, k, klen, collect_keys, &s))
            != APR_SUCCESS) {
            return rv;
        }
        for (i = 0; i < s.vals->nelts; i++) {
            const char *key = APR_ARRAY_IDX(s.vals, i, const char *);
            json_object *pkg;

            rv = tsci_pkg_by_id(t, key + klen, &pkg);
            if (rv == APR_SUCCESS) {
                APR_ARRAY_PUSH(pkgs, json_object *) = pkg;
            }
            else if (rv != TSR_ENOTFOUND) {
                return rv;
            }
        }
        return APR_SUCCESS;
    }
    if ((rv = tsci_scan_values(t, "P", 1, &vals)) != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; i < vals->nelts; i++) {
        const char *v = APR_ARRAY_IDX(vals, i, const char *);
        json_object *pkg;

        if (tsr_json_parse(&pkg, t->p, v, strlen(v), TSR_JSON_MAX_DEPTH,
                           NULL) != APR_SUCCESS) {
            return APR_EGENERAL;
        }
        if (tsci_may_see(t, pkg)) {
            APR_ARRAY_PUSH(pkgs, json_object *) = pkg;
        }
    }
    return APR_SUCCESS;
}

static apr_status_t pkg_list_body(tsci_tx_t *t, void *baton,
                                  json_object **pout, tsr_error_t **perr)
{
    json_object *params = t->c->params, *list;
    const char *creator, *gh, *handle, *org, *name, *owner;
    apr_array_header_t *pkgs;
    apr_int64_t limit;
    apr_status_t rv;
    int writable, i;

    if ((rv = tsr_rpc_str(params, "creator_account_id", &creator, t->p,
                          perr))
        || (rv = tsr_rpc_str(params, "owner_github_username", &gh, t->p,
                             perr))
        || (rv = tsr_rpc_str(params, "owner_tscircuit_handle", &handle,
                             t->p, perr))
        || (rv = tsr_rpc_str(params, "owner_org_id", &org, t->p, perr))
        || (rv = tsr_rpc_str(params, "name", &name, t->p, perr))
        || (rv = tsr_rpc_bool(params, "is_writable", 0, &writable, t->p,
                              perr))
        || (rv = tsr_rpc_int(params, "limit", 1000, 1, 1000, &limit, t->p,
                             perr))) {
        return rv;
    }
    owner = handle ? handle : gh ? gh : org;
    if (owner == NULL && creator == NULL && name == NULL && !writable) {
        if (t->c->who.user == NULL) {
            return tsr_error_set(perr, t->p, 400, "invalid_request", "say "
                                 "whose packages: owner_tscircuit_handle, "
                                 "creator_account_id, name, or sign in");
        }
        owner = t->c->who.user;     /* "list your packages" */
    }
    if ((rv = pkgs_of(t, owner, &pkgs)) != APR_SUCCESS) {
        return rv;
    }
    list = json_object_new_array();
    for (i = 0; i < pkgs->nelts
                && (apr_int64_t)json_object_array_length(list) < limit;
         i++) {
        json_object *pkg = APR_ARRAY_IDX(pkgs, i, json_object *), *w;

        if ((creator && strcasecmp(creator, tsci_str(pkg, "creator")) != 0)
            || (name && strcasecmp(name, tsci_str(pkg, "name")) != 0)
            || (writable && !tsci_may_manage(t, pkg))) {
            continue;
        }
        w = tsci_pkg_wire(t, pkg);
        json_object_object_add(w, "starred_at", NULL);
        json_object_array_add(list, w);
    }
    *pout = list;
    return APR_SUCCESS;
}

apr_status_t tsr_tsci_packages_list(tsr_tsci_call_t *c, json_object **pout,
                                    tsr_error_t **perr)
{
    return tsci_run(c, 0, pkg_list_body, NULL, pout, perr);
}

static apr_status_t pkg_search_body(tsci_tx_t *t, void *baton,
                                    json_object **pout, tsr_error_t **perr)
{
    apr_array_header_t *pkgs;
    json_object *list;
    apr_status_t rv;
    int i;

    /* On the word index: what the hits cost, whatever the catalogue's
     * size (tsr_tsci_search.h). */
    if ((rv = tsci_search_run(t, baton, 100, &pkgs)) != APR_SUCCESS) {
        return rv;
    }
    list = json_object_new_array();
    for (i = 0; i < pkgs->nelts; i++) {
        json_object_array_add(list, tsci_pkg_wire(t,
            APR_ARRAY_IDX(pkgs, i, json_object *)));
    }
    *pout = list;
    return APR_SUCCESS;
}

apr_status_t tsr_tsci_packages_search(tsr_tsci_call_t *c, json_object **pout,
                                      tsr_error_t **perr)
{
    const char *query;
    apr_status_t rv;

    if ((rv = tsr_rpc_need_str(c->params, "query", &query, c->p, perr))) {
        return rv;
    }
    return tsci_run(c, 0, pkg_search_body, (void *)query, pout, perr);
}

/* The package a write names by package_id, if the caller may manage it. */
static apr_status_t pkg_for_write(tsci_tx_t *t, json_object **ppkg,
                                  tsr_error_t **perr)
{
    const char *id;
    apr_status_t rv;

    if ((rv = tsci_need_user(t, perr))
        || (rv = tsr_rpc_need_str(t->c->params, "package_id", &id, t->p,
                                  perr))) {
        return rv;
    }
    rv = tsci_pkg_by_id(t, id, ppkg);
    if (rv == TSR_ENOTFOUND) {
        return tsr_error_set(perr, t->p, 404, TSR_TSCI_E_PKG_NOT_FOUND,
                             "package not found");
    }
    if (rv == APR_SUCCESS && !tsci_may_manage(t, *ppkg)) {
        return tsci_forbidden(t, perr);
    }
    return rv;
}

static apr_status_t set_opt_str(tsci_tx_t *t, json_object *pkg,
                                const char *key, tsr_error_t **perr)
{
    const char *v;
    apr_status_t rv;

    if (!tsci_has(t->c->params, key)) {
        return APR_SUCCESS;
    }
    if ((rv = tsr_rpc_str(t->c->params, key, &v, t->p, perr))) {
        return rv;
    }
    tsci_set_str(pkg, key, v);      /* null clears (unlinks a repo) */
    return APR_SUCCESS;
}

static apr_status_t set_opt_bool(tsci_tx_t *t, json_object *pkg,
                                 const char *key, tsr_error_t **perr)
{
    int v;
    apr_status_t rv;

    if (!tsci_has(t->c->params, key)) {
        return APR_SUCCESS;
    }
    if ((rv = tsr_rpc_bool(t->c->params, key, 0, &v, t->p, perr))) {
        return rv;
    }
    tsci_set_bool(pkg, key, v);
    return APR_SUCCESS;
}

static apr_status_t pkg_rename(tsci_tx_t *t, json_object *pkg,
                               const char *to, tsr_error_t **perr)
{
    const char *owner = tsci_str(pkg, "owner"), *slash = strrchr(to, '/');
    const char *id = tsci_str(pkg, "package_id"), *k, *v;
    apr_size_t klen, n;
    apr_status_t rv;

    /* The owner stays: a new name is the part after the owner. */
    if (slash != NULL) {
        to = slash + 1;
    }
    if (!tsr_tsci_unscoped_valid(to)) {
        return tsr_error_set(perr, t->p, 400, TSR_RPC_INVALID, "package "
                             "name \"%.200s\": letters, digits, '_' and "
                             "'-'", to);
    }
    k = tsci_name_key(t->p, owner, to, &klen);
    rv = t->kv->get(t->kv, t->p, k, klen, &v, &n);
    if (rv == APR_SUCCESS) {
        if (n == strlen(id) && memcmp(v, id, n) == 0) {
            /* The same name in another case: only the spelling moves. */
        }
        else {
            return tsr_error_set(perr, t->p, 400, "package_already_exists",
                                 "package %s/%s already exists", owner, to);
        }
    }
    else if (rv != TSR_ENOTFOUND) {
        return rv;
    }
    {
        apr_size_t oklen;
        const char *ok = tsci_name_key(t->p, owner,
                                       tsci_str(pkg, "unscoped_name"),
                                       &oklen);

        if ((rv = t->kv->del(t->kv, ok, oklen)) != APR_SUCCESS
            || (rv = t->kv->put(t->kv, k, klen, id, strlen(id)))
                   != APR_SUCCESS) {
            return rv;
        }
    }
    tsci_set_str(pkg, "unscoped_name", to);
    tsci_set_str(pkg, "name", apr_pstrcat(t->p, owner, "/", to, NULL));
    return APR_SUCCESS;
}

static apr_status_t pkg_update_body(tsci_tx_t *t, void *baton,
                                    json_object **pout, tsr_error_t **perr)
{
    static const char *const strs[] = {
        "description", "website", "github_repo_full_name", NULL
    };
    static const char *const bools[] = {
        "is_private", "is_unlisted", "allow_pr_previews",
        "public_dist_enabled", NULL
    };
    json_object *pkg, *params = t->c->params;
    const char *name, *view;
    apr_status_t rv;
    int i;

    if ((rv = pkg_for_write(t, &pkg, perr))
        || (rv = tsr_rpc_str(params, "name", &name, t->p, perr))
        || (rv = tsr_rpc_str(params, "default_view", &view, t->p, perr))) {
        return rv;
    }
    if (view != NULL && strcmp(view, "files") != 0
        && strcmp(view, "3d") != 0 && strcmp(view, "pcb") != 0
        && strcmp(view, "schematic") != 0) {
        return tsr_error_set(perr, t->p, 400, TSR_RPC_INVALID, "default_view "
                             "is one of files, 3d, pcb, schematic");
    }
    for (i = 0; strs[i]; i++) {
        if ((rv = set_opt_str(t, pkg, strs[i], perr))) {
            return rv;
        }
    }
    for (i = 0; bools[i]; i++) {
        if ((rv = set_opt_bool(t, pkg, bools[i], perr))) {
            return rv;
        }
    }
    if (view != NULL) {
        tsci_set_str(pkg, "default_view", view);
    }
    if (tsci_bool(pkg, "is_private")) {
        tsci_set_bool(pkg, "is_unlisted", 1);
    }
    if (name != NULL && (rv = pkg_rename(t, pkg, name, perr))) {
        return rv;
    }
    if ((rv = tsci_pkg_put(t, pkg)) != APR_SUCCESS
        /* Private or not is also the npm package's access. */
        || (rv = tsr_tsci_npm_mark(t, tsci_str(pkg, "package_id")))) {
        return rv;
    }
    *pout = tsci_pkg_wire(t, pkg);
    return APR_SUCCESS;
}

apr_status_t tsr_tsci_packages_update(tsr_tsci_call_t *c, json_object **pout,
                                      tsr_error_t **perr)
{
    return tsci_run(c, 1, pkg_update_body, NULL, pout, perr);
}

apr_status_t tsci_rel_remove(tsci_tx_t *t, json_object *rel)
{
    const char *rid = tsci_str(rel, "package_release_id");
    const char *pid = tsci_str(rel, "package_id"), *k;
    apr_array_header_t *recs;
    apr_size_t klen;
    apr_status_t rv;
    int i;

    if ((rv = tsci_rel_file_recs(t, rid, &recs)) != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; i < recs->nelts; i++) {
        if ((rv = tsci_file_remove(t, rid,
                                   APR_ARRAY_IDX(recs, i, json_object *)))
            != APR_SUCCESS) {
            return rv;
        }
    }
    k = tsci_key(t->p, 'V', pid, tsci_str(rel, "version"), &klen);
    if ((rv = t->kv->del(t->kv, k, klen)) != APR_SUCCESS) {
        return rv;
    }
    k = tsci_key(t->p, 'L', pid,
                 apr_psprintf(t->p, "%016" APR_UINT64_T_HEX_FMT,
                              tsci_u64(rel, "seq")), &klen);
    if ((rv = t->kv->del(t->kv, k, klen)) != APR_SUCCESS) {
        return rv;
    }
    k = tsci_key(t->p, 'R', rid, NULL, &klen);
    return t->kv->del(t->kv, k, klen);
}

static apr_status_t pkg_delete_body(tsci_tx_t *t, void *baton,
                                    json_object **pout, tsr_error_t **perr)
{
    json_object *pkg, *rel;
    apr_array_header_t *rids;
    const char *id, *k;
    apr_size_t klen;
    apr_status_t rv;
    int i;

    if ((rv = pkg_for_write(t, &pkg, perr)) != APR_SUCCESS) {
        return rv;
    }
    id = tsci_str(pkg, "package_id");
    k = tsci_key(t->p, 'L', id, "", &klen);
    if ((rv = tsci_scan_values(t, k, klen, &rids)) != APR_SUCCESS) {
        return rv;
    }
    /* Releases and files go with their package: nothing is left that no
     * name reaches. */
    for (i = 0; i < rids->nelts; i++) {
        const char *rid = APR_ARRAY_IDX(rids, i, const char *);

        k = tsci_key(t->p, 'R', rid, NULL, &klen);
        if ((rv = tsci_rec_get(t, k, klen, &rel)) != APR_SUCCESS
            || (rv = tsci_rel_remove(t, rel)) != APR_SUCCESS) {
            return rv;
        }
    }
    k = tsci_name_key(t->p, tsci_str(pkg, "owner"),
                      tsci_str(pkg, "unscoped_name"), &klen);
    if ((rv = t->kv->del(t->kv, k, klen)) != APR_SUCCESS) {
        return rv;
    }
    k = tsci_owner_key(t->p, tsci_str(pkg, "owner"), id, &klen);
    if ((rv = t->kv->del(t->kv, k, klen)) != APR_SUCCESS) {
        return rv;
    }
    if ((rv = tsci_search_drop(t, id)) != APR_SUCCESS) {
        return rv;
    }
    k = tsci_key(t->p, 'P', id, NULL, &klen);
    return t->kv->del(t->kv, k, klen);
}

apr_status_t tsr_tsci_packages_delete(tsr_tsci_call_t *c, json_object **pout,
                                      tsr_error_t **perr)
{
    return tsci_run(c, 1, pkg_delete_body, NULL, pout, perr);
}
