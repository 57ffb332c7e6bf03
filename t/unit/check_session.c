/* check_session: what tsci login hands out and reads back.  Session
 * tokens in the JWT shape tscircuit's CLI decodes (the claims it reads,
 * base64url without padding, the secret as the third part), what counts
 * as that shape, their life as ordinary tokens in a real store (looked
 * up, listed by the start of their secret, revoked); base64url decoding;
 * account ids made from user names and read back; a sign-in kept past
 * its expiry for its client's poll. */
#include <string.h>
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_account.h"
#include "tsr_integrity.h"
#include "tsr_json.h"
#include "tsr_token.h"
#include "tsr_weblogin.h"

/* Part i (0, 1, 2) of a dotted token, decoded. */
static char *part(const char *token, int i, apr_size_t *plen)
{
    const char *s = token, *dot;

    while (i-- > 0) {
        s = strchr(s, '.') + 1;
    }
    dot = strchr(s, '.');
    return tsr_integrity_base64url_decode(fx_pool, s, dot ? (apr_size_t)(dot
                                          - s) : strlen(s), plen);
}

START_TEST(jwt_encoding)
{
    unsigned char secret[32];
    tsr_token_claims_t c;
    const char *t;
    json_object *claims, *v;
    apr_size_t len;
    char *text;
    int i, dots = 0;

    for (i = 0; i < 32; i++) {
        secret[i] = (unsigned char)(0xf0 + i % 16);
    }
    memset(&c, 0, sizeof(c));
    c.account_id = "account_YWxpY2U";
    c.session_id = "sess-1";
    c.handle = "alice";
    c.issued = apr_time_from_sec(1700000000);
    t = tsr_token_jwt_encode(fx_pool, &c, secret, sizeof(secret));
    /* Three parts of base64url, unpadded: what jwt-decode accepts. */
    for (i = 0; t[i]; i++) {
        ck_assert_msg(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
                             "rstuvwxyz0123456789-_.", t[i]) != NULL,
                      "character %c in %s", t[i], t);
        dots += t[i] == '.';
    }
    ck_assert_int_eq(dots, 2);
    text = part(t, 0, &len);
    ck_assert_str_eq(text, "{\"alg\":\"none\",\"typ\":\"JWT\"}");
    /* The claims, exactly as the CLI reads them. */
    claims = tsr_token_jwt_claims(fx_pool, t);
    ck_assert_ptr_nonnull(claims);
    ck_assert_str_eq(tsr_json_str(claims, "account_id"), "account_YWxpY2U");
    ck_assert_str_eq(tsr_json_str(claims, "session_id"), "sess-1");
    ck_assert_str_eq(tsr_json_str(claims, "tscircuit_handle"), "alice");
    ck_assert(json_object_object_get_ex(claims, "github_username", &v));
    ck_assert_ptr_null(v);
    ck_assert(json_object_object_get_ex(claims, "iat", &v));
    ck_assert_int_eq(json_object_get_int64(v), 1700000000);
    /* The third part is the secret itself, byte for byte. */
    text = part(t, 2, &len);
    ck_assert_uint_eq(len, 32);
    ck_assert(memcmp(text, secret, 32) == 0);
    /* A GitHub name, when there is one, is a string claim. */
    c.github_username = "alice-gh";
    claims = tsr_token_jwt_claims(fx_pool, tsr_token_jwt_encode(
                                      fx_pool, &c, secret, sizeof(secret)));
    ck_assert_str_eq(tsr_json_str(claims, "github_username"), "alice-gh");
}
END_TEST

START_TEST(jwt_shape)
{
    /* {"a":1} and {} in base64url. */
    ck_assert(tsr_token_is_jwt(fx_pool, "eyJhIjoxfQ.e30.AAAA"));
    ck_assert(!tsr_token_is_jwt(fx_pool, NULL));
    ck_assert(!tsr_token_is_jwt(fx_pool, "tsr_abcdefghijklmnop"));
    ck_assert(!tsr_token_is_jwt(fx_pool, "eyJhIjoxfQ.e30"));
    ck_assert(!tsr_token_is_jwt(fx_pool, "eyJhIjoxfQ.e30.AAAA.AAAA"));
    ck_assert(!tsr_token_is_jwt(fx_pool, "eyJhIjoxfQ.e30."));
    ck_assert(!tsr_token_is_jwt(fx_pool, ".e30.AAAA"));
    /* Padding and the standard alphabet are not base64url. */
    ck_assert(!tsr_token_is_jwt(fx_pool, "eyJhIjoxfQ==.e30.AAAA"));
    ck_assert(!tsr_token_is_jwt(fx_pool, "eyJhIjoxfQ.e30.AA+/"));
    /* Parts that are base64url but not JSON objects: "1" and "x". */
    ck_assert(!tsr_token_is_jwt(fx_pool, "MQ.e30.AAAA"));
    ck_assert(!tsr_token_is_jwt(fx_pool, "eyJhIjoxfQ.eA.AAAA"));
    /* A length no whole bytes have. */
    ck_assert(!tsr_token_is_jwt(fx_pool, "eyJhIjoxfQ.e30.AAAAA"));
}
END_TEST

START_TEST(base64url_decode)
{
    apr_size_t len;
    char *s;

    s = tsr_integrity_base64url_decode(fx_pool, "aGk", 3, &len);
    ck_assert_uint_eq(len, 2);
    ck_assert_str_eq(s, "hi");
    s = tsr_integrity_base64url_decode(fx_pool, "-_8", 3, &len);
    ck_assert_uint_eq(len, 2);
    ck_assert_int_eq((unsigned char)s[0], 0xfb);
    ck_assert_int_eq((unsigned char)s[1], 0xff);
    ck_assert_ptr_null(tsr_integrity_base64url_decode(fx_pool, "", 0, &len));
    ck_assert_ptr_null(tsr_integrity_base64url_decode(fx_pool, "a", 1, &len));
    ck_assert_ptr_null(tsr_integrity_base64url_decode(fx_pool, "a=", 2,
                                                      &len));
    ck_assert_ptr_null(tsr_integrity_base64url_decode(fx_pool, "a b", 3,
                                                      &len));
}
END_TEST

START_TEST(session_token_in_the_store)
{
    tsr_store_t *s = fx_store(fx_pool);
    tsr_token_claims_t c, c2;
    tsr_token_identity_t id;
    tsr_error_t *err = NULL;
    json_object *list, *claims, *e;
    const char *t, *t2, *shown;

    memset(&c, 0, sizeof(c));
    c.account_id = tsr_account_id(fx_pool, "alice");
    c.handle = "alice";
    ck_assert_int_eq(tsr_token_issue_session(&t, &c, fx_pool, s, "alice",
                                             &err), APR_SUCCESS);
    ck_assert_ptr_nonnull(c.session_id);
    ck_assert_uint_eq(strlen(c.session_id), 22);
    claims = tsr_token_jwt_claims(fx_pool, t);
    ck_assert_str_eq(tsr_json_str(claims, "session_id"), c.session_id);
    ck_assert_str_eq(tsr_json_str(claims, "tscircuit_handle"), "alice");
    /* Two sessions never share an id or a token. */
    c2 = c;
    ck_assert_int_eq(tsr_token_issue_session(&t2, &c2, fx_pool, s, "alice",
                                             &err), APR_SUCCESS);
    ck_assert_str_ne(t, t2);
    ck_assert_str_ne(c.session_id, c2.session_id);
    /* An ordinary token: found by the whole of it, for its user, writing. */
    ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, NULL, 0, t,
                                      strlen(t)), APR_SUCCESS);
    ck_assert_str_eq(id.user, "alice");
    ck_assert_int_eq(id.readonly, 0);
    /* Claims are not credentials: the same token with one letter of the
     * claims changed is nobody's. */
    {
        char *forged = apr_pstrdup(fx_pool, t);

        forged[strchr(forged, '.') - forged + 3] ^= 1;
        ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, NULL, 0, forged,
                                          strlen(forged)), TSR_ENOTFOUND);
    }
    /* Listed by the start of its secret, not its header (the same in
     * every session token). */
    ck_assert_int_eq(tsr_token_list(&list, fx_pool, s, "alice", &err),
                     APR_SUCCESS);
    ck_assert_uint_eq(json_object_array_length(list), 2);
    e = json_object_array_get_idx(list, 0);
    shown = tsr_json_str(e, "token");
    ck_assert_uint_eq(strlen(shown), 8);
    ck_assert(strncmp(shown, "jwt.", 4) == 0);
    ck_assert(strstr(t, shown + 4) == strrchr(t, '.') + 1
              || strstr(t2, shown + 4) == strrchr(t2, '.') + 1);
    /* Revoked, it is nobody's; the other session lives on. */
    ck_assert_int_eq(tsr_token_revoke(fx_pool, s, t, &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, NULL, 0, t,
                                      strlen(t)), TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, NULL, 0, t2,
                                      strlen(t2)), APR_SUCCESS);
}
END_TEST

START_TEST(account_ids)
{
    const char *id = tsr_account_id(fx_pool, "alice");
    json_object *a;

    ck_assert_str_eq(id, "account_YWxpY2U");
    ck_assert_str_eq(tsr_account_id(fx_pool, "alice"), id);
    ck_assert_str_eq(tsr_account_user(fx_pool, id), "alice");
    ck_assert_str_eq(tsr_account_user(fx_pool, tsr_account_id(
                         fx_pool, "a.b-c_d9")), "a.b-c_d9");
    /* Not an id: another prefix, no name, not base64url, a name no user
     * may have ("Alice", "a b"), a second spelling of the same bytes. */
    ck_assert_ptr_null(tsr_account_user(fx_pool, NULL));
    ck_assert_ptr_null(tsr_account_user(fx_pool, "acct_YWxpY2U"));
    ck_assert_ptr_null(tsr_account_user(fx_pool, "account_"));
    ck_assert_ptr_null(tsr_account_user(fx_pool, "account_YWxp=Y2U"));
    ck_assert_ptr_null(tsr_account_user(fx_pool, "account_QWxpY2U"));
    ck_assert_ptr_null(tsr_account_user(fx_pool, "account_YSBi"));
    ck_assert_ptr_null(tsr_account_user(fx_pool, "account_YWxpY2V"));
    /* The public form; the email only for oneself. */
    a = tsr_account_json(fx_pool, "alice", "2026-01-02T03:04:05.000Z", 1,
                         "a@example.com");
    ck_assert_str_eq(tsr_json_str(a, "account_id"), id);
    ck_assert_str_eq(tsr_json_str(a, "tscircuit_handle"), "alice");
    ck_assert_str_eq(tsr_json_str(a, "created_at"),
                     "2026-01-02T03:04:05.000Z");
    ck_assert_str_eq(tsr_json_str(a, "email"), "a@example.com");
    a = tsr_account_json(fx_pool, "alice", NULL, 0, "a@example.com");
    ck_assert(!json_object_object_get_ex(a, "email", NULL));
    a = tsr_account_json(fx_pool, "alice", NULL, 1, NULL);
    ck_assert(json_object_object_get_ex(a, "email", NULL));
    ck_assert_ptr_null(json_object_object_get(a, "email"));
}
END_TEST

/* A sign-in with a grace is still there for a look after it expired
 * (its client is told it expired, not that it is unknown), and only for
 * a look: it can no longer be signed in on or collected. */
START_TEST(grace_after_expiry)
{
    tsr_store_t *s = fx_store(fx_pool);
    tsr_weblogin_limits_t lim = { apr_time_from_sec(1), 30, 10000,
                                  apr_time_from_sec(60) };
    tsr_weblogin_t *w, *seen;
    tsr_error_t *err = NULL;
    const char *secret, *user;
    apr_time_t now = apr_time_now();
    apr_time_t later = now + apr_time_from_sec(2);

    ck_assert_int_eq(tsr_weblogin_start(&w, &secret, fx_pool, s, 0,
                                        "192.0.2.1", now, &lim, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_weblogin_status(&seen, fx_pool, s, w->id, secret,
                                         &err), APR_SUCCESS);
    ck_assert(seen->expires == now + lim.ttl);
    ck_assert_int_eq(tsr_weblogin_status(&seen, fx_pool, s, w->id,
                                         "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                                         "AAAAAAAAA", &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 404);
    ck_assert_int_eq(tsr_weblogin_peek(&seen, fx_pool, s, "nope", &err),
                     TSR_EREFUSED);
    /* Past its expiry (2 s), within the grace (61 s in the store). */
    ck_assert_int_eq(tsr_weblogin_peek(&seen, fx_pool, s, w->id, &err),
                     APR_SUCCESS);
    ck_assert(seen->expires < later);
    ck_assert_int_eq(tsr_weblogin_status(&seen, fx_pool, s, w->id, secret,
                                         &err), APR_SUCCESS);
    err = NULL;
    ck_assert_int_eq(tsr_weblogin_sign_in(fx_pool, s, w->id, "alice",
                                          later, &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 404);
    err = NULL;
    ck_assert_int_eq(tsr_weblogin_get(&seen, fx_pool, s, w->id, later,
                                      &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 404);
    err = NULL;
    ck_assert_int_eq(tsr_weblogin_collect(&user, fx_pool, s, w->id, secret,
                                          later, &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 404);
}
END_TEST

Suite *make_session_suite(void)
{
    Suite *s = suite_create("session");
    TCase *tc = fx_tcase("tokens");

    tcase_add_test(tc, jwt_encoding);
    tcase_add_test(tc, jwt_shape);
    tcase_add_test(tc, base64url_decode);
    tcase_add_test(tc, session_token_in_the_store);
    tcase_add_test(tc, account_ids);
    tcase_add_test(tc, grace_after_expiry);
    suite_add_tcase(s, tc);
    return s;
}
