/* tsr_ratelimit: a table of slots, each a key's tag, its count of
 * failures and when its window started.  A key's place is drawn from a
 * salted SHA-256 of it; it looks at PROBE slots from there, and a new key
 * takes an empty slot, one whose window has passed, or else the oldest. */
#include <string.h>
#include <apr_atomic.h>
#include "tsr_integrity.h"
#include "tsr_ratelimit.h"

#define PROBE 8

typedef struct slot_t {
    apr_uint32_t tag;           /* 0: empty */
    apr_uint32_t count;
    apr_uint32_t start;         /* seconds */
    apr_uint32_t unused;
} slot_t;

struct tsr_ratelimit_t {
    apr_uint32_t nslots;
    unsigned char salt[16];
    slot_t slots[];
};

apr_size_t tsr_ratelimit_size(apr_uint32_t nslots)
{
    return sizeof(tsr_ratelimit_t) + (apr_size_t)nslots * sizeof(slot_t);
}

apr_status_t tsr_ratelimit_init(tsr_ratelimit_t **pt, void *mem,
                                apr_uint32_t nslots)
{
    tsr_ratelimit_t *t = mem;
    apr_status_t rv;

    if (nslots < PROBE) {
        return APR_EINVAL;
    }
    memset(t, 0, tsr_ratelimit_size(nslots));
    t->nslots = nslots;
    if ((rv = tsr_integrity_random(t->salt, sizeof(t->salt)))
        != APR_SUCCESS) {
        return rv;
    }
    *pt = t;
    return APR_SUCCESS;
}

/* key's tag (never 0) and the first slot it may use. */
static apr_uint32_t tag_of(const tsr_ratelimit_t *t, const char *key,
                           apr_size_t len, apr_uint32_t *home)
{
    unsigned char buf[16 + 32], md[32];
    apr_uint32_t tag;

    memcpy(buf, t->salt, 16);
    tsr_integrity_sha256(buf + 16, key, len);
    tsr_integrity_sha256(md, buf, sizeof(buf));
    tag = (apr_uint32_t)md[0] << 24 | (apr_uint32_t)md[1] << 16
          | (apr_uint32_t)md[2] << 8 | md[3];
    *home = ((apr_uint32_t)md[4] << 24 | (apr_uint32_t)md[5] << 16
             | (apr_uint32_t)md[6] << 8 | md[7]) % t->nslots;
    return tag ? tag : 1;
}

static slot_t *find(tsr_ratelimit_t *t, apr_uint32_t tag, apr_uint32_t home)
{
    apr_uint32_t i;
    slot_t *s;

    for (i = 0; i < PROBE; i++) {
        s = &t->slots[(home + i) % t->nslots];
        if (apr_atomic_read32(&s->tag) == tag) {
            return s;
        }
    }
    return NULL;
}

static int expired(const slot_t *s, apr_uint32_t now, apr_uint32_t window)
{
    return now - apr_atomic_read32((apr_uint32_t *)&s->start) >= window;
}

/* key's slot while its window is open, or NULL. */
static slot_t *live(tsr_ratelimit_t *t, const char *key, apr_size_t len,
                    apr_uint32_t now, apr_uint32_t window)
{
    apr_uint32_t home, tag = tag_of(t, key, len, &home);
    slot_t *s = find(t, tag, home);

    return s == NULL || expired(s, now, window) ? NULL : s;
}

apr_uint32_t tsr_ratelimit_failures(tsr_ratelimit_t *t, const char *key,
                                    apr_size_t len, apr_uint32_t now,
                                    apr_uint32_t window)
{
    slot_t *s = live(t, key, len, now, window);

    return s ? apr_atomic_read32(&s->count) : 0;
}

apr_uint32_t tsr_ratelimit_wait(tsr_ratelimit_t *t, const char *key,
                                apr_size_t len, apr_uint32_t now,
                                apr_uint32_t window)
{
    slot_t *s = live(t, key, len, now, window);

    return s ? window - (now - apr_atomic_read32(&s->start)) : 0;
}

/* The slot a new key takes: empty, else expired, else the oldest. */
static slot_t *victim(tsr_ratelimit_t *t, apr_uint32_t home,
                      apr_uint32_t now, apr_uint32_t window)
{
    slot_t *s, *oldest = NULL;
    apr_uint32_t i;

    for (i = 0; i < PROBE; i++) {
        s = &t->slots[(home + i) % t->nslots];
        if (apr_atomic_read32(&s->tag) == 0 || expired(s, now, window)) {
            return s;
        }
        if (oldest == NULL
            || now - apr_atomic_read32(&s->start)
                   > now - apr_atomic_read32(&oldest->start)) {
            oldest = s;
        }
    }
    return oldest;
}

void tsr_ratelimit_fail(tsr_ratelimit_t *t, const char *key, apr_size_t len,
                        apr_uint32_t now, apr_uint32_t window)
{
    apr_uint32_t home, tag = tag_of(t, key, len, &home), old;
    slot_t *s;
    int tries;

    for (tries = 0; tries < 2; tries++) {
        if ((s = find(t, tag, home)) != NULL) {
            if (expired(s, now, window)) {
                /* A new window.  Two processes may both start it: one
                 * failure is lost at worst. */
                apr_atomic_set32(&s->start, now);
                apr_atomic_set32(&s->count, 1);
            }
            else {
                apr_atomic_inc32(&s->count);
            }
            return;
        }
        s = victim(t, home, now, window);
        old = apr_atomic_read32(&s->tag);
        if (apr_atomic_cas32(&s->tag, tag, old) == old) {
            apr_atomic_set32(&s->start, now);
            apr_atomic_set32(&s->count, 1);
            return;
        }
        /* Another process took that slot first: look again. */
    }
}

void tsr_ratelimit_clear(tsr_ratelimit_t *t, const char *key,
                         apr_size_t len)
{
    apr_uint32_t home, tag = tag_of(t, key, len, &home);
    slot_t *s = find(t, tag, home);

    if (s != NULL) {
        apr_atomic_set32(&s->count, 0);
    }
}
