/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pure half of booting a Linux bzImage with the 64-bit boot protocol
 * (mica/linux_boot.h). The image comes from outside, so every field read
 * from it is checked against the file before use; fields are read a byte
 * at a time, so alignment never matters.
 */
#include <mica/linux_boot.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/unaligned.h>
#include <asm/vplatform.h>

/* Setup header, at its offsets in the image and in boot_params (boot.rst) */
#define HDR_START               0x1f1
#define HDR_SETUP_SECTS         0x1f1   /* u8: 512-byte setup sectors; 0 means 4 */
#define HDR_SYSSIZE             0x1f4   /* u32: payload size in 16-byte units */
#define HDR_BOOT_FLAG           0x1fe   /* u16: 0xaa55 */
#define HDR_JUMP                0x200   /* u8 0xeb, then u8 jump offset */
#define HDR_JUMP_OFFSET         0x201   /* header ends at 0x202 + this byte */
#define HDR_MAGIC               0x202   /* "HdrS" */
#define HDR_VERSION             0x206   /* u16: boot protocol version */
#define HDR_TYPE_OF_LOADER      0x210   /* u8: 0xff = undefined loader */
#define HDR_LOADFLAGS           0x211   /* u8 */
#define HDR_RAMDISK_IMAGE       0x218   /* u32: initrd address, low half */
#define HDR_RAMDISK_SIZE        0x21c   /* u32: initrd size, low half */
#define HDR_CMD_LINE_PTR        0x228   /* u32: command line address, low half */
#define HDR_INITRD_ADDR_MAX     0x22c   /* u32: highest initrd byte */
#define HDR_KERNEL_ALIGNMENT    0x230   /* u32 */
#define HDR_RELOCATABLE         0x234   /* u8 */
#define HDR_XLOADFLAGS          0x236   /* u16 */
#define HDR_CMDLINE_SIZE        0x238   /* u32: longest command line, NUL excluded */
#define HDR_SETUP_DATA          0x250   /* u64: linked list of setup_data; 0 */
#define HDR_PREF_ADDRESS        0x258   /* u64 */
#define HDR_INIT_SIZE           0x260   /* u32 */
#define HDR_MIN_END             0x264   /* the fields above all lie before this */
#define HDR_MAX_END             0x290   /* boot_params.edd_mbr_sig_buffer follows */

#define BOOT_FLAG               0xaa55
#define JUMP_SHORT              0xeb
#define LOADED_HIGH             (1u << 0)   /* loadflags: payload at 1 MiB+ (bzImage) */
#define SECTOR                  512
#define DEFAULT_SETUP_SECTS     4
#define LOADER_UNDEFINED        0xff

/* boot_params fields outside the setup header (zero-page.rst) */
#define BP_ACPI_RSDP_ADDR       0x070   /* u64 */
#define BP_EXT_RAMDISK_IMAGE    0x0c0   /* u32: initrd address, high half */
#define BP_EXT_RAMDISK_SIZE     0x0c4   /* u32: initrd size, high half */
#define BP_EXT_CMD_LINE_PTR     0x0c8   /* u32: command line address, high half */
#define BP_E820_ENTRIES         0x1e8   /* u8 */
#define BP_SENTINEL             0x1ef   /* u8: must stay 0 (sanitize_boot_params) */
#define BP_E820_TABLE           0x2d0   /* 20-byte entries: u64 addr, u64 size, u32 type */
#define E820_ENTRY_LEN          20
#define E820_RAM                1
#define E820_RESERVED           2

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void wr64(uint8_t *p, uint64_t v)
{
    wr32(p, (uint32_t)v);
    wr32(p + 4, (uint32_t)(v >> 32));
}

static int fail(const char **why, const char *reason, int rc)
{
    *why = reason;
    return rc;
}

bool linux_image_probe(const void *data, size_t size)
{
    const uint8_t *d = data;

    return size >= HDR_MIN_END && memcmp(d + HDR_MAGIC, "HdrS", 4) == 0 &&
           le16_at(d + HDR_BOOT_FLAG) == BOOT_FLAG;
}

/* Protocol version and the flags a 64-bit bzImage entry needs. */
static int check_protocol(const uint8_t *d, const char **why)
{
    if (le16_at(d + HDR_VERSION) < LINUX_MIN_VERSION)
        return fail(why, "boot protocol older than 2.12", -EINVAL);
    if (!(d[HDR_LOADFLAGS] & LOADED_HIGH))
        return fail(why, "a zImage (LOADED_HIGH clear), not a bzImage", -EINVAL);
    if (!(le16_at(d + HDR_XLOADFLAGS) & LINUX_XLF_KERNEL_64))
        return fail(why, "no 64-bit entry point (XLF_KERNEL_64 clear)", -EINVAL);
    return 0;
}

/* Setup sectors, header length and payload against the file size. */
static int check_sizes(const uint8_t *d, size_t size, struct linux_image *img,
                       const char **why)
{
    uint32_t sects = d[HDR_SETUP_SECTS] ? d[HDR_SETUP_SECTS] : DEFAULT_SETUP_SECTS;
    uint64_t syssize_bytes = (uint64_t)le32_at(d + HDR_SYSSIZE) * 16;

    img->setup_bytes = (sects + 1) * SECTOR;
    img->header_end = HDR_MAGIC + d[HDR_JUMP_OFFSET];
    if (d[HDR_JUMP] != JUMP_SHORT || img->header_end < HDR_MIN_END ||
        img->header_end > HDR_MAX_END || img->header_end > img->setup_bytes)
        return fail(why, "setup header length out of range", -EINVAL);
    if (img->setup_bytes >= size)
        return fail(why, "truncated: no kernel after the setup sectors", -EINVAL);
    img->payload = d + img->setup_bytes;
    img->payload_size = size - img->setup_bytes;
    if (syssize_bytes > img->payload_size)
        return fail(why, "truncated: shorter than the header's syssize", -EINVAL);
    return 0;
}

static void read_fields(const uint8_t *d, struct linux_image *img)
{
    img->version = le16_at(d + HDR_VERSION);
    img->pref_address = le64_at(d + HDR_PREF_ADDRESS);
    img->kernel_alignment = le32_at(d + HDR_KERNEL_ALIGNMENT);
    img->init_size = le32_at(d + HDR_INIT_SIZE);
    img->xloadflags = le16_at(d + HDR_XLOADFLAGS);
    img->initrd_addr_max = le32_at(d + HDR_INITRD_ADDR_MAX);
    img->cmdline_size = le32_at(d + HDR_CMDLINE_SIZE);
    img->relocatable = d[HDR_RELOCATABLE] != 0;
}

int linux_image_parse(const void *data, size_t size, struct linux_image *img,
                      const char **why)
{
    const uint8_t *d = data;
    int rc;

    memset(img, 0, sizeof(*img));
    if (!linux_image_probe(data, size))
        return fail(why, "not a bzImage (no \"HdrS\" header)", -EINVAL);
    rc = check_protocol(d, why);
    if (!rc)
        rc = check_sizes(d, size, img, why);
    if (rc)
        return rc;
    read_fields(d, img);
    img->data = d;
    img->size = size;
    if (img->kernel_alignment < PAGE_SIZE ||
        (img->kernel_alignment & (img->kernel_alignment - 1)))
        return fail(why, "kernel_alignment is not a power of two >= 4 KiB", -EINVAL);
    if (img->init_size == 0)
        return fail(why, "init_size is 0", -EINVAL);
    return 0;
}

/* The kernel at pref_address, aligned; it needs kernel_span bytes there. */
static int plan_kernel(const struct linux_image *img, struct linux_layout *l,
                       const char **why)
{
    uint64_t need = MAX((uint64_t)img->init_size, (uint64_t)img->payload_size);

    if (img->pref_address < VPLAT_BIOS_END)
        return fail(why, "pref_address is below 1 MiB", -EINVAL);
    if (img->pref_address >= l->ram_bytes)
        return fail(why, "pref_address is beyond the end of RAM", -ENOMEM);
    l->kernel_gpa = ALIGN_UP(img->pref_address, (uint64_t)img->kernel_alignment);
    l->kernel_span = ALIGN_UP(need, (uint64_t)PAGE_SIZE);
    if (l->kernel_gpa > l->ram_bytes || l->kernel_span > l->ram_bytes - l->kernel_gpa)
        return fail(why, "RAM too small for the kernel (pref_address + init_size)",
                    -ENOMEM);
    return 0;
}

/* The initrd as high as allowed, above the kernel if it fits, else below. */
static int plan_initrd(const struct linux_image *img, uint64_t size,
                       struct linux_layout *l, const char **why)
{
    uint64_t limit = MIN(l->ram_bytes, (uint64_t)img->initrd_addr_max + 1);
    uint64_t top = ALIGN_DOWN(limit, (uint64_t)PAGE_SIZE);
    uint64_t kernel_end = l->kernel_gpa + l->kernel_span;
    uint64_t span;

    if (size == 0)
        return 0;
    if (size > top)
        return fail(why, "initrd larger than the RAM it may use", -ENOMEM);
    span = ALIGN_UP(size, (uint64_t)PAGE_SIZE);
    if (top >= kernel_end && top - kernel_end >= span) {
        l->initrd_gpa = top - span;
    } else {
        top = MIN(top, l->kernel_gpa);      /* page-aligned: kernel_alignment >= 4 KiB */
        if (top < VPLAT_BIOS_END || top - VPLAT_BIOS_END < span)
            return fail(why, "no room for the initrd below initrd_addr_max "
                        "clear of the kernel", -ENOMEM);
        l->initrd_gpa = top - span;
    }
    l->initrd_size = size;
    return 0;
}

int linux_plan(const struct linux_image *img, uint64_t ram_bytes,
               uint64_t initrd_size, struct linux_layout *l, const char **why)
{
    int rc;

    BUILD_BUG_ON(LINUX_RAM_MAX != VPLAT_IOAPIC_BASE);
    memset(l, 0, sizeof(*l));
    if (ram_bytes <= VPLAT_BIOS_END)
        return fail(why, "RAM ends below 1 MiB", -ENOMEM);
    if (ram_bytes > LINUX_RAM_MAX)
        return fail(why, "RAM would reach the I/O APIC page at 0xfec00000 "
                    "(the e820 map has no hole)", -EINVAL);
    l->ram_bytes = ram_bytes;
    rc = plan_kernel(img, l, why);
    if (!rc)
        rc = plan_initrd(img, initrd_size, l, why);
    if (rc)
        return rc;
    l->cmdline_gpa = VPLAT_CMDLINE_GPA;
    l->rsdp_gpa = VPLAT_ACPI_GPA;
    return 0;
}

static void put_e820(uint8_t *zp, unsigned int i, uint64_t start, uint64_t end,
                     uint32_t type)
{
    uint8_t *e = zp + BP_E820_TABLE + i * E820_ENTRY_LEN;

    wr64(e, start);
    wr64(e + 8, end - start);
    wr32(e + 16, type);
}

/* RAM, the reserved legacy hole with the ACPI tables, RAM from 1 MiB. */
static void put_e820_map(uint8_t *zp, uint64_t ram_bytes)
{
    put_e820(zp, 0, 0, VPLAT_LOW_RAM_END, E820_RAM);
    put_e820(zp, 1, VPLAT_LOW_RAM_END, VPLAT_BIOS_END, E820_RESERVED);
    put_e820(zp, 2, VPLAT_BIOS_END, ram_bytes, E820_RAM);
    zp[BP_E820_ENTRIES] = 3;
}

int linux_boot_params(const struct linux_image *img,
                      const struct linux_layout *l, void *zero_page)
{
    uint8_t *zp = zero_page;

    BUILD_BUG_ON(BP_SENTINEL >= HDR_START);
    if (l->cmdline_len > img->cmdline_size ||
        l->cmdline_len >= LINUX_CMDLINE_SPACE)
        return -EINVAL;
    memset(zp, 0, LINUX_ZERO_PAGE_SIZE);
    /* The setup header only: byte 0x1ef (the sentinel) stays 0. */
    memcpy(zp + HDR_START, img->data + HDR_START, img->header_end - HDR_START);
    zp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
    wr64(zp + HDR_SETUP_DATA, 0);
    wr32(zp + HDR_CMD_LINE_PTR, (uint32_t)l->cmdline_gpa);
    wr32(zp + BP_EXT_CMD_LINE_PTR, (uint32_t)(l->cmdline_gpa >> 32));
    wr32(zp + HDR_RAMDISK_IMAGE, (uint32_t)l->initrd_gpa);
    wr32(zp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(l->initrd_gpa >> 32));
    wr32(zp + HDR_RAMDISK_SIZE, (uint32_t)l->initrd_size);
    wr32(zp + BP_EXT_RAMDISK_SIZE, (uint32_t)(l->initrd_size >> 32));
    wr64(zp + BP_ACPI_RSDP_ADDR, l->rsdp_gpa);
    put_e820_map(zp, l->ram_bytes);
    return 0;
}
