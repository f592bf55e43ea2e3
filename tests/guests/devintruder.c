/*
 * devintruder: I/O instructions the I/O permission bitmap must refuse,
 * one per module (mode=), each killed by a #GP that the hypervisor names
 * (kernel/trap.c io_fault_port); a bystander that owns COM2 meanwhile and
 * must not be harmed; and the control, for which the same ports work.
 * Each intruder prints "about to: MODE" just before its faulting
 * instruction and "survived: MODE" after it, which a refused instruction
 * never reaches.
 *
 *   holder    domain 0, the bystander: owns COM2 (with a slice long
 *             enough that nobody makes it release) while the intruders
 *             that do not own it fault, never touches its ports, then
 *             releases, waits for everyone and exits 0
 *   out2      outb to 0x2F8 (COM2's data port) while the holder owns it
 *   in2       inb from 0x2FD (COM2's line status) while the holder owns it
 *   outs2     rep outsb to COM2 (the port in dx) while the holder owns it
 *   outw2     outw (a 0x66 prefix) to 0x2FC while the holder owns it
 *   other     inb from port 0x80 (an 8-bit immediate port: no device there)
 *   forged    writes SV_DEVF_OWNER into its own shared-info device word,
 *             then outb to 0x2F8: the word grants nothing
 *   com1      outb to 0x3F8 (COM1, the console) while owning COM2
 *   released  owns COM2, writes its scratch register, releases, writes
 *             again: the release closed the ports
 *   owner     the control: owns COM2, reads the line status (0x2FD),
 *             writes 0x2FF (the 16550's scratch register) and reads it
 *             back; then releases and exits 0
 *
 * The modes that own COM2 (owner, com1, released) queue with
 * SV_GRAB_WAIT and get it one after another once the holder releases.
 *
 *   module line: devintruder.elf name=MODE mode=MODE   (holder: module 0)
 */
#include "portio.h"
#include "shares.h"

#define COM2_DATA	(SV_COM2_IO_BASE + 0)
#define COM2_MCR	(SV_COM2_IO_BASE + 4)
#define COM2_LSR	(SV_COM2_IO_BASE + 5)
#define COM2_SCRATCH	(SV_COM2_IO_BASE + 7)
#define LSR_THRE	0x20		/* transmitter holding register empty */
#define COM1_DATA	0x3F8
#define DEV_PORT	(SV_PORT_FIRST_FREE + 2)

/* The intruders that fault while the holder owns COM2: it waits for
 * them (by name) before it lets the device go. */
static const char *const while_held[] = { "out2", "in2", "outs2", "outw2", "other", "forged" };
#define NHELD (sizeof(while_held) / sizeof(while_held[0]))

static bool is(const char *mode, const char *name)
{
	return strncmp(mode, name, strlen(name) + 1) == 0;
}

/* Own COM2: at once, or after waiting our turn in the queue. */
static bool grab(void)
{
	int32_t rc = sv_device_grab(SV_DEV_COM2, DEV_PORT, SV_GRAB_WAIT);
	if (!CHECK(rc == SV_GRAB_OWNED || rc == SV_GRAB_QUEUED, "grab: %d (%s)", rc,
		   sv_strerror(rc)))
		return false;
	return CHECK(WAIT_UNTIL(shared_info->device[SV_DEV_COM2] & SV_DEVF_OWNER),
		     "queued for COM2, never got it");
}

static bool held_by_holder(void)
{
	struct sv_device_status st;
	return sv_device_query(SV_DEV_COM2, &st) == SV_DEVICE_BUSY && st.owner == 0;
}

/* Domain 0: have the intruders in while_held all ended? */
static bool held_ones_ended(void)
{
	static struct sv_domain_info doms[SV_MAX_DOMAINS];
	int32_t n = sv_domain_list(doms, SV_MAX_DOMAINS);
	uint32_t ended_ones = 0;
	for (int32_t i = 0; i < n && i < SV_MAX_DOMAINS; i++)
		for (uint32_t k = 0; k < NHELD; k++)
			if (is(doms[i].name, while_held[k]) && ended(&doms[i]))
				ended_ones++;
	return ended_ones == NHELD;
}

static int holder(void)
{
	struct sv_device_status st;
	CHECK_RC(sv_device_config(SV_DEV_COM2, SV_DEV_SLICE_MAX_MS, SV_DEV_GRACE_DEFAULT_MS), SV_OK);
	if (!CHECK_RC(sv_device_grab(SV_DEV_COM2, DEV_PORT, 0), SV_GRAB_OWNED))
		return xtf_verdict("devintruder");
	/* From the next grant on, the default slice again. */
	CHECK_RC(sv_device_config(SV_DEV_COM2, SV_DEV_SLICE_DEFAULT_MS, SV_DEV_GRACE_DEFAULT_MS),
		 SV_OK);

	/* Yield rather than sleep: we run between the intruders, so the
	 * ports are opened for us and closed again before each of them. */
	uint64_t end = sv_now() + 10000 * MS;
	while (!held_ones_ended() && sv_now() < end)
		sv_yield();
	CHECK(held_ones_ended(), "the intruders did not all end");

	/* Unharmed: still the owner, never asked to release. */
	CHECK_EQ(shared_info->device[SV_DEV_COM2], SV_DEVF_OWNER);
	CHECK_EQ(sv_device_query(SV_DEV_COM2, &st), SV_DEVICE_BUSY);
	CHECK(st.owner == 0 && st.flags == SV_DEVF_OWNER && st.release_by_ns == 0,
	      "after the intruders: owner %#x flags %#x release_by %llu", st.owner, st.flags,
	      st.release_by_ns);
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);

	CHECK(WAIT_UNTIL(others_ended()), "the others did not all end");
	CHECK_EQ(sv_device_query(SV_DEV_COM2, &st), SV_DEVICE_IDLE);
	CHECK(st.owner == SV_DOMID_NONE && st.waiters == 0, "at the end: owner %#x waiters %u",
	      st.owner, st.waiters);
	return xtf_verdict("devintruder");
}

/* The control: the owner's ports work. */
static int owner(void)
{
	if (!grab())
		return xtf_verdict("devintruder");
	uint8_t lsr = inb(COM2_LSR);
	CHECK(lsr & LSR_THRE, "COM2's line status %#x: transmitter not empty", lsr);
	outb(COM2_SCRATCH, 0xA5);
	CHECK_EQ(inb(COM2_SCRATCH), 0xA5);
	outb(COM2_SCRATCH, 0x5A);
	CHECK_EQ(inb(COM2_SCRATCH), 0x5A);
	CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);
	CHECK_EQ(shared_info->device[SV_DEV_COM2], 0);
	return xtf_verdict("devintruder");
}

int main(const struct sv_start_info *si)
{
	(void)si;
	char mode[12] = "";
	sv_cmdline_get("mode", mode, sizeof(mode));

	if (is(mode, "holder"))
		return holder();
	if (is(mode, "owner"))
		return owner();

	/* Set the stage: own COM2, or wait until the holder does. */
	bool owns = is(mode, "com1") || is(mode, "released") || is(mode, "straddle");
	if (owns && !grab())
		return xtf_verdict("devintruder");
	if (!owns && !CHECK(WAIT_UNTIL(held_by_holder()), "the holder never owned COM2"))
		return xtf_verdict("devintruder");
	if (is(mode, "released")) {
		outb(COM2_SCRATCH, 0x11);	/* still ours: allowed */
		CHECK_RC(sv_device_release(SV_DEV_COM2), SV_OK);
	}

	printf("about to: %s\n", mode);
	if (is(mode, "forged"))
		shared_info->device[SV_DEV_COM2] = SV_DEVF_OWNER;	/* "it's mine" */
	if (is(mode, "out2") || is(mode, "released") || is(mode, "forged")) {
		outb(COM2_DATA, 'X');
	} else if (is(mode, "in2")) {
		(void)inb(COM2_LSR);
	} else if (is(mode, "outs2")) {
		static const char msg[] = "XYZ";
		__asm__ volatile("rep outsb" : : "S"(msg), "c"(3), "d"(COM2_DATA) : "memory");
	} else if (is(mode, "outw2")) {
		outw(COM2_MCR, 0x0101);
	} else if (is(mode, "straddle")) {
		outw(COM2_SCRATCH, 0x0101);	/* 0x2FF and 0x300 */
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
