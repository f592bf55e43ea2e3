"""tools/gdb/sharevisor.py: gdb commands for Sharevisor (sourced by .gdbinit).

They read the hypervisor's own tables from memory, by their C types, so
they work wherever the machine is stopped (hypervisor or guest code):

  sv-guest NAME ELF    guest NAME's symbols are in ELF (every guest is
                       linked at SV_GUEST_BASE, so gdb holds one guest's
                       symbols at a time)
  sv-follow            load the running domain's symbols (in hook-stop)
  sv-break NAME FUNC   break on guest NAME's FUNC, only when NAME runs
  sv-domains           the domain table: id, name, state, pages, current
  sv-shares            shares: id, pages, first frame, peers and mappings
  sv-watches           address watches: domain, share, offset, counter
  sv-sg                registered sg lists, oldest first: domain, share, dir, handle, bytes
  sv-events            each live domain's pending and masked event ports
  sv-devices           passthrough devices: owner, slice, queue, I/O bitmap
  sv-fpu               each live domain's saved FPU control and status words
  sv-trap [TF]         the trap being handled: vector, hypercall, guest eip

and a frame unwinder that continues a backtrace from the trap entry
(kernel/trapentry.asm) into the interrupted guest, through the saved
struct trapframe (kernel/trap.h). docs/debugging.md shows their output.
"""
import os

import gdb
from gdb.unwinder import Unwinder

STATES = {0: "unused", 1: "runnable", 2: "blocked", 3: "exited", 4: "killed"}
guest_elfs = {}        # domain name -> ELF whose symbols sv-guest loaded


def table(name):
    """A static table by its qualified name, e.g. 'domain.c'::domains."""
    return gdb.parse_and_eval(name)


def cstr(chars):
    """A char array's C string: up to its NUL, whatever follows it."""
    raw = bytes(int(chars[i]) & 0xFF for i in range(int(chars.type.sizeof)))
    return raw.split(b"\0")[0].decode("latin-1")


def domains():
    """(id, struct domain) for every slot in use."""
    t = table("'domain.c'::domains")
    for i in range(int(t.type.sizeof // t[0].type.sizeof)):
        if int(t[i]["state"]) != 0:
            yield i, t[i]


def domain_name(domid):
    for i, d in domains():
        if i == domid:
            return cstr(d["name"])
    return "dom%d" % domid


# `current` in the hypervisor is a macro (kernel/domain.h) that reads the
# task register, which gdb cannot. The same name as a gdb macro: the domain
# the selected CPU runs, cpus[i].running, where gdb's thread i + 1 is QEMU's
# vCPU i. So `p current->name` and `break f if current->id == 1` work as
# they read. (A Python convenience function in a breakpoint condition made
# gdb disturb the registers of the CPU it stopped: a macro is only text.)
gdb.execute("macro define current (cpus[$_thread - 1].running)")


def current_domain():
    """The domain the selected CPU runs (the `current` macro)."""
    return gdb.parse_and_eval("current")


def current_name():
    cur = current_domain()
    return cstr(cur["name"]) if int(cur) else None


def ports(mask):
    """Bit mask -> '2 3' (the ports whose bit is set), or '-'."""
    bits = [str(p) for p in range(32) if mask >> p & 1]
    return " ".join(bits) if bits else "-"


def guest_objfile():
    """(name, objfile) of the guest whose symbols are loaded, or None."""
    for name, elf in guest_elfs.items():
        for o in gdb.objfiles():
            if o.filename == elf:
                return name, o
    return None


def load_guest(name):
    """Make guest name's symbols the only guest symbols gdb has. Every
    guest is linked at SV_GUEST_BASE, and with several loaded at once gdb
    would name an address after whichever file it finds first."""
    loaded = guest_objfile()
    if loaded and loaded[0] == name:
        return loaded[1]
    if loaded:
        gdb.execute("remove-symbol-file %s" % loaded[1].filename, to_string=True)
    gdb.execute("add-symbol-file %s" % guest_elfs[name], to_string=True)
    return guest_objfile()[1]


class Guest(gdb.Command):
    """sv-guest NAME ELF: the symbols of guest domain NAME are in ELF (linked
at its run address, SV_GUEST_BASE). The first guest named is loaded at
once; sv-follow (run at every stop) swaps in the running domain's."""

    def __init__(self):
        super().__init__("sv-guest", gdb.COMMAND_FILES)

    def invoke(self, arg, from_tty):
        name, elf = gdb.string_to_argv(arg)
        guest_elfs[name] = os.path.abspath(elf)
        if guest_objfile() is None:
            load_guest(name)


class Follow(gdb.Command):
    """sv-follow: load the symbols of the domain the hypervisor's `current`
names (if sv-guest gave its ELF), in place of the other guest's. The
.gdbinit runs it in hook-stop, before gdb prints where it stopped."""

    def __init__(self):
        super().__init__("sv-follow", gdb.COMMAND_FILES)

    def invoke(self, arg, from_tty):
        try:
            name = current_name()
        except gdb.error:       # before paging: the hypervisor's memory is not there yet
            return
        if name in guest_elfs:
            load_guest(name)


class Break(gdb.Command):
    """sv-break NAME FUNC: a breakpoint on FUNC as guest NAME's ELF has it
(after its prologue), which stops only while domain NAME runs: every
guest is linked at the same address, so the same address is other code
in other domains. The condition reads the hypervisor's `current` (the gdb
macro above: the selected CPU's running domain)."""

    def __init__(self):
        super().__init__("sv-break", gdb.COMMAND_BREAKPOINTS)

    def invoke(self, arg, from_tty):
        name, func = gdb.string_to_argv(arg)
        if name not in guest_elfs:
            raise gdb.GdbError("no symbols for guest %s: sv-guest %s FILE.elf" % (name, name))
        before = guest_objfile()
        objfile = load_guest(name)
        try:
            addr = function_start(objfile, func)
            bp = gdb.Breakpoint("*0x%x" % addr)
            bp.condition = 'current != 0 && $_streq(current->name, "%s")' % name
        finally:
            if before:
                load_guest(before[0])
        print("breakpoint %d: %s's %s at 0x%x, only in domain %s"
              % (bp.number, name, func, addr, name))


def function_start(objfile, func):
    """Where gdb's `break FUNC` would stop in this guest: gdb holds no other
    guest's symbols now, and the hypervisor's (which has memcpy and
    vsnprintf too) are above KERNBASE."""
    try:
        sals = gdb.decode_line(func)[1] or []
    except gdb.error:
        sals = []
    for sal in sals:
        if sal.pc < 0xC0000000:
            return sal.pc
    raise gdb.GdbError("%s has no function %s" % (os.path.basename(objfile.filename), func))


class Domains(gdb.Command):
    """sv-domains: every domain: id, name, state, pages it owns, current."""

    def __init__(self):
        super().__init__("sv-domains", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        cur = int(current_domain())
        print("%-3s %-15s %-9s %6s  %s" % ("id", "name", "state", "pages", "notes"))
        for i, d in domains():
            notes = []
            if int(d.address) == cur:
                notes.append("current")
            if bool(d["privileged"]):
                notes.append("privileged")
            state = int(d["state"])
            if state == 3:
                notes.append("status %d" % int(d["exit_status"]))
            elif state == 4:
                notes.append(cstr(d["fate"]))
            print("%-3d %-15s %-9s %6d  %s" % (i, cstr(d["name"]), STATES.get(state, state),
                                               int(d["pages"]), ", ".join(notes)))


class Fpu(gdb.Command):
    """sv-fpu: each live domain's saved FPU state (kernel/fpu.c): x87 control,
status and tag words, MXCSR. The running domain's real state is in the CPU
(gdb's `info float`, `info vector`); its saved copy is from its last
switch out, or its clean start."""

    def __init__(self):
        super().__init__("sv-fpu", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        fxsr = bool(gdb.parse_and_eval("cpu_features.fxsr"))
        lazy = int(gdb.parse_and_eval("'fpu.c'::switching")) == 1
        owner = int(gdb.parse_and_eval("'fpu.c'::fpu_owner"))
        cur = int(current_domain())
        print("FPU state kept with %s, %s switching"
              % ("fxsave" if fxsr else "fnsave", "lazy" if lazy else "eager"))
        for i, d in domains():
            if int(d["state"]) not in (1, 2):
                continue
            s = d["fpu"]["fx"] if fxsr else d["fpu"]["fn"]
            words = "fcw 0x%04x fsw 0x%04x ftw 0x%02x" % (
                int(s["fcw"]) & 0xFFFF, int(s["fsw"]) & 0xFFFF,
                int(s["ftw"]) & (0xFF if fxsr else 0xFFFF))
            if fxsr:
                words += " mxcsr 0x%04x" % int(s["mxcsr"])
            here = int(d.address) == (owner if lazy else cur)
            print("domain %d (%s): %s%s" % (i, cstr(d["name"]), words,
                                            "; its registers are the CPU's now" if here else ""))


class Shares(gdb.Command):
    """sv-shares: every share: id, pages, first frame, destroyed or not, and
its peers: peer id, domain, event port, where the domain mapped it."""

    def __init__(self):
        super().__init__("sv-shares", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        t = table("'share.c'::shares")
        for i in range(int(t.type.sizeof // t[0].type.sizeof)):
            s = t[i]
            if not bool(s["used"]):
                continue
            print("share %d: %d pages from frame 0x%x%s, granted to 0x%x"
                  % (int(s["id"]), int(s["npages"]), int(s["first_pfn"]),
                     ", destroyed" if bool(s["destroyed"]) else "", int(s["granted"])))
            peers = s["peers"]
            for p in range(int(peers.type.sizeof // peers[0].type.sizeof)):
                if not bool(peers[p]["used"]):
                    continue
                dom, va = int(peers[p]["dom"]), int(peers[p]["map_va"])
                print("  peer %d: domain %d (%s), port %d, %s"
                      % (p, dom, domain_name(dom), int(peers[p]["port"]),
                         "mapped at 0x%08x" % va if va else "not mapped"))


class Watches(gdb.Command):
    """sv-watches: every address watch: domain, share, offset, and the
domain's counter address (share/watch.c's pool)."""

    def __init__(self):
        super().__init__("sv-watches", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        pool = table("'watch.c'::pool")
        found = sorted((int(w["dom"]), int(w["share"]), int(w["offset"]), int(w["counter_va"]))
                       for w in (pool[i] for i in range(int(pool.type.sizeof //
                                                            pool[0].type.sizeof)))
                       if bool(w["used"]))
        for dom, share, offset, counter in found:
            print("domain %d (%s): share %d offset %d, counter at 0x%08x"
                  % (dom, domain_name(dom), share, offset, counter))
        print("%d watches" % len(found))


class SgLists(gdb.Command):
    """sv-sg: every registered scatter-gather list (share/sg.c's lists), each
domain's in its queue order, the next a transfer fills first: domain, share,
direction (kept, for SV_SG_KEEP), handle, place in the queue, bytes, entries,
and for a kept list whether it is armed (its length word 0)."""

    def __init__(self):
        super().__init__("sv-sg", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        lists = table("'sg.c'::lists")
        head = table("'sg.c'::queue_head")  # slot + 1 of each domain's oldest, 0: none
        ndom = int(lists.type.sizeof // lists[0].type.sizeof)
        nslot = int(lists[0].type.sizeof // lists[0][0].type.sizeof)
        count = 0
        for dom in range(ndom):
            link, place = int(head[dom]), 1
            while link and place <= nslot:
                l = lists[dom][link - 1]
                entries = ", ".join("0x%x+%d" % (int(l["e"][k]["addr"]), int(l["e"][k]["len"]))
                                    for k in range(int(l["n"])))
                kind = sg_dir(int(l["dir"]))
                if bool(l["keep"]):
                    kind += " kept"
                nseg = int(l["nseg"])
                print("domain %d (%s): share %d %s handle 0x%x #%d, %d bytes in %d segment%s: %s"
                      % (dom, domain_name(dom), int(l["share"]), kind,
                         int(l["handle"]) & 0xFFFFFFFF, place, int(l["total"]),
                         nseg, "" if nseg == 1 else "s", entries))
                link, place, count = int(l["next"]), place + 1, count + 1
        print("%d lists" % count)


def sg_dir(d):
    return {1: "in", 2: "out"}.get(d, "dir %d" % d)


class Events(gdb.Command):
    """sv-events: each live domain's event ports from its shared-info page
(read through the hypervisor's direct map, d->shared): pending, masked,
whether upcalls are masked, and its callback; then what each bound port
is bound to (d->ports, kernel/ports.c)."""

    def __init__(self):
        super().__init__("sv-events", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        for i, d in domains():
            if int(d["state"]) not in (1, 2):     # exited or killed: page gone
                continue
            sh = d["shared"].dereference()
            print("domain %d (%s): pending %s; masked %s; upcalls %s; callback 0x%x"
                  % (i, cstr(d["name"]), ports(int(sh["event_pending"])),
                     ports(int(sh["event_mask"])),
                     "masked" if int(sh["upcall_mask"]) else "on", int(d["callback"])))
            print("  bound: %s" % port_bindings(d))


PORT_USES = {1: "timer", 2: "domain-exit", 3: "share", 4: "device"}


def port_bindings(d):
    """'0 timer, 1 domain-exit, 3 share 32': d->ports, the bound ones."""
    out = []
    for p in range(32):
        b = d["ports"][p]
        use = int(b["use"])
        if use in (3, 4):
            out.append("%d %s %d" % (p, PORT_USES[use], int(b["object"])))
        elif use:
            out.append("%d %s" % (p, PORT_USES.get(use, use)))
    return ", ".join(out) or "-"


class Devices(gdb.Command):
    """sv-devices: each passthrough device (kernel/device.c's devices):
its owner and port, when its slice ends, a pending release request, the
wait queue in order, whether its ports are open in the TSS I/O bitmap
now (and whether that agrees with who runs), and its counters."""

    def __init__(self):
        super().__init__("sv-devices", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        devs = table("'device.c'::devices")
        cpu = gdb.selected_thread().num - 1 if gdb.selected_thread() else 0
        bitmap = gdb.parse_and_eval("cpus[%d].tss.io_bitmap" % cpu)
        cur = current_domain()
        running = int(cur["id"]) if int(cur) else None
        now_ms = int(gdb.parse_and_eval("'timer.c'::ticks")) * 10      # HZ = 100
        for i in range(int(devs.type.sizeof // devs[0].type.sizeof)):
            v = devs[i]
            base, count, owner = int(v["io_base"]), int(v["io_count"]), int(v["owner"])
            name = v["name"].string()
            if owner == 0xFFFF:
                print("device %d %s: idle (ports 0x%x-0x%x, IRQ %d), slice %d ms, grace %d ms"
                      % (i, name, base, base + count - 1, int(v["irq"]), int(v["slice_ms"]),
                         int(v["grace_ms"])))
            else:
                rel = int(v["release_by_ns"])
                print("device %d %s: owned by domain %d (%s), port %d; slice ends in %d ms%s"
                      % (i, name, owner, domain_name(owner), int(v["owner_port"]),
                         int(v["slice_end_ns"]) // 1000000 - now_ms,
                         "; release requested, revoked in %d ms" % (rel // 1000000 - now_ms)
                         if rel else ""))
            for k in range(int(v["nwaiting"])):
                w = v["queue"][k]
                print("  waiting %d: domain %d (%s), port %d, for %d ms"
                      % (k + 1, int(w["dom"]), domain_name(int(w["dom"])), int(w["port"]),
                         now_ms - int(w["since_ns"]) // 1000000))
            open_now = [p for p in range(base, base + count)
                        if not int(bitmap[p // 8]) & (1 << (p % 8))]
            should = owner != 0xFFFF and owner == running
            print("  I/O bitmap: ports %s for the running domain %s%s"
                  % ("open" if open_now else "closed", running,
                     "" if bool(open_now) == should else "  <-- DISAGREES with the owner"))
            print("  %d grants, %d revoked, %d interrupts to owners, %d dropped"
                  % (int(v["grants"]), int(v["revoked"]), int(v["irqs_delivered"]),
                     int(v["irqs_dropped"])))


class TrapFrameUnwinder(Unwinder):
    """Continue a backtrace through the trap entry: the frame that called
trap(tf) is trap_common (hypercall_trap(tf): hypercall_common, between
trap_common and trap_return too), and the frame below it is whatever the
trap interrupted, with its registers in *tf. So `bt` in sg_xfer goes on into
the guest's sv_sg_xfer and its callers, named with the running domain's
symbols (sv-follow)."""

    def __init__(self):
        super().__init__("sharevisor trap frame")

    def __call__(self, pending):
        pc = int(pending.read_register("pc"))
        start = gdb.parse_and_eval("&trap_common")
        end = gdb.parse_and_eval("&trap_return")
        if not int(start) < pc <= int(end):
            return None
        sp = int(pending.read_register("sp"))
        tf = frame_tf(sp).dereference()
        unwind = pending.create_unwind_info(FrameId(gdb.Value(sp), start))
        for reg in ("eax", "ecx", "edx", "ebx", "ebp", "esi", "edi", "eip", "eflags"):
            unwind.add_saved_register(reg, tf[reg])
        ring3 = int(tf["cs"]) & 3
        # A trap from ring 0 pushes no esp: the interrupted esp is just above.
        esp = tf["esp"] if ring3 else gdb.Value(int(tf.address) + tf.type.sizeof - 8)
        unwind.add_saved_register("esp", esp.cast(gdb.lookup_type("uint32_t")))
        return unwind


def op_name(op):
    """The hypercall's name from kernel/hypercall.c's table, or 'op N'."""
    try:
        return gdb.parse_and_eval("'hypercall.c'::ops[%d].name" % op).string()
    except gdb.error:
        return "op %d" % op


def trap_frame_arg():
    """The trap frame of the innermost trap_common (or hypercall_common)
    frame, from the selected one out (trap's own tf is often <optimized
    out>: read the argument the entry pushed, at its stack pointer)."""
    frame = gdb.selected_frame()
    while frame is not None:
        if frame.name() in ("trap_common", "hypercall_common", "vector_hypercall_smp"):
            return frame_tf(int(frame.read_register("esp")))
        frame = frame.older()
    raise gdb.GdbError("no trap_common frame in the backtrace: give sv-trap a trap frame")


def frame_tf(sp):
    """trap_common called trap(tf) (hypercall_common: hypercall_trap(tf))
    with tf pushed at sp."""
    tfp = gdb.lookup_type("struct trapframe").pointer()
    return gdb.Value(sp).cast(tfp.pointer()).dereference()


class FrameId:
    """What gdb needs to tell frames apart (gdb 14 has gdb.unwinder.FrameId)."""

    def __init__(self, sp, pc):
        self.sp, self.pc = sp, pc


class TrapFrame(gdb.Command):
    """sv-trap [TF]: the trap being handled (default: the tf of the nearest
trap() frame): vector, hypercall name and arguments, the interrupted
eip/esp/ebp."""

    def __init__(self):
        super().__init__("sv-trap", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        tf = gdb.parse_and_eval(arg) if arg else trap_frame_arg()
        tf = tf.dereference()
        vec = int(tf["trapno"])
        what = "vector %d" % vec
        if vec == 0x82:
            op = int(tf["eax"])
            name = op_name(op)
            what = "hypercall %s (op %d) ebx=0x%x ecx=0x%x edx=0x%x esi=0x%x edi=0x%x" % (
                name, op, int(tf["ebx"]), int(tf["ecx"]), int(tf["edx"]), int(tf["esi"]),
                int(tf["edi"]))
        print("trap frame at 0x%x: %s" % (int(tf.address), what))
        print("  from eip=0x%08x esp=0x%08x ebp=0x%08x cs=0x%x"
              % (int(tf["eip"]), int(tf["esp"]), int(tf["ebp"]), int(tf["cs"])))


for command in (Guest, Follow, Break, Domains, Shares, Watches, SgLists, Events, Devices,
                Fpu, TrapFrame):
    command()
gdb.unwinder.register_unwinder(None, TrapFrameUnwinder(), replace=True)
