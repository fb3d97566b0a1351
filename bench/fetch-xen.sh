#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# fetch-xen.sh OUTDIR: put Debian's Xen 4.17 hypervisor in OUTDIR/xen.gz,
# for the benchmarks that compare Mica with Xen (bench/README.md).
#
# xen-hypervisor-4.17-amd64 holds the whole hypervisor as one file,
# /boot/xen-4.17-amd64.gz, which GRUB's multiboot2 loads as it is; nothing
# else is needed to boot it with a dom0 kernel of our own. The package is
# fetched with `apt-get download` (kept in OUTDIR: a .deb already there is
# not fetched again) and unpacked with dpkg-deb -x under OUTDIR/root. Xen
# is never installed on the host. OUTDIR/xen.version gets "package version".
set -eu
out=$1
pkg=${XEN_PACKAGE:-xen-hypervisor-4.17-amd64}

say() { echo "bench: $*"; }
die() { echo "mica: fetch-xen: $*" >&2; exit 1; }

. "$(dirname "$0")/../scripts/apt-deb.sh"

version() {
    apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -n1
}

ver=$(version)
if [ -z "$ver" ]; then
    apt_update "$pkg"
    ver=$(version)
fi
[ -n "$ver" ] || die "apt-cache show $pkg gives no version (is this Debian 12?)"

apt_deb_fetch "$pkg" "$ver" "$out" "${pkg}_*.deb"

rm -rf "$out/root"
dpkg-deb -x "$deb" "$out/root" || die "dpkg-deb -x $deb failed"
set -- "$out"/root/boot/xen-*-amd64.gz
[ $# -eq 1 ] && [ -f "$1" ] || die "$deb has no single /boot/xen-*-amd64.gz"
cp "$1" "$out/xen.gz.tmp"
printf '%s %s\n' "$pkg" "$ver" >"$out/xen.version"
mv "$out/xen.gz.tmp" "$out/xen.gz"
say "Xen ($pkg $ver) in $out/xen.gz"
