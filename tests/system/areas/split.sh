# SPDX-License-Identifier: GPL-2.0-only
# The split-driver pattern end to end: two domains pinned to different
# pCPUs exchange data through a granted page and signal each other over an
# interdomain event channel (tests/guests/ring_pair.c).
test_ring_pair() {
    boot ring-pair "-cpu max -smp 2 -m 1024" "" \
        ring_pair:name=front,peer=2,role=a,affinity=0x1 \
        ring_pair:name=back,peer=1,role=b,affinity=0x2
    expect_different_cpus "front and back run" front back
    guest_passes front
    guest_passes back
    guest_ended front poweroff
    guest_ended back poweroff
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

test_ring_pair
