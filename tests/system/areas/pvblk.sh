# SPDX-License-Identifier: GPL-2.0-only
# The PV block device (issue 11, docs/pvio.md): dom0/tests/pvblk.sh runs a
# demo domU with two PV disks (micablkback in dom0, mica_blk.ko in the
# domU): ext4 with 64 MiB of checked data, a read-only disk, fio with
# verify=crc32c, a hostile frontend beside it, and the data found in the
# image file after destroy. Sourced by tests/system/run.sh after lib.sh.
CTL_LIB_ONLY=1 . tests/system/areas/ctl.sh

ctl_boot pvblk pvblk 20
