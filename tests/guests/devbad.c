/*
 * devbad: every bad input to the device operations (include/sharevisor.h
 * section 8) returns its documented error and changes nothing; the good
 * ones do what the header says, seen through SV_OP_DEVICE_QUERY and the
 * shared-info device word.
 *
 * Three roles, one module each, in this order:
 *
 *   role=dom0   domain 0. Bad device ids (idle and while it owns COM2),
 *               bad status addresses, slice and grace values, ports and
 *               flags; grabs COM2 and releases it (idle again, its port
 *               free for a share); forges its shared-info word (nothing
 *               believes it); grabs it again and checks "grab
 *               twice"; holds it while the others queue; then releases,
 *               and the first waiter must get it.
 *   role=first  when domain 0 says go (an event on GO_PORT), while
 *               domain 0 owns COM2: bad device ids change nothing,
 *               config is refused, a grab without SV_GRAB_WAIT is
 *               SV_EBUSY; with it: SV_GRAB_QUEUED; again: SV_EEXIST. Its
 *               device port is refused to a share while it waits and
 *               while it owns; it waits for its turn (an event on that
 *               port), releases when domain 0 has seen it own COM2 (a
 *               second go), and the port is free again.
 *   role=second queues behind first, then leaves the queue by releasing;
 *               a second release, and config, are refused.
 *
 * dom0 prints "devbad: N grants" for the test to compare with the
 * hypervisor's report.
 */
#include "shares.h"

#define DEV_PORT	(SV_PORT_FIRST_FREE + 2)	/* the device's event port */
#define SHARE_PORT	(SV_PORT_FIRST_FREE + 3)	/* bound to a share */
#define GO_PORT		(SV_PORT_FIRST_FREE + 4)	/* domain 0 -> first: go on */
#define OTHER_PORT	(SV_PORT_FIRST_FREE + 5)	/* bound to nothing */
#define FIRST_DOMID	1				/* role=first is module 1 */
#define LONG_SLICE_MS	SV_DEV_SLICE_MAX_MS		/* domain 0 holds COM2 this long */

/* SV_DEV_NE2000 is a number the header names, but this test's machine
 * has no NE2000: to every call it is as absent as the numbers past the
 * last device. */
static const uint32_t bad_devices[] = { SV_DEV_NE2000, SV_NR_DEVICES, 0x80000000u, 0xFFFFFFFFu };
#define NBAD_DEV (sizeof(bad_devices) / sizeof(bad_devices[0]))

/* The whole status; its return value must be the state it reports. */
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

/* "Nothing changed": the status and our device word as they were. */
struct snapshot {
	struct sv_device_status st;
	uint32_t flags;
};

static struct snapshot snap(void)
{
	return (struct snapshot){ query(), my_flags() };
}

static void check_same(int line, const char *what, struct snapshot before)
{
	struct snapshot now = snap();
	xtf_check(memcmp(&now.st, &before.st, sizeof(now.st)) == 0 && now.flags == before.flags,
		  line, "%s changed COM2: state %u owner %#x waiters %u flags %#x slice_end %llu "
		  "-> %u %#x %u %#x %llu; our word %#x -> %#x", what, before.st.state,
		  before.st.owner, before.st.waiters, before.st.flags, before.st.slice_end_ns,
		  now.st.state, now.st.owner, now.st.waiters, now.st.flags, now.st.slice_end_ns,
		  before.flags, now.flags);
}
#define CHECK_SAME(what, before) check_same(__LINE__, (what), (before))

/* Each operation on a device that does not exist: SV_ENOENT, and COM2
 * (say a release of "device 1" ignoring the id) is untouched. */
static void test_bad_devices(const char *when)
{
	struct snapshot before = snap();
	struct sv_device_status st;
	for (uint32_t i = 0; i < NBAD_DEV; i++) {
		uint32_t dev = bad_devices[i];
		CHECK_RC(sv_device_query(dev, &st), SV_ENOENT);
		CHECK_RC(sv_device_query(dev, NULL), SV_ENOENT);
		CHECK_RC(sv_device_grab(dev, DEV_PORT, 0), SV_ENOENT);
		CHECK_RC(sv_device_grab(dev, DEV_PORT, SV_GRAB_WAIT), SV_ENOENT);
		CHECK_RC(sv_device_release(dev), SV_ENOENT);
		if (start_info->flags & SV_SIF_PRIVILEGED)
			CHECK_RC(sv_device_config(dev, 50, 20), SV_ENOENT);
		else	/* both apply: either may come back */
			CHECK_RC2(sv_device_config(dev, 50, 20), SV_ENOENT, SV_EPERM);
	}
	CHECK_SAME(when, before);
}

/* A status written to a bad place: SV_EFAULT, and not a byte of it
 * lands in the part of the range that is ours. */
static void test_bad_query_addresses(void)
{
	uint32_t bad_va[] = {
		0xC0000000u, 0xC0100000u,	/* the hypervisor */
		0x20000000u,			/* unmapped */
		0xFFFFFFF0u,			/* wraps past 4 GiB */
		0xBFFFFFF8u,			/* runs into the hypervisor */
		SV_START_INFO,			/* read-only */
		start_info->stack_bottom - 8,	/* unmapped, then the stack */
		start_info->heap_end - 8,	/* our last 8 bytes, then unmapped */
	};
	volatile uint8_t *tail = (volatile uint8_t *)(start_info->heap_end - 8);
	for (uint32_t k = 0; k < 8; k++)
		tail[k] = (uint8_t)(0xA0 + k);

	CHECK_RC(sv_device_query(SV_DEV_COM2, NULL), SV_DEVICE_IDLE);	/* none: just the state */
	for (uint32_t i = 0; i < sizeof(bad_va) / sizeof(bad_va[0]); i++) {
		int32_t rc = sv_hypercall(SV_OP_DEVICE_QUERY, SV_DEV_COM2, bad_va[i], 0, 0, 0);
		CHECK(rc == SV_EFAULT, "query into %#x: expected SV_EFAULT, got %d (%s)",
		      bad_va[i], rc, sv_strerror(rc));
	}
	CHECK_EQ(start_info->magic, SV_START_MAGIC);	/* the read-only page is intact */
	for (uint32_t k = 0; k < 8; k++)
		CHECK(tail[k] == 0xA0 + k, "a refused query wrote %#x at the heap end - %u",
		      tail[k], 8 - k);
}

static void test_config(void)
{
	struct sv_device_status before = query();
	CHECK(before.slice_ms == SV_DEV_SLICE_DEFAULT_MS && before.grace_ms == SV_DEV_GRACE_DEFAULT_MS,
	      "at boot: slice %u grace %u, expected the defaults", before.slice_ms, before.grace_ms);
	static const uint32_t bad[][2] = {
		{ 0, 20 }, { 50, 0 }, { 0, 0 },
		{ SV_DEV_SLICE_MAX_MS + 1, 20 }, { 50, SV_DEV_GRACE_MAX_MS + 1 },
		{ 0xFFFFFFFFu, 20 }, { 50, 0xFFFFFFFFu },
		{ SV_DEV_SLICE_MAX_MS + 1, SV_DEV_GRACE_MAX_MS },	/* one bad: neither is set */
		{ SV_DEV_SLICE_MAX_MS, SV_DEV_GRACE_MAX_MS + 1 },
	};
	for (uint32_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int32_t rc = sv_device_config(SV_DEV_COM2, bad[i][0], bad[i][1]);
		CHECK(rc == SV_ERANGE, "config(slice %u, grace %u): expected SV_ERANGE, got %d (%s)",
		      bad[i][0], bad[i][1], rc, sv_strerror(rc));
	}
	struct sv_device_status after = query();
	CHECK(after.slice_ms == before.slice_ms && after.grace_ms == before.grace_ms,
	      "refused configs changed slice/grace: %u/%u -> %u/%u", before.slice_ms,
	      before.grace_ms, after.slice_ms, after.grace_ms);

	/* The edges of the ranges are allowed, and the query shows them. */
	CHECK_RC(sv_device_config(SV_DEV_COM2, SV_DEV_SLICE_MAX_MS, SV_DEV_GRACE_MAX_MS), SV_OK);
	after = query();
	CHECK(after.slice_ms == SV_DEV_SLICE_MAX_MS && after.grace_ms == SV_DEV_GRACE_MAX_MS,
	      "config to the maxima: query says %u/%u", after.slice_ms, after.grace_ms);
	CHECK_RC(sv_device_config(SV_DEV_COM2, SV_DEV_MS_MIN, SV_DEV_MS_MIN), SV_OK);
	after = query();
	CHECK(after.slice_ms == SV_DEV_MS_MIN && after.grace_ms == SV_DEV_MS_MIN,
	      "config to the minima: query says %u/%u", after.slice_ms, after.grace_ms);
	CHECK_RC(sv_device_config(SV_DEV_COM2, before.slice_ms, before.grace_ms), SV_OK);
	CHECK_EQ(query().slice_ms, before.slice_ms);
}

/* Try to bind port to a fresh share of our own: share_get's result
 * (0, peer id 0, if the port is free). The share is gone afterwards. */
static int32_t share_get_port(uint32_t port)
{
	sv_share_t s = sv_share_create(1);
	if (!CHECK(s >= 0, "share_create: %d (%s)", s, sv_strerror(s)))
		return s;
	CHECK_RC(sv_share_grant(s, SV_DOMID_SELF), SV_OK);
	int32_t rc = sv_share_get(s, port);
	if (rc >= 0)
		CHECK_RC(sv_share_drop(s), SV_OK);
	CHECK_RC(sv_share_destroy(s), SV_OK);
	return rc;
}

static void test_bad_grabs(sv_share_t share)
{
	struct snapshot before = snap();
	static const uint32_t bad_ports[] = {
		0, 1,			/* SV_PORT_TIMER, SV_PORT_DOMAIN_EXIT: fixed */
		SV_NR_PORTS, 0xFFFFFFFFu,	/* out of range */
		SHARE_PORT,		/* bound to a share */
	};
	for (uint32_t i = 0; i < sizeof(bad_ports) / sizeof(bad_ports[0]); i++) {
		for (uint32_t wait = 0; wait <= SV_GRAB_WAIT; wait++) {
			int32_t rc = sv_device_grab(SV_DEV_COM2, bad_ports[i], wait);
			CHECK(rc == SV_EINVAL, "grab with port %#x, flags %u: expected SV_EINVAL, "
			      "got %d (%s)", bad_ports[i], wait, rc, sv_strerror(rc));
		}
	}
	static const uint32_t bad_flags[] = { 2, 3, 0x80000000u, 0x80000001u, 0xFFFFFFFFu };
	for (uint32_t i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
		int32_t rc = sv_device_grab(SV_DEV_COM2, DEV_PORT, bad_flags[i]);
		CHECK(rc == SV_EINVAL, "grab with flags %#x: expected SV_EINVAL, got %d (%s)",
		      bad_flags[i], rc, sv_strerror(rc));
	}
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_EPERM);	/* nobody owns it */
	CHECK_SAME("refused grabs", before);
	struct sv_device_status st = query();
	CHECK(st.state == SV_DEVICE_IDLE && st.owner == SV_DOMID_NONE && st.waiters == 0,
	      "after refused grabs: state %u owner %#x waiters %u", st.state, st.owner, st.waiters);
	CHECK_EQ(my_flags(), 0);

	/* The share still has its port, and a refused grab bound none. */
	struct sv_share_status ss;
	CHECK_RC(sv_share_info(share, &ss), SV_OK);
	CHECK_EQ(ss.port, SHARE_PORT);
	CHECK_RC(share_get_port(DEV_PORT), 0);
}

/* Owned: the word, the status and the header's numbers agree. */
static void check_owned_by_me(const char *when)
{
	CHECK(my_flags() == SV_DEVF_OWNER, "%s: our device word is %#x", when, my_flags());
	struct sv_device_status st = query();
	CHECK(st.state == SV_DEVICE_BUSY && st.owner == start_info->domid && st.waiters == 0 &&
	      st.flags == SV_DEVF_OWNER && st.release_by_ns == 0,
	      "%s: state %u owner %u waiters %u flags %#x release_by %llu", when, st.state,
	      st.owner, st.waiters, st.flags, st.release_by_ns);
	CHECK(st.io_base == SV_COM2_IO_BASE && st.io_count == SV_COM2_IO_COUNT &&
	      st.irq == SV_COM2_IRQ, "%s: ports %#x+%u irq %u", when, st.io_base, st.io_count,
	      st.irq);
}

static void check_idle(const char *when)
{
	CHECK(my_flags() == 0, "%s: our device word is %#x", when, my_flags());
	struct sv_device_status st = query();
	CHECK(st.state == SV_DEVICE_IDLE && st.owner == SV_DOMID_NONE && st.waiters == 0 &&
	      st.flags == 0 && st.release_by_ns == 0,
	      "%s: state %u owner %#x waiters %u flags %#x release_by %llu", when, st.state,
	      st.owner, st.waiters, st.flags, st.release_by_ns);
}

/* Grab and release: ours, then idle again with the port unbound. */
static void test_grab_release(uint32_t *grants)
{
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, 0), SV_GRAB_OWNED);
	(*grants)++;
	check_owned_by_me("grabbed");
	struct sv_device_status st = query();
	uint64_t now = sv_now(), slice = (uint64_t)st.slice_ms * MS;
	CHECK(st.slice_end_ns + 10 * MS >= now && st.slice_end_ns <= now + slice + 10 * MS,
	      "slice ends at %llu, now %llu, slice %u ms", st.slice_end_ns, now, st.slice_ms);
	CHECK_RC(share_get_port(DEV_PORT), SV_EBUSY);	/* bound to COM2 */

	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);
	check_idle("released");
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_EPERM);	/* no longer ours */
	CHECK_RC(share_get_port(DEV_PORT), 0);	/* unbound by the release */
}

/* The shared-info word is the hypervisor's to write, but it sits in a
 * page the guest can write too. Forging it fools only the forger: the
 * hypervisor decides by its own state. */
static void test_forged_word(uint32_t *grants)
{
	shared_info->device[SV_DEV_COM2] = SV_DEVF_OWNER | SV_DEVF_WAITING;
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_EPERM);	/* we neither own nor wait */
	struct sv_device_status st = query();
	CHECK(st.state == SV_DEVICE_IDLE && st.owner == SV_DOMID_NONE && st.waiters == 0,
	      "forged word: state %u owner %#x waiters %u", st.state, st.owner, st.waiters);
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, 0), SV_GRAB_OWNED);	/* not SV_EEXIST */
	(*grants)++;
	check_owned_by_me("grabbed over a forged word");	/* the grant rewrote it */
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);
	check_idle("released again");
}

/* Grab again, for the others to queue behind, with a slice long enough
 * that domain 0 is never asked to release (it would be revoked if it
 * stayed past the grace period). */
static void test_own(uint32_t *grants)
{
	CHECK_RC(sv_device_config(SV_DEV_COM2, LONG_SLICE_MS, SV_DEV_GRACE_DEFAULT_MS), SV_OK);
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, 0), SV_GRAB_OWNED);
	(*grants)++;
	check_owned_by_me("grabbed again");
	struct sv_device_status st = query();
	CHECK(st.slice_end_ns > sv_now() + (LONG_SLICE_MS - 1000) * MS,
	      "a %u ms slice ends at %llu, now %llu", LONG_SLICE_MS, st.slice_end_ns, sv_now());

	/* Config applies from the next grant on: our slice stays long. */
	CHECK_RC(sv_device_config(SV_DEV_COM2, SV_DEV_SLICE_DEFAULT_MS, SV_DEV_GRACE_DEFAULT_MS),
		 SV_OK);
	struct sv_device_status now = query();
	CHECK(now.slice_ms == SV_DEV_SLICE_DEFAULT_MS && now.slice_end_ns == st.slice_end_ns,
	      "config while owned: slice %u ms, slice end %llu -> %llu", now.slice_ms,
	      st.slice_end_ns, now.slice_end_ns);

	/* Grab twice, with or without waiting, with the same port or another. */
	struct snapshot before = snap();
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, 0), SV_EEXIST);
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, SV_GRAB_WAIT), SV_EEXIST);
	CHECK_RC(sv_device_grab(SV_DEV_COM2, OTHER_PORT, SV_GRAB_WAIT), SV_EEXIST);
	CHECK_SAME("grab twice", before);
	CHECK_RC(share_get_port(OTHER_PORT), 0);	/* the refused grab bound nothing */
	CHECK_RC(share_get_port(DEV_PORT), SV_EBUSY);
	test_bad_devices("bad device ids, COM2 ours");
}

static int dom0(void)
{
	uint32_t grants = 0;
	sv_share_t share = sv_share_create(1);
	CHECK_EQ(share, FIRST_SHARE_ID);
	CHECK_RC(sv_share_grant(share, SV_DOMID_SELF), SV_OK);
	CHECK_RC(sv_share_get(share, SHARE_PORT), 0);
	CHECK_RC(sv_share_grant(share, FIRST_DOMID), SV_OK);	/* first tries DEV_PORT on it */

	test_bad_devices("bad device ids, COM2 idle");
	test_bad_query_addresses();
	test_config();
	test_bad_grabs(share);
	test_grab_release(&grants);
	test_forged_word(&grants);
	test_own(&grants);
	CHECK_RC(sv_event_send(FIRST_DOMID, GO_PORT), SV_OK);	/* "queue now" */

	/* first queues, then second queues and leaves: wait for both. */
	CHECK(WAIT_UNTIL(domain_ended(2) && query().waiters == 1),
	      "first did not queue, or second did not end");
	struct sv_device_status st = query();
	CHECK(st.owner == start_info->domid && st.flags == SV_DEVF_OWNER && st.release_by_ns == 0,
	      "with first waiting: owner %u flags %#x release_by %llu", st.owner, st.flags,
	      st.release_by_ns);
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);
	CHECK_EQ(my_flags(), 0);
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_EPERM);	/* no longer ours */
	st = query();		/* the queue handed it to first at once */
	CHECK(st.state == SV_DEVICE_BUSY && st.owner == FIRST_DOMID && st.waiters == 0 &&
	      st.flags == 0, "after handing over: state %u owner %#x waiters %u flags %#x",
	      st.state, st.owner, st.waiters, st.flags);
	grants++;
	CHECK_RC(sv_event_send(FIRST_DOMID, GO_PORT), SV_OK);	/* "release it" */
	CHECK(WAIT_UNTIL(domain_ended(FIRST_DOMID)), "first did not end");
	check_idle("at the end");

	CHECK_RC(sv_share_drop(share), SV_OK);
	CHECK_RC(sv_share_destroy(share), SV_OK);
	printf("devbad: %u grants\n", grants);
	return xtf_verdict("devbad");
}

static int first(void)
{
	CHECK(WAIT_UNTIL(port_events[GO_PORT] >= 1), "domain 0 never said go");
	test_bad_devices("bad device ids, COM2 domain 0's");

	struct snapshot before = snap();
	CHECK_RC(sv_device_config(SV_DEV_COM2, 50, 20), SV_EPERM);
	CHECK_RC(sv_device_config(SV_DEV_COM2, 0, 0), SV_EPERM);	/* bad, but not ours to set */
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, 0), SV_EBUSY);
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_EPERM);	/* neither owner nor waiter */
	CHECK_SAME("a refused config, grab or release", before);
	CHECK_EQ(before.st.waiters, 0);

	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, SV_GRAB_WAIT), SV_GRAB_QUEUED);
	CHECK_EQ(my_flags(), SV_DEVF_WAITING);
	struct sv_device_status st = query();
	CHECK(st.waiters >= 1 && st.flags == SV_DEVF_WAITING && st.owner == 0,
	      "queued: waiters %u flags %#x owner %u", st.waiters, st.flags, st.owner);
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, SV_GRAB_WAIT), SV_EEXIST);
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT + 1, 0), SV_EEXIST);
	CHECK_EQ(my_flags(), SV_DEVF_WAITING);
	/* Our port is bound while we wait: domain 0 granted us share 32. */
	CHECK_RC(get_when_granted(FIRST_SHARE_ID, DEV_PORT), SV_EBUSY);

	/* Our port is raised when the device is ours. */
	uint32_t events = port_events[DEV_PORT];
	CHECK(WAIT_UNTIL(owned()), "never became the owner");
	CHECK(port_events[DEV_PORT] > events, "became the owner without an event on port %u",
	      DEV_PORT);
	st = query();
	CHECK(st.owner == start_info->domid && st.waiters == 0 && st.flags == SV_DEVF_OWNER,
	      "owner %u waiters %u flags %#x", st.owner, st.waiters, st.flags);
	CHECK_RC(sv_share_get(FIRST_SHARE_ID, DEV_PORT), SV_EBUSY);	/* bound while we own */
	CHECK(WAIT_UNTIL(port_events[GO_PORT] >= 2), "domain 0 never saw us own COM2");
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);
	CHECK_EQ(my_flags(), 0);
	CHECK_RC(sv_share_get(FIRST_SHARE_ID, DEV_PORT), 1);	/* free now: peer id 1 */
	CHECK_RC(sv_share_drop(FIRST_SHARE_ID), SV_OK);
	return xtf_verdict("devbad");
}

static int second(void)
{
	CHECK(WAIT_UNTIL(query().waiters == 1), "first never queued");
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_EPERM);	/* neither owner nor waiter */
	CHECK_RC(sv_device_config(SV_DEV_COM2, 50, 20), SV_EPERM);
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, 0), SV_EBUSY);
	CHECK_EQ(query().waiters, 1);		/* a refused grab does not queue */
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, SV_GRAB_WAIT), SV_GRAB_QUEUED);
	CHECK_EQ(query().waiters, 2);
	CHECK_EQ(my_flags(), SV_DEVF_WAITING);
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, SV_GRAB_WAIT), SV_EEXIST);
	CHECK_EQ(query().waiters, 2);

	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);	/* leave the queue */
	CHECK_EQ(my_flags(), 0);
	struct sv_device_status st = query();
	CHECK(st.waiters == 1 && st.flags == 0 && st.owner == 0,
	      "after leaving the queue: waiters %u flags %#x owner %u", st.waiters, st.flags,
	      st.owner);
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_EPERM);
	/* The port is free again: it can be bound to COM2 again. */
	CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, SV_GRAB_WAIT), SV_GRAB_QUEUED);
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);
	CHECK_EQ(query().waiters, 1);
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
