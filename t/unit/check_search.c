/* check_search: search's core: tokens and query-string parts, the entry a
 * package document gives, the query's qualifiers and limits, the scores,
 * and queries run on a real Berkeley DB store. */
#include <math.h>
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_json.h"
#include "tsr_search.h"
#include "tsr_search_entry.h"
#include "tsr_search_posting.h"
#include "tsr_search_text.h"
#include "tsr_store.h"

/* ---- tokens */

static const char *joined(apr_array_header_t *a)
{
    return apr_array_pstrcat(fx_pool, a, '|');
}

START_TEST(tokens_split_names_and_text)
{
    const char *s = "@Acme/Left-Pad_v2.js, the  BEST/pad!";

    ck_assert_str_eq(joined(tsr_search_tokens(fx_pool, s, strlen(s))),
                     "acme|left|pad|v2|js|the|best|pad");
    /* Non-ASCII letters belong to words and are kept as they are. */
    s = "Straße über-Café";
    ck_assert_str_eq(joined(tsr_search_tokens(fx_pool, s, strlen(s))),
                     "straße|über|café");
    ck_assert_int_eq(tsr_search_tokens(fx_pool, " -_./@ ", 7)->nelts, 0);
    ck_assert_int_eq(tsr_search_tokens(fx_pool, "", 0)->nelts, 0);
}
END_TEST

START_TEST(tokens_are_cut_at_a_character)
{
    char buf[200];
    apr_array_header_t *t;

    /* 63 letters, then a 2-byte letter across the 64-byte cut. */
    memset(buf, 'a', 63);
    memcpy(buf + 63, "\xc3\xa9zz", 4);
    t = tsr_search_tokens(fx_pool, buf, 67);
    ck_assert_int_eq(t->nelts, 1);
    ck_assert_uint_eq(strlen(APR_ARRAY_IDX(t, 0, char *)), 63);
    memset(buf, 'b', 150);
    t = tsr_search_tokens(fx_pool, buf, 150);
    ck_assert_uint_eq(strlen(APR_ARRAY_IDX(t, 0, char *)),
                      TSR_SEARCH_TOKEN_MAX);
}
END_TEST

START_TEST(unescape)
{
    apr_size_t n;
    const char *s = tsr_search_unescape(fx_pool, "a+b%2Bc%41%00d", 14, &n);

    ck_assert_uint_eq(n, 8);
    ck_assert_int_eq(memcmp(s, "a b+cA\0d", 8), 0);
    ck_assert_ptr_null(tsr_search_unescape(fx_pool, "%4", 2, &n));
    ck_assert_ptr_null(tsr_search_unescape(fx_pool, "x%", 2, &n));
    ck_assert_ptr_null(tsr_search_unescape(fx_pool, "%zz", 3, &n));
    ck_assert_str_eq(tsr_search_unescape(fx_pool, "", 0, &n), "");
}
END_TEST

/* ---- entries */

/* A package document as the registry stores it, latest version v. */
static const char *doc_text(const char *name, const char *v,
                            const char *manifest_extra, const char *top_extra)
{
    return apr_psprintf(fx_pool,
        "{\"_id\":\"%s\",\"name\":\"%s\",\"dist-tags\":{\"latest\":\"%s\"},"
        "\"versions\":{\"%s\":{\"name\":\"%s\",\"version\":\"%s\","
        "\"_npmUser\":{\"name\":\"alice\",\"email\":\"alice@example.com\"}"
        "%s}},"
        "\"time\":{\"created\":\"2026-11-01T10:00:00.000Z\","
        "\"%s\":\"2026-11-02T11:30:00.250Z\"},"
        "\"maintainers\":[{\"name\":\"alice\","
        "\"email\":\"alice@example.com\"},"
        "{\"name\":\"Bob\"}]%s}",
        name, name, v, v, name, v, manifest_extra, v, top_extra);
}

typedef struct made_t {
    tsr_search_entry_t e;
    json_object *rec;
} made_t;

/* The entry of a document text, decoded; 0 when there is none. */
static int make(made_t *m, const char *doc)
{
    const char *blob;
    apr_size_t len;

    ck_assert_int_eq(tsr_search_entry_from_text(&blob, &len, fx_pool, doc,
                                                strlen(doc)), APR_SUCCESS);
    if (blob == NULL) {
        return 0;
    }
    ck_assert_int_eq(tsr_search_entry_decode(&m->e, blob, len), APR_SUCCESS);
    m->rec = fx_json(fx_pool, apr_pstrmemdup(fx_pool, m->e.record,
                                             m->e.record_len));
    return 1;
}

static const char *pkg_str(made_t *m, const char *path1, const char *path2)
{
    json_object *o = tsr_json_obj(m->rec, "package");

    if (path2) {
        o = tsr_json_obj(o, path1);
        path1 = path2;
    }
    return tsr_json_str(o, path1);
}

START_TEST(entry_of_a_package)
{
    made_t m;
    json_object *pkg, *ms, *kw;
    const char *prev = NULL, *t;
    int n = 0;

    ck_assert(make(&m, doc_text("@Acme/left-pad", "0.3.1",
        ",\"description\":\"Pads strings on the left\","
        "\"keywords\":[\"String\",\"pad\",\"\"],"
        "\"author\":\"Jane Doe <jane@example.com> (https://jane.example)\","
        "\"license\":\"MIT\",\"homepage\":\"https://lp.example\","
        "\"repository\":{\"type\":\"git\","
        "\"url\":\"git+https://git.example/acme/left-pad.git\"}",
        ",\"readme\":\"# left-pad\",\"users\":{\"carol\":true,"
        "\"dave\":false}")));
    /* Terms: sorted, each kind. */
    for (t = tsr_search_entry_next_term(&m.e, NULL); t;
         t = tsr_search_entry_next_term(&m.e, t)) {
        if (prev) {
            ck_assert_int_lt(strcmp(prev, t), 0);
        }
        prev = t;
        n++;
    }
    ck_assert_int_gt(n, 10);
    ck_assert(tsr_search_entry_has_term(&m.e, "w:left"));
    ck_assert(tsr_search_entry_has_term(&m.e, "w:acme"));
    ck_assert(tsr_search_entry_has_term(&m.e, "w:strings"));
    ck_assert(tsr_search_entry_has_term(&m.e, "w:string"));
    ck_assert(tsr_search_entry_has_term(&m.e, "k:string"));
    ck_assert(tsr_search_entry_has_term(&m.e, "k:pad"));
    ck_assert(tsr_search_entry_has_term(&m.e, "a:jane doe"));
    ck_assert(tsr_search_entry_has_term(&m.e, "a:jane"));
    ck_assert(tsr_search_entry_has_term(&m.e, "a:doe"));
    ck_assert(tsr_search_entry_has_term(&m.e, "a:alice"));
    ck_assert(tsr_search_entry_has_term(&m.e, "m:alice"));
    ck_assert(tsr_search_entry_has_term(&m.e, "m:bob"));
    ck_assert(tsr_search_entry_has_term(&m.e, "s:acme"));
    ck_assert(tsr_search_entry_has_term(&m.e, TSR_SEARCH_T_UNSTABLE));
    ck_assert(!tsr_search_entry_has_term(&m.e, TSR_SEARCH_T_DEPRECATED));
    ck_assert(!tsr_search_entry_has_term(&m.e, "k:"));
    ck_assert(!tsr_search_entry_has_term(&m.e, "w:left-pad"));

    /* The record: what npm shows of a hit. */
    pkg = tsr_json_obj(m.rec, "package");
    ck_assert_str_eq(pkg_str(&m, "name", NULL), "@Acme/left-pad");
    ck_assert_str_eq(pkg_str(&m, "scope", NULL), "Acme");
    ck_assert_str_eq(pkg_str(&m, "version", NULL), "0.3.1");
    ck_assert_str_eq(pkg_str(&m, "date", NULL), "2026-11-02T11:30:00.250Z");
    ck_assert_str_eq(pkg_str(&m, "description", NULL),
                     "Pads strings on the left");
    ck_assert_str_eq(pkg_str(&m, "author", "name"), "Jane Doe");
    ck_assert_str_eq(pkg_str(&m, "author", "email"), "jane@example.com");
    ck_assert_str_eq(pkg_str(&m, "author", "url"), "https://jane.example");
    ck_assert_str_eq(pkg_str(&m, "publisher", "username"), "alice");
    ck_assert_str_eq(pkg_str(&m, "publisher", "email"), "alice@example.com");
    ck_assert_str_eq(pkg_str(&m, "links", "repository"),
                     "https://git.example/acme/left-pad");
    ck_assert_str_eq(pkg_str(&m, "links", "homepage"), "https://lp.example");
    ck_assert(json_object_object_get_ex(pkg, "maintainers", &ms));
    ck_assert(json_object_is_type(ms, json_type_array));
    ck_assert_int_eq(json_object_array_length(ms), 2);
    ck_assert_str_eq(tsr_json_str(json_object_array_get_idx(ms, 1),
                                  "username"), "Bob");
    ck_assert(json_object_object_get_ex(pkg, "keywords", &kw));
    ck_assert_int_eq(json_object_array_length(kw), 2);
    ck_assert(json_object_get_boolean(
        json_object_object_get(tsr_json_obj(m.rec, "flags"), "unstable")));
    /* The facts a query scores by.  Quality: description, readme,
     * keywords, license, repository, homepage. */
    ck_assert(fabs(m.e.quality - 1.0) < 1e-9);
    ck_assert_uint_eq(m.e.stars, 1);
    ck_assert_uint_eq(m.e.versions, 1);
    /* 2026-11-02T11:30:00.250Z */
    ck_assert_int_eq(m.e.released, 1793619000250LL);
    ck_assert_int_eq(m.e.deprecated, 0);
    ck_assert_ptr_null(m.e.readers);
    ck_assert_str_eq(m.e.name, "@Acme/left-pad");
    ck_assert_str_eq(m.e.keywords, "String\npad");
    ck_assert_str_eq(m.e.description, "Pads strings on the left");
}
END_TEST

START_TEST(entry_flags_and_readers)
{
    made_t m;

    /* 1.0.0, unscoped, deprecated, keywords as one string. */
    ck_assert(make(&m, doc_text("plain", "1.0.0",
        ",\"deprecated\":\"use other\",\"keywords\":\"a, b c\"", "")));
    ck_assert(!tsr_search_entry_has_term(&m.e, TSR_SEARCH_T_UNSTABLE));
    ck_assert(tsr_search_entry_has_term(&m.e, TSR_SEARCH_T_DEPRECATED));
    ck_assert(tsr_search_entry_has_term(&m.e, "s:unscoped"));
    ck_assert(tsr_search_entry_has_term(&m.e, "k:a"));
    ck_assert(tsr_search_entry_has_term(&m.e, "k:c"));
    ck_assert_str_eq(tsr_json_str(tsr_json_obj(m.rec, "flags"),
                                  "deprecated"), "use other");
    ck_assert_str_eq(pkg_str(&m, "scope", NULL), "unscoped");
    ck_assert_int_eq(m.e.deprecated, 1);
    ck_assert_str_eq(m.e.keywords, "a\nb\nc");
    /* A prerelease of 2.x is unstable too. */
    ck_assert(make(&m, doc_text("pre", "2.0.0-rc.1", "", "")));
    ck_assert(tsr_search_entry_has_term(&m.e, TSR_SEARCH_T_UNSTABLE));
    /* Nothing to score but the version: quality 0. */
    ck_assert(m.e.quality == 0);
    ck_assert_str_eq(m.e.description, "");
    ck_assert_str_eq(m.e.keywords, "");
    /* Restricted: its readers travel with it, never in what is shown. */
    ck_assert(make(&m, doc_text("@acme/secret", "1.0.0", "",
                                ",\"access\":\"restricted\"")));
    ck_assert_str_eq(m.e.readers, "alice,Bob");
    ck_assert_ptr_null(strstr(apr_pstrmemdup(fx_pool, m.e.record,
                                             m.e.record_len), "Bob\","));
    ck_assert_ptr_null(json_object_object_get(m.rec, "readers"));
}
END_TEST

START_TEST(entry_of_no_package)
{
    made_t m;
    const char *blob;
    apr_size_t len;

    /* Tombstones and documents without a latest version: no entry. */
    ck_assert(!make(&m, "{\"name\":\"x\",\"dist-tags\":{\"latest\":\"1.0.0\"},"
                        "\"versions\":{}}"));
    ck_assert(!make(&m, doc_text("x", "1.0.0", "",
        ",\"time\":{\"unpublished\":"
        "{\"time\":\"2026-11-03T00:00:00.000Z\"}}")));
    ck_assert(!make(&m, "{\"name\":\"x\",\"dist-tags\":{},"
                        "\"versions\":{\"1.0.0\":{}}}"));
    ck_assert(!make(&m, "{\"name\":\"x\",\"dist-tags\":{\"latest\":\"2.0.0\"},"
                        "\"versions\":{\"1.0.0\":{}}}"));
    ck_assert(!make(&m, "{\"name\":\"a\",\"rev\":1}"));
    ck_assert_int_eq(tsr_search_entry_from_text(&blob, &len, fx_pool, "nope",
                                                4), APR_EINVAL);
    /* Not entries: short, another magic, lengths past the end, a terms
     * block without its NUL, facts without their four strings. */
    {
        static const char good[] =
            "TSE2\0\0\0\x02x\0\0\0\0\x1d"
            "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
            "\0n\0\0\0{}";
        char bad[sizeof(good)];

        ck_assert_int_eq(tsr_search_entry_decode(&m.e, good,
                                                 sizeof(good) - 1),
                         APR_SUCCESS);
        ck_assert_str_eq(m.e.name, "n");
        ck_assert_ptr_null(m.e.readers);
        ck_assert_uint_eq(m.e.record_len, 2);
        ck_assert_int_eq(tsr_search_entry_decode(&m.e, good, 4), APR_EINVAL);
        memcpy(bad, good, sizeof(good));
        bad[3] = '1';
        ck_assert_int_eq(tsr_search_entry_decode(&m.e, bad, sizeof(bad) - 1),
                         APR_EINVAL);
        /* An older version's terms are still read, to be taken out. */
        ck_assert_int_eq(tsr_search_entry_decode_terms(&m.e, bad,
                                                       sizeof(bad) - 1),
                         APR_SUCCESS);
        ck_assert_str_eq(tsr_search_entry_next_term(&m.e, NULL), "x");
        ck_assert_ptr_null(tsr_search_entry_next_term(&m.e, m.e.terms));
        bad[0] = 'X';
        ck_assert_int_eq(tsr_search_entry_decode_terms(&m.e, bad,
                                                       sizeof(bad) - 1),
                         APR_EINVAL);
        memcpy(bad, good, sizeof(good));
        bad[7] = '\x7f';
        ck_assert_int_eq(tsr_search_entry_decode(&m.e, bad, sizeof(bad) - 1),
                         APR_EINVAL);
        memcpy(bad, good, sizeof(good));
        bad[9] = 'y';
        ck_assert_int_eq(tsr_search_entry_decode(&m.e, bad, sizeof(bad) - 1),
                         APR_EINVAL);
        memcpy(bad, good, sizeof(good));
        bad[13] = '\x1b';
        ck_assert_int_eq(tsr_search_entry_decode(&m.e, bad, sizeof(bad) - 1),
                         APR_EINVAL);
        memcpy(bad, good, sizeof(good));
        bad[13] = '\x7f';
        ck_assert_int_eq(tsr_search_entry_decode(&m.e, bad, sizeof(bad) - 1),
                         APR_EINVAL);
    }
}
END_TEST

START_TEST(entry_terms_are_bounded)
{
    made_t m;
    char *desc = apr_pcalloc(fx_pool, 1000 * 8 + 1), *at = desc;
    const char *t;
    int i, n = 0;

    for (i = 0; i < 1000; i++) {
        at += sprintf(at, "w%05d ", i);
    }
    ck_assert(make(&m, doc_text("bounded-name", "1.0.0",
                                apr_psprintf(fx_pool, ",\"description\":"
                                             "\"%s\"", desc), "")));
    for (t = tsr_search_entry_next_term(&m.e, NULL); t;
         t = tsr_search_entry_next_term(&m.e, t)) {
        n++;
    }
    ck_assert_int_eq(n, TSR_SEARCH_ENTRY_TERMS_MAX);
    /* The name's words come before the description's. */
    ck_assert(tsr_search_entry_has_term(&m.e, "w:bounded"));
    ck_assert(tsr_search_entry_has_term(&m.e, "w:name"));
    ck_assert(tsr_search_entry_has_term(&m.e, "w:w00000"));
    ck_assert(!tsr_search_entry_has_term(&m.e, "w:w00999"));
}
END_TEST

/* A posting carries the entry's facts and where its word stands; a bare
 * name (a registry from before briefs) decodes without them. */
START_TEST(postings_carry_briefs)
{
    made_t m;
    tsr_search_places_t *pl;
    tsr_search_posting_t o;
    const char *v;
    apr_size_t len;

    ck_assert(make(&m, doc_text("@acme/left-pad", "1.2.0",
        ",\"description\":\"Pads strings on the left\","
        "\"keywords\":[\"String\",\"padding\"],\"deprecated\":\"old\"",
        ",\"users\":{\"carol\":true,\"dave\":true}")));
    pl = tsr_search_places_make(fx_pool, &m.e);
    v = tsr_search_posting_make(&len, fx_pool, "@acme/left-pad", &m.e, pl,
                                "w:left");
    ck_assert_uint_eq(len, strlen("@acme/left-pad") + 1
                           + TSR_SEARCH_BRIEF_LEN);
    ck_assert_int_eq(v[len], '\0');
    ck_assert_int_eq(tsr_search_posting_decode(&o, v, len), APR_SUCCESS);
    ck_assert_str_eq(o.name, "@acme/left-pad");
    ck_assert(o.brief);
    /* "left": in the name and the description. */
    ck_assert_uint_eq(o.place, TSR_SEARCH_IN_NAME
                               | TSR_SEARCH_IN_DESCRIPTION);
    ck_assert_uint_eq(o.stars, 2);
    ck_assert_uint_eq(o.versions, 1);
    ck_assert(o.released == m.e.released && o.released > 0);
    ck_assert(fabs(o.quality - m.e.quality) < 1e-6);
    ck_assert(o.deprecated);
    ck_assert(!o.restricted);
    ck_assert_uint_eq(tsr_search_posting_name_len(v, len),
                      strlen("@acme/left-pad"));
    v = tsr_search_posting_make(&len, fx_pool, "@acme/left-pad", &m.e, pl,
                                "w:string");
    ck_assert_int_eq(tsr_search_posting_decode(&o, v, len), APR_SUCCESS);
    ck_assert_uint_eq(o.place, TSR_SEARCH_IN_KEYWORDS);
    v = tsr_search_posting_make(&len, fx_pool, "@acme/left-pad", &m.e, pl,
                                "w:strings");
    ck_assert_int_eq(tsr_search_posting_decode(&o, v, len), APR_SUCCESS);
    ck_assert_uint_eq(o.place, TSR_SEARCH_IN_DESCRIPTION);
    /* Not a word: no place. */
    v = tsr_search_posting_make(&len, fx_pool, "@acme/left-pad", &m.e, pl,
                                "k:string");
    ck_assert_int_eq(tsr_search_posting_decode(&o, v, len), APR_SUCCESS);
    ck_assert_uint_eq(o.place, 0);
    ck_assert(o.brief);
    /* Restricted to readers. */
    ck_assert(make(&m, doc_text("@acme/secret", "1.0.0", "",
                                ",\"access\":\"restricted\"")));
    pl = tsr_search_places_make(fx_pool, &m.e);
    v = tsr_search_posting_make(&len, fx_pool, "@acme/secret", &m.e, pl,
                                "w:secret");
    ck_assert_int_eq(tsr_search_posting_decode(&o, v, len), APR_SUCCESS);
    ck_assert(o.restricted && !o.deprecated);
    /* A bare name, a brief of another version or length: name only. */
    ck_assert_int_eq(tsr_search_posting_decode(&o, "left-pad", 8),
                     APR_SUCCESS);
    ck_assert_str_eq(o.name, "left-pad");
    ck_assert(!o.brief);
    {
        char odd[64];

        memcpy(odd, v, len + 1);
        odd[strlen("@acme/secret") + 1] = 9;
        ck_assert_int_eq(tsr_search_posting_decode(&o, odd, len),
                         APR_SUCCESS);
        ck_assert(!o.brief);
        ck_assert_int_eq(tsr_search_posting_decode(&o, v, len - 1),
                         APR_SUCCESS);
        ck_assert(!o.brief);
    }
    ck_assert_int_eq(tsr_search_posting_decode(&o, "\0abc", 4), APR_EINVAL);
}
END_TEST

/* ---- queries */

static tsr_search_query_t *query(const char *args)
{
    tsr_search_query_t *q = NULL;
    tsr_error_t *err = NULL;

    ck_assert_msg(tsr_search_parse_args(&q, fx_pool, args, &err)
                  == APR_SUCCESS, "%s: %s", args, err ? err->message : "");
    return q;
}

static const char *refused(const char *args)
{
    tsr_search_query_t *q = NULL;
    tsr_error_t *err = NULL;

    ck_assert_refusal(tsr_search_parse_args(&q, fx_pool, args, &err), err,
                      400);
    return err->message;
}

/* The query's clauses as text: "k:a+k:b,k:c;w:x*" */
static const char *clauses(const tsr_search_query_t *q)
{
    const char *out = "";
    int i, j, k;

    for (i = 0; i < q->clauses->nelts; i++) {
        apr_array_header_t *alts = APR_ARRAY_IDX(q->clauses, i, void *);

        out = apr_pstrcat(fx_pool, out, i ? ";" : "", NULL);
        for (j = 0; j < alts->nelts; j++) {
            apr_array_header_t *terms = APR_ARRAY_IDX(alts, j, void *);

            out = apr_pstrcat(fx_pool, out, j ? "," : "", NULL);
            for (k = 0; k < terms->nelts; k++) {
                tsr_search_term_t *t = &APR_ARRAY_IDX(terms, k,
                                                      tsr_search_term_t);
                out = apr_pstrcat(fx_pool, out, k ? "+" : "", t->key,
                                  t->prefix ? "*" : "", NULL);
            }
        }
    }
    return out;
}

START_TEST(query_defaults)
{
    tsr_search_query_t *q = query("text=left");

    ck_assert_uint_eq(q->size, 20);
    ck_assert_uint_eq(q->from, 0);
    ck_assert(q->quality == 0.65 && q->popularity == 0.98
              && q->maintenance == 0.5);
    ck_assert_int_eq(q->boost_exact, 1);
    ck_assert_str_eq(clauses(q), "w:left*");
    ck_assert_str_eq(q->text, "left");
    /* What npm sends. */
    q = query("text=left%20pad&size=7&from=3&quality=0&popularity=1"
              "&maintenance=0.25&other=x");
    ck_assert_uint_eq(q->size, 7);
    ck_assert_uint_eq(q->from, 3);
    ck_assert(q->quality == 0 && q->popularity == 1
              && q->maintenance == 0.25);
    ck_assert_str_eq(clauses(q), "w:left;w:pad*");
    ck_assert_str_eq(q->text, "left pad");
    /* '+' is a space; one letter is too short to be a prefix. */
    q = query("text=Left+P");
    ck_assert_str_eq(clauses(q), "w:left;w:p");
    q = query("text=@acme/left-pad");
    ck_assert_str_eq(clauses(q), "w:acme;w:left;w:pad*");
    ck_assert_str_eq(q->text, "@acme/left-pad");
    ck_assert_uint_eq(query("text=x&size=250&from=100000")->size, 250);
}
END_TEST

START_TEST(query_qualifiers)
{
    tsr_search_query_t *q;

    q = query("text=keywords%3Aa%2Bb%2Cc%2C-d%2B-e+author%3AAlice+"
              "maintainer%3Abob+scope%3A%40acme+not%3Aunstable+"
              "is%3Adeprecated+left");
    ck_assert_str_eq(clauses(q), "k:a+k:b,k:c;a:alice;m:bob;s:acme;"
                                 "f:deprecated;w:left*");
    ck_assert_int_eq(q->exclude->nelts, 3);
    ck_assert_str_eq(APR_ARRAY_IDX(q->exclude, 0, char *), "k:d");
    ck_assert_str_eq(APR_ARRAY_IDX(q->exclude, 1, char *), "k:e");
    ck_assert_str_eq(APR_ARRAY_IDX(q->exclude, 2, char *), "f:unstable");
    ck_assert_str_eq(q->text, "left");
    ck_assert_int_eq(q->nothing, 0);

    q = query("text=scope:acme boost-exact:false not:insecure "
              "not:deprecated");
    ck_assert_str_eq(clauses(q), "s:acme");
    ck_assert_int_eq(q->boost_exact, 0);
    ck_assert_ptr_null(q->text);
    ck_assert_str_eq(APR_ARRAY_IDX(q->exclude, 0, char *), "f:deprecated");
    q = query("text=is:insecure");
    ck_assert_int_eq(q->nothing, 1);
    /* Not a qualifier: words. */
    q = query("text=foo:bar");
    ck_assert_str_eq(clauses(q), "w:foo;w:bar*");
    ck_assert_str_eq(q->text, "foo:bar");
    q = query("text=is:unstable");
    ck_assert_str_eq(clauses(q), "f:unstable");
    /* In "a+-b", only b is left out. */
    q = query("text=keywords:a%2B-b");
    ck_assert_str_eq(clauses(q), "k:a");
    ck_assert_str_eq(APR_ARRAY_IDX(q->exclude, 0, char *), "k:b");
}
END_TEST

START_TEST(query_limits)
{
    char *big = apr_palloc(fx_pool, 5000);

    ck_assert_contains(refused(NULL), "text is required");
    ck_assert_contains(refused("size=3"), "text is required");
    ck_assert_contains(refused("text="), "needs a word");
    ck_assert_contains(refused("text=+++"), "needs a word");
    ck_assert_contains(refused("text=x&size=0"), "from 1 to 250");
    ck_assert_contains(refused("text=x&size=251"), "from 1 to 250");
    ck_assert_contains(refused("text=x&size=abc"), "from 1 to 250");
    ck_assert_contains(refused("text=x&size=-1"), "from 1 to 250");
    ck_assert_contains(refused("text=x&size="), "from 1 to 250");
    ck_assert_contains(refused("text=x&size=99999999999999999999"),
                       "from 1 to 250");
    ck_assert_contains(refused("text=x&from=-1"), "from 0 to 100000");
    ck_assert_contains(refused("text=x&from=100001"), "from 0 to 100000");
    ck_assert_contains(refused("text=x&from=1.5"), "from 0 to 100000");
    ck_assert_contains(refused("text=x&quality=1.5"), "quality must be");
    ck_assert_contains(refused("text=x&popularity=nan"), "popularity");
    ck_assert_contains(refused("text=x&maintenance=-0.1"), "maintenance");
    ck_assert_contains(refused("text=x&quality="), "quality");
    ck_assert_contains(refused("text=%C3%28"), "UTF-8");
    ck_assert_contains(refused("text=%ED%A0%80"), "UTF-8");
    ck_assert_contains(refused("text=a%00b"), "NUL");
    ck_assert_contains(refused("text=a%G0"), "hex digits");
    ck_assert_contains(refused("te%xt=a"), "hex digits");
    ck_assert_contains(refused("text=a+b+c+d+e+f+g+h+i+j+k+l+m+n+o+p+q"),
                       "more than 16");
    query("text=a+b+c+d+e+f+g+h+i+j+k+l+m+n+o+p");
    ck_assert_contains(refused("text=is:stable"), "is: takes");
    ck_assert_contains(refused("text=not:x"), "not: takes");
    ck_assert_contains(refused("text=author:"), "author: needs");
    ck_assert_contains(refused("text=scope:@"), "scope: needs");
    ck_assert_contains(refused("text=keywords:,"), "keywords: needs");
    ck_assert_contains(refused("text=boost-exact:maybe"), "true or false");
    /* Only what leaves out: nothing to find. */
    ck_assert_contains(refused("text=not:unstable"), "needs a word");
    ck_assert_contains(refused("text=keywords:-a"), "needs a word");
    ck_assert_contains(refused("text=boost-exact:false"), "needs a word");
    /* 1024 bytes of text pass, 1025 not. */
    memset(big, 'a', 1024);
    big[1024] = '\0';
    query(apr_pstrcat(fx_pool, "text=", big, NULL));
    big[1024] = 'a';
    big[1025] = '\0';
    ck_assert_contains(refused(apr_pstrcat(fx_pool, "text=", big, NULL)),
                       "longer than 1024");
    memset(big, 'a', 4097);
    big[4097] = '\0';
    ck_assert_contains(refused(big), "longer than 4096");
}
END_TEST

/* ---- scores */

/* The facts of "left-pad" with keyword "padding" and description "strings
 * with room". */
static tsr_search_entry_t facts(double quality, apr_uint32_t stars,
                                apr_uint32_t versions, apr_int64_t released,
                                int deprecated)
{
    tsr_search_entry_t e;

    memset(&e, 0, sizeof(e));
    e.name = "left-pad";
    e.keywords = "padding\nother";
    e.description = "strings with room";
    e.quality = quality;
    e.stars = stars;
    e.versions = versions;
    e.released = released;
    e.deprecated = deprecated;
    return e;
}

START_TEST(scores)
{
    tsr_search_query_t *q = query("text=nothing");
    tsr_search_scores_t sc;
    apr_time_t now = apr_time_from_sec(1800000000);
    apr_int64_t nowms = 1800000000000LL;
    tsr_search_entry_t e;

    /* 10 stars: popularity 0.5; released now, 10 versions: maintenance 1. */
    e = facts(0.4, 10, 10, nowms, 0);
    tsr_search_score(&sc, q, &e, now);
    ck_assert(fabs(sc.quality - 0.4) < 1e-9);
    ck_assert(fabs(sc.popularity - 0.5) < 1e-9);
    ck_assert(fabs(sc.maintenance - 1.0) < 1e-9);
    ck_assert(fabs(sc.final - (0.65 * 0.4 + 0.98 * 0.5 + 0.5)
                             / (0.65 + 0.98 + 0.5)) < 1e-9);
    /* "nothing" matches no field. */
    ck_assert(sc.relevance == 0);
    /* 180 days old, 1 version: half the recency. */
    e = facts(0, 0, 1, nowms - (apr_int64_t)180 * 86400000, 0);
    tsr_search_score(&sc, q, &e, now);
    ck_assert(fabs(sc.maintenance - (0.35 + 0.03)) < 1e-9);
    ck_assert(sc.popularity == 0);
    /* Unknown release date: versions alone. */
    e = facts(0, 0, 5, 0, 0);
    tsr_search_score(&sc, q, &e, now);
    ck_assert(fabs(sc.maintenance - 0.15) < 1e-9);
    /* Deprecated: no maintenance. */
    e = facts(0, 0, 10, nowms, 1);
    tsr_search_score(&sc, q, &e, now);
    ck_assert(sc.maintenance == 0);
    /* Only maintenance weighs. */
    q = query("text=left&quality=0&popularity=0&maintenance=1");
    e = facts(1, 100, 10, nowms, 0);
    tsr_search_score(&sc, q, &e, now);
    ck_assert(fabs(sc.final - 1.0) < 1e-9);
    q = query("text=left&quality=0&popularity=0&maintenance=0");
    tsr_search_score(&sc, q, &e, now);
    ck_assert(sc.final == 0);
    ck_assert(fabs(sc.search - 0.5) < 1e-9);
}
END_TEST

static double relevance_of(const char *args)
{
    tsr_search_scores_t sc;
    tsr_search_entry_t e = facts(0, 0, 1, 0, 0);

    tsr_search_score(&sc, query(args), &e, apr_time_now());
    return sc.relevance;
}

static double search_of(const char *args)
{
    tsr_search_scores_t sc;
    tsr_search_entry_t e = facts(0, 0, 1, 0, 0);

    tsr_search_score(&sc, query(args), &e, apr_time_now());
    return sc.search;
}

START_TEST(relevance_and_exact_match)
{
    /* In the name: 1; in a keyword: 0.6; the description: 0.3. */
    ck_assert(fabs(relevance_of("text=pad+x") - 0.5) < 1e-9);
    ck_assert(fabs(relevance_of("text=padding") - 0.6) < 1e-9);
    ck_assert(fabs(relevance_of("text=room") - 0.3) < 1e-9);
    /* The last word as a prefix: 0.7 of the field's. */
    ck_assert(fabs(relevance_of("text=lef") - 0.7) < 1e-9);
    ck_assert(fabs(relevance_of("text=ot") - 0.42) < 1e-9);
    ck_assert(fabs(relevance_of("text=str") - 0.21) < 1e-9);
    /* A prefix is only for the last word. */
    ck_assert(fabs(relevance_of("text=lef+pad") - 0.5) < 1e-9);
    /* The name typed whole comes first, unless boost-exact:false. */
    ck_assert(search_of("text=Left-Pad") > 100000);
    ck_assert(search_of("text=left-pad+boost-exact:false") < 1);
    ck_assert(search_of("text=left+pad") < 1);
    ck_assert(search_of("text=left-pa") < 1);
}
END_TEST

/* ---- runs on a store */

static tsr_store_t *store;

static apr_status_t write_doc(void *baton, apr_pool_t *p, const char *cur,
                              apr_size_t cur_len, tsr_package_write_t *out,
                              tsr_error_t **perr)
{
    out->doc = baton;
    out->doc_len = strlen(baton);
    out->full = out->abbrev = "{}";
    out->full_len = out->abbrev_len = 2;
    return APR_SUCCESS;
}

/* Store a document as it is; the store derives its entry. */
static void put(const char *name, const char *doc)
{
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_store_package_update(store, fx_pool, name,
                                              write_doc, (void *)doc, &err),
                     APR_SUCCESS);
}

static int readable(void *baton, const char *name, const char *readers)
{
    const char *user = baton;

    return readers == NULL
           || (user && strstr(apr_pstrcat(fx_pool, ",", readers, ",", NULL),
                              apr_pstrcat(fx_pool, ",", user, ",", NULL)));
}

static json_object *run_as(const char *args, const char *user)
{
    json_object *res = NULL;
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_search_run(&res, fx_pool, store, query(args),
                                    apr_time_now(), readable, (void *)user,
                                    &err), APR_SUCCESS);
    return res;
}

/* "name@version name@version ... /total" */
static const char *hits(json_object *res)
{
    json_object *objs = json_object_object_get(res, "objects");
    const char *out = "";
    size_t i;

    for (i = 0; i < json_object_array_length(objs); i++) {
        json_object *pkg = tsr_json_obj(json_object_array_get_idx(objs, i),
                                        "package");
        out = apr_pstrcat(fx_pool, out, i ? " " : "",
                          tsr_json_str(pkg, "name"), "@",
                          tsr_json_str(pkg, "version"), NULL);
    }
    return apr_psprintf(fx_pool, "%s/%d", out, json_object_get_int(
        json_object_object_get(res, "total")));
}

static const char *run(const char *args)
{
    return hits(run_as(args, NULL));
}

static void fill_store(void);

static void setup_store(void)
{
    store = fx_store(fx_pool);
    fill_store();
}

/* The same runs on the SQL store's posting lists. */
static void setup_store_dbd(void)
{
    store = fx_store_dbd(fx_pool);
    fill_store();
}

static void fill_store(void)
{
    put("left-pad", doc_text("left-pad", "1.3.0",
        ",\"description\":\"Pad strings on the left\","
        "\"keywords\":[\"pad\",\"string\"],\"license\":\"MIT\"", ""));
    put("right-pad", doc_text("right-pad", "0.9.0",
        ",\"description\":\"Pad strings on the right\","
        "\"keywords\":[\"pad\"],\"deprecated\":\"use padStart\"", ""));
    put("@acme/pad", doc_text("@acme/pad", "2.0.0-beta.1",
        ",\"description\":\"Acme padding\",\"keywords\":[\"string\"],"
        "\"author\":{\"name\":\"Wile\"}", ""));
    put("@acme/secret-pad", doc_text("@acme/secret-pad", "1.0.0",
        ",\"description\":\"A pad nobody sees\"",
        ",\"access\":\"restricted\""));
    put("padlock", doc_text("padlock", "3.0.0",
        ",\"description\":\"Locks\"", ""));
    put("left-pad-pro", doc_text("left-pad-pro", "1.0.0",
        ",\"description\":\"Better\",\"license\":\"MIT\","
        "\"homepage\":\"https://pro.example\",\"repository\":\"x/y\"",
        ",\"readme\":\"# pro\""));
}

START_TEST(run_words_and_prefixes)
{
    /* The name typed whole comes first, though left-pad-pro scores
     * higher; without the boost, by score. */
    ck_assert_str_eq(run("text=left-pad&quality=1&popularity=0"
                         "&maintenance=0"),
                     "left-pad@1.3.0 left-pad-pro@1.0.0/2");
    ck_assert_str_eq(run("text=left-pad+boost-exact:false&quality=1"
                         "&popularity=0&maintenance=0"),
                     "left-pad-pro@1.0.0 left-pad@1.3.0/2");
    /* A word of two descriptions; the restricted package's description
     * has it too, but it is neither shown nor counted. */
    ck_assert_str_eq(run("text=strings"), "left-pad@1.3.0 right-pad@0.9.0/2");
    ck_assert_str_eq(run("text=sees"), "/0");
    ck_assert_str_eq(hits(run_as("text=padl", NULL)), "padlock@3.0.0/1");
    ck_assert_str_eq(run("text=pa+strings"), "/0");
    ck_assert_str_eq(run("text=zzz"), "/0");
    ck_assert_str_eq(run("text=is:insecure"), "/0");
}
END_TEST

START_TEST(run_qualifiers)
{
    ck_assert_str_eq(run("text=keywords:string&quality=1&popularity=0"
                         "&maintenance=0"),
                     "left-pad@1.3.0 @acme/pad@2.0.0-beta.1/2");
    ck_assert_str_eq(run("text=keywords:pad%2Bstring"), "left-pad@1.3.0/1");
    ck_assert_str_eq(run("text=keywords:string%2C-pad"),
                     "@acme/pad@2.0.0-beta.1/1");
    ck_assert_str_eq(run("text=keywords:pad+not:deprecated"),
                     "left-pad@1.3.0/1");
    ck_assert_str_eq(run("text=keywords:pad+is:deprecated"),
                     "right-pad@0.9.0/1");
    ck_assert_str_eq(run("text=is:unstable+pad&quality=1&popularity=0"
                         "&maintenance=0"),
                     "@acme/pad@2.0.0-beta.1 right-pad@0.9.0/2");
    ck_assert_str_eq(run("text=pad+not:unstable&quality=1&popularity=0"
                         "&maintenance=0"),
                     "left-pad-pro@1.0.0 left-pad@1.3.0 padlock@3.0.0/3");
    ck_assert_str_eq(run("text=author:wile"), "@acme/pad@2.0.0-beta.1/1");
    ck_assert_str_eq(run("text=author:alice+locks"), "padlock@3.0.0/1");
    ck_assert_str_eq(run("text=maintainer:bob+scope:acme"),
                     "@acme/pad@2.0.0-beta.1/1");
    ck_assert_str_eq(run("text=scope:unscoped+right"), "right-pad@0.9.0/1");
    /* The last word's prefix with another clause (read from the index,
     * or, on a store without briefs, checked in each candidate's entry):
     * the same answers. */
    ck_assert_str_eq(run("text=maintainer:alice+padl"), "padlock@3.0.0/1");
    ck_assert_str_eq(run("text=maintainer:alice+padlock"), "padlock@3.0.0/1");
    ck_assert_str_eq(run("text=maintainer:alice+padlockx"), "/0");
    ck_assert_str_eq(run("text=maintainer:alice+bett"),
                     "left-pad-pro@1.0.0/1");
}
END_TEST

START_TEST(run_restricted_and_pages)
{
    json_object *res, *o;

    /* The restricted package: to its maintainers alone. */
    ck_assert_str_eq(hits(run_as("text=nobody", NULL)), "/0");
    ck_assert_str_eq(hits(run_as("text=nobody", "eve")), "/0");
    ck_assert_str_eq(hits(run_as("text=nobody", "Bob")),
                     "@acme/secret-pad@1.0.0/1");
    ck_assert_str_eq(hits(run_as("text=scope:acme&quality=1&popularity=0"
                                 "&maintenance=0", "alice")),
                     "@acme/pad@2.0.0-beta.1 @acme/secret-pad@1.0.0/2");
    /* Pages: total is every hit, objects only the page's.  "pad" is a
     * word of four names and begins "padlock". */
    ck_assert_str_eq(run("text=pad&size=2&quality=1&popularity=0"
                         "&maintenance=0"),
                     "left-pad-pro@1.0.0 left-pad@1.3.0/5");
    ck_assert_str_eq(run("text=pad&size=2&from=2&quality=1&popularity=0"
                         "&maintenance=0"),
                     "@acme/pad@2.0.0-beta.1 right-pad@0.9.0/5");
    ck_assert_str_eq(run("text=pad&size=2&from=4&quality=1&popularity=0"
                         "&maintenance=0"), "padlock@3.0.0/5");
    ck_assert_str_eq(run("text=pad&from=5"), "/5");
    /* The shape npm reads. */
    res = run_as("text=right", NULL);
    o = json_object_array_get_idx(json_object_object_get(res, "objects"), 0);
    ck_assert(json_object_is_type(json_object_object_get(
        tsr_json_obj(o, "package"), "maintainers"), json_type_array));
    ck_assert_ptr_nonnull(tsr_json_str(tsr_json_obj(o, "package"), "date"));
    ck_assert_ptr_nonnull(tsr_json_obj(tsr_json_obj(o, "score"), "detail"));
    ck_assert(json_object_object_get_ex(o, "searchScore", NULL));
    ck_assert_str_eq(tsr_json_str(tsr_json_obj(o, "flags"), "deprecated"),
                     "use padStart");
    ck_assert_ptr_nonnull(tsr_json_str(res, "time"));
}
END_TEST

/* The objects and total of q's run, at a fixed time. */
static const char *answer_text(tsr_search_query_t *q)
{
    json_object *res = NULL;
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_search_run(&res, fx_pool, store, q,
                                    apr_time_from_sec(1800000000), readable,
                                    NULL, &err), APR_SUCCESS);
    return apr_psprintf(fx_pool, "%s/%d", json_object_to_json_string(
                            json_object_object_get(res, "objects")),
                        json_object_get_int(json_object_object_get(
                            res, "total")));
}

/* The objects of a run of args, a prefix beside other clauses read from
 * the index (entries_max 0) or checked in entries. */
static const char *objects_of(const char *args, apr_size_t entries_max)
{
    tsr_search_query_t *q = query(args);

    q->prefix_in_entries_max = entries_max;
    return answer_text(q);
}

/* A hit is scored from its postings' briefs: the very scores its entry
 * gives, for words in names, keywords and descriptions, whole or as a
 * prefix, with qualifiers, weights and exclusions.  A prefix beside other
 * clauses, read from the index or checked in entries, gives the same
 * answers. */
START_TEST(run_scores_as_entries_do)
{
    static const char *const queries[] = {
        "text=pad", "text=pa", "text=strings", "text=pad+str",
        "text=left+pad", "text=left-pad", "text=padding",
        "text=keywords:string", "text=pad+not:deprecated",
        "text=maintainer:alice+pad", "text=scope:unscoped+p",
        "text=pad&quality=0.2&popularity=0.7&maintenance=0.1",
        "text=pad+boost-exact:false", "text=strings+pa",
        "text=pad+le", "text=keywords:pad+ri", "text=pad+lo+not:unstable",
        "text=left+pad+pr&size=1", NULL
    };
    apr_time_t now = apr_time_now();
    int i, n = 0;
    size_t k;

    for (i = 0; queries[i]; i++) {
        tsr_search_query_t *q = query(queries[i]);
        json_object *res = NULL, *objs;
        tsr_error_t *err = NULL;

        ck_assert_str_eq(objects_of(queries[i], 0),
                         objects_of(queries[i],
                                    TSR_SEARCH_PREFIX_IN_ENTRIES_MAX));
        ck_assert_int_eq(tsr_search_run(&res, fx_pool, store, q, now,
                                        readable, NULL, &err), APR_SUCCESS);
        objs = json_object_object_get(res, "objects");
        for (k = 0; k < json_object_array_length(objs); k++) {
            json_object *o = json_object_array_get_idx(objs, k);
            const char *name = tsr_json_str(tsr_json_obj(o, "package"),
                                            "name"), *blob;
            apr_size_t len;
            tsr_search_entry_t e;
            tsr_search_scores_t sc;
            double got = json_object_get_double(
                json_object_object_get(o, "searchScore"));

            ck_assert_int_eq(tsr_store_search_entry(store, fx_pool, name,
                                                    &blob, &len),
                             APR_SUCCESS);
            ck_assert_int_eq(tsr_search_entry_decode(&e, blob, len),
                             APR_SUCCESS);
            tsr_search_score(&sc, q, &e, now);
            ck_assert_msg(fabs(got - sc.search) < 1e-4, "%s: %s scored %f, "
                          "its entry says %f", queries[i], name, got,
                          sc.search);
            ck_assert(fabs(json_object_get_double(json_object_object_get(
                tsr_json_obj(o, "score"), "final")) - sc.final) < 1e-4);
            n++;
        }
    }
    ck_assert_int_gt(n, 20);
}
END_TEST

/* A crowd of packages whose words begin one another (net, nets,
 * network, netx: a package often under several terms of one prefix),
 * with many ties of score, some deprecated, some starred. */
static void fill_crowd(void)
{
    static const char *const words[] = { "net", "nets", "network", "netx",
                                         "pad", "padding", "ne" };
    unsigned long r = 12345;
    int i, k;

    for (i = 0; i < 240; i++) {
        const char *desc = "", *kw = "", *name, *extra = "", *users = "";

        for (k = 0; k < 3; k++) {
            r = r * 1103515245 + 12345;
            desc = apr_psprintf(fx_pool, "%s %s", desc,
                                words[(r >> 16) % 7]);
        }
        r = r * 1103515245 + 12345;
        kw = words[(r >> 16) % 7];
        r = r * 1103515245 + 12345;
        name = apr_psprintf(fx_pool, "%s%s-%d", (r >> 16) % 5 ? ""
                                                : "@crowd/",
                            words[(r >> 20) % 7], i);
        if ((r >> 24) % 4 == 0) {
            extra = ",\"license\":\"MIT\"";
        }
        if ((r >> 26) % 6 == 0) {
            extra = apr_pstrcat(fx_pool, extra,
                                ",\"deprecated\":\"old\"", NULL);
        }
        if ((r >> 28) % 3 == 0) {
            users = ",\"users\":{\"u1\":true,\"u2\":true}";
        }
        put(name, doc_text(name, "1.0.0", apr_psprintf(fx_pool,
            ",\"description\":\"%s\",\"keywords\":[\"%s\"]%s", desc, kw,
            extra), users));
    }
    /* A name that is a word: "network" finds it first. */
    put("network", doc_text("network", "1.0.0",
        ",\"description\":\"nets\"", ""));
}

/* Where a and b first differ, less a little to show. */
static size_t differ_at(const char *a, const char *b)
{
    size_t i = 0;

    while (a[i] && a[i] == b[i]) {
        i++;
    }
    return i > 30 ? i - 30 : 0;
}

/* The objects and total of args, streamed or not. */
static const char *answer_of(const char *args, int streamed, int *pstreams)
{
    tsr_search_query_t *q = query(args);

    if (!streamed) {
        q->stream_keep_max = 0;
    }
    *pstreams = tsr_search_streams(q);
    return answer_text(q);
}

/* A query of one term scored as its postings are read gives what the
 * general path gives: the same hits in the same order with the same
 * scores, pages and totals, though a prefix's lists name a package more
 * than once; and one with a restricted package among them too. */
START_TEST(run_streamed_as_general)
{
    static const char *const texts[] = {
        "net", "ne", "netw", "nets", "pad", "pa", "keywords:net",
        "keywords:padding", "scope:crowd", "scope:unscoped", "network",
        "is:deprecated", "nothingatall", NULL
    };
    static const char *const pages[] = {
        "", "&size=1", "&size=7", "&size=7&from=7", "&size=25&from=3",
        "&size=250", "&size=10&from=230", "&size=5&from=990",
        "&quality=1&popularity=0&maintenance=0&size=30",
        "&quality=0&popularity=1&maintenance=0.2&size=30", NULL
    };
    int i, j, streams, general, compared = 0;

    fill_crowd();
    for (i = 0; texts[i]; i++) {
        for (j = 0; pages[j]; j++) {
            const char *args = apr_pstrcat(fx_pool, "text=", texts[i],
                                           pages[j], NULL);
            const char *a = answer_of(args, 1, &streams);
            const char *b = answer_of(args, 0, &general);

            ck_assert_msg(streams, "%s is one term, streamed", args);
            ck_assert(!general);
            ck_assert_msg(strcmp(a, b) == 0, "%s: streamed ...%.80s, "
                          "general ...%.80s", args, a + differ_at(a, b),
                          b + differ_at(a, b));
            compared += strlen(a) > 40;
        }
    }
    ck_assert_int_gt(compared, 80);
    /* Beyond the streamed path's pages: the general path answers. */
    answer_of("text=net&size=20&from=981", 1, &streams);
    ck_assert(!streams);
    /* Two words are not one term. */
    answer_of("text=net+pad", 1, &streams);
    ck_assert(!streams);
    /* A restricted package among the postings: the same answers, for
     * its maintainer and for anyone else. */
    put("netx-secret", doc_text("netx-secret", "1.0.0",
        ",\"description\":\"net\"", ",\"access\":\"restricted\""));
    for (i = 0; i < 2; i++) {
        const char *user = i ? "alice" : NULL;
        tsr_search_query_t *q = query("text=net&size=250");
        json_object *x = NULL, *y = NULL;
        tsr_error_t *err = NULL;
        const char *xs, *ys;

        ck_assert_int_eq(tsr_search_run(&x, fx_pool, store, q,
                                        apr_time_from_sec(1800000000),
                                        readable, (void *)user, &err),
                         APR_SUCCESS);
        q->stream_keep_max = 0;
        ck_assert_int_eq(tsr_search_run(&y, fx_pool, store, q,
                                        apr_time_from_sec(1800000000),
                                        readable, (void *)user, &err),
                         APR_SUCCESS);
        json_object_object_del(x, "time");
        json_object_object_del(y, "time");
        xs = json_object_to_json_string(x);
        ys = json_object_to_json_string(y);
        ck_assert_msg(strcmp(xs, ys) == 0, "streamed ...%.80s, general "
                      "...%.80s", xs + differ_at(xs, ys), ys + differ_at(xs, ys));
        ck_assert_int_eq(strstr(xs, "netx-secret") != NULL, i);
    }
}
END_TEST

START_TEST(run_follows_writes)
{
    /* A new latest with other words: the old ones find it no more. */
    put("padlock", doc_text("padlock", "3.1.0",
        ",\"description\":\"Bolts\",\"keywords\":[\"door\"]", ""));
    ck_assert_str_eq(run("text=locks"), "/0");
    ck_assert_str_eq(run("text=bolts"), "padlock@3.1.0/1");
    ck_assert_str_eq(run("text=keywords:door"), "padlock@3.1.0/1");
    /* Restricted later: gone for others at once. */
    put("padlock", doc_text("padlock", "3.1.0",
        ",\"description\":\"Bolts\"", ",\"access\":\"restricted\""));
    ck_assert_str_eq(run("text=bolts"), "/0");
    ck_assert_str_eq(hits(run_as("text=bolts", "alice")),
                     "padlock@3.1.0/1");
    /* A tombstone leaves the index. */
    put("left-pad", "{\"name\":\"left-pad\",\"versions\":{},"
                    "\"time\":{\"unpublished\":{}}}");
    ck_assert_str_eq(run("text=strings"), "right-pad@0.9.0/1");
    ck_assert_str_eq(run("text=keywords:string"),
                     "@acme/pad@2.0.0-beta.1/1");
}
END_TEST

Suite *make_search_suite(void)
{
    Suite *s = suite_create("search");
    TCase *tc = fx_tcase("text");

    tcase_add_test(tc, tokens_split_names_and_text);
    tcase_add_test(tc, tokens_are_cut_at_a_character);
    tcase_add_test(tc, unescape);
    suite_add_tcase(s, tc);
    tc = fx_tcase("entry");
    tcase_add_test(tc, entry_of_a_package);
    tcase_add_test(tc, entry_flags_and_readers);
    tcase_add_test(tc, entry_of_no_package);
    tcase_add_test(tc, entry_terms_are_bounded);
    tcase_add_test(tc, postings_carry_briefs);
    suite_add_tcase(s, tc);
    tc = fx_tcase("query");
    tcase_add_test(tc, query_defaults);
    tcase_add_test(tc, query_qualifiers);
    tcase_add_test(tc, query_limits);
    tcase_add_test(tc, scores);
    tcase_add_test(tc, relevance_and_exact_match);
    suite_add_tcase(s, tc);
    tc = fx_tcase("run");
    tcase_add_checked_fixture(tc, setup_store, NULL);
    tcase_add_test(tc, run_words_and_prefixes);
    tcase_add_test(tc, run_qualifiers);
    tcase_add_test(tc, run_restricted_and_pages);
    tcase_add_test(tc, run_scores_as_entries_do);
    tcase_add_test(tc, run_streamed_as_general);
    tcase_add_test(tc, run_follows_writes);
    suite_add_tcase(s, tc);
    if (fx_have_pg()) {
        tc = fx_tcase("run_dbd");
        tcase_add_checked_fixture(tc, setup_store_dbd, NULL);
        tcase_add_test(tc, run_words_and_prefixes);
        tcase_add_test(tc, run_qualifiers);
        tcase_add_test(tc, run_restricted_and_pages);
        tcase_add_test(tc, run_scores_as_entries_do);
        tcase_add_test(tc, run_streamed_as_general);
        tcase_add_test(tc, run_follows_writes);
        suite_add_tcase(s, tc);
    }
    return s;
}
