/*
 * hypercalls.c: one C function per hypercall (see include/sharevisor.h
 * for what each does and returns).
 */
#include "hypercall.h"
#include "sv.h"

int32_t sv_hypercall(uint32_t op, uint32_t a1, uint32_t a2, uint32_t a3,
		     uint32_t a4, uint32_t a5)
{
	return hypercall5(op, a1, a2, a3, a4, a5);
}

int32_t sv_version(void) { return hypercall0(SV_OP_VERSION); }
int32_t sv_yield(void) { return hypercall0(SV_OP_YIELD); }
int32_t sv_block(void) { return hypercall0(SV_OP_BLOCK); }

int32_t sv_console_write(const void *buf, uint32_t len)
{
	return hypercall2(SV_OP_CONSOLE_WRITE, (uint32_t)buf, len);
}

int32_t sv_event_callback(void (*entry)(void))
{
	return hypercall2(SV_OP_EVENT_CALLBACK, (uint32_t)entry, 0);
}

int32_t sv_event_send(sv_domid_t dom, uint32_t port)
{
	return hypercall2(SV_OP_EVENT_SEND, dom, port);
}

int32_t sv_timer_set(uint64_t deadline_ns)
{
	return hypercall2(SV_OP_TIMER_SET, (uint32_t)deadline_ns, (uint32_t)(deadline_ns >> 32));
}

int32_t sv_time_get(uint64_t *ns)
{
	return hypercall2(SV_OP_TIME_GET, (uint32_t)ns, 0);
}

void sv_exit(int32_t status)
{
	hypercall2(SV_OP_EXIT, (uint32_t)status, 0);
	for (;;)	/* not reached: the hypervisor never returns from exit */
		;
}

int32_t sv_domain_list(struct sv_domain_info *buf, uint32_t max)
{
	return hypercall2(SV_OP_DOMAIN_LIST, (uint32_t)buf, max);
}

int32_t sv_mem_info(struct sv_mem_info *out)
{
	return hypercall2(SV_OP_MEM_INFO, (uint32_t)out, 0);
}
