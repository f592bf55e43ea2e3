/*
 * domain.h: a domain is a paravirtual guest: its own address space (page
 * directory), one virtual CPU (the saved registers), its event ports and
 * timer, and the frames it owns. Domains live in a fixed table indexed by
 * their id; module N of the boot loader becomes domain N.
 *
 * Who runs: kernel/sched.c. Events: kernel/event.h. Hypercalls:
 * kernel/hypercall.c. Building one from an ELF module: kernel/builder.c.
 */
#ifndef SV_DOMAIN_H
#define SV_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>
#include "event.h"
#include "fpu.h"
#include "paging.h"
#include "sharevisor.h"
#include "smp.h"
#include "trap.h"

enum domain_state {
	DOM_UNUSED = 0,		/* free slot */
	DOM_RUNNABLE,		/* running, or waiting for the CPU */
	DOM_BLOCKED,		/* in SV_OP_BLOCK: waits for an unmasked event */
	DOM_EXITED,		/* called SV_OP_EXIT: resources gone, status kept */
	DOM_KILLED,		/* faulted: resources gone, vector kept */
};

struct domain {
	sv_domid_t id;
	enum domain_state state;
	bool privileged;		/* domain 0 */
	char name[SV_NAME_MAX];
	int32_t exit_status;		/* EXITED: its status; KILLED: the vector, or -1 */
	char fate[40];			/* KILLED: why, for the report at power-off */

	pde_t *pgdir;			/* its address space */
	struct trapframe ctx;		/* its registers, saved here by its traps */
	uint32_t hv_stack;		/* right after ctx (kernel/trapentry.asm): the
					   hypervisor stack of the CPU it runs on */
	struct cpu *cpu;		/* the CPU it runs on (or last ran on) */
	int8_t pin;			/* cpu=N: the only CPU it runs on; -1 any */
	struct fpu_state fpu;		/* its x87/MMX/SSE registers (kernel/fpu.c) */
	struct sv_start_info *start_info;	/* our view (direct map) of its pages */
	struct sv_shared_info *shared;
	uint32_t pages;			/* frames it owns */

	struct port_binding ports[SV_NR_PORTS];	/* what each event port is bound
						   to (kernel/ports.c) */

	uint32_t callback;		/* upcall entry, 0 = none */
	/* The guest page of the last upcall frame and our view of it, good
	 * while unmap_epoch is upcall_epoch (event_deliver); the builder
	 * starts upcall_epoch at UINT64_MAX, which unmap_epoch never is. */
	uint32_t upcall_page;
	uintptr_t upcall_view;
	uint64_t upcall_epoch;
	uint64_t timer_deadline_ns;	/* one-shot timer, 0 = not armed */

	char line[SV_CONSOLE_LINE];	/* console output waiting for its newline */
	uint32_t line_len;
};

_Static_assert(__builtin_offsetof(struct domain, hv_stack) ==
	       __builtin_offsetof(struct domain, ctx) + TRAPFRAME_SIZE,
	       "kernel/trapentry.asm finds the stack just past the frame");

/* An unmasked port is pending (kernel/event.h). */
static inline bool event_ready(const struct domain *d)
{
	return (d->shared->event_pending & ~d->shared->event_mask) != 0;
}

/* kernel/domain.c. domain_get and domain_alive are on every path
 * between domains, so they are inline. */
extern struct domain domains[SV_MAX_DOMAINS];

/* Any state but UNUSED, or NULL. */
static inline struct domain *domain_get(uint32_t id)
{
	if (id >= SV_MAX_DOMAINS || domains[id].state == DOM_UNUSED)
		return NULL;
	return &domains[id];
}

/* RUNNABLE or BLOCKED. */
static inline bool domain_alive(const struct domain *d)
{
	return d->state == DOM_RUNNABLE || d->state == DOM_BLOCKED;
}

struct domain *domain_alloc(uint32_t id);	/* claim slot id, or NULL */
void domain_exit(struct domain *d, int32_t status);
/* Kill d. tf: its registers if it faulted (printed), or NULL; why: a
 * full sentence for the log; fate: a few words for the final report. */
void domain_kill(struct domain *d, const struct trapframe *tf, const char *why,
		 const char *fate);
void domain_release_memory(struct domain *d);	/* frames and page tables back */
int domains_alive(void);
/* Print every domain's fate; true if all exited with status 0. */
bool domains_report(void);

/* kernel/builder.c: build domain index from a boot module; false if refused. */
struct boot_module;
bool domain_build(const struct boot_module *m);

/* kernel/sched.c */
/* The domain this CPU runs (the one whose trap is being handled), or
 * last ran while it idles; NULL before the first. */
#define current (this_cpu()->running)
/* Set d's state; the only way to change it, so that the run queue, one
 * bit per domain, is always what the states say. Inline: a wake-up and
 * a block are on every path between domains. */
extern uint32_t runnable;	/* kernel/sched.c: bit id is DOM_RUNNABLE */
static inline void domain_set_state(struct domain *d, enum domain_state state)
{
	d->state = state;
	if (state == DOM_RUNNABLE)
		runnable |= 1u << d->id;
	else
		runnable &= ~(1u << d->id);
}
uint32_t sched_runnable(void);			/* bit id: domain id is RUNNABLE */
void sched_wake(struct domain *d);		/* BLOCKED -> RUNNABLE */
void sched_yield(struct domain *d);		/* the running d: reschedule on the way out */
void sched_tick(void);				/* the PIT's tick, if not tickless */
void sched_keep_time(bool use_apic_timers);	/* tickless, or the PIT's tick */
void sched_timer_set(struct domain *d, uint64_t deadline);	/* SV_OP_TIMER_SET */
void sched_deadline(uint64_t at);		/* a timer or device deadline was set */
void sched_timer_interrupt(void);		/* this CPU's APIC timer fired */
/* Note the free frames, page tables and share pages before any domain is
 * built: the end of the run reports them and checks every frame is back. */
void sched_snapshot_memory(void);
/* Run the domains; powers off when the last one has ended. */
void sched_start(void) __attribute__((noreturn));
/* The frame to resume on the way out of a trap from a guest. */
struct trapframe *sched_return_to_guest(struct trapframe *tf);
struct trapframe *sched_first_frame(void);	/* and on the way into the first */

/* The domain whose saved registers tf is (a trap from ring 3 builds its
 * frame in the running domain's ctx). */
static inline struct domain *domain_of_frame(struct trapframe *tf)
{
	return (struct domain *)((char *)tf - __builtin_offsetof(struct domain, ctx));
}

/* kernel/hypercall.c */
void hypercall(struct domain *d, struct trapframe *tf);
const char *hypercall_name(uint32_t op);	/* "sg_xfer", or "unknown" */
void console_flush_domain(struct domain *d);

#endif /* SV_DOMAIN_H */
