/* gen_store: fills an empty data directory with a generated catalogue
 * through the core's own publish path (tsr_publish_parse_decoded,
 * tsr_publish_sign, tsr_publish_commit: the functions npm's PUT reaches),
 * so that the documents, their ready views, the search index, the
 * signatures, the changes feed and the tarball files are what a registry
 * that received those publishes would hold; Apache then serves the
 * directory as it is (bench/compare).
 *
 *   make bench/gen_store
 *   [GEN_STORE_BASE=URL] bench/gen_store DATADIR PACKAGES [LISTFILE] [BIG]
 *
 * GEN_STORE_BASE is the base URL of the registry that will serve the
 * store (http://127.0.0.1:8900/ for bench/compare): the gzip'd views are
 * kept for it, as a publish through that registry keeps them.  Without
 * it the store has none, and every gzip read compresses.
 *
 * The catalogue is deterministic for a given PACKAGES.  Most packages are
 * small with a few versions; BIG of them (default PACKAGES/10000, at least
 * one) have hundreds of versions and a packument of about a megabyte; one
 * in five is scoped.  The first 50 packages are leaves; every other one
 * depends on up to three of them ("^1.0.0"), so any set of packages
 * installs with npm.  LISTFILE gets one line per package: name, versions,
 * latest version, whether it is big (1) or not (0), tab-separated.
 *
 * While it writes, it does the upkeep Apache's watchdog does every 30 s
 * (tsr_store_maintain: a checkpoint, and removal of logs no longer
 * needed) and every second (tsr_store_trim_log: a checkpoint once 16 MB
 * of log were written), and samples the size of Berkeley DB's logs, so that the figures
 * say whether that keeps them bounded during a large load.  It prints
 * progress on standard error and, at the end, one line "GEN key=value ..."
 * on standard output. */
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "tsr_json.h"
#include "tsr_publish.h"
#include "tsr_sign.h"
#include "tsr_store.h"
#include "tsr_store_bdb.h"

#define LEAVES 50
#define PUBLISHER "bench"
#define UPKEEP_SECONDS 30           /* mod_tsci_registry_store.c's */
#define SAMPLE_SECONDS 5
#define LOG_FILE_BYTES (10u << 20)   /* Berkeley DB's default lg_max */
#define SIGNING_KEY_FILE "signing-key.pem"  /* mod_tsci_registry.h's */

static unsigned long long rng;

static unsigned long next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned long)(rng >> 11);
}

static int pick(int n)
{
    return (int)(next_rand() % (unsigned long)n);
}

static const char *const words[] = {
    "async", "stream", "parse", "render", "circuit", "board", "trace",
    "route", "pcb", "schematic", "footprint", "net", "via", "layer", "json",
    "schema", "cache", "queue", "worker", "config", "loader", "plugin",
    "theme", "icon", "date", "time", "format", "color", "vector", "matrix",
    "graph", "tree", "node", "path", "glob", "watch", "build", "bundle",
    "test", "mock", "lint", "type", "http", "server", "client", "router",
    "store", "state", "form", "table", "chart", "image", "audio", "video",
    "crypto", "hash", "token", "auth", "session", "cookie", "proxy", "log",
    NULL
};
static int nwords;

static const char *word(void)
{
    return words[pick(nwords)];
}

static const char *sentence(apr_pool_t *p, int n)
{
    char *s = apr_pstrdup(p, word());
    int k;

    s[0] = (char)(s[0] - 'a' + 'A');
    for (k = 1; k < n; k++) {
        s = apr_pstrcat(p, s, " ", word(), NULL);
    }
    return apr_pstrcat(p, s, ".", NULL);
}

/* ---- the catalogue ---- */

typedef struct pkg_t {
    const char *name;
    int versions;
    int big;
    int ndeps;
    int deps[3];                    /* indexes of leaves */
} pkg_t;

static pkg_t *plan(apr_pool_t *p, int n, int big)
{
    pkg_t *pk = apr_pcalloc(p, sizeof(*pk) * (apr_size_t)n);
    int every = big > 0 ? n / big : n + 1, i, k;

    for (i = 0; i < n; i++) {
        int r = pick(100);

        pk[i].name = i % 5 == 4
            ? apr_psprintf(p, "@%s%d/%s-%s-%d", word(), i % 40, word(),
                           word(), i)
            : apr_psprintf(p, "%s-%s-%d", word(), word(), i);
        /* Most packages have a few versions, as on the public registry. */
        pk[i].versions = r < 70 ? 1 + pick(2) : r < 92 ? 3 + pick(4)
                       : r < 99 ? 7 + pick(14) : 21 + pick(40);
        /* The big ones sit past the leaves and the install set. */
        if (big > 0 && i >= 2 * LEAVES + 50 && i % every == every / 2
            && big-- > 0) {
            pk[i].big = 1;
            pk[i].versions = 300 + pick(200);
        }
        if (i >= LEAVES) {
            pk[i].ndeps = pick(4);
            for (k = 0; k < pk[i].ndeps; k++) {
                pk[i].deps[k] = pick(LEAVES);
            }
        }
    }
    /* At small sizes the rule above may place none: the last unscoped
     * package is then the big one, so that every catalogue has one (and
     * static files can hold it under its plain name). */
    if (big > 0 && n > 2 * LEAVES + 50) {
        i = (n - 1) % 5 == 4 ? n - 2 : n - 1;
        pk[i].big = 1;
        pk[i].versions = 300 + pick(200);
    }
    return pk;
}

static const char *version_of(int v)
{
    static char buf[32];

    snprintf(buf, sizeof(buf), "1.%d.%d", v / 10, v % 10);
    return buf;
}

/* ---- tarballs: ustar and gzip, as npm pack makes them ---- */

static void tar_entry(char **pbuf, apr_size_t *plen, const char *path,
                      const char *data, apr_size_t len)
{
    unsigned char *h = (unsigned char *)*pbuf + *plen;
    unsigned int sum = 0;
    int i;

    memset(h, 0, 512);
    snprintf((char *)h, 100, "%s", path);
    memcpy(h + 100, "0000644", 7);
    memcpy(h + 108, "0000000", 7);
    memcpy(h + 116, "0000000", 7);
    snprintf((char *)h + 124, 12, "%011o", (unsigned int)len);
    /* npm pack's fixed time, 1985-10-26T08:15:00Z. */
    memcpy(h + 136, "03560116604", 11);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    memset(h + 148, ' ', 8);
    for (i = 0; i < 512; i++) {
        sum += h[i];
    }
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
    memcpy(h + 512, data, len);
    memset(h + 512 + len, 0, (512 - len % 512) % 512);
    *plen += 512 + (len + 511) / 512 * 512;
}

static const char *tarball(apr_pool_t *p, const char *pj, const char *readme,
                           const char *code, apr_size_t *plen)
{
    apr_size_t raw_len = 0, cap = strlen(pj) + strlen(readme) + strlen(code)
                                  + 8 * 512;
    char *raw = apr_palloc(p, cap), *gz;
    z_stream z;

    tar_entry(&raw, &raw_len, "package/package.json", pj, strlen(pj));
    tar_entry(&raw, &raw_len, "package/README.md", readme, strlen(readme));
    tar_entry(&raw, &raw_len, "package/index.js", code, strlen(code));
    memset(raw + raw_len, 0, 1024);
    raw_len += 1024;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        return NULL;
    }
    gz = apr_palloc(p, deflateBound(&z, raw_len));
    z.next_in = (Bytef *)raw;
    z.avail_in = (uInt)raw_len;
    z.next_out = (Bytef *)gz;
    z.avail_out = (uInt)deflateBound(&z, raw_len);
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
        deflateEnd(&z);
        return NULL;
    }
    *plen = z.total_out;
    deflateEnd(&z);
    return gz;
}

/* ---- one publish, as npm publish sends it ---- */

static json_object *str(const char *s)
{
    return json_object_new_string(s);
}

/* The manifest npm builds from package.json; big packages carry the
 * fields that make real packuments of hundreds of versions weigh a
 * megabyte (an exports map, files, many dependencies). */
static json_object *manifest(apr_pool_t *p, const pkg_t *pk, const pkg_t *all,
                             int v, const char *desc, json_object *kw)
{
    json_object *m = json_object_new_object(), *o, *a;
    const char *name = pk->name, *version = version_of(v);
    const char *repo = apr_pstrcat(p, "https://example.org/bench/",
                                   name[0] == '@' ? name + 1 : name, NULL);
    int k;

    json_object_object_add(m, "name", str(name));
    json_object_object_add(m, "version", str(version));
    json_object_object_add(m, "description", str(desc));
    json_object_object_add(m, "main", str("index.js"));
    json_object_object_add(m, "types", str("index.d.ts"));
    json_object_object_add(m, "keywords", json_object_get(kw));
    json_object_object_add(m, "license", str("MIT"));
    o = json_object_new_object();
    json_object_object_add(o, "name", str("Bench Author"));
    json_object_object_add(o, "email", str("bench@example.org"));
    json_object_object_add(m, "author", o);
    o = json_object_new_object();
    json_object_object_add(o, "type", str("git"));
    json_object_object_add(o, "url", str(apr_pstrcat(p, "git+", repo, ".git",
                                                     NULL)));
    json_object_object_add(m, "repository", o);
    o = json_object_new_object();
    json_object_object_add(o, "url", str(apr_pstrcat(p, repo, "/issues",
                                                     NULL)));
    json_object_object_add(m, "bugs", o);
    json_object_object_add(m, "homepage", str(apr_pstrcat(p, repo, "#readme",
                                                          NULL)));
    o = json_object_new_object();
    json_object_object_add(o, "build", str("tsup index.ts"));
    json_object_object_add(o, "test", str("vitest run"));
    json_object_object_add(m, "scripts", o);
    o = json_object_new_object();
    json_object_object_add(o, "node", str(">=18"));
    json_object_object_add(m, "engines", o);
    o = json_object_new_object();
    for (k = 0; k < pk->ndeps; k++) {
        json_object_object_add(o, all[pk->deps[k]].name, str("^1.0.0"));
    }
    json_object_object_add(m, "dependencies", o);
    o = json_object_new_object();
    json_object_object_add(o, "typescript", str("^5.6.0"));
    json_object_object_add(o, "vitest", str("^2.1.0"));
    json_object_object_add(o, "tsup", str("^8.3.0"));
    json_object_object_add(m, "devDependencies", o);
    if (pk->big) {
        o = json_object_new_object();
        a = json_object_new_array();
        for (k = 0; k < 24; k++) {
            json_object *e = json_object_new_object();
            const char *sub = apr_psprintf(p, "./%s-%d", word(), k);

            json_object_object_add(e, "types",
                                   str(apr_pstrcat(p, sub, ".d.ts", NULL)));
            json_object_object_add(e, "import",
                                   str(apr_pstrcat(p, sub, ".mjs", NULL)));
            json_object_object_add(e, "require",
                                   str(apr_pstrcat(p, sub, ".cjs", NULL)));
            json_object_object_add(o, sub, e);
            json_object_array_add(a, str(apr_pstrcat(p, "dist/", sub + 2,
                                                     NULL)));
        }
        json_object_object_add(m, "exports", o);
        json_object_object_add(m, "files", a);
    }
    json_object_object_add(m, "_id", str(apr_pstrcat(p, name, "@", version,
                                                     NULL)));
    json_object_object_add(m, "_nodeVersion", str("20.20.2"));
    json_object_object_add(m, "_npmVersion", str("11.19.1"));
    json_object_object_add(m, "gitHead",
                           str(apr_psprintf(p, "%08lx%08lx%08lx%08lx%08lx",
                                            next_rand() & 0xffffffffUL,
                                            next_rand() & 0xffffffffUL,
                                            next_rand() & 0xffffffffUL,
                                            next_rand() & 0xffffffffUL,
                                            next_rand() & 0xffffffffUL)));
    return m;
}

/* The install fields of m as package.json in the tarball has them: the
 * registry takes those from the tarball, not the body. */
static const char *package_json(apr_pool_t *p, json_object *m)
{
    json_object *pj = json_object_new_object(), *v;
    static const char *const keep[] = { "name", "version", "description",
        "main", "types", "license", "scripts", "engines", "dependencies",
        "devDependencies", "exports", "files", NULL };
    const char *s;
    int k;

    for (k = 0; keep[k]; k++) {
        if (json_object_object_get_ex(m, keep[k], &v)) {
            json_object_object_add(pj, keep[k], json_object_get(v));
        }
    }
    s = apr_pstrdup(p, json_object_to_json_string_ext(
                           pj, JSON_C_TO_STRING_PRETTY
                               | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(pj);
    return s;
}

typedef struct gen_t {
    tsr_store_t *store;
    const tsr_sign_key_t *key;
    const char *code;               /* index.js, the same in every tarball */
    apr_uint64_t tarball_bytes;
} gen_t;

static apr_status_t publish(gen_t *g, apr_pool_t *p, const pkg_t *pk,
                            const pkg_t *all, int v, const char *desc,
                            json_object *kw, const char *readme)
{
    json_object *body = json_object_new_object(), *m, *o, *att;
    const char *version = version_of(v), *base, *file, *tgz;
    tsr_publish_attachment_t decoded;
    tsr_tarball_limits_t lim;
    tsr_publish_t *pub;
    tsr_publish_result_t res;
    tsr_publisher_t who;
    tsr_error_t *err = NULL;
    apr_size_t tgz_len = 0;
    apr_status_t rv;

    tsr_json_own(p, body);
    m = manifest(p, pk, all, v, desc, kw);
    json_object_object_add(m, "readme", str(readme));
    json_object_object_add(m, "readmeFilename", str("README.md"));
    tgz = tarball(p, package_json(p, m), readme, g->code, &tgz_len);
    if (tgz == NULL) {
        fprintf(stderr, "gen_store: gzip failed\n");
        return APR_EGENERAL;
    }
    base = strchr(pk->name, '/') ? strchr(pk->name, '/') + 1 : pk->name;
    file = apr_pstrcat(p, base, "-", version, ".tgz", NULL);
    json_object_object_add(body, "_id", str(pk->name));
    json_object_object_add(body, "name", str(pk->name));
    json_object_object_add(body, "description", str(desc));
    o = json_object_new_object();
    json_object_object_add(o, "latest", str(version));
    json_object_object_add(body, "dist-tags", o);
    o = json_object_new_object();
    json_object_object_add(o, version, m);
    json_object_object_add(body, "versions", o);
    json_object_object_add(body, "access", NULL);
    json_object_object_add(body, "readme", str(readme));
    /* As the glue hands it over: the attachment decoded while the body
     * streamed in, its "data" left empty. */
    att = json_object_new_object();
    json_object_object_add(att, "content_type",
                           str("application/octet-stream"));
    json_object_object_add(att, "data", str(""));
    json_object_object_add(att, "length",
                           json_object_new_int64((int64_t)tgz_len));
    o = json_object_new_object();
    json_object_object_add(o, file, att);
    json_object_object_add(body, "_attachments", o);
    decoded.data = (const unsigned char *)tgz;
    decoded.len = tgz_len;

    tsr_tarball_default_limits(&lim);
    memset(&who, 0, sizeof(who));
    who.name = PUBLISHER;
    who.email = "bench@example.org";
    if ((rv = tsr_publish_parse_decoded(&pub, p, pk->name, body, &decoded,
                                        &lim, &err)) != APR_SUCCESS
        || (g->key && (rv = tsr_publish_sign(pub, p, g->key, &err))
                          != APR_SUCCESS)
        || (rv = tsr_publish_commit(&res, p, g->store, pub, &who, &err))
               != APR_SUCCESS) {
        fprintf(stderr, "gen_store: publish %s@%s: %s\n", pk->name, version,
                err ? err->message : "failed");
        return rv;
    }
    g->tarball_bytes += tgz_len;
    return APR_SUCCESS;
}

/* ---- sizes on disk ---- */

typedef struct sizes_t {
    apr_uint64_t db;                /* database files */
    apr_uint64_t logs;              /* log.* */
    apr_uint64_t regions;           /* __db.* shared regions */
    apr_uint64_t all;               /* the whole data directory */
    int log_files;
    unsigned long log_last;         /* number of the newest log file */
    apr_uint64_t log_last_size;
} sizes_t;

static apr_uint64_t du(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    apr_uint64_t n = 0;
    char path[4096];
    struct stat st;

    if (d == NULL) {
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (lstat(path, &st) != 0) {
            continue;
        }
        n += S_ISDIR(st.st_mode) ? du(path) : (apr_uint64_t)st.st_blocks
                                                  * 512;
    }
    closedir(d);
    return n;
}

/* The database directory's files; with whole set, the data directory's
 * size too (a walk of every tarball file: at the end only, since at
 * 100,000 packages it takes longer than the time between two samples). */
static void measure(const char *datadir, sizes_t *sz, int whole)
{
    char path[4096];
    DIR *d;
    struct dirent *e;
    struct stat st;

    memset(sz, 0, sizeof(*sz));
    snprintf(path, sizeof(path), "%s/db", datadir);
    if ((d = opendir(path)) != NULL) {
        while ((e = readdir(d)) != NULL) {
            snprintf(path, sizeof(path), "%s/db/%s", datadir, e->d_name);
            if (e->d_name[0] == '.' || lstat(path, &st) != 0
                || !S_ISREG(st.st_mode)) {
                continue;
            }
            if (strncmp(e->d_name, "log.", 4) == 0) {
                unsigned long num = strtoul(e->d_name + 4, NULL, 10);

                sz->logs += (apr_uint64_t)st.st_size;
                sz->log_files++;
                if (num > sz->log_last) {
                    sz->log_last = num;
                    sz->log_last_size = (apr_uint64_t)st.st_size;
                }
            }
            else if (strncmp(e->d_name, "__db.", 5) == 0) {
                sz->regions += (apr_uint64_t)st.st_blocks * 512;
            }
            else {
                sz->db += (apr_uint64_t)st.st_size;
            }
        }
        closedir(d);
    }
    sz->all = whole ? du(datadir) : 0;
}

static double mb(apr_uint64_t n)
{
    return (double)n / (1024.0 * 1024.0);
}

int main(int argc, const char *const *argv)
{
    const char *datadir, *listfile;
    int n, big, i, v, published = 0, total = 0;
    apr_pool_t *p, *pp, *one;
    tsr_bdb_options_t o;
    tsr_store_stats_t st;
    tsr_sign_key_t *key = NULL;
    tsr_error_t *err = NULL;
    gen_t g;
    pkg_t *pk;
    sizes_t sz;
    FILE *list = NULL;
    apr_time_t t0, last_upkeep, last_sample, last_trim, upkeep_time = 0;
    apr_uint64_t log_max = 0, log_files_max = 0;
    int upkeeps = 0;
    double secs;

    if (argc < 3 || (n = atoi(argv[2])) < 1) {
        fprintf(stderr, "usage: gen_store DATADIR PACKAGES [LISTFILE] "
                "[BIG]\n");
        return 2;
    }
    datadir = argv[1];
    listfile = argc > 3 && *argv[3] ? argv[3] : NULL;
    big = argc > 4 ? atoi(argv[4]) : (n / 10000 > 0 ? n / 10000 : 1);
    for (nwords = 0; words[nwords]; nwords++) {
    }
    rng = 88172645463325252ULL ^ (unsigned long long)n;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&p, NULL);
    memset(&o, 0, sizeof(o));
    o.create = 1;
    if (tsr_store_bdb_prepare(p, datadir, -1, -1, &o) != APR_SUCCESS
        || tsr_store_bdb_open(&g.store, p, datadir, &o) != APR_SUCCESS) {
        fprintf(stderr, "gen_store: no store in %s\n", datadir);
        return 1;
    }
    if (getenv("GEN_STORE_BASE") && *getenv("GEN_STORE_BASE")) {
        g.store = tsr_store_for_base(g.store, p, getenv("GEN_STORE_BASE"));
    }
    if (tsr_store_stats(g.store, p, &st) != APR_SUCCESS) {
        fprintf(stderr, "gen_store: the store in %s does not answer\n",
                datadir);
        return 1;
    }
    if (st.doc_count > 0) {
        fprintf(stderr, "gen_store: %s already holds packages; give it an "
                "empty directory\n", datadir);
        return 1;
    }
    /* The key the module uses by default (TsciRegistrySigningKey unset):
     * versions are signed as a publish through Apache signs them. */
    if (tsr_sign_key_ensure(&key, NULL, p,
                            apr_pstrcat(p, datadir, "/", SIGNING_KEY_FILE,
                                        NULL), -1, -1, &err)
        != APR_SUCCESS) {
        fprintf(stderr, "gen_store: signing key: %s\n",
                err ? err->message : "failed");
        return 1;
    }
    g.key = key;
    g.tarball_bytes = 0;
    {
        char *code = "'use strict';\n";
        int k;

        for (k = 0; k < 40; k++) {
            code = apr_psprintf(p, "%sexports.f%d = function f%d(x) { "
                                "return x * %d + %d; };\n", code, k, k, k,
                                k * 37 % 101);
        }
        g.code = code;
    }

    pk = plan(p, n, big);
    if (listfile && (list = fopen(listfile, "w")) == NULL) {
        fprintf(stderr, "gen_store: %s: %s\n", listfile, strerror(errno));
        return 1;
    }
    for (i = 0; i < n; i++) {
        total += pk[i].versions;
        if (list) {
            fprintf(list, "%s\t%d\t%s\t%d\n", pk[i].name, pk[i].versions,
                    version_of(pk[i].versions - 1), pk[i].big);
        }
    }
    if (list && fclose(list) != 0) {
        fprintf(stderr, "gen_store: %s: %s\n", listfile, strerror(errno));
        return 1;
    }
    fprintf(stderr, "gen_store: %d packages, %d versions to publish into "
            "%s\n", n, total, datadir);

    t0 = last_upkeep = last_sample = last_trim = apr_time_now();
    apr_pool_create(&pp, p);
    apr_pool_create(&one, pp);
    for (i = 0; i < n; i++) {
        const char *desc, *readme;
        json_object *kw;
        int k, nkw = 2 + pick(5);

        apr_pool_clear(pp);
        apr_pool_create(&one, pp);
        desc = sentence(pp, 6 + pick(10));
        kw = tsr_json_own(pp, json_object_new_array());
        for (k = 0; k < nkw; k++) {
            json_object_array_add(kw, str(word()));
        }
        readme = apr_psprintf(pp, "# %s\n\n%s\n\n## Install\n\n    npm "
                              "install %s\n\n## Usage\n\n%s\n\n%s\n",
                              pk[i].name, desc, pk[i].name,
                              sentence(pp, 30 + pick(60)),
                              sentence(pp, 20 + pick(40)));
        for (v = 0; v < pk[i].versions; v++) {
            apr_time_t now;

            apr_pool_clear(one);
            if (publish(&g, one, &pk[i], pk, v, desc, kw, readme)
                != APR_SUCCESS) {
                return 1;
            }
            published++;
            now = apr_time_now();
            if (now - last_upkeep >= apr_time_from_sec(UPKEEP_SECONDS)) {
                apr_time_t u0 = now;

                if (tsr_store_maintain(g.store, one) != APR_SUCCESS) {
                    fprintf(stderr, "gen_store: upkeep failed\n");
                }
                upkeeps++;
                last_upkeep = apr_time_now();
                upkeep_time += last_upkeep - u0;
            }
            if (now - last_trim >= apr_time_from_sec(1)) {
                apr_time_t u0 = now;

                if (tsr_store_trim_log(g.store, one) != APR_SUCCESS) {
                    fprintf(stderr, "gen_store: trimming the log failed\n");
                }
                last_trim = apr_time_now();
                upkeep_time += last_trim - u0;
            }
            if (now - last_sample >= apr_time_from_sec(SAMPLE_SECONDS)) {
                measure(datadir, &sz, 0);
                if (sz.logs > log_max) {
                    log_max = sz.logs;
                }
                if ((apr_uint64_t)sz.log_files > log_files_max) {
                    log_files_max = (apr_uint64_t)sz.log_files;
                }
                last_sample = now;
                secs = (double)(now - t0) / 1e6;
                fprintf(stderr, "gen_store: %d/%d packages, %d/%d versions, "
                        "%.0f s, %.0f publishes/s; db %.1f MB, logs %.1f MB "
                        "(%d files)\n", i, n, published, total, secs,
                        published / secs, mb(sz.db), mb(sz.logs),
                        sz.log_files);
            }
        }
    }
    secs = (double)(apr_time_now() - t0) / 1e6;
    measure(datadir, &sz, 0);
    if (sz.logs > log_max) {
        log_max = sz.logs;
    }
    {
        /* What the next watchdog round would leave, with the same call. */
        sizes_t after;

        tsr_store_maintain(g.store, p);
        measure(datadir, &after, 1);
        /* Log files are numbered from 1 and all but the newest are full
         * (Berkeley DB's default of 10 MB): what the load wrote to the
         * log, removed files included. */
        apr_uint64_t written = sz.log_last > 0
            ? (apr_uint64_t)(sz.log_last - 1) * LOG_FILE_BYTES
              + sz.log_last_size : 0;

        printf("GEN packages=%d versions=%d big=%d seconds=%.1f "
               "publishes_per_s=%.1f log_written_bytes=%" APR_UINT64_T_FMT
               " log_bytes_per_publish=%" APR_UINT64_T_FMT
               " db_bytes=%" APR_UINT64_T_FMT
               " log_bytes=%" APR_UINT64_T_FMT " log_files=%d "
               "log_bytes_max=%" APR_UINT64_T_FMT " log_files_max=%"
               APR_UINT64_T_FMT " log_bytes_after_upkeep=%" APR_UINT64_T_FMT
               " tarball_bytes=%" APR_UINT64_T_FMT " datadir_bytes=%"
               APR_UINT64_T_FMT " upkeeps=%d upkeep_ms=%.0f\n",
               n, published, big, secs, published / secs, written,
               published ? written / (apr_uint64_t)published : 0, sz.db,
               sz.logs,
               sz.log_files, log_max, log_files_max, after.logs,
               g.tarball_bytes, after.all, upkeeps,
               (double)upkeep_time / 1e3);
    }
    apr_pool_destroy(p);            /* closes the store */
    apr_terminate();
    return 0;
}
