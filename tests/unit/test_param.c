/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/common/param.c (MICA_HC_param_op), against
 * stubs of what it calls: guest copies (a guest address is a host pointer
 * here; 0 is unmapped, ro_param readable but not writable), the domain
 * lookup (domain_get_target()'s documented rules over three domains, with
 * a count of the references taken and dropped) and each domain's port
 * limit. Every error of docs/abi.md section 19, the order of the checks,
 * and that a refused call changes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include <mica/domain.h>
#include <mica/event_channel.h>
#include <mica/hypercall.h>
#include <public/errno.h>
#include <public/param.h>
#include <public/types.h>

#include "check.h"
#include "shim.h"

#define NR_DOMS 3
static struct domain doms[NR_DOMS];         /* 0 privileged; 1, 2 not */
static struct vcpu vcpus[NR_DOMS];
static unsigned int port_limit[NR_DOMS] = { 1024, 1024, 64 };
static int refs;                            /* taken minus dropped */
static struct mica_param ro_param;          /* readable, never writable */

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    (void)v;
    if (!gva)
        return -MICA_EFAULT;
    memcpy(dst, (const void *)(uintptr_t)gva, len);
    return 0;
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    (void)v;
    if (!gva || gva == (uintptr_t)&ro_param)
        return -MICA_EFAULT;
    memcpy((void *)(uintptr_t)gva, src, len);
    return 0;
}

int domain_get_target(const struct domain *self, uint64_t id, unsigned int flags,
                      struct domain **out)
{
    *out = NULL;
    if (id == MICA_DOMID_SELF)
        id = self->id;
    if (id != self->id && !self->privileged && !(flags & TARGET_ANY))
        return -MICA_EPERM;
    if (id >= NR_DOMS)
        return -MICA_ESRCH;
    refs++;
    *out = &doms[id];
    return 0;
}

void domain_put(struct domain *d)
{
    (void)d;
    refs--;
}

unsigned int evtchn_port_limit(const struct domain *d)
{
    return port_limit[d->id];
}

static long call(unsigned int dom, uint64_t cmd, const void *arg)
{
    const uint64_t args[5] = { cmd, (uintptr_t)arg, 0, 0, 0 };
    long rc = do_param_op(&vcpus[dom], args);

    CHECK_EQ_S(refs, 0, "d%u: cmd %llu: every domain reference dropped", dom,
               (unsigned long long)cmd);
    refs = 0;
    return rc;
}

static long get(unsigned int dom, uint16_t domid, uint32_t index, uint64_t *value)
{
    struct mica_param p = { .domid = domid, .index = index, .value = 0xdeadbeef };
    long rc = call(dom, MICA_PARAM_get, &p);

    *value = p.value;
    return rc;
}

static long set(unsigned int dom, uint16_t domid, uint32_t index, uint64_t value)
{
    struct mica_param p = { .domid = domid, .index = index, .value = value };

    return call(dom, MICA_PARAM_set, &p);
}

static void test_unset_and_own(void)
{
    uint64_t v;

    for (uint32_t i = 0; i < MICA_PARAM_NR; i++) {
        CHECK_EQ_S(get(1, MICA_DOMID_SELF, i, &v), 0, "get own param %u (SELF)", i);
        CHECK_EQ(v, 0, "param %u never set reads 0", i);
        CHECK_EQ_S(get(1, 1, i, &v), 0, "get own param %u by id", i);
    }
}

static void test_set_get(void)
{
    static const uint64_t vals[MICA_PARAM_NR] = { 0xfc, 7, 0xfd, 1023 };
    uint64_t v;

    for (uint32_t i = 0; i < MICA_PARAM_NR; i++) {
        CHECK_EQ_S(set(0, 1, i, vals[i]), 0, "dom0 sets d1's param %u", i);
        CHECK_EQ(doms[1].param[i], vals[i], "the value lands in d1's struct domain (%u)", i);
        CHECK_EQ_S(get(1, MICA_DOMID_SELF, i, &v), 0, "d1 gets its param %u", i);
        CHECK_EQ(v, vals[i], "d1 reads what dom0 set (%u)", i);
        CHECK_EQ_S(get(0, 1, i, &v), 0, "dom0 gets d1's param %u", i);
        CHECK_EQ(v, vals[i], "dom0 reads it back (%u)", i);
        CHECK_EQ(doms[2].param[i], 0, "d2's param %u untouched", i);
    }
    CHECK_EQ_S(set(0, MICA_DOMID_SELF, MICA_PARAM_STORE_GFN, 5), 0, "dom0 sets its own");
    CHECK_EQ(doms[0].param[MICA_PARAM_STORE_GFN], 5, "... in its own struct domain");
    CHECK_EQ_S(set(0, 1, MICA_PARAM_STORE_GFN, MICA_GFN_LIMIT - 1), 0, "gfn MICA_GFN_LIMIT - 1");
    CHECK_EQ_S(set(0, 1, MICA_PARAM_STORE_GFN, 0), 0, "gfn 0 (unset again)");
}

static void test_refusals(void)
{
    struct mica_param p = { .domid = MICA_DOMID_SELF, .index = 0 };
    uint64_t v;

    doms[1].param[MICA_PARAM_CONSOLE_GFN] = 0xfd;
    CHECK_EQ_S(set(1, MICA_DOMID_SELF, 0, 1), -MICA_EPERM, "set by an unprivileged domain");
    CHECK_EQ_S(set(1, MICA_DOMID_SELF, 99, 1), -MICA_EPERM, "... EPERM before EINVAL");
    CHECK_EQ_S(get(1, 2, 0, &v), -MICA_EPERM, "get of another domain's by an unprivileged one");
    CHECK_EQ_S(get(1, 0x7fef, 0, &v), -MICA_EPERM, "... even of an id naming no domain");
    CHECK_EQ_S(get(1, 0, MICA_PARAM_NR, &v), -MICA_EINVAL, "index MICA_PARAM_NR: EINVAL first");
    CHECK_EQ_S(get(0, 1, MICA_PARAM_NR, &v), -MICA_EINVAL, "get index MICA_PARAM_NR");
    CHECK_EQ_S(get(0, 1, ~0u, &v), -MICA_EINVAL, "get index ~0");
    CHECK_EQ_S(set(0, 1, MICA_PARAM_NR, 0), -MICA_EINVAL, "set index MICA_PARAM_NR");
    CHECK_EQ_S(set(0, 1, MICA_PARAM_CONSOLE_GFN, MICA_GFN_LIMIT), -MICA_EINVAL,
               "set gfn MICA_GFN_LIMIT");
    CHECK_EQ_S(set(0, 1, MICA_PARAM_CONSOLE_GFN, ~0ull), -MICA_EINVAL, "set gfn ~0");
    CHECK_EQ_S(set(0, 1, MICA_PARAM_STORE_EVTCHN, 1024), -MICA_EINVAL,
               "set port at d1's limit (1024)");
    CHECK_EQ_S(set(0, 2, MICA_PARAM_STORE_EVTCHN, 64), -MICA_EINVAL,
               "set port at d2's limit (64)");
    CHECK_EQ_S(set(0, 2, MICA_PARAM_STORE_EVTCHN, 63), 0, "set port below d2's limit");
    CHECK_EQ(doms[1].param[MICA_PARAM_CONSOLE_GFN], 0xfd, "refused sets changed nothing");
    CHECK_EQ_S(get(0, 3, 0, &v), -MICA_ESRCH, "get of no such domain");
    CHECK_EQ_S(set(0, 0x7fef, 0, 0), -MICA_ESRCH, "set of no such domain");
    CHECK_EQ_S(set(0, 0xffff, 0, 0), -MICA_ESRCH, "set of domid 0xffff");
    p.pad = 1;
    CHECK_EQ_S(call(0, MICA_PARAM_get, &p), -MICA_EINVAL, "get with pad != 0");
    CHECK_EQ_S(call(0, MICA_PARAM_set, &p), -MICA_EINVAL, "set with pad != 0");
    CHECK_EQ_S(call(1, MICA_PARAM_get, NULL), -MICA_EFAULT, "get: unreadable argument");
    CHECK_EQ_S(call(0, MICA_PARAM_set, NULL), -MICA_EFAULT, "set: unreadable argument");
    CHECK_EQ_S(call(1, MICA_PARAM_set, NULL), -MICA_EFAULT, "... EFAULT before EPERM");
    ro_param = (struct mica_param){ .domid = MICA_DOMID_SELF, .index = MICA_PARAM_CONSOLE_GFN };
    CHECK_EQ_S(call(1, MICA_PARAM_get, &ro_param), -MICA_EFAULT, "get: unwritable argument");
    ro_param.domid = 1;
    ro_param.value = 0x77;
    CHECK_EQ_S(call(0, MICA_PARAM_set, &ro_param), 0, "set: a read-only argument will do");
    CHECK_EQ(doms[1].param[MICA_PARAM_CONSOLE_GFN], 0x77, "... and is taken");
    CHECK_EQ_S(call(0, 2, &p), -MICA_ENOSYS, "sub-command 2");
    CHECK_EQ_S(call(1, (1ull << 32) | MICA_PARAM_get, &p), -MICA_ENOSYS,
               "sub-command 2^32 + get (no truncation)");
    CHECK_EQ_S(call(1, ~0ull, NULL), -MICA_ENOSYS, "ENOSYS before EFAULT");
}

int main(void)
{
    check_area("param");
    for (unsigned int i = 0; i < NR_DOMS; i++) {
        doms[i].id = (domid_t)i;
        doms[i].privileged = i == 0;
        vcpus[i].domain = &doms[i];
    }
    test_unset_and_own();
    test_set_get();
    test_refusals();
    return check_done();
}
