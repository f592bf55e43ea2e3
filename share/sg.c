/*
 * sg.c: scatter-gather lists and transfers (include/sharevisor.h,
 * SV_OP_SG_REGISTER / SV_OP_SG_XFER).
 *
 * A domain registers a list of its buffers for a share; a peer's sg_xfer
 * finds the owner's oldest list of the matching kind and copies between
 * the two sets of buffers in one pass, frame to frame through the direct
 * map: no bounce buffer, and never more than one copy of the data.
 *
 * Lists live in a fixed array per domain (SV_MAX_SG_LISTS each), so the
 * memory for lists is bounded whatever guests do, linked in a queue per
 * domain, oldest first: "the oldest list of domain D for share S" is the
 * first of D's queue that fits, nearly always the head.
 *
 * A list remembers where its bytes are in physical memory, checked and
 * translated once (when registered, and again only if a mapping has
 * gone since: mm/paging.h's unmap_epoch), and a kept list (SV_SG_KEEP)
 * stays for the next message: the receive side of a round trip then
 * costs no walk of the page tables and no hypercall.
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

/* A piece of a list's buffers in physical memory, [pa, pa + len): a
 * list's segments are its bytes in order. A piece ends where the guest's
 * memory stops being physically contiguous (at most at every page end),
 * so there are at most SG_MAX_PAGES of them, and usually far fewer: a
 * buffer on contiguous frames is one segment however many pages. */
struct seg {
	uint32_t pa;
	uint32_t len;
};

struct sg_list {		/* in use when its bit of in_use is set */
	sv_share_t share;
	uint32_t dir;		/* SV_SG_IN or SV_SG_OUT */
	bool keep;		/* SV_SG_KEEP: used again once its length word is 0 */
	int32_t handle;
	uint8_t prev, next;	/* in the owner's queue: slot + 1, or 0 at an end */
	uint32_t len_va;	/* where the byte count goes */
	uint32_t n;
	uint32_t total;		/* bytes in all entries */
	struct sv_sg e[SV_SG_MAX_ENTRIES];
	/* The translation, taken when unmap_epoch read epoch: the buffers
	 * as physical segments, and the length word's page (two, if it
	 * straddles). A transfer uses them without walking the page tables,
	 * and without checking the pages again unless a mapping has gone
	 * since (mm/paging.h). */
	uint64_t epoch;
	uint32_t nseg;
	struct seg seg[SG_MAX_PAGES];
	uint32_t len_frame[2];
};

static struct sg_list lists[SV_MAX_DOMAINS][SV_MAX_SG_LISTS];
/* Bit slot of in_use[d]: lists[d][slot] is registered. Looking for a
 * free slot, or for a share's lists, then visits only the slots that
 * matter. */
static uint16_t in_use[SV_MAX_DOMAINS];
_Static_assert(SV_MAX_SG_LISTS <= 16, "in_use has a bit per slot");

/* Each domain's lists in one queue, oldest first: a transfer takes the
 * first of the peer's lists that fits (its share, its kind, armed). A
 * list joins at the back when registered, and a kept list goes to the
 * back again when it is used. Links are slot + 1, 0 for none. */
static uint8_t queue_head[SV_MAX_DOMAINS], queue_tail[SV_MAX_DOMAINS];

static bool list_used(uint32_t dom, uint32_t slot)
{
	return in_use[dom] & (1u << slot);
}

/* Registrations so far, for handles. (Order is the queue's: a count
 * would wrap.) */
static uint64_t next_seq;

/* Handles carry the slot and the sequence number, so a handle from a
 * list that is gone does not name its slot's next occupant (until the
 * 27 bits kept wrap: include/sharevisor.h says so). */
#define HANDLE(slot, seq)	((int32_t)((((seq) & 0x07FFFFFFu) << 4) | (slot)))
_Static_assert(SV_MAX_SG_LISTS == 16, "HANDLE keeps the slot in 4 bits");

/* A list's slot, from its handle: cheaper than l - lists[dom], which
 * divides by the size of a list. */
static uint32_t slot_of(const struct sg_list *l)
{
	return (uint32_t)l->handle % SV_MAX_SG_LISTS;
}

static void queue_append(uint32_t dom, struct sg_list *l)
{
	uint8_t link = (uint8_t)(slot_of(l) + 1);
	l->next = 0;
	l->prev = queue_tail[dom];
	if (queue_tail[dom])
		lists[dom][queue_tail[dom] - 1].next = link;
	else
		queue_head[dom] = link;
	queue_tail[dom] = link;
}

static void queue_remove(uint32_t dom, const struct sg_list *l)
{
	if (l->prev)
		lists[dom][l->prev - 1].next = l->next;
	else
		queue_head[dom] = l->next;
	if (l->next)
		lists[dom][l->next - 1].prev = l->prev;
	else
		queue_tail[dom] = l->prev;
}

static void list_free(uint32_t dom, struct sg_list *l)
{
	in_use[dom] &= (uint16_t)~(1u << slot_of(l));
	queue_remove(dom, l);
}

/* Add the piece [pa, pa + len) after seg[0 .. *k): joined to the last
 * segment if it follows it in physical memory. */
static inline void seg_add(struct seg *seg, uint32_t *k, uint32_t pa, uint32_t len)
{
	if (*k > 0 && seg[*k - 1].pa + seg[*k - 1].len == pa)
		seg[*k - 1].len += len;
	else
		seg[(*k)++] = (struct seg){ pa, len };
}

/* Check that every buffer is mapped (writable, if write), and note where
 * its bytes are: seg[0 .. *nseg), physically contiguous pieces joined. */
static inline __attribute__((always_inline))
int32_t translate(pde_t *pgdir, const struct sv_sg *e, uint32_t n, bool write,
			 struct seg *seg, uint32_t *nseg)
{
	uint32_t frames[SV_SG_MAX_BYTES / PAGE_SIZE + 1];	/* one range's pages */
	uint32_t k = 0;

	for (uint32_t i = 0; i < n;) {
		/* Buffers that follow one another in the guest's address space
		 * (a buffer cut at its pages, say) are checked as one range: one
		 * walk reads their page-table entries in a row. */
		uint32_t va = e[i].addr, len = e[i].len, off = va & (PAGE_SIZE - 1);
		for (i++; i < n && e[i].addr == va + len; i++)
			len += e[i].len;	/* (at most SV_SG_MAX_BYTES in all) */
		if (guest_range_frames(pgdir, va, len, write, frames) != SV_OK)
			return SV_EFAULT;
		for (const uint32_t *f = frames; len > 0; f++, off = 0) {	/* page by page */
			uint32_t piece = MIN(len, PAGE_SIZE - off);
			seg_add(seg, &k, *f + off, piece);
			len -= piece;
		}
	}
	*nseg = k;
	return SV_OK;
}

/* Copy a guest's list in and check it: sizes first (SV_EINVAL), then
 * that every buffer is mapped, writable if write (SV_EFAULT), noting
 * its segments. */
static inline __attribute__((always_inline))
int32_t fetch_list(struct domain *d, uint32_t list_va, uint32_t count, bool write,
			  struct sv_sg *e, uint32_t *total, struct seg *seg, uint32_t *nseg)
{
	if (count == 0 || count > SV_SG_MAX_ENTRIES)
		return SV_EINVAL;
	/* A list within one page (nearly every list) is read where it is,
	 * each entry once, into e[]: one lookup, no copy routine. */
	const struct sv_sg *src = e;
	if ((list_va & (PAGE_SIZE - 1)) + count * sizeof(e[0]) <= PAGE_SIZE)
		src = guest_ptr(d->pgdir, list_va, false);
	else if (copy_from_guest(d->pgdir, e, list_va, count * sizeof(e[0])) != SV_OK)
		src = NULL;
	if (!src)
		return SV_EFAULT;
	uint32_t sum = 0;	/* at most SV_SG_MAX_BYTES: it cannot wrap */
	for (uint32_t i = 0; i < count; i++) {
		e[i] = src[i];	/* (src is e itself when the list was copied) */
		if (e[i].len == 0 || e[i].len > SV_SG_MAX_BYTES - sum)
			return SV_EINVAL;
		sum += e[i].len;
	}
	*total = sum;
	return translate(d->pgdir, e, count, write, seg, nseg);
}

/* Take l's translation (again): false if a buffer or the length word is
 * no longer mapped as it must be. */
static bool list_translate(const struct domain *t, struct sg_list *l)
{
	if (translate(t->pgdir, l->e, l->n, l->dir == SV_SG_IN, l->seg, &l->nseg) != SV_OK ||
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
static inline void length_word(const struct sg_list *l, uint32_t *v, bool write)
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
	int32_t rc = fetch_list(d, list_va, count, kind == SV_SG_IN, l->e, &l->total, l->seg,
				&l->nseg);
	if (rc != SV_OK)
		return rc;
	if (guest_range_frames(d->pgdir, len_va, 4, true, l->len_frame) != SV_OK)
		return SV_EFAULT;
	if (!free_slots)
		return SV_ENOSPC;
	in_use[d->id] |= (uint16_t)(1u << slot);
	l->handle = HANDLE(slot, ++next_seq);
	queue_append(d->id, l);
	l->share = s->id;
	l->dir = kind;
	l->keep = dir & SV_SG_KEEP;
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
	/* The queue links exactly the lists in use, both ways. */
	uint32_t queued = 0, prev = 0, steps = 0;
	for (uint32_t link = queue_head[d->id]; link; link = lists[d->id][link - 1].next) {
		if (++steps > SV_MAX_SG_LISTS || (queued & (1u << (link - 1))) ||
		    lists[d->id][link - 1].prev != prev)
			return false;
		queued |= 1u << (link - 1);
		prev = link;
	}
	if (queued != in_use[d->id] || queue_tail[d->id] != prev)
		return false;
	for (uint32_t m = in_use[d->id]; m; m &= m - 1) {
		const struct sg_list *l = &lists[d->id][__builtin_ctz(m)];
		if (l->epoch != unmap_epoch)
			continue;	/* stale: taken again before any use */
		struct sg_list fresh = *l;
		if (!list_translate(d, &fresh) || fresh.nseg != l->nseg ||
		    memcmp(fresh.seg, l->seg, l->nseg * sizeof(l->seg[0])) != 0 ||
		    memcmp(fresh.len_frame, l->len_frame,
			   GUEST_PAGES(l->len_va, 4) * sizeof(l->len_frame[0])) != 0)
			return false;
	}
	return true;
}

/* Can l take a transfer now? A kept list can while its length word is
 * 0 (its owner has taken the last transfer's bytes), and waits while it
 * is not, even if a buffer has gone since (its owner may be remapping).
 * One whose word cannot be read any more counts as ready, so that the
 * transfer finds it bad (SV_EFAULT) and it goes. */
static bool armed(const struct domain *t, struct sg_list *l)
{
	uint32_t len;
	if (!l->keep)
		return true;
	if (list_current(t, l))
		length_word(l, &len, false);
	else if (copy_from_guest(t->pgdir, &len, l->len_va, sizeof(len)) != SV_OK)
		return true;
	return len == 0;
}

/* The oldest armed list of domain t for share s in direction dir, or
 * NULL: the first in t's queue. */
static struct sg_list *oldest(const struct domain *t, const struct share *s, uint32_t dir)
{
	for (uint32_t link = queue_head[t->id]; link; link = lists[t->id][link - 1].next) {
		struct sg_list *l = &lists[t->id][link - 1];
		if (l->share == s->id && l->dir == dir && armed(t, l))
			return l;
	}
	return NULL;
}

/* Copy bytes (> 0) from one list's segments to another's, chunk by
 * chunk: each chunk ends where a segment does on either side, and goes
 * straight from frame to frame through the direct map. */
static void copy_sg(const struct seg *src, const struct seg *dst, uint32_t bytes)
{
	uint32_t soff = 0, doff = 0;
	for (;;) {
		uint32_t chunk = MIN(bytes, MIN(src->len - soff, dst->len - doff));
		/* memmove: both sides may be the same share pages */
		memmove((uint8_t *)P2V(dst->pa) + doff, (uint8_t *)P2V(src->pa) + soff, chunk);
		if ((bytes -= chunk) == 0)
			return;
		if ((soff += chunk) == src->len) {
			src++;
			soff = 0;
		}
		if ((doff += chunk) == dst->len) {
			dst++;
			doff = 0;
		}
	}
}

int32_t sg_xfer(struct domain *d, uint32_t id, uint32_t dir, uint32_t peer_id,
		uint32_t list_va, uint32_t count)
{
	struct sv_sg mine[SV_SG_MAX_ENTRIES];
	struct seg my_segs[SG_MAX_PAGES];
	uint32_t my_total, my_nseg;

	struct share *s = share_held(d, id, NULL);
	if (!s)
		return SV_ENOENT;
	if (dir != SV_XFER_SEND && dir != SV_XFER_RECV)
		return SV_EINVAL;
	if (peer_id >= SV_SHARE_MAX_PEERS || !s->peers[peer_id].used)
		return SV_ENOENT;
	bool sending = dir == SV_XFER_SEND;
	int32_t rc = fetch_list(d, list_va, count, !sending, mine, &my_total, my_segs, &my_nseg);
	if (rc != SV_OK)
		return rc;

	struct peer *p = &s->peers[peer_id];
	struct domain *t = &domains[p->dom];	/* alive: a dying domain leaves its shares */
	struct sg_list *theirs = oldest(t, s, sending ? SV_SG_IN : SV_SG_OUT);
	if (!theirs)
		return SV_EAGAIN;
	if (!list_current(t, theirs)) {
		list_free(t->id, theirs);	/* it went bad (unmapped): it can never be used */
		return SV_EFAULT;
	}

	uint32_t bytes = MIN(my_total, theirs->total);
	PROFILE_STAGE(PROF_COPY);
	if (sending)
		copy_sg(my_segs, theirs->seg, bytes);
	else
		copy_sg(theirs->seg, my_segs, bytes);

	length_word(theirs, &bytes, true);
	if (theirs->keep) {		/* kept: to the back of the queue */
		queue_remove(t->id, theirs);
		queue_append(t->id, theirs);
	} else
		list_free(t->id, theirs);
	PROFILE_STAGE(PROF_NOTIFY);
	event_raise(t, p->port);	/* wake the peer on its port for s */
	PROFILE_STAGE(PROF_HANDLER);
	return (int32_t)bytes;
}
