/* SPDX-License-Identifier: GPL-2.0-only */
/* Domains and their vCPUs. */
#ifndef MICA_DOMAIN_H
#define MICA_DOMAIN_H

#include <mica/types.h>
#include <mica/spinlock.h>
#include <mica/p2m.h>
#include <mica/text_ring.h>
#include <mica/budget.h>
#include <mica/console.h>
#include <mica/timer.h>
#include <asm/vcpu.h>
#include <public/param.h>

#define MAX_VCPUS        64

struct vplatform;
struct evtchn_domain;     /* event_channel.c */
struct grant_table;       /* grant_table.c */
struct sched_vcpu;        /* the scheduler's per-vCPU state */
struct sched_dom;         /* the scheduler's per-domain state */
#define DOMAIN_NAME_LEN  32

enum vcpu_state {
    VCPU_RUNNABLE,      /* waiting on its pCPU's run queue */
    VCPU_RUNNING,       /* loaded on its pCPU */
    VCPU_BLOCKED,       /* waiting for an event */
    VCPU_DOWN,          /* never runs again (domain ended or vCPU halted) */
};

/*
 * A vCPU's guest time (vcpu_op.c): set up in vcpus_alloc(), torn down in
 * vcpu_free(). Only the vCPU itself, on its own pCPU, changes or reads
 * page_mfn while it lives.
 */
struct vcpu_time {
    struct timer timer;            /* MICA_VCPUOP_set_singleshot_timer: raises MICA_VIRQ_TIMER */
    mfn_t page_mfn;                /* the pinned time page, or INVALID_MFN */
};

struct vcpu {
    struct domain *domain;
    unsigned int id;
    unsigned int pcpu;             /* the CPU whose run queue holds it */
    volatile enum vcpu_state state;
    bool on_runq;
    bool on_cpu;                   /* inside arch_vcpu_run() right now */
    struct vcpu *rq_next;
    uint64_t runtime_ns;
    uint64_t run_since_ns;         /* when its current turn on the CPU began */
    bool started;
    bool wait_sipi;                /* after INIT: only STARTUP makes it run */
    uint8_t upcall_vector;         /* event upcall vector the guest registered (0: none) */
    volatile bool upcall_pending;  /* raised, not yet delivered (no local APIC) */
    struct sched_vcpu *sched;      /* the scheduler's own state */
    bool placed;                   /* counted in its pCPU's load */
    struct vcpu_time time;         /* one-shot timer and time page */
    struct arch_vcpu arch;
};

enum domain_state {
    DOMAIN_RUNNING,
    DOMAIN_SHUTDOWN,    /* ended; waiting for its vCPUs to leave their CPUs */
    DOMAIN_DYING,       /* being torn down */
};

struct domain {
    domid_t id;
    char name[DOMAIN_NAME_LEN];
    bool privileged;
    enum domain_state state;
    int shutdown_reason;           /* MICA_SHUTDOWN_* */
    char crash_reason[96];         /* why the hypervisor killed it, if it did */
    spinlock_t lock;
    struct p2m p2m;
    /*
     * Frames it owns, each mapped once in its p2m (from gfn 0 up at
     * creation; memory_op can punch holes and fill others). Foreign
     * mappings (P2M_FOREIGN) are not counted.
     */
    uint64_t nr_pages;
    spinlock_t mem_lock;           /* memory_op.c changes to nr_pages and the p2m; hypercall copies */
    unsigned int nr_vcpus;
    unsigned int nr_vcpus_alloc;   /* structures in vcpu[] (>= nr_vcpus), freed with it */
    struct vcpu *vcpu[MAX_VCPUS];
    bool console_bol;              /* next console byte starts a line */
    struct console_rate console_rate;   /* its output's share of the UART (console.c) */
    struct vplatform *plat;        /* the PC platform (dom0), or NULL (test kernels) */
    uint8_t uuid[16];              /* from the creator (domctl); zero for boot domains */
    uint64_t max_pages;            /* reservation ceiling (memory_op / domctl) */
    bool paused;                   /* domctl pause: vCPUs do not run */
    struct sched_dom *sched;       /* the scheduler's own state (weight, cap) */
    bool started;                  /* unpaused (or started at boot) at least once */
    bool kept;                     /* made by domctl: kept after shutdown until destroyed */
    uint32_t refcnt;               /* its own (until it dies) + domain_get()s + running vCPUs */
    bool release_deferred;         /* dying, its memory kept by grants mapped elsewhere */
    uint64_t pages_released;       /* RAM frames released when it died */
    bool relinquished;             /* ... and its own reference dropped */
    struct hyp_budget budget;      /* hypervisor memory its requests cause */
    struct text_ring conring;      /* its console output (sysctl readconsole) */
    unsigned int conring_order;    /* its pages: 2^order */
    spinlock_t conring_lock;
    struct evtchn_domain *evtchn;  /* event channels, or NULL */
    struct grant_table *grant;     /* grant table, or NULL */
    uint64_t param[MICA_PARAM_NR]; /* param_op (param.c): ring gfns and ports, 0 = unset */
    uint64_t create_ns;
    uint64_t start_ns;             /* now_ns() at its start (domain_start()); 0: not yet */
    struct domain *next;
};

struct domain_config {
    const char *name;
    uint64_t mem_bytes;
    uint64_t max_mem_bytes;        /* reservation ceiling for the default budget; 0 = mem_bytes */
    uint64_t hyp_budget_kb;        /* 0 = MICA_HYP_BUDGET_DEFAULT_KB */
    unsigned int nr_vcpus;
    int pcpu;                      /* -1: placed by the scheduler */
    bool privileged;
    bool platform;                 /* the virtual PC platform (vplatform_create()) */
};

/* Create a paused domain with zeroed RAM at gfn 0. Returns -errno. */
int domain_create(const struct domain_config *cfg, struct domain **out);
/*
 * The same for the control domain (domctl): the domain is also marked
 * paused (unpause starts it) and kept after shutdown, before it is visible.
 */
int domain_create_ctl(const struct domain_config *cfg, struct domain **out);
/*
 * A reference that keeps a domain's structure from being freed: domain_get()
 * finds it by id in the list (NULL if absent), domain_put() drops it; the
 * last put (after the domain died) takes it out of the list and frees it.
 * Held only for the length of a call.
 */
struct domain *domain_get(domid_t id);
void domain_put(struct domain *d);
/*
 * The domain a hypercall names (like Xen's rcu_lock_domain_by_any_id), the
 * one way every hypercall resolves a domain id: MICA_DOMID_SELF or the
 * caller's own id is the caller; another id needs a privileged caller
 * unless TARGET_ANY. Takes exactly one reference, the caller's included,
 * for one domain_put(). 0, -EPERM (may not name it), -ESRCH (no such
 * domain, or refused by TARGET_ALIVE / TARGET_RUNNING).
 */
#define TARGET_ANY      0x1u    /* any caller may name any domain (peers, granters) */
#define TARGET_ALIVE    0x2u    /* not one that is dying or about to (domain_is_dying()) */
#define TARGET_RUNNING  0x4u    /* only a running domain */
int domain_get_target(const struct domain *self, uint64_t id, unsigned int flags,
                      struct domain **out);
/* References held on d now (getinfo's refs, the debug keys). */
uint32_t domain_refs(const struct domain *d);
/* Another reference to a domain the caller knows is alive (one of its vCPUs runs here). */
void domain_hold(struct domain *d);
/* The lowest id >= id in the list, referenced like domain_get(), or NULL. */
struct domain *domain_get_next(domid_t id);
/*
 * The control domain destroys d (it holds a reference): d is shut down if
 * it still runs, and this returns once every vCPU has left its CPU and d is
 * dying, its RAM released; the caller's domain_put() then normally frees
 * the rest. Never waits for other references.
 */
void domain_destroy(struct domain *d);
/* Shut down or dying, or about to be: no new mappings of its frames. */
bool domain_is_dying(const struct domain *d);
/*
 * Change the vCPU count of a domain that has never run (domctl): new vCPUs
 * are down until STARTUP (or a set context); removed ones stay allocated
 * (down) until the domain is freed. 0 or -ENOMEM (then the count is
 * unchanged).
 */
int domain_set_vcpus(struct domain *d, unsigned int n);
/* Its console output, by offset (<mica/text_ring.h>); conring_lock taken inside. */
void domain_console_put(struct domain *d, const char *s, size_t len);
size_t domain_console_read(struct domain *d, uint64_t *offset, char *buf, size_t len,
                           uint64_t *lost, uint64_t *head);
/* Make every vCPU runnable. */
void domain_start(struct domain *d);
/* End a domain; its memory is scrubbed and freed once its vCPUs stop. */
void domain_shutdown(struct domain *d, int reason);
/* The hypervisor kills a misbehaving domain: logged with the reason. */
void domain_crash(struct domain *d, const char *fmt, ...) __printf(2, 3);
/* Called on a vCPU's CPU after it left arch_vcpu_run(). */
void domain_vcpu_left_cpu(struct vcpu *v);
/*
 * v stopped for good (HLT with interrupts off: nothing can wake it, as on
 * real hardware): it goes down, and the domain powers off once every vCPU
 * of it is down.
 */
void domain_vcpu_halted(struct vcpu *v);
unsigned int domains_alive(void);
/* One line per domain in the list (debug key 'd'): state, references, memory. */
void domains_dump(void);

/*
 * After entries of d's p2m were unmapped or trimmed: every vCPU of d drops
 * the old translations (arch_domain_flush_tlb()), then the tables those
 * unmaps emptied are freed, the one order in which freeing them is safe.
 * Interrupts on, as for the flush.
 */
void domain_p2m_flush(struct domain *d);

/* Copy into a domain's RAM by guest-physical address (the domain builder). */
int copy_to_gpa(struct domain *d, gpa_t gpa, const void *src, size_t len);
int zero_gpa(struct domain *d, gpa_t gpa, size_t len);

/*
 * len bytes at gpa, all in one page, to (to_guest) or from buf, with the
 * frame held against memory_op: 0, or -EFAULT if it is not the domain's
 * memory (or, to_guest, not writable in its p2m).
 */
int copy_gpa_chunk(struct domain *d, gpa_t gpa, void *buf, size_t len, bool to_guest);

/* Copy through the vCPU's own page tables (hypercall arguments): -EFAULT. */
int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len);
int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len);

/* Guest-linear to guest-physical through the guest's page tables (arch). */
int guest_linear_to_gpa(const struct guest_paging *gp, struct p2m *p2m,
                        uint64_t la, bool write, gpa_t *gpa);

/* What happens when the last domain ends (set by the boot code). */
extern void (*on_last_domain_end)(void);
/* What happens when the privileged domain ends (set by the boot code). */
extern void (*on_dom0_end)(struct domain *d, int reason);

#endif
