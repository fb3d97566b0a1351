#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# fetch-kernel.sh OUTDIR: put Debian's current stock kernel in OUTDIR/vmlinuz.
# fetch-kernel.sh OUTDIR --modules: only unpack the modules below again, from
# the .deb already in OUTDIR (the version OUTDIR/kernel.version names).
#
# linux-image-amd64 is a metapackage; the image package it depends on (e.g.
# linux-image-6.1.0-56-amd64) holds /boot/vmlinuz-<release>. That package is
# fetched with `apt-get download` (kept in OUTDIR: a .deb already there is
# not fetched again), only /boot and the few modules below are unpacked,
# and the image is copied to OUTDIR/vmlinuz. OUTDIR/kernel.version gets the
# release (what `uname -r` prints in dom0) on line 1 and "package version"
# on line 2. Nothing here names a version: a newer Debian kernel is picked
# up by re-running this.
#
# The modules go to OUTDIR/modules/<release>/, with a load-order file, for
# the initramfs: pvpanic-mmio binds an ACPI QEMU0001 device and reports a
# kernel panic to the hypervisor (docs/dom0.md); llc, stp, bridge and tun
# give micanetback its bridge mica0 and the vifs' taps (docs/pvio.md);
# ext4 and what it needs are for the PV disk tests' file system in the demo
# domU (dom0/tests/pvblk.sh). A module the package does not have is left out.
# The $bydevice modules are unpacked too but not listed in load-order: dom0's
# /init loads them by a device's modalias (depmod resolves what they need),
# so only a dom0 that sees the device (dom0_pci=view: q35's AHCI) takes
# them: ahci and the SCSI disk with their dependencies, and e1000e
# (docs/iommu.md).
set -eu
out=$1
meta=${DOM0_KERNEL_PACKAGE:-linux-image-amd64}
modules="drivers/misc/pvpanic/pvpanic.ko drivers/misc/pvpanic/pvpanic-mmio.ko
    net/llc/llc.ko net/802/stp.ko net/bridge/bridge.ko drivers/net/tun.ko
    lib/crc16.ko crypto/crc32c_generic.ko fs/mbcache.ko fs/jbd2/jbd2.ko fs/ext4/ext4.ko"
bydevice="crypto/crct10dif_common.ko crypto/crct10dif_generic.ko lib/crc-t10dif.ko
    lib/crc64.ko lib/crc64-rocksoft.ko crypto/crc64_rocksoft_generic.ko block/t10-pi.ko
    drivers/scsi/scsi_common.ko drivers/scsi/scsi_mod.ko drivers/scsi/sd_mod.ko
    drivers/ata/libata.ko drivers/ata/libahci.ko drivers/ata/ahci.ko
    drivers/net/ethernet/intel/e1000e/e1000e.ko"

say() { echo "dom0: $*"; }
die() { echo "mica: fetch-kernel: $*" >&2; exit 1; }

. "$(dirname "$0")/../scripts/apt-deb.sh"

# modules_unpack STAGE RELEASE: the modules above into OUTDIR/modules/RELEASE/.
modules_unpack() {
    rm -rf "$out/modules"
    mkdir -p "$out/modules/$2"
    for m in $modules; do
        ko=$1/lib/modules/$2/kernel/$m
        [ -f "$ko" ] || continue
        cp "$ko" "$out/modules/$2/"
        echo "${m##*/}" >>"$out/modules/$2/load-order"
    done
    for m in $bydevice; do
        ko=$1/lib/modules/$2/kernel/$m
        [ ! -f "$ko" ] || cp "$ko" "$out/modules/$2/"
    done
}

# shellcheck disable=SC2046
deb_unpack() {   # DEB STAGE [PATTERN...]: what the patterns name; tar fails on a missing module
    d=$1; st=$2; shift 2
    dpkg-deb --fsys-tarfile "$d" | tar -x -C "$st" --wildcards "$@" \
        $(for m in $modules $bydevice; do echo "./lib/modules/*/kernel/$m"; done) 2>/dev/null || :
}

if [ "${2:-}" = --modules ]; then
    release=$(sed -n 1p "$out/kernel.version" 2>/dev/null)
    set -- $(sed -n 2p "$out/kernel.version" 2>/dev/null)
    deb=$out/${1:-none}_$(echo "${2:-}" | sed 's/:/%3a/')_amd64.deb
    [ -n "$release" ] && [ -s "$deb" ] || die "no kernel .deb in $out (run make dom0 first)"
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' EXIT
    deb_unpack "$deb" "$stage"
    modules_unpack "$stage" "$release"
    say "modules of $release in $out/modules/$release: $(tr '\n' ' ' <"$out/modules/$release/load-order")"
    exit 0
fi

# The versioned image package the metapackage depends on.
image_package() {
    apt-cache depends "$meta" 2>/dev/null |
        sed -n 's/^ *Depends: <\{0,1\}\(linux-image-[^ >]*\)>\{0,1\}$/\1/p' | head -n1
}

pkg=$(image_package)
if [ -z "$pkg" ]; then
    apt_update "$meta"
    pkg=$(image_package)
fi
[ -n "$pkg" ] || die "apt-cache depends $meta names no linux-image package"
ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -n1)
[ -n "$ver" ] || die "apt-cache show $pkg gives no version"

apt_deb_fetch "$pkg" "$ver" "$out" "linux-image-*.deb"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# The image is checked for below.
deb_unpack "$deb" "$stage" ./boot
set -- "$stage"/boot/vmlinuz-*
[ $# -eq 1 ] && [ -f "$1" ] || die "cannot unpack a single /boot/vmlinuz-* from $deb"
release=${1##*/vmlinuz-}
cp "$1" "$out/vmlinuz.tmp"
[ ! -f "$stage/boot/config-$release" ] || cp "$stage/boot/config-$release" "$out/kernel.config"
modules_unpack "$stage" "$release"
printf '%s\n%s %s\n' "$release" "$pkg" "$ver" >"$out/kernel.version"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
say "kernel $release ($pkg $ver) in $out/vmlinuz"
