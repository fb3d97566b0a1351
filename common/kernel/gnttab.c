// SPDX-License-Identifier: GPL-2.0-only
/*
 * This domain's own grant table (docs/abi.md section 15,
 * docs/dom0-driver.md): MICA_GNTTAB_MAX_FRAMES pages registered at probe,
 * an allocator of their references, granting and revoking. Shared by
 * dom0's mica.ko (/dev/mica/gntalloc grants through it) and a domU's
 * mica_bus.ko (the frontends grant through it): common/kernel/.
 *
 * Revoking clears an entry's flags with a compare-and-swap that fails
 * while the hypervisor marks the grant in use (MICA_GTF_reading or
 * MICA_GTF_writing: some domain maps it). Such a grant and its page are
 * put on a deferred list instead of being freed under the mapper: a
 * delayed work tries again every second and frees each once it can, as
 * Linux's grant-table.c does. At unload a grant still in use keeps its
 * page, its reference and the table for good.
 */
#include <linux/bitmap.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "mica_core.h"

#define GNT_NR_REFS	(MICA_GNTTAB_MAX_FRAMES * MICA_GNTTAB_ENTRIES_PER_FRAME)
#define GNT_IN_USE	(MICA_GTF_reading | MICA_GTF_writing)
#define GNT_RETRY	HZ	/* between two tries of the deferred list */

static struct page *table_pages[MICA_GNTTAB_MAX_FRAMES];
static struct mica_grant_entry *table[MICA_GNTTAB_MAX_FRAMES];

/*
 * refs_lock is taken with interrupts off: a frontend allocates references
 * in its queue_rq and frees them in its event-channel handler (hard IRQ).
 */
static DECLARE_BITMAP(refs_used, GNT_NR_REFS);
static unsigned int nr_refs_used;
static DEFINE_SPINLOCK(refs_lock);

struct gnt_deferred {
	struct list_head node;
	u32 ref;
	struct page *page;
};

static LIST_HEAD(deferred);
static unsigned int nr_deferred;
static DEFINE_MUTEX(deferred_lock);

static void deferred_retry(struct work_struct *work);
static DECLARE_DELAYED_WORK(deferred_work, deferred_retry);

static struct mica_grant_entry *entry(u32 ref)
{
	return &table[ref / MICA_GNTTAB_ENTRIES_PER_FRAME]
		     [ref % MICA_GNTTAB_ENTRIES_PER_FRAME];
}

static long setup_table(u64 *gfns, unsigned int nr)
{
	return mica_gnttab_op(MICA_GNTTABOP_setup_table, gfns, nr);
}

int mica_gnttab_init(void)
{
	u64 gfns[MICA_GNTTAB_MAX_FRAMES];
	unsigned int i;
	long rc;

	for (i = 0; i < MICA_GNTTAB_MAX_FRAMES; i++) {
		table_pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!table_pages[i]) {
			rc = -ENOMEM;
			goto err_free;
		}
		table[i] = page_address(table_pages[i]);
		gfns[i] = page_to_pfn(table_pages[i]);
	}
	rc = setup_table(gfns, MICA_GNTTAB_MAX_FRAMES);
	if (rc) {
		pr_err("mica: grant table setup_table failed: %ld\n", rc);
		goto err_free;
	}
	bitmap_zero(refs_used, GNT_NR_REFS);
	nr_refs_used = 0;
	return 0;

err_free:
	while (i--) {
		__free_page(table_pages[i]);
		table_pages[i] = NULL;
	}
	return rc;
}

/* Revoke ref: false while the hypervisor marks it in use. */
static bool end_access(u32 ref)
{
	u16 *flags = &entry(ref)->flags;
	u16 old = READ_ONCE(*flags), seen;

	for (;;) {
		if (old & GNT_IN_USE)
			return false;
		seen = cmpxchg(flags, old, 0);
		if (seen == old)
			return true;
		old = seen;
	}
}

static void free_ref(u32 ref)
{
	unsigned long flags;

	spin_lock_irqsave(&refs_lock, flags);
	if (__test_and_clear_bit(ref, refs_used))
		nr_refs_used--;
	spin_unlock_irqrestore(&refs_lock, flags);
}

/* Try every deferred grant once; free those that could be revoked. */
static void deferred_try(void)
{
	struct gnt_deferred *d, *next;

	mutex_lock(&deferred_lock);
	list_for_each_entry_safe(d, next, &deferred, node) {
		if (!end_access(d->ref))
			continue;
		free_ref(d->ref);
		put_page(d->page);
		list_del(&d->node);
		kfree(d);
		nr_deferred--;
	}
	if (nr_deferred)
		schedule_delayed_work(&deferred_work, GNT_RETRY);
	mutex_unlock(&deferred_lock);
}

static void deferred_retry(struct work_struct *work)
{
	deferred_try();
}

/*
 * At remove no file is open: every grant left is deferred, still mapped
 * by another domain. Those keep their pages and the table (the hypervisor
 * refuses to drop a table while one of its grants is mapped).
 */
void mica_gnttab_exit(void)
{
	unsigned int i;
	long rc;

	cancel_delayed_work_sync(&deferred_work);
	deferred_try();
	cancel_delayed_work_sync(&deferred_work);
	if (nr_deferred) {
		pr_warn("mica: %u grants still mapped by other domains: their pages and the grant table are kept\n",
			nr_deferred);
		return;
	}
	rc = setup_table(NULL, 0);
	if (rc) {
		pr_err("mica: dropping the grant table failed: %ld; its pages are kept\n",
		       rc);
		return;
	}
	for (i = 0; i < MICA_GNTTAB_MAX_FRAMES; i++) {
		__free_page(table_pages[i]);
		table_pages[i] = NULL;
		table[i] = NULL;
	}
}

/* n free references in refs[], all or none: 0 or -ENOSPC. */
int mica_gnttab_alloc_refs(u32 *refs, unsigned int n)
{
	unsigned int i, ref = 0;
	unsigned long flags;

	spin_lock_irqsave(&refs_lock, flags);
	if (nr_refs_used + n > GNT_NR_REFS) {
		spin_unlock_irqrestore(&refs_lock, flags);
		return -ENOSPC;
	}
	for (i = 0; i < n; i++) {
		ref = find_next_zero_bit(refs_used, GNT_NR_REFS, ref);
		__set_bit(ref, refs_used);
		refs[i] = ref;
	}
	nr_refs_used += n;
	spin_unlock_irqrestore(&refs_lock, flags);
	return 0;
}

/* Give back references that were never granted. */
void mica_gnttab_free_refs(const u32 *refs, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		free_ref(refs[i]);
}

/* Let domid use frame gfn through ref: domid and frame first, then the flags. */
void mica_gnttab_grant_ref(u32 ref, u16 domid, unsigned long gfn,
			   bool readonly)
{
	struct mica_grant_entry *e = entry(ref);

	e->domid = domid;
	e->frame = gfn;
	wmb();	/* the hypervisor reads flags first */
	WRITE_ONCE(e->flags, MICA_GTF_permit_access |
			     (readonly ? MICA_GTF_readonly : 0));
}

/* Revoke ref and free it: false (and nothing done) while it is in use. */
bool mica_gnttab_end_ref(u32 ref)
{
	if (!end_access(ref))
		return false;
	free_ref(ref);
	return true;
}

/*
 * Revoke ref and drop this driver's reference to its page. A grant still
 * in use keeps both until a retry revokes it.
 */
void mica_gnttab_end_page(u32 ref, struct page *page)
{
	struct gnt_deferred *d;

	if (end_access(ref)) {
		free_ref(ref);
		put_page(page);
		return;
	}
	/* A few bytes, and the page must not be lost: wait for them. */
	d = kmalloc(sizeof(*d), GFP_KERNEL | __GFP_NOFAIL);
	d->ref = ref;
	d->page = page;
	mutex_lock(&deferred_lock);
	list_add_tail(&d->node, &deferred);
	if (!nr_deferred++)
		schedule_delayed_work(&deferred_work, GNT_RETRY);
	mutex_unlock(&deferred_lock);
}

unsigned int mica_gnttab_deferred(void)
{
	return READ_ONCE(nr_deferred);
}

