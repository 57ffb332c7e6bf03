/* mod_tsci_registry_map.c: from URL to what serves it.  npm's "%2f" in
 * scoped names is made a path before httpd would refuse it; tarball URLs
 * are mapped to their files for Apache's core handler; every other URL in a
 * registry Location goes to the registry's handler without touching the
 * file system. */
#include <string.h>
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_request.h"
#include "http_protocol.h"
#include "mod_tsci_registry.h"
#include "tsr_route.h"
#include "tsr_store_files.h"

/* r->filename of registry requests that are not files (as mod_proxy does
 * with "proxy:"), so that nothing maps them into the document root. */
#define VIRTUAL_PREFIX "tsci-registry:"
/* Notes that carry translate_name's decision to the later hooks, which run
 * with the server's default per-directory config. */
#define NOTE_VIRTUAL "tsci-registry-virtual"
#define NOTE_NO_TARBALL "tsci-registry-no-tarball"

static tsr_dir_conf_t *dir_conf(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &tsci_registry_module);
}

const char *tsr_map_relative_path(request_rec *r, const tsr_dir_conf_t *d)
{
    apr_size_t plen = strlen(d->prefix);
    const char *uri = r->uri;

    if (strncmp(uri, d->prefix, plen) == 0) {
        return uri + plen;
    }
    if (strncmp(uri, d->prefix, plen - 1) == 0 && uri[plen - 1] == '\0') {
        return "";
    }
    return NULL;
}

/* Where a package name may stand as one segment: first below the prefix,
 * or after npm's "-/package/" (access, visibility, collaborators). */
#define PACKAGE_PATH "-/package/"

/* In the segment of a package name, when it is a scope ("@" or its
 * escape "%40"), turn the first "%2f" or "%2F" into '/'.  httpd refuses
 * an encoded slash when it unescapes the path, which comes after this. */
static int pre_translate(request_rec *r)
{
    tsr_dir_conf_t *d = dir_conf(r);
    apr_size_t plen;
    char *seg, *end, *esc, *uri;

    if (!tsr_conf_enabled(d) || r->uri == NULL || d->prefix == NULL) {
        return DECLINED;
    }
    plen = strlen(d->prefix);
    if (strncmp(r->uri, d->prefix, plen) != 0) {
        return DECLINED;
    }
    seg = r->uri + plen;
    if (strncmp(seg, PACKAGE_PATH, strlen(PACKAGE_PATH)) == 0) {
        seg += strlen(PACKAGE_PATH);
    }
    if (!(seg[0] == '@' || strncmp(seg, "%40", 3) == 0)) {
        return DECLINED;
    }
    end = strchr(seg, '/');
    for (esc = seg; (esc = strchr(esc, '%')) != NULL
                    && (end == NULL || esc < end); esc++) {
        if (esc[1] == '2' && (esc[2] == 'f' || esc[2] == 'F')) {
            uri = apr_palloc(r->pool, strlen(r->uri) - 1);
            memcpy(uri, r->uri, esc - r->uri);
            uri[esc - r->uri] = '/';
            strcpy(uri + (esc - r->uri) + 1, esc + 3);
            /* httpd unescapes r->parsed_uri.path in place: both must be
             * the same buffer. */
            r->uri = r->parsed_uri.path = uri;
            break;
        }
    }
    return DECLINED;
}

/* The stored file a GET of rel names, when rel is a route to a file of a
 * valid name, else NULL.  Only the route table decides what is a tarball
 * URL, so "@scope/-/-/--1.0.0.tgz" is the file "--1.0.0.tgz" of the
 * package "@scope/-", the same way the handler reads it. */
static const char *route_file(request_rec *r, const tsr_dir_conf_t *d,
                              const char *datadir, const char *rel)
{
    tsr_route_t rt;
    const char *name, *file;

    tsr_route_match(&rt, r->pool, tsr_route_table(tsr_conf_api(d)), "GET",
                    rel);
    if (rt.status != 0 || !(rt.def->flags & TSR_RF_FILE)) {
        return NULL;
    }
    name = tsr_route_param(&rt, "name");
    file = tsr_route_param(&rt, "file");
    if (name == NULL || file == NULL
        || !tsr_store_tarball_name_check(name, file)) {
        return NULL;
    }
    /* Who may read the file is decided once the user is known
     * (mod_tsci_registry_access.c). */
    apr_table_setn(r->notes, TSR_NOTE_PACKAGE, name);
    return tsr_store_tarball_file(r->pool, datadir,
                                  apr_pstrcat(r->pool, name, "/-/", file,
                                              NULL));
}

static int translate(request_rec *r)
{
    tsr_dir_conf_t *d = dir_conf(r);
    tsr_server_conf_t *sc;
    const char *rel, *file;

    if (!tsr_conf_enabled(d) || (rel = tsr_map_relative_path(r, d)) == NULL) {
        return DECLINED;
    }
    sc = ap_get_module_config(r->server->module_config,
                              &tsci_registry_module);
    /* GET and HEAD only: any other method on a file URL goes to the
     * handler, which answers 405 from the route table. */
    if (r->method_number == M_GET && sc->datadir
        && (file = route_file(r, d, sc->datadir, rel)) != NULL) {
        r->filename = (char *)file;
        r->canonical_filename = r->filename;
        apr_table_setn(r->notes, TSR_NOTE_TARBALL, "1");
        return OK;
    }
    r->filename = apr_pstrcat(r->pool, VIRTUAL_PREFIX, r->uri, NULL);
    apr_table_setn(r->notes, NOTE_VIRTUAL, "1");
    return OK;
}

/* Registry requests skip the directory walk: the data directory needs no
 * <Directory> grant, and <Location> rules still apply.  httpd runs this
 * hook with the server's default config, hence the notes. */
static int map_to_storage(request_rec *r)
{
    if (apr_table_get(r->notes, TSR_NOTE_TARBALL)) {
        if (apr_stat(&r->finfo, r->filename, APR_FINFO_MIN, r->pool)
                != APR_SUCCESS
            || r->finfo.filetype != APR_REG) {
            /* Let the registry answer the 404 in JSON. */
            r->finfo.filetype = APR_NOFILE;
            apr_table_unset(r->notes, TSR_NOTE_TARBALL);
            apr_table_setn(r->notes, NOTE_NO_TARBALL, "1");
        }
        return OK;
    }
    return apr_table_get(r->notes, NOTE_VIRTUAL) ? OK : DECLINED;
}

/* Tarballs go out as stored: no mod_mime encoding (npm would inflate a
 * "Content-Encoding: gzip" tarball and fail its integrity check). */
static int type_checker(request_rec *r)
{
    if (apr_table_get(r->notes, TSR_NOTE_TARBALL)) {
        ap_set_content_type(r, "application/octet-stream");
        r->handler = NULL;
        return OK;
    }
    if (apr_table_get(r->notes, NOTE_VIRTUAL)
        || apr_table_get(r->notes, NOTE_NO_TARBALL)) {
        r->handler = TSR_HANDLER;
        return OK;
    }
    return DECLINED;
}

void tsr_map_register_hooks(apr_pool_t *p)
{
    ap_hook_pre_translate_name(pre_translate, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_translate_name(translate, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_map_to_storage(map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_type_checker(type_checker, NULL, NULL, APR_HOOK_FIRST);
}
