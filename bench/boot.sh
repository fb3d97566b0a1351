#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/boot.sh [BUILD]: how long dom0 takes to boot under Mica, next to the
# same kernel and initramfs booted natively and as Xen 4.17's PVH dom0
# (bench/README.md). Prints figures; asserts nothing.
#
# Three configurations, each a GRUB (BIOS) ISO booted in QEMU with the same
# flags, one boot at a time, in rounds (native, Mica, Xen, native, ...):
#     native  GRUB `linux`/`initrd`: the kernel on the bare machine
#     mica    GRUB `multiboot2` Mica, the kernel and initramfs as dom0
#             (tests/system/mkiso-dom0.sh)
#     xen     GRUB `multiboot2` Xen 4.17 (Debian's package, bench/fetch-xen.sh)
#             with the kernel and initramfs as a PVH dom0
# dom0's command line carries mica.test=bootbench: /init runs
# dom0/tests/bootbench.sh, which writes "MICA-TEST bootbench uptime SECONDS"
# to the kernel's log (so the console prints it at once), and then powers
# the machine off. One boot's figure is the host's wall time from starting
# QEMU to that line's arrival on the serial port, read live. QEMU then gets
# BENCH_GRACE seconds to power off by itself (the time it took is shown
# too) before it is ended.
#
# Environment:
#     QEMU            the QEMU binary (default qemu-system-x86_64)
#     BENCH_RUNS      boots per configuration (default 3); the median is shown
#     BENCH_TIMEOUT   seconds one boot may take to reach the line (default 180)
#     BENCH_GRACE     seconds QEMU gets after the line to power off (default 30)
#     BENCH_CONFIGS   which configurations, in order (default "native mica xen")
#     DOM0_KERNEL, DOM0_INITRD  what to boot (default BUILD/dom0/vmlinuz and
#                     BUILD/dom0/initrd.img); the initramfs must be Mica's,
#                     for /init and /tests/bootbench.sh
#     XEN_GZ          the Xen image (default BUILD/bench/xen/xen.gz)
#
# Logs go to BUILD/bench/boot/: CONFIG.iso, CONFIG/runN/serial.log (as it
# came), serial.ts (each line with the host's arrival time in front),
# qemu.out (QEMU's own messages); runs.tsv has one line per boot and
# results.txt what was printed at the end. Exits 0 when every boot reached
# the line, whatever the figures; otherwise says which did not and why, and
# exits 1.

set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}
QEMU=${QEMU:-qemu-system-x86_64}
BENCH_RUNS=${BENCH_RUNS:-3}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-180}
BENCH_GRACE=${BENCH_GRACE:-30}
BENCH_CONFIGS=${BENCH_CONFIGS:-native mica xen}
DOM0_KERNEL=${DOM0_KERNEL:-$BUILD/dom0/vmlinuz}
DOM0_INITRD=${DOM0_INITRD:-$BUILD/dom0/initrd.img}
XEN_GZ=${XEN_GZ:-$BUILD/bench/xen/xen.gz}
OUT=$BUILD/bench/boot

# The one machine every configuration boots on.
QEMU_FLAGS="-accel tcg -machine q35 -device amd-iommu -cpu max,-rdtscp -smp 2 -m 1024 -display none -no-reboot"
TEST=mica.test=bootbench
MARKER='MICA-TEST bootbench uptime '
MICA_OPTS="console=com1"
XEN_OPTS="dom0=pvh console=com1 com1=115200,8n1 dom0_mem=768M noreboot=false"
# Targets from the issue: Mica within 1.3x native, at least 2x faster than Xen.
TARGET_NATIVE=1.3
TARGET_XEN=2

. bench/lib.sh         # say, grub_iso
die() { echo "mica: bench: $*" >&2; exit 1; }

[[ $BENCH_RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS=$BENCH_RUNS: not a positive number"
[[ $BENCH_TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "BENCH_TIMEOUT=$BENCH_TIMEOUT: not a positive number"
[[ $BENCH_GRACE =~ ^[0-9]+$ ]] || die "BENCH_GRACE=$BENCH_GRACE: not a number"
command -v "$QEMU" >/dev/null || die "$QEMU: not found (Debian package: qemu-system-x86)"
command -v grub-mkrescue >/dev/null || die "grub-mkrescue: not found (Debian package: grub-common)"

declare -A LABEL=([native]="native Linux" [mica]="Mica" [xen]="Xen 4.17 PVH")
declare -A BROKEN=()    # config -> why it cannot run at all
declare -A MARK=() OFF=() UP=()   # "config run" -> seconds (empty: none)
declare -A FAILED=()    # "config run" -> why that boot gave no figure
BUSY=0                  # boots that started beside another QEMU process
for c in $BENCH_CONFIGS; do
    [ -n "${LABEL[$c]:-}" ] || die "BENCH_CONFIGS: unknown configuration '$c' (native, mica, xen)"
done

# ------------------------------------------------------------- the ISOs

# make_iso CONFIG: build OUT/CONFIG.iso, or set BROKEN[CONFIG].
make_iso() {
    local c=$1 iso=$OUT/$1.iso f
    for f in "$DOM0_KERNEL" "$DOM0_INITRD"; do
        [ -f "$f" ] || { BROKEN[$c]="$f: no such file (make dom0)"; return; }
    done
    case $c in
    native)
        grub_iso "$iso" "    linux /boot/vmlinuz console=ttyS0 $TEST
    initrd /boot/initrd.img" "$DOM0_KERNEL:vmlinuz" "$DOM0_INITRD:initrd.img" ||
            BROKEN[$c]="grub-mkrescue failed (see $iso.log)" ;;
    mica)
        [ -f "$BUILD/mica.elf" ] || { BROKEN[$c]="$BUILD/mica.elf: no such file (make hypervisor)"; return; }
        MICA_ELF=$BUILD/mica.elf tests/system/mkiso-dom0.sh "$iso" "$MICA_OPTS" \
            "$DOM0_KERNEL" "console=ttyS0 $TEST" "$DOM0_INITRD" >"$iso.log" 2>&1 ||
            BROKEN[$c]="tests/system/mkiso-dom0.sh failed (see $iso.log)" ;;
    xen)
        # A PVH dom0 has no UART of its own (Xen keeps COM1): its console
        # is hvc0, which Xen copies to its serial line.
        [ -f "$XEN_GZ" ] || { BROKEN[$c]="$XEN_GZ: no such file (bench/fetch-xen.sh DIR fetches DIR/xen.gz)"; return; }
        grub_iso "$iso" "    multiboot2 /boot/xen.gz $XEN_OPTS
    module2 /boot/vmlinuz console=hvc0 $TEST
    module2 /boot/initrd.img" "$XEN_GZ:xen.gz" "$DOM0_KERNEL:vmlinuz" "$DOM0_INITRD:initrd.img" ||
            BROKEN[$c]="grub-mkrescue failed (see $iso.log)" ;;
    esac
}

# ------------------------------------------------------------- one boot

# elapsed FROM TO: TO - FROM in seconds, 2 decimals.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# tail_of FILE: its last 3 non-empty lines joined with '|', or "(empty)".
tail_of() {
    local t
    t=$(grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -n 3 | tr '\n' '|')
    echo "${t:-(empty)}"
}

# boot CONFIG N: boot OUT/CONFIG.iso once; set MARK, OFF, UP or FAILED.
boot() {
    local c=$1 n=$2 dir=$OUT/$1/run$2 key="$1 $2"
    local fifo t0 tmark="" texit="" deadline="" killed="" line="" part st qpid rc
    mkdir -p "$dir"
    fifo=$dir/serial.fifo
    rm -f "$fifo"; mkfifo "$fifo" || { FAILED[$key]="mkfifo $fifo failed"; return; }
    ! others_running || BUSY=$((BUSY + 1))
    t0=$EPOCHREALTIME
    # shellcheck disable=SC2086
    timeout "$BENCH_TIMEOUT" "$QEMU" $QEMU_FLAGS -monitor none \
        -cdrom "$OUT/$c.iso" -serial stdio </dev/null >"$fifo" 2>"$dir/qemu.out" &
    qpid=$!
    exec {logfd}>"$dir/serial.log" {tsfd}>"$dir/serial.ts" {infd}<"$fifo"
    while :; do
        if [ -n "$deadline" ] && [ "${EPOCHREALTIME%.*}" -ge "$deadline" ]; then
            killed=1; deadline=""
            kill "$qpid" 2>/dev/null
        fi
        IFS= read -r -t 1 -u "$infd" part
        st=$?
        line+=$part
        if [ "$st" -gt 128 ]; then continue; fi                 # no whole line yet
        if [ "$st" -ne 0 ] && [ -z "$line" ]; then break; fi   # QEMU closed it
        local now=$EPOCHREALTIME
        line=${line%$'\r'}
        printf '%s\n' "$line" >&"$logfd"
        printf '%s %s\n' "$now" "$line" >&"$tsfd"
        if [ -z "$tmark" ] && [[ $line == *"$MARKER"* ]]; then
            tmark=$now
            deadline=$(( ${now%.*} + BENCH_GRACE ))
        fi
        line=""
    done
    texit=$EPOCHREALTIME
    exec {logfd}>&- {tsfd}>&- {infd}<&-
    wait "$qpid"
    rc=$?
    rm -f "$fifo"
    UP[$key]=$(sed -n "s/.*${MARKER}\([0-9.]*\).*/\1/p" "$dir/serial.log" | head -n1)
    if [ -n "$tmark" ]; then
        MARK[$key]=$(elapsed "$t0" "$tmark")
        if [ -z "$killed" ] && [ "$rc" -eq 0 ]; then
            OFF[$key]=$(elapsed "$t0" "$texit")
            say "${LABEL[$c]}, run $n: ${MARK[$key]} s to the line, QEMU powered off at ${OFF[$key]} s"
        else
            say "${LABEL[$c]}, run $n: ${MARK[$key]} s to the line; the machine did not power off by itself (QEMU ended by bench/boot.sh, status $rc)"
        fi
    elif [ "$rc" -eq 124 ]; then
        FAILED[$key]="no '${MARKER% }' line within ${BENCH_TIMEOUT} s; serial log ends: $(tail_of "$dir/serial.log")"
    else
        local q
        q=$(tail_of "$dir/qemu.out")
        FAILED[$key]="QEMU ended (status $rc) after $(elapsed "$t0" "$texit") s without a '${MARKER% }' line;${q:+ QEMU says: $q} serial log ends: $(tail_of "$dir/serial.log")"
    fi
    [ -z "${FAILED[$key]:-}" ] || say "${LABEL[$c]}, run $n: FAILED: ${FAILED[$key]}"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$n" "${MARK[$key]:--}" "${OFF[$key]:--}" \
        "${UP[$key]:--}" "$rc" >>"$OUT/runs.tsv"
}

# ------------------------------------------------------------- figures

# stats CONFIG ARRAY: "count median min max" of ARRAY's values for CONFIG
# ("0" when there are none).
stats() {
    local -n arr=$2
    local n vals=()
    for ((n = 1; n <= BENCH_RUNS; n++)); do
        [ -z "${arr["$1 $n"]:-}" ] || vals+=("${arr["$1 $n"]}")
    done
    [ ${#vals[@]} -gt 0 ] || { echo 0; return; }
    printf '%s\n' "${vals[@]}" | sort -g | awk '{ v[NR] = $1 }
        END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              printf "%d %.2f %.2f %.2f\n", NR, m, v[1], v[NR] }'
}

# ratio A B: A / B, 2 decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# met VALUE OP LIMIT: "met" or "not met".
met() { awk -v v="$1" -v l="$3" -v op="$2" \
    'BEGIN { ok = op == "<=" ? v <= l : v >= l; print ok ? "met" : "not met" }'; }

# others_running: another QEMU is using the host's CPUs (ours are not
# running when this is asked).
others_running() { pgrep '^qemu-system' >/dev/null 2>&1; }

# host_info: what the figures were measured on.
host_info() {
    local cpu
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
    echo "host:    $(uname -srm), $(nproc) CPUs ($cpu), load average $LOAD0 before the first boot"
    echo "QEMU:    $("$QEMU" --version | head -n1)"
    echo "         $QEMU_FLAGS -monitor none -cdrom CONFIG.iso -serial stdio"
    echo "kernel:  $DOM0_KERNEL$( [ ! -f "$BUILD/dom0/kernel.version" ] || [ "$DOM0_KERNEL" != "$BUILD/dom0/vmlinuz" ] ||
        echo " ($(sed -n 2p "$BUILD/dom0/kernel.version"))"), initramfs $DOM0_INITRD"
    echo "Mica:    $BUILD/mica.elf from $(git describe --always --dirty 2>/dev/null || echo 'an unknown tree'), options: $MICA_OPTS"
    echo "Xen:     $XEN_GZ ($(cat "${XEN_GZ%/*}/xen.version" 2>/dev/null || echo 'version unknown')), options: $XEN_OPTS"
    [ "$BUSY" -eq 0 ] ||
        echo "warning: $BUSY boot(s) started while another QEMU was running on this host: figures are slower and noisier than on an idle host"
}

# exit_counts: Mica's per-reason exit counts for dom0 from the serial log
# of its median boot, each vCPU's line and the reasons summed over vCPUs.
exit_counts() {
    local n med best="" d log
    read -r _ med _ _ <<<"$(stats mica MARK)"
    [ -n "${med:-}" ] || return
    # The boot closest to the median (the lower one of two in the middle).
    best=$(for ((n = 1; n <= BENCH_RUNS; n++)); do
        [ -z "${MARK["mica $n"]:-}" ] || echo "$n ${MARK["mica $n"]}"
    done | awk -v m="$med" '{ d = $2 - m; if (d < 0) d = -d } NR == 1 || d < bd { bd = d; b = $1 } END { print b }')
    log=$OUT/mica/run$best/serial.log
    echo
    echo "Mica's exits for dom0 (run $best, $log):"
    d=$(grep -E '^\(mica\) d0.*(shut down|vcpu[0-9]+: [0-9]+ exits)' "$log")
    if [ -z "$d" ]; then
        echo "  none printed (the hypervisor prints them when dom0 shuts down)"
        return
    fi
    echo "${d//(mica) /  }"
    echo "$d" | grep -E 'exits:' | awk '
        { for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2 && kv[2] ~ /^[0-9]+$/) {
              if (!(kv[1] in sum)) order[++k] = kv[1]
              sum[kv[1]] += kv[2]; total += kv[2] } }
        END { if (!total) exit
              line = sprintf("  all vCPUs: %d exits:", total)
              for (i = 1; i <= k; i++)
                  line = line sprintf(" %s=%d (%.1f%%)", order[i], sum[order[i]], 100 * sum[order[i]] / total)
              print line }'
}

# report: the table, the targets, Mica's exits and what failed.
report() {
    local c cnt med min max off up rn="" rx="" xn tn tx
    declare -A MED=()
    for c in $BENCH_CONFIGS; do
        read -r cnt med _ _ <<<"$(stats "$c" MARK)"
        [ "$cnt" -eq 0 ] || MED[$c]=$med
    done
    [ -z "${MED[mica]:-}" ] || [ -z "${MED[native]:-}" ] || rn=$(ratio "${MED[mica]}" "${MED[native]}")
    [ -z "${MED[mica]:-}" ] || [ -z "${MED[xen]:-}" ] || rx=$(ratio "${MED[xen]}" "${MED[mica]}")

    echo
    echo "Boot time: QEMU start to dom0's '${MARKER}N' line on the serial port (seconds, host wall clock)"
    host_info
    echo
    printf '%-14s %-5s %8s %7s %7s %8s %7s %7s  %-24s %s\n' configuration runs "median s" "min s" "max s" \
        "x native" "off s" "up s" "target: <= ${TARGET_NATIVE}x native" "target: >= ${TARGET_XEN}x faster than Xen"
    for c in $BENCH_CONFIGS; do
        read -r cnt med min max <<<"$(stats "$c" MARK)"
        read -r _ off _ _ <<<"$(stats "$c" OFF)"
        read -r _ up _ _ <<<"$(stats "$c" UP)"
        xn=-; tn=-; tx=-
        [ "$cnt" -eq 0 ] || [ -z "${MED[native]:-}" ] || xn=$(ratio "$med" "${MED[native]}")x
        if [ "$c" = mica ]; then
            tn="n/a"; tx="n/a"
            [ -z "$rn" ] || tn="$(met "$rn" '<=' "$TARGET_NATIVE") (${rn}x)"
            [ -z "$rx" ] || tx="$(met "$rx" '>=' "$TARGET_XEN") (Xen/Mica ${rx}x)"
        fi
        printf '%-14s %-5s %8s %7s %7s %8s %7s %7s  %-24s %s\n' "${LABEL[$c]}" "$cnt/$BENCH_RUNS" \
            "${med:--}" "${min:--}" "${max:--}" "$xn" "${off:--}" "${up:--}" "$tn" "$tx"
    done
    echo
    echo "median/min/max: to the line; off s: median to QEMU's exit when the machine powered"
    echo "itself off; up s: median of dom0's /proc/uptime at the line (the guest's own clock)."
    echo "The targets are informational: the exit status only says whether every boot ran."
    [[ " $BENCH_CONFIGS " != *" mica "* ]] || exit_counts
}

# ------------------------------------------------------------- main

rm -rf "$OUT"
mkdir -p "$OUT"
printf 'config\trun\tto_line_s\tto_poweroff_s\tdom0_uptime_s\tqemu_status\n' >"$OUT/runs.tsv"
if [ -f "$DOM0_INITRD.list" ] && ! grep -q '^file /tests/bootbench.sh ' "$DOM0_INITRD.list"; then
    die "$DOM0_INITRD has no /tests/bootbench.sh: rebuild it (make dom0)"
fi

for c in $BENCH_CONFIGS; do
    say "building $OUT/$c.iso"
    make_iso "$c"
    [ -z "${BROKEN[$c]:-}" ] || say "${LABEL[$c]}: cannot run: ${BROKEN[$c]}"
done

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
say "$BENCH_RUNS run(s) of each configuration, one boot at a time, timeout ${BENCH_TIMEOUT} s a boot"
for ((n = 1; n <= BENCH_RUNS; n++)); do
    for c in $BENCH_CONFIGS; do
        [ -z "${BROKEN[$c]:-}" ] || continue
        boot "$c" "$n"
        # A configuration that has never reached the line is not booted again.
        if [ -n "${FAILED["$c $n"]:-}" ] && [ "$(stats "$c" MARK)" = 0 ]; then
            BROKEN[$c]="run $n: ${FAILED["$c $n"]} (the remaining runs were not made)"
        fi
    done
done

report | tee "$OUT/results.txt"

status=0
for c in $BENCH_CONFIGS; do
    if [ -n "${BROKEN[$c]:-}" ]; then
        echo "bench: ${LABEL[$c]} could not run: ${BROKEN[$c]}" | tee -a "$OUT/results.txt" >&2
        status=1
        continue
    fi
    for ((n = 1; n <= BENCH_RUNS; n++)); do
        [ -z "${FAILED["$c $n"]:-}" ] && continue
        echo "bench: ${LABEL[$c]}, run $n gave no figure: ${FAILED["$c $n"]}" | tee -a "$OUT/results.txt" >&2
        status=1
    done
done
echo "bench: logs in $OUT/"
exit $status
