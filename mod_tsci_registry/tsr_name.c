/* tsr_name: package, user and tag names.  The rules follow npm's
 * validate-npm-package-name for new packages, made stricter where a name
 * becomes a file name under the data directory. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_name.h"

/* Node's built-in modules (Node 20): npm refuses them as package names. */
static const char *const core_modules[] = {
    "assert", "async_hooks", "buffer", "child_process", "cluster",
    "console", "constants", "crypto", "dgram", "diagnostics_channel", "dns",
    "domain", "events", "fs", "http", "http2", "https", "inspector",
    "module", "net", "os", "path", "perf_hooks", "process", "punycode",
    "querystring", "readline", "repl", "stream", "string_decoder", "sys",
    "timers", "tls", "trace_events", "tty", "url", "util", "v8", "vm",
    "wasi", "worker_threads", "zlib", NULL
};

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
           || c == '.' || c == '_';
}

/* Check one part (scope or bare name) of len bytes. */
static const char *check_part(const char *s, apr_size_t len)
{
    apr_size_t i;

    if (s[0] == '.' || s[0] == '_') {
        return "may not start with a period or an underscore";
    }
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') {
            return "may not contain capital letters";
        }
        if (c == ' ' || c == '\t') {
            return "may not contain spaces";
        }
        if (c == '~' || c == '\'' || c == '!' || c == '(' || c == ')'
            || c == '*') {
            return "may not contain the special characters ~'!()*";
        }
        if (!is_name_char(c)) {
            return "may only contain URL-safe characters "
                   "(a-z, 0-9, '-', '.', '_')";
        }
    }
    return NULL;
}

static const char *why_invalid(const char *name)
{
    apr_size_t len;
    const char *slash, *why;
    int i;

    if (name == NULL || *name == '\0') {
        return "the name is empty";
    }
    len = strlen(name);
    if (len > TSR_NAME_MAX) {
        return "the name is longer than 214 characters";
    }
    if (strcmp(name, "node_modules") == 0
        || strcmp(name, "favicon.ico") == 0 || strcmp(name, "-") == 0) {
        return "the name is reserved";
    }
    for (i = 0; core_modules[i]; i++) {
        if (strcmp(name, core_modules[i]) == 0) {
            return "the name is a Node.js core module";
        }
    }
    if (name[0] == '@') {
        slash = strchr(name, '/');
        if (slash == NULL || slash == name + 1 || slash[1] == '\0'
            || strchr(slash + 1, '/') != NULL) {
            return "a scoped name must look like @scope/name";
        }
        if ((why = check_part(name + 1, slash - name - 1))) {
            return why;
        }
        return check_part(slash + 1, strlen(slash + 1));
    }
    if (strchr(name, '/')) {
        return "only scoped names (@scope/name) may contain a slash";
    }
    return check_part(name, len);
}

apr_status_t tsr_name_check(apr_pool_t *p, const char *name,
                            tsr_error_t **perr)
{
    const char *why = why_invalid(name);

    if (why == NULL) {
        return APR_SUCCESS;
    }
    return tsr_error_set(perr, p, 400, "invalid_package_name",
                         "invalid package name: %s", why);
}

int tsr_name_is_valid(const char *name)
{
    return why_invalid(name) == NULL;
}

const char *tsr_name_unscoped(const char *name)
{
    const char *slash;

    if (name[0] == '@' && (slash = strchr(name, '/')) != NULL) {
        return slash + 1;
    }
    return name;
}

const char *tsr_name_tarball_file(apr_pool_t *p, const char *name,
                                  const char *version)
{
    return apr_pstrcat(p, tsr_name_unscoped(name), "-", version, ".tgz",
                       NULL);
}

const char *tsr_name_tarball_path(apr_pool_t *p, const char *name,
                                  const char *version)
{
    return apr_pstrcat(p, name, "/-/", tsr_name_unscoped(name), "-", version,
                       ".tgz", NULL);
}

apr_status_t tsr_name_check_user(apr_pool_t *p, const char *user,
                                 tsr_error_t **perr)
{
    apr_size_t i, len = user ? strlen(user) : 0;

    if (len == 0 || len > TSR_USER_MAX) {
        return tsr_error_set(perr, p, 400, "invalid_user_name",
                             "invalid user name: it must have 1 to 214 "
                             "characters");
    }
    if (!((user[0] >= 'a' && user[0] <= 'z')
          || (user[0] >= '0' && user[0] <= '9'))) {
        return tsr_error_set(perr, p, 400, "invalid_user_name",
                             "invalid user name: it must start with a "
                             "lower-case letter or a digit");
    }
    for (i = 0; i < len; i++) {
        if (!is_name_char(user[i])) {
            return tsr_error_set(perr, p, 400, "invalid_user_name",
                                 "invalid user name: only a-z, 0-9, '-', "
                                 "'.' and '_' are allowed");
        }
    }
    return APR_SUCCESS;
}

apr_status_t tsr_name_check_tag(apr_pool_t *p, const char *tag,
                                tsr_error_t **perr)
{
    apr_size_t i, len = tag ? strlen(tag) : 0;

    if (len == 0 || len > TSR_TAG_MAX) {
        return tsr_error_set(perr, p, 400, "invalid_tag",
                             "invalid dist-tag: it must have 1 to 128 "
                             "characters");
    }
    if ((tag[0] >= '0' && tag[0] <= '9')
        || ((tag[0] == 'v' || tag[0] == 'V') && tag[1] >= '0'
            && tag[1] <= '9')) {
        return tsr_error_set(perr, p, 400, "invalid_tag",
                             "invalid dist-tag \"%s\": a tag may not look "
                             "like a version", tag);
    }
    for (i = 0; i < len; i++) {
        char c = tag[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '-' || c == '.'
              || c == '_')) {
            return tsr_error_set(perr, p, 400, "invalid_tag",
                                 "invalid dist-tag: only letters, digits, "
                                 "'-', '.' and '_' are allowed");
        }
    }
    return APR_SUCCESS;
}
