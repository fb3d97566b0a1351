/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How domains end: a guest's own shutdown, the hypervisor killing it, or
 * the control domain destroying it. The domain's memory goes back
 * (scrubbed) only after the last of its vCPUs has left its CPU, so nothing
 * is freed under a running guest. A domain the control domain created
 * (kept) stays shut down, memory and all, until the control domain
 * destroys it or itself ends.
 */
#include <mica/domain.h>
#include <mica/sched.h>
#include <mica/console.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <mica/event_channel.h>
#include <public/event_channel.h>
#include <public/sched.h>
#include <asm/time.h>
#include <asm/x86.h>

#include "domain_priv.h"

void (*on_dom0_end)(struct domain *d, int reason);

static const char *reason_name(int reason)
{
    switch (reason) {
    case MICA_SHUTDOWN_poweroff: return "poweroff";
    case MICA_SHUTDOWN_reboot:   return "reboot";
    case MICA_SHUTDOWN_crash:    return "crash";
    default:                     return "unknown";
    }
}

static void domain_maybe_destroy(struct domain *d)
{
    unsigned long f = spin_lock_irqsave(&d->lock);

    if (d->state != DOMAIN_SHUTDOWN || d->kept) {
        spin_unlock_irqrestore(&d->lock, f);
        return;
    }
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpu[i]->on_cpu) {
            spin_unlock_irqrestore(&d->lock, f);
            return;
        }
    d->state = DOMAIN_DYING;
    spin_unlock_irqrestore(&d->lock, f);
    domain_relinquish(d);
}

void domain_vcpu_halted(struct vcpu *v)
{
    struct domain *d = v->domain;

    pr_info("d%u: vcpu%u halted with interrupts disabled\n", d->id, v->id);
    vcpu_down(v);
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpu[i]->state != VCPU_DOWN)
            return;
    domain_shutdown(d, MICA_SHUTDOWN_poweroff);
}

/* RUNNING -> SHUTDOWN (only the first call counts): every vCPU off for good. */
static void domain_end(struct domain *d, int reason, const char *how)
{
    unsigned long f = spin_lock_irqsave(&d->lock);
    uint64_t ms = (now_ns() - d->create_ns) / 1000000;

    if (d->state != DOMAIN_RUNNING) {
        spin_unlock_irqrestore(&d->lock, f);
        return;
    }
    d->state = DOMAIN_SHUTDOWN;
    d->shutdown_reason = reason;
    spin_unlock_irqrestore(&d->lock, f);
    console_guest_report_dropped(d->id, &d->console_rate);
    pr_info("d%u (%s): %s after %lu ms, ran %lu ms\n", d->id, d->name, how,
            (unsigned long)ms, (unsigned long)(sched_domain_runtime_ns(d) / 1000000));
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        arch_vcpu_dump_exits(d->vcpu[i]);
        vcpu_down(d->vcpu[i]);
    }
    evtchn_send_global_virq(MICA_VIRQ_DOM_EXC);
    if (d->privileged && on_dom0_end)
        on_dom0_end(d, reason);
    if (d->privileged)
        domains_release_kept();
}

void domain_shutdown(struct domain *d, int reason)
{
    char how[32];

    snprintf(how, sizeof(how), "shut down: %s", reason_name(reason));
    domain_end(d, reason, how);
    domain_maybe_destroy(d);
}

static void unkeep(struct domain *d)
{
    unsigned long f = spin_lock_irqsave(&d->lock);

    d->kept = false;
    spin_unlock_irqrestore(&d->lock, f);
}

void domain_end_unkept(struct domain *d)
{
    unkeep(d);
    domain_end(d, MICA_SHUTDOWN_poweroff, "ended with its control domain");
    domain_maybe_destroy(d);
}

bool domain_is_dying(const struct domain *d)
{
    return d->state == DOMAIN_DYING || (d->state == DOMAIN_SHUTDOWN && !d->kept);
}

static bool vcpus_off_cpu(const struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (__atomic_load_n(&d->vcpu[i]->on_cpu, __ATOMIC_SEQ_CST))
            return false;
    return true;
}

/*
 * The vCPUs leave their CPUs within an IPI; then d is dying and its memory
 * released (domain_relinquish(), here or on the CPU the last vCPU left:
 * bounded work either way). References other CPUs hold for a call or a
 * context switch go within microseconds, so the caller waits for them a
 * little (then its own put frees the rest at once, and the frame count is
 * exact when destroy returns) but never longer: a reference still held
 * after DESTROY_REF_WAIT_NS (a leak) leaves a zombie that getinfo and the
 * debug keys show as dying, never a caller spinning here.
 */
#define DESTROY_REF_WAIT_NS  (10 * 1000000ull)

void domain_destroy(struct domain *d)
{
    uint64_t until;

    unkeep(d);
    domain_end(d, MICA_SHUTDOWN_poweroff, "destroyed by the control domain");
    while (!vcpus_off_cpu(d))
        cpu_relax();
    domain_maybe_destroy(d);
    while (!__atomic_load_n(&d->relinquished, __ATOMIC_ACQUIRE) &&
           !__atomic_load_n(&d->release_deferred, __ATOMIC_ACQUIRE))
        cpu_relax();
    if (__atomic_load_n(&d->release_deferred, __ATOMIC_ACQUIRE))
        return;                         /* its own reference waits for its grants */
    until = now_ns() + DESTROY_REF_WAIT_NS;
    while (domain_refs(d) > 1 && now_ns() < until)
        cpu_relax();
    if (domain_refs(d) > 1)
        pr_warn("d%u (%s): destroyed, but %u references are still held: "
                "freed when they go\n", d->id, d->name, domain_refs(d) - 1);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(d->crash_reason, sizeof(d->crash_reason), fmt, ap);
    va_end(ap);
    pr_warn("d%u (%s): killed: %s\n", d->id, d->name, d->crash_reason);
    domain_shutdown(d, MICA_SHUTDOWN_crash);
}

void domain_vcpu_left_cpu(struct vcpu *v)
{
    if (v->domain->state == DOMAIN_SHUTDOWN)
        domain_maybe_destroy(v->domain);
}
