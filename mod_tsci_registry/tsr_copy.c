/* tsr_copy: users and tokens first (so a package's creator and starrers
 * exist), then every package with its stars, in the order of its last
 * change in the source's feed and at that change's number, then every
 * organisation. */
#include <stdlib.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <apr_file_info.h>
#include "tsr_copy.h"
#include "tsr_json.h"
#include "tsr_packument.h"
#include "tsr_store_files.h"

/* Enough for every package one user created or starred. */
#define ALL ((apr_size_t)1 << 30)

typedef struct copy_t {
    tsr_store_t *from;
    tsr_store_t *to;
    tsr_copy_result_t *res;
    apr_pool_t *pool;               /* the run's */
    apr_hash_t *creators;           /* package -> user */
    apr_hash_t *stars;              /* package -> array of users */
    apr_hash_t *last_seq;           /* package -> its last change number */
    apr_array_header_t *order;      /* of placed_t, the packages to copy */
    apr_uint64_t seq;               /* the source's last change number */
    int other_dir;                  /* tarballs are copied */
    tsr_admin_progress_fn *progress;
    void *baton;
    apr_uint64_t total;
    tsr_error_t **perr;
} copy_t;

static apr_status_t store_failed(copy_t *c, apr_pool_t *p, apr_status_t rv,
                                 const char *what, const char *name)
{
    char buf[120];

    if (rv == TSR_EREFUSED || rv == APR_EINTR) {
        return rv;
    }
    if (c->perr && *c->perr) {
        /* The store's own refusal says more: keep it, with the name. */
        tsr_error_t *e = *c->perr;

        return tsr_error_set(c->perr, c->pool, e->http_status, NULL,
                             "%s %s: %s", what, name, e->message);
    }
    return tsr_error_set(c->perr, c->pool, 503, NULL, "%s %s failed: %s",
                         what, name, apr_strerror(rv, buf, sizeof(buf)));
}

static apr_status_t copy_user(void *baton, apr_pool_t *p, const char *name)
{
    copy_t *c = baton;
    apr_array_header_t *keys, *names;
    const char *rec;
    apr_size_t len;
    apr_status_t rv;
    int i;

    if ((rv = tsr_store_user_get(c->from, p, name, &rec, &len))
        == TSR_ENOTFOUND) {
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS
        || (rv = tsr_store_user_create(c->to, p, name, rec, len))
               != APR_SUCCESS) {
        return store_failed(c, p, rv, "copying the user", name);
    }
    c->res->users++;
    if ((rv = tsr_store_token_list(c->from, p, name, &keys))
        != APR_SUCCESS) {
        return store_failed(c, p, rv, "listing the tokens of", name);
    }
    for (i = 0; i < keys->nelts; i++) {
        const unsigned char *key = (const unsigned char *)keys->elts
                                   + 32 * i;

        if ((rv = tsr_store_token_get(c->from, p, key, &rec, &len))
            == TSR_ENOTFOUND) {
            continue;
        }
        if (rv != APR_SUCCESS
            || (rv = tsr_store_token_put(c->to, p, key, name, rec, len))
                   != APR_SUCCESS) {
            return store_failed(c, p, rv, "copying a token of", name);
        }
        c->res->tokens++;
    }
    /* Who created what, and who starred what, for the package writes. */
    if ((rv = tsr_store_user_packages(c->from, p, name, ALL, &names))
        != APR_SUCCESS) {
        return store_failed(c, p, rv, "listing the packages of", name);
    }
    for (i = 0; i < names->nelts; i++) {
        apr_hash_set(c->creators,
                     apr_pstrdup(c->pool, APR_ARRAY_IDX(names, i, char *)),
                     APR_HASH_KEY_STRING, apr_pstrdup(c->pool, name));
    }
    if ((rv = tsr_store_user_stars(c->from, p, name, ALL, &names))
        != APR_SUCCESS) {
        return store_failed(c, p, rv, "listing the stars of", name);
    }
    for (i = 0; i < names->nelts; i++) {
        const char *pkg = APR_ARRAY_IDX(names, i, char *);
        apr_array_header_t *users = apr_hash_get(c->stars, pkg,
                                                 APR_HASH_KEY_STRING);

        if (users == NULL) {
            users = apr_array_make(c->pool, 2, sizeof(char *));
            apr_hash_set(c->stars, apr_pstrdup(c->pool, pkg),
                         APR_HASH_KEY_STRING, users);
        }
        APR_ARRAY_PUSH(users, char *) = apr_pstrdup(c->pool, name);
    }
    return APR_SUCCESS;
}

/* A package to copy and the number of its last change in the source. */
typedef struct placed_t {
    const char *name;
    apr_uint64_t seq;
} placed_t;

static int by_seq(const void *a, const void *b)
{
    const placed_t *x = a, *y = b;

    if (x->seq != y->seq) {
        return x->seq < y->seq ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}

/* Every package's last change in the source's feed. */
static apr_status_t read_feed(copy_t *c, apr_pool_t *p)
{
    apr_pool_t *page;
    apr_uint64_t after = 0;
    apr_status_t rv;

    apr_pool_create(&page, p);
    for (;;) {
        apr_array_header_t *rows;
        int i;

        apr_pool_clear(page);
        if ((rv = tsr_store_changes(c->from, page, after, 0, 1000, &rows))
            != APR_SUCCESS) {
            apr_pool_destroy(page);
            return store_failed(c, p, rv, "reading", "the changes feed");
        }
        if (rows->nelts == 0) {
            break;
        }
        for (i = 0; i < rows->nelts; i++) {
            const tsr_change_t *ch = &APR_ARRAY_IDX(rows, i, tsr_change_t);
            apr_uint64_t *at = apr_hash_get(c->last_seq, ch->name,
                                            APR_HASH_KEY_STRING);

            if (at == NULL) {
                at = apr_palloc(c->pool, sizeof(*at));
                apr_hash_set(c->last_seq, apr_pstrdup(c->pool, ch->name),
                             APR_HASH_KEY_STRING, at);
            }
            *at = ch->seq;
            after = ch->seq;
        }
    }
    apr_pool_destroy(page);
    if (after > c->seq) {
        c->seq = after;
    }
    return APR_SUCCESS;
}

static apr_status_t place_package(void *baton, apr_pool_t *p,
                                  const char *name)
{
    copy_t *c = baton;
    placed_t *pl = apr_array_push(c->order);
    apr_uint64_t *at = apr_hash_get(c->last_seq, name, APR_HASH_KEY_STRING);

    (void)p;
    pl->name = apr_pstrdup(c->pool, name);
    pl->seq = at ? *at : 0;         /* older stores kept no row */
    return APR_SUCCESS;
}

typedef struct doc_write_t {
    const char *doc;                /* NULL: the target's own */
    apr_size_t len;
    const char *creator;
    const char *star_user;
    apr_int64_t tarball_bytes;
} doc_write_t;

/* The document as it is (its bytes, its _rev), its views rendered from
 * it as reindex renders them. */
static apr_status_t write_doc(void *baton, apr_pool_t *p, const char *cur,
                              apr_size_t cur_len, tsr_package_write_t *out,
                              tsr_error_t **perr)
{
    doc_write_t *w = baton;
    const char *text = w->doc ? w->doc : cur;
    apr_size_t len = w->doc ? w->len : cur_len;
    json_object *d;
    apr_status_t rv;

    if (text == NULL) {
        return tsr_error_set(perr, p, 404, NULL, "the package is gone");
    }
    if (w->doc && cur) {
        return tsr_error_set(perr, p, 409, NULL, "the target has it "
                             "already");
    }
    if ((rv = tsr_json_parse(&d, p, text, len, TSR_JSON_MAX_DEPTH, perr))
        != APR_SUCCESS) {
        return rv;
    }
    if (!json_object_is_type(d, json_type_object)) {
        return tsr_error_set(perr, p, 500, NULL, "the document is not a "
                             "JSON object");
    }
    if ((rv = tsr_packument_views(p, d, out)) != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "the views could not be "
                                  "rendered");
    }
    out->doc = text;
    out->doc_len = len;
    out->creator = w->creator;
    out->tarball_bytes = w->tarball_bytes;
    if (w->star_user) {
        out->star_user = w->star_user;
        out->star_add = 1;
    }
    return APR_SUCCESS;
}

/* The file of path into to's data directory, when it is another one. */
static apr_status_t copy_tarball(copy_t *c, apr_pool_t *p, const char *path)
{
    const char *src = tsr_store_tarball_file(p, c->from->datadir, path);
    const char *dst = tsr_store_tarball_file(p, c->to->datadir, path);
    char *dir = apr_pstrdup(p, dst), *slash = strrchr(dir, '/');
    apr_status_t rv;

    if (slash) {
        *slash = '\0';
        if ((rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, p))
            != APR_SUCCESS) {
            return rv;
        }
    }
    return apr_file_copy(src, dst, APR_FPROT_FILE_SOURCE_PERMS, p);
}

static apr_status_t copy_package(void *baton, apr_pool_t *p,
                                 const char *name)
{
    copy_t *c = baton;
    doc_write_t w;
    json_object *d = NULL, *versions;
    apr_status_t rv;

    memset(&w, 0, sizeof(w));
    if ((rv = tsr_store_package_doc(c->from, p, name, &w.doc, &w.len))
        == TSR_ENOTFOUND) {
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS) {
        return store_failed(c, p, rv, "reading", name);
    }
    if (tsr_json_parse(&d, p, w.doc, w.len, TSR_JSON_MAX_DEPTH, NULL)
        != APR_SUCCESS) {
        return tsr_error_set(c->perr, c->pool, 500, NULL, "the document "
                             "of %s does not parse (tsci-registry verify "
                             "says more): nothing of it was copied", name);
    }
    /* Its tarballs: their bytes are counted on the target as a publish
     * counts them, and copied when the target has its own directory. */
    if ((versions = tsr_json_obj(d, "versions")) != NULL) {
        json_object_object_foreach(versions, ver, manifest) {
            const char *path = tsr_json_str(tsr_json_obj(manifest, "dist"),
                                            "tarball");
            apr_finfo_t fi;

            (void)ver;
            c->res->versions++;
            if (path == NULL || !tsr_store_tarball_path_check(path)
                || apr_stat(&fi, tsr_store_tarball_file(p, c->from->datadir,
                                                        path),
                            APR_FINFO_SIZE, p) != APR_SUCCESS) {
                continue;           /* verify on either side says so */
            }
            w.tarball_bytes += fi.size;
            if (c->other_dir) {
                if ((rv = copy_tarball(c, p, path)) != APR_SUCCESS) {
                    char buf[120];

                    return tsr_error_set(c->perr, c->pool, 500, NULL,
                                         "copying the tarball %s: %s", path,
                                         apr_strerror(rv, buf,
                                                      sizeof(buf)));
                }
                c->res->tarballs++;
            }
        }
    }
    w.creator = apr_hash_get(c->creators, name, APR_HASH_KEY_STRING);
    /* The gzip'd views for the base the source's were made for: the
     * registry is as fast with gzip right after the copy as before. */
    if ((rv = tsr_store_package_update(
             tsr_store_for_base(c->to, p,
                                tsr_store_gzip_base_of(c->from, p, name)),
             p, name, write_doc, &w, c->perr)) != APR_SUCCESS) {
        return store_failed(c, p, rv, "writing", name);
    }
    c->res->packages++;
    if (c->progress) {
        c->progress(c->baton, "packages", c->res->packages, c->total);
    }
    return APR_SUCCESS;
}

/* A star is a write of its package (the only way the interface keeps a
 * user's starred list): the document stays as it is. */
static apr_status_t copy_stars(copy_t *c, apr_pool_t *p, const char *name,
                               const apr_array_header_t *users)
{
    int i;

    for (i = 0; users && i < users->nelts; i++) {
        doc_write_t w;
        apr_status_t rv;

        memset(&w, 0, sizeof(w));
        w.star_user = APR_ARRAY_IDX(users, i, char *);
        if ((rv = tsr_store_package_update(c->to, p, name, write_doc, &w,
                                           c->perr)) != APR_SUCCESS) {
            return store_failed(c, p, rv, "starring", name);
        }
        c->res->stars++;
    }
    return APR_SUCCESS;
}

typedef struct org_put_t {
    const char *rec;
    apr_size_t len;
} org_put_t;

static apr_status_t put_org(void *baton, apr_pool_t *p, const char *cur,
                            apr_size_t len, const char **pnext,
                            apr_size_t *pnext_len, tsr_error_t **perr)
{
    org_put_t *o = baton;

    (void)p;
    (void)cur;
    (void)len;
    (void)perr;
    *pnext = o->rec;
    *pnext_len = o->len;
    return APR_SUCCESS;
}

/* An organisation's record as it is: its members and teams (the
 * packages it owns are the packages', copied above). */
static apr_status_t copy_org(void *baton, apr_pool_t *p, const char *name)
{
    copy_t *c = baton;
    org_put_t o;
    apr_status_t rv;

    if ((rv = tsr_store_org_get(c->from, p, name, &o.rec, &o.len))
        == TSR_ENOTFOUND) {
        return APR_SUCCESS;         /* removed meanwhile */
    }
    if (rv != APR_SUCCESS
        || (rv = tsr_store_org_update(c->to, p, name, put_org, &o, c->perr))
               != APR_SUCCESS) {
        return store_failed(c, p, rv, "copying the organisation", name);
    }
    c->res->orgs++;
    return APR_SUCCESS;
}

/* Nothing on the target yet: a copy into a registry in use would mix two
 * registries' counters and feeds. */
static apr_status_t target_empty(copy_t *c, apr_pool_t *p)
{
    tsr_store_stats_t st;
    apr_array_header_t *users, *orgs;
    apr_status_t rv;

    memset(&st, 0, sizeof(st));
    if ((rv = tsr_store_stats(c->to, p, &st)) != APR_SUCCESS
        || (rv = tsr_store_user_names(c->to, p, "", 1, &users))
               != APR_SUCCESS
        || (rv = tsr_store_org_names(c->to, p, "", 1, &orgs))
               != APR_SUCCESS) {
        return store_failed(c, p, rv, "reading", "the target");
    }
    if (st.doc_count + st.doc_del_count > 0 || users->nelts > 0
        || orgs->nelts > 0) {
        return tsr_error_set(c->perr, c->pool, 409, NULL, "the target "
                             "store is not empty (%" APR_UINT64_T_FMT
                             " packages, %s users, %s organisations): a "
                             "registry is copied into an empty one only",
                             st.doc_count + st.doc_del_count,
                             users->nelts ? "some" : "no",
                             orgs->nelts ? "some" : "no");
    }
    return APR_SUCCESS;
}

apr_status_t tsr_copy_run(tsr_copy_result_t *res, apr_pool_t *p,
                          tsr_store_t *from, tsr_store_t *to,
                          tsr_admin_progress_fn *progress, void *baton,
                          tsr_error_t **perr)
{
    copy_t c;
    tsr_store_stats_t st;
    apr_pool_t *item;
    apr_status_t rv;
    int i;

    memset(res, 0, sizeof(*res));
    memset(&c, 0, sizeof(c));
    c.from = from;
    c.to = to;
    c.res = res;
    c.pool = p;
    c.creators = apr_hash_make(p);
    c.stars = apr_hash_make(p);
    c.last_seq = apr_hash_make(p);
    c.order = apr_array_make(p, 64, sizeof(placed_t));
    c.other_dir = strcmp(from->datadir, to->datadir) != 0;
    c.progress = progress;
    c.baton = baton;
    c.perr = perr;
    memset(&st, 0, sizeof(st));
    if (tsr_store_stats(from, p, &st) == APR_SUCCESS) {
        c.total = st.doc_count + st.doc_del_count;
        c.seq = st.update_seq;
    }
    if ((rv = target_empty(&c, p)) != APR_SUCCESS
        || (rv = tsr_admin_each_user(from, p, copy_user, &c))
               != APR_SUCCESS
        || (rv = read_feed(&c, p)) != APR_SUCCESS
        || (rv = tsr_admin_each_package(from, p, place_package, &c))
               != APR_SUCCESS) {
        return rv;
    }
    /* In the order of their last changes, each package's writes (its
     * document, then a write per star) end at that change's number, or
     * past it when the numbers before were taken: a follower of the
     * source's feed that stopped at any number finds every package
     * changed after it above that number on the target too. */
    qsort(c.order->elts, c.order->nelts, sizeof(placed_t), by_seq);
    apr_pool_create(&item, p);
    for (i = 0; i < c.order->nelts; i++) {
        const placed_t *pl = &APR_ARRAY_IDX(c.order, i, placed_t);
        const apr_array_header_t *users = apr_hash_get(
            c.stars, pl->name, APR_HASH_KEY_STRING);
        apr_uint64_t writes = 1 + (users ? users->nelts : 0);
        apr_uint64_t copied = res->packages;

        apr_pool_clear(item);
        if (pl->seq > writes
            && (rv = tsr_store_change_seq_floor(to, item, pl->seq - writes))
                   != APR_SUCCESS) {
            apr_pool_destroy(item);
            return store_failed(&c, p, rv, "numbering", pl->name);
        }
        /* A package gone meanwhile is not copied, nor starred. */
        if ((rv = copy_package(&c, item, pl->name)) != APR_SUCCESS
            || (res->packages > copied
                && (rv = copy_stars(&c, item, pl->name, users))
                       != APR_SUCCESS)) {
            apr_pool_destroy(item);
            return rv;
        }
    }
    apr_pool_destroy(item);
    /* The feed goes on from where the source's stopped. */
    if (c.seq > 0 && (rv = tsr_store_change_seq_floor(to, p, c.seq))
                         != APR_SUCCESS) {
        return store_failed(&c, p, rv, "numbering", "the changes feed");
    }
    return tsr_admin_each_org(from, p, copy_org, &c);
}
