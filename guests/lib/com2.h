/*
 * com2.h: a driver for COM2, the passthrough serial port (include/
 * sharevisor.h section 8, docs/devices.md). The guest drives the 16550
 * UART itself, with in and out, during the periods it owns it:
 *
 *     com2_open(port);               once: the event port it will use
 *     com2_acquire();                 wait in the queue until we own it
 *     while (more && !com2_must_release())
 *             com2_write(line, n);    transmit, woken by the UART's IRQ
 *     com2_release();                 after the last byte has left
 *
 * An owner that does not release soon after com2_must_release() turns
 * true is revoked and killed by the hypervisor.
 */
#ifndef SV_GUEST_COM2_H
#define SV_GUEST_COM2_H

#include <stdbool.h>
#include <stdint.h>

void com2_open(uint32_t port);
/* Grab COM2, waiting behind the current owner if need be; returns 0 once
 * we own it (the UART is then set up: 115200 8N1, FIFO, THR-empty
 * interrupt), or the grab's error. */
int32_t com2_acquire(void);
/* Transmit n bytes; only while we own COM2. */
void com2_write(const char *s, uint32_t n);
/* The hypervisor asked for COM2 back (SV_DEVF_RELEASE). */
bool com2_must_release(void);
/* Let the last byte leave, quiet the UART, release. */
int32_t com2_release(void);
/* Interrupts seen while transmitting (events on our port with the UART
 * reporting THR empty). */
uint32_t com2_interrupts(void);

/*
 * Stream mode: COM2 as a byte pipe both ways that never blocks, for a
 * server that has other work (guests/fileserver.c serves 9P on it):
 *
 *     com2_acquire(); com2_stream_start();
 *     loop: wait for our port (msg_poll's MSG_POLL_PORT), then
 *           n = com2_read(buf, max);        what has arrived, up to max
 *           sent = com2_write_some(p, n);   what the transmit FIFO takes
 *
 * Receiving: the receive interrupt (and line status errors) raise our
 * port; com2_read takes bytes while the UART has them. Bytes it does not
 * take stay in the UART, and the sender is held back: QEMU's 16550 takes
 * no more from its chardev while the receive FIFO is full, and we drop
 * RTS (com2_hold) for a real line's flow control. Transmitting: up to a
 * FIFO's worth now; if more waits, the THR-empty interrupt is on and
 * raises our port when there is room again.
 */
struct com2_stats {
	uint32_t rx_bytes, tx_bytes;
	uint32_t overruns, parity_errors, framing_errors, breaks;	/* from LSR */
};
void com2_stream_start(void);
uint32_t com2_read(uint8_t *buf, uint32_t max);
uint32_t com2_write_some(const uint8_t *buf, uint32_t n);
/* Stop reading for now (RTS off: "do not send"; receive interrupts off,
 * so that THR-empty interrupts still reach us), or go on. A server holds
 * while a reply waits for the line. */
void com2_hold(bool hold);
/* Bytes still in the transmit FIFO or shift register? */
bool com2_tx_busy(void);
const struct com2_stats *com2_stats(void);

#endif /* SV_GUEST_COM2_H */
