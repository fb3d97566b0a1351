#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# fetch-headers.sh OUTDIR: the headers to build out-of-tree modules (Mica's
# dom0 driver, dom0/driver/) against dom0's kernel, unpacked under
# OUTDIR/headers/ without installing anything on the host.
#
# OUTDIR/kernel.version (dom0/fetch-kernel.sh) names the release and the
# package version; this fetches the three packages of exactly that build
# with `apt-get download` into OUTDIR/headers-debs/ (kept, like the image):
#   linux-headers-<release>               .config, Module.symvers, generated headers
#   linux-headers-<release minus flavour>-common   the source headers and Makefiles
#   linux-kbuild-<major.minor>             fixdep, modpost, objtool (host binaries)
# and unpacks them with dpkg-deb -x under OUTDIR/headers/. The packages
# expect to live in /usr/src: the flavour's Makefile includes the common
# one by its absolute path, and lib/modules/<release>/build is an absolute
# symbolic link; both are pointed at the unpacked tree. Then
#   make -C OUTDIR/headers/usr/src/linux-headers-<release> M=<module dir>
# builds a module for dom0's kernel (with gcc-12, Debian's kernel compiler).
# OUTDIR/headers/release records what was unpacked.
set -eu
out=$1

say() { echo "dom0: $*"; }
die() { echo "mica: fetch-headers: $*" >&2; exit 1; }

. "$(dirname "$0")/../scripts/apt-deb.sh"

ver_file=$out/kernel.version
[ -f "$ver_file" ] || die "$ver_file: missing (make build/dom0/vmlinuz fetches the kernel)"
release=$(sed -n 1p "$ver_file")
ver=$(sed -n '2s/^[^ ]* //p' "$ver_file")
case $release in
*-*) ;;
*) die "$ver_file: line 1 '$release' is not a Debian kernel release" ;;
esac
[ -n "$ver" ] || die "$ver_file: line 2 has no package version"
flavour=${release##*-}
abi=${release%-"$flavour"}
kbuild=linux-kbuild-$(echo "$ver" | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')

debs=$out/headers-debs
apt_deb_fetch "linux-headers-$release" "$ver" "$debs" "linux-headers-*-${flavour}_*.deb"
arch_deb=$deb
apt_deb_fetch "linux-headers-$abi-common" "$ver" "$debs" "linux-headers-*-common_*.deb" all
common_deb=$deb
apt_deb_fetch "$kbuild" "$ver" "$debs" "linux-kbuild-*.deb"
kbuild_deb=$deb

tree=$out/headers
rm -rf "$tree"
mkdir -p "$tree"
for d in "$arch_deb" "$common_deb" "$kbuild_deb"; do
    dpkg-deb -x "$d" "$tree" || die "dpkg-deb -x $d failed"
done
src=$tree/usr/src
kdir=$src/linux-headers-$release
[ -f "$kdir/Makefile" ] && [ -f "$src/linux-headers-$abi-common/Makefile" ] ||
    die "the packages did not leave $kdir and linux-headers-$abi-common"
abs_src=$(cd "$src" && pwd)
sed -i "s|^include /usr/src/|include $abs_src/|" "$kdir/Makefile"
grep -q "^include $abs_src/linux-headers-$abi-common/Makefile\$" "$kdir/Makefile" ||
    die "$kdir/Makefile: cannot point it at the unpacked common headers"
# The only absolute links in the packages: lib/modules/<release>/{build,source}.
for l in build source; do
    link=$tree/lib/modules/$release/$l
    [ -L "$link" ] || continue
    target=$(readlink "$link")
    case $target in
    /*) ln -sfn "../../..$target" "$link" ;;
    esac
done
if find "$tree" -type l -lname '/*' | grep -q .; then
    die "absolute symbolic links left in $tree: $(find "$tree" -type l -lname '/*' | head -n 3)"
fi
printf '%s\n%s\n' "$release" "$ver" >"$tree/release"
say "headers for $release ($ver) in $kdir"
