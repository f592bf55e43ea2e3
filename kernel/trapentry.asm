; kernel/trapentry.asm: one small entry stub per interrupt vector, and the
; common path that saves the CPU state as a struct trapframe (trap.h),
; calls trap(tf) in C, and returns with iret. The hypercall vector has a
; way of its own: the same frame, then hypercall_trap(tf), which needs
; no look at what kind of trap it is.
;
; The CPU pushes an error code for some exceptions and not for others;
; each stub pushes a dummy 0 where the CPU did not, so the frame always
; has the same shape. Then it pushes the vector number.

%include "asmdefs.inc"

HYPERCALL_VECTOR equ 0x82	; SV_HYPERCALL_VECTOR (kernel/trap.c checks they agree)

section .text

; Exceptions that push an error code (Intel SDM vol. 3, table 6-1).
%macro HAS_ERROR_CODE 1
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
%assign has_err 1
%else
%assign has_err 0
%endif
%endmacro

%assign v 0
%rep 256
vector_ %+ v:
	HAS_ERROR_CODE v
%if has_err == 0
	push dword 0
%endif
	push dword v
%if v == HYPERCALL_VECTOR
	jmp hypercall_common
%else
	jmp trap_common
%endif
%assign v v + 1
%endrep

; The rest of the frame: segment registers, then the general ones.
%macro SAVE_FRAME 0
	push ds
	push es
	push fs
	push gs
	pushad
	cld			; a guest may trap with DF set: C expects it clear
	mov ax, SEL_KDATA	; the hypervisor's own data segments
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov eax, esp		; the C function's argument: the struct trapframe
	push esp		; (in eax: -mregparm=3; on the stack for gdb's backtraces)
%endmacro

; Both entries lie between trap_common and trap_return, which is how
; the gdb helpers (tools/gdb/sharevisor.py) know a trap frame.
trap_common:
	SAVE_FRAME
	extern trap
	call trap		; trap(tf)
	jmp frame_done
hypercall_common:
	SAVE_FRAME
	extern hypercall_trap
	call hypercall_trap	; hypercall_trap(tf)
frame_done:
	add esp, 4
global trap_return
trap_return:			; also the way into the first domain (enter_first_domain)
	popad
	pop gs
	pop fs
	pop es
	pop ds
	add esp, 8		; vector number and error code
	iretd

; Start running domains: put esp where a trap from ring 3 leaves its
; frame (the top of the hypervisor stack), let the scheduler fill that
; frame with the first domain's registers, and "return" into it.
global enter_first_domain
extern boot_stack, sched_return_to_guest
enter_first_domain:
	mov esp, boot_stack + BOOT_STACK_SIZE - TRAPFRAME_SIZE
	mov eax, esp		; sched_return_to_guest(tf), tf = the frame
	push esp
	call sched_return_to_guest
	add esp, 4
	jmp trap_return

section .rodata
global trap_vectors		; trap_vectors[v] is vector v's stub
trap_vectors:
%assign v 0
%rep 256
	dd vector_ %+ v
%assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
