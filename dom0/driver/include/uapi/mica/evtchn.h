/* SPDX-License-Identifier: MIT */
/*
 * /dev/mica/evtchn: event channels for user space (as Linux's evtchn device
 * is Xen's). Each open file has its own set of ports; closing it closes
 * them. docs/dom0-driver.md is the reference.
 *
 * read():  __u32 port numbers that fired since they were last unmasked;
 *          a fired port stays masked until written back. Blocks unless
 *          O_NONBLOCK; poll() says POLLIN when one is waiting.
 * write(): __u32 port numbers to unmask (ports of this file only, else
 *          EINVAL).
 *
 * The ioctls return the local port (>= 1) or 0, or -1 with errno.
 */
#ifndef MICA_UAPI_EVTCHN_H
#define MICA_UAPI_EVTCHN_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define MICA_EVTCHN_PATH "/dev/mica/evtchn"

/*
 * A VIRQ (MICA_VIRQ_*; global ones only: CONSOLE, DOM_EXC). Several files
 * may bind the same VIRQ: each sees it fire (the driver binds it once).
 */
struct mica_ioctl_evtchn_bind_virq {
	__u32 virq;
};

struct mica_ioctl_evtchn_bind_interdomain {
	__u32 remote_domain;
	__u32 remote_port;
};

struct mica_ioctl_evtchn_bind_unbound {
	__u32 remote_domain;
};

struct mica_ioctl_evtchn_port {
	__u32 port;
};

#define MICA_IOCTL_EVTCHN_BIND_VIRQ \
	_IOW('E', 0x00, struct mica_ioctl_evtchn_bind_virq)
#define MICA_IOCTL_EVTCHN_BIND_INTERDOMAIN \
	_IOW('E', 0x01, struct mica_ioctl_evtchn_bind_interdomain)
#define MICA_IOCTL_EVTCHN_BIND_UNBOUND \
	_IOW('E', 0x02, struct mica_ioctl_evtchn_bind_unbound)
#define MICA_IOCTL_EVTCHN_UNBIND \
	_IOW('E', 0x03, struct mica_ioctl_evtchn_port)
#define MICA_IOCTL_EVTCHN_NOTIFY \
	_IOW('E', 0x04, struct mica_ioctl_evtchn_port)
#define MICA_IOCTL_EVTCHN_RESET  _IO('E', 0x05)

#endif
