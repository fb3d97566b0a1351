/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xenbench: the Xen side of bench/core.sh. A tiny PVH kernel that Xen 4.17
 * boots as its dom0 (head.S enters long mode), making through Xen's own
 * hypercalls the calls tests/guests/bench.c makes under Mica, timed the
 * same way, and printing the same BENCH lines on Xen's console:
 *
 *     BENCH <name> median <c> p10 <c> p90 <c> n <N>
 *
 * The numbers and layouts below are Xen's public ABI (xen/include/public/:
 * xen.h, event_channel.h, grant_table.h, memory.h, hvm/hvm_op.h,
 * hvm/params.h), written out here for the few calls this kernel makes.
 * Hypercalls go through VMMCALL, Xen's 64-bit HVM convention: RAX the
 * number, arguments in RDI, RSI, RDX, R10, R8.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

/* Hypercall numbers. */
#define HC_memory_op        12
#define HC_xen_version      17
#define HC_console_io       18
#define HC_grant_table_op   20
#define HC_sched_op         29
#define HC_vcpu_op          24
#define HC_event_channel_op 32
#define HC_hvm_op           34

#define CONSOLEIO_write     0
#define XENVER_version      0
#define SCHEDOP_shutdown    2
#define SHUTDOWN_poweroff   0
#define XENMEM_add_to_physmap 7
#define XENMAPSPACE_shared_info 0
#define XENMAPSPACE_grant_table 1
#define HVMOP_set_param     0
#define HVM_PARAM_CALLBACK_IRQ 0
#define CALLBACK_VECTOR_TYPE (2ull << 56)
#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_send       4
#define EVTCHNOP_alloc_unbound 6
#define EVTCHNOP_bind_ipi   7
#define VCPUOP_initialise   0
#define VCPUOP_up           1
#define VCPU_HVM_MODE_64B   1
#define GNTTABOP_map_grant_ref   0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_copy       5
#define GNTMAP_host_map     (1u << 1)
#define GTF_permit_access   1
#define GNTCOPY_dest_gref   2
#define DOMID_SELF          0x7ff0

/* Where this kernel puts things in its physical address space (outside dom0's 64 MiB). */
#define GNTTAB_GFN   0x2f000ull
#define SHINFO_GFN   0x2e000ull        /* below the grant table's up to 9 frames */
#define MAP_GPA      0x30000000ull
#define VECTOR       0xf0
#define MAX_N        4096
#define PAGE_SIZE    4096

struct add_to_physmap { uint16_t domid, size; uint32_t space; uint64_t idx, gpfn; };
struct hvm_param { uint16_t domid; uint16_t pad; uint32_t index; uint64_t value; };
struct evtchn_alloc_unbound { uint16_t dom, remote_dom; uint32_t port; };
struct evtchn_bind_interdomain { uint16_t remote_dom; uint16_t pad; uint32_t remote_port, local_port; };
struct evtchn_bind_ipi { uint32_t vcpu, port; };
struct vcpu_hvm_context { uint32_t mode, pad; uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, rip,
                          rflags, cr0, cr3, cr4, efer; uint8_t rest[8]; };
struct grant_entry_v1 { uint16_t flags; uint16_t domid; uint32_t frame; };
struct gnttab_map { uint64_t host_addr; uint32_t flags, ref; uint16_t dom; int16_t status;
                    uint32_t handle; uint64_t dev_bus_addr; };
struct gnttab_unmap { uint64_t host_addr, dev_bus_addr; uint32_t handle; int16_t status; uint16_t pad; };
struct gnttab_copy_ptr { uint64_t ref_or_gfn; uint16_t domid, offset; uint32_t pad; };
struct gnttab_copy { struct gnttab_copy_ptr src, dst; uint16_t len, flags; int16_t status; uint16_t pad; };
struct vcpu_info { uint8_t upcall_pending, upcall_mask, pad[6]; uint64_t pending_sel; uint8_t rest[48]; };
struct shared_info { struct vcpu_info vcpu[32]; uint64_t pending[64], mask[64]; };

_Static_assert(sizeof(struct add_to_physmap) == 24, "layout");
_Static_assert(sizeof(struct hvm_param) == 16, "layout");
_Static_assert(sizeof(struct vcpu_hvm_context) == 128, "layout");
_Static_assert(sizeof(struct gnttab_map) == 32, "layout");
_Static_assert(sizeof(struct gnttab_unmap) == 24, "layout");
_Static_assert(sizeof(struct gnttab_copy) == 40, "layout");
_Static_assert(offsetof(struct shared_info, pending) == 2048, "layout");

void xb_main(uint32_t start_info);
void xb_upcall(void);
void xb_ap_main(void);
extern char xb_upcall_entry[], xb_ap_entry[];

static uint64_t samples[MAX_N];
/* Two data pages at 16 MiB, in dom0's RAM. */
#define DATA_GPA     0x1000000ull       /* pages[0..1] */
#define COPY_GPA     0x1002000ull       /* the copy's destination, granted as COPY_REF */
#define MAPDATA_GFN  0x1100ull          /* 17 MiB on: one frame per map, granted as REF0 + i */
#define COPY_REF     9
#define REF0         16
static uint8_t (*const pages)[PAGE_SIZE] = (void *)DATA_GPA;
static volatile uint32_t hits[64 * 64];
struct { uint16_t limit; uint64_t base; } __attribute__((packed)) xb_idtr;
static uint8_t ap_stack[16384] __attribute__((aligned(16)));
static uint64_t idt[256 * 2] __attribute__((aligned(16)));

static inline int64_t hc(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
    register uint64_t r10 asm ("r10") = 0, r8 asm ("r8") = 0;
    int64_t ret;

    asm volatile ("vmmcall" : "=a" (ret), "+D" (a1), "+S" (a2), "+d" (a3), "+r" (r10), "+r" (r8)
                  : "a" (nr) : "memory", "rcx", "r11");
    return ret;
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;

    asm volatile ("lfence; rdtsc" : "=a" (lo), "=d" (hi) :: "memory");
    return ((uint64_t)hi << 32) | lo;
}

static size_t slen(const char *s)
{
    size_t n = 0;

    while (s[n])
        n++;
    return n;
}

static void puts_(const char *s)
{
    hc(HC_console_io, CONSOLEIO_write, slen(s), (uint64_t)s);
}

static char *utoa(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;

    do
        tmp[n++] = (char)('0' + v % 10);
    while (v /= 10);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static char *cat(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

/* "BENCH name median M p10 A p90 B n N", or "BENCH name none (why)". */
static void report(const char *name, unsigned int n, unsigned int div, const char *why)
{
    char line[160], *p = cat(cat(line, "BENCH "), name);

    if (!n) {
        p = cat(cat(cat(p, " none (xenbench: "), why), ")");
    } else {
        for (unsigned int gap = n / 2; gap; gap /= 2)
            for (unsigned int i = gap; i < n; i++)
                for (unsigned int j = i; j >= gap && samples[j - gap] > samples[j]; j -= gap) {
                    uint64_t t = samples[j];
                    samples[j] = samples[j - gap];
                    samples[j - gap] = t;
                }
        p = utoa(cat(p, " median "), samples[n / 2] / div);
        p = utoa(cat(p, " p10 "), samples[n / 10] / div);
        p = utoa(cat(p, " p90 "), samples[n * 9 / 10] / div);
        p = utoa(cat(p, " n "), n);
    }
    *p++ = '\n';
    *p = 0;
    puts_(line);
}

static void fail(const char *what, int64_t rc)
{
    char line[120], *p = cat(cat(line, "xenbench: "), what);

    p = cat(p, " failed: ");
    if (rc < 0) {
        *p++ = '-';
        rc = -rc;
    }
    p = utoa(p, (uint64_t)rc);
    *p++ = '\n';
    *p = 0;
    puts_(line);
}

/*
 * Under Xen the dom0's RDTSC is emulated (Xen traps it when the TSC is not
 * "reliable", as QEMU's is not): a read costs a VM exit. So the figures
 * time a batch of `batch` operations between two reads and divide; the
 * rdtsc_overhead line shows what one read costs.
 */
static unsigned int batch = 50;

static void bench_null(unsigned int n)
{
    unsigned int s;

    for (s = 0; s < n / batch; s++) {
        uint64_t t0 = rdtsc();

        for (unsigned int i = 0; i < batch; i++)
            hc(HC_xen_version, XENVER_version, 0, 0);
        samples[s] = (rdtsc() - t0) / batch;
    }
    report("null_hypercall", s, 1, "");
}

/* What one timer read costs: two reads back to back. */
static void bench_rdtsc(unsigned int n)
{
    for (unsigned int i = 0; i < n; i++) {
        uint64_t t0 = rdtsc();

        samples[i] = rdtsc() - t0;
    }
    report("rdtsc_overhead", n, 1, "");
}

static volatile struct shared_info *const shinfo = (void *)(SHINFO_GFN << 12);

void xb_upcall(void)
{
    uint64_t sp = (uint64_t)__builtin_frame_address(0);
    bool ap = sp >= (uint64_t)ap_stack && sp < (uint64_t)ap_stack + sizeof(ap_stack);
    volatile struct vcpu_info *v = &shinfo->vcpu[ap ? 1 : 0];
    uint64_t sel;

    v->upcall_pending = 0;
    sel = __atomic_exchange_n(&v->pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned int w = (unsigned int)__builtin_ctzll(sel);
        uint64_t bits = shinfo->pending[w] & ~shinfo->mask[w];

        sel &= sel - 1;
        __atomic_fetch_and(&shinfo->pending[w], ~bits, __ATOMIC_SEQ_CST);
        while (bits) {
            hits[w * 64 + (unsigned int)__builtin_ctzll(bits)]++;
            bits &= bits - 1;
        }
    }
}

static int64_t ev_setup(void)
{
    struct add_to_physmap a = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
                                .idx = 0, .gpfn = SHINFO_GFN };
    struct hvm_param hp = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ,
                            .value = CALLBACK_VECTOR_TYPE | VECTOR };
    uint64_t h = (uint64_t)xb_upcall_entry;
    int64_t rc;

    idt[VECTOR * 2] = (h & 0xffff) | (0x08ull << 16) | (0x8eull << 40) | ((h >> 16 & 0xffff) << 48);
    idt[VECTOR * 2 + 1] = h >> 32;
    xb_idtr.limit = sizeof(idt) - 1;
    xb_idtr.base = (uint64_t)idt;
    asm volatile ("lidt %0" :: "m" (xb_idtr));
    if ((rc = hc(HC_memory_op, XENMEM_add_to_physmap, (uint64_t)&a, 0)))
        return fail("add_to_physmap shared_info", rc), rc;
    shinfo->vcpu[0].upcall_mask = 0;
    if ((rc = hc(HC_hvm_op, HVMOP_set_param, (uint64_t)&hp, 0)))
        return fail("HVMOP_set_param CALLBACK_IRQ", rc), rc;
    asm volatile ("sti; nop" ::: "memory");
    return 0;
}

static void bench_evtchn_self(unsigned int n)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
    struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
    unsigned int i, got = 0;
    int64_t rc;

    if (ev_setup())
        return report("evtchn_send_upcall_same_vcpu", 0, 1, "no upcall set-up");
    if ((rc = hc(HC_event_channel_op, EVTCHNOP_alloc_unbound, (uint64_t)&au, 0)))
        return fail("alloc_unbound", rc), report("evtchn_send_upcall_same_vcpu", 0, 1, "alloc_unbound");
    bi.remote_port = au.port;
    if ((rc = hc(HC_event_channel_op, EVTCHNOP_bind_interdomain, (uint64_t)&bi, 0)))
        return fail("bind_interdomain", rc), report("evtchn_send_upcall_same_vcpu", 0, 1, "bind");
    for (i = 0; i < n / batch; i++) {
        uint32_t port = bi.local_port;
        uint64_t t0 = rdtsc();
        unsigned int k;

        for (k = 0; k < batch; k++) {
            uint32_t base = hits[au.port];
            uint64_t spin = 0;

            hc(HC_event_channel_op, EVTCHNOP_send, (uint64_t)&port, 0);
            while (hits[au.port] == base && ++spin < 100000000)
                ;
            if (hits[au.port] == base)
                break;
        }
        if (k < batch)
            break;
        samples[got++] = (rdtsc() - t0) / batch;
    }
    n /= batch;
    if (got < n)
        fail("an event never arrived", (int64_t)got);
    report("evtchn_send_upcall_same_vcpu", got, 1, "no upcall arrived");
}

/*
 * Across pCPUs: vCPU 0 and vCPU 1 (dom0_vcpus_pin puts them on pCPUs 0 and
 * 1), each spinning with interrupts on. vCPU 0 sends on an IPI port bound
 * to vCPU 1; vCPU 1's loop sees the upcall and answers on an IPI port bound
 * to vCPU 0. A sample is a batch of round trips.
 */
static volatile uint32_t ap_port, ap_answer, ap_total, ap_ready;

void xb_ap_main(void)
{
    uint32_t seen = 0;

    shinfo->vcpu[1].upcall_mask = 0;
    ap_ready = 1;
    asm volatile ("sti; nop" ::: "memory");
    while (seen < ap_total) {
        uint64_t spin = 0;

        while (hits[ap_port] == seen && ++spin < 4000000000ull)
            ;
        if (hits[ap_port] == seen)
            break;
        seen++;
        uint32_t port = ap_answer;
        hc(HC_event_channel_op, EVTCHNOP_send, (uint64_t)&port, 0);
    }
    for (;;)
        asm volatile ("hlt");
}

static void bench_evtchn_cross(unsigned int n)
{
    struct evtchn_bind_ipi to_ap = { .vcpu = 1 }, to_bsp = { .vcpu = 0 };
    struct vcpu_hvm_context c = { .mode = VCPU_HVM_MODE_64B };
    unsigned int i, got = 0, warm = 100;
    uint64_t v;
    int64_t rc;

    if ((rc = hc(HC_event_channel_op, EVTCHNOP_bind_ipi, (uint64_t)&to_ap, 0)) ||
        (rc = hc(HC_event_channel_op, EVTCHNOP_bind_ipi, (uint64_t)&to_bsp, 0))) {
        fail("bind_ipi", rc);
        report("evtchn_roundtrip_cross_pcpu", 0, 1, "bind_ipi failed");
        return;
    }
    ap_port = to_ap.port;
    ap_answer = to_bsp.port;
    ap_total = warm + n;
    asm volatile ("mov %%cr0, %0" : "=r" (v));
    c.cr0 = v;
    asm volatile ("mov %%cr3, %0" : "=r" (v));
    c.cr3 = v;
    asm volatile ("mov %%cr4, %0" : "=r" (v));
    c.cr4 = v;
    c.efer = 0x500;                              /* LME, LMA */
    c.rip = (uint64_t)xb_ap_entry;
    c.rsp = (uint64_t)ap_stack + sizeof(ap_stack);
    c.rflags = 2;
    if ((rc = hc(HC_vcpu_op, VCPUOP_initialise, 1, (uint64_t)&c)) ||
        (rc = hc(HC_vcpu_op, VCPUOP_up, 1, 0))) {
        fail("bringing up vCPU 1", rc);
        report("evtchn_roundtrip_cross_pcpu", 0, 1, "vCPU 1 did not come up");
        return;
    }
    for (uint64_t spin = 0; !ap_ready && spin < 4000000000ull; spin++)
        ;
    for (i = 0; i < (warm + n) / batch; i++) {
        uint64_t t0 = rdtsc();
        unsigned int k;

        for (k = 0; k < batch; k++) {
            uint32_t base = hits[to_bsp.port], port = to_ap.port;
            uint64_t spin = 0;

            hc(HC_event_channel_op, EVTCHNOP_send, (uint64_t)&port, 0);
            while (hits[to_bsp.port] == base && ++spin < 4000000000ull)
                ;
            if (hits[to_bsp.port] == base)
                break;
        }
        if (k < batch) {
            fail("an answer never came, batch", (int64_t)i);
            break;
        }
        if (i >= warm / batch)
            samples[got++] = (rdtsc() - t0) / batch;
    }
    report("evtchn_roundtrip_cross_pcpu", got, 1, "no round trip");
    report("evtchn_send_upcall_cross_pcpu", got, 2, "no round trip");
}

/*
 * Xen moves a frame that a domain maps from its own grant out of its old
 * gfn (p2m_add_page drops the frame's other mapping in the same domain), so
 * a second map of the same grant finds no page (GNTST_bad_page). Each map
 * therefore takes a fresh frame of its own, granted beforehand: the figure
 * includes that removal, which a grant between two domains would not do.
 */
static void bench_grants(unsigned int n)
{
    volatile struct grant_entry_v1 *table = (void *)(GNTTAB_GFN << 12);
    unsigned int i, got = 0, nframes = (REF0 + n + 511) / 512;
    int64_t rc = 0;

    for (i = 0; i < nframes && !rc; i++) {
        struct add_to_physmap a = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
                                    .idx = i, .gpfn = GNTTAB_GFN + i };

        rc = hc(HC_memory_op, XENMEM_add_to_physmap, (uint64_t)&a, 0);
    }
    if (rc) {
        fail("add_to_physmap grant_table", rc);
        report("grant_map_unmap", 0, 1, "no grant table");
        report("grant_copy_4k", 0, 1, "no grant table");
        return;
    }
    for (i = 0; i < n; i++) {
        table[REF0 + i].domid = 0;
        table[REF0 + i].frame = (uint32_t)(MAPDATA_GFN + i);
        __atomic_store_n(&table[REF0 + i].flags, GTF_permit_access, __ATOMIC_RELEASE);
    }
    for (i = 0; i < n / batch && !rc; i++) {
        uint64_t t0 = rdtsc();

        for (unsigned int k = 0; k < batch && !rc; k++) {
            struct gnttab_map m = { .host_addr = MAP_GPA, .flags = GNTMAP_host_map,
                                    .ref = REF0 + i * batch + k, .dom = 0 };
            struct gnttab_unmap u = { .host_addr = MAP_GPA };

            rc = hc(HC_grant_table_op, GNTTABOP_map_grant_ref, (uint64_t)&m, 1);
            if (!rc && !m.status) {
                u.handle = m.handle;
                rc = hc(HC_grant_table_op, GNTTABOP_unmap_grant_ref, (uint64_t)&u, 1);
                if (!rc)
                    rc = u.status;
            } else if (!rc) {
                rc = m.status;
            }
        }
        if (rc)
            fail("map+unmap", rc);
        else
            samples[got++] = (rdtsc() - t0) / batch;
    }
    report("grant_map_unmap", got, 1, "map or unmap refused");

    table[COPY_REF].domid = 0;
    table[COPY_REF].frame = (uint32_t)(COPY_GPA >> 12);
    __atomic_store_n(&table[COPY_REF].flags, GTF_permit_access, __ATOMIC_RELEASE);
    for (i = 0; i < PAGE_SIZE; i++)
        pages[1][i] = 0x5a;
    for (i = got = 0, rc = 0; i < n / batch && !rc; i++) {
        uint64_t t0 = rdtsc();

        for (unsigned int k = 0; k < batch && !rc; k++) {
            struct gnttab_copy c = {
                .src = { .ref_or_gfn = (uint64_t)pages[1] >> 12, .domid = DOMID_SELF },
                .dst = { .ref_or_gfn = COPY_REF, .domid = 0 },
                .len = PAGE_SIZE, .flags = GNTCOPY_dest_gref,
            };

            rc = hc(HC_grant_table_op, GNTTABOP_copy, (uint64_t)&c, 1);
            if (!rc)
                rc = c.status;
        }
        if (rc)
            fail("copy", rc);
        else
            samples[got++] = (rdtsc() - t0) / batch;
    }
    if (!rc && ((volatile uint8_t *)COPY_GPA)[4095] != 0x5a)
        fail("copy: the data did not arrive", 0);
    report("grant_copy_4k", got, 1, "copy refused");
}

/* KEY=N from the command line in the start info (offset 24: cmdline_paddr), or dflt. */
static unsigned int cmdline_u(uint32_t start_info, const char *key, unsigned int dflt)
{
    const char *s0 = (const char *)*(volatile uint64_t *)((uint64_t)start_info + 24), *s;
    size_t kl = slen(key);

    for (s = s0; s && *s; s++) {
        unsigned int v = 0, j;

        if (s != s0 && s[-1] != ' ')
            continue;
        for (j = 0; j < kl && s[j] == key[j]; j++)
            ;
        if (j < kl || s[kl] != '=')
            continue;
        for (s += kl + 1; *s >= '0' && *s <= '9'; s++)
            v = v * 10 + (unsigned int)(*s - '0');
        return v ? v : dflt;
    }
    return dflt;
}

void xb_main(uint32_t start_info)
{
    unsigned int n = cmdline_u(start_info, "n", 2000);
    struct { uint32_t reason; } sd = { SHUTDOWN_poweroff };

    batch = cmdline_u(start_info, "batch", 50);
    if (n > MAX_N)
        n = MAX_N;
    if (batch > n)
        batch = n;
    puts_("xenbench: started\n");
    bench_rdtsc(n);
    bench_null(n);
    bench_evtchn_self(n);
    bench_grants(n);
    bench_evtchn_cross(n);
    puts_("xenbench: done\n");
    /* QEMU's isa-debug-exit ends the machine at once; else ask Xen. */
    asm volatile ("outb %%al, $0xf4" :: "a" (0));
    hc(HC_sched_op, SCHEDOP_shutdown, (uint64_t)&sd, 0);
}
