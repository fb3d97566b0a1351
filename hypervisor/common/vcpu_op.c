/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MICA_HC_vcpu_op (public/vcpu.h): the calling vCPU's upcall vector, its
 * time page and its one-shot timer; and the time page's refresh each time
 * the vCPU is scheduled in. The timer and the time page belong to the vCPU
 * (struct vcpu_time in <mica/domain.h>); the timer's callback raises
 * MICA_VIRQ_TIMER through the event-channel code, which finds the domain's
 * event-channel state (if any) when it fires.
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

/* Interrupt context, on the timer's pCPU; v lives until vcpu_time_destroy() kills t. */
static void vcpu_timer_fn(struct timer *t)
{
    evtchn_send_virq(t->data, MICA_VIRQ_TIMER);
}

void vcpu_time_init(struct vcpu *v)
{
    timer_init(&v->time.timer, vcpu_timer_fn, v, 0);
    v->time.page_mfn = INVALID_MFN;
}

void vcpu_time_destroy(struct vcpu *v)
{
    timer_kill(&v->time.timer);
    if (v->time.page_mfn != INVALID_MFN)
        frame_unpin(v->time.page_mfn);
    v->time.page_mfn = INVALID_MFN;
}

void vcpu_time_update(struct vcpu *v)
{
    struct mica_vcpu_time_info src = { 0 };
    mfn_t mfn = v->time.page_mfn;
    uint64_t tsc;

    if (mfn == INVALID_MFN)
        return;
    tsc = rdtsc();
    src.tsc_timestamp = tsc + arch_vcpu_tsc_offset(v);
    src.system_time = tsc_to_ns(tsc);
    time_scale_from_mult(tsc_ns_mult(), &src.tsc_to_system_mul, &src.tsc_shift);
    src.flags = tsc_invariant ? MICA_TIME_TSC_STABLE : 0;
    time_page_write(mfn_to_virt(mfn), &src);
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
    mfn_t mfn = INVALID_MFN, old;
    int rc = gfn == MICA_GFN_NONE ? 0 : guest_frame_pin(v->domain, gfn, &mfn);

    if (rc)
        return rc;
    old = v->time.page_mfn;
    v->time.page_mfn = mfn;
    if (old != INVALID_MFN)
        frame_unpin(old);
    vcpu_time_update(v);
    return 0;
}

static long op_set_timer(struct vcpu *v, uint64_t deadline, uint64_t flags)
{
    if (flags & ~(uint64_t)MICA_TIMER_FUTURE)
        return -EINVAL;
    if ((flags & MICA_TIMER_FUTURE) && deadline <= now_ns())
        return -ERANGE;
    timer_migrate(&v->time.timer, v->pcpu);     /* fire where the vCPU lives now */
    timer_set(&v->time.timer, deadline);
    return 0;
}

static long op_stop_timer(struct vcpu *v)
{
    timer_stop(&v->time.timer);
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
