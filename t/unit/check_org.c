/* check_org: organisations (who may create them, change members, leave)
 * and the rule of who creates packages in a scope, @tsci's included. */
#include <string.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_json.h"
#include "tsr_org.h"

static const tsr_actor_t root = { "root", 1 };

static int set_status(tsr_store_t *s, const char *org, const char *by,
                      const char *user, const char *role)
{
    tsr_actor_t who = { by, 0 };
    tsr_error_t *err = NULL;
    int size;

    if (tsr_org_set(fx_pool, s, org, strcmp(by, "root") ? &who : &root, user,
                    role, &size, &err) == APR_SUCCESS) {
        return 200;
    }
    ck_assert_ptr_nonnull(err);
    return err->http_status;
}

static int rm_status(tsr_store_t *s, const char *org, const char *by,
                     const char *user)
{
    tsr_actor_t who = { by, 0 };
    tsr_error_t *err = NULL;

    if (tsr_org_remove(fx_pool, s, org, strcmp(by, "root") ? &who : &root,
                       user, &err) == APR_SUCCESS) {
        return 200;
    }
    ck_assert_ptr_nonnull(err);
    return err->http_status;
}

static const char *role(tsr_store_t *s, const char *org, const char *user)
{
    int failed = 0;
    const char *r = tsr_org_role(fx_pool, s, org, user, &failed);

    ck_assert_int_eq(failed, 0);
    return r;
}

START_TEST(members_and_roles)
{
    tsr_store_t *s = fx_store(fx_pool);
    json_object *m;
    int size = 0;
    tsr_error_t *err = NULL;

    /* only an administrator creates an organisation */
    ck_assert_int_eq(set_status(s, "acme", "ann", "ann", "owner"), 403);
    ck_assert_int_eq(tsr_org_members(&m, fx_pool, s, "acme"), TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_org_set(fx_pool, s, "acme", &root, "ann", "owner",
                                 &size, &err), APR_SUCCESS);
    ck_assert_int_eq(size, 1);
    ck_assert_str_eq(role(s, "acme", "ann"), "owner");
    /* the owner adds a developer and an admin */
    ck_assert_int_eq(set_status(s, "acme", "ann", "dev", "developer"), 200);
    ck_assert_int_eq(set_status(s, "acme", "ann", "adm", "admin"), 200);
    ck_assert_int_eq(tsr_org_members(&m, fx_pool, s, "acme"), APR_SUCCESS);
    ck_assert_int_eq(json_object_object_length(m), 3);
    /* a developer changes nothing; an admin adds developers, not owners */
    ck_assert_int_eq(set_status(s, "acme", "dev", "eve", "developer"), 403);
    ck_assert_int_eq(set_status(s, "acme", "adm", "fay", "developer"), 200);
    ck_assert_int_eq(set_status(s, "acme", "adm", "fay", "owner"), 403);
    ck_assert_int_eq(set_status(s, "acme", "adm", "ann", "developer"), 403);
    ck_assert_int_eq(set_status(s, "acme", "stranger", "x", "developer"),
                     403);
    ck_assert_ptr_null(role(s, "acme", "eve"));
    /* bad input */
    ck_assert_int_eq(set_status(s, "acme", "ann", "dev", "boss"), 400);
    ck_assert_int_eq(set_status(s, "Acme", "root", "dev", "owner"), 400);
    ck_assert_int_eq(set_status(s, "acme", "ann", "Dev", "owner"), 400);
    /* the last owner stays, unless an administrator says otherwise */
    ck_assert_int_eq(set_status(s, "acme", "ann", "ann", "developer"), 409);
    ck_assert_int_eq(rm_status(s, "acme", "ann", "ann"), 409);
    ck_assert_int_eq(set_status(s, "acme", "ann", "dev", "owner"), 200);
    ck_assert_int_eq(rm_status(s, "acme", "ann", "ann"), 200);
    ck_assert_ptr_null(role(s, "acme", "ann"));
    /* members leave; others are removed by owners and admins only */
    ck_assert_int_eq(rm_status(s, "acme", "fay", "fay"), 200);
    ck_assert_int_eq(rm_status(s, "acme", "adm", "dev"), 403);
    ck_assert_int_eq(rm_status(s, "acme", "dev", "adm"), 200);
    ck_assert_int_eq(rm_status(s, "acme", "dev", "nobody"), 404);
    ck_assert_int_eq(rm_status(s, "nope", "root", "dev"), 404);
    ck_assert_int_eq(rm_status(s, "acme", "root", "dev"), 200);
    ck_assert_int_eq(tsr_org_members(&m, fx_pool, s, "acme"), APR_SUCCESS);
    ck_assert_int_eq(json_object_object_length(m), 0);
}
END_TEST

static const char *may(tsr_store_t *s, const char *name, const char *user,
                       int admin)
{
    tsr_actor_t who = { user, admin };
    int failed = 0;
    const char *why = tsr_org_may_create(fx_pool, s, name, &who, &failed);

    ck_assert_int_eq(failed, 0);
    return why;
}

START_TEST(who_creates_in_a_scope)
{
    tsr_store_t *s = fx_store(fx_pool);
    int size;
    tsr_error_t *err = NULL;
    const char *why;

    ck_assert_int_eq(tsr_org_set(fx_pool, s, "acme", &root, "ann", "owner",
                                 &size, &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_org_set(fx_pool, s, "acme", &root, "dev",
                                 "developer", &size, &err), APR_SUCCESS);
    ck_assert_ptr_null(may(s, "left-pad", "bob", 0));
    ck_assert_ptr_null(may(s, "@bob/tool", "bob", 0));
    why = may(s, "@ann/tool", "bob", 0);
    ck_assert_ptr_nonnull(why);
    ck_assert(strstr(why, "@ann is not yours") != NULL);
    ck_assert(strstr(why, "npm org set ann bob") != NULL);
    ck_assert_ptr_null(may(s, "@acme/tool", "dev", 0));
    ck_assert_ptr_nonnull(may(s, "@acme/tool", "bob", 0));
    ck_assert_ptr_nonnull(may(s, "@nobodys/tool", "bob", 0));
    ck_assert_ptr_null(may(s, "@nobodys/tool", "root", 1));
    /* @tsci/<owner>.<name> */
    ck_assert_ptr_null(may(s, "@tsci/bob.board", "bob", 0));
    why = may(s, "@tsci/ann.board", "bob", 0);
    ck_assert_ptr_nonnull(why);
    ck_assert(strstr(why, "@tsci/ann.* belongs to ann") != NULL);
    ck_assert_ptr_null(may(s, "@tsci/acme.board", "dev", 0));
    ck_assert_ptr_nonnull(may(s, "@tsci/acme.board", "bob", 0));
    ck_assert_ptr_nonnull(may(s, "@tsci/board", "bob", 0));
    ck_assert_ptr_nonnull(may(s, "@tsci/.board", "bob", 0));
    ck_assert_ptr_nonnull(may(s, "@tsci/bob.", "bob", 0));
    ck_assert_ptr_nonnull(may(s, "@tsci/x", "tsci", 0));
    ck_assert_ptr_null(may(s, "@tsci/anything.x", "root", 1));
}
END_TEST

Suite *make_org_suite(void)
{
    Suite *s = suite_create("org");
    TCase *tc = fx_tcase("org");

    tcase_add_test(tc, members_and_roles);
    tcase_add_test(tc, who_creates_in_a_scope);
    suite_add_tcase(s, tc);
    return s;
}
