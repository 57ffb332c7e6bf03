/* tsr_publish: validation and commit of npm publishes. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_publish.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_semver.h"
#include "tsr_integrity.h"
#include "tsr_view.h"

/* The only member of obj; NULL unless obj has exactly one. */
static json_object *only_member(json_object *obj, const char **pkey)
{
    json_object *found = NULL;
    int n = 0;

    json_object_object_foreach(obj, k, v) {
        *pkey = k;
        found = v;
        n++;
    }
    return n == 1 ? found : NULL;
}

/* The tarball attachment: the one whose key does not end in ".sigstore"
 * (npm adds a provenance bundle there, JSON text, not a tarball). */
static apr_status_t find_attachment(json_object **patt, apr_pool_t *p,
                                    json_object *atts, tsr_error_t **perr)
{
    json_object *found = NULL;
    int n = 0;

    json_object_object_foreach(atts, k, v) {
        apr_size_t len = strlen(k);

        if (len > 9 && strcmp(k + len - 9, ".sigstore") == 0) {
            continue;
        }
        found = v;
        n++;
    }
    if (n == 0) {
        return tsr_error_set(perr, p, 400, NULL,
                             "the publish has no tarball in _attachments");
    }
    if (n > 1) {
        return tsr_error_set(perr, p, 400, NULL,
                             "the publish has more than one tarball in "
                             "_attachments");
    }
    if (!json_object_is_type(found, json_type_object)) {
        return tsr_error_set(perr, p, 400, NULL,
                             "the attachment is not an object");
    }
    *patt = found;
    return APR_SUCCESS;
}

static apr_status_t decode_attachment(tsr_publish_t *pub, apr_pool_t *p,
                                      json_object *att, tsr_error_t **perr)
{
    json_object *data, *length;
    int64_t want;
    unsigned char *bytes;
    apr_size_t len;

    if (!json_object_object_get_ex(att, "data", &data)
        || !json_object_is_type(data, json_type_string)) {
        return tsr_error_set(perr, p, 400, NULL,
                             "the attachment has no base64 \"data\"");
    }
    if (tsr_integrity_base64_decode(&bytes, &len, p,
                                    json_object_get_string(data),
                                    (apr_size_t)json_object_get_string_len(
                                        data)) != APR_SUCCESS) {
        return tsr_error_set(perr, p, 400, NULL,
                             "the attachment's data is not valid base64");
    }
    if (!json_object_object_get_ex(att, "length", &length)
        || !json_object_is_type(length, json_type_int)) {
        return tsr_error_set(perr, p, 400, NULL,
                             "the attachment has no numeric \"length\"");
    }
    want = json_object_get_int64(length);
    if (want < 0 || (apr_uint64_t)want != len) {
        return tsr_error_set(perr, p, 400, NULL,
                             "the attachment's length says %" APR_INT64_T_FMT
                             " bytes but its data has %" APR_SIZE_T_FMT,
                             (apr_int64_t)want, len);
    }
    pub->tarball = bytes;
    pub->tarball_len = len;
    return APR_SUCCESS;
}

/* The client's own dist digests, when sent, must describe these bytes. */
static apr_status_t check_client_dist(tsr_publish_t *pub, apr_pool_t *p,
                                      tsr_error_t **perr)
{
    json_object *dist = tsr_json_obj(pub->manifest, "dist");
    const char *sha = tsr_json_str(dist, "shasum");
    const char *sri = tsr_json_str(dist, "integrity");

    if (sha && strcmp(sha, pub->dist.shasum) != 0) {
        return tsr_error_set(perr, p, 400, NULL,
                             "dist.shasum does not match the attached "
                             "tarball");
    }
    if (sri && strncmp(sri, "sha512-", 7) == 0
        && strcmp(sri, pub->dist.integrity) != 0) {
        return tsr_error_set(perr, p, 400, NULL,
                             "dist.integrity does not match the attached "
                             "tarball");
    }
    return APR_SUCCESS;
}

apr_status_t tsr_publish_parse(tsr_publish_t **ppub, apr_pool_t *p,
                               const char *url_name, json_object *body,
                               const tsr_tarball_limits_t *lim,
                               tsr_error_t **perr)
{
    tsr_publish_t *pub = apr_pcalloc(p, sizeof(*pub));
    json_object *versions, *tags, *atts, *att = NULL, *tagv;
    tsr_tarball_info_t info;
    const char *s, *key = NULL, *tname, *tver;
    apr_status_t rv;

    if (!json_object_is_type(body, json_type_object)) {
        return tsr_error_set(perr, p, 400, NULL,
                             "the request body is not a JSON object");
    }
    if ((rv = tsr_name_check(p, url_name, perr)) != APR_SUCCESS) {
        return rv;
    }
    pub->name = url_name;
    if (((s = tsr_json_str(body, "name")) && strcmp(s, url_name) != 0)
        || ((s = tsr_json_str(body, "_id")) && strcmp(s, url_name) != 0)) {
        return tsr_error_set(perr, p, 400, NULL,
                             "the body names package \"%s\" but the URL "
                             "names \"%s\"", s, url_name);
    }
    if (!json_object_object_get_ex(body, "_attachments", &atts)
        || !json_object_is_type(atts, json_type_object)) {
        return tsr_error_set(perr, p, 400, NULL,
                             "the publish has no _attachments (only "
                             "publishing is supported on this URL)");
    }
    versions = tsr_json_obj(body, "versions");
    if (versions == NULL || (pub->manifest = only_member(versions, &key))
                                == NULL) {
        return tsr_error_set(perr, p, 400, NULL,
                             "a publish must carry exactly one version");
    }
    if (!json_object_is_type(pub->manifest, json_type_object)) {
        return tsr_error_set(perr, p, 400, NULL,
                             "the version's manifest is not an object");
    }
    {
        tsr_semver_t v;
        if ((rv = tsr_semver_parse(&v, p, key, perr)) != APR_SUCCESS) {
            return rv;
        }
    }
    pub->version = apr_pstrdup(p, key);
    if ((s = tsr_json_str(pub->manifest, "version")) == NULL
        || strcmp(s, pub->version) != 0) {
        return tsr_error_set(perr, p, 400, NULL,
                             "the manifest's version does not match the "
                             "key %s in versions", pub->version);
    }
    if ((s = tsr_json_str(pub->manifest, "name")) == NULL
        || strcmp(s, url_name) != 0) {
        return tsr_error_set(perr, p, 400, NULL,
                             "the manifest's name does not match the "
                             "package %s", url_name);
    }

    pub->tag = "latest";
    tags = tsr_json_obj(body, "dist-tags");
    if (tags && json_object_object_length(tags) > 0) {
        if ((tagv = only_member(tags, &key)) == NULL) {
            return tsr_error_set(perr, p, 400, NULL,
                                 "a publish may set one dist-tag at most");
        }
        if ((rv = tsr_name_check_tag(p, key, perr)) != APR_SUCCESS) {
            return rv;
        }
        if (!json_object_is_type(tagv, json_type_string)
            || strcmp(json_object_get_string(tagv), pub->version) != 0) {
            return tsr_error_set(perr, p, 400, NULL,
                                 "the dist-tag \"%s\" must point at the "
                                 "version published, %s", key,
                                 pub->version);
        }
        pub->tag = apr_pstrdup(p, key);
    }

    if ((rv = find_attachment(&att, p, atts, perr)) != APR_SUCCESS
        || (rv = decode_attachment(pub, p, att, perr)) != APR_SUCCESS) {
        return rv;
    }
    rv = tsr_tarball_inspect(&info, p, pub->tarball, pub->tarball_len, lim,
                             perr);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    tname = tsr_json_str(info.manifest, "name");
    tver = tsr_json_str(info.manifest, "version");
    if (tname == NULL || strcmp(tname, url_name) != 0) {
        return tsr_error_set(perr, p, 400, NULL,
                             "package/package.json in the tarball names "
                             "\"%s\", not %s", tname ? tname : "",
                             url_name);
    }
    if (tver == NULL || strcmp(tver, pub->version) != 0) {
        return tsr_error_set(perr, p, 400, NULL,
                             "package/package.json in the tarball has "
                             "version \"%s\", not %s", tver ? tver : "",
                             pub->version);
    }
    pub->dist.tarball_path = tsr_name_tarball_path(p, pub->name,
                                                   pub->version);
    pub->dist.shasum = tsr_integrity_sha1_hex(p, pub->tarball,
                                              pub->tarball_len);
    pub->dist.integrity = tsr_integrity_sri512(p, pub->tarball,
                                               pub->tarball_len);
    pub->dist.file_count = info.file_count;
    pub->dist.unpacked_size = info.unpacked_size;
    pub->dist.has_shrinkwrap = info.has_shrinkwrap;
    if ((rv = check_client_dist(pub, p, perr)) != APR_SUCCESS) {
        return rv;
    }
    *ppub = pub;
    return APR_SUCCESS;
}

typedef struct commit_ctx_t {
    apr_pool_t *pool;               /* outlives the transaction */
    tsr_store_t *store;
    const tsr_publish_t *pub;
    const tsr_publisher_t *who;
    const char *staged;
    tsr_publish_result_t *res;
    int placed;
} commit_ctx_t;

static void undo_place(void *baton)
{
    commit_ctx_t *c = baton;

    if (c->placed) {
        tsr_store_tarball_remove(c->pool, c->store->datadir,
                                 c->pub->dist.tarball_path);
        c->placed = 0;
    }
}

/* The ready view of version in doc (after it was added): its manifest as
 * GET /<name>/<version> sends it, with a random marker where the base URL
 * goes before dist.tarball. */
static apr_status_t render_version(apr_pool_t *p, json_object *doc,
                                   const char *version, apr_time_t when,
                                   const char **pblob, apr_size_t *plen)
{
    json_object *m = tsr_json_obj(tsr_json_obj(doc, "versions"), version);
    json_object *copy, *dist;
    unsigned char rnd[12];
    const char *marker, *path, *text;
    apr_size_t len;
    apr_status_t rv;

    if (m == NULL || (copy = tsr_json_own(p, tsr_json_copy(m))) == NULL) {
        return APR_EGENERAL;
    }
    if ((rv = tsr_integrity_random(rnd, sizeof(rnd))) != APR_SUCCESS) {
        return rv;
    }
    marker = apr_pstrcat(p, "tsrBase", tsr_integrity_hex(p, rnd,
                                                         sizeof(rnd)), NULL);
    dist = tsr_json_obj(copy, "dist");
    if ((path = tsr_json_str(dist, "tarball")) != NULL) {
        tsr_json_set_str(dist, "tarball", apr_pstrcat(p, marker, path,
                                                      NULL));
    }
    text = tsr_json_serialize(p, copy, &len);
    return tsr_view_encode(pblob, plen, p, tsr_packument_rev(doc), when,
                           text, len, marker);
}

static apr_status_t apply(void *baton, apr_pool_t *p, const char *cur,
                          apr_size_t cur_len, tsr_package_write_t *out,
                          tsr_error_t **perr)
{
    commit_ctx_t *c = baton;
    const tsr_publish_t *pub = c->pub;
    json_object *doc, *manifest;
    apr_time_t now = apr_time_now();
    apr_status_t rv;

    if (cur) {
        tsr_error_t *jerr = NULL;
        if (tsr_json_parse(&doc, p, cur, cur_len, 1000, &jerr)
            != APR_SUCCESS) {
            return tsr_error_internal(perr, p, APR_EGENERAL,
                                      "the stored document of %s is "
                                      "unreadable", pub->name);
        }
    }
    else {
        doc = tsr_packument_new(p, pub->name);
    }
    if (!tsr_packument_is_maintainer(doc, c->who->name)) {
        return tsr_error_set(perr, p, 403, NULL,
                             "%s is not a maintainer of %s", c->who->name,
                             pub->name);
    }
    manifest = tsr_json_own(p, tsr_json_copy(pub->manifest));
    rv = tsr_packument_add_version(doc, p, pub->version, manifest, pub->tag,
                                   c->who, &pub->dist, now, perr);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    out->version = pub->version;
    rv = render_version(p, doc, pub->version, now, &out->version_view,
                        &out->version_view_len);
    if (rv == APR_SUCCESS) {
        rv = tsr_packument_render(p, doc, &out->full, &out->full_len,
                                  &out->abbrev, &out->abbrev_len);
    }
    if (rv != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "could not render %s",
                                  pub->name);
    }
    out->doc = tsr_json_serialize(p, doc, &out->doc_len);
    out->tarball_bytes = (apr_int64_t)pub->tarball_len;
    rv = tsr_store_tarball_place(p, c->store->datadir, c->staged,
                                 pub->dist.tarball_path);
    if (rv != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "could not store the tarball "
                                  "of %s@%s", pub->name, pub->version);
    }
    c->placed = 1;
    out->undo = undo_place;
    out->undo_baton = c;
    c->res->rev = apr_pstrdup(c->pool, tsr_packument_rev(doc));
    c->res->created = (cur == NULL);
    return APR_SUCCESS;
}

apr_status_t tsr_publish_commit(tsr_publish_result_t *res, apr_pool_t *p,
                                tsr_store_t *store, const tsr_publish_t *pub,
                                const tsr_publisher_t *who,
                                tsr_error_t **perr)
{
    commit_ctx_t c;
    apr_status_t rv;

    memset(&c, 0, sizeof(c));
    c.pool = p;
    c.store = store;
    c.pub = pub;
    c.who = who;
    c.res = res;
    rv = tsr_store_tarball_stage(&c.staged, p, store->datadir, pub->tarball,
                                 pub->tarball_len);
    if (rv != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "could not write the tarball "
                                  "to the data directory");
    }
    rv = tsr_store_package_update(store, p, pub->name, apply, &c, perr);
    tsr_store_tarball_unstage(p, c.staged);
    return rv;
}
