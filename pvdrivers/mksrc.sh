#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mksrc.sh DIR: the PV drivers' sources as one self-contained directory,
# the way `make -C pvdrivers`, the top-level build and DKMS
# (/usr/src/mica-pv-<version>/) compile them:
#     DIR/Kbuild, DIR/dkms.conf (its module list made here)
#     DIR/bus/       pvdrivers/bus/ and common/kernel/ (the core shared
#                    with dom0's mica.ko)
#     DIR/<name>/    every other pvdrivers/<name>/ with a Kbuild (frontends)
#     DIR/include/mica/    pvdrivers/include/mica/ (<mica/bus.h>)
#     DIR/include/public/  the hypervisor's public ABI headers (and io/)
# Then: make -C /lib/modules/<release>/build M=DIR modules
set -eu
die() { echo "mica: pv-mksrc: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: mksrc.sh DIR"
dest=$1
here=$(cd "$(dirname "$0")" && pwd)
public=$here/../hypervisor/include/public
common=$here/../common/kernel
[ -f "$public/mica.h" ] || die "$public: no public headers"
[ -f "$common/mica_core.h" ] || die "$common: no shared kernel sources"
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$here/dkms.conf")
[ -n "$version" ] || die "$here/dkms.conf: no PACKAGE_VERSION"

# The frontends: every other directory with a Kbuild (not an earlier DIR).
drivers=bus
for k in "$here"/*/Kbuild; do
    d=$(basename "$(dirname "$k")")
    # A driver has sources; a copy (DIR itself, build/) has include/.
    [ "$d" != bus ] && [ ! -d "$here/$d/include" ] &&
        ls "$here/$d"/*.c >/dev/null 2>&1 || continue
    drivers="$drivers $d"
done

rm -rf "$dest"
mkdir -p "$dest/include/mica" "$dest/include/public/io"
cp "$here/Kbuild" "$dest/"
cp "$here"/include/mica/*.h "$dest/include/mica/"
cp "$public"/*.h "$dest/include/public/"
cp "$public"/io/*.h "$dest/include/public/io/"

# A driver directory: its Kbuild and sources (no build output).
copy_dir() {
    mkdir -p "$dest/$1"
    for f in "$here/$1"/Kbuild "$here/$1"/*.c "$here/$1"/*.h; do
        [ ! -f "$f" ] || cp "$f" "$dest/$1/"
    done
}
for d in $drivers; do
    copy_dir "$d"
done
cp "$common"/*.c "$common"/*.h "$dest/bus/"

# dkms.conf: the package's settings, then one entry per module built.
{
    grep -v '^#' "$here/dkms.conf"
    i=0
    for d in $drivers; do
        for m in $(sed -n 's/^obj-m *[:+]\{0,1\}= *//p' "$dest/$d/Kbuild"); do
            echo "BUILT_MODULE_NAME[$i]=\"${m%.o}\""
            echo "BUILT_MODULE_LOCATION[$i]=\"$d/\""
            echo "DEST_MODULE_LOCATION[$i]=\"/updates/dkms\""
            i=$((i + 1))
        done
    done
} >"$dest/dkms.conf"
