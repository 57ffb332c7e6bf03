/* mod_tsci_registry_store.c: the store's life across Apache's processes.
 * The parent prepares (and when needed recovers) each data directory
 * before children exist; each child opens its own handle; the parent's
 * monitor restarts everything when a child reports a broken environment. */
#include <signal.h>
#include <unistd.h>
#include "apr_strings.h"
#include "apr_hash.h"
#include "apr_thread_proc.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_main.h"
#include "http_core.h"
#include "ap_mpm.h"
#include "mpm_common.h"
#include "scoreboard.h"
#include "unixd.h"
#include "mod_tsci_registry.h"
#include "tsr_store_bdb.h"
#include "tsr_tokencache.h"
#include "apr_atomic.h"
#include "apr_shm.h"

APLOG_USE_MODULE(tsci_registry);

#define FIRST_DONE_KEY "tsci_registry_first_config_done"
#define TOKEN_GEN_KEY "tsci_registry_token_generation"
/* Seconds between checkpoints in each child. */
#define CHECKPOINT_INTERVAL 30

/* Tokens a child remembers, at most. */
#define TOKEN_CACHE_ENTRIES 4096

/* The revocation generation lives in anonymous shared memory made by the
 * parent, so every child sees a logout in any other at once.  Without it
 * (shared memory refused), 0 stays 0 and caching is off. */
static apr_uint32_t *token_gen;

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

static void log_to_server(void *baton, int level, apr_status_t rv,
                          const char *msg)
{
    ap_log_error(APLOG_MARK, level, rv, (server_rec *)baton, "%s", msg);
}

static tsr_server_conf_t *server_conf(server_rec *s)
{
    return ap_get_module_config(s->module_config, &tsci_registry_module);
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
    }
    return OK;
}

static int post_config(apr_pool_t *pconf, apr_pool_t *plog,
                       apr_pool_t *ptemp, server_rec *main)
{
    void *done = NULL;
    apr_hash_index_t *hi;
    apr_hash_t *dirs;
    int first, any_flagged;

    /* The first pass at start-up only checks the configuration. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    /* Made once for the life of httpd, not per generation: a logout in an
     * old child during a graceful restart must reach the new children. */
    token_gen = NULL;
    apr_pool_userdata_get((void **)&token_gen, TOKEN_GEN_KEY,
                          main->process->pool);
    if (token_gen == NULL) {
        apr_shm_t *shm;

        if (apr_shm_create(&shm, sizeof(apr_uint32_t), NULL,
                           main->process->pool) == APR_SUCCESS) {
            token_gen = apr_shm_baseaddr_get(shm);
            *token_gen = 1;
            apr_pool_userdata_set(token_gen, TOKEN_GEN_KEY,
                                  apr_pool_cleanup_null,
                                  main->process->pool);
        }
        else {
            ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main,
                         "TSR00007: no shared memory for the token cache; "
                         "every token is looked up in the store");
        }
    }
    /* Recovery only when no child can be attached: at the first start, or
     * after the monitor killed every child for a broken environment.  A
     * graceful restart must not recover under its old children. */
    apr_pool_userdata_get(&done, FIRST_DONE_KEY, main->process->pool);
    first = (done == NULL);
    if (first) {
        apr_pool_userdata_set((void *)1, FIRST_DONE_KEY,
                              apr_pool_cleanup_null, main->process->pool);
    }
    dirs = datadirs(ptemp, main);
    /* The monitor kills every child when any store is flagged, and a child
     * killed holding a region mutex leaves every environment it had open
     * unusable: recover them all then. */
    any_flagged = 0;
    for (hi = apr_hash_first(ptemp, dirs); hi; hi = apr_hash_next(hi)) {
        any_flagged |= tsr_store_bdb_recovery_flagged(ptemp,
                                                      apr_hash_this_key(hi));
    }
    for (hi = apr_hash_first(ptemp, dirs); hi; hi = apr_hash_next(hi)) {
        const char *dir = apr_hash_this_key(hi);
        server_rec *owner = apr_hash_this_val(hi);
        tsr_bdb_options_t opts = { 0 };
        int flagged = tsr_store_bdb_recovery_flagged(ptemp, dir);
        long uid = -1, gid = -1;
        apr_time_t t0 = apr_time_now();
        apr_status_t rv;

        opts.recover = first || any_flagged;
        opts.log = log_to_server;
        opts.log_baton = owner;
        if (geteuid() == 0) {
            uid = (long)ap_unixd_config.user_id;
            gid = (long)ap_unixd_config.group_id;
        }
        if (flagged) {
            tsr_store_bdb_clear_recovery_flag(ptemp, dir);
        }
        rv = tsr_store_bdb_prepare(ptemp, dir, uid, gid, &opts);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, owner,
                         "TSR00002: cannot prepare the registry store in "
                         "%s", dir);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        ap_log_error(APLOG_MARK, opts.recover ? APLOG_NOTICE : APLOG_INFO,
                     0, owner, "TSR00003: registry store %s ready%s in %"
                     APR_TIME_T_FMT " ms", dir,
                     opts.recover ? (any_flagged ? " after full recovery"
                                                 : ", recovered")
                                  : "",
                     apr_time_as_msec(apr_time_now() - t0));
    }
    return OK;
}

typedef struct checkpointer_t {
    tsr_store_t *store;
    apr_thread_t *thread;
    volatile int stop;
} checkpointer_t;

static void *APR_THREAD_FUNC checkpoint_loop(apr_thread_t *t, void *data)
{
    checkpointer_t *c = data;
    int ticks = 0;

    while (!c->stop) {
        apr_sleep(apr_time_from_sec(1));
        if (++ticks >= CHECKPOINT_INTERVAL && !c->stop) {
            ticks = 0;
            tsr_store_bdb_checkpoint(c->store);
        }
    }
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

/* A pre-cleanup: it must run before pchild's subpools, the thread's own
 * among them, are destroyed, and before the store is closed. */
static apr_status_t stop_checkpointer(void *data)
{
    checkpointer_t *c = data;
    apr_status_t ignored;

    c->stop = 1;
    apr_thread_join(&ignored, c->thread);
    return APR_SUCCESS;
}

/* Marks a data directory whose store failed to open in this child. */
static const char unusable = 0;

static void child_init(apr_pool_t *pchild, server_rec *main)
{
    apr_hash_t *dirs = datadirs(pchild, main);
    apr_hash_t *caches = apr_hash_make(pchild);
    apr_hash_index_t *hi;
    server_rec *s;

    for (hi = apr_hash_first(pchild, dirs); hi; hi = apr_hash_next(hi)) {
        const char *dir = apr_hash_this_key(hi);
        server_rec *owner = apr_hash_this_val(hi);
        tsr_bdb_options_t opts = { 0 };
        tsr_store_t *store = NULL;
        checkpointer_t *c;
        apr_status_t rv;

        opts.log = log_to_server;
        opts.log_baton = owner;
        rv = tsr_store_bdb_open(&store, pchild, dir, &opts);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, owner,
                         "TSR00004: cannot open the registry store in %s "
                         "in this child", dir);
            store = NULL;
        }
        else {
            c = apr_pcalloc(pchild, sizeof(*c));
            c->store = store;
            if (apr_thread_create(&c->thread, NULL, checkpoint_loop, c,
                                  pchild) == APR_SUCCESS) {
                apr_pool_pre_cleanup_register(pchild, c, stop_checkpointer);
            }
        }
        apr_hash_set(dirs, dir, APR_HASH_KEY_STRING,
                     store ? (void *)store : (void *)&unusable);
        if (store && token_gen) {
            tsr_tokencache_t *tc;

            if (tsr_tokencache_create(&tc, pchild, TOKEN_CACHE_ENTRIES)
                == APR_SUCCESS) {
                apr_hash_set(caches, dir, APR_HASH_KEY_STRING, tc);
            }
        }
    }
    for (s = main; s; s = s->next) {
        tsr_server_conf_t *sc = server_conf(s);
        void *v = sc->datadir ? apr_hash_get(dirs, sc->datadir,
                                             APR_HASH_KEY_STRING) : NULL;

        sc->store = (v && v != (void *)&unusable) ? v : NULL;
        sc->tokens = sc->store ? apr_hash_get(caches, sc->datadir,
                                              APR_HASH_KEY_STRING) : NULL;
    }
}

tsr_store_t *tsr_request_store(request_rec *r)
{
    tsr_server_conf_t *sc = server_conf(r->server);

    if (sc->store == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "TSR00005: the registry store is not open in this "
                      "process (see earlier errors)");
    }
    return sc->store;
}

/* The generation in which the monitor last stopped every child, or -1. */
static int stopped_generation = -1;

/* In the parent: a child that found the environment broken left the flag.
 * Children stuck on a dead mutex ignore SIGTERM, so kill them outright
 * (only pids the MPM vouches for as this server's children: a stale
 * scoreboard slot may name any process), then restart; post_config
 * recovers before new children start.  Once per generation: the monitor
 * runs every second, and the restart asked for comes when the MPM gets to
 * it. */
static int monitor(apr_pool_t *p, server_rec *main)
{
    apr_hash_t *dirs;
    apr_hash_index_t *hi;
    int limit = 0, generation = 0, i;

    ap_mpm_query(AP_MPMQ_GENERATION, &generation);
    if (generation == stopped_generation) {
        return DECLINED;
    }
    dirs = datadirs(p, main);
    for (hi = apr_hash_first(p, dirs); hi; hi = apr_hash_next(hi)) {
        if (!tsr_store_bdb_recovery_flagged(p, apr_hash_this_key(hi))) {
            continue;
        }
        stopped_generation = generation;
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main,
                     "TSR00006: the registry store in %s needs recovery: "
                     "stopping every child and restarting",
                     (const char *)apr_hash_this_key(hi));
        ap_mpm_query(AP_MPMQ_HARD_LIMIT_DAEMONS, &limit);
        for (i = 0; i < limit; i++) {
            pid_t pid = ap_scoreboard_image->parent[i].pid;

            if (pid > 0 && pid != getpid()) {
                ap_mpm_safe_kill(pid, SIGKILL);
            }
        }
        kill(getpid(), SIGHUP);
        break;
    }
    return DECLINED;
}

void tsr_store_register_hooks(apr_pool_t *p)
{
    ap_hook_check_config(check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_monitor(monitor, NULL, NULL, APR_HOOK_MIDDLE);
}
