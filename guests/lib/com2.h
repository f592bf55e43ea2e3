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

#endif /* SV_GUEST_COM2_H */
