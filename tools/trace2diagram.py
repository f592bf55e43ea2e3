#!/usr/bin/env python3
"""tools/trace2diagram.py: draw a hypercall trace as a sequence diagram.

    tools/trace2diagram.py LOG [--mermaid OUT.mmd] [--dot OUT.dot] [--all]

LOG is a serial log of a boot with trace=hypercalls (make trace-diagram
makes one). Its "trace:" lines (format in docs/debugging.md) become
messages between the domains and the hypervisor: each hypercall an arrow
to the hypervisor, each event raised or upcall an arrow back. Calls that
only keep a guest going (yield, block, time_get, console_write, ...) are
left out unless --all; a run of the same call by the same domain is drawn
once, with a count. Writes Mermaid (GitHub renders it) and Graphviz dot
(`dot -Tsvg`); with neither option, prints the Mermaid text.

A line that starts with "trace:" but does not match the format is an
error (exit status 1): tests/boot_tests.py relies on that.
"""
import argparse
import re
import sys

PREFIX = "trace: "
# trace: hc dom=1 ping sg_xfer(32, 1, 1, 0x3fff00, 2) = 228
# trace: hc dom=2 pong sg_xfer(32, 1, 0, 0x3fff10, 2) = -11 SV_EAGAIN
ARG = r"(?:-?\d+|0x[0-9a-f]+)"
HC = re.compile(r"^trace: hc dom=(\d+) (\S+) (\w+)\(((?:%s(?:, %s)*)?)\) = (-?\d+)(?: (SV_E[A-Z]+))?$"
                % (ARG, ARG))
# trace: raise dom=2 pong port=3
RAISE = re.compile(r"^trace: raise dom=(\d+) (\S+) port=(\d+)$")
# trace: upcall dom=2 pong pending=0x8
UPCALL = re.compile(r"^trace: upcall dom=(\d+) (\S+) pending=0x([0-9a-f]+)$")
# trace: dev COM2 grant dom=2 bravo   (also wait, release-request, revoke, release)
DEV = re.compile(r"^trace: dev (\w+) (grant|wait|release-request|revoke|release) "
                 r"dom=(\d+) (\S+)$")

# Calls left out by default: they keep a guest going, they move nothing.
NOISE = {"version", "yield", "block", "time_get", "timer_set", "console_write",
         "event_callback", "event_return", "share_info", "domain_list", "mem_info"}
XFER_DIRS = {1: "SEND", 2: "RECV"}
SG_DIRS = {1: "IN", 2: "OUT"}
HYPERVISOR = "hypervisor"


class Event:
    """One trace line: kind is "hc", "raise", "upcall" or "dev" (a change
    of a passthrough device's owner or queue; op says which)."""

    def __init__(self, kind, dom, name, op=None, args=(), result=None, error=None,
                 port=None, pending=None, device=None):
        self.kind, self.dom, self.name = kind, dom, name
        self.op, self.args, self.result, self.error = op, list(args), result, error
        self.port, self.pending, self.device = port, pending, device


def parse_arg(s):
    return int(s, 16) if s.startswith("0x") else int(s)


def parse_line(line):
    """The Event of a trace line, None for any other line; ValueError for
    a line that starts with "trace: " and is malformed."""
    if not line.startswith(PREFIX):
        return None
    m = HC.match(line)
    if m:
        result = int(m.group(5))
        if (result < 0) != (m.group(6) is not None):
            raise ValueError("error name without a negative result, or the reverse: %r" % line)
        args = [parse_arg(a) for a in m.group(4).split(", ")] if m.group(4) else []
        return Event("hc", int(m.group(1)), m.group(2), op=m.group(3), args=args,
                     result=result, error=m.group(6))
    m = RAISE.match(line)
    if m:
        return Event("raise", int(m.group(1)), m.group(2), port=int(m.group(3)))
    m = UPCALL.match(line)
    if m:
        return Event("upcall", int(m.group(1)), m.group(2), pending=int(m.group(3), 16))
    m = DEV.match(line)
    if m:
        return Event("dev", int(m.group(3)), m.group(4), op=m.group(2), device=m.group(1))
    raise ValueError("malformed trace line: %r" % line)


def parse(text):
    """Every trace line of a log, in order. Raises ValueError on the first
    malformed one."""
    events = []
    for line in text.splitlines():
        ev = parse_line(line.rstrip("\r"))
        if ev:
            events.append(ev)
    return events


def in_call_order(events):
    """Events raised inside a hypercall are printed before its line (the
    call's line comes when it returns): put them after it, so the arrow
    to the hypervisor comes first."""
    out, held = [], []
    for ev in events:
        if ev.kind in ("raise", "dev"):
            held.append(ev)
            continue
        if ev.kind == "hc":
            out.append(ev)
            out += held
        else:
            out += held + [ev]
        held = []
    return out + held


def label(ev, peers):
    """The text of one hypercall's arrow."""
    a, r = ev.args, ev.result
    if ev.op == "sg_xfer" and r >= 0:
        to = peers.get((a[0], a[2]), "peer %d" % a[2])
        return "sg_xfer %s %s: %d bytes" % (XFER_DIRS.get(a[1], a[1]), to, r)
    if ev.op == "sg_register" and r >= 0:
        return "sg_register %s list, %d entr%s" % (SG_DIRS.get(a[1], a[1]), a[3],
                                                     "y" if a[3] == 1 else "ies")
    args = ", ".join("%#x" % x if x >= 0x10000 else str(x) for x in a)
    result = "%d %s" % (r, ev.error) if r < 0 else str(r)
    return "%s(%s) = %s" % (ev.op, args, result)


def messages(events, keep_all=False):
    """(participants, [(from, to, text)]) for the diagram."""
    names, peers = {}, {}
    for ev in events:
        names[ev.dom] = ev.name
        if ev.kind == "hc" and ev.op == "share_get" and ev.result >= 0:
            peers[(ev.args[0], ev.result)] = ev.name	# (share, peer id) -> name
    msgs = []
    for ev in in_call_order(events):
        if ev.kind == "raise":
            msg = (HYPERVISOR, ev.name, "event: port %d raised" % ev.port)
        elif ev.kind == "upcall":
            ports = [p for p in range(32) if ev.pending >> p & 1]
            msg = (HYPERVISOR, ev.name, "upcall: port%s %s pending" %
                   ("s" if len(ports) > 1 else "", ", ".join(map(str, ports))))
        elif ev.kind == "dev":
            msg = (HYPERVISOR, ev.name, "%s: %s" % (ev.device, ev.op))
        elif keep_all or ev.op not in NOISE:
            msg = (ev.name, HYPERVISOR, label(ev, peers))
        else:
            continue
        if msgs and tuple(msgs[-1][:3]) == msg:
            msgs[-1][3] += 1	# the same again: draw it once, with a count
        else:
            msgs.append(list(msg) + [1])
    doms = [names[d] for d in sorted(names)]
    half = (len(doms) + 1) // 2	# the hypervisor in the middle
    return doms[:half] + [HYPERVISOR] + doms[half:], \
        [(f, t, text if n == 1 else "%s (x%d)" % (text, n)) for f, t, text, n in msgs]


def mermaid(participants, msgs):
    out = ["sequenceDiagram"]
    out += ["    participant %s" % p for p in participants]
    for f, t, text in msgs:
        out.append("    %s%s%s: %s" % (f, "-->>" if f == HYPERVISOR else "->>", t,
                                      text.replace(";", ",")))
    return "\n".join(out) + "\n"


def dot(participants, msgs):
    """A sequence diagram in plain Graphviz: one column of invisible points
    per participant (its lifeline), one row per message."""
    def node(p, i):
        return '"%s_%d"' % (p, i)

    out = ["digraph trace {", "    ranksep=0.3; nodesep=1.6; splines=false;",
           '    node [shape=point, width=0.01, color=gray]; edge [fontname="Helvetica", fontsize=10];']
    heads = ['"%s_0" [shape=box, width=1, style=filled, fillcolor="%s", label="%s"]' %
             (p, "lightyellow" if p == HYPERVISOR else "lightblue", p) for p in participants]
    out += ["    " + h + ";" for h in heads]
    rows = len(msgs) + 1
    for i in range(rows + 1):	# keep the columns in order on every row
        out.append("    { rank=same; %s [style=invis]; }" %
                   " -> ".join(node(p, i) for p in participants))
    for p in participants:
        out.append("    %s [dir=none, style=dashed, color=gray];" %
                   " -> ".join(node(p, i) for i in range(rows + 1)))
    for i, (f, t, text) in enumerate(msgs, 1):
        style = ', style=dashed, color="#336699"' if f == HYPERVISOR else ""
        out.append('    %s -> %s [label="%s", constraint=false%s];' %
                   (node(f, i), node(t, i), text.replace('"', "'"), style))
    out.append("}")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log")
    ap.add_argument("--mermaid", help="write Mermaid text here")
    ap.add_argument("--dot", help="write Graphviz dot here")
    ap.add_argument("--all", action="store_true", help="keep every hypercall")
    opts = ap.parse_args()
    try:
        events = parse(open(opts.log, errors="replace").read())
    except ValueError as e:
        sys.exit("%s: %s" % (opts.log, e))
    if not events:
        sys.exit("%s: no trace lines (boot with trace=hypercalls)" % opts.log)
    participants, msgs = messages(events, opts.all)
    if opts.mermaid:
        open(opts.mermaid, "w").write(mermaid(participants, msgs))
    if opts.dot:
        open(opts.dot, "w").write(dot(participants, msgs))
    if not opts.mermaid and not opts.dot:
        sys.stdout.write(mermaid(participants, msgs))


if __name__ == "__main__":
    main()
