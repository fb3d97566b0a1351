// SPDX-License-Identifier: GPL-2.0-only
/*
 * micanetback: dom0's network backend daemon (docs/pvio.md, network;
 * micanetback(8)). Started after the store daemon (dom0's /init, or
 * micanetback.service); makes the bridge (mica0 unless told), then serves
 * every vif the toolstack puts under /local/domain/0/backend/vif.
 *
 *   micanetback [-b BRIDGE] [-a ADDR/LEN] [-v]
 *
 * One thread, one poll(): the store's socket, the event-channel file and
 * each connected vif's tap. SIGTERM closes every vif and exits; SIGUSR1
 * logs each vif's counters.
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
#include <time.h>
#include <unistd.h>

#include <mica/evtchn.h>

#include "netback.h"

#define MAX_POLL 1024
#define STORE_WAIT_MS 10000

int nb_evtchn_fd = -1;
int nb_verbose;
static volatile sig_atomic_t stop, dump;

void nb_log(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "micanetback: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        dump = 1;
    else
        stop = 1;
}

static void signals(void)
{
    struct sigaction sa = { .sa_handler = on_signal };

    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void stats_dump(void)
{
    struct vif *v;

    for (v = devices_first(); v; v = v->next)
        nb_log("vif%u.%u: stats: tx %llu packets %llu bytes %llu errors; rx %llu packets "
               "%llu bytes %llu errors %llu dropped; events %llu notifications %llu",
               v->domid, v->devid, (unsigned long long)v->st.tx_packets,
               (unsigned long long)v->st.tx_bytes, (unsigned long long)v->st.tx_errors,
               (unsigned long long)v->st.rx_packets, (unsigned long long)v->st.rx_bytes,
               (unsigned long long)v->st.rx_errors, (unsigned long long)v->st.rx_dropped,
               (unsigned long long)v->st.events, (unsigned long long)v->st.notify_sent);
}

/* The store, waited for a little: it may still be starting. */
static int store_connect(mica_store **s)
{
    int rc = -ENOENT, waited;

    for (waited = 0; waited <= STORE_WAIT_MS && !stop; waited += 100) {
        rc = mica_store_open(s);
        if (rc != -ENOENT && rc != -ECONNREFUSED)
            break;
        usleep(100 * 1000);
    }
    if (rc == -ENOENT || rc == -ECONNREFUSED)
        nb_log("the store daemon (micastored) is not running");
    else if (rc)
        nb_log("connecting to the store: %s", strerror(-rc));
    return rc;
}

/* After the store restarted: a new connection, every watch again. */
static int store_reconnect(mica_store **s)
{
    struct vif *v;
    int rc;

    mica_store_close(*s);
    *s = NULL;
    nb_log("the store connection was lost: reconnecting");
    rc = store_connect(s);
    if (rc)
        return rc;
    rc = devices_init(*s);
    for (v = devices_first(); !rc && v; v = v->next)
        if (v->watching)
            rc = mica_store_watch(*s, v->fe_state_path, "fe");
    return rc;
}

/* Every watch event waiting; then one rescan. 0, or -errno: connection lost. */
static int store_events(mica_store **s)
{
    char *path, *token;
    int rc, n = 0;

    while ((rc = mica_store_read_watch(*s, 0, &path, &token)) == 0) {
        free(path);
        free(token);
        n++;
    }
    if (rc != -ETIMEDOUT && rc != -EAGAIN) {
        rc = store_reconnect(s);
        if (rc)
            return rc;
        n = 1;
    }
    if (n)
        devices_scan(*s);
    return 0;
}

static struct vif *vif_by_port(uint32_t port)
{
    struct vif *v;

    for (v = devices_first(); v; v = v->next)
        if (v->connected && v->port == port)
            return v;
    return NULL;
}

/* Fired ports: unmask each (written back) and give its vif a turn. */
static void evtchn_events(void)
{
    uint32_t ports[64];
    ssize_t n;
    size_t i;

    while ((n = read(nb_evtchn_fd, ports, sizeof(ports))) > 0) {
        for (i = 0; i < (size_t)n / sizeof(ports[0]); i++) {
            struct vif *v = vif_by_port(ports[i]);

            if (!v)
                continue;           /* unbound since it fired */
            if (write(nb_evtchn_fd, &ports[i], sizeof(ports[i])) < 0)
                nb_log("unmasking port %u: %s", ports[i], strerror(errno));
            v->st.events++;
            v->tx_more = v->rx_more = true;
        }
    }
}

static unsigned int poll_set(mica_store *s, struct pollfd *p, struct vif **who, bool *busy)
{
    unsigned int n = 0;
    struct vif *v;

    p[n++] = (struct pollfd){ .fd = mica_store_fd(s), .events = POLLIN };
    p[n++] = (struct pollfd){ .fd = nb_evtchn_fd, .events = POLLIN };
    *busy = false;
    for (v = devices_first(); v; v = v->next) {
        *busy |= v->connected && (v->tx_more || v->rx_more);
        if (vif_wants_tap(v) && n < MAX_POLL) {
            who[n] = v;
            p[n++] = (struct pollfd){ .fd = v->tap_fd, .events = POLLIN };
        }
    }
    return n;
}

static void work_all(mica_store *s)
{
    struct vif *v;

    for (v = devices_first(); v; v = v->next) {
        if (!v->connected || !(v->tx_more || v->rx_more))
            continue;
        vif_work(v);
        if (v->broken)
            devices_disconnect(s, v, "the frontend's producer is past its ring");
    }
}

static int serve(mica_store *s)
{
    static struct pollfd p[MAX_POLL];
    static struct vif *who[MAX_POLL];
    unsigned int n, i;
    bool busy;

    while (!stop) {
        if (dump) {
            dump = 0;
            stats_dump();
        }
        n = poll_set(s, p, who, &busy);
        if (poll(p, n, busy ? 0 : -1) < 0 && errno != EINTR) {
            nb_log("poll: %s", strerror(errno));
            return -errno;
        }
        if (p[0].revents && store_events(&s))
            return -EIO;
        if (p[1].revents)
            evtchn_events();
        for (i = 2; i < n; i++)
            if (p[i].revents)
                who[i]->rx_more = true;
        work_all(s);
    }
    devices_shutdown(s);
    mica_store_close(s);
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: micanetback [-b BRIDGE] [-a ADDR/LEN] [-v]\n");
}

int main(int argc, char **argv)
{
    const char *bridge = NB_DEFAULT_BRIDGE, *addr = NULL;
    mica_store *s;
    int c, rc;

    while ((c = getopt(argc, argv, "b:a:vh")) != -1) {
        switch (c) {
        case 'b': bridge = optarg; break;
        case 'a': addr = optarg; break;
        case 'v': nb_verbose = 1; break;
        default: usage(); return c == 'h' ? 0 : 2;
        }
    }
    if (optind != argc || strlen(bridge) >= IFNAMSIZ) {
        usage();
        return 2;
    }
    signals();
    nb_evtchn_fd = open(MICA_EVTCHN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (nb_evtchn_fd < 0) {
        nb_log("%s: %s (is the dom0 driver loaded?)", MICA_EVTCHN_PATH, strerror(errno));
        return 1;
    }
    rc = nb_bridge_ensure(bridge, addr);
    if (rc) {
        nb_log("bridge %s%s%s: %s", bridge, addr ? " address " : "", addr ? addr : "",
               strerror(-rc));
        return 1;
    }
    if (store_connect(&s))
        return 1;
    rc = devices_init(s);
    if (rc) {
        nb_log("watching the store: %s", strerror(-rc));
        return 1;
    }
    nb_log("serving vifs on bridge %s", bridge);
    devices_scan(s);
    return serve(s) ? 1 : 0;
}
