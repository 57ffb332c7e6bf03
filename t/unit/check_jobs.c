/* check_jobs: autorouting jobs: ids, the record's round trip, the API
 * object tscircuit's client reads, and the queue in the Berkeley DB
 * store: creation order, the bound on active jobs, claims under a lease,
 * take-over of a dead slot's job and of an expired lease, updates that
 * move a job between states, and the sweep of finished ones. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_jobs.h"
#include "tsr_json.h"
#include "tsr_store.h"

static tsr_job_t *new_job(apr_time_t created)
{
    tsr_job_t *j = apr_pcalloc(fx_pool, sizeof(*j));

    j->id = tsr_job_new_id(fx_pool);
    j->state = TSR_JOB_QUEUED;
    j->created = created;
    j->budget = apr_time_from_sec(5);
    return j;
}

START_TEST(ids_are_uuids)
{
    const char *a = tsr_job_new_id(fx_pool), *b = tsr_job_new_id(fx_pool);

    ck_assert(tsr_job_id_valid(a));
    ck_assert_str_ne(a, b);
    ck_assert_int_eq(a[14], '4');
    ck_assert(strchr("89ab", a[19]) != NULL);
    ck_assert(!tsr_job_id_valid(NULL));
    ck_assert(!tsr_job_id_valid(""));
    ck_assert(!tsr_job_id_valid("../../../../etc/passwd-00000000000000"));
    ck_assert(!tsr_job_id_valid("0000000000000000000000000000000000000"));
    ck_assert(!tsr_job_id_valid("00000000-0000-4000-8000-00000000000G"));
    ck_assert(tsr_job_id_valid("00000000-0000-4000-8000-000000000000"));
    ck_assert_int_eq(tsr_job_worker_slot("123/4"), 4);
    ck_assert_int_eq(tsr_job_worker_slot("123/"), -1);
    ck_assert_int_eq(tsr_job_worker_slot("123"), -1);
    ck_assert_int_eq(tsr_job_worker_slot(NULL), -1);
    ck_assert_int_eq(tsr_job_worker_slot("1/x"), -1);
}
END_TEST

START_TEST(record_round_trip)
{
    tsr_job_t *j = new_job(1000), *k;
    apr_size_t len;
    const char *rec;

    j->state = TSR_JOB_FINISHED;
    j->started = 2000;
    j->finished = 3000;
    j->display_name = "board \"one\"";
    j->subcircuit_id = "sub_1";
    j->error = "no way";
    j->nets_total = 7;
    j->nets_routed = 6;
    j->vias = 3;
    j->length_mm = 12.5;
    j->timed_out = 1;
    j->attempts = 2;
    rec = tsr_job_encode(fx_pool, j, &len);
    ck_assert_int_eq(tsr_job_decode(&k, fx_pool, rec, len), APR_SUCCESS);
    ck_assert_str_eq(k->id, j->id);
    ck_assert_int_eq(k->state, TSR_JOB_FINISHED);
    ck_assert_int_eq(k->created, 1000);
    ck_assert_int_eq(k->finished, 3000);
    ck_assert_str_eq(k->display_name, "board \"one\"");
    ck_assert_str_eq(k->subcircuit_id, "sub_1");
    ck_assert_str_eq(k->error, "no way");
    ck_assert_ptr_null(k->worker);
    ck_assert_int_eq(k->nets_routed, 6);
    ck_assert_int_eq(k->timed_out, 1);
    ck_assert_int_eq(k->attempts, 2);
    ck_assert(k->length_mm > 12.49 && k->length_mm < 12.51);
    ck_assert_int_eq(tsr_job_decode(&k, fx_pool, "{}", 2), APR_EINVAL);
    ck_assert_int_eq(tsr_job_decode(&k, fx_pool, "[", 1), APR_EINVAL);
}
END_TEST

START_TEST(api_object)
{
    tsr_job_t *j = new_job(apr_time_from_sec(1700000000));
    json_object *o, *v;

    o = tsr_json_own(fx_pool, tsr_job_api(fx_pool, j));
    ck_assert(!json_object_get_boolean(json_object_object_get(o,
                                                              "is_started")));
    ck_assert(!json_object_get_boolean(json_object_object_get(
        o, "is_finished")));
    ck_assert(json_object_object_get_ex(o, "error", &v) && v == NULL);
    ck_assert(json_object_object_get_ex(o, "started_at", &v) && v == NULL);
    ck_assert_str_eq(tsr_json_str(o, "created_at"),
                     "2023-11-14T22:13:20.000Z");
    ck_assert_str_eq(tsr_json_str(o, "autorouting_job_id"), j->id);
    j->state = TSR_JOB_FINISHED;
    j->started = j->created;
    j->finished = j->created;
    j->error = "bad board";
    o = tsr_json_own(fx_pool, tsr_job_api(fx_pool, j));
    ck_assert(json_object_get_boolean(json_object_object_get(o,
                                                             "has_error")));
    ck_assert_str_eq(tsr_json_str(tsr_json_obj(o, "error"), "message"),
                     "bad board");
    ck_assert(json_object_get_boolean(json_object_object_get(o,
                                                             "is_started")));
    ck_assert(!json_object_get_boolean(json_object_object_get(
        o, "is_running")));
}
END_TEST

static const char *create(tsr_store_t *s, apr_time_t created,
                          const char *input)
{
    tsr_job_t *j = new_job(created);

    ck_assert_int_eq(tsr_store_job_create(s, fx_pool, j, input,
                                          strlen(input), 100),
                     APR_SUCCESS);
    return j->id;
}

static int state_of(tsr_store_t *s, const char *id)
{
    tsr_job_t *j;
    apr_status_t rv = tsr_store_job_get(s, fx_pool, id, &j);

    if (rv == TSR_ENOTFOUND) {
        return -1;
    }
    ck_assert_int_eq(rv, APR_SUCCESS);
    return j->state;
}

static apr_status_t finish(void *baton, tsr_job_t *j)
{
    if (j->state != TSR_JOB_RUNNING) {
        return TSR_EEXISTS;
    }
    j->state = TSR_JOB_FINISHED;
    j->finished = *(apr_time_t *)baton;
    j->worker = NULL;
    return APR_SUCCESS;
}

/* Which provider the store cases run on: Berkeley DB, then, when
 * TSCI_TEST_PG names a PostgreSQL, the SQL store (a fixture sets it
 * before each test). */
static struct tsr_store_t *(*make_store)(apr_pool_t *p) = fx_store;

static void use_bdb(void)
{
    make_store = fx_store;
}

static void use_dbd(void)
{
    make_store = fx_store_dbd;
}

START_TEST(queue_in_creation_order)
{
    tsr_store_t *s = make_store(fx_pool);
    const char *a = create(s, 3000, "[\"a\"]");
    const char *b = create(s, 1000, "[\"b\"]");
    const char *c = create(s, 2000, "[\"c\"]");
    tsr_job_t *j;
    const char *in;
    apr_size_t len;

    ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "1/0", 5000, 9000, &j,
                                         &in, &len), APR_SUCCESS);
    ck_assert_str_eq(j->id, b);
    ck_assert_str_eq(apr_pstrmemdup(fx_pool, in, len), "[\"b\"]");
    ck_assert_int_eq(j->state, TSR_JOB_RUNNING);
    ck_assert_str_eq(j->worker, "1/0");
    ck_assert_int_eq(j->lease, 9000);
    ck_assert_int_eq(j->started, 5000);
    ck_assert_int_eq(j->attempts, 1);
    ck_assert_int_eq(state_of(s, b), TSR_JOB_RUNNING);
    ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "2/1", 5000, 9000, &j,
                                         &in, &len), APR_SUCCESS);
    ck_assert_str_eq(j->id, c);
    ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "3/2", 5000, 9000, &j,
                                         &in, &len), APR_SUCCESS);
    ck_assert_str_eq(j->id, a);
    ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "4/3", 5000, 9000, &j,
                                         &in, &len), TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "no-slot", 5000, 9000,
                                         &j, &in, &len), APR_EINVAL);
}
END_TEST

START_TEST(active_jobs_are_bounded)
{
    tsr_store_t *s = make_store(fx_pool);
    tsr_job_t *j = new_job(1), *k;
    apr_time_t now = 10;
    const char *in;
    apr_size_t len;
    int i;

    for (i = 0; i < 3; i++) {
        j = new_job(i + 1);
        ck_assert_int_eq(tsr_store_job_create(s, fx_pool, j, "[]", 2, 3),
                         APR_SUCCESS);
    }
    k = new_job(9);
    ck_assert_int_eq(tsr_store_job_create(s, fx_pool, k, "[]", 2, 3),
                     TSR_EFULL);
    ck_assert_int_eq(state_of(s, k->id), -1);
    /* a running job still counts; a finished one no longer does */
    ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "1/0", 5, 100, &j, &in,
                                         &len), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_job_create(s, fx_pool, k, "[]", 2, 3),
                     TSR_EFULL);
    ck_assert_int_eq(tsr_store_job_update(s, fx_pool, j->id, finish, &now,
                                          "[1]", 3), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_job_create(s, fx_pool, k, "[]", 2, 3),
                     APR_SUCCESS);
}
END_TEST

START_TEST(dead_slots_and_leases_are_taken_over)
{
    tsr_store_t *s = make_store(fx_pool);
    const char *a = create(s, 1, "[]"), *b = create(s, 2, "[]");
    tsr_job_t *j;
    const char *in;
    apr_size_t len;

    ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "100/0", 10, 1000, &j,
                                         &in, &len), APR_SUCCESS);
    ck_assert_str_eq(j->id, a);
    ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "100/1", 10, 1000, &j,
                                         &in, &len), APR_SUCCESS);
    ck_assert_str_eq(j->id, b);
    /* the same worker asking again gets nothing: its job is its own */
    ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "100/0", 20, 1000, &j,
                                         &in, &len), TSR_ENOTFOUND);
    /* another process holding slot 0 now: its holder died */
    ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "200/0", 20, 8000, &j,
                                         &in, &len), APR_SUCCESS);
    ck_assert_str_eq(j->id, a);
    ck_assert_str_eq(j->worker, "200/0");
    ck_assert_int_eq(j->started, 10);
    ck_assert_int_eq(j->attempts, 2);
    /* slot 1's job is left alone until its lease ends */
    ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "300/2", 999, 5000, &j,
                                         &in, &len), TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "300/2", 1001, 5000,
                                         &j, &in, &len), APR_SUCCESS);
    ck_assert_str_eq(j->id, b);
    ck_assert_int_eq(j->lease, 5000);
}
END_TEST

static apr_status_t refuse(void *baton, tsr_job_t *j)
{
    j->state = TSR_JOB_FINISHED;    /* must not be written */
    return APR_EINVAL;
}

START_TEST(updates_and_output)
{
    tsr_store_t *s = make_store(fx_pool);
    const char *a = create(s, 1, "[]");
    apr_time_t now = 50;
    tsr_job_t *j;
    const char *in, *out;
    apr_size_t len;

    ck_assert_int_eq(tsr_store_job_output(s, fx_pool, a, &out, &len),
                     TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_store_job_update(s, fx_pool, a, finish, &now,
                                          NULL, 0), TSR_EEXISTS);
    ck_assert_int_eq(tsr_store_job_update(s, fx_pool, a, refuse, NULL,
                                          "[9]", 3), APR_EINVAL);
    ck_assert_int_eq(state_of(s, a), TSR_JOB_QUEUED);
    ck_assert_int_eq(tsr_store_job_output(s, fx_pool, a, &out, &len),
                     TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "1/0", 5, 100, &j, &in,
                                         &len), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_job_update(s, fx_pool, a, finish, &now,
                                          "[\"t\"]", 5), APR_SUCCESS);
    ck_assert_int_eq(state_of(s, a), TSR_JOB_FINISHED);
    ck_assert_int_eq(tsr_store_job_output(s, fx_pool, a, &out, &len),
                     APR_SUCCESS);
    ck_assert_str_eq(apr_pstrmemdup(fx_pool, out, len), "[\"t\"]");
    /* a finished job is never claimed again */
    ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "2/0", 1000000, 2000000,
                                         &j, &in, &len), TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_store_job_update(s, fx_pool, "nope", finish, &now,
                                          NULL, 0), TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_store_job_get(s, fx_pool,
                                       "00000000-0000-4000-8000-000000000000",
                                       &j), TSR_ENOTFOUND);
}
END_TEST

START_TEST(sweep_removes_old_finished_jobs)
{
    tsr_store_t *s = make_store(fx_pool);
    const char *ids[5];
    apr_time_t when;
    tsr_job_t *j;
    const char *in, *out;
    apr_size_t len;
    int i, n = -1;

    for (i = 0; i < 5; i++) {
        ids[i] = create(s, i + 1, "[]");
    }
    for (i = 0; i < 4; i++) {
        ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "1/0", 10, 100, &j,
                                             &in, &len), APR_SUCCESS);
        when = 100 * (i + 1);
        ck_assert_int_eq(tsr_store_job_update(s, fx_pool, j->id, finish,
                                              &when, "[]", 2), APR_SUCCESS);
    }
    /* finished at 100, 200, 300, 400; the fifth still queued */
    ck_assert_int_eq(tsr_store_job_sweep(s, fx_pool, 250, 1000, 100, &n),
                     APR_SUCCESS);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(state_of(s, ids[0]), -1);
    ck_assert_int_eq(state_of(s, ids[1]), -1);
    ck_assert_int_eq(tsr_store_job_output(s, fx_pool, ids[0], &out, &len),
                     TSR_ENOTFOUND);
    ck_assert_int_eq(state_of(s, ids[2]), TSR_JOB_FINISHED);
    /* at most max at a time */
    ck_assert_int_eq(tsr_store_job_sweep(s, fx_pool, 100000, 1000, 1, &n),
                     APR_SUCCESS);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(state_of(s, ids[2]), -1);
    ck_assert_int_eq(state_of(s, ids[3]), TSR_JOB_FINISHED);
    ck_assert_int_eq(tsr_store_job_sweep(s, fx_pool, 100000, 1000, 100, &n),
                     APR_SUCCESS);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(state_of(s, ids[4]), TSR_JOB_QUEUED);
}
END_TEST

START_TEST(finished_jobs_beyond_the_cap_go_oldest_first)
{
    tsr_store_t *s = make_store(fx_pool);
    const char *ids[5];
    apr_time_t when;
    tsr_job_t *j;
    const char *in;
    apr_size_t len;
    int i, n = -1;

    for (i = 0; i < 5; i++) {
        ids[i] = create(s, i + 1, "[\"board\"]");
    }
    for (i = 0; i < 5; i++) {
        ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "1/0", 10, 100, &j,
                                             &in, &len), APR_SUCCESS);
        ck_assert_str_eq(j->id, ids[i]);
        when = 100 * (i + 1);
        ck_assert_int_eq(tsr_store_job_update(s, fx_pool, j->id, finish,
                                              &when, "[]", 2), APR_SUCCESS);
    }
    /* none is old, but only the newest two are kept */
    ck_assert_int_eq(tsr_store_job_sweep(s, fx_pool, 0, 2, 100, &n),
                     APR_SUCCESS);
    ck_assert_int_eq(n, 3);
    for (i = 0; i < 3; i++) {
        ck_assert_int_eq(state_of(s, ids[i]), -1);
    }
    ck_assert_int_eq(state_of(s, ids[3]), TSR_JOB_FINISHED);
    ck_assert_int_eq(state_of(s, ids[4]), TSR_JOB_FINISHED);
    ck_assert_int_eq(tsr_store_job_sweep(s, fx_pool, 0, 2, 100, &n),
                     APR_SUCCESS);
    ck_assert_int_eq(n, 0);
    /* a new job finished makes three: the oldest goes */
    create(s, 9, "[]");
    ck_assert_int_eq(tsr_store_job_claim(s, fx_pool, "1/0", 10, 100, &j,
                                         &in, &len), APR_SUCCESS);
    when = 900;
    ck_assert_int_eq(tsr_store_job_update(s, fx_pool, j->id, finish, &when,
                                          "[]", 2), APR_SUCCESS);
    ck_assert_int_eq(tsr_store_job_sweep(s, fx_pool, 0, 2, 100, &n),
                     APR_SUCCESS);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(state_of(s, ids[3]), -1);
    ck_assert_int_eq(state_of(s, j->id), TSR_JOB_FINISHED);
}
END_TEST

Suite *make_jobs_suite(void)
{
    Suite *s = suite_create("jobs");
    TCase *tc = fx_tcase("record");
    TCase *st = fx_tcase("store");

    tcase_add_test(tc, ids_are_uuids);
    tcase_add_test(tc, record_round_trip);
    tcase_add_test(tc, api_object);
    suite_add_tcase(s, tc);
    tcase_add_checked_fixture(st, use_bdb, NULL);
    tcase_add_test(st, queue_in_creation_order);
    tcase_add_test(st, active_jobs_are_bounded);
    tcase_add_test(st, dead_slots_and_leases_are_taken_over);
    tcase_add_test(st, updates_and_output);
    tcase_add_test(st, sweep_removes_old_finished_jobs);
    tcase_add_test(st, finished_jobs_beyond_the_cap_go_oldest_first);
    suite_add_tcase(s, st);
    if (fx_have_pg()) {
        st = fx_tcase("store_dbd");
        tcase_add_checked_fixture(st, use_dbd, NULL);
        tcase_add_test(st, queue_in_creation_order);
        tcase_add_test(st, active_jobs_are_bounded);
        tcase_add_test(st, dead_slots_and_leases_are_taken_over);
        tcase_add_test(st, updates_and_output);
        tcase_add_test(st, sweep_removes_old_finished_jobs);
        tcase_add_test(st, finished_jobs_beyond_the_cap_go_oldest_first);
        suite_add_tcase(s, st);
    }
    return s;
}
