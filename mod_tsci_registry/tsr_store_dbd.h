/* tsr_store_dbd: the SQL provider of tsr_store, on APR-util's apr_dbd
 * (PostgreSQL through its pgsql driver), so that several Apache nodes
 * serve one registry.  It opens no connection itself: each session works
 * on the connection the glue acquired for its request (mod_dbd's pool),
 * or that a test or tool opened. */
#ifndef TSR_STORE_DBD_H
#define TSR_STORE_DBD_H

#include <apr_pools.h>
#include <apr_hash.h>
#include <apr_dbd.h>
#include "tsr_store.h"

/* The schema version this build writes and expects: migrations up to it
 * are applied (tsr_store_dbd_migrate). */
#define TSR_DBD_SCHEMA_VERSION 8

/* A connection as the provider's session takes it (the conn argument of
 * tsr_store_session).  The glue fills it from mod_dbd's ap_dbd_t; a test
 * from apr_dbd_open.  prepared holds this connection's prepared
 * statements by label (the provider adds its own there on first use, in
 * pool, which must live as long as the connection).  A connection may
 * also be promised rather than held: handle NULL and acquire set, called
 * (with baton) by the first statement that needs it to fill the rest, so
 * that a request served from memory (kept views) takes none of mod_dbd's
 * connections at all. */
typedef struct tsr_dbd_conn_t {
    const apr_dbd_driver_t *driver;
    apr_dbd_t *handle;
    apr_pool_t *pool;
    apr_hash_t *prepared;
    apr_status_t (*acquire)(struct tsr_dbd_conn_t *c);
    void *baton;
} tsr_dbd_conn_t;

/* The provider table ("dbd"). */
const tsr_store_provider_t *tsr_store_dbd_provider(void);

/* Bring the schema on conn up to TSR_DBD_SCHEMA_VERSION: every missing
 * migration, in order, in one transaction, under a lock that makes
 * concurrent callers (children of several nodes) wait for each other.
 * Idempotent.  *pfrom (may be NULL): the version found.  Scratch in p. */
apr_status_t tsr_store_dbd_migrate(tsr_dbd_conn_t *conn, apr_pool_t *p,
                                   int *pfrom, const char **perrmsg);

#endif
