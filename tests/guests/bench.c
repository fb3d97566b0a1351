/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench: micro-benchmarks for bench/core.sh (bench/README.md). Prints
 * figures and asserts nothing beyond the operations succeeding. Each
 * figure is TSC cycles per operation over many samples (a sample is a
 * batch of `batch=` operations, default 50, or one operation for the
 * domain figure):
 *
 *     BENCH <name> median <c> p10 <c> p90 <c> n <samples>
 *
 * mode=core (privileged, mem=16M): the null hypercall, a CPUID exit
 * (leaf 0, which the hypervisor answers), an event sent on a
 * loopback channel to the upcall on the same vCPU, a grant mapped and
 * unmapped (granting to itself), a 4 KiB grant copy, and a domain created
 * (256 KiB, 1 vCPU, paused; no name, so the hypervisor names it domN and it
 * cannot clash with this guest's own name) and destroyed.
 * mode=ping / mode=pong (peer=N), one on each pCPU: ping sends on an
 * interdomain channel and spins (interrupts on) until pong's answer's
 * upcall; pong spins likewise and answers each event at once. The round
 * trip is two sends and two upcalls across pCPUs; half of it is printed
 * as the one-way figure. 100 round trips warm up first.
 */
#include "guest.h"
#include "events.h"
#include "gnttab.h"
#include "ctl.h"
#include "cpu.h"

const char guest_builtin_name[] = "bench";

#define MAX_N      4096
#define MS         1000000ul

static uint64_t samples[MAX_N];
/*
 * Operations per timed sample, as in bench/xen-pvh/xenbench.c (where Xen
 * traps every RDTSC): a sample is the TSC cycles of `batch` operations in a
 * row, divided by batch. The domain figure times one per sample.
 */
static unsigned int batch = 50;

static void sort_u64(uint64_t *v, unsigned int n)
{
    for (unsigned int gap = n / 2; gap; gap /= 2)
        for (unsigned int i = gap; i < n; i++)
            for (unsigned int j = i; j >= gap && v[j - gap] > v[j]; j -= gap) {
                uint64_t t = v[j];
                v[j] = v[j - gap];
                v[j - gap] = t;
            }
}

/* Print the BENCH line for samples[0..n), scaled by 1/div. */
static void report(const char *name, unsigned int n, unsigned int div)
{
    if (!n) {
        gprintf("BENCH %s none\n", name);
        return;
    }
    sort_u64(samples, n);
    gprintf("BENCH %s median %lu p10 %lu p90 %lu n %u\n", name, samples[n / 2] / div,
            samples[n / 10] / div, samples[n * 9 / 10] / div, n);
}

static unsigned int iters(const char *key, unsigned int dflt)
{
    uint64_t n = cmdline_u64(key, dflt);

    return n < 1 ? 1 : n > MAX_N ? MAX_N : (unsigned int)n;
}

/* ---- core ------------------------------------------------------------------- */

/* What one timer read costs: two reads back to back. */
static void bench_rdtsc(unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        uint64_t t0 = rdtsc();

        samples[i] = rdtsc() - t0;
    }
    report("rdtsc_overhead", n, 1);
}

static void bench_null(unsigned int n)
{
    unsigned int s;

    for (s = 0; s < n / batch; s++) {
        uint64_t t0 = rdtsc();

        for (unsigned int i = 0; i < batch; i++)
            mica_version(MICA_VERSION_get, 0);
        samples[s] = (rdtsc() - t0) / batch;
    }
    report("null_hypercall", s, 1);
}

static int64_t bind_interdomain(uint16_t dom, uint32_t port)
{
    struct mica_evtchn_bind_interdomain b = { .remote_dom = dom, .remote_port = port };
    int64_t rc = mica_evtchn_op(MICA_EVTCHNOP_bind_interdomain, &b);

    return rc ? rc : b.local_port;
}

/* An exit the hypervisor answers without a hypercall: CPUID leaf 0. */
static void bench_cpuid(unsigned int n)
{
    unsigned int s;

    for (s = 0; s < n / batch; s++) {
        uint64_t t0 = rdtsc();

        for (unsigned int i = 0; i < batch; i++)
            (void)cpuid(0, 0);
        samples[s] = (rdtsc() - t0) / batch;
    }
    report("cpuid_exit", s, 1);
}

/* Send on one end of a loopback channel; the upcall for the other end. */
static void bench_evtchn_self(unsigned int n)
{
    int64_t p1 = ev_alloc_unbound(MICA_DOMID_SELF), p2;
    unsigned int i, got = 0;

    p2 = p1 > 0 ? bind_interdomain(MICA_DOMID_SELF, (uint32_t)p1) : p1;
    if (!check(p2 > 0, "bind a loopback channel", "got %ld", p2))
        return;
    for (i = 0; i < n / batch; i++) {
        uint64_t t0 = rdtsc();
        unsigned int k;

        for (k = 0; k < batch; k++) {
            uint32_t base = ev_hits[p1];
            uint64_t spin = 0;

            ev_send((uint32_t)p2);
            while (ev_hits[p1] == base && ++spin < 100000000)
                ;
            if (ev_hits[p1] == base)
                break;
        }
        if (k < batch)
            break;
        samples[got++] = (rdtsc() - t0) / batch;
    }
    check_eq_u64("every loopback event arrived", n / batch, got);
    report("evtchn_send_upcall_same_vcpu", got, 1);
}

static void bench_grants(const struct mica_start_info *si, unsigned int n)
{
    uint64_t t_gfn = guest_image_end() >> PAGE_SHIFT, d_gfn = t_gfn + 1, s_gfn = t_gfn + 2;
    uint64_t win = si->nr_pages + 16;
    struct mica_grant_entry *table = (void *)(t_gfn << PAGE_SHIFT);
    struct mica_gnttab_copy op;
    uint16_t me = si->domid;
    unsigned int i, got = 0;
    uint32_t h;

    memset(table, 0, PAGE_SIZE);
    memset((void *)(s_gfn << PAGE_SHIFT), 0x5a, PAGE_SIZE);
    if (!check_eq_i64("grant table set-up", 0, gnttab_setup(&t_gfn, 1)))
        return;
    gnt_grant(table, 1, me, d_gfn, false);
    for (i = 0; i < n / batch; i++) {
        uint64_t t0 = rdtsc();
        int rc = 0;

        for (unsigned int k = 0; k < batch && !rc; k++) {
            rc = gnttab_map1(me, 1, win, 0, &h);
            if (!rc)
                rc = gnttab_unmap1(h);
        }
        if (rc)
            break;
        samples[got++] = (rdtsc() - t0) / batch;
    }
    check_eq_u64("every map and unmap succeeded", n / batch, got);
    report("grant_map_unmap", got, 1);
    for (i = got = 0; i < n / batch; i++) {
        uint64_t t0 = rdtsc();
        int rc = 0;

        for (unsigned int k = 0; k < batch && !rc; k++) {
            op = (struct mica_gnttab_copy){
                .src = { .ref_or_gfn = s_gfn, .domid = MICA_DOMID_SELF },
                .dst = { .ref_or_gfn = 1, .domid = me },
                .len = PAGE_SIZE, .flags = MICA_GNTCOPY_dst_gref,
            };
            rc = gnttab_copy1(&op);
        }
        if (rc)
            break;
        samples[got++] = (rdtsc() - t0) / batch;
    }
    check(got == n / batch && ((uint8_t *)(d_gfn << PAGE_SHIFT))[4095] == 0x5a,
          "every copy succeeded", "%u of %u", got, n / batch);
    report("grant_copy_4k", got, 1);
}

static void bench_domains(unsigned int n)
{
    struct mica_domctl op;
    unsigned int i, got = 0;

    for (i = 0; i < n; i++) {
        uint64_t t0 = rdtsc(), s = i + 1;
        int64_t rc;

        domctl_init(&op, 0);
        op.u.create.mem_kb = 256;
        op.u.create.nr_vcpus = 1;
        memcpy(op.u.create.uuid, "mica-bch", 8);
        memcpy(op.u.create.uuid + 8, &s, 8);
        rc = mica_domctl(MICA_DOMCTL_create, &op);
        if (!rc) {
            uint16_t d = op.domid;

            domctl_init(&op, d);
            rc = mica_domctl(MICA_DOMCTL_destroy, &op);
        }
        samples[got] = rdtsc() - t0;
        if (rc) {
            gprintf("# %s: create/destroy %u: %ld\n", guest_name(), i, rc);
            break;
        }
        got++;
    }
    check_eq_u64("every create and destroy succeeded", n, got);
    report("domain_create_destroy", got, 1);
}

static int mode_core(const struct mica_start_info *si)
{
    struct mica_sysctl op;

    sysctl_init(&op);
    if (mica_sysctl(MICA_SYSCTL_physinfo, &op) == 0)
        gprintf("BENCH tsc_khz %lu\n", op.u.physinfo.tsc_khz);
    bench_rdtsc(iters("n", 2000));
    bench_null(iters("n", 2000));
    bench_cpuid(iters("n", 2000));
    bench_evtchn_self(iters("n", 2000));
    bench_grants(si, iters("n", 2000));
    if (si->domid == 0)
        bench_domains(iters("ndom", 50));
    else
        gprintf("BENCH domain_create_destroy none (not privileged)\n");
    return 0;
}

/* ---- ping / pong ------------------------------------------------------------ */

#define PONG_PORT  1

/* Spin (interrupts on) until *ctr passes base; false after ~10 s of TSC at 1 GHz+. */
static bool spin_until(volatile uint32_t *ctr, uint32_t base)
{
    for (uint64_t spin = 0; *ctr == base; spin++)
        if (spin > 4000000000ull)
            return false;
    return true;
}

static int mode_pong(uint16_t peer, unsigned int total)
{
    int64_t port = ev_alloc_unbound(peer);
    unsigned int got = 0;

    if (!check_eq_i64("alloc_unbound for the peer is port 1", PONG_PORT, port))
        return 1;
    while (got < total && spin_until(&ev_hits[PONG_PORT], got)) {
        got++;
        ev_send(PONG_PORT);
    }
    check_eq_u64("every ping answered", total, got);
    return 0;
}

static int mode_ping(uint16_t peer, unsigned int n, unsigned int warm)
{
    uint64_t end = ev_system_time() + 10000 * MS;
    int64_t port;
    unsigned int i, got = 0;

    check(ev_bind_virq(MICA_VIRQ_TIMER) > 0, "bind_virq TIMER", "failed");
    do {
        port = bind_interdomain(peer, PONG_PORT);
        if (port == -MICA_ENOENT || port == -MICA_EACCES)
            ev_wait(&ev_hits[0], 1, ev_system_time() + MS);   /* a 1 ms nap */
    } while ((port == -MICA_ENOENT || port == -MICA_EACCES) && ev_system_time() < end);
    if (!check(port > 0, "bind_interdomain to the peer's port 1", "got %ld", port))
        return 1;
    for (i = 0; i < (warm + n) / batch; i++) {
        uint64_t t0 = rdtsc();
        unsigned int k;

        for (k = 0; k < batch; k++) {
            uint32_t base = ev_hits[port];

            ev_send((uint32_t)port);
            if (!spin_until(&ev_hits[port], base))
                break;
        }
        if (k < batch)
            break;
        if (i >= warm / batch)
            samples[got++] = (rdtsc() - t0) / batch;
    }
    check_eq_u64("every ping came back", (warm + n) / batch - warm / batch, got);
    report("evtchn_roundtrip_cross_pcpu", got, 1);
    report("evtchn_send_upcall_cross_pcpu", got, 2);
    return 0;
}

int guest_main(const struct mica_start_info *si)
{
    char mode[8] = "core";
    uint16_t peer = (uint16_t)cmdline_u64("peer", MICA_DOMID_SELF);
    unsigned int n = iters("n", 2000), warm = 100;

    cmdline_get("mode", mode, sizeof(mode));
    batch = iters("batch", 50);
    if (batch > n)
        batch = n;
    irq_enable();
    check_eq_i64("event channel set-up", 0, ev_setup());
    if (!strcmp(mode, "core"))
        return mode_core(si);
    if (peer == MICA_DOMID_SELF) {
        check(false, "arguments", "mode=ping and mode=pong need peer=N");
        return 1;
    }
    if (!strcmp(mode, "pong"))
        return mode_pong(peer, (n + warm) / batch * batch);
    if (!strcmp(mode, "ping"))
        return mode_ping(peer, n, warm);
    check(false, "arguments", "mode=core, ping or pong");
    return 1;
}
