# tests/gdb/tour.py: the gdb side of tests/gdb_tour.py (make test).
# gdb runs it after the .gdbinit made from tools/gdbinit.tmpl has connected
# to a halted QEMU booting the LAN demo with count=3. gdb_tour.py first
# sets TOUR, the table "The breakpoints of the tour" of docs/tour.md:
#
#     TOUR = [(stop, ["break kmain", "sv-break ping send_one", ...],
#                    ["sv-domains", ...]), ...]
#
# Every breakpoint is typed as a reader would type it, then the demo runs
# to its end. A breakpoint counts as hit when the machine stops there with
# its condition true; it is deleted then, so that it costs nothing for the
# rest of the run. Once every breakpoint of a stop has been hit, the
# stop's sv-* commands run. One line per finding, for gdb_tour.py:
#
#     TOUR-HIT STOP SPEC            TOUR-OK STOP COMMAND
#     TOUR-FAIL STOP SPEC: WHY      TOUR-FAIL STOP COMMAND: WHY
import gdb

# A name gdb does not know must be an error, not a pending breakpoint
# (batch mode would answer gdb's question for us).
gdb.execute("set breakpoint pending off")


def say(word, stop, spec, why=""):
    why = " ".join(str(why).split()).rstrip(".")     # gdb's message on one line
    print("TOUR-%s %d %s%s" % (word, stop, spec, ": " + why if why else ""), flush=True)


def set_breakpoint(stop, spec):
    """Type spec; the gdb.Breakpoint it made, or None if gdb refused."""
    before = {b.number for b in gdb.breakpoints()}
    try:
        answer = gdb.execute(spec, to_string=True)
    except gdb.error as e:
        say("FAIL", stop, spec, "not set: %s" % e)
        return None
    made = [b for b in gdb.breakpoints() if b.number not in before]
    print("  %s: %s" % (spec, answer.strip()))
    if not made:
        say("FAIL", stop, spec, "not set: gdb made no breakpoint")
        return None
    return made[0]


def condition_holds(bp):
    """True or False; raises gdb.error if the condition cannot be evaluated
    here (a variable <optimized out>, say). gdb stops at such a breakpoint
    every time, which is a wrong tour, not a hit."""
    return not bp.condition or bool(gdb.parse_and_eval(bp.condition))


def run_commands(stop, commands):
    for command in commands:
        try:
            out = gdb.execute(command, to_string=True)
        except gdb.error as e:        # includes a Python exception in the command
            say("FAIL", stop, command, str(e))
            continue
        if out.strip():
            say("OK", stop, command)
        else:
            say("FAIL", stop, command, "printed nothing")
        print("    " + out.rstrip().replace("\n", "\n    "))


waiting = {}         # breakpoint number -> (stop, spec), until it is hit
left = {}            # stop -> how many of its breakpoints are still waiting
commands = {}        # stop -> its sv-* commands
for stop, specs, stop_commands in TOUR:  # noqa: F821  (set by gdb_tour.py)
    commands[stop] = stop_commands
    for spec in specs:
        bp = set_breakpoint(stop, spec)
        if bp is not None:
            waiting[bp.number] = (stop, spec)
            left[stop] = left.get(stop, 0) + 1

stopped_at = []      # the breakpoints of the last stop (gdb.events.stop)
gdb.events.stop.connect(lambda event: stopped_at.extend(getattr(event, "breakpoints", [])))
while waiting:
    del stopped_at[:]
    try:
        gdb.execute("continue", to_string=True)
    except gdb.error:     # the demo powered off: QEMU closed the connection
        break
    for bp in stopped_at:
        if bp.number not in waiting:
            continue
        try:
            if not condition_holds(bp):
                continue      # another breakpoint at this address stopped
            why = ""
        except gdb.error as e:
            why = "its condition fails here: %s" % e
        stop, spec = waiting.pop(bp.number)
        say("FAIL" if why else "HIT", stop, spec, why)
        bp.delete()
        left[stop] -= 1
        if left[stop] == 0:
            run_commands(stop, commands[stop])

# Hit or not, gdb lets go: QEMU then runs the demo to its end by itself.
try:
    gdb.execute("detach", to_string=True)
except gdb.error:
    pass                  # already gone
