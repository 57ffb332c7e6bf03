/* tsr_flight: a short list of the keys being computed, under one mutex,
 * and one condition that every landing broadcasts: flights are few (at
 * most one per thread of the process) and short, so a waiter woken for
 * another key's landing just looks at its own flight and waits again.
 * A flight's record lives until its last waiter has left, so a waiter
 * never reads freed memory, and a new flight of the same key made
 * meanwhile is a record of its own. */
#include <stdlib.h>
#include <string.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include "tsr_flight.h"

typedef struct flight_t {
    struct flight_t *next;
    int landed;
    int waiters;
    char key[1];                    /* the rest of the allocation */
} flight_t;

struct tsr_flight_t {
    apr_thread_mutex_t *lock;
    apr_thread_cond_t *landing;
    flight_t *air;                  /* flights not landed */
    int waiters;
};

static apr_status_t destroy(void *data)
{
    tsr_flight_t *f = data;

    /* Threads are gone when the pool is: only records remain. */
    while (f->air) {
        flight_t *x = f->air;

        f->air = x->next;
        free(x);
    }
    return APR_SUCCESS;
}

apr_status_t tsr_flight_create(tsr_flight_t **pf, apr_pool_t *p)
{
    tsr_flight_t *f = apr_pcalloc(p, sizeof(*f));
    apr_status_t rv;

    if ((rv = apr_thread_mutex_create(&f->lock, APR_THREAD_MUTEX_DEFAULT, p))
            != APR_SUCCESS
        || (rv = apr_thread_cond_create(&f->landing, p)) != APR_SUCCESS) {
        return rv;
    }
    apr_pool_cleanup_register(p, f, destroy, apr_pool_cleanup_null);
    *pf = f;
    return APR_SUCCESS;
}

/* The link that points at key's flight in the air, or at NULL. */
static flight_t **find(tsr_flight_t *f, const char *key)
{
    flight_t **at;

    for (at = &f->air; *at && strcmp((*at)->key, key) != 0;
         at = &(*at)->next) {
    }
    return at;
}

int tsr_flight_board(tsr_flight_t *f, const char *key,
                     apr_interval_time_t max_wait)
{
    apr_time_t until = apr_time_now() + max_wait;
    apr_size_t n = strlen(key);
    flight_t *x;

    apr_thread_mutex_lock(f->lock);
    if ((x = *find(f, key)) == NULL) {
        if ((x = malloc(sizeof(*x) + n)) == NULL) {
            /* No room to lead: compute without telling anyone. */
            apr_thread_mutex_unlock(f->lock);
            return 0;
        }
        x->landed = 0;
        x->waiters = 0;
        memcpy(x->key, key, n + 1);
        x->next = f->air;
        f->air = x;
        apr_thread_mutex_unlock(f->lock);
        return 1;
    }
    x->waiters++;
    f->waiters++;
    while (!x->landed) {
        apr_time_t now = apr_time_now();

        if (now >= until) {
            break;
        }
        apr_thread_cond_timedwait(f->landing, f->lock, until - now);
    }
    f->waiters--;
    if (--x->waiters == 0 && x->landed) {
        free(x);                    /* off the list since it landed */
    }
    apr_thread_mutex_unlock(f->lock);
    return 0;
}

void tsr_flight_land(tsr_flight_t *f, const char *key)
{
    flight_t **at, *x;

    apr_thread_mutex_lock(f->lock);
    at = find(f, key);
    if ((x = *at) != NULL) {
        *at = x->next;
        x->landed = 1;
        if (x->waiters == 0) {
            free(x);
        }
        else {
            apr_thread_cond_broadcast(f->landing);
        }
    }
    apr_thread_mutex_unlock(f->lock);
}

void tsr_flight_usage(tsr_flight_t *f, int *pflights, int *pwaiters)
{
    flight_t *x;
    int n = 0;

    apr_thread_mutex_lock(f->lock);
    for (x = f->air; x; x = x->next) {
        n++;
    }
    *pflights = n;
    *pwaiters = f->waiters;
    apr_thread_mutex_unlock(f->lock);
}
