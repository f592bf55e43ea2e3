/*
 * ninep_stream.c: 9P2000 messages out of a byte stream (ninep_stream.h).
 * Nothing here but counting bytes: tests/unit/test_ninep_stream.c feeds
 * it every way a stream can be cut.
 */
#if __STDC_HOSTED__
#include <string.h>		/* the host unit test */
#else
#include "sv.h"			/* a guest: memcpy and memset are the library's */
#endif
#include "ninep_stream.h"

void p9_stream_init(struct p9_stream *st, uint8_t *buf, uint32_t cap)
{
	memset(st, 0, sizeof(*st));
	st->buf = buf;
	st->cap = cap;
}

void p9_stream_reset(struct p9_stream *st)
{
	st->have = 0;
	st->size = 0;
	st->state = P9_STREAM_GATHERING;
	st->bad_size = 0;
}

uint32_t p9_stream_want(const struct p9_stream *st)
{
	if (st->state != P9_STREAM_GATHERING)
		return 0;
	return st->have < 4 ? 4 - st->have : st->size - st->have;
}

uint32_t p9_stream_feed(struct p9_stream *st, const uint8_t *data, uint32_t n, uint64_t now_ns)
{
	uint32_t used = 0;

	while (used < n && st->state == P9_STREAM_GATHERING) {
		if (st->have == 0)
			st->since_ns = now_ns;
		/* The size field first, then up to the end of the message. */
		uint32_t want = p9_stream_want(st);
		uint32_t take = n - used < want ? n - used : want;
		memcpy(st->buf + st->have, data + used, take);
		st->have += take;
		used += take;
		if (st->have == 4) {
			st->size = (uint32_t)st->buf[0] | (uint32_t)st->buf[1] << 8 |
				   (uint32_t)st->buf[2] << 16 | (uint32_t)st->buf[3] << 24;
			if (st->size < P9_STREAM_MIN || st->size > st->cap) {
				st->state = P9_STREAM_BROKEN;
				st->bad_size = st->size;
				st->broken++;
				break;
			}
		}
		if (st->have >= 4 && st->have == st->size) {
			st->state = P9_STREAM_MESSAGE;
			st->messages++;
		}
	}
	return used;
}

void p9_stream_next(struct p9_stream *st)
{
	if (st->state == P9_STREAM_MESSAGE)
		p9_stream_reset(st);
}

bool p9_stream_stale(struct p9_stream *st, uint64_t now_ns, uint64_t limit_ns)
{
	if (st->state != P9_STREAM_GATHERING || st->have == 0 || now_ns - st->since_ns <= limit_ns)
		return false;
	st->stale++;
	p9_stream_reset(st);
	return true;
}
