"""
wirehub.py: the Ethernet segment between the test machines (docs/remote.md).

Each QEMU's NE2000 is joined to a UDP socket of its own
(`-netdev socket,udp=HUB,localaddr=MINE`): every frame it sends is one
datagram to the hub, and every datagram the hub sends to it is a frame
it receives. The hub repeats each frame to every other machine, as a
repeater hub does, and counts what it carried. A test may also use it
as a hostile station on the wire (inject) or cut a machine off (cut).

Used by tests/run.py (NetRun) and by `make run-remote` (tools/remote.py).
"""
import socket
import threading


class WireHub:
    def __init__(self, n_machines, reorder_every=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        # Each machine's own port, picked now so that its QEMU can bind it.
        self.machine_ports = []
        for _ in range(n_machines):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.0.0.1", 0))
                self.machine_ports.append(s.getsockname()[1])
        self.frames = [0] * n_machines          # frames each machine sent
        self.cut = set()                        # machines whose frames go nowhere
        # Every reorder_every-th frame a machine sends is held back and
        # goes out after its next one: a wire that reorders.
        self.reorder_every, self.held = reorder_every, {}
        self.reordered = 0
        self.lock = threading.Lock()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)

    def qemu_cmd(self, i, hv, append, modules, log, mem_mb=32, cpus=1):
        """The QEMU command for machine i: the hypervisor hv booted
        directly with its command line and modules ("PATH ARGS" each),
        its console to the file log, and an NE2000 (MAC 52:54:00:00:00:
        i+1) on this hub."""
        mods = ",".join(m.replace(",", ",,") for m in modules)
        return ["qemu-system-i386", "-accel", "tcg", "-m", "%dM" % mem_mb,
                "-display", "none", "-serial", "file:" + log, "-no-reboot",
                "-monitor", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                "-smp", str(cpus), "-kernel", hv, "-append", append, "-initrd", mods,
                "-netdev", "socket,id=n0,udp=127.0.0.1:%d,localaddr=127.0.0.1:%d"
                % (self.port, self.machine_ports[i]),
                "-device", "ne2k_isa,netdev=n0,iobase=0x300,irq=10,mac=52:54:00:00:00:%02x"
                % (i + 1)]

    def start(self):
        self.sock.settimeout(0.2)
        self.thread.start()

    def stop(self):
        self.stopping = True
        self.thread.join(timeout=2)
        self.sock.close()

    def _run(self):
        while not self.stopping:
            try:
                frame, (_, port) = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            if port not in self.machine_ports:
                continue
            src = self.machine_ports.index(port)
            with self.lock:
                self.frames[src] += 1
                if src in self.cut:
                    continue
                out = [frame]
                if self.reorder_every and self.frames[src] % self.reorder_every == 0:
                    self.held[src] = frame      # goes after the next one
                    continue
                if src in self.held:
                    out.append(self.held.pop(src))
                    self.reordered += 1
                for f in out:
                    for i, p in enumerate(self.machine_ports):
                        if i != src and i not in self.cut:
                            self.sock.sendto(f, ("127.0.0.1", p))

    def inject(self, frame, to=None):
        """A frame from nowhere (a hostile station on the wire): to
        machine `to`, or to every machine."""
        with self.lock:
            for i, p in enumerate(self.machine_ports):
                if to is None or i == to:
                    self.sock.sendto(frame, ("127.0.0.1", p))

    def cut_off(self, i):
        """Machine i's frames go nowhere and nothing reaches it: as if its
        cable were pulled (its QEMU is stopped too: tests/run.py)."""
        with self.lock:
            self.cut.add(i)
