/* check_weblogin: sign-ins finished in a browser (tsr_weblogin) against a
 * real store: ids and secrets, the record, pending -> signed in ->
 * collected once, expiry, the bounds, the owner key of an address, the
 * form's credentials; and the page's HTML (tsr_loginpage). */
#include <apr_strings.h>
#include <apr_lib.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_integrity.h"
#include "tsr_loginpage.h"
#include "tsr_weblogin.h"

static const tsr_weblogin_limits_t lim = { 600 * APR_USEC_PER_SEC, 30,
                                           10000 };

/* A started sign-in: its record and secret. */
static tsr_weblogin_t *start(tsr_store_t *s, int create, const char *from,
                             apr_time_t now, const char **psecret)
{
    tsr_weblogin_t *w = NULL;
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_weblogin_start(&w, psecret, fx_pool, s, create,
                                        from, now, &lim, &err),
                     APR_SUCCESS);
    ck_assert_ptr_nonnull(w);
    return w;
}

static int get_status(tsr_store_t *s, const char *id, apr_time_t now)
{
    tsr_weblogin_t *w;
    tsr_error_t *err = NULL;

    if (tsr_weblogin_get(&w, fx_pool, s, id, now, &err) == APR_SUCCESS) {
        return 200;
    }
    ck_assert_ptr_nonnull(err);
    return err->http_status;
}

static int sign_in_status(tsr_store_t *s, const char *id, const char *user,
                          apr_time_t now)
{
    tsr_error_t *err = NULL;

    if (tsr_weblogin_sign_in(fx_pool, s, id, user, now, &err)
        == APR_SUCCESS) {
        return 200;
    }
    ck_assert_ptr_nonnull(err);
    return err->http_status;
}

/* 202 while pending, 200 with *puser, else the refusal's status. */
static int collect_status(tsr_store_t *s, const char *id, const char *secret,
                          apr_time_t now, const char **puser)
{
    tsr_error_t *err = NULL;
    const char *user = NULL;

    if (tsr_weblogin_collect(&user, fx_pool, s, id, secret, now, &err)
        == APR_SUCCESS) {
        if (puser) {
            *puser = user;
        }
        return user ? 200 : 202;
    }
    ck_assert_ptr_null(user);
    ck_assert_ptr_nonnull(err);
    return err->http_status;
}

START_TEST(start_makes_id_and_secret)
{
    tsr_store_t *s = fx_store(fx_pool);
    apr_time_t now = apr_time_now();
    const char *secret, *secret2, *rec;
    tsr_weblogin_t *w = start(s, 1, "192.0.2.7", now, &secret), *w2, *got;
    unsigned char hash[32];
    apr_size_t len;
    tsr_error_t *err = NULL;

    /* 128 random bits for the page, 256 for the secret, base64url */
    ck_assert_int_eq((int)strlen(w->id), 22);
    ck_assert_int_eq((int)strlen(secret), 43);
    ck_assert(tsr_weblogin_id_valid(w->id, 0));
    ck_assert(tsr_weblogin_id_valid(secret, 1));
    ck_assert(strstr(secret, w->id) == NULL);
    w2 = start(s, 0, "192.0.2.7", now, &secret2);
    ck_assert_str_ne(w->id, w2->id);
    ck_assert_str_ne(secret, secret2);

    ck_assert_int_eq(tsr_weblogin_get(&got, fx_pool, s, w->id, now, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(got->id, w->id);
    ck_assert_int_eq(got->state, TSR_WEBLOGIN_PENDING);
    ck_assert_int_eq(got->create, 1);
    ck_assert_str_eq(got->from, "192.0.2.7");
    ck_assert(got->created == now);
    ck_assert(got->expires == now + lim.ttl);
    ck_assert_ptr_null(got->user);
    /* the store holds the secret's digest, never the secret */
    tsr_integrity_sha256(hash, secret, strlen(secret));
    ck_assert_int_eq(memcmp(got->secret_hash, hash, 32), 0);
    ck_assert_int_eq(tsr_store_login_get(s, fx_pool, w->id, &rec, &len),
                     APR_SUCCESS);
    ck_assert_ptr_null(strstr(apr_pstrmemdup(fx_pool, rec, len), secret));
    ck_assert_contains(apr_pstrmemdup(fx_pool, rec, len),
                       tsr_integrity_hex(fx_pool, hash, 32));
}
END_TEST

START_TEST(pending_signed_in_collected_once)
{
    tsr_store_t *s = fx_store(fx_pool);
    apr_time_t now = apr_time_now();
    const char *secret, *user = NULL, *other;
    tsr_weblogin_t *w = start(s, 0, "192.0.2.7", now, &secret), *seen;
    tsr_error_t *err = NULL;

    start(s, 0, "192.0.2.7", now, &other);
    /* pending: the client waits, and may ask again */
    ck_assert_int_eq(collect_status(s, w->id, secret, now, NULL), 202);
    ck_assert_int_eq(collect_status(s, w->id, secret, now, NULL), 202);
    /* the page's id alone, or another sign-in's secret, collects nothing */
    ck_assert_int_eq(collect_status(s, w->id, other, now, NULL), 404);
    ck_assert_int_eq(collect_status(s, w->id, "", now, NULL), 404);
    ck_assert_int_eq(collect_status(s, w->id, w->id, now, NULL), 404);

    ck_assert_int_eq(sign_in_status(s, w->id, "alice", now), 200);
    ck_assert_int_eq(tsr_weblogin_get(&seen, fx_pool, s, w->id, now, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(seen->state, TSR_WEBLOGIN_SIGNED_IN);
    ck_assert_str_eq(seen->user, "alice");
    /* the first to sign in decides */
    ck_assert_int_eq(sign_in_status(s, w->id, "mallory", now), 409);
    /* a look without collecting */
    ck_assert_int_eq(tsr_weblogin_poll(&seen, fx_pool, s, w->id, secret, now,
                                       &err), APR_SUCCESS);
    ck_assert_str_eq(seen->user, "alice");
    ck_assert_int_eq(collect_status(s, w->id, other, now, NULL), 404);

    ck_assert_int_eq(collect_status(s, w->id, secret, now, &user), 200);
    ck_assert_str_eq(user, "alice");
    /* once only: then it is gone, for the page too */
    ck_assert_int_eq(collect_status(s, w->id, secret, now, NULL), 404);
    ck_assert_int_eq(get_status(s, w->id, now), 404);
    ck_assert_int_eq(sign_in_status(s, w->id, "alice", now), 404);
}
END_TEST

START_TEST(expiry)
{
    tsr_store_t *s = fx_store(fx_pool);
    apr_time_t now = apr_time_now();
    apr_time_t after = now + lim.ttl;
    const char *secret, *secret2;
    tsr_weblogin_t *w = start(s, 0, "192.0.2.7", now, &secret);
    tsr_weblogin_t *w2 = start(s, 0, "192.0.2.7", now, &secret2);

    ck_assert_int_eq(get_status(s, w->id, after - 1), 200);
    ck_assert_int_eq(get_status(s, w->id, after), 404);
    ck_assert_int_eq(sign_in_status(s, w->id, "alice", after), 404);
    ck_assert_int_eq(collect_status(s, w->id, secret, after, NULL), 404);
    /* signed in in time, collected too late */
    ck_assert_int_eq(sign_in_status(s, w2->id, "alice", now), 200);
    ck_assert_int_eq(collect_status(s, w2->id, secret2, after, NULL), 404);
    ck_assert_int_eq(collect_status(s, w2->id, secret2, now, NULL), 200);
}
END_TEST

START_TEST(bounds)
{
    tsr_store_t *s = fx_store(fx_pool);
    tsr_weblogin_limits_t small = { 600 * APR_USEC_PER_SEC, 2, 10000 };
    apr_time_t now = apr_time_now();
    tsr_weblogin_t *w;
    const char *secret;
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_weblogin_start(&w, &secret, fx_pool, s, 0,
                                        "2001:db8:1:2::5", now, &small,
                                        &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_weblogin_start(&w, &secret, fx_pool, s, 0,
                                        "2001:db8:1:2::6", now, &small,
                                        &err), APR_SUCCESS);
    /* the same /64: the same count */
    ck_assert_int_eq(tsr_weblogin_start(&w, &secret, fx_pool, s, 0,
                                        "2001:db8:1:2:ffff::1", now, &small,
                                        &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 429);
    err = NULL;
    ck_assert_int_eq(tsr_weblogin_start(&w, &secret, fx_pool, s, 0,
                                        "2001:db8:1:3::5", now, &small,
                                        &err), APR_SUCCESS);
}
END_TEST

START_TEST(owner_keys)
{
    ck_assert_str_eq(tsr_weblogin_owner(fx_pool, "192.0.2.1"), "192.0.2.1");
    ck_assert_str_eq(tsr_weblogin_owner(fx_pool, "::ffff:192.0.2.1"),
                     "192.0.2.1");
    ck_assert_str_eq(tsr_weblogin_owner(fx_pool, "2001:db8:1:2::5"),
                     tsr_weblogin_owner(fx_pool, "2001:db8:1:2:a:b:c:d"));
    ck_assert_str_ne(tsr_weblogin_owner(fx_pool, "2001:db8:1:2::5"),
                     tsr_weblogin_owner(fx_pool, "2001:db8:1:3::5"));
    ck_assert_str_eq(tsr_weblogin_owner(fx_pool, "2001:db8:1:2::5"),
                     "20010db800010002::/64");
    ck_assert_str_eq(tsr_weblogin_owner(fx_pool, NULL), "");
    ck_assert_int_le((int)strlen(tsr_weblogin_owner(
                         fx_pool, apr_pstrcat(fx_pool, "x", "0123456789abcdef"
                                              "0123456789abcdef0123456789abcd"
                                              "ef0123456789abcdef", NULL))),
                     TSR_WEBLOGIN_OWNER_MAX);
}
END_TEST

START_TEST(id_shapes)
{
    tsr_store_t *s = fx_store(fx_pool);
    apr_time_t now = apr_time_now();

    ck_assert(!tsr_weblogin_id_valid(NULL, 0));
    ck_assert(!tsr_weblogin_id_valid("", 0));
    ck_assert(!tsr_weblogin_id_valid("abcdefghijklmnopqrstu", 0));
    ck_assert(tsr_weblogin_id_valid("abcdefghijklmnopqrstuv", 0));
    ck_assert(!tsr_weblogin_id_valid("abcdefghijklmnopqrstuv", 1));
    ck_assert(!tsr_weblogin_id_valid("abcdefghijklmnopqrst/v", 0));
    ck_assert(!tsr_weblogin_id_valid("abcdefghijklmnopqrst=v", 0));
    ck_assert(!tsr_weblogin_id_valid("abcdefghijklmnopqrstuvw", 0));
    /* unknown or malformed: the same 404 */
    ck_assert_int_eq(get_status(s, "abcdefghijklmnopqrstuv", now), 404);
    ck_assert_int_eq(get_status(s, "../../etc", now), 404);
    ck_assert_int_eq(sign_in_status(s, "nope", "alice", now), 404);
}
END_TEST

START_TEST(record_round_trip)
{
    tsr_weblogin_t w, *back;
    tsr_error_t *err = NULL;
    const char *rec;
    apr_size_t len;

    memset(&w, 0, sizeof(w));
    w.id = "abcdefghijklmnopqrstuv";
    w.state = TSR_WEBLOGIN_SIGNED_IN;
    w.create = 1;
    w.from = "192.0.2.9";
    w.created = 1234567;
    w.expires = 7654321;
    w.user = "bob";
    memset(w.secret_hash, 0xab, 32);
    rec = tsr_weblogin_encode(fx_pool, &w, &len);
    ck_assert_int_eq(tsr_weblogin_decode(&back, fx_pool, w.id, rec, len,
                                         &err), APR_SUCCESS);
    ck_assert_str_eq(back->id, w.id);
    ck_assert_int_eq(back->state, TSR_WEBLOGIN_SIGNED_IN);
    ck_assert_int_eq(back->create, 1);
    ck_assert_str_eq(back->from, "192.0.2.9");
    ck_assert(back->created == 1234567);
    ck_assert(back->expires == 7654321);
    ck_assert_str_eq(back->user, "bob");
    ck_assert_int_eq(memcmp(back->secret_hash, w.secret_hash, 32), 0);

    ck_assert_int_eq(tsr_weblogin_decode(&back, fx_pool, w.id, "{}", 2,
                                         &err), TSR_EREFUSED);
    ck_assert_int_eq(tsr_weblogin_decode(&back, fx_pool, w.id, "nope", 4,
                                         &err), TSR_EREFUSED);
    rec = "{\"v\":2,\"state\":\"pending\",\"secret\":\"00\"}";
    ck_assert_int_eq(tsr_weblogin_decode(&back, fx_pool, w.id, rec,
                                         strlen(rec), &err), TSR_EREFUSED);
    /* signed in, but by nobody */
    w.user = NULL;
    rec = tsr_weblogin_encode(fx_pool, &w, &len);
    ck_assert_int_eq(tsr_weblogin_decode(&back, fx_pool, w.id, rec, len,
                                         &err), TSR_EREFUSED);
}
END_TEST

START_TEST(form_credentials)
{
    tsr_auth_creds_t c;
    tsr_error_t *err = NULL;
    char big[TSR_PASSWORD_MAX + 1];

    ck_assert_int_eq(tsr_weblogin_creds(&c, fx_pool, "alice", 5, "pw", 2,
                                        NULL, 0, &err), APR_SUCCESS);
    ck_assert_str_eq(c.user, "alice");
    ck_assert_str_eq(c.password, "pw");
    ck_assert_ptr_null(c.email);
    ck_assert_int_eq(tsr_weblogin_creds(&c, fx_pool, "alice", 5, "pw", 2,
                                        "a@example.org", 13, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(c.email, "a@example.org");
    /* an empty email is none */
    ck_assert_int_eq(tsr_weblogin_creds(&c, fx_pool, "alice", 5, "pw", 2,
                                        "", 0, &err), APR_SUCCESS);
    ck_assert_ptr_null(c.email);

    ck_assert_int_eq(tsr_weblogin_creds(&c, fx_pool, NULL, 0, "pw", 2, NULL,
                                        0, &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 400);
    ck_assert_int_eq(tsr_weblogin_creds(&c, fx_pool, "Alice", 5, "pw", 2,
                                        NULL, 0, &err), TSR_EREFUSED);
    ck_assert_int_eq(tsr_weblogin_creds(&c, fx_pool, "al\0ce", 5, "pw", 2,
                                        NULL, 0, &err), TSR_EREFUSED);
    ck_assert_int_eq(tsr_weblogin_creds(&c, fx_pool, "alice", 5, "", 0, NULL,
                                        0, &err), TSR_EREFUSED);
    /* a NUL byte makes no password "p" */
    ck_assert_int_eq(tsr_weblogin_creds(&c, fx_pool, "alice", 5, "p\0w", 3,
                                        NULL, 0, &err), TSR_EREFUSED);
    memset(big, 'x', sizeof(big));
    ck_assert_int_eq(tsr_weblogin_creds(&c, fx_pool, "alice", 5, big,
                                        TSR_PASSWORD_MAX, NULL, 0, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_weblogin_creds(&c, fx_pool, "alice", 5, big,
                                        TSR_PASSWORD_MAX + 1, NULL, 0, &err),
                     TSR_EREFUSED);
    ck_assert_int_eq(tsr_weblogin_creds(&c, fx_pool, "alice", 5, "pw", 2,
                                        big, 255, &err), TSR_EREFUSED);
}
END_TEST

/* ---- the page ---- */

START_TEST(escaping)
{
    ck_assert_str_eq(tsr_html_escape(fx_pool, "<a href=\"x\">'&'</a>"),
                     "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    ck_assert_str_eq(tsr_html_escape(fx_pool, "plain"), "plain");
    ck_assert_str_eq(tsr_html_escape(fx_pool, NULL), "");
}
END_TEST

START_TEST(form_page)
{
    tsr_loginpage_t pg;
    const char *html;
    apr_size_t len;

    memset(&pg, 0, sizeof(pg));
    pg.user = "\"><script>alert(1)</script>";
    pg.error = "Bad <b>thing</b>";
    pg.from = "192.0.2.1<i>";
    pg.started = apr_time_from_sec(86400);
    html = tsr_loginpage_form(fx_pool, &pg, &len);
    ck_assert_int_eq((int)len, (int)strlen(html));
    /* nothing a client sent comes out as markup */
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "<b>"));
    ck_assert_ptr_null(strstr(html, "<i>"));
    ck_assert_contains(html, "value=\"&quot;&gt;&lt;script&gt;");
    ck_assert_contains(html, "Bad &lt;b&gt;thing&lt;/b&gt;");
    ck_assert_contains(html, "192.0.2.1&lt;i&gt;");
    ck_assert_contains(html, "Fri, 02 Jan 1970 00:00:00 GMT");
    /* a labelled field for each input, the error read out */
    ck_assert_contains(html, "<html lang=\"en\">");
    ck_assert_contains(html, "<label for=\"user\">");
    ck_assert_contains(html, "<input id=\"user\" name=\"user\"");
    ck_assert_contains(html, "<label for=\"password\">");
    ck_assert_contains(html, "name=\"password\" type=\"password\"");
    ck_assert_contains(html, "role=\"alert\"");
    ck_assert_contains(html, "aria-describedby=\"error\"");
    ck_assert_contains(html, "<form method=\"post\">");
    ck_assert_contains(html, "npm login");
    ck_assert_ptr_null(strstr(html, "name=\"email\""));
    /* no script of any kind, nothing from elsewhere */
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "javascript:"));
    ck_assert_ptr_null(strstr(html, "onclick"));
    ck_assert_ptr_null(strstr(html, "http"));

    /* adduser where new users may sign up: an email field */
    memset(&pg, 0, sizeof(pg));
    pg.create = 1;
    pg.signup = 1;
    html = tsr_loginpage_form(fx_pool, &pg, &len);
    ck_assert_contains(html, "Create your account");
    ck_assert_contains(html, "name=\"email\" type=\"email\"");
    ck_assert_contains(html, "npm adduser");
    ck_assert_ptr_null(strstr(html, "role=\"alert\""));
    /* where they may not: said so, and no email asked */
    pg.signup = 0;
    html = tsr_loginpage_form(fx_pool, &pg, &len);
    ck_assert_contains(html, "does not let new users sign up");
    ck_assert_ptr_null(strstr(html, "name=\"email\""));
}
END_TEST

/* The policy allows the page's own style, by the digest of exactly the
 * text between its <style> tags, and nothing else. */
START_TEST(csp_matches_style)
{
    const char *html, *open, *close, *csp;
    unsigned char md[32];
    apr_size_t len;

    html = tsr_loginpage_note(fx_pool, "T", "x", &len);
    open = strstr(html, "<style>");
    close = strstr(html, "</style>");
    ck_assert_ptr_nonnull(open);
    ck_assert_ptr_nonnull(close);
    open += strlen("<style>");
    tsr_integrity_sha256(md, open, (apr_size_t)(close - open));
    csp = tsr_loginpage_csp(fx_pool);
    ck_assert_contains(csp, apr_pstrcat(fx_pool, "style-src 'sha256-",
                                        fx_base64(fx_pool, md, 32), "'",
                                        NULL));
    ck_assert_contains(csp, "default-src 'none'");
    ck_assert_contains(csp, "form-action 'self'");
    ck_assert_contains(csp, "frame-ancestors 'none'");
    ck_assert_ptr_null(strstr(csp, "script-src"));
    ck_assert_ptr_null(strstr(csp, "unsafe"));
}
END_TEST

START_TEST(note_page)
{
    apr_size_t len;
    const char *html = tsr_loginpage_note(fx_pool, "Signed <in>",
                                          "as \"bob\" & co", &len);

    ck_assert_contains(html, "<title>Signed &lt;in&gt;</title>");
    ck_assert_contains(html, "<h1>Signed &lt;in&gt;</h1>");
    ck_assert_contains(html, "<p>as &quot;bob&quot; &amp; co</p>");
}
END_TEST

Suite *make_weblogin_suite(void)
{
    Suite *s = suite_create("weblogin");
    TCase *tc = fx_tcase("states");

    tcase_add_test(tc, start_makes_id_and_secret);
    tcase_add_test(tc, pending_signed_in_collected_once);
    tcase_add_test(tc, expiry);
    tcase_add_test(tc, bounds);
    tcase_add_test(tc, owner_keys);
    tcase_add_test(tc, id_shapes);
    tcase_add_test(tc, record_round_trip);
    tcase_add_test(tc, form_credentials);
    suite_add_tcase(s, tc);

    tc = fx_tcase("page");
    tcase_add_test(tc, escaping);
    tcase_add_test(tc, form_page);
    tcase_add_test(tc, csp_matches_style);
    tcase_add_test(tc, note_page);
    suite_add_tcase(s, tc);
    return s;
}
