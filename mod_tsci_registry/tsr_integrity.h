/* tsr_integrity: digests (SHA-1, SHA-256, SHA-512), Subresource Integrity
 * strings, strict base64 and random bytes, through OpenSSL's libcrypto. */
#ifndef TSR_INTEGRITY_H
#define TSR_INTEGRITY_H

#include <apr_pools.h>

/* Lower-case hex SHA-1 of data, as npm's dist.shasum (in p). */
const char *tsr_integrity_sha1_hex(apr_pool_t *p, const void *data,
                                   apr_size_t len);

/* "sha512-<base64>" of data, as npm's dist.integrity (in p). */
const char *tsr_integrity_sri512(apr_pool_t *p, const void *data,
                                 apr_size_t len);

/* Raw SHA-256 of data into out[32]. */
void tsr_integrity_sha256(unsigned char out[32], const void *data,
                          apr_size_t len);

/* Lower-case hex of len bytes (in p). */
const char *tsr_integrity_hex(apr_pool_t *p, const unsigned char *bytes,
                              apr_size_t len);

/* Standard base64 of len bytes, padded (in p). */
const char *tsr_integrity_base64(apr_pool_t *p, const void *data,
                                 apr_size_t len);

/* Unpadded base64url of len bytes (in p), for tokens. */
const char *tsr_integrity_base64url(apr_pool_t *p, const void *data,
                                    apr_size_t len);

/* Decode standard base64 (padding required, no white space or other
 * characters) into a buffer allocated in p.  Returns APR_SUCCESS, or
 * APR_EINVAL when the text is not strict base64. */
apr_status_t tsr_integrity_base64_decode(unsigned char **pout,
                                         apr_size_t *plen, apr_pool_t *p,
                                         const char *text, apr_size_t tlen);

/* len cryptographically random bytes into buf. */
apr_status_t tsr_integrity_random(void *buf, apr_size_t len);

/* Decode n characters of unpadded base64url at s (tokens, JWT parts)
 * into a buffer in p, NUL-terminated after its *plen bytes: NULL when
 * they are empty or not base64url. */
char *tsr_integrity_base64url_decode(apr_pool_t *p, const char *s,
                                     apr_size_t n, apr_size_t *plen);

#endif
