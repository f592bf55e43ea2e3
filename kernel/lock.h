/*
 * lock.h: the hypervisor lock.
 *
 * The design, in one paragraph (docs/smp.md has the rest): domains run in
 * parallel, one per CPU, but the hypervisor's own work is serialized by
 * one lock, taken on every entry from a guest and dropped on the way
 * back. So every hypercall still runs to completion as if it had the
 * machine to itself: a share, a watch, an sg list, a domain, the run
 * queue and the frame table each change only under the lock, and the
 * ABI's promises about one call hold against every concurrent call
 * (an sg_xfer finishes before a drop or a death on another CPU touches
 * its buffers). What the lock does not cover is what other CPUs hold in
 * their own hardware while they run a guest: a TLB, a CR3, an I/O
 * bitmap, FPU registers. Changing those is a request to that CPU, which
 * it serves without the lock, while it spins for it or from an IPI
 * (kernel/smp.c, smp_request), and the lock holder waits for the answer.
 *
 * One lock has no order to get wrong. The checker (check=invariants)
 * enforces the rest of the discipline: never taken again by the CPU that
 * holds it (that would spin for ever), and dropped only by its holder
 * (which is how a path that forgot to take it shows up).
 *
 * With one CPU there is nobody to exclude: the lock is not taken at all,
 * and the one-CPU paths stay as they were.
 */
#ifndef SV_LOCK_H
#define SV_LOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "debug.h"
#include "smp.h"

struct hv_lock {
	volatile uint32_t locked;	/* 0 free, 1 taken */
	struct cpu *holder;		/* for the checker and for panics */
	uint32_t taken;			/* how many times, for the report */
	uint32_t contended;		/* how many of those had to wait */
};

extern struct hv_lock hv_lock;
extern bool smp_on;			/* more than one CPU is running */

void hv_lock_take_slow(struct cpu *c);	/* kernel/lock.c: spins, serving requests */
void hv_lock_check_fail(const char *what);	/* the checker: panics */

static inline void hv_lock_take(struct cpu *c)
{
	if (!smp_on)
		return;
	hv_lock_take_slow(c);
}

static inline void hv_lock_drop(struct cpu *c)
{
	if (!smp_on)
		return;
	if ((debug_flags & DEBUG_INVARIANTS) && hv_lock.holder != c)
		hv_lock_check_fail("dropped by a CPU that does not hold it");
	hv_lock.holder = NULL;
	__atomic_store_n(&hv_lock.locked, 0, __ATOMIC_RELEASE);
}

#endif /* SV_LOCK_H */
