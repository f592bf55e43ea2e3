/*
 * serial.c: COM1, the console that tests and the gdb workflow rely on.
 * A 16550 UART driven by polling: transmit waits until the holding
 * register is empty. No interrupts, so it works from any context,
 * including a panic with interrupts off.
 */
#include "console.h"
#include "x86.h"

#define COM1		0x3F8
#define UART_DATA	0	/* transmit holding / receive buffer */
#define UART_IER	1	/* interrupt enable */
#define UART_FCR	2	/* FIFO control */
#define UART_LCR	3	/* line control */
#define UART_MCR	4	/* modem control */
#define UART_LSR	5	/* line status */
#define UART_DLL	0	/* divisor latch, low byte (when LCR.DLAB=1) */
#define UART_DLM	1	/* divisor latch, high byte */

#define LCR_8N1		0x03
#define LCR_DLAB	0x80
#define LSR_THR_EMPTY	0x20	/* room for another byte */
#define LSR_TX_IDLE	0x40	/* holding register and shift register empty */

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);		/* no interrupts */
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1);		/* 115200 / 1 = 115200 baud */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0xC7);		/* enable and clear FIFOs */
	outb(COM1 + UART_MCR, 0x03);		/* DTR, RTS */
}

void serial_putc(char c)
{
	if (c == '\n')
		serial_putc('\r');
	/* Bounded wait: a missing UART reads 0xFF and passes at once. */
	for (int i = 0; i < 100000; i++)
		if (inb(COM1 + UART_LSR) & LSR_THR_EMPTY)
			break;
	outb(COM1 + UART_DATA, (uint8_t)c);
}

/* Wait until every byte has left the UART. Emulators shut down at once
 * when we power off, dropping whatever is still in the transmit FIFO. */
void serial_flush(void)
{
	for (int i = 0; i < 100000; i++)
		if (inb(COM1 + UART_LSR) & LSR_TX_IDLE)
			return;
}
