; boot/apstart.asm: where the other CPUs (APs) begin.
;
; A STARTUP IPI starts an AP in real mode at physical address
; vector_page << 12, with cs = vector_page << 8 and ip = 0. kernel/smp.c
; copies this code to AP_TRAMPOLINE (0x7000, below 1 MiB as real mode
; needs) and fills in ap_params for each AP before it sends the IPI. The
; AP then
;   1. loads the small GDT below and enters protected mode,
;   2. turns paging on with boot_pgdir, which maps the first 4 MiB both
;      where they are and at KERNBASE (boot/entry.asm built it; it still
;      is in .bss), so this code and the hypervisor are both reachable,
;   3. takes its stack and jumps to ap_main(cpu) in kernel/smp.c, which
;      loads the real GDT, IDT, TSS and page directory.
; Everything here runs at AP_TRAMPOLINE, not where it was linked: every
; address is AP_TRAMPOLINE + (label - ap_trampoline).

%include "asmdefs.inc"

CR0_PE		equ 1 << 0
CR0_WP		equ 1 << 16
CR0_PG		equ 1 << 31
CR4_PSE		equ 1 << 4

%define HERE(label) (AP_TRAMPOLINE + ((label) - ap_trampoline))

section .text
bits 16
global ap_trampoline, ap_params, ap_trampoline_end
ap_trampoline:
	cli
	cld
	xor ax, ax
	mov ds, ax
	lgdt [HERE(ap_gdt_ptr)]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword SEL_KCODE:HERE(ap_protected)	; reload cs: 32-bit code

bits 32
ap_protected:
	mov ax, SEL_KDATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov eax, cr4
	or eax, CR4_PSE			; boot_pgdir has 4 MiB pages
	mov cr4, eax
	mov eax, [HERE(ap_params) + 0]	; cr3: boot_pgdir's physical address
	mov cr3, eax
	mov eax, cr0
	or eax, CR0_PG | CR0_WP
	mov cr0, eax
	mov esp, [HERE(ap_params) + 4]	; its hypervisor stack (KERNBASE + ...)
	xor ebp, ebp			; ends gdb's backtraces here
	mov eax, [HERE(ap_params) + 8]	; ap_main(cpu): the argument in eax
	push eax			; (-mregparm=3; on the stack for gdb)
	push 0				; no return address
	jmp [HERE(ap_params) + 12]	; ap_main, at its KERNBASE address

align 8
ap_gdt:					; null, then SEL_KCODE and SEL_KDATA, flat
	dq 0
	dq 0x00CF9A000000FFFF		; base 0, limit 4 GiB, 32-bit code, ring 0
	dq 0x00CF92000000FFFF		; base 0, limit 4 GiB, data, ring 0
ap_gdt_ptr:
	dw ap_gdt_ptr - ap_gdt - 1
	dd HERE(ap_gdt)
align 4
ap_params:				; struct ap_params (kernel/smp.c)
	dd 0, 0, 0, 0			; cr3, stack, cpu, entry
ap_trampoline_end:

section .note.GNU-stack noalloc noexec nowrite progbits
