/* tsr_loginpage: the web login's pages, written out in full. */
#include <string.h>
#include <apr_strings.h>
#include "tsr_integrity.h"
#include "tsr_loginpage.h"

/* The one style of every page.  Changing it changes its hash in the
 * Content-Security-Policy, which is computed from this very text. */
static const char style[] =
    "body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f4f4;"
    "color:#1a1a1a}"
    "main{max-width:26rem;margin:3rem auto;padding:1.5rem 2rem;"
    "background:#fff;border:1px solid #ccc;border-radius:6px}"
    "h1{font-size:1.4rem;margin-top:0}"
    "label{display:block;margin-top:1rem;font-weight:600}"
    "input{box-sizing:border-box;width:100%;padding:.5rem;font:inherit;"
    "border:1px solid #767676;border-radius:4px}"
    "input:focus,button:focus{outline:3px solid #1a5fb4;outline-offset:1px}"
    "button{margin-top:1.5rem;padding:.6rem 1.2rem;font:inherit;"
    "color:#fff;background:#1a5fb4;border:0;border-radius:4px;"
    "cursor:pointer}"
    ".error{color:#a51d2d;font-weight:600;border-left:4px solid #a51d2d;"
    "padding-left:.6rem}"
    ".hint{color:#4a4a4a;font-size:.9rem}";

const char *tsr_html_escape(apr_pool_t *p, const char *s)
{
    apr_size_t n = 0, i;
    const char *c;
    char *out, *o;

    if (s == NULL) {
        return "";
    }
    for (c = s; *c; c++) {
        n += strchr("&<>\"'", *c) ? 6 : 1;
    }
    o = out = apr_palloc(p, n + 1);
    for (c = s; *c; c++) {
        const char *ent = NULL;

        switch (*c) {
        case '&': ent = "&amp;"; break;
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        case '"': ent = "&quot;"; break;
        case '\'': ent = "&#39;"; break;
        }
        if (ent) {
            i = strlen(ent);
            memcpy(o, ent, i);
            o += i;
        }
        else {
            *o++ = *c;
        }
    }
    *o = '\0';
    return out;
}

const char *tsr_loginpage_csp(apr_pool_t *p)
{
    unsigned char md[32];

    tsr_integrity_sha256(md, style, sizeof(style) - 1);
    return apr_pstrcat(p, "default-src 'none'; style-src 'sha256-",
                       tsr_integrity_base64(p, md, sizeof(md)), "'; "
                       "form-action 'self'; frame-ancestors 'none'; "
                       "base-uri 'none'", NULL);
}

/* The document around body (already HTML), titled title (plain text). */
static const char *page(apr_pool_t *p, const char *title, const char *body,
                        apr_size_t *plen)
{
    const char *html = apr_pstrcat(p,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n"
        "<title>", tsr_html_escape(p, title), "</title>\n"
        "<style>", style, "</style>\n</head>\n<body>\n<main>\n"
        "<h1>", tsr_html_escape(p, title), "</h1>\n",
        body, "</main>\n</body>\n</html>\n", NULL);

    *plen = strlen(html);
    return html;
}

const char *tsr_loginpage_note(apr_pool_t *p, const char *title,
                               const char *text, apr_size_t *plen)
{
    return page(p, title, apr_pstrcat(p, "<p>", tsr_html_escape(p, text),
                                      "</p>\n", NULL), plen);
}

const char *tsr_loginpage_form(apr_pool_t *p, const tsr_loginpage_t *pg,
                               apr_size_t *plen)
{
    char date[APR_RFC822_DATE_LEN];
    const char *cmd = pg->command ? pg->command
                      : pg->create ? "npm adduser" : "npm login";
    const char *err = "", *invalid = "", *email = "", *note = "";

    if (apr_rfc822_date(date, pg->started) != APR_SUCCESS) {
        date[0] = '\0';
    }
    if (pg->error) {
        /* Read out as soon as the page shows, and tied to the fields it
         * is about. */
        err = apr_pstrcat(p, "<p class=\"error\" id=\"error\" "
                          "role=\"alert\">", tsr_html_escape(p, pg->error),
                          "</p>\n", NULL);
        invalid = " aria-invalid=\"true\" aria-describedby=\"error\"";
    }
    if (pg->create && pg->signup) {
        email = "<label for=\"email\">Email (optional)</label>\n"
                "<input id=\"email\" name=\"email\" type=\"email\" "
                "autocomplete=\"email\" maxlength=\"254\">\n";
        note = "<p class=\"hint\">A name nobody has yet becomes your new "
               "account, with this password.  With the name and password "
               "of an account you have, you sign in to it.</p>\n";
    }
    else if (pg->create) {
        note = "<p class=\"hint\">This registry does not let new users "
               "sign up: sign in with an account you have, or ask its "
               "administrator for one.</p>\n";
    }
    return page(p, pg->create ? "Create your account" : "Sign in",
        apr_pstrcat(p,
            "<p>The <code>", cmd, "</code> command that showed you this "
            "address started this sign-in from ",
            tsr_html_escape(p, pg->from), " on ", date, ".  Signing in "
            "gives that command a token for your account: sign in only if "
            "you ran it yourself just now.</p>\n",
            note, err,
            "<form method=\"post\">\n"
            "<label for=\"user\">User name</label>\n"
            "<input id=\"user\" name=\"user\" type=\"text\" "
            "autocomplete=\"username\" autocapitalize=\"none\" "
            "spellcheck=\"false\" required maxlength=\"214\" value=\"",
            tsr_html_escape(p, pg->user), "\"", invalid, ">\n"
            "<label for=\"password\">Password</label>\n"
            "<input id=\"password\" name=\"password\" type=\"password\" "
            "autocomplete=\"", pg->create && pg->signup ? "new-password"
                                                      : "current-password",
            "\" required maxlength=\"1024\"", invalid, ">\n",
            email,
            "<button type=\"submit\">",
            pg->create && pg->signup ? "Sign up or sign in" : "Sign in",
            "</button>\n</form>\n", NULL),
        plen);
}
