/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A domain's part of the store as the builder makes it (libctl/src/
 * domstore.c), without a store: the nodes ctl_dom_nodes() lists for a
 * domain, their values and permissions (Xen's layout: /local/domain/N
 * dom0's and readable by N, the directories N owns, /vm/UUID), and the
 * messages when the store daemon is not running.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <public/param.h>
#include "build.h"
#include "ctl_check.h"

#define DOMID    7u
#define MAX_NODES 64

static const char xml[] =
    "<domain type='mica'>\n"
    "  <name>web</name>\n"
    "  <uuid>4dea22b3-1d52-d8f3-2516-782e98a23fa0</uuid>\n"
    "  <memory unit='MiB'>64</memory>\n"
    "  <currentMemory unit='MiB'>48</currentMemory>\n"
    "  <vcpu>1</vcpu>\n"
    "  <os><kernel>%s</kernel></os>\n"
    "</domain>\n";

static struct {
    char path[256], value[128], perms[2][16];
    int dir, nperms;
} nodes[MAX_NODES];
static unsigned int nr_nodes;

static int collect(void *opaque, const struct ctl_dom_node *n)
{
    (void)opaque;
    if (nr_nodes == MAX_NODES)
        return -ENOSPC;
    snprintf(nodes[nr_nodes].path, sizeof(nodes[0].path), "%s", n->path);
    snprintf(nodes[nr_nodes].value, sizeof(nodes[0].value), "%s", n->value ? n->value : "");
    nodes[nr_nodes].dir = !n->value;
    for (int i = 0; i < 2 && n->perms[i]; i++) {
        snprintf(nodes[nr_nodes].perms[i], sizeof(nodes[0].perms[i]), "%s", n->perms[i]);
        nodes[nr_nodes].nperms = i + 1;
    }
    nr_nodes++;
    return 0;
}

static int find(const char *path)
{
    for (unsigned int i = 0; i < nr_nodes; i++)
        if (!strcmp(nodes[i].path, path))
            return (int)i;
    return -1;
}

static void expect_value(const char *path, const char *want)
{
    int i = find(path);

    ctl_check(i >= 0 && !nodes[i].dir && !strcmp(nodes[i].value, want),
              i < 0 ? "absent" : nodes[i].value, "%s = \"%s\"", path, want);
}

/* perms: "" for inherited, else "owner" or "owner grant". */
static void expect_perms(const char *path, int dir, const char *want)
{
    char got[40] = "";
    int i = find(path);

    if (i >= 0 && nodes[i].nperms)
        snprintf(got, sizeof(got), "%s%s%s", nodes[i].perms[0], nodes[i].nperms > 1 ? " " : "",
                 nodes[i].nperms > 1 ? nodes[i].perms[1] : "");
    ctl_check(i >= 0 && nodes[i].dir == dir && !strcmp(got, want), i < 0 ? "absent" : got,
              "%s: %s, permissions %s", path, dir ? "a directory" : "a value",
              want[0] ? want : "inherited");
}

static void test_layout(const struct mica_domain_config *c)
{
    const struct ctl_ring rings[CTL_RING_NR] = {
        [CTL_RING_STORE] = { MICA_SPECIAL_STORE_GFN, 3 },
        [CTL_RING_CONSOLE] = { MICA_SPECIAL_CONSOLE_GFN, 4 },
    };
    const char *vm = "/vm/4dea22b3-1d52-d8f3-2516-782e98a23fa0";
    unsigned int outside = 0, dups = 0;

    ctl_check(ctl_dom_nodes(c, DOMID, rings, collect, NULL) == 0, NULL, "the node list is made");
    expect_perms("/local/domain/7", 1, "n0 r7");
    expect_perms(vm, 1, "n0 r7");
    expect_value("/local/domain/7/name", "web");
    expect_value("/local/domain/7/domid", "7");
    expect_value("/local/domain/7/vm", vm);
    expect_value("/vm/4dea22b3-1d52-d8f3-2516-782e98a23fa0/uuid",
                 "4dea22b3-1d52-d8f3-2516-782e98a23fa0");
    expect_value("/vm/4dea22b3-1d52-d8f3-2516-782e98a23fa0/name", "web");
    expect_value("/local/domain/7/memory/static-max", "65536");
    expect_value("/local/domain/7/memory/target", "49152");
    expect_value("/local/domain/7/store/port", "3");
    expect_value("/local/domain/7/store/ring-ref", "252");
    expect_value("/local/domain/7/console/port", "4");
    expect_value("/local/domain/7/console/ring-ref", "253");
    expect_perms("/local/domain/7/console", 1, "n7");      /* the PV console writes its state */
    expect_perms("/local/domain/7/control", 1, "n7");
    expect_perms("/local/domain/7/control/shutdown", 0, "");
    expect_value("/local/domain/7/control/shutdown", "");
    expect_perms("/local/domain/7/data", 1, "n7");
    expect_perms("/local/domain/7/device", 1, "");
    expect_perms("/local/domain/7/name", 0, "");
    ctl_check(find("/local/domain/7/control/feature-poweroff") < 0, NULL,
              "control/feature-poweroff is the guest's to write, not made here");
    for (unsigned int i = 0; i < nr_nodes; i++) {
        outside += strncmp(nodes[i].path, "/local/domain/7", 15) && strncmp(nodes[i].path, vm, strlen(vm));
        for (unsigned int j = 0; j < i; j++)
            dups += !strcmp(nodes[i].path, nodes[j].path);
    }
    ctl_check(!outside, NULL, "every node lies under /local/domain/7 or %s (%u outside)", vm, outside);
    ctl_check(!dups, NULL, "no node twice (%u)", dups);
    ctl_check(nodes[0].dir && !strcmp(nodes[0].path, "/local/domain/7"), nodes[0].path,
              "the domain's directory (and its permissions) comes first");
}

/* No daemon at the socket: a message naming micastored, -ENOENT; forget is quiet. */
static void test_no_daemon(void)
{
    mica_store *s = NULL;
    int rc;

    setenv("MICA_STORE_SOCKET", "/nonexistent/mica-store.sock", 1);
    rc = ctl_store_connect(NULL, "create", "web", &s);
    ctl_check(rc == -ENOENT && s == NULL && strstr(mica_last_error(NULL), "micastored") &&
              !strncmp(mica_last_error(NULL), "create: web: the store daemon (micastored) is not "
                       "running", 54), mica_last_error(NULL),
              "no store daemon: create says micastored is not running");
    rc = mica_domain_store_forget(NULL, DOMID, NULL);
    ctl_check(rc == 0, mica_last_error(NULL), "no store daemon: forgetting a domain is quiet");
}

int main(int argc, char **argv)
{
    char kernel[4096], buf[8192];
    struct mica_domain_config *c = NULL;

    ctl_area = "ctl-domstore";
    snprintf(kernel, sizeof(kernel), "%s/files/vmlinuz", argc > 1 ? argv[1] : "tests/ctl");
    snprintf(buf, sizeof(buf), xml, kernel);
    if (!ctl_check(mica_config_parse_memory(NULL, buf, strlen(buf), "web.xml", &c) == 0,
                   mica_last_error(NULL), "the configuration parses"))
        return ctl_done();
    test_layout(c);
    test_no_daemon();
    mica_config_free(c);
    return ctl_done();
}
