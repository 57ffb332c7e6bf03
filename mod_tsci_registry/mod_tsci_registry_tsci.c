/* mod_tsci_registry_tsci.c: tscircuit's registry API (TsciRegistry tsci):
 * the operations of its route table. */
#include "httpd.h"
#include "mod_tsci_registry.h"

static tsr_op_fn *const tsci_ops[TSR_TSCI_OP_COUNT] = {
    [TSR_TSCI_HEALTH] = tsr_rpc_health,
};

const tsr_api_ops_t tsr_tsci_ops = {
    TSR_API_TSCI, TSR_TSCI_OP_COUNT, tsci_ops
};
