#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# bootbench: one line, the end point bench/boot.sh times dom0's boot to
# (bench/README.md); /init powers off right after it.
# The line goes to /dev/kmsg: the kernel prints it on the console at once,
# by the same synchronous path as its own messages. A line on stdout goes
# through the tty layer, and with a UART that has no IRQ (Mica's dom0) its
# tail can still be in the tty's buffer when poweroff -f ends the machine.
echo "MICA-TEST bootbench uptime $(cut -d' ' -f1 /proc/uptime)" >/dev/kmsg
