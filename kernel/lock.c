/*
 * lock.c: the hypervisor lock (lock.h): a test-and-set spinlock whose
 * waiters serve the requests other CPUs make of them while they wait.
 */
#include "klib.h"
#include "lock.h"
#include "x86.h"

struct hv_lock hv_lock;
bool smp_on;

void hv_lock_check_fail(const char *what)
{
	panic("hypervisor lock: %s (CPU %u)", what, this_cpu()->index);
}

void hv_lock_take_slow(struct cpu *c)
{
	if ((debug_flags & DEBUG_INVARIANTS) && hv_lock.holder == c)
		hv_lock_check_fail("taken again by the CPU that holds it");
	bool waited = false;
	while (__atomic_exchange_n(&hv_lock.locked, 1, __ATOMIC_ACQUIRE)) {
		waited = true;
		/* The holder may be waiting for us: a TLB to flush, a domain
		 * to leave, ports to close (smp_request). Interrupts are off
		 * here, so its IPI cannot reach us: look for the request. */
		while (__atomic_load_n(&hv_lock.locked, __ATOMIC_RELAXED)) {
			smp_serve_requests(c);
			pause();
		}
	}
	hv_lock.holder = c;
	hv_lock.taken++;
	hv_lock.contended += waited;
}
