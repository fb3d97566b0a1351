# SPDX-License-Identifier: GPL-2.0-only
# boot() for Bochs, with the interface of tests/system/lib.sh's (which this
# file overrides; source it after lib.sh), so the same area files and
# assertions run on another emulator and on Intel VMX:
#     boot NAME "QEMU FLAGS" "HYPERVISOR OPTIONS" GUEST[:ARGS] ...
# -smp N and -m M are taken from the QEMU flags; the CPU is $BOCHS_CPU
# (a Bochs model: corei7_skylake_x has VMX with EPT, ryzen has SVM with
# NPT). Bochs runs headless: display_library term under script(1), COM1
# to a file, the debugger's rc file saying "c". It has no isa-debug-exit,
# so RC is read from how the log ends: "all domains have ended" or "dom0
# powered off" is EXIT_DONE, "lacks ...: Mica cannot run guests" EXIT_UNSUPPORTED, a
# panic EXIT_PANIC; each also needs Bochs's ACPI soft power-off, else RC
# is EXIT_FAILED. A run killed by BOCHS_TIMEOUT gives 124, as QEMU's.
BOCHS=${BOCHS:-bochs}
BOCHS_CPU=${BOCHS_CPU:-corei7_skylake_x}
BOCHS_TIMEOUT=${BOCHS_TIMEOUT:-600}
BOCHS_IPS=${BOCHS_IPS:-100000000}

bochs_rc() {
    local log=$1 blog=$2
    if ! grep -a -q 'ACPI control: soft power off' "$blog"; then
        echo $EXIT_FAILED
    elif tr -d '\r' <"$log" | grep -a -q 'PANIC'; then
        echo $EXIT_PANIC
    elif tr -d '\r' <"$log" | grep -a -q '^(mica) this CPU lacks .*: Mica cannot run guests'; then
        echo $EXIT_UNSUPPORTED
    elif tr -d '\r' <"$log" | grep -a -q -E '^\(mica\) (all domains have ended|dom0 powered off)'; then
        echo $EXIT_DONE
    else
        echo $EXIT_FAILED
    fi
}

bochs_config() {
    local dir=$1 smp=$2 mem=$3
    cat <<CFG
megs: $mem
cpu: model=$BOCHS_CPU, count=$smp, ips=$BOCHS_IPS, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=cdrom, path=$dir/test.iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$LOG
display_library: term
log: $dir/bochs.log
clock: sync=none, time0=local
CFG
}

# bochs_wait PID OUT: wait for the Bochs run PID (script(1) under timeout)
# and set RC. Debian's Bochs has its debugger built in, so the term GUI
# draws on a pty of its own ("Bochs connected to screen /dev/pts/N" in
# OUT) rather than script's; nobody reads that one, and once its buffer
# is full (64 KiB of status-bar updates: ~10 minutes) Bochs blocks for
# good. The screen is read away here, for as long as Bochs runs.
bochs_wait() {
    local pid=$1 out=$2 pts="" drain="" i
    for i in $(seq 1 600); do
        pts=$(sed -n 's/.*Bochs connected to screen "\([^"]*\)".*/\1/p' "$out" | head -n1)
        [ -z "$pts" ] || break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ -n "$pts" ] && [ -c "$pts" ]; then
        cat "$pts" >/dev/null 2>&1 &
        drain=$!
    fi
    wait "$pid"
    RC=$?
    [ -z "$drain" ] || kill "$drain" 2>/dev/null
}

boot() {
    local name=$1 qflags=$2 hvopts=$3; shift 3
    local dir=$BUILD/tests/vmx/$name smp mem t0 t1
    T=vmx/$name
    mkdir -p "$dir"
    LOG=$dir/serial.log
    rm -f "$LOG" "$dir/bochs.log"
    smp=$(echo "$qflags" | sed -nE 's/.*-smp ([0-9]+).*/\1/p'); smp=${smp:-1}
    mem=$(echo "$qflags" | sed -nE 's/.*-m ([0-9]+).*/\1/p'); mem=${mem:-256}
    if ! tests/system/mkiso.sh "$dir/test.iso" "console=com1 $hvopts" "$@"; then
        fail "build the ISO" "mkiso.sh failed"
        RC=-1
        return
    fi
    bochs_config "$dir" "$smp" "$mem" >"$dir/bochsrc"
    echo c >"$dir/rc"
    t0=$(date +%s)
    TERM=xterm timeout "$BOCHS_TIMEOUT" script -qfec \
        "$BOCHS -q -f $dir/bochsrc -rc $dir/rc" /dev/null >"$dir/bochs.out" 2>&1 </dev/null &
    bochs_wait $! "$dir/bochs.out"
    t1=$(date +%s)
    [ -f "$LOG" ] || : >"$LOG"
    [ -f "$dir/bochs.log" ] || : >"$dir/bochs.log"
    if [ "$RC" -eq 124 ]; then
        fail "Bochs ends by itself" "killed after ${BOCHS_TIMEOUT}s; serial log tail: $(tail -n 3 "$LOG" | tr '\n' '|')"
    else
        RC=$(bochs_rc "$LOG" "$dir/bochs.log")
    fi
    echo "# $T: Bochs ($BOCHS_CPU, $smp CPUs) ended after $((t1 - t0)) s, read as exit $RC"
}

# As lib.sh's, but the status is read from the log (above), not an exit code.
expect_rc() {
    if [ "$RC" -eq "$1" ]; then pass "exit status $1 read from the log ($2)"
    else fail "exit status $1 read from the log ($2)" "got $RC; log tail: $(tail -n 3 "$LOG" | tr -d '\r' | tr '\n' '|')"; fi
}
