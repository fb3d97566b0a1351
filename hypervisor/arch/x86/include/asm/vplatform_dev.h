/* SPDX-License-Identifier: GPL-2.0-only */
/* The device models behind the virtual platform (asm/vplatform.h). */
#ifndef ASM_VPLATFORM_DEV_H
#define ASM_VPLATFORM_DEV_H

#include <mica/types.h>
#include <mica/spinlock.h>
#include <asm/vioapic.h>
#include <asm/vpci.h>

struct vcpu;
struct domain;

#define VUART_FIFO 256

struct vuart {
    spinlock_t lock;
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
    bool thri_pending;             /* THR-empty reported until IIR is read */
    bool irq_line;                 /* the INTR output, as the I/O APIC last saw it */
    uint8_t rx[VUART_FIFO];
    unsigned int rx_head, rx_tail;
    char line[160];                /* the output line being assembled */
    unsigned int line_len;
    bool line_tty;                 /* a byte of it came with THRI on: a tty write */
};

struct vplatform {
    struct vuart uart;
    struct vioapic ioapic;
    uint8_t rtc_index;
    spinlock_t pci_lock;           /* the PCI bus, against other vCPUs and the upcall path */
    struct vpci pci;
    uint64_t mtrr_def_type;
};

/*
 * The platform's device models and a local APIC for each vCPU, charged to
 * d's budget: 0, -EDQUOT or -ENOMEM (then vplatform_destroy() frees what
 * was made). No machine port: dom0's are opened by vcpu_platform_io().
 */
int vplatform_create(struct domain *d);
/* Local APICs for vCPUs added since (domain_set_vcpus()): 0, -EDQUOT or -ENOMEM. */
int vplatform_vcpus(struct domain *d);
/* With the domain freed (its vCPUs never run again): safe if none was made. */
void vplatform_destroy(struct domain *d);

/* Port I/O from a guest: the platform's devices, or all-ones / dropped. */
uint32_t vio_read(struct vcpu *v, uint16_t port, unsigned int size);
void vio_write(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val);

/* An INS or OUTS exit, as the backend decoded it. */
struct vio_string {
    uint16_t port;
    unsigned int size;          /* 1, 2 or 4 bytes an element */
    unsigned int addr_bytes;    /* address size: 2, 4 or 8 */
    bool in, rep, down;         /* INS; a REP prefix; RFLAGS.DF */
    uint64_t seg_base;          /* of ES (INS) or the source segment (OUTS) */
};
/*
 * Run it against the guest's memory and registers (RCX, RSI/RDI, through
 * the get_gpr/set_gpr hooks), at most VIO_STRING_BATCH elements an exit.
 * Each element's address goes through the guest's page tables as the CPU's
 * own access at the guest's CPL (guest_walk() with GW_CPU).
 * 0 done (the caller moves RIP on), 1 a REP with elements left (RIP stays:
 * the instruction exits again), VIO_STRING_FAULT the guest's page tables
 * refused an element: its #PF (or #GP(0), non-canonical) is injected and
 * RCX/RSI/RDI count the elements done, as hardware leaves them (RIP stays),
 * -EFAULT an element's address, or one of its page tables, is not the
 * guest's memory (the caller kills the domain).
 */
#define VIO_STRING_BATCH 1024u
#define VIO_STRING_FAULT 2
int vio_string(struct vcpu *v, const struct vio_string *s);

/*
 * Platform MSRs beyond the vCPU's own state (the local APIC's through
 * vlapic_rdmsr/wrmsr): 0, or -EINVAL when the guest's RDMSR/WRMSR raises #GP.
 */
int vmsr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
int vmsr_write(struct vcpu *v, uint32_t msr, uint64_t val);

/* Devices, each with the ports it owns. */
uint32_t vuart_read(struct vcpu *v, uint16_t port, unsigned int size);
void vuart_write(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val);
/* Input from the physical console for this domain's UART. */
void vuart_input(struct domain *d, uint8_t c);
/* Bytes for its receive FIFO (sysctl writeconsole): how many it took (0 without a UART). */
size_t vuart_input_buf(struct domain *d, const uint8_t *buf, size_t len);
/* PCI configuration mechanism 1, ports 0xCF8-0xCFF (vpci_io.c). */
uint32_t vpci_io_read(struct vcpu *v, uint16_t port, unsigned int size);
void vpci_io_write(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val);
/*
 * An event-channel upcall of d as the platform device's MSI: true if the
 * guest has it enabled (then it was sent), false if not (no MSI: the caller
 * falls back to the upcall vector). Any context; takes pci_lock.
 */
bool vpci_msi_upcall(struct domain *d);
uint32_t vrtc_read(struct vcpu *v, uint16_t port, unsigned int size);
void vrtc_write(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val);

#endif
