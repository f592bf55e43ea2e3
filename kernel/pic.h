/*
 * pic.h: the two cascaded 8259A interrupt controllers (kernel/pic.c).
 * IRQ n arrives at vector T_IRQ0 + n (trap.h).
 */
#ifndef SV_PIC_H
#define SV_PIC_H

#include <stdbool.h>

#define PIC_NUM_IRQS	16

void pic_init(void);
void pic_unmask(int irq);
void pic_mask(int irq);
void pic_eoi(int irq);
bool pic_is_spurious(int irq);

#endif /* SV_PIC_H */
