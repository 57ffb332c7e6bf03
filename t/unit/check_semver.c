/* check_semver: which versions the registry accepts and how they sort. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_semver.h"

static const char *const good[] = {
    "0.0.0", "1.0.0", "1.2.3", "10.20.30", "1.0.0-rc.1", "1.0.0+build.5",
    "0.0.0-alpha.0.beta", "1.0.0-0", "1.0.0-0a", "1.0.0-alpha-1",
    "1.0.0--", "1.0.0-rc.1+build.5", "1.0.0+001", "1.0.0+exp.sha.5114f85",
    "9007199254740991.9007199254740991.9007199254740991", NULL
};

START_TEST(valid)
{
    tsr_semver_t v;
    tsr_error_t *err = NULL;

    ck_assert_msg(tsr_semver_parse(&v, fx_pool, good[_i], &err)
                      == APR_SUCCESS, "\"%s\" refused", good[_i]);
    ck_assert_int_eq(tsr_semver_is_valid(good[_i]), 1);
}
END_TEST

static const char *const bad[] = {
    "", "v1.0.0", "V1.0.0", "=1.0.0", "01.0.0", "1.01.0", "1.0.01", "1.0",
    "1", "1.0.0.0", "1.0.0-", "1.0.0+", "1.0.0-01", "1.0.0-rc.01",
    "1.0.0-rc..1", "1.0.0-rc.", "1.0.0+b..5", " 1.0.0", "1.0.0 ", "1 .0.0",
    "1.0.0-r\xc3\xa9", "1.0.0-rc_1", "1.0.0+b_5", "-1.0.0", "1.-1.0",
    "a.b.c", "1.0.0-rc.1+", "1.0.0++b", "9007199254740992.0.0",
    "0.9007199254740992.0", "0.0.9007199254740992",
    "99999999999999999999.0.0", "^1.0.0", "1.x.0", NULL
};

START_TEST(invalid)
{
    tsr_semver_t v;
    tsr_error_t *err = NULL;

    ck_assert_msg(tsr_semver_parse(&v, fx_pool, bad[_i], &err)
                      == TSR_EREFUSED, "\"%s\" accepted", bad[_i]);
    ck_assert_refusal(TSR_EREFUSED, err, 400);
    ck_assert_str_eq(err->code, "invalid_version");
    ck_assert_int_eq(tsr_semver_is_valid(bad[_i]), 0);
}
END_TEST

START_TEST(null_refused)
{
    tsr_semver_t v;
    tsr_error_t *err = NULL;

    ck_assert_refusal(tsr_semver_parse(&v, fx_pool, NULL, &err), err, 400);
    ck_assert_int_eq(tsr_semver_is_valid(NULL), 0);
}
END_TEST

START_TEST(length_limit)
{
    /* "1.0.0-" and a prerelease filling the rest */
    char *s = apr_palloc(fx_pool, TSR_SEMVER_MAX + 2);
    tsr_semver_t v;
    tsr_error_t *err = NULL;

    ck_assert_int_eq(TSR_SEMVER_MAX, 256);
    memcpy(s, "1.0.0-", 6);
    memset(s + 6, 'a', TSR_SEMVER_MAX - 6);
    s[TSR_SEMVER_MAX] = '\0';
    ck_assert_int_eq(tsr_semver_parse(&v, fx_pool, s, &err), APR_SUCCESS);
    s[TSR_SEMVER_MAX] = 'a';
    s[TSR_SEMVER_MAX + 1] = '\0';
    ck_assert_refusal(tsr_semver_parse(&v, fx_pool, s, &err), err, 400);
    /* the message quotes a bounded prefix, not the whole string */
    ck_assert_int_lt((int)strlen(err->message), 200);
}
END_TEST

START_TEST(parts)
{
    tsr_semver_t v;
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_semver_parse(&v, fx_pool, "1.22.333-rc.1+b.5",
                                      &err), APR_SUCCESS);
    ck_assert_uint_eq(v.major, 1);
    ck_assert_uint_eq(v.minor, 22);
    ck_assert_uint_eq(v.patch, 333);
    ck_assert_str_eq(v.prerelease, "rc.1");
    ck_assert_str_eq(v.build, "b.5");

    ck_assert_int_eq(tsr_semver_parse(&v, fx_pool, "2.0.0", &err),
                     APR_SUCCESS);
    ck_assert_ptr_null(v.prerelease);
    ck_assert_ptr_null(v.build);

    ck_assert_int_eq(tsr_semver_parse(&v, fx_pool, "2.0.0+b-1", &err),
                     APR_SUCCESS);
    ck_assert_ptr_null(v.prerelease);
    ck_assert_str_eq(v.build, "b-1");

    ck_assert_int_eq(tsr_semver_parse(&v, fx_pool,
                                      "9007199254740991.0.0", &err),
                     APR_SUCCESS);
    ck_assert_uint_eq(v.major, 9007199254740991ULL);
}
END_TEST

/* SemVer 2.0.0 section 11, in increasing precedence. */
static const char *const chain[] = {
    "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
    "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1",
    "1.1.0", "1.10.0", "2.0.0", "10.0.0", NULL
};

START_TEST(precedence_chain)
{
    int i, j;

    for (i = 0; chain[i]; i++) {
        for (j = 0; chain[j]; j++) {
            int c = tsr_semver_cmp(chain[i], chain[j]);
            int want = i < j ? -1 : i > j ? 1 : 0;

            ck_assert_msg(c == want, "cmp(%s, %s) = %d, want %d", chain[i],
                          chain[j], c, want);
        }
    }
}
END_TEST

START_TEST(precedence_identifiers)
{
    /* numeric identifiers compare as numbers */
    ck_assert_int_eq(tsr_semver_cmp("1.0.0-2", "1.0.0-10"), -1);
    ck_assert_int_eq(tsr_semver_cmp("1.0.0-rc.9", "1.0.0-rc.10"), -1);
    ck_assert_int_eq(tsr_semver_cmp("1.0.0-rc.10", "1.0.0-rc.9"), 1);
    /* and lower than alphanumeric ones */
    ck_assert_int_eq(tsr_semver_cmp("1.0.0-999", "1.0.0-a"), -1);
    ck_assert_int_eq(tsr_semver_cmp("1.0.0-a", "1.0.0-999"), 1);
    ck_assert_int_eq(tsr_semver_cmp("1.0.0-1a", "1.0.0-2"), 1);
    /* alphanumeric ones compare in ASCII order */
    ck_assert_int_eq(tsr_semver_cmp("1.0.0-Beta", "1.0.0-alpha"), -1);
    ck_assert_int_eq(tsr_semver_cmp("1.0.0-alpha", "1.0.0-alphb"), -1);
    ck_assert_int_eq(tsr_semver_cmp("1.0.0-a-b", "1.0.0-a"), 1);
    /* a longer list wins when the common part is equal */
    ck_assert_int_eq(tsr_semver_cmp("1.0.0-a.b.c", "1.0.0-a.b"), 1);
    ck_assert_int_eq(tsr_semver_cmp("1.0.0-a.b", "1.0.0-a.b"), 0);
    ck_assert_int_eq(tsr_semver_cmp("1.0.0-0", "1.0.0"), -1);
    ck_assert_int_eq(tsr_semver_cmp("9007199254740991.0.0",
                                    "9007199254740990.0.0"), 1);
}
END_TEST

START_TEST(precedence_build_ignored)
{
    ck_assert_int_eq(tsr_semver_cmp("1.0.0+a", "1.0.0+b"), 0);
    ck_assert_int_eq(tsr_semver_cmp("1.0.0+a", "1.0.0"), 0);
    ck_assert_int_eq(tsr_semver_cmp("1.0.0-rc.1+z", "1.0.0-rc.1+a"), 0);
    ck_assert_int_eq(tsr_semver_cmp("1.0.0-rc.1+z", "1.0.0-rc.2+a"), -1);
    ck_assert_int_eq(tsr_semver_cmp("1.0.0+zzz", "1.0.1+aaa"), -1);
}
END_TEST

START_TEST(precedence_invalid)
{
    /* invalid strings sort first, among themselves by strcmp */
    ck_assert_int_eq(tsr_semver_cmp("v1.0.0", "0.0.0"), -1);
    ck_assert_int_eq(tsr_semver_cmp("0.0.0", "v1.0.0"), 1);
    ck_assert_int_eq(tsr_semver_cmp("abc", "abd"), -1);
    ck_assert_int_eq(tsr_semver_cmp("abd", "abc"), 1);
    ck_assert_int_eq(tsr_semver_cmp("x", "x"), 0);
    ck_assert_int_eq(tsr_semver_cmp(NULL, "1.0.0"), -1);
    ck_assert_int_eq(tsr_semver_cmp(NULL, NULL), 0);
}
END_TEST

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

Suite *make_semver_suite(void)
{
    Suite *s = suite_create("semver");
    TCase *tc = fx_tcase("parse");

    tcase_add_loop_test(tc, valid, 0, COUNT(good));
    tcase_add_loop_test(tc, invalid, 0, COUNT(bad));
    tcase_add_test(tc, null_refused);
    tcase_add_test(tc, length_limit);
    tcase_add_test(tc, parts);
    suite_add_tcase(s, tc);

    tc = fx_tcase("precedence");
    tcase_add_test(tc, precedence_chain);
    tcase_add_test(tc, precedence_identifiers);
    tcase_add_test(tc, precedence_build_ignored);
    tcase_add_test(tc, precedence_invalid);
    suite_add_tcase(s, tc);
    return s;
}
