/* check_integrity: digests, Subresource Integrity strings and strict
 * base64, against vectors computed outside the core. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_integrity.h"

/* printf abc | sha1sum; printf abc | openssl dgst -sha512 -binary | base64;
 * printf abc | sha256sum */
#define ABC_SHA1 "a9993e364706816aba3e25717850c26c9cd0d89d"
#define ABC_SRI "sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/" \
                "BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw=="
#define ABC_SHA256 \
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define EMPTY_SHA1 "da39a3ee5e6b4b0d3255bfef95601890afd80709"
#define EMPTY_SRI "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8X" \
                  "YXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="

START_TEST(sha1_hex)
{
    ck_assert_str_eq(tsr_integrity_sha1_hex(fx_pool, "abc", 3), ABC_SHA1);
    ck_assert_str_eq(tsr_integrity_sha1_hex(fx_pool, "", 0), EMPTY_SHA1);
}
END_TEST

START_TEST(sri512)
{
    ck_assert_str_eq(tsr_integrity_sri512(fx_pool, "abc", 3), ABC_SRI);
    ck_assert_str_eq(tsr_integrity_sri512(fx_pool, "", 0), EMPTY_SRI);
}
END_TEST

START_TEST(sha256_and_hex)
{
    unsigned char md[32];
    static const unsigned char bytes[] = { 0x00, 0x0f, 0xa5, 0xff };

    tsr_integrity_sha256(md, "abc", 3);
    ck_assert_str_eq(tsr_integrity_hex(fx_pool, md, sizeof(md)), ABC_SHA256);
    ck_assert_str_eq(tsr_integrity_hex(fx_pool, bytes, sizeof(bytes)),
                     "000fa5ff");
    ck_assert_str_eq(tsr_integrity_hex(fx_pool, bytes, 0), "");
}
END_TEST

/* RFC 4648 section 10 */
static const char *const rfc_in[] = {
    "", "f", "fo", "foo", "foob", "fooba", "foobar", NULL
};
static const char *const rfc_out[] = {
    "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy", NULL
};

START_TEST(base64_vectors)
{
    const char *in = rfc_in[_i];
    unsigned char *out;
    apr_size_t len;

    ck_assert_str_eq(tsr_integrity_base64(fx_pool, in, strlen(in)),
                     rfc_out[_i]);
    ck_assert_int_eq(tsr_integrity_base64_decode(&out, &len, fx_pool,
                                                 rfc_out[_i],
                                                 strlen(rfc_out[_i])),
                     APR_SUCCESS);
    ck_assert_uint_eq(len, strlen(in));
    ck_assert_mem_eq(out, in, len);
}
END_TEST

START_TEST(base64_round_trip)
{
    unsigned char data[300], *out;
    apr_size_t n, len;

    for (n = 0; n < sizeof(data); n++) {
        data[n] = (unsigned char)(n * 7 + 3);
    }
    for (n = 0; n <= sizeof(data); n++) {
        const char *text = tsr_integrity_base64(fx_pool, data, n);

        ck_assert_uint_eq(strlen(text), (n + 2) / 3 * 4);
        ck_assert_str_eq(text, fx_base64(fx_pool, data, n));
        ck_assert_int_eq(tsr_integrity_base64_decode(&out, &len, fx_pool,
                                                     text, strlen(text)),
                         APR_SUCCESS);
        ck_assert_uint_eq(len, n);
        if (n > 0) {
            ck_assert_mem_eq(out, data, n);
        }
    }
}
END_TEST

START_TEST(base64_all_chars)
{
    /* 0xfb 0xff 0xbf... spans '+' and '/' */
    static const unsigned char bytes[] = { 0xfb, 0xff, 0xfe };
    unsigned char *out;
    apr_size_t len;

    ck_assert_str_eq(tsr_integrity_base64(fx_pool, bytes, 3), "+//+");
    ck_assert_str_eq(tsr_integrity_base64(fx_pool, bytes, 2), "+/8=");
    ck_assert_int_eq(tsr_integrity_base64_decode(&out, &len, fx_pool, "+//+",
                                                 4), APR_SUCCESS);
    ck_assert_uint_eq(len, 3);
    ck_assert_mem_eq(out, bytes, 3);
}
END_TEST

START_TEST(base64url)
{
    static const unsigned char bytes[] = { 0xfb, 0xff, 0xfe };
    const char *s;

    ck_assert_str_eq(tsr_integrity_base64url(fx_pool, bytes, 3), "-__-");
    ck_assert_str_eq(tsr_integrity_base64url(fx_pool, bytes, 2), "-_8");
    ck_assert_str_eq(tsr_integrity_base64url(fx_pool, "f", 1), "Zg");
    ck_assert_str_eq(tsr_integrity_base64url(fx_pool, "fo", 2), "Zm8");
    ck_assert_str_eq(tsr_integrity_base64url(fx_pool, "foo", 3), "Zm9v");
    ck_assert_str_eq(tsr_integrity_base64url(fx_pool, "", 0), "");
    /* 32 bytes, as tokens use: 43 characters, no padding */
    s = tsr_integrity_base64url(fx_pool,
                                "0123456789abcdef0123456789abcdef", 32);
    ck_assert_uint_eq(strlen(s), 43);
    ck_assert_ptr_null(strchr(s, '='));
}
END_TEST

/* Text that strict decoding must refuse. */
static const char *const bad_b64[] = {
    "Zg=",          /* length not a multiple of 4 */
    "Zm9",
    "Z",
    "Zm9v\n",
    "Zm9v Zm9v",
    " Zm9v",
    "Zm9v\r\nZm9v",
    "Zm9-",         /* base64url characters */
    "Zm9_",
    "Zm9*",
    "Zh==",         /* non-canonical: padding bits set */
    "Zm9=",
    "Zm8=Zm8=",     /* padding in the middle */
    "Z===",
    "====",
    "=Zm9",
    "Zg==Zg==",
    NULL
};

START_TEST(base64_strict)
{
    unsigned char *out = NULL;
    apr_size_t len = 0;
    const char *t = bad_b64[_i];

    ck_assert_msg(tsr_integrity_base64_decode(&out, &len, fx_pool, t,
                                              strlen(t)) == APR_EINVAL,
                  "\"%s\" decoded", t);
}
END_TEST

START_TEST(base64_nul_refused)
{
    unsigned char *out;
    apr_size_t len;

    ck_assert_int_eq(tsr_integrity_base64_decode(&out, &len, fx_pool,
                                                 "Zm\0v", 4), APR_EINVAL);
}
END_TEST

START_TEST(random_bytes)
{
    unsigned char a[32], b[32], zero[32];

    memset(zero, 0, sizeof(zero));
    ck_assert_int_eq(tsr_integrity_random(a, sizeof(a)), APR_SUCCESS);
    ck_assert_int_eq(tsr_integrity_random(b, sizeof(b)), APR_SUCCESS);
    ck_assert(memcmp(a, b, sizeof(a)) != 0);
    ck_assert(memcmp(a, zero, sizeof(a)) != 0);
}
END_TEST

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

Suite *make_integrity_suite(void)
{
    Suite *s = suite_create("integrity");
    TCase *tc = fx_tcase("digest");

    tcase_add_test(tc, sha1_hex);
    tcase_add_test(tc, sri512);
    tcase_add_test(tc, sha256_and_hex);
    tcase_add_test(tc, random_bytes);
    suite_add_tcase(s, tc);

    tc = fx_tcase("base64");
    tcase_add_loop_test(tc, base64_vectors, 0, COUNT(rfc_in));
    tcase_add_test(tc, base64_round_trip);
    tcase_add_test(tc, base64_all_chars);
    tcase_add_test(tc, base64url);
    tcase_add_loop_test(tc, base64_strict, 0, COUNT(bad_b64));
    tcase_add_test(tc, base64_nul_refused);
    suite_add_tcase(s, tc);
    return s;
}
