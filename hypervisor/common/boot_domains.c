/*
 * Domains started from multiboot2 modules at boot (test kernels). A
 * module's command line may carry options for the hypervisor:
 *   name=NAME  mem=SIZE (default 4M)  cpu=N (pin vCPU 0 to pCPU N)
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

#define DEFAULT_MEM  (4ull << 20)

struct module_opts {
    char name[DOMAIN_NAME_LEN];
    uint64_t mem;
    int cpu;
    bool privileged;
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
        return -1;
    }
    o->privileged = has_word(cmdline, "privileged");
    o->cpu = -1;
    if (word_value(cmdline, "cpu=", val, sizeof(val))) {
        uint64_t c = parse_u64(val, &end, 10, &ovf);

        if (*end || ovf || c >= MAX_CPUS) {
            pr_err("module %u (%s): cpu=%s: not a CPU number\n", idx, o->name, val);
            return -1;
        }
        o->cpu = (int)c;
    }
    return 0;
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
