/* tsr_admin: the tool's view of a store: opening it, walking it, users,
 * tokens and figures. */
#include <signal.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_file_info.h>
#include "tsr_admin.h"
#include "tsr_auth.h"
#include "tsr_json.h"
#include "tsr_integrity.h"
#include "tsr_packument.h"
#include "tsr_store_bdb.h"

/* Names read from the store at a time while walking it. */
#define PAGE 200

static volatile sig_atomic_t stop;

void tsr_admin_interrupt(void)
{
    stop = 1;
}

int tsr_admin_interrupted(void)
{
    return stop != 0;
}

apr_status_t tsr_admin_open(tsr_store_t **ps, int *pjoined, apr_pool_t *p,
                            const char *datadir, tsr_store_log_fn *log,
                            void *log_baton)
{
    tsr_store_config_t cfg;

    memset(&cfg, 0, sizeof(cfg));
    cfg.datadir = datadir;
    cfg.log = log;
    cfg.log_baton = log_baton;
    /* Berkeley DB is the only provider with a store on this machine's
     * disk for a tool to open. */
    return tsr_store_open_admin(tsr_store_bdb_provider(), ps, p, &cfg,
                                pjoined);
}

apr_status_t tsr_admin_open_store(tsr_store_t **ps, int *pjoined,
                                  apr_pool_t *p,
                                  const tsr_store_provider_t *provider,
                                  const char *datadir, const char *params,
                                  tsr_store_log_fn *log, void *log_baton)
{
    tsr_store_config_t cfg;

    memset(&cfg, 0, sizeof(cfg));
    cfg.datadir = datadir;
    cfg.log = log;
    cfg.log_baton = log_baton;
    cfg.params = params;
    return tsr_store_open_admin(provider, ps, p, &cfg, pjoined);
}

typedef apr_status_t page_fn(tsr_store_t *s, apr_pool_t *p,
                             const char *after, apr_size_t max,
                             apr_array_header_t **pnames);

/* Pages of names after the last one seen: each page is a short read, so
 * the walk holds no cursor (and no lock) while fn works. */
static apr_status_t each(tsr_store_t *s, apr_pool_t *p, page_fn *page,
                         apr_status_t (*fn)(void *, apr_pool_t *,
                                            const char *),
                         void *baton)
{
    apr_pool_t *pagep, *itemp;
    apr_array_header_t *names;
    const char *after = "";
    apr_status_t rv = APR_SUCCESS;
    int i;

    apr_pool_create(&pagep, p);
    apr_pool_create(&itemp, p);
    for (;;) {
        const char *last;

        if ((rv = page(s, pagep, after, PAGE, &names)) != APR_SUCCESS
            || names->nelts == 0) {
            break;
        }
        for (i = 0; rv == APR_SUCCESS && i < names->nelts; i++) {
            if (stop) {
                rv = APR_EINTR;
                break;
            }
            apr_pool_clear(itemp);
            rv = fn(baton, itemp, APR_ARRAY_IDX(names, i, const char *));
        }
        if (rv != APR_SUCCESS || names->nelts < PAGE) {
            break;
        }
        last = apr_pstrdup(p, APR_ARRAY_IDX(names, names->nelts - 1,
                                            const char *));
        apr_pool_clear(pagep);
        after = last;
    }
    apr_pool_destroy(itemp);
    apr_pool_destroy(pagep);
    return rv;
}

apr_status_t tsr_admin_each_package(tsr_store_t *s, apr_pool_t *p,
                                    tsr_admin_package_fn *fn, void *baton)
{
    return each(s, p, tsr_store_package_names_after, fn, baton);
}

apr_status_t tsr_admin_each_user(tsr_store_t *s, apr_pool_t *p,
                                 tsr_admin_user_fn *fn, void *baton)
{
    return each(s, p, tsr_store_user_names, fn, baton);
}

apr_status_t tsr_admin_each_org(tsr_store_t *s, apr_pool_t *p,
                                tsr_admin_user_fn *fn, void *baton)
{
    return each(s, p, tsr_store_org_names, fn, baton);
}

typedef struct users_t {
    tsr_store_t *store;
    json_object *list;
} users_t;

static apr_status_t add_user(void *baton, apr_pool_t *p, const char *name)
{
    users_t *u = baton;
    const char *text;
    apr_size_t len;
    apr_array_header_t *keys;
    json_object *rec = NULL, *o = json_object_new_object();
    const char *email, *created;
    apr_status_t rv;

    json_object_array_add(u->list, o);
    tsr_json_set_str(o, "name", name);
    if ((rv = tsr_store_user_get(u->store, p, name, &text, &len))
        == APR_SUCCESS) {
        tsr_json_parse(&rec, p, text, len, 8, NULL);
    }
    else if (rv != TSR_ENOTFOUND) {
        return rv;
    }
    if ((email = tsr_json_str(rec, "email")) != NULL) {
        tsr_json_set_str(o, "email", email);
    }
    if ((created = tsr_json_str(rec, "created")) != NULL) {
        tsr_json_set_str(o, "created", created);
    }
    if ((rv = tsr_store_token_list(u->store, p, name, &keys))
        != APR_SUCCESS) {
        return rv;
    }
    json_object_object_add(o, "tokens", json_object_new_int(keys->nelts));
    return APR_SUCCESS;
}

apr_status_t tsr_admin_users(json_object **plist, apr_pool_t *p,
                             tsr_store_t *s)
{
    users_t u;
    apr_status_t rv;

    u.store = s;
    u.list = tsr_json_own(p, json_object_new_array());
    if ((rv = tsr_admin_each_user(s, p, add_user, &u)) != APR_SUCCESS) {
        return rv;
    }
    *plist = u.list;
    return APR_SUCCESS;
}

typedef struct passwd_t {
    const char *hash;
} passwd_t;

/* The record with its password hash replaced, all else kept. */
static apr_status_t set_password(void *baton, apr_pool_t *p, const char *cur,
                                 apr_size_t len, const char **pnext,
                                 apr_size_t *pnext_len, tsr_error_t **perr)
{
    passwd_t *pw = baton;
    json_object *rec;

    if (tsr_json_parse(&rec, p, cur, len, 8, NULL) != APR_SUCCESS
        || !json_object_is_type(rec, json_type_object)) {
        return tsr_error_set(perr, p, 500, NULL, "the user's record is "
                             "unreadable");
    }
    tsr_json_set_str(rec, "password", pw->hash);
    *pnext = tsr_json_serialize(p, rec, pnext_len);
    return APR_SUCCESS;
}

static apr_status_t store_failed(tsr_error_t **perr, apr_pool_t *p,
                                 apr_status_t rv, const char *what)
{
    if (rv == TSR_EREFUSED) {
        return rv;
    }
    return tsr_error_set(perr, p, 503, NULL, "the store failed %s (%s)",
                         what, rv == TSR_EBROKEN ? "it needs a recovery: "
                         "restart Apache" : "see the messages above");
}

apr_status_t tsr_admin_user_passwd(apr_pool_t *p, tsr_store_t *s,
                                   const char *user, const char *password,
                                   tsr_error_t **perr)
{
    passwd_t pw;
    apr_status_t rv;

    if (password == NULL || *password == '\0'
        || strlen(password) > TSR_PASSWORD_MAX) {
        return tsr_error_set(perr, p, 400, NULL, "a password of 1 to %d "
                             "characters is required", TSR_PASSWORD_MAX);
    }
    if ((rv = tsr_auth_password_hash(&pw.hash, p, password))
        != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "could not hash the password");
    }
    rv = tsr_store_user_update(s, p, user, set_password, &pw, perr);
    if (rv == TSR_ENOTFOUND) {
        return tsr_error_set(perr, p, 404, NULL, "no user %s", user);
    }
    return rv == APR_SUCCESS ? rv : store_failed(perr, p, rv,
                                                 "to change the password");
}

apr_status_t tsr_admin_user_del(apr_pool_t *p, tsr_store_t *s,
                                const char *user, int *ptokens,
                                tsr_error_t **perr)
{
    apr_status_t rv = tsr_store_user_delete(s, p, user, ptokens);

    if (rv == TSR_ENOTFOUND) {
        return tsr_error_set(perr, p, 404, NULL, "no user %s", user);
    }
    return rv == APR_SUCCESS ? rv : store_failed(perr, p, rv,
                                                 "to delete the user");
}

typedef struct maintained_t {
    tsr_store_t *store;
    const char *user;
    apr_array_header_t *names;
    apr_pool_t *pool;
} maintained_t;

static apr_status_t check_maintainer(void *baton, apr_pool_t *p,
                                     const char *name)
{
    maintained_t *m = baton;
    const char *text;
    apr_size_t len;
    json_object *doc, *list;
    int i;

    if (tsr_store_package_doc(m->store, p, name, &text, &len) != APR_SUCCESS
        || tsr_json_parse(&doc, p, text, len, TSR_JSON_MAX_DEPTH, NULL)
               != APR_SUCCESS) {
        return APR_SUCCESS;         /* verify is the one to say so */
    }
    /* Named outright: tsr_packument_is_maintainer also says yes for a
     * document with no maintainers at all. */
    if (json_object_object_get_ex(doc, "maintainers", &list)
        && json_object_is_type(list, json_type_array)) {
        for (i = 0; i < (int)json_object_array_length(list); i++) {
            const char *who = tsr_json_str(json_object_array_get_idx(list,
                                                                     i),
                                           "name");

            if (who && strcmp(who, m->user) == 0) {
                APR_ARRAY_PUSH(m->names, char *) = apr_pstrdup(m->pool,
                                                               name);
                break;
            }
        }
    }
    return APR_SUCCESS;
}

apr_status_t tsr_admin_maintained(apr_array_header_t **pnames, apr_pool_t *p,
                                  tsr_store_t *s, const char *user)
{
    maintained_t m;
    apr_status_t rv;

    m.store = s;
    m.user = user;
    m.pool = p;
    m.names = apr_array_make(p, 4, sizeof(char *));
    if ((rv = tsr_admin_each_package(s, p, check_maintainer, &m))
        != APR_SUCCESS) {
        return rv;
    }
    *pnames = m.names;
    return APR_SUCCESS;
}

/* key[32] from 64 hex digits (either case): 1, else 0. */
static int hex_key(unsigned char key[32], const char *id)
{
    int i;

    if (strlen(id) != 64) {
        return 0;
    }
    for (i = 0; i < 64; i++) {
        char c = id[i];
        int v = (c >= '0' && c <= '9') ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;

        if (v < 0) {
            return 0;
        }
        key[i / 2] = (unsigned char)((i % 2) ? (key[i / 2] | v) : v << 4);
    }
    return 1;
}

apr_status_t tsr_admin_token_revoke(apr_pool_t *p, tsr_store_t *s,
                                    const char *id, const char **puser,
                                    tsr_error_t **perr)
{
    unsigned char key[32];
    const char *text, *user;
    apr_size_t len;
    json_object *rec;
    apr_status_t rv;

    if (!hex_key(key, id)) {
        tsr_token_key(key, id);
    }
    rv = tsr_store_token_get(s, p, key, &text, &len);
    if (rv == TSR_ENOTFOUND) {
        return tsr_error_set(perr, p, 404, NULL, "no token has the key %s "
                             "(see tsci-registry token list)", id);
    }
    if (rv != APR_SUCCESS) {
        return store_failed(perr, p, rv, "to read the token");
    }
    user = tsr_json_parse(&rec, p, text, len, 8, NULL) == APR_SUCCESS
               ? tsr_json_str(rec, "user") : NULL;
    if ((rv = tsr_store_token_delete(s, p, key, user ? user : ""))
        != APR_SUCCESS) {
        return store_failed(perr, p, rv, "to delete the token");
    }
    *puser = user ? apr_pstrdup(p, user) : NULL;
    return APR_SUCCESS;
}

apr_status_t tsr_admin_token_revoke_all(apr_pool_t *p, tsr_store_t *s,
                                        const char *user, int *pcount,
                                        tsr_error_t **perr)
{
    apr_array_header_t *keys;
    const char *rec;
    apr_size_t len;
    apr_status_t rv;
    int i;

    rv = tsr_store_user_get(s, p, user, &rec, &len);
    if (rv == TSR_ENOTFOUND) {
        return tsr_error_set(perr, p, 404, NULL, "no user %s", user);
    }
    if (rv != APR_SUCCESS
        || (rv = tsr_store_token_list(s, p, user, &keys)) != APR_SUCCESS) {
        return store_failed(perr, p, rv, "to list the tokens");
    }
    for (i = 0; i < keys->nelts; i++) {
        rv = tsr_store_token_delete(s, p, (const unsigned char *)keys->elts
                                              + 32 * i, user);
        if (rv != APR_SUCCESS) {
            return store_failed(perr, p, rv, "to delete a token");
        }
    }
    *pcount = keys->nelts;
    return APR_SUCCESS;
}

typedef struct tokens_t {
    tsr_store_t *store;
    json_object *list;
    tsr_error_t **perr;
} tokens_t;

static apr_status_t add_tokens(void *baton, apr_pool_t *p, const char *user)
{
    tokens_t *t = baton;
    json_object *mine;
    apr_status_t rv;
    int i;

    if ((rv = tsr_token_list(&mine, p, t->store, user, t->perr))
        != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; i < (int)json_object_array_length(mine); i++) {
        json_object *o = tsr_json_copy(json_object_array_get_idx(mine, i));

        tsr_json_set_str(o, "user", user);
        json_object_array_add(t->list, o);
    }
    return APR_SUCCESS;
}

apr_status_t tsr_admin_tokens(json_object **plist, apr_pool_t *p,
                              tsr_store_t *s, const char *user,
                              tsr_error_t **perr)
{
    tokens_t t;
    const char *rec;
    apr_size_t len;
    apr_status_t rv;

    t.store = s;
    t.list = tsr_json_own(p, json_object_new_array());
    t.perr = perr;
    if (user) {
        rv = tsr_store_user_get(s, p, user, &rec, &len);
        if (rv == TSR_ENOTFOUND) {
            return tsr_error_set(perr, p, 404, NULL, "no user %s", user);
        }
        rv = rv == APR_SUCCESS ? add_tokens(&t, p, user) : rv;
    }
    else {
        rv = tsr_admin_each_user(s, p, add_tokens, &t);
    }
    if (rv != APR_SUCCESS) {
        return rv == TSR_EREFUSED || rv == APR_EINTR
                   ? rv : store_failed(perr, p, rv, "to list the tokens");
    }
    *plist = t.list;
    return APR_SUCCESS;
}

apr_status_t tsr_admin_du(apr_pool_t *p, const char *dir,
                          apr_uint64_t *pfiles, apr_uint64_t *pbytes)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;

    if ((rv = apr_dir_open(&d, dir, p)) != APR_SUCCESS) {
        return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE
                                 | APR_FINFO_SIZE, d) == APR_SUCCESS) {
        if (strcmp(fi.name, ".") == 0 || strcmp(fi.name, "..") == 0) {
            continue;
        }
        if (fi.filetype == APR_DIR) {
            rv = tsr_admin_du(p, apr_pstrcat(p, dir, "/", fi.name, NULL),
                              pfiles, pbytes);
            if (rv != APR_SUCCESS) {
                break;
            }
        }
        else if (fi.filetype == APR_REG
                 && strncmp(fi.name, "__db.", 5) != 0) {
            (*pfiles)++;
            *pbytes += (apr_uint64_t)fi.size;
        }
    }
    apr_dir_close(d);
    return rv;
}

typedef struct counting_t {
    tsr_store_t *store;
    tsr_admin_stats_t *st;
    tsr_admin_progress_fn *progress;
    void *baton;
    apr_uint64_t total;
} counting_t;

static apr_status_t count_package(void *baton, apr_pool_t *p,
                                  const char *name)
{
    counting_t *c = baton;
    const char *text;
    apr_size_t len;
    json_object *doc = NULL, *versions;
    apr_status_t rv;

    rv = tsr_store_package_doc(c->store, p, name, &text, &len);
    if (rv == TSR_ENOTFOUND) {
        return APR_SUCCESS;         /* gone since the page was read */
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (tsr_json_parse(&doc, p, text, len, TSR_JSON_MAX_DEPTH, NULL)
        != APR_SUCCESS) {
        doc = NULL;                 /* counted; verify says what is wrong */
    }
    if (doc && tsr_packument_is_gone(doc)) {
        c->st->unpublished++;
    }
    else {
        c->st->packages++;
        if ((versions = tsr_json_obj(doc, "versions")) != NULL) {
            c->st->versions += json_object_object_length(versions);
        }
    }
    if (c->progress) {
        c->progress(c->baton, "packages",
                    c->st->packages + c->st->unpublished, c->total);
    }
    return APR_SUCCESS;
}

static apr_status_t count_user(void *baton, apr_pool_t *p, const char *name)
{
    counting_t *c = baton;
    apr_array_header_t *keys;
    apr_status_t rv = tsr_store_token_list(c->store, p, name, &keys);

    if (rv == APR_SUCCESS) {
        c->st->users++;
        c->st->tokens += keys->nelts;
    }
    return rv;
}

apr_status_t tsr_admin_stats(tsr_admin_stats_t *st, apr_pool_t *p,
                             tsr_store_t *s, tsr_admin_progress_fn *progress,
                             void *baton)
{
    counting_t c;
    tsr_store_stats_t ss;
    apr_uint64_t files = 0;
    apr_status_t rv;

    memset(st, 0, sizeof(*st));
    memset(&ss, 0, sizeof(ss));
    if ((rv = tsr_store_stats(s, p, &ss)) != APR_SUCCESS) {
        return rv;
    }
    c.store = s;
    c.st = st;
    c.progress = progress;
    c.baton = baton;
    c.total = ss.doc_count + ss.doc_del_count;
    st->update_seq = ss.update_seq;
    if ((rv = tsr_admin_each_package(s, p, count_package, &c))
        != APR_SUCCESS
        || (rv = tsr_admin_each_user(s, p, count_user, &c)) != APR_SUCCESS
        || (rv = tsr_admin_du(p, apr_pstrcat(p, s->datadir, "/tarballs",
                                             NULL), &st->tarballs,
                              &st->tarball_bytes)) != APR_SUCCESS
        || (rv = tsr_admin_du(p, apr_pstrcat(p, s->datadir, "/db", NULL),
                              &files, &st->database_bytes)) != APR_SUCCESS) {
        return rv;
    }
    /* A store on a database server has no files here: its own figure. */
    if (st->database_bytes == 0 && ss.disk_size > st->tarball_bytes) {
        st->database_bytes = ss.disk_size - st->tarball_bytes;
    }
    files = 0;
    return tsr_admin_du(p, s->datadir, &files, &st->datadir_bytes);
}
