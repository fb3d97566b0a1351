/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hostile_erratum: a guest that makes an exit look like QEMU's lost-state
 * SVM erratum (hypervisor/arch/x86/svm_erratum.c), which the hypervisor
 * once told apart from a real exit by RIP, CR3 and CS alone.
 *
 * Boot it "privileged" (it reads the hypervisor's log for the root of the
 * hypervisor's page tables, "paging: ... root table at ADDR") with
 * rip=ADDR, the address of svm_vmrun_return in mica.elf (nm). It moves one
 * frame of its RAM to the guest-physical address equal to that root, copies
 * its own PML4 there, and at guest-linear svm_vmrun_return - 3 (its own
 * RAM: the hypervisor's addresses are low) runs
 *
 *     mov %rax, %cr3     (RAX = the hypervisor's CR3 value)
 *     cpuid              (at the hypervisor's RIP, CR3 and CS 0x08: an exit)
 *     mov %r12, %cr3     (its own CR3 back)
 *     jmp *back
 *
 * entered straight after a hypercall with no GPR but RAX changed. Handled
 * as its own CPUID exit, it comes back and passes; taken for the erratum,
 * it was rolled back to the hypercall's return and ran the same again for
 * ever (with its GPRs changed it would have been killed instead).
 */
#include "guest.h"
#include "cpu.h"
#include "ctl.h"

const char guest_builtin_name[] = "hostile_erratum";

#define STR_(x)  #x
#define STR(x)   STR_(x)

/* forge_run(target, cr3): the sequence above, from a hypercall's return. */
void forge_run(uint64_t target, uint64_t cr3);
extern const char forge_back[];
extern volatile uint64_t forge_rbx;

asm(".text\n"
    ".globl forge_run\n"
    "forge_run:\n"
    "    push %rbx\n    push %rbp\n    push %r12\n    push %r13\n    push %r14\n    push %r15\n"
    "    mov %cr3, %r12\n"
    "    mov %rdi, %r13\n"
    "    mov %rsi, %r14\n"
    "    mov $" STR(MICA_HC_version) ", %eax\n"
    "    mov $" STR(MICA_VERSION_get) ", %edi\n"
    "    xor %esi, %esi\n"
    "    xor %ecx, %ecx\n"              /* CPUID's subleaf (hypercalls keep RCX) */
    "    vmmcall\n"
    "    mov %r14, %rax\n"               /* only RAX changes from here to the exit */
    "    jmp *%r13\n"
    ".globl forge_back\n"
    "forge_back:\n"
    "    mov %rbx, forge_rbx(%rip)\n"
    "    pop %r15\n    pop %r14\n    pop %r13\n    pop %r12\n    pop %rbp\n    pop %rbx\n"
    "    ret\n");

volatile uint64_t forge_rbx = 0x5a5a5a5a5a5a5a5aull;
static char logbuf[16384];

static int64_t readlog(char *buf, uint32_t len)
{
    struct mica_sysctl op;

    sysctl_init(&op);
    op.u.read = (struct mica_sysctl_read){ .offset = 0, .buf = (uint64_t)buf, .len = len };
    return mica_sysctl(MICA_SYSCTL_readlog, &op);
}

/* The hex number after key in buf[0..n), or 0. */
static uint64_t hex_after(const char *buf, size_t n, const char *key)
{
    size_t k = strlen(key);
    uint64_t v = 0;

    for (size_t i = 0; i + k < n; i++) {
        if (memcmp(buf + i, key, k))
            continue;
        for (const char *p = buf + i + k; p < buf + n; p++) {
            unsigned int d = *p >= '0' && *p <= '9' ? (unsigned int)(*p - '0') :
                             *p >= 'a' && *p <= 'f' ? (unsigned int)(*p - 'a' + 10) : 16;
            if (d == 16)
                break;
            v = v * 16 + d;
        }
        return v;
    }
    return 0;
}

/* Its code at rip - 3, in its own RAM; back is where the jump lands. */
static void plant(uint8_t *at, uint64_t back)
{
    static const uint8_t code[] = {
        0x0f, 0x22, 0xd8,                    /* mov %rax, %cr3 */
        0x0f, 0xa2,                          /* cpuid */
        0x41, 0x0f, 0x22, 0xdc,              /* mov %r12, %cr3 */
        0xff, 0x25, 0, 0, 0, 0,              /* jmp *0(%rip) */
    };

    memcpy(at, code, sizeof(code));
    memcpy(at + sizeof(code), &back, sizeof(back));
}

int guest_main(const struct mica_start_info *si)
{
    uint64_t rip = cmdline_u64("rip", 0), cr3, last = si->nr_pages - 1;
    struct cpuid_regs r;
    int64_t n = readlog(logbuf, sizeof(logbuf));

    cr3 = n > 0 ? hex_after(logbuf, (size_t)n, "root table at 0x") : 0;
    gprintf("# %s: the hypervisor's RIP after VMRUN %#lx, CR3 %#lx\n", guest_name(),
            (unsigned long)rip, (unsigned long)cr3);
    if (!check(rip && cr3 && !(cr3 & 0xfff), "rip= given, CR3 found in the log",
               "rip %#lx cr3 %#lx", (unsigned long)rip, (unsigned long)cr3))
        return 1;
    if (!check(rip - 3 >= guest_image_end() && rip + 32 <= last * PAGE_SIZE &&
               (cr3 >> PAGE_SHIFT) >= si->nr_pages && cr3 < 0xc0000000ull,
               "rip in its free RAM, CR3 above it and in its page tables' reach",
               "rip %#lx cr3 %#lx ram %#lx", (unsigned long)rip, (unsigned long)cr3,
               (unsigned long)(si->nr_pages * PAGE_SIZE)))
        return 1;
    check_eq_i64("its last frame given back", 1,
                 memop_range(MICA_MEMOP_decrease_reservation, MICA_DOMID_SELF, last, 1));
    check_eq_i64("a frame at the hypervisor's CR3", 1,
                 memop_range(MICA_MEMOP_populate_physmap, MICA_DOMID_SELF, cr3 >> PAGE_SHIFT, 1));
    memcpy((void *)cr3, (const void *)(read_cr3() & ~0xfffull), PAGE_SIZE);
    plant((uint8_t *)(rip - 3), (uint64_t)forge_back);
    forge_run(rip - 3, cr3);
    r = cpuid((uint32_t)cr3, 0);
    check(true, "a CPUID at the hypervisor's RIP, CR3 and CS came back as its own exit", "%s", "");
    check_eq_u64("it gave the EBX of the same leaf run anywhere", r.ebx, forge_rbx);
    check_eq_u64("its own CR3 back", MICA_START_PT_GPA, read_cr3() & ~0xfffull);
    return 0;
}
