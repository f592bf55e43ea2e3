/*
 * ninep_serve.h: the 9P2000 service of a read-only tree, one session per
 * connection (docs/msg-9p.md).
 *
 * p9_serve turns the bytes of one request into the bytes of one reply,
 * and knows nothing of how they travel: guests/fileserver.c carries them
 * over the message transport, tests/unit/test_ninep_serve.c calls it
 * directly. Every request gets a reply, an Rerror for anything wrong,
 * malformed messages included.
 *
 * The tree is an array of nodes; node 0 is the root (its own parent),
 * and a directory's entries are the nodes whose parent it is, in array
 * order. A node's number is its qid.path.
 */
#ifndef SV_NINEP_SERVE_H
#define SV_NINEP_SERVE_H

#include "ninep.h"

struct p9_node {
	const char *name;	/* "" for the root */
	uint16_t parent;
	bool dir;
	uint32_t size;		/* bytes of a file; 0 for a directory */
	const uint8_t *data;	/* a file's contents */
};

struct p9_tree {
	const struct p9_node *nodes;
	uint32_t count;
	uint32_t mtime;		/* every node's atime and mtime */
};

#define P9_SERVE_FIDS		16	/* fids one session may hold */
#define P9_SERVE_MIN_MSIZE	256	/* a Tversion asking for less is refused */
#define P9_SERVE_MAX_MSIZE	32768	/* the most a session may agree to */

struct p9_fid {
	bool used, open;
	uint32_t fid;		/* the client's number */
	uint16_t node;
};

struct p9_session {
	const struct p9_tree *tree;
	uint32_t max_msize;	/* what the transport carries (<= P9_SERVE_MAX_MSIZE) */
	uint32_t msize;		/* agreed by Tversion; 0 before */
	struct p9_fid fids[P9_SERVE_FIDS];
	/* what it did, for the server's summary */
	uint32_t requests, reads, errors, malformed, attaches;
	uint64_t file_bytes;	/* bytes of files (not directories) in Rreads */
};

void p9_session_init(struct p9_session *s, const struct p9_tree *tree, uint32_t max_msize);

/* Answer the request of len bytes at req: the reply is written to reply,
 * which has room for max_msize bytes; returns its length. */
uint32_t p9_serve(struct p9_session *s, const uint8_t *req, uint32_t len, uint8_t *reply);

/* The same reply in two pieces, so that an Rread's data need not be
 * copied to be sent: head_len bytes written to head, then data_len
 * bytes at data (a file's contents in the tree, or the session's
 * directory buffer; valid until the next call), to go out as one
 * message (msg_sendv). data_len is 0 for every other reply. */
struct p9_reply {
	uint32_t head_len;
	const uint8_t *data;
	uint32_t data_len;
};
void p9_serve_gather(struct p9_session *s, const uint8_t *req, uint32_t len, uint8_t *head,
		     struct p9_reply *out);

/* Has the client attached and then clunked every fid? On a byte stream
 * nothing else says that a client is done (Linux clunks its last fid,
 * the root's, when it unmounts), so a stream server takes this as the
 * end of the session. */
bool p9_session_over(const struct p9_session *s);

#endif /* SV_NINEP_SERVE_H */
