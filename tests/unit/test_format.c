/*
 * test_format.c: lib/format.c, the vsnprintf of the hypervisor and the
 * guests. It is built for this test with -Dvsnprintf=kvsnprintf
 * -Dsnprintf=ksnprintf (see the Makefile), so that it can be compared
 * with glibc's snprintf on a table
 * of formats. Where ours differs on purpose (%p, %#x of 0, NULL %s,
 * unknown conversions) the exact output is checked instead. Truncation:
 * the NUL-terminated prefix, the full length returned, nothing written
 * past the buffer.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "unit.h"

/* lib/format.c under its test names */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define CANARY 'Z'

/*
 * Format with ours and with glibc into buffers of the given size (canary
 * bytes after them) and check that the bytes, the canaries and the
 * returned lengths are the same.
 */
static void same_v(int line, size_t size, const char *fmt, va_list ap)
{
	char ours[300], libc[300];
	va_list ap2;
	va_copy(ap2, ap);
	memset(ours, CANARY, sizeof(ours));
	memset(libc, CANARY, sizeof(libc));
	int n_ours = kvsnprintf(ours, size, fmt, ap);
	int n_libc = vsnprintf(libc, size, fmt, ap2);
	va_end(ap2);

	char details[200];
	snprintf(details, sizeof(details), "ours '%.60s' (%d), glibc '%.60s' (%d)",
		 size ? ours : "", n_ours, size ? libc : "", n_libc);
	unit_check(n_ours == n_libc && memcmp(ours, libc, sizeof(ours)) == 0,
		   __FILE__, line, details, "\"%s\" (size %zu) is formatted like glibc: '%s'",
		   fmt, size, size ? libc : "");
}

/* same(fmt, ...): into 256 bytes; same_n(size, fmt, ...): into size. */
static void same_at(int line, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void same_at(int line, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	same_v(line, size, fmt, ap);
	va_end(ap);
}
#define same(...)		same_at(__LINE__, 256, __VA_ARGS__)
#define same_n(size, ...)	same_at(__LINE__, (size), __VA_ARGS__)

/* Ours only, for formats glibc prints differently or -Wformat rejects:
 * no format attribute on purpose. Checks the exact output and length. */
static void exact(const char *want, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	char desc[120];
	snprintf(desc, sizeof(desc), "\"%s\" gives exactly '%s'", fmt, want);
	if (CHECK_STR(buf, want, "%s", desc))
		CHECK_EQ(n, strlen(want), "%s: the returned length", desc);
}

static void test_integers(void)
{
	same("%d %d %d", 0, 42, -42);
	same("%d %d", INT_MAX, INT_MIN);
	same("%i|%i", -7, 123456);
	same("%u %u", 0u, UINT_MAX);
	same("%x %x %X", 0u, 0xdeadbeefu, 0xdeadbeefu);
	same("%o %o %o", 0u, 8u, 0777u);
	same("%ld %lu %lx", LONG_MIN, ULONG_MAX, 0x123456789abcdefUL);
	same("%lld %lld", (long long)INT64_MIN, (long long)INT64_MAX);
	same("%llu %llx %llX", (unsigned long long)UINT64_MAX, (unsigned long long)UINT64_MAX,
	     0xabcdef0123ULL);
	same("%zu %zu %zx", (size_t)0, (size_t)SIZE_MAX, (size_t)0x1234);
}

static void test_width_and_flags(void)
{
	same("[%5d] [%-5d] [%05d]", 42, 42, 42);
	same("[%5d] [%-5d] [%05d]", -42, -42, -42);
	same("[%3d] [%1d] [%0d]", 12345, -1, 7);
	same("[%*d] [%-*d]", 6, 42, 6, 42);
	same("[%08x] [%8x] [%-8x] [%08X]", 0xbeefu, 0xbeefu, 0xbeefu, 0xbeefu);
	same("[%#x] [%#X] [%#llx]", 0xbeefu, 0xbeefu, 0x123456789ULL);
	same("[%#010x] [%#10x] [%-#10x]", 0xbeefu, 0xbeefu, 0xbeefu);
	same("[%#018llx]", 0x9fc00ULL);
	same("[%#4x] [%#2x]", 0xabcdu, 0x5u);
	same("[%020llu] [%-20lld]", (unsigned long long)UINT64_MAX, (long long)INT64_MIN);
	same("[%c] [%5c] [%-5c]", 'A', 'x', 'y');
	same("%%|100%%|%5d%%", 42);
}

static void test_strings(void)
{
	same("[%s]", "hello");
	same("[%s]", "");
	same("[%10s] [%-10s] [%2s]", "hello", "hello", "hello");
	same("[%.3s] [%.0s] [%.10s]", "hello", "hello", "hello");
	same("[%.*s] [%.*s]", 2, "hello", -1, "hello");
	same("[%10.3s] [%-10.3s]", "hello", "hello");
	same("[%*s]", 7, "ab");
	/* precision stops the read: the bytes after it are never looked at */
	static const char unterminated[3] = { 'a', 'b', 'c' };
	same("[%.3s]", unterminated);
}

/* Where ours is meant to differ from glibc. */
static void test_ours(void)
{
	exact("0x00001234", "%p", (void *)0x1234);
	exact("0x00000000", "%p", (void *)0);
	exact("0xdeadbeef", "%p", (void *)0xdeadbeefUL);
	exact("0x123456789a", "%p", (void *)0x123456789aUL);
	exact("0x0", "%#x", 0u);	/* glibc prints "0" */
	exact("0x0000000000000000", "%#018llx", 0ULL);
	const char *volatile nothing = NULL;
	exact("[(null)]", "[%s]", nothing);
	exact("[  (null)]", "[%8s]", nothing);
	exact("%y", "%y%");		/* unknown conversion shown; a lone % at the end dropped */
	exact("a", "a%");
	exact("%+d", "%+d", 5);	/* '+' is not supported: shown as written, then 'd' */
}

/* The output is cut to size - 1 bytes and a NUL; the return value is
 * always the full length; nothing is written at buf[size] or after. */
static void test_truncation(void)
{
	char buf[16];

	memset(buf, CANARY, sizeof(buf));
	int n = ksnprintf(buf, 1, "hello %d", 42);
	CHECK(n == 8 && buf[0] == '\0' && buf[1] == CANARY,
	      "size 1: only the NUL is written, the full length 8 returned");

	memset(buf, CANARY, sizeof(buf));
	n = ksnprintf(buf, 5, "hello %d", 42);
	CHECK(n == 8 && memcmp(buf, "hell", 5) == 0 && buf[5] == CANARY,
	      "size 5: 'hell' and a NUL, the full length 8 returned");

	memset(buf, CANARY, sizeof(buf));
	n = ksnprintf(buf, 0, "hello %d", 42);
	bool untouched = true;
	for (size_t i = 0; i < sizeof(buf); i++)
		untouched &= buf[i] == CANARY;
	CHECK(n == 8 && untouched, "size 0: nothing written, the full length 8 returned");
	CHECK_EQ(ksnprintf(NULL, 0, "%s=%d", "abc", 12345), 9,
		 "size 0 with a NULL buffer just measures");

	memset(buf, CANARY, sizeof(buf));
	n = ksnprintf(buf, 9, "hello %d", 42);
	CHECK(n == 8 && strcmp(buf, "hello 42") == 0 && buf[9] == CANARY,
	      "size 9 (exactly enough): the whole string");
	memset(buf, CANARY, sizeof(buf));
	n = ksnprintf(buf, 8, "hello %d", 42);
	CHECK(n == 8 && strcmp(buf, "hello 4") == 0 && buf[8] == CANARY,
	      "size 8 (one short): the last character is cut");

	same_n(4, "%08x", 0xbeefu);
	same_n(6, "[%-10s]", "abc");
	same_n(3, "%lld", (long long)INT64_MIN);
	same_n(7, "%#10x|", 0xbeefu);
	same_n(2, "%c%c%c", 'a', 'b', 'c');
	same_n(5, "%c", '\0');		/* a NUL character still counts */
}

int main(void)
{
	test_integers();
	test_width_and_flags();
	test_strings();
	test_ours();
	test_truncation();
	return unit_done();
}
