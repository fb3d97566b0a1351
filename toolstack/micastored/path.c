// SPDX-License-Identifier: GPL-2.0-only
/*
 * Paths: absolute ("/local/domain/3/device"), or relative to the client's
 * own /local/domain/<domid> (as Xen's). Components are 1..NAME_MAX-1 of
 * A-Z a-z 0-9 - _ @ (Xen's set); no empty component, no trailing '/'.
 * "@introduceDomain" and "@releaseDomain" name the special watches only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store.h"

static bool good_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '@';
}

void domain_path(uint32_t domid, char *buf, size_t len)
{
    snprintf(buf, len, MICA_STORE_DOMAIN_PATH_FMT, domid);
}

bool path_is_special(const char *p)
{
    return !strcmp(p, "@introduceDomain") || !strcmp(p, "@releaseDomain");
}

/* Check an absolute path's components. */
static int check_abs(const char *p)
{
    size_t comp = 0;

    if (p[0] != '/')
        return -EINVAL;
    if (!p[1])
        return 0;                       /* the root */
    for (const char *q = p + 1; ; q++) {
        if (*q == '/' || !*q) {
            if (comp == 0 || comp >= MICA_STORE_NAME_MAX)
                return -EINVAL;         /* "//", trailing '/', overlong name */
            if (!*q)
                return 0;
            comp = 0;
            continue;
        }
        if (!good_char(*q))
            return -EINVAL;
        comp++;
    }
}

int path_canon(uint32_t domid, const char *in, char *out, size_t len)
{
    size_t n;

    if (!in[0])
        return -EINVAL;
    if (in[0] == '/') {
        n = snprintf(out, len, "%s", in);
    } else {
        char dp[32];

        domain_path(domid, dp, sizeof(dp));
        n = snprintf(out, len, "%s/%s", dp, in);
    }
    if (n >= len || n >= MICA_STORE_PATH_MAX)
        return -EINVAL;
    return check_abs(out);
}

bool path_under(const char *p, const char *top)
{
    size_t n = strlen(top);

    if (!strcmp(top, "/"))
        return p[0] == '/';
    return !strncmp(p, top, n) && (p[n] == '\0' || p[n] == '/');
}
