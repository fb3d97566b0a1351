// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/mica/privcmd mmap() and MMAPBATCH: another domain's frames in a
 * process (uapi/mica/privcmd.h, docs/dom0-driver.md).
 *
 * Each page of a mapping is backed by a page this driver allocates. Its
 * gfn is handed to the hypervisor with MICA_MEMOP_map_foreign, which
 * scrubs and frees the dom0 frame there and puts the foreign frame in its
 * place (docs/abi.md section 13), and the page is inserted into the VMA.
 * When the VMA goes (munmap, or the process exits: the VMA holds the file)
 * each such gfn is unmapped, a fresh frame is populated there again and
 * only then is the page freed. A gfn that cannot be given back its frame
 * keeps its page, so the kernel never meets a hole.
 *
 * The VMA is VM_IO (no get_user_pages(), so nothing in the kernel writes a
 * read-only foreign frame through it), cannot be split, grown or copied on
 * fork, and a mapping made without PROT_WRITE can never gain it. mremap()
 * may move it whole: the new VMA shares the pages (open() counts it) and
 * the last VMA to close gives them back.
 */
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <uapi/mica/privcmd.h>

#include "mica.h"

#define MMAPBATCH_MAX	BIT(20)	/* frames per batch and per mapping */

struct privcmd_map {
	refcount_t users;		/* VMAs: two while mremap() moves one */
	struct mutex lock;		/* one batch at a time */
	unsigned long npages;
	struct page *pages[];		/* NULL: nothing mapped there */
};

static long memop(unsigned int sub, void *arg)
{
	return mica_hypercall2(MICA_HC_memory_op, sub, (u64)arg);
}

/* Populate page's gfn again (a hole now), then free the page. */
void mica_repopulate_page(struct page *page)
{
	struct mica_memop_reservation r = {
		.first_gfn = page_to_pfn(page), .nr = 1, .domid = MICA_DOMID_SELF,
	};
	long rc = memop(MICA_MEMOP_populate_physmap, &r);

	if (rc != 1) {
		pr_err("mica: populate_physmap of gfn %#llx failed: %ld; page kept\n",
		       r.first_gfn, rc);
		return;
	}
	__free_page(page);
}

/*
 * Give n pages with consecutive gfns, each holding a foreign frame, their
 * own frames back, then free them: one unmap and one populate for the
 * run, one page at a time if that fails.
 */
static void release_run(struct page **pages, unsigned int n)
{
	u64 gfn = page_to_pfn(pages[0]);
	struct mica_memop_foreign f = { .dst_gfn = gfn, .nr = n };
	struct mica_memop_reservation r = {
		.first_gfn = gfn, .nr = n, .domid = MICA_DOMID_SELF,
	};
	unsigned int i;
	long rc;

	rc = memop(MICA_MEMOP_unmap_foreign, &f);
	if (rc != n) {
		if (n == 1) {
			pr_err("mica: unmap_foreign of gfn %#llx failed: %ld; page kept\n",
			       gfn, rc);
			return;
		}
		for (i = 0; i < n; i++)
			release_run(&pages[i], 1);
		return;
	}
	rc = memop(MICA_MEMOP_populate_physmap, &r);
	for (i = 0; i < n; i++) {
		if (rc == n)
			__free_page(pages[i]);
		else
			mica_repopulate_page(pages[i]);
	}
}

/* How many of pages[i..] have consecutive gfns, at most one call's worth. */
static unsigned int contiguous_pages(struct page **pages, unsigned long i,
				     unsigned long npages)
{
	unsigned long pfn = page_to_pfn(pages[i]);
	unsigned int n = 1;

	while (i + n < npages && n < MICA_FOREIGN_MAX && pages[i + n] &&
	       page_to_pfn(pages[i + n]) == pfn + n)
		n++;
	return n;
}

static void privcmd_vma_open(struct vm_area_struct *vma)
{
	struct privcmd_map *map = vma->vm_private_data;

	refcount_inc(&map->users);
}

static void privcmd_vma_close(struct vm_area_struct *vma)
{
	struct privcmd_map *map = vma->vm_private_data;
	unsigned long i;
	unsigned int n;

	if (!refcount_dec_and_test(&map->users))
		return;
	for (i = 0; i < map->npages; i += n) {
		n = 1;
		if (map->pages[i]) {
			n = contiguous_pages(map->pages, i, map->npages);
			release_run(&map->pages[i], n);
		}
		cond_resched();
	}
	kvfree(map);
}

static vm_fault_t privcmd_vma_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static int privcmd_vma_may_split(struct vm_area_struct *vma,
				 unsigned long addr)
{
	return -EINVAL;
}

static const struct vm_operations_struct privcmd_vm_ops = {
	.open = privcmd_vma_open,
	.close = privcmd_vma_close,
	.fault = privcmd_vma_fault,
	.may_split = privcmd_vma_may_split,
};

int mica_privcmd_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long npages = vma_pages(vma);
	struct privcmd_map *map;

	if (!(vma->vm_flags & VM_SHARED) || vma->vm_pgoff)
		return -EINVAL;
	if (npages > MMAPBATCH_MAX)
		return -EINVAL;
	map = kvzalloc(struct_size(map, pages, npages), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	refcount_set(&map->users, 1);
	mutex_init(&map->lock);
	map->npages = npages;
	vma->vm_flags |= VM_IO | VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP |
			 VM_DONTCOPY;
	if (!(vma->vm_flags & VM_WRITE))
		vma->vm_flags &= ~VM_MAYWRITE;
	vma->vm_private_data = map;
	vma->vm_ops = &privcmd_vm_ops;
	return 0;
}

/* Errors that concern one frame; any other stops the whole batch. */
static bool frame_error(int err)
{
	return err == -ENOENT || err == -EINVAL;
}

struct batch_state {
	struct vm_area_struct *vma;
	struct privcmd_map *map;
	unsigned long first;		/* page index of b->addr in the VMA */
	u64 *gfns;			/* b->num of each, in the kernel */
	s32 *errs;
	int stop;			/* the error that stopped the batch */
	bool some_failed;
};

static void batch_error(struct batch_state *st, u32 i, int err)
{
	st->errs[i] = err;
	if (frame_error(err))
		st->some_failed = true;
	else if (!st->stop)
		st->stop = err;
}

/* Put frames gfn.. gfn + n - 1 of b->domid over n consecutive pages. */
static long map_frames(const struct mica_privcmd_mmapbatch *b, u64 gfn,
		       struct page *page, unsigned int n)
{
	struct mica_memop_foreign f = {
		.gfn = gfn, .dst_gfn = page_to_pfn(page), .nr = n,
		.domid = b->domid,
		.flags = (b->flags & MICA_MMAPBATCH_READONLY) ?
			 MICA_FOREIGN_READONLY : 0,
	};
	long rc = memop(MICA_MEMOP_map_foreign, &f);

	return rc == n ? 0 : rc < 0 ? rc : -EIO;
}

/* Page i of the batch holds its foreign frame: put it in the VMA. */
static void insert_frame(struct batch_state *st,
			 const struct mica_privcmd_mmapbatch *b, u32 i,
			 struct page *page)
{
	unsigned long addr = b->addr + (unsigned long)i * PAGE_SIZE;
	int rc = vm_insert_page(st->vma, addr, page);

	if (rc) {
		release_run(&page, 1);
		batch_error(st, i, rc);
		return;
	}
	st->map->pages[st->first + i] = page;
	st->errs[i] = 0;
}

/* Map frame i of the batch over page alone (on failure our frame stays). */
static void map_single(struct batch_state *st,
		       const struct mica_privcmd_mmapbatch *b, u32 i,
		       struct page *page)
{
	int rc = st->stop ? st->stop : map_frames(b, st->gfns[i], page, 1);

	if (rc) {
		__free_page(page);
		batch_error(st, i, rc);
		return;
	}
	insert_frame(st, b, i, page);
}

/* How many frames from index i have consecutive gfns, up to one call's. */
static unsigned int run_length(const struct batch_state *st, u32 i, u32 num)
{
	unsigned int n = 1;

	while (i + n < num && n < MICA_FOREIGN_MAX &&
	       st->gfns[i + n] == st->gfns[i] + n)
		n++;
	return n;
}

/*
 * Up to n physically contiguous pages (a power of two, *order), split so
 * each is a page of its own; fewer when memory is fragmented.
 */
static struct page *alloc_run(unsigned int n, unsigned int *order)
{
	unsigned int o = ilog2(n);
	struct page *page;

	for (;; o--) {
		page = alloc_pages(GFP_KERNEL |
				   (o ? __GFP_NORETRY | __GFP_NOWARN : 0), o);
		if (page || !o)
			break;
	}
	if (page && o)
		split_page(page, o);
	*order = o;
	return page;
}

/*
 * Map every frame of the batch, each error in st->errs. A run of
 * consecutive gfns goes over contiguous pages in one call; if that call
 * fails (it is all or nothing) the run is mapped frame by frame, so each
 * frame gets its own error.
 */
static void batch_map(struct batch_state *st,
		      const struct mica_privcmd_mmapbatch *b)
{
	struct page *page;
	unsigned int n, order, j;
	u32 i = 0;

	while (i < b->num) {
		if (st->stop) {
			st->errs[i++] = st->stop;
			continue;
		}
		page = alloc_run(run_length(st, i, b->num), &order);
		if (!page) {
			batch_error(st, i++, -ENOMEM);
			continue;
		}
		n = 1u << order;
		if (n > 1 && !map_frames(b, st->gfns[i], page, n)) {
			for (j = 0; j < n; j++)
				insert_frame(st, b, i + j, page + j);
		} else {
			for (j = 0; j < n; j++)
				map_single(st, b, i + j, page + j);
		}
		i += n;
		cond_resched();
	}
}

/* Check the batch names a free range of one mapping of this file. */
static int batch_target(struct file *file, struct batch_state *st,
			const struct mica_privcmd_mmapbatch *b)
{
	struct vm_area_struct *vma;

	vma = vma_lookup(current->mm, b->addr);
	if (!vma || vma->vm_ops != &privcmd_vm_ops || vma->vm_file != file)
		return -EINVAL;
	if (b->num > (vma->vm_end - b->addr) >> PAGE_SHIFT)
		return -EINVAL;
	if ((b->flags & MICA_MMAPBATCH_READONLY) && (vma->vm_flags & VM_WRITE))
		return -EINVAL;
	st->vma = vma;
	st->map = vma->vm_private_data;
	st->first = (b->addr - vma->vm_start) >> PAGE_SHIFT;
	return 0;
}

/* Under the map's lock: nothing is mapped in the range yet. */
static int batch_range_free(struct batch_state *st,
			    const struct mica_privcmd_mmapbatch *b)
{
	u32 i;

	for (i = 0; i < b->num; i++)
		if (st->map->pages[st->first + i])
			return -EBUSY;
	return 0;
}

/*
 * The gfns are copied in and the errors out with the mmap lock dropped: a
 * fault on a user buffer under it could deadlock against a waiting writer.
 */
static int batch_run(struct file *file, struct batch_state *st,
		     const struct mica_privcmd_mmapbatch *b)
{
	void __user *uerrs = (void __user *)(uintptr_t)b->errs;
	int rc;

	st->gfns = vmemdup_user((void __user *)(uintptr_t)b->gfns,
				b->num * sizeof(u64));
	if (IS_ERR(st->gfns))
		return PTR_ERR(st->gfns);
	st->errs = kvcalloc(b->num, sizeof(s32), GFP_KERNEL);
	if (!st->errs) {
		rc = -ENOMEM;
		goto out_gfns;
	}
	mmap_read_lock(current->mm);
	rc = batch_target(file, st, b);
	if (!rc) {
		mutex_lock(&st->map->lock);
		rc = batch_range_free(st, b);
		if (!rc)
			batch_map(st, b);
		mutex_unlock(&st->map->lock);
	}
	mmap_read_unlock(current->mm);
	if (!rc && copy_to_user(uerrs, st->errs, b->num * sizeof(s32)))
		rc = -EFAULT;
	if (!rc)
		rc = st->stop ? st->stop : st->some_failed ? -ENOENT : 0;
	kvfree(st->errs);
out_gfns:
	kvfree(st->gfns);
	return rc;
}

long mica_privcmd_mmapbatch(struct file *file, void __user *uarg)
{
	struct mica_privcmd_mmapbatch b;
	struct batch_state *st;
	long rc;

	if (copy_from_user(&b, uarg, sizeof(b)))
		return -EFAULT;
	if (b.num == 0 || b.num > MMAPBATCH_MAX)
		return -EINVAL;
	if (b.flags & ~MICA_MMAPBATCH_READONLY)
		return -EINVAL;
	if (b.domid == MICA_DOMID_SELF || b.domid == mica_self_domid)
		return -EINVAL;
	if (b.addr & ~PAGE_MASK)
		return -EINVAL;
	/* errs is written as the batch goes: check it all first. */
	if (clear_user((void __user *)(uintptr_t)b.errs, b.num * sizeof(s32)))
		return -EFAULT;
	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	rc = batch_run(file, st, &b);
	kfree(st);
	return rc;
}
