/*
 * ninep.h: the 9P2000 wire format, for the subset the file service
 * speaks (docs/msg-9p.md): version, attach, walk, open, read, stat,
 * clunk, and Rerror.
 *
 * Every message is
 *
 *     size[4] type[1] tag[2] fields...
 *
 * little-endian, size counting itself. A string is len[2] and that many
 * bytes (UTF-8, no NUL, no terminator); a qid is type[1] version[4]
 * path[8], 13 bytes. The fields of each message are the ones Plan 9's
 * intro(5) lists; struct p9_fcall below holds them, as Plan 9's Fcall
 * does.
 *
 * p9_decode treats its input as hostile: every length is checked
 * against the bytes there are before anything is read, and anything
 * wrong is an error code, never a read past the end. The decoded
 * strings and Rread data point into the buffer (they live as long as
 * it does; strings have no NUL).
 *
 * This file and ninep.c use no library but memcpy and memchr, so they
 * build for the guests and, unchanged, for the host unit test.
 */
#ifndef SV_NINEP_H
#define SV_NINEP_H

#include <stdbool.h>
#include <stdint.h>

#define P9_VERSION	"9P2000"
#define P9_NOTAG	0xFFFFu		/* the tag of Tversion */
#define P9_NOFID	0xFFFFFFFFu	/* "no fid": Tattach's afid without auth */
#define P9_MAXWELEM	16		/* names in one Twalk, qids in one Rwalk */

#define P9_HDRSZ	7	/* size[4] type[1] tag[2] */
#define P9_RREAD_HDRSZ	11	/* Rread: the header and count[4], then the data */
#define P9_IOHDRSZ	24	/* Plan 9's allowance for an I/O message's header:
				   iounit = msize - P9_IOHDRSZ */
#define P9_QIDSZ	13
#define P9_STATFIXLEN	49	/* a stat entry with four empty strings */

enum p9_type {
	P9_TVERSION = 100, P9_RVERSION,
	P9_TAUTH = 102, P9_RAUTH,	/* not in the subset */
	P9_TATTACH = 104, P9_RATTACH,
	P9_TERROR = 106,		/* does not exist: there is no such request */
	P9_RERROR = 107,
	P9_TFLUSH = 108, P9_RFLUSH,	/* not in the subset */
	P9_TWALK = 110, P9_RWALK,
	P9_TOPEN = 112, P9_ROPEN,
	P9_TCREATE = 114, P9_RCREATE,	/* not in the subset: the tree is read-only */
	P9_TREAD = 116, P9_RREAD,
	P9_TWRITE = 118, P9_RWRITE,	/* not in the subset */
	P9_TCLUNK = 120, P9_RCLUNK,
	P9_TREMOVE = 122, P9_RREMOVE,	/* decoded: it clunks, and is refused */
	P9_TSTAT = 124, P9_RSTAT,
	P9_TWSTAT = 126, P9_RWSTAT,	/* not in the subset */
};

/* qid.type, and the top byte of stat.mode */
#define P9_QTDIR	0x80
#define P9_QTFILE	0x00
#define P9_DMDIR	0x80000000u

/* Topen's mode: the low two bits, and flags */
#define P9_OREAD	0
#define P9_OWRITE	1
#define P9_ORDWR	2
#define P9_OEXEC	3
#define P9_OTRUNC	0x10
#define P9_ORCLOSE	0x40

/* Errors of p9_decode and p9_encode (all negative). */
enum p9_err {
	P9_ESHORT = -1,		/* a field runs past the end of the message */
	P9_ESIZE = -2,		/* size[4] is not the length of the message */
	P9_ETYPE = -3,		/* a type this code does not know (or Terror) */
	P9_ESTRING = -4,	/* a string's len[2] runs past the end */
	P9_ENUL = -5,		/* a string holds a NUL byte */
	P9_ECOUNT = -6,		/* nwname or nwqid is more than P9_MAXWELEM */
	P9_ETRAILING = -7,	/* bytes left over after the last field */
	P9_ESTAT = -8,		/* a stat's sizes disagree with each other or its fields */
	P9_ENOSPACE = -9,	/* encode: the message does not fit in the buffer */
};
const char *p9_strerror(int32_t err);

/* A counted string: s need not end in a NUL. */
struct p9_str {
	const char *s;
	uint16_t len;
};
struct p9_str p9_cstr(const char *s);		/* from a C string (cut at 65535) */
bool p9_str_eq(struct p9_str a, const char *s);	/* a equals the C string s */

struct p9_qid {
	uint8_t type;		/* P9_QTDIR or P9_QTFILE */
	uint32_t version;
	uint64_t path;		/* unique in the tree: the file's number */
};

/* A directory entry, as Rstat and a directory's Tread carry it. On the
 * wire it is size[2] and then these fields in this order. */
struct p9_stat {
	uint16_t type;		/* for kernel use: 0 */
	uint32_t dev;		/* for kernel use: 0 */
	struct p9_qid qid;
	uint32_t mode;		/* permissions, and P9_DMDIR for a directory */
	uint32_t atime, mtime;	/* seconds since the epoch */
	uint64_t length;	/* bytes; 0 for a directory */
	struct p9_str name, uid, gid, muid;	/* name is "/" for the root */
};

/* One message, of any type: the fields its type uses are filled in. */
struct p9_fcall {
	uint8_t type;		/* enum p9_type */
	uint16_t tag;		/* the client's number for the request; the reply has it too */
	uint32_t fid;		/* Tattach Twalk Topen Tread Tstat Tclunk */
	union {
		struct {			/* Tversion, Rversion */
			uint32_t msize;
			struct p9_str version;
		};
		struct {			/* Tattach (and fid) */
			uint32_t afid;
			struct p9_str uname, aname;
		};
		struct p9_str ename;		/* Rerror */
		struct {			/* Twalk (and fid) */
			uint32_t newfid;
			uint16_t nwname;
			struct p9_str wname[P9_MAXWELEM];
		};
		struct {			/* Rwalk */
			uint16_t nwqid;
			struct p9_qid wqid[P9_MAXWELEM];
		};
		uint8_t mode;			/* Topen (and fid) */
		struct {			/* Rattach (qid), Ropen */
			struct p9_qid qid;
			uint32_t iounit;
		};
		struct {			/* Tread (fid offset count), Rread (count data) */
			uint64_t offset;
			uint32_t count;
			const uint8_t *data;
		};
		struct p9_stat stat;		/* Rstat */
	};
};

/* Write f into buf (at most max bytes), size[4] included. Returns the
 * message's length, or P9_ENOSPACE, P9_ETYPE, P9_ECOUNT. */
int32_t p9_encode(const struct p9_fcall *f, uint8_t *buf, uint32_t max);

/* The same, except that an Rread's data is not copied: buf gets the
 * first P9_RREAD_HDRSZ bytes, whose size[4] counts the f->count bytes
 * at f->data that must follow them (for a gather send: msg_sendv).
 * Returns the bytes written to buf; other types are as p9_encode. */
int32_t p9_encode_head(const struct p9_fcall *f, uint8_t *buf, uint32_t max);

/* Read the message of exactly len bytes at buf into *f. Returns 0 or a
 * negative enum p9_err. Even on error, f->type and f->tag are what the
 * header says if it could be read (else 0 and P9_NOTAG), so that a
 * server can answer with an Rerror of the right tag. */
int32_t p9_decode(const uint8_t *buf, uint32_t len, struct p9_fcall *f);

/* One stat entry, size[2] included: its length on the wire, and the
 * entry written into buf or read from it (for directory reads, which
 * carry a run of entries). Both return the bytes used, or an error. */
uint32_t p9_stat_size(const struct p9_stat *st);
int32_t p9_stat_encode(const struct p9_stat *st, uint8_t *buf, uint32_t max);
int32_t p9_stat_decode(const uint8_t *buf, uint32_t len, struct p9_stat *st);

#endif /* SV_NINEP_H */
