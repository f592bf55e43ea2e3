/*
 * pong: echoes every frame back to its sender after checking its
 * checksum and sequence number; stops at ping's goodbye (or when the
 * sender leaves) and prints what it saw.
 *
 *   module line: pong.elf name=pong lan=32
 *
 * Knobs for the tests (none of them changes the default behaviour):
 *   pause_at=N pause_ms=M  after the Nth frame, stop giving receive
 *                          buffers back (lan_rx_pause); once all
 *                          LAN_RX_BUFFERS are held, sleep M ms with none
 *                          posted (senders get SV_EAGAIN: "receiver
 *                          full"), then give them all back and go on.
 *                          Frames the sender dropped meanwhile show up as
 *                          a gap in the sequence numbers: counted as
 *                          "never arrived", not as out of order.
 *   crash_at=N             after receiving the Nth frame, before echoing
 *                          it, write to the hypervisor's memory at
 *                          0xC0100000 and so be killed with #PF.
 */
#include "lan.h"
#include "sv.h"

struct msg {
	uint32_t seq;
	uint32_t size;
	uint32_t sum;
	uint8_t data[LAN_MAX_PAYLOAD - 12];
};

#define BYE 0xFFFFFFFFu

static struct msg m;

static uint32_t checksum(const uint8_t *p, uint32_t n)
{
	uint32_t h = 2166136261u;
	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

int main(const struct sv_start_info *si)
{
	uint32_t expected = 0, received = 0, bad = 0, out_of_order = 0, src = 0;
	uint32_t pause_at = sv_cmdline_uint("pause_at", 0), pause_ms = sv_cmdline_uint("pause_ms", 0);
	uint32_t crash_at = sv_cmdline_uint("crash_at", 0);
	uint32_t held = 0, never_arrived = 0;
	bool had_sender = false, paused = false;

	if (lan_attach((sv_share_t)sv_cmdline_uint("lan", SV_MAX_SHARES), si->name, NULL) < 0) {
		printf("cannot attach to the LAN\n");
		return 1;
	}
	for (;;) {
		int32_t len = lan_recv(&src, &m, sizeof(m));
		if (len == 0) {
			if (had_sender && !lan_up(src)) {
				printf("the sender left\n");
				break;
			}
			lan_wait();
			continue;
		}
		had_sender = true;
		if (len >= 4 && m.seq == BYE)
			break;
		received++;
		if (crash_at && received == crash_at) {
			printf("frame %u received: crashing (writing to 0xC0100000)\n", received);
			*(volatile uint32_t *)0xC0100000u = 0xDEADBEEF;
			printf("survived a write to the hypervisor's memory\n");
			return 3;
		}
		if (len < 12 || m.size != (uint32_t)len - 12 || checksum(m.data, m.size) != m.sum)
			bad++;
		if (m.seq > expected)
			never_arrived += m.seq - expected;	/* dropped or lost on the way */
		else if (m.seq != expected)
			out_of_order++;			/* went back, or came twice */
		expected = m.seq + 1;
		lan_send_retry(src, &m, (uint32_t)len, 1000);

		if (paused && ++held == LAN_RX_BUFFERS) {
			/* lan_recv gave every buffer back until the pause, so
			 * now all of them are held: nothing is posted. */
			printf("holding all %u receive buffers after frame %u; sleeping %u ms\n",
			       held, received, pause_ms);
			sv_sleep_ns((uint64_t)pause_ms * 1000 * 1000);
			lan_rx_pause(false);
			paused = false;
			printf("receiving again after frame %u\n", received);
		}
		if (pause_at && received == pause_at) {
			printf("frame %u received: keeping receive buffers from now on\n", received);
			lan_rx_pause(true);
			paused = true;
		}
	}
	printf("summary: received %u, echoed %u, bad checksums %u, out of order %u\n",
	       received, lan_stats.sent, bad, out_of_order);
	if (pause_at || never_arrived)
		printf("frames that never arrived (gaps in the sequence): %u\n", never_arrived);
	lan_detach();
	return bad == 0 && out_of_order == 0 && received > 0 ? 0 : 1;
}
