/* tsr_store_bdb: the embedded Berkeley DB provider of tsr_store.  One
 * transactional environment in the data directory, shared by all of
 * Apache's children; recovery runs once in the parent before they start. */
#ifndef TSR_STORE_BDB_H
#define TSR_STORE_BDB_H

#include <apr_pools.h>
#include "tsr_store.h"

/* Name of the file a process creates when the environment needs a full
 * recovery (a panic, or a process that died inside the library). */
#define TSR_BDB_RECOVERY_FLAG "NEED_RECOVERY"

typedef struct tsr_bdb_options_t {
    int create;                 /* create the environment and databases */
    int recover;                /* run normal recovery while opening */
    apr_size_t cache_bytes;     /* 0: 32 MiB */
    apr_interval_time_t lock_timeout;   /* 0: 10 s */
    tsr_store_log_fn *log;
    void *log_baton;
    /* This process alone (an administrator's tool on a store no process
     * has joined): a private environment, recovered while opening, that
     * leaves no shared region files behind. */
    int alone;
} tsr_bdb_options_t;

/* Open (creating when asked) the environment in datadir/db and its
 * databases, and return a store handle closed with p.  With recover set,
 * the caller must be the only process using the environment (the parent
 * at start-up). */
apr_status_t tsr_store_bdb_open(tsr_store_t **ps, apr_pool_t *p,
                                const char *datadir,
                                const tsr_bdb_options_t *opts);

/* Create or recover the environment with no other process attached, then
 * close it and, when uid/gid are not -1, give datadir and its database to
 * that user (the worker user, when the parent runs as root).  A recovery
 * first removes the old shared regions (a process killed holding one of
 * their mutexes would make it spin for ever); it returns APR_EBUSY, and
 * logs which, if a live process still has them mapped after 5 s. */
apr_status_t tsr_store_bdb_prepare(apr_pool_t *p, const char *datadir,
                                   long uid, long gid,
                                   const tsr_bdb_options_t *opts);

/* The provider table of Berkeley DB ("bdb"). */
const tsr_store_provider_t *tsr_store_bdb_provider(void);

/* Write a checkpoint (when enough log has been written since the last) and
 * remove log files no longer needed. */
apr_status_t tsr_store_bdb_checkpoint(tsr_store_t *s);

/* Mark the environment for recovery (p is not used: marking must work
 * where no pool may be touched), test the mark, clear it. */
void tsr_store_bdb_flag_recovery(apr_pool_t *p, const char *datadir);
int tsr_store_bdb_recovery_flagged(apr_pool_t *p, const char *datadir);
void tsr_store_bdb_clear_recovery_flag(apr_pool_t *p, const char *datadir);

#endif
