/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzz target: the hypercall handlers (hypercall.c's table and domctl,
 * memory_op, event channels, grant tables, vcpu_op, console_io, sysctl,
 * version) on the real domain lifecycle, page allocator, heap and p2m,
 * with several domains calling in turn. The scheduler, the arch and the
 * timers are a model (hv_shim.c).
 *
 * An input is a program. Its first byte holds flags (bit 0: at the end,
 * end the control domain first, so that its kept domains go with it,
 * rather than destroying each of them first). Then operations, each
 *
 *     who  what  sub  a1  a2  len  payload[len]
 *
 *   who   the calling domain (bits 0-2: domain id 0-7, 0 being the control
 *         domain made at the start) and vCPU (bits 3-5). A domain that is
 *         not running (absent, paused, shut down) or a vCPU that is down
 *         makes no call: the operation is skipped.
 *   what  0-8: hypercall number `what`; 9: the guest writes payload into its
 *         own memory at guest-physical (sub | a1 << 8) * 8; 10: time moves
 *         on by sub milliseconds and the timers due fire; 11: hypercall
 *         number sub (unknown ones included); 12: the vCPU loads CR0, CR3,
 *         CR4 and EFER from the payload (four 64-bit words), so that its
 *         hypercall pointers are walked through its own page tables from
 *         then on; 13: the vCPU starts running guest code on its CPU, and
 *         stays on it (between operations too) until 14: it leaves, or it
 *         blocks, or it is taken down and a CPU waiting for that lets it
 *         go (hv_shim.h). Taken modulo 15.
 *         A vCPU calls when it can run (runnable, or running already); a
 *         call from a vCPU that is not running puts it on its CPU for the
 *         length of the call.
 *   sub   the hypercall's sub-command, args[0].
 *   a1    args[1]: below 0x80 a pointer, SCRATCH + a1 * 8; 0xff
 *         MICA_DOMID_SELF; else the number a1 - 0x80.
 *   a2    args[2] (batch counts, frame counts, flags).
 *   payload  written at SCRATCH in the caller's memory before the call:
 *         the structures a1 points at.
 *
 * Until a vCPU turns paging on (what 12), guest-linear addresses are
 * guest-physical ones, so SCRATCH is the caller's gfn 0; either way
 * copy_from_guest/copy_to_guest go through the real guest_access.c and
 * guest_walk.c and the caller's real p2m. The payload is written at
 * guest-physical SCRATCH.
 *
 * After each call: no lock held, nothing logged at LOG_ERR (the allocator
 * and the heap log a double free or a bad unpin that way), no reference
 * held on a domain but its own (a leaked one would keep it alive); after
 * each memory_op, grant_table_op and domctl call and at the end, every p2m
 * maps only frames a domain owns, a domain's own RAM is exactly nr_pages
 * frames it owns, each mapped once, and a frame mapped foreign or granted
 * n times holds at least n pins. At the end of the program every domain is destroyed,
 * then: no domain left, the frame allocator's free count back where it was
 * before the control domain was made, no frame pinned, no timer armed, no
 * lock held. A broken rule abort()s; the machine is rebuilt from scratch
 * for the next input.
 *
 * FUZZ_TRACE=1 in the environment prints every call and its result, and
 * UNIT_VERBOSE=1 the hypervisor's log (tests/fuzz/README.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mica/domain.h>
#include <mica/hypercall.h>
#include <mica/console.h>
#include <mica/mm.h>
#include <mica/p2m.h>
#include <mica/sched.h>
#include <public/hypercall.h>
#include <public/sched.h>
#include <public/types.h>
#include <asm/vcpu.h>

#include "shim.h"
#include "hv_shim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NR_FRAMES    1024        /* 4 MiB of machine memory; frame 0 stays reserved */
#define DOM0_PAGES   64
#define DOM0_VCPUS   2
#define WHO_DOMID(w) ((w) & 7)  /* a caller: domain id 0-7 ... */
#define WHO_VCPU(w)  ((w) >> 3 & 7)  /* ... and vCPU 0-7 */
#define MAX_OPS      64
#define SCRATCH      0x0ull      /* guest-physical address of the call arguments */

#define OP_WRITE     9
#define OP_TIME      10
#define OP_RAW_CALL  11
#define OP_PAGING    12
#define OP_ENTER     13
#define OP_LEAVE     14
#define OP_KINDS     15

static struct frame table[NR_FRAMES];
static uint8_t *machine;
static unsigned int op_index;    /* for messages */
static bool trace;               /* FUZZ_TRACE set: every call and its result on stderr */

struct input {
    const uint8_t *p;
    size_t left;
};

static uint8_t take8(struct input *in)
{
    if (!in->left)
        return 0;
    in->left--;
    return *in->p++;
}

static __attribute__((format(printf, 1, 2), noreturn)) void fail(const char *fmt, ...)
{
    va_list ap;

    if (op_index > MAX_OPS)
        fprintf(stderr, "fuzz_hypercall: tearing down: ");
    else
        fprintf(stderr, "fuzz_hypercall: after operation %u: ", op_index);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n--- hypervisor log since the operation began ---\n%s---\n", shim_log());
    abort();
}

/* ---- invariants ------------------------------------------------------------ */

/* Over every domain's p2m: how often each frame is mapped, and how. */
static uint16_t own_maps[NR_FRAMES], pinned_maps[NR_FRAMES];

struct census {
    struct domain *d;
    uint64_t own;
};

/*
 * One p2m entry: it maps a frame of the machine that a domain owns; as
 * d's own RAM only a frame d owns, and only once anywhere; a foreign or
 * granted frame is counted, to be matched against its pins.
 */
static void census_entry(gfn_t gfn, mfn_t mfn, unsigned int flags, void *arg)
{
    struct census *c = arg;
    uint16_t owner = frame_owner(mfn);

    if (mfn >= NR_FRAMES || !owner_is_domain(owner))
        fail("d%u: gfn 0x%lx maps mfn 0x%lx, %s", c->d->id, (unsigned long)gfn,
             (unsigned long)mfn, mfn >= NR_FRAMES ? "outside RAM" :
             owner == OWNER_FREE ? "a free frame" : "a frame no domain owns");
    if (flags & (P2M_FOREIGN | P2M_GRANT)) {
        pinned_maps[mfn]++;
        return;
    }
    if (owner != c->d->id)
        fail("d%u: gfn 0x%lx maps d%u's frame 0x%lx as its own", c->d->id,
             (unsigned long)gfn, owner, (unsigned long)mfn);
    if (own_maps[mfn]++)
        fail("d%u: frame 0x%lx mapped as its own twice", c->d->id, (unsigned long)mfn);
    c->own++;
}

/*
 * No reference to d is held but its own; with walk, its p2m maps exactly
 * nr_pages frames of its own (domain.h), each once, and nothing else but
 * foreign and granted frames.
 */
static void check_domain(struct domain *d, bool walk)
{
    struct census c = { d, 0 };

    /* Between calls only the domain itself holds a reference (and we do). */
    if (domain_refs(d) != 2 || d->relinquished)
        fail("d%u: %u references held besides its own and ours%s", d->id,
             domain_refs(d) - 2, d->relinquished ? " though it has died" : "");
    if (d->state == DOMAIN_DYING || !d->p2m.root || !walk)
        return;
    p2m_for_each(&d->p2m, census_entry, &c);
    if (c.own != d->nr_pages)
        fail("d%u: nr_pages %lu but its p2m maps %lu frames of its own", d->id,
             (unsigned long)d->nr_pages, (unsigned long)c.own);
}

/* A frame mapped foreign or granted n times holds at least n pins. */
static void check_pins(void)
{
    for (mfn_t m = 0; m < NR_FRAMES; m++)
        if (pinned_maps[m] > table[m].pins)
            fail("mfn 0x%lx is mapped %u times as foreign or granted but pinned %u times",
                 (unsigned long)m, pinned_maps[m], table[m].pins);
}

/* Walking every p2m costs: done after the calls that change one, and at the end. */
static void check_after_op(bool walk)
{
    struct domain *d;

    if (shim_locks_held())
        fail("%d lock(s) left held", shim_locks_held());
    if (shim_log_count(LOG_ERR))
        fail("the hypervisor logged an error");
    memset(own_maps, 0, sizeof(own_maps));
    memset(pinned_maps, 0, sizeof(pinned_maps));
    for (unsigned int id = 0; id <= DOMID_MAX && (d = domain_get_next((domid_t)id)); ) {
        check_domain(d, walk);
        id = d->id + 1u;
        domain_put(d);
    }
    if (walk)
        check_pins();
    if (shim_locks_held())
        fail("%d lock(s) left held by the checks", shim_locks_held());
    shim_log_clear();
}

/* ---- the machine ----------------------------------------------------------- */

static mfn_t machine_boot(void)
{
    if (!machine) {
        machine = shim_mem_back(0, NR_FRAMES);
        trace = getenv("FUZZ_TRACE");
    }
    memset(machine, 0x5a, (size_t)NR_FRAMES * PAGE_SIZE);
    frames_init(table, NR_FRAMES);
    frames_add_free(1, NR_FRAMES - 1);
    hv_clock_reset();
    shim_log_clear();
    return frames_free_count();
}

static void dom0_create(void)
{
    struct domain_config cfg = {
        .name = "dom0", .mem_bytes = DOM0_PAGES * PAGE_SIZE, .nr_vcpus = DOM0_VCPUS,
        .pcpu = 0, .privileged = true,
    };
    struct domain *d;

    if (domain_create(&cfg, &d))
        shim_fatal("cannot create dom0");
    domain_start(d);
    /* Its secondary vCPUs are up too, as Linux brings them up at boot. */
    for (unsigned int i = 1; i < d->nr_vcpus; i++) {
        d->vcpu[i]->wait_sipi = false;
        vcpu_revive(d->vcpu[i]);
    }
}

/* Every domain but the control domain, by id, as its toolstack would. */
static void destroy_others(void)
{
    struct domain *d;

    for (unsigned int id = 1; id <= DOMID_MAX && (d = domain_get_next((domid_t)id)); ) {
        id = d->id + 1u;
        if (d->state != DOMAIN_DYING)
            domain_destroy(d);
        domain_put(d);
        shim_log_clear();
    }
}

/* dom0 shuts down; its CPUs then see its vCPUs are down and leave. */
static void end_dom0(void)
{
    struct domain *d = domain_get(0);

    if (d) {
        domain_shutdown(d, MICA_SHUTDOWN_poweroff);
        domain_put(d);
    }
    hv_cpu_relax();
    shim_log_clear();
}

static void report_frames(mfn_t baseline)
{
    fprintf(stderr, "fuzz_hypercall: %lu frames free, %lu before the first domain\n",
            (unsigned long)frames_free_count(), (unsigned long)baseline);
    for (mfn_t m = 1; m < NR_FRAMES; m++)
        if (table[m].owner != OWNER_FREE)
            fprintf(stderr, "  mfn 0x%lx: owner 0x%x pins %u flags 0x%x order %u\n",
                    (unsigned long)m, table[m].owner, table[m].pins, table[m].flags,
                    table[m].order);
}

static void machine_shutdown(mfn_t baseline, bool dom0_first)
{
    op_index = MAX_OPS + 1;
    if (dom0_first) {
        end_dom0();
        destroy_others();
    } else {
        destroy_others();
        end_dom0();
    }
    if (shim_log_count(LOG_ERR) || shim_locks_held())
        fail("tearing down: an error logged or a lock held");
    if (domains_alive() || domain_get_next(0) || hv_vcpus_running())
        fail("a domain is left after every domain was destroyed (%u alive, %u vCPUs running)",
             domains_alive(), hv_vcpus_running());
    if (frames_free_count() != baseline) {
        report_frames(baseline);
        fail("frames leaked: %ld", (long)(baseline - frames_free_count()));
    }
    for (mfn_t m = 0; m < NR_FRAMES; m++)
        if (table[m].pins)
            fail("mfn 0x%lx still pinned %u times", (unsigned long)m, table[m].pins);
    if (hv_timers_armed())
        fail("%u timers still armed", hv_timers_armed());
    hv_domain_reset();
}

/* ---- the program ------------------------------------------------------------- */

struct op {
    uint8_t who, what, sub, a1, a2, len;
    uint8_t payload[255];
};

static bool op_read(struct input *in, struct op *op)
{
    if (in->left < 6)
        return false;
    op->who = take8(in);
    op->what = take8(in) % OP_KINDS;
    op->sub = take8(in);
    op->a1 = take8(in);
    op->a2 = take8(in);
    op->len = take8(in);
    for (unsigned int i = 0; i < op->len; i++)
        op->payload[i] = take8(in);
    return true;
}

static uint64_t arg1(uint8_t a1)
{
    if (a1 < 0x80)
        return SCRATCH + a1 * 8u;
    return a1 == 0xff ? MICA_DOMID_SELF : a1 - 0x80u;
}

/* The caller as the scheduler would run it: on its CPU for the call. */
static void call(struct vcpu *v, uint64_t nr, const struct op *op)
{
    uint64_t args[5] = { op->sub, arg1(op->a1), op->a2, 0, 0 };
    bool was_running = v->on_cpu;
    long rc;

    copy_to_gpa(v->domain, SCRATCH, op->payload, op->len);
    if (!was_running && !hv_vcpu_enter(v))
        return;
    hv_current = v;
    rc = hypercall_dispatch(v, nr, args);
    hv_current = NULL;
    if (trace)
        fprintf(stderr, "op %u: d%u v%u hypercall %lu (%lu, 0x%lx, %lu) = %ld\n", op_index,
                v->domain->id, v->id, (unsigned long)nr, (unsigned long)args[0],
                (unsigned long)args[1], (unsigned long)args[2], rc);
    if (!was_running || v->state != VCPU_RUNNING)
        hv_vcpu_leave(v);
}

static void set_paging(struct vcpu *v, const struct op *op)
{
    uint64_t r[4] = { 0 };
    struct guest_paging gp;

    memcpy(r, op->payload, op->len < sizeof(r) ? op->len : sizeof(r));
    gp = (struct guest_paging){ .cr0 = r[0], .cr3 = r[1], .cr4 = r[2], .efer = r[3] };
    hv_vcpu_set_paging(v, &gp);
}

static void op_run(const struct op *op)
{
    struct domain *d = domain_get(WHO_DOMID(op->who));
    struct vcpu *v;

    if (!d)
        return;
    v = WHO_VCPU(op->who) < d->nr_vcpus ? d->vcpu[WHO_VCPU(op->who)] : NULL;
    if (d->state != DOMAIN_RUNNING || d->paused || !v ||
        (v->state != VCPU_RUNNABLE && v->state != VCPU_RUNNING) ||
        (op->what == OP_ENTER && v->on_cpu) || (op->what == OP_LEAVE && !v->on_cpu)) {
        domain_put(d);
        return;
    }
    hv_clock_advance(1000000);
    if (op->what == OP_WRITE)
        copy_to_gpa(d, (op->sub | (uint64_t)op->a1 << 8) * 8, op->payload, op->len);
    else if (op->what == OP_TIME)
        hv_clock_advance(op->sub * 1000000ull);
    else if (op->what == OP_PAGING)
        set_paging(v, op);
    else if (op->what == OP_ENTER)
        hv_vcpu_enter(v);
    else if (op->what == OP_LEAVE)
        hv_vcpu_leave(v);
    else
        call(v, op->what == OP_RAW_CALL ? op->sub : op->what, op);
    domain_put(d);
    if (op->what == OP_TIME)
        hv_timers_fire();
}

/* The calls that change p2ms: memory_op, grant maps, domctl (create, destroy). */
static bool changes_p2m(const struct op *op)
{
    unsigned int nr = op->what == OP_RAW_CALL ? op->sub : op->what;

    return op->what <= OP_RAW_CALL && op->what != OP_WRITE && op->what != OP_TIME &&
           (nr == MICA_HC_memory_op || nr == MICA_HC_grant_table_op || nr == MICA_HC_domctl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, size };
    uint8_t flags = take8(&in);
    mfn_t baseline = machine_boot();
    struct op op;

    dom0_create();
    op_index = 0;
    check_after_op(true);
    while (op_index < MAX_OPS && op_read(&in, &op)) {
        op_index++;
        op_run(&op);
        check_after_op(changes_p2m(&op));
    }
    check_after_op(true);
    machine_shutdown(baseline, flags & 1);
    return 0;
}
