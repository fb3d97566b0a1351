/* SPDX-License-Identifier: GPL-2.0-only */
/* x86-64 page-table entry bits, shared by host paging and nested paging. */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#include <mica/types.h>

#define _PAGE_PRESENT  (1ul << 0)
#define _PAGE_RW       (1ul << 1)
#define _PAGE_USER     (1ul << 2)
#define _PAGE_PWT      (1ul << 3)
#define _PAGE_PCD      (1ul << 4)
#define _PAGE_ACCESSED (1ul << 5)
#define _PAGE_DIRTY    (1ul << 6)
#define _PAGE_PSE      (1ul << 7)
#define _PAGE_GLOBAL   (1ul << 8)
#define _PAGE_NX       (1ul << 63)
#define PTE_ADDR_MASK  0x000ffffffffff000ul

#define PT_ENTRIES     512
#define L1_SHIFT       12
#define L2_SHIFT       21
#define L3_SHIFT       30
#define L4_SHIFT       39
#define pt_index(va, shift)  (((va) >> (shift)) & (PT_ENTRIES - 1))

#define SZ_2M  (1ul << 21)
#define SZ_1G  (1ul << 30)

typedef uint64_t pte_t;

#endif
