/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Port I/O from guests. A domain with the PC platform (dom0, a domU made
 * with MICA_DOMCTL_CREATE_F_PLATFORM) reaches the device models through
 * one table of port ranges; everything else, and
 * every port of a test kernel, reads as all-ones and drops writes, as an
 * empty ISA bus does.
 */
#include <mica/domain.h>
#include <mica/budget.h>
#include <asm/vlapic.h>
#include <mica/lib.h>
#include <mica/errno.h>
#include <public/sched.h>
#include <asm/vplatform.h>
#include <asm/vplatform_dev.h>
#include <asm/guest_walk.h>
#include <asm/x86.h>
#include <asm/page.h>

#define PCI_CONF_ADDR  0xcf8
#define RESET_CPU      0x04    /* reset control register: reset the CPU */
#define KBD_STATUS     0x64
#define KBD_CMD_RESET  0xfe
#define SLP_EN         0x20
#define PIT_CH2_DATA   0x42    /* the machine's own for dom0 (svm_msrpm.c) */

struct io_range {
    uint16_t first, last;
    uint32_t (*read)(struct vcpu *v, uint16_t port, unsigned int size);
    void (*write)(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val);
};

static uint32_t ones(unsigned int size)
{
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* PCI configuration mechanism 1 (vpci_io.c), and the reset control register in its range. */
static uint32_t pci_read(struct vcpu *v, uint16_t port, unsigned int size)
{
    return vpci_io_read(v, port, size);
}

static void pci_write(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
    if (port == VPLAT_RESET_PORT && size == 1) {
        if (val & RESET_CPU)
            domain_shutdown(v->domain, MICA_SHUTDOWN_reboot);
        return;
    }
    vpci_io_write(v, port, size, val);
}

/* A register that reads 0. */
static uint32_t read_zero(struct vcpu *v, uint16_t port, unsigned int size)
{
    (void)v;
    (void)port;
    (void)size;
    return 0;
}

/* A register that ignores writes. */
static void write_drop(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
    (void)v;
    (void)port;
    (void)size;
    (void)val;
}

/* ACPI hardware-reduced sleep registers (they read 0): S5 is power-off. */
static void sleep_write(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
    (void)size;
    if (port == VPLAT_SLEEP_CTL_PORT && (val & SLP_EN) &&
        ((val >> 2) & 7) == VPLAT_S5_SLP_TYP)
        domain_shutdown(v->domain, MICA_SHUTDOWN_poweroff);
}

/* The keyboard controller's reset pulse, Linux's second way to reboot. */
static uint32_t kbd_read(struct vcpu *v, uint16_t port, unsigned int size)
{
    (void)v;
    (void)port;
    return ones(size);
}

static void kbd_write(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
    (void)port;
    (void)size;
    if ((val & 0xff) == KBD_CMD_RESET)
        domain_shutdown(v->domain, MICA_SHUTDOWN_reboot);
}

static const struct io_range platform_io[] = {
    /*
     * PIT channel 2 of a domU: its gate never opens, so its count reads 0 and
     * never moves. Linux's quick PIT calibration, which an AMD guest always
     * tries (native_calibrate_cpu_early), then gives up at its first read; on
     * the all-ones of an empty bus it read the port 100,000 times, waiting for
     * a 0xff count to change: about 4 s of VM exits per domU boot under TCG.
     * The TSC's rate comes from tsc_early_khz= (docs/abi.md, a domU's time
     * source). Writes are dropped.
     */
    { PIT_CH2_DATA, PIT_CH2_DATA, read_zero, write_drop },
    { KBD_STATUS, KBD_STATUS, kbd_read, kbd_write },
    { 0x70, 0x71, vrtc_read, vrtc_write },
    { VPLAT_SLEEP_CTL_PORT, VPLAT_SLEEP_STS_PORT, read_zero, sleep_write },
    { VPLAT_COM1_PORT, VPLAT_COM1_PORT + 7, vuart_read, vuart_write },
    { PCI_CONF_ADDR, PCI_CONF_ADDR + 7, pci_read, pci_write },
};

static const struct io_range *find(struct vcpu *v, uint16_t port)
{
    if (!v->domain->plat)
        return NULL;
    for (size_t i = 0; i < ARRAY_SIZE(platform_io); i++)
        if (port >= platform_io[i].first && port <= platform_io[i].last)
            return &platform_io[i];
    return NULL;
}

uint32_t vio_read(struct vcpu *v, uint16_t port, unsigned int size)
{
    const struct io_range *r = find(v, port);

    return r ? r->read(v, port, size) & ones(size) : ones(size);
}

void vio_write(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
    const struct io_range *r = find(v, port);

    if (r)
        r->write(v, port, size, val & ones(size));
}

/* ---- INS / OUTS ------------------------------------------------------------ */

#define GPR_RCX 1
#define GPR_RSI 6
#define GPR_RDI 7

/* reg with its low addr_bytes replaced by val (a 32-bit write zero-extends, as in long mode). */
static uint64_t reg_update(uint64_t reg, uint64_t val, unsigned int addr_bytes)
{
    uint64_t mask = addr_bytes == 8 ? ~0ull : (1ull << (8 * addr_bytes)) - 1;

    if (addr_bytes == 4)
        return val & mask;
    return (reg & ~mask) | (val & mask);
}

/*
 * Where an element of size bytes at la lies: up to two pieces (it may
 * cross a page), each translated as the CPU's own access at the guest's
 * CPL before any byte moves or the port is touched (as hardware checks an
 * access whole, and as Xen's emulator translates before it does the I/O).
 */
struct element {
    gpa_t gpa[2];
    size_t len[2];
};

static int translate(struct vcpu *v, const struct guest_paging *gp, bool write, uint64_t la,
                     gpa_t *gpa)
{
    uint32_t pfec = (write ? PFEC_WRITE : 0) | (gp->cpl == 3 ? PFEC_USER : 0);
    struct domain *d = v->domain;
    int rc;

    /* mem_lock: memory_op cannot free a table page while the walk sets its A/D bits. */
    spin_lock(&d->mem_lock);
    rc = guest_walk(gp, &d->p2m, la, GW_CPU, &pfec, gpa);
    spin_unlock(&d->mem_lock);
    if (rc == GUEST_WALK_PF)
        vcpu_inject_pf(v, la, pfec);
    else if (rc == GUEST_WALK_GP)
        vcpu_inject_gp0(v);
    return rc;
}

static int element_at(struct vcpu *v, const struct guest_paging *gp, const struct vio_string *s,
                      uint64_t la, struct element *e)
{
    int rc;

    e->len[0] = MIN((size_t)s->size, PAGE_SIZE - (la & ~PAGE_MASK));
    e->len[1] = s->size - e->len[0];
    rc = translate(v, gp, s->in, la, &e->gpa[0]);
    if (!rc && e->len[1])
        rc = translate(v, gp, s->in, gp->cs_long ? la + e->len[0] : (uint32_t)(la + e->len[0]),
                       &e->gpa[1]);
    return rc;
}

/* 0, -EFAULT (not the domain's memory), or GUEST_WALK_PF/GP (injected: nothing done). */
static int string_one(struct vcpu *v, const struct guest_paging *gp, const struct vio_string *s,
                      uint64_t la)
{
    struct element e;
    uint8_t buf[4] = { 0 };
    uint32_t val;
    int rc = element_at(v, gp, s, la, &e);

    if (rc)
        return rc;
    if (s->in) {
        val = vio_read(v, s->port, s->size);
        memcpy(buf, &val, sizeof(buf));
    }
    for (unsigned int i = 0; i < 2 && !rc; i++)
        if (e.len[i])
            rc = copy_gpa_chunk(v->domain, e.gpa[i], buf + (i ? e.len[0] : 0), e.len[i], s->in);
    if (rc || s->in)
        return rc;
    memcpy(&val, buf, sizeof(val));
    vio_write(v, s->port, s->size, val);
    return 0;
}

int vio_string(struct vcpu *v, const struct vio_string *s)
{
    unsigned int ptr_reg = s->in ? GPR_RDI : GPR_RSI;
    uint64_t amask = s->addr_bytes == 8 ? ~0ull : (1ull << (8 * s->addr_bytes)) - 1;
    uint64_t reg = arch_vcpu_get_gpr(v, ptr_reg), rcx = arch_vcpu_get_gpr(v, GPR_RCX);
    uint64_t left = s->rep ? rcx & amask : 1, ptr = reg & amask, n;
    struct guest_paging gp;
    int rc = 0;

    arch_vcpu_paging(v, &gp);
    for (n = 0; n < left && n < VIO_STRING_BATCH; n++) {
        uint64_t la = s->seg_base + ptr;

        /* Outside 64-bit code a linear address wraps at 4 GiB (so CR2 is 32-bit). */
        rc = string_one(v, &gp, s, gp.cs_long ? la : (uint32_t)la);
        if (rc)
            break;
        ptr = (s->down ? ptr - s->size : ptr + s->size) & amask;
    }
    /* As hardware: a fault stops a REP at the element, the ones done counted. */
    arch_vcpu_set_gpr(v, ptr_reg, reg_update(reg, ptr, s->addr_bytes));
    if (s->rep)
        arch_vcpu_set_gpr(v, GPR_RCX, reg_update(rcx, left - n, s->addr_bytes));
    if (rc == GUEST_WALK_PF || rc == GUEST_WALK_GP)
        return VIO_STRING_FAULT;
    if (rc)
        return rc;
    return n < left ? 1 : 0;
}

/* A local APIC for every vCPU structure of d that has none yet. */
int vplatform_vcpus(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus_alloc; i++) {
        int rc = d->vcpu[i]->arch.vlapic ? 0 : vlapic_create(d->vcpu[i]);

        if (rc)
            return rc;
    }
    return 0;
}

int vplatform_create(struct domain *d)
{
    int rc;
    struct vplatform *p = hyp_zalloc(&d->budget, sizeof(*p), &rc);

    if (!p)
        return rc;
    p->uart.lock = (spinlock_t)SPINLOCK_INIT;
    vioapic_init(&p->ioapic);
    p->pci_lock = (spinlock_t)SPINLOCK_INIT;
    vpci_init(&p->pci);
    p->mtrr_def_type = 0x806;          /* MTRRs on, default write-back */
    d->plat = p;
    return vplatform_vcpus(d);
}

void vplatform_destroy(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus_alloc; i++)
        vlapic_destroy(d->vcpu[i]);
    hyp_free(&d->budget, d->plat, sizeof(*d->plat));
    d->plat = NULL;
}
