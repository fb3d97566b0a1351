/* SPDX-License-Identifier: MIT */
/*
 * /dev/mica/privcmd: the dom0 driver's interface for the toolstack (as
 * Linux's privcmd is Xen's). Only root (CAP_SYS_ADMIN) may open it, and only
 * in the privileged domain does the driver create it. docs/dom0-driver.md
 * is the reference.
 */
#ifndef MICA_UAPI_PRIVCMD_H
#define MICA_UAPI_PRIVCMD_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdint.h>
#include <linux/types.h>
#endif
#include <linux/ioctl.h>

#define MICA_PRIVCMD_PATH "/dev/mica/privcmd"

/*
 * One hypercall: op = MICA_HC_*, arg[0..4] = RDI, RSI, RDX, R10, R8, with
 * pointers being user-space addresses in this process. The driver copies
 * each argument structure (and the buffers it points to) into the kernel,
 * makes the call on the copy and copies the results back: user memory is
 * never handed to the hypervisor. Only the calls the toolstack needs pass,
 * each checked against the layout of its family:
 *
 *   MICA_HC_version      every sub-command
 *   MICA_HC_console_io   write
 *   MICA_HC_domctl       every sub-command (struct mica_domctl, 128 bytes)
 *   MICA_HC_sysctl       every sub-command (struct mica_sysctl; read/write
 *                        buffers up to MICA_SYSCTL_READ_MAX bounced)
 *   MICA_HC_memory_op    populate, decrease, current and maximum reservation
 *                        of another domain (never the caller's own: that
 *                        would pull pages from under dom0's kernel);
 *                        map/unmap_foreign only through MMAPBATCH
 *   MICA_HC_event_channel_op  alloc_unbound in another domain (struct
 *                        mica_evtchn_alloc_unbound, 8 bytes in and out)
 *   MICA_HC_param_op     get of any domain, set of another domain
 *                        (struct mica_param, 16 bytes in and out)
 *
 * Anything else: -1 with errno EPERM. The ioctl returns the hypercall's
 * result when it is >= 0, else -1 with errno = -result (Mica's error
 * numbers are Linux's).
 */
struct mica_privcmd_hypercall {
	__u64 op;
	__u64 arg[5];
};

/*
 * Map num frames of domain domid, gfns[i] for page i, at addr: a range of
 * a MAP_SHARED mmap() of this file (offset 0) that nothing is mapped at
 * yet. errs[i] gets 0 or -errno per frame (ENOENT: a hole; ESRCH: no such
 * domain). Returns 0 when every frame mapped, else -1 with errno ENOENT
 * (some did not: see errs) or the error that stopped the whole batch.
 * The frames stay mapped until munmap() or close().
 */
struct mica_privcmd_mmapbatch {
	__u64 addr;      /* page-aligned, inside one mmap() of this file */
	__u64 gfns;      /* user pointer to __u64[num] */
	__u64 errs;      /* user pointer to __s32[num] */
	__u32 num;       /* 1 .. 1 << 20 */
	__u16 domid;     /* not dom0 itself */
	__u16 flags;     /* MICA_MMAPBATCH_READONLY or 0 */
};
#define MICA_MMAPBATCH_READONLY  (1u << 0)

#define MICA_IOCTL_PRIVCMD_HYPERCALL  _IOW('M', 0x00, struct mica_privcmd_hypercall)
#define MICA_IOCTL_PRIVCMD_MMAPBATCH  _IOW('M', 0x01, struct mica_privcmd_mmapbatch)

#endif
