/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/arch/x86/svm_erratum.c: telling a real exit
 * from a VMRUN that came back with the hypervisor's own state, and, for
 * the latter, a guest that never ran (entered again from its snapshot)
 * from one that did (SVM_ERRATUM_LOST, nothing restored).
 *
 * A guest can load our RIP, CR3 and CS itself (CS 0x08 is its own code
 * selector too): such an exit must be handled as the guest's, never rolled
 * back nor blamed on QEMU, and a match must not make a guest loop.
 *
 * svm_erratum.c is linked as it is. What it takes from the rest of the
 * hypervisor is defined here: svm_vmrun_return (the label after our VMRUN
 * in svm_entry.S), hyp_cr3 and printk (the shim's, which the test reads
 * back). rdtsc() is the real instruction, fine in a host process.
 */
#include <asm/svm.h>
#include <asm/svm_priv.h>
#include <asm/desc.h>
#include <asm/smp.h>
#include <mica/domain.h>

#include <string.h>

#include "check.h"
#include "shim.h"

const char svm_vmrun_return[16];
unsigned long hyp_cr3 = 0x3ffde000;

#define HOST_RSP  0x22ab50ull              /* what svm_vmrun records */
#define VMCB_PA   0x3ffd5000ull

static struct domain dom;
static struct vmcb vmcb;
static struct vcpu vcpu;
static struct svm_snapshot snap;

/* A guest about to be entered: some state, an offered interrupt, GPRs. */
static void setup(void)
{
    dom = (struct domain){ .id = 0, .nr_vcpus = 1, .vcpu = { &vcpu } };
    vcpu = (struct vcpu){ .domain = &dom, .id = 2 };
    vcpu.arch.vendor.svm.vmcb = &vmcb;
    vcpu.arch.vendor.svm.vmcb_pa = VMCB_PA;
    vmcb = (struct vmcb){ .rip = 0xffffffff81000100, .rsp = 0xffffc90000013f00,
                          .cr3 = 0x1aae000, .rflags = 0x246, .vintr = 0x1000100ull | (0xecull << 32),
                          .int_state = 1, .eventinj = 0 };
    vmcb.cs.sel = 0x10;
    for (unsigned int i = 0; i < 14; i++)
        ((uint64_t *)&vcpu.arch.vendor.svm.gprs)[i] = 0x1000 + i;
    snap = (struct svm_snapshot){ .retries = 0 };
    svm_erratum_snapshot(&vcpu, &snap);
    snap.host_rsp = HOST_RSP;              /* svm_vmrun's part */
}

/*
 * What the erratum leaves: our own RIP, CR3, CS, RSP and RAX (the VMCB's
 * address, as VMRUN had it), and an NPF on our page tables.
 */
static void lose_state(void)
{
    vmcb.rip = (uint64_t)(uintptr_t)svm_vmrun_return;
    vmcb.cr3 = hyp_cr3;
    vmcb.cs.sel = HYP_CS;
    vmcb.rsp = HOST_RSP;
    vmcb.rax = VMCB_PA;
    vmcb.rflags = 0x2;
    vmcb.vintr = 0x1000000;                /* the CPU took the offer meanwhile */
    vmcb.int_state = 0;
    vmcb.exitcode = 0x400;
    vmcb.exitinfo1 = 0x200000006;
    vmcb.exitinfo2 = hyp_cr3;
}

static void test_real_exit(void)
{
    setup();
    vmcb.rip += 2;
    vmcb.exitcode = 0x72;                  /* CPUID */
    CHECK_EQ_S(svm_erratum_check(&vcpu, &snap), SVM_ERRATUM_NONE, "a real exit is not the erratum");
    CHECK(vmcb.rip == 0xffffffff81000102, "and nothing is touched");

    setup();
    vmcb.rip = (uint64_t)(uintptr_t)svm_vmrun_return;   /* a guest RIP that happens to match */
    CHECK_EQ_S(svm_erratum_check(&vcpu, &snap), SVM_ERRATUM_NONE,
               "our RIP alone (guest CR3 and CS) is not the erratum");
    setup();
    vmcb.cr3 = hyp_cr3;
    vmcb.cs.sel = HYP_CS;
    CHECK_EQ_S(svm_erratum_check(&vcpu, &snap), SVM_ERRATUM_NONE,
               "our CR3 and CS at another RIP is not the erratum");
}

static void test_not_run(void)
{
    setup();
    lose_state();
    shim_log_clear();
    CHECK_EQ_S(svm_erratum_check(&vcpu, &snap), SVM_ERRATUM_RETRY,
               "our own state back, GPRs untouched: entered again");
    CHECK(vmcb.rip == 0xffffffff81000100 && vmcb.rsp == 0xffffc90000013f00 &&
          vmcb.cr3 == 0x1aae000 && vmcb.cs.sel == 0x10 && vmcb.rflags == 0x246,
          "the save area is the snapshot's again");
    CHECK(vmcb.vintr == (0x1000100ull | (0xecull << 32)) && vmcb.int_state == 1,
          "so are V_IRQ and the interrupt shadow");
    CHECK(strstr(shim_log(), "0 of 14 GPRs changed") && strstr(shim_log(), "had not run"),
          "both facts are logged");
}

static void test_ran(void)
{
    setup();
    lose_state();
    vcpu.arch.vendor.svm.gprs.rbx = 0xdead;
    vcpu.arch.vendor.svm.gprs.r15 = 0xbeef;
    shim_log_clear();
    CHECK_EQ_S(svm_erratum_check(&vcpu, &snap), SVM_ERRATUM_LOST,
               "our own state back with GPRs changed: the guest ran, its state is lost");
    CHECK(vmcb.rip == (uint64_t)(uintptr_t)svm_vmrun_return && vcpu.arch.vendor.svm.gprs.rbx == 0xdead,
          "nothing is rolled back");
    CHECK(strstr(shim_log(), "2 of 14 GPRs changed") && strstr(shim_log(), "QEMU SVM erratum"),
          "the log names the erratum and the changed registers");
}

/*
 * A guest that loads our CR3 (mov to CR3 is not intercepted) with CS 0x08
 * at our RIP, an address in its own RAM, exits there: a CPUID, or the NPF
 * of walking a CR3 outside its memory. Its own RSP and RAX.
 */
static void forge(void)
{
    vmcb.rip = (uint64_t)(uintptr_t)svm_vmrun_return;
    vmcb.cr3 = hyp_cr3;
    vmcb.cs.sel = HYP_CS;
    vmcb.rax = hyp_cr3;                    /* mov %rax, %cr3 */
    vmcb.exitcode = 0x400;
    vmcb.exitinfo1 = 0x200000006;
    vmcb.exitinfo2 = hyp_cr3;
}

static void test_forged(void)
{
    setup();
    forge();
    shim_log_clear();
    CHECK_EQ_S(svm_erratum_check(&vcpu, &snap), SVM_ERRATUM_NONE,
               "a guest at our RIP with our CR3 and CS, GPRs untouched: its own exit");
    CHECK(vmcb.rip == (uint64_t)(uintptr_t)svm_vmrun_return && vmcb.cr3 == hyp_cr3 &&
          vmcb.rax == hyp_cr3, "not rolled back");
    CHECK(!strstr(shim_log(), "erratum"), "nothing blamed on QEMU");

    setup();
    forge();
    vcpu.arch.vendor.svm.gprs.rbx = 0xdead;
    CHECK_EQ_S(svm_erratum_check(&vcpu, &snap), SVM_ERRATUM_NONE,
               "the same with GPRs changed: its own exit, not killed for QEMU's sake");

    setup();
    forge();
    vmcb.rsp = HOST_RSP;
    CHECK_EQ_S(svm_erratum_check(&vcpu, &snap), SVM_ERRATUM_NONE,
               "our RSP too, but its own RAX: its own exit");
    setup();
    forge();
    vmcb.rax = VMCB_PA;
    CHECK_EQ_S(svm_erratum_check(&vcpu, &snap), SVM_ERRATUM_NONE,
               "RAX the VMCB's address too, but its own RSP: its own exit");
}

/* The guest's state before the VMRUN already had our RIP or CR3. */
static void test_entered_with_it(void)
{
    setup();
    vmcb.rip = (uint64_t)(uintptr_t)svm_vmrun_return;
    svm_erratum_snapshot(&vcpu, &snap);
    lose_state();
    CHECK_EQ_S(svm_erratum_check(&vcpu, &snap), SVM_ERRATUM_NONE,
               "entered at our RIP: whatever comes back is its own exit");
    setup();
    vmcb.cr3 = hyp_cr3;
    svm_erratum_snapshot(&vcpu, &snap);
    lose_state();
    CHECK_EQ_S(svm_erratum_check(&vcpu, &snap), SVM_ERRATUM_NONE,
               "entered with our CR3: its own exit");
}

/* Entered again, the same at once: killed, never a loop; a real exit in between resets that. */
static void test_no_loop(void)
{
    setup();
    lose_state();
    CHECK_EQ_S(svm_erratum_check(&vcpu, &snap), SVM_ERRATUM_RETRY, "first time: entered again");
    svm_erratum_snapshot(&vcpu, &snap);
    lose_state();
    shim_log_clear();
    CHECK_EQ_S(svm_erratum_check(&vcpu, &snap), SVM_ERRATUM_LOST,
               "again right after entering again: not retried, the domain is killed");
    CHECK(strstr(shim_log(), "not retried") != NULL, "and that is logged");

    setup();
    lose_state();
    CHECK_EQ_S(svm_erratum_check(&vcpu, &snap), SVM_ERRATUM_RETRY, "a retry");
    svm_erratum_snapshot(&vcpu, &snap);
    vmcb.rip += 2;
    vmcb.exitcode = 0x72;
    CHECK_EQ_S(svm_erratum_check(&vcpu, &snap), SVM_ERRATUM_NONE, "then a real exit");
    svm_erratum_snapshot(&vcpu, &snap);
    lose_state();
    CHECK_EQ_S(svm_erratum_check(&vcpu, &snap), SVM_ERRATUM_RETRY,
               "after a real exit the erratum is retried again");
}

int main(void)
{
    check_area("svm_erratum");
    test_real_exit();
    test_not_run();
    test_ran();
    test_forged();
    test_entered_with_it();
    test_no_loop();
    return check_done();
}
