# tests/gdb/session.gdb: the gdb session of tests/gdb_session.py (make test).
# Run after the .gdbinit made from tools/gdbinit.tmpl has connected to a
# halted QEMU booting the LAN demo with count=3. Each "=== name" line
# starts a section that gdb_session.py checks.

# The sg transfer path: ping's first frame, copied frame to frame.
break copy_sg if $_streq(current->name, "ping")
continue
echo === xfer\n
print bytes
bt
sv-trap
echo === step\n
next
next
next
print chunk
delete

# pong's receive handler, only in pong (every guest has a lan_recv at
# SV_GUEST_BASE + something).
sv-break pong lan_recv
continue
echo === recv\n
bt
print max
finish
echo === sv-domains\n
sv-domains
echo === sv-shares\n
sv-shares
echo === sv-watches\n
sv-watches
echo === sv-sg\n
sv-sg
echo === sv-events\n
sv-events
echo === sv-devices\n
sv-devices
echo === sv-fpu\n
sv-fpu
echo === end\n
delete
detach
