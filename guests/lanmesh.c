/*
 * lanmesh: three stations on one LAN, each talking to both others, to
 * show that peer-id addressing works (demo quality, used by the boot test
 * "lan-mesh").
 *
 *   module lines: lanctl.elf name=lanctl lan=a,b,c
 *                 lanmesh.elf name=a lan=32      (and b, c the same)
 *
 * Each station:
 *   1. waits until both other stations are up;
 *   2. sends one unicast frame to each of them, saying (sender, receiver),
 *      and one broadcast frame saying (sender, "*");
 *   3. receives until it has 2 unicasts and 2 broadcasts, checking each:
 *      the sender's name in the frame is another station, the source peer
 *      id the driver reports is the one that station holds (lan_find, at
 *      step 1) and
 *      the one the sender wrote in the frame, a unicast names us as its
 *      receiver, and nothing comes twice;
 *   4. broadcasts "done" and waits for "done" from both others before
 *      detaching, so nobody sends to a station that has left.
 * It prints a line per pair ("unicast from b (station 2) to a: ok") and
 * "VERDICT lanmesh: PASS" (exit 0) only if every frame checked out.
 */
#include "lan.h"
#include "sv.h"

#define NSTATIONS 3
#define MESH_MAGIC 0x6D657368u	/* "mesh" */

enum { UNICAST, BROADCAST, DONE };
static const char *const kind_name[] = { "unicast", "broadcast", "done" };
static const char *const names[NSTATIONS] = { "a", "b", "c" };

struct mesh_msg {
	uint32_t magic;
	uint32_t kind;
	uint32_t from_id;		/* the sender's peer id, as it sees it */
	char from[SV_NAME_MAX];
	char to[SV_NAME_MAX];		/* "*" for a broadcast */
};

static const char *me;
static uint32_t failures;

static void fail(const char *what, const char *detail)
{
	printf("check failed: %s: %s\n", what, detail);
	failures++;
}

static void send_msg(uint32_t dst, uint32_t kind, uint32_t self, const char *to)
{
	struct mesh_msg m;
	memset(&m, 0, sizeof(m));
	m.magic = MESH_MAGIC;
	m.kind = kind;
	m.from_id = self;
	memcpy(m.from, me, strnlen(me, SV_NAME_MAX - 1));
	memcpy(m.to, to, strnlen(to, SV_NAME_MAX - 1));
	int32_t rc = lan_send_retry(dst, &m, sizeof(m), 1000);
	if (rc != (int32_t)sizeof(m))
		fail("send", sv_strerror(rc));
}

/* The index in names[] of the station called name, or -1. */
static int station_index(const char *name)
{
	for (int i = 0; i < NSTATIONS; i++)
		if (strncmp(names[i], name, SV_NAME_MAX) == 0)
			return i;
	return -1;
}

int main(const struct sv_start_info *si)
{
	/* got[kind][station]: frames of that kind from that station */
	uint32_t got[3][NSTATIONS] = { { 0 } };
	uint32_t checked = 0, dones = 0, src;
	struct mesh_msg m;
	char what[64];

	me = si->name;
	int mine = station_index(me);
	if (mine < 0) {
		printf("my name '%s' is not a, b or c\n", me);
		return 1;
	}
	int32_t self = lan_attach((sv_share_t)sv_cmdline_uint("lan", SV_MAX_SHARES), me, NULL);
	if (self < 0) {
		printf("cannot attach to the LAN: %s\n", sv_strerror(self));
		return 1;
	}
	printf("I am station %d\n", self);

	/* 1. both others up; note their peer ids (a station may have left
	 * by the time we read its last frame, so look them up now) */
	int ids[NSTATIONS];
	for (int i = 0; i < NSTATIONS; i++)
		while (i != mine && (ids[i] = lan_find(names[i])) < 0)
			lan_wait();
	ids[mine] = self;

	/* 2. a unicast to each, one broadcast */
	for (int i = 0; i < NSTATIONS; i++)
		if (i != mine)
			send_msg((uint32_t)ids[i], UNICAST, (uint32_t)self, names[i]);
	send_msg(LAN_BROADCAST, BROADCAST, (uint32_t)self, "*");

	/* 3 and 4: receive and check; then "done", and the others' "done" */
	bool sent_done = false;
	while (dones < NSTATIONS - 1 || !sent_done) {
		if (!sent_done && checked == 2 * (NSTATIONS - 1)) {
			send_msg(LAN_BROADCAST, DONE, (uint32_t)self, "*");
			sent_done = true;
			continue;
		}
		int32_t len = lan_recv(&src, &m, sizeof(m));
		if (len == 0) {
			/* A station we still need something from must not leave. */
			for (int i = 0; i < NSTATIONS; i++)
				if (i != mine && !got[DONE][i] && lan_find(names[i]) < 0) {
					fail("station left early", names[i]);
					got[DONE][i] = 1;	/* do not wait for it */
					dones++;
				}
			if (dones < NSTATIONS - 1 || !sent_done)
				lan_wait();
			continue;
		}
		m.from[SV_NAME_MAX - 1] = m.to[SV_NAME_MAX - 1] = 0;
		int from = station_index(m.from);
		if (len != (int32_t)sizeof(m) || m.magic != MESH_MAGIC || m.kind > DONE ||
		    from < 0 || from == mine) {
			snprintf(what, sizeof(what), "%d bytes from station %u", len, src);
			fail("not a mesh frame from another station", what);
			continue;
		}
		snprintf(what, sizeof(what), "%s from %s (station %u)", kind_name[m.kind], m.from, src);
		bool ok = true;
		/* A station on another machine (docs/remote.md) has one id
		 * there, the one it writes, and another here: check the one
		 * our driver knows it by. */
		if ((int)src != ids[from] || (src < LAN_REMOTE_BASE && src != m.from_id)) {
			fail(what, "the source peer id is not the sender's");
			ok = false;
		}
		const char *want_to = m.kind == UNICAST ? me : "*";
		if (strncmp(m.to, want_to, SV_NAME_MAX) != 0) {
			fail(what, "addressed to someone else");
			ok = false;
		}
		if (got[m.kind][from]++) {
			fail(what, "came twice");
			ok = false;
		}
		if (m.kind == DONE) {
			dones++;
			continue;
		}
		if (ok)
			checked++;
		if (m.kind == UNICAST)
			printf("unicast from %s (station %u) to %s: %s\n", m.from, src, m.to,
			       ok ? "ok" : "BAD");
		else
			printf("broadcast from %s (station %u): %s\n", m.from, src, ok ? "ok" : "BAD");
	}
	if (lan_stats.bad)
		fail("driver", "frames with a bad header");
	printf("%u of %u frames verified, %u done, sent %u, received %u\n", checked,
	       2 * (NSTATIONS - 1), dones, lan_stats.sent, lan_stats.received);
	bool pass = failures == 0 && checked == 2 * (NSTATIONS - 1);
	printf("VERDICT lanmesh: %s\n", pass ? "PASS" : "FAIL");
	lan_detach();
	return pass ? 0 : 1;
}
