/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Walking a guest's own page tables as its CPU would (guest_walk.c): the
 * access's CPL, read or write, U/S, R/W with CR0.WP, SMAP, SMEP, NX and
 * the reserved bits, the accessed and dirty bits set; a refusal is the
 * page fault the guest gets, with the error code the CPU would push.
 */
#ifndef ASM_GUEST_WALK_H
#define ASM_GUEST_WALK_H

#include <mica/types.h>

struct guest_paging;
struct p2m;

/* Page-fault error code bits (Xen's PFEC_*). */
#define PFEC_PRESENT  (1u << 0)     /* a protection fault, not a missing entry */
#define PFEC_WRITE    (1u << 1)
#define PFEC_USER     (1u << 2)     /* the access was at CPL 3 */
#define PFEC_RSVD     (1u << 3)     /* a reserved bit set in an entry */
#define PFEC_FETCH    (1u << 4)     /* an instruction fetch */

/* What guest_walk() found, beside 0 (a translation) and -EFAULT. */
#define GUEST_WALK_PF  1            /* a #PF: *pfec is its error code, la its CR2 */
#define GUEST_WALK_GP  2            /* a non-canonical address: #GP(0) */

/* guest_walk() flags. */
#define GW_CPU  (1u << 0)           /* SMAP, SMEP, NX, reserved bits, A/D bits, as the CPU;
                                       the caller holds the domain's mem_lock (A/D writes) */

/*
 * The guest's MAXPHYADDR (CPUID 0x80000008 EAX[7:0], the host's, which
 * guest_cpuid() passes on): entry address bits at and above it are
 * reserved for a GW_CPU walk. 52 (none) until set, once at boot.
 */
void guest_walk_set_maxphyaddr(unsigned int bits);

/*
 * Translate la for an access described by *pfec (PFEC_WRITE, PFEC_USER,
 * PFEC_FETCH). 0 and *gpa; GUEST_WALK_PF with *pfec the fault's error code;
 * GUEST_WALK_GP; -EFAULT when an entry lies outside the domain's memory (a
 * guest the CPU could not have run either: its caller ends it). Without
 * GW_CPU only presence, U/S (for PFEC_USER) and R/W are checked, and
 * nothing is written (hypercall arguments, instruction fetches).
 */
int guest_walk(const struct guest_paging *gp, struct p2m *p2m, uint64_t la,
               unsigned int flags, uint32_t *pfec, gpa_t *gpa);

#endif
