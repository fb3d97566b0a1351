/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unit tests for hypervisor/common/timer.c: list order, when the local
 * hardware timer is programmed and when another CPU is kicked, stopping,
 * re-arming (also from the callback), migration and timer_kill.
 *
 * timer.c is compiled into this file rather than listed in unit.mk, like
 * vlapic.c in test_vlapic.c: it takes the CPU number from
 * smp_processor_id() and saves the interrupt flag with local_irq_save(),
 * both inline asm in the arch headers (a gs: load and a cli, which would
 * fault in a host process). Those headers are included first, so their
 * guards make timer.c's own #includes no-ops, and the names are redirected
 * to fakes for timer.c only; so is cpu_relax(), which lets timer_kill's
 * wait be counted and ended by "another CPU". No hypervisor source is
 * changed.
 *
 * One thread plays every CPU: fake_cpu says which one is "current", and
 * fake_now is the clock. arch_timer_program and arch_timer_kick (the arch
 * hooks timer.c calls) only record their calls. The shim's spin locks
 * catch a lock taken twice, and every test ends by checking that no lock
 * is held and every local_irq_save was restored. A list corrupted into a
 * cycle would make timer.c loop forever, so a watchdog turns a hang into a
 * FAIL line.
 *
 * (<unistd.h> stays out: its unlink() would clash with timer.c's.)
 */
#include <asm/x86.h>
#include <asm/percpu.h>
#include <asm/time.h>

static unsigned int fake_cpu;
static int irq_saves;               /* local_irq_save() not yet restored */
static unsigned int relax_spins;
static void (*relax_hook)(void);    /* what "another CPU" does while timer_kill spins */

static unsigned long fake_irq_save(void)
{
    irq_saves++;
    return 0x202;
}

static void fake_irq_restore(unsigned long f)
{
    (void)f;
    irq_saves--;
}

static void fake_cpu_relax(void);     /* below, with the other stubs */

#define smp_processor_id()   (fake_cpu)
#define local_irq_save()     fake_irq_save()
#define local_irq_restore(f) fake_irq_restore(f)
#define cpu_relax()          fake_cpu_relax()
#include "../../hypervisor/common/timer.c"
#undef smp_processor_id
#undef local_irq_save
#undef local_irq_restore
#undef cpu_relax

#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>

#include <mica/lib.h>

#include "check.h"
#include "shim.h"

#define NCPU 3

static uint64_t fake_now;
static unsigned int programs, kicks;
static uint64_t program_last;
static unsigned int kick_last;
static char run_log[64];            /* names of the callbacks run, in order */

/* ---- stubs: what timer.c needs from the arch ---- */

uint64_t now_ns(void)
{
    return fake_now;
}

void arch_timer_program(uint64_t when_ns)
{
    programs++;
    program_last = when_ns;
}

void arch_timer_kick(unsigned int cpu)
{
    kicks++;
    kick_last = cpu;
}

/* A timer_kill that spins forever would hang the test; stop it instead. */
static void fake_cpu_relax(void)
{
    relax_spins++;
    if (relax_hook)
        relax_hook();
    if (relax_spins > 1000)
        shim_fatal("timer_kill still spinning after %u cpu_relax()", relax_spins);
}

/* ---- probes: timers whose callback records what it saw ---- */

struct probe {
    struct timer t;
    char name;
    unsigned int runs;
    unsigned int ran_on;            /* fake_cpu during the last run */
    bool saw_running;               /* lists[cpu].running was this timer */
    bool saw_locked;                /* a lock was held during the callback */
    unsigned int rearms;            /* re-arm itself this many more times... */
    uint64_t rearm_at;              /* ...for this time */
    bool rearm_now;                 /* ...or for "now", the clock having moved on */
};

static void probe_fn(struct timer *t)
{
    struct probe *p = t->data;
    size_t n = strlen(run_log);

    p->runs++;
    p->ran_on = fake_cpu;
    p->saw_running = lists[fake_cpu].running == t;
    p->saw_locked |= shim_locks_held() != 0;
    if (n + 1 < sizeof(run_log))
        run_log[n] = p->name;
    if (p->rearms) {
        p->rearms--;
        if (p->rearm_now)
            fake_now++;             /* the callback took some time */
        timer_set(t, p->rearm_now ? fake_now : p->rearm_at);
    }
}

static void probe_init(struct probe *p, char name, unsigned int cpu)
{
    *p = (struct probe){ .name = name };
    timer_init(&p->t, probe_fn, p, cpu);
}

/* Four timers on CPU 0, named A to D. */
static void probes_abcd(struct probe *a, struct probe *b, struct probe *c, struct probe *d)
{
    probe_init(a, 'A', 0);
    probe_init(b, 'B', 0);
    probe_init(c, 'C', 0);
    probe_init(d, 'D', 0);
}

/* Fresh lists and records, CPU 0 current, clock at 0. */
static void reset(void)
{
    for (unsigned int cpu = 0; cpu < NCPU; cpu++)
        timers_init_cpu(cpu);
    memset(run_log, 0, sizeof(run_log));
    programs = kicks = 0;
    program_last = kick_last = 0;
    relax_spins = 0;
    relax_hook = NULL;
    fake_cpu = 0;
    fake_now = 0;
}

/* Run cpu's due timers at time now; the run log starts empty. */
static void run_on(unsigned int cpu, uint64_t now)
{
    memset(run_log, 0, sizeof(run_log));
    fake_cpu = cpu;
    fake_now = now;
    timers_run();
    fake_cpu = 0;
}

/* The names on cpu's list, head first; a '!' if it goes on past 32 (a cycle). */
static const char *list_names(unsigned int cpu)
{
    static char names[34];
    unsigned int n = 0;

    for (struct timer *t = lists[cpu].head; t && n < 33; t = t->next, n++)
        names[n] = n < 32 ? ((struct probe *)t->data)->name : '!';
    names[n] = 0;
    return names;
}

static void check_balanced(const char *after)
{
    CHECK(shim_locks_held() == 0 && irq_saves == 0,
          "no lock held and interrupts restored after %s", after);
}

/* ---- tests ---- */

static void test_order(void)
{
    struct probe p[5];

    reset();
    probe_init(&p[0], 'A', 0);
    probe_init(&p[1], 'B', 0);
    probe_init(&p[2], 'C', 0);
    probe_init(&p[3], 'D', 0);
    probe_init(&p[4], 'E', 0);
    timer_set(&p[0].t, 300);
    timer_set(&p[1].t, 100);
    timer_set(&p[2].t, 200);
    timer_set(&p[3].t, 200);
    timer_set(&p[4].t, 100);
    CHECK_STR(list_names(0), "BECDA", "the list is sorted by expiry, equal expiries in arming order");
    run_on(0, 1000);
    CHECK_STR(run_log, "BECDA", "timers run in expiry order, equal expiries in arming order");
    CHECK(lists[0].head == NULL, "every due timer left the list");
    check_balanced("arming and running");
}

static void test_program(void)
{
    struct probe a, b, c, d;

    reset();
    probes_abcd(&a, &b, &c, &d);
    timer_set(&a.t, 500);
    CHECK(programs == 1 && program_last == 500,
          "arming the first local timer programs its expiry (%u calls, last %llu)",
          programs, (unsigned long long)program_last);
    timer_set(&b.t, 800);
    CHECK_EQ(programs, 1, "arming a later local timer does not reprogram");
    timer_set(&c.t, 200);
    CHECK(programs == 2 && program_last == 200,
          "arming an earlier local timer programs the new head (%u calls, last %llu)",
          programs, (unsigned long long)program_last);
    timer_set(&d.t, 200);
    CHECK_EQ(programs, 2, "arming one equal to the head does not reprogram (it goes behind)");
    timer_set(&c.t, 150);
    CHECK(programs == 3 && program_last == 150,
          "re-arming the head earlier reprograms (%u calls, last %llu)",
          programs, (unsigned long long)program_last);
    CHECK_EQ(kicks, 0, "local timers kick no CPU");
    check_balanced("arming local timers");
}

static void test_kick(void)
{
    struct probe r, s, u, local;

    reset();
    probe_init(&r, 'R', 1);
    probe_init(&s, 'S', 1);
    probe_init(&u, 'U', 1);
    probe_init(&local, 'L', 0);
    timer_set(&local.t, 50);
    programs = 0;
    timer_set(&r.t, 100);
    CHECK(kicks == 1 && kick_last == 1, "arming CPU 1's first timer kicks CPU 1 (%u kicks, last %u)",
          kicks, kick_last);
    CHECK_EQ(programs, 0, "arming another CPU's timer does not program this CPU's");
    timer_set(&s.t, 200);
    CHECK_EQ(kicks, 1, "arming a later timer on CPU 1 does not kick it");
    timer_set(&u.t, 80);
    CHECK(kicks == 2 && kick_last == 1, "arming a new head on CPU 1 kicks it again (%u kicks)",
          kicks);
    run_on(0, 1000);
    CHECK_STR(run_log, "L", "CPU 0 runs only its own timers");
    run_on(1, 1000);
    CHECK_STR(run_log, "URS", "CPU 1 runs its timers, in order");
    CHECK(r.ran_on == 1 && s.ran_on == 1 && u.ran_on == 1, "CPU 1's callbacks ran with CPU 1 current");
    check_balanced("arming remote timers");
}

static void test_rearm_and_stop(void)
{
    struct probe a, b, c, d;

    reset();
    probes_abcd(&a, &b, &c, &d);
    timer_set(&a.t, 100);
    timer_set(&b.t, 200);
    timer_set(&a.t, 300);
    timer_set(&c.t, 400);
    timer_set(&c.t, 50);
    CHECK_STR(list_names(0), "CBA", "the list holds each re-armed timer once, in order");
    run_on(0, 1000);
    CHECK_STR(run_log, "CBA", "re-arming an active timer moves it, later or earlier");
    CHECK(a.runs == 1 && c.runs == 1, "a re-armed timer runs once (A %u, C %u)", a.runs, c.runs);

    reset();
    timer_set(&a.t, 100);
    timer_set(&b.t, 200);
    timer_set(&c.t, 300);
    timer_stop(&b.t);
    CHECK(!b.t.active, "a stopped timer is inactive");
    timer_stop(&b.t);
    timer_stop(&d.t);
    timer_stop(&a.t);
    run_on(0, 1000);
    CHECK_STR(run_log, "C", "stopped timers (the head and a middle one) never run; "
              "stopping an inactive or never-armed timer is harmless");
    check_balanced("re-arming and stopping");
}

static void test_run_due(void)
{
    struct probe a, b, c, d;

    reset();
    probes_abcd(&a, &b, &c, &d);
    timer_set(&a.t, 100);
    timer_set(&b.t, 200);
    timer_set(&c.t, 300);
    programs = 0;
    run_on(0, 200);
    CHECK_STR(run_log, "AB", "timers_run runs those expired or expiring now, not later ones");
    CHECK(!a.t.active && !b.t.active && c.t.active, "the run ones are inactive, the later one armed");
    CHECK(programs == 1 && program_last == 300,
          "timers_run programs the remaining head's expiry (%u calls, last %llu)",
          programs, (unsigned long long)program_last);
    CHECK(a.saw_running && b.saw_running, "running names the timer while its callback runs");
    CHECK(!a.saw_locked && !b.saw_locked, "callbacks run with the list unlocked");
    CHECK(lists[0].running == NULL, "running is NULL after timers_run");

    run_on(0, 300);
    programs = 0;
    run_on(0, 5000);
    CHECK(run_log[0] == 0 && programs == 0, "timers_run on an empty list runs and programs nothing");
    check_balanced("timers_run");
}

static void test_callback_rearm(void)
{
    struct probe p, f, g, later;

    /* timers_run takes the head again after each callback, so one re-armed
     * at or before now runs again in the same pass. */
    reset();
    probe_init(&p, 'P', 0);
    probe_init(&later, 'L', 0);
    p.rearms = 1;
    p.rearm_at = 980;
    timer_set(&p.t, 500);
    timer_set(&later.t, 950);
    run_on(0, 1000);
    CHECK_STR(run_log, "PLP", "a callback re-arming itself in the past runs again in the same pass, "
              "in expiry order");
    CHECK(!p.t.active && lists[0].head == NULL, "nothing is left armed after it stops re-arming");

    reset();
    probe_init(&f, 'F', 0);
    probe_init(&g, 'G', 0);
    f.rearms = 1;
    f.rearm_at = 3000;
    timer_set(&f.t, 500);
    timer_set(&g.t, 2000);
    programs = 0;
    program_last = 0;
    run_on(0, 1000);
    CHECK(f.runs == 1 && f.t.active && f.t.expires == 3000,
          "a callback re-arming itself in the future is left armed for then (%u runs)", f.runs);
    CHECK_STR(list_names(0), "GF", "it is queued by its new expiry");
    CHECK(program_last == 2000, "the hardware ends up programmed for the new head (last %llu)",
          (unsigned long long)program_last);
    CHECK(lists[0].running == NULL, "running is NULL after a pass with re-arming callbacks");
    run_on(0, 3000);
    CHECK(strcmp(run_log, "GF") == 0 && f.runs == 2, "the re-armed timer runs when its time comes");

    /* A guest's periodic timer with a tiny period: each run re-arms for "now". */
    reset();
    probe_init(&p, 'P', 0);
    p.rearms = 1000;
    p.rearm_now = true;
    timer_set(&p.t, 100);
    run_on(0, 100);
    CHECK(p.runs == 1 && p.t.active && p.t.expires == 101,
          "a callback re-arming for a time after the pass began waits for the next pass "
          "(%u runs in one pass)", p.runs);
    CHECK(program_last == 101, "and the hardware is programmed for it (%llu)",
          (unsigned long long)program_last);
    check_balanced("callbacks re-arming themselves");
}

static void test_migrate_armed(void)
{
    struct probe a, b, head1;

    reset();
    probe_init(&a, 'A', 0);
    probe_init(&b, 'B', 0);
    probe_init(&head1, 'H', 1);
    timer_set(&a.t, 500);
    kicks = programs = 0;
    timer_migrate(&a.t, 1);
    CHECK(a.t.cpu == 1 && a.t.active && a.t.expires == 500,
          "an armed timer migrates armed, with its expiry (cpu %u, active %d, expires %llu)",
          a.t.cpu, a.t.active, (unsigned long long)a.t.expires);
    CHECK(kicks == 1 && kick_last == 1, "becoming CPU 1's head kicks CPU 1 (%u kicks, last %u)",
          kicks, kick_last);
    CHECK_EQ(programs, 0, "migrating away does not program this CPU");
    run_on(0, 1000);
    CHECK_STR(run_log, "", "the old CPU no longer runs it");
    run_on(1, 1000);
    CHECK(strcmp(run_log, "A") == 0 && a.ran_on == 1, "the new CPU runs it");

    reset();
    timer_set(&head1.t, 100);
    timer_set(&b.t, 700);
    kicks = 0;
    timer_migrate(&b.t, 1);
    CHECK_EQ(kicks, 0, "migrating behind CPU 1's head does not kick it");
    run_on(1, 1000);
    CHECK_STR(run_log, "HB", "the migrated timer takes its place by expiry in the new list");

    reset();
    probe_init(&a, 'A', 1);
    timer_set(&a.t, 400);
    kicks = programs = 0;
    timer_migrate(&a.t, 0);
    CHECK(programs == 1 && program_last == 400 && kicks == 0,
          "migrating to this CPU as head programs it, kicks none (%u programs, %u kicks)",
          programs, kicks);
    check_balanced("migrating armed timers");
}

static void test_migrate_other(void)
{
    struct probe a, b;

    reset();
    probe_init(&a, 'A', 0);
    timer_migrate(&a.t, 2);
    CHECK(a.t.cpu == 2 && !a.t.active && kicks == 0 && programs == 0,
          "an unarmed timer's migration only changes its cpu (cpu %u, active %d, %u kicks)",
          a.t.cpu, a.t.active, kicks);
    timer_set(&a.t, 100);
    CHECK(kicks == 1 && kick_last == 2, "arming it afterwards kicks its new CPU");

    reset();
    probe_init(&b, 'B', 0);
    timer_set(&b.t, 300);
    kicks = programs = 0;
    timer_migrate(&b.t, 0);
    CHECK(b.t.cpu == 0 && b.t.active && lists[0].head == &b.t && kicks == 0 && programs == 0,
          "migrating to the same CPU changes nothing");
    check_balanced("migrating unarmed timers and to the same CPU");
}

/* What CPU 1 does while timer_kill waits: its callback finishes. */
static void finish_callback_on_cpu1(void)
{
    if (relax_spins == 3)
        __atomic_store_n(&lists[1].running, NULL, __ATOMIC_SEQ_CST);
}

static struct timer *rearm_victim;

/* CPU 1's callback re-arms its own timer, then returns. */
static void rearm_and_finish_on_cpu1(void)
{
    if (relax_spins == 2) {
        unsigned int cpu = fake_cpu;

        fake_cpu = 1;
        timer_set(rearm_victim, fake_now + 50);
        fake_cpu = cpu;
        __atomic_store_n(&lists[1].running, NULL, __ATOMIC_SEQ_CST);
    }
}

static void test_kill(void)
{
    struct probe a, b;

    reset();
    probe_init(&a, 'A', 0);
    probe_init(&b, 'B', 0);
    timer_kill(&a.t);
    CHECK(!a.t.active && relax_spins == 0, "killing an inactive timer leaves it inactive at once");
    timer_set(&a.t, 100);
    CHECK(!a.t.active && lists[0].head == NULL, "arming a killed timer does nothing");
    probe_init(&a, 'A', 0);
    timer_set(&a.t, 100);
    CHECK(a.t.active, "timer_init makes a killed timer usable again");
    timer_set(&b.t, 200);
    timer_kill(&a.t);
    CHECK(!a.t.active, "killing an active timer leaves it inactive");
    run_on(0, 1000);
    CHECK_STR(run_log, "B", "a killed timer never runs");

    /* Its callback "running" on CPU 1 (t->cpu may have changed since). */
    reset();
    lists[1].running = &a.t;
    relax_hook = finish_callback_on_cpu1;
    timer_kill(&a.t);
    CHECK(relax_spins == 3 && lists[1].running == NULL,
          "timer_kill waits until the callback running on another CPU returns (%u spins)",
          relax_spins);
    relax_hook = NULL;

    /* That callback re-arms its timer before returning (as the vLAPIC's does). */
    reset();
    probe_init(&a, 'A', 1);
    lists[1].running = &a.t;
    relax_hook = rearm_and_finish_on_cpu1;
    rearm_victim = &a.t;
    timer_kill(&a.t);
    relax_hook = NULL;
    CHECK(!a.t.active && lists[1].head == NULL,
          "a callback re-arming its timer while timer_kill waits leaves it unarmed (active %d)",
          a.t.active);
    check_balanced("timer_kill");
}

static void watchdog_fired(int sig)
{
    (void)sig;
    printf("FAIL timer: still running after 10 s (a timer list with a cycle?)\n");
    fflush(stdout);
    _Exit(1);
}

int main(void)
{
    struct itimerval ten_s = { .it_value = { .tv_sec = 10 } };

    signal(SIGALRM, watchdog_fired);
    setitimer(ITIMER_REAL, &ten_s, NULL);
    check_area("timer");
    test_order();
    test_program();
    test_kick();
    test_rearm_and_stop();
    test_run_due();
    test_callback_rearm();
    test_migrate_armed();
    test_migrate_other();
    test_kill();
    return check_done();
}
