/*
 * power.c: end the run with a status (see power.h).
 */
#include "console.h"
#include "klib.h"
#include "power.h"
#include "x86.h"

static const char *const exit_names[] = {
	[EXIT_OK] = "ok",
	[EXIT_FAILED] = "failed",
	[EXIT_PANIC] = "panic",
	[EXIT_BADBOOT] = "bad boot information",
};

void power_off(int status)
{
	cli();
	const char *name = (status >= 0 && status < (int)ARRAY_SIZE(exit_names))
			   ? exit_names[status] : "?";
	/* Under QEMU -icount shift=0 one TSC tick is one instruction, so this
	 * is the exact path length of the whole boot (BIOS and GRUB too). */
	printk("sharevisor: %llu TSC ticks since reset\n", (unsigned long long)rdtsc());
	printk("sharevisor: exit status %d (%s)\n", status, name);
	serial_flush();

	outb(QEMU_DEBUG_EXIT_PORT, (uint8_t)status);
	for (const char *s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);

	printk("sharevisor: no exit device; halted\n");
	for (;;)
		hlt();
}
