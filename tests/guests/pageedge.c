/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pageedge: an exit whose instruction ends just before a page the guest
 * has not mapped (hypervisor/arch/x86/vcpu.c, vcpu_fetch_insn).
 *
 * Without next-RIP saving the hypervisor reads the instruction at RIP to
 * skip it. Here `66 0f a2` (CPUID with an operand-size prefix) and a jump
 * back sit in the last 8 bytes of a page whose successor is not present in
 * the guest's page tables: a 15-byte read fails and only the 8 bytes up
 * to the end of the page can be read. The CPUID must be emulated and
 * skipped (3 bytes), and the guest go on. The hypervisor once read 2 bytes
 * there and matched the opcode against whatever its stack held after them,
 * killing the guest ("cannot decode") unless that happened to be a2.
 * (Its failed 15-byte read had in fact copied the bytes up to the end of
 * the page into that buffer, so this case worked by luck; it stays as a
 * regression test.)
 *
 * mode=stale makes the read past what was fetched matter: `66 66` end one
 * page and `0f a2` start the next, whose PTE the guest clears after loading
 * it into the TLB, without INVLPG. The CPU runs the CPUID from the TLB; the
 * hypervisor's walk cannot read the second page, so it has 2 bytes. Just
 * before, a CPUID with 4 prefixes filled the hypervisor's buffer with
 * `66 66 66 66 0f a2`: matching against those leftovers skipped 6 bytes,
 * 2 past the instruction. The one right outcome is the documented one for
 * an instruction that cannot be read: the domain is killed ("cannot decode
 * the instruction"), which tests/system/areas/svm.sh expects.
 *
 * mode=strio: string I/O (INS/OUTS, emulated by the hypervisor, vio.c)
 * meets the guest's page tables as the CPU's own access would: a REP INSB
 * running into a not-present page gets #PF (CR2 the page, error code W,
 * RCX/RDI counting the elements done) and, the page mapped by the handler,
 * resumes and finishes, the accessed and dirty bits set; an OUTSB from a
 * not-present page gets #PF with error code 0; an INSW across into it gets
 * #PF there with neither byte written (an access is checked whole); from
 * CPL 3 (IOPL 3) a REP INSB into a user page works and one into a
 * supervisor page gets #PF with P|W|U and no element done; with CR4.SMAP
 * (where CPUID offers it) a kernel REP INSB into a user page gets #PF with
 * P|W, and runs with RFLAGS.AC set.
 */
#include "guest.h"
#include "cpu.h"

const char guest_builtin_name[] = "pageedge";

#define REGION     0x400000ull                 /* a 2 MiB page of its RAM, split into 4 KiB */
#define PTE_P      1ull
#define PTE_RW     2ull
#define PTE_PS     0x80ull
#define PTE_US     4ull
#define PTE_A      0x20ull
#define PTE_D      0x40ull
#define ADDR_MASK  0x000ffffffffff000ull

/* edge_run(target, &ebx): jump to target with EAX = ECX = 0; it comes back through R8. */
void edge_run(uint64_t target, uint32_t *ebx);
asm(".text\n"
    ".globl edge_run\n"
    "edge_run:\n"
    "    push %rbx\n"
    "    lea 1f(%rip), %r8\n"
    "    xor %eax, %eax\n"
    "    xor %ecx, %ecx\n"
    "    jmp *%rdi\n"
    "1:  mov %ebx, (%rsi)\n"
    "    pop %rbx\n"
    "    ret\n");

/*
 * stale_run(target, pte, page2): the mode=stale sequence, no exit between
 * the prefixed CPUID and the jump. 1: back at the instruction's end; 2:
 * back 2 bytes past it (the length came from stale bytes).
 */
int stale_run(uint64_t target, uint64_t *pte, uint64_t page2);
asm(".text\n"
    ".globl stale_run\n"
    "stale_run:\n"
    "    push %rbx\n"
    "    mov %rdx, %r10\n"
    "    lea 1f(%rip), %r8\n"
    "    lea 2f(%rip), %r9\n"
    "    xor %eax, %eax\n"
    "    xor %ecx, %ecx\n"
    "    .byte 0x66, 0x66, 0x66, 0x66, 0x0f, 0xa2\n"   /* the buffer: 66 66 66 66 0f a2 */
    "    mov (%r10), %al\n"                           /* page 2 in the TLB */
    "    movq $0, (%rsi)\n"                            /* and gone from the page tables */
    "    xor %eax, %eax\n"
    "    xor %ecx, %ecx\n"
    "    jmp *%rdi\n"
    "1:  mov $1, %eax\n"
    "    jmp 3f\n"
    "2:  mov $2, %eax\n"
    "3:  pop %rbx\n"
    "    ret\n");

static uint64_t pt[512] __aligned(PAGE_SIZE);

/* The 2 MiB at REGION as 4 KiB pages, all but the second one present unless keep. */
static uint64_t *split_region(bool keep)
{
    uint64_t *pml4 = (uint64_t *)(read_cr3() & ADDR_MASK);
    uint64_t *pdpt = (uint64_t *)(pml4[0] & ADDR_MASK);
    uint64_t *pd = (uint64_t *)(pdpt[0] & ADDR_MASK);
    uint64_t *pde = &pd[REGION >> 21];

    for (uint64_t i = 0; i < 512; i++)
        pt[i] = i == 1 && !keep ? 0 : (REGION + i * PAGE_SIZE) | PTE_P | PTE_RW;
    check((*pde & PTE_PS) && (*pde & ADDR_MASK) == REGION, "the builder maps 4 MiB as one 2 MiB page",
          "pde %#lx", (unsigned long)*pde);
    *pde = (uint64_t)pt | PTE_P | PTE_RW;
    write_cr3(read_cr3());
    return pde;
}

static int mode_stale(void)
{
    static const uint8_t code[] = {
        0x66, 0x66,                          /* the end of the first page */
        0x0f, 0xa2,                          /* cpuid: the start of the second */
        0xeb, 0x02,                          /* jmp +2: the right length lands here */
        0x41, 0xff, 0xe1,                    /* jmp *%r9: 2 bytes too far lands here */
        0x41, 0xff, 0xe0,                    /* jmp *%r8 */
    };
    uint64_t at = REGION + PAGE_SIZE - 2;
    int back;

    memcpy((void *)at, code, sizeof(code));
    split_region(true);
    gprintf("# %s: a CPUID across a page boundary, the second page unmapped but in the TLB\n",
            guest_name());
    back = stale_run(at, &pt[1], REGION + PAGE_SIZE);
    check(false, "the hypervisor cannot read the CPUID: the domain should have been killed",
          "it came back %s", back == 1 ? "at the instruction's end" : "2 bytes past the instruction");
    return 1;
}

/* ---- mode=strio ---------------------------------------------------------- */

#define EMPTY_PORT   0x80                /* reads all-ones, writes dropped */
#define PF_VECTOR    14
#define UD_VECTOR    6
#define PFEC_P       1u
#define PFEC_W       2u
#define PFEC_U       4u
#define USER_DS      (0x18 | 3)
#define USER_CS      (0x20 | 3)
#define TSS_SEL      0x28
#define TSS_TYPE64   0x89ull             /* present, 64-bit TSS, available */
#define TSS_SIZE     104
#define RFLAGS_IOPL3 0x3002ull           /* IOPL 3, the fixed bit; IF 0 */

/* What the #PF hook saw, and whether it maps the page and resumes. */
static struct {
    unsigned int count;
    uint64_t cr2, err, rcx, rdi, rsi, cs;
    uint64_t *map_pte, map_val;          /* set: write map_val there and resume */
} pf;

static inline uint64_t read_cr2(void)
{
    uint64_t v;

    asm volatile ("mov %%cr2, %0" : "=r" (v));
    return v;
}

static bool pf_hook(struct exc_frame *f)
{
    pf.count++;
    pf.cr2 = read_cr2();
    pf.err = f->error_code;
    pf.rcx = f->rcx;
    pf.rdi = f->rdi;
    pf.rsi = f->rsi;
    pf.cs = f->cs;
    if (!pf.map_pte)
        return false;                    /* catch_exception takes it */
    *pf.map_pte = pf.map_val;
    asm volatile ("invlpg (%0)" :: "r" (pf.cr2) : "memory");
    pf.map_pte = NULL;
    return true;
}

/* rep insb at CPL 0: RCX left after it. */
static uint64_t insb_k(uint8_t *dst, uint64_t n)
{
    asm volatile ("cld; rep insb" : "+D"(dst), "+c"(n) : "d"(EMPTY_PORT) : "memory");
    return n;
}

struct outsb_arg {
    const uint8_t *src;
};

static void outsb_k(void *arg)
{
    const uint8_t *src = ((struct outsb_arg *)arg)->src;
    uint64_t n = 1;

    asm volatile ("cld; rep outsb" : "+S"(src), "+c"(n) : "d"(EMPTY_PORT) : "memory");
}

/*
 * user_insb(dst, n, stack_top): REP INSB of n bytes to dst at CPL 3, then
 * ud2: it comes back through catch_exception, with #UD when the REP ran.
 */
void user_insb(uint64_t dst, uint64_t n, uint64_t stack_top);
asm(".text\n"
    ".globl user_insb\n"
    "user_insb:\n"
    "    mov %rsi, %rcx\n"
    "    mov %rdx, %rax\n"
    "    mov $0x80, %edx\n"
    "    pushq $0x1b\n"                   /* USER_DS */
    "    pushq %rax\n"
    "    pushq $0x3002\n"                 /* RFLAGS_IOPL3 */
    "    pushq $0x23\n"                   /* USER_CS */
    "    lea user_insb_cpl3(%rip), %rax\n"
    "    pushq %rax\n"
    "    iretq\n"
    ".globl user_insb_cpl3\n"
    "user_insb_cpl3:\n"
    "    cld\n"
    "    rep insb\n"
    "    ud2\n");
extern char user_insb_cpl3[];

static uint8_t user_stack[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t kernel_stack[2 * PAGE_SIZE] __aligned(16);
static uint8_t tss[TSS_SIZE] __aligned(16);
static uint64_t gdt[7] __aligned(16) = {
    0, 0x00af9b000000ffffull, 0x00cf93000000ffffull,    /* as head.S: 0x08 code, 0x10 data */
    0x00cff3000000ffffull, 0x00affb000000ffffull,        /* 0x18 user data, 0x20 user code */
};

/* The GDT with user segments and a TSS (RSP0 for traps from CPL 3, no I/O bitmap). */
static void user_mode_init(void)
{
    struct { uint16_t limit; uint64_t base; } __packed gdtr = { sizeof(gdt) - 1, (uint64_t)gdt };
    uint64_t base = (uint64_t)tss, rsp0 = (uint64_t)kernel_stack + sizeof(kernel_stack);
    uint16_t iomap = TSS_SIZE, sel = TSS_SEL;

    memcpy(tss + 4, &rsp0, sizeof(rsp0));
    memcpy(tss + 102, &iomap, sizeof(iomap));
    gdt[5] = (TSS_SIZE - 1) | ((base & 0xffffff) << 16) | (TSS_TYPE64 << 40) |
             ((base >> 24) & 0xff) << 56;
    gdt[6] = base >> 32;
    asm volatile ("lgdt %0" :: "m" (gdtr) : "memory");
    asm volatile ("ltr %0" :: "r" (sel) : "memory");
}

struct user_arg {
    uint64_t dst, n;
};

static void user_run(void *arg)
{
    struct user_arg *a = arg;

    user_insb(a->dst, a->n, (uint64_t)user_stack + sizeof(user_stack));
}

/* CPL 0: REP INSB from page 0's last 8 bytes into page 1, not present; the hook maps it. */
static void strio_kernel_insb(uint8_t *page0)
{
    uint8_t *dst = page0 + PAGE_SIZE - 8;
    uint64_t left, page1 = (uint64_t)page0 + PAGE_SIZE;
    bool all = true;

    pt[0] &= ~(PTE_A | PTE_D);
    write_cr3(read_cr3());
    pf = (typeof(pf)){ .map_pte = &pt[1], .map_val = page1 | PTE_P | PTE_RW };
    left = insb_k(dst, 24);
    check_eq_u64("kernel REP INSB into a not-present page: one #PF", 1, pf.count);
    check_eq_u64("its CR2 is the first byte of the page", page1, pf.cr2);
    check_eq_u64("its error code is W (not present, supervisor)", PFEC_W, pf.err);
    check_eq_u64("RCX counts the 8 elements done", 16, pf.rcx);
    check_eq_u64("RDI points at the faulting element", page1, pf.rdi);
    check((pt[0] & (PTE_A | PTE_D)) == (PTE_A | PTE_D), "the page written has its A and D bits set",
          "pte %#lx", (unsigned long)pt[0]);
    check_eq_u64("the REP resumed and finished (RCX 0)", 0, left);
    for (int i = 0; i < 24; i++)
        all = all && dst[i] == 0xff;
    check(all, "all 24 bytes read from the port", "-");
}

/* CPL 0: OUTSB from a not-present page: #PF, error code 0. */
static void strio_kernel_outsb(uint8_t *page0)
{
    struct outsb_arg a = { page0 + PAGE_SIZE + 16 };
    int vec;

    pt[1] = 0;
    write_cr3(read_cr3());
    pf = (typeof(pf)){ 0 };
    vec = catch_exception(outsb_k, &a);
    check_eq_u64("kernel OUTSB from a not-present page: #PF", PF_VECTOR, (uint64_t)vec);
    check_eq_u64("its CR2", (uint64_t)a.src, pf.cr2);
    check_eq_u64("its error code is 0 (read, not present, supervisor)", 0, pf.err);
    check_eq_u64("RSI unchanged", (uint64_t)a.src, pf.rsi);
}

/* rep insw of 1 element under catch_exception. */
static void insw_caught(void *arg)
{
    uint8_t *dst = arg;
    uint64_t n = 1;

    asm volatile ("cld; rep insw" : "+D"(dst), "+c"(n) : "d"(EMPTY_PORT) : "memory");
}

/* CPL 0: an INSW across into the not-present page: #PF there, and neither byte written. */
static void strio_kernel_split(uint8_t *page0)
{
    uint8_t *dst = page0 + PAGE_SIZE - 1;
    int vec;

    *dst = 0x5a;
    pf = (typeof(pf)){ 0 };
    vec = catch_exception(insw_caught, dst);
    check_eq_u64("kernel INSW across into a not-present page: #PF", PF_VECTOR, (uint64_t)vec);
    check_eq_u64("its CR2 is the first byte of that page", (uint64_t)dst + 1, pf.cr2);
    check_eq_u64("its error code is W", PFEC_W, pf.err);
    check_eq_u64("RCX: the element not done", 1, pf.rcx);
    check_eq_u64("its byte in the present page not written", 0x5a, *dst);
}

static uint64_t pt_low[512] __aligned(PAGE_SIZE);

/*
 * User pages: the CPL 3 code's and its stack's (the first 2 MiB split into
 * 4 KiB pages, the rest supervisor, so SMAP leaves the kernel's own data
 * alone) and the whole region; user bits on the tables above them.
 */
static void user_pages(uint64_t *pde)
{
    uint64_t *pml4 = (uint64_t *)(read_cr3() & ADDR_MASK);
    uint64_t *pdpt = (uint64_t *)(pml4[0] & ADDR_MASK);
    uint64_t *pd = (uint64_t *)(pdpt[0] & ADDR_MASK);
    uint64_t code = (uint64_t)user_insb_cpl3, stack = (uint64_t)user_stack;

    for (uint64_t i = 0; i < 512; i++)
        pt_low[i] = (i * PAGE_SIZE) | PTE_P | PTE_RW;
    pt_low[code >> 12] |= PTE_US;
    pt_low[(code + 16) >> 12] |= PTE_US;
    pt_low[stack >> 12] |= PTE_US;
    pml4[0] |= PTE_US;
    pdpt[0] |= PTE_US;
    pd[0] = (uint64_t)pt_low | PTE_P | PTE_RW | PTE_US;
    *pde |= PTE_US;
    for (int i = 0; i < 512; i++)
        pt[i] |= PTE_US;
    write_cr3(read_cr3());
}

#define CPUID7_EBX_SMAP  (1u << 20)
#define X86_CR4_SMAP     (1ul << 21)

static inline void write_cr4(uint64_t v)
{
    asm volatile ("mov %0, %%cr4" :: "r" (v) : "memory");
}

/* rep insb with RFLAGS.AC set: SMAP lets it at a user page. */
static uint64_t insb_ac(uint8_t *dst, uint64_t n)
{
    asm volatile ("stac; cld; rep insb; clac" : "+D"(dst), "+c"(n) : "d"(EMPTY_PORT) : "memory");
    return n;
}

struct insb_arg {
    uint8_t *dst;
    uint64_t n;
};

static void insb_caught(void *arg)
{
    struct insb_arg *a = arg;

    insb_k(a->dst, a->n);
}

/* CR4.SMAP (where the CPU has it): a kernel REP INSB into a user page faults unless RFLAGS.AC. */
static void strio_smap(uint8_t *page0)
{
    struct insb_arg a = { page0 + 128, 3 };
    uint64_t left;
    int vec;

    if (!(cpuid(7, 0).ebx & CPUID7_EBX_SMAP)) {
        gprintf("# %s: no SMAP in CPUID 7: its checks skipped\n", guest_name());
        return;
    }
    memset(a.dst, 0, 3);
    write_cr4(read_cr4() | X86_CR4_SMAP);
    pf = (typeof(pf)){ 0 };
    vec = catch_exception(insb_caught, &a);
    left = insb_ac(a.dst, 3);
    write_cr4(read_cr4() & ~X86_CR4_SMAP);
    check_eq_u64("SMAP: kernel REP INSB into a user page: #PF", PF_VECTOR, (uint64_t)vec);
    check_eq_u64("its error code is P|W (supervisor)", PFEC_P | PFEC_W, pf.err);
    check_eq_u64("its CR2", (uint64_t)a.dst, pf.cr2);
    check_eq_u64("SMAP with RFLAGS.AC set: the REP runs", 0, left);
    check(a.dst[0] == 0xff && a.dst[2] == 0xff, "SMAP with RFLAGS.AC: 3 bytes written",
          "%#x %#x", a.dst[0], a.dst[2]);
}

/* CPL 3 (IOPL 3): into a user page it works; into a supervisor page #PF with P|W|U. */
static void strio_user(uint64_t *pde, uint8_t *page0)
{
    struct user_arg a = { (uint64_t)page0 + 64, 4 };
    uint64_t page2 = (uint64_t)page0 + 2 * PAGE_SIZE;
    int vec;

    user_mode_init();
    pt[1] = ((uint64_t)page0 + PAGE_SIZE) | PTE_P | PTE_RW;
    user_pages(pde);
    memset(page0 + 64, 0, 4);
    pf = (typeof(pf)){ 0 };
    vec = catch_exception(user_run, &a);
    check_eq_u64("CPL 3 REP INSB into a user page runs (then its ud2)", UD_VECTOR, (uint64_t)vec);
    check(page0[64] == 0xff && page0[67] == 0xff, "CPL 3 REP INSB wrote its 4 bytes",
          "%#x %#x", page0[64], page0[67]);
    memset((void *)(page2 + 32), 0, 5);
    pt[2] &= ~PTE_US;
    write_cr3(read_cr3());
    a = (struct user_arg){ page2 + 32, 5 };
    vec = catch_exception(user_run, &a);
    check_eq_u64("CPL 3 REP INSB into a supervisor page: #PF", PF_VECTOR, (uint64_t)vec);
    check_eq_u64("raised at CPL 3", 3, pf.cs & 3);
    check_eq_u64("its CR2", page2 + 32, pf.cr2);
    check_eq_u64("its error code is P|W|U", PFEC_P | PFEC_W | PFEC_U, pf.err);
    check_eq_u64("RCX: no element done", 5, pf.rcx);
    check_eq_u64("RDI unchanged", page2 + 32, pf.rdi);
    check(((uint8_t *)page2)[32] == 0, "nothing written to the supervisor page", "-");
    strio_smap(page0);
}

static int mode_strio(void)
{
    uint8_t *page0 = (uint8_t *)REGION;
    uint64_t *pde;

    memset(page0 + PAGE_SIZE - 8, 0, 24);   /* page 1 too, while mapped */
    exc_set_hook(PF_VECTOR, pf_hook);
    pde = split_region(false);
    strio_kernel_insb(page0);
    strio_kernel_outsb(page0);
    strio_kernel_split(page0);
    strio_user(pde, page0);
    exc_set_hook(PF_VECTOR, NULL);
    return 0;
}

int guest_main(const struct mica_start_info *si)
{
    static const uint8_t code[] = {
        0x66, 0x0f, 0xa2,                    /* cpuid, with a prefix it ignores */
        0x41, 0xff, 0xe0,                    /* jmp *%r8 */
        0xcc, 0xcc,
    };
    uint8_t *at = (uint8_t *)(REGION + PAGE_SIZE - sizeof(code));
    uint32_t ebx = 0;
    uint64_t *pde;
    char mode[8] = "";

    if (!check(si->nr_pages * PAGE_SIZE >= REGION + 0x200000 && guest_image_end() <= REGION,
               "RAM covers the region, the image below it", "need mem=8M"))
        return 1;
    cmdline_get("mode", mode, sizeof(mode));
    if (!strcmp(mode, "stale"))
        return mode_stale();
    if (!strcmp(mode, "strio"))
        return mode_strio();
    memcpy(at, code, sizeof(code));
    pde = split_region(false);
    edge_run((uint64_t)at, &ebx);
    check_eq_u64("a CPUID in the last 8 bytes before an unmapped page is emulated and skipped",
                 cpuid(0, 0).ebx, ebx);
    *pde = REGION | PTE_P | PTE_RW | PTE_PS;
    write_cr3(read_cr3());
    return 0;
}
