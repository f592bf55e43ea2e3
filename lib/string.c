/*
 * string.c: the few libc string routines the hypervisor needs. GCC may
 * also emit calls to memcpy/memset for structure copies, so these exist
 * even where the C code does not call them by name.
 */
#include "lib.h"

/* rep movs/stos: short, fast under emulation, and GCC cannot "optimise"
 * them back into a call to memcpy itself. */
void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	const void *s = src;
	size_t count = n / 4;
	__asm__ volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(count) : : "memory");
	count = n % 4;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(count) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

/* Four bytes a step, then the rest: rep stosb alone was one step a byte
 * (make bench's 9P read zeroed structures that way, 800 steps a read). */
void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	uint32_t word = (uint8_t)c * 0x01010101u;
	size_t count = n / 4;
	__asm__ volatile("rep stosl" : "+D"(d), "+c"(count) : "a"(word) : "memory");
	count = n % 4;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(count) : "a"(word) : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const uint8_t *p = s;
	for (; n; n--, p++)
		if (*p == (uint8_t)c)
			return (void *)p;
	return NULL;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (uint8_t)*a - (uint8_t)*b;
		if (!*a)
			return 0;
	}
	return 0;
}
