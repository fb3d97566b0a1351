/*
 * MICA_HC_vcpu_op (public/vcpu.h): the calling vCPU's upcall vector, its
 * time page and its one-shot timer; and the time page's refresh each time
 * the vCPU is scheduled in. The per-vCPU state lives in the domain's
 * event-channel state (event_channel_priv.h), as the timer raises
 * MICA_VIRQ_TIMER.
 */
#include <mica/event_channel.h>
#include <mica/hypercall.h>
#include <mica/domain.h>
#include <mica/mm.h>
#include <mica/errno.h>
#include <public/vcpu.h>
#include <asm/time.h>
#include <asm/x86.h>
#include "event_channel_priv.h"
#include "time_page.h"

#define UPCALL_VECTOR_MIN  32

void vcpu_timer_fn(struct timer *t)
{
    struct evtchn_domain *ed = t->data;
    struct evtchn_vcpu *ev = container_of(t, struct evtchn_vcpu, timer);

    evtchn_send_vcpu_virq(ed, (unsigned int)(ev - ed->vcpu), MICA_VIRQ_TIMER);
}

void vcpu_time_update(struct vcpu *v)
{
    struct evtchn_domain *ed = __atomic_load_n(&v->domain->evtchn, __ATOMIC_ACQUIRE);
    struct mica_vcpu_time_info src = { 0 };
    uint64_t tsc;
    mfn_t mfn;

    if (!ed || (mfn = ed->vcpu[v->id].time_mfn) == INVALID_MFN)
        return;
    tsc = rdtsc();
    src.tsc_timestamp = tsc + arch_vcpu_tsc_offset(v);
    src.system_time = tsc_to_ns(tsc);
    time_scale_from_mult(tsc_ns_mult(), &src.tsc_to_system_mul, &src.tsc_shift);
    src.flags = tsc_invariant ? MICA_TIME_TSC_STABLE : 0;
    time_page_write(mfn_to_virt(mfn), &src);
}

void vcpu_op_teardown(struct evtchn_domain *ed)
{
    for (unsigned int i = 0; i < MAX_VCPUS; i++) {
        struct evtchn_vcpu *ev = &ed->vcpu[i];

        timer_kill(&ev->timer);
        if (ev->time_mfn != INVALID_MFN)
            frame_unpin(ev->time_mfn);
        ev->time_mfn = INVALID_MFN;
    }
}

static long op_upcall_vector(struct vcpu *v, uint64_t vector)
{
    if (vector != 0 && (vector < UPCALL_VECTOR_MIN || vector > 255))
        return -EINVAL;
    v->upcall_vector = (uint8_t)vector;
    if (vector)
        evtchn_vcpu_upcall_check(v);
    return 0;
}

static long op_time_page(struct vcpu *v, uint64_t gfn)
{
    struct evtchn_domain *ed;
    mfn_t mfn = INVALID_MFN, old;
    int rc = evtchn_domain_get(v->domain, &ed);

    if (rc)
        return rc;
    if (gfn != MICA_GFN_NONE) {
        rc = guest_frame_pin(v->domain, gfn, &mfn);
        if (rc)
            return rc;
    }
    /* Only this vCPU, on its own CPU, reads or writes time_mfn while it lives. */
    old = ed->vcpu[v->id].time_mfn;
    ed->vcpu[v->id].time_mfn = mfn;
    if (old != INVALID_MFN)
        frame_unpin(old);
    vcpu_time_update(v);
    return 0;
}

static long op_set_timer(struct vcpu *v, uint64_t deadline, uint64_t flags)
{
    struct evtchn_domain *ed;
    struct timer *t;
    int rc;

    if (flags & ~(uint64_t)MICA_TIMER_FUTURE)
        return -EINVAL;
    if ((flags & MICA_TIMER_FUTURE) && deadline <= now_ns())
        return -ERANGE;
    rc = evtchn_domain_get(v->domain, &ed);
    if (rc)
        return rc;
    t = &ed->vcpu[v->id].timer;
    timer_migrate(t, v->pcpu);       /* fire where the vCPU lives now */
    timer_set(t, deadline);
    return 0;
}

static long op_stop_timer(struct vcpu *v)
{
    struct evtchn_domain *ed = __atomic_load_n(&v->domain->evtchn, __ATOMIC_ACQUIRE);

    if (ed)
        timer_stop(&ed->vcpu[v->id].timer);
    return 0;
}

long do_vcpu_op(struct vcpu *v, const uint64_t args[5])
{
    switch (args[0]) {
    case MICA_VCPUOP_register_upcall_vector:
        return op_upcall_vector(v, args[1]);
    case MICA_VCPUOP_register_time_page:
        return op_time_page(v, args[1]);
    case MICA_VCPUOP_set_singleshot_timer:
        return op_set_timer(v, args[1], args[2]);
    case MICA_VCPUOP_stop_singleshot_timer:
        return op_stop_timer(v);
    case MICA_VCPUOP_get_system_time:
        return (long)now_ns();
    default:
        return -ENOSYS;
    }
}
