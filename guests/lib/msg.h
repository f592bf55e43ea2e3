/*
 * msg.h: a message transport between domains, built on shares only (share
 * pages, address watches, scatter-gather transfer). docs/msg.md tells the
 * design; this header is the contract.
 *
 * A server listens under a name; a client connects to that name; the
 * server accepts. Then the two exchange whole messages, in order, each
 * up to MSG_MAX bytes (zero-length messages included), directly, with no
 * help from anyone else. Domain 0 runs the introducer (guests/msgns.c):
 * it keeps the names, and for each connection creates the share the two
 * sides talk over, grants it to both, and gets out of the way.
 *
 *     server                               client
 *     msg_init(ns)                         msg_init(ns)
 *     l = msg_listen("files")
 *     c = msg_accept(l, 0)    <-------     c = msg_connect("files", 0)
 *     n = msg_recv(c, buf, max, 0)  <----  msg_send(c, req, len, 0)
 *     msg_send(c, reply, len, 0)    ---->  n = msg_recv(c, buf, max, 0)
 *     msg_close(c)                         msg_close(c)
 *
 * Flow control: a message is copied straight into one of the receiver's
 * MSG_RX_SLOTS registered buffers. When the receiver has none free, the
 * sender blocks until it frees one (or, with MSG_NONBLOCK, gets
 * MSG_EWOULDBLOCK): nothing is ever dropped, and memory stays bounded.
 *
 * Failure: when the peer closes, drops the share, or dies, the calls on
 * that connection return MSG_ECONNRESET (recv first delivers what had
 * already arrived). Nothing waits for ever: connect and accept have
 * timeouts, and every wait also ends when the peer leaves. The survivor
 * may listen or connect again, and a new server may listen under the
 * name of one that died.
 *
 * Handles are small integers; each domain holds MSG_MAX_HANDLES at most.
 * Functions return a handle, a length, 0, or a negative error: an SV_E*
 * code from include/sharevisor.h, or one of the MSG_E* codes below.
 */
#ifndef SV_GUEST_MSG_H
#define SV_GUEST_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include "sharevisor.h"

#define MSG_MAX		32768	/* bytes in one message */
#define MSG_NAME_MAX	16	/* bytes in a listening name, with the NUL */
#define MSG_MAX_HANDLES	4	/* listeners + connections one domain holds */
#define MSG_RX_SLOTS	4	/* receive buffers per connection: the window */
#define MSG_NS_SHARE	32	/* the introducer's share (ns= on the command line) */

#define MSG_CONNECT_TIMEOUT_NS	(2000ull * 1000000)	/* connect: for the server to accept */
#define MSG_ACCEPT_TIMEOUT_NS	(10000ull * 1000000)	/* accept: for a client to come */

/* flags */
#define MSG_NONBLOCK	1	/* send, recv, peek, accept: MSG_EWOULDBLOCK instead of waiting */
/* send: the message is a request. Once it is sent, the same hypercall
 * sleeps until an event comes (SV_XFER_WAIT), most likely the reply, so
 * that the msg_recv or msg_peek after it usually finds the reply there
 * without a trap of its own: a round trip is one hypercall a side. Only
 * where a receive that would wait comes next (a wake-up for another
 * reason is harmless: the receive waits on). */
#define MSG_CALL	2

/* errors (the SV_E* codes are -1 .. -SV_ERRNO_MAX) */
#define MSG_ECONNRESET	(-101)	/* the peer closed, dropped the share or died */
#define MSG_EWOULDBLOCK	(-102)	/* MSG_NONBLOCK, and the call would wait */
#define MSG_ENOTFOUND	(-103)	/* connect: nobody listens under that name */
#define MSG_ETIMEDOUT	(-104)	/* connect or accept: nobody came in time */
#define MSG_EMSGSIZE	(-105)	/* send: more than MSG_MAX bytes */
#define MSG_EBADF	(-106)	/* not a handle of that kind, or closed */
#define MSG_EADDRINUSE	(-107)	/* listen: a live domain listens under that name */
#define MSG_ENOINTRO	(-108)	/* the introducer cannot be reached */
#define MSG_EPROTO	(-109)	/* the other side broke the protocol */
#define MSG_ENFILE	(-110)	/* MSG_MAX_HANDLES are open, or the introducer is full */

/* Attach to the introducer's share (MSG_NS_SHARE unless ns= says). */
int32_t msg_init(sv_share_t ns_share);

/* Listen under name (1 .. MSG_NAME_MAX - 1 bytes): a listener handle,
 * SV_EINVAL for another name, or MSG_EADDRINUSE while a live domain
 * listens under it. */
int32_t msg_listen(const char *name);
/* The oldest connection queued for the listener: a connection handle.
 * Waits up to MSG_ACCEPT_TIMEOUT_NS for one (then MSG_ETIMEDOUT); with
 * MSG_NONBLOCK, MSG_EWOULDBLOCK when none is queued. Once it has taken
 * one it waits for the client to finish joining, even with
 * MSG_NONBLOCK: a live client has nearly always done so already, and
 * the wait ends at MSG_CONNECT_TIMEOUT_NS or when the client is gone. */
int32_t msg_accept(int32_t listener, uint32_t flags);
/* Connect to the listener under name and wait until it accepts, at most
 * MSG_CONNECT_TIMEOUT_NS (MSG_ETIMEDOUT); MSG_ENOTFOUND if nobody
 * listens. flags must be 0: a connect always waits (SV_EINVAL). */
int32_t msg_connect(const char *name, uint32_t flags);
/* The peer's domain id of connection c. */
int32_t msg_peer(int32_t c);

/* Send len bytes (0 .. MSG_MAX) as one message: len, or MSG_EMSGSIZE,
 * MSG_ECONNRESET, MSG_EWOULDBLOCK (the window is full, MSG_NONBLOCK),
 * or SV_EFAULT (buf is not the caller's memory: nothing was sent). */
int32_t msg_send(int32_t c, const void *buf, uint32_t len, uint32_t flags);
/* Gather send: one message made of n pieces, back to back, with no copy
 * to join them (each piece is an entry of the one sg transfer). n is
 * 0 .. MSG_MAX_IOV (else SV_EINVAL); their total is at most MSG_MAX
 * (else MSG_EMSGSIZE). A 9P server sends an Rread's header from its
 * buffer and the data straight from the file (docs/msg-9p.md). */
#define MSG_MAX_IOV	8
struct msg_iov {
	const void *base;
	uint32_t len;
};
int32_t msg_sendv(int32_t c, const struct msg_iov *iov, uint32_t n, uint32_t flags);
/* Copies the next message into buf; a message longer than max is
 * refused with MSG_EMSGSIZE and stays first in line. */
int32_t msg_recv(int32_t c, void *buf, uint32_t max, uint32_t flags);
/* Receive without a copy: *msg points at the next message where the
 * hypervisor put it, in one of the connection's receive buffers, and its
 * length is returned (errors as msg_recv's, but for MSG_EMSGSIZE: there
 * is no buffer to be too small). The message stays first in
 * line, and its buffer out of the window (nobody can write into it),
 * until msg_consume(c) drops it; a later msg_peek or msg_recv gets it
 * again. While one is held the window is a buffer smaller. */
int32_t msg_peek(int32_t c, const void **msg, uint32_t flags);
/* Drop the first message: 0, MSG_EBADF, or SV_ENOENT if none is there. */
int32_t msg_consume(int32_t c);
/* Close a connection (the peer sees MSG_ECONNRESET) or a listener. */
int32_t msg_close(int32_t h);

/* Wait on several handles at once, like poll(2). */
#define MSG_POLLIN	1	/* recv would not wait (a message, or a reset) */
#define MSG_POLLOUT	2	/* send would not wait */
#define MSG_POLLHUP	4	/* the peer is gone */
#define MSG_POLLACCEPT	8	/* a listener: accept would not wait */
struct msg_pollfd {
	int32_t handle;
	uint32_t events;	/* IN: what to wait for */
	uint32_t revents;	/* OUT: what is ready (MSG_POLLHUP always reported) */
};
/* Returns how many entries have revents set; 0 after timeout_ns (0: look
 * once, without waiting). At most MSG_POLL_MAX entries (else SV_EINVAL).
 *
 * An entry may also wait for an event port of the guest's own, such as
 * a device's (docs/devices.md): handle MSG_POLL_PORT(port), events
 * MSG_POLLIN. It is ready once that port has been raised since the last
 * msg_poll that reported it (the library owns the event handler, so the
 * raise is kept for it). A server serves its devices and its
 * connections from one loop that way (guests/fileserver.c and COM2). */
#define MSG_POLL_PORT(port)	(0x10000 + (int32_t)(port))
#define MSG_POLL_MAX		(MSG_MAX_HANDLES + 4)
int32_t msg_poll(struct msg_pollfd *fds, uint32_t n, uint64_t timeout_ns);

const char *msg_strerror(int32_t err);

/* The i-th name listened under on this machine (i from 0), and the
 * domain that listens: 0, or MSG_ENOTFOUND past the last. For a gateway
 * that tells other machines what this one serves (docs/remote.md). */
int32_t msg_list(uint32_t i, char name[MSG_NAME_MAX], uint32_t *domid);

#endif /* SV_GUEST_MSG_H */
