/*
 * vga.c: the colour text screen, 80x25 cells of (character, attribute) at
 * physical 0xB8000, reached through the direct map. It scrolls; the
 * hardware cursor is moved through the CRT controller.
 */
#include "console.h"
#include "klib.h"
#include "memlayout.h"
#include "x86.h"

#define VGA_COLS	80
#define VGA_ROWS	25
#define VGA_ATTR	0x07	/* light grey on black */
#define CRTC_INDEX	0x3D4
#define CRTC_DATA	0x3D5

static uint16_t *const screen = (uint16_t *)P2V(0xB8000);
static int cursor;	/* cell index, 0 .. VGA_COLS * VGA_ROWS - 1 */

static void move_hw_cursor(void)
{
	outb(CRTC_INDEX, 14);
	outb(CRTC_DATA, (uint8_t)(cursor >> 8));
	outb(CRTC_INDEX, 15);
	outb(CRTC_DATA, (uint8_t)cursor);
}

void vga_init(void)
{
	for (int i = 0; i < VGA_COLS * VGA_ROWS; i++)
		screen[i] = (VGA_ATTR << 8) | ' ';
	cursor = 0;
	move_hw_cursor();
}

void vga_putc(char c)
{
	if (c == '\n') {
		cursor += VGA_COLS - cursor % VGA_COLS;
	} else if (c == '\b') {
		if (cursor > 0)
			screen[--cursor] = (VGA_ATTR << 8) | ' ';
	} else {
		screen[cursor++] = (VGA_ATTR << 8) | (uint8_t)c;
	}
	if (cursor >= VGA_COLS * VGA_ROWS) {	/* scroll up one line */
		memmove(screen, screen + VGA_COLS,
			sizeof(screen[0]) * VGA_COLS * (VGA_ROWS - 1));
		for (int i = 0; i < VGA_COLS; i++)
			screen[VGA_COLS * (VGA_ROWS - 1) + i] = (VGA_ATTR << 8) | ' ';
		cursor -= VGA_COLS;
	}
	move_hw_cursor();
}
