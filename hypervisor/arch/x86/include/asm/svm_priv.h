/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared between svm.c and the exit handlers; not for common code. */
#ifndef ASM_SVM_PRIV_H
#define ASM_SVM_PRIV_H

#include <mica/domain.h>
#include <asm/svm.h>

/* The SVM part of a vCPU (asm/svm_vcpu.h); const if v is. */
#define svm_of(v) (&(v)->arch.vendor.svm)

void svm_handle_exit(struct vcpu *v);
void svm_inject_exception(struct vcpu *v, unsigned int vector, bool has_err,
                          uint32_t err);
/*
 * Length of the instruction at the guest's RIP if it is op (after prefixes);
 * -EFAULT if RIP cannot be read, -EINVAL if the instruction is not op (or
 * the bytes that could be read end first).
 */
int svm_insn_len(struct vcpu *v, const uint8_t *op, unsigned int oplen);
void svm_advance_rip(struct vcpu *v, unsigned int len);
uint64_t svm_get_gpr(struct vcpu *v, unsigned int n);
void svm_set_gpr(struct vcpu *v, unsigned int n, uint64_t val);
void svm_dump_exits(struct vcpu *v);
void svm_dump_state(struct vcpu *v);
/* The guest state at this exit, for a crash report. */
void svm_dump_guest(struct vcpu *v, const char *why);
void svm_intr_assist(struct vcpu *v);
void svm_intr_complete(struct vcpu *v);
void svm_intr_iret(struct vcpu *v, struct vmcb *vm);
bool svm_event_pending(struct vcpu *v);
/*
 * The state a VMRUN starts from, kept in case the CPU loses it, and the
 * hypervisor's own state the loss would leave in the VMCB (svm_erratum.c).
 * Zero it before the first snapshot of a run: retries counts across them.
 */
struct svm_snapshot {
    uint8_t save[0x300];
    uint64_t eventinj, vintr, int_state;
    struct guest_gprs gprs;
    uint64_t tsc;                  /* when it was taken: how long the VMRUN lasted */
    uint64_t host_rsp;             /* RSP at our VMRUN (svm_vmrun fills it in) */
    unsigned int retries;          /* RETRY in a row, with no real exit between */
};
void svm_erratum_snapshot(struct vcpu *v, struct svm_snapshot *s);
enum { SVM_ERRATUM_NONE, SVM_ERRATUM_RETRY, SVM_ERRATUM_LOST };
int svm_erratum_check(struct vcpu *v, struct svm_snapshot *s);

extern paddr_t svm_iopm_pa, svm_iopm_platform_pa, svm_msrpm_pa;
int svm_msrpm_init(void);

#endif
