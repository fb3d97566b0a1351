// SPDX-License-Identifier: GPL-2.0-only
/*
 * The verbs that act on one domain: create, destroy, pause, unpause,
 * rename, mem-max, and the name <-> id conversions domid and domname.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mica.h"

static int create_dry_run(struct invocation *inv, struct mica_domain_config *cfg, const char *file)
{
    uint32_t domid;
    char *xml;
    int rc = mica_domain_create(inv->ctx, cfg, MICA_CREATE_DRY_RUN, &domid);

    if (rc < 0)
        return fail_rc(inv, file, rc);
    xml = mica_config_to_xml(cfg);
    if (!xml) {
        fail(inv->spec->name, "%s: cannot print the configuration: %s", file, strerror(ENOMEM));
        return EXIT_FAILURE;
    }
    fputs(xml, stdout);
    free(xml);
    fprintf(stderr, "mica: create: %s: valid, nothing created (dry run)\n", file);
    return 0;
}

static int create_and_attach(struct invocation *inv, struct mica_domain_config *cfg,
                             const char *file, bool attach)
{
    char uuid[MICA_UUID_STR_LEN];
    uint32_t domid;
    int rc = mica_domain_create(inv->ctx, cfg, attach ? MICA_CREATE_PAUSED : 0, &domid);

    if (rc < 0)
        return fail_rc(inv, file, rc);
    format_uuid(cfg->uuid, uuid);
    printf("Created domain %s (id %" PRIu32 ", uuid %s)\n", cfg->name, domid, uuid);
    fflush(stdout);
    if (!attach)
        return 0;
    return console_attach(inv, domid, true);
}

int check_create(const struct invocation *inv)
{
    if (opt(inv, "dry-run") && opt(inv, "console"))
        return usage_error(inv->spec, "--dry-run and --console exclude each other");
    return 0;
}

/*
 * The file is parsed before the hypervisor is opened, so any user can
 * check a configuration's syntax; the checks against the host need root.
 */
int cmd_create(struct invocation *inv)
{
    const char *file = inv->args[0];
    struct mica_domain_config *cfg = NULL;
    bool dry = opt(inv, "dry-run"), attach = opt(inv, "console");
    int rc;

    rc = mica_config_parse_file(NULL, file, &cfg);
    if (rc < 0)
        return fail_rc(inv, file, rc);
    if (ctx_open(inv->spec->name, &inv->ctx) < 0) {
        rc = EXIT_FAILURE;
        goto out;
    }
    rc = dry ? create_dry_run(inv, cfg, file) : create_and_attach(inv, cfg, file, attach);
out:
    mica_config_free(cfg);
    return rc;
}

typedef int (*domain_op)(mica_ctx *ctx, uint32_t domid);

static int one_domain_op(struct invocation *inv, domain_op op)
{
    uint32_t domid;
    int rc = domain_arg(inv, inv->args[0], &domid);

    if (rc < 0)
        return EXIT_FAILURE;
    rc = op(inv->ctx, domid);
    return rc < 0 ? fail_rc(inv, inv->args[0], rc) : 0;
}

int cmd_destroy(struct invocation *inv)
{
    return one_domain_op(inv, mica_domain_destroy);
}

int cmd_pause(struct invocation *inv)
{
    return one_domain_op(inv, mica_domain_pause);
}

int cmd_unpause(struct invocation *inv)
{
    return one_domain_op(inv, mica_domain_unpause);
}

int check_rename(const struct invocation *inv)
{
    char buf[128];
    const char *why = mica_name_problem(inv->args[1], buf, sizeof(buf));

    return why ? usage_error(inv->spec, "%s: bad name: %s", inv->args[1], why) : 0;
}

int cmd_rename(struct invocation *inv)
{
    const char *name = inv->args[1];
    uint32_t domid;
    int rc;

    if (domain_arg(inv, inv->args[0], &domid) < 0)
        return EXIT_FAILURE;
    rc = mica_domain_rename(inv->ctx, domid, name);
    if (rc == -EEXIST) {
        fail(inv->spec->name, "%s: a domain of that name exists already", name);
        return EXIT_FAILURE;
    }
    return rc < 0 ? fail_rc(inv, inv->args[0], rc) : 0;
}

int check_mem_max(const struct invocation *inv)
{
    uint64_t kb;

    if (parse_size_kb(inv->args[1], &kb) < 0 || kb == 0)
        return usage_error(inv->spec, "%s: bad size: a number with an optional unit k, m, g or t",
                           inv->args[1]);
    return 0;
}

int cmd_mem_max(struct invocation *inv)
{
    uint64_t kb;
    uint32_t domid;
    int rc;

    parse_size_kb(inv->args[1], &kb);   /* checked by check_mem_max */
    if (domain_arg(inv, inv->args[0], &domid) < 0)
        return EXIT_FAILURE;
    rc = mica_domain_set_max_mem(inv->ctx, domid, kb);
    return rc < 0 ? fail_rc(inv, inv->args[0], rc) : 0;
}

int cmd_domid(struct invocation *inv)
{
    uint32_t domid;

    if (domain_arg(inv, inv->args[0], &domid) < 0)
        return EXIT_FAILURE;
    printf("%" PRIu32 "\n", domid);
    return 0;
}

int cmd_domname(struct invocation *inv)
{
    struct mica_dominfo info;

    if (domain_info_arg(inv, inv->args[0], &info) < 0)
        return EXIT_FAILURE;
    printf("%s\n", info.name);
    return 0;
}
