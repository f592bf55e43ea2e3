# Sharevisor: build, run, test.
#
#   make            build build/sharevisor.elf (and its listing)
#   make run        boot the demo ISO in QEMU, serial console here (KVM=1: use KVM)
#   make test       host unit tests + every boot test under QEMU and Bochs
#   make iso        build/sharevisor.iso
#   make bochs      boot the ISO in Bochs (headless), serial console here
#   make qemu-gdb   start QEMU halted with a gdb stub; then run gdb here
#   make run-devices  two writers and a greedy guest sharing COM2 by time
#                   slices (docs/devices.md); COM2 lands in build/devices/
#   make run-files  the 9P file service: a server, two clients reading
#                   its tree over the message transport (docs/msg-9p.md)
#   make trace-diagram  boot a 3-frame demo with trace=hypercalls and draw
#                   the trace as a sequence diagram (build/trace/demo.svg)
#   make bench      instruction counts of hypercalls, events, transfers,
#                   messages and file reads (QEMU -icount)
#   make fuzz       the long fuzz runs: the share code on the host (libFuzzer),
#                   then the fuzzer guests with many seeds (tests/run.py --long)
#   make compile_commands.json   the compiler's view of every C file, for
#                   clangd and other editor tools
#   make clean
#
# Each build step prints one line ("  CC      kernel/sched.c"); make V=1
# prints the full commands instead. Errors and warnings always show.
#
# run, test, iso, bochs and qemu-gdb first run tools/setup.sh, which
# installs (with apt-get) whatever tool is missing.

B := build
.DEFAULT_GOAL := all

# make PROFILE=1: the profiling build (kernel/profile.h), in its own
# folder: the hypervisor with stage marks on every hypercall path, which
# make bench uses to break a round trip down. Never the one make run or
# make test boot.
ifeq ($(PROFILE),1)
  B := build/profile
  PROFILE_CFLAGS := -DSV_PROFILE
endif

# Quiet build: $(call say,WHAT,NAME) prints "  WHAT    NAME" and $(Q) hides
# the command, unless V=1.
V ?= 0
ifeq ($(V),1)
  Q :=
  say :=
else
  Q := @
  say = @printf '  %-7s %s\n' '$(1)' '$(2)'
endif
HV := $(B)/sharevisor.elf
ISO := $(B)/sharevisor.iso

# Hypervisor command line and modules of the default ISO: module 0 is
# domain 0. Each module is a guest ELF followed by its command line.
HV_ARGS ?=
# The demo: domain 0 (lanctl) makes a LAN share for ping and pong, which
# exchange 2000 checksummed frames over it (guests/lib/lan.c).
# make run SMP=2 (or more): that many CPUs, ping on CPU 0 and pong on 1.
SMP ?= 1
DEMO_PIN = $(if $(filter-out 0 1,$(SMP)), cpu=$(1))
DEMO_MODULES := $(B)/guests/lanctl.elf "name=lanctl lan=ping,pong" \
	$(B)/guests/ping.elf "name=ping lan=32 peer=pong count=2000$(call DEMO_PIN,0)" \
	$(B)/guests/pong.elf "name=pong lan=32$(call DEMO_PIN,1)"

SETUP_GOALS := run run-devices run-files run-linux-9p run-remote run-remote-files test iso bochs qemu-gdb trace-diagram bench fuzz fuzz-host fuzz-guests fuzz-coverage
ifneq ($(filter $(SETUP_GOALS),$(MAKECMDGOALS)),)
  SETUP_STATUS := $(shell tools/setup.sh 1>&2; echo $$?)
  ifneq ($(SETUP_STATUS),0)
    $(error tools/setup.sh could not install the tools listed above)
  endif
endif

# The i686 toolchain, found by tools/toolchain.sh (as xv6's Makefile does).
ifeq ($(filter clean,$(MAKECMDGOALS)),)
include $(B)/toolchain.mk
endif
$(B)/toolchain.mk: tools/toolchain.sh
	@mkdir -p $(B)
	$(call say,GEN,$@)
	@tools/toolchain.sh >$@.tmp || { rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@

NASM := nasm
CFLAGS := $(ARCH_CFLAGS) -std=gnu11 -O2 -g \
	-ffreestanding -nostdinc -isystem $(CC_INCLUDE) \
	-fno-pic -fno-pie -fno-stack-protector -fno-strict-aliasing \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-mgeneral-regs-only -mregparm=3 \
	-Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
	-Ikernel -Imm -Ishare -Ilib -Iinclude -MMD -MP $(PROFILE_CFLAGS)
NASMFLAGS := -f elf32 -g -F dwarf -I$(B)/ -Ikernel/
LDFLAGS := -m elf_i386 -T linker.ld -z max-page-size=4096 --no-warn-rwx-segments

# Order matters only for reading: boot first, then what kmain calls.
HV_ASM := boot/entry.asm boot/apstart.asm kernel/trapentry.asm
HV_C := kernel/main.c kernel/cpu.c kernel/fpu.c kernel/console.c kernel/serial.c kernel/vga.c \
	kernel/gdt.c kernel/trap.c \
	kernel/panic.c kernel/pic.c kernel/timer.c kernel/power.c \
	kernel/multiboot.c kernel/cmdline.c kernel/selftest.c \
	kernel/elf.c kernel/builder.c kernel/domain.c kernel/sched.c \
	kernel/event.c kernel/ports.c kernel/hypercall.c kernel/device.c kernel/invariants.c \
	kernel/trace.c kernel/profile.c kernel/smp.c kernel/cpufind.c kernel/lapic.c kernel/lock.c kernel/tsc.c \
	mm/memmap.c mm/frame.c mm/paging.c mm/usercopy.c \
	share/share.c share/watch.c share/sg.c
# The freestanding C library (lib/): built once, linked into the
# hypervisor and into every guest. It sees only lib/ and include/.
LIB_C := lib/string.c lib/format.c lib/strerror.c lib/crc32.c lib/divide.c
LIB_OBJS := $(LIB_C:%.c=$(B)/%.o)
LIB_CFLAGS := $(filter-out -Ikernel -Imm -Ishare,$(CFLAGS))
$(LIB_OBJS): CFLAGS = $(LIB_CFLAGS)
HV_OBJS := $(HV_ASM:%.asm=$(B)/%.o) $(HV_C:%.c=$(B)/%.o) $(LIB_OBJS)

all: $(HV) $(B)/sharevisor.asm guests

# Guests: the guest library (guests/lib, with lib/), the demo guests
# (guests/*.c) and the test guests (tests/guests/*.c), each a static ELF
# linked at SV_GUEST_BASE. Guest code sees guests/lib, lib/ and include/,
# nothing of the hypervisor's.
GUEST_CFLAGS := $(LIB_CFLAGS) -Iguests/lib
GUEST_LIB_OBJS := $(B)/guests/lib/entry.o $(B)/guests/lib/start.o \
	$(B)/guests/lib/hypercalls.o $(B)/guests/lib/console.o \
	$(B)/guests/lib/events.o $(B)/guests/lib/upcall.o $(B)/guests/lib/lan.o \
	$(B)/guests/lib/com2.o $(B)/guests/lib/msg.o $(B)/guests/lib/domains.o \
	$(LIB_OBJS)
# The 9P file service (docs/msg-9p.md): wire format, service, client.
GUEST_LIB_OBJS += $(B)/guests/lib/ninep.o $(B)/guests/lib/ninep_serve.o \
	$(B)/guests/lib/ninep_stream.o $(B)/guests/lib/ninep_client.o
# The NE2000 driver (docs/remote.md): a real card beside the LAN's shares.
GUEST_LIB_OBJS += $(B)/guests/lib/ne2k.o
GUEST_LIB := $(B)/guests/libsv.a
DEMO_GUESTS := $(patsubst guests/%.c,$(B)/guests/%.elf,$(wildcard guests/*.c))
TEST_GUESTS := $(patsubst tests/guests/%.c,$(B)/tests/guests/%.elf,$(wildcard tests/guests/*.c))

BENCH_GUESTS := $(patsubst bench/%.c,$(B)/bench/%.elf,$(wildcard bench/*.c))

guests: $(DEMO_GUESTS) $(TEST_GUESTS) $(BENCH_GUESTS)

$(B)/guests/%.o $(B)/tests/guests/%.o $(B)/bench/%.o: CFLAGS = $(GUEST_CFLAGS)
# The one guest compiled with SSE allowed: floating point in C, as a guest
# writer would use it (its FPU state is its own: kernel/fpu.c).
$(B)/tests/guests/fpu_math.o: CFLAGS = $(filter-out -mgeneral-regs-only,$(GUEST_CFLAGS)) \
	-msse2 -mfpmath=sse -fno-math-errno
$(GUEST_LIB): $(GUEST_LIB_OBJS)
	$(call say,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^
$(B)/guests/%.elf: $(B)/guests/%.o guests/guest.ld $(GUEST_LIB)
	$(call say,LD,$@)
	$(Q)$(LD) -m elf_i386 -T guests/guest.ld -o $@ $< $(GUEST_LIB) $(LIBGCC)
$(B)/tests/guests/%.elf: $(B)/tests/guests/%.o guests/guest.ld $(GUEST_LIB)
	$(call say,LD,$@)
	$(Q)$(LD) -m elf_i386 -T guests/guest.ld -o $@ $< $(GUEST_LIB) $(LIBGCC)
$(B)/bench/%.elf: $(B)/bench/%.o guests/guest.ld $(GUEST_LIB)
	$(call say,LD,$@)
	$(Q)$(LD) -m elf_i386 -T guests/guest.ld -o $@ $< $(GUEST_LIB) $(LIBGCC)

# The file service's read-only tree (tools/mkfstree.py), generated, never
# committed: its contents for the server, each file's size and CRC-32
# (lib/crc32.h) for the client, which must read the bytes to match.
FSTREE := $(B)/fstree/fstree_server.h $(B)/fstree/fstree_client.h
$(FSTREE) &: tools/mkfstree.py
	$(call say,GEN,$(B)/fstree)
	$(Q)python3 tools/mkfstree.py $(B)/fstree
$(B)/guests/fileserver.o: $(B)/fstree/fstree_server.h
$(B)/guests/fileserver.o: CFLAGS = $(GUEST_CFLAGS) -I$(B)/fstree
$(B)/guests/fileclient.o $(B)/bench/filebench.o: $(B)/fstree/fstree_client.h
$(B)/guests/fileclient.o $(B)/bench/filebench.o: CFLAGS = $(GUEST_CFLAGS) -I$(B)/fstree

$(B)/%.o: %.c $(B)/toolchain.mk
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(B)/%.o: %.asm $(B)/asmdefs.inc
	@mkdir -p $(dir $@)
	$(call say,AS,$<)
	$(Q)$(NASM) $(NASMFLAGS) $< -o $@

# NASM cannot read C headers: turn memlayout.h's #defines into %defines,
# so the addresses and selectors have one source.
$(B)/asmdefs.inc: kernel/memlayout.h $(B)/toolchain.mk
	@mkdir -p $(B)
	$(call say,GEN,$@)
	$(Q)$(CC) $(ARCH_CFLAGS) -E -dM -D__ASSEMBLER__ $< | \
	  awk '$$1 == "#define" && $$3 ~ /^(0x[0-9A-Fa-f]+|[0-9]+)$$/ { print "%define", $$2, $$3 }' >$@

$(HV): $(HV_OBJS) linker.ld
	$(call say,LD,$@)
	$(Q)$(LD) $(LDFLAGS) -o $@ $(HV_OBJS) $(LIBGCC)
	@grub-file --is-x86-multiboot $@ 2>/dev/null || ! command -v grub-file >/dev/null || \
	  { echo "$@ is not a valid Multiboot image" >&2; rm -f $@; exit 1; }

# A disassembly with source, for reading and for matching panic addresses.
$(B)/sharevisor.asm: $(HV)
	$(call say,OBJDUMP,$@)
	$(Q)objdump -S -M intel $< >$@

# Rebuild the ISO when the command line changes, not only the files.
$(B)/iso-args: FORCE
	@mkdir -p $(B)
	@echo '$(HV_ARGS) $(DEMO_MODULES)' | cmp -s - $@ || echo '$(HV_ARGS) $(DEMO_MODULES)' >$@

iso: $(ISO)
$(ISO): $(HV) $(DEMO_GUESTS) iso/grub.cfg.in tools/mkiso.sh $(B)/iso-args
	$(call say,ISO,$@)
	$(Q)tools/mkiso.sh $@ $(HV) "$(HV_ARGS)" $(DEMO_MODULES)

# QEMU: TCG by default (TOOLS.md: /dev/kvm here cannot run this kernel).
QEMU := qemu-system-i386
QEMU_MEM ?= 64M
QEMU_ACCEL := $(if $(filter 1,$(KVM)),-accel kvm -cpu host,-accel tcg)
QEMU_OPTS := $(QEMU_ACCEL) -m $(QEMU_MEM) -smp $(SMP) -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04

run: $(ISO)
	@echo "Booting $(ISO) in QEMU; the serial console follows (Ctrl-A X quits)."
	$(Q)tools/qemu-status.sh $(QEMU) $(QEMU_OPTS) -cdrom $(ISO) -display none -serial mon:stdio

bochs: $(ISO)
	tools/bochs.sh $(ISO) $(B)/bochs

# The gdb port depends on the user, so that users sharing a machine do
# not collide (xv6 does the same).
GDBPORT := $(shell expr `id -u` % 5000 + 25000)
# The .gdbinit loads the symbols of the hypervisor and of each demo guest
# (sv-guest NAME ELF: the demo names each domain after its ELF).
GDB_GUESTS := $(filter %.elf,$(DEMO_MODULES))
.gdbinit: tools/gdbinit.tmpl Makefile
	$(call say,GEN,$@)
	$(Q)sed -e 's/@GDBPORT@/$(GDBPORT)/' -e 's|@HV@|$(HV)|' \
	  -e 's|@GUESTS@|$(subst \n ,\n,$(foreach g,$(GDB_GUESTS),sv-guest $(basename $(notdir $(g))) $(g)\n))|' \
	  $< >$@

qemu-gdb: $(ISO) .gdbinit
	@echo "QEMU is halted with a gdb stub on port $(GDBPORT). In another terminal, run: gdb"
	$(Q)$(QEMU) $(QEMU_OPTS) -cdrom $(ISO) -display none -serial mon:stdio -S -gdb tcp::$(GDBPORT)

# The hypercall trace of a short demo (3 frames), drawn as a sequence
# diagram by tools/trace2diagram.py: Mermaid text and a Graphviz SVG.
TRACE_MODULES := $(subst count=2000,count=3,$(DEMO_MODULES))
trace-diagram: $(HV) $(DEMO_GUESTS) tools/trace2diagram.py
	@mkdir -p $(B)/trace
	$(call say,ISO,$(B)/trace/demo.iso)
	$(Q)tools/mkiso.sh $(B)/trace/demo.iso $(HV) "trace=hypercalls" $(TRACE_MODULES)
	$(Q)tools/qemu-status.sh $(QEMU) $(QEMU_OPTS) -cdrom $(B)/trace/demo.iso -display none \
		-serial file:$(B)/trace/demo.log
	$(Q)python3 tools/trace2diagram.py $(B)/trace/demo.log --mermaid $(B)/trace/demo.mmd \
		--dot $(B)/trace/demo.dot
	$(Q)dot -Tsvg $(B)/trace/demo.dot -o $(B)/trace/demo.svg
	@echo "trace: $(B)/trace/demo.log"
	@echo "diagram: $(B)/trace/demo.mmd (Mermaid), $(B)/trace/demo.svg (Graphviz)"

# Device ownership (docs/devices.md): two writers and a greedy guest
# compete for COM2, 50 ms slices, 20 ms grace. COM1 (the console) is
# this terminal; what reached COM2 is in build/devices/com2.log, printed
# at the end. The greedy guest is revoked and killed, so the hypervisor's
# exit status is 1, which is what this target expects.
DEVICE_MODULES := $(B)/guests/devwriter.elf "name=alpha lines=20" \
	$(B)/guests/devwriter.elf "name=greedy lines=20 greedy=sleep" \
	$(B)/guests/devwriter.elf "name=bravo lines=20"
run-devices: $(HV) $(DEMO_GUESTS)
	@mkdir -p $(B)/devices
	$(call say,ISO,$(B)/devices/devices.iso)
	$(Q)tools/mkiso.sh $(B)/devices/devices.iso $(HV) "devslice=50 devgrace=20" $(DEVICE_MODULES)
	$(Q)tools/qemu-status.sh $(QEMU) $(QEMU_OPTS) -cdrom $(B)/devices/devices.iso -display none \
		-serial mon:stdio -serial file:$(B)/devices/com2.log; rc=$$?; \
	echo "---- COM2 ($(B)/devices/com2.log):"; cat $(B)/devices/com2.log; \
	echo "---- exit status $$rc (1 expected: the greedy guest was revoked and killed)"; \
	test $$rc -eq 1

# The 9P file service over the message transport (docs/msg-9p.md):
# domain 0 introduces, the server serves the built-in tree, two clients
# read all of it at once and check every file's CRC-32.
FILE_MODULES := $(B)/guests/msgns.elf "name=ns" \
	$(B)/guests/fileserver.elf "name=fs exit_after_clients=2" \
	$(B)/guests/fileclient.elf "name=client1" $(B)/guests/fileclient.elf "name=client2"
run-files: $(HV) $(DEMO_GUESTS)
	@mkdir -p $(B)/files
	$(call say,ISO,$(B)/files/files.iso)
	$(Q)tools/mkiso.sh $(B)/files/files.iso $(HV) "" $(FILE_MODULES)
	$(Q)tools/qemu-status.sh $(QEMU) $(QEMU_OPTS) -cdrom $(B)/files/files.iso -display none \
		-serial mon:stdio

# Linux mounts the 9P file service (docs/msg-9p.md, "Linux as a client"):
# Sharevisor serves the tree on COM2 as well as on the message
# transport; a second QEMU boots Debian's i386 Linux with a busybox
# initramfs (tools/linux9p: fetched once with apt-get download, cached in
# /var/cache/sharevisor-linux), its ttyS1 the other end of our COM2, and
# runs tools/linux9p/jobs/demo.sh: mount, ls -lR, md5sum of every file,
# umount. Both consoles are shown: Linux's here, ours in the file named.
LINUX9P_MODULES := $(B)/guests/msgns.elf "name=ns" \
	$(B)/guests/fileserver.elf "name=fs serial=1 exit_after_clients=1"
run-linux-9p: $(HV) $(DEMO_GUESTS)
	@mkdir -p $(B)/linux9p
	$(call say,ISO,$(B)/linux9p/server.iso)
	$(Q)tools/mkiso.sh $(B)/linux9p/server.iso $(HV) "" $(LINUX9P_MODULES)
	$(Q)python3 tools/linux9p/linuxvm.py \
		--server "$(QEMU) $(QEMU_OPTS) -cdrom $(B)/linux9p/server.iso -display none" \
		--server-ready "serving 9P on COM2 too" --server-log $(B)/linux9p/server-console.log \
		--job tools/linux9p/jobs/demo.sh; rc=$$?; \
	echo "---- Sharevisor's console ($(B)/linux9p/server-console.log):"; \
	tr -d '\r' < $(B)/linux9p/server-console.log | grep -v '^$$' | tail -n 12; exit $$rc

# Two machines (docs/remote.md): two QEMUs, each with an NE2000, on one
# wire (tests/wirehub.py, a UDP hub on localhost). Machine A runs ping,
# machine B pong; each machine's bridge domain owns its NIC and carries
# the LAN across, so ping finds pong by name as if it were next door.
# Both consoles follow, each line with its machine's name.
REMOTE_A := "$(B)/guests/lanctl.elf name=lanctl lan=ping,bridge1" \
	"$(B)/guests/ping.elf name=ping lan=32 peer=pong count=500" \
	"$(B)/guests/bridge.elf name=bridge1 lan=32 machine=1"
REMOTE_B := "$(B)/guests/lanctl.elf name=lanctl lan=pong,bridge2" \
	"$(B)/guests/pong.elf name=pong lan=32" \
	"$(B)/guests/bridge.elf name=bridge2 lan=32 machine=2"
run-remote: $(HV) $(DEMO_GUESTS)
	$(Q)python3 tools/remote.py --hv $(HV) --log-dir $(B)/remote \
		--machine A $(REMOTE_A) --machine B $(REMOTE_B)

# The 9P file service across machines: the client on A reads the whole
# tree from the server on B and checks every file; each machine's
# gateway carries the message transport over the bridged LAN.
REMOTE_FILES_A := "$(B)/guests/msgns.elf name=ns lan=gw1,bridge1" \
	"$(B)/guests/fileclient.elf name=client" \
	"$(B)/guests/gateway.elf name=gw1 lan=33 circuits=1 mem=2M" \
	"$(B)/guests/bridge.elf name=bridge1 lan=33 machine=1"
REMOTE_FILES_B := "$(B)/guests/msgns.elf name=ns lan=gw2,bridge2" \
	"$(B)/guests/fileserver.elf name=fs exit_after_clients=1" \
	"$(B)/guests/gateway.elf name=gw2 lan=33 circuits=1 mem=2M" \
	"$(B)/guests/bridge.elf name=bridge2 lan=33 machine=2"
run-remote-files: $(HV) $(DEMO_GUESTS)
	$(Q)python3 tools/remote.py --hv $(HV) --log-dir $(B)/remote-files \
		--machine A $(REMOTE_FILES_A) --machine B $(REMOTE_FILES_B)

# Host unit tests: the hardware-free parts, under ASan and UBSan.
HOST_CC := gcc
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-Ikernel -Imm -Ilib -Iinclude -Itests/unit
UNIT_TESTS := $(B)/unit/test_memmap $(B)/unit/test_frame $(B)/unit/test_multiboot \
	$(B)/unit/test_cmdline $(B)/unit/test_format $(B)/unit/test_elf $(B)/unit/test_share \
	$(B)/unit/test_clock $(B)/unit/test_cpufind $(B)/unit/test_ne2k_ring
UNIT_SOURCES := kernel/multiboot.c kernel/cmdline.c kernel/elf.c kernel/cpufind.c \
	mm/memmap.c mm/frame.c
$(B)/unit/test_%: tests/unit/test_%.c tests/unit/unit.c tests/unit/unit.h \
		$(UNIT_SOURCES) kernel/*.h mm/*.h lib/*.h
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -o $@ $< tests/unit/unit.c $(UNIT_SOURCES)
# The NE2000 driver's ring arithmetic (guests/lib/ne2k_ring.h).
$(B)/unit/test_ne2k_ring: HOST_CFLAGS += -Iguests/lib
$(B)/unit/test_ne2k_ring: guests/lib/ne2k_ring.h
# The bridge's checks on frames from the wire (guests/lib/bridge_wire.h),
# with the CRC-32 the guests use.
UNIT_TESTS += $(B)/unit/test_bridge_wire
$(B)/unit/test_bridge_wire: tests/unit/test_bridge_wire.c guests/lib/bridge_wire.h lib/crc32.c \
		tests/unit/unit.c tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -Iguests/lib -o $@ $< tests/unit/unit.c lib/crc32.c
# Our vsnprintf, renamed so that it sits beside glibc's and can be compared
# (not in $(B)/unit: tests/run.py runs every file there).
$(B)/host/kformat.o: lib/format.c lib/lib.h
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -Dvsnprintf=kvsnprintf -Dsnprintf=ksnprintf -c -o $@ $<
# The 64-bit division the hypervisor and guests link (lib/divide.c),
# renamed beside the host's own, which gives every answer.
UNIT_TESTS += $(B)/unit/test_divide
$(B)/unit/test_divide: tests/unit/test_divide.c lib/divide.c tests/unit/unit.c tests/unit/unit.h lib/lib.h
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -D__udivmoddi4=k_udivmoddi4 -D__udivdi3=k_udivdi3 \
		-D__umoddi3=k_umoddi3 -o $@ $< tests/unit/unit.c lib/divide.c
$(B)/unit/test_format: tests/unit/test_format.c tests/unit/unit.c tests/unit/unit.h \
		$(B)/host/kformat.o kernel/*.h mm/*.h lib/*.h
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -o $@ $< tests/unit/unit.c $(B)/host/kformat.o

# The share IPC, linked with the real frame allocator and guest copies over
# fake domains, events and page tables (tests/unit/fake_kernel.c). The
# forced include replaces memlayout.h's P2V/V2P: physical memory is an
# arena of the test's, not KERNBASE + pa. share_state.c is share/*.c in
# one unit, with hooks into their static tables for the tests.
SHARE_TEST_SOURCES := tests/unit/share_state.c mm/usercopy.c mm/frame.c mm/memmap.c \
	kernel/ports.c
$(B)/unit/test_share: tests/unit/test_share.c tests/unit/fake_kernel.c tests/unit/fake_kernel.h \
		tests/unit/unit.c tests/unit/unit.h $(SHARE_TEST_SOURCES) \
		tests/unit/share_state.h share/*.c kernel/*.h mm/*.h share/*.h include/*.h lib/*.h
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -Ishare -include tests/unit/fake_kernel.h -o $@ $< \
		tests/unit/fake_kernel.c tests/unit/unit.c $(SHARE_TEST_SOURCES)

# The 9P2000 wire format and service of the file service (guests/lib/
# ninep*.c), which use nothing of the guest library but memcpy and
# friends: on the host they take them from libc.
NINEP_SOURCES := guests/lib/ninep.c guests/lib/ninep_serve.c guests/lib/ninep_stream.c
NINEP_TESTS := $(B)/unit/test_ninep $(B)/unit/test_ninep_serve $(B)/unit/test_ninep_stream
UNIT_TESTS += $(NINEP_TESTS)
$(NINEP_TESTS): $(B)/unit/%: tests/unit/%.c $(NINEP_SOURCES) guests/lib/ninep*.h \
		tests/unit/unit.c tests/unit/unit.h
	@mkdir -p $(dir $@)
	$(call say,HOSTCC,$@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -Iguests/lib -o $@ $< tests/unit/unit.c $(NINEP_SOURCES)

unit: $(UNIT_TESTS)

# Coverage-guided fuzzing of the same code with libFuzzer (clang), under
# ASan and UBSan (tests/fuzz/fuzz_share.c). tests/unit/share_state.c
# compiles share/*.c itself, to reset their id counters between inputs.
# make fuzz: FUZZ_SECONDS of fuzzing from the seeds in tests/fuzz/corpus
# plus what earlier runs found ($(B)/fuzz/corpus: the committed seeds are
# never written); crashes go to $(B)/fuzz/crash-*. tests/run.py makes a
# short run with a fixed seed; make fuzz-coverage reports the lines of
# share/ and usercopy.c that $(B)/fuzz/corpus reaches.
FUZZ_CC := clang
FUZZ_SECONDS ?= 600
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Wstrict-prototypes \
	-Wmissing-prototypes -Ikernel -Imm -Ishare -Ilib -Iinclude -Itests/unit \
	-include tests/unit/fake_kernel.h
# Coverage guides the fuzzer through share/ and usercopy.c only; the fakes
# and the frame allocator are built without it (their frame-table check
# after every operation would otherwise take most of the time).
FUZZ_SOURCES := tests/fuzz/fuzz_share.c tests/unit/share_state.c mm/usercopy.c
FUZZ_PLAIN := tests/unit/fake_kernel.c mm/frame.c mm/memmap.c kernel/ports.c
FUZZ_DEPS := $(FUZZ_SOURCES) $(FUZZ_PLAIN) tests/unit/share_state.h tests/unit/fake_kernel.h \
	share/*.c kernel/*.h mm/*.h share/*.h include/*.h lib/*.h
$(B)/fuzz/plain/%.o: %.c $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$<)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all \
		-c -o $@ $<
$(B)/fuzz/fuzz_share: $(FUZZ_DEPS) $(FUZZ_PLAIN:%.c=$(B)/fuzz/plain/%.o)
	$(call say,FUZZCC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $(FUZZ_SOURCES) $(FUZZ_PLAIN:%.c=$(B)/fuzz/plain/%.o)
$(B)/fuzz/fuzz_share_cov: $(FUZZ_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -fprofile-instr-generate \
		-fcoverage-mapping -o $@ $(FUZZ_SOURCES) $(FUZZ_PLAIN)

# make fuzz: the long runs. fuzz-host: the share fuzzer above, for
# FUZZ_SECONDS; fuzz-guests: tests/run.py --long, the fuzzer guests with
# many seeds beside the LAN and the longest hostile runs, all with
# check=invariants (boot_tests.LONG_TESTS).
fuzz: fuzz-host fuzz-guests

fuzz-guests: all
	$(Q)python3 tests/run.py --long

fuzz-host: $(B)/fuzz/fuzz_share
	@mkdir -p $(B)/fuzz/corpus
	cp tests/fuzz/corpus/* $(B)/fuzz/corpus/
	@echo "fuzzing for $(FUZZ_SECONDS) s; the log is $(B)/fuzz/fuzz.log"
	@$< -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=$(B)/fuzz/ \
		$(B)/fuzz/corpus >$(B)/fuzz/fuzz.log 2>&1; status=$$?; \
	grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::|ERROR|^fuzz_share:|^artifact_prefix|Test unit' \
		$(B)/fuzz/fuzz.log; \
	echo "corpus: $$(ls $(B)/fuzz/corpus | wc -l) inputs in $(B)/fuzz/corpus"; \
	exit $$status

fuzz-coverage: $(B)/fuzz/fuzz_share_cov
	@test -d $(B)/fuzz/corpus || { mkdir -p $(B)/fuzz/corpus; cp tests/fuzz/corpus/* $(B)/fuzz/corpus/; }
	LLVM_PROFILE_FILE=$(B)/fuzz/cov.profraw $< -runs=0 $(B)/fuzz/corpus >$(B)/fuzz/cov.log 2>&1
	llvm-profdata-14 merge -sparse $(B)/fuzz/cov.profraw -o $(B)/fuzz/cov.profdata
	llvm-cov-14 report $< -instr-profile=$(B)/fuzz/cov.profdata \
		share/share.c share/watch.c share/sg.c mm/usercopy.c

test: all $(UNIT_TESTS) $(B)/fuzz/fuzz_share
	$(Q)python3 tests/run.py

# For clangd and other editor tools: every C file's compile command, as
# make itself would run it (tools/compdb.py asks `make -Bn`), git-ignored.
compile_commands.json: FORCE
	$(call say,GEN,$@)
	$(Q)python3 tools/compdb.py $(MAKE) >$@.tmp && mv $@.tmp $@

# Benchmarks: exact instruction counts under QEMU -icount (bench/run.py).
bench: all
	$(Q)python3 bench/run.py

clean:
	rm -rf $(B) .gdbinit compile_commands.json

.PHONY: compile_commands.json all guests bench iso run run-devices run-files run-linux-9p run-remote run-remote-files bochs qemu-gdb unit fuzz fuzz-host fuzz-guests fuzz-coverage test \
	trace-diagram clean FORCE
.DELETE_ON_ERROR:
# Keep the guests' object files (intermediates of the .elf rules) between builds.
.SECONDARY:

-include $(HV_OBJS:.o=.d) $(GUEST_LIB_OBJS:.o=.d) $(DEMO_GUESTS:.elf=.d) $(TEST_GUESTS:.elf=.d) \
	$(BENCH_GUESTS:.elf=.d)
