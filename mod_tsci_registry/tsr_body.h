/* tsr_body: a JSON request body taken in pieces as it arrives, within a
 * byte limit; for an npm publish the tarball's base64 is decoded on the
 * way in, so that neither the body nor the base64 is ever held whole. */
#ifndef TSR_BODY_H
#define TSR_BODY_H

#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_error.h"

/* Decode the string at _attachments.<key>.data, for the one key that does
 * not end in ".sigstore", as it streams past; the document keeps an empty
 * string in its place. */
#define TSR_BODY_ATTACHMENT 1
/* The body is gzip'd (Content-Encoding: gzip): it is inflated as it is
 * taken (tsr_gunzip), and the limit bounds the inflated bytes as well as
 * the bytes taken.  Not with TSR_BODY_ATTACHMENT. */
#define TSR_BODY_GZIP 2
/* The document may nest up to TSR_BODY_DEEP_DEPTH levels rather than
 * TSR_JSON_MAX_DEPTH: pnpm's audit sends its dependency tree nested, one
 * level of JSON per dependency on a path. */
#define TSR_BODY_DEEP 4
#define TSR_BODY_DEEP_DEPTH 512

typedef struct tsr_body_t tsr_body_t;

/* A reader of a body of at most limit bytes.  expect is the length the
 * client announced, or -1 when it did not (chunked): a body announced
 * longer than limit is refused (413) before anything is read.  flags is 0
 * or TSR_BODY_ATTACHMENT, or TSR_BODY_GZIP and TSR_BODY_DEEP, alone or
 * together.  The reader and all it holds (the document's
 * text, the decoded attachment) live until p is cleared. */
apr_status_t tsr_body_create(tsr_body_t **pb, apr_pool_t *p, apr_off_t limit,
                             apr_off_t expect, int flags,
                             tsr_error_t **perr);

/* Take the next len bytes of the body.  Refuses with 413 as soon as the
 * bytes taken (or, gzip'd, inflated) pass the limit, with 400 when a
 * gzip'd body is not valid gzip (tsr_gunzip_feed), and when the
 * attachment's data is
 * not strict base64 (the JSON escape "\/" is allowed in it), when there is
 * more than one attachment to take, or when the nesting is far too deep.
 * After a refusal the reader takes nothing more. */
apr_status_t tsr_body_feed(tsr_body_t *b, const char *data, apr_size_t len,
                           tsr_error_t **perr);

/* The body is over: parse what was taken (tsr_json_parse, its limits and
 * its refusals) into *pdoc, owned by the reader's pool.  A gzip'd body
 * that ends before its gzip trailer is refused (400). */
apr_status_t tsr_body_finish(tsr_body_t *b, json_object **pdoc,
                             tsr_error_t **perr);

/* The decoded attachment after a successful tsr_body_finish, read-only and
 * valid until the reader's pool is cleared; NULL (and *plen 0) when no
 * attachment data was taken. */
const unsigned char *tsr_body_attachment(const tsr_body_t *b,
                                         apr_size_t *plen);

/* The number of body bytes taken so far. */
apr_off_t tsr_body_length(const tsr_body_t *b);

#endif
