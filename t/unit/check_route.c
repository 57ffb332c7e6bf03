/* check_route: which operation of npm's route table each method and path
 * is, with the parameters split out of the path, and the Allow list of a
 * method the path does not take. */
#include "check_core.h"
#include "fixtures.h"
#include "tsr_route.h"

typedef struct route_case_t {
    const char *method;
    const char *path;
    int op;                     /* 404, 405 or a TSR_NPM_ op */
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
    { "GET", "", TSR_NPM_META, NULL, NULL, NULL, NULL, NULL, NULL },
    { "HEAD", "", TSR_NPM_META, NULL, NULL, NULL, NULL, NULL, NULL },
    { "POST", "", 405, NULL, NULL, NULL, NULL, NULL, GH },
    { "PUT", "", 405, NULL, NULL, NULL, NULL, NULL, GH },
    { "GET", "-/ping", TSR_NPM_PING, NULL, NULL, NULL, NULL, NULL, NULL },
    { "HEAD", "-/ping", TSR_NPM_PING, NULL, NULL, NULL, NULL, NULL, NULL },
    { "POST", "-/ping", 405, NULL, NULL, NULL, NULL, NULL,
      GH },
    { "GET", "-/whoami", TSR_NPM_WHOAMI, NULL, NULL, NULL, NULL, NULL, NULL },
    { "DELETE", "-/whoami", 405, NULL, NULL, NULL, NULL, NULL,
      GH },
    { "PUT", "-/user/org.couchdb.user:alice", TSR_NPM_ADDUSER, NULL, NULL,
      NULL, "alice", NULL, NULL },
    { "GET", "-/user/org.couchdb.user:alice", TSR_NPM_USER_DOC, NULL, NULL,
      NULL, "alice", NULL, NULL },
    { "DELETE", "-/user/org.couchdb.user:alice", 405, NULL,
      NULL, NULL, "alice", NULL, "GET, HEAD, PUT" },
    { "PUT", "-/user/org.couchdb.user:", 404, NULL, NULL, NULL,
      NULL, NULL, NULL },
    { "PUT", "-/user/org.couchdb.user:a/b", 404, NULL, NULL,
      NULL, NULL, NULL, NULL },
    { "DELETE", "-/user/token/tsr_abc-_x", TSR_NPM_LOGOUT, NULL, NULL, NULL,
      NULL, "tsr_abc-_x", NULL },
    { "GET", "-/user/token/tsr_abc", 405, NULL, NULL, NULL,
      NULL, "tsr_abc", "DELETE" },
    { "DELETE", "-/user/token/", 404, NULL, NULL, NULL, NULL,
      NULL, NULL },
    { "GET", "-", 404, NULL, NULL, NULL, NULL, NULL, NULL },
    { "GET", "-/", 404, NULL, NULL, NULL, NULL, NULL, NULL },
    { "GET", "-/pingx", 404, NULL, NULL, NULL, NULL, NULL,
      NULL },
    { "GET", "-/ping/", 404, NULL, NULL, NULL, NULL, NULL,
      NULL },
    { "GET", "-/v1/search", TSR_NPM_SEARCH, NULL, NULL, NULL, NULL, NULL,
      NULL },
    { "POST", "-/v1/search", 405, NULL, NULL, NULL, NULL, NULL, GH },
    { "GET", "-/v1/search/x", 404, NULL, NULL, NULL, NULL, NULL, NULL },
    { "GET", "-/v1", 404, NULL, NULL, NULL, NULL, NULL, NULL },
    { "GET", "-/user/alice", 404, NULL, NULL, NULL, NULL, NULL,
      NULL },
    { "PUT", "-/package/a/dist-tags/next", TSR_NPM_TAG_SET, "a", NULL,
      NULL, NULL, NULL, NULL },
    { "DELETE", "-/package/@s/a/dist-tags/next", TSR_NPM_TAG_REMOVE, "@s/a",
      NULL, NULL, NULL, NULL, NULL },
    { "POST", "-/package/a/dist-tags", 405, "a", NULL, NULL, NULL, NULL,
      GH },
    { "GET", "-/package/a/nothing", 404, NULL, NULL, NULL, NULL, NULL,
      NULL },

    /* packages */
    { "GET", "a", TSR_NPM_PACKUMENT, "a", NULL, NULL, NULL, NULL, NULL },
    { "HEAD", "a", TSR_NPM_PACKUMENT, "a", NULL, NULL, NULL, NULL, NULL },
    { "PUT", "a", TSR_NPM_PUBLISH, "a", NULL, NULL, NULL, NULL, NULL },
    { "DELETE", "a", 405, "a", NULL, NULL, NULL, NULL, GHP },
    { "POST", "a", 405, "a", NULL, NULL, NULL, NULL, GHP },
    { "GET", "@s/p", TSR_NPM_PACKUMENT, "@s/p", NULL, NULL, NULL, NULL,
      NULL },
    { "PUT", "@s/p", TSR_NPM_PUBLISH, "@s/p", NULL, NULL, NULL, NULL, NULL },
    { "PATCH", "@s/p", 405, "@s/p", NULL, NULL, NULL, NULL,
      GHP },
    { "GET", "a-b.c_d", TSR_NPM_PACKUMENT, "a-b.c_d", NULL, NULL, NULL, NULL,
      NULL },

    /* versions and tags */
    { "GET", "a/1.0.0", TSR_NPM_VERSION, "a", "1.0.0", NULL, NULL, NULL,
      NULL },
    { "HEAD", "a/latest", TSR_NPM_VERSION, "a", "latest", NULL, NULL, NULL,
      NULL },
    { "GET", "@s/p/1.0.0-rc.1", TSR_NPM_VERSION, "@s/p", "1.0.0-rc.1", NULL,
      NULL, NULL, NULL },
    { "GET", "@s/p/next", TSR_NPM_VERSION, "@s/p", "next", NULL, NULL, NULL,
      NULL },
    { "PUT", "a/1.0.0", 405, "a", "1.0.0", NULL, NULL, NULL,
      GH },
    { "DELETE", "@s/p/latest", 405, "@s/p", "latest", NULL,
      NULL, NULL, GH },

    /* tarballs */
    { "GET", "a/-/a-1.0.0.tgz", TSR_NPM_TARBALL, "a", NULL, "a-1.0.0.tgz",
      NULL, NULL, NULL },
    { "HEAD", "a/-/a-1.0.0.tgz", TSR_NPM_TARBALL, "a", NULL, "a-1.0.0.tgz",
      NULL, NULL, NULL },
    { "GET", "@s/p/-/p-1.0.0.tgz", TSR_NPM_TARBALL, "@s/p", NULL,
      "p-1.0.0.tgz", NULL, NULL, NULL },
    { "PUT", "a/-/a-1.0.0.tgz", 405, "a", NULL, "a-1.0.0.tgz",
      NULL, NULL, GH },
    { "DELETE", "@s/p/-/p-1.0.0.tgz", 405, "@s/p", NULL,
      "p-1.0.0.tgz", NULL, NULL, GH },

    /* shapes that are nothing */
    { "GET", "a/", 404, "a", NULL, NULL, NULL, NULL, NULL },
    { "GET", "a/-", 404, "a", NULL, NULL, NULL, NULL, NULL },
    { "GET", "a/-/", 404, "a", NULL, NULL, NULL, NULL, NULL },
    { "GET", "a/1.0.0/x", 404, "a", NULL, NULL, NULL, NULL,
      NULL },
    { "GET", "a/-/x/a-1.0.0.tgz", 404, "a", NULL, NULL, NULL,
      NULL, NULL },
    { "GET", "a/-rev/1-abc", 405, NULL, NULL, NULL, NULL, NULL,
      "PUT, DELETE" },
    { "PUT", "@s/a/-rev/1-abc", TSR_NPM_DOC_REV, "@s/a", NULL, NULL, NULL,
      NULL, NULL },
    { "DELETE", "@s/a/-rev/1-abc", TSR_NPM_UNPUBLISH, "@s/a", NULL, NULL,
      NULL, NULL, NULL },
    { "DELETE", "a/-/a-1.0.0.tgz/-rev/2-x", TSR_NPM_TARBALL_DELETE, "a",
      NULL, "a-1.0.0.tgz", NULL, NULL, NULL },
    { "GET", "a/-/a-1.0.0.tgz/-rev/2-x", 405, NULL, NULL, NULL, NULL, NULL,
      "DELETE" },
    { "DELETE", "a/-/-rev/2-x", 404, "a", NULL, NULL, NULL, NULL, NULL },
    { "GET", "@s/p/", 404, "@s/p", NULL, NULL, NULL, NULL,
      NULL },
    { "GET", "@s/p/1.0.0/x", 404, "@s/p", NULL, NULL, NULL,
      NULL, NULL },

    /* a name by its own rules: a scope takes two segments, so a scoped
     * package named "-" has a tarball like any other */
    { "GET", "@s/-/-/--1.0.0.tgz", TSR_NPM_TARBALL, "@s/-", NULL,
      "--1.0.0.tgz", NULL, NULL, NULL },
    { "GET", "@s/-", TSR_NPM_PACKUMENT, "@s/-", NULL, NULL, NULL, NULL,
      NULL },
    { "GET", "@s/-/1.0.0", TSR_NPM_VERSION, "@s/-", "1.0.0", NULL, NULL,
      NULL, NULL },
    { "GET", "-foo", TSR_NPM_PACKUMENT, "-foo", NULL, NULL, NULL, NULL,
      NULL },
    /* an invalid scoped name is still a name: the operation says why */
    { "GET", "@s/", TSR_NPM_PACKUMENT, "@s/", NULL, NULL, NULL, NULL,
      NULL },
    { "GET", "@s", TSR_NPM_PACKUMENT, "@s", NULL, NULL, NULL, NULL, NULL },

    /* every method, known or not, on a path that exists: 405 */
    { "POST", "a/-/a-1.0.0.tgz", 405, NULL, NULL, NULL, NULL, NULL, GH },
    { "OPTIONS", "a/-/a-1.0.0.tgz", 405, NULL, NULL, NULL, NULL, NULL, GH },
    { "PROPFIND", "a", 405, NULL, NULL, NULL, NULL, NULL, GHP },
    { "TRACE", "-/ping", 405, NULL, NULL, NULL, NULL, NULL, GH },
    { "get", "a", 405, NULL, NULL, NULL, NULL, NULL, GHP },

    /* too many segments to be anything */
    { "GET", "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r", 404, NULL, NULL, NULL,
      NULL, NULL, NULL },
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

static const tsr_route_def_t *npm(void)
{
    return tsr_route_table(TSR_API_NPM);
}

START_TEST(route)
{
    const route_case_t *c = &cases[_i];
    tsr_route_t rt;
    int got;

    tsr_route_match(&rt, fx_pool, npm(), c->method, c->path);
    got = rt.status ? rt.status : rt.def->op;
    ck_assert_msg(got == c->op, "%s %s: %d, not %d", c->method, c->path,
                  got, c->op);
    if (rt.status == 0) {
        field_eq(tsr_route_param(&rt, "name"), c->name);
        field_eq(tsr_route_param(&rt, "spec"), c->spec);
        field_eq(tsr_route_param(&rt, "file"), c->file);
        field_eq(tsr_route_param(&rt, "user"), c->user);
        field_eq(tsr_route_param(&rt, "token"), c->token);
        ck_assert_ptr_null(rt.allow);
    }
    else {
        ck_assert_ptr_null(rt.def);
        ck_assert_int_eq(rt.nparams, 0);
        field_eq(rt.allow, c->allow);
    }
}
END_TEST

START_TEST(route_strings_copied)
{
    char path[] = "@s/p/-/p-1.0.0.tgz";
    tsr_route_t rt;

    tsr_route_match(&rt, fx_pool, npm(), "GET", path);
    memset(path, 'x', sizeof(path) - 1);
    ck_assert_str_eq(tsr_route_param(&rt, "name"), "@s/p");
    ck_assert_str_eq(tsr_route_param(&rt, "file"), "p-1.0.0.tgz");
    ck_assert_ptr_null(tsr_route_param(&rt, "spec"));
}
END_TEST

/* The flags the glue enforces: reads need no one, writes need a user who
 * may write, and only tarballs are files. */
START_TEST(flags)
{
    tsr_route_t rt;

    tsr_route_match(&rt, fx_pool, npm(), "PUT", "a");
    ck_assert_uint_eq(rt.def->flags & (TSR_RF_USER | TSR_RF_WRITE
                                       | TSR_RF_BODY),
                      TSR_RF_USER | TSR_RF_WRITE | TSR_RF_BODY);
    tsr_route_match(&rt, fx_pool, npm(), "GET", "a");
    ck_assert_uint_eq(rt.def->flags, 0);
    tsr_route_match(&rt, fx_pool, npm(), "HEAD", "a/-/a-1.0.0.tgz");
    ck_assert_uint_eq(rt.def->flags, TSR_RF_FILE);
    tsr_route_match(&rt, fx_pool, npm(), "GET", "-/whoami");
    ck_assert_uint_eq(rt.def->flags, TSR_RF_USER);
    tsr_route_match(&rt, fx_pool, npm(), "PUT",
                    "-/user/org.couchdb.user:bob");
    /* A login proves who it is by its password, so check_authn knows to
     * read the body rather than ask for a token. */
    ck_assert_uint_eq(rt.def->flags, TSR_RF_BODY | TSR_RF_LOGIN);
    tsr_route_match(&rt, fx_pool, npm(), "PUT", "somepkg");
    ck_assert_uint_eq(rt.def->flags & TSR_RF_LOGIN, 0);
}
END_TEST

/* Allow is computed from the table: a table with more methods on one
 * path lists them all, in a fixed order, each once. */
START_TEST(allow_from_table)
{
    static const tsr_route_def_t t[] = {
        { TSR_M_DELETE, "x/{id}", 1, 0 },
        { TSR_M_GET | TSR_M_PUT, "x/{id}", 2, 0 },
        { TSR_M_POST, "x/{id}", 3, 0 },
        { TSR_M_PUT, "y", 4, 0 },
        { 0, NULL, 0, 0 }
    };
    tsr_route_t rt;

    tsr_route_match(&rt, fx_pool, t, "PATCH", "x/1");
    ck_assert_int_eq(rt.status, 405);
    ck_assert_str_eq(rt.allow, "GET, HEAD, PUT, POST, DELETE");
    tsr_route_match(&rt, fx_pool, t, "POST", "x/1");
    ck_assert_int_eq(rt.def->op, 3);
    ck_assert_str_eq(tsr_route_param(&rt, "id"), "1");
    tsr_route_match(&rt, fx_pool, t, "GET", "y");
    ck_assert_int_eq(rt.status, 405);
    ck_assert_str_eq(rt.allow, "PUT");
    tsr_route_match(&rt, fx_pool, t, "GET", "z");
    ck_assert_int_eq(rt.status, 404);
    tsr_route_match(&rt, fx_pool, NULL, "GET", "");
    ck_assert_int_eq(rt.status, 404);
    ck_assert_ptr_null(tsr_route_table(TSR_API_NONE));
}
END_TEST

START_TEST(method_bits)
{
    ck_assert_uint_eq(tsr_route_method_bit("GET"), TSR_M_GET);
    ck_assert_uint_eq(tsr_route_method_bit("HEAD"), TSR_M_GET);
    ck_assert_uint_eq(tsr_route_method_bit("PUT"), TSR_M_PUT);
    ck_assert_uint_eq(tsr_route_method_bit("POST"), TSR_M_POST);
    ck_assert_uint_eq(tsr_route_method_bit("DELETE"), TSR_M_DELETE);
    ck_assert_uint_eq(tsr_route_method_bit("PATCH"), TSR_M_PATCH);
    ck_assert_uint_eq(tsr_route_method_bit("OPTIONS"), 0);
    ck_assert_uint_eq(tsr_route_method_bit("head"), 0);
}
END_TEST

Suite *make_route_suite(void)
{
    Suite *s = suite_create("route");
    TCase *tc = fx_tcase("match");

    tcase_add_loop_test(tc, route, 0,
                        (int)(sizeof(cases) / sizeof(cases[0])) - 1);
    tcase_add_test(tc, route_strings_copied);
    tcase_add_test(tc, flags);
    tcase_add_test(tc, allow_from_table);
    tcase_add_test(tc, method_bits);
    suite_add_tcase(s, tc);
    return s;
}
