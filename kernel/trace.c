/*
 * trace.c: trace=hypercalls, one whole line per hypercall, event raised
 * and upcall, for reading a run and drawing it (tools/trace2diagram.py).
 * Each line is one printk, so it never mixes with a guest's console line:
 * those are printed whole too (hc_console_write buffers them).
 */
#include "domain.h"
#include "klib.h"
#include "trace.h"

void trace_hypercall(const struct domain *d, const char *op, const char *argfmt,
		     const uint32_t args[5], int32_t result)
{
	char list[5 * 13] = "";
	size_t n = 0;

	for (int i = 0; argfmt[i] && i < 5; i++) {
		const char *sep = i ? ", " : "";
		if (argfmt[i] == 'x')
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s0x%x", sep, args[i]);
		else
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%d", sep, (int32_t)args[i]);
	}
	if (result < 0)
		printk("trace: hc dom=%u %s %s(%s) = %d %s\n", d->id, d->name, op, list, result,
		       sv_strerror(result));
	else
		printk("trace: hc dom=%u %s %s(%s) = %d\n", d->id, d->name, op, list, result);
}

void trace_raise(const struct domain *d, uint32_t port)
{
	printk("trace: raise dom=%u %s port=%u\n", d->id, d->name, port);
}

void trace_upcall(const struct domain *d, uint32_t pending)
{
	printk("trace: upcall dom=%u %s pending=%#x\n", d->id, d->name, pending);
}
