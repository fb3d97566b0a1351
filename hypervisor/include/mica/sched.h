/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scheduler: credit-based (hypervisor/common/sched_credit.c), one run
 * queue per pCPU, per-domain weight and cap, per-vCPU hard affinity, idle
 * pCPUs stealing work from busy ones. The vCPU state machine and each
 * pCPU's run loop are in sched.c.
 */
#ifndef MICA_SCHED_H
#define MICA_SCHED_H

#include <mica/types.h>

struct vcpu;
struct domain;

void sched_init(uint32_t tslice_us);
/* Put a new vCPU on a pCPU (cpu < 0: least loaded): 0 or -ENOMEM. */
int sched_place(struct vcpu *v, int cpu);
/* A destroyed vCPU leaves the scheduler (its domain is being freed). */
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
/* Get this CPU ready to schedule (before sched_run). */
void sched_start_cpu(void);

/*
 * The arch's IPIs for the scheduler (another CPU, not this one): resched
 * makes it set need_resched and pick again; kick only interrupts it, which
 * pulls a vCPU it runs out of the guest to see a new event.
 */
void arch_send_resched(unsigned int cpu);
void arch_send_kick(unsigned int cpu);

/*
 * Pause: none of d's vCPUs runs until sched_unpause_domain() (they keep
 * their states; a wake-up while paused takes effect on unpause). Returns
 * once none of them is on a CPU; never for the caller's own domain.
 */
void sched_pause_domain(struct domain *d);
void sched_unpause_domain(struct domain *d);
/* A vCPU's run time, its current turn on a CPU included. Any CPU. */
uint64_t sched_vcpu_runtime(const struct vcpu *v);

/* Weight 1..65535 (default 256); cap 0 (none) or percent of one pCPU, up to
 * 100 x pCPUs. -EINVAL for anything else. */
int sched_set_params(struct domain *d, uint32_t weight, uint32_t cap);
void sched_get_params(struct domain *d, uint32_t *weight, uint32_t *cap);
/* Hard affinity: a bitmap of pCPUs, not empty, only online ones (-EINVAL). */
int sched_set_affinity(struct vcpu *v, uint64_t mask);
uint64_t sched_get_affinity(struct vcpu *v);

/* One consistent look at a vCPU, for the control interface. */
struct sched_vcpu_info {
    int state;                     /* enum vcpu_state */
    bool on_cpu, wait_sipi;
    unsigned int pcpu;
    uint64_t runtime_ns, affinity;
};
void sched_vcpu_info(struct vcpu *v, struct sched_vcpu_info *info);

/* CPU time its vCPUs have had, the turns they are in now included. */
uint64_t sched_domain_runtime_ns(struct domain *d);
/* Log each pCPU's run queue (console key 'v'). */
void sched_dump_queues(void);
/* Log each pCPU's scheduler ticks, busy and halted time (at power-off). */
void sched_report(void);

#endif
