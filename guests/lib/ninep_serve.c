/*
 * ninep_serve.c: the 9P2000 service of a read-only tree (ninep_serve.h).
 *
 * Each request is decoded (ninep.c checks every byte of it), handled by
 * the function for its type, which fills in the reply or returns the
 * text of an Rerror, and the reply is encoded within the agreed msize.
 * The handlers follow intro(5), walk(5), open(5), read(5), stat(5),
 * clunk(5) and version(5) of Plan 9's manual, section 5.
 */
#if __STDC_HOSTED__
#include <string.h>		/* the host unit test */
#else
#include "sv.h"			/* a guest: memset is the library's */
#endif
#include "ninep_serve.h"

/* The words of the Rerrors (Plan 9's are much the same). */
#define E_VERSION	"version not negotiated"
#define E_MSIZE		"msize too small"
#define E_TOOBIG	"message longer than msize"
#define E_NOAUTH	"authentication not required"
/* Where Plan 9's or Linux's table (net/9p/error.c) has a string for the
 * case, it is that string, so that Linux's v9fs turns it into the right
 * errno (EBADF, ENOENT, EROFS, ...) instead of "Unknown error 526". */
#define E_NOFID		"fid unknown or out of range"
#define E_INUSE		"fid already in use"
#define E_FIDS		"too many fids"
#define E_OPEN		"file already open for I/O"
#define E_NOTOPEN	"bad use of fid"
#define E_NOTFOUND	"file does not exist"
#define E_NOTDIR	"not a directory"
#define E_PERM		"permission denied"
#define E_ROFS		"Read-only file system"
#define E_DIROFFSET	"bad offset in directory read"
#define E_REQUEST	"not a request"

void p9_session_init(struct p9_session *s, const struct p9_tree *tree, uint32_t max_msize)
{
	memset(s, 0, sizeof(*s));
	s->tree = tree;
	s->max_msize = max_msize < P9_SERVE_MAX_MSIZE ? max_msize : P9_SERVE_MAX_MSIZE;
}

/* ---- the tree */

static const struct p9_node *node_at(const struct p9_session *s, uint16_t n)
{
	return &s->tree->nodes[n];
}

static struct p9_qid qid_of(const struct p9_session *s, uint16_t n)
{
	return (struct p9_qid){ node_at(s, n)->dir ? P9_QTDIR : P9_QTFILE, 0, n };
}

static struct p9_stat stat_of(const struct p9_session *s, uint16_t n)
{
	const struct p9_node *node = node_at(s, n);
	struct p9_str owner = p9_cstr("sv");
	return (struct p9_stat){
		.qid = qid_of(s, n),
		.mode = node->dir ? P9_DMDIR | 0555 : 0444,
		.atime = s->tree->mtime, .mtime = s->tree->mtime,
		.length = node->dir ? 0 : node->size,
		.name = p9_cstr(n == 0 ? "/" : node->name),
		.uid = owner, .gid = owner, .muid = owner,
	};
}

/* The entry of directory d called name ("..": its parent), or -1. */
static int32_t lookup(const struct p9_session *s, uint16_t d, struct p9_str name)
{
	if (p9_str_eq(name, ".."))
		return node_at(s, d)->parent;
	for (uint32_t i = 1; i < s->tree->count; i++)
		if (s->tree->nodes[i].parent == d && p9_str_eq(name, s->tree->nodes[i].name))
			return (int32_t)i;
	return -1;
}

/* ---- fids */

static struct p9_fid *fid_find(struct p9_session *s, uint32_t fid)
{
	for (int i = 0; i < P9_SERVE_FIDS; i++)
		if (s->fids[i].used && s->fids[i].fid == fid)
			return &s->fids[i];
	return NULL;
}

/* A new fid at node n, or NULL with *err set. */
static struct p9_fid *fid_new(struct p9_session *s, uint32_t fid, uint16_t n, const char **err)
{
	*err = E_INUSE;
	if (fid == P9_NOFID || fid_find(s, fid))
		return NULL;
	*err = E_FIDS;
	for (int i = 0; i < P9_SERVE_FIDS; i++) {
		if (!s->fids[i].used) {
			s->fids[i] = (struct p9_fid){ .used = true, .fid = fid, .node = n };
			return &s->fids[i];
		}
	}
	return NULL;
}

/* ---- one handler per request: fill in r, or return an Rerror's text */

static const char *do_version(struct p9_session *s, const struct p9_fcall *t,
			      struct p9_fcall *r)
{
	if (t->msize < P9_SERVE_MIN_MSIZE)
		return E_MSIZE;
	/* A Tversion starts the session again: every fid goes. */
	memset(s->fids, 0, sizeof(s->fids));
	s->msize = t->msize < s->max_msize ? t->msize : s->max_msize;
	r->msize = s->msize;
	/* "9P2000" or "9P2000.anything" speaks 9P2000; anything else is
	 * answered "unknown" and leaves the session unversioned. */
	struct p9_str v = t->version;
	if (v.len >= 6 && p9_str_eq((struct p9_str){ v.s, 6 }, P9_VERSION) &&
	    (v.len == 6 || v.s[6] == '.')) {
		r->version = p9_cstr(P9_VERSION);
	} else {
		r->version = p9_cstr("unknown");
		s->msize = 0;
	}
	return NULL;
}

static const char *do_attach(struct p9_session *s, const struct p9_fcall *t,
			     struct p9_fcall *r)
{
	const char *err;
	if (t->afid != P9_NOFID)
		return E_NOAUTH;
	if (!fid_new(s, t->fid, 0, &err))
		return err;
	s->attaches++;
	r->qid = qid_of(s, 0);
	return NULL;
}

/* walk(5): as far as the names lead. If the first cannot be walked it is
 * an Rerror; if a later one cannot, an Rwalk with the qids so far, and
 * newfid is not made. */
static const char *do_walk(struct p9_session *s, const struct p9_fcall *t, struct p9_fcall *r)
{
	struct p9_fid *f = fid_find(s, t->fid);
	const char *err = NULL;
	if (!f)
		return E_NOFID;
	if (f->open)
		return E_OPEN;
	if (t->newfid != t->fid && fid_find(s, t->newfid))
		return E_INUSE;
	uint16_t n = f->node, i;
	for (i = 0; i < t->nwname; i++) {
		int32_t next = node_at(s, n)->dir ? lookup(s, n, t->wname[i]) : -1;
		if (next < 0) {
			err = node_at(s, n)->dir ? E_NOTFOUND : E_NOTDIR;
			break;
		}
		n = (uint16_t)next;
		r->wqid[i] = qid_of(s, n);
	}
	r->nwqid = i;
	if (i == 0 && t->nwname > 0)
		return err;
	if (i < t->nwname)
		return NULL;			/* a partial walk */
	if (t->newfid == t->fid)
		f->node = n;
	else if (!fid_new(s, t->newfid, n, &err))
		return err;
	return NULL;
}

static const char *do_open(struct p9_session *s, const struct p9_fcall *t, struct p9_fcall *r)
{
	struct p9_fid *f = fid_find(s, t->fid);
	if (!f)
		return E_NOFID;
	if (f->open)
		return E_OPEN;
	/* Only reading: OREAD, or OEXEC of a file; no OTRUNC, no ORCLOSE. */
	if ((t->mode & 3) == P9_OWRITE || (t->mode & 3) == P9_ORDWR)
		return E_ROFS;
	if (t->mode != P9_OREAD && !(t->mode == P9_OEXEC && !node_at(s, f->node)->dir))
		return E_PERM;
	f->open = true;
	r->qid = qid_of(s, f->node);
	r->iounit = s->msize - P9_IOHDRSZ;
	return NULL;
}

static const char *read_file(struct p9_session *s, const struct p9_node *node, uint32_t max,
			     const struct p9_fcall *t, struct p9_fcall *r)
{
	uint64_t left = t->offset < node->size ? node->size - t->offset : 0;
	r->count = (uint32_t)(left < max ? left : max);
	r->data = r->count ? node->data + t->offset : NULL;
	s->file_bytes += r->count;
	return NULL;
}

/* A directory's data is its entries' stat structures, back to back,
 * and a read returns whole entries only (read(5)); so an offset must be
 * where an entry begins: 0, or where the last read ended. A count too
 * small for the next entry gets no entry, 0 bytes, not an error: Linux
 * fills its buffer read after read, asks for the few bytes left after
 * a read that ended short of it, and stops at an empty reply (an error
 * there failed the whole listing of a directory bigger than one read). */
static const char *read_dir(struct p9_session *s, uint16_t d, uint32_t max,
			    const struct p9_fcall *t, struct p9_fcall *r)
{
	static uint8_t entries[P9_SERVE_MAX_MSIZE];
	uint64_t at = 0;		/* where the next entry begins in the data */
	uint32_t used = 0;
	for (uint32_t i = 1; i < s->tree->count; i++) {
		if (node_at(s, (uint16_t)i)->parent != d)
			continue;
		struct p9_stat st = stat_of(s, (uint16_t)i);
		uint32_t size = p9_stat_size(&st);
		if (at < t->offset) {
			at += size;		/* read before */
			continue;
		}
		if (at != t->offset + used || used + size > max)
			break;			/* full, or an offset inside an entry */
		p9_stat_encode(&st, entries + used, size);
		used += size;
		at += size;
	}
	if (used == 0 && at != t->offset)
		return E_DIROFFSET;	/* inside an entry, or past the end */
	r->count = used;		/* 0 at the end, or when the next entry does not fit */
	r->data = entries;
	return NULL;
}

static const char *do_read(struct p9_session *s, const struct p9_fcall *t, struct p9_fcall *r)
{
	struct p9_fid *f = fid_find(s, t->fid);
	if (!f)
		return E_NOFID;
	if (!f->open)
		return E_NOTOPEN;
	uint32_t room = s->msize - P9_RREAD_HDRSZ;
	uint32_t max = t->count < room ? t->count : room;
	const struct p9_node *node = node_at(s, f->node);
	const char *err = node->dir ? read_dir(s, f->node, max, t, r)
				    : read_file(s, node, max, t, r);
	if (!err)
		s->reads++;
	return err;
}

static const char *do_stat(struct p9_session *s, const struct p9_fcall *t, struct p9_fcall *r)
{
	struct p9_fid *f = fid_find(s, t->fid);
	if (!f)
		return E_NOFID;
	r->stat = stat_of(s, f->node);
	return NULL;
}

static const char *do_clunk(struct p9_session *s, const struct p9_fcall *t, struct p9_fcall *r)
{
	(void)r;
	struct p9_fid *f = fid_find(s, t->fid);
	if (!f)
		return E_NOFID;
	f->used = false;
	return NULL;
}

/* remove(5): the fid is clunked even when the remove fails, as here it
 * always does (Linux's rm counts on that). */
static const char *do_remove(struct p9_session *s, const struct p9_fcall *t, struct p9_fcall *r)
{
	const char *err = do_clunk(s, t, r);
	return err ? err : E_ROFS;
}

typedef const char *handler_t(struct p9_session *s, const struct p9_fcall *t,
			      struct p9_fcall *r);

static handler_t *const handlers[P9_TWSTAT + 1] = {
	[P9_TVERSION] = do_version, [P9_TATTACH] = do_attach, [P9_TWALK] = do_walk,
	[P9_TOPEN] = do_open, [P9_TREAD] = do_read, [P9_TSTAT] = do_stat, [P9_TCLUNK] = do_clunk,
	[P9_TREMOVE] = do_remove,
};

static const char *handle(struct p9_session *s, const struct p9_fcall *t, struct p9_fcall *r)
{
	/* ninep.c decodes only the subset, so anything else here is a reply */
	if (t->type > P9_TWSTAT || !handlers[t->type])
		return E_REQUEST;
	if (t->type != P9_TVERSION && !s->msize)
		return E_VERSION;
	return handlers[t->type](s, t, r);
}

/* The reply to the request of len bytes at req, in *r. */
static void answer(struct p9_session *s, const uint8_t *req, uint32_t len, struct p9_fcall *r)
{
	struct p9_fcall t;
	const char *err;
	s->requests++;
	int32_t rc = p9_decode(req, len, &t);	/* even if too long: for the tag */
	memset(r, 0, sizeof(*r));
	if (s->msize && len > s->msize) {
		err = E_TOOBIG;
	} else if (rc == P9_ETYPE && (t.type == P9_TCREATE || t.type == P9_TWRITE ||
					 t.type == P9_TWSTAT)) {
		err = E_ROFS;		/* a request we know, on a tree that stays as it is */
	} else if (rc < 0) {
		s->malformed++;
		err = p9_strerror(rc);	/* t.tag is the request's, if it had one */
	} else {
		err = handle(s, &t, r);
	}
	r->type = err ? P9_RERROR : (uint8_t)(t.type + 1);
	r->tag = t.tag;
	if (err) {
		r->ename = p9_cstr(err);
		s->errors++;
	}
}

void p9_serve_gather(struct p9_session *s, const uint8_t *req, uint32_t len, uint8_t *head,
		     struct p9_reply *out)
{
	struct p9_fcall r;
	answer(s, req, len, &r);
	/* Every reply fits: Rread is cut to msize, the rest are small. */
	int32_t n = p9_encode_head(&r, head, s->msize ? s->msize : s->max_msize);
	bool data = n > 0 && r.type == P9_RREAD;
	*out = (struct p9_reply){ n > 0 ? (uint32_t)n : 0, data ? r.data : NULL,
				  data ? r.count : 0 };
}

uint32_t p9_serve(struct p9_session *s, const uint8_t *req, uint32_t len, uint8_t *reply)
{
	struct p9_reply out;
	p9_serve_gather(s, req, len, reply, &out);
	if (out.data_len)
		memcpy(reply + out.head_len, out.data, out.data_len);
	return out.head_len + out.data_len;
}

bool p9_session_over(const struct p9_session *s)
{
	if (!s->attaches)
		return false;
	for (uint32_t i = 0; i < P9_SERVE_FIDS; i++)
		if (s->fids[i].used)
			return false;
	return true;
}
