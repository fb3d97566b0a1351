/*
 * Unit tests for hypervisor/common/hypercall.c (hypercall_dispatch). The
 * handlers are stubs defined here that record each call and return a value
 * of their own, so the test sees which handler a number reached, with what,
 * and that its result comes back unchanged.
 *
 * The -EPERM path (a privileged entry called by an unprivileged domain)
 * cannot be reached: every entry in today's table is unprivileged, and the
 * table is private to hypercall.c. When a privileged hypercall is added,
 * test here that an unprivileged domain gets -MICA_EPERM without the
 * handler running and a privileged one reaches it.
 */
#include <stdlib.h>

#include <mica/domain.h>
#include <mica/hypercall.h>
#include <public/errno.h>
#include <public/hypercall.h>

#include "check.h"
#include "shim.h"

enum { STUB_VERSION, STUB_CONSOLE_IO, STUB_SCHED_OP, NR_STUBS };

static const char *const stub_names[NR_STUBS] = { "version", "console_io", "sched_op" };
static const long stub_ret[NR_STUBS] = { 0x00010002, -MICA_EINVAL, 0x123456789abcl };

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
    return stub_ret[which];
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
    static const uint64_t nr[NR_STUBS] = { MICA_HC_version, MICA_HC_console_io, MICA_HC_sched_op };

    for (int i = 0; i < NR_STUBS; i++) {
        const uint64_t args[5] = { 10u + i, ~0ull, 0, 1ull << 63, 0x55aa };
        long rc;

        reset_stubs();
        rc = hypercall_dispatch(v, nr[i], args);
        CHECK_EQ_S(rc, stub_ret[i], "%s: %s returns its handler's value", who, stub_names[i]);
        CHECK_EQ(stub[i].calls, 1, "%s: %s reaches its handler once", who, stub_names[i]);
        CHECK_EQ(total_calls(), 1, "%s: %s reaches no other handler", who, stub_names[i]);
        CHECK(stub[i].v == v, "%s: %s handler gets the calling vCPU", who, stub_names[i]);
        CHECK(stub[i].args && stub[i].args[0] == 10u + i && stub[i].args[1] == ~0ull &&
              stub[i].args[3] == 1ull << 63 && stub[i].args[4] == 0x55aa,
              "%s: %s handler gets the arguments", who, stub_names[i]);
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
    for (uint64_t nr = NR_STUBS; nr < MICA_HC_NR; nr++) {
        const uint64_t args[5] = { 0 };

        CHECK_EQ_S(hypercall_dispatch(unpriv, nr, args), -MICA_ENOSYS,
                   "number %llu without a handler: -ENOSYS", (unsigned long long)nr);
    }
    test_unknown(unpriv);
    test_unknown(priv);
    test_known(unpriv, "unprivileged domain");
    test_known(priv, "privileged domain");
    return check_done();
}
