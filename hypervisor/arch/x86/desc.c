/* SPDX-License-Identifier: GPL-2.0-only */
/* Per-CPU GDT and TSS, the shared IDT, and per-CPU data blocks. */
#include <mica/lib.h>
#include <mica/console.h>
#include <mica/xmalloc.h>
#include <asm/x86.h>
#include <asm/desc.h>
#include <asm/percpu.h>

#define STACK_ORDER   2               /* 16 KiB main stack per CPU */
#define IST_ORDER     0               /* 4 KiB per IST stack */

struct idt_entry {
    uint16_t off_lo;
    uint16_t sel;
    uint8_t ist;
    uint8_t type;
    uint16_t off_mid;
    uint32_t off_hi;
    uint32_t rsvd;
} __packed;

static struct idt_entry idt[256] __aligned(16);
extern const char vector_stubs[];

struct percpu *percpu[MAX_CPUS];
unsigned int nr_cpus_online;

static void idt_set(unsigned int vec, const void *handler, unsigned int ist)
{
    uint64_t a = (uint64_t)handler;

    idt[vec] = (struct idt_entry){
        .off_lo = a & 0xffff, .sel = HYP_CS, .ist = (uint8_t)ist,
        .type = 0x8e,                 /* present, DPL 0, interrupt gate */
        .off_mid = (a >> 16) & 0xffff, .off_hi = (uint32_t)(a >> 32),
    };
}

void idt_init(void)
{
    for (unsigned int v = 0; v < 256; v++)
        idt_set(v, vector_stubs + 16 * v, 0);
    idt[2].ist = IST_NMI;
    idt[8].ist = IST_DF;
    idt[18].ist = IST_MCE;
}

void idt_load(void)
{
    struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)idt };

    asm volatile("lidt %0" :: "m"(p));
}

static void gdt_fill(struct percpu *pc)
{
    uint64_t base = (uint64_t)&pc->tss;
    uint64_t limit = sizeof(struct tss) - 1;

    pc->gdt[0] = 0;
    pc->gdt[1] = 0x00af9a000000ffffull;       /* HYP_CS */
    pc->gdt[2] = 0x00cf92000000ffffull;       /* HYP_DS */
    pc->gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
                 (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
                 (((base >> 24) & 0xff) << 56);
    pc->gdt[4] = base >> 32;
}

/* Load this CPU's GDT, reload every segment register and the task register. */
void percpu_install(struct percpu *pc)
{
    struct desc_ptr p = { sizeof(pc->gdt) - 1, (uint64_t)pc->gdt };

    asm volatile("lgdt %0\n\t"
                 "pushq %1\n\t"
                 "leaq 1f(%%rip), %%rax\n\t"
                 "pushq %%rax\n\t"
                 "lretq\n"
                 "1:\n\t"
                 "movl %2, %%eax\n\t"
                 "movl %%eax, %%ds\n\t"
                 "movl %%eax, %%es\n\t"
                 "movl %%eax, %%ss\n\t"
                 "xorl %%eax, %%eax\n\t"
                 "movl %%eax, %%fs\n\t"
                 "movl %%eax, %%gs\n\t"
                 :: "m"(p), "i"(HYP_CS), "i"(HYP_DS) : "rax", "memory");
    asm volatile("ltr %w0" :: "r"(HYP_TSS));
    wrmsr(MSR_GS_BASE, (uint64_t)pc);
    idt_load();
}

static uint64_t stack_top(unsigned int order)
{
    char *s = page_alloc_hyp(order);

    return s ? (uint64_t)(s + (PAGE_SIZE << order)) : 0;
}

struct percpu *percpu_setup(unsigned int cpu, uint32_t apic_id)
{
    struct percpu *pc = page_alloc_hyp(0);

    BUILD_BUG_ON(sizeof(struct percpu) > PAGE_SIZE);
    if (!pc)
        return NULL;
    pc->self = pc;
    pc->cpu = cpu;
    pc->apic_id = apic_id;
    pc->last_domid = -1;
    pc->stack_top = stack_top(STACK_ORDER);
    pc->tss.ist[IST_DF - 1] = stack_top(IST_ORDER);
    pc->tss.ist[IST_NMI - 1] = stack_top(IST_ORDER);
    pc->tss.ist[IST_MCE - 1] = stack_top(IST_ORDER);
    pc->tss.rsp[0] = pc->stack_top;
    pc->tss.iomap_base = sizeof(struct tss);
    if (!pc->stack_top || !pc->tss.ist[0] || !pc->tss.ist[1] || !pc->tss.ist[2])
        return NULL;
    gdt_fill(pc);
    percpu[cpu] = pc;
    return pc;
}
