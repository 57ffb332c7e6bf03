/* mod_tsci_registry_watch.c: Apache's parent watches its children for the
 * store.  Each child claims a slot in shared memory while it has a store
 * open, and keeps there the count of its store operations under way
 * (tsr_store_t.busy), which the log reports.  A child that ends without
 * releasing its slot died holding handles of the store: inside the
 * library it may have held one of Berkeley DB's region mutexes, and even
 * outside it left lockers and thread entries that only failchk cleans up,
 * which Berkeley DB 5.3 itself can crash on (t/store/durability.t saw
 * SIGSEGV in __lock_failchk and heap corruption in __lock_detect in new
 * children).  So every such death is handled the same way: the parent,
 * woken at once by the MPM's reaping (child_status), stops every child and
 * recovers the store before new children start, and new children never
 * attach to an environment a dead process held.  The monitor does the
 * same for a child that found the store broken (the recovery flag) and
 * for a death the MPM did not report.  No state of the store needs an
 * administrator. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include "apr_atomic.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_main.h"
#include "http_core.h"
#include "ap_mpm.h"
#include "mpm_common.h"
#include "scoreboard.h"
#include "mod_tsci_registry.h"

APLOG_USE_MODULE(tsci_registry);

#define SHM_KEY "tsci_registry_watch"

typedef struct slot_t {
    apr_uint32_t pid;           /* 0: free */
    apr_uint32_t busy;          /* store operations under way */
} slot_t;

typedef struct table_t {
    apr_uint32_t nslots;
    apr_uint32_t recoveries;    /* how many, for the log */
    slot_t slots[1];
} table_t;

/* Made once for the life of httpd, in anonymous shared memory, so that a
 * graceful restart keeps watching the children of older generations. */
static table_t *table;

/* This child's slot. */
static slot_t *mine;

/* How to recover the stores (mod_tsci_registry_store.c says). */
static const tsr_watch_stores_t *stores;

void tsr_watch_set_stores(const tsr_watch_stores_t *s)
{
    stores = s;
}

/* The MPM reaps children between one-second sleeps, and only a signal
 * with a handler cuts such a sleep short: with this one, a child's death
 * wakes the parent at once, so that a store left half updated is recovered
 * in milliseconds rather than up to a second later (meanwhile other
 * children would block on it, and new ones could attach to it). */
static void child_died(int sig)
{
    (void)sig;
}

static void wake_on_child_death(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = child_died;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NOCLDSTOP;     /* and no SA_RESTART: that is the point */
    sigaction(SIGCHLD, &sa, NULL);
}

static int watch_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *main)
{
    apr_pool_t *pproc = main->process->pool;
    apr_shm_t *shm;
    int daemons = 0;
    apr_size_t n;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    wake_on_child_death();
    table = NULL;
    apr_pool_userdata_get((void **)&table, SHM_KEY, pproc);
    if (table != NULL) {
        return OK;
    }
    /* Children of two generations at once, during a graceful restart. */
    ap_mpm_query(AP_MPMQ_HARD_LIMIT_DAEMONS, &daemons);
    n = (apr_size_t)(daemons > 0 ? daemons : 16) * 2 + 16;
    if (apr_shm_create(&shm, sizeof(table_t) + n * sizeof(slot_t), NULL,
                       pproc) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main,
                     "TSR00014: no shared memory to watch children with: a "
                     "child killed inside the store is noticed only when "
                     "another reports the store broken");
        return OK;
    }
    table = apr_shm_baseaddr_get(shm);
    memset(table, 0, sizeof(table_t) + n * sizeof(slot_t));
    table->nslots = (apr_uint32_t)n;
    apr_pool_userdata_set(table, SHM_KEY, apr_pool_cleanup_null, pproc);
    return OK;
}

static apr_status_t release(void *data)
{
    slot_t *s = data;

    apr_atomic_set32(&s->busy, 0);
    apr_atomic_set32(&s->pid, 0);
    mine = NULL;
    return APR_SUCCESS;
}

/* Closing the store is inside it too: count it (a pre-cleanup of the
 * pool the store lives in runs before the store is closed). */
static apr_status_t closing(void *data)
{
    apr_atomic_inc32(&((slot_t *)data)->busy);
    return APR_SUCCESS;
}

apr_uint32_t *tsr_watch_claim(apr_pool_t *pchild)
{
    apr_uint32_t pid = (apr_uint32_t)getpid(), i;

    if (table == NULL) {
        return NULL;
    }
    for (i = 0; i < table->nslots; i++) {
        if (apr_atomic_cas32(&table->slots[i].pid, pid, 0) == 0) {
            mine = &table->slots[i];
            apr_atomic_set32(&mine->busy, 0);
            /* Released after the stores are closed: registered first. */
            apr_pool_cleanup_register(pchild, mine, release,
                                      apr_pool_cleanup_null);
            return &mine->busy;
        }
    }
    return NULL;
}

/* 1 when pid is gone or a zombie: dead, whether or not reaped yet. */
static int dead(pid_t pid)
{
    char path[64], buf[256];
    const char *state;
    FILE *f;
    size_t n;

    if (kill(pid, 0) != 0) {
        return errno == ESRCH;
    }
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    if ((f = fopen(path, "r")) == NULL) {
        return 0;
    }
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* "pid (comm) S ...": the state follows the last ')'. */
    state = strrchr(buf, ')');
    return state && state[1] == ' ' && state[2] == 'Z';
}

/* The pid of a process that died holding a store and whose death the
 * parent has not handled yet, or 0. */
static pid_t died_inside(void)
{
    apr_uint32_t i;

    for (i = 0; table && i < table->nslots; i++) {
        slot_t *sl = &table->slots[i];
        pid_t pid = (pid_t)apr_atomic_read32(&sl->pid);

        if (sl != mine && pid > 0 && dead(pid)) {
            return pid;
        }
    }
    return 0;
}

void tsr_watch_wait_sound(server_rec *s)
{
    apr_time_t until = apr_time_now() + apr_time_from_sec(10);
    pid_t pid;

    /* Between a death and the parent's recovery (milliseconds: the MPM
     * reaps at once), the environment holds what the dead process left,
     * and attaching to it then can corrupt this process.  The recovery
     * stops this child too: it waits until then. */
    while ((pid = died_inside()) != 0 && apr_time_now() < until) {
        apr_sleep(apr_time_from_msec(20));
    }
    if (pid != 0) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "TSR00013: process %"
                     APR_PID_T_FMT " died holding the registry store and no "
                     "recovery came in 10 s: opening it anyway", pid);
    }
}

void tsr_watch_stores_open(apr_pool_t *pchild)
{
    if (mine) {
        apr_pool_pre_cleanup_register(pchild, mine, closing);
    }
}

/* The slot of pid, or NULL. */
static slot_t *slot_of(apr_uint32_t pid)
{
    apr_uint32_t i;

    for (i = 0; table && pid && i < table->nslots; i++) {
        if (apr_atomic_read32(&table->slots[i].pid) == pid) {
            return &table->slots[i];
        }
    }
    return NULL;
}

/* Once every child is gone, the MPM starts new ones from its maintenance,
 * which runs each time its one-second sleep ends: left alone, that is a
 * second with no child at all after a recovery, then one child, then two.
 * This thread ends the sleep a few times early (a signal with a handler
 * does, child_died's), and each maintenance spawns more than the last. */
static void *nudge(void *data)
{
    static const int after_ms[] = { 20, 60, 120, 240 };
    pthread_t main_thread = *(pthread_t *)data;
    apr_size_t i;

    free(data);
    for (i = 0; i < sizeof(after_ms) / sizeof(after_ms[0]); i++) {
        apr_sleep(apr_time_from_msec(after_ms[i]));
        pthread_kill(main_thread, SIGCHLD);
    }
    return NULL;
}

static void nudge_mpm(void)
{
    pthread_t *self = malloc(sizeof(*self)), t;
    pthread_attr_t attr;

    if (self == NULL) {
        return;
    }
    *self = pthread_self();
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, nudge, self) != 0) {
        free(self);
    }
    pthread_attr_destroy(&attr);
}

/* In the parent: stop every child, recover every store, and let the MPM
 * start new children (it does so from its own loop, after this returns:
 * no child can start meanwhile). */
static void recover(apr_pool_t *p, server_rec *main, const char *why)
{
    static apr_time_t failed_at;
    apr_time_t t0 = apr_time_now();
    apr_uint32_t i;
    int limit = 0, n;
    apr_status_t rv;

    /* A recovery that failed (a full disk, say) is tried again by the
     * monitor, not for every child that cannot open the store meanwhile. */
    if (failed_at && t0 - failed_at < apr_time_from_sec(5)) {
        return;
    }
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, main, "TSR00011: %s: "
                 "stopping every child and recovering the registry store",
                 why);
    ap_mpm_query(AP_MPMQ_HARD_LIMIT_DAEMONS, &limit);
    for (n = 0; n < limit; n++) {
        pid_t pid = ap_scoreboard_image->parent[n].pid;

        if (pid > 0 && pid != getpid()) {
            ap_mpm_safe_kill(pid, SIGKILL);
        }
    }
    for (i = 0; table && i < table->nslots; i++) {
        pid_t pid = (pid_t)apr_atomic_read32(&table->slots[i].pid);

        if (pid > 0 && pid != getpid()) {
            ap_mpm_safe_kill(pid, SIGKILL);
        }
    }
    rv = stores ? stores->recover_all(p, main) : APR_ENOTIMPL;
    /* The children that held slots are gone, whatever the MPM says of them
     * when it reaps them. */
    for (i = 0; table && i < table->nslots; i++) {
        apr_atomic_set32(&table->slots[i].busy, 0);
        apr_atomic_set32(&table->slots[i].pid, 0);
    }
    if (table) {
        apr_atomic_inc32(&table->recoveries);
    }
    failed_at = rv == APR_SUCCESS ? 0 : apr_time_now();
    ap_log_error(APLOG_MARK, rv == APR_SUCCESS ? APLOG_NOTICE : APLOG_ERR,
                 rv, main, "TSR00012: registry store %s in %" APR_TIME_T_FMT
                 " ms (recovery %u); new children start now",
                 rv == APR_SUCCESS ? "recovered" : "NOT recovered",
                 apr_time_as_msec(apr_time_now() - t0),
                 table ? apr_atomic_read32(&table->recoveries) : 0);
    nudge_mpm();
}

/* The MPM reaped a child.  One that exited cleanly released its slot; one
 * that still holds it died holding the store. */
static void child_status(server_rec *s, pid_t pid, ap_generation_t gen,
                         int slot, mpm_child_status status)
{
    slot_t *sl;
    apr_uint32_t busy;
    apr_pool_t *p;

    if (status != MPM_CHILD_EXITED || (sl = slot_of((apr_uint32_t)pid))
                                          == NULL) {
        return;
    }
    busy = apr_atomic_read32(&sl->busy);
    apr_atomic_set32(&sl->busy, 0);
    apr_atomic_set32(&sl->pid, 0);
    apr_pool_create(&p, s->process->pool);
    /* Outside any operation the dead child held no mutex: the store still
     * works, and a recovery that a full disk would break half way is not
     * worth it. */
    if (busy == 0 && stores && !stores->room_to_recover(p, s)) {
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, "TSR00016: child %"
                     APR_PID_T_FMT " died outside any store operation; "
                     "the data directory's file system is nearly full, so "
                     "the store is left as it is", pid);
        apr_pool_destroy(p);
        return;
    }
    recover(p, s, apr_psprintf(p, "child %" APR_PID_T_FMT " died holding "
                               "the registry store (%u operations under "
                               "way)", pid, busy));
    apr_pool_destroy(p);
}

/* About once a second in the parent: a child found the store broken, or
 * one died without the MPM saying so. */
static int monitor(apr_pool_t *p, server_rec *main)
{
    apr_uint32_t i;

    if (stores && stores->recovery_flagged(p, main)) {
        recover(p, main, "a child found the registry store broken");
        return DECLINED;
    }
    for (i = 0; table && i < table->nslots; i++) {
        slot_t *sl = &table->slots[i];
        pid_t pid = (pid_t)apr_atomic_read32(&sl->pid);

        if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) {
            apr_atomic_set32(&sl->busy, 0);
            apr_atomic_set32(&sl->pid, 0);
            recover(p, main, apr_psprintf(p, "process %" APR_PID_T_FMT
                                          " died holding the registry store",
                                          pid));
            break;
        }
    }
    return DECLINED;
}

void tsr_watch_register_hooks(apr_pool_t *p)
{
    ap_hook_post_config(watch_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_status(child_status, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_monitor(monitor, NULL, NULL, APR_HOOK_MIDDLE);
}
