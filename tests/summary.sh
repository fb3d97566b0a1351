#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# summary.sh LOG: count the result lines of a test run and print the final
# "N passed, N failed" line. Exits non-zero if anything failed or nothing ran.
log=$1
passed=$(grep -c '^PASS ' "$log")
failed=$(grep -c '^FAIL ' "$log")
if [ "$failed" -gt 0 ]; then
    echo
    echo "Failures:"
    grep '^FAIL ' "$log"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
