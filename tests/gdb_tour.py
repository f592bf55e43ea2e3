#!/usr/bin/env python3
"""tests/gdb_tour.py: docs/tour.md's breakpoints, checked in gdb (run by
tests/run.py).

docs/tour.md ends with a table, "The breakpoints of the tour": for each
stop, the gdb breakpoints that show it (`break kmain`, `sv-break pong
lan_recv`, ...) and the sv-* commands to try there. This reads that table,
so the doc stays the only list, boots the LAN demo (ping count=3) halted
in QEMU exactly as tests/gdb_session.py does, and runs tests/gdb/tour.py
in gdb: every breakpoint set as written, conditions included, the demo
run to its end. Each breakpoint must have a location and be hit with its
condition true at least once; each sv-* command must print, without an
error, once every breakpoint of its stop has been hit. One verdict line.

Usage: tests/gdb_tour.py [-v] [--doc FILE]   (-v: print gdb's output;
       --doc: read the table from another copy of docs/tour.md)
"""
import argparse
import os
import re
import sys
import time

import gdb_session   # the boot, the .gdbinit and the logs (tests/gdb_session.py)

TOUR_MD = os.path.join(gdb_session.TOP, "docs", "tour.md")
TOUR_GDB = os.path.join(gdb_session.TOP, "tests", "gdb", "tour.py")
TABLE = "## The breakpoints of the tour"


def tour_table(path=TOUR_MD):
    """[(stop, breakpoints, commands)]: each row's `code` spans, sorted into
    the breakpoints (break ..., sv-break ...) and the sv-* commands."""
    text = open(path).read()
    section = re.search(r"^%s\n(.*?)(?=^## |\Z)" % re.escape(TABLE), text, re.M | re.S)
    if not section:
        raise ValueError("%s has no section '%s'" % (path, TABLE))
    rows = []
    for line in section.group(1).splitlines():
        # Markdown tables split cells at every | not escaped as \|, even
        # inside `code` (a condition with || must be written \|\|).
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)]
        if len(cells) != 5 or not cells[1].isdigit():
            continue                      # the header, the |---| line, prose
        stop, breaks, commands = int(cells[1]), [], []
        for code in re.findall(r"`([^`]+)`", cells[3]):
            if code.startswith(("break ", "sv-break ")):
                breaks.append(code)
            elif code.startswith("sv-"):
                commands.append(code)
            else:       # a new kind of entry: teach this check about it
                raise ValueError("stop %d: the check does not know what to do with `%s`"
                                 % (stop, code))
        rows.append((stop, breaks, commands))
    if not rows:
        raise ValueError("%s: no rows in '%s'" % (path, TABLE))
    return rows


def check(table, out, qemu_rc):
    """(breakpoints hit, every problem found as a phrase)."""
    lines = set(out.splitlines())
    hits, problems = 0, []

    def why(stop, item):
        found = [l for l in lines if l.startswith("TOUR-FAIL %d %s: " % (stop, item))]
        return found[0].split(": ", 1)[1] if found else None

    for stop, breaks, commands in table:
        for spec in breaks:
            if "TOUR-HIT %d %s" % (stop, spec) in lines:
                hits += 1
            else:
                problems.append("stop %d `%s` %s" % (stop, spec, why(stop, spec) or "never hit"))
        for command in commands:
            if "TOUR-OK %d %s" % (stop, command) not in lines:
                problems.append("stop %d `%s` %s" % (stop, command, why(stop, command) or
                                "never ran (stop %d's breakpoints were not all hit)" % stop))
    if "(timed out)" in out:
        problems.append("timed out after %d s" % gdb_session.TIMEOUT)
    elif qemu_rc != 1:      # the breakpoints must not have changed the run
        problems.append("QEMU exited with %s, not 1 (status 0)" % qemu_rc)
    return hits, problems


def run(verbose=False, doc=TOUR_MD):
    """Boot, attach, check; True if every breakpoint was hit."""
    start = time.time()
    table = tour_table(doc)
    out, serial, qemu_rc = gdb_session.boot_and_attach(
        ["-ex", "python TOUR = %r" % table, "-x", TOUR_GDB])
    hits, problems = check(table, out, qemu_rc)
    if problems:
        print("FAIL gdb tour: %s   %.1fs" % ("; ".join(problems), time.time() - start))
        gdb_session.save_logs("gdb-tour", out, serial)
    else:
        print("PASS gdb tour   %d breakpoints hit   %.1fs" % (hits, time.time() - start))
    if verbose:
        print(out)
    return not problems


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-v", action="store_true", help="print gdb's output")
    ap.add_argument("--doc", default=TOUR_MD, help="the tour to check (default docs/tour.md)")
    args = ap.parse_args()
    sys.exit(0 if run(args.v, args.doc) else 1)
