#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# bench/core.sh [BUILD]: micro-benchmarks of Mica's core operations in TSC
# cycles, beside Xen 4.17's where Xen has the equivalent (bench/README.md).
# Prints figures; asserts nothing.
#
# Mica: the bench test guest (tests/guests/bench.c) in two boots:
#     core  one privileged guest: null hypercall, loopback event send ->
#           upcall on the same vCPU, grant map+unmap, 4 KiB grant copy,
#           domain create+destroy
#     pair  ping (pCPU 0) and pong (pCPU 1), pinned with affinity=: an
#           event round trip across pCPUs, and half of it
# Xen:  bench/xen-pvh/ (a tiny PVH kernel) as Xen's dom0, making the same
#       calls through Xen's own hypercalls; its two vCPUs, pinned, for the
#       cross-pCPU round trip.
# Every boot is on the same QEMU machine as bench/boot.sh's.
#
# Environment:
#     QEMU                the QEMU binary
#     BENCH_CORE_N        iterations per figure (default 2000, at most 4096)
#     BENCH_CORE_NDOM     domain create+destroy iterations (default 50)
#     BENCH_CORE_BATCH    operations timed together in one sample (default 50)
#     BENCH_CORE_TIMEOUT  seconds a boot may take (default 300)
#     XEN_GZ              the Xen image (default BUILD/bench/xen/xen.gz)
#     XEN_BENCH_ELF       the PVH kernel (default BUILD/bench/xen-pvh/xenbench.elf)
#     BENCH_CORE_CONFIGS  "mica xen" (default) or either
#
# Logs: BUILD/bench/core/ (each boot's ISO, serial.log, qemu.out; results.txt).

set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${1:-build}
QEMU=${QEMU:-qemu-system-x86_64}
N=${BENCH_CORE_N:-2000}
NDOM=${BENCH_CORE_NDOM:-50}
BATCH=${BENCH_CORE_BATCH:-50}
TIMEOUT=${BENCH_CORE_TIMEOUT:-300}
XEN_GZ=${XEN_GZ:-$BUILD/bench/xen/xen.gz}
XEN_BENCH_ELF=${XEN_BENCH_ELF:-$BUILD/bench/xen-pvh/xenbench.elf}
CONFIGS=${BENCH_CORE_CONFIGS:-mica xen}
OUT=$BUILD/bench/core

# The machine bench/boot.sh boots on (the IOMMU is for Xen's PVH dom0).
QEMU_FLAGS="-accel tcg -machine q35 -device amd-iommu -cpu max,-rdtscp -smp 2 -m 1024 -display none -no-reboot"
XEN_OPTS="dom0=pvh console=com1 com1=115200,8n1 dom0_mem=64M dom0_max_vcpus=2 dom0_vcpus_pin noreboot=false"

say() { echo "bench: $*"; }
die() { echo "mica: bench-core: $*" >&2; exit 1; }

[[ $N =~ ^[1-9][0-9]*$ ]] || die "BENCH_CORE_N=$N: not a positive number"
[[ $NDOM =~ ^[1-9][0-9]*$ ]] || die "BENCH_CORE_NDOM=$NDOM: not a positive number"
[[ $BATCH =~ ^[1-9][0-9]*$ ]] || die "BENCH_CORE_BATCH=$BATCH: not a positive number"
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "BENCH_CORE_TIMEOUT=$TIMEOUT: not a positive number"
command -v "$QEMU" >/dev/null || die "$QEMU: not found (Debian package: qemu-system-x86)"
command -v grub-mkrescue >/dev/null || die "grub-mkrescue: not found (Debian package: grub-common)"

declare -A MED=() P10=() P90=() CNT=()   # "config name" -> figure
declare -A WHY=()                         # config -> why it has no figures at all
TSC_KHZ=""
BUSY=""                                   # boots that started beside another QEMU
status=0

# run NAME ISO: boot ISO once; BENCH lines into the arrays for NAME's config.
run() {
    local name=$1 iso=$2 dir=$OUT/$1 rc
    mkdir -p "$dir"
    ! pgrep '^qemu-system' >/dev/null 2>&1 || BUSY="$BUSY $name"
    say "booting $name"
    # shellcheck disable=SC2086
    timeout "$TIMEOUT" "$QEMU" $QEMU_FLAGS -monitor none \
        -device isa-debug-exit,iobase=0xf4,iosize=0x01 \
        -cdrom "$iso" -serial "file:$dir/serial.log" </dev/null >"$dir/qemu.out" 2>&1
    rc=$?
    [ -f "$dir/serial.log" ] || : >"$dir/serial.log"
    [ "$rc" -ne 124 ] || say "$name: killed after $TIMEOUT s"
    tr -d '\r' <"$dir/serial.log" | sed -nE 's/^(\([^)]*\) )?BENCH //p' >"$dir/bench.txt"
    [ -s "$dir/bench.txt" ] || {
        say "$name: no BENCH lines (QEMU status $rc); serial log ends: $(tail -n 3 "$dir/serial.log" | tr -d '\r' | tr '\n' '|')"
        return 1
    }
    local cfg=${name%%-*} key med p10 p90 n
    while read -r key rest; do
        case $key in
        tsc_khz) [ -n "$TSC_KHZ" ] || TSC_KHZ=$rest ;;
        *) if read -r _ med _ p10 _ p90 _ n <<<"$rest" && [[ $med =~ ^[0-9]+$ ]]; then
               MED["$cfg $key"]=$med; P10["$cfg $key"]=$p10; P90["$cfg $key"]=$p90; CNT["$cfg $key"]=$n
           else
               MED["$cfg $key"]="n/a${rest#none}"
           fi ;;
        esac
    done <"$dir/bench.txt"
    grep -E 'FAIL' "$dir/serial.log" | tr -d '\r' | sed "s/^/bench: $name: /"
    return 0
}

mica() {
    local iso=$OUT/mica-core.iso
    [ -f "$BUILD/mica.elf" ] && [ -f "$BUILD/tests/guests/bench.elf" ] || {
        WHY[mica]="$BUILD/mica.elf or $BUILD/tests/guests/bench.elf missing (make bench-core builds them)"
        return 1; }
    tests/system/mkiso.sh "$iso" "console=com1 debug_exit=0xf4" \
        "bench:name=core,privileged,mem=16M,mode=core,n=$N,ndom=$NDOM,batch=$BATCH" >"$iso.log" 2>&1 ||
        { WHY[mica]="mkiso.sh failed: $(tail -n 2 "$iso.log")"; return 1; }
    run mica-core "$iso" || status=1
    iso=$OUT/mica-pair.iso
    tests/system/mkiso.sh "$iso" "console=com1 debug_exit=0xf4" \
        "bench:name=ping,mode=ping,peer=2,cpu=0,affinity=0x1,n=$N" \
        "bench:name=pong,mode=pong,peer=1,cpu=1,affinity=0x2,n=$N" >"$iso.log" 2>&1 ||
        { WHY[mica]="mkiso.sh failed: $(tail -n 2 "$iso.log")"; return 1; }
    run mica-pair "$iso" || status=1
}

xen() {
    local iso=$OUT/xen.iso stage
    [ -f "$XEN_GZ" ] || { WHY[xen]="$XEN_GZ missing (bench/fetch-xen.sh fetches it)"; return 1; }
    [ -f "$XEN_BENCH_ELF" ] || { WHY[xen]="$XEN_BENCH_ELF missing (make bench-core builds it)"; return 1; }
    stage=$(mktemp -d)
    mkdir -p "$stage/boot/grub"
    cp "$XEN_GZ" "$stage/boot/xen.gz"
    cp "$XEN_BENCH_ELF" "$stage/boot/xenbench.elf"
    cat >"$stage/boot/grub/grub.cfg" <<GRUB
set timeout=0
set default=0
menuentry "Xen" {
    multiboot2 /boot/xen.gz $XEN_OPTS
    module2 /boot/xenbench.elf n=$N batch=$BATCH
    boot
}
GRUB
    grub-mkrescue -o "$iso" "$stage" >"$iso.log" 2>&1 ||
        { rm -rf "$stage"; WHY[xen]="grub-mkrescue failed: $(tail -n 2 "$iso.log")"; return 1; }
    rm -rf "$stage"
    run xen "$iso" || { WHY[xen]="the boot gave no figures (see $OUT/xen/serial.log)"; status=1; }
}

us() {   # cycles -> microseconds at TSC_KHZ
    [ -n "$TSC_KHZ" ] && [[ $1 =~ ^[0-9]+$ ]] || { echo -; return; }
    awk -v c="$1" -v k="$TSC_KHZ" 'BEGIN { printf "%.2f", c * 1000 / k }'
}

# Xen's cell for a figure Xen has no equivalent of, or that was not measured.
declare -A XEN_NA=(
    [domain_create_destroy]="n/a (needs Xen's toolstack: createdomain, max_mem, populate, destroy)"
)
NAMES="rdtsc_overhead null_hypercall evtchn_send_upcall_same_vcpu evtchn_send_upcall_cross_pcpu evtchn_roundtrip_cross_pcpu grant_map_unmap grant_copy_4k domain_create_destroy"

report() {
    local name m x
    echo
    echo "Core operations: TSC cycles per operation (median of n samples; p10-p90 the spread)"
    echo "host:    $(uname -srm), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "QEMU:    $("$QEMU" --version | head -n1)"
    echo "         $QEMU_FLAGS"
    echo "TSC:     ${TSC_KHZ:-unknown} kHz (Mica's physinfo; the same emulated TSC under Xen)"
    echo "Mica:    $BUILD/mica.elf from $(git describe --always --dirty 2>/dev/null || echo 'an unknown tree')"
    echo "Xen:     $XEN_GZ ($(cat "${XEN_GZ%/*}/xen.version" 2>/dev/null || echo 'version unknown')), options: $XEN_OPTS"
    echo
    [ -z "$BUSY" ] ||
        echo "warning: boot(s)$BUSY started while another QEMU was running on this host: figures are slower and noisier"
    echo
    printf '%-31s %10s %8s %21s %5s   %10s %8s %21s %5s %9s\n' operation "Mica" "µs" "p10-p90" n "Xen 4.17" "µs" "p10-p90" n "Xen/Mica"
    for name in $NAMES; do
        m=${MED["mica $name"]:-${WHY[mica]:+n/a}}
        x=${MED["xen $name"]:-}
        if [ -z "$x" ]; then x=${XEN_NA[$name]:-n/a${WHY[xen]:+ (${WHY[xen]})}}; fi
        if [[ $x =~ ^[0-9]+$ ]]; then
            local r=-
            [[ ${MED["mica $name"]:-} =~ ^[1-9][0-9]*$ ]] &&
                r=$(awk -v a="$x" -v b="${MED["mica $name"]}" 'BEGIN { printf "%.1fx", a / b }')
            x=$(printf '%10s %8s %21s %5s %9s' "$x" "$(us "$x")" "${P10["xen $name"]}-${P90["xen $name"]}" "${CNT["xen $name"]}" "$r")
        fi
        if [[ ${m:-} =~ ^[0-9]+$ ]]; then
            printf '%-31s %10s %8s %21s %5s   %s\n' "$name" "$m" "$(us "$m")" \
                "${P10["mica $name"]}-${P90["mica $name"]}" "${CNT["mica $name"]}" "$x"
        else
            printf '%-31s %-47s   %s\n' "$name" "${m:-n/a (no figure)}" "$x"
        fi
    done
    echo
    cat <<'NOTES'
rdtsc_overhead: two TSC reads back to back (n pairs). Xen 4.17 emulates its dom0's RDTSC on this
  machine (QEMU's TSC is not "reliable" to Xen), so under Xen a read is a VM exit.
The other figures but domain_create_destroy: each sample times a batch of operations between
  two reads and divides (batch 50 by default; n counts samples), on both sides, so that Xen's
  emulated RDTSC adds only 1/50 of its cost to each figure.
null_hypercall: Mica's version get; Xen's xen_version(XENVER_version).
evtchn_send_upcall_same_vcpu: send on one end of a loopback channel, spin until the upcall for
  the other end has run (Xen: callback vector set by HVM_PARAM_CALLBACK_IRQ).
evtchn_*_cross_pcpu: ping pinned to pCPU 0, pong to pCPU 1, both spinning with interrupts on;
  send_upcall is half the round trip. Mica: two domains, an interdomain channel. Xen: dom0's
  two vCPUs (dom0_vcpus_pin), an IPI port bound to each.
grant_map_unmap: map and unmap of a grant to oneself. Under Xen each map takes a fresh frame:
  Xen takes a frame a domain maps from its own grant away from its old gfn, so mapping one
  grant twice fails; that removal is in Xen's figure.
grant_copy_4k: one 4 KiB grant copy from an own frame to a granted frame.
domain_create_destroy: 256 KiB, 1 vCPU, created paused and destroyed, one per sample (Mica's
  log lines for each are in the figure).
NOTES
    for c in mica xen; do
        [ -z "${WHY[$c]:-}" ] || echo "$c: ${WHY[$c]}"
    done
}

rm -rf "$OUT"
mkdir -p "$OUT"
for c in mica xen; do
    [[ " $CONFIGS " == *" $c "* ]] || WHY[$c]="not run (BENCH_CORE_CONFIGS=$CONFIGS)"
done
for c in $CONFIGS; do
    case $c in
    mica) mica || status=1 ;;
    xen)  xen || true ;;     # Xen is best effort: its n/a cells say why
    *)    die "BENCH_CORE_CONFIGS: unknown configuration $c" ;;
    esac
done
report | tee "$OUT/results.txt"
say "logs in $OUT/"
exit $status
