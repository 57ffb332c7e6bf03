/* tsr_tokencache: token to user, per process, invalidated by generation. */
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include "tsr_tokencache.h"

struct tsr_tokencache_t {
    apr_thread_mutex_t *lock;
    apr_pool_t *pool;           /* entries; cleared to start over */
    apr_hash_t *map;            /* token -> user */
    apr_uint32_t gen;           /* generation of every entry */
    apr_size_t max;
};

static void start_over(tsr_tokencache_t *c, apr_uint32_t gen)
{
    apr_pool_clear(c->pool);
    c->map = apr_hash_make(c->pool);
    c->gen = gen;
}

apr_status_t tsr_tokencache_create(tsr_tokencache_t **pc, apr_pool_t *p,
                                   apr_size_t max_entries)
{
    tsr_tokencache_t *c = apr_pcalloc(p, sizeof(*c));
    apr_status_t rv;

    rv = apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if ((rv = apr_pool_create(&c->pool, p)) != APR_SUCCESS) {
        return rv;
    }
    c->max = max_entries;
    c->map = apr_hash_make(c->pool);
    *pc = c;
    return APR_SUCCESS;
}

const char *tsr_tokencache_get(tsr_tokencache_t *c, apr_pool_t *p,
                               const char *token, apr_uint32_t gen)
{
    const char *user = NULL;

    apr_thread_mutex_lock(c->lock);
    if (c->gen == gen) {
        user = apr_hash_get(c->map, token, APR_HASH_KEY_STRING);
        if (user) {
            user = apr_pstrdup(p, user);
        }
    }
    apr_thread_mutex_unlock(c->lock);
    return user;
}

void tsr_tokencache_put(tsr_tokencache_t *c, const char *token,
                        const char *user, apr_uint32_t gen)
{
    apr_thread_mutex_lock(c->lock);
    if ((apr_int32_t)(gen - c->gen) < 0) {
        /* looked up before a revocation another request already saw */
        apr_thread_mutex_unlock(c->lock);
        return;
    }
    if (c->gen != gen || apr_hash_count(c->map) >= c->max) {
        start_over(c, gen);
    }
    apr_hash_set(c->map, apr_pstrdup(c->pool, token), APR_HASH_KEY_STRING,
                 apr_pstrdup(c->pool, user));
    apr_thread_mutex_unlock(c->lock);
}
