/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Loading Linux into a domain's RAM (asm/linux_load.h): the part of the
 * boot that dom0's builder in the hypervisor and libmicactl's builder for
 * domUs share. Pure: guest RAM is reached only through ops->write.
 */
#include <asm/linux_load.h>
#include <mica/errno.h>
#include <mica/lib.h>

/* Flat boot GDT: null, unused, __BOOT_CS (64-bit code), __BOOT_DS (data). */
static const uint64_t boot_gdt[LINUX_BOOT_GDT_ENTRIES] = {
    0, 0, 0x00af9a000000ffffull, 0x00cf92000000ffffull,
};

/*
 * The reset vector's "firmware": Linux on a hardware-reduced ACPI machine
 * without EFI ends a reboot by jumping to F000:FFF0 in real mode, where a
 * BIOS would reset the machine. Mica's does exactly that, through the
 * reset register:   mov dx, 0xcf9 / mov al, 6 / out dx, al / hlt
 */
static const uint8_t reset_stub[] = {
    0xba, VPLAT_RESET_PORT & 0xff, VPLAT_RESET_PORT >> 8,
    0xb0, VPLAT_RESET_VALUE, 0xee, 0xf4,
};

/* PML4 -> PDPT -> four PDs of 2 MiB pages, in that order from base. */
void boot_identity_map(uint64_t pt[BOOT_PT_PAGES * PT_ENTRIES], uint64_t base)
{
    uint64_t pdpt = base + PAGE_SIZE, pd0 = base + 2 * PAGE_SIZE;
    uint64_t *pdpt_e = pt + PT_ENTRIES, *pd_e = pt + 2 * PT_ENTRIES;

    memset(pt, 0, BOOT_PT_PAGES * PAGE_SIZE);
    pt[0] = pdpt | _PAGE_PRESENT | _PAGE_RW;
    for (uint64_t i = 0; i < 4; i++)
        pdpt_e[i] = (pd0 + i * PAGE_SIZE) | _PAGE_PRESENT | _PAGE_RW;
    for (uint64_t i = 0; i < 4 * PT_ENTRIES; i++)
        pd_e[i] = (i << L2_SHIFT) | _PAGE_PRESENT | _PAGE_RW | _PAGE_PSE;
}

static int fail(const char **why, const char *reason, int rc)
{
    *why = reason;
    return rc;
}

int linux_load_prepare(const struct linux_load *in, struct linux_image *img,
                       struct linux_layout *l, const char **why,
                       enum linux_load_what *what)
{
    int rc;

    *what = LINUX_LOAD_KERNEL;
    rc = linux_image_parse(in->kernel, in->kernel_size, img, why);
    if (rc)
        return rc;
    *what = LINUX_LOAD_CMDLINE;
    if (strnlen(in->cmdline, LINUX_CMDLINE_SPACE) >
        MIN(img->cmdline_size, LINUX_CMDLINE_SPACE - 1))
        return fail(why, "the command line is longer than the kernel accepts", -EINVAL);
    *what = LINUX_LOAD_VCPUS;
    if (in->acpi.nr_vcpus == 0 || in->acpi.nr_vcpus > ACPI_BUILD_MAX_VCPUS)
        return fail(why, "no vCPU, or more than the ACPI tables can describe (254)", -EINVAL);
    *what = LINUX_LOAD_MEMORY;
    rc = linux_plan(img, in->ram_bytes, in->initrd ? in->initrd_size : 0, l, why);
    if (rc)
        return rc;
    l->cmdline_len = (uint32_t)strnlen(in->cmdline, LINUX_CMDLINE_SPACE);
    return 0;
}

/* The low-memory pieces, built in s, then written. */
static int write_low(const struct linux_load_ops *ops, const struct linux_load *in,
                     const struct linux_image *img, struct linux_layout *l,
                     struct linux_load_scratch *s, const char **why)
{
    long n = acpi_build(&in->acpi, s->acpi, sizeof(s->acpi), VPLAT_ACPI_GPA, &l->rsdp_gpa);
    int rc;

    if (n < 0)
        return fail(why, "cannot build the ACPI tables", (int)n);
    rc = ops->write(ops->opaque, VPLAT_ACPI_GPA, s->acpi, (size_t)n);
    if (!rc && linux_boot_params(img, l, s->zero_page))
        return fail(why, "cannot fill the zero page", -EINVAL);
    if (!rc)
        rc = ops->write(ops->opaque, VPLAT_ZERO_PAGE_GPA, s->zero_page, sizeof(s->zero_page));
    if (!rc)
        rc = ops->write(ops->opaque, VPLAT_BOOT_GDT_GPA, boot_gdt, sizeof(boot_gdt));
    if (!rc)
        rc = ops->write(ops->opaque, VPLAT_RESET_VECTOR_GPA, reset_stub, sizeof(reset_stub));
    if (!rc) {
        boot_identity_map(s->page_tables, VPLAT_BOOT_PT_GPA);
        rc = ops->write(ops->opaque, VPLAT_BOOT_PT_GPA, s->page_tables, sizeof(s->page_tables));
    }
    return rc ? fail(why, "cannot write the boot structures to guest RAM", rc) : 0;
}

int linux_load_write(const struct linux_load_ops *ops, const struct linux_load *in,
                     const struct linux_image *img, struct linux_layout *l,
                     struct linux_load_scratch *s, struct linux_entry *entry,
                     const char **why)
{
    int rc = ops->write(ops->opaque, l->kernel_gpa, img->payload, img->payload_size);

    if (rc)
        return fail(why, "cannot write the kernel to guest RAM", rc);
    if (in->initrd && l->initrd_size) {
        rc = ops->write(ops->opaque, l->initrd_gpa, in->initrd, l->initrd_size);
        if (rc)
            return fail(why, "cannot write the initrd to guest RAM", rc);
    }
    rc = ops->write(ops->opaque, l->cmdline_gpa, in->cmdline, l->cmdline_len);
    if (!rc)
        rc = ops->write(ops->opaque, l->cmdline_gpa + l->cmdline_len, "", 1);
    if (rc)
        return fail(why, "cannot write the command line to guest RAM", rc);
    rc = write_low(ops, in, img, l, s, why);
    if (rc)
        return rc;
    *entry = (struct linux_entry){
        .rip = l->kernel_gpa + LINUX_ENTRY_64, .rsi = VPLAT_ZERO_PAGE_GPA,
        .cr3 = VPLAT_BOOT_PT_GPA, .gdt_base = VPLAT_BOOT_GDT_GPA,
        .gdt_limit = LINUX_BOOT_GDT_ENTRIES * 8 - 1,
        .cs = LINUX_BOOT_CS, .ds = LINUX_BOOT_DS,
    };
    return 0;
}
