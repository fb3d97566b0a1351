/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hypervisor/common/domain_end.c compiled into fuzz_hypercall with its
 * waits for other CPUs (cpu_relax()) turned into hv_cpu_relax(), where the
 * model's running vCPUs that were taken down leave their CPUs: so a
 * destroy can meet vCPUs still in guest mode and wait for them as on the
 * machine, in one thread. <asm/x86.h> comes first so that the name is
 * redirected for domain_end.c only (test_timer.c does the same with
 * timer.c). No hypervisor source is changed.
 */
#include <asm/x86.h>

#include "hv_shim.h"

#define cpu_relax hv_cpu_relax
#include "../../hypervisor/common/domain_end.c"
