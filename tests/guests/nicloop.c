/*
 * nicloop: the NE2000 driver (guests/lib/ne2k.c) against a real card
 * whose wire loops back: the test harness joins QEMU's NE2000 to a UDP
 * socket that sends to itself, so every frame the card transmits comes
 * back to its receiver. It proves, by the bytes that return:
 *
 *   - the card is found, opened (owner), its MAC read from its PROM;
 *   - lengths out of range are refused (SV_EINVAL) and nothing is sent;
 *   - frames of every size from 14 to 1514 bytes (short ones padded to
 *     60), one at a time, come back whole: length and CRC-32 match;
 *   - the receive filter: a frame to another station's address is not
 *     received, a broadcast one is;
 *   - a burst of BURST full frames sent without reading, more than the
 *     ring holds: the card keeps what fits and loses the rest, as real
 *     hardware does (QEMU's drops them; a DP8390 overruns). What came
 *     back is burst frames, in order, intact, none twice; and the ring
 *     works afterwards: the next frame comes back whole;
 *   - close gives the card back: SV_DEVF_OWNER is clear, the device idle.
 *
 * With loop=0 the wire goes nowhere (Bochs's ne2k with ethmod=null):
 * everything is sent all the same, each send completing (the card's
 * "transmitted" interrupt), and nothing comes back.
 *
 *   module line: nicloop.elf name=NAME [frames=N] [loop=0]
 */
#include "crc32.h"
#include "ne2k.h"
#include "xtf.h"

#define NIC_PORT	(SV_PORT_FIRST_FREE + 2)
#define ETHERTYPE	0x88B5		/* IEEE's "local experimental" */
#define BURST		40
#define MS		1000000ull

static uint8_t tx[NE2K_MAX_FRAME], rx[NE2K_MAX_FRAME + 64];
static uint8_t me[ETH_ALEN];
static const uint8_t broadcast[ETH_ALEN] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
static const uint8_t stranger[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x01 };

/* Frame seq of len bytes to dst: our header, then seq, then bytes that
 * depend on seq and position, the last four the CRC-32 of the rest. */
static void make_frame(uint32_t seq, uint32_t len, const uint8_t *dst)
{
	memcpy(tx, dst, ETH_ALEN);
	memcpy(tx + ETH_ALEN, me, ETH_ALEN);
	tx[12] = ETHERTYPE >> 8;
	tx[13] = ETHERTYPE & 0xFF;
	for (uint32_t i = ETH_HEADER; i < len; i++)
		tx[i] = (uint8_t)(seq * 7 + i * 13);
	if (len >= ETH_HEADER + 8) {
		memcpy(tx + ETH_HEADER, &seq, 4);
		uint32_t crc = crc32(tx, len - 4);
		memcpy(tx + len - 4, &crc, 4);
	}
}

/* The next frame within ms, into rx: its length, or 0 if none came. */
static int32_t receive_within(uint64_t ms)
{
	uint64_t deadline = sv_now() + ms * MS;
	for (;;) {
		int32_t n = ne2k_receive(rx, sizeof(rx));
		if (n != 0 || sv_now() >= deadline)
			return n;
		ne2k_wait(deadline);
	}
}

/* A received frame is frame seq of want bytes (padded to 60 if shorter). */
static bool frame_is(int32_t n, uint32_t seq, uint32_t want)
{
	make_frame(seq, want, me);
	uint32_t padded = want < NE2K_MIN_FRAME ? NE2K_MIN_FRAME : want;
	if (n != (int32_t)padded)
		return false;
	if (memcmp(rx, tx, want) != 0)
		return false;
	for (uint32_t i = want; i < padded; i++)
		if (rx[i] != 0)
			return false;
	return true;
}

int main(const struct sv_start_info *si)
{
	uint32_t frames = sv_cmdline_uint("frames", 200);
	bool loops = sv_cmdline_uint("loop", 1) != 0;
	(void)si;

	if (!CHECK_RC(ne2k_open(NIC_PORT), SV_OK))
		return xtf_verdict("nicloop");
	CHECK(shared_info->device[SV_DEV_NE2000] & SV_DEVF_OWNER, "not the owner after open");
	ne2k_mac(me);
	printf("NE2000 at %#x, IRQ %d, MAC %02x:%02x:%02x:%02x:%02x:%02x\n", SV_NE2000_IO_BASE,
	       SV_NE2000_IRQ, me[0], me[1], me[2], me[3], me[4], me[5]);
	CHECK(!(me[0] & 1) && (me[0] | me[1] | me[2] | me[3] | me[4] | me[5]),
	      "the PROM's MAC is not a unicast address");

	CHECK_RC(ne2k_send(tx, ETH_HEADER - 1), SV_EINVAL);
	CHECK_RC(ne2k_send(tx, NE2K_MAX_FRAME + 1), SV_EINVAL);

	/* One at a time, every size from 14 to 1514 in turn. */
	uint32_t good = 0;
	for (uint32_t seq = 0; seq < frames; seq++) {
		uint32_t len = ETH_HEADER + (seq * 97) % (NE2K_MAX_FRAME - ETH_HEADER + 1);
		if (seq == 1)
			len = NE2K_MAX_FRAME;
		make_frame(seq, len, me);
		if (!CHECK_RC(ne2k_send(tx, len), SV_OK))
			break;
		if (!loops) {
			good++;
			continue;
		}
		int32_t n = receive_within(2000);
		if (!CHECK(frame_is(n, seq, len), "frame %u (%u bytes) came back as %d bytes%s",
			   seq, len, n, n > 0 ? ", not the same" : ""))
			break;
		good++;
	}

	/* The filter: not a stranger's frame; a broadcast one, yes. */
	make_frame(1000, 100, stranger);
	CHECK_RC(ne2k_send(tx, 100), SV_OK);
	make_frame(1001, 100, broadcast);
	CHECK_RC(ne2k_send(tx, 100), SV_OK);
	int32_t n;
	if (loops) {
		n = receive_within(2000);
		uint32_t seq_got = 0;
		if (n >= ETH_HEADER + 4)
			memcpy(&seq_got, rx + ETH_HEADER, 4);
		CHECK(n == 100 && seq_got == 1001 && memcmp(rx, broadcast, ETH_ALEN) == 0,
		      "after a stranger's frame and a broadcast one, got %d bytes, frame %u", n,
		      seq_got);
	}

	/* A burst, more than the ring holds: what comes back is burst frames,
	 * intact, in order, none twice; which ones is the card's affair (it
	 * keeps what fits, and may take a later one once it has room). */
	for (uint32_t k = 0; k < BURST; k++) {
		make_frame(2000 + k, NE2K_MAX_FRAME, me);
		if (!CHECK_RC(ne2k_send(tx, NE2K_MAX_FRAME), SV_OK))
			break;
	}
	uint32_t burst_back = 0, next_k = 0;
	while (loops && (n = receive_within(200)) != 0) {
		uint32_t seq = 0;
		if (n >= ETH_HEADER + 4)
			memcpy(&seq, rx + ETH_HEADER, 4);
		uint32_t k = seq - 2000;
		CHECK(k < BURST && k >= next_k && frame_is(n, seq, NE2K_MAX_FRAME),
		      "after burst frame %u came %d bytes of frame %u: not the next ones, intact",
		      next_k, n, seq);
		next_k = k + 1;
		burst_back++;
	}
	if (loops)
		CHECK(burst_back >= 1 && burst_back <= BURST, "%u of the burst's %u frames came back",
		      burst_back, BURST);
	make_frame(3000, 1000, me);
	CHECK_RC(ne2k_send(tx, 1000), SV_OK);
	if (loops)
		CHECK(frame_is(receive_within(2000), 3000, 1000), "the frame after the burst did "
		      "not come back whole");
	else
		CHECK_EQ(receive_within(100), 0);	/* a wire to nowhere */

	const struct ne2k_stats *st = ne2k_stats();
	if (!loops)
		printf("a wire to nowhere: %u frames sent, every send completed\n", st->sent);
	else
		printf("%u of %u frames back intact; burst: %u of %u back in order (the ring's "
		       "room)\n", good, frames, burst_back, BURST);
	printf("sent %u, received %u, %u interrupts, %u tx errors, %u rx errors, %u skipped, "
	       "%u bad headers, %u overruns\n", st->sent, st->received, st->interrupts,
	       st->tx_errors, st->rx_errors, st->skipped, st->bad_headers, st->overruns);
	CHECK_EQ(st->sent, frames + 3 + BURST);
	CHECK_EQ(st->received, loops ? frames + 2 + burst_back : 0);
	CHECK_EQ(st->bad_headers, 0);
	CHECK_EQ(st->skipped, 0);

	CHECK_RC(ne2k_close(), SV_OK);
	CHECK_EQ(shared_info->device[SV_DEV_NE2000], 0);
	struct sv_device_status ds;
	CHECK_EQ(sv_device_query(SV_DEV_NE2000, &ds), SV_DEVICE_IDLE);
	return xtf_verdict("nicloop");
}
