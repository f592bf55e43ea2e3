/*
 * test_ninep_stream.c: guests/lib/ninep_stream.c, 9P messages out of a
 * byte stream. A stream of messages of every size from the smallest to
 * the largest the buffer takes is fed whole, a byte at a time, and cut
 * at every point of a short one; each message must come out whole and
 * in order, none merged with its neighbour. Then the sizes no message
 * can have (0, 6, the buffer plus one, 4 GiB - 1) must break the stream
 * and say so, a reset must start over, and a partial message must go
 * stale after its time and not before.
 */
#include <stdio.h>
#include <string.h>
#include "ninep_stream.h"
#include "unit.h"

#define CAP	64	/* the framer's buffer: its largest message */

static uint8_t stream[8192];
static uint32_t stream_len, offsets[128], sizes[128], count;

/* A message of size bytes (size field, then bytes that name it). */
static void add_message(uint32_t size)
{
	uint8_t *m = stream + stream_len;
	m[0] = (uint8_t)size;
	m[1] = (uint8_t)(size >> 8);
	m[2] = (uint8_t)(size >> 16);
	m[3] = (uint8_t)(size >> 24);
	for (uint32_t i = 4; i < size; i++)
		m[i] = (uint8_t)(size * 31 + i);
	offsets[count] = stream_len;
	sizes[count++] = size;
	stream_len += size;
}

/* Feed stream[0 .. stream_len) in pieces of piece bytes (and the first
 * piece of first bytes); every message must come out as it went in. */
static bool feed_in_pieces(uint32_t first, uint32_t piece)
{
	uint8_t buf[CAP];
	struct p9_stream st;
	p9_stream_init(&st, buf, CAP);
	uint32_t pos = 0, got = 0;
	while (pos < stream_len) {
		uint32_t n = pos == 0 ? first : piece;
		if (n > stream_len - pos)
			n = stream_len - pos;
		uint32_t done = 0;
		while (done < n) {
			done += p9_stream_feed(&st, stream + pos + done, n - done, 0);
			if (st.state == P9_STREAM_BROKEN)
				return false;
			if (st.state == P9_STREAM_MESSAGE) {
				if (got >= count || st.size != sizes[got] ||
				    memcmp(st.buf, stream + offsets[got], st.size) != 0)
					return false;
				got++;
				p9_stream_next(&st);
			}
		}
		pos += n;
	}
	return got == count && st.have == 0 && st.messages == count;
}

static void test_sizes_and_cuts(void)
{
	for (uint32_t size = P9_STREAM_MIN; size <= CAP; size++)
		add_message(size);
	add_message(CAP);		/* two of the largest back to back */
	add_message(P9_STREAM_MIN);
	CHECK(feed_in_pieces(stream_len, stream_len), "the whole stream at once: %u messages", count);
	CHECK(feed_in_pieces(1, 1), "a byte at a time");
	bool all = true;
	for (uint32_t piece = 2; piece <= 2 * CAP + 1; piece++)
		all &= feed_in_pieces(piece, piece);
	CHECK(all, "in pieces of every length from 2 to %u", 2 * CAP + 1);
	all = true;
	for (uint32_t first = 1; first < 3 * CAP; first++)
		all &= feed_in_pieces(first, 7);
	CHECK(all, "cut at every point of the first messages, then in sevens");
}

/* A stream whose first size field is size: BROKEN, with that size,
 * after taking exactly the four bytes of the field. */
static void check_broken(uint32_t size, const char *what)
{
	uint8_t buf[CAP], in[16] = { (uint8_t)size, (uint8_t)(size >> 8), (uint8_t)(size >> 16),
				     (uint8_t)(size >> 24), 0x64, 0xFF, 0xFF };
	struct p9_stream st;
	p9_stream_init(&st, buf, CAP);
	uint32_t used = p9_stream_feed(&st, in, sizeof(in), 0);
	CHECK(st.state == P9_STREAM_BROKEN && st.bad_size == size && used == 4 && st.broken == 1,
	      "size %u (%s): broken, after the size field (state %d, used %u)", size, what,
	      st.state, used);
	CHECK_EQ(p9_stream_feed(&st, in, sizeof(in), 0), 0, "a broken stream takes nothing more");
	p9_stream_reset(&st);
	uint8_t ok[P9_STREAM_MIN] = { P9_STREAM_MIN, 0, 0, 0, 0x64, 1, 0 };
	CHECK(p9_stream_feed(&st, ok, sizeof(ok), 0) == sizeof(ok) && st.state == P9_STREAM_MESSAGE,
	      "after a reset, the next message comes out");
}

static void test_bad_sizes(void)
{
	check_broken(0, "zero");
	check_broken(6, "one short of the smallest header");
	check_broken(CAP + 1, "one more than the buffer");
	check_broken(0xFFFFFFFFu, "4 GiB - 1");
	check_broken(0x80000000u, "2 GiB");
}

static void test_stale(void)
{
	uint8_t buf[CAP], half[5] = { 20, 0, 0, 0, 0x64 };
	struct p9_stream st;
	p9_stream_init(&st, buf, CAP);
	CHECK(!p9_stream_stale(&st, 5000, 100), "nothing gathered: never stale");
	CHECK_EQ(p9_stream_want(&st), 4, "at first it wants the size field");
	p9_stream_feed(&st, half, 2, 1000);
	CHECK_EQ(p9_stream_want(&st), 2, "then the rest of it");
	p9_stream_feed(&st, half + 2, sizeof(half) - 2, 1000);
	CHECK_EQ(p9_stream_want(&st), 15, "then the rest of the 20-byte message");
	CHECK(!p9_stream_stale(&st, 1100, 100), "half a message, 100 ns old of 100: not yet stale");
	CHECK(p9_stream_stale(&st, 1101, 100) && st.have == 0 && st.stale == 1,
	      "101 ns old: stale, dropped");
	uint8_t whole[P9_STREAM_MIN] = { P9_STREAM_MIN, 0, 0, 0, 0x64, 2, 0 };
	CHECK(p9_stream_feed(&st, whole, sizeof(whole), 2000) == sizeof(whole) &&
	      st.state == P9_STREAM_MESSAGE && st.buf[5] == 2,
	      "the next message comes out whole");
	CHECK(!p9_stream_stale(&st, 999999, 100), "a whole message waiting to be served is not stale");
}

int main(void)
{
	test_sizes_and_cuts();
	test_bad_sizes();
	test_stale();
	return unit_done();
}
