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

#endif
