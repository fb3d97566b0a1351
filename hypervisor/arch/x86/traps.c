/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exceptions and interrupts. An exception in the hypervisor is always fatal:
 * print the registers and stop the machine. Interrupts go to the handler
 * registered for their vector.
 */
#include <mica/console.h>
#include <mica/panic.h>
#include <mica/errno.h>
#include <asm/x86.h>
#include <asm/traps.h>
#include <asm/percpu.h>
#include <asm/apic.h>

static irq_handler_t irq_handlers[256];

static const char *const exc_names[32] = {
    [0] = "divide error", [1] = "debug", [2] = "NMI", [3] = "breakpoint",
    [4] = "overflow", [5] = "bound range", [6] = "invalid opcode",
    [7] = "device not available", [8] = "double fault",
    [10] = "invalid TSS", [11] = "segment not present",
    [12] = "stack fault", [13] = "general protection", [14] = "page fault",
    [16] = "x87 FP error", [17] = "alignment check", [18] = "machine check",
    [19] = "SIMD FP error", [20] = "virtualization", [21] = "control protection",
};

void irq_register(unsigned int vector, irq_handler_t handler)
{
    irq_handlers[vector & 0xff] = handler;
}

int irq_vector_alloc(irq_handler_t handler)
{
    for (unsigned int v = VEC_DYN_FIRST; v <= VEC_DYN_LAST; v++) {
        irq_handler_t none = NULL;

        if (__atomic_compare_exchange_n(&irq_handlers[v], &none, handler, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return (int)v;
    }
    return -ENOSPC;
}

void irq_vector_free(int vector)
{
    if (vector >= VEC_DYN_FIRST && vector <= VEC_DYN_LAST)
        __atomic_store_n(&irq_handlers[vector], NULL, __ATOMIC_RELEASE);
}

static void dump_regs(const struct cpu_regs *r)
{
    pr_err("RIP %04lx:%016lx RFLAGS %016lx  error %lx\n",
           (unsigned long)r->cs, (unsigned long)r->rip,
           (unsigned long)r->rflags, (unsigned long)r->error_code);
    pr_err("RAX %016lx RBX %016lx RCX %016lx\n", (unsigned long)r->rax,
           (unsigned long)r->rbx, (unsigned long)r->rcx);
    pr_err("RDX %016lx RSI %016lx RDI %016lx\n", (unsigned long)r->rdx,
           (unsigned long)r->rsi, (unsigned long)r->rdi);
    pr_err("RBP %016lx RSP %016lx R8  %016lx\n", (unsigned long)r->rbp,
           (unsigned long)r->rsp, (unsigned long)r->r8);
    pr_err("R9  %016lx R10 %016lx R11 %016lx\n", (unsigned long)r->r9,
           (unsigned long)r->r10, (unsigned long)r->r11);
    pr_err("R12 %016lx R13 %016lx R14 %016lx\n", (unsigned long)r->r12,
           (unsigned long)r->r13, (unsigned long)r->r14);
    pr_err("R15 %016lx CR0 %016lx CR2 %016lx\n", (unsigned long)r->r15,
           read_cr0(), read_cr2());
    pr_err("CR3 %016lx CR4 %016lx\n", read_cr3(), read_cr4());
}

static void fatal_exception(struct cpu_regs *r)
{
    unsigned int v = (unsigned int)r->vector;

    console_force_unlock();
    pr_err("fatal exception %u (%s) in the hypervisor on CPU %u\n", v,
           exc_names[v] ? exc_names[v] : "reserved", panic_cpu_id());
    dump_regs(r);
    panic("unrecoverable exception %u", v);
}

void do_interrupt(struct cpu_regs *regs)
{
    unsigned int v = (unsigned int)regs->vector;

    if (v < 32) {
        fatal_exception(regs);
        return;
    }
    if (irq_handlers[v])
        irq_handlers[v](regs);
    else
        pr_warn("unexpected interrupt vector %u\n", v);
    if (v != VEC_SPURIOUS)
        apic_eoi();
}
