/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The domain builder for directly booted test kernels: load the ELF image,
 * then lay out what public/start_info.h promises — start info, a flat GDT
 * and page tables identity-mapping the low 4 GiB — and start vCPU 0 in
 * 64-bit mode at the entry point.
 */
#include <mica/domain_build.h>
#include <mica/domain.h>
#include <mica/elf.h>
#include <mica/lib.h>
#include <mica/errno.h>
#include <public/start_info.h>
#include <asm/page.h>
#include <asm/linux_load.h>


static int load_segments(struct domain *d, const void *image)
{
    const Elf64_Ehdr *eh = image;
    const Elf64_Phdr *ph = (const Elf64_Phdr *)((const uint8_t *)image + eh->e_phoff);

    for (unsigned int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        if (copy_to_gpa(d, ph[i].p_paddr, (const uint8_t *)image + ph[i].p_offset,
                        ph[i].p_filesz) ||
            zero_gpa(d, ph[i].p_paddr + ph[i].p_filesz, ph[i].p_memsz - ph[i].p_filesz))
            return -EINVAL;
    }
    return 0;
}

/* Built by the same code as Linux domains' page tables (asm/linux_load.h). Boot-time only. */
int domain_write_identity_map(struct domain *d, gpa_t base)
{
    static uint64_t pt[BOOT_PT_PAGES * PT_ENTRIES];

    boot_identity_map(pt, base);
    return copy_to_gpa(d, base, pt, sizeof(pt));
}

static int write_start_info(struct domain *d, const char *cmdline)
{
    static const uint64_t gdt[3] = { 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull };
    struct mica_start_info si;

    memset(&si, 0, sizeof(si));
    si.magic = MICA_START_MAGIC;
    si.domid = d->id;
    si.vcpu_id = 0;
    si.nr_pages = d->nr_pages;
    strlcpy(si.cmdline, cmdline ? cmdline : "", sizeof(si.cmdline));
    if (copy_to_gpa(d, MICA_START_INFO_GPA, &si, sizeof(si)) ||
        copy_to_gpa(d, MICA_START_GDT_GPA, gdt, sizeof(gdt)))
        return -EINVAL;
    return domain_write_identity_map(d, MICA_START_PT_GPA);
}

int domain_build_elf(struct domain *d, const void *image, size_t size,
                     const char *cmdline)
{
    const Elf64_Ehdr *eh = image;
    const char *why;
    struct vcpu_entry64 entry = {
        .rdi = MICA_START_INFO_GPA, .cr3 = MICA_START_PT_GPA,
        .gdt_base = MICA_START_GDT_GPA, .gdt_limit = 3 * 8 - 1,
        .cs = 0x08, .ds = 0x10,
    };

    if (d->nr_pages * PAGE_SIZE < MICA_START_LOW_END ||
        elf_check(image, size, d->nr_pages * PAGE_SIZE, &why) ||
        load_segments(d, image) || write_start_info(d, cmdline))
        return -EINVAL;
    entry.rip = eh->e_entry;
    arch_vcpu_set_entry64(d->vcpu[0], &entry);
    return 0;
}
