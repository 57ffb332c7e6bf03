/* tsr_loginpage: the HTML of the page where a web login is finished: the
 * sign-in (or sign-up) form, and the short pages that say how it ended.
 * Self-contained documents: no script, no external asset, one inline
 * style that the Content-Security-Policy allows by its hash. */
#ifndef TSR_LOGINPAGE_H
#define TSR_LOGINPAGE_H

#include <apr_pools.h>
#include <apr_time.h>

/* What the form shows. */
typedef struct tsr_loginpage_t {
    int create;                 /* npm adduser: a sign-up form */
    int signup;                 /* new users may sign up here */
    const char *user;           /* the name to fill in again, or NULL */
    const char *error;          /* a sentence above the form, or NULL */
    const char *from;           /* the address that started the login */
    apr_time_t started;
    const char *command;        /* the command that started it, or NULL
                                 * for npm login (npm adduser) */
} tsr_loginpage_t;

/* The form page (in p; *plen its length).  Its fields: user, password,
 * and, for create, email. */
const char *tsr_loginpage_form(apr_pool_t *p, const tsr_loginpage_t *pg,
                               apr_size_t *plen);

/* A page with a title and one paragraph of text (both plain text,
 * escaped here), in p. */
const char *tsr_loginpage_note(apr_pool_t *p, const char *title,
                               const char *text, apr_size_t *plen);

/* The Content-Security-Policy the pages are sent with (in p): nothing
 * may load or run but their own style, and the form posts only to its
 * own origin. */
const char *tsr_loginpage_csp(apr_pool_t *p);

/* s with &, <, >, " and ' as character references (in p). */
const char *tsr_html_escape(apr_pool_t *p, const char *s);

#endif
