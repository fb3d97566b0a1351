/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Speculation barriers between domains, as Xen does by default
 * (spec_ctrl.c, "ibpb-ctxt-switch"): where the CPU has an indirect branch
 * prediction barrier (IBPB: CPUID 0x80000008 EBX bit 12 on AMD, CPUID 7.0
 * EDX bit 26 on Intel), a pCPU about to run a vCPU of another domain than
 * the one it last ran writes IA32_PRED_CMD.IBPB first, so that branch
 * targets one domain trained cannot steer another's speculation (Spectre
 * v2 across guests). Domain ids are never reused (domain.c), so the last
 * domain's id, per pCPU, is enough; vCPUs of one domain take turns on a
 * pCPU without a barrier, as in Xen. Without IBPB nothing is written.
 */
#include <mica/domain.h>
#include <mica/console.h>
#include <asm/x86.h>
#include <asm/percpu.h>
#include <asm/spec_ctrl.h>

static bool have_ibpb;

void spec_ctrl_init(void)
{
    uint32_t a, b, c, d, max_ext;

    cpuid_count(0, 0, &a, &b, &c, &d);
    if (a >= 7) {
        cpuid_count(7, 0, &a, &b, &c, &d);
        have_ibpb = d & CPUID_7_EDX_SPEC_CTRL;
    }
    cpuid_count(CPUID_EXT_MAX, 0, &max_ext, &b, &c, &d);
    if (max_ext >= CPUID_EXT_ADDR_SIZES) {
        cpuid_count(CPUID_EXT_ADDR_SIZES, 0, &a, &b, &c, &d);
        have_ibpb = have_ibpb || (b & CPUID_80000008_EBX_IBPB);
    }
    if (have_ibpb)
        pr_info("spec_ctrl: IBPB when a CPU switches to another domain's vCPU\n");
    else
        pr_debug("spec_ctrl: no IBPB on this CPU: none between domains\n");
}

void spec_ctrl_enter(struct vcpu *v)
{
    struct percpu *pc = this_cpu();
    domid_t next = v->domain->id;

    if (have_ibpb && pc->last_domid != (int32_t)next)
        wrmsr(MSR_PRED_CMD, PRED_CMD_IBPB);
    pc->last_domid = next;
}
