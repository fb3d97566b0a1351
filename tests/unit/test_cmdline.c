/* SPDX-License-Identifier: GPL-2.0-only */
/* Unit tests for hypervisor/common/cmdline.c. */
#include <mica/cmdline.h>
#include <mica/console.h>
#include <mica/lib.h>

#include "check.h"
#include "shim.h"

static bool opt_debug, opt_smt, opt_quiet;
static uint64_t opt_cpus, opt_mem, opt_any;
static char opt_console[8];

static const struct param params[] = {
    { .name = "debug",   .type = PARAM_BOOL,   .var = &opt_debug },
    { .name = "smt",     .type = PARAM_BOOL,   .var = &opt_smt },
    { .name = "quiet",   .type = PARAM_BOOL,   .var = &opt_quiet },
    { .name = "cpus",    .type = PARAM_UINT,   .var = &opt_cpus, .min = 1, .max = 64 },
    { .name = "any",     .type = PARAM_UINT,   .var = &opt_any },
    { .name = "dom0_mem", .type = PARAM_SIZE,  .var = &opt_mem,
      .min = 16ull << 20, .max = 1ull << 40 },
    { .name = "console", .type = PARAM_STRING, .var = opt_console,
      .len = sizeof(opt_console) },
};

static void reset(void)
{
    opt_debug = false;
    opt_smt = true;
    opt_quiet = false;
    opt_cpus = 4;
    opt_any = 7;
    opt_mem = 256ull << 20;
    strlcpy(opt_console, "com1", sizeof(opt_console));
    shim_log_clear();
}

static int parse(const char *line)
{
    reset();
    return cmdline_parse(line, params, ARRAY_SIZE(params));
}

static void test_known(void)
{
    check_area("cmdline");
    CHECK_EQ_S(parse("debug cpus=8 dom0_mem=512M console=vga any=0x10"), 0,
               "a line of known options has no problems");
    CHECK(opt_debug, "bare bool sets true");
    CHECK_EQ(opt_cpus, 8, "uint value stored");
    CHECK_EQ(opt_any, 16, "uint value in hex");
    CHECK_EQ(opt_mem, 512ull << 20, "size value stored");
    CHECK_STR(opt_console, "vga", "string value stored");
    CHECK_EQ(shim_log_count(LOG_WARN), 0, "nothing reported for a good line");
    CHECK_EQ_S(parse(""), 0, "empty line");
    CHECK_EQ_S(parse(NULL), 0, "NULL line");
    CHECK_EQ_S(parse("  \t debug   cpus=2  "), 0, "extra blanks between words");
    CHECK(opt_debug && opt_cpus == 2, "extra blanks: both options stored");
    CHECK_EQ_S(parse("cpus=2 cpus=3"), 0, "a repeated option");
    CHECK_EQ(opt_cpus, 3, "the last repeat wins");
}

static void test_bool_forms(void)
{
    static const char *const trues[] = { "debug", "debug=1", "debug=yes", "debug=on", "debug=true" };
    static const char *const falses[] = { "no-smt", "smt=0", "smt=no", "smt=off", "smt=false" };

    check_area("cmdline");
    for (size_t i = 0; i < ARRAY_SIZE(trues); i++) {
        CHECK_EQ_S(parse(trues[i]), 0, "'%s' accepted", trues[i]);
        CHECK(opt_debug, "'%s' sets true", trues[i]);
    }
    for (size_t i = 0; i < ARRAY_SIZE(falses); i++) {
        CHECK_EQ_S(parse(falses[i]), 0, "'%s' accepted", falses[i]);
        CHECK(!opt_smt, "'%s' sets false", falses[i]);
    }
    CHECK_EQ_S(parse("debug=maybe"), 1, "bad boolean value counted");
    CHECK(!opt_debug, "bad boolean leaves the default");
    CHECK_CONTAINS(shim_log(), "cmdline: debug: bad boolean 'maybe'", "bad boolean reported");
    CHECK_EQ_S(parse("no-smt=1"), 1, "value on a no- form counted");
    CHECK(opt_smt, "value on a no- form leaves the default");
    CHECK_CONTAINS(shim_log(), "cmdline: no-smt: takes no value", "value on a no- form reported");
    CHECK_EQ_S(parse("no-cpus"), 1, "no- on a number option counted");
    CHECK_CONTAINS(shim_log(), "cmdline: no-cpus: 'no-' applies only to boolean options",
                   "no- on a number option reported");
}

static void test_unknown(void)
{
    check_area("cmdline");
    CHECK_EQ_S(parse("debug bogus=3 cpus=5 nosuch"), 2, "two unknown options counted");
    CHECK(opt_debug && opt_cpus == 5, "known options around unknown ones still stored");
    CHECK_CONTAINS(shim_log(), "cmdline: unknown option 'bogus'\n", "unknown option with value named");
    CHECK_CONTAINS(shim_log(), "cmdline: unknown option 'nosuch'\n", "bare unknown option named");
    CHECK_EQ(shim_log_count(LOG_WARN), 2, "one warning per unknown option");
    CHECK_EQ_S(parse("no-such"), 1, "no- of an unknown option counted");
    CHECK_CONTAINS(shim_log(), "cmdline: unknown option 'no-such'", "no- of an unknown option named");
    CHECK_EQ_S(parse("debugx"), 1, "a longer name is not a prefix match");
    CHECK_EQ_S(parse("debu"), 1, "a shorter name is not a prefix match");
}

static void test_numbers(void)
{
    check_area("cmdline");
    CHECK_EQ_S(parse("cpus=abc"), 1, "bad number counted");
    CHECK_EQ(opt_cpus, 4, "bad number keeps the default");
    CHECK_CONTAINS(shim_log(), "cmdline: cpus: bad number 'abc'", "bad number reported");
    CHECK_EQ_S(parse("cpus=12x"), 1, "trailing junk counted");
    CHECK_CONTAINS(shim_log(), "cmdline: cpus: bad number '12x'", "trailing junk reported");
    CHECK_EQ_S(parse("cpus="), 1, "empty number counted");
    CHECK_EQ_S(parse("cpus"), 1, "missing value counted");
    CHECK_CONTAINS(shim_log(), "cmdline: cpus: missing value", "missing value reported");
    CHECK_EQ_S(parse("cpus=0"), 1, "below the minimum counted");
    CHECK_EQ(opt_cpus, 4, "below the minimum keeps the default");
    CHECK_CONTAINS(shim_log(), "cmdline: cpus: 0 is below the minimum 1", "below the minimum reported");
    CHECK_EQ_S(parse("cpus=65"), 1, "above the maximum counted");
    CHECK_EQ(opt_cpus, 4, "above the maximum keeps the default");
    CHECK_CONTAINS(shim_log(), "cmdline: cpus: 65 is above the maximum 64", "above the maximum reported");
    CHECK_EQ_S(parse("cpus=1 "), 0, "the minimum itself is allowed");
    CHECK_EQ_S(parse("cpus=64"), 0, "the maximum itself is allowed");
    CHECK_EQ(opt_cpus, 64, "the maximum is stored");
    CHECK_EQ_S(parse("any=18446744073709551615"), 0, "max 0 means no bound");
    CHECK_EQ(opt_any, UINT64_MAX, "UINT64_MAX stored");
    CHECK_EQ_S(parse("any=18446744073709551616"), 1, "uint overflow counted");
    CHECK_EQ(opt_any, 7, "uint overflow keeps the default");
    CHECK_CONTAINS(shim_log(), "cmdline: any: '18446744073709551616' is too large", "uint overflow reported");
    CHECK_EQ_S(parse("any=0x000000000000000000000000000000001"), 1, "overlong number counted");
}

static void test_sizes(void)
{
    check_area("cmdline");
    CHECK_EQ_S(parse("dom0_mem=1G"), 0, "size with G");
    CHECK_EQ(opt_mem, 1ull << 30, "size with G stored");
    CHECK_EQ_S(parse("dom0_mem=1M"), 1, "size below the minimum counted");
    CHECK_EQ(opt_mem, 256ull << 20, "size below the minimum keeps the default");
    CHECK_CONTAINS(shim_log(), "cmdline: dom0_mem: 1048576 is below the minimum 16777216",
                   "size below the minimum reported");
    CHECK_EQ_S(parse("dom0_mem=2T"), 1, "size above the maximum counted");
    CHECK_EQ_S(parse("dom0_mem=12Q"), 1, "bad size suffix counted");
    CHECK_CONTAINS(shim_log(), "cmdline: dom0_mem: bad size '12Q'", "bad size suffix reported");
    CHECK_EQ_S(parse("dom0_mem=99999999T"), 1, "size overflow counted");
    CHECK_CONTAINS(shim_log(), "cmdline: dom0_mem: '99999999T' is too large", "size overflow reported");
}

static void test_strings(void)
{
    check_area("cmdline");
    CHECK_EQ_S(parse("console=1234567"), 0, "string filling the buffer exactly");
    CHECK_STR(opt_console, "1234567", "string filling the buffer stored");
    CHECK_EQ_S(parse("console=12345678"), 1, "string one too long counted");
    CHECK_STR(opt_console, "com1", "string too long keeps the default");
    CHECK_CONTAINS(shim_log(), "cmdline: console: value too long (at most 7 characters)",
                   "string too long reported");
    CHECK_EQ_S(parse("console="), 0, "empty string allowed");
    CHECK_STR(opt_console, "", "empty string stored");
    CHECK_EQ_S(parse("console=a=b"), 0, "a value may contain '='");
    CHECK_STR(opt_console, "a=b", "value after the first '=' stored");
    CHECK_EQ_S(parse("console"), 1, "string without a value counted");
}

int main(void)
{
    test_known();
    test_bool_forms();
    test_unknown();
    test_numbers();
    test_sizes();
    test_strings();
    CHECK_EQ_S(shim_locks_held(), 0, "no lock left held");
    return check_done();
}
