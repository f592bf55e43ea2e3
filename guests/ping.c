/*
 * ping: sends COUNT frames to the station named by peer= (pong), each
 * with a sequence number, a size and a checksum, sizes growing from 1
 * byte of data to the largest frame the LAN carries; waits for each to
 * come back and checks it byte for byte. Reports round-trip times in TSC
 * ticks and exits 0 only if every frame came back intact and in order.
 *
 *   module line: ping.elf name=ping lan=32 peer=pong count=2000
 *
 * A frame the receiver has no buffer for (SV_EAGAIN, counted as
 * "receiver full") is retried 1000 times, then counted as dropped. With
 * drops_ok=1 (the loss test, pong's pause_at=) dropped frames do not fail
 * the run: it passes if every frame sent came back and
 * sent + dropped == count.
 *
 * size=N: every frame carries N bytes of data (12 + N on the LAN), for a
 * round trip of one size (make bench's remote_rtt_64: size=52).
 *
 * timeout_ms=T (a lossy path, e.g. across machines with a bridge's
 * loss=, docs/remote.md): a frame whose reply has not come T ms after it
 * was sent is counted lost and ping goes on with the next; a reply that
 * comes after that is recognised by its sequence number and discarded
 * (counted late). The run passes if every frame came back intact or was
 * counted lost.
 *
 * Exit status: 0 pass, 1 fail, 2 the peer left before all frames were
 * exchanged (ping stops sending, prints its summary and exits).
 */
#include "lan.h"
#include "sv.h"

#define MAX_SAMPLES 4096

struct msg {
	uint32_t seq;
	uint32_t size;		/* bytes of data */
	uint32_t sum;		/* checksum of data */
	uint8_t data[LAN_MAX_PAYLOAD - 12];
};

#define BYE 0xFFFFFFFFu

static struct msg out, in;
static uint32_t rtt[MAX_SAMPLES];

/* FNV-1a, 32 bits: cheap, and any flipped or moved byte changes it. */
static uint32_t checksum(const uint8_t *p, uint32_t n)
{
	uint32_t h = 2166136261u;
	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static uint32_t fixed_size;	/* size=N: every frame carries N bytes of data */

/* Sizes sweep 1 .. sizeof(data); every 64th frame is the largest. */
static uint32_t size_of(uint32_t seq)
{
	uint32_t max = sizeof(out.data);
	if (fixed_size)
		return fixed_size < max ? fixed_size : max;
	return seq % 64 == 63 ? max : 1 + (seq * 211) % max;
}

static void sort(uint32_t *a, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++) {
		uint32_t x = a[i], j = i;
		for (; j > 0 && a[j - 1] > x; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

int main(const struct sv_start_info *si)
{
	char peer_name[SV_NAME_MAX] = "pong";
	uint32_t count = sv_cmdline_uint("count", 2000);
	uint32_t received = 0, bad = 0, lost = 0, dropped = 0, src;
	bool drops_ok = sv_cmdline_uint("drops_ok", 0) != 0;
	uint32_t tries = sv_cmdline_uint("tries", 1000);
	uint64_t timeout_ns = (uint64_t)sv_cmdline_uint("timeout_ms", 0) * 1000000;
	fixed_size = sv_cmdline_uint("size", 0);
	uint32_t timed_out = 0, late = 0;

	sv_cmdline_get("peer", peer_name, sizeof(peer_name));
	if (lan_attach((sv_share_t)sv_cmdline_uint("lan", SV_MAX_SHARES), si->name, NULL) < 0) {
		printf("cannot attach to the LAN\n");
		return 1;
	}
	int peer;
	while ((peer = lan_find(peer_name)) < 0)
		lan_wait();	/* until pong has joined */
	printf("sending %u frames of %u to %u bytes to %s (station %d)\n", count, size_of(0),
	       fixed_size ? size_of(0) : (uint32_t)sizeof(out.data), peer_name, peer);

	uint64_t start = rdtsc();
	for (uint32_t seq = 0; seq < count && lan_up((uint32_t)peer); seq++) {
		out.seq = seq;
		out.size = size_of(seq);
		for (uint32_t i = 0; i < out.size; i++)
			out.data[i] = (uint8_t)(seq * 31 + i);
		out.sum = checksum(out.data, out.size);
		uint32_t len = 12 + out.size;

		uint64_t t0 = rdtsc();
		if (lan_send_retry((uint32_t)peer, &out, len, tries) < 0) {
			dropped++;
			continue;
		}
		int32_t got;
		uint64_t deadline = timeout_ns ? sv_now() + timeout_ns : 0;
		for (;;) {
			got = lan_recv(&src, &in, sizeof(in));
			if (got >= 4 && timeout_ns && in.seq < seq) {
				late++;		/* the reply to a frame we gave up on */
				continue;
			}
			if (got != 0 || !lan_up((uint32_t)peer) || (deadline && sv_now() >= deadline))
				break;
			if (deadline)
				sv_timer_set(deadline);	/* lan_wait wakes at the latest then */
			lan_wait();
		}
		if (got == 0 && deadline && lan_up((uint32_t)peer)) {
			timed_out++;		/* lost on the way, there or back */
			continue;
		}
		if (got == 0) {
			lost++;
			break;
		}
		uint32_t t = (uint32_t)(rdtsc() - t0);
		if (received < MAX_SAMPLES)
			rtt[received] = t;
		received++;
		if ((uint32_t)got != len || src != (uint32_t)peer || memcmp(&in, &out, len) != 0)
			bad++;
		if (seq % 500 == 499)
			printf("%u frames echoed\n", seq + 1);
	}
	uint64_t elapsed = rdtsc() - start;
	uint32_t sent = lan_stats.sent;
	bool left_early = !lan_up((uint32_t)peer);
	out.seq = BYE;
	if (!left_early)
		lan_send_retry((uint32_t)peer, &out, 12, 1000);

	uint32_t n = received < MAX_SAMPLES ? received : MAX_SAMPLES;
	sort(rtt, n);
	printf("summary: sent %u, received %u, bad %u, dropped %u, lost %u, receiver full %u times\n",
	       sent, received, bad, dropped, lost, lan_stats.full);
	if (n)
		printf("round trip (TSC ticks): min %u, median %u, max %u\n", rtt[0], rtt[n / 2],
		       rtt[n - 1]);
	if (timeout_ns)
		printf("timeouts: %u frames lost on the way (no reply within %u ms), %u late "
		       "replies discarded\n", timed_out, (uint32_t)(timeout_ns / 1000000), late);
	printf("exchange: %u frames back in %llu TSC ticks\n", received,
	       (unsigned long long)elapsed);
	if (left_early) {
		printf("peer left early: %s left after %u of %u frames came back; stopped sending\n",
		       peer_name, received, count);
		lan_detach();
		return 2;
	}
	if (drops_ok) {
		bool ok = received == sent && sent + dropped == count && bad == 0 && lost == 0;
		printf("%s: every frame sent came back intact and in order; %u dropped (receiver full)\n",
		       ok ? "PASS" : "FAIL", dropped);
		lan_detach();
		return ok ? 0 : 1;
	}
	if (timeout_ns) {
		bool ok = received + timed_out == count && bad == 0 && dropped == 0 && lost == 0;
		printf("%s: every frame came back intact or was counted lost (%u lost)\n",
		       ok ? "PASS" : "FAIL", timed_out);
		lan_detach();
		return ok ? 0 : 1;
	}
	bool ok = received == count && bad == 0 && dropped == 0 && lost == 0;
	printf("%s: every frame came back intact and in order\n", ok ? "PASS" : "FAIL");
	lan_detach();
	return ok ? 0 : 1;
}
