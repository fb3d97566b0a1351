#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# stage-iperf3.sh OUT IPERF3: iperf3 (Debian's, found by ./configure) and
# every shared library it loads (ldd, with the loader), at their paths
# under OUT, for dom0's and the demo domU's initramfs (make bench-net).
# An empty IPERF3 stages nothing: the images go without.
set -eu
out=$1; prog=${2:-}
die() { echo "mica: stage-iperf3: $*" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/usr/bin"
[ -n "$prog" ] || exit 0
[ -x "$prog" ] || die "$prog: not an executable (Debian package: iperf3)"
cp "$prog" "$out/usr/bin/iperf3"
for lib in $(ldd "$prog" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
    mkdir -p "$out$(dirname "$lib")"
    cp -L "$lib" "$out$lib"
done
