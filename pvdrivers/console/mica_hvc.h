/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel's hvc entry points mica_cons uses. They are declared in
 * drivers/tty/hvc/hvc_console.h, which the headers packages do not carry,
 * so they are declared here: struct hv_ops has the same nine callbacks in
 * the same order (only the first two are set), with the types of Linux
 * 5.0 to 6.9 (6.10 made the character callbacks u8/size_t/ssize_t: the
 * same registers for the counts a console passes).
 */
#ifndef MICA_HVC_H
#define MICA_HVC_H

#include <linux/types.h>

struct hvc_struct;

struct hv_ops {
	int (*get_chars)(u32 vtermno, char *buf, int count);
	int (*put_chars)(u32 vtermno, const char *buf, int count);
	int (*flush)(u32 vtermno, bool wait);
	int (*notifier_add)(struct hvc_struct *hp, int irq);
	void (*notifier_del)(struct hvc_struct *hp, int irq);
	void (*notifier_hangup)(struct hvc_struct *hp, int irq);
	int (*tiocmget)(struct hvc_struct *hp);
	int (*tiocmset)(struct hvc_struct *hp, unsigned int set,
			unsigned int clear);
	void (*dtr_rts)(struct hvc_struct *hp, int raise);
};

struct hvc_struct *hvc_alloc(u32 vtermno, int data, const struct hv_ops *ops,
			     int outbuf_size);
int hvc_remove(struct hvc_struct *hp);
void hvc_kick(void);

#endif
