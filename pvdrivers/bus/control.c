// SPDX-License-Identifier: GPL-2.0-only
/*
 * The domain's control node (public/io/bus.h): advertise that this guest
 * shuts down when asked, and do it when the toolstack writes
 * control/shutdown ("poweroff", "halt" or "reboot"), as Xen's
 * control/shutdown. The node is cleared first, so the toolstack sees the
 * request taken.
 */
#include <linux/reboot.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "mica_bus.h"

#define CONTROL_DIR	"control"

/* Read and clear control/shutdown in transaction t: the value, or NULL. */
static char *take_in(struct mica_store_tx t)
{
	char *req = mica_store_read(t, CONTROL_DIR, "shutdown", NULL);

	if (IS_ERR(req))
		return NULL;
	if (!*req || mica_store_write(t, CONTROL_DIR, "shutdown", "")) {
		kfree(req);
		return NULL;
	}
	return req;
}

/* The request, taken off the node (again while transactions conflict). */
static char *take_request(void)
{
	struct mica_store_tx t;
	char *req;
	int rc;

	do {
		if (mica_store_tx_start(&t))
			return NULL;
		req = take_in(t);
		if (!req) {
			mica_store_tx_end(t, true);
			return NULL;
		}
		rc = mica_store_tx_end(t, false);
		if (rc)
			kfree(req);
	} while (rc == -EAGAIN);
	return rc ? NULL : req;
}

static void do_poweroff(void)
{
	orderly_poweroff(false);
}

static void do_reboot(void)
{
	orderly_reboot();
}

static const struct {
	const char *request;
	void (*fn)(void);
} requests[] = {
	{ "poweroff", do_poweroff },
	{ "halt", do_poweroff },
	{ "reboot", do_reboot },
};

static void shutdown_changed(struct mica_store_watch *w, const char *path,
			     const char *token)
{
	unsigned int i;
	char *req = take_request();

	if (!req)
		return;
	for (i = 0; i < ARRAY_SIZE(requests); i++) {
		if (strcmp(req, requests[i].request))
			continue;
		pr_info("mica_bus: control/shutdown: %s\n", req);
		requests[i].fn();
		break;
	}
	if (i == ARRAY_SIZE(requests))
		pr_warn("mica_bus: control/shutdown: \"%.32s\" unknown: ignored\n",
			req);
	kfree(req);
}

static struct mica_store_watch shutdown_watch = {
	.path = CONTROL_DIR "/shutdown",
	.callback = shutdown_changed,
};

int mica_control_init(void)
{
	int rc;

	rc = mica_store_watch_register(&shutdown_watch);
	if (rc)
		return rc;
	rc = mica_store_write(MICA_STORE_NO_TX, CONTROL_DIR, "feature-poweroff", "1");
	if (!rc)
		rc = mica_store_write(MICA_STORE_NO_TX, CONTROL_DIR, "feature-reboot", "1");
	if (rc)
		mica_store_watch_unregister(&shutdown_watch);
	return rc;
}

void mica_control_exit(void)
{
	mica_store_watch_unregister(&shutdown_watch);
	mica_store_rm(MICA_STORE_NO_TX, CONTROL_DIR, "feature-poweroff");
	mica_store_rm(MICA_STORE_NO_TX, CONTROL_DIR, "feature-reboot");
}
