/* tsr_sign: OpenSSL's libcrypto for the registry's ECDSA key: loading and
 * making it, naming it as npm does, and signing versions with it. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "tsr_json.h"
#include "tsr_sign.h"

/* A PEM key file is a few hundred bytes; anything far larger is not one,
 * and is not read whole. */
#define KEY_FILE_MAX (64 * 1024)

struct tsr_sign_key_t {
    EVP_PKEY *pkey;
    const char *keyid;
    const char *public_b64;
};

/* The reason of libcrypto's latest error (in p), its queue emptied. */
static const char *ossl_reason(apr_pool_t *p)
{
    unsigned long e = ERR_get_error();
    char buf[256];

    ERR_clear_error();
    if (e == 0) {
        return "no reason given";
    }
    ERR_error_string_n(e, buf, sizeof(buf));
    return apr_pstrdup(p, buf);
}

static apr_status_t pkey_cleanup(void *data)
{
    EVP_PKEY_free(data);
    return APR_SUCCESS;
}

static const char *base64(apr_pool_t *p, const unsigned char *data,
                          apr_size_t len)
{
    char *out = apr_palloc(p, 4 * ((len + 2) / 3) + 1);

    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    return out;
}

/* Is pk an ECDSA key on P-256 (NIST's, prime256v1)? */
static int is_p256(EVP_PKEY *pk)
{
    if (EVP_PKEY_base_id(pk) != EVP_PKEY_EC) {
        return 0;
    }
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
    {
        char group[80];
        size_t glen = 0;

        return EVP_PKEY_get_group_name(pk, group, sizeof(group), &glen) == 1
               && OBJ_txt2nid(group) == NID_X9_62_prime256v1;
    }
#else
    {
        const EC_KEY *ec = EVP_PKEY_get0_EC_KEY(pk);

        return ec && EC_GROUP_get_curve_name(EC_KEY_get0_group(ec))
                         == NID_X9_62_prime256v1;
    }
#endif
}

/* Take pk over (freed with p) and work out its names. */
static apr_status_t wrap(tsr_sign_key_t **pkey, apr_pool_t *p, EVP_PKEY *pk,
                         tsr_error_t **perr)
{
    tsr_sign_key_t *k = apr_pcalloc(p, sizeof(*k));
    unsigned char *der = NULL, digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    char *id;
    int len;

    apr_pool_cleanup_register(p, pk, pkey_cleanup, apr_pool_cleanup_null);
    k->pkey = pk;
    if ((len = i2d_PUBKEY(pk, &der)) <= 0) {
        return tsr_error_internal(perr, p, APR_EGENERAL, "cannot encode the "
                                  "signing key's public key: %s",
                                  ossl_reason(p));
    }
    k->public_b64 = base64(p, der, (apr_size_t)len);
    if (EVP_Digest(der, (size_t)len, digest, &dlen, EVP_sha256(), NULL)
        != 1) {
        OPENSSL_free(der);
        return tsr_error_internal(perr, p, APR_EGENERAL, "cannot hash the "
                                  "signing key's public key: %s",
                                  ossl_reason(p));
    }
    OPENSSL_free(der);
    /* npm's keyid form: the base64 without its padding. */
    id = apr_pstrcat(p, "SHA256:", base64(p, digest, dlen), NULL);
    id[strcspn(id, "=")] = '\0';
    k->keyid = id;
    *pkey = k;
    return APR_SUCCESS;
}

/* A passphrase would be asked for on a terminal: there is none. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    return -1;
}

apr_status_t tsr_sign_key_load(tsr_sign_key_t **pkey, apr_pool_t *p,
                               const char *path, tsr_error_t **perr)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t got = 0;
    EVP_PKEY *pk;
    BIO *bio;
    char *text;
    apr_status_t rv;

    *pkey = NULL;
    rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, p);
    if (rv != APR_SUCCESS) {
        char why[120];

        tsr_error_internal(perr, p, rv, "cannot open the signing key %s: "
                           "%s", path, apr_strerror(rv, why, sizeof(why)));
        return APR_STATUS_IS_ENOENT(rv) ? APR_ENOENT : TSR_EREFUSED;
    }
    rv = apr_file_info_get(&fi, APR_FINFO_SIZE | APR_FINFO_TYPE, f);
    if (rv != APR_SUCCESS || fi.filetype != APR_REG || fi.size <= 0
        || fi.size > KEY_FILE_MAX) {
        apr_file_close(f);
        return tsr_error_internal(perr, p, rv ? rv : APR_EINVAL,
                                  "the signing key %s is not a PEM file of "
                                  "a private key", path);
    }
    text = apr_palloc(p, (apr_size_t)fi.size);
    rv = apr_file_read_full(f, text, (apr_size_t)fi.size, &got);
    apr_file_close(f);
    if (rv != APR_SUCCESS) {
        return tsr_error_internal(perr, p, rv, "cannot read the signing key "
                                  "%s", path);
    }
    bio = BIO_new_mem_buf(text, (int)got);
    pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)
             : NULL;
    BIO_free(bio);
    OPENSSL_cleanse(text, got);
    if (pk == NULL) {
        return tsr_error_internal(perr, p, APR_EINVAL, "the signing key %s "
                                  "is not an unencrypted PEM private key: "
                                  "%s", path, ossl_reason(p));
    }
    if (!is_p256(pk)) {
        EVP_PKEY_free(pk);
        return tsr_error_internal(perr, p, APR_EINVAL, "the signing key %s "
                                  "is not an ECDSA P-256 key (npm verifies "
                                  "%s signatures only)", path,
                                  TSR_SIGN_KEYTYPE);
    }
    return wrap(pkey, p, pk, perr);
}

static apr_status_t write_all(int fd, const char *data, apr_size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n < 0 ? APR_FROM_OS_ERROR(errno) : APR_EGENERAL;
        }
        data += n;
        len -= (apr_size_t)n;
    }
    return APR_SUCCESS;
}

/* The directory of path syncs, so the new name survives a crash. */
static void sync_dir(apr_pool_t *p, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dir = slash == NULL ? "."
                      : slash == path ? "/"
                      : apr_pstrmemdup(p, path, (apr_size_t)(slash - path));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* pem, written to a new file at path (see tsr_sign_key_save). */
static apr_status_t store_new(apr_pool_t *p, const char *path,
                              const char *pem, apr_size_t len, long uid,
                              long gid, tsr_error_t **perr)
{
    const char *tmp = apr_psprintf(p, "%s.new-%ld", path, (long)getpid());
    apr_status_t rv;
    int fd, e;

    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
        /* Left by a start that died half way: never the key itself. */
        unlink(tmp);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    }
    if (fd < 0) {
        rv = APR_FROM_OS_ERROR(errno);
        return tsr_error_internal(perr, p, rv, "cannot create %s", tmp);
    }
    /* 0600 whatever the umask; the children's user owns it. */
    rv = fchmod(fd, 0600) == 0 ? APR_SUCCESS : APR_FROM_OS_ERROR(errno);
    if (rv == APR_SUCCESS && uid != -1
        && fchown(fd, (uid_t)uid, (gid_t)gid) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    if (rv == APR_SUCCESS) {
        rv = write_all(fd, pem, len);
    }
    if (rv == APR_SUCCESS && fsync(fd) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    if (close(fd) != 0 && rv == APR_SUCCESS) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    if (rv != APR_SUCCESS) {
        unlink(tmp);
        return tsr_error_internal(perr, p, rv, "cannot write the signing "
                                  "key %s", tmp);
    }
    /* link(), unlike rename(), never replaces a key already there. */
    e = link(tmp, path) == 0 ? 0 : errno;
    unlink(tmp);
    if (e == EEXIST) {
        tsr_error_internal(perr, p, APR_EEXIST, "the signing key %s exists "
                           "already", path);
        return APR_EEXIST;
    }
    if (e != 0) {
        return tsr_error_internal(perr, p, APR_FROM_OS_ERROR(e), "cannot "
                                  "create the signing key %s", path);
    }
    sync_dir(p, path);
    return APR_SUCCESS;
}

apr_status_t tsr_sign_key_generate(tsr_sign_key_t **pkey, apr_pool_t *p,
                                   tsr_error_t **perr)
{
    EVP_PKEY_CTX *kctx;
    EVP_PKEY *pk = NULL;

    *pkey = NULL;
    kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
    if (kctx == NULL || EVP_PKEY_keygen_init(kctx) != 1
        || EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kctx,
                                                  NID_X9_62_prime256v1) != 1
        || EVP_PKEY_keygen(kctx, &pk) != 1) {
        EVP_PKEY_CTX_free(kctx);
        return tsr_error_internal(perr, p, APR_EGENERAL, "cannot make a "
                                  "signing key: %s", ossl_reason(p));
    }
    EVP_PKEY_CTX_free(kctx);
    return wrap(pkey, p, pk, perr);
}

apr_status_t tsr_sign_key_save(const tsr_sign_key_t *key, apr_pool_t *p,
                               const char *path, long uid, long gid,
                               tsr_error_t **perr)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long len = 0;
    apr_status_t rv;

    if (mem == NULL
        || PEM_write_bio_PrivateKey(mem, key->pkey, NULL, NULL, 0, NULL,
                                    NULL) != 1
        || (len = BIO_get_mem_data(mem, &pem)) <= 0) {
        BIO_free(mem);
        return tsr_error_internal(perr, p, APR_EGENERAL, "cannot encode the "
                                  "signing key: %s", ossl_reason(p));
    }
    rv = store_new(p, path, pem, (apr_size_t)len, uid, gid, perr);
    OPENSSL_cleanse(pem, (size_t)len);
    BIO_free(mem);
    return rv;
}

apr_status_t tsr_sign_key_ensure(tsr_sign_key_t **pkey, int *pcreated,
                                 apr_pool_t *p, const char *path, long uid,
                                 long gid, tsr_error_t **perr)
{
    apr_status_t rv = tsr_sign_key_load(pkey, p, path, perr);

    if (pcreated) {
        *pcreated = 0;
    }
    if (rv != APR_ENOENT) {
        return rv;
    }
    if ((rv = tsr_sign_key_generate(pkey, p, perr)) != APR_SUCCESS) {
        return rv;
    }
    rv = tsr_sign_key_save(*pkey, p, path, uid, gid, perr);
    if (rv == APR_EEXIST) {
        /* Made by someone else since: theirs is the key. */
        return tsr_sign_key_load(pkey, p, path, perr);
    }
    if (rv != APR_SUCCESS) {
        *pkey = NULL;
        return rv;
    }
    if (pcreated) {
        *pcreated = 1;
    }
    return APR_SUCCESS;
}

const char *tsr_sign_key_id(const tsr_sign_key_t *key)
{
    return key->keyid;
}

const char *tsr_sign_key_public(const tsr_sign_key_t *key)
{
    return key->public_b64;
}

apr_status_t tsr_sign_version(const tsr_sign_key_t *key, apr_pool_t *p,
                              const char *name, const char *version,
                              const char *integrity, const char **psig,
                              tsr_error_t **perr)
{
    const char *msg = apr_pstrcat(p, name, "@", version, ":", integrity,
                                  NULL);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char *sig;
    size_t slen = 0;
    int ok;

    *psig = NULL;
    ok = md != NULL
         && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key->pkey) == 1
         && EVP_DigestSignUpdate(md, msg, strlen(msg)) == 1
         && EVP_DigestSignFinal(md, NULL, &slen) == 1;
    sig = ok ? apr_palloc(p, slen) : NULL;
    ok = ok && EVP_DigestSignFinal(md, sig, &slen) == 1;
    EVP_MD_CTX_free(md);
    if (!ok) {
        return tsr_error_internal(perr, p, APR_EGENERAL, "cannot sign "
                                  "%s@%s: %s", name, version,
                                  ossl_reason(p));
    }
    *psig = base64(p, sig, slen);
    return APR_SUCCESS;
}

json_object *tsr_sign_keys_doc(apr_pool_t *p, const tsr_sign_key_t *key)
{
    json_object *doc = tsr_json_own(p, json_object_new_object());
    json_object *keys = json_object_new_array(), *k = json_object_new_object();

    json_object_object_add(k, "expires", NULL);
    tsr_json_set_str(k, "keyid", key->keyid);
    tsr_json_set_str(k, "keytype", TSR_SIGN_KEYTYPE);
    tsr_json_set_str(k, "scheme", TSR_SIGN_KEYTYPE);
    tsr_json_set_str(k, "key", key->public_b64);
    json_object_array_add(keys, k);
    json_object_object_add(doc, "keys", keys);
    return doc;
}
