/* SPDX-License-Identifier: GPL-2.0-only */
/* Speculation barriers between domains (spec_ctrl.c). */
#ifndef ASM_SPEC_CTRL_H
#define ASM_SPEC_CTRL_H

#include <mica/types.h>

struct vcpu;

/* Boot CPU, once: does the CPU offer IBPB? Says so on the log. */
void spec_ctrl_init(void);
/* Before a vCPU's turn on this pCPU (arch_vcpu_run()): the IBPB, if due. */
void spec_ctrl_enter(struct vcpu *v);

#endif
