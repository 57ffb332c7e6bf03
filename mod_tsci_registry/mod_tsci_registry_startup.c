/* mod_tsci_registry_startup.c: checks that configtest and start-up make
 * before any store is touched, so that a mistake stops Apache with a
 * message on the terminal instead of a running server that answers 503:
 * a data directory that is not a directory, one whose parents Apache's
 * User cannot pass through, and registry Locations nested by URL (the
 * inner one would take a package's URLs from the outer one). */
#include <sys/stat.h>
#include <string.h>
#include "apr_strings.h"
#include "apr_hash.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_log.h"
#include "unixd.h"
#include "mod_tsci_registry.h"

APLOG_USE_MODULE(tsci_registry);

/* May uid/gid search (pass through) the directory described by st? */
static int may_search(const struct stat *st, uid_t uid, gid_t gid)
{
    if (uid == 0) {
        return 1;
    }
    if (st->st_uid == uid) {
        return (st->st_mode & S_IXUSR) != 0;
    }
    if (st->st_gid == gid) {
        return (st->st_mode & S_IXGRP) != 0;
    }
    return (st->st_mode & S_IXOTH) != 0;
}

/* NULL when dir can serve as a data directory for the children's user,
 * else why not (in p).  The parent (root) creates what is missing and
 * gives it to that user, so what matters is what exists: it must be a
 * directory, and every directory above it passable. */
const char *tsr_startup_datadir_problem(apr_pool_t *p, const char *dir)
{
    uid_t uid = geteuid() == 0 ? ap_unixd_config.user_id : geteuid();
    gid_t gid = geteuid() == 0 ? ap_unixd_config.group_id : getegid();
    char *path = apr_pstrdup(p, dir), *slash;
    struct stat st;

    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        return apr_psprintf(p, "%s exists and is not a directory", dir);
    }
    /* Every existing directory from the top down to dir's parent. */
    for (slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1,
                                                             '/')) {
        *slash = '\0';
        if (stat(path, &st) != 0) {
            *slash = '/';
            break;
        }
        if (!S_ISDIR(st.st_mode)) {
            return apr_psprintf(p, "%s is not a directory", path);
        }
        if (!may_search(&st, uid, gid)) {
            return apr_psprintf(p, "the user the children run as (uid %ld) "
                                "cannot pass through %s (mode %04o, owner "
                                "%ld): give it search (x) permission or "
                                "choose another directory", (long)uid, path,
                                (unsigned)(st.st_mode & 07777),
                                (long)st.st_uid);
        }
        *slash = '/';
    }
    /* Without root nothing is given to anyone: this user must be able
     * to write the directory, or create it in the nearest one that
     * exists. */
    if (geteuid() != 0) {
        char *at = apr_pstrdup(p, dir), *cut;

        while (stat(at, &st) != 0 && (cut = strrchr(at, '/')) != NULL
               && cut != at) {
            *cut = '\0';
        }
        if (access(at, W_OK | X_OK) != 0) {
            return apr_psprintf(p, "%s is not writable by this user (uid "
                                "%ld)%s", at, (long)uid,
                                strcmp(at, dir) ? ", so the data directory "
                                "cannot be made there" : "");
        }
    }
    return NULL;
}

/* Warn about registry Locations of s one of which lies inside another,
 * once per pair (virtual hosts repeat the main server's sections): seen
 * holds the pairs told. */
void tsr_startup_warn_nested(apr_pool_t *p, server_rec *s, module *self,
                             apr_hash_t *seen)
{
    core_server_config *core = ap_get_core_module_config(s->module_config);
    apr_array_header_t *prefixes = apr_array_make(p, 4, sizeof(char *));
    ap_conf_vector_t **sec;
    int i, j;

    if (core == NULL || core->sec_url == NULL) {
        return;
    }
    sec = (ap_conf_vector_t **)core->sec_url->elts;
    for (i = 0; i < core->sec_url->nelts; i++) {
        tsr_dir_conf_t *d = ap_get_module_config(sec[i], self);

        if (d && d->api > 0 && d->prefix) {
            APR_ARRAY_PUSH(prefixes, const char *) = d->prefix;
        }
    }
    for (i = 0; i < prefixes->nelts; i++) {
        for (j = 0; j < prefixes->nelts; j++) {
            const char *a = APR_ARRAY_IDX(prefixes, i, const char *);
            const char *b = APR_ARRAY_IDX(prefixes, j, const char *);
            apr_size_t n = strlen(a);

            const char *pair = apr_pstrcat(p, a, "\n", b, NULL);

            if (i != j && strlen(b) > n && strncmp(a, b, n) == 0
                && (a[n - 1] == '/' || b[n] == '/')
                && !apr_hash_get(seen, pair, APR_HASH_KEY_STRING)) {
                apr_hash_set(seen, pair, APR_HASH_KEY_STRING, pair);
                ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_WARNING, 0,
                             NULL, "TSR00018: registry Location %s lies "
                             "inside registry Location %s: the URLs of a "
                             "package of %s named like the rest of the path "
                             "are the inner one's; give each registry a "
                             "Location of its own", b, a, a);
            }
        }
    }
}
