/*
 * device.c: passthrough devices with time-sliced ownership (VPIO), as the
 * seed vpio-device-ownership.txt asks: query, grab, release, a "release
 * now" event when the owner's slice is over and others wait, and forced
 * revocation of an owner that ignores it. include/sharevisor.h section 8
 * is the contract; docs/devices.md tells the story.
 *
 * Isolation comes from the TSS I/O permission bitmap (kernel/gdt.c), not
 * from an IOMMU: a port-I/O device cannot reach memory, so the only way
 * to touch it is an in/out instruction, and the CPU checks every one
 * against the bitmap. We keep the device's ports closed, and open them
 * only while its owner is the running domain: device_switch_to() on
 * every domain switch, io_sync() on every change of owner.
 *
 * Everything here runs with interrupts off (hypercalls, the timer),
 * so no operation ever sees another half done: there is one owner or
 * none, always.
 */
#include "device.h"
#include "domain.h"
#include "klib.h"
#include "segment.h"
#include "trace.h"
#include "tsc.h"
#include "trap.h"
#include "usercopy.h"
#include "x86.h"

_Static_assert(SV_NR_DEVICES <= sizeof(((struct sv_shared_info *)0)->device) / sizeof(uint32_t),
	       "the shared-info page has a word per device");

#define MS		1000000ull	/* nanoseconds */

struct waiter {
	sv_domid_t dom;
	uint32_t port;		/* its event port for this device */
	uint64_t since_ns;	/* when it joined the queue */
};

struct device {
	const char *name;
	uint32_t io_base, io_count;
	int irq;
	bool (*probe)(void);		/* is it there? (at boot; NULL: always) */
	void (*quiesce)(void);		/* make the device quiet between owners */
	bool present;

	sv_domid_t owner;		/* SV_DOMID_NONE: idle */
	uint32_t owner_port;
	uint64_t slice_end_ns;		/* the owner's slice ends */
	uint64_t release_asked_ns;	/* when "release now" was sent */
	uint64_t release_by_ns;		/* 0, or: release requested, revoke then */
	struct waiter queue[SV_MAX_DOMAINS];	/* FIFO; a domain is in it once at most */
	uint32_t nwaiting;

	uint32_t slice_ms, grace_ms;	/* for the next grant */
	uint32_t open_on;		/* bit i: CPU i's I/O bitmap has its ports open */

	uint32_t grants, revoked, irqs_delivered, irqs_dropped;
	uint64_t max_wait_ns;		/* longest time from joining the queue to owning */
};

/* COM2: a 16550 UART. Between owners: DLAB off, no interrupt sources
 * (IER), and OUT2 off (MCR), which on a PC disconnects the UART from
 * its IRQ line. */
#define UART_IER	1
#define UART_LCR	3
#define UART_MCR	4
#define UART_LCR_8N1	0x03

static void com2_quiesce(void)
{
	outb(SV_COM2_IO_BASE + UART_LCR, UART_LCR_8N1);
	outb(SV_COM2_IO_BASE + UART_IER, 0);
	outb(SV_COM2_IO_BASE + UART_MCR, 0);
}

/* The NE2000 (a DP8390 with 16 or 32 KiB of packet memory behind a data
 * port). Between owners: stopped, remote DMA aborted, every interrupt
 * masked and acknowledged, so its line is low and nothing the last owner
 * started goes on. */
#define NE_CR		0x00	/* command: page select, start/stop, remote DMA */
#define NE_ISR		0x07	/* interrupt status (page 0): write 1s to clear */
#define NE_IMR		0x0F	/* interrupt mask (page 0, write) */
#define NE_RESET	0x1F	/* a read, then a write, resets the card */
#define NE_CR_STOP_NODMA 0x21	/* page 0, stop, abort remote DMA */
#define NE_ISR_RESET	0x80	/* the card is in reset (stopped) */

static bool ne2000_probe(void)
{
	uint16_t base = SV_NE2000_IO_BASE;
	if (inb(base + NE_CR) == 0xFF)		/* nothing answers: the bus floats */
		return false;
	outb(base + NE_RESET, inb(base + NE_RESET));
	for (uint32_t i = 0; i < 100000; i++)
		if (inb(base + NE_ISR) & NE_ISR_RESET)
			return true;
	return false;
}

static void ne2000_quiesce(void)
{
	uint16_t base = SV_NE2000_IO_BASE;
	outb(base + NE_CR, NE_CR_STOP_NODMA);
	outb(base + NE_IMR, 0);
	outb(base + NE_ISR, 0xFF);
}

static struct device devices[SV_NR_DEVICES] = {
	[SV_DEV_COM2] = {
		.name = "COM2", .io_base = SV_COM2_IO_BASE, .io_count = SV_COM2_IO_COUNT,
		.irq = SV_COM2_IRQ, .quiesce = com2_quiesce, .owner = SV_DOMID_NONE,
	},
	[SV_DEV_NE2000] = {
		.name = "NE2000", .io_base = SV_NE2000_IO_BASE, .io_count = SV_NE2000_IO_COUNT,
		.irq = SV_NE2000_IRQ, .probe = ne2000_probe, .quiesce = ne2000_quiesce,
		.owner = SV_DOMID_NONE,
	},
};

/* COM1 is the hypervisor's console (kernel/serial.c), never a guest's. */
#define COM1_IO_BASE	0x3F8
#define COM1_IO_COUNT	8

/* Device dev, if this machine has it. */
static struct device *device_get(uint32_t dev)
{
	return dev < SV_NR_DEVICES && devices[dev].present ? &devices[dev] : NULL;
}

static void set_flags(uint32_t dev, sv_domid_t dom, uint32_t flags)
{
	struct domain *d = domain_get(dom);
	if (d && domain_alive(d))
		d->shared->device[dev] = flags;
}

static void trace_device(const struct device *v, const char *what, sv_domid_t dom)
{
	if (debug_flags & DEBUG_TRACE) {
		const struct domain *d = domain_get(dom);
		printk("trace: dev %s %s dom=%u %s\n", v->name, what, dom, d ? d->name : "?");
	}
}

/* Open each device's ports in CPU c's bitmap if and only if its owner is
 * domain dom (the domain c is about to run, or runs; SV_DOMID_NONE for
 * none). The bitmap is rewritten only when that changes: a switch between
 * domains that own nothing costs a compare per device. */
static bool io_stale(const struct device *v, const struct cpu *c, sv_domid_t dom)
{
	bool open = v->owner != SV_DOMID_NONE && v->owner == dom;
	return open != ((v->open_on >> c->index) & 1);
}

static void io_load_for(struct cpu *c, sv_domid_t dom)
{
	for (uint32_t i = 0; i < SV_NR_DEVICES; i++) {
		struct device *v = &devices[i];
		if (io_stale(v, c, dom)) {
			tss_io_ports(c, v->io_base, v->io_count, !((v->open_on >> c->index) & 1));
			v->open_on ^= 1u << c->index;
		}
	}
}

static sv_domid_t running_on(const struct cpu *c)
{
	return c->running && domain_alive(c->running) ? c->running->id : SV_DOMID_NONE;
}

/* An owner changed: every CPU's bitmap to what its domain may use. Ours
 * at once; another CPU's by a request it serves before its guest runs
 * another instruction (kernel/smp.c): a revoked owner running there
 * cannot do one more out. */
static void io_sync(void)
{
	struct cpu *me = this_cpu();
	io_load_for(me, running_on(me));
	for (uint32_t i = 0; i < ncpus; i++) {
		struct cpu *c = &cpus[i];
		if (c == me)
			continue;
		for (uint32_t k = 0; k < SV_NR_DEVICES; k++) {
			if (io_stale(&devices[k], c, running_on(c))) {
				smp_request(c, REQ_IO_RELOAD);
				break;
			}
		}
	}
}

void device_reload_ports(struct cpu *c)
{
	io_load_for(c, running_on(c));
}

/* How many devices have an owner: while none has, every port is closed
 * and a switch has nothing to load (device.h's device_switch_to). */
uint32_t devices_owned;

void device_load_ports(const struct domain *d)
{
	io_load_for(this_cpu(), d->id);
}

/* When v must be looked at again by the timer (device_tick): the end of
 * the grace period after a release request, else the end of the owner's
 * slice if someone waits; 0 for never. */
static uint64_t deadline_of(const struct device *v)
{
	if (v->owner == SV_DOMID_NONE)
		return 0;
	if (v->release_by_ns)
		return v->release_by_ns;
	return v->nwaiting ? v->slice_end_ns : 0;
}

uint64_t device_next_deadline(void)
{
	uint64_t next = 0;
	for (uint32_t i = 0; i < SV_NR_DEVICES; i++) {
		uint64_t at = deadline_of(&devices[i]);
		if (at && (!next || at < next))
			next = at;
	}
	return next;
}

/* Give v to dom now: its ports open when it runs, its slice begins. */
static void grant(struct device *v, sv_domid_t dom, uint32_t port, uint64_t now)
{
	uint32_t dev = (uint32_t)(v - devices);
	v->owner = dom;
	devices_owned++;
	v->owner_port = port;
	v->slice_end_ns = now + v->slice_ms * MS;
	v->release_by_ns = 0;
	v->grants++;
	set_flags(dev, dom, SV_DEVF_OWNER);
	trace_device(v, "grant", dom);
	io_sync();
	sched_deadline(deadline_of(v));	/* its slice's end, if someone waits */
}

/* Owner o lets go of v (releases, dies, is revoked): its port is free. */
static void drop_owner(struct device *v, struct domain *o)
{
	event_unbind(o->ports, v->owner_port, PORT_DEVICE, (uint32_t)(v - devices));
	v->owner = SV_DOMID_NONE;
	devices_owned--;
}

/* The owner is gone (drop_owner): reset the device and give it to the
 * first waiter, who is told through its port (which stays bound: it was
 * the waiter's, it is the owner's now). */
static void pass_on(struct device *v)
{
	uint64_t now = tsc_now_ns();

	io_sync();		/* closed at once, whoever runs */
	v->quiesce();
	if (v->nwaiting == 0)
		return;
	struct waiter w = v->queue[0];
	v->nwaiting--;
	memmove(&v->queue[0], &v->queue[1], v->nwaiting * sizeof(v->queue[0]));
	if (now - w.since_ns > v->max_wait_ns)
		v->max_wait_ns = now - w.since_ns;
	grant(v, w.dom, w.port, now);
	event_raise(domain_get(w.dom), w.port);
}

static int find_waiter(const struct device *v, sv_domid_t dom)
{
	for (uint32_t i = 0; i < v->nwaiting; i++)
		if (v->queue[i].dom == dom)
			return (int)i;
	return -1;
}

/* Waiter i (domain w) leaves v's queue: its port is free. */
static void remove_waiter(struct device *v, uint32_t i, struct domain *w)
{
	event_unbind(w->ports, v->queue[i].port, PORT_DEVICE, (uint32_t)(v - devices));
	v->nwaiting--;
	memmove(&v->queue[i], &v->queue[i + 1], (v->nwaiting - i) * sizeof(v->queue[0]));
}

/* The owner's slice is over and someone waits: "release now". */
static void request_release(struct device *v, uint64_t now)
{
	v->release_asked_ns = now;
	v->release_by_ns = now + v->grace_ms * MS;
	set_flags((uint32_t)(v - devices), v->owner, SV_DEVF_OWNER | SV_DEVF_RELEASE);
	trace_device(v, "release-request", v->owner);
	event_raise(domain_get(v->owner), v->owner_port);
	sched_deadline(v->release_by_ns);
}

/* The owner ignored the request: close its ports, kill it, pass on. */
static void revoke(struct device *v, uint64_t now)
{
	struct domain *o = domain_get(v->owner);
	uint64_t late_ms = (now - v->release_asked_ns) / MS;
	uint64_t grace_ms = (v->release_by_ns - v->release_asked_ns) / MS;

	drop_owner(v, o);
	v->revoked++;
	trace_device(v, "revoke", o->id);
	/* Load the bitmap this domain would run with, and read it back: the
	 * kill line reports what the hardware will do, not what we meant. */
	io_load_for(this_cpu(), o->id);
	bool closed = true;
	for (uint32_t p = v->io_base; p < v->io_base + v->io_count; p++)
		closed &= !tss_io_port_open(this_cpu(), p);
	io_sync();

	char why[160];
	snprintf(why, sizeof(why), "kept %s %llu ms after its release request (grace %llu ms); "
		 "its ports %#x-%#x are %s", v->name, (unsigned long long)late_ms,
		 (unsigned long long)grace_ms,
		 v->io_base, v->io_base + v->io_count - 1,
		 closed ? "closed: an in/out there now faults" : "STILL OPEN (a bug)");
	char fate[40];
	snprintf(fate, sizeof(fate), "%s revoked", v->name);
	domain_kill(o, NULL, why, fate);
	pass_on(v);
	printk("device: %s passed on after revocation, to %s\n", v->name,
	       v->owner == SV_DOMID_NONE ? "nobody (idle)" : domain_get(v->owner)->name);
}

/* Release requests and revocations that are due. */
static void check_deadlines(struct device *v, uint64_t now)
{
	uint64_t at = deadline_of(v);
	if (!at || now < at)
		return;
	if (v->release_by_ns)
		revoke(v, now);		/* the grace period is over */
	else
		request_release(v, now);	/* the slice is over, and someone waits */
}

void device_tick(uint64_t now)
{
	for (uint32_t i = 0; i < SV_NR_DEVICES; i++)
		check_deadlines(&devices[i], now);
}

/* An owned device can raise an event on its own: its interrupt, or the
 * end of the slice or grace period when someone waits. */
bool device_can_wake(void)
{
	for (uint32_t i = 0; i < SV_NR_DEVICES; i++)
		if (devices[i].owner != SV_DOMID_NONE)
			return true;
	return false;
}

/* The device's interrupt: an event for the owner, for nobody else. */
static void device_interrupt(struct trapframe *tf)
{
	for (uint32_t i = 0; i < SV_NR_DEVICES; i++) {
		struct device *v = &devices[i];
		if (v->irq != (int)tf->trapno - T_IRQ0)
			continue;
		if (v->owner == SV_DOMID_NONE) {
			v->irqs_dropped++;
			continue;
		}
		v->irqs_delivered++;
		event_raise(domain_get(v->owner), v->owner_port);
	}
}

void device_init(uint32_t slice_ms, uint32_t grace_ms)
{
	for (uint32_t i = 0; i < SV_NR_DEVICES; i++) {
		struct device *v = &devices[i];
		v->slice_ms = slice_ms;
		v->grace_ms = grace_ms;
		v->present = !v->probe || v->probe();
		if (!v->present) {
			printk("device %u: %s, ports %#x-%#x, IRQ %d: not on this machine\n", i,
			       v->name, v->io_base, v->io_base + v->io_count - 1, v->irq);
			continue;
		}
		v->quiesce();
		irq_register(v->irq, device_interrupt);
		printk("device %u: %s, ports %#x-%#x, IRQ %d; slice %u ms, grace %u ms\n", i,
		       v->name, v->io_base, v->io_base + v->io_count - 1, v->irq, slice_ms,
		       grace_ms);
	}
}

/* d's SV_DEVF_* bits, from our own state (the shared-info word is the
 * guest's to scribble on: we write it, but never read it back). */
static uint32_t standing(const struct device *v, const struct domain *d)
{
	if (v->owner == d->id)
		return SV_DEVF_OWNER | (v->release_by_ns ? SV_DEVF_RELEASE : 0);
	return find_waiter(v, d->id) >= 0 ? SV_DEVF_WAITING : 0;
}

/* ---- the hypercalls */

int32_t device_query(struct domain *d, uint32_t dev, uint32_t status_va)
{
	const struct device *v = device_get(dev);
	if (!v)
		return SV_ENOENT;
	int32_t state = v->owner == SV_DOMID_NONE ? SV_DEVICE_IDLE : SV_DEVICE_BUSY;
	if (status_va) {
		struct sv_device_status st = {
			.state = (uint32_t)state, .owner = v->owner, .waiters = v->nwaiting,
			.flags = standing(v, d), .io_base = v->io_base,
			.io_count = v->io_count, .irq = (uint32_t)v->irq,
			.slice_ms = v->slice_ms, .grace_ms = v->grace_ms,
			.slice_end_ns = state == SV_DEVICE_BUSY ? v->slice_end_ns : 0,
			.release_by_ns = state == SV_DEVICE_BUSY ? v->release_by_ns : 0,
		};
		int rc = copy_to_guest(d->pgdir, status_va, &st, sizeof(st));
		if (rc != SV_OK)
			return rc;
	}
	return state;
}

int32_t device_grab(struct domain *d, uint32_t dev, uint32_t port, uint32_t flags)
{
	struct device *v = device_get(dev);
	uint64_t now = tsc_now_ns();

	if (!v)
		return SV_ENOENT;
	if (flags & ~SV_GRAB_WAIT)
		return SV_EINVAL;
	if (v->owner == d->id || find_waiter(v, d->id) >= 0)
		return SV_EEXIST;
	if (!event_port_free(d->ports, port))
		return SV_EINVAL;
	if (v->owner == SV_DOMID_NONE) {
		event_bind(d->ports, port, PORT_DEVICE, dev);
		grant(v, d->id, port, now);
		return SV_GRAB_OWNED;
	}
	if (!(flags & SV_GRAB_WAIT))
		return SV_EBUSY;
	event_bind(d->ports, port, PORT_DEVICE, dev);
	v->queue[v->nwaiting++] = (struct waiter){ .dom = d->id, .port = port, .since_ns = now };
	d->shared->device[dev] = SV_DEVF_WAITING;
	trace_device(v, "wait", d->id);
	check_deadlines(v, now);	/* a slice already over ends now */
	sched_deadline(deadline_of(v));	/* else the timer ends it */
	return SV_GRAB_QUEUED;
}

int32_t device_release(struct domain *d, uint32_t dev)
{
	struct device *v = device_get(dev);
	if (!v)
		return SV_ENOENT;
	int i = find_waiter(v, d->id);
	if (v->owner != d->id && i < 0)
		return SV_EPERM;
	d->shared->device[dev] = 0;
	trace_device(v, "release", d->id);
	if (v->owner == d->id) {
		drop_owner(v, d);
		pass_on(v);
	} else {
		remove_waiter(v, (uint32_t)i, d);
	}
	return SV_OK;
}

int32_t device_config(struct domain *d, uint32_t dev, uint32_t slice_ms, uint32_t grace_ms)
{
	struct device *v = device_get(dev);
	if (!d->privileged)
		return SV_EPERM;
	if (!v)
		return SV_ENOENT;
	if (slice_ms < SV_DEV_MS_MIN || slice_ms > SV_DEV_SLICE_MAX_MS ||
	    grace_ms < SV_DEV_MS_MIN || grace_ms > SV_DEV_GRACE_MAX_MS)
		return SV_ERANGE;
	v->slice_ms = slice_ms;
	v->grace_ms = grace_ms;
	return SV_OK;
}

/* ---- the rest of the hypervisor asks */

void device_domain_dies(struct domain *d)
{
	for (uint32_t i = 0; i < SV_NR_DEVICES; i++) {
		struct device *v = &devices[i];
		int w = find_waiter(v, d->id);
		if (w >= 0)
			remove_waiter(v, (uint32_t)w, d);
		if (v->owner == d->id) {
			drop_owner(v, d);
			pass_on(v);
		}
	}
}

/* An owner's or waiter's port is bound to the device in its port table
 * (kernel/ports.c) from device_grab until it lets go. */
bool device_ports_consistent(const struct domain *d)
{
	uint32_t all = 0;
	for (uint32_t i = 0; i < SV_NR_DEVICES; i++) {
		const struct device *v = &devices[i];
		uint32_t ports = 0;
		if (v->owner == d->id)
			ports |= 1u << v->owner_port;
		int w = find_waiter(v, d->id);
		if (w >= 0)
			ports |= 1u << v->queue[w].port;
		if (ports != event_ports_bound(d->ports, PORT_DEVICE, i))
			return false;
		all |= ports;
	}
	return all == event_ports_bound(d->ports, PORT_DEVICE, PORT_ANY_OBJECT);
}

void device_describe_port(const struct domain *d, uint32_t port, char *buf, size_t size)
{
	if (port >= COM1_IO_BASE && port < COM1_IO_BASE + COM1_IO_COUNT) {
		snprintf(buf, size, "COM1, the hypervisor's console");
		return;
	}
	for (uint32_t i = 0; i < SV_NR_DEVICES; i++) {
		const struct device *v = &devices[i];
		if (v->present && port >= v->io_base && port < v->io_base + v->io_count) {
			snprintf(buf, size, "%s, which it does not own%s", v->name,
				 v->owner == d->id ? " (yet it does: a bug)" : "");
			return;
		}
	}
	snprintf(buf, size, "no passthrough device");
}

const char *device_check_invariants(const struct domain *running)
{
	uint32_t owned = 0;
	for (uint32_t i = 0; i < SV_NR_DEVICES; i++) {
		const struct device *v = &devices[i];
		bool should = running && v->owner == running->id;
		owned += v->owner != SV_DOMID_NONE;
		for (uint32_t p = v->io_base; p < v->io_base + v->io_count; p++)
			if (tss_io_port_open(this_cpu(), p) != should)
				return should ? "the owner's ports are closed" :
						"a device's ports are open to a domain that does not own it";
		if (v->owner != SV_DOMID_NONE && find_waiter(v, v->owner) >= 0)
			return "a device's owner is also in its queue";
	}
	if (owned != devices_owned)
		return "devices_owned is not the number of devices with an owner";
	for (uint32_t p = COM1_IO_BASE; p < COM1_IO_BASE + COM1_IO_COUNT; p++)
		if (tss_io_port_open(this_cpu(), p))
			return "COM1 is open to a guest";
	return NULL;
}

void device_report(void)
{
	for (uint32_t i = 0; i < SV_NR_DEVICES; i++) {
		const struct device *v = &devices[i];
		if (!v->present)
			continue;
		printk("device: %s: %u grants, %u revoked, %u interrupts to owners, %u dropped, "
		       "max wait %llu ms\n", v->name, v->grants, v->revoked, v->irqs_delivered,
		       v->irqs_dropped, (unsigned long long)(v->max_wait_ns / MS));
	}
}
