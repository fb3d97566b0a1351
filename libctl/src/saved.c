/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Configurations saved at create, MICA_RUN_DIR/UUID.xml (keyed by UUID, so
 * a rename or a restart keeps it): read for restart and `list -l`, removed
 * by destroy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid.h>
#include "priv.h"

void ctl_saved_path(const uint8_t uuid[16], char *buf, size_t len)
{
    char u[MICA_UUID_STR_LEN];

    uuid_unparse_lower(uuid, u);
    snprintf(buf, len, "%s/%s.xml", ctl_run_dir(), u);
}

int mica_domain_saved_config(mica_ctx *ctx, uint32_t domid, struct mica_domain_config **out)
{
    struct mica_dominfo info;
    char path[4096];
    int rc;

    *out = NULL;
    rc = mica_domain_info(ctx, domid, &info);
    if (rc)
        return rc;
    ctl_saved_path(info.uuid, path, sizeof(path));
    rc = mica_config_parse_file(ctx, path, out);
    if (rc == -ENOENT)
        return ctl_fail(ctx, rc, "domain %u has no saved configuration (%s)", domid, path);
    return rc;
}

/* Written to a temporary file and renamed over, so a reader never sees half. */
int ctl_save_config(mica_ctx *ctx, const struct mica_domain_config *c)
{
    char path[4096], tmp[4200];
    char *xml = mica_config_to_xml(c);
    size_t len;
    FILE *f;
    int rc = 0;

    if (!xml)
        return ctl_fail(ctx, -ENOMEM, "save: out of memory");
    ctl_saved_path(c->uuid, path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (mkdir(ctl_run_dir(), 0700) && errno != EEXIST) {
        rc = -errno;
        goto out;
    }
    f = fopen(tmp, "w");
    if (!f) {
        rc = -errno;
        goto out;
    }
    len = strlen(xml);
    if (fwrite(xml, 1, len, f) != len)
        rc = -EIO;
    if (fclose(f) && !rc)
        rc = -errno;
    if (!rc && rename(tmp, path))
        rc = -errno;
    if (rc)
        unlink(tmp);
out:
    free(xml);
    if (rc)
        return ctl_fail(ctx, rc, "save: %s: %s", path, strerror(-rc));
    return 0;
}
