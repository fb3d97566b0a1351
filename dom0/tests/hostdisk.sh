#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# hostdisk: dom0's own disk across a reboot (issue 12; the dom0 reboot
# test runs it before reboot.sh, tests/system/dom0.sh). The runner gives
# QEMU an AMD IOMMU and q35's AHCI with an image tests/system/mkhostdisk.sh
# made, and Mica dom0_pci=view. mica-hostdisk mounts it at /srv/mica as
# /init does before the shell. The first boot writes 4 MiB of random bytes
# and their sha256 there and syncs; the boot after the reboot finds them
# and checks the sum, then powers off (reboot.sh would reboot again).
F=/srv/mica/hostdisk-test
say() { echo "MICA-TEST hostdisk $*"; }

if ! out=$(mica-hostdisk); then
    say "none: $out"
    exit 1
fi
say "mounted: $out"
if [ -f $F.sha ]; then
    want=$(cat $F.sha)
    got=$(sha256sum $F.blob 2>/dev/null | cut -d' ' -f1)
    say "found ${got:-nothing} expected $want"
    umount /srv/mica
    sleep 1
    poweroff -f
fi
dd if=/dev/urandom of=$F.blob bs=1M count=4 2>/dev/null
sha256sum $F.blob | cut -d' ' -f1 >$F.sha
sync
say "wrote $(cat $F.sha)"
# The file system goes read-only, so the reboot leaves it clean.
mount -o remount,ro /srv/mica && say "remounted read-only"
