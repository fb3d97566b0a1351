/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PV devices in the store (libctl/src/devices.c, device_api.c) against a
 * real micastored on the host (--no-domains, a socket in a temporary
 * directory): the two directories' paths, owners, readers and keys
 * (public/io/bus.h), a second attach refused, Xen's removal with a
 * backend that closes (a thread standing in for it), one that does not
 * (the timeout), --force, the list, and destroy's forget. Run from
 * `make check-ctl` with the daemon's path as argument (CTL_STORED).
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <public/io/bus.h>
#include "micactl.h"
#include "ctl_check.h"
#include "devices.h"

#define FE_DOM 7u
#define BE_VBD "/local/domain/0/backend/vbd/7/51728"
#define FE_VBD "/local/domain/7/device/vbd/51728"
#define BE_VIF "/local/domain/0/backend/vif/7/0"
#define FE_VIF "/local/domain/7/device/vif/0"

static char dir[] = "/tmp/mica-devtest-XXXXXX", sock[256], image[512];
static pid_t stored;

static int start_store(const char *prog)
{
    char data[300];

    if (!mkdtemp(dir))
        return -errno;
    snprintf(sock, sizeof(sock), "%s/store.sock", dir);
    snprintf(data, sizeof(data), "%s/data", dir);
    setenv("MICA_STORE_SOCKET", sock, 1);
    stored = fork();
    if (stored == 0) {
        execl(prog, prog, "--no-domains", "--socket", sock, "--dir", data, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) {             /* up to 5 s for its socket */
        mica_store *s;

        if (!mica_store_open(&s)) {
            mica_store_close(s);
            return 0;
        }
        usleep(50000);
    }
    return -ETIMEDOUT;
}

static void stop_store(void)
{
    char cmd[400];

    if (stored > 0) {
        kill(stored, SIGTERM);
        waitpid(stored, NULL, 0);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd))
        fprintf(stderr, "could not remove %s\n", dir);
}

/* PATH's value equals want. */
static void check_key(mica_store *s, const char *path, const char *want)
{
    char *val = NULL;
    size_t len;
    int rc = mica_store_read(s, 0, path, &val, &len);

    ctl_check(rc == 0 && !strcmp(val, want), rc ? strerror(-rc) : val, "%s = \"%s\"", path, want);
    free(val);
}

static void check_perms(mica_store *s, const char *path, const char *owner, const char *reader)
{
    char **p = NULL, got[64];
    int n = mica_store_get_perms(s, 0, path, &p);

    snprintf(got, sizeof(got), "%d: %s %s", n, n > 0 ? p[0] : "-", n > 1 ? p[1] : "-");
    ctl_check(n == 2 && !strcmp(p[0], owner) && !strcmp(p[1], reader), got,
              "%s: perms %s %s", path, owner, reader);
    free(p);
}

static bool gone(mica_store *s, const char *path)
{
    char **names = NULL;
    int n = mica_store_directory(s, 0, path, &names);

    free(names);
    return n == -ENOENT;
}

static void check_disk(mica_store *s)
{
    struct mica_disk_config d = { .type = MICA_DISK_FILE, .source = image, .vdev = 51728,
                                  .readonly = 1 };
    int rc;

    snprintf(d.target, sizeof(d.target), "xvdb");
    rc = ctl_device_add_disk(NULL, s, FE_DOM, &d);
    if (!ctl_check(rc == 0, mica_last_error(NULL), "vbd: xvdb of domain 7 written"))
        return;
    check_perms(s, FE_VBD, "n7", "r0");
    check_perms(s, BE_VBD, "n0", "r7");
    check_perms(s, FE_VBD "/state", "n7", "r0");
    check_key(s, FE_VBD "/backend", BE_VBD);
    check_key(s, FE_VBD "/backend-id", "0");
    check_key(s, FE_VBD "/state", "1");
    check_key(s, FE_VBD "/virtual-device", "51728");
    check_key(s, BE_VBD "/frontend", FE_VBD);
    check_key(s, BE_VBD "/frontend-id", "7");
    check_key(s, BE_VBD "/state", "1");
    check_key(s, BE_VBD "/online", "1");
    check_key(s, BE_VBD "/params", image);
    check_key(s, BE_VBD "/mode", "r");
    check_key(s, BE_VBD "/type", "file");
    check_key(s, BE_VBD "/device-type", "disk");
    check_key(s, BE_VBD "/dev", "xvdb");
    rc = ctl_device_add_disk(NULL, s, FE_DOM, &d);
    ctl_check(rc == -EEXIST && strstr(mica_last_error(NULL), "attached already"),
              mica_last_error(NULL), "vbd: a second xvdb is refused: %s", mica_last_error(NULL));
}

static void check_nic(mica_store *s)
{
    struct mica_nic_config n = { .bridge = "br9", .mac = { 0, 0x16, 0x3e, 1, 2, 3 } };
    int rc = ctl_device_add_nic(NULL, s, FE_DOM, &n);

    if (!ctl_check(rc == 0, mica_last_error(NULL), "vif: 0 of domain 7 written"))
        return;
    check_perms(s, FE_VIF, "n7", "r0");
    check_perms(s, BE_VIF, "n0", "r7");
    check_key(s, FE_VIF "/backend", BE_VIF);
    check_key(s, FE_VIF "/handle", "0");
    check_key(s, FE_VIF "/mac", "00:16:3e:01:02:03");
    check_key(s, BE_VIF "/frontend-id", "7");
    check_key(s, BE_VIF "/bridge", "br9");
    check_key(s, BE_VIF "/mac", "00:16:3e:01:02:03");
    check_key(s, BE_VIF "/handle", "0");
    check_key(s, BE_VIF "/state", "1");
}

static void check_list(void)
{
    struct mica_device_info *l = NULL;
    int n = mica_device_list(NULL, FE_DOM, MICA_DEVICE_VBD, &l);

    ctl_check(n == 1 && l[0].devid == 51728 && !strcmp(l[0].target, "xvdb") &&
              !strcmp(l[0].mode, "r") && l[0].fe_state == 1 && l[0].be_state == 1,
              mica_last_error(NULL), "list: domain 7 has xvdb (51712+16), ro, both Initialising");
    free(l);
    n = mica_device_list(NULL, FE_DOM, MICA_DEVICE_VIF, &l);
    ctl_check(n == 1 && l[0].devid == 0 && !strcmp(l[0].mac, "00:16:3e:01:02:03") &&
              !strcmp(l[0].bridge, "br9"), mica_last_error(NULL), "list: domain 7 has vif 0");
    free(l);
}

/* A backend that closes: once its state says Closing, Closed (and the frontend too). */
static void *closing_backend(void *arg)
{
    mica_store *s;
    char *path = NULL, *token = NULL;

    (void)arg;
    if (mica_store_open(&s))
        return NULL;
    mica_store_watch(s, BE_VIF "/state", "be");
    for (int i = 0; i < 50; i++) {
        char *v = NULL;
        size_t len;

        if (!mica_store_read(s, 0, BE_VIF "/state", &v, &len) && !strcmp(v, "5")) {
            free(v);
            mica_store_write(s, 0, FE_VIF "/state", "6", 1);
            mica_store_write(s, 0, BE_VIF "/state", "6", 1);
            break;
        }
        free(v);
        mica_store_read_watch(s, 200, &path, &token);
        free(path);
        free(token);
        path = token = NULL;
    }
    mica_store_close(s);
    return NULL;
}

static void check_remove(mica_store *s)
{
    char msg[512];
    pthread_t t;
    int rc;

    setenv("MICA_DEVICE_TIMEOUT_MS", "1500", 1);
    mica_store_write(s, 0, FE_VBD "/state", "4", 1);        /* a connected guest that holds on */
    rc = mica_device_remove_disk(NULL, FE_DOM, "xvdb", 0);
    snprintf(msg, sizeof(msg), "%s", mica_last_error(NULL));  /* store calls clear it */
    ctl_check(rc == -ETIMEDOUT && strstr(msg, "did not release it") && !gone(s, BE_VBD), msg,
              "remove: a guest that does not let go times out, the disk stays: %s", msg);
    check_key(s, BE_VBD "/online", "0");
    check_key(s, BE_VBD "/state", "5");
    rc = mica_device_remove_disk(NULL, FE_DOM, "xvdb", MICA_DEVICE_FORCE);
    ctl_check(rc == 0 && gone(s, BE_VBD) && gone(s, FE_VBD), mica_last_error(NULL),
              "remove: --force removes both directories at once");
    rc = mica_device_remove_disk(NULL, FE_DOM, "xvdb", MICA_DEVICE_FORCE);
    snprintf(msg, sizeof(msg), "%s", mica_last_error(NULL));
    ctl_check(rc == -ENODEV && strstr(msg, "no block xvdb"), msg, "remove: xvdb again: %s", msg);

    pthread_create(&t, NULL, closing_backend, NULL);
    rc = mica_device_remove_nic(NULL, FE_DOM, "00:16:3E:01:02:03", 0);
    pthread_join(t, NULL);
    ctl_check(rc == 0 && gone(s, BE_VIF) && gone(s, FE_VIF), mica_last_error(NULL),
              "remove: vif 0 by MAC, once both sides are Closed, both directories go");
}

static void check_forget(mica_store *s)
{
    struct mica_disk_config d = { .type = MICA_DISK_FILE, .source = image, .vdev = 51728 };
    struct mica_nic_config n = { .bridge = "mica0", .mac = { 0, 0x16, 0x3e, 4, 5, 6 } };

    snprintf(d.target, sizeof(d.target), "xvdb");
    ctl_device_add_disk(NULL, s, FE_DOM, &d);
    ctl_device_add_nic(NULL, s, FE_DOM, &n);
    ctl_devices_forget(NULL, FE_DOM);
    ctl_check(gone(s, "/local/domain/0/backend/vbd/7") && gone(s, "/local/domain/0/backend/vif/7")
              && gone(s, FE_VBD) && gone(s, FE_VIF), "left",
              "destroy: every device of domain 7 goes, and its backend directories");
}

int main(int argc, char **argv)
{
    mica_store *s;
    int rc;

    ctl_area = "ctl-devices";
    if (argc < 3) {
        fprintf(stderr, "usage: %s MICASTORED DISK_IMAGE\n", argv[0]);
        return 2;
    }
    if (!realpath(argv[2], image))
        return ctl_check(false, strerror(errno), "the image %s", argv[2]), ctl_done();
    rc = start_store(argv[1]);
    if (!ctl_check(rc == 0 && !mica_store_open(&s), strerror(-rc), "micastored runs on the host"))
        goto out;
    check_disk(s);
    check_nic(s);
    check_list();
    check_remove(s);
    check_forget(s);
    mica_store_close(s);
out:
    stop_store();
    return ctl_done();
}
