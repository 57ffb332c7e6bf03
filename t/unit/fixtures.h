/* fixtures: what the unit tests build for themselves: a pool per test,
 * gzip'd tarballs made in memory, npm publish bodies, digests computed
 * without the core, and scratch data directories. */
#ifndef FIXTURES_H
#define FIXTURES_H

#include <check.h>
#include <apr_pools.h>
#include <json-c/json.h>
#include "tsr_tsci.h"

/* The pool of the running test, created and destroyed around it. */
extern apr_pool_t *fx_pool;

/* A test case whose tests each get a fresh fx_pool, with a timeout that
 * leaves room for bcrypt and fsync. */
TCase *fx_tcase(const char *name);

/* One entry of a tarball: a regular file, or a directory when dir is set.
 * len 0 means strlen(data).  A list of entries ends with a NULL path. */
typedef struct fx_entry_t {
    const char *path;
    const char *data;
    apr_size_t len;
    int dir;
} fx_entry_t;

/* A gzip'd pax tar of entries, built with libarchive in p. */
const unsigned char *fx_tarball(apr_pool_t *p, const fx_entry_t *entries,
                                apr_size_t *plen);

/* The gzip (one member, no tar inside) of len bytes of data, in p. */
const unsigned char *fx_gzip(apr_pool_t *p, const void *data, apr_size_t len,
                             apr_size_t *plen);

/* A gzip member written a piece at a time with zlib (deflate, gzip
 * wrapper), for tarballs no well-behaved packer makes: raw tar headers of
 * any type and declared size, and long runs of zeros deflated in small
 * chunks, so a bomb that declares or inflates to gigabytes costs little
 * memory to build.  Everything lives in p. */
typedef struct fx_gz_t fx_gz_t;
fx_gz_t *fx_gz_open(apr_pool_t *p);
void fx_gz_write(fx_gz_t *g, const void *data, apr_size_t len);
/* n zero bytes, never held in memory at once. */
void fx_gz_zeros(fx_gz_t *g, apr_uint64_t n);
/* A ustar header (path in its name field, up to 100 bytes; type '0', '5',
 * 'L', ...; size in octal, or GNU base-256 from 8 GiB on), then len bytes of
 * data and zeros to the next 512-byte block.  data may be NULL with len 0:
 * a header alone, declaring size with no data written. */
void fx_gz_entry(fx_gz_t *g, const char *path, char type, apr_uint64_t size,
                 const void *data, apr_size_t len);
/* The raw header block alone, with its checksum. */
void fx_tar_header(unsigned char *h, const char *path, char type,
                   apr_uint64_t size);
/* Finish the member (CRC-32 and length) and return its bytes. */
const unsigned char *fx_gz_close(fx_gz_t *g, apr_size_t *plen);

/* The package.json text of name@version (in p). */
const char *fx_manifest_text(apr_pool_t *p, const char *name,
                             const char *version);

/* An npm-like tarball of name@version: package/package.json and
 * package/index.js, in p. */
const unsigned char *fx_package_tarball(apr_pool_t *p, const char *name,
                                        const char *version,
                                        apr_size_t *plen);

/* Digests and base64 computed straight with libcrypto, independently of
 * tsr_integrity (all in p). */
const char *fx_sha1_hex(apr_pool_t *p, const void *data, apr_size_t len);
const char *fx_sri512(apr_pool_t *p, const void *data, apr_size_t len);
const char *fx_base64(apr_pool_t *p, const void *data, apr_size_t len);

/* The body of "npm publish" of name@version with tarball tgz, as npm sends
 * it (dist-tags {"latest": version}, dist digests set), owned by p. */
json_object *fx_publish_body(apr_pool_t *p, const char *name,
                             const char *version, const unsigned char *tgz,
                             apr_size_t len);

/* The JSON text parsed with json-c alone (not through tsr_json), owned by
 * p; fails the test when it is not JSON. */
json_object *fx_json(apr_pool_t *p, const char *text);

/* A new empty directory, removed with everything in it when p is cleared
 * (register it before anything in p that uses it).  A test that fails
 * under fork mode skips the clearing and leaves it for inspection. */
const char *fx_tempdir(apr_pool_t *p);

/* A Berkeley DB store in a new scratch data directory (small cache),
 * prepared and opened as Apache's parent and a child would. */
struct tsr_store_t;
struct tsr_store_t *fx_store(apr_pool_t *p);

/* The SQL store (tsr_store_dbd) on the PostgreSQL that TSCI_TEST_PG
 * names, emptied first (every table dropped, the schema made again), as
 * a session on a connection of its own closed with p; NULL when
 * TSCI_TEST_PG is not set.  fx_have_pg says whether it is. */
struct tsr_store_t *fx_store_dbd(apr_pool_t *p);

/* Call the tscircuit API operation fn on store s as user (NULL:
 * anonymous) with the JSON params, as the glue does (archives may inflate
 * to 1 MB); its status, *pout and *perr (NULL unless refused). */
apr_status_t fx_tsci_call(tsr_store_t *s, tsr_tsci_fn *fn, const char *user,
                          const char *params, json_object **pout,
                          tsr_error_t **perr);
int fx_have_pg(void);

/* Set the times of every entry of dir (symbolic links themselves, not
 * their targets) to seconds ago. */
void fx_age_entries(apr_pool_t *p, const char *dir, int seconds);

/* The bytes of a file (in p), or NULL when it cannot be read. */
const unsigned char *fx_read_file(apr_pool_t *p, const char *path,
                                  apr_size_t *plen);

/* 1 if path exists. */
int fx_exists(const char *path);

#endif
