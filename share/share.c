/*
 * share.c: shares and their peers (include/sharevisor.h, section 7).
 *
 * Lifetimes, in frame-table terms: each page of a share is a FRAME_SHARE
 * frame whose reference count is 1 for the share itself plus 1 for every
 * mapping of it. The share object lives until it has been destroyed and
 * its last peer has dropped it; since dropping unmaps, at that point the
 * count of every page is back to 1, and freeing the share frees them.
 * So no frame is freed while mapped, and none outlives every holder.
 */
#include "domain.h"
#include "frame.h"
#include "klib.h"
#include "memlayout.h"
#include "share.h"
#include "usercopy.h"

struct share shares[SV_MAX_SHARES];	/* (share.h's share_held reads it) */
static uint32_t generation[SV_MAX_SHARES];	/* bumped on each reuse of a slot */

/* The share with this id, if it exists (destroyed or not). A stale id
 * (its slot reused since) names nothing. */
static struct share *share_lookup(uint32_t id)
{
	if (id > INT32_MAX)
		return NULL;
	struct share *s = &shares[id % SV_MAX_SHARES];
	return s->used && (uint32_t)s->id == id ? s : NULL;
}

struct peer *share_peer_of(struct share *s, const struct domain *d)
{
	for (uint32_t p = 0; p < SV_SHARE_MAX_PEERS; p++)
		if (s->peers[p].used && s->peers[p].dom == d->id)
			return &s->peers[p];
	return NULL;
}

/* A peer's port is bound to its share in the domain's port table
 * (kernel/ports.c) from share_get to leave: each share d holds has
 * exactly its peer's port there, and no other port is bound to a share.
 * And a share's held mask has d's bit exactly while d is a peer. */
bool share_ports_consistent(const struct domain *d)
{
	uint32_t all = 0;
	for (uint32_t i = 0; i < SV_MAX_SHARES; i++) {
		const struct share *s = &shares[i];
		uint32_t ports = 0;
		for (uint32_t p = 0; p < SV_SHARE_MAX_PEERS; p++)
			if (s->used && s->peers[p].used && s->peers[p].dom == d->id)
				ports |= 1u << s->peers[p].port;
		if (s->used && !ports != !(s->held & (1u << d->id)))
			return false;	/* held says otherwise than the peers */
		if (s->used && ports != event_ports_bound(d->ports, PORT_SHARE, (uint32_t)s->id))
			return false;
		all |= ports;
	}
	return all == event_ports_bound(d->ports, PORT_SHARE, PORT_ANY_OBJECT);
}

static uint32_t shares_held_by(const struct domain *d)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < SV_MAX_SHARES; i++)
		for (uint32_t p = 0; p < SV_SHARE_MAX_PEERS; p++)
			n += shares[i].used && shares[i].peers[p].used &&
			     shares[i].peers[p].dom == d->id;
	return n;
}

static uint32_t npeers(const struct share *s)
{
	uint32_t n = 0;
	for (uint32_t p = 0; p < SV_SHARE_MAX_PEERS; p++)
		n += s->peers[p].used;
	return n;
}

/* Drop one reference on each page; free the pages that reach zero. */
static void put_pages(struct share *s)
{
	for (uint32_t i = 0; i < s->npages; i++)
		frame_put(s->first_pfn + i);
}

/* A destroyed share with no peer left is gone, and so are its pages. */
static void free_if_unused(struct share *s)
{
	if (!s->destroyed || npeers(s))
		return;
	put_pages(s);
	s->used = false;
}

int32_t share_create(struct domain *d, uint32_t npages)
{
	if (!d->privileged)
		return SV_EPERM;
	if (npages == 0 || npages > SV_SHARE_MAX_PAGES)
		return SV_EINVAL;
	uint32_t slot = 0;
	while (slot < SV_MAX_SHARES && shares[slot].used)
		slot++;
	if (slot == SV_MAX_SHARES)
		return SV_ENOSPC;
	uint32_t pfn = frame_alloc_contig(npages, DOMID_HYPERVISOR, FRAME_SHARE);
	if (pfn == FRAME_NONE)
		return SV_ENOMEM;
	for (uint32_t i = 0; i < npages; i++) {
		memset(P2V((pfn + i) << PAGE_SHIFT), 0, PAGE_SIZE);
		frame_get(pfn + i);	/* the share's own reference */
	}
	/* Ids stay positive: the generation wraps before the sign bit. */
	generation[slot] = (generation[slot] + 1) % (INT32_MAX / SV_MAX_SHARES);
	shares[slot] = (struct share){
		.used = true, .id = (sv_share_t)(slot + SV_MAX_SHARES * generation[slot]),
		.first_pfn = pfn, .npages = npages,
	};
	return shares[slot].id;
}

int32_t share_grant(struct domain *d, uint32_t id, uint32_t domid)
{
	if (!d->privileged)
		return SV_EPERM;
	if (domid == SV_DOMID_SELF)
		domid = d->id;
	struct share *s = share_lookup(id);
	struct domain *target = domain_get(domid);
	if (!s || s->destroyed || !target || !domain_alive(target))
		return SV_ENOENT;
	s->granted |= 1u << domid;
	return SV_OK;
}

int32_t share_destroy(struct domain *d, uint32_t id)
{
	if (!d->privileged)
		return SV_EPERM;
	struct share *s = share_lookup(id);
	if (!s || s->destroyed)
		return SV_ENOENT;
	s->destroyed = true;
	s->granted = 0;
	free_if_unused(s);
	return SV_OK;
}

int32_t share_get(struct domain *d, uint32_t id, uint32_t port)
{
	struct share *s = share_lookup(id);
	if (!s || s->destroyed)
		return SV_ENOENT;
	if (!(s->granted & (1u << d->id)))
		return SV_EPERM;
	if (share_held(d, id, NULL))
		return SV_EEXIST;
	if (port < SV_PORT_FIRST_FREE || port >= SV_NR_PORTS)
		return SV_EINVAL;
	if (!event_port_free(d->ports, port))
		return SV_EBUSY;
	if (shares_held_by(d) >= SV_MAX_HELD_SHARES)
		return SV_ENOSPC;
	for (uint32_t p = 0; p < SV_SHARE_MAX_PEERS; p++) {
		if (!s->peers[p].used) {	/* the lowest free peer id */
			s->peers[p] = (struct peer){ .used = true, .dom = d->id, .port = port };
			s->held |= 1u << d->id;
			event_bind(d->ports, port, PORT_SHARE, (uint32_t)s->id);
			return (int32_t)p;
		}
	}
	return SV_ENOSPC;
}

/* Remove peer p's mapping, giving back its reference on each page. */
static void unmap_peer(struct domain *d, struct share *s, struct peer *p)
{
	if (!p->map_va)
		return;
	for (uint32_t i = 0; i < s->npages; i++) {
		if (page_unmap(d->pgdir, p->map_va + i * PAGE_SIZE, NULL) != SV_OK)
			panic("unmap_peer: share %d page %u was not mapped", s->id, i);
		frame_put(s->first_pfn + i);	/* the share's own reference remains */
	}
	p->map_va = 0;
}

/* Peer p (domain d) leaves share s: everything it had on it goes, then
 * the others are woken through offset 0. */
static void leave(struct domain *d, struct share *s, struct peer *p)
{
	unmap_peer(d, s, p);
	watch_remove_all(d, s);
	sg_remove_all(d, s);
	p->used = false;
	s->held &= ~(1u << d->id);
	event_unbind(d->ports, p->port, PORT_SHARE, (uint32_t)s->id);
	watch_fire(s, 0);
	free_if_unused(s);
}

int32_t share_drop(struct domain *d, uint32_t id)
{
	struct peer *p;
	struct share *s = share_held(d, id, &p);
	if (!s)
		return SV_ENOENT;
	leave(d, s, p);
	return SV_OK;
}

void share_domain_dies(struct domain *d)
{
	for (uint32_t i = 0; i < SV_MAX_SHARES; i++) {
		struct share *s = &shares[i];
		struct peer *p;
		if (s->used && share_held(d, (uint32_t)s->id, &p))
			leave(d, s, p);
		s->granted &= ~(1u << d->id);
		/* Nobody but domain 0 can destroy a share: when it ends, so
		 * do its shares (freed as soon as their last peer leaves). */
		if (s->used && d->privileged && !s->destroyed) {
			s->destroyed = true;
			s->granted = 0;
			free_if_unused(s);
		}
	}
}

int32_t share_map(struct domain *d, uint32_t id, uint32_t va, uint32_t flags)
{
	struct peer *p;
	struct share *s = share_held(d, id, &p);
	if (!s)
		return SV_ENOENT;
	if ((flags & ~(uint32_t)SV_MAP_READONLY) || va % PAGE_SIZE)
		return SV_EINVAL;
	uint32_t bytes = s->npages * PAGE_SIZE;
	if (va < SV_GUEST_BASE || va >= SV_GUEST_LIMIT || bytes > SV_GUEST_LIMIT - va)
		return SV_EFAULT;
	if (p->map_va)
		return SV_EEXIST;
	for (uint32_t off = 0; off < bytes; off += PAGE_SIZE)
		if (page_lookup(d->pgdir, va + off))
			return SV_EEXIST;

	uint32_t pte_flags = PTE_U | (flags & SV_MAP_READONLY ? 0 : PTE_W);
	for (uint32_t i = 0; i < s->npages; i++) {
		int rc = page_map(d->pgdir, va + i * PAGE_SIZE,
				  (s->first_pfn + i) << PAGE_SHIFT, pte_flags);
		if (rc != SV_OK) {	/* out of frames for a page table: undo */
			while (i-- > 0) {
				page_unmap(d->pgdir, va + i * PAGE_SIZE, NULL);
				frame_put(s->first_pfn + i);
			}
			return rc;
		}
		frame_get(s->first_pfn + i);
	}
	p->map_va = va;
	return SV_OK;
}

int32_t share_unmap(struct domain *d, uint32_t id)
{
	struct peer *p;
	struct share *s = share_held(d, id, &p);
	if (!s || !p->map_va)
		return SV_ENOENT;
	unmap_peer(d, s, p);
	return SV_OK;
}

int32_t share_info(struct domain *d, uint32_t id, uint32_t status_va)
{
	struct peer *p;
	struct share *s = share_held(d, id, &p);
	if (!s)
		return SV_ENOENT;
	struct sv_share_status st = {
		.npages = s->npages, .peer_id = (uint32_t)(p - s->peers),
		.port = p->port, .mapped_at = p->map_va, .destroyed = s->destroyed,
	};
	for (uint32_t i = 0; i < SV_SHARE_MAX_PEERS; i++)
		st.peers |= (uint32_t)s->peers[i].used << i;
	return copy_to_guest(d->pgdir, status_va, &st, sizeof(st));
}
