/* tsr_ratelimit: counts of failed sign-ins per key (a user name, a client
 * address) in a fixed table that Apache's processes share.  Guessing
 * passwords then costs an attacker a window of time per few guesses,
 * however many children answer.  The table lives in memory the caller
 * gives (shared memory in Apache); every update is an atomic operation
 * on one slot, so no lock is held across processes.  Two keys may land on
 * one slot's tag and share a count: that errs towards refusing. */
#ifndef TSR_RATELIMIT_H
#define TSR_RATELIMIT_H

#include <apr_pools.h>

typedef struct tsr_ratelimit_t tsr_ratelimit_t;

/* Bytes of memory a table of nslots slots needs. */
apr_size_t tsr_ratelimit_size(apr_uint32_t nslots);

/* Make a table in mem (tsr_ratelimit_size(nslots) bytes, zeroed here),
 * with a fresh random salt so that keys' places cannot be aimed at. */
apr_status_t tsr_ratelimit_init(tsr_ratelimit_t **pt, void *mem,
                                apr_uint32_t nslots);

/* Failures of key (len bytes) within the window that ends now (seconds;
 * window seconds long). */
apr_uint32_t tsr_ratelimit_failures(tsr_ratelimit_t *t, const char *key,
                                    apr_size_t len, apr_uint32_t now,
                                    apr_uint32_t window);

/* Seconds until key's window ends (0 when it has none). */
apr_uint32_t tsr_ratelimit_wait(tsr_ratelimit_t *t, const char *key,
                                apr_size_t len, apr_uint32_t now,
                                apr_uint32_t window);

/* Count one failure of key at now. */
void tsr_ratelimit_fail(tsr_ratelimit_t *t, const char *key, apr_size_t len,
                        apr_uint32_t now, apr_uint32_t window);

/* key signed in: forget its failures. */
void tsr_ratelimit_clear(tsr_ratelimit_t *t, const char *key,
                         apr_size_t len);

#endif
