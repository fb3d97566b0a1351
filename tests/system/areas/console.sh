# SPDX-License-Identifier: GPL-2.0-only
# Guest console output (hypervisor/common/console.c, console_io.c): the
# per-domain rate limit. Sourced by tests/system/run.sh after lib.sh.

# A privileged guest floods console_io with 256 KiB (4096 numbered lines of
# 64 bytes) beside a guest ticking on its timer. The flood's own ring takes
# every byte (the guest checks it with readconsole), but the serial log gets
# about one burst (32 KiB) plus 4 KiB a second of it, then one line counting
# the rest; the ticker's output and ticks are not held back.
CONSOLE_NOTE='^\(mica\) d0: ([0-9]+) bytes of console output not printed \(rate limit\)$'

test_console_flood() {
    local total=$((256 * 1024)) lines=4096 shown dropped notes
    boot console-flood "-cpu max -smp 2 -m 256" "" \
        conflood:name=flood,privileged,role=flood,mem=8M,cpu=0 \
        conflood:name=tick,role=tick,cpu=1
    guest_passes flood
    guest_passes tick
    guest_ended flood poweroff
    guest_ended tick poweroff
    notes=$(tr -d '\r' <"$LOG" | grep -a -Ec "$CONSOLE_NOTE")
    dropped=$(tr -d '\r' <"$LOG" | sed -nE "s/$CONSOLE_NOTE/\\1/p" | awk '{s += $1} END {print s + 0}')
    shown=$(tr -d '\r' <"$LOG" | grep -a -Ec '^\(d0\) # conflood: line [0-9]{8} [a-z]{37}$')
    # 32 KiB of burst is 512 lines, then 64 more (4 KiB) and a rate limit
    # line per second the flood lasts: well under a second when idle,
    # allowed 8 on a loaded machine.
    if [ "$notes" -ge 1 ] && [ "$notes" -le 9 ]; then
        pass "the rate limit is reported in $notes line(s), at most one a second"
    else
        fail "the rate limit is reported in 1 to 9 lines" "$notes lines"
    fi
    if [ "$shown" -ge 400 ] && [ "$shown" -le $((512 + 8 * 64 + 64)) ]; then
        pass "the serial log shows about a burst of the flood ($shown of $lines lines)"
    else
        fail "the serial log shows about a burst of the flood" "$shown of $lines lines"
    fi
    # Every byte is either shown in a whole line, counted as dropped, or in
    # the part of a line a cut left (less than a line per cut).
    if [ $((shown * 64 + dropped)) -le $total ] &&
       [ $((shown * 64 + dropped)) -ge $((total - 64 * notes)) ]; then
        pass "the rate limit lines count the rest ($dropped bytes)"
    else
        fail "the rate limit lines count the rest" "$dropped bytes dropped, $shown lines shown"
    fi
    expect_count "the ticker's lines all reach the serial log" 10 '^\(d1\) # tick: tick [0-9]+$'
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

test_console_flood
