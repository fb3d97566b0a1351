/* SPDX-License-Identifier: GPL-2.0-only */
/* Thin wrappers over x86 instructions and registers. */
#ifndef ASM_X86_H
#define ASM_X86_H

#include <mica/types.h>

#define X86_CR0_PE   (1ul << 0)
#define X86_CR0_MP   (1ul << 1)
#define X86_CR0_EM   (1ul << 2)
#define X86_CR0_TS   (1ul << 3)
#define X86_CR0_ET   (1ul << 4)
#define X86_CR0_NE   (1ul << 5)
#define X86_CR0_WP   (1ul << 16)
#define X86_CR0_AM   (1ul << 18)
#define X86_CR0_NW   (1ul << 29)
#define X86_CR0_CD   (1ul << 30)
#define X86_CR0_PG   (1ul << 31)

#define X86_CR4_PSE        (1ul << 4)
#define X86_CR4_PAE        (1ul << 5)
#define X86_CR4_PGE        (1ul << 7)
#define X86_CR4_OSFXSR     (1ul << 9)
#define X86_CR4_OSXMMEXCPT (1ul << 10)
#define X86_CR4_VMXE       (1ul << 13)
#define X86_CR4_OSXSAVE    (1ul << 18)
#define X86_CR4_SMEP       (1ul << 20)
#define X86_CR4_SMAP       (1ul << 21)

/* Architectural exception vectors the hypervisor injects. */
#define X86_VEC_GP   13
#define X86_VEC_PF   14

#define X86_DR6_RESET   0xffff0ff0ul
#define X86_DR7_RESET   0x400ul
#define PAT_RESET       0x0007040600070406ull   /* WB WT UC- UC, twice */

/*
 * Segment attributes in the packed 12-bit form SVM's VMCB uses: descriptor
 * bits 40-47 (type, S, DPL, P) in 7:0 and bits 52-55 (AVL, L, D/B, G) in
 * 11:8. VMX's access rights hold bits 52-55 at 15:12 instead.
 */
#define SEG_TYPE_DATA_RWA   0x3    /* data, read/write, accessed */
#define SEG_TYPE_CODE_XRA   0xb    /* code, execute/read, accessed */
#define SEG_TYPE_LDT        0x2    /* system */
#define SEG_TYPE_TSS_BUSY   0xb    /* system: busy 32/64-bit TSS */
#define SEG_ATTR_S          (1u << 4)    /* code or data, not system */
#define SEG_ATTR_DPL_SHIFT  5
#define SEG_ATTR_P          (1u << 7)
#define SEG_ATTR_AVL        (1u << 8)
#define SEG_ATTR_L          (1u << 9)    /* 64-bit code */
#define SEG_ATTR_DB         (1u << 10)
#define SEG_ATTR_G          (1u << 11)
#define SEG_ATTR_CODE64     (SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_CODE_XRA | SEG_ATTR_L | SEG_ATTR_G)
#define SEG_ATTR_DATA32     (SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_DATA_RWA | SEG_ATTR_DB | SEG_ATTR_G)
#define SEG_ATTR_CODE16     (SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_CODE_XRA)
#define SEG_ATTR_DATA16     (SEG_ATTR_P | SEG_ATTR_S | SEG_TYPE_DATA_RWA)
#define SEG_ATTR_LDT        (SEG_ATTR_P | SEG_TYPE_LDT)
#define SEG_ATTR_TSS_BUSY   (SEG_ATTR_P | SEG_TYPE_TSS_BUSY)
#define SEG_LIMIT_4G        0xffffffffu
#define SEG_LIMIT_64K       0xffffu
#define TSS64_LIMIT         0x67u
/* A STARTUP IPI with vector V starts real mode at CS = V << 8, base V << 12. */
#define SIPI_CS_SHIFT       8
#define SIPI_BASE_SHIFT     12

#define CPUID_EXT_MAX       0x80000000u  /* EAX: highest extended leaf */

#define X86_EFLAGS_CF   (1ul << 0)
#define X86_EFLAGS_FIXED (1ul << 1)
#define X86_EFLAGS_IF   (1ul << 9)
#define X86_EFLAGS_DF   (1ul << 10)
#define X86_EFLAGS_AC   (1ul << 18)

#define MSR_EFER            0xc0000080u
#define  EFER_SCE           (1ul << 0)
#define  EFER_LME           (1ul << 8)
#define  EFER_LMA           (1ul << 10)
#define  EFER_NXE           (1ul << 11)
#define  EFER_SVME          (1ul << 12)
#define MSR_STAR            0xc0000081u
#define MSR_LSTAR           0xc0000082u
#define MSR_CSTAR           0xc0000083u
#define MSR_SFMASK          0xc0000084u
#define MSR_FS_BASE         0xc0000100u
#define MSR_GS_BASE         0xc0000101u
#define MSR_KERNEL_GS_BASE  0xc0000102u
#define MSR_TSC_AUX         0xc0000103u
#define MSR_VM_CR           0xc0010114u
#define  VM_CR_SVMDIS       (1ul << 4)
#define MSR_VM_HSAVE_PA     0xc0010117u
#define MSR_APIC_BASE       0x0000001bu
#define  APIC_BASE_BSP      (1ul << 8)
#define  APIC_BASE_X2APIC   (1ul << 10)
#define  APIC_BASE_ENABLE   (1ul << 11)
#define MSR_PAT             0x00000277u
#define MSR_TSC             0x00000010u
#define MSR_TSC_ADJUST      0x0000003bu
#define MSR_SYSENTER_CS     0x00000174u
#define MSR_SYSENTER_ESP    0x00000175u
#define MSR_SYSENTER_EIP    0x00000176u
#define MSR_TSC_DEADLINE    0x000006e0u
#define MSR_SPEC_CTRL       0x00000048u  /* IBRS, STIBP, SSBD */
#define MSR_PRED_CMD        0x00000049u  /* IBPB (write-only) */
#define  PRED_CMD_IBPB      (1ul << 0)   /* indirect branch prediction barrier */
#define MSR_ARCH_CAPABILITIES 0x0000010au
/* IA32_ARCH_CAPABILITIES: "not affected" and mitigation-present bits (Linux's msr-index.h names). */
#define  ARCH_CAP_RDCL_NO            (1ull << 0)
#define  ARCH_CAP_IBRS_ALL           (1ull << 1)
#define  ARCH_CAP_RSBA               (1ull << 2)
#define  ARCH_CAP_SKIP_L1DFL_VMENTRY (1ull << 3)
#define  ARCH_CAP_SSB_NO             (1ull << 4)
#define  ARCH_CAP_MDS_NO             (1ull << 5)
#define  ARCH_CAP_PSCHANGE_MC_NO     (1ull << 6)
#define  ARCH_CAP_TAA_NO             (1ull << 8)
#define  ARCH_CAP_SBDR_SSDP_NO       (1ull << 13)  /* MMIO stale data */
#define  ARCH_CAP_FBSDP_NO           (1ull << 14)
#define  ARCH_CAP_PSDP_NO            (1ull << 15)
#define  ARCH_CAP_FB_CLEAR           (1ull << 17)
#define  ARCH_CAP_RRSBA              (1ull << 19)
#define  ARCH_CAP_BHI_NO             (1ull << 20)
#define  ARCH_CAP_PBRSB_NO           (1ull << 24)
#define  ARCH_CAP_GDS_NO             (1ull << 26)
#define  ARCH_CAP_RFDS_NO            (1ull << 27)
/* CPUID 7.0 EDX: the speculation controls. */
#define CPUID_7_EDX_SPEC_CTRL   (1u << 26)   /* IBRS and IBPB: SPEC_CTRL, PRED_CMD */
#define CPUID_7_EDX_STIBP       (1u << 27)
#define CPUID_7_EDX_ARCH_CAPS   (1u << 29)   /* IA32_ARCH_CAPABILITIES */
#define CPUID_7_EDX_SSBD        (1u << 31)
/* Extended CPUID leaves: the highest one, and address sizes (EAX[7:0] MAXPHYADDR). */
#define CPUID_EXT_MAX           0x80000000u
#define CPUID_EXT_ADDR_SIZES    0x80000008u
/* CPUID 0x80000008 EBX (AMD): IBPB, IA32_PRED_CMD. */
#define CPUID_80000008_EBX_IBPB (1u << 12)
#define CPUID_7_EDX_SPEC_ALL    (CPUID_7_EDX_SPEC_CTRL | CPUID_7_EDX_STIBP | \
                                 CPUID_7_EDX_ARCH_CAPS | CPUID_7_EDX_SSBD)
#define MSR_X2APIC_FIRST    0x00000800u  /* x2APIC registers: 0x800 + xAPIC offset / 16 */
#define MSR_X2APIC_LAST     0x000008ffu

static inline void cpuid_count(uint32_t leaf, uint32_t sub, uint32_t *a,
                               uint32_t *b, uint32_t *c, uint32_t *d)
{
    asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
                 : "a"(leaf), "c"(sub));
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    asm volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
                 : "memory");
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR(n)                                                    \
    static inline unsigned long read_cr##n(void)                        \
    { unsigned long v; asm volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
    static inline void write_cr##n(unsigned long v)                     \
    { asm volatile("mov %0, %%cr" #n :: "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void outb(uint16_t port, uint8_t v)
{ asm volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v)
{ asm volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v)
{ asm volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{ uint8_t v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port)
{ uint32_t v; asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline void cpu_relax(void) { asm volatile("pause" ::: "memory"); }
static inline void local_irq_disable(void) { asm volatile("cli" ::: "memory"); }
static inline void local_irq_enable(void) { asm volatile("sti" ::: "memory"); }
static inline unsigned long local_save_flags(void)
{
    unsigned long f;
    asm volatile("pushfq; popq %0" : "=r"(f) :: "memory");
    return f;
}
static inline unsigned long local_irq_save(void)
{
    unsigned long f = local_save_flags();
    local_irq_disable();
    return f;
}
static inline void local_irq_restore(unsigned long f)
{
    if (f & X86_EFLAGS_IF)
        local_irq_enable();
}
static inline void halt(void) { asm volatile("hlt" ::: "memory"); }
/* sti takes effect after the next instruction, so no wake-up is lost. */
static inline void safe_halt(void) { asm volatile("sti; hlt" ::: "memory"); }
static inline void invlpg(const void *va)
{ asm volatile("invlpg (%0)" :: "r"(va) : "memory"); }

#endif
