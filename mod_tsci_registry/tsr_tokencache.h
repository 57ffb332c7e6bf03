/* tsr_tokencache: a process's memory of which token belongs to which user,
 * so that a logged-in read costs what an anonymous one does.  Tokens are
 * known only by their SHA-256 (the key the store uses too): the cache never
 * holds a token, and compares keys in constant time.  Entries are good for
 * one revocation generation: whoever revokes a token bumps the generation
 * shared by all processes, and every cache starts over. */
#ifndef TSR_TOKENCACHE_H
#define TSR_TOKENCACHE_H

#include <apr_pools.h>

typedef struct tsr_tokencache_t tsr_tokencache_t;

/* A cache of at most max_entries tokens (it starts over when full), safe
 * to share between threads, living in p. */
apr_status_t tsr_tokencache_create(tsr_tokencache_t **pc, apr_pool_t *p,
                                   apr_size_t max_entries);

/* Who a token belongs to and what it may do. */
typedef struct tsr_token_owner_t {
    const char *user;
    int readonly;               /* it may not write */
    const char *cidr;           /* "a/n,b/m": the only addresses it is good
                                 * from; NULL: any */
} tsr_token_owner_t;

/* When the token whose SHA-256 is key was cached under generation gen:
 * return 1 with its owner (strings copied into p); else 0. */
int tsr_tokencache_get(tsr_tokencache_t *c, apr_pool_t *p,
                       const unsigned char key[32], apr_uint32_t gen,
                       tsr_token_owner_t *out);

/* Remember that the token of key belongs to o, as looked up under
 * generation gen (read before the lookup, so a revocation during it is not
 * missed). */
void tsr_tokencache_put(tsr_tokencache_t *c, const unsigned char key[32],
                        const tsr_token_owner_t *o, apr_uint32_t gen);

#endif
