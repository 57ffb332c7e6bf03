/* mod_tsci_registry_dbd.h: what the glue files that hand the SQL store
 * its connections share (mod_dbd's header wants apr_dbd.h first). */
#ifndef MOD_TSCI_REGISTRY_DBD_H
#define MOD_TSCI_REGISTRY_DBD_H

#include "apr_dbd.h"
#include "mod_dbd.h"
#include "tsr_store_dbd.h"

/* mod_tsci_registry_store.c: the SQL store's connection made of one of
 * mod_dbd's (the statements it prepares are kept with it), in p. */
tsr_dbd_conn_t *tsr_store_dbd_conn_of(apr_pool_t *p, ap_dbd_t *dbd);

#endif
