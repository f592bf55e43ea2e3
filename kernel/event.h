/*
 * event.h: event ports (include/sharevisor.h, sections 4 and 5).
 *
 * Each domain has SV_NR_PORTS ports. Raising one sets its pending bit in
 * the domain's shared-info page; delivering it is an upcall on the way
 * back into the domain (kernel/event.c). What a port is bound to, one
 * table per domain, is kept here too (kernel/ports.c): port 0 is the
 * timer's, port 1 tells domain 0 of a domain's end, and the others are
 * free until a share (share/share.c, SV_OP_SHARE_GET) or a device
 * (kernel/device.c, SV_OP_DEVICE_GRAB) binds one. Neither of those asks
 * the other which ports it uses: both ask this table.
 */
#ifndef SV_EVENT_H
#define SV_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include "sharevisor.h"

enum port_use {
	PORT_FREE = 0,		/* bound to nothing (SV_OP_EVENT_SEND may still raise it) */
	PORT_TIMER,		/* port 0: the one-shot timer */
	PORT_DOMAIN_EXIT,	/* port 1: a domain ended (domain 0's; reserved in the others) */
	PORT_SHARE,		/* the share this domain holds whose events it raises */
	PORT_DEVICE,		/* a device this domain owns or waits for */
};

struct port_binding {
	uint32_t use;		/* enum port_use */
	uint32_t object;	/* PORT_SHARE: the share's id; PORT_DEVICE: the device's */
};

#define PORT_ANY_OBJECT	0xFFFFFFFFu	/* for event_ports_bound: whatever the object */

struct domain;
struct trapframe;

/* kernel/event.c */
void event_raise(struct domain *d, uint32_t port);
/* event_ready(d), an unmasked port is pending: inline in domain.h,
 * which has struct domain (the return to a guest asks it every time). */
bool event_deliver(struct domain *d, struct trapframe *tf);
int32_t event_return(struct domain *d, struct trapframe *tf, uint32_t frame_va);

/* kernel/ports.c. Each takes the domain's table, d->ports. */
/* A new domain's table: port 0 the timer's, port 1 the domain-exit port,
 * the rest free. */
void event_ports_init(struct port_binding *ports);
/* Bit p set: port p is bound to (use, object); object may be
 * PORT_ANY_OBJECT. For the invariant checks of share/ and device.c. */
uint32_t event_ports_bound(const struct port_binding *ports, enum port_use use, uint32_t object);
/* A bind or unbind of a port not in the state it expects: a hypervisor
 * bug. Panics. */
void event_port_broken(const char *what, uint32_t port, enum port_use use, uint32_t object)
	__attribute__((noreturn));

/* May a share or a device bind port? It must be free and at least
 * SV_PORT_FIRST_FREE. (These three are on the hypercall paths of
 * SV_OP_SHARE_GET and SV_OP_DEVICE_GRAB, hence inline.) */
static inline bool event_port_free(const struct port_binding *ports, uint32_t port)
{
	return port >= SV_PORT_FIRST_FREE && port < SV_NR_PORTS && ports[port].use == PORT_FREE;
}

/* Bind a free port to (use, object). */
static inline void event_bind(struct port_binding *ports, uint32_t port, enum port_use use,
			      uint32_t object)
{
	if (!event_port_free(ports, port))
		event_port_broken("bind a port that is not free", port, use, object);
	ports[port] = (struct port_binding){ .use = use, .object = object };
}

/* Give back a port bound to (use, object). */
static inline void event_unbind(struct port_binding *ports, uint32_t port, enum port_use use,
				uint32_t object)
{
	if (port >= SV_NR_PORTS || ports[port].use != use || ports[port].object != object)
		event_port_broken("unbind a port bound to something else", port, use, object);
	ports[port] = (struct port_binding){ .use = PORT_FREE, .object = 0 };
}

#endif /* SV_EVENT_H */
