/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The p2m (<mica/p2m.h>, npt.c) as Intel extended page tables: the same
 * 4-level tables, leaves with a memory type (ept.c).
 */
#ifndef ASM_EPT_H
#define ASM_EPT_H

#include <mica/p2m.h>

/* npt.c: bits every leaf gets besides R/W/X (0 for NPT). */
void p2m_set_leaf_bits(uint64_t bits);

/* Once, before any p2m is built: leaves become EPT leaves (write-back). */
void ept_init(void);
/* The CPU keeps EPT accessed/dirty bits (EPT_VPID_CAP bit 21). */
bool ept_ad_bits(void);
/* The EPT pointer of p: its root, 4-level walks, write-back tables, A/D where offered. */
uint64_t ept_pointer(const struct p2m *p);
/* Drop this pCPU's cached guest-physical translations of p. */
void ept_flush(const struct p2m *p);

#endif
