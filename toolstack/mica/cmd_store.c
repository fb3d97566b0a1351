// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica store ACTION ...: the store (micastored, docs/store.md) from the
 * command line, as Xen's xenstore-ls/-read/-write/-rm/-watch/-chmod.
 * Each action is a row of a table: its name, its argument counts and its
 * handler. Failures read "mica: store: ACTION PATH: why"; with no daemon,
 * "mica: store: the store daemon (micastored) is not running".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mica.h"
#include "public/io/store.h"

#define VERB "store"

struct store_action {
    const char *name;
    int min_args, max_args;             /* after the action; -1: any number */
    int (*fn)(struct invocation *inv, mica_store *s, char **args, int n);
};

/* Words for the store's errors, as a person reads them. */
static const char *store_why(int rc)
{
    switch (-rc) {
    case ENOENT: return "no such node";
    case EACCES: return "permission denied";
    case EPERM: return "not allowed (only dom0 may give a node to another domain)";
    case EDQUOT: return "quota exceeded (mica store quota DOMAIN shows the limits)";
    case EAGAIN: return "transaction conflict: try again";
    case EINVAL: return "invalid request (bad path, permission or value)";
    case E2BIG: return "too large for one message";
    case EEXIST: return "already exists";
    case ECONNRESET: case EPIPE: return "the store daemon (micastored) closed the connection";
    }
    return strerror(-rc);
}

static int store_fail(const char *action, const char *what, int rc)
{
    if (what)
        fail(VERB, "%s %s: %s", action, what, store_why(rc));
    else
        fail(VERB, "%s: %s", action, store_why(rc));
    return EXIT_FAILURE;
}

/* name (NULL for the top) at indent depth, then its children: all of them with rec. */
static int print_node(mica_store *s, const char *path, const char *name, int depth, bool rec)
{
    char **kids, *val = NULL;
    size_t len;
    int n, rc = 0;

    if (name) {
        if (mica_store_read(s, 0, path, &val, &len) == 0)
            printf("%*s%s = \"%s\"\n", depth, "", name, val);
        else
            printf("%*s%s\n", depth, "", name);
        free(val);
        if (!rec)
            return 0;
    }
    n = mica_store_directory(s, 0, path, &kids);
    if (n < 0)
        return name ? 0 : store_fail("ls", path, n);      /* a child may have gone */
    for (int i = 0; i < n && !rc; i++) {
        char child[MICA_STORE_PATH_MAX];

        snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") ? path : "", kids[i]);
        rc = print_node(s, child, kids[i], name ? depth + 1 : 0, rec);
    }
    free(kids);
    return rc;
}

static int act_ls(struct invocation *inv, mica_store *s, char **args, int n)
{
    return print_node(s, n ? args[0] : "/", NULL, 0, opt(inv, "recursive") != NULL);
}

static int act_read(struct invocation *inv, mica_store *s, char **args, int n)
{
    (void)inv;
    for (int i = 0; i < n; i++) {
        char *val;
        size_t len;
        int rc = mica_store_read(s, 0, args[i], &val, &len);

        if (rc)
            return store_fail("read", args[i], rc);
        fwrite(val, 1, len, stdout);
        putchar('\n');
        free(val);
    }
    return 0;
}

static int act_write(struct invocation *inv, mica_store *s, char **args, int n)
{
    (void)inv;
    if (n % 2) {
        fail(VERB, "write: %s: no value to write (PATH VALUE pairs)", args[n - 1]);
        return EXIT_USAGE;
    }
    for (int i = 0; i < n; i += 2) {
        int rc = mica_store_write(s, 0, args[i], args[i + 1], strlen(args[i + 1]));

        if (rc)
            return store_fail("write", args[i], rc);
    }
    return 0;
}

static int act_mkdir(struct invocation *inv, mica_store *s, char **args, int n)
{
    (void)inv;
    for (int i = 0; i < n; i++) {
        int rc = mica_store_mkdir(s, 0, args[i]);

        if (rc)
            return store_fail("mkdir", args[i], rc);
    }
    return 0;
}

static int act_rm(struct invocation *inv, mica_store *s, char **args, int n)
{
    (void)inv;
    for (int i = 0; i < n; i++) {
        int rc = mica_store_rm(s, 0, args[i]);

        if (rc)
            return store_fail("rm", args[i], rc);
    }
    return 0;
}

static int act_perms(struct invocation *inv, mica_store *s, char **args, int n)
{
    char **perms;
    int rc;

    (void)inv;
    if (n > 1) {
        rc = mica_store_set_perms(s, 0, args[0], (const char *const *)args + 1,
                                  (unsigned int)n - 1);
        return rc ? store_fail("perms", args[0], rc) : 0;
    }
    rc = mica_store_get_perms(s, 0, args[0], &perms);
    if (rc < 0)
        return store_fail("perms", args[0], rc);
    for (int i = 0; i < rc; i++)
        printf("%s%s", i ? " " : "", perms[i]);
    putchar('\n');
    free(perms);
    return 0;
}

/* Events as "PATH TOKEN" lines, until --count of them or --timeout seconds pass. */
static int act_watch(struct invocation *inv, mica_store *s, char **args, int n)
{
    unsigned long long count = 0, secs = 0;
    const char *c = opt(inv, "count"), *t = opt(inv, "timeout");
    int rc;

    (void)n;
    if (c && (parse_uint(c, 1000000000, &count) || !count))
        return usage_error(inv->spec, "%s: bad event count", c);
    if (t && (parse_uint(t, 86400 * 365, &secs) || !secs))
        return usage_error(inv->spec, "%s: bad timeout", t);
    rc = mica_store_watch(s, args[0], args[0]);
    if (rc)
        return store_fail("watch", args[0], rc);
    for (unsigned long long got = 0; !count || got < count; got++) {
        char *path, *token;

        rc = mica_store_read_watch(s, t ? (int)(secs * 1000) : -1, &path, &token);
        if (rc == -ETIMEDOUT) {
            fail(VERB, "watch %s: no event within %llu s", args[0], secs);
            return EXIT_FAILURE;
        }
        if (rc)
            return store_fail("watch", args[0], rc);
        printf("%s %s\n", path, token);
        fflush(stdout);
        free(path);
        free(token);
    }
    return 0;
}

/* DOMAIN by id, or by name through the hypervisor. */
static int quota_domain(struct invocation *inv, const char *what, uint32_t *domid)
{
    unsigned long long v;
    int rc;

    if (!parse_uint(what, MICA_DOMID_MAX, &v)) {
        *domid = (uint32_t)v;
        return 0;
    }
    if (ctx_open(VERB, &inv->ctx) < 0)
        return EXIT_FAILURE;
    rc = domain_arg(inv, what, domid);
    return rc ? EXIT_FAILURE : 0;
}

static int act_quota(struct invocation *inv, mica_store *s, char **args, int n)
{
    uint32_t domid;
    char *text;
    int rc = quota_domain(inv, args[0], &domid);

    if (rc)
        return rc;
    for (int i = 1; i < n; i++) {
        char name[32];
        const char *eq = strchr(args[i], '=');
        unsigned long long v;

        if (!eq || (size_t)(eq - args[i]) >= sizeof(name) || parse_uint(eq + 1, UINT32_MAX, &v))
            return usage_error(inv->spec, "%s: not NAME=VALUE (nodes, watches, transactions, "
                               "value)", args[i]);
        snprintf(name, sizeof(name), "%.*s", (int)(eq - args[i]), args[i]);
        rc = mica_store_set_quota(s, domid, name, (unsigned int)v);
        if (rc)
            return store_fail("quota", args[i], rc);
    }
    if (n > 1)
        return 0;
    rc = mica_store_get_quota(s, domid, &text);
    if (rc)
        return store_fail("quota", args[0], rc);
    printf("%s\n", text);
    free(text);
    return 0;
}

static const struct store_action actions[] = {
    { "ls", 0, 1, act_ls },
    { "read", 1, -1, act_read },
    { "write", 2, -1, act_write },
    { "mkdir", 1, -1, act_mkdir },
    { "rm", 1, -1, act_rm },
    { "watch", 1, 1, act_watch },
    { "perms", 1, -1, act_perms },
    { "quota", 1, -1, act_quota },
};

static const struct store_action *find_action(const char *name)
{
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (!strcmp(actions[i].name, name))
            return &actions[i];
    return NULL;
}

int check_store(const struct invocation *inv)
{
    const struct store_action *a = find_action(inv->args[0]);
    int n = inv->nargs - 1;
    unsigned long long v;
    const char *as = opt(inv, "as");

    if (!a)
        return usage_error(inv->spec, "%s: unknown action (ls, read, write, mkdir, rm, watch, "
                           "perms, quota)", inv->args[0]);
    if (n < a->min_args)
        return usage_error(inv->spec, "%s: missing argument", a->name);
    if (a->max_args >= 0 && n > a->max_args)
        return usage_error(inv->spec, "%s: unexpected argument '%s'", a->name,
                           inv->args[1 + a->max_args]);
    if (as && (parse_uint(as, MICA_DOMID_MAX, &v) || !v))
        return usage_error(inv->spec, "%s: bad domain id for --as", as);
    return 0;
}

int cmd_store(struct invocation *inv)
{
    const struct store_action *a = find_action(inv->args[0]);
    const char *as = opt(inv, "as");
    mica_store *s;
    int rc;

    if (geteuid() != 0) {
        fail(VERB, "permission denied: mica must be run as root");
        return EXIT_FAILURE;
    }
    rc = mica_store_open(&s);
    if (rc == -ENOENT || rc == -ECONNREFUSED) {
        fail(VERB, "the store daemon (micastored) is not running");
        return EXIT_FAILURE;
    }
    if (rc) {
        fail(VERB, "%s", mica_last_error(NULL));
        return EXIT_FAILURE;
    }
    if (as && (rc = mica_store_restrict(s, (uint32_t)strtoul(as, NULL, 10)))) {
        mica_store_close(s);
        return store_fail("--as", as, rc);
    }
    rc = a->fn(inv, s, inv->args + 1, inv->nargs - 1);
    mica_store_close(s);
    return rc;
}
