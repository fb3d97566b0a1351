/* SPDX-License-Identifier: MIT */
/*
 * Memory the hypervisor and a guest share without hypercalls: the shared
 * info page (one per domain: event-channel bitmaps and per-vCPU upcall
 * state) and the time page (one per vCPU: how to turn the TSC into system
 * time). The guest hands over frames of its own RAM for both
 * (MICA_EVTCHNOP_set_shared_info, MICA_VCPUOP_register_time_page);
 * docs/abi.md describes the protocols.
 *
 * The guest reads and writes the shared info page while the hypervisor
 * does, from other CPUs: every read-modify-write of a field must be atomic
 * (lock-prefixed on x86).
 */
#ifndef MICA_PUBLIC_SHARED_INFO_H
#define MICA_PUBLIC_SHARED_INFO_H

#include "types.h"

#define MICA_SHINFO_VCPUS         64    /* vcpu_info slots: vCPU ids 0..63 */
#define MICA_EVTCHN_WORD_BITS     64
#define MICA_EVTCHN_WORDS         64
#define MICA_EVTCHN_MAX_PORTS     (MICA_EVTCHN_WORDS * MICA_EVTCHN_WORD_BITS)  /* 4096 */

/*
 * Per-vCPU upcall state. The hypervisor sets a port's bit in
 * evtchn_pending; if the port is not masked it sets bit (port / 64) of the
 * notified vCPU's pending_sel, then upcall_pending, and when upcall_pending
 * went from 0 to 1 and upcall_mask is 0 it raises the vCPU's upcall vector.
 * The guest's handler clears upcall_pending, exchanges pending_sel with 0,
 * and for each word named there handles the bits of
 * evtchn_pending & ~evtchn_mask (clearing each bit it handles).
 */
struct mica_vcpu_info {
    uint8_t  upcall_pending;  /* set by the hypervisor, cleared by the guest */
    uint8_t  upcall_mask;     /* guest: non-zero = do not raise the vector */
    uint8_t  pad[6];
    uint64_t pending_sel;     /* bit w: word w of evtchn_pending may hold work */
};
MICA_STATIC_ASSERT(sizeof(struct mica_vcpu_info) == 16, "ABI size");

/* The first 2048 bytes of the shared info page; the rest is reserved. */
struct mica_shared_info {
    struct mica_vcpu_info vcpu_info[MICA_SHINFO_VCPUS];   /* offset 0 */
    uint64_t evtchn_pending[MICA_EVTCHN_WORDS];           /* offset 1024 */
    uint64_t evtchn_mask[MICA_EVTCHN_WORDS];              /* offset 1536 */
};
MICA_STATIC_ASSERT(sizeof(struct mica_shared_info) == 2048, "ABI size");

/*
 * The time page: at offset 0 of the page a vCPU registers. The layout is
 * the pvclock one (Xen's vcpu_time_info, KVM's pvclock_vcpu_time_info).
 * System time is nanoseconds on the hypervisor's clock, the one
 * MICA_VCPUOP_set_singleshot_timer takes. To read it:
 *
 *     do {
 *         v = version;  (v odd: being updated, read again)
 *         read barrier; copy the fields; tsc = RDTSC; read barrier
 *     } while (v is odd || version != v);
 *     d = tsc - tsc_timestamp;
 *     d = tsc_shift >= 0 ? d << tsc_shift : d >> -tsc_shift;
 *     now = system_time + (d * tsc_to_system_mul) >> 32   (128-bit product)
 */
struct mica_vcpu_time_info {
    uint32_t version;            /* odd while the hypervisor updates the page */
    uint32_t pad0;
    uint64_t tsc_timestamp;      /* the vCPU's TSC at system_time */
    uint64_t system_time;        /* ns */
    uint32_t tsc_to_system_mul;  /* ns per TSC tick, as a 32.32 fraction (with shift) */
    int8_t   tsc_shift;
    uint8_t  flags;              /* MICA_TIME_* */
    uint8_t  pad1[2];
};
MICA_STATIC_ASSERT(sizeof(struct mica_vcpu_time_info) == 32, "ABI size");

#define MICA_TIME_TSC_STABLE  0x01   /* every pCPU's TSC is in step: the page stays valid anywhere */

#endif
