/* SPDX-License-Identifier: GPL-2.0-only */
/* Hypercall dispatch: one table, indexed by number, with each call's privilege. */
#ifndef MICA_HYPERCALL_H
#define MICA_HYPERCALL_H

#include <mica/types.h>

struct vcpu;

typedef long (*hypercall_fn_t)(struct vcpu *v, const uint64_t args[5]);

struct hypercall_entry {
    hypercall_fn_t fn;
    const char *name;
    bool privileged;            /* only a privileged domain may call it */
};

/* Returns the value for the guest's RAX. */
long hypercall_dispatch(struct vcpu *v, uint64_t nr, const uint64_t args[5]);

long do_version(struct vcpu *v, const uint64_t args[5]);
long do_console_io(struct vcpu *v, const uint64_t args[5]);
long do_sched_op(struct vcpu *v, const uint64_t args[5]);
long do_domctl(struct vcpu *v, const uint64_t args[5]);
long do_memory_op(struct vcpu *v, const uint64_t args[5]);
long do_sysctl(struct vcpu *v, const uint64_t args[5]);
long do_event_channel_op(struct vcpu *v, const uint64_t args[5]);
long do_vcpu_op(struct vcpu *v, const uint64_t args[5]);
long do_grant_table_op(struct vcpu *v, const uint64_t args[5]);
long do_param_op(struct vcpu *v, const uint64_t args[5]);

#endif
