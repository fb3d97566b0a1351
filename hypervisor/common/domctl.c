/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MICA_HC_domctl (public/domctl.h): the control domain creates, runs,
 * pauses, inspects and destroys the others. The dispatcher has already
 * refused unprivileged callers. Each call copies its structure in (and
 * back, to prove it writable), checks the interface version, validates
 * everything, acts, and copies out. One lock serialises the calls, so a
 * domain does not change under one by another domctl.
 */
#include <mica/hypercall.h>
#include <mica/domain.h>
#include <mica/sched.h>
#include <mica/mm.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <public/domctl.h>
#include <public/sched.h>
#include "domctl_check.h"
#include <asm/pci_assign.h>

BUILD_BUG_ON(MICA_DOMID_MAX != DOMID_MAX);
BUILD_BUG_ON(MICA_MAX_VCPUS != MAX_VCPUS);
BUILD_BUG_ON(MICA_DOMAIN_NAME_LEN != DOMAIN_NAME_LEN);

static spinlock_t domctl_lock = SPINLOCK_INIT;

/*
 * Does a domain other than self, and not dying (a dying one, a zombie too,
 * gives its name and UUID up), have the uuid (when uuid is not NULL) or the
 * name (when name is not NULL)? One walk serves create and rename.
 */
static bool identity_in_use(const uint8_t *uuid, const char *name, const struct domain *self)
{
    struct domain *d;
    bool used = false;

    for (unsigned int id = 0; !used && id <= DOMID_MAX && (d = domain_get_next((domid_t)id)); ) {
        used = d != self && d->state != DOMAIN_DYING &&
               ((uuid && !memcmp(d->uuid, uuid, sizeof(d->uuid))) ||
                (name && !strncmp(d->name, name, sizeof(d->name))));
        id = d->id + 1u;
        domain_put(d);
    }
    return used;
}

static long domctl_create(struct vcpu *v, struct mica_domctl *op)
{
    static const uint8_t no_uuid[16];
    struct mica_domctl_create *c = &op->u.create;
    struct domain_config cfg = { .name = c->name, .nr_vcpus = c->nr_vcpus, .pcpu = -1,
                                 .hyp_budget_kb = c->hyp_budget_kb,
                                 .platform = c->flags & MICA_DOMCTL_CREATE_F_PLATFORM };
    struct domain *d;
    int rc = domctl_check_create(c);

    if (rc)
        return rc;
    /* Checked under domctl_lock: two creates of one name cannot both pass. */
    if (identity_in_use(memcmp(c->uuid, no_uuid, sizeof(no_uuid)) ? c->uuid : NULL,
                        c->name[0] ? c->name : NULL, NULL))
        return -EEXIST;
    cfg.mem_bytes = c->mem_kb * 1024;
    cfg.max_mem_bytes = (c->max_mem_kb ? c->max_mem_kb : c->mem_kb) * 1024;
    rc = domain_create_ctl(&cfg, &d);
    if (rc)
        return rc;
    memcpy(d->uuid, c->uuid, sizeof(d->uuid));
    d->max_pages = (c->max_mem_kb ? c->max_mem_kb : c->mem_kb) / 4;
    if (!c->name[0])
        snprintf(d->name, sizeof(d->name), "dom%u", d->id);
    pr_info("d%u (%s): created by d%u, %lu KiB RAM (at most %lu), %u vCPUs%s, paused\n",
            d->id, d->name, v->domain->id, (unsigned long)(d->nr_pages * 4),
            (unsigned long)(d->max_pages * 4), d->nr_vcpus, d->plat ? ", PC platform" : "");
    op->domid = d->id;
    return 0;
}

static uint8_t state_of(const struct domain *d)
{
    switch (d->state) {
    case DOMAIN_RUNNING:  return d->paused ? MICA_DOMSTATE_paused : MICA_DOMSTATE_running;
    case DOMAIN_SHUTDOWN: return MICA_DOMSTATE_shutdown;
    default:              return MICA_DOMSTATE_dying;
    }
}

static void fill_info(const struct domain *d, struct mica_domctl_getinfo *gi)
{
    memset(gi, 0, sizeof(*gi));
    gi->domid = d->id;
    gi->state = state_of(d);
    gi->shutdown_reason = d->state == DOMAIN_RUNNING ? 0 : (uint8_t)d->shutdown_reason;
    gi->flags = (d->privileged ? MICA_DOMINFO_privileged : 0) |
                (d->started ? MICA_DOMINFO_started : 0);
    gi->nr_vcpus = d->nr_vcpus;
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        /* A domain that has ended has none online, even while they stop. */
        gi->nr_vcpus_online += d->state == DOMAIN_RUNNING && d->vcpu[i]->state != VCPU_DOWN;
        gi->cpu_time_ns += sched_vcpu_runtime(d->vcpu[i]);
    }
    gi->nr_pages = d->nr_pages;
    gi->max_pages = d->max_pages;
    gi->hyp_bytes = hyp_budget_used(&d->budget);
    gi->hyp_budget_bytes = __atomic_load_n(&d->budget.limit, __ATOMIC_RELAXED);
    gi->refs = domain_refs(d) - 1;      /* not the one this call holds */
    gi->start_ns = d->start_ns;
    memcpy(gi->uuid, d->uuid, sizeof(gi->uuid));
    strlcpy(gi->name, d->name, sizeof(gi->name));
}

/* The sub-commands that change a domain take neither the caller nor a dead one. */
static int check_target(struct vcpu *v, const struct domain *d)
{
    if (d == v->domain || d->state != DOMAIN_RUNNING)
        return -EINVAL;
    return 0;
}

static long domctl_pause(struct vcpu *v, struct domain *d)
{
    int rc = check_target(v, d);

    if (rc)
        return rc;
    if (d->paused)
        return -EBUSY;
    sched_pause_domain(d);
    return 0;
}

/*
 * The first unpause starts vCPU 0 (domain_start()); any unpause starts
 * secondary vCPUs whose entry state was set and that never ran.
 */
static long domctl_unpause(struct vcpu *v, struct domain *d)
{
    int rc = check_target(v, d);

    if (rc)
        return rc;
    if (!d->paused)
        return -EINVAL;
    sched_unpause_domain(d);
    if (!d->started)
        domain_start(d);
    for (unsigned int i = 1; i < d->nr_vcpus; i++) {
        struct vcpu *s = d->vcpu[i];

        if (s->state == VCPU_DOWN && !s->wait_sipi && !s->started)
            vcpu_revive(s);
    }
    return 0;
}

static long domctl_set_max_mem(struct domain *d, const struct mica_domctl_max_mem *m)
{
    int rc = domctl_check_max_mem(m->max_mem_kb);

    if (rc)
        return rc;
    if (d->state != DOMAIN_RUNNING)
        return -EINVAL;
    spin_lock(&d->mem_lock);
    d->max_pages = m->max_mem_kb / 4;
    spin_unlock(&d->mem_lock);
    return 0;
}

static long domctl_set_hyp_budget(struct domain *d, const struct mica_domctl_hyp_budget *b)
{
    int rc = domctl_check_hyp_budget(b->budget_kb);

    if (rc)
        return rc;
    __atomic_store_n(&d->budget.limit, b->budget_kb * 1024, __ATOMIC_RELAXED);
    return 0;
}

static long domctl_sched(struct domain *d, uint64_t cmd, struct mica_domctl_sched *s)
{
    if (cmd == MICA_DOMCTL_sched_get) {
        sched_get_params(d, &s->weight, &s->cap);
        return 0;
    }
    return sched_set_params(d, s->weight, s->cap);
}

static long domctl_affinity(struct domain *d, uint64_t cmd, struct mica_domctl_affinity *a)
{
    if (a->pad || a->vcpu >= d->nr_vcpus)
        return -EINVAL;
    if (cmd == MICA_DOMCTL_affinity_get) {
        a->mask = sched_get_affinity(d->vcpu[a->vcpu]);
        return 0;
    }
    return sched_set_affinity(d->vcpu[a->vcpu], a->mask);
}

static uint8_t vcpu_state_abi(const struct sched_vcpu_info *i)
{
    if (i->on_cpu)
        return MICA_VCPUSTATE_running;
    if (i->state == VCPU_DOWN || i->wait_sipi)
        return MICA_VCPUSTATE_down;
    return i->state == VCPU_BLOCKED ? MICA_VCPUSTATE_blocked : MICA_VCPUSTATE_runnable;
}

static long domctl_getvcpuinfo(struct domain *d, struct mica_domctl_vcpuinfo *o)
{
    struct sched_vcpu_info i;

    if (o->pad[0] || o->pad[1] || o->pad[2] || o->pad2 || o->vcpu >= d->nr_vcpus)
        return -EINVAL;
    sched_vcpu_info(d->vcpu[o->vcpu], &i);
    o->state = vcpu_state_abi(&i);
    o->cpu = i.pcpu;
    o->cpu_time_ns = i.runtime_ns;
    o->affinity = i.affinity;
    return 0;
}

static long domctl_set_vcpus(struct vcpu *v, struct domain *d, const struct mica_domctl_vcpus *c)
{
    int rc = domctl_check_vcpus(c);

    if (!rc)
        rc = check_target(v, d);
    if (rc)
        return rc;
    /* Event-channel state is sized by the vCPU count when it is made. */
    if (d->started || __atomic_load_n(&d->evtchn, __ATOMIC_ACQUIRE))
        return -EBUSY;
    return domain_set_vcpus(d, c->nr_vcpus);
}

static long domctl_set_vcpu_context(struct vcpu *v, struct domain *d,
                                    const struct mica_domctl_vcpu_context *c)
{
    struct vcpu_entry64 e;
    struct vcpu *t;
    int rc = domctl_check_vcpu_context(c);

    if (!rc)
        rc = check_target(v, d);
    if (rc)
        return rc;
    if (c->vcpu >= d->nr_vcpus)
        return -EINVAL;
    if (!d->paused)
        return -EBUSY;
    t = d->vcpu[c->vcpu];
    e = (struct vcpu_entry64){
        .rip = c->rip, .rsp = c->rsp, .rdi = c->rdi, .rsi = c->rsi, .cr3 = c->cr3,
        .gdt_base = c->gdt_base, .gdt_limit = c->gdt_limit, .cs = c->cs, .ds = c->ds,
    };
    arch_vcpu_set_entry64(t, &e);
    t->wait_sipi = false;
    return 0;
}

static long domctl_rename(struct vcpu *v, struct domain *d, const struct mica_domctl_rename *r)
{
    char old[DOMAIN_NAME_LEN];
    int rc = domctl_check_rename(r);

    if (rc)
        return rc;
    if (identity_in_use(NULL, r->name, d))
        return -EEXIST;
    memcpy(old, d->name, sizeof(old));
    strlcpy(d->name, r->name, sizeof(d->name));
    pr_info("d%u: renamed from \"%s\" to \"%s\" by d%u\n", d->id, old, d->name, v->domain->id);
    return 0;
}

static long domctl_destroy(struct vcpu *v, struct domain *d)
{
    if (d == v->domain)
        return -EINVAL;
    domain_destroy(d);
    return 0;
}

/* Sub-commands on an existing domain d (referenced by the caller). */
static long domctl_on(struct vcpu *v, uint64_t cmd, struct mica_domctl *op, struct domain *d)
{
    switch (cmd) {
    case MICA_DOMCTL_destroy:          return domctl_destroy(v, d);
    case MICA_DOMCTL_pause:            return domctl_pause(v, d);
    case MICA_DOMCTL_unpause:          return domctl_unpause(v, d);
    case MICA_DOMCTL_set_max_mem:      return domctl_set_max_mem(d, &op->u.max_mem);
    case MICA_DOMCTL_set_vcpus:        return domctl_set_vcpus(v, d, &op->u.vcpus);
    case MICA_DOMCTL_set_vcpu_context: return domctl_set_vcpu_context(v, d, &op->u.vcpu_context);
    case MICA_DOMCTL_sched_get:
    case MICA_DOMCTL_sched_set:        return domctl_sched(d, cmd, &op->u.sched);
    case MICA_DOMCTL_affinity_get:
    case MICA_DOMCTL_affinity_set:     return domctl_affinity(d, cmd, &op->u.affinity);
    case MICA_DOMCTL_getvcpuinfo:      return domctl_getvcpuinfo(d, &op->u.vcpuinfo);
    case MICA_DOMCTL_set_hyp_budget:   return domctl_set_hyp_budget(d, &op->u.hyp_budget);
    case MICA_DOMCTL_rename:           return domctl_rename(v, d, &op->u.rename);
    case MICA_DOMCTL_assign_device:
    case MICA_DOMCTL_deassign_device:
    case MICA_DOMCTL_test_assign_device:
        return pci_assign_domctl(v, cmd, d, &op->u.assign_device);
    default:
        fill_info(d, &op->u.getinfo);
        return 0;
    }
}

/* getinfo_next takes the lowest id from domid on; the rest name one domain. */
static int domctl_target(struct vcpu *v, uint64_t cmd, uint16_t domid, struct domain **d)
{
    if (cmd != MICA_DOMCTL_getinfo_next)
        return domain_get_target(v->domain, domid, 0, d);
    if (domid == MICA_DOMID_SELF)
        domid = v->domain->id;
    *d = domid > DOMID_MAX ? NULL : domain_get_next(domid);
    return *d ? 0 : -ESRCH;
}

static long domctl_locked(struct vcpu *v, uint64_t cmd, struct mica_domctl *op)
{
    struct domain *d;
    long rc;

    if (cmd == MICA_DOMCTL_create)
        return domctl_create(v, op);
    rc = domctl_target(v, cmd, op->domid, &d);
    if (rc)
        return rc;
    rc = domctl_on(v, cmd, op, d);
    domain_put(d);
    return rc;
}

long do_domctl(struct vcpu *v, const uint64_t args[5])
{
    struct mica_domctl op;
    uint64_t cmd = args[0], arg = args[1];
    long rc;

    if (cmd >= MICA_DOMCTL_NR)
        return -ENOSYS;
    if (copy_from_guest(v, &op, arg, sizeof(op)) || copy_to_guest(v, arg, &op, sizeof(op)))
        return -EFAULT;
    if (op.interface_version != MICA_DOMCTL_INTERFACE_VERSION)
        return -EACCES;
    if (op.pad)
        return -EINVAL;
    spin_lock(&domctl_lock);
    rc = domctl_locked(v, cmd, &op);
    spin_unlock(&domctl_lock);
    if (!rc && copy_to_guest(v, arg, &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}
