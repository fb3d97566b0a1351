/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_domctl: domain control, for the privileged control domain only
 * (every other domain gets -MICA_EPERM). docs/abi.md is the reference.
 *
 * domctl(MICA_DOMCTL_<op>, struct mica_domctl *arg): RDI = sub-command,
 * RSI = one struct mica_domctl, read and (for create and getinfo) written
 * back. Returns 0 or -MICA_Exxx. Every call is checked in this order:
 * unknown sub-command -ENOSYS; arg not readable and writable -EFAULT;
 * interface_version != MICA_DOMCTL_INTERFACE_VERSION -EACCES; then the
 * sub-command's own checks (docs/abi.md). Nothing changes unless the call
 * succeeds.
 */
#ifndef MICA_PUBLIC_DOMCTL_H
#define MICA_PUBLIC_DOMCTL_H

#include "types.h"

#define MICA_DOMCTL_INTERFACE_VERSION  0x00000003u

#define MICA_DOMCTL_create            0  /* new paused domain; out: domid */
#define MICA_DOMCTL_destroy           1  /* end it and free everything it owns */
#define MICA_DOMCTL_pause             2  /* its vCPUs stop and stay off the CPUs */
#define MICA_DOMCTL_unpause           3  /* run again (the first unpause starts it) */
#define MICA_DOMCTL_getinfo           4  /* u.getinfo of domid */
#define MICA_DOMCTL_getinfo_next      5  /* u.getinfo of the lowest id >= domid */
#define MICA_DOMCTL_set_max_mem       6  /* u.max_mem: reservation ceiling */
#define MICA_DOMCTL_set_vcpus         7  /* u.vcpus: vCPU count, before the first unpause */
#define MICA_DOMCTL_set_vcpu_context  8  /* u.vcpu_context: 64-bit entry state */
#define MICA_DOMCTL_sched_get         9  /* u.sched: the domain's credit weight and cap */
#define MICA_DOMCTL_sched_set        10  /* u.sched: set them */
#define MICA_DOMCTL_affinity_get     11  /* u.affinity: a vCPU's hard affinity */
#define MICA_DOMCTL_affinity_set     12  /* u.affinity: pin a vCPU to a set of pCPUs */
#define MICA_DOMCTL_getvcpuinfo      13  /* u.vcpuinfo: one vCPU's state, pCPU, time, affinity */
#define MICA_DOMCTL_set_hyp_budget   14  /* u.hyp_budget: hypervisor memory it may cause */
#define MICA_DOMCTL_rename           15  /* u.rename: a new name */
#define MICA_DOMCTL_assign_device    16  /* u.assign_device: give a host PCI function to domid (a domU) */
#define MICA_DOMCTL_deassign_device  17  /* u.assign_device: take it from domid, back to dom0 */
#define MICA_DOMCTL_test_assign_device 18 /* u.assign_device: may it be given, and who has it (owner) */
#define MICA_DOMCTL_NR               19  /* first unused sub-command */

#define MICA_MAX_VCPUS           64
#define MICA_DOMAIN_NAME_LEN     32
#define MICA_MAX_MEM_KB          (1ull << 36)   /* 64 TiB */

/*
 * The hypervisor memory a domain's requests may make the hypervisor
 * allocate (p2m tables, event-channel and grant state, console ring, vCPU
 * structures; docs/abi.md section 3.1): its budget, in KiB. Past it a request fails with
 * -MICA_EDQUOT. The default grows with the reservation ceiling.
 */
#define MICA_HYP_BUDGET_MIN_KB   256ull                       /* smallest budget that can be set */
#define MICA_HYP_BUDGET_MAX_KB   (1ull << 20)                 /* 1 GiB */
#define MICA_HYP_BUDGET_DEFAULT_KB(max_mem_kb) \
    (4096ull + (max_mem_kb) / 128 < MICA_HYP_BUDGET_MAX_KB ? \
     4096ull + (max_mem_kb) / 128 : MICA_HYP_BUDGET_MAX_KB)

/*
 * mica_domctl_create.flags. F_PLATFORM: the domain gets the virtual PC
 * platform dom0 has (a local APIC per vCPU, the UART on COM1 feeding its
 * console ring, the read-only RTC, the ACPI sleep and reset registers, PCI
 * configuration mechanism 1 with the host bridge and the Mica platform
 * device, public/platform.h) but no machine port or device: what a stock
 * Linux kernel needs (docs/abi.md). The builder writes the ACPI tables.
 */
#define MICA_DOMCTL_CREATE_F_PLATFORM  (1u << 0)

struct mica_domctl_create {
    uint8_t  uuid[16];          /* from the creator; a non-zero one must be unique */
    char     name[MICA_DOMAIN_NAME_LEN];  /* printable ASCII, NUL-terminated, unique (-MICA_EEXIST); "" = "domN" */
    uint64_t mem_kb;            /* RAM populated from gfn 0: 4 KiB multiple, 4 .. MICA_MAX_MEM_KB */
    uint64_t max_mem_kb;        /* reservation ceiling, >= mem_kb; 0 = mem_kb */
    uint32_t nr_vcpus;          /* 1 .. MICA_MAX_VCPUS */
    uint32_t flags;             /* 0 or MICA_DOMCTL_CREATE_F_PLATFORM */
    uint64_t hyp_budget_kb;     /* 0 = MICA_HYP_BUDGET_DEFAULT_KB(max_mem_kb); else MIN .. MAX */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_create) == 80, "ABI size");

/* Domain states in mica_domctl_getinfo.state. */
#define MICA_DOMSTATE_running    0   /* its vCPUs may run */
#define MICA_DOMSTATE_paused     1   /* paused by the control domain (and new domains) */
#define MICA_DOMSTATE_shutdown   2   /* ended; shutdown_reason says how; memory kept until destroy */
#define MICA_DOMSTATE_dying      3   /* being torn down */

/* mica_domctl_getinfo.flags */
#define MICA_DOMINFO_privileged  (1u << 0)   /* the control domain */
#define MICA_DOMINFO_started     (1u << 1)   /* has been unpaused (or started at boot) */

struct mica_domctl_getinfo {
    uint16_t domid;             /* the domain described */
    uint8_t  state;             /* MICA_DOMSTATE_* */
    uint8_t  shutdown_reason;   /* MICA_SHUTDOWN_*, when state is shutdown or dying */
    uint32_t flags;             /* MICA_DOMINFO_* */
    uint32_t nr_vcpus;
    uint32_t nr_vcpus_online;   /* vCPUs not down */
    uint64_t nr_pages;          /* frames it owns (current reservation) */
    uint64_t max_pages;         /* its reservation ceiling */
    uint64_t cpu_time_ns;       /* run time of all its vCPUs */
    uint8_t  uuid[16];
    char     name[MICA_DOMAIN_NAME_LEN];
    uint64_t hyp_bytes;         /* hypervisor memory charged to it now */
    uint64_t hyp_budget_bytes;  /* its budget (see MICA_HYP_BUDGET_*) */
    uint32_t refs;              /* references held on it by hypercalls and other domains */
    uint32_t pad;
    uint64_t start_ns;          /* hypervisor time (physinfo now_ns) it first ran; 0: never */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_getinfo) == 120, "ABI size");

/* MICA_DOMCTL_rename: printable ASCII, NUL-terminated, unique among domains (-MICA_EEXIST). */
struct mica_domctl_rename {
    char name[MICA_DOMAIN_NAME_LEN];
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_rename) == 32, "ABI size");

struct mica_domctl_max_mem {
    uint64_t max_mem_kb;        /* 4 KiB multiple, <= MICA_MAX_MEM_KB; may be below the current */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_max_mem) == 8, "ABI size");

struct mica_domctl_hyp_budget {
    uint64_t budget_kb;         /* MICA_HYP_BUDGET_MIN_KB .. MAX_KB; may be below what is charged now */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_hyp_budget) == 8, "ABI size");

/* Credit scheduler: weight 1..65535 (default 256); cap 0 = none, else percent of one pCPU, at most 100 x pCPUs. */
struct mica_domctl_sched {
    uint32_t weight;
    uint32_t cap;
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_sched) == 8, "ABI size");

/* Hard affinity of vCPU vcpu: bit n = it may run on pCPU n; non-empty, online pCPUs only. */
struct mica_domctl_affinity {
    uint32_t vcpu;
    uint32_t pad;               /* 0 */
    uint64_t mask;
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_affinity) == 16, "ABI size");

/* MICA_DOMCTL_getvcpuinfo: a snapshot of vCPU vcpu (`mica vcpu-list`). */
#define MICA_VCPUSTATE_running   0  /* on a pCPU now */
#define MICA_VCPUSTATE_runnable  1  /* waiting for a pCPU (or for its domain's unpause) */
#define MICA_VCPUSTATE_blocked   2  /* waiting for an event */
#define MICA_VCPUSTATE_down      3  /* not started, waiting for STARTUP, or halted for good */
struct mica_domctl_vcpuinfo {
    uint32_t vcpu;              /* IN */
    uint8_t  state;             /* OUT: MICA_VCPUSTATE_* */
    uint8_t  pad[3];            /* IN: 0 */
    uint32_t cpu;               /* OUT: the pCPU it runs on, or whose queue it is on */
    uint32_t pad2;              /* IN: 0 */
    uint64_t cpu_time_ns;       /* OUT: its run time, the current turn included */
    uint64_t affinity;          /* OUT: its hard affinity (as affinity_get) */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_vcpuinfo) == 32, "ABI size");

struct mica_domctl_vcpus {
    uint32_t nr_vcpus;          /* 1 .. MICA_MAX_VCPUS */
    uint32_t pad;               /* 0 */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_vcpus) == 8, "ABI size");

/*
 * 64-bit entry state for one vCPU of a paused domain (what the domain
 * builder gives a test kernel, docs/abi.md section 10.5, with these values):
 * long mode, CPL 0, paging on with CR3 = cr3, GDTR = gdt_base/gdt_limit,
 * CS = cs (a 64-bit code descriptor in that GDT), DS/ES/SS = ds, RIP, RSP,
 * RDI, RSI as given, every other register as at boot. A secondary vCPU whose
 * context is set starts with the first unpause instead of waiting for a
 * STARTUP IPI.
 */
struct mica_domctl_vcpu_context {
    uint32_t vcpu;              /* < nr_vcpus */
    uint32_t flags;             /* 0 */
    uint64_t rip, rsp;          /* canonical */
    uint64_t rdi, rsi;          /* any value */
    uint64_t cr3;               /* 4 KiB aligned, below 2^52 */
    uint64_t gdt_base;          /* canonical */
    uint16_t gdt_limit;         /* both selectors' descriptors lie inside it */
    uint16_t cs, ds;            /* GDT selectors, RPL 0, not null */
    uint16_t pad;               /* 0 */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_vcpu_context) == 64, "ABI size");

/*
 * Device assignment (issue 12, docs/iommu.md "Assignment", docs/abi.md):
 * a host PCI function's DMA goes through domid's I/O page table (equal to
 * its p2m), so it reaches that domain's memory only. Errors, in this order:
 * flags or pad not 0 -EINVAL; a function the hypervisor keeps (the IOMMU's
 * own, a bridge, a BDF of the virtual bus) -EPERM; a function the boot scan
 * did not find (or seg != 0) -ENODEV; no IOMMU, or none behind the function
 * -ENXIO (logged); assign: domid is dom0 or not running -EINVAL, another
 * domU has it -EBUSY, domid has it already -EEXIST, no room for domid's I/O
 * page table -EDQUOT/-ENOMEM; deassign: domid does not have it -ENOENT.
 * test_assign_device takes any domid (MICA_DOMID_SELF) and only reports.
 */
#define MICA_PCI_OWNER_NONE  0xffffu  /* owner: no domain (DMA blocked) */
struct mica_domctl_assign_device {
    uint16_t seg;               /* PCI segment: 0 */
    uint16_t bdf;               /* bus << 8 | slot << 3 | function */
    uint32_t flags;             /* 0 */
    uint16_t owner;             /* OUT: the domain its DMA reaches (0: dom0), or MICA_PCI_OWNER_NONE */
    uint16_t pad[3];            /* 0 */
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl_assign_device) == 16, "ABI size");

struct mica_domctl {
    uint32_t interface_version; /* MICA_DOMCTL_INTERFACE_VERSION */
    uint16_t domid;             /* target (MICA_DOMID_SELF allowed); create: out, the new id */
    uint16_t pad;               /* 0 */
    union {
        struct mica_domctl_create       create;
        struct mica_domctl_getinfo      getinfo;
        struct mica_domctl_max_mem      max_mem;
        struct mica_domctl_hyp_budget   hyp_budget;
        struct mica_domctl_vcpus        vcpus;
        struct mica_domctl_vcpu_context vcpu_context;
        struct mica_domctl_sched        sched;
        struct mica_domctl_affinity     affinity;
        struct mica_domctl_vcpuinfo     vcpuinfo;
        struct mica_domctl_rename       rename;
        struct mica_domctl_assign_device assign_device;
        uint8_t raw[120];
    } u;
};
MICA_STATIC_ASSERT(sizeof(struct mica_domctl) == 128, "ABI size");

#endif
