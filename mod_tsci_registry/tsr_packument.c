/* tsr_packument: package documents.  The stored document keeps every
 * dist.tarball relative to the registry root; the views made for sending
 * mark those places so that the base URL of each request can be spliced in
 * without parsing anything at read time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "tsr_packument.h"
#include "tsr_json.h"
#include "tsr_view.h"
#include "tsr_integrity.h"
#include "tsr_semver.h"
#include "tsr_search_entry.h"

/* Per-version fields of the abbreviated ("corgi") form. */
static const char *const abbrev_fields[] = {
    "name", "version", "deprecated", "dependencies", "optionalDependencies",
    "devDependencies", "bundleDependencies", "bundledDependencies",
    "peerDependencies", "peerDependenciesMeta", "bin", "directories",
    "engines", "os", "cpu", "libc", "hasInstallScript", "_hasShrinkwrap",
    "funding", "license", "acceptDependencies", NULL
};

/* Top-level fields that mirror the version "latest" points at. */
static const char *const mirrored_fields[] = {
    "description", "keywords", "homepage", "repository", "author", "bugs",
    "license", NULL
};

json_object *tsr_packument_new(apr_pool_t *p, const char *name)
{
    json_object *doc = tsr_json_own(p, json_object_new_object());

    tsr_json_set_str(doc, "_id", name);
    tsr_json_set_str(doc, "name", name);
    json_object_object_add(doc, "dist-tags", json_object_new_object());
    json_object_object_add(doc, "versions", json_object_new_object());
    json_object_object_add(doc, "time", json_object_new_object());
    json_object_object_add(doc, "maintainers", json_object_new_array());
    json_object_object_add(doc, "users", json_object_new_object());
    return doc;
}

const char *tsr_packument_rev(json_object *doc)
{
    const char *rev = tsr_json_str(doc, "_rev");

    return rev ? rev : "0-0";
}

/* The key of members (versions or time) that is version or has the same
 * precedence, or NULL.  "created" and "modified" are no versions and never
 * compare equal to one. */
static const char *same_version_in(json_object *members, const char *version,
                                   int valid)
{
    if (members == NULL) {
        return NULL;
    }
    json_object_object_foreach(members, k, v) {
        (void)v;
        if (strcmp(k, version) == 0
            || (valid && tsr_semver_is_valid(k)
                && tsr_semver_cmp(k, version) == 0)) {
            return k;
        }
    }
    return NULL;
}

const char *tsr_packument_same_version(json_object *doc, const char *version)
{
    int valid = tsr_semver_is_valid(version);
    const char *k;

    if ((k = same_version_in(tsr_json_obj(doc, "versions"), version, valid))
        == NULL) {
        k = same_version_in(tsr_json_obj(doc, "time"), version, valid);
    }
    return k;
}

int tsr_packument_has_version(json_object *doc, const char *version)
{
    return tsr_packument_same_version(doc, version) != NULL;
}

int tsr_packument_is_maintainer(json_object *doc, const char *user)
{
    json_object *m;
    size_t i, n;

    if (!json_object_object_get_ex(doc, "maintainers", &m)
        || !json_object_is_type(m, json_type_array)
        || (n = json_object_array_length(m)) == 0) {
        return 1;
    }
    for (i = 0; i < n; i++) {
        const char *name = tsr_json_str(json_object_array_get_idx(m, i),
                                        "name");
        if (name && strcmp(name, user) == 0) {
            return 1;
        }
    }
    return 0;
}

int tsr_packument_restricted(json_object *doc)
{
    const char *a = tsr_json_str(doc, "access");

    return a && strcmp(a, "restricted") == 0;
}

void tsr_packument_set_restricted(json_object *doc, int restricted)
{
    if (restricted) {
        json_object_object_add(doc, "access",
                               json_object_new_string("restricted"));
    }
    else {
        json_object_object_del(doc, "access");
    }
}

const char *tsr_packument_readers(apr_pool_t *p, json_object *doc)
{
    json_object *m;
    const char *out = "", *name;
    size_t i, n;

    if (!tsr_packument_restricted(doc)) {
        return NULL;
    }
    if (json_object_object_get_ex(doc, "maintainers", &m)
        && json_object_is_type(m, json_type_array)) {
        n = json_object_array_length(m);
        for (i = 0; i < n; i++) {
            name = tsr_json_str(json_object_array_get_idx(m, i), "name");
            /* A name with a comma would split: no valid user has one. */
            if (name && *name && strchr(name, ',') == NULL) {
                out = *out ? apr_pstrcat(p, out, ",", name, NULL) : name;
            }
        }
    }
    /* A restricted package nobody maintains is nobody's to read but the
     * administrators': a reader no user can be. */
    return *out ? out : ",";
}

/* Make sure doc[key] is an object and return it. */
static json_object *member_obj(json_object *doc, const char *key)
{
    json_object *o = tsr_json_obj(doc, key);

    if (o == NULL) {
        o = json_object_new_object();
        json_object_object_add(doc, key, o);
    }
    return o;
}

static json_object *person(const tsr_publisher_t *who)
{
    json_object *o = json_object_new_object();

    tsr_json_set_str(o, "name", who->name);
    if (who->email) {
        tsr_json_set_str(o, "email", who->email);
    }
    return o;
}

static int has_install_script(json_object *manifest)
{
    json_object *scripts = tsr_json_obj(manifest, "scripts");

    return scripts && (json_object_object_get_ex(scripts, "preinstall", NULL)
                       || json_object_object_get_ex(scripts, "install", NULL)
                       || json_object_object_get_ex(scripts, "postinstall",
                                                    NULL));
}

/* Bump doc's _rev.  Fails, leaving doc's _rev as it was, when no random
 * bytes can be had: a _rev must never be made of uninitialised memory. */
static apr_status_t next_rev(json_object *doc)
{
    const char *old = tsr_packument_rev(doc);
    unsigned char rnd[16];
    char buf[64];
    long n = strtol(old, NULL, 10);
    static const char hex[] = "0123456789abcdef";
    int i, at;
    apr_status_t rv;

    if ((rv = tsr_integrity_random(rnd, sizeof(rnd))) != APR_SUCCESS) {
        return rv;
    }
    at = snprintf(buf, sizeof(buf), "%ld-", n + 1);
    for (i = 0; i < 16; i++) {
        buf[at++] = hex[rnd[i] >> 4];
        buf[at++] = hex[rnd[i] & 15];
    }
    buf[at] = '\0';
    tsr_json_set_str(doc, "_rev", buf);
    return APR_SUCCESS;
}

/* Copy the top-level mirrors of version's manifest into doc. */
static void mirror_latest(json_object *doc, json_object *manifest)
{
    int i;

    for (i = 0; mirrored_fields[i]; i++) {
        json_object *v;

        if (json_object_object_get_ex(manifest, mirrored_fields[i], &v)) {
            json_object_object_add(doc, mirrored_fields[i], tsr_json_copy(v));
        }
        else {
            json_object_object_del(doc, mirrored_fields[i]);
        }
    }
}

apr_status_t tsr_packument_add_version(json_object *doc, apr_pool_t *p,
                                       const char *version,
                                       json_object *manifest, const char *tag,
                                       const tsr_publisher_t *who,
                                       const tsr_version_dist_t *dist,
                                       apr_time_t now, tsr_error_t **perr)
{
    const char *name = tsr_json_str(doc, "name");
    const char *when = tsr_json_time(p, now), *same;
    json_object *versions, *time, *tags, *maint, *d, *readme = NULL;
    json_object *readme_file = NULL;
    int becomes_latest;

    if ((same = tsr_packument_same_version(doc, version)) != NULL) {
        if (strcmp(same, version) == 0) {
            return tsr_error_set(perr, p, 409, "conflict",
                                 "cannot publish over the previously "
                                 "published version %s of %s", version,
                                 name);
        }
        /* npm drops build metadata: 1.0.0+b and 1.0.0 are one version. */
        return tsr_error_set(perr, p, 409, "conflict",
                             "cannot publish over the previously published "
                             "version %s of %s (%s differs from it only in "
                             "build metadata)", same, name, version);
    }
    versions = member_obj(doc, "versions");
    time = member_obj(doc, "time");
    tags = member_obj(doc, "dist-tags");
    if (!json_object_object_get_ex(doc, "maintainers", &maint)
        || !json_object_is_type(maint, json_type_array)) {
        maint = json_object_new_array();
        json_object_object_add(doc, "maintainers", maint);
    }
    if (json_object_array_length(maint) == 0) {
        json_object_array_add(maint, person(who));
    }

    /* The readme lives once, at the top level. */
    if (json_object_object_get_ex(manifest, "readme", &readme)) {
        json_object_get(readme);
        json_object_object_del(manifest, "readme");
    }
    if (json_object_object_get_ex(manifest, "readmeFilename", &readme_file)) {
        json_object_get(readme_file);
        json_object_object_del(manifest, "readmeFilename");
    }

    tsr_json_set_str(manifest, "name", name);
    tsr_json_set_str(manifest, "version", version);
    tsr_json_set_str(manifest, "_id", apr_pstrcat(p, name, "@", version,
                                                  NULL));
    json_object_object_add(manifest, "_npmUser", person(who));
    json_object_object_add(manifest, "maintainers", tsr_json_copy(maint));
    json_object_object_add(manifest, "_hasShrinkwrap",
                           json_object_new_boolean(dist->has_shrinkwrap));
    if (has_install_script(manifest)) {
        json_object_object_add(manifest, "hasInstallScript",
                               json_object_new_boolean(1));
    }
    else {
        json_object_object_del(manifest, "hasInstallScript");
    }
    d = json_object_new_object();
    tsr_json_set_str(d, "integrity", dist->integrity);
    tsr_json_set_str(d, "shasum", dist->shasum);
    tsr_json_set_str(d, "tarball", dist->tarball_path);
    json_object_object_add(d, "fileCount",
                           json_object_new_int64((int64_t)dist->file_count));
    json_object_object_add(d, "unpackedSize",
                           json_object_new_int64((int64_t)dist->unpacked_size));
    if (dist->sig && dist->sig_keyid) {
        json_object *sigs = json_object_new_array();
        json_object *one = json_object_new_object();

        tsr_json_set_str(one, "keyid", dist->sig_keyid);
        tsr_json_set_str(one, "sig", dist->sig);
        json_object_array_add(sigs, one);
        json_object_object_add(d, "signatures", sigs);
    }
    json_object_object_add(manifest, "dist", d);

    json_object_object_add(versions, version, json_object_get(manifest));
    if (!json_object_object_get_ex(time, "created", NULL)) {
        tsr_json_set_str(time, "created", when);
    }
    tsr_json_set_str(time, "modified", when);
    tsr_json_set_str(time, version, when);

    /* A first publish under another tag still gets "latest" too.  No tag
     * at all (a tscircuit release that is not its package's latest) adds
     * the version and moves nothing else. */
    becomes_latest = (tag != NULL && strcmp(tag, "latest") == 0)
                     || tsr_json_str(tags, "latest") == NULL;
    if (tag != NULL) {
        tsr_json_set_str(tags, tag, version);
    }
    if (becomes_latest) {
        tsr_json_set_str(tags, "latest", version);
        mirror_latest(doc, manifest);
    }
    if (becomes_latest || !json_object_object_get_ex(doc, "readme", NULL)) {
        json_object_object_add(doc, "readme", readme ? readme
                               : json_object_new_string(""));
        readme = NULL;
        if (readme_file) {
            json_object_object_add(doc, "readmeFilename", readme_file);
            readme_file = NULL;
        }
    }
    json_object_put(readme);
    json_object_put(readme_file);
    if (next_rev(doc) != APR_SUCCESS) {
        return tsr_error_internal(perr, p, APR_EGENERAL, "no random bytes "
                                  "for the revision of %s", name);
    }
    return APR_SUCCESS;
}

/* A random marker word for tsr_view_encode, or NULL when no random bytes
 * can be had (a guessable marker could be forged inside a document). */
static const char *new_marker(apr_pool_t *p)
{
    unsigned char rnd[12];

    if (tsr_integrity_random(rnd, sizeof(rnd)) != APR_SUCCESS) {
        return NULL;
    }
    return apr_pstrcat(p, "tsrBase", tsr_integrity_hex(p, rnd, sizeof(rnd)),
                       NULL);
}

/* Point dist.tarball of every version in versions at marker + path. */
static void mark_tarballs(apr_pool_t *p, json_object *versions,
                          const char *marker)
{
    json_object_object_foreach(versions, ver, manifest) {
        json_object *dist = tsr_json_obj(manifest, "dist");
        const char *path = tsr_json_str(dist, "tarball");

        (void)ver;
        if (path) {
            tsr_json_set_str(dist, "tarball",
                             apr_pstrcat(p, marker, path, NULL));
        }
    }
}

static apr_time_t modified_time(json_object *doc)
{
    const char *m = tsr_json_str(tsr_json_obj(doc, "time"), "modified");
    apr_time_exp_t x;
    apr_time_t t = 0;
    int ms = 0;

    memset(&x, 0, sizeof(x));
    if (m && sscanf(m, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &x.tm_year, &x.tm_mon,
                    &x.tm_mday, &x.tm_hour, &x.tm_min, &x.tm_sec, &ms) >= 6) {
        x.tm_year -= 1900;
        x.tm_mon -= 1;
        x.tm_usec = ms * 1000;
        apr_time_exp_gmt_get(&t, &x);
    }
    return t;
}

apr_status_t tsr_packument_render(apr_pool_t *p, json_object *doc,
                                  const char **pfull, apr_size_t *pfull_len,
                                  const char **pabbrev,
                                  apr_size_t *pabbrev_len)
{
    const char *marker = new_marker(p), *rev = tsr_packument_rev(doc), *text;
    const char *readers;
    apr_time_t mtime = modified_time(doc);
    json_object *full, *abbrev, *versions, *av, *tags;
    apr_size_t len;
    apr_status_t rv;
    int i;

    if (marker == NULL) {
        return APR_EGENERAL;
    }
    full = tsr_json_own(p, tsr_json_copy(doc));
    if (full == NULL) {
        return APR_ENOMEM;
    }
    /* Who may read is the view's header, not the document's text. */
    readers = tsr_packument_readers(p, doc);
    json_object_object_del(full, "access");
    versions = tsr_json_obj(full, "versions");
    if (versions) {
        mark_tarballs(p, versions, marker);
    }
    text = tsr_json_serialize(p, full, &len);
    rv = tsr_view_encode(pfull, pfull_len, p, rev, mtime, text, len, marker,
                         readers);
    if (rv != APR_SUCCESS) {
        return rv;
    }

    abbrev = tsr_json_own(p, json_object_new_object());
    tsr_json_set_str(abbrev, "name", tsr_json_str(doc, "name"));
    text = tsr_json_str(tsr_json_obj(doc, "time"), "modified");
    if (text) {
        tsr_json_set_str(abbrev, "modified", text);
    }
    tags = tsr_json_obj(full, "dist-tags");
    json_object_object_add(abbrev, "dist-tags",
                           tags ? tsr_json_copy(tags)
                                : json_object_new_object());
    av = json_object_new_object();
    json_object_object_add(abbrev, "versions", av);
    if (versions) {
        json_object_object_foreach(versions, ver, manifest) {
            json_object *o = json_object_new_object(), *v;

            for (i = 0; abbrev_fields[i]; i++) {
                if (json_object_object_get_ex(manifest, abbrev_fields[i],
                                              &v)) {
                    json_object_object_add(o, abbrev_fields[i],
                                           tsr_json_copy(v));
                }
            }
            if (json_object_object_get_ex(manifest, "dist", &v)) {
                json_object *dist = tsr_json_copy(v);

                /* Only npm audit signatures reads them, from the full
                 * document: every install would carry them for nothing. */
                if (json_object_is_type(dist, json_type_object)) {
                    json_object_object_del(dist, "signatures");
                }
                json_object_object_add(o, "dist", dist);
            }
            json_object_object_add(av, ver, o);
        }
    }
    text = tsr_json_serialize(p, abbrev, &len);
    return tsr_view_encode(pabbrev, pabbrev_len, p, rev, mtime, text, len,
                           marker, readers);
}

apr_status_t tsr_packument_render_version(apr_pool_t *p, json_object *doc,
                                          const char *version,
                                          apr_time_t when,
                                          const char **pblob,
                                          apr_size_t *plen)
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
                           text, len, marker, tsr_packument_readers(p, doc));
}

apr_status_t tsr_packument_set_tag(json_object *doc, apr_pool_t *p,
                                   const char *tag, const char *version,
                                   tsr_error_t **perr)
{
    json_object *versions = tsr_json_obj(doc, "versions"), *m;

    if (versions == NULL
        || !json_object_object_get_ex(versions, version, &m)) {
        return tsr_error_set(perr, p, 404, NULL, "version not found: %s@%s",
                             tsr_json_str(doc, "name"), version);
    }
    tsr_json_set_str(member_obj(doc, "dist-tags"), tag, version);
    if (strcmp(tag, "latest") == 0) {
        mirror_latest(doc, m);
    }
    return APR_SUCCESS;
}

apr_status_t tsr_packument_remove_tag(json_object *doc, apr_pool_t *p,
                                      const char *tag, tsr_error_t **perr)
{
    json_object *tags = member_obj(doc, "dist-tags");

    if (strcmp(tag, "latest") == 0) {
        return tsr_error_set(perr, p, 400, NULL, "the latest tag stays: "
                             "point it at another version instead");
    }
    if (!json_object_object_get_ex(tags, tag, NULL)) {
        return tsr_error_set(perr, p, 404, NULL, "%s is not a dist-tag of "
                             "%s", tag, tsr_json_str(doc, "name"));
    }
    json_object_object_del(tags, tag);
    return APR_SUCCESS;
}

int tsr_packument_is_gone(json_object *doc)
{
    json_object *versions = tsr_json_obj(doc, "versions");

    return (versions == NULL || json_object_object_length(versions) == 0)
           && tsr_json_obj(tsr_json_obj(doc, "time"), "unpublished") != NULL;
}

void tsr_packument_bury(json_object *doc, apr_pool_t *p, apr_time_t now)
{
    /* Who might read it stays too: a feed must not show a restricted
     * package's name even after it is gone. */
    static const char *const kept[] = { "_id", "name", "_rev", "maintainers",
                                        "time", "access", NULL };
    json_object *versions = tsr_json_obj(doc, "versions");
    json_object *gone = json_object_new_array(), *record;
    json_object *time = member_obj(doc, "time");
    const char *when = tsr_json_time(p, now);
    int i, keep;

    if (versions) {
        json_object_object_foreach(versions, ver, m) {
            (void)m;
            json_object_array_add(gone, json_object_new_string(ver));
        }
    }
    {
        /* Keys are deleted outside the walk over them. */
        apr_array_header_t *drop = apr_array_make(p, 16, sizeof(char *));

        json_object_object_foreach(doc, key, v) {
            (void)v;
            for (keep = 0, i = 0; kept[i]; i++) {
                keep |= strcmp(key, kept[i]) == 0;
            }
            if (!keep) {
                APR_ARRAY_PUSH(drop, char *) = apr_pstrdup(p, key);
            }
        }
        for (i = 0; i < drop->nelts; i++) {
            json_object_object_del(doc, APR_ARRAY_IDX(drop, i, char *));
        }
    }
    record = json_object_new_object();
    tsr_json_set_str(record, "time", when);
    json_object_object_add(record, "versions", gone);
    json_object_object_add(time, "unpublished", record);
    tsr_json_set_str(time, "modified", when);
}

void tsr_packument_revive(json_object *doc)
{
    json_object_object_del(tsr_json_obj(doc, "time"), "unpublished");
}

/* The version latest should name among versions: the highest release,
 * else the highest prerelease; NULL when there is none. */
static const char *highest_version(json_object *versions)
{
    const char *best = NULL;
    int best_pre = 1;

    json_object_object_foreach(versions, ver, m) {
        int pre = strchr(ver, '-') != NULL;

        (void)m;
        if (best == NULL || (best_pre && !pre)
            || (pre == best_pre && tsr_semver_cmp(ver, best) > 0)) {
            best = ver;
            best_pre = pre;
        }
    }
    return best;
}

apr_status_t tsr_packument_remove_version(json_object *doc, apr_pool_t *p,
                                          const char *version,
                                          apr_time_t now,
                                          tsr_error_t **perr)
{
    json_object *versions = tsr_json_obj(doc, "versions");
    json_object *tags = member_obj(doc, "dist-tags");
    apr_array_header_t *drop = apr_array_make(p, 4, sizeof(char *));
    const char *latest = tsr_json_str(tags, "latest"), *next;
    int i;

    if (versions == NULL
        || !json_object_object_get_ex(versions, version, NULL)) {
        return tsr_error_set(perr, p, 404, NULL, "version not found: %s@%s",
                             tsr_json_str(doc, "name"), version);
    }
    if (json_object_object_length(versions) == 1) {
        tsr_packument_bury(doc, p, now);
        return APR_SUCCESS;
    }
    json_object_object_del(versions, version);
    json_object_object_foreach(tags, tag, v) {
        const char *to = json_object_get_string(v);

        if (to && strcmp(to, version) == 0) {
            APR_ARRAY_PUSH(drop, char *) = apr_pstrdup(p, tag);
        }
    }
    for (i = 0; i < drop->nelts; i++) {
        json_object_object_del(tags, APR_ARRAY_IDX(drop, i, char *));
    }
    if (latest == NULL || strcmp(latest, version) == 0) {
        next = highest_version(versions);
        tsr_json_set_str(tags, "latest", next);
        mirror_latest(doc, tsr_json_obj(versions, next));
    }
    return APR_SUCCESS;
}

/* Every ready view of doc as it is into out, version views (dated when)
 * too when every_version is set. */
static apr_status_t render_all(apr_pool_t *p, json_object *doc,
                               int every_version, apr_time_t when,
                               tsr_package_write_t *out);

apr_status_t tsr_packument_rewrite(apr_pool_t *p, json_object *doc,
                                   int every_version,
                                   tsr_package_write_t *out)
{
    apr_time_t now = apr_time_now();
    apr_status_t rv;

    if ((rv = tsr_packument_touch(doc, p, now)) != APR_SUCCESS) {
        return rv;
    }
    return render_all(p, doc, every_version, now, out);
}

apr_status_t tsr_packument_views(apr_pool_t *p, json_object *doc,
                                 tsr_package_write_t *out)
{
    return render_all(p, doc, 1, modified_time(doc), out);
}

static apr_status_t render_all(apr_pool_t *p, json_object *doc,
                               int every_version, apr_time_t now,
                               tsr_package_write_t *out)
{
    json_object *versions = tsr_json_obj(doc, "versions");
    const char **vers, **views;
    apr_size_t *lens;
    apr_status_t rv;
    int n = every_version && versions
                ? json_object_object_length(versions) : 0, i = 0;

    vers = apr_pcalloc(p, (n + 1) * sizeof(*vers));
    views = apr_pcalloc(p, (n + 1) * sizeof(*views));
    lens = apr_pcalloc(p, (n + 1) * sizeof(*lens));
    if (n > 0) {
        json_object_object_foreach(versions, ver, m) {
            (void)m;
            vers[i] = apr_pstrdup(p, ver);
            rv = tsr_packument_render_version(p, doc, ver, now, &views[i],
                                              &lens[i]);
            if (rv != APR_SUCCESS) {
                return rv;
            }
            i++;
        }
    }
    out->n_more = i;
    out->more_versions = vers;
    out->more_views = views;
    out->more_lens = lens;
    out->tags = tsr_json_serialize(p, tsr_json_obj(doc, "dist-tags"),
                                   &out->tags_len);
    out->readers = tsr_packument_readers(p, doc);
    out->rev = apr_pstrdup(p, tsr_packument_rev(doc));
    out->gone = tsr_packument_is_gone(doc);
    rv = tsr_packument_render(p, doc, &out->full, &out->full_len,
                              &out->abbrev, &out->abbrev_len);
    if (rv == APR_SUCCESS) {
        rv = tsr_search_entry_make(&out->search, &out->search_len, p, doc);
    }
    out->doc = tsr_json_serialize(p, doc, &out->doc_len);
    return rv;
}

apr_status_t tsr_packument_touch(json_object *doc, apr_pool_t *p,
                                 apr_time_t now)
{
    apr_status_t rv = next_rev(doc);

    if (rv == APR_SUCCESS) {
        tsr_json_set_str(member_obj(doc, "time"), "modified",
                         tsr_json_time(p, now));
    }
    return rv;
}

json_object *tsr_packument_version(apr_pool_t *p, json_object *doc,
                                   const char *spec, const char *base)
{
    json_object *versions = tsr_json_obj(doc, "versions"), *m, *copy, *dist;
    const char *ver = spec, *path;

    if (!tsr_semver_is_valid(spec)) {
        ver = tsr_json_str(tsr_json_obj(doc, "dist-tags"), spec);
        if (ver == NULL) {
            return NULL;
        }
    }
    if (versions == NULL || !json_object_object_get_ex(versions, ver, &m)) {
        return NULL;
    }
    copy = tsr_json_own(p, tsr_json_copy(m));
    dist = tsr_json_obj(copy, "dist");
    if ((path = tsr_json_str(dist, "tarball")) != NULL) {
        tsr_json_set_str(dist, "tarball", apr_pstrcat(p, base, path, NULL));
    }
    return copy;
}
