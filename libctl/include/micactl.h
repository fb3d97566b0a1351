/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libmicactl: the control library for Mica (docs/libctl.md).
 *
 * Every function returns 0 (or a count >= 0) on success and -errno on
 * failure; when it fails for a reason a person should read (a bad
 * configuration, an unknown domain), mica_last_error() gives one line,
 * "FILE:LINE: element: problem" for configurations. Every hypercall goes
 * through one helper per family (mica_do_domctl, mica_do_sysctl,
 * mica_do_memop, mica_do_version) over /dev/mica/privcmd.
 */
#ifndef MICACTL_H
#define MICACTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MICA_NAME_MAX 31                /* bytes of a domain name, NUL excluded */
#define MICA_UUID_STR_LEN 37            /* "xxxxxxxx-xxxx-...", with the NUL */

struct mica_domctl;
struct mica_sysctl;

typedef struct mica_ctx mica_ctx;

/* Open /dev/mica/privcmd (mica_event_fd opens /dev/mica/evtchn). -EACCES for non-root. */
int mica_open(mica_ctx **ctx);
void mica_close(mica_ctx *ctx);
/* The last failure's message, "" if none. Valid until the next call. */
const char *mica_last_error(const mica_ctx *ctx);

/* One helper per hypercall family: fill interface_version, call, -errno. */
long mica_do_domctl(mica_ctx *ctx, unsigned int cmd, struct mica_domctl *d);
long mica_do_sysctl(mica_ctx *ctx, unsigned int cmd, struct mica_sysctl *s);
long mica_do_memop(mica_ctx *ctx, unsigned int cmd, void *arg);
long mica_do_version(mica_ctx *ctx, unsigned int cmd, void *arg);
struct mica_param;
long mica_do_param(mica_ctx *ctx, unsigned int cmd, struct mica_param *p);
/* A domain's param (public/param.h MICA_PARAM_*): 0 when never set. */
int mica_param_get(mica_ctx *ctx, uint32_t domid, unsigned int index, uint64_t *value);
/* Set another domain's param (the builder does, for each domU). */
int mica_param_set(mica_ctx *ctx, uint32_t domid, unsigned int index, uint64_t value);
/* Event channels of other domains (privcmd allows alloc_unbound only). */
long mica_do_evtchnop(mica_ctx *ctx, unsigned int cmd, void *arg);
/* A new unbound port of domid that domain remote may bind: *port. */
int mica_evtchn_alloc_unbound(mica_ctx *ctx, uint32_t domid, uint32_t remote, uint32_t *port);

/* ---- domain configuration (libvirt-style domain XML, docs/mica-domain.xml.md) ---- */

enum mica_action {                      /* <on_poweroff>, <on_reboot>, <on_crash> */
    MICA_ACTION_DESTROY,
    MICA_ACTION_RESTART,
    MICA_ACTION_PRESERVE,
};

struct mica_vcpupin {
    unsigned int vcpu;
    uint64_t cpus;                      /* bit n: pCPU n */
    unsigned int line;                  /* added: its line in the file (0: none) */
};

/* ---- PV devices in the domain XML (issue 11, docs/pvio.md) ---- */

enum mica_disk_type { MICA_DISK_FILE, MICA_DISK_BLOCK };   /* <disk type=> */

struct mica_disk_config {
    enum mica_disk_type type;
    char *source;                       /* <source file=> or <source dev=> */
    char target[16];                    /* <target dev='xvda'/> */
    unsigned int vdev;                  /* device id from target: xvda = 51712 (Xen's numbering) */
    int readonly;                       /* <readonly/> */
    unsigned int line;
};

struct mica_nic_config {
    char bridge[16];                    /* <source bridge=>, default "mica0" */
    uint8_t mac[6];                     /* <mac address=>, generated 00:16:3e:xx:xx:xx when absent */
    unsigned int devid;                 /* 0, 1, ... in document order */
    unsigned int line;
    int mac_generated;                  /* added: no <mac> in the XML, mac was generated */
};

struct mica_store_quota {               /* 0: the default (io/store.h MICA_STORE_QUOTA_*) */
    unsigned int nodes, watches, transactions, value;
    unsigned int line;                  /* added: the line of <mica:store> (0: none) */
};

/* Added: the namespace of Mica's own elements in the domain XML (<mica:store>). */
#define MICA_XML_NS "http://mica-hypervisor.org/schemas/domain/1.0"
#define MICA_BRIDGE_DEFAULT "mica0"
#define MICA_DISKS_MAX 64               /* <disk> per domain */
#define MICA_NICS_MAX 16                /* <interface> per domain */

/*
 * Added: the checks of one device's values, shared by the XML parser and
 * hot-plug. Each returns NULL when the value is good (and fills the out
 * argument), else what is wrong with it (written into buf when it needs
 * the value).
 * Targets: xvdX and xvdXY (a whole disk: no partitions) give Xen's device
 * numbers: 202 << 8 | index << 4 for index 0..15 (xvda..xvdp), else
 * 1 << 28 | index << 8 (xvdq = 16 ... xvdzz = 701).
 */
const char *mica_disk_target_problem(const char *target, unsigned int *vdev,
                                     char *buf, size_t len);
/* The source must exist: a regular file (MICA_DISK_FILE) or a block device (BLOCK), at least one sector. */
const char *mica_disk_source_problem(enum mica_disk_type type, const char *path,
                                     int readonly, char *buf, size_t len);
/* "aa:bb:cc:dd:ee:ff" (hex, either case), unicast, not all zero. */
const char *mica_mac_problem(const char *s, uint8_t mac[6], char *buf, size_t len);
/* 00:16:3e:xx:xx:xx, random (Xen's prefix). */
void mica_mac_generate(uint8_t mac[6]);
/* A Linux interface name: 1..15 bytes, no '/', ':' or white space, not . or .. */
const char *mica_bridge_problem(const char *name, char *buf, size_t len);

/* ---- Added (issue 12, docs/iommu.md "Assignment"): PCI functions given to a domU ---- */

/* A PCI function's address: segment (libvirt's domain=), bus, slot (device), function. */
struct mica_pci_addr {
    uint16_t seg;
    uint8_t bus, slot, func;            /* slot 0..31, func 0..7 */
};
#define MICA_PCI_BDF(a) ((uint16_t)((a)->bus << 8 | (a)->slot << 3 | (a)->func))

/* <hostdev mode='subsystem' type='pci' managed='yes|no'><source><address .../></source></hostdev> */
struct mica_hostdev_config {
    struct mica_pci_addr addr;          /* <source><address domain= bus= slot= function=/> */
    int managed;                        /* managed='yes': made assignable at create, back at destroy */
    unsigned int line;
};
#define MICA_HOSTDEVS_MAX 8             /* <hostdev> per domain */
#define MICA_PCI_STR_LEN 13             /* "ssss:bb:dd.f" with the NUL */

/*
 * A BDF as lspci and xl print it: "SSSS:BB:DD.F" or "BB:DD.F" (hex; the
 * segment 0 when absent). NULL when good (*a filled), else what is wrong.
 */
const char *mica_pci_addr_problem(const char *s, struct mica_pci_addr *a, char *buf, size_t len);
/* "ssss:bb:dd.f" into buf (MICA_PCI_STR_LEN bytes). */
void mica_pci_addr_str(const struct mica_pci_addr *a, char buf[MICA_PCI_STR_LEN]);

/*
 * Added (issue 12): assignment. assign/deassign are the hypervisor's
 * MICA_DOMCTL_{assign,deassign}_device (public/domctl.h; the message names
 * the function and why: no such function, kept by the hypervisor, no IOMMU
 * behind it, another domain has it). owner: the domain whose memory the
 * function's DMA reaches (0: dom0) or MICA_PCI_NO_OWNER (blocked).
 */
#define MICA_PCI_NO_OWNER (~0u)
int mica_pci_assign(mica_ctx *ctx, uint32_t domid, const struct mica_pci_addr *a);
int mica_pci_deassign(mica_ctx *ctx, uint32_t domid, const struct mica_pci_addr *a);
int mica_pci_owner(mica_ctx *ctx, const struct mica_pci_addr *a, uint32_t *owner);
/* The functions dom0 sees (sysfs) that domid has; *list malloc'd, sorted. Returns the count. */
int mica_pci_list(mica_ctx *ctx, uint32_t domid, struct mica_pci_addr **list);
/*
 * dom0's side (xl's pci-assignable-*): add unbinds dom0's driver through
 * sysfs (MICA_SYSFS_PCI, /sys/bus/pci, overridable by the environment's
 * MICA_SYSFS_PCI), sets driver_override so none binds again, and remembers
 * the driver in MICA_RUN_DIR/pci-assignable/BDF; remove forgets it and,
 * with rebind, binds that driver again (-EBUSY while a domU has it); list
 * gives the assignable functions, sorted. dom0_driver: the driver bound now
 * ("" for none), -ENOENT when dom0 has no such function.
 */
#define MICA_SYSFS_PCI_DEFAULT "/sys/bus/pci"
#define MICA_PCI_NO_DRIVER "none"           /* what driver_override holds meanwhile */
int mica_pci_assignable_add(mica_ctx *ctx, const struct mica_pci_addr *a);
int mica_pci_assignable_remove(mica_ctx *ctx, const struct mica_pci_addr *a, int rebind);
int mica_pci_assignable_list(mica_ctx *ctx, struct mica_pci_addr **list);
int mica_pci_is_assignable(const struct mica_pci_addr *a);
int mica_pci_dom0_driver(const struct mica_pci_addr *a, char *drv, size_t len);

struct mica_domain_config {
    char name[MICA_NAME_MAX + 1];
    uint8_t uuid[16];                   /* generated (libuuid) when the XML has none */
    uint64_t max_mem_kb;                /* <memory> */
    uint64_t mem_kb;                    /* <currentMemory>, = max_mem_kb when absent */
    unsigned int vcpus;                 /* <vcpu> */
    char *kernel, *initrd, *cmdline;    /* <os><kernel> <initrd> <cmdline>; initrd, cmdline may be NULL */
    enum mica_action on_poweroff, on_reboot, on_crash;
    unsigned int weight;                /* <cputune><shares>, 0 = default (256) */
    unsigned int cap;                   /* <cputune><quota>/<period> as percent, 0 = none */
    struct mica_vcpupin *pins;          /* <cputune><vcpupin> */
    unsigned int nr_pins;
    char *path;                         /* the file it came from, or NULL */
    /* Added: the line of each element in that file (0: none), for the
     * located messages of checks made later (mica_domain_create). */
    struct mica_config_lines {
        unsigned int domain, name, uuid, memory, current_memory, vcpu;
        unsigned int kernel, initrd, cmdline, shares, quota;
    } lines;
    /* Issue 11: PV devices inside <devices>, and store quotas. */
    struct mica_disk_config *disks;     /* <disk> */
    unsigned int nr_disks;
    struct mica_nic_config *nics;       /* <interface> */
    unsigned int nr_nics;
    int pv_console;                     /* <console type='pty'> present */
    struct mica_store_quota store_quota; /* <mica:store nodes= watches= transactions= value=/>; 0 = default */
    /* Added (issue 12): <hostdev> inside <devices>, in document order. */
    struct mica_hostdev_config *hostdevs;
    unsigned int nr_hostdevs;
};

/*
 * Parse and validate a domain XML file: well-formed, valid against the
 * shipped RelaxNG schema (MICA_SCHEMA_DIR/domain.rng), then the checks the
 * schema cannot make (values in range, files readable, uuid well-formed).
 * On failure *out is NULL, the return is -EINVAL (or -ENOENT for the file
 * itself) and mica_last_error() is "FILE:LINE: element: problem".
 * ctx may be NULL (then the message goes to errbuf only).
 */
int mica_config_parse_file(mica_ctx *ctx, const char *path,
                           struct mica_domain_config **out);
int mica_config_parse_memory(mica_ctx *ctx, const char *xml, size_t len,
                             const char *name_for_errors,
                             struct mica_domain_config **out);
/* The configuration as XML (malloc'd, NUL-terminated), for saving and list -l. */
char *mica_config_to_xml(const struct mica_domain_config *c);
void mica_config_free(struct mica_domain_config *c);

/* ---- PV devices of a domain in the store (docs/libctl.md "Devices", public/io/bus.h) ---- */

enum mica_device_kind { MICA_DEVICE_VBD, MICA_DEVICE_VIF };

#define MICA_DEVICE_FORCE      (1u << 0)   /* remove at once, without waiting for the guest */
#define MICA_DEVICE_TIMEOUT_MS 10000       /* how long a removal waits for both sides Closed */
#define MICA_DEVID_AUTO        (~0u)       /* mica_device_add_nic: the first free vif id */

struct mica_device_info {
    enum mica_device_kind kind;
    unsigned int devid;                 /* vbd: its number (xvda = 51712); vif: its handle */
    uint32_t backend_id;
    int fe_state, be_state;             /* MICA_BUS_* (public/io/bus.h), -1 when unknown */
    char target[16];                    /* vbd: "xvda" */
    char mode[4];                       /* vbd: "r" or "w" */
    char type[8];                       /* vbd: "file" or "phy" */
    char source[256];                   /* vbd: the image or block device */
    char bridge[16];                    /* vif */
    char mac[18];                       /* vif: "00:16:3e:..." */
};

/*
 * Hot-plug on a running domU (mica_domain_create does the same for the
 * configuration's devices). add_disk checks the disk as the XML parser does
 * (d->vdev comes from d->target); add_nic takes MICA_DEVID_AUTO, an empty
 * bridge (mica0) and an all-zero MAC (generated) and writes back what it
 * chose. -EEXIST when the target, id or MAC is taken. Removal is Xen's:
 * online = 0, state Closing, a wait of up to MICA_DEVICE_TIMEOUT_MS for
 * both sides Closed (-ETIMEDOUT), then both directories go;
 * MICA_DEVICE_FORCE removes them at once. remove_nic takes a device id or a MAC.
 */
int mica_device_add_disk(mica_ctx *ctx, uint32_t domid, const struct mica_disk_config *d);
int mica_device_remove_disk(mica_ctx *ctx, uint32_t domid, const char *target, unsigned int flags);
int mica_device_add_nic(mica_ctx *ctx, uint32_t domid, struct mica_nic_config *n);
int mica_device_remove_nic(mica_ctx *ctx, uint32_t domid, const char *devid_or_mac,
                           unsigned int flags);
/* The domain's devices of one kind, by id; *list is malloc'd. Returns the count. */
int mica_device_list(mica_ctx *ctx, uint32_t domid, enum mica_device_kind kind,
                     struct mica_device_info **list);

/* ---- domains ---- */

enum mica_domstate {                    /* as MICA_DOMSTATE_* */
    MICA_STATE_RUNNING, MICA_STATE_PAUSED, MICA_STATE_SHUTDOWN, MICA_STATE_DYING,
};

struct mica_dominfo {
    uint32_t domid;
    char name[MICA_NAME_MAX + 1];
    uint8_t uuid[16];
    enum mica_domstate state;
    unsigned int shutdown_reason;       /* MICA_SHUTDOWN_* when shut down */
    int privileged;
    uint64_t mem_kb, max_mem_kb;
    unsigned int vcpus, vcpus_online;
    uint64_t cpu_time_ns;
    uint64_t start_ns;                  /* hypervisor time at its first unpause, 0 = never ran */
    uint64_t hyp_bytes, hyp_budget_bytes;
};

struct mica_hostinfo {
    unsigned int nr_cpus;
    uint64_t total_kb, free_kb;
    uint64_t tsc_khz;
    uint64_t now_ns;                    /* hypervisor uptime */
    char version[64];                   /* "Mica X.Y..." */
};

/* Flags for mica_domain_create. */
#define MICA_CREATE_PAUSED   (1u << 0)  /* leave it paused (create -c attaches first, then unpauses) */
#define MICA_CREATE_DRY_RUN  (1u << 1)  /* check everything, create nothing */

/*
 * Build and start a domain: check the configuration against the host (free
 * memory, duplicate name or uuid), create it, load kernel, initramfs,
 * command line, ACPI tables and zero page through foreign mappings, set
 * vCPU 0's entry state, pins and scheduler parameters, save the
 * configuration (MICA_RUN_DIR/UUID.xml: a rename or restart keeps it) and
 * unpause unless asked not to.
 * Any failure destroys what was made: no half-built domain remains.
 */
int mica_domain_create(mica_ctx *ctx, const struct mica_domain_config *c,
                       unsigned int flags, uint32_t *domid);
int mica_domain_destroy(mica_ctx *ctx, uint32_t domid);
int mica_domain_pause(mica_ctx *ctx, uint32_t domid);
int mica_domain_unpause(mica_ctx *ctx, uint32_t domid);
int mica_domain_rename(mica_ctx *ctx, uint32_t domid, const char *name);
/*
 * Why name cannot name a domain (docs/mica-domain.xml.md: 1 to
 * MICA_NAME_MAX of A-Z a-z 0-9 . _ -, not first - or ., not all digits),
 * written into buf when it needs the name; NULL when it is a good name.
 */
const char *mica_name_problem(const char *name, char *buf, size_t len);
int mica_domain_set_max_mem(mica_ctx *ctx, uint32_t domid, uint64_t kb);
int mica_domain_info(mica_ctx *ctx, uint32_t domid, struct mica_dominfo *info);
/* Every domain, dom0 first; *list is malloc'd. Returns the count. */
int mica_domain_list(mica_ctx *ctx, struct mica_dominfo **list);
/* A domain by name, decimal id or UUID string: its id, or -ESRCH. */
int mica_domain_lookup(mica_ctx *ctx, const char *what, uint32_t *domid);
/* The configuration saved at create (for restart), or -ENOENT. */
int mica_domain_saved_config(mica_ctx *ctx, uint32_t domid,
                             struct mica_domain_config **out);

/* vCPUs and scheduling */
struct mica_vcpuinfo {
    unsigned int vcpu;
    unsigned int state;                 /* MICA_VCPUSTATE_* */
    unsigned int cpu;
    uint64_t cpu_time_ns;
    uint64_t affinity;
};
int mica_vcpu_info(mica_ctx *ctx, uint32_t domid, unsigned int vcpu,
                   struct mica_vcpuinfo *info);
int mica_vcpu_pin(mica_ctx *ctx, uint32_t domid, unsigned int vcpu, uint64_t cpus);
int mica_sched_get(mica_ctx *ctx, uint32_t domid, unsigned int *weight, unsigned int *cap);
int mica_sched_set(mica_ctx *ctx, uint32_t domid, unsigned int weight, unsigned int cap);

/* The host */
int mica_host_info(mica_ctx *ctx, struct mica_hostinfo *info);

/*
 * Rings that keep the newest bytes (the hypervisor log; a domain's
 * console): read from *offset, which is moved past what was read; *lost
 * (may be NULL) gets the bytes already overwritten. Returns bytes read.
 */
ssize_t mica_log_read(mica_ctx *ctx, uint64_t *offset, void *buf, size_t len,
                      uint64_t *lost);
ssize_t mica_console_read(mica_ctx *ctx, uint32_t domid, uint64_t *offset,
                          void *buf, size_t len, uint64_t *lost);
/* Keystrokes into the domain's UART; returns bytes taken (the FIFO may be full). */
ssize_t mica_console_write(mica_ctx *ctx, uint32_t domid, const void *buf, size_t len);

/*
 * Events for user space: a file descriptor that polls readable when a
 * domain shuts down or is destroyed (VIRQ_DOM_EXC) or a console grew
 * (VIRQ_CONSOLE); mica_event_ack() re-arms it.
 */
int mica_event_fd(mica_ctx *ctx, unsigned int virq);
int mica_event_ack(mica_ctx *ctx, int fd);

/*
 * For dom0's backends (micad's PV console): one page of another domain
 * mapped read-write into this process until mica_foreign_unmap(); and a
 * file on /dev/mica/evtchn (non-blocking) to bind interdomain channels on.
 * It polls readable when one fires; mica_event_ack() re-arms them; closing
 * it closes them. bind_interdomain returns the local port.
 */
int mica_foreign_map(mica_ctx *ctx, uint32_t domid, uint64_t gfn, void **va);
void mica_foreign_unmap(void *va);
int mica_evtchn_open(mica_ctx *ctx);
int mica_evtchn_bind_interdomain(mica_ctx *ctx, int fd, uint32_t domid, uint32_t remote_port);
int mica_evtchn_notify(mica_ctx *ctx, int fd, uint32_t port);

/* Paths: overridable at build time. */
#ifndef MICA_RUN_DIR
#define MICA_RUN_DIR "/var/lib/mica"
#endif
#ifndef MICA_LOG_DIR
#define MICA_LOG_DIR "/var/log/mica"
#endif
/* micad's PV console sockets, DOMID.sock, for `mica console` (docs/toolstack.md). */
#ifndef MICA_CONSOLE_SOCKET_DIR
#define MICA_CONSOLE_SOCKET_DIR "/run/mica/console"
#endif
#ifndef MICA_SCHEMA_DIR
#define MICA_SCHEMA_DIR "/usr/share/mica"
#endif

/* ---- the store (micastored, docs/store.md), a client over MICA_STORE_SOCKET ---- */

typedef struct mica_store mica_store;

/*
 * Connect to the store daemon. -ENOENT/-ECONNREFUSED when it is not running
 * (callers say "the store daemon (micastored) is not running").
 * Every call below returns 0 (or a count) or -errno, the errno named in the
 * store's error reply (-EACCES, -ENOENT, -EAGAIN for a transaction conflict,
 * -EDQUOT past a quota, ...). tx 0 is "no transaction".
 */
int mica_store_open(mica_store **s);
void mica_store_close(mica_store *s);
int mica_store_fd(mica_store *s);       /* readable when a watch event may be waiting */
/* *val is malloc'd and NUL-terminated (len excludes the NUL). */
int mica_store_read(mica_store *s, uint32_t tx, const char *path, char **val, size_t *len);
int mica_store_write(mica_store *s, uint32_t tx, const char *path, const void *val, size_t len);
int mica_store_mkdir(mica_store *s, uint32_t tx, const char *path);
int mica_store_rm(mica_store *s, uint32_t tx, const char *path);
/* *names: one malloc'd block, an array of n pointers then the strings. Returns n. */
int mica_store_directory(mica_store *s, uint32_t tx, const char *path, char ***names);
/* Permissions as the protocol's strings ("b0", "r3"): same layout as directory. */
int mica_store_get_perms(mica_store *s, uint32_t tx, const char *path, char ***perms);
int mica_store_set_perms(mica_store *s, uint32_t tx, const char *path,
                         const char *const *perms, unsigned int n);
int mica_store_watch(mica_store *s, const char *path, const char *token);
int mica_store_unwatch(mica_store *s, const char *path, const char *token);
/* Wait up to timeout_ms (-1: forever) for a watch event; -ETIMEDOUT. malloc'd strings. */
int mica_store_read_watch(mica_store *s, int timeout_ms, char **path, char **token);
int mica_store_tx_start(mica_store *s, uint32_t *tx);
int mica_store_tx_end(mica_store *s, uint32_t tx, int commit);
/*
 * One transaction: start it, call fn(s, tx, arg), commit; abort when fn
 * fails. The whole is tried again while fn or the commit answer -EAGAIN
 * (another writer conflicted), MICA_STORE_TX_TRIES times at most, so fn
 * must redo all its work each time. Returns 0 or fn's or the store's -errno.
 */
#define MICA_STORE_TX_TRIES  5
int mica_store_tx_run(mica_store *s, int (*fn)(mica_store *s, uint32_t tx, void *arg), void *arg);
/*
 * dir/node = val, only while dir exists, in one transaction (a backend's
 * write after the toolstack removed its device would make the directory
 * again; Linux's xenbus_switch_state reads the state node first the same
 * way). -ENOENT when dir is gone.
 */
int mica_store_write_present(mica_store *s, const char *dir, const char *node, const char *val);
int mica_store_introduce(mica_store *s, uint32_t domid, uint64_t gfn, uint32_t port);
int mica_store_release(mica_store *s, uint32_t domid);
int mica_store_get_quota(mica_store *s, uint32_t domid, char **text);
int mica_store_set_quota(mica_store *s, uint32_t domid, const char *name, unsigned int value);
/* Added: from now on this connection has domain domid's rights, not dom0's (tests, tools
 * acting for a domain; Xen's XS_RESTRICT). -EBUSY once it has watches or transactions. */
int mica_store_restrict(mica_store *s, uint32_t domid);

/*
 * A domain's part of the store, as the builder makes it (docs/libctl.md):
 * mica_domain_create writes /local/domain/N and /vm/UUID and introduces N;
 * mica_domain_destroy calls this, and micad for a domain that went away
 * without it: RELEASE N, remove /local/domain/N and /vm/UUID (uuid may be
 * NULL: then /local/domain/N/vm names it). Quiet when the store daemon is
 * not running or N was never introduced: 0, or the first other failure.
 */
int mica_domain_store_forget(mica_ctx *ctx, uint32_t domid, const uint8_t *uuid);

#ifdef __cplusplus
}
#endif
#endif
