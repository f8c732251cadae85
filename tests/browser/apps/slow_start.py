"""A run whose start-up lasts until the file GO_FILE names appears (or 60 s pass): no span until then. Then a
`step-N` span every 0.3 s until STOP_FILE appears. `view --follow` tests watch its start-up end."""

from __future__ import annotations

import os
import time
from pathlib import Path

from namel3ss_debug import span

go, stop = Path(os.environ["GO_FILE"]), Path(os.environ["STOP_FILE"])
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:  # the start-up: imports, loading a model, ...
    time.sleep(0.05)
number = 0
while not stop.exists() and time.monotonic() < deadline:
    with span(f"step-{number}", component="tool"):
        time.sleep(0.05)
    number += 1
    time.sleep(0.25)
