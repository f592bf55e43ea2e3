; guests/lib/entry.asm: a guest's first instruction. The hypervisor starts
; every domain here with esp = SV_STACK_TOP and interrupts (events) on.
section .text
global _start
extern guest_start
_start:
	xor ebp, ebp		; end of the frame-pointer chain for gdb
	call guest_start	; never returns

section .note.GNU-stack noalloc noexec nowrite progbits
