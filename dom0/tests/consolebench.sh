#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# consolebench: what bench/console.sh times. Writes mica.consolebench=KIB
# (default 64) KiB to the console through the tty layer, as a program's
# output goes, in 64-byte lines, between two marker lines:
#     MICA-TEST consolebench start KIB
#     MICA-CB NNNNN <pattern>            (KIB * 16 lines)
#     MICA-TEST consolebench done
#     MICA-TEST consolebench guest-seconds S   the write's time on dom0's clock
# The text is made in memory first, so the shell's loop is not timed.
PAT=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLM
kib=64
for word in $(cat /proc/cmdline); do
    case $word in
    mica.consolebench=*) kib=${word#mica.consolebench=} ;;
    esac
done
case $kib in
''|*[!0-9]*) echo "MICA-TEST consolebench bad size '$kib'"; exit 1 ;;
esac
mkdir -p /tmp
f=/tmp/consolebench.txt
i=0
: >"$f"
while [ $i -lt $((kib * 16)) ]; do
    printf 'MICA-CB %05d %s\n' $i "$PAT"
    i=$((i + 1))
done >"$f"
echo "MICA-TEST consolebench start $kib"
t0=$(cut -d' ' -f1 /proc/uptime)
cat "$f"
echo "MICA-TEST consolebench done"
t1=$(cut -d' ' -f1 /proc/uptime)
echo "MICA-TEST consolebench guest-seconds $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
rm -f "$f"
