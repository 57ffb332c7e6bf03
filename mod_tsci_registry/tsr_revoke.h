/* tsr_revoke: the data directory's count of tokens revoked outside Apache
 * (by the tsci-registry tool), in a small file every Apache process maps,
 * so that such a revocation reaches every process's token cache at once,
 * as a logout inside Apache does through the parent's shared memory. */
#ifndef TSR_REVOKE_H
#define TSR_REVOKE_H

#include <apr_pools.h>

/* The file, under the data directory. */
#define TSR_REVOKE_FILE "token-revocations"

/* Map datadir's count (the file is made when missing), read-only, for
 * the life of p.  *pcount points at it: read it with tsr_revoke_read. */
apr_status_t tsr_revoke_map(const volatile apr_uint32_t **pcount,
                            apr_pool_t *p, const char *datadir);

/* The count now (0 for a NULL count). */
apr_uint32_t tsr_revoke_read(const volatile apr_uint32_t *count);

/* Add one to datadir's count (the file is made when missing): every
 * process that mapped it sees the new value at once. */
apr_status_t tsr_revoke_bump(apr_pool_t *p, const char *datadir);

#endif
