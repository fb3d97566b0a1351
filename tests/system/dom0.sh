#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# dom0 system tests: Mica booted by GRUB with Debian's stock kernel as dom0
# and Mica's initramfs (docs/dom0.md). Each test is one QEMU boot whose
# dom0 command line carries mica.test=NAME[,NAME...]: dom0's /init runs
# dom0/tests/NAME.sh, which prints facts as "MICA-TEST NAME KEY VALUE..."
# lines, then powers off. This runner compares those facts with what it
# configured and prints PASS/FAIL lines (tests/system/lib.sh).
#
# Sourced by tests/system/run.sh (after lib.sh), or run on its own:
#     tests/system/dom0.sh [BUILD]
# Environment:
#     DOM0_KERNEL, DOM0_INITRD, DOM0_CMDLINE  what to boot (default: the
#                  Debian kernel and Mica's initramfs in BUILD/dom0)
#     DOM0_TIMEOUT seconds one boot may take (default 120)
#     DOM0_TESTS   which tests to run (default: all; see dom0_tests below)
#     DOM0_ACCEL   QEMU's -accel (default $QEMU_ACCEL, single-threaded
#                  TCG; plain tcg for QEMU's multi-threaded TCG)
#     DOM0_STDIN   what QEMU's serial input reads (default /dev/null;
#                  tests/stress/dom0.sh gives it a FIFO for debug keys)
#     DOM0_NATIVE=1  boot the same kernel and initramfs without Mica
#                  (QEMU -kernel/-initrd): checks the tests themselves and
#                  gives the native baseline. Checks of the hypervisor's
#                  own lines are skipped; never used by `make check-system`.
#
# QEMU's serial output is read live, through a FIFO, and each line is
# written to serial.log as it is and to serial.ts with the host's arrival
# time in front (the time test measures dom0's sleep with it). A boot can
# end QEMU itself once a line has appeared (the reboot test: the second
# boot's banner) or some seconds after it (the panic test).

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -u
    cd "$(dirname "$0")/../.." || exit 1
    BUILD=${1:-build}
    . tests/system/lib.sh
fi

DOM0_KERNEL=${DOM0_KERNEL:-$BUILD/dom0/vmlinuz}
DOM0_INITRD=${DOM0_INITRD:-$BUILD/dom0/initrd.img}
DOM0_CMDLINE=${DOM0_CMDLINE:-console=ttyS0,115200 earlyprintk=serial,ttyS0,115200}
DOM0_TIMEOUT=${DOM0_TIMEOUT:-120}
DOM0_NATIVE=${DOM0_NATIVE:-}
DOM0_SKIP=""          # set once a boot hangs before dom0's banner
TSLOG=""              # the current boot's timestamped serial log
DOM0_KILLED=""        # set when the runner ended QEMU itself

# dom0_qemu DIR QFLAGS HVOPTS CMDLINE INITRD OUT: start QEMU for one boot
# in the background, its serial port written to OUT, and set QPID.
dom0_qemu() {
    local dir=$1 qflags=$2 hvopts=$3 cmdline=$4 initrd=$5 out=$6 reboot=-no-reboot o
    [ -z "${DOM0_REBOOT:-}" ] || reboot=
    if [ -n "$DOM0_NATIVE" ]; then
        # What Mica would give dom0, given to the whole machine instead.
        for o in $hvopts; do
            case $o in
            dom0_vcpus=*) qflags="$qflags -smp ${o#*=}" ;;
            dom0_mem=*)   qflags="$qflags -m ${o#*=}" ;;
            esac
        done
        # QEMU's pvpanic device ends QEMU (status 1) on a kernel panic.
        timeout "$DOM0_TIMEOUT" "$QEMU" -accel "${DOM0_ACCEL:-$QEMU_ACCEL}" -machine q35 \
            ${qflags/-cpu max/-cpu max,-rdtscp} -display none $reboot -monitor none \
            -device pvpanic -action panic=exit-failure \
            -kernel "$DOM0_KERNEL" ${initrd:+-initrd "$initrd"} -append "$cmdline" \
            -serial stdio <"${DOM0_STDIN:-/dev/null}" >"$out" 2>"$dir/qemu.out" &
    else
        timeout "$DOM0_TIMEOUT" "$QEMU" -accel "${DOM0_ACCEL:-$QEMU_ACCEL}" -machine q35 $qflags \
            -display none $reboot -monitor none \
            -device isa-debug-exit,iobase=0xf4,iosize=0x01 \
            -cdrom "$dir/test.iso" -serial stdio <"${DOM0_STDIN:-/dev/null}" >"$out" \
            2>"$dir/qemu.out" &
    fi
    QPID=$!
}

# dom0_serial FIFO: copy QEMU's serial lines from FIFO into LOG and, with
# the arrival time in front, TSLOG, until QEMU closes it. Once DOM0_STOP
# has matched DOM0_STOP_COUNT lines (default 1), QEMU gets DOM0_STOP_AFTER
# more seconds (default 0) to end by itself before it is ended (QPID).
dom0_serial() {
    local hits=0 deadline="" line="" part st
    exec {logfd}>"$LOG" {tsfd}>"$TSLOG" {infd}<"$1"
    while :; do
        if [ -n "$deadline" ] && [ "${EPOCHREALTIME%.*}" -ge "$deadline" ]; then
            DOM0_KILLED=1; deadline=""
            kill "$QPID" 2>/dev/null
        fi
        IFS= read -r -t 1 -u "$infd" part
        st=$?
        line+=$part
        if [ "$st" -gt 128 ]; then continue; fi     # no whole line within 1 s
        if [ "$st" -ne 0 ] && [ -z "$line" ]; then break; fi   # end of file
        line=${line%$'\r'}
        printf '%s\n' "$line" >&"$logfd"
        printf '%s %s\n' "$EPOCHREALTIME" "$line" >&"$tsfd"
        if [ -n "${DOM0_STOP:-}" ] && [ -z "$DOM0_KILLED$deadline" ] &&
           [[ $line =~ $DOM0_STOP ]]; then
            hits=$((hits + 1))
            [ "$hits" -lt "${DOM0_STOP_COUNT:-1}" ] ||
                deadline=$(( ${EPOCHREALTIME%.*} + ${DOM0_STOP_AFTER:-0} ))
        fi
        line=""
    done
    exec {logfd}>&- {tsfd}>&- {infd}<&-
}

# boot_dom0 NAME "QEMU FLAGS" "HYPERVISOR OPTIONS" "DOM0 CMDLINE" [INITRD]
# Sets T, LOG, TSLOG and RC like lib.sh's boot. Returns 1 (after a FAIL
# line) when there is nothing to check. Optional, set for the call:
#     DOM0_STOP, DOM0_STOP_COUNT, DOM0_STOP_AFTER  end QEMU after a line
#         (dom0_serial)
#     DOM0_REBOOT=1  let a guest reset restart the machine (no -no-reboot)
boot_dom0() {
    local name=$1 qflags=$2 hvopts=$3 cmdline=$4 initrd=${5-$DOM0_INITRD}
    local dir=$BUILD/tests/system/$name
    T=system/$name
    if [ -n "$DOM0_NATIVE" ]; then dir=$BUILD/tests/native/$name; T=native/$name; fi
    mkdir -p "$dir"
    LOG=$dir/serial.log; TSLOG=$dir/serial.ts
    : >"$LOG"; : >"$TSLOG"
    RC=-1; DOM0_KILLED=""
    if [ -n "$DOM0_SKIP" ]; then
        fail "boot dom0" "not run: $DOM0_SKIP"
        return 1
    fi
    if [ -z "$DOM0_NATIVE" ] && ! tests/system/mkiso-dom0.sh "$dir/test.iso" \
            "console=com1 debug_exit=0xf4 $hvopts" "$DOM0_KERNEL" "$cmdline" "$initrd"; then
        fail "build the ISO" "mkiso-dom0.sh failed"
        return 1
    fi
    local fifo=$dir/serial.fifo t0=$EPOCHREALTIME
    rm -f "$fifo"; mkfifo "$fifo"
    dom0_qemu "$dir" "$qflags" "$hvopts" "$cmdline" "$initrd" "$fifo"
    dom0_serial "$fifo"
    wait "$QPID"
    RC=$?
    rm -f "$fifo"
    echo "# $T: QEMU exit $RC after $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s${DOM0_KILLED:+ (ended by the runner)}"
    if [ "$RC" -eq 124 ]; then
        fail "QEMU ends by itself" "killed after ${DOM0_TIMEOUT}s; serial log tail: $(tail -n 3 "$LOG" | tr '\n' '|')"
        if ! grep -a -q '^Mica dom0: ' "$LOG"; then
            DOM0_SKIP="dom0 never came up in $name (${DOM0_TIMEOUT}s timeout)"
        fi
    fi
    return 0
}

# mt TEST KEY: the rest of the first "MICA-TEST TEST KEY ..." line.
mt() {
    sed -n "s/.*MICA-TEST $1 $2 //p" "$LOG" | head -n1
}

# dom0_says: the last lines of the hypervisor's and the kernel's about how
# dom0 got on, joined with '|', for FAIL lines.
dom0_says() {
    grep -a -E '^\(mica\)|Kernel panic|Run /init' "$LOG" | tail -n 4 | tr '\n' '|'
}

# dom0_up: dom0's /init printed its banner; else one FAIL line with what
# the hypervisor said about dom0, and the test stops there.
dom0_up() {
    local banner
    banner=$(grep -a -m1 '^Mica dom0: ' "$LOG")
    if [ -n "$banner" ]; then
        pass "dom0 reached /init ($banner)"
        return 0
    fi
    fail "dom0 reached /init" "no 'Mica dom0:' banner; last lines: $(dom0_says)"
    return 1
}

# script_ran TEST...: each dom0 test script ran to its end with status 0.
script_ran() {
    local t
    for t in "$@"; do
        expect_line "dom0 test script $t ran to the end" "MICA-TEST $t end 0\$"
    done
}

# hv_line "what" REGEX: a line of the hypervisor's own (not checked natively).
hv_line() {
    if [ -n "$DOM0_NATIVE" ]; then echo "# $T: native, not checked: $1"; return; fi
    expect_line "$@"
}

# dom0_off: dom0's poweroff -f ended the machine with the success status.
dom0_off() {
    if [ -n "$DOM0_NATIVE" ]; then expect_rc 0 "native: ACPI power-off"; return; fi
    no_hypervisor_crash
    expect_rc "$EXIT_DONE" "dom0 powered off"
}

# check_smp N: dom0 sees N CPUs, a clean kernel log and the TSC clocksource.
check_smp() {
    local n=$1 v bad
    expect_line "the banner counts $n CPUs" "^Mica dom0: Linux .*, $n CPUs\$"
    v=$(mt smp nproc)
    if [ "$v" = "$n" ]; then pass "nproc is $n"; else fail "nproc is $n" "got '${v}'"; fi
    v=$(mt smp cpuinfo)
    if [ "$v" = "$n" ]; then pass "/proc/cpuinfo lists $n processors"
    else fail "/proc/cpuinfo lists $n processors" "got '${v}'"; fi
    bad=$(sed -n 's/.*MICA-TEST smp bad-log //p' "$LOG")
    if [ "$(mt smp bad-log-count)" = 0 ]; then
        pass "no BUG/Oops/WARNING/soft lockup/unchecked MSR/unstable clocksource in dmesg"
    else
        fail "no BUG/Oops/WARNING/soft lockup/unchecked MSR/unstable clocksource in dmesg" \
            "$(mt smp bad-log-count) lines, e.g. $(echo "$bad" | head -n 5 | tr '\n' '|')"
        echo "$bad" | sed "s|^|# $T: dmesg: |"
    fi
    v=$(mt smp clocksource)
    if [ "$v" = tsc ]; then pass "clocksource is tsc"
    elif [ -n "$DOM0_NATIVE" ]; then echo "# $T: native: clocksource $v (TCG offers no invariant TSC)"
    else fail "clocksource is tsc" "got '${v}'"; fi
    script_ran smp
}

# check_irq N: LOC rose on each of the N CPUs over one second.
check_irq() {
    local n=$1 cpu b a seen=0
    while read -r cpu b a; do
        seen=$((seen + 1))
        if [[ $b =~ ^[0-9]+$ && $a =~ ^[0-9]+$ ]] && [ "$a" -gt "$b" ]; then
            pass "local timer interrupts rise on $cpu ($b -> $a in 1 s)"
        else
            fail "local timer interrupts rise on $cpu" "LOC $b -> $a"
        fi
    done < <(sed -n 's/.*MICA-TEST irq loc //p' "$LOG")
    if [ "$seen" -eq "$n" ]; then pass "/proc/interrupts has LOC counts for $n CPUs"
    else fail "/proc/interrupts has LOC counts for $n CPUs" "found $seen"; fi
    script_ran irq
}

# check_pci: dom0's Linux found the virtual PCI bus (public/platform.h): the
# host bridge at 00:00.0 and the Mica platform device at 00:02.0 with their
# IDs and classes, MSI allowed on the platform device, nothing else, and no
# ACPI or PCI complaint in its log.
check_pci() {
    local v bad
    if [ -n "$DOM0_NATIVE" ]; then echo "# $T: native, not checked: Mica's PCI bus"; return; fi
    v=$(mt pci "dev 0000:00:00.0")
    if [[ $v == "0x4d43 0x0000 0x060000 "* ]]; then
        pass "PCI 0000:00:00.0 is the host bridge (4d43:0000, class 060000)"
    else
        fail "PCI 0000:00:00.0 is the host bridge (4d43:0000, class 060000)" "got '${v}'"
    fi
    v=$(mt pci "dev 0000:00:02.0")
    if [ "$v" = "0x4d43 0x0001 0x088000 msi_bus=1" ]; then
        pass "PCI 0000:00:02.0 is the Mica platform device (4d43:0001, class 088000), MSI allowed"
    else
        fail "PCI 0000:00:02.0 is the Mica platform device (4d43:0001, class 088000), MSI allowed" \
            "got '${v}'"
    fi
    v=$(mt pci count)
    if [ "$v" = 2 ]; then pass "dom0 sees exactly 2 PCI functions"
    else fail "dom0 sees exactly 2 PCI functions" "got '${v}': $(sed -n 's/.*MICA-TEST pci dev //p' "$LOG" | tr '\n' '|')"; fi
    bad=$(sed -n 's/.*MICA-TEST pci bad-log //p' "$LOG")
    if [ "$(mt pci bad-log-count)" = 0 ]; then
        pass "no ACPI or PCI error or warning in dom0's kernel log"
    else
        fail "no ACPI or PCI error or warning in dom0's kernel log" \
            "$(mt pci bad-log-count) lines, e.g. $(echo "$bad" | head -n 5 | tr '\n' '|')"
        echo "$bad" | sed "s|^|# $T: dmesg: |"
    fi
    script_ran pci
}

# ts REGEX: the host's arrival time of the first line matching REGEX.
ts() {
    awk -v re="$1" '{ t = $1; sub(/^[^ ]* /, "") } $0 ~ re { print t; exit }' "$TSLOG"
}

# check_time: a 5 s sleep in dom0 takes 5 s +- 5% on the host's clock, and
# dom0's date agrees with the host's within 5 s.
check_time() {
    local t1 t2 gap d host
    t1=$(ts 'MICA-TEST time mark1$'); t2=$(ts 'MICA-TEST time mark2$')
    if [ -n "$t1" ] && [ -n "$t2" ]; then
        gap=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.3f", b - a }')
        if awk -v g="$gap" 'BEGIN { exit !(g >= 4.75 && g <= 5.25) }'; then
            pass "sleep 5 in dom0 takes 5 s +- 5% on the host ($gap s)"
        else
            fail "sleep 5 in dom0 takes 5 s +- 5% on the host" "took $gap s"
        fi
    else
        fail "sleep 5 in dom0 takes 5 s +- 5% on the host" "mark lines missing"
    fi
    d=$(mt time date); host=$(ts 'MICA-TEST time date ')
    if [[ $d =~ ^[0-9]+$ ]] && [ -n "$host" ] &&
       awk -v d="$d" -v h="$host" 'BEGIN { x = d - h; if (x < 0) x = -x; exit !(x <= 5) }'; then
        pass "dom0's date is the host's within 5 s (dom0 $d, host ${host%.*})"
    else
        fail "dom0's date is the host's within 5 s" "dom0 '$d', host '${host%.*}'"
    fi
    script_ran time
}

# check_toolstack N: mica and micad from the initramfs (dom0/tests/toolstack.sh).
check_toolstack() {
    local v
    script_ran toolstack
    v=$(mt toolstack verbs)
    [ "${v:-0}" -ge 18 ] && pass "mica runs in dom0: its libraries are in the initramfs ($v verbs)" ||
        fail "mica runs in dom0" "mica help listed '${v}' verbs"
    expect_line "the domain schema is found: an XML without <vcpu> gets FILE:LINE: element: problem" \
        "MICA-TEST toolstack schema mica: create: /tmp/novcpu.xml:1: domain: schema: .*vcpu.* \(exit 1, 1 lines\)"
    if [ "$(mt toolstack privcmd)" = yes ]; then
        v=$(mt toolstack info-cpus)
        [ "$v" = "$1" ] && pass "mica info reports $1 CPUs" || fail "mica info" "nr_cpus '${v}'"
        expect_line "mica list shows dom0" "MICA-TEST toolstack list-dom0 [^ ]+ 0\$"
        expect_line "/init started micad" "MICA-TEST toolstack micad running"
        expect_line "mica domid dom0 is 0, domname 0 is dom0" "MICA-TEST toolstack domid 0 domname dom0\$"
        expect_line "mica list --json has dom0" "MICA-TEST toolstack json-dom0 1\$"
        expect_line "mica vcpu-list 0 shows $1 vCPUs" "MICA-TEST toolstack vcpus $1\$"
        expect_line "mica sched-credit -d 0: weight 256, no cap" "MICA-TEST toolstack sched 256 0\$"
        expect_line "mica top -b -n 2 prints dom0 twice" "MICA-TEST toolstack top 2\$"
        expect_line "mica uptime shows dom0" "MICA-TEST toolstack uptime dom0 0\$"
        expect_line "mica dmesg has the hypervisor's lines" "MICA-TEST toolstack dmesg [1-9][0-9]*\$"
        expect_line "mica dmesg after dmesg -c has at most a line or two" \
            "MICA-TEST toolstack dmesg-after-clear [0-9]{1,3}\$"
        expect_line "a second micad refuses to run beside /init's" \
            "MICA-TEST toolstack micad-twice micad: another micad is running \(pid [0-9]+\) \(exit 1\)\$"
        expect_line "an unknown domain: one line, exit 1" \
            "MICA-TEST toolstack unknown mica: pause: no-such-domain: no such domain \(exit 1\)\$"
    else
        expect_line "without the driver, mica info says so in one line" \
            "MICA-TEST toolstack info-error mica: info: /dev/mica/privcmd: .*driver loaded"
    fi
}

# check_console: ttyS0 has an interrupt that counted during a 32 KiB write,
# and every line of the write arrived whole and in order (dom0/tests/console.sh).
check_console() {
    local b a bad v
    v=$(mt console irq-line)
    if [[ $v =~ IO-APIC\ +4-edge\ +ttyS0 ]]; then pass "ttyS0 is on IO-APIC pin 4, edge ($v)"
    elif [ -n "$DOM0_NATIVE" ] && [[ $v == *ttyS0* ]]; then echo "# $T: native: $v"
    else fail "ttyS0 is on IO-APIC pin 4, edge" "/proc/interrupts: '${v}'"; fi
    read -r b a <<<"$(mt console irq)"
    if [[ ${b:-} =~ ^[0-9]+$ && ${a:-} =~ ^[0-9]+$ ]] && [ "$a" -gt "$b" ]; then
        pass "ttyS0's interrupt count rises during the write ($b -> $a)"
    else
        fail "ttyS0's interrupt count rises during the write" "got '${b:-} ${a:-}'; driver: $(mt console driver)"
    fi
    bad=$(tr -d '\r' <"$LOG" | awk -v want=512 -v pat=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLM '
        /MICA-CON/ { if ($0 != sprintf("MICA-CON %04d %s", n, pat)) { print "line " n ": " substr($0, 1, 80); exit }
                     n++ }
        END { if (n != want) print n " lines of " want }')
    if [ -z "$bad" ]; then pass "a 32 KiB write through ttyS0 arrives complete and in order (512 lines)"
    else fail "a 32 KiB write through ttyS0 arrives complete and in order" "$bad"; fi
    script_ran console
}

# ------------------------------------------------------------------ tests

DOM0_MARKER=mica.marker=cmdline-7f3a
DOM0_Q="-cpu max -m 1024"

# Two CPUs, dom0 given all of them by default; the clock; the console's
# interrupt and a big write; poweroff. In a run of the system tests
# (tests/system/run.sh) these scripts come first in the dom0 boot of the
# areas of its CTL_GROUPS group (tests/system/areas/ctl.sh: 2 CPUs too,
# dom0_mem=1024M of 2 GiB; nothing here depends on the memory).
DOM0_SMP2_TESTS=smp,irq,time,pci,console,toolstack
test_dom0_smp2() {
    if declare -F ctl_share >/dev/null &&
       ctl_share dom0-smp2 "$DOM0_SMP2_TESTS" 0 dom0_smp2_checks; then
        return 0
    fi
    boot_dom0 dom0-smp2 "$DOM0_Q -smp 2" "" "$DOM0_CMDLINE mica.test=$DOM0_SMP2_TESTS" || return
    dom0_up || return
    dom0_smp2_checks
}

# dom0_smp2_checks: test_dom0_smp2's checks of a boot where dom0 came up.
dom0_smp2_checks() {
    local ver=$BUILD/dom0/kernel.version
    if [ "$DOM0_KERNEL" = "$BUILD/dom0/vmlinuz" ] && [ -f "$ver" ]; then
        expect_line "dom0 runs the fetched kernel ($(head -n1 "$ver"))" \
            "^Mica dom0: Linux $(head -n1 "$ver"), "
    fi
    check_smp 2
    check_irq 2
    check_time
    check_pci
    check_console
    check_toolstack 2
    dom0_off
}

test_dom0_smp4() {
    boot_dom0 dom0-smp4 "$DOM0_Q -smp 4" "" "$DOM0_CMDLINE mica.test=smp,irq" || return
    dom0_up || return
    check_smp 4
    check_irq 4
    dom0_off
}

# dom0_vcpus=1 on two CPUs, dom0_mem=384M, and a word of our own on dom0's
# command line that must reach /proc/cmdline untouched.
test_dom0_vcpus1() {
    boot_dom0 dom0-vcpus1-mem "$DOM0_Q -smp 2" "dom0_vcpus=1 dom0_mem=384M" \
        "$DOM0_CMDLINE mica.test=smp,irq,mem $DOM0_MARKER" || return
    dom0_up || return
    check_smp 1
    check_irq 1
    local kib
    kib=$(mt mem memtotal-kib)
    # The kernel keeps some for itself: expect 75% to 100% of 384 MiB.
    if [[ $kib =~ ^[0-9]+$ ]] && [ "$kib" -le $((384 * 1024)) ] && [ "$kib" -ge $((288 * 1024)) ]; then
        pass "dom0_mem=384M: MemTotal $((kib / 1024)) MiB"
    else
        fail "dom0_mem=384M: MemTotal between 288 and 384 MiB" "MemTotal '${kib}' KiB"
    fi
    expect_line "dom0's /proc/cmdline has $DOM0_MARKER" "MICA-TEST mem cmdline .*$DOM0_MARKER( |\$)"
    # The TSC rate the hypervisor measured reaches dom0 as tsc_early_khz=
    # (dom0_build.c): Linux's own calibration under TCG is sometimes 7-10% low.
    local mhz khz
    mhz=$(grep -aom1 'TSC: [0-9]*\.[0-9]* MHz' "$LOG" | tr -dc '0-9')
    khz=$((10#${mhz:-0}))
    if [ "$khz" -gt 0 ]; then
        expect_line "dom0's /proc/cmdline has tsc_early_khz=$khz (the hypervisor's TSC rate)" \
            "MICA-TEST mem cmdline .*tsc_early_khz=$khz( |\$)"
    else
        fail "dom0's /proc/cmdline has the hypervisor's TSC rate" "no 'TSC: N.NNN MHz' line in the hypervisor log"
    fi
    script_ran mem
    dom0_off
}

# reboot -f resets the machine and dom0 comes up again, on make run's
# machine (issue 12): QEMU's AMD IOMMU, q35's AHCI with a fresh ext4 image
# (tests/system/mkhostdisk.sh) and an e1000e on user-mode networking, Mica
# dom0_pci=view. dom0 runs hostdisk.sh, hostnet.sh, then reboot.sh: the
# first boot mounts the disk at /srv/mica, writes 4 MiB and their sha256,
# remounts it read-only, gets an address for the NIC by DHCP and pings
# QEMU's gateway, and reboots; the second boot finds the same sum and
# powers off (hostdisk.sh), so the machine ends by itself. The runner
# ends QEMU only if it has not 60 s after that line.
test_dom0_reboot() {
    local img sum t0
    img=$BUILD/tests/${DOM0_NATIVE:+native-}dom0-reboot-disk.img
    if ! tests/system/mkhostdisk.sh "$img" 64M; then
        fail "dom0-reboot: make the disk image" "tests/system/mkhostdisk.sh $img failed"
        return
    fi
    DOM0_REBOOT=1 DOM0_STOP='^MICA-TEST hostdisk (found|none)' DOM0_STOP_AFTER=60 DOM0_TIMEOUT=420 \
        boot_dom0 dom0-reboot "$DOM0_Q -smp 2 -device amd-iommu $(hostdisk_q "$img") $HOSTNET_Q" \
        "dom0_pci=view" "$DOM0_CMDLINE mica.test=hostdisk,hostnet,reboot" || return
    dom0_up || return
    expect_line "dom0 asked for a reboot" 'MICA-TEST reboot rebooting$'
    expect_no_line "reboot -f did not return" 'MICA-TEST reboot still-running'
    hv_line "the hypervisor reports dom0's reboot" '^\(mica\).*((d0|dom0).*(reboot|restart)|restarting)'
    [ -n "$DOM0_NATIVE" ] ||
        expect_count "the hypervisor started twice" 2 '^\(mica\) Mica .* hypervisor$'
    expect_count "dom0 came up a second time" 2 '^Mica dom0: '
    expect_count "both boots mount dom0's disk (stock ahci behind the IOMMU) at /srv/mica" 2 \
        '^MICA-TEST hostdisk mounted: mica-hostdisk: /dev/sd[a-z] \(LABEL=mica-dom0\) on /srv/mica: [0-9]+ MiB free$'
    sum=$(sed -n 's/^MICA-TEST hostdisk wrote \([0-9a-f]\{64\}\)$/\1/p' "$LOG" | head -n 1)
    if [ -n "$sum" ]; then pass "the first boot wrote 4 MiB and their sha256 ($sum)"
    else fail "the first boot wrote 4 MiB and their sha256" "no 'wrote' line: $(grep -a 'MICA-TEST hostdisk' "$LOG" | tr '\n' '|')"; fi
    expect_line "the first boot left the file system read-only for the reboot" '^MICA-TEST hostdisk remounted read-only$'
    if [ -n "$sum" ] && grep -aqx "MICA-TEST hostdisk found $sum expected $sum" "$LOG"; then
        pass "after the reboot dom0 reads the same 4 MiB back from its disk"
    else
        fail "after the reboot dom0 reads the same 4 MiB back from its disk" \
            "$(grep -a 'MICA-TEST hostdisk found' "$LOG" || echo 'no found line')"
    fi
    expect_line "dom0's e1000e gets an address by DHCP from QEMU (mica-hostnet)" \
        '^MICA-TEST hostnet up 0 mica-hostnet: eth[0-9]+: 10\.0\.2\.[0-9]+/24 from DHCP server 10\.0\.2\.2, no default route\|$'
    expect_line "dom0 pings QEMU's host address (10.0.2.2) through its own NIC" '^MICA-TEST hostnet ping 10\.0\.2\.2 ok$'
    if [[ $(mt hostnet irqs) =~ ^[1-9][0-9]*$ ]]; then pass "the NIC's interrupts reach dom0 ($(mt hostnet irqs))"
    else fail "the NIC's interrupts reach dom0" "irqs '$(mt hostnet irqs)'"; fi
    script_ran hostnet
    [ -z "$DOM0_KILLED" ] || fail "the second boot powered off by itself" \
        "the runner ended QEMU; last lines: $(dom0_says)"
    dom0_off
    if "$(command -v e2fsck || echo /sbin/e2fsck)" -fn "$img" >"$img.fsck" 2>&1; then
        pass "the disk's file system is clean after the reboot and the power-off (e2fsck -fn)"
    else
        fail "the disk's file system is clean after the reboot and the power-off" "$(tail -n 3 "$img.fsck" | tr '\n' '|')"
    fi
    t0=$("$(command -v debugfs || echo /sbin/debugfs)" -R 'cat /hostdisk-test.sha' "$img" 2>/dev/null)
    if [ -n "$sum" ] && [ "$t0" = "$sum" ]; then
        pass "the host finds the sum dom0 wrote in the image"
    else
        fail "the host finds the sum dom0 wrote in the image" "debugfs says '$t0'"
    fi
}

# make run's NIC: an e1000e on QEMU's user-mode network, restrict=on.
HOSTNET_Q="-netdev user,id=hn0,restrict=on -device e1000e,netdev=hn0"

# hostdisk_q IMAGE: q35's AHCI port 0 with IMAGE (the ISO is on port 2).
hostdisk_q() {
    echo "-drive file=$1,if=none,id=hd0,format=raw -device ide-hd,drive=hd0,bus=ide.0"
}

# A dom0 kernel crash: the hypervisor says dom0 crashed and, with
# on_dom0_crash=poweroff, powers off with the failure status. The runner
# gives it 30 s after Linux's panic line before ending QEMU itself.
test_dom0_panic() {
    DOM0_STOP='Kernel panic - not syncing' DOM0_STOP_AFTER=30 \
        boot_dom0 dom0-panic "$DOM0_Q -smp 2" "on_dom0_crash=poweroff" \
        "$DOM0_CMDLINE mica.test=panic" || return
    dom0_up || return
    expect_line "dom0 started the crash" 'MICA-TEST panic crashing$'
    expect_no_line "the crash stopped the script" 'MICA-TEST panic still-running'
    expect_line "dom0's kernel panicked" 'Kernel panic - not syncing'
    if [ -n "$DOM0_NATIVE" ]; then
        expect_rc 1 "native: the pvpanic module told QEMU of the panic"
        return
    fi
    expect_line "the hypervisor reports dom0's crash" '^\(mica\).*(d0|dom0).*(crash|killed)'
    no_hypervisor_crash
    expect_rc "$EXIT_FAILED" "on_dom0_crash=poweroff"
}

# A user's own initramfs through DOM0_INITRD (here: busybox and an /init
# that prints one line and powers off).
test_dom0_custom() {
    boot_dom0 dom0-custom-initrd "$DOM0_Q -smp 2" "" "$DOM0_CMDLINE" \
        "$BUILD/dom0/custom-initrd.img" || return
    if grep -a -q '^CUSTOM INITRAMFS OK' "$LOG"; then pass "dom0 ran the user's /init"
    else fail "dom0 ran the user's /init" "no 'CUSTOM INITRAMFS OK'; last lines: $(dom0_says)"; fi
    expect_no_line "Mica's own /init did not run" '^Mica dom0: '
    if grep -a -q '^CUSTOM SECOND ARCHIVE OK: SECOND ARCHIVE MARKER' "$LOG"; then
        pass "the second gzip'd cpio of a concatenated initramfs reached dom0 (module2 --nounzip)"
    else
        fail "the second gzip'd cpio of a concatenated initramfs reached dom0 (module2 --nounzip)" \
            "no 'CUSTOM SECOND ARCHIVE OK'; last lines: $(dom0_says)"
    fi
    dom0_off
}

# dom0_typist DIR: a FIFO for QEMU's serial input (DOM0_STDIN) and, in the
# background, a typist that waits for each answer in DIR/serial.log before
# the next keys: a command for dom0's shell, Ctrl-A x3 and 'm' for the
# hypervisor, Ctrl-A x3 back, a second command, then poweroff -f. Natively
# the Ctrl-As go to the shell (cursor to the line's start, on an empty line)
# and 'm' is not typed.
dom0_typist() {
    local dir=$1
    mkdir -p "$dir"
    rm -f "$dir/in.fifo"; mkfifo "$dir/in.fifo"
    DOM0_STDIN=$dir/in.fifo
    (
        exec 9>"$dir/in.fifo"
        seen() {
            local i
            for ((i = 0; i < DOM0_TIMEOUT; i++)); do
                { tr -d '\r' <"$dir/serial.log"; } 2>/dev/null | grep -a -q -E -- "$1" && return 0
                sleep 1
            done
            return 1
        }
        seen '^dom0 shell: ' || exit 0
        sleep 2
        printf 'echo typed-$((6 * 7))\r' >&9
        seen '^typed-42' || exit 0
        printf '\001\001\001' >&9
        [ -n "$DOM0_NATIVE" ] || seen 'console input now goes to the hypervisor' || exit 0
        [ -n "$DOM0_NATIVE" ] || printf 'm' >&9     # natively it would join the next command
        [ -n "$DOM0_NATIVE" ] || seen '^\(mica\) memory: ' || exit 0
        printf '\001\001\001' >&9
        [ -n "$DOM0_NATIVE" ] || seen 'console input now goes to dom0' || exit 0
        printf 'echo back-$((5 * 5))\r' >&9
        seen '^back-25' || exit 0
        printf 'poweroff -f\r' >&9
        sleep "$DOM0_TIMEOUT"
    ) &
}

# Console input through the receive interrupt: dom0's interactive shell
# runs what is typed on the serial port, and Ctrl-A x3 still switches the
# input to the hypervisor's keys and back.
test_dom0_input() {
    local dir=$BUILD/tests/system/dom0-input typist
    [ -z "$DOM0_NATIVE" ] || dir=$BUILD/tests/native/dom0-input
    dom0_typist "$dir"
    typist=$!
    boot_dom0 dom0-input "$DOM0_Q -smp 2" "" "$DOM0_CMDLINE"
    local booted=$?
    kill "$typist" 2>/dev/null; wait "$typist" 2>/dev/null
    rm -f "$dir/in.fifo"; DOM0_STDIN=""
    [ "$booted" -eq 0 ] || return
    dom0_up || return
    expect_line "dom0's shell ran a command typed on the serial port" '^typed-42$'
    hv_line "Ctrl-A x3 gives the console input to the hypervisor" 'console input now goes to the hypervisor'
    hv_line "the hypervisor's key 'm' answers" '^\(mica\) memory: [0-9]+ of [0-9]+ frames free'
    hv_line "Ctrl-A x3 gives it back to dom0" 'console input now goes to dom0'
    expect_line "dom0's shell ran a second command after the switch back" '^back-25$'
    dom0_off
}

# drv_checks GROUP: one PASS/FAIL per check mica-drvtest GROUP printed,
# and the group ran to its end having checked something.
drv_checks() {
    local g=$1 name res n=0
    while read -r name res; do
        n=$((n + 1))
        if [ "$res" = ok ]; then pass "driver: $g: $name"
        else fail "driver: $g: $name" "${res#fail: }"; fi
    done < <(tr -d '\r' <"$LOG" | sed -n "s/^MICA-TEST drv $g \([^ ]*\) \(ok\|fail: .*\)\$/\1 \2/p")
    if [ "$n" -gt 0 ] && grep -a -q "^MICA-TEST drv $g done $n " "$LOG"; then
        pass "driver: mica-drvtest $g ran its $n checks to the end"
    else
        fail "driver: mica-drvtest $g ran to the end" \
            "$n check lines; end line: '$(grep -a "^MICA-TEST drv $g done" "$LOG")'"
    fi
}

# Mica's dom0 driver (docs/dom0-driver.md): mica.ko loaded by the platform
# device's modalias and bound to it, /dev/mica/privcmd (hypercalls, foreign
# mappings), /dev/mica/evtchn (event channels through the MSI upcall),
# /dev/mica/gntdev and gntalloc (grants, in a loopback through dom0 itself),
# unloaded and loaded again. Natively: no device, nothing binds.
test_dom0_drv() {
    # Without micad: it would hold the devices open (no rmmod) and bind
    # ports of its own (the checks count on dom0's ports being theirs).
    boot_dom0 dom0-drv "$DOM0_Q -smp 2" "" "$DOM0_CMDLINE mica.test=drv mica.micad=0" || return
    dom0_up || return
    if [ -n "$DOM0_NATIVE" ]; then
        expect_line "native: no Mica device, mica.ko not loaded" 'MICA-TEST drv loaded no$'
        expect_line "native: mica.ko loads and unloads without its device" \
            'MICA-TEST drv nodevice OK$'
        script_ran drv
        dom0_off
        return
    fi
    expect_line "mica.ko loaded by the platform device's modalias" 'MICA-TEST drv loaded yes$'
    expect_line "mica bound the platform device 0000:00:02.0" 'MICA-TEST drv bound (.* )?0000:00:02\.0 '
    expect_line "the bound device is 4d43:0001" 'MICA-TEST drv id 0000:00:02\.0 0x4d43:0x0001$'
    expect_line "/dev/mica/{evtchn,gntalloc,gntdev,privcmd} exist" \
        'MICA-TEST drv devices evtchn gntalloc gntdev privcmd$'
    drv_checks privcmd
    drv_checks mmap
    expect_line "driver: rmmod refused while a file is open" 'MICA-TEST drv busy OK$'
    expect_line "driver: mica.ko unloads and loads again by modalias" 'MICA-TEST drv reload OK$'
    drv_checks evtchn
    drv_checks gnt
    drv_checks fuzz
    drv_checks upcall-cpu0
    drv_checks upcall-cpu1
    hv_line "driver: a console write through privcmd reached the hypervisor console" \
        '\(d0\) mica-drvtest: hello from dom0 through privcmd$'
    expect_no_line "driver: no BUG, Oops or WARNING in dom0" \
        'BUG:|Oops|WARNING:|general protection|Call Trace'
    script_ran drv
    dom0_off
}

dom0_tests() {
    local t
    for t in ${DOM0_TESTS:-smp2 smp4 vcpus1 reboot panic custom drv input}; do
        "test_dom0_$t"
    done
}

# Areas that boot dom0 themselves (tests/system/areas/ctl.sh) source this
# file with DOM0_LIB_ONLY=1 for its functions alone.
[ -n "${DOM0_LIB_ONLY:-}" ] || dom0_tests
