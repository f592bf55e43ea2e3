/*
 * ninep_client.c: a 9P2000 client over the message transport
 * (ninep_client.h). One request at a time: each Tmessage goes out as one
 * msg_send and its reply is the next message to arrive, so the tags only
 * check that the server answered this request and not another.
 */
#include "ninep_client.h"
#include "sv.h"

#define MS	1000000ull

int32_t p9c_connect(struct p9_client *c, const char *service, uint32_t wait_ms)
{
	uint64_t deadline = sv_now() + wait_ms * MS;
	int32_t rc;
	c->conn = -1;
	c->holding = false;
	/* Nobody listening yet, or a listener that died as we came (the
	 * introducer then drops the connection): wait and try again. */
	for (;;) {
		rc = msg_connect(service, 0);
		bool again = rc == MSG_ENOTFOUND || rc == MSG_ETIMEDOUT || rc == MSG_ECONNRESET;
		if (!again || sv_now() >= deadline)
			break;
		if (rc == MSG_ENOTFOUND)
			sv_sleep_ns(10 * MS);
	}
	if (rc < 0)
		return rc;
	c->conn = rc;
	c->tag = 0;
	return 0;
}

/* The last reply was decoded where it landed (msg_peek), and r's strings
 * and data point into it: it is held until the next request. */
static void drop_reply(struct p9_client *c)
{
	if (c->holding)
		msg_consume(c->conn);
	c->holding = false;
}

static int32_t exchange(struct p9_client *c, const void *msg, uint32_t len, struct p9_fcall *r)
{
	drop_reply(c);
	int32_t rc = msg_send(c->conn, msg, len, MSG_CALL);	/* and wait for the reply */
	if (rc < 0)
		return rc;
	const void *reply;
	rc = msg_peek(c->conn, &reply, 0);
	if (rc < 0)
		return rc;
	c->holding = true;
	c->why = p9_decode(reply, (uint32_t)rc, r);
	return c->why < 0 ? P9C_EREPLY : 0;
}

int32_t p9c_rpc_raw(struct p9_client *c, const void *msg, uint32_t len, struct p9_fcall *r)
{
	return exchange(c, msg, len, r);
}

int32_t p9c_rpc(struct p9_client *c, struct p9_fcall *t, struct p9_fcall *r)
{
	if (t->type == P9_TVERSION) {
		t->tag = P9_NOTAG;
	} else {
		c->tag = (uint16_t)(c->tag + 1 == P9_NOTAG ? 1 : c->tag + 1);
		t->tag = c->tag;
	}
	int32_t len = p9_encode(t, c->tx, c->msize ? c->msize : sizeof(c->tx));
	if (len < 0)
		return SV_EINVAL;	/* ours: nothing was sent */
	int32_t rc = exchange(c, c->tx, (uint32_t)len, r);
	if (rc < 0)
		return rc;
	if (r->tag != t->tag || (r->type != t->type + 1 && r->type != P9_RERROR)) {
		c->why = 0;
		return P9C_EREPLY;
	}
	return 0;
}

int32_t p9c_attach(struct p9_client *c, uint32_t fid, const char *uname)
{
	struct p9_fcall t = { .type = P9_TVERSION, .msize = MSG_MAX,
			      .version = p9_cstr(P9_VERSION) }, r;
	c->msize = 0;
	int32_t rc = p9c_rpc(c, &t, &r);
	if (rc < 0)
		return rc;
	if (r.type != P9_RVERSION || !p9_str_eq(r.version, P9_VERSION) || r.msize > MSG_MAX ||
	    r.msize <= P9_IOHDRSZ)
		return SV_EINVAL;
	c->msize = r.msize;
	c->iounit = r.msize - P9_IOHDRSZ;

	t = (struct p9_fcall){ .type = P9_TATTACH, .fid = fid, .afid = P9_NOFID,
			       .uname = p9_cstr(uname), .aname = p9_cstr("") };
	rc = p9c_rpc(c, &t, &r);
	if (rc < 0)
		return rc;
	return r.type == P9_RATTACH && r.qid.type == P9_QTDIR ? 0 : SV_EINVAL;
}

void p9c_close(struct p9_client *c)
{
	if (c->conn >= 0)
		msg_close(c->conn);	/* a reply held goes with it */
	c->conn = -1;
	c->holding = false;
	c->msize = 0;
}

const char *p9c_strerror(const struct p9_client *c, int32_t err)
{
	static char text[80];
	if (err != P9C_EREPLY)
		return msg_strerror(err);
	snprintf(text, sizeof(text), "P9C_EREPLY (%s)",
		 c->why ? p9_strerror(c->why) : "a reply to another request");
	return text;
}
