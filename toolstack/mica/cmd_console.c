// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica console DOMAIN: follow the domain's console ring from the oldest byte
 * it keeps, copy standard input into the domain's UART, detach on Ctrl-].
 * Once the guest's PV console is connected, micad serves it on a unix
 * socket (MICA_CONSOLE_SOCKET_DIR/DOMID.sock, toolstack/micad/pvcons.c):
 * its output is shown beside the UART's, and once it has printed anything
 * (its history counts; keystrokes wait up to PV_QUIET_NS after connecting
 * for that) keystrokes go to it instead of the UART: a guest with the
 * driver whose console is still ttyS0 keeps its input. The socket
 * is looked for at attach and at every ALIVE_CHECK_NS; when micad closes
 * it, the UART alone again.
 * A terminal on standard input is put in raw mode and restored on every way
 * out (term.c): detach, the domain's end, an error, a signal, exit().
 * create -c calls console_attach() with the domain still paused and
 * unpauses it once attached, so its first line is shown.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mica.h"

#define ESCAPE_CHAR 0x1d                /* Ctrl-] */
#define POLL_MS 30                      /* how often an idle console ring is read */
#define ALIVE_CHECK_NS 1000000000ull    /* how often we look whether the domain still exists */
#define CHUNK 4096
#define PV_QUIET_NS 1000000000ull       /* a PV console silent this long after connecting: input stays on the UART */

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

struct console {
    const struct invocation *inv;
    uint32_t domid;
    uint64_t offset;
    int sock;                           /* micad's PV console socket, or -1: the UART */
    bool pv_talks;                      /* the PV console printed: keystrokes go there */
    uint64_t pv_since;                  /* when the socket was connected */
    char in[CHUNK];                     /* keystrokes the UART has not taken yet */
    size_t in_len;
    bool stdin_open;
    bool detach;
};

/* micad's socket for the domain's PV console, or -errno when it has none. */
static int pv_connect(uint32_t domid)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

    if (fd < 0)
        return -errno;
    snprintf(a.sun_path, sizeof(a.sun_path), "%s/%" PRIu32 ".sock", MICA_CONSOLE_SOCKET_DIR, domid);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

/* Switch to the PV console when micad has it (after what the UART ring still holds). */
static void pv_look(struct console *c)
{
    if (c->sock >= 0)
        return;
    c->sock = pv_connect(c->domid);
    if (c->sock < 0)
        c->sock = -1;
    c->pv_since = now_ns();
}

/* What micad's socket has to stdout; 0 and back to the UART when micad closed it. */
static ssize_t pv_drain(struct console *c)
{
    char buf[CHUNK];
    ssize_t n, total = 0;

    while ((n = read(c->sock, buf, sizeof(buf))) > 0) {
        int rc = write_all(STDOUT_FILENO, buf, (size_t)n);

        if (rc < 0)
            return rc;
        total += n;
        c->pv_talks = true;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        close(c->sock);                 /* the PV console ended: the UART again */
        c->sock = -1;
        c->pv_talks = false;
    }
    return total;
}

/* Copy what the ring holds past our offset to stdout; returns bytes, or -errno. */
static ssize_t console_drain(struct console *c)
{
    char buf[CHUNK];
    ssize_t n, total = 0;

    while ((n = mica_console_read(c->inv->ctx, c->domid, &c->offset, buf, sizeof(buf), NULL)) > 0) {
        int rc = write_all(STDOUT_FILENO, buf, (size_t)n);

        if (rc < 0)
            return rc;
        total += n;
    }
    if (n < 0)
        return n;
    if (c->sock >= 0) {
        n = pv_drain(c);
        total = n < 0 ? n : total + n;
    }
    return total;
}

/* Read keystrokes up to Ctrl-]; what comes after it is dropped. */
static void console_input(struct console *c)
{
    ssize_t n = read(STDIN_FILENO, c->in, sizeof(c->in));
    char *esc;

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        c->stdin_open = false;          /* end of input: keep showing output */
        return;
    }
    esc = memchr(c->in, ESCAPE_CHAR, (size_t)n);
    if (esc) {
        n = esc - c->in;
        c->detach = true;
    }
    c->in_len = (size_t)n;
}

static int console_send(struct console *c)
{
    ssize_t n;

    if (c->sock >= 0 && !c->pv_talks && now_ns() < c->pv_since + PV_QUIET_NS) {
        n = 0;                          /* micad's replay decides where it goes */
    } else if (c->sock >= 0 && c->pv_talks) {
        n = send(c->sock, c->in, c->in_len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            n = 0;                      /* micad takes it when the guest has room */
        else if (n < 0)
            n = 0;                      /* closed: pv_drain goes back to the UART */
    } else {
        n = mica_console_write(c->inv->ctx, c->domid, c->in, c->in_len);
    }
    if (n < 0)
        return (int)n;
    memmove(c->in, c->in + n, c->in_len - (size_t)n);
    c->in_len -= (size_t)n;
    return 0;
}

static bool domain_gone(struct console *c)
{
    struct mica_dominfo info;

    return mica_domain_info(c->inv->ctx, c->domid, &info) == -ESRCH;
}

/* The loop: 0 on detach or the domain's end, -errno on a failure. */
static int console_loop(struct console *c)
{
    uint64_t next_check = now_ns() + ALIVE_CHECK_NS;

    while (!term_stop_signal && !c->detach) {
        struct pollfd pfd[2] = { { .fd = STDIN_FILENO, .events = POLLIN }, { .fd = -1 } };
        ssize_t got = console_drain(c);
        int rc;

        if (got == -ESRCH || (got >= 0 && now_ns() > next_check && domain_gone(c)))
            return -ESRCH;
        if (got < 0)
            return (int)got;
        if (now_ns() > next_check) {
            next_check = now_ns() + ALIVE_CHECK_NS;
            pv_look(c);
        }
        if (c->in_len) {
            rc = console_send(c);
            if (rc < 0)
                return rc;
        }
        if (c->in_len || !c->stdin_open)
            pfd[0].fd = -1;             /* wait for the UART to take what is pending */
        pfd[1].fd = c->sock;
        pfd[1].events = POLLIN;
        rc = poll(pfd, 2, got > 0 ? 0 : POLL_MS);
        if (rc > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
            console_input(c);
    }
    if (c->in_len)
        console_send(c);                /* what was typed before Ctrl-] */
    return 0;
}

int console_attach(const struct invocation *inv, uint32_t domid, bool unpause)
{
    struct console c = { .inv = inv, .domid = domid, .sock = -1, .stdin_open = true };
    struct mica_dominfo info;
    int rc = mica_domain_info(inv->ctx, domid, &info);

    if (rc < 0)
        return fail_rc(inv, "console", rc);
    fprintf(stderr, "Connected to %s (id %" PRIu32 "). Ctrl-] detaches.\n", info.name, domid);
    term_catch_signals();
    rc = term_enter(true);
    if (rc < 0) {
        fail(inv->spec->name, "terminal: %s", strerror(-rc));
        goto err_unpaused;
    }
    if (unpause) {
        rc = (int)console_drain(&c);    /* attached: nothing the domain prints is missed */
        if (rc >= 0)
            rc = mica_domain_unpause(inv->ctx, domid);
        if (rc < 0) {
            term_restore();
            fail_rc(inv, info.name, rc);
            goto err_unpaused;
        }
    }
    pv_look(&c);
    rc = console_loop(&c);
    if (c.sock >= 0)
        close(c.sock);
    term_restore();
    if (rc == -ESRCH)
        fprintf(stderr, "\nmica: %s: %s: the domain has gone\n", inv->spec->name, info.name);
    else if (rc < 0)
        return fail_rc(inv, info.name, rc);
    else
        fputc('\n', stderr);
    return term_stop_signal ? 128 + term_stop_signal : 0;

err_unpaused:
    term_restore();
    if (unpause && mica_domain_destroy(inv->ctx, domid) == 0)
        fprintf(stderr, "mica: %s: %s: destroyed, it could not be started attached\n",
                inv->spec->name, info.name);
    return EXIT_FAILURE;
}

int cmd_console(struct invocation *inv)
{
    struct mica_dominfo info;

    if (domain_info_arg(inv, inv->args[0], &info) < 0)
        return EXIT_FAILURE;
    if (info.privileged) {
        /* Its ring is this very terminal's output: showing it would feed it back. */
        fail(inv->spec->name, "%s: is dom0, whose console this is already", inv->args[0]);
        return EXIT_FAILURE;
    }
    return console_attach(inv, info.domid, false);
}
