/* check_name: package names, user names, dist-tags and the tarball file
 * names derived from package names. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_name.h"

static char *repeat(apr_pool_t *p, char c, apr_size_t n)
{
    char *s = apr_palloc(p, n + 1);

    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static const char *const good_names[] = {
    "a", "express", "lodash.merge", "my-pkg_2", "0x", "a-", "@scope/pkg",
    "@my-org/my.pkg", "@s/http", "@s/node_modules-x", "http-server",
    "fs-extra", NULL
};

START_TEST(name_valid)
{
    const char *name = good_names[_i];
    tsr_error_t *err = NULL;

    ck_assert_msg(tsr_name_check(fx_pool, name, &err) == APR_SUCCESS,
                  "\"%s\" refused: %s", name, err ? err->message : "");
    ck_assert_ptr_null(err);
    ck_assert_int_eq(tsr_name_is_valid(name), 1);
}
END_TEST

static const char *const bad_names[] = {
    "", "Express", "exPress", ".hidden", "_private", "my pkg", " a", "a\tb",
    "a~b", "a'b", "a!b", "a(b", "a)b", "a*b", "..", ".", "a\\b",
    "node_modules", "favicon.ico", "http", "fs", "child_process", "-",
    "@/x", "@s/", "@s/a/b", "@", "@s", "@S/a", "@s/A", "@.s/a", "@_s/a",
    "@s/.a", "@s/_a", "@s/a b", "a/b", "a%2fb", "a:b", "a@b", "a?b",
    "a#b", "caf\xc3\xa9", "a\nb", NULL
};

START_TEST(name_invalid)
{
    const char *name = bad_names[_i];
    tsr_error_t *err = NULL;

    ck_assert_msg(tsr_name_check(fx_pool, name, &err) == TSR_EREFUSED,
                  "\"%s\" accepted", name);
    ck_assert_refusal(TSR_EREFUSED, err, 400);
    ck_assert_str_eq(err->code, "invalid_package_name");
    ck_assert_contains(err->message, "invalid package name");
    ck_assert_int_eq(tsr_name_is_valid(name), 0);
}
END_TEST

START_TEST(name_null)
{
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_name_check(fx_pool, NULL, &err), TSR_EREFUSED);
    ck_assert_int_eq(tsr_name_is_valid(NULL), 0);
    /* without a record only the status comes back */
    ck_assert_int_eq(tsr_name_check(fx_pool, "Bad", NULL), TSR_EREFUSED);
}
END_TEST

START_TEST(name_length_limit)
{
    tsr_error_t *err = NULL;
    char *max = repeat(fx_pool, 'a', TSR_NAME_MAX);
    char *over = repeat(fx_pool, 'a', TSR_NAME_MAX + 1);
    /* the bound counts the scope too */
    char *scoped = apr_pstrcat(fx_pool, "@s/",
                               repeat(fx_pool, 'b', TSR_NAME_MAX - 3), NULL);
    char *scoped_over = apr_pstrcat(fx_pool, scoped, "b", NULL);

    ck_assert_int_eq(TSR_NAME_MAX, 214);
    ck_assert_int_eq(tsr_name_check(fx_pool, max, &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_name_check(fx_pool, scoped, &err), APR_SUCCESS);
    ck_assert_refusal(tsr_name_check(fx_pool, over, &err), err, 400);
    ck_assert_contains(err->message, "214");
    err = NULL;
    ck_assert_refusal(tsr_name_check(fx_pool, scoped_over, &err), err, 400);
}
END_TEST

START_TEST(name_messages)
{
    tsr_error_t *err = NULL;

    tsr_name_check(fx_pool, "Abc", &err);
    ck_assert_contains(err->message, "capital");
    tsr_name_check(fx_pool, ".abc", &err);
    ck_assert_contains(err->message, "period");
    tsr_name_check(fx_pool, "a b", &err);
    ck_assert_contains(err->message, "spaces");
    tsr_name_check(fx_pool, "a!b", &err);
    ck_assert_contains(err->message, "~'!()*");
    tsr_name_check(fx_pool, "http", &err);
    ck_assert_contains(err->message, "core module");
    tsr_name_check(fx_pool, "node_modules", &err);
    ck_assert_contains(err->message, "reserved");
    tsr_name_check(fx_pool, "@s/a/b", &err);
    ck_assert_contains(err->message, "@scope/name");
    tsr_name_check(fx_pool, "", &err);
    ck_assert_contains(err->message, "empty");
}
END_TEST

START_TEST(name_files)
{
    ck_assert_str_eq(tsr_name_unscoped("pkg"), "pkg");
    ck_assert_str_eq(tsr_name_unscoped("@scope/pkg"), "pkg");
    ck_assert_str_eq(tsr_name_tarball_file(fx_pool, "pkg", "1.0.0"),
                     "pkg-1.0.0.tgz");
    ck_assert_str_eq(tsr_name_tarball_file(fx_pool, "@scope/pkg",
                                           "1.0.0-rc.1"),
                     "pkg-1.0.0-rc.1.tgz");
    ck_assert_str_eq(tsr_name_tarball_path(fx_pool, "pkg", "1.2.3"),
                     "pkg/-/pkg-1.2.3.tgz");
    ck_assert_str_eq(tsr_name_tarball_path(fx_pool, "@scope/pkg", "1.2.3"),
                     "@scope/pkg/-/pkg-1.2.3.tgz");
}
END_TEST

static const char *const good_users[] = {
    "alice", "bob.smith", "0day", "a_b-c", "a", "x.", NULL
};

START_TEST(user_valid)
{
    tsr_error_t *err = NULL;

    ck_assert_msg(tsr_name_check_user(fx_pool, good_users[_i], &err)
                      == APR_SUCCESS, "\"%s\" refused", good_users[_i]);
}
END_TEST

static const char *const bad_users[] = {
    "", "Alice", "aliCe", "-bob", ".bob", "_bob", "bo b", "bob@example.com",
    "bob/x", "bob:x", "b\xc3\xb6" "b", NULL
};

START_TEST(user_invalid)
{
    tsr_error_t *err = NULL;

    ck_assert_msg(tsr_name_check_user(fx_pool, bad_users[_i], &err)
                      == TSR_EREFUSED, "\"%s\" accepted", bad_users[_i]);
    ck_assert_refusal(TSR_EREFUSED, err, 400);
    ck_assert_str_eq(err->code, "invalid_user_name");
}
END_TEST

START_TEST(user_length_limit)
{
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_name_check_user(fx_pool,
                                         repeat(fx_pool, 'u', TSR_USER_MAX),
                                         &err), APR_SUCCESS);
    ck_assert_refusal(tsr_name_check_user(fx_pool,
                                          repeat(fx_pool, 'u',
                                                 TSR_USER_MAX + 1), &err),
                      err, 400);
    err = NULL;
    ck_assert_refusal(tsr_name_check_user(fx_pool, NULL, &err), err, 400);
}
END_TEST

static const char *const good_tags[] = {
    "latest", "next", "beta-2", "Canary", "v", "vnext", "release_1.x",
    "rc", "V", "legacy.v2", NULL
};

START_TEST(tag_valid)
{
    tsr_error_t *err = NULL;

    ck_assert_msg(tsr_name_check_tag(fx_pool, good_tags[_i], &err)
                      == APR_SUCCESS, "\"%s\" refused", good_tags[_i]);
}
END_TEST

static const char *const bad_tags[] = {
    "", "1.0.0", "1", "0", "v2", "V2", "v1.0.0", "1.x", "a b", "a/b",
    "^1", "~1", ">=1", "a:b", "a@b", NULL
};

START_TEST(tag_invalid)
{
    tsr_error_t *err = NULL;

    ck_assert_msg(tsr_name_check_tag(fx_pool, bad_tags[_i], &err)
                      == TSR_EREFUSED, "\"%s\" accepted", bad_tags[_i]);
    ck_assert_refusal(TSR_EREFUSED, err, 400);
    ck_assert_str_eq(err->code, "invalid_tag");
}
END_TEST

START_TEST(tag_version_message)
{
    tsr_error_t *err = NULL;

    tsr_name_check_tag(fx_pool, "v2", &err);
    ck_assert_contains(err->message, "version");
}
END_TEST

START_TEST(tag_length_limit)
{
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_name_check_tag(fx_pool,
                                        repeat(fx_pool, 't', TSR_TAG_MAX),
                                        &err), APR_SUCCESS);
    ck_assert_refusal(tsr_name_check_tag(fx_pool,
                                         repeat(fx_pool, 't',
                                                TSR_TAG_MAX + 1), &err),
                      err, 400);
    err = NULL;
    ck_assert_refusal(tsr_name_check_tag(fx_pool, NULL, &err), err, 400);
}
END_TEST

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

Suite *make_name_suite(void)
{
    Suite *s = suite_create("name");
    TCase *tc = fx_tcase("package");

    tcase_add_loop_test(tc, name_valid, 0, COUNT(good_names));
    tcase_add_loop_test(tc, name_invalid, 0, COUNT(bad_names));
    tcase_add_test(tc, name_null);
    tcase_add_test(tc, name_length_limit);
    tcase_add_test(tc, name_messages);
    tcase_add_test(tc, name_files);
    suite_add_tcase(s, tc);

    tc = fx_tcase("user");
    tcase_add_loop_test(tc, user_valid, 0, COUNT(good_users));
    tcase_add_loop_test(tc, user_invalid, 0, COUNT(bad_users));
    tcase_add_test(tc, user_length_limit);
    suite_add_tcase(s, tc);

    tc = fx_tcase("tag");
    tcase_add_loop_test(tc, tag_valid, 0, COUNT(good_tags));
    tcase_add_loop_test(tc, tag_invalid, 0, COUNT(bad_tags));
    tcase_add_test(tc, tag_version_message);
    tcase_add_test(tc, tag_length_limit);
    suite_add_tcase(s, tc);
    return s;
}
