# SPDX-License-Identifier: GPL-2.0-only
# The PV block device (issue 11, docs/pvio.md): dom0/tests/pvblkhost.sh runs
# micablkback against a good and hostile frontend in dom0 itself
# (mica-blkhostile over a loopback); dom0/tests/pvblk.sh a domU with two PV
# disks (ext4, read-only, fio, the data in the image file); dom0/tests/hotblk.sh
# disk hot-plug, a detach under I/O, domUs destroyed and crashed mid-I/O.
# Sourced by tests/system/run.sh after lib.sh.
CTL_LIB_ONLY=1 . tests/system/areas/ctl.sh

ctl_boot pvblk pvblkhost,pvblk,hotblk 90
