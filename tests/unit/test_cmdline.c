/*
 * test_cmdline.c: kernel/cmdline.c, the hypervisor's command line:
 * selftest= and crash= options, QEMU's leading image path, problems that
 * are reported while the rest still applies (unknown options, self-tests
 * and crash kinds, non-printable bytes), and a MAX_CMDLINE buffer with no
 * NUL (ASan checks that nothing past it is read).
 */
#include <stdlib.h>
#include <string.h>
#include "cmdline.h"
#include "klib.h"
#include "param.h"
#include "sharevisor.h"
#include "unit.h"

static struct boot_options opts;

/* Parse s into opts with a clean log. opts starts as garbage, to show
 * that cmdline_parse sets every field. */
static void parse(const char *s)
{
	memset(&opts, 0x5A, sizeof(opts));
	unit_log_clear();
	cmdline_parse(s, &opts);
}

/* Are the selected self-tests exactly frames/paging/timer? */
static bool selftests_are(bool frames, bool paging, bool timer)
{
	return opts.selftest_frames == frames && opts.selftest_paging == paging &&
	       opts.selftest_timer == timer;
}

static void test_empty(void)
{
	parse("");
	CHECK(selftests_are(false, false, false) && opts.crash == CRASH_NONE &&
	      opts.problems == 0, "an empty command line: nothing selected, no problems");
	CHECK_STR(unit_log(), "", "an empty command line prints nothing");

	parse("   ");
	CHECK(selftests_are(false, false, false) && opts.crash == CRASH_NONE &&
	      opts.problems == 0, "only spaces: nothing selected, no problems");
}

static void test_options(void)
{
	parse("selftest=frames,paging,timer");
	CHECK(selftests_are(true, true, true) && opts.problems == 0,
	      "selftest=frames,paging,timer selects all three");

	parse("selftest=paging");
	CHECK(selftests_are(false, true, false) && opts.crash == CRASH_NONE,
	      "selftest=paging selects only paging");

	parse("selftest=timer selftest=frames");
	CHECK(selftests_are(true, false, true) && opts.problems == 0,
	      "two selftest= words add up");

	parse("crash=pagefault");
	CHECK_EQ(opts.crash, CRASH_PAGEFAULT, "crash=pagefault");
	parse("crash=divide");
	CHECK_EQ(opts.crash, CRASH_DIVIDE, "crash=divide");
	parse("crash=stackoverflow selftest=paging");
	CHECK(opts.crash == CRASH_STACK_OVERFLOW && selftests_are(false, true, false) &&
	      opts.problems == 0,
	      "a first word that is not a path is an option (crash=stackoverflow)");

	parse("   selftest=frames    crash=divide   ");
	CHECK(selftests_are(true, false, false) && opts.crash == CRASH_DIVIDE &&
	      opts.problems == 0, "leading, repeated and trailing spaces are skipped");
}

static void test_qemu_path(void)
{
	parse("build/sharevisor.elf selftest=timer");
	CHECK(selftests_are(false, false, true) && opts.problems == 0,
	      "QEMU form: the leading path is skipped (build/sharevisor.elf)");

	parse("/boot/x.elf crash=divide");
	CHECK(opts.crash == CRASH_DIVIDE && opts.problems == 0,
	      "QEMU form: an absolute path is skipped");

	parse("sharevisor.elf selftest=frames");
	CHECK(selftests_are(true, false, false) && opts.problems == 0,
	      "a first word ending in .elf is a path, even without a '/'");

	parse("boot/kernel selftest=paging");
	CHECK(selftests_are(false, true, false) && opts.problems == 0,
	      "a first word with a '/' is a path, even without .elf");

	parse("build/sharevisor.elf");
	CHECK(selftests_are(false, false, false) && opts.problems == 0,
	      "a path alone: nothing selected, no problems");

	parse("selftest=frames /boot/x.elf");
	CHECK(selftests_are(true, false, false) && opts.problems == 1,
	      "only the first word can be a path; a later one is an unknown option");
	CHECK_LOG("cmdline: unknown option '/boot/x.elf' ignored\n", "... and is reported");

	parse("elf selftest=timer");
	CHECK(selftests_are(false, false, true) && opts.problems == 1,
	      "a first word 'elf' (too short for .elf) is an option, reported");
}

static void test_problems(void)
{
	parse("verbose selftest=frames");
	CHECK(selftests_are(true, false, false) && opts.problems == 1,
	      "unknown option: reported, the rest applied");
	CHECK_LOG("cmdline: unknown option 'verbose' ignored\n", "unknown option: the message");

	parse("selftest=frames,bogus,timer");
	CHECK(selftests_are(true, false, true) && opts.problems == 1,
	      "unknown self-test: reported, the others in the list applied");
	CHECK_LOG("cmdline: unknown self-test 'bogus' ignored\n", "unknown self-test: the message");

	parse("crash=explode selftest=paging");
	CHECK(opts.crash == CRASH_NONE && selftests_are(false, true, false) &&
	      opts.problems == 1, "unknown crash kind: reported, no crash, the rest applied");
	CHECK_LOG("cmdline: unknown crash kind 'explode' ignored\n", "unknown crash kind: the message");

	parse("trace=hypercalls check=invariants");
	CHECK(opts.trace_hypercalls && opts.check_invariants && opts.problems == 0,
	      "trace=hypercalls and check=invariants");
	parse("trace=everything");
	CHECK(!opts.trace_hypercalls && opts.problems == 1, "unknown trace: reported, not on");
	CHECK_LOG("cmdline: unknown trace 'everything' ignored\n", "unknown trace: the message");

	parse("crash= selftest");
	CHECK(opts.crash == CRASH_NONE && opts.problems == 2,
	      "'crash=' (empty kind) and 'selftest' (no '=') are both reported");
	CHECK_LOG("unknown crash kind '' ignored", "empty crash kind: the message");
	CHECK_LOG("unknown option 'selftest' ignored", "'selftest' without '=': the message");

	parse("=frames selftest=frames=1 Selftest=timer crash=divide");
	CHECK(selftests_are(false, false, false) && opts.crash == CRASH_DIVIDE &&
	      opts.problems == 3, "odd words are each reported once, the valid one applied");
	CHECK_LOG("unknown option '=frames'", "an empty key is an unknown option");
	CHECK_LOG("unknown self-test 'frames=1'", "a second '=' belongs to the value");
	CHECK_LOG("unknown option 'Selftest=timer'", "option names are case-sensitive");

	/* Empty items in the list are skipped silently (they name nothing);
	 * only names that are not self-tests count as problems. */
	parse("selftest=,frames,,");
	CHECK(selftests_are(true, false, false) && opts.problems == 0,
	      "selftest=,frames,, selects frames; empty items are skipped");
	parse("selftest=,,bogus,,timer,");
	CHECK(selftests_are(false, false, true) && opts.problems == 1,
	      "selftest=,,bogus,,timer, : one problem (bogus), timer applied");
	parse("selftest=");
	CHECK(selftests_are(false, false, false) && opts.problems == 0,
	      "selftest= with an empty list selects nothing");
}

static void test_non_printable(void)
{
	parse("selftest=frames\tcrash=divide");
	CHECK(selftests_are(true, false, false) && opts.crash == CRASH_NONE &&
	      opts.problems == 1, "a tab stops parsing there: frames kept, crash= not read");
	CHECK_LOG("cmdline: byte 0x9 at offset 15 is not printable; "
		  "the command line is read up to there\n", "the message names byte and offset");

	parse("crash=divide selftest=timer\x7f");
	CHECK(opts.crash == CRASH_DIVIDE && selftests_are(false, false, true) &&
	      opts.problems == 1, "a DEL at the end: everything before it applies");
	CHECK_LOG("byte 0x7f at offset 27", "DEL: the message");

	parse("selftest=pag\xc3\xa9ing");
	CHECK(selftests_are(false, false, false) && opts.problems == 2,
	      "a UTF-8 byte cuts a word: the stub 'pag' is then unknown");
	CHECK_LOG("byte 0xc3 at offset 12", "the first non-ASCII byte is named");
	CHECK_LOG("unknown self-test 'pag' ignored", "the cut word is reported");

	parse("\x01selftest=frames");
	CHECK(selftests_are(false, false, false) && opts.problems == 1,
	      "a non-printable first byte: nothing is parsed");
	CHECK_LOG("byte 0x1 at offset 0", "offset 0 is named");
}

/* A MAX_CMDLINE buffer of its own (no NUL), so that ASan sees any read
 * past its end. text is placed at the start and tail at the end. */
static char *unterminated(const char *text, const char *tail)
{
	char *buf = malloc(MAX_CMDLINE);
	memset(buf, ' ', MAX_CMDLINE);
	memcpy(buf, text, strlen(text));
	memcpy(buf + MAX_CMDLINE - strlen(tail), tail, strlen(tail));
	return buf;
}

static void test_unterminated(void)
{
	char *buf = unterminated("selftest=timer", "crash=divide");
	parse(buf);
	CHECK(selftests_are(false, false, true) && opts.crash == CRASH_DIVIDE &&
	      opts.problems == 0,
	      "MAX_CMDLINE bytes without a NUL: read up to the bound, last word included");
	free(buf);

	buf = unterminated("build/x.elf", "selftest");
	parse(buf);
	CHECK(opts.problems == 1 && unit_log_contains("unknown option 'selftest' ignored"),
	      "no NUL, the buffer ending in a word without '=': reported, nothing past read");
	free(buf);

	/* MAX_CMDLINE - 1 characters and the NUL: the longest normal line */
	buf = unterminated("selftest=paging", "crash=pagefault");
	buf[MAX_CMDLINE - 1] = '\0';
	parse(buf);
	CHECK(selftests_are(false, true, false) && opts.crash == CRASH_NONE &&
	      opts.problems == 1,
	      "a NUL at MAX_CMDLINE-1 cuts the last word ('crash=pagefaul' is unknown)");
	CHECK_LOG("unknown crash kind 'pagefaul' ignored", "the cut word is reported as written");
	free(buf);
}

/* devslice= and devgrace=: decimal milliseconds within the ABI's ranges;
 * anything else is reported, names the word, and keeps the default. */
static void test_device_times(void)
{
	parse("");
	CHECK(opts.dev_slice_ms == SV_DEV_SLICE_DEFAULT_MS &&
	      opts.dev_grace_ms == SV_DEV_GRACE_DEFAULT_MS, "the defaults without the words");

	parse("devslice=30 devgrace=10");
	CHECK(opts.dev_slice_ms == 30 && opts.dev_grace_ms == 10 && opts.problems == 0,
	      "devslice=30 devgrace=10");
	parse("devslice=1 devgrace=10000");
	CHECK(opts.dev_slice_ms == 1 && opts.dev_grace_ms == SV_DEV_GRACE_MAX_MS &&
	      opts.problems == 0, "the ends of the ranges are accepted");

	static const char *const bad[] = {
		"devslice=0", "devslice=60001", "devslice=99999999999999999999", "devslice=",
		"devslice=10ms", "devslice=-5", "devslice=0x10", "devgrace=0", "devgrace=10001",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(bad[i]);
		CHECK(opts.dev_slice_ms == SV_DEV_SLICE_DEFAULT_MS &&
		      opts.dev_grace_ms == SV_DEV_GRACE_DEFAULT_MS && opts.problems == 1,
		      "%s is refused and the defaults stay", bad[i]);
		CHECK(strstr(unit_log(), bad[i]) != NULL, "the report names '%s': %s", bad[i],
		      unit_log());
	}
	parse("devslice=70000 devgrace=5");
	CHECK(opts.dev_slice_ms == SV_DEV_SLICE_DEFAULT_MS && opts.dev_grace_ms == 5 &&
	      opts.problems == 1, "a bad devslice= does not stop a good devgrace=");
}

int main(void)
{
	test_empty();
	test_options();
	test_qemu_path();
	test_problems();
	test_non_printable();
	test_unterminated();
	test_device_times();
	return unit_done();
}
