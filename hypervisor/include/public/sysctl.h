/* SPDX-License-Identifier: MIT */
/*
 * MICA_HC_sysctl: the machine, for the privileged control domain only
 * (every other domain gets -MICA_EPERM). docs/abi.md is the reference.
 *
 * sysctl(MICA_SYSCTL_<op>, struct mica_sysctl *arg): RDI = sub-command,
 * RSI = one struct mica_sysctl, read and written back. Checked in this
 * order: unknown sub-command -ENOSYS; arg not readable and writable -EFAULT;
 * interface_version != MICA_SYSCTL_INTERFACE_VERSION -EACCES; then the
 * sub-command's own checks.
 */
#ifndef MICA_PUBLIC_SYSCTL_H
#define MICA_PUBLIC_SYSCTL_H

#include "types.h"

#define MICA_SYSCTL_INTERFACE_VERSION  0x00000002u   /* 2: physinfo.now_ns, writeconsole */

#define MICA_SYSCTL_physinfo      0   /* u.physinfo; returns 0 */
#define MICA_SYSCTL_readlog       1   /* u.read from the hypervisor's log; returns bytes */
#define MICA_SYSCTL_readconsole   2   /* u.read from a domain's console ring; returns bytes */
#define MICA_SYSCTL_writeconsole  3   /* u.write: keystrokes into a domain's UART; returns bytes taken */
#define MICA_SYSCTL_NR            4

#define MICA_SYSCTL_READ_MAX      65536u  /* largest u.read.len */

struct mica_sysctl_physinfo {
    uint32_t nr_cpus;         /* CPUs online */
    uint32_t pad;
    uint64_t total_frames;    /* 4 KiB frames the allocator manages */
    uint64_t free_frames;     /* of which free now */
    uint64_t tsc_khz;
    uint64_t nr_domains;      /* domains that exist (any state) */
    uint64_t now_ns;          /* hypervisor time since boot */
};
MICA_STATIC_ASSERT(sizeof(struct mica_sysctl_physinfo) == 48, "ABI size");

/*
 * Reading a ring that keeps the newest bytes: every byte ever written has an
 * offset (0, 1, ...); head is the offset the next byte will get. A reader
 * starts at offset 0 and passes back the offset it was given to follow the
 * ring. Bytes the ring has already overwritten are skipped and counted in
 * lost.
 */
struct mica_sysctl_read {
    uint64_t offset;          /* in: first byte wanted; out: the offset after the last copied */
    uint64_t buf;             /* guest pointer to len bytes */
    uint32_t len;             /* buffer size, <= MICA_SYSCTL_READ_MAX */
    uint32_t copied;          /* out: bytes copied (also the return value) */
    uint64_t head;            /* out: offset of the next byte to be written */
    uint64_t lost;            /* out: bytes between the offset asked and the oldest kept */
    uint16_t domid;           /* readconsole: whose ring; readlog: 0 */
    uint16_t pad[3];          /* 0 */
};
MICA_STATIC_ASSERT(sizeof(struct mica_sysctl_read) == 48, "ABI size");

/*
 * Input for a domain's console: len bytes at buf go into its UART's receive
 * FIFO (a platform domain's, MICA_DOMCTL_CREATE_F_PLATFORM or dom0), as if
 * typed. Returns the bytes taken, fewer than len when the FIFO fills;
 * -MICA_EINVAL for a domain without a UART or a non-zero pad.
 */
struct mica_sysctl_write {
    uint64_t buf;             /* guest pointer to len bytes */
    uint32_t len;             /* <= MICA_SYSCTL_READ_MAX */
    uint16_t domid;
    uint16_t pad;             /* 0 */
};
MICA_STATIC_ASSERT(sizeof(struct mica_sysctl_write) == 16, "ABI size");

struct mica_sysctl {
    uint32_t interface_version;  /* MICA_SYSCTL_INTERFACE_VERSION */
    uint32_t pad;                /* 0 */
    union {
        struct mica_sysctl_physinfo physinfo;
        struct mica_sysctl_read     read;
        struct mica_sysctl_write    write;
        uint8_t raw[56];
    } u;
};
MICA_STATIC_ASSERT(sizeof(struct mica_sysctl) == 64, "ABI size");

#endif
