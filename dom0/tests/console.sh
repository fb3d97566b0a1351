#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# console: the console's UART takes interrupts, and a big write through it
# (the tty layer, as a shell's output goes) arrives complete and in order.
#     MICA-TEST console driver LINE        ttyS0's line of /proc/tty/driver/serial
#     MICA-TEST console irq-line LINE      ttyS0's line of /proc/interrupts
#     MICA-TEST console irq BEFORE AFTER   its counts (all CPUs) around the write
#     MICA-CON NNNN <pattern>              LINES lines of 64 bytes (32 KiB)
# tests/system/dom0.sh checks every MICA-CON line, its number and its text.
LINES=512
PAT=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLM

count() {
    awk '/ttyS0/ { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print n; exit }' \
        /proc/interrupts
}

echo "MICA-TEST console driver $(grep '^0:' /proc/tty/driver/serial)"
echo "MICA-TEST console irq-line $(grep ttyS0 /proc/interrupts | tr -s ' ')"
before=$(count)
i=0
while [ $i -lt $LINES ]; do
    printf 'MICA-CON %04d %s\n' $i "$PAT"
    i=$((i + 1))
done
after=$(count)
echo "MICA-TEST console irq ${before:-none} ${after:-none}"
