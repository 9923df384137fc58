#!/usr/bin/env python3
"""Runs a command with a pseudo-terminal's slave as its stdin and reports whether the
terminal's settings changed: the attack suite's outside check for tty cases.

    pty-run.py COMMAND [ARGS...]     "{tty}" in ARGS becomes the slave's path, "{ttyname}"
                                     its name under /dev/pts

Prints one JSON line: exit status, the command's stdout, and whether termios changed.
"""
import json, os, pty, subprocess, sys, termios

master, slave = pty.openpty()
path = os.ttyname(slave)
before = termios.tcgetattr(slave)
args = [a.replace("{tty}", path).replace("{ttyname}", os.path.basename(path)) for a in sys.argv[1:]]
r = subprocess.run(args, stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
after = termios.tcgetattr(slave)
print(json.dumps({"status": r.returncode, "stdout": r.stdout.decode(errors="replace"),
                  "stderr": r.stderr.decode(errors="replace"), "changed": before != after,
                  "before": str(before[:6]), "after": str(after[:6])}))
