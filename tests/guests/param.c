/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * param: MICA_HC_param_op (public/param.h, docs/abi.md section 19).
 *
 * role=own (default), an unprivileged domain: it reads its own params
 * (all 0: nobody set a boot domain's), by MICA_DOMID_SELF and by its id;
 * every set is -EPERM, a get of another domain's is -EPERM (even of an id
 * naming no domain), a bad index or pad -EINVAL, an argument in the hole at
 * 3 GiB -EFAULT, an unknown sub-command -ENOSYS.
 *
 * role=ctl, the privileged domain (module word "privileged"): it sets each
 * param of a child it creates and reads them back, with the child's port
 * from alloc_unbound as its store port; refusals: a gfn at MICA_GFN_LIMIT,
 * a port at the child's limit, a bad index or pad (-EINVAL), no such domain
 * (-EPERM never: -ESRCH), an unreadable or (get) unwritable argument
 * (-EFAULT), and once the child is destroyed its id is -ESRCH.
 */
#include "guest.h"
#include "ctl.h"
#include "cpu.h"

const char guest_builtin_name[] = "param";

#define UNBACKED_GVA  0xc0000000ull      /* the hole at 3 GiB: mapped, no RAM */
#define CHILD_KB      4096u
#define NO_DOMAIN     0x7fefu            /* MICA_DOMID_MAX: never reached by the tests */
#define GONE_MS       2000u              /* destroy may return before the domain is freed */

static int64_t param_op(uint64_t cmd, struct mica_param *p)
{
    return hc2(MICA_HC_param_op, cmd, (uint64_t)p);
}

static int64_t get(uint16_t domid, uint32_t index, uint64_t *value)
{
    struct mica_param p = { .domid = domid, .index = index, .value = 0x5a5a };
    int64_t rc = param_op(MICA_PARAM_get, &p);

    *value = p.value;
    return rc;
}

static int64_t set(uint16_t domid, uint32_t index, uint64_t value)
{
    struct mica_param p = { .domid = domid, .index = index, .value = value };

    return param_op(MICA_PARAM_set, &p);
}

/* Both ways of naming itself read every param as 0. */
static void test_own(uint16_t me)
{
    unsigned int bad = 0;
    uint64_t v;

    for (uint32_t i = 0; i < MICA_PARAM_NR; i++) {
        bad += get(MICA_DOMID_SELF, i, &v) != 0 || v != 0;
        bad += get(me, i, &v) != 0 || v != 0;
    }
    check(!bad, "get own params (SELF and own id): all 0", "%u gets wrong", bad);
}

static void test_bad_argument(void)
{
    struct mica_param p = { .domid = MICA_DOMID_SELF, .pad = 1 };
    uint64_t v;

    check_eq_i64("get: index MICA_PARAM_NR: -EINVAL", -MICA_EINVAL,
                 get(MICA_DOMID_SELF, MICA_PARAM_NR, &v));
    check_eq_i64("get: index ~0: -EINVAL", -MICA_EINVAL, get(MICA_DOMID_SELF, ~0u, &v));
    check_eq_i64("get: pad not 0: -EINVAL", -MICA_EINVAL, param_op(MICA_PARAM_get, &p));
    check_eq_i64("get: argument in the hole: -EFAULT", -MICA_EFAULT,
                 hc2(MICA_HC_param_op, MICA_PARAM_get, UNBACKED_GVA));
    check_eq_i64("get: argument straddling the end of RAM: -EFAULT", -MICA_EFAULT,
                 hc2(MICA_HC_param_op, MICA_PARAM_get, guest_ram_end() - 8));
    check_eq_i64("sub-command 2: -ENOSYS", -MICA_ENOSYS, param_op(2, &p));
    check_eq_i64("sub-command 2^32: -ENOSYS", -MICA_ENOSYS, param_op(1ull << 32, &p));
}

static void role_own(uint16_t me)
{
    struct mica_param p = { .domid = MICA_DOMID_SELF };
    uint64_t v;

    test_own(me);
    check_eq_i64("set own: -EPERM", -MICA_EPERM, set(MICA_DOMID_SELF, MICA_PARAM_STORE_GFN, 1));
    check_eq_i64("set of domain 0: -EPERM", -MICA_EPERM, set(0, MICA_PARAM_STORE_GFN, 1));
    check_eq_i64("set with a bad index: -EPERM first", -MICA_EPERM,
                 set(MICA_DOMID_SELF, MICA_PARAM_NR, 1));
    check_eq_i64("set: argument in the hole: -EFAULT", -MICA_EFAULT,
                 hc2(MICA_HC_param_op, MICA_PARAM_set, UNBACKED_GVA));
    check_eq_i64("get of domain 0: -EPERM", -MICA_EPERM, get(0, MICA_PARAM_STORE_GFN, &v));
    check_eq_i64("get of an id naming no domain: -EPERM", -MICA_EPERM,
                 get(NO_DOMAIN, MICA_PARAM_STORE_GFN, &v));
    test_bad_argument();
    p.index = MICA_PARAM_CONSOLE_GFN;
    check_eq_i64("still 0 after the refused sets", 0, param_op(MICA_PARAM_get, &p) ?: (int64_t)p.value);
}

/* A paused child to set params on: its id, or a negative error. */
static int64_t create_child(void)
{
    struct mica_domctl op;

    domctl_init(&op, 0);
    strlcpy(op.u.create.name, "param-child", sizeof(op.u.create.name));
    memcpy(op.u.create.uuid, "param-child-uuid", 16);
    op.u.create.mem_kb = CHILD_KB;
    op.u.create.nr_vcpus = 1;
    return mica_domctl(MICA_DOMCTL_create, &op) ?: op.domid;
}

static int64_t alloc_unbound(uint16_t dom, uint16_t remote)
{
    struct mica_evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
    int64_t rc = mica_evtchn_op(MICA_EVTCHNOP_alloc_unbound, &a);

    return rc ?: a.port;
}

static void test_child_set_get(uint16_t c, uint64_t port)
{
    const uint64_t want[MICA_PARAM_NR] = {
        [MICA_PARAM_STORE_GFN] = MICA_SPECIAL_STORE_GFN, [MICA_PARAM_STORE_EVTCHN] = port,
        [MICA_PARAM_CONSOLE_GFN] = MICA_SPECIAL_CONSOLE_GFN,
        [MICA_PARAM_CONSOLE_EVTCHN] = MICA_EVTCHN_DEFAULT_PORTS - 1,
    };
    unsigned int bad = 0;
    uint64_t v;

    for (uint32_t i = 0; i < MICA_PARAM_NR; i++)
        bad += set(c, i, want[i]) != 0;
    check(!bad, "set the child's four params", "%u refused", bad);
    for (uint32_t i = 0; i < MICA_PARAM_NR; i++)
        bad += get(c, i, &v) != 0 || v != want[i];
    check(!bad, "get them back", "%u wrong", bad);
    check_eq_i64("set gfn MICA_GFN_LIMIT - 1", 0, set(c, MICA_PARAM_CONSOLE_GFN, MICA_GFN_LIMIT - 1));
    check_eq_i64("set gfn MICA_GFN_LIMIT: -EINVAL", -MICA_EINVAL,
                 set(c, MICA_PARAM_CONSOLE_GFN, MICA_GFN_LIMIT));
    check_eq_i64("set port at the child's limit: -EINVAL", -MICA_EINVAL,
                 set(c, MICA_PARAM_STORE_EVTCHN, MICA_EVTCHN_DEFAULT_PORTS));
    check_eq_i64("set port ~0: -EINVAL", -MICA_EINVAL, set(c, MICA_PARAM_CONSOLE_EVTCHN, ~0ull));
    check_eq_i64("set index MICA_PARAM_NR: -EINVAL", -MICA_EINVAL, set(c, MICA_PARAM_NR, 0));
    check_eq_i64("refused sets changed nothing", (int64_t)port,
                 get(c, MICA_PARAM_STORE_EVTCHN, &v) ?: (int64_t)v);
    check_eq_i64("the caller's own params untouched", 0,
                 get(MICA_DOMID_SELF, MICA_PARAM_STORE_EVTCHN, &v) ?: (int64_t)v);
}

/* The child's params are gone with it: get says -ESRCH within ms. */
static bool gone_within(uint16_t c, unsigned int ms)
{
    uint64_t end = rdtsc() + ms * physinfo().tsc_khz, v;

    do {
        if (get(c, 0, &v) == -MICA_ESRCH)
            return true;
        mica_sched_op(MICA_SCHED_yield, 0);
    } while (rdtsc() < end);
    return false;
}

static void role_ctl(uint16_t me)
{
    struct mica_domctl op;
    int64_t c = create_child(), port;
    uint64_t v;

    test_own(me);
    if (!check(c > 0, "create a child", "rc %ld", c))
        return;
    port = alloc_unbound((uint16_t)c, 0);
    check(port > 0, "an unbound port in the child for domain 0", "rc %ld", port);
    test_child_set_get((uint16_t)c, (uint64_t)port);
    check_eq_i64("set: argument unreadable: -EFAULT", -MICA_EFAULT,
                 hc2(MICA_HC_param_op, MICA_PARAM_set, UNBACKED_GVA));
    check_eq_i64("get of no such domain: -ESRCH", -MICA_ESRCH, get(NO_DOMAIN, 0, &v));
    check_eq_i64("set of no such domain: -ESRCH", -MICA_ESRCH, set(NO_DOMAIN, 0, 0));
    check_eq_i64("set of domid 0xffff: -ESRCH", -MICA_ESRCH, set(0xffff, 0, 0));
    test_bad_argument();
    domctl_init(&op, (uint16_t)c);
    check_eq_i64("destroy the child", 0, mica_domctl(MICA_DOMCTL_destroy, &op));
    check(gone_within((uint16_t)c, GONE_MS), "get of the destroyed child: -ESRCH",
          "still answers %u ms after destroy", GONE_MS);
}

int guest_main(const struct mica_start_info *si)
{
    char role[8] = "own";

    cmdline_get("role", role, sizeof(role));
    if (!strcmp(role, "ctl"))
        role_ctl(si->domid);
    else
        role_own(si->domid);
    return 0;
}
