/*
 * evmask: masking holds events back without losing them.
 *
 *   - An event on a masked port becomes pending but is not delivered,
 *     not even by later hypercalls, however often it is sent; unmasking
 *     delivers it exactly once and clears the pending bit.
 *   - A masked port does not wake a blocked domain (the timer does).
 *   - With upcalls off (events_disable, upcall_mask = 1) nothing is
 *     delivered; events_enable delivers what is pending, once.
 *   - SV_OP_WAIT with upcalls off sleeps until the timer fires and
 *     delivers nothing: the port stays pending for the guest.
 *
 *   module line: evmask.elf name=NAME
 */
#include "xtf.h"

#define PORT_A	5	/* for the event_mask tests */
#define PORT_B	6	/* for the upcall_mask tests */
#define MS	1000000ull

static volatile uint32_t count[SV_NR_PORTS];

static void on_event(uint32_t port)
{
	count[port]++;
}

static bool pending(uint32_t port)
{
	return shared_info->event_pending & (1u << port);
}

static void test_event_mask(void)
{
	event_mask(PORT_A);
	CHECK_RC(sv_event_send(SV_DOMID_SELF, PORT_A), SV_OK);
	CHECK_RC(sv_event_send(SV_DOMID_SELF, PORT_A), SV_OK);
	CHECK_EQ(sv_version(), SV_ABI_VERSION);	/* a return to the guest */
	CHECK_EQ(count[PORT_A], 0);
	CHECK(pending(PORT_A), "masked port %u is not pending", PORT_A);

	event_unmask(PORT_A);
	CHECK_EQ(count[PORT_A], 1);
	CHECK(!pending(PORT_A), "port %u still pending after delivery", PORT_A);
}

static void test_masked_port_does_not_wake(void)
{
	event_mask(PORT_A);
	CHECK_RC(sv_event_send(SV_DOMID_SELF, PORT_A), SV_OK);
	uint64_t deadline = sv_now() + 40 * MS;
	CHECK_RC(sv_timer_set(deadline), SV_OK);
	CHECK_RC(sv_block(), SV_OK);	/* only the timer can end this */
	CHECK(sv_now() >= deadline, "block returned at %llu ns, before the timer (%llu)",
	      sv_now(), deadline);
	CHECK_EQ(count[SV_PORT_TIMER], 1);
	CHECK_EQ(count[PORT_A], 1);	/* still only the first one */
	CHECK(pending(PORT_A), "masked port %u is not pending", PORT_A);
	event_unmask(PORT_A);
	CHECK_EQ(count[PORT_A], 2);
	CHECK(!pending(PORT_A), "port %u still pending after delivery", PORT_A);
}

static void test_upcall_mask(void)
{
	events_disable();
	CHECK_RC(sv_event_send(SV_DOMID_SELF, PORT_B), SV_OK);
	CHECK_RC(sv_event_send(SV_DOMID_SELF, PORT_B), SV_OK);
	CHECK_EQ(sv_version(), SV_ABI_VERSION);
	CHECK_EQ(count[PORT_B], 0);
	CHECK(pending(PORT_B), "port %u is not pending with upcalls off", PORT_B);
	CHECK_EQ(shared_info->upcall_mask, 1);

	events_enable();
	CHECK_EQ(count[PORT_B], 1);
	CHECK(!pending(PORT_B), "port %u still pending after delivery", PORT_B);
	CHECK_EQ(shared_info->upcall_mask, 0);
}

/* SV_OP_WAIT with upcalls off sleeps until an unmasked port is pending,
 * delivers nothing, and leaves the port pending for the guest to handle;
 * with one already pending it returns at once. */
static void test_wait(void)
{
	uint32_t timers = count[SV_PORT_TIMER];
	event_mask(SV_PORT_DOMAIN_EXIT);	/* hc_regs' end must not wake us */
	events_disable();
	uint64_t deadline = sv_now() + 30 * MS;
	CHECK_RC(sv_timer_set(deadline), SV_OK);
	CHECK_RC(sv_wait(), SV_OK);
	CHECK(sv_now() >= deadline, "wait returned at %llu ns, before the timer (%llu)",
	      sv_now(), deadline);
	CHECK(pending(SV_PORT_TIMER), "the timer's port is not pending after the wait");
	CHECK_EQ(count[SV_PORT_TIMER], timers);		/* no upcall */
	CHECK_EQ(shared_info->upcall_mask, 1);
	CHECK_RC(sv_wait(), SV_OK);			/* pending: at once */
	CHECK(event_test_and_clear(SV_PORT_TIMER), "the timer's port was not pending");
	events_enable();
	CHECK_EQ(count[SV_PORT_TIMER], timers);		/* handled here, never delivered */
	event_unmask(SV_PORT_DOMAIN_EXIT);
}

int main(const struct sv_start_info *si)
{
	(void)si;
	events_init(on_event);
	test_event_mask();
	test_masked_port_does_not_wake();
	test_upcall_mask();
	test_wait();
	printf("deliveries: port %u %u, port %u %u, timer %u\n", PORT_A, count[PORT_A],
	       PORT_B, count[PORT_B], count[SV_PORT_TIMER]);
	return xtf_verdict("evmask");
}
