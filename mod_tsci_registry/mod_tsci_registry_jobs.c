/* mod_tsci_registry_jobs.c: the autorouting jobs API (TsciRegistry jobs),
 * as tscircuit's client uses it: create a job with an unrouted board,
 * poll it, read its traces; cancel; and the older synchronous solve.
 * Request threads only check and queue boards and read jobs: routing is
 * the workers' (mod_tsci_registry_jobs_worker.c). */
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "mod_tsci_registry.h"
#include "tsr_autoroute.h"
#include "tsr_jobs.h"
#include "tsr_json.h"
#include "tsr_rpc.h"

APLOG_USE_MODULE(tsci_registry);

/* solve waits this long past the budget for a worker to finish. */
#define SOLVE_GRACE apr_time_from_sec(30)
#define SOLVE_POLL apr_time_from_msec(10)

static const tsr_server_conf_t *server_conf(tsr_req_t *q)
{
    return ap_get_module_config(q->r->server->module_config,
                                &tsci_registry_module);
}

static int refuse(tsr_req_t *q, int status, const char *code,
                  const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int refuse(tsr_req_t *q, int status, const char *code,
                  const char *fmt, ...)
{
    tsr_error_t err;
    va_list ap;

    va_start(ap, fmt);
    err.message = apr_pvsprintf(q->r->pool, fmt, ap);
    va_end(ap);
    err.http_status = status;
    err.code = code;
    err.cause = APR_SUCCESS;
    return tsr_rpc_refuse(q, &err);
}

static int store_failed(tsr_req_t *q, apr_status_t rv)
{
    if (rv == TSR_EBROKEN || rv == APR_TIMEUP) {
        apr_table_setn(q->r->err_headers_out, "Retry-After", "1");
    }
    return refuse(q, HTTP_SERVICE_UNAVAILABLE, "store_unavailable",
                  "the registry store is unavailable, try again");
}

/* The params of a request that names a job, and the job. */
static int job_of(tsr_req_t *q, json_object **pparams, tsr_job_t **pjob)
{
    const char *id;
    tsr_error_t *err = NULL;
    apr_status_t rv;
    int rc;

    if ((rc = tsr_rpc_params(q, 64 * 1024, pparams)) != OK) {
        return rc;
    }
    if (tsr_rpc_need_str(*pparams, "autorouting_job_id", &id, q->r->pool,
                         &err) != APR_SUCCESS) {
        return tsr_rpc_refuse(q, err);
    }
    rv = tsr_store_job_get(q->store, q->r->pool, id, pjob);
    if (rv == TSR_ENOTFOUND) {
        return refuse(q, HTTP_NOT_FOUND, "autorouting_job_not_found",
                      "no autorouting job %s (finished jobs are kept only "
                      "for a while)", id);
    }
    return rv == APR_SUCCESS ? OK : store_failed(q, rv);
}

/* Check and queue the board of a create or solve: OK with *pjob, or the
 * refusal is sent. */
static int enqueue(tsr_req_t *q, tsr_job_t **pjob)
{
    const tsr_server_conf_t *sc = server_conf(q);
    apr_pool_t *p = q->r->pool;
    json_object *params, *circuit;
    tsr_autoroute_opts_t opts;
    tsr_error_t *err = NULL;
    const char *text, *s;
    apr_size_t len;
    tsr_job_t *job;
    apr_status_t rv;
    int rc;

    rc = tsr_rpc_params(q, TSR_ROUTE_CONF(sc, route_max_input,
                                          TSR_DEFAULT_ROUTE_MAX_INPUT),
                        &params);
    if (rc != OK) {
        return rc;
    }
    circuit = NULL;
    json_object_object_get_ex(params, "input_circuit_json", &circuit);
    if (circuit == NULL) {
        return refuse(q, HTTP_BAD_REQUEST, TSR_RPC_INVALID, "%s",
                      json_object_object_get_ex(params,
                                                "input_simple_route_json",
                                                NULL)
                          ? "input_simple_route_json is not taken here: "
                            "send the board as input_circuit_json"
                          : "input_circuit_json (the board's unrouted "
                            "Circuit JSON) is required");
    }
    if (!json_object_is_type(circuit, json_type_array)) {
        return refuse(q, HTTP_BAD_REQUEST, TSR_RPC_INVALID,
                      "input_circuit_json must be an array of Circuit "
                      "JSON elements");
    }
    job = apr_pcalloc(p, sizeof(*job));
    if (tsr_rpc_str(params, "subcircuit_id", &job->subcircuit_id, p, &err)
            != APR_SUCCESS
        || tsr_rpc_str(params, "display_name", &job->display_name, p, &err)
               != APR_SUCCESS
        || tsr_rpc_str(params, "provider", &s, p, &err) != APR_SUCCESS) {
        return tsr_rpc_refuse(q, err);
    }
    job->provider = s;
    /* What the worker would refuse is refused now, with the reason,
     * rather than queued to fail. */
    tsr_jobs_route_opts(sc, &opts);
    opts.subcircuit_id = job->subcircuit_id;
    if (tsr_autoroute_check(p, circuit, &opts, NULL, &err) != APR_SUCCESS) {
        return tsr_rpc_refuse(q, err);
    }
    if ((job->id = tsr_job_new_id(p)) == NULL) {
        return refuse(q, HTTP_INTERNAL_SERVER_ERROR, "internal_error",
                      "no random bytes for a job id");
    }
    job->state = TSR_JOB_QUEUED;
    job->created = apr_time_now();
    job->budget = opts.time_budget;
    text = tsr_json_serialize(p, circuit, &len);
    rv = tsr_store_job_create(q->store, p, job, text, len,
                              (apr_size_t)TSR_ROUTE_CONF(
                                  sc, route_max_queued,
                                  TSR_DEFAULT_ROUTE_MAX_QUEUED));
    if (rv == TSR_EFULL) {
        apr_table_setn(q->r->err_headers_out, "Retry-After", "5");
        return refuse(q, HTTP_SERVICE_UNAVAILABLE, "too_many_jobs",
                      "too many autorouting jobs are waiting; try again "
                      "in a few seconds");
    }
    if (rv != APR_SUCCESS) {
        return store_failed(q, rv);
    }
    *pjob = job;
    return OK;
}

/* POST autorouting/jobs/create */
static int jobs_create(tsr_req_t *q)
{
    tsr_job_t *job;
    int rc;

    if ((rc = enqueue(q, &job)) != OK) {
        return rc;
    }
    return tsr_rpc_ok(q, HTTP_OK, "autorouting_job",
                      tsr_job_api(q->r->pool, job));
}

/* GET|POST autorouting/jobs/get */
static int jobs_get(tsr_req_t *q)
{
    json_object *params;
    tsr_job_t *job;
    int rc;

    if ((rc = job_of(q, &params, &job)) != OK) {
        return rc;
    }
    apr_table_setn(q->r->headers_out, "Cache-Control", "no-store");
    return tsr_rpc_ok(q, HTTP_OK, "autorouting_job",
                      tsr_job_api(q->r->pool, job));
}

/* {"ok":true,"<wrap>":{"output_pcb_traces":<traces>}} from the stored
 * traces text, without parsing it again. */
static int send_output(tsr_req_t *q, const char *wrap, const char *traces,
                       apr_size_t len)
{
    const char *head = apr_pstrcat(q->r->pool, "{\"ok\":true,\"", wrap,
                                   "\":{\"output_pcb_traces\":", NULL);
    apr_size_t hlen = strlen(head);
    char *body = apr_palloc(q->r->pool, hlen + len + 3);

    memcpy(body, head, hlen);
    memcpy(body + hlen, traces, len);
    memcpy(body + hlen + len, "}}", 3);
    return tsr_io_send_text(q->r, HTTP_OK, "application/json", body,
                            hlen + len + 2);
}

/* GET|POST autorouting/jobs/get_output */
static int jobs_get_output(tsr_req_t *q)
{
    json_object *params;
    const char *out;
    apr_size_t len;
    tsr_job_t *job;
    apr_status_t rv;
    int rc;

    if ((rc = job_of(q, &params, &job)) != OK) {
        return rc;
    }
    if (job->state != TSR_JOB_FINISHED) {
        return refuse(q, HTTP_CONFLICT, "autorouting_job_not_finished",
                      "autorouting job %s has not finished: poll "
                      "autorouting/jobs/get until is_finished", job->id);
    }
    rv = tsr_store_job_output(q->store, q->r->pool, job->id, &out, &len);
    if (rv == TSR_ENOTFOUND) {
        out = "[]";
        len = 2;
    }
    else if (rv != APR_SUCCESS) {
        return store_failed(q, rv);
    }
    return send_output(q, "autorouting_job_output", out, len);
}

static apr_status_t ask_cancel(void *baton, tsr_job_t *job)
{
    apr_time_t *now = baton;

    if (job->state == TSR_JOB_FINISHED) {
        return TSR_EEXISTS;         /* nothing to cancel */
    }
    job->cancel = 1;
    if (job->state == TSR_JOB_QUEUED) {
        /* never started: finished at once, with nothing routed */
        job->state = TSR_JOB_FINISHED;
        job->cancelled = 1;
        job->finished = *now;
    }
    return APR_SUCCESS;
}

/* POST autorouting/jobs/cancel: a queued job finishes at once; a running
 * one stops within a tenth of a second with the nets routed by then. */
static int jobs_cancel(tsr_req_t *q)
{
    json_object *params;
    tsr_job_t *job;
    apr_time_t now = apr_time_now();
    apr_status_t rv;
    int rc;

    if ((rc = job_of(q, &params, &job)) != OK) {
        return rc;
    }
    rv = tsr_store_job_update(q->store, q->r->pool, job->id, ask_cancel,
                              &now, job->state == TSR_JOB_QUEUED ? "[]"
                                                                 : NULL, 2);
    if (rv != APR_SUCCESS && rv != TSR_EEXISTS) {
        return store_failed(q, rv);
    }
    if (tsr_store_job_get(q->store, q->r->pool, job->id, &job)
        != APR_SUCCESS) {
        return store_failed(q, APR_EGENERAL);
    }
    return tsr_rpc_ok(q, HTTP_OK, "autorouting_job",
                      tsr_job_api(q->r->pool, job));
}

/* POST autorouting/solve: the older synchronous form.  The board is
 * queued like any job and this request waits for a worker to route it,
 * so request threads still never route. */
static int jobs_solve(tsr_req_t *q)
{
    apr_time_t until;
    const char *out;
    apr_size_t len;
    tsr_job_t *job;
    apr_status_t rv;
    int rc;

    if ((rc = enqueue(q, &job)) != OK) {
        return rc;
    }
    until = apr_time_now() + job->budget + SOLVE_GRACE;
    for (;;) {
        rv = tsr_store_job_get(q->store, q->r->pool, job->id, &job);
        if (rv != APR_SUCCESS) {
            return store_failed(q, rv);
        }
        if (job->state == TSR_JOB_FINISHED) {
            break;
        }
        if (apr_time_now() > until || q->r->connection->aborted) {
            apr_table_setn(q->r->err_headers_out, "Retry-After", "5");
            return refuse(q, HTTP_SERVICE_UNAVAILABLE, "autorouting_busy",
                          "no autorouting worker finished the board in "
                          "time (job %s goes on)", job->id);
        }
        apr_sleep(SOLVE_POLL);
    }
    if (job->error != NULL) {
        return refuse(q, HTTP_BAD_REQUEST, "autorouting_failed", "%s",
                      job->error);
    }
    rv = tsr_store_job_output(q->store, q->r->pool, job->id, &out, &len);
    if (rv != APR_SUCCESS) {
        return store_failed(q, rv);
    }
    return send_output(q, "autorouting_result", out, len);
}

static tsr_op_fn *const jobs_ops[TSR_JOBS_OP_COUNT] = {
    [TSR_JOBS_CREATE] = jobs_create,
    [TSR_JOBS_GET] = jobs_get,
    [TSR_JOBS_GET_OUTPUT] = jobs_get_output,
    [TSR_JOBS_CANCEL] = jobs_cancel,
    [TSR_JOBS_SOLVE] = jobs_solve,
    [TSR_JOBS_HEALTH] = tsr_rpc_health,
};

const tsr_api_ops_t tsr_jobs_ops = {
    TSR_API_JOBS, TSR_JOBS_OP_COUNT, jobs_ops
};
