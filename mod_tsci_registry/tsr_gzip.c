/* tsr_gzip: Accept-Encoding, and gzip'd views made with zlib in one pass
 * over the view's pieces (the payload between splice places and the base
 * URL), so no plain copy of a document is made to compress it. */
#include <string.h>
#include <zlib.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "tsr_gzip.h"

#define RECORD_MAGIC "TSZ1"

/* A qvalue (RFC 9110 section 12.4.2) in thousandths, or -1 when s (n
 * bytes) is not one: a malformed weight refuses rather than guesses. */
static int qvalue(const char *s, apr_size_t n)
{
    int q, scale = 100;
    apr_size_t i;

    if (n == 0 || (s[0] != '0' && s[0] != '1')) {
        return -1;
    }
    q = (s[0] - '0') * 1000;
    if (n == 1) {
        return q;
    }
    if (s[1] != '.' || n > 5) {
        return -1;
    }
    for (i = 2; i < n; i++, scale /= 10) {
        if (!apr_isdigit(s[i])) {
            return -1;
        }
        q += (s[i] - '0') * scale;
    }
    return q > 1000 ? -1 : q;
}

/* The weight of one element "coding; q=0.5" (n bytes): 1000 unless a q
 * parameter says otherwise; other parameters are ignored. */
static int element_q(const char *s, apr_size_t n)
{
    const char *end = s + n, *semi;
    int q = 1000;

    while ((semi = memchr(s, ';', (apr_size_t)(end - s))) != NULL) {
        const char *v = semi + 1, *vend;

        while (v < end && (*v == ' ' || *v == '\t')) {
            v++;
        }
        vend = v < end ? memchr(v, ';', (apr_size_t)(end - v)) : NULL;
        vend = vend ? vend : end;
        s = vend;
        while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t')) {
            vend--;
        }
        if (vend - v >= 2 && apr_tolower(v[0]) == 'q' && v[1] == '=') {
            q = qvalue(v + 2, (apr_size_t)(vend - v - 2));
        }
    }
    return q;
}

static int is_coding(const char *s, apr_size_t n, const char *name)
{
    return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

int tsr_gzip_accepted(const char *header)
{
    int gzip_q = -1, star_q = -1;
    const char *at = header;

    if (header == NULL) {
        return 0;
    }
    while (*at) {
        const char *end = strchr(at, ','), *name_end;
        apr_size_t n;
        int q;

        end = end ? end : at + strlen(at);
        while (at < end && (*at == ' ' || *at == '\t')) {
            at++;
        }
        for (name_end = at; name_end < end && *name_end != ';'
                            && *name_end != ' ' && *name_end != '\t';
             name_end++) {
        }
        n = (apr_size_t)(name_end - at);
        q = element_q(name_end, (apr_size_t)(end - name_end));
        /* The highest weight given to a name counts: "gzip;q=0, gzip"
         * is a confused client, and gzip is what it can take. */
        if (is_coding(at, n, "gzip") || is_coding(at, n, "x-gzip")) {
            gzip_q = q > gzip_q ? q : gzip_q;
        }
        else if (is_coding(at, n, "*")) {
            star_q = q > star_q ? q : star_q;
        }
        at = *end ? end + 1 : end;
    }
    return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}

static apr_status_t deflate_cleanup(void *data)
{
    deflateEnd(data);
    return APR_SUCCESS;
}

/* Feed len bytes at data to z, whose output room is large enough for the
 * whole stream (deflateBound). */
static int feed(z_stream *z, const char *data, apr_size_t len, int flush)
{
    int ret;

    z->next_in = (Bytef *)data;
    z->avail_in = (uInt)len;
    ret = deflate(z, flush);
    if (ret == Z_STREAM_ERROR || z->avail_in != 0
        || (flush == Z_FINISH && ret != Z_STREAM_END)) {
        return 0;
    }
    return 1;
}

apr_status_t tsr_gzip_view(const char **pgz, apr_size_t *plen, apr_pool_t *p,
                           const tsr_view_t *v, const char *base,
                           apr_size_t base_len, int level)
{
    apr_size_t total = tsr_view_length(v, base_len);
    struct iovec *iov;
    z_stream *z;
    uLong room;
    Bytef *out;
    int i, n, ok = 1;

    if (total > 0x7fffffffu) {
        return APR_EINVAL;
    }
    z = apr_pcalloc(p, sizeof(*z));
    /* 15 + 16: a gzip wrapper (RFC 1952) around the deflate stream. */
    if (deflateInit2(z, level, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY)
        != Z_OK) {
        return APR_ENOMEM;
    }
    apr_pool_cleanup_register(p, z, deflate_cleanup, apr_pool_cleanup_null);
    room = deflateBound(z, (uLong)total);
    out = apr_palloc(p, room);
    z->next_out = out;
    z->avail_out = (uInt)room;
    iov = apr_palloc(p, (2 * v->nsplice + 1) * sizeof(*iov));
    n = tsr_view_iovec(v, base, base_len, iov);
    for (i = 0; ok && i < n; i++) {
        ok = feed(z, iov[i].iov_base, iov[i].iov_len,
                  i == n - 1 ? Z_FINISH : Z_NO_FLUSH);
    }
    if (n == 0) {
        ok = feed(z, "", 0, Z_FINISH);
    }
    if (!ok) {
        return APR_EGENERAL;
    }
    *pgz = (const char *)out;
    *plen = room - z->avail_out;
    apr_pool_cleanup_run(p, z, deflate_cleanup);
    return APR_SUCCESS;
}

static void put32(unsigned char *b, apr_uint32_t v)
{
    b[0] = v >> 24; b[1] = v >> 16; b[2] = v >> 8; b[3] = v;
}

static apr_uint32_t get32(const unsigned char *b)
{
    return ((apr_uint32_t)b[0] << 24) | ((apr_uint32_t)b[1] << 16)
           | ((apr_uint32_t)b[2] << 8) | b[3];
}

apr_status_t tsr_gzip_record_make(const char **prec, apr_size_t *plen,
                                  apr_pool_t *p, const char *view,
                                  apr_size_t view_len, const char *base)
{
    apr_size_t blen = strlen(base), gzlen, vlen;
    const char *gz, *vblob;
    unsigned char *rec;
    tsr_view_t v;
    apr_status_t rv;

    if (blen > 0xffffu) {
        return APR_EINVAL;
    }
    if ((rv = tsr_view_decode(&v, view, view_len)) != APR_SUCCESS
        || (rv = tsr_gzip_view(&gz, &gzlen, p, &v, base, blen,
                               TSR_GZIP_STORED_LEVEL)) != APR_SUCCESS
        || (rv = tsr_view_encode_plain(&vblob, &vlen, p, &v, gz, gzlen))
               != APR_SUCCESS) {
        return rv;
    }
    rec = apr_palloc(p, 8 + blen + vlen);
    memcpy(rec, RECORD_MAGIC, 4);
    put32(rec + 4, (apr_uint32_t)blen);
    memcpy(rec + 8, base, blen);
    memcpy(rec + 8 + blen, vblob, vlen);
    *prec = (const char *)rec;
    *plen = 8 + blen + vlen;
    return APR_SUCCESS;
}

apr_status_t tsr_gzip_record_decode(const char *rec, apr_size_t len,
                                    const char **pbase,
                                    apr_size_t *pbase_len, tsr_view_t *v)
{
    const unsigned char *b = (const unsigned char *)rec;
    apr_size_t blen;

    if (len < 8 || memcmp(rec, RECORD_MAGIC, 4) != 0) {
        return APR_EINVAL;
    }
    blen = get32(b + 4);
    if (blen > len - 8) {
        return APR_EINVAL;
    }
    *pbase = rec + 8;
    *pbase_len = blen;
    if (tsr_view_decode(v, rec + 8 + blen, len - 8 - blen) != APR_SUCCESS
        || v->nsplice != 0) {
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}
