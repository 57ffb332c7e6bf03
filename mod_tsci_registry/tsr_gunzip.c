/* tsr_gunzip: zlib inflating a gzip stream piece by piece into a sink,
 * counting every inflated byte against a bound before the sink sees it. */
#include <zlib.h>
#include "tsr_gunzip.h"

/* Inflated bytes produced at a time: what one request holds of them
 * beyond what the sink keeps. */
#define OUTBUF (16 << 10)

struct tsr_gunzip_t {
    apr_pool_t *pool;
    z_stream z;
    int live;                       /* inflateInit2 succeeded */
    int failed;                     /* refused: take nothing more */
    int member_done;                /* the last member's trailer was read */
    int started;                    /* some gzip bytes were taken */
    apr_off_t max_out;
    apr_off_t inflated;
    tsr_gunzip_sink_fn *sink;
    void *baton;
    char *out;
};

static apr_status_t gunzip_cleanup(void *data)
{
    tsr_gunzip_t *g = data;

    if (g->live) {
        inflateEnd(&g->z);
        g->live = 0;
    }
    return APR_SUCCESS;
}

apr_status_t tsr_gunzip_create(tsr_gunzip_t **pg, apr_pool_t *p,
                               apr_off_t max_out, tsr_gunzip_sink_fn *sink,
                               void *baton, tsr_error_t **perr)
{
    tsr_gunzip_t *g = apr_pcalloc(p, sizeof(*g));

    *pg = NULL;
    g->pool = p;
    g->max_out = max_out;
    g->sink = sink;
    g->baton = baton;
    g->out = apr_palloc(p, OUTBUF);
    /* 16 + MAX_WBITS: the gzip wrapper only, never zlib's or raw
     * deflate, so the header and the CRC-32 and length in the trailer are
     * all checked. */
    if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK) {
        return tsr_error_internal(perr, p, APR_ENOMEM,
                                  "could not start inflating the request "
                                  "body");
    }
    g->live = 1;
    apr_pool_cleanup_register(p, g, gunzip_cleanup, apr_pool_cleanup_null);
    *pg = g;
    return APR_SUCCESS;
}

static apr_status_t refuse(tsr_gunzip_t *g, tsr_error_t **perr, int status,
                           const char *why)
{
    g->failed = 1;
    if (status == 413) {
        return tsr_error_set(perr, g->pool, 413, NULL, "the request body "
                             "inflates to more than the limit of %"
                             APR_OFF_T_FMT " bytes", g->max_out);
    }
    return tsr_error_set(perr, g->pool, status, NULL, "the request body is "
                         "not valid gzip (%s)", why);
}

apr_status_t tsr_gunzip_feed(tsr_gunzip_t *g, const char *data,
                             apr_size_t len, tsr_error_t **perr)
{
    z_stream *z = &g->z;
    apr_status_t rv;

    if (g->failed) {
        return tsr_error_set(perr, g->pool, 400, NULL,
                             "the request body was already refused");
    }
    if (len == 0) {
        return APR_SUCCESS;
    }
    g->started = 1;
    z->next_in = (Bytef *)data;
    for (;;) {
        apr_size_t n;
        uInt before;
        int zr;

        /* zlib's avail_in is an unsigned int: give it what fits. */
        if (z->avail_in == 0 && len > 0) {
            z->avail_in = len > 0x40000000u ? 0x40000000u : (uInt)len;
            len -= z->avail_in;
        }
        if (g->member_done) {
            if (z->avail_in == 0) {
                break;
            }
            /* More after a member's end must be another member: inflate
             * checks its header like the first one's. */
            inflateReset(z);
            g->member_done = 0;
        }
        before = z->avail_in;
        z->next_out = (Bytef *)g->out;
        z->avail_out = OUTBUF;
        zr = inflate(z, Z_NO_FLUSH);
        n = OUTBUF - z->avail_out;
        if (n > 0) {
            if (g->inflated + (apr_off_t)n > g->max_out) {
                return refuse(g, perr, 413, NULL);
            }
            g->inflated += (apr_off_t)n;
            if ((rv = g->sink(g->baton, g->out, n, perr)) != APR_SUCCESS) {
                g->failed = 1;
                return rv;
            }
        }
        if (zr == Z_STREAM_END) {
            g->member_done = 1;
            continue;
        }
        if (zr == Z_MEM_ERROR) {
            g->failed = 1;
            return tsr_error_internal(perr, g->pool, APR_ENOMEM,
                                      "out of memory inflating the request "
                                      "body");
        }
        if (zr != Z_OK && zr != Z_BUF_ERROR) {
            return refuse(g, perr, 400, z->msg ? z->msg : "corrupt data");
        }
        if (z->avail_in == 0 && len == 0 && z->avail_out != 0) {
            break;                  /* all taken, nothing more pending */
        }
        if (zr == Z_BUF_ERROR && n == 0 && z->avail_in == before) {
            /* No progress with both input and room: never loop on it. */
            return refuse(g, perr, 400, "no progress");
        }
    }
    return APR_SUCCESS;
}

apr_status_t tsr_gunzip_finish(tsr_gunzip_t *g, tsr_error_t **perr)
{
    if (g->failed) {
        return tsr_error_set(perr, g->pool, 400, NULL,
                             "the request body was already refused");
    }
    if (!g->started) {
        return refuse(g, perr, 400, "it is empty");
    }
    if (!g->member_done) {
        return refuse(g, perr, 400, "it ends before its gzip trailer");
    }
    return APR_SUCCESS;
}

apr_off_t tsr_gunzip_inflated(const tsr_gunzip_t *g)
{
    return g->inflated;
}
