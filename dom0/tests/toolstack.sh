#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# toolstack: mica and micad as dom0's initramfs carries them (dom0-toolstack
# in dom0/dom0.mk): they start (their shared libraries are there), the
# domain schema is found (a bad domain XML gets its located error), and
# with the dom0 driver loaded, mica info reports the host and micad runs.
# Prints facts; tests/system/dom0.sh compares them.
echo "MICA-TEST toolstack verbs $(mica help 2>&1 | sed -n '/^Verbs:/,/^$/p' | grep -c '^  [a-z]')"

# No <vcpu>: only the schema (MICA_SCHEMA_DIR/domain.rng) catches that.
cat >/tmp/novcpu.xml <<'XML'
<domain type='mica'>
  <name>novcpu</name>
  <memory unit='MiB'>64</memory>
  <os><kernel>/bin/busybox</kernel></os>
</domain>
XML
out=$(mica create --dry-run /tmp/novcpu.xml 2>&1)
rc=$?
echo "MICA-TEST toolstack schema $(echo "$out" | head -n 1) (exit $rc, $(echo "$out" | wc -l) lines)"

if [ -e /dev/mica/privcmd ]; then
    echo "MICA-TEST toolstack privcmd yes"
    echo "MICA-TEST toolstack info-cpus $(mica info | sed -n 's/^nr_cpus *: //p')"
    echo "MICA-TEST toolstack list-dom0 $(mica list 0 | awk 'NR == 2 { print $1, $2 }')"
    echo "MICA-TEST toolstack micad $(pidof micad >/dev/null && echo running || echo absent)"
    echo "MICA-TEST toolstack domid $(mica domid dom0) domname $(mica domname 0)"
    echo "MICA-TEST toolstack json-dom0 $(mica list --json | grep -c '"domid": 0,')"
    echo "MICA-TEST toolstack vcpus $(mica vcpu-list 0 | awk 'NR > 1' | wc -l)"
    echo "MICA-TEST toolstack sched $(mica sched-credit -d 0 | awk 'NR == 2 { print $3, $4 }')"
    echo "MICA-TEST toolstack top $(mica top -b -n 2 -d 0.2 | grep -c '^dom0 ')"
    echo "MICA-TEST toolstack uptime $(mica uptime 0 | awk 'NR == 2 { print $1, $2 }')"
    echo "MICA-TEST toolstack dmesg $(mica dmesg | grep -c '^(mica)')"
    after=$(mica dmesg -c >/dev/null; mica dmesg | wc -c)
    echo "MICA-TEST toolstack dmesg-after-clear $after"
    out=$(micad --once 2>&1)
    echo "MICA-TEST toolstack micad-twice $out (exit $?)"
    out=$(mica pause no-such-domain 2>&1)
    echo "MICA-TEST toolstack unknown $out (exit $?)"
else
    echo "MICA-TEST toolstack privcmd no"
    echo "MICA-TEST toolstack info-error $(mica info 2>&1 | head -n 1)"
fi
