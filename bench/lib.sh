# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# bench/lib.sh: what the benchmarks booting dom0 once share (bench/blk.sh,
# domu.sh, net.sh source it): the output directory, the ISO of Mica with
# dom0 running one bench script, and one QEMU run logged line by line until
# the script's last marker. Expects BUILD and QEMU set, and runs from the
# repository's top.
#
#   bench_init NAME            OUT=$BUILD/bench/NAME, made; say()
#   bench_iso MICA_OPTS DOM0_OPTS     $OUT/mica.iso ($OUT/iso.log); exits on failure
#   grub_iso ISO ENTRY SRC:DEST...   a GRUB ISO booting ENTRY (bench/boot.sh, disk.sh)
#   bench_run TIMEOUT DONE LOG [ts]   QEMU (QEMU_FLAGS) on the ISO ($BENCH_ISO,
#                              default $OUT/mica.iso) until a
#                              serial line holds DONE (or TIMEOUT s): each
#                              line, without its CR, into LOG (with ts:
#                              prefixed by the host's $EPOCHREALTIME)

say() { echo "bench: $*"; }

bench_init() {
    OUT=$BUILD/bench/$1
    mkdir -p "$OUT"
}

bench_iso() {
    MICA_ELF=$BUILD/mica.elf tests/system/mkiso-dom0.sh "$OUT/mica.iso" "$1" \
        "$BUILD/dom0/vmlinuz" "$2" "$BUILD/dom0/initrd.img" >"$OUT/iso.log" 2>&1 ||
        { say "mkiso failed: $OUT/iso.log"; exit 1; }
}

bench_run() {
    local timeout=$1 done=$2 log=$3 ts=${4:-} fifo=$OUT/serial.fifo qpid line

    rm -f "$fifo"; mkfifo "$fifo" || { say "mkfifo $fifo failed"; exit 1; }
    # shellcheck disable=SC2086
    timeout "$timeout" "$QEMU" $QEMU_FLAGS -monitor none -cdrom "${BENCH_ISO:-$OUT/mica.iso}" \
        -serial stdio </dev/null >"$fifo" 2>"$OUT/qemu.out" &
    qpid=$!
    : >"$log"
    while IFS= read -r line; do
        line=${line%$'\r'}
        if [ -n "$ts" ]; then
            printf '%s %s\n' "$EPOCHREALTIME" "$line" >>"$log"
        else
            printf '%s\n' "$line" >>"$log"
        fi
        case $line in *"$done"*) break ;; esac
    done <"$fifo"
    kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; rm -f "$fifo"
}

# grub_iso ISO "MENU ENTRY LINES" SRC:DEST...: a GRUB (BIOS) ISO with each
# SRC copied to /boot/DEST and one menu entry, booted at once.
grub_iso() {
    local iso=$1 entry=$2 f stage rc=0
    shift 2
    stage=$(mktemp -d "${TMPDIR:-/tmp}/mica-bench.XXXXXX") || return 1
    mkdir -p "$stage/boot/grub"
    for f in "$@"; do
        cp "${f%%:*}" "$stage/boot/${f#*:}" || { rm -rf "$stage"; return 1; }
    done
    printf 'set timeout=0\nset default=0\nmenuentry "bench" {\n%s\n    boot\n}\n' \
        "$entry" >"$stage/boot/grub/grub.cfg"
    grub-mkrescue -o "$iso" "$stage" >"$iso.log" 2>&1 || rc=1
    rm -rf "$stage"
    return $rc
}
