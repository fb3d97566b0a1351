// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/mica/privcmd: hypercalls for the toolstack (uapi/mica/privcmd.h,
 * docs/dom0-driver.md). Each allowed family has one helper that copies
 * the arguments into kernel buffers, checks them, makes the call on the
 * copies and copies the results back: no user address ever reaches the
 * hypervisor, which walks this kernel's page tables at call time.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <uapi/mica/privcmd.h>

#include "mica.h"

typedef long (*privcmd_family_fn)(const u64 *arg);

static void __user *uptr(u64 addr)
{
	return (void __user *)(uintptr_t)addr;
}

/* MICA_HC_version: get takes nothing; info fills 48 bytes. */
static long privcmd_version(const u64 *arg)
{
	struct mica_version_info *info;
	long rc;

	if (arg[0] != MICA_VERSION_info)
		return mica_hypercall2(MICA_HC_version, arg[0], 0);
	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	rc = mica_hypercall2(MICA_HC_version, arg[0], (u64)info);
	if (rc >= 0 && copy_to_user(uptr(arg[1]), info, sizeof(*info)))
		rc = -EFAULT;
	kfree(info);
	return rc;
}

/* MICA_HC_console_io: write only, RSI = buffer, RDX = length. */
static long privcmd_console_io(const u64 *arg)
{
	void *buf;
	long rc;

	if (arg[0] != MICA_CONSOLE_write)
		return -EPERM;
	if (arg[2] > MICA_CONSOLE_WRITE_MAX)
		return -EINVAL;
	if (arg[2] == 0)
		return 0;
	buf = memdup_user(uptr(arg[1]), arg[2]);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	rc = mica_hypercall(MICA_HC_console_io, arg[0], (u64)buf, arg[2], 0, 0);
	kfree(buf);
	return rc;
}

/*
 * Copy a control structure in and prove it writable by writing it back
 * unchanged, so a call that changes something (domctl create) never
 * succeeds with results that cannot be returned.
 */
static void *ctl_copy_in(u64 uaddr, size_t size)
{
	void *k = memdup_user(uptr(uaddr), size);

	if (IS_ERR(k))
		return k;
	if (copy_to_user(uptr(uaddr), k, size)) {
		kfree(k);
		return ERR_PTR(-EFAULT);
	}
	return k;
}

/* MICA_HC_domctl: 128 bytes, no pointers inside, every sub-command. */
static long privcmd_domctl(const u64 *arg)
{
	struct mica_domctl *d;
	long rc;

	if (arg[0] >= MICA_DOMCTL_NR)
		return -EPERM;
	d = ctl_copy_in(arg[1], sizeof(*d));
	if (IS_ERR(d))
		return PTR_ERR(d);
	rc = mica_hypercall2(MICA_HC_domctl, arg[0], (u64)d);
	if (rc >= 0 && copy_to_user(uptr(arg[1]), d, sizeof(*d)))
		rc = -EFAULT;
	kfree(d);
	return rc;
}

/* sysctl readlog and readconsole: bounce the buffer the ring is read into. */
static long sysctl_read(u64 sub, struct mica_sysctl *s)
{
	u64 ubuf = s->u.read.buf;
	u32 len = s->u.read.len;
	void *kbuf;
	long rc;

	if (len > MICA_SYSCTL_READ_MAX)
		return -EINVAL;
	kbuf = kvzalloc(len ? len : 1, GFP_KERNEL);
	if (!kbuf)
		return -ENOMEM;
	s->u.read.buf = (u64)kbuf;
	rc = mica_hypercall2(MICA_HC_sysctl, sub, (u64)s);
	s->u.read.buf = ubuf;
	if (rc >= 0 && s->u.read.copied > len)
		rc = -EIO;
	if (rc >= 0 && copy_to_user(uptr(ubuf), kbuf, s->u.read.copied))
		rc = -EFAULT;
	kvfree(kbuf);
	return rc;
}

/* sysctl writeconsole: bounce the keystrokes. */
static long sysctl_write(u64 sub, struct mica_sysctl *s)
{
	u64 ubuf = s->u.write.buf;
	u32 len = s->u.write.len;
	void *kbuf;
	long rc;

	if (len > MICA_SYSCTL_READ_MAX)
		return -EINVAL;
	kbuf = len ? vmemdup_user(uptr(ubuf), len) : kvzalloc(1, GFP_KERNEL);
	if (IS_ERR(kbuf))
		return PTR_ERR(kbuf);
	if (!kbuf)
		return -ENOMEM;
	s->u.write.buf = (u64)kbuf;
	rc = mica_hypercall2(MICA_HC_sysctl, sub, (u64)s);
	s->u.write.buf = ubuf;
	kvfree(kbuf);
	return rc;
}

/* MICA_HC_sysctl: 64 bytes; the read and write buffers are bounced. */
static long privcmd_sysctl(const u64 *arg)
{
	struct mica_sysctl *s;
	long rc;

	if (arg[0] >= MICA_SYSCTL_NR)
		return -EPERM;
	s = ctl_copy_in(arg[1], sizeof(*s));
	if (IS_ERR(s))
		return PTR_ERR(s);
	switch (arg[0]) {
	case MICA_SYSCTL_readlog:
	case MICA_SYSCTL_readconsole:
		rc = sysctl_read(arg[0], s);
		break;
	case MICA_SYSCTL_writeconsole:
		rc = sysctl_write(arg[0], s);
		break;
	default:
		rc = mica_hypercall2(MICA_HC_sysctl, arg[0], (u64)s);
		break;
	}
	if (rc >= 0 && copy_to_user(uptr(arg[1]), s, sizeof(*s)))
		rc = -EFAULT;
	kfree(s);
	return rc;
}

/* Another domain's memory only: never pull frames from under dom0. */
static bool memop_other_domain(u64 domid)
{
	return domid != MICA_DOMID_SELF && domid != mica_self_domid;
}

/* populate_physmap and decrease_reservation: 24 bytes and a gfn list. */
static long memop_reservation(u64 sub, u64 uaddr)
{
	struct mica_memop_reservation r;
	u64 *list = NULL;
	long rc;

	if (copy_from_user(&r, uptr(uaddr), sizeof(r)))
		return -EFAULT;
	if (r.flags & ~MICA_MEMOP_F_LIST)
		return -EINVAL;
	if (r.nr > MICA_MEMOP_MAX_EXTENTS)
		return -E2BIG;
	if (!memop_other_domain(r.domid))
		return -EPERM;
	if ((r.flags & MICA_MEMOP_F_LIST) && r.nr) {
		list = vmemdup_user(uptr(r.gfn_list), r.nr * sizeof(u64));
		if (IS_ERR(list))
			return PTR_ERR(list);
		r.gfn_list = (u64)list;
	} else {
		r.gfn_list = 0;
	}
	rc = mica_hypercall2(MICA_HC_memory_op, sub, (u64)&r);
	kvfree(list);
	return rc;
}

/* MICA_HC_memory_op: reservations of other domains. */
static long privcmd_memory_op(const u64 *arg)
{
	switch (arg[0]) {
	case MICA_MEMOP_populate_physmap:
	case MICA_MEMOP_decrease_reservation:
		return memop_reservation(arg[0], arg[1]);
	case MICA_MEMOP_current_reservation:
	case MICA_MEMOP_maximum_reservation:
		if (!memop_other_domain(arg[1]))
			return -EPERM;
		return mica_hypercall2(MICA_HC_memory_op, arg[0], arg[1]);
	default:
		return -EPERM;
	}
}

/*
 * MICA_HC_event_channel_op: alloc_unbound in another domain only (the
 * toolstack's store and console ports of a new domU). dom0's own ports
 * belong to its kernel and /dev/mica/evtchn.
 */
static long privcmd_event_channel_op(const u64 *arg)
{
	struct mica_evtchn_alloc_unbound a;
	long rc;

	if (arg[0] != MICA_EVTCHNOP_alloc_unbound)
		return -EPERM;
	if (copy_from_user(&a, uptr(arg[1]), sizeof(a)))
		return -EFAULT;
	if (!memop_other_domain(a.dom))
		return -EPERM;
	rc = mica_hypercall2(MICA_HC_event_channel_op, arg[0], (u64)&a);
	if (rc >= 0 && copy_to_user(uptr(arg[1]), &a, sizeof(a)))
		rc = -EFAULT;
	return rc;
}

/* MICA_HC_param_op: get of any domain; set of another domain's only. */
static long privcmd_param_op(const u64 *arg)
{
	struct mica_param p;
	long rc;

	if (arg[0] != MICA_PARAM_get && arg[0] != MICA_PARAM_set)
		return -EPERM;
	if (copy_from_user(&p, uptr(arg[1]), sizeof(p)))
		return -EFAULT;
	if (arg[0] == MICA_PARAM_set && !memop_other_domain(p.domid))
		return -EPERM;
	rc = mica_hypercall2(MICA_HC_param_op, arg[0], (u64)&p);
	if (rc >= 0 && copy_to_user(uptr(arg[1]), &p, sizeof(p)))
		rc = -EFAULT;
	return rc;
}

static const privcmd_family_fn privcmd_families[MICA_HC_NR] = {
	[MICA_HC_version] = privcmd_version,
	[MICA_HC_console_io] = privcmd_console_io,
	[MICA_HC_domctl] = privcmd_domctl,
	[MICA_HC_sysctl] = privcmd_sysctl,
	[MICA_HC_memory_op] = privcmd_memory_op,
	[MICA_HC_event_channel_op] = privcmd_event_channel_op,
	[MICA_HC_param_op] = privcmd_param_op,
};

static long privcmd_hypercall(void __user *uarg)
{
	struct mica_privcmd_hypercall hc;

	if (copy_from_user(&hc, uarg, sizeof(hc)))
		return -EFAULT;
	if (hc.op >= MICA_HC_NR || !privcmd_families[hc.op])
		return -EPERM;
	return privcmd_families[hc.op](hc.arg);
}

static long privcmd_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case MICA_IOCTL_PRIVCMD_HYPERCALL:
		return privcmd_hypercall(uarg);
	case MICA_IOCTL_PRIVCMD_MMAPBATCH:
		return mica_privcmd_mmapbatch(file, uarg);
	default:
		return -ENOTTY;
	}
}

static int privcmd_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

const struct file_operations mica_privcmd_fops = {
	.owner = THIS_MODULE,
	.open = privcmd_open,
	.unlocked_ioctl = privcmd_ioctl,
	.mmap = mica_privcmd_mmap,
	.llseek = noop_llseek,
};
