/*
 * sv.h: the guest library. Every guest program includes this one header.
 *
 * A guest is a static ELF linked at SV_GUEST_BASE (guests/guest.ld). Its
 * start-up code (guests/lib/start.c) calls
 *
 *     int main(const struct sv_start_info *si);
 *
 * and passes main's return value to sv_exit. Everything a guest can do
 * goes through the hypercalls of include/sharevisor.h; this library
 * wraps them, and adds printf, string helpers and event handling.
 */
#ifndef SV_GUEST_LIB_H
#define SV_GUEST_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib.h"
#include "sharevisor.h"

/* ---- hypercalls (guests/lib/hypercall.h has the raw int $0x82 stubs) */
int32_t sv_version(void);
int32_t sv_console_write(const void *buf, uint32_t len);
int32_t sv_yield(void);
int32_t sv_block(void);
int32_t sv_wait(void);	/* SV_OP_WAIT: block, leaving upcalls masked if they are */
int32_t sv_event_callback(void (*entry)(void));
int32_t sv_event_send(sv_domid_t dom, uint32_t port);
int32_t sv_timer_set(uint64_t deadline_ns);
int32_t sv_time_get(uint64_t *ns);
void sv_exit(int32_t status) __attribute__((noreturn));
int32_t sv_domain_list(struct sv_domain_info *buf, uint32_t max);
int32_t sv_mem_info(struct sv_mem_info *out);

/* Shares (include/sharevisor.h, section 7). Counters and length words are
 * written by the hypervisor while the guest is not running: read them
 * after a hypercall or a sleep (both are compiler barriers). */
int32_t sv_share_create(uint32_t npages);
int32_t sv_share_grant(sv_share_t share, sv_domid_t dom);
int32_t sv_share_destroy(sv_share_t share);
int32_t sv_share_get(sv_share_t share, uint32_t port);
int32_t sv_share_drop(sv_share_t share);
int32_t sv_share_map(sv_share_t share, uint32_t va, uint32_t flags);
int32_t sv_share_unmap(sv_share_t share);
int32_t sv_share_info(sv_share_t share, struct sv_share_status *out);
int32_t sv_watch(sv_share_t share, uint32_t offset, uint32_t *counter);
int32_t sv_unwatch(sv_share_t share, uint32_t offset, uint32_t *counter);
int32_t sv_trigger(sv_share_t share, uint32_t offset);
int32_t sv_sg_register(sv_share_t share, uint32_t dir, const struct sv_sg *list, uint32_t n,
		       uint32_t *len);
int32_t sv_sg_unregister(sv_share_t share, int32_t handle);
int32_t sv_sg_xfer(sv_share_t share, uint32_t dir, uint32_t peer, const struct sv_sg *list,
		   uint32_t n);

/* Devices (include/sharevisor.h, section 8; guests/lib/com2.c drives COM2). */
int32_t sv_device_query(uint32_t dev, struct sv_device_status *out);
int32_t sv_device_grab(uint32_t dev, uint32_t port, uint32_t flags);
int32_t sv_device_release(uint32_t dev);
int32_t sv_device_config(uint32_t dev, uint32_t slice_ms, uint32_t grace_ms);

/* Domain 0 asks about the others (guests/lib/domains.c). */
bool sv_domain_running(uint32_t domid);		/* runnable or blocked */
bool sv_others_ended(void);			/* every other domain exited or was killed */
/* Grant share to each domain named in list (comma-separated), saying so
 * ("WHAT 32 granted to ping (domain 1)") or that it cannot. */
void sv_share_grant_each(sv_share_t share, const char *list, const char *what);

/* The raw hypercall, for tests that pass deliberately bad arguments. */
int32_t sv_hypercall(uint32_t op, uint32_t a1, uint32_t a2, uint32_t a3,
		     uint32_t a4, uint32_t a5);

/* ---- the pages every guest has */
#define start_info	((const struct sv_start_info *)SV_START_INFO)
#define shared_info	((struct sv_shared_info *)SV_SHARED_INFO)

/* ---- console (guests/lib/console.c) */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int puts(const char *s);		/* s and a newline */

/* ---- strings, memory, vsnprintf, sv_strerror: lib/lib.h, the library
 * the hypervisor links too */

/* The value of "key=" in the domain's command line, copied into buf;
 * false if absent. */
bool sv_cmdline_get(const char *key, char *buf, size_t size);
/* The same as an unsigned number (decimal, 0x hex, K/M suffix); dflt if
 * absent or not a number. */
uint32_t sv_cmdline_uint(const char *key, uint32_t dflt);

/* ---- events (guests/lib/events.c)
 *
 * events_init(handler) registers the library's upcall entry with the
 * hypervisor; from then on handler(port) is called once for each pending,
 * unmasked port, inside the upcall, with upcalls masked. The pending bit
 * is cleared before the handler runs. */
typedef void (*sv_event_handler_t)(uint32_t port);
void events_init(sv_event_handler_t handler);
void event_mask(uint32_t port);
void event_unmask(uint32_t port);		/* delivers it now if pending */
bool event_test_and_clear(uint32_t port);	/* for guests that poll */
/* Clear every pending, unmasked port; returns them (for a guest that
 * waited with upcalls masked, SV_OP_WAIT, and handles them itself). */
uint32_t events_take_pending(void);
void events_disable(void);			/* upcall_mask = 1, like cli */
void events_enable(void);			/* upcall_mask = 0, delivers pending, like sti */
void sv_block_until(bool (*done)(void));	/* block until done(), without losing a wake-up */
/* The same, for a port whose events only say "look again": its pending
 * bit is cleared before each look at done(). */
void sv_block_until_port(uint32_t port, bool (*done)(void));

/* ---- COM2, a passthrough device (guests/lib/com2.c) */
#include "com2.h"

/* ---- time (nanoseconds since boot) */
uint64_t sv_now(void);				/* sv_clock_ns() */
/* Nanoseconds since boot from the TSC (shared_info->clock), no hypercall. */
uint64_t sv_clock_ns(void);
/* Sleep: arm the timer for now + ns and block until it fires (other
 * events may be handled meanwhile). */
void sv_sleep_ns(uint64_t ns);

/* ---- measuring */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#endif /* SV_GUEST_LIB_H */
