/* mod_tsci_registry_baseurl.c: the registry's own URL, which every
 * tarball link starts with.  In order:
 *   1. TsciRegistryBaseURL, when set;
 *   2. behind a proxy that TsciRegistryTrustedProxy names (the address
 *      the connection comes from), the proxy's X-Forwarded-Proto, -Host
 *      and -Prefix, the values the nearest proxy added;
 *   3. the request's Host, only when it names this server (ServerName,
 *      ServerAlias, the address the connection reached, or localhost on
 *      loopback) and its port is the one the connection reached;
 *   4. else the server's canonical name (ServerName) and port.
 * So a client's Host header or X-Forwarded-Host never decides the links
 * others are served, which a cache in front would hand to everyone. */
#include <string.h>
#include "apr_strings.h"
#include "apr_lib.h"
#include "httpd.h"
#include "http_config.h"
#include "http_core.h"
#include "http_protocol.h"
#include "http_vhost.h"
#include "mod_tsci_registry.h"

/* The last value of a comma-separated header (the one the nearest proxy
 * added), trimmed, or NULL. */
static const char *last_value(apr_pool_t *p, const char *h)
{
    const char *comma, *start;
    apr_size_t n;

    if (h == NULL) {
        return NULL;
    }
    comma = strrchr(h, ',');
    start = comma ? comma + 1 : h;
    while (*start == ' ' || *start == '\t') {
        start++;
    }
    n = strlen(start);
    while (n > 0 && (start[n - 1] == ' ' || start[n - 1] == '\t')) {
        n--;
    }
    return n ? apr_pstrmemdup(p, start, n) : NULL;
}

/* host[:port] of a name, an IPv4 address or a bracketed IPv6 one. */
static int is_host(const char *h)
{
    apr_size_t n = strlen(h), i;

    if (n == 0 || n > 255) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!apr_isalnum(h[i]) && !strchr(".-:[]", h[i])) {
            return 0;
        }
    }
    return 1;
}

/* A path prefix: '/', then URL path characters only. */
static int is_prefix(const char *s)
{
    apr_size_t n = strlen(s), i;

    if (n == 0 || n > 256 || s[0] != '/') {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!apr_isalnum(s[i]) && !strchr("/-._~%!$&'()*+,;=:@", s[i])) {
            return 0;
        }
    }
    return 1;
}

static int from_trusted_proxy(request_rec *r, const tsr_dir_conf_t *d)
{
    int i;

    if (d->trusted_proxies == NULL) {
        return 0;
    }
    for (i = 0; i < d->trusted_proxies->nelts; i++) {
        if (apr_ipsubnet_test(APR_ARRAY_IDX(d->trusted_proxies, i,
                                            apr_ipsubnet_t *),
                              r->connection->client_addr)) {
            return 1;
        }
    }
    return 0;
}

/* The base a trusted proxy announces, or NULL when it announces none. */
static const char *proxied_base(request_rec *r, const tsr_dir_conf_t *d)
{
    const char *proto, *host, *prefix;

    host = last_value(r->pool, apr_table_get(r->headers_in,
                                             "X-Forwarded-Host"));
    if (host == NULL || !is_host(host)) {
        return NULL;
    }
    proto = last_value(r->pool, apr_table_get(r->headers_in,
                                              "X-Forwarded-Proto"));
    if (proto == NULL
        || (strcasecmp(proto, "https") != 0
            && strcasecmp(proto, "http") != 0)) {
        proto = ap_http_scheme(r);
    }
    prefix = last_value(r->pool, apr_table_get(r->headers_in,
                                               "X-Forwarded-Prefix"));
    if (prefix == NULL || !is_prefix(prefix)) {
        prefix = ap_os_escape_path(r->pool, d->prefix, 1);
    }
    return apr_pstrcat(r->pool, strcasecmp(proto, "https") == 0 ? "https"
                                                                  : "http",
                       "://", host, prefix,
                       prefix[strlen(prefix) - 1] == '/' ? "" : "/", NULL);
}

/* Does the request's Host name this server, on the port the connection
 * reached? */
static int host_is_ours(request_rec *r)
{
    conn_rec *c = r->connection;
    apr_port_t port = r->parsed_uri.port ? r->parsed_uri.port
                                         : ap_default_port(r);

    if (r->hostname == NULL || port != c->local_addr->port) {
        return 0;
    }
    if (strcmp(r->hostname, c->local_ip) == 0
        || ap_matches_request_vhost(r, r->hostname, port)) {
        return 1;
    }
    /* Only this machine reaches a loopback address. */
    return strcasecmp(r->hostname, "localhost") == 0
           && (strncmp(c->local_ip, "127.", 4) == 0
               || strcmp(c->local_ip, "::1") == 0);
}

const char *tsr_base_url(request_rec *r, const tsr_dir_conf_t *d)
{
    const char *prefix = ap_os_escape_path(r->pool, d->prefix, 1), *host;
    apr_port_t port;
    const char *base;

    if (d->base_url) {
        return d->base_url;
    }
    if (from_trusted_proxy(r, d) && (base = proxied_base(r, d)) != NULL) {
        return base;
    }
    if (host_is_ours(r)) {
        return ap_construct_url(r->pool, prefix, r);
    }
    /* The canonical name, whatever the client said. */
    host = r->server->server_hostname;
    port = r->server->port ? r->server->port : r->connection->local_addr->port;
    if (host == NULL) {
        host = r->connection->local_ip;
    }
    if (ap_strchr_c(host, ':') && host[0] != '[') {
        host = apr_pstrcat(r->pool, "[", host, "]", NULL);    /* IPv6 */
    }
    return apr_psprintf(r->pool, "%s://%s%s%s", ap_http_scheme(r), host,
                        ap_is_default_port(port, r) ? ""
                            : apr_psprintf(r->pool, ":%u", port),
                        prefix);
}
