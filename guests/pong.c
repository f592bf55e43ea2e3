/*
 * pong: echoes every frame back to its sender after checking its
 * checksum and sequence number; stops at ping's goodbye (or when the
 * sender leaves) and prints what it saw.
 *
 *   module line: pong.elf name=pong lan=32
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
	bool had_sender = false;

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
		if (len < 12 || m.size != (uint32_t)len - 12 || checksum(m.data, m.size) != m.sum)
			bad++;
		if (m.seq != expected)
			out_of_order++;
		expected = m.seq + 1;
		lan_send_retry(src, &m, (uint32_t)len, 1000);
	}
	printf("summary: received %u, echoed %u, bad checksums %u, out of order %u\n",
	       received, lan_stats.sent, bad, out_of_order);
	lan_detach();
	return bad == 0 && out_of_order == 0 && received > 0 ? 0 : 1;
}
