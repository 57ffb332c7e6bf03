/* tsr_tarball: inspection of package tarballs in one bounded pass.  Nothing
 * is extracted; entries are checked, counted and measured, and
 * package/package.json is read.
 *
 * The tar is read here, not with libarchive: libarchive reads a GNU long
 * name or a pax header whole before it shows us the entry, decides itself
 * which headers to merge, and reads ahead of what it returns, so it can
 * neither bound a path before reading it nor let every inflated byte be
 * counted where it is produced.  npm's tarballs use a small part of tar
 * (ustar headers, pax "x" headers for long or non-ASCII paths, GNU "L" long
 * names from other packers); that part is read below and everything else is
 * refused.  zlib inflates the single gzip member (windowBits 16 + MAX_WBITS)
 * and checks its CRC-32 and length itself as the last bytes come out, so
 * inflating, counting and checking are one pass over the data. */
#include <string.h>
#include <zlib.h>
#include <apr_strings.h>
#include "tsr_tarball.h"
#include "tsr_json.h"

#define BLOCK 512
#define OUTBUF (64 << 10)       /* inflated bytes produced at a time */
#define MAX_META (64 << 10)     /* body of one pax extended header */
#define MAX_PENDING 4           /* extended headers before one entry */

/* Zero bytes allowed from the first block of the end marker to the end of
 * the tar: npm's tar writes the two blocks of the marker, GNU tar and
 * libarchive pad the archive to 10240-byte records (at most 10752 bytes
 * after the last entry); two records leave room and stay small. */
#define MAX_TAIL 20480

void tsr_tarball_default_limits(tsr_tarball_limits_t *lim)
{
    lim->max_entries = 100000;
    lim->max_unpacked = (apr_uint64_t)1 << 30;
    lim->max_manifest = 4 << 20;
    lim->max_path = 4096;
}

/* The inflating reader: data goes in, the tar comes out OUTBUF at a time,
 * and every byte that comes out is counted at once. */
typedef struct rd_t {
    z_stream z;
    const unsigned char *in;    /* compressed bytes not yet given to zlib */
    apr_size_t in_left;
    unsigned char *out;
    apr_size_t pos, end;        /* unread inflated bytes are out[pos..end) */
    apr_uint64_t produced;      /* inflated so far */
    apr_uint64_t offset;        /* tar bytes the parser has consumed */
    int done;                   /* the gzip member ended, trailer checked */
    const tsr_tarball_limits_t *lim;
    apr_pool_t *p;              /* for error records and results */
    apr_pool_t *tmp;            /* for one entry, cleared after it: names
                                 * and headers of 100,000 entries must not
                                 * pile up */
    tsr_error_t **perr;
} rd_t;

static apr_status_t zstream_cleanup(void *z)
{
    inflateEnd(z);
    return APR_SUCCESS;
}

static apr_status_t corrupt(rd_t *r, const char *why)
{
    return tsr_error_set(r->perr, r->p, 400, "bad_tarball",
                         "the tarball is corrupt: %s", why);
}

/* Inflate the next bytes into out (which must be used up).  APR_EOF once
 * the gzip member has ended; zlib has then checked its CRC-32 and ISIZE. */
static apr_status_t fill(rd_t *r)
{
    apr_size_t got;
    int zr;

    if (r->done) {
        return APR_EOF;
    }
    r->z.next_out = r->out;
    r->z.avail_out = OUTBUF;
    for (;;) {
        if (r->z.avail_in == 0 && r->in_left > 0) {
            /* avail_in is an unsigned int: feed at most 1 GiB at a time */
            apr_size_t n = r->in_left > (1u << 30) ? (1u << 30) : r->in_left;

            r->z.next_in = (unsigned char *)r->in;
            r->z.avail_in = (uInt)n;
            r->in += n;
            r->in_left -= n;
        }
        zr = inflate(&r->z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            r->done = 1;
            if (r->z.avail_in > 0 || r->in_left > 0) {
                r->produced += OUTBUF - r->z.avail_out;
                const unsigned char *rest = r->z.avail_in > 0 ? r->z.next_in
                                                              : r->in;
                apr_size_t left = r->z.avail_in + r->in_left;

                return tsr_error_set(r->perr, r->p, 400, "bad_tarball",
                                     left >= 2 && rest[0] == 0x1f
                                         && rest[1] == 0x8b
                                     ? "the tarball is more than one gzip "
                                       "member; it must be exactly one"
                                     : "the tarball has %" APR_SIZE_T_FMT
                                       " bytes after the end of its gzip "
                                       "data", left);
            }
            break;
        }
        if (zr == Z_OK) {
            if (r->z.avail_out < OUTBUF) {
                break;
            }
            continue;
        }
        if (zr == Z_BUF_ERROR && r->z.avail_in == 0 && r->in_left == 0) {
            return tsr_error_set(r->perr, r->p, 400, "bad_tarball",
                                 "the tarball is truncated: its gzip data "
                                 "ends early");
        }
        if (zr == Z_MEM_ERROR) {
            return tsr_error_internal(r->perr, r->p, APR_ENOMEM,
                                      "out of memory inflating a tarball");
        }
        if (r->z.msg && (strcmp(r->z.msg, "incorrect data check") == 0
                         || strcmp(r->z.msg, "incorrect length check")
                            == 0)) {
            return corrupt(r, "its gzip check value or length does not "
                              "match its data");
        }
        return corrupt(r, r->z.msg ? r->z.msg : "inflate failed");
    }
    got = OUTBUF - r->z.avail_out;
    r->produced += got;
    r->pos = 0;
    r->end = got;
    if (r->produced > r->lim->max_unpacked) {
        return tsr_error_set(r->perr, r->p, 413, NULL,
                             "the tarball unpacks to more than %"
                             APR_UINT64_T_FMT " bytes",
                             r->lim->max_unpacked);
    }
    return r->done && got == 0 ? APR_EOF : APR_SUCCESS;
}

/* Consume n tar bytes, copied to dst unless it is NULL.  *got < n only when
 * the data ended first. */
static apr_status_t take(rd_t *r, void *dst, apr_uint64_t n,
                         apr_uint64_t *got)
{
    unsigned char *d = dst;
    apr_status_t rv;

    *got = 0;
    while (*got < n) {
        apr_size_t k;

        if (r->pos == r->end) {
            rv = fill(r);
            if (rv == APR_EOF) {
                break;
            }
            if (rv != APR_SUCCESS) {
                return rv;
            }
            continue;
        }
        k = r->end - r->pos;
        if ((apr_uint64_t)k > n - *got) {
            k = (apr_size_t)(n - *got);
        }
        if (d) {
            memcpy(d + *got, r->out + r->pos, k);
        }
        r->pos += k;
        *got += k;
        r->offset += k;
    }
    return APR_SUCCESS;
}

/* After the first zero block: the rest must be zeros, a few of them, up to
 * the end of the gzip member. */
static apr_status_t zero_tail(rd_t *r)
{
    apr_uint64_t tail = BLOCK;
    apr_status_t rv;

    for (;;) {
        apr_size_t i;

        if (r->pos == r->end) {
            rv = fill(r);
            if (rv == APR_EOF) {
                return APR_SUCCESS;
            }
            if (rv != APR_SUCCESS) {
                return rv;
            }
        }
        for (i = r->pos; i < r->end; i++) {
            if (r->out[i] != 0) {
                return tsr_error_set(r->perr, r->p, 400, "bad_tarball",
                                     "the tarball has data after the end "
                                     "of its tar archive (at byte %"
                                     APR_UINT64_T_FMT ")",
                                     r->offset + (i - r->pos));
            }
        }
        tail += r->end - r->pos;
        r->offset += r->end - r->pos;
        r->pos = r->end;
        if (tail > MAX_TAIL) {
            return tsr_error_set(r->perr, r->p, 400, "bad_tarball",
                                 "the tarball has more than %d bytes of "
                                 "padding after the end of its tar archive",
                                 MAX_TAIL);
        }
    }
}

/* An entry's name for a message: quoted, at most 200 bytes of it, anything
 * but printable ASCII as \xNN. */
static const char *quote(apr_pool_t *p, const char *s, apr_size_t len)
{
    static const char hex[] = "0123456789abcdef";
    apr_size_t n = len > 200 ? 200 : len, i;
    char *out = apr_palloc(p, n * 4 + 8), *o = out;

    *o++ = '"';
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            *o++ = (char)c;
        }
        else {
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o++ = '"';
    if (n < len) {
        memcpy(o, "...", 3);
        o += 3;
    }
    *o = '\0';
    return out;
}

/* A numeric header field: octal text, or GNU's base-256 for large values.
 * 0 on success; a value too large for 63 bits reads as the largest. */
static int parse_num(const unsigned char *f, apr_size_t n, apr_uint64_t *v)
{
    apr_size_t i = 0;
    const apr_uint64_t big = (apr_uint64_t)1 << 62;

    *v = 0;
    if (f[0] & 0x80) {
        if (f[0] & 0x40) {
            return -1;              /* negative */
        }
        *v = f[0] & 0x3f;
        for (i = 1; i < n; i++) {
            if (*v >= big >> 7) {
                *v = big;
                return 0;
            }
            *v = (*v << 8) | f[i];
        }
        return 0;
    }
    while (i < n && f[i] == ' ') {
        i++;
    }
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
        *v = (*v << 3) | (apr_uint64_t)(f[i] - '0');
    }
    for (; i < n; i++) {
        if (f[i] != ' ' && f[i] != '\0') {
            return -1;
        }
    }
    return 0;
}

static int checksum_ok(const unsigned char *h)
{
    apr_uint64_t want;
    unsigned long u = 0;
    long s = 0;
    int i;

    if (parse_num(h + 148, 8, &want) != 0) {
        return 0;
    }
    for (i = 0; i < BLOCK; i++) {
        unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];

        u += c;
        s += (signed char)c;
    }
    /* some old writers summed signed chars */
    return want == u || (apr_int64_t)want == s;
}

static int all_zero(const unsigned char *b, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (b[i]) {
            return 0;
        }
    }
    return 1;
}

static apr_uint64_t padded(apr_uint64_t n)
{
    return (n + BLOCK - 1) / BLOCK * BLOCK;
}

/* Why a path may not be unpacked, or NULL.  One leading "./" has been
 * stripped; what is left must be "package" or below it, relative, with no
 * "..", ".", empty component (but a directory's trailing slash), or
 * backslash, which some unpackers take for a separator. */
static const char *bad_path(const char *path, int dir)
{
    const char *c = path;
    int first = 1;

    if (*path == '\0') {
        return "has an empty path";
    }
    if (*path == '/') {
        return "has an absolute path";
    }
    if (strchr(path, '\\')) {
        return "has a backslash in its path";
    }
    for (;;) {
        const char *slash = strchr(c, '/');
        apr_size_t n = slash ? (apr_size_t)(slash - c) : strlen(c);

        if (n == 2 && c[0] == '.' && c[1] == '.') {
            return "has a \"..\" component in its path";
        }
        if (first && (n != 7 || memcmp(c, "package", 7) != 0)) {
            return "is outside package/";
        }
        if (n == 0 && !(slash == NULL && dir)) {
            return "has an empty component in its path";
        }
        if (n == 1 && c[0] == '.') {
            return "has a \".\" component in its path";
        }
        if (slash == NULL) {
            break;
        }
        c = slash + 1;
        first = 0;
    }
    if (!dir && (c[0] == '\0' || strcmp(path, "package") == 0)) {
        return "is a file that is not under package/";
    }
    return NULL;
}

/* What the extended headers before an entry said about it. */
typedef struct meta_t {
    const char *path;           /* from pax "path" or a GNU long name */
    apr_size_t path_len;
    int path_gnu;               /* path came from a GNU long name */
    int has_size;
    apr_uint64_t size;          /* from pax "size" */
    int pending;                /* extended headers seen for this entry */
    int seen_x, seen_l, seen_k;
} meta_t;

static apr_status_t too_long_path(rd_t *r, apr_uint64_t len)
{
    return tsr_error_set(r->perr, r->p, 413, NULL,
                         "the tarball has an entry whose path is longer "
                         "than %" APR_SIZE_T_FMT " bytes (%" APR_UINT64_T_FMT
                         ")", r->lim->max_path, len);
}

/* pax records "<len> <key>=<value>\n", for the entry that follows (x) or
 * for all of them (g, which npm never writes; git archive writes one with a
 * comment, so it is allowed when it says nothing of paths or sizes). */
static apr_status_t parse_pax(rd_t *r, meta_t *m, const char *b,
                              apr_size_t n, int global)
{
    apr_size_t i = 0;

    while (i < n) {
        apr_size_t len = 0, j = i, klen;
        const char *key, *eq, *val;
        apr_size_t vlen;

        while (j < n && b[j] >= '0' && b[j] <= '9' && len <= n) {
            len = len * 10 + (apr_size_t)(b[j] - '0');
            j++;
        }
        if (j == i || j >= n || b[j] != ' ' || len <= j - i + 1
            || len > n - i || b[i + len - 1] != '\n') {
            return corrupt(r, "a pax extended header is malformed");
        }
        key = b + j + 1;
        eq = memchr(key, '=', (apr_size_t)(b + i + len - 1 - key));
        if (eq == NULL || eq == key) {
            return corrupt(r, "a pax extended header is malformed");
        }
        klen = (apr_size_t)(eq - key);
        val = eq + 1;
        vlen = (apr_size_t)(b + i + len - 1 - val);
        i += len;
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(key, k, klen) == 0)
        if (global && (KEY("path") || KEY("linkpath") || KEY("size"))) {
            return tsr_error_set(r->perr, r->p, 400, "bad_tarball",
                                 "the tarball has a pax global header that "
                                 "sets %.*s for every entry", (int)klen, key);
        }
        if (klen > 11 && memcmp(key, "GNU.sparse.", 11) == 0) {
            return tsr_error_set(r->perr, r->p, 400, "bad_tarball",
                                 "the tarball has a sparse file; only "
                                 "regular files and directories are "
                                 "accepted");
        }
        if (KEY("path")) {
            if (vlen > r->lim->max_path) {
                return too_long_path(r, vlen);
            }
            if (memchr(val, '\0', vlen)) {
                return tsr_error_set(r->perr, r->p, 400, "bad_tarball",
                                     "the tarball has an entry whose path "
                                     "%s contains a NUL byte",
                                     quote(r->tmp, val, vlen));
            }
            m->path = apr_pstrmemdup(r->tmp, val, vlen);
            m->path_len = vlen;
            m->path_gnu = 0;
        }
        else if (KEY("size")) {
            apr_size_t k;

            m->size = 0;
            if (vlen == 0 || vlen > 18) {
                return corrupt(r, "a pax size is not a number it can use");
            }
            for (k = 0; k < vlen; k++) {
                if (val[k] < '0' || val[k] > '9') {
                    return corrupt(r, "a pax size is not a number");
                }
                m->size = m->size * 10 + (apr_uint64_t)(val[k] - '0');
            }
            m->has_size = 1;
        }
#undef KEY
    }
    return APR_SUCCESS;
}

/* An extended header (pax x or g, GNU L or K): its body is bounded before
 * it is read, then it is read and remembered for the next entry. */
static apr_status_t read_meta(rd_t *r, meta_t *m, char type,
                              apr_uint64_t size)
{
    apr_uint64_t limit = (type == 'L' || type == 'K')
                             ? (apr_uint64_t)r->lim->max_path + 1 : MAX_META;
    apr_uint64_t got;
    apr_status_t rv;
    char *body;

    if (++m->pending > MAX_PENDING) {
        return corrupt(r, "too many extended headers before one entry");
    }
    if ((type == 'x' && m->seen_x++) || (type == 'L' && m->seen_l++)
        || (type == 'K' && m->seen_k++)) {
        return corrupt(r, "an entry has two extended headers of one kind");
    }
    if (size > limit) {
        if (type == 'L') {
            return too_long_path(r, size - 1);
        }
        if (type == 'K') {
            return tsr_error_set(r->perr, r->p, 413, NULL,
                                 "the tarball has a link target longer "
                                 "than %" APR_SIZE_T_FMT " bytes",
                                 r->lim->max_path);
        }
        return tsr_error_set(r->perr, r->p, 413, NULL,
                             "the tarball has a pax extended header of %"
                             APR_UINT64_T_FMT " bytes, more than %d",
                             size, MAX_META);
    }
    body = apr_palloc(r->tmp, (apr_size_t)size + 1);
    if ((rv = take(r, body, size, &got)) != APR_SUCCESS) {
        return rv;
    }
    if (got == size) {
        rv = take(r, NULL, padded(size) - size, &got);
        got = rv == APR_SUCCESS && got == padded(size) - size ? size : 0;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (got != size) {
        return corrupt(r, "it ends inside an extended header");
    }
    body[size] = '\0';
    if (type == 'L') {
        apr_size_t len = strlen(body);

        if (len == 0 || !all_zero((unsigned char *)body + len, size - len)) {
            return tsr_error_set(r->perr, r->p, 400, "bad_tarball",
                                 "the tarball has a GNU long name %s that "
                                 "is empty or has bytes after a NUL",
                                 quote(r->tmp, body, (apr_size_t)size));
        }
        if (m->path && !m->path_gnu) {
            return corrupt(r, "an entry has both a pax path and a GNU long "
                              "name");
        }
        if (m->path == NULL) {
            m->path = apr_pstrmemdup(r->tmp, body, len);
            m->path_len = len;
            m->path_gnu = 1;
        }
        return APR_SUCCESS;
    }
    if (type == 'K') {
        return APR_SUCCESS;         /* links are refused at their header */
    }
    if (type == 'x' && m->path && m->path_gnu) {
        meta_t x = { 0 };

        if ((rv = parse_pax(r, &x, body, (apr_size_t)size, 0))
            != APR_SUCCESS) {
            return rv;
        }
        if (x.path) {
            return corrupt(r, "an entry has both a pax path and a GNU long "
                              "name");
        }
        m->has_size = x.has_size;
        m->size = x.size;
        return APR_SUCCESS;
    }
    if (type == 'g') {
        meta_t g = { 0 };

        m->pending--;               /* not about the next entry alone */
        return parse_pax(r, &g, body, (apr_size_t)size, 1);
    }
    return parse_pax(r, m, body, (apr_size_t)size, 0);
}

static apr_status_t read_manifest(rd_t *r, json_object **pobj,
                                  apr_uint64_t size)
{
    char *buf;
    apr_uint64_t got;
    tsr_error_t *jerr = NULL;
    apr_status_t rv;

    if (size > r->lim->max_manifest) {
        return tsr_error_set(r->perr, r->p, 413, NULL,
                             "package/package.json in the tarball is larger "
                             "than %" APR_SIZE_T_FMT " bytes",
                             r->lim->max_manifest);
    }
    buf = apr_palloc(r->tmp, (apr_size_t)size + 1);
    if ((rv = take(r, buf, size, &got)) != APR_SUCCESS) {
        return rv;
    }
    if (got != size) {
        return corrupt(r, "package/package.json is truncated");
    }
    if (tsr_json_parse(pobj, r->p, buf, (apr_size_t)got, TSR_JSON_MAX_DEPTH,
                       &jerr) != APR_SUCCESS
        || !json_object_is_type(*pobj, json_type_object)) {
        *pobj = NULL;
        return tsr_error_set(r->perr, r->p, 400, "bad_tarball",
                             "package/package.json in the tarball is not a "
                             "JSON object%s%s", jerr ? ": " : "",
                             jerr ? jerr->message : "");
    }
    return APR_SUCCESS;
}

/* A header field as a string: up to its first NUL. */
static apr_size_t field_len(const unsigned char *f, apr_size_t n)
{
    const unsigned char *z = memchr(f, '\0', n);

    return z ? (apr_size_t)(z - f) : n;
}

/* One entry's header (not an extended one): check its path, type and size,
 * then read (package.json) or skip its data. */
static apr_status_t entry(rd_t *r, tsr_tarball_info_t *info,
                          const unsigned char *h, const meta_t *m,
                          apr_uint64_t size)
{
    char type = (char)h[156];
    const char *path, *why = NULL, *kind = NULL, *shown;
    apr_size_t plen;
    apr_uint64_t got;
    apr_status_t rv;
    int dir = type == '5', regular = type == '0' || type == '\0';

    if (m->path) {
        path = m->path;
        plen = m->path_len;
    }
    else {
        apr_size_t nlen = field_len(h, 100);

        if (memcmp(h + 257, "ustar\0", 6) == 0 && h[345] != '\0') {
            apr_size_t xlen = field_len(h + 345, 155);

            path = apr_psprintf(r->tmp, "%.*s/%.*s", (int)xlen, h + 345,
                                (int)nlen, h);
            plen = xlen + 1 + nlen;
        }
        else {
            path = apr_pstrmemdup(r->tmp, (const char *)h, nlen);
            plen = nlen;
        }
    }
    shown = quote(r->tmp, path, plen);
    if (plen > r->lim->max_path) {
        return too_long_path(r, plen);
    }
    switch (type) {
    case '0': case '\0': case '5':
        break;
    case '1':
        kind = "a hard link";
        break;
    case '2':
        kind = "a symbolic link";
        break;
    case '3':
        kind = "a character device";
        break;
    case '4':
        kind = "a block device";
        break;
    case '6':
        kind = "a FIFO";
        break;
    default:
        kind = apr_psprintf(r->tmp, "of unsupported type %s",
                            quote(r->tmp, &type, 1));
        break;
    }
    if (kind) {
        return tsr_error_set(r->perr, r->p, 400, "bad_tarball",
                             "the tarball entry %s is %s; only regular "
                             "files and directories are accepted", shown,
                             kind);
    }
    if (path[0] == '.' && path[1] == '/') {
        path += 2;
    }
    if ((why = bad_path(path, dir)) != NULL) {
        return tsr_error_set(r->perr, r->p, 400, "bad_tarball",
                             "the tarball entry %s %s", shown, why);
    }
    if (dir && size > 0) {
        return tsr_error_set(r->perr, r->p, 400, "bad_tarball",
                             "the tarball entry %s is a directory that "
                             "declares %" APR_UINT64_T_FMT " bytes of data",
                             shown, size);
    }
    if (size > r->lim->max_unpacked
        || r->offset + padded(size) > r->lim->max_unpacked) {
        return tsr_error_set(r->perr, r->p, 413, NULL,
                             "the tarball unpacks to more than %"
                             APR_UINT64_T_FMT " bytes: entry %s declares %"
                             APR_UINT64_T_FMT " bytes", r->lim->max_unpacked,
                             shown, size);
    }
    if (regular) {
        info->file_count++;
        info->unpacked_size += size;
    }
    if (regular && info->manifest == NULL
        && strcmp(path, "package/package.json") == 0) {
        rv = read_manifest(r, &info->manifest, size);
    }
    else {
        if (regular && strcmp(path, "package/npm-shrinkwrap.json") == 0) {
            info->has_shrinkwrap = 1;
        }
        rv = take(r, NULL, size, &got);
        if (rv == APR_SUCCESS && got != size) {
            return tsr_error_set(r->perr, r->p, 400, "bad_tarball",
                                 "the tarball is corrupt: entry %s is "
                                 "truncated", shown);
        }
    }
    if (rv != APR_SUCCESS
        || (rv = take(r, NULL, padded(size) - size, &got)) != APR_SUCCESS) {
        return rv;
    }
    if (got != padded(size) - size) {
        return tsr_error_set(r->perr, r->p, 400, "bad_tarball",
                             "the tarball is corrupt: it ends inside the "
                             "padding of entry %s", shown);
    }
    return APR_SUCCESS;
}

apr_status_t tsr_tarball_inspect(tsr_tarball_info_t *info, apr_pool_t *p,
                                 const void *data, apr_size_t len,
                                 const tsr_tarball_limits_t *lim,
                                 tsr_error_t **perr)
{
    const unsigned char *b = data;
    apr_pool_t *scratch;
    unsigned char h[BLOCK];
    apr_size_t entries = 0;
    meta_t m = { 0 };
    apr_status_t rv;
    rd_t r;

    memset(info, 0, sizeof(*info));
    if (len < 18 || b[0] != 0x1f || b[1] != 0x8b) {
        return tsr_error_set(perr, p, 400, "bad_tarball",
                             "the attachment is not a gzip file");
    }
    if ((rv = apr_pool_create(&scratch, p)) != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "out of memory");
    }
    memset(&r, 0, sizeof(r));
    r.in = b;
    r.in_left = len;
    r.out = apr_palloc(scratch, OUTBUF);
    if ((rv = apr_pool_create(&r.tmp, scratch)) != APR_SUCCESS) {
        rv = tsr_error_internal(perr, p, rv, "out of memory");
        goto out;
    }
    r.lim = lim;
    r.p = p;
    r.perr = perr;
    if (inflateInit2(&r.z, 16 + MAX_WBITS) != Z_OK) {
        rv = tsr_error_internal(perr, p, APR_ENOMEM, "out of memory");
        goto out;
    }
    apr_pool_cleanup_register(scratch, &r.z, zstream_cleanup,
                              apr_pool_cleanup_null);

    for (;;) {
        apr_uint64_t got, size;

        if ((rv = take(&r, h, BLOCK, &got)) != APR_SUCCESS) {
            goto out;
        }
        if (got == 0 && entries > 0 && m.pending == 0) {
            /* no end marker: the gzip trailer has already vouched for the
             * data being whole, and some packers omit it */
            break;
        }
        if (got < BLOCK) {
            rv = entries == 0 && m.pending == 0
                     ? tsr_error_set(perr, p, 400, "bad_tarball",
                                     "the attachment is gzip but not a tar "
                                     "archive, or empty")
                     : corrupt(&r, "it ends inside a tar header");
            goto out;
        }
        if (all_zero(h, BLOCK)) {
            if (m.pending) {
                rv = corrupt(&r, "an extended header is not followed by an "
                                 "entry");
                goto out;
            }
            if ((rv = zero_tail(&r)) != APR_SUCCESS) {
                goto out;
            }
            break;
        }
        if (!checksum_ok(h)) {
            rv = entries == 0 && m.pending == 0
                     ? tsr_error_set(perr, p, 400, "bad_tarball",
                                     "the attachment is gzip but not a tar "
                                     "archive")
                     : corrupt(&r, "a tar header's checksum is wrong");
            goto out;
        }
        if (parse_num(h + 124, 12, &size) != 0) {
            rv = corrupt(&r, "a tar header's size is not a number");
            goto out;
        }
        if (h[156] == 'x' || h[156] == 'g' || h[156] == 'L'
            || h[156] == 'K') {
            if (r.offset + padded(size) > lim->max_unpacked) {
                rv = tsr_error_set(perr, p, 413, NULL,
                                   "the tarball unpacks to more than %"
                                   APR_UINT64_T_FMT " bytes",
                                   lim->max_unpacked);
                goto out;
            }
            if ((rv = read_meta(&r, &m, (char)h[156], size))
                != APR_SUCCESS) {
                goto out;
            }
            continue;
        }
        if (++entries > lim->max_entries) {
            rv = tsr_error_set(perr, p, 413, NULL,
                               "the tarball has more than %" APR_SIZE_T_FMT
                               " entries", lim->max_entries);
            goto out;
        }
        if ((rv = entry(&r, info, h, &m, m.has_size ? m.size : size))
            != APR_SUCCESS) {
            goto out;
        }
        memset(&m, 0, sizeof(m));
        apr_pool_clear(r.tmp);
    }

    /* the end of the tar must be the end of the gzip member and the data:
     * inflate on to let zlib check the trailer */
    while ((rv = fill(&r)) == APR_SUCCESS) {
        if (r.end > 0) {
            rv = tsr_error_set(perr, p, 400, "bad_tarball",
                               "the tarball has data after the end of its "
                               "tar archive");
            goto out;
        }
    }
    if (rv != APR_EOF) {
        goto out;
    }
    rv = APR_SUCCESS;
    if (entries == 0) {
        rv = tsr_error_set(perr, p, 400, "bad_tarball",
                           "the attachment is not a tar archive, or empty");
    }
    else if (info->manifest == NULL) {
        rv = tsr_error_set(perr, p, 400, "bad_tarball",
                           "the tarball has no package/package.json");
    }
out:
    info->inflated = r.produced;
    apr_pool_destroy(scratch);
    return rv;
}
