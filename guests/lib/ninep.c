/*
 * ninep.c: the 9P2000 wire format (ninep.h).
 *
 * One description, two directions. io_body lists each message's fields
 * in wire order, once; a cursor (struct io) either writes them from the
 * struct or reads them into it. So encoding and decoding cannot drift
 * apart, and every read goes through room(), which checks the bytes left
 * before it touches any: the first field that does not fit stops the
 * cursor with an error, and every later field does nothing.
 */
#if __STDC_HOSTED__
#include <string.h>		/* the host unit test */
#else
#include "sv.h"			/* a guest: memcpy and memchr are the library's */
#endif
#include "ninep.h"

struct io {
	uint8_t *p;		/* the next byte */
	uint8_t *end;		/* one past the last byte we may touch */
	bool writing;		/* encode: fields go from the struct to p */
	bool defer_data;	/* encode: an Rread's data is counted, not copied */
	uint32_t deferred;	/* the bytes so counted */
	int32_t err;		/* the first error; 0 while all is well */
};

/* Are there n more bytes? If not, the cursor stops with err (or
 * P9_ENOSPACE when writing: the buffer is too small, not the input bad). */
static bool room(struct io *io, uint32_t n, int32_t err)
{
	if (io->err)
		return false;
	if ((uint32_t)(io->end - io->p) < n) {
		io->err = io->writing ? P9_ENOSPACE : err;
		return false;
	}
	return true;
}

/* An integer of n (1, 2, 4 or 8) bytes, little-endian: v is written, or
 * the value read is returned (0 once the cursor has stopped). 9P is
 * little-endian, as x86 is, so an integer is its bytes as they stand:
 * one load or store, not a loop of shifts (which cost a 9P read 700
 * instructions in make bench). */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "9P integers are stored as they are");
static uint64_t io_int(struct io *io, uint64_t v, uint32_t n)
{
	if (!room(io, n, P9_ESHORT))
		return 0;
	uint8_t *p = io->p;
	io->p += n;
	uint8_t b = (uint8_t)v;
	uint16_t h = (uint16_t)v;
	uint32_t w = (uint32_t)v;
	if (io->writing) {
		switch (n) {
		case 1: *p = b; break;
		case 2: __builtin_memcpy(p, &h, 2); break;
		case 4: __builtin_memcpy(p, &w, 4); break;
		default: __builtin_memcpy(p, &v, 8); break;
		}
		return v;
	}
	switch (n) {
	case 1: return *p;
	case 2: __builtin_memcpy(&h, p, 2); return h;
	case 4: __builtin_memcpy(&w, p, 4); return w;
	default: __builtin_memcpy(&v, p, 8); return v;
	}
}

/* An integer field, of its own size: written from it, or read into it
 * (left as it was if it could not be read). */
#define IO_INT(io, field) do {							\
	uint64_t v_ = io_int((io), (field), sizeof(field));			\
	if (!(io)->writing && !(io)->err)					\
		(field) = (__typeof__(field))v_;				\
} while (0)

/* n bytes as they are (Rread's data): copied out, or pointed at. */
static void io_bytes(struct io *io, const uint8_t **data, uint32_t n, int32_t err)
{
	if (!room(io, n, err))
		return;
	if (io->writing && n)
		memcpy(io->p, *data, n);
	else if (!io->writing)
		*data = io->p;
	io->p += n;
}

static void io_str(struct io *io, struct p9_str *s)
{
	const uint8_t *bytes = (const uint8_t *)s->s;
	IO_INT(io, s->len);
	io_bytes(io, &bytes, s->len, P9_ESTRING);
	if (io->writing || io->err)
		return;
	s->s = (const char *)bytes;
	if (memchr(bytes, '\0', s->len))
		io->err = P9_ENUL;
}

static void io_qid(struct io *io, struct p9_qid *q)
{
	IO_INT(io, q->type);
	IO_INT(io, q->version);
	IO_INT(io, q->path);
}

/* A count (nwname, nwqid), which may not pass P9_MAXWELEM either way. */
static void io_count(struct io *io, uint16_t *n)
{
	IO_INT(io, *n);
	if (!io->err && *n > P9_MAXWELEM)
		io->err = P9_ECOUNT;
}

uint32_t p9_stat_size(const struct p9_stat *st)
{
	return P9_STATFIXLEN + st->name.len + st->uid.len + st->gid.len + st->muid.len;
}

/* What follows a byte count of n (a stat's size[2], Rstat's n[2]) must
 * use exactly those n bytes: reading, the cursor's end is pulled in to
 * them while body reads, and what body leaves over is an error. */
static void io_counted(struct io *io, uint16_t n, void (*body)(struct io *, struct p9_stat *),
		       struct p9_stat *st)
{
	if (!room(io, n, P9_ESTAT))
		return;
	uint8_t *end = io->end, *stop = io->p + n;
	io->end = stop;
	body(io, st);
	io->end = end;
	if (!io->err && io->p != stop)
		io->err = P9_ESTAT;
}

static void io_stat_fields(struct io *io, struct p9_stat *st)
{
	IO_INT(io, st->type);
	IO_INT(io, st->dev);
	io_qid(io, &st->qid);
	IO_INT(io, st->mode);
	IO_INT(io, st->atime);
	IO_INT(io, st->mtime);
	IO_INT(io, st->length);
	io_str(io, &st->name);
	io_str(io, &st->uid);
	io_str(io, &st->gid);
	io_str(io, &st->muid);
}

/* A stat entry: size[2], then the fields. */
static void io_stat(struct io *io, struct p9_stat *st)
{
	uint16_t size = (uint16_t)(p9_stat_size(st) - 2);
	IO_INT(io, size);
	io_counted(io, size, io_stat_fields, st);
}

/* Rstat's stat[n]: n[2], then the entry, whose own size[2] is n - 2
 * (intro(5) has both counts; stat(5) says why it is so). */
static void io_rstat(struct io *io, struct p9_stat *st)
{
	uint16_t n = (uint16_t)p9_stat_size(st);
	IO_INT(io, n);
	io_counted(io, n, io_stat, st);
}

/* Each message's fields after size[4] type[1] tag[2], in wire order. */
static void io_body(struct io *io, struct p9_fcall *f)
{
	switch (f->type) {
	case P9_TVERSION:
	case P9_RVERSION:
		IO_INT(io, f->msize);
		io_str(io, &f->version);
		break;
	case P9_TATTACH:
		IO_INT(io, f->fid);
		IO_INT(io, f->afid);
		io_str(io, &f->uname);
		io_str(io, &f->aname);
		break;
	case P9_RATTACH:
		io_qid(io, &f->qid);
		break;
	case P9_RERROR:
		io_str(io, &f->ename);
		break;
	case P9_TWALK:
		IO_INT(io, f->fid);
		IO_INT(io, f->newfid);
		io_count(io, &f->nwname);
		for (uint16_t i = 0; i < f->nwname && !io->err; i++)
			io_str(io, &f->wname[i]);
		break;
	case P9_RWALK:
		io_count(io, &f->nwqid);
		for (uint16_t i = 0; i < f->nwqid && !io->err; i++)
			io_qid(io, &f->wqid[i]);
		break;
	case P9_TOPEN:
		IO_INT(io, f->fid);
		IO_INT(io, f->mode);
		break;
	case P9_ROPEN:
		io_qid(io, &f->qid);
		IO_INT(io, f->iounit);
		break;
	case P9_TREAD:
		IO_INT(io, f->fid);
		IO_INT(io, f->offset);
		IO_INT(io, f->count);
		break;
	case P9_RREAD:
		IO_INT(io, f->count);
		if (io->writing && io->defer_data)
			io->deferred = f->count;	/* they go after the message, from f->data */
		else
			io_bytes(io, &f->data, f->count, P9_ESHORT);
		break;
	case P9_TSTAT:
	case P9_TCLUNK:
	case P9_TREMOVE:
		IO_INT(io, f->fid);
		break;
	case P9_RSTAT:
		io_rstat(io, &f->stat);
		break;
	case P9_RCLUNK:
	case P9_RREMOVE:
		break;
	default:
		if (!io->err)	/* the type itself may not have been there */
			io->err = P9_ETYPE;
	}
}

static int32_t encode(const struct p9_fcall *f, uint8_t *buf, uint32_t max, bool defer_data)
{
	struct io io = { .p = buf, .end = buf + max, .writing = true, .defer_data = defer_data };
	/* Writing only reads *f: the cast lets one io_body serve both ways. */
	struct p9_fcall *w = (struct p9_fcall *)f;
	uint32_t size = 0;	/* known at the end */
	IO_INT(&io, size);
	IO_INT(&io, w->type);
	IO_INT(&io, w->tag);
	io_body(&io, w);
	if (io.err)
		return io.err;
	uint32_t written = (uint32_t)(io.p - buf);
	size = written + io.deferred;
	io.p = buf;
	IO_INT(&io, size);
	return (int32_t)written;
}

int32_t p9_encode(const struct p9_fcall *f, uint8_t *buf, uint32_t max)
{
	return encode(f, buf, max, false);
}

int32_t p9_encode_head(const struct p9_fcall *f, uint8_t *buf, uint32_t max)
{
	return encode(f, buf, max, true);
}

int32_t p9_decode(const uint8_t *buf, uint32_t len, struct p9_fcall *f)
{
	/* Reading never writes through io.p: the cast is for the shared cursor. */
	struct io io = { .p = (uint8_t *)buf, .end = (uint8_t *)buf + len };
	uint32_t size = 0;
	memset(f, 0, sizeof(*f));
	f->tag = P9_NOTAG;
	IO_INT(&io, size);
	IO_INT(&io, f->type);	/* first, so that even a bad size has its tag */
	IO_INT(&io, f->tag);
	if (len >= 4 && size != len)
		return P9_ESIZE;	/* the transport keeps messages whole: no slack */
	io_body(&io, f);
	if (!io.err && io.p != io.end)
		io.err = P9_ETRAILING;
	return io.err;
}

int32_t p9_stat_encode(const struct p9_stat *st, uint8_t *buf, uint32_t max)
{
	struct io io = { .p = buf, .end = buf + max, .writing = true };
	io_stat(&io, (struct p9_stat *)st);	/* only read: see p9_encode */
	return io.err ? io.err : (int32_t)(io.p - buf);
}

int32_t p9_stat_decode(const uint8_t *buf, uint32_t len, struct p9_stat *st)
{
	struct io io = { .p = (uint8_t *)buf, .end = (uint8_t *)buf + len };
	memset(st, 0, sizeof(*st));
	io_stat(&io, st);
	return io.err ? io.err : (int32_t)(io.p - buf);
}

struct p9_str p9_cstr(const char *s)
{
	size_t n = strlen(s);
	return (struct p9_str){ s, (uint16_t)(n > 0xFFFF ? 0xFFFF : n) };
}

bool p9_str_eq(struct p9_str a, const char *s)
{
	size_t n = strlen(s);
	return n == a.len && (n == 0 || memcmp(a.s, s, n) == 0);
}

const char *p9_strerror(int32_t err)
{
	switch (err) {
	case 0:
		return "no error";
	case P9_ESHORT:
		return "a field runs past the end of the message";
	case P9_ESIZE:
		return "the size field is not the length of the message";
	case P9_ETYPE:
		return "unknown message type";
	case P9_ESTRING:
		return "a string runs past the end of the message";
	case P9_ENUL:
		return "a string holds a NUL byte";
	case P9_ECOUNT:
		return "more than 16 walk elements";
	case P9_ETRAILING:
		return "bytes left over after the last field";
	case P9_ESTAT:
		return "a stat entry's sizes disagree";
	case P9_ENOSPACE:
		return "the message does not fit in the buffer";
	default:
		return "unknown 9P error";
	}
}
