#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mksrc.sh DIR: the module's sources as one self-contained directory, the
# way both the top-level build (build/dom0/driver/) and DKMS
# (/usr/src/mica-<version>/) compile them:
#     DIR/Kbuild, *.c, *.h, dkms.conf
#     DIR/*.c, *.h of common/kernel/ (the core shared with mica_bus.ko)
#     DIR/include/uapi/mica/   the ioctl headers (dom0/driver/include/uapi/)
#     DIR/include/public/      the hypervisor's public ABI headers
# Then: make -C /lib/modules/<release>/build M=DIR modules
set -eu
die() { echo "mica: mksrc: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: mksrc.sh DIR"
dest=$1
here=$(cd "$(dirname "$0")" && pwd)
public=$here/../../hypervisor/include/public
common=$here/../../common/kernel
[ -f "$public/mica.h" ] || die "$public: no public headers"
[ -f "$common/mica_core.h" ] || die "$common: no shared kernel sources"
rm -rf "$dest"
mkdir -p "$dest/include/uapi/mica" "$dest/include/public"
cp "$here/Kbuild" "$here/dkms.conf" "$here"/*.c "$here"/*.h "$common"/*.c "$common"/*.h "$dest/"
cp "$here"/include/uapi/mica/*.h "$dest/include/uapi/mica/"
cp "$public"/*.h "$dest/include/public/"
