/*
 * com2.c: the guest's driver for COM2, a 16550 UART passed through by the
 * hypervisor (include/sharevisor.h section 8; com2.h shows the use).
 *
 * While we own COM2 its ports are open to us and we program the UART
 * directly. Transmission is interrupt-driven: we fill the transmit FIFO,
 * and when it is not empty we block; the UART's "transmitter holding
 * register empty" interrupt reaches us as an event on our device port,
 * and we look again. The hypervisor's state for us is in
 * shared_info->device[SV_DEV_COM2]: OWNER once the queue gives us the
 * device, RELEASE when our time is up.
 */
#include "portio.h"	/* lib/portio.h: inb, outb */
#include "sv.h"

/* 16550 registers, offsets from SV_COM2_IO_BASE. */
#define RBR	0	/* receive buffer register (read) */
#define THR	0	/* transmit holding register (write) */
#define DLL	0	/* divisor latch, low byte (with LCR_DLAB) */
#define IER	1	/* interrupt enable */
#define DLM	1	/* divisor latch, high byte (with LCR_DLAB) */
#define IIR	2	/* interrupt identification (read) */
#define FCR	2	/* FIFO control (write) */
#define LCR	3	/* line control */
#define MCR	4	/* modem control */
#define LSR	5	/* line status */

#define IER_RDA		0x01	/* interrupt when received data is available */
#define IER_THRE	0x02	/* interrupt when the transmit FIFO empties */
#define IER_RLS		0x04	/* interrupt on a receive line status error */
#define IIR_THRE	0x02	/* ... and that is why it interrupted */
#define IIR_MASK	0x0F
#define FCR_ENABLE_CLEAR 0x07	/* FIFOs on, both cleared */
#define LCR_DLAB	0x80
#define LCR_8N1		0x03
#define MCR_DTR_RTS_OUT2 0x0B	/* OUT2 connects the UART to its IRQ line */
#define MCR_RTS		0x02	/* request to send: "you may send to me" */
#define LSR_DR		0x01	/* a received byte is waiting */
#define LSR_OE		0x02	/* overrun: a byte was lost, the FIFO was full */
#define LSR_PE		0x04	/* parity error */
#define LSR_FE		0x08	/* framing error */
#define LSR_BI		0x10	/* break */
#define LSR_THRE	0x20	/* the transmit FIFO is empty */
#define LSR_TEMT	0x40	/* ... and so is the shift register: all sent */
#define FIFO_BYTES	16

static uint32_t com2_port;	/* our event port for the device */
static uint32_t interrupts;

static uint8_t uart_in(uint32_t reg) { return inb((uint16_t)(SV_COM2_IO_BASE + reg)); }
static void uart_out(uint32_t reg, uint8_t v) { outb((uint16_t)(SV_COM2_IO_BASE + reg), v); }

static bool owned(void)
{
	return shared_info->device[SV_DEV_COM2] & SV_DEVF_OWNER;
}

bool com2_must_release(void)
{
	return shared_info->device[SV_DEV_COM2] & SV_DEVF_RELEASE;
}

void com2_open(uint32_t port)
{
	com2_port = port;
}

/* 115200 baud (divisor 1), 8N1, FIFOs on, the THR-empty interrupt on. */
static void uart_setup(void)
{
	uart_out(LCR, LCR_DLAB);
	uart_out(DLL, 1);
	uart_out(DLM, 0);
	uart_out(LCR, LCR_8N1);
	uart_out(FCR, FCR_ENABLE_CLEAR);
	uart_out(MCR, MCR_DTR_RTS_OUT2);
	uart_out(IER, IER_THRE);
}

int32_t com2_acquire(void)
{
	int32_t rc = sv_device_grab(SV_DEV_COM2, com2_port, SV_GRAB_WAIT);
	if (rc < 0)
		return rc;
	if (rc == SV_GRAB_QUEUED)	/* our port is raised when it is ours */
		sv_block_until_port(com2_port, owned);
	uart_setup();
	return 0;
}

static struct com2_stats stats;	/* line errors counted by every LSR read */

/* LSR, its error bits counted: reading LSR clears them. */
static uint8_t line_status(void)
{
	uint8_t lsr = uart_in(LSR);
	stats.overruns += (lsr & LSR_OE) != 0;
	stats.parity_errors += (lsr & LSR_PE) != 0;
	stats.framing_errors += (lsr & LSR_FE) != 0;
	stats.breaks += (lsr & LSR_BI) != 0;
	return lsr;
}

/* Is the transmit FIFO empty (so it takes FIFO_BYTES at once)? Reading
 * IIR also acknowledges a THR-empty interrupt, which is how we count
 * them. */
static bool tx_ready(void)
{
	if ((uart_in(IIR) & IIR_MASK) == IIR_THRE)
		interrupts++;
	return line_status() & LSR_THRE;
}

void com2_write(const char *s, uint32_t n)
{
	while (n > 0) {
		if (!tx_ready())
			sv_block_until_port(com2_port, tx_ready);
		/* THRE: the FIFO is empty, so it takes FIFO_BYTES at once. */
		for (uint32_t i = 0; i < FIFO_BYTES && n > 0; i++, n--)
			uart_out(THR, (uint8_t)*s++);
	}
}

int32_t com2_release(void)
{
	/* No interrupt says "shift register empty": poll, yielding. It is
	 * one character time at most after the FIFO emptied. */
	while (com2_tx_busy())
		sv_yield();
	uart_out(IER, 0);
	uart_out(MCR, 0);
	return sv_device_release(SV_DEV_COM2);
}

uint32_t com2_interrupts(void)
{
	return interrupts;
}

/* ---- stream mode (com2.h) */

static bool tx_waiting;		/* bytes wait for room: THR-empty interrupt on */
static bool rx_held;		/* not reading for now: receive interrupts off, RTS off */

/* The interrupts we want now. Receiving is off while we hold: the PIC
 * takes COM2's IRQ on its rising edge, and the UART keeps its line up
 * while any enabled cause is pending, so received bytes left waiting
 * would hide every later THR-empty edge, and we would never hear that
 * the transmitter has room. */
static void stream_ier(void)
{
	uart_out(IER, (rx_held ? 0 : IER_RDA | IER_RLS) | (tx_waiting ? IER_THRE : 0));
}

void com2_stream_start(void)
{
	stats = (struct com2_stats){ 0 };
	tx_waiting = false;
	rx_held = false;
	uart_out(MCR, MCR_DTR_RTS_OUT2);
	stream_ier();
}

uint32_t com2_read(uint8_t *buf, uint32_t max)
{
	uint32_t n = 0;
	while (n < max && (line_status() & LSR_DR))
		buf[n++] = uart_in(RBR);
	stats.rx_bytes += n;
	return n;
}

uint32_t com2_write_some(const uint8_t *buf, uint32_t n)
{
	uint32_t sent = 0;
	if (tx_ready())
		for (; sent < n && sent < FIFO_BYTES; sent++)
			uart_out(THR, buf[sent]);
	bool waiting = sent < n;
	if (waiting != tx_waiting) {
		tx_waiting = waiting;
		stream_ier();
	}
	stats.tx_bytes += sent;
	return sent;
}

void com2_hold(bool hold)
{
	if (hold == rx_held)
		return;
	rx_held = hold;
	uart_out(MCR, hold ? MCR_DTR_RTS_OUT2 & ~MCR_RTS : MCR_DTR_RTS_OUT2);
	stream_ier();
}

bool com2_tx_busy(void)
{
	return !(line_status() & LSR_TEMT);
}

const struct com2_stats *com2_stats(void)
{
	return &stats;
}
