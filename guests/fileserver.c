/*
 * fileserver: serves the read-only tree of tools/mkfstree.py by 9P2000
 * over the message transport (docs/msg-9p.md), to several clients at
 * once: it polls its listener and every connection, and answers each
 * request as it comes (guests/lib/ninep_serve.c), one session a
 * connection, each with its own fids.
 *
 *   module line: fileserver.elf name=fs [ns=32] [service=files] [serial=1]
 *                [exit_after_clients=N] [start_after_ms=T] [die_after_reads=N]
 *
 *   serial=1              serve 9P on COM2 too, as a byte stream: a client
 *                         at the other end of the line (Linux's v9fs with
 *                         trans=fd on its ttyS1, docs/msg-9p.md) is one more
 *                         session, served from the same loop
 *   serial_takeover=1     this server takes the line over from one that
 *                         died: it first says so to the client, with a
 *                         message no request of its matches (an Rerror
 *                         with tag NOTAG), so that a client waiting for an
 *                         answer the dead server will never give fails now
 *                         (Linux drops the connection: EIO) instead of
 *                         waiting for ever
 *
 *   exit_after_clients=N  exit 0 once N connections have ended (default:
 *                         serve for ever)
 *   start_after_ms=T      wait T ms before listening; and while another
 *                         server still holds the name, wait for it to go
 *                         (a server restarting after a crash)
 *   die_after_reads=N     once N Rreads have gone out, the next Tread
 *                         kills the server (a write to the hypervisor's
 *                         memory: #PF) before it answers: a crash in the
 *                         middle of a client's file
 *
 * It prints a line for each connection that ends and a summary:
 *   fileserver: 3 connections (3 at once), 342 requests, 135 reads, 362148 file bytes,
 *   12 errors (0 malformed)
 */
#include "com2.h"
#include "fstree_server.h"
#include "msg.h"
#include "ninep_serve.h"
#include "ninep_stream.h"
#include "sv.h"

#define MS		1000000ull
#define MAX_CONNS	(MSG_MAX_HANDLES - 1)	/* one handle is the listener */
#define LISTEN_WAIT_MS	20000	/* for a dead server's name to be freed */

struct conn {
	int32_t handle;
	struct p9_session session;
};

static const struct p9_tree tree = {
	fstree_nodes, sizeof(fstree_nodes) / sizeof(fstree_nodes[0]), FSTREE_MTIME
};
static struct conn conns[MAX_CONNS];
static uint32_t nconns;
static uint8_t request[MSG_MAX], reply[MSG_MAX];

/* The sessions that have ended, added up, and the Rreads of all. */
static struct p9_session ended;
static uint32_t connections, most_at_once, reads;

/* The serial line's session (serial=1). A message is gathered from the
 * line byte by byte (ninep_stream.h), served, and its reply written out
 * before the next request is read: the client's next bytes wait in the
 * UART meanwhile, and the client with them. Nothing here ever waits for
 * the line, so a client that stops reading holds up only itself. */
#define SERIAL_PORT	(SV_PORT_FIRST_FREE + 13)	/* COM2's events */
#define SERIAL_STALE_NS	(2000 * MS)	/* half a message, then silence: dropped */
#define SERIAL_QUIET_NS	(200 * MS)	/* after garbage: skip input until this quiet */

static struct {
	bool on;
	struct p9_stream in;
	struct p9_session session;
	uint8_t msg[MSG_MAX], reply[MSG_MAX];
	const uint8_t *out[2];		/* the reply going out: its head, then data */
	uint32_t out_len[2];
	bool skipping;			/* garbage came: skipping until the line is quiet */
	uint64_t last_rx_ns;
	uint32_t resets;		/* sessions dropped for a broken stream */
} serial;

static void add_up(const struct p9_session *s)
{
	ended.requests += s->requests;
	ended.reads += s->reads;
	ended.errors += s->errors;
	ended.malformed += s->malformed;
	ended.file_bytes += s->file_bytes;
}

static void print_tally(const char *what, const struct p9_session *s)
{
	printf("fileserver: %s%u requests, %u reads, %llu file bytes, %u errors (%u malformed)\n",
	       what, s->requests, s->reads, (unsigned long long)s->file_bytes, s->errors,
	       s->malformed);
}

static int32_t listen_when_free(const char *service)
{
	uint64_t deadline = sv_now() + LISTEN_WAIT_MS * MS;
	int32_t l;
	while ((l = msg_listen(service)) == MSG_EADDRINUSE && sv_now() < deadline)
		sv_sleep_ns(10 * MS);
	return l;
}

static void drop(struct conn *c)
{
	char what[64];
	snprintf(what, sizeof(what), "connection from domain %d ended: ", msg_peer(c->handle));
	print_tally(what, &c->session);
	add_up(&c->session);
	msg_close(c->handle);
	*c = conns[--nconns];
}

static void accept_one(int32_t listener)
{
	int32_t h = msg_accept(listener, MSG_NONBLOCK);
	if (h < 0)
		return;		/* MSG_EWOULDBLOCK: it was another's; or the client left */
	conns[nconns].handle = h;
	p9_session_init(&conns[nconns].session, &tree, MSG_MAX);
	nconns++;
	connections++;
	most_at_once = nconns > most_at_once ? nconns : most_at_once;
}

/* A crash, as far as anyone can tell: no close, no goodbye. */
static void die(void)
{
	uint64_t file_bytes = ended.file_bytes;
	for (uint32_t i = 0; i < nconns; i++)
		file_bytes += conns[i].session.file_bytes;
	printf("fileserver: %u reads answered (%llu file bytes); a Tread came in: dying "
	       "(writing to 0xC0100000)\n", reads, (unsigned long long)file_bytes);
	*(volatile uint32_t *)0xC0100000u = 0xDEADBEEF;
	printf("fileserver: survived a write to the hypervisor's memory\n");
	sv_exit(3);
}

static bool is_read(const uint8_t *msg, uint32_t len)
{
	struct p9_fcall t;
	return p9_decode(msg, len, &t) == 0 && t.type == P9_TREAD;
}

/* The next request on c, answered. False when the connection has ended. */
static bool serve_one(struct conn *c, uint32_t die_after_reads)
{
	int32_t len = msg_recv(c->handle, request, sizeof(request), MSG_NONBLOCK);
	if (len == MSG_ECONNRESET)
		return false;
	if (len < 0)
		return true;	/* MSG_EWOULDBLOCK; or MSG_EPROTO: the transport dropped one */
	if (die_after_reads && reads == die_after_reads && is_read(request, (uint32_t)len))
		die();
	uint32_t before = c->session.reads;
	struct p9_reply out;
	p9_serve_gather(&c->session, request, (uint32_t)len, reply, &out);
	reads += c->session.reads - before;
	/* An Rread's data goes straight from the tree: one copy, by the hypervisor. */
	struct msg_iov iov[2] = { { reply, out.head_len }, { out.data, out.data_len } };
	return msg_sendv(c->handle, iov, 2, 0) != MSG_ECONNRESET;
}

static void serial_new_session(void)
{
	add_up(&serial.session);
	p9_session_init(&serial.session, &tree, MSG_MAX);
	p9_stream_reset(&serial.in);
}

/* Take COM2 (waiting in its queue, if another has it) and listen on it. */
static bool serial_start(bool takeover)
{
	com2_open(SERIAL_PORT);
	int32_t rc = com2_acquire();
	if (rc < 0) {
		printf("fileserver: serial: cannot get COM2: %s\n", sv_strerror(rc));
		return false;
	}
	com2_stream_start();
	p9_stream_init(&serial.in, serial.msg, MSG_MAX);
	p9_session_init(&serial.session, &tree, MSG_MAX);
	serial.on = true;
	if (takeover) {
		struct p9_fcall r = { .type = P9_RERROR, .tag = P9_NOTAG,
				      .ename = p9_cstr("the server restarted: mount again") };
		int32_t n = p9_encode(&r, serial.reply, sizeof(serial.reply));
		serial.out[0] = serial.reply;
		serial.out_len[0] = n > 0 ? (uint32_t)n : 0;
		printf("fileserver: serial: taking the line over: told the client (Rerror, "
		       "tag NOTAG)\n");
	}
	printf("fileserver: serving 9P on COM2 too\n");
	return true;
}

/* Write what the line takes now of the reply going out, in order (its
 * head, then its data): true once all of it is out. */
static bool serial_send(void)
{
	for (int k = 0; k < 2; k++) {
		uint32_t sent = com2_write_some(serial.out[k], serial.out_len[k]);
		serial.out[k] += sent;
		serial.out_len[k] -= sent;
		if (serial.out_len[k])
			return false;
	}
	return true;
}

/* Everything the line allows now: the reply going out, then the next
 * request, served. Returns when the line has nothing more for us (its
 * interrupt will raise SERIAL_PORT when it has). */
static void serial_pump(uint32_t die_after_reads)
{
	for (;;) {
		if (!serial_send()) {		/* the FIFO is full: THR-empty brings us back */
			com2_hold(true);	/* no more requests until this reply is out */
			return;
		}
		com2_hold(false);
		uint64_t now = sv_now();
		uint8_t bytes[256];
		if (serial.skipping) {
			if (com2_read(bytes, sizeof(bytes))) {
				serial.last_rx_ns = now;
				continue;
			}
			if (now - serial.last_rx_ns < SERIAL_QUIET_NS)
				return;
			serial.skipping = false;
			printf("fileserver: serial: the line is quiet: a new session\n");
		}
		uint32_t want = p9_stream_want(&serial.in);
		uint32_t n = com2_read(bytes, want < sizeof(bytes) ? want : sizeof(bytes));
		if (n == 0) {
			uint32_t had = serial.in.have, size = serial.in.size;
			if (p9_stream_stale(&serial.in, now, SERIAL_STALE_NS)) {
				printf("fileserver: serial: a message cut off after %u of %u bytes, "
				       "then %llu ms of silence\n", had, had >= 4 ? size : 0,
				       (unsigned long long)(SERIAL_STALE_NS / MS));
				printf("fileserver: serial: session dropped\n");
				serial_new_session();
			}
			return;
		}
		serial.last_rx_ns = now;
		p9_stream_feed(&serial.in, bytes, n, now);
		if (serial.in.state == P9_STREAM_BROKEN) {
			/* (Two lines: a console line holds SV_CONSOLE_LINE bytes.) */
			printf("fileserver: serial: size field %u: no 9P message has it, so the "
			       "stream cannot be followed\n", serial.in.bad_size);
			printf("fileserver: serial: session dropped; input skipped until the line "
			       "is quiet for %llu ms\n", (unsigned long long)(SERIAL_QUIET_NS / MS));
			serial.resets++;
			serial_new_session();
			serial.skipping = true;
			continue;
		}
		if (serial.in.state != P9_STREAM_MESSAGE)
			continue;
		if (die_after_reads && reads == die_after_reads && is_read(serial.msg, serial.in.size))
			die();
		uint32_t before = serial.session.reads;
		struct p9_reply out;
		p9_serve_gather(&serial.session, serial.msg, serial.in.size, serial.reply, &out);
		reads += serial.session.reads - before;
		serial.out[0] = serial.reply;
		serial.out_len[0] = out.head_len;
		serial.out[1] = out.data;
		serial.out_len[1] = out.data_len;
		p9_stream_next(&serial.in);
		if (p9_session_over(&serial.session)) {	/* unmounted: a client ended */
			print_tally("serial session ended: ", &serial.session);
			serial_new_session();
			connections++;
		}
	}
}

/* Before the server goes: the last reply out (an Rclunk, usually), and
 * COM2 back. A client that has stopped reading gets a second. */
static void serial_stop(void)
{
	uint64_t until = sv_now() + 1000 * MS;
	while ((!serial_send() || com2_tx_busy()) && sv_now() < until)
		sv_sleep_ns(MS);
	com2_release();
}

static void serial_report(void)
{
	const struct com2_stats *st = com2_stats();
	add_up(&serial.session);
	printf("fileserver: serial: %u messages, %u bytes in, %u out; %u broken streams, %u cut "
	       "off\n", serial.in.messages, st->rx_bytes, st->tx_bytes, serial.resets,
	       serial.in.stale);
	printf("fileserver: serial: line errors: %u overruns, %u parity, %u framing, %u breaks\n",
	       st->overruns, st->parity_errors, st->framing_errors, st->breaks);
}

int main(const struct sv_start_info *si)
{
	(void)si;
	char service[MSG_NAME_MAX] = "files";
	uint32_t exit_after = sv_cmdline_uint("exit_after_clients", 0);
	uint32_t die_after_reads = sv_cmdline_uint("die_after_reads", 0);
	uint32_t start_after = sv_cmdline_uint("start_after_ms", 0);
	sv_cmdline_get("service", service, sizeof(service));

	int32_t rc = msg_init((sv_share_t)sv_cmdline_uint("ns", MSG_NS_SHARE));
	if (rc < 0) {
		printf("fileserver: msg_init: %s\n", msg_strerror(rc));
		return 1;
	}
	if (start_after)
		sv_sleep_ns(start_after * MS);
	int32_t listener = listen_when_free(service);
	if (listener < 0) {
		printf("fileserver: listen '%s': %s\n", service, msg_strerror(listener));
		return 1;
	}
	printf("fileserver: serving %u nodes as '%s'\n", tree.count, service);
	if (sv_cmdline_uint("serial", 0) && !serial_start(sv_cmdline_uint("serial_takeover", 0)))
		return 1;

	while (!exit_after || connections - nconns < exit_after) {
		/* fds[0] is the listener, looked at only while a connection fits;
		 * then the connections; and COM2's port, with serial=1 */
		struct msg_pollfd fds[1 + MAX_CONNS + 1] = {
			{ listener, nconns < MAX_CONNS ? MSG_POLLACCEPT : 0, 0 } };
		for (uint32_t i = 0; i < nconns; i++)
			fds[1 + i] = (struct msg_pollfd){ conns[i].handle, MSG_POLLIN, 0 };
		uint32_t n = 1 + nconns;
		if (serial.on) {
			serial_pump(die_after_reads);
			fds[n] = (struct msg_pollfd){ MSG_POLL_PORT(SERIAL_PORT), MSG_POLLIN, 0 };
		}
		/* (A partial message or a skip on the line is timed: look often.) */
		bool timed = serial.on && (serial.in.have || serial.skipping);
		if (msg_poll(fds, n + serial.on, (timed ? 50 : 1000) * MS) <= 0)
			continue;
		/* Backwards, so that dropping conns[i] (the last moves in) skips nothing. */
		for (uint32_t i = n - 1; i >= 1; i--)
			if (fds[i].revents && !serve_one(&conns[i - 1], die_after_reads))
				drop(&conns[i - 1]);
		if (fds[0].revents & MSG_POLLACCEPT)
			accept_one(listener);
	}
	msg_close(listener);
	if (serial.on) {
		serial_stop();
		serial_report();
	}
	char what[48];
	snprintf(what, sizeof(what), "%u connections (%u at once), ", connections, most_at_once);
	print_tally(what, &ended);
	return 0;
}
