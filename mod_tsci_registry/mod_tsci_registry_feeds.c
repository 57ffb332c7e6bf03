/* mod_tsci_registry_feeds.c: what a mirror follows.
 *   GET /_changes?since=N&limit=N&include_docs=true: CouchDB's changes
 *     feed, one row per write of a package in sequence order, deletions
 *     marked; last_seq continues it, and GET / update_seq agrees.
 *   GET /-/all/since?stale=update_after&startkey=MS: the registry's older
 *     feed: the packages changed since a time (milliseconds), each as a
 *     short summary.
 * Both show only what the asker may read: a restricted package's name
 * never appears to others. */
#include <string.h>
#include "apr_strings.h"
#include "apr_hash.h"
#include "httpd.h"
#include "http_config.h"
#include "http_protocol.h"
#include "util_script.h"
#include "mod_tsci_registry.h"
#include "tsr_access.h"
#include "tsr_json.h"
#include "tsr_view.h"

/* Rows of one answer of the changes feed (the default too), and when
 * each carries its document. */
#define CHANGES_MAX 1000
#define CHANGES_DOCS_MAX 100
/* Most rows /-/all/since looks at, newest first. */
#define ALL_SINCE_SCAN 10000

/* A non-negative integer query value; dflt when absent, -1 when bad. */
static apr_int64_t arg_count(apr_table_t *args, const char *key,
                             apr_int64_t dflt)
{
    const char *v = args ? apr_table_get(args, key) : NULL;
    char *end;
    apr_int64_t n;

    if (v == NULL) {
        return dflt;
    }
    if (*v < '0' || *v > '9' || strlen(v) > 18) {
        return -1;
    }
    n = apr_strtoi64(v, &end, 10);
    return *end ? -1 : n;
}

static int store_failed(tsr_req_t *q)
{
    return tsr_io_refuse(q->r, HTTP_SERVICE_UNAVAILABLE, "the registry "
                         "store is unavailable, try again");
}

/* The full document of a live package as GET /<name> sends it. */
static json_object *full_doc(tsr_req_t *q, const char *name)
{
    const char *blob;
    apr_size_t len;
    tsr_view_t v;
    char *text;
    json_object *doc;

    if (tsr_store_package_view(q->store, q->r->pool, name, TSR_VIEW_FULL,
                               &blob, &len) != APR_SUCCESS
        || tsr_view_decode(&v, blob, len) != APR_SUCCESS) {
        return NULL;
    }
    text = tsr_view_flatten(&v, q->r->pool, tsr_npm_base_url(q));
    if (tsr_json_parse(&doc, q->r->pool, text, strlen(text), 1000, NULL)
        != APR_SUCCESS) {
        return NULL;
    }
    return json_object_get(doc);
}

int tsr_npm_changes(tsr_req_t *q)
{
    apr_table_t *args = NULL;
    apr_int64_t since, limit;
    const char *s, *docs;
    apr_array_header_t *rows;
    apr_uint64_t last;
    tsr_store_stats_t st;
    tsr_actor_t who = tsr_req_actor(q);
    json_object *out, *results;
    int i, include_docs, may;

    ap_args_to_table(q->r, &args);
    s = args ? apr_table_get(args, "since") : NULL;
    docs = args ? apr_table_get(args, "include_docs") : NULL;
    include_docs = docs && strcmp(docs, "true") == 0;
    if (docs && !include_docs && strcmp(docs, "false") != 0) {
        return tsr_io_refuse(q->r, HTTP_BAD_REQUEST, "include_docs is true "
                             "or false");
    }
    if (s && strcmp(s, "now") == 0) {
        if (tsr_store_stats(q->store, q->r->pool, &st) != APR_SUCCESS) {
            return store_failed(q);
        }
        since = (apr_int64_t)st.update_seq;
    }
    else if ((since = arg_count(args, "since", 0)) < 0) {
        return tsr_io_refuse(q->r, HTTP_BAD_REQUEST, "since is a sequence "
                             "number (0 or more) or \"now\"");
    }
    limit = arg_count(args, "limit", include_docs ? CHANGES_DOCS_MAX
                                                  : CHANGES_MAX);
    if (limit < 1 || limit > (include_docs ? CHANGES_DOCS_MAX
                                           : CHANGES_MAX)) {
        return tsr_io_refuse(q->r, HTTP_BAD_REQUEST, "limit is 1 to %d%s",
                             include_docs ? CHANGES_DOCS_MAX : CHANGES_MAX,
                             include_docs ? " with include_docs" : "");
    }
    if (tsr_store_changes(q->store, q->r->pool, (apr_uint64_t)since, 0,
                          (apr_size_t)limit, &rows) != APR_SUCCESS) {
        return store_failed(q);
    }
    out = tsr_json_own(q->r->pool, json_object_new_object());
    results = json_object_new_array();
    json_object_object_add(out, "results", results);
    last = (apr_uint64_t)since;
    for (i = 0; i < rows->nelts; i++) {
        const tsr_change_t *c = &APR_ARRAY_IDX(rows, i, tsr_change_t);
        json_object *row, *changes, *rev, *doc;

        /* Rows the asker may not see still move last_seq on, so that a
         * follower never asks for them again. */
        last = c->seq;
        if (tsr_access_may_list(q->r->pool, q->store, c->name, &who, &may)
            != APR_SUCCESS) {
            return store_failed(q);
        }
        if (!may) {
            continue;
        }
        row = json_object_new_object();
        json_object_object_add(row, "seq", json_object_new_int64(
                                               (int64_t)c->seq));
        tsr_json_set_str(row, "id", c->name);
        changes = json_object_new_array();
        if (c->rev) {
            rev = json_object_new_object();
            tsr_json_set_str(rev, "rev", c->rev);
            json_object_array_add(changes, rev);
        }
        json_object_object_add(row, "changes", changes);
        if (c->deleted) {
            json_object_object_add(row, "deleted",
                                   json_object_new_boolean(1));
        }
        if (include_docs) {
            doc = c->deleted ? NULL : full_doc(q, c->name);
            if (doc == NULL) {
                /* Gone since (or now): what CouchDB shows of a deleted
                 * document. */
                doc = json_object_new_object();
                tsr_json_set_str(doc, "_id", c->name);
                json_object_object_add(doc, "_deleted",
                                       json_object_new_boolean(1));
            }
            json_object_object_add(row, "doc", doc);
        }
        json_object_array_add(results, row);
    }
    json_object_object_add(out, "last_seq",
                           json_object_new_int64((int64_t)last));
    apr_table_setn(q->r->headers_out, "Cache-Control", "no-cache");
    return tsr_io_send_json(q->r, 200, out);
}

/* What /-/all/since says of a package. */
static json_object *summary(json_object *doc)
{
    static const char *const fields[] = {
        "name", "description", "dist-tags", "maintainers", "homepage",
        "keywords", "repository", "author", "bugs", "license",
        "readmeFilename", NULL
    };
    json_object *o = json_object_new_object(), *v, *t;
    const char *latest, *modified;
    int i;

    for (i = 0; fields[i]; i++) {
        if (json_object_object_get_ex(doc, fields[i], &v)) {
            json_object_object_add(o, fields[i], tsr_json_copy(v));
        }
    }
    t = json_object_new_object();
    if ((modified = tsr_json_str(tsr_json_obj(doc, "time"), "modified"))) {
        tsr_json_set_str(t, "modified", modified);
    }
    json_object_object_add(o, "time", t);
    v = json_object_new_object();
    if ((latest = tsr_json_str(tsr_json_obj(doc, "dist-tags"), "latest"))) {
        tsr_json_set_str(v, latest, "latest");
    }
    json_object_object_add(o, "versions", v);
    return o;
}

int tsr_npm_all_since(tsr_req_t *q)
{
    apr_table_t *args = NULL;
    apr_int64_t startkey;
    apr_array_header_t *rows;
    apr_hash_t *seen = apr_hash_make(q->r->pool);
    tsr_actor_t who = tsr_req_actor(q);
    json_object *out, *doc;
    int i;

    ap_args_to_table(q->r, &args);
    if ((startkey = arg_count(args, "startkey", -1)) < 0) {
        return tsr_io_refuse(q->r, HTTP_BAD_REQUEST, "startkey is a time in "
                             "milliseconds since 1970");
    }
    if (tsr_store_changes(q->store, q->r->pool, 0, 1, ALL_SINCE_SCAN, &rows)
        != APR_SUCCESS) {
        return store_failed(q);
    }
    out = tsr_json_own(q->r->pool, json_object_new_object());
    json_object_object_add(out, "_updated", json_object_new_int64(
                                                apr_time_as_msec(
                                                    apr_time_now())));
    for (i = 0; i < rows->nelts; i++) {
        const tsr_change_t *c = &APR_ARRAY_IDX(rows, i, tsr_change_t);

        /* Newest first: the first row older than startkey ends it. */
        if (apr_time_as_msec(c->time) < startkey) {
            break;
        }
        if (apr_hash_get(seen, c->name, APR_HASH_KEY_STRING)) {
            continue;
        }
        apr_hash_set(seen, c->name, APR_HASH_KEY_STRING, c->name);
        if (!c->deleted
            && tsr_access_doc(&doc, q->r->pool, q->store, c->name, &who)
                   == APR_SUCCESS) {
            json_object_object_add(out, c->name, summary(doc));
        }
    }
    apr_table_setn(q->r->headers_out, "Cache-Control", "no-cache");
    return tsr_io_send_json(q->r, 200, out);
}
