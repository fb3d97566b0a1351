// SPDX-License-Identifier: GPL-2.0-only
/*
 * Console logs: each domU's console ring, followed from offset 0 (the
 * oldest byte the ring keeps), appended to LOG_DIR/NAME.log. A restarted
 * domain (same name, new id) goes on in the same file; micad's own notes
 * are lines starting "[micad]".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "micad.h"

#define CHUNK 16384
#define LOG_MODE 0640

/* NAME.log with '/' and a leading '.' made harmless: a name is any printable ASCII. */
static void log_path(const struct micad *m, const char *name, char *buf, size_t len)
{
    char safe[MICA_NAME_MAX + 1];
    size_t i;

    for (i = 0; name[i] && i < MICA_NAME_MAX; i++)
        safe[i] = (name[i] == '/' || (i == 0 && name[i] == '.')) ? '_' : name[i];
    safe[i] = '\0';
    snprintf(buf, len, "%s/%s.log", m->log_dir, i ? safe : "_");
}

void log_write(struct watched *w, const char *p, size_t n)
{
    while (n && w->log_fd >= 0) {
        ssize_t r = write(w->log_fd, p, n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            micad_log("%s (id %" PRIu32 "): console log: %s; no longer logged", w->name,
                      w->domid, strerror(errno));
            log_close(w);
            return;
        }
        w->at_line_start = p[r - 1] == '\n';
        p += r;
        n -= (size_t)r;
    }
}

/* Whether the file ends with a newline, so a note starts on a line of its own. */
static bool ends_line(int fd)
{
    struct stat st;
    char last;

    if (fstat(fd, &st) < 0 || st.st_size == 0)
        return true;
    return pread(fd, &last, 1, st.st_size - 1) == 1 && last == '\n';
}

void log_note(struct watched *w, const char *fmt, ...)
{
    char line[512];
    int n = snprintf(line, sizeof(line), "%s[micad] ", w->at_line_start ? "" : "\n");
    va_list ap;

    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    log_write(w, line, (size_t)n);
}

int log_open(struct micad *m, struct watched *w)
{
    char path[512];
    char when[32];
    time_t t = time(NULL);

    log_path(m, w->name, path, sizeof(path));
    w->log_fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, LOG_MODE);
    if (w->log_fd < 0) {
        int rc = -errno;

        micad_log("%s (id %" PRIu32 "): %s: %s; its console is not logged", w->name, w->domid,
                  path, strerror(-rc));
        return rc;
    }
    w->at_line_start = ends_line(w->log_fd);
    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", localtime(&t));
    log_note(w, "%s: domain %s (id %" PRIu32 ") console", when, w->name, w->domid);
    return 0;
}

void log_close(struct watched *w)
{
    if (w->log_fd >= 0)
        close(w->log_fd);
    w->log_fd = -1;
}

/* Copy what the ring holds past our offset; true if anything came. */
bool log_follow(struct micad *m, struct watched *w)
{
    char buf[CHUNK];
    uint64_t lost = 0;
    bool got = false;
    ssize_t n;

    while ((n = mica_console_read(m->ctx, w->domid, &w->offset, buf, sizeof(buf), &lost)) > 0) {
        if (lost)
            log_note(w, "%" PRIu64 " bytes were overwritten before they could be logged", lost);
        log_write(w, buf, (size_t)n);
        got = true;
    }
    if (n < 0 && n != -ESRCH && !w->read_failed)       /* once, not every poll */
        micad_log("%s (id %" PRIu32 "): console: %s", w->name, w->domid, strerror((int)-n));
    w->read_failed = n < 0;
    return got;
}
