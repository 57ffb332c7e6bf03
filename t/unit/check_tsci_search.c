/* check_tsci_search: tscircuit's /packages/search on its word index, on a
 * real Berkeley DB store (and the SQL store when TSCI_TEST_PG is set):
 * the words of a text, what finds a package and what does not, the index
 * kept through updates, renames, privacy and deletes, the 100-result cap,
 * and a rebuild of a store whose index was lost. */
#include <string.h>
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_tsci.h"
#include "tsr_tsci_search.h"
#include "tsr_reindex.h"
#include "tsr_store.h"

static tsr_store_t *store;

static json_object *call_ok(tsr_tsci_fn *fn, const char *user,
                            const char *ps)
{
    json_object *out;
    tsr_error_t *err;
    apr_status_t rv = fx_tsci_call(store, fn, user, ps, &out, &err);

    ck_assert_msg(rv == APR_SUCCESS, "%s refused: %s", ps,
                  err ? err->message : "");
    return out;
}

static const char *pid_of(json_object *pkg)
{
    json_object *v;

    ck_assert(json_object_object_get_ex(pkg, "package_id", &v));
    return json_object_get_string(v);
}

/* The names search finds for query, sorted and joined by spaces. */
static const char *found(const char *query)
{
    json_object *list = call_ok(tsr_tsci_packages_search, NULL,
                                apr_psprintf(fx_pool, "{\"query\":\"%s\"}",
                                             query));
    apr_array_header_t *names = apr_array_make(fx_pool, 8,
                                               sizeof(const char *));
    int i, j;

    for (i = 0; i < (int)json_object_array_length(list); i++) {
        json_object *v;
        const char *n;

        ck_assert(json_object_object_get_ex(
            json_object_array_get_idx(list, i), "name", &v));
        n = json_object_get_string(v);
        for (j = names->nelts; j > 0
             && strcmp(APR_ARRAY_IDX(names, j - 1, const char *), n) > 0;
             j--) {
        }
        apr_array_push(names);
        memmove(&APR_ARRAY_IDX(names, j + 1, const char *),
                &APR_ARRAY_IDX(names, j, const char *),
                (names->nelts - 1 - j) * sizeof(const char *));
        APR_ARRAY_IDX(names, j, const char *) = n;
    }
    return apr_array_pstrcat(fx_pool, names, ' ');
}

static json_object *create(const char *user, const char *name,
                           const char *desc, const char *extra)
{
    return call_ok(tsr_tsci_packages_create, user, apr_psprintf(fx_pool,
                   "{\"name\":\"%s\",\"description\":\"%s\"%s}", name, desc,
                   extra ? extra : ""));
}

static void update(const char *user, json_object *pkg, const char *fields)
{
    call_ok(tsr_tsci_packages_update, user, apr_psprintf(fx_pool,
            "{\"package_id\":\"%s\",%s}", pid_of(pkg), fields));
}

START_TEST(words)
{
    apr_array_header_t *w = apr_array_make(fx_pool, 4, sizeof(const char *));
    char longw[100];

    tsr_tsci_words(fx_pool, "Alice/LED-board: a LED board, v2!", w, 64);
    ck_assert_str_eq(apr_array_pstrcat(fx_pool, w, ' '),
                     "alice led board a v2");
    apr_array_clear(w);
    tsr_tsci_words(fx_pool, "one two three four", w, 2);
    ck_assert_str_eq(apr_array_pstrcat(fx_pool, w, ' '), "one two");
    apr_array_clear(w);
    tsr_tsci_words(fx_pool, "  --- ", w, 8);
    ck_assert_int_eq(w->nelts, 0);
    tsr_tsci_words(fx_pool, NULL, w, 8);
    ck_assert_int_eq(w->nelts, 0);
    /* Bytes beyond ASCII are letters, kept whole when a word is cut. */
    tsr_tsci_words(fx_pool, "Widerstände", w, 8);
    ck_assert_str_eq(APR_ARRAY_IDX(w, 0, const char *), "widerstände");
    apr_array_clear(w);
    memset(longw, 'x', 39);
    strcpy(longw + 39, "\xc3\xa4tail");         /* ä straddles byte 40 */
    tsr_tsci_words(fx_pool, longw, w, 8);
    ck_assert_int_eq(strlen(APR_ARRAY_IDX(w, 0, const char *)), 39);
}
END_TEST

START_TEST(found_by_words)
{
    create("alice", "alice/led-board", "A bright USB lamp", NULL);
    create("alice", "alice/resistor", "Pull-up resistors for I2C", NULL);
    create("bob", "bob/ledstrip", "Addressable LEDs", NULL);
    create("bob", "bob/hidden", "a led nobody lists",
           ",\"is_unlisted\":true");
    create("bob", "bob/secret", "a secret led", ",\"is_private\":true");

    ck_assert_str_eq(found("led"), "alice/led-board bob/ledstrip");
    ck_assert_str_eq(found("LED board"), "alice/led-board");
    ck_assert_str_eq(found("bright usb"), "alice/led-board");
    ck_assert_str_eq(found("led boa"), "alice/led-board");
    ck_assert_str_eq(found("i2c"), "alice/resistor");
    ck_assert_str_eq(found("alice"), "alice/led-board alice/resistor");
    ck_assert_str_eq(found("bob"), "bob/ledstrip");
    /* Words are matched from their start, all of them. */
    ck_assert_str_eq(found("strip"), "");
    ck_assert_str_eq(found("led nothing"), "");
    ck_assert_str_eq(found("secret"), "");
    ck_assert_str_eq(found("nobody"), "");
    ck_assert_str_eq(found("-- !"), "");
}
END_TEST

START_TEST(kept_with_the_package)
{
    json_object *lamp = create("alice", "alice/lamp", "warm light", NULL);
    json_object *gone = create("alice", "alice/fan", "cool air", NULL);

    ck_assert_str_eq(found("warm"), "alice/lamp");
    update("alice", lamp, "\"description\":\"cold light\"");
    ck_assert_str_eq(found("warm"), "");
    ck_assert_str_eq(found("cold"), "alice/lamp");
    update("alice", lamp, "\"name\":\"torch\"");
    ck_assert_str_eq(found("lamp"), "");
    ck_assert_str_eq(found("torch light"), "alice/torch");
    update("alice", lamp, "\"is_private\":true");
    ck_assert_str_eq(found("torch"), "");
    update("alice", lamp, "\"is_private\":false,\"is_unlisted\":false");
    ck_assert_str_eq(found("torch"), "alice/torch");
    ck_assert_str_eq(found("cool"), "alice/fan");
    call_ok(tsr_tsci_packages_delete, "alice", apr_psprintf(fx_pool,
            "{\"package_id\":\"%s\"}", pid_of(gone)));
    ck_assert_str_eq(found("cool"), "");
    ck_assert_str_eq(found("alice"), "alice/torch");
}
END_TEST

START_TEST(at_most_a_hundred)
{
    json_object *list;
    int i;

    for (i = 0; i < 130; i++) {
        create("carol", apr_psprintf(fx_pool, "carol/part%03d", i),
               i % 2 ? "odd capacitor" : "even capacitor", NULL);
    }
    list = call_ok(tsr_tsci_packages_search, NULL,
                   "{\"query\":\"capacitor\"}");
    ck_assert_int_eq(json_object_array_length(list), 100);
    /* A rare word beside a common one: the rare one is walked, and every
     * hit is found. */
    list = call_ok(tsr_tsci_packages_search, NULL,
                   "{\"query\":\"capacitor odd\"}");
    ck_assert_int_eq(json_object_array_length(list), 65);
    ck_assert_str_eq(found("part12"),
                     "carol/part120 carol/part121 carol/part122 carol/part123 "
                     "carol/part124 carol/part125 carol/part126 carol/part127 "
                     "carol/part128 carol/part129");
}
END_TEST

typedef struct keys_t {
    apr_pool_t *p;
    apr_array_header_t *keys;
} keys_t;

static apr_status_t note(void *baton, const char *key, apr_size_t klen,
                         const char *val, apr_size_t vlen)
{
    keys_t *k = baton;
    struct iovec *v = apr_array_push(k->keys);

    v->iov_base = apr_pmemdup(k->p, key, klen);
    v->iov_len = klen;
    return APR_SUCCESS;
}

/* Remove every key of the index, as a store written before it has none,
 * and leave a posting list for a package that is gone. */
static apr_status_t lose_index(void *baton, apr_pool_t *p, tsr_kv_t *kv,
                               tsr_error_t **perr)
{
    keys_t k = { p, apr_array_make(p, 16, sizeof(struct iovec)) };
    apr_status_t rv;
    int i;

    if ((rv = kv->scan(kv, p, "W", 1, note, &k)) != APR_SUCCESS
        || (rv = kv->scan(kv, p, "S", 1, note, &k)) != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; i < k.keys->nelts; i++) {
        struct iovec *v = &APR_ARRAY_IDX(k.keys, i, struct iovec);

        if ((rv = kv->del(kv, v->iov_base, v->iov_len)) != APR_SUCCESS) {
            return rv;
        }
    }
    /* A stale posting of a package that no longer exists. */
    if ((rv = kv->put(kv, "Wghost\0nosuchid", 15, "", 0)) != APR_SUCCESS) {
        return rv;
    }
    return kv->put(kv, "Snosuchid", 9, "ghost", 5);
}

START_TEST(rebuilt)
{
    const tsr_reindex_step_t *step = tsr_reindex_step("tsci-search");
    tsr_error_t *err = NULL;
    apr_uint64_t n = 0;

    create("dave", "dave/buzzer", "piezo ghost buzzer", NULL);
    create("dave", "dave/relay", "a relay", NULL);
    ck_assert_int_eq(tsr_store_tsci_txn(store, fx_pool, 1, lose_index, NULL,
                                        &err), APR_SUCCESS);
    ck_assert_str_eq(found("buzzer"), "");
    /* The stale posting leads nowhere: no package, no failure. */
    ck_assert_str_eq(found("ghost"), "");
    ck_assert_ptr_nonnull(step);
    ck_assert_int_eq(tsr_reindex_run(fx_pool, store, step, NULL, NULL, &n,
                                     &err), APR_SUCCESS);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(found("buzzer"), "dave/buzzer");
    ck_assert_str_eq(found("ghost"), "dave/buzzer");
    ck_assert_str_eq(found("relay"), "dave/relay");
    /* Running it again changes nothing. */
    ck_assert_int_eq(tsr_reindex_run(fx_pool, store, step, NULL, NULL, &n,
                                     &err), APR_SUCCESS);
    ck_assert_str_eq(found("dave"), "dave/buzzer dave/relay");
}
END_TEST

static void setup(void)
{
    store = fx_store(fx_pool);
}

static void setup_dbd(void)
{
    store = fx_store_dbd(fx_pool);
}

static void add_store_tests(TCase *tc)
{
    tcase_add_test(tc, found_by_words);
    tcase_add_test(tc, kept_with_the_package);
    tcase_add_test(tc, at_most_a_hundred);
    tcase_add_test(tc, rebuilt);
}

Suite *make_tsci_search_suite(void)
{
    Suite *s = suite_create("tsci_search");
    TCase *tc = fx_tcase("words");

    tcase_add_test(tc, words);
    suite_add_tcase(s, tc);
    tc = fx_tcase("store");
    tcase_add_checked_fixture(tc, setup, NULL);
    add_store_tests(tc);
    suite_add_tcase(s, tc);
    if (fx_have_pg()) {
        tc = fx_tcase("store_dbd");
        tcase_add_checked_fixture(tc, setup_dbd, NULL);
        add_store_tests(tc);
        suite_add_tcase(s, tc);
    }
    return s;
}
