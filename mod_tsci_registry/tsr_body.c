/* tsr_body: a request body read in pieces, its JSON structure followed by
 * a small scanner, and the publish attachment decoded as it streams. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "tsr_body.h"
#include "tsr_gunzip.h"
#include "tsr_json.h"

/* The scanner only needs to know where it is; json-c refuses anything
 * nested past TSR_JSON_MAX_DEPTH, so this bound is never the first word. */
#define MAX_DEPTH (2 * TSR_JSON_MAX_DEPTH)
/* Keys are compared with "_attachments" and "data" only. */
#define KEY_HEAD 16
#define SIGSTORE ".sigstore"
#define SIGSTORE_LEN 9

/* Where an object member stands. */
enum { M_KEY, M_COLON, M_VALUE };

struct tsr_body_t {
    apr_pool_t *pool;
    apr_off_t limit;
    apr_off_t expect;               /* announced length or -1 */
    apr_off_t total;                /* bytes taken */
    int flags;
    int failed;                     /* refused: take nothing more */
    tsr_gunzip_t *gz;               /* TSR_BODY_GZIP: the inflater */

    /* The document without the attachment's data (malloc'd). */
    char *text;
    apr_size_t text_len, text_cap;

    /* The scanner.  Levels count open containers; level 1 is the top. */
    int depth;
    char kind[MAX_DEPTH + 1];       /* 'o' object or 'a' array */
    char member[MAX_DEPTH + 1];     /* M_*, for objects */
    char on_path[4];                /* level d lies on the attachment path */
    char key_ok[4];                 /* level d's current key continues it */
    int in_string;
    int is_key;
    int is_target;                  /* the attachment's data string */
    int escaped;                    /* a backslash was just seen */
    int hex_left;                   /* \u digits still to come in a key */
    unsigned int hex;

    /* The key being read, unescaped as json-c would; json-c keys are C
     * strings, so a \u0000 ends what counts. */
    apr_size_t key_len;
    int key_ended;
    unsigned char key_head[KEY_HEAD];
    unsigned char key_tail[SIGSTORE_LEN];

    /* The attachment: an anonymous mapping that only costs memory as it
     * is written, large enough for whatever the rest of the body holds. */
    unsigned char *att;
    apr_size_t att_len, att_cap;
    int att_taken;                  /* its closing quote was seen */
    unsigned char quad[4];
    int nquad;
    int padded;                     /* a quad with '=' ended the data */
};

static apr_status_t body_cleanup(void *data)
{
    tsr_body_t *b = data;

    free(b->text);
    b->text = NULL;
    if (b->att != NULL) {
        munmap(b->att, b->att_cap);
        b->att = NULL;
    }
    return APR_SUCCESS;
}

static apr_status_t inflated(void *baton, const char *data, apr_size_t len,
                             tsr_error_t **perr);

apr_status_t tsr_body_create(tsr_body_t **pb, apr_pool_t *p, apr_off_t limit,
                             apr_off_t expect, int flags,
                             tsr_error_t **perr)
{
    tsr_body_t *b;

    *pb = NULL;
    if (expect > limit) {
        return tsr_error_set(perr, p, 413, NULL,
                             "the request body of %" APR_OFF_T_FMT " bytes "
                             "is larger than the limit of %" APR_OFF_T_FMT,
                             expect, limit);
    }
    b = apr_pcalloc(p, sizeof(*b));
    b->pool = p;
    b->limit = limit;
    b->expect = expect;
    b->flags = flags;
    apr_pool_cleanup_register(p, b, body_cleanup, apr_pool_cleanup_null);
    if (flags & TSR_BODY_GZIP) {
        apr_status_t rv;

        /* The announced length is the gzip's: it says nothing of how much
         * text there will be to keep. */
        b->expect = -1;
        rv = tsr_gunzip_create(&b->gz, p, limit, inflated, b, perr);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    *pb = b;
    return APR_SUCCESS;
}

static apr_status_t refuse(tsr_body_t *b, tsr_error_t **perr, int status,
                           const char *msg)
{
    b->failed = 1;
    return tsr_error_set(perr, b->pool, status, NULL, "%s", msg);
}

static apr_status_t keep(tsr_body_t *b, const char *data, apr_size_t len,
                         tsr_error_t **perr)
{
    if (len == 0) {
        return APR_SUCCESS;
    }
    if (b->text_len + len > b->text_cap) {
        /* The text never outgrows the body, so the body's announced
         * length is one allocation, and doubling stops at the limit. */
        apr_size_t cap = b->text_cap ? b->text_cap * 2 : 16 * 1024;
        char *bigger;

        if (b->expect >= 0 && !(b->flags & TSR_BODY_ATTACHMENT)) {
            cap = (apr_size_t)b->expect;
        }
        if ((apr_off_t)cap > b->limit) {
            cap = (apr_size_t)b->limit;
        }
        if (cap < b->text_len + len) {
            cap = b->text_len + len;
        }
        if ((bigger = realloc(b->text, cap + 1)) == NULL) {
            b->failed = 1;
            return tsr_error_internal(perr, b->pool, APR_ENOMEM,
                                      "out of memory reading the request "
                                      "body");
        }
        b->text = bigger;
        b->text_cap = cap;
    }
    memcpy(b->text + b->text_len, data, len);
    b->text_len += len;
    return APR_SUCCESS;
}

/* The sink of a gzip'd body's inflater: the text to parse. */
static apr_status_t inflated(void *baton, const char *data, apr_size_t len,
                             tsr_error_t **perr)
{
    return keep(baton, data, len, perr);
}

static void key_byte(tsr_body_t *b, unsigned char c)
{
    if (b->key_ended) {
        return;
    }
    if (c == 0) {
        b->key_ended = 1;
        return;
    }
    if (b->key_len < KEY_HEAD) {
        b->key_head[b->key_len] = c;
    }
    b->key_len++;
    memmove(b->key_tail, b->key_tail + 1, SIGSTORE_LEN - 1);
    b->key_tail[SIGSTORE_LEN - 1] = c;
}

static int key_is(const tsr_body_t *b, const char *word)
{
    apr_size_t n = strlen(word);

    return b->key_len == n && n <= KEY_HEAD
           && memcmp(b->key_head, word, n) == 0;
}

/* A key ends: does it continue the path _attachments.<tarball>.data? */
static void key_done(tsr_body_t *b)
{
    int d = b->depth, ok = 0;

    if (d == 1) {
        ok = key_is(b, "_attachments");
    }
    else if (d == 2) {
        /* As find_attachment: longer than the suffix and ending in it. */
        ok = !(b->key_len > SIGSTORE_LEN
               && memcmp(b->key_tail, SIGSTORE, SIGSTORE_LEN) == 0);
    }
    else if (d == 3) {
        ok = key_is(b, "data");
    }
    if (d <= 3) {
        b->key_ok[d] = (char)ok;
    }
}

static int unescape(unsigned char c)
{
    switch (c) {
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case '"': case '\\': case '/': return c;
    default: return 0x80;       /* invalid: json-c will say so */
    }
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Standard base64 values; 64 marks '=', -1 anything else. */
static signed char b64[256];

static void b64_init(void)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int i;

    if (b64['='] == 64) {
        return;
    }
    memset(b64, -1, sizeof(b64));
    for (i = 0; i < 64; i++) {
        b64[(unsigned char)alphabet[i]] = (signed char)i;
    }
    b64['='] = 64;
}

static apr_status_t bad_base64(tsr_body_t *b, tsr_error_t **perr)
{
    return refuse(b, perr, 400, "the attachment's data is not valid base64");
}

/* One character of the data: the rules of tsr_integrity_base64_decode
 * (padding only at the end, canonical trailing bits), one quad at a time. */
static apr_status_t b64_char(tsr_body_t *b, unsigned char c,
                             tsr_error_t **perr)
{
    signed char v = b64[c];
    unsigned char *q = b->quad;

    if (v < 0 || b->padded) {
        return bad_base64(b, perr);
    }
    q[b->nquad++] = (unsigned char)v;
    if (b->nquad < 4) {
        return APR_SUCCESS;
    }
    b->nquad = 0;
    if (b->att_len + 3 > b->att_cap) {
        /* Cannot happen: the mapping covers the rest of the limit. */
        return refuse(b, perr, 413, "the attachment is larger than the "
                      "request body limit");
    }
    if (q[0] == 64 || q[1] == 64 || (q[2] == 64 && q[3] != 64)) {
        return bad_base64(b, perr);
    }
    b->att[b->att_len++] = (unsigned char)((q[0] << 2) | (q[1] >> 4));
    if (q[2] == 64) {
        if (q[1] & 15) {
            return bad_base64(b, perr);
        }
        b->padded = 1;
        return APR_SUCCESS;
    }
    b->att[b->att_len++] = (unsigned char)(((q[1] & 15) << 4) | (q[2] >> 2));
    if (q[3] == 64) {
        if (q[2] & 3) {
            return bad_base64(b, perr);
        }
        b->padded = 1;
        return APR_SUCCESS;
    }
    b->att[b->att_len++] = (unsigned char)(((q[2] & 3) << 6) | q[3]);
    return APR_SUCCESS;
}

/* The data string opens: reserve room for as much as the rest of the body
 * could decode to. */
static apr_status_t target_open(tsr_body_t *b, apr_off_t at,
                                tsr_error_t **perr)
{
    apr_off_t room = b->limit;
    void *m;

    if (b->att != NULL) {
        return refuse(b, perr, 400, "the publish has more than one tarball "
                      "in _attachments");
    }
    if (b->expect >= 0 && b->expect < room) {
        room = b->expect;
    }
    room = (room - at) / 4 * 3 + 3;
    if ((apr_uint64_t)room > (apr_uint64_t)(APR_SIZE_MAX / 2)) {
        return refuse(b, perr, 413, "the attachment is too large for this "
                      "server");
    }
    m = mmap(NULL, (size_t)room, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
        b->failed = 1;
        return tsr_error_internal(perr, b->pool, APR_ENOMEM,
                                  "could not map memory for the attachment");
    }
    b->att = m;
    b->att_cap = (apr_size_t)room;
    b->att_len = 0;
    b->nquad = 0;
    b->padded = 0;
    return APR_SUCCESS;
}

static apr_status_t target_close(tsr_body_t *b, tsr_error_t **perr)
{
    if (b->nquad != 0) {
        return bad_base64(b, perr);
    }
    b->att_taken = 1;
    return APR_SUCCESS;
}

/* A container opens at the next level. */
static apr_status_t open_level(tsr_body_t *b, char kind, tsr_error_t **perr)
{
    int d = b->depth;

    if (d == MAX_DEPTH) {
        return refuse(b, perr, 400, "malformed JSON: nested too deeply");
    }
    if (d >= 1 && b->kind[d] == 'o') {
        b->member[d] = M_VALUE;
    }
    b->depth = ++d;
    b->kind[d] = kind;
    b->member[d] = M_KEY;
    if (d <= 3) {
        b->on_path[d] = (char)(d == 1 || (b->on_path[d - 1]
                                          && b->kind[d - 1] == 'o'
                                          && b->key_ok[d - 1]));
        b->key_ok[d] = 0;
    }
    return APR_SUCCESS;
}

/* Follow the structure through data; the attachment's data goes to the
 * decoder, everything else to the kept text. */
static apr_status_t scan(tsr_body_t *b, const char *data, apr_size_t len,
                         tsr_error_t **perr)
{
    const unsigned char *s = (const unsigned char *)data;
    apr_off_t base = b->total - (apr_off_t)len;
    apr_size_t i, run = 0;
    apr_status_t rv;
    int d;

    for (i = 0; i < len; i++) {
        unsigned char c = s[i];

        if (b->in_string && b->is_target) {
            /* The hot loop: nearly the whole body of a large publish. */
            for (; i < len; i++) {
                c = s[i];
                if (b->escaped) {
                    b->escaped = 0;
                    if (c != '/') {
                        return bad_base64(b, perr);
                    }
                }
                else if (c == '\\') {
                    b->escaped = 1;
                    continue;
                }
                else if (c == '"') {
                    break;
                }
                if ((rv = b64_char(b, c, perr)) != APR_SUCCESS) {
                    return rv;
                }
            }
            if (i == len) {
                run = len;
                break;
            }
            if ((rv = target_close(b, perr)) != APR_SUCCESS) {
                return rv;
            }
            b->in_string = b->is_target = 0;
            run = i;                /* the closing quote is kept */
            continue;
        }
        if (b->in_string) {
            if (b->escaped) {
                b->escaped = 0;
                if (!b->is_key) {
                    continue;
                }
                if (c == 'u') {
                    b->hex_left = 4;
                    b->hex = 0;
                }
                else {
                    key_byte(b, (unsigned char)unescape(c));
                }
                continue;
            }
            if (b->hex_left > 0) {
                int h = hexval(c);

                b->hex = (b->hex << 4) | (unsigned int)(h < 0 ? 0 : h);
                if (--b->hex_left == 0) {
                    key_byte(b, b->hex < 0x80 ? (unsigned char)b->hex
                                              : 0x80);
                }
                continue;
            }
            if (c == '\\') {
                b->escaped = 1;
            }
            else if (c == '"') {
                b->in_string = 0;
                if (b->is_key) {
                    key_done(b);
                    b->member[b->depth] = M_COLON;
                }
            }
            else if (b->is_key) {
                key_byte(b, c);
            }
            continue;
        }
        d = b->depth;
        switch (c) {
        case '"':
            b->in_string = 1;
            b->escaped = 0;
            b->hex_left = 0;
            b->is_key = (d >= 1 && b->kind[d] == 'o'
                         && b->member[d] == M_KEY);
            b->is_target = 0;
            if (b->is_key) {
                b->key_len = 0;
                b->key_ended = 0;
            }
            else if (d == 3 && b->on_path[3] && b->kind[3] == 'o'
                     && b->key_ok[3]) {
                b->is_target = 1;
                if ((rv = target_open(b, base + (apr_off_t)i, perr))
                    != APR_SUCCESS) {
                    return rv;
                }
                /* Keep the text up to the opening quote; the data's own
                 * bytes stay out of it. */
                if ((rv = keep(b, data + run, i + 1 - run, perr))
                    != APR_SUCCESS) {
                    return rv;
                }
                run = i + 1;
            }
            if (!b->is_key && d >= 1 && b->kind[d] == 'o') {
                b->member[d] = M_VALUE;
            }
            break;
        case '{':
        case '[':
            if ((rv = open_level(b, c == '{' ? 'o' : 'a', perr))
                != APR_SUCCESS) {
                return rv;
            }
            break;
        case '}':
        case ']':
            /* Unbalanced closers are json-c's to refuse. */
            if (d > 0) {
                b->depth--;
            }
            break;
        case ':':
            if (d >= 1 && b->kind[d] == 'o') {
                b->member[d] = M_VALUE;
            }
            break;
        case ',':
            if (d >= 1 && b->kind[d] == 'o') {
                b->member[d] = M_KEY;
                if (d <= 3) {
                    b->key_ok[d] = 0;
                }
            }
            break;
        default:
            break;
        }
    }
    return keep(b, data + run, len - run, perr);
}

apr_status_t tsr_body_feed(tsr_body_t *b, const char *data, apr_size_t len,
                           tsr_error_t **perr)
{
    if (b->failed) {
        return tsr_error_set(perr, b->pool, 400, NULL,
                             "the request body was already refused");
    }
    b->total += (apr_off_t)len;
    if (b->total > b->limit) {
        b->failed = 1;
        return tsr_error_set(perr, b->pool, 413, NULL,
                             "the request body is larger than the limit of "
                             "%" APR_OFF_T_FMT " bytes", b->limit);
    }
    if (b->gz != NULL) {
        apr_status_t rv = tsr_gunzip_feed(b->gz, data, len, perr);

        if (rv != APR_SUCCESS) {
            b->failed = 1;
        }
        return rv;
    }
    if (!(b->flags & TSR_BODY_ATTACHMENT)) {
        return keep(b, data, len, perr);
    }
    b64_init();
    return scan(b, data, len, perr);
}

apr_status_t tsr_body_finish(tsr_body_t *b, json_object **pdoc,
                             tsr_error_t **perr)
{
    apr_status_t rv;

    *pdoc = NULL;
    if (b->failed) {
        return tsr_error_set(perr, b->pool, 400, NULL,
                             "the request body was already refused");
    }
    if (b->gz != NULL
        && (rv = tsr_gunzip_finish(b->gz, perr)) != APR_SUCCESS) {
        b->failed = 1;
        return rv;
    }
    if (b->in_string && b->is_target) {
        /* The document ends inside the data: keep the quote that opened
         * it unmatched, so json-c says the document ends too early. */
        b->in_string = b->is_target = 0;
    }
    rv = tsr_json_parse(pdoc, b->pool, b->text ? b->text : "", b->text_len,
                        (b->flags & TSR_BODY_DEEP) ? TSR_BODY_DEEP_DEPTH
                                                   : TSR_JSON_MAX_DEPTH,
                        perr);
    if (rv != APR_SUCCESS) {
        b->failed = 1;
        return rv;
    }
    if (b->att != NULL) {
        /* The decoded bytes are read from here on, never written. */
        mprotect(b->att, b->att_cap, PROT_READ);
    }
    return APR_SUCCESS;
}

const unsigned char *tsr_body_attachment(const tsr_body_t *b,
                                         apr_size_t *plen)
{
    if (b->att == NULL || !b->att_taken) {
        *plen = 0;
        return NULL;
    }
    *plen = b->att_len;
    return b->att;
}

apr_off_t tsr_body_length(const tsr_body_t *b)
{
    return b->total;
}
