// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bus "mica" (public/io/bus.h, docs/pv-install.md): one device for
 * each device/<type>/<id> directory of this domain in the store, found at
 * probe and kept up to date by a watch on device/ (hot-plug). A device's
 * uevent carries MODALIAS=mica:<type>, so the frontend module declaring
 * MODULE_ALIAS("mica:<type>") is loaded for it. While a driver is bound,
 * a watch on the backend's state node calls its otherend_changed.
 */
#include <linux/device.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <public/io/store.h>

#include "mica_bus.h"

#define DEVICE_DIR	"device"

struct bus_dev {
	struct mica_bus_device d;
	struct mica_store_watch otherend_watch;
	bool watching;
};

#define to_bus_dev(md) container_of(md, struct bus_dev, d)

static struct device *bus_parent;
static DEFINE_MUTEX(devices_lock);	/* adding and removing devices */

/* ---- state ---- */

struct state_write {
	struct mica_bus_device *dev;
	enum mica_bus_state state;
};

static int write_state(struct mica_store_tx t, void *arg)
{
	struct state_write *w = arg;
	int cur, rc;

	/* A directory the toolstack removed is not created again. */
	rc = mica_store_scanf(t, w->dev->nodename, "state", "%d", &cur);
	if (rc == 1 || rc == -ERANGE)	/* there, a number or not */
		return mica_store_printf(t, w->dev->nodename, "state", "%d",
					 w->state);
	return rc == -ENOENT ? 0 : rc;
}

int mica_bus_switch_state(struct mica_bus_device *dev, enum mica_bus_state state)
{
	struct state_write w = { .dev = dev, .state = state };
	int rc;

	if (state == dev->state)
		return 0;
	rc = mica_store_tx_run(write_state, &w);
	if (rc) {
		dev_err(&dev->dev, "writing state %d: %d\n", state, rc);
		return rc;
	}
	dev->state = state;
	return 0;
}
EXPORT_SYMBOL_GPL(mica_bus_switch_state);

enum mica_bus_state mica_bus_read_otherend_state(struct mica_bus_device *dev)
{
	int state;

	if (mica_store_scanf(MICA_STORE_NO_TX, dev->otherend, "state", "%d",
			     &state) != 1 ||
	    state < MICA_BUS_UNKNOWN || state > MICA_BUS_RECONFIGURED)
		return MICA_BUS_UNKNOWN;
	return state;
}
EXPORT_SYMBOL_GPL(mica_bus_read_otherend_state);

void mica_bus_dev_fatal(struct mica_bus_device *dev, int err, const char *fmt, ...)
{
	struct va_format vaf;
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	vaf.fmt = fmt;
	vaf.va = &ap;
	dev_err(&dev->dev, "%d: %pV\n", err, &vaf);
	msg = kvasprintf(GFP_KERNEL, fmt, ap);
	va_end(ap);
	if (msg) {
		mica_store_printf(MICA_STORE_NO_TX, dev->nodename, "error",
				  "%d %s", err, msg);
		kfree(msg);
	}
	mica_bus_switch_state(dev, MICA_BUS_CLOSING);
}
EXPORT_SYMBOL_GPL(mica_bus_dev_fatal);

/* ---- the bus type ---- */

static int bus_match(struct device *dev, struct device_driver *drv)
{
	struct mica_bus_driver *mdrv = container_of(drv, struct mica_bus_driver,
						    driver);

	return !strcmp(mdrv->type, to_mica_bus_device(dev)->type);
}

static int bus_uevent(struct device *dev, struct kobj_uevent_env *env)
{
	struct mica_bus_device *md = to_mica_bus_device(dev);

	if (add_uevent_var(env, "MODALIAS=mica:%s", md->type) ||
	    add_uevent_var(env, "MICA_BUS_TYPE=%s", md->type) ||
	    add_uevent_var(env, "MICA_BUS_PATH=%s", md->nodename))
		return -ENOMEM;
	return 0;
}

static void otherend_changed(struct mica_store_watch *w, const char *path,
			     const char *token)
{
	struct bus_dev *bd = container_of(w, struct bus_dev, otherend_watch);
	struct mica_bus_device *md = &bd->d;
	struct mica_bus_driver *drv;
	enum mica_bus_state state;

	if (!md->dev.driver)
		return;
	drv = container_of(md->dev.driver, struct mica_bus_driver, driver);
	state = mica_bus_read_otherend_state(md);
	dev_dbg(&md->dev, "backend %s: state %d\n", md->otherend, state);
	if (drv->otherend_changed)
		drv->otherend_changed(md, state);
	else if (state == MICA_BUS_CLOSING)
		mica_bus_switch_state(md, MICA_BUS_CLOSED);
}

static int bus_probe(struct device *dev)
{
	struct mica_bus_device *md = to_mica_bus_device(dev);
	struct mica_bus_driver *drv = container_of(dev->driver,
						   struct mica_bus_driver, driver);
	struct bus_dev *bd = to_bus_dev(md);
	int rc;

	if (!drv->probe)
		return -ENODEV;
	rc = drv->probe(md);
	if (rc)
		return rc;
	/* Fires at once: the driver hears the backend's current state. */
	rc = mica_store_watch_register(&bd->otherend_watch);
	if (rc) {
		dev_err(dev, "watching %s: %d\n", bd->otherend_watch.path, rc);
		if (drv->remove)
			drv->remove(md);
		return rc;
	}
	bd->watching = true;
	return 0;
}

static void bus_remove(struct device *dev)
{
	struct mica_bus_device *md = to_mica_bus_device(dev);
	struct mica_bus_driver *drv = container_of(dev->driver,
						   struct mica_bus_driver, driver);
	struct bus_dev *bd = to_bus_dev(md);

	if (bd->watching)
		mica_store_watch_unregister(&bd->otherend_watch);
	bd->watching = false;
	if (drv->remove)
		drv->remove(md);
	mica_bus_switch_state(md, MICA_BUS_CLOSED);
}

static ssize_t modalias_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "mica:%s\n", to_mica_bus_device(dev)->type);
}
static DEVICE_ATTR_RO(modalias);

static ssize_t nodename_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%s\n", to_mica_bus_device(dev)->nodename);
}
static DEVICE_ATTR_RO(nodename);

static ssize_t otherend_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%s\n", to_mica_bus_device(dev)->otherend);
}
static DEVICE_ATTR_RO(otherend);

static struct attribute *bus_dev_attrs[] = {
	&dev_attr_modalias.attr,
	&dev_attr_nodename.attr,
	&dev_attr_otherend.attr,
	NULL,
};
ATTRIBUTE_GROUPS(bus_dev);

static struct bus_type mica_bus_type = {
	.name = "mica",
	.match = bus_match,
	.uevent = bus_uevent,
	.probe = bus_probe,
	.remove = bus_remove,
	.dev_groups = bus_dev_groups,
};

int mica_bus_type_init(void)
{
	return bus_register(&mica_bus_type);
}

void mica_bus_type_exit(void)
{
	bus_unregister(&mica_bus_type);
}

int __mica_bus_register_driver(struct mica_bus_driver *drv, struct module *owner,
			       const char *mod_name)
{
	if (!drv->type)
		return -EINVAL;
	if (!drv->driver.name)
		drv->driver.name = mod_name;
	drv->driver.bus = &mica_bus_type;
	drv->driver.owner = owner;
	drv->driver.mod_name = mod_name;
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL_GPL(__mica_bus_register_driver);

void mica_bus_unregister_driver(struct mica_bus_driver *drv)
{
	driver_unregister(&drv->driver);
}
EXPORT_SYMBOL_GPL(mica_bus_unregister_driver);

/* ---- devices ---- */

static void bus_dev_release(struct device *dev)
{
	struct mica_bus_device *md = to_mica_bus_device(dev);
	struct bus_dev *bd = to_bus_dev(md);

	kfree(md->type);
	kfree(md->nodename);
	kfree(md->otherend);
	kfree(bd->otherend_watch.path);
	kfree(bd);
}

static int match_nodename(struct device *dev, const void *nodename)
{
	return !strcmp(to_mica_bus_device(dev)->nodename, nodename);
}

static struct mica_bus_device *find_device(const char *nodename)
{
	struct device *dev = bus_find_device(&mica_bus_type, NULL, nodename,
					     match_nodename);

	return dev ? to_mica_bus_device(dev) : NULL;
}

/* The device's names and the backend, from the store. */
static int fill_device(struct bus_dev *bd, const char *type, unsigned int id,
		       const char *nodename, const char *backend)
{
	struct mica_bus_device *md = &bd->d;
	unsigned int backend_id;
	int rc;

	rc = mica_store_scanf(MICA_STORE_NO_TX, nodename, "backend-id", "%u",
			      &backend_id);
	if (rc != 1 || backend_id >= MICA_DOMID_SELF)
		return rc < 0 ? rc : -EINVAL;
	md->type = kstrdup(type, GFP_KERNEL);
	md->nodename = kstrdup(nodename, GFP_KERNEL);
	md->otherend = kstrdup(backend, GFP_KERNEL);
	bd->otherend_watch.path = kasprintf(GFP_KERNEL, "%s/state", backend);
	if (!md->type || !md->nodename || !md->otherend ||
	    !bd->otherend_watch.path)
		return -ENOMEM;
	md->devid = id;
	md->otherend_id = backend_id;
	md->state = MICA_BUS_UNKNOWN;
	bd->otherend_watch.callback = otherend_changed;
	return 0;
}

static void add_device(const char *type, unsigned int id, const char *nodename,
		       const char *backend)
{
	struct bus_dev *bd;
	int rc;

	/* An absolute path, no deeper than the store allows. */
	if (backend[0] != '/' || strlen(backend) >= MICA_STORE_PATH_MAX - 8) {
		pr_warn("mica_bus: %s: backend \"%.64s\" is not an absolute path\n",
			nodename, backend);
		return;
	}
	bd = kzalloc(sizeof(*bd), GFP_KERNEL);
	if (!bd)
		return;
	bd->d.dev.bus = &mica_bus_type;
	bd->d.dev.parent = bus_parent;
	bd->d.dev.release = bus_dev_release;
	device_initialize(&bd->d.dev);
	rc = fill_device(bd, type, id, nodename, backend);
	if (!rc)
		rc = dev_set_name(&bd->d.dev, "%s-%u", type, id);
	if (!rc)
		rc = device_add(&bd->d.dev);
	if (rc) {
		pr_warn("mica_bus: %s: not added: %d\n", nodename, rc);
		put_device(&bd->d.dev);
	}
}

/* A name the store may have: one path component, printable. */
static bool good_name(const char *s)
{
	size_t n = strnlen(s, MICA_STORE_NAME_MAX);

	return n && n < MICA_STORE_NAME_MAX && !strchr(s, '/');
}

/* Add device/<type>/<id> if its nodes are there, remove it if gone. */
static void check_device(const char *type, const char *id)
{
	struct mica_bus_device *md;
	unsigned int devid;
	char *nodename, *backend;

	if (!good_name(type) || !good_name(id) || kstrtouint(id, 10, &devid))
		return;
	nodename = kasprintf(GFP_KERNEL, DEVICE_DIR "/%s/%s", type, id);
	if (!nodename)
		return;
	md = find_device(nodename);
	backend = mica_store_read(MICA_STORE_NO_TX, nodename, "backend", NULL);
	if (IS_ERR(backend)) {
		if (md && PTR_ERR(backend) == -ENOENT)
			device_unregister(&md->dev);
	} else {
		if (!md)
			add_device(type, devid, nodename, backend);
		kfree(backend);
	}
	if (md)
		put_device(&md->dev);
	kfree(nodename);
}

static void scan_type(const char *type)
{
	unsigned int i, n;
	char **ids;

	ids = mica_store_directory(MICA_STORE_NO_TX, DEVICE_DIR, type, &n);
	if (IS_ERR(ids))
		return;
	for (i = 0; i < n; i++)
		check_device(type, ids[i]);
	kfree(ids);
}

static int recheck_one(struct device *dev, void *unused)
{
	struct mica_bus_device *md = to_mica_bus_device(dev);
	char id[16];

	snprintf(id, sizeof(id), "%u", md->devid);
	check_device(md->type, id);
	return 0;
}

/* Every device the store lists, and every device we have. */
static void scan_all(void)
{
	unsigned int i, n;
	char **types;

	types = mica_store_directory(MICA_STORE_NO_TX, DEVICE_DIR, "", &n);
	if (!IS_ERR(types)) {
		for (i = 0; i < n; i++)
			scan_type(types[i]);
		kfree(types);
	}
	bus_for_each_dev(&mica_bus_type, NULL, NULL, recheck_one);
}

/* "/local/domain/<N>/device/..." or "device/...": the part from device/. */
static const char *device_part(const char *path)
{
	const char *p = strstr(path, DEVICE_DIR);

	while (p && p != path && p[-1] != '/')
		p = strstr(p + 1, DEVICE_DIR);
	return p;
}

/* device/<type>/<id>[/...]: check that one; anything shorter: all. */
static void devices_changed(struct mica_store_watch *w, const char *path,
			    const char *token)
{
	const char *p = device_part(path);
	char *copy, *rest, *type, *id;

	mutex_lock(&devices_lock);
	copy = p ? kstrdup(p, GFP_KERNEL) : NULL;
	rest = copy;
	if (rest)
		strsep(&rest, "/");
	type = rest ? strsep(&rest, "/") : NULL;
	id = rest ? strsep(&rest, "/") : NULL;
	if (type && id)
		check_device(type, id);
	else
		scan_all();
	kfree(copy);
	mutex_unlock(&devices_lock);
}

static struct mica_store_watch devices_watch = {
	.path = DEVICE_DIR,
	.callback = devices_changed,
};

/* The watch fires at once: that first event adds what is there. */
int mica_bus_probe_devices(struct device *parent)
{
	bus_parent = parent;
	return mica_store_watch_register(&devices_watch);
}

static int remove_one(struct device *dev, void *unused)
{
	device_unregister(dev);
	return 0;
}

void mica_bus_remove_devices(void)
{
	mica_store_watch_unregister(&devices_watch);
	mutex_lock(&devices_lock);
	bus_for_each_dev(&mica_bus_type, NULL, NULL, remove_one);
	mutex_unlock(&devices_lock);
}
