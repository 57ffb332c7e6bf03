/* check_access: who may read a package; a restricted package's views name
 * its readers in every version, its readers record comes and goes with
 * it, and only its maintainers (or an administrator) change it. */
#include <string.h>
#include <apr_strings.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_access.h"
#include "tsr_disttag.h"
#include "tsr_deprecate.h"
#include "tsr_owner.h"
#include "tsr_packument.h"
#include "tsr_json.h"
#include "tsr_publish.h"
#include "tsr_view.h"

static tsr_store_t *store;

static void publish_as(const char *user, const char *name,
                       const char *version, int restricted)
{
    tsr_tarball_limits_t lim;
    tsr_publish_t *pub = NULL;
    tsr_publish_result_t res;
    tsr_publisher_t who = { user, NULL, 0, NULL };
    tsr_error_t *err = NULL;
    apr_size_t len;
    const unsigned char *tgz = fx_package_tarball(fx_pool, name, version,
                                                  &len);
    json_object *body = fx_publish_body(fx_pool, name, version, tgz, len);

    if (restricted) {
        json_object_object_add(body, "access",
                               json_object_new_string("restricted"));
    }
    tsr_tarball_default_limits(&lim);
    ck_assert_int_eq(tsr_publish_parse(&pub, fx_pool, name, body, &lim,
                                       &err), APR_SUCCESS);
    memset(&res, 0, sizeof(res));
    ck_assert_int_eq(tsr_publish_commit(&res, fx_pool, store, pub, &who,
                                        &err), APR_SUCCESS);
}

/* The readers in the header of a view of name (kind, or a version). */
static const char *view_readers(const char *name, int kind,
                                const char *version)
{
    const char *blob;
    apr_size_t len;
    tsr_view_t v;

    if (version) {
        ck_assert_int_eq(tsr_store_package_version_view(store, fx_pool, name,
                                                        version, &blob,
                                                        &len), APR_SUCCESS);
    }
    else {
        ck_assert_int_eq(tsr_store_package_view(store, fx_pool, name,
                                                (tsr_view_kind_e)kind, &blob,
                                                &len), APR_SUCCESS);
    }
    ck_assert_int_eq(tsr_view_decode(&v, blob, len), APR_SUCCESS);
    return v.readers ? apr_pstrmemdup(fx_pool, v.readers, v.readers_len)
                     : NULL;
}

static const char *readers_record(const char *name)
{
    const char *text;
    apr_size_t len;
    apr_status_t rv = tsr_store_package_view(store, fx_pool, name,
                                             TSR_VIEW_READERS, &text, &len);

    if (rv == TSR_ENOTFOUND) {
        return NULL;
    }
    ck_assert_int_eq(rv, APR_SUCCESS);
    return apr_pstrmemdup(fx_pool, text, len);
}

START_TEST(may_read)
{
    tsr_actor_t ann = { "ann", 0 }, an = { "an", 0 }, anon = { NULL, 0 };
    tsr_actor_t root = { "root", 1 };

    ck_assert(tsr_access_may_read(NULL, &anon));
    ck_assert(tsr_access_may_read("ann,bob", &ann));
    ck_assert(!tsr_access_may_read("ann,bob", &an));
    ck_assert(!tsr_access_may_read("ann,bob", &anon));
    ck_assert(tsr_access_may_read("ann,bob", &root));
    ck_assert(!tsr_access_may_read(",", &ann));
}
END_TEST

START_TEST(restricted_everywhere)
{
    tsr_actor_t ann = { "ann", 0 }, bob = { "bob", 0 }, root = { "r", 1 };
    tsr_error_t *err = NULL;
    json_object *doc;

    store = fx_store(fx_pool);
    publish_as("ann", "@ann/p", "1.0.0", 1);
    publish_as("ann", "@ann/p", "1.1.0", 0);
    ck_assert_str_eq(readers_record("@ann/p"), "ann");
    ck_assert_str_eq(view_readers("@ann/p", TSR_VIEW_FULL, NULL), "ann");
    ck_assert_str_eq(view_readers("@ann/p", TSR_VIEW_ABBREV, NULL), "ann");
    ck_assert_str_eq(view_readers("@ann/p", 0, "1.0.0"), "ann");
    ck_assert_str_eq(view_readers("@ann/p", 0, "1.1.0"), "ann");
    ck_assert_int_eq(tsr_access_doc(&doc, fx_pool, store, "@ann/p", &bob),
                     TSR_ENOTFOUND);
    ck_assert_int_eq(tsr_access_doc(&doc, fx_pool, store, "@ann/p", &ann),
                     APR_SUCCESS);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(
                         tsr_access_collaborators(fx_pool, doc), "ann")),
                     "write");

    /* bob may not see it, so it is missing to him; nor change it */
    ck_assert_int_eq(tsr_access_set(fx_pool, store, "@ann/p", &bob, 0, &err),
                     TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 404);
    ck_assert_int_eq(tsr_access_set(fx_pool, store, "@ann/none", &ann, 0,
                                     &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 404);

    /* public: every view says so, the record goes */
    ck_assert_int_eq(tsr_access_set(fx_pool, store, "@ann/p", &ann, 0, &err),
                     APR_SUCCESS);
    ck_assert_ptr_null(readers_record("@ann/p"));
    ck_assert_ptr_null(view_readers("@ann/p", TSR_VIEW_FULL, NULL));
    ck_assert_ptr_null(view_readers("@ann/p", 0, "1.0.0"));
    ck_assert_ptr_null(view_readers("@ann/p", 0, "1.1.0"));
    ck_assert_int_eq(tsr_access_set(fx_pool, store, "@ann/p", &bob, 1, &err),
                     TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 403);
    /* an administrator restricts it again */
    ck_assert_int_eq(tsr_access_set(fx_pool, store, "@ann/p", &root, 1,
                                    &err), APR_SUCCESS);
    ck_assert_str_eq(view_readers("@ann/p", 0, "1.0.0"), "ann");

    publish_as("ann", "plain", "1.0.0", 0);
    ck_assert_int_eq(tsr_access_set(fx_pool, store, "plain", &ann, 1, &err),
                     TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 400);
    ck_assert_ptr_null(readers_record("plain"));
}
END_TEST

static const char *names_str(const apr_array_header_t *a)
{
    const char *out = "";
    int i;

    for (i = 0; i < a->nelts; i++) {
        out = apr_pstrcat(fx_pool, out, i ? " " : "",
                          APR_ARRAY_IDX(a, i, const char *), NULL);
    }
    return out;
}

/* Lists by scope (a range of keys) and by creator (an index), and what
 * each asker sees of them. */
START_TEST(lists)
{
    tsr_actor_t ann = { "ann", 0 }, bob = { "bob", 0 };
    apr_array_header_t *names;
    json_object *l;

    store = fx_store(fx_pool);
    publish_as("ann", "@ann/a", "1.0.0", 0);
    publish_as("ann", "@ann/b", "1.0.0", 1);
    publish_as("ann", "@anna/c", "1.0.0", 0);
    publish_as("ann", "free", "1.0.0", 0);
    publish_as("ann", "free", "1.0.1", 0);
    publish_as("bob", "@bob/x", "1.0.0", 0);
    ck_assert_int_eq(tsr_store_package_names(store, fx_pool, "@ann/", 100,
                                             &names), APR_SUCCESS);
    ck_assert_str_eq(names_str(names), "@ann/a @ann/b");
    ck_assert_int_eq(tsr_store_package_names(store, fx_pool, "@ann/", 1,
                                             &names), APR_SUCCESS);
    ck_assert_str_eq(names_str(names), "@ann/a");
    ck_assert_int_eq(tsr_store_package_names(store, fx_pool, "@zz/", 100,
                                             &names), APR_SUCCESS);
    ck_assert_int_eq(names->nelts, 0);
    ck_assert_int_eq(tsr_store_user_packages(store, fx_pool, "ann", 100,
                                             &names), APR_SUCCESS);
    ck_assert_str_eq(names_str(names), "@ann/a @ann/b @anna/c free");
    ck_assert_int_eq(tsr_store_user_packages(store, fx_pool, "nobody", 100,
                                             &names), APR_SUCCESS);
    ck_assert_int_eq(names->nelts, 0);

    ck_assert_int_eq(tsr_store_user_packages(store, fx_pool, "ann", 100,
                                             &names), APR_SUCCESS);
    l = tsr_access_list(fx_pool, store, names, &ann);
    ck_assert_str_eq(tsr_json_str(l, "@ann/b"), "write");
    ck_assert_str_eq(tsr_json_str(l, "free"), "write");
    l = tsr_access_list(fx_pool, store, names, &bob);
    ck_assert_ptr_null(tsr_json_str(l, "@ann/b"));
    ck_assert_str_eq(tsr_json_str(l, "@ann/a"), "read");
    ck_assert_int_eq(json_object_object_length(l), 3);
}
END_TEST

static const char *tags_record(const char *name)
{
    const char *text;
    apr_size_t len;

    ck_assert_int_eq(tsr_store_package_view(store, fx_pool, name,
                                            TSR_VIEW_TAGS, &text, &len),
                     APR_SUCCESS);
    return apr_pstrmemdup(fx_pool, text, len);
}

/* npm dist-tag add and rm: maintainers only, existing versions only,
 * latest stays; the tags record moves with the document. */
START_TEST(dist_tags)
{
    tsr_actor_t ann = { "ann", 0 }, bob = { "bob", 0 }, root = { "r", 1 };
    tsr_error_t *err = NULL;
    const char *full;
    apr_size_t len;
    tsr_view_t v;

    store = fx_store(fx_pool);
    publish_as("ann", "tagged", "1.0.0", 0);
    publish_as("ann", "tagged", "2.0.0", 0);
    ck_assert_int_eq(tsr_disttag_set(fx_pool, store, "tagged", &ann, "next",
                                     "1.0.0", &err), APR_SUCCESS);
    ck_assert_str_eq(tags_record("tagged"),
                     "{\"latest\":\"2.0.0\",\"next\":\"1.0.0\"}");
    ck_assert_int_eq(tsr_store_package_view(store, fx_pool, "tagged",
                                            TSR_VIEW_FULL, &full, &len),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_view_decode(&v, full, len), APR_SUCCESS);
    ck_assert(strstr(tsr_view_flatten(&v, fx_pool, "http://h/"),
                     "\"next\":\"1.0.0\"") != NULL);
    ck_assert_int_eq(tsr_disttag_set(fx_pool, store, "tagged", &ann, "next",
                                     "9.9.9", &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 404);
    ck_assert_int_eq(tsr_disttag_set(fx_pool, store, "tagged", &bob, "next",
                                     "2.0.0", &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 403);
    ck_assert_int_eq(tsr_disttag_set(fx_pool, store, "tagged", &ann, "1.0",
                                     "2.0.0", &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 400);
    ck_assert_int_eq(tsr_disttag_set(fx_pool, store, "tagged", &ann, "beta",
                                     "not-a-version", &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 400);
    ck_assert_int_eq(tsr_disttag_set(fx_pool, store, "nope", &ann, "beta",
                                     "1.0.0", &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 404);
    /* latest moves, but stays */
    ck_assert_int_eq(tsr_disttag_set(fx_pool, store, "tagged", &root,
                                     "latest", "1.0.0", &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_disttag_remove(fx_pool, store, "tagged", &ann,
                                        "latest", &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 400);
    ck_assert_int_eq(tsr_disttag_remove(fx_pool, store, "tagged", &bob,
                                        "next", &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 403);
    ck_assert_int_eq(tsr_disttag_remove(fx_pool, store, "tagged", &ann,
                                        "next", &err), APR_SUCCESS);
    ck_assert_int_eq(tsr_disttag_remove(fx_pool, store, "tagged", &ann,
                                        "next", &err), TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 404);
    ck_assert_str_eq(tags_record("tagged"), "{\"latest\":\"1.0.0\"}");
}
END_TEST

static json_object *doc_now(const char *name)
{
    const char *text;
    apr_size_t len;

    ck_assert_int_eq(tsr_store_package_doc(store, fx_pool, name, &text,
                                           &len), APR_SUCCESS);
    return fx_json(fx_pool, apr_pstrmemdup(fx_pool, text, len));
}

/* npm deprecate: only the messages, only from maintainers, only at the
 * revision read. */
START_TEST(deprecations)
{
    tsr_actor_t ann = { "ann", 0 }, bob = { "bob", 0 };
    tsr_error_t *err = NULL;
    json_object *body, *v;
    const char *rev;
    int changed = 0;

    store = fx_store(fx_pool);
    publish_as("ann", "dep", "1.0.0", 0);
    publish_as("ann", "dep", "2.0.0", 0);
    body = doc_now("dep");
    v = tsr_json_obj(tsr_json_obj(body, "versions"), "1.0.0");
    tsr_json_set_str(v, "deprecated", "old");
    tsr_json_set_str(v, "main", "evil.js");
    tsr_json_set_str(tsr_json_obj(tsr_json_obj(body, "versions"), "2.0.0"),
                     "deprecated", "");
    ck_assert_int_eq(tsr_deprecate_apply(fx_pool, store, "dep", &bob, body,
                                         &changed, &rev, &err),
                     TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 403);
    ck_assert_int_eq(tsr_deprecate_apply(fx_pool, store, "dep", &ann, body,
                                         &changed, &rev, &err), APR_SUCCESS);
    ck_assert_int_eq(changed, 1);
    v = tsr_json_obj(tsr_json_obj(doc_now("dep"), "versions"), "1.0.0");
    ck_assert_str_eq(tsr_json_str(v, "deprecated"), "old");
    ck_assert(tsr_json_str(v, "main") == NULL
              || strcmp(tsr_json_str(v, "main"), "evil.js") != 0);
    ck_assert_str_eq(tsr_packument_rev(doc_now("dep")), rev);
    /* the same body again: its _rev is old */
    ck_assert_int_eq(tsr_deprecate_apply(fx_pool, store, "dep", &ann, body,
                                         &changed, &rev, &err),
                     TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 409);
    /* undeprecate */
    body = doc_now("dep");
    tsr_json_set_str(tsr_json_obj(tsr_json_obj(body, "versions"), "1.0.0"),
                     "deprecated", "");
    ck_assert_int_eq(tsr_deprecate_apply(fx_pool, store, "dep", &ann, body,
                                         &changed, &rev, &err), APR_SUCCESS);
    ck_assert_int_eq(changed, 1);
    ck_assert_ptr_null(tsr_json_str(tsr_json_obj(tsr_json_obj(
        doc_now("dep"), "versions"), "1.0.0"), "deprecated"));
    ck_assert_int_eq(tsr_deprecate_apply(fx_pool, store, "dep", &ann,
                                         fx_json(fx_pool, "{\"_rev\":\"x\"}"),
                                         &changed, &rev, &err),
                     TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 400);
}
END_TEST

static const char *no_email(void *baton, apr_pool_t *p, const char *user)
{
    return strcmp(user, "ann") == 0 ? "ann@example.com" : NULL;
}

/* npm owner: maintainers from the body, at the revision read; a
 * restricted package's readers follow them. */
START_TEST(owners)
{
    tsr_actor_t ann = { "ann", 0 }, bob = { "bob", 0 };
    tsr_error_t *err = NULL;
    const char *rev, *new_rev;

    store = fx_store(fx_pool);
    publish_as("ann", "@ann/o", "1.0.0", 1);
    rev = apr_pstrdup(fx_pool, tsr_packument_rev(doc_now("@ann/o")));
    ck_assert_int_eq(tsr_owner_set(fx_pool, store, "@ann/o", &bob, rev,
                                   fx_json(fx_pool, "{\"maintainers\":"
                                           "[{\"name\":\"bob\"}]}"),
                                   no_email, NULL, &new_rev, &err),
                     TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 404);
    ck_assert_int_eq(tsr_owner_set(fx_pool, store, "@ann/o", &ann, rev,
                                   fx_json(fx_pool, "{\"maintainers\":[]}"),
                                   no_email, NULL, &new_rev, &err),
                     TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 400);
    ck_assert_int_eq(tsr_owner_set(fx_pool, store, "@ann/o", &ann, rev,
                                   fx_json(fx_pool, "{\"maintainers\":"
                                           "[{\"name\":\"Bad Name\"}]}"),
                                   no_email, NULL, &new_rev, &err),
                     TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 400);
    ck_assert_int_eq(tsr_owner_set(fx_pool, store, "@ann/o", &ann, rev,
                                   fx_json(fx_pool, "{\"maintainers\":"
                                           "[{\"name\":\"ann\"},"
                                           "{\"name\":\"bob\",\"email\":"
                                           "\"x@evil\"}]}"),
                                   no_email, NULL, &new_rev, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(readers_record("@ann/o"), "ann,bob");
    ck_assert_str_eq(view_readers("@ann/o", 0, "1.0.0"), "ann,bob");
    ck_assert(strstr(tsr_json_serialize(fx_pool, doc_now("@ann/o"), NULL),
                     "x@evil") == NULL);
    /* the old revision no longer goes */
    ck_assert_int_eq(tsr_owner_set(fx_pool, store, "@ann/o", &ann, rev,
                                   fx_json(fx_pool, "{\"maintainers\":"
                                           "[{\"name\":\"ann\"}]}"),
                                   no_email, NULL, &new_rev, &err),
                     TSR_EREFUSED);
    ck_assert_int_eq(err->http_status, 409);
}
END_TEST

Suite *make_access_suite(void)
{
    Suite *s = suite_create("access");
    TCase *tc = fx_tcase("access");

    tcase_add_test(tc, may_read);
    tcase_add_test(tc, restricted_everywhere);
    tcase_add_test(tc, lists);
    tcase_add_test(tc, dist_tags);
    tcase_add_test(tc, deprecations);
    tcase_add_test(tc, owners);
    suite_add_tcase(s, tc);
    return s;
}
