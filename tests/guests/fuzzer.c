/*
 * fuzzer: a hostile guest. Seeded from its command line (seed=, so a
 * failure replays exactly), it makes count= hypercalls with random
 * operations and arguments drawn from values that have broken
 * hypervisors before: 0, -1, the edges of the 0xC0000000 boundary,
 * ranges that wrap, the read-only start-info page and its own text,
 * unmapped pages, huge lengths, share ids and peer ids that were valid a
 * moment ago, its own share mappings. It runs beside the LAN demo; the
 * test passes only if the hypervisor survives, ping and pong still
 * verify every frame, and every frame comes back at the end.
 *
 * A few operations would only hurt the fuzzer itself (exit, a bad
 * callback, a forged upcall frame, blocking forever): those are made
 * only with arguments that keep it alive, so that it can go on.
 *
 * Beside the LAN, lanctl is domain 0 and grants the fuzzers shares 33
 * and 34. Run as domain 0 itself, a fuzzer creates shares 32 to 34,
 * grants them to every domain, and then fuzzes with the calls only
 * domain 0 may make (create, grant, destroy) succeeding too.
 *
 *   module line: fuzzer.elf name=fuzz seed=1 count=20000
 */
#include "sv.h"

#define ARENA_VA	0x20000000u	/* where it maps its shares */

static uint32_t state;
static uint8_t arena[65536] __attribute__((aligned(4096)));	/* its own valid memory */
static uint32_t results[SV_ERRNO_MAX + 2];	/* [0]: successes, [-e]: each error */

static uint32_t rnd(void)
{
	state ^= state << 13;	/* xorshift32 */
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}

/* An address: usually one that some check must catch. */
static uint32_t any_address(void)
{
	static const uint32_t edges[] = {
		0, 1, 0xFFFFFFFF, 0xFFFFFFF0, 0xFFFFF000, 0xC0000000, 0xC0100000,
		0xBFFFFFFF, 0xBFFFFFFC, 0xBFFFF000, 0xBFFFFFF8, 0x80000000, 0x7FFFFFFF,
		SV_START_INFO, SV_START_INFO + 0xFFC, SV_SHARED_INFO,
		SV_STACK_TOP - SV_STACK_SIZE - 4, SV_GUEST_BASE, SV_GUEST_BASE + 0x10,
		0x30000000, ARENA_VA, ARENA_VA + 0x1000, ARENA_VA + 0x3FFC, ARENA_VA + 0x5000,
	};
	switch (rnd() % 4) {
	case 0:
		return edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];
	case 1:		/* inside its own arena, near page ends too */
		return (uint32_t)arena + (rnd() % sizeof(arena));
	case 2:
		return (uint32_t)arena + (rnd() % 16) * 4096 - 4 + rnd() % 8;
	default:
		return rnd();
	}
}

/* A number: small counts, ids, ports, sizes and edges. */
static uint32_t any_number(void)
{
	static const uint32_t edges[] = {
		0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 34, 35, 64, 65, 96, 4095, 4096,
		4097, 65535, 65536, 65537, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE,
		SV_DOMID_SELF, SV_MAX_SHARES + SV_MAX_SHARES,
	};
	return rnd() % 2 ? edges[rnd() % (sizeof(edges) / sizeof(edges[0]))] : rnd() % 40;
}

static uint32_t any_arg(void)
{
	return rnd() % 2 ? any_address() : any_number();
}

/* An sg list in the arena whose entries are anything. */
static uint32_t any_sg_list(void)
{
	struct sv_sg *l = (struct sv_sg *)(arena + 60000);
	for (int i = 0; i < 17; i++)
		l[i] = (struct sv_sg){ any_address(), rnd() % 3 ? rnd() % 8192 : any_number() };
	return rnd() % 4 ? (uint32_t)l : any_address();
}

/* Before a call that may sleep: the timer, 1 ms from now. The time comes
 * from SV_OP_TIME_GET, not the shared-info page, whose clock scale our
 * own wild writes may have scribbled on (the hypervisor writes it once,
 * at the domain's start); and those writes may have masked the timer's
 * port. */
static void arm_wakeup(void)
{
	uint64_t now = 0;
	sv_time_get(&now);
	sv_timer_set(now + 1000000);
	shared_info->event_mask &= ~(1u << SV_PORT_TIMER);
}

static void one_call(void)
{
	uint32_t op = rnd() % (SV_OP_COUNT + 3), a[5];
	for (int i = 0; i < 5; i++)
		a[i] = any_arg();

	switch (op) {
	case SV_OP_EXIT:		/* would end the fuzzing */
	case SV_OP_EVENT_RETURN:	/* a forged frame kills only us, but ends the run */
		return;
	case SV_OP_EVENT_CALLBACK:	/* a wild callback would too */
		a[0] = 0;
		break;
	case SV_OP_BLOCK:		/* never sleep with nothing to wake us: */
	case SV_OP_WAIT:
		arm_wakeup();
		break;
	case SV_OP_CONSOLE_WRITE: {	/* bad buffers only: no garbage on the console */
		static const uint32_t bad[] = { 0, 0xBFFFFFF8, 0xC0000000, 0xFFFFFFF0, 0x30000000 };
		a[0] = bad[rnd() % 5];
		a[1] = 1 + rnd() % 64;
		break;
	}
	case SV_OP_TRIGGER:
		/* Now and then with SV_TRIGGER_WAIT, which may sleep: arm the
		 * timer as for BLOCK (a sleep lasts up to a tick). */
		if (rnd() % 8 == 0)
			a[1] = (rnd() % 8192) | SV_TRIGGER_WAIT;
		if (a[1] & SV_TRIGGER_WAIT)
			arm_wakeup();
		break;
	case SV_OP_SG_XFER:
		/* The same with SV_XFER_WAIT. */
		if (rnd() % 8 == 0)
			a[1] = (rnd() % 3) | SV_XFER_WAIT;
		if (a[1] & SV_XFER_WAIT)
			arm_wakeup();
		/* fall through */
	case SV_OP_SG_REGISTER:
		if (op == SV_OP_SG_REGISTER && rnd() % 4 == 0)
			a[1] = (rnd() % 3) | SV_SG_KEEP;	/* a kept list, maybe */
		a[2 + (op == SV_OP_SG_XFER)] = any_sg_list();
		break;
	case SV_OP_SHARE_MAP:		/* not over its own memory: refused anyway */
		if (rnd() % 2)
			a[1] = ARENA_VA + (rnd() % 8) * 4096;
		break;
	}
	int32_t rc = sv_hypercall(op, a[0], a[1], a[2], a[3], a[4]);
	/* A random grab may have given us COM2, or queued us for it. Give it
	 * back at once, as a driver would: an owner that kept it while
	 * another fuzzer waits would be revoked and killed (docs/devices.md). */
	if (shared_info->device[SV_DEV_COM2] & (SV_DEVF_OWNER | SV_DEVF_WAITING))
		sv_device_release(SV_DEV_COM2);
	if (rc >= 0)
		results[0]++;
	else if (rc >= -SV_ERRNO_MAX)
		results[-rc]++;
	else
		results[SV_ERRNO_MAX + 1]++;	/* an undocumented error code */
}

/* As domain 0: shares 32, 33 and 34 (1, 1 and 4 pages; the fuzzers get
 * 33 and 34, as lanctl's), each granted to every domain. */
static void make_shares(void)
{
	static const uint32_t pages[] = { 1, 1, 4 };
	static struct sv_domain_info doms[SV_MAX_DOMAINS];
	int n = sv_domain_list(doms, SV_MAX_DOMAINS);

	for (int s = 0; s < 3; s++) {
		sv_share_t share = sv_share_create(pages[s]);
		for (int i = 0; i < n; i++)
			sv_share_grant(share, doms[i].domid);
		printf("share %d (%u pages) granted to all %d domains\n", share, pages[s], n);
	}
}

int main(const struct sv_start_info *si)
{
	uint32_t seed = sv_cmdline_uint("seed", 1), count = sv_cmdline_uint("count", 20000);
	state = seed ? seed : 1;

	if (si->flags & SV_SIF_PRIVILEGED)
		make_shares();
	/* Get its shares (domain 0 grants them soon after start). */
	for (int tries = 0; tries < 200; tries++) {
		if (sv_share_get(SV_MAX_SHARES + 1, SV_PORT_FIRST_FREE + 2) >= 0)
			break;
		sv_sleep_ns(10 * 1000 * 1000);
	}
	sv_share_get(SV_MAX_SHARES + 2, SV_PORT_FIRST_FREE + 3);
	printf("%s: %u hypercalls from seed %u\n", si->name, count, seed);
	for (uint32_t i = 0; i < count; i++) {
		one_call();
		if (i % 5000 == 4999)
			printf("%u hypercalls made\n", i + 1);
	}
	printf("results: %u succeeded", results[0]);
	for (int e = 1; e <= SV_ERRNO_MAX; e++)
		if (results[e])
			printf(", %u %s", results[e], sv_strerror(-e));
	printf("\nundocumented error codes: %u\n", results[SV_ERRNO_MAX + 1]);
	printf("VERDICT fuzzer: %s\n", results[SV_ERRNO_MAX + 1] ? "FAIL" : "PASS");
	return results[SV_ERRNO_MAX + 1] ? 1 : 0;
}
