/* tsr_tsci_file: the package_files operations of tscircuit's API.  A
 * file's bytes are kept as they came (text or base64-decoded binary);
 * is_text says which way a client reads them back.  A path names one file
 * of a release: writing it again replaces the bytes and keeps the file's
 * id and its place in fs_sha's order. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_tsci.h"
#include "tsr_tsci_model.h"
#include "tsr_tsci_path.h"
#include "tsr_json.h"
#include "tsr_rpc.h"
#include "tsr_gunzip.h"
#include "tsr_integrity.h"

/* Hidden from lists, as tscircuit's service hides them. */
#define INTERNAL_PREFIX ".tscircuit-internal/"

/* A file to write, decided before the transaction. */
typedef struct new_file_t {
    const char *path;           /* normalised */
    const char *data;
    apr_size_t len;
    int is_text;
    const char *mimetype;
    int is_tarball;
    json_object *pack;          /* npm_pack_output, or NULL */
} new_file_t;

apr_status_t tsci_file_remove(tsci_tx_t *t, const char *rid,
                              json_object *file)
{
    const char *fid = tsci_str(file, "package_file_id"), *k;
    apr_size_t klen;
    apr_status_t rv;

    k = tsci_key(t->p, 'F', rid, tsci_str(file, "file_path"), &klen);
    if ((rv = t->kv->del(t->kv, k, klen)) != APR_SUCCESS) {
        return rv;
    }
    k = tsci_key(t->p, 'I', fid, NULL, &klen);
    if ((rv = t->kv->del(t->kv, k, klen)) != APR_SUCCESS) {
        return rv;
    }
    k = tsci_key(t->p, 'C', fid, NULL, &klen);
    return t->kv->del(t->kv, k, klen);
}

/* A string member with its length (text may hold U+0000): absent or
 * null is *ps NULL; anything but a string a 400. */
static apr_status_t text_member(apr_pool_t *p, json_object *o,
                                const char *key, const char **ps,
                                apr_size_t *plen, tsr_error_t **perr)
{
    json_object *v;

    *ps = NULL;
    *plen = 0;
    if (!json_object_object_get_ex(o, key, &v) || v == NULL) {
        return APR_SUCCESS;
    }
    if (!json_object_is_type(v, json_type_string)) {
        return tsr_error_set(perr, p, 400, TSR_RPC_INVALID, "%s must be a "
                             "string", key);
    }
    *plen = (apr_size_t)json_object_get_string_len(v);
    *ps = apr_pmemdup(p, json_object_get_string(v), *plen + 1);
    return APR_SUCCESS;
}

/* The content of one file object (a request's parameters or an archive's
 * entry): path, then content_text or content_base64, not both. */
static apr_status_t file_from(apr_pool_t *p, json_object *o, new_file_t *f,
                              tsr_error_t **perr)
{
    const char *path, *text, *b64, *mime;
    apr_size_t tlen, blen;
    unsigned char *bytes;
    apr_status_t rv;

    memset(f, 0, sizeof(*f));
    if ((rv = tsr_rpc_str(o, "file_path", &path, p, perr))
        || (rv = tsr_rpc_str(o, "content_mimetype", &mime, p, perr))
        || (rv = text_member(p, o, "content_text", &text, &tlen, perr))
        || (rv = text_member(p, o, "content_base64", &b64, &blen, perr))) {
        return rv;
    }
    if (text != NULL && b64 != NULL) {
        return tsr_error_set(perr, p, 400, TSR_RPC_INVALID, "content_base64 "
                             "and content_text cannot both be provided");
    }
    if ((rv = tsr_tsci_path_normalize(p, path, &f->path, perr))) {
        return rv;
    }
    if (b64 != NULL) {
        if (tsr_integrity_base64_decode(&bytes, &f->len, p, b64, blen)
            != APR_SUCCESS) {
            return tsr_error_set(perr, p, 400, TSR_RPC_INVALID, "%s: "
                                 "content_base64 is not base64", f->path);
        }
        f->data = (const char *)bytes;
    }
    else {
        /* No content at all is an empty file, as the real service has
         * it; "" is what tsci push sends for one. */
        f->data = text ? text : "";
        f->len = tlen;
        f->is_text = 1;
    }
    f->mimetype = mime ? mime : tsr_tsci_mimetype(f->path);
    return APR_SUCCESS;
}

/* Write f into rel (the caller recomputes fs_sha and writes rel). */
static apr_status_t file_put(tsci_tx_t *t, json_object *rel,
                             const new_file_t *f, json_object **prec)
{
    const char *rid = tsci_str(rel, "package_release_id"), *fid, *k;
    json_object *rec;
    apr_size_t klen, fklen;
    const char *fk = tsci_key(t->p, 'F', rid, f->path, &fklen);
    apr_uint64_t seq;
    apr_status_t rv = tsci_rec_get(t, fk, fklen, &rec);

    if (rv == TSR_ENOTFOUND) {
        if (tsci_u64(rel, "file_count") >= TSR_TSCI_MAX_FILES) {
            return TSR_EFULL;
        }
        if ((rv = tsci_next_seq(t, &seq)) != APR_SUCCESS) {
            return rv;
        }
        fid = tsci_new_id(t->p);
        rec = tsr_json_own(t->p, json_object_new_object());
        tsci_set_str(rec, "package_file_id", fid);
        tsci_set_str(rec, "package_release_id", rid);
        tsci_set_str(rec, "file_path", f->path);
        json_object_object_add(rec, "seq",
                               json_object_new_int64((int64_t)seq));
        tsci_set_str(rec, "created_at", t->now);
        json_object_object_add(rel, "file_count", json_object_new_int64(
            (int64_t)tsci_u64(rel, "file_count") + 1));
        k = tsci_key(t->p, 'I', fid, NULL, &klen);
        if ((rv = t->kv->put(t->kv, k, klen, fk + 1, fklen - 1))) {
            return rv;
        }
    }
    else if (rv != APR_SUCCESS) {
        return rv;
    }
    fid = tsci_str(rec, "package_file_id");
    tsci_set_str(rec, "content_mimetype", f->mimetype);
    tsci_set_bool(rec, "is_text", f->is_text);
    tsci_set_bool(rec, "is_release_tarball", f->is_tarball);
    json_object_object_add(rec, "npm_pack_output",
                           f->pack ? json_object_get(f->pack) : NULL);
    json_object_object_add(rec, "size", json_object_new_int64(
        (int64_t)f->len));
    if ((rv = tsci_rec_put(t, fk, fklen, rec)) != APR_SUCCESS) {
        return rv;
    }
    k = tsci_key(t->p, 'C', fid, NULL, &klen);
    if ((rv = t->kv->put(t->kv, k, klen, f->data, f->len)) != APR_SUCCESS) {
        return rv;
    }
    *prec = rec;
    return APR_SUCCESS;
}

/* Writes name their release by package_release_id or
 * package_name_with_version, exactly one. */
static apr_status_t one_release_selector(apr_pool_t *p, json_object *ps,
                                         tsr_error_t **perr)
{
    int rid = tsci_has(ps, "package_release_id");
    int nwv = tsci_has(ps, "package_name_with_version");

    if (rid && nwv) {
        return tsr_error_set(perr, p, 400, TSR_RPC_INVALID, "Cannot specify "
                             "both package_release_id and "
                             "package_name_with_version");
    }
    if (!rid && !nwv) {
        return tsr_error_set(perr, p, 400, TSR_RPC_INVALID, "Must specify "
                             "either package_release_id or "
                             "package_name_with_version");
    }
    return APR_SUCCESS;
}

/* The release a write names, if the caller may change its files. */
static apr_status_t rel_for_write(tsci_tx_t *t, json_object **ppkg,
                                  json_object **prel, tsr_error_t **perr)
{
    int none;
    apr_status_t rv;

    if ((rv = tsci_need_user(t, perr))
        || (rv = tsci_release_select(t, t->c->params, ppkg, prel, &none,
                                     perr))) {
        return rv;
    }
    if (!tsci_may_manage(t, *ppkg)) {
        return tsr_error_set(perr, t->p, 403, "forbidden", "You do not have "
                             "permission to change files of this package "
                             "release");
    }
    if (tsci_bool(*prel, "is_locked")) {
        return tsr_error_set(perr, t->p, 403, TSR_TSCI_E_LOCKED, "release "
                             "%s of %s is locked: its files do not change",
                             tsci_str(*prel, "version"),
                             tsci_str(*ppkg, "name"));
    }
    /* A release marked ready_to_build is an npm version, and npm versions
     * never change (a lockfile's integrity must stay true): a new push is
     * a new version. */
    if (tsci_bool(*prel, "ready_to_build")) {
        return tsr_error_set(perr, t->p, 403, TSR_TSCI_E_LOCKED, "release "
                             "%s of %s is published to npm (ready_to_build): "
                             "its files do not change, push a new version",
                             tsci_str(*prel, "version"),
                             tsci_str(*ppkg, "name"));
    }
    return APR_SUCCESS;
}

static apr_status_t too_many(tsci_tx_t *t, tsr_error_t **perr)
{
    return tsr_error_set(perr, t->p, 413, "too_many_files", "a release holds "
                         "at most %d files", TSR_TSCI_MAX_FILES);
}

typedef struct put_files_t {
    apr_array_header_t *files;  /* of new_file_t */
    int list;                   /* answer with the list, not one file */
} put_files_t;

static apr_status_t put_files_body(tsci_tx_t *t, void *baton,
                                   json_object **pout, tsr_error_t **perr)
{
    put_files_t *a = baton;
    json_object *pkg, *rel, *rec = NULL, *list;
    apr_status_t rv;
    int i;

    if ((rv = rel_for_write(t, &pkg, &rel, perr)) != APR_SUCCESS) {
        return rv;
    }
    list = json_object_new_array();
    for (i = 0; i < a->files->nelts; i++) {
        rv = file_put(t, rel, &APR_ARRAY_IDX(a->files, i, new_file_t), &rec);
        if (rv == TSR_EFULL) {
            rv = too_many(t, perr);
        }
        if (rv != APR_SUCCESS) {
            json_object_put(list);
            return rv;
        }
        json_object_array_add(list, tsci_file_wire(t, rec));
    }
    /* fs_sha once for the lot: an archive of many files costs one pass. */
    if ((rv = tsci_rel_fs_sha(t, pkg, rel))
        || (rv = tsci_rel_put(t, pkg, rel))) {
        json_object_put(list);
        return rv;
    }
    if (a->list) {
        *pout = list;
    }
    else {
        *pout = json_object_get(json_object_array_get_idx(list, 0));
        json_object_put(list);
    }
    return APR_SUCCESS;
}

static apr_status_t files_create(tsr_tsci_call_t *c, json_object **pout,
                                 tsr_error_t **perr)
{
    put_files_t a = { apr_array_make(c->p, 1, sizeof(new_file_t)), 0 };
    new_file_t *f = apr_array_push(a.files);
    json_object *pack = NULL;
    apr_status_t rv;

    if ((rv = one_release_selector(c->p, c->params, perr))
        || (rv = file_from(c->p, c->params, f, perr))
        || (rv = tsr_rpc_bool(c->params, "is_release_tarball", 0,
                              &f->is_tarball, c->p, perr))) {
        return rv;
    }
    json_object_object_get_ex(c->params, "npm_pack_output", &pack);
    if (pack != NULL && json_object_is_type(pack, json_type_string)) {
        /* The real service takes the record as JSON text too. */
        const char *s = json_object_get_string(pack);

        if (tsr_json_parse(&pack, c->p, s, strlen(s), TSR_JSON_MAX_DEPTH,
                           perr) != APR_SUCCESS) {
            (*perr)->code = TSR_RPC_INVALID;
            return TSR_EREFUSED;
        }
    }
    if (f->is_tarball && pack == NULL) {
        return tsr_error_set(perr, c->p, 400, "missing_options",
                             "npm_pack_output is required for a release "
                             "tarball");
    }
    if (!f->is_tarball && pack != NULL) {
        return tsr_error_set(perr, c->p, 404, "invalid_options",
                             "npm_pack_output is only for a release "
                             "tarball (is_release_tarball)");
    }
    f->pack = pack;
    return tsci_run(c, 1, put_files_body, &a, pout, perr);
}

apr_status_t tsr_tsci_files_create(tsr_tsci_call_t *c, json_object **pout,
                                   tsr_error_t **perr)
{
    return files_create(c, pout, perr);
}

apr_status_t tsr_tsci_files_create_or_update(tsr_tsci_call_t *c,
                                             json_object **pout,
                                             tsr_error_t **perr)
{
    return files_create(c, pout, perr);
}

/* The archive's inflated JSON, gathered under the bound. */
typedef struct sink_t {
    apr_pool_t *p;
    char *buf;
    apr_size_t len, cap;
} sink_t;

static apr_status_t sink(void *baton, const char *data, apr_size_t len,
                         tsr_error_t **perr)
{
    sink_t *s = baton;

    if (s->len + len > s->cap) {
        apr_size_t cap = s->cap ? s->cap : 65536;
        char *nb;

        while (cap < s->len + len) {
            cap *= 2;
        }
        nb = apr_palloc(s->p, cap);
        if (s->len) {
            memcpy(nb, s->buf, s->len);
        }
        s->buf = nb;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    return APR_SUCCESS;
}

static apr_status_t bad_archive(apr_pool_t *p, tsr_error_t **perr,
                                const char *why)
{
    return tsr_error_set(perr, p, 400, "invalid_archive", "archive_base64: "
                         "%s", why);
}

apr_status_t tsr_tsci_files_upload_archive(tsr_tsci_call_t *c,
                                           json_object **pout,
                                           tsr_error_t **perr)
{
    put_files_t a = { NULL, 1 };
    const char *b64;
    unsigned char *gz;
    apr_size_t gzlen, i, n;
    apr_pool_t *scratch;
    tsr_gunzip_t *g;
    sink_t s;
    json_object *doc, *files;
    apr_off_t bound = c->max_inflated > 0 ? c->max_inflated
                                          : (apr_off_t)100 * 1000 * 1000;
    apr_status_t rv;

    if ((rv = one_release_selector(c->p, c->params, perr))
        || (rv = tsr_rpc_need_str(c->params, "archive_base64", &b64, c->p,
                                  perr))) {
        return rv;
    }
    if (tsr_integrity_base64_decode(&gz, &gzlen, c->p, b64, strlen(b64))
        != APR_SUCCESS) {
        return bad_archive(c->p, perr, "not base64");
    }
    /* The inflater's state goes with a pool of its own, freed before the
     * files are written. */
    apr_pool_create(&scratch, c->p);
    memset(&s, 0, sizeof(s));
    s.p = c->p;
    if ((rv = tsr_gunzip_create(&g, scratch, bound, sink, &s, perr))
        || (rv = tsr_gunzip_feed(g, (const char *)gz, gzlen, perr))
        || (rv = tsr_gunzip_finish(g, perr))) {
        apr_pool_destroy(scratch);
        if (*perr != NULL && (*perr)->http_status == 413) {
            (*perr)->code = "archive_too_large";
        }
        else if (*perr != NULL) {
            (*perr)->code = "invalid_archive";
        }
        return rv;
    }
    apr_pool_destroy(scratch);
    if (tsr_json_parse(&doc, c->p, s.buf ? s.buf : "", s.len,
                       TSR_JSON_MAX_DEPTH, perr) != APR_SUCCESS) {
        (*perr)->code = "invalid_archive";
        return TSR_EREFUSED;
    }
    if (!json_object_object_get_ex(doc, "files", &files)
        || !json_object_is_type(files, json_type_array)) {
        return bad_archive(c->p, perr, "no \"files\" array");
    }
    n = json_object_array_length(files);
    if (n > TSR_TSCI_MAX_FILES) {
        return tsr_error_set(perr, c->p, 413, "too_many_files", "an archive "
                             "holds at most %d files", TSR_TSCI_MAX_FILES);
    }
    a.files = apr_array_make(c->p, (int)n + 1, sizeof(new_file_t));
    for (i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(files, i);

        if (!json_object_is_type(e, json_type_object)) {
            return bad_archive(c->p, perr, "a file is not an object");
        }
        if ((rv = file_from(c->p, e, apr_array_push(a.files), perr))) {
            return rv;
        }
    }
    return tsci_run(c, 1, put_files_body, &a, pout, perr);
}

/* The file the parameters name, readable by the caller: by
 * package_file_id, or by a release selector and file_path.  Refusals use
 * the codes given (download has its own). */
typedef struct find_t {
    const char *nf_code;        /* a missing file */
    int dl;                     /* download's codes for everything */
    json_object *rec;
    json_object *rel;
} find_t;

static apr_status_t file_find(tsci_tx_t *t, find_t *f, tsr_error_t **perr)
{
    json_object *ps = t->c->params, *pkg;
    const char *fid, *path, *norm, *k, *v;
    apr_size_t klen, n;
    apr_status_t rv;
    int none;

    if ((rv = tsr_rpc_str(ps, "package_file_id", &fid, t->p, perr))
        || (rv = tsr_rpc_str(ps, "file_path", &path, t->p, perr))) {
        return rv;
    }
    if (fid != NULL) {
        k = tsci_key(t->p, 'I', fid, NULL, &klen);
        rv = t->kv->get(t->kv, t->p, k, klen, &v, &n);
        if (rv == APR_SUCCESS) {
            const char *rid = apr_pstrmemdup(t->p, v, n);

            k = tsci_key(t->p, 'R', rid, NULL, &klen);
            if ((rv = tsci_rec_get(t, k, klen, &f->rel)) == APR_SUCCESS) {
                rv = tsci_pkg_by_id(t, tsci_str(f->rel, "package_id"), &pkg);
            }
            if (rv == APR_SUCCESS) {
                /* The index holds the record's key without its kind. */
                char *fk = apr_palloc(t->p, n + 1);

                fk[0] = 'F';
                memcpy(fk + 1, v, n);
                rv = tsci_rec_get(t, fk, n + 1, &f->rec);
            }
        }
        if (rv == TSR_ENOTFOUND) {
            return tsr_error_set(perr, t->p, 404, f->nf_code, "package file "
                                 "not found");
        }
        return rv;
    }
    if (path == NULL) {
        return tsr_error_set(perr, t->p, 400, f->dl ? "bad_request"
                             : TSR_RPC_INVALID, "package_file_id, or a "
                             "release and file_path, are required");
    }
    if ((rv = tsr_tsci_path_normalize(t->p, path, &norm, perr))) {
        if (f->dl) {
            (*perr)->code = "bad_request";
        }
        return rv;
    }
    rv = tsci_release_select(t, ps, &pkg, &f->rel, &none, perr);
    if (rv == TSR_EREFUSED && f->dl) {
        (*perr)->code = none ? "bad_request" : "not_found";
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    k = tsci_key(t->p, 'F', tsci_str(f->rel, "package_release_id"), norm,
                 &klen);
    rv = tsci_rec_get(t, k, klen, &f->rec);
    if (rv == TSR_ENOTFOUND) {
        return tsr_error_set(perr, t->p, 404, f->nf_code, "package file %s "
                             "not found", norm);
    }
    return rv;
}

static apr_status_t content_of(tsci_tx_t *t, json_object *rec,
                               const char **pdata, apr_size_t *plen)
{
    apr_size_t klen;
    const char *k = tsci_key(t->p, 'C', tsci_str(rec, "package_file_id"),
                             NULL, &klen);

    return t->kv->get(t->kv, t->p, k, klen, pdata, plen);
}

static apr_status_t files_get_body(tsci_tx_t *t, void *baton,
                                   json_object **pout, tsr_error_t **perr)
{
    find_t f = { TSR_TSCI_E_FILE_NOT_FOUND, 0, NULL, NULL };
    const char *data;
    apr_size_t len;
    json_object *w;
    apr_status_t rv;

    if ((rv = file_find(t, &f, perr))
        || (rv = content_of(t, f.rec, &data, &len))) {
        return rv;
    }
    w = tsci_file_wire(t, f.rec);
    json_object_object_add(w, "content_text", tsci_bool(f.rec, "is_text")
                           ? json_object_new_string_len(data, (int)len)
                           : NULL);
    *pout = w;
    return APR_SUCCESS;
}

apr_status_t tsr_tsci_files_get(tsr_tsci_call_t *c, json_object **pout,
                                tsr_error_t **perr)
{
    return tsci_run(c, 0, files_get_body, NULL, pout, perr);
}

typedef struct dl_t {
    tsr_tsci_file_t *out;
} dl_t;

static apr_status_t files_download_body(tsci_tx_t *t, void *baton,
                                        json_object **pout,
                                        tsr_error_t **perr)
{
    dl_t *d = baton;
    find_t f = { "not_found", 1, NULL, NULL };
    apr_status_t rv;

    if ((rv = file_find(t, &f, perr))
        || (rv = content_of(t, f.rec, &d->out->data, &d->out->len))) {
        return rv;
    }
    d->out->id = tsci_str(f.rec, "package_file_id");
    d->out->path = tsci_str(f.rec, "file_path");
    d->out->mimetype = tsci_str(f.rec, "content_mimetype");
    d->out->is_text = tsci_bool(f.rec, "is_text");
    return APR_SUCCESS;
}

apr_status_t tsr_tsci_files_download(tsr_tsci_call_t *c,
                                     tsr_tsci_file_t *out,
                                     tsr_error_t **perr)
{
    dl_t d = { out };
    json_object *none;

    memset(out, 0, sizeof(*out));
    return tsci_run(c, 0, files_download_body, &d, &none, perr);
}

static apr_status_t files_list_body(tsci_tx_t *t, void *baton,
                                    json_object **pout, tsr_error_t **perr)
{
    json_object *pkg, *rel, *list;
    apr_array_header_t *recs;
    apr_status_t rv;
    int none, i;

    if ((rv = tsci_release_select(t, t->c->params, &pkg, &rel, &none, perr))
        || (rv = tsci_rel_file_recs(t, tsci_str(rel, "package_release_id"),
                                    &recs))) {
        return rv;
    }
    list = json_object_new_array();
    for (i = 0; i < recs->nelts; i++) {
        json_object *rec = APR_ARRAY_IDX(recs, i, json_object *);

        if (strncmp(tsci_str(rec, "file_path"), INTERNAL_PREFIX,
                    sizeof(INTERNAL_PREFIX) - 1) != 0) {
            json_object_array_add(list, tsci_file_wire(t, rec));
        }
    }
    *pout = list;
    return APR_SUCCESS;
}

apr_status_t tsr_tsci_files_list(tsr_tsci_call_t *c, json_object **pout,
                                 tsr_error_t **perr)
{
    return tsci_run(c, 0, files_list_body, NULL, pout, perr);
}

static apr_status_t files_delete_body(tsci_tx_t *t, void *baton,
                                      json_object **pout, tsr_error_t **perr)
{
    json_object *pkg, *rel, *rec;
    const char *path, *norm, *k, *rid;
    apr_size_t klen;
    apr_status_t rv;

    if ((rv = tsr_rpc_need_str(t->c->params, "file_path", &path, t->p,
                               perr))
        || (rv = tsr_tsci_path_normalize(t->p, path, &norm, perr))
        || (rv = rel_for_write(t, &pkg, &rel, perr))) {
        return rv;
    }
    rid = tsci_str(rel, "package_release_id");
    k = tsci_key(t->p, 'F', rid, norm, &klen);
    rv = tsci_rec_get(t, k, klen, &rec);
    if (rv == TSR_ENOTFOUND) {
        return tsr_error_set(perr, t->p, 404, "file_not_found", "file %s "
                             "not found", norm);
    }
    if (rv != APR_SUCCESS || (rv = tsci_file_remove(t, rid, rec))) {
        return rv;
    }
    json_object_object_add(rel, "file_count", json_object_new_int64(
        (int64_t)tsci_u64(rel, "file_count") - 1));
    if ((rv = tsci_rel_fs_sha(t, pkg, rel))) {
        return rv;
    }
    return tsci_rel_put(t, pkg, rel);
}

apr_status_t tsr_tsci_files_delete(tsr_tsci_call_t *c, json_object **pout,
                                   tsr_error_t **perr)
{
    apr_status_t rv;

    if ((rv = one_release_selector(c->p, c->params, perr))) {
        return rv;
    }
    return tsci_run(c, 1, files_delete_body, NULL, pout, perr);
}

/* ---- for later steps (npm tarballs, builds) ---- */

typedef struct rf_t {
    const char *rid;
    apr_array_header_t *files;
} rf_t;

static apr_status_t release_files_body(tsci_tx_t *t, void *baton,
                                       json_object **pout,
                                       tsr_error_t **perr)
{
    rf_t *a = baton;
    apr_array_header_t *recs;
    json_object *rel;
    apr_size_t klen;
    const char *k = tsci_key(t->p, 'R', a->rid, NULL, &klen);
    apr_status_t rv = tsci_rec_get(t, k, klen, &rel);
    int i;

    if (rv == TSR_ENOTFOUND) {
        return tsr_error_set(perr, t->p, 404, TSR_TSCI_E_REL_NOT_FOUND,
                             "package release not found");
    }
    if (rv != APR_SUCCESS
        || (rv = tsci_rel_file_recs(t, a->rid, &recs)) != APR_SUCCESS) {
        return rv;
    }
    a->files = apr_array_make(t->p, recs->nelts, sizeof(tsr_tsci_file_t));
    for (i = 0; i < recs->nelts; i++) {
        json_object *rec = APR_ARRAY_IDX(recs, i, json_object *);
        tsr_tsci_file_t *f = apr_array_push(a->files);

        f->id = tsci_str(rec, "package_file_id");
        f->path = tsci_str(rec, "file_path");
        f->mimetype = tsci_str(rec, "content_mimetype");
        f->is_text = tsci_bool(rec, "is_text");
        f->is_release_tarball = tsci_bool(rec, "is_release_tarball");
        if ((rv = content_of(t, rec, &f->data, &f->len)) != APR_SUCCESS) {
            return rv;
        }
    }
    return APR_SUCCESS;
}

apr_status_t tsr_tsci_release_files(tsr_store_t *s, apr_pool_t *p,
                                    const char *release_id,
                                    apr_array_header_t **pfiles,
                                    tsr_error_t **perr)
{
    tsr_tsci_call_t c;
    rf_t a = { release_id, NULL };
    json_object *none;
    apr_status_t rv;

    memset(&c, 0, sizeof(c));
    c.store = s;
    c.p = p;
    /* An internal reader: it sees private packages too. */
    c.who.admin = 1;
    rv = tsci_run(&c, 0, release_files_body, &a, &none, perr);
    if (rv == TSR_EREFUSED && *perr && (*perr)->http_status == 404) {
        return TSR_ENOTFOUND;
    }
    *pfiles = a.files;
    return rv;
}
