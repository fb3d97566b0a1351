/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domain lifecycle: create (RAM allocated and mapped from gfn 0), start,
 * shut down, die, and be freed. A domain's frames are recorded in its p2m
 * alone (single frames, see frames_split()); the allocator scrubs every
 * frame a domain owned as it is freed.
 *
 * References: a domain holds one on itself from creation until it dies;
 * hypercalls naming it and CPUs running its vCPUs hold others for their
 * length. It stays in the domain list, visible to lookups and getinfo,
 * until the last reference goes, which frees it. When it dies (no CPU runs
 * its vCPUs any more) its RAM is released at once and its own reference
 * dropped, so a reference that leaked leaves a small zombie that getinfo
 * and the debug keys show as dying, never a hung destroy.
 */
#include <mica/domain.h>
#include <mica/sched.h>
#include <mica/mm.h>
#include <mica/xmalloc.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/event_channel.h>
#include <mica/grant_table.h>
#include <mica/budget.h>
#include <mica/iommu.h>
#include <asm/pci_assign.h>
#include <mica/panic.h>
#include <public/sched.h>
#include <public/domctl.h>
#include <asm/time.h>
#include <asm/vplatform_dev.h>
#include "domain_priv.h"

#define GUEST_BLOCK_ORDER 9          /* 2 MiB at a time when RAM allows */
/*
 * Console rings: a page for a test kernel's console_io; 16 KiB for a
 * platform domain, whose UART carries a whole Linux boot log at once and
 * whose reader (micad) looks every 100 ms.
 */
#define CONRING_ORDER           0
#define CONRING_ORDER_PLATFORM  2

static struct domain *domain_list;
static spinlock_t domlist_lock = SPINLOCK_INIT;
static domid_t next_domid = 1;     /* 0 is the privileged control domain's */
static bool dom0_exists;
static unsigned int nr_alive;
void (*on_last_domain_end)(void);

unsigned int domains_alive(void)
{
    return nr_alive;
}

/*
 * Allocate and map nr_pages of zeroed RAM at gfn 0 upwards, in blocks of up
 * to 2 MiB split into single frames. Every frame allocated is either mapped
 * (and counted) or freed again, so domain_free() finds them all.
 */
static int domain_populate(struct domain *d, uint64_t nr_pages)
{
    gfn_t gfn = 0;

    while (gfn < nr_pages) {
        unsigned int order = GUEST_BLOCK_ORDER;
        uint64_t n;
        mfn_t mfn;

        while (order && ((gfn & ((1ull << order) - 1)) || gfn + (1ull << order) > nr_pages))
            order--;
        while ((mfn = frames_alloc(order, d->id, FA_ZERO)) == INVALID_MFN && order)
            order--;
        if (mfn == INVALID_MFN)
            return -ENOMEM;
        frames_split(mfn, order);
        for (n = 0; n < (1ull << order); n++) {
            int rc = p2m_map(&d->p2m, gfn + n, mfn + n, P2M_RW);

            if (rc) {
                while (n < (1ull << order))
                    frame_free_domain(mfn + n++);
                return rc;                  /* -EDQUOT: its budget is too small */
            }
            d->nr_pages++;
        }
        gfn += n;
    }
    return 0;
}

/*
 * One p2m entry of a domain being freed: its own frame is freed (or kept
 * for whoever still pins it), a foreign mapping drops its pin. Anything
 * else (another domain's frame mapped through the grant table) is the
 * grant table's to release.
 */
static void free_p2m_entry(gfn_t gfn, mfn_t mfn, unsigned int flags, void *arg)
{
    struct domain *d = arg;

    (void)gfn;
    if (flags & P2M_FOREIGN)
        frame_unpin(mfn);
    else if (!(flags & P2M_GRANT) && frame_owner(mfn) == d->id)
        frame_free_domain(mfn);
}

/* What one vCPU costs its domain's budget: the structure and its vendor state. */
static size_t vcpu_bytes(void)
{
    return sizeof(struct vcpu) + arch_vcpu_bytes();
}

/* After evtchn_domain_destroy(): a timer firing until the kill finds no ports. */
static void vcpu_free(struct vcpu *v)
{
    struct domain *d = v->domain;

    vcpu_time_destroy(v);
    if (v->placed)
        sched_remove(v);
    arch_vcpu_destroy(v);
    xfree(v);
    hyp_uncharge(&d->budget, vcpu_bytes());
}

static void domain_free(struct domain *d)
{
    evtchn_domain_destroy(d);
    vplatform_destroy(d);
    for (unsigned int i = 0; i < d->nr_vcpus_alloc; i++)
        vcpu_free(d->vcpu[i]);
    if (d->p2m.root)
        p2m_for_each(&d->p2m, free_p2m_entry, d);
    p2m_destroy(&d->p2m);
    hyp_page_free(&d->budget, d->conring.buf, d->conring_order);
    if (hyp_budget_used(&d->budget))
        panic("d%u: %lu bytes still charged when freed", d->id,
              (unsigned long)hyp_budget_used(&d->budget));
    xfree(d);
}

/*
 * vCPU id of d, charged to d's budget: 0, -EDQUOT or -ENOMEM. vCPU 0 is
 * blocked until the start, the others down until STARTUP.
 */
static int vcpu_alloc(struct domain *d, unsigned int id, struct vcpu **out)
{
    int rc = hyp_charge(&d->budget, vcpu_bytes());
    struct vcpu *v;

    if (rc)
        return rc;
    rc = -ENOMEM;
    v = xnew(struct vcpu);
    if (!v)
        goto err_uncharge;
    v->domain = d;
    v->id = id;
    v->state = id == 0 ? VCPU_BLOCKED : VCPU_DOWN;
    v->wait_sipi = id != 0;
    vcpu_time_init(v);
    if (arch_vcpu_create(v))
        goto err_free;
    *out = v;
    return 0;
err_free:
    xfree(v);
err_uncharge:
    hyp_uncharge(&d->budget, vcpu_bytes());
    return rc;
}

/*
 * vCPU structures up to n-1 (those from an earlier, larger count are
 * kept), each placed with the scheduler: one made by an earlier call that
 * failed to place it is placed now.
 */
static int vcpus_alloc(struct domain *d, unsigned int n, int pcpu0)
{
    for (unsigned int i = 0; i < n; i++) {
        int rc;

        if (i == d->nr_vcpus_alloc) {
            rc = vcpu_alloc(d, i, &d->vcpu[i]);
            if (rc)
                return rc;
            d->nr_vcpus_alloc = i + 1;
        }
        if (!d->vcpu[i]->placed && sched_place(d->vcpu[i], i == 0 ? pcpu0 : -1))
            return -ENOMEM;
    }
    return 0;
}

/*
 * Only before the domain first runs. A lower count keeps the structures
 * (down, never started) until the domain is freed: other CPUs may be
 * looking at d->vcpu[] for an event or a lookup, and must never find a
 * freed one; a higher count uses them again.
 */
int domain_set_vcpus(struct domain *d, unsigned int n)
{
    int rc = vcpus_alloc(d, n, -1);

    if (!rc && d->plat)
        rc = vplatform_vcpus(d);
    if (rc)
        return rc;
    /* A kept vCPU added again waits for STARTUP or a context, as a new one. */
    for (unsigned int i = n; i < d->nr_vcpus; i++)
        d->vcpu[i]->wait_sipi = true;
    __atomic_store_n(&d->nr_vcpus, n, __ATOMIC_RELEASE);
    return 0;
}

static int domain_check_config(const struct domain_config *cfg)
{
    if (!cfg->nr_vcpus || cfg->nr_vcpus > MAX_VCPUS)
        return -EINVAL;
    if (cfg->mem_bytes < PAGE_SIZE || cfg->mem_bytes > (1ull << 46))
        return -EINVAL;
    if (cfg->hyp_budget_kb && (cfg->hyp_budget_kb < MICA_HYP_BUDGET_MIN_KB ||
                               cfg->hyp_budget_kb > MICA_HYP_BUDGET_MAX_KB))
        return -EINVAL;
    /* Refuse at once what cannot fit, rather than zero all RAM first. */
    if ((cfg->mem_bytes >> PAGE_SHIFT) > frames_free_count())
        return -ENOMEM;
    if (cfg->privileged ? dom0_exists : next_domid > DOMID_MAX)
        return cfg->privileged ? -EEXIST : -ENOSPC;
    return 0;
}

static int create(const struct domain_config *cfg, bool ctl, struct domain **out)
{
    struct domain *d;
    unsigned long f;
    int rc = domain_check_config(cfg);

    if (rc)
        return rc;
    d = xnew(struct domain);
    if (!d)
        return -ENOMEM;
    d->lock = (spinlock_t)SPINLOCK_INIT;
    d->mem_lock = (spinlock_t)SPINLOCK_INIT;
    d->conring_lock = (spinlock_t)SPINLOCK_INIT;
    d->refcnt = 1;
    d->id = cfg->privileged ? 0 : next_domid++;
    dom0_exists |= cfg->privileged;
    d->privileged = cfg->privileged;
    d->paused = d->kept = ctl;          /* before anything can see or wake it */
    d->console_bol = true;
    strlcpy(d->name, cfg->name ? cfg->name : "", sizeof(d->name));
    hyp_budget_init(&d->budget, (cfg->hyp_budget_kb ? cfg->hyp_budget_kb :
                    MICA_HYP_BUDGET_DEFAULT_KB(
                    (cfg->max_mem_bytes ? cfg->max_mem_bytes : cfg->mem_bytes) / 1024)) * 1024);
    d->conring_order = cfg->platform ? CONRING_ORDER_PLATFORM : CONRING_ORDER;
    text_ring_init(&d->conring, hyp_page_alloc(&d->budget, d->conring_order, &rc),
                   PAGE_SIZE << d->conring_order);
    if (d->conring.buf)
        rc = p2m_init(&d->p2m, &d->budget);
    if (!rc)
        rc = domain_populate(d, cfg->mem_bytes >> PAGE_SHIFT);
    d->max_pages = d->nr_pages;
    if (!rc)
        rc = vcpus_alloc(d, cfg->nr_vcpus, cfg->pcpu);
    d->nr_vcpus = d->nr_vcpus_alloc;
    if (!rc && cfg->platform)
        rc = vplatform_create(d);
    if (!rc)
        rc = gnttab_domain_init(d);     /* last: nothing after it can fail */
    if (rc) {
        domain_free(d);
        return rc;
    }
    d->create_ns = now_ns();
    f = spin_lock_irqsave(&domlist_lock);
    d->next = domain_list;
    domain_list = d;
    nr_alive++;
    spin_unlock_irqrestore(&domlist_lock, f);
    *out = d;
    return 0;
}

int domain_create(const struct domain_config *cfg, struct domain **out)
{
    return create(cfg, false, out);
}

int domain_create_ctl(const struct domain_config *cfg, struct domain **out)
{
    return create(cfg, true, out);
}

/* Like a PC: the boot vCPU runs, the others wait for INIT and STARTUP. */
void domain_start(struct domain *d)
{
    d->start_ns = MAX(now_ns(), 1ull);
    d->started = true;
    vcpu_wake(d->vcpu[0]);
}

struct domain *domain_get(domid_t id)
{
    unsigned long f = spin_lock_irqsave(&domlist_lock);
    struct domain *d;

    for (d = domain_list; d && d->id != id; d = d->next)
        ;
    if (d)
        __atomic_add_fetch(&d->refcnt, 1, __ATOMIC_SEQ_CST);
    spin_unlock_irqrestore(&domlist_lock, f);
    return d;
}

struct domain *domain_get_next(domid_t id)
{
    unsigned long f = spin_lock_irqsave(&domlist_lock);
    struct domain *best = NULL;

    for (struct domain *d = domain_list; d; d = d->next)
        if (d->id >= id && (!best || d->id < best->id))
            best = d;
    if (best)
        __atomic_add_fetch(&best->refcnt, 1, __ATOMIC_SEQ_CST);
    spin_unlock_irqrestore(&domlist_lock, f);
    return best;
}

int domain_get_target(const struct domain *self, uint64_t id, unsigned int flags,
                      struct domain **out)
{
    struct domain *d;

    *out = NULL;
    if (id == MICA_DOMID_SELF)
        id = self->id;
    if (id != self->id && !self->privileged && !(flags & TARGET_ANY))
        return -EPERM;
    if (id > DOMID_MAX || !(d = domain_get((domid_t)id)))
        return -ESRCH;
    if (((flags & TARGET_ALIVE) && domain_is_dying(d)) ||
        ((flags & TARGET_RUNNING) && d->state != DOMAIN_RUNNING)) {
        domain_put(d);
        return -ESRCH;
    }
    *out = d;
    return 0;
}

uint32_t domain_refs(const struct domain *d)
{
    return __atomic_load_n(&d->refcnt, __ATOMIC_SEQ_CST);
}

/*
 * Debug key 'd' (from the console poll, in interrupt context): every domain
 * in the list, zombies (dying, still referenced) too. A snapshot taken
 * under the list lock, printed after it: no reference is taken, so no
 * domain can be freed here.
 */
#define DUMP_MAX  32
void domains_dump(void)
{
    static const char *const states[] = { "running", "shutdown", "dying" };
    static struct {
        domid_t id;
        char name[DOMAIN_NAME_LEN];
        enum domain_state state;
        bool paused;
        uint32_t refs;
        uint64_t pages, hyp, limit;
    } snap[DUMP_MAX];
    static spinlock_t dump_lock = SPINLOCK_INIT;
    unsigned int n = 0, more = 0;
    unsigned long f = spin_lock_irqsave(&dump_lock), g;

    g = spin_lock_irqsave(&domlist_lock);
    for (struct domain *d = domain_list; d; d = d->next) {
        if (n == DUMP_MAX) {
            more++;
            continue;
        }
        snap[n].id = d->id;
        memcpy(snap[n].name, d->name, sizeof(snap[n].name));
        snap[n].state = d->state;
        snap[n].paused = d->paused;
        snap[n].refs = domain_refs(d);
        snap[n].pages = d->nr_pages;
        snap[n].hyp = hyp_budget_used(&d->budget);
        snap[n].limit = d->budget.limit;
        n++;
    }
    spin_unlock_irqrestore(&domlist_lock, g);
    for (unsigned int i = 0; i < n; i++)
        pr_info("  d%u (%s): %s%s, %u refs, %lu frames, hypervisor memory %lu of %lu KiB\n",
                snap[i].id, snap[i].name, states[snap[i].state], snap[i].paused ? " paused" : "",
                snap[i].refs, (unsigned long)snap[i].pages, (unsigned long)(snap[i].hyp / 1024),
                (unsigned long)(snap[i].limit / 1024));
    if (more)
        pr_info("  ... and %u more\n", more);
    spin_unlock_irqrestore(&dump_lock, f);
}

/* The last reference is gone (d has left the list): free everything. */
static void domain_release(struct domain *d)
{
    uint64_t pages = d->pages_released;
    domid_t id = d->id;
    unsigned long f;
    bool last;

    domain_free(d);
    f = spin_lock_irqsave(&domlist_lock);
    last = --nr_alive == 0;
    spin_unlock_irqrestore(&domlist_lock, f);
    pr_info("d%u: destroyed, %lu frames scrubbed and freed; %lu frames free\n",
            id, (unsigned long)pages, (unsigned long)frames_free_count());
    if (last && on_last_domain_end)
        on_last_domain_end();
}

void domain_hold(struct domain *d)
{
    __atomic_add_fetch(&d->refcnt, 1, __ATOMIC_SEQ_CST);
}

/*
 * The count only reaches zero here, under domlist_lock, and domain_get()
 * only counts up under it: a domain in the list always has a reference.
 */
void domain_put(struct domain *d)
{
    unsigned long f = spin_lock_irqsave(&domlist_lock);
    bool last = !__atomic_sub_fetch(&d->refcnt, 1, __ATOMIC_SEQ_CST);

    if (last)
        for (struct domain **pp = &domain_list; *pp; pp = &(*pp)->next)
            if (*pp == d) {
                *pp = d->next;
                break;
            }
    spin_unlock_irqrestore(&domlist_lock, f);
    if (last)
        domain_release(d);
}

void domain_p2m_flush(struct domain *d)
{
    arch_domain_flush_tlb(d);
    p2m_free_detached(&d->p2m);
}

/*
 * The domain is dying and none of its vCPUs can run again (domain_end.c
 * decides when): the grants it mapped go back, its RAM and the foreign
 * frames it mapped are released now, and it drops its own reference. The
 * structure and what other CPUs may still look at (vCPUs, event channels,
 * p2m tables) go with the last reference.
 */
void domain_relinquish(struct domain *d)
{
    pci_assign_domain_gone(d);              /* its host devices blocked, back to dom0 */
    /* Its grants are still mapped elsewhere: the last unmap calls us again. */
    if (!gnttab_domain_release(d)) {
        __atomic_store_n(&d->release_deferred, true, __ATOMIC_SEQ_CST);
        return;
    }
    iommu_domain_release(d);                /* no device DMA into what is freed next */
    spin_lock(&d->mem_lock);
    d->pages_released = d->nr_pages;        /* its own frames, each mapped once */
    p2m_drain(&d->p2m, free_p2m_entry, d);
    d->nr_pages = 0;
    __atomic_store_n(&d->relinquished, true, __ATOMIC_RELEASE);  /* no populate after */
    spin_unlock(&d->mem_lock);
    domain_put(d);                          /* its own reference */
}

/*
 * The control domain has ended: the domains it created and kept (domctl)
 * must not outlive it, so each is shut down and freed like a boot domain.
 */
void domains_release_kept(void)
{
    for (;;) {
        unsigned long f = spin_lock_irqsave(&domlist_lock);
        struct domain *d;

        for (d = domain_list; d && !d->kept; d = d->next)
            ;
        if (d)
            __atomic_add_fetch(&d->refcnt, 1, __ATOMIC_SEQ_CST);
        spin_unlock_irqrestore(&domlist_lock, f);
        if (!d)
            return;
        domain_end_unkept(d);
        domain_put(d);
    }
}

void domain_console_put(struct domain *d, const char *s, size_t len)
{
    unsigned long f = spin_lock_irqsave(&d->conring_lock);

    text_ring_put(&d->conring, s, len);
    spin_unlock_irqrestore(&d->conring_lock, f);
}

size_t domain_console_read(struct domain *d, uint64_t *offset, char *buf, size_t len,
                           uint64_t *lost, uint64_t *head)
{
    unsigned long f = spin_lock_irqsave(&d->conring_lock);
    size_t n = text_ring_read(&d->conring, offset, buf, len, lost);

    *head = d->conring.head;
    spin_unlock_irqrestore(&d->conring_lock, f);
    return n;
}
