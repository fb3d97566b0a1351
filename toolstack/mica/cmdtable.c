// SPDX-License-Identifier: GPL-2.0-only
/*
 * Every verb of `mica`: its handler, whether it needs the hypervisor and
 * changes state, its arguments, options and help (as Xen's xl_cmdtable.c).
 * Usage lines, `mica help`, the man page and the bash completion follow
 * this table; tests/toolstack/cli.sh checks they agree.
 */
#include <string.h>

#include "mica.h"

#define DOMAIN_HELP "DOMAIN is a name, a domain id or a UUID."
#define BDF_HELP "BDF is a PCI function as lspci prints it: SSSS:BB:DD.F or BB:DD.F (hex)."

const struct cmd_spec cmd_table[] = {
    { "create", cmd_create, check_create, CMD_NEEDS_CTX | CMD_MODIFIES | CMD_LATE_CTX, "FILE", 1, 1,
      "Create a domain from a domain XML file",
      "Checks FILE (libvirt-style domain XML, mica-domain.xml(5)) against the schema and the\n"
      "host, builds the domain and starts it. Any error names FILE:LINE and the element.",
      { { "console", 'c', NULL, "create it paused, attach to its console, then unpause it" },
        { "dry-run", 'n', NULL,
          "check FILE and the host, print the configuration, create nothing" } } },
    { "list", cmd_list, NULL, CMD_NEEDS_CTX, "[DOMAIN...]", 0, -1,
      "List domains",
      "Columns: Name ID UUID Mem(MiB) VCPUs State Time(s). " DOMAIN_HELP,
      { { "long", 'l', NULL, "more columns, and the saved configuration with --json" },
        { "json", 'j', NULL, "print JSON" } } },
    { "destroy", cmd_destroy, NULL, CMD_NEEDS_CTX | CMD_MODIFIES, "DOMAIN", 1, 1,
      "Terminate a domain immediately",
      "Frees everything the domain owns; its on_* actions are not applied. " DOMAIN_HELP,
      { { 0 } } },
    { "shutdown", cmd_shutdown, check_shutdown, CMD_NEEDS_CTX | CMD_MODIFIES, "DOMAIN", 1, 1,
      "Ask a domain to shut down cleanly",
      "Writes control/shutdown = poweroff in the store for the guest's PV bus driver, then\n"
      "waits for the guest to shut down; micad then applies its on_poweroff action.\n"
      "A guest that does not shut down in time (no PV drivers) is an error, unless --force.\n"
      DOMAIN_HELP,
      { { "wait", 'w', NULL, "also wait until micad has acted on it (its domain id is gone)" },
        { "timeout", 't', "S", "seconds to wait (default 60)" },
        { "force", 'F', NULL, "destroy it if it has not shut down in time" } } },
    { "reboot", cmd_reboot, check_shutdown, CMD_NEEDS_CTX | CMD_MODIFIES, "DOMAIN", 1, 1,
      "Ask a domain to reboot cleanly",
      "Writes control/shutdown = reboot in the store for the guest's PV bus driver, then\n"
      "waits for the guest to shut down; micad then applies its on_reboot action.\n"
      "A guest that does not shut down in time (no PV drivers) is an error, unless --force.\n"
      DOMAIN_HELP,
      { { "wait", 'w', NULL, "also wait until micad has acted on it (its domain id is gone)" },
        { "timeout", 't', "S", "seconds to wait (default 60)" },
        { "force", 'F', NULL, "destroy it and create it again if it has not shut down in time" } } },
    { "pause", cmd_pause, NULL, CMD_NEEDS_CTX | CMD_MODIFIES, "DOMAIN", 1, 1,
      "Pause a domain's execution",
      "Its vCPUs stop and stay off the CPUs until unpause. " DOMAIN_HELP, { { 0 } } },
    { "unpause", cmd_unpause, NULL, CMD_NEEDS_CTX | CMD_MODIFIES, "DOMAIN", 1, 1,
      "Unpause a paused domain", DOMAIN_HELP, { { 0 } } },
    { "console", cmd_console, NULL, CMD_NEEDS_CTX, "DOMAIN", 1, 1,
      "Attach to a domain's console",
      "Shows the console from the oldest byte its ring keeps, then live; keystrokes go to the\n"
      "domain's UART. Ctrl-] detaches. " DOMAIN_HELP, { { 0 } } },
    { "info", cmd_info, NULL, CMD_NEEDS_CTX, "", 0, 0,
      "Show information about the host",
      "CPUs, total and free memory, the TSC's frequency, the hypervisor's version and uptime.",
      { { "json", 'j', NULL, "print JSON" } } },
    { "dmesg", cmd_dmesg, NULL, CMD_NEEDS_CTX, "", 0, 0,
      "Read the hypervisor's log",
      "Prints the log from the last clear (dmesg -c) on. The hypervisor keeps the newest bytes\n"
      "only; a note says how many were lost.",
      { { "clear", 'c', NULL,
          "clear the log after reading it (remembered in " MICA_RUN_DIR ")" } } },
    { "top", cmd_top, check_top, CMD_NEEDS_CTX, "", 0, 0,
      "Monitor domains' CPU and memory use",
      "Refreshes every DELAY seconds; q quits. Batch mode prints ITER tables and exits.",
      { { "batch", 'b', NULL, "batch mode: plain tables on standard output" },
        { "delay", 'd', "DELAY", "seconds between updates (default 3, decimals allowed)" },
        { "iterations", 'n', "ITER", "stop after ITER updates" } } },
    { "uptime", cmd_uptime, NULL, CMD_NEEDS_CTX, "[DOMAIN...]", 0, -1,
      "Print the uptime of domains", "Time since each domain first ran. " DOMAIN_HELP, { { 0 } } },
    { "domid", cmd_domid, NULL, CMD_NEEDS_CTX, "NAME", 1, 1,
      "Convert a domain name (or UUID) to its id", "", { { 0 } } },
    { "domname", cmd_domname, NULL, CMD_NEEDS_CTX, "ID", 1, 1,
      "Convert a domain id (or UUID) to its name", "", { { 0 } } },
    { "vcpu-list", cmd_vcpu_list, NULL, CMD_NEEDS_CTX, "[DOMAIN...]", 0, -1,
      "List the vCPUs of domains",
      "Columns: Name ID VCPU CPU State Time(s) Affinity. " DOMAIN_HELP, { { 0 } } },
    { "vcpu-pin", cmd_vcpu_pin, check_vcpu_pin, CMD_NEEDS_CTX | CMD_MODIFIES,
      "DOMAIN VCPU CPUS", 3, 3,
      "Pin a domain's vCPU to physical CPUs",
      "VCPU is a number or 'all'. CPUS is 'all' or a list of CPUs and ranges, e.g. 0,2-3.\n"
      DOMAIN_HELP, { { 0 } } },
    { "sched-credit", cmd_sched_credit, check_sched_credit, CMD_NEEDS_CTX | CMD_MODIFIES, "", 0, 0,
      "Get or set credit scheduler parameters",
      "Without -w or -c, prints Name ID Weight Cap of one domain (-d) or all of them.\n"
      "Weight 1..65535 (default 256); cap in percent of one CPU, 0 = none.",
      { { "domain", 'd', "DOMAIN", "the domain to show or change" },
        { "weight", 'w', "WEIGHT", "its share relative to the other domains" },
        { "cap", 'c', "CAP", "the most CPU it may use, in percent of one CPU" } } },
    { "mem-max", cmd_mem_max, check_mem_max, CMD_NEEDS_CTX | CMD_MODIFIES, "DOMAIN SIZE", 2, 2,
      "Set a domain's maximum memory",
      "SIZE is a number with an optional unit: k, m (the default), g or t (KiB, MiB...).\n"
      DOMAIN_HELP, { { 0 } } },
    { "rename", cmd_rename, check_rename, CMD_NEEDS_CTX | CMD_MODIFIES, "DOMAIN NEWNAME", 2, 2,
      "Rename a domain", "NEWNAME: 1 to 31 of A-Z a-z 0-9 . _ -, not first - or ., not all digits,\n"
      "unused. " DOMAIN_HELP,
      { { 0 } } },
    { "block-attach", cmd_block_attach, check_block_attach, CMD_NEEDS_CTX | CMD_MODIFIES,
      "DOMAIN SOURCE TARGET [ro|rw]", 3, 4,
      "Attach a PV disk to a running domain",
      "SOURCE is a raw image file or a block device; TARGET its name in the guest, xvdX or\n"
      "xvdXY (xvda, xvdb, ...); rw (the default) or ro. " DOMAIN_HELP, { { 0 } } },
    { "block-detach", cmd_block_detach, check_block_detach, CMD_NEEDS_CTX | CMD_MODIFIES,
      "DOMAIN TARGET", 2, 2,
      "Detach a PV disk from a domain",
      "Asks the guest to let it go (the backend's state Closing) and waits up to 10 s for\n"
      "both sides to close, then removes it. " DOMAIN_HELP,
      { { "force", 'f', NULL, "remove it at once, without waiting for the guest" } } },
    { "block-list", cmd_block_list, NULL, CMD_NEEDS_CTX, "DOMAIN", 1, 1,
      "List a domain's PV disks",
      "Columns: Target Vdev BE Mode Type FE-state BE-state Source. " DOMAIN_HELP, { { 0 } } },
    { "network-attach", cmd_network_attach, check_network_attach, CMD_NEEDS_CTX | CMD_MODIFIES,
      "DOMAIN [bridge=NAME] [mac=MAC]", 1, 3,
      "Attach a PV network interface to a running domain",
      "Its dom0 half is a tap on bridge NAME (default mica0); MAC is generated\n"
      "(00:16:3e:xx:xx:xx) unless given. Prints the new vif's id and MAC. " DOMAIN_HELP,
      { { 0 } } },
    { "network-detach", cmd_network_detach, check_network_detach, CMD_NEEDS_CTX | CMD_MODIFIES,
      "DOMAIN DEVID|MAC", 2, 2,
      "Detach a PV network interface from a domain",
      "DEVID is the vif's id (network-list's Idx) or its MAC. Waits up to 10 s for the\n"
      "guest as block-detach does. " DOMAIN_HELP,
      { { "force", 'f', NULL, "remove it at once, without waiting for the guest" } } },
    { "network-list", cmd_network_list, NULL, CMD_NEEDS_CTX, "DOMAIN", 1, 1,
      "List a domain's PV network interfaces",
      "Columns: Idx BE Mac-Addr Bridge FE-state BE-state. " DOMAIN_HELP, { { 0 } } },
    { "pci-assignable-add", cmd_pci_assignable_add, check_pci_bdf_first,
      CMD_NEEDS_CTX | CMD_MODIFIES, "BDF", 1, 1,
      "Make a host PCI function assignable to domUs",
      "Unbinds dom0's driver from it (sysfs; driver_override keeps others off) and remembers\n"
      "the driver for pci-assignable-remove. " BDF_HELP, { { 0 } } },
    { "pci-assignable-remove", cmd_pci_assignable_remove, check_pci_bdf_first,
      CMD_NEEDS_CTX | CMD_MODIFIES, "BDF", 1, 1,
      "Give an assignable PCI function back to dom0",
      "Binds the driver it had again; refused while a domU has it. " BDF_HELP,
      { { "no-rebind", 'n', NULL, "forget it as assignable but bind no driver" } } },
    { "pci-assignable-list", cmd_pci_assignable_list, NULL, CMD_NEEDS_CTX, "", 0, 0,
      "List the assignable PCI functions", "One BDF per line, in order.", { { 0 } } },
    { "pci-attach", cmd_pci_attach, check_pci_bdf_second, CMD_NEEDS_CTX | CMD_MODIFIES,
      "DOMAIN BDF", 2, 2,
      "Give a host PCI function to a domain",
      "The hypervisor points the function's DMA at the domain's memory through the IOMMU.\n"
      "dom0's driver must have let it go (pci-assignable-add). " BDF_HELP " " DOMAIN_HELP,
      { { 0 } } },
    { "pci-detach", cmd_pci_detach, check_pci_bdf_second, CMD_NEEDS_CTX | CMD_MODIFIES,
      "DOMAIN BDF", 2, 2,
      "Take a PCI function back from a domain",
      "Its DMA is blocked first, then it is dom0's again (still assignable). " BDF_HELP " "
      DOMAIN_HELP, { { 0 } } },
    { "pci-list", cmd_pci_list, NULL, CMD_NEEDS_CTX, "DOMAIN", 1, 1,
      "List the host PCI functions a domain has", "One BDF per line. " DOMAIN_HELP, { { 0 } } },
    { "store", cmd_store, check_store, 0, "ACTION [ARG...]", 1, -1,
      "Read and change the store (micastored)",
      "ACTION is one of\n"
      "  ls [PATH]              the nodes below PATH (default /) with their values\n"
      "  read PATH...           print values\n"
      "  write PATH VALUE...    set values (creating the nodes)\n"
      "  mkdir PATH...          create empty nodes\n"
      "  rm PATH...             remove nodes and everything below them\n"
      "  watch PATH             print \"PATH TOKEN\" per change at or below PATH\n"
      "  perms PATH [PERM...]   print or set permissions: n|r|w|b then a domain id, the first\n"
      "                         naming the owner and what other domains may do (b0 r3)\n"
      "  quota DOMAIN [NAME=VALUE...]  print or set a domain's quotas: nodes, watches,\n"
      "                         transactions, value (0: the default)\n"
      "Paths not starting with / are relative to /local/domain/0 (or the --as domain's).",
      { { "recursive", 'r', NULL, "ls: the whole subtree, indented" },
        { "count", 'n', "COUNT", "watch: stop after COUNT events (the first fires at once)" },
        { "timeout", 't', "SECONDS", "watch: fail when no event comes for SECONDS" },
        { "as", 'a', "DOMID", "act with domain DOMID's rights instead of dom0's" } } },
    { "help", cmd_help, NULL, 0, "[VERB]", 0, 1,
      "Print help on mica or on one verb", "", { { 0 } } },
};

const unsigned int cmd_table_len = sizeof(cmd_table) / sizeof(cmd_table[0]);

const struct cmd_spec *cmd_find(const char *name)
{
    for (unsigned int i = 0; i < cmd_table_len; i++)
        if (!strcmp(cmd_table[i].name, name))
            return &cmd_table[i];
    return NULL;
}
