/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MICA_HC_sysctl (public/sysctl.h): what the control domain reads about
 * the machine: its frames and CPUs, the hypervisor's log and each domain's
 * console output, both followed by offset; and keystrokes for a platform
 * domain's UART. The dispatcher has already
 * refused unprivileged callers.
 */
#include <mica/hypercall.h>
#include <mica/domain.h>
#include <mica/mm.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <public/sysctl.h>
#include <public/domctl.h>
#include <asm/percpu.h>
#include <asm/time.h>
#include <asm/vplatform_dev.h>

#define CHUNK 256

static void physinfo(struct mica_sysctl_physinfo *p)
{
    memset(p, 0, sizeof(*p));
    p->nr_cpus = nr_cpus_online;
    p->total_frames = frames_total();
    p->free_frames = frames_free_count();
    p->tsc_khz = tsc_khz;
    p->nr_domains = domains_alive();
    p->now_ns = now_ns();
}

/* One chunk of the ring being read: the log (d == NULL) or d's console. */
static size_t ring_read(struct domain *d, uint64_t *offset, char *buf, size_t len,
                        uint64_t *lost, uint64_t *head)
{
    return d ? domain_console_read(d, offset, buf, len, lost, head)
             : console_ring_read_at(offset, buf, len, lost, head);
}

/*
 * Copy the ring out CHUNK bytes at a time (the ring lock is never held
 * across a guest copy). Bytes overwritten between chunks count as lost.
 */
static long read_ring(struct vcpu *v, struct mica_sysctl_read *r, struct domain *d)
{
    char chunk[CHUNK];
    uint64_t offset = r->offset, probe = r->offset, head, lost;
    uint32_t done = 0;

    ring_read(d, &probe, chunk, 0, &lost, &head);       /* just the head */
    if (r->offset > head)
        return -EINVAL;
    r->lost = 0;
    while (done < r->len) {
        size_t n = ring_read(d, &offset, chunk, MIN((size_t)CHUNK, (size_t)(r->len - done)),
                             &lost, &head);

        r->lost += lost;
        if (!n)
            break;
        if (copy_to_guest(v, r->buf + done, chunk, n))
            return -EFAULT;
        done += (uint32_t)n;
    }
    r->offset = offset;
    r->copied = done;
    r->head = head;
    return done;
}

static long sysctl_read(struct vcpu *v, struct mica_sysctl_read *r, bool console)
{
    struct domain *d;
    long rc;

    if (r->len > MICA_SYSCTL_READ_MAX || r->pad[0] || r->pad[1] || r->pad[2])
        return -EINVAL;
    if (!console)
        return r->domid ? -EINVAL : read_ring(v, r, NULL);
    rc = domain_get_target(v->domain, r->domid, 0, &d);
    if (rc)
        return rc;
    rc = read_ring(v, r, d);
    domain_put(d);
    return rc;
}

/*
 * Keystrokes for d's UART. Only what its receive FIFO can take is read
 * (VUART_FIFO bytes at most); a buffer that cannot be read gives -EFAULT
 * and nothing is typed.
 */
static long sysctl_writeconsole(struct vcpu *v, const struct mica_sysctl_write *w)
{
    uint8_t buf[VUART_FIFO];
    uint32_t n = MIN(w->len, (uint32_t)sizeof(buf));
    struct domain *d;
    long rc;

    if (w->len > MICA_SYSCTL_READ_MAX || w->pad)
        return -EINVAL;
    rc = domain_get_target(v->domain, w->domid, 0, &d);
    if (rc)
        return rc;
    if (!d->plat)
        rc = -EINVAL;
    else if (copy_from_guest(v, buf, w->buf, n))
        rc = -EFAULT;
    else
        rc = (long)vuart_input_buf(d, buf, n);
    domain_put(d);
    return rc;
}

long do_sysctl(struct vcpu *v, const uint64_t args[5])
{
    struct mica_sysctl op;
    uint64_t cmd = args[0], arg = args[1];
    long rc = 0;

    if (cmd >= MICA_SYSCTL_NR)
        return -ENOSYS;
    if (copy_from_guest(v, &op, arg, sizeof(op)) || copy_to_guest(v, arg, &op, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != MICA_SYSCTL_INTERFACE_VERSION)
        return -EACCES;
    if (op.pad)
        return -EINVAL;
    if (cmd == MICA_SYSCTL_physinfo)
        physinfo(&op.u.physinfo);
    else if (cmd == MICA_SYSCTL_writeconsole)
        rc = sysctl_writeconsole(v, &op.u.write);
    else
        rc = sysctl_read(v, &op.u.read, cmd == MICA_SYSCTL_readconsole);
    if (rc >= 0 && copy_to_guest(v, arg, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}
