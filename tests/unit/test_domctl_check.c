/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/common/domctl_check.c: the argument checks of
 * domctl (create, max_mem, vcpus, vcpu_context) and memory_op (gfn lists
 * and ranges) that need no domain.
 */
#include <stdlib.h>

#include <mica/errno.h>
#include <mica/lib.h>

#include "../../hypervisor/common/domctl_check.h"
#include "check.h"
#include "shim.h"

static struct mica_domctl_create good_create(void)
{
    struct mica_domctl_create c = { .mem_kb = 1024, .nr_vcpus = 1 };

    strlcpy(c.name, "child", sizeof(c.name));
    return c;
}

static void test_canonical(void)
{
    CHECK(addr_canonical(0), "0 is canonical");
    CHECK(addr_canonical(0x00007fffffffffffull), "the top of the lower half is canonical");
    CHECK(!addr_canonical(0x0000800000000000ull), "the first non-canonical address");
    CHECK(!addr_canonical(0xffff7fffffffffffull), "the last non-canonical address");
    CHECK(addr_canonical(0xffff800000000000ull), "the bottom of the upper half is canonical");
    CHECK(addr_canonical(~0ull), "~0 is canonical");
}

static void test_name(void)
{
    char name[MICA_DOMAIN_NAME_LEN];

    memset(name, 0, sizeof(name));
    CHECK_EQ_S(domctl_check_name(name), 0, "an empty name is accepted");
    memset(name, 'a', sizeof(name) - 1);
    CHECK_EQ_S(domctl_check_name(name), 0, "31 printable characters are accepted");
    memset(name, 'a', sizeof(name));
    CHECK_EQ_S(domctl_check_name(name), -EINVAL, "a name without its NUL: -EINVAL");
    strlcpy(name, "bad\nname", sizeof(name));
    CHECK_EQ_S(domctl_check_name(name), -EINVAL, "a newline in a name: -EINVAL");
    strlcpy(name, "caf\xc3\xa9", sizeof(name));
    CHECK_EQ_S(domctl_check_name(name), -EINVAL, "a byte above 0x7e: -EINVAL");
    strlcpy(name, "web-1 (test)", sizeof(name));
    CHECK_EQ_S(domctl_check_name(name), 0, "spaces and punctuation are accepted");
}

static void test_rename(void)
{
    struct mica_domctl_rename r = { .name = "web-2" };

    CHECK_EQ_S(domctl_check_rename(&r), 0, "rename to a printable name");
    r.name[0] = '\0';
    CHECK_EQ_S(domctl_check_rename(&r), -EINVAL, "rename to \"\": -EINVAL");
    memset(r.name, 'a', sizeof(r.name));
    CHECK_EQ_S(domctl_check_rename(&r), -EINVAL, "rename without a NUL: -EINVAL");
    strlcpy(r.name, "tab\there", sizeof(r.name));
    CHECK_EQ_S(domctl_check_rename(&r), -EINVAL, "rename with a control character: -EINVAL");
}

static void test_create(void)
{
    struct mica_domctl_create c = good_create();

    CHECK_EQ_S(domctl_check_create(&c), 0, "a plain create is accepted");
    c.flags = MICA_DOMCTL_CREATE_F_PLATFORM;
    CHECK_EQ_S(domctl_check_create(&c), 0, "F_PLATFORM is accepted");
    c.flags = 2;
    CHECK_EQ_S(domctl_check_create(&c), -EINVAL, "unknown flag 2: -EINVAL");
    c.flags = MICA_DOMCTL_CREATE_F_PLATFORM | 1u << 31;
    CHECK_EQ_S(domctl_check_create(&c), -EINVAL, "F_PLATFORM with an unknown flag: -EINVAL");
    c = good_create(), c.flags = MICA_DOMCTL_CREATE_F_PLATFORM, c.nr_vcpus = 255;
    CHECK_EQ_S(domctl_check_create(&c), -EINVAL, "F_PLATFORM, 255 vCPUs: -EINVAL");
    c = good_create(), c.nr_vcpus = 0;
    CHECK_EQ_S(domctl_check_create(&c), -EINVAL, "0 vCPUs: -EINVAL");
    c.nr_vcpus = MICA_MAX_VCPUS;
    CHECK_EQ_S(domctl_check_create(&c), 0, "MICA_MAX_VCPUS vCPUs are accepted");
    c.nr_vcpus = MICA_MAX_VCPUS + 1;
    CHECK_EQ_S(domctl_check_create(&c), -EINVAL, "MICA_MAX_VCPUS + 1: -EINVAL");
    c = good_create(), c.mem_kb = 0;
    CHECK_EQ_S(domctl_check_create(&c), -EINVAL, "no memory: -EINVAL");
    c.mem_kb = 6;
    CHECK_EQ_S(domctl_check_create(&c), -EINVAL, "memory not a 4 KiB multiple: -EINVAL");
    c.mem_kb = MICA_MAX_MEM_KB;
    CHECK_EQ_S(domctl_check_create(&c), 0, "MICA_MAX_MEM_KB passes the argument check");
    c.mem_kb = MICA_MAX_MEM_KB + 4;
    CHECK_EQ_S(domctl_check_create(&c), -EINVAL, "beyond MICA_MAX_MEM_KB: -EINVAL");
    c = good_create(), c.max_mem_kb = 512;
    CHECK_EQ_S(domctl_check_create(&c), -EINVAL, "a ceiling below the memory: -EINVAL");
    c.max_mem_kb = 2048;
    CHECK_EQ_S(domctl_check_create(&c), 0, "a ceiling above the memory is accepted");
    c.max_mem_kb = 2050;
    CHECK_EQ_S(domctl_check_create(&c), -EINVAL, "a ceiling not a 4 KiB multiple: -EINVAL");
    c = good_create(), c.name[0] = '\t';
    CHECK_EQ_S(domctl_check_create(&c), -EINVAL, "a control character in the name: -EINVAL");
}

static void test_max_mem_and_vcpus(void)
{
    struct mica_domctl_vcpus v = { .nr_vcpus = 2 };

    CHECK_EQ_S(domctl_check_max_mem(0), 0, "a ceiling of 0 is accepted");
    CHECK_EQ_S(domctl_check_max_mem(4), 0, "4 KiB is accepted");
    CHECK_EQ_S(domctl_check_max_mem(5), -EINVAL, "5 KiB: -EINVAL");
    CHECK_EQ_S(domctl_check_max_mem(MICA_MAX_MEM_KB), 0, "MICA_MAX_MEM_KB is accepted");
    CHECK_EQ_S(domctl_check_max_mem(MICA_MAX_MEM_KB + 4), -EINVAL, "beyond it: -EINVAL");
    CHECK_EQ_S(domctl_check_max_mem(~0ull & ~3ull), -EINVAL, "a huge ceiling: -EINVAL");
    CHECK_EQ_S(domctl_check_vcpus(&v), 0, "2 vCPUs are accepted");
    v.nr_vcpus = 0;
    CHECK_EQ_S(domctl_check_vcpus(&v), -EINVAL, "0 vCPUs: -EINVAL");
    v.nr_vcpus = MICA_MAX_VCPUS + 1;
    CHECK_EQ_S(domctl_check_vcpus(&v), -EINVAL, "too many vCPUs: -EINVAL");
    v.nr_vcpus = 1, v.pad = 1;
    CHECK_EQ_S(domctl_check_vcpus(&v), -EINVAL, "non-zero padding: -EINVAL");
}

static struct mica_domctl_vcpu_context good_ctx(void)
{
    return (struct mica_domctl_vcpu_context){
        .rip = 0x5000, .rsp = 0x8000, .rdi = ~0ull, .rsi = 1ull << 63, .cr3 = 0x1000,
        .gdt_base = 0x4000, .gdt_limit = 23, .cs = 0x08, .ds = 0x10,
    };
}

static void test_vcpu_context(void)
{
    struct mica_domctl_vcpu_context c = good_ctx();

    CHECK_EQ_S(domctl_check_vcpu_context(&c), 0, "a good entry state is accepted");
    c.flags = 2;
    CHECK_EQ_S(domctl_check_vcpu_context(&c), -EINVAL, "flags: -EINVAL");
    c = good_ctx(), c.pad = 1;
    CHECK_EQ_S(domctl_check_vcpu_context(&c), -EINVAL, "padding: -EINVAL");
    c = good_ctx(), c.rip = 0x0000800000000000ull;
    CHECK_EQ_S(domctl_check_vcpu_context(&c), -EINVAL, "a non-canonical rip: -EINVAL");
    c = good_ctx(), c.rsp = 0x8000000000000000ull;
    CHECK_EQ_S(domctl_check_vcpu_context(&c), -EINVAL, "a non-canonical rsp: -EINVAL");
    c = good_ctx(), c.gdt_base = 0x1000000000000ull;
    CHECK_EQ_S(domctl_check_vcpu_context(&c), -EINVAL, "a non-canonical GDT base: -EINVAL");
    c = good_ctx(), c.cr3 = 0x1008;
    CHECK_EQ_S(domctl_check_vcpu_context(&c), -EINVAL, "an unaligned cr3: -EINVAL");
    c = good_ctx(), c.cr3 = 1ull << 52;
    CHECK_EQ_S(domctl_check_vcpu_context(&c), -EINVAL, "a cr3 at 2^52: -EINVAL");
    c = good_ctx(), c.cr3 = (1ull << 52) - 0x1000;
    CHECK_EQ_S(domctl_check_vcpu_context(&c), 0, "the highest cr3 is accepted");
    c = good_ctx(), c.cs = 0;
    CHECK_EQ_S(domctl_check_vcpu_context(&c), -EINVAL, "a null code selector: -EINVAL");
    c = good_ctx(), c.ds = 0x13;
    CHECK_EQ_S(domctl_check_vcpu_context(&c), -EINVAL, "a data selector with RPL 3: -EINVAL");
    c = good_ctx(), c.cs = 0x0c;
    CHECK_EQ_S(domctl_check_vcpu_context(&c), -EINVAL, "an LDT selector: -EINVAL");
    c = good_ctx(), c.ds = 0x18;
    CHECK_EQ_S(domctl_check_vcpu_context(&c), -EINVAL, "a selector past the GDT limit: -EINVAL");
    c.gdt_limit = 31;
    CHECK_EQ_S(domctl_check_vcpu_context(&c), 0, "... accepted once the limit covers it");
    c = good_ctx(), c.gdt_limit = 22;
    CHECK_EQ_S(domctl_check_vcpu_context(&c), -EINVAL, "a limit one short of the data descriptor: -EINVAL");
    c = good_ctx(), c.cs = 0xfff8, c.gdt_limit = 0xffff;
    CHECK_EQ_S(domctl_check_vcpu_context(&c), 0, "the last descriptor of a full GDT is accepted");
}

static void test_gfns(void)
{
    uint64_t g[6] = { 9, 3, 7, 1, 0, 5 };
    uint64_t dup[4] = { 4, 8, 4, 2 };
    uint64_t big[2] = { 1, MICA_GFN_LIMIT };
    uint64_t last[2] = { MICA_GFN_LIMIT - 1, 0 };
    static uint64_t many[MICA_MEMOP_MAX_EXTENTS];
    bool sorted = true;

    CHECK_EQ_S(memop_check_gfns(g, 6), 0, "distinct gfns are accepted");
    CHECK(g[0] == 0 && g[1] == 1 && g[2] == 3 && g[3] == 5 && g[4] == 7 && g[5] == 9,
          "... and come back sorted");
    CHECK_EQ_S(memop_check_gfns(dup, 4), -EINVAL, "a gfn given twice: -EINVAL");
    CHECK_EQ_S(memop_check_gfns(big, 2), -EINVAL, "a gfn at MICA_GFN_LIMIT: -EINVAL");
    CHECK_EQ_S(memop_check_gfns(last, 2), 0, "the last gfn below the limit is accepted");
    CHECK_EQ_S(memop_check_gfns(NULL, 0), 0, "an empty list is accepted");
    for (uint32_t i = 0; i < MICA_MEMOP_MAX_EXTENTS; i++)
        many[i] = (i * 7919u) % MICA_MEMOP_MAX_EXTENTS;      /* a permutation */
    CHECK_EQ_S(memop_check_gfns(many, MICA_MEMOP_MAX_EXTENTS), 0, "a full list of distinct gfns");
    for (uint32_t i = 0; i < MICA_MEMOP_MAX_EXTENTS; i++)
        sorted &= many[i] == i;
    CHECK(sorted, "... sorted into order");
    many[100] = many[101];
    CHECK_EQ_S(memop_check_gfns(many, MICA_MEMOP_MAX_EXTENTS), -EINVAL, "... one repeated: -EINVAL");

    CHECK(memop_range_ok(0, 1), "range [0, 1)");
    CHECK(memop_range_ok(MICA_GFN_LIMIT - 4, 4), "a range ending at the limit");
    CHECK(!memop_range_ok(MICA_GFN_LIMIT - 4, 5), "a range crossing the limit");
    CHECK(!memop_range_ok(MICA_GFN_LIMIT, 0), "an empty range at the limit");
    CHECK(!memop_range_ok(~0ull, 2), "a range that wraps");
}

int main(void)
{
    check_area("domctl_check");
    test_canonical();
    test_name();
    test_create();
    test_rename();
    test_max_mem_and_vcpus();
    test_vcpu_context();
    test_gfns();
    return check_done();
}
