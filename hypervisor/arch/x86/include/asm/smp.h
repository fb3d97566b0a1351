/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef ASM_SMP_H
#define ASM_SMP_H

#include <mica/types.h>

/* Start every CPU the MADT lists (up to maxcpus); returns how many are online. */
unsigned int smp_boot(unsigned int maxcpus);
/* Let the APs enter their scheduling loops. */
void smp_release(void);

extern unsigned long hyp_cr3;

#endif
