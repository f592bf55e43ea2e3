/*
 * devbad: every bad input to the device operations (include/sharevisor.h
 * section 8) returns its documented error and changes nothing; the good
 * ones do what the header says, seen through SV_OP_DEVICE_QUERY and the
 * shared-info device word.
 *
 * Three roles, one module each, in this order:
 *
 *   role=dom0   domain 0. Bad device ids, addresses, ports, flags and
 *               slice values; grabs COM2 and checks ownership and "grab
 *               twice"; holds it while the others queue; then releases,
 *               and the first waiter must get it.
 *   role=first  grab without SV_GRAB_WAIT while dom0 owns it: SV_EBUSY;
 *               with it: SV_GRAB_QUEUED; again: SV_EEXIST; then waits
 *               for its turn and checks it owns COM2.
 *   role=second queues behind first, then leaves the queue by releasing;
 *               a second release, and config, are refused.
 *
 * dom0 prints "devbad: N grants" for the test to compare with the
 * hypervisor's report.
 */
#include "shares.h"

#define DEV_PORT	(SV_PORT_FIRST_FREE + 2)	/* the device's event port */
#define SHARE_PORT	(SV_PORT_FIRST_FREE + 3)	/* bound to a share */
#define OTHER_PORT	(SV_PORT_FIRST_FREE + 5)	/* bound to nothing */

static const uint32_t bad_devices[] = { 1, SV_NR_DEVICES, 0x80000000u, 0xFFFFFFFFu };
#define NBAD_DEV (sizeof(bad_devices) / sizeof(bad_devices[0]))

static struct sv_device_status query(void)
{
	struct sv_device_status st;
	memset(&st, 0xEE, sizeof(st));
	int32_t rc = sv_device_query(SV_DEV_COM2, &st);
	CHECK(rc == (int32_t)st.state, "query returned %d, status says %u", rc, st.state);
	return st;
}

static uint32_t my_flags(void)
{
	return shared_info->device[SV_DEV_COM2];
}

static bool owned(void)
{
	return my_flags() & SV_DEVF_OWNER;
}

static void test_bad_devices(void)
{
	struct sv_device_status st;
	for (uint32_t i = 0; i < NBAD_DEV; i++) {
		uint32_t dev = bad_devices[i];
		CHECK_RC(sv_device_query(dev, &st), SV_ENOENT);
		CHECK_RC(sv_device_query(dev, NULL), SV_ENOENT);
		CHECK_RC(sv_device_grab(dev, DEV_PORT, 0), SV_ENOENT);
		CHECK_RC(sv_device_grab(dev, DEV_PORT, SV_GRAB_WAIT), SV_ENOENT);
		CHECK_RC(sv_device_release(dev), SV_ENOENT);
		CHECK_RC(sv_device_config(dev, 50, 20), SV_ENOENT);
	}
}

static void test_bad_query_addresses(void)
{
	static const uint32_t bad_va[] = { 0xC0000000u, 0xC0100000u, 0x20000000u,
					   0xFFFFFFF0u, SV_START_INFO };
	CHECK_RC(sv_device_query(SV_DEV_COM2, NULL), SV_DEVICE_IDLE);
	for (uint32_t i = 0; i < sizeof(bad_va) / sizeof(bad_va[0]); i++)
		CHECK_RC(sv_hypercall(SV_OP_DEVICE_QUERY, SV_DEV_COM2, bad_va[i], 0, 0, 0),
			 SV_EFAULT);
	CHECK_EQ(start_info->magic, SV_START_MAGIC);	/* the read-only page is intact */
}

static void test_config(void)
{
	struct sv_device_status before = query();
	static const uint32_t bad[][2] = {
		{ 0, 20 }, { 50, 0 }, { SV_DEV_SLICE_MAX_MS + 1, 20 },
		{ 50, SV_DEV_GRACE_MAX_MS + 1 }, { 0xFFFFFFFFu, 20 }, { 50, 0xFFFFFFFFu },
		{ 0, 0 },
	};
	for (uint32_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_RC(sv_device_config(SV_DEV_COM2, bad[i][0], bad[i][1]), SV_ERANGE);
	struct sv_device_status after = query();
	CHECK(after.slice_ms == before.slice_ms && after.grace_ms == before.grace_ms,
	      "refused configs changed slice/grace: %u/%u -> %u/%u", before.slice_ms,
	      before.grace_ms, after.slice_ms, after.grace_ms);

	CHECK_RC(sv_device_config(SV_DEV_COM2, SV_DEV_SLICE_MAX_MS, SV_DEV_GRACE_MAX_MS), SV_OK);
	after = query();
	CHECK(after.slice_ms == SV_DEV_SLICE_MAX_MS && after.grace_ms == SV_DEV_GRACE_MAX_MS,
	      "config to the maxima: query says %u/%u", after.slice_ms, after.grace_ms);
	CHECK_RC(sv_device_config(SV_DEV_COM2, before.slice_ms, before.grace_ms), SV_OK);
}

static void test_bad_grabs(sv_share_t share)
{
	static const uint32_t bad_ports[] = { 0, 1, SV_NR_PORTS, 0xFFFFFFFFu, SHARE_PORT };
	for (uint32_t i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++)
		CHECK(sv_device_grab(SV_DEV_COM2, bad_ports[i], 0) == SV_EINVAL,
		      "grab with port %#x is not SV_EINVAL", bad_ports[i]);
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, 2), SV_EINVAL);
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, 0x80000001u), SV_EINVAL);
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_EPERM);	/* nobody owns it */
	struct sv_device_status st = query();
	CHECK(st.state == SV_DEVICE_IDLE && st.owner == SV_DOMID_NONE && st.waiters == 0,
	      "after refused grabs: state %u owner %#x waiters %u", st.state, st.owner, st.waiters);
	CHECK_EQ(my_flags(), 0);

	/* The share still has its port: the refusals unbound nothing. */
	struct sv_share_status ss;
	CHECK_RC(sv_share_info(share, &ss), SV_OK);
	CHECK_EQ(ss.port, SHARE_PORT);
}

static void test_own(uint32_t *grants)
{
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, 0), SV_GRAB_OWNED);
	(*grants)++;
	CHECK_EQ(my_flags(), SV_DEVF_OWNER);
	struct sv_device_status st = query();
	CHECK(st.state == SV_DEVICE_BUSY && st.owner == start_info->domid && st.waiters == 0 &&
	      st.flags == SV_DEVF_OWNER && st.release_by_ns == 0,
	      "owned: state %u owner %u waiters %u flags %#x release_by %llu", st.state,
	      st.owner, st.waiters, st.flags, st.release_by_ns);
	CHECK(st.io_base == SV_COM2_IO_BASE && st.io_count == SV_COM2_IO_COUNT &&
	      st.irq == SV_COM2_IRQ, "ports %#x+%u irq %u", st.io_base, st.io_count, st.irq);
	CHECK(st.slice_end_ns + st.slice_ms * MS > sv_now() &&	/* begun at or before now */
	      st.slice_end_ns <= sv_now() + st.slice_ms * MS,
	      "slice ends at %llu, now %llu, slice %u ms", st.slice_end_ns, sv_now(), st.slice_ms);

	/* Grab twice, with or without waiting. */
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, 0), SV_EEXIST);
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT + 1, SV_GRAB_WAIT), SV_EEXIST);
	CHECK_EQ(query().waiters, 0);
}

/* A port bound to the device is refused to a share, and the reverse. */
static void test_port_binding(void)
{
	int32_t s2 = sv_share_create(1);
	CHECK(s2 >= 0, "share_create: %d", s2);
	CHECK_RC(sv_share_grant(s2, SV_DOMID_SELF), SV_OK);
	CHECK_RC(sv_share_get(s2, DEV_PORT), SV_EBUSY);
	CHECK_RC(sv_share_get(s2, OTHER_PORT), 0);	/* a free port is fine */
	CHECK_RC(sv_share_drop(s2), SV_OK);
	CHECK_RC(sv_share_destroy(s2), SV_OK);
}

static int dom0(void)
{
	uint32_t grants = 0;
	sv_share_t share = sv_share_create(1);
	CHECK_EQ(share, FIRST_SHARE_ID);
	CHECK_RC(sv_share_grant(share, SV_DOMID_SELF), SV_OK);
	CHECK_RC(sv_share_get(share, SHARE_PORT), 0);

	test_bad_devices();
	test_bad_query_addresses();
	test_config();
	test_bad_grabs(share);
	test_own(&grants);
	test_port_binding();

	/* first queues, then second queues and leaves: wait for both. */
	CHECK(WAIT_UNTIL(domain_ended(2) && query().waiters == 1),
	      "first did not queue, or second did not end");
	CHECK_EQ(query().owner, start_info->domid);
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);
	CHECK_EQ(my_flags(), 0);
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_EPERM);	/* no longer ours */
	grants++;			/* the queue hands it to first */
	CHECK(WAIT_UNTIL(domain_ended(1)), "first did not end");
	struct sv_device_status st = query();
	CHECK(st.state == SV_DEVICE_IDLE && st.owner == SV_DOMID_NONE && st.waiters == 0,
	      "at the end: state %u owner %#x waiters %u", st.state, st.owner, st.waiters);

	CHECK_RC(sv_share_drop(share), SV_OK);
	CHECK_RC(sv_share_destroy(share), SV_OK);
	printf("devbad: %u grants\n", grants);
	return xtf_verdict("devbad");
}

static int first(void)
{
	CHECK(WAIT_UNTIL(sv_device_query(SV_DEV_COM2, NULL) == SV_DEVICE_BUSY),
	      "domain 0 never grabbed COM2");
	CHECK_RC(sv_device_config(SV_DEV_COM2, 50, 20), SV_EPERM);
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, 0), SV_EBUSY);
	CHECK_EQ(my_flags(), 0);
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, SV_GRAB_WAIT), SV_GRAB_QUEUED);
	CHECK_EQ(my_flags(), SV_DEVF_WAITING);
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, SV_GRAB_WAIT), SV_EEXIST);
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT + 1, 0), SV_EEXIST);
	struct sv_device_status st = query();
	CHECK(st.waiters >= 1 && st.flags == SV_DEVF_WAITING, "queued: waiters %u flags %#x",
	      st.waiters, st.flags);

	/* Our port is raised when the device is ours. */
	uint32_t before = port_events[DEV_PORT];
	CHECK(WAIT_UNTIL(owned()), "never became the owner");
	CHECK(port_events[DEV_PORT] > before, "became the owner without an event on port %u",
	      DEV_PORT);
	st = query();
	CHECK(st.owner == start_info->domid && st.waiters == 0 && st.flags == SV_DEVF_OWNER,
	      "owner %u waiters %u flags %#x", st.owner, st.waiters, st.flags);
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);
	CHECK_EQ(my_flags(), 0);
	return xtf_verdict("devbad");
}

static int second(void)
{
	CHECK(WAIT_UNTIL(query().waiters == 1), "first never queued");
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_EPERM);	/* neither owner nor waiter */
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, SV_GRAB_WAIT), SV_GRAB_QUEUED);
	CHECK_EQ(query().waiters, 2);
	CHECK_EQ(my_flags(), SV_DEVF_WAITING);
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);	/* leave the queue */
	CHECK_EQ(my_flags(), 0);
	CHECK_EQ(query().waiters, 1);
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_EPERM);
	/* The port is free again: a share-less guest can bind it to COM2 again. */
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, SV_GRAB_WAIT), SV_GRAB_QUEUED);
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);
	return xtf_verdict("devbad");
}

int main(const struct sv_start_info *si)
{
	(void)si;
	char role[8] = "";
	sv_cmdline_get("role", role, sizeof(role));
	events_init(count_event);
	if (strncmp(role, "dom0", 5) == 0)
		return dom0();
	if (strncmp(role, "first", 6) == 0)
		return first();
	if (strncmp(role, "second", 7) == 0)
		return second();
	printf("devbad: unknown role '%s'\n", role);
	return 1;
}
