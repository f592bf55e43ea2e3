/*
 * devintruder: I/O instructions the I/O permission bitmap must refuse,
 * one per module (mode=), each killed by a #GP that the hypervisor names
 * (kernel/trap.c io_fault_port); and mode=owner, the control, for which
 * the same instructions must work. Each mode prints "about to: MODE" just
 * before its faulting instruction and "survived: MODE" after it, which a
 * refused instruction never reaches.
 *
 *   out2      outb to 0x2F8 (COM2's data port) without owning COM2
 *   in2       inb from 0x2FD (COM2's line status) without owning it
 *   outs2     rep outsb to COM2 (the port in dx) without owning it
 *   com1      outb to 0x3F8 (COM1, the console) while owning COM2
 *   released  owns COM2, writes its scratch register, releases, writes
 *             again: the release closed the ports
 *   other     inb from port 0x80 (no passthrough device there)
 *   owner     owns COM2: writes 0x2FF (the 16550's scratch register),
 *             reads it back, reads the line status; then releases and
 *             exits 0
 *
 *   module line: devintruder.elf name=NAME mode=MODE
 */
#include "portio.h"
#include "xtf.h"

#define COM2_DATA	(SV_COM2_IO_BASE + 0)
#define COM2_LSR	(SV_COM2_IO_BASE + 5)
#define COM2_SCRATCH	(SV_COM2_IO_BASE + 7)
#define COM1_DATA	0x3F8
#define DEV_PORT	(SV_PORT_FIRST_FREE + 2)

static bool grab(void)
{
	return CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, SV_GRAB_WAIT), SV_GRAB_OWNED);
}

static bool is(const char *mode, const char *name)
{
	return strncmp(mode, name, strlen(name) + 1) == 0;
}

int main(const struct sv_start_info *si)
{
	(void)si;
	char mode[12] = "";
	sv_cmdline_get("mode", mode, sizeof(mode));

	if (is(mode, "owner")) {
		if (!grab())
			return xtf_verdict("devintruder");
		outb(COM2_SCRATCH, 0xA5);
		CHECK_EQ(inb(COM2_SCRATCH), 0xA5);
		outb(COM2_SCRATCH, 0x5A);
		CHECK_EQ(inb(COM2_SCRATCH), 0x5A);
		CHECK(inb(COM2_LSR) & 0x20, "COM2's line status %#x: transmitter not empty",
		      inb(COM2_LSR));
		CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);
		return xtf_verdict("devintruder");
	}
	if ((is(mode, "com1") || is(mode, "released")) && !grab())
		return 1;
	if (is(mode, "released")) {
		outb(COM2_SCRATCH, 0x11);	/* still ours: allowed */
		CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);
	}

	printf("about to: %s\n", mode);
	if (is(mode, "out2") || is(mode, "released")) {
		outb(COM2_DATA, 'X');
	} else if (is(mode, "in2")) {
		(void)inb(COM2_LSR);
	} else if (is(mode, "outs2")) {
		static const char msg[] = "XYZ";
		__asm__ volatile("rep outsb" : : "S"(msg), "c"(3), "d"(COM2_DATA) : "memory");
	} else if (is(mode, "com1")) {
		outb(COM1_DATA, 'X');
	} else if (is(mode, "other")) {
		(void)inb(0x80);
	} else {
		printf("devintruder: unknown mode '%s'\n", mode);
		return 1;
	}
	printf("survived: %s\n", mode);
	return 1;
}
