/*
 * domain.c: the domain table, and how domains end.
 *
 * A domain ends by SV_OP_EXIT or by a fault it did not handle. Either
 * way its frames go back to the free pool at once, its page directory is
 * destroyed, domain 0 is told (SV_PORT_DOMAIN_EXIT), and only the slot
 * with its name and status stays, for the report at power-off.
 */
#include "device.h"
#include "domain.h"
#include "frame.h"
#include "invariants.h"
#include "klib.h"
#include "lock.h"
#include "memlayout.h"
#include "panic.h"
#include "share.h"
#include "x86.h"

struct domain domains[SV_MAX_DOMAINS];

struct domain *domain_alloc(uint32_t id)
{
	if (id >= SV_MAX_DOMAINS || domains[id].state != DOM_UNUSED)
		return NULL;
	struct domain *d = &domains[id];
	memset(d, 0, sizeof(*d));
	d->id = (sv_domid_t)id;
	return d;
}

int domains_alive(void)
{
	int n = 0;
	for (int i = 0; i < SV_MAX_DOMAINS; i++)
		n += domain_alive(&domains[i]);
	return n;
}

/* A frame the domain had mapped: free it if the domain owns it. */
static void release_frame(uint32_t pa, void *arg)
{
	const struct domain *d = arg;
	struct frame *f = frame_info(pa >> PAGE_SHIFT);
	if (f && f->type == FRAME_GUEST && f->owner == d->id)
		frame_free(pa >> PAGE_SHIFT);
}

void domain_release_memory(struct domain *d)
{
	if (!d->pgdir)
		return;
	if (read_cr3() == V2P(d->pgdir))
		pgdir_switch(kernel_pgdir);
	pgdir_unmap_all(d->pgdir, release_frame, d);
	pgdir_destroy(d->pgdir);
	d->pgdir = NULL;
	d->start_info = NULL;
	d->shared = NULL;
	d->pages = 0;
}

/* Common end of a domain: memory back, domain 0 told. */
static void domain_end(struct domain *d, enum domain_state how, int32_t status)
{
	console_flush_domain(d);
	/* Running on another CPU: it stops using d's page directory and TLB
	 * before anything of d's goes. It is in d's ring 3, or spinning for
	 * the lock in one of d's traps; it serves the request either way,
	 * and when it gets the lock it finds d dead and chooses again. */
	struct cpu *elsewhere = smp_on && (on_cpu_mask & 1u << d->id) && d->cpu != this_cpu()
				? d->cpu : NULL;
	domain_set_state(d, how);
	if (elsewhere)
		smp_request(elsewhere, REQ_LEAVE);
	share_domain_dies(d);	/* unmaps, drops, wakes the peers at offset 0 */
	device_domain_dies(d);	/* what it owns passes on; it leaves every queue */
	fpu_domain_dies(d);	/* its FPU state is wiped */
	d->exit_status = status;
	domain_release_memory(d);
	if (debug_flags & DEBUG_INVARIANTS)
		invariants_check("a domain's end");
	struct domain *dom0 = domain_get(0);
	if (dom0 && dom0 != d && domain_alive(dom0))
		event_raise(dom0, SV_PORT_DOMAIN_EXIT);
}

void domain_exit(struct domain *d, int32_t status)
{
	printk("domain %u (%s) exited with status %d\n", d->id, d->name, status);
	domain_end(d, DOM_EXITED, status);
}

void domain_kill(struct domain *d, const struct trapframe *tf, const char *why,
		 const char *fate)
{
	printk("domain %u (%s) killed: %s\n", d->id, d->name, why);
	if (tf)
		print_trapframe(tf);
	snprintf(d->fate, sizeof(d->fate), "%s", fate);
	domain_end(d, DOM_KILLED, tf ? (int32_t)tf->trapno : -1);
}

bool domains_report(void)
{
	bool all_ok = true;
	printk("domains:\n");
	for (int i = 0; i < SV_MAX_DOMAINS; i++) {
		struct domain *d = &domains[i];
		if (d->state == DOM_EXITED) {
			printk("  %2u %-15s exited with status %d\n", d->id, d->name, d->exit_status);
			all_ok &= d->exit_status == 0;
		} else if (d->state == DOM_KILLED) {
			printk("  %2u %-15s killed (%s)\n", d->id, d->name, d->fate);
			all_ok = false;
		}
	}
	return all_ok;
}
