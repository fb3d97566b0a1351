/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest CPUID policy: the host's leaves with everything Mica does not
 * virtualize hidden (SVM itself, MONITOR/MWAIT, RDTSCP, performance
 * counters, the AMD extras a guest would poke through unemulated MSRs,
 * Intel's nominal TSC frequency), the hypervisor bit set, topology (leaf
 * 1, Intel's leaves 4, 0xB and 0x1F) made to match the domain, and Mica's
 * signature at 0x40000000.
 */
#include <mica/domain.h>
#include <public/version.h>
#include <asm/x86.h>
#include <asm/cpuid.h>
#include <asm/fpu.h>
#include <asm/time.h>

#define BIT(n) (1u << (n))

static void mica_leaves(uint32_t leaf, uint32_t r[4])
{
    r[0] = r[1] = r[2] = r[3] = 0;
    if (leaf == MICA_CPUID_BASE) {
        r[0] = MICA_CPUID_BASE + 1;
        r[1] = MICA_CPUID_SIG_EBX;
        r[2] = MICA_CPUID_SIG_ECX;
        r[3] = MICA_CPUID_SIG_EDX;
    } else if (leaf == MICA_CPUID_BASE + 1) {
        r[0] = (MICA_ABI_MAJOR << 16) | MICA_ABI_MINOR;
    }
}

static void leaf1(struct vcpu *v, uint32_t r[4])
{
    unsigned int n = v->domain->nr_vcpus;
    struct guest_paging gp;

    r[1] = (r[1] & 0x0000ffffu) | (v->id << 24) | ((n & 0xff) << 16);
    r[2] &= ~(BIT(3) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(15) |
              BIT(21) | BIT(24) | BIT(27));       /* MONITOR VMX SMX EST TM2 PDCM x2APIC TSC-deadline OSXSAVE */
    r[2] |= BIT(31);                              /* running under a hypervisor */
    if (v->arch.vlapic)
        r[2] |= BIT(21) | BIT(24);                /* x2APIC, TSC-deadline timer */
    arch_vcpu_paging(v, &gp);
    if (gp.cr4 & X86_CR4_OSXSAVE)
        r[2] |= BIT(27);
    r[3] &= ~(BIT(7) | BIT(14) | BIT(22) | BIT(29) | BIT(31) | BIT(28));  /* MCE MCA ACPI TM PBE HTT */
    if (n > 1)
        r[3] |= BIT(28);
}

/*
 * Intel's topology leaves, made to match the domain as leaf 1 is: each vCPU
 * a core of one package, its x2APIC ID its vCPU number (the vLAPIC's ID).
 * Passed through they would name the host's packages and, worse, the
 * x2APIC ID of whichever pCPU the vCPU runs on.
 */
#define LEAF4_CORES_SHIFT     26          /* EAX[31:26]: cores per package - 1 */
#define LEAF4_SHARING_SHIFT   14          /* EAX[25:14]: logical CPUs sharing it - 1 */
#define LEAF4_LEVEL(eax)      (((eax) >> 5) & 7)
#define LEAF4_KEEP            0x3fffu     /* type, level, self-init, associativity */
#define TOPO_LEVEL_SMT        1u
#define TOPO_LEVEL_CORE       2u
#define TOPO_TYPE_SHIFT       8

static void leaf4(struct vcpu *v, uint32_t r[4])
{
    uint32_t n = v->domain->nr_vcpus, cores = n > 64 ? 64 : n;

    if (!(r[0] & 0x1f))                            /* no cache at this subleaf */
        return;
    r[0] = (r[0] & LEAF4_KEEP) | ((cores - 1) << LEAF4_CORES_SHIFT);
    if (LEAF4_LEVEL(r[0]) >= 3)                    /* the last level: the package's */
        r[0] |= ((n - 1) & 0xfffu) << LEAF4_SHARING_SHIFT;
}

static unsigned int order_of(uint32_t n)
{
    unsigned int shift = 0;

    while ((1u << shift) < n)
        shift++;
    return shift;
}

static void leaf_topology(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    uint32_t n = v->domain->nr_vcpus, max, unused;

    cpuid_count(0, 0, &max, &unused, &unused, &unused);
    if (leaf > max)                                /* the CPU answers with its last leaf */
        return;
    r[0] = r[1] = 0;
    r[2] = sub & 0xffu;                            /* level type 0: no such level */
    r[3] = v->id;
    if (sub == 0) {
        r[1] = 1;
        r[2] |= TOPO_LEVEL_SMT << TOPO_TYPE_SHIFT;
    } else if (sub == 1) {
        r[0] = order_of(n);
        r[1] = n;
        r[2] |= TOPO_LEVEL_CORE << TOPO_TYPE_SHIFT;
    }
}

static void leaf7(struct vcpu *v, uint32_t sub, uint32_t r[4])
{
    if (sub != 0) {
        r[0] = r[1] = r[2] = r[3] = 0;
        return;
    }
    /*
     * TSC_ADJUST, with the invariant TSC, is what tells Linux the TSC needs
     * no clocksource watchdog: offered when Mica found the TSCs in step.
     */
    r[1] &= ~BIT(1);
    if (tsc_invariant && v->domain->plat)
        r[1] |= BIT(1);
    r[2] &= ~(BIT(3) | BIT(4) | BIT(16) | BIT(22)); /* PKU OSPKE LA57 RDPID */
    r[3] &= ~(CPUID_7_EDX_SPEC_ALL & ~arch_vcpu_cpuid_spec_ctrl()); /* unless virtualised */
}

static void leaf_ext1(uint32_t r[4])
{
    r[2] &= ~(BIT(2) | BIT(3) | BIT(9) | BIT(10) | BIT(12) | BIT(13) | BIT(15) |
              BIT(19) | BIT(22) | BIT(23) | BIT(24) | BIT(26) | BIT(28) | BIT(29));
    r[3] &= ~BIT(27);                              /* RDTSCP */
}

void guest_cpuid(struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    if ((leaf & 0xffff0000u) == 0x40000000u) {
        mica_leaves(leaf, r);
        return;
    }
    cpuid_count(leaf, sub, &r[0], &r[1], &r[2], &r[3]);
    switch (leaf) {
    case 1:
        leaf1(v, r);
        break;
    case 4:
        leaf4(v, r);
        break;
    case 0xb: case 0x1f:
        leaf_topology(v, leaf, sub, r);
        break;
    case 6:                                         /* power: only "APIC timer always runs" */
        r[0] = v->arch.vlapic ? BIT(2) : 0;
        r[1] = r[2] = r[3] = 0;
        break;
    case 0x80000007:                                /* power: only invariant TSC, when true */
        r[0] = r[1] = r[2] = 0;
        r[3] = tsc_invariant ? BIT(8) : 0;
        break;
    case 0xa: case 0x8000000a: case 0x8000001d: case 0x8000001e: case 0x8000001f:
        r[0] = r[1] = r[2] = r[3] = 0;              /* PMU, SVM, topology, SEV */
        break;
    case 0x15: case 0x16:
        /*
         * Intel's TSC/crystal ratio and nominal frequency: what the model
         * claims, not what the TSC runs at (Bochs: 3.5 GHz claimed, its
         * instruction rate real). Hidden, Linux measures the TSC itself.
         */
        r[0] = r[1] = r[2] = r[3] = 0;
        break;
    case 7:
        leaf7(v, sub, r);
        break;
    case 0xd:
        if (sub == 0) {                             /* only what XSETBV accepts */
            r[0] &= (uint32_t)fpu_xcr0_supported();
            r[3] &= (uint32_t)(fpu_xcr0_supported() >> 32);
        } else if (sub == 1) {
            r[0] &= ~BIT(3);                        /* XSAVES */
        } else if (sub >= 64 || !(fpu_xcr0_supported() & (1ull << sub))) {
            r[0] = r[1] = r[2] = r[3] = 0;
        }
        break;
    case 0x80000001:
        leaf_ext1(r);
        break;
    case CPUID_EXT_ADDR_SIZES:
        r[1] = 0;                                   /* speculation controls */
        r[2] = (v->domain->nr_vcpus - 1) & 0xff;
        break;
    default:
        break;
    }
}
