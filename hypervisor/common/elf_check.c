/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Validating a kernel image before a byte of it is loaded: the image comes
 * from outside (a boot module today, a dom0 tool later), so every offset
 * and size is checked against the file and against the domain's RAM.
 */
#include <mica/domain_build.h>
#include <mica/elf.h>
#include <mica/lib.h>
#include <mica/errno.h>
#include <public/start_info.h>

static bool range_ok(uint64_t off, uint64_t len, uint64_t limit)
{
    return off <= limit && len <= limit - off;
}

static int check_header(const Elf64_Ehdr *eh, size_t size, const char **why)
{
    if (size < sizeof(*eh) || memcmp(eh->e_ident, "\177ELF", 4)) {
        *why = "not an ELF file";
        return -EINVAL;
    }
    if (eh->e_ident[4] != ELFCLASS64 || eh->e_ident[5] != ELFDATA2LSB ||
        eh->e_machine != EM_X86_64 || eh->e_type != ET_EXEC) {
        *why = "not an ELF64 x86-64 executable";
        return -EINVAL;
    }
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
        !range_ok(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), size)) {
        *why = "program headers missing or outside the file";
        return -EINVAL;
    }
    return 0;
}

static int check_segment(const Elf64_Phdr *ph, size_t size, uint64_t ram, const char **why)
{
    if (!range_ok(ph->p_offset, ph->p_filesz, size) || ph->p_filesz > ph->p_memsz) {
        *why = "a segment's data lies outside the file";
        return -EINVAL;
    }
    if (ph->p_paddr < MICA_START_LOW_END || !range_ok(ph->p_paddr, ph->p_memsz, ram)) {
        *why = "a segment does not fit in the domain's RAM above 64 KiB";
        return -EINVAL;
    }
    return 0;
}

int elf_check(const void *image, size_t size, uint64_t ram, const char **why)
{
    const Elf64_Ehdr *eh = image;
    const Elf64_Phdr *ph;
    bool entry_ok = false;
    int rc = check_header(eh, size, why);

    if (rc)
        return rc;
    ph = (const Elf64_Phdr *)((const uint8_t *)image + eh->e_phoff);
    for (unsigned int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        rc = check_segment(&ph[i], size, ram, why);
        if (rc)
            return rc;
        if (eh->e_entry >= ph[i].p_paddr && eh->e_entry - ph[i].p_paddr < ph[i].p_memsz)
            entry_ok = true;
    }
    if (!entry_ok) {
        *why = "the entry point is in no loadable segment";
        return -EINVAL;
    }
    return 0;
}
