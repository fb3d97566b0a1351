/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reports for the log: a vCPU's exit counts (at shutdown and on the console
 * key 'd'), and its whole guest state when it dies (a triple fault, an exit
 * we have no handler for), which is what tells a guest's own bug from ours.
 */
#include <mica/console.h>
#include <mica/domain.h>
#include <mica/lib.h>
#include <asm/x86.h>
#include <asm/svm_priv.h>
#include <asm/vlapic.h>

static const char *exit_name(unsigned int code)
{
    static const char *const names[SVM_EXIT_NR] = {
        [SVM_EXIT_INTR] = "intr", [SVM_EXIT_VINTR] = "vintr", [SVM_EXIT_IRET] = "iret", [SVM_EXIT_NMI] = "nmi", [SVM_EXIT_SMI] = "smi",
        [SVM_EXIT_INIT] = "init", [SVM_EXIT_CPUID] = "cpuid", [SVM_EXIT_INVD] = "invd",
        [SVM_EXIT_HLT] = "hlt", [SVM_EXIT_INVLPGA] = "invlpga", [SVM_EXIT_IOIO] = "ioio",
        [SVM_EXIT_MSR] = "msr", [SVM_EXIT_TASKSWITCH] = "taskswitch",
        [SVM_EXIT_SHUTDOWN] = "shutdown", [SVM_EXIT_VMRUN] = "vmrun",
        [SVM_EXIT_VMMCALL] = "vmmcall", [SVM_EXIT_VMLOAD] = "vmload",
        [SVM_EXIT_VMSAVE] = "vmsave", [SVM_EXIT_STGI] = "stgi", [SVM_EXIT_CLGI] = "clgi",
        [SVM_EXIT_SKINIT] = "skinit", [SVM_EXIT_RDTSCP] = "rdtscp",
        [SVM_EXIT_MONITOR] = "monitor", [SVM_EXIT_MWAIT] = "mwait",
        [SVM_EXIT_MWAIT_COND] = "mwait_cond", [SVM_EXIT_NPF] = "npf",
        [SVM_EXIT_XSETBV] = "xsetbv",
    };
    return names[code];
}

void svm_dump_exits(struct vcpu *v)
{
    char buf[256];
    int n = 0;

    for (unsigned int c = 0; c < SVM_EXIT_NR && n < (int)sizeof(buf) - 32; c++)
        if (svm_of(v)->exit_count[c] && exit_name(c))
            n += snprintf(buf + n, sizeof(buf) - (size_t)n, " %s=%u",
                          exit_name(c), svm_of(v)->exit_count[c]);
        else if (svm_of(v)->exit_count[c])
            n += snprintf(buf + n, sizeof(buf) - (size_t)n, " exit%#x=%u",
                          c, svm_of(v)->exit_count[c]);
    pr_info("d%u vcpu%u: %lu exits:%s\n", v->domain->id, v->id,
            (unsigned long)svm_of(v)->exits, n ? buf : " none");
}

static void seg_line(const char *name, const struct vmcb_seg *s)
{
    pr_info("  %-4s sel %#06x attr %#06x limit %#010x base %#018lx\n", name, s->sel,
            s->attr, s->limit, (unsigned long)s->base);
}

void svm_dump_guest(struct vcpu *v, const char *why)
{
    const struct vmcb *vm = svm_of(v)->vmcb;
    const struct guest_gprs *g = &svm_of(v)->gprs;
    struct guest_paging gp;
    uint8_t code[16];
    char hex[3 * sizeof(code) + 1] = "unreadable";

    arch_vcpu_paging(v, &gp);
    if (!copy_from_guest(v, code, gp.cs_base + vm->rip, sizeof(code)))
        for (unsigned int i = 0; i < sizeof(code); i++)
            snprintf(hex + 3 * i, 4, "%02x ", code[i]);
    pr_info("d%u vcpu%u: %s: guest state at exit %#lx (info %#lx, %#lx) on CPU %u\n",
            v->domain->id, v->id, why, (unsigned long)vm->exitcode,
            (unsigned long)vm->exitinfo1, (unsigned long)vm->exitinfo2, v->pcpu);
    pr_info("  rip %#018lx rsp %#018lx rflags %#lx cpl %u int_state %#lx\n",
            (unsigned long)vm->rip, (unsigned long)vm->rsp, (unsigned long)vm->rflags,
            vm->cpl, (unsigned long)vm->int_state);
    pr_info("  exitintinfo %#lx eventinj %#lx vintr %#lx\n", (unsigned long)vm->exitintinfo,
            (unsigned long)vm->eventinj, (unsigned long)vm->vintr);
    pr_info("  cr0 %#lx cr2 %#lx cr3 %#lx cr4 %#lx efer %#lx\n", (unsigned long)vm->cr0,
            (unsigned long)vm->cr2, (unsigned long)vm->cr3, (unsigned long)vm->cr4,
            (unsigned long)vm->efer);
    seg_line("cs", &vm->cs);
    seg_line("ss", &vm->ss);
    seg_line("gs", &vm->gs);
    seg_line("idtr", &vm->idtr);
    seg_line("gdtr", &vm->gdtr);
    seg_line("tr", &vm->tr);
    pr_info("  rax %#lx rbx %#lx rcx %#lx rdx %#lx\n", (unsigned long)vm->rax,
            (unsigned long)g->rbx, (unsigned long)g->rcx, (unsigned long)g->rdx);
    pr_info("  rsi %#lx rdi %#lx rbp %#lx r8 %#lx\n", (unsigned long)g->rsi,
            (unsigned long)g->rdi, (unsigned long)g->rbp, (unsigned long)g->r8);
    pr_info("  r9 %#lx r10 %#lx r11 %#lx r12 %#lx\n", (unsigned long)g->r9,
            (unsigned long)g->r10, (unsigned long)g->r11, (unsigned long)g->r12);
    pr_info("  r13 %#lx r14 %#lx r15 %#lx\n", (unsigned long)g->r13,
            (unsigned long)g->r14, (unsigned long)g->r15);
    pr_info("  code at rip: %s\n", hex);
}

/* Its state at its last exit (older if it runs now), and its local APIC's. */
void svm_dump_state(struct vcpu *v)
{
    const struct vmcb *vm = svm_of(v)->vmcb;

    pr_info("  d%u vcpu%u: rip %#lx IF %u shadow %lu eventinj %#lx V_IRQ %u exits %lu\n",
            v->domain->id, v->id, (unsigned long)vm->rip,
            (unsigned int)!!(vm->rflags & X86_EFLAGS_IF), (unsigned long)(vm->int_state & INT_STATE_SHADOW),
            (unsigned long)vm->eventinj, (unsigned int)!!(vm->vintr & VINTR_V_IRQ),
            (unsigned long)svm_of(v)->exits);
    if (v->arch.vlapic)
        vlapic_dump(v);
}
