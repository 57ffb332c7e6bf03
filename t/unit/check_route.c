/* check_route: which operation each method and path is, with the names
 * split out of the path and the Allow list of a wrong method. */
#include "check_core.h"
#include "fixtures.h"
#include "tsr_route.h"

typedef struct route_case_t {
    const char *method;
    const char *path;
    tsr_op_e op;
    const char *name;
    const char *spec;
    const char *file;
    const char *user;
    const char *token;
    const char *allow;
} route_case_t;

#define GH "GET, HEAD"
#define GHP "GET, HEAD, PUT"

static const route_case_t cases[] = {
    /* the registry itself */
    { "GET", "", TSR_OP_META, NULL, NULL, NULL, NULL, NULL, NULL },
    { "HEAD", "", TSR_OP_META, NULL, NULL, NULL, NULL, NULL, NULL },
    { "POST", "", TSR_OP_BAD_METHOD, NULL, NULL, NULL, NULL, NULL, GH },
    { "PUT", "", TSR_OP_BAD_METHOD, NULL, NULL, NULL, NULL, NULL, GH },
    { "GET", "-/ping", TSR_OP_PING, NULL, NULL, NULL, NULL, NULL, NULL },
    { "HEAD", "-/ping", TSR_OP_PING, NULL, NULL, NULL, NULL, NULL, NULL },
    { "POST", "-/ping", TSR_OP_BAD_METHOD, NULL, NULL, NULL, NULL, NULL,
      GH },
    { "GET", "-/whoami", TSR_OP_WHOAMI, NULL, NULL, NULL, NULL, NULL, NULL },
    { "DELETE", "-/whoami", TSR_OP_BAD_METHOD, NULL, NULL, NULL, NULL, NULL,
      GH },
    { "PUT", "-/user/org.couchdb.user:alice", TSR_OP_ADDUSER, NULL, NULL,
      NULL, "alice", NULL, NULL },
    { "GET", "-/user/org.couchdb.user:alice", TSR_OP_BAD_METHOD, NULL, NULL,
      NULL, "alice", NULL, "PUT" },
    { "DELETE", "-/user/org.couchdb.user:alice", TSR_OP_BAD_METHOD, NULL,
      NULL, NULL, "alice", NULL, "PUT" },
    { "PUT", "-/user/org.couchdb.user:", TSR_OP_NOT_FOUND, NULL, NULL, NULL,
      NULL, NULL, NULL },
    { "PUT", "-/user/org.couchdb.user:a/b", TSR_OP_NOT_FOUND, NULL, NULL,
      NULL, NULL, NULL, NULL },
    { "DELETE", "-/user/token/tsr_abc-_x", TSR_OP_LOGOUT, NULL, NULL, NULL,
      NULL, "tsr_abc-_x", NULL },
    { "GET", "-/user/token/tsr_abc", TSR_OP_BAD_METHOD, NULL, NULL, NULL,
      NULL, "tsr_abc", "DELETE" },
    { "DELETE", "-/user/token/", TSR_OP_NOT_FOUND, NULL, NULL, NULL, NULL,
      NULL, NULL },
    { "GET", "-", TSR_OP_NOT_FOUND, NULL, NULL, NULL, NULL, NULL, NULL },
    { "GET", "-/", TSR_OP_NOT_FOUND, NULL, NULL, NULL, NULL, NULL, NULL },
    { "GET", "-/pingx", TSR_OP_NOT_FOUND, NULL, NULL, NULL, NULL, NULL,
      NULL },
    { "GET", "-/ping/", TSR_OP_NOT_FOUND, NULL, NULL, NULL, NULL, NULL,
      NULL },
    { "GET", "-/v1/search", TSR_OP_NOT_FOUND, NULL, NULL, NULL, NULL, NULL,
      NULL },
    { "GET", "-/user/alice", TSR_OP_NOT_FOUND, NULL, NULL, NULL, NULL, NULL,
      NULL },
    { "PUT", "-/package/a/dist-tags/next", TSR_OP_NOT_FOUND, NULL, NULL,
      NULL, NULL, NULL, NULL },

    /* packages */
    { "GET", "a", TSR_OP_PACKUMENT, "a", NULL, NULL, NULL, NULL, NULL },
    { "HEAD", "a", TSR_OP_PACKUMENT, "a", NULL, NULL, NULL, NULL, NULL },
    { "PUT", "a", TSR_OP_PUBLISH, "a", NULL, NULL, NULL, NULL, NULL },
    { "DELETE", "a", TSR_OP_BAD_METHOD, "a", NULL, NULL, NULL, NULL, GHP },
    { "POST", "a", TSR_OP_BAD_METHOD, "a", NULL, NULL, NULL, NULL, GHP },
    { "GET", "@s/p", TSR_OP_PACKUMENT, "@s/p", NULL, NULL, NULL, NULL,
      NULL },
    { "PUT", "@s/p", TSR_OP_PUBLISH, "@s/p", NULL, NULL, NULL, NULL, NULL },
    { "PATCH", "@s/p", TSR_OP_BAD_METHOD, "@s/p", NULL, NULL, NULL, NULL,
      GHP },
    { "GET", "a-b.c_d", TSR_OP_PACKUMENT, "a-b.c_d", NULL, NULL, NULL, NULL,
      NULL },

    /* versions and tags */
    { "GET", "a/1.0.0", TSR_OP_VERSION, "a", "1.0.0", NULL, NULL, NULL,
      NULL },
    { "HEAD", "a/latest", TSR_OP_VERSION, "a", "latest", NULL, NULL, NULL,
      NULL },
    { "GET", "@s/p/1.0.0-rc.1", TSR_OP_VERSION, "@s/p", "1.0.0-rc.1", NULL,
      NULL, NULL, NULL },
    { "GET", "@s/p/next", TSR_OP_VERSION, "@s/p", "next", NULL, NULL, NULL,
      NULL },
    { "PUT", "a/1.0.0", TSR_OP_BAD_METHOD, "a", "1.0.0", NULL, NULL, NULL,
      GH },
    { "DELETE", "@s/p/latest", TSR_OP_BAD_METHOD, "@s/p", "latest", NULL,
      NULL, NULL, GH },

    /* tarballs */
    { "GET", "a/-/a-1.0.0.tgz", TSR_OP_TARBALL, "a", NULL, "a-1.0.0.tgz",
      NULL, NULL, NULL },
    { "HEAD", "a/-/a-1.0.0.tgz", TSR_OP_TARBALL, "a", NULL, "a-1.0.0.tgz",
      NULL, NULL, NULL },
    { "GET", "@s/p/-/p-1.0.0.tgz", TSR_OP_TARBALL, "@s/p", NULL,
      "p-1.0.0.tgz", NULL, NULL, NULL },
    { "PUT", "a/-/a-1.0.0.tgz", TSR_OP_BAD_METHOD, "a", NULL, "a-1.0.0.tgz",
      NULL, NULL, GH },
    { "DELETE", "@s/p/-/p-1.0.0.tgz", TSR_OP_BAD_METHOD, "@s/p", NULL,
      "p-1.0.0.tgz", NULL, NULL, GH },

    /* shapes that are nothing */
    { "GET", "a/", TSR_OP_NOT_FOUND, "a", NULL, NULL, NULL, NULL, NULL },
    { "GET", "a/-", TSR_OP_NOT_FOUND, "a", NULL, NULL, NULL, NULL, NULL },
    { "GET", "a/-/", TSR_OP_NOT_FOUND, "a", NULL, NULL, NULL, NULL, NULL },
    { "GET", "a/1.0.0/x", TSR_OP_NOT_FOUND, "a", NULL, NULL, NULL, NULL,
      NULL },
    { "GET", "a/-/x/a-1.0.0.tgz", TSR_OP_NOT_FOUND, "a", NULL, NULL, NULL,
      NULL, NULL },
    { "GET", "a/-rev/1-abc", TSR_OP_NOT_FOUND, "a", NULL, NULL, NULL, NULL,
      NULL },
    { "DELETE", "a/-/a-1.0.0.tgz/-rev/2-x", TSR_OP_NOT_FOUND, "a", NULL,
      NULL, NULL, NULL, NULL },
    { "GET", "@s/p/", TSR_OP_NOT_FOUND, "@s/p", NULL, NULL, NULL, NULL,
      NULL },
    { "GET", "@s/p/1.0.0/x", TSR_OP_NOT_FOUND, "@s/p", NULL, NULL, NULL,
      NULL, NULL },
    { NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL }
};

#define field_eq(got, want)                                                 \
    do {                                                                    \
        if ((want) == NULL) {                                               \
            ck_assert_msg((got) == NULL, "%s %s: %s is \"%s\", not unset",  \
                          c->method, c->path, #got, (got));                 \
        }                                                                   \
        else {                                                              \
            ck_assert_msg((got) != NULL && strcmp((got), (want)) == 0,      \
                          "%s %s: %s is \"%s\", not \"%s\"", c->method,     \
                          c->path, #got, (got) ? (got) : "(null)",          \
                          (want));                                          \
        }                                                                   \
    } while (0)

START_TEST(route)
{
    const route_case_t *c = &cases[_i];
    tsr_route_t rt;

    tsr_route_match(&rt, fx_pool, c->method, c->path);
    ck_assert_msg(rt.op == c->op, "%s %s: %s, not %s", c->method, c->path,
                  tsr_route_op_name(rt.op), tsr_route_op_name(c->op));
    if (c->op != TSR_OP_NOT_FOUND) {
        field_eq(rt.name, c->name);
    }
    field_eq(rt.spec, c->spec);
    field_eq(rt.file, c->file);
    field_eq(rt.user, c->user);
    field_eq(rt.token, c->token);
    field_eq(rt.allow, c->allow);
}
END_TEST

START_TEST(route_strings_copied)
{
    char path[] = "@s/p/-/p-1.0.0.tgz";
    tsr_route_t rt;

    tsr_route_match(&rt, fx_pool, "GET", path);
    memset(path, 'x', sizeof(path) - 1);
    ck_assert_str_eq(rt.name, "@s/p");
    ck_assert_str_eq(rt.file, "p-1.0.0.tgz");
}
END_TEST

START_TEST(op_names)
{
    ck_assert_str_eq(tsr_route_op_name(TSR_OP_NOT_FOUND), "not_found");
    ck_assert_str_eq(tsr_route_op_name(TSR_OP_BAD_METHOD), "bad_method");
    ck_assert_str_eq(tsr_route_op_name(TSR_OP_META), "meta");
    ck_assert_str_eq(tsr_route_op_name(TSR_OP_PING), "ping");
    ck_assert_str_eq(tsr_route_op_name(TSR_OP_WHOAMI), "whoami");
    ck_assert_str_eq(tsr_route_op_name(TSR_OP_ADDUSER), "adduser");
    ck_assert_str_eq(tsr_route_op_name(TSR_OP_LOGOUT), "logout");
    ck_assert_str_eq(tsr_route_op_name(TSR_OP_PACKUMENT), "packument");
    ck_assert_str_eq(tsr_route_op_name(TSR_OP_PUBLISH), "publish");
    ck_assert_str_eq(tsr_route_op_name(TSR_OP_VERSION), "version");
    ck_assert_str_eq(tsr_route_op_name(TSR_OP_TARBALL), "tarball");
    ck_assert_str_eq(tsr_route_op_name((tsr_op_e)99), "unknown");
}
END_TEST

Suite *make_route_suite(void)
{
    Suite *s = suite_create("route");
    TCase *tc = fx_tcase("match");

    tcase_add_loop_test(tc, route, 0,
                        (int)(sizeof(cases) / sizeof(cases[0])) - 1);
    tcase_add_test(tc, route_strings_copied);
    tcase_add_test(tc, op_names);
    suite_add_tcase(s, tc);
    return s;
}
