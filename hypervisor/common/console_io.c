/* SPDX-License-Identifier: GPL-2.0-only */
/* MICA_HC_console_io: a domain's text to the hypervisor console. */
#include <mica/hypercall.h>
#include <mica/domain.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <public/console.h>

#define CHUNK 256

static long console_write_guest(struct vcpu *v, uint64_t buf, uint64_t len)
{
    char tmp[CHUNK];
    uint64_t done = 0;

    if (len > MICA_CONSOLE_WRITE_MAX)
        return -EINVAL;
    /* Copy all of it first: a bad buffer prints nothing at all. */
    for (done = 0; done < len; done += CHUNK)
        if (copy_from_guest(v, tmp, buf + done, MIN((uint64_t)CHUNK, len - done)))
            return -EFAULT;
    for (done = 0; done < len; done += CHUNK) {
        size_t n = (size_t)MIN((uint64_t)CHUNK, len - done);

        if (copy_from_guest(v, tmp, buf + done, n))
            return -EFAULT;
        console_guest_write(v->domain->id, tmp, n, &v->domain->console_bol,
                            &v->domain->console_rate);
        domain_console_put(v->domain, tmp, n);
    }
    return (long)len;
}

long do_console_io(struct vcpu *v, const uint64_t args[5])
{
    switch (args[0]) {
    case MICA_CONSOLE_write:
        return console_write_guest(v, args[1], args[2]);
    default:
        return -ENOSYS;
    }
}
