/* tsr_search_text: tokens and query-string parts.  Tokens are bytes, not
 * characters: only ASCII is folded, so "Ünïcode" is found as typed (npm
 * lowercases what it sends with JavaScript's rules, which this does not
 * follow beyond ASCII). */
#include <string.h>
#include <apr_strings.h>
#include "tsr_search_text.h"

static int is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c >= 0x80;
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

char *tsr_search_lower(apr_pool_t *p, const char *s, apr_size_t len)
{
    char *out = apr_palloc(p, len + 1);
    apr_size_t i;

    for (i = 0; i < len; i++) {
        out[i] = lower(s[i]);
    }
    out[len] = '\0';
    return out;
}

int tsr_search_token_next(const char *text, apr_size_t len,
                          apr_size_t *pos, const char **ptok,
                          apr_size_t *ptok_len)
{
    const unsigned char *s = (const unsigned char *)text;
    apr_size_t i = *pos, start, n;

    while (i < len) {
        while (i < len && !is_word_byte(s[i])) {
            i++;
        }
        start = i;
        while (i < len && is_word_byte(s[i])) {
            i++;
        }
        if ((n = i - start) == 0) {
            continue;
        }
        if (n > TSR_SEARCH_TOKEN_MAX) {
            n = TSR_SEARCH_TOKEN_MAX;
            /* Back off continuation bytes: never half a character. */
            while (n > 0 && (s[start + n] & 0xc0) == 0x80) {
                n--;
            }
            if (n == 0) {
                continue;
            }
        }
        *pos = i;
        *ptok = text + start;
        *ptok_len = n;
        return 1;
    }
    *pos = len;
    return 0;
}

apr_array_header_t *tsr_search_tokens(apr_pool_t *p, const char *text,
                                      apr_size_t len)
{
    apr_array_header_t *out = apr_array_make(p, 8, sizeof(char *));
    apr_size_t pos = 0, n;
    const char *tok;

    while (tsr_search_token_next(text, len, &pos, &tok, &n)) {
        APR_ARRAY_PUSH(out, char *) = tsr_search_lower(p, tok, n);
    }
    return out;
}

int tsr_search_token_is(const char *tok, apr_size_t len, const char *word,
                        apr_size_t wlen, int prefix)
{
    apr_size_t i;

    if (prefix ? len < wlen : len != wlen) {
        return 0;
    }
    for (i = 0; i < wlen; i++) {
        if (lower(tok[i]) != word[i]) {
            return 0;
        }
    }
    return 1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = lower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

char *tsr_search_unescape(apr_pool_t *p, const char *s, apr_size_t len,
                          apr_size_t *pout_len)
{
    char *out = apr_palloc(p, len + 1);
    apr_size_t i, o = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        }
        else if (s[i] == '%') {
            int hi, lo;

            if (i + 2 >= len || (hi = hexval(s[i + 1])) < 0
                || (lo = hexval(s[i + 2])) < 0) {
                return NULL;
            }
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        }
        else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    *pout_len = o;
    return out;
}
