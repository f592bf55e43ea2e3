/*
 * console.h: the hypervisor's output devices. printk (klib.h) writes to
 * both; the serial port is what tests read, the VGA screen what a person
 * watching QEMU's window sees.
 */
#ifndef SV_CONSOLE_H
#define SV_CONSOLE_H

#include <stddef.h>

/* kernel/serial.c: COM1, a 16550 UART at 115200 8N1, polled. */
void serial_init(void);
void serial_putc(char c);
void serial_flush(void);

/* kernel/vga.c: the 80x25 colour text screen at physical 0xB8000. */
void vga_init(void);
void vga_putc(char c);

/* kernel/console.c */
void console_init(void);
void console_write(const char *s, size_t n);

#endif /* SV_CONSOLE_H */
