/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Domains started from multiboot2 modules at boot (test kernels). A
 * module's command line may carry options for the hypervisor:
 *   name=NAME  mem=SIZE (default 4M)  cpu=N (put vCPU 0 on pCPU N first)
 *   weight=N (1-65535, default 256)  cap=N (percent of one pCPU, 0: none)
 *   affinity=MASK (the pCPUs its vCPUs may run on, e.g. 0x2: CPU 1 only)
 *   privileged (a test kernel that stands in for dom0; at most one, domid 0)
 * Every other word is the guest's own and reaches it in its start info.
 */
#include <mica/domain_build.h>
#include <mica/domain.h>
#include <mica/bootinfo.h>
#include <mica/mm.h>
#include <mica/console.h>
#include <mica/lib.h>
#include <mica/acpi.h>
#include <mica/sched.h>
#include <mica/errno.h>
#include <asm/percpu.h>

#define DEFAULT_MEM  (4ull << 20)

struct module_opts {
    char name[DOMAIN_NAME_LEN];
    uint64_t mem;
    int cpu;
    bool privileged;
    uint32_t weight;         /* 0: not given */
    uint32_t cap;
    bool cap_given;
    uint64_t affinity;       /* 0: not given */
};

/* Is the bare word w on the command line? */
static bool has_word(const char *cmdline, const char *w)
{
    size_t n = strlen(w);

    for (const char *p = cmdline; *p; ) {
        if (!strncmp(p, w, n) && (p[n] == ' ' || p[n] == '\0'))
            return true;
        while (*p && *p != ' ')
            p++;
        while (*p == ' ')
            p++;
    }
    return false;
}

/* Copy the value of word "key=" out of a command line; false if absent. */
static bool word_value(const char *cmdline, const char *key, char *out, size_t len)
{
    size_t klen = strlen(key);

    for (const char *p = cmdline; *p; ) {
        const char *end = p;

        while (*end && *end != ' ')
            end++;
        if ((size_t)(end - p) > klen && !strncmp(p, key, klen)) {
            size_t n = MIN((size_t)(end - p) - klen, len - 1);

            memcpy(out, p + klen, n);
            out[n] = '\0';
            return true;
        }
        p = *end ? end + 1 : end;
    }
    return false;
}

/* "key=N" in [min, max] (base 0: decimal or 0x hex): 0 if absent, 1, or -EINVAL (logged). */
static int number_opt(unsigned int idx, const struct module_opts *o, const char *cmdline,
                      const char *key, int base, uint64_t min, uint64_t max, uint64_t *out)
{
    char val[32];
    const char *end;
    bool ovf = false;

    if (!word_value(cmdline, key, val, sizeof(val)))
        return 0;
    *out = parse_u64(val, &end, base, &ovf);
    if (end != val && !*end && !ovf && *out >= min && *out <= max)
        return 1;
    if (base == 10)
        pr_err("module %u (%s): %s%s: not a number from %lu to %lu\n", idx, o->name, key, val,
               (unsigned long)min, (unsigned long)max);
    else
        pr_err("module %u (%s): %s%s: not a mask of online CPUs (%#lx to %#lx)\n", idx,
               o->name, key, val, (unsigned long)min, (unsigned long)max);
    return -EINVAL;
}

/* weight=, cap=, affinity=: checked here, applied once the domain exists. 0 or -EINVAL. */
static int sched_opts_parse(unsigned int idx, const char *cmdline, struct module_opts *o)
{
    uint64_t online = nr_cpus_online >= 64 ? ~0ull : (1ull << nr_cpus_online) - 1, n;
    int rc;

    if ((rc = number_opt(idx, o, cmdline, "weight=", 10, 1, 65535, &n)) < 0)
        return rc;
    o->weight = rc ? (uint32_t)n : 0;
    if ((rc = number_opt(idx, o, cmdline, "cap=", 10, 0, 100ull * nr_cpus_online, &n)) < 0)
        return rc;
    o->cap_given = rc;
    o->cap = rc ? (uint32_t)n : 0;
    /* CPUs are numbered densely from 0, so "at most online" is "within online". */
    if ((rc = number_opt(idx, o, cmdline, "affinity=", 0, 1, online, &n)) < 0)
        return rc;
    o->affinity = rc ? n : 0;
    return 0;
}

static int sched_opts_apply(struct domain *d, const struct module_opts *o)
{
    uint32_t weight, cap;
    int rc = 0;

    if (!o->weight && !o->cap_given && !o->affinity)
        return 0;
    sched_get_params(d, &weight, &cap);
    rc = sched_set_params(d, o->weight ? o->weight : weight, o->cap_given ? o->cap : cap);
    for (unsigned int i = 0; !rc && o->affinity && i < d->nr_vcpus; i++)
        rc = sched_set_affinity(d->vcpu[i], o->affinity);
    sched_get_params(d, &weight, &cap);
    pr_info("d%u (%s): weight %u, cap %u, affinity %#lx\n", d->id, d->name, weight, cap,
            (unsigned long)sched_get_affinity(d->vcpu[0]));
    return rc;
}

/* The module's options: 0 or -EINVAL (the bad one logged). */
static int module_opts_parse(unsigned int idx, const char *cmdline, struct module_opts *o)
{
    char val[32];
    const char *end;
    bool ovf = false;

    snprintf(o->name, sizeof(o->name), "module%u", idx);
    word_value(cmdline, "name=", o->name, sizeof(o->name));
    o->mem = DEFAULT_MEM;
    if (word_value(cmdline, "mem=", val, sizeof(val)) && parse_size(val, &o->mem)) {
        pr_err("module %u (%s): mem=%s: not a size\n", idx, o->name, val);
        return -EINVAL;
    }
    o->privileged = has_word(cmdline, "privileged");
    o->cpu = -1;
    if (word_value(cmdline, "cpu=", val, sizeof(val))) {
        uint64_t c = parse_u64(val, &end, 10, &ovf);

        if (*end || ovf || c >= MAX_CPUS) {
            pr_err("module %u (%s): cpu=%s: not a CPU number\n", idx, o->name, val);
            return -EINVAL;
        }
        o->cpu = (int)c;
    }
    return sched_opts_parse(idx, cmdline, o);
}

static bool boot_one(unsigned int idx, const struct boot_module *m)
{
    struct module_opts o;
    struct domain_config cfg = { .nr_vcpus = 1 };
    struct domain *d;
    const void *image = (const void *)(uintptr_t)m->start;
    size_t size = (size_t)(m->end - m->start);
    const char *why;
    int rc;

    if (module_opts_parse(idx, m->cmdline, &o))
        return false;
    if (elf_check(image, size, o.mem, &why)) {
        pr_err("module %u (%s): %s; not started\n", idx, o.name, why);
        return false;
    }
    cfg.name = o.name;
    cfg.mem_bytes = ALIGN_UP(o.mem, PAGE_SIZE);
    cfg.pcpu = o.cpu;
    cfg.privileged = o.privileged;
    rc = domain_create(&cfg, &d);
    if (rc) {
        pr_err("module %u (%s): cannot create the domain (error %d)\n", idx, o.name, rc);
        return false;
    }
    if (sched_opts_apply(d, &o)) {
        domain_crash(d, "the scheduler refused its options");
        return false;
    }
    if (domain_build_elf(d, image, size, m->cmdline)) {
        domain_crash(d, "the domain builder failed");
        return false;
    }
    pr_info("d%u (%s): %lu KiB RAM, vcpu0 on CPU %u, %zu-byte image\n", d->id,
            d->name, (unsigned long)(d->nr_pages * (PAGE_SIZE / 1024)), d->vcpu[0]->pcpu, size);
    domain_start(d);
    return true;
}

unsigned int boot_domains_create(const struct boot_info *bi, unsigned int first)
{
    unsigned int started = 0;

    for (unsigned int i = first; i < bi->nr_mods; i++)
        started += boot_one(i, &bi->mods[i]);
    return started;
}
