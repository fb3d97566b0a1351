/* SPDX-License-Identifier: GPL-2.0-only */
/* What the boot loader told us, parsed from the multiboot2 information. */
#ifndef MICA_BOOTINFO_H
#define MICA_BOOTINFO_H

#include <mica/types.h>

#define MULTIBOOT2_BOOTLOADER_MAGIC  0x36d76289u
#define MAX_MEM_REGIONS  128
#define MAX_MODULES      32

/* E820 types, as multiboot2 reports them. */
#define MEM_RAM        1
#define MEM_RESERVED   2
#define MEM_ACPI       3
#define MEM_NVS        4
#define MEM_BAD        5

struct mem_region {
    paddr_t base;
    uint64_t len;
    uint32_t type;
};

struct boot_module {
    paddr_t start;          /* first byte */
    paddr_t end;            /* one past the last byte */
    const char *cmdline;    /* points into the multiboot2 info */
};

struct boot_info {
    const char *cmdline;            /* "" when absent */
    const char *loader_name;        /* "" when absent */
    struct mem_region mem[MAX_MEM_REGIONS];
    unsigned int nr_mem;
    struct boot_module mods[MAX_MODULES];
    unsigned int nr_mods;
    const void *rsdp;               /* copy of the ACPI RSDP inside the info, or NULL */
    size_t rsdp_len;
    paddr_t mbi_start, mbi_end;     /* the info block itself, to keep it reserved */
};

/*
 * Parse the multiboot2 information at mbi. Returns 0, or -EINVAL for a bad
 * magic, a malformed or truncated tag list, or too many regions/modules
 * (the extra ones are reported through printk and dropped, returning 0).
 */
int multiboot2_parse(uint32_t magic, const void *mbi, struct boot_info *bi);

/* Total bytes of MEM_RAM in the map, and the highest RAM address + 1. */
uint64_t bootinfo_ram_bytes(const struct boot_info *bi);
paddr_t bootinfo_ram_end(const struct boot_info *bi);

#endif
