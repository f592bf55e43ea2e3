/*
 * cmdline.h: the hypervisor's command line (the words after the kernel
 * path in grub.cfg, or QEMU's -append). Words are separated by spaces:
 *
 *   selftest=LIST   run self-tests at boot; LIST is comma-separated from
 *                   frames (the frame allocator), paging (page-table
 *                   helpers), timer (the PIT interrupt)
 *   check=invariants  after every hypercall, verify the frame table
 *                   against the page tables (kernel/invariants.c)
 *   trace=hypercalls  print a line for every hypercall (after it returns,
 *                   with its arguments and result), every event port
 *                   raised and every upcall (kernel/trace.c; the format
 *                   is in docs/debugging.md)
 *   devslice=MS     a passthrough device owner's time slice, when others
 *                   wait (default SV_DEV_SLICE_DEFAULT_MS; 1..60000)
 *   devgrace=MS     how long an owner has to release after "release now"
 *                   before it is revoked (default SV_DEV_GRACE_DEFAULT_MS;
 *                   1..10000); kernel/device.c, docs/devices.md
 *   fpu=eager|lazy  when a domain's FPU state is saved and restored: on
 *                   every switch (eager, the default), or on its first
 *                   FPU instruction after one (lazy, CR0.TS and #NM);
 *                   kernel/fpu.c, docs/domains.md
 *   tick=none|periodic  how time is kept once domains run: each CPU's
 *                   local APIC timer programmed for the next thing due
 *                   (none, tickless: the default when there is an APIC
 *                   timer), or the PIT's 100 Hz tick on CPU 0 checking
 *                   everything (periodic, the way before; the only way
 *                   without an APIC); kernel/sched.c, docs/smp.md
 *   crash=WHAT      deliberately fault inside the hypervisor, to show the
 *                   panic report: pagefault, divide, stackoverflow (runs
 *                   into the stack guard page: a double fault), locktwice
 *                   (with several CPUs and check=invariants: the lock
 *                   checker's panic; docs/smp.md)
 *
 * Unknown words and non-printable bytes are reported and ignored: a
 * garbled command line never stops the boot.
 */
#ifndef SV_CMDLINE_H
#define SV_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum crash_kind { CRASH_NONE, CRASH_PAGEFAULT, CRASH_DIVIDE, CRASH_STACK_OVERFLOW,
		  CRASH_LOCK_TWICE };

struct boot_options {
	bool check_invariants;	/* check=invariants: after every hypercall */
	bool trace_hypercalls;	/* trace=hypercalls */
	bool selftest_frames, selftest_paging, selftest_timer;
	uint32_t dev_slice_ms, dev_grace_ms;	/* devslice=, devgrace= */
	bool fpu_lazy;		/* fpu=lazy */
	bool tick_periodic;	/* tick=periodic */
	enum crash_kind crash;
	int problems;		/* words that were reported and ignored */
};

/* Parse cmdline (NUL-terminated) into opts. Reports every problem. */
void cmdline_parse(const char *cmdline, struct boot_options *opts);

/* The next space-separated word in [*cursor, end), or NULL if there is
 * none; *len gets its length and *cursor moves past it. Also used for
 * module command lines (kernel/builder.c). */
const char *next_word(const char **cursor, const char *end, size_t *len);

#endif /* SV_CMDLINE_H */
