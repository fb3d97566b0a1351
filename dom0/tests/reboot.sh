#!/bin/sh
# reboot: reboot -f must reset the machine and bring dom0 up again. The
# second boot runs this script again, so the runner ends QEMU itself once
# it sees the second boot's banner (tests/system/dom0.sh).
echo "MICA-TEST reboot rebooting"
reboot -f
echo "MICA-TEST reboot still-running"
