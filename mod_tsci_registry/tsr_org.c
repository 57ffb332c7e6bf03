/* tsr_org: organisation records ({"name","members":{user: role},
 * "created"}) and the rule of who creates packages in a scope. */
#include <string.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "tsr_json.h"
#include "tsr_name.h"
#include "tsr_org.h"

/* Members an organisation may hold. */
#define ORG_MEMBERS_MAX 10000

static int valid_role(const char *role)
{
    return role && (strcmp(role, "owner") == 0 || strcmp(role, "admin") == 0
                    || strcmp(role, "developer") == 0);
}

static json_object *parse_org(apr_pool_t *p, const char *text,
                              apr_size_t len)
{
    json_object *doc, *members;

    if (tsr_json_parse(&doc, p, text, len, 8, NULL) != APR_SUCCESS
        || !json_object_object_get_ex(doc, "members", &members)
        || !json_object_is_type(members, json_type_object)) {
        return NULL;
    }
    return doc;
}

apr_status_t tsr_org_members(json_object **pmembers, apr_pool_t *p,
                             tsr_store_t *store, const char *org)
{
    const char *text;
    apr_size_t len;
    json_object *doc;
    apr_status_t rv;

    if ((rv = tsr_store_org_get(store, p, org, &text, &len)) != APR_SUCCESS) {
        return rv;
    }
    if ((doc = parse_org(p, text, len)) == NULL) {
        return APR_EGENERAL;
    }
    *pmembers = tsr_json_obj(doc, "members");
    return APR_SUCCESS;
}

const char *tsr_org_role(apr_pool_t *p, tsr_store_t *store, const char *org,
                         const char *user, int *pfailed)
{
    json_object *members;
    apr_status_t rv = tsr_org_members(&members, p, store, org);

    if (rv != APR_SUCCESS) {
        if (rv != TSR_ENOTFOUND) {
            *pfailed = 1;
        }
        return NULL;
    }
    return tsr_json_str(members, user);
}

/* What tsr_org_set and tsr_org_remove ask of the record, in its
 * transaction. */
typedef struct change_t {
    const char *org;
    const tsr_actor_t *who;
    const char *user;
    const char *role;           /* NULL: remove the user */
    int size;
} change_t;

/* May who give or take role (the user's old or new one) in members? */
static int may_manage(const change_t *c, json_object *members,
                      const char *role)
{
    const char *mine;

    if (c->who->admin) {
        return 1;
    }
    mine = members ? tsr_json_str(members, c->who->user) : NULL;
    if (mine == NULL) {
        return 0;
    }
    if (strcmp(mine, "owner") == 0) {
        return 1;
    }
    return strcmp(mine, "admin") == 0 && strcmp(role, "owner") != 0;
}

static int owners(json_object *members)
{
    int n = 0;

    json_object_object_foreach(members, k, v) {
        (void)k;
        if (json_object_is_type(v, json_type_string)
            && strcmp(json_object_get_string(v), "owner") == 0) {
            n++;
        }
    }
    return n;
}

static apr_status_t apply_change(void *baton, apr_pool_t *p, const char *cur,
                                 apr_size_t len, const char **pnext,
                                 apr_size_t *pnext_len, tsr_error_t **perr)
{
    change_t *c = baton;
    json_object *doc = NULL, *members = NULL;
    const char *old;

    if (cur) {
        if ((doc = parse_org(p, cur, len)) == NULL) {
            return tsr_error_internal(perr, p, APR_EGENERAL, "the record of "
                                      "the organisation %s is unreadable",
                                      c->org);
        }
        members = tsr_json_obj(doc, "members");
    }
    old = members ? tsr_json_str(members, c->user) : NULL;
    if (c->role == NULL) {
        /* Removal: members may always leave. */
        if (doc == NULL || old == NULL) {
            return tsr_error_set(perr, p, 404, NULL, "%s is not a member "
                                 "of %s", c->user, c->org);
        }
        if (strcmp(c->user, c->who->user) != 0 && !may_manage(c, members,
                                                              old)) {
            return tsr_error_set(perr, p, 403, NULL, "only owners and "
                                 "admins of %s remove its members (and only "
                                 "owners remove owners)", c->org);
        }
        if (strcmp(old, "owner") == 0 && owners(members) == 1
            && !c->who->admin) {
            return tsr_error_set(perr, p, 409, NULL, "%s is the last owner "
                                 "of %s: make someone else owner first",
                                 c->user, c->org);
        }
        json_object_object_del(members, c->user);
    }
    else {
        if (doc == NULL) {
            if (!c->who->admin) {
                return tsr_error_set(perr, p, 403, NULL, "there is no "
                                     "organisation %s, and only a registry "
                                     "administrator creates one", c->org);
            }
            doc = tsr_json_own(p, json_object_new_object());
            tsr_json_set_str(doc, "name", c->org);
            tsr_json_set_str(doc, "created",
                             tsr_json_time(p, apr_time_now()));
            members = json_object_new_object();
            json_object_object_add(doc, "members", members);
        }
        else if (!may_manage(c, members, c->role)
                 || (old && !may_manage(c, members, old))) {
            return tsr_error_set(perr, p, 403, NULL, "only owners and "
                                 "admins of %s change its members (and only "
                                 "owners make owners)", c->org);
        }
        if (old == NULL
            && json_object_object_length(members) >= ORG_MEMBERS_MAX) {
            return tsr_error_set(perr, p, 409, NULL, "%s has %d members, "
                                 "the most an organisation holds", c->org,
                                 ORG_MEMBERS_MAX);
        }
        if (old && strcmp(old, "owner") == 0 && owners(members) == 1
            && strcmp(c->role, "owner") != 0 && !c->who->admin) {
            return tsr_error_set(perr, p, 409, NULL, "%s is the last owner "
                                 "of %s: make someone else owner first",
                                 c->user, c->org);
        }
        json_object_object_add(members, c->user,
                               json_object_new_string(c->role));
    }
    c->size = json_object_object_length(members);
    *pnext = tsr_json_serialize(p, doc, pnext_len);
    return APR_SUCCESS;
}

static apr_status_t check_names(apr_pool_t *p, const char *org,
                                const char *user, tsr_error_t **perr)
{
    tsr_error_t *e = NULL;

    /* An organisation's name is a scope: a user name's rules. */
    if (tsr_name_check_user(p, org, &e) != APR_SUCCESS) {
        return tsr_error_set(perr, p, 400, NULL, "invalid organisation "
                             "name %s", org);
    }
    return tsr_name_check_user(p, user, perr);
}

apr_status_t tsr_org_set(apr_pool_t *p, tsr_store_t *store, const char *org,
                         const tsr_actor_t *who, const char *user,
                         const char *role, int *psize, tsr_error_t **perr)
{
    change_t c = { org, who, user, role, 0 };
    apr_status_t rv;

    if ((rv = check_names(p, org, user, perr)) != APR_SUCCESS) {
        return rv;
    }
    if (!valid_role(role)) {
        return tsr_error_set(perr, p, 400, NULL, "the role must be owner, "
                             "admin or developer");
    }
    rv = tsr_store_org_update(store, p, org, apply_change, &c, perr);
    if (rv == APR_SUCCESS && psize) {
        *psize = c.size;
    }
    return rv;
}

apr_status_t tsr_org_remove(apr_pool_t *p, tsr_store_t *store,
                            const char *org, const tsr_actor_t *who,
                            const char *user, tsr_error_t **perr)
{
    change_t c = { org, who, user, NULL, 0 };
    apr_status_t rv;

    if ((rv = check_names(p, org, user, perr)) != APR_SUCCESS) {
        return rv;
    }
    return tsr_store_org_update(store, p, org, apply_change, &c, perr);
}

const char *tsr_org_may_create(apr_pool_t *p, tsr_store_t *store,
                               const char *name, const tsr_actor_t *who,
                               int *pfailed)
{
    const char *slash, *scope, *owner, *dot;

    if (who->admin || name[0] != '@'
        || (slash = strchr(name, '/')) == NULL) {
        return NULL;
    }
    scope = apr_pstrndup(p, name + 1, (apr_size_t)(slash - name - 1));
    owner = scope;
    if (strcmp(scope, TSR_TSCI_SCOPE) == 0) {
        /* @tsci/<owner>.<name>: the owner is in the package's name. */
        if ((dot = strchr(slash + 1, '.')) == NULL || dot == slash + 1
            || dot[1] == '\0') {
            return apr_psprintf(p, "packages in @%s are named @%s/<owner>."
                                "<name>", TSR_TSCI_SCOPE, TSR_TSCI_SCOPE);
        }
        owner = apr_pstrndup(p, slash + 1, (apr_size_t)(dot - slash - 1));
    }
    if (strcmp(owner, who->user) == 0
        || tsr_org_role(p, store, owner, who->user, pfailed) != NULL) {
        return NULL;
    }
    if (owner != scope) {
        return apr_psprintf(p, "@%s/%s.* belongs to %s (the user, or the "
                            "members of the organisation %s)",
                            TSR_TSCI_SCOPE, owner, owner, owner);
    }
    return apr_psprintf(p, "the scope @%s is not yours: publish under "
                        "@%s/, or ask an owner of the organisation %s (or a "
                        "registry administrator) to add you: npm org set "
                        "%s %s", scope, who->user, scope, scope, who->user);
}
