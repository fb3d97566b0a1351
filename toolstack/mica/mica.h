/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mica: the command-line tool (docs/toolstack.md). A table of verbs
 * (cmdtable.c), each with its options, the number of arguments it takes
 * and its help; main.c parses the options from that table and calls the
 * verb's handler, which returns the exit status.
 */
#ifndef MICA_TOOL_H
#define MICA_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "micactl.h"

#define EXIT_USAGE 2                    /* bad verb, flag or argument count */
#define MICA_MAX_OPTS 8                 /* options one verb may have */
#define MICA_MAX_CPUS 64                /* bits in an affinity mask */

/* One option of a verb: --lng / -shrt, with an argument named arg or none. */
struct mica_opt {
    const char *lng;
    char shrt;
    const char *arg;                    /* NULL: a flag */
    const char *help;
};

struct cmd_spec;

/* What a handler gets: its verb, the options seen, the arguments left. */
struct invocation {
    const struct cmd_spec *spec;
    mica_ctx *ctx;                      /* open when the verb needs the hypervisor */
    const char *val[MICA_MAX_OPTS];     /* option i's argument ("" for a flag), NULL if absent */
    char **args;
    int nargs;
};

#define CMD_NEEDS_CTX   (1u << 0)       /* opens /dev/mica/privcmd (root only) */
#define CMD_MODIFIES    (1u << 1)       /* changes the state of a domain */
#define CMD_LATE_CTX    (1u << 2)       /* the handler opens the context itself */

struct cmd_spec {
    const char *name;
    int (*fn)(struct invocation *inv);
    /* Optional: check the arguments before the hypervisor is opened; 0 or the exit status. */
    int (*check)(const struct invocation *inv);
    unsigned int flags;
    const char *args;                   /* usage after the options, e.g. "DOMAIN" */
    int min_args, max_args;             /* max -1: any number */
    const char *summary;                /* one line, for `mica help` */
    const char *help;                   /* more, for `mica VERB --help` */
    const struct mica_opt opts[MICA_MAX_OPTS];
};

extern const struct cmd_spec cmd_table[];
extern const unsigned int cmd_table_len;
const struct cmd_spec *cmd_find(const char *name);

/* The value of option --lng ("" for a flag), NULL when not given. */
const char *opt(const struct invocation *inv, const char *lng);

/* util.c: messages, the context, domains, numbers */
void fail(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fail_rc(const struct invocation *inv, const char *what, long rc);
int usage_error(const struct cmd_spec *spec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int ctx_open(const char *verb, mica_ctx **ctx);
int domain_arg(const struct invocation *inv, const char *what, uint32_t *domid);
int domain_info_arg(const struct invocation *inv, const char *what,
                    struct mica_dominfo *info);
int parse_uint(const char *s, unsigned long long max, unsigned long long *out);
int parse_size_kb(const char *s, uint64_t *kb);
int parse_cpulist(const char *s, unsigned int nr_cpus, uint64_t *mask);
void format_cpulist(uint64_t mask, unsigned int nr_cpus, char *buf, size_t len);
void format_uuid(const uint8_t uuid[16], char out[MICA_UUID_STR_LEN]);
const char *state_name(const struct mica_dominfo *d);
void json_string(FILE *f, const char *s);
void format_duration(uint64_t ns, char *buf, size_t len);

/* term.c: standard input's terminal for console and top */
#include <signal.h>
extern volatile sig_atomic_t term_stop_signal;
int term_enter(bool raw);
void term_restore(void);
void term_catch_signals(void);

/* cmd_console.c: attach to a domain's console; unpause it once attached if asked */
int console_attach(const struct invocation *inv, uint32_t domid, bool unpause);

/* The handlers, one file per group. */
int cmd_create(struct invocation *inv);
int cmd_destroy(struct invocation *inv);
int cmd_pause(struct invocation *inv);
int cmd_unpause(struct invocation *inv);
int cmd_rename(struct invocation *inv);
int cmd_mem_max(struct invocation *inv);
int cmd_domid(struct invocation *inv);
int cmd_domname(struct invocation *inv);
int cmd_list(struct invocation *inv);
int cmd_uptime(struct invocation *inv);
int cmd_console(struct invocation *inv);
int cmd_info(struct invocation *inv);
int cmd_dmesg(struct invocation *inv);
int cmd_top(struct invocation *inv);
int cmd_vcpu_list(struct invocation *inv);
int cmd_vcpu_pin(struct invocation *inv);
int cmd_sched_credit(struct invocation *inv);
int cmd_store(struct invocation *inv);
int cmd_help(struct invocation *inv);
int cmd_shutdown(struct invocation *inv);
int cmd_reboot(struct invocation *inv);
int check_shutdown(const struct invocation *inv);
int cmd_block_attach(struct invocation *inv);
int cmd_block_detach(struct invocation *inv);
int cmd_block_list(struct invocation *inv);
int cmd_network_attach(struct invocation *inv);
int cmd_network_detach(struct invocation *inv);
int cmd_network_list(struct invocation *inv);
int check_block_attach(const struct invocation *inv);
/* cmd_pci.c: PCI passthrough (xl's pci-assignable-*, pci-attach|detach|list) */
int cmd_pci_assignable_add(struct invocation *inv);
int cmd_pci_assignable_remove(struct invocation *inv);
int cmd_pci_assignable_list(struct invocation *inv);
int cmd_pci_attach(struct invocation *inv);
int cmd_pci_detach(struct invocation *inv);
int cmd_pci_list(struct invocation *inv);
int check_pci_bdf_first(const struct invocation *inv);
int check_pci_bdf_second(const struct invocation *inv);
int check_block_detach(const struct invocation *inv);
int check_network_attach(const struct invocation *inv);
int check_network_detach(const struct invocation *inv);
int check_create(const struct invocation *inv);
int check_top(const struct invocation *inv);
int check_sched_credit(const struct invocation *inv);
int check_mem_max(const struct invocation *inv);
int check_rename(const struct invocation *inv);
int check_vcpu_pin(const struct invocation *inv);
int check_store(const struct invocation *inv);

#endif
