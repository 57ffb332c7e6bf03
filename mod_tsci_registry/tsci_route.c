/* tsci-route: route a tscircuit board from the command line with the
 * registry's autorouter: Circuit JSON in, the same elements plus the new
 * pcb_trace and pcb_via elements out, progress and timing on stderr. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <apr_general.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include "tsr_json.h"
#include "tsr_autoroute.h"

/* The largest input read; tscircuit boards are a few hundred KB. */
#define INPUT_LIMIT (256u * 1024 * 1024)

static void usage(FILE *f)
{
    fputs("usage: tsci-route [options] in.json > out.json\n"
          "  in.json              unrouted Circuit JSON (an array), or - for "
          "stdin\n"
          "  -t, --time-budget MS stop routing after MS milliseconds and "
          "write what\n"
          "                       is routed by then (default: no budget)\n"
          "  -s, --subcircuit ID  route only the nets of subcircuit ID\n"
          "  -g, --grid MM        grid pitch in mm (default 0.1)\n"
          "  -q, --quiet          no progress and no summary on stderr\n"
          "  -v, --verbose        a progress line per net\n"
          "  -h, --help           this text\n"
          "Writes the input elements followed by the new pcb_trace and "
          "pcb_via\nelements as one JSON array (what route-check reads). "
          "Exit status: 0\nrouted (even partly), 1 the input was refused, "
          "2 usage or I/O.\n", f);
}

typedef struct prog_t {
    int tty, verbose;
    apr_time_t t0;
} prog_t;

static void on_progress(void *baton, int routed, int total, int failed)
{
    prog_t *pg = baton;
    double ms = (double)(apr_time_now() - pg->t0) / 1000.0;

    if (pg->verbose) {
        fprintf(stderr, "tsci-route: %d/%d nets routed, %d given up, "
                "%.1f ms\n", routed, total, failed, ms);
    }
    else if (pg->tty) {
        fprintf(stderr, "\rtsci-route: %d/%d nets routed, %d given up, "
                "%.1f ms   ", routed, total, failed, ms);
    }
}

/* CPU time of this process so far, in ms: on a loaded machine the wall
 * clock also counts other processes' time slices. */
static double cpu_ms(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) != 0) {
        return 0;
    }
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3
           + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int read_all(apr_pool_t *p, const char *path, char **pbuf,
                    apr_size_t *plen)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    apr_size_t cap = 1 << 16, len = 0, n;
    char *buf, *nb;

    if (f == NULL) {
        fprintf(stderr, "tsci-route: %s: %s\n", path, strerror(errno));
        return -1;
    }
    buf = malloc(cap);
    while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            if (cap >= INPUT_LIMIT) {
                fprintf(stderr, "tsci-route: %s: larger than %u bytes\n",
                        path, INPUT_LIMIT);
                free(buf);
                buf = NULL;
                break;
            }
            cap *= 2;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
            }
            buf = nb;
        }
    }
    if (buf != NULL && ferror(f)) {
        fprintf(stderr, "tsci-route: %s: %s\n", path, strerror(errno));
        free(buf);
        buf = NULL;
    }
    if (f != stdin) {
        fclose(f);
    }
    if (buf == NULL) {
        return -1;
    }
    *pbuf = apr_pmemdup(p, buf, len + 1);
    (*pbuf)[len] = '\0';
    *plen = len;
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    tsr_autoroute_opts_t opts;
    tsr_autoroute_result_t *res;
    tsr_error_t *err = NULL;
    json_object *circuit, *out;
    prog_t pg;
    const char *in = NULL, *text;
    char *buf;
    apr_size_t len, k;
    apr_time_t t0, t_json;
    double cpu0;
    int i, quiet = 0;

    if (apr_initialize() != APR_SUCCESS || apr_pool_create(&p, NULL)) {
        return 2;
    }
    atexit(apr_terminate);
    tsr_autoroute_opts_init(&opts);
    memset(&pg, 0, sizeof(pg));
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_val = i + 1 < argc;

        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        }
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            pg.verbose = 1;
        }
        else if ((!strcmp(a, "-t") || !strcmp(a, "--time-budget"))
                 && has_val) {
            char *end;
            double ms = strtod(argv[++i], &end);

            if (*end != '\0' || !(ms >= 0) || ms > 86400e3) {
                fprintf(stderr, "tsci-route: --time-budget wants "
                        "milliseconds, not \"%s\"\n", argv[i]);
                return 2;
            }
            opts.time_budget = (apr_interval_time_t)(ms * 1000);
        }
        else if ((!strcmp(a, "-s") || !strcmp(a, "--subcircuit"))
                 && has_val) {
            opts.subcircuit_id = argv[++i];
        }
        else if ((!strcmp(a, "-g") || !strcmp(a, "--grid")) && has_val) {
            char *end;

            opts.grid_mm = strtod(argv[++i], &end);
            if (*end != '\0' || !(opts.grid_mm >= 0.02)
                || opts.grid_mm > 1) {
                fprintf(stderr, "tsci-route: --grid wants a pitch from "
                        "0.02 to 1 mm, not \"%s\"\n", argv[i]);
                return 2;
            }
        }
        else if (a[0] == '-' && a[1] != '\0') {
            usage(stderr);
            return 2;
        }
        else if (in == NULL) {
            in = a;
        }
        else {
            usage(stderr);
            return 2;
        }
    }
    if (in == NULL) {
        usage(stderr);
        return 2;
    }
    if (read_all(p, in, &buf, &len) != 0) {
        return 2;
    }
    pg.tty = !quiet && isatty(2);
    pg.verbose = pg.verbose && !quiet;
    if (pg.tty || pg.verbose) {
        opts.progress = on_progress;
        opts.progress_baton = &pg;
    }
    t0 = pg.t0 = apr_time_now();
    cpu0 = cpu_ms();
    if (tsr_json_parse(&circuit, p, buf, len, TSR_JSON_MAX_DEPTH, &err)
        != APR_SUCCESS) {
        fprintf(stderr, "tsci-route: %s: %s\n", in,
                err && err->message ? err->message : "not JSON");
        return 1;
    }
    t_json = apr_time_now() - t0;
    if (tsr_autoroute_run(&res, p, circuit, &opts, &err) != APR_SUCCESS) {
        if (pg.tty) {
            fputc('\n', stderr);
        }
        fprintf(stderr, "tsci-route: %s: %s\n", in,
                err && err->message ? err->message : "routing failed");
        return 1;
    }
    cpu0 = cpu_ms() - cpu0;
    /* the input elements, then the new ones */
    out = tsr_json_own(p, json_object_new_array());
    for (k = 0; k < json_object_array_length(circuit); k++) {
        json_object_array_add(out, json_object_get(
                                       json_object_array_get_idx(circuit, k)));
    }
    for (k = 0; k < json_object_array_length(res->traces); k++) {
        json_object_array_add(out, json_object_get(
                                       json_object_array_get_idx(res->traces,
                                                                 k)));
    }
    for (k = 0; k < json_object_array_length(res->vias); k++) {
        json_object_array_add(out, json_object_get(
                                       json_object_array_get_idx(res->vias,
                                                                 k)));
    }
    text = json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN);
    if (fputs(text, stdout) == EOF || fputc('\n', stdout) == EOF
        || fflush(stdout) == EOF) {
        fprintf(stderr, "tsci-route: writing the output: %s\n",
                strerror(errno));
        return 2;
    }
    if (!quiet) {
        if (pg.tty) {
            fputc('\n', stderr);
        }
        fprintf(stderr,
                "tsci-route: %s: nets=%d/%d links=%d/%d vias=%d "
                "length_mm=%.2f ms=%.2f cpu_ms=%.2f json_ms=%.2f "
                "parse_ms=%.2f "
                "grid_ms=%.2f route_ms=%.2f grid=%dx%dx%d%s%s%s\n",
                in, res->nets_routed, res->nets_total,
                res->pin_links_routed, res->pin_links_total, res->via_count,
                res->length_mm, (double)(t_json + res->t_total) / 1000.0,
                cpu0,
                (double)t_json / 1000.0, (double)res->t_parse / 1000.0,
                (double)res->t_grid / 1000.0, (double)res->t_route / 1000.0,
                res->grid_w, res->grid_h, res->layers,
                res->timed_out ? " timed_out=1" : "",
                res->cancelled ? " cancelled=1" : "",
                res->drc_dropped ? apr_psprintf(p, " drc_dropped=%d",
                                                res->drc_dropped) : "");
    }
    apr_pool_destroy(p);
    return 0;
}
