// SPDX-License-Identifier: GPL-2.0-only
/*
 * Hot-plug of PV devices on a running domU (docs/toolstack.md): Xen xl's
 * block-attach|block-detach|block-list and network-attach|network-detach|
 * network-list, through libmicactl's mica_device_* (the store layout is
 * public/io/bus.h). The arguments' syntax is checked before the
 * hypervisor is opened.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mica.h"

static const char *const bus_states[] = {
    "Unknown", "Initialising", "InitWait", "Initialised", "Connected", "Closing", "Closed",
    "Reconfiguring", "Reconfigured",
};

static const char *state_text(int s)
{
    return s >= 0 && (size_t)s < sizeof(bus_states) / sizeof(bus_states[0]) ? bus_states[s] : "-";
}

/* [ro|rw]: 1 for read-only, 0 for read-write, -1 for anything else. */
static int mode_arg(const struct invocation *inv)
{
    const char *m = inv->nargs > 3 ? inv->args[3] : "rw";

    if (!strcmp(m, "rw") || !strcmp(m, "w"))
        return 0;
    if (!strcmp(m, "ro") || !strcmp(m, "r"))
        return 1;
    return -1;
}

int check_block_attach(const struct invocation *inv)
{
    char buf[160];
    unsigned int vdev;
    const char *why = mica_disk_target_problem(inv->args[2], &vdev, buf, sizeof(buf));

    if (!inv->args[1][0])
        return usage_error(inv->spec, "the source is empty");
    if (why)
        return usage_error(inv->spec, "%s: bad target: %s", inv->args[2], why);
    if (mode_arg(inv) < 0)
        return usage_error(inv->spec, "%s: bad mode: ro or rw", inv->args[3]);
    return 0;
}

int cmd_block_attach(struct invocation *inv)
{
    struct mica_disk_config d = { .source = inv->args[1], .readonly = mode_arg(inv) };
    struct stat st;
    uint32_t domid;
    int rc;

    snprintf(d.target, sizeof(d.target), "%s", inv->args[2]);
    if (stat(d.source, &st)) {
        fail(inv->spec->name, "%s: %s", d.source, strerror(errno));
        return EXIT_FAILURE;
    }
    d.type = S_ISBLK(st.st_mode) ? MICA_DISK_BLOCK : MICA_DISK_FILE;
    if (domain_arg(inv, inv->args[0], &domid) < 0)
        return EXIT_FAILURE;
    rc = mica_device_add_disk(inv->ctx, domid, &d);
    return rc < 0 ? fail_rc(inv, inv->args[0], rc) : 0;
}

static unsigned int force_flag(const struct invocation *inv)
{
    return opt(inv, "force") ? MICA_DEVICE_FORCE : 0;
}

int check_block_detach(const struct invocation *inv)
{
    char buf[160];
    unsigned int vdev;
    const char *why = mica_disk_target_problem(inv->args[1], &vdev, buf, sizeof(buf));

    return why ? usage_error(inv->spec, "%s: bad target: %s", inv->args[1], why) : 0;
}

int cmd_block_detach(struct invocation *inv)
{
    uint32_t domid;
    int rc;

    if (domain_arg(inv, inv->args[0], &domid) < 0)
        return EXIT_FAILURE;
    rc = mica_device_remove_disk(inv->ctx, domid, inv->args[1], force_flag(inv));
    return rc < 0 ? fail_rc(inv, inv->args[0], rc) : 0;
}

int cmd_block_list(struct invocation *inv)
{
    struct mica_device_info *l;
    uint32_t domid;
    int n;

    if (domain_arg(inv, inv->args[0], &domid) < 0)
        return EXIT_FAILURE;
    n = mica_device_list(inv->ctx, domid, MICA_DEVICE_VBD, &l);
    if (n < 0)
        return fail_rc(inv, inv->args[0], n);
    printf("%-7s %-10s %-3s %-4s %-4s %-13s %-13s %s\n", "Target", "Vdev", "BE", "Mode", "Type",
           "FE-state", "BE-state", "Source");
    for (int i = 0; i < n; i++)
        printf("%-7s %-10u %-3" PRIu32 " %-4s %-4s %-13s %-13s %s\n", l[i].target[0] ?
               l[i].target : "-", l[i].devid, l[i].backend_id, l[i].mode[0] ? l[i].mode : "-",
               l[i].type[0] ? l[i].type : "-", state_text(l[i].fe_state),
               state_text(l[i].be_state), l[i].source[0] ? l[i].source : "-");
    free(l);
    return 0;
}

/* bridge=NAME and mac=MAC, each at most once, into n; 0 or the message. */
static int nic_args(const struct invocation *inv, struct mica_nic_config *n, char *why,
                    size_t len)
{
    bool bridge = false, mac = false;
    char buf[160];
    const char *p;

    for (int i = 1; i < inv->nargs; i++) {
        const char *a = inv->args[i];

        if (!strncmp(a, "bridge=", 7) && !bridge) {
            bridge = true;
            p = mica_bridge_problem(a + 7, buf, sizeof(buf));
            if (!p)
                snprintf(n->bridge, sizeof(n->bridge), "%s", a + 7);
        } else if (!strncmp(a, "mac=", 4) && !mac) {
            mac = true;
            p = mica_mac_problem(a + 4, n->mac, buf, sizeof(buf));
        } else {
            p = !strncmp(a, "bridge=", 7) || !strncmp(a, "mac=", 4) ? "given twice" :
                "not bridge=NAME or mac=MAC";
        }
        if (p) {
            snprintf(why, len, "%s: %s", a, p);
            return -EINVAL;
        }
    }
    return 0;
}

int check_network_attach(const struct invocation *inv)
{
    struct mica_nic_config n = { .devid = MICA_DEVID_AUTO };
    char why[256];

    return nic_args(inv, &n, why, sizeof(why)) ? usage_error(inv->spec, "%s", why) : 0;
}

static void print_mac(const uint8_t m[6])
{
    printf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

int cmd_network_attach(struct invocation *inv)
{
    struct mica_nic_config n = { .devid = MICA_DEVID_AUTO };
    char why[256];
    uint32_t domid;
    int rc;

    nic_args(inv, &n, why, sizeof(why));        /* checked by check_network_attach */
    if (domain_arg(inv, inv->args[0], &domid) < 0)
        return EXIT_FAILURE;
    rc = mica_device_add_nic(inv->ctx, domid, &n);
    if (rc < 0)
        return fail_rc(inv, inv->args[0], rc);
    printf("vif %u: ", n.devid);
    print_mac(n.mac);
    printf(" on %s\n", n.bridge);
    return 0;
}

/* DEVID (a number) or MAC. */
int check_network_detach(const struct invocation *inv)
{
    const char *a = inv->args[1];
    unsigned long long id;
    uint8_t mac[6];
    char buf[160];

    if (!parse_uint(a, UINT32_MAX, &id) || !mica_mac_problem(a, mac, buf, sizeof(buf)))
        return 0;
    return usage_error(inv->spec, "%s: not a vif id or a MAC address", a);
}

int cmd_network_detach(struct invocation *inv)
{
    uint32_t domid;
    int rc;

    if (domain_arg(inv, inv->args[0], &domid) < 0)
        return EXIT_FAILURE;
    rc = mica_device_remove_nic(inv->ctx, domid, inv->args[1], force_flag(inv));
    return rc < 0 ? fail_rc(inv, inv->args[0], rc) : 0;
}

int cmd_network_list(struct invocation *inv)
{
    struct mica_device_info *l;
    uint32_t domid;
    int n;

    if (domain_arg(inv, inv->args[0], &domid) < 0)
        return EXIT_FAILURE;
    n = mica_device_list(inv->ctx, domid, MICA_DEVICE_VIF, &l);
    if (n < 0)
        return fail_rc(inv, inv->args[0], n);
    printf("%-4s %-3s %-17s %-15s %-13s %s\n", "Idx", "BE", "Mac-Addr", "Bridge", "FE-state",
           "BE-state");
    for (int i = 0; i < n; i++)
        printf("%-4u %-3" PRIu32 " %-17s %-15s %-13s %s\n", l[i].devid, l[i].backend_id,
               l[i].mac[0] ? l[i].mac : "-", l[i].bridge[0] ? l[i].bridge : "-",
               state_text(l[i].fe_state), state_text(l[i].be_state));
    free(l);
    return 0;
}
