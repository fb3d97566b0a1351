/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copying to and from a domain's memory. Every byte goes through the
 * domain's p2m, so a domain can only ever name its own frames; a hypercall
 * pointer is also translated through the calling vCPU's page tables.
 */
#include <mica/domain.h>
#include <mica/mm.h>
#include <mica/lib.h>
#include <mica/errno.h>

/* The hypervisor-visible bytes of one guest page, or NULL. */
static uint8_t *gpa_page(struct domain *d, gpa_t gpa, bool write)
{
    bool writable;
    mfn_t mfn = p2m_lookup(&d->p2m, gpa >> PAGE_SHIFT, &writable);

    if (mfn == INVALID_MFN || (write && !writable))
        return NULL;
    return (uint8_t *)mfn_to_virt(mfn) + (gpa & ~PAGE_MASK);
}

int copy_to_gpa(struct domain *d, gpa_t gpa, const void *src, size_t len)
{
    const uint8_t *s = src;

    while (len) {
        size_t chunk = MIN(len, PAGE_SIZE - (gpa & ~PAGE_MASK));
        uint8_t *p = gpa_page(d, gpa, true);

        if (!p)
            return -EFAULT;
        memcpy(p, s, chunk);
        gpa += chunk, s += chunk, len -= chunk;
    }
    return 0;
}

int zero_gpa(struct domain *d, gpa_t gpa, size_t len)
{
    while (len) {
        size_t chunk = MIN(len, PAGE_SIZE - (gpa & ~PAGE_MASK));
        uint8_t *p = gpa_page(d, gpa, true);

        if (!p)
            return -EFAULT;
        memset(p, 0, chunk);
        gpa += chunk, len -= chunk;
    }
    return 0;
}

int copy_gpa_chunk(struct domain *d, gpa_t gpa, void *buf, size_t len, bool to_guest)
{
    uint8_t *p;

    /* mem_lock: memory_op cannot free the frame while we copy (memory_op.c). */
    spin_lock(&d->mem_lock);
    p = gpa_page(d, gpa, to_guest);
    if (p && to_guest)
        memcpy(p, buf, len);
    else if (p)
        memcpy(buf, p, len);
    spin_unlock(&d->mem_lock);
    return p ? 0 : -EFAULT;
}

/* Copy between hypervisor memory and guest-linear memory, page by page. */
static int copy_guest(struct vcpu *v, uint64_t gva, void *buf, size_t len, bool to_guest)
{
    struct guest_paging gp;
    uint8_t *b = buf;

    arch_vcpu_paging(v, &gp);
    while (len) {
        size_t chunk = MIN(len, PAGE_SIZE - (gva & ~PAGE_MASK));
        gpa_t gpa;

        if (guest_linear_to_gpa(&gp, &v->domain->p2m, gva, to_guest, &gpa) ||
            copy_gpa_chunk(v->domain, gpa, b, chunk, to_guest))
            return -EFAULT;
        gva += chunk, b += chunk, len -= chunk;
    }
    return 0;
}

int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    return copy_guest(v, gva, dst, len, false);
}

int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    return copy_guest(v, gva, (void *)src, len, true);
}
