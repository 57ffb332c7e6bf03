/* mod_tsci_registry.c: the module record and the registration of hooks;
 * each glue file registers its own. */
#include "httpd.h"
#include "http_config.h"
#include "mod_tsci_registry.h"

static void register_hooks(apr_pool_t *p)
{
    tsr_map_register_hooks(p);
    tsr_store_register_hooks(p);
    tsr_watch_register_hooks(p);
    tsr_password_register_hooks(p);
    tsr_authn_register_hooks(p);
    tsr_access_register_hooks(p);
    tsr_handler_register_hooks(p);
    tsr_sign_register_hooks(p);
    tsr_weblogin_register_hooks(p);
    tsr_search_register_hooks(p);
    tsr_jobs_register_hooks(p);
}

AP_DECLARE_MODULE(tsci_registry) = {
    STANDARD20_MODULE_STUFF,
    tsr_create_dir_conf,
    tsr_merge_dir_conf,
    tsr_create_server_conf,
    tsr_merge_server_conf,
    tsr_cmds,
    register_hooks
};
