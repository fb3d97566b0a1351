/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Events for user space over /dev/mica/evtchn: each mica_event_fd() is a
 * file of its own with one VIRQ bound, which polls readable when the VIRQ
 * fires; mica_event_ack() takes the fired ports and unmasks them. The
 * caller close()s the fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <public/event_channel.h>
#include <mica/evtchn.h>
#include "priv.h"

int mica_event_fd(mica_ctx *ctx, unsigned int virq)
{
    struct mica_ioctl_evtchn_bind_virq b = { .virq = virq };
    int fd, rc;

    ctl_clear_error(ctx);
    if (virq != MICA_VIRQ_CONSOLE && virq != MICA_VIRQ_DOM_EXC)
        return ctl_fail(ctx, -EINVAL, "events: VIRQ %u is not a global one (CONSOLE, DOM_EXC)", virq);
    fd = open(MICA_EVTCHN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return ctl_fail(ctx, -errno, "events: %s: %s", MICA_EVTCHN_PATH, strerror(errno));
    if (ioctl(fd, MICA_IOCTL_EVTCHN_BIND_VIRQ, &b) < 0) {
        rc = -errno;
        close(fd);
        return ctl_fail(ctx, rc, "events: bind VIRQ %u: %s", virq, strerror(-rc));
    }
    return fd;
}

/* Read every fired port (without blocking) and write it back to unmask it. */
int mica_event_ack(mica_ctx *ctx, int fd)
{
    uint32_t ports[64];
    ssize_t n;

    ctl_clear_error(ctx);
    while ((n = read(fd, ports, sizeof(ports))) > 0)
        if (write(fd, ports, (size_t)n) != n)
            return ctl_fail(ctx, -errno, "events: unmask: %s", strerror(errno));
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        return ctl_fail(ctx, -errno, "events: read: %s", strerror(errno));
    return 0;
}

int mica_evtchn_open(mica_ctx *ctx)
{
    int fd;

    ctl_clear_error(ctx);
    fd = open(MICA_EVTCHN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return ctl_fail(ctx, -errno, "events: %s: %s", MICA_EVTCHN_PATH, strerror(errno));
    return fd;
}

int mica_evtchn_bind_interdomain(mica_ctx *ctx, int fd, uint32_t domid, uint32_t remote_port)
{
    struct mica_ioctl_evtchn_bind_interdomain b = {
        .remote_domain = domid, .remote_port = remote_port,
    };
    int rc;

    ctl_clear_error(ctx);
    rc = ioctl(fd, MICA_IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
    if (rc < 0)
        return ctl_fail(ctx, -errno, "events: bind to domain %u port %u: %s", domid,
                        remote_port, strerror(errno));
    return rc;
}

int mica_evtchn_notify(mica_ctx *ctx, int fd, uint32_t port)
{
    struct mica_ioctl_evtchn_port p = { .port = port };

    ctl_clear_error(ctx);
    if (ioctl(fd, MICA_IOCTL_EVTCHN_NOTIFY, &p) < 0)
        return ctl_fail(ctx, -errno, "events: notify port %u: %s", port, strerror(errno));
    return 0;
}
