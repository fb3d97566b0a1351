#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Write the hand-written seed programs of fuzz_hypercall into
tests/fuzz/corpus/fuzz_hypercall/ (the format is in fuzz_hypercall.c).
Only needed to change the seeds; the files it writes are committed."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'fuzz_hypercall')
SELF = 0x7ff0
HC_CONSOLE, HC_SCHED, HC_DOMCTL, HC_MEMOP, HC_EVTCHN, HC_GNTTAB, HC_VCPU, HC_SYSCTL = 1, 2, 3, 4, 5, 6, 7, 8
WRITE, TIME, PAGING, ENTER, LEAVE = 9, 10, 12, 13, 14
DOMCTL_VERSION = 3
SYSCTL_VERSION = 1
F_PLATFORM = 1


def op(who, what, sub=0, a1=0, a2=0, payload=b'', vcpu=0):
    assert len(payload) < 256
    return bytes([who | vcpu << 3, what, sub, a1, a2, len(payload)]) + payload


def imm(n):
    """a1 as a number rather than a pointer"""
    assert n < 0x7f
    return 0x80 + n


def domctl(who, cmd, domid, body=b''):
    arg = struct.pack('<IHH', DOMCTL_VERSION, domid, 0) + body
    return op(who, HC_DOMCTL, cmd, 0, 0, arg.ljust(128, b'\0'))


def create(who=0, mem_kb=64, max_kb=0, vcpus=1, name=b'', uuid=b'\0' * 16, budget_kb=0, flags=0):
    body = uuid + name.ljust(32, b'\0') + struct.pack('<QQIIQ', mem_kb, max_kb, vcpus, flags, budget_kb)
    return domctl(who, 0, 0, body)


def unpause(domid):
    return domctl(0, 3, domid)


def destroy(domid):
    return domctl(0, 1, domid)


def write(who, gpa, data):
    assert gpa % 8 == 0
    return op(who, WRITE, (gpa // 8) & 0xff, (gpa // 8) >> 8, 0, data)


def grant_entry(flags, domid, gfn):
    return struct.pack('<HHI', flags, domid, gfn)


def setup_table(who, gfns):
    return op(who, HC_GNTTAB, 0, 0, len(gfns), b''.join(struct.pack('<Q', g) for g in gfns))


def gnt_map(who, gfn, ref, domid, flags=0):
    return op(who, HC_GNTTAB, 2, 0, 1, struct.pack('<QIHHIhH', gfn, ref, domid, flags, 0, 0, 0))


def gnt_unmap(who, handle):
    return op(who, HC_GNTTAB, 3, 0, 1, struct.pack('<IhH', handle, 0, 0))


def gnt_copy(who, src, dst, length, flags):
    ptr = lambda p: struct.pack('<QHHI', p[0], p[1], p[2], 0)
    return op(who, HC_GNTTAB, 4, 0, 1, ptr(src) + ptr(dst) + struct.pack('<HHhH', length, flags, 0, 0))


def evtchn(who, cmd, body, vcpu=0):
    return op(who, HC_EVTCHN, cmd, 0, 0, body, vcpu)


def alloc_unbound(who, dom, remote):
    return evtchn(who, 1, struct.pack('<HHI', dom, remote, 0))


def bind_interdomain(who, remote, port):
    return evtchn(who, 2, struct.pack('<HHII', remote, 0, port, 0))


def port_op(who, cmd, port, vcpu=0):
    return evtchn(who, cmd, struct.pack('<I', port), vcpu)


def reservation(who, grow, first, nr, domid=SELF, gfns=None):
    if gfns is None:
        return op(who, HC_MEMOP, 0 if grow else 1, 0, 0, struct.pack('<QQIHH', first, 0, nr, domid, 0))
    body = struct.pack('<QQIHH', 0, 24, len(gfns), domid, 1) + b''.join(struct.pack('<Q', g) for g in gfns)
    return op(who, HC_MEMOP, 0 if grow else 1, 0, 0, body)


def foreign(who, map_, gfn, dst, nr, domid, flags=0):
    return op(who, HC_MEMOP, 4 if map_ else 5, 0, 0, struct.pack('<QQIHH', gfn, dst, nr, domid, flags))


def paging(who, cr0, cr3, cr4, efer, vcpu=0):
    return op(who, PAGING, 0, 0, 0, struct.pack('<QQQQ', cr0, cr3, cr4, efer), vcpu)


PG_P, PG_RW, PG_PS = 1, 2, 0x80
CR0_PE, CR0_WP, CR0_PG = 1, 1 << 16, 1 << 31
CR4_PSE, CR4_PAE = 1 << 4, 1 << 5
EFER_LME, EFER_LMA = 1 << 8, 1 << 10


def long_mode_identity(who):
    """PML4 at gfn 8, PDPT at 9, PD at 10: the first 2 MiB, linear = physical"""
    return [
        write(who, 0x8000, struct.pack('<Q', 0x9000 | PG_P | PG_RW)),
        write(who, 0x9000, struct.pack('<Q', 0xa000 | PG_P | PG_RW)),
        write(who, 0xa000, struct.pack('<Q', 0 | PG_P | PG_RW | PG_PS)),
        paging(who, CR0_PE | CR0_PG | CR0_WP, 0x8000, CR4_PAE, EFER_LME | EFER_LMA),
    ]


SEEDS = {
    # create, unpause, grant setup, map, bind interdomain, send, close, destroy
    # with the grant still mapped (the domU's free waits for the unmap)
    'grant-map-evtchn-destroy': [
        create(mem_kb=64, max_kb=128),
        unpause(1),
        setup_table(1, [2]),
        write(1, 2 * 4096, grant_entry(1, 0, 3)),
        gnt_map(0, 100, 0, 1),
        alloc_unbound(1, SELF, 0),
        bind_interdomain(0, 1, 1),
        port_op(0, 6, 1),
        port_op(1, 6, 1),
        port_op(0, 5, 1),
        destroy(1),
        gnt_unmap(0, 0),
    ],
    # dom0 ends first while a domU it kept maps a grant of another
    'grants-across-domus-dom0-ends-first': [
        create(mem_kb=32), create(mem_kb=32), unpause(1), unpause(2),
        setup_table(1, [1]),
        write(1, 4096, grant_entry(1, 2, 4) + grant_entry(5, 2, 5)),
        gnt_map(2, 50, 0, 1),
        gnt_map(2, 51, 1, 1, 1),
        gnt_copy(2, (0, 1, 0), (6, SELF, 0), 64, 1),
        gnt_copy(1, (6, SELF, 0), (0, 2, 0), 64, 0),
    ],
    # reservations and the control domain's foreign mappings
    'memory-populate-decrease-foreign': [
        create(mem_kb=16, max_kb=64), unpause(1),
        reservation(1, True, 10, 4),
        reservation(1, False, 0, 0, gfns=[11, 3]),
        reservation(0, True, 20, 2, domid=1),
        op(0, HC_MEMOP, 2, imm(1)), op(0, HC_MEMOP, 3, 0xff),
        foreign(0, True, 0, 200, 3, 1),
        foreign(0, True, 10, 5, 1, 1),
        reservation(1, False, 0, 2),
        destroy(1),
        foreign(0, False, 0, 200, 3, 0),
    ],
    # VIRQs, IPIs, the timer, the shared info and time pages
    'evtchn-virq-timer-ipi': [
        evtchn(0, 3, struct.pack('<III', 0, 0, 0)),
        evtchn(0, 3, struct.pack('<III', 2, 0, 0)),
        evtchn(0, 4, struct.pack('<II', 1, 0)),
        evtchn(0, 0, struct.pack('<Q', 5)),
        op(0, HC_VCPU, 0, imm(40)),
        op(0, HC_VCPU, 1, imm(6)),
        op(0, HC_VCPU, 2, imm(0), 0),
        op(0, TIME, 5),
        port_op(0, 6, 3, vcpu=1),
        port_op(0, 8, 1),
        evtchn(0, 7, struct.pack('<HHIIIHHII', SELF, 0, 1, 0, 0, 0, 0, 0, 0)),
        create(mem_kb=16), destroy(1),
        op(0, HC_SCHED, 1),
    ],
    # hypercall pointers walked through the callers' own page tables:
    # dom0 in long mode, a domU with 32-bit paging and a read-only PTE
    'paging-long-and-32bit': long_mode_identity(0) + [
        create(mem_kb=64), unpause(1),
        op(0, HC_MEMOP, 2, imm(1)),
        evtchn(0, 4, struct.pack('<II', 1, 0)),
        write(1, 0x8000, struct.pack('<I', 0x9000 | PG_P | PG_RW)),
        write(1, 0x9000, struct.pack('<I', 0 | PG_P)),
        paging(1, CR0_PE | CR0_PG | CR0_WP, 0x8000, 0, 0),
        evtchn(1, 4, struct.pack('<II', 0, 0)),
        alloc_unbound(1, SELF, 0),
        evtchn(1, 0, struct.pack('<Q', 3)),
        destroy(1),
    ],
    # a small hypervisor-memory budget spent on p2m tables far apart (-EDQUOT)
    'budget-p2m-tables-edquot': [
        create(mem_kb=16, max_kb=1024, budget_kb=256), unpause(1),
        reservation(1, True, 0, 0, gfns=[i << 18 for i in range(1, 29)]),
        domctl(0, 14, 1, struct.pack('<Q', 256)),
        alloc_unbound(1, SELF, 0),
        reservation(1, False, 0, 0, gfns=[i << 18 for i in range(1, 15)]),
        domctl(0, 4, 1),
    ],
    # vCPUs in guest mode on their CPUs while the domain is paused, shut
    # down from its other vCPU and destroyed: the waits meet them
    'running-vcpus-pause-shutdown-destroy': [
        create(mem_kb=32, vcpus=2),
        domctl(0, 8, 1, struct.pack('<IIQQQQQQHHHH', 1, 0, 0x1000, 0x2000, 0, 0, 0x3000, 0x4000, 0x17, 8, 0x10, 0)),
        unpause(1),
        op(1, HC_VCPU, 1, imm(5)),
        op(1, ENTER, vcpu=0), op(1, ENTER, vcpu=1),
        domctl(0, 2, 1), unpause(1),
        op(1, ENTER, vcpu=1), op(1, ENTER, vcpu=0),
        op(1, HC_EVTCHN, 4, 0, 0, struct.pack('<II', 1, 0), vcpu=0),
        op(1, LEAVE, vcpu=1),
        op(1, HC_SCHED, 2, imm(0), vcpu=0),
        create(mem_kb=32), unpause(2), op(2, ENTER),
        destroy(2), destroy(1),
        op(0, ENTER, vcpu=1),
    ],
    # the other domctls on a domain, then a guest shutting itself down
    'domctl-all-then-shutdown': [
        create(mem_kb=32, vcpus=2, name=b'guest', uuid=bytes(range(1, 17))),
        create(mem_kb=32, uuid=bytes(range(1, 17))),
        domctl(0, 4, 1), domctl(0, 5, 0),
        domctl(0, 6, 1, struct.pack('<Q', 256)),
        domctl(0, 7, 1, struct.pack('<II', 3, 0)),
        domctl(0, 8, 1, struct.pack('<IIQQQQQQHHHH', 1, 0, 0x1000, 0x2000, 0, 0, 0x3000, 0x4000, 0x17, 8, 0x10, 0)),
        domctl(0, 10, 1, struct.pack('<II', 512, 50)), domctl(0, 9, 1),
        domctl(0, 12, 1, struct.pack('<IIQ', 1, 0, 2)), domctl(0, 11, 1, struct.pack('<IIQ', 1, 0, 0)),
        domctl(0, 13, 1, struct.pack('<I', 2).ljust(32, b'\0')),
        unpause(1), domctl(0, 2, 1), unpause(1),
        op(1, HC_CONSOLE, 0, 0, 5, b'hello'),
        op(0, HC_SYSCTL, 0, 0, 0, struct.pack('<I', 1).ljust(64, b'\0')),
        op(1, HC_SCHED, 2, imm(2)),
        domctl(0, 4, 1), destroy(1),
    ],
    # a platform domain (F_PLATFORM): renamed, typed into, set to 3 vCPUs, read, destroyed
    'platform-rename-writeconsole': [
        create(mem_kb=32, vcpus=2, name=b'plat', flags=F_PLATFORM),
        create(mem_kb=32, name=b'other'),
        domctl(0, 15, 1, b'other'.ljust(32, b'\0')),
        domctl(0, 15, 1, b'renamed'.ljust(32, b'\0')),
        domctl(0, 7, 1, struct.pack('<II', 3, 0)),
        op(0, HC_SYSCTL, 3, 0, 0, struct.pack('<II', SYSCTL_VERSION, 0) +
           struct.pack('<QIHH', 0x2000, 300, 1, 0).ljust(56, b'\0')),
        op(0, HC_SYSCTL, 3, 0, 0, struct.pack('<II', SYSCTL_VERSION, 0) +
           struct.pack('<QIHH', 0x2000, 4, 2, 0).ljust(56, b'\0')),
        op(0, HC_SYSCTL, 0, 0, 0, struct.pack('<I', SYSCTL_VERSION).ljust(64, b'\0')),
        unpause(1), domctl(0, 4, 1), destroy(1), destroy(2),
    ],
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, ops in SEEDS.items():
        flags = 1 if 'dom0-ends-first' in name else 0
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(bytes([flags]) + b''.join(ops))


if __name__ == '__main__':
    main()
