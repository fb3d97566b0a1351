# SPDX-License-Identifier: GPL-2.0-only
# Issue 11's plumbing between the hypervisor, libctl and the store (plat):
# MICA_HC_param_op from the test guests (param: an unprivileged domain's own
# params and refusals beside the privileged domain setting a child's), and
# the hostile fuzzer knowing number 9. Sourced by tests/system/run.sh after
# lib.sh; on its own:
#     SYSTEM_AREAS=plat tests/system/run.sh
# Then dom0 (dom0/tests/plat.sh): a domU's rings, params and store nodes,
# destroy releasing it, and `mica shutdown`/`reboot` of a guest without
# PV drivers failing after the timeout.

CTL_LIB_ONLY=1 . tests/system/areas/ctl.sh
PLAT_TIMEOUT=${PLAT_TIMEOUT:-120}

test_plat_param() {
    QEMU_TIMEOUT=$PLAT_TIMEOUT boot plat-param "-cpu max -smp 2 -m 256" "" \
        param:privileged,name=ctl,role=ctl,mem=16M param:name=own
    guest_passes ctl
    guest_passes own
    expect_line "the privileged domain set and read back a child's params" \
        '^\(d0\) PASS ctl: get them back$'
    expect_line "an unprivileged set is refused" '^\(d1\) PASS own: set own: -EPERM$'
    guest_ended ctl poweroff
    guest_ended own poweroff
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

# The fuzzer draws param_op (number 9) among the rest; a short seeded run.
test_plat_fuzz() {
    QEMU_TIMEOUT=$PLAT_TIMEOUT boot plat-fuzz "-cpu max -smp 2 -m 256" "" \
        hostile_hc:name=fuzz,seed=911,iters=5000
    guest_passes fuzz
    expect_line "param_op calls succeeded during the fuzz run" \
        '^\(d[0-9]+\) # fuzz: succeeded by number:( [0-9]+){9} [1-9][0-9]*;'
    guest_ended fuzz poweroff
    no_hypervisor_crash
    expect_rc $EXIT_DONE "all domains done"
}

test_plat_param
test_plat_fuzz
ctl_boot plat-dom0 plat 39
