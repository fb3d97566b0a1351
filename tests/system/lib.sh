# SPDX-License-Identifier: GPL-2.0-only
# Helpers for the system tests: build an ISO, boot it in QEMU, assert on the
# serial log. Every assertion prints one "PASS <test>: <what>" or
# "FAIL <test>: <what>: <detail>" line; tests/summary.sh counts them.

BUILD=${BUILD:-build}
QEMU=${QEMU:-qemu-system-x86_64}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-180}
# The Makefile's choice (single-threaded TCG), also when run by hand.
QEMU_ACCEL=${QEMU_ACCEL:-tcg,thread=single}
# QEMU's isa-debug-exit turns the hypervisor's status s into (0x10+s)*2+1.
EXIT_DONE=33
EXIT_FAILED=35
EXIT_PANIC=37
EXIT_UNSUPPORTED=39

T=""          # current test name
LOG=""        # its serial log
RC=0          # QEMU's exit status

pass() { echo "PASS $T: $1"; }
fail() { echo "FAIL $T: $1: $2"; }

# boot NAME "QEMU FLAGS" "HYPERVISOR OPTIONS" GUEST[:ARGS] ...
boot() {
    local name=$1 qflags=$2 hvopts=$3; shift 3
    local dir=$BUILD/tests/system/$name
    T=system/$name
    mkdir -p "$dir"
    LOG=$dir/serial.log
    if ! tests/system/mkiso.sh "$dir/test.iso" "console=com1 debug_exit=0xf4 $hvopts" "$@"; then
        fail "build the ISO" "mkiso.sh failed"
        RC=-1
        return
    fi
    local t0=$(date +%s.%N)
    timeout "$QEMU_TIMEOUT" "$QEMU" -accel "$QEMU_ACCEL" -machine q35 $qflags \
        -display none -no-reboot -monitor none \
        -device isa-debug-exit,iobase=0xf4,iosize=0x01 \
        -cdrom "$dir/test.iso" -serial "file:$LOG" </dev/null >"$dir/qemu.out" 2>&1
    RC=$?
    local t1=$(date +%s.%N)
    echo "# $T: QEMU exit $RC after $(echo "$t1 - $t0" | bc 2>/dev/null || echo '?') s" 
    [ -f "$LOG" ] || : >"$LOG"
    if [ "$RC" -eq 124 ]; then
        fail "QEMU ends by itself" "killed after ${QEMU_TIMEOUT}s; serial log tail: $(tail -n 3 "$LOG" | tr '\n' '|')"
    fi
}

expect_rc() {
    if [ "$RC" -eq "$1" ]; then pass "QEMU exit status $1 ($2)"
    else fail "QEMU exit status $1 ($2)" "got $RC; log tail: $(tail -n 3 "$LOG" | tr -d '\r' | tr '\n' '|')"; fi
}

# expect_line "what" REGEX: some log line matches (extended regex)
expect_line() {
    if tr -d '\r' <"$LOG" | grep -a -Eq -- "$2"; then pass "$1"
    else fail "$1" "no line matches /$2/"; fi
}

expect_no_line() {
    local hit
    hit=$(tr -d '\r' <"$LOG" | grep -a -E -m1 -- "$2")
    if [ -z "$hit" ]; then pass "$1"
    else fail "$1" "found: $hit"; fi
}

# expect_count "what" N REGEX: exactly N lines match
expect_count() {
    local n
    n=$(tr -d '\r' <"$LOG" | grep -a -Ec -- "$3")
    if [ "$n" -eq "$2" ]; then pass "$1"
    else fail "$1" "$n lines match /$3/, expected $2"; fi
}

# The domain id the hypervisor gave the guest named $1.
domid_of() {
    tr -d '\r' <"$LOG" | sed -nE "s/^\(mica\) d([0-9]+) \($1\): [0-9]+ KiB RAM.*/\1/p" | head -n1
}

# The pCPU the hypervisor started guest $1's vCPU 0 on.
start_cpu() {
    tr -d '\r' <"$LOG" | sed -nE "s/^\(mica\) d[0-9]+ \($1\): vcpu0 starts on CPU ([0-9]+)/\1/p"
}

# expect_different_cpus "WHO" A B: guests A and B started on different pCPUs
# ("WHO run(s) on different pCPUs").
expect_different_cpus() {
    local ca cb
    ca=$(start_cpu "$2"); cb=$(start_cpu "$3")
    if [ -n "$ca" ] && [ -n "$cb" ] && [ "$ca" != "$cb" ]; then
        pass "$1 on different pCPUs ($ca and $cb)"
    else
        fail "$1 on different pCPUs" "$2 on '$ca', $3 on '$cb'"
    fi
}

# guest_passes NAME: re-emit the guest's own result lines as tests, and
# check its SUMMARY agrees with them and reports no failure.
guest_passes() {
    local name=$1 id p f sum
    id=$(domid_of "$name")
    if [ -z "$id" ]; then fail "guest $name started" "no domain for it in the log"; return; fi
    tr -d '\r' <"$LOG" | sed -nE "s|^\(d$id\) (PASS\|FAIL) $name: (.*)|\1 $T/$name: \2|p"
    p=$(tr -d '\r' <"$LOG" | grep -a -Ec "^\(d$id\) PASS $name: ")
    f=$(tr -d '\r' <"$LOG" | grep -a -Ec "^\(d$id\) FAIL $name: ")
    sum=$(tr -d '\r' <"$LOG" | sed -nE "s/^\(d$id\) SUMMARY $name: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/p")
    if [ "$sum" = "$p $f" ] && [ "$f" -eq 0 ] && [ "$p" -gt 0 ]; then
        pass "guest $name: summary $p passed, 0 failed matches its lines"
    else
        fail "guest $name: summary" "lines say $p passed $f failed; SUMMARY says '${sum:-none}'"
    fi
}

# guest_ended NAME REASON [KILL-REGEX]
guest_ended() {
    local id
    id=$(domid_of "$1")
    [ -n "$id" ] || { fail "guest $1 ended with $2" "no domain for it"; return; }
    expect_line "guest $1 ended with $2" "^\(mica\) d$id \($1\): shut down: $2 "
    [ -z "${3:-}" ] || expect_line "guest $1 killed for: $3" "^\(mica\) d$id \($1\): killed: .*$3"
    expect_line "guest $1's memory scrubbed and freed" "^\(mica\) d$id: destroyed, [0-9]+ frames scrubbed and freed"
}

no_hypervisor_crash() {
    expect_no_line "no hypervisor panic or fatal exception" 'PANIC|fatal exception'
}
