/* mod_tsci_registry_watch.c: Apache's parent watches its children for the
 * store.  Each child claims a slot in shared memory and keeps there the
 * count of its store operations under way (tsr_store_t.busy).  When a
 * child dies while that count is not zero, it may have died holding one
 * of Berkeley DB's region mutexes, and every process that touches the
 * environment after it would wait for ever: the parent, told at once by
 * the MPM (child_status), stops every child and recovers the store before
 * the MPM starts new ones.  A child that dies outside the store held
 * nothing of it, and nothing is done.  The monitor does the same for a
 * child that found the store broken (the recovery flag) and for a death
 * the MPM did not report.  No state of the store needs an administrator. */
#include <errno.h>
#include <signal.h>
#include <string.h>
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

/* In the parent: stop every child, recover every store, and let the MPM
 * start new children (it does so from its own loop, after this returns:
 * no child can start meanwhile). */
static void recover(apr_pool_t *p, server_rec *main, const char *why)
{
    apr_time_t t0 = apr_time_now();
    apr_uint32_t i;
    int limit = 0, n;
    apr_status_t rv;

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
    ap_log_error(APLOG_MARK, rv == APR_SUCCESS ? APLOG_NOTICE : APLOG_ERR,
                 rv, main, "TSR00012: registry store %s in %" APR_TIME_T_FMT
                 " ms (recovery %u); new children start now",
                 rv == APR_SUCCESS ? "recovered" : "NOT recovered",
                 apr_time_as_msec(apr_time_now() - t0),
                 table ? apr_atomic_read32(&table->recoveries) : 0);
}

/* The MPM reaped a child.  One that exited cleanly released its slot; one
 * that still holds it died, and the count says where. */
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
    if (busy == 0) {
        return;
    }
    apr_pool_create(&p, s->process->pool);
    recover(p, s, apr_psprintf(p, "child %" APR_PID_T_FMT " died inside "
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
            apr_uint32_t busy = apr_atomic_read32(&sl->busy);

            apr_atomic_set32(&sl->busy, 0);
            apr_atomic_set32(&sl->pid, 0);
            if (busy) {
                recover(p, main, apr_psprintf(p, "process %" APR_PID_T_FMT
                                              " died inside the registry "
                                              "store", pid));
                break;
            }
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
