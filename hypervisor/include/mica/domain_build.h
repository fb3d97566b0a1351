/* SPDX-License-Identifier: GPL-2.0-only */
/* Building a domain's initial memory image and entry state. */
#ifndef MICA_DOMAIN_BUILD_H
#define MICA_DOMAIN_BUILD_H

#include <mica/types.h>

struct domain;
struct boot_info;

/*
 * Load an ELF64 x86-64 executable into d's RAM (PT_LOAD segments at their
 * physical addresses), write the start info, GDT and identity page tables
 * that public/start_info.h describes, and point vCPU 0 at the entry.
 * Returns -EINVAL for a malformed image or one that does not fit.
 */
int domain_build_elf(struct domain *d, const void *image, size_t size,
                     const char *cmdline);

/* Guest page tables identity-mapping the low 4 GiB (6 pages at base). */
int domain_write_identity_map(struct domain *d, gpa_t base);

/* Check an ELF image without loading it; 0 or -EINVAL, with *why set. */
int elf_check(const void *image, size_t size, uint64_t ram_bytes, const char **why);

/* Create, build and start a domain for each boot module from index first on. */
unsigned int boot_domains_create(const struct boot_info *bi, unsigned int first);

#endif
