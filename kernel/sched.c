/*
 * sched.c: which domain runs, and the way back into it.
 *
 * One CPU, one hypervisor stack. When a guest traps (hypercall, interrupt,
 * fault) the CPU saves its registers as a struct trapframe in the running
 * domain's struct domain (its ctx: the TSS points the CPU there), and
 * trap() hands that frame here on the way out. If the current domain may
 * go on, we return into it. Otherwise we pick the next runnable domain
 * round robin and return its frame instead: the iret at the end of
 * trapentry.asm then "returns" into the other domain, from the registers
 * its own last trap saved. There are no per-domain hypervisor stacks and
 * no context-switch routine: the hypervisor never sleeps in the middle of
 * something, so its stack is empty whenever a guest runs.
 *
 * While another domain waits for its CPU, a domain runs for SLICE_NS at
 * most before that one gets the CPU, so a guest that spins cannot starve
 * the others. When no domain is runnable the CPU halts until an
 * interrupt; when no domain is left at all, the hypervisor reports and
 * powers off.
 *
 * Time: tickless. Each CPU's local APIC timer is one-shot, programmed for
 * the earliest thing that CPU must do: end its slice (only while someone
 * waits for it), and, on the one CPU that keeps them (the "keeper"), the
 * domains' timers and the devices' deadlines. While nothing is due, no
 * timer interrupt comes at all. Without an APIC timer (or with
 * tick=periodic) the PIT's 100 Hz tick on CPU 0 checks the same times
 * instead (sched_tick).
 */
#include "device.h"
#include "domain.h"
#include "fpu.h"
#include "frame.h"
#include "klib.h"
#include "lapic.h"
#include "lock.h"
#include "memlayout.h"
#include "param.h"
#include "power.h"
#include "profile.h"
#include "segment.h"
#include "timer.h"
#include "tsc.h"
#include "x86.h"

#define SLICE_NS	20000000ull	/* 20 ms */

uint32_t runnable;		/* bit id: domain id is DOM_RUNNABLE (the run queue) */
uint32_t on_cpu_mask;		/* bit id: domain id runs on a CPU (cpus[i].running) */
/* The hypervisor's memory before any domain was built (sched_snapshot_memory). */
static uint32_t frames_free_at_start, pagetables_at_start, share_pages_at_start;

/* Tickless (the APIC timers keep time), or the PIT's periodic tick. */
static bool tickless;

/* The deadlines that belong to no CPU (domains' timers, devices' slices
 * and grace periods): the earliest one ahead, and the CPU whose timer
 * is armed for it. Any CPU may take the job over by arming its own
 * timer for an earlier one; the old keeper's timer then fires for
 * nothing, once. */
static uint64_t keeper_at;
static struct cpu *keeper;

uint32_t sched_runnable(void)
{
	return runnable;
}

/* d became runnable while other CPUs run: wake one that may run it, if
 * one is idle; else, if it may run only on one (cpu=N), tell that one to
 * choose again now, not at the end of its slice. */
static void place(struct domain *d)
{
	struct cpu *me = this_cpu();
	for (uint32_t i = 0; i < ncpus; i++) {
		struct cpu *c = &cpus[i];
		if (c->idle && !(c->not_here & 1u << d->id)) {
			if (c != me)
				smp_kick(c);
			return;
		}
	}
	if (d->pin >= 0 && &cpus[d->pin] != me) {
		cpus[d->pin].need_resched = true;
		smp_kick(&cpus[d->pin]);
		return;
	}
	/* Every CPU that may run d is busy: d waits for the end of a slice,
	 * ours if we may run it, else another's, which is told so. */
	if (!(me->not_here & 1u << d->id)) {
		me->need_slice = true;
		return;
	}
	for (uint32_t i = 0; i < ncpus; i++) {
		struct cpu *c = &cpus[i];
		if (!(c->not_here & 1u << d->id)) {
			c->need_slice = true;
			smp_kick(c);
			return;
		}
	}
}

void sched_wake(struct domain *d)
{
	if (d->state == DOM_BLOCKED) {
		domain_set_state(d, DOM_RUNNABLE);
		if (smp_on)
			place(d);
		else
			cpus[0].need_slice = true;	/* d waits for the one CPU */
	}
}

void sched_yield(struct domain *d)
{
	d->cpu->need_resched = true;
}

/* Raise SV_PORT_TIMER for every domain whose deadline has come; return
 * the earliest deadline still ahead, or 0. */
static uint64_t fire_timers(uint64_t now)
{
	uint64_t next = 0;
	for (uint32_t id = 0; id < SV_MAX_DOMAINS; id++) {
		struct domain *d = domain_get(id);
		uint64_t at = d && domain_alive(d) ? d->timer_deadline_ns : 0;
		if (!at)
			continue;
		if (now >= at) {
			d->timer_deadline_ns = 0;
			event_raise(d, SV_PORT_TIMER);
		} else if (!next || at < next) {
			next = at;
		}
	}
	return next;
}

static uint64_t earlier(uint64_t a, uint64_t b)	/* of two times; 0 is none */
{
	return !a || (b && b < a) ? b : a;
}

/* The domains' timers and the devices' deadlines that have come; the
 * earliest still ahead, or 0. */
static uint64_t fire_deadlines(uint64_t now)
{
	uint64_t next = fire_timers(now);
	device_tick(now);	/* device slices: release requests, revocations */
	return earlier(next, device_next_deadline());
}

/* Program c's APIC timer (c is this CPU) for the earliest of what c
 * keeps: its slice's end, and, if c is the keeper, the deadlines. */
static void timer_program(struct cpu *c, uint64_t now)
{
	uint64_t at = earlier(tickless ? c->slice_end_ns : 0, keeper == c ? keeper_at : 0);
	if (!at || at == c->timer_at || !lapic_timer_present())
		return;		/* nothing (more) to do: a stale timer fires for nothing */
	c->timer_at = at;
	lapic_timer_arm(at > now ? at - now : 0);
}

/* A deadline at `at` was set (a domain's timer, a device's slice or
 * grace period): unless the keeper fires earlier, this CPU keeps them
 * from now. Whoever fires looks at them all and arms for the next. */
void sched_deadline(uint64_t at)
{
	if (!at || (keeper_at && keeper_at <= at))
		return;
	keeper_at = at;
	keeper = this_cpu();
	timer_program(keeper, tsc_now_ns());
}

/* SV_OP_TIMER_SET by d: SV_PORT_TIMER at the deadline, to the
 * nanosecond as the TSC clock counts. */
void sched_timer_set(struct domain *d, uint64_t deadline)
{
	d->timer_deadline_ns = deadline;
	sched_deadline(deadline);
}

/* Someone waits for c: its current domain's slice ends SLICE_NS from
 * now, unless one is ending already and this is the same domain's. */
static void __attribute__((noinline)) slice_start(struct cpu *c, bool new_domain)
{
	c->need_slice = false;
	if (c->slice_end_ns && !new_domain)
		return;
	uint64_t now = tsc_now_ns();
	c->slice_end_ns = now + SLICE_NS;
	timer_program(c, now);
}

/* Is a domain that c may run waiting for a CPU? */
static bool someone_waits_for(const struct cpu *c)
{
	return runnable & ~on_cpu_mask & ~c->not_here;
}

/* c's slice has ended: it chooses again on its way out, if it still
 * has someone to give the CPU to. */
static void slice_over(struct cpu *c, struct cpu *me)
{
	c->slice_end_ns = 0;
	if (!someone_waits_for(c))
		return;
	c->need_resched = true;
	if (c != me)
		smp_kick(c);
}

/* This CPU's APIC timer fired (tickless): the deadlines if it keeps
 * them, its slice, and the timer again for what comes next. */
void sched_timer_interrupt(void)
{
	struct cpu *c = this_cpu();
	uint64_t now = tsc_now_ns();
	c->timer_irqs++;
	c->timer_at = 0;
	if (keeper == c && keeper_at && now >= keeper_at)
		keeper_at = fire_deadlines(now);
	if (c->slice_end_ns && now >= c->slice_end_ns)
		slice_over(c, c);
	timer_program(c, now);
}

/* The PIT's tick, on CPU 0, when there is no tickless mode: every
 * deadline, and every CPU's slice (kicking a CPU whose slice ended while
 * someone waits for it). */
void sched_tick(void)
{
	uint64_t now = tsc_now_ns();
	struct cpu *me = this_cpu();

	me->timer_irqs++;
	fire_deadlines(now);
	for (uint32_t i = 0; i < ncpus; i++) {
		struct cpu *c = &cpus[i];
		if (c->slice_end_ns && now >= c->slice_end_ns)
			slice_over(c, me);
	}
}

/* kmain, just before the domains start: from here on the APIC timers
 * keep time (tickless), or the PIT's tick goes on doing it (periodic:
 * tick=periodic, or no APIC timer). The report counts from here. */
void sched_keep_time(bool use_apic_timers)
{
	tickless = use_apic_timers;
	keeper = this_cpu();
	keeper_at = 0;
	for (uint32_t i = 0; i < ncpus; i++)
		cpus[i].timer_irqs = 0;
}

/* The next domain for c, round robin: of the runnable ones that no other
 * CPU runs and that are not pinned elsewhere, the lowest id above the
 * current one's, else the lowest. If there are others, they will wait
 * for c: need_slice says so. */
static inline __attribute__((always_inline)) struct domain *pick_next(struct cpu *c)
{
	uint32_t start = 0, others = on_cpu_mask;
	if (c->running) {
		start = c->running->id + 1u;		/* at most SV_MAX_DOMAINS */
		others &= ~(1u << c->running->id);
	}
	uint32_t can = runnable & ~others & ~c->not_here;
	if (!can)
		return NULL;
	uint32_t later = can & ~((1u << start) - 1);
	c->need_slice = (can & (can - 1)) != 0;	/* more than one: the others wait */
	return &domains[__builtin_ctz(later ? later : can)];
}

void sched_snapshot_memory(void)
{
	frames_free_at_start = frames_free();
	pagetables_at_start = frames_allocated(FRAME_PAGETABLE, NULL);
	share_pages_at_start = frames_allocated(FRAME_SHARE, NULL);
}

/* What the hypervisor itself holds. Its image (code and every table:
 * shares, watches, sg lists, domains) has a fixed size; beyond it, it
 * allocates only page tables and share pages, both bounded by the limits
 * in include/sharevisor.h. */
static void report_hypervisor_memory(void)
{
	extern char _image_start_phys[], _image_end_phys[];
	uint32_t pt_peak, share_peak;
	uint32_t pt = frames_allocated(FRAME_PAGETABLE, &pt_peak);
	uint32_t share = frames_allocated(FRAME_SHARE, &share_peak);

	printk("hypervisor frames: %u page tables after, %u before, %u at most; "
	       "%u share pages after, %u before, %u at most\n", pt, pagetables_at_start,
	       pt_peak, share, share_pages_at_start, share_peak);
	printk("hypervisor image: %u KiB of code and fixed-size tables, nothing else allocated\n",
	       (uint32_t)(_image_end_phys - _image_start_phys) / 1024);
}

/* How often the CPUs were interrupted to keep time while domains ran:
 * tickless, only when something was due. */
static void report_timer_interrupts(void)
{
	printk("time: %s; timer interrupts:", tickless ? "tickless" : "the PIT's tick");
	for (uint32_t i = 0; i < ncpus; i++)
		printk(" cpu %u %u%s", i, cpus[i].timer_irqs, i + 1 < ncpus ? "," : "\n");
}

/* Nothing left to run: report every domain's fate, check that every
 * frame the domains had came back, and power off. */
static void __attribute__((noreturn)) finish(void)
{
	bool ok = domains_report();
#ifdef SV_PROFILE
	profile_report();
#endif
	device_report();
	smp_report();
	report_timer_interrupts();
	report_hypervisor_memory();
	printk("frames: %u free after all domains ended, %u before they were built\n",
	       frames_free(), frames_free_at_start);
	if (frames_free() != frames_free_at_start) {
		printk("LEAK: %d frames did not come back\n",
		       (int)(frames_free_at_start - frames_free()));
		ok = false;
	}
	power_off(ok ? EXIT_OK : EXIT_FAILED);
}

/* Can anything still wake a blocked domain? Only the timer raises
 * events on its own (everything else comes from a running domain): a
 * domain's one-shot timer, or an owned device (its interrupt, its
 * slice or grace period). */
static bool any_timer_armed(void)
{
	if (device_can_wake())
		return true;
	for (uint32_t id = 0; id < SV_MAX_DOMAINS; id++) {
		struct domain *d = domain_get(id);
		if (d && domain_alive(d) && d->timer_deadline_ns)
			return true;
	}
	return false;
}

static void switch_out(struct cpu *c);

/* Nobody to run on c: halt until somebody is (or end the run). Out of
 * line, so that the common path of reschedule stays short. */
static __attribute__((noinline, cold)) struct domain *wait_for_runnable(struct cpu *c)
{
	for (;;) {
		struct domain *d = pick_next(c);
		if (d)
			return d;
		if (domains_alive() == 0)
			finish();
		if (!runnable && !any_timer_armed()) {
			/* Every domain waits and no timer will fire: nothing
			 * can ever run again. End the run instead of hanging. */
			printk("sched: deadlock: every domain is blocked and no timer is armed\n");
			for (uint32_t id = 0; id < SV_MAX_DOMAINS; id++) {
				struct domain *x = domain_get(id);
				if (x && domain_alive(x))
					domain_kill(x, NULL, "blocked with nothing to wake it",
						    "deadlock");
			}
			finish();
		}
		/* Nothing for this CPU: leave its domain (another CPU may run
		 * it next) and sleep until an interrupt (the timer, or another
		 * CPU's kick) makes someone runnable. The interrupt arrives in
		 * ring 0, on this stack, below us. */
		switch_out(c);
		PROFILE_STAGE(PROF_IDLE);
		c->idle = true;
		hv_lock_drop(c);
		sti_hlt();
		cli();
		hv_lock_take(c);
		c->idle = false;
		PROFILE_STAGE(PROF_SCHEDULE);
	}
}

/*
 * The switch itself: from d (NULL before the first domain; a dead
 * domain's state needs no saving) to next, with next's FPU state,
 * address space and I/O ports. Its registers need no copying: they are
 * in next->ctx, where its last trap left them, and traps from now on
 * land there too (the TSS's esp0 points just past it).
 */
static void switch_to(struct cpu *c, struct domain *d, struct domain *next)
{
	struct domain *leaving = d && domain_alive(d) ? d : NULL;
	uint32_t mask = on_cpu_mask;

	if (d)
		mask &= ~(1u << d->id);
	on_cpu_mask = mask | 1u << next->id;
	PROFILE_STAGE(PROF_SWITCH);
	fpu_switch(leaving, next);	/* its FPU registers (kernel/fpu.c) */
	c->running = next;
	if (smp_on)
		c->ran |= 1u << next->id;	/* for the report, which only SMP prints */
	next->hv_stack = c->stack_top;	/* where its traps go on from its ctx */
	next->cpu = c;
	tss_set_kernel_stack(&c->tss.tss, (uint32_t)(uintptr_t)(&next->ctx + 1));
	if (read_cr3() != V2P(next->pgdir))
		pgdir_switch(next->pgdir);
	device_switch_to(next);		/* its I/O ports, if it owns a device */
	PROFILE_STAGE(PROF_SCHEDULE);
}

/* c has nobody to run: save its domain's FPU registers, run on the
 * hypervisor's own page directory (the domain's may go while c sleeps),
 * and let other CPUs have the domain. */
static void switch_out(struct cpu *c)
{
	struct domain *d = c->running;
	if (!d)
		return;
	if (domain_alive(d))
		fpu_leave(d);
	on_cpu_mask &= ~(1u << d->id);
	c->running = NULL;
	if (read_cr3() != V2P(kernel_pgdir))
		pgdir_switch(kernel_pgdir);
}

/* Choose who runs next on c (maybe the same domain), switch to it,
 * deliver its events; again if that kills it. Returns the frame to
 * resume. */
static struct trapframe *reschedule(struct cpu *c)
{
	PROFILE_STAGE(PROF_SCHEDULE);
	for (;;) {
		struct domain *next = pick_next(c);	/* need_slice: others wait */
		if (!next)
			next = wait_for_runnable(c);
		struct domain *d = c->running;	/* NULL if c was idle */
		if (next != d)
			switch_to(c, d, next);
		c->need_resched = false;
		if (c->need_slice)
			slice_start(c, next != d);	/* a new slice for next */
		PROFILE_STAGE(PROF_RETURN);
		if (event_deliver(next, &next->ctx))
			return &next->ctx;
		/* The upcall could not be delivered and next was killed: choose again. */
	}
}

/* d goes on running on c, but someone has begun to wait for c
 * (need_slice): d's slice starts now. Then d's events, as ever. */
static __attribute__((noinline, cold)) struct trapframe *go_on_with_a_slice(struct cpu *c,
									    struct domain *d)
{
	slice_start(c, false);
	if (event_deliver(d, &d->ctx))
		return &d->ctx;
	return reschedule(c);	/* the upcall could not be delivered: d was killed */
}

/* On every way out of the hypervisor to a guest: tf is the frame of the
 * domain that trapped (its ctx; kernel/trapentry.asm). Returns the frame
 * to resume, the same or, after a switch, another domain's. */
struct trapframe *sched_return_to_guest(struct trapframe *tf)
{
	struct domain *d = domain_of_frame(tf);
	struct cpu *c = d->cpu;

	if (d->state == DOM_RUNNABLE) {
		if (!c->attention) {
			/* Nothing to deliver: the common case, decided without a call. */
			if (!event_ready(d) || event_deliver(d, tf))
				return tf;	/* the common case: back into the same domain */
		} else if (!c->need_resched) {
			return go_on_with_a_slice(c, d);
		}
	}
	return reschedule(c);
}

/* kernel/trapentry.asm: on this CPU's stack, enter the frame that
 * sched_first_frame returns. */
void enter_first_domain(uint32_t stack_top) __attribute__((noreturn));

struct trapframe *sched_first_frame(void)
{
	struct cpu *c = this_cpu();
	hv_lock_take(c);
	struct trapframe *tf = reschedule(c);
	hv_lock_drop(c);
	return tf;
}

void sched_start(void)
{
	struct cpu *c = this_cpu();
	c->running = NULL;
	enter_first_domain(c->stack_top);
}
