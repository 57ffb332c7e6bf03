/* check_audit: the audit bodies npm, Yarn and Bun (bulk) and pnpm (the
 * legacy tree) send, what is refused in them, and the answers without
 * advisories: {} and the legacy report with the tree's counts. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_audit.h"
#include "tsr_json.h"

#define refused(rv, err, status, needle)                                    \
    do {                                                                    \
        ck_assert_refusal((rv), (err), (status));                           \
        ck_assert_contains((err)->message, (needle));                       \
    } while (0)

static const char *json_text(json_object *o)
{
    apr_size_t len;

    return tsr_json_serialize(fx_pool, o, &len);
}

START_TEST(bulk_answers_no_advisories)
{
    json_object *res;
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_audit_bulk(&res, fx_pool, fx_json(fx_pool,
        "{\"demo-pkg\":[\"1.1.0\"],\"@alice/scoped-pkg\":[\"0.1.0\","
        "\"0.2.0\"]}"), &err), APR_SUCCESS);
    ck_assert_str_eq(json_text(res), "{}");
    /* npm never sends an empty map; it is no error either. */
    ck_assert_int_eq(tsr_audit_bulk(&res, fx_pool, fx_json(fx_pool, "{}"),
                                    &err), APR_SUCCESS);
    ck_assert_str_eq(json_text(res), "{}");
}
END_TEST

START_TEST(bulk_refusals)
{
    json_object *res;
    tsr_error_t *err = NULL;

    refused(tsr_audit_bulk(&res, fx_pool, fx_json(fx_pool, "[\"a\"]"),
                           &err), err, 400, "must be an object");
    ck_assert_ptr_null(res);
    refused(tsr_audit_bulk(&res, fx_pool, fx_json(fx_pool,
                                                  "{\"a\":\"1.0.0\"}"),
                           &err), err, 400,
            "entry for a must be an array of versions");
    refused(tsr_audit_bulk(&res, fx_pool, fx_json(fx_pool,
                                                  "{\"a\":[\"1.0.0\",2]}"),
                           &err), err, 400,
            "versions of a must be strings");
    refused(tsr_audit_bulk(&res, fx_pool, fx_json(fx_pool,
                                                  "{\"a\":[\"1\\u0000\"]}"),
                           &err), err, 400,
            "versions of a must be strings");
    refused(tsr_audit_bulk(&res, fx_pool, fx_json(fx_pool, "{\"\":[]}"),
                           &err), err, 400, "empty name");
}
END_TEST

/* The body pnpm 10 sends (other-clients.md 1.7): projects at the top, then
 * the tree.  b@1.0.0 is in it twice, once as a dependency of a, and c is
 * a dev dependency only. */
static const char *pnpm_body =
    "{\"dependencies\":{\".\":{\"dependencies\":{"
    "\"a\":{\"dev\":false,\"integrity\":\"sha512-x\",\"version\":\"1.0.0\","
    "\"dependencies\":{\"b\":{\"dev\":false,\"version\":\"1.0.0\"}},"
    "\"requires\":{\"b\":\"1.0.0\"}},"
    "\"c\":{\"dev\":true,\"version\":\"2.0.0\"}},"
    "\"dev\":false,\"requires\":{\"a\":\"1.0.0\",\"c\":\"2.0.0\"},"
    "\"version\":\"1.0.0\"},"
    "\"packages__web\":{\"dependencies\":{"
    "\"b\":{\"dev\":false,\"version\":\"1.0.0\"}},\"version\":\"0.0.0\"}},"
    "\"dev\":false,\"install\":[],\"metadata\":{},\"remove\":[],"
    "\"requires\":{\".\":\"1.0.0\",\"packages__web\":\"0.0.0\"}}";

START_TEST(quick_report)
{
    json_object *res, *meta, *v;
    tsr_audit_counts_t c;
    tsr_error_t *err = NULL;
    const char *sev[] = { "info", "low", "moderate", "high", "critical" };
    int i;

    ck_assert_int_eq(tsr_audit_quick(&res, fx_pool,
                                     fx_json(fx_pool, pnpm_body), &c, &err),
                     APR_SUCCESS);
    /* a and b required (b once, though listed twice), c dev only; the
     * projects "." and "packages__web" are not packages. */
    ck_assert_int_eq((int)c.dependencies, 2);
    ck_assert_int_eq((int)c.dev, 1);
    ck_assert_int_eq((int)c.optional, 0);
    ck_assert(json_object_object_get_ex(res, "actions", &v));
    ck_assert_str_eq(json_text(v), "[]");
    ck_assert(json_object_object_get_ex(res, "advisories", &v));
    ck_assert_str_eq(json_text(v), "{}");
    ck_assert(json_object_object_get_ex(res, "muted", &v));
    ck_assert_str_eq(json_text(v), "[]");
    meta = tsr_json_obj(res, "metadata");
    ck_assert_ptr_nonnull(meta);
    v = tsr_json_obj(meta, "vulnerabilities");
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(json_object_object_length(v), 5);
    for (i = 0; i < 5; i++) {
        json_object *n;

        ck_assert(json_object_object_get_ex(v, sev[i], &n));
        ck_assert(json_object_is_type(n, json_type_int));
        ck_assert_int_eq(json_object_get_int(n), 0);
    }
    ck_assert_int_eq(json_object_get_int(json_object_object_get(
                         meta, "dependencies")), 2);
    ck_assert_int_eq(json_object_get_int(json_object_object_get(
                         meta, "devDependencies")), 1);
    ck_assert_int_eq(json_object_get_int(json_object_object_get(
                         meta, "optionalDependencies")), 0);
    ck_assert_int_eq(json_object_get_int(json_object_object_get(
                         meta, "totalDependencies")), 3);
}
END_TEST

/* npm 6's body: a named root, whose dependencies are packages. */
START_TEST(quick_named_root)
{
    json_object *res;
    tsr_audit_counts_t c;
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_audit_quick(&res, fx_pool, fx_json(fx_pool,
        "{\"name\":\"app\",\"version\":\"1.0.0\",\"dependencies\":{"
        "\"a\":{\"version\":\"1.0.0\"},"
        "\"o\":{\"version\":\"1.0.0\",\"optional\":true},"
        "\"d\":{\"version\":\"3.0.0\",\"dev\":true,\"dependencies\":{"
        "\"a\":{\"version\":\"2.0.0\",\"dev\":true}}}}}"), &c, &err),
        APR_SUCCESS);
    ck_assert_int_eq((int)c.dependencies, 1);
    ck_assert_int_eq((int)c.optional, 1);
    ck_assert_int_eq((int)c.dev, 2);
    /* No tree at all: nothing to count. */
    ck_assert_int_eq(tsr_audit_quick(&res, fx_pool, fx_json(fx_pool, "{}"),
                                     &c, &err), APR_SUCCESS);
    ck_assert_int_eq((int)(c.dependencies + c.dev + c.optional), 0);
}
END_TEST

START_TEST(quick_refusals)
{
    json_object *res;
    tsr_error_t *err = NULL;

    refused(tsr_audit_quick(&res, fx_pool, fx_json(fx_pool, "[]"), NULL,
                            &err), err, 400, "must be an object");
    refused(tsr_audit_quick(&res, fx_pool, fx_json(fx_pool,
                                                   "{\"dependencies\":[]}"),
                            NULL, &err), err, 400,
            "dependencies must be an object");
    refused(tsr_audit_quick(&res, fx_pool, fx_json(fx_pool,
        "{\"dependencies\":{\".\":{\"dependencies\":{\"a\":{\"dependencies\""
        ":{\"b\":7}}}}}}"), NULL, &err), err, 400,
        "dependency . > a > b must be an object");
    refused(tsr_audit_quick(&res, fx_pool, fx_json(fx_pool,
        "{\"name\":\"app\",\"dependencies\":{\"a\":{\"version\":1}}}"), NULL,
        &err), err, 400, "dependency a has a version that is not a string");
    refused(tsr_audit_quick(&res, fx_pool, fx_json(fx_pool,
        "{\"name\":\"app\",\"dependencies\":{\"a\":{\"dev\":\"no\"}}}"),
        NULL, &err), err, 400, "not true or false");
    refused(tsr_audit_quick(&res, fx_pool, fx_json(fx_pool,
        "{\"dependencies\":{\".\":{\"dependencies\":\"x\"}}}"), NULL, &err),
        err, 400, "dependency . has dependencies that are not an object");
    ck_assert_ptr_null(res);
}
END_TEST

Suite *make_audit_suite(void)
{
    Suite *s = suite_create("audit");
    TCase *tc = fx_tcase("bulk");

    tcase_add_test(tc, bulk_answers_no_advisories);
    tcase_add_test(tc, bulk_refusals);
    suite_add_tcase(s, tc);

    tc = fx_tcase("quick");
    tcase_add_test(tc, quick_report);
    tcase_add_test(tc, quick_named_root);
    tcase_add_test(tc, quick_refusals);
    suite_add_tcase(s, tc);
    return s;
}
