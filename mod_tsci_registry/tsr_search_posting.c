/* tsr_search_posting: a posting's value, made from a package's entry and
 * read back (see tsr_search_posting.h). */
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include "tsr_search_posting.h"
#include "tsr_search_text.h"

#define BRIEF_VERSION 1
#define F_DEPRECATED 1
#define F_RESTRICTED 2

struct tsr_search_places_t {
    apr_hash_t *words;          /* token -> unsigned char bits */
};

static void mark(apr_pool_t *p, apr_hash_t *h, const char *text,
                 unsigned char bit)
{
    apr_array_header_t *toks;
    unsigned char *bits;
    int i;

    if (text == NULL) {
        return;
    }
    toks = tsr_search_tokens(p, text, strlen(text));
    for (i = 0; i < toks->nelts; i++) {
        const char *w = APR_ARRAY_IDX(toks, i, const char *);

        if ((bits = apr_hash_get(h, w, APR_HASH_KEY_STRING)) == NULL) {
            bits = apr_pcalloc(p, 1);
            apr_hash_set(h, w, APR_HASH_KEY_STRING, bits);
        }
        *bits |= bit;
    }
}

tsr_search_places_t *tsr_search_places_make(apr_pool_t *p,
                                            const tsr_search_entry_t *e)
{
    tsr_search_places_t *pl = apr_palloc(p, sizeof(*pl));

    pl->words = apr_hash_make(p);
    mark(p, pl->words, e->name, TSR_SEARCH_IN_NAME);
    mark(p, pl->words, e->keywords, TSR_SEARCH_IN_KEYWORDS);
    mark(p, pl->words, e->description, TSR_SEARCH_IN_DESCRIPTION);
    return pl;
}

static void put_be(unsigned char *at, apr_uint64_t v, int bytes)
{
    while (bytes-- > 0) {
        at[bytes] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
}

static apr_uint64_t get_be(const unsigned char *at, int bytes)
{
    apr_uint64_t v = 0;
    int i;

    for (i = 0; i < bytes; i++) {
        v = (v << 8) | at[i];
    }
    return v;
}

void tsr_search_brief_make(unsigned char *b, const tsr_search_entry_t *e,
                           const tsr_search_places_t *pl, const char *term)
{
    apr_size_t wl = sizeof(TSR_SEARCH_T_WORD) - 1;
    unsigned char *bits = NULL;

    if (strncmp(term, TSR_SEARCH_T_WORD, wl) == 0) {
        bits = apr_hash_get(pl->words, term + wl, APR_HASH_KEY_STRING);
    }
    memset(b, 0, TSR_SEARCH_BRIEF_LEN);
    b[0] = BRIEF_VERSION;
    b[1] = bits ? *bits : 0;
    b[2] = (unsigned char)((e->deprecated ? F_DEPRECATED : 0)
                           | (e->readers ? F_RESTRICTED : 0));
    put_be(b + 4, (apr_uint64_t)e->released, 8);
    put_be(b + 12, e->stars, 4);
    put_be(b + 16, e->versions, 4);
    put_be(b + 20, (apr_uint64_t)(e->quality * 1e6 + 0.5), 4);
}

const char *tsr_search_posting_make(apr_size_t *plen, apr_pool_t *p,
                                    const char *name,
                                    const tsr_search_entry_t *e,
                                    const tsr_search_places_t *pl,
                                    const char *term)
{
    apr_size_t nlen = strlen(name);
    unsigned char *v = apr_pcalloc(p, nlen + 1 + TSR_SEARCH_BRIEF_LEN + 1);

    memcpy(v, name, nlen);
    tsr_search_brief_make(v + nlen + 1, e, pl, term);
    *plen = nlen + 1 + TSR_SEARCH_BRIEF_LEN;
    return (const char *)v;
}

apr_size_t tsr_search_posting_name_len(const char *value, apr_size_t len)
{
    const char *nul = memchr(value, '\0', len);

    return nul ? (apr_size_t)(nul - value) : len;
}

void tsr_search_brief_decode(tsr_search_posting_t *o,
                             const unsigned char *b, apr_size_t len)
{
    /* A brief of another length or version is one this registry cannot
     * read: the entry answers instead. */
    if (len != TSR_SEARCH_BRIEF_LEN || b[0] != BRIEF_VERSION) {
        o->brief = 0;
        return;
    }
    o->brief = 1;
    o->place = b[1];
    o->deprecated = (b[2] & F_DEPRECATED) != 0;
    o->restricted = (b[2] & F_RESTRICTED) != 0;
    o->released = (apr_int64_t)get_be(b + 4, 8);
    o->stars = (apr_uint32_t)get_be(b + 12, 4);
    o->versions = (apr_uint32_t)get_be(b + 16, 4);
    o->quality = (double)get_be(b + 20, 4) / 1e6;
}

apr_status_t tsr_search_posting_decode(tsr_search_posting_t *o,
                                       const char *value, apr_size_t len)
{
    apr_size_t nlen = tsr_search_posting_name_len(value, len);

    memset(o, 0, sizeof(*o));
    if (nlen == 0) {
        return APR_EINVAL;
    }
    o->name = value;
    if (len > nlen) {
        tsr_search_brief_decode(o, (const unsigned char *)value + nlen + 1,
                                len - nlen - 1);
    }
    return APR_SUCCESS;
}
