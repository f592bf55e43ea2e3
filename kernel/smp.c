/*
 * smp.c: the CPUs (kernel/smp.h): finding them, starting them.
 *
 * The boot CPU (the BSP) is cpus[0]. The firmware's tables (the ACPI
 * MADT, else the MP table; kernel/cpufind.c) list the others by local
 * APIC id; each gets the next struct cpu and is started the way the
 * Intel MultiProcessor Specification gives (appendix B.4): an INIT IPI,
 * 10 ms, a STARTUP IPI naming the page where boot/apstart.asm waits, and
 * a second STARTUP if it has not started 200 us later. It runs
 * boot/apstart.asm in real mode, then ap_main here.
 *
 * Device interrupts stay with the boot CPU: the PICs are wired to its
 * local APIC's LINT0 (virtual wire mode, as the firmware leaves them), so
 * every IRQ, the timer's included, is taken there. That is one CPU
 * handling a few ISA devices (the PIT, COM2), which keeps the one-CPU
 * path exactly as it was and needs no I/O APIC; the other CPUs get their
 * work through IPIs (lapic.h).
 */
#include "cpu.h"
#include "cpufind.h"
#include "device.h"
#include "domain.h"
#include "lock.h"
#include "fpu.h"
#include "klib.h"
#include "lapic.h"
#include "memlayout.h"
#include "paging.h"
#include "segment.h"
#include "smp.h"
#include "timer.h"
#include "x86.h"

struct cpu cpus[MAX_CPUS];
uint32_t ncpus = 1;

/* The other CPUs' hypervisor stacks, each above an unmapped guard page
 * (paging_init leaves smp_is_stack_guard's pages out). */
static struct {
	uint8_t guard[PAGE_SIZE];
	uint8_t stack[BOOT_STACK_SIZE];
} ap_stacks[MAX_CPUS - 1] __attribute__((aligned(PAGE_SIZE)));

bool smp_is_stack_guard(uint32_t va)
{
	for (uint32_t i = 0; i < MAX_CPUS - 1; i++)
		if (va == (uint32_t)(uintptr_t)ap_stacks[i].guard)
			return true;
	return false;
}

/* boot/apstart.asm */
extern char ap_trampoline[], ap_trampoline_end[];
extern struct ap_params {
	uint32_t cr3, stack, cpu, entry;
} ap_params;

/* The boot CPU, as kmain starts: its stack is boot/entry.asm's. */
void smp_init_boot_cpu(void)
{
	extern char boot_stack[];
	struct cpu *c = &cpus[0];
	c->stack_top = (uint32_t)(uintptr_t)(boot_stack + BOOT_STACK_SIZE);
	c->online = true;
}

static volatile bool aps_released;

void smp_release_aps(void)
{
	__atomic_store_n(&aps_released, true, __ATOMIC_RELEASE);
}

/* Where each AP goes from boot/apstart.asm, on its own stack, with
 * boot_pgdir and the trampoline's GDT: make it a CPU like the first. */
static void __attribute__((noreturn)) ap_main(struct cpu *c)
{
	extern pde_t *kernel_pgdir;
	write_cr3(V2P(kernel_pgdir));
	gdt_init_ap(c->index);		/* from here on this_cpu() is c */
	idt_load();
	cpu_init_ap();
	fpu_init_ap();
	lapic_init_ap();
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	/* Wait until the domains are built and the boot CPU runs them. */
	while (!__atomic_load_n(&aps_released, __ATOMIC_ACQUIRE))
		pause();
	sched_start();
}

/* Start the AP with APIC id apic_id as cpus[index]; true once it runs. */
static bool start_ap(uint32_t index, uint32_t apic_id)
{
	extern char boot_pgdir[];
	struct cpu *c = &cpus[index];
	struct ap_params *p = P2V(AP_TRAMPOLINE + ((char *)&ap_params - ap_trampoline));

	c->apic_id = apic_id;
	c->stack_top = (uint32_t)(uintptr_t)(ap_stacks[index - 1].stack + BOOT_STACK_SIZE);
	*p = (struct ap_params){
		.cr3 = V2P(boot_pgdir), .stack = c->stack_top,
		.cpu = (uint32_t)(uintptr_t)c, .entry = (uint32_t)(uintptr_t)ap_main,
	};
	lapic_send_init(apic_id);
	timer_delay_us(10000);
	for (int tries = 0; tries < 2 && !__atomic_load_n(&c->online, __ATOMIC_ACQUIRE); tries++) {
		lapic_send_startup(apic_id, AP_TRAMPOLINE >> PAGE_SHIFT);
		timer_delay_us(200);
	}
	for (int ms = 0; ms < 100 && !__atomic_load_n(&c->online, __ATOMIC_ACQUIRE); ms++)
		timer_delay_us(1000);
	return __atomic_load_n(&c->online, __ATOMIC_ACQUIRE);
}

/* The local APIC is used with one CPU too, for its one-shot timer
 * (kernel/sched.c's precise deadlines); where no table names its address,
 * it is where every PC puts it. */
void smp_map_apic(const struct cpu_topology *t)
{
	if (cpu_features.apic)
		lapic_map(t->source ? t->lapic_addr : LAPIC_DEFAULT_PA);
}

void smp_init_apic(void)
{
	if (!cpu_features.apic)
		return;
	lapic_init();
	lapic_timer_calibrate();
}

void smp_start(const struct cpu_topology *t)
{
	if (!t->source || t->ncpus + t->extra_cpus < 2) {
		printk("cpu: one CPU%s%s\n", t->source ? ", from the " : "", t->source ? t->source : "");
		return;
	}
	cpufind_report(t);
	if (!cpu_features.apic) {
		printk("cpu: %d CPUs listed, but this one has no local APIC: running on one\n",
		       t->ncpus + t->extra_cpus);
		return;
	}
	uint32_t me = lapic_id();
	cpus[0].apic_id = me;
	memcpy(P2V(AP_TRAMPOLINE), ap_trampoline, (size_t)(ap_trampoline_end - ap_trampoline));

	for (int i = 0; i < t->ncpus; i++) {
		uint32_t id = t->cpus[i].apic_id;
		if (id == me)
			continue;
		if (ncpus == MAX_CPUS) {
			printk("cpu: APIC id %u left halted: MAX_CPUS is %u\n", id, MAX_CPUS);
			continue;
		}
		if (start_ap(ncpus, id))
			ncpus++;
		else
			printk("cpu: APIC id %u did not start\n", id);
	}
	smp_on = ncpus > 1;
	if (smp_on) {
		fpu_smp(ncpus);
		idt_hypercall_smp();
	}
	printk("cpu: %u CPUs running (APIC ids", ncpus);
	for (uint32_t i = 0; i < ncpus; i++)
		printk(" %u", cpus[i].apic_id);
	printk("), interrupts from the PICs to CPU 0\n");
}

void smp_kick(struct cpu *t)
{
	t->kicks++;
	lapic_send_ipi(t->apic_id, T_IPI_KICK);
}

void smp_request(struct cpu *t, uint32_t req)
{
	__atomic_fetch_or(&t->requests, req, __ATOMIC_SEQ_CST);
	smp_kick(t);
	while (__atomic_load_n(&t->requests, __ATOMIC_ACQUIRE) & req)
		pause();
}

/* Without the lock: the CPU that asked holds it and waits, so what we
 * read of the domains and devices does not change under us. */
void smp_serve_requests(struct cpu *c)
{
	uint32_t req = __atomic_load_n(&c->requests, __ATOMIC_ACQUIRE);
	if (!req)
		return;
	if (req & REQ_LEAVE) {
		/* Its memory is about to go: run on the hypervisor's own
		 * directory until the scheduler chooses another domain. */
		extern pde_t *kernel_pgdir;
		if (c->running && !domain_alive(c->running))
			write_cr3(V2P(kernel_pgdir));
	}
	if (req & REQ_FLUSH_TLB)
		write_cr3(read_cr3());	/* every non-global entry goes */
	if (req & REQ_IO_RELOAD)
		device_reload_ports(c);
	__atomic_fetch_and(&c->requests, ~req, __ATOMIC_RELEASE);
}

void smp_flush_tlb_others(const void *pgdir)
{
	struct cpu *me = this_cpu();
	for (uint32_t i = 0; i < ncpus; i++) {
		struct cpu *c = &cpus[i];
		if (c != me && c->running && c->running->pgdir == pgdir)
			smp_request(c, REQ_FLUSH_TLB);
	}
}

void smp_report(void)
{
	if (!smp_on)
		return;
	for (uint32_t i = 0; i < ncpus; i++) {
		const struct cpu *c = &cpus[i];
		printk("cpu %u: ran", i);
		for (uint32_t id = 0; id < SV_MAX_DOMAINS; id++)
			if (c->ran & 1u << id)
				printk(" %s", domains[id].name);
		printk("%s; %u kicks\n", c->ran ? "" : " nothing", c->kicks);
	}
	printk("hypervisor lock: taken %u times, %u of them after a wait\n", hv_lock.taken,
	       hv_lock.contended);
}
