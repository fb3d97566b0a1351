/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libFuzzer target for the domain XML parser: any bytes given to
 * mica_config_parse_memory() are either a configuration that survives a
 * round trip through mica_config_to_xml(), or refused with one located line
 * ("NAME:LINE: element: problem"); never a crash, a leak or a second line.
 * Seeds: tests/ctl/good-xml and bad-xml. make fuzz-ctl runs it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "micactl.h"

/* The devices and store quotas survive the round trip too. */
static int same_devices(const struct mica_domain_config *a, const struct mica_domain_config *b)
{
    if (a->nr_disks != b->nr_disks || a->nr_nics != b->nr_nics ||
        a->pv_console != b->pv_console || a->store_quota.nodes != b->store_quota.nodes ||
        a->store_quota.watches != b->store_quota.watches ||
        a->store_quota.transactions != b->store_quota.transactions ||
        a->store_quota.value != b->store_quota.value)
        return 0;
    for (unsigned int i = 0; i < a->nr_disks; i++)
        if (a->disks[i].vdev != b->disks[i].vdev || a->disks[i].readonly != b->disks[i].readonly ||
            a->disks[i].type != b->disks[i].type || strcmp(a->disks[i].source, b->disks[i].source))
            return 0;
    for (unsigned int i = 0; i < a->nr_nics; i++)
        if (memcmp(a->nics[i].mac, b->nics[i].mac, 6) || strcmp(a->nics[i].bridge, b->nics[i].bridge))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_refusal(int rc)
{
    const char *msg = mica_last_error(NULL);

    if (rc != -EINVAL && rc != -ENOENT)
        abort();
    if (strncmp(msg, "fuzz.xml:", 9) || strchr(msg, '\n') || !strstr(msg, ": "))
        abort();
}

/* The devices and store quotas survive the round trip too. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mica_domain_config *c = NULL, *again = NULL;
    char *xml;
    int rc = mica_config_parse_memory(NULL, (const char *)data, size, "fuzz.xml", &c);

    if (rc) {
        if (c)
            abort();
        check_refusal(rc);
        return 0;
    }
    xml = mica_config_to_xml(c);
    if (!xml || mica_config_parse_memory(NULL, xml, strlen(xml), "fuzz.xml", &again) ||
        strcmp(c->name, again->name) || c->mem_kb != again->mem_kb ||
        c->max_mem_kb != again->max_mem_kb || c->vcpus != again->vcpus ||
        c->nr_pins != again->nr_pins || memcmp(c->uuid, again->uuid, 16) ||
        !same_devices(c, again))
        abort();
    free(xml);
    mica_config_free(again);
    mica_config_free(c);
    return 0;
}
