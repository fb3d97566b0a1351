// SPDX-License-Identifier: GPL-2.0-only
/*
 * micastored [--socket PATH] [--dir DIR] [--no-domains]: the store daemon
 * (docs/store.md), as Xen's xenstored. dom0's programs connect to the unix
 * socket (MICA_STORE_SOCKET, mode 0600: root's); each domain dom0
 * introduces is served over its ring page (ring.c). State is journalled
 * under DIR (/var/lib/mica/store) and comes back after a restart, with the
 * domains' rings and watches. One loop, nothing blocks: every client's
 * bytes are taken as they come, replies leave as the client takes them,
 * after the changes they answer are on disk. Domains that die are
 * released (VIRQ_DOM_EXC, and a check every CHECK_MS). Messages go to
 * standard error; SIGTERM and SIGINT end it cleanly.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <mica/evtchn.h>
#include "journal.h"
#include "micastored.h"
#include "public/event_channel.h"

#define STORE_DIR     MICA_RUN_DIR "/store"
#define CHECK_MS      1000
#define MAX_CLIENTS   256
#define READ_CHUNK    16384

static volatile sig_atomic_t stop;

void store_log(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "micastored: ");
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

static void conn_closed(struct store *s, struct conn *c)
{
    if (c->kind == CONN_RING)
        ring_close(daemon_of(s), c);
    if (c->fd >= 0)
        close(c->fd);
}

/* One daemon at a time: a lock beside the socket. */
static int lock_pidfile(const char *sock)
{
    char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 8], pid[24];
    int fd;

    snprintf(path, sizeof(path), "%s.lock", sock);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        store_log("%s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        store_log("another micastored is running (%s is locked)", path);
        close(fd);
        return -1;
    }
    snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0)
        store_log("%s: %s", path, strerror(errno));
    return fd;
}

static int mkdir_parent(const char *path)
{
    char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
    char *slash;

    snprintf(dir, sizeof(dir), "%s", path);
    slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    if (mkdir(dir, 0755) && errno != EEXIST)
        return -errno;
    return 0;
}

static int open_socket(const char *path)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(a.sun_path)) {
        store_log("%s: socket path too long", path);
        return -1;
    }
    strcpy(a.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    unlink(path);                       /* a stale one: the lock says none is running */
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || chmod(path, 0600) || listen(fd, 64)) {
        store_log("%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void accept_clients(struct daemon *dm)
{
    unsigned int n = 0;
    int fd;

    for (struct conn *c = dm->store.conns; c; c = c->next)
        n += c->kind == CONN_SOCKET;
    while ((fd = accept4(dm->listen, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        if (n >= MAX_CLIENTS || !conn_new(&dm->store, CONN_SOCKET, STORE_DOM0, fd)) {
            store_log("refusing a client: %u connected already", n);
            close(fd);
            continue;
        }
        n++;
    }
}

static void sock_read(struct store *s, struct conn *c)
{
    char buf[READ_CHUNK];
    ssize_t n = read(c->fd, buf, sizeof(buf));

    if (n > 0)
        conn_input(s, c, buf, (size_t)n);
    else if (n == 0)
        conn_kill(c, "%s", "");
    else if (errno != EAGAIN && errno != EINTR)
        conn_kill(c, "read: %s", strerror(errno));
}

static void sock_write(struct conn *c)
{
    struct outbuf *o = &c->out;
    ssize_t n;

    if (o->head == o->len)
        return;
    n = send(c->fd, o->data + o->head, o->len - o->head, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0)
        o->head += (size_t)n;
    else if (n < 0 && errno != EAGAIN && errno != EINTR)
        conn_kill(c, "write: %s", strerror(errno));
}

/*
 * Domains that died are released; one that shut down fires @releaseDomain
 * once. (Quota records of domains never introduced are kept: dom0 may set
 * them for a connection it restricts to that id.)
 */
static void check_domains(struct daemon *dm)
{
    struct store *s = &dm->store;
    struct domain *d = s->doms, *next;

    if (!dm->ctx)
        return;
    for (; d; d = next) {
        struct mica_dominfo info;
        bool gone;
        int rc;

        next = d->next;
        if (!d->introduced)
            continue;
        rc = mica_domain_info(dm->ctx, d->domid, &info);
        gone = rc == -ESRCH || rc == -ENOENT || (!rc && info.state == MICA_STATE_DYING);
        if (gone) {
            store_log("domain %u is gone: released", d->domid);
            store_release(s, d->domid);
        } else if (!rc && info.state == MICA_STATE_SHUTDOWN && !d->shutdown_seen) {
            d->shutdown_seen = true;
            watch_fire_special(s, "@releaseDomain");
        }
    }
}

static void reap(struct store *s)
{
    struct conn *c = s->conns, *next;

    for (; c; c = next) {
        next = c->next;
        if (!c->dead)
            continue;
        if (c->why[0] && strcmp(c->why, "released"))
            store_log("%s %u dropped: %s", c->kind == CONN_RING ? "domain" : "client (as domain)",
                      c->domid, c->why);
        conn_free(s, c);
    }
}

static uint64_t now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

#define FIXED_FDS 3                     /* listen, evtchn, virq */

static int build_pollset(struct daemon *dm, struct pollfd *p, struct conn **who, int max)
{
    int n = 0;

    p[n++] = (struct pollfd){ .fd = dm->listen, .events = POLLIN };
    p[n++] = (struct pollfd){ .fd = dm->evtchn, .events = POLLIN };
    p[n++] = (struct pollfd){ .fd = dm->virq, .events = POLLIN };
    for (struct conn *c = dm->store.conns; c && n < max; c = c->next) {
        if (c->kind != CONN_SOCKET)
            continue;
        who[n] = c;
        p[n++] = (struct pollfd){ .fd = c->fd,
                                  .events = POLLIN | (c->out.head < c->out.len ? POLLOUT : 0) };
    }
    return n;
}

/* One turn: wait, take input, sync the journal, send, drop the dead. */
static void turn(struct daemon *dm, uint64_t *next_check)
{
    static struct pollfd p[MAX_CLIENTS + FIXED_FDS];
    static struct conn *who[MAX_CLIENTS + FIXED_FDS];
    struct store *s = &dm->store;
    int n = build_pollset(dm, p, who, MAX_CLIENTS + FIXED_FDS), timeout = CHECK_MS;
    uint64_t now;

    for (struct conn *c = s->conns; c; c = c->next)
        if (c->kind == CONN_RING && ring_pending(c))
            timeout = 0;
    if (poll(p, (nfds_t)n, timeout) < 0 && errno != EINTR) {
        store_log("poll: %s", strerror(errno));
        return;
    }
    if (p[0].revents & POLLIN)
        accept_clients(dm);
    if (dm->evtchn >= 0 && (p[1].revents & POLLIN))
        ring_events(dm);
    for (int i = FIXED_FDS; i < n; i++)
        if (p[i].revents & (POLLIN | POLLHUP | POLLERR))
            sock_read(s, who[i]);
    for (struct conn *c = s->conns; c; c = c->next)
        if (c->kind == CONN_RING)
            ring_service(s, c, false);
    now = now_ms();
    if ((dm->virq >= 0 && (p[2].revents & POLLIN)) || now >= *next_check) {
        if (dm->virq >= 0)
            mica_event_ack(dm->ctx, dm->virq);
        check_domains(dm);
        *next_check = now + CHECK_MS;
    }
    journal_sync(s);                    /* before any reply to what it records */
    for (struct conn *c = s->conns; c; c = c->next) {
        if (c->kind == CONN_SOCKET && !c->dead)
            sock_write(c);
        else if (c->kind == CONN_RING)
            ring_service(s, c, true);
    }
    reap(s);
}

static void open_hypervisor(struct daemon *dm, bool domains)
{
    dm->privcmd = dm->evtchn = dm->virq = -1;
    if (!domains)
        return;
    if (mica_open(&dm->ctx)) {
        store_log("no hypervisor (/dev/mica/privcmd): serving dom0's socket only");
        dm->ctx = NULL;
        return;
    }
    dm->privcmd = open("/dev/mica/privcmd", O_RDWR | O_CLOEXEC);
    dm->evtchn = open(MICA_EVTCHN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    dm->virq = mica_event_fd(dm->ctx, MICA_VIRQ_DOM_EXC);
    if (dm->privcmd < 0 || dm->evtchn < 0)
        store_log("/dev/mica/privcmd or %s: %s: domains cannot connect", MICA_EVTCHN_PATH,
                  strerror(errno));
}

/* Domains introduced before a restart: their rings again, then their watches. */
static void reconnect_domains(struct store *s)
{
    struct domain *d = s->doms, *next;

    for (; d; d = next) {
        int rc;

        next = d->next;
        if (!d->introduced)
            continue;
        rc = s->introduce(s, d);
        if (rc) {
            store_log("domain %u (introduced before the restart): %s: released", d->domid,
                      strerror(-rc));
            store_release(s, d->domid);
        } else {
            d->conn->restored = true;
        }
    }
    journal_restore_watches(s);
}

static void usage(void)
{
    fprintf(stderr, "usage: micastored [--socket PATH] [--dir DIR] [--no-domains]\n");
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        { "socket", required_argument, NULL, 's' }, { "dir", required_argument, NULL, 'd' },
        { "no-domains", no_argument, NULL, 'n' }, { "help", no_argument, NULL, 'h' }, { 0 } };
    const char *sock = MICA_STORE_SOCKET, *dir = STORE_DIR;
    static struct daemon dm;
    uint64_t next_check = 0;
    bool domains = true;
    int c, lock;

    while ((c = getopt_long(argc, argv, "s:d:nh", lo, NULL)) != -1) {
        switch (c) {
        case 's': sock = optarg; break;
        case 'd': dir = optarg; break;
        case 'n': domains = false; break;
        case 'h': usage(); return 0;
        default: usage(); return 2;
        }
    }
    if (optind < argc) {
        usage();
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_stop);
    signal(SIGINT, on_stop);
    if (mkdir_parent(sock) || (lock = lock_pidfile(sock)) < 0)
        return 1;
    if (store_init(&dm.store) || journal_open(&dm.store, dir)) {
        store_log("cannot load the store from %s", dir);
        return 1;
    }
    dm.store.introduce = ring_connect;
    dm.store.conn_close = conn_closed;
    open_hypervisor(&dm, domains);
    reconnect_domains(&dm.store);
    dm.listen = open_socket(sock);
    if (dm.listen < 0)
        return 1;
    store_log("serving %s, state in %s", sock, dir);
    while (!stop)
        turn(&dm, &next_check);
    store_log("stopping");
    journal_sync(&dm.store);
    close(dm.listen);
    unlink(sock);
    journal_close(&dm.store);
    store_fini(&dm.store);
    if (dm.ctx)
        mica_close(dm.ctx);
    close(lock);
    return 0;
}
