/* tsr_gzip: the gzip forms of ready views, and whether a client takes
 * them.  A package write keeps, next to each plain view, a "gzip record":
 * the view's text with one base URL spliced in, gzip'd once, so that a
 * client sending Accept-Encoding: gzip (every npm, pnpm, yarn and bun
 * request) costs what the plain view costs. */
#ifndef TSR_GZIP_H
#define TSR_GZIP_H

#include <apr_pools.h>
#include "tsr_view.h"

/* Compression level of the records a write keeps: written once, sent many
 * times, so the smallest bytes are worth the CPU of a write. */
#define TSR_GZIP_STORED_LEVEL 9
/* Level for a body made while the request waits (a base URL that no
 * record was made for): zlib's default, most of level 9's ratio at about
 * half its CPU. */
#define TSR_GZIP_LIVE_LEVEL 6

/* Does the Accept-Encoding value header (NULL: none) take gzip?  RFC 9110
 * section 12.5.3: "gzip" or its alias "x-gzip" with q > 0, or else "*"
 * with q > 0; a coding named with q=0 is refused even when "*" is
 * accepted.  No header: no (a client that sends none may not inflate). */
int tsr_gzip_accepted(const char *header);

/* The text of view v with base (base_len bytes) spliced in, gzip'd at
 * level (1-9) into *pgz, *plen (in p), without making the plain text
 * first.  The bytes are the same for the same input (no file name, no
 * time in the header). */
apr_status_t tsr_gzip_view(const char **pgz, apr_size_t *plen, apr_pool_t *p,
                           const tsr_view_t *v, const char *base,
                           apr_size_t base_len, int level);

/* The gzip record of the view blob (view, view_len) for base, in p:
 * "TSZ1", u32 base length, the base, then a view blob (tsr_view.h) of the
 * same revision, time and readers with no splice places whose payload is
 * the gzip'd text.  APR_EINVAL when view is not a view. */
apr_status_t tsr_gzip_record_make(const char **prec, apr_size_t *plen,
                                  apr_pool_t *p, const char *view,
                                  apr_size_t view_len, const char *base);

/* Decode a gzip record without copying: *pbase, *pbase_len the base it
 * was made for (not NUL-terminated), v its view (v->payload the gzip
 * bytes).  APR_EINVAL when rec is not one. */
apr_status_t tsr_gzip_record_decode(const char *rec, apr_size_t len,
                                    const char **pbase,
                                    apr_size_t *pbase_len, tsr_view_t *v);

#endif
