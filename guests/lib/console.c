/*
 * console.c: printf for guests, on top of SV_OP_CONSOLE_WRITE. The
 * formatting engine is lib/format.c, which the hypervisor links too.
 */
#include "sv.h"

#define PRINTF_MAX 512

static void write_all(const char *s, uint32_t n)
{
	while (n > 0) {
		int32_t done = sv_console_write(s, n);
		if (done <= 0)
			return;
		s += done;
		n -= (uint32_t)done;
	}
}

int vprintf(const char *fmt, va_list ap)
{
	char buf[PRINTF_MAX];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	write_all(buf, n < (int)sizeof(buf) ? (uint32_t)n : sizeof(buf) - 1);
	return n;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int puts(const char *s)
{
	write_all(s, strlen(s));
	write_all("\n", 1);
	return 0;
}
