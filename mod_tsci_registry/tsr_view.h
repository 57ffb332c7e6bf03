/* tsr_view: a package document serialized ahead of time, ready to be sent
 * with the registry's base URL spliced in front of every tarball path. */
#ifndef TSR_VIEW_H
#define TSR_VIEW_H

#include <sys/uio.h>
#include <apr_pools.h>
#include <apr_time.h>

/* A decoded view; every pointer points into the blob it came from. */
typedef struct tsr_view_t {
    const char *rev;            /* document revision ("3-ab12..."), */
    apr_size_t rev_len;         /*   not NUL-terminated */
    apr_time_t mtime;           /* time.modified */
    apr_size_t nsplice;         /* places where the base URL goes */
    const unsigned char *offsets;   /* nsplice big-endian u32 offsets */
    const char *payload;        /* JSON text without the base URL */
    apr_size_t payload_len;
    const char *readers;        /* who may read it ("a,b", not
                                 * NUL-terminated); NULL: everyone */
    apr_size_t readers_len;
} tsr_view_t;

/* Encode json (json_len bytes) into a blob (in p).  Every string in json
 * that starts with marker is a place for the base URL: the marker is cut
 * out and its offset remembered.  marker must be something no client can
 * guess (a random word), made only of letters and digits.  readers: the
 * users who alone may read it ("a,b"), or NULL (or "") for everyone. */
apr_status_t tsr_view_encode(const char **pblob, apr_size_t *plen,
                             apr_pool_t *p, const char *rev, apr_time_t mtime,
                             const char *json, apr_size_t json_len,
                             const char *marker, const char *readers);

/* Decode a blob without copying; APR_EINVAL when it is not a view. */
apr_status_t tsr_view_decode(tsr_view_t *v, const char *blob,
                             apr_size_t len);

/* May user (NULL: anonymous) read v? */
int tsr_view_readable_by(const tsr_view_t *v, const char *user);

/* Bytes the view takes once a base of base_len bytes is spliced in. */
apr_size_t tsr_view_length(const tsr_view_t *v, apr_size_t base_len);

/* Fill iov (room for 2 * nsplice + 1 entries) with the payload pieces and
 * the base between them; returns the number of entries used. */
int tsr_view_iovec(const tsr_view_t *v, const char *base, apr_size_t base_len,
                   struct iovec *iov);

/* The whole text with base spliced in, NUL-terminated (in p). */
char *tsr_view_flatten(const tsr_view_t *v, apr_pool_t *p, const char *base);

/* A view blob (in p) with v's revision, time and readers, no splice
 * places, and payload (len bytes) as its text: how a form of v that needs
 * no base (its gzip'd text, made for one base) is kept. */
apr_status_t tsr_view_encode_plain(const char **pblob, apr_size_t *plen,
                                   apr_pool_t *p, const tsr_view_t *v,
                                   const char *payload, apr_size_t len);

#endif
