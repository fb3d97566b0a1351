#!/bin/sh
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
elf=${MICA_ELF:-$top/build/mica.elf}
guests=${GUEST_DIR:-$top/build/tests/guests}
for f in "$elf" "$kernel" ${initrd:+"$initrd"}; do
    [ -f "$f" ] || { echo "mkiso-dom0: $f: no such file" >&2; exit 1; }
done
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub" "$stage/boot/guests"
cp "$elf" "$stage/boot/mica.elf"
cp "$kernel" "$stage/boot/vmlinuz"
[ -z "$initrd" ] || cp "$initrd" "$stage/boot/initrd.img"
{
    echo "set timeout=0"
    echo "set default=0"
    echo "menuentry \"Mica with a Linux dom0\" {"
    echo "    multiboot2 /boot/mica.elf $cmdline"
    echo "    module2 /boot/vmlinuz $dom0_cmdline"
    [ -z "$initrd" ] || echo "    module2 /boot/initrd.img"
    for m in "$@"; do
        g=${m%%:*}
        args=""
        [ "$g" != "$m" ] && args=$(echo "${m#*:}" | tr ',' ' ')
        case $g in
        */*) dest=$(basename "$g"); cp "$g" "$stage/boot/guests/$dest" ;;
        *)   dest=$g.elf
             [ -f "$stage/boot/guests/$dest" ] || cp "$guests/$dest" "$stage/boot/guests/$dest" ;;
        esac
        echo "    module2 /boot/guests/$dest $args"
    done
    echo "    boot"
    echo "}"
} > "$stage/boot/grub/grub.cfg"
mkdir -p "$(dirname "$iso")"
grub-mkrescue -o "$iso" "$stage" >/dev/null 2>&1 || {
    echo "mkiso-dom0: grub-mkrescue failed for $iso" >&2
    grub-mkrescue -o "$iso" "$stage"
    exit 1
}
