/*
 * msgns: the introducer of the message transport (guests/lib/msg.h,
 * docs/msg.md), run as domain 0, since only domain 0 can create shares.
 *
 * It makes the introducer's share (MSG_NS_SHARE), gets it first so that it
 * is peer 0, grants it to every other domain, and keeps NS_SLOTS request
 * buffers registered on it. Requests:
 *
 *   LISTEN name     the caller listens under name (refused while a live
 *                   domain does)
 *   CONNECT name    make a connection share, grant it to the caller and
 *                   the listener, queue it for the listener, ring the
 *                   listener's doorbell, and tell the caller its id
 *   ACCEPT name     hand the listener the next queued connection
 *   UNLISTEN name
 *   LIST i          the i-th name listened under, and its listener (a
 *                   gateway tells other machines, docs/remote.md)
 *
 * Each connection share it also gets itself (as peer 0), only to see the
 * two sides join (their CONN_JOIN watches); then it destroys it and
 * drops it, and the two talk with no further help. If a side dies first,
 * or never comes, the introducer throws the connection away: the other
 * side sees it go (MSG_ECONNRESET).
 *
 * Domain ids in requests are taken as the caller says: a liar can only
 * make a connection share granted to a domain that never asked for it,
 * which times out (docs/msg.md: "introduction").
 *
 * It ends when every other domain has.
 *
 *   module line: msgns.elf name=ns [lan=NAME,...]
 *
 * lan=NAME,...: also create a LAN share (guests/lib/lan.h; id 33, after
 * ours) and grant it to the domains named: domain 0 is the only one that
 * can create shares, so on a machine that has both the transport and a
 * LAN (a gateway and a bridge, docs/remote.md) the introducer makes both.
 */
#include "msg_proto.h"
#include "sv.h"

#define NS_SLOTS	8		/* request buffers kept registered */
#define MAX_NAMES	8
#define MAX_CONNS	6		/* pending connections (we hold each share) */
#define NS_PORT		(SV_PORT_FIRST_FREE + 1)
#define CONN_PORT(i)	(SV_PORT_FIRST_FREE + 2 + (i))
#define MS		1000000ull
#define PENDING_NS	(3000 * MS)	/* a connection not joined by then is dropped */

struct name {
	bool used;
	char name[MSG_NAME_MAX];
	uint32_t domid, peer;		/* the listener, and its peer id on our share */
};

struct conn {
	bool used, accepted;
	sv_share_t share;
	uint32_t name;			/* index in names[] */
	uint32_t client, listener;	/* domain ids */
	uint64_t since;
	uint32_t joined[2];		/* watch counters of CONN_JOIN(1), CONN_JOIN(2) */
};

static struct name names[MAX_NAMES];
static struct conn conns[MAX_CONNS];
static struct ns_msg req[NS_SLOTS];
static volatile uint32_t req_len[NS_SLOTS];
static uint32_t ring[NS_SLOTS], head;
static sv_share_t ns;
static struct sv_domain_info doms[SV_MAX_DOMAINS];
static uint32_t stats_connects, stats_refused;
static uint64_t next_tidy;		/* look at the pending timeouts then */

static void on_event(uint32_t port)
{
	(void)port;	/* the main loop looks at everything */
}

static void post(uint32_t slot)
{
	struct sv_sg sg = { (uint32_t)&req[slot], sizeof(req[slot]) };
	req_len[slot] = 0;
	sv_sg_register(ns, SV_SG_IN, &sg, 1, (uint32_t *)&req_len[slot]);
}

static void reply(const struct ns_msg *r, int32_t status, sv_share_t share, uint32_t other)
{
	struct ns_msg out = *r;
	out.status = status;
	out.share = share;
	out.other = other;
	struct sv_sg sg = { (uint32_t)&out, sizeof(out) };
	/* If the caller has no reply buffer up, it broke the protocol: drop it. */
	sv_sg_xfer(ns, SV_XFER_SEND, r->peer, &sg, 1);
}

static int find_name(const char *name)
{
	for (int i = 0; i < MAX_NAMES; i++)
		if (names[i].used && strncmp(names[i].name, name, MSG_NAME_MAX) == 0)
			return i;
	return -1;
}

static void forget_conn(struct conn *c)
{
	sv_share_destroy(c->share);
	sv_share_drop(c->share);	/* the sides see us leave; a lone side sees a reset */
	c->used = false;
}

static void do_listen(const struct ns_msg *r)
{
	int i = find_name(r->name);
	if (i >= 0 && names[i].domid != r->domid && sv_domain_running(names[i].domid)) {
		reply(r, MSG_EADDRINUSE, -1, names[i].domid);
		return;
	}
	if (i < 0)
		for (i = 0; i < MAX_NAMES && names[i].used; i++)
			;
	if (i == MAX_NAMES) {
		reply(r, MSG_ENFILE, -1, 0);
		return;
	}
	names[i] = (struct name){ .used = true, .domid = r->domid, .peer = r->peer };
	memcpy(names[i].name, r->name, MSG_NAME_MAX);
	printf("'%s' is domain %u\n", names[i].name, r->domid);
	reply(r, 0, -1, 0);
}

static void do_connect(const struct ns_msg *r)
{
	int i = find_name(r->name);
	int k = 0;
	while (k < MAX_CONNS && conns[k].used)
		k++;
	if (i < 0 || !sv_domain_running(names[i].domid)) {
		stats_refused++;
		reply(r, MSG_ENOTFOUND, -1, 0);
		return;
	}
	if (k == MAX_CONNS) {
		reply(r, MSG_ENFILE, -1, 0);
		return;
	}
	struct conn *c = &conns[k];
	*c = (struct conn){ .used = true, .name = (uint32_t)i, .client = r->domid,
			    .listener = names[i].domid, .since = sv_now(),
			    .joined = { 1, 1 } };
	c->share = sv_share_create(1);
	/* We are peer 0: get it before the two sides may. */
	if (c->share < 0 || sv_share_grant(c->share, SV_DOMID_SELF) < 0 ||
	    sv_share_get(c->share, CONN_PORT(k)) != CONN_PEER_INTRODUCER ||
	    sv_watch(c->share, CONN_JOIN(1), &c->joined[0]) < 0 ||
	    sv_watch(c->share, CONN_JOIN(2), &c->joined[1]) < 0 ||
	    sv_share_grant(c->share, c->client) < 0 || sv_share_grant(c->share, c->listener) < 0) {
		if (c->share >= 0)
			forget_conn(c);
		c->used = false;
		reply(r, MSG_ENFILE, -1, 0);
		return;
	}
	stats_connects++;
	sv_trigger(ns, NS_DOORBELL(names[i].peer));
	reply(r, 0, c->share, c->listener);
}

static void do_accept(const struct ns_msg *r)
{
	int i = find_name(r->name);
	if (i < 0 || names[i].domid != r->domid) {
		reply(r, SV_EPERM, -1, 0);
		return;
	}
	/* The oldest connection waiting for this listener. */
	struct conn *best = NULL;
	for (int k = 0; k < MAX_CONNS; k++) {
		struct conn *c = &conns[k];
		if (c->used && !c->accepted && c->name == (uint32_t)i &&
		    (!best || c->since < best->since))
			best = c;
	}
	if (!best) {
		reply(r, MSG_EWOULDBLOCK, -1, 0);
		return;
	}
	best->accepted = true;
	reply(r, 0, best->share, best->client);
}

static void do_list(const struct ns_msg *r)
{
	uint32_t seen = 0;
	for (int i = 0; i < MAX_NAMES; i++) {
		if (!names[i].used || !sv_domain_running(names[i].domid))
			continue;
		if (seen++ == r->other) {
			struct ns_msg out = *r;
			out.status = 0;
			out.share = -1;
			out.other = names[i].domid;
			memcpy(out.name, names[i].name, MSG_NAME_MAX);
			struct sv_sg sg = { (uint32_t)&out, sizeof(out) };
			sv_sg_xfer(ns, SV_XFER_SEND, r->peer, &sg, 1);
			return;
		}
	}
	reply(r, MSG_ENOTFOUND, -1, 0);
}

static void do_unlisten(const struct ns_msg *r)
{
	int i = find_name(r->name);
	if (i >= 0 && names[i].domid == r->domid)
		names[i].used = false;
	reply(r, i >= 0 ? 0 : MSG_ENOTFOUND, -1, 0);
}

static void handle(struct ns_msg *r, uint32_t len)
{
	r->name[MSG_NAME_MAX - 1] = '\0';	/* whatever the sender put there */
	if (len != sizeof(*r) || r->magic != NS_MAGIC || r->peer >= SV_SHARE_MAX_PEERS ||
	    r->peer == NS_PEER || r->domid >= SV_MAX_DOMAINS) {
		printf("malformed request (%u bytes) dropped\n", len);
		return;
	}
	switch (r->op) {
	case NS_LISTEN: do_listen(r); break;
	case NS_UNLISTEN: do_unlisten(r); break;
	case NS_CONNECT: do_connect(r); break;
	case NS_ACCEPT: do_accept(r); break;
	case NS_LIST: do_list(r); break;
	default: reply(r, SV_EINVAL, -1, 0); break;
	}
}

/* Connections both sides joined, or that a death or a timeout ended. */
static void tidy_conns(void)
{
	for (int k = 0; k < MAX_CONNS; k++) {
		struct conn *c = &conns[k];
		if (!c->used)
			continue;
		bool joined = c->joined[0] == 0 && c->joined[1] == 0;
		if (joined || !sv_domain_running(c->client) || !sv_domain_running(c->listener) ||
		    sv_now() - c->since > PENDING_NS)
			forget_conn(c);
	}
	for (int i = 0; i < MAX_NAMES; i++)
		if (names[i].used && !sv_domain_running(names[i].domid))
			names[i].used = false;	/* a restarted server may take it */
}

static bool work(void)
{
	if (req_len[ring[head]] != 0 || sv_now() >= next_tidy || sv_others_ended())
		return true;
	for (int k = 0; k < MAX_CONNS; k++)
		if (conns[k].used && conns[k].joined[0] == 0 && conns[k].joined[1] == 0)
			return true;
	return false;
}

int main(const struct sv_start_info *si)
{
	events_init(on_event);
	ns = sv_share_create(1);
	if (ns != MSG_NS_SHARE) {
		printf("the introducer's share got id %d, not %d\n", ns, MSG_NS_SHARE);
		return 1;
	}
	if (sv_share_grant(ns, SV_DOMID_SELF) < 0 || sv_share_get(ns, NS_PORT) != NS_PEER)
		return 1;
	int n = sv_domain_list(doms, SV_MAX_DOMAINS);
	for (int i = 0; i < n; i++)
		if (doms[i].domid != si->domid)
			sv_share_grant(ns, doms[i].domid);
	for (uint32_t s = 0; s < NS_SLOTS; s++) {
		ring[s] = s;
		post(s);
	}
	char lan[64];
	sv_share_t lan_share = -1;
	if (sv_cmdline_get("lan", lan, sizeof(lan))) {
		lan_share = sv_share_create(1);
		if (lan_share >= 0)
			sv_share_grant_each(lan_share, lan, "LAN share");
	}

	while (!sv_others_ended()) {
		next_tidy = sv_now() + 100 * MS;	/* for the pending timeouts */
		sv_timer_set(next_tidy);
		sv_block_until(work);
		while (req_len[ring[head]] != 0) {
			uint32_t slot = ring[head];
			handle(&req[slot], req_len[slot]);
			head = (head + 1) % NS_SLOTS;
			post(slot);
		}
		tidy_conns();
	}
	for (int k = 0; k < MAX_CONNS; k++)
		if (conns[k].used)
			forget_conn(&conns[k]);
	sv_share_destroy(ns);
	if (lan_share >= 0)
		sv_share_destroy(lan_share);
	printf("introducer: %u connections made, %u refused\n", stats_connects, stats_refused);
	return 0;
}
