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
 */
#include "guest.h"
#include "cpu.h"

const char guest_builtin_name[] = "pageedge";

#define REGION     0x400000ull                 /* a 2 MiB page of its RAM, split into 4 KiB */
#define PTE_P      1ull
#define PTE_RW     2ull
#define PTE_PS     0x80ull
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
    memcpy(at, code, sizeof(code));
    pde = split_region(false);
    edge_run((uint64_t)at, &ebx);
    check_eq_u64("a CPUID in the last 8 bytes before an unmapped page is emulated and skipped",
                 cpuid(0, 0).ebx, ebx);
    *pde = REGION | PTE_P | PTE_RW | PTE_PS;
    write_cr3(read_cr3());
    return 0;
}
