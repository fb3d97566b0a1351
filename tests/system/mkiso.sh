#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mkiso.sh ISO "HYPERVISOR OPTIONS" [GUEST:MODULE ARGS ...]
# Builds a GRUB (BIOS) ISO that boots Mica by multiboot2 with each named
# test guest (build/tests/guests/GUEST.elf) as a module2 line. Words in a
# module's args are separated by commas: selftest:name=a,mem=8M. A GUEST
# that names an existing file (a path with a /) is used as it is: the
# tests use that to hand Mica modules that are not valid kernels.
# With ISO_DOM0_KERNEL set (mkiso-dom0.sh does it), that bzImage comes first
# as dom0 with ISO_DOM0_CMDLINE, then ISO_DOM0_INITRD if set, as Xen's are.
set -eu
iso=$1; cmdline=$2; shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
elf=${MICA_ELF:-$top/build/mica.elf}
guests=${GUEST_DIR:-$top/build/tests/guests}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub" "$stage/boot/guests"
cp "$elf" "$stage/boot/mica.elf"
dom0=${ISO_DOM0_KERNEL:-}
initrd=${ISO_DOM0_INITRD:-}
[ -z "$dom0" ] || cp "$dom0" "$stage/boot/vmlinuz"
[ -z "$initrd" ] || cp "$initrd" "$stage/boot/initrd.img"
{
    echo "set timeout=0"
    echo "set default=0"
    echo "menuentry \"Mica\" {"
    echo "    multiboot2 /boot/mica.elf $cmdline"
    [ -z "$dom0" ] || echo "    module2 --nounzip /boot/vmlinuz ${ISO_DOM0_CMDLINE:-}"
    [ -z "$initrd" ] || echo "    module2 --nounzip /boot/initrd.img"
    for m in "$@"; do
        g=${m%%:*}
        args=""
        [ "$g" != "$m" ] && args=$(echo "${m#*:}" | tr ',' ' ')
        case $g in
        */*) dest=$(basename "$g"); cp "$g" "$stage/boot/guests/$dest" ;;
        *)   dest=$g.elf
             [ -f "$stage/boot/guests/$dest" ] || cp "$guests/$dest" "$stage/boot/guests/$dest" ;;
        esac
        echo "    module2 --nounzip /boot/guests/$dest $args"
    done
    echo "    boot"
    echo "}"
} > "$stage/boot/grub/grub.cfg"
mkdir -p "$(dirname "$iso")"
grub-mkrescue -o "$iso" "$stage" >/dev/null 2>&1 || {
    echo "mkiso: grub-mkrescue failed for $iso" >&2
    grub-mkrescue -o "$iso" "$stage"
    exit 1
}
