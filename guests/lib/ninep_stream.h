/*
 * ninep_stream.h: 9P2000 messages out of a byte stream (a serial line, a
 * TCP connection), where nothing marks where one message ends but its
 * own size field. docs/msg-9p.md, "Linux as a client".
 *
 * Each message starts with size[4], little-endian, counting the whole
 * message, size field included. The framer gathers bytes until it has
 * a message of that size, and hands it out whole:
 *
 *     p9_stream_init(&st, buf, msize);
 *     used = p9_stream_feed(&st, bytes, n);   (takes up to n bytes)
 *     if (st.state == P9_STREAM_MESSAGE) { serve(st.buf, st.size); p9_stream_next(&st); }
 *
 * A size that no message can have (below 7, the smallest header, or
 * above the buffer: 0, 6, 4 GiB) leaves the stream unreadable: nothing
 * after it can be trusted to start a message. The framer then stops
 * (P9_STREAM_BROKEN, with the size it saw) and the server decides: it
 * drops the connection, and p9_stream_reset starts over. A message cut
 * in half by a client that went away is found by time: p9_stream_stale
 * says whether a partial message has waited longer than the caller's
 * limit.
 */
#ifndef SV_NINEP_STREAM_H
#define SV_NINEP_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#define P9_STREAM_MIN	7	/* size[4] type[1] tag[2]: the shortest message */

enum p9_stream_state {
	P9_STREAM_GATHERING,	/* a message is coming (maybe none of it yet) */
	P9_STREAM_MESSAGE,	/* buf[0 .. size) is one whole message */
	P9_STREAM_BROKEN,	/* a size field no message can have: bad_size */
};

struct p9_stream {
	uint8_t *buf;
	uint32_t cap;		/* the largest message taken (the msize) */
	uint32_t have;		/* bytes of the current message so far */
	uint32_t size;		/* its size field, once have >= 4 */
	enum p9_stream_state state;
	uint32_t bad_size;	/* BROKEN: the size field that broke it */
	uint64_t since_ns;	/* when the current message's first byte came */
	/* counts, for the server's report */
	uint32_t messages, broken, stale;
};

void p9_stream_init(struct p9_stream *st, uint8_t *buf, uint32_t cap);
/* Forget everything (a new connection, or after BROKEN). */
void p9_stream_reset(struct p9_stream *st);
/* Take bytes from data[0 .. n) until a message is whole (or the stream
 * breaks): returns how many were taken; the rest belong to the next
 * message. now_ns dates a message's first byte. */
uint32_t p9_stream_feed(struct p9_stream *st, const uint8_t *data, uint32_t n, uint64_t now_ns);
/* How many bytes the framer can take now without starting the next
 * message (the rest of the size field, or of the message); 0 unless
 * GATHERING. A reader that takes no more than this from the line leaves
 * the next message's bytes where they were (in the UART, say). */
uint32_t p9_stream_want(const struct p9_stream *st);
/* Done with the MESSAGE: gather the next. */
void p9_stream_next(struct p9_stream *st);
/* Has a partial message waited more than limit_ns since its first byte?
 * If so it is dropped (counted in stale), and true is returned. */
bool p9_stream_stale(struct p9_stream *st, uint64_t now_ns, uint64_t limit_ns);

#endif /* SV_NINEP_STREAM_H */
