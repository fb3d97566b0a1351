/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The values of one PV device, checked the same way for the domain XML and
 * for hot-plug (block-attach, network-attach): a disk's target and source,
 * a MAC address, a bridge's name. Each returns NULL or what is wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "priv.h"

#define XVD_PREFIX         "xvd"
#define XVD_LETTERS        26
#define XVD_MAJOR          202          /* Xen's xvd major: 202 << 8 | disk << 4 | partition */
#define XVD_SHORT_DISKS    16           /* disks 0..15 fit the short form */
#define XVD_EXT_FLAG       (1u << 28)   /* the extended form: 1 << 28 | disk << 8 | partition */
#define SECTOR_BYTES       512
#define IFNAME_MAX         15           /* IFNAMSIZ - 1 */

static const uint8_t xen_oui[3] = { 0x00, 0x16, 0x3e };

const char *mica_disk_target_problem(const char *t, unsigned int *vdev, char *buf, size_t len)
{
    size_t n = strlen(t), plen = strlen(XVD_PREFIX), letters;
    unsigned int disk;

    letters = strncmp(t, XVD_PREFIX, plen) ? 0 : strspn(t + plen, "abcdefghijklmnopqrstuvwxyz");
    if (letters && t[plen + letters] >= '0' && t[plen + letters] <= '9') {
        snprintf(buf, len, "'%.32s' is a partition: the target is a whole disk (xvdX or xvdXY)", t);
        return buf;
    }
    if (letters < 1 || letters > 2 || n != plen + letters) {
        snprintf(buf, len, "'%.32s': a target is xvdX or xvdXY (xvda ... xvdz, xvdaa ... xvdzz)",
                 t);
        return buf;
    }
    if (letters == 1)
        disk = (unsigned int)(t[plen] - 'a');
    else
        disk = (unsigned int)(t[plen] - 'a' + 1) * XVD_LETTERS + (unsigned int)(t[plen + 1] - 'a');
    *vdev = disk < XVD_SHORT_DISKS ? (XVD_MAJOR << 8 | disk << 4) : (XVD_EXT_FLAG | disk << 8);
    return NULL;
}

const char *mica_disk_source_problem(enum mica_disk_type type, const char *path,
                                     int readonly, char *buf, size_t len)
{
    struct stat st;

    if (!path || !*path)
        return "the source is empty";
    if (stat(path, &st)) {
        snprintf(buf, len, "cannot reach %.256s: %s", path, strerror(errno));
        return buf;
    }
    if (type == MICA_DISK_FILE && !S_ISREG(st.st_mode))
        snprintf(buf, len, "%.256s is not a regular file%s", path,
                 S_ISBLK(st.st_mode) ? " (a block device: <disk type='block'>, <source dev=>)" : "");
    else if (type == MICA_DISK_BLOCK && !S_ISBLK(st.st_mode))
        snprintf(buf, len, "%.256s is not a block device%s", path,
                 S_ISREG(st.st_mode) ? " (a file: <disk type='file'>, <source file=>)" : "");
    else if (access(path, readonly ? R_OK : R_OK | W_OK))
        snprintf(buf, len, "cannot open %.256s for %s: %s", path,
                 readonly ? "reading" : "reading and writing (or add <readonly/>)",
                 strerror(errno));
    else if (type == MICA_DISK_FILE && st.st_size < SECTOR_BYTES)
        snprintf(buf, len, "%.256s is smaller than one %d-byte sector", path, SECTOR_BYTES);
    else
        return NULL;
    return buf;
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Six pairs of hex digits separated by ':'; 0 or -EINVAL. */
static int mac_parse(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++, s += 3) {
        int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

        if (lo < 0 || s[2] != (i == 5 ? '\0' : ':'))
            return -EINVAL;
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

const char *mica_mac_problem(const char *s, uint8_t mac[6], char *buf, size_t len)
{
    static const uint8_t zero[6];
    uint8_t m[6];

    if (mac_parse(s, m))
        snprintf(buf, len, "'%.40s' is not a MAC address (six hex pairs: 00:16:3e:12:34:56)", s);
    else if (m[0] & 1)
        snprintf(buf, len, "%s is a multicast address: a NIC needs a unicast one "
                 "(the first byte even)", s);
    else if (!memcmp(m, zero, sizeof(zero)))
        snprintf(buf, len, "%s is not a usable address", s);
    else {
        memcpy(mac, m, sizeof(m));
        return NULL;
    }
    return buf;
}

void mica_mac_generate(uint8_t mac[6])
{
    uint8_t r[3] = { 0 };
    size_t got = 0;

    while (got < sizeof(r)) {
        ssize_t n = getrandom(r + got, sizeof(r) - got, 0);

        if (n <= 0 && errno != EINTR)
            break;
        if (n > 0)
            got += (size_t)n;
    }
    memcpy(mac, xen_oui, sizeof(xen_oui));
    memcpy(mac + 3, r, sizeof(r));
}

const char *mica_bridge_problem(const char *name, char *buf, size_t len)
{
    size_t n = strlen(name);

    if (n == 0)
        return "the bridge's name is empty";
    if (n > IFNAME_MAX)
        snprintf(buf, len, "'%.40s' is %zu bytes long: an interface name has at most %d",
                 name, n, IFNAME_MAX);
    else if (!strcmp(name, ".") || !strcmp(name, ".."))
        snprintf(buf, len, "'%s' cannot name an interface", name);
    else if (strpbrk(name, "/: \t\r\n\v\f"))
        snprintf(buf, len, "'%s': an interface name has no '/', ':' or white space", name);
    else
        return NULL;
    return buf;
}

static int check_disk(mica_ctx *ctx, const struct mica_domain_config *c, unsigned int i)
{
    const struct mica_disk_config *d = &c->disks[i];
    char buf[CTL_ERR_LEN];
    unsigned int vdev;
    const char *why = mica_disk_target_problem(d->target, &vdev, buf, sizeof(buf));

    if (why)
        return ctl_config_fail(ctx, c, d->line, "target", -EINVAL, "%s", why);
    if (vdev != d->vdev)
        return ctl_config_fail(ctx, c, d->line, "target", -EINVAL,
                               "%s is device %u, not %u", d->target, vdev, d->vdev);
    why = mica_disk_source_problem(d->type, d->source, d->readonly, buf, sizeof(buf));
    if (why)
        return ctl_config_fail(ctx, c, d->line, "source", -EINVAL, "%s", why);
    for (unsigned int j = 0; j < i; j++)
        if (c->disks[j].vdev == d->vdev)
            return ctl_config_fail(ctx, c, d->line, "target", -EINVAL,
                                   "%s is already the target of the disk on line %u", d->target,
                                   c->disks[j].line);
    return 0;
}

static int check_nic(mica_ctx *ctx, const struct mica_domain_config *c, unsigned int i)
{
    const struct mica_nic_config *n = &c->nics[i];
    char buf[CTL_ERR_LEN], text[18];
    uint8_t mac[6];
    const char *why = mica_bridge_problem(n->bridge, buf, sizeof(buf));

    if (why)
        return ctl_config_fail(ctx, c, n->line, "source", -EINVAL, "%s", why);
    snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0], n->mac[1],
             n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
    why = mica_mac_problem(text, mac, buf, sizeof(buf));
    if (why)
        return ctl_config_fail(ctx, c, n->line, "mac", -EINVAL, "%s", why);
    for (unsigned int j = 0; j < i; j++) {
        if (!memcmp(c->nics[j].mac, n->mac, sizeof(mac)))
            return ctl_config_fail(ctx, c, n->line, "mac", -EINVAL,
                                   "%s is the interface on line %u's already", text,
                                   c->nics[j].line);
        if (c->nics[j].devid == n->devid)
            return ctl_config_fail(ctx, c, n->line, "interface", -EINVAL,
                                   "device id %u twice", n->devid);
    }
    return 0;
}

/* What the parser guarantees of the devices, for configurations built by hand. */
int ctl_devices_check(mica_ctx *ctx, const struct mica_domain_config *c)
{
    int rc = 0;

    if (c->nr_disks > MICA_DISKS_MAX || c->nr_nics > MICA_NICS_MAX)
        return ctl_config_fail(ctx, c, c->lines.domain, "devices", -EINVAL,
                               "%u disks and %u interfaces: at most %d and %d", c->nr_disks,
                               c->nr_nics, MICA_DISKS_MAX, MICA_NICS_MAX);
    for (unsigned int i = 0; i < c->nr_disks && !rc; i++)
        rc = check_disk(ctx, c, i);
    for (unsigned int i = 0; i < c->nr_nics && !rc; i++)
        rc = check_nic(ctx, c, i);
    return rc;
}
