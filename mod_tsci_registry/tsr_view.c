/* tsr_view: encoding of ready-to-send documents.  Layout of a blob, all
 * integers big-endian: "TSV1", u32 rev_len, u64 mtime, u32 nsplice,
 * nsplice x u32 offset, rev bytes, payload bytes.  A view only some users
 * may read is "TSV2", with u32 readers_len after nsplice and the readers
 * (names separated by ',') after rev: views of public packages keep the
 * first layout, byte for byte. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_view.h"

#define MAGIC "TSV1"
#define MAGIC_READERS "TSV2"
#define HEADER (4 + 4 + 8 + 4)

static void put32(unsigned char *b, apr_uint32_t v)
{
    b[0] = v >> 24; b[1] = v >> 16; b[2] = v >> 8; b[3] = v;
}

static apr_uint32_t get32(const unsigned char *b)
{
    return ((apr_uint32_t)b[0] << 24) | ((apr_uint32_t)b[1] << 16)
           | ((apr_uint32_t)b[2] << 8) | b[3];
}

apr_status_t tsr_view_encode(const char **pblob, apr_size_t *plen,
                             apr_pool_t *p, const char *rev, apr_time_t mtime,
                             const char *json, apr_size_t json_len,
                             const char *marker, const char *readers)
{
    apr_size_t mlen = strlen(marker), rlen = strlen(rev), n = 0, i;
    apr_size_t rdlen = readers ? strlen(readers) : 0;
    apr_size_t head = rdlen ? HEADER + 4 : HEADER;
    apr_size_t plen_out, cap;
    const char *s, *end = json + json_len;
    unsigned char *blob, *offs;
    char *out;

    if (json_len > 0xffffffffu || mlen == 0) {
        return APR_EINVAL;
    }
    /* Count places first, so the blob is allocated once. */
    for (s = json; (s = memchr(s, '"', end - s)) != NULL; s++) {
        if ((apr_size_t)(end - s - 1) >= mlen
            && memcmp(s + 1, marker, mlen) == 0) {
            n++;
        }
    }
    cap = head + 4 * n + rlen + rdlen + json_len;
    blob = apr_palloc(p, cap);
    memcpy(blob, rdlen ? MAGIC_READERS : MAGIC, 4);
    put32(blob + 4, (apr_uint32_t)rlen);
    put32(blob + 8, (apr_uint32_t)((apr_uint64_t)mtime >> 32));
    put32(blob + 12, (apr_uint32_t)mtime);
    put32(blob + 16, (apr_uint32_t)n);
    if (rdlen) {
        put32(blob + 20, (apr_uint32_t)rdlen);
    }
    offs = blob + head;
    memcpy(offs + 4 * n, rev, rlen);
    memcpy(offs + 4 * n + rlen, readers, rdlen);
    out = (char *)offs + 4 * n + rlen + rdlen;
    plen_out = 0;
    i = 0;
    for (s = json; s < end;) {
        const char *q = memchr(s, '"', end - s);
        apr_size_t chunk = q ? (apr_size_t)(q - s) + 1 : (apr_size_t)(end - s);

        memcpy(out + plen_out, s, chunk);
        plen_out += chunk;
        s += chunk;
        if (q && (apr_size_t)(end - s) >= mlen
            && memcmp(s, marker, mlen) == 0) {
            put32(offs + 4 * i++, (apr_uint32_t)plen_out);
            s += mlen;
        }
    }
    *pblob = (const char *)blob;
    *plen = head + 4 * n + rlen + rdlen + plen_out;
    return APR_SUCCESS;
}

apr_status_t tsr_view_decode(tsr_view_t *v, const char *blob, apr_size_t len)
{
    const unsigned char *b = (const unsigned char *)blob;
    apr_uint64_t hi, lo, fixed;
    apr_size_t i, head = HEADER;

    if (len < HEADER) {
        return APR_EINVAL;
    }
    v->readers = NULL;
    v->readers_len = 0;
    if (memcmp(b, MAGIC_READERS, 4) == 0) {
        head = HEADER + 4;
        if (len < head) {
            return APR_EINVAL;
        }
        v->readers_len = get32(b + 20);
    }
    else if (memcmp(b, MAGIC, 4) != 0) {
        return APR_EINVAL;
    }
    v->rev_len = get32(b + 4);
    hi = get32(b + 8);
    lo = get32(b + 12);
    v->mtime = (apr_time_t)((hi << 32) | lo);
    v->nsplice = get32(b + 16);
    fixed = (apr_uint64_t)head + 4 * (apr_uint64_t)v->nsplice + v->rev_len
            + v->readers_len;
    if (fixed > len) {
        return APR_EINVAL;
    }
    v->offsets = b + head;
    v->rev = blob + head + 4 * v->nsplice;
    if (v->readers_len) {
        v->readers = v->rev + v->rev_len;
    }
    v->payload = v->rev + v->rev_len + v->readers_len;
    v->payload_len = len - (apr_size_t)fixed;
    for (i = 0; i < v->nsplice; i++) {
        if (get32(v->offsets + 4 * i) > v->payload_len
            || (i > 0 && get32(v->offsets + 4 * i)
                             < get32(v->offsets + 4 * (i - 1)))) {
            return APR_EINVAL;
        }
    }
    return APR_SUCCESS;
}

int tsr_view_readable_by(const tsr_view_t *v, const char *user)
{
    const char *at, *end;
    apr_size_t ulen;

    if (v->readers == NULL) {
        return 1;
    }
    if (user == NULL || (ulen = strlen(user)) == 0) {
        return 0;
    }
    end = v->readers + v->readers_len;
    for (at = v->readers; at < end;) {
        const char *comma = memchr(at, ',', (apr_size_t)(end - at));
        apr_size_t n = comma ? (apr_size_t)(comma - at)
                             : (apr_size_t)(end - at);

        if (n == ulen && memcmp(at, user, n) == 0) {
            return 1;
        }
        at += n + 1;
    }
    return 0;
}

apr_size_t tsr_view_length(const tsr_view_t *v, apr_size_t base_len)
{
    return v->payload_len + v->nsplice * base_len;
}

int tsr_view_iovec(const tsr_view_t *v, const char *base, apr_size_t base_len,
                   struct iovec *iov)
{
    apr_size_t i, prev = 0;
    int n = 0;

    for (i = 0; i < v->nsplice; i++) {
        apr_size_t off = get32(v->offsets + 4 * i);

        iov[n].iov_base = (void *)(v->payload + prev);
        iov[n++].iov_len = off - prev;
        iov[n].iov_base = (void *)base;
        iov[n++].iov_len = base_len;
        prev = off;
    }
    iov[n].iov_base = (void *)(v->payload + prev);
    iov[n++].iov_len = v->payload_len - prev;
    return n;
}

char *tsr_view_flatten(const tsr_view_t *v, apr_pool_t *p, const char *base)
{
    apr_size_t blen = strlen(base), len = tsr_view_length(v, blen), at = 0;
    struct iovec *iov = apr_palloc(p, (2 * v->nsplice + 1) * sizeof(*iov));
    char *out = apr_palloc(p, len + 1);
    int i, n = tsr_view_iovec(v, base, blen, iov);

    for (i = 0; i < n; i++) {
        memcpy(out + at, iov[i].iov_base, iov[i].iov_len);
        at += iov[i].iov_len;
    }
    out[at] = '\0';
    return out;
}

apr_status_t tsr_view_encode_plain(const char **pblob, apr_size_t *plen,
                                   apr_pool_t *p, const tsr_view_t *v,
                                   const char *payload, apr_size_t len)
{
    apr_size_t head = v->readers_len ? HEADER + 4 : HEADER;
    apr_size_t total = head + v->rev_len + v->readers_len + len;
    unsigned char *blob;

    if (len > 0xffffffffu) {
        return APR_EINVAL;
    }
    blob = apr_palloc(p, total);
    memcpy(blob, v->readers_len ? MAGIC_READERS : MAGIC, 4);
    put32(blob + 4, (apr_uint32_t)v->rev_len);
    put32(blob + 8, (apr_uint32_t)((apr_uint64_t)v->mtime >> 32));
    put32(blob + 12, (apr_uint32_t)v->mtime);
    put32(blob + 16, 0);
    if (v->readers_len) {
        put32(blob + 20, (apr_uint32_t)v->readers_len);
    }
    memcpy(blob + head, v->rev, v->rev_len);
    memcpy(blob + head + v->rev_len, v->readers, v->readers_len);
    memcpy(blob + head + v->rev_len + v->readers_len, payload, len);
    *pblob = (const char *)blob;
    *plen = total;
    return APR_SUCCESS;
}
