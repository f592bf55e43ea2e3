/*
 * klib.h: the small C library the hypervisor carries (kernel/string.c,
 * kernel/format.c) and the console entry points (kernel/console.c).
 *
 * The string functions have exactly the standard names and prototypes, so
 * the files that need no hardware (multiboot.c, mm/memmap.c, mm/frame.c)
 * also compile on the host against libc for the unit tests in tests/unit.
 */
#ifndef SV_KLIB_H
#define SV_KLIB_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strncmp(const char *a, const char *b, size_t n);

/* Format like printf into buf (always NUL-terminated when size > 0);
 * returns the length the full output would have had. Supports %d %i %u
 * %x %X %o %p %s %c %%, flags '-' '0' '#', width, precision, and the length
 * modifiers l, ll and z. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "SV_EFAULT" for SV_EFAULT, ... (kernel/strerror.c, shared with guests) */
const char *sv_strerror(int32_t err);

/* Print to every console (serial COM1 and VGA text). */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "PANIC: ..." with a backtrace, then power off with EXIT_PANIC. */
void panic(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ROUNDUP(x, a)	(((x) + (a) - 1) / (a) * (a))
#define ROUNDDOWN(x, a)	((x) / (a) * (a))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

#endif /* SV_KLIB_H */
