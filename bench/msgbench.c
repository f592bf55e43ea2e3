/*
 * msgbench: the message transport's costs (guests/lib/msg.h), measured
 * with rdtsc (one tick is one instruction under QEMU -icount shift=0).
 * Domain 0 is the introducer (msgns); role=echo serves, role=ping
 * measures:
 *
 *   msg_rtt_SIZE   send SIZE bytes, receive the echo: two sg transfers
 *                  (MSG_CALL: each side's send also waits, one hypercall
 *                  a side), two buffers posted again (a store each: kept
 *                  lists), two wake-ups
 *   msg_connect    connect and close, introducer included: its share
 *                  create, grants and watches, the two joins
 *
 * Each figure: "BENCH name median min max" over ROUNDS samples.
 */
#include "bench.h"
#include "msg.h"

#define MAX_ROUNDS	101

static uint8_t buf[MSG_MAX];
static uint32_t samples[MAX_ROUNDS], rounds;

static int32_t connect_retry(void)
{
	int32_t c;
	while ((c = msg_connect("bench", 0)) == MSG_ENOTFOUND)
		sv_sleep_ns(1000000);
	return c;
}

static int ping(void)
{
	static const uint32_t sizes[] = { 64, 1024, 8192 };
	char name[24];
	int32_t c = connect_retry();
	if (c < 0)
		return 1;
	for (uint32_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (uint32_t r = 0; r < rounds; r++) {
			uint64_t t0 = rdtsc();
			msg_send(c, buf, sizes[s], MSG_CALL);
			int32_t n = msg_recv(c, buf, sizeof(buf), 0);
			samples[r] = (uint32_t)(rdtsc() - t0);
			if (n != (int32_t)sizes[s])
				return 1;
		}
		snprintf(name, sizeof(name), "msg_rtt_%u", sizes[s]);
		bench_report(name, samples, rounds);
	}
	msg_close(c);
	for (uint32_t r = 0; r < rounds; r++) {
		uint64_t t0 = rdtsc();
		c = connect_retry();
		msg_close(c);
		samples[r] = (uint32_t)(rdtsc() - t0);
		if (c < 0)
			return 1;
	}
	bench_report("msg_connect", samples, rounds);
	return 0;
}

/* Echo every message on every connection until ping has made them all. */
static int echo(void)
{
	int32_t l = msg_listen("bench");
	if (l < 0)
		return 1;
	for (uint32_t conns = 0; conns < 1 + rounds; conns++) {
		int32_t c = msg_accept(l, 0), n;
		if (c < 0)
			return 1;
		while ((n = msg_recv(c, buf, sizeof(buf), 0)) >= 0)
			msg_send(c, buf, (uint32_t)n, MSG_CALL);	/* and wait for the next */
		msg_close(c);
	}
	msg_close(l);
	return 0;
}

int main(const struct sv_start_info *si)
{
	(void)si;
	rounds = bench_rounds(MAX_ROUNDS);
	if (msg_init(MSG_NS_SHARE) < 0)
		return 1;
	return bench_is_ping() ? ping() : echo();
}
