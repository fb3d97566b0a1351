# The split-driver pattern end to end: two domains pinned to different
# pCPUs exchange data through a granted page and signal each other over an
# interdomain event channel (tests/guests/ring_pair.c).
test_ring_pair() {
    local f b cf cb
    boot ring-pair "-cpu max -smp 2 -m 1024" "" \
        ring_pair:name=front,peer=2,role=a,affinity=0x1 \
        ring_pair:name=back,peer=1,role=b,affinity=0x2
    f=$(domid_of front); b=$(domid_of back)
    cf=$(tr -d '\r' <"$LOG" | sed -nE "s/^\(mica\) d$f \(front\): vcpu0 starts on CPU ([0-9]+)/\1/p")
    cb=$(tr -d '\r' <"$LOG" | sed -nE "s/^\(mica\) d$b \(back\): vcpu0 starts on CPU ([0-9]+)/\1/p")
    if [ -n "$cf" ] && [ -n "$cb" ] && [ "$cf" != "$cb" ]; then
        pass "front and back run on different pCPUs ($cf and $cb)"
    else
        fail "front and back run on different pCPUs" "front on '$cf', back on '$cb'"
    fi
    guest_passes front
    guest_passes back
    guest_ended front poweroff
    guest_ended back poweroff
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

test_ring_pair
