/* mod_tsci_registry_store.c: the store's life across Apache's processes,
 * through the provider table (tsr_store.h).  The parent prepares (and when
 * needed recovers) each data directory before children exist; each child
 * opens its own handle; each request gets a session; one background worker
 * (a singleton mod_watchdog callback, in one child at a time) does the
 * upkeep.  When a store breaks, mod_tsci_registry_watch.c stops the
 * children and has it recovered here. */
#include <setjmp.h>
#include <signal.h>
#include <sys/statvfs.h>
#include <string.h>
#include <unistd.h>
#include "apr_strings.h"
#include "apr_hash.h"
#include "tsr_viewcache.h"
#include "tsr_memtrim.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_main.h"
#include "http_core.h"
#include "unixd.h"
#include "mod_tsci_registry.h"
#include "mod_watchdog.h"
#include "tsr_tokencache.h"
#include "tsr_revoke.h"
#include "apr_atomic.h"
#include "apr_shm.h"
#include "mod_tsci_registry_dbd.h"

APLOG_USE_MODULE(tsci_registry);

#define FIRST_DONE_KEY "tsci_registry_first_config_done"
#define TOKEN_GEN_KEY "tsci_registry_token_generation"
/* Named by its length: a graceful restart into a build whose array is
 * longer must not be handed the shorter one of the build before. */
#define VIEW_STAMPS_KEY \
    "tsci_registry_view_stamps:" APR_STRINGIFY(TSR_VIEW_STAMPS_LEN)
/* Seconds between two rounds of upkeep (checkpoints, old logs), and
 * between two looks at how much log was written (tsr_store_trim_log). */
#define MAINTAIN_INTERVAL 30
#define TRIM_LOG_INTERVAL 1
#define WATCHDOG_NAME "tsci-registry"

/* Tokens a child remembers, at most. */
#define TOKEN_CACHE_ENTRIES 4096

/* The revocation generation lives in anonymous shared memory made by the
 * parent, so every child sees a logout in any other at once.  Without it
 * (shared memory refused), 0 stays 0 and caching is off. */
static apr_uint32_t *token_gen;
/* The package records' stamps (tsr_viewcache.h), in shared memory made
 * once for the life of httpd, like the token generation. */
static apr_uint32_t *view_stamps;
/* Where each SQL store's node stands in its changes feed (tsr_store.h,
 * tsr_view_poll_t), by data directory: shared memory made once for the
 * life of httpd too, so a generation starts where the last one was. */
static apr_hash_t *view_polls;
#define VIEW_POLL_KEY "tsci_registry_view_poll:"

apr_uint32_t tsr_token_generation(void)
{
    return token_gen ? apr_atomic_read32(token_gen) : 0;
}

void tsr_token_generation_bump(void)
{
    if (token_gen) {
        apr_atomic_inc32(token_gen);
    }
}

apr_uint32_t tsr_token_generation_for(server_rec *s)
{
    tsr_server_conf_t *sc = ap_get_module_config(s->module_config,
                                                 &tsci_registry_module);
    apr_uint32_t gen = tsr_token_generation();

    /* Both only grow, so their sum changes whenever either does; 0 keeps
     * meaning "no cache". */
    if (gen == 0 || sc->revocations == NULL) {
        return gen;
    }
    gen += tsr_revoke_read(sc->revocations);
    return gen ? gen : 1;
}

/* A status worth a prefix in the log: the core's own codes and APR's
 * "internal error" say nothing the message does not ("(20014)Internal
 * error (specific information not available):" only misleads). */
static apr_status_t log_status(apr_status_t rv)
{
    return rv == APR_EGENERAL || rv >= APR_OS_START_USERERR ? 0 : rv;
}

static void log_to_server(void *baton, int level, apr_status_t rv,
                          const char *msg)
{
    ap_log_error(APLOG_MARK, level, log_status(rv), (server_rec *)baton,
                 "%s", msg);
}

static tsr_server_conf_t *server_conf(server_rec *s)
{
    return ap_get_module_config(s->module_config, &tsci_registry_module);
}

/* How long a cached package record lives at most: the bound on what a
 * writer outside Apache (the admin tool) leaves stale. */
#define VIEW_CACHE_TTL apr_time_from_sec(2)

/* The provider of s's store: TsciRegistryStore, or Berkeley DB. */
static const tsr_store_provider_t *provider_of(server_rec *s)
{
    tsr_server_conf_t *sc = server_conf(s);

    return sc->provider ? sc->provider : tsr_store_provider_find("bdb");
}

static apr_size_t view_cache_bytes(server_rec *s)
{
    apr_int64_t n = server_conf(s)->view_cache_bytes;

    if (n >= 0) {
        return (apr_size_t)n;
    }
    return provider_of(s) == tsr_store_dbd_provider()
           ? TSR_DEFAULT_VIEW_CACHE_DBD : TSR_DEFAULT_VIEW_CACHE;
}

static apr_size_t search_cache_bytes(server_rec *s)
{
    apr_int64_t n = server_conf(s)->search_cache_bytes;

    return n >= 0 ? (apr_size_t)n : TSR_DEFAULT_SEARCH_CACHE;
}

/* How long s's node may lag behind the others' writes to its views:
 * 0 (each read checks the view in the database) unless other nodes can
 * write its store. */
static apr_interval_time_t view_lag(server_rec *s)
{
    apr_int64_t ms = server_conf(s)->view_lag_ms;

    if (provider_of(s) != tsr_store_dbd_provider()) {
        return 0;
    }
    return apr_time_from_msec(ms >= 0 ? ms : TSR_DEFAULT_VIEW_LAG_MS);
}

/* What the provider is told about the store of data directory dir, whose
 * first server is owner. */
static tsr_store_config_t *store_config(apr_pool_t *p, const char *dir,
                                        server_rec *owner)
{
    tsr_store_config_t *cfg = apr_pcalloc(p, sizeof(*cfg));

    cfg->datadir = dir;
    cfg->log = log_to_server;
    cfg->log_baton = owner;
    return cfg;
}

/* Each data directory once, with the first server that names it. */
static apr_hash_t *datadirs(apr_pool_t *p, server_rec *main)
{
    apr_hash_t *h = apr_hash_make(p);
    server_rec *s;

    for (s = main; s; s = s->next) {
        tsr_server_conf_t *sc = server_conf(s);

        if (sc->datadir && !apr_hash_get(h, sc->datadir,
                                         APR_HASH_KEY_STRING)) {
            apr_hash_set(h, sc->datadir, APR_HASH_KEY_STRING, s);
        }
    }
    return h;
}

/* Runs for "apachectl configtest" too, unlike post_config. */
static int check_config(apr_pool_t *pconf, apr_pool_t *plog,
                        apr_pool_t *ptemp, server_rec *main)
{
    apr_hash_t *seen = apr_hash_make(ptemp);
    server_rec *s;

    for (s = main; s; s = s->next) {
        tsr_server_conf_t *sc = server_conf(s);

        if (sc->enabled_somewhere && sc->datadir == NULL) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                         "TSR00001: TsciRegistry On needs "
                         "TsciRegistryDataDir (server %s:%u)",
                         s->server_hostname ? s->server_hostname : "",
                         (unsigned)s->port);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (sc->enabled_somewhere && sc->datadir) {
            const char *why = tsr_startup_datadir_problem(ptemp,
                                                          sc->datadir);

            if (why) {
                ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0,
                             NULL, "TSR00017: TsciRegistryDataDir %s "
                             "cannot be used: %s", sc->datadir, why);
                return HTTP_INTERNAL_SERVER_ERROR;
            }
        }
        if (sc->enabled_somewhere) {
            tsr_startup_warn_nested(ptemp, s, &tsci_registry_module, seen);
        }
        /* The SQL store works on mod_dbd's connections: without it every
         * request would fail, so the configuration does. */
        if (sc->enabled_somewhere && sc->provider
            && sc->provider == tsr_store_dbd_provider()
            && APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire) == NULL) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                         "TSR00205: TsciRegistryStore dbd needs mod_dbd "
                         "(LoadModule dbd_module, DBDriver pgsql, "
                         "DBDParams) (server %s:%u)",
                         s->server_hostname ? s->server_hostname : "",
                         (unsigned)s->port);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        if (sc->enabled_somewhere
            && (APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance) == NULL
                || APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_register_callback)
                       == NULL)) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                         "TSR00008: the registry needs mod_watchdog for "
                         "its upkeep (LoadModule watchdog_module)");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

static int recovery_flagged(apr_pool_t *p, server_rec *main)
{
    apr_hash_t *dirs = datadirs(p, main);
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(p, dirs); hi; hi = apr_hash_next(hi)) {
        server_rec *owner = apr_hash_this_val(hi);

        if (tsr_store_recovery_needed(provider_of(owner), p,
                                      store_config(p, apr_hash_this_key(hi),
                                                   owner))) {
            return 1;
        }
    }
    return 0;
}

/* Berkeley DB maps its shared regions from files in the data directory:
 * on a full file system, making them is a SIGBUS, which would kill the
 * parent with nothing in the log.  While the parent prepares a store, a
 * SIGBUS comes back here as a refusal instead. */
static sigjmp_buf bus_jump;

static void bus_error(int sig)
{
    siglongjmp(bus_jump, 1);
}

static apr_status_t guarded_prepare(const tsr_store_provider_t *provider,
                                    apr_pool_t *p, tsr_store_config_t *cfg,
                                    int recover, long uid, long gid,
                                    int *bus)
{
    struct sigaction sa, old;
    apr_status_t rv;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = bus_error;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &old);
    *bus = 0;
    if (sigsetjmp(bus_jump, 1) == 0) {
        rv = tsr_store_prepare(provider, p, cfg, recover, uid, gid);
    }
    else {
        *bus = 1;
        rv = APR_ENOSPC;
    }
    sigaction(SIGBUS, &old, NULL);
    return rv;
}

/* Prepare every store of dirs, recovering them when recover is set: only
 * when no child can be attached (the first start, or the parent has just
 * stopped them all).  A graceful restart never recovers under its old
 * children. */
static apr_status_t prepare_all(apr_pool_t *p, server_rec *main,
                                apr_hash_t *dirs, int recover)
{
    apr_hash_index_t *hi;
    apr_status_t rv;

    for (hi = apr_hash_first(p, dirs); hi; hi = apr_hash_next(hi)) {
        const char *dir = apr_hash_this_key(hi);
        server_rec *owner = apr_hash_this_val(hi);
        const tsr_store_provider_t *provider = provider_of(owner);
        tsr_store_config_t *cfg = store_config(p, dir, owner);
        long uid = -1, gid = -1;
        apr_time_t t0 = apr_time_now();
        int bus;

        if (geteuid() == 0) {
            uid = (long)ap_unixd_config.user_id;
            gid = (long)ap_unixd_config.group_id;
        }
        if (recover) {
            tsr_store_recovery_clear(provider, p, cfg);
        }
        rv = guarded_prepare(provider, p, cfg, recover, uid, gid, &bus);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, log_status(rv), owner,
                         "TSR00002: cannot prepare the registry store in "
                         "%s%s", dir, bus ? ": its file system is full (no "
                         "room for the store's shared memory files)" : "");
            return rv;
        }
        ap_log_error(APLOG_MARK, recover ? APLOG_NOTICE : APLOG_INFO,
                     0, owner, "TSR00003: registry store %s (%s) ready%s in "
                     "%" APR_TIME_T_FMT " ms", dir, provider->name,
                     recover ? ", recovered" : "",
                     apr_time_as_msec(apr_time_now() - t0));
    }
    return APR_SUCCESS;
}

static apr_status_t recover_all(apr_pool_t *p, server_rec *main)
{
    /* A child that died inside a write may have committed without
     * bumping its stamp: nothing any process cached stays good. */
    tsr_store_views_forget(view_stamps);
    return prepare_all(p, main, datadirs(p, main), 1);
}

/* A recovery writes log records and makes the shared regions anew: on a
 * file system with less than this free it would fail half way, leaving
 * no store at all where there was a working one. */
#define RECOVERY_ROOM ((apr_uint64_t)32 * 1024 * 1024)

static int room_to_recover(apr_pool_t *p, server_rec *main)
{
    apr_hash_t *dirs = datadirs(p, main);
    apr_hash_index_t *hi;
    struct statvfs fs;

    for (hi = apr_hash_first(p, dirs); hi; hi = apr_hash_next(hi)) {
        if (statvfs(apr_hash_this_key(hi), &fs) == 0
            && (apr_uint64_t)fs.f_bavail * fs.f_frsize < RECOVERY_ROOM) {
            return 0;
        }
    }
    return 1;
}

static const tsr_watch_stores_t watched = { recovery_flagged, recover_all,
                                            room_to_recover };

/* fn for every store this process has open, once each (servers may
 * share a data directory), as the server that names it first. */
static void each_store(server_rec *main, apr_pool_t *ptemp,
                       void (*fn)(server_rec *s, tsr_server_conf_t *sc,
                                  apr_pool_t *ptemp))
{
    apr_hash_t *done = apr_hash_make(ptemp);
    server_rec *s;

    for (s = main; s; s = s->next) {
        tsr_server_conf_t *sc = server_conf(s);

        if (sc->store && !apr_hash_get(done, sc->datadir,
                                       APR_HASH_KEY_STRING)) {
            apr_hash_set(done, sc->datadir, APR_HASH_KEY_STRING, sc);
            fn(s, sc, ptemp);
        }
    }
}

static void maintain_one(server_rec *s, tsr_server_conf_t *sc,
                         apr_pool_t *ptemp)
{
    apr_time_t t0 = apr_time_now();
    /* The SQL store's upkeep needs a connection of its own. */
    tsr_store_t *st = tsr_background_store(s, sc->store, ptemp);
    apr_status_t rv = st ? tsr_store_maintain(st, ptemp) : APR_EGENERAL;

    ap_log_error(APLOG_MARK, rv == APR_SUCCESS ? APLOG_DEBUG : APLOG_WARNING,
                 rv, s, "TSR00010: upkeep of the store in %s: %s in %"
                 APR_TIME_T_FMT " ms", sc->datadir,
                 rv == APR_SUCCESS ? "done" : "failed",
                 apr_time_as_msec(apr_time_now() - t0));
}

static void trim_one(server_rec *s, tsr_server_conf_t *sc,
                     apr_pool_t *ptemp)
{
    apr_status_t rv = tsr_store_trim_log(sc->store, ptemp);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, "TSR00022: the log "
                     "of the store in %s could not be trimmed", sc->datadir);
    }
}

/* The upkeep, in whichever child holds mod_watchdog's singleton, every
 * 30 s. */
static apr_status_t maintain(int state, void *baton, apr_pool_t *ptemp)
{
    if (state == AP_WATCHDOG_STATE_RUNNING) {
        each_store(baton, ptemp, maintain_one);
    }
    return APR_SUCCESS;
}

/* Every second, in the same child: each store's log, let go once it has
 * grown (a checkpoint in Berkeley DB, when enough was written). */
static apr_status_t trim_logs(int state, void *baton, apr_pool_t *ptemp)
{
    if (state == AP_WATCHDOG_STATE_RUNNING) {
        each_store(baton, ptemp, trim_one);
    }
    return APR_SUCCESS;
}

/* One background worker for every store, instead of a thread in every
 * child: a singleton watchdog runs in one child at a time, and another
 * takes over when that one goes. */
static apr_status_t watch(apr_pool_t *pconf, server_rec *main,
                          apr_hash_t *dirs)
{
    APR_OPTIONAL_FN_TYPE(ap_watchdog_get_instance) *get_instance;
    APR_OPTIONAL_FN_TYPE(ap_watchdog_register_callback) *register_callback;
    ap_watchdog_t *wd;
    apr_status_t rv;

    if (apr_hash_count(dirs) == 0) {
        return APR_SUCCESS;
    }
    get_instance = APR_RETRIEVE_OPTIONAL_FN(ap_watchdog_get_instance);
    register_callback = APR_RETRIEVE_OPTIONAL_FN(
        ap_watchdog_register_callback);
    if (get_instance == NULL || register_callback == NULL) {
        rv = APR_ENOTIMPL;
    }
    else if ((rv = get_instance(&wd, WATCHDOG_NAME, 0, 1, pconf))
             == APR_SUCCESS) {
        rv = register_callback(wd, apr_time_from_sec(MAINTAIN_INTERVAL),
                               main, maintain);
        if (rv == APR_SUCCESS) {
            rv = register_callback(wd, apr_time_from_sec(TRIM_LOG_INTERVAL),
                                   main, trim_logs);
        }
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, main, "TSR00008: no "
                     "background worker for the registry's upkeep "
                     "(mod_watchdog)");
    }
    return rv;
}

/* size zeroed bytes of anonymous shared memory, made on the first call
 * for key and the same ones on every later call (every generation of
 * children inherits them); NULL when none can be had. */
static void *life_shm(server_rec *main, const char *key, apr_size_t size)
{
    void *mem = NULL;
    apr_shm_t *shm;

    apr_pool_userdata_get(&mem, key, main->process->pool);
    if (mem == NULL && apr_shm_create(&shm, size, NULL, main->process->pool)
                           == APR_SUCCESS) {
        mem = apr_shm_baseaddr_get(shm);
        memset(mem, 0, size);
        apr_pool_userdata_set(mem, key, apr_pool_cleanup_null,
                              main->process->pool);
    }
    return mem;
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog,
                       apr_pool_t *ptemp, server_rec *main)
{
    void *done = NULL;
    apr_hash_t *dirs;
    apr_hash_index_t *hi;
    int first;

    /* The first pass at start-up only checks the configuration. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    /* Made once for the life of httpd, not per generation: a logout or a
     * write in an old child during a graceful restart must reach the new
     * children. */
    token_gen = life_shm(main, TOKEN_GEN_KEY, sizeof(apr_uint32_t));
    if (token_gen == NULL) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main,
                     "TSR00007: no shared memory for the token cache; "
                     "every token is looked up in the store");
    }
    else if (*token_gen == 0) {
        *token_gen = 1;
    }
    view_stamps = life_shm(main, VIEW_STAMPS_KEY,
                           TSR_VIEW_STAMPS_LEN * sizeof(apr_uint32_t));
    if (view_stamps == NULL) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main,
                     "TSR00019: no shared memory for the package records' "
                     "stamps; every read asks the store");
    }
    view_polls = apr_hash_make(pconf);
    for (hi = apr_hash_first(ptemp, datadirs(ptemp, main)); hi;
         hi = apr_hash_next(hi)) {
        const char *dir = apr_hash_this_key(hi);
        void *poll;

        if (view_lag(apr_hash_this_val(hi)) > 0
            && (poll = life_shm(main, apr_pstrcat(ptemp, VIEW_POLL_KEY, dir,
                                                  NULL),
                                sizeof(tsr_view_poll_t))) != NULL) {
            apr_hash_set(view_polls, apr_pstrdup(pconf, dir),
                         APR_HASH_KEY_STRING, poll);
        }
    }
    apr_pool_userdata_get(&done, FIRST_DONE_KEY, main->process->pool);
    first = (done == NULL);
    if (first) {
        apr_pool_userdata_set((void *)1, FIRST_DONE_KEY,
                              apr_pool_cleanup_null, main->process->pool);
    }
    dirs = datadirs(ptemp, main);
    /* A store flagged broken while the last generation ran: a child killed
     * holding a region mutex leaves every environment it had open
     * unusable, so all are recovered then. */
    if (prepare_all(ptemp, main, dirs, first || recovery_flagged(ptemp,
                                                                  main))
        != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    tsr_watch_set_stores(&watched);
    return watch(pconf, main, dirs) == APR_SUCCESS
               ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

/* The store found itself broken in this child: the child dies inside it,
 * on purpose, and the parent, which reaps it within milliseconds and sees
 * the count, stops the other children and recovers the store at once.
 * Staying would only answer 503 until the parent's next look at the
 * flag. */
static void die_inside(tsr_store_t *s)
{
    if (s->busy) {
        apr_atomic_inc32(s->busy);
    }
    _exit(0);
}

/* Marks a data directory whose store failed to open in this child. */
static const char unusable = 0;

static void child_init(apr_pool_t *pchild, server_rec *main)
{
    apr_hash_t *dirs = datadirs(pchild, main);
    apr_hash_t *caches = apr_hash_make(pchild);
    apr_hash_t *revoked = apr_hash_make(pchild);
    apr_hash_index_t *hi;
    apr_uint32_t *busy;
    server_rec *s;

    if (apr_hash_count(dirs) == 0) {
        return;
    }
    /* Opening is inside the store too: a child killed there is watched
     * like one killed during a request. */
    if ((busy = tsr_watch_claim(pchild)) != NULL) {
        apr_atomic_inc32(busy);
    }
    tsr_watch_wait_sound(main);
    for (hi = apr_hash_first(pchild, dirs); hi; hi = apr_hash_next(hi)) {
        const char *dir = apr_hash_this_key(hi);
        server_rec *owner = apr_hash_this_val(hi);
        tsr_store_t *store = NULL;
        apr_status_t rv;

        rv = tsr_store_open(provider_of(owner), &store, pchild,
                            store_config(pchild, dir, owner));
        if (rv == TSR_EBROKEN && busy) {
            /* Another process left it needing a recovery: serving 503
             * until the parent notices would help no one. */
            ap_log_error(APLOG_MARK, APLOG_WARNING, rv, owner,
                         "TSR00015: the registry store in %s needs a "
                         "recovery: this new child leaves it to the parent",
                         dir);
            _exit(0);
        }
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, log_status(rv), owner,
                         "TSR00004: cannot open the registry store in %s "
                         "in this child", dir);
            store = NULL;
        }
        else {
            apr_size_t room = view_cache_bytes(owner);
            apr_size_t answers = search_cache_bytes(owner);

            store->busy = busy;
            if (busy) {
                store->on_broken = die_inside;
            }
            /* Every package write bumps the shared stamps, whether or not
             * this process keeps views: the search answers of all
             * processes depend on them. */
            if (view_stamps) {
                store->view_stamps = view_stamps;
                store->view_poll = view_polls
                    ? apr_hash_get(view_polls, dir, APR_HASH_KEY_STRING)
                    : NULL;
                store->view_lag = view_lag(owner);
                if (room) {
                    tsr_viewcache_create(&store->views, pchild, room,
                                         VIEW_CACHE_TTL);
                    /* Big records are then read from the store seldom,
                     * each once per child and time to live: mapping
                     * such blocks on their own costs little, and keeps
                     * each thread's arena from holding on to copies of
                     * them (bench/memory_ab: 43 MB after reads of a
                     * 1.8 MB packument, not 125; without the cache,
                     * each read maps, and took twice as long). */
                    tsr_memtrim_map_large();
                }
                if (answers) {
                    tsr_viewcache_create(&store->answers, pchild, answers,
                                         VIEW_CACHE_TTL);
                }
            }
        }
        apr_hash_set(dirs, dir, APR_HASH_KEY_STRING,
                     store ? (void *)store : (void *)&unusable);
        /* The token cache's logout generation is this node's alone: with
         * a store that other nodes write, a logout there would go unseen
         * here, so such a store has no token cache (yet). */
        if (store && token_gen
            && provider_of(owner) != tsr_store_dbd_provider()) {
            tsr_tokencache_t *tc;
            const volatile apr_uint32_t *rc;

            /* Without the tool's count, a token it revokes would stay in
             * this cache: then no cache at all. */
            if (tsr_revoke_map(&rc, pchild, dir) != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_WARNING, 0, owner,
                             "TSR00027: cannot map %s/%s: every token is "
                             "looked up in the store", dir,
                             TSR_REVOKE_FILE);
            }
            else if (tsr_tokencache_create(&tc, pchild, TOKEN_CACHE_ENTRIES)
                     == APR_SUCCESS) {
                apr_hash_set(caches, dir, APR_HASH_KEY_STRING, tc);
                apr_hash_set(revoked, dir, APR_HASH_KEY_STRING, (void *)rc);
            }
        }
    }
    if (busy) {
        apr_atomic_dec32(busy);
        tsr_watch_stores_open(pchild);
    }
    for (s = main; s; s = s->next) {
        tsr_server_conf_t *sc = server_conf(s);
        void *v = sc->datadir ? apr_hash_get(dirs, sc->datadir,
                                             APR_HASH_KEY_STRING) : NULL;

        sc->store = (v && v != (void *)&unusable) ? v : NULL;
        sc->tokens = sc->store ? apr_hash_get(caches, sc->datadir,
                                              APR_HASH_KEY_STRING) : NULL;
        sc->revocations = sc->tokens ? apr_hash_get(revoked, sc->datadir,
                                                    APR_HASH_KEY_STRING)
                                     : NULL;
    }
}

/* Fill c from mod_dbd's connection. */
static void conn_from(tsr_dbd_conn_t *c, ap_dbd_t *dbd)
{
    /* The statements the store prepares live with the connection. */
    if (dbd->prepared == NULL) {
        dbd->prepared = apr_hash_make(dbd->pool);
    }
    c->driver = dbd->driver;
    c->handle = dbd->handle;
    c->pool = dbd->pool;
    c->prepared = dbd->prepared;
}

/* A promised connection kept: mod_dbd's for the request (given back to
 * its pool when the request ends). */
static apr_status_t acquire_for_request(tsr_dbd_conn_t *c)
{
    APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *acquire =
        APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    ap_dbd_t *dbd;

    if (acquire == NULL || (dbd = acquire(c->baton)) == NULL) {
        return APR_EGENERAL;
    }
    conn_from(c, dbd);
    return APR_SUCCESS;
}

/* The SQL store's connection for r: promised, taken from mod_dbd's pool
 * by the first statement the request makes (a request served from kept
 * views makes none), or NULL without mod_dbd (the session then says
 * why).  Other stores need none. */
static void *request_conn(request_rec *r, tsr_store_t *proc)
{
    tsr_dbd_conn_t *c;

    if (proc->provider != tsr_store_dbd_provider()
        || APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire) == NULL) {
        return NULL;
    }
    c = apr_pcalloc(r->pool, sizeof(*c));
    c->acquire = acquire_for_request;
    c->baton = r;
    return c;
}

tsr_dbd_conn_t *tsr_store_dbd_conn_of(apr_pool_t *p, ap_dbd_t *dbd)
{
    tsr_dbd_conn_t *c = apr_pcalloc(p, sizeof(*c));

    conn_from(c, dbd);
    return c;
}

tsr_store_t *tsr_request_store(request_rec *r)
{
    tsr_request_t *q = tsr_request_of(r);
    tsr_server_conf_t *sc;
    apr_status_t rv;

    if (q->store_tried) {
        return q->store;
    }
    q->store_tried = 1;
    sc = server_conf(r->server);
    if (sc->store == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "TSR00005: the registry store is not open in this "
                      "process (see earlier errors)");
        return NULL;
    }
    /* A provider that needs a connection per request gets it here, where
     * the request is known. */
    rv = tsr_store_session(&q->store, r->pool, sc->store,
                           request_conn(r, sc->store));
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, log_status(rv), r, "TSR00009: no store "
                      "session for this request");
        q->store = NULL;
    }
    return q->store;
}

typedef struct held_conn_t {
    server_rec *s;
    ap_dbd_t *dbd;
} held_conn_t;

static apr_status_t give_back(void *data)
{
    held_conn_t *h = data;
    APR_OPTIONAL_FN_TYPE(ap_dbd_close) *close_fn =
        APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);

    if (close_fn) {
        close_fn(h->s, h->dbd);
    }
    return APR_SUCCESS;
}

tsr_store_t *tsr_background_store(server_rec *s, tsr_store_t *proc,
                                  apr_pool_t *p)
{
    APR_OPTIONAL_FN_TYPE(ap_dbd_open) *open_fn;
    held_conn_t *h;
    tsr_store_t *sess = NULL;

    if (proc->provider != tsr_store_dbd_provider()) {
        return proc;
    }
    /* No request to acquire one for: a connection of mod_dbd's pool,
     * held until p is cleared. */
    if ((open_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open)) == NULL) {
        return NULL;
    }
    h = apr_pcalloc(p, sizeof(*h));
    h->s = s;
    if ((h->dbd = open_fn(p, s)) == NULL) {
        return NULL;
    }
    apr_pool_cleanup_register(p, h, give_back, apr_pool_cleanup_null);
    if (tsr_store_session(&sess, p, proc, tsr_store_dbd_conn_of(p, h->dbd))
        != APR_SUCCESS) {
        return NULL;
    }
    return sess;
}

void tsr_store_register_hooks(apr_pool_t *p)
{
    ap_hook_check_config(check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
}
