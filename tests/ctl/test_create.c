/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mica_domain_create's checks against the host (ctl_check_host), which run
 * before anything is created, with a host and a domain list given here
 * instead of read from the hypervisor: each refusal names the file, the
 * line and the element.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid.h>
#include "build.h"
#include "ctl_check.h"

static const char *const base =
    "<domain type='mica'>\n"                                    /* 1 */
    "  <name>%s</name>\n"                                       /* 2 */
    "  <uuid>%s</uuid>\n"                                       /* 3 */
    "  <memory unit='MiB'>%s</memory>\n"                        /* 4 */
    "  %s\n"                                                    /* 5: currentMemory or nothing */
    "  <vcpu>2</vcpu>\n"                                        /* 6 */
    "  <os><kernel>%s</kernel></os>\n"                          /* 7 */
    "  <cputune>\n"                                             /* 8 */
    "    <vcpupin vcpu='1' cpuset='%s'/>\n"                     /* 9 */
    "    <quota>%s</quota>\n"                                   /* 10 */
    "  </cputune>\n"
    "</domain>\n";

#define UUID_WEB   "4dea22b3-1d52-d8f3-2516-782e98a23fa0"
#define UUID_NEW   "4dea22b3-1d52-d8f3-2516-782e98a23fa1"

static char kernel[4096];
static struct mica_dominfo doms[2];
static const struct mica_hostinfo host = { .nr_cpus = 2, .free_kb = 200 * 1024 };

static void check(const char *name, const char *uuid, const char *mem, const char *cur,
                  const char *cpuset, const char *quota, int want_rc, const char *want,
                  const char *what)
{
    char xml[8192];
    struct mica_domain_config *c = NULL;
    int rc;

    snprintf(xml, sizeof(xml), base, name, uuid, mem, cur, kernel, cpuset, quota);
    rc = mica_config_parse_memory(NULL, xml, strlen(xml), "create.xml", &c);
    if (!ctl_check(rc == 0, mica_last_error(NULL), "%s: the configuration parses", what))
        return;
    rc = ctl_check_host(NULL, c, &host, doms, 2);
    ctl_check(rc == want_rc && (want ? !strcmp(mica_last_error(NULL), want) : rc == 0),
              mica_last_error(NULL), "%s%s%s", what, want ? ": " : "", want ? want : "");
    mica_config_free(c);
}

int main(int argc, char **argv)
{
    ctl_area = "ctl-create";
    snprintf(kernel, sizeof(kernel), "%s/files/vmlinuz", argc > 1 ? argv[1] : "tests/ctl");
    doms[0] = (struct mica_dominfo){ .domid = 0, .name = "dom0", .privileged = 1 };
    doms[1] = (struct mica_dominfo){ .domid = 3, .name = "web" };
    uuid_parse(UUID_WEB, doms[1].uuid);

    check("new", UUID_NEW, "128", "", "0-1", "-1", 0, NULL,
          "a domain that fits is accepted");
    check("web", UUID_NEW, "128", "", "0", "-1", -EEXIST,
          "create.xml:2: name: a domain named web exists already (id 3)",
          "a name in use");
    check("new", UUID_WEB, "128", "", "0", "-1", -EEXIST,
          "create.xml:3: uuid: " UUID_WEB " is domain 3's (web)", "a UUID in use");
    check("new", UUID_NEW, "256", "", "0", "-1", -ENOMEM,
          "create.xml:4: memory: 262144 KiB (and about 2048 KiB of the hypervisor's own "
          "tables for it) is more than the hypervisor has free (204800 KiB)",
          "more memory than is free");
    check("new", UUID_NEW, "256", "<currentMemory unit='MiB'>128</currentMemory>", "0", "-1", 0,
          NULL, "a large <memory> with a <currentMemory> that fits is accepted");
    check("new", UUID_NEW, "512", "<currentMemory unit='MiB'>256</currentMemory>", "0", "-1",
          -ENOMEM, "create.xml:5: currentMemory: 262144 KiB (and about 2048 KiB of the hypervisor's "
          "own tables for it) is more than the hypervisor has free (204800 KiB)",
          "the check is on <currentMemory>, located there");
    check("new", UUID_NEW, "128", "", "0,3", "-1", -EINVAL,
          "create.xml:9: vcpupin: CPU 3 is not online (the host has 2: 0-1)",
          "a pin to a CPU the host does not have");
    check("new", UUID_NEW, "128", "", "0", "300000", -EINVAL,
          "create.xml:10: quota: 300% of a CPU is more than the host's 2 CPUs",
          "a cap above 100% per host CPU");
    return ctl_done();
}
