/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * selftest: the hypercall ABI (results, bad pointers, unknown numbers,
 * register preservation), the entry state, CPUID, the SVM instructions a
 * guest must not reach, and the guest's own RAM.
 */
#include "guest.h"
#include "cpu.h"
#include "regs.h"

const char guest_builtin_name[] = "selftest";

/* Mapped by the builder's page tables but not guest RAM (RAM <= 3 GiB). */
#define UNBACKED_GVA    0xc0000000ull
#define NONCANONICAL    0x8000000000000000ull
#define IDENTITY_END    0x100000000ull
#define ABI_VERSION     (((uint64_t)MICA_ABI_MAJOR << 16) | MICA_ABI_MINOR)
/* Domain ids stop below the hypervisor's special owners (mica/mm.h). */
#define DOMID_MAX       0x7fefu
#define BAD_MSR         0xdeadbeefu
#define TSC_SAMPLES     1000

static uint64_t bss_probe[512];
static char big_buf[MICA_CONSOLE_WRITE_MAX + 1];

static void test_bss_zeroed(void)
{
    unsigned int i;

    for (i = 0; i < ARRAY_SIZE(bss_probe); i++)
        if (bss_probe[i])
            break;
    check(i == ARRAY_SIZE(bss_probe), ".bss zeroed by the loader",
          "word %u is 0x%lx", i, bss_probe[i % ARRAY_SIZE(bss_probe)]);
}

static void test_start_info(const struct mica_start_info *si)
{
    const struct mica_start_info *c = guest_si();
    uint64_t ram = guest_ram_end();

    check_eq_u64("start_info at MICA_START_INFO_GPA", MICA_START_INFO_GPA,
                 (uint64_t)si);
    check_eq_u64("start_info magic", MICA_START_MAGIC, c->magic);
    check(c->domid <= DOMID_MAX, "start_info domid", "domid %u", c->domid);
    check_eq_u64("start_info vcpu_id", 0, c->vcpu_id);
    check(ram > guest_image_end() && ram <= UNBACKED_GVA,
          "start_info nr_pages", "RAM end 0x%lx, image end 0x%lx",
          ram, guest_image_end());
    check(strnlen(si->cmdline, sizeof(si->cmdline)) < sizeof(si->cmdline),
          "start_info cmdline NUL-terminated", "no NUL in %zu bytes",
          sizeof(si->cmdline));
}

static void test_entry_segments(void)
{
    const struct entry_state *e = &entry_state;

    check_eq_u64("entry CS", 0x08, e->cs);
    check(e->ds == 0x10 && e->es == 0x10 && e->ss == 0x10, "entry DS/ES/SS",
          "ds 0x%x es 0x%x ss 0x%x", e->ds, e->es, e->ss);
    check_eq_u64("entry RSP", 0, e->rsp);
    check(!(e->rflags & X86_EFLAGS_IF), "entry IF clear", "rflags 0x%lx",
          e->rflags);
}

static void test_entry_paging(void)
{
    uint64_t cr0 = read_cr0(), cr3 = read_cr3(), cr4 = read_cr4(), efer = 0;
    uint64_t lm = EFER_LME | EFER_LMA;
    int vec;

    check((cr0 & (X86_CR0_PE | X86_CR0_PG)) == (X86_CR0_PE | X86_CR0_PG),
          "entry CR0.PE and CR0.PG", "cr0 0x%lx", cr0);
    check(cr4 & X86_CR4_PAE, "entry CR4.PAE", "cr4 0x%lx", cr4);
    check_eq_u64("entry CR3 at MICA_START_PT_GPA", MICA_START_PT_GPA,
                 cr3 & 0x000ffffffffff000ull);
    vec = rdmsr_safe(MSR_EFER, &efer);
    check(vec < 0 && (efer & lm) == lm, "entry EFER.LME and EFER.LMA",
          "vector %d, efer 0x%lx", vec, efer);
}

static void test_version_info(void)
{
    const uint64_t need = MICA_FEAT_CONSOLE_IO | MICA_FEAT_SCHED_OP;
    struct mica_version_info vi;
    int64_t rc;

    memset(&vi, 0xff, sizeof(vi));
    rc = mica_version(MICA_VERSION_info, (uint64_t)&vi);
    check_eq_i64("version info returns 0", 0, rc);
    check(vi.major == MICA_ABI_MAJOR && vi.minor == MICA_ABI_MINOR,
          "version info major.minor", "got %u.%u", vi.major, vi.minor);
    check((vi.features & need) == need, "version info features",
          "features 0x%lx lack 0x%lx", vi.features, need);
    check(strnlen(vi.extra, sizeof(vi.extra)) < sizeof(vi.extra) &&
          !strncmp(vi.extra, "mica", 4), "version info extra",
          "extra \"%.32s\"", vi.extra);
}

static void test_version(void)
{
    uint64_t ram = guest_ram_end();
    uint64_t last = ram - sizeof(struct mica_version_info);
    int64_t rc;

    check_eq_i64("version get", ABI_VERSION,
                 mica_version(MICA_VERSION_get, 0));
    test_version_info();
    check_eq_i64("version info out non-canonical", -MICA_EFAULT,
                 mica_version(MICA_VERSION_info, NONCANONICAL));
    check_eq_i64("version info out at 3 GiB (no RAM)", -MICA_EFAULT,
                 mica_version(MICA_VERSION_info, UNBACKED_GVA));
    check_eq_i64("version info out straddling RAM end", -MICA_EFAULT,
                 mica_version(MICA_VERSION_info, ram - 8));
    rc = mica_version(MICA_VERSION_info, last);
    check(rc == 0 && ((struct mica_version_info *)last)->minor ==
          MICA_ABI_MINOR, "version info out in the last bytes of RAM",
          "rc %ld", rc);
    check_eq_i64("version unknown cmd 99", -MICA_ENOSYS, mica_version(99, 0));
}

static void test_unknown_hypercalls(void)
{
    check_eq_i64("hypercall MICA_HC_NR", -MICA_ENOSYS, hc0(MICA_HC_NR));
    check_eq_i64("hypercall 1000", -MICA_ENOSYS, hc0(1000));
    check_eq_i64("hypercall 0xffffffffffffffff", -MICA_ENOSYS, hc0(~0ull));
}

static void test_console(void)
{
    static const char msg[] = "# selftest: console write probe\n";
    uint64_t ram = guest_ram_end();

    check_eq_i64("console write returns its length", sizeof(msg) - 1,
                 mica_console_write(msg, sizeof(msg) - 1));
    check_eq_i64("console write len 0", 0, mica_console_write(msg, 0));
    memset(big_buf, '#', sizeof(big_buf));
    big_buf[sizeof(big_buf) - 1] = '\n';
    check_eq_i64("console write len MAX+1", -MICA_EINVAL,
                 mica_console_write(big_buf, sizeof(big_buf)));
    check_eq_i64("console write buf at 3 GiB (no RAM)", -MICA_EFAULT,
                 mica_console_write((const char *)UNBACKED_GVA, 16));
    check_eq_i64("console write buf non-canonical", -MICA_EFAULT,
                 mica_console_write((const char *)NONCANONICAL, 16));
    check_eq_i64("console write buf straddling RAM end", -MICA_EFAULT,
                 mica_console_write((const char *)(ram - 4), 8));
    check_eq_i64("console unknown cmd", -MICA_ENOSYS,
                 hc3(MICA_HC_console_io, 5, (uint64_t)msg, 1));
}

static void test_sched(void)
{
    check_eq_i64("sched yield", 0, mica_sched_op(MICA_SCHED_yield, 0));
    check_eq_i64("sched unknown cmd 77", -MICA_ENOSYS, mica_sched_op(77, 0));
    check_eq_i64("sched shutdown bad reason 9", -MICA_EINVAL,
                 mica_sched_op(MICA_SCHED_shutdown, 9));
}

static void regs_case(const char *what, uint64_t salt, uint64_t nr,
                      uint64_t a1, uint64_t a2, int64_t want)
{
    const uint64_t args[5] = {
        a1, a2, 0x3333333333333333ull, 0x4444444444444444ull,
        0x5555555555555555ull,
    };
    uint64_t in[REG_NR];
    char why[96] = "";
    int64_t rc;
    bool same;

    regs_fill(in, salt, nr, args);
    same = regs_preserved(in, &rc, why, sizeof(why));
    check(same && rc == want, what, "rc %ld (want %ld) %s", rc, want, why);
}

static void test_regs(void)
{
    regs_case("registers preserved: version get", 1, MICA_HC_version,
              MICA_VERSION_get, 0x2222222222222222ull, ABI_VERSION);
    regs_case("registers preserved: version info fault", 2, MICA_HC_version,
              MICA_VERSION_info, NONCANONICAL, -MICA_EFAULT);
    regs_case("registers preserved: unknown hypercall", 3, 1000,
              0x1111111111111111ull, 0x2222222222222222ull, -MICA_ENOSYS);
    regs_case("registers preserved: sched yield", 4, MICA_HC_sched_op,
              MICA_SCHED_yield, 0, 0);
}

static void test_cpuid(void)
{
    struct cpuid_regs r = cpuid(MICA_CPUID_BASE, 0);
    char sig[13];

    memcpy(sig, &r.ebx, 4);
    memcpy(sig + 4, &r.ecx, 4);
    memcpy(sig + 8, &r.edx, 4);
    sig[12] = '\0';
    check(!strcmp(sig, "MicaMicaMica") && r.ebx == MICA_CPUID_SIG_EBX &&
          r.ecx == MICA_CPUID_SIG_ECX && r.edx == MICA_CPUID_SIG_EDX,
          "cpuid 0x40000000 signature", "ebx 0x%x ecx 0x%x edx 0x%x",
          r.ebx, r.ecx, r.edx);
    check(r.eax >= MICA_CPUID_BASE, "cpuid 0x40000000 max leaf",
          "eax 0x%x", r.eax);
    r = cpuid(1, 0);
    check(r.ecx & (1u << 31), "cpuid 1 hypervisor bit set", "ecx 0x%x",
          r.ecx);
    r = cpuid(0x80000001, 0);
    check(!(r.ecx & (1u << 2)), "cpuid 0x80000001 SVM bit clear",
          "ecx 0x%x", r.ecx);
}

/*
 * String I/O on an empty port (a test kernel's ports read all-ones and drop
 * writes): emulated, with RCX, RSI/RDI and DF as the CPU would use them.
 * The long REP is more than the hypervisor's batch an exit (1024).
 */
#define STRIO_PORT  0x80
#define STRIO_LONG  3000u
static uint8_t strio_buf[STRIO_LONG + 16];

static void test_string_io(void)
{
    uint8_t *p = strio_buf;
    const uint16_t *w = (const uint16_t *)(void *)strio_buf;
    uint64_t n = STRIO_LONG;
    unsigned int ones = 0;

    memset(strio_buf, 0, sizeof(strio_buf));
    asm volatile ("cld; rep insb" : "+D"(p), "+c"(n) : "d"(STRIO_PORT) : "memory");
    for (unsigned int i = 0; i < STRIO_LONG; i++)
        ones += strio_buf[i] == 0xff;
    check(ones == STRIO_LONG && strio_buf[STRIO_LONG] == 0 && n == 0 &&
          p == strio_buf + STRIO_LONG, "rep insb: 3000 bytes of an empty port read 0xff",
          "%u bytes 0xff, the next %#x, rcx %lu, rdi moved %ld", ones, strio_buf[STRIO_LONG],
          (unsigned long)n, (long)(p - strio_buf));
    n = 8;
    asm volatile ("cld; rep outsw" : "+S"(w), "+c"(n) : "d"(STRIO_PORT) : "memory");
    check(n == 0 && (const uint8_t *)w == strio_buf + 16, "rep outsw: 8 words written",
          "rcx %lu, rsi moved %ld", (unsigned long)n, (long)((const uint8_t *)w - strio_buf));
    memset(strio_buf, 0, 12);
    p = strio_buf + 4;
    asm volatile ("std; insl; cld" : "+D"(p) : "d"(STRIO_PORT) : "memory");
    check(p == strio_buf && *(uint32_t *)(void *)(strio_buf + 4) == 0xffffffffu &&
          strio_buf[3] == 0 && strio_buf[8] == 0, "insl with DF=1: one dword, rdi down by 4",
          "rdi moved %ld, dword %#x", (long)(p - strio_buf - 4),
          *(uint32_t *)(void *)(strio_buf + 4));
}

static void do_vmrun(void *arg)
{
    asm volatile ("vmrun" :: "a" (arg) : "memory");
}

static void do_vmload(void *arg)
{
    asm volatile ("vmload" :: "a" (arg) : "memory");
}

static void do_vmsave(void *arg)
{
    asm volatile ("vmsave" :: "a" (arg) : "memory");
}

static void do_stgi(void *arg)
{
    (void)arg;
    asm volatile ("stgi" ::: "memory");
}

static void do_clgi(void *arg)
{
    (void)arg;
    asm volatile ("clgi" ::: "memory");
}

static void do_skinit(void *arg)
{
    asm volatile ("skinit" :: "a" (arg) : "memory");
}

static void do_invlpga(void *arg)
{
    asm volatile ("invlpga" :: "a" (arg), "c" (0) : "memory");
}

static const struct {
    const char *what;
    void (*fn)(void *);
} svm_insns[] = {
    { "VMRUN raises #UD", do_vmrun },
    { "VMLOAD raises #UD", do_vmload },
    { "VMSAVE raises #UD", do_vmsave },
    { "STGI raises #UD", do_stgi },
    { "CLGI raises #UD", do_clgi },
    { "SKINIT raises #UD", do_skinit },
    { "INVLPGA raises #UD", do_invlpga },
};

static void test_exceptions(void)
{
    uint64_t val = 0;
    unsigned int i;
    int vec;

    vec = rdmsr_safe(BAD_MSR, &val);
    check(vec == X86_VEC_GP, "rdmsr 0xdeadbeef raises #GP",
          "vector %d (-1: none), value 0x%lx", vec, val);
    for (i = 0; i < ARRAY_SIZE(svm_insns); i++) {
        vec = catch_exception(svm_insns[i].fn, NULL);
        check(vec == X86_VEC_UD, svm_insns[i].what, "vector %d (-1: none)",
              vec);
    }
}

static void test_tsc(void)
{
    uint64_t first = rdtsc(), prev = first, t = first;
    unsigned int i, backwards = 0;

    for (i = 0; i < TSC_SAMPLES; i++) {
        t = rdtsc();
        if (t < prev)
            backwards++;
        prev = t;
    }
    check(t > first && !backwards, "rdtsc increases",
          "first 0x%lx last 0x%lx, %u steps backwards", first, t, backwards);
}

static uint64_t ram_pattern(uint64_t addr)
{
    return (addr * 0x9e3779b97f4a7c15ull) ^ 0x5a5a5a5a5a5a5a5aull;
}

static void test_ram(void)
{
    uint64_t start = guest_image_end();
    uint64_t end = MIN(guest_ram_end(), IDENTITY_END);
    uint64_t a, bad = 0, first = 0, got = 0;

    for (a = start; a < end; a += 8)
        *(volatile uint64_t *)a = ram_pattern(a);
    for (a = start; a < end; a += 8) {
        uint64_t v = *(volatile uint64_t *)a;

        if (v == ram_pattern(a))
            continue;
        if (!bad++) {
            first = a;
            got = v;
        }
    }
    check(end > start && !bad, "RAM pattern from image end to RAM end",
          "range 0x%lx-0x%lx, %lu bad words, first at 0x%lx: 0x%lx",
          start, end, bad, first, got);
}

int guest_main(const struct mica_start_info *si)
{
    test_bss_zeroed();
    test_start_info(si);
    test_entry_segments();
    test_entry_paging();
    test_version();
    test_unknown_hypercalls();
    test_console();
    test_sched();
    test_regs();
    test_cpuid();
    test_string_io();
    test_exceptions();
    test_tsc();
    test_ram();
    return 0;
}
