/*
 * ports.c: what each of a domain's event ports is bound to (event.h).
 *
 * One table per domain, d->ports: a share (share/share.c) and a device
 * (kernel/device.c) each bind the port a guest names when it joins or
 * grabs (event_bind), and unbind it when it leaves or lets go
 * (event_unbind), so a port is never bound twice and neither subsystem
 * needs to ask the other. The invariant checker compares the table with
 * what the shares and devices themselves record (share_ports_consistent,
 * device_ports_consistent).
 */
#include "event.h"
#include "klib.h"

void event_ports_init(struct port_binding *ports)
{
	memset(ports, 0, SV_NR_PORTS * sizeof(*ports));
	ports[SV_PORT_TIMER].use = PORT_TIMER;
	ports[SV_PORT_DOMAIN_EXIT].use = PORT_DOMAIN_EXIT;
}

uint32_t event_ports_bound(const struct port_binding *ports, enum port_use use, uint32_t object)
{
	uint32_t mask = 0;
	for (uint32_t p = 0; p < SV_NR_PORTS; p++)
		if (ports[p].use == use && (object == PORT_ANY_OBJECT || ports[p].object == object))
			mask |= 1u << p;
	return mask;
}

void event_port_broken(const char *what, uint32_t port, enum port_use use, uint32_t object)
{
	panic("event ports: %s: port %u, for use %u object %u", what, port, use, object);
}
