/*
 * event.c: event ports and upcalls (include/sharevisor.h, sections 4-5).
 *
 * Raising an event sets a bit in the domain's shared-info page. Delivery
 * happens on the way back into the domain (sched_return_to_guest): if it
 * has a callback, upcalls are not masked and an unmasked port is pending,
 * the interrupted registers go onto the guest stack as a struct
 * sv_upcall_frame and the guest continues at its callback, like a signal
 * handler. SV_OP_EVENT_RETURN brings the registers back. Because every
 * return to the guest checks again, an event that arrives while masked
 * stays pending and is delivered as soon as it is unmasked.
 */
#include "domain.h"
#include "klib.h"
#include "lock.h"
#include "memlayout.h"
#include "profile.h"
#include "trace.h"
#include "usercopy.h"

/* The eflags bits a guest may set through its upcall frame: the
 * arithmetic flags and the direction flag. Never IF, IOPL, TF or VM. */
#define EFLAGS_GUEST 0x00000CD5u
#define EFLAGS_DF 0x00000400u	/* direction flag */

void event_raise(struct domain *d, uint32_t port)
{
	if (!domain_alive(d) || port >= SV_NR_PORTS)
		return;
	__atomic_fetch_or(&d->shared->event_pending, 1u << port, __ATOMIC_SEQ_CST);
	if (debug_flags & DEBUG_TRACE)
		trace_raise(d, port);
	if (event_ready(d)) {
		sched_wake(d);
		/* Running on another CPU: make it look now, not at its next
		 * trap (Xen's event-channel notification). */
		if (smp_on && (on_cpu_mask & 1u << d->id) && d->cpu != this_cpu())
			smp_kick(d->cpu);
	}
}

bool event_deliver(struct domain *d, struct trapframe *tf)
{
	if (!d->callback || d->shared->upcall_mask || !event_ready(d))
		return true;

	PROFILE_STAGE(PROF_DELIVER);
	/* The frame goes below the guest's esp: written where it lands when
	 * that is within one page (nearly always), else built here and
	 * copied. */
	struct sv_upcall_frame built, *f = &built;
	uint32_t sp = tf->esp - sizeof(*f);
	bool fits = tf->esp >= sizeof(*f);
	if (fits && (sp & (PAGE_SIZE - 1)) <= PAGE_SIZE - sizeof(*f)) {
		/* The page of the last upcall, remembered with the epoch as
		 * sg lists and watches remember theirs (mm/paging.h): a
		 * guest takes its upcalls on the same stack page again and
		 * again, and the walk is needed only if a mapping went. */
		uint32_t page = sp & ~(PAGE_SIZE - 1);
		if (page == d->upcall_page && d->upcall_epoch == unmap_epoch) {
			f = (struct sv_upcall_frame *)(d->upcall_view + (sp & (PAGE_SIZE - 1)));
		} else {
			struct sv_upcall_frame *there = guest_ptr(d->pgdir, sp, true);
			if (there) {
				f = there;
				d->upcall_page = page;
				d->upcall_view = (uintptr_t)there & ~(uintptr_t)(PAGE_SIZE - 1);
				d->upcall_epoch = unmap_epoch;
			}
		}
	}
	if (fits) {
		/* Field by field: GCC builds a compound literal on the stack first. */
		f->eax = tf->eax;
		f->ecx = tf->ecx;
		f->edx = tf->edx;
		f->ebx = tf->ebx;
		f->esp = tf->esp;
		f->ebp = tf->ebp;
		f->esi = tf->esi;
		f->edi = tf->edi;
		f->eip = tf->eip;
		f->eflags = tf->eflags;
		if (f == &built)
			fits = copy_to_guest(d->pgdir, sp, f, sizeof(*f)) == SV_OK;
	}
	if (!fits) {
		domain_kill(d, tf, "no room on its stack for an event upcall",
			    "bad stack for an upcall");
		return false;
	}
	d->shared->upcall_mask = 1;
	if (debug_flags & DEBUG_TRACE)
		trace_upcall(d, d->shared->event_pending);
	tf->esp = sp;
	tf->eip = d->callback;
	tf->eflags &= ~EFLAGS_DF;	/* the callback is C code; the frame keeps DF */
	PROFILE_STAGE(PROF_RETURN);
	return true;
}

int32_t event_return(struct domain *d, struct trapframe *tf, uint32_t frame_va)
{
	struct sv_upcall_frame f;

	if (copy_from_guest(d->pgdir, &f, frame_va, sizeof(f)) != SV_OK) {
		domain_kill(d, tf, "SV_OP_EVENT_RETURN with an unreadable frame",
			    "bad upcall frame");
		return SV_EFAULT;
	}
	tf->ecx = f.ecx;
	tf->edx = f.edx;
	tf->ebx = f.ebx;
	tf->esp = f.esp;
	tf->ebp = f.ebp;
	tf->esi = f.esi;
	tf->edi = f.edi;
	tf->eip = f.eip;
	tf->eflags = (tf->eflags & ~EFLAGS_GUEST) | (f.eflags & EFLAGS_GUEST);
	d->shared->upcall_mask = 0;
	return (int32_t)f.eax;	/* becomes eax: the interrupted value */
}
