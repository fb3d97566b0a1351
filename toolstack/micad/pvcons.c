// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PV console backend (public/io/console.h, docs/pvio.md "Console").
 * While a domU's console/state in the store says Connected, micad maps its
 * ring page (MICA_PARAM_CONSOLE_GFN), binds its MICA_PARAM_CONSOLE_EVTCHN
 * and logs what the guest writes to NAME.log, as it logs the UART's ring;
 * `mica console` then talks to the domain through a unix socket micad
 * listens on (MICA_CONSOLE_SOCKET_DIR/DOMID.sock): what micad reads from
 * the ring goes to every client (after the last PV_HISTORY bytes), what a
 * client sends goes into the ring's in[]. Nothing blocks on a guest or a
 * client: a full socket drops that client's copy, a full in[] leaves the
 * client's bytes in its socket, garbage indices are logged and reset.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "micad.h"
#include "pvcons_ring.h"
#include "public/io/bus.h"
#include "public/param.h"

#define PV_HISTORY 16384                /* bytes replayed to a new `mica console` */
#define PV_CLIENTS 4                    /* `mica console`s at once per domain */
#define PV_ERRORS_LOGGED 10             /* garbage-index notes per connection */

struct pvcons {
    struct pvring ring;
    void *page;
    int evfd;                           /* /dev/mica/evtchn, our end bound */
    uint32_t port;                      /* our local port */
    int listen_fd;
    int clients[PV_CLIENTS];            /* -1: free */
    char hist[PV_HISTORY];
    uint64_t total;                     /* bytes ever taken from out[] */
    unsigned int errors;
    char sock[108];
};

/* ---- the store: is the guest's frontend connected? ---- */

/* Forget the store connection (and with it every watch): open again at the next scan. */
static void store_drop(struct micad *m)
{
    mica_store_close(m->store);
    m->store = NULL;
    for (struct watched *w = m->doms; w; w = w->next)
        w->pv_watched = false;
}

/* The store connection, opened on demand; false (said once) without it. */
static bool store_up(struct micad *m)
{
    int rc;

    if (m->store)
        return true;
    rc = mica_store_open(&m->store);
    if (rc < 0) {
        if (!m->store_said)
            micad_log("the store is not reachable (%s): PV consoles are not followed",
                      strerror(-rc));
        m->store_said = true;
        m->store = NULL;
        return false;
    }
    m->store_said = false;
    return true;
}

static int guest_console_state(struct micad *m, uint32_t domid)
{
    char path[64], num[3] = "", *val = NULL;
    size_t len = 0;
    int rc;

    if (!store_up(m))
        return -ENOTCONN;
    snprintf(path, sizeof(path), "/local/domain/%" PRIu32 "/console/state", domid);
    rc = mica_store_read(m->store, 0, path, &val, &len);
    if (rc == -ENOENT)
        return MICA_BUS_UNKNOWN;
    if (rc < 0) {
        store_drop(m);                  /* try a new connection next time */
        return rc;
    }
    if (val && len > 0 && len < sizeof(num))   /* "4": anything longer is not a state */
        memcpy(num, val, len);
    free(val);
    return num[0] >= '0' && num[0] <= '9' && (!num[1] || (num[1] >= '0' && num[1] <= '9')) ?
           atoi(num) : MICA_BUS_UNKNOWN;
}

/* ---- setting up and tearing down ---- */

/* mkdir -p MICA_CONSOLE_SOCKET_DIR, each new level 0700. */
static int make_socket_dir(void)
{
    char dir[] = MICA_CONSOLE_SOCKET_DIR;

    for (char *p = dir + 1; ; p++) {
        bool last = !*p;

        if (*p && *p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
            return -errno;
        if (last)
            return 0;
        *p = '/';
    }
}

static int listen_on(struct pvcons *pv, uint32_t domid)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int fd = make_socket_dir();

    if (fd < 0)
        return fd;
    snprintf(pv->sock, sizeof(pv->sock), "%s/%" PRIu32 ".sock", MICA_CONSOLE_SOCKET_DIR, domid);
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", pv->sock);
    unlink(pv->sock);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(pv->sock, 0600) < 0 ||
        listen(fd, PV_CLIENTS) < 0) {
        int rc = -errno;

        close(fd);
        unlink(pv->sock);
        return rc;
    }
    pv->listen_fd = fd;
    return 0;
}

static void pv_garbage(struct watched *w, const char *where)
{
    struct pvcons *pv = w->pv;

    if (++pv->errors <= PV_ERRORS_LOGGED)
        log_note(w, "PV console: the guest's %s index is out of range; ring reset%s", where,
                 pv->errors == PV_ERRORS_LOGGED ? " (no more such notes)" : "");
    if (pv->errors <= PV_ERRORS_LOGGED)
        micad_log("%s (id %" PRIu32 "): PV console: bad %s index from the guest; reset",
                  w->name, w->domid, where);
}

static int map_and_bind(struct micad *m, struct watched *w, struct pvcons *pv)
{
    uint64_t gfn = 0, port = 0;
    int rc;

    rc = mica_param_get(m->ctx, w->domid, MICA_PARAM_CONSOLE_GFN, &gfn);
    if (!rc)
        rc = mica_param_get(m->ctx, w->domid, MICA_PARAM_CONSOLE_EVTCHN, &port);
    if (!rc && (!gfn || !port))
        rc = -ENODEV;                   /* built without a console ring */
    if (!rc)
        rc = mica_foreign_map(m->ctx, w->domid, gfn, &pv->page);
    if (rc < 0)
        return rc;
    pv->evfd = mica_evtchn_open(m->ctx);
    if (pv->evfd < 0)
        return pv->evfd;
    rc = mica_evtchn_bind_interdomain(m->ctx, pv->evfd, w->domid, (uint32_t)port);
    if (rc < 0)
        return rc;
    pv->port = (uint32_t)rc;
    return 0;
}

static void pvcons_free(struct pvcons *pv)
{
    for (int i = 0; i < PV_CLIENTS; i++)
        if (pv->clients[i] >= 0)
            close(pv->clients[i]);
    if (pv->listen_fd >= 0) {
        close(pv->listen_fd);
        unlink(pv->sock);
    }
    if (pv->evfd >= 0)
        close(pv->evfd);                /* closes our port */
    mica_foreign_unmap(pv->page);
    free(pv);
}

static int pvcons_start(struct micad *m, struct watched *w)
{
    struct pvcons *pv = calloc(1, sizeof(*pv));
    int rc;

    if (!pv)
        return -ENOMEM;
    pv->evfd = pv->listen_fd = -1;
    for (int i = 0; i < PV_CLIENTS; i++)
        pv->clients[i] = -1;
    rc = map_and_bind(m, w, pv);
    if (!rc)
        rc = listen_on(pv, w->domid);
    if (rc < 0) {
        pvcons_free(pv);
        return rc;
    }
    w->pv = pv;
    log_note(w, "console: the guest's PV console connected; logging its ring");
    if (pvring_attach(&pv->ring, pv->page) < 0)
        pv_garbage(w, "initial");
    mica_evtchn_notify(m->ctx, pv->evfd, pv->port);
    return 0;
}

void pvcons_stop(struct watched *w, const char *why)
{
    if (!w->pv)
        return;
    log_note(w, "console: PV console %s; back to the UART", why);
    pvcons_free(w->pv);
    w->pv = NULL;
}

/* Follow the guest's console/state: connect to its ring or let go of it. */
static void pvcons_check(struct micad *m, struct watched *w)
{
    int state = guest_console_state(m, w->domid);
    int rc;

    if (state < 0)
        return;                         /* no store: leave things as they are */
    if (state != MICA_BUS_CONNECTED) {
        pvcons_stop(w, "disconnected");
        w->pv_failed = false;
        return;
    }
    if (w->pv || w->pv_failed)
        return;
    rc = pvcons_start(m, w);
    if (rc < 0) {
        micad_log("%s (id %" PRIu32 "): PV console: %s; its console stays on the UART",
                  w->name, w->domid, mica_last_error(m->ctx)[0] ? mica_last_error(m->ctx) :
                  strerror(-rc));
        w->pv_failed = true;            /* until the guest connects again */
    }
}

/* The watch of a guest's console/state: its path, and its token (the domid). */
static void watch_names(const struct watched *w, char path[64], char token[16])
{
    snprintf(path, 64, "/local/domain/%" PRIu32 "/console/state", w->domid);
    snprintf(token, 16, "%" PRIu32, w->domid);
}

/*
 * At each scan: a store watch on the guest's console/state (token: its
 * domid), whose events pvcons_store_events() follows; its state is read
 * once when the watch is set. Without the store, the next scan tries again.
 */
void pvcons_watch(struct micad *m, struct watched *w)
{
    char path[64], token[16];

    if (w->pv_watched || !store_up(m))
        return;
    watch_names(w, path, token);
    if (mica_store_watch(m->store, path, token) < 0) {
        store_drop(m);
        return;
    }
    w->pv_watched = true;
    pvcons_check(m, w);
}

/* The domain is gone: its watch goes with it. */
void pvcons_unwatch(struct micad *m, struct watched *w)
{
    char path[64], token[16];

    if (!w->pv_watched || !m->store)
        return;
    watch_names(w, path, token);
    mica_store_unwatch(m->store, path, token);
    w->pv_watched = false;
}

/* The store connection's descriptor for poll(), -1 without one. */
int pvcons_store_fd(struct micad *m)
{
    return m->store ? mica_store_fd(m->store) : -1;
}

/* Every watch event waiting: the console/state of the domain it names changed. */
void pvcons_store_events(struct micad *m)
{
    char *path, *token, *end;
    struct watched *w;
    unsigned long domid;
    int rc = 0;

    while (m->store && (rc = mica_store_read_watch(m->store, 0, &path, &token)) == 0) {
        domid = strtoul(token, &end, 10);
        for (w = m->doms; w && (*end || w->domid != domid); w = w->next)
            ;
        if (w && w->pv_watched)
            pvcons_check(m, w);
        free(path);
        free(token);
    }
    if (m->store && rc != -ETIMEDOUT && rc != -EINTR && rc != -EAGAIN) {
        micad_log("the store connection: %s; watching the PV consoles again", strerror(-rc));
        store_drop(m);
    }
}

/* ---- moving bytes ---- */

static void to_clients(struct pvcons *pv, const char *buf, size_t n)
{
    for (int i = 0; i < PV_CLIENTS; i++) {
        ssize_t r;

        if (pv->clients[i] < 0)
            continue;
        r = send(pv->clients[i], buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            close(pv->clients[i]);      /* gone; a full one just misses this */
            pv->clients[i] = -1;
        }
    }
}

static void remember(struct pvcons *pv, const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pv->hist[(pv->total + i) % PV_HISTORY] = buf[i];
    pv->total += n;
}

/* out[] to the log, the clients and the history; true if anything came. */
static bool drain_out(struct watched *w)
{
    struct pvcons *pv = w->pv;
    char buf[MICA_CONS_OUT_SIZE];
    ssize_t n = pvring_take(&pv->ring, buf, sizeof(buf));

    if (n < 0) {
        pv_garbage(w, "out");
        return true;                    /* the reset is news for the guest */
    }
    if (n == 0)
        return false;
    log_write(w, buf, (size_t)n);
    to_clients(pv, buf, (size_t)n);
    remember(pv, buf, (size_t)n);
    return true;
}

static void replay(struct pvcons *pv, int fd)
{
    uint64_t keep = pv->total < PV_HISTORY ? pv->total : PV_HISTORY;
    uint64_t from = pv->total - keep;
    size_t first = (size_t)(from % PV_HISTORY);
    size_t len1 = keep < PV_HISTORY - first ? (size_t)keep : PV_HISTORY - first;

    if (send(fd, pv->hist + first, len1, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len1 &&
        keep > len1)
        send(fd, pv->hist, (size_t)keep - len1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void accept_clients(struct watched *w)
{
    struct pvcons *pv = w->pv;
    int fd;

    while ((fd = accept4(pv->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
        int i = 0;

        while (i < PV_CLIENTS && pv->clients[i] >= 0)
            i++;
        if (i == PV_CLIENTS) {
            close(fd);                  /* too many: it falls back to saying so */
            continue;
        }
        pv->clients[i] = fd;
        replay(pv, fd);
    }
}

/* Clients' keystrokes into in[], as much as it has room for; true if any went in. */
static bool feed_in(struct watched *w)
{
    struct pvcons *pv = w->pv;
    bool moved = false;

    for (int i = 0; i < PV_CLIENTS; i++) {
        char buf[MICA_CONS_IN_SIZE];
        ssize_t room, n, put;

        if (pv->clients[i] < 0)
            continue;
        room = pvring_in_room(&pv->ring);
        if (room < 0)
            pv_garbage(w, "in");
        if (room <= 0)
            continue;
        n = recv(pv->clients[i], buf, (size_t)room < sizeof(buf) ? (size_t)room : sizeof(buf),
                 MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            close(pv->clients[i]);
            pv->clients[i] = -1;
            continue;
        }
        if (n < 0)
            continue;
        put = pvring_put(&pv->ring, buf, (size_t)n);
        if (put < 0)
            pv_garbage(w, "in");
        moved = true;
    }
    return moved;
}

/* Each turn of micad's loop, for a domain on its PV console. */
void pvcons_service(struct micad *m, struct watched *w)
{
    struct pvcons *pv = w->pv;
    bool moved;

    if (!pv)
        return;
    mica_event_ack(m->ctx, pv->evfd);
    accept_clients(w);
    moved = drain_out(w);
    moved |= feed_in(w);
    if (moved)
        mica_evtchn_notify(m->ctx, pv->evfd, pv->port);
}

/* The descriptors micad's poll() waits on for w; returns how many were added. */
size_t pvcons_pollfds(struct watched *w, struct pollfd *pfd, size_t max)
{
    struct pvcons *pv = w->pv;
    bool room;
    size_t n = 0;

    if (!pv || max < 2 + PV_CLIENTS)
        return 0;
    pfd[n++] = (struct pollfd){ .fd = pv->evfd, .events = POLLIN };
    pfd[n++] = (struct pollfd){ .fd = pv->listen_fd, .events = POLLIN };
    room = pvring_in_room(&pv->ring) > 0;       /* else wait for the guest's event */
    for (int i = 0; i < PV_CLIENTS && room; i++)
        if (pv->clients[i] >= 0)
            pfd[n++] = (struct pollfd){ .fd = pv->clients[i], .events = POLLIN };
    return n;
}
