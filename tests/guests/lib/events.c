/* SPDX-License-Identifier: GPL-2.0-only */
/* Event channels and time for the test guests (events.h). */
#include "events.h"
#include "cpu.h"

static uint8_t shared_page[PAGE_SIZE] __aligned(PAGE_SIZE);

struct mica_shared_info *const ev_shared = (struct mica_shared_info *)shared_page;
volatile uint32_t ev_upcalls;
volatile uint32_t ev_hits[MICA_EVTCHN_MAX_PORTS];
uint32_t ev_blocks;

static void upcall(struct exc_frame *f)
{
    (void)f;
    ev_upcalls++;
    ev_scan();
}

int64_t ev_setup(void)
{
    struct mica_evtchn_set_shared_info a = { (uint64_t)shared_page >> PAGE_SHIFT };
    int64_t rc;

    irq_set_handler(EV_VECTOR, upcall);
    rc = mica_evtchn_op(MICA_EVTCHNOP_set_shared_info, &a);
    if (!rc)
        rc = mica_vcpu_op(MICA_VCPUOP_register_upcall_vector, EV_VECTOR, 0);
    return rc;
}

unsigned int ev_scan(void)
{
    struct mica_vcpu_info *vi = &ev_shared->vcpu_info[0];
    unsigned int n = 0;
    uint64_t sel;

    __atomic_store_n(&vi->upcall_pending, 0, __ATOMIC_SEQ_CST);
    sel = __atomic_exchange_n(&vi->pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned int w = (unsigned int)__builtin_ctzll(sel);
        uint64_t bits = __atomic_load_n(&ev_shared->evtchn_pending[w], __ATOMIC_SEQ_CST) &
                        ~__atomic_load_n(&ev_shared->evtchn_mask[w], __ATOMIC_SEQ_CST);

        sel &= sel - 1;
        while (bits) {
            unsigned int b = (unsigned int)__builtin_ctzll(bits);
            uint64_t bit = 1ull << b;

            bits &= bits - 1;
            if (__atomic_fetch_and(&ev_shared->evtchn_pending[w], ~bit, __ATOMIC_SEQ_CST) & bit) {
                ev_hits[w * 64 + b]++;
                n++;
            }
        }
    }
    return n;
}

void ev_forget(uint32_t port)
{
    __atomic_fetch_and(&ev_shared->evtchn_pending[port / 64], ~(1ull << (port % 64)),
                       __ATOMIC_SEQ_CST);
    ev_hits[port] = 0;
}

void ev_mask(uint32_t port)
{
    __atomic_fetch_or(&ev_shared->evtchn_mask[port / 64], 1ull << (port % 64), __ATOMIC_SEQ_CST);
}

void ev_unmask_local(uint32_t port)
{
    __atomic_fetch_and(&ev_shared->evtchn_mask[port / 64], ~(1ull << (port % 64)),
                       __ATOMIC_SEQ_CST);
}

bool ev_is_pending(uint32_t port)
{
    return __atomic_load_n(&ev_shared->evtchn_pending[port / 64], __ATOMIC_SEQ_CST) &
           (1ull << (port % 64));
}

uint64_t ev_system_time(void)
{
    return (uint64_t)mica_vcpu_op(MICA_VCPUOP_get_system_time, 0, 0);
}

bool ev_wait(volatile uint32_t *ctr, uint32_t target, uint64_t deadline_ns)
{
    bool ok;

    mica_vcpu_op(MICA_VCPUOP_set_singleshot_timer, deadline_ns, 0);
    for (;;) {
        irq_disable();
        if (*ctr >= target) {
            ok = true;
            break;
        }
        if (ev_system_time() >= deadline_ns) {
            ok = false;
            break;
        }
        ev_blocks++;
        mica_sched_op(MICA_SCHED_block, 0);
        irq_enable();                   /* the upcall, if any, is taken here */
    }
    irq_enable();
    mica_vcpu_op(MICA_VCPUOP_stop_singleshot_timer, 0, 0);
    return ok;
}

int64_t ev_bind_virq(uint32_t virq)
{
    struct mica_evtchn_bind_virq a = { .virq = virq, .vcpu = 0 };
    int64_t rc = mica_evtchn_op(MICA_EVTCHNOP_bind_virq, &a);

    return rc ? rc : a.port;
}

int64_t ev_alloc_unbound(uint16_t remote_dom)
{
    struct mica_evtchn_alloc_unbound a = { .dom = MICA_DOMID_SELF, .remote_dom = remote_dom };
    int64_t rc = mica_evtchn_op(MICA_EVTCHNOP_alloc_unbound, &a);

    return rc ? rc : a.port;
}

int64_t ev_send(uint32_t port)
{
    struct mica_evtchn_port a = { port };

    return mica_evtchn_op(MICA_EVTCHNOP_send, &a);
}

int64_t ev_close(uint32_t port)
{
    struct mica_evtchn_port a = { port };

    return mica_evtchn_op(MICA_EVTCHNOP_close, &a);
}

uint64_t time_page_read(const volatile struct mica_vcpu_time_info *ti, uint32_t *version)
{
    uint64_t ts, st, tsc, d;
    uint32_t v, mul;
    int8_t shift;

    do {
        v = ti->version;
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        ts = ti->tsc_timestamp;
        st = ti->system_time;
        mul = ti->tsc_to_system_mul;
        shift = ti->tsc_shift;
        tsc = rdtsc();
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
    } while ((v & 1) || v != ti->version);
    d = tsc - ts;
    d = shift >= 0 ? d << shift : d >> -shift;
    if (version)
        *version = v;
    return st + (uint64_t)(((unsigned __int128)d * mul) >> 32);
}
