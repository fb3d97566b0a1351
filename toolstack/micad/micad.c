// SPDX-License-Identifier: GPL-2.0-only
/*
 * micad [--log-dir DIR] [--once]: dom0's daemon. It follows every domU's
 * console into LOG_DIR/NAME.log and applies a domU's on_poweroff, on_reboot
 * or on_crash action when it shuts down (lifecycle.c). It wakes on
 * VIRQ_DOM_EXC (mica_event_fd) and reads the consoles every POLL_MS; the
 * domain list is read again at least every RESCAN_MS, which finds new
 * domains. A store watch on each domU's console/state says when its PV
 * console connects or goes (pvcons.c). Messages go to standard error ("micad: ..."): the journal under
 * systemd, /var/log/mica/micad.log in Mica's own dom0. SIGHUP reopens the
 * logs (after a rotation); SIGTERM and SIGINT end it. One runs at a time
 * (a lock on /run/micad.pid).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "micad.h"
#include "public/event_channel.h"

#define POLL_MS 100
#define RESCAN_MS 1000
#define MICAD_PIDFILE "/run/micad.pid"
#define MAX_POLL 256                    /* descriptors one poll() waits on */

static volatile sig_atomic_t stop, reopen;

void micad_log(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "micad: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void on_stop(int sig)
{
    (void)sig;
    stop = 1;
}

static void on_hup(int sig)
{
    (void)sig;
    reopen = 1;
}

static struct watched *find_watched(struct micad *m, uint32_t domid)
{
    for (struct watched *w = m->doms; w; w = w->next)
        if (w->domid == domid)
            return w;
    return NULL;
}

static struct watched *watch(struct micad *m, const struct mica_dominfo *d)
{
    struct watched *w = calloc(1, sizeof(*w));

    if (!w) {
        micad_log("%s (id %" PRIu32 "): out of memory", d->name, d->domid);
        return NULL;
    }
    w->domid = d->domid;
    snprintf(w->name, sizeof(w->name), "%s", d->name);
    memcpy(w->uuid, d->uuid, sizeof(w->uuid));
    w->log_fd = -1;
    log_open(m, w);
    w->next = m->doms;
    m->doms = w;
    return w;
}

/* A renamed domain's console goes on in its new NAME.log. */
static void follow_rename(struct micad *m, struct watched *w, const char *name)
{
    log_note(w, "renamed to %s", name);
    log_close(w);
    snprintf(w->name, sizeof(w->name), "%s", name);
    log_open(m, w);
}

/*
 * Gone without mica_domain_destroy (which forgets it in the store itself):
 * RELEASE it and remove its nodes; quiet if that was done already.
 */
static void store_forget(struct micad *m, struct watched *w)
{
    int rc = mica_domain_store_forget(m->ctx, w->domid, w->uuid);

    if (rc < 0)
        micad_log("%s (id %" PRIu32 "): %s", w->name, w->domid, mica_last_error(m->ctx));
}

static void forget_gone(struct micad *m)
{
    struct watched **pp = &m->doms;

    while (*pp) {
        struct watched *w = *pp;

        if (w->seen) {
            pp = &w->next;
            continue;
        }
        pvcons_unwatch(m, w);
        pvcons_stop(w, "gone with its domain");
        log_note(w, "domain %s (id %" PRIu32 ") destroyed", w->name, w->domid);
        store_forget(m, w);
        log_close(w);
        *pp = w->next;
        free(w);
    }
}

static void scan(struct micad *m)
{
    struct mica_dominfo *doms;
    int n = mica_domain_list(m->ctx, &doms);

    if (n < 0) {
        micad_log("domain list: %s", strerror(-n));
        return;
    }
    for (struct watched *w = m->doms; w; w = w->next)
        w->seen = false;
    for (int i = 0; i < n; i++) {
        const struct mica_dominfo *d = &doms[i];
        struct watched *w;

        if (d->privileged || d->domid == 0)
            continue;
        w = find_watched(m, d->domid);
        if (!w && !(w = watch(m, d)))
            continue;
        w->seen = true;
        if (strcmp(w->name, d->name))
            follow_rename(m, w, d->name);
        if (d->state == MICA_STATE_SHUTDOWN && !w->handled)
            lifecycle_shutdown(m, w, d);
        else if (d->state != MICA_STATE_SHUTDOWN)
            pvcons_watch(m, w);
    }
    free(doms);
    forget_gone(m);
}

static void reopen_logs(struct micad *m)
{
    for (struct watched *w = m->doms; w; w = w->next) {
        log_close(w);
        log_open(m, w);
    }
}

/*
 * Sleep until a domain event, a store watch event (a PV console's state),
 * a PV console's event or client, or POLL_MS; true when the domain event
 * came.
 */
static bool wait_event(struct micad *m)
{
    struct pollfd pfd[MAX_POLL];
    size_t n = 2;
    int ready;

    pfd[0] = (struct pollfd){ .fd = m->exc_fd, .events = POLLIN };
    pfd[1] = (struct pollfd){ .fd = pvcons_store_fd(m), .events = POLLIN };
    for (struct watched *w = m->doms; w; w = w->next)
        n += pvcons_pollfds(w, pfd + n, MAX_POLL - n);
    ready = poll(pfd, n, POLL_MS);
    if (ready > 0 && (pfd[1].revents & POLLIN))
        pvcons_store_events(m);
    if (ready > 0 && (pfd[0].revents & POLLIN)) {
        int rc = mica_event_ack(m->ctx, m->exc_fd);

        if (rc < 0) {
            micad_log("domain events: %s; reading the domain list every %d ms instead",
                      strerror(-rc), RESCAN_MS);
            close(m->exc_fd);
            m->exc_fd = -1;
        }
        return true;
    }
    return false;
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void run(struct micad *m)
{
    uint64_t next_scan = 0;

    while (!stop) {
        if (reopen) {
            reopen = 0;
            reopen_logs(m);
        }
        if (now_ms() >= next_scan) {
            scan(m);
            next_scan = now_ms() + RESCAN_MS;
        }
        for (struct watched *w = m->doms; w; w = w->next) {
            log_follow(m, w);
            pvcons_service(m, w);
        }
        if (m->once)
            break;
        if (wait_event(m))
            next_scan = 0;
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: micad [-o|--log-dir DIR] [--once] [-h|--help]\n"
            "Logs every domU's console to DIR/NAME.log (default " MICA_LOG_DIR ") and applies\n"
            "the on_poweroff/on_reboot/on_crash actions of domains that shut down.\n"
            "--once: one pass over the domains, then exit.\n");
}

static int parse_args(struct micad *m, int argc, char **argv)
{
    static const struct option lo[] = {
        { "log-dir", required_argument, NULL, 'o' },
        { "once", no_argument, NULL, '1' },
        { "help", no_argument, NULL, 'h' },
        { 0 },
    };
    int c;

    m->log_dir = getenv("MICA_LOG_DIR") ? getenv("MICA_LOG_DIR") : MICA_LOG_DIR;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", lo, NULL)) != -1) {
        switch (c) {
        case 'o': m->log_dir = optarg; break;
        case '1': m->once = true; break;
        case 'h': usage(stdout); exit(0);
        case ':': micad_log("option '%s' needs an argument", argv[optind - 1]); return -EINVAL;
        default: micad_log("unknown option '%s' (micad --help)", argv[optind - 1]); return -EINVAL;
        }
    }
    if (optind < argc) {
        micad_log("unexpected argument '%s' (micad --help)", argv[optind]);
        return -EINVAL;
    }
    return 0;
}

/*
 * One micad at a time: two would both restart a domain that reboots. The
 * lock is held for micad's life (the file descriptor stays open).
 */
static int take_lock(void)
{
    int fd = open(MICAD_PIDFILE, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    char pid[24] = "";

    if (fd < 0) {
        micad_log("%s: %s", MICAD_PIDFILE, strerror(errno));
        return -errno;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int rc = -errno;

        if (read(fd, pid, sizeof(pid) - 1) > 0)
            pid[strcspn(pid, "\n")] = '\0';
        micad_log("another micad is running%s%s%s", pid[0] ? " (pid " : "", pid,
                  pid[0] ? ")" : "");
        close(fd);
        return rc;
    }
    snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0)
        micad_log("%s: %s", MICAD_PIDFILE, strerror(errno));
    return fd;
}

static int setup(struct micad *m)
{
    struct sigaction sa = { .sa_handler = on_stop };
    int rc;

    if (geteuid() != 0) {
        micad_log("permission denied: micad must be run as root");
        return -EACCES;
    }
    if (mkdir(m->log_dir, 0755) < 0 && errno != EEXIST) {
        micad_log("%s: %s", m->log_dir, strerror(errno));
        return -errno;
    }
    rc = mica_open(&m->ctx);
    if (rc < 0) {
        micad_log("%s", mica_last_error(NULL)[0] ? mica_last_error(NULL) : strerror(-rc));
        return rc;
    }
    rc = take_lock();
    if (rc < 0) {
        mica_close(m->ctx);
        return rc;
    }
    m->exc_fd = mica_event_fd(m->ctx, MICA_VIRQ_DOM_EXC);
    if (m->exc_fd < 0) {
        micad_log("domain events: %s; reading the domain list every %d ms instead",
                  strerror(-m->exc_fd), RESCAN_MS);
        m->exc_fd = -1;
    }
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

int main(int argc, char **argv)
{
    struct micad m = { .exc_fd = -1 };

    setvbuf(stderr, NULL, _IOLBF, 0);
    if (parse_args(&m, argc, argv) < 0)
        return 2;
    if (setup(&m) < 0)
        return 1;
    micad_log("started: console logs in %s", m.log_dir);
    run(&m);
    while (m.doms) {
        struct watched *w = m.doms;

        m.doms = w->next;
        pvcons_stop(w, "micad stopped");
        log_close(w);
        free(w);
    }
    if (m.store)
        mica_store_close(m.store);
    mica_close(m.ctx);
    micad_log("stopped");
    return 0;
}
