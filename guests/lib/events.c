/*
 * events.c: event ports from the guest's side (see include/sharevisor.h,
 * sections 4 and 5). The hypervisor sets pending bits; we clear them with
 * atomic instructions, because an upcall can interrupt us between a read
 * and a write when upcalls are enabled.
 */
#include "clock.h"	/* lib/clock.h: ns from TSC ticks */
#include "sv.h"

void upcall_entry(void);	/* guests/lib/upcall.asm */
void upcall_dispatch(struct sv_upcall_frame *frame);

static sv_event_handler_t handler;

/* Atomically clear bit port of *word; true if it was set. */
static bool test_and_clear(volatile uint32_t *word, uint32_t port)
{
	uint8_t was;
	__asm__ volatile("lock btrl %2, %0; setc %1"
			 : "+m"(*word), "=q"(was) : "r"(port) : "memory", "cc");
	return was;
}

/* Called by upcall_entry with upcalls masked. */
void upcall_dispatch(struct sv_upcall_frame *frame)
{
	(void)frame;
	uint32_t ready;
	while ((ready = shared_info->event_pending & ~shared_info->event_mask) != 0) {
		uint32_t port = (uint32_t)__builtin_ctz(ready);
		if (test_and_clear(&shared_info->event_pending, port) && handler)
			handler(port);
	}
}

void events_init(sv_event_handler_t h)
{
	handler = h;
	sv_event_callback(upcall_entry);
}

/* If an unmasked event is pending and upcalls are on, any hypercall makes
 * the hypervisor deliver it now; the null hypercall is the cheapest. */
static void deliver_pending(void)
{
	if (!shared_info->upcall_mask &&
	    (shared_info->event_pending & ~shared_info->event_mask))
		sv_version();
}

void event_mask(uint32_t port)
{
	__asm__ volatile("lock btsl %1, %0" : "+m"(shared_info->event_mask) : "r"(port) : "memory");
}

void event_unmask(uint32_t port)
{
	__asm__ volatile("lock btrl %1, %0" : "+m"(shared_info->event_mask) : "r"(port) : "memory");
	deliver_pending();
}

bool event_test_and_clear(uint32_t port)
{
	return test_and_clear(&shared_info->event_pending, port);
}

uint32_t events_take_pending(void)
{
	uint32_t mask = shared_info->event_mask;
	return __atomic_fetch_and(&shared_info->event_pending, mask, __ATOMIC_SEQ_CST) & ~mask;
}

void events_disable(void)
{
	shared_info->upcall_mask = 1;
	__asm__ volatile("" ::: "memory");
}

void events_enable(void)
{
	__asm__ volatile("" ::: "memory");
	shared_info->upcall_mask = 0;
	deliver_pending();
}

/* done() is called with upcalls off, so an event that comes after it
 * looked stays pending, and sv_block (which turns upcalls back on)
 * returns at once. The port's pending bit is cleared before each look
 * (for guests without a callback, where nobody else would clear it). */
void sv_block_until_port(uint32_t port, bool (*done)(void))
{
	for (;;) {
		events_disable();
		if (port < SV_NR_PORTS)
			test_and_clear(&shared_info->event_pending, port);
		if (done())
			break;
		sv_block();
	}
	events_enable();
}

void sv_block_until(bool (*done)(void))
{
	sv_block_until_port(SV_NR_PORTS, done);
}

/* The TSC clock (include/sharevisor.h, struct sv_time_info), read like
 * a seqlock: the fields are consistent if version was even and did not
 * change while we read them. */
uint64_t sv_clock_ns(void)
{
	const volatile struct sv_time_info *t = &shared_info->clock;
	uint32_t v;
	uint64_t ns;
	do {
		v = t->version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		ns = clock_ns_from_tsc(rdtsc(), t->tsc_timestamp, t->system_time_ns,
				       t->tsc_to_system_mul, t->tsc_shift);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((v & 1) || v != t->version);
	return ns;
}

uint64_t sv_now(void)
{
	return sv_clock_ns();
}

/* The same masked look-then-block as sv_block_until: if the timer fired
 * and its upcall ran between an unmasked look at the clock and
 * SV_OP_BLOCK, we would block with no timer armed and sleep for ever. */
void sv_sleep_ns(uint64_t ns)
{
	uint64_t deadline = sv_now() + ns;
	sv_timer_set(deadline);
	for (;;) {
		events_disable();
		if (sv_now() >= deadline)
			break;
		sv_block();
		/* A guest without a callback sees the timer only as pending. */
		event_test_and_clear(SV_PORT_TIMER);
	}
	events_enable();
}
