// SPDX-License-Identifier: GPL-2.0-only
/*
 * libmicactl's store client (mica_store_*) against a real micastored on a
 * private socket (make check-store starts it: test_client DAEMON): every
 * call, the errors it maps, watches and the pollable fd (readable for an
 * event that came in during a request), a transaction conflict and its
 * retry over two connections, quotas, and "not running" once the daemon
 * is gone. One "PASS store-client: what" / "FAIL ..." line per check.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "micactl.h"

static int failures, passes;

static void check(bool ok, const char *what, const char *detail)
{
    if (ok) {
        printf("PASS store-client: %s\n", what);
        passes++;
    } else {
        printf("FAIL store-client: %s: %s\n", what, detail);
        failures++;
    }
}

static pid_t start_daemon(const char *daemon, const char *sock, const char *dir)
{
    pid_t pid = fork();

    if (pid == 0) {
        char log[200];

        snprintf(log, sizeof(log), "%s.log", dir);
        if (!freopen(log, "w", stderr))
            _exit(127);
        execl(daemon, daemon, "--no-domains", "--socket", sock, "--dir", dir, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100 && access(sock, F_OK); i++)
        usleep(50000);
    return pid;
}

static bool readable(mica_store *s, int ms)
{
    struct pollfd p = { .fd = mica_store_fd(s), .events = POLLIN };

    return poll(&p, 1, ms) == 1;
}

static void test_basic(mica_store *s)
{
    char *val = NULL, **names = NULL, **perms = NULL;
    const char *p2[] = { "n0", "r4" };
    size_t len = 0;
    int n;

    check(mica_store_write(s, 0, "/c/a", "va", 2) == 0 && mica_store_read(s, 0, "/c/a", &val, &len) == 0 &&
          len == 2 && !strcmp(val, "va"), "write then read", val ? val : "(none)");
    free(val);
    mica_store_write(s, 0, "/c/b", "", 0);
    mica_store_mkdir(s, 0, "/c/d");
    n = mica_store_directory(s, 0, "/c", &names);
    check(n == 3 && !strcmp(names[0], "a") && !strcmp(names[1], "b") && !strcmp(names[2], "d"),
          "directory: a block of n names", "");
    free(names);
    check(mica_store_set_perms(s, 0, "/c/a", p2, 2) == 0 &&
          (n = mica_store_get_perms(s, 0, "/c/a", &perms)) == 2 && !strcmp(perms[0], "n0") &&
          !strcmp(perms[1], "r4"), "set_perms then get_perms", "");
    free(perms);
    check(mica_store_rm(s, 0, "/c/d") == 0 && mica_store_read(s, 0, "/c/d", &val, &len) == -ENOENT,
          "rm, then read: -ENOENT", "");
    check(mica_store_write(s, 0, "/bad path", "x", 1) == -EINVAL, "a bad path: -EINVAL", "");
    for (int i = 0; i < 700; i++) {
        char p[64];

        snprintf(p, sizeof(p), "/big/a-long-child-name-%04d", i);
        mica_store_write(s, 0, p, "", 0);
    }
    names = NULL;
    n = mica_store_directory(s, 0, "/big", &names);
    check(n == 700 && !strcmp(names[0], "a-long-child-name-0000") &&
          !strcmp(names[699], "a-long-child-name-0699"),
          "directory of 700 children (16 KiB of names): all of them, in parts", "");
    free(names);
    mica_store_rm(s, 0, "/big");
}

static int always_conflict(mica_store *s, uint32_t tx, void *arg)
{
    (void)s;
    (void)tx;
    ++*(int *)arg;
    return -EAGAIN;
}

static int write_one(mica_store *s, uint32_t tx, void *arg)
{
    (void)arg;
    return mica_store_write(s, tx, "/txrun/a", "1", 1);
}

static void test_tx_helpers(mica_store *s)
{
    char *val = NULL;
    size_t len;
    int calls = 0;

    check(mica_store_tx_run(s, write_one, NULL) == 0 && mica_store_read(s, 0, "/txrun/a", &val, &len) == 0 &&
          !strcmp(val, "1"), "tx_run: fn's write committed", "");
    free(val);
    check(mica_store_tx_run(s, always_conflict, &calls) == -EAGAIN && calls == MICA_STORE_TX_TRIES,
          "tx_run: a conflict every time gives -EAGAIN after MICA_STORE_TX_TRIES tries", "");
    check(mica_store_write_present(s, "/txrun", "b", "2") == 0 &&
          mica_store_read(s, 0, "/txrun/b", &val, &len) == 0 && !strcmp(val, "2"),
          "write_present: writes under a directory that is there", "");
    free(val);
    check(mica_store_write_present(s, "/txgone", "state", "6") == -ENOENT &&
          mica_store_read(s, 0, "/txgone", &val, &len) == -ENOENT,
          "write_present: a removed directory gives -ENOENT and is not made again", "");
    mica_store_rm(s, 0, "/txrun");
}

static void test_watch(mica_store *s, mica_store *other)
{
    char *path = NULL, *token = NULL, *val;
    size_t len;
    int rc;

    check(mica_store_watch(s, "/c", "tok") == 0, "watch", "");
    rc = mica_store_read_watch(s, 1000, &path, &token);
    check(rc == 0 && !strcmp(path, "/c") && !strcmp(token, "tok"), "the watch fires once at once",
          path ? path : strerror(-rc));
    free(path);
    free(token);
    check(!readable(s, 100), "then the fd is quiet", "");
    mica_store_write(other, 0, "/c/b", "1", 1);
    check(readable(s, 2000), "a change by another client makes the fd readable", "");
    /* an event that arrives while this client waits for a reply is kept... */
    mica_store_write(other, 0, "/c/b", "2", 1);
    usleep(200000);
    mica_store_read(s, 0, "/c/a", &val, &len);
    free(val);
    rc = mica_store_read_watch(s, 0, &path, &token);
    free(path);
    free(token);
    /* ...and the fd still says so */
    check(rc == 0 && readable(s, 0) && mica_store_read_watch(s, 0, &path, &token) == 0,
          "events kept during a request keep the fd readable until read", "");
    free(path);
    free(token);
    check(mica_store_read_watch(s, 0, &path, &token) == -ETIMEDOUT && !readable(s, 0),
          "all read: -ETIMEDOUT, and the fd is quiet", "");
    check(mica_store_unwatch(s, "/c", "tok") == 0 && mica_store_unwatch(s, "/c", "tok") == -ENOENT,
          "unwatch; again: -ENOENT", "");
}

static void test_tx(mica_store *a, mica_store *b)
{
    uint32_t t1 = 0, t2 = 0;
    char *val;
    size_t len;
    int rc, tries = 0;

    mica_store_write(a, 0, "/c/n", "0", 1);
    mica_store_tx_start(a, &t1);
    mica_store_tx_start(b, &t2);
    mica_store_read(a, t1, "/c/n", &val, &len);
    free(val);
    mica_store_read(b, t2, "/c/n", &val, &len);
    free(val);
    mica_store_write(a, t1, "/c/n", "1", 1);
    mica_store_write(b, t2, "/c/n", "1", 1);
    check(t1 && t2 && mica_store_tx_end(a, t1, 1) == 0 && mica_store_tx_end(b, t2, 1) == -EAGAIN,
          "two transactions on one node: the second commit gets -EAGAIN", "");
    do {                                /* the usual retry loop */
        char v[16];

        mica_store_tx_start(b, &t2);
        mica_store_read(b, t2, "/c/n", &val, &len);
        snprintf(v, sizeof(v), "%d", atoi(val) + 1);
        free(val);
        mica_store_write(b, t2, "/c/n", v, strlen(v));
        rc = mica_store_tx_end(b, t2, 1);
    } while (rc == -EAGAIN && ++tries < 5);
    check(rc == 0 && mica_store_read(a, 0, "/c/n", &val, &len) == 0 && !strcmp(val, "2"),
          "its retry commits on the new value", "");
    free(val);
}

static void test_quota(mica_store *s, mica_store *dom)
{
    char *text = NULL;
    int rc;

    mica_store_mkdir(s, 0, "/local/domain/4");
    mica_store_set_perms(s, 0, "/local/domain/4", (const char *const[]){ "n4" }, 1);
    check(mica_store_set_quota(s, 4, "nodes", 2) == 0 && mica_store_get_quota(s, 4, &text) == 0 &&
          !strcmp(text, "nodes=1/2 watches=0/128 transactions=0/10 value=2048"),
          "set_quota then get_quota", text ? text : "(none)");
    free(text);
    check(mica_store_restrict(dom, 4) == 0, "restrict: a connection with domain 4's rights", "");
    check(mica_store_write(dom, 0, "x", "1", 1) == 0 && (rc = mica_store_write(dom, 0, "y", "1", 1)) == -EDQUOT,
          "its node quota: -EDQUOT past it", "");
    check(mica_store_write(dom, 0, "/c/a", "x", 1) == -EACCES, "it may not write dom0's node: -EACCES", "");
    check(mica_store_introduce(dom, 5, 1, 1) == -EACCES && mica_store_release(dom, 5) == -EACCES,
          "nor introduce or release", "");
    check(mica_store_introduce(s, 5, 0xfc, 1) == -ENOSYS,
          "introduce without a hypervisor: -ENOSYS", "");
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/store-client-XXXXXX", sock[128], state[160], cmd[200];
    mica_store *a, *b, *dom;
    pid_t pid;
    int st;

    if (argc != 2 || !mkdtemp(dir))
        return 2;
    snprintf(sock, sizeof(sock), "%s/store.sock", dir);
    snprintf(state, sizeof(state), "%s/state", dir);
    setenv("MICA_STORE_SOCKET", sock, 1);
    check(mica_store_open(&a) == -ENOENT &&
          strstr(mica_last_error(NULL), "the store daemon (micastored) is not running"),
          "no daemon: -ENOENT, 'the store daemon (micastored) is not running'", mica_last_error(NULL));
    pid = start_daemon(argv[1], sock, state);
    if (mica_store_open(&a) || mica_store_open(&b) || mica_store_open(&dom)) {
        check(false, "connect to the daemon", mica_last_error(NULL));
        kill(pid, SIGTERM);
        return 1;
    }
    test_basic(a);
    test_tx_helpers(a);
    test_watch(a, b);
    test_tx(a, b);
    test_quota(a, dom);
    mica_store_close(dom);
    mica_store_close(b);
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the daemon stops cleanly on SIGTERM", "");
    {
        char *val;
        size_t len;
        int rc = mica_store_read(a, 0, "/c/a", &val, &len);

        check(rc == -ECONNRESET || rc == -EPIPE, "a call after the daemon stopped: -ECONNRESET", "");
    }
    mica_store_close(a);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd))
        return 1;
    printf("%s store-client: %d checks passed, %d failed\n", failures ? "FAIL" : "PASS", passes,
           failures);
    return failures ? 1 : 0;
}
