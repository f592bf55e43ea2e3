/*
 * klib.h: what every hypervisor file may call without thinking about it:
 * the freestanding C library it shares with the guests (lib/lib.h), and
 * the console entry points (kernel/console.c, kernel/panic.c).
 */
#ifndef SV_KLIB_H
#define SV_KLIB_H

#include "lib.h"

/* Print to every console (serial COM1 and VGA text). */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "PANIC: ..." with a backtrace, then power off with EXIT_PANIC. */
void panic(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif /* SV_KLIB_H */
