// SPDX-License-Identifier: GPL-2.0-only
/*
 * micanetback: the Linux bridge and the taps (the classic ioctls: bridge
 * and tun are dom0 kernel modules, loaded on first use). Everything stays
 * inside dom0: the bridge joins taps, nothing physical.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if_arp.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netback.h"

static int ctl_sock(void)
{
    static int fd = -1;

    if (fd < 0)
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    return fd;
}

static void ifr_set(struct ifreq *ifr, const char *name)
{
    memset(ifr, 0, sizeof(*ifr));
    snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
}

static int if_ioctl(unsigned long req, struct ifreq *ifr)
{
    int fd = ctl_sock();

    if (fd < 0)
        return -errno;
    return ioctl(fd, req, ifr) < 0 ? -errno : 0;
}

static int if_up(const char *name)
{
    struct ifreq ifr;
    int rc;

    ifr_set(&ifr, name);
    rc = if_ioctl(SIOCGIFFLAGS, &ifr);
    if (rc)
        return rc;
    ifr.ifr_flags |= IFF_UP;
    return if_ioctl(SIOCSIFFLAGS, &ifr);
}

static int if_set_inet(const char *name, unsigned long req, struct in_addr a)
{
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = a };
    struct ifreq ifr;

    ifr_set(&ifr, name);
    memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
    return if_ioctl(req, &ifr);
}

/* "a.b.c.d/len" on name. */
static int if_address(const char *name, const char *cidr)
{
    char addr[32];
    const char *slash = strchr(cidr, '/');
    struct in_addr a, mask;
    char *end;
    long len;
    int rc;

    if (!slash || (size_t)(slash - cidr) >= sizeof(addr))
        return -EINVAL;
    memcpy(addr, cidr, (size_t)(slash - cidr));
    addr[slash - cidr] = '\0';
    len = strtol(slash + 1, &end, 10);
    if (*end || len < 1 || len > 32 || inet_pton(AF_INET, addr, &a) != 1)
        return -EINVAL;
    mask.s_addr = htonl(len == 32 ? ~0u : ~(~0u >> len));
    rc = if_set_inet(name, SIOCSIFADDR, a);
    if (!rc)
        rc = if_set_inet(name, SIOCSIFNETMASK, mask);
    return rc;
}

int nb_bridge_ensure(const char *name, const char *cidr)
{
    int fd = ctl_sock(), rc;

    if (fd < 0)
        return -errno;
    if (!if_nametoindex(name) && ioctl(fd, SIOCBRADDBR, name) < 0 && errno != EEXIST)
        return -errno;
    if (cidr) {
        rc = if_address(name, cidr);
        if (rc)
            return rc;
    }
    return if_up(name);
}

static int tap_attach(const char *name, const char *bridge)
{
    struct ifreq ifr;
    int rc;

    /* Xen's choice: a MAC the bridge never takes as its own. */
    ifr_set(&ifr, name);
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    memset(ifr.ifr_hwaddr.sa_data, 0xff, 6);
    ifr.ifr_hwaddr.sa_data[0] = (char)0xfe;
    rc = if_ioctl(SIOCSIFHWADDR, &ifr);
    if (!rc)
        rc = nb_bridge_ensure(bridge, NULL);
    if (!rc) {
        ifr_set(&ifr, bridge);
        ifr.ifr_ifindex = (int)if_nametoindex(name);
        rc = ifr.ifr_ifindex ? if_ioctl(SIOCBRADDIF, &ifr) : -ENODEV;
    }
    if (!rc)
        rc = if_up(name);
    return rc;
}

/* A non-blocking tap named name on bridge: the fd, or -errno. */
int nb_tap_open(const char *name, const char *bridge)
{
    struct ifreq ifr;
    int fd, rc;

    fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ifr_set(&ifr, name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    rc = tap_attach(name, bridge);
    if (rc) {
        close(fd);
        return rc;
    }
    return fd;
}

/* Closing the last fd of a non-persistent tap removes it (and its port). */
void nb_tap_close(int fd, const char *name)
{
    (void)name;
    if (fd >= 0)
        close(fd);
}
