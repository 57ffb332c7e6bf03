/* tsr_search_entry: a package's search entry, derived from its document.
 * The blob is "TSE2"; the length of the terms block (4 bytes, big endian)
 * and the terms; the length of the facts block and the facts (released,
 * stars, versions, quality and flags as big-endian numbers, then readers,
 * name, keywords and description, each ending in NUL); then the record's
 * JSON text.  The store reads the terms to keep its posting lists (it
 * removes the old entry's terms that the new one lacks); a query scores
 * and filters every hit by its facts, which need no parsing, and parses
 * the record only for the hits it sends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include "tsr_json.h"
#include "tsr_packument.h"
#include "tsr_search_entry.h"
#include "tsr_search_text.h"
#include "tsr_semver.h"

#define MAGIC "TSE2"
#define HEADER_LEN 8
/* released (8), stars, versions, quality in millionths, flags (4 each) */
#define FACTS_FIXED 24
#define F_DEPRECATED 1

/* The terms of an entry being made: first come, kept; at most
 * TSR_SEARCH_ENTRY_TERMS_MAX. */
typedef struct terms_t {
    apr_pool_t *p;
    apr_hash_t *seen;
    apr_array_header_t *list;
} terms_t;

static void add_term(terms_t *t, const char *kind, const char *value,
                     apr_size_t len)
{
    char *term;

    if (len == 0 || strlen(kind) + len > TSR_SEARCH_TERM_MAX
        || t->list->nelts >= TSR_SEARCH_ENTRY_TERMS_MAX) {
        return;
    }
    term = apr_pstrcat(t->p, kind, tsr_search_lower(t->p, value, len), NULL);
    /* A value with a NUL inside would make another term: not one. */
    if (strlen(term) != strlen(kind) + len
        || apr_hash_get(t->seen, term, APR_HASH_KEY_STRING)) {
        return;
    }
    apr_hash_set(t->seen, term, APR_HASH_KEY_STRING, term);
    APR_ARRAY_PUSH(t->list, const char *) = term;
}

static void add_words(terms_t *t, const char *text)
{
    apr_array_header_t *toks;
    int i;

    if (text == NULL) {
        return;
    }
    toks = tsr_search_tokens(t->p, text, strlen(text));
    for (i = 0; i < toks->nelts; i++) {
        const char *w = APR_ARRAY_IDX(toks, i, const char *);

        add_term(t, TSR_SEARCH_T_WORD, w, strlen(w));
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A person as the hit shows it: {"name", "email", "url"} from an object,
 * or from npm's one-line form "Name <email> (url)". */
static json_object *person_of(apr_pool_t *p, json_object *v)
{
    json_object *o;
    const char *s, *lt, *lp, *end;

    if (json_object_is_type(v, json_type_object)) {
        const char *keys[] = { "name", "email", "url", NULL };
        int i;

        o = json_object_new_object();
        for (i = 0; keys[i]; i++) {
            if ((s = tsr_json_str(v, keys[i])) != NULL && *s) {
                tsr_json_set_str(o, keys[i], s);
            }
        }
        return o;
    }
    if ((s = tsr_json_cstr(v)) == NULL || *s == '\0') {
        return NULL;
    }
    o = json_object_new_object();
    lt = strchr(s, '<');
    lp = strchr(s, '(');
    end = s + strlen(s);
    if (lt && lt < end) {
        end = lt;
    }
    if (lp && lp < end) {
        end = lp;
    }
    while (end > s && end[-1] == ' ') {
        end--;
    }
    if (end > s) {
        tsr_json_set_str(o, "name", apr_pstrmemdup(p, s, end - s));
    }
    if (lt && (end = strchr(lt, '>')) != NULL && end > lt + 1) {
        tsr_json_set_str(o, "email", apr_pstrmemdup(p, lt + 1,
                                                    end - lt - 1));
    }
    if (lp && (end = strchr(lp, ')')) != NULL && end > lp + 1) {
        tsr_json_set_str(o, "url", apr_pstrmemdup(p, lp + 1, end - lp - 1));
    }
    return o;
}

/* A URL from a string or an object's "url". */
static const char *url_of(json_object *v)
{
    const char *s = tsr_json_cstr(v);

    return s ? s : tsr_json_str(v, "url");
}

/* A repository as a link a browser opens: "git+https://h/x.git" is
 * "https://h/x", the shorthand "user/repo" GitHub's. */
static const char *repository_link(apr_pool_t *p, json_object *v)
{
    const char *s = url_of(v), *slash;
    apr_size_t n;

    if (s == NULL || *s == '\0') {
        return NULL;
    }
    if (strncmp(s, "git+", 4) == 0) {
        s += 4;
    }
    if (strstr(s, "://") == NULL && (slash = strchr(s, '/')) != NULL
        && slash > s && strchr(slash + 1, '/') == NULL
        && strchr(s, ':') == NULL) {
        return apr_pstrcat(p, "https://github.com/", s, NULL);
    }
    n = strlen(s);
    if (n > 4 && strcmp(s + n - 4, ".git") == 0) {
        return apr_pstrmemdup(p, s, n - 4);
    }
    return s;
}

/* The keywords of a manifest: an array of strings, or npm's older single
 * string of words separated by commas or spaces. */
static json_object *keywords_of(apr_pool_t *p, json_object *v)
{
    json_object *out = json_object_new_array();
    const char *s;
    size_t i, n;

    if (json_object_is_type(v, json_type_array)) {
        n = json_object_array_length(v);
        for (i = 0; i < n
                    && json_object_array_length(out)
                           < TSR_SEARCH_KEYWORDS_MAX; i++) {
            s = tsr_json_cstr(json_object_array_get_idx(v, i));
            if (s && *s) {
                json_object_array_add(out, json_object_new_string(s));
            }
        }
    }
    else if ((s = tsr_json_cstr(v)) != NULL) {
        char *copy = apr_pstrdup(p, s), *w, *last;

        for (w = apr_strtok(copy, ", \t", &last);
             w && json_object_array_length(out) < TSR_SEARCH_KEYWORDS_MAX;
             w = apr_strtok(NULL, ", \t", &last)) {
            json_object_array_add(out, json_object_new_string(w));
        }
    }
    return out;
}

/* Milliseconds since the epoch of an npm time ("2026-11-23T10:00:00.000Z"),
 * 0 when it is not one. */
static apr_int64_t millis_of(const char *s)
{
    apr_time_exp_t x;
    apr_time_t t;
    int ms = 0;

    memset(&x, 0, sizeof(x));
    if (s == NULL
        || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &x.tm_year, &x.tm_mon,
                  &x.tm_mday, &x.tm_hour, &x.tm_min, &x.tm_sec, &ms) < 6) {
        return 0;
    }
    x.tm_year -= 1900;
    x.tm_mon -= 1;
    if (apr_time_exp_gmt_get(&t, &x) != APR_SUCCESS) {
        return 0;
    }
    return (apr_int64_t)apr_time_sec(t) * 1000 + ms;
}

static int nonempty_str(json_object *o, const char *key)
{
    const char *s = tsr_json_str(o, key);

    return s && *s;
}

/* Quality from what the latest version says of itself (docs/search.md). */
static double quality_of(json_object *doc, json_object *m, int nkeywords,
                         int deprecated)
{
    json_object *v;
    double q = 0;

    if (nonempty_str(m, "description")) {
        q += 0.25;
    }
    if (nonempty_str(doc, "readme")) {
        q += 0.25;
    }
    if (nkeywords > 0) {
        q += 0.15;
    }
    if (json_object_object_get_ex(m, "license", &v)
        && (nonempty_str(m, "license")
            || json_object_is_type(v, json_type_object))) {
        q += 0.15;
    }
    if (json_object_object_get_ex(m, "repository", &v) && url_of(v)) {
        q += 0.10;
    }
    if (nonempty_str(m, "homepage")
        || (json_object_object_get_ex(m, "bugs", &v) && url_of(v))) {
        q += 0.10;
    }
    return deprecated ? q / 2 : q;
}

/* Stars: the users who starred the package (npm star). */
static int stars_of(json_object *doc)
{
    json_object *users = tsr_json_obj(doc, "users");
    int n = 0;

    if (users) {
        json_object_object_foreach(users, k, v) {
            (void)k;
            n += json_object_get_boolean(v) ? 1 : 0;
        }
    }
    return n;
}

static json_object *user_of(json_object *person)
{
    json_object *o = json_object_new_object();
    const char *email = tsr_json_str(person, "email");

    tsr_json_set_str(o, "username", tsr_json_str(person, "name"));
    if (email) {
        tsr_json_set_str(o, "email", email);
    }
    return o;
}

static int is_tombstone(json_object *doc)
{
    json_object *versions = tsr_json_obj(doc, "versions");

    return versions == NULL || json_object_object_length(versions) == 0
           || json_object_object_get_ex(tsr_json_obj(doc, "time"),
                                        "unpublished", NULL);
}

static void put32(char *b, apr_uint32_t v)
{
    b[0] = (char)(v >> 24);
    b[1] = (char)(v >> 16);
    b[2] = (char)(v >> 8);
    b[3] = (char)v;
}

static apr_uint32_t get32(const char *b)
{
    const unsigned char *u = (const unsigned char *)b;

    return ((apr_uint32_t)u[0] << 24) | ((apr_uint32_t)u[1] << 16)
           | ((apr_uint32_t)u[2] << 8) | u[3];
}

/* Append s and its NUL at *at. */
static void put_str(char **at, const char *s)
{
    apr_size_t n = strlen(s) + 1;

    memcpy(*at, s, n);
    *at += n;
}

/* The blob of terms (sorted), facts f and the record's text. */
static const char *encode(apr_pool_t *p, const apr_array_header_t *terms,
                          const tsr_search_entry_t *f, const char *rec,
                          apr_size_t rlen, apr_size_t *plen)
{
    const char *strs[4];
    apr_size_t tlen = 0, flen = FACTS_FIXED, i;
    char *blob, *at;

    strs[0] = f->readers ? f->readers : "";
    strs[1] = f->name;
    strs[2] = f->keywords;
    strs[3] = f->description ? f->description : "";
    for (i = 0; i < (apr_size_t)terms->nelts; i++) {
        tlen += strlen(APR_ARRAY_IDX(terms, i, const char *)) + 1;
    }
    for (i = 0; i < 4; i++) {
        flen += strlen(strs[i]) + 1;
    }
    *plen = HEADER_LEN + tlen + 4 + flen + rlen;
    at = blob = apr_palloc(p, *plen);
    memcpy(at, MAGIC, 4);
    put32(at + 4, (apr_uint32_t)tlen);
    at += HEADER_LEN;
    for (i = 0; i < (apr_size_t)terms->nelts; i++) {
        put_str(&at, APR_ARRAY_IDX(terms, i, const char *));
    }
    put32(at, (apr_uint32_t)flen);
    put32(at + 4, (apr_uint32_t)((apr_uint64_t)f->released >> 32));
    put32(at + 8, (apr_uint32_t)f->released);
    put32(at + 12, f->stars);
    put32(at + 16, f->versions);
    put32(at + 20, (apr_uint32_t)(f->quality * 1e6 + 0.5));
    put32(at + 24, f->deprecated ? F_DEPRECATED : 0);
    at += 4 + FACTS_FIXED;
    for (i = 0; i < 4; i++) {
        put_str(&at, strs[i]);
    }
    memcpy(at, rec, rlen);
    return blob;
}

apr_status_t tsr_search_entry_make(const char **pblob, apr_size_t *plen,
                                   apr_pool_t *p, json_object *doc)
{
    const char *name = tsr_json_str(doc, "name"), *latest, *s, *date;
    const char *text;
    json_object *m, *rec, *pkg, *links, *flags, *kw, *ms, *out, *v;
    terms_t t;
    tsr_semver_t sv;
    tsr_search_entry_t f;
    apr_size_t rlen, i, n;
    int deprecated;

    *pblob = NULL;
    *plen = 0;
    latest = tsr_json_str(tsr_json_obj(doc, "dist-tags"), "latest");
    if (name == NULL || latest == NULL || is_tombstone(doc)
        || (m = tsr_json_obj(tsr_json_obj(doc, "versions"), latest))
               == NULL) {
        return APR_SUCCESS;
    }
    t.p = p;
    t.seen = apr_hash_make(p);
    t.list = apr_array_make(p, 64, sizeof(const char *));
    rec = tsr_json_own(p, json_object_new_object());
    pkg = json_object_new_object();
    json_object_object_add(rec, "package", pkg);

    tsr_json_set_str(pkg, "name", name);
    if (name[0] == '@' && (s = strchr(name, '/')) != NULL) {
        tsr_json_set_str(pkg, "scope", apr_pstrmemdup(p, name + 1,
                                                      s - name - 1));
        add_term(&t, TSR_SEARCH_T_SCOPE, name + 1, s - name - 1);
    }
    else {
        tsr_json_set_str(pkg, "scope", "unscoped");
        add_term(&t, TSR_SEARCH_T_SCOPE, "unscoped", 8);
    }
    tsr_json_set_str(pkg, "version", latest);
    if ((s = tsr_json_str(m, "description")) != NULL) {
        tsr_json_set_str(pkg, "description", s);
    }
    kw = keywords_of(p, json_object_object_get_ex(m, "keywords", &v) ? v
                                                                     : NULL);
    json_object_object_add(pkg, "keywords", kw);
    date = tsr_json_str(tsr_json_obj(doc, "time"), latest);
    if (date) {
        tsr_json_set_str(pkg, "date", date);
    }
    links = json_object_new_object();
    if ((s = tsr_json_str(m, "homepage")) != NULL && *s) {
        tsr_json_set_str(links, "homepage", s);
    }
    if (json_object_object_get_ex(m, "repository", &v)
        && (s = repository_link(p, v)) != NULL) {
        tsr_json_set_str(links, "repository", s);
    }
    if (json_object_object_get_ex(m, "bugs", &v) && (s = url_of(v)) != NULL
        && *s) {
        tsr_json_set_str(links, "bugs", s);
    }
    json_object_object_add(pkg, "links", links);
    if (json_object_object_get_ex(m, "author", &v)
        && (out = person_of(p, v)) != NULL) {
        json_object_object_add(pkg, "author", out);
        if ((s = tsr_json_str(out, "name")) != NULL) {
            apr_array_header_t *words = tsr_search_tokens(p, s, strlen(s));

            /* The whole name, and each of its words: a query's qualifier
             * is one word ("author:jane" for "Jane Doe"). */
            add_term(&t, TSR_SEARCH_T_AUTHOR, s, strlen(s));
            for (i = 0; i < (apr_size_t)words->nelts; i++) {
                const char *w = APR_ARRAY_IDX(words, i, const char *);

                add_term(&t, TSR_SEARCH_T_AUTHOR, w, strlen(w));
            }
        }
    }
    if ((v = tsr_json_obj(m, "_npmUser")) != NULL
        && (s = tsr_json_str(v, "name")) != NULL) {
        json_object_object_add(pkg, "publisher", user_of(v));
        add_term(&t, TSR_SEARCH_T_AUTHOR, s, strlen(s));
    }
    /* npm search reads maintainers[].username of every hit: always an
     * array. */
    out = json_object_new_array();
    if (json_object_object_get_ex(doc, "maintainers", &ms)
        && json_object_is_type(ms, json_type_array)) {
        n = json_object_array_length(ms);
        for (i = 0; i < n; i++) {
            v = json_object_array_get_idx(ms, i);
            if ((s = tsr_json_str(v, "name")) != NULL) {
                json_object_array_add(out, user_of(v));
                add_term(&t, TSR_SEARCH_T_MAINTAINER, s, strlen(s));
            }
        }
    }
    json_object_object_add(pkg, "maintainers", out);

    flags = json_object_new_object();
    json_object_object_add(flags, "insecure", json_object_new_int(0));
    if (tsr_semver_parse(&sv, p, latest, NULL) != APR_SUCCESS
        || sv.major == 0 || sv.prerelease != NULL) {
        json_object_object_add(flags, "unstable",
                               json_object_new_boolean(1));
        add_term(&t, "f:", "unstable", 8);
    }
    s = tsr_json_str(m, "deprecated");
    deprecated = s && *s;
    if (deprecated) {
        tsr_json_set_str(flags, "deprecated", s);
        add_term(&t, "f:", "deprecated", 10);
    }
    json_object_object_add(rec, "flags", flags);

    n = json_object_array_length(kw);
    for (i = 0; i < n; i++) {
        s = json_object_get_string(json_object_array_get_idx(kw, i));
        add_term(&t, TSR_SEARCH_T_KEYWORD, s, strlen(s));
    }
    /* Words last, the name's first: a cut drops the description's tail. */
    add_words(&t, name);
    for (i = 0; i < n; i++) {
        add_words(&t, json_object_get_string(json_object_array_get_idx(kw,
                                                                        i)));
    }
    add_words(&t, tsr_json_str(m, "description"));

    f.released = millis_of(date);
    f.stars = (apr_uint32_t)stars_of(doc);
    f.versions = (apr_uint32_t)json_object_object_length(
        tsr_json_obj(doc, "versions"));
    f.quality = quality_of(doc, m, (int)n, deprecated);
    f.deprecated = deprecated;
    f.readers = tsr_packument_readers(p, doc);
    f.name = name;
    f.description = tsr_json_str(m, "description");
    f.keywords = "";
    for (i = 0; i < n; i++) {
        f.keywords = apr_pstrcat(p, f.keywords, i ? "\n" : "",
                                 json_object_get_string(
                                     json_object_array_get_idx(kw, i)),
                                 NULL);
    }
    qsort(t.list->elts, t.list->nelts, sizeof(const char *), cmp_str);
    text = tsr_json_serialize(p, rec, &rlen);
    *pblob = encode(p, t.list, &f, text, rlen, plen);
    return APR_SUCCESS;
}

apr_status_t tsr_search_entry_from_text(const char **pblob,
                                        apr_size_t *plen, apr_pool_t *p,
                                        const char *doc, apr_size_t len)
{
    json_object *o;

    if (tsr_json_parse(&o, p, doc, len, 1000, NULL) != APR_SUCCESS
        || !json_object_is_type(o, json_type_object)) {
        return APR_EINVAL;
    }
    return tsr_search_entry_make(pblob, plen, p, o);
}

/* The next NUL-terminated string at *at, before end; NULL when there is
 * none. */
static const char *get_str(const char **at, const char *end)
{
    const char *s = *at, *nul = memchr(s, '\0', end - s);

    if (nul == NULL) {
        return NULL;
    }
    *at = nul + 1;
    return s;
}

apr_status_t tsr_search_entry_decode_terms(tsr_search_entry_t *e,
                                           const char *blob, apr_size_t len)
{
    apr_size_t tlen;

    /* Every version of the format ("TSE" and a digit) starts so. */
    if (len < HEADER_LEN || memcmp(blob, MAGIC, 3) != 0) {
        return APR_EINVAL;
    }
    tlen = get32(blob + 4);
    if (tlen > len - HEADER_LEN
        || (tlen > 0 && blob[HEADER_LEN + tlen - 1] != '\0')) {
        return APR_EINVAL;
    }
    e->terms = blob + HEADER_LEN;
    e->terms_len = tlen;
    return APR_SUCCESS;
}

apr_status_t tsr_search_entry_decode(tsr_search_entry_t *e, const char *blob,
                                     apr_size_t len)
{
    const char *facts, *end, *at;
    apr_size_t tlen, flen;

    if (len < HEADER_LEN || memcmp(blob, MAGIC, 4) != 0
        || tsr_search_entry_decode_terms(e, blob, len) != APR_SUCCESS
        || (tlen = e->terms_len) > len - HEADER_LEN - 4) {
        return APR_EINVAL;
    }
    facts = e->terms + tlen + 4;
    flen = get32(facts - 4);
    if (flen < FACTS_FIXED || flen > len - HEADER_LEN - 4 - tlen) {
        return APR_EINVAL;
    }
    e->released = (apr_int64_t)(((apr_uint64_t)get32(facts) << 32)
                                | get32(facts + 4));
    e->stars = get32(facts + 8);
    e->versions = get32(facts + 12);
    e->quality = get32(facts + 16) / 1e6;
    e->deprecated = (get32(facts + 20) & F_DEPRECATED) != 0;
    at = facts + FACTS_FIXED;
    end = facts + flen;
    if ((e->readers = get_str(&at, end)) == NULL
        || (e->name = get_str(&at, end)) == NULL
        || (e->keywords = get_str(&at, end)) == NULL
        || (e->description = get_str(&at, end)) == NULL || at != end) {
        return APR_EINVAL;
    }
    if (*e->readers == '\0') {
        e->readers = NULL;
    }
    e->record = end;
    e->record_len = len - (apr_size_t)(end - blob);
    return APR_SUCCESS;
}

const char *tsr_search_entry_next_term(const tsr_search_entry_t *e,
                                       const char *prev)
{
    const char *next = prev ? prev + strlen(prev) + 1 : e->terms;

    return next < e->terms + e->terms_len ? next : NULL;
}

int tsr_search_entry_has_prefix(const tsr_search_entry_t *e,
                                const char *prefix)
{
    apr_size_t n = strlen(prefix);
    const char *t;

    for (t = tsr_search_entry_next_term(e, NULL); t;
         t = tsr_search_entry_next_term(e, t)) {
        if (strncmp(t, prefix, n) == 0) {
            return 1;
        }
    }
    return 0;
}

int tsr_search_entry_has_term(const tsr_search_entry_t *e, const char *term)
{
    const char *t;

    for (t = tsr_search_entry_next_term(e, NULL); t;
         t = tsr_search_entry_next_term(e, t)) {
        if (strcmp(t, term) == 0) {
            return 1;
        }
    }
    return 0;
}
