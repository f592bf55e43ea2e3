/*
 * devrace: the seed's race. Several racers, in rounds, each: query COM2
 * (idle?), yield (so the others run between the look and the grab), and
 * grab without SV_GRAB_WAIT. A query may say idle and the grab still fail
 * with SV_EBUSY: the answer was stale. What the hypervisor must keep is
 * consistency: in every round exactly one racer gets SV_GRAB_OWNED, every
 * other one gets SV_EBUSY, and each loser's query after its grab names
 * the winner. The winner proves the ports are its own: it writes the
 * UART's scratch register, lets the others run, and reads it back.
 *
 * Domain 0 is the referee. It creates a one-page share that everyone
 * maps (struct race_page), opens round r by writing its number, waits
 * until every racer has reported its grab for r, checks the round, lets
 * the winner release, checks COM2 is idle again, and opens r + 1.
 *
 * The race is forced, not hoped for: round-robin scheduling runs every
 * racer once per yield. In round r racer i yields k = (r + i) % n times,
 * looks, yields n times more, and grabs; so every look (turns 0 .. n-1)
 * comes before every grab (turns n .. 2n-1), and the racer with k = 0
 * grabs first: all the others looked, saw idle, and lose. The winner
 * rotates. A timer tick can preempt a racer and shift its turns; that
 * only changes who wins and how many looked idle, never the consistency
 * checks, and the test asks only that some grab lost after an idle look.
 *
 * The referee prints
 *
 *     devrace: R rounds, O with one owner, wins W1/W2/.., L lost after an idle look, B looked busy
 *
 *   module lines: devrace.elf name=ref role=referee racers=N rounds=R   (domain 0)
 *                 devrace.elf name=racerI role=racer                    (domains 1 .. N)
 */
#include "portio.h"
#include "shares.h"

#define MAX_RACERS	8
#define RACE_VA		0x10000000u		/* where everyone maps the page */
#define SHARE_PORT	(SV_PORT_FIRST_FREE + 1)
#define DEV_PORT	(SV_PORT_FIRST_FREE + 2)
#define COM2_SCRATCH	(SV_COM2_IO_BASE + 7)
#define SPIN_NS		(10000 * MS)		/* give up a wait after 10 s */

struct racer_slot {			/* written by its racer */
	volatile uint32_t done;		/* the last round it grabbed in */
	volatile int32_t rc;		/* that grab's result */
	volatile int32_t looked;	/* its query before the yields: IDLE or BUSY */
	volatile uint32_t saw_owner;	/* the owner its query named after the grab */
	volatile uint32_t released;	/* the last round it won and released */
};

struct race_page {			/* written by the referee */
	volatile uint32_t racers;	/* n */
	volatile uint32_t rounds;
	volatile uint32_t round;	/* the round open now (0: none yet) */
	volatile uint32_t release;	/* the winner of this round may release */
	struct racer_slot r[MAX_RACERS];	/* racer i is domain i + 1 */
};

static struct race_page *const page = (struct race_page *)RACE_VA;

/* Poll cond with a yield between looks, so every other domain runs once
 * between two of them; false if it does not hold within SPIN_NS. */
#define SPIN_UNTIL(cond) ({						\
	uint64_t _end = sv_now() + SPIN_NS;				\
	while (!(cond) && sv_now() < _end)				\
		sv_yield();						\
	(bool)(cond);							\
})

static void yields(uint32_t n)
{
	while (n--)
		sv_yield();
}

static struct sv_device_status query(void)
{
	struct sv_device_status st;
	memset(&st, 0xEE, sizeof(st));
	int32_t rc = sv_device_query(SV_DEV_COM2, &st);
	CHECK(rc == (int32_t)st.state, "query returned %d, status says %u", rc, st.state);
	return st;
}

static bool all_done(uint32_t n, uint32_t round)
{
	for (uint32_t i = 0; i < n; i++)
		if (page->r[i].done != round)
			return false;
	return true;
}

static int referee(void)
{
	uint32_t n = sv_cmdline_uint("racers", 3), rounds = sv_cmdline_uint("rounds", 40);
	uint32_t one_owner = 0, lost = 0, busy = 0, wins[MAX_RACERS] = { 0 };
	if (!CHECK(n >= 2 && n <= MAX_RACERS, "racers=%u: 2 to %u", n, MAX_RACERS))
		return xtf_verdict("devrace");

	sv_share_t share = own_share(1, SHARE_PORT, RACE_VA);
	CHECK_EQ(share, FIRST_SHARE_ID);
	page->racers = n;
	page->rounds = rounds;
	for (uint32_t i = 0; i < n; i++)
		CHECK_RC(sv_share_grant(share, (sv_domid_t)(i + 1)), SV_OK);

	for (uint32_t r = 1; r <= rounds; r++) {
		page->round = r;
		if (!CHECK(SPIN_UNTIL(all_done(n, r)), "round %u: not every racer grabbed", r))
			break;

		/* Exactly one owner; the others were refused and saw it. */
		uint32_t owners = 0, winner = 0;
		for (uint32_t i = 0; i < n; i++) {
			struct racer_slot *s = &page->r[i];
			if (s->rc == SV_GRAB_OWNED) {
				owners++;
				winner = i;
			} else {
				CHECK(s->rc == SV_EBUSY, "round %u: racer%u's grab returned %d (%s)",
				      r, i + 1, s->rc, sv_strerror(s->rc));
				if (s->looked == SV_DEVICE_IDLE)
					lost++;		/* the seed's race */
			}
			if (s->looked != SV_DEVICE_IDLE)
				busy++;
		}
		if (!CHECK(owners == 1, "round %u: %u racers got SV_GRAB_OWNED", r, owners))
			break;
		wins[winner]++;
		one_owner++;
		struct sv_device_status st = query();
		CHECK(st.state == SV_DEVICE_BUSY && st.owner == winner + 1 && st.waiters == 0,
		      "round %u: racer%u won, the query says state %u owner %#x waiters %u", r,
		      winner + 1, st.state, st.owner, st.waiters);
		for (uint32_t i = 0; i < n; i++)
			CHECK(page->r[i].saw_owner == winner + 1,
			      "round %u: racer%u won, racer%u's query named domain %#x", r,
			      winner + 1, i + 1, page->r[i].saw_owner);

		page->release = r;
		CHECK(SPIN_UNTIL(page->r[winner].released == r),
		      "round %u: the winner never released", r);
		st = query();
		CHECK(st.state == SV_DEVICE_IDLE && st.owner == SV_DOMID_NONE,
		      "round %u: after the release: state %u owner %#x", r, st.state, st.owner);
	}

	CHECK(WAIT_UNTIL(others_ended()), "the racers did not end");
	drop_and_destroy(share);
	printf("devrace: %u rounds, %u with one owner, wins", rounds, one_owner);
	for (uint32_t i = 0; i < n; i++)
		printf("%c%u", i ? '/' : ' ', wins[i]);
	printf(", %u lost after an idle look, %u looked busy\n", lost, busy);
	return xtf_verdict("devrace");
}

static int racer(const struct sv_start_info *si)
{
	if (!CHECK(si->domid >= 1 && si->domid <= MAX_RACERS, "a racer is domain 1 to %u",
		   MAX_RACERS))
		return xtf_verdict("devrace");
	uint32_t i = si->domid - 1;
	struct racer_slot *me = &page->r[i];
	int32_t peer = get_when_granted(FIRST_SHARE_ID, SHARE_PORT);
	CHECK(peer >= 1, "share_get: %d (%s)", peer, sv_strerror(peer));
	if (!CHECK_RC(sv_share_map(FIRST_SHARE_ID, RACE_VA, 0), SV_OK))
		return xtf_verdict("devrace");

	uint32_t n = page->racers, rounds = page->rounds;
	for (uint32_t r = 1; r <= rounds; r++) {
		if (!CHECK(SPIN_UNTIL(page->round == r), "round %u never opened", r))
			break;
		uint32_t k = (r + i) % n;
		yields(k);
		int32_t looked = sv_device_query(SV_DEV_COM2, NULL);
		yields(n);		/* every other racer looks now */
		int32_t rc = sv_device_grab(SV_DEV_COM2, DEV_PORT, 0);
		struct sv_device_status st = query();
		uint8_t mark = (uint8_t)(si->domid * 64 + r);	/* ours, this round */

		if (rc == SV_GRAB_OWNED) {
			CHECK_EQ(shared_info->device[SV_DEV_COM2], SV_DEVF_OWNER);
			CHECK(st.owner == si->domid, "round %u: grab said owned, the owner is %#x",
			      r, st.owner);
			outb(COM2_SCRATCH, mark);
		} else {
			CHECK(rc == SV_EBUSY, "round %u: grab returned %d (%s)", r, rc,
			      sv_strerror(rc));
			CHECK_EQ(shared_info->device[SV_DEV_COM2], 0);
			CHECK(st.state == SV_DEVICE_BUSY && st.owner != si->domid,
			      "round %u: lost, but the query says state %u owner %#x", r, st.state,
			      st.owner);
		}
		me->rc = rc;
		me->looked = looked;
		me->saw_owner = st.owner;
		me->done = r;		/* last: the referee reads the rest after this */

		if (rc == SV_GRAB_OWNED) {
			CHECK(SPIN_UNTIL(page->release == r), "round %u: never told to release", r);
			CHECK_EQ(inb(COM2_SCRATCH), mark);	/* still ours, as we left it */
			CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);
			CHECK_EQ(shared_info->device[SV_DEV_COM2], 0);
			me->released = r;
		}
	}
	CHECK_RC(sv_share_drop(FIRST_SHARE_ID), SV_OK);
	return xtf_verdict("devrace");
}

int main(const struct sv_start_info *si)
{
	char role[8] = "";
	sv_cmdline_get("role", role, sizeof(role));
	if (strncmp(role, "referee", 8) == 0)
		return referee();
	if (strncmp(role, "racer", 6) == 0)
		return racer(si);
	printf("devrace: unknown role '%s'\n", role);
	return 1;
}
