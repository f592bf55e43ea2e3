/*
 * fpu.h: each domain's own x87/MMX/SSE state (kernel/fpu.c).
 *
 * The floating-point unit is the one part of a ring-3 guest's CPU state
 * that a trap does not save: the trap frame holds the general registers,
 * not st0-st7/mm0-mm7, xmm0-xmm7, the x87 control, status and tag words
 * or MXCSR. So the scheduler saves and restores it here, on every switch
 * from one domain to another (docs/domains.md says why eagerly, and the
 * figures).
 *
 * The save area is the hypervisor's, never guest memory: what a guest
 * puts in its FPU only ever reaches it through fxsave (or fnsave) from
 * the real registers, so it always holds a value the CPU itself accepts
 * back, and fxrstor cannot fault in ring 0.
 */
#ifndef SV_FPU_H
#define SV_FPU_H

#include <stdbool.h>
#include <stdint.h>

/* fxsave's 512-byte image (Intel SDM vol. 1, table 10-2). */
struct fxsave_image {
	uint16_t fcw, fsw;	/* x87 control and status words */
	uint8_t ftw;		/* abridged tag word: bit i set = st(i) in use */
	uint8_t reserved1;
	uint16_t fop;		/* the last x87 instruction's opcode */
	uint32_t fip, fcs;	/* its address and code selector */
	uint32_t fdp, fds;	/* its operand's address and data selector */
	uint32_t mxcsr;		/* SSE control and status */
	uint32_t mxcsr_mask;	/* the MXCSR bits this CPU has (0: 0xFFBF) */
	uint8_t st[8][16];	/* st0-st7, which are also mm0-mm7: 10 bytes of 16 */
	uint8_t xmm[8][16];	/* xmm0-xmm7 */
	uint8_t reserved2[224];
};

/* fnsave's 108-byte image in 32-bit protected mode (SDM vol. 1,
 * figure 8-9): no SSE state. */
struct fnsave_image {
	uint32_t fcw, fsw, ftw;	/* the low 16 bits of each; ftw: 2 bits per register */
	uint32_t fip, fcs_fop;
	uint32_t fdp, fds;
	uint8_t st[8][10];
};

/* A domain's FPU state, as fxsave (or, without FXSR, fnsave) leaves it.
 * fxsave wants it 16-byte aligned. */
struct fpu_state {
	union {
		struct fxsave_image fx;
		struct fnsave_image fn;
	};
} __attribute__((aligned(16)));

_Static_assert(sizeof(struct fxsave_image) == 512, "fxsave writes 512 bytes");
_Static_assert(sizeof(struct fnsave_image) == 108, "fnsave writes 108 bytes");

/* How the state follows the domains (fpu= on the command line). */
enum fpu_switching {
	FPU_EAGER,	/* save and restore on every switch (the default) */
	FPU_LAZY,	/* CR0.TS on a switch; save and restore on the #NM */
};

struct domain;

/* At boot, before any domain: find what the CPU has (CPUID), set CR0 and
 * CR4 for it, build the clean state, print one line. */
void fpu_init(enum fpu_switching how);
void fpu_init_ap(void);	/* the same control bits on another CPU as it starts */
/* Several CPUs run: switch eagerly (a domain's registers must not stay
 * behind in the FPU of a CPU it left). */
void fpu_smp(uint32_t cpus);
/* A new domain's state: fninit's control and status, every register
 * zero, MXCSR 0x1F80. */
void fpu_state_init(struct fpu_state *s);
/* The CPU goes from domain from (NULL: none whose state matters, e.g.
 * it just died) to domain to. */
void fpu_switch(struct domain *from, struct domain *to);
/* The CPU goes idle and lets other CPUs have d: its registers saved. */
void fpu_leave(struct domain *d);
/* #NM from ring 3. Lazy switching: load d's state, true. Otherwise (the
 * CPU has no FPU) false: the guest used what is not there. */
bool fpu_device_not_available(struct domain *d);
/* d is gone: its state is nobody's. */
void fpu_domain_dies(struct domain *d);
/* For the invariant checker: CR0 and CR4 are as fpu_init set them, and
 * with eager switching CR0.TS is clear. NULL if so, else what is wrong. */
const char *fpu_check(void);

#endif /* SV_FPU_H */
