// SPDX-License-Identifier: GPL-2.0-only
/*
 * mica VERB [OPTIONS] [ARGS]: find the verb in cmd_table, parse its options
 * (getopt_long built from the table), check the argument count, open the
 * hypervisor for the verbs that need it and run the handler. Every failure
 * prints one line "mica: VERB: what: why" and exits non-zero (EXIT_USAGE
 * for a bad verb, option or argument count).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mica.h"

#define OPTSTRING_MAX (2 + 3 * (MICA_MAX_OPTS + 1))

static void print_usage_line(FILE *f, const struct cmd_spec *spec)
{
    fprintf(f, "usage: mica %s", spec->name);
    for (int i = 0; i < MICA_MAX_OPTS && spec->opts[i].lng; i++) {
        const struct mica_opt *o = &spec->opts[i];
        fprintf(f, " [-%c|--%s%s%s]", o->shrt, o->lng, o->arg ? " " : "", o->arg ? o->arg : "");
    }
    fprintf(f, "%s%s\n", spec->args[0] ? " " : "", spec->args);
}

static void print_verb_help(const struct cmd_spec *spec)
{
    print_usage_line(stdout, spec);
    printf("\n%s.\n", spec->summary);
    if (spec->help[0])
        printf("%s\n", spec->help);
    printf("\nOptions:\n");
    for (int i = 0; i < MICA_MAX_OPTS && spec->opts[i].lng; i++) {
        const struct mica_opt *o = &spec->opts[i];
        char left[48];

        snprintf(left, sizeof(left), "-%c, --%s%s%s", o->shrt, o->lng,
                 o->arg ? " " : "", o->arg ? o->arg : "");
        printf("  %-26s %s\n", left, o->help);
    }
    printf("  %-26s %s\n", "-h, --help", "print this help");
}

static void print_help(void)
{
    printf("usage: mica VERB [OPTIONS] [ARGS]\n\n"
           "Manage Mica's domains from dom0 (mica(1), docs/toolstack.md).\n\nVerbs:\n");
    for (unsigned int i = 0; i < cmd_table_len; i++)
        printf("  %-14s %s\n", cmd_table[i].name, cmd_table[i].summary);
    printf("\n'mica VERB --help' or 'mica help VERB' describes one verb.\n");
}

int cmd_help(struct invocation *inv)
{
    const struct cmd_spec *spec;

    if (inv->nargs == 0) {
        print_help();
        return 0;
    }
    spec = cmd_find(inv->args[0]);
    if (!spec) {
        fail("help", "%s: unknown verb (mica help lists them)", inv->args[0]);
        return EXIT_USAGE;
    }
    print_verb_help(spec);
    return 0;
}

int usage_error(const struct cmd_spec *spec, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "mica: %s: ", spec->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (mica %s --help)\n", spec->name);
    return EXIT_USAGE;
}

const char *opt(const struct invocation *inv, const char *lng)
{
    for (int i = 0; i < MICA_MAX_OPTS && inv->spec->opts[i].lng; i++)
        if (!strcmp(inv->spec->opts[i].lng, lng))
            return inv->val[i];
    return NULL;
}

/* getopt_long's tables from the verb's options, plus -h/--help. */
static int build_getopt(const struct cmd_spec *spec, struct option *lo, char *shortopts)
{
    int n = 0;
    char *s = shortopts;

    *s++ = ':';                         /* ':' for a missing argument, '?' for unknown */
    for (; n < MICA_MAX_OPTS && spec->opts[n].lng; n++) {
        const struct mica_opt *o = &spec->opts[n];

        lo[n] = (struct option){ o->lng, o->arg ? required_argument : no_argument, NULL, o->shrt };
        *s++ = o->shrt;
        if (o->arg)
            *s++ = ':';
    }
    lo[n++] = (struct option){ "help", no_argument, NULL, 'h' };
    lo[n] = (struct option){ 0 };
    *s++ = 'h';
    *s = '\0';
    return n;
}

static int opt_index(const struct cmd_spec *spec, int c)
{
    for (int i = 0; i < MICA_MAX_OPTS && spec->opts[i].lng; i++)
        if (spec->opts[i].shrt == c)
            return i;
    return -1;
}

/* Returns -1 to go on, else the exit status (help printed, or a usage error). */
static int parse_options(struct invocation *inv, int argc, char **argv)
{
    const struct cmd_spec *spec = inv->spec;
    struct option lo[MICA_MAX_OPTS + 2];
    char shortopts[OPTSTRING_MAX];
    int c;

    build_getopt(spec, lo, shortopts);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
        int i = opt_index(spec, c);

        if (c == 'h') {
            print_verb_help(spec);
            return 0;
        }
        if (c == ':')
            return usage_error(spec, "option '%s' needs an argument", argv[optind - 1]);
        if (c == '?' || i < 0) {
            if (optopt)
                return usage_error(spec, "unknown option '-%c'", optopt);
            return usage_error(spec, "unknown option '%s'", argv[optind - 1]);
        }
        inv->val[i] = optarg ? optarg : "";
    }
    inv->args = argv + optind;
    inv->nargs = argc - optind;
    if (inv->nargs < spec->min_args)
        return usage_error(spec, "missing argument%s%s", spec->args[0] ? ": " : "", spec->args);
    if (spec->max_args >= 0 && inv->nargs > spec->max_args)
        return usage_error(spec, "unexpected argument '%s'", inv->args[spec->max_args]);
    return -1;
}

int main(int argc, char **argv)
{
    struct invocation inv = { 0 };
    int rc;

    if (argc < 2) {
        fprintf(stderr, "mica: no verb given (mica help lists them)\n");
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        print_help();
        return 0;
    }
    inv.spec = cmd_find(argv[1]);
    if (!inv.spec) {
        fprintf(stderr, "mica: %s: unknown verb (mica help lists them)\n", argv[1]);
        return EXIT_USAGE;
    }
    rc = parse_options(&inv, argc - 1, argv + 1);
    if (rc >= 0)
        return rc;
    if (inv.spec->check && (rc = inv.spec->check(&inv)) != 0)
        return rc;
    if ((inv.spec->flags & CMD_NEEDS_CTX) && !(inv.spec->flags & CMD_LATE_CTX) &&
        ctx_open(inv.spec->name, &inv.ctx) < 0)
        return EXIT_FAILURE;
    rc = inv.spec->fn(&inv);
    if (inv.ctx)
        mica_close(inv.ctx);
    if (fflush(stdout) != 0 && !rc) {
        fail(inv.spec->name, "standard output: write failed");
        rc = EXIT_FAILURE;
    }
    return rc;
}
