/* mod_tsci_registry_jobs.c: the autorouting jobs API (TsciRegistry jobs):
 * the operations of its route table. */
#include "httpd.h"
#include "mod_tsci_registry.h"

static tsr_op_fn *const jobs_ops[TSR_JOBS_OP_COUNT] = {
    [TSR_JOBS_HEALTH] = tsr_rpc_health,
};

const tsr_api_ops_t tsr_jobs_ops = {
    TSR_API_JOBS, TSR_JOBS_OP_COUNT, jobs_ops
};
