/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The AMD IOMMU (AMD-Vi): bring-up of each IOMMU that ACPI IVRS lists, with
 * every device blocked, and its event log polled for faults. The design,
 * and what comes next (per-domain I/O page tables), is in docs/iommu.md.
 *
 * Each IOMMU gets three buffers of the hypervisor's own (in no domain's
 * p2m): a device table with an entry for all 65536 device IDs, a command
 * buffer and an event log. Its MMIO registers are reached through the
 * hypervisor's identity map, uncached outside RAM (paging.c).
 */
#include <mica/iommu.h>
#include <mica/budget.h>
#include <mica/domain.h>
#include <mica/p2m.h>
#include <mica/console.h>
#include <mica/errno.h>
#include <mica/lib.h>
#include <mica/mm.h>
#include <mica/spinlock.h>
#include <mica/timer.h>
#include <mica/xmalloc.h>
#include <asm/iommu_amd.h>
#include <asm/iommu_pt.h>
#include <asm/pci.h>
#include <asm/time.h>
#include <asm/x86.h>

#define EVT_POLL_NS         100000000ull   /* the event log is read every 100 ms */
#define EVT_LINES_PER_POLL  8              /* more are counted, not printed */
#define CMD_TIMEOUT_NS      1000000000ull  /* a command the IOMMU never completes */
#define MMIO_MAP_LIMIT      (1ull << 32)   /* identity-mapped uncached for sure (paging.c) */
#define CW_DONE             0x4d494341u    /* what COMPLETION_WAIT stores */

struct amdvi {
    struct ivrs_iommu desc;
    volatile uint8_t *mmio;
    uint64_t *dev_tab;
    volatile uint32_t *cmd;
    volatile uint32_t *evt;
    uint32_t cmd_tail;              /* byte offsets into the rings */
    uint32_t evt_head;
    volatile uint64_t cw_word;      /* COMPLETION_WAIT's store target */
    uint64_t nr_events;
    spinlock_t cmd_lock;
};

static struct amdvi iommus[IVRS_MAX_IOMMUS];
static unsigned int nr_iommus;
static bool iommu_up[IVRS_MAX_IOMMUS];   /* per IVRS index: enabled */
static struct ivrs_info ivrs;
static struct timer evt_timer;
static uint64_t *empty_root;        /* the blocked DTEs' table: one zeroed page */

static uint64_t mmio_rd(const struct amdvi *m, unsigned int reg)
{
    return *(volatile const uint64_t *)(m->mmio + reg);
}

static void mmio_wr(struct amdvi *m, unsigned int reg, uint64_t v)
{
    *(volatile uint64_t *)(m->mmio + reg) = v;
}

static paddr_t va_to_pa(const volatile void *va)
{
    return (paddr_t)(uintptr_t)va;     /* the hypervisor's identity map */
}

/* Queue one command and wait until the IOMMU has stored CW_DONE after it. */
static int cmd_submit_wait(struct amdvi *m, const uint32_t cmd[4])
{
    paddr_t cw = va_to_pa(&m->cw_word);
    const uint32_t wait[4] = {
        (uint32_t)(cw & 0xfffffff8u) | AMDVI_CW_STORE,
        (uint32_t)((cw >> 32) & 0xfffffu) | AMDVI_CMD_COMPLETION_WAIT << AMDVI_CMD_OPCODE_SHIFT,
        CW_DONE, 0,
    };
    const uint32_t *cmds[2] = { cmd, wait };
    uint64_t deadline;
    int rc = 0;

    spin_lock(&m->cmd_lock);
    m->cw_word = 0;
    for (unsigned int i = 0; i < 2; i++) {
        if (!cmds[i])
            continue;
        for (unsigned int w = 0; w < 4; w++)
            m->cmd[m->cmd_tail / 4 + w] = cmds[i][w];
        m->cmd_tail = (m->cmd_tail + AMDVI_ENTRY_SIZE) % AMDVI_RING_BYTES;
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    mmio_wr(m, AMDVI_CMD_TAIL, m->cmd_tail);
    deadline = now_ns() + CMD_TIMEOUT_NS;
    while (m->cw_word != CW_DONE) {
        if (now_ns() > deadline) {
            rc = -EIO;      /* the IOMMU never completed it */
            break;
        }
        cpu_relax();
    }
    spin_unlock(&m->cmd_lock);
    return rc;
}

static int alloc_buffers(struct amdvi *m)
{
    m->dev_tab = page_alloc_hyp(AMDVI_DEV_TAB_ORDER);
    m->cmd = page_alloc_hyp(0);
    m->evt = page_alloc_hyp(0);
    if (m->dev_tab && m->cmd && m->evt)
        return 0;
    if (m->dev_tab)
        page_free_hyp(m->dev_tab, AMDVI_DEV_TAB_ORDER);
    if (m->cmd)
        page_free_hyp((void *)m->cmd, 0);
    if (m->evt)
        page_free_hyp((void *)m->evt, 0);
    return -ENOMEM;
}

static void free_buffers(struct amdvi *m)
{
    page_free_hyp(m->dev_tab, AMDVI_DEV_TAB_ORDER);
    page_free_hyp((void *)m->cmd, 0);
    page_free_hyp((void *)m->evt, 0);
}

/* Every device blocked: no DMA reaches memory until its owner's table is set. */
static void dev_tab_block_all(struct amdvi *m)
{
    uint64_t dte0 = AMDVI_DTE0_BLOCKED | va_to_pa(empty_root);

    for (uint32_t id = 0; id < AMDVI_DEV_IDS; id++)
        m->dev_tab[id * (AMDVI_DTE_SIZE / 8)] = dte0;
}

/* Point the IOMMU at its buffers, then turn it on. */
static void program(struct amdvi *m)
{
    const uint64_t ring_len = (uint64_t)AMDVI_RING_ORDER_LOG2 << AMDVI_LEN_SHIFT;
    const uint64_t dev_tab_pages = 1ull << AMDVI_DEV_TAB_ORDER;

    mmio_wr(m, AMDVI_CONTROL, 0);
    mmio_wr(m, AMDVI_EXCL_BASE, 0);
    mmio_wr(m, AMDVI_EXCL_LIMIT, 0);
    mmio_wr(m, AMDVI_DEV_TAB_BASE, va_to_pa(m->dev_tab) | (dev_tab_pages - 1));
    mmio_wr(m, AMDVI_CMD_BUF_BASE, va_to_pa(m->cmd) | ring_len);
    mmio_wr(m, AMDVI_EVT_LOG_BASE, va_to_pa(m->evt) | ring_len);
    mmio_wr(m, AMDVI_CMD_HEAD, 0);
    mmio_wr(m, AMDVI_CMD_TAIL, 0);
    mmio_wr(m, AMDVI_EVT_HEAD, 0);
    mmio_wr(m, AMDVI_EVT_TAIL, 0);
    m->cmd_tail = m->evt_head = 0;
    mmio_wr(m, AMDVI_STATUS, AMDVI_STATUS_EVT_OVERFLOW | AMDVI_STATUS_EVT_INT |
                             AMDVI_STATUS_COMWAIT_INT);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    mmio_wr(m, AMDVI_CONTROL, AMDVI_CTRL_COHERENT | AMDVI_CTRL_EVT_LOG_EN |
                              AMDVI_CTRL_CMD_BUF_EN | AMDVI_CTRL_IOMMU_EN);
}

static void log_found(const struct amdvi *m, uint64_t efr)
{
    const struct ivrs_iommu *d = &m->desc;
    char self[PCI_BDF_STR_LEN], first[PCI_BDF_STR_LEN], last[PCI_BDF_STR_LEN];

    pci_bdf_str(self, d->seg, d->bdf);
    pci_bdf_str(first, d->seg, d->dev_first);
    pci_bdf_str(last, d->seg, d->dev_last);
    pr_info("iommu: AMD-Vi found at %#llx: PCI %s (cap %#x, hidden from dom0), IVHD type %#x, "
            "EFR %#llx, covers %s-%s (%u device IDs, %u special)\n",
            (unsigned long long)d->base, self, d->cap, d->type, (unsigned long long)efr,
            d->nr_devs ? first : "none", d->nr_devs ? last : "none", d->nr_devs,
            d->nr_special);
}

static int bring_up(struct amdvi *m)
{
    uint64_t t0, status;
    int rc;

    if (m->desc.base >= MMIO_MAP_LIMIT - AMDVI_MMIO_SIZE) {
        pr_err("iommu: AMD-Vi at %#llx: above the hypervisor's map of the low 4 GiB\n",
               (unsigned long long)m->desc.base);
        return -ERANGE;
    }
    m->mmio = (volatile uint8_t *)(uintptr_t)m->desc.base;
    log_found(m, mmio_rd(m, AMDVI_EXT_FEATURES));
    rc = alloc_buffers(m);
    if (rc)
        return rc;
    dev_tab_block_all(m);
    program(m);
    t0 = now_ns();
    rc = cmd_submit_wait(m, NULL);
    if (rc)
        goto err_off;
    status = mmio_rd(m, AMDVI_STATUS);
    pr_info("iommu: AMD-Vi at %#llx: device table %u entries at %#llx, every device blocked "
            "(DTE V=1 TV=1 IR=IW=0, an empty table)\n", (unsigned long long)m->desc.base,
            AMDVI_DEV_IDS, (unsigned long long)va_to_pa(m->dev_tab));
    pr_info("iommu: AMD-Vi at %#llx: command buffer %u entries at %#llx%s, completion wait "
            "took %llu us\n", (unsigned long long)m->desc.base, AMDVI_RING_ENTRIES,
            (unsigned long long)va_to_pa(m->cmd),
            status & AMDVI_STATUS_CMD_RUN ? " running" : " (not running)",
            (unsigned long long)((now_ns() - t0) / 1000));
    pr_info("iommu: AMD-Vi at %#llx: event log %u entries at %#llx enabled%s\n",
            (unsigned long long)m->desc.base, AMDVI_RING_ENTRIES,
            (unsigned long long)va_to_pa(m->evt),
            status & AMDVI_STATUS_EVT_RUN ? ", running" : " (not running)");
    return 0;

err_off:
    mmio_wr(m, AMDVI_CONTROL, 0);
    free_buffers(m);
    return rc;
}

static void log_event(struct amdvi *m, const volatile uint32_t *e, unsigned int *printed)
{
    uint32_t ev[4] = { e[0], e[1], e[2], e[3] };
    char line[128];

    m->nr_events++;
    if (*printed >= EVT_LINES_PER_POLL)
        return;
    (*printed)++;
    amdvi_event_format(ev, line, sizeof(line));
    pr_warn("iommu: AMD-Vi at %#llx: %s\n", (unsigned long long)m->desc.base, line);
}

/* The event log filled up: the IOMMU stopped logging. Restart it. */
static void restart_event_log(struct amdvi *m)
{
    uint64_t ctrl = mmio_rd(m, AMDVI_CONTROL);

    pr_warn("iommu: AMD-Vi at %#llx: event log overflowed; restarting it\n",
            (unsigned long long)m->desc.base);
    mmio_wr(m, AMDVI_CONTROL, ctrl & ~AMDVI_CTRL_EVT_LOG_EN);
    mmio_wr(m, AMDVI_STATUS, AMDVI_STATUS_EVT_OVERFLOW);
    mmio_wr(m, AMDVI_EVT_HEAD, 0);
    mmio_wr(m, AMDVI_EVT_TAIL, 0);
    m->evt_head = 0;
    mmio_wr(m, AMDVI_CONTROL, ctrl | AMDVI_CTRL_EVT_LOG_EN);
}

static void poll_events(struct amdvi *m)
{
    uint64_t status = mmio_rd(m, AMDVI_STATUS);
    uint32_t tail = (uint32_t)(mmio_rd(m, AMDVI_EVT_TAIL) & AMDVI_RING_PTR_MASK) % AMDVI_RING_BYTES;
    unsigned int n = 0, printed = 0;
    uint64_t before = m->nr_events;
    volatile uint32_t *e;

    while (m->evt_head != tail && n++ < AMDVI_RING_ENTRIES) {
        e = m->evt + m->evt_head / 4;
        if (!(e[1] >> AMDVI_EVT_TYPE_SHIFT))
            break;          /* not written yet: the next poll takes it */
        log_event(m, e, &printed);
        e[0] = e[1] = e[2] = e[3] = 0;
        m->evt_head = (m->evt_head + AMDVI_ENTRY_SIZE) % AMDVI_RING_BYTES;
    }
    if (m->nr_events != before)
        mmio_wr(m, AMDVI_EVT_HEAD, m->evt_head);
    if (m->nr_events - before > printed)
        pr_warn("iommu: AMD-Vi at %#llx: %llu more events not shown\n",
                (unsigned long long)m->desc.base,
                (unsigned long long)(m->nr_events - before - printed));
    if (status & AMDVI_STATUS_EVT_INT)
        mmio_wr(m, AMDVI_STATUS, AMDVI_STATUS_EVT_INT);
    if (status & AMDVI_STATUS_EVT_OVERFLOW)
        restart_event_log(m);
}

static void evt_poll(struct timer *t)
{
    for (unsigned int i = 0; i < nr_iommus; i++)
        poll_events(&iommus[i]);
    timer_set(t, now_ns() + EVT_POLL_NS);
}

/* What becomes of each PCI function the boot scan found (pci.c). */
static void log_devices(void)
{
    const struct pci_func *f;
    unsigned int owner;
    char bdf[PCI_BDF_STR_LEN];

    for (unsigned int i = 0; (f = pci_func_at(i)); i++) {
        pci_bdf_str(bdf, 0, f->bdf);
        owner = ivrs.dev_iommu[f->bdf];
        if (iommu_bdf_hidden(0, f->bdf))
            pr_info("iommu: PCI %s %04x:%04x class %06x: the IOMMU itself, kept by the "
                    "hypervisor and hidden from dom0\n", bdf, f->vendor, f->device, f->class);
        else if (!owner || !iommu_up[owner - 1])
            pr_warn("iommu: PCI %s %04x:%04x class %06x: behind no working IOMMU: its DMA "
                    "cannot be confined; it is never given to a domain\n",
                    bdf, f->vendor, f->device, f->class);
        else
            pr_info("iommu: PCI %s %04x:%04x class %06x: behind the IOMMU at %#llx, DMA blocked\n",
                    bdf, f->vendor, f->device, f->class,
                    (unsigned long long)ivrs.iommus[owner - 1].base);
    }
    for (unsigned int i = 0; i < ivrs.nr; i++)
        if (!pci_func_find(ivrs.iommus[i].bdf) || ivrs.iommus[i].seg)
            pr_warn("iommu: IVRS names PCI %s for the IOMMU at %#llx: not found by the scan\n",
                    pci_bdf_str(bdf, ivrs.iommus[i].seg, ivrs.iommus[i].bdf),
                    (unsigned long long)ivrs.iommus[i].base);
}

void iommu_init(const uint8_t *table, uint32_t len)
{
    struct amdvi *m;
    int rc;

    if (!table || ivrs_parse(table, len, &ivrs)) {
        pr_info("iommu: no IOMMU: device passthrough is disabled\n");
        return;
    }
    empty_root = page_alloc_hyp(0);
    if (!empty_root) {
        pr_err("iommu: no memory for the blocked devices' table: IOMMUs left disabled\n");
        pr_info("iommu: no IOMMU: device passthrough is disabled\n");
        return;
    }
    for (unsigned int i = 0; i < ivrs.nr; i++) {
        m = &iommus[nr_iommus];
        memset(m, 0, sizeof(*m));
        m->desc = ivrs.iommus[i];
        m->cmd_lock = (spinlock_t)SPINLOCK_INIT;
        rc = bring_up(m);
        if (rc) {
            pr_err("iommu: AMD-Vi at %#llx: bring-up failed (%d): left disabled\n",
                   (unsigned long long)m->desc.base, rc);
            continue;
        }
        iommu_up[i] = true;
        nr_iommus++;
    }
    if (!nr_iommus) {
        pr_info("iommu: no IOMMU: device passthrough is disabled\n");
        return;
    }
    log_devices();
    timer_init(&evt_timer, evt_poll, NULL, 0);
    timer_set(&evt_timer, now_ns() + EVT_POLL_NS);
    pr_info("iommu: %u AMD-Vi IOMMU%s enabled, %u IVMD block%s, %u IVRS error%s; "
            "faults polled every %llu ms\n", nr_iommus, nr_iommus == 1 ? "" : "s",
            ivrs.nr_ivmd, ivrs.nr_ivmd == 1 ? "" : "s", ivrs.nr_errors,
            ivrs.nr_errors == 1 ? "" : "s", (unsigned long long)(EVT_POLL_NS / 1000000));
}

bool iommu_enabled(void)
{
    return nr_iommus != 0;
}

bool iommu_bdf_hidden(uint16_t seg, uint16_t bdf)
{
    for (unsigned int i = 0; i < ivrs.nr; i++)
        if (ivrs.iommus[i].seg == seg && ivrs.iommus[i].bdf == bdf)
            return true;
    return false;
}

/* The IOMMU's domain ID for d (0 is left unused). */
static uint16_t io_domid(const struct domain *d)
{
    return (uint16_t)(d->id + 1);
}

int iommu_domain_init(struct domain *d)
{
    struct iopt *io;
    int rc;

    if (!nr_iommus)
        return -ENODEV;
    io = hyp_zalloc(&d->budget, sizeof(*io), &rc);
    if (!io)
        goto err;
    rc = iopt_init(io, &d->budget);
    if (rc)
        goto err_free;
    rc = p2m_attach_io(&d->p2m, io);
    if (rc)
        goto err_destroy;
    pr_info("iommu: d%u: I/O page table equal to its p2m: %llu pages mapped, %llu table pages "
            "(AMD-Vi v1, %u levels, IOMMU domain %u)\n", d->id,
            (unsigned long long)io->nr_leaves, (unsigned long long)io->nr_tables,
            IOPT_LEVELS, io_domid(d));
    return 0;

err_destroy:
    iopt_destroy(io);
err_free:
    hyp_free(&d->budget, io, sizeof(*io));
err:
    pr_err("iommu: d%u: no I/O page table (%d): no device can be given to it\n", d->id, rc);
    return rc;
}

/* Make m forget every translation it cached for IOMMU domain domid. */
static int inv_domain_pages(struct amdvi *m, uint16_t domid)
{
    const uint32_t inv[4] = {
        0, domid | AMDVI_CMD_INV_IOMMU_PAGES << AMDVI_CMD_OPCODE_SHIFT,
        AMDVI_INV_ALL_ADDR_LO | AMDVI_INV_S | AMDVI_INV_PDE, AMDVI_INV_ALL_ADDR_HI,
    };

    return cmd_submit_wait(m, inv);
}

void iommu_domain_flush(struct domain *d)
{
    if (!d->p2m.io || !__atomic_load_n(&d->p2m.io->nr_devices, __ATOMIC_ACQUIRE))
        return;     /* no device uses the table: no IOMMU holds its translations */
    for (unsigned int i = 0; i < nr_iommus; i++)
        if (inv_domain_pages(&iommus[i], io_domid(d)))
            pr_err("iommu: AMD-Vi at %#llx: d%u: invalidation never completed\n",
                   (unsigned long long)iommus[i].desc.base, d->id);
}

/*
 * Device assignment. A function's device ID is its BDF (segment 0; the
 * functions the boot scan finds on q35 have no IVRS alias). The owners are
 * kept here, one per function the scan can find, under assign_lock, which
 * is taken before an IOMMU's cmd_lock.
 */
struct assigned_dev {
    struct domain *d;       /* NULL: a free slot */
    uint16_t seg, bdf;
};

static struct assigned_dev assigned[PCI_MAX_FUNCS];
static spinlock_t assign_lock = SPINLOCK_INIT;

static struct assigned_dev *assigned_find(uint16_t seg, uint16_t bdf)
{
    for (unsigned int i = 0; i < PCI_MAX_FUNCS; i++)
        if (assigned[i].d && assigned[i].seg == seg && assigned[i].bdf == bdf)
            return &assigned[i];
    return NULL;
}

static struct assigned_dev *assigned_free_slot(void)
{
    for (unsigned int i = 0; i < PCI_MAX_FUNCS; i++)
        if (!assigned[i].d)
            return &assigned[i];
    return NULL;
}

/* The working IOMMU whose device table holds seg:bdf's DTE, or NULL. */
static struct amdvi *iommu_for(uint16_t seg, uint16_t bdf)
{
    unsigned int idx = ivrs.dev_iommu[bdf];

    if (!idx || !iommu_up[idx - 1] || ivrs.iommus[idx - 1].seg != seg)
        return NULL;
    for (unsigned int i = 0; i < nr_iommus; i++)
        if (iommus[i].desc.base == ivrs.iommus[idx - 1].base)
            return &iommus[i];
    return NULL;
}

/*
 * Rewrite bdf's DTE: qword 0 in one store, the DomainID (qword 1) before it
 * when the entry starts translating and after it when it stops, so the
 * IOMMU never reads a translating entry with another domain's ID.
 */
static void dte_write(struct amdvi *m, uint16_t bdf, uint64_t dte0, uint16_t domid)
{
    volatile uint64_t *e = m->dev_tab + (size_t)bdf * (AMDVI_DTE_SIZE / 8);

    if (domid)
        e[1] = (e[1] & ~AMDVI_DTE1_DOMID_MASK) | domid;
    __atomic_store_n(&e[0], dte0, __ATOMIC_SEQ_CST);
    if (!domid)
        e[1] &= ~AMDVI_DTE1_DOMID_MASK;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Make m re-read bdf's DTE (INVALIDATE_DEVTAB_ENTRY, then COMPLETION_WAIT). */
static int dte_flush(struct amdvi *m, uint16_t bdf)
{
    const uint32_t inv[4] = {
        bdf & AMDVI_INV_DEVID_MASK, AMDVI_CMD_INV_DEVTAB_ENTRY << AMDVI_CMD_OPCODE_SHIFT, 0, 0,
    };

    return cmd_submit_wait(m, inv);
}

static void dte_block(struct amdvi *m, uint16_t bdf)
{
    dte_write(m, bdf, AMDVI_DTE0_BLOCKED | va_to_pa(empty_root), 0);
}

static void log_assigned(const struct domain *d, const char *name)
{
    pr_info("iommu: PCI %s: DMA reaches d%u's memory only, through its I/O page table "
            "(DTE V=1 TV=1 Mode=4 IR=IW=1, IOMMU domain %u, root %#llx)\n", name, d->id,
            io_domid(d), (unsigned long long)d->p2m.io->root);
    /* IVMD ranges (memory the firmware wants a device to keep reaching) would
     * be mapped 1:1 into d's table here; QEMU's IVRS has none. */
    if (ivrs.nr_ivmd)
        pr_warn("iommu: PCI %s: IVRS has %u IVMD block%s, not mapped for it (not supported "
                "yet): its DMA there faults\n", name, ivrs.nr_ivmd, ivrs.nr_ivmd == 1 ? "" : "s");
}

/* Why seg:bdf cannot be given to d (logged), or 0. */
static int assign_check(const struct domain *d, uint16_t seg, uint16_t bdf, const char *name)
{
    if (seg || !pci_func_find(bdf)) {
        pr_warn("iommu: PCI %s: not a function the boot scan found: not given to d%u\n",
                name, d->id);
        return -ENODEV;
    }
    if (!iommu_for(seg, bdf)) {
        pr_warn("iommu: PCI %s: behind no working IOMMU: its DMA cannot be confined, not "
                "given to d%u\n", name, d->id);
        return -ENODEV;
    }
    if (!d->p2m.io) {
        pr_warn("iommu: PCI %s: d%u has no I/O page table: not given to it\n", name, d->id);
        return -ENODEV;
    }
    return 0;
}

int iommu_assign_device(struct domain *d, uint16_t seg, uint16_t bdf)
{
    struct assigned_dev *a;
    struct amdvi *m;
    char name[PCI_BDF_STR_LEN];
    int rc;

    pci_bdf_str(name, seg, bdf);
    rc = assign_check(d, seg, bdf, name);
    if (rc)
        return rc;
    m = iommu_for(seg, bdf);
    spin_lock(&assign_lock);
    /*
     * Checked under assign_lock: a domain ending sets DOMAIN_DYING before
     * iommu_domain_release() takes the lock, so a device is never left
     * pointing at the I/O page table of one whose frames are being freed.
     */
    if (domain_is_dying(d)) {
        rc = -EINVAL;
        pr_warn("iommu: PCI %s: d%u is dying: not given to it\n", name, d->id);
        goto out;
    }
    a = assigned_find(seg, bdf);
    if (a) {
        rc = a->d == d ? 0 : -EBUSY;
        if (rc)
            pr_warn("iommu: PCI %s: d%u has it: not given to d%u\n", name, a->d->id, d->id);
        goto out;
    }
    a = assigned_free_slot();
    if (!a) {
        rc = -ENOSPC;       /* more owners than functions the scan can find */
        goto out;
    }
    /* Counted first: a flush of d's translations from now on is not skipped. */
    __atomic_add_fetch(&d->p2m.io->nr_devices, 1, __ATOMIC_SEQ_CST);
    dte_write(m, bdf, AMDVI_DTE0_TRANSLATED | d->p2m.io->root, io_domid(d));
    rc = dte_flush(m, bdf);
    if (rc) {
        dte_block(m, bdf);
        dte_flush(m, bdf);
        __atomic_sub_fetch(&d->p2m.io->nr_devices, 1, __ATOMIC_SEQ_CST);
        pr_err("iommu: PCI %s: the IOMMU did not take its new DTE (%d): left blocked\n",
               name, rc);
        goto out;
    }
    *a = (struct assigned_dev){ .d = d, .seg = seg, .bdf = bdf };
    log_assigned(d, name);
out:
    spin_unlock(&assign_lock);
    return rc;
}

/* Under assign_lock: a's DTE blocked, the IOMMU's copies of it and of its domain's translations gone. */
static void block_locked(struct assigned_dev *a)
{
    struct amdvi *m = iommu_for(a->seg, a->bdf);
    struct domain *d = a->d;
    char name[PCI_BDF_STR_LEN];

    pci_bdf_str(name, a->seg, a->bdf);
    if (m) {
        dte_block(m, a->bdf);
        if (dte_flush(m, a->bdf) || inv_domain_pages(m, io_domid(d)))
            pr_err("iommu: AMD-Vi at %#llx: PCI %s: invalidation never completed\n",
                   (unsigned long long)m->desc.base, name);
    }
    __atomic_sub_fetch(&d->p2m.io->nr_devices, 1, __ATOMIC_SEQ_CST);
    a->d = NULL;
    pr_info("iommu: PCI %s: taken from d%u: DMA blocked\n", name, d->id);
}

int iommu_block_device(uint16_t seg, uint16_t bdf)
{
    struct assigned_dev *a;

    spin_lock(&assign_lock);
    a = assigned_find(seg, bdf);
    if (a)
        block_locked(a);
    spin_unlock(&assign_lock);
    return a ? 0 : -ENODEV;
}

bool iommu_device_assigned(domid_t id, uint16_t seg, uint16_t bdf)
{
    struct assigned_dev *a;
    bool yes;

    spin_lock(&assign_lock);
    a = assigned_find(seg, bdf);
    yes = a && a->d->id == id;
    spin_unlock(&assign_lock);
    return yes;
}

bool iommu_device_behind(uint16_t seg, uint16_t bdf)
{
    return iommu_for(seg, bdf) != NULL;
}

int iommu_device_owner(uint16_t seg, uint16_t bdf)
{
    struct assigned_dev *a;
    int id;

    spin_lock(&assign_lock);
    a = assigned_find(seg, bdf);
    id = a ? a->d->id : -ENODEV;
    spin_unlock(&assign_lock);
    return id;
}

void iommu_domain_release(struct domain *d)
{
    spin_lock(&assign_lock);
    for (unsigned int i = 0; i < PCI_MAX_FUNCS; i++)
        if (assigned[i].d == d)
            block_locked(&assigned[i]);
    spin_unlock(&assign_lock);
}

struct io_check {
    struct iopt *io;
    uint64_t pages, bad;
    gfn_t first_bad;
};

static void check_one(gfn_t gfn, mfn_t mfn, unsigned int flags, void *arg)
{
    struct io_check *c = arg;
    bool w = false;

    c->pages++;
    if (iopt_lookup(c->io, gfn, &w) == mfn && w == !!(flags & P2M_RW))
        return;
    if (!c->bad++)
        c->first_bad = gfn;
}

void iommu_domain_report(struct domain *d)
{
    struct io_check c = { .io = d->p2m.io };

    if (!c.io)
        return;
    p2m_for_each(&d->p2m, check_one, &c);
    if (!c.bad && c.pages == c.io->nr_leaves)
        pr_info("iommu: d%u: I/O page table matches its p2m: %llu pages, after %llu maps and "
                "%llu unmaps\n", d->id, (unsigned long long)c.pages,
                (unsigned long long)c.io->nr_maps, (unsigned long long)c.io->nr_unmaps);
    else
        pr_err("iommu: d%u: I/O page table differs from its p2m: %llu of %llu pages wrong "
               "(first gfn %#llx), %llu mapped in it\n", d->id, (unsigned long long)c.bad,
               (unsigned long long)c.pages, (unsigned long long)c.first_bad,
               (unsigned long long)c.io->nr_leaves);
}
