/*
 * watch.c: address watches (include/sharevisor.h, SV_OP_WATCH).
 *
 * A watch is (share, offset, watcher, counter address). Triggers look
 * them up by (share, offset), so watches live in a hash table on that
 * pair: bucket heads and "next" links are indices into one fixed pool,
 * sized for every domain's limit, so the hypervisor's memory for watches
 * is bounded whatever guests do.
 */
#include "domain.h"
#include "klib.h"
#include "memlayout.h"
#include "share.h"
#include "usercopy.h"

#define WATCH_POOL	(SV_MAX_DOMAINS * SV_MAX_WATCHES)
#define WATCH_BUCKETS	128
#define NIL		0	/* links are index + 1, so zeroed memory is empty */

struct watch {
	bool used;
	sv_domid_t dom;
	uint8_t peer;		/* the watcher's peer id on the share */
	sv_share_t share;
	uint32_t offset, counter_va;
	uint16_t next;		/* next in the bucket: index + 1, or NIL */
	/* The counter's frame, taken when unmap_epoch read epoch: a trigger
	 * uses it without a walk while no mapping has gone (mm/paging.h). */
	uint64_t epoch;
	uint32_t counter_frame;
};

static struct watch pool[WATCH_POOL];
static uint16_t buckets[WATCH_BUCKETS];		/* first: index + 1, or NIL */
static uint32_t count_of[SV_MAX_DOMAINS];	/* watches per domain */

static uint16_t *bucket(sv_share_t share, uint32_t offset)
{
	uint32_t h = ((uint32_t)share * 0x9E3779B1u) ^ (offset * 0x85EBCA6Bu);
	return &buckets[(h >> 16) % WATCH_BUCKETS];
}

static bool offset_ok(const struct share *s, uint32_t offset)
{
	return offset < s->npages * SV_PAGE_SIZE;
}

/* Unlink the watch at *link (a bucket head or a "next" field). */
static void unlink_at(uint16_t *link)
{
	struct watch *w = &pool[*link - 1];
	*link = w->next;
	count_of[w->dom]--;
	*w = (struct watch){ 0 };
}

/* The link that points at the watch (d, share, offset, counter), or NULL. */
static uint16_t *find(sv_domid_t dom, sv_share_t share, uint32_t offset, uint32_t counter_va)
{
	for (uint16_t *link = bucket(share, offset); *link; link = &pool[*link - 1].next) {
		const struct watch *w = &pool[*link - 1];
		if (w->dom == dom && w->share == share && w->offset == offset &&
		    w->counter_va == counter_va)
			return link;
	}
	return NULL;
}

int32_t watch_add(struct domain *d, uint32_t id, uint32_t offset, uint32_t counter_va)
{
	struct peer *p;
	uint32_t frame;
	struct share *s = share_held(d, id, &p);
	if (!s)
		return SV_ENOENT;
	if (!offset_ok(s, offset) || counter_va % 4)
		return SV_EINVAL;
	if (guest_range_frames(d->pgdir, counter_va, 4, true, &frame) != SV_OK)
		return SV_EFAULT;
	if (find(d->id, s->id, offset, counter_va))
		return SV_EEXIST;
	if (count_of[d->id] >= SV_MAX_WATCHES)
		return SV_ENOSPC;
	uint32_t i = 0;
	while (pool[i].used)	/* cannot run off: the per-domain limits bound it */
		i++;
	uint16_t *head = bucket(s->id, offset);
	pool[i] = (struct watch){ .used = true, .dom = d->id, .peer = (uint8_t)(p - s->peers),
				  .share = s->id, .offset = offset, .counter_va = counter_va,
				  .next = *head, .epoch = unmap_epoch, .counter_frame = frame };
	*head = (uint16_t)(i + 1);
	count_of[d->id]++;
	return SV_OK;
}

int32_t watch_remove(struct domain *d, uint32_t id, uint32_t offset, uint32_t counter_va)
{
	struct share *s = share_held(d, id, NULL);
	uint16_t *link = s ? find(d->id, s->id, offset, counter_va) : NULL;
	if (!link)
		return SV_ENOENT;
	unlink_at(link);
	return SV_OK;
}

uint32_t watch_fire(struct share *s, uint32_t offset)
{
	uint32_t fired = 0;
	uint16_t *link = bucket(s->id, offset);

	while (*link) {
		struct watch *w = &pool[*link - 1];
		if (w->share != s->id || w->offset != offset) {
			link = &w->next;
			continue;
		}
		/* A watch lives while its watcher is that peer of the share
		 * (leave removes it, and a dying domain leaves its shares);
		 * its counter's frame is good until a mapping goes, and then
		 * it is looked up again. */
		struct peer *p = &s->peers[w->peer];
		struct domain *watcher = &domains[w->dom];	/* alive, as a peer */
		if (w->epoch != unmap_epoch &&
		    guest_range_frames(watcher->pgdir, w->counter_va, 4, true,
				       &w->counter_frame) == SV_OK)
			w->epoch = unmap_epoch;
		if (w->epoch != unmap_epoch) {
			unlink_at(link);	/* the counter's page is gone: so is the watch */
			continue;
		}
		uint32_t *counter = (uint32_t *)P2V(w->counter_frame) +
				    (w->counter_va & (PAGE_SIZE - 1)) / 4;
		/* The guest is not running now (one CPU), so this is atomic
		 * for it; the atomic op says so to the reader too. */
		uint32_t v = __atomic_load_n(counter, __ATOMIC_SEQ_CST);
		if (v)
			__atomic_store_n(counter, --v, __ATOMIC_SEQ_CST);
		if (v == 0)
			event_raise(watcher, p->port);	/* the watcher's port for s */
		fired++;
		link = &w->next;
	}
	return fired;
}

/* For the invariant checker: every watch's watcher is, at the peer id it
 * remembers, a peer of the watch's share (watch_fire relies on it). */
bool watches_consistent(void)
{
	for (uint32_t i = 0; i < WATCH_POOL; i++) {
		const struct watch *w = &pool[i];
		if (!w->used)
			continue;
		const struct share *s = &shares[(uint32_t)w->share % SV_MAX_SHARES];
		if (!s->used || s->id != w->share || w->peer >= SV_SHARE_MAX_PEERS ||
		    !s->peers[w->peer].used || s->peers[w->peer].dom != w->dom ||
		    !domain_alive(&domains[w->dom]))
			return false;
	}
	return true;
}

int32_t watch_trigger(struct domain *d, uint32_t id, uint32_t offset)
{
	struct share *s = share_held(d, id, NULL);
	if (!s)
		return SV_ENOENT;
	if (!offset_ok(s, offset))
		return SV_EINVAL;
	return (int32_t)watch_fire(s, offset);
}

void watch_remove_all(const struct domain *d, const struct share *s)
{
	for (uint32_t b = 0; b < WATCH_BUCKETS; b++) {
		uint16_t *link = &buckets[b];
		while (*link) {
			const struct watch *w = &pool[*link - 1];
			if (w->dom == d->id && w->share == s->id)
				unlink_at(link);
			else
				link = &pool[*link - 1].next;
		}
	}
}
