/* tsr_tokencache: a process's memory of which token belongs to which user,
 * so that a logged-in read costs what an anonymous one does.  Entries are
 * good for one revocation generation: whoever revokes a token bumps the
 * generation shared by all processes, and every cache starts over. */
#ifndef TSR_TOKENCACHE_H
#define TSR_TOKENCACHE_H

#include <apr_pools.h>

typedef struct tsr_tokencache_t tsr_tokencache_t;

/* A cache of at most max_entries tokens (it starts over when full), safe
 * to share between threads, living in p. */
apr_status_t tsr_tokencache_create(tsr_tokencache_t **pc, apr_pool_t *p,
                                   apr_size_t max_entries);

/* The user of token when it was cached under generation gen (copied into
 * p), or NULL. */
const char *tsr_tokencache_get(tsr_tokencache_t *c, apr_pool_t *p,
                               const char *token, apr_uint32_t gen);

/* Remember that token belongs to user, as looked up under generation gen
 * (read before the lookup, so a revocation during it is not missed). */
void tsr_tokencache_put(tsr_tokencache_t *c, const char *token,
                        const char *user, apr_uint32_t gen);

#endif
