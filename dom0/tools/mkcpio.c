/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mkcpio: write a newc cpio archive (the initramfs format) from a list,
 * without needing root for device nodes. Like the kernel's
 * usr/gen_init_cpio, reduced to what the dom0 initramfs needs:
 *
 *     dir   PATH MODE
 *     file  PATH SRC MODE
 *     nod   PATH MODE c|b MAJ MIN
 *     slink PATH TARGET
 *
 * MODE is octal permission bits; owners are root. Blank lines and lines
 * starting with '#' are skipped. A parent directory must be listed before
 * what it holds (the kernel's unpacker does not create parents). mtime is
 * $SOURCE_DATE_EPOCH, else 0, so the same list gives the same archive.
 *
 * Usage: mkcpio LIST [OUT]   (LIST "-" is stdin; OUT defaults to stdout)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DIRS 4096

static FILE *out;
static unsigned long offset;
static uint32_t next_ino = 721, mtime;
static char *dirs[MAX_DIRS];
static int ndirs;
static const char *list_name, *out_name;
static int line_no;

/* Report a bad list line and leave no half-written archive behind. */
static void die(const char *what, const char *why)
{
    fprintf(stderr, "mica: mkcpio: %s:%d: %s: %s\n", list_name, line_no, what, why);
    if (out_name)
        remove(out_name);
    exit(1);
}

static void put(const void *buf, size_t len)
{
    if (len && fwrite(buf, 1, len, out) != len) {
        fprintf(stderr, "mica: mkcpio: write: %s\n", strerror(errno));
        exit(1);
    }
    offset += len;
}

static void pad4(void)
{
    static const char zero[4];
    put(zero, (4 - offset % 4) % 4);
}

/* A newc header: "070701", then 13 fields of 8 hex digits, then the name. */
static void header(const char *name, uint32_t mode, uint32_t size,
                   uint32_t maj, uint32_t min)
{
    char hdr[111];

    snprintf(hdr, sizeof(hdr),
             "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
             next_ino++, mode, 0u, 0u, S_ISDIR(mode) ? 2u : 1u, mtime, size,
             0u, 0u, maj, min, (uint32_t)strlen(name) + 1, 0u);
    put(hdr, 110);
    put(name, strlen(name) + 1);
    pad4();
}

/* The archive name of PATH: no leading '/'. Its parent must be listed. */
static const char *entry_name(const char *path)
{
    const char *name = path + strspn(path, "/");
    const char *slash = strrchr(name, '/');

    if (!*name)
        die(path, "empty path");
    if (slash) {
        size_t len = (size_t)(slash - name);
        int i;
        for (i = 0; i < ndirs; i++)
            if (strlen(dirs[i]) == len && !strncmp(dirs[i], name, len))
                break;
        if (i == ndirs)
            die(path, "parent directory not listed before it");
    }
    return name;
}

static unsigned parse_mode(const char *s)
{
    char *end;
    unsigned long m = s ? strtoul(s, &end, 8) : 0;

    if (!s || *end || m > 07777)
        die(s ? s : "(none)", "bad mode (octal, at most 07777)");
    return (unsigned)m;
}

static void add_dir(const char *path, const char *mode)
{
    const char *name = entry_name(path);

    if (ndirs == MAX_DIRS)
        die(path, "too many directories");
    dirs[ndirs++] = strdup(name);
    header(name, S_IFDIR | parse_mode(mode), 0, 0, 0);
}

static void add_file(const char *path, const char *src, const char *mode)
{
    const char *name = entry_name(path);
    char buf[65536];
    unsigned long left;
    uint32_t size;
    struct stat st;
    FILE *in;

    if (!src || !(in = fopen(src, "rb")) || fstat(fileno(in), &st))
        die(src ? src : path, src ? strerror(errno) : "no source file");
    if (st.st_size > 0xffffffffL)
        die(src, "larger than newc's 4 GiB limit");
    size = (uint32_t)st.st_size;
    header(name, S_IFREG | parse_mode(mode), size, 0, 0);
    for (left = size; left; ) {
        size_t n = fread(buf, 1, left < sizeof(buf) ? left : sizeof(buf), in);
        if (!n)
            die(src, "read error or file changed size");
        put(buf, n);
        left -= n;
    }
    fclose(in);
    pad4();
}

static void add_nod(const char *path, const char *mode, const char *type,
                    const char *maj, const char *min)
{
    const char *name = entry_name(path);
    unsigned kind;

    if (!type || !maj || !min || strlen(type) != 1 || !strchr("cb", type[0]))
        die(path, "expected: nod PATH MODE c|b MAJOR MINOR");
    kind = type[0] == 'c' ? S_IFCHR : S_IFBLK;
    header(name, kind | parse_mode(mode), 0, (unsigned)strtoul(maj, NULL, 10),
           (unsigned)strtoul(min, NULL, 10));
}

static void add_slink(const char *path, const char *target)
{
    const char *name = entry_name(path);

    if (!target)
        die(path, "expected: slink PATH TARGET");
    header(name, S_IFLNK | 0777, (uint32_t)strlen(target), 0, 0);
    put(target, strlen(target));
    pad4();
}

static void add_line(char *line)
{
    char *w[6] = { 0 };
    int n = 0;
    char *tok = strtok(line, " \t\r\n");

    for (; tok && n < 6; tok = strtok(NULL, " \t\r\n"))
        w[n++] = tok;
    if (!n || w[0][0] == '#')
        return;
    if (!strcmp(w[0], "dir") && n == 3)
        add_dir(w[1], w[2]);
    else if (!strcmp(w[0], "file") && n == 4)
        add_file(w[1], w[2], w[3]);
    else if (!strcmp(w[0], "nod") && n == 6)
        add_nod(w[1], w[2], w[3], w[4], w[5]);
    else if (!strcmp(w[0], "slink") && n == 3)
        add_slink(w[1], w[2]);
    else
        die(w[0], "unknown entry or wrong number of words");
}

int main(int argc, char **argv)
{
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    char line[4096];
    FILE *list;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: mkcpio LIST [OUT]\n");
        return 2;
    }
    list_name = argv[1];
    list = strcmp(list_name, "-") ? fopen(list_name, "r") : stdin;
    if (!list) {
        fprintf(stderr, "mica: mkcpio: %s: %s\n", list_name, strerror(errno));
        return 1;
    }
    out_name = argc == 3 ? argv[2] : NULL;
    out = out_name ? fopen(out_name, "wb") : stdout;
    if (!out) {
        fprintf(stderr, "mica: mkcpio: %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    mtime = epoch ? (uint32_t)strtoul(epoch, NULL, 10) : 0;
    while (fgets(line, sizeof(line), list)) {
        line_no++;
        add_line(line);
    }
    header("TRAILER!!!", 0, 0, 0, 0);
    if (fflush(out) || (out != stdout && fclose(out))) {
        fprintf(stderr, "mica: mkcpio: write: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
