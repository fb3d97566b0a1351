/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypercall table: one entry per number, each with the privilege it
 * needs. Unknown numbers are -ENOSYS; a privileged call from an
 * unprivileged domain is -EPERM before any argument is looked at.
 */
#include <mica/hypercall.h>
#include <mica/domain.h>
#include <mica/errno.h>
#include <public/hypercall.h>

static const struct hypercall_entry hypercall_table[MICA_HC_NR] = {
    [MICA_HC_version]    = { do_version,    "version",    false },
    [MICA_HC_console_io] = { do_console_io, "console_io", false },
    [MICA_HC_sched_op]   = { do_sched_op,   "sched_op",   false },
    [MICA_HC_domctl]     = { do_domctl,     "domctl",     true },
    [MICA_HC_memory_op]  = { do_memory_op,  "memory_op",  false },  /* checks its privileged sub-commands */
    [MICA_HC_sysctl]     = { do_sysctl,     "sysctl",     true },
    [MICA_HC_event_channel_op] = { do_event_channel_op, "event_channel_op", false },
    [MICA_HC_vcpu_op]    = { do_vcpu_op,    "vcpu_op",    false },
    [MICA_HC_grant_table_op] = { do_grant_table_op, "grant_table_op", false },
    [MICA_HC_param_op]   = { do_param_op,   "param_op",   false },  /* set checks its privilege */
};

long hypercall_dispatch(struct vcpu *v, uint64_t nr, const uint64_t args[5])
{
    const struct hypercall_entry *e;

    if (nr >= MICA_HC_NR)
        return -ENOSYS;
    e = &hypercall_table[nr];
    if (!e->fn)
        return -ENOSYS;
    if (e->privileged && !v->domain->privileged)
        return -EPERM;
    return e->fn(v, args);
}
