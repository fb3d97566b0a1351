#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# reboot: reboot -f must reset the machine and bring dom0 up again. The
# second boot runs this script again, so the runner ends QEMU itself once
# it sees the second boot's banner (tests/system/dom0.sh).
echo "MICA-TEST reboot rebooting"
# The console drains after echo returns: let the line out before the
# kernel's own restart messages take over the port.
sleep 1
reboot -f
echo "MICA-TEST reboot still-running"
