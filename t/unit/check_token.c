/* The core's tokens: minting, records, lookup through the per-process
 * cache, lists kept by user, revocation by token and by listed key, and
 * address ranges. */
#include <openssl/evp.h>
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_integrity.h"
#include "tsr_token.h"
#include "tsr_json.h"

static void sha256(unsigned char out[32], const char *s)
{
    unsigned int n = 0;

    ck_assert_int_eq(EVP_Digest(s, strlen(s), out, &n, EVP_sha256(), NULL),
                     1);
    ck_assert_uint_eq(n, 32);
}

START_TEST(token_new)
{
    const char *t1 = NULL, *t2 = NULL, *c;
    unsigned char k1[32], k2[32], want[32], again[32];
    apr_size_t prefix = strlen(TSR_TOKEN_PREFIX);

    ck_assert_int_eq(tsr_token_new(&t1, k1, fx_pool), APR_SUCCESS);
    ck_assert_int_eq(tsr_token_new(&t2, k2, fx_pool), APR_SUCCESS);
    ck_assert_str_eq(TSR_TOKEN_PREFIX, "tsr_");
    ck_assert_int_eq(strncmp(t1, "tsr_", 4), 0);
    /* 32 random bytes in unpadded base64url: 43 characters */
    ck_assert_uint_eq(strlen(t1), prefix + 43);
    for (c = t1 + prefix; *c; c++) {
        ck_assert_msg((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z')
                      || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_',
                      "token character '%c'", *c);
    }
    ck_assert_str_ne(t1, t2);
    ck_assert(memcmp(k1, k2, 32) != 0);

    /* the key is the SHA-256 of the whole token text */
    sha256(want, t1);
    ck_assert_mem_eq(k1, want, 32);
    tsr_token_key(again, t1);
    ck_assert_mem_eq(again, want, 32);
    sha256(want, t2);
    ck_assert_mem_eq(k2, want, 32);
    tsr_token_key(again, "tsr_other");
    ck_assert(memcmp(again, k1, 32) != 0);
}
END_TEST

START_TEST(lookup_and_revoke)
{
    tsr_store_t *s = fx_store(fx_pool);
    tsr_tokencache_t *cache;
    tsr_token_identity_t id;
    tsr_token_opts_t ro_only = { 1, NULL, NULL };
    tsr_error_t *err = NULL;
    const char *t, *ro;
    char withnul[64];

    ck_assert_int_eq(tsr_tokencache_create(&cache, fx_pool, 16),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_token_issue(&t, fx_pool, s, "ann", NULL, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_token_issue(&ro, fx_pool, s, "ann", &ro_only, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, cache, 1, ro,
                                      strlen(ro)), APR_SUCCESS);
    ck_assert_int_eq(id.readonly, 1);
    ck_assert_ptr_null(id.cidr);
    ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, cache, 1, t,
                                      strlen(t)), APR_SUCCESS);
    ck_assert_int_eq(id.readonly, 0);
    ck_assert_str_eq(id.user, "ann");
    ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, cache, 1,
                                      "tsr_nobody", 10), TSR_ENOTFOUND);
    /* A token followed by a NUL and more is not that token. */
    strcpy(withnul, t);
    withnul[strlen(t) + 1] = 'x';
    ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, cache, 1,
                                      withnul, strlen(t) + 2),
                     TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, cache, 1, "", 0),
                     TSR_ENOTFOUND);
    /* Revoked: the store forgets it; the cache forgets it once the
     * generation moves, which the glue does after a revocation. */
    ck_assert_int_eq(tsr_token_revoke(fx_pool, s, t, &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, NULL, 0, t,
                                      strlen(t)), TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, cache, 2, t,
                                      strlen(t)), TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_token_revoke(fx_pool, s, "tsr_never", &err),
                     APR_SUCCESS);
}
END_TEST

static json_object *list_of(tsr_store_t *s, const char *user)
{
    json_object *list = NULL;
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_token_list(&list, fx_pool, s, user, &err),
                     APR_SUCCESS);
    ck_assert(json_object_is_type(list, json_type_array));
    return list;
}

/* Lists show what npm token list prints and never the token; a listed key
 * revokes only its owner's token. */
START_TEST(list_and_revoke_by_key)
{
    tsr_store_t *s = fx_store(fx_pool);
    tsr_token_opts_t o = { 0, "10.0.0.0/8,192.0.2.1/32", "ci" };
    tsr_token_identity_t id;
    tsr_error_t *err = NULL;
    json_object *list, *e, *v;
    const char *t1, *t2, *bobs, *key;
    unsigned char k1[32];

    ck_assert_int_eq(tsr_token_issue(&t1, fx_pool, s, "ann", NULL, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_token_issue(&t2, fx_pool, s, "ann", &o, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_token_issue(&bobs, fx_pool, s, "bob", NULL, &err),
                     APR_SUCCESS);
    list = list_of(s, "ann");
    ck_assert_uint_eq(json_object_array_length(list), 2);
    ck_assert_uint_eq(json_object_array_length(list_of(s, "bob")), 1);
    ck_assert_uint_eq(json_object_array_length(list_of(s, "cy")), 0);
    /* no token in any list: only its first characters */
    ck_assert(strstr(tsr_json_serialize(fx_pool, list, NULL), t1) == NULL);
    ck_assert(strstr(tsr_json_serialize(fx_pool, list, NULL), t2) == NULL);

    tsr_token_key(k1, t1);
    e = json_object_array_get_idx(list, 0);
    if (strcmp(tsr_json_str(e, "key"), tsr_integrity_hex(fx_pool, k1, 32))
        != 0) {
        e = json_object_array_get_idx(list, 1);
    }
    ck_assert_str_eq(tsr_json_str(e, "key"),
                     tsr_integrity_hex(fx_pool, k1, 32));
    ck_assert_str_eq(tsr_json_str(e, "token"),
                     apr_pstrndup(fx_pool, t1, TSR_TOKEN_SHOWN));
    ck_assert(json_object_object_get_ex(e, "readonly", &v));
    ck_assert_int_eq(json_object_get_boolean(v), 0);
    ck_assert(json_object_object_get_ex(e, "cidr_whitelist", &v));
    ck_assert_uint_eq(json_object_array_length(v), 0);
    ck_assert_ptr_nonnull(tsr_json_str(e, "created"));

    e = json_object_array_get_idx(list, e == json_object_array_get_idx(list, 0)
                                            ? 1 : 0);
    ck_assert_str_eq(tsr_json_str(e, "name"), "ci");
    ck_assert(json_object_object_get_ex(e, "cidr_whitelist", &v));
    ck_assert_uint_eq(json_object_array_length(v), 2);
    ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 1)),
                     "192.0.2.1/32");
    key = apr_pstrdup(fx_pool, tsr_json_str(e, "key"));
    /* the limited token's ranges come with its identity */
    ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, NULL, 0, t2,
                                      strlen(t2)), APR_SUCCESS);
    ck_assert_str_eq(id.cidr, "10.0.0.0/8,192.0.2.1/32");

    /* bob can neither revoke ann's tokens by key nor by token */
    ck_assert_int_eq(tsr_token_revoke_id(fx_pool, s, "bob", key, &err),
                     TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 404);
    ck_assert_int_eq(tsr_token_revoke_id(fx_pool, s, "bob", t1, &err),
                     TSR_EREFUSED);
    ck_assert_uint_eq(json_object_array_length(list_of(s, "ann")), 2);
    /* ann revokes one by its listed key, the other by the token itself */
    ck_assert_int_eq(tsr_token_revoke_id(fx_pool, s, "ann", key, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, NULL, 0, t2,
                                      strlen(t2)), TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_token_revoke_id(fx_pool, s, "ann", t1, &err),
                     APR_SUCCESS);
    ck_assert_uint_eq(json_object_array_length(list_of(s, "ann")), 0);
    ck_assert_int_eq(tsr_token_revoke_id(fx_pool, s, "ann", key, &err),
                     TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 404);
    /* bob's is untouched */
    ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, NULL, 0, bobs,
                                      strlen(bobs)), APR_SUCCESS);
}
END_TEST

static int parses(const char *json, const char **pcidr)
{
    tsr_error_t *err = NULL;

    return tsr_token_cidr_parse(pcidr, fx_pool,
                                json ? fx_json(fx_pool, json) : NULL, &err)
           == APR_SUCCESS;
}

static int allows(const char *cidr, const char *ip)
{
    apr_sockaddr_t *sa;

    ck_assert_int_eq(apr_sockaddr_info_get(&sa, ip, APR_UNSPEC, 0, 0,
                                           fx_pool), APR_SUCCESS);
    return tsr_token_cidr_allows(fx_pool, cidr, sa);
}

START_TEST(cidr)
{
    const char *c;
    char many[1024];
    int i;

    ck_assert(parses(NULL, &c));
    ck_assert_ptr_null(c);
    ck_assert(parses("[]", &c));
    ck_assert_ptr_null(c);
    ck_assert(parses("[\"127.0.0.0/8\",\"2001:db8::/32\"]", &c));
    ck_assert_str_eq(c, "127.0.0.0/8,2001:db8::/32");
    ck_assert(!parses("\"127.0.0.0/8\"", &c));
    ck_assert(!parses("[\"127.0.0.1\"]", &c));
    ck_assert(!parses("[\"example.com/8\"]", &c));
    ck_assert(!parses("[\"10.0.0.0/33\"]", &c));
    ck_assert(!parses("[\"10.0.0.0/8,1.2.3.4/32\"]", &c));
    ck_assert(!parses("[\"10.0.0.0/8\\u0000x\"]", &c));
    ck_assert(!parses("[7]", &c));
    strcpy(many, "[");
    for (i = 0; i <= TSR_TOKEN_CIDR_MAX; i++) {
        strcat(many, i ? ",\"10.0.0.0/8\"" : "\"10.0.0.0/8\"");
    }
    strcat(many, "]");
    ck_assert(!parses(many, &c));

    ck_assert(allows(NULL, "203.0.113.9"));
    ck_assert(allows("127.0.0.0/8", "127.0.0.1"));
    ck_assert(!allows("127.0.0.0/8", "128.0.0.1"));
    ck_assert(allows("10.0.0.0/8,127.0.0.1/32", "127.0.0.1"));
    ck_assert(!allows("10.0.0.0/8,127.0.0.2/32", "127.0.0.1"));
    ck_assert(allows("2001:db8::/32", "2001:db8::1"));
    ck_assert(!allows("2001:db8::/32", "127.0.0.1"));
    /* a record whose ranges were all unreadable allows nobody */
    ck_assert(!allows("", "127.0.0.1"));
}
END_TEST

Suite *make_token_suite(void)
{
    Suite *s = suite_create("token");
    TCase *tc = fx_tcase("token");

    tcase_add_test(tc, token_new);
    tcase_add_test(tc, lookup_and_revoke);
    tcase_add_test(tc, list_and_revoke_by_key);
    tcase_add_test(tc, cidr);
    suite_add_tcase(s, tc);
    return s;
}
