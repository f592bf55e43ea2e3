/*
 * sg.c: scatter-gather lists and transfers (include/sharevisor.h,
 * SV_OP_SG_REGISTER / SV_OP_SG_XFER).
 *
 * A domain registers a list of its buffers for a share; a peer's sg_xfer
 * finds the owner's oldest list of the matching kind and copies between
 * the two sets of buffers in one pass, frame to frame through the direct
 * map: no bounce buffer, and never more than one copy of the data.
 *
 * Lists live in a fixed array per domain (SV_MAX_SG_LISTS each), so
 * finding "the oldest list of domain D for share S" is a scan of D's 16
 * slots, and the memory for lists is bounded whatever guests do.
 */
#include "domain.h"
#include "klib.h"
#include "memlayout.h"
#include "profile.h"
#include "share.h"
#include "usercopy.h"

/* The pages a list's buffers can span: an entry of length L spans at
 * most L / PAGE_SIZE + 2 pages, so all of them at most this many. */
#define SG_MAX_PAGES	(SV_SG_MAX_BYTES / PAGE_SIZE + 2 * SV_SG_MAX_ENTRIES)

struct sg_list {		/* in use when its bit of in_use is set */
	sv_share_t share;
	uint32_t dir;		/* SV_SG_IN or SV_SG_OUT */
	bool keep;		/* SV_SG_KEEP: used again once its length word is 0 */
	int32_t handle;
	uint64_t seq;		/* the oldest (lowest) is used first */
	uint32_t len_va;	/* where the byte count goes */
	uint32_t n;
	uint32_t total;		/* bytes in all entries */
	struct sv_sg e[SV_SG_MAX_ENTRIES];
	/* The translation, taken when unmap_epoch read epoch: the frames
	 * of e[0]'s pages, then e[1]'s, ...; the length word's page (two,
	 * if it straddles). A transfer uses them without walking the page
	 * tables, and without checking the pages again unless a mapping
	 * has gone since (mm/paging.h). */
	uint64_t epoch;
	uint32_t frame[SG_MAX_PAGES];
	uint32_t len_frame[2];
};

static struct sg_list lists[SV_MAX_DOMAINS][SV_MAX_SG_LISTS];
/* Bit slot of in_use[d]: lists[d][slot] is registered. Looking for the
 * oldest list or a free slot then visits only the slots that matter. */
static uint16_t in_use[SV_MAX_DOMAINS];
_Static_assert(SV_MAX_SG_LISTS <= 16, "in_use has a bit per slot");

static bool list_used(uint32_t dom, uint32_t slot)
{
	return in_use[dom] & (1u << slot);
}

static void list_free(uint32_t dom, struct sg_list *l)
{
	in_use[dom] &= (uint16_t)~(1u << (l - lists[dom]));
}
/* 64 bits: a 32-bit count wraps after 2^32 registrations (72 minutes at
 * a million a second), and then a new list looks older than those
 * registered before the wrap. 2^64 never comes. */
static uint64_t next_seq;

/* Handles carry the slot and the sequence number, so a handle from a
 * list that is gone does not name its slot's next occupant (until the
 * 27 bits kept wrap: include/sharevisor.h says so). */
#define HANDLE(slot, seq)	((int32_t)((((seq) & 0x07FFFFFFu) << 4) | (slot)))
_Static_assert(SV_MAX_SG_LISTS == 16, "HANDLE keeps the slot in 4 bits");

/* Check that every buffer is mapped (writable, if write), and note the
 * frame of each page, buffer after buffer, in frame[]. */
static int32_t translate(pde_t *pgdir, const struct sv_sg *e, uint32_t n, bool write,
			 uint32_t *frame)
{
	for (uint32_t i = 0; i < n; i++) {
		if (guest_range_frames(pgdir, e[i].addr, e[i].len, write, frame) != SV_OK)
			return SV_EFAULT;
		frame += GUEST_PAGES(e[i].addr, e[i].len);
	}
	return SV_OK;
}

/* Copy a guest's list in and check it: sizes first (SV_EINVAL), then
 * that every buffer is mapped, writable if write (SV_EFAULT), noting
 * its frames. */
static int32_t fetch_list(struct domain *d, uint32_t list_va, uint32_t count, bool write,
			  struct sv_sg *e, uint32_t *total, uint32_t *frame)
{
	if (count == 0 || count > SV_SG_MAX_ENTRIES)
		return SV_EINVAL;
	int rc = copy_from_guest(d->pgdir, e, list_va, count * sizeof(e[0]));
	if (rc != SV_OK)
		return rc;
	uint64_t sum = 0;
	for (uint32_t i = 0; i < count; i++) {
		if (e[i].len == 0)
			return SV_EINVAL;
		sum += e[i].len;
	}
	if (sum > SV_SG_MAX_BYTES)
		return SV_EINVAL;
	*total = (uint32_t)sum;
	return translate(d->pgdir, e, count, write, frame);
}

/* Take l's translation (again): false if a buffer or the length word is
 * no longer mapped as it must be. */
static bool list_translate(const struct domain *t, struct sg_list *l)
{
	if (translate(t->pgdir, l->e, l->n, l->dir == SV_SG_IN, l->frame) != SV_OK ||
	    guest_range_frames(t->pgdir, l->len_va, 4, true, l->len_frame) != SV_OK)
		return false;
	l->epoch = unmap_epoch;
	return true;
}

/* Are l's frames still those of its buffers? If a mapping has gone
 * anywhere since they were taken, they are taken again. */
static bool list_current(const struct domain *t, struct sg_list *l)
{
	return l->epoch == unmap_epoch || list_translate(t, l);
}

/* Read or write l's length word through its frames (it may straddle
 * two pages). l must be current. */
static void length_word(const struct sg_list *l, uint32_t *v, bool write)
{
	uint32_t off = l->len_va & (PAGE_SIZE - 1);
	uint8_t *w = (uint8_t *)P2V(l->len_frame[0]) + off;

	if (off <= PAGE_SIZE - sizeof(*v)) {	/* in one page: a plain load or store */
		/* x86 loads and stores words at any alignment */
		typedef uint32_t __attribute__((aligned(1), may_alias)) any_u32;
		if (write)
			*(any_u32 *)w = *v;
		else
			*v = *(any_u32 *)w;
		return;
	}
	uint8_t *b = (uint8_t *)v;
	for (uint32_t i = 0; i < sizeof(*v); i++) {
		uint8_t *g = off + i < PAGE_SIZE ? w + i :
			     (uint8_t *)P2V(l->len_frame[1]) + (off + i - PAGE_SIZE);
		if (write)
			*g = b[i];
		else
			b[i] = *g;
	}
}

int32_t sg_register(struct domain *d, uint32_t id, uint32_t dir, uint32_t list_va,
		    uint32_t count, uint32_t len_va)
{
	struct share *s = share_held(d, id, NULL);
	if (!s)
		return SV_ENOENT;
	uint32_t kind = dir & ~(uint32_t)SV_SG_KEEP;
	if (kind != SV_SG_IN && kind != SV_SG_OUT)
		return SV_EINVAL;
	uint32_t free_slots = ~in_use[d->id] & ((1u << SV_MAX_SG_LISTS) - 1);
	uint32_t slot = free_slots ? (uint32_t)__builtin_ctz(free_slots) : 0;	/* the lowest */
	/* Filled in place, field by field (a compound literal would zero
	 * all of it first), and marked in use only once it is good. With
	 * no free slot, the checks still run (their errors come first), on
	 * a list that is then dropped. */
	struct sg_list none;
	struct sg_list *l = free_slots ? &lists[d->id][slot] : &none;
	int32_t rc = fetch_list(d, list_va, count, kind == SV_SG_IN, l->e, &l->total, l->frame);
	if (rc != SV_OK)
		return rc;
	if (guest_range_frames(d->pgdir, len_va, 4, true, l->len_frame) != SV_OK)
		return SV_EFAULT;
	if (!free_slots)
		return SV_ENOSPC;
	in_use[d->id] |= (uint16_t)(1u << slot);
	l->share = s->id;
	l->dir = kind;
	l->keep = dir & SV_SG_KEEP;
	l->seq = ++next_seq;
	l->handle = HANDLE(slot, l->seq);
	l->len_va = len_va;
	l->n = count;
	l->epoch = unmap_epoch;
	return l->handle;
}

int32_t sg_unregister(struct domain *d, uint32_t id, uint32_t handle)
{
	struct share *s = share_held(d, id, NULL);
	struct sg_list *l = &lists[d->id][handle % SV_MAX_SG_LISTS];
	if (!s || handle > INT32_MAX || !list_used(d->id, handle % SV_MAX_SG_LISTS) ||
	    l->share != s->id ||
	    l->handle != (int32_t)handle)
		return SV_ENOENT;
	list_free(d->id, l);
	return SV_OK;
}

void sg_remove_all(const struct domain *d, const struct share *s)
{
	for (uint32_t slot = 0; slot < SV_MAX_SG_LISTS; slot++)
		if (list_used(d->id, slot) && lists[d->id][slot].share == s->id)
			list_free(d->id, &lists[d->id][slot]);
}

/* The invariant checker's view: the frames of every list whose
 * translation is current are what a fresh walk of the page tables finds. */
bool sg_lists_consistent(const struct domain *d)
{
	for (uint32_t m = in_use[d->id]; m; m &= m - 1) {
		const struct sg_list *l = &lists[d->id][__builtin_ctz(m)];
		if (l->epoch != unmap_epoch)
			continue;	/* stale: taken again before any use */
		struct sg_list fresh = *l;
		uint32_t pages = 0;
		for (uint32_t i = 0; i < l->n; i++)
			pages += GUEST_PAGES(l->e[i].addr, l->e[i].len);
		if (!list_translate(d, &fresh) ||
		    memcmp(fresh.frame, l->frame, pages * sizeof(l->frame[0])) != 0 ||
		    memcmp(fresh.len_frame, l->len_frame,
			   GUEST_PAGES(l->len_va, 4) * sizeof(l->len_frame[0])) != 0)
			return false;
	}
	return true;
}

/* Can l take a transfer now? A kept list can while its length word is
 * 0 (its owner has taken the last transfer's bytes). One whose pages have
 * gone counts as ready, so that the transfer finds it bad. */
static bool armed(const struct domain *t, struct sg_list *l)
{
	uint32_t len;
	if (!l->keep || !list_current(t, l))
		return true;
	length_word(l, &len, false);
	return len == 0;
}

/* The oldest armed list of domain t for share s in direction dir, or NULL. */
static struct sg_list *oldest(const struct domain *t, const struct share *s, uint32_t dir)
{
	struct sg_list *best = NULL;
	for (uint32_t m = in_use[t->id]; m; m &= m - 1) {	/* each used slot */
		struct sg_list *l = &lists[t->id][__builtin_ctz(m)];
		if (l->share == s->id && l->dir == dir && (!best || l->seq < best->seq) &&
		    armed(t, l))
			best = l;
	}
	return best;
}

/* A place in a list: entry e, offset off into it, and frame, the frame
 * of the page that holds that byte (a list's frames run entry by entry,
 * page by page, as translate() noted them). */
struct cursor {
	const struct sv_sg *e;
	const uint32_t *frame;
	uint32_t off;
};

/* Bytes from c to the end of its entry or of its page, whichever is first. */
static uint32_t cursor_room(const struct cursor *c)
{
	uint32_t va = c->e->addr + c->off;
	return MIN(c->e->len - c->off, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
}

static uint8_t *cursor_ptr(const struct cursor *c)
{
	return (uint8_t *)P2V(*c->frame) + ((c->e->addr + c->off) & (PAGE_SIZE - 1));
}

/* Move c on by n <= cursor_room(c) bytes: maybe onto the next page, or
 * the next entry (whose first page is the next frame). */
static void cursor_advance(struct cursor *c, uint32_t n)
{
	c->off += n;
	if (c->off == c->e->len) {
		c->e++;
		c->off = 0;
		c->frame++;
	} else if (((c->e->addr + c->off) & (PAGE_SIZE - 1)) == 0) {
		c->frame++;
	}
}

/* Copy bytes from one list's buffers to another's, chunk by chunk: each
 * chunk ends at the end of a buffer or of a page on either side, and goes
 * straight from frame to frame through the direct map. */
static void copy_sg(struct cursor src, struct cursor dst, uint32_t bytes)
{
	while (bytes > 0) {
		uint32_t chunk = MIN(bytes, MIN(cursor_room(&src), cursor_room(&dst)));
		/* memmove: both sides may be the same share pages */
		memmove(cursor_ptr(&dst), cursor_ptr(&src), chunk);
		cursor_advance(&src, chunk);
		cursor_advance(&dst, chunk);
		bytes -= chunk;
	}
}

int32_t sg_xfer(struct domain *d, uint32_t id, uint32_t dir, uint32_t peer_id,
		uint32_t list_va, uint32_t count)
{
	struct sv_sg mine[SV_SG_MAX_ENTRIES];
	uint32_t my_frames[SG_MAX_PAGES];
	uint32_t my_total;

	struct share *s = share_held(d, id, NULL);
	if (!s)
		return SV_ENOENT;
	if (dir != SV_XFER_SEND && dir != SV_XFER_RECV)
		return SV_EINVAL;
	if (peer_id >= SV_SHARE_MAX_PEERS || !s->peers[peer_id].used)
		return SV_ENOENT;
	bool sending = dir == SV_XFER_SEND;
	int32_t rc = fetch_list(d, list_va, count, !sending, mine, &my_total, my_frames);
	if (rc != SV_OK)
		return rc;

	struct peer *p = &s->peers[peer_id];
	struct domain *t = domain_get(p->dom);
	struct sg_list *theirs = oldest(t, s, sending ? SV_SG_IN : SV_SG_OUT);
	if (!theirs)
		return SV_EAGAIN;
	if (!list_current(t, theirs)) {
		list_free(t->id, theirs);	/* it went bad (unmapped): it can never be used */
		return SV_EFAULT;
	}

	uint32_t bytes = MIN(my_total, theirs->total);
	struct cursor me = { mine, my_frames, 0 }, them = { theirs->e, theirs->frame, 0 };
	PROFILE_STAGE(PROF_COPY);
	if (sending)
		copy_sg(me, them, bytes);
	else
		copy_sg(them, me, bytes);

	length_word(theirs, &bytes, true);
	if (theirs->keep)
		theirs->seq = ++next_seq;	/* kept: to the back of the queue */
	else
		list_free(t->id, theirs);
	PROFILE_STAGE(PROF_NOTIFY);
	share_notify(s, p);
	PROFILE_STAGE(PROF_HANDLER);
	return (int32_t)bytes;
}
