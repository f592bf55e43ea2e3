"""tests/boot_tests.py: the boot tests that tests/run.py runs.

Each Test names a configuration (the hypervisor's command line, the
modules with their command lines, the RAM size), the exit status the
hypervisor must report, and a check function that reads the serial log
and returns a list of problems (empty when the behaviour is right).
Checks compare numbers and bytes with what the test set up, not just the
presence of a message.
"""
import os
import re
import subprocess
import zlib

MiB = 1 << 20
KiB = 1 << 10
MAX_MODULE_BYTES = 16 * MiB          # kernel/param.h
EXIT_OK, EXIT_FAILED, EXIT_PANIC, EXIT_BADBOOT = 0, 1, 2, 3   # kernel/power.h


class Context:
    """What a check function gets: the log and the run's set-up."""

    def __init__(self, log, emulator, mem_mb, workdir, hv):
        self.log, self.emulator, self.mem_mb = log, emulator, mem_mb
        self.workdir, self.hv = workdir, hv

    def lines(self, prefix):
        return [l for l in self.log.splitlines() if l.startswith(prefix)]

    def search(self, pattern):
        return re.search(pattern, self.log, re.M)

    def symbol_at(self, addr):
        """The hypervisor function containing addr (from nm), or None."""
        out = subprocess.run(["nm", "-n", self.hv], stdout=subprocess.PIPE,
                             check=True).stdout.decode()
        best = None
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tT" and int(parts[0], 16) <= addr:
                best = parts[2]
        return best

    def symbol(self, name):
        out = subprocess.run(["nm", self.hv], stdout=subprocess.PIPE,
                             check=True).stdout.decode()
        m = re.search(r"^([0-9a-f]+) \w %s$" % re.escape(name), out, re.M)
        return int(m.group(1), 16) if m else None


BUILD = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build")


def guest_elf(name):
    """The path of a built guest: guests/NAME.c or tests/guests/NAME.c."""
    for sub in ("guests", "tests/guests"):
        path = os.path.join(BUILD, sub, name + ".elf")
        if os.path.exists(path):
            return path
    raise FileNotFoundError("no built guest %s (run make)" % name)


class Module:
    """A boot module with its command line: a built guest (elf=NAME), bytes
    made by the test (content=...), or a path that does not exist
    (missing=True)."""

    def __init__(self, args, content=None, missing=False, elf=None):
        self.args, self.missing, self.elf = args, missing, elf
        self._content = content

    @property
    def content(self):
        if self._content is None:
            self._content = open(guest_elf(self.elf), "rb").read() if self.elf else b""
        return self._content


class Test:
    def __init__(self, name, check, hv_args="", modules=(), mem_mb=32,
                 expect_status=EXIT_OK, emulators=("qemu", "bochs"), direct=False):
        self.name, self.check, self.hv_args = name, check, hv_args
        self.modules, self.mem_mb = list(modules), mem_mb
        self.expect_status, self.emulators, self.direct = expect_status, emulators, direct

    def module_files(self, workdir):
        """Write the modules into workdir: [(path, args)]."""
        out = []
        for i, m in enumerate(self.modules):
            path = os.path.join(workdir, "mod%d.bin" % i)
            if m.missing:
                path = os.path.join(workdir, "missing%d.elf" % i)
            elif not os.path.exists(path):
                with open(path, "wb") as f:
                    f.write(m.content)
            out.append((path, m.args))
        return out


def pseudo_random(n, seed):
    """n reproducible bytes (a tiny LCG: no dependence on Python's random)."""
    out = bytearray(n)
    x = seed
    for i in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out[i] = x >> 16 & 0xFF
    return bytes(out)


# ---------------------------------------------------------------- checks

def expect(cond, message, errors):
    if not cond:
        errors.append(message)


def parse_memory(ctx):
    m = ctx.search(r"^memory: (\d+) KiB usable in (\d+) ranges, up to (0x[0-9a-f]+)$")
    if not m:
        return None
    return int(m.group(1)) * KiB, int(m.group(2)), int(m.group(3), 16)


def check_memory(ctx):
    """The usable memory the hypervisor reports fits the -m/megs given:
    everything but the 384 KiB hole below 1 MiB and at most 1 MiB more of
    firmware tables, ending within the last MiB of RAM; the frame table
    covers exactly that much."""
    errors = []
    mem = ctx.mem_mb * MiB
    got = parse_memory(ctx)
    if not got:
        return ["no 'memory:' line"]
    usable, nranges, top = got
    expect(mem - 384 * KiB - 1 * MiB <= usable <= mem - 384 * KiB,
           "usable %d KiB does not fit -m %dM" % (usable // KiB, ctx.mem_mb), errors)
    expect(mem - 1 * MiB <= top <= mem,
           "top of RAM %#x does not fit -m %dM" % (top, ctx.mem_mb), errors)
    expect(nranges == 2, "expected 2 usable ranges (below and above 1 MiB), got %d"
           % nranges, errors)
    # The map as printed: one usable entry from 1 MiB to the top.
    m = ctx.search(r"^  \[0x0*100000-(0x[0-9a-f]+)\) usable$")
    expect(m and int(m.group(1), 16) == top,
           "memory map has no usable entry [0x100000-%#x)" % top, errors)
    f = ctx.search(r"^frames: (\d+) total, (\d+) free")
    expect(f and int(f.group(1)) == (top + 4095) // 4096,
           "frame table size %s does not cover RAM up to %#x"
           % (f and f.group(1), top), errors)
    return errors


def check_modules_intact(mods):
    """Every module arrived: size, CRC-32 and command line as written."""
    def check(ctx):
        errors = []
        m = ctx.search(r"^modules: (\d+) given, (\d+) accepted$")
        expect(m and m.groups() == (str(len(mods)), str(len(mods))),
               "expected 'modules: %d given, %d accepted', got %r"
               % (len(mods), len(mods), m and m.group(0)), errors)
        for i, mod in enumerate(mods):
            line = ctx.search(r"^module %d: \[(0x[0-9a-f]+)-(0x[0-9a-f]+)\) (\d+) bytes "
                              r"crc32=(0x[0-9a-f]+) cmdline='(.*)'$" % i)
            if not line:
                errors.append("no line for module %d" % i)
                continue
            start, end = int(line.group(1), 16), int(line.group(2), 16)
            size, crc, args = int(line.group(3)), int(line.group(4), 16), line.group(5)
            expect(size == len(mod.content) == end - start,
                   "module %d: size %d, wrote %d" % (i, size, len(mod.content)), errors)
            expect(crc == zlib.crc32(mod.content),
                   "module %d: crc32 %#x, expected %#x" % (i, crc, zlib.crc32(mod.content)),
                   errors)
            # GRUB drops the path; QEMU -kernel keeps it as the first word.
            expect(args == mod.args or args.endswith(" " + mod.args),
                   "module %d: command line %r, expected %r" % (i, args, mod.args), errors)
            expect(start % 4096 == 0, "module %d not page-aligned: %#x" % (i, start), errors)
        return errors
    return check


def check_frames_selftest(ctx):
    """Every free frame was allocated once and freed, the count returned,
    and the modules survived every free frame being overwritten."""
    errors = []
    f = ctx.search(r"^frames: (\d+) total, (\d+) free")
    m = ctx.search(r"^selftest frames: PASS: free before (\d+), allocated (\d+), "
                   r"freed (\d+), free after (\d+)$")
    if not f or not m:
        return ["missing 'frames:' or 'selftest frames: PASS' line: %s"
                % ctx.lines("selftest frames")]
    free = int(f.group(2))
    counts = [int(x) for x in m.groups()]
    expect(counts == [free] * 4, "self-test counts %s differ from the %d free frames"
           % (counts, free), errors)
    # Free frames are most of RAM: all but the first MiB, the image, the
    # modules and the frame table.
    mem_frames = ctx.mem_mb * MiB // 4096
    expect(mem_frames - 1024 < free < mem_frames - 256,
           "%d free frames is implausible for %d MiB" % (free, ctx.mem_mb), errors)
    expect(ctx.search(r"^selftest frames: PASS: \d+ modules unchanged"),
           "modules were changed by the self-test", errors)
    return errors


def check_paging_selftest(ctx):
    m = ctx.search(r"^selftest paging: PASS: free frames (\d+) before, (\d+) after$")
    if not m:
        return ["no 'selftest paging: PASS' line: %s" % ctx.lines("selftest paging")]
    return [] if m.group(1) == m.group(2) else ["frames leaked: %s" % m.group(0)]


def check_timer_selftest(ctx):
    m = ctx.search(r"^selftest timer: PASS: (\d+) ticks at 100 Hz")
    return [] if m and int(m.group(1)) == 10 else \
        ["no 'selftest timer: PASS: 10 ticks' line: %s" % ctx.lines("selftest timer")]


def all_of(*checks):
    def check(ctx):
        return [e for c in checks for e in (c(ctx) or [])]
    return check


def check_panic_report(vector, name, err=None, cr2=None, function=None):
    """The documented panic report: the FATAL line, every register line,
    the exact error code and CR2, an EIP inside the function that faulted,
    and the PANIC line."""
    def check(ctx):
        errors = []
        expect(ctx.search(r"^FATAL: %s \(vector %d\) in hypervisor mode$"
                          % (re.escape(name), vector)),
               "no 'FATAL: %s (vector %d)' line" % (name, vector), errors)
        for reg in ("eip", "eax", "esi", "ds", "cr0"):
            expect(ctx.search(r"^  %s=0x[0-9a-f]+" % reg), "no %s line" % reg, errors)
        if err is not None:
            expect(ctx.search(r"^  vector=%d err=0x%08x" % (vector, err)),
                   "error code is not %#x" % err, errors)
        if cr2 is not None:
            m = ctx.search(r"cr2=(0x[0-9a-f]+)")
            got = int(m.group(1), 16) if m else None
            ok = cr2(got, ctx) if callable(cr2) else got == cr2
            expect(ok, "cr2 is %s" % (m and m.group(1)), errors)
        if function:
            m = ctx.search(r"^  eip=(0x[0-9a-f]+)")
            sym = m and ctx.symbol_at(int(m.group(1), 16))
            expect(sym == function, "eip is in %s, expected %s" % (sym, function), errors)
        expect(ctx.search(r"^PANIC: "), "no PANIC line", errors)
        return errors
    return check


def in_guard_page(cr2, ctx):
    guard = ctx.symbol("boot_stack_guard")
    return cr2 is not None and guard is not None and guard <= cr2 < guard + 4096


def check_lines(*patterns):
    """Each regular expression must match some line of the log."""
    def check(ctx):
        return ["no line matching %r" % p for p in patterns if not ctx.search(p)]
    return check


# ---------------------------------------------------------------- tests

# Module 0 is a real guest (so the run ends with status 0); the others are
# arbitrary bytes that the domain builder refuses after the loader has
# delivered them.
MODS = [
    Module("name=dom0 mem=4M lines=1", elf="hello"),
    Module("name=ping mem=2M x=1,2,3 path=/a/b:c", pseudo_random(4096, 2)),
    Module("name=pong", pseudo_random(1 * MiB + 3, 3)),
    Module("name=tiny", b"\x7f"),
]

BIG = Module("name=big", b"\0" * (MAX_MODULE_BYTES + 4096))
OK_MOD = Module("name=ok lines=1", elf="hello")

TESTS = [
    Test("memory-32M", check_memory, mem_mb=32),
    Test("memory-128M", check_memory, mem_mb=128),
    Test("modules-intact", check_modules_intact(MODS), modules=MODS),
    Test("modules-intact-qemu-kernel", check_modules_intact(MODS), modules=MODS,
         emulators=("qemu",), direct=True),
    Test("selftest-frames", check_frames_selftest, hv_args="selftest=frames",
         modules=MODS, mem_mb=32),
    Test("selftest-frames-128M", check_frames_selftest, hv_args="selftest=frames",
         modules=MODS, mem_mb=128),
    Test("selftest-paging-timer", all_of(check_paging_selftest, check_timer_selftest),
         hv_args="selftest=paging,timer"),
    Test("crash-pagefault",
         check_panic_report(14, "#PF page fault", err=0x2, cr2=0x00BAD000,
                            function="crash_on_purpose"),
         hv_args="crash=pagefault", expect_status=EXIT_PANIC),
    Test("crash-divide",
         check_panic_report(0, "#DE divide error", err=0, function="crash_on_purpose"),
         hv_args="crash=divide", expect_status=EXIT_PANIC),
    Test("crash-stackoverflow",
         all_of(check_lines(r"^FATAL: #DF double fault \(vector 8\) in hypervisor mode$",
                            r"^  the hypervisor stack overflowed",
                            r"^PANIC: double fault"),
                lambda ctx: [] if in_guard_page(
                    int(ctx.search(r"cr2=(0x[0-9a-f]+)").group(1), 16)
                    if ctx.search(r"cr2=(0x[0-9a-f]+)") else None, ctx)
                else ["cr2 is not in the stack guard page"]),
         hv_args="crash=stackoverflow", expect_status=EXIT_PANIC),
    Test("bad-module-missing",
         all_of(check_lines(r"^grub: module \S+missing1\.elf not found"),
                check_modules_intact([OK_MOD, Module("name=after", elf="hello")])),
         modules=[OK_MOD, Module("name=ghost", missing=True),
                  Module("name=after", elf="hello")]),
    Test("bad-module-none",
         check_lines(r"^modules: 0 given, 0 accepted$",
                     r"^boot: no module was loaded, so there is no domain to run$",
                     r"^boot: complete")),
    Test("bad-module-oversized",
         check_lines(r"^boot: module 1 'name=big' refused: it is too large: %d bytes, "
                     r"the limit is %d$" % (len(BIG.content), MAX_MODULE_BYTES),
                     r"^modules: 3 given, 2 accepted$",
                     r"^module 0: .* cmdline='name=ok lines=1'$",
                     r"^module 2: .* cmdline='name=after'$",
                     r"^selftest frames: PASS"),
         hv_args="selftest=frames", mem_mb=64,
         modules=[OK_MOD, BIG, Module("name=after", elf="hello")]),
    Test("bad-module-empty",
         check_lines(r"^boot: module 0 'name=empty' refused: it is empty$",
                     r"^modules: 2 given, 1 accepted$",
                     r"^module 1: .* cmdline='name=ok lines=1'$"),
         modules=[Module("name=empty", b""), OK_MOD]),
    Test("bad-cmdline-garbled",
         check_lines(r"^cmdline: unknown option 'fnord' ignored$",
                     r"^cmdline: unknown self-test 'bogus' ignored$",
                     r"^cmdline: unknown crash kind 'nothing' ignored$",
                     r"^cmdline: byte 0x1 at offset \d+ is not printable",
                     r"^selftest frames: PASS",
                     r"^boot: complete, 4 warnings,"),
         hv_args="fnord selftest=bogus,frames crash=nothing \x01 selftest=timer"),
    Test("bad-cmdline-too-long",
         check_lines(r"^boot: the command line is longer than 255 bytes: cut$",
                     r"^selftest paging: PASS"),
         hv_args="selftest=paging " + "x" * 300),
]
