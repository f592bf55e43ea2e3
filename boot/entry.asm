; boot/entry.asm: the Multiboot header and the first instructions.
;
; GRUB (or QEMU -kernel) loads the image at physical 1 MiB and jumps to
; _start with paging off, EAX = 0x2BADB002 and EBX = the physical address
; of the Multiboot information. We
;   1. zero .bss (loaders should, but it costs nothing to be sure),
;   2. build boot_pgdir: 4 MiB pages mapping physical 0 .. DIRECTMAP_LIMIT
;      at KERNBASE, plus an identity mapping of the first 4 MiB so that
;      the instruction after "enable paging" still has a mapping,
;   3. turn on paging and jump to the linked (0xC01xxxxx) addresses,
;   4. call kmain(magic, mbi_phys) on the boot stack.
; kernel/main.c then replaces boot_pgdir with one that maps only RAM and
; drops the identity mapping. This code runs at its physical address, so
; it lives in .boot.text, which linker.ld links (not just loads) low.

%include "asmdefs.inc"		; KERNBASE etc., generated from kernel/memlayout.h

MB_HEADER_MAGIC	equ 0x1BADB002
MB_PAGE_ALIGN	equ 1 << 0	; load modules on page boundaries
MB_MEMORY_INFO	equ 1 << 1	; give us mem_lower/upper and the memory map
MB_FLAGS	equ MB_PAGE_ALIGN | MB_MEMORY_INFO

PDE_PRESENT	equ 1 << 0
PDE_WRITABLE	equ 1 << 1
PDE_LARGE	equ 1 << 7	; a 4 MiB page (needs CR4.PSE)
CR4_PSE		equ 1 << 4
CR0_WP		equ 1 << 16	; ring 0 honours read-only pages too
CR0_PG		equ 1 << 31

section .multiboot		; must be in the first 8 KiB of the file
align 4
	dd MB_HEADER_MAGIC
	dd MB_FLAGS
	dd -(MB_HEADER_MAGIC + MB_FLAGS)

section .boot.text
global _start
_start:
	cli
	cld
	mov esi, eax		; keep the loader's magic

	; 1. zero .bss, through its physical address
	extern __bss_start, __bss_end
	mov edi, __bss_start - KERNBASE
	mov ecx, __bss_end
	sub ecx, __bss_start
	xor eax, eax
	rep stosb

	; 2. boot_pgdir[0] = identity 0..4 MiB;
	;    boot_pgdir[KERNBASE>>22 + i] = physical i * 4 MiB
	mov edi, boot_pgdir - KERNBASE
	mov dword [edi], PDE_PRESENT | PDE_WRITABLE | PDE_LARGE
	xor ecx, ecx
.fill:
	mov edx, ecx
	shl edx, LARGE_PAGE_SHIFT
	or edx, PDE_PRESENT | PDE_WRITABLE | PDE_LARGE
	mov [edi + (KERNBASE >> LARGE_PAGE_SHIFT) * 4 + ecx * 4], edx
	inc ecx
	cmp ecx, DIRECTMAP_LIMIT >> LARGE_PAGE_SHIFT
	jb .fill

	; 3. paging on
	mov eax, cr4
	or eax, CR4_PSE
	mov cr4, eax
	mov cr3, edi
	mov eax, cr0
	or eax, CR0_PG | CR0_WP
	mov cr0, eax
	mov eax, higher_half	; an absolute jump to a 0xC01xxxxx address
	jmp eax

section .text
global higher_half		; named, so that backtraces end with it
higher_half:
	mov esp, boot_stack + BOOT_STACK_SIZE
	xor ebp, ebp		; ends the frame-pointer chain for backtraces
	push ebx		; kmain(magic, mbi_phys): the C code takes its
	push esi		; first three arguments in eax, edx, ecx
	mov eax, esi		; (-mregparm=3); on the stack too, for gdb
	mov edx, ebx
	extern kmain
	call kmain
.hang:				; kmain does not return; if it did, stop here
	cli
	hlt
	jmp .hang

section .bss
alignb 4096
global boot_pgdir
boot_pgdir:
	resb 4096
alignb 4096
global boot_stack_guard		; left unmapped by paging_init: running off the
boot_stack_guard:		; stack faults instead of corrupting memory
	resb 4096
global boot_stack
boot_stack:
	resb BOOT_STACK_SIZE

section .note.GNU-stack noalloc noexec nowrite progbits
