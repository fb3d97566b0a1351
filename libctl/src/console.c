/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The hypervisor's log and the domains' consoles: rings read by offset; keystrokes in. */
#include <errno.h>
#include <string.h>
#include <public/sysctl.h>
#include "priv.h"

static ssize_t read_ring(mica_ctx *ctx, unsigned int cmd, uint32_t domid, uint64_t *offset,
                         void *buf, size_t len, uint64_t *lost, const char *what)
{
    struct mica_sysctl s = { 0 };
    long rc;

    ctl_clear_error(ctx);
    if (domid > MICA_DOMID_MAX)
        return ctl_fail(ctx, -EINVAL, "%s: %u is not a domain id", what, domid);
    s.u.read.offset = *offset;
    s.u.read.buf = (uintptr_t)buf;
    s.u.read.len = (uint32_t)(len < MICA_SYSCTL_READ_MAX ? len : MICA_SYSCTL_READ_MAX);
    s.u.read.domid = (uint16_t)domid;
    rc = mica_do_sysctl(ctx, cmd, &s);
    if (rc < 0)
        return ctl_fail(ctx, (int)rc, "%s: domain %u: %s", what, domid, ctl_errno_text((int)rc));
    *offset = s.u.read.offset;
    if (lost)
        *lost = s.u.read.lost;
    return s.u.read.copied;
}

ssize_t mica_log_read(mica_ctx *ctx, uint64_t *offset, void *buf, size_t len, uint64_t *lost)
{
    return read_ring(ctx, MICA_SYSCTL_readlog, 0, offset, buf, len, lost, "dmesg");
}

ssize_t mica_console_read(mica_ctx *ctx, uint32_t domid, uint64_t *offset,
                          void *buf, size_t len, uint64_t *lost)
{
    return read_ring(ctx, MICA_SYSCTL_readconsole, domid, offset, buf, len, lost, "console");
}

ssize_t mica_console_write(mica_ctx *ctx, uint32_t domid, const void *buf, size_t len)
{
    struct mica_sysctl s = { 0 };
    long rc;

    ctl_clear_error(ctx);
    if (domid > MICA_DOMID_MAX)
        return ctl_fail(ctx, -EINVAL, "console: %u is not a domain id", domid);
    s.u.write.buf = (uintptr_t)buf;
    s.u.write.len = (uint32_t)(len < MICA_SYSCTL_READ_MAX ? len : MICA_SYSCTL_READ_MAX);
    s.u.write.domid = (uint16_t)domid;
    rc = mica_do_sysctl(ctx, MICA_SYSCTL_writeconsole, &s);
    if (rc == -EINVAL)
        return ctl_fail(ctx, (int)rc, "console: domain %u has no UART to type into", domid);
    if (rc < 0)
        return ctl_fail(ctx, (int)rc, "console: domain %u: %s", domid, ctl_errno_text((int)rc));
    return rc;
}
