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
 *   7. shares: share pages, address watches, scatter-gather transfer
 *   8. devices: a passthrough device owned by one domain at a time (VPIO)
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
#define SV_EAGAIN	(-11)	/* not now: e.g. the peer has no buffer registered */
#define SV_ERRNO_MAX	11	/* the most negative code is -SV_ERRNO_MAX */

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
 *
 * The CPU state a domain starts with, and owns: eip at the ELF entry,
 * esp = SV_STACK_TOP, the other general registers zero, eflags with only
 * IF set (IOPL 0), flat ring-3 segments. Its floating-point unit is in
 * fninit's state (control word 0x037F, status 0, every register empty),
 * with st0-st7 (= mm0-mm7) and xmm0-xmm7 zero and MXCSR 0x1F80: nothing
 * from the hypervisor, an earlier domain or a dead one. A guest may use
 * x87, MMX and, where CPUID says so, SSE/SSE2 (the hypervisor enables
 * fxsave-based state, CR4.OSFXSR): these registers are saved and
 * restored with the rest, so no other domain reads or changes them.
 * AVX and other XSAVE state are not enabled (CPUID.1:ECX.OSXSAVE is 0).
 * An unmasked x87 error (#MF) or SIMD error (#XM), like any fault the
 * guest causes, kills the domain. The hypervisor does not save the FPU
 * in an upcall frame (section 5): a callback that uses the FPU saves
 * and restores what it uses itself, as a signal handler would.
 * docs/domains.md, section 6, lists every other piece of CPU state a
 * guest can see (rdtsc is open; rdpmc, debug registers, and sgdt & co.
 * where the CPU has UMIP, are not).
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
 *   reserved       nobody (it held time_ns, the time at the last 10 ms
 *                  tick, before the hypervisor became tickless: read
 *                  clock instead)
 *   device         hypervisor only: word d is this domain's standing with
 *                  device d (SV_DEVF_* bits, section 8), written before
 *                  the event that tells of a change is raised.
 *   clock          hypervisor only: how to read the time from the TSC
 *                  (struct sv_time_info, below), with no hypercall.
 *
 * After the guest clears a mask (event_mask bit or upcall_mask) it must
 * check event_pending and, if an unmasked port is pending, make any
 * hypercall (SV_OP_VERSION is the cheapest): every return from the
 * hypervisor delivers pending events, so none is left waiting.
 */
/*
 * The TSC clock, as Xen gives it (its vcpu_time_info): nanoseconds since
 * boot from rdtsc (which ring 3 may use), to the nanosecond:
 *
 *   d  = tsc - tsc_timestamp               (64 bits; wraps correctly)
 *   d  = tsc_shift >= 0 ? d << tsc_shift : d >> -tsc_shift
 *   ns = system_time_ns + ((d * tsc_to_system_mul) >> 32)   (a 96-bit product)
 *
 * lib/clock.h computes it with 32-bit multiplies; guests/lib's
 * sv_clock_ns() reads it. The hypervisor measures the TSC's rate against
 * the PIT at boot. Every CPU's TSC counts at that rate from the same
 * origin (as on QEMU and Bochs), so the same fields serve on every CPU.
 *
 * The hypervisor writes these fields; read them like a seqlock: read
 * version, then the fields, then version again; if the two differ, or
 * are odd (an update in progress), read again. (Today they are written
 * once, before the domain starts; the protocol lets them change.)
 */
struct sv_time_info {
	volatile uint32_t version;		/* odd while the hypervisor writes */
	uint32_t pad0;
	volatile uint64_t tsc_timestamp;	/* a TSC value ... */
	volatile uint64_t system_time_ns;	/* ... and the time then */
	volatile uint32_t tsc_to_system_mul;	/* 2^32 ns per TSC tick, scaled */
	volatile int8_t tsc_shift;
	uint8_t pad1[3];
};

struct sv_shared_info {
	volatile uint32_t event_pending;	/* bit p: port p has an event */
	volatile uint32_t event_mask;		/* bit p: port p is masked */
	volatile uint32_t upcall_mask;		/* nonzero: no upcalls now */
	uint32_t pad;
	uint64_t reserved;			/* 0 (was time_ns) */
	volatile uint32_t device[4];		/* SV_DEVF_* bits, per device (section 8; room for 4) */
	struct sv_time_info clock;		/* the TSC clock */
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
 * When several errors apply to one call, which of them is returned is
 * not specified: guests should treat any error as "this did not happen".
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
	 * When the TSC clock (struct sv_time_info) reaches the deadline,
	 * SV_PORT_TIMER is raised: the local APIC timer of the CPU that set
	 * it fires then, to within its counting (microseconds); a CPU
	 * without one leaves it to the next timer tick. A deadline in the
	 * past fires at once; 0 cancels. Setting a new deadline replaces the
	 * old one.
	 */
	SV_OP_TIMER_SET = 7,

	/*
	 * SV_OP_TIME_GET: read the time. Anyone.
	 *   ebx  OUT  address of a uint64_t: nanoseconds since boot (the
	 *             TSC clock now, as sv_time_info gives it)
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

	/* Shares: section 7 below documents these. */
	SV_OP_SHARE_CREATE = 12,
	SV_OP_SHARE_GRANT = 13,
	SV_OP_SHARE_DESTROY = 14,
	SV_OP_SHARE_GET = 15,
	SV_OP_SHARE_DROP = 16,
	SV_OP_SHARE_MAP = 17,
	SV_OP_SHARE_UNMAP = 18,
	SV_OP_SHARE_INFO = 19,
	SV_OP_WATCH = 20,
	SV_OP_UNWATCH = 21,
	SV_OP_TRIGGER = 22,
	SV_OP_SG_REGISTER = 23,
	SV_OP_SG_UNREGISTER = 24,
	SV_OP_SG_XFER = 25,

	/* Devices: section 8 below documents these. */
	SV_OP_DEVICE_QUERY = 26,
	SV_OP_DEVICE_GRAB = 27,
	SV_OP_DEVICE_RELEASE = 28,
	SV_OP_DEVICE_CONFIG = 29,

	/*
	 * SV_OP_WAIT: sleep until an unmasked event port is pending, as
	 * SV_OP_BLOCK does, but leave upcall_mask as it is. Anyone. No
	 * arguments. Returns 0 (at once if an unmasked port is already
	 * pending). With upcalls masked (upcall_mask set: the usual way is
	 * to mask them, look at what one waits for, and wait) the wake-up
	 * pushes no upcall frame: the guest finds the pending bits in its
	 * shared-info page and handles them itself, clearing the ones it
	 * handled, with no SV_OP_EVENT_RETURN. Ports it leaves pending are
	 * delivered as upcalls once it unmasks them (section 4). With
	 * upcalls on, it is SV_OP_BLOCK.
	 */
	SV_OP_WAIT = 30,

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

/* ------------------------------------------------------------------ */
/* 7. Shares: the only inter-domain IPC (Rusty Russell's "share" model).
 *
 * A share is a run of physically contiguous pages that domain 0 creates
 * and grants to domains. A granted domain "gets" the share, becoming one
 * of its peers with a small peer id, and binds one of its own event ports
 * to it: every notification this share has for that domain raises that
 * port. It may map the pages into its address space. On top of the
 * shared memory there are two mechanisms:
 *
 *   watches   "when someone triggers this offset of the share, decrement
 *             my counter; when it reaches 0, raise my port"
 *   sg lists  "here are my buffers (address/length pairs) for this
 *             share": a peer's sg_xfer copies straight between its own
 *             buffers and the oldest such list, frame to frame, writes
 *             the byte count into the owner's length word, and raises
 *             the owner's port.
 *
 * Lifetimes: a share's pages are freed when it has been destroyed, no
 * peer holds it and no domain maps it; each mapping holds a reference on
 * every page. Dropping a share (or dying) unmaps it, removes that
 * domain's watches and sg lists on it, frees its peer id, and triggers
 * offset 0, so that the others learn a peer left. When domain 0 ends,
 * every share is destroyed (the peers keep theirs until they drop it).
 *
 * The hypervisor runs each hypercall to completion with the CPU to
 * itself, so an operation never sees another half done: an sg_xfer
 * finishes before any unmap, drop or death can touch its buffers.
 *
 * Limits (each returns its error when reached):
 */
#define SV_SHARE_MAX_PAGES	16	/* pages in one share (SV_EINVAL) */
#define SV_MAX_SHARES		32	/* shares existing at once (SV_ENOSPC) */
#define SV_SHARE_MAX_PEERS	8	/* peers of one share; ids 0..7 (SV_ENOSPC) */
#define SV_MAX_HELD_SHARES	8	/* shares one domain holds at once (SV_ENOSPC) */
#define SV_MAX_WATCHES		32	/* watches one domain has at once (SV_ENOSPC) */
#define SV_MAX_SG_LISTS		16	/* sg lists one domain has registered (SV_ENOSPC) */
#define SV_SG_MAX_ENTRIES	16	/* entries in one sg list (SV_EINVAL) */
#define SV_SG_MAX_BYTES		(64u << 10)	/* bytes in one sg list (SV_EINVAL) */

typedef int32_t sv_share_t;	/* a share id; never reused while it exists */

/* One buffer of an sg list: guest virtual address and length (> 0). */
struct sv_sg {
	uint32_t addr;
	uint32_t len;
};

/* sg_register: what the list is for. */
#define SV_SG_IN	1	/* buffers a peer fills (we receive into them) */
#define SV_SG_OUT	2	/* buffers a peer drains (we offer data in them) */
#define SV_SG_KEEP	0x100	/* or'ed in: the list stays after use (see below) */

/* sg_xfer: which way the data goes. */
#define SV_XFER_SEND	1	/* our buffers -> the peer's oldest SV_SG_IN list */
#define SV_XFER_RECV	2	/* the peer's oldest SV_SG_OUT list -> our buffers */
#define SV_XFER_WAIT	0x100	/* or'ed in: then wait for the reply (SV_OP_WAIT) */

/* trigger: or'ed into the offset, then wait for the answer (SV_OP_WAIT) */
#define SV_TRIGGER_WAIT	0x80000000u

/* share_map flags */
#define SV_MAP_READONLY	1

/* Filled by SV_OP_SHARE_INFO. */
struct sv_share_status {
	uint32_t npages;	/* pages in the share */
	uint32_t peer_id;	/* the caller's peer id */
	uint32_t port;		/* the caller's event port for this share */
	uint32_t peers;		/* bit p: peer id p is held (by someone) */
	uint32_t mapped_at;	/* the caller's mapping, or 0 */
	uint32_t destroyed;	/* 1 once domain 0 destroyed it */
};

/*
 * SV_OP_SHARE_CREATE: make a share of physically contiguous zeroed pages.
 * Domain 0 only.
 *   ebx  IN  number of pages, 1 .. SV_SHARE_MAX_PAGES
 * Returns the share id (>= 0). SV_EPERM: not domain 0. SV_EINVAL: bad
 * page count. SV_ENOSPC: SV_MAX_SHARES exist. SV_ENOMEM: no run of free
 * frames that long.
 *
 * SV_OP_SHARE_GRANT: allow a domain to get the share. Domain 0 only.
 *   ebx  IN  share id
 *   ecx  IN  domain id, or SV_DOMID_SELF (domain 0 may grant to itself)
 * SV_EPERM: not domain 0. SV_ENOENT: no such share (or destroyed), or no
 * such running domain. Granting twice is not an error.
 *
 * SV_OP_SHARE_DESTROY: no more grants or gets. Domain 0 only.
 *   ebx  IN  share id
 * The peers keep what they have; the pages are freed when the last peer
 * has dropped it and the last mapping is gone. SV_EPERM, SV_ENOENT.
 *
 * SV_OP_SHARE_GET: become a peer of a share granted to the caller.
 *   ebx  IN  share id
 *   ecx  IN  the caller's event port to bind: SV_PORT_FIRST_FREE .. 31,
 *            not bound to another share
 * Returns the peer id: the lowest free one, 0 .. SV_SHARE_MAX_PEERS - 1.
 * SV_ENOENT: no such share, or destroyed. SV_EPERM: not granted to the
 * caller. SV_EEXIST: the caller already holds it. SV_EINVAL: bad port.
 * SV_EBUSY: the port is bound to another share. SV_ENOSPC: the share has
 * SV_SHARE_MAX_PEERS peers, or the caller holds SV_MAX_HELD_SHARES.
 *
 * SV_OP_SHARE_DROP: stop being a peer. Unmaps the share, removes the
 * caller's watches and sg lists on it, frees its peer id and port, and
 * triggers offset 0 (so peers watching offset 0 learn that someone
 * left). A domain that exits or is killed drops all its shares the same
 * way.
 *   ebx  IN  share id
 * SV_ENOENT: the caller does not hold it.
 *
 * SV_OP_SHARE_MAP: map the share's pages at a guest address.
 *   ebx  IN  share id
 *   ecx  IN  address, page-aligned, at or above SV_GUEST_BASE, with the
 *            whole share below SV_GUEST_LIMIT
 *   edx  IN  0, or SV_MAP_READONLY
 * One mapping per peer. SV_ENOENT: the caller does not hold the share.
 * SV_EINVAL: unaligned address, unknown flags. SV_EFAULT: below
 * SV_GUEST_BASE or reaching the hypervisor. SV_EEXIST: the range overlaps
 * something mapped (the guest's memory, another share), or this share is
 * already mapped by the caller. SV_ENOMEM: no frame for a page table
 * (nothing is mapped).
 *
 * SV_OP_SHARE_UNMAP: remove the caller's mapping of the share.
 *   ebx  IN  share id
 * SV_ENOENT: the caller does not hold it, or has not mapped it.
 *
 * SV_OP_SHARE_INFO: the caller's view of a share it holds.
 *   ebx  IN   share id
 *   ecx  OUT  address of a struct sv_share_status
 * SV_ENOENT: the caller does not hold it. SV_EFAULT: bad address.
 *
 * SV_OP_WATCH: watch an address of the share.
 *   ebx  IN  share id (held by the caller)
 *   ecx  IN  offset in the share, < npages * SV_PAGE_SIZE
 *   edx  IN  address of the caller's 32-bit counter: 4-aligned, writable
 * Each trigger of that offset decrements the counter (a counter at 0
 * stays at 0) and, when it is then 0, raises the caller's port for the
 * share. A watch whose counter is no longer writable when it fires is
 * removed. SV_ENOENT: not held. SV_EINVAL: offset outside the share, or
 * counter not 4-aligned. SV_EFAULT: counter not writable. SV_EEXIST: the
 * same (share, offset, counter) is already watched. SV_ENOSPC: the caller
 * has SV_MAX_WATCHES.
 *
 * SV_OP_UNWATCH: remove that watch (same three arguments).
 * SV_ENOENT: no such watch.
 *
 * SV_OP_TRIGGER: fire every watch on an offset of the share.
 *   ebx  IN  share id (the caller must hold it: sharing memory is what
 *            gives the right to poke it)
 *   ecx  IN  offset, < npages * SV_PAGE_SIZE; SV_TRIGGER_WAIT may be
 *            or'ed in: after a trigger that succeeded, the caller sleeps
 *            as SV_OP_WAIT does (a doorbell and the wait for its answer
 *            in one hypercall, as SV_XFER_WAIT is for a transfer)
 * Returns the number of watches fired. SV_ENOENT: not held. SV_EINVAL:
 * offset outside the share. Nothing waits after an error.
 *
 * SV_OP_SG_REGISTER: offer buffers for the share's peers.
 *   ebx  IN  share id (held by the caller)
 *   ecx  IN  SV_SG_IN or SV_SG_OUT
 *   edx  IN  address of an array of struct sv_sg
 *   esi  IN  number of entries, 1 .. SV_SG_MAX_ENTRIES
 *   edi  IN  address of a uint32_t length word (writable): receives the
 *            bytes moved when a peer uses the list
 * The list is copied in; every buffer must be mapped (writable for
 * SV_SG_IN) now, and is checked again when used. Returns a handle (>= 0).
 * A list is used once, by one transfer, and then it is gone; with
 * SV_SG_KEEP or'ed into ecx it stays registered instead, re-armed by its
 * owner: a kept list takes a transfer only while its length word is 0.
 * The transfer writes the byte count there (never 0), which makes the
 * list wait until the owner has taken the bytes and written 0 again, and
 * moves it behind the owner's other lists of that kind, as if registered
 * anew. A receive buffer posted once then serves every message, with no
 * hypercall to post it again. SV_OP_SG_UNREGISTER ends a kept list.
 * SV_ENOENT: not held. SV_EINVAL: bad direction, no entries or too many,
 * an entry of length 0, more than SV_SG_MAX_BYTES in all. SV_EFAULT: the
 * array, a buffer or the length word is bad (a buffer wraps, is in the
 * hypervisor, is unmapped, or is read-only for SV_SG_IN). SV_ENOSPC: the
 * caller has SV_MAX_SG_LISTS lists. A handle is the list's slot and the
 * low 27 bits of a count of registrations, so after 2^27 registrations by
 * all domains a stale handle can name a newer list of the caller's in
 * the same slot: forget a handle once its list is used or unregistered.
 *
 * SV_OP_SG_UNREGISTER: withdraw a list that has not been used (or a
 * kept list, used or not).
 *   ebx  IN  share id
 *   ecx  IN  handle
 * SV_ENOENT: no such list (never registered, already used, or already
 * unregistered).
 *
 * SV_OP_SG_XFER: copy between the caller's buffers and a peer's list.
 *   ebx  IN  share id (held by the caller)
 *   ecx  IN  SV_XFER_SEND (to the peer's oldest SV_SG_IN list) or
 *            SV_XFER_RECV (from the peer's oldest SV_SG_OUT list)
 *   edx  IN  the peer id
 *   esi  IN  address of the caller's array of struct sv_sg
 *   edi  IN  number of entries, 1 .. SV_SG_MAX_ENTRIES
 *            either may have SV_XFER_WAIT or'ed in: after a transfer that
 *            succeeded, the caller then sleeps as SV_OP_WAIT does, until
 *            an unmasked event port is pending (at once if one is), and
 *            the result comes back when it wakes. A request and the wait
 *            for its reply are one hypercall, as in seL4's Call. Nothing
 *            waits after an error.
 * Copies min(our total, their total) bytes in one pass, frame to frame:
 * a longer transfer is cut to the peer's list, and the return value says
 * how much went. Then writes that count to the peer's length word,
 * unregisters the list (a kept list waits instead: SV_SG_KEEP), and
 * raises the peer's port. The oldest list is the oldest armed one: a
 * kept list whose length word is not 0 is passed over (even if one of
 * its buffers has gone since; once its word is 0 again, or if the word
 * itself has gone, it is used, and fails as below). Returns the bytes
 * moved. SV_ENOENT: the caller does not hold the share, or no such peer
 * (never was, or has left). SV_EAGAIN: the peer has no list of that kind
 * registered (try again after it registers one). SV_EINVAL: bad
 * direction or entry count, zero-length entry, more than SV_SG_MAX_BYTES.
 * SV_EFAULT: one of the caller's buffers is bad (nothing is copied, the
 * peer's list stays registered), or the peer's oldest list has gone bad
 * since it was registered (a buffer or its length word was unmapped):
 * that list is unregistered without being written, and nothing is
 * copied.
 * The entries are copied in order, the caller's and the peer's walked
 * side by side: where destination entries overlap each other, the later
 * one's bytes are what stays. Where the source and the destination
 * overlap (possible only through two mappings of one share, or a
 * transfer to oneself), what lands in the overlap is unspecified, as
 * with memcpy; no byte outside the destination buffers is ever written.
 */

/* ------------------------------------------------------------------ */
/* 8. Devices: passthrough with time-sliced ownership (VPIO).
 *
 * A passthrough device is a real device that a domain drives itself,
 * with in/out instructions, instead of asking another domain to. Only one
 * domain owns a device at a time, and only the owner may touch it: the
 * hypervisor opens the device's I/O ports in the TSS I/O permission
 * bitmap while the owner runs, and closes them for everyone else, so an
 * in/out by anyone but the owner is a #GP and kills that domain. (The
 * hypervisor's own console, COM1, is never opened to anyone.)
 *
 * Ownership is fair when others wait. The owner's time slice starts when
 * it gets the device; while nobody waits it may keep the device past the
 * end of its slice. Once the slice is over and someone waits, the
 * hypervisor sets SV_DEVF_RELEASE and raises the owner's port: "release
 * now". An owner that has not released grace_ms later is revoked: its
 * ports close at once, it is killed (the log says why), and the device
 * passes on. A domain waiting behind k others therefore gets the device
 * within about k * (slice_ms + grace_ms), plus a timer tick each.
 *
 * Waiters queue in FIFO order. When the owner releases (or dies, or is
 * revoked) the first waiter becomes the owner at once: its SV_DEVF_OWNER
 * bit is set and its port is raised. The device is reset to quiet
 * between owners (for COM2: interrupts disabled in IER and MCR), so
 * nothing one owner set up fires at the next.
 *
 * The device's interrupt is delivered as an event on the owner's port,
 * to the owner only; with no owner it is dropped (and counted).
 *
 * Devices are numbered 0 .. SV_NR_DEVICES - 1; a device that this
 * machine does not have (the hypervisor's boot log lists what it found)
 * is SV_ENOENT to every call, as a number past the last is.
 *
 * The seed's race is real: SV_OP_DEVICE_QUERY may say idle and a
 * following grab still fail with SV_EBUSY, because another domain
 * grabbed in between. The hypervisor runs each hypercall to completion,
 * so there is always exactly one owner or none.
 */
#define SV_DEV_COM2		0	/* the second serial port, 16550 UART */
#define SV_DEV_NE2000		1	/* an ISA NE2000 Ethernet card (DP8390) */
#define SV_NR_DEVICES		2

#define SV_COM2_IO_BASE		0x2F8	/* its I/O ports: 0x2F8 .. 0x2FF */
#define SV_COM2_IO_COUNT	8
#define SV_COM2_IRQ		3

/* The NE2000 where QEMU's `-device ne2k_isa,iobase=0x300,irq=10` and
 * Bochs's `ne2k: ioaddr=0x300, irq=10` put it (IRQ 9 is the ACPI SCI on
 * QEMU's PC). The hypervisor looks for it at boot; on a machine without
 * it every call on SV_DEV_NE2000 is SV_ENOENT. Its registers are the
 * DP8390's (guests/lib/ne2k.c drives it); between owners the hypervisor
 * stops it, aborts any remote DMA and masks its interrupts. It does no
 * DMA to memory (the host side moves bytes through its data port), so
 * the I/O bitmap isolates it as it does COM2. */
#define SV_NE2000_IO_BASE	0x300	/* its I/O ports: 0x300 .. 0x31F */
#define SV_NE2000_IO_COUNT	0x20
#define SV_NE2000_IRQ		10

/* shared_info->device[d]: this domain's standing with device d. */
#define SV_DEVF_OWNER		(1u << 0)	/* we own it: in/out on its ports work */
#define SV_DEVF_WAITING		(1u << 1)	/* we are in its wait queue */
#define SV_DEVF_RELEASE		(1u << 2)	/* release now: revoked at release_by_ns */

/* Time slice and grace period, in milliseconds (resolution: one timer
 * tick, 10 ms). The defaults can be changed on the hypervisor's command
 * line (devslice=MS devgrace=MS) and by SV_OP_DEVICE_CONFIG. */
#define SV_DEV_SLICE_DEFAULT_MS	50
#define SV_DEV_GRACE_DEFAULT_MS	20
#define SV_DEV_MS_MIN		1
#define SV_DEV_SLICE_MAX_MS	60000
#define SV_DEV_GRACE_MAX_MS	10000

#define SV_DEVICE_IDLE		0
#define SV_DEVICE_BUSY		1

#define SV_DOMID_NONE		0xFFFFu	/* "no domain", e.g. an idle device's owner */

/* SV_OP_DEVICE_GRAB flags */
#define SV_GRAB_WAIT		1	/* if busy, join the wait queue instead of failing */
/* SV_OP_DEVICE_GRAB results */
#define SV_GRAB_OWNED		0	/* the caller owns the device now */
#define SV_GRAB_QUEUED		1	/* the caller waits: its port is raised when it owns it */

/* Filled by SV_OP_DEVICE_QUERY. */
struct sv_device_status {
	uint32_t state;		/* SV_DEVICE_IDLE or SV_DEVICE_BUSY */
	uint32_t owner;		/* the owner's domain id, or SV_DOMID_NONE */
	uint32_t waiters;	/* domains in the wait queue */
	uint32_t flags;		/* the caller's SV_DEVF_* bits, from the hypervisor's
				 * own state (not read back from shared-info) */
	uint32_t io_base, io_count;	/* the device's I/O ports */
	uint32_t irq;		/* its interrupt line */
	uint32_t slice_ms;	/* the time slice given at each grant */
	uint32_t grace_ms;	/* the time an owner has to release */
	uint32_t pad;
	uint64_t slice_end_ns;	/* BUSY: when the owner's slice ends (the TSC clock) */
	uint64_t release_by_ns;	/* BUSY, release requested: the revocation time; else 0 */
};

/*
 * SV_OP_DEVICE_QUERY: the state of a device. Anyone.
 *   ebx  IN   device, e.g. SV_DEV_COM2
 *   ecx  OUT  address of a struct sv_device_status, or 0 for none
 * Returns SV_DEVICE_IDLE or SV_DEVICE_BUSY (the answer may be stale by
 * the time the caller acts on it: see the race above). SV_ENOENT: no such
 * device. SV_EFAULT: the address is bad.
 *
 * SV_OP_DEVICE_GRAB: ask to own a device. Anyone.
 *   ebx  IN  device
 *   ecx  IN  the caller's event port for this device: SV_PORT_FIRST_FREE
 *            .. 31, not bound to a share. It is raised when the caller
 *            becomes the owner (from the queue), when it must release,
 *            and for each of the device's interrupts while it owns it.
 *            It stays bound until the caller releases (or leaves the
 *            queue); SV_OP_SHARE_GET refuses it meanwhile (SV_EBUSY).
 *   edx  IN  0, or SV_GRAB_WAIT
 * Returns SV_GRAB_OWNED: the caller owns the device, its ports are open,
 * its slice has begun. Or, with SV_GRAB_WAIT and the device busy,
 * SV_GRAB_QUEUED: the caller is at the end of the wait queue
 * (SV_DEVF_WAITING). SV_ENOENT: no such device. SV_EBUSY: the device
 * is owned by another domain and SV_GRAB_WAIT was not given. SV_EEXIST:
 * the caller owns it or waits for it already. SV_EINVAL: bad port (out
 * of range, or bound to a share), unknown flags.
 *
 * SV_OP_DEVICE_RELEASE: give the device up. Anyone.
 *   ebx  IN  device
 * From the owner: its ports close and the device passes to the first
 * waiter (or becomes idle). From a waiter: it leaves the queue. Either
 * way its port is unbound and its SV_DEVF_* bits cleared.
 * SV_ENOENT: no such device. SV_EPERM: the caller neither owns the
 * device nor waits for it.
 *
 * SV_OP_DEVICE_CONFIG: set a device's time slice and grace period.
 * Domain 0 only. Applies from the next grant on.
 *   ebx  IN  device
 *   ecx  IN  slice, SV_DEV_MS_MIN .. SV_DEV_SLICE_MAX_MS milliseconds
 *   edx  IN  grace, SV_DEV_MS_MIN .. SV_DEV_GRACE_MAX_MS milliseconds
 * SV_EPERM: not domain 0. SV_ENOENT: no such device. SV_ERANGE: a value
 * out of its range (nothing is changed).
 */

#endif /* SHAREVISOR_H */
