#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The mica CLI and micad on the host, no hypervisor needed (make
# check-toolstack): every verb's help and argument checks, unknown verbs
# and flags, non-root use, the bad-XML corpus through create --dry-run, a
# missing /dev/mica/privcmd, the man page and the bash completion against
# the command table, and `make install`'s files. One PASS/FAIL line per check.
#
# Environment: MICA, MICAD (the programs), LIBCTL_DIR (libmicactl.so.1),
# MICA_SCHEMA_DIR, DESTDIR_CHECK (a tree `make install DESTDIR=` filled, optional).
set -u
cd "$(dirname "$0")/../.." || exit 1
MICA=$(realpath "${MICA:-build/toolstack/mica}")
MICAD=$(realpath "${MICAD:-build/toolstack/micad}")
export LD_LIBRARY_PATH=$(realpath "${LIBCTL_DIR:-build/libctl}")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export MICA_SCHEMA_DIR=${MICA_SCHEMA_DIR:-$PWD/libctl/schema}
CORPUS=$PWD/tests/ctl
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
failed=0

pass() { echo "PASS toolstack: $1"; }
fail() { echo "FAIL toolstack: $1: $2"; failed=1; }

# run CMD...: sets rc, out (stdout) and err (stderr), lines (stderr lines).
run() {
    "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    rc=$?
    out=$(cat "$TMP/out")
    err=$(cat "$TMP/err")
    lines=$(wc -l <"$TMP/err")
}

# expect_one_line WHAT RC PATTERN: exit status RC, one line on stderr matching PATTERN.
expect_one_line() {
    if [ "$rc" -ne "$2" ]; then
        fail "$1" "exit status $rc, expected $2 (stderr: $err)"
    elif [ "$lines" -ne 1 ]; then
        fail "$1" "$lines lines on stderr, expected one: $err"
    elif ! grep -Eq -- "$3" "$TMP/err"; then
        fail "$1" "stderr '$err' does not match '$3'"
    else
        pass "$1"
    fi
}

# The verbs, from `mica help` (the command table).
run "$MICA" help
verbs=$(sed -n '/^Verbs:/,/^$/s/^  \([a-z-]*\) .*/\1/p' "$TMP/out")
nverbs=$(echo "$verbs" | wc -w)
if [ "$rc" -eq 0 ] && [ "$nverbs" -ge 18 ]; then
    pass "mica help lists $nverbs verbs"
else
    fail "mica help" "exit $rc, $nverbs verbs: $err"
fi
for want in create list destroy pause unpause console info dmesg top uptime domid domname \
            vcpu-list vcpu-pin sched-credit mem-max rename block-attach block-detach block-list \
            network-attach network-detach network-list pci-assignable-add pci-assignable-remove \
            pci-assignable-list pci-attach pci-detach pci-list help; do
    echo "$verbs" | grep -qx -- "$want" || fail "verb $want" "missing from mica help"
done

run "$MICA"
expect_one_line "mica without a verb: one line, exit 2" 2 '^mica: no verb given'
run "$MICA" frobnicate
expect_one_line "unknown verb: one line, exit 2" 2 '^mica: frobnicate: unknown verb'
run "$MICA" help frobnicate
expect_one_line "help of an unknown verb: one line, exit 2" 2 '^mica: help: frobnicate: unknown verb'

# Arguments each verb takes, from its usage line: required words and whether more may follow.
usage_args() {
    sed -n '1s/^usage: mica [a-z-]*//p' "$TMP/out" | sed 's/\[-[^]]*\]//g'
}

for v in $verbs; do
    run "$MICA" "$v" --help
    usage=$(head -n 1 "$TMP/out")
    if [ "$rc" -eq 0 ] && [ -z "$err" ] && [[ $usage == "usage: mica $v"* ]]; then
        pass "$v --help: usage on stdout, exit 0"
    else
        fail "$v --help" "exit $rc, first line '$usage', stderr '$err'"
    fi
    helptext=$out
    run "$MICA" help "$v"
    [ "$out" = "$helptext" ] && [ "$rc" -eq 0 ] && pass "help $v = $v --help" ||
        fail "help $v" "differs from $v --help (exit $rc)"

    run "$MICA" "$v" --no-such-flag
    expect_one_line "$v --no-such-flag: one line, exit 2" 2 "^mica: $v: unknown option '--no-such-flag'"
    run "$MICA" "$v" -Z
    expect_one_line "$v -Z: one line, exit 2" 2 "^mica: $v: unknown option '-Z'"

    run "$MICA" "$v" --help
    args=$(usage_args)
    required=0 more=0
    for a in $args; do
        case $a in
        \[*...\]|*...*) more=1 ;;
        \[*) more=$((more + 1)) ;;
        *) required=$((required + 1)) ;;
        esac
    done
    if [ "$required" -gt 0 ]; then
        set -- $(seq 2 "$required")
        run "$MICA" "$v" "${@/#/x}"
        expect_one_line "$v with too few arguments: one line, exit 2" 2 "^mica: $v: missing argument"
    fi
    if ! echo "$args" | grep -q '\.\.\.'; then
        set -- $(seq 0 "$((required + more))")
        run "$MICA" "$v" "${@/#/x}"
        expect_one_line "$v with too many arguments: one line, exit 2" 2 "^mica: $v: unexpected argument"
    fi
done

# Options that need a value, given none.
for c in "top -d" "top --iterations" "sched-credit -w" "sched-credit --domain"; do
    run "$MICA" $c
    expect_one_line "$c without its value: one line, exit 2" 2 "^mica: ${c%% *}: option '.*' needs an argument"
done
run "$MICA" create --dry-run --console x.xml
expect_one_line "create --dry-run --console: one line, exit 2" 2 '^mica: create: --dry-run and --console'
# Values checked before the hypervisor is opened: one line, exit 2.
while IFS='|' read -r args pattern; do
    eval "set -- $args"
    run "$MICA" "$@"
    expect_one_line "$args: one line, exit 2" 2 "^mica: $1: $pattern"
done <<'EOF'
sched-credit -w 5|-w and -c need -d DOMAIN
sched-credit -c 5|-w and -c need -d DOMAIN
sched-credit -d d -w 0|0: bad weight
sched-credit -d d -w 65536|65536: bad weight
sched-credit -d d -w 1x|1x: bad weight
sched-credit -d d -c -1|-1: bad cap
top -b -d 0|0: bad delay
top -b -d x|x: bad delay
top -b -n 0|0: bad iteration count
mem-max d 12x|12x: bad size
mem-max d 0|0: bad size
mem-max d -- -5|-5: bad size
rename d ''|: bad name
rename d 'a b'|a b: bad name
rename d 123|123: bad name
rename d .x|.x: bad name
rename d a/b|a/b: bad name
rename d 0123456789012345678901234567890123|0123456789012345678901234567890123: bad name
vcpu-pin d x 0|x: bad vCPU
vcpu-pin d 0 3-1|3-1: bad CPU list
vcpu-pin d 0 0,,1|0,,1: bad CPU list
vcpu-pin d 0 64|64: bad CPU list
vcpu-pin d 0 none|none: bad CPU list
shutdown --timeout 0 d|--timeout 0: seconds, 1 to 86400
shutdown -t x d|--timeout x: seconds, 1 to 86400
reboot --timeout 86401 d|--timeout 86401: seconds, 1 to 86400
block-attach d img sda|sda: bad target: 'sda': a target is xvdX or xvdXY
block-attach d img xvda1|xvda1: bad target: 'xvda1' is a partition
block-attach d img xvdaaa|xvdaaa: bad target
block-attach d img XVDA|XVDA: bad target
block-attach d img xvda rx|rx: bad mode: ro or rw
block-attach d '' xvda|the source is empty
block-detach d sda|sda: bad target
block-detach -f d xvd|xvd: bad target
network-attach d foo=1|foo=1: not bridge=NAME or mac=MAC
network-attach d bridge|bridge: not bridge=NAME or mac=MAC
network-attach d mac=01:00:5e:00:00:01|mac=01:00:5e:00:00:01: .* is a multicast address
network-attach d mac=00:16:3e:00:01|mac=00:16:3e:00:01: .* is not a MAC address
network-attach d mac=00:16:3e:00:00:0g|mac=00:16:3e:00:00:0g: .* is not a MAC address
network-attach d mac=00:00:00:00:00:00|mac=00:00:00:00:00:00: .* not a usable address
network-attach d bridge=a-very-long-bridge|bridge=a-very-long-bridge: .* at most 15
network-attach d bridge=br/0|bridge=br/0: .* no '/'
network-attach d bridge=|bridge=: the bridge's name is empty
network-attach d bridge=a bridge=b|bridge=b: given twice
network-attach d mac=00:16:3e:00:00:01 mac=00:16:3e:00:00:02|mac=00:16:3e:00:00:02: given twice
network-detach d zz|zz: not a vif id or a MAC address
network-detach --force d 00:16:3e|00:16:3e: not a vif id or a MAC address
pci-attach d 00:20.0|00:20.0: bad PCI function: .* the slot is 00 to 1f
pci-attach d 00:1f.8|00:1f.8: bad PCI function: .* the function 0 to 7
pci-attach d 0:0:1f.2|0:0:1f.2: bad PCI function: .* SSSS:BB:DD.F or BB:DD.F
pci-attach d 00:1f|00:1f: bad PCI function
pci-attach d ''|: bad PCI function
pci-attach d 10000:00:1f.2|10000:00:1f.2: bad PCI function
pci-attach d 0000:00:1f.2x|0000:00:1f.2x: bad PCI function
pci-detach d g0:00.0|g0:00.0: bad PCI function
pci-detach d 00.1f.2|00.1f.2: bad PCI function
pci-assignable-add 00:1f:2|00:1f:2: bad PCI function
pci-assignable-add -- -0:00.0|-0:00.0: bad PCI function
pci-assignable-remove ' 00:1f.2'| 00:1f.2: bad PCI function
pci-assignable-remove -n 00:1F.|00:1F.: bad PCI function
EOF

# Not root: every verb that needs the hypervisor says so in one line, exit 1.
# As nobody, from a copy of the programs and the library in a directory
# nobody can reach (the tree may sit under a private one, as mktemp -d's).
if [ "$(id -u)" -eq 0 ]; then
    NR=$(mktemp -d /tmp/mica-nonroot.XXXXXX)
    chmod 755 "$NR"
    mkdir -p "$NR/xml" && cp -a "$CORPUS/files" "$MICA_SCHEMA_DIR" "$NR/" && cp "$CORPUS/good-xml/minimal.xml" "$NR/xml/" &&
        cp "$MICA" "$MICAD" "$NR/" && cp -a "${LD_LIBRARY_PATH%%:*}"/libmicactl.so* "$NR/"
    chmod -R a+rX "$NR"
    trap 'rm -rf "$TMP" "$NR"' EXIT
    asuser="env LD_LIBRARY_PATH=$NR MICA_SCHEMA_DIR=$NR/$(basename "$MICA_SCHEMA_DIR") setpriv --reuid=nobody --regid=nogroup --clear-groups"
    MICA_NR=$NR/mica MICAD_NR=$NR/micad XML_NR=$NR/xml/minimal.xml
else
    asuser=""
    MICA_NR=$MICA MICAD_NR=$MICAD XML_NR=$CORPUS/good-xml/minimal.xml
fi
declare -A sample=(
    [create]="$XML_NR" [list]="" [destroy]="d" [pause]="d" [unpause]="d"
    [console]="d" [info]="" [dmesg]="" [top]="-b" [uptime]="" [domid]="d" [domname]="1"
    [vcpu-list]="" [vcpu-pin]="d 0 all" [sched-credit]="" [mem-max]="d 512" [rename]="d e"
    [block-attach]="d img xvda ro" [block-detach]="d xvda" [block-list]="d"
    [network-attach]="d bridge=mica0" [network-detach]="d 0" [network-list]="d"
    [store]="ls" [shutdown]="d" [reboot]="-w d"
    [pci-assignable-add]="00:1f.2" [pci-assignable-remove]="00:1f.2" [pci-assignable-list]=""
    [pci-attach]="d 00:1f.2" [pci-detach]="d 00:1f.2" [pci-list]="d"
)
for v in $verbs; do
    [ "$v" = help ] && continue
    run $asuser "$MICA_NR" "$v" ${sample[$v]}
    expect_one_line "$v as a user other than root: one line, exit 1" 1 \
        "^mica: $v: permission denied: mica must be run as root"
done

# Root without /dev/mica/privcmd (this host): one line naming the device.
if [ "$(id -u)" -eq 0 ] && [ ! -e /dev/mica/privcmd ]; then
    for v in list info "create --dry-run $CORPUS/good-xml/minimal.xml"; do
        run "$MICA" $v
        expect_one_line "${v%% *} without /dev/mica/privcmd: one line, exit 1" 1 \
            "^mica: ${v%% *}: /dev/mica/privcmd: .*driver loaded"
    done
fi

# The bad-XML corpus (tests/ctl/bad-xml, libctl's): create --dry-run names FILE:LINE.
# Limits from the hypervisor's headers are placeholders in the .expect files
# (as tests/ctl/test_config.c reads them): @RAM_MAX_KB@, @RAM_MAX@, @FILES@.
ram_max=$(sed -n 's/^#define LINUX_RAM_MAX *\(0x[0-9a-fA-F]*\).*/\1/p' hypervisor/include/mica/linux_boot.h)
[ -n "$ram_max" ] || fail "bad-XML corpus" "no LINUX_RAM_MAX in hypervisor/include/mica/linux_boot.h"
ram_max_kb=$(( ${ram_max:-0} >> 10 ))
ram_max_hex=$(printf '%#x' "$(( ${ram_max:-0} ))")
nbad=0
for x in "$CORPUS"/bad-xml/*.xml; do
    [ -f "$x" ] || continue
    name=$(basename "$x")
    want=$(head -n 1 "${x%.xml}.expect")
    want=${want//@RAM_MAX_KB@/$ram_max_kb}
    want=${want//@RAM_MAX@/$ram_max_hex}
    want=${want//@FILES@/$(realpath "$CORPUS/files")}
    (cd "$CORPUS/bad-xml" && "$MICA" create --dry-run "$name") >"$TMP/out" 2>"$TMP/err" </dev/null
    rc=$? err=$(cat "$TMP/err") lines=$(wc -l <"$TMP/err")
    nbad=$((nbad + 1))
    if [ "$rc" -ne 0 ] && [ "$lines" -eq 1 ] && [ "$err" = "mica: create: $want" ] && [ ! -s "$TMP/out" ]; then
        pass "create --dry-run bad-xml/$name: '$want', exit $rc"
    else
        fail "create --dry-run bad-xml/$name" "exit $rc, stderr '$err', expected 'mica: create: $want'"
    fi
done
[ "$nbad" -ge 25 ] && pass "the bad-XML corpus has $nbad files" ||
    fail "bad-XML corpus" "only $nbad files in $CORPUS/bad-xml (25 or more expected)"

# micad: its own arguments and privilege checks.
run "$MICAD" --help
[ "$rc" -eq 0 ] && [[ $out == usage:* ]] && pass "micad --help: usage, exit 0" || fail "micad --help" "exit $rc"
run "$MICAD" --bogus
expect_one_line "micad --bogus: one line, exit 2" 2 "^micad: unknown option '--bogus'"
run $asuser "$MICAD_NR" --once
expect_one_line "micad as a user other than root: one line, exit 1" 1 '^micad: permission denied'
if [ "$(id -u)" -eq 0 ] && [ ! -e /dev/mica/privcmd ]; then
    run "$MICAD" --once --log-dir "$TMP/log"
    expect_one_line "micad without /dev/mica/privcmd: one line, exit 1" 1 '^micad: /dev/mica/privcmd'
fi

# The man page has a section per verb, and renders without warnings.
man=toolstack/man/mica.1
nman=0
for v in $verbs; do
    sed 's/\\-/-/g' "$man" | grep -q "^\.SS $v\$" && nman=$((nman + 1)) || fail "mica(1)" "no '.SS $v' section"
done
[ "$nman" -eq "$nverbs" ] && pass "mica(1) has a section for each of the $nverbs verbs"
if command -v groff >/dev/null; then
    for m in toolstack/man/*.[0-9]; do
        w=$(groff -man -ww -z "$m" 2>&1)
        [ -z "$w" ] && pass "$m renders without warnings" || fail "$m" "groff: $w"
    done
fi

# Bash completion: the verbs, each verb's flags, from the table.
complete_words() {
    bash -c 'source toolstack/completion/mica.bash
             COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
             _mica; printf "%s\n" "${COMPREPLY[@]}"' _ "$@" | sort
}
got=$(complete_words "$MICA" "" | tr '\n' ' ')
want=$(echo "$verbs" | sort | tr '\n' ' ')
[ "$got" = "$want" ] && pass "completion offers the $nverbs verbs" ||
    fail "completion of verbs" "got '$got', want '$want'"
for v in $verbs; do
    run "$MICA" "$v" --help
    want=$(grep -o -- '--[a-z-]*' "$TMP/out" | sort -u | tr '\n' ' ')
    got=$(complete_words "$MICA" "$v" "--" | tr '\n' ' ')
    [ "$got" = "$want" ] || fail "completion of $v's flags" "got '$got', want '$want'"
done
pass "completion offers each verb's flags as its --help lists them"

# make install DESTDIR= (check-toolstack fills DESTDIR_CHECK first).
if [ -n "${DESTDIR_CHECK:-}" ]; then
    n=0
    for f in bin/mica sbin/micad share/bash-completion/completions/mica share/man/man1/mica.1 \
             share/man/man5/mica-domain.xml.5 share/man/man8/micad.8 lib/systemd/system/micad.service \
             sbin/micastored share/man/man8/micastored.8 lib/systemd/system/micastored.service; do
        [ -f "$DESTDIR_CHECK/$f" ] || fail "make install" "PREFIX/$f missing in $DESTDIR_CHECK"
        n=$((n + 1))
    done
    grep -q "^ExecStart=.*/sbin/micad$" "$DESTDIR_CHECK/lib/systemd/system/micad.service" &&
        pass "make install DESTDIR=: the $n files, the unit runs PREFIX/sbin/micad" ||
        fail "make install" "micad.service has no ExecStart of PREFIX/sbin/micad"
fi
exit $failed
