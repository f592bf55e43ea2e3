/*
 * hypercall.h: the raw hypercall, as the ABI header (include/sharevisor.h)
 * defines it: "int $0x82", operation in eax, arguments in ebx, ecx, edx,
 * esi, edi, result in eax. The hypervisor preserves every other register.
 */
#ifndef SV_GUEST_HYPERCALL_H
#define SV_GUEST_HYPERCALL_H

#include <stdint.h>

static inline int32_t hypercall5(uint32_t op, uint32_t a1, uint32_t a2,
				 uint32_t a3, uint32_t a4, uint32_t a5)
{
	int32_t ret;
	__asm__ volatile("int $0x82"
			 : "=a"(ret)
			 : "a"(op), "b"(a1), "c"(a2), "d"(a3), "S"(a4), "D"(a5)
			 : "memory");
	return ret;
}

static inline int32_t hypercall2(uint32_t op, uint32_t a1, uint32_t a2)
{
	int32_t ret;
	__asm__ volatile("int $0x82" : "=a"(ret) : "a"(op), "b"(a1), "c"(a2) : "memory");
	return ret;
}

static inline int32_t hypercall0(uint32_t op)
{
	int32_t ret;
	__asm__ volatile("int $0x82" : "=a"(ret) : "a"(op) : "memory");
	return ret;
}

#endif /* SV_GUEST_HYPERCALL_H */
