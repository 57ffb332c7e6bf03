/* tsr_weblogin: sign-ins finished in a browser, their records and their
 * states. */
#include <string.h>
#include <arpa/inet.h>
#include <apr_strings.h>
#include "tsr_integrity.h"
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_weblogin.h"

/* The version of the stored record. */
#define RECORD_V 1

/* Longest email address accepted, as at npm's legacy signup (RFC 5321's
 * path limit). */
#define EMAIL_MAX 254

/* Base64url length of n random bytes, unpadded. */
#define B64LEN(n) (((n) * 4 + 2) / 3)

static apr_status_t gone(apr_pool_t *p, tsr_error_t **perr)
{
    return tsr_error_set(perr, p, 404, "login_not_found", "this sign-in "
                         "is unknown, was used already or has expired: "
                         "start again with npm login");
}

static apr_status_t store_failed(apr_pool_t *p, tsr_error_t **perr)
{
    return tsr_error_set(perr, p, 503, NULL, "the registry store is "
                         "unavailable, try again");
}

const char *tsr_weblogin_owner(apr_pool_t *p, const char *addr)
{
    unsigned char a6[16];
    static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                              0xff, 0xff };

    if (addr == NULL) {
        return "";
    }
    if (strchr(addr, ':') != NULL && inet_pton(AF_INET6, addr, a6) == 1) {
        if (memcmp(a6, mapped, sizeof(mapped)) == 0) {
            return apr_psprintf(p, "%u.%u.%u.%u", a6[12], a6[13], a6[14],
                                a6[15]);
        }
        return apr_pstrcat(p, tsr_integrity_hex(p, a6, 8), "::/64", NULL);
    }
    return apr_pstrndup(p, addr, TSR_WEBLOGIN_OWNER_MAX);
}

apr_status_t tsr_weblogin_creds(tsr_auth_creds_t *c, apr_pool_t *p,
                                const char *user, apr_size_t ulen,
                                const char *password, apr_size_t plen,
                                const char *email, apr_size_t elen,
                                tsr_error_t **perr)
{
    apr_status_t rv;

    memset(c, 0, sizeof(*c));
    if (user == NULL || ulen == 0 || memchr(user, '\0', ulen) != NULL) {
        return tsr_error_set(perr, p, 400, NULL, "a user name is required");
    }
    c->user = apr_pstrmemdup(p, user, ulen);
    if ((rv = tsr_name_check_user(p, c->user, perr)) != APR_SUCCESS) {
        return rv;
    }
    if (password == NULL || plen == 0 || plen > TSR_PASSWORD_MAX
        || memchr(password, '\0', plen) != NULL) {
        return tsr_error_set(perr, p, 400, NULL, "a password of 1 to %d "
                             "characters is required", TSR_PASSWORD_MAX);
    }
    c->password = apr_pstrmemdup(p, password, plen);
    if (email && elen > 0) {
        if (elen > EMAIL_MAX || memchr(email, '\0', elen) != NULL) {
            return tsr_error_set(perr, p, 400, NULL, "the email address is "
                                 "too long");
        }
        c->email = apr_pstrmemdup(p, email, elen);
    }
    return APR_SUCCESS;
}

int tsr_weblogin_id_valid(const char *s, int secret)
{
    apr_size_t want = B64LEN(secret ? TSR_WEBLOGIN_SECRET_BYTES
                                    : TSR_WEBLOGIN_ID_BYTES);
    apr_size_t n;

    if (s == NULL) {
        return 0;
    }
    n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789-_");
    return n == want && s[n] == '\0';
}

const char *tsr_weblogin_encode(apr_pool_t *p, const tsr_weblogin_t *w,
                                apr_size_t *plen)
{
    json_object *o = tsr_json_own(p, json_object_new_object());

    json_object_object_add(o, "v", json_object_new_int(RECORD_V));
    tsr_json_set_str(o, "state", w->state == TSR_WEBLOGIN_SIGNED_IN
                                     ? "signed_in" : "pending");
    json_object_object_add(o, "create", json_object_new_boolean(w->create));
    tsr_json_set_str(o, "from", w->from ? w->from : "");
    json_object_object_add(o, "created", json_object_new_int64(w->created));
    json_object_object_add(o, "expires", json_object_new_int64(w->expires));
    tsr_json_set_str(o, "secret", tsr_integrity_hex(p, w->secret_hash, 32));
    if (w->user) {
        tsr_json_set_str(o, "user", w->user);
    }
    return tsr_json_serialize(p, o, plen);
}

static int unhex(unsigned char *out, const char *hex, apr_size_t n)
{
    apr_size_t i;
    int hi, lo;

    if (hex == NULL || strlen(hex) != 2 * n) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        hi = hex[2 * i];
        lo = hex[2 * i + 1];
        hi = hi >= '0' && hi <= '9' ? hi - '0'
             : hi >= 'a' && hi <= 'f' ? hi - 'a' + 10 : -1;
        lo = lo >= '0' && lo <= '9' ? lo - '0'
             : lo >= 'a' && lo <= 'f' ? lo - 'a' + 10 : -1;
        if (hi < 0 || lo < 0) {
            return 0;
        }
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 1;
}

apr_status_t tsr_weblogin_decode(tsr_weblogin_t **pw, apr_pool_t *p,
                                 const char *id, const char *rec,
                                 apr_size_t len, tsr_error_t **perr)
{
    tsr_weblogin_t *w = apr_pcalloc(p, sizeof(*w));
    json_object *o, *v;
    const char *state;

    if (tsr_json_parse(&o, p, rec, len, 4, NULL) != APR_SUCCESS
        || !json_object_is_type(o, json_type_object)
        || !json_object_object_get_ex(o, "v", &v)
        || json_object_get_int(v) != RECORD_V
        || (state = tsr_json_str(o, "state")) == NULL
        || !unhex(w->secret_hash, tsr_json_str(o, "secret"), 32)) {
        return tsr_error_set(perr, p, 400, NULL, "not a sign-in record");
    }
    w->id = apr_pstrdup(p, id);
    w->state = strcmp(state, "signed_in") == 0 ? TSR_WEBLOGIN_SIGNED_IN
                                               : TSR_WEBLOGIN_PENDING;
    w->create = json_object_object_get_ex(o, "create", &v)
                && json_object_get_boolean(v);
    w->from = apr_pstrdup(p, tsr_json_str(o, "from") ? tsr_json_str(o, "from")
                                                     : "");
    if (json_object_object_get_ex(o, "created", &v)) {
        w->created = (apr_time_t)json_object_get_int64(v);
    }
    if (json_object_object_get_ex(o, "expires", &v)) {
        w->expires = (apr_time_t)json_object_get_int64(v);
    }
    if (tsr_json_str(o, "user")) {
        w->user = apr_pstrdup(p, tsr_json_str(o, "user"));
    }
    /* A signed-in record without its user is no record to act on. */
    if (w->state == TSR_WEBLOGIN_SIGNED_IN && w->user == NULL) {
        return tsr_error_set(perr, p, 400, NULL, "not a sign-in record");
    }
    *pw = w;
    return APR_SUCCESS;
}

apr_status_t tsr_weblogin_start(tsr_weblogin_t **pw, const char **psecret,
                                apr_pool_t *p, tsr_store_t *store,
                                int create, const char *from,
                                apr_time_t now,
                                const tsr_weblogin_limits_t *lim,
                                tsr_error_t **perr)
{
    unsigned char raw_id[TSR_WEBLOGIN_ID_BYTES];
    unsigned char raw_secret[TSR_WEBLOGIN_SECRET_BYTES];
    tsr_weblogin_t *w = apr_pcalloc(p, sizeof(*w));
    const char *secret, *rec;
    apr_size_t len;
    apr_status_t rv;

    if (tsr_integrity_random(raw_id, sizeof(raw_id)) != APR_SUCCESS
        || tsr_integrity_random(raw_secret, sizeof(raw_secret))
               != APR_SUCCESS) {
        return tsr_error_internal(perr, p, APR_EGENERAL, "no random bytes "
                                  "for a sign-in");
    }
    w->id = tsr_integrity_base64url(p, raw_id, sizeof(raw_id));
    secret = tsr_integrity_base64url(p, raw_secret, sizeof(raw_secret));
    w->state = TSR_WEBLOGIN_PENDING;
    w->create = create;
    w->from = from ? apr_pstrdup(p, from) : "";
    w->created = now;
    w->expires = now + lim->ttl;
    tsr_integrity_sha256(w->secret_hash, secret, strlen(secret));
    rec = tsr_weblogin_encode(p, w, &len);
    rv = tsr_store_login_create(store, p, w->id, tsr_weblogin_owner(p, from),
                                w->expires + lim->grace, rec, len,
                                lim->max_total,
                                lim->max_owner);
    if (rv == TSR_EFULL) {
        return tsr_error_set(perr, p, 429, "too_many_logins", "too many "
                             "sign-ins are waiting to be finished: finish "
                             "one, or try again in a few minutes");
    }
    if (rv != APR_SUCCESS) {
        return store_failed(p, perr);
    }
    *pw = w;
    *psecret = secret;
    return APR_SUCCESS;
}

/* The record of id as stored now, or the refusal. */
static apr_status_t decode_live(tsr_weblogin_t **pw, apr_pool_t *p,
                                const char *id, const char *rec,
                                apr_size_t len, apr_time_t now,
                                tsr_error_t **perr)
{
    /* Unreadable is as good as gone: nobody can finish it. */
    if (tsr_weblogin_decode(pw, p, id, rec, len, NULL) != APR_SUCCESS
        || (*pw)->expires <= now) {
        return gone(p, perr);
    }
    return APR_SUCCESS;
}

/* The stored record of sign-in id: APR_SUCCESS, or the refusal (a 404
 * for an id that is malformed or unknown, a 503 for the store). */
static apr_status_t read_record(apr_pool_t *p, tsr_store_t *store,
                                const char *id, const char **prec,
                                apr_size_t *plen, tsr_error_t **perr)
{
    apr_status_t rv;

    if (!tsr_weblogin_id_valid(id, 0)) {
        return gone(p, perr);
    }
    rv = tsr_store_login_get(store, p, id, prec, plen);
    if (rv == TSR_ENOTFOUND) {
        return gone(p, perr);
    }
    return rv == APR_SUCCESS ? APR_SUCCESS : store_failed(p, perr);
}

apr_status_t tsr_weblogin_get(tsr_weblogin_t **pw, apr_pool_t *p,
                              tsr_store_t *store, const char *id,
                              apr_time_t now, tsr_error_t **perr)
{
    const char *rec;
    apr_size_t len;
    apr_status_t rv = read_record(p, store, id, &rec, &len, perr);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    return decode_live(pw, p, id, rec, len, now, perr);
}

/* What an update of a record does, and what it found. */
typedef struct step_t {
    const char *id;
    apr_time_t now;
    const char *user;           /* sign in: who */
    const unsigned char *secret_hash;   /* collect: the client's */
    const char *collected;      /* collect: the user, when signed in */
    int pending;                /* collect: nobody signed in yet */
} step_t;

static apr_status_t sign_in_fn(void *baton, apr_pool_t *p, const char *cur,
                               apr_size_t len, const char **pnext,
                               apr_size_t *pnext_len, tsr_error_t **perr)
{
    step_t *s = baton;
    tsr_weblogin_t *w;
    apr_status_t rv;

    if ((rv = decode_live(&w, p, s->id, cur, len, s->now, perr))
        != APR_SUCCESS) {
        return rv;
    }
    if (w->state != TSR_WEBLOGIN_PENDING) {
        return tsr_error_set(perr, p, 409, "login_finished", "someone "
                             "signed in here already: start again with npm "
                             "login");
    }
    w->state = TSR_WEBLOGIN_SIGNED_IN;
    w->user = s->user;
    *pnext = tsr_weblogin_encode(p, w, pnext_len);
    return APR_SUCCESS;
}

/* Equal digests, in a time that does not tell where they differ. */
static int same_hash(const unsigned char *a, const unsigned char *b)
{
    unsigned char diff = 0;
    int i;

    for (i = 0; i < 32; i++) {
        diff |= a[i] ^ b[i];
    }
    return diff == 0;
}

static apr_status_t collect_fn(void *baton, apr_pool_t *p, const char *cur,
                               apr_size_t len, const char **pnext,
                               apr_size_t *pnext_len, tsr_error_t **perr)
{
    step_t *s = baton;
    tsr_weblogin_t *w;
    apr_status_t rv;

    /* Called again when the store retries the transaction. */
    s->pending = 0;
    s->collected = NULL;
    if ((rv = decode_live(&w, p, s->id, cur, len, s->now, perr))
        != APR_SUCCESS) {
        return rv;
    }
    if (!same_hash(w->secret_hash, s->secret_hash)) {
        return gone(p, perr);
    }
    if (w->state == TSR_WEBLOGIN_PENDING) {
        /* Nothing to write: refusing leaves the record as it is. */
        s->pending = 1;
        return APR_EAGAIN;
    }
    s->collected = w->user;
    *pnext = NULL;              /* answered once: remove it */
    *pnext_len = 0;
    return APR_SUCCESS;
}

/* Map what a record update said; refusals came with *perr set. */
static apr_status_t update_result(apr_status_t rv, apr_pool_t *p,
                                  tsr_error_t **perr)
{
    if (rv == APR_SUCCESS || rv == TSR_EREFUSED) {
        return rv;
    }
    if (rv == TSR_ENOTFOUND) {
        return gone(p, perr);
    }
    return store_failed(p, perr);
}

apr_status_t tsr_weblogin_sign_in(apr_pool_t *p, tsr_store_t *store,
                                  const char *id, const char *user,
                                  apr_time_t now, tsr_error_t **perr)
{
    step_t s = { id, now, user, NULL, NULL, 0 };

    if (!tsr_weblogin_id_valid(id, 0)) {
        return gone(p, perr);
    }
    return update_result(tsr_store_login_update(store, p, id, sign_in_fn,
                                                &s, perr), p, perr);
}

apr_status_t tsr_weblogin_poll(tsr_weblogin_t **pw, apr_pool_t *p,
                               tsr_store_t *store, const char *id,
                               const char *secret, apr_time_t now,
                               tsr_error_t **perr)
{
    unsigned char hash[32];
    apr_status_t rv;

    if (!tsr_weblogin_id_valid(secret, 1)) {
        return gone(p, perr);
    }
    if ((rv = tsr_weblogin_get(pw, p, store, id, now, perr))
        != APR_SUCCESS) {
        return rv;
    }
    tsr_integrity_sha256(hash, secret, strlen(secret));
    return same_hash((*pw)->secret_hash, hash) ? APR_SUCCESS
                                                : gone(p, perr);
}

apr_status_t tsr_weblogin_peek(tsr_weblogin_t **pw, apr_pool_t *p,
                               tsr_store_t *store, const char *id,
                               tsr_error_t **perr)
{
    const char *rec;
    apr_size_t len;
    apr_status_t rv = read_record(p, store, id, &rec, &len, perr);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (tsr_weblogin_decode(pw, p, id, rec, len, NULL) != APR_SUCCESS) {
        return gone(p, perr);
    }
    return APR_SUCCESS;
}

apr_status_t tsr_weblogin_status(tsr_weblogin_t **pw, apr_pool_t *p,
                                 tsr_store_t *store, const char *id,
                                 const char *secret, tsr_error_t **perr)
{
    unsigned char hash[32];
    apr_status_t rv;

    if (!tsr_weblogin_id_valid(secret, 1)) {
        return gone(p, perr);
    }
    if ((rv = tsr_weblogin_peek(pw, p, store, id, perr)) != APR_SUCCESS) {
        return rv;
    }
    tsr_integrity_sha256(hash, secret, strlen(secret));
    return same_hash((*pw)->secret_hash, hash) ? APR_SUCCESS
                                                : gone(p, perr);
}

apr_status_t tsr_weblogin_collect(const char **puser, apr_pool_t *p,
                                  tsr_store_t *store, const char *id,
                                  const char *secret, apr_time_t now,
                                  tsr_error_t **perr)
{
    unsigned char hash[32];
    step_t s = { id, now, NULL, hash, NULL, 0 };
    tsr_weblogin_t *w;
    apr_status_t rv;

    *puser = NULL;
    /* A read first: a client polls every second while it waits, and
     * waiting needs no write lock. */
    if ((rv = tsr_weblogin_poll(&w, p, store, id, secret, now, perr))
        != APR_SUCCESS || w->state == TSR_WEBLOGIN_PENDING) {
        return rv;
    }
    tsr_integrity_sha256(hash, secret, strlen(secret));
    rv = tsr_store_login_update(store, p, id, collect_fn, &s, perr);
    if (s.pending) {
        return APR_SUCCESS;
    }
    if ((rv = update_result(rv, p, perr)) != APR_SUCCESS) {
        return rv;
    }
    *puser = s.collected;
    return APR_SUCCESS;
}
