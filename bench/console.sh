#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/console.sh [BUILD]: how fast dom0's console keeps up (bench/README.md).
# dom0 writes CONSOLE_KIB KiB (default 64) to its console through the tty
# layer (dom0/tests/consolebench.sh); the figure is the host's wall time
# from the start marker's arrival on the serial port to the done marker's,
# and the throughput that makes. The same kernel and initramfs are booted:
#     native   GRUB `linux`: Linux on QEMU's own 16550 (IRQ 4, IOAPIC)
#     mica     Mica's dom0 on the emulated COM1 (vuart.c)
#     mica0    the same with 0 KiB: the exits of everything but the write
#     xen      Xen 4.17's PVH dom0, console hvc0 (the console_io hypercall)
# Mica's exits per KiB are (exits of mica - exits of mica0) / CONSOLE_KIB,
# from the per-vCPU counts the hypervisor prints when dom0 powers off.
# Prints figures; asserts nothing. Exits 1 only when a boot gave no figure.
#
# Environment: QEMU, CONSOLE_KIB, CONSOLE_TIMEOUT (seconds a boot may take,
# default 300), CONSOLE_CONFIGS (default "native mica mica0 xen"),
# DOM0_KERNEL, DOM0_INITRD, MICA_ELF (default BUILD/mica.elf), XEN_GZ.
# Logs: BUILD/bench/console/CONFIG/serial.ts (lines with arrival times).

set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}
QEMU=${QEMU:-qemu-system-x86_64}
CONSOLE_KIB=${CONSOLE_KIB:-64}
CONSOLE_TIMEOUT=${CONSOLE_TIMEOUT:-300}
CONSOLE_CONFIGS=${CONSOLE_CONFIGS:-native mica mica0 xen}
DOM0_KERNEL=${DOM0_KERNEL:-$BUILD/dom0/vmlinuz}
DOM0_INITRD=${DOM0_INITRD:-$BUILD/dom0/initrd.img}
export MICA_ELF=${MICA_ELF:-$BUILD/mica.elf}
XEN_GZ=${XEN_GZ:-$BUILD/bench/xen/xen.gz}
OUT=$BUILD/bench/console
QEMU_FLAGS="-accel tcg -machine q35 -device amd-iommu -cpu max,-rdtscp -smp 2 -m 1024 -display none -no-reboot -monitor none"
XEN_OPTS="dom0=pvh console=com1 com1=115200,8n1 dom0_mem=768M noreboot=false"
TEST="mica.test=consolebench mica.consolebench="

say() { echo "bench: $*"; }
die() { echo "mica: bench: $*" >&2; exit 1; }

[[ $CONSOLE_KIB =~ ^[1-9][0-9]*$ ]] || die "CONSOLE_KIB=$CONSOLE_KIB: not a positive number"
[[ $CONSOLE_TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "CONSOLE_TIMEOUT=$CONSOLE_TIMEOUT: not a positive number"
command -v "$QEMU" >/dev/null || die "$QEMU: not found (Debian package: qemu-system-x86)"
[ ! -f "$DOM0_INITRD.list" ] || grep -q '^file /tests/consolebench.sh ' "$DOM0_INITRD.list" ||
    die "$DOM0_INITRD has no /tests/consolebench.sh: rebuild it (make dom0)"

declare -A LABEL=([native]="native Linux" [mica]="Mica" [mica0]="Mica, 0 KiB" [xen]="Xen 4.17 PVH")
declare -A WHY=() SECS=() LINES=() GUEST=() EXITS=() REASONS=()

# grub_iso ISO "ENTRY" SRC:DEST...: a GRUB ISO with one menu entry.
grub_iso() {
    local iso=$1 entry=$2 f stage rc=0
    shift 2
    stage=$(mktemp -d "${TMPDIR:-/tmp}/mica-bench.XXXXXX") || return 1
    mkdir -p "$stage/boot/grub"
    for f in "$@"; do cp "${f%%:*}" "$stage/boot/${f#*:}" || rc=1; done
    printf 'set timeout=0\nset default=0\nmenuentry "bench" {\n%s\n    boot\n}\n' \
        "$entry" >"$stage/boot/grub/grub.cfg"
    [ $rc -ne 0 ] || grub-mkrescue -o "$iso" "$stage" >"$iso.log" 2>&1 || rc=1
    rm -rf "$stage"
    return $rc
}

make_iso() {
    local c=$1 iso=$OUT/$1.iso kib=$CONSOLE_KIB
    [ "$c" != mica0 ] || kib=0
    case $c in
    native)
        grub_iso "$iso" "    linux /boot/vmlinuz console=ttyS0 $TEST$kib
    initrd /boot/initrd.img" "$DOM0_KERNEL:vmlinuz" "$DOM0_INITRD:initrd.img" ;;
    mica|mica0)
        tests/system/mkiso-dom0.sh "$iso" "console=com1" "$DOM0_KERNEL" \
            "console=ttyS0 $TEST$kib" "$DOM0_INITRD" >"$iso.log" 2>&1 ;;
    xen)
        [ -f "$XEN_GZ" ] || { WHY[$c]="$XEN_GZ: no such file"; return 1; }
        grub_iso "$iso" "    multiboot2 /boot/xen.gz $XEN_OPTS
    module2 /boot/vmlinuz console=hvc0 $TEST$kib
    module2 /boot/initrd.img" "$XEN_GZ:xen.gz" "$DOM0_KERNEL:vmlinuz" "$DOM0_INITRD:initrd.img" ;;
    esac || { WHY[$c]=${WHY[$c]:-"building $iso failed (see $iso.log)"}; return 1; }
}

# run CONFIG: one boot, its serial lines timestamped into OUT/CONFIG/serial.ts.
run() {
    local c=$1 dir=$OUT/$1 line part st t0
    mkdir -p "$dir"
    rm -f "$dir/fifo"; mkfifo "$dir/fifo" || { WHY[$c]="mkfifo failed"; return; }
    t0=$EPOCHREALTIME
    # shellcheck disable=SC2086
    timeout "$CONSOLE_TIMEOUT" "$QEMU" $QEMU_FLAGS -cdrom "$OUT/$c.iso" -serial stdio \
        </dev/null >"$dir/fifo" 2>"$dir/qemu.out" &
    exec {infd}<"$dir/fifo" {tsfd}>"$dir/serial.ts"
    line=""
    while :; do
        IFS= read -r -t 1 -u "$infd" part
        st=$?
        line+=$part
        if [ "$st" -gt 128 ]; then continue; fi
        if [ "$st" -ne 0 ] && [ -z "$line" ]; then break; fi
        printf '%s %s\n' "$EPOCHREALTIME" "${line//$'\r'/}" >&"$tsfd"
        line=""
    done
    exec {infd}<&- {tsfd}>&-
    wait $!
    rm -f "$dir/fifo"
    figures "$c" "$dir/serial.ts" "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')"
}

# figures CONFIG TSLOG SECONDS: what one boot measured, or why it did not.
figures() {
    local c=$1 ts=$2 t_start t_done
    t_start=$(awk '/MICA-TEST consolebench start/ { print $1; exit }' "$ts")
    t_done=$(awk '/MICA-TEST consolebench done/ { print $1; exit }' "$ts")
    if [ -z "$t_start" ] || [ -z "$t_done" ]; then
        WHY[$c]="no start/done markers after $3 s; log ends: $(tail -n 3 "$ts" | cut -d' ' -f2- | tr '\n' '|')"
        return
    fi
    SECS[$c]=$(awk -v a="$t_start" -v b="$t_done" 'BEGIN { printf "%.2f", b - a }')
    # Lines that arrived whole and in order: each must be the next one expected.
    LINES[$c]=$(awk -v pat=abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLM '
        $2 == "MICA-CB" && NF == 4 && $3 == sprintf("%05d", n) && $4 == pat { n++ }
        END { print n + 0 }' "$ts")
    GUEST[$c]=$(sed -n 's/.*MICA-TEST consolebench guest-seconds //p' "$ts" | head -n1)
    # "(mica) d0 vcpuN: TOTAL exits: reason=count ..." per vCPU, summed.
    EXITS[$c]=$(grep -E '\(mica\) d0 vcpu[0-9]+: [0-9]+ exits' "$ts" | awk '
        { for (i = 1; i <= NF; i++) if ($i == "exits:") t += $(i - 1) } END { if (NR) print t }')
    REASONS[$c]=$(grep -E '\(mica\) d0 vcpu[0-9]+: [0-9]+ exits' "$ts" | awk '
        { for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2 && kv[2] ~ /^[0-9]+$/) {
              if (!(kv[1] in s)) o[++k] = kv[1]; s[kv[1]] += kv[2] } }
        END { for (i = 1; i <= k; i++) printf "%s=%d ", o[i], s[o[i]] }')
    say "${LABEL[$c]}: $(sed -n 's/.*MICA-TEST consolebench start //p' "$ts" | head -n1) KiB in ${SECS[$c]} s on the host${GUEST[$c]:+ (${GUEST[$c]} s on the dom0 clock)}"
}

report() {
    local c kib kbs per d0 d
    echo
    echo "Console throughput: dom0 writes $CONSOLE_KIB KiB through its tty; host wall clock from the"
    echo "start marker's arrival on the serial port to the done marker's"
    echo "host:  $(uname -srm), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "QEMU:  $QEMU_FLAGS"
    echo "Mica:  $MICA_ELF from $(git describe --always --dirty 2>/dev/null || echo 'an unknown tree')"
    echo
    printf '%-14s %8s %9s %10s %8s  %s\n' configuration seconds "KiB/s" "lines ok" "guest s" "exits/KiB (Mica: minus the 0 KiB boot)"
    for c in $CONSOLE_CONFIGS; do
        [ "$c" != mica0 ] || continue
        if [ -z "${SECS[$c]:-}" ]; then
            printf '%-14s %s\n' "${LABEL[$c]}" "no figure: ${WHY[$c]:-not run}"
            continue
        fi
        kbs=$(awk -v k="$CONSOLE_KIB" -v s="${SECS[$c]}" 'BEGIN { printf "%.1f", (s > 0 ? k / s : 0) }')
        per=-
        if [ "$c" = mica ] && [ -n "${EXITS[mica]:-}" ] && [ -n "${EXITS[mica0]:-}" ]; then
            per=$(awk -v a="${EXITS[mica]}" -v b="${EXITS[mica0]}" -v k="$CONSOLE_KIB" \
                'BEGIN { printf "%.0f (%d - %d exits)", (a - b) / k, a, b }')
        fi
        printf '%-14s %8s %9s %10s %8s  %s\n' "${LABEL[$c]}" "${SECS[$c]}" "$kbs" \
            "${LINES[$c]}/$((CONSOLE_KIB * 16))" "${GUEST[$c]:--}" "$per"
    done
    for c in mica mica0; do
        [ -z "${REASONS[$c]:-}" ] || echo "${LABEL[$c]}: dom0's exits by reason: ${REASONS[$c]}"
    done
    echo "A 115200-baud line carries 11.25 KiB/s."
}

rm -rf "$OUT"
mkdir -p "$OUT"
for c in $CONSOLE_CONFIGS; do
    [ -n "${LABEL[$c]:-}" ] || die "CONSOLE_CONFIGS: unknown configuration '$c' (native, mica, mica0, xen)"
    say "building $OUT/$c.iso"
    make_iso "$c" && run "$c"
    [ -z "${WHY[$c]:-}" ] || say "${LABEL[$c]}: no figure: ${WHY[$c]}"
done
report | tee "$OUT/results.txt"
status=0
for c in $CONSOLE_CONFIGS; do [ -z "${WHY[$c]:-}" ] || status=1; done
echo "bench: logs in $OUT/"
exit $status
