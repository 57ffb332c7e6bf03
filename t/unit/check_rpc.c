/* check_rpc: the parameters of RPC requests: a query string decoded into
 * strings, a JSON body merged over it, and typed reads that take a
 * query's "true" and a body's true alike and refuse the wrong types. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_json.h"
#include "tsr_rpc.h"

static json_object *fresh(void)
{
    return tsr_json_own(fx_pool, json_object_new_object());
}

static json_object *parse(const char *text)
{
    json_object *o = NULL;
    tsr_error_t *err = NULL;

    ck_assert_int_eq(tsr_json_parse(&o, fx_pool, text, strlen(text), 8,
                                    &err), APR_SUCCESS);
    return o;
}

START_TEST(query_is_decoded)
{
    json_object *p = fresh();
    tsr_error_t *err = NULL;
    const char *s;

    ck_assert_int_eq(tsr_rpc_add_query(p, fx_pool,
                                       "a=1&name=alice%2Fled+x&a=2&flag&&"
                                       "%C3%A9=%E2%82%AC", &err),
                     APR_SUCCESS);
    ck_assert_str_eq(tsr_json_str(p, "a"), "2");
    ck_assert_str_eq(tsr_json_str(p, "name"), "alice/led x");
    ck_assert_str_eq(tsr_json_str(p, "flag"), "");
    ck_assert_str_eq(tsr_json_str(p, "\xc3\xa9"), "\xe2\x82\xac");
    ck_assert_int_eq(tsr_rpc_str(p, "missing", &s, fx_pool, &err),
                     APR_SUCCESS);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(tsr_rpc_add_query(p, fx_pool, NULL, &err),
                     APR_SUCCESS);
}
END_TEST

START_TEST(bad_queries_are_refused)
{
    static const char *const bad[] = {
        "a=%", "a=%4", "a=%zz", "a=%00", "%00=1", "a=%FF%FE", NULL
    };
    int i;

    for (i = 0; bad[i] != NULL; i++) {
        tsr_error_t *err = NULL;

        ck_assert_refusal(tsr_rpc_add_query(fresh(), fx_pool, bad[i], &err),
                          err, 400);
        ck_assert_str_eq(err->code, TSR_RPC_INVALID);
    }
}
END_TEST

START_TEST(body_wins_over_query)
{
    json_object *p = fresh();
    tsr_error_t *err = NULL;
    const char *s;
    int b;

    ck_assert_int_eq(tsr_rpc_add_query(p, fx_pool, "id=q&only=q&x=true",
                                       &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_rpc_add_body(p, parse("{\"id\":\"b\",\"n\":7}"),
                                      fx_pool, &err), APR_SUCCESS);
    ck_assert_str_eq(tsr_json_str(p, "id"), "b");
    ck_assert_str_eq(tsr_json_str(p, "only"), "q");
    ck_assert_int_eq(tsr_rpc_str(p, "n", &s, fx_pool, &err), APR_SUCCESS);
    ck_assert_str_eq(s, "7");
    ck_assert_int_eq(tsr_rpc_bool(p, "x", 0, &b, fx_pool, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(b, 1);
    ck_assert_refusal(tsr_rpc_add_body(p, parse("[1]"), fx_pool, &err),
                      err, 400);
    ck_assert_int_eq(tsr_rpc_add_body(p, NULL, fx_pool, &err), APR_SUCCESS);
}
END_TEST

START_TEST(typed_reads)
{
    json_object *p = parse("{\"t\":true,\"f\":\"false\",\"bad\":\"yes\","
                           "\"o\":{},\"n\":\"42\",\"big\":1e3,\"neg\":-1,"
                           "\"z\":null,\"s\":\"x\"}");
    tsr_error_t *err = NULL;
    apr_int64_t n;
    const char *s;
    int b;

    ck_assert_int_eq(tsr_rpc_bool(p, "t", 0, &b, fx_pool, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(b, 1);
    ck_assert_int_eq(tsr_rpc_bool(p, "f", 1, &b, fx_pool, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(b, 0);
    ck_assert_int_eq(tsr_rpc_bool(p, "z", 1, &b, fx_pool, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(b, 1);
    ck_assert_refusal(tsr_rpc_bool(p, "bad", 0, &b, fx_pool, &err), err,
                      400);
    ck_assert_contains(err->message, "bad");
    ck_assert_refusal(tsr_rpc_str(p, "o", &s, fx_pool, &err), err, 400);
    ck_assert_refusal(tsr_rpc_str(p, "t", &s, fx_pool, &err), err, 400);
    ck_assert_int_eq(tsr_rpc_need_str(p, "s", &s, fx_pool, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(s, "x");
    ck_assert_refusal(tsr_rpc_need_str(p, "z", &s, fx_pool, &err), err,
                      400);
    ck_assert_contains(err->message, "z is required");
    ck_assert_int_eq(tsr_rpc_int(p, "n", 5, 0, 100, &n, fx_pool, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(n, 42);
    ck_assert_int_eq(tsr_rpc_int(p, "absent", 5, 0, 100, &n, fx_pool,
                                 &err), APR_SUCCESS);
    ck_assert_int_eq(n, 5);
    ck_assert_refusal(tsr_rpc_int(p, "neg", 5, 0, 100, &n, fx_pool, &err),
                      err, 400);
    ck_assert_refusal(tsr_rpc_int(p, "big", 5, 0, 100, &n, fx_pool, &err),
                      err, 400);
    ck_assert_refusal(tsr_rpc_int(p, "s", 5, 0, 100, &n, fx_pool, &err),
                      err, 400);
}
END_TEST

Suite *make_rpc_suite(void)
{
    Suite *s = suite_create("rpc");
    TCase *tc = fx_tcase("params");

    tcase_add_test(tc, query_is_decoded);
    tcase_add_test(tc, bad_queries_are_refused);
    tcase_add_test(tc, body_wins_over_query);
    tcase_add_test(tc, typed_reads);
    suite_add_tcase(s, tc);
    return s;
}
