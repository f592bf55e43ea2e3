/*
 * unit.c: the host unit-test framework (see unit.h): check reporting,
 * the printk log, panic via longjmp, and the fake physical memory behind
 * boot_phys().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "klib.h"
#include "unit.h"

static int checks, failures;

/* ---- the printk log ---- */

static char *log_buf;
static size_t log_len, log_cap;
static bool echo_at_line_start = true;

static void log_append(const char *s)
{
	size_t n = strlen(s);
	if (log_len + n + 1 > log_cap) {
		log_cap = (log_len + n + 1) * 2;
		log_buf = realloc(log_buf, log_cap);
		if (!log_buf) {
			perror("unit: realloc");
			exit(2);
		}
	}
	memcpy(log_buf + log_len, s, n + 1);
	log_len += n;

	/* Echo, with "# " at the start of every line so that the harness
	 * never mistakes a message for a check. */
	for (; *s; s++) {
		if (echo_at_line_start)
			fputs("# ", stdout);
		putchar(*s);
		echo_at_line_start = *s == '\n';
	}
}

void unit_log_clear(void)
{
	log_len = 0;
	if (log_buf)
		log_buf[0] = '\0';
}

const char *unit_log(void)
{
	return log_buf ? log_buf : "";
}

bool unit_log_contains(const char *substring)
{
	return strstr(unit_log(), substring) != NULL;
}

int unit_log_count(const char *substring)
{
	int n = 0;
	size_t len = strlen(substring);
	for (const char *p = unit_log(); len && (p = strstr(p, substring)); p += len)
		n++;
	return n;
}

static void log_vprintf(const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_append(msg);
}

void printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vprintf(fmt, ap);
	va_end(ap);
}

/* ---- panic ---- */

jmp_buf *unit_panic_jump;
char unit_panic_msg[256];

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(unit_panic_msg, sizeof(unit_panic_msg), fmt, ap);
	va_end(ap);
	printk("PANIC: %s\n", unit_panic_msg);
	if (unit_panic_jump)
		longjmp(*unit_panic_jump, 1);
	fflush(stdout);
	printf("not ok - unexpected panic: %s\n", unit_panic_msg);
	exit(1);
}

/* ---- checks ---- */

/* Print the "ok"/"not ok" line. details may be NULL when ok. */
static bool report(bool ok, const char *file, int line, const char *details,
		   const char *desc, va_list ap)
{
	if (!echo_at_line_start) {	/* finish a partial printk line */
		putchar('\n');
		echo_at_line_start = true;
	}
	checks++;
	printf(ok ? "ok - " : "not ok - ");
	vprintf(desc, ap);
	if (!ok) {
		failures++;
		printf(": %s (%s:%d)", details, file, line);
	}
	putchar('\n');
	fflush(stdout);
	return ok;
}

bool unit_check(bool ok, const char *file, int line, const char *details,
		const char *desc, ...)
{
	va_list ap;
	va_start(ap, desc);
	report(ok, file, line, details, desc, ap);
	va_end(ap);
	return ok;
}

bool unit_check_u64(uint64_t got, uint64_t want, const char *file, int line,
		    const char *desc, ...)
{
	char details[128];
	snprintf(details, sizeof(details), "got %llu (%#llx), expected %llu (%#llx)",
		 (unsigned long long)got, (unsigned long long)got,
		 (unsigned long long)want, (unsigned long long)want);
	va_list ap;
	va_start(ap, desc);
	report(got == want, file, line, details, desc, ap);
	va_end(ap);
	return got == want;
}

/* Quote s for a one-line report: non-printable bytes as \xNN, cut long. */
static void quote(char *dst, size_t size, const char *s)
{
	size_t n = 0;
	if (!s) {
		snprintf(dst, size, "NULL");
		return;
	}
	dst[n++] = '\'';
	for (; *s && n + 8 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c < 0x7f && c != '\\')
			dst[n++] = (char)c;
		else
			n += (size_t)snprintf(dst + n, size - n, "\\x%02x", c);
	}
	if (*s && n + 4 < size)
		dst[n++] = '.', dst[n++] = '.', dst[n++] = '.';
	dst[n++] = '\'';
	dst[n] = '\0';
}

bool unit_check_str(const char *got, const char *want, const char *file, int line,
		    const char *desc, ...)
{
	bool ok = got && want && strcmp(got, want) == 0;
	char g[160], w[160], details[340];
	quote(g, sizeof(g), got);
	quote(w, sizeof(w), want);
	snprintf(details, sizeof(details), "got %s, expected %s", g, w);
	va_list ap;
	va_start(ap, desc);
	report(ok, file, line, details, desc, ap);
	va_end(ap);
	return ok;
}

bool unit_check_log(const char *substring, const char *file, int line,
		    const char *desc, ...)
{
	bool ok = unit_log_contains(substring);
	char s[160], details[200];
	quote(s, sizeof(s), substring);
	snprintf(details, sizeof(details), "the log has no %s", s);
	va_list ap;
	va_start(ap, desc);
	report(ok, file, line, details, desc, ap);
	va_end(ap);
	return ok;
}

uint64_t unit_random(void)
{
	static uint64_t state = 0x9E3779B97F4A7C15ull;
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

int unit_done(void)
{
	if (!echo_at_line_start)
		putchar('\n');
	printf("# %d checks, %d failed\n", checks, failures);
	fflush(stdout);
	free(log_buf);
	log_buf = NULL;
	log_len = log_cap = 0;
	return failures ? 1 : 0;
}

/* ---- fake physical memory ---- */

static uint8_t *phys;		/* physical [0, FAKE_PHYS_SIZE) */
static uint64_t hole_start, hole_end;

static void phys_free(void)
{
	free(phys);
}

void unit_phys_reset(void)
{
	if (!phys) {
		phys = calloc(1, FAKE_PHYS_SIZE);
		if (!phys) {
			perror("unit: calloc");
			exit(2);
		}
		atexit(phys_free);
	} else {
		memset(phys, 0, FAKE_PHYS_SIZE);
	}
	hole_start = hole_end = 0;
}

void unit_phys_hole(uint64_t start, uint64_t end)
{
	hole_start = start;
	hole_end = end;
}

const void *boot_phys(uint64_t pa, uint64_t len)
{
	if (!phys)
		unit_phys_reset();
	/* written so that pa + len cannot wrap */
	if (pa > FAKE_PHYS_SIZE || len > FAKE_PHYS_SIZE - pa)
		return NULL;
	if (hole_start < hole_end && pa < hole_end && pa + len > hole_start)
		return NULL;
	return phys + pa;
}

void *unit_phys(uint64_t pa, size_t len)
{
	if (!phys)
		unit_phys_reset();
	if (pa > FAKE_PHYS_SIZE || len > FAKE_PHYS_SIZE - pa) {
		printf("not ok - test bug: [%#llx, +%zu) is outside fake memory\n",
		       (unsigned long long)pa, len);
		exit(1);
	}
	return phys + pa;
}

void unit_phys_put(uint64_t pa, const void *src, size_t len)
{
	memcpy(unit_phys(pa, len), src, len);
}

void unit_phys_put_str(uint64_t pa, const char *s)
{
	unit_phys_put(pa, s, strlen(s) + 1);
}

void unit_phys_put_mbi(uint64_t pa, const struct multiboot_info *mbi)
{
	unit_phys_put(pa, mbi, sizeof(*mbi));
}

uint64_t unit_phys_put_mmap_entry(uint64_t pa, uint32_t size, uint64_t addr,
				  uint64_t len, uint32_t type)
{
	struct multiboot_mmap_entry e = { size, addr, len, type };
	/* A short entry (size < 20) still gets all its fields written: the
	 * parser must stop at the size field without using them. */
	unit_phys_put(pa, &e, sizeof(e));
	return pa + 4 + size;
}

void unit_phys_put_modules(uint64_t pa, const struct multiboot_module *m, int n)
{
	unit_phys_put(pa, m, (size_t)n * sizeof(*m));
}
