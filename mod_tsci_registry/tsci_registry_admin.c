/* tsci_registry_admin: the registry's command-line tool, run on the server
 * beside a running Apache as Apache's User.  It joins the same store the
 * children use (never recovering it: the parent owns that).  Today it
 * mints tokens, read-only ones included, which npm itself can no longer
 * ask for. */
#include <stdio.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include "tsr_auth.h"
#include "tsr_store.h"

static void log_stderr(void *baton, int level, apr_status_t rv,
                       const char *msg)
{
    fprintf(stderr, "tsci-registry-admin: %s\n", msg);
}

static int usage(void)
{
    fprintf(stderr,
            "usage: tsci-registry-admin DATADIR token create USER "
            "[--read-only]\n"
            "  Prints a new token for USER (who must exist), to be used as\n"
            "  \"Authorization: Bearer <token>\" (npm: _authToken).\n");
    return 2;
}

static int token_create(apr_pool_t *p, const char *datadir, const char *user,
                        int readonly)
{
    tsr_store_config_t cfg;
    tsr_store_t *store;
    tsr_error_t *err = NULL;
    const char *rec, *token;
    apr_size_t len;
    apr_status_t rv;

    memset(&cfg, 0, sizeof(cfg));
    cfg.datadir = datadir;
    cfg.log = log_stderr;
    /* Berkeley DB is the only provider that has a store on this machine's
     * disk for a tool to join. */
    rv = tsr_store_open(tsr_store_provider_find("bdb"), &store, p, &cfg);
    if (rv != APR_SUCCESS) {
        fprintf(stderr, "tsci-registry-admin: cannot open the store in %s "
                "(is this Apache's User, and has Apache started once?)\n",
                datadir);
        return 1;
    }
    rv = tsr_store_user_get(store, p, user, &rec, &len);
    if (rv == TSR_ENOTFOUND) {
        fprintf(stderr, "tsci-registry-admin: no user %s\n", user);
        return 1;
    }
    if (rv != APR_SUCCESS
        || tsr_auth_token_issue(&token, p, store, user, readonly, &err)
               != APR_SUCCESS) {
        fprintf(stderr, "tsci-registry-admin: %s\n",
                err ? err->message : "the store failed");
        return 1;
    }
    printf("%s\n", token);
    return 0;
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;
    int rc, readonly = 0;

    if (argc == 6 && strcmp(argv[5], "--read-only") == 0) {
        readonly = 1;
        argc--;
    }
    if (argc != 5 || strcmp(argv[2], "token") != 0
        || strcmp(argv[3], "create") != 0) {
        return usage();
    }
    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS
        || apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return 1;
    }
    rc = token_create(p, argv[1], argv[4], readonly);
    apr_pool_destroy(p);
    apr_terminate();
    return rc;
}
