/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading a Linux bzImage and its initramfs into a domain's RAM through the
 * 64-bit boot protocol: ONE source for the hypervisor's dom0 builder
 * (dom0_build.c) and libmicactl's domain builder (libctl/src/build.c),
 * which compiles this file, linux_boot.c and acpi_build.c unchanged. The
 * two differ only in how bytes reach guest RAM (ops->write: copy_to_gpa in
 * the hypervisor, foreign mappings in libctl) and in the ACPI
 * configuration they pass (dom0 gets the machine's PM timer; a domU none).
 *
 *   1. linux_load_prepare(): check the image and the command line, plan the
 *      layout (mica/linux_boot.h). Touches no guest memory, so a builder can
 *      refuse a bad kernel before it creates anything.
 *   2. linux_load_write(): the kernel, initrd, command line, ACPI tables,
 *      zero page, boot GDT, reset-vector stub and identity page tables, all
 *      through ops->write; *entry is vCPU 0's 64-bit entry state.
 *
 * Guest-physical layout (asm/vplatform.h): GDT 0x6000, zero page 0x7000,
 * page tables 0x9000 (6 pages), command line 0x20000, ACPI 0xe0000, reset
 * stub 0xffff0, the kernel at its preferred address, the initrd high.
 */
#ifndef ASM_LINUX_LOAD_H
#define ASM_LINUX_LOAD_H

#include <mica/types.h>
#include <mica/linux_boot.h>
#include <asm/acpi_build.h>
#include <asm/page.h>
#include <asm/vplatform.h>

#define LINUX_BOOT_CS           0x10        /* Linux's __BOOT_CS: 64-bit code */
#define LINUX_BOOT_DS           0x18        /* Linux's __BOOT_DS: data */
#define LINUX_BOOT_GDT_ENTRIES  4
#define BOOT_PT_PAGES           6           /* PML4, PDPT, 4 PDs: the low 4 GiB */

struct linux_load_ops {
    /* Copy len bytes to guest-physical gpa: 0 or -errno. */
    int (*write)(void *opaque, uint64_t gpa, const void *src, size_t len);
    void *opaque;
};

struct linux_load {
    const void *kernel;         /* the bzImage */
    size_t kernel_size;
    const void *initrd;         /* NULL for none */
    uint64_t initrd_size;
    const char *cmdline;        /* NUL-terminated */
    uint64_t ram_bytes;         /* guest RAM [0, ram_bytes) */
    struct acpi_build_config acpi;
};

/* What the loader builds before writing: static in the hypervisor, malloc'd in libctl. */
struct linux_load_scratch {
    uint8_t acpi[VPLAT_ACPI_MAX];
    uint8_t zero_page[LINUX_ZERO_PAGE_SIZE];
    uint64_t page_tables[BOOT_PT_PAGES * PT_ENTRIES];
};

/* vCPU 0 at startup_64: long mode, paging on, RSI = the zero page. */
struct linux_entry {
    uint64_t rip, rsi, cr3, gdt_base;
    uint16_t gdt_limit, cs, ds;
};

/* Which piece a failed step was about, for messages that name the config element. */
enum linux_load_what {
    LINUX_LOAD_KERNEL, LINUX_LOAD_INITRD, LINUX_LOAD_CMDLINE, LINUX_LOAD_MEMORY,
    LINUX_LOAD_VCPUS, LINUX_LOAD_GUEST,
};

/*
 * Check in->kernel and in->cmdline and plan the layout: fills *img and *l.
 * Returns 0, or -EINVAL/-ENOMEM with *why (and *what) saying what is wrong.
 */
int linux_load_prepare(const struct linux_load *in, struct linux_image *img,
                       struct linux_layout *l, const char **why,
                       enum linux_load_what *what);

/*
 * Write everything into guest RAM through ops (after a successful
 * prepare) and fill *entry. Returns 0, or the first failure (-errno from
 * ops->write or the ACPI builder) with *why.
 */
int linux_load_write(const struct linux_load_ops *ops, const struct linux_load *in,
                     const struct linux_image *img, struct linux_layout *l,
                     struct linux_load_scratch *s, struct linux_entry *entry,
                     const char **why);

/* Page tables identity-mapping the low 4 GiB with 2 MiB pages, for placing at base. */
void boot_identity_map(uint64_t pt[BOOT_PT_PAGES * PT_ENTRIES], uint64_t base);

#endif
