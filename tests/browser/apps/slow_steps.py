"""A run that is still being written: a `step-N` span every 0.3 s, each logged with the time it ended,
until the file STOP_FILE names appears (or 60 s pass). `view --follow` tests watch it grow."""

from __future__ import annotations

import os
import time
from pathlib import Path

from namel3ss_debug import span

stop, log = Path(os.environ["STOP_FILE"]), Path(os.environ["STEPS_LOG"])
deadline = time.monotonic() + 60
number = 0
while not stop.exists() and time.monotonic() < deadline:
    with span(f"step-{number}", component="tool"):
        time.sleep(0.05)
    with log.open("a", encoding="utf-8") as out:
        out.write(f"step-{number} {time.time()}\n")
    number += 1
    time.sleep(0.25)
