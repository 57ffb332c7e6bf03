/* tsr_integrity: hashes and encodings over libcrypto. */
#include <string.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <apr_strings.h>
#include "tsr_integrity.h"

static void digest(const EVP_MD *md, unsigned char *out, const void *data,
                   apr_size_t len)
{
    unsigned int olen = 0;

    EVP_Digest(data, len, out, &olen, md, NULL);
}

const char *tsr_integrity_hex(apr_pool_t *p, const unsigned char *bytes,
                              apr_size_t len)
{
    static const char hex[] = "0123456789abcdef";
    char *s = apr_palloc(p, len * 2 + 1);
    apr_size_t i;

    for (i = 0; i < len; i++) {
        s[2 * i] = hex[bytes[i] >> 4];
        s[2 * i + 1] = hex[bytes[i] & 15];
    }
    s[2 * len] = '\0';
    return s;
}

const char *tsr_integrity_sha1_hex(apr_pool_t *p, const void *data,
                                   apr_size_t len)
{
    unsigned char md[20];

    digest(EVP_sha1(), md, data, len);
    return tsr_integrity_hex(p, md, sizeof(md));
}

const char *tsr_integrity_sri512(apr_pool_t *p, const void *data,
                                 apr_size_t len)
{
    unsigned char md[64];

    digest(EVP_sha512(), md, data, len);
    return apr_pstrcat(p, "sha512-", tsr_integrity_base64(p, md, sizeof(md)),
                       NULL);
}

void tsr_integrity_sha256(unsigned char out[32], const void *data,
                          apr_size_t len)
{
    digest(EVP_sha256(), out, data, len);
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const char *encode(apr_pool_t *p, const unsigned char *in,
                          apr_size_t len, int url)
{
    char *out = apr_palloc(p, (len + 2) / 3 * 4 + 1), *o = out;
    apr_size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        *o++ = b64[in[i] >> 2];
        *o++ = b64[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
        *o++ = b64[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
        *o++ = b64[in[i + 2] & 63];
    }
    if (i < len) {
        *o++ = b64[in[i] >> 2];
        if (i + 1 < len) {
            *o++ = b64[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
            *o++ = b64[(in[i + 1] & 15) << 2];
        }
        else {
            *o++ = b64[(in[i] & 3) << 4];
            if (!url) {
                *o++ = '=';
            }
        }
        if (!url) {
            *o++ = '=';
        }
    }
    *o = '\0';
    if (url) {
        for (o = out; *o; o++) {
            if (*o == '+') {
                *o = '-';
            }
            else if (*o == '/') {
                *o = '_';
            }
        }
    }
    return out;
}

const char *tsr_integrity_base64(apr_pool_t *p, const void *data,
                                 apr_size_t len)
{
    return encode(p, data, len, 0);
}

const char *tsr_integrity_base64url(apr_pool_t *p, const void *data,
                                    apr_size_t len)
{
    return encode(p, data, len, 1);
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

apr_status_t tsr_integrity_base64_decode(unsigned char **pout,
                                         apr_size_t *plen, apr_pool_t *p,
                                         const char *text, apr_size_t tlen)
{
    const unsigned char *t = (const unsigned char *)text;
    unsigned char *out, *o;
    apr_size_t i, pad = 0;

    if (tlen % 4 != 0) {
        return APR_EINVAL;
    }
    if (tlen >= 1 && t[tlen - 1] == '=') {
        pad = (tlen >= 2 && t[tlen - 2] == '=') ? 2 : 1;
    }
    out = o = apr_palloc(p, tlen / 4 * 3 + 1);
    for (i = 0; i < tlen; i += 4) {
        int last = (i + 4 == tlen);
        int a = b64val(t[i]), b = b64val(t[i + 1]);
        int c = (last && pad == 2) ? 0 : b64val(t[i + 2]);
        int d = (last && pad >= 1) ? 0 : b64val(t[i + 3]);

        if (a < 0 || b < 0 || c < 0 || d < 0) {
            return APR_EINVAL;
        }
        *o++ = (unsigned char)((a << 2) | (b >> 4));
        if (!(last && pad == 2)) {
            *o++ = (unsigned char)(((b & 15) << 4) | (c >> 2));
        }
        else if (b & 15) {
            return APR_EINVAL;      /* non-canonical trailing bits */
        }
        if (!(last && pad >= 1)) {
            *o++ = (unsigned char)(((c & 3) << 6) | d);
        }
        else if (pad == 1 && (c & 3)) {
            return APR_EINVAL;
        }
    }
    *o = '\0';
    *pout = out;
    *plen = (apr_size_t)(o - out);
    return APR_SUCCESS;
}

apr_status_t tsr_integrity_random(void *buf, apr_size_t len)
{
    return RAND_bytes(buf, (int)len) == 1 ? APR_SUCCESS : APR_EGENERAL;
}

char *tsr_integrity_base64url_decode(apr_pool_t *p, const char *s,
                                     apr_size_t n, apr_size_t *plen)
{
    char *std;
    unsigned char *out;
    apr_size_t i, pad;

    /* A length of 1 mod 4 is no encoding of whole bytes. */
    if (n == 0 || n % 4 == 1) {
        return NULL;
    }
    pad = (4 - n % 4) % 4;
    std = apr_palloc(p, n + pad + 1);
    for (i = 0; i < n; i++) {
        char ch = s[i];

        if (ch == '-') {
            ch = '+';
        }
        else if (ch == '_') {
            ch = '/';
        }
        else if (ch == '+' || ch == '/' || ch == '=') {
            return NULL;        /* the standard alphabet is not base64url */
        }
        std[i] = ch;
    }
    memset(std + n, '=', pad);
    std[n + pad] = '\0';
    if (tsr_integrity_base64_decode(&out, plen, p, std, n + pad)
        != APR_SUCCESS) {
        return NULL;
    }
    return apr_pstrmemdup(p, (const char *)out, *plen);
}
