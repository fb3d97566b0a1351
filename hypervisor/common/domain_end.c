/*
 * How domains end: a guest's own shutdown, or the hypervisor killing it.
 * The domain's memory goes back (scrubbed) only after the last of its
 * vCPUs has left its CPU, so nothing is freed under a running guest.
 */
#include <mica/domain.h>
#include <mica/sched.h>
#include <mica/console.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <public/sched.h>
#include <asm/time.h>

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

    if (d->state != DOMAIN_SHUTDOWN) {
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
    domain_unlink_and_free(d);
}

void domain_shutdown(struct domain *d, int reason)
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
    pr_info("d%u (%s): shut down: %s after %lu ms\n", d->id, d->name,
            reason_name(reason), (unsigned long)ms);
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        arch_vcpu_dump_exits(d->vcpu[i]);
        vcpu_down(d->vcpu[i]);
    }
    if (d->privileged && on_dom0_end)
        on_dom0_end(d, reason);
    domain_maybe_destroy(d);
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
