/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fuzz target fuzz_hypercall's model of what lies below the common
 * hypervisor code (hv_shim.c, hv_domain.c): a scheduler that only keeps
 * vCPU states, an arch that allocates one page per vCPU (its "VMCB")
 * holding the guest's CR0, CR3, CR4 and EFER for the real page walker
 * (all zero at first: paging off, a guest-linear address is its
 * guest-physical one), timers that fire when the program says, and a
 * clock that moves one millisecond per operation (and a microsecond each
 * time it is read).
 *
 * Other CPUs: a vCPU can be "running guest code" on its CPU (on_cpu set)
 * between operations. Those CPUs act only when this one waits for them:
 * domain_end.c's cpu_relax() is hv_cpu_relax() (hv_domain_end.c), where
 * every running vCPU that was taken down leaves its CPU as sched.c's run
 * loop would have it.
 */
#ifndef FUZZ_HV_SHIM_H
#define FUZZ_HV_SHIM_H

#include <mica/types.h>

struct vcpu;
struct guest_paging;
/* What the vCPU's CR0, CR3, CR4 and EFER are from now on (the guest set them). */
void hv_vcpu_set_paging(struct vcpu *v, const struct guest_paging *gp);
/* The vCPU making the hypercall now, or NULL (set by the harness). */
extern struct vcpu *hv_current;
/* v starts running guest code on its CPU (false: no CPU free in the model). */
bool hv_vcpu_enter(struct vcpu *v);
/* v leaves its CPU: domain_vcpu_left_cpu() as the run loop calls it. */
void hv_vcpu_leave(struct vcpu *v);
/* Another CPU makes progress: the running vCPUs taken down leave. */
void hv_cpu_relax(void);
unsigned int hv_vcpus_running(void);
/* Run the callback of every armed timer whose time has come (now_ns()). */
void hv_timers_fire(void);
/* Every timer stopped or killed: 0 armed ones left. */
unsigned int hv_timers_armed(void);
void hv_clock_advance(uint64_t ns);
void hv_clock_reset(void);
/* domain.c's statics back to boot: next id 1, no control domain (hv_domain.c). */
void hv_domain_reset(void);

#endif
