/*
 * unit.h: the tiny framework shared by the host unit tests (tests/unit).
 *
 * It supplies what the "pure" hypervisor files expect from the rest of
 * the kernel: printk (into an in-memory log, echoed to stdout as "# "
 * lines), panic (recorded, then a longjmp back to EXPECT_PANIC), and
 * boot_phys (a fake physical memory of FAKE_PHYS_SIZE bytes at physical
 * address 0, with an optional unreadable hole).
 *
 * Every check prints exactly one line, which tests/run.py counts:
 *   ok - <description>
 *   not ok - <description>: <details>
 * main() ends with "return unit_done();".
 */
#ifndef SV_UNIT_H
#define SV_UNIT_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "multiboot.h"

/* ---- checks ---- */

/* Record one check; desc is a printf format. Returns ok. */
bool unit_check(bool ok, const char *file, int line, const char *details,
		const char *desc, ...) __attribute__((format(printf, 5, 6)));
bool unit_check_u64(uint64_t got, uint64_t want, const char *file, int line,
		    const char *desc, ...) __attribute__((format(printf, 5, 6)));
bool unit_check_str(const char *got, const char *want, const char *file, int line,
		    const char *desc, ...) __attribute__((format(printf, 5, 6)));
bool unit_check_log(const char *substring, const char *file, int line,
		    const char *desc, ...) __attribute__((format(printf, 4, 5)));

/* CHECK(cond, "what is being shown", ...) */
#define CHECK(cond, ...) \
	unit_check((cond), __FILE__, __LINE__, "false: " #cond, __VA_ARGS__)
/* Exact equality of two integers (compared as uint64_t). */
#define CHECK_EQ(got, want, ...) \
	unit_check_u64((uint64_t)(got), (uint64_t)(want), __FILE__, __LINE__, __VA_ARGS__)
/* Exact equality of two C strings. */
#define CHECK_STR(got, want, ...) \
	unit_check_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
/* The log (everything printk printed since unit_log_clear) contains s. */
#define CHECK_LOG(s, ...) \
	unit_check_log((s), __FILE__, __LINE__, __VA_ARGS__)

/* Print a summary; returns the exit status (1 if any check failed). */
int unit_done(void);

/* ---- the printk log ---- */

void unit_log_clear(void);
bool unit_log_contains(const char *substring);
int unit_log_count(const char *substring);	/* occurrences in the log */
const char *unit_log(void);			/* the whole log */

/* ---- panic ---- */

/* Where panic() jumps to; NULL outside EXPECT_PANIC (a panic there is a
 * test failure: it is printed and the program exits with status 1). */
extern jmp_buf *unit_panic_jump;
extern char unit_panic_msg[256];		/* the last panic's message */

/*
 * EXPECT_PANIC(stmt): run stmt; true if it panicked (the message is then
 * in unit_panic_msg and in the log), false if it returned normally.
 * Keep stmt to a function call: locals changed by stmt are not reliable
 * after a panic (longjmp).
 */
#define EXPECT_PANIC(stmt) ({						\
	jmp_buf unit_jb_;						\
	jmp_buf *volatile unit_outer_ = unit_panic_jump;		\
	volatile bool unit_panicked_ = false;				\
	unit_panic_msg[0] = '\0';					\
	if (setjmp(unit_jb_) == 0) {					\
		unit_panic_jump = &unit_jb_;				\
		stmt;							\
	} else {							\
		unit_panicked_ = true;					\
	}								\
	unit_panic_jump = unit_outer_;					\
	unit_panicked_;							\
})

/* ---- reproducible pseudo-random numbers ---- */

/* xorshift64 from a fixed seed: every run tests the same values. */
uint64_t unit_random(void);

/* ---- fake physical memory, read by boot_phys() ---- */

#define FAKE_PHYS_SIZE	(16u << 20)	/* physical [0, 16 MiB) exists */

/* Zero all of fake memory and remove the hole. */
void unit_phys_reset(void);
/* Make [start, end) unreadable (boot_phys refuses any range touching it). */
void unit_phys_hole(uint64_t start, uint64_t end);
/* A writable pointer to physical pa..pa+len (aborts the test if outside). */
void *unit_phys(uint64_t pa, size_t len);
void unit_phys_put(uint64_t pa, const void *src, size_t len);
void unit_phys_put_str(uint64_t pa, const char *s);	/* with its NUL */
void unit_phys_put_mbi(uint64_t pa, const struct multiboot_info *mbi);
/* One memory map entry with an explicit size field (normally 20); returns
 * the address of the next entry (pa + 4 + size). */
uint64_t unit_phys_put_mmap_entry(uint64_t pa, uint32_t size, uint64_t addr,
				  uint64_t len, uint32_t type);
void unit_phys_put_modules(uint64_t pa, const struct multiboot_module *m, int n);

#endif /* SV_UNIT_H */
