/* mod_tsci_registry_jobs_worker.c: the threads that route autorouting
 * jobs.  Request threads only queue jobs and read them; routing happens
 * here, in threads each child starts beside its request threads.
 *
 * TsciRegistryRouteWorkers N caps the jobs routed at once by the whole
 * server, whatever its MPM and number of children: a thread routes only
 * while it holds one of N slot files (flock), so a child's threads beyond
 * the free slots wait, and a killed child's slots come free with it.
 * Whoever takes a slot next also takes up at once the job its holder was
 * routing (tsr_store's job_claim); a worker that stops hanging is caught
 * by its lease instead.  A child that stops (graceful restart, idle
 * reaping) cancels its routing and puts its job back in the queue. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <unistd.h>
#include "apr_strings.h"
#include "apr_thread_proc.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "mod_tsci_registry.h"
#include "tsr_autoroute.h"
#include "tsr_jobs.h"
#include "tsr_json.h"

APLOG_USE_MODULE(tsci_registry);

/* How often an idle worker looks for a job, and a worker without a slot
 * for a free slot. */
#define POLL_IDLE apr_time_from_msec(50)
#define POLL_SLOT apr_time_from_sec(1)
/* A job's lease: its budget and this much more for reading the input,
 * building the output and writing it. */
#define LEASE_GRACE apr_time_from_sec(30)
/* How often a routing worker checks whether its job was cancelled. */
#define CANCEL_CHECK apr_time_from_msec(100)
/* The slot files' directory, in the data directory. */
#define SLOT_DIR "run"
/* Finished jobs are removed this many at a time. */
#define SWEEP_BATCH 100

typedef struct worker_t {
    server_rec *s;
    const tsr_server_conf_t *sc;
    /* The process's handle, and what this round works on: the handle
     * itself, or, for a store that needs a connection (dbd), a session
     * on one taken from mod_dbd's pool for the round. */
    tsr_store_t *proc;
    tsr_store_t *store;
    const char *datadir;
    int nslots;
    int index;                  /* which of this child's threads */
    int slot;                   /* the slot held, or -1 */
    int lockfd;
    const char *name;           /* "<pid>/<slot>" while holding one */
    apr_thread_t *thread;
    volatile int stop;          /* the child is going */
    volatile int cancel;        /* the router's stop flag */
    /* While routing: the job, and when its cancel was last checked. */
    const char *job_id;
    apr_time_t checked;
    apr_pool_t *check_pool;
} worker_t;

void tsr_jobs_route_opts(const tsr_server_conf_t *sc,
                         tsr_autoroute_opts_t *opts)
{
    tsr_autoroute_opts_init(opts);
    opts->time_budget = apr_time_from_msec(
        TSR_ROUTE_CONF(sc, route_budget_ms, TSR_DEFAULT_ROUTE_BUDGET_MS));
    if (sc->route_max_elements > 0) {
        opts->max_elements = (apr_size_t)sc->route_max_elements;
    }
    if (sc->route_max_board_mm > 0) {
        opts->max_board_mm = (double)sc->route_max_board_mm;
    }
}

/* Sleep up to d, waking early when the child stops. */
static void nap(worker_t *w, apr_interval_time_t d)
{
    apr_interval_time_t step = apr_time_from_msec(10);

    while (d > 0 && !w->stop) {
        apr_sleep(d < step ? d : step);
        d -= step;
    }
}

/* Take a free slot: 1 when one is held now. */
static int take_slot(worker_t *w, apr_pool_t *p)
{
    int k;

    /* A directory of their own: tmp/ is for publishes being written, and
     * whatever is left there is a publish that did not finish. */
    const char *dir = apr_pstrcat(p, w->datadir, "/" SLOT_DIR, NULL);

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        ap_log_error(APLOG_MARK, APLOG_ERR, APR_FROM_OS_ERROR(errno), w->s,
                     "TSR00165: cannot make %s: no autorouting in this "
                     "process", dir);
        w->stop = 1;
        return 0;
    }
    for (k = 0; k < w->nslots; k++) {
        int i = (k + w->index) % w->nslots;
        const char *path = apr_psprintf(p, "%s/route-slot-%d.lock", dir, i);
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

        if (fd < 0) {
            ap_log_error(APLOG_MARK, APLOG_ERR, APR_FROM_OS_ERROR(errno),
                         w->s, "TSR00160: cannot open %s: no autorouting "
                         "in this process", path);
            w->stop = 1;
            return 0;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            w->lockfd = fd;
            w->slot = i;
            w->name = apr_psprintf(p, "%ld/%d", (long)getpid(), i);
            return 1;
        }
        close(fd);
    }
    return 0;
}

static void on_progress(void *baton, int routed, int total, int failed)
{
    worker_t *w = baton;
    apr_time_t now = apr_time_now();
    tsr_job_t *job;

    if (w->stop) {
        w->cancel = 1;
        return;
    }
    if (now - w->checked < CANCEL_CHECK) {
        return;
    }
    w->checked = now;
    apr_pool_clear(w->check_pool);
    if (tsr_store_job_get(w->store, w->check_pool, w->job_id, &job)
            == APR_SUCCESS
        && (job->cancel || job->state != TSR_JOB_RUNNING
            || job->worker == NULL || strcmp(job->worker, w->name) != 0)) {
        /* cancelled, or no longer this worker's: stop routing it */
        w->cancel = 1;
    }
}

/* What a worker writes when it is done with a job. */
typedef struct outcome_t {
    const char *worker;
    int requeue;                /* the child stops: back to the queue */
    tsr_autoroute_result_t *res;
    const char *error;
    apr_time_t now;
} outcome_t;

static apr_status_t write_outcome(void *baton, tsr_job_t *job)
{
    outcome_t *o = baton;

    if (job->state != TSR_JOB_RUNNING || job->worker == NULL
        || strcmp(job->worker, o->worker) != 0) {
        return TSR_EEXISTS;         /* taken over meanwhile: not ours */
    }
    if (o->requeue && !job->cancel) {
        job->state = TSR_JOB_QUEUED;
        job->worker = NULL;
        job->lease = 0;
        return APR_SUCCESS;
    }
    job->state = TSR_JOB_FINISHED;
    job->finished = o->now;
    job->worker = NULL;
    job->lease = 0;
    job->error = o->error;
    if (o->res != NULL) {
        job->cancelled = o->res->cancelled && job->cancel;
        job->timed_out = o->res->timed_out;
        job->nets_total = o->res->nets_total;
        job->nets_routed = o->res->nets_routed;
        job->vias = o->res->via_count;
        job->length_mm = o->res->length_mm;
        job->route_time = o->res->t_total;
    }
    else {
        job->cancelled = job->cancel;
    }
    return APR_SUCCESS;
}

static void route(worker_t *w, apr_pool_t *p, tsr_job_t *job,
                  const char *input, apr_size_t len)
{
    tsr_autoroute_opts_t opts;
    tsr_autoroute_result_t *res = NULL;
    json_object *circuit = NULL;
    tsr_error_t *err = NULL;
    outcome_t o;
    const char *out = NULL;
    apr_size_t outlen = 0;
    apr_status_t rv;

    tsr_jobs_route_opts(w->sc, &opts);
    opts.time_budget = job->budget > 0 ? job->budget : opts.time_budget;
    opts.subcircuit_id = job->subcircuit_id;
    opts.cancel = &w->cancel;
    opts.progress = on_progress;
    opts.progress_baton = w;
    w->cancel = job->cancel;
    w->job_id = job->id;
    w->checked = apr_time_now();
    rv = tsr_json_parse(&circuit, p, input, len, TSR_JSON_MAX_DEPTH, &err);
    if (rv == APR_SUCCESS) {
        rv = tsr_autoroute_run(&res, p, circuit, &opts, &err);
    }
    memset(&o, 0, sizeof(o));
    o.worker = w->name;
    o.now = apr_time_now();
    o.requeue = w->stop;
    if (rv == APR_SUCCESS) {
        o.res = res;
        out = tsr_json_serialize(p, res->traces, &outlen);
    }
    else {
        /* Checked when it was queued: only a store or memory failure,
         * or a board the router finds wrong later, gets here. */
        o.error = err && err->message ? err->message
                                      : "the board could not be routed";
        out = "[]";
        outlen = 2;
    }
    rv = tsr_store_job_update(w->store, p, job->id, write_outcome, &o,
                              o.requeue ? NULL : out, outlen);
    if (rv != APR_SUCCESS && rv != TSR_EEXISTS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, w->s, "TSR00161: cannot "
                     "write the outcome of autorouting job %s", job->id);
    }
    else if (rv == APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, w->s, "TSR00162: "
                     "autorouting job %s %s by %s: %d of %d nets, %"
                     APR_TIME_T_FMT " us", job->id,
                     o.requeue ? "put back" : "routed", w->name,
                     res ? res->nets_routed : 0, res ? res->nets_total : 0,
                     res ? res->t_total : 0);
    }
    w->job_id = NULL;
}

static void *APR_THREAD_FUNC work(apr_thread_t *t, void *data)
{
    worker_t *w = data;
    apr_interval_time_t budget = apr_time_from_msec(
        TSR_ROUTE_CONF(w->sc, route_budget_ms, TSR_DEFAULT_ROUTE_BUDGET_MS));
    apr_interval_time_t keep = apr_time_from_sec(
        TSR_ROUTE_CONF(w->sc, route_retention_s,
                       TSR_DEFAULT_ROUTE_RETENTION_S));
    /* A sweep at least once a minute, and often enough that a job is not
     * kept much past its time. */
    apr_interval_time_t sweep_every = keep / 2 < apr_time_from_sec(60)
                                          ? keep / 2 : apr_time_from_sec(60);
    apr_uint64_t kept = (apr_uint64_t)TSR_ROUTE_CONF(
        w->sc, route_max_kept, TSR_DEFAULT_ROUTE_MAX_KEPT);
    apr_time_t next_sweep = 0;
    apr_pool_t *p, *slotp;

    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS
        || apr_pool_create_unmanaged_ex(&slotp, NULL, NULL) != APR_SUCCESS
        || apr_pool_create_unmanaged_ex(&w->check_pool, NULL, NULL)
               != APR_SUCCESS) {
        return NULL;
    }
    while (!w->stop) {
        tsr_job_t *job;
        const char *input;
        apr_size_t len;
        apr_time_t now;
        apr_status_t rv;

        if (w->slot < 0 && !take_slot(w, slotp)) {
            nap(w, POLL_SLOT);
            continue;
        }
        apr_pool_clear(p);
        if ((w->store = tsr_background_store(w->s, w->proc, p)) == NULL) {
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, w->s, "TSR00210: no "
                         "database connection for an autorouting worker "
                         "(see mod_dbd's messages)");
            nap(w, POLL_SLOT);
            continue;
        }
        now = apr_time_now();
        if (now >= next_sweep) {
            int n = 0;

            next_sweep = now + sweep_every;
            if (tsr_store_job_sweep(w->store, p, now - keep, kept,
                                    SWEEP_BATCH, &n) == APR_SUCCESS
                && n == SWEEP_BATCH) {
                next_sweep = now;   /* more to remove: go on soon */
            }
        }
        rv = tsr_store_job_claim(w->store, p, w->name, now,
                                 now + budget + LEASE_GRACE, &job, &input,
                                 &len);
        if (rv == TSR_ENOTFOUND) {
            nap(w, POLL_IDLE);
            continue;
        }
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, w->s, "TSR00163: cannot "
                         "take an autorouting job from the queue");
            nap(w, POLL_SLOT);
            continue;
        }
        route(w, p, job, input, len);
        /* A job more, one kept too many perhaps: the oldest goes now,
         * not at the next round, so the cap holds however fast jobs
         * come. */
        tsr_store_job_sweep(w->store, p, 0, kept, SWEEP_BATCH, NULL);
    }
    if (w->lockfd >= 0) {
        close(w->lockfd);
    }
    apr_pool_destroy(w->check_pool);
    apr_pool_destroy(slotp);
    apr_pool_destroy(p);
    return NULL;
}

/* The child is going: stop routing and wait for every worker (each puts
 * its job back in the queue). */
static apr_status_t stop_workers(void *data)
{
    apr_array_header_t *workers = data;
    apr_status_t ignored;
    int i;

    for (i = 0; i < workers->nelts; i++) {
        worker_t *w = APR_ARRAY_IDX(workers, i, worker_t *);

        w->stop = 1;
        w->cancel = 1;
    }
    for (i = 0; i < workers->nelts; i++) {
        worker_t *w = APR_ARRAY_IDX(workers, i, worker_t *);

        apr_thread_join(&ignored, w->thread);
    }
    return APR_SUCCESS;
}

static void child_init(apr_pool_t *pchild, server_rec *main)
{
    apr_array_header_t *workers = apr_array_make(pchild, 4,
                                                 sizeof(worker_t *));
    apr_hash_t *seen = apr_hash_make(pchild);
    server_rec *s;

    for (s = main; s; s = s->next) {
        tsr_server_conf_t *sc = ap_get_module_config(s->module_config,
                                                     &tsci_registry_module);
        int n, i;

        if (!sc->jobs_somewhere || sc->store == NULL || sc->datadir == NULL
            || apr_hash_get(seen, sc->datadir, APR_HASH_KEY_STRING)) {
            continue;
        }
        apr_hash_set(seen, sc->datadir, APR_HASH_KEY_STRING, sc);
        n = (int)TSR_ROUTE_CONF(sc, route_workers,
                                TSR_DEFAULT_ROUTE_WORKERS);
        for (i = 0; i < n; i++) {
            worker_t *w = apr_pcalloc(pchild, sizeof(*w));
            apr_status_t rv;

            w->s = s;
            w->sc = sc;
            w->proc = sc->store;
            w->store = sc->store;
            w->datadir = sc->datadir;
            w->nslots = n;
            w->index = i;
            w->slot = -1;
            w->lockfd = -1;
            rv = apr_thread_create(&w->thread, NULL, work, w, pchild);
            if (rv != APR_SUCCESS) {
                ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, "TSR00164: cannot "
                             "start an autorouting worker thread");
                break;
            }
            APR_ARRAY_PUSH(workers, worker_t *) = w;
        }
    }
    /* Before the child pool's subpools go: mod_dbd's pool of
     * connections is one, and a worker gives its connection back when
     * it stops. */
    if (workers->nelts > 0) {
        apr_pool_pre_cleanup_register(pchild, workers, stop_workers);
    }
}

void tsr_jobs_register_hooks(apr_pool_t *p)
{
    /* After the store's child_init, which opens sc->store. */
    ap_hook_child_init(child_init, NULL, NULL, APR_HOOK_LAST);
}
