/* tsr_tsci_sync: the npm side of tscircuit's packages kept up with the
 * tscircuit side.  The two live in different tables of the store and are
 * written in different transactions, so they are joined by a mark: the
 * tscircuit transaction that makes a release final (ready_to_build or
 * locked), or changes what npm must show of a package (latest, private),
 * also writes a mark for the package ('Q' key) in the same transaction.
 * A sync then publishes what is missing through npm's own publish, and
 * only once that is committed clears the mark.  A crash between the two
 * leaves the mark, and the next sync does the work again; publishing is
 * idempotent because a version npm has is skipped and the tarball of a
 * release is the same bytes every time. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_tsci_npm.h"
#include "tsr_tsci_model.h"
#include "tsr_tsci_path.h"
#include "tsr_json.h"
#include "tsr_publish.h"
#include "tsr_packument.h"
#include "tsr_disttag.h"
#include "tsr_access.h"
#include "tsr_sign.h"

apr_status_t tsr_tsci_npm_mark(tsci_tx_t *t, const char *pid)
{
    apr_size_t klen;
    const char *k = tsci_key(t->p, 'Q', pid, NULL, &klen);
    /* A fresh value each time: a sync clears only the mark it saw. */
    const char *v = tsci_new_id(t->p);

    return t->kv->put(t->kv, k, klen, v, strlen(v));
}

typedef struct mark_t {
    const char *pid, *val;
} mark_t;

typedef struct marks_t {
    apr_pool_t *p;
    apr_array_header_t *marks;      /* of mark_t */
} marks_t;

static apr_status_t collect_mark(void *baton, const char *key,
                                 apr_size_t klen, const char *val,
                                 apr_size_t vlen)
{
    marks_t *m = baton;
    mark_t *x = apr_array_push(m->marks);

    x->pid = apr_pstrmemdup(m->p, key + 1, klen - 1);
    x->val = apr_pstrmemdup(m->p, val, vlen);
    return APR_SUCCESS;
}

static apr_status_t marks_body(tsci_tx_t *t, void *baton, json_object **pout,
                               tsr_error_t **perr)
{
    marks_t *m = baton;

    m->p = t->c->p;
    m->marks = apr_array_make(m->p, 4, sizeof(mark_t));
    return t->kv->scan(t->kv, t->p, "Q", 1, collect_mark, m);
}

static apr_status_t unmark_body(tsci_tx_t *t, void *baton,
                                json_object **pout, tsr_error_t **perr)
{
    const mark_t *x = baton;
    apr_size_t klen, n;
    const char *k = tsci_key(t->p, 'Q', x->pid, NULL, &klen), *v;
    apr_status_t rv = t->kv->get(t->kv, t->p, k, klen, &v, &n);

    if (rv == TSR_ENOTFOUND) {
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* Marked again while this sync worked: that later change is the next
     * sync's. */
    if (n != strlen(x->val) || memcmp(v, x->val, n) != 0) {
        return APR_SUCCESS;
    }
    return t->kv->del(t->kv, k, klen);
}

/* What the sync needs of a package: read in one transaction. */
typedef struct rel_state_t {
    const char *rid, *version;
    int latest, final;
} rel_state_t;

typedef struct pkg_state_t {
    const char *pid;
    const char *name, *owner;       /* NULL: the package is gone */
    int is_private;
    apr_array_header_t *rels;       /* of rel_state_t, creation order */
} pkg_state_t;

static apr_status_t state_body(tsci_tx_t *t, void *baton, json_object **pout,
                               tsr_error_t **perr)
{
    pkg_state_t *st = baton;
    apr_pool_t *p = t->c->p;
    apr_array_header_t *rids;
    json_object *pkg, *rel;
    apr_size_t klen;
    const char *k = tsci_key(t->p, 'P', st->pid, NULL, &klen);
    apr_status_t rv = tsci_rec_get(t, k, klen, &pkg);
    int i;

    st->name = NULL;
    st->rels = apr_array_make(p, 4, sizeof(rel_state_t));
    if (rv == TSR_ENOTFOUND) {
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    st->name = apr_pstrdup(p, tsci_str(pkg, "name"));
    st->owner = apr_pstrdup(p, tsci_str(pkg, "owner"));
    st->is_private = tsci_bool(pkg, "is_private");
    k = tsci_key(t->p, 'L', st->pid, "", &klen);
    if ((rv = tsci_scan_values(t, k, klen, &rids)) != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; i < rids->nelts; i++) {
        rel_state_t *r;

        k = tsci_key(t->p, 'R', APR_ARRAY_IDX(rids, i, const char *), NULL,
                     &klen);
        if ((rv = tsci_rec_get(t, k, klen, &rel)) != APR_SUCCESS) {
            return rv;
        }
        r = apr_array_push(st->rels);
        r->rid = apr_pstrdup(p, tsci_str(rel, "package_release_id"));
        r->version = apr_pstrdup(p, tsci_str(rel, "version"));
        r->latest = tsci_bool(rel, "is_latest");
        r->final = tsci_bool(rel, "ready_to_build")
                   || tsci_bool(rel, "is_locked");
    }
    return APR_SUCCESS;
}

/* Run body as the registry itself (it sees private packages). */
static apr_status_t internal_run(tsr_store_t *s, apr_pool_t *p, int write,
                                 tsci_body_fn *body, void *baton,
                                 tsr_error_t **perr)
{
    tsr_tsci_call_t c;
    json_object *none;

    memset(&c, 0, sizeof(c));
    c.store = s;
    c.p = p;
    c.who.admin = 1;
    return tsci_run(&c, write, body, baton, &none, perr);
}

/* The npm document of name, parsed (NULL when there is none). */
static apr_status_t npm_doc(tsr_store_t *s, apr_pool_t *p, const char *name,
                            json_object **pdoc)
{
    const char *blob;
    apr_size_t len;
    apr_status_t rv = tsr_store_package_doc(s, p, name, &blob, &len);

    *pdoc = NULL;
    if (rv == TSR_ENOTFOUND) {
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return tsr_json_parse(pdoc, p, blob, len, 1000, NULL);
}

/* Publish release r of st as npm_name@version, as npm publish would. */
static apr_status_t publish_release(tsr_store_t *s, apr_pool_t *p,
                                    const tsr_sign_key_t *key,
                                    const pkg_state_t *st,
                                    const rel_state_t *r,
                                    const char *npm_name, tsr_error_t **perr)
{
    apr_array_header_t *files;
    const tsr_tsci_file_t *old;
    const unsigned char *data;
    apr_size_t len;
    json_object *manifest, *body, *o, *att;
    tsr_tarball_limits_t lim;
    tsr_publish_attachment_t dec;
    tsr_publish_t *pub;
    tsr_publish_result_t res = { 0 };
    tsr_publisher_t who = { 0 };
    apr_status_t rv;

    if ((rv = tsr_tsci_release_files(s, p, r->rid, &files, perr))) {
        return rv;
    }
    tsr_tarball_default_limits(&lim);
    old = tsr_tsci_npm_release_tarball(files);
    if (old != NULL) {
        /* Pushed the old way (spec 6.1): npm pack's own tarball is the
         * version, its package.json the manifest. */
        tsr_tarball_info_t info;

        data = (const unsigned char *)old->data;
        len = old->len;
        if ((rv = tsr_tarball_inspect(&info, p, data, len, &lim, perr))) {
            return rv;
        }
        manifest = info.manifest;
    }
    else if ((rv = tsr_tsci_npm_manifest(p, files, npm_name, r->version,
                                         &manifest, perr))
             || (rv = tsr_tsci_npm_tarball(p, manifest, files, &data, &len,
                                           perr))) {
        return rv;
    }
    /* The body npm publish would send, its tarball already decoded. */
    body = tsr_json_own(p, json_object_new_object());
    tsr_json_set_str(body, "_id", npm_name);
    tsr_json_set_str(body, "name", npm_name);
    tsr_json_set_str(body, "access", st->is_private ? "restricted"
                                                    : "public");
    o = json_object_new_object();
    json_object_object_add(o, r->version, tsr_json_copy(manifest));
    json_object_object_add(body, "versions", o);
    o = json_object_new_object();
    if (r->latest) {
        tsr_json_set_str(o, "latest", r->version);
    }
    json_object_object_add(body, "dist-tags", o);
    att = json_object_new_object();
    tsr_json_set_str(att, "content_type", "application/octet-stream");
    tsr_json_set_str(att, "data", "");
    json_object_object_add(att, "length", json_object_new_int64(
                                              (int64_t)len));
    o = json_object_new_object();
    json_object_object_add(o, apr_pstrcat(p, npm_name, "-", r->version,
                                          ".tgz", NULL), att);
    json_object_object_add(body, "_attachments", o);
    dec.data = data;
    dec.len = len;
    if ((rv = tsr_publish_parse_decoded(&pub, p, npm_name, body, &dec, &lim,
                                        perr))) {
        return rv;
    }
    /* A release that is not its package's latest moves no tag. */
    if (!r->latest) {
        pub->tag = NULL;
    }
    if (key != NULL && (rv = tsr_publish_sign(pub, p, key, perr))) {
        return rv;
    }
    /* The tscircuit side decided who may publish; the owner is the
     * publisher npm shows and the maintainer of a new package. */
    who.name = st->owner;
    who.admin = 1;
    return tsr_publish_commit(&res, p, s, pub, &who, perr);
}

static void log_refusal(tsr_store_t *s, apr_pool_t *p, const char *what,
                        apr_status_t rv, tsr_error_t *err)
{
    tsr_store_log(s, p, TSR_LOG_WARNING, rv, "TSR00240: tscircuit to npm: "
                  "%s: %s", what, err && err->message ? err->message
                                                      : "failed");
}

/* One package: what npm lacks, then its latest and its access.  Refusals
 * that will not go away (4xx: a release npm cannot take) are logged and
 * the package is done; anything else keeps its mark. */
static apr_status_t sync_package(tsr_store_t *s, apr_pool_t *p,
                                 const tsr_sign_key_t *key, const char *pid,
                                 int *pdone)
{
    pkg_state_t st;
    tsr_error_t *err = NULL;
    json_object *doc, *versions;
    const char *npm_name, *latest = NULL, *cur;
    tsr_actor_t actor;
    apr_status_t rv;
    int i, retry = 0;

    memset(&st, 0, sizeof(st));
    st.pid = pid;
    if ((rv = internal_run(s, p, 0, state_body, &st, &err))) {
        log_refusal(s, p, pid, rv, err);
        return rv;
    }
    /* A package deleted on the tscircuit side keeps its npm versions, as
     * npm keeps versions that lockfiles name. */
    if (st.name == NULL
        || (npm_name = tsr_tsci_npm_name(p, st.name)) == NULL) {
        return APR_SUCCESS;
    }
    if ((rv = npm_doc(s, p, npm_name, &doc)) != APR_SUCCESS) {
        return rv;
    }
    versions = doc ? tsr_json_obj(doc, "versions") : NULL;
    for (i = 0; i < st.rels->nelts; i++) {
        const rel_state_t *r = &APR_ARRAY_IDX(st.rels, i, rel_state_t);

        if (r->latest && r->final) {
            latest = r->version;
        }
        /* Versions are immutable to npm clients: one npm has is left as
         * it is, whatever its release did since. */
        if (!r->final || (versions && json_object_object_get_ex(
                                          versions, r->version, NULL))) {
            continue;
        }
        err = NULL;
        rv = publish_release(s, p, key, &st, r, npm_name, &err);
        if (rv == APR_SUCCESS) {
            tsr_store_log(s, p, TSR_LOG_INFO, 0, "TSR00241: tscircuit "
                          "release %s@%s published as %s@%s", st.name,
                          r->version, npm_name, r->version);
            if (pdone) {
                (*pdone)++;
            }
            continue;
        }
        log_refusal(s, p, apr_pstrcat(p, npm_name, "@", r->version, NULL),
                    rv, err);
        if (!err || err->http_status >= 500) {
            retry = 1;
        }
    }
    if ((rv = npm_doc(s, p, npm_name, &doc)) != APR_SUCCESS) {
        return rv;
    }
    if (doc == NULL || tsr_packument_is_gone(doc)) {
        return retry ? APR_EAGAIN : APR_SUCCESS;
    }
    actor.user = st.owner;
    actor.admin = 1;
    versions = tsr_json_obj(doc, "versions");
    cur = tsr_json_str(tsr_json_obj(doc, "dist-tags"), "latest");
    if (latest && versions
        && json_object_object_get_ex(versions, latest, NULL)
        && (cur == NULL || strcmp(cur, latest) != 0)) {
        err = NULL;
        if ((rv = tsr_disttag_set(p, s, npm_name, &actor, "latest", latest,
                                  &err))) {
            log_refusal(s, p, npm_name, rv, err);
            retry = 1;
        }
    }
    if (tsr_packument_restricted(doc) != st.is_private) {
        err = NULL;
        if ((rv = tsr_access_set(p, s, npm_name, &actor, st.is_private,
                                 &err))) {
            log_refusal(s, p, npm_name, rv, err);
            retry = 1;
        }
    }
    return retry ? APR_EAGAIN : APR_SUCCESS;
}

apr_status_t tsr_tsci_npm_sync(tsr_store_t *s, apr_pool_t *p,
                               const tsr_sign_key_t *key, int *pdone)
{
    marks_t m = { 0 };
    tsr_error_t *err = NULL;
    apr_pool_t *sub;
    apr_status_t rv, first = APR_SUCCESS;
    int i;

    if (pdone) {
        *pdone = 0;
    }
    if ((rv = internal_run(s, p, 0, marks_body, &m, &err))) {
        /* A store that keeps no tscircuit packages has nothing to sync. */
        return rv == APR_ENOTIMPL || (err && err->http_status == 501)
               ? APR_SUCCESS : rv;
    }
    apr_pool_create(&sub, p);
    for (i = 0; i < m.marks->nelts; i++) {
        mark_t *x = &APR_ARRAY_IDX(m.marks, i, mark_t);

        apr_pool_clear(sub);
        rv = sync_package(s, sub, key, x->pid, pdone);
        if (rv == APR_SUCCESS) {
            err = NULL;
            rv = internal_run(s, sub, 1, unmark_body, x, &err);
        }
        if (rv != APR_SUCCESS && first == APR_SUCCESS) {
            first = rv;
        }
    }
    apr_pool_destroy(sub);
    return first;
}
