/*
 * The scheduler: one run queue per pCPU, round-robin with a fixed timeslice.
 * (The credit scheduler replaces the policy behind these same calls.)
 */
#ifndef MICA_SCHED_H
#define MICA_SCHED_H

#include <mica/types.h>

struct vcpu;

void sched_init(uint32_t tslice_us);
/* Put a new vCPU on a pCPU (cpu < 0: least loaded). */
void sched_place(struct vcpu *v, int cpu);
/* A destroyed vCPU no longer counts towards its pCPU's load. */
void sched_remove(struct vcpu *v);
void vcpu_wake(struct vcpu *v);
/* Make a vCPU notice a new event: wake it, or pull it out of the guest. */
void vcpu_kick(struct vcpu *v);
/* A vCPU that was down runs again (a STARTUP IPI); false if its domain ended. */
bool vcpu_revive(struct vcpu *v);
/* The running vCPU gives up its CPU until vcpu_wake(). */
void vcpu_block(struct vcpu *v);
void vcpu_yield(struct vcpu *v);
/* Take a vCPU off its CPU for good (its domain is ending). */
void vcpu_down(struct vcpu *v);
/* Each pCPU's scheduling loop; never returns. */
void sched_run(void) __noreturn;
/* Start this CPU's timeslice tick (before sched_run). */
void sched_start_cpu(void);

#endif
