/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/common/hypercall.c (hypercall_dispatch). The
 * handlers are stubs defined here that record each call and return a value
 * of their own, so the test sees which handler a number reached, with what,
 * and that its result comes back unchanged.
 *
 * A privileged entry (domctl, sysctl) called by an unprivileged domain
 * gives -MICA_EPERM without its handler running; a privileged domain
 * reaches it. memory_op and param_op are open to every domain (their
 * handlers check their privileged sub-commands).
 */
#include <stdlib.h>

#include <mica/domain.h>
#include <mica/hypercall.h>
#include <public/errno.h>
#include <public/hypercall.h>

#include "check.h"
#include "shim.h"

/* Every number with a handler: its stub's name and the value the stub returns. */
static const struct {
    uint64_t nr;
    const char *name;
    long ret;
    bool privileged;
} stubs[] = {
    { MICA_HC_version,        "version",        0x00010002,       false },
    { MICA_HC_console_io,     "console_io",     -MICA_EINVAL,     false },
    { MICA_HC_sched_op,       "sched_op",       0x123456789abcl,  false },
    { MICA_HC_grant_table_op, "grant_table_op", -MICA_ENOENT,     false },
    { MICA_HC_domctl,         "domctl",         0x7ffl,           true },
    { MICA_HC_memory_op,      "memory_op",      -MICA_ENOSPC,     false },
    { MICA_HC_sysctl,         "sysctl",         40,               true },
    { MICA_HC_event_channel_op, "event_channel_op", -MICA_ESRCH,    false },
    { MICA_HC_vcpu_op,        "vcpu_op",        1l << 40,         false },
    { MICA_HC_param_op,       "param_op",       -MICA_EFAULT,     false },
};
enum { STUB_VERSION, STUB_CONSOLE_IO, STUB_SCHED_OP, STUB_GRANT_TABLE_OP, STUB_DOMCTL,
       STUB_MEMORY_OP, STUB_SYSCTL, STUB_EVENT_CHANNEL_OP, STUB_VCPU_OP,
       STUB_PARAM_OP, NR_STUBS };
_Static_assert(NR_STUBS == ARRAY_SIZE(stubs), "one stub per handler");

static struct {
    unsigned int calls;
    struct vcpu *v;
    const uint64_t *args;
} stub[NR_STUBS];

static long record(int which, struct vcpu *v, const uint64_t args[5])
{
    stub[which].calls++;
    stub[which].v = v;
    stub[which].args = args;
    return stubs[which].ret;
}

long do_version(struct vcpu *v, const uint64_t args[5])
{
    return record(STUB_VERSION, v, args);
}

long do_console_io(struct vcpu *v, const uint64_t args[5])
{
    return record(STUB_CONSOLE_IO, v, args);
}

long do_sched_op(struct vcpu *v, const uint64_t args[5])
{
    return record(STUB_SCHED_OP, v, args);
}

long do_grant_table_op(struct vcpu *v, const uint64_t args[5])
{
    return record(STUB_GRANT_TABLE_OP, v, args);
}

long do_param_op(struct vcpu *v, const uint64_t args[5])
{
    return record(STUB_PARAM_OP, v, args);
}

long do_domctl(struct vcpu *v, const uint64_t args[5])
{
    return record(STUB_DOMCTL, v, args);
}

long do_memory_op(struct vcpu *v, const uint64_t args[5])
{
    return record(STUB_MEMORY_OP, v, args);
}

long do_sysctl(struct vcpu *v, const uint64_t args[5])
{
    return record(STUB_SYSCTL, v, args);
}

long do_event_channel_op(struct vcpu *v, const uint64_t args[5])
{
    return record(STUB_EVENT_CHANNEL_OP, v, args);
}

long do_vcpu_op(struct vcpu *v, const uint64_t args[5])
{
    return record(STUB_VCPU_OP, v, args);
}

static unsigned int total_calls(void)
{
    unsigned int n = 0;

    for (int i = 0; i < NR_STUBS; i++)
        n += stub[i].calls;
    return n;
}

static void reset_stubs(void)
{
    for (int i = 0; i < NR_STUBS; i++)
        stub[i].calls = 0, stub[i].v = NULL, stub[i].args = NULL;
}

static struct vcpu *new_vcpu(bool privileged)
{
    struct vcpu *v = calloc(1, sizeof(*v));
    struct domain *d = calloc(1, sizeof(*d));

    if (!v || !d)
        shim_fatal("out of host memory");
    d->privileged = privileged;
    d->nr_vcpus = 1;
    d->vcpu[0] = v;
    v->domain = d;
    return v;
}

static void test_unknown(struct vcpu *v)
{
    static const uint64_t bad[] = {
        MICA_HC_NR, MICA_HC_NR + 1, 64, 1000, 1ull << 32, (1ull << 32) + MICA_HC_version,
        1ull << 63, ~0ull,
    };
    const uint64_t args[5] = { 1, 2, 3, 4, 5 };

    reset_stubs();
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        CHECK_EQ_S(hypercall_dispatch(v, bad[i], args), -MICA_ENOSYS,
                   "unknown number 0x%llx: -ENOSYS", (unsigned long long)bad[i]);
    CHECK_EQ(total_calls(), 0, "no handler ran for an unknown number");
}

static void test_known(struct vcpu *v, const char *who)
{
    for (int i = 0; i < NR_STUBS; i++) {
        const uint64_t args[5] = { 10u + i, ~0ull, 0, 1ull << 63, 0x55aa };
        const char *name = stubs[i].name;
        long rc;

        reset_stubs();
        rc = hypercall_dispatch(v, stubs[i].nr, args);
        if (stubs[i].privileged && !v->domain->privileged) {
            CHECK_EQ_S(rc, -MICA_EPERM, "%s: %s is refused with -EPERM", who, name);
            CHECK_EQ(total_calls(), 0, "%s: %s reaches no handler", who, name);
            continue;
        }
        CHECK_EQ_S(rc, stubs[i].ret, "%s: %s returns its handler's value", who, name);
        CHECK_EQ(stub[i].calls, 1, "%s: %s reaches its handler once", who, name);
        CHECK_EQ(total_calls(), 1, "%s: %s reaches no other handler", who, name);
        CHECK(stub[i].v == v, "%s: %s handler gets the calling vCPU", who, name);
        CHECK(stub[i].args && stub[i].args[0] == 10u + i && stub[i].args[1] == ~0ull &&
              stub[i].args[3] == 1ull << 63 && stub[i].args[4] == 0x55aa,
              "%s: %s handler gets the arguments", who, name);
    }
}

int main(void)
{
    struct vcpu *unpriv = new_vcpu(false), *priv = new_vcpu(true);

    check_area("hypercall");
    /*
     * Numbers below MICA_HC_NR beyond the stubbed ones have no handler yet
     * and must still be -ENOSYS. Whoever adds a handler adds its stub here.
     */
    for (uint64_t nr = 0; nr < MICA_HC_NR; nr++) {
        const uint64_t args[5] = { 0 };
        bool handled = false;

        for (int i = 0; i < NR_STUBS; i++)
            handled |= stubs[i].nr == nr;
        if (!handled)
            CHECK_EQ_S(hypercall_dispatch(unpriv, nr, args), -MICA_ENOSYS,
                       "number %llu without a handler: -ENOSYS", (unsigned long long)nr);
    }
    test_unknown(unpriv);
    test_unknown(priv);
    test_known(unpriv, "unprivileged domain");
    test_known(priv, "privileged domain");
    return check_done();
}
