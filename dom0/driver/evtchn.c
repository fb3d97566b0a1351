// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/mica/evtchn: event channels for user space (uapi/mica/evtchn.h,
 * docs/dom0-driver.md). Each open file has its own set of ports, closed
 * with it. A port that fires is queued for read() and masked for its file
 * until written back; one that fires again meanwhile is remembered and
 * queued when it is. A global VIRQ is bound once, for every file that
 * asks: each of them sees it fire, with its own mask.
 */
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include <uapi/mica/evtchn.h>

#include "mica.h"

/* Each port of a file is queued at most once: this holds them all. */
#define EVTCHN_RING	(MICA_EVTCHN_DEFAULT_PORTS + MICA_NR_VIRQS)
#define EVTCHN_IO_MAX	64		/* ports per read() or write() pass */

struct evtchn_file {
	struct mutex bind_lock;		/* one ioctl or write() at a time */
	struct xarray ports;		/* port -> struct evtchn_bind */
	spinlock_t lock;		/* the ring and every bind's flags */
	wait_queue_head_t wq;
	unsigned int head, count;
	u32 ring[EVTCHN_RING];
};

struct evtchn_bind {
	struct evtchn_file *f;
	u32 port;
	int virq;			/* MICA_VIRQ_*, or -1: a port of its own */
	bool masked;			/* fired, not written back yet */
	bool pending;			/* fired again while masked */
	struct list_head virq_node;	/* in evtchn_virqs[virq].binds */
};

struct evtchn_virq {
	u32 port;			/* 0: not bound */
	struct list_head binds;		/* changed under mica_port_lock() */
};

static struct evtchn_virq evtchn_virqs[MICA_NR_VIRQS] = {
	[MICA_VIRQ_CONSOLE] = {
		.binds = LIST_HEAD_INIT(evtchn_virqs[MICA_VIRQ_CONSOLE].binds),
	},
	[MICA_VIRQ_DOM_EXC] = {
		.binds = LIST_HEAD_INIT(evtchn_virqs[MICA_VIRQ_DOM_EXC].binds),
	},
};

static DEFINE_MUTEX(evtchn_virq_lock);

/* Called with f->lock held. */
static void ring_push(struct evtchn_file *f, u32 port)
{
	if (WARN_ON_ONCE(f->count == EVTCHN_RING))
		return;
	f->ring[(f->head + f->count) % EVTCHN_RING] = port;
	f->count++;
}

/* The port fired for this bind (hard interrupt, table lock held). */
static void evtchn_deliver(struct evtchn_bind *b)
{
	struct evtchn_file *f = b->f;

	spin_lock(&f->lock);
	if (b->masked) {
		b->pending = true;
	} else {
		b->masked = true;
		ring_push(f, b->port);
		wake_up_interruptible(&f->wq);
	}
	spin_unlock(&f->lock);
}

static void evtchn_port_fired(u32 port, void *data)
{
	evtchn_deliver(data);
}

static void evtchn_virq_fired(u32 port, void *data)
{
	struct evtchn_virq *vq = data;
	struct evtchn_bind *b;

	list_for_each_entry(b, &vq->binds, virq_node)
		evtchn_deliver(b);
}

static struct evtchn_bind *bind_alloc(struct evtchn_file *f, u32 port,
				      int virq)
{
	struct evtchn_bind *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!b)
		return NULL;
	b->f = f;
	b->port = port;
	b->virq = virq;
	INIT_LIST_HEAD(&b->virq_node);
	return b;
}

/* A new port of this domain becomes the file's; closed on failure. */
static long bind_own_port(struct evtchn_file *f, u32 port)
{
	struct evtchn_bind *b;
	int rc;

	b = bind_alloc(f, port, -1);
	if (!b) {
		rc = -ENOMEM;
		goto err_close;
	}
	rc = xa_insert(&f->ports, port, b, GFP_KERNEL);
	if (rc)
		goto err_free;
	rc = mica_port_bind(port, evtchn_port_fired, b);
	if (rc)
		goto err_erase;
	return port;

err_erase:
	xa_erase(&f->ports, port);
err_free:
	kfree(b);
err_close:
	mica_port_close(port);
	return rc;
}

/* Drop port from the file's queue (it is being unbound). */
static void ring_purge(struct evtchn_file *f, u32 port)
{
	unsigned int i, n = 0;
	unsigned long flags;
	u32 p;

	spin_lock_irqsave(&f->lock, flags);
	for (i = 0; i < f->count; i++) {
		p = f->ring[(f->head + i) % EVTCHN_RING];
		if (p != port)
			f->ring[(f->head + n++) % EVTCHN_RING] = p;
	}
	f->count = n;
	spin_unlock_irqrestore(&f->lock, flags);
}

static void unbind_virq(struct evtchn_bind *b)
{
	struct evtchn_virq *vq = &evtchn_virqs[b->virq];
	unsigned long flags;

	mutex_lock(&evtchn_virq_lock);
	mica_port_lock(&flags);
	list_del(&b->virq_node);
	mica_port_unlock(flags);
	if (list_empty(&vq->binds)) {
		mica_port_close(vq->port);
		vq->port = 0;
	}
	mutex_unlock(&evtchn_virq_lock);
}

static void evtchn_unbind(struct evtchn_file *f, struct evtchn_bind *b)
{
	if (b->virq < 0)
		mica_port_close(b->port);
	else
		unbind_virq(b);
	xa_erase(&f->ports, b->port);
	ring_purge(f, b->port);
	kfree(b);
}

static long ioctl_bind_unbound(struct evtchn_file *f, void __user *uarg)
{
	struct mica_ioctl_evtchn_bind_unbound u;
	struct mica_evtchn_alloc_unbound a = { .dom = MICA_DOMID_SELF };
	long rc;

	if (copy_from_user(&u, uarg, sizeof(u)))
		return -EFAULT;
	if (u.remote_domain > U16_MAX)
		return -EINVAL;
	a.remote_dom = u.remote_domain;
	rc = mica_evtchn_op(MICA_EVTCHNOP_alloc_unbound, &a);
	if (rc < 0)
		return rc;
	return bind_own_port(f, a.port);
}

static long ioctl_bind_interdomain(struct evtchn_file *f, void __user *uarg)
{
	struct mica_ioctl_evtchn_bind_interdomain u;
	struct mica_evtchn_bind_interdomain a = { };
	long rc;

	if (copy_from_user(&u, uarg, sizeof(u)))
		return -EFAULT;
	if (u.remote_domain > U16_MAX)
		return -EINVAL;
	a.remote_dom = u.remote_domain;
	a.remote_port = u.remote_port;
	rc = mica_evtchn_op(MICA_EVTCHNOP_bind_interdomain, &a);
	if (rc < 0)
		return rc;
	return bind_own_port(f, a.local_port);
}

/* Bind the VIRQ in the hypervisor for the first file that wants it. */
static int virq_attach(struct evtchn_virq *vq, unsigned int virq,
		       struct evtchn_bind *b)
{
	struct mica_evtchn_bind_virq a = { .virq = virq, .vcpu = 0 };
	unsigned long flags;
	bool first = !vq->port;
	long rc;

	if (first) {
		rc = mica_evtchn_op(MICA_EVTCHNOP_bind_virq, &a);
		if (rc < 0)
			return rc;
		vq->port = a.port;
	}
	b->port = vq->port;
	mica_port_lock(&flags);
	list_add_tail(&b->virq_node, &vq->binds);
	mica_port_unlock(flags);
	if (!first)
		return 0;
	rc = mica_port_bind(vq->port, evtchn_virq_fired, vq);
	if (rc) {
		mica_port_lock(&flags);
		list_del(&b->virq_node);
		mica_port_unlock(flags);
		mica_port_close(vq->port);
		vq->port = 0;
	}
	return rc;
}

static bool virq_bound_by(struct evtchn_virq *vq, struct evtchn_file *f)
{
	struct evtchn_bind *b;

	list_for_each_entry(b, &vq->binds, virq_node)
		if (b->f == f)
			return true;
	return false;
}

static long ioctl_bind_virq(struct evtchn_file *f, void __user *uarg)
{
	struct mica_ioctl_evtchn_bind_virq u;
	struct evtchn_virq *vq;
	struct evtchn_bind *b;
	long rc;

	if (copy_from_user(&u, uarg, sizeof(u)))
		return -EFAULT;
	if (u.virq != MICA_VIRQ_CONSOLE && u.virq != MICA_VIRQ_DOM_EXC)
		return -EINVAL;
	vq = &evtchn_virqs[u.virq];
	b = bind_alloc(f, 0, u.virq);
	if (!b)
		return -ENOMEM;
	mutex_lock(&evtchn_virq_lock);
	rc = virq_bound_by(vq, f) ? -EEXIST : virq_attach(vq, u.virq, b);
	mutex_unlock(&evtchn_virq_lock);
	if (rc)
		goto err_free;
	rc = xa_insert(&f->ports, b->port, b, GFP_KERNEL);
	if (rc) {
		unbind_virq(b);
		goto err_free;
	}
	return b->port;

err_free:
	kfree(b);
	return rc;
}

static long ioctl_port(struct evtchn_file *f, void __user *uarg,
		       struct evtchn_bind **out)
{
	struct mica_ioctl_evtchn_port u;

	if (copy_from_user(&u, uarg, sizeof(u)))
		return -EFAULT;
	*out = xa_load(&f->ports, u.port);
	return *out ? 0 : -EINVAL;
}

static long ioctl_unbind(struct evtchn_file *f, void __user *uarg)
{
	struct evtchn_bind *b;
	long rc = ioctl_port(f, uarg, &b);

	if (rc)
		return rc;
	evtchn_unbind(f, b);
	return 0;
}

static long ioctl_notify(struct evtchn_file *f, void __user *uarg)
{
	struct mica_evtchn_port a;
	struct evtchn_bind *b;
	long rc = ioctl_port(f, uarg, &b);

	if (rc)
		return rc;
	a.port = b->port;
	return mica_evtchn_op(MICA_EVTCHNOP_send, &a);
}

static void evtchn_reset(struct evtchn_file *f)
{
	struct evtchn_bind *b;
	unsigned long i;

	xa_for_each(&f->ports, i, b)
		evtchn_unbind(f, b);
}

static long evtchn_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct evtchn_file *f = file->private_data;
	void __user *uarg = (void __user *)arg;
	long rc;

	mutex_lock(&f->bind_lock);
	switch (cmd) {
	case MICA_IOCTL_EVTCHN_BIND_VIRQ:
		rc = ioctl_bind_virq(f, uarg);
		break;
	case MICA_IOCTL_EVTCHN_BIND_INTERDOMAIN:
		rc = ioctl_bind_interdomain(f, uarg);
		break;
	case MICA_IOCTL_EVTCHN_BIND_UNBOUND:
		rc = ioctl_bind_unbound(f, uarg);
		break;
	case MICA_IOCTL_EVTCHN_UNBIND:
		rc = ioctl_unbind(f, uarg);
		break;
	case MICA_IOCTL_EVTCHN_NOTIFY:
		rc = ioctl_notify(f, uarg);
		break;
	case MICA_IOCTL_EVTCHN_RESET:
		evtchn_reset(f);
		rc = 0;
		break;
	default:
		rc = -ENOTTY;
		break;
	}
	mutex_unlock(&f->bind_lock);
	return rc;
}

/* Take up to n queued ports; 0 if none. */
static unsigned int ring_pop(struct evtchn_file *f, u32 *ports,
			     unsigned int n)
{
	unsigned int i;

	spin_lock_irq(&f->lock);
	n = min(n, f->count);
	for (i = 0; i < n; i++)
		ports[i] = f->ring[(f->head + i) % EVTCHN_RING];
	f->head = (f->head + n) % EVTCHN_RING;
	f->count -= n;
	spin_unlock_irq(&f->lock);
	return n;
}

/* Put back ports ring_pop() took, in front of what came since. */
static void ring_unpop(struct evtchn_file *f, const u32 *ports,
		       unsigned int n)
{
	unsigned int i;

	spin_lock_irq(&f->lock);
	f->head = (f->head + EVTCHN_RING - n) % EVTCHN_RING;
	for (i = 0; i < n; i++)
		f->ring[(f->head + i) % EVTCHN_RING] = ports[i];
	f->count += n;
	spin_unlock_irq(&f->lock);
}

/*
 * Copy up to n queued ports to buf. Under the bind lock, so the ports
 * taken are still bound and can be put back if buf is bad.
 */
static ssize_t read_ports(struct evtchn_file *f, char __user *buf,
			  unsigned int n)
{
	u32 ports[EVTCHN_IO_MAX];
	ssize_t rc;

	mutex_lock(&f->bind_lock);
	n = ring_pop(f, ports, min_t(unsigned int, n, EVTCHN_IO_MAX));
	rc = n * sizeof(u32);
	if (n && copy_to_user(buf, ports, n * sizeof(u32))) {
		ring_unpop(f, ports, n);
		rc = -EFAULT;
	}
	mutex_unlock(&f->bind_lock);
	return rc;
}

static ssize_t evtchn_read(struct file *file, char __user *buf, size_t len,
			   loff_t *ppos)
{
	struct evtchn_file *f = file->private_data;
	unsigned int n = min_t(size_t, len / sizeof(u32), EVTCHN_IO_MAX);
	ssize_t rc;

	if (!n)
		return -EINVAL;
	for (;;) {
		rc = read_ports(f, buf, n);
		if (rc)
			return rc;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		rc = wait_event_interruptible(f->wq, READ_ONCE(f->count));
		if (rc)
			return rc;
	}
}

/* The port may fire again for this file. */
static void evtchn_unmask(struct evtchn_file *f, struct evtchn_bind *b)
{
	spin_lock_irq(&f->lock);
	b->masked = false;
	if (b->pending) {
		b->pending = false;
		b->masked = true;
		ring_push(f, b->port);
		wake_up_interruptible(&f->wq);
	}
	spin_unlock_irq(&f->lock);
}

static ssize_t evtchn_write(struct file *file, const char __user *buf,
			    size_t len, loff_t *ppos)
{
	struct evtchn_file *f = file->private_data;
	struct evtchn_bind *b[EVTCHN_IO_MAX];
	u32 ports[EVTCHN_IO_MAX];
	unsigned int i, n;
	ssize_t rc;

	if (len % sizeof(u32))
		return -EINVAL;
	n = min_t(size_t, len / sizeof(u32), EVTCHN_IO_MAX);
	if (copy_from_user(ports, buf, n * sizeof(u32)))
		return -EFAULT;
	mutex_lock(&f->bind_lock);
	rc = n * sizeof(u32);
	for (i = 0; i < n && rc > 0; i++) {
		b[i] = xa_load(&f->ports, ports[i]);
		if (!b[i])
			rc = -EINVAL;
	}
	for (i = 0; i < n && rc > 0; i++)
		evtchn_unmask(f, b[i]);
	mutex_unlock(&f->bind_lock);
	return rc;
}

static __poll_t evtchn_poll(struct file *file, poll_table *wait)
{
	struct evtchn_file *f = file->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &f->wq, wait);
	if (READ_ONCE(f->count))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static int evtchn_open(struct inode *inode, struct file *file)
{
	struct evtchn_file *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	mutex_init(&f->bind_lock);
	xa_init(&f->ports);
	spin_lock_init(&f->lock);
	init_waitqueue_head(&f->wq);
	file->private_data = f;
	return stream_open(inode, file);
}

static int evtchn_release(struct inode *inode, struct file *file)
{
	struct evtchn_file *f = file->private_data;

	evtchn_reset(f);
	xa_destroy(&f->ports);
	kfree(f);
	return 0;
}

const struct file_operations mica_evtchn_fops = {
	.owner = THIS_MODULE,
	.open = evtchn_open,
	.release = evtchn_release,
	.read = evtchn_read,
	.write = evtchn_write,
	.poll = evtchn_poll,
	.unlocked_ioctl = evtchn_ioctl,
	.llseek = no_llseek,
};
