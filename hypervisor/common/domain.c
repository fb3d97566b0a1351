/*
 * Domain lifecycle: create (RAM allocated and mapped from gfn 0), start,
 * shut down, and destroy once no CPU runs any of its vCPUs. Every frame a
 * domain owned is scrubbed by the allocator as it is freed.
 */
#include <mica/domain.h>
#include <mica/sched.h>
#include <mica/mm.h>
#include <mica/xmalloc.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <public/sched.h>
#include <asm/time.h>
#include "domain_priv.h"

#define GUEST_BLOCK_ORDER 9          /* 2 MiB at a time when RAM allows */

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

static int block_record(struct domain *d, mfn_t mfn, unsigned int order)
{
    if (d->nr_blocks == d->max_blocks) {
        unsigned int n = d->max_blocks ? d->max_blocks * 2 : 16;
        struct mem_block *b = xmalloc(n * sizeof(*b));

        if (!b)
            return -ENOMEM;
        if (d->blocks)
            memcpy(b, d->blocks, d->nr_blocks * sizeof(*b));
        xfree(d->blocks);
        d->blocks = b;
        d->max_blocks = n;
    }
    d->blocks[d->nr_blocks++] = (struct mem_block){ mfn, order };
    return 0;
}

/* Allocate and map nr_pages of zeroed RAM at gfn 0 upwards. */
static int domain_populate(struct domain *d, uint64_t nr_pages)
{
    gfn_t gfn = 0;

    while (gfn < nr_pages) {
        unsigned int order = GUEST_BLOCK_ORDER;
        mfn_t mfn;

        while (order && ((gfn & ((1ull << order) - 1)) || gfn + (1ull << order) > nr_pages))
            order--;
        while ((mfn = frames_alloc(order, d->id, FA_ZERO)) == INVALID_MFN && order)
            order--;
        if (mfn == INVALID_MFN)
            return -ENOMEM;
        if (block_record(d, mfn, order)) {
            frames_free(mfn, order);
            return -ENOMEM;
        }
        for (uint64_t i = 0; i < (1ull << order); i++)
            if (p2m_map(&d->p2m, gfn + i, mfn + i, P2M_RW))
                return -ENOMEM;
        gfn += 1ull << order;
        d->nr_pages = gfn;
    }
    return 0;
}

static void domain_free(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        if (d->vcpu[i]->placed)
            sched_remove(d->vcpu[i]);
        arch_vcpu_destroy(d->vcpu[i]);
        xfree(d->vcpu[i]);
    }
    p2m_destroy(&d->p2m);
    for (unsigned int i = 0; i < d->nr_blocks; i++)
        frames_free(d->blocks[i].mfn, d->blocks[i].order);
    xfree(d->blocks);
    xfree(d);
}

static int vcpus_create(struct domain *d, const struct domain_config *cfg)
{
    for (unsigned int i = 0; i < cfg->nr_vcpus; i++) {
        struct vcpu *v = xnew(struct vcpu);

        if (!v)
            return -ENOMEM;
        v->domain = d;
        v->id = i;
        v->state = i == 0 ? VCPU_BLOCKED : VCPU_DOWN;
        v->wait_sipi = i != 0;
        d->vcpu[i] = v;
        d->nr_vcpus = i + 1;
        if (arch_vcpu_create(v)) {
            xfree(v);
            d->nr_vcpus = i;
            return -ENOMEM;
        }
    }
    return 0;
}

static int domain_check_config(const struct domain_config *cfg)
{
    if (!cfg->nr_vcpus || cfg->nr_vcpus > MAX_VCPUS)
        return -EINVAL;
    if (cfg->mem_bytes < PAGE_SIZE || cfg->mem_bytes > (1ull << 46))
        return -EINVAL;
    /* Refuse at once what cannot fit, rather than zero all RAM first. */
    if ((cfg->mem_bytes >> PAGE_SHIFT) > frames_free_count())
        return -ENOMEM;
    if (cfg->privileged ? dom0_exists : next_domid > DOMID_MAX)
        return cfg->privileged ? -EEXIST : -ENOSPC;
    return 0;
}

int domain_create(const struct domain_config *cfg, struct domain **out)
{
    struct domain *d;
    int rc = domain_check_config(cfg);

    if (rc)
        return rc;
    d = xnew(struct domain);
    if (!d)
        return -ENOMEM;
    d->lock = (spinlock_t)SPINLOCK_INIT;
    d->id = cfg->privileged ? 0 : next_domid++;
    dom0_exists |= cfg->privileged;
    d->privileged = cfg->privileged;
    d->console_bol = true;
    strlcpy(d->name, cfg->name ? cfg->name : "", sizeof(d->name));
    rc = p2m_init(&d->p2m);
    if (!rc)
        rc = domain_populate(d, cfg->mem_bytes >> PAGE_SHIFT);
    if (!rc)
        rc = vcpus_create(d, cfg);
    if (rc) {
        domain_free(d);
        return rc;
    }
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        sched_place(d->vcpu[i], i == 0 ? cfg->pcpu : -1);
    d->create_ns = now_ns();
    spin_lock(&domlist_lock);
    d->next = domain_list;
    domain_list = d;
    nr_alive++;
    spin_unlock(&domlist_lock);
    *out = d;
    return 0;
}

/* Like a PC: the boot vCPU runs, the others wait for INIT and STARTUP. */
void domain_start(struct domain *d)
{
    vcpu_wake(d->vcpu[0]);
}

/* The last step of a domain's end (domain_end.c decides when). */
void domain_unlink_and_free(struct domain *d)
{
    struct domain **pp;
    uint64_t pages = d->nr_pages;
    domid_t id = d->id;
    bool last;

    spin_lock(&domlist_lock);
    for (pp = &domain_list; *pp; pp = &(*pp)->next)
        if (*pp == d) {
            *pp = d->next;
            break;
        }
    last = --nr_alive == 0;
    spin_unlock(&domlist_lock);
    domain_free(d);
    pr_info("d%u: destroyed, %lu frames scrubbed and freed; %lu frames free\n",
            id, (unsigned long)pages, (unsigned long)frames_free_count());
    if (last && on_last_domain_end)
        on_last_domain_end();
}
