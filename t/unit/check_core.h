/* check_core: the suites of the core's unit tests, one per area, and the
 * assertions they share. */
#ifndef CHECK_CORE_H
#define CHECK_CORE_H

#include <string.h>
#include <check.h>
#include <apr_pools.h>
#include "tsr_error.h"

/* Assert that rv is a refusal whose error record carries status. */
#define ck_assert_refusal(rv, err, status)                                  \
    do {                                                                    \
        ck_assert_int_eq((rv), TSR_EREFUSED);                               \
        ck_assert_ptr_nonnull(err);                                         \
        ck_assert_int_eq((err)->http_status, (status));                     \
        ck_assert_ptr_nonnull((err)->message);                              \
        ck_assert_int_gt((int)strlen((err)->message), 0);                   \
    } while (0)

/* Assert that the NUL-terminated text contains needle. */
#define ck_assert_contains(text, needle)                                    \
    do {                                                                    \
        const char *ck_text_ = (text);                                      \
        ck_assert_ptr_nonnull(ck_text_);                                    \
        ck_assert_msg(strstr(ck_text_, (needle)) != NULL,                   \
                      "\"%s\" does not contain \"%s\"", ck_text_,           \
                      (needle));                                            \
    } while (0)

Suite *make_name_suite(void);
Suite *make_semver_suite(void);
Suite *make_integrity_suite(void);
Suite *make_json_suite(void);
Suite *make_tarball_suite(void);
Suite *make_auth_suite(void);
Suite *make_token_suite(void);
Suite *make_ratelimit_suite(void);
Suite *make_org_suite(void);
Suite *make_access_suite(void);
Suite *make_view_suite(void);
Suite *make_packument_suite(void);
Suite *make_publish_suite(void);
Suite *make_body_suite(void);
Suite *make_route_suite(void);
Suite *make_store_bdb_suite(void);
Suite *make_tokencache_suite(void);
Suite *make_viewcache_suite(void);
Suite *make_flight_suite(void);
Suite *make_gunzip_suite(void);
Suite *make_audit_suite(void);
Suite *make_sign_suite(void);
Suite *make_weblogin_suite(void);
Suite *make_store_logins_suite(void);
Suite *make_admin_suite(void);
Suite *make_search_suite(void);
Suite *make_autoroute_suite(void);
Suite *make_rpc_suite(void);
Suite *make_jobs_suite(void);
Suite *make_tsci_suite(void);
Suite *make_session_suite(void);
Suite *make_gzip_suite(void);
Suite *make_tsci_npm_suite(void);
Suite *make_tsci_search_suite(void);
Suite *make_memtrim_suite(void);
Suite *make_store_dbd_suite(void);
Suite *make_store_dbd_admin_suite(void);

#endif
