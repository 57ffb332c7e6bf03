/* tsr_tsci_path: names, versions, file paths, media types and fs_sha of
 * tscircuit's registry.  Paths are normalised before any rule is applied,
 * so that "a//dist/./x" and "a/dist/x" are refused alike and a lookup
 * finds what a create stored. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <apr_md5.h>
#include "tsr_tsci_path.h"
#include "tsr_semver.h"

static apr_status_t bad_path(tsr_error_t **perr, apr_pool_t *p,
                             const char *in, const char *why)
{
    return tsr_error_set(perr, p, 400, TSR_TSCI_E_PATH,
                         "invalid file path \"%.200s\": %s", in, why);
}

apr_status_t tsr_tsci_path_normalize(apr_pool_t *p, const char *in,
                                     const char **pout, tsr_error_t **perr)
{
    apr_array_header_t *segs = apr_array_make(p, 8, sizeof(char *));
    char *s, *seg, *last = NULL, *out;
    apr_size_t n;
    int i;

    if (in == NULL) {
        return bad_path(perr, p, "", "a file_path is required");
    }
    s = apr_pstrdup(p, in);
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
        s++;
    }
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'
                     || s[n - 1] == '\r' || s[n - 1] == '\n')) {
        s[--n] = '\0';
    }
    for (i = 0; s[i]; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            return bad_path(perr, p, in, "control characters");
        }
        if (s[i] == '\\') {
            s[i] = '/';
        }
    }
    /* Empty and "." segments are what repeated '/', "./" and a trailing
     * '/' make: dropping them is the normalisation. */
    for (seg = apr_strtok(s, "/", &last); seg != NULL;
         seg = apr_strtok(NULL, "/", &last)) {
        if (strcmp(seg, ".") == 0) {
            continue;
        }
        if (strcmp(seg, "..") == 0) {
            return bad_path(perr, p, in, "\"..\" is not allowed");
        }
        if (strcmp(seg, "node_modules") == 0 || strcmp(seg, ".git") == 0) {
            return bad_path(perr, p, in, "node_modules and .git are not "
                            "package files");
        }
        if (segs->nelts > 0 && strcmp(seg, "dist") == 0) {
            return bad_path(perr, p, in, "a nested dist directory is a "
                            "build output, not a source");
        }
        APR_ARRAY_PUSH(segs, char *) = seg;
    }
    if (segs->nelts == 0) {
        return bad_path(perr, p, in, "the path is empty");
    }
    out = apr_array_pstrcat(p, segs, '/');
    if (strlen(out) > TSR_TSCI_PATH_MAX) {
        return bad_path(perr, p, in, "longer than 1024 bytes");
    }
    if (strchr(out, '.') == NULL) {
        return bad_path(perr, p, in, "a file path has an extension");
    }
    *pout = out;
    return APR_SUCCESS;
}

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    { ".ts", "text/typescript" }, { ".tsx", "text/typescript" },
    { ".mts", "text/typescript" }, { ".cts", "text/typescript" },
    { ".js", "application/javascript" }, { ".mjs", "application/javascript" },
    { ".cjs", "application/javascript" }, { ".jsx", "application/javascript" },
    { ".json", "application/json" }, { ".md", "text/markdown" },
    { ".mdx", "text/markdown" }, { ".html", "text/html" },
    { ".htm", "text/html" }, { ".css", "text/css" },
    { ".txt", "text/plain" }, { ".csv", "text/csv" },
    { ".yaml", "text/yaml" }, { ".yml", "text/yaml" },
    { ".svg", "image/svg+xml" }, { ".png", "image/png" },
    { ".jpg", "image/jpeg" }, { ".jpeg", "image/jpeg" },
    { ".gif", "image/gif" }, { ".webp", "image/webp" },
    { ".glb", "model/gltf-binary" }, { ".gltf", "model/gltf+json" },
    { ".obj", "model/obj" }, { ".stl", "model/stl" },
    { ".step", "model/step" }, { ".stp", "model/step" },
    { ".zip", "application/zip" }, { ".gz", "application/gzip" },
    { ".tgz", "application/gzip" }, { ".tar", "application/x-tar" },
    { ".wasm", "application/wasm" }, { ".pdf", "application/pdf" },
    { NULL, NULL }
};

const char *tsr_tsci_mimetype(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    int i;

    if (dot != NULL) {
        for (i = 0; types[i].ext; i++) {
            if (strcasecmp(dot, types[i].ext) == 0) {
                return types[i].type;
            }
        }
    }
    return "application/octet-stream";
}

static int word_char(char c)
{
    return apr_isalnum(c) || c == '_' || c == '-';
}

int tsr_tsci_handle_valid(const char *owner)
{
    apr_size_t n = strlen(owner), i;

    if (n < 1 || n > 40 || !apr_isalnum(owner[0])
        || !apr_isalnum(owner[n - 1])) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!word_char(owner[i])) {
            return 0;
        }
    }
    return 1;
}

int tsr_tsci_unscoped_valid(const char *name)
{
    apr_size_t n = strlen(name), i;

    if (n < 1 || n > TSR_TSCI_NAME_MAX || name[0] == '-'
        || name[n - 1] == '-') {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!word_char(name[i])) {
            return 0;
        }
    }
    return 1;
}

apr_status_t tsr_tsci_name_parse(apr_pool_t *p, const char *in,
                                 const char **powner, const char **pname,
                                 tsr_error_t **perr)
{
    const char *s = in, *sep;
    const char *owner, *name;

    if (in == NULL) {
        return tsr_error_set(perr, p, 400, TSR_TSCI_E_NAME,
                             "a package name is required");
    }
    /* npm's form, as tsci sends for an organisation's package: the first
     * '.' parts owner and name (handles have no dots). */
    if (strncmp(s, "@tsci/", 6) == 0) {
        s += 6;
        sep = strchr(s, '.');
    }
    else {
        if (*s == '@') {
            s++;
        }
        sep = strchr(s, '/');
    }
    if (sep == NULL) {
        return tsr_error_set(perr, p, 400, TSR_TSCI_E_NAME, "package name "
                             "\"%.200s\" is not owner/name", in);
    }
    owner = apr_pstrmemdup(p, s, sep - s);
    name = sep + 1;
    if (*owner == '\0') {
        return tsr_error_set(perr, p, 400, "missing_owner_segment",
                             "package name \"%.200s\" has no owner", in);
    }
    if (!tsr_tsci_handle_valid(owner) || !tsr_tsci_unscoped_valid(name)) {
        return tsr_error_set(perr, p, 400, "validation_error",
                             "package name \"%.200s\": an owner handle and "
                             "a name of letters, digits, '_' and '-'", in);
    }
    *powner = owner;
    *pname = apr_pstrdup(p, name);
    return APR_SUCCESS;
}

void tsr_tsci_name_version_split(apr_pool_t *p, const char *in,
                                 const char **pname, const char **pversion)
{
    const char *at = strrchr(in, '@');

    if (at == NULL || at == in) {
        *pname = in;
        *pversion = NULL;
        return;
    }
    *pname = apr_pstrmemdup(p, in, at - in);
    *pversion = at[1] == '\0' || strcmp(at + 1, "latest") == 0
                    ? NULL : apr_pstrdup(p, at + 1);
}

int tsr_tsci_is_prerelease(const char *version)
{
    const char *plus = strchr(version, '+');
    const char *dash = strchr(version, '-');

    return dash != NULL && (plus == NULL || dash < plus);
}

/* JSON.stringify's string form: the short escapes it has, \u00xx for
 * other control characters, everything else (UTF-8 included) as is. */
static void js_string(apr_array_header_t *buf, const char *s, apr_size_t n)
{
    static const char hex[] = "0123456789abcdef";
    apr_size_t i;

    APR_ARRAY_PUSH(buf, char) = '"';
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;

        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default: break;
        }
        if (esc != NULL) {
            for (; *esc; esc++) {
                APR_ARRAY_PUSH(buf, char) = *esc;
            }
        }
        else if (c < 0x20) {
            APR_ARRAY_PUSH(buf, char) = '\\';
            APR_ARRAY_PUSH(buf, char) = 'u';
            APR_ARRAY_PUSH(buf, char) = '0';
            APR_ARRAY_PUSH(buf, char) = '0';
            APR_ARRAY_PUSH(buf, char) = hex[c >> 4];
            APR_ARRAY_PUSH(buf, char) = hex[c & 15];
        }
        else {
            APR_ARRAY_PUSH(buf, char) = (char)c;
        }
    }
    APR_ARRAY_PUSH(buf, char) = '"';
}

static int by_seq(const void *a, const void *b)
{
    const tsr_tsci_fs_entry_t *x = a, *y = b;

    return x->seq < y->seq ? -1 : x->seq > y->seq ? 1 : 0;
}

const char *tsr_tsci_fs_sha(apr_pool_t *p, apr_array_header_t *entries)
{
    apr_array_header_t *buf = apr_array_make(p, 256, sizeof(char));
    unsigned char digest[APR_MD5_DIGESTSIZE];
    char *out;
    int i, first = 1;

    qsort(entries->elts, entries->nelts, sizeof(tsr_tsci_fs_entry_t),
          by_seq);
    APR_ARRAY_PUSH(buf, char) = '{';
    for (i = 0; i < entries->nelts; i++) {
        const tsr_tsci_fs_entry_t *e =
            &APR_ARRAY_IDX(entries, i, tsr_tsci_fs_entry_t);

        if (e->text == NULL || e->len == 0) {
            continue;
        }
        if (!first) {
            APR_ARRAY_PUSH(buf, char) = ',';
        }
        first = 0;
        js_string(buf, e->path, strlen(e->path));
        APR_ARRAY_PUSH(buf, char) = ':';
        js_string(buf, e->text, e->len);
    }
    APR_ARRAY_PUSH(buf, char) = '}';
    apr_md5(digest, buf->elts, buf->nelts);
    out = apr_palloc(p, 4 + 2 * APR_MD5_DIGESTSIZE + 1);
    memcpy(out, "md5-", 4);
    for (i = 0; i < APR_MD5_DIGESTSIZE; i++) {
        apr_snprintf(out + 4 + 2 * i, 3, "%02x", digest[i]);
    }
    return out;
}
