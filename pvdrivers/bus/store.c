// SPDX-License-Identifier: GPL-2.0-only
/*
 * The store client (public/io/store.h, docs/pv-install.md): messages to
 * the store over the domain's ring page, notified on its port. Requests
 * are written whole under one lock and may be outstanding together; a
 * reader thread takes every message off the response ring, hands replies
 * to their waiters by req_id and queues watch events, which a second
 * thread passes to the watches' callbacks (which may use the store).
 */
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uio.h>
#include <linux/wait.h>

#include <public/io/store.h>

#include "mica_bus.h"

#define STORE_REPLY_TIMEOUT	(30 * HZ)	/* a store that never answers */
#define STORE_TOKEN_MAX		32

struct store_req {
	struct list_head node;
	u32 req_id;
	struct completion done;
	u32 type;			/* of the reply */
	char *body;			/* the reply, NUL-terminated */
	u32 len;
};

struct store_event {
	struct list_head node;
	char *body;			/* "path\0token\0" */
	const char *token;
};

static struct {
	struct mica_store_ring *ring;
	u32 port;
	bool ready;
	bool broken;			/* the ring made no sense: stop */
	wait_queue_head_t wq;		/* ring activity */
	struct mutex write_lock;	/* one message at a time on req */
	spinlock_t reqs_lock;		/* reqs and next_id */
	struct list_head reqs;		/* waiting for their replies */
	u32 next_id;
	struct task_struct *reader;
	spinlock_t events_lock;		/* events */
	struct list_head events;	/* watch events not yet dispatched */
	wait_queue_head_t events_wq;
	struct task_struct *watcher;
	struct mutex watches_lock;	/* watches */
	struct list_head watches;	/* struct mica_store_watch.list */
	struct mutex callback_lock;	/* held while a callback runs */
} st = {
	.wq = __WAIT_QUEUE_HEAD_INITIALIZER(st.wq),
	.write_lock = __MUTEX_INITIALIZER(st.write_lock),
	.reqs_lock = __SPIN_LOCK_UNLOCKED(st.reqs_lock),
	.reqs = LIST_HEAD_INIT(st.reqs),
	.events_lock = __SPIN_LOCK_UNLOCKED(st.events_lock),
	.events = LIST_HEAD_INIT(st.events),
	.events_wq = __WAIT_QUEUE_HEAD_INITIALIZER(st.events_wq),
	.watches_lock = __MUTEX_INITIALIZER(st.watches_lock),
	.watches = LIST_HEAD_INIT(st.watches),
	.callback_lock = __MUTEX_INITIALIZER(st.callback_lock),
};

bool mica_store_ready(void)
{
	return READ_ONCE(st.ready) && !READ_ONCE(st.broken);
}

/* ---- the ring ---- */

static void store_broken(const char *why, u32 a, u32 b)
{
	if (!xchg(&st.broken, true))
		pr_err("mica_bus: store ring: %s (%u, %u): store client stopped\n",
		       why, a, b);
	wake_up_all(&st.wq);
}

static void store_notify(void)
{
	mica_evtchn_notify(st.port);
}

static bool req_space(void)
{
	u32 used = READ_ONCE(st.ring->req_prod) - READ_ONCE(st.ring->req_cons);

	return used < MICA_STORE_RING_SIZE || READ_ONCE(st.broken);
}

static int write_bytes(const void *buf, size_t len)
{
	struct mica_store_ring *r = st.ring;
	u32 prod, cons, n, off;

	while (len) {
		wait_event(st.wq, req_space());
		if (READ_ONCE(st.broken))
			return -EIO;
		cons = READ_ONCE(r->req_cons);
		prod = r->req_prod;
		if (prod - cons > MICA_STORE_RING_SIZE) {
			store_broken("request consumer out of range", prod, cons);
			return -EIO;
		}
		virt_mb();	/* read the consumer before overwriting the bytes */
		off = MICA_STORE_RING_IDX(prod);
		n = min_t(u32, len, MICA_STORE_RING_SIZE - (prod - cons));
		n = min_t(u32, n, MICA_STORE_RING_SIZE - off);
		memcpy(r->req + off, buf, n);
		virt_wmb();	/* the bytes before the index */
		WRITE_ONCE(r->req_prod, prod + n);
		store_notify();
		buf += n;
		len -= n;
	}
	return 0;
}

static bool rsp_ready(void)
{
	return READ_ONCE(st.ring->rsp_prod) != READ_ONCE(st.ring->rsp_cons) ||
	       READ_ONCE(st.broken) || kthread_should_stop();
}

/* Fill buf from the response ring: 0, or -EIO/-EINTR to stop. */
static int read_bytes(void *buf, size_t len)
{
	struct mica_store_ring *r = st.ring;
	u32 prod, cons, n, off;

	while (len) {
		wait_event_interruptible(st.wq, rsp_ready());
		if (kthread_should_stop())
			return -EINTR;
		if (READ_ONCE(st.broken))
			return -EIO;
		prod = READ_ONCE(r->rsp_prod);
		cons = r->rsp_cons;
		if (prod == cons)
			continue;
		if (prod - cons > MICA_STORE_RING_SIZE) {
			store_broken("response producer out of range", prod, cons);
			return -EIO;
		}
		virt_rmb();	/* the index before the bytes */
		off = MICA_STORE_RING_IDX(cons);
		n = min_t(u32, len, prod - cons);
		n = min_t(u32, n, MICA_STORE_RING_SIZE - off);
		memcpy(buf, r->rsp + off, n);
		virt_mb();	/* done with the bytes before freeing them */
		WRITE_ONCE(r->rsp_cons, cons + n);
		store_notify();
		buf += n;
		len -= n;
	}
	return 0;
}

/* ---- replies and events ---- */

static void deliver_reply(struct mica_store_msg *h, char *body)
{
	struct store_req *req;

	spin_lock(&st.reqs_lock);
	list_for_each_entry(req, &st.reqs, node) {
		if (req->req_id != h->req_id)
			continue;
		list_del_init(&req->node);
		req->type = h->type;
		req->body = body;
		req->len = h->len;
		complete(&req->done);
		spin_unlock(&st.reqs_lock);
		return;
	}
	spin_unlock(&st.reqs_lock);
	pr_warn_ratelimited("mica_bus: store reply to no request (id %u type %u)\n",
			    h->req_id, h->type);
	kfree(body);
}

static void queue_event(char *body, u32 len)
{
	struct store_event *ev;
	size_t plen = strnlen(body, len);

	if (plen + 1 >= len) {
		pr_warn_ratelimited("mica_bus: store watch event without a token\n");
		kfree(body);
		return;
	}
	ev = kmalloc(sizeof(*ev), GFP_KERNEL);
	if (!ev) {
		kfree(body);
		return;
	}
	ev->body = body;
	ev->token = body + plen + 1;
	spin_lock(&st.events_lock);
	list_add_tail(&ev->node, &st.events);
	spin_unlock(&st.events_lock);
	wake_up(&st.events_wq);
}

static int read_message(void)
{
	struct mica_store_msg h;
	char *body;
	int rc;

	rc = read_bytes(&h, sizeof(h));
	if (rc)
		return rc;
	if (h.len > MICA_STORE_PAYLOAD_MAX) {
		store_broken("message longer than the payload limit", h.len,
			     h.type);
		return -EIO;
	}
	body = kmalloc(h.len + 1, GFP_KERNEL | __GFP_NOFAIL);
	rc = read_bytes(body, h.len);
	if (rc) {
		kfree(body);
		return rc;
	}
	body[h.len] = '\0';
	if (h.type == MICA_STORE_WATCH_EVENT)
		queue_event(body, h.len);
	else
		deliver_reply(&h, body);
	return 0;
}

static int store_reader(void *unused)
{
	while (!kthread_should_stop()) {
		if (read_message() == -EIO)
			break;
	}
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

static struct mica_store_watch *find_watch(const char *token)
{
	struct mica_store_watch *w;
	char t[STORE_TOKEN_MAX];

	list_for_each_entry(w, &st.watches, list) {
		snprintf(t, sizeof(t), "%p", w);
		if (!strcmp(t, token))
			return w;
	}
	return NULL;
}

static void dispatch_event(struct store_event *ev)
{
	struct mica_store_watch *w;

	mutex_lock(&st.callback_lock);
	mutex_lock(&st.watches_lock);
	w = find_watch(ev->token);
	mutex_unlock(&st.watches_lock);
	/* Unregistering takes callback_lock: w cannot go away here. */
	if (w)
		w->callback(w, ev->body, ev->token);
	mutex_unlock(&st.callback_lock);
	kfree(ev->body);
	kfree(ev);
}

static struct store_event *next_event(void)
{
	struct store_event *ev = NULL;

	spin_lock(&st.events_lock);
	if (!list_empty(&st.events)) {
		ev = list_first_entry(&st.events, struct store_event, node);
		list_del(&ev->node);
	}
	spin_unlock(&st.events_lock);
	return ev;
}

static bool events_waiting(void)
{
	bool waiting;

	spin_lock(&st.events_lock);
	waiting = !list_empty(&st.events);
	spin_unlock(&st.events_lock);
	return waiting || kthread_should_stop();
}

static int store_watcher(void *unused)
{
	struct store_event *ev;

	while (!kthread_should_stop()) {
		wait_event_interruptible(st.events_wq, events_waiting());
		while ((ev = next_event()))
			dispatch_event(ev);
	}
	return 0;
}

/* ---- requests ---- */

static int error_errno(const char *name)
{
#define STORE_ERR(e) { #e, e },
	static const struct {
		const char *name;
		int err;
	} errs[] = { MICA_STORE_ERRORS(STORE_ERR) };
#undef STORE_ERR
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(errs); i++)
		if (!strcmp(name, errs[i].name))
			return -errs[i].err;
	pr_warn_ratelimited("mica_bus: store error %.16s unknown: EIO\n", name);
	return -EIO;
}

static int send_request(struct mica_store_msg *h, const struct kvec *vec,
			unsigned int nvec)
{
	unsigned int i;
	int rc;

	mutex_lock(&st.write_lock);
	rc = write_bytes(h, sizeof(*h));
	for (i = 0; !rc && i < nvec; i++)
		rc = write_bytes(vec[i].iov_base, vec[i].iov_len);
	mutex_unlock(&st.write_lock);
	return rc;
}

static void forget_request(struct store_req *req)
{
	spin_lock(&st.reqs_lock);
	list_del_init(&req->node);
	spin_unlock(&st.reqs_lock);
}

/*
 * One request and its reply: the reply's payload (kmalloc'd and
 * NUL-terminated, its length in *len), or ERR_PTR(-errno).
 */
static void *store_talk(u32 tx, u32 type, const struct kvec *vec,
			unsigned int nvec, unsigned int *len)
{
	struct mica_store_msg h = { .type = type, .tx_id = tx };
	struct store_req req = { };
	unsigned int i;
	int rc;

	if (!mica_store_ready())
		return ERR_PTR(-ENODEV);
	for (i = 0; i < nvec; i++)
		h.len += vec[i].iov_len;
	if (h.len > MICA_STORE_PAYLOAD_MAX)
		return ERR_PTR(-E2BIG);
	init_completion(&req.done);
	spin_lock(&st.reqs_lock);
	req.req_id = ++st.next_id;
	h.req_id = req.req_id;
	list_add_tail(&req.node, &st.reqs);
	spin_unlock(&st.reqs_lock);
	rc = send_request(&h, vec, nvec);
	if (!rc && !wait_for_completion_timeout(&req.done, STORE_REPLY_TIMEOUT))
		rc = -ETIMEDOUT;
	if (rc) {
		forget_request(&req);
		/* A reply may have been delivered just before. */
		if (completion_done(&req.done))
			kfree(req.body);
		return ERR_PTR(rc);
	}
	if (req.type == MICA_STORE_ERROR) {
		rc = error_errno(req.body);
		kfree(req.body);
		return ERR_PTR(rc);
	}
	if (req.type != type) {
		kfree(req.body);
		return ERR_PTR(-EIO);
	}
	if (len)
		*len = req.len;
	return req.body;
}

/* A request whose reply only says it worked. */
static int store_do(u32 tx, u32 type, const struct kvec *vec,
		    unsigned int nvec)
{
	void *reply = store_talk(tx, type, vec, nvec, NULL);

	if (IS_ERR(reply))
		return PTR_ERR(reply);
	kfree(reply);
	return 0;
}

/* dir/node (or dir alone when node is empty): kmalloc'd, or NULL. */
static char *join(const char *dir, const char *node)
{
	if (!node || !*node)
		return kstrdup(dir, GFP_KERNEL);
	return kasprintf(GFP_KERNEL, "%s/%s", dir, node);
}

/* A request on dir/node alone (its NUL included). */
static void *path_talk(struct mica_store_tx t, u32 type, const char *dir,
		       const char *node, unsigned int *len)
{
	struct kvec vec;
	char *path = join(dir, node);
	void *reply;

	if (!path)
		return ERR_PTR(-ENOMEM);
	vec.iov_base = path;
	vec.iov_len = strlen(path) + 1;
	reply = store_talk(t.id, type, &vec, 1, len);
	kfree(path);
	return reply;
}

char *mica_store_read(struct mica_store_tx t, const char *dir, const char *node,
		      unsigned int *len)
{
	return path_talk(t, MICA_STORE_READ, dir, node, len);
}
EXPORT_SYMBOL_GPL(mica_store_read);

int mica_store_write(struct mica_store_tx t, const char *dir, const char *node,
		     const char *val)
{
	struct kvec vec[2];
	char *path = join(dir, node);
	int rc;

	if (!path)
		return -ENOMEM;
	vec[0].iov_base = path;
	vec[0].iov_len = strlen(path) + 1;
	vec[1].iov_base = (void *)val;
	vec[1].iov_len = strlen(val);
	rc = store_do(t.id, MICA_STORE_WRITE, vec, 2);
	kfree(path);
	return rc;
}
EXPORT_SYMBOL_GPL(mica_store_write);

int mica_store_printf(struct mica_store_tx t, const char *dir, const char *node,
		      const char *fmt, ...)
{
	va_list ap;
	char *val;
	int rc;

	va_start(ap, fmt);
	val = kvasprintf(GFP_KERNEL, fmt, ap);
	va_end(ap);
	if (!val)
		return -ENOMEM;
	rc = mica_store_write(t, dir, node, val);
	kfree(val);
	return rc;
}
EXPORT_SYMBOL_GPL(mica_store_printf);

/* As Linux's xenbus_scanf: -ERANGE when nothing matched. */
int mica_store_scanf(struct mica_store_tx t, const char *dir, const char *node,
		     const char *fmt, ...)
{
	va_list ap;
	char *val;
	int rc;

	val = mica_store_read(t, dir, node, NULL);
	if (IS_ERR(val))
		return PTR_ERR(val);
	va_start(ap, fmt);
	rc = vsscanf(val, fmt, ap);
	va_end(ap);
	kfree(val);
	return rc > 0 ? rc : -ERANGE;
}
EXPORT_SYMBOL_GPL(mica_store_scanf);

int mica_store_rm(struct mica_store_tx t, const char *dir, const char *node)
{
	void *reply = path_talk(t, MICA_STORE_RM, dir, node, NULL);

	if (IS_ERR(reply))
		return PTR_ERR(reply);
	kfree(reply);
	return 0;
}
EXPORT_SYMBOL_GPL(mica_store_rm);

/* "a\0b\0" -> one block: the array of pointers, then the strings. */
static char **split_names(const char *body, unsigned int len, unsigned int *n)
{
	unsigned int i, count = 0;
	const char *p;
	char **names, *s;

	for (i = 0; i < len; i++)
		count += body[i] == '\0';
	if (len && body[len - 1] != '\0')
		count++;	/* the last name unterminated: body[len] is NUL */
	names = kmalloc(count * sizeof(*names) + len + 1, GFP_KERNEL);
	if (!names)
		return ERR_PTR(-ENOMEM);
	s = (char *)(names + count);
	memcpy(s, body, len);
	s[len] = '\0';
	for (i = 0, p = s; i < count; i++, p += strlen(p) + 1)
		names[i] = (char *)p;
	*n = count;
	return names;
}

char **mica_store_directory(struct mica_store_tx t, const char *dir, const char *node,
			    unsigned int *n)
{
	unsigned int len;
	char *body, **names;

	body = path_talk(t, MICA_STORE_DIRECTORY, dir, node, &len);
	if (IS_ERR(body))
		return (char **)body;
	names = split_names(body, len, n);
	kfree(body);
	return names;
}
EXPORT_SYMBOL_GPL(mica_store_directory);

int mica_store_tx_start(struct mica_store_tx *t)
{
	struct kvec vec = { .iov_base = "", .iov_len = 1 };
	char *reply;
	int rc;

	reply = store_talk(0, MICA_STORE_TRANSACTION_START, &vec, 1, NULL);
	if (IS_ERR(reply))
		return PTR_ERR(reply);
	rc = kstrtou32(reply, 10, &t->id);
	kfree(reply);
	if (!rc && !t->id)
		rc = -EIO;
	return rc;
}
EXPORT_SYMBOL_GPL(mica_store_tx_start);

int mica_store_tx_end(struct mica_store_tx t, bool abort)
{
	struct kvec vec = { .iov_base = abort ? "F" : "T", .iov_len = 2 };

	return store_do(t.id, MICA_STORE_TRANSACTION_END, &vec, 1);
}
EXPORT_SYMBOL_GPL(mica_store_tx_end);

int mica_store_tx_run(mica_store_tx_fn_t fn, void *arg)
{
	struct mica_store_tx t;
	unsigned int try;
	int rc = -EAGAIN;

	for (try = 0; try < MICA_STORE_TX_TRIES && rc == -EAGAIN; try++) {
		rc = mica_store_tx_start(&t);
		if (rc)
			return rc;
		rc = fn(t, arg);
		if (rc) {
			mica_store_tx_end(t, true);
			return rc;
		}
		rc = mica_store_tx_end(t, false);
	}
	return rc;
}
EXPORT_SYMBOL_GPL(mica_store_tx_run);

static int watch_request(u32 type, struct mica_store_watch *w)
{
	char token[STORE_TOKEN_MAX];
	struct kvec vec[2];

	snprintf(token, sizeof(token), "%p", w);
	vec[0].iov_base = (void *)w->path;
	vec[0].iov_len = strlen(w->path) + 1;
	vec[1].iov_base = token;
	vec[1].iov_len = strlen(token) + 1;
	return store_do(0, type, vec, 2);
}

int mica_store_watch_register(struct mica_store_watch *w)
{
	int rc;

	if (!mica_store_ready())
		return -ENODEV;
	mutex_lock(&st.watches_lock);
	list_add_tail(&w->list, &st.watches);
	mutex_unlock(&st.watches_lock);
	rc = watch_request(MICA_STORE_WATCH, w);
	if (rc) {
		mutex_lock(&st.watches_lock);
		list_del(&w->list);
		mutex_unlock(&st.watches_lock);
	}
	return rc;
}
EXPORT_SYMBOL_GPL(mica_store_watch_register);

/* Drop the events still queued for token. */
static void purge_events(const char *token)
{
	struct store_event *ev, *next;
	LIST_HEAD(gone);

	spin_lock(&st.events_lock);
	list_for_each_entry_safe(ev, next, &st.events, node)
		if (!strcmp(ev->token, token))
			list_move(&ev->node, &gone);
	spin_unlock(&st.events_lock);
	list_for_each_entry_safe(ev, next, &gone, node) {
		kfree(ev->body);
		kfree(ev);
	}
}

/*
 * Once this returns no callback of w runs or will run. From a callback
 * (the watch thread) the lock is the caller's already.
 */
void mica_store_watch_unregister(struct mica_store_watch *w)
{
	char token[STORE_TOKEN_MAX];
	int rc;

	rc = watch_request(MICA_STORE_UNWATCH, w);
	if (rc && rc != -ENODEV && rc != -ENOENT)
		pr_warn("mica_bus: unwatch of %s: %d\n", w->path, rc);
	mutex_lock(&st.watches_lock);
	list_del(&w->list);
	mutex_unlock(&st.watches_lock);
	if (current != st.watcher)
		mutex_lock(&st.callback_lock);
	snprintf(token, sizeof(token), "%p", w);
	purge_events(token);
	if (current != st.watcher)
		mutex_unlock(&st.callback_lock);
}
EXPORT_SYMBOL_GPL(mica_store_watch_unregister);

/* ---- setup ---- */

static void store_port_fired(u32 port, void *data)
{
	wake_up(&st.wq);
}

int mica_store_init(unsigned long gfn, u32 port)
{
	int rc;

	st.ring = memremap(PFN_PHYS(gfn), PAGE_SIZE, MEMREMAP_WB);
	if (!st.ring)
		return -ENOMEM;
	st.port = port;
	st.broken = false;
	rc = mica_port_bind(port, store_port_fired, NULL);
	if (rc)
		goto err_unmap;
	st.reader = kthread_run(store_reader, NULL, "mica-store");
	if (IS_ERR(st.reader)) {
		rc = PTR_ERR(st.reader);
		goto err_unbind;
	}
	st.watcher = kthread_run(store_watcher, NULL, "mica-watch");
	if (IS_ERR(st.watcher)) {
		rc = PTR_ERR(st.watcher);
		goto err_reader;
	}
	WRITE_ONCE(st.ready, true);
	return 0;

err_reader:
	kthread_stop(st.reader);
err_unbind:
	mica_port_unbind(port);
err_unmap:
	memunmap(st.ring);
	return rc;
}

/* No watch is left registered: the bus and control removed theirs. */
void mica_store_exit(void)
{
	struct store_event *ev;

	WRITE_ONCE(st.ready, false);
	kthread_stop(st.watcher);
	kthread_stop(st.reader);
	mica_port_unbind(st.port);
	while ((ev = next_event())) {
		kfree(ev->body);
		kfree(ev);
	}
	memunmap(st.ring);
}
