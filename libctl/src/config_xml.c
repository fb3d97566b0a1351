/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A configuration written back as domain XML (mica_config_to_xml): what
 * mica_domain_create saves for restart and `list -l`. Parsing the result
 * gives the same configuration.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid.h>
#include "priv.h"

static const char *const action_names[] = {
    [MICA_ACTION_DESTROY] = "destroy",
    [MICA_ACTION_RESTART] = "restart",
    [MICA_ACTION_PRESERVE] = "preserve",
};

static const char *action_name(enum mica_action a)
{
    return (unsigned int)a < sizeof(action_names) / sizeof(action_names[0]) ?
           action_names[a] : "destroy";
}

/* Text with &, <, >, ' and " escaped. */
static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '\'': fputs("&apos;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void put_elem(FILE *f, const char *indent, const char *name, const char *text)
{
    fprintf(f, "%s<%s>", indent, name);
    put_escaped(f, text);
    fprintf(f, "</%s>\n", name);
}

/* A CPU mask in cpuset syntax: "0-3,6". */
static void put_cpuset(FILE *f, uint64_t mask)
{
    const char *sep = "";

    for (unsigned int i = 0; i < 64; i++) {
        unsigned int j = i;

        if (!(mask >> i & 1))
            continue;
        while (j + 1 < 64 && (mask >> (j + 1) & 1))
            j++;
        if (j > i)
            fprintf(f, "%s%u-%u", sep, i, j);
        else
            fprintf(f, "%s%u", sep, i);
        sep = ",";
        i = j;
    }
}

static void put_os(FILE *f, const struct mica_domain_config *c)
{
    fputs("  <os>\n    <type arch='x86_64'>linux</type>\n", f);
    put_elem(f, "    ", "kernel", c->kernel ? c->kernel : "");
    if (c->initrd)
        put_elem(f, "    ", "initrd", c->initrd);
    if (c->cmdline)
        put_elem(f, "    ", "cmdline", c->cmdline);
    fputs("  </os>\n", f);
}

static void put_cputune(FILE *f, const struct mica_domain_config *c)
{
    if (!c->weight && !c->cap && !c->nr_pins)
        return;
    fputs("  <cputune>\n", f);
    if (c->weight)
        fprintf(f, "    <shares>%u</shares>\n", c->weight);
    if (c->cap)
        fprintf(f, "    <period>100000</period>\n    <quota>%u</quota>\n", c->cap * 1000);
    for (unsigned int i = 0; i < c->nr_pins; i++) {
        fprintf(f, "    <vcpupin vcpu='%u' cpuset='", c->pins[i].vcpu);
        put_cpuset(f, c->pins[i].cpus);
        fputs("'/>\n", f);
    }
    fputs("  </cputune>\n", f);
}

static void put_disk(FILE *f, const struct mica_disk_config *d)
{
    bool block = d->type == MICA_DISK_BLOCK;

    fprintf(f, "    <disk type='%s' device='disk'>\n", block ? "block" : "file");
    fprintf(f, "      <source %s='", block ? "dev" : "file");
    put_escaped(f, d->source ? d->source : "");
    fputs("'/>\n      <target dev='", f);
    put_escaped(f, d->target);
    fputs("' bus='xen'/>\n", f);
    if (d->readonly)
        fputs("      <readonly/>\n", f);
    fputs("    </disk>\n", f);
}

static void put_nic(FILE *f, const struct mica_nic_config *n)
{
    fputs("    <interface type='bridge'>\n      <source bridge='", f);
    put_escaped(f, n->bridge);
    fprintf(f, "'/>\n      <mac address='%02x:%02x:%02x:%02x:%02x:%02x'/>\n    </interface>\n",
            n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
}

static void put_hostdev(FILE *f, const struct mica_hostdev_config *h)
{
    fprintf(f, "    <hostdev mode='subsystem' type='pci' managed='%s'>\n      <source>\n"
            "        <address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>\n"
            "      </source>\n    </hostdev>\n", h->managed ? "yes" : "no", h->addr.seg,
            h->addr.bus, h->addr.slot, h->addr.func);
}

static void put_devices(FILE *f, const struct mica_domain_config *c)
{
    if (!c->nr_disks && !c->nr_nics && !c->pv_console && !c->nr_hostdevs)
        return;
    fputs("  <devices>\n", f);
    for (unsigned int i = 0; i < c->nr_disks; i++)
        put_disk(f, &c->disks[i]);
    for (unsigned int i = 0; i < c->nr_nics; i++)
        put_nic(f, &c->nics[i]);
    if (c->pv_console)
        fputs("    <console type='pty'>\n      <target type='xen' port='0'/>\n    </console>\n", f);
    for (unsigned int i = 0; i < c->nr_hostdevs; i++)
        put_hostdev(f, &c->hostdevs[i]);
    fputs("  </devices>\n", f);
}

static void put_store(FILE *f, const struct mica_store_quota *q)
{
    if (!q->nodes && !q->watches && !q->transactions && !q->value)
        return;
    fputs("  <mica:store", f);
    if (q->nodes)
        fprintf(f, " nodes='%u'", q->nodes);
    if (q->watches)
        fprintf(f, " watches='%u'", q->watches);
    if (q->transactions)
        fprintf(f, " transactions='%u'", q->transactions);
    if (q->value)
        fprintf(f, " value='%u'", q->value);
    fputs("/>\n", f);
}

char *mica_config_to_xml(const struct mica_domain_config *c)
{
    char uuid[MICA_UUID_STR_LEN], *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        return NULL;
    uuid_unparse_lower(c->uuid, uuid);
    fputs("<domain type='mica' xmlns:mica='" MICA_XML_NS "'>\n", f);
    put_elem(f, "  ", "name", c->name);
    put_elem(f, "  ", "uuid", uuid);
    fprintf(f, "  <memory unit='KiB'>%llu</memory>\n", (unsigned long long)c->max_mem_kb);
    fprintf(f, "  <currentMemory unit='KiB'>%llu</currentMemory>\n", (unsigned long long)c->mem_kb);
    fprintf(f, "  <vcpu>%u</vcpu>\n", c->vcpus);
    put_os(f, c);
    fprintf(f, "  <on_poweroff>%s</on_poweroff>\n", action_name(c->on_poweroff));
    fprintf(f, "  <on_reboot>%s</on_reboot>\n", action_name(c->on_reboot));
    fprintf(f, "  <on_crash>%s</on_crash>\n", action_name(c->on_crash));
    put_cputune(f, c);
    put_devices(f, c);
    put_store(f, &c->store_quota);
    fputs("</domain>\n", f);
    if (fclose(f)) {
        free(buf);
        return NULL;
    }
    return buf;
}
