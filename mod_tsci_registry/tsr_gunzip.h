/* tsr_gunzip: a gzip'd request body (Content-Encoding: gzip) inflated in
 * pieces as it arrives, never to more than a bound, so that a few
 * kilobytes that inflate to gigabytes cost no more than the bound. */
#ifndef TSR_GUNZIP_H
#define TSR_GUNZIP_H

#include <apr_pools.h>
#include "tsr_error.h"

typedef struct tsr_gunzip_t tsr_gunzip_t;

/* Where the inflated bytes go, a piece at a time; a failure (with *perr
 * set) stops the inflater. */
typedef apr_status_t tsr_gunzip_sink_fn(void *baton, const char *data,
                                        apr_size_t len, tsr_error_t **perr);

/* An inflater of gzip members (RFC 1952; several members in a row are one
 * stream, as gunzip has it) that hands at most max_out inflated bytes to
 * sink.  zlib's state is released when p is cleared. */
apr_status_t tsr_gunzip_create(tsr_gunzip_t **pg, apr_pool_t *p,
                               apr_off_t max_out, tsr_gunzip_sink_fn *sink,
                               void *baton, tsr_error_t **perr);

/* Inflate the next len bytes of the gzip stream.  Refuses with 413 as
 * soon as the inflated bytes would pass max_out, and with 400 when the
 * bytes are not gzip (a bad header, corrupt data, a CRC or length that
 * does not match, anything but another member after a member's end).
 * After a refusal the inflater takes nothing more. */
apr_status_t tsr_gunzip_feed(tsr_gunzip_t *g, const char *data,
                             apr_size_t len, tsr_error_t **perr);

/* The stream is over: 400 unless it ended at the end of a member. */
apr_status_t tsr_gunzip_finish(tsr_gunzip_t *g, tsr_error_t **perr);

/* The number of inflated bytes handed to the sink so far. */
apr_off_t tsr_gunzip_inflated(const tsr_gunzip_t *g);

#endif
