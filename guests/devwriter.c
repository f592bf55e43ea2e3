/*
 * devwriter: writes numbered lines to COM2 while competing for it with
 * other writers (docs/devices.md). Each period of ownership is framed on
 * COM2 by a grab and a drop line, so a reader of the output can check
 * that periods of different owners never overlap:
 *
 *     a grab 3
 *     a 3 0012 qxerilupmoxb...
 *     a 3 0013 ...
 *     a drop 3
 *
 * It writes a line, pauses (still holding COM2), and gives COM2 up as
 * soon as the hypervisor asks (com2_must_release): the request ends the
 * pause at once, and the line it was on is already finished. Then it queues for COM2 again, until all its lines are
 * out. At the end it prints, on the console, how many periods it had and
 * the longest it waited for COM2.
 *
 *   module line: devwriter.elf name=NAME [lines=N] [pause_ms=MS]
 *                [greedy=sleep|write] [port=P]
 *
 * greedy= makes it a bad owner: after its first few lines it ignores the
 * release request, either sleeping with COM2 held (sleep) or writing on
 * (write), until the hypervisor revokes COM2 and kills it.
 */
#include "sv.h"

#define PAYLOAD	32

static char name[SV_NAME_MAX];

/* The bytes of line seq: the same formula in tests/boot_tests.py. */
static void payload(uint32_t seq, char *out)
{
	for (uint32_t i = 0; i < PAYLOAD; i++)
		out[i] = (char)('a' + (seq * 7 + i * 3 + (uint8_t)name[0]) % 26);
}

static void write_line(const char *fmt, uint32_t a, uint32_t b)
{
	char line[80], data[PAYLOAD + 1] = { 0 };
	payload(b, data);
	int n = snprintf(line, sizeof(line), fmt, name, a, b, data);
	com2_write(line, (uint32_t)n);
}

/* Pause with COM2 held, until ns have passed or the hypervisor wants COM2
 * back, whichever comes first (the request raises our device port). */
static uint64_t pause_until;

static bool pause_over(void)
{
	return sv_now() >= pause_until || com2_must_release();
}

static void pause_holding(uint64_t ns)
{
	pause_until = sv_now() + ns;
	sv_timer_set(pause_until);
	sv_block_until(pause_over);
}

static void on_event(uint32_t port)
{
	(void)port;	/* the driver looks at the UART and the device word */
}

/* Hold COM2 for ever: the hypervisor must take it away. */
static void __attribute__((noreturn)) be_greedy(const char *how, uint32_t period, uint32_t seq)
{
	printf("%s: ignoring the release request (greedy=%s)\n", name, how);
	for (;;) {
		if (how[0] == 'w')
			write_line("%s %u %04u %s\n", period, seq++);
		else
			sv_sleep_ns(1000000000ull);
	}
}

int main(const struct sv_start_info *si)
{
	uint32_t lines = sv_cmdline_uint("lines", 30);
	uint64_t pause_ns = (uint64_t)sv_cmdline_uint("pause_ms", 10) * 1000000;
	char greedy[8] = "";
	sv_cmdline_get("greedy", greedy, sizeof(greedy));
	memcpy(name, si->name, sizeof(name));

	events_init(on_event);
	com2_open(sv_cmdline_uint("port", SV_PORT_FIRST_FREE));

	uint32_t seq = 0, period = 0;
	uint64_t max_wait = 0;
	while (seq < lines) {
		uint64_t asked = sv_now();
		int32_t rc = com2_acquire();
		if (rc < 0) {
			printf("%s: grab failed: %s\n", name, sv_strerror(rc));
			return 1;
		}
		if (sv_now() - asked > max_wait)
			max_wait = sv_now() - asked;
		period++;
		/* The newline ends whatever a revoked owner left half written. */
		write_line("\n%s grab %u\n", period, 0);
		while (seq < lines) {
			if (greedy[0] && seq >= 3)
				be_greedy(greedy, period, seq);
			write_line("%s %u %04u %s\n", period, seq++);
			if (pause_ns)
				pause_holding(pause_ns);
			if (com2_must_release())
				break;
		}
		write_line("%s drop %u\n", period, 0);
		rc = com2_release();
		if (rc < 0) {
			printf("%s: release failed: %s\n", name, sv_strerror(rc));
			return 1;
		}
	}
	printf("%s: %u lines in %u periods, max wait %u ms, %u interrupts\n", name, lines,
	       period, (uint32_t)(max_wait / 1000000), com2_interrupts());
	return 0;
}
