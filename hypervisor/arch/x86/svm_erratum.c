/*
 * QEMU 7.2's SVM emulation (TCG) sometimes ends a VMRUN with the VMCB's
 * guest state holding the hypervisor's own context: RIP just after our
 * VMRUN, CR3 our page tables. The guest never ran; the "exit" is whatever
 * the CPU did next with that state (a nested page fault on our CR3, a
 * triple fault). Real hardware has errata of this kind too; the cure is
 * the same: keep the state the entry started from and enter again.
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
    const struct vmcb *vm = v->arch.vmcb;

    memcpy(s->save, (const uint8_t *)vm + SAVE_START, sizeof(s->save));
    s->eventinj = vm->eventinj;
    s->vintr = vm->vintr;
    s->int_state = vm->int_state;
    s->gprs = v->arch.gprs;
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

/* True if the last VMRUN came back with our own state; the snapshot is put back. */
bool svm_erratum_check(struct vcpu *v, const struct svm_snapshot *s)
{
    struct vmcb *vm = v->arch.vmcb;
    uint64_t cycles = rdtsc() - s->tsc;
    uint64_t rip;

    if (vm->rip != (uint64_t)(uintptr_t)svm_vmrun_return || vm->cr3 != hyp_cr3 ||
        vm->cs.sel != HYP_CS)
        return false;
    memcpy(&rip, s->save + offsetof(struct vmcb, rip) - SAVE_START, sizeof(rip));

    /*
     * Whether the guest ran before this (and its state since is lost, so
     * entering again rolls it back) is not known: the figures below are what
     * could tell. The stress runs saw a guest crash soon after an occurrence.
     */
    pr_warn("d%u vcpu%u: lost-state exit %#lx info %#lx %#lx intinfo %#lx, %lu cycles after "
            "entering at rip %#lx, %u of 14 GPRs changed\n", v->domain->id, v->id,
            (unsigned long)vm->exitcode, (unsigned long)vm->exitinfo1,
            (unsigned long)vm->exitinfo2, (unsigned long)vm->exitintinfo,
            (unsigned long)cycles, (unsigned long)rip, gprs_changed(&v->arch.gprs, &s->gprs));
    memcpy((uint8_t *)vm + SAVE_START, s->save, sizeof(s->save));
    vm->eventinj = s->eventinj;
    vm->vintr = s->vintr;
    vm->int_state = s->int_state;
    v->arch.gprs = s->gprs;
    occurrences++;
    pr_warn("d%u vcpu%u: VMRUN came back with the hypervisor's own state (exit %#lx; "
            "QEMU SVM erratum, %lu so far): guest state restored, entering again\n",
            v->domain->id, v->id, (unsigned long)vm->exitcode, (unsigned long)occurrences);
    return true;
}
