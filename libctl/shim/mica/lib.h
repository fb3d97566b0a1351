/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libctl's stand-in for the hypervisor's <mica/lib.h>: the shared boot
 * sources (hypervisor/common/linux_boot.c, hypervisor/arch/x86/acpi_build.c,
 * hypervisor/arch/x86/linux_load.c) compiled for user space take the C
 * library's string functions. Only this header and <mica/errno.h> are
 * shimmed; every other <mica/...> and <asm/...> header is the hypervisor's.
 */
#ifndef LIBCTL_SHIM_MICA_LIB_H
#define LIBCTL_SHIM_MICA_LIB_H

#include <mica/types.h>
#include <string.h>

#endif
