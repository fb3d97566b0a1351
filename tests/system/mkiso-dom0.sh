#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mkiso-dom0.sh ISO "HYPERVISOR OPTIONS" KERNEL "DOM0 CMDLINE" INITRD [GUEST:ARGS ...]
# Builds a GRUB (BIOS) ISO that boots Mica with a Linux dom0, as Xen is
# booted (docs/dom0.md):
#     multiboot2 /boot/mica.elf HYPERVISOR OPTIONS
#     module2 /boot/vmlinuz DOM0 CMDLINE
#     module2 /boot/initrd.img
#     module2 /boot/guests/GUEST.elf ARGS      (optional test guests)
# KERNEL is any bzImage, INITRD any initramfs ("" for none). The dom0
# command line is written into grub.cfg as it is, so GRUB's quoting rules
# apply to it. GUEST:ARGS are as in mkiso.sh (words separated by commas).
set -eu
iso=$1; cmdline=$2; kernel=$3; dom0_cmdline=$4; initrd=$5; shift 5
top=$(cd "$(dirname "$0")/../.." && pwd)
for f in "${MICA_ELF:-$top/build/mica.elf}" "$kernel" ${initrd:+"$initrd"}; do
    [ -f "$f" ] || { echo "mkiso-dom0: $f: no such file" >&2; exit 1; }
done
ISO_DOM0_KERNEL=$kernel ISO_DOM0_CMDLINE=$dom0_cmdline ISO_DOM0_INITRD=$initrd \
    exec "$top/tests/system/mkiso.sh" "$iso" "$cmdline" "$@"
