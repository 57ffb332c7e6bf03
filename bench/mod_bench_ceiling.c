/* mod_bench_ceiling.c: the benchmark's ceiling, an Apache handler that
 * writes bytes already in memory, the same bytes the registry serves, so
 * that bench/run can tell how far the registry is from what Apache itself
 * can do (docs/performance.md).  Not part of the registry.
 *
 * BenchCeilingTable names a file of lines
 *     <status> <full|abbrev|any|fullgz|abbrevgz> <content-type>
 *         <url-path|*> <body-file>
 * read once in post_config, so children share the bodies.  A request takes
 * the same hooks as a registry request (translate_name, map_to_storage and
 * type_checker claim it without touching the file system), then the handler
 * looks up the path (and, like the registry, whether Accept asks for npm's
 * abbreviated form) and passes one brigade: the body and EOS.  "*" is the
 * answer for any other path (the registry's 404).  The "gz" forms are the
 * registry's gzip'd bytes, sent with Content-Encoding: gzip when the
 * request's Accept-Encoding names gzip (a substring test: the bytes in
 * memory are the point, not the parsing). */
#include <string.h>
#include "apr_hash.h"
#include "apr_strings.h"
#include "apr_file_io.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"

#define HANDLER "bench-ceiling"
#define VIRTUAL_PREFIX "bench-ceiling:"
#define ABBREV_TYPE "application/vnd.npm.install-v1+json"

module AP_MODULE_DECLARE_DATA bench_ceiling_module;

typedef struct entry_t {
    int status;
    const char *ctype;
    const char *body;
    apr_size_t len;
} entry_t;

typedef struct conf_t {
    const char *table;
    apr_hash_t *full;           /* url path -> entry, plain Accept */
    apr_hash_t *abbrev;         /* url path -> entry, abbreviated Accept */
    apr_hash_t *full_gz;        /* the same, gzip'd */
    apr_hash_t *abbrev_gz;
    entry_t *other;             /* any other path */
} conf_t;

static void *create_conf(apr_pool_t *p, server_rec *s)
{
    return apr_pcalloc(p, sizeof(conf_t));
}

static const char *set_table(cmd_parms *cmd, void *dummy, const char *arg)
{
    conf_t *c = ap_get_module_config(cmd->server->module_config,
                                     &bench_ceiling_module);

    c->table = ap_server_root_relative(cmd->pool, arg);
    return NULL;
}

static apr_status_t slurp(const char **pbody, apr_size_t *plen,
                          const char *path, apr_pool_t *p)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv;
    char *buf;

    if ((rv = apr_file_open(&f, path, APR_READ | APR_BINARY, 0, p))
        != APR_SUCCESS) {
        return rv;
    }
    if ((rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f)) == APR_SUCCESS) {
        buf = apr_palloc(p, (apr_size_t)fi.size + 1);
        rv = apr_file_read_full(f, buf, (apr_size_t)fi.size, plen);
        *pbody = buf;
    }
    apr_file_close(f);
    return rv;
}

static int post_config(apr_pool_t *p, apr_pool_t *plog, apr_pool_t *ptemp,
                       server_rec *s)
{
    conf_t *c = ap_get_module_config(s->module_config, &bench_ceiling_module);
    apr_file_t *f;
    char line[8192];
    apr_status_t rv;

    if (c->table == NULL) {
        return OK;
    }
    c->full = apr_hash_make(p);
    c->abbrev = apr_hash_make(p);
    c->full_gz = apr_hash_make(p);
    c->abbrev_gz = apr_hash_make(p);
    if ((rv = apr_file_open(&f, c->table, APR_READ, 0, ptemp))
        != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot open %s",
                     c->table);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    while (apr_file_gets(line, sizeof(line), f) == APR_SUCCESS) {
        char *last, *status, *accept, *ctype, *path, *file;
        entry_t *e;

        status = apr_strtok(line, " \t\r\n", &last);
        accept = apr_strtok(NULL, " \t\r\n", &last);
        ctype = apr_strtok(NULL, " \t\r\n", &last);
        path = apr_strtok(NULL, " \t\r\n", &last);
        file = apr_strtok(NULL, " \t\r\n", &last);
        if (status == NULL || *status == '#') {
            continue;
        }
        if (file == NULL) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "%s: bad line",
                         c->table);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        e = apr_pcalloc(p, sizeof(*e));
        e->status = atoi(status);
        e->ctype = apr_pstrdup(p, ctype);
        if ((rv = slurp(&e->body, &e->len, file, p)) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, "cannot read %s",
                         file);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        path = apr_pstrdup(p, path);
        if (strcmp(path, "*") == 0) {
            c->other = e;
        }
        if (strcmp(accept, "fullgz") == 0
            || strcmp(accept, "abbrevgz") == 0) {
            apr_hash_set(accept[0] == 'f' ? c->full_gz : c->abbrev_gz, path,
                         APR_HASH_KEY_STRING, e);
            continue;
        }
        if (strcmp(accept, "abbrev") != 0) {
            apr_hash_set(c->full, path, APR_HASH_KEY_STRING, e);
        }
        if (strcmp(accept, "full") != 0) {
            apr_hash_set(c->abbrev, path, APR_HASH_KEY_STRING, e);
        }
    }
    apr_file_close(f);
    return OK;
}

static conf_t *enabled(request_rec *r)
{
    conf_t *c = ap_get_module_config(r->server->module_config,
                                     &bench_ceiling_module);

    return c->full ? c : NULL;
}

static int translate(request_rec *r)
{
    if (enabled(r) == NULL) {
        return DECLINED;
    }
    r->filename = apr_pstrcat(r->pool, VIRTUAL_PREFIX, r->uri, NULL);
    return OK;
}

static int map_to_storage(request_rec *r)
{
    return enabled(r) && r->filename
           && strncmp(r->filename, VIRTUAL_PREFIX,
                      sizeof(VIRTUAL_PREFIX) - 1) == 0 ? OK : DECLINED;
}

static int type_checker(request_rec *r)
{
    if (map_to_storage(r) != OK) {
        return DECLINED;
    }
    r->handler = HANDLER;
    return OK;
}

static int handler(request_rec *r)
{
    conf_t *c;
    const char *accept, *enc;
    apr_hash_t *h;
    int abbrev;
    entry_t *e;
    apr_bucket_brigade *bb;

    if (r->handler == NULL || strcmp(r->handler, HANDLER) != 0
        || (c = enabled(r)) == NULL) {
        return DECLINED;
    }
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    accept = apr_table_get(r->headers_in, "Accept");
    abbrev = accept && ap_strcasestr(accept, ABBREV_TYPE);
    h = abbrev ? c->abbrev : c->full;
    enc = apr_table_get(r->headers_in, "Accept-Encoding");
    if (enc && ap_strcasestr(enc, "gzip")
        && (e = apr_hash_get(abbrev ? c->abbrev_gz : c->full_gz, r->uri,
                             APR_HASH_KEY_STRING)) != NULL) {
        apr_table_setn(r->headers_out, "Content-Encoding", "gzip");
    }
    else if ((e = apr_hash_get(h, r->uri, APR_HASH_KEY_STRING)) == NULL
             && (e = c->other) == NULL) {
        return HTTP_NOT_FOUND;
    }
    r->status = e->status;
    ap_set_content_type(r, e->ctype);
    ap_set_content_length(r, (apr_off_t)e->len);
    if (r->header_only) {
        return OK;
    }
    bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_immortal_create(
                                    e->body, e->len,
                                    r->connection->bucket_alloc));
    APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(
                                    r->connection->bucket_alloc));
    return ap_pass_brigade(r->output_filters, bb) == APR_SUCCESS
               ? OK : AP_FILTER_ERROR;
}

static void register_hooks(apr_pool_t *p)
{
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(translate, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_map_to_storage(map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_type_checker(type_checker, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(handler, NULL, NULL, APR_HOOK_MIDDLE);
}

static const command_rec cmds[] = {
    AP_INIT_TAKE1("BenchCeilingTable", set_table, NULL, RSRC_CONF,
                  "File listing the responses to serve from memory"),
    { NULL }
};

AP_DECLARE_MODULE(bench_ceiling) = {
    STANDARD20_MODULE_STUFF,
    NULL,
    NULL,
    create_conf,
    NULL,
    cmds,
    register_hooks
};
