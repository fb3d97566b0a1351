#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# store: micastored as dom0's /init starts it, driven through `mica store`:
# the verbs, permissions between two domains' connections (--as: the
# socket connection takes a domain's rights, as a domain's ring would),
# watches, each quota, the daemon restarted (cleanly, then killed) keeping
# every node and permission, a domain's ring (mica-storering), and the
# message when it is not running.
# Prints MICA-CHECK lines (tests/system/areas/store.sh relays them).
. ${CTL_LIB:-/tests/ctl-lib.sh}

# (MICA_STORE_SOCKET and STORED_ARGS let it run against a private daemon elsewhere.)
SOCK=${MICA_STORE_SOCKET:-/run/mica/store.sock}
LOG=${STORED_LOG:-/var/log/mica/micastored.log}

# expect_err WHAT PATTERN CMD...: CMD fails with one "mica: store: ..." line matching PATTERN.
expect_err() {
    what=$1 pat=$2; shift 2
    if out=$("$@" 2>&1); then bad "$what" "it succeeded: $out"
    elif [ "$(echo "$out" | wc -l)" -eq 1 ] && echo "$out" | grep -Eq "^mica: store: .*$pat"; then
        ok "$what ($out)"
    else bad "$what" "$(echo "$out" | head -n 2 | tr '\n' '|')"; fi
}
# same_out WHAT WANT CMD...: CMD succeeds and prints WANT.
same_out() {
    what=$1 want=$2; shift 2
    got=$("$@" 2>&1)
    if [ "$got" = "$want" ]; then ok "$what"; else bad "$what" "got '$got', want '$want'"; fi
}
start_daemon() {
    micastored ${STORED_ARGS:-} </dev/null >>$LOG 2>&1 &
    n=0
    while [ ! -S $SOCK ] || ! mica store ls / >/dev/null 2>&1; do
        n=$((n + 1)); [ $n -gt 100 ] && return 1
        usleep 100000
    done
}
stop_daemon() {    # SIGNAL
    pid=$(pidof micastored) || return 1
    kill -"$1" $pid
    n=0
    while kill -0 $pid 2>/dev/null; do
        n=$((n + 1)); [ $n -gt 100 ] && return 1
        usleep 100000
    done
}

if pidof micastored >/dev/null && [ -S $SOCK ]; then
    ok "micastored runs from dom0's init, serving $SOCK"
else
    bad "micastored runs from dom0's init" "pid '$(pidof micastored)', $(ls -l $SOCK 2>&1); log: $(tail -n 3 $LOG | tr '\n' '|')"
fi

# ---- the verbs as dom0
check "store write creates nodes and parents" mica store write /test/a/b hello /test/c world
same_out "store read reads them back" "hello
world" mica store read /test/a/b /test/c
same_out "store ls lists children with values" 'a = ""
c = "world"' mica store ls /test
same_out "store ls -r lists the subtree" 'a = ""
 b = "hello"
c = "world"' mica store ls -r /test
check "store mkdir" mica store mkdir /test/empty
same_out "store perms of a node dom0 made: dom0 owns it, others none" "n0" mica store perms /test/c
check "store rm removes a subtree" mica store rm /test/a
expect_err "store read of a removed node: no such node" "read /test/a/b: no such node" \
    mica store read /test/a/b
expect_err "store read of a bad path: refused" "invalid" mica store read '/test/bad path'
expect_err "store write of an overlong path component: refused" "invalid" \
    mica store write "/test/$(printf '%0300d' 0)" x
expect_err "store with an unknown action: usage" "frob: unknown action" mica store frob

# ---- permissions between two domains (ids 11 and 12, connections with their rights)
mica store write /local/domain/11/name dom11 /local/domain/12/name dom12
check "dom0 gives each domain its directory" sh -c \
    'mica store perms /local/domain/11 n11 && mica store perms /local/domain/12 n12 &&
     mica store perms /local/domain/11/name n11 && mica store perms /local/domain/12/name n12'
check "domain 11 writes in its own directory (relative path)" mica store --as 11 write data/x secret
same_out "domain 11 reads it back (absolute path)" "secret" mica store --as 11 read /local/domain/11/data/x
same_out "a node domain 11 made is its own" "n11" mica store perms /local/domain/11/data/x
expect_err "domain 12 cannot read domain 11's node" "permission denied" \
    mica store --as 12 read /local/domain/11/data/x
expect_err "domain 12 cannot write into domain 11's directory" "permission denied" \
    mica store --as 12 write /local/domain/11/data/y evil
expect_err "domain 12 cannot remove domain 11's node" "permission denied" \
    mica store --as 12 rm /local/domain/11/data/x
expect_err "domain 12 cannot change domain 11's permissions" "permission denied" \
    mica store --as 12 perms /local/domain/11/data/x b12
check "domain 11 lets domain 12 read its node" mica store --as 11 perms /local/domain/11/data/x n11 r12
same_out "now domain 12 reads it" "secret" mica store --as 12 read /local/domain/11/data/x
expect_err "but still cannot write it" "permission denied" \
    mica store --as 12 write /local/domain/11/data/x evil
expect_err "domain 11 cannot give its node to domain 12" "not allowed" \
    mica store --as 11 perms /local/domain/11/data/x n12
expect_err "a domain cannot write outside what it was given" "permission denied" \
    mica store --as 11 write /test/c mine

# ---- watches: one event at once, then one per change at or below the path
mica store mkdir /watched
: >/tmp/watch.out
mica store watch -n 4 -t 30 /watched >/tmp/watch.out 2>&1 &
wpid=$!
n=0
while [ "$(wc -l </tmp/watch.out)" -lt 1 ] && [ $n -lt 50 ]; do usleep 100000; n=$((n + 1)); done
mica store write /watched/a 1
mica store write /elsewhere 1
mica store write /watched/a/deep 2
mica store rm /watched
wait $wpid
wrc=$?
same_out "watch: fires at once, then for each change below, not elsewhere (exit $wrc)" \
    "/watched /watched
/watched/a /watched
/watched/a/deep /watched
/watched /watched" cat /tmp/watch.out
: >/tmp/watch12.out
mica store --as 12 watch -n 2 -t 10 /local/domain/11/data >/tmp/watch12.out 2>&1 &
wpid=$!
n=0
while [ "$(wc -l </tmp/watch12.out)" -lt 1 ] && [ $n -lt 50 ]; do usleep 100000; n=$((n + 1)); done
mica store --as 11 write /local/domain/11/data/hidden x
mica store --as 11 write /local/domain/11/data/x again
wait $wpid
same_out "watch: domain 12 hears of the node it may read, not the one it may not" \
    "/local/domain/11/data /local/domain/11/data
/local/domain/11/data/x /local/domain/11/data" cat /tmp/watch12.out

# ---- quotas (domain 12): each refuses past its limit with a clear error
check "dom0 sets domain 12's quotas" mica store quota 12 nodes=5 watches=2 transactions=1 value=16
same_out "quota shows them with the use" \
    "nodes=2/5 watches=0/2 transactions=0/1 value=16" mica store quota 12
check "domain 12 writes up to its node quota" mica store --as 12 write q/a 1 q/b 2
expect_err "the node past the quota is refused" "quota exceeded" mica store --as 12 write q/c 3
expect_err "a value past the value quota is refused" "quota exceeded" \
    mica store --as 12 write q/a 12345678901234567
check "dom0 raises the node quota" mica store quota 12 nodes=10
check "and domain 12 may write again" mica store --as 12 write q/c 3
mica store --as 12 watch -n 1 -t 5 q >/dev/null 2>&1   # one watch at a time: within quota
check "dom0 is not limited by a domain's quotas" mica store write /local/domain/12/q/big "$(printf '%04000d' 0)"

# ---- a domain's ring (mica-storering plays a paused domU's part; its checks
# are "store-ring: ..."), with the daemon restarted while it is connected
if [ -e /dev/mica/privcmd ] && command -v mica-storering >/dev/null; then
    xml storering idle >/tmp/storering.xml
    cat >/tmp/restart-store.sh <<RESTART
pid=\$(pidof micastored) && kill \$pid
n=0; while kill -0 \$pid 2>/dev/null && [ \$n -lt 100 ]; do usleep 100000; n=\$((n + 1)); done
micastored ${STORED_ARGS:-} </dev/null >>$LOG 2>&1 &
n=0; while [ ! -S $SOCK ] && [ \$n -lt 100 ]; do usleep 100000; n=\$((n + 1)); done
[ -S $SOCK ]
RESTART
    STORED_RESTART="sh /tmp/restart-store.sh" mica-storering /tmp/storering.xml
    rc=$?
    [ $rc -eq 0 ] && ok "mica-storering exits 0" || bad "mica-storering" "exit $rc; log: $(tail -n 8 $LOG | tr '\n' '|')"
fi

# ---- the daemon restarted: every node and permission kept
before=$(mica store ls -r / ; mica store perms /local/domain/11/data/x; mica store quota 12)
if stop_daemon TERM && start_daemon; then ok "micastored stopped (SIGTERM) and started again"
else bad "micastored restarted" "$(tail -n 3 $LOG | tr '\n' '|')"; fi
after=$(mica store ls -r / ; mica store perms /local/domain/11/data/x; mica store quota 12)
same_out "after a clean restart: every node, permission and quota is kept ($(echo "$before" | wc -l) lines)" \
    "$before" echo "$after"
expect_err "and permissions still hold" "permission denied" \
    mica store --as 12 write /local/domain/11/data/x evil
mica store write /test/late "written just before the crash"
before=$(mica store ls -r / ; mica store perms /local/domain/11/data/x)
if stop_daemon KILL && start_daemon; then ok "micastored killed (SIGKILL) and started again"
else bad "micastored restarted after SIGKILL" "$(tail -n 3 $LOG | tr '\n' '|')"; fi
after=$(mica store ls -r / ; mica store perms /local/domain/11/data/x)
same_out "after a crash: every node written before it is kept" "$before" echo "$after"

# ---- not running: every verb says so
stop_daemon TERM
for v in "ls /" "read /test/c" "write /x 1" "rm /x" "watch /x" "perms /x" "quota 1"; do
    expect_err "store ${v%% *} without the daemon" "the store daemon \(micastored\) is not running" \
        mica store $v
done
start_daemon || bad "micastored started again at the end" "$(tail -n 3 $LOG | tr '\n' '|')"
same_out "and it comes back with the nodes" "written just before the crash" mica store read /test/late
exit $FAILS
