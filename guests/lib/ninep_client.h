/*
 * ninep_client.h: the client side of the 9P file service over the
 * message transport (docs/msg-9p.md): connect to a service by name,
 * Tversion and Tattach, then one request and its reply at a time.
 *
 *     struct p9_client c;
 *     p9c_connect(&c, "files", 10000);         retries while nobody listens
 *     p9c_attach(&c, 0, "me");                 Tversion msize=MSG_MAX, Tattach fid 0
 *     struct p9_fcall t = { .type = P9_TSTAT, .fid = 0 }, r;
 *     p9c_rpc(&c, &t, &r);                     r: Rstat, or Rerror
 *     p9c_close(&c);
 *
 * A reply is decoded where the hypervisor put it, in the connection's
 * receive buffer (msg_peek), with no copy: its strings and data point
 * there, and last until the next request or p9c_close.
 */
#ifndef SV_NINEP_CLIENT_H
#define SV_NINEP_CLIENT_H

#include "msg.h"
#include "ninep.h"

#define P9C_EREPLY	(-120)	/* a reply that does not decode, or not to our request */

struct p9_client {
	int32_t conn;		/* the msg connection; < 0 when there is none */
	uint32_t msize;		/* agreed by Tversion */
	uint32_t iounit;	/* msize - P9_IOHDRSZ: the count of a full read */
	uint16_t tag;		/* the last request's */
	int32_t why;		/* after P9C_EREPLY: p9_decode's error, or 0 (wrong tag/type) */
	bool holding;		/* the last reply is still in its receive buffer */
	uint8_t tx[MSG_MAX];
};

/* Connect to service, trying again while nobody listens under that name
 * (the server may start later, or be restarting) for up to wait_ms.
 * 0, or the transport's last error. */
int32_t p9c_connect(struct p9_client *c, const char *service, uint32_t wait_ms);

/* Tversion (asking for MSG_MAX) and Tattach of fid to the root. 0, a
 * transport error, P9C_EREPLY, or SV_EINVAL if the server refused. */
int32_t p9c_attach(struct p9_client *c, uint32_t fid, const char *uname);

/* Send t (its tag is set here) and wait for the reply: 0 when r is the
 * reply to t, of t's reply type or Rerror; else MSG_ECONNRESET (the
 * server is gone), another transport error, or P9C_EREPLY. */
int32_t p9c_rpc(struct p9_client *c, struct p9_fcall *t, struct p9_fcall *r);

/* The same for bytes made by hand (tests of a server's hostile-input
 * handling); the reply need only decode. */
int32_t p9c_rpc_raw(struct p9_client *c, const void *msg, uint32_t len, struct p9_fcall *r);

void p9c_close(struct p9_client *c);

/* msg_strerror's names, and "P9C_EREPLY (...)" with p9_decode's reason. */
const char *p9c_strerror(const struct p9_client *c, int32_t err);

#endif /* SV_NINEP_CLIENT_H */
