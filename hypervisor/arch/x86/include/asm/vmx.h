/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Intel VMX: capability MSRs, control bits, VMCS field encodings and exit
 * reasons (Intel SDM vol. 3, chapters 24-27 and appendices A-C), named as
 * Xen's vmcs.h and vmx.h do.
 */
#ifndef ASM_VMX_H
#define ASM_VMX_H

#include <mica/types.h>

#define CPUID_1_ECX_VMX             (1u << 5)

/* Capability and control MSRs. */
#define MSR_IA32_FEATURE_CONTROL    0x0000003au
#define  FEATURE_CONTROL_LOCKED     (1ull << 0)
#define  FEATURE_CONTROL_VMXON      (1ull << 2)    /* outside SMX */
#define MSR_IA32_VMX_BASIC          0x00000480u
#define  VMX_BASIC_REVISION_MASK    0x7fffffffull
#define  VMX_BASIC_SIZE_SHIFT       32             /* bits 44:32: VMCS bytes */
#define  VMX_BASIC_SIZE_MASK        0x1fffull
#define  VMX_BASIC_TRUE_CTLS        (1ull << 55)
#define MSR_IA32_VMX_PINBASED_CTLS  0x00000481u
#define MSR_IA32_VMX_PROCBASED_CTLS 0x00000482u
#define MSR_IA32_VMX_EXIT_CTLS      0x00000483u
#define MSR_IA32_VMX_ENTRY_CTLS     0x00000484u
#define MSR_IA32_VMX_MISC           0x00000485u
#define VMX_MISC_PREEMPT_RATE_MASK  0x1fu         /* timer ticks every 2^rate TSC cycles */
#define MSR_IA32_VMX_CR0_FIXED0     0x00000486u
#define MSR_IA32_VMX_CR0_FIXED1     0x00000487u
#define MSR_IA32_VMX_CR4_FIXED0     0x00000488u
#define MSR_IA32_VMX_CR4_FIXED1     0x00000489u
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x0000048bu
#define MSR_IA32_VMX_EPT_VPID_CAP   0x0000048cu
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS  0x0000048du
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x0000048eu
#define MSR_IA32_VMX_TRUE_EXIT_CTLS      0x0000048fu
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS     0x00000490u
/* A control MSR: bits 31:0 the allowed 0-settings, 63:32 the allowed 1-settings. */
#define VMX_CTLS_ALLOWED1_SHIFT     32

/* Pin-based controls. */
#define PIN_EXT_INTR_EXITING        (1u << 0)
#define PIN_NMI_EXITING             (1u << 3)
#define PIN_VIRTUAL_NMIS            (1u << 5)
#define PIN_PREEMPTION_TIMER        (1u << 6)

/* Primary processor-based controls. */
#define CPU_INTR_WINDOW_EXITING     (1u << 2)
#define CPU_USE_TSC_OFFSETTING      (1u << 3)
#define CPU_HLT_EXITING             (1u << 7)
#define CPU_INVLPG_EXITING          (1u << 9)
#define CPU_MWAIT_EXITING           (1u << 10)
#define CPU_RDPMC_EXITING           (1u << 11)
#define CPU_RDTSC_EXITING           (1u << 12)
#define CPU_CR3_LOAD_EXITING        (1u << 15)
#define CPU_CR3_STORE_EXITING       (1u << 16)
#define CPU_CR8_LOAD_EXITING        (1u << 19)
#define CPU_CR8_STORE_EXITING       (1u << 20)
#define CPU_TPR_SHADOW              (1u << 21)
#define CPU_NMI_WINDOW_EXITING      (1u << 22)
#define CPU_MOV_DR_EXITING          (1u << 23)
#define CPU_UNCOND_IO_EXITING       (1u << 24)
#define CPU_USE_IO_BITMAPS          (1u << 25)
#define CPU_USE_MSR_BITMAPS         (1u << 28)
#define CPU_MONITOR_EXITING         (1u << 29)
#define CPU_SECONDARY_CONTROLS      (1u << 31)

/* Secondary processor-based controls. */
#define CPU2_VIRT_APIC_ACCESSES     (1u << 0)
#define CPU2_ENABLE_EPT             (1u << 1)
#define CPU2_ENABLE_RDTSCP          (1u << 3)
#define CPU2_ENABLE_VPID            (1u << 5)
#define CPU2_UNRESTRICTED_GUEST     (1u << 7)
#define CPU2_ENABLE_INVPCID         (1u << 12)
#define CPU2_ENABLE_XSAVES          (1u << 20)

/* VM-exit controls. */
#define EXIT_SAVE_DEBUG_CTLS        (1u << 2)
#define EXIT_HOST_ADDR_SPACE_64     (1u << 9)
#define EXIT_ACK_INTR_ON_EXIT       (1u << 15)
#define EXIT_SAVE_PAT               (1u << 18)
#define EXIT_LOAD_PAT               (1u << 19)
#define EXIT_SAVE_EFER              (1u << 20)
#define EXIT_LOAD_EFER              (1u << 21)

/* VM-entry controls. */
#define ENTRY_LOAD_DEBUG_CTLS       (1u << 2)
#define ENTRY_IA32E_MODE            (1u << 9)
#define ENTRY_LOAD_PAT              (1u << 14)
#define ENTRY_LOAD_EFER             (1u << 15)

/* IA32_VMX_EPT_VPID_CAP. */
#define EPT_CAP_EXEC_ONLY           (1ull << 0)
#define EPT_CAP_WALK_4              (1ull << 6)
#define EPT_CAP_WB                  (1ull << 14)
#define EPT_CAP_2M                  (1ull << 16)
#define EPT_CAP_INVEPT              (1ull << 20)
#define EPT_CAP_AD                  (1ull << 21)
#define EPT_CAP_INVEPT_SINGLE       (1ull << 25)
#define EPT_CAP_INVEPT_ALL          (1ull << 26)
#define VPID_CAP_INVVPID            (1ull << 32)
#define VPID_CAP_INVVPID_SINGLE     (1ull << 41)
#define VPID_CAP_INVVPID_ALL        (1ull << 42)

/* EPT entries (beyond the R/W/X bits 2:0 the p2m shares with NPT's P/RW/US). */
#define EPT_MT_WB                   6ull
#define EPT_LEAF_MT_SHIFT           3              /* leaf memory type, bits 5:3 */
#define EPTP_MT_SHIFT               0              /* EPTP: paging-structure type */
#define EPTP_WALK_SHIFT             3              /* EPTP: walk length - 1 */
#define EPTP_AD                     (1ull << 6)
#define INVEPT_SINGLE_CONTEXT       1ul
#define INVEPT_ALL_CONTEXT          2ul

/* VMCS field encodings (Intel SDM vol. 3, appendix B). */
enum vmcs_field {
    VIRTUAL_PROCESSOR_ID        = 0x0000,
    GUEST_ES_SELECTOR           = 0x0800,
    GUEST_CS_SELECTOR           = 0x0802,
    GUEST_SS_SELECTOR           = 0x0804,
    GUEST_DS_SELECTOR           = 0x0806,
    GUEST_FS_SELECTOR           = 0x0808,
    GUEST_GS_SELECTOR           = 0x080a,
    GUEST_LDTR_SELECTOR         = 0x080c,
    GUEST_TR_SELECTOR           = 0x080e,
    HOST_ES_SELECTOR            = 0x0c00,
    HOST_CS_SELECTOR            = 0x0c02,
    HOST_SS_SELECTOR            = 0x0c04,
    HOST_DS_SELECTOR            = 0x0c06,
    HOST_FS_SELECTOR            = 0x0c08,
    HOST_GS_SELECTOR            = 0x0c0a,
    HOST_TR_SELECTOR            = 0x0c0c,
    IO_BITMAP_A                 = 0x2000,
    IO_BITMAP_B                 = 0x2002,
    MSR_BITMAP                  = 0x2004,
    TSC_OFFSET                  = 0x2010,
    EPT_POINTER                 = 0x201a,
    GUEST_PHYSICAL_ADDRESS      = 0x2400,
    VMCS_LINK_POINTER           = 0x2800,
    GUEST_IA32_DEBUGCTL         = 0x2802,
    GUEST_IA32_PAT              = 0x2804,
    GUEST_IA32_EFER             = 0x2806,
    HOST_IA32_PAT               = 0x2c00,
    HOST_IA32_EFER              = 0x2c02,
    PIN_BASED_VM_EXEC_CONTROL   = 0x4000,
    CPU_BASED_VM_EXEC_CONTROL   = 0x4002,
    EXCEPTION_BITMAP            = 0x4004,
    PAGE_FAULT_ERROR_CODE_MASK  = 0x4006,
    PAGE_FAULT_ERROR_CODE_MATCH = 0x4008,
    CR3_TARGET_COUNT            = 0x400a,
    VM_EXIT_CONTROLS            = 0x400c,
    VM_EXIT_MSR_STORE_COUNT     = 0x400e,
    VM_EXIT_MSR_LOAD_COUNT      = 0x4010,
    VM_ENTRY_CONTROLS           = 0x4012,
    VM_ENTRY_MSR_LOAD_COUNT     = 0x4014,
    VM_ENTRY_INTR_INFO          = 0x4016,
    VM_ENTRY_EXCEPTION_ERROR_CODE = 0x4018,
    VM_ENTRY_INSTRUCTION_LEN    = 0x401a,
    TPR_THRESHOLD               = 0x401c,
    SECONDARY_VM_EXEC_CONTROL   = 0x401e,
    VM_INSTRUCTION_ERROR        = 0x4400,
    VM_EXIT_REASON              = 0x4402,
    VM_EXIT_INTR_INFO           = 0x4404,
    VM_EXIT_INTR_ERROR_CODE     = 0x4406,
    IDT_VECTORING_INFO          = 0x4408,
    IDT_VECTORING_ERROR_CODE    = 0x440a,
    VM_EXIT_INSTRUCTION_LEN     = 0x440c,
    VMX_INSTRUCTION_INFO        = 0x440e,
    GUEST_ES_LIMIT              = 0x4800,
    GUEST_CS_LIMIT              = 0x4802,
    GUEST_SS_LIMIT              = 0x4804,
    GUEST_DS_LIMIT              = 0x4806,
    GUEST_FS_LIMIT              = 0x4808,
    GUEST_GS_LIMIT              = 0x480a,
    GUEST_LDTR_LIMIT            = 0x480c,
    GUEST_TR_LIMIT              = 0x480e,
    GUEST_GDTR_LIMIT            = 0x4810,
    GUEST_IDTR_LIMIT            = 0x4812,
    GUEST_ES_AR_BYTES           = 0x4814,
    GUEST_CS_AR_BYTES           = 0x4816,
    GUEST_SS_AR_BYTES           = 0x4818,
    GUEST_DS_AR_BYTES           = 0x481a,
    GUEST_FS_AR_BYTES           = 0x481c,
    GUEST_GS_AR_BYTES           = 0x481e,
    GUEST_LDTR_AR_BYTES         = 0x4820,
    GUEST_TR_AR_BYTES           = 0x4822,
    GUEST_INTERRUPTIBILITY_INFO = 0x4824,
    GUEST_ACTIVITY_STATE        = 0x4826,
    GUEST_SYSENTER_CS           = 0x482a,
    GUEST_PREEMPTION_TIMER      = 0x482e,
    HOST_IA32_SYSENTER_CS       = 0x4c00,
    CR0_GUEST_HOST_MASK         = 0x6000,
    CR4_GUEST_HOST_MASK         = 0x6002,
    CR0_READ_SHADOW             = 0x6004,
    CR4_READ_SHADOW             = 0x6006,
    EXIT_QUALIFICATION          = 0x6400,
    GUEST_LINEAR_ADDRESS        = 0x640a,
    GUEST_CR0                   = 0x6800,
    GUEST_CR3                   = 0x6802,
    GUEST_CR4                   = 0x6804,
    GUEST_ES_BASE               = 0x6806,
    GUEST_CS_BASE               = 0x6808,
    GUEST_SS_BASE               = 0x680a,
    GUEST_DS_BASE               = 0x680c,
    GUEST_FS_BASE               = 0x680e,
    GUEST_GS_BASE               = 0x6810,
    GUEST_LDTR_BASE             = 0x6812,
    GUEST_TR_BASE               = 0x6814,
    GUEST_GDTR_BASE             = 0x6816,
    GUEST_IDTR_BASE             = 0x6818,
    GUEST_DR7                   = 0x681a,
    GUEST_RSP                   = 0x681c,
    GUEST_RIP                   = 0x681e,
    GUEST_RFLAGS                = 0x6820,
    GUEST_PENDING_DBG_EXCEPTIONS = 0x6822,
    GUEST_SYSENTER_ESP          = 0x6824,
    GUEST_SYSENTER_EIP          = 0x6826,
    HOST_CR0                    = 0x6c00,
    HOST_CR3                    = 0x6c02,
    HOST_CR4                    = 0x6c04,
    HOST_FS_BASE                = 0x6c06,
    HOST_GS_BASE                = 0x6c08,
    HOST_TR_BASE                = 0x6c0a,
    HOST_GDTR_BASE              = 0x6c0c,
    HOST_IDTR_BASE              = 0x6c0e,
    HOST_IA32_SYSENTER_ESP      = 0x6c10,
    HOST_IA32_SYSENTER_EIP      = 0x6c12,
    HOST_RSP                    = 0x6c14,
    HOST_RIP                    = 0x6c16,
};

/* Segment access rights: the packed SEG_ATTR_* form with bits 11:8 moved to 15:12. */
#define VMX_AR_FROM_ATTR(a)         (((a) & 0xffu) | (((a) & 0xf00u) << 4))
#define VMX_AR_UNUSABLE             (1u << 16)

/* VM_ENTRY_INTR_INFO, VM_EXIT_INTR_INFO, IDT_VECTORING_INFO. */
#define INTR_INFO_VECTOR            0xffu
#define INTR_INFO_TYPE_MASK         (7u << 8)
#define INTR_TYPE_EXT_INTR          (0u << 8)
#define INTR_TYPE_NMI               (2u << 8)
#define INTR_TYPE_HW_EXCEPTION      (3u << 8)
#define INTR_TYPE_SW_INTR           (4u << 8)
#define INTR_TYPE_PRIV_SW_EXCEPTION (5u << 8)
#define INTR_TYPE_SW_EXCEPTION      (6u << 8)
#define INTR_INFO_DELIVER_CODE      (1u << 11)
#define INTR_INFO_NMI_UNBLOCKED     (1u << 12)    /* exit info only */
#define INTR_INFO_VALID             (1u << 31)

/* GUEST_INTERRUPTIBILITY_INFO. */
#define INTR_BLOCK_STI              (1u << 0)
#define INTR_BLOCK_MOV_SS           (1u << 1)
#define INTR_BLOCK_NMI              (1u << 3)
#define INTR_SHADOW                 (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS)

/* VM_EXIT_REASON. */
#define EXIT_REASON_MASK            0xffffu
#define EXIT_REASON_ENTRY_FAILED    (1u << 31)

/* EXIT_QUALIFICATION of an I/O instruction. */
#define IO_QUAL_SIZE_MASK           7u            /* bytes - 1 */
#define IO_QUAL_IN                  (1u << 3)
#define IO_QUAL_STRING              (1u << 4)
#define IO_QUAL_REP                 (1u << 5)
/* VMX_INSTRUCTION_INFO of an INS/OUTS exit: the address size (0: 16, 1: 32, 2: 64 bits). */
#define INSN_INFO_ADDR_SIZE_SHIFT   7
#define INSN_INFO_ADDR_SIZE_MASK    7u
#define IO_QUAL_PORT_SHIFT          16
/* ... of a control-register access. */
#define CR_QUAL_NUM_MASK            0xfu
#define CR_QUAL_TYPE_SHIFT          4
#define CR_QUAL_TYPE_MASK           3u
#define CR_QUAL_MOV_TO              0u
#define CR_QUAL_MOV_FROM            1u
#define CR_QUAL_GPR_SHIFT           8
#define CR_QUAL_GPR_MASK            0xfu
/* ... of an EPT violation. */
#define EPT_QUAL_READ               (1ull << 0)
#define EPT_QUAL_WRITE              (1ull << 1)
#define EPT_QUAL_FETCH              (1ull << 2)

/* Basic exit reasons. */
#define EXIT_EXCEPTION_NMI          0
#define EXIT_EXTERNAL_INTERRUPT     1
#define EXIT_TRIPLE_FAULT           2
#define EXIT_INIT                   3
#define EXIT_SIPI                   4
#define EXIT_INTERRUPT_WINDOW       7
#define EXIT_NMI_WINDOW             8
#define EXIT_TASK_SWITCH            9
#define EXIT_CPUID                  10
#define EXIT_GETSEC                 11
#define EXIT_HLT                    12
#define EXIT_INVD                   13
#define EXIT_INVLPG                 14
#define EXIT_RDPMC                  15
#define EXIT_RDTSC                  16
#define EXIT_VMCALL                 18
#define EXIT_VMCLEAR                19
#define EXIT_VMLAUNCH               20
#define EXIT_VMPTRLD                21
#define EXIT_VMPTRST                22
#define EXIT_VMREAD                 23
#define EXIT_VMRESUME               24
#define EXIT_VMWRITE                25
#define EXIT_VMXOFF                 26
#define EXIT_VMXON                  27
#define EXIT_CR_ACCESS              28
#define EXIT_DR_ACCESS              29
#define EXIT_IO_INSTRUCTION         30
#define EXIT_MSR_READ               31
#define EXIT_MSR_WRITE              32
#define EXIT_INVALID_GUEST_STATE    33
#define EXIT_MSR_LOADING            34
#define EXIT_MWAIT                  36
#define EXIT_MONITOR                39
#define EXIT_PAUSE                  40
#define EXIT_MCE_DURING_ENTRY       41
#define EXIT_EPT_VIOLATION          48
#define EXIT_EPT_MISCONFIG          49
#define EXIT_INVEPT                 50
#define EXIT_RDTSCP                 51
#define EXIT_PREEMPTION_TIMER       52
#define EXIT_INVVPID                53
#define EXIT_WBINVD                 54
#define EXIT_XSETBV                 55
#define EXIT_RDRAND                 57
#define EXIT_INVPCID                58
#define EXIT_VMFUNC                 59
#define EXIT_RDSEED                 61
#define EXIT_XSAVES                 63
#define EXIT_XRSTORS                64
#define VMX_EXIT_NR                 65            /* size of the handler table */

#ifndef __ASSEMBLER__
static inline bool vmwrite(unsigned long field, unsigned long val)
{
    bool fail;

    asm volatile("vmwrite %2, %1; setna %0" : "=qm"(fail) : "r"(field), "rm"(val) : "cc", "memory");
    return !fail;
}

static inline unsigned long vmread(unsigned long field)
{
    unsigned long val = 0;

    asm volatile("vmread %1, %0" : "+rm"(val) : "r"(field) : "cc");
    return val;
}

/* The VMX instructions taking a physical address in memory: true on success. */
static inline bool vmxon(paddr_t pa)
{
    bool fail;

    asm volatile("vmxon %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
    return !fail;
}

static inline bool vmclear(paddr_t pa)
{
    bool fail;

    asm volatile("vmclear %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
    return !fail;
}

static inline bool vmptrld(paddr_t pa)
{
    bool fail;

    asm volatile("vmptrld %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
    return !fail;
}

static inline void invept(unsigned long type, uint64_t eptp)
{
    struct { uint64_t eptp, rsvd; } desc = { eptp, 0 };

    asm volatile("invept %0, %1" :: "m"(desc), "r"(type) : "cc", "memory");
}

struct vmx_gprs;
/*
 * Enter the guest (VMRESUME if launched, else VMLAUNCH) until its next exit
 * (vmx_entry.S): 0 after an exit, 1 if the instruction failed
 * (VM_INSTRUCTION_ERROR says why).
 */
int vmx_enter(struct vmx_gprs *gprs, int launched);
void vmx_exit_point(void);
#endif

#endif
