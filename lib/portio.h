/*
 * portio.h: the port I/O instructions. The hypervisor uses them for its
 * own devices (kernel/x86.h includes this); a guest may use them only on
 * the ports of a passthrough device it owns (guests/lib/com2.c), where
 * the TSS I/O bitmap lets them through (docs/devices.md).
 */
#ifndef SV_PORTIO_H
#define SV_PORTIO_H

#include <stdint.h>

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

#endif /* SV_PORTIO_H */
