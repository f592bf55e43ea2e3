/*
 * sharevisor.h: the public interface of the Sharevisor hypervisor.
 *
 * The hypervisor and every guest compile against this one header. It uses
 * fixed-width types only, so it means the same thing to any compiler, and
 * it is the specification: each operation below says what it does, who
 * may call it, each argument, and every error it returns.
 *
 * Contents:
 *   1. error codes
 *   2. the guest's address space (fixed addresses)
 *   3. the start-info page (written by the hypervisor, read-only to the guest)
 *   4. the shared-info page (events and time, shared read-write)
 *   5. events and the upcall frame
 *   6. hypercalls: the calling convention and every operation
 */
#ifndef SHAREVISOR_H
#define SHAREVISOR_H

#include <stdint.h>

#define SV_ABI_VERSION	1

/* ------------------------------------------------------------------ */
/* 1. Error codes. Every operation returns zero or a positive value on
 * success, and one of these negative codes on failure. */

#define SV_OK		0	/* success */
#define SV_EPERM	(-1)	/* the caller may not do this */
#define SV_ENOENT	(-2)	/* no such object (domain, share, peer, handle) */
#define SV_ENOMEM	(-3)	/* the hypervisor is out of frames */
#define SV_EFAULT	(-4)	/* a guest address is bad: unmapped, read-only, hypervisor, wraps */
#define SV_EINVAL	(-5)	/* an argument makes no sense */
#define SV_EBUSY	(-6)	/* the object is in use */
#define SV_EEXIST	(-7)	/* already exists, already mapped */
#define SV_ENOSPC	(-8)	/* a per-domain limit is reached */
#define SV_ENOSYS	(-9)	/* no such operation */
#define SV_ERANGE	(-10)	/* a number is out of its range */
#define SV_ERRNO_MAX	10	/* the most negative code is -SV_ERRNO_MAX */

/* ------------------------------------------------------------------ */
/* 2. The guest address space. Every domain sees the same layout:
 *
 *   0x00000000  unmapped: a NULL pointer faults
 *   0x00001000  start-info page, read-only          (SV_START_INFO)
 *   0x00002000  shared-info page, read-write        (SV_SHARED_INFO)
 *   0x003F8000  the stack, SV_STACK_SIZE bytes, growing down from
 *               SV_STACK_TOP; the pages below it are unmapped, so a stack
 *               overflow faults instead of overwriting anything
 *   0x00400000  SV_GUEST_BASE: the guest's ELF image is linked here; its
 *               memory (mem= minus the stack) continues after the image
 *   up to 0xBFFFFFFF  free for the guest (share mappings, later)
 *   0xC0000000  the hypervisor: not accessible from the guest
 */
#define SV_PAGE_SIZE		4096u
#define SV_START_INFO		0x00001000u
#define SV_SHARED_INFO		0x00002000u
#define SV_STACK_SIZE		0x8000u
#define SV_STACK_TOP		0x00400000u
#define SV_GUEST_BASE		0x00400000u
#define SV_GUEST_LIMIT		0xC0000000u	/* first address a guest may not use */

/* Domain memory: "mem=" on the module's command line, e.g. mem=2M. */
#define SV_MEM_DEFAULT		(1u << 20)
#define SV_MEM_MAX		(64u << 20)

#define SV_NAME_MAX		16	/* bytes, with the NUL */
#define SV_CMDLINE_MAX		256	/* bytes, with the NUL */
#define SV_MAX_DOMAINS		16

typedef uint16_t sv_domid_t;
#define SV_DOMID_SELF		0x7FF0	/* "the calling domain", where a domid is asked */

/* ------------------------------------------------------------------ */
/* 3. The start-info page, at SV_START_INFO. Written once by the
 * hypervisor before the domain starts; read-only to the guest. */

#define SV_START_MAGIC		0x53565349	/* "SVSI" */
#define SV_SIF_PRIVILEGED	(1u << 0)	/* this is domain 0 */

struct sv_start_info {
	uint32_t magic;			/* SV_START_MAGIC */
	uint32_t abi_version;		/* SV_ABI_VERSION */
	uint32_t domid;			/* this domain's id; 0 is domain 0 */
	uint32_t flags;			/* SV_SIF_* */
	char name[SV_NAME_MAX];		/* from name= (or "domN") */
	char cmdline[SV_CMDLINE_MAX];	/* the module's whole command line */
	uint32_t mem_bytes;		/* all of the domain's memory: stack + image + heap */
	uint32_t image_start;		/* SV_GUEST_BASE */
	uint32_t image_end;		/* end of the highest loaded segment */
	uint32_t heap_start;		/* first free page after the image */
	uint32_t heap_end;		/* end of the domain's memory */
	uint32_t stack_bottom;		/* lowest stack address */
	uint32_t stack_top;		/* initial esp */
	uint32_t shared_info;		/* SV_SHARED_INFO */
};

/* ------------------------------------------------------------------ */
/* 4. The shared-info page, at SV_SHARED_INFO, readable and writable by
 * the guest. Who writes what:
 *
 *   event_pending  hypervisor sets bits (atomically); the guest clears
 *                  them (atomically, e.g. lock btr or xchg) as it handles
 *                  each event.
 *   event_mask     guest only. A masked port still becomes pending, but
 *                  does not wake a blocked domain or cause an upcall.
 *   upcall_mask    the hypervisor sets it to 1 when it enters the
 *                  callback; SV_OP_EVENT_RETURN clears it. The guest may
 *                  set and clear it itself, like cli/sti.
 *   time_ns        hypervisor: nanoseconds since boot, updated each time
 *                  the domain is entered (resolution one timer tick).
 *
 * After the guest clears a mask (event_mask bit or upcall_mask) it must
 * check event_pending and, if an unmasked port is pending, make any
 * hypercall (SV_OP_VERSION is the cheapest): every return from the
 * hypervisor delivers pending events, so none is left waiting.
 */
struct sv_shared_info {
	volatile uint32_t event_pending;	/* bit p: port p has an event */
	volatile uint32_t event_mask;		/* bit p: port p is masked */
	volatile uint32_t upcall_mask;		/* nonzero: no upcalls now */
	uint32_t pad;
	volatile uint64_t time_ns;
};

/* ------------------------------------------------------------------ */
/* 5. Events. Each domain has SV_NR_PORTS event ports, numbered 0-31. The
 * first ones have fixed meanings; the others are free for
 * SV_OP_EVENT_SEND (and, later, are bound by shares).
 *
 * An event on an unmasked port wakes the domain if it is blocked. If the
 * domain has registered a callback (SV_OP_EVENT_CALLBACK) and
 * upcall_mask is 0, the next time the hypervisor returns to the domain it
 * pushes a struct sv_upcall_frame on the guest stack, sets upcall_mask,
 * and continues at the callback with esp pointing at the frame and the
 * direction flag clear (the frame keeps the interrupted DF). The
 * callback handles the pending ports and ends with SV_OP_EVENT_RETURN,
 * giving the frame back. Without a callback an event just stays pending.
 */
#define SV_NR_PORTS		32
#define SV_PORT_TIMER		0	/* the one-shot timer (SV_OP_TIMER_SET) fired */
#define SV_PORT_DOMAIN_EXIT	1	/* domain 0 only: a domain exited or was killed */
#define SV_PORT_FIRST_FREE	2

/* What the guest stack holds when the callback starts: the interrupted
 * registers. Lowest address first (esp points at eax). */
struct sv_upcall_frame {
	uint32_t eax, ecx, edx, ebx;
	uint32_t esp;			/* esp before the frame was pushed */
	uint32_t ebp, esi, edi;
	uint32_t eip;
	uint32_t eflags;
};

/* ------------------------------------------------------------------ */
/* 6. Hypercalls.
 *
 * Calling convention: "int $0x82" from ring 3, the operation number in
 * eax, up to five arguments in ebx, ecx, edx, esi, edi. The result comes
 * back in eax; every other register is preserved.
 *
 * Every address argument is a guest virtual address. The hypervisor
 * checks each one before use and returns SV_EFAULT if any byte of the
 * range is unmapped, above SV_GUEST_LIMIT, not writable (for output), or
 * if the range wraps past 4 GiB. A bad argument never harms the
 * hypervisor or another domain. An operation number that is not listed
 * returns SV_ENOSYS.
 */
#define SV_HYPERCALL_VECTOR	0x82

enum sv_op {
	/*
	 * SV_OP_VERSION: the null hypercall. Returns SV_ABI_VERSION.
	 * Anyone. No arguments. Also the cheapest way to make the hypervisor
	 * deliver events after unmasking (see the shared-info page).
	 */
	SV_OP_VERSION = 0,

	/*
	 * SV_OP_CONSOLE_WRITE: write bytes to the console (COM1 and screen).
	 * Anyone. The hypervisor prints whole lines, each prefixed with the
	 * domain's name as "[name] "; a partial line waits for its newline
	 * (or for SV_CONSOLE_LINE bytes). Non-printable bytes show as '?'.
	 *   ebx  IN  address of the bytes
	 *   ecx  IN  length; at most SV_CONSOLE_MAX bytes are taken per call
	 * Returns the number of bytes taken (possibly fewer than asked: call
	 * again for the rest). SV_EFAULT: the buffer is bad (nothing is
	 * printed).
	 */
	SV_OP_CONSOLE_WRITE = 1,

	/*
	 * SV_OP_YIELD: give the CPU to the next runnable domain. Anyone.
	 * Returns 0 when the caller runs again.
	 */
	SV_OP_YIELD = 2,

	/*
	 * SV_OP_BLOCK: sleep until an unmasked event port is pending. Anyone.
	 * Clears upcall_mask first (so the wake-up event is delivered to
	 * the callback, if there is one, before the call returns), and
	 * returns 0 at once if an unmasked port is already pending. A
	 * blocked domain uses no CPU.
	 */
	SV_OP_BLOCK = 3,

	/*
	 * SV_OP_EVENT_CALLBACK: set the upcall entry point. Anyone.
	 *   ebx  IN  the callback's address, or 0 for none (events then only
	 *            become pending)
	 * SV_EFAULT: the address is not a guest address.
	 */
	SV_OP_EVENT_CALLBACK = 4,

	/*
	 * SV_OP_EVENT_SEND: raise an event port of a domain.
	 * Any domain may signal itself; only domain 0 may signal others.
	 *   ebx  IN  target domain id, or SV_DOMID_SELF
	 *   ecx  IN  port, 0 .. SV_NR_PORTS - 1
	 * SV_EPERM: not domain 0 and the target is another domain.
	 * SV_ENOENT: no running domain with that id.
	 * SV_EINVAL: the port is out of range.
	 */
	SV_OP_EVENT_SEND = 5,

	/*
	 * SV_OP_EVENT_RETURN: end an upcall. Anyone, from its callback.
	 *   ebx  IN  the address of the struct sv_upcall_frame the
	 *            hypervisor pushed
	 * Restores the registers saved in the frame (eflags: only the
	 * arithmetic flags and DF are taken; interrupts stay enabled),
	 * clears upcall_mask, and delivers any event still pending. Does
	 * not return to its caller. If the frame is unreadable the domain
	 * is killed (it has no state left to return to).
	 */
	SV_OP_EVENT_RETURN = 6,

	/*
	 * SV_OP_TIMER_SET: arm the one-shot timer. Anyone.
	 *   ebx  IN  deadline, low 32 bits of nanoseconds since boot
	 *   ecx  IN  deadline, high 32 bits
	 * When time_ns reaches the deadline, SV_PORT_TIMER is raised. A
	 * deadline in the past fires at the next tick; 0 cancels. Setting
	 * a new deadline replaces the old one. Resolution: one timer tick.
	 */
	SV_OP_TIMER_SET = 7,

	/*
	 * SV_OP_TIME_GET: read the time. Anyone.
	 *   ebx  OUT  address of a uint64_t: nanoseconds since boot
	 * SV_EFAULT: the address is bad or read-only.
	 */
	SV_OP_TIME_GET = 8,

	/*
	 * SV_OP_EXIT: end the calling domain. Anyone. Does not return.
	 *   ebx  IN  exit status (0: success)
	 * Its memory returns to the hypervisor; domain 0 gets
	 * SV_PORT_DOMAIN_EXIT. When every domain has ended, the hypervisor
	 * prints each status and powers off.
	 */
	SV_OP_EXIT = 9,

	/*
	 * SV_OP_DOMAIN_LIST: describe the domains. Domain 0 only.
	 *   ebx  OUT  address of an array of struct sv_domain_info
	 *   ecx  IN   number of entries in the array
	 * Fills one entry per domain that was built (running, blocked, or
	 * ended), in id order, up to ecx entries. Returns the number of
	 * domains (which may exceed ecx). SV_EPERM: not domain 0.
	 * SV_EFAULT: the array is bad.
	 */
	SV_OP_DOMAIN_LIST = 10,

	/*
	 * SV_OP_MEM_INFO: the hypervisor's memory use. Domain 0 only.
	 *   ebx  OUT  address of a struct sv_mem_info
	 * SV_EPERM: not domain 0. SV_EFAULT: the address is bad.
	 */
	SV_OP_MEM_INFO = 11,

	SV_OP_COUNT		/* one more than the highest operation */
};

#define SV_CONSOLE_MAX		1024
#define SV_CONSOLE_LINE		120

/* SV_OP_DOMAIN_LIST entries. */
enum sv_domain_state {
	SV_DOM_RUNNABLE = 1,	/* running or waiting for the CPU */
	SV_DOM_BLOCKED = 2,	/* in SV_OP_BLOCK */
	SV_DOM_EXITED = 3,	/* called SV_OP_EXIT; exit_status is its status */
	SV_DOM_KILLED = 4,	/* killed for a fault; exit_status is the vector */
};

struct sv_domain_info {
	uint32_t domid;
	uint32_t state;		/* enum sv_domain_state */
	int32_t exit_status;
	uint32_t pages;		/* frames the domain holds now: its memory,
				 * its info pages and its page tables */
	char name[SV_NAME_MAX];
};

struct sv_mem_info {
	uint32_t total_frames;	/* frames the hypervisor manages */
	uint32_t free_frames;	/* frames on its free list now */
};

#endif /* SHAREVISOR_H */
