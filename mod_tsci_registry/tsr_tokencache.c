/* tsr_tokencache: token key to user, per process, invalidated by
 * generation.  An open-addressing table of SHA-256 keys: the key's own
 * first bytes place it (they are uniform), and every comparison is
 * CRYPTO_memcmp, so a lookup's time says nothing about a near miss. */
#include <string.h>
#include <openssl/crypto.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include "tsr_tokencache.h"

typedef struct slot_t {
    unsigned char key[32];
    tsr_token_owner_t o;        /* o.user NULL: empty slot */
} slot_t;

struct tsr_tokencache_t {
    apr_thread_mutex_t *lock;
    apr_pool_t *pool;           /* users' names; cleared to start over */
    slot_t *slots;
    apr_size_t nslots;          /* a power of two, over twice max */
    apr_size_t count;
    apr_size_t max;
    apr_uint32_t gen;           /* generation of every entry */
};

static void start_over(tsr_tokencache_t *c, apr_uint32_t gen)
{
    apr_pool_clear(c->pool);
    memset(c->slots, 0, c->nslots * sizeof(*c->slots));
    c->count = 0;
    c->gen = gen;
}

apr_status_t tsr_tokencache_create(tsr_tokencache_t **pc, apr_pool_t *p,
                                   apr_size_t max_entries)
{
    tsr_tokencache_t *c = apr_pcalloc(p, sizeof(*c));
    apr_status_t rv;

    if (max_entries == 0) {
        return APR_EINVAL;
    }
    rv = apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if ((rv = apr_pool_create(&c->pool, p)) != APR_SUCCESS) {
        return rv;
    }
    c->max = max_entries;
    for (c->nslots = 4; c->nslots < 2 * max_entries + 1; c->nslots *= 2) {
    }
    c->slots = apr_pcalloc(p, c->nslots * sizeof(*c->slots));
    *pc = c;
    return APR_SUCCESS;
}

static apr_size_t home(const tsr_tokencache_t *c, const unsigned char *key)
{
    apr_size_t h = ((apr_size_t)key[0] << 24) | ((apr_size_t)key[1] << 16)
                   | ((apr_size_t)key[2] << 8) | key[3];

    return h & (c->nslots - 1);
}

/* The slot holding key, or the empty slot where it would go.  The table is
 * never more than half full, so an empty slot always ends the probe. */
static slot_t *find(tsr_tokencache_t *c, const unsigned char *key)
{
    apr_size_t i = home(c, key);

    while (c->slots[i].o.user != NULL
           && CRYPTO_memcmp(c->slots[i].key, key, 32) != 0) {
        i = (i + 1) & (c->nslots - 1);
    }
    return &c->slots[i];
}

int tsr_tokencache_get(tsr_tokencache_t *c, apr_pool_t *p,
                       const unsigned char key[32], apr_uint32_t gen,
                       tsr_token_owner_t *out)
{
    slot_t *s;
    int hit = 0;

    apr_thread_mutex_lock(c->lock);
    if (c->gen == gen) {
        s = find(c, key);
        if (s->o.user) {
            out->user = apr_pstrdup(p, s->o.user);
            out->readonly = s->o.readonly;
            out->cidr = s->o.cidr ? apr_pstrdup(p, s->o.cidr) : NULL;
            hit = 1;
        }
    }
    apr_thread_mutex_unlock(c->lock);
    return hit;
}

void tsr_tokencache_put(tsr_tokencache_t *c, const unsigned char key[32],
                        const tsr_token_owner_t *o, apr_uint32_t gen)
{
    slot_t *s;

    apr_thread_mutex_lock(c->lock);
    if ((apr_int32_t)(gen - c->gen) < 0) {
        /* looked up before a revocation another request already saw */
        apr_thread_mutex_unlock(c->lock);
        return;
    }
    if (c->gen != gen || c->count >= c->max) {
        start_over(c, gen);
    }
    s = find(c, key);
    if (s->o.user == NULL) {
        memcpy(s->key, key, 32);
        c->count++;
    }
    s->o.user = apr_pstrdup(c->pool, o->user);
    s->o.readonly = o->readonly;
    s->o.cidr = o->cidr ? apr_pstrdup(c->pool, o->cidr) : NULL;
    apr_thread_mutex_unlock(c->lock);
}
