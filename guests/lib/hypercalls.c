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
int32_t sv_wait(void) { return hypercall0(SV_OP_WAIT); }

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

/* ---- shares */

int32_t sv_share_create(uint32_t npages)
{
	return hypercall2(SV_OP_SHARE_CREATE, npages, 0);
}

int32_t sv_share_grant(sv_share_t share, sv_domid_t dom)
{
	return hypercall2(SV_OP_SHARE_GRANT, (uint32_t)share, dom);
}

int32_t sv_share_destroy(sv_share_t share)
{
	return hypercall2(SV_OP_SHARE_DESTROY, (uint32_t)share, 0);
}

int32_t sv_share_get(sv_share_t share, uint32_t port)
{
	return hypercall2(SV_OP_SHARE_GET, (uint32_t)share, port);
}

int32_t sv_share_drop(sv_share_t share)
{
	return hypercall2(SV_OP_SHARE_DROP, (uint32_t)share, 0);
}

int32_t sv_share_map(sv_share_t share, uint32_t va, uint32_t flags)
{
	return hypercall5(SV_OP_SHARE_MAP, (uint32_t)share, va, flags, 0, 0);
}

int32_t sv_share_unmap(sv_share_t share)
{
	return hypercall2(SV_OP_SHARE_UNMAP, (uint32_t)share, 0);
}

int32_t sv_share_info(sv_share_t share, struct sv_share_status *out)
{
	return hypercall2(SV_OP_SHARE_INFO, (uint32_t)share, (uint32_t)out);
}

int32_t sv_watch(sv_share_t share, uint32_t offset, uint32_t *counter)
{
	return hypercall5(SV_OP_WATCH, (uint32_t)share, offset, (uint32_t)counter, 0, 0);
}

int32_t sv_unwatch(sv_share_t share, uint32_t offset, uint32_t *counter)
{
	return hypercall5(SV_OP_UNWATCH, (uint32_t)share, offset, (uint32_t)counter, 0, 0);
}

int32_t sv_trigger(sv_share_t share, uint32_t offset)
{
	return hypercall2(SV_OP_TRIGGER, (uint32_t)share, offset);
}

int32_t sv_sg_register(sv_share_t share, uint32_t dir, const struct sv_sg *list, uint32_t n,
		       uint32_t *len)
{
	return hypercall5(SV_OP_SG_REGISTER, (uint32_t)share, dir, (uint32_t)list, n, (uint32_t)len);
}

int32_t sv_sg_unregister(sv_share_t share, int32_t handle)
{
	return hypercall2(SV_OP_SG_UNREGISTER, (uint32_t)share, (uint32_t)handle);
}

int32_t sv_sg_xfer(sv_share_t share, uint32_t dir, uint32_t peer, const struct sv_sg *list,
		   uint32_t n)
{
	return hypercall5(SV_OP_SG_XFER, (uint32_t)share, dir, peer, (uint32_t)list, n);
}

int32_t sv_device_query(uint32_t dev, struct sv_device_status *out)
{
	return hypercall2(SV_OP_DEVICE_QUERY, dev, (uint32_t)out);
}

int32_t sv_device_grab(uint32_t dev, uint32_t port, uint32_t flags)
{
	return hypercall5(SV_OP_DEVICE_GRAB, dev, port, flags, 0, 0);
}

int32_t sv_device_release(uint32_t dev)
{
	return hypercall2(SV_OP_DEVICE_RELEASE, dev, 0);
}

int32_t sv_device_config(uint32_t dev, uint32_t slice_ms, uint32_t grace_ms)
{
	return hypercall5(SV_OP_DEVICE_CONFIG, dev, slice_ms, grace_ms, 0, 0);
}
