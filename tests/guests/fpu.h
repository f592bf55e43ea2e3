/*
 * fpu.h: what the FPU test guests share: which FPU the CPU has (CPUID,
 * which a guest may execute), and a picture of the whole FPU state that
 * does not change it (fpu_dump), to compare before and after a switch.
 *
 * The picture is the fxsave image where the CPU has FXSR: control,
 * status and tag words, the last instruction's opcode and pointers,
 * st0-st7 (= mm0-mm7), MXCSR and xmm0-xmm7. Without FXSR it is fnsave's
 * (x87 only), followed by frstor, because fnsave also resets the FPU.
 * These guests are built with -mgeneral-regs-only like every other: the
 * compiler never touches the FPU behind their backs, so the only FPU
 * instructions they execute are the ones written here in asm.
 */
#ifndef FPU_TEST_H
#define FPU_TEST_H

#include "sv.h"

/* The fxsave image's fields (Intel SDM vol. 1, table 10-2). */
#define FX_FCW		0	/* uint16_t */
#define FX_FSW		2	/* uint16_t */
#define FX_FTW		4	/* uint8_t: bit i set = st(i) in use */
#define FX_FOP		6
#define FX_MXCSR	24
#define FX_ST(i)	(32 + 16 * (i))		/* 10 bytes used of 16 */
#define FX_XMM(i)	(160 + 16 * (i))
#define FX_USED		288			/* the rest is reserved */
/* The fnsave image in 32-bit protected mode (SDM vol. 1, figure 8-9). */
#define FN_FCW		0
#define FN_FSW		4
#define FN_FTW		8	/* two bits per register, 11 = empty */
#define FN_POINTERS	12	/* last instruction and operand pointers */
#define FN_POINTERS_LEN	16
#define FN_ST(i)	(28 + 10 * (i))
#define FN_USED		108

#define FCW_INIT	0x037F
#define MXCSR_INIT	0x1F80

struct fpu_features {
	bool fxsr, sse, mmx;
};

static inline struct fpu_features fpu_features(void)
{
	uint32_t a = 1, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return (struct fpu_features){ .mmx = d & (1u << 23), .fxsr = d & (1u << 24),
				      .sse = (d & (1u << 24)) && (d & (1u << 25)) };
}

/* 512 bytes, 16-byte aligned, as fxsave wants them. */
struct fpu_image {
	uint8_t b[512];
} __attribute__((aligned(16)));

/* The whole FPU state into *img, leaving the FPU as it was. */
static inline void fpu_dump(struct fpu_image *img, bool fxsr)
{
	if (fxsr) {
		__asm__ volatile("fxsave %0" : "=m"(*img));
	} else {
		__asm__ volatile("fnsave %0" : "=m"(*img));
		__asm__ volatile("frstor %0" : : "m"(*img));
	}
}

/* The number of bytes of the image that mean something. */
static inline uint32_t fpu_image_used(bool fxsr)
{
	return fxsr ? FX_USED : FN_USED;
}

static inline uint16_t get16(const struct fpu_image *img, uint32_t at)
{
	uint16_t v;
	memcpy(&v, &img->b[at], sizeof(v));
	return v;
}

static inline uint32_t get32(const struct fpu_image *img, uint32_t at)
{
	uint32_t v;
	memcpy(&v, &img->b[at], sizeof(v));
	return v;
}

#endif /* FPU_TEST_H */
