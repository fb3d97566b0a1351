/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hypervisor/common/domain.c compiled into fuzz_hypercall with one
 * addition: hv_domain_reset() puts its statics (the next domain id and
 * whether a control domain was made) back to boot state, so that every
 * input starts from the same machine. The list itself is empty by then:
 * the harness checks that before resetting. (test_timer.c includes
 * timer.c the same way.) No hypervisor source is changed.
 */
#include "../../hypervisor/common/domain.c"

#include "shim.h"
#include "hv_shim.h"

void hv_domain_reset(void)
{
    if (domain_list || nr_alive)
        shim_fatal("hv_domain_reset: domains are still alive");
    next_domid = 1;
    dom0_exists = false;
}
