/* tsci_registry: the administrator's command-line tool (tsci-registry),
 * run on the server beside Apache: the command line, what is printed,
 * progress and signals.  What each command does to the store is the
 * core's (tsr_admin, tsr_backup, tsr_verify, tsr_reindex).  Called as
 * tsci-registry-admin, it takes the old "DATADIR command" order. */
#include "config.h"
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <apr_general.h>
#include <apr_lib.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <apr_file_info.h>
#include "tsr_admin.h"
#include "tsr_auth.h"
#include "tsr_backup.h"
#include "tsr_copy.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_reindex.h"
#include "tsr_revoke.h"
#include "tsr_token.h"
#include "tsr_verify.h"

#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

static const char *prog = "tsci-registry";

/* The command line, parsed. */
typedef struct opts_t {
    const char *datadir;
    int json;
    int quiet;
    int progress;
    int force;
    int readonly;
    int all;
    const char *cidr;
    const char *store;              /* the provider: "bdb" unless said */
    const char *params;             /* the SQL store's connection string */
    const char *to_store;           /* copy's target */
    const char *to_params;
    const char *to_datadir;
    const char *args[8];            /* the command and its words */
    int nargs;
} opts_t;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void log_stderr(void *baton, int level, apr_status_t rv,
                       const char *msg)
{
    say("%s", msg);
}

static const char usage_text[] =
"usage: tsci-registry -d DATADIR [--store bdb|dbd [--dbd-params STRING]]\n"
"                     [--json] [-q|--progress] COMMAND [ARGS]\n"
"\n"
"The administrator's tool of mod_tsci_registry.  DATADIR is the store,\n"
"as TsciRegistryDataDir names it.  Run it as Apache's User (run as\n"
"root, it becomes the owner of DATADIR first).  With --store dbd (as\n"
"TsciRegistryStore dbd), the store is the PostgreSQL database that\n"
"STRING names (as DBDParams does; or TSCI_REGISTRY_DBD_PARAMS in the\n"
"environment, which keeps a password out of the process list), with\n"
"its tarballs in DATADIR.\n"
"\n"
"While Apache serves DATADIR:\n"
"  stats                   packages, versions, users, tokens, sizes\n"
"  backup DIR              a consistent copy of the store in DIR (a new\n"
"                          directory), taken while publishes go on\n"
"  reindex [STEP]          rebuild what is derived from the package\n"
"                          documents (steps: %s)\n"
"  user add USER [EMAIL]   a new registry user; the password is read\n"
"                          twice from a terminal, or as one line of\n"
"                          standard input\n"
"  user passwd USER        a new password, read the same way\n"
"  user del USER           remove the user and every token of theirs\n"
"  user list               users, with their number of tokens\n"
"  token create USER [--read-only] [--cidr A/N,...]\n"
"                          print a new token for USER\n"
"  token list [USER]       tokens (of USER, or of everyone)\n"
"  token revoke KEY...     revoke tokens by key (as listed) or value\n"
"  token revoke --all USER revoke every token of USER\n"
"\n"
"While nothing writes to either store:\n"
"  copy --to-store bdb|dbd [--to-params STRING] [--to-datadir DIR]\n"
"                          copy the whole registry into an empty store\n"
"                          (users, token hashes, documents, stars,\n"
"                          organisations; tarballs when DIR is not\n"
"                          DATADIR): moves Berkeley DB to PostgreSQL\n"
"                          and back\n"
"\n"
"While nothing writes to DATADIR (Apache stopped, or not publishing):\n"
"  verify                  every document parses, every version's\n"
"                          tarball is there with its shasum and sha512\n"
"                          integrity, no orphan tarball files, ready\n"
"                          views up to date, Berkeley DB's own verify\n"
"                          (dbd: the rows against the counters and each\n"
"                          other);\n"
"                          -d BACKUP checks a backup directory\n"
"  restore [--force] DIR   make DATADIR a store again from the backup in\n"
"                          DIR; DATADIR must be empty or missing, or\n"
"                          with --force hold a store no process uses\n"
"\n"
"Options:\n"
"  -d, --datadir DATADIR   the data directory (required)\n"
"  --store bdb|dbd         the store's provider (bdb)\n"
"  --dbd-params STRING     dbd's libpq connection string\n"
"  --json                  machine-readable output on standard output\n"
"  -q, --quiet             no progress or notes on standard error\n"
"  --progress              progress from the start (otherwise it shows\n"
"                          once a command has run for a second)\n"
"  -h, --help              this text;  --version  the version\n"
"\n"
"Exit status: 0 done, 1 failed (verify: problems found), 2 bad command\n"
"line, 130 interrupted.  See tsci-registry(8).\n";

static int usage(FILE *to)
{
    const tsr_reindex_step_t *st;
    char steps[256] = "";

    for (st = tsr_reindex_steps; st->name; st++) {
        if (*steps) {
            strncat(steps, ", ", sizeof(steps) - strlen(steps) - 1);
        }
        strncat(steps, st->name, sizeof(steps) - strlen(steps) - 1);
    }
    fprintf(to, usage_text, steps);
    return to == stdout ? 0 : EXIT_USAGE;
}

static int bad_usage(const char *why)
{
    say("%s (see %s --help)", why, prog);
    return EXIT_USAGE;
}

/* ---- output ---- */

static const char *human(apr_pool_t *p, apr_uint64_t bytes)
{
    static const char *const units[] = { "KB", "MB", "GB", "TB" };
    double v = (double)bytes;
    int i = -1;

    if (bytes < 1024) {
        return apr_psprintf(p, "%" APR_UINT64_T_FMT " bytes", bytes);
    }
    while (v >= 1024 && i < 3) {
        v /= 1024;
        i++;
    }
    return apr_psprintf(p, "%.1f %s", v, units[i]);
}

static void print_json(json_object *o)
{
    int flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                | JSON_C_TO_STRING_NOSLASHESCAPE;

    printf("%s\n", json_object_to_json_string_ext(o, flags));
}

static void set_u64(json_object *o, const char *key, apr_uint64_t v)
{
    json_object_object_add(o, key, json_object_new_int64((int64_t)v));
}

static int failed(const tsr_error_t *err, apr_status_t rv)
{
    char buf[160];

    if (rv == APR_EINTR) {
        say("interrupted");
        return EXIT_INTERRUPTED;
    }
    say("%s", err ? err->message : apr_strerror(rv, buf, sizeof(buf)));
    return 1;
}

/* ---- progress ---- */

typedef struct progress_t {
    int quiet;
    int always;                     /* --progress: from the start */
    apr_time_t start;
    int tty;
    const char *command;
    const char *step;               /* the step shown last */
    apr_time_t shown;
    int open_line;                  /* a tty line waits for its end */
} progress_t;

static progress_t progress_state;

/* Shown once a run has taken a second (or from the start with
 * --progress): on a terminal one line is rewritten; elsewhere (a log) a
 * line when a step starts, every 5 s, and when it ends. */
static void progress(void *baton, const char *step, apr_uint64_t done,
                     apr_uint64_t total)
{
    progress_t *g = baton;
    apr_time_t now = apr_time_now();
    int new_step = g->step == NULL || strcmp(g->step, step) != 0;
    int end = total && done >= total;
    char of[48] = "";

    if (g->quiet || (!g->always && now - g->start < apr_time_from_sec(1))) {
        return;
    }
    if (!new_step && !end
        && now - g->shown < (g->tty ? apr_time_from_msec(200)
                                    : apr_time_from_sec(5))) {
        return;
    }
    if (total) {
        snprintf(of, sizeof(of), " of %" APR_UINT64_T_FMT, total);
    }
    if (g->tty) {
        fprintf(stderr, "%s%s: %s %" APR_UINT64_T_FMT "%s\033[K",
                g->open_line && new_step ? "\n" : "\r", g->command, step,
                done, of);
        g->open_line = 1;
    }
    else if (new_step || end || now - g->shown >= apr_time_from_sec(5)) {
        fprintf(stderr, "%s: %s: %s %" APR_UINT64_T_FMT "%s\n", prog,
                g->command, step, done, of);
    }
    g->step = step;
    g->shown = now;
}

static void progress_done(void)
{
    if (progress_state.open_line) {
        fputc('\n', stderr);
        progress_state.open_line = 0;
    }
}

/* ---- signals: a long run stops at its next item, letting go of the
 * store properly; a second signal ends the process at once. ---- */

static void on_signal(int sig)
{
    tsr_admin_interrupt();
}

static void catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

/* ---- who runs it ---- */

/* Run as root, become the owner of dir, so that nothing the tool writes
 * (a log file of the database, a tarball) is root's where Apache's User
 * must write.  0, or an exit status after saying why. */
static int become_owner(const char *dir)
{
    struct stat st;
    struct passwd *pw;

    if (geteuid() != 0) {
        return 0;
    }
    if (stat(dir, &st) != 0) {
        say("%s: %s; as root, the tool runs as the owner of the data "
            "directory: make it first, owned by Apache's User, or run the "
            "tool as that user (sudo -u www-data ...)", dir,
            strerror(errno));
        return 1;
    }
    if (st.st_uid == 0) {
        return 0;
    }
    pw = getpwuid(st.st_uid);
    if ((pw ? initgroups(pw->pw_name, st.st_gid) : setgroups(0, NULL)) != 0
        || setgid(st.st_gid) != 0 || setuid(st.st_uid) != 0) {
        say("cannot become the owner of %s (uid %ld): %s", dir,
            (long)st.st_uid, strerror(errno));
        return 1;
    }
    return 0;
}

/* ---- passwords ---- */

/* Typed twice on a terminal, else one line of standard input (for
 * scripts).  NULL after saying why. */
static const char *read_password(apr_pool_t *p)
{
    char a[TSR_PASSWORD_MAX + 2], b[TSR_PASSWORD_MAX + 2];
    apr_size_t alen = sizeof(a), blen = sizeof(b);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    const char *pw;

    if (isatty(0)) {
        if (apr_password_get("Password: ", a, &alen) != APR_SUCCESS
            || apr_password_get("Again: ", b, &blen) != APR_SUCCESS) {
            say("no password read");
            return NULL;
        }
        if (strcmp(a, b) != 0) {
            say("the passwords differ");
            return NULL;
        }
        pw = apr_pstrdup(p, a);
    }
    else {
        if ((n = getline(&line, &cap, stdin)) <= 0) {
            say("no password on standard input");
            free(line);
            return NULL;
        }
        if (line[n - 1] == '\n') {
            line[--n] = '\0';
        }
        /* A NUL byte would cut the password short without a word. */
        if (strlen(line) != (size_t)n) {
            say("the password holds a NUL byte");
            free(line);
            return NULL;
        }
        pw = apr_pstrdup(p, line);
        free(line);
    }
    if (*pw == '\0' || strlen(pw) > TSR_PASSWORD_MAX) {
        say("a password of 1 to %d characters is required",
            TSR_PASSWORD_MAX);
        return NULL;
    }
    return pw;
}

/* ---- commands ---- */

static int open_store(tsr_store_t **ps, int *pjoined, apr_pool_t *p,
                      const opts_t *o)
{
    const tsr_store_provider_t *provider = tsr_store_provider_find(o->store);
    apr_status_t rv;

    if (provider == NULL) {
        say("no store provider %s (there are: %s)", o->store,
            tsr_store_provider_names(p));
        return EXIT_USAGE;
    }
    rv = tsr_admin_open_store(ps, pjoined, p, provider, o->datadir,
                              o->params, log_stderr, NULL);
    if (rv == TSR_ENOTFOUND) {
        say("no registry store in %s (Apache makes it at its first start "
            "with TsciRegistryDataDir %s)", o->datadir, o->datadir);
        return 1;
    }
    if (rv != APR_SUCCESS) {
        say("cannot open the %s store in %s (%s)", provider->name,
            o->datadir, strcmp(provider->name, "bdb") == 0
                            ? "is this Apache's User?"
                            : "see the message above");
        return 1;
    }
    return 0;
}

/* Tell Apache's processes that tokens went, so that none stays usable
 * in a process's cache. */
static void tell_apache(apr_pool_t *p, const opts_t *o)
{
    apr_status_t rv = tsr_revoke_bump(p, o->datadir);
    char buf[120];

    if (rv != APR_SUCCESS) {
        say("warning: cannot update %s/%s (%s): Apache's processes may "
            "accept the revoked tokens until a graceful restart", o->datadir,
            TSR_REVOKE_FILE, apr_strerror(rv, buf, sizeof(buf)));
    }
}

static int cmd_stats(apr_pool_t *p, const opts_t *o)
{
    tsr_store_t *s;
    tsr_admin_stats_t st;
    apr_status_t rv;
    int joined, rc;

    if ((rc = open_store(&s, &joined, p, o)) != 0) {
        return rc;
    }
    rv = tsr_admin_stats(&st, p, s, progress, &progress_state);
    progress_done();
    if (rv != APR_SUCCESS) {
        return failed(NULL, rv);
    }
    if (o->json) {
        json_object *j = tsr_json_own(p, json_object_new_object());

        set_u64(j, "packages", st.packages);
        set_u64(j, "unpublished", st.unpublished);
        set_u64(j, "versions", st.versions);
        set_u64(j, "users", st.users);
        set_u64(j, "tokens", st.tokens);
        set_u64(j, "tarballs", st.tarballs);
        set_u64(j, "tarball_bytes", st.tarball_bytes);
        set_u64(j, "database_bytes", st.database_bytes);
        set_u64(j, "datadir_bytes", st.datadir_bytes);
        set_u64(j, "update_seq", st.update_seq);
        print_json(j);
        return 0;
    }
    printf("packages        %" APR_UINT64_T_FMT " (and %" APR_UINT64_T_FMT
           " unpublished)\n", st.packages, st.unpublished);
    printf("versions        %" APR_UINT64_T_FMT "\n", st.versions);
    printf("users           %" APR_UINT64_T_FMT "\n", st.users);
    printf("tokens          %" APR_UINT64_T_FMT "\n", st.tokens);
    printf("tarballs        %" APR_UINT64_T_FMT " files, %s\n", st.tarballs,
           human(p, st.tarball_bytes));
    printf("database        %s\n", human(p, st.database_bytes));
    printf("data directory  %s\n", human(p, st.datadir_bytes));
    printf("last change     %" APR_UINT64_T_FMT "\n", st.update_seq);
    return 0;
}

static int cmd_verify(apr_pool_t *p, const opts_t *o)
{
    tsr_store_t *s;
    tsr_verify_report_t rep;
    apr_status_t rv;
    int joined, rc, i;

    if ((rc = open_store(&s, &joined, p, o)) != 0) {
        return rc;
    }
    if (joined && !o->quiet && strcmp(o->store, "bdb") != 0) {
        say("note: other nodes may be writing to this database: what is "
            "published while verify runs may show as a problem");
    }
    else if (joined && !o->quiet) {
        say("note: this store is shared with Apache (its regions are "
            "there): if Apache is serving it, what is published while "
            "verify runs may show as a problem");
    }
    rv = tsr_verify_run(&rep, p, s, progress, &progress_state);
    progress_done();
    if (rv != APR_SUCCESS) {
        return failed(NULL, rv);
    }
    if (o->json) {
        json_object *j = tsr_json_own(p, json_object_new_object());
        json_object *list = json_object_new_array();

        json_object_object_add(j, "ok",
                               json_object_new_boolean(rep.problems->nelts
                                                       == 0));
        set_u64(j, "packages", rep.packages);
        set_u64(j, "versions", rep.versions);
        set_u64(j, "tarballs", rep.tarballs);
        set_u64(j, "tarball_bytes", rep.tarball_bytes);
        for (i = 0; i < rep.problems->nelts; i++) {
            tsr_verify_problem_t *pr = &APR_ARRAY_IDX(rep.problems, i,
                                                      tsr_verify_problem_t);
            json_object *e = json_object_new_object();

            tsr_json_set_str(e, "kind", pr->kind);
            if (pr->package) {
                tsr_json_set_str(e, "package", pr->package);
            }
            if (pr->version) {
                tsr_json_set_str(e, "version", pr->version);
            }
            if (pr->path) {
                tsr_json_set_str(e, "path", pr->path);
            }
            tsr_json_set_str(e, "message", pr->message);
            json_object_array_add(list, e);
        }
        json_object_object_add(j, "problems", list);
        print_json(j);
    }
    else {
        for (i = 0; i < rep.problems->nelts; i++) {
            printf("%s\n", APR_ARRAY_IDX(rep.problems, i,
                                         tsr_verify_problem_t).message);
        }
        printf("verify: %" APR_UINT64_T_FMT " packages, %" APR_UINT64_T_FMT
               " versions, %" APR_UINT64_T_FMT " tarballs (%s): %s\n",
               rep.packages, rep.versions, rep.tarballs,
               human(p, rep.tarball_bytes),
               rep.problems->nelts == 0
                   ? "no problems"
                   : apr_psprintf(p, "%d problem%s", rep.problems->nelts,
                                  rep.problems->nelts == 1 ? "" : "s"));
    }
    return rep.problems->nelts == 0 ? 0 : 1;
}

static const char *absolute(apr_pool_t *p, const char *path)
{
    char *abs = NULL;

    if (apr_filepath_merge(&abs, NULL, path, APR_FILEPATH_NATIVE, p)
        != APR_SUCCESS) {
        return path;
    }
    /* "/x/y/" and "/x/y" are one directory. */
    while (strlen(abs) > 1 && abs[strlen(abs) - 1] == '/') {
        abs[strlen(abs) - 1] = '\0';
    }
    return abs;
}

static int cmd_backup(apr_pool_t *p, const opts_t *o, const char *dir)
{
    tsr_store_t *s;
    tsr_backup_result_t res;
    tsr_error_t *err = NULL;
    apr_status_t rv;
    int joined, rc, i;

    if ((rc = open_store(&s, &joined, p, o)) != 0) {
        return rc;
    }
    dir = absolute(p, dir);
    rv = tsr_backup_run(&res, p, s, dir, progress, &progress_state, &err);
    progress_done();
    if (rv != APR_SUCCESS) {
        rc = failed(err, rv);
        /* Unless it was refused before anything was written there. */
        if (!(err && err->http_status < 500)) {
            say("%s is not a usable backup", dir);
        }
        return rc;
    }
    for (i = 0; i < res.missing->nelts; i++) {
        say("warning: the tarball %s is not in the data directory "
            "(unpublished while the backup ran, or lost: verify says)",
            APR_ARRAY_IDX(res.missing, i, const char *));
    }
    if (o->json) {
        json_object *j = tsr_json_copy(res.manifest);

        tsr_json_own(p, j);
        tsr_json_set_str(j, "directory", dir);
        print_json(j);
        return 0;
    }
    printf("backed up %s into %s: %" APR_UINT64_T_FMT " packages, %"
           APR_UINT64_T_FMT " versions (up to change %" APR_UINT64_T_FMT
           "), %" APR_UINT64_T_FMT " tarballs (%s), %" APR_UINT64_T_FMT
           " database files (%s)\n", o->datadir, dir, res.packages,
           res.versions, res.update_seq, res.tarballs,
           human(p, res.tarball_bytes), res.files, human(p, res.bytes));
    return 0;
}

static int cmd_restore(apr_pool_t *p, const opts_t *o, const char *from)
{
    tsr_backup_result_t res;
    tsr_error_t *err = NULL;
    apr_status_t rv;
    const char *next;

    from = absolute(p, from);
    rv = tsr_backup_restore(&res, p, from, o->datadir, o->force, progress,
                            &progress_state, &err);
    progress_done();
    if (rv != APR_SUCCESS) {
        return failed(err, rv);
    }
    next = apr_psprintf(p, "Next: check it (%s -d %s verify), make "
                        "TsciRegistryDataDir name %s, then \"apache2ctl "
                        "graceful\" (or start Apache): its parent recovers "
                        "a restored store before its children open it.",
                        prog, o->datadir, o->datadir);
    if (o->json) {
        json_object *j = tsr_json_own(p, json_object_new_object());

        tsr_json_set_str(j, "datadir", o->datadir);
        tsr_json_set_str(j, "from", from);
        set_u64(j, "database_files", res.files);
        set_u64(j, "database_bytes", res.bytes);
        set_u64(j, "tarballs", res.tarballs);
        set_u64(j, "tarball_bytes", res.tarball_bytes);
        json_object_object_add(j, "backup", tsr_json_copy(res.manifest));
        tsr_json_set_str(j, "next", next);
        print_json(j);
        return 0;
    }
    printf("restored %s into %s: %" APR_UINT64_T_FMT " packages, %"
           APR_UINT64_T_FMT " versions (up to change %" APR_UINT64_T_FMT
           "), %" APR_UINT64_T_FMT " tarballs (%s), %" APR_UINT64_T_FMT
           " database files (%s)\n%s\n", from, o->datadir, res.packages,
           res.versions, res.update_seq, res.tarballs,
           human(p, res.tarball_bytes), res.files, human(p, res.bytes),
           next);
    return 0;
}

static int cmd_reindex(apr_pool_t *p, const opts_t *o, const char *name)
{
    const tsr_reindex_step_t *step = NULL, *st;
    tsr_store_t *s;
    tsr_error_t *err = NULL;
    json_object *j = NULL, *steps = NULL;
    apr_uint64_t n = 0;
    apr_status_t rv;
    int joined, rc;

    if (name && (step = tsr_reindex_step(name)) == NULL) {
        return bad_usage(apr_psprintf(p, "no reindex step %s", name));
    }
    if ((rc = open_store(&s, &joined, p, o)) != 0) {
        return rc;
    }
    if (o->json) {
        j = tsr_json_own(p, json_object_new_object());
        steps = json_object_new_array();
        json_object_object_add(j, "steps", steps);
    }
    /* One step at a time, so that each is reported with its count. */
    for (st = step ? step : tsr_reindex_steps; st->name; st++) {
        rv = tsr_reindex_run(p, s, st, progress, &progress_state, &n, &err);
        progress_done();
        if (rv != APR_SUCCESS) {
            return failed(err, rv);
        }
        if (o->json) {
            json_object *e = json_object_new_object();

            tsr_json_set_str(e, "name", st->name);
            set_u64(e, "packages", n);
            json_object_array_add(steps, e);
        }
        else {
            printf("reindex: %s: %" APR_UINT64_T_FMT " packages\n",
                   st->name, n);
        }
        if (step) {
            break;
        }
    }
    if (o->json) {
        print_json(j);
    }
    return 0;
}

static int cmd_user_add(apr_pool_t *p, const opts_t *o, const char *user,
                        const char *email)
{
    tsr_store_t *s;
    tsr_error_t *err = NULL;
    tsr_auth_creds_t c;
    int joined, rc;

    if (tsr_name_check_user(p, user, &err) != APR_SUCCESS) {
        say("%s", err->message);
        return 1;
    }
    c.user = user;
    c.email = email;
    if ((c.password = read_password(p)) == NULL) {
        return 1;
    }
    if ((rc = open_store(&s, &joined, p, o)) != 0) {
        return rc;
    }
    if (tsr_auth_user_add(p, s, &c, &err) != APR_SUCCESS) {
        say("%s", err->message);
        return 1;
    }
    if (o->json) {
        json_object *j = tsr_json_own(p, json_object_new_object());

        tsr_json_set_str(j, "added", user);
        print_json(j);
    }
    else {
        printf("added %s\n", user);
    }
    return 0;
}

static int cmd_user_passwd(apr_pool_t *p, const opts_t *o, const char *user)
{
    tsr_store_t *s;
    tsr_error_t *err = NULL;
    const char *pw;
    apr_status_t rv;
    int joined, rc;

    if ((pw = read_password(p)) == NULL) {
        return 1;
    }
    if ((rc = open_store(&s, &joined, p, o)) != 0) {
        return rc;
    }
    if ((rv = tsr_admin_user_passwd(p, s, user, pw, &err)) != APR_SUCCESS) {
        return failed(err, rv);
    }
    if (o->json) {
        json_object *j = tsr_json_own(p, json_object_new_object());

        tsr_json_set_str(j, "changed", user);
        print_json(j);
    }
    else {
        printf("changed the password of %s (tokens stay good: "
               "token revoke --all %s ends them)\n", user, user);
    }
    return 0;
}

static int cmd_user_del(apr_pool_t *p, const opts_t *o, const char *user)
{
    tsr_store_t *s;
    tsr_error_t *err = NULL;
    apr_array_header_t *kept = NULL;
    apr_status_t rv;
    int joined, rc, tokens = 0, i;

    if ((rc = open_store(&s, &joined, p, o)) != 0) {
        return rc;
    }
    if ((rv = tsr_admin_user_del(p, s, user, &tokens, &err))
        != APR_SUCCESS) {
        return failed(err, rv);
    }
    tell_apache(p, o);
    /* A new user of that name would be their maintainer: worth saying. */
    if (tsr_admin_maintained(&kept, p, s, user) != APR_SUCCESS) {
        kept = NULL;
    }
    if (o->json) {
        json_object *j = tsr_json_own(p, json_object_new_object());
        json_object *list = json_object_new_array();

        tsr_json_set_str(j, "deleted", user);
        json_object_object_add(j, "tokens", json_object_new_int(tokens));
        for (i = 0; kept && i < kept->nelts; i++) {
            json_object_array_add(list, json_object_new_string(
                                            APR_ARRAY_IDX(kept, i, char *)));
        }
        json_object_object_add(j, "maintains", list);
        print_json(j);
        return 0;
    }
    printf("deleted %s and %d token%s\n", user, tokens,
           tokens == 1 ? "" : "s");
    if (kept && kept->nelts > 0) {
        printf("%s is still named a maintainer of:", user);
        for (i = 0; i < kept->nelts; i++) {
            printf(" %s", APR_ARRAY_IDX(kept, i, char *));
        }
        printf("\nA new user called %s would maintain them: give them "
               "other maintainers (npm owner add/rm).\n", user);
    }
    return 0;
}

static int cmd_user_list(apr_pool_t *p, const opts_t *o)
{
    tsr_store_t *s;
    json_object *list;
    apr_status_t rv;
    int joined, rc, i;

    if ((rc = open_store(&s, &joined, p, o)) != 0) {
        return rc;
    }
    if ((rv = tsr_admin_users(&list, p, s)) != APR_SUCCESS) {
        return failed(NULL, rv);
    }
    if (o->json) {
        print_json(list);
        return 0;
    }
    for (i = 0; i < (int)json_object_array_length(list); i++) {
        json_object *u = json_object_array_get_idx(list, i), *n;
        const char *email = tsr_json_str(u, "email");

        json_object_object_get_ex(u, "tokens", &n);
        printf("%-24s %-30s %-24s %d token%s\n", tsr_json_str(u, "name"),
               email ? email : "-", tsr_json_str(u, "created")
                                        ? tsr_json_str(u, "created") : "-",
               json_object_get_int(n), json_object_get_int(n) == 1 ? ""
                                                                   : "s");
    }
    return 0;
}

static int cmd_token_create(apr_pool_t *p, const opts_t *o,
                            const char *user)
{
    tsr_store_t *s;
    tsr_error_t *err = NULL;
    tsr_token_opts_t topts = { 0 };
    const char *rec, *token;
    apr_size_t len;
    apr_status_t rv;
    int joined, rc;

    if ((rc = open_store(&s, &joined, p, o)) != 0) {
        return rc;
    }
    rv = tsr_store_user_get(s, p, user, &rec, &len);
    if (rv == TSR_ENOTFOUND) {
        say("no user %s", user);
        return 1;
    }
    topts.readonly = o->readonly;
    if (o->cidr) {
        json_object *list = tsr_json_own(p, json_object_new_array());
        char *last, *part = apr_strtok(apr_pstrdup(p, o->cidr), ",", &last);

        for (; part; part = apr_strtok(NULL, ",", &last)) {
            json_object_array_add(list, json_object_new_string(part));
        }
        if (tsr_token_cidr_parse(&topts.cidr, p, list, &err)
            != APR_SUCCESS) {
            say("%s", err->message);
            return 1;
        }
    }
    if (rv != APR_SUCCESS
        || tsr_token_issue(&token, p, s, user, &topts, &err)
               != APR_SUCCESS) {
        say("%s", err ? err->message : "the store failed");
        return 1;
    }
    if (o->json) {
        json_object *j = tsr_json_own(p, json_object_new_object());

        tsr_json_set_str(j, "user", user);
        tsr_json_set_str(j, "token", token);
        json_object_object_add(j, "readonly",
                               json_object_new_boolean(o->readonly));
        print_json(j);
    }
    else {
        printf("%s\n", token);
    }
    return 0;
}

static int cmd_token_list(apr_pool_t *p, const opts_t *o, const char *user)
{
    tsr_store_t *s;
    tsr_error_t *err = NULL;
    json_object *list;
    apr_status_t rv;
    int joined, rc, i;

    if ((rc = open_store(&s, &joined, p, o)) != 0) {
        return rc;
    }
    if ((rv = tsr_admin_tokens(&list, p, s, user, &err)) != APR_SUCCESS) {
        return failed(err, rv);
    }
    if (o->json) {
        print_json(list);
        return 0;
    }
    for (i = 0; i < (int)json_object_array_length(list); i++) {
        json_object *t = json_object_array_get_idx(list, i), *v, *c;
        const char *created = tsr_json_str(t, "created");
        const char *cidr = "";

        if (json_object_object_get_ex(t, "cidr_whitelist", &c)
            && json_object_is_type(c, json_type_array)
            && json_object_array_length(c) > 0) {
            cidr = apr_pstrcat(p, " from ", json_object_to_json_string(c),
                               NULL);
        }
        json_object_object_get_ex(t, "readonly", &v);
        printf("%s %-16s %s... %s%s%s\n", tsr_json_str(t, "key"),
               tsr_json_str(t, "user"), tsr_json_str(t, "token"),
               created ? created : "-",
               json_object_get_boolean(v) ? " read-only" : "", cidr);
    }
    return 0;
}

static int cmd_token_revoke(apr_pool_t *p, const opts_t *o)
{
    tsr_store_t *s;
    tsr_error_t *err = NULL;
    json_object *j = NULL, *done = NULL;
    apr_status_t rv;
    int joined, rc, i, n = 0, bad = 0;

    if ((rc = open_store(&s, &joined, p, o)) != 0) {
        return rc;
    }
    if (o->json) {
        j = tsr_json_own(p, json_object_new_object());
        done = json_object_new_array();
        json_object_object_add(j, "revoked", done);
    }
    if (o->all) {
        rv = tsr_admin_token_revoke_all(p, s, o->args[2], &n, &err);
        if (rv != APR_SUCCESS) {
            return failed(err, rv);
        }
        if (!o->json) {
            printf("revoked %d token%s of %s\n", n, n == 1 ? "" : "s",
                   o->args[2]);
        }
        else {
            tsr_json_set_str(j, "user", o->args[2]);
            json_object_object_add(j, "count", json_object_new_int(n));
        }
    }
    for (i = 2; !o->all && i < o->nargs; i++) {
        const char *user = NULL;

        err = NULL;
        rv = tsr_admin_token_revoke(p, s, o->args[i], &user, &err);
        if (rv != APR_SUCCESS) {
            failed(err, rv);
            bad = 1;
            continue;
        }
        n++;
        if (o->json) {
            json_object *e = json_object_new_object();

            tsr_json_set_str(e, "key", o->args[i]);
            if (user) {
                tsr_json_set_str(e, "user", user);
            }
            json_object_array_add(done, e);
        }
        else {
            printf("revoked %s (%s)\n", o->args[i], user ? user : "no user");
        }
    }
    if (n > 0) {
        tell_apache(p, o);
    }
    if (o->json) {
        print_json(j);
    }
    return bad;
}

static int cmd_copy(apr_pool_t *p, opts_t *o)
{
    const tsr_store_provider_t *to_provider;
    tsr_store_config_t cfg;
    tsr_store_t *from, *to;
    tsr_copy_result_t res;
    tsr_error_t *err = NULL;
    apr_status_t rv;
    int joined, rc;

    if (o->to_store == NULL) {
        return bad_usage("copy needs --to-store bdb|dbd");
    }
    if ((to_provider = tsr_store_provider_find(o->to_store)) == NULL) {
        return bad_usage(apr_psprintf(p, "no store provider %s (there are: "
                                      "%s)", o->to_store,
                                      tsr_store_provider_names(p)));
    }
    if ((rc = open_store(&from, &joined, p, o)) != 0) {
        return rc;
    }
    if (joined && !o->quiet) {
        say("note: the source may be in use (Apache, or other nodes): "
            "what is written while copy runs may be missing from the copy");
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.datadir = o->to_datadir ? absolute(p, o->to_datadir) : o->datadir;
    cfg.log = log_stderr;
    cfg.params = o->to_params;
    if (strcmp(to_provider->name, o->store) == 0
        && strcmp(cfg.datadir, o->datadir) == 0
        && (o->to_params == NULL || o->params == NULL
            || strcmp(o->to_params, o->params) == 0)) {
        return bad_usage("copy needs a target other than the source");
    }
    rv = tsr_store_open_admin(to_provider, &to, p, &cfg, &joined);
    if (rv == TSR_ENOTFOUND) {
        /* A new store: made as Apache's parent makes one (the data
         * directory, Berkeley DB's environment), by its owner. */
        if ((rv = apr_dir_make_recursive(cfg.datadir, APR_FPROT_OS_DEFAULT,
                                         p)) == APR_SUCCESS
            && (rv = tsr_store_prepare(to_provider, p, &cfg, 0, -1, -1))
                   == APR_SUCCESS) {
            rv = tsr_store_open_admin(to_provider, &to, p, &cfg, &joined);
        }
    }
    if (rv != APR_SUCCESS) {
        say("cannot open the target %s store in %s", to_provider->name,
            cfg.datadir);
        return 1;
    }
    rv = tsr_copy_run(&res, p, from, to, progress, &progress_state, &err);
    progress_done();
    if (rv != APR_SUCCESS) {
        return failed(err, rv);
    }
    if (o->json) {
        json_object *j = tsr_json_own(p, json_object_new_object());

        tsr_json_set_str(j, "from", o->store);
        tsr_json_set_str(j, "to", to_provider->name);
        tsr_json_set_str(j, "to_datadir", cfg.datadir);
        set_u64(j, "users", res.users);
        set_u64(j, "tokens", res.tokens);
        set_u64(j, "packages", res.packages);
        set_u64(j, "versions", res.versions);
        set_u64(j, "tarballs_copied", res.tarballs);
        set_u64(j, "stars", res.stars);
        set_u64(j, "orgs", res.orgs);
        print_json(j);
        return 0;
    }
    printf("copied %s (%s) into %s (%s): %" APR_UINT64_T_FMT " users, %"
           APR_UINT64_T_FMT " tokens, %" APR_UINT64_T_FMT " packages, %"
           APR_UINT64_T_FMT " versions, %" APR_UINT64_T_FMT " stars, %"
           APR_UINT64_T_FMT " organisations, %" APR_UINT64_T_FMT
           " tarball files copied\n", o->datadir, o->store, cfg.datadir,
           to_provider->name, res.users, res.tokens, res.packages,
           res.versions, res.stars, res.orgs, res.tarballs);
    return 0;
}

/* ---- the command line ---- */

static int parse(opts_t *o, int argc, const char *const *argv, int compat)
{
    int i;

    memset(o, 0, sizeof(*o));
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if (compat && i == 1) {
            o->datadir = a;         /* tsci-registry-admin DATADIR ... */
        }
        else if (strcmp(a, "-d") == 0 || strcmp(a, "--datadir") == 0) {
            if (++i == argc) {
                return bad_usage("-d needs the data directory");
            }
            o->datadir = argv[i];
        }
        else if (strncmp(a, "--datadir=", 10) == 0) {
            o->datadir = a + 10;
        }
        else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        }
        else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o->quiet = 1;
        }
        else if (strcmp(a, "--progress") == 0) {
            o->progress = 1;
        }
        else if (strcmp(a, "--force") == 0) {
            o->force = 1;
        }
        else if (strcmp(a, "--read-only") == 0) {
            o->readonly = 1;
        }
        else if (strcmp(a, "--all") == 0) {
            o->all = 1;
        }
        else if (strcmp(a, "--cidr") == 0) {
            if (++i == argc) {
                return bad_usage("--cidr needs address ranges");
            }
            o->cidr = argv[i];
        }
        else if (strcmp(a, "--store") == 0 || strcmp(a, "--dbd-params") == 0
                 || strcmp(a, "--to-store") == 0
                 || strcmp(a, "--to-params") == 0
                 || strcmp(a, "--to-datadir") == 0) {
            const char **to = a[2] == 's' ? &o->store
                              : a[2] == 'd' ? &o->params
                              : a[5] == 's' ? &o->to_store
                              : a[5] == 'p' ? &o->to_params
                              : &o->to_datadir;

            if (++i == argc) {
                char why[64];

                snprintf(why, sizeof(why), "%s needs a value", a);
                return bad_usage(why);
            }
            *to = argv[i];
        }
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            return -1;
        }
        else if (strcmp(a, "--version") == 0) {
            return -2;
        }
        else if (a[0] == '-' && a[1] != '\0') {
            char why[160];

            snprintf(why, sizeof(why), "unknown option %s", a);
            return bad_usage(why);
        }
        else if (o->nargs < (int)(sizeof(o->args) / sizeof(o->args[0]))) {
            o->args[o->nargs++] = a;
        }
        else {
            return bad_usage("too many arguments");
        }
    }
    return 0;
}

/* Which command the words name, with the right number of them: 0 when
 * the line is not one of the commands. */
static int is(const opts_t *o, const char *w1, const char *w2, int min,
              int max)
{
    return o->nargs >= min && o->nargs <= max && strcmp(o->args[0], w1) == 0
           && (w2 == NULL || (o->nargs > 1 && strcmp(o->args[1], w2) == 0));
}

static int run(apr_pool_t *p, opts_t *o)
{
    const char **a = o->args;

    if (o->nargs == 0) {
        return bad_usage("no command");
    }
    if (o->datadir == NULL) {
        return bad_usage("no data directory: -d DATADIR");
    }
    o->datadir = absolute(p, o->datadir);
    /* A connection string from the environment keeps a password out of
     * the process list. */
    if (o->store == NULL) {
        o->store = "bdb";
    }
    if (o->params == NULL && strcmp(o->store, "dbd") == 0) {
        o->params = getenv("TSCI_REGISTRY_DBD_PARAMS");
    }
    if (o->to_params == NULL && o->to_store
        && strcmp(o->to_store, "dbd") == 0) {
        o->to_params = getenv("TSCI_REGISTRY_DBD_PARAMS");
    }
    /* Options that belong to one command only are refused elsewhere. */
    if ((o->force && !is(o, "restore", NULL, 2, 2))
        || ((o->readonly || o->cidr) && !is(o, "token", "create", 3, 3))
        || (o->all && !is(o, "token", "revoke", 3, 3))
        || ((o->to_store || o->to_params || o->to_datadir)
            && !is(o, "copy", NULL, 1, 1))) {
        return bad_usage("an option that this command does not take");
    }
    if (is(o, "restore", NULL, 2, 2)) {
        struct stat st;

        /* As root, the owner of the target: it must exist to say who,
         * and not be root, or Apache could not write what is restored
         * (its start gives it the top directories only). */
        if (geteuid() == 0
            && (stat(o->datadir, &st) != 0 || st.st_uid == 0)) {
            say("%s must exist and belong to Apache's User when the tool "
                "runs as root (install -d -o www-data -g www-data %s), or "
                "run it as that user", o->datadir, o->datadir);
            return 1;
        }
        return become_owner(o->datadir) ? 1 : cmd_restore(p, o, a[1]);
    }
    if (become_owner(o->datadir) != 0) {
        return 1;
    }
    progress_state.command = a[0];
    if (is(o, "stats", NULL, 1, 1)) {
        return cmd_stats(p, o);
    }
    if (is(o, "verify", NULL, 1, 1)) {
        return cmd_verify(p, o);
    }
    if (is(o, "backup", NULL, 2, 2)) {
        return cmd_backup(p, o, a[1]);
    }
    if (is(o, "reindex", NULL, 1, 2)) {
        return cmd_reindex(p, o, o->nargs == 2 ? a[1] : NULL);
    }
    if (is(o, "copy", NULL, 1, 1)) {
        return cmd_copy(p, o);
    }
    if (is(o, "user", "add", 3, 4)) {
        return cmd_user_add(p, o, a[2], o->nargs == 4 ? a[3] : NULL);
    }
    if (is(o, "user", "passwd", 3, 3)) {
        return cmd_user_passwd(p, o, a[2]);
    }
    if (is(o, "user", "del", 3, 3)) {
        return cmd_user_del(p, o, a[2]);
    }
    if (is(o, "user", "list", 2, 2)) {
        return cmd_user_list(p, o);
    }
    if (is(o, "token", "create", 3, 3)) {
        return cmd_token_create(p, o, a[2]);
    }
    if (is(o, "token", "list", 2, 3)) {
        return cmd_token_list(p, o, o->nargs == 3 ? a[2] : NULL);
    }
    if (is(o, "token", "revoke", 3, 8)) {
        return cmd_token_revoke(p, o);
    }
    return bad_usage(apr_psprintf(p, "not a command: %s%s%s", a[0],
                                  o->nargs > 1 ? " " : "",
                                  o->nargs > 1 ? a[1] : ""));
}

int main(int argc, const char *const *argv)
{
    const char *base = strrchr(argv[0], '/');
    apr_pool_t *p;
    opts_t o;
    int rc, compat;

    base = base ? base + 1 : argv[0];
    compat = strcmp(base, "tsci-registry-admin") == 0;
    if (compat) {
        prog = "tsci-registry-admin";
    }
    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS
        || apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return 1;
    }
    rc = parse(&o, argc, argv, compat);
    if (rc == -1) {
        rc = usage(stdout);
    }
    else if (rc == -2) {
        printf("tsci-registry (%s)\n", PACKAGE_STRING);
        rc = 0;
    }
    else if (rc == 0) {
        progress_state.quiet = o.quiet;
        progress_state.always = o.progress;
        progress_state.start = apr_time_now();
        progress_state.tty = isatty(2);
        catch_signals();
        rc = run(p, &o);
        if (rc == 0 && tsr_admin_interrupted()) {
            rc = EXIT_INTERRUPTED;
        }
    }
    apr_pool_destroy(p);
    apr_terminate();
    return rc;
}
