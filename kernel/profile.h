/*
 * profile.h: where a hypercall's instructions go, stage by stage
 * (kernel/profile.c). Only in the profiling build, `make PROFILE=1`
 * (what `make bench` uses for its breakdown of a round trip): in the
 * normal build every PROFILE_* below is nothing at all, so the figures
 * of the normal build are not touched by it.
 *
 * A trap from a guest goes through these stages, each begun by a mark:
 *
 *   guest     the domain runs (from the last trap's exit to this entry)
 *   entry     trap() and the dispatch to the handler
 *   handler   the hypercall's own work (checks, table lookups)
 *   copy      sg_xfer's frame-to-frame copy (share/sg.c copy_sg)
 *   notify    raising the peer's event (event_raise)
 *   return    the way out: sched_return_to_guest's checks
 *   schedule  choosing the next domain (reschedule)
 *   switch    switch_to: registers, FPU, CR3, I/O bitmap
 *   deliver   pushing an upcall frame (event_deliver)
 *   idle      halted, nobody runnable (counted apart: not a path length)
 *
 * A mark reads the TSC (one tick per instruction under QEMU -icount) and
 * charges the time since the previous mark to the stage it ends, and to
 * the hypercall being handled. What a mark itself costs is measured at
 * boot and taken off each interval. What no mark can see: the CPU's own
 * entry and iret and the register pushes of kernel/trapentry.asm, about
 * twenty instructions a trap, which land in "guest".
 */
#ifndef SV_PROFILE_H
#define SV_PROFILE_H

#include <stdint.h>

enum prof_stage {
	PROF_GUEST, PROF_ENTRY, PROF_HANDLER, PROF_COPY, PROF_NOTIFY,
	PROF_RETURN, PROF_SCHEDULE, PROF_SWITCH, PROF_DELIVER, PROF_IDLE, PROF_STAGES
};

#ifdef SV_PROFILE
void profile_init(void);
void profile_stage(enum prof_stage s);
void profile_op(uint32_t op);		/* this trap is hypercall op (or PROF_OP_IRQ) */
void profile_report(void);		/* at power-off */
#define PROF_OP_IRQ	0xFFFFFFFFu
#define PROFILE_STAGE(s)	profile_stage(s)
#define PROFILE_OP(op)		profile_op(op)
#else
#define PROFILE_STAGE(s)	do { } while (0)
#define PROFILE_OP(op)		do { } while (0)
#endif

#endif /* SV_PROFILE_H */
