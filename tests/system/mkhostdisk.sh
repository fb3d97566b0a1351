#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# tests/system/mkhostdisk.sh IMAGE SIZE: dom0's own disk for `make run` and
# the dom0 reboot test: a raw image of SIZE (truncate's units) holding an
# empty ext4 file system labelled mica-dom0, which dom0's mica-hostdisk
# mounts at /srv/mica. Made beside IMAGE and renamed, so an interrupted run
# leaves no half-made image behind.
set -eu
img=$1; size=$2
mke2fs=$(command -v mke2fs || echo /sbin/mke2fs)
mkdir -p "$(dirname "$img")"
rm -f "$img.tmp"
truncate -s "$size" "$img.tmp"
"$mke2fs" -q -F -t ext4 -L mica-dom0 "$img.tmp"
mv "$img.tmp" "$img"
