/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PCI configuration mechanism 1 for a platform domain: CONFIG_ADDRESS at
 * 0xCF8 (dword accesses only), CONFIG_DATA at 0xCFC-0xCFF (byte, word or
 * dword at 0xCFC + n, inside the dword), in front of the configuration
 * space of vpci.c. And the platform device's one job: each event-channel
 * upcall of the domain, while the guest has its MSI enabled, is that MSI.
 */
#include <mica/domain.h>
#include <mica/event_channel.h>
#include <asm/vplatform.h>
#include <asm/vplatform_dev.h>
#include <asm/vlapic.h>
#include <asm/vpci.h>
#include <asm/pci.h>

#define ADDR_BDF_SHIFT  8
#define ADDR_REG_MASK   0xfcu

static uint32_t ones(unsigned int size)
{
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static uint16_t addr_bdf(uint32_t addr)
{
    return (uint16_t)(addr >> ADDR_BDF_SHIFT);
}

static unsigned int addr_reg(uint32_t addr, uint16_t port)
{
    return (addr & ADDR_REG_MASK) + (unsigned int)(port - PCI_CONF_DATA_PORT);
}

/*
 * A physical function the domain sees through pci_dom0.c: dom0's under
 * dom0_pci=view, or one assigned to this domU (at its host BDF).
 */
static bool physical(const struct domain *d, uint16_t bdf)
{
    return !vpci_is_virtual(bdf) && pci_view_sees(d, bdf);
}

uint32_t vpci_io_read(struct vcpu *v, uint16_t port, unsigned int size)
{
    struct vplatform *p = v->domain->plat;
    unsigned long f = spin_lock_irqsave(&p->pci_lock);
    uint32_t addr = p->pci.addr, val = ones(size);

    if (port == PCI_CONF_ADDR_PORT && size == 4)
        val = addr;
    else if (port >= PCI_CONF_DATA_PORT && (addr & PCI_CONF_ENABLE))
        val = physical(v->domain, addr_bdf(addr)) ?
              pci_dom0_read(v->domain, addr_bdf(addr), addr_reg(addr, port), size) :
              vpci_cfg_read(&p->pci, addr_bdf(addr), addr_reg(addr, port), size);
    spin_unlock_irqrestore(&p->pci_lock, f);
    return val;
}

/* Byte and word writes to 0xCF8-0xCFB are other chipset registers: dropped here. */
void vpci_io_write(struct vcpu *v, uint16_t port, unsigned int size, uint32_t val)
{
    struct vplatform *p = v->domain->plat;
    unsigned long f = spin_lock_irqsave(&p->pci_lock);
    uint32_t addr = p->pci.addr;
    struct vpci_msi m;
    bool before = vpci_msi_get(&p->pci, &m), after = before;

    if (port == PCI_CONF_ADDR_PORT && size == 4) {
        p->pci.addr = val & PCI_CONF_ADDR_MASK;
    } else if (port >= PCI_CONF_DATA_PORT && (addr & PCI_CONF_ENABLE)) {
        if (physical(v->domain, addr_bdf(addr)))
            pci_dom0_write(v->domain, addr_bdf(addr), addr_reg(addr, port), size, val);
        else
            vpci_cfg_write(&p->pci, addr_bdf(addr), addr_reg(addr, port), size, val);
        after = vpci_msi_get(&p->pci, &m);
    }
    spin_unlock_irqrestore(&p->pci_lock, f);
    /* Upcalls raised while the MSI was off are delivered now, as with a new vector. */
    if (after && !before)
        evtchn_domain_upcall_check(v->domain);
}

bool vpci_msi_upcall(struct domain *d)
{
    struct vplatform *p = d->plat;
    struct vpci_msi m;
    unsigned long f;
    bool on;

    if (!p)
        return false;
    f = spin_lock_irqsave(&p->pci_lock);
    on = vpci_msi_get(&p->pci, &m);
    spin_unlock_irqrestore(&p->pci_lock, f);
    if (on)
        vlapic_deliver_ext(d, m.dest, m.logical, m.lowest, m.vector);
    return on;
}
