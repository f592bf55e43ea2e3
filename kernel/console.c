/*
 * console.c: printk, writing every line to the serial port and the VGA
 * screen. Lines are formatted into a bounded buffer first, so one call
 * produces its output in one piece.
 */
#include "console.h"
#include "klib.h"

#define PRINTK_MAX 512	/* longer messages are cut */

void console_init(void)
{
	serial_init();
	vga_init();
}

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		serial_putc(s[i]);
		vga_putc(s[i]);
	}
}

void printk(const char *fmt, ...)
{
	char buf[PRINTK_MAX];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}
