#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# tests/stress/dom0.sh N "HYPERVISOR OPTIONS" TEST... : boot dom0 N times per
# TEST (smp2, smp4, reboot) and print the same PASS/FAIL lines as
# tests/system/dom0.sh, to chase failures too rare for `make test` (the
# ones issue 4's notes describe). Not part of `make test`: it takes as long
# as you let it. Every boot's logs stay in $STRESS_OUT/tests/system/.
#
# A boot with no dom0 banner after $KEYS_AFTER seconds (default 60) gets the
# hypervisor's debug keys on its serial input (Ctrl-A x3, then 'v': run
# queues, vCPUs and local APICs; then 'd': exit counts) before QEMU is
# killed at 90 s, so a hang leaves its state in serial.log.
#
# Environment: STRESS_OUT (default /tmp/mica-stress), MICA_ELF (default
# build/mica.elf, copied first so a rebuild does not disturb a run),
# EXTRA_CMD (added to dom0's command line; `nokaslr` makes RIPs
# symbolisable with tests/stress/ksym.sh), QEMU_EXTRA (more QEMU flags),
# DOM0_ACCEL (tests/system/dom0.sh; default single-threaded TCG, as in
# `make test`; `tcg` for QEMU's multi-threaded TCG and its SVM erratum).
#
#     tests/stress/dom0.sh 100 dom0_vcpus_pin=0 smp4 | grep -E '^FAIL|QEMU exit'
set -u
cd "$(dirname "$0")/../.." || exit 1
N=$1; HV=$2; shift 2
BUILD=${STRESS_OUT:-/tmp/mica-stress}
mkdir -p "$BUILD"
cp "${MICA_ELF:-build/mica.elf}" "$BUILD/mica.elf" || exit 1
export MICA_ELF=$BUILD/mica.elf
QEMU=${QEMU:-qemu-system-x86_64}
DOM0_KERNEL=$PWD/build/dom0/vmlinuz
DOM0_INITRD=$PWD/build/dom0/initrd.img
DOM0_CMDLINE="console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 ${EXTRA_CMD:-}"
DOM0_TESTS=" "                      # dom0.sh's own list: none
. tests/system/lib.sh
. tests/system/dom0.sh
DOM0_TIMEOUT=90

# Before a boot: a FIFO for QEMU's serial input, and the key presser.
keys_for() {
    local dir=$BUILD/tests/system/$1
    mkdir -p "$dir"
    rm -f "$dir/in.fifo"; mkfifo "$dir/in.fifo"
    DOM0_STDIN=$dir/in.fifo
    ( exec 9>"$dir/in.fifo"
      sleep "${KEYS_AFTER:-60}"
      if ! grep -a -q '^Mica dom0: ' "$dir/serial.log"; then
          printf '\001\001\001' >&9; sleep 1; printf 'v' >&9; sleep 2; printf 'd' >&9
      fi
      sleep 40 ) &
}

for i in $(seq 1 "$N"); do
    for t in "$@"; do
        DOM0_SKIP=""
        case $t in
        smp2|smp4)
            n=${t#smp}
            keys_for "s-$t-$i"
            boot_dom0 "s-$t-$i" "$DOM0_Q -smp $n ${QEMU_EXTRA:-}" "$HV" "$DOM0_CMDLINE mica.test=smp,irq"
            dom0_up && { check_smp "$n"; check_irq "$n"; dom0_off; } ;;
        reboot)
            keys_for "s-reboot-$i"
            DOM0_REBOOT=1 DOM0_STOP='^(Mica dom0: |\(mica\) Mica .* hypervisor$)' DOM0_STOP_COUNT=4 \
                boot_dom0 "s-reboot-$i" "$DOM0_Q -smp 2 ${QEMU_EXTRA:-}" "$HV" "$DOM0_CMDLINE mica.test=reboot"
            expect_count "dom0 came up a second time" 2 '^Mica dom0: '
            no_hypervisor_crash ;;
        *) echo "stress: unknown test $t (smp2, smp4, reboot)" >&2; exit 2 ;;
        esac
    done
done
