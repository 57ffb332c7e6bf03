/* mod_tsci_registry_tsci.c: tscircuit's registry API (TsciRegistry tsci):
 * the operations of its route table. */
#include "httpd.h"
#include "mod_tsci_registry.h"

static tsr_op_fn *const tsci_ops[TSR_TSCI_OP_COUNT] = {
    [TSR_TSCI_HEALTH] = tsr_rpc_health,
    [TSR_TSCI_ACCOUNTS_GET] = tsr_tsci_accounts_get,
    [TSR_TSCI_LOGIN_PAGE_CREATE] = tsr_tsci_login_page_create,
    [TSR_TSCI_LOGIN_PAGE_GET] = tsr_tsci_login_page_get,
    [TSR_TSCI_LOGIN_PAGE_EXCHANGE] = tsr_tsci_login_page_exchange,
    [TSR_TSCI_LOGIN_PAGE_SESSION] = tsr_tsci_login_page_session,
    /* The page and its form are npm's web login's, in tscircuit's words. */
    [TSR_TSCI_LOGIN_PAGE_WEB] = tsr_npm_weblogin_page,
    [TSR_TSCI_LOGIN_PAGE_FORM] = tsr_npm_weblogin_form,
    [TSR_TSCI_SESSIONS_DELETE] = tsr_tsci_sessions_delete,
};

const tsr_api_ops_t tsr_tsci_ops = {
    TSR_API_TSCI, TSR_TSCI_OP_COUNT, tsci_ops
};
