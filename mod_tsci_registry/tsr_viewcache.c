/* tsr_viewcache: chained hash table of malloc'd entries on a list in the
 * order they were made, under a read-write lock: lookups (nearly every
 * request) share it and change nothing, so threads never queue behind
 * one another to read; a stale entry is left for the next put to
 * replace.  The oldest entry goes first when room is needed.  Small
 * entries are copied out: a request's copy lives in its pool, so an entry
 * can be evicted while a response is still being written.  Large ones
 * are lent instead: the request's pool holds a reference until it is
 * destroyed (after the response was written), and an entry dropped
 * meanwhile is freed by the last holder.  Copying a megabyte cost more
 * than reading it from the store did. */
#include <stdlib.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_atomic.h>
#include <apr_thread_rwlock.h>
#include "tsr_viewcache.h"

typedef struct entry_t {
    struct entry_t *chain;          /* next in the bucket */
    struct entry_t *newer, *older;  /* the LRU list */
    apr_uint32_t hash;
    apr_uint32_t stamp;
    apr_time_t born;
    /* Set by the one thread that reads the record again once the entry
     * outlived its time to live; the others go on being served it. */
    volatile apr_uint32_t renewing;
    /* The cache's own reference (while the entry is in it) and one per
     * pool it is lent to. */
    volatile apr_uint32_t refs;
    char kind;
    int missing;                    /* the store had no such record */
    apr_size_t name_len;
    apr_size_t len;                 /* of the record */
    char *name;                     /* points into the same allocation */
    char *blob;
} entry_t;

struct tsr_viewcache_t {
    apr_thread_rwlock_t *lock;
    entry_t **buckets;
    apr_size_t nbuckets;            /* a power of two */
    entry_t *newest, *oldest;
    apr_size_t bytes, max_bytes, entries;
    apr_interval_time_t ttl;
};

/* What an entry costs, its bookkeeping included. */
static apr_size_t cost(const entry_t *e)
{
    return sizeof(*e) + e->name_len + 1 + e->len;
}

static apr_uint32_t hash_of(const char *name, apr_size_t n, char kind)
{
    apr_ssize_t len = (apr_ssize_t)n;

    return apr_hashfunc_default(name, &len) * 31u + (unsigned char)kind;
}

apr_size_t tsr_viewcache_slot(const char *name)
{
    apr_ssize_t len = APR_HASH_KEY_STRING;

    return apr_hashfunc_default(name, &len) & (TSR_VIEW_STAMPS - 1);
}

static void unlink_lru(tsr_viewcache_t *c, entry_t *e)
{
    if (e->newer) {
        e->newer->older = e->older;
    }
    else {
        c->newest = e->older;
    }
    if (e->older) {
        e->older->newer = e->newer;
    }
    else {
        c->oldest = e->newer;
    }
    e->newer = e->older = NULL;
}

static void push_newest(tsr_viewcache_t *c, entry_t *e)
{
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest) {
        c->newest->newer = e;
    }
    c->newest = e;
    if (c->oldest == NULL) {
        c->oldest = e;
    }
}

/* The slot in the bucket chain that points at the entry, or at NULL. */
static entry_t **find(tsr_viewcache_t *c, const char *name, apr_size_t n,
                      char kind, apr_uint32_t h)
{
    entry_t **at = &c->buckets[h & (c->nbuckets - 1)];

    while (*at && ((*at)->hash != h || (*at)->kind != kind
                   || (*at)->name_len != n
                   || memcmp((*at)->name, name, n) != 0)) {
        at = &(*at)->chain;
    }
    return at;
}

/* Records from this size on are lent, not copied: below it a copy is
 * cheaper than a count that every thread serving a hot record bumps. */
#define LEND_FROM ((apr_size_t)64 * 1024)

static void release(entry_t *e)
{
    if (apr_atomic_dec32(&e->refs) == 0) {
        free(e);
    }
}

static apr_status_t give_back(void *data)
{
    release(data);
    return APR_SUCCESS;
}

static void drop(tsr_viewcache_t *c, entry_t **at)
{
    entry_t *e = *at;

    *at = e->chain;
    unlink_lru(c, e);
    c->bytes -= cost(e);
    c->entries--;
    release(e);
}

static apr_status_t destroy(void *data)
{
    tsr_viewcache_t *c = data;

    while (c->oldest) {
        entry_t *e = c->oldest;

        drop(c, find(c, e->name, e->name_len, e->kind, e->hash));
    }
    return APR_SUCCESS;
}

apr_status_t tsr_viewcache_create(tsr_viewcache_t **pc, apr_pool_t *p,
                                  apr_size_t max_bytes,
                                  apr_interval_time_t ttl)
{
    tsr_viewcache_t *c;
    apr_status_t rv;

    if (max_bytes == 0) {
        return APR_EINVAL;
    }
    c = apr_pcalloc(p, sizeof(*c));
    if ((rv = apr_thread_rwlock_create(&c->lock, p)) != APR_SUCCESS) {
        return rv;
    }
    /* About one bucket per 2 KB of room: short chains for small records. */
    for (c->nbuckets = 64; c->nbuckets < max_bytes / 2048
                           && c->nbuckets < (1u << 20);
         c->nbuckets *= 2) {
    }
    c->buckets = apr_pcalloc(p, c->nbuckets * sizeof(*c->buckets));
    c->max_bytes = max_bytes;
    c->ttl = ttl;
    apr_pool_cleanup_register(p, c, destroy, apr_pool_cleanup_null);
    *pc = c;
    return APR_SUCCESS;
}

/* Whether e, found under the current stamp, may be served at now.  Past
 * its time to live, the first thread to ask is told no (it reads the
 * record again and puts it back), and the others are served the entry
 * while that read lasts, up to a second time to live: a megabyte record
 * asked for by every thread at once is read once, not once a thread.
 * The stamp is unchanged, so nothing written through Apache is missed;
 * only a writer outside Apache waits up to twice the time to live. */
static int still_good(tsr_viewcache_t *c, entry_t *e, apr_time_t now)
{
    if (now < e->born) {
        return 0;
    }
    if (now - e->born <= c->ttl) {
        return 1;
    }
    return now - e->born <= 2 * c->ttl
           && apr_atomic_cas32(&e->renewing, 1, 0) != 0;
}

int tsr_viewcache_get(tsr_viewcache_t *c, apr_pool_t *p, const char *name,
                      char kind, apr_uint32_t stamp, apr_time_t now,
                      const char **pblob, apr_size_t *plen)
{
    apr_size_t n = strlen(name);
    apr_uint32_t h = hash_of(name, n, kind);
    entry_t **at, *e;
    int hit = 0;

    apr_thread_rwlock_rdlock(c->lock);
    at = find(c, name, n, kind, h);
    if ((e = *at) != NULL && e->stamp == stamp && still_good(c, e, now)) {
        if (e->missing) {
            *pblob = NULL;
        }
        else if (e->len >= LEND_FROM) {
            apr_atomic_inc32(&e->refs);
            apr_pool_cleanup_register(p, e, give_back,
                                      apr_pool_cleanup_null);
            *pblob = e->blob;
        }
        else {
            *pblob = apr_pmemdup(p, e->blob, e->len);
        }
        *plen = e->missing ? 0 : e->len;
        hit = 1;
    }
    apr_thread_rwlock_unlock(c->lock);
    return hit;
}

void tsr_viewcache_put(tsr_viewcache_t *c, const char *name, char kind,
                       apr_uint32_t stamp, apr_time_t now, const char *blob,
                       apr_size_t len)
{
    apr_size_t n = strlen(name);
    apr_uint32_t h = hash_of(name, n, kind);
    entry_t **at, *e;

    if (blob == NULL) {
        len = 0;
    }
    if (sizeof(*e) + n + 1 + len > c->max_bytes / 4) {
        return;
    }
    if ((e = malloc(sizeof(*e) + n + 1 + len)) == NULL) {
        return;
    }
    memset(e, 0, sizeof(*e));
    e->refs = 1;
    e->hash = h;
    e->stamp = stamp;
    e->born = now;
    e->kind = kind;
    e->missing = (blob == NULL);
    e->name_len = n;
    e->len = len;
    e->name = (char *)(e + 1);
    memcpy(e->name, name, n + 1);
    e->blob = e->name + n + 1;
    if (len) {
        memcpy(e->blob, blob, len);
    }
    apr_thread_rwlock_wrlock(c->lock);
    at = find(c, name, n, kind, h);
    if (*at) {
        drop(c, at);
        at = find(c, name, n, kind, h);
    }
    while (c->oldest && c->bytes + cost(e) > c->max_bytes) {
        entry_t *old = c->oldest;

        drop(c, find(c, old->name, old->name_len, old->kind, old->hash));
        at = find(c, name, n, kind, h);
    }
    *at = e;
    push_newest(c, e);
    c->bytes += cost(e);
    c->entries++;
    apr_thread_rwlock_unlock(c->lock);
}

void tsr_viewcache_usage(tsr_viewcache_t *c, apr_size_t *pentries,
                         apr_size_t *pbytes)
{
    apr_thread_rwlock_rdlock(c->lock);
    *pentries = c->entries;
    *pbytes = c->bytes;
    apr_thread_rwlock_unlock(c->lock);
}
