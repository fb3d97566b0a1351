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

/*
 * Read and clear control/shutdown in transaction t: the value in *arg
 * (a char *, freed here from an earlier try), -ENOENT if empty.
 */
static int take_in(struct mica_store_tx t, void *arg)
{
	char **req = arg;
	int rc;

	kfree(*req);
	*req = mica_store_read(t, CONTROL_DIR, "shutdown", NULL);
	if (IS_ERR(*req)) {
		rc = PTR_ERR(*req);
		*req = NULL;
		return rc;
	}
	if (!**req)
		return -ENOENT;
	return mica_store_write(t, CONTROL_DIR, "shutdown", "");
}

/* The request, taken off the node in one transaction: the value, or NULL. */
static char *take_request(void)
{
	char *req = NULL;

	if (mica_store_tx_run(take_in, &req)) {
		kfree(req);
		return NULL;
	}
	return req;
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
