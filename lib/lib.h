/*
 * lib.h: the freestanding C library that the hypervisor and every guest
 * link: the string and memory routines, vsnprintf, and the names of the
 * SV_E* codes (lib/string.c, lib/format.c, lib/strerror.c). Beside it in
 * lib/: CRC-32 (crc32.h) and the port I/O instructions (portio.h).
 *
 * The functions have exactly the standard names and prototypes: GCC
 * emits calls to memcpy and memset for structure copies, and the files
 * that need no hardware also compile on the host against libc for the
 * unit tests in tests/unit. Nothing here knows whether it runs in ring 0
 * or ring 3.
 */
#ifndef SV_LIB_H
#define SV_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* "SV_OK" for 0, "SV_EFAULT" for SV_EFAULT, ...; "positive" above 0,
 * "unknown error" below the last code. */
const char *sv_strerror(int32_t err);

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ROUNDUP(x, a)	(((x) + (a) - 1) / (a) * (a))
#define ROUNDDOWN(x, a)	((x) / (a) * (a))
#define MIN(a, b)	((a) < (b) ? (a) : (b))
#define MAX(a, b)	((a) > (b) ? (a) : (b))

#endif /* SV_LIB_H */
