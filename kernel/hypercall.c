/*
 * hypercall.c: the hypercall table and its handlers.
 *
 * A guest executes "int $0x82" with the operation in eax and arguments in
 * ebx, ecx, edx, esi, edi (include/sharevisor.h documents each operation).
 * hypercall() looks the operation up in one table, bounds-checked; each
 * handler takes the arguments from the trap frame, checks them, does the
 * work, and returns the result that goes back in eax. Guest addresses are
 * only ever touched through mm/usercopy.c.
 */
#include "device.h"
#include "domain.h"
#include "frame.h"
#include "invariants.h"
#include "klib.h"
#include "tsc.h"
#include "profile.h"
#include "share.h"
#include "trace.h"
#include "usercopy.h"

typedef int32_t (*hypercall_fn)(struct domain *d, struct trapframe *tf);

/* The arguments, by position. */
#define ARG1(tf) ((tf)->ebx)
#define ARG2(tf) ((tf)->ecx)

static int32_t hc_version(struct domain *d, struct trapframe *tf)
{
	(void)d;
	(void)tf;
	return SV_ABI_VERSION;
}

/* ---- console: whole lines, prefixed with the domain's name */

void console_flush_domain(struct domain *d)
{
	if (d->line_len)
		printk("[%s] %.*s\n", d->name, (int)d->line_len, d->line);
	d->line_len = 0;
}

static void console_put(struct domain *d, char c)
{
	if (c == '\n') {
		if (d->line_len == 0)
			printk("[%s]\n", d->name);
		console_flush_domain(d);
		return;
	}
	if (c == '\r')
		return;
	if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7E)
		c = c == '\t' ? ' ' : '?';
	d->line[d->line_len++] = c;
	if (d->line_len == sizeof(d->line))
		console_flush_domain(d);
}

static int32_t hc_console_write(struct domain *d, struct trapframe *tf)
{
	char buf[SV_CONSOLE_MAX];
	uint32_t len = MIN(ARG2(tf), (uint32_t)SV_CONSOLE_MAX);

	int rc = copy_from_guest(d->pgdir, buf, ARG1(tf), len);
	if (rc != SV_OK)
		return rc;
	for (uint32_t i = 0; i < len; i++)
		console_put(d, buf[i]);
	return (int32_t)len;
}

/* ---- scheduling */

static int32_t hc_yield(struct domain *d, struct trapframe *tf)
{
	(void)tf;
	sched_yield(d);
	return SV_OK;
}

/* Sleep until an unmasked port is pending, upcalls as the guest left
 * them: a guest that waits with them masked is woken with no upcall
 * frame, and handles its ports itself. */
static int32_t hc_wait(struct domain *d, struct trapframe *tf)
{
	(void)tf;
	if (!event_ready(d))
		domain_set_state(d, DOM_BLOCKED);	/* sched_return_to_guest switches away */
	return SV_OK;
}

/* SV_OP_WAIT after unmasking upcalls, so the wake-up reaches the callback. */
static int32_t hc_block(struct domain *d, struct trapframe *tf)
{
	d->shared->upcall_mask = 0;
	return hc_wait(d, tf);
}

static int32_t hc_exit(struct domain *d, struct trapframe *tf)
{
	domain_exit(d, (int32_t)ARG1(tf));
	return SV_OK;			/* nobody receives it */
}

/* ---- events and time */

static int32_t hc_event_callback(struct domain *d, struct trapframe *tf)
{
	uint32_t entry = ARG1(tf);
	if (entry >= SV_GUEST_LIMIT)
		return SV_EFAULT;
	d->callback = entry;
	return SV_OK;
}

static int32_t hc_event_send(struct domain *d, struct trapframe *tf)
{
	uint32_t target_id = ARG1(tf), port = ARG2(tf);

	if (port >= SV_NR_PORTS)
		return SV_EINVAL;
	if (target_id == SV_DOMID_SELF)
		target_id = d->id;
	if (target_id != d->id && !d->privileged)
		return SV_EPERM;
	struct domain *target = domain_get(target_id);
	if (!target || !domain_alive(target))
		return SV_ENOENT;
	event_raise(target, port);
	return SV_OK;
}

static int32_t hc_event_return(struct domain *d, struct trapframe *tf)
{
	return event_return(d, tf, ARG1(tf));
}

static int32_t hc_timer_set(struct domain *d, struct trapframe *tf)
{
	sched_timer_set(d, (uint64_t)ARG2(tf) << 32 | ARG1(tf));
	return SV_OK;
}

static int32_t hc_time_get(struct domain *d, struct trapframe *tf)
{
	uint64_t now = tsc_now_ns();
	return copy_to_guest(d->pgdir, ARG1(tf), &now, sizeof(now));
}

/* ---- domain 0 only */

static int32_t hc_domain_list(struct domain *d, struct trapframe *tf)
{
	struct sv_domain_info info[SV_MAX_DOMAINS];
	uint32_t n = 0;

	if (!d->privileged)
		return SV_EPERM;
	for (uint32_t id = 0; id < SV_MAX_DOMAINS; id++) {
		struct domain *x = domain_get(id);
		if (!x)
			continue;
		static const uint32_t states[] = {
			[DOM_RUNNABLE] = SV_DOM_RUNNABLE, [DOM_BLOCKED] = SV_DOM_BLOCKED,
			[DOM_EXITED] = SV_DOM_EXITED, [DOM_KILLED] = SV_DOM_KILLED,
		};
		info[n] = (struct sv_domain_info){
			.domid = x->id, .state = states[x->state],
			.exit_status = x->exit_status,
			.pages = x->pages + (x->pgdir ? pgdir_frames(x->pgdir) : 0),
		};
		memcpy(info[n].name, x->name, sizeof(info[n].name));
		n++;
	}
	uint32_t want = MIN(ARG2(tf), n);
	int rc = copy_to_guest(d->pgdir, ARG1(tf), info, want * sizeof(info[0]));
	return rc != SV_OK ? rc : (int32_t)n;
}

static int32_t hc_mem_info(struct domain *d, struct trapframe *tf)
{
	if (!d->privileged)
		return SV_EPERM;
	struct sv_mem_info mi = { .total_frames = frames_total(), .free_frames = frames_free() };
	return copy_to_guest(d->pgdir, ARG1(tf), &mi, sizeof(mi));
}

/* ---- shares: the argument checks and the work are in share/ */

#define ARG3(tf) ((tf)->edx)
#define ARG4(tf) ((tf)->esi)
#define ARG5(tf) ((tf)->edi)

static int32_t hc_share_create(struct domain *d, struct trapframe *tf)
{
	return share_create(d, ARG1(tf));
}

static int32_t hc_share_grant(struct domain *d, struct trapframe *tf)
{
	return share_grant(d, ARG1(tf), ARG2(tf));
}

static int32_t hc_share_destroy(struct domain *d, struct trapframe *tf)
{
	return share_destroy(d, ARG1(tf));
}

static int32_t hc_share_get(struct domain *d, struct trapframe *tf)
{
	return share_get(d, ARG1(tf), ARG2(tf));
}

static int32_t hc_share_drop(struct domain *d, struct trapframe *tf)
{
	return share_drop(d, ARG1(tf));
}

static int32_t hc_share_map(struct domain *d, struct trapframe *tf)
{
	return share_map(d, ARG1(tf), ARG2(tf), ARG3(tf));
}

static int32_t hc_share_unmap(struct domain *d, struct trapframe *tf)
{
	return share_unmap(d, ARG1(tf));
}

static int32_t hc_share_info(struct domain *d, struct trapframe *tf)
{
	return share_info(d, ARG1(tf), ARG2(tf));
}

static int32_t hc_watch(struct domain *d, struct trapframe *tf)
{
	return watch_add(d, ARG1(tf), ARG2(tf), ARG3(tf));
}

static int32_t hc_unwatch(struct domain *d, struct trapframe *tf)
{
	return watch_remove(d, ARG1(tf), ARG2(tf), ARG3(tf));
}

/* SV_TRIGGER_WAIT: the trigger, then SV_OP_WAIT, in one trap. */
static int32_t hc_trigger(struct domain *d, struct trapframe *tf)
{
	uint32_t offset = ARG2(tf);
	int32_t rc = watch_trigger(d, ARG1(tf), offset & ~SV_TRIGGER_WAIT);
	if (rc >= 0 && (offset & SV_TRIGGER_WAIT))
		hc_wait(d, tf);
	return rc;
}

static int32_t hc_sg_register(struct domain *d, struct trapframe *tf)
{
	return sg_register(d, ARG1(tf), ARG2(tf), ARG3(tf), ARG4(tf), ARG5(tf));
}

static int32_t hc_sg_unregister(struct domain *d, struct trapframe *tf)
{
	return sg_unregister(d, ARG1(tf), ARG2(tf));
}

/* SV_XFER_WAIT: the transfer, then SV_OP_WAIT, in one trap. */
static int32_t hc_sg_xfer(struct domain *d, struct trapframe *tf)
{
	uint32_t dir = ARG2(tf);
	int32_t rc = sg_xfer(d, ARG1(tf), dir & ~SV_XFER_WAIT, ARG3(tf), ARG4(tf), ARG5(tf));
	if (rc >= 0 && (dir & SV_XFER_WAIT))
		hc_wait(d, tf);
	return rc;
}

/* ---- devices: the argument checks and the work are in kernel/device.c */

static int32_t hc_device_query(struct domain *d, struct trapframe *tf)
{
	return device_query(d, ARG1(tf), ARG2(tf));
}

static int32_t hc_device_grab(struct domain *d, struct trapframe *tf)
{
	return device_grab(d, ARG1(tf), ARG2(tf), ARG3(tf));
}

static int32_t hc_device_release(struct domain *d, struct trapframe *tf)
{
	return device_release(d, ARG1(tf));
}

static int32_t hc_device_config(struct domain *d, struct trapframe *tf)
{
	return device_config(d, ARG1(tf), ARG2(tf), ARG3(tf));
}

/* One entry per operation: the handler, its name (the trace and the
 * invariant checker name the call) and, for the trace, one letter per
 * argument: 'd' printed in decimal, 'x' in hex (addresses, flags). */
static const struct hypercall_op {
	hypercall_fn handler;
	const char *name, *args;
} ops[SV_OP_COUNT] = {
	[SV_OP_VERSION] = { hc_version, "version", "" },
	[SV_OP_CONSOLE_WRITE] = { hc_console_write, "console_write", "xd" },
	[SV_OP_YIELD] = { hc_yield, "yield", "" },
	[SV_OP_BLOCK] = { hc_block, "block", "" },
	[SV_OP_EVENT_CALLBACK] = { hc_event_callback, "event_callback", "x" },
	[SV_OP_EVENT_SEND] = { hc_event_send, "event_send", "dd" },
	[SV_OP_EVENT_RETURN] = { hc_event_return, "event_return", "x" },
	[SV_OP_TIMER_SET] = { hc_timer_set, "timer_set", "xx" },
	[SV_OP_TIME_GET] = { hc_time_get, "time_get", "x" },
	[SV_OP_EXIT] = { hc_exit, "exit", "d" },
	[SV_OP_DOMAIN_LIST] = { hc_domain_list, "domain_list", "xd" },
	[SV_OP_MEM_INFO] = { hc_mem_info, "mem_info", "x" },
	[SV_OP_SHARE_CREATE] = { hc_share_create, "share_create", "d" },
	[SV_OP_SHARE_GRANT] = { hc_share_grant, "share_grant", "dd" },
	[SV_OP_SHARE_DESTROY] = { hc_share_destroy, "share_destroy", "d" },
	[SV_OP_SHARE_GET] = { hc_share_get, "share_get", "dd" },
	[SV_OP_SHARE_DROP] = { hc_share_drop, "share_drop", "d" },
	[SV_OP_SHARE_MAP] = { hc_share_map, "share_map", "dxx" },
	[SV_OP_SHARE_UNMAP] = { hc_share_unmap, "share_unmap", "d" },
	[SV_OP_SHARE_INFO] = { hc_share_info, "share_info", "dx" },
	[SV_OP_WATCH] = { hc_watch, "watch", "dxx" },
	[SV_OP_UNWATCH] = { hc_unwatch, "unwatch", "dxx" },
	[SV_OP_TRIGGER] = { hc_trigger, "trigger", "dx" },
	[SV_OP_SG_REGISTER] = { hc_sg_register, "sg_register", "ddxdx" },
	[SV_OP_SG_UNREGISTER] = { hc_sg_unregister, "sg_unregister", "dd" },
	[SV_OP_SG_XFER] = { hc_sg_xfer, "sg_xfer", "dddxd" },
	[SV_OP_DEVICE_QUERY] = { hc_device_query, "device_query", "dx" },
	[SV_OP_DEVICE_GRAB] = { hc_device_grab, "device_grab", "ddx" },
	[SV_OP_DEVICE_RELEASE] = { hc_device_release, "device_release", "d" },
	[SV_OP_DEVICE_CONFIG] = { hc_device_config, "device_config", "ddd" },
	[SV_OP_WAIT] = { hc_wait, "wait", "" },
};

const char *hypercall_name(uint32_t op)
{
	return op < SV_OP_COUNT && ops[op].name ? ops[op].name : "unknown";
}

uint32_t debug_flags;

/* hypercall() with a debug mode on: trace the call (the arguments are
 * saved first, as a handler may change the registers: event_return
 * restores them), then check the invariants. Not inlined, so that its
 * stack frame costs nothing when no mode is on. */
static __attribute__((noinline)) void hypercall_debug(struct domain *d, struct trapframe *tf, uint32_t op)
{
	const uint32_t args[5] = { ARG1(tf), ARG2(tf), ARG3(tf), ARG4(tf), ARG5(tf) };
	bool known = op < SV_OP_COUNT && ops[op].handler;

	tf->eax = known ? (uint32_t)ops[op].handler(d, tf) : (uint32_t)SV_ENOSYS;
	if ((debug_flags & DEBUG_TRACE) && known)
		trace_hypercall(d, ops[op].name, ops[op].args, args, (int32_t)tf->eax);
	else if (debug_flags & DEBUG_TRACE)	/* "unknown(OP)" */
		trace_hypercall(d, "unknown", "d", (const uint32_t[5]){ op }, (int32_t)tf->eax);
	if ((debug_flags & DEBUG_INVARIANTS) && known)
		invariants_check(ops[op].name);
}

void hypercall(struct domain *d, struct trapframe *tf)
{
	uint32_t op = tf->eax;
	PROFILE_OP(op);
	if (debug_flags) {	/* no mode on: this one test is all they cost */
		hypercall_debug(d, tf, op);
		return;
	}
	if (op >= SV_OP_COUNT || !ops[op].handler) {
		tf->eax = (uint32_t)SV_ENOSYS;
		return;
	}
	PROFILE_STAGE(PROF_HANDLER);
	tf->eax = (uint32_t)ops[op].handler(d, tf);
}
