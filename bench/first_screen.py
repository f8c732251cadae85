"""How long a command takes to show its first screen on a terminal, through its pager: the command runs on a
pseudo-terminal of ROWS x COLUMNS, with PAGER a small program that notes the moment it has read a screenful of
lines (then reads the rest, as a pager the user pages through would). Used by runs_pg.py.

    from first_screen import first_screen
    seconds, whole, code = first_screen(["namel3ss-debug", "runs", "DIR"], os.environ)
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Mapping
from pathlib import Path

ROWS, COLUMNS = 50, 200
_PAGER = """import sys, time
for number, _ in enumerate(sys.stdin, 1):
    if number == {rows}:
        open({stamp!r}, "w").write(repr(time.time()))
"""


def first_screen(argv: list[str], environ: Mapping[str, str]) -> tuple[float | None, float, int]:
    """(seconds to the first screen, None when the output was shorter than one and no pager ran; seconds to the
    command's end; its exit code)."""
    with tempfile.TemporaryDirectory(prefix="first-screen-") as scratch:
        stamp, script = Path(scratch) / "stamp", Path(scratch) / "pager.py"
        script.write_text(_PAGER.format(rows=ROWS, stamp=str(stamp)))
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        env = {name: value for name, value in environ.items() if name not in ("COLUMNS", "LINES", "NO_COLOR")}
        env.update(PAGER=f"{sys.executable} {script}", TERM="xterm-256color")
        reader = threading.Thread(target=_drain, args=(master,), daemon=True)
        reader.start()
        began = time.time()
        child = subprocess.run(argv, stdin=slave, stdout=slave, stderr=subprocess.DEVNULL, env=env, check=False)
        ended = time.time()
        os.close(slave)
        first = float(stamp.read_text()) - began if stamp.exists() else None
        os.close(master)
    return first, ended - began, child.returncode


def _drain(master: int) -> None:
    """What the terminal is shown, read and dropped, so that nothing writing to it ever blocks."""
    while True:
        try:
            if not os.read(master, 1 << 16):
                return
        except OSError:
            return
