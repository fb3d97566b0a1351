/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/common/elf_check.c: elf_check() must accept a
 * well-formed ELF64 x86-64 executable whose PT_LOAD segments lie in the file
 * and in [64 KiB, RAM), with the entry inside one of them, and refuse
 * everything else with -EINVAL and a reason in *why.
 *
 * Each case is the valid image below with up to three fields overwritten.
 * The image is copied so that it ends right before an inaccessible page:
 * a read past the end of the file crashes the test instead of passing.
 */
#include <sys/mman.h>

#include <mica/domain_build.h>
#include <mica/elf.h>
#include <mica/errno.h>
#include <public/start_info.h>

#include "check.h"
#include "shim.h"

#define IMG_SIZE  0x3000ul
#define RAM       0x1000000ull      /* 16 MiB */
#define PT_NOTE   4
#define ET_REL    1
#define ET_DYN    3
#define EM_386    3

struct img {
    Elf64_Ehdr eh;
    Elf64_Phdr ph[3];
    uint8_t data[IMG_SIZE - sizeof(Elf64_Ehdr) - 3 * sizeof(Elf64_Phdr)];
};
BUILD_BUG_ON(sizeof(struct img) != IMG_SIZE);

/*
 * Two PT_LOADs: [0x1000, 0x1800) of the file at 0x100000 (memsz 0x1000) and
 * [0x2000, 0x3000), the end of the file, at 0x200000 (memsz 0x3000). ph[2] is
 * a PT_NOTE with wild fields, outside e_phnum unless a case raises it.
 */
static void build(struct img *im)
{
    *im = (struct img){
        .eh = {
            .e_ident = { 0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, 1 },
            .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = 1,
            .e_entry = 0x100010, .e_phoff = offsetof(struct img, ph),
            .e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
            .e_phnum = 2,
        },
        .ph = {
            { .p_type = PT_LOAD, .p_offset = 0x1000, .p_paddr = 0x100000,
              .p_filesz = 0x800, .p_memsz = 0x1000 },
            { .p_type = PT_LOAD, .p_offset = 0x2000, .p_paddr = 0x200000,
              .p_filesz = 0x1000, .p_memsz = 0x3000 },
            { .p_type = PT_NOTE, .p_offset = ~0ull, .p_paddr = 0,
              .p_filesz = ~0ull, .p_memsz = ~0ull },
        },
    };
}

struct set {
    uint16_t off, width;        /* width 0: unused */
    uint64_t val;
};
#define F(field, v)  { offsetof(struct img, field), sizeof(((struct img *)0)->field), (v) }

struct elf_case {
    const char *name;
    struct set set[3];
    size_t size;                /* 0: IMG_SIZE */
    uint64_t ram;               /* 0: RAM */
    const char *why;            /* NULL: must be accepted; else a word of the reason */
};

#define OK(n, ...)      { .name = (n), .set = { __VA_ARGS__ } }
#define BAD(n, w, ...)  { .name = (n), .why = (w), .set = { __VA_ARGS__ } }

static const struct elf_case cases[] = {
    /* Accepted. */
    OK("valid exec, two PT_LOADs"),
    OK("valid exec, one PT_LOAD", F(eh.e_phnum, 1)),
    OK("entry at the last byte of the first segment", F(eh.e_entry, 0x100fff)),
    OK("entry in the second segment's bss", F(eh.e_entry, 0x202fff)),
    OK("non-LOAD header with wild fields is ignored", F(eh.e_phnum, 3)),
    OK("segment exactly at 64 KiB", F(ph[0].p_paddr, MICA_START_LOW_END),
       F(eh.e_entry, MICA_START_LOW_END)),
    { .name = "segment ending exactly at the top of RAM", .ram = 0x203000 },
    OK("bss-only segment (filesz 0)", F(ph[0].p_filesz, 0)),
    OK("filesz == memsz", F(ph[0].p_filesz, 0x1000)),

    /* Header. */
    { .name = "image shorter than the ELF header", .size = sizeof(Elf64_Ehdr) - 1,
      .why = "not an ELF" },
    BAD("wrong magic byte 0", "not an ELF", F(eh.e_ident[0], 0x7e)),
    BAD("wrong magic byte 3", "not an ELF", F(eh.e_ident[3], 'G')),
    BAD("32-bit class", "ELF64", F(eh.e_ident[4], 1)),
    BAD("big-endian", "ELF64", F(eh.e_ident[5], 2)),
    BAD("wrong machine (i386)", "x86-64", F(eh.e_machine, EM_386)),
    BAD("ET_DYN", "executable", F(eh.e_type, ET_DYN)),
    BAD("ET_REL", "executable", F(eh.e_type, ET_REL)),
    BAD("phentsize 32", "program headers", F(eh.e_phentsize, 32)),
    BAD("phentsize 64", "program headers", F(eh.e_phentsize, 64)),
    BAD("phnum 0", "program headers", F(eh.e_phnum, 0)),
    BAD("phnum 0xffff", "program headers", F(eh.e_phnum, 0xffff)),
    BAD("phoff ~0", "program headers", F(eh.e_phoff, ~0ull)),
    BAD("phoff + phnum * phentsize overflows", "program headers", F(eh.e_phoff, ~0ull - 8)),
    BAD("phoff at the end of the file", "program headers", F(eh.e_phoff, IMG_SIZE)),
    BAD("second phdr past the end of the file", "program headers",
        F(eh.e_phoff, IMG_SIZE - sizeof(Elf64_Phdr))),

    /* Segment data in the file. */
    BAD("offset + filesz one past the file", "segment's data", F(ph[1].p_filesz, 0x1001)),
    BAD("offset past the file", "segment's data", F(ph[0].p_offset, IMG_SIZE + 1),
        F(ph[0].p_filesz, 0)),
    BAD("offset + filesz overflows", "segment's data", F(ph[0].p_offset, ~0ull - 0x10)),
    BAD("filesz ~0", "segment's data", F(ph[0].p_filesz, ~0ull), F(ph[0].p_memsz, ~0ull)),
    BAD("filesz > memsz", "segment's data", F(ph[0].p_filesz, 0x1001)),
    BAD("second segment bad, first fine", "segment's data", F(ph[1].p_offset, IMG_SIZE)),
    BAD("wild non-LOAD header turned PT_LOAD", "segment's data", F(eh.e_phnum, 3),
        F(ph[2].p_type, PT_LOAD)),

    /* Segment placement in RAM. */
    BAD("paddr 0", "RAM", F(ph[0].p_paddr, 0), F(eh.e_entry, 0x10)),
    BAD("paddr one page below 64 KiB", "RAM", F(ph[0].p_paddr, MICA_START_LOW_END - 0x1000),
        F(eh.e_entry, MICA_START_LOW_END - 0x1000)),
    BAD("paddr one byte below 64 KiB", "RAM", F(ph[0].p_paddr, MICA_START_LOW_END - 1),
        F(eh.e_entry, MICA_START_LOW_END)),
    { .name = "paddr + memsz one past RAM", .ram = 0x202fff, .why = "RAM" },
    BAD("paddr at the end of RAM", "RAM", F(ph[0].p_paddr, RAM), F(eh.e_entry, RAM)),
    BAD("paddr + memsz overflows", "RAM", F(ph[1].p_memsz, 0ull - 0x200000)),
    BAD("paddr near 2^64", "RAM", F(ph[0].p_paddr, ~0ull - 0xfff), F(eh.e_entry, ~0ull - 0xfff)),

    /* Entry point. */
    BAD("entry below every segment", "entry", F(eh.e_entry, 0x50000)),
    BAD("entry one past the first segment", "entry", F(eh.e_entry, 0x101000)),
    BAD("entry one past the second segment", "entry", F(eh.e_entry, 0x203000)),
    BAD("entry 0", "entry", F(eh.e_entry, 0)),
    BAD("entry in the second segment with phnum 1", "entry", F(eh.e_entry, 0x200000),
        F(eh.e_phnum, 1)),
    BAD("entry only in a non-LOAD segment", "entry", F(eh.e_phnum, 3),
        F(ph[2].p_memsz, 0x1000), F(eh.e_entry, 0x10)),
};

static uint8_t *guarded;        /* IMG_SIZE bytes, followed by a PROT_NONE page */

static void setup_guard(void)
{
    uint8_t *m = mmap(NULL, IMG_SIZE + PAGE_SIZE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (m == MAP_FAILED || mprotect(m + IMG_SIZE, PAGE_SIZE, PROT_NONE))
        shim_fatal("cannot map the guarded image buffer");
    guarded = m;
}

/* Build the case's image, flush against the guard page; returns its start. */
static const void *place(const struct elf_case *c, size_t size)
{
    static struct img im;
    const uint8_t *src = (const uint8_t *)&im;
    uint8_t *dst;

    build(&im);
    for (size_t i = 0; i < ARRAY_SIZE(c->set); i++)
        for (unsigned int b = 0; b < c->set[i].width; b++)
            ((uint8_t *)&im)[c->set[i].off + b] = (uint8_t)(c->set[i].val >> (8 * b));
    dst = guarded + IMG_SIZE - ALIGN_UP(size, 8);
    for (size_t i = 0; i < size; i++)
        dst[i] = src[i];
    return dst;
}

static void run_case(const struct elf_case *c)
{
    size_t size = c->size ? c->size : IMG_SIZE;
    const char *why = NULL;
    int rc = elf_check(place(c, size), size, c->ram ? c->ram : RAM, &why);

    if (!c->why) {
        CHECK_EQ_S(rc, 0, "%s: accepted", c->name);
        return;
    }
    CHECK_EQ_S(rc, -EINVAL, "%s: -EINVAL", c->name);
    if (CHECK(why != NULL, "%s: why set", c->name))
        CHECK_CONTAINS(why, c->why, "%s: why names the problem", c->name);
}

static void test_empty(void)
{
    const char *why = NULL;

    CHECK_EQ_S(elf_check(guarded + IMG_SIZE, 0, RAM, &why), -EINVAL, "empty image: -EINVAL");
    CHECK(why != NULL, "empty image: why set");
}

int main(void)
{
    check_area("elf_check");
    setup_guard();
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        run_case(&cases[i]);
    test_empty();
    return check_done();
}
