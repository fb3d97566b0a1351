// SPDX-License-Identifier: GPL-2.0-only
/*
 * A domU shut down: apply the action its saved configuration names for the
 * reason (on_poweroff, on_reboot, on_crash): destroy it, restart it (destroy,
 * then create again from the same configuration: same name and UUID), or
 * preserve it (leave it shut down for post-mortem; `mica destroy` ends it).
 * Without a readable configuration it is left as it is, and said so. A
 * domain that restarts RESTART_MAX times within RESTART_WINDOW seconds is
 * left shut down instead of looping.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "micad.h"
#include "public/sched.h"

#define RESTART_MAX 5
#define RESTART_WINDOW 60
#define RESTART_SLOTS 32
#define RESTART_EXIST_TRIES 50
#define RESTART_EXIST_WAIT_NS 100000000L

struct restarts {
    uint8_t uuid[16];
    time_t window_start;
    unsigned int count;
};

static struct restarts restart_table[RESTART_SLOTS];

static const char *reason_name(unsigned int reason)
{
    switch (reason) {
    case MICA_SHUTDOWN_poweroff: return "poweroff";
    case MICA_SHUTDOWN_reboot: return "reboot";
    case MICA_SHUTDOWN_crash: return "crash";
    }
    return "unknown reason";
}

static const char *action_name(enum mica_action a)
{
    switch (a) {
    case MICA_ACTION_DESTROY: return "destroy";
    case MICA_ACTION_RESTART: return "restart";
    case MICA_ACTION_PRESERVE: return "preserve";
    }
    return "?";
}

/* Count a restart of this UUID; false if it restarted too often lately. */
static bool restart_allowed(const uint8_t uuid[16])
{
    time_t now = time(NULL);
    struct restarts *slot = NULL, *oldest = &restart_table[0];

    for (unsigned int i = 0; i < RESTART_SLOTS; i++) {
        if (!memcmp(restart_table[i].uuid, uuid, 16)) {
            slot = &restart_table[i];
            break;
        }
        if (restart_table[i].window_start < oldest->window_start)
            oldest = &restart_table[i];
    }
    if (!slot) {
        slot = oldest;
        memcpy(slot->uuid, uuid, 16);
        slot->count = 0;
    }
    if (slot->count == 0 || now - slot->window_start > RESTART_WINDOW) {
        slot->window_start = now;
        slot->count = 0;
    }
    return ++slot->count <= RESTART_MAX;
}

static void do_destroy(struct micad *m, struct watched *w)
{
    int rc = mica_domain_destroy(m->ctx, w->domid);

    if (rc < 0)
        micad_log("%s (id %" PRIu32 "): destroy: %s", w->name, w->domid, strerror(-rc));
}

static void do_restart(struct micad *m, struct watched *w, const struct mica_domain_config *cfg)
{
    uint32_t domid;
    int rc;

    if (!restart_allowed(w->uuid)) {
        micad_log("%s (id %" PRIu32 "): restarted %d times within %d s: left shut down "
                  "(mica destroy %s ends it)", w->name, w->domid, RESTART_MAX, RESTART_WINDOW,
                  w->name);
        log_note(w, "restarting too often: left shut down");
        return;
    }
    rc = mica_domain_destroy(m->ctx, w->domid);
    if (rc < 0) {
        micad_log("%s (id %" PRIu32 "): restart: destroy: %s", w->name, w->domid, strerror(-rc));
        return;
    }
    /* The old domain may hold its name and UUID until it is torn down. */
    for (int tries = 0; tries < RESTART_EXIST_TRIES; tries++) {
        rc = mica_domain_create(m->ctx, cfg, 0, &domid);
        if (rc != -EEXIST)
            break;
        nanosleep(&(struct timespec){ .tv_nsec = RESTART_EXIST_WAIT_NS }, NULL);
    }
    if (rc < 0) {
        const char *msg = mica_last_error(m->ctx);

        micad_log("%s: restart: create: %s", w->name, msg[0] ? msg : strerror(-rc));
        log_note(w, "could not be restarted: %s", msg[0] ? msg : strerror(-rc));
        return;
    }
    micad_log("%s: restarted as id %" PRIu32, w->name, domid);
    log_note(w, "restarted as id %" PRIu32, domid);
}

static enum mica_action action_for(const struct mica_domain_config *cfg, unsigned int reason)
{
    switch (reason) {
    case MICA_SHUTDOWN_poweroff: return cfg->on_poweroff;
    case MICA_SHUTDOWN_reboot: return cfg->on_reboot;
    case MICA_SHUTDOWN_crash: return cfg->on_crash;
    }
    return MICA_ACTION_PRESERVE;        /* a reason we do not know: touch nothing */
}

void lifecycle_shutdown(struct micad *m, struct watched *w, const struct mica_dominfo *info)
{
    struct mica_domain_config *cfg = NULL;
    const char *why = reason_name(info->shutdown_reason);
    enum mica_action act;
    int rc;

    w->handled = true;
    log_follow(m, w);                   /* its last words first */
    log_note(w, "shut down: %s", why);
    rc = mica_domain_saved_config(m->ctx, w->domid, &cfg);
    if (rc < 0) {
        const char *msg = mica_last_error(m->ctx);

        micad_log("%s (id %" PRIu32 "): shut down (%s); left shut down: %s", w->name, w->domid,
                  why, msg[0] ? msg : strerror(-rc));
        log_note(w, "left shut down: no saved configuration to act on");
        return;
    }
    act = action_for(cfg, info->shutdown_reason);
    micad_log("%s (id %" PRIu32 "): shut down (%s): %s", w->name, w->domid, why,
              action_name(act));
    if (act == MICA_ACTION_DESTROY)
        do_destroy(m, w);
    else if (act == MICA_ACTION_RESTART)
        do_restart(m, w, cfg);
    else
        log_note(w, "preserved for post-mortem: mica destroy %s ends it", w->name);
    mica_config_free(cfg);
}
