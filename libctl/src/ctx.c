/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The library handle, its error messages, and small file helpers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <mica/privcmd.h>
#include "priv.h"

static __thread char thread_err[CTL_ERR_LEN];

static char *err_buf(mica_ctx *ctx)
{
    return ctx ? ctx->err : thread_err;
}

/* Always one line: control characters (libxml2's messages end lines, values may hold them) become spaces. */
static void one_line(char *s)
{
    size_t len = strlen(s);

    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            s[i] = ' ';
    while (len && s[len - 1] == ' ')
        s[--len] = '\0';
}

int ctl_fail(mica_ctx *ctx, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err_buf(ctx), CTL_ERR_LEN, fmt, ap);
    va_end(ap);
    one_line(err_buf(ctx));
    if (ctx)                                    /* also for mica_last_error(NULL) */
        snprintf(thread_err, sizeof(thread_err), "%s", ctx->err);
    return rc;
}

void ctl_clear_error(mica_ctx *ctx)
{
    err_buf(ctx)[0] = '\0';
}

const char *mica_last_error(const mica_ctx *ctx)
{
    return ctx ? ctx->err : thread_err;
}

int mica_open(mica_ctx **out)
{
    mica_ctx *ctx = calloc(1, sizeof(*ctx));
    int rc;

    *out = NULL;
    if (!ctx)
        return ctl_fail(NULL, -ENOMEM, "out of memory");
    ctx->privcmd = open(MICA_PRIVCMD_PATH, O_RDWR | O_CLOEXEC);
    if (ctx->privcmd < 0) {
        rc = -errno;
        free(ctx);
        if (rc == -ENOENT)
            return ctl_fail(NULL, rc, "%s: no such device (is Mica's dom0 driver loaded?)",
                            MICA_PRIVCMD_PATH);
        if (rc == -EACCES || rc == -EPERM)
            return ctl_fail(NULL, -EACCES, "%s: permission denied (only root may control Mica)",
                            MICA_PRIVCMD_PATH);
        return ctl_fail(NULL, rc, "%s: %s", MICA_PRIVCMD_PATH, strerror(-rc));
    }
    *out = ctx;
    return 0;
}

void mica_close(mica_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->privcmd >= 0)
        close(ctx->privcmd);
    free(ctx);
}

int ctl_read_file(const char *path, void **data, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
    struct stat st;
    uint8_t *buf = NULL;
    size_t got = 0;

    if (fd < 0)
        return -errno;
    if (fstat(fd, &st)) {
        rc = -errno;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        rc = -ENOMEM;
        goto out;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

        if (n <= 0) {
            rc = n ? -errno : -EIO;
            goto out;
        }
        got += (size_t)n;
    }
    buf[got] = '\0';                            /* text files may be used as strings */
out:
    close(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    *data = buf;
    *size = got;
    return 0;
}

static const char *env_or(const char *var, const char *dflt)
{
    const char *v = getenv(var);

    return v && *v ? v : dflt;
}

const char *ctl_run_dir(void)
{
    return env_or("MICA_RUN_DIR", MICA_RUN_DIR);
}

const char *ctl_schema_dir(void)
{
    return env_or("MICA_SCHEMA_DIR", MICA_SCHEMA_DIR);
}

int ctl_config_fail(mica_ctx *ctx, const struct mica_domain_config *c,
                    unsigned int line, const char *element, int rc,
                    const char *fmt, ...)
{
    char msg[CTL_ERR_LEN];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return ctl_fail(ctx, rc, "%s:%u: %s: %s", c->path ? c->path : c->name, line, element, msg);
}
