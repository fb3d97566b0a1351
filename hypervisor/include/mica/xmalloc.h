/* SPDX-License-Identifier: GPL-2.0-only */
/* The hypervisor heap for small objects, on top of frames_alloc(). */
#ifndef MICA_XMALLOC_H
#define MICA_XMALLOC_H

#include <mica/types.h>

/* 16-byte aligned; NULL when out of memory. xmalloc(0) returns NULL. */
void *xmalloc(size_t size);
void *xzalloc(size_t size);
/* xfree(NULL) is a no-op; anything but a live xmalloc() pointer panics. */
void xfree(void *p);
#define xnew(type)  ((type *)xzalloc(sizeof(type)))

/* Whole zeroed pages for the hypervisor (page tables, VMCBs, stacks). */
void *page_alloc_hyp(unsigned int order);
/* va from page_alloc_hyp(order); anything else panics. */
void page_free_hyp(void *va, unsigned int order);

#endif
