#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# mem: the memory dom0 was given (dom0_mem=) and the command line it got.
echo "MICA-TEST mem memtotal-kib $(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)"
echo "MICA-TEST mem cmdline $(cat /proc/cmdline)"
