/*
 * share.h: the share IPC inside the hypervisor (include/sharevisor.h,
 * section 7, is the guest's view). Three files:
 *
 *   share/share.c   shares and peers: create, grant, destroy, get, drop,
 *                   map, unmap, info; what happens when a domain dies
 *   share/watch.c   address watches: a hash table keyed by (share, offset)
 *   share/sg.c      scatter-gather lists and the frame-to-frame copy
 *
 * Every function here takes the calling domain and the raw hypercall
 * arguments, checks them, and returns SV_OK, a positive result, or an
 * SV_E* error.
 */
#ifndef SV_SHARE_H
#define SV_SHARE_H

#include <stdbool.h>
#include <stdint.h>
#include "domain.h"
#include "sharevisor.h"

/* One peer of a share: a domain that got it. */
struct peer {
	bool used;
	sv_domid_t dom;
	uint32_t port;		/* the domain's event port for this share */
	uint32_t map_va;	/* where it mapped the share, 0 if it has not */
};

struct share {
	bool used;
	bool destroyed;		/* no more grants or gets */
	sv_share_t id;		/* slot + SV_MAX_SHARES * generation */
	uint32_t first_pfn, npages;
	uint32_t granted;	/* bit d: domain d may get it */
	uint32_t held;		/* bit d: domain d is a peer (a quick share_held) */
	struct peer peers[SV_SHARE_MAX_PEERS];
};

/* share/share.c */
int32_t share_create(struct domain *d, uint32_t npages);
int32_t share_grant(struct domain *d, uint32_t id, uint32_t domid);
int32_t share_destroy(struct domain *d, uint32_t id);
int32_t share_get(struct domain *d, uint32_t id, uint32_t port);
int32_t share_drop(struct domain *d, uint32_t id);
int32_t share_map(struct domain *d, uint32_t id, uint32_t va, uint32_t flags);
int32_t share_unmap(struct domain *d, uint32_t id);
int32_t share_info(struct domain *d, uint32_t id, uint32_t status_va);
void share_domain_dies(struct domain *d);	/* drop everything it holds */
/* The share id names, if the caller holds it (and its peer entry), or
 * NULL. Inline: every share, watch and sg call starts here. */
extern struct share shares[SV_MAX_SHARES];
struct peer *share_peer_of(struct share *s, const struct domain *d);	/* d's entry */
static inline struct share *share_held(struct domain *d, uint32_t id, struct peer **self)
{
	struct share *s = &shares[id % SV_MAX_SHARES];
	if (id > INT32_MAX || !s->used || (uint32_t)s->id != id || !(s->held & (1u << d->id)))
		return NULL;	/* no such share (a stale id names nothing), or not d's */
	if (self)
		*self = share_peer_of(s, d);
	return s;
}
/* For the invariant checker: are the ports d's port table binds to
 * shares exactly those of its peers? */
bool share_ports_consistent(const struct domain *d);

/* share/watch.c */
int32_t watch_add(struct domain *d, uint32_t id, uint32_t offset, uint32_t counter_va);
int32_t watch_remove(struct domain *d, uint32_t id, uint32_t offset, uint32_t counter_va);
int32_t watch_trigger(struct domain *d, uint32_t id, uint32_t offset);
/* Fire every watch on (s, offset); returns how many. */
uint32_t watch_fire(struct share *s, uint32_t offset);
void watch_remove_all(const struct domain *d, const struct share *s);

/* share/sg.c */
int32_t sg_register(struct domain *d, uint32_t id, uint32_t dir, uint32_t list_va,
		    uint32_t count, uint32_t len_va);
int32_t sg_unregister(struct domain *d, uint32_t id, uint32_t handle);
int32_t sg_xfer(struct domain *d, uint32_t id, uint32_t dir, uint32_t peer_id,
		uint32_t list_va, uint32_t count);
void sg_remove_all(const struct domain *d, const struct share *s);
/* For the invariant checker: each registered list's remembered frames
 * are still its buffers' (share/sg.c). */
bool sg_lists_consistent(const struct domain *d);
/* For the invariant checker: each watch's watcher is still that peer of
 * its share (share/watch.c). */
bool watches_consistent(void);

#endif /* SV_SHARE_H */
