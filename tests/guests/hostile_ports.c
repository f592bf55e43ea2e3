/*
 * hostile_ports: events sent to ports that were never bound, to ports
 * that do not exist, and to domains that are gone. A port is a bit of a
 * 32-bit word, so the classic bug is port 32 raising port 0 (1 << 32 is
 * 1 << 0 on x86); the checks read the pending word itself, with upcalls
 * off, to see that no bit but the right one was set.
 *
 *   module lines: hostile_ports.elf name=NAME role=dom0 other=1 gone=2
 *                 hostile_ports.elf name=NAME role=other
 *                 hostile_ports.elf name=NAME role=gone
 *
 *   domain 0  waits until "gone" has exited, then: events to it, to ids
 *             never built, to 0xFFFF and to one past SV_DOMID_SELF are
 *             SV_ENOENT. To itself: ports 32, 33, 63, 64, 0x80000000,
 *             0xFFFFFFFF are SV_EINVAL and leave the pending word 0; each
 *             port 0..31, none bound to anything, sets exactly its own
 *             bit, and is delivered once when upcalls come back on. To the
 *             other domain: the ports 32..63 and two huge ones first
 *             (SV_EINVAL), then, after a pause in which the other runs,
 *             ports 1..31 once each.
 *   other     counts what arrives: each of ports 1..31 exactly once (so
 *             none came early from an aliased bad port). It may not send
 *             to domain 0 (SV_EPERM), and its own bad ports are SV_EINVAL
 *             and set nothing.
 *   gone      exits at once.
 */
#include "shares.h"

#define PAUSE_NS	(50 * MS)

static const uint32_t bad_ports[] = { 32, 33, 63, 64, 0x80000000u, 0xFFFFFFFFu };
#define NBAD	(sizeof(bad_ports) / sizeof(bad_ports[0]))

/* Every bad port to dom, with upcalls off: refused, nothing pending. */
static void send_bad_ports(sv_domid_t dom)
{
	events_disable();
	uint32_t before = shared_info->event_pending;
	for (uint32_t i = 0; i < NBAD; i++) {
		int32_t rc = sv_event_send(dom, bad_ports[i]);
		CHECK(rc == SV_EINVAL, "event_send(%u, port %#x): %d (%s)", dom, bad_ports[i], rc,
		      sv_strerror(rc));
		CHECK(shared_info->event_pending == before, "port %#x set the pending word "
		      "%#x -> %#x", bad_ports[i], before, shared_info->event_pending);
	}
	events_enable();
}

static void test_self(void)
{
	uint32_t count0[SV_NR_PORTS];
	memcpy(count0, (const void *)port_events, sizeof(count0));
	send_bad_ports(SV_DOMID_SELF);
	CHECK(memcmp(count0, (const void *)port_events, sizeof(count0)) == 0,
	      "a refused event was delivered");

	for (uint32_t p = 0; p < SV_NR_PORTS; p++) {
		events_disable();
		CHECK_EQ(shared_info->event_pending, 0);
		CHECK_RC(sv_event_send(SV_DOMID_SELF, p), SV_OK);
		CHECK(shared_info->event_pending == 1u << p, "port %u: pending %#x, expected %#x",
		      p, shared_info->event_pending, 1u << p);
		events_enable();
		CHECK(port_events[p] == count0[p] + 1, "port %u delivered %u times", p,
		      port_events[p] - count0[p]);
		CHECK_EQ(shared_info->event_pending, 0);
	}
}

static int dom0(sv_share_t id)
{
	(void)id;
	uint32_t other = sv_cmdline_uint("other", 1), gone = sv_cmdline_uint("gone", 2);

	CHECK(WAIT_UNTIL(domain_ended(gone)), "domain %u never ended", gone);
	static const uint32_t nobody[] = { 0, 15, SV_MAX_DOMAINS, 0x7FF1, 0xFFFF };
	for (uint32_t i = 0; i < sizeof(nobody) / sizeof(nobody[0]); i++) {
		uint32_t d = nobody[i] ? nobody[i] : gone;
		int32_t rc = sv_event_send((sv_domid_t)d, SV_PORT_FIRST_FREE);
		CHECK(rc == SV_ENOENT, "event_send(%#x): %d (%s)", d, rc, sv_strerror(rc));
	}
	sv_timer_set(0);		/* no timer event from the waits above may */
	sv_version();			/* come in the middle: cancel, deliver */
	test_self();

	send_bad_ports((sv_domid_t)other);
	for (uint32_t p = 32; p < 64; p++)
		CHECK_RC(sv_event_send((sv_domid_t)other, p), SV_EINVAL);
	sv_sleep_ns(PAUSE_NS);				/* the other would see strays */
	for (uint32_t p = 1; p < SV_NR_PORTS; p++)
		CHECK_RC(sv_event_send((sv_domid_t)other, p), SV_OK);
	CHECK(WAIT_UNTIL(others_ended()), "the other domain did not end");
	return xtf_verdict("hostile_ports");
}

static bool all_came(void)
{
	for (uint32_t p = 1; p < SV_NR_PORTS; p++)
		if (!port_events[p])
			return false;
	return true;
}

static int other(sv_share_t id)
{
	(void)id;
	CHECK_RC(sv_event_send(0, SV_PORT_FIRST_FREE), SV_EPERM);
	send_bad_ports(SV_DOMID_SELF);
	CHECK(WAIT_UNTIL(all_came()), "not every port came from domain 0");
	sv_sleep_ns(PAUSE_NS);				/* for any that come twice */
	uint32_t twice = 0;
	for (uint32_t p = 1; p < SV_NR_PORTS; p++)
		if (!CHECK(port_events[p] == 1, "port %u arrived %u times", p, port_events[p]))
			twice++;
	printf("ports 1..31 each arrived once: %s\n", twice ? "no" : "yes");
	return xtf_verdict("hostile_ports");
}

static int gone(sv_share_t id)
{
	(void)id;
	return xtf_verdict("hostile_ports");
}

int main(const struct sv_start_info *start)
{
	static const struct role roles[] = { { "dom0", dom0 }, { "other", other }, { "gone", gone } };

	(void)start;
	return run_role("hostile_ports", roles, sizeof(roles) / sizeof(roles[0]));
}
