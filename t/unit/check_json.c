/* check_json: parsing client documents within limits, serialization and
 * the small accessors the core uses. */
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_json.h"

static apr_status_t parse(json_object **pobj, const char *text,
                          tsr_error_t **perr)
{
    *perr = NULL;
    return tsr_json_parse(pobj, fx_pool, text, strlen(text),
                          TSR_JSON_MAX_DEPTH, perr);
}

/* n nested arrays around 1 */
static const char *nested(int n)
{
    char *s = apr_palloc(fx_pool, 2 * n + 2);

    memset(s, '[', n);
    s[n] = '1';
    memset(s + n + 1, ']', n);
    s[2 * n + 1] = '\0';
    return s;
}

START_TEST(parse_ok)
{
    json_object *o = NULL, *c;
    tsr_error_t *err;

    ck_assert_int_eq(parse(&o, " \r\n\t{\"a\":1,\"b\":[true,null,\"x\"]} \n",
                           &err), APR_SUCCESS);
    ck_assert_ptr_null(err);
    ck_assert(json_object_is_type(o, json_type_object));
    ck_assert(json_object_object_get_ex(o, "a", &c));
    ck_assert_int_eq(json_object_get_int(c), 1);
    ck_assert(json_object_object_get_ex(o, "b", &c));
    ck_assert_int_eq((int)json_object_array_length(c), 3);

    ck_assert_int_eq(parse(&o, "[]", &err), APR_SUCCESS);
    ck_assert(json_object_is_type(o, json_type_array));
    ck_assert_int_eq(parse(&o, "\"caf\xc3\xa9 \xf0\x9f\x93\xa6\"", &err),
                     APR_SUCCESS);
    ck_assert_str_eq(json_object_get_string(o),
                     "caf\xc3\xa9 \xf0\x9f\x93\xa6");

    /* A bare number ends with the input, not with a delimiter. */
    ck_assert_int_eq(parse(&o, "123", &err), APR_SUCCESS);
    ck_assert_int_eq(json_object_get_int(o), 123);
    ck_assert_int_eq(parse(&o, "-1.5", &err), APR_SUCCESS);
    ck_assert(json_object_is_type(o, json_type_double));
    ck_assert_int_eq(parse(&o, "true", &err), APR_SUCCESS);
    ck_assert(json_object_get_boolean(o));
}
END_TEST

START_TEST(parse_empty)
{
    json_object *o = (json_object *)1;
    tsr_error_t *err = NULL;

    ck_assert_refusal(tsr_json_parse(&o, fx_pool, "", 0, TSR_JSON_MAX_DEPTH,
                                     &err), err, 400);
    ck_assert_contains(err->message, "empty");
    ck_assert_ptr_null(o);
    ck_assert_refusal(parse(&o, "   \n", &err), err, 400);
}
END_TEST

static const char *const garbage[] = {
    "{\"a\":1}x", "{\"a\":1} {}", "{} []", "[1]]", "{}\"", "{} //", NULL
};

START_TEST(parse_trailing_garbage)
{
    json_object *o;
    tsr_error_t *err;

    ck_assert_refusal(parse(&o, garbage[_i], &err), err, 400);
    ck_assert_contains(err->message, "malformed JSON");
    ck_assert_ptr_null(o);
}
END_TEST

START_TEST(parse_trailing_nul)
{
    json_object *o;
    tsr_error_t *err = NULL;

    ck_assert_refusal(tsr_json_parse(&o, fx_pool, "{}\0{}", 5,
                                     TSR_JSON_MAX_DEPTH, &err), err, 400);
}
END_TEST

START_TEST(parse_depth_limit)
{
    json_object *o;
    tsr_error_t *err;

    ck_assert_int_eq(parse(&o, nested(TSR_JSON_MAX_DEPTH), &err),
                     APR_SUCCESS);
    ck_assert_refusal(parse(&o, nested(TSR_JSON_MAX_DEPTH + 1), &err), err,
                      400);
    ck_assert_contains(err->message, "nested too deeply");
    ck_assert_refusal(parse(&o, nested(1000), &err), err, 400);

    /* a caller's own limit counts levels the same way */
    err = NULL;
    ck_assert_int_eq(tsr_json_parse(&o, fx_pool, "{\"a\":{\"b\":[1]}}", 15,
                                    3, &err), APR_SUCCESS);
    ck_assert_refusal(tsr_json_parse(&o, fx_pool, "{\"a\":{\"b\":[[1]]}}",
                                     17, 3, &err), err, 400);
    err = NULL;
    ck_assert_int_eq(tsr_json_parse(&o, fx_pool, "{\"a\":1}", 7, 1, &err),
                     APR_SUCCESS);
}
END_TEST

static const char *const truncated[] = {
    "{", "{\"a\":", "{\"a\":1", "{\"a\":1,", "[1,2", "\"abc", "{\"a\":\"b",
    "{\"a\":tru", NULL
};

START_TEST(parse_truncated)
{
    json_object *o;
    tsr_error_t *err;

    ck_assert_refusal(parse(&o, truncated[_i], &err), err, 400);
    ck_assert_contains(err->message, "ends too early");
}
END_TEST

static const char *const malformed[] = {
    "{a:1}", "[1,]", "{\"a\":1,}", "[01]", "{\"a\" 1}", "/* c */ {}",
    "[1]//x", NULL
};

START_TEST(parse_malformed)
{
    json_object *o;
    tsr_error_t *err;

    ck_assert_refusal(parse(&o, malformed[_i], &err), err, 400);
    ck_assert_contains(err->message, "malformed JSON");
}
END_TEST

static const char *const bad_utf8[] = {
    "{\"a\":\"\xff\"}",                 /* never valid */
    "{\"a\":\"\xc3\"}",                 /* truncated sequence */
    "{\"a\":\"x\xc3",                   /* truncated at the end */
    "{\"a\":\"\x80\"}",                 /* lone continuation byte */
    "{\"a\":\"\xc0\xaf\"}",             /* overlong '/' */
    "{\"a\":\"\xe0\x80\xaf\"}",         /* overlong, three bytes */
    "{\"a\":\"\xed\xa0\x80\"}",         /* UTF-16 surrogate */
    "{\"a\":\"\xf4\x90\x80\x80\"}",     /* above U+10FFFF */
    "{\"\xfe\":1}",                     /* in a key */
    NULL
};

START_TEST(parse_invalid_utf8)
{
    json_object *o;
    tsr_error_t *err;

    ck_assert_refusal(parse(&o, bad_utf8[_i], &err), err, 400);
    ck_assert_contains(err->message, "UTF-8");
}
END_TEST

START_TEST(parse_valid_utf8_edges)
{
    json_object *o;
    tsr_error_t *err;

    /* U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF, U+D7FF, U+E000 */
    ck_assert_int_eq(parse(&o, "[\"\xc2\x80\",\"\xdf\xbf\",\"\xe0\xa0\x80\","
                               "\"\xef\xbf\xbf\",\"\xf0\x90\x80\x80\","
                               "\"\xf4\x8f\xbf\xbf\",\"\xed\x9f\xbf\","
                               "\"\xee\x80\x80\"]", &err), APR_SUCCESS);
    ck_assert_int_eq((int)json_object_array_length(o), 8);
}
END_TEST

/* json-c would cut these keys at the NUL: "1.0.0\u0000x" as "1.0.0". */
static const char *const nul_keys[] = {
    "{\"a\\u0000b\":1}",
    "{\"versions\":{\"1.0.0\\u0000x\":{\"name\":\"a\"}}}",
    "{\"dist-tags\":{\"latest\\u0000x\":\"1.0.0\"}}",
    "[1,{\"k\\u0000\" \r\n\t: 1}]",
    "{\"\\u0000\":1}",
    "{\"\\\\\\u0000\":1}",
    NULL
};

START_TEST(parse_nul_in_key)
{
    json_object *o = NULL;
    tsr_error_t *err;

    ck_assert_refusal(parse(&o, nul_keys[_i], &err), err, 400);
    ck_assert_contains(err->message, "U+0000");
    ck_assert_ptr_null(o);
}
END_TEST

START_TEST(parse_nul_elsewhere)
{
    json_object *o = NULL, *v;
    tsr_error_t *err;

    /* a NUL in a value is kept whole; only readers as C strings refuse it */
    ck_assert_int_eq(parse(&o, "{\"a\":\"x\\u0000y\",\"b\":[\"\\u0000\"]}",
                           &err), APR_SUCCESS);
    ck_assert(json_object_object_get_ex(o, "a", &v));
    ck_assert_int_eq(json_object_get_string_len(v), 3);
    /* an escaped backslash before "u0000" is no NUL */
    ck_assert_int_eq(parse(&o, "{\"a\\\\u0000\":1}", &err), APR_SUCCESS);
    ck_assert(json_object_object_get_ex(o, "a\\u0000", NULL));
    /* an escaped quote does not end the string early */
    ck_assert_int_eq(parse(&o, "{\"a\":\"\\\"\\u0000\",\"b\":\":\"}", &err),
                     APR_SUCCESS);
    ck_assert_int_eq(parse(&o, "[\"\\u0000\" , \":\"]", &err), APR_SUCCESS);
    /* "\u00001" is NUL then '1'; "\u0001" is no NUL */
    ck_assert_int_eq(parse(&o, "{\"\\u0001\":1}", &err), APR_SUCCESS);
    ck_assert_refusal(parse(&o, "{\"\\u00001\":1}", &err), err, 400);
}
END_TEST

START_TEST(serialize_round_trip)
{
    static const char text[] =
        "{\"a\":1,\"b\":\"x/y\",\"c\":[true,null,false],"
        "\"d\":{\"e\":1.5,\"f\":-0.25e3,\"g\":{}},\"h\":\"caf\xc3\xa9\","
        "\"i\":\"l1\\nl2\\t\\\"q\\\"\\\\\",\"j\":[],\"k\":9007199254740991}";
    json_object *o, *again;
    tsr_error_t *err;
    const char *out;
    apr_size_t len = 0;

    ck_assert_int_eq(parse(&o, text, &err), APR_SUCCESS);
    out = tsr_json_serialize(fx_pool, o, &len);
    ck_assert_str_eq(out, text);
    ck_assert_uint_eq(len, strlen(text));
    ck_assert_int_eq(parse(&again, out, &err), APR_SUCCESS);
    ck_assert(json_object_equal(o, again));
    /* plen may be NULL */
    ck_assert_str_eq(tsr_json_serialize(fx_pool, o, NULL), text);
}
END_TEST

START_TEST(serialize_escapes)
{
    json_object *o;
    tsr_error_t *err;

    ck_assert_int_eq(parse(&o, "{\"a\":\"\\u00e9\\u0001\\/\"}", &err),
                     APR_SUCCESS);
    ck_assert_str_eq(tsr_json_serialize(fx_pool, o, NULL),
                     "{\"a\":\"\xc3\xa9\\u0001/\"}");
}
END_TEST

START_TEST(accessors)
{
    json_object *o = fx_json(fx_pool,
                             "{\"s\":\"v\",\"n\":1,\"o\":{\"x\":1},"
                             "\"a\":[]}");
    json_object *copy;

    ck_assert_str_eq(tsr_json_str(o, "s"), "v");
    ck_assert_ptr_null(tsr_json_str(o, "n"));
    ck_assert_ptr_null(tsr_json_str(o, "missing"));
    ck_assert_ptr_null(tsr_json_str(NULL, "s"));
    ck_assert_ptr_null(tsr_json_str(tsr_json_obj(o, "a"), "s"));
    ck_assert_ptr_nonnull(tsr_json_obj(o, "o"));
    ck_assert_ptr_null(tsr_json_obj(o, "a"));
    ck_assert_ptr_null(tsr_json_obj(o, "s"));
    ck_assert_ptr_null(tsr_json_obj(NULL, "o"));

    tsr_json_set_str(o, "s", "w");
    tsr_json_set_str(o, "t", "new");
    ck_assert_str_eq(tsr_json_str(o, "s"), "w");
    ck_assert_str_eq(tsr_json_str(o, "t"), "new");

    /* a deep copy: changing it leaves the original alone */
    copy = tsr_json_own(fx_pool, tsr_json_copy(o));
    ck_assert(json_object_equal(copy, o));
    tsr_json_set_str(tsr_json_obj(copy, "o"), "x", "changed");
    ck_assert_int_eq(json_object_get_int(
                         json_object_object_get(tsr_json_obj(o, "o"), "x")),
                     1);
    ck_assert_ptr_null(tsr_json_own(fx_pool, NULL));
}
END_TEST

START_TEST(accessors_refuse_nul)
{
    /* a login as a client could send it: the password must not read as
     * "a", nor the name as "alice" */
    json_object *o = fx_json(fx_pool,
                             "{\"name\":\"alice\\u0000-other\","
                             "\"password\":\"a\\u0000long-secret\","
                             "\"email\":\"a@example.com\",\"e\":\"\","
                             "\"tag\":\"1.0.0\\u0000x\"}");
    json_object *v;

    ck_assert_ptr_null(tsr_json_str(o, "name"));
    ck_assert_ptr_null(tsr_json_str(o, "password"));
    ck_assert_ptr_null(tsr_json_str(o, "tag"));
    ck_assert_str_eq(tsr_json_str(o, "email"), "a@example.com");
    ck_assert_str_eq(tsr_json_str(o, "e"), "");
    ck_assert(json_object_object_get_ex(o, "password", &v));
    ck_assert_ptr_null(tsr_json_cstr(v));
    ck_assert(json_object_object_get_ex(o, "email", &v));
    ck_assert_str_eq(tsr_json_cstr(v), "a@example.com");
    ck_assert_ptr_null(tsr_json_cstr(NULL));
    ck_assert_ptr_null(tsr_json_cstr(o));
}
END_TEST

START_TEST(time_format)
{
    /* date -u -d 2021-03-04T05:06:07Z +%s */
    apr_time_t t = apr_time_from_sec(1614834367) + 89 * 1000 + 999;

    ck_assert_str_eq(tsr_json_time(fx_pool, t), "2021-03-04T05:06:07.089Z");
    ck_assert_str_eq(tsr_json_time(fx_pool, 0), "1970-01-01T00:00:00.000Z");
    ck_assert_str_eq(tsr_json_time(fx_pool, apr_time_from_sec(1614834367)
                                                + 999999),
                     "2021-03-04T05:06:07.999Z");
}
END_TEST

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

Suite *make_json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc = fx_tcase("parse");

    tcase_add_test(tc, parse_ok);
    tcase_add_test(tc, parse_empty);
    tcase_add_loop_test(tc, parse_trailing_garbage, 0, COUNT(garbage));
    tcase_add_test(tc, parse_trailing_nul);
    tcase_add_test(tc, parse_depth_limit);
    tcase_add_loop_test(tc, parse_truncated, 0, COUNT(truncated));
    tcase_add_loop_test(tc, parse_malformed, 0, COUNT(malformed));
    tcase_add_loop_test(tc, parse_invalid_utf8, 0, COUNT(bad_utf8));
    tcase_add_test(tc, parse_valid_utf8_edges);
    tcase_add_loop_test(tc, parse_nul_in_key, 0, COUNT(nul_keys));
    tcase_add_test(tc, parse_nul_elsewhere);
    suite_add_tcase(s, tc);

    tc = fx_tcase("serialize");
    tcase_add_test(tc, serialize_round_trip);
    tcase_add_test(tc, serialize_escapes);
    tcase_add_test(tc, accessors);
    tcase_add_test(tc, accessors_refuse_nul);
    tcase_add_test(tc, time_format);
    suite_add_tcase(s, tc);
    return s;
}
