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

struct sg_list {		/* in use when its bit of in_use is set */
	sv_share_t share;
	uint32_t dir;		/* SV_SG_IN or SV_SG_OUT */
	uint64_t seq;		/* registration order: the oldest is used first */
	uint32_t len_va;	/* where the byte count goes */
	uint32_t n;
	uint32_t total;		/* bytes in all entries */
	struct sv_sg e[SV_SG_MAX_ENTRIES];
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

/* Are all the buffers mapped (writable, if write)? Checked when a list
 * comes in, and again when it is used: its pages may have been unmapped
 * since it was registered. */
static bool buffers_ok(struct domain *d, const struct sv_sg *e, uint32_t n, bool write)
{
	for (uint32_t i = 0; i < n; i++)
		if (guest_range_check(d->pgdir, e[i].addr, e[i].len, write) != SV_OK)
			return false;
	return true;
}

/* Copy a guest's list in and check it: sizes first (SV_EINVAL), then
 * that every buffer is mapped, writable if write (SV_EFAULT). */
static int32_t fetch_list(struct domain *d, uint32_t list_va, uint32_t count, bool write,
			  struct sv_sg *e, uint32_t *total)
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
	if (!buffers_ok(d, e, count, write))
		return SV_EFAULT;
	*total = (uint32_t)sum;
	return SV_OK;
}

int32_t sg_register(struct domain *d, uint32_t id, uint32_t dir, uint32_t list_va,
		    uint32_t count, uint32_t len_va)
{
	struct sv_sg e[SV_SG_MAX_ENTRIES];
	uint32_t total;

	struct share *s = share_held(d, id, NULL);
	if (!s)
		return SV_ENOENT;
	if (dir != SV_SG_IN && dir != SV_SG_OUT)
		return SV_EINVAL;
	int32_t rc = fetch_list(d, list_va, count, dir == SV_SG_IN, e, &total);
	if (rc != SV_OK)
		return rc;
	if (guest_range_check(d->pgdir, len_va, 4, true) != SV_OK)
		return SV_EFAULT;
	uint32_t free_slots = ~in_use[d->id] & ((1u << SV_MAX_SG_LISTS) - 1);
	if (free_slots) {
		uint32_t slot = (uint32_t)__builtin_ctz(free_slots);	/* the lowest */
		struct sg_list *l = &lists[d->id][slot];
		/* Field by field: a compound literal would zero all 16
		 * entries first, and only the first count are ever read. */
		in_use[d->id] |= (uint16_t)(1u << slot);
		l->share = s->id;
		l->dir = dir;
		l->seq = ++next_seq;
		l->len_va = len_va;
		l->n = count;
		l->total = total;
		memcpy(l->e, e, count * sizeof(e[0]));
		return HANDLE(slot, l->seq);
	}
	return SV_ENOSPC;
}

int32_t sg_unregister(struct domain *d, uint32_t id, uint32_t handle)
{
	struct share *s = share_held(d, id, NULL);
	struct sg_list *l = &lists[d->id][handle % SV_MAX_SG_LISTS];
	if (!s || handle > INT32_MAX || !list_used(d->id, handle % SV_MAX_SG_LISTS) ||
	    l->share != s->id ||
	    HANDLE(handle % SV_MAX_SG_LISTS, l->seq) != (int32_t)handle)
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

/* The oldest list of domain t for share s in direction dir, or NULL. */
static struct sg_list *oldest(const struct domain *t, const struct share *s, uint32_t dir)
{
	struct sg_list *best = NULL;
	for (uint32_t m = in_use[t->id]; m; m &= m - 1) {	/* each used slot */
		struct sg_list *l = &lists[t->id][__builtin_ctz(m)];
		if (l->share == s->id && l->dir == dir && (!best || l->seq < best->seq))
			best = l;
	}
	return best;
}

/* Copy bytes from the buffers src[] in one address space to dst[] in
 * another, chunk by chunk: each chunk ends at the end of a buffer or of a
 * page on either side, and goes straight from frame to frame. Every
 * buffer has been checked, so guest_ptr cannot fail here. */
static void copy_sg(pde_t *src_pd, const struct sv_sg *src, pde_t *dst_pd,
		    const struct sv_sg *dst, uint32_t bytes)
{
	uint32_t si = 0, soff = 0, di = 0, doff = 0;

	while (bytes > 0) {
		uint32_t sva = src[si].addr + soff, dva = dst[di].addr + doff;
		uint32_t chunk = MIN(bytes, MIN(src[si].len - soff, dst[di].len - doff));
		chunk = MIN(chunk, PAGE_SIZE - (sva & (PAGE_SIZE - 1)));
		chunk = MIN(chunk, PAGE_SIZE - (dva & (PAGE_SIZE - 1)));
		/* memmove: both sides may be the same share pages */
		memmove(guest_ptr(dst_pd, dva, true), guest_ptr(src_pd, sva, false), chunk);
		bytes -= chunk;
		if ((soff += chunk) == src[si].len) {
			si++;
			soff = 0;
		}
		if ((doff += chunk) == dst[di].len) {
			di++;
			doff = 0;
		}
	}
}

int32_t sg_xfer(struct domain *d, uint32_t id, uint32_t dir, uint32_t peer_id,
		uint32_t list_va, uint32_t count)
{
	struct sv_sg mine[SV_SG_MAX_ENTRIES];
	uint32_t my_total;

	struct share *s = share_held(d, id, NULL);
	if (!s)
		return SV_ENOENT;
	if (dir != SV_XFER_SEND && dir != SV_XFER_RECV)
		return SV_EINVAL;
	if (peer_id >= SV_SHARE_MAX_PEERS || !s->peers[peer_id].used)
		return SV_ENOENT;
	bool sending = dir == SV_XFER_SEND;
	int32_t rc = fetch_list(d, list_va, count, !sending, mine, &my_total);
	if (rc != SV_OK)
		return rc;

	struct peer *p = &s->peers[peer_id];
	struct domain *t = domain_get(p->dom);
	struct sg_list *theirs = oldest(t, s, sending ? SV_SG_IN : SV_SG_OUT);
	if (!theirs)
		return SV_EAGAIN;
	if (!buffers_ok(t, theirs->e, theirs->n, sending) ||
	    guest_range_check(t->pgdir, theirs->len_va, 4, true) != SV_OK) {
		list_free(t->id, theirs);	/* it went bad (unmapped): it can never be used */
		return SV_EFAULT;
	}

	uint32_t bytes = MIN(my_total, theirs->total);
	PROFILE_STAGE(PROF_COPY);
	if (sending)
		copy_sg(d->pgdir, mine, t->pgdir, theirs->e, bytes);
	else
		copy_sg(t->pgdir, theirs->e, d->pgdir, mine, bytes);

	copy_to_guest(t->pgdir, theirs->len_va, &bytes, sizeof(bytes));	/* checked above */
	list_free(t->id, theirs);
	PROFILE_STAGE(PROF_NOTIFY);
	share_notify(s, p);
	PROFILE_STAGE(PROF_HANDLER);
	return (int32_t)bytes;
}
