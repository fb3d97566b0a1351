#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mkinitramfs.sh OUT MKCPIO BUSYBOX [SRC:DEST]...
#
# Builds OUT, a gzip'd newc cpio for dom0: the usual top-level directories,
# /dev/console (char 5,1, so the kernel's init has a console before devtmpfs
# is mounted), BUSYBOX as /bin/busybox with a symlink for every applet it
# lists, then each SRC directory copied under DEST (files keep whether they
# are executable). BUSYBOX "-" makes an archive of the SRC directories alone,
# to be appended to another (the kernel unpacks concatenated archives). Nothing needs root: build/tools/mkcpio writes the device
# node from the list, which is kept beside OUT as OUT.list.
set -eu
out=$1; mkcpio=$2; busybox=$3; shift 3
list=$out.list

die() { echo "mica: mkinitramfs: $*" >&2; exit 1; }
[ -x "$mkcpio" ] || die "$mkcpio: not built"
[ "$busybox" = - ] || [ -f "$busybox" ] ||
    die "$busybox: no such file (Debian package: busybox-static)"

# Directories already listed, so each is listed once and before its contents.
seen=" / "
dir() {
    case $seen in *" $1 "*) return 0 ;; esac
    parent=${1%/*}
    [ -z "$parent" ] || dir "$parent"
    echo "dir $1 0755"
    seen="$seen$1 "
}

base() {
    for d in /bin /sbin /usr/bin /usr/sbin /etc /dev /proc /sys /tmp /run /root /mnt; do
        dir "$d"
    done
    echo "nod /dev/console 0600 c 5 1"
    echo "file /bin/busybox $busybox 0755"
    "$busybox" --list-full | while read -r applet; do
        case $applet in
        */*) [ "$applet" = bin/busybox ] || echo "slink /$applet /bin/busybox" ;;
        esac
    done
}

{
    [ "$busybox" = - ] || base
    for arg in "$@"; do
        src=${arg%%:*}; dest=${arg#*:}
        dest=/${dest#/}; dest=${dest%/}
        [ -d "$src" ] || die "$src: not a directory"
        [ -z "$dest" ] || dir "$dest"
        (cd "$src" && find . -mindepth 1 | LC_ALL=C sort) | while read -r p; do
            p=${p#./}
            if [ -d "$src/$p" ]; then
                dir "$dest/$p"
            elif [ -x "$src/$p" ]; then
                echo "file $dest/$p $src/$p 0755"
            else
                echo "file $dest/$p $src/$p 0644"
            fi
        done
    done
} >"$list"

# The while loops above run in subshells: the directories they add are not
# remembered by the others, so drop repeats (keeping the first of each).
awk '!($1 == "dir" && seen[$2]++)' "$list" >"$list.tmp" && mv "$list.tmp" "$list"

"$mkcpio" "$list" "$out.cpio"
gzip -9 -n <"$out.cpio" >"$out.tmp"
rm -f "$out.cpio"
mv "$out.tmp" "$out"
