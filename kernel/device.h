/*
 * device.h: passthrough devices owned by one domain at a time (VPIO),
 * include/sharevisor.h section 8. kernel/device.c keeps who owns each
 * device and who waits, bounds the owner's time when others wait, and
 * opens the device's I/O ports in the TSS bitmap (kernel/gdt.c) only
 * while its owner runs. docs/devices.md tells the story.
 */
#ifndef SV_DEVICE_H
#define SV_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct domain;

/* Boot: the first slice and grace period (from devslice=, devgrace=). */
void device_init(uint32_t slice_ms, uint32_t grace_ms);

/* The hypercalls (argument checks included). */
int32_t device_query(struct domain *d, uint32_t dev, uint32_t status_va);
int32_t device_grab(struct domain *d, uint32_t dev, uint32_t port, uint32_t flags);
int32_t device_release(struct domain *d, uint32_t dev);
int32_t device_config(struct domain *d, uint32_t dev, uint32_t slice_ms, uint32_t grace_ms);

/* The scheduler: at a deadline (release requests, revocations that are
 * due), and when the next one is (0: none); when it switches to d (load
 * d's I/O permissions); whether a device can still wake someone: an
 * interrupt or a deadline (for the deadlock check). */
void device_tick(uint64_t now_ns);
uint64_t device_next_deadline(void);
void device_load_ports(const struct domain *d);	/* on this CPU */
struct cpu;
void device_reload_ports(struct cpu *c);	/* c's, for its running domain (REQ_IO_RELOAD) */
extern uint32_t devices_owned;
static inline void device_switch_to(const struct domain *d)
{
	if (devices_owned)	/* else every port is closed already */
		device_load_ports(d);
}
bool device_can_wake(void);

/* A dying domain gives up what it owns and leaves every queue. */
void device_domain_dies(struct domain *d);
/* For the invariant checker: are the ports d's port table binds to
 * devices exactly those it owns or waits with? */
bool device_ports_consistent(const struct domain *d);
/* For a #GP on an in/out: what port is, from d's point of view, e.g.
 * "COM2, which it does not own". */
void device_describe_port(const struct domain *d, uint32_t port, char *buf, size_t size);
/* check=invariants: the I/O bitmap is open exactly for the running owner. */
const char *device_check_invariants(const struct domain *running);
/* At power-off: one line per device. */
void device_report(void);

#endif /* SV_DEVICE_H */
