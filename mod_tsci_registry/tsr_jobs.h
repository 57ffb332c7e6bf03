/* tsr_jobs: an autorouting job as the registry keeps it: its state in the
 * queue (queued, running under a worker's lease, finished), its times,
 * what the client asked and what routing found; its record form in the
 * store, and the autorouting_job object tscircuit's client reads.  Pure:
 * no I/O, no httpd. */
#ifndef TSR_JOBS_H
#define TSR_JOBS_H

#include <apr_pools.h>
#include <apr_time.h>
#include <json-c/json.h>
#include "tsr_error.h"

typedef enum {
    TSR_JOB_QUEUED = 0,
    TSR_JOB_RUNNING = 1,
    TSR_JOB_FINISHED = 2
} tsr_job_state_e;

/* Job ids are UUIDs (tscircuit's are): 36 characters. */
#define TSR_JOB_ID_LEN 36

typedef struct tsr_job_t {
    const char *id;
    int state;                  /* tsr_job_state_e */
    apr_time_t created, started, finished;  /* 0: not yet */
    /* Running: the worker holding the job ("<pid>/<slot>") and until
     * when; past it, or once the slot's holder is known dead, another
     * worker takes the job up again. */
    const char *worker;
    apr_time_t lease;
    int attempts;               /* times a worker took it up */
    int cancel;                 /* a cancel was asked */
    /* What the client asked. */
    const char *display_name;   /* NULL: none */
    const char *subcircuit_id;  /* NULL: every net */
    const char *provider;       /* what the client named ("freerouting") */
    apr_interval_time_t budget; /* routing time allowed */
    /* The outcome, once finished. */
    const char *error;          /* has_error: the message; NULL: none */
    int cancelled, timed_out;
    int nets_total, nets_routed, vias;
    double length_mm;
    apr_interval_time_t route_time;
} tsr_job_t;

/* A new UUID (version 4) in p, from APR's random source; NULL when the
 * source fails. */
const char *tsr_job_new_id(apr_pool_t *p);

/* 1 when id has the form of a job id (so it can be a key as it is). */
int tsr_job_id_valid(const char *id);

/* The record form of job (JSON text in p, *plen its length). */
const char *tsr_job_encode(apr_pool_t *p, const tsr_job_t *job,
                           apr_size_t *plen);

/* A job from its record (strings in p); APR_EINVAL when it is not one. */
apr_status_t tsr_job_decode(tsr_job_t **pjob, apr_pool_t *p,
                            const char *rec, apr_size_t len);

/* The slot of a worker name "<pid>/<slot>", or -1. */
int tsr_job_worker_slot(const char *worker);

/* tscircuit's autorouting_job object for job (a new reference). */
json_object *tsr_job_api(apr_pool_t *p, const tsr_job_t *job);

#endif
