/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What fuzz_hypercall links instead of the scheduler, the arch and the
 * console (hv_shim.h says what each does). Kept to the declared hooks so
 * the common code re-links when it changes. Where the real code checks
 * an argument (sched_set_params, sched_set_affinity), this does the same
 * checks, so the domctl paths above behave as on the machine.
 */
#include <stdlib.h>

#include <mica/domain.h>
#include <mica/sched.h>
#include <mica/timer.h>
#include <mica/console.h>
#include <mica/event_channel.h>
#include <mica/xmalloc.h>
#include <mica/errno.h>
#include <mica/hypercall.h>
#include <mica/budget.h>
#include <mica/iommu.h>
#include <public/sched.h>
#include <asm/percpu.h>
#include <asm/time.h>
#include <asm/vplatform_dev.h>
#include <asm/pci_assign.h>

#include "shim.h"
#include "hv_shim.h"

#define FUZZ_CPUS  2

unsigned int nr_cpus_online = FUZZ_CPUS;
uint64_t tsc_khz = 1000000;
bool tsc_invariant = true;

/* ---- time -------------------------------------------------------------- */

#define CLOCK_START  1000000000ull      /* 1 s after "boot" */

static uint64_t clock_ns = CLOCK_START;

/* Time also passes while the hypervisor looks at the clock: waits with a deadline end. */
uint64_t now_ns(void) { return clock_ns += 1000; }
uint64_t tsc_ns_mult(void) { return 1ull << 32; }
uint64_t tsc_to_ns(uint64_t tsc) { return tsc; }
void hv_clock_advance(uint64_t ns) { clock_ns += ns; }
void hv_clock_reset(void) { clock_ns = CLOCK_START; }

/* ---- timers: a list of armed ones, fired by hv_timers_fire() ------------- */

static struct timer *armed;

static void unlist(struct timer *t)
{
    for (struct timer **pp = &armed; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    t->active = false;
    t->next = NULL;
}

void timer_init(struct timer *t, void (*fn)(struct timer *), void *data, unsigned int cpu)
{
    *t = (struct timer){ .fn = fn, .data = data, .cpu = cpu };
}

void timer_set(struct timer *t, uint64_t expires_ns)
{
    if (t->killed)
        return;
    if (t->active)
        unlist(t);
    t->expires = expires_ns;
    t->active = true;
    t->next = armed;
    armed = t;
}

void timer_stop(struct timer *t)
{
    if (t->active)
        unlist(t);
}

void timer_kill(struct timer *t)
{
    timer_stop(t);
    t->killed = true;
}

void timer_migrate(struct timer *t, unsigned int cpu)
{
    t->cpu = cpu;
}

void hv_timers_fire(void)
{
    struct timer *t;

    /* One at a time from the head: a callback may arm or stop any timer. */
    for (;;) {
        for (t = armed; t && t->expires > clock_ns; t = t->next)
            ;
        if (!t)
            return;
        unlist(t);
        t->fn(t);
    }
}

unsigned int hv_timers_armed(void)
{
    unsigned int n = 0;

    for (struct timer *t = armed; t; t = t->next)
        n++;
    return n;
}

/* ---- the scheduler: vCPU states only --------------------------------------- */

struct sched_vcpu {
    uint64_t affinity;
};

int sched_place(struct vcpu *v, int cpu)
{
    v->sched = xzalloc(sizeof(*v->sched));
    if (!v->sched)
        return -ENOMEM;
    v->sched->affinity = (1u << FUZZ_CPUS) - 1;
    v->pcpu = cpu >= 0 ? (unsigned int)cpu % FUZZ_CPUS : v->id % FUZZ_CPUS;
    v->placed = true;
    return 0;
}

void sched_remove(struct vcpu *v)
{
    xfree(v->sched);
    v->sched = NULL;
    v->placed = false;
}

void vcpu_wake(struct vcpu *v)
{
    if (v->state == VCPU_BLOCKED && !v->wait_sipi)
        v->state = VCPU_RUNNABLE;
}

void vcpu_kick(struct vcpu *v) { (void)v; }

bool vcpu_revive(struct vcpu *v)
{
    if (v->state != VCPU_DOWN || v->domain->state != DOMAIN_RUNNING)
        return false;
    v->state = VCPU_BLOCKED;
    vcpu_wake(v);
    return true;
}

void vcpu_block(struct vcpu *v)
{
    if (v->state == VCPU_RUNNING)
        v->state = VCPU_BLOCKED;
}

void vcpu_yield(struct vcpu *v) { (void)v; }
void vcpu_down(struct vcpu *v) { v->state = VCPU_DOWN; }
/* As on the machine: returns once none of d's vCPUs but the caller runs. */
void sched_pause_domain(struct domain *d)
{
    d->paused = true;
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpu[i]->on_cpu && d->vcpu[i] != hv_current)
            hv_vcpu_leave(d->vcpu[i]);
}

void sched_unpause_domain(struct domain *d) { d->paused = false; }
uint64_t sched_vcpu_runtime(const struct vcpu *v) { return v->runtime_ns; }
uint64_t sched_domain_runtime_ns(struct domain *d) { (void)d; return 0; }

int sched_set_params(struct domain *d, uint32_t weight, uint32_t cap)
{
    (void)d;
    return weight < 1 || weight > 65535 || cap > 100 * nr_cpus_online ? -EINVAL : 0;
}

void sched_get_params(struct domain *d, uint32_t *weight, uint32_t *cap)
{
    (void)d;
    *weight = 256;
    *cap = 0;
}

int sched_set_affinity(struct vcpu *v, uint64_t mask)
{
    if (!v->sched || !mask || (mask >> FUZZ_CPUS))
        return -EINVAL;
    v->sched->affinity = mask;
    return 0;
}

uint64_t sched_get_affinity(struct vcpu *v)
{
    return v->sched ? v->sched->affinity : 0;
}

void sched_vcpu_info(struct vcpu *v, struct sched_vcpu_info *info)
{
    *info = (struct sched_vcpu_info){
        .state = v->state, .on_cpu = v->on_cpu, .wait_sipi = v->wait_sipi,
        .pcpu = v->pcpu, .runtime_ns = v->runtime_ns, .affinity = sched_get_affinity(v),
    };
}

/* sched.c's MICA_HC_sched_op, on the states above (sched.c needs the run queues). */
long do_sched_op(struct vcpu *v, const uint64_t args[5])
{
    switch (args[0]) {
    case MICA_SCHED_yield:
        return 0;
    case MICA_SCHED_block:
        if (!evtchn_vcpu_pending(v))
            vcpu_block(v);
        return 0;
    case MICA_SCHED_shutdown:
        if (args[1] > MICA_SHUTDOWN_crash)
            return -EINVAL;
        domain_shutdown(v->domain, (int)args[1]);
        return 0;
    default:
        return -ENOSYS;
    }
}

/* ---- other CPUs: vCPUs running guest code ------------------------------------ */

#define MAX_RUNNING  16

static struct vcpu *running[MAX_RUNNING];
struct vcpu *hv_current;

/* As sched.c's run loop: the vCPU's time page is refreshed, then it runs. */
bool hv_vcpu_enter(struct vcpu *v)
{
    for (unsigned int i = 0; i < MAX_RUNNING; i++)
        if (!running[i]) {
            running[i] = v;
            v->state = VCPU_RUNNING;
            v->on_cpu = true;
            v->started = true;
            vcpu_time_update(v);
            return true;
        }
    return false;
}

/* As sched.c's run loop after arch_vcpu_run() returns. */
void hv_vcpu_leave(struct vcpu *v)
{
    struct domain *d = v->domain;

    for (unsigned int i = 0; i < MAX_RUNNING; i++)
        if (running[i] == v)
            running[i] = NULL;
    domain_hold(d);
    v->on_cpu = false;
    if (v->state == VCPU_RUNNING)
        v->state = VCPU_RUNNABLE;
    domain_vcpu_left_cpu(v);
    domain_put(d);
}

/* The CPUs of vCPUs taken down (vcpu_down kicks them) see it and leave. */
void hv_cpu_relax(void)
{
    for (unsigned int i = 0; i < MAX_RUNNING; i++)
        if (running[i] && running[i]->state == VCPU_DOWN)
            hv_vcpu_leave(running[i]);
}

unsigned int hv_vcpus_running(void)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < MAX_RUNNING; i++)
        n += running[i] != NULL;
    return n;
}

/* ---- the arch: one hypervisor page per vCPU holding its paging state --------- */

/* What the fake VMCB page holds: the guest's control registers. The fake
 * backend keeps it in the SVM slot of the vendor union (asm/vcpu.h). */
struct fake_vmcb {
    struct guest_paging paging;
};

/*
 * The fake backend is the seam itself: it defines the arch_vcpu_* hooks the
 * common code links against (arch/x86/vcpu.c, with the real backends, is not
 * in the fuzz build).
 */
int arch_vcpu_create(struct vcpu *v)
{
    v->arch.vendor.svm.vmcb = page_alloc_hyp(0);
    return v->arch.vendor.svm.vmcb ? 0 : -ENOMEM;
}

size_t arch_vcpu_bytes(void)
{
    return PAGE_SIZE;                       /* the fake VMCB */
}

void arch_vcpu_destroy(struct vcpu *v)
{
    page_free_hyp(v->arch.vendor.svm.vmcb, 0);
    v->arch.vendor.svm.vmcb = NULL;
}

void arch_vcpu_set_entry64(struct vcpu *v, const struct vcpu_entry64 *e)
{
    v->arch.vendor.svm.gprs.rdi = e->rdi;
}

void arch_vcpu_paging(struct vcpu *v, struct guest_paging *gp)
{
    *gp = ((struct fake_vmcb *)v->arch.vendor.svm.vmcb)->paging;
}

void hv_vcpu_set_paging(struct vcpu *v, const struct guest_paging *gp)
{
    ((struct fake_vmcb *)v->arch.vendor.svm.vmcb)->paging = *gp;
}

void arch_vcpu_dump_exits(struct vcpu *v) { (void)v; }
uint64_t arch_vcpu_tsc_offset(struct vcpu *v) { (void)v; return 0; }

void arch_vcpu_raise_upcall(struct vcpu *v)
{
    v->upcall_pending = true;
}

void arch_domain_flush_tlb(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        d->vcpu[i]->arch.tlb_flush = true;
}

/* ---- the PC platform (MICA_DOMCTL_CREATE_F_PLATFORM): its structure and UART FIFO ---- */

int vplatform_create(struct domain *d)
{
    int rc;

    d->plat = hyp_zalloc(&d->budget, sizeof(*d->plat), &rc);
    return d->plat ? vplatform_vcpus(d) : rc;
}

int vplatform_vcpus(struct domain *d)
{
    (void)d;
    return 0;
}

/* No IOMMU in the model: no device to take back. */
void iommu_domain_release(struct domain *d)
{
    (void)d;
}

void vplatform_destroy(struct domain *d)
{
    hyp_free(&d->budget, d->plat, sizeof(*d->plat));
    d->plat = NULL;
}

size_t vuart_input_buf(struct domain *d, const uint8_t *buf, size_t len)
{
    struct vuart *u = d->plat ? &d->plat->uart : NULL;
    size_t n = 0;

    for (; u && n < len && (u->rx_tail + 1) % VUART_FIFO != u->rx_head; n++) {
        u->rx[u->rx_tail] = buf[n];
        u->rx_tail = (u->rx_tail + 1) % VUART_FIFO;
    }
    return n;
}

/* ---- the console ------------------------------------------------------------ */

void console_guest_write(domid_t domid, const char *s, size_t len, bool *bol,
                         struct console_rate *rate)
{
    (void)domid, (void)s, (void)len, (void)bol, (void)rate;
}

void console_guest_report_dropped(domid_t domid, struct console_rate *rate)
{
    (void)domid, (void)rate;
}

size_t console_ring_read_at(uint64_t *offset, char *buf, size_t len, uint64_t *lost,
                            uint64_t *head)
{
    (void)buf, (void)len;
    *lost = 0;
    *head = *offset = 0;
    return 0;
}

/* Device assignment (pci_assign.c): no IOMMU in the model, as on a machine without one. */
long pci_assign_domctl(struct vcpu *v, uint64_t cmd, struct domain *d,
                       struct mica_domctl_assign_device *a)
{
    (void)v, (void)cmd, (void)d, (void)a;
    return -ENXIO;
}

void pci_assign_domain_gone(struct domain *d)
{
    (void)d;
}
