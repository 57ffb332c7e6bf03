/* mod_tsci_registry_request.c: what the registry keeps about one request,
 * shared by the glue files that see it pass (who it is, its store
 * session). */
#include "httpd.h"
#include "http_config.h"
#include "mod_tsci_registry.h"

tsr_request_t *tsr_request_of(request_rec *r)
{
    tsr_request_t *q = ap_get_module_config(r->request_config,
                                            &tsci_registry_module);

    if (q == NULL) {
        q = apr_pcalloc(r->pool, sizeof(*q));
        ap_set_module_config(r->request_config, &tsci_registry_module, q);
    }
    return q;
}
