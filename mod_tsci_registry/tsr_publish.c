/* tsr_publish: validation and commit of npm publishes. */
#include <errno.h>
#include <string.h>
#include <apr_strings.h>
#include "tsr_publish.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_semver.h"
#include "tsr_integrity.h"
#include "tsr_sign.h"
#include "tsr_view.h"
#include "tsr_search_entry.h"

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

/* The attachment's bytes: decoded here from its "data", or, when the body
 * reader already decoded them (decoded is set), taken as they are; the
 * reader left an empty string in the place of their base64. */
static apr_status_t decode_attachment(tsr_publish_t *pub, apr_pool_t *p,
                                      json_object *att,
                                      const tsr_publish_attachment_t *decoded,
                                      tsr_error_t **perr)
{
    json_object *data, *length;
    int64_t want;
    unsigned char *bytes;
    const unsigned char *taken;
    apr_size_t len;

    if (!json_object_object_get_ex(att, "data", &data)
        || !json_object_is_type(data, json_type_string)) {
        return tsr_error_set(perr, p, 400, NULL,
                             "the attachment has no base64 \"data\"");
    }
    if (decoded != NULL) {
        /* Data left in place belongs to another attachment than the one
         * the reader decoded. */
        if (json_object_get_string_len(data) != 0) {
            return tsr_error_set(perr, p, 400, NULL,
                                 "the publish has more than one tarball in "
                                 "_attachments");
        }
        taken = decoded->data;
        len = decoded->len;
    }
    else if (tsr_integrity_base64_decode(&bytes, &len, p,
                                         json_object_get_string(data),
                                         (apr_size_t)
                                         json_object_get_string_len(data))
             != APR_SUCCESS) {
        return tsr_error_set(perr, p, 400, NULL,
                             "the attachment's data is not valid base64");
    }
    else {
        taken = bytes;
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
    pub->tarball = taken;
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

/* Fields of a version that change what installing it does.  Whatever the
 * publish body says about them is replaced by the tarball's own
 * package/package.json (see tsr_publish.h). */
static const char *const install_fields[] = {
    "dependencies", "optionalDependencies", "peerDependencies",
    "peerDependenciesMeta", "bundleDependencies", "bundledDependencies",
    "devDependencies", "scripts", "bin", "directories", "engines", "os",
    "cpu", "libc", "gypfile", NULL
};

/* A path as npm's client cleans one from bin: '\\' and ':' read as '/',
 * "." and empty segments dropped, ".." resolved without ever climbing above
 * the package.  NULL when nothing is left. */
static const char *clean_path(apr_pool_t *p, const char *ref)
{
    char *copy = apr_pstrdup(p, ref), *c, *seg, *last;
    const char **segs;
    int n = 0, i;
    apr_size_t len = 0;
    char *out, *o;

    for (c = copy; *c; c++) {
        if (*c == '\\' || *c == ':') {
            *c = '/';
        }
    }
    segs = apr_palloc(p, (strlen(copy) / 2 + 2) * sizeof(*segs));
    for (seg = apr_strtok(copy, "/", &last); seg;
         seg = apr_strtok(NULL, "/", &last)) {
        if (strcmp(seg, ".") == 0) {
            continue;
        }
        if (strcmp(seg, "..") == 0) {
            if (n > 0) {
                n--;
            }
            continue;
        }
        segs[n++] = seg;
    }
    if (n == 0) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        len += strlen(segs[i]) + 1;
    }
    o = out = apr_palloc(p, len);
    for (i = 0; i < n; i++) {
        if (i > 0) {
            *o++ = '/';
        }
        memcpy(o, segs[i], strlen(segs[i]));
        o += strlen(segs[i]);
    }
    *o = '\0';
    return out;
}

/* The last segment of a cleaned path. */
static const char *path_base(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

/* Add name -> target to bin when both survive cleaning, as npm does. */
static void add_bin(apr_pool_t *p, json_object *bin, const char *name,
                    const char *target)
{
    const char *cn = name ? clean_path(p, name) : NULL;
    const char *ct = target ? clean_path(p, target) : NULL;

    if (cn && ct) {
        tsr_json_set_str(bin, path_base(cn), ct);
    }
}

/* bin in the object form installers expect: a string is the package's one
 * command, named after the package without its scope; an array lists
 * paths named after their last segment; entries that are not strings or
 * clean to nothing go.  NULL when no entry is left. */
static json_object *normalize_bin(apr_pool_t *p, json_object *raw,
                                  const char *pkg)
{
    json_object *bin = json_object_new_object();
    size_t i, n;

    if (json_object_is_type(raw, json_type_string)) {
        add_bin(p, bin, tsr_name_unscoped(pkg), tsr_json_cstr(raw));
    }
    else if (json_object_is_type(raw, json_type_array)) {
        n = json_object_array_length(raw);
        for (i = 0; i < n; i++) {
            const char *t = tsr_json_cstr(json_object_array_get_idx(raw, i));
            add_bin(p, bin, t, t);
        }
    }
    else if (json_object_is_type(raw, json_type_object)) {
        json_object_object_foreach(raw, k, v) {
            add_bin(p, bin, k, tsr_json_cstr(v));
        }
    }
    if (json_object_object_length(bin) == 0) {
        json_object_put(bin);
        return NULL;
    }
    return bin;
}

/* When the tarball has no bin but a directories.bin, npm's client lists
 * the files it finds there; the registry cannot list them, so it keeps the
 * body's entries that point inside that directory. */
static json_object *bin_from_dir(apr_pool_t *p, json_object *body_bin,
                                 const char *dir, const char *pkg)
{
    json_object *bin, *kept;
    const char *cdir = dir ? clean_path(p, dir) : NULL;
    apr_size_t dl;

    if (cdir == NULL || body_bin == NULL
        || (bin = normalize_bin(p, body_bin, pkg)) == NULL) {
        return NULL;
    }
    dl = strlen(cdir);
    kept = json_object_new_object();
    {
        json_object_object_foreach(bin, k, v) {
            const char *t = json_object_get_string(v);

            if (strncmp(t, cdir, dl) == 0 && t[dl] == '/') {
                tsr_json_set_str(kept, k, t);
            }
        }
    }
    json_object_put(bin);
    if (json_object_object_length(kept) == 0) {
        json_object_put(kept);
        return NULL;
    }
    return kept;
}

/* scripts as npm's client cleans them: entries that are not strings go, a
 * leading "node_modules/.bin/" (or "./node_modules/.bin/") is dropped. */
static void normalize_scripts(json_object *m)
{
    json_object *scripts, *clean;

    if (!json_object_object_get_ex(m, "scripts", &scripts)) {
        return;
    }
    if (!json_object_is_type(scripts, json_type_object)) {
        json_object_object_del(m, "scripts");
        return;
    }
    clean = json_object_new_object();
    {
        json_object_object_foreach(scripts, k, v) {
            const char *s = tsr_json_cstr(v);
            const char *q;

            if (s == NULL) {
                continue;
            }
            q = s;
            if ((q[0] == '.') && (q[1] == '/' || q[1] == '\\')) {
                q += 2;
            }
            if (strncmp(q, "node_modules", 12) == 0
                && (q[12] == '/' || q[12] == '\\')
                && strncmp(q + 13, ".bin", 4) == 0
                && (q[17] == '/' || q[17] == '\\')) {
                s = q + 18;
            }
            tsr_json_set_str(clean, k, s);
        }
    }
    json_object_object_add(m, "scripts", clean);
}

/* Keys of obj as a new array. */
static json_object *keys_of(json_object *obj)
{
    json_object *a = json_object_new_array();

    if (obj && json_object_is_type(obj, json_type_object)) {
        json_object_object_foreach(obj, k, v) {
            (void)v;
            json_object_array_add(a, json_object_new_string(k));
        }
    }
    return a;
}

static int script_set(json_object *scripts, const char *name)
{
    return scripts && json_object_object_get_ex(scripts, name, NULL);
}

/* The members of bundleDependencies are names; npm drops the others and
 * lists a bundled package missing from dependencies there as "*". */
static void bundle_members(json_object *m)
{
    json_object *bd, *clean, *deps;
    size_t i, n;

    if (!json_object_object_get_ex(m, "bundleDependencies", &bd)) {
        return;
    }
    clean = json_object_new_array();
    n = json_object_array_length(bd);
    for (i = 0; i < n; i++) {
        const char *b = tsr_json_cstr(json_object_array_get_idx(bd, i));

        if (b == NULL || *b == '\0') {
            continue;
        }
        json_object_array_add(clean, json_object_new_string(b));
        /* dependencies is an object or absent by now */
        if ((deps = tsr_json_obj(m, "dependencies")) == NULL) {
            deps = json_object_new_object();
            json_object_object_add(m, "dependencies", deps);
        }
        if (!json_object_object_get_ex(deps, b, NULL)) {
            tsr_json_set_str(deps, b, "*");
        }
    }
    json_object_object_add(m, "bundleDependencies", clean);
}

apr_status_t tsr_publish_install_fields(apr_pool_t *p, json_object *manifest,
                                        json_object *tarball,
                                        const char *name, tsr_error_t **perr)
{
    static const char *const dep_maps[] = {
        "dependencies", "optionalDependencies", "peerDependencies",
        "devDependencies", NULL
    };
    json_object *body_bin = NULL, *v, *bd, *scripts;
    const char *s;
    int i, gyp_claimed;

    /* What the body may add on its own: npm's node-gyp default, and bins
     * found under directories.bin (the registry cannot see either). */
    s = tsr_json_str(tsr_json_obj(manifest, "scripts"), "install");
    gyp_claimed = s && strcmp(s, "node-gyp rebuild") == 0
                  && json_object_object_get_ex(manifest, "gypfile", &v)
                  && json_object_is_type(v, json_type_boolean)
                  && json_object_get_boolean(v);
    if (json_object_object_get_ex(manifest, "bin", &body_bin)) {
        json_object_get(body_bin);
    }

    for (i = 0; install_fields[i]; i++) {
        json_object_object_del(manifest, install_fields[i]);
        if (json_object_object_get_ex(tarball, install_fields[i], &v)) {
            json_object_object_add(manifest, install_fields[i],
                                   tsr_json_copy(v));
        }
    }

    /* Dependency maps: null means none; anything else but an object is a
     * form the registry does not rewrite, so it is refused rather than
     * listed wrongly. */
    for (i = 0; dep_maps[i]; i++) {
        if (!json_object_object_get_ex(manifest, dep_maps[i], &v)) {
            continue;
        }
        if (v == NULL) {
            json_object_object_del(manifest, dep_maps[i]);
            continue;
        }
        if (!json_object_is_type(v, json_type_object)) {
            json_object_put(body_bin);
            return tsr_error_set(perr, p, 400, NULL,
                                 "package/package.json in the tarball has "
                                 "\"%s\" that is not an object",
                                 dep_maps[i]);
        }
        if (strcmp(dep_maps[i], "dependencies") == 0
            || strcmp(dep_maps[i], "devDependencies") == 0) {
            /* npm drops entries of these two that are not strings. */
            json_object *clean = json_object_new_object();
            json_object_object_foreach(v, k, r) {
                if (tsr_json_cstr(r)) {
                    json_object_object_add(clean, k, json_object_get(r));
                }
            }
            json_object_object_add(manifest, dep_maps[i], clean);
        }
    }

    /* bundledDependencies is a misspelling npm folds into
     * bundleDependencies; true means every dependency, an object its
     * keys. */
    if (json_object_object_get_ex(manifest, "bundledDependencies", &v)) {
        if (!json_object_object_get_ex(manifest, "bundleDependencies",
                                       NULL)) {
            json_object_object_add(manifest, "bundleDependencies",
                                   json_object_get(v));
        }
        json_object_object_del(manifest, "bundledDependencies");
    }
    if (json_object_object_get_ex(manifest, "bundleDependencies", &bd)) {
        if (json_object_is_type(bd, json_type_boolean)) {
            json_object_object_add(manifest, "bundleDependencies",
                                   json_object_get_boolean(bd)
                                       ? keys_of(tsr_json_obj(manifest,
                                                              "dependencies"))
                                       : json_object_new_array());
        }
        else if (json_object_is_type(bd, json_type_object)) {
            json_object_object_add(manifest, "bundleDependencies",
                                   keys_of(bd));
        }
        else if (!json_object_is_type(bd, json_type_array)) {
            json_object_object_del(manifest, "bundleDependencies");
        }
    }
    bundle_members(manifest);

    normalize_scripts(manifest);
    scripts = tsr_json_obj(manifest, "scripts");
    if (gyp_claimed && !script_set(scripts, "install")
        && !script_set(scripts, "preinstall")
        && !(json_object_object_get_ex(manifest, "gypfile", &v)
             && json_object_is_type(v, json_type_boolean)
             && !json_object_get_boolean(v))) {
        /* npm adds this for a package with a binding.gyp; an installer
         * runs node-gyp for such a package whatever the registry says, so
         * the claim can only make the listing say more, never less. */
        if (scripts == NULL) {
            scripts = json_object_new_object();
            json_object_object_add(manifest, "scripts", scripts);
        }
        tsr_json_set_str(scripts, "install", "node-gyp rebuild");
        json_object_object_add(manifest, "gypfile",
                               json_object_new_boolean(1));
    }

    if (json_object_object_get_ex(manifest, "bin", &v)) {
        json_object *bin = normalize_bin(p, v, name);

        if (bin) {
            json_object_object_add(manifest, "bin", bin);
        }
        else {
            json_object_object_del(manifest, "bin");
        }
    }
    else if ((s = tsr_json_str(tsr_json_obj(manifest, "directories"), "bin"))
             != NULL) {
        json_object *bin = bin_from_dir(p, body_bin, s, name);

        if (bin) {
            json_object_object_add(manifest, "bin", bin);
        }
    }
    json_object_put(body_bin);
    return APR_SUCCESS;
}

apr_status_t tsr_publish_parse(tsr_publish_t **ppub, apr_pool_t *p,
                               const char *url_name, json_object *body,
                               const tsr_tarball_limits_t *lim,
                               tsr_error_t **perr)
{
    return tsr_publish_parse_decoded(ppub, p, url_name, body, NULL, lim,
                                     perr);
}

apr_status_t tsr_publish_parse_decoded(tsr_publish_t **ppub, apr_pool_t *p,
                                       const char *url_name,
                                       json_object *body,
                                       const tsr_publish_attachment_t
                                           *decoded,
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
    {
        static const char *const naming[] = { "name", "_id", NULL };
        json_object *v;
        int i;

        for (i = 0; naming[i]; i++) {
            if (!json_object_object_get_ex(body, naming[i], &v)) {
                continue;
            }
            if ((s = tsr_json_cstr(v)) == NULL) {
                return tsr_error_set(perr, p, 400, NULL,
                                     "the body's \"%s\" is not a string "
                                     "without U+0000", naming[i]);
            }
            if (strcmp(s, url_name) != 0) {
                return tsr_error_set(perr, p, 400, NULL,
                                     "the body names package \"%s\" but "
                                     "the URL names \"%s\"", s, url_name);
            }
        }
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
        if ((s = tsr_json_cstr(tagv)) == NULL
            || strcmp(s, pub->version) != 0) {
            return tsr_error_set(perr, p, 400, NULL,
                                 "the dist-tag \"%s\" must point at the "
                                 "version published, %s", key,
                                 pub->version);
        }
        pub->tag = apr_pstrdup(p, key);
    }

    /* npm sends "access" (null, "public", "restricted") on every
     * publish; it decides only when the package is created. */
    if ((s = tsr_json_str(body, "access")) != NULL) {
        if (strcmp(s, "restricted") == 0) {
            if (url_name[0] != '@') {
                return tsr_error_set(perr, p, 400, NULL, "only scoped "
                                     "packages can be restricted");
            }
            pub->restricted = 1;
        }
        else if (strcmp(s, "public") != 0) {
            return tsr_error_set(perr, p, 400, NULL, "access must be public "
                                 "or restricted");
        }
    }

    if ((rv = find_attachment(&att, p, atts, perr)) != APR_SUCCESS
        || (rv = decode_attachment(pub, p, att, decoded, perr))
               != APR_SUCCESS) {
        return rv;
    }
    rv = tsr_tarball_inspect(&info, p, pub->tarball, pub->tarball_len, lim,
                             perr);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    tname = tsr_json_str(info.manifest, "name");
    tver = tsr_json_str(info.manifest, "version");
    if (tname == NULL) {
        return tsr_error_set(perr, p, 400, NULL,
                             "package/package.json in the tarball has no "
                             "\"name\" that is a string without U+0000");
    }
    if (tver == NULL) {
        return tsr_error_set(perr, p, 400, NULL,
                             "package/package.json in the tarball has no "
                             "\"version\" that is a string without U+0000");
    }
    if (strcmp(tname, url_name) != 0) {
        return tsr_error_set(perr, p, 400, NULL,
                             "package/package.json in the tarball names "
                             "\"%s\", not %s", tname, url_name);
    }
    if (strcmp(tver, pub->version) != 0) {
        return tsr_error_set(perr, p, 400, NULL,
                             "package/package.json in the tarball has "
                             "version \"%s\", not %s", tver,
                             pub->version);
    }
    /* From here on the version's manifest is the registry's own copy, with
     * the install fields the tarball's. */
    pub->manifest = tsr_json_own(p, tsr_json_copy(pub->manifest));
    if (pub->manifest == NULL) {
        return tsr_error_internal(perr, p, APR_ENOMEM, "out of memory");
    }
    rv = tsr_publish_install_fields(p, pub->manifest, info.manifest,
                                    pub->name, perr);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* npm puts the readme in the version's manifest; Yarn sends it at the
     * top level of the body only.  Either way it is the version's. */
    if (!json_object_object_get_ex(pub->manifest, "readme", NULL)
        && (s = tsr_json_str(body, "readme")) != NULL) {
        tsr_json_set_str(pub->manifest, "readme", s);
        if ((s = tsr_json_str(body, "readmeFilename")) != NULL) {
            tsr_json_set_str(pub->manifest, "readmeFilename", s);
        }
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

apr_status_t tsr_publish_sign(tsr_publish_t *pub, apr_pool_t *p,
                              const tsr_sign_key_t *key, tsr_error_t **perr)
{
    apr_status_t rv;

    rv = tsr_sign_version(key, p, pub->name, pub->version,
                          pub->dist.integrity, &pub->dist.sig, perr);
    if (rv == APR_SUCCESS) {
        pub->dist.sig_keyid = tsr_sign_key_id(key);
    }
    return rv;
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

/* A tarball that could not be written: a full disk is the client's to
 * know (507, nothing stored), anything else the server's. */
static apr_status_t tarball_failed(apr_pool_t *p, apr_status_t rv,
                                   const tsr_publish_t *pub,
                                   tsr_error_t **perr)
{
    if (APR_STATUS_IS_ENOSPC(rv) || rv == APR_FROM_OS_ERROR(EDQUOT)) {
        return tsr_error_set(perr, p, 507, NULL, "the registry's disk is "
                             "full: %s@%s was not stored", pub->name,
                             pub->version);
    }
    return tsr_error_internal(perr, p, rv, "could not store the tarball of "
                              "%s@%s", pub->name, pub->version);
}

static void undo_place(void *baton)
{
    commit_ctx_t *c = baton;

    if (c->placed) {
        tsr_store_tarball_remove(c->store, c->pool,
                                 c->pub->dist.tarball_path);
        c->placed = 0;
    }
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
        /* Decided in the transaction: a package that appeared since the
         * caller looked is published to under the maintainers' rule. */
        if (c->who->no_create) {
            return tsr_error_set(perr, p, 403, NULL, "%s may not create "
                                 "%s: %s", c->who->name, pub->name,
                                 c->who->no_create);
        }
        doc = tsr_packument_new(p, pub->name);
        tsr_packument_set_restricted(doc, pub->restricted);
    }
    /* An unpublished name stays its maintainers' (no one else may take
     * it over and serve their own code under it). */
    if (!c->who->admin && !tsr_packument_is_maintainer(doc, c->who->name)) {
        return tsr_error_set(perr, p, 403, NULL,
                             "%s is not a maintainer of %s", c->who->name,
                             pub->name);
    }
    if (cur && tsr_packument_is_gone(doc)) {
        tsr_packument_revive(doc);
        tsr_packument_set_restricted(doc, pub->restricted);
        out->revived = 1;
    }
    manifest = tsr_json_own(p, tsr_json_copy(pub->manifest));
    rv = tsr_packument_add_version(doc, p, pub->version, manifest, pub->tag,
                                   c->who, &pub->dist, now, perr);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    out->version = pub->version;
    out->tags = tsr_json_serialize(p, tsr_json_obj(doc, "dist-tags"),
                                   &out->tags_len);
    rv = tsr_packument_render_version(p, doc, pub->version, now,
                                      &out->version_view,
                        &out->version_view_len);
    if (rv == APR_SUCCESS) {
        rv = tsr_packument_render(p, doc, &out->full, &out->full_len,
                                  &out->abbrev, &out->abbrev_len);
    }
    if (rv != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "could not render %s",
                                  pub->name);
    }
    out->readers = tsr_packument_readers(p, doc);
    out->rev = apr_pstrdup(p, tsr_packument_rev(doc));
    tsr_search_entry_make(&out->search, &out->search_len, p, doc);
    out->creator = cur ? NULL : c->who->name;
    out->doc = tsr_json_serialize(p, doc, &out->doc_len);
    out->tarball_bytes = (apr_int64_t)pub->tarball_len;
    rv = tsr_store_tarball_place(c->store, p, c->staged,
                                 pub->dist.tarball_path);
    if (rv != APR_SUCCESS) {
        return tarball_failed(p, rv, pub, perr);
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
    rv = tsr_store_tarball_stage(store, p, pub->tarball, pub->tarball_len,
                                 &c.staged);
    if (rv != APR_SUCCESS) {
        return tarball_failed(p, rv, pub, perr);
    }
    rv = tsr_store_package_update(store, p, pub->name, apply, &c, perr);
    tsr_store_tarball_unstage(store, p, c.staged);
    return rv;
}
