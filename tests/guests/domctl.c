/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * domctl: the privileged guest (boot it with the word "privileged", as
 * domain 0). It checks domctl, sysctl and the control half of memory_op:
 * every sub-command's success and error paths, then the life of a child
 * domain built the way a toolstack builds one (create, load a tiny kernel
 * through foreign mappings, set its entry state, unpause, pause, destroy),
 * and 100 create/destroy cycles after which the free frame count must be
 * exactly what it was. The child kernel is domctl_child.S.
 */
#include "guest.h"
#include "cpu.h"
#include "ctl.h"
#include "events.h"

const char guest_builtin_name[] = "domctl";

/* The child kernel's own constants, checked against the public headers. */
BUILD_BUG_ON(MICA_HC_console_io != 1 || MICA_CONSOLE_write != 0);
BUILD_BUG_ON(MICA_HC_sched_op != 2 || MICA_SCHED_shutdown != 2);
extern const char child_code[], child_code_end[], child_counter[];
extern const char plat_code[], plat_code_end[], plat_results[];

#define UNBACKED_GVA   0xc0000000ull          /* in the builder's map, no RAM */
#define NONCANONICAL   0x8000000000000000ull
#define LOAD_GFN       0x40000ull             /* window for loading a child */
#define WATCH_GFN      0x40010ull             /* a child's code page, watched */
#define CHILD_MEM_KB   256
#define CHILD_PAGES    (CHILD_MEM_KB / 4)
#define CHILD_CODE_GPA 0x5000ull              /* gfns 1..3 page tables, 4 GDT, 5 code */
#define MODE_EXIT      0
#define MODE_SPIN      1
#define CYCLES         100

static uint64_t tsc_khz;
static uint64_t uuid_serial;

/* ---- helpers -------------------------------------------------------------- */

static int64_t dom_op(uint64_t cmd, uint16_t domid)
{
    struct mica_domctl op;

    domctl_init(&op, domid);
    return mica_domctl(cmd, &op);
}

static int64_t dom_info(uint64_t cmd, uint16_t domid, struct mica_domctl_getinfo *gi)
{
    struct mica_domctl op;
    int64_t rc;

    domctl_init(&op, domid);
    rc = mica_domctl(cmd, &op);
    *gi = op.u.getinfo;
    return rc;
}

static void new_uuid(uint8_t uuid[16])
{
    uint64_t s = ++uuid_serial;

    memcpy(uuid, "mica-dom", 8);
    memcpy(uuid + 8, &s, 8);
}

static void create_op(struct mica_domctl *op, const char *name, uint64_t mem_kb)
{
    domctl_init(op, 0);
    strlcpy(op->u.create.name, name, sizeof(op->u.create.name));
    op->u.create.mem_kb = mem_kb;
    op->u.create.nr_vcpus = 1;
    new_uuid(op->u.create.uuid);
}

/* A new paused child: its id, or a negative error. */
static int64_t dom_create(const char *name, uint64_t mem_kb)
{
    struct mica_domctl op;
    int64_t rc;

    create_op(&op, name, mem_kb);
    rc = mica_domctl(MICA_DOMCTL_create, &op);
    return rc ? rc : op.domid;
}

static int64_t fmap(uint16_t domid, uint64_t gfn, uint64_t dst, uint32_t nr, uint16_t flags)
{
    struct mica_memop_foreign f = { .gfn = gfn, .dst_gfn = dst, .nr = nr, .domid = domid,
                                    .flags = flags };

    return mica_memory_op(MICA_MEMOP_map_foreign, (uint64_t)&f);
}

static int64_t funmap(uint64_t dst, uint32_t nr)
{
    struct mica_memop_foreign f = { .dst_gfn = dst, .nr = nr };

    return mica_memory_op(MICA_MEMOP_unmap_foreign, (uint64_t)&f);
}

static int64_t read_ring(uint64_t cmd, uint16_t domid, uint64_t offset, char *buf, uint32_t len,
                         struct mica_sysctl_read *out)
{
    struct mica_sysctl op;
    int64_t rc;

    sysctl_init(&op);
    op.u.read = (struct mica_sysctl_read){ .offset = offset, .buf = (uint64_t)buf, .len = len,
                                           .domid = domid };
    rc = mica_sysctl(cmd, &op);
    *out = op.u.read;
    return rc;
}

/* Busy-wait, yielding so a child on this pCPU gets to run. */
static void delay_ms(uint64_t ms)
{
    uint64_t end = rdtsc() + ms * tsc_khz;

    while (rdtsc() < end)
        mica_sched_op(MICA_SCHED_yield, 0);
}

static bool wait_state(uint16_t domid, uint8_t state, uint64_t ms)
{
    uint64_t end = rdtsc() + ms * tsc_khz;
    struct mica_domctl_getinfo gi;

    do {
        if (dom_info(MICA_DOMCTL_getinfo, domid, &gi) == 0 && gi.state == state)
            return true;
        mica_sched_op(MICA_SCHED_yield, 0);
    } while (rdtsc() < end);
    return false;
}

/*
 * Write the child kernel into domain domid through a foreign mapping of its
 * gfns 1..5: page tables identity-mapping its first 2 MiB, a GDT, the code.
 */
static int64_t child_load(uint16_t domid)
{
    static const uint64_t gdt[3] = { 0, 0x00af9b000000ffffull, 0x00cf93000000ffffull };
    uint64_t *w = (uint64_t *)(LOAD_GFN << PAGE_SHIFT);
    int64_t rc = fmap(domid, 1, LOAD_GFN, 5, 0);

    if (rc != 5)
        return rc < 0 ? rc : -1;
    w[0] = 0x2000 | 3;                        /* gfn 1: PML4[0] -> PDPT */
    w[512] = 0x3000 | 3;                      /* gfn 2: PDPT[0] -> PD */
    w[1024] = 0x83;                           /* gfn 3: PD[0] = 2 MiB at 0, P|RW|PS */
    memcpy(&w[1536], gdt, sizeof(gdt));       /* gfn 4: GDT */
    memcpy(&w[2048], child_code, (size_t)(child_code_end - child_code));   /* gfn 5 */
    rc = funmap(LOAD_GFN, 5);
    return rc == 5 ? 0 : rc < 0 ? rc : -1;
}

static void ctx_op(struct mica_domctl *op, uint16_t domid, uint64_t mode, uint64_t reason)
{
    domctl_init(op, domid);
    op->u.vcpu_context = (struct mica_domctl_vcpu_context){
        .rip = CHILD_CODE_GPA, .rdi = mode, .rsi = reason, .cr3 = 0x1000,
        .gdt_base = 0x4000, .gdt_limit = 23, .cs = 0x08, .ds = 0x10,
    };
}

static int64_t sched_op(uint64_t cmd, uint16_t domid, uint32_t weight, uint32_t cap,
                        struct mica_domctl *op)
{
    domctl_init(op, domid);
    op->u.sched = (struct mica_domctl_sched){ .weight = weight, .cap = cap };
    return mica_domctl(cmd, op);
}

static int64_t affinity_op(uint64_t cmd, uint16_t domid, uint32_t vcpu, uint64_t mask,
                           struct mica_domctl *op)
{
    domctl_init(op, domid);
    op->u.affinity = (struct mica_domctl_affinity){ .vcpu = vcpu, .mask = mask };
    return mica_domctl(cmd, op);
}

/* Scheduler controls on the paused child: weight, cap and its vCPU's affinity. */
static void test_child_sched(uint16_t d)
{
    struct mica_domctl op;

    int64_t rc = sched_op(MICA_DOMCTL_sched_get, d, 0, 0, &op);

    check(rc == 0 && op.u.sched.weight == 256 && op.u.sched.cap == 0,
          "sched_get: default weight 256, no cap", "rc %ld weight %u cap %u", rc,
          op.u.sched.weight, op.u.sched.cap);
    check_eq_i64("sched_set weight 512 cap 50", 0, sched_op(MICA_DOMCTL_sched_set, d, 512, 50, &op));
    rc = sched_op(MICA_DOMCTL_sched_get, d, 0, 0, &op);
    check(rc == 0 && op.u.sched.weight == 512 && op.u.sched.cap == 50,
          "sched_get reads them back", "rc %ld weight %u cap %u", rc, op.u.sched.weight,
          op.u.sched.cap);
    check_eq_i64("sched_set weight 0: -EINVAL", -MICA_EINVAL,
                 sched_op(MICA_DOMCTL_sched_set, d, 0, 0, &op));
    check_eq_i64("sched_set weight 65536: -EINVAL", -MICA_EINVAL,
                 sched_op(MICA_DOMCTL_sched_set, d, 65536, 0, &op));
    check_eq_i64("sched_set cap beyond every pCPU: -EINVAL", -MICA_EINVAL,
                 sched_op(MICA_DOMCTL_sched_set, d, 256, 100 * 64 + 1, &op));
    check_eq_i64("sched_set back to the defaults", 0, sched_op(MICA_DOMCTL_sched_set, d, 256, 0, &op));
    check_eq_i64("affinity_set vCPU 0 to pCPU 0", 0, affinity_op(MICA_DOMCTL_affinity_set, d, 0, 1, &op));
    rc = affinity_op(MICA_DOMCTL_affinity_get, d, 0, 0, &op);
    check(rc == 0 && op.u.affinity.mask == 1, "affinity_get reads it back", "rc %ld mask %#lx",
          rc, (unsigned long)op.u.affinity.mask);
    check_eq_i64("affinity_set an empty mask: -EINVAL", -MICA_EINVAL,
                 affinity_op(MICA_DOMCTL_affinity_set, d, 0, 0, &op));
    check_eq_i64("affinity_set an offline pCPU: -EINVAL", -MICA_EINVAL,
                 affinity_op(MICA_DOMCTL_affinity_set, d, 0, 1ull << 63, &op));
    check_eq_i64("affinity_get a vCPU it does not have: -EINVAL", -MICA_EINVAL,
                 affinity_op(MICA_DOMCTL_affinity_get, d, 7, 0, &op));
    domctl_init(&op, d);
    op.u.affinity = (struct mica_domctl_affinity){ .vcpu = 0, .pad = 1, .mask = 1 };
    check_eq_i64("affinity_set with pad set: -EINVAL", -MICA_EINVAL,
                 mica_domctl(MICA_DOMCTL_affinity_set, &op));
    check_eq_i64("sched_get of no domain: -ESRCH", -MICA_ESRCH,
                 sched_op(MICA_DOMCTL_sched_get, 0x7000, 0, 0, &op));
}

/* Load, set the entry state and unpause: 0 or the first error. */
static int64_t child_start(uint16_t domid, uint64_t mode, uint64_t reason)
{
    struct mica_domctl op;
    int64_t rc = child_load(domid);

    ctx_op(&op, domid, mode, reason);
    if (!rc)
        rc = mica_domctl(MICA_DOMCTL_set_vcpu_context, &op);
    if (!rc)
        rc = dom_op(MICA_DOMCTL_unpause, domid);
    return rc;
}

static volatile uint64_t *watch_counter(void)
{
    return (volatile uint64_t *)((WATCH_GFN << PAGE_SHIFT) + (uint64_t)(child_counter - child_code));
}

/* ---- the control interface itself ------------------------------------------- */

static void test_interface(void)
{
    struct mica_domctl op;
    struct mica_sysctl sop;
    char what[64];

    for (uint64_t cmd = 0; cmd < MICA_DOMCTL_NR; cmd++) {
        domctl_init(&op, 0);
        op.interface_version = MICA_DOMCTL_INTERFACE_VERSION + 1;
        snprintf(what, sizeof(what), "domctl %lu: wrong interface version", cmd);
        check_eq_i64(what, -MICA_EACCES, mica_domctl(cmd, &op));
        snprintf(what, sizeof(what), "domctl %lu: argument at 3 GiB (no RAM)", cmd);
        check_eq_i64(what, -MICA_EFAULT, hc2(MICA_HC_domctl, cmd, UNBACKED_GVA));
        snprintf(what, sizeof(what), "domctl %lu: non-canonical argument", cmd);
        check_eq_i64(what, -MICA_EFAULT, hc2(MICA_HC_domctl, cmd, NONCANONICAL));
    }
    domctl_init(&op, 0);
    op.pad = 1;
    check_eq_i64("domctl getinfo: padding set", -MICA_EINVAL, mica_domctl(MICA_DOMCTL_getinfo, &op));
    check_eq_i64("domctl MICA_DOMCTL_NR: -ENOSYS", -MICA_ENOSYS, mica_domctl(MICA_DOMCTL_NR, &op));
    check_eq_i64("domctl ~0: -ENOSYS", -MICA_ENOSYS, hc2(MICA_HC_domctl, ~0ull, 0));
    check_eq_i64("domctl argument straddling RAM end", -MICA_EFAULT,
                 hc2(MICA_HC_domctl, MICA_DOMCTL_getinfo, guest_ram_end() - 64));
    for (uint64_t cmd = 0; cmd < MICA_SYSCTL_NR; cmd++) {
        sysctl_init(&sop);
        sop.interface_version = 0;
        snprintf(what, sizeof(what), "sysctl %lu: wrong interface version", cmd);
        check_eq_i64(what, -MICA_EACCES, mica_sysctl(cmd, &sop));
        snprintf(what, sizeof(what), "sysctl %lu: argument at 3 GiB (no RAM)", cmd);
        check_eq_i64(what, -MICA_EFAULT, hc2(MICA_HC_sysctl, cmd, UNBACKED_GVA));
    }
    sysctl_init(&sop);
    sop.pad = 7;
    check_eq_i64("sysctl physinfo: padding set", -MICA_EINVAL, mica_sysctl(MICA_SYSCTL_physinfo, &sop));
    check_eq_i64("sysctl MICA_SYSCTL_NR: -ENOSYS", -MICA_ENOSYS, mica_sysctl(MICA_SYSCTL_NR, &sop));
    check_eq_i64("memory_op MICA_MEMOP_NR: -ENOSYS", -MICA_ENOSYS, mica_memory_op(MICA_MEMOP_NR, 0));
}

static void test_physinfo(void)
{
    struct mica_sysctl op;
    struct mica_sysctl_physinfo *p = &op.u.physinfo;

    sysctl_init(&op);
    memset(&op.u, 0xee, sizeof(op.u));
    check_eq_i64("sysctl physinfo", 0, mica_sysctl(MICA_SYSCTL_physinfo, &op));
    check(p->nr_cpus >= 1 && p->nr_cpus <= 64, "physinfo nr_cpus", "%u", p->nr_cpus);
    check(p->free_frames > 0 && p->free_frames < p->total_frames, "physinfo frames",
          "free %lu of %lu", p->free_frames, p->total_frames);
    check(p->tsc_khz >= 100000, "physinfo tsc_khz", "%lu", p->tsc_khz);
    check_eq_u64("physinfo nr_domains: just this one", 1, p->nr_domains);
    check_eq_u64("physinfo pad cleared", 0, p->pad);
    tsc_khz = p->tsc_khz;
}

static void test_getinfo_self(void)
{
    struct mica_domctl_getinfo gi;
    const uint64_t pages = guest_si()->nr_pages;

    check_eq_i64("getinfo SELF", 0, dom_info(MICA_DOMCTL_getinfo, MICA_DOMID_SELF, &gi));
    check_eq_u64("getinfo SELF: domid 0", 0, gi.domid);
    check_eq_u64("getinfo SELF: running", MICA_DOMSTATE_running, gi.state);
    check_eq_u64("getinfo SELF: privileged and started",
                 MICA_DOMINFO_privileged | MICA_DOMINFO_started, gi.flags);
    check(gi.nr_vcpus == 1 && gi.nr_vcpus_online == 1, "getinfo SELF: one vCPU online",
          "%u vCPUs, %u online", gi.nr_vcpus, gi.nr_vcpus_online);
    check(gi.nr_pages == pages && gi.max_pages == pages, "getinfo SELF: reservation",
          "%lu of %lu pages, expected %lu", gi.nr_pages, gi.max_pages, pages);
    check(gi.cpu_time_ns > 0, "getinfo SELF: CPU time used", "%lu ns", gi.cpu_time_ns);
    check(!strcmp(gi.name, guest_name()), "getinfo SELF: name", "\"%.32s\"", gi.name);
    check_eq_i64("getinfo 0", 0, dom_info(MICA_DOMCTL_getinfo, 0, &gi));
    check_eq_i64("getinfo_next 0 finds this domain", 0,
                 dom_info(MICA_DOMCTL_getinfo_next, 0, &gi) ?: gi.domid);
    check_eq_i64("getinfo_next 1: none", -MICA_ESRCH, dom_info(MICA_DOMCTL_getinfo_next, 1, &gi));
    check_eq_i64("getinfo 1234: no such domain", -MICA_ESRCH, dom_info(MICA_DOMCTL_getinfo, 1234, &gi));
    check_eq_i64("getinfo 0x7ff5: not a domain id", -MICA_ESRCH,
                 dom_info(MICA_DOMCTL_getinfo, 0x7ff5, &gi));
    check_eq_i64("getinfo 0xffff: not a domain id", -MICA_ESRCH,
                 dom_info(MICA_DOMCTL_getinfo, 0xffff, &gi));
}

static void test_self_refused(void)
{
    struct mica_domctl op;

    check_eq_i64("pause SELF refused", -MICA_EINVAL, dom_op(MICA_DOMCTL_pause, MICA_DOMID_SELF));
    check_eq_i64("unpause 0 (self) refused", -MICA_EINVAL, dom_op(MICA_DOMCTL_unpause, 0));
    check_eq_i64("destroy SELF refused", -MICA_EINVAL, dom_op(MICA_DOMCTL_destroy, MICA_DOMID_SELF));
    domctl_init(&op, MICA_DOMID_SELF);
    op.u.vcpus.nr_vcpus = 2;
    check_eq_i64("set_vcpus SELF refused", -MICA_EINVAL, mica_domctl(MICA_DOMCTL_set_vcpus, &op));
    ctx_op(&op, MICA_DOMID_SELF, MODE_EXIT, 0);
    check_eq_i64("set_vcpu_context SELF refused", -MICA_EINVAL,
                 mica_domctl(MICA_DOMCTL_set_vcpu_context, &op));
    check_eq_i64("destroy 4321: no such domain", -MICA_ESRCH, dom_op(MICA_DOMCTL_destroy, 4321));
    check_eq_i64("pause 4321: no such domain", -MICA_ESRCH, dom_op(MICA_DOMCTL_pause, 4321));
}

static void test_create_errors(void)
{
    struct mica_domctl op;
    uint64_t free0 = physinfo().free_frames;

    create_op(&op, "bad", CHILD_MEM_KB);
    op.u.create.flags = 2;
    check_eq_i64("create: unknown flag 2", -MICA_EINVAL, mica_domctl(MICA_DOMCTL_create, &op));
    op.u.create.flags = MICA_DOMCTL_CREATE_F_PLATFORM | 1u << 31;
    check_eq_i64("create: F_PLATFORM with an unknown flag", -MICA_EINVAL,
                 mica_domctl(MICA_DOMCTL_create, &op));
    create_op(&op, "bad", CHILD_MEM_KB);
    op.u.create.nr_vcpus = 0;
    check_eq_i64("create: 0 vCPUs", -MICA_EINVAL, mica_domctl(MICA_DOMCTL_create, &op));
    op.u.create.nr_vcpus = MICA_MAX_VCPUS + 1;
    check_eq_i64("create: 65 vCPUs", -MICA_EINVAL, mica_domctl(MICA_DOMCTL_create, &op));
    create_op(&op, "bad", 0);
    check_eq_i64("create: no memory", -MICA_EINVAL, mica_domctl(MICA_DOMCTL_create, &op));
    create_op(&op, "bad", 6);
    check_eq_i64("create: 6 KiB", -MICA_EINVAL, mica_domctl(MICA_DOMCTL_create, &op));
    create_op(&op, "bad", CHILD_MEM_KB);
    op.u.create.max_mem_kb = CHILD_MEM_KB - 4;
    check_eq_i64("create: ceiling below the memory", -MICA_EINVAL,
                 mica_domctl(MICA_DOMCTL_create, &op));
    create_op(&op, "bad", CHILD_MEM_KB);
    memset(op.u.create.name, 'x', sizeof(op.u.create.name));
    check_eq_i64("create: name without a NUL", -MICA_EINVAL, mica_domctl(MICA_DOMCTL_create, &op));
    create_op(&op, "bad\033[2J", CHILD_MEM_KB);
    check_eq_i64("create: control characters in the name", -MICA_EINVAL,
                 mica_domctl(MICA_DOMCTL_create, &op));
    create_op(&op, "huge", 64ull << 20);
    check_eq_i64("create: 64 GiB, more than the machine has", -MICA_ENOMEM,
                 mica_domctl(MICA_DOMCTL_create, &op));
    check_eq_u64("failed creates leave the free frames alone", free0, physinfo().free_frames);
}

/* ---- a child's life ----------------------------------------------------------- */

static void test_child_setup(uint16_t d)
{
    struct mica_domctl op;
    struct mica_domctl_getinfo gi;
    uint64_t hyp3;

    domctl_init(&op, d);
    op.u.max_mem.max_mem_kb = 2 * CHILD_MEM_KB;
    check_eq_i64("set_max_mem", 0, mica_domctl(MICA_DOMCTL_set_max_mem, &op));
    op.u.max_mem.max_mem_kb = 6;
    check_eq_i64("set_max_mem 6 KiB", -MICA_EINVAL, mica_domctl(MICA_DOMCTL_set_max_mem, &op));
    op.u.max_mem.max_mem_kb = MICA_MAX_MEM_KB + 4;
    check_eq_i64("set_max_mem above MICA_MAX_MEM_KB", -MICA_EINVAL,
                 mica_domctl(MICA_DOMCTL_set_max_mem, &op));
    dom_info(MICA_DOMCTL_getinfo, d, &gi);
    check_eq_u64("set_max_mem shows in getinfo", 2 * CHILD_PAGES, gi.max_pages);
    domctl_init(&op, d);
    op.u.vcpus.nr_vcpus = 3;
    check_eq_i64("set_vcpus 3", 0, mica_domctl(MICA_DOMCTL_set_vcpus, &op));
    dom_info(MICA_DOMCTL_getinfo, d, &gi);
    check(gi.nr_vcpus == 3 && gi.nr_vcpus_online == 1, "set_vcpus shows in getinfo",
          "%u vCPUs, %u online", gi.nr_vcpus, gi.nr_vcpus_online);
    op.u.vcpus.nr_vcpus = 0;
    check_eq_i64("set_vcpus 0", -MICA_EINVAL, mica_domctl(MICA_DOMCTL_set_vcpus, &op));
    op.u.vcpus.nr_vcpus = MICA_MAX_VCPUS + 1;
    check_eq_i64("set_vcpus 65", -MICA_EINVAL, mica_domctl(MICA_DOMCTL_set_vcpus, &op));
    dom_info(MICA_DOMCTL_getinfo, d, &gi);
    hyp3 = gi.hyp_bytes;
    op.u.vcpus.nr_vcpus = 1;
    check_eq_i64("set_vcpus back to 1", 0, mica_domctl(MICA_DOMCTL_set_vcpus, &op));
    /* The removed vCPUs' structures stay (still charged) until the domain goes. */
    dom_info(MICA_DOMCTL_getinfo, d, &gi);
    check(gi.nr_vcpus == 1 && gi.hyp_bytes == hyp3, "set_vcpus 1: one vCPU, structures kept",
          "%u vCPUs, hyp_bytes %lu (%lu with 3)", gi.nr_vcpus, gi.hyp_bytes, hyp3);
    domctl_init(&op, d);
    op.u.vcpuinfo.vcpu = 2;
    check_eq_i64("getvcpuinfo of a removed vCPU", -MICA_EINVAL,
                 mica_domctl(MICA_DOMCTL_getvcpuinfo, &op));
    domctl_init(&op, d);
    op.u.vcpus.nr_vcpus = 3;
    check_eq_i64("set_vcpus 3 again (the kept structures)", 0,
                 mica_domctl(MICA_DOMCTL_set_vcpus, &op));
    dom_info(MICA_DOMCTL_getinfo, d, &gi);
    check(gi.nr_vcpus == 3 && gi.hyp_bytes == hyp3, "... reused, nothing more charged",
          "%u vCPUs, hyp_bytes %lu", gi.nr_vcpus, gi.hyp_bytes);
    op.u.vcpus.nr_vcpus = 1;
    check_eq_i64("set_vcpus back to 1", 0, mica_domctl(MICA_DOMCTL_set_vcpus, &op));
}

static void test_context_errors(uint16_t d)
{
    struct mica_domctl op;

    ctx_op(&op, d, MODE_SPIN, 0);
    op.u.vcpu_context.vcpu = 1;
    check_eq_i64("set_vcpu_context: vCPU 1 of 1", -MICA_EINVAL,
                 mica_domctl(MICA_DOMCTL_set_vcpu_context, &op));
    ctx_op(&op, d, MODE_SPIN, 0);
    op.u.vcpu_context.rip = NONCANONICAL;
    check_eq_i64("set_vcpu_context: non-canonical rip", -MICA_EINVAL,
                 mica_domctl(MICA_DOMCTL_set_vcpu_context, &op));
    ctx_op(&op, d, MODE_SPIN, 0);
    op.u.vcpu_context.cr3 = 0x1004;
    check_eq_i64("set_vcpu_context: unaligned cr3", -MICA_EINVAL,
                 mica_domctl(MICA_DOMCTL_set_vcpu_context, &op));
    ctx_op(&op, d, MODE_SPIN, 0);
    op.u.vcpu_context.cs = 0x18;
    check_eq_i64("set_vcpu_context: cs beyond the GDT limit", -MICA_EINVAL,
                 mica_domctl(MICA_DOMCTL_set_vcpu_context, &op));
    ctx_op(&op, d, MODE_SPIN, 0);
    op.u.vcpu_context.flags = 1;
    check_eq_i64("set_vcpu_context: flags", -MICA_EINVAL,
                 mica_domctl(MICA_DOMCTL_set_vcpu_context, &op));
}

static void test_child_created(uint16_t d, const uint8_t uuid[16])
{
    struct mica_domctl_getinfo gi;
    struct mica_domctl op;

    check_eq_i64("getinfo child", 0, dom_info(MICA_DOMCTL_getinfo, d, &gi));
    check_eq_u64("child is paused", MICA_DOMSTATE_paused, gi.state);
    check_eq_u64("child: not privileged, not started", 0, gi.flags);
    check(gi.nr_pages == CHILD_PAGES && gi.max_pages == CHILD_PAGES, "child reservation",
          "%lu of %lu", gi.nr_pages, gi.max_pages);
    check(!memcmp(gi.uuid, uuid, 16), "child UUID as given", "differs");
    check(!strcmp(gi.name, "child"), "child name", "\"%.32s\"", gi.name);
    check_eq_u64("child has used no CPU time", 0, gi.cpu_time_ns);
    check_eq_u64("physinfo counts 2 domains", 2, physinfo().nr_domains);
    check_eq_i64("getinfo_next 1 finds the child", d,
                 dom_info(MICA_DOMCTL_getinfo_next, 1, &gi) ?: gi.domid);
    create_op(&op, "twin", CHILD_MEM_KB);
    memcpy(op.u.create.uuid, uuid, 16);
    check_eq_i64("create with a UUID in use", -MICA_EEXIST, mica_domctl(MICA_DOMCTL_create, &op));
    check_eq_i64("current_reservation of the child", CHILD_PAGES,
                 mica_memory_op(MICA_MEMOP_current_reservation, d));
    check_eq_i64("pause a new (paused) domain", -MICA_EBUSY, dom_op(MICA_DOMCTL_pause, d));
}

/* The child spins: its counter moves, then stops while it is paused. */
static void test_child_runs(uint16_t d)
{
    struct mica_domctl_getinfo gi, gi2;
    struct mica_domctl op;
    volatile uint64_t *ctr = watch_counter();
    uint64_t c1;

    check_eq_i64("child loaded and started", 0, child_start(d, MODE_SPIN, 0));
    check_eq_i64("watch the child's code page read-only", 1,
                 fmap(d, CHILD_CODE_GPA >> PAGE_SHIFT, WATCH_GFN, 1, MICA_FOREIGN_READONLY));
    delay_ms(30);
    check(*ctr > 0, "the child runs (its counter moves)", "counter %lu", *ctr);
    dom_info(MICA_DOMCTL_getinfo, d, &gi);
    check(gi.state == MICA_DOMSTATE_running && (gi.flags & MICA_DOMINFO_started),
          "getinfo: running and started", "state %u flags 0x%x", gi.state, gi.flags);
    check(gi.cpu_time_ns > 0, "getinfo: the child has used CPU time", "%lu", gi.cpu_time_ns);
    check_eq_i64("unpause a running domain", -MICA_EINVAL, dom_op(MICA_DOMCTL_unpause, d));
    domctl_init(&op, d);
    op.u.vcpus.nr_vcpus = 2;
    check_eq_i64("set_vcpus after the start", -MICA_EBUSY, mica_domctl(MICA_DOMCTL_set_vcpus, &op));
    ctx_op(&op, d, MODE_SPIN, 0);
    check_eq_i64("set_vcpu_context while running", -MICA_EBUSY,
                 mica_domctl(MICA_DOMCTL_set_vcpu_context, &op));
    check_eq_i64("pause", 0, dom_op(MICA_DOMCTL_pause, d));
    check_eq_i64("pause again", -MICA_EBUSY, dom_op(MICA_DOMCTL_pause, d));
    dom_info(MICA_DOMCTL_getinfo, d, &gi);
    c1 = *ctr;
    delay_ms(50);
    dom_info(MICA_DOMCTL_getinfo, d, &gi2);
    check_eq_u64("paused: getinfo says so", MICA_DOMSTATE_paused, gi2.state);
    check(*ctr == c1, "paused: the counter stands still", "%lu then %lu", c1, *ctr);
    check(gi2.cpu_time_ns == gi.cpu_time_ns, "paused: CPU time stands still",
          "%lu then %lu", gi.cpu_time_ns, gi2.cpu_time_ns);
    check_eq_i64("unpause", 0, dom_op(MICA_DOMCTL_unpause, d));
    delay_ms(30);
    check(*ctr > c1, "unpaused: the counter moves again", "%lu then %lu", c1, *ctr);
    dom_info(MICA_DOMCTL_getinfo, d, &gi);
    check(gi.cpu_time_ns > gi2.cpu_time_ns, "unpaused: CPU time moves again",
          "%lu then %lu", gi2.cpu_time_ns, gi.cpu_time_ns);
}

static int64_t vcpu_info(uint16_t domid, uint32_t vcpu, struct mica_domctl_vcpuinfo *vi)
{
    struct mica_domctl op;
    int64_t rc;

    domctl_init(&op, domid);
    op.u.vcpuinfo = (struct mica_domctl_vcpuinfo){ .vcpu = vcpu };
    rc = mica_domctl(MICA_DOMCTL_getvcpuinfo, &op);
    *vi = op.u.vcpuinfo;
    return rc;
}

/* Poll getvcpuinfo until the vCPU is on pCPU cpu (running or queued there). */
static bool wait_on_cpu(uint16_t d, uint32_t cpu, uint64_t ms, struct mica_domctl_vcpuinfo *vi)
{
    uint64_t end = rdtsc() + ms * tsc_khz;

    do {
        if (vcpu_info(d, 0, vi) == 0 && vi->cpu == cpu && vi->state <= MICA_VCPUSTATE_runnable)
            return true;
        delay_ms(1);
    } while (rdtsc() < end);
    return false;
}

/*
 * getvcpuinfo, and hard affinity changed under a running vCPU: with two
 * pCPUs the spinning child (pinned to pCPU 0 by test_child_sched) is moved
 * to pCPU 1 and back, and keeps running each time.
 */
static void test_child_moves(uint16_t d)
{
    struct mica_domctl_vcpuinfo vi, vi2;
    struct mica_domctl op;
    volatile uint64_t *ctr = watch_counter();
    uint64_t c1;

    check(vcpu_info(d, 0, &vi) == 0 && vi.state <= MICA_VCPUSTATE_runnable && vi.cpu == 0 &&
          vi.affinity == 1 && vi.cpu_time_ns > 0,
          "getvcpuinfo: the spinning child is on pCPU 0, its affinity", "state %u cpu %u aff %#lx time %lu",
          vi.state, vi.cpu, (unsigned long)vi.affinity, vi.cpu_time_ns);
    check_eq_i64("getvcpuinfo of a vCPU it does not have: -EINVAL", -MICA_EINVAL, vcpu_info(d, 1, &vi2));
    domctl_init(&op, d);
    op.u.vcpuinfo = (struct mica_domctl_vcpuinfo){ .vcpu = 0, .pad2 = 1 };
    check_eq_i64("getvcpuinfo with pad2 set: -EINVAL", -MICA_EINVAL,
                 mica_domctl(MICA_DOMCTL_getvcpuinfo, &op));
    if (physinfo().nr_cpus < 2) {
        gprintf("# %s: one pCPU: no move to test\n", guest_name());
        return;
    }
    check_eq_i64("affinity_set pCPU 1 while it runs", 0, affinity_op(MICA_DOMCTL_affinity_set, d, 0, 2, &op));
    check(wait_on_cpu(d, 1, 500, &vi), "the running vCPU moved to pCPU 1", "state %u cpu %u",
          vi.state, vi.cpu);
    c1 = *ctr;
    delay_ms(30);
    vcpu_info(d, 0, &vi2);
    check(*ctr > c1 && vi2.cpu == 1 && vi2.cpu_time_ns > vi.cpu_time_ns,
          "on pCPU 1 it runs on (counter and CPU time move)", "counter %lu then %lu, cpu %u",
          c1, *ctr, vi2.cpu);
    check_eq_i64("affinity_set back to pCPU 0 while it runs", 0,
                 affinity_op(MICA_DOMCTL_affinity_set, d, 0, 1, &op));
    check(wait_on_cpu(d, 0, 500, &vi), "and moved back to pCPU 0", "state %u cpu %u", vi.state, vi.cpu);
    c1 = *ctr;
    delay_ms(30);
    check(*ctr > c1, "on pCPU 0 again it runs on", "counter %lu then %lu", c1, *ctr);
}

static void test_child_console(uint16_t d)
{
    static const char hello[] = "child: hello\n";
    struct mica_sysctl_read r;
    char buf[64];
    int64_t rc;

    memset(buf, 0, sizeof(buf));
    rc = read_ring(MICA_SYSCTL_readconsole, d, 0, buf, sizeof(buf) - 1, &r);
    check(rc == (int64_t)sizeof(hello) - 1 && !strcmp(buf, hello), "readconsole: the child's output",
          "rc %ld \"%s\"", rc, buf);
    check(r.offset == r.head && r.head == sizeof(hello) - 1 && r.lost == 0 && r.copied == rc,
          "readconsole: offset, head, lost, copied", "offset %lu head %lu lost %lu copied %u",
          r.offset, r.head, r.lost, r.copied);
    check_eq_i64("readconsole from the head: nothing new", 0,
                 read_ring(MICA_SYSCTL_readconsole, d, r.head, buf, sizeof(buf), &r));
    check_eq_i64("readconsole beyond the head", -MICA_EINVAL,
                 read_ring(MICA_SYSCTL_readconsole, d, r.head + 1, buf, sizeof(buf), &r));
    check_eq_i64("readconsole of no domain", -MICA_ESRCH,
                 read_ring(MICA_SYSCTL_readconsole, 4321, 0, buf, sizeof(buf), &r));
    check_eq_i64("readconsole into a bad buffer", -MICA_EFAULT,
                 read_ring(MICA_SYSCTL_readconsole, d, 0, (char *)UNBACKED_GVA, 16, &r));
    check_eq_i64("readconsole, len above the maximum", -MICA_EINVAL,
                 read_ring(MICA_SYSCTL_readconsole, d, 0, buf, MICA_SYSCTL_READ_MAX + 1, &r));
}

/*
 * Destroy the child while its code page is still mapped here: the page
 * outlives it (still readable, still counted as used) until it is unmapped.
 */
/*
 * Free frames, with the frames charged to this domain's own hypervisor-memory
 * budget counted as free: its p2m tables come and go with its foreign
 * mappings (an unmap frees the tables it empties), and these checks are
 * about the children's frames.
 */
static uint64_t free_frames_adj(void)
{
    struct mica_domctl_getinfo gi;

    if (dom_info(MICA_DOMCTL_getinfo, MICA_DOMID_SELF, &gi))
        return 0;
    return physinfo().free_frames + gi.hyp_bytes / PAGE_SIZE;
}

static void test_child_destroy(uint16_t d, uint64_t free0)
{
    struct mica_domctl_getinfo gi;
    volatile uint64_t *ctr = watch_counter();
    uint64_t last;

    check_eq_i64("destroy the running child", 0, dom_op(MICA_DOMCTL_destroy, d));
    check_eq_i64("getinfo after destroy", -MICA_ESRCH, dom_info(MICA_DOMCTL_getinfo, d, &gi));
    check_eq_i64("destroy again", -MICA_ESRCH, dom_op(MICA_DOMCTL_destroy, d));
    check_eq_u64("destroyed: every frame back but the one still mapped", free0 - 1,
                 free_frames_adj());
    last = *ctr;
    check(last > 0, "the mapped page outlives its domain", "counter %lu", last);
    check_eq_i64("map a frame of a destroyed domain", -MICA_ESRCH, fmap(d, 5, LOAD_GFN, 1, 0));
    check_eq_i64("unmap the watched page", 1, funmap(WATCH_GFN, 1));
    check_eq_u64("unmapped: the last frame is back", free0, free_frames_adj());
    check_eq_u64("physinfo counts 1 domain again", 1, physinfo().nr_domains);
}

static void test_child(void)
{
    struct mica_domctl op;
    uint64_t free0 = free_frames_adj();
    uint8_t uuid[16];
    int64_t d;

    create_op(&op, "child", CHILD_MEM_KB);
    memcpy(uuid, op.u.create.uuid, 16);
    op.domid = 0x1234;
    d = mica_domctl(MICA_DOMCTL_create, &op);
    if (!check(d == 0 && op.domid > 0 && op.domid <= MICA_DOMID_MAX, "create a child",
               "rc %ld domid %u", d, op.domid))
        return;
    d = op.domid;
    test_child_created((uint16_t)d, uuid);
    test_child_setup((uint16_t)d);
    test_child_sched((uint16_t)d);
    test_context_errors((uint16_t)d);
    test_child_runs((uint16_t)d);
    test_child_moves((uint16_t)d);
    test_child_console((uint16_t)d);
    test_child_destroy((uint16_t)d, free0);
}

/* A child that shuts itself down stays, memory and all, until destroyed. */
static void test_child_shutdown(void)
{
    struct mica_domctl_getinfo gi;
    struct mica_domctl op;
    int64_t d = dom_create("crasher", CHILD_MEM_KB);

    if (!check(d > 0, "create a child that crashes", "rc %ld", d))
        return;
    check_eq_i64("start it", 0, child_start((uint16_t)d, MODE_EXIT, MICA_SHUTDOWN_crash));
    check(wait_state((uint16_t)d, MICA_DOMSTATE_shutdown, 2000), "it shuts down and is kept",
          "not shut down after 2 s");
    dom_info(MICA_DOMCTL_getinfo, (uint16_t)d, &gi);
    check_eq_u64("getinfo: shutdown reason crash", MICA_SHUTDOWN_crash, gi.shutdown_reason);
    check(gi.nr_pages == CHILD_PAGES && gi.nr_vcpus_online == 0, "its memory is kept, its vCPU down",
          "%lu pages, %u online", gi.nr_pages, gi.nr_vcpus_online);
    check_eq_i64("pause a shut-down domain", -MICA_EINVAL, dom_op(MICA_DOMCTL_pause, (uint16_t)d));
    check_eq_i64("unpause a shut-down domain", -MICA_EINVAL, dom_op(MICA_DOMCTL_unpause, (uint16_t)d));
    domctl_init(&op, (uint16_t)d);
    op.u.max_mem.max_mem_kb = 4096;
    check_eq_i64("set_max_mem of a shut-down domain", -MICA_EINVAL,
                 mica_domctl(MICA_DOMCTL_set_max_mem, &op));
    check_eq_i64("map a frame of a kept shut-down domain", 1, fmap((uint16_t)d, 5, LOAD_GFN, 1, 0));
    check(!memcmp((void *)(LOAD_GFN << PAGE_SHIFT), child_code, 16), "... it holds the child's code",
          "differs");
    check_eq_i64("unmap it", 1, funmap(LOAD_GFN, 1));
    check_eq_i64("populate a shut-down domain", -MICA_ESRCH,
                 memop_range(MICA_MEMOP_populate_physmap, (uint16_t)d, 100, 1));
    check_eq_i64("destroy it", 0, dom_op(MICA_DOMCTL_destroy, (uint16_t)d));
}

/* ---- foreign mappings and another domain's reservation ------------------------- */

static void test_foreign_errors(uint16_t d)
{
    struct mica_memop_foreign f = { .gfn = 1, .dst_gfn = LOAD_GFN, .nr = 1, .domid = d };

    check_eq_i64("map_foreign of SELF", -MICA_EINVAL, fmap(MICA_DOMID_SELF, 1, LOAD_GFN, 1, 0));
    check_eq_i64("map_foreign of own id", -MICA_EINVAL, fmap(0, 1, LOAD_GFN, 1, 0));
    check_eq_i64("map_foreign of no domain", -MICA_ESRCH, fmap(4321, 1, LOAD_GFN, 1, 0));
    check_eq_i64("map_foreign, nr above the maximum", -MICA_E2BIG,
                 fmap(d, 0, LOAD_GFN, MICA_FOREIGN_MAX + 1, 0));
    check_eq_i64("map_foreign, unknown flags", -MICA_EINVAL, fmap(d, 1, LOAD_GFN, 1, 0x80));
    check_eq_i64("map_foreign of an unpopulated gfn", -MICA_ENOENT, fmap(d, 1000, LOAD_GFN, 1, 0));
    check_eq_i64("map_foreign, a range running past the end", -MICA_ENOENT,
                 fmap(d, CHILD_PAGES - 1, LOAD_GFN, 2, 0));
    check_eq_i64("map_foreign, source beyond MICA_GFN_LIMIT", -MICA_EINVAL,
                 fmap(d, MICA_GFN_LIMIT - 1, LOAD_GFN, 2, 0));
    check_eq_i64("map_foreign, destination beyond MICA_GFN_LIMIT", -MICA_EINVAL,
                 fmap(d, 1, MICA_GFN_LIMIT, 1, 0));
    check_eq_i64("map_foreign of nothing", 0, fmap(d, 1, LOAD_GFN, 0, 0));
    check_eq_i64("map_foreign, argument at 3 GiB", -MICA_EFAULT,
                 mica_memory_op(MICA_MEMOP_map_foreign, UNBACKED_GVA));
    check_eq_i64("unmap_foreign of a hole", -MICA_ENOENT, funmap(LOAD_GFN, 1));
    check_eq_i64("unmap_foreign of an own frame", -MICA_EINVAL, funmap(1, 1));
    check_eq_i64("unmap_foreign with a domain set", -MICA_EINVAL,
                 mica_memory_op(MICA_MEMOP_unmap_foreign, (uint64_t)&f));
    check_eq_i64("a failed map left nothing mapped", -MICA_ENOENT, funmap(LOAD_GFN, 1));
}

/* Mapping over one of our own frames frees it; populate brings a new one. */
static void test_foreign_over_own(uint16_t d)
{
    uint64_t g = guest_image_end() / PAGE_SIZE + 16;
    volatile uint64_t *p = (volatile uint64_t *)(g << PAGE_SHIFT);
    uint64_t own = guest_si()->nr_pages;

    *p = 0x1122334455667788ull;
    check_eq_i64("map a child frame over an own frame", 1, fmap(d, 1, g, 1, 0));
    check_eq_i64("... the own frame is gone from the reservation", own - 1,
                 mica_memory_op(MICA_MEMOP_current_reservation, MICA_DOMID_SELF));
    check_eq_u64("... the child's page shows through", 0x2003, *p);
    check_eq_i64("unmap it: a hole", 1, funmap(g, 1));
    check_eq_i64("populate the hole again", 1,
                 memop_range(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, g, 1));
    check_eq_u64("... a fresh zeroed frame", 0, *p);
    check_eq_i64("... the reservation is whole", own,
                 mica_memory_op(MICA_MEMOP_current_reservation, MICA_DOMID_SELF));
}

static void test_foreign_readonly(uint16_t d)
{
    uint64_t *w = (uint64_t *)(LOAD_GFN << PAGE_SHIFT);

    check_eq_i64("map read-only", 1, fmap(d, 2, LOAD_GFN, 1, MICA_FOREIGN_READONLY));
    check_eq_u64("... reads the child's page", 0x3003, w[0]);
    check_eq_i64("... a hypercall cannot write into it", -MICA_EFAULT,
                 mica_version(MICA_VERSION_info, (uint64_t)w));
    check_eq_i64("map writable over it (replacing the read-only one)", 1, fmap(d, 2, LOAD_GFN, 1, 0));
    check_eq_i64("... now a hypercall can", 0, mica_version(MICA_VERSION_info, (uint64_t)w));
    check_eq_i64("unmap", 1, funmap(LOAD_GFN, 1));
}

/* The child frees a frame we map: it stays until we unmap it. */
static void test_foreign_decrease(uint16_t d)
{
    uint64_t *w = (uint64_t *)(LOAD_GFN << PAGE_SHIFT);
    uint64_t free0;

    check_eq_i64("map child gfn 40", 1, fmap(d, 40, LOAD_GFN, 1, 0));
    w[7] = 0xfeedfacecafebeefull;
    free0 = free_frames_adj();
    check_eq_i64("decrease the child's gfn 40 (privileged, for the child)", 1,
                 memop_range(MICA_MEMOP_decrease_reservation, d, 40, 1));
    check_eq_i64("... its reservation drops", CHILD_PAGES - 1,
                 mica_memory_op(MICA_MEMOP_current_reservation, d));
    check_eq_u64("... the frame is not freed while mapped", free0, free_frames_adj());
    check_eq_u64("... and keeps its contents", 0xfeedfacecafebeefull, w[7]);
    check_eq_i64("map the freed gfn again", -MICA_ENOENT, fmap(d, 40, LOAD_GFN + 1, 1, 0));
    check_eq_i64("unmap it", 1, funmap(LOAD_GFN, 1));
    check_eq_u64("... now it is freed", free0 + 1, free_frames_adj());
    check_eq_i64("populate the child's gfn 40 again", 1,
                 memop_range(MICA_MEMOP_populate_physmap, d, 40, 1));
    check_eq_i64("map it", 1, fmap(d, 40, LOAD_GFN, 1, 0));
    check_eq_u64("... a scrubbed frame", 0, w[7]);
    check_eq_i64("unmap", 1, funmap(LOAD_GFN, 1));
    check_eq_i64("populate beyond the child's ceiling", -MICA_ENOSPC,
                 memop_range(MICA_MEMOP_populate_physmap, d, 100, 1));
    check_eq_i64("maximum_reservation of the child", CHILD_PAGES,
                 mica_memory_op(MICA_MEMOP_maximum_reservation, d));
    check_eq_i64("current_reservation of no domain", -MICA_ESRCH,
                 mica_memory_op(MICA_MEMOP_current_reservation, 4321));
    check_eq_i64("decrease for no domain", -MICA_ESRCH,
                 memop_range(MICA_MEMOP_decrease_reservation, 4321, 1, 1));
}

static void test_foreign(void)
{
    uint64_t free0 = free_frames_adj();
    int64_t d = dom_create("mapped", CHILD_MEM_KB);

    if (!check(d > 0, "create a child to map", "rc %ld", d))
        return;
    check_eq_i64("load it", 0, child_load((uint16_t)d));
    test_foreign_errors((uint16_t)d);
    test_foreign_over_own((uint16_t)d);
    test_foreign_readonly((uint16_t)d);
    test_foreign_decrease((uint16_t)d);
    check_eq_i64("destroy the never-run child", 0, dom_op(MICA_DOMCTL_destroy, (uint16_t)d));
    check_eq_u64("every frame back", free0, free_frames_adj());
}

/* ---- the hypervisor log ------------------------------------------------------------ */

static bool contains(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);

    for (size_t i = 0; i + k <= n; i++)
        if (!memcmp(hay + i, needle, k))
            return true;
    return false;
}

static void test_readlog(void)
{
    static char buf[8192];
    struct mica_sysctl_read r, r2;
    char mine[64];
    int64_t rc, d;

    rc = read_ring(MICA_SYSCTL_readlog, 0, 0, buf, sizeof(buf), &r);
    check(rc > 0 && r.copied == rc && contains(buf, (size_t)rc, "(mica) "), "readlog from 0",
          "rc %ld copied %u", rc, r.copied);
    check(r.offset == r.lost + (uint64_t)rc && r.offset <= r.head, "readlog: next offset",
          "offset %lu lost %lu head %lu", r.offset, r.lost, r.head);
    while (r.offset < r.head && rc > 0)
        rc = read_ring(MICA_SYSCTL_readlog, 0, r.offset, buf, sizeof(buf), &r);
    check_eq_u64("readlog followed up to the head", r.head, r.offset);
    d = dom_create("logged", CHILD_MEM_KB);
    rc = read_ring(MICA_SYSCTL_readlog, 0, r.offset, buf, sizeof(buf), &r2);
    check(rc > 0 && contains(buf, (size_t)rc, "created by d0") && r2.lost == 0,
          "readlog follows: the new lines, nothing lost", "rc %ld lost %lu", rc, r2.lost);
    dom_op(MICA_DOMCTL_destroy, (uint16_t)d);
    check_eq_i64("readlog beyond the head", -MICA_EINVAL,
                 read_ring(MICA_SYSCTL_readlog, 0, r2.head + 1000, buf, sizeof(buf), &r));
    check_eq_i64("readlog with a domain", -MICA_EINVAL,
                 read_ring(MICA_SYSCTL_readlog, 1, 0, buf, sizeof(buf), &r));
    check_eq_i64("readlog into a non-canonical buffer", -MICA_EFAULT,
                 read_ring(MICA_SYSCTL_readlog, 0, 0, (char *)NONCANONICAL, 64, &r));
    check_eq_i64("readlog of 0 bytes", 0, read_ring(MICA_SYSCTL_readlog, 0, 0, buf, 0, &r));
    snprintf(mine, sizeof(mine), "PASS %s: readlog of 0 bytes\n", guest_name());
    rc = read_ring(MICA_SYSCTL_readconsole, MICA_DOMID_SELF, 0, buf, sizeof(buf), &r);
    check(rc > 0 && contains(buf, (size_t)rc, mine) && r.lost + (uint64_t)rc == r.head,
          "readconsole SELF: this guest's own output", "rc %ld lost %lu head %lu", rc, r.lost, r.head);
}

/*
 * MICA_VIRQ_CONSOLE: the hypervisor announces new log text (checked every
 * 10 ms). After a quiet spell, creating a domain (which is logged) must
 * raise it within a second. The port is closed again after.
 */
static void test_log_virq(void)
{
    int64_t port, d;
    uint32_t base;

    if (!check(ev_setup() == 0 && ev_bind_virq(MICA_VIRQ_TIMER) > 0,
               "event channels for the log VIRQ", "set-up failed"))
        return;
    irq_enable();
    port = ev_bind_virq(MICA_VIRQ_CONSOLE);
    if (!check(port > 0, "bind_virq CONSOLE (privileged)", "got %ld", port))
        return;
    ev_wait(&ev_hits[0], 1, ev_system_time() + 50000000ull);  /* port 0 never fires: a nap */
    base = ev_hits[port];
    d = dom_create("announced", CHILD_MEM_KB);
    check(d > 0 && ev_wait(&ev_hits[port], base + 1, ev_system_time() + 1000000000ull),
          "MICA_VIRQ_CONSOLE once the log grew (a domain was created)", "domain %ld, %u events",
          d, ev_hits[port] - base);
    if (d > 0)
        dom_op(MICA_DOMCTL_destroy, (uint16_t)d);
    check_eq_i64("close the log VIRQ port", 0, ev_close((uint32_t)port));
    irq_disable();
}

/* ---- the platform: rename, start_ns, now_ns, writeconsole, an F_PLATFORM child ------- */

#define PLAT_S5      0
#define PLAT_RESET   1
#define PLAT_KBD     2
#define PLAT_TRIPLE  3
#define PLAT_VECTOR  0x50                     /* domctl_child.S */

/* What the platform child found (domctl_child.S, plat_results). */
struct plat_results {
    uint32_t cf8, id2, class2, class2_word, id0, id1, port61, nrx;
    uint8_t rx[8];
    uint32_t irr2, port42, msi_ctrl;
};

static int64_t rename_dom(uint16_t domid, const char *name)
{
    struct mica_domctl op;

    domctl_init(&op, domid);
    memcpy(op.u.rename.name, name, MIN(strlen(name) + 1, sizeof(op.u.rename.name)));
    return mica_domctl(MICA_DOMCTL_rename, &op);
}

static int64_t write_console(uint16_t domid, const void *buf, uint32_t len, uint16_t pad)
{
    struct mica_sysctl op;

    sysctl_init(&op);
    op.u.write = (struct mica_sysctl_write){ .buf = (uint64_t)buf, .len = len, .domid = domid,
                                             .pad = pad };
    return mica_sysctl(MICA_SYSCTL_writeconsole, &op);
}

static void test_rename(void)
{
    struct mica_domctl_getinfo gi;
    int64_t a = dom_create("ren-a", CHILD_MEM_KB), b = dom_create("ren-b", CHILD_MEM_KB);
    char long_name[MICA_DOMAIN_NAME_LEN];

    if (!check(a > 0 && b > 0, "create two children to rename", "rc %ld, %ld", a, b))
        return;
    check_eq_i64("rename ren-a to ren-c", 0, rename_dom((uint16_t)a, "ren-c"));
    dom_info(MICA_DOMCTL_getinfo, (uint16_t)a, &gi);
    check(!strcmp(gi.name, "ren-c"), "getinfo shows the new name", "\"%.32s\"", gi.name);
    check_eq_i64("rename to its own name", 0, rename_dom((uint16_t)a, "ren-c"));
    check_eq_i64("rename to another domain's name: -EEXIST", -MICA_EEXIST,
                 rename_dom((uint16_t)a, "ren-b"));
    check_eq_i64("rename to this guest's name: -EEXIST", -MICA_EEXIST,
                 rename_dom((uint16_t)b, guest_name()));
    check_eq_i64("rename to \"\": -EINVAL", -MICA_EINVAL, rename_dom((uint16_t)a, ""));
    check_eq_i64("rename with a control character: -EINVAL", -MICA_EINVAL,
                 rename_dom((uint16_t)a, "bad\033[2J"));
    memset(long_name, 'x', sizeof(long_name));
    check_eq_i64("rename without a NUL: -EINVAL", -MICA_EINVAL,
                 rename_dom((uint16_t)a, long_name));
    check_eq_i64("rename of no domain: -ESRCH", -MICA_ESRCH, rename_dom(4321, "ren-d"));
    dom_info(MICA_DOMCTL_getinfo, (uint16_t)a, &gi);
    check(!strcmp(gi.name, "ren-c"), "refused renames left the name alone", "\"%.32s\"", gi.name);
    dom_op(MICA_DOMCTL_destroy, (uint16_t)b);
    check_eq_i64("a destroyed domain's name is free again", 0, rename_dom((uint16_t)a, "ren-b"));
    dom_op(MICA_DOMCTL_destroy, (uint16_t)a);
}

static void test_now_ns(void)
{
    struct mica_domctl_getinfo gi;
    uint64_t t0 = physinfo().now_ns, t1;

    delay_ms(20);
    t1 = physinfo().now_ns;
    check(t0 > 0 && t1 >= t0 + 19000000 && t1 < t0 + 2000000000ull,
          "physinfo now_ns advances with the TSC (20 ms)", "%lu then %lu", t0, t1);
    dom_info(MICA_DOMCTL_getinfo, MICA_DOMID_SELF, &gi);
    check(gi.start_ns > 0 && gi.start_ns < t0, "getinfo SELF start_ns: before now",
          "start %lu now %lu", gi.start_ns, t0);
}

/* Load the platform child through foreign mappings, as child_load() does the other. */
static int64_t plat_load(uint16_t domid)
{
    static const uint64_t gdt[3] = { 0, 0x00af9b000000ffffull, 0x00cf93000000ffffull };
    uint64_t *w = (uint64_t *)(LOAD_GFN << PAGE_SHIFT);
    int64_t rc = fmap(domid, 1, LOAD_GFN, 5, 0);

    if (rc != 5)
        return rc < 0 ? rc : -1;
    w[0] = 0x2000 | 3;
    w[512] = 0x3000 | 3;
    w[1024] = 0x83;
    memcpy(&w[1536], gdt, sizeof(gdt));
    memcpy(&w[2048], plat_code, (size_t)(plat_code_end - plat_code));
    rc = funmap(LOAD_GFN, 5);
    return rc == 5 ? 0 : rc < 0 ? rc : -1;
}

static int64_t plat_create(const char *name)
{
    struct mica_domctl op;
    int64_t rc;

    create_op(&op, name, CHILD_MEM_KB);
    op.u.create.flags = MICA_DOMCTL_CREATE_F_PLATFORM;
    rc = mica_domctl(MICA_DOMCTL_create, &op);
    return rc ? rc : op.domid;
}

/* Run a platform child that ends by mode; its results copied to *r. 0 or an error. */
static int64_t plat_run(uint16_t d, uint64_t mode, struct plat_results *r)
{
    struct mica_domctl op;
    int64_t rc = plat_load(d);

    ctx_op(&op, d, mode, 0);
    if (!rc)
        rc = mica_domctl(MICA_DOMCTL_set_vcpu_context, &op);
    if (!rc)
        rc = dom_op(MICA_DOMCTL_unpause, d);
    if (!rc && !wait_state(d, MICA_DOMSTATE_shutdown, 2000))
        rc = -1000;
    if (!rc && fmap(d, CHILD_CODE_GPA >> PAGE_SHIFT, LOAD_GFN, 1, MICA_FOREIGN_READONLY) == 1) {
        memcpy(r, (void *)((LOAD_GFN << PAGE_SHIFT) + (uint64_t)(plat_results - plat_code)),
               sizeof(*r));
        funmap(LOAD_GFN, 1);
    }
    return rc;
}

static void check_plat_results(const struct plat_results *r)
{
    check_eq_u64("platform child: CONFIG_ADDRESS reads back", 0x80001000u, r->cf8);
    check_eq_u64("platform child: 00:02.0 is 4d43:0001", 0x00014d43u, r->id2);
    check_eq_u64("platform child: 00:02.0 class 088000, revision 1", 0x08800001u, r->class2);
    check_eq_u64("platform child: a word read at 0xCFE", 0x0880, r->class2_word);
    check_eq_u64("platform child: 00:00.0 is 4d43:0000", 0x00004d43u, r->id0);
    check_eq_u64("platform child: 00:01.0 reads all-ones", 0xffffffffu, r->id1);
    check_eq_u64("platform child: machine port 0x61 not passed through", 0xff, r->port61);
    check_eq_u64("platform child: PIT channel 2 not passed through: its gate is shut, it reads 0",
                 0, r->port42);
    check(r->nrx == 3 && !memcmp(r->rx, "xyz", 3), "platform child: its UART received \"xyz\"",
          "%u bytes \"%.8s\"", r->nrx, (const char *)r->rx);
    check_eq_u64("platform child: MSI enabled, 64-bit", 0x81, r->msi_ctrl);
    check(r->irr2 & (1u << (PLAT_VECTOR - 64)),
          "platform child: the upcall raised before the MSI was on arrives as its MSI (IRR)",
          "IRR[95:64] %#x", r->irr2);
}

/* An event for the child's vCPU 0 (port allocated in the child, bound and sent from here). */
static int64_t plat_event(uint16_t d, uint32_t *local)
{
    struct mica_evtchn_alloc_unbound a = { .dom = d, .remote_dom = 0 };   /* for us, d0 */
    struct mica_evtchn_bind_interdomain b = { .remote_dom = d };
    int64_t rc = mica_evtchn_op(MICA_EVTCHNOP_alloc_unbound, &a);

    b.remote_port = a.port;
    if (!rc)
        rc = mica_evtchn_op(MICA_EVTCHNOP_bind_interdomain, &b);
    *local = b.local_port;
    return rc ? rc : ev_send(b.local_port);
}

static void test_writeconsole(uint16_t d)
{
    static char big[300];
    uint16_t nodev = (uint16_t)dom_create("no-uart", CHILD_MEM_KB);

    check_eq_i64("writeconsole of a domain without a UART: -EINVAL", -MICA_EINVAL,
                 write_console(nodev, "a", 1, 0));
    check_eq_i64("writeconsole SELF (a test kernel, no UART): -EINVAL", -MICA_EINVAL,
                 write_console(MICA_DOMID_SELF, "a", 1, 0));
    dom_op(MICA_DOMCTL_destroy, nodev);
    check_eq_i64("writeconsole with pad set: -EINVAL", -MICA_EINVAL, write_console(d, "a", 1, 1));
    check_eq_i64("writeconsole beyond MICA_SYSCTL_READ_MAX: -EINVAL", -MICA_EINVAL,
                 write_console(d, big, MICA_SYSCTL_READ_MAX + 1, 0));
    check_eq_i64("writeconsole of no domain: -ESRCH", -MICA_ESRCH, write_console(4321, "a", 1, 0));
    check_eq_i64("writeconsole from a buffer at 3 GiB: -EFAULT", -MICA_EFAULT,
                 write_console(d, (const void *)UNBACKED_GVA, 3, 0));
    check_eq_i64("writeconsole of 0 bytes", 0, write_console(d, "", 0, 0));
    check_eq_i64("writeconsole \"xyz\": 3 taken", 3, write_console(d, "xyz", 3, 0));
}

/* A full FIFO takes what fits (255 bytes in all), then nothing. */
static void test_writeconsole_full(uint16_t d)
{
    static char big[300];

    memset(big, 'k', sizeof(big));
    check_eq_i64("writeconsole 300 bytes into the 256-byte FIFO: 255 taken", 255,
                 write_console(d, big, sizeof(big), 0));
    check_eq_i64("writeconsole into a full FIFO: 0 taken", 0, write_console(d, "z", 1, 0));
}

static void test_platform_child(void)
{
    static struct plat_results r;
    static char buf[512];
    struct mica_domctl_getinfo gi;
    struct mica_sysctl_read rr;
    uint64_t free0 = free_frames_adj(), t0;
    int64_t d = plat_create("plat"), rc;
    uint32_t local = 0;

    if (!check(d > 0, "create an F_PLATFORM child", "rc %ld", d))
        return;
    dom_info(MICA_DOMCTL_getinfo, (uint16_t)d, &gi);
    check_eq_u64("a new domain's start_ns is 0", 0, gi.start_ns);
    test_writeconsole((uint16_t)d);
    check_eq_i64("an event for the child before its MSI is on", 0, plat_event((uint16_t)d, &local));
    memset(&r, 0, sizeof(r));
    t0 = physinfo().now_ns;
    rc = plat_run((uint16_t)d, PLAT_S5, &r);
    check_eq_i64("the platform child ran and shut down", 0, rc);
    dom_info(MICA_DOMCTL_getinfo, (uint16_t)d, &gi);
    check_eq_u64("ACPI S5 in a domU: shutdown reason poweroff", MICA_SHUTDOWN_poweroff,
                 gi.shutdown_reason);
    check(gi.start_ns >= t0 && gi.start_ns <= physinfo().now_ns, "start_ns: when it was unpaused",
          "start %lu, unpaused after %lu", gi.start_ns, t0);
    check_plat_results(&r);
    rc = read_ring(MICA_SYSCTL_readconsole, (uint16_t)d, 0, buf, sizeof(buf), &rr);
    check(rc > 0 && contains(buf, (size_t)rc, "plat: hello\n"),
          "readconsole of the platform child: its UART output", "rc %ld", rc);
    if (local)
        ev_close(local);
    test_writeconsole_full((uint16_t)d);
    check_eq_i64("destroy the platform child", 0, dom_op(MICA_DOMCTL_destroy, (uint16_t)d));
    check_eq_u64("every frame back", free0, free_frames_adj());
}

/* The reset register, the keyboard controller and a triple fault end a domU as they should. */
static void test_platform_ends(void)
{
    static const struct { uint64_t mode; uint8_t reason; const char *what; } ends[] = {
        { PLAT_RESET, MICA_SHUTDOWN_reboot, "reset register 0xCF9: reboot" },
        { PLAT_KBD, MICA_SHUTDOWN_reboot, "keyboard controller reset: reboot" },
        { PLAT_TRIPLE, MICA_SHUTDOWN_crash, "triple fault: crash" },
    };
    static struct plat_results r;
    struct mica_domctl_getinfo gi;

    for (size_t i = 0; i < ARRAY_SIZE(ends); i++) {
        int64_t d = plat_create("plat-end"), rc = d > 0 ? plat_run((uint16_t)d, ends[i].mode, &r) : d;

        dom_info(MICA_DOMCTL_getinfo, (uint16_t)d, &gi);
        check(rc == 0 && gi.state == MICA_DOMSTATE_shutdown && gi.shutdown_reason == ends[i].reason,
              ends[i].what, "rc %ld state %u reason %u", rc, gi.state, gi.shutdown_reason);
        if (d > 0)
            dom_op(MICA_DOMCTL_destroy, (uint16_t)d);
    }
}

/* A platform domain with more vCPUs: set_vcpus gives the new ones local APICs (charged). */
static void test_platform_vcpus(void)
{
    struct mica_domctl_getinfo p1, p2, n1, n2;
    struct mica_domctl op;
    int64_t p = plat_create("plat-vcpus"), n = dom_create("plain-vcpus", CHILD_MEM_KB);

    if (!check(p > 0 && n > 0, "create a platform and a plain child", "rc %ld, %ld", p, n))
        return;
    dom_info(MICA_DOMCTL_getinfo, (uint16_t)p, &p1);
    dom_info(MICA_DOMCTL_getinfo, (uint16_t)n, &n1);
    check(p1.hyp_bytes > n1.hyp_bytes, "the platform is charged to the domain's budget",
          "platform %lu, plain %lu bytes", p1.hyp_bytes, n1.hyp_bytes);
    domctl_init(&op, (uint16_t)p);
    op.u.vcpus.nr_vcpus = 4;
    check_eq_i64("set_vcpus 4 on the platform child", 0, mica_domctl(MICA_DOMCTL_set_vcpus, &op));
    domctl_init(&op, (uint16_t)n);
    op.u.vcpus.nr_vcpus = 4;
    check_eq_i64("set_vcpus 4 on the plain child", 0, mica_domctl(MICA_DOMCTL_set_vcpus, &op));
    dom_info(MICA_DOMCTL_getinfo, (uint16_t)p, &p2);
    dom_info(MICA_DOMCTL_getinfo, (uint16_t)n, &n2);
    check(p2.hyp_bytes - p1.hyp_bytes > n2.hyp_bytes - n1.hyp_bytes,
          "three more vCPUs cost a platform domain more: their local APICs are charged",
          "platform +%lu, plain +%lu bytes", p2.hyp_bytes - p1.hyp_bytes,
          n2.hyp_bytes - n1.hyp_bytes);
    dom_op(MICA_DOMCTL_destroy, (uint16_t)p);
    dom_op(MICA_DOMCTL_destroy, (uint16_t)n);
}

/* ---- create/destroy cycles ----------------------------------------------------------- */

/* One cycle: odd ones are destroyed while running, even ones after they end. */
static int64_t cycle(unsigned int i)
{
    int64_t d = dom_create("cycle", CHILD_MEM_KB), rc;

    if (d < 0)
        return d;
    rc = child_start((uint16_t)d, i & 1 ? MODE_SPIN : MODE_EXIT, MICA_SHUTDOWN_poweroff);
    if (!rc && !(i & 1) && !wait_state((uint16_t)d, MICA_DOMSTATE_shutdown, 2000))
        rc = -1000;
    if (dom_op(MICA_DOMCTL_destroy, (uint16_t)d) && !rc)
        rc = -1001;
    return rc;
}

static void test_cycles(void)
{
    struct mica_sysctl_physinfo p0 = physinfo(), p1;
    unsigned int failed = 0, first = 0;
    int64_t first_rc = 0;

    for (unsigned int i = 0; i < CYCLES; i++) {
        int64_t rc = cycle(i);

        if (rc && !failed++) {
            first = i;
            first_rc = rc;
        }
    }
    p1 = physinfo();
    check(!failed, "100 create/load/run/destroy cycles", "%u failed, the first (%u) with %ld",
          failed, first, first_rc);
    check_eq_u64("after 100 cycles: the free frame count is back to its start",
                 p0.free_frames, p1.free_frames);
    check_eq_u64("after 100 cycles: one domain left", 1, p1.nr_domains);
}

/* Nothing this guest created may outlive it (the hypervisor would end them anyway). */
static void destroy_leftovers(void)
{
    struct mica_domctl_getinfo gi;

    while (dom_info(MICA_DOMCTL_getinfo_next, 1, &gi) == 0) {
        check(false, "no domain left over", "domain %u (%.32s)", gi.domid, gi.name);
        dom_op(MICA_DOMCTL_destroy, gi.domid);
    }
}

/*
 * Our own reservation (privileged or not, a domain manages its own): give
 * up a frame, take one at LOAD_GFN above RAM, give that up and take the
 * first back. This also builds the p2m tables of the mapping windows, so
 * that the free frame counts measured later do not see them appear.
 */
static void test_own_reservation(void)
{
    uint64_t g = guest_image_end() / PAGE_SIZE + 32, own = guest_si()->nr_pages;
    volatile uint64_t *high = (volatile uint64_t *)(LOAD_GFN << PAGE_SHIFT);

    check_eq_i64("maximum_reservation SELF", own,
                 mica_memory_op(MICA_MEMOP_maximum_reservation, MICA_DOMID_SELF));
    check_eq_i64("populate above the ceiling", -MICA_ENOSPC,
                 memop_range(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, LOAD_GFN, 1));
    check_eq_i64("decrease an own frame", 1,
                 memop_range(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, g, 1));
    check_eq_i64("populate a frame above RAM", 1,
                 memop_range(MICA_MEMOP_populate_physmap, 0, LOAD_GFN, 1));
    *high = 42;
    check_eq_u64("... it is usable", 42, *high);
    check_eq_i64("decrease it", 1, memop_range(MICA_MEMOP_decrease_reservation, 0, LOAD_GFN, 1));
    check_eq_i64("populate the first frame back", 1,
                 memop_range(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, g, 1));
    check_eq_i64("current_reservation SELF is whole again", own,
                 mica_memory_op(MICA_MEMOP_current_reservation, MICA_DOMID_SELF));
}

/*
 * With leave=1 on the command line: start two children (one running, one
 * shut down and kept) and end without destroying them; the hypervisor must
 * end and free them with us (tests/system/areas/domains.sh).
 */
static void leave_children(void)
{
    int64_t a = dom_create("left-running", CHILD_MEM_KB), b = dom_create("left-kept", CHILD_MEM_KB);

    check(a > 0 && b > 0, "create two children to leave behind", "rc %ld, %ld", a, b);
    check_eq_i64("start one spinning", 0, child_start((uint16_t)a, MODE_SPIN, 0));
    check_eq_i64("start one that shuts down", 0, child_start((uint16_t)b, MODE_EXIT, 0));
    check(wait_state((uint16_t)b, MICA_DOMSTATE_shutdown, 2000), "it is kept shut down",
          "not shut down after 2 s");
}

int guest_main(const struct mica_start_info *si)
{
    (void)si;
    test_physinfo();
    if (cmdline_u64("leave", 0)) {
        leave_children();
        return 0;
    }
    test_interface();
    test_getinfo_self();
    test_self_refused();
    test_own_reservation();
    test_create_errors();
    test_foreign();
    test_child();
    test_child_shutdown();
    test_readlog();
    test_log_virq();
    test_rename();
    test_now_ns();
    test_platform_child();
    test_platform_ends();
    test_platform_vcpus();
    test_cycles();
    destroy_leftovers();
    return 0;
}
