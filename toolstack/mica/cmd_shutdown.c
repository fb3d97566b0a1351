// SPDX-License-Identifier: GPL-2.0-only
/*
 * shutdown and reboot: ask the guest, as Xen's xl does, through the store
 * node /local/domain/N/control/shutdown ("poweroff" or "reboot",
 * public/io/bus.h), which the guest's bus driver watches; then wait up to
 * --timeout seconds for it to shut down (with --wait, also for micad to
 * have applied its on_poweroff/on_reboot action: that domain id gone). A
 * guest that does not shut down in time is an error, unless --force: then
 * shutdown destroys it and reboot destroys it and creates it again from
 * its saved configuration.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mica.h"
#include "public/io/store.h"

#define DEFAULT_TIMEOUT_S  60
#define MAX_TIMEOUT_S      86400
#define POLL_NS            200000000L  /* 0.2 s between looks */
#define EXIST_TRIES        50          /* reboot --force: the old domain may hold its name */
#define EXIST_WAIT_NS      100000000L

struct shutdown_op {
    struct invocation *inv;
    const char *how;                    /* what control/shutdown gets */
    struct mica_dominfo info;           /* the domain as it was asked */
    unsigned int timeout_s;
    bool wait, force;
};

static unsigned int timeout_of(const struct invocation *inv)
{
    unsigned long long s = DEFAULT_TIMEOUT_S;

    if (opt(inv, "timeout"))
        parse_uint(opt(inv, "timeout"), MAX_TIMEOUT_S, &s);     /* checked already */
    return (unsigned int)s;
}

int check_shutdown(const struct invocation *inv)
{
    unsigned long long s;
    const char *t = opt(inv, "timeout");

    if (t && (parse_uint(t, MAX_TIMEOUT_S, &s) < 0 || s == 0))
        return usage_error(inv->spec, "--timeout %s: seconds, 1 to %d", t, MAX_TIMEOUT_S);
    return 0;
}

static uint64_t now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec;
}

/* Write the request; the store's own message when it cannot be written. */
static int request(struct shutdown_op *o, mica_store *s)
{
    char path[64];
    int rc;

    snprintf(path, sizeof(path), MICA_STORE_DOMAIN_PATH_FMT "/control/shutdown", o->info.domid);
    rc = mica_store_write(s, 0, path, o->how, strlen(o->how));
    if (rc < 0)
        fail(o->inv->spec->name, "%s: cannot write %s: %s", o->info.name, path, strerror(-rc));
    return rc;
}

/* Did the guest's bus driver say it handles this (control/feature-poweroff = "1")? */
static bool advertised(const struct shutdown_op *o, mica_store *s)
{
    char path[80], *val = NULL;
    size_t len;
    bool yes;

    snprintf(path, sizeof(path), MICA_STORE_DOMAIN_PATH_FMT "/control/feature-%s",
             o->info.domid, o->how);
    yes = !mica_store_read(s, 0, path, &val, &len) && !strcmp(val, "1");
    free(val);
    return yes;
}

/* 1: it has shut down (or more: gone); with --wait, only once its id is gone. */
static int done(const struct shutdown_op *o)
{
    struct mica_dominfo now;
    int rc = mica_domain_info(o->inv->ctx, o->info.domid, &now);

    if (rc == -ESRCH)
        return 1;
    if (rc < 0)
        return rc;
    if (o->wait)
        return 0;
    return now.state == MICA_STATE_SHUTDOWN || now.state == MICA_STATE_DYING;
}

/* 1 when done within the timeout, 0 when not, or -errno. */
static int wait_done(const struct shutdown_op *o)
{
    uint64_t end = now_s() + o->timeout_s;
    int rc;

    while ((rc = done(o)) == 0 && now_s() < end)
        nanosleep(&(struct timespec){ .tv_nsec = POLL_NS }, NULL);
    return rc;
}

static int force_reboot(struct shutdown_op *o)
{
    struct mica_domain_config *cfg = NULL;
    mica_ctx *ctx = o->inv->ctx;
    uint32_t domid;
    int rc = mica_domain_saved_config(ctx, o->info.domid, &cfg);

    if (rc < 0)
        return fail_rc(o->inv, o->info.name, rc);
    rc = mica_domain_destroy(ctx, o->info.domid);
    for (int tries = 0; rc >= 0 && tries < EXIST_TRIES; tries++) {
        rc = mica_domain_create(ctx, cfg, 0, &domid);
        if (rc != -EEXIST)
            break;
        nanosleep(&(struct timespec){ .tv_nsec = EXIST_WAIT_NS }, NULL);
    }
    mica_config_free(cfg);
    if (rc < 0)
        return fail_rc(o->inv, o->info.name, rc);
    printf("%s: destroyed and created again as id %" PRIu32 "\n", o->info.name, domid);
    return 0;
}

static int not_in_time(struct shutdown_op *o, bool feature)
{
    int rc;

    if (!o->force) {
        fail(o->inv->spec->name, "%s: the guest did not shut down within %u s (%s)",
             o->info.name, o->timeout_s, feature ? "use --force" : "no PV drivers? use --force");
        return EXIT_FAILURE;
    }
    fprintf(stderr, "mica: %s: %s: the guest did not shut down within %u s: forcing it\n",
            o->inv->spec->name, o->info.name, o->timeout_s);
    if (!strcmp(o->how, "reboot"))
        return force_reboot(o);
    rc = mica_domain_destroy(o->inv->ctx, o->info.domid);
    return rc < 0 ? fail_rc(o->inv, o->info.name, rc) : 0;
}

static int shutdown_domain(struct invocation *inv, const char *how)
{
    struct shutdown_op o = {
        .inv = inv, .how = how, .timeout_s = timeout_of(inv),
        .wait = opt(inv, "wait"), .force = opt(inv, "force"),
    };
    mica_store *s = NULL;
    bool feature;
    int rc;

    if (domain_info_arg(inv, inv->args[0], &o.info) < 0)
        return EXIT_FAILURE;
    if (o.info.domid == 0 || o.info.privileged) {
        fail(inv->spec->name, "%s: domain 0 is the control domain", inv->args[0]);
        return EXIT_FAILURE;
    }
    rc = mica_store_open(&s);
    if (rc < 0) {                       /* the store client's message: this thread's */
        fail(inv->spec->name, "%s: %s", o.info.name,
             mica_last_error(NULL)[0] ? mica_last_error(NULL) : strerror(-rc));
        return EXIT_FAILURE;
    }
    rc = request(&o, s);
    feature = advertised(&o, s);
    mica_store_close(s);
    if (rc < 0)
        return EXIT_FAILURE;
    rc = wait_done(&o);
    if (rc < 0)
        return fail_rc(inv, o.info.name, rc);
    return rc ? 0 : not_in_time(&o, feature);
}

int cmd_shutdown(struct invocation *inv)
{
    return shutdown_domain(inv, "poweroff");
}

int cmd_reboot(struct invocation *inv)
{
    return shutdown_domain(inv, "reboot");
}
