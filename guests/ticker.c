/*
 * ticker: timer events. It registers an event handler, arms the one-shot
 * timer, and blocks; each SV_PORT_TIMER event prints the time and re-arms
 * the timer, until it has counted enough ticks.
 *
 *   module line: ticker.elf name=NAME [ticks=N] [period_ms=MS]
 */
#include "sv.h"

static volatile uint32_t ticks_seen;
static uint64_t period_ns;

static void on_event(uint32_t port)
{
	if (port != SV_PORT_TIMER)
		return;
	ticks_seen++;
	printf("tick %u at %u ms\n", ticks_seen, (uint32_t)(sv_now() / 1000000));
	sv_timer_set(sv_now() + period_ns);
}

int main(const struct sv_start_info *si)
{
	uint32_t want = sv_cmdline_uint("ticks", 5);
	period_ns = (uint64_t)sv_cmdline_uint("period_ms", 50) * 1000000;

	printf("%s: %u ticks, one every %u ms\n", si->name, want,
	       (uint32_t)(period_ns / 1000000));
	events_init(on_event);
	sv_timer_set(sv_now() + period_ns);
	while (ticks_seen < want)
		sv_block();	/* the handler runs before sv_block returns */
	printf("%u ticks seen\n", ticks_seen);
	return 0;
}
