/* mod_tsci_registry_sign.c: the registry's signing key over Apache's life.
 * Before start-up (configtest too) a key file that is there must be a
 * key; the parent then loads it, or makes it once, before any child
 * exists, and the children inherit it.  A key made is never made again
 * while httpd lives: a graceful restart reloads the file, and writes it
 * back from memory if it has gone.  Also GET /-/npm/v1/keys, the public
 * half npm audit signatures checks with. */
#include <unistd.h>
#include "apr_hash.h"
#include "apr_strings.h"
#include "httpd.h"
#include "http_config.h"
#include "http_log.h"
#include "http_main.h"
#include "http_core.h"
#include "unixd.h"
#include "mod_tsci_registry.h"
#include "tsr_sign.h"

APLOG_USE_MODULE(tsci_registry);

/* The keys of this httpd's life, by path (process pool userdata). */
#define HELD_KEY "tsci_registry_signing_keys"

/* A key held across generations, in a pool of its own under the process
 * pool, so that a reloaded one can replace it. */
typedef struct held_t {
    apr_pool_t *pool;
    tsr_sign_key_t *key;
} held_t;

static tsr_server_conf_t *server_conf(server_rec *s)
{
    return ap_get_module_config(s->module_config, &tsci_registry_module);
}

const tsr_sign_key_t *tsr_signing_key(request_rec *r)
{
    return server_conf(r->server)->signing_key;
}

/* Runs for "apachectl configtest" too.  A missing file is an error only
 * where TsciRegistrySigningKey names it: the registry makes its own key
 * at the default place alone, never at a path that may be a typo. */
static int check_config(apr_pool_t *pconf, apr_pool_t *plog,
                        apr_pool_t *ptemp, server_rec *main)
{
    apr_hash_t *checked = apr_hash_make(ptemp);
    server_rec *s;

    for (s = main; s; s = s->next) {
        tsr_server_conf_t *sc = server_conf(s);
        const char *path = tsr_conf_signing_key_path(ptemp, sc);
        tsr_sign_key_t *key;
        tsr_error_t *err = NULL;
        apr_status_t rv;

        if (!sc->enabled_somewhere || path == NULL
            || apr_hash_get(checked, path, APR_HASH_KEY_STRING)) {
            continue;
        }
        apr_hash_set(checked, path, APR_HASH_KEY_STRING, path);
        rv = tsr_sign_key_load(&key, ptemp, path, &err);
        if (rv == APR_ENOENT && sc->signing_key_path == NULL) {
            continue;               /* made at start-up */
        }
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, NULL,
                         "TSR00142: TsciRegistrySigningKey: %s%s",
                         err ? err->message : path,
                         rv == APR_ENOENT ? " (the registry makes a key "
                         "itself only where no TsciRegistrySigningKey "
                         "names one)" : "");
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

/* The key at path for this generation: the file's, or, with no file, the
 * one held since an earlier generation (written back), or a new one. */
static apr_status_t take_key(server_rec *s, apr_pool_t *ptemp,
                             apr_hash_t *held, const char *path,
                             const tsr_sign_key_t **pkey)
{
    tsr_server_conf_t *sc = server_conf(s);
    held_t *old = apr_hash_get(held, path, APR_HASH_KEY_STRING), *now;
    apr_pool_t *kp;
    tsr_sign_key_t *key;
    tsr_error_t *err = NULL;
    long uid = -1, gid = -1;
    int created = 0;
    apr_status_t rv;

    if (geteuid() == 0) {
        uid = (long)ap_unixd_config.user_id;
        gid = (long)ap_unixd_config.group_id;
    }
    apr_pool_create(&kp, apr_hash_pool_get(held));
    rv = tsr_sign_key_load(&key, kp, path, &err);
    if (rv == APR_ENOENT && old) {
        apr_pool_destroy(kp);
        rv = tsr_sign_key_save(old->key, ptemp, path, uid, gid, &err);
        ap_log_error(APLOG_MARK, rv == APR_SUCCESS ? APLOG_WARNING
                                                   : APLOG_ERR,
                     rv == TSR_EREFUSED && err ? err->cause : rv, s,
                     "TSR00143: the signing key %s had gone: %s; the key "
                     "in memory (keyid %s) signs on", path,
                     rv == APR_SUCCESS ? "written again"
                                       : err ? err->message : "not written",
                     tsr_sign_key_id(old->key));
        *pkey = old->key;
        return APR_SUCCESS;
    }
    if (rv == APR_ENOENT && sc->signing_key_path == NULL) {
        rv = tsr_sign_key_ensure(&key, &created, kp, path, uid, gid, &err);
    }
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT,
                     err && err->cause ? err->cause : rv, s,
                     "TSR00144: no signing key: %s",
                     err ? err->message : path);
        apr_pool_destroy(kp);
        return rv;
    }
    if (old) {
        apr_pool_destroy(old->pool);
    }
    now = apr_palloc(kp, sizeof(*now));
    now->pool = kp;
    now->key = key;
    apr_hash_set(held, old ? path : apr_pstrdup(apr_hash_pool_get(held),
                                                path),
                 APR_HASH_KEY_STRING, now);
    ap_log_error(APLOG_MARK, created ? APLOG_NOTICE : APLOG_INFO, 0, s,
                 "TSR00145: %s the signing key %s (keyid %s)",
                 created ? "made" : "loaded", path, tsr_sign_key_id(key));
    *pkey = key;
    return APR_SUCCESS;
}

/* After the store's post_config (APR_HOOK_LAST): the data directory, the
 * default key's home, exists and is the children's. */
static int post_config(apr_pool_t *pconf, apr_pool_t *plog,
                       apr_pool_t *ptemp, server_rec *main)
{
    apr_hash_t *held = NULL, *now;
    server_rec *s;

    /* The first pass at start-up only checks the configuration. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    apr_pool_userdata_get((void **)&held, HELD_KEY, main->process->pool);
    if (held == NULL) {
        held = apr_hash_make(main->process->pool);
        apr_pool_userdata_set(held, HELD_KEY, apr_pool_cleanup_null,
                              main->process->pool);
    }
    now = apr_hash_make(ptemp);
    for (s = main; s; s = s->next) {
        tsr_server_conf_t *sc = server_conf(s);
        const char *path = tsr_conf_signing_key_path(ptemp, sc);
        const tsr_sign_key_t *key;

        sc->signing_key = NULL;
        if (!sc->enabled_somewhere || path == NULL) {
            continue;
        }
        key = apr_hash_get(now, path, APR_HASH_KEY_STRING);
        if (key == NULL) {
            if (take_key(s, ptemp, held, path, &key) != APR_SUCCESS) {
                return HTTP_INTERNAL_SERVER_ERROR;
            }
            apr_hash_set(now, path, APR_HASH_KEY_STRING, key);
        }
        sc->signing_key = key;
    }
    return OK;
}

/* GET /-/npm/v1/keys.  npm reads a 404 as "no keys". */
int tsr_npm_keys(tsr_req_t *q)
{
    const tsr_sign_key_t *key = tsr_signing_key(q->r);

    if (key == NULL) {
        return tsr_io_refuse(q->r, HTTP_NOT_FOUND, "this registry has no "
                             "signing keys");
    }
    /* The key changes only when an administrator replaces it. */
    apr_table_setn(q->r->headers_out, "Cache-Control", "max-age=300");
    return tsr_io_send_json(q->r, 200, tsr_sign_keys_doc(q->r->pool, key));
}

void tsr_sign_register_hooks(apr_pool_t *p)
{
    ap_hook_check_config(check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(post_config, NULL, NULL, APR_HOOK_LAST);
}
