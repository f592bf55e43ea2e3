/*
 * test_bridge_wire.c: guests/lib/bridge_wire.h, the checks a bridge makes
 * on every frame from the wire (docs/remote.md). A good HELLO and a good
 * DATA frame pass; each way of being wrong is refused for its reason
 * (not ours, malformed, damaged, from our own machine number); every
 * single flipped bit in the part the CRC covers is caught; truncating a
 * good frame at every length is refused; and random frames, with and
 * without a valid CRC, never pass as something they are not.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bridge_wire.h"
#include "crc32.h"
#include "unit.h"

#define ME	1

static uint8_t frame[2048];

/* A frame from machine `machine`: kind, payload, names; the CRC right. */
static size_t build(uint8_t kind, uint32_t machine, const void *payload, uint16_t len,
		    const char *src, const char *dst, uint16_t frag, uint16_t total)
{
	struct bridge_hdr h;
	memset(&h, 0, sizeof(h));
	memset(frame, 0, sizeof(frame));
	memset(frame, 0xFF, 6);
	frame[12] = BRIDGE_ETHERTYPE >> 8;
	frame[13] = BRIDGE_ETHERTYPE & 0xFF;
	h.magic[0] = 'S';
	h.magic[1] = 'V';
	h.version = BRIDGE_VERSION;
	h.kind = kind;
	h.machine = machine;
	h.len = len;
	h.frag = frag;
	h.total = total;
	strncpy(h.src, src, sizeof(h.src));
	strncpy(h.dst, dst, sizeof(h.dst));
	memcpy(frame + ETH_HDR_LEN, &h, sizeof(h));
	if (len)
		memcpy(frame + ETH_HDR_LEN + sizeof(h), payload, len);
	h.crc = crc32(frame + ETH_HDR_LEN, sizeof(h) + len);
	memcpy(frame + ETH_HDR_LEN + offsetof(struct bridge_hdr, crc), &h.crc, 4);
	return ETH_HDR_LEN + sizeof(h) + len;
}

static enum bridge_verdict judge(size_t len)
{
	const struct bridge_hdr *h = NULL;
	return bridge_check(frame, len, ME, crc32, &h);
}

/* Recompute the CRC after a deliberate change to the header or payload,
 * so that the change, not the CRC, is what is judged. */
static void fix_crc(void)
{
	struct bridge_hdr h;
	memcpy(&h, frame + ETH_HDR_LEN, sizeof(h));
	uint16_t len = h.len <= 1500 ? h.len : 0;
	memset(frame + ETH_HDR_LEN + offsetof(struct bridge_hdr, crc), 0, 4);
	uint32_t crc = crc32(frame + ETH_HDR_LEN, sizeof(h) + len);
	memcpy(frame + ETH_HDR_LEN + offsetof(struct bridge_hdr, crc), &crc, 4);
}

static struct bridge_hdr *hdr(void)
{
	return (struct bridge_hdr *)(frame + ETH_HDR_LEN);
}

static size_t good_data(void)
{
	static const char msg[] = "a piece of a LAN frame";
	return build(BRIDGE_DATA, 2, msg, sizeof(msg), "ping", "pong", 0, sizeof(msg));
}

static void test_good(void)
{
	char names[2 * BRIDGE_NAME] = { 0 };
	strcpy(names, "pong");
	strcpy(names + BRIDGE_NAME, "b");
	size_t n = build(BRIDGE_HELLO, 2, names, sizeof(names), "", "", 0, 0);
	CHECK_EQ(judge(n), BRIDGE_OK, "a HELLO naming two stations");
	n = build(BRIDGE_HELLO, 2, NULL, 0, "", "", 0, 0);
	CHECK_EQ(judge(n), BRIDGE_OK, "a HELLO naming none");
	n = good_data();
	CHECK_EQ(judge(n), BRIDGE_OK, "a DATA frame");
	CHECK_EQ(judge(n + 30), BRIDGE_OK, "... with the wire's padding after it");
	n = build(BRIDGE_DATA, 2, "xy", 2, "ping", "", 4090, 4092);
	CHECK_EQ(judge(n), BRIDGE_OK, "the last piece of the largest LAN frame, broadcast");
	uint8_t big[BRIDGE_MAX_PAYLOAD];
	memset(big, 7, sizeof(big));
	n = build(BRIDGE_DATA, 2, big, sizeof(big), "ping", "pong", 0, 4092);
	CHECK(n == ETH_HDR_LEN + WIRE_MTU && judge(n) == BRIDGE_OK, "a piece that fills the MTU");
}

static void test_each_fault(void)
{
	size_t n = good_data();
	frame[13] = 0x00;
	CHECK_EQ(judge(n), BRIDGE_NOT_OURS, "another ethertype");
	n = good_data();
	CHECK_EQ(judge(ETH_HDR_LEN + sizeof(struct bridge_hdr) - 1), BRIDGE_NOT_OURS,
		 "a frame one byte short of our header");

	n = good_data(); hdr()->magic[1] = 'X'; fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "bad magic");
	n = good_data(); hdr()->version = 2; fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "version 2");
	n = good_data(); hdr()->kind = 3; fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "kind 3");
	n = good_data(); hdr()->kind = 0; fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "kind 0");
	n = good_data(); hdr()->machine = 0; fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "machine 0");
	n = good_data(); hdr()->len = (uint16_t)(hdr()->len + 1); fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "len one past the frame");
	n = good_data(); hdr()->len = 0xFFFF; fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "len 65535");
	n = good_data(); hdr()->total = 0; fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "total 0");
	n = good_data(); hdr()->total = BRIDGE_MAX_MSG + 1; fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "total past the largest LAN frame");
	n = good_data(); hdr()->frag = 1; fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "a piece that runs past its total");
	n = good_data(); hdr()->frag = 0xFFFF; hdr()->total = 0xFFFF; fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "frag and total at 65535");
	n = good_data(); memset(hdr()->src, 0, BRIDGE_NAME); fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "no sender's name");
	n = good_data(); memset(hdr()->src, 'a', BRIDGE_NAME); fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "a sender's name with no NUL");
	n = good_data(); hdr()->src[6] = 'z'; fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "bytes after the name's NUL");
	n = good_data(); hdr()->dst[1] = '\n'; fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "a control character in a name");
	n = good_data(); hdr()->dst[1] = (char)0xE9; fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "a byte above 0x7e in a name");
	n = good_data(); hdr()->len = 0; hdr()->total = 1; fix_crc();
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "an empty DATA piece");

	char names[9 * BRIDGE_NAME] = { 0 };
	for (int i = 0; i < 9; i++)
		names[i * BRIDGE_NAME] = (char)('a' + i);
	n = build(BRIDGE_HELLO, 2, names, sizeof(names), "", "", 0, 0);
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "a HELLO naming 9 stations (8 at most)");
	n = build(BRIDGE_HELLO, 2, names, BRIDGE_NAME + 3, "", "", 0, 0);
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "a HELLO with a piece of a name");
	n = build(BRIDGE_HELLO, 2, names + 8, BRIDGE_NAME, "", "", 0, 0);
	CHECK_EQ(judge(n), BRIDGE_MALFORMED, "a HELLO naming the empty station");

	n = good_data();
	hdr()->crc ^= 1;
	CHECK_EQ(judge(n), BRIDGE_BAD_CRC, "the CRC one bit off");
	n = build(BRIDGE_DATA, ME, "x", 1, "ping", "pong", 0, 1);
	CHECK_EQ(judge(n), BRIDGE_FROM_US, "our own machine number, CRC right");
}

/* Every bit the CRC covers, flipped: never OK. */
static void test_every_bit(void)
{
	size_t n = good_data();
	uint32_t passed = 0, tried = 0;
	for (size_t byte = ETH_HDR_LEN; byte < n; byte++) {
		for (int bit = 0; bit < 8; bit++) {
			good_data();
			frame[byte] ^= (uint8_t)(1u << bit);
			tried++;
			if (judge(n) == BRIDGE_OK)
				passed++;
		}
	}
	CHECK(passed == 0, "%u of %u single-bit flips passed the checks", passed, tried);
	uint32_t short_ok = 0;
	for (size_t cut = 0; cut < n; cut++) {
		good_data();
		if (judge(cut) == BRIDGE_OK)
			short_ok++;
	}
	CHECK(short_ok == 0, "%u of %zu truncations of a good frame passed", short_ok, n);
}

/* Random frames: nothing random passes without a right CRC; with one
 * made right, what passes must hold together. */
static void test_random(void)
{
	srand(12345);
	uint32_t passed_raw = 0, passed_fixed = 0, inconsistent = 0;
	for (int i = 0; i < 200000; i++) {
		size_t n = (size_t)(rand() % 1600);
		for (size_t k = 0; k < n; k++)
			frame[k] = (uint8_t)rand();
		if (n > 14) {
			frame[12] = BRIDGE_ETHERTYPE >> 8;
			frame[13] = BRIDGE_ETHERTYPE & 0xFF;
		}
		if (judge(n) == BRIDGE_OK)
			passed_raw++;
		if (n >= ETH_HDR_LEN + sizeof(struct bridge_hdr) && (i & 1)) {
			/* A DATA frame right but for its random length and
			 * machine number (0 and ours among them). */
			struct bridge_hdr *h = hdr();
			h->magic[0] = 'S';
			h->magic[1] = 'V';
			h->version = BRIDGE_VERSION;
			h->kind = BRIDGE_DATA;
			h->machine = (uint32_t)(rand() % 4);
			h->len = (uint16_t)(rand() % 96);
			h->frag = 0;
			h->total = h->len;
			memset(h->src, 0, BRIDGE_NAME);
			memset(h->dst, 0, BRIDGE_NAME);
			h->src[0] = 'a';
			fix_crc();
		}
		const struct bridge_hdr *h = NULL;
		if (bridge_check(frame, n, ME, crc32, &h) == BRIDGE_OK) {
			passed_fixed++;
			if (h->machine == 0 || h->machine == ME ||
			    ETH_HDR_LEN + sizeof(*h) + h->len > n)
				inconsistent++;
		}
	}
	CHECK(passed_raw == 0, "%u random frames passed with a random CRC", passed_raw);
	CHECK(passed_fixed > 1000, "%u random frames made right passed (some must)", passed_fixed);
	CHECK(inconsistent == 0, "%u of %u random frames with a right CRC passed but do not "
	      "hold together", inconsistent, passed_fixed);
}

int main(void)
{
	test_good();
	test_each_fault();
	test_every_bit();
	test_random();
	return unit_done();
}
