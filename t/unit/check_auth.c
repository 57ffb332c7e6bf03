/* check_auth: password hashes and tokens of the registry's own users. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_auth.h"
#include "tsr_store_bdb.h"
#include "tsr_tokencache.h"
#include "tsr_json.h"

START_TEST(password_right_and_wrong)
{
    const char *h1 = NULL, *h2 = NULL;

    ck_assert_int_eq(tsr_auth_password_hash(&h1, fx_pool, "correct horse"),
                     APR_SUCCESS);
    /* bcrypt, at the configured cost, 60 characters */
    ck_assert_str_eq(apr_pstrndup(fx_pool, h1, 7), "$2y$10$");
    ck_assert_uint_eq(strlen(h1), 60);
    ck_assert_int_eq(tsr_auth_password_check(fx_pool, "correct horse", h1),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_auth_password_check(fx_pool, "correct horsE", h1),
                     APR_EMISMATCH);
    ck_assert_int_eq(tsr_auth_password_check(fx_pool, "correct horse ", h1),
                     APR_EMISMATCH);
    ck_assert_int_eq(tsr_auth_password_check(fx_pool, "", h1),
                     APR_EMISMATCH);
    /* a fresh salt each time */
    ck_assert_int_eq(tsr_auth_password_hash(&h2, fx_pool, "correct horse"),
                     APR_SUCCESS);
    ck_assert_str_ne(h1, h2);
    ck_assert_int_eq(tsr_auth_password_check(fx_pool, "correct horse", h2),
                     APR_SUCCESS);
}
END_TEST

START_TEST(password_long)
{
    /* bcrypt alone reads 72 bytes: these differ only after them */
    char *a = apr_palloc(fx_pool, 201), *b = apr_palloc(fx_pool, 201);
    const char *h = NULL;

    memset(a, 'p', 200);
    a[200] = '\0';
    memcpy(b, a, 201);
    b[199] = 'q';
    ck_assert_int_eq(tsr_auth_password_hash(&h, fx_pool, a), APR_SUCCESS);
    ck_assert_int_eq(tsr_auth_password_check(fx_pool, a, h), APR_SUCCESS);
    ck_assert_int_eq(tsr_auth_password_check(fx_pool, b, h), APR_EMISMATCH);
    /* nor is a prefix of 72 or 73 bytes the same password */
    a[72] = '\0';
    ck_assert_int_eq(tsr_auth_password_check(fx_pool, a, h), APR_EMISMATCH);
    a[72] = 'p';
    a[73] = '\0';
    ck_assert_int_eq(tsr_auth_password_check(fx_pool, a, h), APR_EMISMATCH);
}
END_TEST

START_TEST(password_bad_hash)
{
    /* a stored value that is not bcrypt never matches, even itself */
    ck_assert_int_eq(tsr_auth_password_check(fx_pool, "secret", "secret"),
                     APR_EMISMATCH);
    ck_assert_int_eq(tsr_auth_password_check(fx_pool, "secret",
                                             "{SHA}5en6G6MezRroT3XKqkdPOmY/"
                                             "BfQ="), APR_EMISMATCH);
    ck_assert_int_eq(tsr_auth_password_check(fx_pool, "secret", ""),
                     APR_EMISMATCH);
    ck_assert_int_eq(tsr_auth_password_check(fx_pool, "secret", NULL),
                     APR_EMISMATCH);
    ck_assert_int_eq(tsr_auth_password_check(fx_pool, NULL, "$2y$10$x"),
                     APR_EMISMATCH);
    ck_assert_int_eq(tsr_auth_password_check(fx_pool, "secret", "$2y$10$"),
                     APR_EMISMATCH);
}
END_TEST

START_TEST(records)
{
    json_object *u = tsr_auth_user_record(fx_pool, "alice", "a@example.com",
                                          "$2y$10$hash", "2024-01-01T00:00:00"
                                          ".000Z");
    json_object *t, *ro;
    tsr_token_opts_t ro_opts = { 0 };

    ck_assert_str_eq(tsr_json_str(u, "name"), "alice");
    ck_assert_str_eq(tsr_json_str(u, "email"), "a@example.com");
    ck_assert_str_eq(tsr_json_str(u, "password"), "$2y$10$hash");
    ck_assert_str_eq(tsr_json_str(u, "created"), "2024-01-01T00:00:00.000Z");
    u = tsr_auth_user_record(fx_pool, "bob", NULL, "h", "c");
    ck_assert(!json_object_object_get_ex(u, "email", NULL));

    ro_opts.readonly = 1;
    t = tsr_token_record(fx_pool, "alice", &ro_opts, NULL, "c");
    ck_assert_str_eq(tsr_json_str(t, "user"), "alice");
    ck_assert(json_object_object_get_ex(t, "readonly", &ro));
    ck_assert(json_object_is_type(ro, json_type_boolean));
    ck_assert_int_eq(json_object_get_boolean(ro), 1);
    t = tsr_token_record(fx_pool, "alice", NULL, NULL, "c");
    ck_assert(json_object_object_get_ex(t, "readonly", &ro));
    ck_assert_int_eq(json_object_get_boolean(ro), 0);
    ck_assert_str_eq(tsr_json_serialize(fx_pool, t, NULL),
                     "{\"user\":\"alice\",\"readonly\":false,"
                     "\"created\":\"c\"}");
}
END_TEST

/* ---- logging in and tokens against a real store ---- */

static tsr_store_t *scratch_store(void)
{
    return fx_store(fx_pool);
}

static json_object *login_body(const char *name, const char *password)
{
    return fx_json(fx_pool, apr_psprintf(fx_pool,
        "{\"_id\":\"org.couchdb.user:%s\",\"name\":\"%s\","
        "\"password\":\"%s\",\"email\":\"%s@example.com\","
        "\"type\":\"user\",\"roles\":[]}", name, name, password, name));
}

/* A login as the glue makes it with the registry's own users: the body's
 * credentials, their check, then the login. */
static int login_status(tsr_store_t *s, const char *user, json_object *body,
                        int signup, tsr_auth_login_t *out,
                        tsr_error_t **perr)
{
    tsr_auth_creds_t c;
    apr_status_t rv;

    memset(out, 0, sizeof(*out));
    rv = tsr_auth_creds_parse(&c, fx_pool, user, body, perr);
    if (rv == APR_SUCCESS) {
        rv = tsr_auth_login(out, fx_pool, s, &c,
                            tsr_auth_user_check(fx_pool, s, user,
                                                c.password),
                            signup, perr);
    }
    if (rv == APR_SUCCESS) {
        return 201;
    }
    ck_assert_int_eq(rv, TSR_EREFUSED);
    ck_assert_ptr_nonnull(*perr);
    return (*perr)->http_status;
}

START_TEST(login_signup_then_login)
{
    tsr_store_t *s = scratch_store();
    tsr_auth_login_t a, b;
    tsr_error_t *err = NULL;
    tsr_token_identity_t id;

    ck_assert_int_eq(login_status(s, "alice", login_body("alice", "pw-1"), 1,
                                  &a, &err), 201);
    ck_assert_int_eq(a.created, 1);
    ck_assert_str_eq(a.user, "alice");
    ck_assert_ptr_nonnull(a.token);
    ck_assert_int_eq(login_status(s, "alice", login_body("alice", "pw-1"), 1,
                                  &b, &err), 201);
    ck_assert_int_eq(b.created, 0);
    ck_assert_str_ne(a.token, b.token);
    /* Both tokens are alice's, writable. */
    ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, NULL, 0, a.token,
                                           strlen(a.token)), APR_SUCCESS);
    ck_assert_str_eq(id.user, "alice");
    ck_assert_int_eq(id.readonly, 0);
    ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, NULL, 0, b.token,
                                           strlen(b.token)), APR_SUCCESS);
    ck_assert_str_eq(id.user, "alice");
}
END_TEST

START_TEST(login_refusals)
{
    tsr_store_t *s = scratch_store();
    tsr_auth_login_t a;
    tsr_error_t *err = NULL;
    char big[TSR_PASSWORD_MAX + 2];

    ck_assert_int_eq(login_status(s, "bob", login_body("bob", "right"), 1,
                                  &a, &err), 201);
    ck_assert_int_eq(login_status(s, "bob", login_body("bob", "wrong"), 1,
                                  &a, &err), 401);
    ck_assert_str_eq(err->code, TSR_AUTH_BAD_CREDENTIALS);
    ck_assert_ptr_null(a.token);
    /* Closed signup: an unknown user gets the same answer as a wrong
     * password, and nothing is created. */
    ck_assert_int_eq(login_status(s, "carl", login_body("carl", "x"), 0, &a,
                                  &err), 401);
    ck_assert_str_eq(err->code, TSR_AUTH_BAD_CREDENTIALS);
    ck_assert_int_eq(login_status(s, "carl", login_body("carl", "x"), 0, &a,
                                  &err), 401);
    /* An existing user logs in where signup is closed. */
    ck_assert_int_eq(login_status(s, "bob", login_body("bob", "right"), 0,
                                  &a, &err), 201);
    ck_assert_int_eq(login_status(s, "bob", login_body("eve", "right"), 1,
                                  &a, &err), 400);
    ck_assert_int_eq(login_status(s, "Bob", login_body("Bob", "right"), 1,
                                  &a, &err), 400);
    ck_assert_int_eq(login_status(s, "dan", login_body("dan", ""), 1, &a,
                                  &err), 400);
    memset(big, 'p', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    ck_assert_int_eq(login_status(s, "dan", login_body("dan", big), 1, &a,
                                  &err), 400);
    big[sizeof(big) - 2] = '\0';
    ck_assert_int_eq(login_status(s, "dan", login_body("dan", big), 1, &a,
                                  &err), 201);
}
END_TEST

/* A password with a NUL byte is no password: not the part before it. */
START_TEST(login_password_with_nul)
{
    tsr_store_t *s = scratch_store();
    tsr_auth_login_t a;
    tsr_error_t *err = NULL;

    ck_assert_int_eq(login_status(s, "nul", fx_json(fx_pool,
        "{\"name\":\"nul\",\"password\":\"a\\u0000long secret\"}"), 1,
        &a, &err), 400);
    ck_assert_int_eq(login_status(s, "nul", login_body("nul", "a"), 1, &a,
                                  &err), 201);
    ck_assert_int_eq(a.created, 1);
}
END_TEST

/* The registry's own users answer like any of Apache's providers; a
 * user another provider granted gets a token without a registry record;
 * a failed check is 503, never a login. */
START_TEST(login_verdicts)
{
    tsr_store_t *s = scratch_store();
    tsr_auth_login_t a;
    tsr_auth_creds_t c;
    tsr_token_identity_t id;
    tsr_error_t *err = NULL;
    const char *rec;
    apr_size_t len;

    ck_assert_int_eq(tsr_auth_user_check(fx_pool, s, "vera", "pw"),
                     TSR_AUTH_NO_USER);
    ck_assert_int_eq(login_status(s, "vera", login_body("vera", "pw"), 1,
                                  &a, &err), 201);
    ck_assert_int_eq(tsr_auth_user_check(fx_pool, s, "vera", "pw"),
                     TSR_AUTH_GRANTED);
    ck_assert_int_eq(tsr_auth_user_check(fx_pool, s, "vera", "pW"),
                     TSR_AUTH_DENIED);

    ck_assert_int_eq(tsr_auth_creds_parse(&c, fx_pool, "ldapuser",
                                          login_body("ldapuser", "x"), &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_auth_login(&a, fx_pool, s, &c, TSR_AUTH_GRANTED, 0,
                                    &err), APR_SUCCESS);
    ck_assert_int_eq(a.created, 0);
    ck_assert_int_eq(tsr_token_lookup(&id, fx_pool, s, NULL, 0, a.token,
                                           strlen(a.token)), APR_SUCCESS);
    ck_assert_str_eq(id.user, "ldapuser");
    ck_assert_int_eq(tsr_store_user_get(s, fx_pool, "ldapuser", &rec, &len),
                     TSR_ENOTFOUND);

    ck_assert_int_eq(tsr_auth_login(&a, fx_pool, s, &c, TSR_AUTH_FAILED, 1,
                                    &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 503);
    ck_assert_ptr_null(a.token);
    ck_assert_int_eq(tsr_auth_login(&a, fx_pool, s, &c, TSR_AUTH_DENIED, 1,
                                    &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 401);
    ck_assert_int_eq(tsr_store_user_get(s, fx_pool, "ldapuser", &rec, &len),
                     TSR_ENOTFOUND);
}
END_TEST

/* An unknown user costs a bcrypt like a wrong password: the answer's
 * time does not tell whether the name exists.  Compared by medians of
 * CPU-bound work, with a wide margin: skipping the hash would be 1000x
 * faster. */
static double check_seconds(tsr_store_t *s, const char *user)
{
    double t[7], x;
    int i, j;

    for (i = 0; i < 7; i++) {
        apr_time_t t0 = apr_time_now();

        (void)tsr_auth_user_check(fx_pool, s, user, "wrong-password");
        t[i] = (double)(apr_time_now() - t0) / APR_USEC_PER_SEC;
    }
    for (i = 1; i < 7; i++) {
        for (j = i; j > 0 && t[j - 1] > t[j]; j--) {
            x = t[j]; t[j] = t[j - 1]; t[j - 1] = x;
        }
    }
    return t[3];
}

START_TEST(unknown_user_costs_a_hash)
{
    tsr_store_t *s = scratch_store();
    tsr_auth_login_t a;
    tsr_error_t *err = NULL;
    double known, unknown;

    ck_assert_int_eq(login_status(s, "wendy", login_body("wendy", "pw"), 1,
                                  &a, &err), 201);
    known = check_seconds(s, "wendy");
    unknown = check_seconds(s, "nobody-here");
    ck_assert_msg(unknown > known / 4 && unknown < known * 4,
                  "wrong password %.4f s, unknown user %.4f s", known,
                  unknown);
}
END_TEST

Suite *make_auth_suite(void)
{
    Suite *s = suite_create("auth");
    TCase *tc = fx_tcase("password");

    tcase_add_test(tc, password_right_and_wrong);
    tcase_add_test(tc, password_long);
    tcase_add_test(tc, password_bad_hash);
    suite_add_tcase(s, tc);

    tc = fx_tcase("token");
    tcase_add_test(tc, records);
    suite_add_tcase(s, tc);

    tc = fx_tcase("login");
    tcase_add_test(tc, login_signup_then_login);
    tcase_add_test(tc, login_refusals);
    tcase_add_test(tc, login_password_with_nul);
    tcase_add_test(tc, login_verdicts);
    tcase_add_test(tc, unknown_user_costs_a_hash);
    suite_add_tcase(s, tc);
    return s;
}
