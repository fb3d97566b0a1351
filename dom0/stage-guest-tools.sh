#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# stage-guest-tools.sh ROOT: the demo domU's disk tools, from this host's
# Debian packages, laid out under ROOT for its initramfs (the block tests:
# dom0/tests/pvblk.sh, bench/blk.sh):
#   fio (package fio), mke2fs/mkfs.ext4, e2fsck and debugfs (e2fsprogs),
#   every shared library they load (ldd), the loader, and ROOT/etc/ld.so.cache.
# Debian's fio is linked against the libraries of its RDMA, Ceph, Gluster,
# PMEM and NBD engines (about 80 MB with theirs): each of those is replaced
# by a stub of the same soname defining the symbols fio takes from it
# (with their versions), functions that fail. fio loads (it binds every
# symbol at start) and its psync, libaio and io_uring engines are whole;
# asking for one of the stubbed engines fails.
set -eu
root=$1
die() { echo "mica: stage-guest-tools: $*" >&2; exit 1; }
STUBBED="librados.so.2 librbd.so.1 libgfapi.so.0 libibverbs.so.1 librdmacm.so.1 libpmem.so.1 libpmemblk.so.1 libnbd.so.0"
CC=${CC:-cc}

progs=
for p in fio mke2fs e2fsck debugfs; do
    path=$(command -v "$p" 2>/dev/null) || path=/usr/sbin/$p
    [ -x "$path" ] || die "$p: not found (Debian packages fio, e2fsprogs; ./configure --install-deps)"
    progs="$progs $path"
done

rm -rf "$root"
mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/etc" "$root/usr/lib/mica-stubs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One stub library: the symbols prog imports that the real lib defines.
stub() {
    soname=$1; prog=$2
    real=$(ldd "$prog" | awk -v s="$soname" '$1 == s { print $3 }')
    [ -n "$real" ] && [ -f "$real" ] || die "$soname: not found for $prog"
    # name and version of each symbol prog imports ("Base": none), and
    # the names the real library defines: the stub defines their meet.
    objdump -T "$prog" | awk '$0 ~ /\*UND\*/ { v = $(NF-1); gsub(/[()]/, "", v); print $NF, v }' |
        sort -u >"$work/und"
    objdump -T "$real" | awk '$0 !~ /\*UND\*/ && NF >= 7 { print $NF }' | sort -u >"$work/def"
    awk 'NR == FNR { def[$1] = 1; next } ($1 in def)' "$work/def" "$work/und" >"$work/syms"
    {
        echo "/* stub of $soname for fio: every function fails */"
        awk '{ print "int " $1 "(void);\nint " $1 "(void) { return -1; }" }' "$work/syms"
    } >"$work/stub.c"
    # One version node per version the symbols carry.
    awk '$2 != "Base" && $2 != "" { v[$2] = v[$2] " " $1 ";" }
         END { for (k in v) print k " {" v[k] " };" }' "$work/syms" >"$work/stub.map"
    if [ -s "$work/stub.map" ]; then
        $CC -shared -fPIC -o "$root/usr/lib/mica-stubs/$soname" -Wl,-soname,"$soname" \
            -Wl,--version-script="$work/stub.map" "$work/stub.c" 2>"$work/cc.err" ||
            die "$soname: stub does not build: $(head -n 3 "$work/cc.err")"
    else
        $CC -shared -fPIC -o "$root/usr/lib/mica-stubs/$soname" -Wl,-soname,"$soname" \
            "$work/stub.c" || die "$soname: stub does not build"
    fi
}

fio=$(command -v fio)
for s in $STUBBED; do
    if ldd "$fio" | grep -q "^[[:space:]]*$s "; then
        stub "$s" "$fio"
    fi
done

# Every other library, from ldd of the programs (the stubbed ones and what
# only they pulled in are left out: ldd of the stubs adds their libc).
libs=$( { ldd $progs; LD_LIBRARY_PATH="$root/usr/lib/mica-stubs" ldd "$fio"; } |
    awk -v stubbed=" $STUBBED " '
        index(stubbed, " " $1 " ") { next }
        /not found/ { print "MISSING " $1; next }
        $2 == "=>" && $3 ~ /^\// { print $3; next }
        $1 ~ /^\// { print $1 }' | sort -u)
direct=$(for p in $progs; do readelf -d "$p" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p'; done | sort -u)
for lib in $libs; do
    case $lib in MISSING*) die "library not found: ${lib#MISSING }" ;; esac
done
# Only the libraries a program needs directly, their own needs, and the loader.
keep=
add_lib() {
    case " $keep " in *" $1 "*) return ;; esac
    keep="$keep $1"
    for n in $(readelf -d "$1" 2>/dev/null | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p'); do
        case " $STUBBED " in *" $n "*) continue ;; esac
        p=$(echo "$libs" | awk -v n="$n" '{ m = $0; sub(/.*\//, "", m); if (m == n) { print; exit } }')
        [ -n "$p" ] && add_lib "$p"
    done
}
for n in $direct; do
    case " $STUBBED " in *" $n "*) continue ;; esac
    p=$(echo "$libs" | awk -v n="$n" '{ m = $0; sub(/.*\//, "", m); if (m == n) { print; exit } }')
    [ -n "$p" ] || die "$n: not found by ldd"
    add_lib "$p"
done
keep="$keep $(echo "$libs" | grep 'ld-linux' || :)"
for lib in $keep; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done

cp "$fio" "$root/usr/bin/fio"
cp "$(command -v mke2fs 2>/dev/null || echo /usr/sbin/mke2fs)" "$root/usr/sbin/mke2fs"
cp "$(command -v e2fsck 2>/dev/null || echo /usr/sbin/e2fsck)" "$root/usr/sbin/e2fsck"
cp "$(command -v debugfs 2>/dev/null || echo /usr/sbin/debugfs)" "$root/usr/sbin/debugfs"
ln -sf mke2fs "$root/usr/sbin/mkfs.ext4"
# mke2fs reads its defaults from /etc/mke2fs.conf (built-in ones without).
[ ! -f /etc/mke2fs.conf ] || cp /etc/mke2fs.conf "$root/etc/mke2fs.conf"
printf '/usr/lib/mica-stubs\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n' >"$root/etc/ld.so.conf"
ldconfig -r "$root" -f /etc/ld.so.conf -C /etc/ld.so.cache || die "ldconfig -r $root failed"
