/*
 * lanbench: costs between two domains, measured with rdtsc (under QEMU
 * -icount shift=0 one tick is one instruction, and every domain reads
 * the same counter, so a time taken in one domain and compared in the
 * other is exact).
 *
 * Two copies run: role=ping as domain 0 (it creates the share, grants it
 * to domain 1 and measures) and role=echo as domain 1.
 *
 *   rtt_SIZE    ping's round trip for SIZE bytes: post its receive buffer
 *               again (a kept list, SV_SG_KEEP: by writing 0 to its
 *               length word), sg_xfer SIZE bytes to echo and wait for the
 *               reply in the same hypercall (SV_XFER_WAIT; upcalls
 *               masked: no upcall frame, no SV_OP_EVENT_RETURN). Echo,
 *               woken the same way, posts its buffer again and sends the
 *               bytes back, waiting for the next in the same call. Two
 *               transfers, two wake-ups and two domain switches, in two
 *               hypercalls.
 *   event_latency  from ping's rdtsc just before SV_OP_TRIGGER to the
 *               first instruction of echo's upcall handler (echo blocked
 *               with SV_OP_BLOCK on a watch of that offset: ping sets
 *               latency_phase first, so that echo stops waiting masked).
 *               Ping rings and waits for the ack in one hypercall
 *               (SV_TRIGGER_WAIT), so the CPU goes to echo from there.
 *
 * size=N (ping): only the round trips of N bytes, nothing else; make
 * bench boots the profiling build that way to break rtt_64 down by stage.
 *
 * Each figure: "BENCH name median min max", median of ROUNDS samples.
 */
#include "bench.h"

#define PORT		(SV_PORT_FIRST_FREE + 1)
#define MAP_VA		0x10000000u
#define OFF_PING	8	/* ping triggers it: echo's watch */
#define OFF_ACK		12	/* echo triggers it: ping's watch */
#define MAX_ROUNDS	101

struct control {		/* the share's page, mapped by both */
	volatile uint64_t t0;	/* ping's rdtsc before the trigger */
	volatile uint32_t done;
	volatile uint32_t latency_phase;	/* echo: wake by upcalls now */
	volatile uint32_t latency[MAX_ROUNDS];
};

static uint8_t rxbuf[65536] __attribute__((aligned(4096)));
static uint8_t txbuf[65536] __attribute__((aligned(4096)));
static volatile uint32_t rx_len;
static volatile uint64_t t_upcall;
static uint32_t samples[MAX_ROUNDS], rounds;
static sv_share_t share;
static struct control *ctl = (struct control *)MAP_VA;

static void on_event(uint32_t port)
{
	if (port == PORT)
		t_upcall = rdtsc();	/* the first thing the upcall does */
}

/* Post the receive buffer: registered once, kept (SV_SG_KEEP), and
 * after that posted again by writing 0 to its length word, with no
 * hypercall. */
static void post(void)
{
	static bool registered;
	rx_len = 0;
	if (!registered) {
		struct sv_sg sg = { (uint32_t)rxbuf, sizeof(rxbuf) };
		registered = sv_sg_register(share, SV_SG_IN | SV_SG_KEEP, &sg, 1,
					    (uint32_t *)&rx_len) >= 0;
	}
}

/* Send n bytes to peer; flags SV_XFER_WAIT: and wait for the answer in
 * the same hypercall. */
static void send_to(uint32_t peer, const uint8_t *buf, uint32_t n, uint32_t flags)
{
	struct sv_sg sg = { (uint32_t)buf, n };
	while (sv_sg_xfer(share, SV_XFER_SEND | flags, peer, &sg, 1) == SV_EAGAIN)
		sv_yield();
}

/* Block until *counter has been decremented to 0 by a trigger. */
static void wait_watch(volatile uint32_t *counter)
{
	while (*counter)
		sv_block();
	*counter = 1;
}

static uint32_t ack_counter = 1;

static int ping(void)
{
	static const uint32_t sizes[] = { 64, 1024, 4096, 65536 };
	char name[24];

	share = sv_share_create(1);
	sv_share_grant(share, SV_DOMID_SELF);
	/* Peer 0 before echo may get the share: echo is peer 1. */
	int32_t get = sv_share_get(share, PORT);
	int32_t grant = sv_share_grant(share, 1);
	int32_t map = sv_share_map(share, MAP_VA, 0);
	int32_t watch = sv_watch(share, OFF_ACK, &ack_counter);
	if (share < 0 || get != 0 || grant < 0 || map < 0 || watch < 0) {
		printf("set-up failed: share %d, get %d, grant %d, map %d, watch %d\n",
		       share, get, grant, map, watch);
		return 1;
	}
	struct sv_share_status st;
	while (sv_share_info(share, &st) == 0 && !(st.peers & 2))
		sv_sleep_ns(1000000);	/* until echo is peer 1 */
	wait_watch(&ack_counter);	/* echo is ready */

	uint32_t only = sv_cmdline_uint("size", 0);
	for (uint32_t s = 0; s < 4; s++) {
		if (only && sizes[s] != only)
			continue;
		for (uint32_t r = 0; r < rounds; r++) {
			uint64_t t0 = rdtsc();
			post();
			events_disable();	/* the reply's event: no upcall */
			send_to(1, txbuf, sizes[s], SV_XFER_WAIT);	/* send, wait */
			event_test_and_clear(PORT);
			while (!rx_len) {
				sv_wait();
				event_test_and_clear(PORT);
			}
			events_enable();
			samples[r] = (uint32_t)(rdtsc() - t0);
			if (rx_len != sizes[s])
				return 1;
		}
		snprintf(name, sizeof(name), "rtt_%u", sizes[s]);
		bench_report(name, samples, rounds);
	}
	if (!only) {
		/* Tell echo to sleep with SV_OP_BLOCK from now on (the figure
		 * is its upcall), and wake it from its masked wait to see so. */
		ctl->latency_phase = 1;
		sv_event_send(1, PORT);
		sv_sleep_ns(1000000);
	}
	for (uint32_t r = 0; r < rounds && !only; r++) {
		ctl->t0 = rdtsc();
		/* Ring echo and wait for its ack in one hypercall, masked. */
		events_disable();
		sv_trigger(share, OFF_PING | SV_TRIGGER_WAIT);
		while (ack_counter)
			sv_wait();
		ack_counter = 1;
		events_take_pending();
		events_enable();
		samples[r] = ctl->latency[r];
	}
	if (!only)
		bench_report("event_latency", samples, rounds);
	ctl->done = 1;
	sv_trigger(share, OFF_PING);
	return 0;
}

static int echo(void)
{
	static uint32_t ping_counter = 1;
	int32_t peer = SV_ENOENT;

	for (int tries = 0; tries < 500 && peer < 0; tries++) {
		peer = sv_share_get(SV_MAX_SHARES, PORT);
		if (peer < 0)
			sv_sleep_ns(1000000);
	}
	share = SV_MAX_SHARES;
	int32_t map = peer < 0 ? 0 : sv_share_map(share, MAP_VA, 0);
	int32_t watch = peer < 0 ? 0 : sv_watch(share, OFF_PING, &ping_counter);
	if (peer < 0 || map < 0 || watch < 0) {
		printf("set-up failed: get %d, map %d, watch %d\n", peer, map, watch);
		return 1;
	}
	post();
	sv_trigger(share, OFF_ACK);	/* ready */
	uint32_t r = 0;
	while (!ctl->done) {
		if (rx_len) {		/* a frame: post again, send it back */
			uint32_t n = rx_len;
			post();
			/* Send it back and wait for the next in one hypercall. */
			events_disable();
			send_to(0, rxbuf, n, ctl->latency_phase ? 0 : SV_XFER_WAIT);
			event_test_and_clear(PORT);
			events_enable();
		} else if (ping_counter == 0) {	/* a trigger: how long it took */
			ping_counter = 1;
			if (!ctl->done && r < MAX_ROUNDS)
				ctl->latency[r++] = (uint32_t)(t_upcall - ctl->t0);
			sv_trigger(share, OFF_ACK);
		} else if (!ctl->latency_phase) {
			/* The round trips: wait with upcalls masked, as ping
			 * does; the event is ours to clear, no upcall frame. */
			events_disable();
			if (!rx_len && ping_counter && !ctl->done && !ctl->latency_phase)
				sv_wait();
			event_test_and_clear(PORT);
			events_enable();
		} else {
			sv_block();	/* event_latency: the upcall is the figure */
		}
	}
	return 0;
}

int main(const struct sv_start_info *si)
{
	(void)si;
	rounds = bench_rounds(MAX_ROUNDS);
	events_init(on_event);
	return bench_is_ping() ? ping() : echo();
}
