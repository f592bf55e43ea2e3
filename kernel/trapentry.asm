; kernel/trapentry.asm: one small entry stub per interrupt vector, and the
; common path that saves the CPU state as a struct trapframe (trap.h),
; calls trap(tf) in C, and returns with iret. The hypercall vector has a
; way of its own: the same frame, then hypercall_trap(tf), which needs
; no look at what kind of trap it is.
;
; The CPU pushes an error code for some exceptions and not for others;
; each stub pushes a dummy 0 where the CPU did not, so the frame always
; has the same shape. Then it pushes the vector number.
;
; Where the frame lands. A trap from a guest (ring 3) switches to the
; stack in the TSS's esp0, and the scheduler points esp0 at the end of
; the running domain's own struct trapframe (struct domain's ctx): the
; CPU and the stub push the guest's registers straight into that domain's
; saved state. The stub then moves esp to the hypervisor stack of the CPU
; it runs on (the scheduler leaves it in the word just past the frame,
; struct domain's hv_stack), which is empty at every entry from a guest,
; and calls C. C returns the frame to
; resume, the same one or another domain's after a switch, and the stub
; pops it and irets: a switch copies no registers. A trap in the
; hypervisor itself (an interrupt in the idle loop, or our own fault)
; arrives on the hypervisor stack, where it is, and returns there.

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
	mov ax, SEL_KDATA	; the hypervisor's own data segments; it never
	mov ds, ax		; uses fs or gs, so they keep the guest's
	mov es, ax		; selectors until the pops below
	mov eax, esp		; the C function's argument: the struct trapframe
%endmacro

; Both entries lie between trap_common and trap_return, which is how
; the gdb helpers (tools/gdb/sharevisor.py) know a trap frame: the
; pointer to it is the word at esp in the entry's frame.
trap_common:
	SAVE_FRAME
	test byte [esp + TRAPFRAME_CS], 3
	jz .on_this_stack	; from ring 0: the frame is on the hypervisor stack
	mov esp, [esp + TRAPFRAME_SIZE]	; struct domain's hv_stack, after ctx
.on_this_stack:
	push eax		; tf (in eax: -mregparm=3; on the stack for gdb)
	extern trap
	call trap		; eax = trap(tf): the frame to resume
	mov esp, eax
	jmp trap_return
; The hypercall gate once several CPUs run (idt_hypercall_smp): the same,
; through the C entry that takes the hypervisor lock.
global vector_hypercall_smp
vector_hypercall_smp:
	push dword 0
	push dword HYPERCALL_VECTOR
	SAVE_FRAME
	mov esp, [esp + TRAPFRAME_SIZE]
	push eax
	extern hypercall_trap_smp
	call hypercall_trap_smp
	mov esp, eax
	jmp trap_return
hypercall_common:		; only from ring 3 (the one gate with DPL 3)
	SAVE_FRAME
	mov esp, [esp + TRAPFRAME_SIZE]	; this CPU's stack: struct domain's hv_stack
	push eax
	extern hypercall_trap
	call hypercall_trap	; eax = hypercall_trap(tf)
	mov esp, eax
global trap_return
trap_return:			; esp at a struct trapframe: resume it. Interrupts
				; must be off: an interrupt taken here would push
				; its frame below esp, into the struct domain
	popad
	pop gs
	pop fs
	pop es
	pop ds
	add esp, 8		; vector number and error code
	iretd

; Start running domains on this CPU: on its stack (the argument, in
; eax), the scheduler chooses a domain and returns its frame, which we
; "return" into.
global enter_first_domain
extern sched_first_frame
enter_first_domain:
	cli			; kmain ran with interrupts on; trap_return must not
	mov esp, eax
	call sched_first_frame
	mov esp, eax
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
