/* check_sign: the registry's signing key: made, saved 0600 and never
 * overwritten, loaded back; its keyid and public key as npm reads them;
 * signatures that libcrypto verifies with that public key alone, and that
 * fail for any other message; key files that are not P-256 keys. */
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "check_core.h"
#include "fixtures.h"
#include "tsr_sign.h"

#define refused(rv, err, needle)                                            \
    do {                                                                    \
        ck_assert_int_eq((rv), TSR_EREFUSED);                               \
        ck_assert_ptr_nonnull(err);                                         \
        ck_assert_contains((err)->message, (needle));                       \
    } while (0)

/* Standard base64 decoded (in fx_pool), without the core. */
static unsigned char *unbase64(const char *b64, apr_size_t *plen)
{
    apr_size_t n = strlen(b64);
    unsigned char *out = apr_palloc(fx_pool, n);
    int len = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);

    ck_assert_int_gt(len, 0);
    /* EVP_DecodeBlock counts the padding's zero bytes too. */
    while (n > 0 && b64[n - 1] == '=') {
        len--;
        n--;
    }
    *plen = (apr_size_t)len;
    return out;
}

/* The public key that key's listing gives, as npm builds it: the DER
 * SubjectPublicKeyInfo from base64. */
static EVP_PKEY *listed_public(const tsr_sign_key_t *key)
{
    apr_size_t len;
    const unsigned char *der = unbase64(tsr_sign_key_public(key), &len);
    EVP_PKEY *pk = d2i_PUBKEY(NULL, &der, (long)len);

    ck_assert_ptr_nonnull(pk);
    return pk;
}

/* Does sig (base64 DER) verify as pub's ECDSA SHA-256 signature of msg? */
static int verifies(EVP_PKEY *pub, const char *msg, const char *sig)
{
    apr_size_t slen;
    unsigned char *s = unbase64(sig, &slen);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1
             && EVP_DigestVerifyUpdate(md, msg, strlen(msg)) == 1
             && EVP_DigestVerifyFinal(md, s, slen) == 1;

    EVP_MD_CTX_free(md);
    return ok;
}

static const char *integrity =
    "sha512-nexQ9vDcZcDIOq1LESsvWpDWK6HN1xcoBgTWpmWo4kxdWE1FVjq8PR3ZQxj1ZAkR"
    "dKqwdBIN6E0MuyS37Rr6TA==";

START_TEST(sign_and_verify)
{
    tsr_sign_key_t *key;
    tsr_error_t *err = NULL;
    const char *sig, *sig2;
    EVP_PKEY *pub;

    ck_assert_int_eq(tsr_sign_key_generate(&key, fx_pool, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_sign_version(key, fx_pool, "@alice/scoped-pkg",
                                      "1.2.0", integrity, &sig, &err),
                     APR_SUCCESS);
    pub = listed_public(key);
    ck_assert_int_eq(EVP_PKEY_base_id(pub), EVP_PKEY_EC);
    ck_assert(verifies(pub, apr_pstrcat(fx_pool, "@alice/scoped-pkg@1.2.0:",
                                        integrity, NULL), sig));
    /* Another integrity, version or name: not this signature. */
    ck_assert(!verifies(pub, apr_pstrcat(fx_pool, "@alice/scoped-pkg@1.2.0:",
                                         "sha512-AAAA", NULL), sig));
    ck_assert(!verifies(pub, apr_pstrcat(fx_pool, "@alice/scoped-pkg@1.2.1:",
                                         integrity, NULL), sig));
    ck_assert(!verifies(pub, apr_pstrcat(fx_pool, "@alice/scoped-pkh@1.2.0:",
                                         integrity, NULL), sig));
    /* ECDSA's nonce: each signature differs, and each verifies. */
    ck_assert_int_eq(tsr_sign_version(key, fx_pool, "demo", "1.0.0",
                                      integrity, &sig2, &err), APR_SUCCESS);
    ck_assert(verifies(pub, apr_pstrcat(fx_pool, "demo@1.0.0:", integrity,
                                        NULL), sig2));
    ck_assert_str_ne(sig, sig2);
    EVP_PKEY_free(pub);
}
END_TEST

START_TEST(keyid_and_listing)
{
    tsr_sign_key_t *key;
    tsr_error_t *err = NULL;
    unsigned char digest[32];
    unsigned int dlen = 0;
    apr_size_t len;
    const unsigned char *der;
    const char *id, *want;
    json_object *doc, *keys, *k, *v;

    ck_assert_int_eq(tsr_sign_key_generate(&key, fx_pool, &err),
                     APR_SUCCESS);
    /* A P-256 SubjectPublicKeyInfo is 91 bytes, as npm's own key. */
    der = unbase64(tsr_sign_key_public(key), &len);
    ck_assert_uint_eq(len, 91);
    ck_assert(strncmp(tsr_sign_key_public(key),
                      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE", 36) == 0);
    ck_assert_ptr_null(strchr(tsr_sign_key_public(key), '\n'));
    /* The keyid: SHA256: and the unpadded base64 of that DER's digest. */
    ck_assert_int_eq(EVP_Digest(der, len, digest, &dlen, EVP_sha256(),
                                NULL), 1);
    want = fx_base64(fx_pool, digest, dlen);
    want = apr_pstrndup(fx_pool, want, strcspn(want, "="));
    id = tsr_sign_key_id(key);
    ck_assert_str_eq(id, apr_pstrcat(fx_pool, "SHA256:", want, NULL));
    ck_assert_uint_eq(strlen(id), 7 + 43);
    ck_assert_ptr_null(strchr(id, '='));

    doc = tsr_sign_keys_doc(fx_pool, key);
    keys = json_object_object_get(doc, "keys");
    ck_assert(json_object_is_type(keys, json_type_array));
    ck_assert_int_eq((int)json_object_array_length(keys), 1);
    k = json_object_array_get_idx(keys, 0);
    ck_assert(json_object_object_get_ex(k, "expires", &v));
    ck_assert_ptr_null(v);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(
                         k, "keyid")), id);
    ck_assert_str_eq(json_object_get_string(json_object_object_get(
                         k, "keytype")), "ecdsa-sha2-nistp256");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(
                         k, "scheme")), "ecdsa-sha2-nistp256");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(
                         k, "key")), tsr_sign_key_public(key));
}
END_TEST

START_TEST(saved_and_loaded)
{
    const char *dir = fx_tempdir(fx_pool);
    const char *path = apr_pstrcat(fx_pool, dir, "/signing-key.pem", NULL);
    tsr_sign_key_t *key, *back, *other;
    tsr_error_t *err = NULL;
    const unsigned char *before, *after;
    apr_size_t blen, alen;
    const char *sig;
    EVP_PKEY *pub;
    struct stat st;
    mode_t mask;
    int created = -1;

    ck_assert_int_eq(tsr_sign_key_generate(&key, fx_pool, &err),
                     APR_SUCCESS);
    mask = umask(0);    /* the mode must not rest on the umask */
    ck_assert_int_eq(tsr_sign_key_save(key, fx_pool, path, -1, -1, &err),
                     APR_SUCCESS);
    umask(mask);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    before = fx_read_file(fx_pool, path, &blen);
    ck_assert_contains(apr_pstrmemdup(fx_pool, (const char *)before, blen),
                       "-----BEGIN PRIVATE KEY-----");
    /* Nothing left beside it. */
    ck_assert(!fx_exists(apr_psprintf(fx_pool, "%s.new-%ld", path,
                                      (long)getpid())));

    ck_assert_int_eq(tsr_sign_key_load(&back, fx_pool, path, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(tsr_sign_key_id(back), tsr_sign_key_id(key));
    ck_assert_str_eq(tsr_sign_key_public(back), tsr_sign_key_public(key));
    /* The loaded key signs what the first one's listing verifies. */
    ck_assert_int_eq(tsr_sign_version(back, fx_pool, "demo", "2.0.0",
                                      integrity, &sig, &err), APR_SUCCESS);
    pub = listed_public(key);
    ck_assert(verifies(pub, apr_pstrcat(fx_pool, "demo@2.0.0:", integrity,
                                        NULL), sig));
    EVP_PKEY_free(pub);

    /* Never over a key that is there. */
    ck_assert_int_eq(tsr_sign_key_generate(&other, fx_pool, &err),
                     APR_SUCCESS);
    ck_assert_int_eq(tsr_sign_key_save(other, fx_pool, path, -1, -1, &err),
                     APR_EEXIST);
    after = fx_read_file(fx_pool, path, &alen);
    ck_assert_uint_eq(alen, blen);
    ck_assert(memcmp(before, after, blen) == 0);

    /* ensure: the key that is there; a new one only where none is. */
    ck_assert_int_eq(tsr_sign_key_ensure(&back, &created, fx_pool, path, -1,
                                         -1, &err), APR_SUCCESS);
    ck_assert_int_eq(created, 0);
    ck_assert_str_eq(tsr_sign_key_id(back), tsr_sign_key_id(key));
    path = apr_pstrcat(fx_pool, dir, "/new.pem", NULL);
    ck_assert_int_eq(tsr_sign_key_load(&back, fx_pool, path, &err),
                     APR_ENOENT);
    ck_assert_int_eq(tsr_sign_key_ensure(&back, &created, fx_pool, path, -1,
                                         -1, &err), APR_SUCCESS);
    ck_assert_int_eq(created, 1);
    ck_assert_str_ne(tsr_sign_key_id(back), tsr_sign_key_id(key));
    ck_assert_int_eq(tsr_sign_key_load(&other, fx_pool, path, &err),
                     APR_SUCCESS);
    ck_assert_str_eq(tsr_sign_key_id(other), tsr_sign_key_id(back));
}
END_TEST

/* Write pk as PEM to dir/name: traditional (SEC 1, PKCS#1), or encrypted
 * PKCS#8. */
static const char *write_key(const char *dir, const char *name,
                             EVP_PKEY *pk, int encrypted)
{
    const char *path = apr_pstrcat(fx_pool, dir, "/", name, NULL);
    BIO *f = BIO_new_file(path, "w");

    ck_assert_ptr_nonnull(f);
    if (encrypted) {
        ck_assert_int_eq(PEM_write_bio_PKCS8PrivateKey(f, pk,
                                                       EVP_aes_128_cbc(),
                                                       NULL, 0, NULL,
                                                       (void *)"secret"), 1);
    }
    else {
        ck_assert_int_eq(PEM_write_bio_PrivateKey_traditional(f, pk, NULL,
                                                              NULL, 0, NULL,
                                                              NULL), 1);
    }
    BIO_free(f);
    return path;
}

static EVP_PKEY *keygen(int type, int nid_or_bits)
{
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(type, NULL);
    EVP_PKEY *pk = NULL;

    ck_assert_int_eq(EVP_PKEY_keygen_init(c), 1);
    if (type == EVP_PKEY_EC) {
        ck_assert_int_eq(EVP_PKEY_CTX_set_ec_paramgen_curve_nid(c,
                                                                nid_or_bits),
                         1);
    }
    else {
        ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_keygen_bits(c, nid_or_bits), 1);
    }
    ck_assert_int_eq(EVP_PKEY_keygen(c, &pk), 1);
    EVP_PKEY_CTX_free(c);
    return pk;
}

START_TEST(key_files)
{
    const char *dir = fx_tempdir(fx_pool);
    const char *path;
    tsr_sign_key_t *key;
    tsr_error_t *err = NULL;
    const unsigned char *text;
    apr_size_t len;
    EVP_PKEY *pk;
    FILE *f;

    /* An "EC PRIVATE KEY" file, as openssl ecparam -genkey writes it. */
    pk = keygen(EVP_PKEY_EC, NID_X9_62_prime256v1);
    path = write_key(dir, "sec1.pem", pk, 0);
    text = fx_read_file(fx_pool, path, &len);
    ck_assert_contains(apr_pstrmemdup(fx_pool, (const char *)text, len),
                       "BEGIN EC PRIVATE KEY");
    ck_assert_int_eq(tsr_sign_key_load(&key, fx_pool, path, &err),
                     APR_SUCCESS);
    /* Encrypted: refused, never a passphrase prompt. */
    path = write_key(dir, "enc.pem", pk, 1);
    refused(tsr_sign_key_load(&key, fx_pool, path, &err), err,
            "not an unencrypted PEM private key");
    EVP_PKEY_free(pk);

    pk = keygen(EVP_PKEY_EC, NID_secp384r1);
    path = write_key(dir, "p384.pem", pk, 0);
    refused(tsr_sign_key_load(&key, fx_pool, path, &err), err,
            "not an ECDSA P-256 key");
    EVP_PKEY_free(pk);
    pk = keygen(EVP_PKEY_EC, NID_secp256k1);
    path = write_key(dir, "k256.pem", pk, 0);
    refused(tsr_sign_key_load(&key, fx_pool, path, &err), err,
            "not an ECDSA P-256 key");
    EVP_PKEY_free(pk);
    pk = keygen(EVP_PKEY_RSA, 1024);
    path = write_key(dir, "rsa.pem", pk, 0);
    refused(tsr_sign_key_load(&key, fx_pool, path, &err), err,
            "not an ECDSA P-256 key");
    EVP_PKEY_free(pk);

    path = apr_pstrcat(fx_pool, dir, "/junk.pem", NULL);
    f = fopen(path, "w");
    fputs("-----BEGIN PRIVATE KEY-----\nnot base64 at all\n"
          "-----END PRIVATE KEY-----\n", f);
    fclose(f);
    refused(tsr_sign_key_load(&key, fx_pool, path, &err), err,
            "not an unencrypted PEM private key");
    path = apr_pstrcat(fx_pool, dir, "/empty.pem", NULL);
    fclose(fopen(path, "w"));
    refused(tsr_sign_key_load(&key, fx_pool, path, &err), err,
            "not a PEM file of a private key");
    /* A directory is no key either. */
    refused(tsr_sign_key_load(&key, fx_pool, dir, &err), err,
            "not a PEM file of a private key");
    ck_assert_int_eq(tsr_sign_key_load(&key, fx_pool,
                                       apr_pstrcat(fx_pool, dir, "/none.pem",
                                                   NULL), &err), APR_ENOENT);
    ck_assert_contains(err->message, "none.pem");
}
END_TEST

Suite *make_sign_suite(void)
{
    Suite *s = suite_create("sign");
    TCase *tc = fx_tcase("key");

    tcase_add_test(tc, sign_and_verify);
    tcase_add_test(tc, keyid_and_listing);
    tcase_add_test(tc, saved_and_loaded);
    tcase_add_test(tc, key_files);
    suite_add_tcase(s, tc);
    return s;
}
