/*
 * The fuzz target fuzz_hypercall's model of what lies below the common
 * hypervisor code (hv_shim.c, hv_domain.c): a scheduler that only keeps
 * vCPU states, an arch that allocates one page per vCPU (its "VMCB")
 * holding the guest's CR0, CR3, CR4 and EFER for the real page walker
 * (all zero at first: paging off, a guest-linear address is its
 * guest-physical one), timers that fire when the program says, and a
 * clock that moves one millisecond per operation (and a microsecond each
 * time it is read).
 */
#ifndef FUZZ_HV_SHIM_H
#define FUZZ_HV_SHIM_H

#include <mica/types.h>

struct vcpu;
struct guest_paging;
/* What the vCPU's CR0, CR3, CR4 and EFER are from now on (the guest set them). */
void hv_vcpu_set_paging(struct vcpu *v, const struct guest_paging *gp);
/* Run the callback of every armed timer whose time has come (now_ns()). */
void hv_timers_fire(void);
/* Every timer stopped or killed: 0 armed ones left. */
unsigned int hv_timers_armed(void);
void hv_clock_advance(uint64_t ns);
void hv_clock_reset(void);
/* domain.c's statics back to boot: next id 1, no control domain (hv_domain.c). */
void hv_domain_reset(void);

#endif
