/* tsr_store_bdb: Berkeley DB provider.  Every write is one transaction with
 * retry on deadlock; reads take no transaction.  A process that finds the
 * environment broken (DB_RUNRECOVERY, a panic) leaves TSR_BDB_RECOVERY_FLAG
 * for the parent to act on, and tells the glue (on_broken).  Processes
 * that die holding the environment are the glue's to see: the parent
 * recovers before anyone attaches again, so no process runs failchk. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <db.h>
#include <apr_strings.h>
#include <apr_file_info.h>
#include "tsr_store_bdb.h"
#include "tsr_store_files.h"
#include "tsr_store_bdb_int.h"

#define DB_PACKAGES TSR_BDB_DB_PACKAGES
#define DB_VIEWS    1
#define DB_USERS    2
#define DB_TOKENS   3
#define DB_META     TSR_BDB_DB_META
#define DB_CHANGES  5
#define DB_USER_TOKENS 6
#define DB_ORGS     7
#define DB_USER_PACKAGES 8
#define DB_USER_STARS 9
#define DB_LOGINS   10
#define DB_SEARCH   TSR_BDB_DB_SEARCH
#define DB_SEARCH_ENTRIES TSR_BDB_DB_SEARCH_ENTRIES
#define DB_JOBS     TSR_BDB_DB_JOBS
#define DB_TSCI     TSR_BDB_DB_TSCI
#define DB_COUNT    15

static const char *const db_files[DB_COUNT] = {
    "packages.db", "views.db", "users.db", "tokens.db", "meta.db",
    "changes.db", "user-tokens.db", "orgs.db", "user-packages.db",
    "user-stars.db", "logins.db", "search.db", "search-entries.db",
    "jobs.db", "tsci.db"
};

/* How often a write is retried after a deadlock before it gives up. */
#define MAX_RETRIES TSR_BDB_MAX_RETRIES
/* Threads of all processes that may be inside the library at once.  No
 * process runs failchk any more, which is what thread tracking is for;
 * it stays because the table it sizes is made with the regions: without
 * it, a child's open on a full disk writes to the region files and fails
 * (t/store/fulldisk.t). */
#define THREAD_SLOTS 4000

/* Counters kept in one record of the meta database. */
enum { M_SEQ, M_DOCS, M_DOCS_DEL, M_DOC_BYTES, M_TARBALL_BYTES, M_COUNT };

typedef struct bdb_t {
    DB_ENV *env;
    DB *db[DB_COUNT];
    tsr_store_t *store;
    apr_pool_t *pool;
    apr_time_t opened;
    /* Set once the environment is known to need a recovery: from then on
     * every operation fails at once (503), without touching the library
     * or logging again, until the parent recovers and new children come. */
    volatile int broken;
    /* A hot backup's hold (backup_hold): a transaction kept open, and the
     * database it creates, which nobody else uses. */
    DB_TXN *hold_txn;
    DB *hold_db;
} bdb_t;

static const tsr_store_provider_t bdb_provider;
static void flag(bdb_t *b);

static const char *env_home(apr_pool_t *p, const char *datadir)
{
    return apr_pstrcat(p, datadir, "/db", NULL);
}

/* No pool is used: this also runs in request threads and in Berkeley
 * DB's callbacks (through flag()), where no pool may be shared. */
void tsr_store_bdb_flag_recovery(apr_pool_t *p, const char *datadir)
{
    char path[4096];
    int fd;

    snprintf(path, sizeof(path), "%s/db/%s", datadir, TSR_BDB_RECOVERY_FLAG);
    if ((fd = open(path, O_WRONLY | O_CREAT, 0640)) >= 0) {
        close(fd);
    }
}

int tsr_store_bdb_recovery_flagged(apr_pool_t *p, const char *datadir)
{
    apr_finfo_t fi;

    return apr_stat(&fi, apr_pstrcat(p, env_home(p, datadir), "/",
                                     TSR_BDB_RECOVERY_FLAG, NULL),
                    APR_FINFO_TYPE, p) == APR_SUCCESS;
}

void tsr_store_bdb_clear_recovery_flag(apr_pool_t *p, const char *datadir)
{
    apr_file_remove(apr_pstrcat(p, env_home(p, datadir), "/",
                                TSR_BDB_RECOVERY_FLAG, NULL), p);
}

/* ---- environment callbacks: no baton but app_private ---- */

static void errcall(const DB_ENV *env, const char *pfx, const char *msg)
{
    bdb_t *b = env->app_private;

    if (b && b->store && b->store->log) {
        b->store->log(b->store->log_baton, TSR_LOG_ERR, APR_EGENERAL, msg);
    }
}

static void event_notify(DB_ENV *env, u_int32_t event, void *info)
{
    bdb_t *b = env->app_private;

    if (event == DB_EVENT_PANIC && b) {
        flag(b);
    }
}

static int is_alive(DB_ENV *env, pid_t pid, db_threadid_t tid,
                    u_int32_t flags)
{
    return kill(pid, 0) == 0 || errno == EPERM;
}

static void flag(bdb_t *b)
{
    if (b->broken) {
        return;
    }
    b->broken = 1;
    if (b->store != NULL) {
        tsr_store_bdb_flag_recovery(NULL, b->store->datadir);
        if (b->store->log) {
            b->store->log(b->store->log_baton, TSR_LOG_ERR, APR_EGENERAL,
                          "TSR00105: the Berkeley DB environment needs a "
                          "recovery: this process stops using it, and "
                          "Apache's parent recovers it");
        }
        /* Whoever watches processes may want to know now, not at its
         * next look at the flag. */
        if (b->store->on_broken) {
            b->store->on_broken(b->store);
        }
    }
}

/* Map a Berkeley DB result; broken environments are flagged. */
static apr_status_t map_err(bdb_t *b, int ret, const char *what)
{
    char msg[512];

    if (ret == 0) {
        return APR_SUCCESS;
    }
    if (ret == DB_NOTFOUND) {
        return TSR_ENOTFOUND;
    }
    if (ret == DB_KEYEXIST) {
        return TSR_EEXISTS;
    }
    if (b->broken) {
        return TSR_EBROKEN;         /* said once, in flag() */
    }
    if (ret == DB_RUNRECOVERY) {
        flag(b);
        return TSR_EBROKEN;
    }
    if (b->store && b->store->log) {
        snprintf(msg, sizeof(msg), "TSR00101: Berkeley DB %s: %s", what,
                 db_strerror(ret));
        /* The message says it all: no status for a log prefix. */
        b->store->log(b->store->log_baton, TSR_LOG_ERR, APR_SUCCESS, msg);
    }
    return ret == DB_LOCK_NOTGRANTED ? APR_TIMEUP : APR_EGENERAL;
}

/* A deadlock victim may simply try again.  A lock wait that timed out is
 * not retried: something holds the lock far longer than any operation. */
static int retryable(int ret)
{
    return ret == DB_LOCK_DEADLOCK;
}

static void release_hold(bdb_t *b);

static apr_status_t bdb_cleanup(void *data)
{
    bdb_t *b = data;
    int i;

    if (b->env) {
        release_hold(b);
    }

    for (i = 0; i < DB_COUNT; i++) {
        if (b->db[i]) {
            b->db[i]->close(b->db[i], 0);
            b->db[i] = NULL;
        }
    }
    if (b->env) {
        b->env->close(b->env, 0);
        b->env = NULL;
    }
    return APR_SUCCESS;
}

static apr_status_t open_env(bdb_t *b, const char *home,
                             const tsr_bdb_options_t *opts)
{
    u_int32_t flags = DB_INIT_TXN | DB_INIT_LOCK | DB_INIT_LOG
                      | DB_INIT_MPOOL | DB_THREAD;
    apr_size_t cache = opts->cache_bytes ? opts->cache_bytes : 32u << 20;
    apr_interval_time_t lt = opts->lock_timeout ? opts->lock_timeout
                                                : apr_time_from_sec(10);
    int ret;

    if ((ret = db_env_create(&b->env, 0)) != 0) {
        return map_err(b, ret, "env create");
    }
    b->env->app_private = b;
    b->env->set_errcall(b->env, errcall);
    b->env->set_event_notify(b->env, event_notify);
    b->env->set_lk_detect(b->env, DB_LOCK_DEFAULT);
    b->env->set_thread_count(b->env, THREAD_SLOTS);
    b->env->set_isalive(b->env, is_alive);
    b->env->set_cachesize(b->env, 0, (u_int32_t)cache, 1);
    /* Room for a few thousand threads' transactions, each of which locks
     * a handful of pages.  The tables are made (and their pages touched)
     * whenever the environment is created or recovered, so oversizing
     * them costs a recovery disk space it may not have (the region file
     * was 57 MB with ten times these). */
    b->env->set_lk_max_locks(b->env, 10000);
    b->env->set_lk_max_lockers(b->env, 4000);
    b->env->set_lk_max_objects(b->env, 10000);
    b->env->set_tx_max(b->env, 1000);
    b->env->set_timeout(b->env, (db_timeout_t)lt, DB_SET_LOCK_TIMEOUT);
    b->env->log_set_config(b->env, DB_LOG_AUTO_REMOVE, 1);
    if (opts->create) {
        flags |= DB_CREATE;
    }
    if (opts->recover) {
        flags |= DB_CREATE | DB_RECOVER;
    }
    if (opts->alone) {
        flags |= DB_CREATE | DB_RECOVER | DB_PRIVATE;
    }
    if ((ret = b->env->open(b->env, home, flags, 0640)) != 0) {
        return map_err(b, ret, "environment open");
    }
    /* No failchk here: Berkeley DB 5.3 can crash or block in it after a
     * process was killed, so the glue never lets a process attach to an
     * environment a dead process held; it is recovered first
     * (mod_tsci_registry_watch.c). */
    return APR_SUCCESS;
}

static apr_status_t open_dbs(bdb_t *b, int create)
{
    int i, ret;

    for (i = 0; i < DB_COUNT; i++) {
        if ((ret = db_create(&b->db[i], b->env, 0)) != 0) {
            return map_err(b, ret, "db create");
        }
        /* A user's tokens, packages and stars: the user's name, once per
         * token key or package name, sorted.  The search index likewise:
         * a term, once per package name. */
        if (i == DB_USER_TOKENS || i == DB_USER_PACKAGES
            || i == DB_USER_STARS || i == DB_SEARCH) {
            b->db[i]->set_flags(b->db[i], DB_DUP | DB_DUPSORT);
        }
        /* The token index and the organisations came after the first
         * stores: a store made before them gets them from whichever
         * process opens it first (the creation is a transaction of its
         * own). */
        ret = b->db[i]->open(b->db[i], NULL, db_files[i], NULL, DB_BTREE,
                             DB_AUTO_COMMIT | DB_THREAD
                                 | (create || i >= DB_USER_TOKENS
                                        ? DB_CREATE : 0), 0640);
        if (ret != 0) {
            return map_err(b, ret, db_files[i]);
        }
    }
    return APR_SUCCESS;
}

static apr_status_t bdb_open(bdb_t **pb, apr_pool_t *p, const char *datadir,
                             const tsr_bdb_options_t *opts, tsr_store_t *s)
{
    const char *home = env_home(p, datadir);
    bdb_t *b = apr_pcalloc(p, sizeof(*b));
    apr_status_t rv;

    b->pool = p;
    b->store = s;
    b->opened = apr_time_now();
    apr_pool_cleanup_register(p, b, bdb_cleanup, apr_pool_cleanup_null);
    if (opts->create || opts->recover) {
        rv = apr_dir_make_recursive(home, APR_FPROT_OS_DEFAULT, p);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    if ((rv = open_env(b, home, opts)) != APR_SUCCESS
        || (rv = open_dbs(b, opts->create || opts->recover)) != APR_SUCCESS) {
        return rv;
    }
    *pb = b;
    return APR_SUCCESS;
}

apr_status_t tsr_store_bdb_open(tsr_store_t **ps, apr_pool_t *p,
                                const char *datadir,
                                const tsr_bdb_options_t *opts)
{
    tsr_store_t *s = apr_pcalloc(p, sizeof(*s));
    bdb_t *b;
    apr_status_t rv;

    s->provider = &bdb_provider;
    s->datadir = apr_pstrdup(p, datadir);
    s->log = opts->log;
    s->log_baton = opts->log_baton;
    if ((rv = bdb_open(&b, p, datadir, opts, s)) != APR_SUCCESS) {
        return rv;
    }
    s->impl = b;
    *ps = s;
    return APR_SUCCESS;
}

static apr_status_t chown_tree(apr_pool_t *p, const char *path, long uid,
                               long gid)
{
    apr_dir_t *dir;
    apr_finfo_t fi;
    apr_status_t rv;

    if (chown(path, (uid_t)uid, (gid_t)gid) != 0) {
        return APR_FROM_OS_ERROR(errno);
    }
    if (apr_dir_open(&dir, path, p) != APR_SUCCESS) {
        return APR_SUCCESS;         /* a file */
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, dir)
           == APR_SUCCESS) {
        const char *child;

        if (strcmp(fi.name, ".") == 0 || strcmp(fi.name, "..") == 0) {
            continue;
        }
        child = apr_pstrcat(p, path, "/", fi.name, NULL);
        if (fi.filetype == APR_DIR) {
            rv = chown_tree(p, child, uid, gid);
        }
        else {
            rv = chown(child, (uid_t)uid, (gid_t)gid) == 0
                     ? APR_SUCCESS : APR_FROM_OS_ERROR(errno);
        }
        if (rv != APR_SUCCESS) {
            apr_dir_close(dir);
            return rv;
        }
    }
    apr_dir_close(dir);
    return APR_SUCCESS;
}

/* The pid of a live process that has the environment's regions mapped,
 * or 0.  Linux: read from /proc/<pid>/maps. */
static long region_user(apr_pool_t *p, const char *home)
{
    const char *needle = apr_pstrcat(p, home, "/__db.", NULL);
    apr_dir_t *proc;
    apr_finfo_t fi;
    long found = 0;
    char line[4096];

    if (apr_dir_open(&proc, "/proc", p) != APR_SUCCESS) {
        return 0;
    }
    while (!found && apr_dir_read(&fi, APR_FINFO_NAME, proc) == APR_SUCCESS) {
        char path[64];
        FILE *f;
        long pid = strtol(fi.name, NULL, 10);

        if (pid <= 0 || pid == (long)getpid()) {
            continue;
        }
        snprintf(path, sizeof(path), "/proc/%ld/maps", pid);
        if ((f = fopen(path, "r")) == NULL) {
            continue;
        }
        while (fgets(line, sizeof(line), f)) {
            if (strstr(line, needle)) {
                found = pid;
                break;
            }
        }
        fclose(f);
    }
    apr_dir_close(proc);
    return found;
}

/* Before a recovery: a process killed while holding a region mutex leaves
 * it held, and DB_RECOVER, which first attaches to the old regions to
 * remove them, would spin on it for ever.  With no live process attached,
 * the regions carry nothing the log does not: remove them, and recovery
 * builds new ones. */
static apr_status_t drop_regions(apr_pool_t *p, const char *home,
                                 const tsr_bdb_options_t *opts)
{
    apr_dir_t *dir;
    apr_finfo_t fi;
    long user;
    int tries;

    /* Children just killed by the parent may take a moment to go. */
    for (tries = 0; (user = region_user(p, home)) != 0 && tries < 50;
         tries++) {
        apr_sleep(apr_time_from_msec(100));
    }
    if (user != 0) {
        if (opts->log) {
            opts->log(opts->log_baton, TSR_LOG_ERR, APR_EBUSY,
                      apr_psprintf(p, "TSR00102: process %ld still uses the "
                                   "environment in %s: stop it before the "
                                   "registry can recover", user, home));
        }
        return APR_EBUSY;
    }
    if (apr_dir_open(&dir, home, p) != APR_SUCCESS) {
        return APR_SUCCESS;         /* a new environment */
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME, dir) == APR_SUCCESS) {
        if (strncmp(fi.name, "__db.", 5) == 0) {
            apr_file_remove(apr_pstrcat(p, home, "/", fi.name, NULL), p);
        }
    }
    apr_dir_close(dir);
    return APR_SUCCESS;
}

/* Give every shared region file of home its disk blocks now.  They are
 * sparse files that every process maps: a page first touched when the file
 * system is full is a SIGBUS in whoever touches it, inside the library,
 * where nothing can be mended.  Allocated here, by the parent that made
 * them, a full disk later shows only as write errors the store reports. */
static apr_status_t allocate_regions(apr_pool_t *p, const char *home)
{
    apr_dir_t *dir;
    apr_finfo_t fi;
    apr_status_t rv = APR_SUCCESS;

    if (apr_dir_open(&dir, home, p) != APR_SUCCESS) {
        return APR_SUCCESS;
    }
    while (rv == APR_SUCCESS
           && apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_SIZE, dir)
                  == APR_SUCCESS) {
        const char *path;
        int fd, err;

        if (strncmp(fi.name, "__db.", 5) != 0 || fi.size <= 0) {
            continue;
        }
        path = apr_pstrcat(p, home, "/", fi.name, NULL);
        if ((fd = open(path, O_RDWR)) < 0) {
            continue;
        }
        if ((err = posix_fallocate(fd, 0, (off_t)fi.size)) != 0) {
            rv = APR_FROM_OS_ERROR(err);
        }
        close(fd);
    }
    apr_dir_close(dir);
    return rv;
}

/* Are the environment's shared regions there?  Berkeley DB makes them
 * with the environment and leaves them when it closes; a store copied or
 * restored from a backup (db_hotbackup, tsci-registry backup) has
 * its databases and logs without them. */
static int regions_exist(apr_pool_t *p, const char *datadir)
{
    apr_finfo_t fi;

    return apr_stat(&fi, apr_pstrcat(p, env_home(p, datadir), "/__db.001",
                                     NULL), APR_FINFO_TYPE, p)
           == APR_SUCCESS;
}

/* A store was made here (its first database is there; a store from an
 * older module may lack those added since). */
static int databases_exist(apr_pool_t *p, const char *datadir)
{
    apr_finfo_t fi;

    return apr_stat(&fi, apr_pstrcat(p, env_home(p, datadir), "/",
                                     db_files[0], NULL),
                    APR_FINFO_TYPE, p) == APR_SUCCESS;
}

/* Every database file is there. */
static int environment_exists(apr_pool_t *p, const char *datadir)
{
    apr_finfo_t fi;
    int i;

    for (i = 0; i < DB_COUNT; i++) {
        if (apr_stat(&fi, apr_pstrcat(p, env_home(p, datadir), "/",
                                      db_files[i], NULL),
                     APR_FINFO_TYPE, p) != APR_SUCCESS) {
            return 0;
        }
    }
    return 1;
}

apr_status_t tsr_store_bdb_prepare(apr_pool_t *p, const char *datadir,
                                   long uid, long gid,
                                   const tsr_bdb_options_t *opts)
{
    apr_pool_t *sub;
    tsr_store_t *s;
    tsr_bdb_options_t o = *opts;
    apr_status_t rv;
    const char *dirs[] = { "tarballs", "tmp", NULL };
    int i;

    if ((rv = apr_dir_make_recursive(datadir, APR_FPROT_OS_DEFAULT, p))
        != APR_SUCCESS) {
        return rv;
    }
    for (i = 0; dirs[i]; i++) {
        rv = apr_dir_make_recursive(apr_pstrcat(p, datadir, "/", dirs[i],
                                                NULL),
                                    APR_FPROT_OS_DEFAULT, p);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
    if (opts->recover
        && (rv = drop_regions(p, env_home(p, datadir), opts))
               != APR_SUCCESS) {
        return rv;
    }
    /* Databases without regions: a store restored or copied from a
     * backup, which no process can have joined (joining makes the
     * regions).  Children cannot open it as it is, so it is recovered
     * now, whatever the restart: a graceful one too. */
    if (!opts->recover && databases_exist(p, datadir)
        && !regions_exist(p, datadir)) {
        if (opts->log) {
            opts->log(opts->log_baton, TSR_LOG_NOTICE, APR_SUCCESS,
                      apr_psprintf(p, "TSR00107: the store in %s has no "
                                   "shared regions (restored from a "
                                   "backup?): recovering it", datadir));
        }
        o.recover = 1;
    }
    /* Without a recovery, an existing environment is left alone: children
     * of the running generation may be using it, and joining it here could
     * wait on a mutex that a dead one held. */
    if (o.recover || !environment_exists(p, datadir)) {
        apr_pool_create(&sub, p);
        o.create = 1;
        rv = tsr_store_bdb_open(&s, sub, datadir, &o);
        if (rv == APR_SUCCESS) {
            /* Not a reason to refuse to start: the registry serves
             * without it, and the next start tries again. */
            tsr_bdb_search_index_if_new(s, sub, opts);
            tsr_store_bdb_checkpoint(s);
            rv = allocate_regions(sub, env_home(sub, datadir));
            if (rv != APR_SUCCESS && opts->log) {
                opts->log(opts->log_baton, TSR_LOG_ERR, rv, "TSR00106: no "
                          "room on the file system for the store's shared "
                          "regions");
            }
        }
        /* No child runs yet: what publishes cut short left goes now.  A
         * failure leaves their intents for the next start, and is no
         * reason to refuse this one. */
        if (rv == APR_SUCCESS && opts->recover
            && tsr_store_files_sweep(s, sub, 0, NULL) != APR_SUCCESS
            && opts->log) {
            opts->log(opts->log_baton, TSR_LOG_WARNING, APR_EGENERAL,
                      "TSR00104: some tarballs of interrupted publishes "
                      "could not be checked; they stay until the next "
                      "start");
        }
        apr_pool_destroy(sub);      /* closes the environment */
    }
    /* Only what the parent may have created: tarballs are written by the
     * children themselves, so start-up never walks them. */
    for (i = 0; rv == APR_SUCCESS && uid != -1 && dirs[i]; i++) {
        const char *d = apr_pstrcat(p, datadir, "/", dirs[i], NULL);
        rv = chown(d, (uid_t)uid, (gid_t)gid) == 0
                 ? APR_SUCCESS : APR_FROM_OS_ERROR(errno);
    }
    if (rv == APR_SUCCESS && uid != -1) {
        rv = chown(datadir, (uid_t)uid, (gid_t)gid) == 0
                 ? chown_tree(p, env_home(p, datadir), uid, gid)
                 : APR_FROM_OS_ERROR(errno);
    }
    return rv;
}

/* A checkpoint when more than kbytes of log were written since the last
 * one (Berkeley DB then removes the log files recovery no longer needs:
 * DB_LOG_AUTO_REMOVE); below that, the library only compares numbers. */
static apr_status_t checkpoint_after(bdb_t *b, u_int32_t kbytes)
{
    int ret = b->env->txn_checkpoint(b->env, kbytes, 0, 0);

    return ret == 0 ? APR_SUCCESS : map_err(b, ret, "checkpoint");
}

apr_status_t tsr_store_bdb_checkpoint(tsr_store_t *s)
{
    return checkpoint_after(s->impl, 1024);
}

/* ---- reads ---- */

static apr_status_t free_cleanup(void *data)
{
    free(data);
    return APR_SUCCESS;
}

static apr_status_t get(bdb_t *b, apr_pool_t *p, int which, const void *k,
                        apr_size_t klen, const char **pval, apr_size_t *plen)
{
    DBT key, data;
    int ret;

    if (b->broken) {
        return TSR_EBROKEN;
    }
    memset(&key, 0, sizeof(key));
    memset(&data, 0, sizeof(data));
    key.data = (void *)k;
    key.size = (u_int32_t)klen;
    data.flags = DB_DBT_MALLOC;
    ret = b->db[which]->get(b->db[which], NULL, &key, &data, 0);
    if (ret != 0) {
        return map_err(b, ret, "read");
    }
    apr_pool_cleanup_register(p, data.data, free_cleanup,
                              apr_pool_cleanup_null);
    *pval = data.data;
    *plen = data.size;
    return APR_SUCCESS;
}

static apr_status_t view_key(apr_pool_t *p, const char *name, char kind,
                             char **pk, apr_size_t *plen)
{
    apr_size_t n = strlen(name);
    char *k = apr_palloc(p, n + 2);

    memcpy(k, name, n);
    k[n] = '\0';
    k[n + 1] = kind;
    *pk = k;
    *plen = n + 2;
    return APR_SUCCESS;
}

static apr_status_t bdb_package_view(tsr_store_t *s, apr_pool_t *p,
                                     const char *name, tsr_view_kind_e kind,
                                     const char **pblob, apr_size_t *plen)
{
    char *k;
    apr_size_t klen;

    view_key(p, name, (char)kind, &k, &klen);
    return get(s->impl, p, DB_VIEWS, k, klen, pblob, plen);
}

/* name, NUL, 'v', version: longer than the two views of the document,
 * so no key of one is a key of the other. */
static void version_key(apr_pool_t *p, const char *name, const char *version,
                        char **pk, apr_size_t *plen)
{
    apr_size_t n = strlen(name), vn = strlen(version);
    char *k = apr_palloc(p, n + 2 + vn);

    memcpy(k, name, n);
    k[n] = '\0';
    k[n + 1] = 'v';
    memcpy(k + n + 2, version, vn);
    *pk = k;
    *plen = n + 2 + vn;
}

static apr_status_t bdb_package_version_view(tsr_store_t *s, apr_pool_t *p,
                                             const char *name,
                                             const char *version,
                                             const char **pblob,
                                             apr_size_t *plen)
{
    char *k;
    apr_size_t klen;

    version_key(p, name, version, &k, &klen);
    return get(s->impl, p, DB_VIEWS, k, klen, pblob, plen);
}

static apr_status_t bdb_package_doc(tsr_store_t *s, apr_pool_t *p,
                                    const char *name, const char **pdoc,
                                    apr_size_t *plen)
{
    return get(s->impl, p, DB_PACKAGES, name, strlen(name), pdoc, plen);
}

static apr_status_t bdb_user_get(tsr_store_t *s, apr_pool_t *p,
                                 const char *name, const char **prec,
                                 apr_size_t *plen)
{
    return get(s->impl, p, DB_USERS, name, strlen(name), prec, plen);
}

static apr_status_t bdb_token_get(tsr_store_t *s, apr_pool_t *p,
                                  const unsigned char key[32],
                                  const char **prec, apr_size_t *plen)
{
    return get(s->impl, p, DB_TOKENS, key, 32, prec, plen);
}

/* ---- writes ---- */

static void set_dbt(DBT *d, const void *data, apr_size_t len)
{
    memset(d, 0, sizeof(*d));
    d->data = (void *)data;
    d->size = (u_int32_t)len;
}

/* One auto-committed put or delete, retried on deadlock. */
static apr_status_t put1(bdb_t *b, int which, const void *k, apr_size_t klen,
                         const void *v, apr_size_t vlen, u_int32_t flags)
{
    DBT key, data;
    int ret, i;

    if (b->broken) {
        return TSR_EBROKEN;
    }
    for (i = 0; i < MAX_RETRIES; i++) {
        set_dbt(&key, k, klen);
        set_dbt(&data, v, vlen);
        ret = v ? b->db[which]->put(b->db[which], NULL, &key, &data,
                                    flags | DB_AUTO_COMMIT)
                : b->db[which]->del(b->db[which], NULL, &key,
                                    DB_AUTO_COMMIT);
        if (!retryable(ret)) {
            break;
        }
    }
    if (ret == DB_NOTFOUND && v == NULL) {
        return APR_SUCCESS;
    }
    return map_err(b, ret, "write");
}

static apr_status_t bdb_user_create(tsr_store_t *s, apr_pool_t *p,
                                    const char *name, const char *rec,
                                    apr_size_t len)
{
    return put1(s->impl, DB_USERS, name, strlen(name), rec, len,
                DB_NOOVERWRITE);
}

/* Run step (one transaction's worth of work) until it commits, retrying
 * deadlocks. */
typedef int txn_step_fn(bdb_t *b, DB_TXN *txn, void *baton);

static apr_status_t in_txn(bdb_t *b, txn_step_fn *step, void *baton,
                           const char *what)
{
    DB_TXN *txn;
    int ret = 0, i;

    if (b->broken) {
        return TSR_EBROKEN;
    }
    for (i = 0; i < MAX_RETRIES; i++) {
        if ((ret = b->env->txn_begin(b->env, NULL, &txn, 0)) != 0) {
            break;
        }
        if ((ret = step(b, txn, baton)) != 0) {
            txn->abort(txn);
            if (retryable(ret)) {
                continue;
            }
            break;
        }
        ret = txn->commit(txn, 0);
        break;
    }
    return map_err(b, ret, what);
}

typedef struct token_op_t {
    const unsigned char *key;
    const char *user;
    const char *rec;
    apr_size_t len;
} token_op_t;

static int token_put_step(bdb_t *b, DB_TXN *txn, void *baton)
{
    token_op_t *o = baton;
    DBT key, data;
    int ret;

    set_dbt(&key, o->key, 32);
    set_dbt(&data, o->rec, o->len);
    if ((ret = b->db[DB_TOKENS]->put(b->db[DB_TOKENS], txn, &key, &data,
                                     0)) != 0) {
        return ret;
    }
    set_dbt(&key, o->user, strlen(o->user));
    set_dbt(&data, o->key, 32);
    ret = b->db[DB_USER_TOKENS]->put(b->db[DB_USER_TOKENS], txn, &key,
                                     &data, DB_NODUPDATA);
    return ret == DB_KEYEXIST ? 0 : ret;
}

static int token_delete_step(bdb_t *b, DB_TXN *txn, void *baton)
{
    token_op_t *o = baton;
    DBT key, data;
    DBC *c;
    int ret, cret;

    set_dbt(&key, o->key, 32);
    ret = b->db[DB_TOKENS]->del(b->db[DB_TOKENS], txn, &key, 0);
    if (ret != 0 && ret != DB_NOTFOUND) {
        return ret;
    }
    if ((ret = b->db[DB_USER_TOKENS]->cursor(b->db[DB_USER_TOKENS], txn,
                                             &c, 0)) != 0) {
        return ret;
    }
    set_dbt(&key, o->user, strlen(o->user));
    set_dbt(&data, o->key, 32);
    ret = c->get(c, &key, &data, DB_GET_BOTH | DB_RMW);
    if (ret == 0) {
        ret = c->del(c, 0);
    }
    cret = c->close(c);
    if (ret == DB_NOTFOUND) {
        ret = 0;
    }
    return ret ? ret : cret;
}

static apr_status_t bdb_token_put(tsr_store_t *s, apr_pool_t *p,
                                  const unsigned char key[32],
                                  const char *user, const char *rec,
                                  apr_size_t len)
{
    token_op_t o = { key, user, rec, len };

    return in_txn(s->impl, token_put_step, &o, "token write");
}

static apr_status_t bdb_token_delete(tsr_store_t *s, apr_pool_t *p,
                                     const unsigned char key[32],
                                     const char *user)
{
    token_op_t o = { key, user, NULL, 0 };

    return in_txn(s->impl, token_delete_step, &o, "token delete");
}

static apr_status_t bdb_org_get(tsr_store_t *s, apr_pool_t *p,
                                const char *name, const char **prec,
                                apr_size_t *plen)
{
    return get(s->impl, p, DB_ORGS, name, strlen(name), prec, plen);
}

typedef struct record_op_t {
    const char *key;
    tsr_record_update_fn *fn;
    void *baton;
    apr_pool_t *pool;
    tsr_error_t **perr;
    apr_status_t refused;       /* what fn returned, when it refused */
    int which;                  /* the database */
    int must_exist;             /* a user: missing is DB_NOTFOUND before
                                 * fn is asked, and fn may not remove it */
} record_op_t;

/* Read the record under a write lock, let fn decide, write what it says:
 * one transaction, so two updates of one record never lose each other. */
static int record_update_step(bdb_t *b, DB_TXN *txn, void *baton)
{
    record_op_t *o = baton;
    DB *db = b->db[o->which];
    DBT key, data;
    const char *next = NULL;
    apr_size_t next_len = 0;
    apr_status_t rv;
    int ret;

    set_dbt(&key, o->key, strlen(o->key));
    memset(&data, 0, sizeof(data));
    data.flags = DB_DBT_MALLOC;
    ret = db->get(db, txn, &key, &data, DB_RMW);
    if (ret != 0 && (ret != DB_NOTFOUND || o->must_exist)) {
        return ret;
    }
    if (ret == 0) {
        apr_pool_cleanup_register(o->pool, data.data, free_cleanup,
                                  apr_pool_cleanup_null);
    }
    rv = o->fn(o->baton, o->pool, ret == 0 ? data.data : NULL,
               ret == 0 ? data.size : 0, &next, &next_len, o->perr);
    if (rv == APR_SUCCESS && next == NULL && o->must_exist) {
        rv = tsr_error_set(o->perr, o->pool, 400, NULL, "a user is removed "
                           "by deleting it, not by updating it");
    }
    if (rv != APR_SUCCESS) {
        o->refused = rv;
        return DB_KEYEXIST;         /* any error: the caller knows why */
    }
    if (next == NULL) {
        ret = db->del(db, txn, &key, 0);
        return ret == DB_NOTFOUND ? 0 : ret;
    }
    set_dbt(&data, next, next_len);
    return db->put(db, txn, &key, &data, 0);
}

static apr_status_t bdb_org_update(tsr_store_t *s, apr_pool_t *p,
                                   const char *name,
                                   tsr_record_update_fn *fn, void *baton,
                                   tsr_error_t **perr)
{
    record_op_t o = { name, fn, baton, p, perr, APR_SUCCESS, DB_ORGS, 0 };
    apr_status_t rv = in_txn(s->impl, record_update_step, &o,
                             "organisation write");

    if (o.refused != APR_SUCCESS) {
        return o.refused;
    }
    if (rv != APR_SUCCESS) {
        return tsr_error_set(perr, p, 503, NULL, "the organisation store is "
                             "unavailable, try again");
    }
    return APR_SUCCESS;
}

/* Names under a cursor: DB_SET_RANGE from prefix while the keys start
 * with it (packages), or DB_SET then DB_NEXT_DUP (a user's packages). */
static apr_status_t names_of(bdb_t *b, apr_pool_t *p, int which,
                             const char *k, int by_prefix, apr_size_t max,
                             apr_array_header_t **pnames)
{
    apr_array_header_t *names = apr_array_make(p, 8, sizeof(char *));
    apr_size_t klen = strlen(k);
    void *kcopy = apr_pmemdup(p, k, klen);
    DBT key, data;
    DBC *c;
    int ret, cret, flag = by_prefix ? DB_SET_RANGE : DB_SET;

    if (b->broken) {
        return TSR_EBROKEN;
    }
    if ((ret = b->db[which]->cursor(b->db[which], NULL, &c, 0)) != 0) {
        return map_err(b, ret, "list");
    }
    memset(&key, 0, sizeof(key));
    key.data = kcopy;
    key.size = (u_int32_t)klen;
    for (;;) {
        /* Both come back in memory of their own, freed here. */
        key.flags = DB_DBT_MALLOC;
        memset(&data, 0, sizeof(data));
        data.flags = DB_DBT_MALLOC;
        if ((ret = c->get(c, &key, &data, flag)) != 0) {
            break;
        }
        if (by_prefix && (key.size < klen
                          || memcmp(key.data, k, klen) != 0)) {
            ret = DB_NOTFOUND;
        }
        else if ((apr_size_t)names->nelts < max) {
            APR_ARRAY_PUSH(names, char *) = by_prefix
                ? apr_pstrmemdup(p, key.data, key.size)
                : apr_pstrmemdup(p, data.data, data.size);
        }
        else {
            ret = DB_NOTFOUND;
        }
        if (key.data != kcopy) {
            free(key.data);
        }
        free(data.data);
        key.data = NULL;
        key.size = 0;
        if (ret != 0) {
            break;
        }
        flag = by_prefix ? DB_NEXT : DB_NEXT_DUP;
    }
    cret = c->close(c);
    if (ret == DB_NOTFOUND) {
        ret = cret;
    }
    if (ret != 0) {
        return map_err(b, ret, "list");
    }
    *pnames = names;
    return APR_SUCCESS;
}

static apr_status_t bdb_package_names(tsr_store_t *s, apr_pool_t *p,
                                      const char *prefix, apr_size_t max,
                                      apr_array_header_t **pnames)
{
    return names_of(s->impl, p, DB_PACKAGES, prefix, 1, max, pnames);
}

static apr_status_t bdb_user_packages(tsr_store_t *s, apr_pool_t *p,
                                      const char *user, apr_size_t max,
                                      apr_array_header_t **pnames)
{
    return names_of(s->impl, p, DB_USER_PACKAGES, user, 0, max, pnames);
}

/* The keys of user's tokens, read with a cursor over the user's own
 * entries of the index: a keyed lookup, whatever the number of users. */
static apr_status_t bdb_token_list(tsr_store_t *s, apr_pool_t *p,
                                   const char *user,
                                   apr_array_header_t **pkeys)
{
    bdb_t *b = s->impl;
    apr_array_header_t *keys = apr_array_make(p, 4, 32);
    DBT key, data;
    DBC *c;
    int ret, cret;

    if (b->broken) {
        return TSR_EBROKEN;
    }
    if ((ret = b->db[DB_USER_TOKENS]->cursor(b->db[DB_USER_TOKENS], NULL,
                                             &c, 0)) != 0) {
        return map_err(b, ret, "token list");
    }
    set_dbt(&key, user, strlen(user));
    memset(&data, 0, sizeof(data));
    for (ret = c->get(c, &key, &data, DB_SET); ret == 0;
         ret = c->get(c, &key, &data, DB_NEXT_DUP)) {
        if (data.size == 32) {
            memcpy(apr_array_push(keys), data.data, 32);
        }
    }
    cret = c->close(c);
    if (ret == DB_NOTFOUND) {
        ret = cret;
    }
    if (ret != 0) {
        return map_err(b, ret, "token list");
    }
    *pkeys = keys;
    return APR_SUCCESS;
}

static void enc64(unsigned char *b, apr_uint64_t v)
{
    int i;

    for (i = 7; i >= 0; i--) {
        b[i] = (unsigned char)v;
        v >>= 8;
    }
}

static apr_uint64_t dec64(const unsigned char *b)
{
    apr_uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++) {
        v = (v << 8) | b[i];
    }
    return v;
}

static const char meta_key[] = "counters";

static void tsr_change_decode_row(apr_array_header_t *rows, apr_pool_t *p,
                                  const void *k, const void *v,
                                  apr_size_t len)
{
    tsr_store_change_decode(apr_array_push(rows), p, dec64(k), v, len);
}

/* Read the counters inside txn (write-locked when rmw). */
static int read_meta(bdb_t *b, DB_TXN *txn, apr_uint64_t m[M_COUNT],
                     u_int32_t flags)
{
    unsigned char buf[8 * M_COUNT];
    DBT key, data;
    int ret, i;

    set_dbt(&key, meta_key, sizeof(meta_key));
    memset(&data, 0, sizeof(data));
    data.data = buf;
    data.ulen = sizeof(buf);
    data.flags = DB_DBT_USERMEM;
    memset(m, 0, sizeof(apr_uint64_t) * M_COUNT);
    ret = b->db[DB_META]->get(b->db[DB_META], txn, &key, &data, flags);
    if (ret == DB_NOTFOUND) {
        return 0;
    }
    if (ret == 0) {
        for (i = 0; i < M_COUNT && (u_int32_t)(8 * (i + 1)) <= data.size;
             i++) {
            m[i] = dec64(buf + 8 * i);
        }
    }
    return ret;
}

static int write_meta(bdb_t *b, DB_TXN *txn, const apr_uint64_t m[M_COUNT])
{
    unsigned char buf[8 * M_COUNT];
    DBT key, data;
    int i;

    for (i = 0; i < M_COUNT; i++) {
        enc64(buf + 8 * i, m[i]);
    }
    set_dbt(&key, meta_key, sizeof(meta_key));
    set_dbt(&data, buf, sizeof(buf));
    return b->db[DB_META]->put(b->db[DB_META], txn, &key, &data, 0);
}

/* Delete a key of which, if it is there. */
static int del_key(bdb_t *b, DB_TXN *txn, int which, const void *k,
                   apr_size_t klen)
{
    DBT key;
    int ret;

    set_dbt(&key, k, klen);
    ret = b->db[which]->del(b->db[which], txn, &key, 0);
    return ret == DB_NOTFOUND ? 0 : ret;
}

/* Add name to user's starred packages, or take it away. */
static int star(bdb_t *b, DB_TXN *txn, const char *user, const char *name,
                int add)
{
    DB *db = b->db[DB_USER_STARS];
    DBT key, data;
    DBC *c;
    int ret, cret;

    set_dbt(&key, user, strlen(user));
    set_dbt(&data, name, strlen(name));
    if (add) {
        ret = db->put(db, txn, &key, &data, DB_NODUPDATA);
        return ret == DB_KEYEXIST ? 0 : ret;
    }
    if ((ret = db->cursor(db, txn, &c, 0)) != 0) {
        return ret;
    }
    ret = c->get(c, &key, &data, DB_GET_BOTH | DB_RMW);
    if (ret == 0) {
        ret = c->del(c, 0);
    }
    cret = c->close(c);
    return ret == DB_NOTFOUND ? cret : ret ? ret : cret;
}

/* The counters and the change row of a package write. */
static int count_change(bdb_t *b, DB_TXN *txn, apr_pool_t *p,
                        const char *name, apr_size_t old_len, int existed,
                        const tsr_package_write_t *w)
{
    apr_uint64_t m[M_COUNT];
    unsigned char seqkey[8];
    const char *row;
    apr_size_t rowlen;
    DBT key, data;
    int ret;

    if ((ret = read_meta(b, txn, m, DB_RMW)) != 0) {
        return ret;
    }
    m[M_SEQ]++;
    if (!existed || w->revived) {
        m[M_DOCS]++;
    }
    if (w->revived && m[M_DOCS_DEL] > 0) {
        m[M_DOCS_DEL]--;
    }
    if (w->gone) {
        m[M_DOCS] -= m[M_DOCS] > 0;
        m[M_DOCS_DEL]++;
    }
    m[M_DOC_BYTES] += w->doc_len - old_len;
    m[M_TARBALL_BYTES] += (apr_uint64_t)w->tarball_bytes;
    if ((ret = write_meta(b, txn, m)) != 0) {
        return ret;
    }
    enc64(seqkey, m[M_SEQ]);
    row = tsr_store_change_encode(p, name, w->rev, apr_time_now(), w->gone,
                                  &rowlen);
    set_dbt(&key, seqkey, sizeof(seqkey));
    set_dbt(&data, row, rowlen);
    return b->db[DB_CHANGES]->put(b->db[DB_CHANGES], txn, &key, &data, 0);
}

/* The gzip records of w's views, or their absence: a write that made
 * none removes the old ones, so a record never outlives its view. */
static int put_gzip(bdb_t *b, DB_TXN *txn, apr_pool_t *p, const char *name,
                    const tsr_package_write_t *w)
{
    const char kinds[2] = { TSR_VIEW_FULL_GZ, TSR_VIEW_ABBREV_GZ };
    const char *recs[2] = { w->full_gz, w->abbrev_gz };
    apr_size_t lens[2] = { w->full_gz_len, w->abbrev_gz_len }, vklen;
    DBT key, data;
    char *vk;
    int i, ret;

    for (i = 0; i < 2; i++) {
        view_key(p, name, kinds[i], &vk, &vklen);
        if (recs[i] == NULL) {
            ret = del_key(b, txn, DB_VIEWS, vk, vklen);
        }
        else {
            set_dbt(&key, vk, vklen);
            set_dbt(&data, recs[i], lens[i]);
            ret = b->db[DB_VIEWS]->put(b->db[DB_VIEWS], txn, &key, &data, 0);
        }
        if (ret != 0) {
            return ret;
        }
    }
    return 0;
}

/* The writes of one attempt, inside txn. */
static int write_package(bdb_t *b, DB_TXN *txn, apr_pool_t *p,
                         const char *name, apr_size_t old_len, int existed,
                         const tsr_package_write_t *w)
{
    char *vk;
    apr_size_t vklen, nlen = strlen(name);
    DBT key, data;
    int ret, i;

    set_dbt(&key, name, nlen);
    set_dbt(&data, w->doc, w->doc_len);
    if ((ret = b->db[DB_PACKAGES]->put(b->db[DB_PACKAGES], txn, &key, &data,
                                       0)) != 0) {
        return ret;
    }
    /* Before the early end of a package that is gone: its entry goes. */
    if ((ret = tsr_bdb_search_set(b, txn, p, name, w->search,
                                  w->search_len)) != 0) {
        return ret;
    }
    for (i = 0; i < w->n_removed; i++) {
        version_key(p, name, w->removed_versions[i], &vk, &vklen);
        if ((ret = del_key(b, txn, DB_VIEWS, vk, vklen)) != 0) {
            return ret;
        }
    }
    if (w->star_user && (ret = star(b, txn, w->star_user, name,
                                    w->star_add)) != 0) {
        return ret;
    }
    if (w->gone) {
        static const char kinds[] = { TSR_VIEW_FULL, TSR_VIEW_ABBREV,
                                      TSR_VIEW_TAGS, TSR_VIEW_READERS,
                                      TSR_VIEW_FULL_GZ,
                                      TSR_VIEW_ABBREV_GZ };

        for (i = 0; i < (int)sizeof(kinds); i++) {
            view_key(p, name, kinds[i], &vk, &vklen);
            if ((ret = del_key(b, txn, DB_VIEWS, vk, vklen)) != 0) {
                return ret;
            }
        }
        return count_change(b, txn, p, name, old_len, existed, w);
    }
    view_key(p, name, TSR_VIEW_FULL, &vk, &vklen);
    set_dbt(&key, vk, vklen);
    set_dbt(&data, w->full, w->full_len);
    if ((ret = b->db[DB_VIEWS]->put(b->db[DB_VIEWS], txn, &key, &data, 0))
        != 0) {
        return ret;
    }
    view_key(p, name, TSR_VIEW_ABBREV, &vk, &vklen);
    set_dbt(&key, vk, vklen);
    set_dbt(&data, w->abbrev, w->abbrev_len);
    if ((ret = b->db[DB_VIEWS]->put(b->db[DB_VIEWS], txn, &key, &data, 0))
        != 0) {
        return ret;
    }
    if ((ret = put_gzip(b, txn, p, name, w)) != 0) {
        return ret;
    }
    if (w->tags) {
        view_key(p, name, TSR_VIEW_TAGS, &vk, &vklen);
        set_dbt(&key, vk, vklen);
        set_dbt(&data, w->tags, w->tags_len);
        if ((ret = b->db[DB_VIEWS]->put(b->db[DB_VIEWS], txn, &key, &data,
                                        0)) != 0) {
            return ret;
        }
    }
    if (w->version && w->version_view) {
        version_key(p, name, w->version, &vk, &vklen);
        set_dbt(&key, vk, vklen);
        set_dbt(&data, w->version_view, w->version_view_len);
        if ((ret = b->db[DB_VIEWS]->put(b->db[DB_VIEWS], txn, &key, &data,
                                        0)) != 0) {
            return ret;
        }
    }
    for (i = 0; i < w->n_more; i++) {
        version_key(p, name, w->more_versions[i], &vk, &vklen);
        set_dbt(&key, vk, vklen);
        set_dbt(&data, w->more_views[i], w->more_lens[i]);
        if ((ret = b->db[DB_VIEWS]->put(b->db[DB_VIEWS], txn, &key, &data,
                                        0)) != 0) {
            return ret;
        }
    }
    if (!existed && w->creator) {
        set_dbt(&key, w->creator, strlen(w->creator));
        set_dbt(&data, name, nlen);
        ret = b->db[DB_USER_PACKAGES]->put(b->db[DB_USER_PACKAGES], txn,
                                           &key, &data, DB_NODUPDATA);
        if (ret != 0 && ret != DB_KEYEXIST) {
            return ret;
        }
    }
    view_key(p, name, TSR_VIEW_READERS, &vk, &vklen);
    set_dbt(&key, vk, vklen);
    if (w->readers) {
        set_dbt(&data, w->readers, strlen(w->readers));
        ret = b->db[DB_VIEWS]->put(b->db[DB_VIEWS], txn, &key, &data, 0);
    }
    else {
        ret = b->db[DB_VIEWS]->del(b->db[DB_VIEWS], txn, &key, 0);
        ret = ret == DB_NOTFOUND ? 0 : ret;
    }
    if (ret != 0) {
        return ret;
    }
    return count_change(b, txn, p, name, old_len, existed, w);
}

static int write_views(bdb_t *b, DB_TXN *txn, apr_pool_t *p,
                       const char *name, const tsr_package_write_t *w);

/* One write of name's document under its write lock, tried again after
 * a deadlock: fn decides from the stored document, then the document and
 * its views are written (write_package), or, with views_only (a
 * reindex), the views alone, with no new change row, and a package that
 * does not exist is not made.  APR_SUCCESS once committed; fn's refusal
 * (its *perr kept alive in p); else APR_EGENERAL with *pret the Berkeley
 * DB result that ended the tries. */
static apr_status_t package_txn(bdb_t *b, apr_pool_t *p, const char *name,
                                tsr_package_update_fn *fn, void *baton,
                                int views_only, tsr_error_t **perr,
                                int *pret)
{
    int attempt, ret = 0;

    for (attempt = 0; attempt < MAX_RETRIES; attempt++) {
        apr_pool_t *sub;
        DB_TXN *txn = NULL;
        DBT key, data;
        tsr_package_write_t w;
        apr_status_t rv;
        int existed;

        if ((ret = b->env->txn_begin(b->env, NULL, &txn, 0)) != 0) {
            break;
        }
        apr_pool_create(&sub, p);
        set_dbt(&key, name, strlen(name));
        memset(&data, 0, sizeof(data));
        data.flags = DB_DBT_MALLOC;
        ret = b->db[DB_PACKAGES]->get(b->db[DB_PACKAGES], txn, &key, &data,
                                      DB_RMW);
        if (ret != 0 && (ret != DB_NOTFOUND || views_only)) {
            txn->abort(txn);
            apr_pool_destroy(sub);
            if (retryable(ret)) {
                continue;
            }
            break;
        }
        existed = (ret == 0);
        if (existed) {
            apr_pool_cleanup_register(sub, data.data, free_cleanup,
                                      apr_pool_cleanup_null);
        }
        memset(&w, 0, sizeof(w));
        rv = fn(baton, sub, existed ? data.data : NULL,
                existed ? data.size : 0, &w, perr);
        if (rv != APR_SUCCESS) {
            txn->abort(txn);
            if (perr && *perr) {
                /* the record was allocated in sub: keep it alive */
                tsr_error_t *e = apr_pmemdup(p, *perr, sizeof(**perr));
                e->message = apr_pstrdup(p, e->message);
                e->code = apr_pstrdup(p, e->code);
                *perr = e;
            }
            apr_pool_destroy(sub);
            *pret = 0;
            return rv;
        }
        ret = views_only ? write_views(b, txn, sub, name, &w)
                         : write_package(b, txn, sub, name,
                                         existed ? data.size : 0, existed,
                                         &w);
        if (ret != 0) {
            if (w.undo) {
                w.undo(w.undo_baton);
            }
            txn->abort(txn);
            apr_pool_destroy(sub);
            if (retryable(ret)) {
                continue;
            }
            break;
        }
        ret = txn->commit(txn, 0);
        if (ret == 0) {
            apr_pool_destroy(sub);
            return APR_SUCCESS;
        }
        /* The transaction is gone (a failed commit aborts it): what the
         * callback did outside the database must go with it. */
        if (w.undo) {
            w.undo(w.undo_baton);
        }
        apr_pool_destroy(sub);
        break;
    }
    *pret = ret;
    return APR_EGENERAL;
}

static apr_status_t bdb_package_update(tsr_store_t *s, apr_pool_t *p,
                                       const char *name,
                                       tsr_package_update_fn *fn, void *baton,
                                       tsr_error_t **perr)
{
    bdb_t *b = s->impl;
    int ret = 0;
    apr_status_t rv, mapped;

    if (b->broken) {
        return tsr_error_set(perr, p, 503, NULL, "the registry store is "
                             "being recovered: try again in a moment");
    }
    rv = package_txn(b, p, name, fn, baton, 0, perr, &ret);
    if (rv == APR_SUCCESS || ret == 0) {
        return rv;
    }
    mapped = map_err(b, ret, "update");
    if (mapped == TSR_EBROKEN) {
        return tsr_error_set(perr, p, 503, NULL, "the registry store is "
                             "being recovered: try again in a moment");
    }
    if (ret == ENOSPC) {
        return tsr_error_set(perr, p, 507, NULL, "the registry's disk is "
                             "full: nothing was stored");
    }
    return tsr_error_internal(perr, p, mapped,
                              "the store could not complete the write");
}

static apr_status_t bdb_user_stars(tsr_store_t *s, apr_pool_t *p,
                                   const char *user, apr_size_t max,
                                   apr_array_header_t **pnames)
{
    return names_of(s->impl, p, DB_USER_STARS, user, 0, max, pnames);
}

/* Rows of the changes database from a cursor: forwards from the first
 * key after after, or backwards from the last. */
static apr_status_t bdb_changes(tsr_store_t *s, apr_pool_t *p,
                                apr_uint64_t after, int newest_first,
                                apr_size_t max, apr_array_header_t **prows)
{
    bdb_t *b = s->impl;
    apr_array_header_t *rows = apr_array_make(p, 16, sizeof(tsr_change_t));
    unsigned char start[8];
    DBT key, data;
    DBC *c;
    int ret, cret;
    u_int32_t flag;

    if (b->broken) {
        return TSR_EBROKEN;
    }
    if ((ret = b->db[DB_CHANGES]->cursor(b->db[DB_CHANGES], NULL, &c, 0))
        != 0) {
        return map_err(b, ret, "changes");
    }
    enc64(start, after + 1);
    flag = newest_first ? DB_LAST : DB_SET_RANGE;
    while ((apr_size_t)rows->nelts < max) {
        memset(&key, 0, sizeof(key));
        memset(&data, 0, sizeof(data));
        if (flag == DB_SET_RANGE) {
            key.data = start;
            key.size = sizeof(start);
            key.ulen = sizeof(start);
            key.flags = DB_DBT_USERMEM;
        }
        else {
            key.flags = DB_DBT_MALLOC;
        }
        data.flags = DB_DBT_MALLOC;
        if ((ret = c->get(c, &key, &data, flag)) != 0) {
            break;
        }
        if (key.size == 8) {
            tsr_change_decode_row(rows, p, key.data, data.data, data.size);
        }
        if (key.data != start) {
            free(key.data);
        }
        free(data.data);
        flag = newest_first ? DB_PREV : DB_NEXT;
    }
    cret = c->close(c);
    if (ret == DB_NOTFOUND || ret == 0) {
        ret = cret;
    }
    if (ret != 0) {
        return map_err(b, ret, "changes");
    }
    *prows = rows;
    return APR_SUCCESS;
}

static apr_uint64_t disk_bytes(apr_pool_t *p, const char *home)
{
    apr_dir_t *dir;
    apr_finfo_t fi;
    apr_uint64_t total = 0;

    if (apr_dir_open(&dir, home, p) != APR_SUCCESS) {
        return 0;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE
                                 | APR_FINFO_SIZE, dir) == APR_SUCCESS) {
        /* __db.* are the shared memory regions, not data. */
        if (fi.filetype == APR_REG && strncmp(fi.name, "__db.", 5) != 0) {
            total += (apr_uint64_t)fi.size;
        }
    }
    apr_dir_close(dir);
    return total;
}

static apr_status_t bdb_stats(tsr_store_t *s, apr_pool_t *p,
                              tsr_store_stats_t *st)
{
    bdb_t *b = s->impl;
    apr_uint64_t m[M_COUNT];
    int ret;

    if (b->broken) {
        return TSR_EBROKEN;
    }
    if ((ret = read_meta(b, NULL, m, 0)) != 0) {
        return map_err(b, ret, "read of counters");
    }
    st->update_seq = m[M_SEQ];
    st->doc_count = m[M_DOCS];
    st->doc_del_count = m[M_DOCS_DEL];
    st->data_size = m[M_DOC_BYTES] + m[M_TARBALL_BYTES];
    st->disk_size = disk_bytes(p, env_home(p, s->datadir))
                    + m[M_TARBALL_BYTES];
    st->start_time = b->opened;
    return APR_SUCCESS;
}

/* ---- the life cycle, as the provider table has it ---- */

static tsr_bdb_options_t options_of(const tsr_store_config_t *cfg)
{
    tsr_bdb_options_t o;

    memset(&o, 0, sizeof(o));
    o.log = cfg->log;
    o.log_baton = cfg->log_baton;
    return o;
}

static apr_status_t bdb_prepare(apr_pool_t *p, const tsr_store_config_t *cfg,
                                int recover, long uid, long gid)
{
    tsr_bdb_options_t o = options_of(cfg);

    o.recover = recover;
    return tsr_store_bdb_prepare(p, cfg->datadir, uid, gid, &o);
}

static apr_status_t bdb_open_child(tsr_store_t **ps, apr_pool_t *p,
                                   const tsr_store_config_t *cfg)
{
    tsr_bdb_options_t o = options_of(cfg);

    return tsr_store_bdb_open(ps, p, cfg->datadir, &o);
}

/* ---- sign-ins under way (web logins) ----
 *
 * One database, three kinds of keys:
 *   'r' id              -> expires (8 bytes), owner length (1), owner, record
 *   'o' owner NUL id    -> expires (8 bytes): the owner's index
 *   "n"                 -> the number of 'r' keys (8 bytes)
 * A create counts the owner's live entries through the index (removing
 * the expired ones it meets) and checks the number of all, in the
 * transaction that adds it; maintain removes what expired elsewhere. */

#define LOGIN_REC 'r'
#define LOGIN_OWNER 'o'
#define LOGIN_KEY_MAX 512
/* How many expired sign-ins one transaction of the sweep removes. */
#define LOGIN_SWEEP_BATCH 64

static const char login_count_key[] = "n";

typedef struct login_op_t {
    apr_pool_t *pool;
    const char *id;
    const char *owner;
    apr_time_t expires;
    apr_time_t now;
    const char *rec;
    apr_size_t len;
    apr_size_t max_total;
    apr_size_t max_owner;
    int full;                   /* create: a bound was reached */
    tsr_record_update_fn *fn;
    void *baton;
    tsr_error_t **perr;
    apr_status_t refused;       /* update: what fn returned */
} login_op_t;

static apr_size_t login_rec_key(char *buf, const char *id)
{
    apr_size_t n = strlen(id);

    buf[0] = LOGIN_REC;
    memcpy(buf + 1, id, n);
    return n + 1;
}

static apr_size_t login_owner_key(char *buf, const char *owner,
                                  apr_size_t olen, const char *id)
{
    apr_size_t n = id ? strlen(id) : 0;

    buf[0] = LOGIN_OWNER;
    memcpy(buf + 1, owner, olen);
    buf[1 + olen] = '\0';
    if (n) {
        memcpy(buf + 2 + olen, id, n);
    }
    return 2 + olen + n;
}

/* The parts of a stored value: its expiry, owner and record. */
typedef struct login_val_t {
    apr_time_t expires;
    const char *owner;
    apr_size_t olen;
    const char *rec;
    apr_size_t len;
} login_val_t;

static int login_val_parse(login_val_t *v, const void *data,
                           apr_size_t size)
{
    const unsigned char *d = data;

    if (size < 9 || size < (apr_size_t)9 + d[8]) {
        return 0;
    }
    v->expires = (apr_time_t)dec64(d);
    v->olen = d[8];
    v->owner = (const char *)d + 9;
    v->rec = v->owner + v->olen;
    v->len = size - 9 - v->olen;
    return 1;
}

static char *login_val_make(apr_pool_t *p, apr_time_t expires,
                            const char *owner, apr_size_t olen,
                            const char *rec, apr_size_t len,
                            apr_size_t *psize)
{
    unsigned char *v = apr_palloc(p, 9 + olen + len);

    enc64(v, (apr_uint64_t)expires);
    v[8] = (unsigned char)olen;
    memcpy(v + 9, owner, olen);
    memcpy(v + 9 + olen, rec, len);
    *psize = 9 + olen + len;
    return (char *)v;
}

/* Add delta to the number of sign-ins; its new value in *pn. */
static int login_count(bdb_t *b, DB_TXN *txn, int delta, apr_uint64_t *pn)
{
    DB *db = b->db[DB_LOGINS];
    unsigned char buf[8];
    DBT key, data;
    apr_uint64_t n = 0;
    int ret;

    set_dbt(&key, login_count_key, sizeof(login_count_key) - 1);
    memset(&data, 0, sizeof(data));
    data.data = buf;
    data.ulen = sizeof(buf);
    data.flags = DB_DBT_USERMEM;
    ret = db->get(db, txn, &key, &data, DB_RMW);
    if (ret != 0 && ret != DB_NOTFOUND) {
        return ret;
    }
    if (ret == 0 && data.size == 8) {
        n = dec64(buf);
    }
    /* Never below zero, whatever a past crash left. */
    n = delta < 0 && n < (apr_uint64_t)-delta ? 0 : n + delta;
    if (pn) {
        *pn = n;
    }
    if (delta == 0) {
        return 0;
    }
    enc64(buf, n);
    set_dbt(&data, buf, 8);
    return db->put(db, txn, &key, &data, 0);
}

/* Remove the sign-in id of owner (its record, its index entry, one from
 * the count), inside txn. */
static int login_remove(bdb_t *b, DB_TXN *txn, const char *id,
                        const char *owner, apr_size_t olen)
{
    DB *db = b->db[DB_LOGINS];
    char kbuf[LOGIN_KEY_MAX];
    DBT key;
    int ret;

    if (strlen(id) + olen + 2 > sizeof(kbuf)) {
        return EINVAL;
    }
    set_dbt(&key, kbuf, login_rec_key(kbuf, id));
    if ((ret = db->del(db, txn, &key, 0)) != 0) {
        return ret;
    }
    set_dbt(&key, kbuf, login_owner_key(kbuf, owner, olen, id));
    ret = db->del(db, txn, &key, 0);
    if (ret != 0 && ret != DB_NOTFOUND) {
        return ret;
    }
    return login_count(b, txn, -1, NULL);
}

/* Count owner's live sign-ins, removing its expired ones on the way. */
static int login_owner_live(bdb_t *b, DB_TXN *txn, login_op_t *o,
                            apr_size_t *plive)
{
    DB *db = b->db[DB_LOGINS];
    apr_size_t olen = strlen(o->owner), plen, n = 0;
    char kbuf[LOGIN_KEY_MAX], prefix[LOGIN_KEY_MAX];
    unsigned char vbuf[8];
    apr_array_header_t *dead = apr_array_make(o->pool, 4, sizeof(char *));
    DBT key, data;
    DBC *c;
    int ret, cret, i;

    plen = login_owner_key(prefix, o->owner, olen, NULL);
    if ((ret = db->cursor(db, txn, &c, 0)) != 0) {
        return ret;
    }
    memcpy(kbuf, prefix, plen);
    memset(&key, 0, sizeof(key));
    key.data = kbuf;
    key.size = (u_int32_t)plen;
    key.ulen = sizeof(kbuf);
    key.flags = DB_DBT_USERMEM;
    /* Only the first 8 bytes: the range may end on a key of another
     * kind, whose value is longer. */
    memset(&data, 0, sizeof(data));
    data.data = vbuf;
    data.ulen = sizeof(vbuf);
    data.dlen = sizeof(vbuf);
    data.flags = DB_DBT_USERMEM | DB_DBT_PARTIAL;
    for (ret = c->get(c, &key, &data, DB_SET_RANGE | DB_RMW);
         ret == 0 && key.size > plen && memcmp(kbuf, prefix, plen) == 0;
         ret = c->get(c, &key, &data, DB_NEXT | DB_RMW)) {
        if (data.size == 8 && (apr_time_t)dec64(vbuf) > o->now) {
            n++;
        }
        else {
            APR_ARRAY_PUSH(dead, char *) =
                apr_pstrmemdup(o->pool, kbuf + plen, key.size - plen);
        }
    }
    cret = c->close(c);
    if (ret != 0 && ret != DB_NOTFOUND) {
        return ret;
    }
    if (cret != 0) {
        return cret;
    }
    for (i = 0; i < dead->nelts; i++) {
        ret = login_remove(b, txn, APR_ARRAY_IDX(dead, i, char *), o->owner,
                           olen);
        if (ret != 0 && ret != DB_NOTFOUND) {
            return ret;
        }
    }
    *plive = n;
    return 0;
}

static int login_create_step(bdb_t *b, DB_TXN *txn, void *baton)
{
    login_op_t *o = baton;
    DB *db = b->db[DB_LOGINS];
    apr_size_t olen = strlen(o->owner), live = 0, vsize;
    apr_uint64_t total = 0;
    char kbuf[LOGIN_KEY_MAX];
    unsigned char exp[8];
    const char *val;
    DBT key, data;
    int ret;

    o->full = 0;
    if ((ret = login_owner_live(b, txn, o, &live)) != 0
        || (ret = login_count(b, txn, 0, &total)) != 0) {
        return ret;
    }
    /* Refused, with the expired entries removed all the same. */
    if (live >= o->max_owner || total >= o->max_total) {
        o->full = 1;
        return 0;
    }
    val = login_val_make(o->pool, o->expires, o->owner, olen, o->rec, o->len,
                         &vsize);
    set_dbt(&key, kbuf, login_rec_key(kbuf, o->id));
    set_dbt(&data, val, vsize);
    if ((ret = db->put(db, txn, &key, &data, DB_NOOVERWRITE)) != 0) {
        return ret;
    }
    enc64(exp, (apr_uint64_t)o->expires);
    set_dbt(&key, kbuf, login_owner_key(kbuf, o->owner, olen, o->id));
    set_dbt(&data, exp, sizeof(exp));
    if ((ret = db->put(db, txn, &key, &data, 0)) != 0) {
        return ret;
    }
    return login_count(b, txn, 1, NULL);
}

/* An id or owner fits a key, and an owner its length byte. */
static int login_args_ok(const char *id, const char *owner)
{
    apr_size_t n = strlen(id), olen = owner ? strlen(owner) : 0;

    return n > 0 && olen < 256 && n + olen + 2 <= LOGIN_KEY_MAX;
}

static apr_status_t bdb_login_create(tsr_store_t *s, apr_pool_t *p,
                                     const char *id, const char *owner,
                                     apr_time_t expires, const char *rec,
                                     apr_size_t len, apr_size_t max_total,
                                     apr_size_t max_owner)
{
    login_op_t o;
    apr_status_t rv;

    if (!login_args_ok(id, owner)) {
        return APR_EINVAL;
    }
    memset(&o, 0, sizeof(o));
    o.pool = p;
    o.id = id;
    o.owner = owner;
    o.expires = expires;
    o.now = apr_time_now();
    o.rec = rec;
    o.len = len;
    o.max_total = max_total;
    o.max_owner = max_owner;
    rv = in_txn(s->impl, login_create_step, &o, "sign-in write");
    if (rv == APR_SUCCESS && o.full) {
        return TSR_EFULL;
    }
    return rv;
}

static apr_status_t bdb_login_get(tsr_store_t *s, apr_pool_t *p,
                                  const char *id, const char **prec,
                                  apr_size_t *plen)
{
    char kbuf[LOGIN_KEY_MAX];
    const char *val;
    apr_size_t size;
    login_val_t v;
    apr_status_t rv;

    if (!login_args_ok(id, "")) {
        return TSR_ENOTFOUND;
    }
    rv = get(s->impl, p, DB_LOGINS, kbuf, login_rec_key(kbuf, id), &val,
             &size);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!login_val_parse(&v, val, size) || v.expires <= apr_time_now()) {
        return TSR_ENOTFOUND;
    }
    *prec = v.rec;
    *plen = v.len;
    return APR_SUCCESS;
}

static int login_update_step(bdb_t *b, DB_TXN *txn, void *baton)
{
    login_op_t *o = baton;
    DB *db = b->db[DB_LOGINS];
    char kbuf[LOGIN_KEY_MAX];
    const char *next = NULL, *val;
    apr_size_t next_len = 0, vsize;
    login_val_t v;
    DBT key, data;
    apr_status_t rv;
    int ret;

    set_dbt(&key, kbuf, login_rec_key(kbuf, o->id));
    memset(&data, 0, sizeof(data));
    data.flags = DB_DBT_MALLOC;
    if ((ret = db->get(db, txn, &key, &data, DB_RMW)) != 0) {
        return ret;
    }
    apr_pool_cleanup_register(o->pool, data.data, free_cleanup,
                              apr_pool_cleanup_null);
    /* Expired: missing, as to a read; the sweep removes it. */
    if (!login_val_parse(&v, data.data, data.size)
        || v.expires <= o->now) {
        return DB_NOTFOUND;
    }
    rv = o->fn(o->baton, o->pool, v.rec, v.len, &next, &next_len, o->perr);
    if (rv != APR_SUCCESS) {
        o->refused = rv;
        return DB_KEYEXIST;         /* any error: the caller knows why */
    }
    if (next == NULL) {
        return login_remove(b, txn, o->id, v.owner, v.olen);
    }
    val = login_val_make(o->pool, v.expires, v.owner, v.olen, next, next_len,
                         &vsize);
    set_dbt(&data, val, vsize);
    return db->put(db, txn, &key, &data, 0);
}

static apr_status_t bdb_login_update(tsr_store_t *s, apr_pool_t *p,
                                     const char *id,
                                     tsr_record_update_fn *fn, void *baton,
                                     tsr_error_t **perr)
{
    login_op_t o;
    apr_status_t rv;

    if (!login_args_ok(id, "")) {
        return TSR_ENOTFOUND;
    }
    memset(&o, 0, sizeof(o));
    o.pool = p;
    o.id = id;
    o.now = apr_time_now();
    o.fn = fn;
    o.baton = baton;
    o.perr = perr;
    o.refused = APR_SUCCESS;
    rv = in_txn(s->impl, login_update_step, &o, "sign-in update");
    if (o.refused != APR_SUCCESS) {
        return o.refused;
    }
    return rv;
}

/* Remove sign-in id if it is still there and expired. */
static int login_sweep_step(bdb_t *b, DB_TXN *txn, void *baton)
{
    login_op_t *o = baton;
    DB *db = b->db[DB_LOGINS];
    char kbuf[LOGIN_KEY_MAX];
    login_val_t v;
    DBT key, data;
    int ret;

    set_dbt(&key, kbuf, login_rec_key(kbuf, o->id));
    memset(&data, 0, sizeof(data));
    data.flags = DB_DBT_MALLOC;
    if ((ret = db->get(db, txn, &key, &data, DB_RMW)) != 0) {
        return ret == DB_NOTFOUND ? 0 : ret;
    }
    apr_pool_cleanup_register(o->pool, data.data, free_cleanup,
                              apr_pool_cleanup_null);
    if (login_val_parse(&v, data.data, data.size)
        && v.expires > o->now) {
        return 0;
    }
    if (!login_val_parse(&v, data.data, data.size)) {
        /* Unreadable: only the record itself can go. */
        ret = db->del(db, txn, &key, 0);
        return ret ? ret : login_count(b, txn, -1, NULL);
    }
    ret = login_remove(b, txn, o->id, v.owner, v.olen);
    return ret == DB_NOTFOUND ? 0 : ret;
}

/* Up to LOGIN_SWEEP_BATCH ids of expired sign-ins, read without a
 * transaction (each is checked again when removed). */
static int login_expired_ids(bdb_t *b, apr_pool_t *p, apr_time_t now,
                             apr_array_header_t *ids)
{
    DB *db = b->db[DB_LOGINS];
    char kbuf[LOGIN_KEY_MAX];
    login_val_t v;
    DBT key, data;
    DBC *c;
    int ret, cret;

    if ((ret = db->cursor(db, NULL, &c, 0)) != 0) {
        return ret;
    }
    kbuf[0] = LOGIN_REC;
    memset(&key, 0, sizeof(key));
    key.data = kbuf;
    key.size = 1;
    key.ulen = sizeof(kbuf);
    key.flags = DB_DBT_USERMEM;
    memset(&data, 0, sizeof(data));
    data.flags = DB_DBT_MALLOC;
    for (ret = c->get(c, &key, &data, DB_SET_RANGE);
         ret == 0 && key.size > 1 && kbuf[0] == LOGIN_REC;
         ret = c->get(c, &key, &data, DB_NEXT)) {
        if (!login_val_parse(&v, data.data, data.size) || v.expires <= now) {
            APR_ARRAY_PUSH(ids, char *) =
                apr_pstrmemdup(p, kbuf + 1, key.size - 1);
        }
        free(data.data);
        data.data = NULL;
        if (ids->nelts == LOGIN_SWEEP_BATCH) {
            break;
        }
    }
    cret = c->close(c);
    if (ret != 0 && ret != DB_NOTFOUND) {
        return ret;
    }
    return cret;
}

/* Remove every sign-in that expired, a transaction each. */
static apr_status_t logins_sweep(bdb_t *b, apr_pool_t *p)
{
    apr_pool_t *sub;
    apr_array_header_t *ids;
    login_op_t o;
    apr_status_t rv = APR_SUCCESS;
    int ret, i, n;

    apr_pool_create(&sub, p);
    do {
        apr_pool_clear(sub);
        ids = apr_array_make(sub, LOGIN_SWEEP_BATCH, sizeof(char *));
        memset(&o, 0, sizeof(o));
        o.pool = sub;
        o.now = apr_time_now();
        if ((ret = login_expired_ids(b, sub, o.now, ids)) != 0) {
            rv = map_err(b, ret, "sign-in sweep");
            break;
        }
        n = ids->nelts;
        for (i = 0; i < n && rv == APR_SUCCESS; i++) {
            o.id = APR_ARRAY_IDX(ids, i, char *);
            rv = in_txn(b, login_sweep_step, &o, "sign-in sweep");
        }
    } while (rv == APR_SUCCESS && n == LOGIN_SWEEP_BATCH);
    apr_pool_destroy(sub);
    return rv;
}

/* A checkpoint, which also lets old log files go, and the sweep of
 * sign-ins that expired.  No failchk here: one run while another process
 * dies inside the library can wait for ever (a dead waiter's condition
 * variable), and a death inside the store is the parent's to handle
 * anyway (mod_tsci_registry_watch.c). */
static apr_status_t bdb_maintain(tsr_store_t *s, apr_pool_t *p)
{
    bdb_t *b = s->impl;
    apr_status_t rv;

    if (b->broken) {
        return TSR_EBROKEN;
    }
    rv = logins_sweep(b, p);
    return rv == APR_SUCCESS ? tsr_store_bdb_checkpoint(s) : rv;
}

/* Between two rounds of maintain (30 s) the versions of a package with a
 * megabyte document write gigabytes of log; checked every second, the
 * log on disk stays near this size plus a second's writes. */
#define TRIM_LOG_KBYTES (16 * 1024)

static apr_status_t bdb_trim_log(tsr_store_t *s, apr_pool_t *p)
{
    bdb_t *b = s->impl;

    return b->broken ? TSR_EBROKEN : checkpoint_after(b, TRIM_LOG_KBYTES);
}

static int bdb_recovery_needed(apr_pool_t *p, const tsr_store_config_t *cfg)
{
    return tsr_store_bdb_recovery_flagged(p, cfg->datadir);
}

static void bdb_recovery_clear(apr_pool_t *p, const tsr_store_config_t *cfg)
{
    tsr_store_bdb_clear_recovery_flag(p, cfg->datadir);
}

/* ---- administration (the tsci-registry tool) ---- */

/* At most max keys of which after after ("": from the first), in order. */
static apr_status_t keys_after(bdb_t *b, apr_pool_t *p, int which,
                               const char *after, apr_size_t max,
                               apr_array_header_t **pnames)
{
    apr_array_header_t *names = apr_array_make(p, 16, sizeof(char *));
    apr_size_t alen = strlen(after);
    void *acopy = apr_pmemdup(p, after, alen + 1);
    DBT key, data;
    DBC *c;
    int ret, cret;
    u_int32_t flag = alen ? DB_SET_RANGE : DB_FIRST;

    if (b->broken) {
        return TSR_EBROKEN;
    }
    if ((ret = b->db[which]->cursor(b->db[which], NULL, &c, 0)) != 0) {
        return map_err(b, ret, "list");
    }
    memset(&key, 0, sizeof(key));
    key.data = acopy;
    key.size = (u_int32_t)alen;
    while ((apr_size_t)names->nelts < max) {
        key.flags = DB_DBT_MALLOC;
        memset(&data, 0, sizeof(data));
        /* Only the key is wanted: a partial read of no bytes of data. */
        data.flags = DB_DBT_PARTIAL | DB_DBT_USERMEM;
        if ((ret = c->get(c, &key, &data, flag)) != 0) {
            break;
        }
        /* DB_SET_RANGE lands on after itself when it is there. */
        if (!(flag == DB_SET_RANGE && key.size == alen
              && memcmp(key.data, after, alen) == 0)) {
            APR_ARRAY_PUSH(names, char *) = apr_pstrmemdup(p, key.data,
                                                           key.size);
        }
        if (key.data != acopy) {
            free(key.data);
        }
        key.data = NULL;
        key.size = 0;
        flag = DB_NEXT;
    }
    cret = c->close(c);
    if (ret == DB_NOTFOUND || ret == 0) {
        ret = cret;
    }
    if (ret != 0) {
        return map_err(b, ret, "list");
    }
    *pnames = names;
    return APR_SUCCESS;
}

static apr_status_t bdb_user_names(tsr_store_t *s, apr_pool_t *p,
                                   const char *after, apr_size_t max,
                                   apr_array_header_t **pnames)
{
    return keys_after(s->impl, p, DB_USERS, after, max, pnames);
}

static int seq_floor_step(bdb_t *b, DB_TXN *txn, void *baton)
{
    apr_uint64_t m[M_COUNT];
    int ret;

    if ((ret = read_meta(b, txn, m, DB_RMW)) != 0
        || m[M_SEQ] >= *(apr_uint64_t *)baton) {
        return ret;
    }
    m[M_SEQ] = *(apr_uint64_t *)baton;
    return write_meta(b, txn, m);
}

static apr_status_t bdb_change_seq_floor(tsr_store_t *s, apr_pool_t *p,
                                         apr_uint64_t seq)
{
    (void)p;
    return in_txn(s->impl, seq_floor_step, &seq, "change number");
}

static apr_status_t bdb_org_names(tsr_store_t *s, apr_pool_t *p,
                                  const char *after, apr_size_t max,
                                  apr_array_header_t **pnames)
{
    return keys_after(s->impl, p, DB_ORGS, after, max, pnames);
}

static apr_status_t bdb_package_names_after(tsr_store_t *s, apr_pool_t *p,
                                            const char *after,
                                            apr_size_t max,
                                            apr_array_header_t **pnames)
{
    return keys_after(s->impl, p, DB_PACKAGES, after, max, pnames);
}

static apr_status_t bdb_user_update(tsr_store_t *s, apr_pool_t *p,
                                    const char *name,
                                    tsr_record_update_fn *fn, void *baton,
                                    tsr_error_t **perr)
{
    /* A missing user is DB_NOTFOUND before fn is asked. */
    record_op_t o = { name, fn, baton, p, perr, APR_SUCCESS, DB_USERS, 1 };
    apr_status_t rv = in_txn(s->impl, record_update_step, &o, "user write");

    if (o.refused != APR_SUCCESS) {
        return o.refused;
    }
    return rv;
}

typedef struct user_delete_t {
    const char *name;
    int tokens;
} user_delete_t;

/* The user's record, then each token the index lists under the user,
 * with its index entry. */
static int user_delete_step(bdb_t *b, DB_TXN *txn, void *baton)
{
    user_delete_t *o = baton;
    DB *idx = b->db[DB_USER_TOKENS];
    DBT key, data, tkey;
    DBC *c;
    int ret, cret;

    o->tokens = 0;
    set_dbt(&key, o->name, strlen(o->name));
    if ((ret = b->db[DB_USERS]->del(b->db[DB_USERS], txn, &key, 0)) != 0) {
        return ret;
    }
    if ((ret = idx->cursor(idx, txn, &c, 0)) != 0) {
        return ret;
    }
    memset(&data, 0, sizeof(data));
    for (ret = c->get(c, &key, &data, DB_SET | DB_RMW); ret == 0;
         ret = c->get(c, &key, &data, DB_NEXT_DUP | DB_RMW)) {
        if (data.size == 32) {
            set_dbt(&tkey, data.data, 32);
            ret = b->db[DB_TOKENS]->del(b->db[DB_TOKENS], txn, &tkey, 0);
            if (ret != 0 && ret != DB_NOTFOUND) {
                break;
            }
            o->tokens++;
        }
        if ((ret = c->del(c, 0)) != 0) {
            break;
        }
    }
    cret = c->close(c);
    if (ret == DB_NOTFOUND) {
        ret = 0;
    }
    return ret ? ret : cret;
}

static apr_status_t bdb_user_delete(tsr_store_t *s, apr_pool_t *p,
                                    const char *name, int *ptokens)
{
    user_delete_t o = { name, 0 };
    apr_status_t rv = in_txn(s->impl, user_delete_step, &o, "user delete");

    if (rv == APR_SUCCESS && ptokens) {
        *ptokens = o.tokens;
    }
    return rv;
}

/* Every view of name goes (the keys "name\0..."), then w's are written. */
static int write_views(bdb_t *b, DB_TXN *txn, apr_pool_t *p,
                       const char *name, const tsr_package_write_t *w)
{
    DB *db = b->db[DB_VIEWS];
    apr_size_t n = strlen(name) + 1;
    char *prefix = apr_pmemdup(p, name, n), *vk;
    apr_size_t vklen;
    DBT key, data;
    DBC *c;
    int ret, cret, i;
    u_int32_t flag = DB_SET_RANGE;

    if ((ret = db->cursor(db, txn, &c, 0)) != 0) {
        return ret;
    }
    memset(&key, 0, sizeof(key));
    key.data = prefix;
    key.size = (u_int32_t)n;
    for (;;) {
        key.flags = DB_DBT_MALLOC;
        memset(&data, 0, sizeof(data));
        data.flags = DB_DBT_PARTIAL | DB_DBT_USERMEM;
        if ((ret = c->get(c, &key, &data, flag | DB_RMW)) != 0) {
            break;
        }
        flag = DB_NEXT;
        if (key.size < n || memcmp(key.data, prefix, n) != 0) {
            ret = DB_NOTFOUND;
        }
        else {
            ret = c->del(c, 0);
        }
        if (key.data != prefix) {
            free(key.data);
        }
        key.data = NULL;
        key.size = 0;
        if (ret != 0) {
            break;
        }
    }
    cret = c->close(c);
    if (ret != DB_NOTFOUND) {
        return ret ? ret : cret;
    }
    if (cret != 0 || w->gone) {
        return cret;
    }
#define PUT_VIEW(k, klen, v, vlen)                                          \
    do {                                                                    \
        set_dbt(&key, (k), (klen));                                         \
        set_dbt(&data, (v), (vlen));                                        \
        if ((ret = db->put(db, txn, &key, &data, 0)) != 0) {                \
            return ret;                                                     \
        }                                                                   \
    } while (0)
    view_key(p, name, TSR_VIEW_FULL, &vk, &vklen);
    PUT_VIEW(vk, vklen, w->full, w->full_len);
    view_key(p, name, TSR_VIEW_ABBREV, &vk, &vklen);
    PUT_VIEW(vk, vklen, w->abbrev, w->abbrev_len);
    if (w->full_gz && w->abbrev_gz) {
        view_key(p, name, TSR_VIEW_FULL_GZ, &vk, &vklen);
        PUT_VIEW(vk, vklen, w->full_gz, w->full_gz_len);
        view_key(p, name, TSR_VIEW_ABBREV_GZ, &vk, &vklen);
        PUT_VIEW(vk, vklen, w->abbrev_gz, w->abbrev_gz_len);
    }
    if (w->tags) {
        view_key(p, name, TSR_VIEW_TAGS, &vk, &vklen);
        PUT_VIEW(vk, vklen, w->tags, w->tags_len);
    }
    if (w->readers) {
        view_key(p, name, TSR_VIEW_READERS, &vk, &vklen);
        PUT_VIEW(vk, vklen, w->readers, strlen(w->readers));
    }
    for (i = 0; i < w->n_more; i++) {
        version_key(p, name, w->more_versions[i], &vk, &vklen);
        PUT_VIEW(vk, vklen, w->more_views[i], w->more_lens[i]);
    }
#undef PUT_VIEW
    return 0;
}

static apr_status_t bdb_package_reindex(tsr_store_t *s, apr_pool_t *p,
                                        const char *name,
                                        tsr_package_update_fn *fn,
                                        void *baton, tsr_error_t **perr)
{
    bdb_t *b = s->impl;
    int ret = 0;
    apr_status_t rv;

    if (b->broken) {
        return TSR_EBROKEN;
    }
    rv = package_txn(b, p, name, fn, baton, 1, perr, &ret);
    return rv == APR_SUCCESS || ret == 0 ? rv : map_err(b, ret, "reindex");
}

/* Which of the store's files is a database (copied page by page through
 * the library), not a log or a configuration file (copied as bytes). */
static int is_database(const char *name)
{
    int i;

    for (i = 0; i < DB_COUNT; i++) {
        if (strcmp(name, db_files[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Undo a hold: the transaction aborted, its database (never committed)
 * goes with it. */
static void release_hold(bdb_t *b)
{
    if (b->hold_txn) {
        b->hold_txn->abort(b->hold_txn);
        b->hold_txn = NULL;
    }
    if (b->hold_db) {
        b->hold_db->close(b->hold_db, 0);
        b->hold_db = NULL;
    }
}

/* Log files go (DB_LOG_AUTO_REMOVE, at any process's checkpoint) once
 * they are older than the oldest transaction under way, which bounds
 * every checkpoint.  So a hold is a transaction with a first log
 * record, kept open until the copy is done: every log from just before
 * the checkpoint written here stays for the copy.  Its record is the
 * creation of a database of its own, which nobody else locks, and which
 * the final abort takes away again.  (DB_HOTBACKUP_IN_PROGRESS does not
 * stop the removal of logs: it only concerns bulk transactions.)  A
 * process that dies holding leaves logs to pile up until Apache's next
 * start recovers the store. */
static apr_status_t bdb_backup_hold(tsr_store_t *s, apr_pool_t *p, int on)
{
    bdb_t *b = s->impl;
    DBT key, data;
    int ret;

    if (b->broken) {
        return TSR_EBROKEN;
    }
    if (!on) {
        release_hold(b);
        /* A checkpoint past the hold, so that the logs it kept may go. */
        if ((ret = b->env->txn_checkpoint(b->env, 0, 0, 0)) != 0) {
            return map_err(b, ret, "checkpoint");
        }
        return APR_SUCCESS;
    }
    if (b->hold_txn) {
        return APR_EBUSY;
    }
    if ((ret = b->env->txn_begin(b->env, NULL, &b->hold_txn, 0)) != 0) {
        b->hold_txn = NULL;
        return map_err(b, ret, "backup hold");
    }
    if ((ret = db_create(&b->hold_db, b->env, 0)) != 0) {
        b->hold_db = NULL;
    }
    if (ret == 0) {
        ret = b->hold_db->open(b->hold_db, b->hold_txn,
                               apr_psprintf(p, "backup-hold-%ld.db",
                                            (long)getpid()),
                               NULL, DB_BTREE, DB_CREATE | DB_EXCL, 0600);
    }
    if (ret == 0) {
        set_dbt(&key, "hold", 4);
        set_dbt(&data, "", 0);
        ret = b->hold_db->put(b->hold_db, b->hold_txn, &key, &data, 0);
    }
    if (ret == 0) {
        ret = b->env->txn_checkpoint(b->env, 0, 0, DB_FORCE);
    }
    if (ret != 0) {
        release_hold(b);
        return map_err(b, ret, "backup hold");
    }
    return APR_SUCCESS;
}

static apr_status_t bdb_backup_files(tsr_store_t *s, apr_pool_t *p,
                                     int logs, apr_array_header_t **pfiles)
{
    bdb_t *b = s->impl;
    apr_array_header_t *files = apr_array_make(p, 16, sizeof(char *));
    const char *home = env_home(p, s->datadir);
    char **list = NULL, **l;
    apr_finfo_t fi;
    int ret, i;

    if (b->broken) {
        return TSR_EBROKEN;
    }
    if (!logs) {
        for (i = 0; i < DB_COUNT; i++) {
            APR_ARRAY_PUSH(files, char *) = apr_pstrcat(p, "db/",
                                                        db_files[i], NULL);
        }
        /* An administrator's settings for the environment go along. */
        if (apr_stat(&fi, apr_pstrcat(p, home, "/DB_CONFIG", NULL),
                     APR_FINFO_TYPE, p) == APR_SUCCESS) {
            APR_ARRAY_PUSH(files, char *) = "db/DB_CONFIG";
        }
        *pfiles = files;
        return APR_SUCCESS;
    }
    /* Whatever has been logged so far reaches the files listed. */
    if ((ret = b->env->log_flush(b->env, NULL)) != 0
        || (ret = b->env->log_archive(b->env, &list, DB_ARCH_LOG)) != 0) {
        return map_err(b, ret, "log list");
    }
    for (l = list; l && *l; l++) {
        APR_ARRAY_PUSH(files, char *) = apr_pstrcat(p, "db/", *l, NULL);
    }
    free(list);
    *pfiles = files;
    return APR_SUCCESS;
}

static apr_status_t bdb_backup_copy(tsr_store_t *s, apr_pool_t *p,
                                    const char *file, const char *todir)
{
    bdb_t *b = s->impl;
    const char *to = apr_pstrcat(p, todir, "/", file, NULL);
    const char *dir = apr_pstrmemdup(p, to, strrchr(to, '/') - to);
    apr_status_t rv;
    int ret;

    if (b->broken) {
        return TSR_EBROKEN;
    }
    if (strncmp(file, "db/", 3) != 0 || strchr(file + 3, '/') != NULL) {
        return APR_EINVAL;
    }
    if ((rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, p))
        != APR_SUCCESS) {
        return rv;
    }
    if (!is_database(file + 3)) {
        /* Logs only grow: bytes read while one is appended to end in a
         * record cut short, which recovery takes for the end. */
        return tsr_store_files_copy(p, apr_pstrcat(p, s->datadir, "/", file,
                                                   NULL), to, NULL);
    }
    /* Pages read through the library, so that none is read half
     * written. */
    if ((ret = b->env->dbbackup(b->env, file + 3, dir, 0)) != 0) {
        return map_err(b, ret, "database copy");
    }
    return tsr_store_files_sync(p, to);
}

/* A hot backup's copy made consistent: catastrophic recovery replays
 * every log copied (pages copied at different moments all reach the
 * last record), then the logs it no longer needs go.  A private
 * environment: nothing shared is left in the copy. */
static apr_status_t bdb_backup_recover(apr_pool_t *p,
                                       const tsr_store_config_t *cfg)
{
    tsr_store_t log_only;
    bdb_t b;
    int ret;

    memset(&log_only, 0, sizeof(log_only));
    memset(&b, 0, sizeof(b));
    log_only.datadir = cfg->datadir;
    log_only.log = cfg->log;
    log_only.log_baton = cfg->log_baton;
    b.store = &log_only;
    if ((ret = db_env_create(&b.env, 0)) != 0) {
        return map_err(&b, ret, "env create");
    }
    b.env->app_private = &b;
    b.env->set_errcall(b.env, errcall);
    b.env->set_cachesize(b.env, 0, 16u << 20, 1);
    ret = b.env->open(b.env, env_home(p, cfg->datadir),
                      DB_CREATE | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL
                          | DB_INIT_TXN | DB_PRIVATE | DB_RECOVER_FATAL,
                      0640);
    if (ret == 0) {
        ret = b.env->txn_checkpoint(b.env, 0, 0, DB_FORCE);
    }
    if (ret == 0) {
        ret = b.env->log_archive(b.env, NULL, DB_ARCH_REMOVE);
    }
    b.env->close(b.env, 0);
    b.env = NULL;
    return ret == 0 ? APR_SUCCESS : map_err(&b, ret, "recovery of a copy");
}

/* DB_ENV->remove without DB_FORCE fails while a process has the
 * environment open (its reference count): a user who is not root cannot
 * read the /proc maps of Apache's children that region_user looks at. */
static long bdb_release(apr_pool_t *p, const tsr_store_config_t *cfg)
{
    DB_ENV *env;
    long pid;
    int ret;

    if (!regions_exist(p, cfg->datadir)) {
        return 0;
    }
    if ((pid = region_user(p, env_home(p, cfg->datadir))) != 0) {
        return pid;
    }
    if (db_env_create(&env, 0) != 0) {
        return -1;
    }
    ret = env->remove(env, env_home(p, cfg->datadir), 0);
    return ret == 0 ? 0 : -1;
}

static apr_status_t bdb_open_admin(tsr_store_t **ps, apr_pool_t *p,
                                   const tsr_store_config_t *cfg,
                                   int *pjoined)
{
    tsr_bdb_options_t o = options_of(cfg);

    if (!environment_exists(p, cfg->datadir)) {
        return TSR_ENOTFOUND;
    }
    /* Regions: Apache made them (it may be serving), join as a child
     * does.  None: nobody can have joined (joining makes them), so this
     * process may recover it for itself. */
    *pjoined = regions_exist(p, cfg->datadir);
    o.alone = !*pjoined;
    return tsr_store_bdb_open(ps, p, cfg->datadir, &o);
}

typedef struct verify_ctx_t {
    apr_pool_t *pool;
    const char *said;
} verify_ctx_t;

static void verify_errcall(const DB_ENV *env, const char *pfx,
                           const char *msg)
{
    verify_ctx_t *v = env->app_private;

    if (v) {
        v->said = v->said ? apr_pstrcat(v->pool, v->said, "; ", msg, NULL)
                          : apr_pstrdup(v->pool, msg);
    }
}

static apr_status_t bdb_verify(tsr_store_t *s, apr_pool_t *p,
                               apr_array_header_t **pproblems)
{
    bdb_t *b = s->impl;
    apr_array_header_t *problems = apr_array_make(p, 4, sizeof(char *));
    const char *home = env_home(p, s->datadir);
    int i, ret;

    if (b->broken) {
        return TSR_EBROKEN;
    }
    /* The files on disk are what is read: every page there first. */
    if ((ret = b->env->txn_checkpoint(b->env, 0, 0, DB_FORCE)) != 0) {
        return map_err(b, ret, "checkpoint");
    }
    for (i = 0; i < DB_COUNT; i++) {
        verify_ctx_t v = { p, NULL };
        DB *db;

        if ((ret = db_create(&db, NULL, 0)) != 0) {
            return map_err(b, ret, "db create");
        }
        db->get_env(db)->app_private = &v;
        db->set_errcall(db, verify_errcall);
        /* The handle is gone after verify, whatever it said. */
        ret = db->verify(db, apr_pstrcat(p, home, "/", db_files[i], NULL),
                         NULL, NULL, 0);
        if (ret != 0) {
            APR_ARRAY_PUSH(problems, char *) =
                apr_psprintf(p, "%s: %s", db_files[i],
                             v.said ? v.said : db_strerror(ret));
        }
    }
    *pproblems = problems;
    return APR_SUCCESS;
}

static const tsr_store_provider_t bdb_provider = {
    "bdb",
    bdb_prepare,
    bdb_open_child,
    NULL,                       /* the process's handles serve every thread */
    bdb_maintain,
    bdb_recovery_needed,
    bdb_recovery_clear,
    tsr_store_files_stage,
    tsr_store_files_place,
    tsr_store_files_remove,
    tsr_store_files_unstage,
    bdb_package_view,
    bdb_package_doc,
    bdb_package_update,
    bdb_user_get,
    bdb_user_create,
    bdb_token_put,
    bdb_token_get,
    bdb_token_delete,
    bdb_token_list,
    bdb_org_get,
    bdb_org_update,
    bdb_package_names,
    bdb_user_packages,
    bdb_stats,
    bdb_package_version_view,
    bdb_changes,
    bdb_user_stars,
    bdb_login_create,
    bdb_login_get,
    bdb_login_update,
    bdb_user_names,
    bdb_user_update,
    bdb_user_delete,
    bdb_package_names_after,
    bdb_package_reindex,
    bdb_backup_hold,
    bdb_backup_files,
    bdb_backup_copy,
    bdb_backup_recover,
    bdb_release,
    bdb_open_admin,
    bdb_verify,
    tsr_bdb_search_postings,
    tsr_bdb_search_entry,
    tsr_bdb_search_rebuild,
    tsr_bdb_job_create,
    tsr_bdb_job_get,
    tsr_bdb_job_output,
    tsr_bdb_job_claim,
    tsr_bdb_job_update,
    tsr_bdb_job_sweep,
    tsr_bdb_tsci_txn,
    NULL,                       /* package_view_stamp: shared stamps */
    NULL,                       /* login_failures: shared memory */
    bdb_trim_log,
    bdb_org_names,
    bdb_change_seq_floor,
    tsr_bdb_search_scan
};

/* ---- for the provider's other files (tsr_store_bdb_int.h) ---- */

bdb_t *tsr_bdb_of(tsr_store_t *s)
{
    return s->impl;
}

DB *tsr_bdb_db(bdb_t *b, int which)
{
    return b->db[which];
}

apr_status_t tsr_bdb_txn(bdb_t *b, tsr_bdb_step_fn *step, void *baton,
                         const char *what)
{
    return in_txn(b, step, baton, what);
}

apr_status_t tsr_bdb_get(bdb_t *b, apr_pool_t *p, int which, const void *k,
                         apr_size_t klen, const char **pval,
                         apr_size_t *plen)
{
    return get(b, p, which, k, klen, pval, plen);
}

apr_status_t tsr_bdb_status(bdb_t *b, int ret, const char *what)
{
    return map_err(b, ret, what);
}

const tsr_store_provider_t *tsr_store_bdb_provider(void)
{
    return &bdb_provider;
}

int tsr_bdb_broken(bdb_t *b)
{
    return b->broken;
}

int tsr_bdb_retryable(int ret)
{
    return retryable(ret);
}

apr_status_t tsr_bdb_keys_after(bdb_t *b, apr_pool_t *p, int which,
                                const char *after, apr_size_t max,
                                apr_array_header_t **pnames)
{
    return keys_after(b, p, which, after, max, pnames);
}

apr_status_t tsr_bdb_put1(bdb_t *b, int which, const void *k,
                          apr_size_t klen, const void *v, apr_size_t vlen)
{
    return put1(b, which, k, klen, v, vlen, 0);
}
