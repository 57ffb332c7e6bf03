/* check_flight: of the threads asking for one key at once, one leads and
 * the others wait until it lands, then find what it left; a waiter gives
 * up after its wait and computes itself; other keys do not wait; a key
 * flies again after it landed; nothing is left in the air. */
#include <string.h>
#include <apr_atomic.h>
#include <apr_thread_proc.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_flight.h"

#define WAITERS 6

typedef struct crowd_t {
    tsr_flight_t *f;
    volatile apr_uint32_t led, waited, saw_answer;
    volatile const char *answer;    /* what the leader computed */
} crowd_t;

static tsr_flight_t *flights(void)
{
    tsr_flight_t *f = NULL;

    ck_assert_int_eq(tsr_flight_create(&f, fx_pool), APR_SUCCESS);
    return f;
}

static void wait_for_waiters(tsr_flight_t *f, int n)
{
    int flights_n, waiters, tries;

    for (tries = 0; tries < 5000; tries++) {
        tsr_flight_usage(f, &flights_n, &waiters);
        if (waiters == n) {
            return;
        }
        apr_sleep(1000);
    }
    ck_abort_msg("%d waiters never came (%d did)", n, waiters);
}

static void *APR_THREAD_FUNC asker(apr_thread_t *th, void *data)
{
    crowd_t *c = data;

    if (tsr_flight_board(c->f, "text=net", apr_time_from_sec(30))) {
        apr_atomic_inc32(&c->led);
    }
    else {
        apr_atomic_inc32(&c->waited);
        if (c->answer != NULL) {
            apr_atomic_inc32(&c->saw_answer);
        }
    }
    return NULL;
}

START_TEST(one_leads_the_others_wait)
{
    crowd_t c;
    apr_thread_t *th[WAITERS];
    apr_status_t st;
    int i, flights_n, waiters;

    memset(&c, 0, sizeof(c));
    c.f = flights();
    /* This thread leads; the crowd comes while it computes. */
    ck_assert_int_eq(tsr_flight_board(c.f, "text=net", 0), 1);
    for (i = 0; i < WAITERS; i++) {
        ck_assert_int_eq(apr_thread_create(&th[i], NULL, asker, &c, fx_pool),
                         APR_SUCCESS);
    }
    wait_for_waiters(c.f, WAITERS);
    /* Another key is no one's: it leads at once. */
    ck_assert_int_eq(tsr_flight_board(c.f, "text=other", 0), 1);
    tsr_flight_land(c.f, "text=other");
    tsr_flight_usage(c.f, &flights_n, &waiters);
    ck_assert_int_eq(flights_n, 1);
    ck_assert_int_eq(waiters, WAITERS);
    c.answer = "the answer";
    tsr_flight_land(c.f, "text=net");
    for (i = 0; i < WAITERS; i++) {
        apr_thread_join(&st, th[i]);
    }
    ck_assert_uint_eq(c.led, 0);
    ck_assert_uint_eq(c.waited, WAITERS);
    ck_assert_uint_eq(c.saw_answer, WAITERS);
    tsr_flight_usage(c.f, &flights_n, &waiters);
    ck_assert_int_eq(flights_n, 0);
    ck_assert_int_eq(waiters, 0);
    /* Landed: the next asker of the key leads a new flight. */
    ck_assert_int_eq(tsr_flight_board(c.f, "text=net", 0), 1);
    tsr_flight_land(c.f, "text=net");
}
END_TEST

START_TEST(a_waiter_gives_up)
{
    tsr_flight_t *f = flights();
    apr_time_t t0;
    int flights_n, waiters;

    ck_assert_int_eq(tsr_flight_board(f, "k", 0), 1);
    t0 = apr_time_now();
    /* The leader never lands within the wait: the waiter goes on. */
    ck_assert_int_eq(tsr_flight_board(f, "k", apr_time_from_msec(50)), 0);
    ck_assert_int_ge(apr_time_now() - t0, apr_time_from_msec(50));
    tsr_flight_usage(f, &flights_n, &waiters);
    ck_assert_int_eq(flights_n, 1);
    ck_assert_int_eq(waiters, 0);
    tsr_flight_land(f, "k");
    /* Landing twice, or a key never boarded, changes nothing. */
    tsr_flight_land(f, "k");
    tsr_flight_land(f, "never");
    tsr_flight_usage(f, &flights_n, &waiters);
    ck_assert_int_eq(flights_n, 0);
}
END_TEST

Suite *make_flight_suite(void)
{
    Suite *s = suite_create("flight");
    TCase *tc = fx_tcase("flight");

    tcase_add_test(tc, one_leads_the_others_wait);
    tcase_add_test(tc, a_waiter_gives_up);
    suite_add_tcase(s, tc);
    return s;
}
