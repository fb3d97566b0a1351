#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# panic: crash the dom0 kernel on purpose (sysrq 'c': a NULL dereference,
# then panic). The hypervisor must notice, say so, and act as
# on_dom0_crash= says.
echo "MICA-TEST panic crashing"
# The console drains after echo returns: let the line out before the
# kernel's own panic messages take over the port.
sleep 1
echo 1 >/proc/sys/kernel/sysrq
echo c >/proc/sysrq-trigger
echo "MICA-TEST panic still-running"
