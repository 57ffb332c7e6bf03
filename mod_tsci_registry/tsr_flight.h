/* tsr_flight: one computation of a result at a time per key, within one
 * process.  When many threads ask for the same thing that is not kept yet
 * (a broad search asked by 64 connections at once, just after a write made
 * the kept answer stale), the first one computes it and the others wait
 * for it and then take what it kept, instead of all computing the same
 * answer at once, each in megabytes of scratch memory.
 *
 * A waiter is never promised a result: the leader may have found its
 * answer not fit to keep (it depended on who asked), or be slow.  So a
 * waiter only learns that the leader is done, or that it waited long
 * enough, and then looks in its cache again, computing the answer itself
 * when it is not there.  Pure: APR threads only, no httpd. */
#ifndef TSR_FLIGHT_H
#define TSR_FLIGHT_H

#include <apr_pools.h>
#include <apr_time.h>

typedef struct tsr_flight_t tsr_flight_t;

/* A table of flights, safe to share between threads, freed with p. */
apr_status_t tsr_flight_create(tsr_flight_t **pf, apr_pool_t *p);

/* Ask to compute key.  1: the caller leads, and must call
 * tsr_flight_land(f, key) when done, whatever happened (the cleanup of a
 * pool is a good place).  0: another thread was computing it, and has
 * landed, or max_wait passed first; look for its result again. */
int tsr_flight_board(tsr_flight_t *f, const char *key,
                     apr_interval_time_t max_wait);

/* The leader of key is done: every thread waiting on it goes on. */
void tsr_flight_land(tsr_flight_t *f, const char *key);

/* Flights in the air, and threads waiting on them (for tests). */
void tsr_flight_usage(tsr_flight_t *f, int *pflights, int *pwaiters);

#endif
