#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# time: dom0's wall clock, and 5 s of sleep. The runner timestamps both
# mark lines on arrival and compares the gap with 5 s, and the date with
# its own clock.
echo "MICA-TEST time date $(date +%s)"
echo "MICA-TEST time mark1"
sleep 5
echo "MICA-TEST time mark2"
