/* check_core: the runner of the core's unit tests: every area's suite in
 * one Check run, whose failure count is the exit status. */
#include <stdlib.h>
#include <apr_general.h>
#include "check_core.h"

int main(void)
{
    SRunner *sr;
    int failed;

    if (apr_initialize() != APR_SUCCESS) {
        return EXIT_FAILURE;
    }
    sr = srunner_create(make_name_suite());
    srunner_add_suite(sr, make_semver_suite());
    srunner_add_suite(sr, make_integrity_suite());
    srunner_add_suite(sr, make_json_suite());
    srunner_add_suite(sr, make_tarball_suite());
    srunner_add_suite(sr, make_auth_suite());
    srunner_add_suite(sr, make_token_suite());
    srunner_add_suite(sr, make_ratelimit_suite());
    srunner_add_suite(sr, make_org_suite());
    srunner_add_suite(sr, make_access_suite());
    srunner_add_suite(sr, make_view_suite());
    srunner_add_suite(sr, make_packument_suite());
    srunner_add_suite(sr, make_publish_suite());
    srunner_add_suite(sr, make_body_suite());
    srunner_add_suite(sr, make_route_suite());
    srunner_add_suite(sr, make_store_bdb_suite());
    srunner_add_suite(sr, make_tokencache_suite());
    srunner_add_suite(sr, make_viewcache_suite());
    srunner_add_suite(sr, make_flight_suite());
    srunner_add_suite(sr, make_gunzip_suite());
    srunner_add_suite(sr, make_audit_suite());
    srunner_add_suite(sr, make_sign_suite());
    srunner_add_suite(sr, make_weblogin_suite());
    srunner_add_suite(sr, make_store_logins_suite());
    srunner_add_suite(sr, make_admin_suite());
    srunner_add_suite(sr, make_search_suite());
    srunner_add_suite(sr, make_autoroute_suite());
    srunner_add_suite(sr, make_rpc_suite());
    srunner_add_suite(sr, make_jobs_suite());
    srunner_add_suite(sr, make_tsci_suite());
    srunner_add_suite(sr, make_session_suite());
    srunner_add_suite(sr, make_gzip_suite());
    srunner_add_suite(sr, make_tsci_npm_suite());
    srunner_add_suite(sr, make_tsci_search_suite());
    srunner_add_suite(sr, make_memtrim_suite());
    srunner_add_suite(sr, make_store_dbd_suite());
    srunner_add_suite(sr, make_store_dbd_admin_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    apr_terminate();
    return failed != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
