/*
 * panic.h: reporting the hypervisor's own failures (kernel/panic.c).
 * panic() itself is declared in klib.h, since every file may call it.
 */
#ifndef SV_PANIC_H
#define SV_PANIC_H

#include <stdint.h>
#include "trap.h"

const char *exception_name(uint32_t vector);
void print_trapframe(const struct trapframe *tf);
/* Print the return addresses found by following the frame-pointer chain. */
void print_backtrace(uint32_t ebp);
void fatal_trap(const struct trapframe *tf) __attribute__((noreturn));
void double_fault_task(void) __attribute__((noreturn));

#endif /* SV_PANIC_H */
