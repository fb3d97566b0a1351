/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * memop: an unprivileged guest's memory_op. Its own reservation (current
 * and maximum, decrease = balloon out, populate = balloon in, the ceiling,
 * all-or-nothing on errors, fresh frames zeroed), and the privilege wall:
 * domctl, sysctl, foreign mappings and other domains' reservations are
 * -EPERM.
 */
#include "guest.h"
#include "ctl.h"

const char guest_builtin_name[] = "memop";

#define UNBACKED_GVA  0xc0000000ull
#define HIGH_GFN      0x8000ull          /* 128 MiB: above RAM, in the builder's map */

static uint64_t own;                     /* frames at boot */

static int64_t reservation(uint64_t cmd)
{
    return mica_memory_op(cmd, MICA_DOMID_SELF);
}

static uint64_t *page(uint64_t gfn)
{
    return (uint64_t *)(gfn << PAGE_SHIFT);
}

static void test_privilege_wall(void)
{
    struct mica_domctl dop;
    struct mica_sysctl sop;
    struct mica_memop_foreign f = { .gfn = 1, .dst_gfn = HIGH_GFN, .nr = 1, .domid = 0 };

    domctl_init(&dop, MICA_DOMID_SELF);
    sysctl_init(&sop);
    check_eq_i64("domctl getinfo: -EPERM", -MICA_EPERM, mica_domctl(MICA_DOMCTL_getinfo, &dop));
    check_eq_i64("domctl create: -EPERM", -MICA_EPERM, mica_domctl(MICA_DOMCTL_create, &dop));
    check_eq_i64("domctl with a bad pointer: -EPERM first", -MICA_EPERM,
                 hc2(MICA_HC_domctl, MICA_DOMCTL_destroy, UNBACKED_GVA));
    check_eq_i64("domctl unknown sub-command: -EPERM first", -MICA_EPERM,
                 mica_domctl(MICA_DOMCTL_NR, &dop));
    check_eq_i64("sysctl physinfo: -EPERM", -MICA_EPERM, mica_sysctl(MICA_SYSCTL_physinfo, &sop));
    check_eq_i64("sysctl readlog: -EPERM", -MICA_EPERM, mica_sysctl(MICA_SYSCTL_readlog, &sop));
    check_eq_i64("map_foreign: -EPERM", -MICA_EPERM,
                 mica_memory_op(MICA_MEMOP_map_foreign, (uint64_t)&f));
    check_eq_i64("unmap_foreign: -EPERM", -MICA_EPERM,
                 mica_memory_op(MICA_MEMOP_unmap_foreign, (uint64_t)&f));
    check_eq_i64("current_reservation of domain 0: -EPERM", -MICA_EPERM,
                 mica_memory_op(MICA_MEMOP_current_reservation, 0));
    check_eq_i64("maximum_reservation of domain 77: -EPERM", -MICA_EPERM,
                 mica_memory_op(MICA_MEMOP_maximum_reservation, 77));
    check_eq_i64("populate for domain 0: -EPERM", -MICA_EPERM,
                 memop_range(MICA_MEMOP_populate_physmap, 0, HIGH_GFN, 1));
    check_eq_i64("decrease for domain 0: -EPERM", -MICA_EPERM,
                 memop_range(MICA_MEMOP_decrease_reservation, 0, 100, 1));
}

static void test_queries(void)
{
    own = guest_si()->nr_pages;
    check_eq_i64("current_reservation SELF", own, reservation(MICA_MEMOP_current_reservation));
    check_eq_i64("current_reservation by own id", own,
                 mica_memory_op(MICA_MEMOP_current_reservation, guest_si()->domid));
    check_eq_i64("maximum_reservation SELF (the boot size)", own,
                 reservation(MICA_MEMOP_maximum_reservation));
    check_eq_i64("memory_op unknown sub-command", -MICA_ENOSYS, mica_memory_op(MICA_MEMOP_NR, 0));
    check_eq_i64("memory_op ~0", -MICA_ENOSYS, mica_memory_op(~0ull, 0));
}

static void test_bad_arguments(uint64_t base)
{
    struct mica_memop_reservation r = { .first_gfn = base, .nr = 1, .domid = MICA_DOMID_SELF };
    static uint64_t list[3];

    check_eq_i64("reservation argument at 3 GiB", -MICA_EFAULT,
                 mica_memory_op(MICA_MEMOP_decrease_reservation, UNBACKED_GVA));
    r.flags = 0x8000;
    check_eq_i64("unknown flags", -MICA_EINVAL,
                 mica_memory_op(MICA_MEMOP_decrease_reservation, (uint64_t)&r));
    check_eq_i64("nr above MICA_MEMOP_MAX_EXTENTS", -MICA_E2BIG,
                 memop_range(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, base,
                             MICA_MEMOP_MAX_EXTENTS + 1));
    check_eq_i64("a range crossing MICA_GFN_LIMIT", -MICA_EINVAL,
                 memop_range(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, MICA_GFN_LIMIT - 1, 2));
    check_eq_i64("a list at 3 GiB", -MICA_EFAULT,
                 memop_list(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF,
                            (const uint64_t *)UNBACKED_GVA, 2));
    list[0] = base, list[1] = base + 1, list[2] = base;
    check_eq_i64("a list naming a gfn twice", -MICA_EINVAL,
                 memop_list(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, list, 3));
    list[2] = MICA_GFN_LIMIT;
    check_eq_i64("a list with a gfn at MICA_GFN_LIMIT", -MICA_EINVAL,
                 memop_list(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, list, 3));
    check_eq_i64("nr 0 does nothing", 0,
                 memop_range(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, base, 0));
    check_eq_i64("the failed calls changed nothing", own, reservation(MICA_MEMOP_current_reservation));
}

/* Balloon out four frames, fail to take them twice, balloon them back in. */
static void test_decrease_populate(uint64_t base)
{
    uint64_t back[2] = { base + 3, base + 1 };
    bool zero = true;

    for (uint64_t i = 0; i < 4; i++)
        page(base + i)[5] = 0x5a5a5a5a00000000ull | i;
    page(base - 1)[1] = 0x77;
    check_eq_i64("decrease 4 frames (a range)", 4,
                 memop_range(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, base, 4));
    check_eq_i64("... current_reservation drops by 4", own - 4,
                 reservation(MICA_MEMOP_current_reservation));
    check_eq_i64("decrease them again", -MICA_ENOENT,
                 memop_range(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, base, 1));
    check_eq_i64("decrease a populated and a missing frame: all or nothing", -MICA_ENOENT,
                 memop_range(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, base + 4 - 5, 5));
    check_eq_u64("... the populated one is still there", 0x77, page(base - 1)[1]);
    check_eq_i64("... the reservation did not change", own - 4,
                 reservation(MICA_MEMOP_current_reservation));
    check_eq_i64("populate two of them (an unsorted list)", 2,
                 memop_list(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, back, 2));
    for (uint64_t w = 0; w < PAGE_SIZE / 8; w++)
        zero &= !page(base + 1)[w] && !page(base + 3)[w];
    check(zero, "... the new frames are zeroed", "old contents visible");
    check_eq_i64("populate a gfn that is populated", -MICA_EEXIST,
                 memop_range(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, base + 1, 1));
    check_eq_i64("populate the other two", 2,
                 memop_list(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF,
                            (const uint64_t[]){ base, base + 2 }, 2));
    check_eq_i64("... the reservation is whole", own, reservation(MICA_MEMOP_current_reservation));
}

/* Move two frames above RAM and back: the ceiling counts frames, not addresses. */
static void test_ceiling(uint64_t base)
{
    check_eq_i64("populate above the ceiling", -MICA_ENOSPC,
                 memop_range(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, HIGH_GFN, 1));
    check_eq_i64("decrease 2 frames", 2,
                 memop_range(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, base, 2));
    check_eq_i64("populate 3 frames: over the ceiling", -MICA_ENOSPC,
                 memop_range(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, HIGH_GFN, 3));
    check_eq_i64("populate 2 frames above RAM", 2,
                 memop_range(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, HIGH_GFN, 2));
    page(HIGH_GFN)[0] = 0x1234;
    page(HIGH_GFN + 1)[511] = 0x5678;
    check(page(HIGH_GFN)[0] == 0x1234 && page(HIGH_GFN + 1)[511] == 0x5678,
          "... they are usable RAM", "read back wrong");
    check_eq_i64("... the reservation is at its ceiling", own,
                 reservation(MICA_MEMOP_current_reservation));
    check_eq_i64("give them back", 2,
                 memop_range(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, HIGH_GFN, 2));
    check_eq_i64("populate the low frames again", 2,
                 memop_range(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, base, 2));
    check_eq_i64("current_reservation at the end", own, reservation(MICA_MEMOP_current_reservation));
}

int guest_main(const struct mica_start_info *si)
{
    uint64_t base = guest_image_end() / PAGE_SIZE + 8;

    (void)si;
    test_queries();
    test_privilege_wall();
    test_bad_arguments(base);
    test_decrease_populate(base);
    test_ceiling(base);
    return 0;
}
