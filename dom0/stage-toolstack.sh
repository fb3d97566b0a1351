#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# stage-toolstack.sh ROOT PREFIX: make ROOT, installed with
# `make install DESTDIR=ROOT` (mica, micad, micastored, libmicactl and the domain
# schema under PREFIX), ready to be copied into dom0's initramfs:
#   - what dom0 has no use for goes (headers, static and pkg-config files,
#     man pages, bash completion, systemd units: busybox has none of them);
#   - every shared library the programs need (ldd: libxml2, libuuid, zlib,
#     ICU, libc, the dynamic loader...) is copied from this host to the path
#     ldd found it at;
#   - ROOT/etc/ld.so.cache lists PREFIX/lib, where libmicactl.so.1 lives.
# The host's libraries must be the ones the programs were linked against:
# dom0 runs this build machine's binaries (Debian's, amd64).
set -eu
root=$1; prefix=$2

die() { echo "mica: stage-toolstack: $*" >&2; exit 1; }
[ -d "$root$prefix" ] || die "$root$prefix: nothing installed there"

rm -rf "$root$prefix/include" "$root$prefix/lib/pkgconfig" "$root$prefix/share/man" \
    "$root$prefix/share/bash-completion" "$root$prefix/lib/systemd"
rm -f "$root$prefix/lib/"*.a "$root$prefix/lib/libmicactl.so"

progs="$root$prefix/bin/mica $root$prefix/sbin/micad $root$prefix/sbin/micastored"
# Backends, once built (toolstack/toolstack.mk).
for p in micablkback mica-blkhostile; do
    [ -x "$root$prefix/sbin/$p" ] && progs="$progs $root$prefix/sbin/$p"
done
for p in $progs; do
    [ -x "$p" ] || die "$p: not installed"
done

# ldd resolves libmicactl from ROOT, the rest from the host.
libs=$(LD_LIBRARY_PATH="$root$prefix/lib" ldd $progs "$root$prefix"/lib/libmicactl.so.* |
    awk '/not found/ { print "MISSING " $1; next }
         $2 == "=>" && $3 ~ /^\// { print $3; next }
         $1 ~ /^\// { print $1 }' | sort -u)
missing=$(echo "$libs" | sed -n 's/^MISSING //p')
[ -z "$missing" ] || die "libraries not found: $missing"

for lib in $libs; do
    case $lib in "$root"/*) continue ;; esac
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done

mkdir -p "$root/etc"
echo "$prefix/lib" >"$root/etc/ld.so.conf"
ldconfig -r "$root" -f /etc/ld.so.conf -C /etc/ld.so.cache ||
    die "ldconfig -r $root failed"
