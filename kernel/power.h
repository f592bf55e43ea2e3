/*
 * power.h: ending a run. Every boot ends by calling power_off, which
 * prints one exit line on the console (the line the test harness reads)
 * and stops the emulator:
 *   QEMU:  the isa-debug-exit device at port 0xF4 (QEMU then exits with
 *          status (code << 1) | 1, so a triple fault's 0 is never success);
 *   Bochs: the string "Shutdown" written to port 0x8900.
 * On real hardware, or an emulator without either device, the CPU halts.
 */
#ifndef SV_POWER_H
#define SV_POWER_H

/* Hypervisor exit statuses, printed as "sharevisor: exit status N (...)". */
#define EXIT_OK		0	/* everything ran and passed */
#define EXIT_FAILED	1	/* a self-test or a domain reported failure */
#define EXIT_PANIC	2	/* a hypervisor bug or an unhandled exception */
#define EXIT_BADBOOT	3	/* the boot loader's information was unusable */

#define QEMU_DEBUG_EXIT_PORT	0xF4
#define BOCHS_SHUTDOWN_PORT	0x8900

void power_off(int status) __attribute__((noreturn));

#endif /* SV_POWER_H */
