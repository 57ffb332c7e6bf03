/* tsci_registry_admin: the registry's command-line tool, run on the server
 * beside a running Apache as Apache's User.  It joins the same store the
 * children use (never recovering it: the parent owns that).  It adds
 * users (a registry whose signup is off gets its users this way) and
 * mints tokens, read-only ones included, which npm itself can no longer
 * ask for; and it builds the search index again from the documents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_general.h>
#include <apr_lib.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include "tsr_auth.h"
#include "tsr_name.h"
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
            "  \"Authorization: Bearer <token>\" (npm: _authToken).\n"
            "       tsci-registry-admin DATADIR user add USER [EMAIL]\n"
            "  Makes USER a registry user; the password is asked for on a\n"
            "  terminal, or read as one line from standard input.\n"
            "       tsci-registry-admin DATADIR search reindex\n"
            "  Builds every package's search entry again from its document\n"
            "  (while Apache runs: one package at a time).\n");
    return 2;
}

static apr_status_t open_store(tsr_store_t **pstore, apr_pool_t *p,
                               const char *datadir)
{
    tsr_store_config_t cfg;
    apr_status_t rv;

    memset(&cfg, 0, sizeof(cfg));
    cfg.datadir = datadir;
    cfg.log = log_stderr;
    /* Berkeley DB is the only provider that has a store on this machine's
     * disk for a tool to join. */
    rv = tsr_store_open(tsr_store_provider_find("bdb"), pstore, p, &cfg);
    if (rv != APR_SUCCESS) {
        fprintf(stderr, "tsci-registry-admin: cannot open the store in %s "
                "(is this Apache's User, and has Apache started once?)\n",
                datadir);
    }
    return rv;
}

/* The new user's password: typed twice on a terminal, else one line of
 * standard input (for scripts).  NULL after saying why. */
static const char *read_password(apr_pool_t *p)
{
    char a[TSR_PASSWORD_MAX + 2], b[TSR_PASSWORD_MAX + 2];
    apr_size_t alen = sizeof(a), blen = sizeof(b);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    const char *pw;

    if (isatty(0)) {
        if (apr_password_get("Password: ", a, &alen) != APR_SUCCESS
            || apr_password_get("Again: ", b, &blen) != APR_SUCCESS) {
            fprintf(stderr, "tsci-registry-admin: no password read\n");
            return NULL;
        }
        if (strcmp(a, b) != 0) {
            fprintf(stderr, "tsci-registry-admin: the passwords differ\n");
            return NULL;
        }
        pw = apr_pstrdup(p, a);
    }
    else {
        if ((n = getline(&line, &cap, stdin)) <= 0) {
            fprintf(stderr, "tsci-registry-admin: no password on standard "
                    "input\n");
            free(line);
            return NULL;
        }
        if (line[n - 1] == '\n') {
            line[--n] = '\0';
        }
        /* A NUL byte would cut the password short without a word. */
        if (strlen(line) != (size_t)n) {
            fprintf(stderr, "tsci-registry-admin: the password holds a NUL "
                    "byte\n");
            free(line);
            return NULL;
        }
        pw = apr_pstrdup(p, line);
        free(line);
    }
    if (*pw == '\0' || strlen(pw) > TSR_PASSWORD_MAX) {
        fprintf(stderr, "tsci-registry-admin: a password of 1 to %d "
                "characters is required\n", TSR_PASSWORD_MAX);
        return NULL;
    }
    return pw;
}

static int user_add(apr_pool_t *p, const char *datadir, const char *user,
                    const char *email)
{
    tsr_store_t *store;
    tsr_error_t *err = NULL;
    tsr_auth_creds_t c;

    if (tsr_name_check_user(p, user, &err) != APR_SUCCESS) {
        fprintf(stderr, "tsci-registry-admin: %s\n", err->message);
        return 1;
    }
    c.user = user;
    c.email = email;
    if ((c.password = read_password(p)) == NULL
        || open_store(&store, p, datadir) != APR_SUCCESS) {
        return 1;
    }
    if (tsr_auth_user_add(p, store, &c, &err) != APR_SUCCESS) {
        fprintf(stderr, "tsci-registry-admin: %s\n", err->message);
        return 1;
    }
    printf("added %s\n", user);
    return 0;
}

static int token_create(apr_pool_t *p, const char *datadir, const char *user,
                        int readonly)
{
    tsr_store_t *store;
    tsr_error_t *err = NULL;
    tsr_token_opts_t opts = { 0 };
    const char *rec, *token;
    apr_size_t len;
    apr_status_t rv;

    if (open_store(&store, p, datadir) != APR_SUCCESS) {
        return 1;
    }
    rv = tsr_store_user_get(store, p, user, &rec, &len);
    if (rv == TSR_ENOTFOUND) {
        fprintf(stderr, "tsci-registry-admin: no user %s\n", user);
        return 1;
    }
    opts.readonly = readonly;
    if (rv != APR_SUCCESS
        || tsr_token_issue(&token, p, store, user, &opts, &err)
               != APR_SUCCESS) {
        fprintf(stderr, "tsci-registry-admin: %s\n",
                err ? err->message : "the store failed");
        return 1;
    }
    printf("%s\n", token);
    return 0;
}

static int search_reindex(apr_pool_t *p, const char *datadir)
{
    tsr_store_t *store;
    apr_size_t count = 0;
    apr_time_t t0 = apr_time_now();

    if (open_store(&store, p, datadir) != APR_SUCCESS) {
        return 1;
    }
    if (tsr_store_search_rebuild(store, p, &count) != APR_SUCCESS) {
        fprintf(stderr, "tsci-registry-admin: the search index could not "
                "be rebuilt (%" APR_SIZE_T_FMT " packages done)\n", count);
        return 1;
    }
    printf("indexed %" APR_SIZE_T_FMT " packages in %" APR_TIME_T_FMT
           " ms\n", count, apr_time_as_msec(apr_time_now() - t0));
    return 0;
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *p;
    int rc, readonly = 0, tokens, users, search;

    if (argc == 6 && strcmp(argv[5], "--read-only") == 0) {
        readonly = 1;
        argc--;
    }
    tokens = argc == 5 && strcmp(argv[2], "token") == 0
             && strcmp(argv[3], "create") == 0;
    users = !readonly && (argc == 5 || argc == 6)
            && strcmp(argv[2], "user") == 0 && strcmp(argv[3], "add") == 0;
    search = argc == 4 && strcmp(argv[2], "search") == 0
             && strcmp(argv[3], "reindex") == 0;
    if (!tokens && !users && !search) {
        return usage();
    }
    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS
        || apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return 1;
    }
    rc = search ? search_reindex(p, argv[1])
         : tokens ? token_create(p, argv[1], argv[4], readonly)
                  : user_add(p, argv[1], argv[4], argc == 6 ? argv[5] : NULL);
    apr_pool_destroy(p);
    apr_terminate();
    return rc;
}
