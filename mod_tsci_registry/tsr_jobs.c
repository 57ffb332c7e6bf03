/* tsr_jobs: job records and their API form. */
#include <string.h>
#include <stdlib.h>
#include <apr_strings.h>
#include <apr_general.h>
#include "tsr_jobs.h"
#include "tsr_json.h"

const char *tsr_job_new_id(apr_pool_t *p)
{
    unsigned char b[16];
    char *s;

    if (apr_generate_random_bytes(b, sizeof(b)) != APR_SUCCESS) {
        return NULL;
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);   /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    s = apr_psprintf(p, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
                     "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
                     b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
                     b[12], b[13], b[14], b[15]);
    return s;
}

int tsr_job_id_valid(const char *id)
{
    int i;

    if (id == NULL || strlen(id) != TSR_JOB_ID_LEN) {
        return 0;
    }
    for (i = 0; i < TSR_JOB_ID_LEN; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;

        if (dash ? id[i] != '-'
                 : !((id[i] >= '0' && id[i] <= '9')
                     || (id[i] >= 'a' && id[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

static void set_time(json_object *o, const char *key, apr_time_t t)
{
    json_object_object_add(o, key, json_object_new_int64((int64_t)t));
}

static void set_opt_str(json_object *o, const char *key, const char *v)
{
    if (v != NULL) {
        tsr_json_set_str(o, key, v);
    }
}

const char *tsr_job_encode(apr_pool_t *p, const tsr_job_t *j,
                           apr_size_t *plen)
{
    json_object *o = tsr_json_own(p, json_object_new_object());

    tsr_json_set_str(o, "id", j->id);
    json_object_object_add(o, "state", json_object_new_int(j->state));
    set_time(o, "created", j->created);
    set_time(o, "started", j->started);
    set_time(o, "finished", j->finished);
    set_opt_str(o, "worker", j->worker);
    set_time(o, "lease", j->lease);
    json_object_object_add(o, "attempts", json_object_new_int(j->attempts));
    json_object_object_add(o, "cancel", json_object_new_boolean(j->cancel));
    set_opt_str(o, "display_name", j->display_name);
    set_opt_str(o, "subcircuit_id", j->subcircuit_id);
    set_opt_str(o, "provider", j->provider);
    set_time(o, "budget", j->budget);
    set_opt_str(o, "error", j->error);
    json_object_object_add(o, "cancelled",
                           json_object_new_boolean(j->cancelled));
    json_object_object_add(o, "timed_out",
                           json_object_new_boolean(j->timed_out));
    json_object_object_add(o, "nets_total",
                           json_object_new_int(j->nets_total));
    json_object_object_add(o, "nets_routed",
                           json_object_new_int(j->nets_routed));
    json_object_object_add(o, "vias", json_object_new_int(j->vias));
    json_object_object_add(o, "length_mm",
                           json_object_new_double(j->length_mm));
    set_time(o, "route_time", j->route_time);
    return tsr_json_serialize(p, o, plen);
}

static apr_int64_t get_i64(json_object *o, const char *key)
{
    json_object *v;

    return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v)
                                                 : 0;
}

static const char *get_str(apr_pool_t *p, json_object *o, const char *key)
{
    const char *s = tsr_json_str(o, key);

    return s ? apr_pstrdup(p, s) : NULL;
}

apr_status_t tsr_job_decode(tsr_job_t **pjob, apr_pool_t *p,
                            const char *rec, apr_size_t len)
{
    json_object *o = NULL, *v;
    tsr_error_t *err = NULL;
    tsr_job_t *j;

    if (tsr_json_parse(&o, p, rec, len, 4, &err) != APR_SUCCESS
        || !json_object_is_type(o, json_type_object)
        || !tsr_job_id_valid(tsr_json_str(o, "id"))) {
        return APR_EINVAL;
    }
    j = apr_pcalloc(p, sizeof(*j));
    j->id = get_str(p, o, "id");
    j->state = (int)get_i64(o, "state");
    j->created = (apr_time_t)get_i64(o, "created");
    j->started = (apr_time_t)get_i64(o, "started");
    j->finished = (apr_time_t)get_i64(o, "finished");
    j->worker = get_str(p, o, "worker");
    j->lease = (apr_time_t)get_i64(o, "lease");
    j->attempts = (int)get_i64(o, "attempts");
    j->cancel = (int)get_i64(o, "cancel");
    j->display_name = get_str(p, o, "display_name");
    j->subcircuit_id = get_str(p, o, "subcircuit_id");
    j->provider = get_str(p, o, "provider");
    j->budget = (apr_interval_time_t)get_i64(o, "budget");
    j->error = get_str(p, o, "error");
    j->cancelled = (int)get_i64(o, "cancelled");
    j->timed_out = (int)get_i64(o, "timed_out");
    j->nets_total = (int)get_i64(o, "nets_total");
    j->nets_routed = (int)get_i64(o, "nets_routed");
    j->vias = (int)get_i64(o, "vias");
    j->length_mm = json_object_object_get_ex(o, "length_mm", &v)
                       ? json_object_get_double(v) : 0;
    j->route_time = (apr_interval_time_t)get_i64(o, "route_time");
    if (j->state < TSR_JOB_QUEUED || j->state > TSR_JOB_FINISHED) {
        return APR_EINVAL;
    }
    *pjob = j;
    return APR_SUCCESS;
}

int tsr_job_worker_slot(const char *worker)
{
    const char *slash = worker ? strchr(worker, '/') : NULL;
    char *end;
    long n;

    if (slash == NULL || slash[1] == '\0') {
        return -1;
    }
    n = strtol(slash + 1, &end, 10);
    return *end == '\0' && n >= 0 && n < 100000 ? (int)n : -1;
}

static void api_time(apr_pool_t *p, json_object *o, const char *key,
                     apr_time_t t)
{
    json_object_object_add(o, key, t ? json_object_new_string(
                                           tsr_json_time(p, t))
                                     : NULL);
}

json_object *tsr_job_api(apr_pool_t *p, const tsr_job_t *j)
{
    json_object *o = json_object_new_object(), *e = NULL;
    int finished = j->state == TSR_JOB_FINISHED;

    tsr_json_set_str(o, "autorouting_job_id", j->id);
    /* A job taken up again after its worker died has been started all
     * along, as far as the client can tell. */
    json_object_object_add(o, "is_started",
                           json_object_new_boolean(j->started != 0));
    json_object_object_add(o, "is_running", json_object_new_boolean(
                                                j->state == TSR_JOB_RUNNING));
    json_object_object_add(o, "is_finished",
                           json_object_new_boolean(finished));
    json_object_object_add(o, "has_error",
                           json_object_new_boolean(j->error != NULL));
    if (j->error != NULL) {
        e = json_object_new_object();
        tsr_json_set_str(e, "message", j->error);
    }
    json_object_object_add(o, "error", e);
    /* The router is this registry's own: tscircuit names it so. */
    tsr_json_set_str(o, "autorouting_provider", "tscircuit");
    api_time(p, o, "created_at", j->created);
    api_time(p, o, "started_at", j->started);
    api_time(p, o, "finished_at", j->finished);
    json_object_object_add(o, "display_name", j->display_name
                               ? json_object_new_string(j->display_name)
                               : NULL);
    json_object_object_add(o, "subcircuit_id", j->subcircuit_id
                               ? json_object_new_string(j->subcircuit_id)
                               : NULL);
    json_object_object_add(o, "is_cancelled",
                           json_object_new_boolean(j->cancelled
                                                   || j->cancel));
    if (finished) {
        json_object_object_add(o, "is_timed_out",
                               json_object_new_boolean(j->timed_out));
        json_object_object_add(o, "nets_total",
                               json_object_new_int(j->nets_total));
        json_object_object_add(o, "nets_routed",
                               json_object_new_int(j->nets_routed));
        json_object_object_add(o, "via_count", json_object_new_int(j->vias));
        json_object_object_add(o, "trace_length_mm",
                               json_object_new_double(j->length_mm));
        json_object_object_add(o, "route_time_ms", json_object_new_double(
                                   (double)j->route_time / 1000.0));
    }
    return o;
}
