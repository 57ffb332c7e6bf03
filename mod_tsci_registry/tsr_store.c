/* tsr_store: the providers there are, and dispatch to them. */
#include <stdarg.h>
#include <string.h>
#include <apr_strings.h>
#include "tsr_store.h"
#include "tsr_memtrim.h"
#include <apr_atomic.h>
#include "tsr_store_bdb.h"
#include "tsr_store_dbd.h"
#include "tsr_viewcache.h"
#include "tsr_search_entry.h"
#include "tsr_search_posting.h"
#include "tsr_gzip.h"

/* Count an operation in the process's busy counter while it runs. */
static void enter(tsr_store_t *s)
{
    if (s->busy) {
        apr_atomic_inc32(s->busy);
    }
}

static apr_status_t leave(tsr_store_t *s, apr_status_t rv)
{
    if (s->busy) {
        apr_atomic_dec32(s->busy);
    }
    return rv;
}

/* Every provider compiled in, by name. */
static const tsr_store_provider_t *(*const providers[])(void) = {
    tsr_store_bdb_provider,
    tsr_store_dbd_provider,
};

#define NPROVIDERS (sizeof(providers) / sizeof(providers[0]))

const tsr_store_provider_t *tsr_store_provider_find(const char *name)
{
    apr_size_t i;

    for (i = 0; i < NPROVIDERS; i++) {
        if (strcmp(providers[i]()->name, name) == 0) {
            return providers[i]();
        }
    }
    return NULL;
}

const char *tsr_store_provider_names(apr_pool_t *p)
{
    const char *names = NULL;
    apr_size_t i;

    for (i = 0; i < NPROVIDERS; i++) {
        names = names ? apr_pstrcat(p, names, ", ", providers[i]()->name,
                                    NULL)
                      : providers[i]()->name;
    }
    return names;
}

apr_status_t tsr_store_prepare(const tsr_store_provider_t *provider,
                               apr_pool_t *p, const tsr_store_config_t *cfg,
                               int recover, long uid, long gid)
{
    return provider->prepare(p, cfg, recover, uid, gid);
}

apr_status_t tsr_store_open(const tsr_store_provider_t *provider,
                            tsr_store_t **ps, apr_pool_t *p,
                            const tsr_store_config_t *cfg)
{
    return provider->open(ps, p, cfg);
}

apr_status_t tsr_store_session(tsr_store_t **psess, apr_pool_t *p,
                               tsr_store_t *proc, void *conn)
{
    if (proc->provider->session == NULL) {
        *psess = proc;
        return APR_SUCCESS;
    }
    return proc->provider->session(psess, p, proc, conn);
}

apr_status_t tsr_store_maintain(tsr_store_t *s, apr_pool_t *p)
{
    if (s->provider->maintain == NULL) {
        return APR_SUCCESS;
    }
    enter(s);
    return leave(s, s->provider->maintain(s, p));
}

apr_status_t tsr_store_trim_log(tsr_store_t *s, apr_pool_t *p)
{
    if (s->provider->trim_log == NULL) {
        return APR_SUCCESS;
    }
    enter(s);
    return leave(s, s->provider->trim_log(s, p));
}

int tsr_store_recovery_needed(const tsr_store_provider_t *provider,
                              apr_pool_t *p, const tsr_store_config_t *cfg)
{
    return provider->recovery_needed ? provider->recovery_needed(p, cfg) : 0;
}

void tsr_store_recovery_clear(const tsr_store_provider_t *provider,
                              apr_pool_t *p, const tsr_store_config_t *cfg)
{
    if (provider->recovery_clear) {
        provider->recovery_clear(p, cfg);
    }
}

apr_status_t tsr_store_tarball_stage(tsr_store_t *s, apr_pool_t *p,
                                     const void *data, apr_size_t len,
                                     const char **ptmp)
{
    return s->provider->tarball_stage(s, p, data, len, ptmp);
}

apr_status_t tsr_store_tarball_place(tsr_store_t *s, apr_pool_t *p,
                                     const char *tmp, const char *path)
{
    return s->provider->tarball_place(s, p, tmp, path);
}

void tsr_store_tarball_remove(tsr_store_t *s, apr_pool_t *p,
                              const char *path)
{
    s->provider->tarball_remove(s, p, path);
}

void tsr_store_tarball_unstage(tsr_store_t *s, apr_pool_t *p,
                               const char *tmp)
{
    s->provider->tarball_unstage(s, p, tmp);
}

/* A view through the process's cache, checked against the stamp the
 * store keeps with the view: one small read when the view is known.  The
 * stamp is read first, so a view read after it is at least as new; kept
 * under that stamp, it is asked for again at the next read if a write
 * came in between. */
static apr_status_t view_by_stamp(tsr_store_t *s, apr_pool_t *p,
                                  const char *name, tsr_view_kind_e kind,
                                  const char **pblob, apr_size_t *plen)
{
    apr_uint64_t stamp;
    apr_time_t now = apr_time_now();
    apr_status_t rv;

    enter(s);
    rv = leave(s, s->provider->package_view_stamp(s, p, name, kind,
                                                  &stamp));
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (tsr_viewcache_get(s->views, p, name, (char)kind,
                          (apr_uint32_t)stamp, now, pblob, plen)
        && *pblob != NULL) {
        return APR_SUCCESS;
    }
    enter(s);
    rv = leave(s, s->provider->package_view(s, p, name, kind, pblob, plen));
    if (rv == APR_SUCCESS) {
        tsr_viewcache_put(s->views, name, (char)kind, (apr_uint32_t)stamp,
                          now, *pblob, *plen);
    }
    return rv;
}

/* After a write of package name: its views, and whatever depends on all
 * packages, are stale in every process. */
static void stamp_written(apr_uint32_t *stamps, const char *name)
{
    apr_atomic_inc32(&stamps[tsr_viewcache_slot(name)]);
    apr_atomic_inc32(&stamps[TSR_VIEW_STAMP_ANY]);
}

/* Rows of the changes feed one poll reads at most: more than that since
 * the last poll and every stamp is bumped instead. */
#define VIEW_POLL_ROWS 512

void tsr_store_view_poll(tsr_store_t *s, apr_pool_t *p, apr_time_t now)
{
    tsr_view_poll_t *vp = s->view_poll;
    apr_uint64_t due = apr_atomic_read64(&vp->due);
    apr_uint64_t seen, last;
    apr_array_header_t *rows = NULL;
    apr_pool_t *sub;
    apr_status_t rv;
    int forget_all, i;

    if ((apr_uint64_t)now < due
        || apr_atomic_cas64(&vp->due, (apr_uint64_t)(now + s->view_lag),
                            due) != due) {
        return;                 /* not yet, or another thread polls */
    }
    seen = apr_atomic_read64(&vp->seen);
    apr_pool_create(&sub, p);
    /* The first poll only learns where the feed is. */
    rv = seen ? tsr_store_changes(s, sub, seen - 1, 0, VIEW_POLL_ROWS, &rows)
              : tsr_store_changes(s, sub, 0, 1, 1, &rows);
    if (rv != APR_SUCCESS) {
        /* Not knowing what changed, trust nothing kept: every read asks
         * the store until a poll succeeds. */
        tsr_store_views_forget(s->view_stamps);
        apr_atomic_set64(&vp->due, 0);
        apr_pool_destroy(sub);
        return;
    }
    last = seen ? seen - 1 : 0;
    /* The node's first poll, or too much at once: whatever this node's
     * processes keep may be older than the rows read. */
    forget_all = seen == 0 || rows->nelts >= VIEW_POLL_ROWS;
    if (forget_all) {
        tsr_store_views_forget(s->view_stamps);
    }
    for (i = 0; i < rows->nelts; i++) {
        const tsr_change_t *c = &APR_ARRAY_IDX(rows, i, tsr_change_t);

        if (!forget_all) {
            stamp_written(s->view_stamps, c->name);
        }
        if (c->seq > last) {
            last = c->seq;
        }
    }
    if (rows->nelts >= VIEW_POLL_ROWS) {
        apr_atomic_set64(&vp->due, 0);      /* more to read: next read */
    }
    /* Forward only: a slower poll that overlapped a later one must not
     * take the node back. */
    while ((seen = apr_atomic_read64(&vp->seen)) < last + 1
           && apr_atomic_cas64(&vp->seen, last + 1, seen) != seen) {
    }
    apr_pool_destroy(sub);
}

apr_status_t tsr_store_package_view(tsr_store_t *s, apr_pool_t *p,
                                    const char *name, tsr_view_kind_e kind,
                                    const char **pblob, apr_size_t *plen)
{
    apr_uint32_t stamp = 0;
    apr_time_t now = 0;
    apr_status_t rv;

    if (s->views && !s->view_stamps
        && s->provider->package_view_stamp != NULL) {
        return view_by_stamp(s, p, name, kind, pblob, plen);
    }
    if (s->views && s->view_stamps) {
        /* Other nodes' writes reach the stamps first (when they can), and
         * the stamp is read before the lookup: a write that commits
         * during it bumps the stamp after, and the entry made here is
         * stale at once rather than wrong. */
        now = apr_time_now();
        if (s->view_poll) {
            tsr_store_view_poll(s, p, now);
        }
        stamp = apr_atomic_read32(&s->view_stamps[tsr_viewcache_slot(
                                                      name)]);
        if (tsr_viewcache_get(s->views, p, name, (char)kind, stamp, now,
                              pblob, plen)) {
            return *pblob ? APR_SUCCESS : TSR_ENOTFOUND;
        }
    }
    enter(s);
    rv = leave(s, s->provider->package_view(s, p, name, kind, pblob, plen));
    if (s->views && s->view_stamps
        && (rv == APR_SUCCESS || rv == TSR_ENOTFOUND)) {
        tsr_viewcache_put(s->views, name, (char)kind, stamp, now,
                          rv == APR_SUCCESS ? *pblob : NULL,
                          rv == APR_SUCCESS ? *plen : 0);
    }
    return rv;
}

apr_status_t tsr_store_package_version_view(tsr_store_t *s, apr_pool_t *p,
                                            const char *name,
                                            const char *version,
                                            const char **pblob,
                                            apr_size_t *plen)
{
    if (s->provider->package_version_view == NULL) {
        return TSR_ENOTFOUND;
    }
    enter(s);
    return leave(s, s->provider->package_version_view(s, p, name, version,
                                                      pblob, plen));
}

void tsr_store_views_forget(apr_uint32_t *stamps)
{
    apr_size_t i;

    for (i = 0; stamps && i < TSR_VIEW_STAMPS_LEN; i++) {
        apr_atomic_inc32(&stamps[i]);
    }
}

apr_status_t tsr_store_answers_stamp(tsr_store_t *s, apr_pool_t *p,
                                     apr_time_t now, apr_uint32_t *pstamp)
{
    if (s->view_stamps == NULL) {
        return APR_ENOTIMPL;
    }
    if (s->view_poll) {
        tsr_store_view_poll(s, p, now);
    }
    *pstamp = apr_atomic_read32(&s->view_stamps[TSR_VIEW_STAMP_ANY]);
    return APR_SUCCESS;
}

apr_status_t tsr_store_package_doc(tsr_store_t *s, apr_pool_t *p,
                                   const char *name, const char **pdoc,
                                   apr_size_t *plen)
{
    enter(s);
    return leave(s, s->provider->package_doc(s, p, name, pdoc, plen));
}

typedef struct indexed_update_t {
    tsr_package_update_fn *fn;
    void *baton;
    const char *gzip_base;          /* the base the gzip records are for */
} indexed_update_t;

/* The gzip records of the views out holds, for u's base, so that no
 * writer can leave a stale one: every write that makes views passes
 * here.  Without a base (none known for the package yet), the package
 * has no records: readers then compress (tsr_gzip.h). */
static apr_status_t add_gzip(indexed_update_t *u, apr_pool_t *p,
                             tsr_package_write_t *out, tsr_error_t **perr)
{
    apr_status_t rv;

    out->full_gz = out->abbrev_gz = NULL;
    if (out->gone || out->full == NULL || out->abbrev == NULL
        || u->gzip_base == NULL) {
        return APR_SUCCESS;
    }
    if ((rv = tsr_gzip_record_make(&out->full_gz, &out->full_gz_len, p,
                                   out->full, out->full_len, u->gzip_base))
            != APR_SUCCESS
        || (rv = tsr_gzip_record_make(&out->abbrev_gz, &out->abbrev_gz_len,
                                      p, out->abbrev, out->abbrev_len,
                                      u->gzip_base)) != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "the package's gzip'd views "
                                  "could not be made");
    }
    return APR_SUCCESS;
}

/* The writer's callback, then the search entry when it made none: from
 * the document it is about to store, so no writer can forget the index;
 * then the gzip records of its views. */
static apr_status_t indexed_update(void *baton, apr_pool_t *p,
                                   const char *doc, apr_size_t doc_len,
                                   tsr_package_write_t *out,
                                   tsr_error_t **perr)
{
    indexed_update_t *u = baton;
    apr_status_t rv = u->fn(u->baton, p, doc, doc_len, out, perr);

    /* What was parsed and rendered here is freed later, left in malloc's
     * free lists: counted, for the trim (tsr_memtrim.h). */
    tsr_memtrim_note(doc_len + out->doc_len + out->full_len
                     + out->abbrev_len);

    if (rv == APR_SUCCESS && out->search == NULL && out->doc != NULL
        && tsr_search_entry_from_text(&out->search, &out->search_len, p,
                                      out->doc, out->doc_len)
               != APR_SUCCESS) {
        return tsr_error_internal(perr, p, APR_EINVAL, "the package's new "
                                  "document is not JSON");
    }
    return rv == APR_SUCCESS ? add_gzip(u, p, out, perr) : rv;
}

/* The base name's gzip records are to be made for: the writer's, else
 * the one its records were made for (read before the write: it decides
 * only which base is fast, never what any reader is sent). */
static const char *gzip_base(tsr_store_t *s, apr_pool_t *p, const char *name)
{
    return s->gzip_base ? s->gzip_base : tsr_store_gzip_base_of(s, p, name);
}

const char *tsr_store_gzip_base_of(tsr_store_t *s, apr_pool_t *p,
                                   const char *name)
{
    const char *rec, *base;
    apr_size_t len, blen;
    tsr_view_t v;
    apr_status_t rv;

    /* Past the process's cache: no reader asks for this again soon. */
    enter(s);
    rv = leave(s, s->provider->package_view(s, p, name, TSR_VIEW_FULL_GZ,
                                            &rec, &len));
    if (rv != APR_SUCCESS
        || tsr_gzip_record_decode(rec, len, &base, &blen, &v)
               != APR_SUCCESS) {
        return NULL;
    }
    return apr_pstrmemdup(p, base, blen);
}

tsr_store_t *tsr_store_for_base(tsr_store_t *s, apr_pool_t *p,
                                const char *base)
{
    tsr_store_t *copy = apr_pmemdup(p, s, sizeof(*s));

    copy->gzip_base = base ? apr_pstrdup(p, base) : NULL;
    return copy;
}

apr_status_t tsr_store_package_update(tsr_store_t *s, apr_pool_t *p,
                                      const char *name,
                                      tsr_package_update_fn *fn, void *baton,
                                      tsr_error_t **perr)
{
    indexed_update_t u = { fn, baton, NULL };
    apr_status_t rv;

    u.gzip_base = gzip_base(s, p, name);
    enter(s);
    rv = s->provider->package_update(s, p, name, indexed_update, &u, perr);
    /* After the commit, before the operation counts as done: a process
     * that dies in between dies inside the store, and the recovery that
     * follows forgets every cached record. */
    if (rv == APR_SUCCESS && s->view_stamps) {
        stamp_written(s->view_stamps, name);
    }
    return leave(s, rv);
}

apr_status_t tsr_store_user_get(tsr_store_t *s, apr_pool_t *p,
                                const char *name, const char **prec,
                                apr_size_t *plen)
{
    enter(s);
    return leave(s, s->provider->user_get(s, p, name, prec, plen));
}

apr_status_t tsr_store_user_create(tsr_store_t *s, apr_pool_t *p,
                                   const char *name, const char *rec,
                                   apr_size_t len)
{
    enter(s);
    return leave(s, s->provider->user_create(s, p, name, rec, len));
}

apr_status_t tsr_store_token_put(tsr_store_t *s, apr_pool_t *p,
                                 const unsigned char key[32],
                                 const char *user, const char *rec,
                                 apr_size_t len)
{
    enter(s);
    return leave(s, s->provider->token_put(s, p, key, user, rec, len));
}

apr_status_t tsr_store_token_get(tsr_store_t *s, apr_pool_t *p,
                                 const unsigned char key[32],
                                 const char **prec, apr_size_t *plen)
{
    enter(s);
    return leave(s, s->provider->token_get(s, p, key, prec, plen));
}

apr_status_t tsr_store_token_delete(tsr_store_t *s, apr_pool_t *p,
                                    const unsigned char key[32],
                                    const char *user)
{
    enter(s);
    return leave(s, s->provider->token_delete(s, p, key, user));
}

apr_status_t tsr_store_token_list(tsr_store_t *s, apr_pool_t *p,
                                  const char *user,
                                  apr_array_header_t **pkeys)
{
    enter(s);
    return leave(s, s->provider->token_list(s, p, user, pkeys));
}

apr_status_t tsr_store_org_get(tsr_store_t *s, apr_pool_t *p,
                               const char *name, const char **prec,
                               apr_size_t *plen)
{
    enter(s);
    return leave(s, s->provider->org_get(s, p, name, prec, plen));
}

apr_status_t tsr_store_org_update(tsr_store_t *s, apr_pool_t *p,
                                  const char *name,
                                  tsr_record_update_fn *fn, void *baton,
                                  tsr_error_t **perr)
{
    enter(s);
    return leave(s, s->provider->org_update(s, p, name, fn, baton, perr));
}

apr_status_t tsr_store_package_names(tsr_store_t *s, apr_pool_t *p,
                                     const char *prefix, apr_size_t max,
                                     apr_array_header_t **pnames)
{
    enter(s);
    return leave(s, s->provider->package_names(s, p, prefix, max, pnames));
}

apr_status_t tsr_store_user_packages(tsr_store_t *s, apr_pool_t *p,
                                     const char *user, apr_size_t max,
                                     apr_array_header_t **pnames)
{
    enter(s);
    return leave(s, s->provider->user_packages(s, p, user, max, pnames));
}

apr_status_t tsr_store_stats(tsr_store_t *s, apr_pool_t *p,
                             tsr_store_stats_t *st)
{
    enter(s);
    return leave(s, s->provider->stats(s, p, st));
}

apr_status_t tsr_store_changes(tsr_store_t *s, apr_pool_t *p,
                               apr_uint64_t after, int newest_first,
                               apr_size_t max, apr_array_header_t **prows)
{
    enter(s);
    return leave(s, s->provider->changes(s, p, after, newest_first, max,
                                         prows));
}

apr_status_t tsr_store_user_stars(tsr_store_t *s, apr_pool_t *p,
                                  const char *user, apr_size_t max,
                                  apr_array_header_t **pnames)
{
    enter(s);
    return leave(s, s->provider->user_stars(s, p, user, max, pnames));
}

/* ---- administration: providers without an operation say so ---- */

apr_status_t tsr_store_user_names(tsr_store_t *s, apr_pool_t *p,
                                  const char *after, apr_size_t max,
                                  apr_array_header_t **pnames)
{
    if (s->provider->user_names == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->user_names(s, p, after, max, pnames));
}

apr_status_t tsr_store_org_names(tsr_store_t *s, apr_pool_t *p,
                                 const char *after, apr_size_t max,
                                 apr_array_header_t **pnames)
{
    if (s->provider->org_names == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->org_names(s, p, after, max, pnames));
}

apr_status_t tsr_store_change_seq_floor(tsr_store_t *s, apr_pool_t *p,
                                        apr_uint64_t seq)
{
    if (s->provider->change_seq_floor == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->change_seq_floor(s, p, seq));
}

apr_status_t tsr_store_user_update(tsr_store_t *s, apr_pool_t *p,
                                   const char *name,
                                   tsr_record_update_fn *fn, void *baton,
                                   tsr_error_t **perr)
{
    if (s->provider->user_update == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->user_update(s, p, name, fn, baton, perr));
}

apr_status_t tsr_store_user_delete(tsr_store_t *s, apr_pool_t *p,
                                   const char *name, int *ptokens)
{
    if (s->provider->user_delete == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->user_delete(s, p, name, ptokens));
}

apr_status_t tsr_store_package_names_after(tsr_store_t *s, apr_pool_t *p,
                                           const char *after,
                                           apr_size_t max,
                                           apr_array_header_t **pnames)
{
    if (s->provider->package_names_after == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->package_names_after(s, p, after, max,
                                                     pnames));
}

apr_status_t tsr_store_package_reindex(tsr_store_t *s, apr_pool_t *p,
                                       const char *name,
                                       tsr_package_update_fn *fn,
                                       void *baton, tsr_error_t **perr)
{
    indexed_update_t u = { fn, baton, NULL };
    apr_status_t rv;

    if (s->provider->package_reindex == NULL) {
        return APR_ENOTIMPL;
    }
    u.gzip_base = gzip_base(s, p, name);
    enter(s);
    rv = s->provider->package_reindex(s, p, name, indexed_update, &u, perr);
    if (rv == APR_SUCCESS && s->view_stamps) {
        stamp_written(s->view_stamps, name);
    }
    return leave(s, rv);
}

apr_status_t tsr_store_backup_hold(tsr_store_t *s, apr_pool_t *p, int on)
{
    if (s->provider->backup_hold == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->backup_hold(s, p, on));
}

apr_status_t tsr_store_backup_files(tsr_store_t *s, apr_pool_t *p,
                                    int logs, apr_array_header_t **pfiles)
{
    if (s->provider->backup_files == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->backup_files(s, p, logs, pfiles));
}

apr_status_t tsr_store_backup_copy(tsr_store_t *s, apr_pool_t *p,
                                   const char *file, const char *todir)
{
    if (s->provider->backup_copy == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->backup_copy(s, p, file, todir));
}

apr_status_t tsr_store_backup_recover(const tsr_store_provider_t *provider,
                                      apr_pool_t *p,
                                      const tsr_store_config_t *cfg)
{
    return provider->backup_recover ? provider->backup_recover(p, cfg)
                                    : APR_ENOTIMPL;
}

long tsr_store_release(const tsr_store_provider_t *provider, apr_pool_t *p,
                       const tsr_store_config_t *cfg)
{
    return provider->release ? provider->release(p, cfg) : 0;
}

apr_status_t tsr_store_open_admin(const tsr_store_provider_t *provider,
                                  tsr_store_t **ps, apr_pool_t *p,
                                  const tsr_store_config_t *cfg,
                                  int *pjoined)
{
    return provider->open_admin ? provider->open_admin(ps, p, cfg, pjoined)
                                : APR_ENOTIMPL;
}

apr_status_t tsr_store_verify(tsr_store_t *s, apr_pool_t *p,
                              apr_array_header_t **pproblems)
{
    if (s->provider->verify == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->verify(s, p, pproblems));
}

/* A change row is "name\nrev\nmicroseconds\n" plus "d" for a deletion.
 * Rows of stores from before revisions were kept are the name alone;
 * names never hold a newline. */
const char *tsr_store_change_encode(apr_pool_t *p, const char *name,
                                    const char *rev, apr_time_t when,
                                    int deleted, apr_size_t *plen)
{
    const char *t = apr_psprintf(p, "%s\n%s\n%" APR_TIME_T_FMT "\n%s",
                                 name, rev ? rev : "", when,
                                 deleted ? "d" : "");

    *plen = strlen(t);
    return t;
}

void tsr_store_change_decode(tsr_change_t *c, apr_pool_t *p,
                             apr_uint64_t seq, const char *text,
                             apr_size_t len)
{
    const char *nl = memchr(text, '\n', len), *nl2, *nl3;

    memset(c, 0, sizeof(*c));
    c->seq = seq;
    if (nl == NULL) {
        c->name = apr_pstrmemdup(p, text, len);
        return;
    }
    c->name = apr_pstrmemdup(p, text, nl - text);
    nl2 = memchr(nl + 1, '\n', len - (nl + 1 - text));
    if (nl2 == NULL) {
        return;
    }
    if (nl2 > nl + 1) {
        c->rev = apr_pstrmemdup(p, nl + 1, nl2 - nl - 1);
    }
    nl3 = memchr(nl2 + 1, '\n', len - (nl2 + 1 - text));
    if (nl3 == NULL) {
        return;
    }
    c->time = (apr_time_t)apr_atoi64(apr_pstrmemdup(p, nl2 + 1,
                                                    nl3 - nl2 - 1));
    c->deleted = (nl3 + 1 < text + len && nl3[1] == 'd');
}

apr_status_t tsr_store_job_create(tsr_store_t *s, apr_pool_t *p,
                                  const tsr_job_t *job, const char *input,
                                  apr_size_t len, apr_size_t max_active)
{
    if (s->provider->job_create == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->job_create(s, p, job, input, len,
                                            max_active));
}

apr_status_t tsr_store_job_get(tsr_store_t *s, apr_pool_t *p, const char *id,
                               tsr_job_t **pjob)
{
    if (s->provider->job_get == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->job_get(s, p, id, pjob));
}

apr_status_t tsr_store_job_output(tsr_store_t *s, apr_pool_t *p,
                                  const char *id, const char **pout,
                                  apr_size_t *plen)
{
    if (s->provider->job_output == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->job_output(s, p, id, pout, plen));
}

apr_status_t tsr_store_job_claim(tsr_store_t *s, apr_pool_t *p,
                                 const char *worker, apr_time_t now,
                                 apr_time_t lease, tsr_job_t **pjob,
                                 const char **pinput, apr_size_t *plen)
{
    if (s->provider->job_claim == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->job_claim(s, p, worker, now, lease, pjob,
                                           pinput, plen));
}

apr_status_t tsr_store_job_update(tsr_store_t *s, apr_pool_t *p,
                                  const char *id, tsr_job_edit_fn *fn,
                                  void *baton, const char *output,
                                  apr_size_t outlen)
{
    if (s->provider->job_update == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->job_update(s, p, id, fn, baton, output,
                                            outlen));
}

apr_status_t tsr_store_job_sweep(tsr_store_t *s, apr_pool_t *p,
                                 apr_time_t before, apr_uint64_t keep,
                                 int max, int *pn)
{
    if (s->provider->job_sweep == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->job_sweep(s, p, before, keep, max,
                                           pn));
}

apr_status_t tsr_store_login_failures(tsr_store_t *s, apr_pool_t *p,
                                      const char *key, int delta,
                                      apr_uint32_t now, apr_uint32_t window,
                                      apr_uint32_t *pfailures,
                                      apr_uint32_t *pwait)
{
    if (s->provider->login_failures == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->login_failures(s, p, key, delta, now,
                                                window, pfailures, pwait));
}

apr_status_t tsr_store_login_create(tsr_store_t *s, apr_pool_t *p,
                                    const char *id, const char *owner,
                                    apr_time_t expires, const char *rec,
                                    apr_size_t len, apr_size_t max_total,
                                    apr_size_t max_owner)
{
    if (s->provider->login_create == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->login_create(s, p, id, owner, expires, rec,
                                              len, max_total, max_owner));
}

apr_status_t tsr_store_login_get(tsr_store_t *s, apr_pool_t *p,
                                 const char *id, const char **prec,
                                 apr_size_t *plen)
{
    if (s->provider->login_get == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->login_get(s, p, id, prec, plen));
}

apr_status_t tsr_store_login_update(tsr_store_t *s, apr_pool_t *p,
                                    const char *id,
                                    tsr_record_update_fn *fn, void *baton,
                                    tsr_error_t **perr)
{
    if (s->provider->login_update == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->login_update(s, p, id, fn, baton, perr));
}

apr_status_t tsr_store_search_postings(tsr_store_t *s, apr_pool_t *p,
                                       const char *term, int prefix,
                                       apr_array_header_t **pposts)
{
    if (s->provider->search_postings == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->search_postings(s, p, term, prefix,
                                                 pposts));
}

apr_status_t tsr_store_search_entry(tsr_store_t *s, apr_pool_t *p,
                                    const char *name, const char **pblob,
                                    apr_size_t *plen)
{
    if (s->provider->search_entry == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->search_entry(s, p, name, pblob, plen));
}

/* A provider without a scan of its own: its array, handed out. */
static apr_status_t scan_array(tsr_store_t *s, apr_pool_t *p,
                               const char *term, int prefix,
                               tsr_search_visit_t *visit)
{
    apr_array_header_t *posts;
    apr_status_t rv;
    int i;

    rv = s->provider->search_postings(s, p, term, prefix, &posts);
    for (i = 0; rv == APR_SUCCESS && i < posts->nelts; i++) {
        if (visit->term) {
            visit->term(visit->baton);  /* whose list it is, unknown */
        }
        if (visit->fn(visit->baton,
                      &APR_ARRAY_IDX(posts, i, tsr_search_posting_t))) {
            rv = TSR_ESTOPPED;
        }
    }
    return rv;
}

apr_status_t tsr_store_search_scan(tsr_store_t *s, apr_pool_t *p,
                                   const char *term, int prefix,
                                   tsr_search_visit_t *visit)
{
    if (s->provider->search_postings == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->search_scan
                        ? s->provider->search_scan(s, p, term, prefix, visit)
                        : scan_array(s, p, term, prefix, visit));
}

apr_status_t tsr_store_search_rebuild(tsr_store_t *s, apr_pool_t *p,
                                      apr_size_t *pcount)
{
    if (s->provider->search_rebuild == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->search_rebuild(s, p, pcount));
}

apr_status_t tsr_store_tsci_txn(tsr_store_t *s, apr_pool_t *p, int write,
                                tsr_kv_txn_fn *fn, void *baton,
                                tsr_error_t **perr)
{
    if (s->provider->tsci_txn == NULL) {
        return APR_ENOTIMPL;
    }
    enter(s);
    return leave(s, s->provider->tsci_txn(s, p, write, fn, baton, perr));
}

void tsr_store_log(tsr_store_t *s, apr_pool_t *p, int level,
                   apr_status_t rv, const char *fmt, ...)
{
    va_list ap;
    const char *msg;

    if (s == NULL || s->log == NULL) {
        return;
    }
    va_start(ap, fmt);
    msg = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    s->log(s->log_baton, level, rv, msg);
}

