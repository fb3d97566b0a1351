/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The domain XML corpus (tests/ctl/README.md): every bad-xml/NAME.xml must
 * be refused with exactly the line in NAME.expect; every good-xml/NAME.xml
 * must parse to the summary in its NAME.expect and survive a round trip
 * through mica_config_to_xml. Run from `make check-ctl` with the corpus
 * directory as argument and MICA_SCHEMA_DIR pointing at libctl/schema.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <mica/linux_boot.h>
#include "micactl.h"
#include "ctl_check.h"

#define MIN_BAD 25

/*
 * The first line of an .expect file. Limits that belong to the hypervisor's
 * headers are written as placeholders, so the corpus follows them:
 * @RAM_MAX_KB@ and @RAM_MAX@ are LINUX_RAM_MAX in KiB and in hex; @FILES@
 * is the absolute path of tests/ctl/files (where the clone is).
 */
static char *read_line(const char *path)
{
    FILE *f = fopen(path, "r");
    char buf[1024], out[1200], kb[32], hex[32], *nl, *files;
    size_t o = 0;

    if (!f)
        return NULL;
    if (!fgets(buf, sizeof(buf), f))
        buf[0] = '\0';
    fclose(f);
    files = realpath("../files", NULL);
    nl = strchr(buf, '\n');
    if (nl)
        *nl = '\0';
    snprintf(kb, sizeof(kb), "%llu", (unsigned long long)(LINUX_RAM_MAX >> 10));
    snprintf(hex, sizeof(hex), "%#llx", (unsigned long long)LINUX_RAM_MAX);
    for (const char *q = buf; *q && o < sizeof(out) - 32; ) {
        if (!strncmp(q, "@RAM_MAX_KB@", 12)) {
            o += (size_t)sprintf(out + o, "%s", kb);
            q += 12;
        } else if (!strncmp(q, "@FILES@", 7) && files) {
            o += (size_t)snprintf(out + o, sizeof(out) - 32 - o, "%s", files);
            o = o < sizeof(out) - 32 ? o : sizeof(out) - 32;
            q += 7;
        } else if (!strncmp(q, "@RAM_MAX@", 9)) {
            o += (size_t)sprintf(out + o, "%s", hex);
            q += 9;
        } else {
            out[o++] = *q++;
        }
    }
    out[o] = '\0';
    free(files);
    return strdup(out);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_xml(const struct dirent *d)
{
    size_t len = strlen(d->d_name);

    return len > 4 && !strcmp(d->d_name + len - 4, ".xml");
}

static void expect_path(const char *xml, char *buf, size_t len)
{
    snprintf(buf, len, "%.*s.expect", (int)(strlen(xml) - 4), xml);
}

static void check_bad(const char *file)
{
    char path[512], got[1024];
    char *want;
    struct mica_domain_config *c = (void *)1;
    int rc;

    expect_path(file, path, sizeof(path));
    want = read_line(path);
    if (!ctl_check(want != NULL, "no .expect file beside it", "bad %s: has an expected line", file))
        return;
    rc = mica_config_parse_file(NULL, file, &c);
    snprintf(got, sizeof(got), "got rc %d \"%s\", want \"%s\"", rc, mica_last_error(NULL), want);
    ctl_check(rc == -EINVAL && c == NULL && !strcmp(mica_last_error(NULL), want), got,
              "bad %s: refused: %s", file, want);
    free(want);
}

static const char *base(const char *path)
{
    return strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
}

/* " disks=xvda:51712:file:rw:disk.img,... nics=0:mica0:00:16:3e:01:02:03,... console=1 store=N/W/T/V" */
static void devices_summary(const struct mica_domain_config *c, char *buf, size_t len)
{
    int n = snprintf(buf, len, " disks=");

    for (unsigned int i = 0; i < c->nr_disks && n > 0 && (size_t)n < len; i++) {
        const struct mica_disk_config *d = &c->disks[i];

        n += snprintf(buf + n, len - (size_t)n, "%s%s:%u:%s:%s:%s", i ? "," : "", d->target,
                      d->vdev, d->type == MICA_DISK_BLOCK ? "block" : "file",
                      d->readonly ? "ro" : "rw", base(d->source));
    }
    if (n > 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, " nics=");
    for (unsigned int i = 0; i < c->nr_nics && n > 0 && (size_t)n < len; i++) {
        const uint8_t *m = c->nics[i].mac;

        n += snprintf(buf + n, len - (size_t)n, "%s%u:%s:%02x:%02x:%02x:%02x:%02x:%02x",
                      i ? "," : "", c->nics[i].devid, c->nics[i].bridge,
                      m[0], m[1], m[2], m[3], m[4], m[5]);
    }
    if (n > 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, " console=%d store=%u/%u/%u/%u", c->pv_console,
                      c->store_quota.nodes, c->store_quota.watches, c->store_quota.transactions,
                      c->store_quota.value);
    /* " hostdevs=0000:00:1f.2:managed,..." only when there are some (older summaries stay) */
    for (unsigned int i = 0; i < c->nr_hostdevs && n > 0 && (size_t)n < len; i++) {
        char bdf[MICA_PCI_STR_LEN];

        mica_pci_addr_str(&c->hostdevs[i].addr, bdf);
        n += snprintf(buf + n, len - (size_t)n, "%s%s:%s", i ? "," : " hostdevs=", bdf,
                      c->hostdevs[i].managed ? "managed" : "unmanaged");
    }
}

static void summary(const struct mica_domain_config *c, char *buf, size_t len)
{
    static const char *const act[] = { "destroy", "restart", "preserve" };
    int n = snprintf(buf, len, "name=%s mem=%llu cur=%llu vcpus=%u kernel=%s initrd=%s "
                     "cmdline=%s poweroff=%s reboot=%s crash=%s weight=%u cap=%u pins=",
                     c->name, (unsigned long long)c->max_mem_kb, (unsigned long long)c->mem_kb,
                     c->vcpus, strrchr(c->kernel, '/') ? strrchr(c->kernel, '/') + 1 : c->kernel,
                     c->initrd ? (strrchr(c->initrd, '/') ? strrchr(c->initrd, '/') + 1 : c->initrd) : "-",
                     c->cmdline ? c->cmdline : "-", act[c->on_poweroff], act[c->on_reboot],
                     act[c->on_crash], c->weight, c->cap);

    for (unsigned int i = 0; i < c->nr_pins && n > 0 && (size_t)n < len; i++)
        n += snprintf(buf + n, len - (size_t)n, "%s%u:%#llx", i ? "," : "", c->pins[i].vcpu,
                      (unsigned long long)c->pins[i].cpus);
    if (n > 0 && (size_t)n < len)
        devices_summary(c, buf + n, len - (size_t)n);
}

static void check_round_trip(const char *file, const struct mica_domain_config *c)
{
    char *xml = mica_config_to_xml(c), a[1024], b[1024];
    struct mica_domain_config *again = NULL;
    int rc;

    if (!ctl_check(xml != NULL, "NULL", "good %s: written back as XML", file))
        return;
    rc = mica_config_parse_memory(NULL, xml, strlen(xml), file, &again);
    if (ctl_check(rc == 0, mica_last_error(NULL), "good %s: its XML parses again", file)) {
        summary(c, a, sizeof(a));
        summary(again, b, sizeof(b));
        ctl_check(!strcmp(a, b) && !memcmp(c->uuid, again->uuid, 16), b,
                  "good %s: the same configuration after the round trip", file);
    }
    mica_config_free(again);
    free(xml);
}

static void check_good(const char *file)
{
    char path[512], got[1024];
    char *want;
    struct mica_domain_config *c = NULL;
    int rc = mica_config_parse_file(NULL, file, &c);

    if (!ctl_check(rc == 0 && c, mica_last_error(NULL), "good %s: accepted", file))
        return;
    expect_path(file, path, sizeof(path));
    want = read_line(path);
    summary(c, got, sizeof(got));
    ctl_check(want && !strcmp(got, want), got, "good %s: parsed as %s", file, want ? want : "?");
    free(want);
    check_round_trip(file, c);
    mica_config_free(c);
}

static unsigned int run_dir(const char *dir, void (*check)(const char *))
{
    struct dirent **list;
    int n;

    if (chdir(dir)) {
        ctl_check(false, strerror(errno), "corpus directory %s", dir);
        return 0;
    }
    n = scandir(".", &list, is_xml, by_name);
    for (int i = 0; i < n; i++) {
        check(list[i]->d_name);
        free(list[i]);
    }
    free(list);
    return n > 0 ? (unsigned int)n : 0;
}

/* No UUID in the file: a fresh one each time, never the nil UUID. */
static void check_generated_uuid(void)
{
    static const uint8_t nil[16];
    struct mica_domain_config *a = NULL, *b = NULL;

    if (mica_config_parse_file(NULL, "minimal.xml", &a) ||
        mica_config_parse_file(NULL, "minimal.xml", &b)) {
        ctl_check(false, mica_last_error(NULL), "uuid: minimal.xml parses");
    } else {
        ctl_check(memcmp(a->uuid, nil, 16) && memcmp(b->uuid, nil, 16) &&
                  memcmp(a->uuid, b->uuid, 16), "same or nil",
                  "uuid: generated when absent, a different one each time");
    }
    mica_config_free(a);
    mica_config_free(b);
}

/* Xen's numbering (docs/mica-domain.xml.md): 202 << 8 | disk << 4, then 1 << 28 | disk << 8. */
static void check_vdev_numbers(void)
{
    static const struct { const char *target; unsigned int vdev; } t[] = {
        { "xvda", 51712 }, { "xvdb", 51728 }, { "xvdp", 202 << 8 | 15 << 4 },
        { "xvdq", 1u << 28 | 16 << 8 }, { "xvdz", 1u << 28 | 25 << 8 },
        { "xvdaa", 1u << 28 | 26 << 8 }, { "xvdzz", 1u << 28 | 701 << 8 },
    };
    char buf[160];

    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        unsigned int vdev = 0;
        const char *why = mica_disk_target_problem(t[i].target, &vdev, buf, sizeof(buf));

        snprintf(buf, sizeof(buf), "got %u (%s)", vdev, why ? why : "accepted");
        ctl_check(!why && vdev == t[i].vdev, buf, "vdev: %s is %u", t[i].target, t[i].vdev);
    }
}

static const char nic_xml[] =
    "<domain type='mica'><name>n</name><memory>131072</memory><vcpu>1</vcpu>"
    "<os><kernel>../files/vmlinuz</kernel></os><devices>"
    "<interface type='bridge'/><interface type='bridge'/></devices></domain>";

/* No <mac>: 00:16:3e and three random bytes, unicast, different per interface and per parse. */
static void check_generated_mac(void)
{
    struct mica_domain_config *a = NULL, *b = NULL;
    int rc = mica_config_parse_memory(NULL, nic_xml, sizeof(nic_xml) - 1, "nic.xml", &a);

    if (!rc)
        rc = mica_config_parse_memory(NULL, nic_xml, sizeof(nic_xml) - 1, "nic.xml", &b);
    if (!ctl_check(rc == 0 && a->nr_nics == 2, mica_last_error(NULL),
                   "mac: two interfaces without <mac> parse"))
        goto out;
    ctl_check(!memcmp(a->nics[0].mac, "\x00\x16\x3e", 3) && !memcmp(a->nics[1].mac,
              "\x00\x16\x3e", 3) && a->nics[0].mac_generated, "not 00:16:3e",
              "mac: generated in Xen's 00:16:3e range");
    ctl_check(memcmp(a->nics[0].mac, a->nics[1].mac, 6) && memcmp(a->nics[0].mac, b->nics[0].mac, 6),
              "the same", "mac: a different one per interface and per parse");
    ctl_check(!strcmp(a->nics[0].bridge, MICA_BRIDGE_DEFAULT) && a->nics[1].devid == 1,
              a->nics[0].bridge, "nic: bridge mica0 by default, devids in document order");
out:
    mica_config_free(a);
    mica_config_free(b);
}

/* A block device from the host (loop devices are everywhere); type='file' refuses it. */
static void check_block_source(void)
{
    static const char *const devs[] = { "/dev/loop0", "/dev/loop1", "/dev/ram0", "/dev/sda",
                                        "/dev/vda" };
    char xml[512], buf[256];
    const char *dev = NULL;
    struct mica_domain_config *c = NULL;
    struct stat st;
    int rc;

    for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]) && !dev; i++)
        if (!stat(devs[i], &st) && S_ISBLK(st.st_mode) && !access(devs[i], R_OK))
            dev = devs[i];
    if (!ctl_check(dev != NULL, "no readable block device on this host (/dev/loop0 ...)",
                   "block: the host has a block device to test with"))
        return;
    snprintf(xml, sizeof(xml), "<domain type='mica'><name>b</name><memory>131072</memory>"
             "<vcpu>1</vcpu><os><kernel>../files/vmlinuz</kernel></os><devices>"
             "<disk type='block'><source dev='%s'/><target dev='xvdb'/><readonly/></disk>"
             "</devices></domain>", dev);
    rc = mica_config_parse_memory(NULL, xml, strlen(xml), "block.xml", &c);
    ctl_check(rc == 0 && c->nr_disks == 1 && c->disks[0].type == MICA_DISK_BLOCK &&
              c->disks[0].vdev == 51728, mica_last_error(NULL),
              "block: <disk type='block'> with %s is accepted", dev);
    mica_config_free(c);
    ctl_check(mica_disk_source_problem(MICA_DISK_FILE, dev, 1, buf, sizeof(buf)) != NULL,
              "accepted", "block: %s is refused as a file", dev);
}

/* The BDF strings of the CLI (mica pci-attach DOMAIN BDF): lspci's forms, everything else refused. */
static void check_pci_addr_strings(void)
{
    static const struct { const char *s; const char *want; } cases[] = {
        { "0000:00:1f.2", "0000:00:1f.2" }, { "00:1F.2", "0000:00:1f.2" },
        { "ffff:ff:1f.7", "ffff:ff:1f.7" }, { "00:20.0", NULL }, { "00:1f.8", NULL },
        { "0:0:1f.2", NULL }, { "00:1f", NULL }, { "", NULL }, { "00:1f.2 ", NULL },
        { "0000:00:1f.2x", NULL }, { "00-1f.2", NULL }, { "0000.00:1f.2", NULL },
        { "g0:1f.2", NULL }, { "00:1f:2", NULL }, { "00000:00:1f.2", NULL },
        /* control bytes that differ from digits only in bit 5 */
        { "\x10\x11:1f.2", NULL }, { "00:1f.\x12", NULL }, { "\x10\x10\x10\x10:00:1f.2", NULL },
    };
    char buf[160], got[MICA_PCI_STR_LEN];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mica_pci_addr a = { 0 };
        const char *why = mica_pci_addr_problem(cases[i].s, &a, buf, sizeof(buf));

        if (cases[i].want) {
            mica_pci_addr_str(&a, got);
            ctl_check(!why && !strcmp(got, cases[i].want), why ? why : got,
                      "PCI address '%s' is %s", cases[i].s, cases[i].want);
        } else {
            ctl_check(why && strstr(why, "'"), "accepted", "PCI address '%s' refused: %s",
                      cases[i].s, why ? why : "");
        }
    }
}

static void check_memory_api(void)
{
    static const char xml[] = "<domain type='mica'>\n<name>x</name>\n<memory>0</memory>\n";
    struct mica_domain_config *c = NULL;
    int rc = mica_config_parse_memory(NULL, xml, sizeof(xml) - 1, "inline", &c);

    ctl_check(rc == -EINVAL && !c && !strncmp(mica_last_error(NULL), "inline:4: xml: ", 15),
              mica_last_error(NULL), "memory: a truncated document is located in name_for_errors");
    rc = mica_config_parse_file(NULL, "no-such-file.xml", &c);
    ctl_check(rc == -ENOENT && !c, mica_last_error(NULL), "a missing file is -ENOENT");
}

int main(int argc, char **argv)
{
    char bad[4096], good[4096];
    unsigned int n;

    ctl_area = "ctl-xml";
    if (argc < 2) {
        fprintf(stderr, "usage: %s TESTS_CTL_DIR\n", argv[0]);
        return 2;
    }
    snprintf(bad, sizeof(bad), "%s/bad-xml", argv[1]);
    snprintf(good, sizeof(good), "%s/good-xml", argv[1]);
    n = run_dir(bad, check_bad);
    ctl_check(n >= MIN_BAD, "too few", "the bad-XML corpus has %u files (at least %d)", n, MIN_BAD);
    n = run_dir(good, check_good);
    ctl_check(n > 0, "none", "the good-XML corpus has %u files", n);
    check_generated_uuid();
    check_memory_api();
    check_vdev_numbers();
    check_generated_mac();
    check_block_source();
    check_pci_addr_strings();
    return ctl_done();
}
