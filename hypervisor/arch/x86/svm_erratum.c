/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * QEMU 7.2's SVM emulation (multi-threaded TCG) sometimes ends a VMRUN with
 * the VMCB's guest state holding the hypervisor's own context: RIP just
 * after our VMRUN, CR3 our page tables, and as the "exit" a nested page
 * fault on our own page tables, as if our code had run with the guest's
 * nested paging still on. Xen on the same QEMU sees the same thing.
 *
 * The guest's GPRs survive (the exit path saves them from the CPU), and
 * they tell whether the guest ran before its state was lost. Seen in stress
 * runs: it had (13 of 14 changed, 500k cycles); entering again from the
 * state the entry started from then rolled the guest back while its memory
 * had moved on, and dom0 broke later in odd ways. So: unchanged registers,
 * the guest did not get going and is entered again from its snapshot;
 * changed ones, its RIP, RSP, RFLAGS and control state are gone and the
 * domain is killed, saying why.
 *
 * A guest controls every one of those fields itself, so the match must not
 * be one it can make: with nested paging it may load any CR3 and CS 0x08
 * (ours too) and run at any RIP (ours is an address in its own RAM), and
 * an exit there (a CPUID, or the nested page fault of walking "our" CR3)
 * used to be taken for the erratum: the guest was entered again from its
 * snapshot, for ever, or killed for QEMU's sake. What the erratum leaves
 * is all of the state our VMRUN saved (QEMU reloads RIP, RSP and RAX from
 * the host save area together), so the check also wants our RSP at that
 * VMRUN and RAX holding this VMCB's machine address: values the guest is
 * never shown. And it is not the erratum if the guest's own state before
 * the VMRUN already had our RIP or CR3, nor twice in a row: a guest that
 * matches anyway is rolled back once, then killed, and never loops.
 */
#include <mica/console.h>
#include <mica/lib.h>
#include <asm/svm_priv.h>
#include <asm/smp.h>
#include <asm/desc.h>
#include <asm/x86.h>

extern const char svm_vmrun_return[];

#define SAVE_START  0x400
#define SAVE_END    0x700

static uint64_t occurrences;

void svm_erratum_snapshot(struct vcpu *v, struct svm_snapshot *s)
{
    const struct vmcb *vm = svm_of(v)->vmcb;

    memcpy(s->save, (const uint8_t *)vm + SAVE_START, sizeof(s->save));
    s->eventinj = vm->eventinj;
    s->vintr = vm->vintr;
    s->int_state = vm->int_state;
    s->gprs = svm_of(v)->gprs;
    s->tsc = rdtsc();
}

/*
 * The exit saves the guest's GPRs from the CPU (svm_entry.S), not from the
 * VMCB the erratum overwrote: any that differ from the snapshot show that
 * the guest ran before its state was lost.
 */
static unsigned int gprs_changed(const struct guest_gprs *now, const struct guest_gprs *before)
{
    const uint64_t *a = (const uint64_t *)now, *b = (const uint64_t *)before;
    unsigned int n = 0;

    for (size_t i = 0; i < sizeof(*now) / sizeof(uint64_t); i++)
        n += a[i] != b[i];
    return n;
}

static void restore(struct vcpu *v, const struct svm_snapshot *s)
{
    struct vmcb *vm = svm_of(v)->vmcb;

    memcpy((uint8_t *)vm + SAVE_START, s->save, sizeof(s->save));
    vm->eventinj = s->eventinj;
    vm->vintr = s->vintr;
    vm->int_state = s->int_state;
    svm_of(v)->gprs = s->gprs;
}

static uint64_t saved_u64(const struct svm_snapshot *s, size_t vmcb_offset)
{
    uint64_t val;

    memcpy(&val, s->save + vmcb_offset - SAVE_START, sizeof(val));
    return val;
}

/* The VMCB holds what our VMRUN saved: RIP after it, CR3, CS, RSP, RAX. */
static bool holds_our_state(const struct vcpu *v, const struct vmcb *vm,
                            const struct svm_snapshot *s)
{
    return vm->rip == (uint64_t)(uintptr_t)svm_vmrun_return && vm->cr3 == hyp_cr3 &&
           vm->cs.sel == HYP_CS && vm->rsp == s->host_rsp && vm->rax == svm_of(v)->vmcb_pa;
}

/* The guest entered with our RIP or CR3 already: its exit, not the erratum. */
static bool guest_had_it(const struct svm_snapshot *s)
{
    return saved_u64(s, offsetof(struct vmcb, rip)) == (uint64_t)(uintptr_t)svm_vmrun_return ||
           saved_u64(s, offsetof(struct vmcb, cr3)) == hyp_cr3;
}

/*
 * After each VMRUN: SVM_ERRATUM_NONE (a real exit), SVM_ERRATUM_RETRY (our
 * own state came back before the guest ran: its snapshot is put back) or
 * SVM_ERRATUM_LOST (it came back after the guest ran, or again right after
 * a retry: the caller kills the domain).
 */
int svm_erratum_check(struct vcpu *v, struct svm_snapshot *s)
{
    struct vmcb *vm = svm_of(v)->vmcb;
    uint64_t cycles = rdtsc() - s->tsc;
    unsigned int changed;

    if (!holds_our_state(v, vm, s) || guest_had_it(s)) {
        s->retries = 0;
        return SVM_ERRATUM_NONE;
    }
    changed = gprs_changed(&svm_of(v)->gprs, &s->gprs);
    occurrences++;
    pr_warn("d%u vcpu%u: VMRUN came back with the hypervisor's own state (QEMU SVM erratum, "
            "%lu so far): exit %#lx info %#lx %#lx intinfo %#lx, %lu cycles after entering at "
            "rip %#lx, %u of 14 GPRs changed\n", v->domain->id, v->id,
            (unsigned long)occurrences, (unsigned long)vm->exitcode,
            (unsigned long)vm->exitinfo1, (unsigned long)vm->exitinfo2,
            (unsigned long)vm->exitintinfo, (unsigned long)cycles,
            (unsigned long)saved_u64(s, offsetof(struct vmcb, rip)), changed);
    if (changed)
        return SVM_ERRATUM_LOST;
    if (s->retries) {
        pr_warn("d%u vcpu%u: again at once after entering again: not retried\n",
                v->domain->id, v->id);
        return SVM_ERRATUM_LOST;
    }
    s->retries++;
    restore(v, s);
    pr_warn("d%u vcpu%u: the guest had not run: entering again from the same state\n",
            v->domain->id, v->id);
    return SVM_ERRATUM_RETRY;
}
