/* tsr_tsci_model: tscircuit's records in the store's tscircuit table (the
 * key layout is in tsr_tsci_model.h).  A release's files are keyed by
 * release and path, so "all files of a release in path order" is one
 * prefix scan, and their bytes sit under the file's id apart from the
 * record, so listing a release reads no content. */
#include <string.h>
#include <stdlib.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "tsr_tsci_model.h"
#include "tsr_tsci_npm.h"
#include "tsr_tsci_path.h"
#include "tsr_tsci_search.h"
#include "tsr_json.h"
#include "tsr_rpc.h"
#include "tsr_integrity.h"

const char *tsci_key(apr_pool_t *p, char kind, const char *a, const char *b,
                     apr_size_t *plen)
{
    apr_size_t na = strlen(a), nb = b ? strlen(b) : 0;
    apr_size_t n = 1 + na + (b ? 1 + nb : 0);
    char *k = apr_palloc(p, n + 1);

    k[0] = kind;
    memcpy(k + 1, a, na);
    if (b != NULL) {
        k[1 + na] = '\0';
        memcpy(k + 2 + na, b, nb);
    }
    k[n] = '\0';
    *plen = n;
    return k;
}

apr_status_t tsci_rec_get(tsci_tx_t *t, const char *key, apr_size_t klen,
                          json_object **pobj)
{
    const char *v;
    apr_size_t n;
    apr_status_t rv = t->kv->get(t->kv, t->p, key, klen, &v, &n);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* Our own records: a record that does not parse is a broken store. */
    if (tsr_json_parse(pobj, t->p, v, n, TSR_JSON_MAX_DEPTH, NULL)
        != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

apr_status_t tsci_rec_put(tsci_tx_t *t, const char *key, apr_size_t klen,
                          json_object *obj)
{
    apr_size_t n;
    const char *s = tsr_json_serialize(t->p, obj, &n);

    return t->kv->put(t->kv, key, klen, s, n);
}

apr_status_t tsci_next_seq(tsci_tx_t *t, apr_uint64_t *pseq)
{
    const char *v;
    apr_size_t n;
    apr_uint64_t seq = 0;
    char buf[32];
    apr_status_t rv = t->kv->get(t->kv, t->p, "#", 1, &v, &n);

    if (rv == APR_SUCCESS) {
        seq = apr_strtoi64(apr_pstrmemdup(t->p, v, n), NULL, 10);
    }
    else if (rv != TSR_ENOTFOUND) {
        return rv;
    }
    seq++;
    apr_snprintf(buf, sizeof(buf), "%" APR_UINT64_T_FMT, seq);
    if ((rv = t->kv->put(t->kv, "#", 1, buf, strlen(buf))) != APR_SUCCESS) {
        return rv;
    }
    *pseq = seq;
    return APR_SUCCESS;
}

const char *tsci_new_id(apr_pool_t *p)
{
    unsigned char b[16];

    if (tsr_integrity_random(b, sizeof(b)) != APR_SUCCESS) {
        /* No randomness is no id anybody could rely on: stop here. */
        abort();
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    return apr_psprintf(p, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                        "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
                        b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                        b[12], b[13], b[14], b[15]);
}

const char *tsci_str(json_object *o, const char *key)
{
    return tsr_json_str(o, key);
}

int tsci_bool(json_object *o, const char *key)
{
    json_object *v;

    return json_object_object_get_ex(o, key, &v)
           && json_object_get_boolean(v);
}

apr_uint64_t tsci_u64(json_object *o, const char *key)
{
    json_object *v;

    return json_object_object_get_ex(o, key, &v)
               ? (apr_uint64_t)json_object_get_int64(v) : 0;
}

void tsci_set_str(json_object *o, const char *key, const char *v)
{
    json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

void tsci_set_bool(json_object *o, const char *key, int v)
{
    json_object_object_add(o, key, json_object_new_boolean(v != 0));
}

static int is_owner(const tsci_tx_t *t, json_object *pkg)
{
    const char *owner = tsci_str(pkg, "owner");

    return t->c->who.user != NULL && owner != NULL
           && strcasecmp(owner, t->c->who.user) == 0;
}

int tsci_may_see(const tsci_tx_t *t, json_object *pkg)
{
    return !tsci_bool(pkg, "is_private") || is_owner(t, pkg)
           || t->c->who.admin;
}

int tsci_may_manage(const tsci_tx_t *t, json_object *pkg)
{
    return is_owner(t, pkg) || t->c->who.admin;
}

const char *tsci_name_key(apr_pool_t *p, const char *owner,
                          const char *unscoped, apr_size_t *plen)
{
    char *k = (char *)tsci_key(p, 'N', apr_pstrcat(p, owner, "/", unscoped,
                                                   NULL), NULL, plen);
    char *c;

    /* Names are found whatever their case, as tscircuit finds them. */
    for (c = k + 1; *c; c++) {
        *c = apr_tolower(*c);
    }
    return k;
}

const char *tsci_owner_key(apr_pool_t *p, const char *owner,
                           const char *id, apr_size_t *plen)
{
    char *k = (char *)tsci_key(p, 'O', owner, id, plen);
    char *c;

    for (c = k + 1; *c; c++) {
        *c = apr_tolower(*c);
    }
    return k;
}

apr_status_t tsci_pkg_by_id(tsci_tx_t *t, const char *id, json_object **ppkg)
{
    apr_size_t klen;
    const char *k = tsci_key(t->p, 'P', id, NULL, &klen);
    apr_status_t rv = tsci_rec_get(t, k, klen, ppkg);

    if (rv == APR_SUCCESS && !tsci_may_see(t, *ppkg)) {
        return TSR_ENOTFOUND;
    }
    return rv;
}

apr_status_t tsci_pkg_by_name(tsci_tx_t *t, const char *name,
                              json_object **ppkg)
{
    const char *owner, *unscoped, *v, *k;
    apr_size_t n, klen;
    apr_status_t rv;

    if (name == NULL
        || tsr_tsci_name_parse(t->p, name, &owner, &unscoped, NULL)
               != APR_SUCCESS) {
        return TSR_ENOTFOUND;       /* a name that cannot exist */
    }
    k = tsci_name_key(t->p, owner, unscoped, &klen);
    if ((rv = t->kv->get(t->kv, t->p, k, klen, &v, &n)) != APR_SUCCESS) {
        return rv;
    }
    return tsci_pkg_by_id(t, apr_pstrmemdup(t->p, v, n), ppkg);
}

static apr_status_t rel_by_id(tsci_tx_t *t, const char *id,
                              json_object **prel)
{
    apr_size_t klen;
    const char *k = tsci_key(t->p, 'R', id, NULL, &klen);

    return tsci_rec_get(t, k, klen, prel);
}

static apr_status_t pkg_not_found(tsci_tx_t *t, tsr_error_t **perr)
{
    return tsr_error_set(perr, t->p, 404, TSR_TSCI_E_PKG_NOT_FOUND,
                         "package not found");
}

static apr_status_t rel_not_found(tsci_tx_t *t, tsr_error_t **perr)
{
    return tsr_error_set(perr, t->p, 404, TSR_TSCI_E_REL_NOT_FOUND,
                         "package release not found");
}

/* The release of pkg with version (NULL: the latest). */
static apr_status_t rel_of_pkg(tsci_tx_t *t, json_object *pkg,
                               const char *version, json_object **prel,
                               tsr_error_t **perr)
{
    const char *rid, *v, *k;
    apr_size_t n, klen;
    apr_status_t rv;

    if (version == NULL) {
        if ((rid = tsci_str(pkg, "latest_package_release_id")) == NULL) {
            return rel_not_found(t, perr);
        }
    }
    else {
        k = tsci_key(t->p, 'V', tsci_str(pkg, "package_id"), version,
                     &klen);
        rv = t->kv->get(t->kv, t->p, k, klen, &v, &n);
        if (rv == TSR_ENOTFOUND) {
            return rel_not_found(t, perr);
        }
        if (rv != APR_SUCCESS) {
            return rv;
        }
        rid = apr_pstrmemdup(t->p, v, n);
    }
    rv = rel_by_id(t, rid, prel);
    return rv == TSR_ENOTFOUND ? rel_not_found(t, perr) : rv;
}

apr_status_t tsci_release_select(tsci_tx_t *t, json_object *params,
                                 json_object **ppkg, json_object **prel,
                                 int *pnone, tsr_error_t **perr)
{
    const char *rid, *nwv, *name, *pid, *version, *pname;
    apr_status_t rv;

    *pnone = 0;
    if ((rv = tsr_rpc_str(params, "package_release_id", &rid, t->p, perr))
        || (rv = tsr_rpc_str(params, "package_name_with_version", &nwv,
                             t->p, perr))
        || (rv = tsr_rpc_str(params, "package_name", &name, t->p, perr))
        || (rv = tsr_rpc_str(params, "package_id", &pid, t->p, perr))
        || (rv = tsr_rpc_str(params, "version", &version, t->p, perr))) {
        return rv;
    }
    if (rid != NULL) {
        rv = rel_by_id(t, rid, prel);
        if (rv == TSR_ENOTFOUND) {
            return rel_not_found(t, perr);
        }
        if (rv != APR_SUCCESS) {
            return rv;
        }
        rv = tsci_pkg_by_id(t, tsci_str(*prel, "package_id"), ppkg);
        /* A release of a package the caller may not see is not there. */
        return rv == TSR_ENOTFOUND ? rel_not_found(t, perr) : rv;
    }
    if (nwv != NULL) {
        tsr_tsci_name_version_split(t->p, nwv, &pname, &version);
        rv = tsci_pkg_by_name(t, pname, ppkg);
    }
    else if (name != NULL) {
        rv = tsci_pkg_by_name(t, name, ppkg);
    }
    else if (pid != NULL) {
        rv = tsci_pkg_by_id(t, pid, ppkg);
    }
    else {
        *pnone = 1;
        return tsr_error_set(perr, t->p, 400, TSR_RPC_INVALID, "name a "
                             "release: package_release_id, "
                             "package_name_with_version, package_name or "
                             "package_id");
    }
    if (rv == TSR_ENOTFOUND) {
        return pkg_not_found(t, perr);
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return rel_of_pkg(t, *ppkg, version, prel, perr);
}

apr_status_t tsci_pkg_put(tsci_tx_t *t, json_object *pkg)
{
    apr_size_t klen;
    const char *k = tsci_key(t->p, 'P', tsci_str(pkg, "package_id"), NULL,
                             &klen);
    apr_status_t rv;

    tsci_set_str(pkg, "updated_at", t->now);
    if ((rv = tsci_rec_put(t, k, klen, pkg)) != APR_SUCCESS) {
        return rv;
    }
    return tsci_search_keep(t, pkg);
}

/* The package's copy of its latest release's facts. */
static void pkg_latest_from(json_object *pkg, json_object *rel)
{
    tsci_set_str(pkg, "latest_package_release_id",
                 rel ? tsci_str(rel, "package_release_id") : NULL);
    tsci_set_str(pkg, "latest_version", rel ? tsci_str(rel, "version")
                                            : NULL);
    tsci_set_str(pkg, "latest_package_release_fs_sha",
                 rel ? tsci_str(rel, "fs_sha") : NULL);
    tsci_set_str(pkg, "license", rel ? tsci_str(rel, "license") : NULL);
}

apr_status_t tsci_rel_put(tsci_tx_t *t, json_object *pkg, json_object *rel)
{
    apr_size_t klen;
    const char *k = tsci_key(t->p, 'R', tsci_str(rel, "package_release_id"),
                             NULL, &klen);
    apr_status_t rv = tsci_rec_put(t, k, klen, rel);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (tsci_bool(rel, "is_latest")) {
        pkg_latest_from(pkg, rel);
    }
    /* A final release is (or is to be) an npm version, and which one is
     * latest may have moved: the npm side is marked for a sync in this
     * very transaction (tsr_tsci_sync.c). */
    if ((tsci_bool(rel, "ready_to_build") || tsci_bool(rel, "is_locked"))
        && (rv = tsr_tsci_npm_mark(t, tsci_str(pkg, "package_id")))) {
        return rv;
    }
    return tsci_pkg_put(t, pkg);
}

apr_status_t tsci_rel_set_latest(tsci_tx_t *t, json_object *pkg,
                                 json_object *rel, int latest)
{
    const char *cur = tsci_str(pkg, "latest_package_release_id");
    const char *id = tsci_str(rel, "package_release_id");
    json_object *old;
    apr_status_t rv;

    /* Only the release the package calls latest carries the flag, so
     * taking it from that one is all that clearing the others needs. */
    if (latest && cur != NULL && strcmp(cur, id) != 0) {
        rv = rel_by_id(t, cur, &old);
        if (rv == APR_SUCCESS) {
            tsci_set_bool(old, "is_latest", 0);
            apr_size_t klen;
            const char *k = tsci_key(t->p, 'R', cur, NULL, &klen);

            if ((rv = tsci_rec_put(t, k, klen, old)) != APR_SUCCESS) {
                return rv;
            }
        }
        else if (rv != TSR_ENOTFOUND) {
            return rv;
        }
    }
    tsci_set_bool(rel, "is_latest", latest);
    if (latest) {
        pkg_latest_from(pkg, rel);
    }
    else if (cur != NULL && strcmp(cur, id) == 0) {
        pkg_latest_from(pkg, NULL);
    }
    return APR_SUCCESS;
}

typedef struct recs_scan_t {
    tsci_tx_t *t;
    apr_array_header_t *recs;
    apr_status_t bad;
} recs_scan_t;

static apr_status_t collect_rec(void *baton, const char *key,
                                apr_size_t klen, const char *val,
                                apr_size_t vlen)
{
    recs_scan_t *s = baton;
    json_object *o;

    if (tsr_json_parse(&o, s->t->p, val, vlen, TSR_JSON_MAX_DEPTH, NULL)
        != APR_SUCCESS) {
        return APR_EGENERAL;
    }
    APR_ARRAY_PUSH(s->recs, json_object *) = o;
    return APR_SUCCESS;
}

apr_status_t tsci_rel_file_recs(tsci_tx_t *t, const char *rid,
                                apr_array_header_t **precs)
{
    recs_scan_t s = { t, apr_array_make(t->p, 16, sizeof(json_object *)),
                      APR_SUCCESS };
    apr_size_t klen;
    const char *k = tsci_key(t->p, 'F', rid, "", &klen);
    apr_status_t rv = t->kv->scan(t->kv, t->p, k, klen, collect_rec, &s);

    *precs = s.recs;
    return rv;
}

apr_status_t tsci_rel_fs_sha(tsci_tx_t *t, json_object *pkg,
                             json_object *rel)
{
    apr_array_header_t *recs, *entries;
    apr_status_t rv;
    int i;

    rv = tsci_rel_file_recs(t, tsci_str(rel, "package_release_id"), &recs);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    entries = apr_array_make(t->p, recs->nelts, sizeof(tsr_tsci_fs_entry_t));
    for (i = 0; i < recs->nelts; i++) {
        json_object *f = APR_ARRAY_IDX(recs, i, json_object *);
        tsr_tsci_fs_entry_t *e = apr_array_push(entries);
        const char *k;
        apr_size_t klen;

        e->path = tsci_str(f, "file_path");
        e->seq = tsci_u64(f, "seq");
        e->text = NULL;
        e->len = 0;
        if (tsci_bool(f, "is_text") && tsci_u64(f, "size") > 0) {
            k = tsci_key(t->p, 'C', tsci_str(f, "package_file_id"), NULL,
                         &klen);
            if ((rv = t->kv->get(t->kv, t->p, k, klen, &e->text, &e->len))
                != APR_SUCCESS) {
                return rv;
            }
        }
    }
    tsci_set_str(rel, "fs_sha", tsr_tsci_fs_sha(t->p, entries));
    json_object_object_add(rel, "file_count",
                           json_object_new_int64(recs->nelts));
    return APR_SUCCESS;
}

static void copy_member(json_object *to, json_object *from, const char *key)
{
    json_object *v = NULL;

    json_object_object_get_ex(from, key, &v);
    json_object_object_add(to, key, v ? json_object_get(v) : NULL);
}

static void nulls(json_object *o, const char *const *keys)
{
    for (; *keys; keys++) {
        json_object_object_add(o, *keys, NULL);
    }
}

json_object *tsci_pkg_wire(tsci_tx_t *t, json_object *pkg)
{
    static const char *const copied[] = {
        "package_id", "name", "unscoped_name", "description", "website",
        "github_repo_full_name", "created_at", "updated_at",
        "latest_package_release_id", "latest_version",
        "latest_package_release_fs_sha", "license", "default_view",
        NULL
    };
    static const char *const none[] = {
        "ai_description", "ai_usage_instructions",
        "latest_pcb_preview_image_url", "latest_sch_preview_image_url",
        "latest_cad_preview_image_url", "snippet_type", NULL
    };
    static const char *const flags[] = {
        "is_snippet", "is_board", "is_package", "is_model", "is_footprint",
        "is_starred", NULL
    };
    json_object *o = json_object_new_object();
    const char *owner = tsci_str(pkg, "owner");
    int i;

    for (i = 0; copied[i]; i++) {
        copy_member(o, pkg, copied[i]);
    }
    nulls(o, none);
    for (i = 0; flags[i]; i++) {
        tsci_set_bool(o, flags[i], 0);
    }
    /* Registry users are their own accounts and personal organisations:
     * the user name stands for all three ids. */
    tsci_set_str(o, "creator_account_id", tsci_str(pkg, "creator"));
    tsci_set_str(o, "owner_org_id", owner);
    tsci_set_str(o, "owner_github_username", owner);
    tsci_set_str(o, "org_owner_tscircuit_handle", owner);
    tsci_set_bool(o, "is_private", tsci_bool(pkg, "is_private"));
    tsci_set_bool(o, "is_public", !tsci_bool(pkg, "is_private"));
    tsci_set_bool(o, "is_unlisted", tsci_bool(pkg, "is_unlisted"));
    tsci_set_bool(o, "is_source_from_github",
                  tsci_str(pkg, "github_repo_full_name") != NULL);
    tsci_set_bool(o, "allow_pr_previews", tsci_bool(pkg, "allow_pr_previews"));
    tsci_set_bool(o, "public_dist_enabled",
                  tsci_bool(pkg, "public_dist_enabled"));
    json_object_object_add(o, "star_count", json_object_new_int(0));
    /* tsci search prints "version", which a package does not have. */
    tsci_set_str(o, "version", tsci_str(pkg, "latest_version"));
    if (t->c->who.user != NULL) {
        json_object *perm = json_object_new_object();

        tsci_set_bool(perm, "can_manage_packages", tsci_may_manage(t, pkg));
        json_object_object_add(o, "user_permissions", perm);
    }
    return o;
}

json_object *tsci_rel_wire(tsci_tx_t *t, json_object *rel)
{
    static const char *const copied[] = {
        "package_release_id", "package_id", "version", "created_at",
        "commit_sha", "license", "fs_sha", NULL
    };
    static const char *const pending[] = {
        "display_status", "transpilation_display_status",
        "circuit_json_build_display_status", "image_generation_display_status",
        NULL
    };
    static const char *const none[] = {
        "total_build_duration_ms", "transpilation_started_at",
        "transpilation_completed_at", "transpilation_error",
        "circuit_json_build_started_at", "circuit_json_build_completed_at",
        "circuit_json_build_error", "image_generation_started_at",
        "image_generation_completed_at", "image_generation_error",
        "latest_package_build_id", "github_pr_number", "branch_name",
        "commit_message", "commit_author", "pcb_preview_image_url",
        "sch_preview_image_url", "cad_preview_image_url", NULL
    };
    static const char *const logs[] = {
        "transpilation_logs", "circuit_json_build_logs",
        "image_generation_logs", NULL
    };
    json_object *o = json_object_new_object();
    int i;

    for (i = 0; copied[i]; i++) {
        copy_member(o, rel, copied[i]);
    }
    tsci_set_bool(o, "is_latest", tsci_bool(rel, "is_latest"));
    tsci_set_bool(o, "is_locked", tsci_bool(rel, "is_locked"));
    tsci_set_bool(o, "ready_to_build", tsci_bool(rel, "ready_to_build"));
    /* No build farm yet: nothing is transpiled, every build waits. */
    tsci_set_bool(o, "has_transpiled", 0);
    tsci_set_bool(o, "is_pr_preview", 0);
    tsci_set_bool(o, "transpilation_in_progress", 0);
    tsci_set_bool(o, "circuit_json_build_in_progress", 0);
    tsci_set_bool(o, "image_generation_in_progress", 0);
    for (i = 0; pending[i]; i++) {
        tsci_set_str(o, pending[i], "pending");
    }
    nulls(o, none);
    for (i = 0; logs[i]; i++) {
        json_object_object_add(o, logs[i], json_object_new_array());
    }
    return o;
}

json_object *tsci_file_wire(tsci_tx_t *t, json_object *f)
{
    static const char *const copied[] = {
        "package_file_id", "package_release_id", "file_path",
        "content_mimetype", "created_at", "npm_pack_output", NULL
    };
    json_object *o = json_object_new_object();
    int i;

    for (i = 0; copied[i]; i++) {
        copy_member(o, f, copied[i]);
    }
    tsci_set_bool(o, "is_text", tsci_bool(f, "is_text"));
    tsci_set_bool(o, "is_release_tarball", tsci_bool(f, "is_release_tarball"));
    json_object_object_add(o, "file_size",
                           json_object_new_int64((int64_t)tsci_u64(f, "size")));
    json_object_object_add(o, "upload_url", NULL);
    return o;
}
