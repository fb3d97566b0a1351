#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# checkpatch.sh OUTDIR: the kernel's scripts/checkpatch.pl over every
# kernel module source of the repository (make check-driver-style): mica.ko's
# (dom0/driver/), the core it shares with mica_bus.ko (common/kernel/) and
# the PV drivers (pvdrivers/*/, pvdrivers/include/mica/). The headers packages do not carry
# checkpatch.pl, so the first run fetches linux-source-<major.minor> of
# dom0's kernel version (about 140 MB, with `apt-get download`), keeps only
# checkpatch.pl and its two data files in OUTDIR/checkpatch/ and deletes
# the package. Prints one PASS or FAIL line.
set -eu
out=$1

say() { echo "dom0: $*"; }
die() { echo "mica: checkpatch: $*" >&2; exit 1; }

dir=$out/checkpatch
if [ ! -f "$dir/checkpatch.pl" ]; then
    . "$(dirname "$0")/../../scripts/apt-deb.sh"
    ver=$(sed -n '2s/^[^ ]* //p' "$out/kernel.version" 2>/dev/null)
    [ -n "$ver" ] || die "$out/kernel.version: no package version (fetch the kernel first)"
    pkg=linux-source-$(echo "$ver" | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' EXIT
    apt_deb_fetch "$pkg" "$ver" "$stage" "${pkg}_*.deb" all
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$stage" --wildcards './usr/src/linux-source-*.tar.xz'
    set -- "$stage"/usr/src/linux-source-*.tar.xz
    [ -f "$1" ] || die "$deb holds no linux-source tarball"
    tar -xJf "$1" -C "$stage" --wildcards '*/scripts/checkpatch.pl' \
        '*/scripts/spelling.txt' '*/scripts/const_structs.checkpatch'
    mkdir -p "$dir"
    cp "$stage"/linux-source-*/scripts/checkpatch.pl "$stage"/linux-source-*/scripts/spelling.txt \
        "$stage"/linux-source-*/scripts/const_structs.checkpatch "$dir/"
fi

pl=$(cd "$dir" && pwd)/checkpatch.pl
top=$(cd "$(dirname "$0")/../.." && pwd)
report=$(cd "$top" && for f in dom0/driver/*.[ch] dom0/driver/tests/edumsi/*.c dom0/driver/tests/kmod/*.c common/kernel/*.[ch] pvdrivers/*/*.[ch] \
        pvdrivers/include/mica/*.h; do
    case $f in pvdrivers/build/*) continue ;; esac
    [ -f "$f" ] || continue
    perl "$pl" --no-tree --strict --terse -f "$f" |
        grep -v -e '^total: 0 errors, 0 warnings, 0 checks' -e '^$' -e '^NOTE' || :
done)
if [ -z "$report" ]; then
    echo "PASS driver-style: checkpatch.pl --strict finds nothing in dom0/driver, common/kernel, pvdrivers"
else
    echo "$report"
    echo "FAIL driver-style: checkpatch.pl --strict: $(echo "$report" | grep -c ': ') findings"
    exit 1
fi
