; guests/lib/upcall.asm: where the hypervisor enters the guest for events.
; On entry esp points at the struct sv_upcall_frame it pushed (the
; interrupted registers). We call the C dispatcher with the frame, then
; give the frame back with SV_OP_EVENT_RETURN, which restores those
; registers and delivers anything that became pending meanwhile.
SV_OP_EVENT_RETURN equ 6	; include/sharevisor.h

section .text
global upcall_entry
extern upcall_dispatch
upcall_entry:
	mov ebx, esp		; the frame (ebx is callee-saved in C)
	and esp, -16		; an aligned stack for C
	mov eax, ebx		; upcall_dispatch(frame): in eax (-mregparm=3)
	push ebx		; and on the stack, for gdb
	call upcall_dispatch
	mov eax, SV_OP_EVENT_RETURN
	int 0x82		; does not return here

section .note.GNU-stack noalloc noexec nowrite progbits
