/*
 * xtf.h: checks and verdicts for the test guests, in the style of the Xen
 * Test Framework. A test guest proves one behaviour: it makes a series of
 * checks, prints one line for each check that failed (what was checked,
 * the value expected and the value got), and ends with exactly one
 * verdict line
 *
 *     VERDICT NAME: PASS
 *     VERDICT NAME: FAIL (n of m checks failed)
 *
 * where NAME is the test's name. main returns xtf_verdict(NAME), which is
 * 0 on PASS and 1 on FAIL, so the domain's exit status is the verdict too.
 *
 *     CHECK(cond, fmt, ...)    cond must hold; fmt says what went wrong
 *     CHECK_EQ(got, want)      integers must be equal
 *     CHECK_RC(got, want)      a hypercall result, shown as SV_E* names
 *     CHECK_RC2(got, a, b)     either of two errors: where both apply, the
 *                              header leaves which one comes back open
 *
 * Each returns whether the check passed, so a test can skip the checks
 * that make no sense after a failure.
 */
#ifndef XTF_H
#define XTF_H

#include "sv.h"

static unsigned xtf_checks, xtf_failed;

static inline bool xtf_check(bool ok, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline bool xtf_check(bool ok, int line, const char *fmt, ...)
{
	xtf_checks++;
	if (ok)
		return true;
	xtf_failed++;
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("check failed (line %d): %s\n", line, msg);
	return false;
}

#define CHECK(cond, ...) xtf_check((cond), __LINE__, __VA_ARGS__)

/* Both sides are converted to int64_t, so any integer type compares
 * as its value. */
#define CHECK_EQ(got, want) xtf_check_eq((int64_t)(got), (int64_t)(want), #got, __LINE__)

static inline bool xtf_check_eq(int64_t got, int64_t want, const char *expr, int line)
{
	return xtf_check(got == want, line, "%s: expected %lld (%#llx), got %lld (%#llx)",
			 expr, (long long)want, (unsigned long long)want,
			 (long long)got, (unsigned long long)got);
}

#define CHECK_RC(got, want) xtf_check_rc((got), (want), #got, __LINE__)

static inline bool xtf_check_rc(int32_t got, int32_t want, const char *expr, int line)
{
	return xtf_check(got == want, line, "%s: expected %d (%s), got %d (%s)",
			 expr, want, sv_strerror(want), got, sv_strerror(got));
}

#define CHECK_RC2(got, want, or_this) xtf_check_rc2((got), (want), (or_this), #got, __LINE__)

static inline bool xtf_check_rc2(int32_t got, int32_t want, int32_t or_this, const char *expr,
				 int line)
{
	return xtf_check(got == want || got == or_this, line,
			 "%s: expected %d (%s) or %d (%s), got %d (%s)", expr, want,
			 sv_strerror(want), or_this, sv_strerror(or_this), got, sv_strerror(got));
}

/* The verdict line; main's return value. */
static inline int xtf_verdict(const char *test)
{
	if (xtf_failed == 0) {
		printf("VERDICT %s: PASS\n", test);
		return 0;
	}
	printf("VERDICT %s: FAIL (%u of %u checks failed)\n", test, xtf_failed, xtf_checks);
	return 1;
}

#endif /* XTF_H */
